//! `/api/v1` for the three lists: needs, resources, matches (engine runs, accept,
//! reject, override), projects (progress, milestones, results, ratings), coverage and
//! accountability.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use jiceng_core::DomainError;
use jiceng_domain::appeals::NewPhoto;
use jiceng_domain::lists::service::{
    self as lists, AssignInput, NeedInput, ProgressInput, ProjectInput, ResourceInput,
};
use jiceng_domain::lists::{MatchStatus, NeedStatus};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::InLang;
use crate::auth::ApiCaller;
use crate::error::ApiResult;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lists/categories", get(categories))
        .route("/needs", get(needs).post(record_need))
        .route("/needs/merge", post(merge))
        .route("/needs/{id}", get(need))
        .route("/needs/{id}/close", post(close_need))
        .route("/needs/{id}/assign", post(assign))
        .route("/resources", get(resources).post(add_resource))
        .route("/resources/sync", post(sync))
        .route("/resources/{id}", get(resource))
        .route("/resources/{id}/active", post(set_active))
        .route("/matches", get(matches))
        .route("/matches/run", post(run))
        .route("/matches/runs", get(runs))
        .route("/matches/{id}/accept", post(accept))
        .route("/matches/{id}/reject", post(reject))
        .route("/projects", get(projects))
        .route("/projects/accountability", get(accountability))
        .route("/projects/{id}", get(project))
        .route("/projects/{id}/progress", post(progress))
        .route("/projects/{id}/milestones", post(add_milestone))
        .route("/milestones/{id}/done", post(milestone_done))
        .route("/projects/{id}/results", post(add_outcome))
        .route("/projects/{id}/ratings", post(rate))
        .route("/coverage", get(coverage))
}

async fn categories(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let cats = lists::categories(&s.ctx).await.l(c.lang)?;
    Ok(Json(json!({ "items": cats })))
}

#[derive(Deserialize, Default)]
struct NeedFilter {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn needs(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<NeedFilter>,
) -> ApiResult<Json<Value>> {
    let status = match q.status.as_deref().filter(|x| !x.is_empty()) {
        Some(x) => Some(
            NeedStatus::parse(x)
                .ok_or_else(|| DomainError::field("status", "状态无效", "unknown status"))
                .l(c.lang)?,
        ),
        None => None,
    };
    let items = lists::needs(
        &s.ctx,
        &c.actor,
        status,
        q.category.filter(|x| !x.is_empty()),
        q.limit.unwrap_or(500).clamp(1, 5000),
    )
    .await
    .l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn record_need(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<NeedInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let n = lists::record_need(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(n))))
}

async fn need(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let p = lists::need_page(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(p)))
}

#[derive(Deserialize)]
struct MergeBody {
    target: i64,
    #[serde(default)]
    others: Vec<i64>,
}

async fn merge(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<MergeBody>,
) -> ApiResult<Json<Value>> {
    let n = lists::merge_needs(&s.ctx, &c.actor, b.target, &b.others)
        .await
        .l(c.lang)?;
    Ok(Json(json!(n)))
}

async fn close_need(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let n = lists::close_need(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(n)))
}

async fn assign(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<AssignInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let m = lists::assign(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(m))))
}

#[derive(Deserialize, Default)]
struct ResourceFilter {
    #[serde(default)]
    inactive: Option<String>,
}

