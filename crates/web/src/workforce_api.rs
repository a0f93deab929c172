//! `/api/v1/workforce/...`: leadership structure, cadres, added staff, promotions,
//! community workers, pay tables, pay runs, two-committees pay, reserve talents.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiceng_core::DomainError;
use jiceng_domain::workforce::service::{self as wf, StageMove, WorkerChange};
use jiceng_domain::workforce::{
    AddedStaffInput, CadreInput, PayTable, PromotionInput, TalentInput, TrainingInput, WorkerInput,
    rules,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::InLang;
use crate::auth::ApiCaller;
use crate::error::ApiResult;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workforce/structure", get(structure))
        .route("/workforce/figures", get(figures))
        .route("/workforce/cadres", get(cadres).post(create_cadre))
        .route("/workforce/cadres/{id}/end", post(end_cadre))
        .route("/workforce/added-staff", get(added_staff).post(add_staff))
        .route("/workforce/promotions", get(promotions).post(promote))
        .route(
            "/workforce/pay-tables",
            get(pay_tables).post(create_pay_table),
        )
        .route("/workforce/workers", get(workers).post(create_worker))
        .route("/workforce/workers/{id}", get(worker).put(change_worker))
        .route("/workforce/workers/{id}/progression", post(progression))
        .route("/workforce/workers/{id}/assessments", post(assessment))
        .route("/workforce/workers/{id}/exit", post(exit))
        .route("/workforce/pay-runs", get(pay_runs).post(create_pay_run))
        .route(
            "/workforce/pay-runs/{id}",
            get(pay_run).delete(delete_pay_run),
        )
        .route("/workforce/pay-runs/{id}/confirm", post(confirm_pay_run))
        .route("/workforce/pay-runs/{id}/xlsx", get(pay_run_xlsx))
        .route("/workforce/committee-pay", get(committee_pay))
        .route("/workforce/talents", get(talents).post(create_talent))
        .route("/workforce/talents/{id}", get(talent))
        .route("/workforce/talents/{id}/stage", post(move_talent))
        .route("/workforce/talents/{id}/trainings", post(add_training))
}

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    #[serde(default)]
    pub unit_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub month: Option<String>,
    /// `all` to include past appointments / workers who left.
    #[serde(default)]
    pub show: Option<String>,
}

impl UnitQuery {
    pub fn unit(&self) -> Result<Option<i64>, DomainError> {
        match self
            .unit_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                DomainError::field("unit_id", "单位编号应为数字", "unit_id must be a number")
            }),
        }
    }
    pub fn day(&self) -> Result<Option<chrono::NaiveDate>, DomainError> {
        match self
            .date
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(s) => rules::parse_date(s).map(Some).ok_or_else(|| {
                DomainError::field("date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
            }),
        }
    }
}

async fn structure(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let day = q.day().l(c.lang)?;
    let (total, rows) = wf::structure(&s.ctx, &c.actor, unit, day).await.l(c.lang)?;
    Ok(Json(json!({"total": total, "subdistricts": rows})))
}

async fn figures(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    jiceng_domain::require(&c.actor, jiceng_core::Verb::ViewOrg).l(c.lang)?;
    let f = wf::figures(&s.ctx).await.l(c.lang)?;
    Ok(Json(json!({"items": f})))
}

async fn cadres(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let day = q.day().l(c.lang)?;
    let on = if q.show.as_deref() == Some("all") {
        None
    } else {
        Some(day.unwrap_or_else(|| wf::today(&s.ctx)))
    };
    let items = wf::cadres(&s.ctx, &c.actor, unit, on).await.l(c.lang)?;
    Ok(Json(json!({"items": items})))
}

async fn create_cadre(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<CadreInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = wf::create_cadre(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"cadre": k}))))
}

#[derive(Deserialize)]
struct EndBody {
    version: i64,
    end_date: String,
}

async fn end_cadre(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<EndBody>,
) -> ApiResult<Json<Value>> {
    let k = wf::end_cadre(&s.ctx, &c.actor, id, b.version, &b.end_date)
        .await
        .l(c.lang)?;
    Ok(Json(json!({"cadre": k})))
}