async fn resources(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<ResourceFilter>,
) -> ApiResult<Json<Value>> {
    let all = matches!(q.inactive.as_deref(), Some("1" | "true"));
    let items = lists::resources(&s.ctx, &c.actor, all).await.l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn add_resource(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<ResourceInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = lists::add_resource(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

async fn sync(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let (i, u, d) = lists::sync(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({"inserted": i, "updated": u, "deactivated": d})))
}

async fn resource(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let r = lists::resource(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(r)))
}

#[derive(Deserialize)]
struct ActiveBody {
    active: bool,
}

async fn set_active(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ActiveBody>,
) -> ApiResult<StatusCode> {
    lists::set_resource_active(&s.ctx, &c.actor, id, b.active)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
struct MatchFilter {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn matches(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<MatchFilter>,
) -> ApiResult<Json<Value>> {
    let status = match q.status.as_deref().filter(|x| !x.is_empty()) {
        Some(x) => Some(
            MatchStatus::parse(x)
                .ok_or_else(|| DomainError::field("status", "状态无效", "unknown status"))
                .l(c.lang)?,
        ),
        None => None,
    };
    let items = lists::matches(
        &s.ctx,
        &c.actor,
        status,
        q.limit.unwrap_or(500).clamp(1, 5000),
    )
    .await
    .l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize, Default)]
struct RunBody {
    #[serde(default)]
    unit_id: Option<i64>,
}

async fn run(
    State(s): State<AppState>,
    c: ApiCaller,
    body: Option<Json<RunBody>>,
) -> ApiResult<Json<Value>> {
    let unit_id = body.and_then(|b| b.0.unit_id);
    let r = lists::run_engine(&s.ctx, &c.actor, unit_id)
        .await
        .l(c.lang)?;
    Ok(Json(json!(r)))
}

async fn runs(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let items = lists::runs(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn accept(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    body: Option<Json<ProjectInput>>,
) -> ApiResult<Json<Value>> {
    let input = body.map(|b| b.0).unwrap_or_default();
    let m = lists::accept(&s.ctx, &c.actor, id, input).await.l(c.lang)?;
    Ok(Json(json!(m)))
}

#[derive(Deserialize, Default)]
struct NoteBody {
    #[serde(default)]
    note: String,
}

async fn reject(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    body: Option<Json<NoteBody>>,
) -> ApiResult<Json<Value>> {
    let note = body.map(|b| b.0.note).unwrap_or_default();
    let m = lists::reject(&s.ctx, &c.actor, id, &note).await.l(c.lang)?;
    Ok(Json(json!(m)))
}

async fn projects(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let items = lists::projects(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn project(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let p = lists::project_page(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(p)))
}

async fn progress(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ProgressInput>,
) -> ApiResult<Json<Value>> {
    let p = lists::update_progress(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok(Json(json!(p)))
}

#[derive(Deserialize, Default)]
struct MilestoneBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    due_on: String,
}

async fn add_milestone(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<MilestoneBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let m = lists::add_milestone(&s.ctx, &c.actor, id, &b.title, &b.due_on)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(m))))
}

#[derive(Deserialize)]
struct DoneBody {
    #[serde(default = "yes")]
    done: bool,
}

fn yes() -> bool {
    true
}

async fn milestone_done(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    body: Option<Json<DoneBody>>,
) -> ApiResult<StatusCode> {
    let done = body.map(|b| b.0.done).unwrap_or(true);
    lists::set_milestone_done(&s.ctx, &c.actor, id, done)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
struct OutcomeBody {
    #[serde(default)]
    text: String,
    /// base64 images.
    #[serde(default)]
    photos: Vec<String>,
}

fn decode_photos(photos: &[String]) -> Result<Vec<NewPhoto>, DomainError> {
    photos
        .iter()
        .map(|p| {
            let data = p.split_once(";base64,").map(|(_, d)| d).unwrap_or(p);
            base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map(|bytes| NewPhoto {
                    content_type: String::new(),
                    bytes,
                })
                .map_err(|_| {
                    DomainError::field("photos", "照片须为 base64 编码", "photos must be base64")
                })
        })
        .collect()
}

async fn add_outcome(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<OutcomeBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let photos = decode_photos(&b.photos).l(c.lang)?;
    let o = lists::add_outcome(&s.ctx, &c.actor, id, &b.text, photos)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(o))))
}

#[derive(Deserialize, Default)]
struct RateBody {
    #[serde(default)]
    stars: Option<i64>,
    #[serde(default)]
    comment: String,
}

async fn rate(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<RateBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = lists::rate(&s.ctx, &c.actor, id, b.stars, &b.comment)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit_id: Option<i64>,
}

async fn coverage(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let cov = lists::coverage(&s.ctx, &c.actor, q.unit_id)
        .await
        .l(c.lang)?;
    Ok(Json(json!(cov)))
}

async fn accountability(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let a = lists::accountability(&s.ctx, &c.actor, q.unit_id, c.lang)
        .await
        .l(c.lang)?;
    Ok(Json(json!(a)))
}