async fn added_staff(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let items = wf::added_staff(&s.ctx, &c.actor, unit).await.l(c.lang)?;
    Ok(Json(json!({"total": items.len(), "items": items})))
}

async fn add_staff(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<AddedStaffInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let x = wf::add_staff(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"staff": x}))))
}

async fn promotions(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let items = wf::promotions(&s.ctx, &c.actor, unit).await.l(c.lang)?;
    Ok(Json(json!({"total": items.len(), "items": items})))
}

async fn promote(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<PromotionInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = wf::promote(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"promotion": p}))))
}

async fn pay_tables(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let items = wf::pay_tables(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({"items": items})))
}

async fn create_pay_table(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<PayTable>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let t = wf::create_pay_table(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"pay_table": t}))))
}

async fn workers(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let (_, items) = wf::workers(&s.ctx, &c.actor, unit, q.show.as_deref() != Some("all"))
        .await
        .l(c.lang)?;
    Ok(Json(json!({"total": items.len(), "items": items})))
}

async fn create_worker(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<WorkerInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let w = wf::create_worker(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"worker": w}))))
}

async fn worker(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = wf::worker_view(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(serde_json::to_value(v).unwrap_or_default()))
}

async fn change_worker(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<WorkerChange>,
) -> ApiResult<Json<Value>> {
    let w = wf::change_worker(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok(Json(json!({"worker": w})))
}

#[derive(Deserialize)]
struct VersionBody {
    version: i64,
}

async fn progression(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<VersionBody>,
) -> ApiResult<Json<Value>> {
    let w = wf::apply_progression(&s.ctx, &c.actor, id, b.version)
        .await
        .l(c.lang)?;
    Ok(Json(json!({"worker": w})))
}

#[derive(Deserialize)]
struct AssessmentBody {
    year: i32,
    result: String,
}

async fn assessment(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<AssessmentBody>,
) -> ApiResult<StatusCode> {
    wf::set_assessment(&s.ctx, &c.actor, id, b.year, &b.result)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ExitBody {
    version: i64,
    status: String,
    end_date: String,
}

async fn exit(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ExitBody>,
) -> ApiResult<Json<Value>> {
    let w = wf::exit_worker(&s.ctx, &c.actor, id, b.version, &b.status, &b.end_date)
        .await
        .l(c.lang)?;
    Ok(Json(json!({"worker": w})))
}

async fn pay_runs(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let (_, items) = wf::pay_runs(&s.ctx, &c.actor, unit).await.l(c.lang)?;
    Ok(Json(json!({"items": items})))
}

#[derive(Deserialize)]
struct RunBody {
    unit_id: i64,
    month: String,
}

async fn create_pay_run(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<RunBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = wf::create_pay_run(&s.ctx, &c.actor, b.unit_id, &b.month)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"run": r}))))
}

async fn pay_run(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (run, lines) = wf::pay_run(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!({"run": run, "lines": lines})))
}

async fn delete_pay_run(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    wf::delete_pay_run(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn confirm_pay_run(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let r = wf::confirm_pay_run(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!({"run": r})))
}

async fn pay_run_xlsx(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let bytes = crate::workforce_ui::pay_run_workbook(&s, &c.actor, c.lang, id)
        .await
        .l(c.lang)?;
    Ok(crate::ui::xlsx_response(
        bytes,
        &format!("pay-run-{id}.xlsx"),
    ))
}

async fn committee_pay(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let v = wf::committee_pay(&s.ctx, &c.actor, unit, q.month.as_deref())
        .await
        .l(c.lang)?;
    Ok(Json(json!(v)))
}

async fn talents(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit().l(c.lang)?;
    let p = wf::pipeline(&s.ctx, &c.actor, unit).await.l(c.lang)?;
    Ok(Json(
        json!({"pool": p.pool, "counts": p.counts, "items": p.talents}),
    ))
}

async fn create_talent(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<TalentInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let t = wf::create_talent(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"talent": t}))))
}

async fn talent(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (t, tr) = wf::talent(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!({"talent": t, "trainings": tr})))
}

async fn move_talent(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<StageMove>,
) -> ApiResult<Json<Value>> {
    let t = wf::move_talent(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok(Json(json!({"talent": t})))
}

async fn add_training(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<TrainingInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let t = wf::add_training(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"training": t}))))
}
