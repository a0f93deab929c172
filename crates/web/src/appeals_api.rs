//! `/api/v1` for residents' appeals: intake, cases, actions, inbox, rates, rotations.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use jiceng_core::{DomainError, PageRequest};
use jiceng_domain::appeals::service::{self as appeals, ActInput, Breakdown, Intake};
use jiceng_domain::appeals::{CaseFilter, NewPhoto};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::InLang;
use crate::auth::ApiCaller;
use crate::error::ApiResult;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/appeals/categories", get(categories))
        .route(
            "/appeals/categories/{code}",
            axum::routing::put(save_category),
        )
        .route("/appeals/calendar", get(calendar))
        .route("/appeals/calendar/{day}", axum::routing::put(set_day))
        .route("/appeals/departments", get(departments))
        .route("/appeals/rates", get(rates))
        .route("/cases", get(search).post(submit))
        .route("/cases.xlsx", get(export))
        .route("/cases/{id}", get(case))
        .route("/cases/{id}/actions", post(act))
        .route("/cases/{id}/contact", post(contact))
        .route("/inbox", get(inbox))
        .route("/rotations", get(rotations).post(create_rotation))
        .route("/rotations/{id}/case", post(rotation_case))
}

async fn categories(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let cats = appeals::categories(&s.ctx).await.l(c.lang)?;
    Ok(Json(json!({ "items": cats })))
}

async fn save_category(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    Json(mut cat): Json<jiceng_domain::appeals::Category>,
) -> ApiResult<StatusCode> {
    cat.code = code;
    appeals::save_category(&s.ctx, &c.actor, cat)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn calendar(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let days = appeals::calendar_days(&s.ctx).await.l(c.lang)?;
    let items: Vec<Value> = days
        .into_iter()
        .map(|(d, k, n)| json!({"day": d.format("%Y-%m-%d").to_string(), "kind": if k == jiceng_domain::appeals::calendar::DayKind::Workday { "workday" } else { "holiday" }, "note": n}))
        .collect();
    Ok(Json(
        json!({ "items": items, "default": "Monday to Friday are working days" }),
    ))
}

#[derive(Deserialize)]
struct DayBody {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    note: String,
}

async fn set_day(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(day): Path<String>,
    Json(b): Json<DayBody>,
) -> ApiResult<StatusCode> {
    appeals::set_calendar_day(&s.ctx, &c.actor, &day, b.kind.as_deref(), &b.note)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn departments(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let d = appeals::departments(&s.ctx).await.l(c.lang)?;
    Ok(Json(json!({ "items": d })))
}

/// JSON intake: the fields of [`Intake`] plus `photos` as base64 strings.
#[derive(Deserialize)]
struct IntakeBody {
    #[serde(flatten)]
    intake: Intake,
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

async fn submit(
    State(s): State<AppState>,
    c: ApiCaller,
    headers: HeaderMap,
    Json(b): Json<IntakeBody>,
) -> ApiResult<(StatusCode, Response)> {
    let mut intake = b.intake;
    intake.photos = decode_photos(&b.photos).l(c.lang)?;
    if intake.idem_key.is_none() {
        intake.idem_key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
    }
    let channel = appeals::channel_of(Some(&c.actor));
    let (case, created) = appeals::submit(&s.ctx, Some(&c.actor), channel, intake)
        .await
        .l(c.lang)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Submitted {
            track_token: &case.track_token,
            case: &case,
            created,
        })
        .into_response(),
    ))
}

/// The answer to an intake, serialized straight from the case (no JSON tree between).
#[derive(Serialize)]
struct Submitted<'a> {
    case: &'a jiceng_domain::appeals::Case,
    created: bool,
    track_token: &'a str,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(flatten)]
    pub filter: FilterQuery,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The filter as query strings carry it (numbers and booleans as text).
#[derive(Deserialize, Default, Clone)]
pub struct FilterQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub unit_id: Option<String>,
    #[serde(default)]
    pub dept_id: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    /// `YYYY-MM-DD` (Beijing) or epoch milliseconds.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub overdue: Option<String>,
}

pub fn day_or_ms(s: Option<&str>, end: bool) -> Option<i64> {
    let s = s?.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let d = if end { d.succ_opt()? } else { d };
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(jiceng_core::clock::china())
        .single()
        .map(|t| t.timestamp_millis())
}

impl FilterQuery {
    pub fn to_filter(&self) -> CaseFilter {
        let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
        CaseFilter {
            q: self.q.clone(),
            status: self.status.clone(),
            category: self.category.clone(),
            unit_id: num(&self.unit_id),
            dept_id: num(&self.dept_id),
            channel: self.channel.clone(),
            from_ms: day_or_ms(self.from.as_deref(), false),
            to_ms: day_or_ms(self.to.as_deref(), true),
            overdue: match self.overdue.as_deref() {
                Some("true" | "1" | "on") => Some(true),
                Some("false" | "0") => Some(false),
                _ => None,
            },
            open: None,
        }
    }
}

async fn search(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Response> {
    let page = appeals::search(
        &s.ctx,
        &c.actor,
        &q.filter.to_filter(),
        PageRequest {
            offset: q.offset.unwrap_or(0),
            limit: q.limit.unwrap_or(50),
        },
    )
    .await
    .l(c.lang)?;
    Ok(Json(page).into_response())
}

async fn export(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<FilterQuery>,
) -> ApiResult<Response> {
    let bytes = crate::appeals_ui::cases_workbook(&s, &c.actor, c.lang, &q.to_filter())
        .await
        .l(c.lang)?;
    Ok(crate::ui::xlsx_response(bytes, "cases.xlsx"))
}

async fn case(State(s): State<AppState>, c: ApiCaller, Path(id): Path<i64>) -> ApiResult<Response> {
    let v = appeals::view(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
struct ActBody {
    #[serde(flatten)]
    input: ActInput,
    #[serde(default)]
    photos: Vec<String>,
}

async fn act(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ActBody>,
) -> ApiResult<Response> {
    let mut input = b.input;
    input.photos = decode_photos(&b.photos).l(c.lang)?;
    let case = appeals::act(&s.ctx, &c.actor, id, input).await.l(c.lang)?;
    Ok(Json(case).into_response())
}

async fn contact(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let phone = appeals::reveal_contact(&s.ctx, &c.actor, id)
        .await
        .l(c.lang)?;
    Ok(Json(json!({ "phone": phone })))
}

async fn inbox(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Response> {
    let i = appeals::inbox(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(i).into_response())
}

#[derive(Deserialize)]
pub struct RatesQuery {
    #[serde(default)]
    pub unit_id: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub by: Option<String>,
}

impl RatesQuery {
    pub fn breakdown(&self) -> Breakdown {
        match self.by.as_deref() {
            Some("departments") => Breakdown::Departments,
            Some("months") => Breakdown::Months,
            _ => Breakdown::Children,
        }
    }
}

async fn rates(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<RatesQuery>,
) -> ApiResult<Response> {
    let r = appeals::rates(
        &s.ctx,
        &c.actor,
        q.unit_id.as_deref().and_then(|u| u.parse().ok()),
        day_or_ms(q.from.as_deref(), false),
        day_or_ms(q.to.as_deref(), true),
        q.breakdown(),
    )
    .await
    .l(c.lang)?;
    Ok(Json(r).into_response())
}

async fn rotations(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let r = appeals::rotations(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({ "items": r })))
}

#[derive(Deserialize)]
struct RotationBody {
    subdistrict_id: i64,
    period: String,
    secretary: String,
}

async fn create_rotation(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<RotationBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = appeals::create_rotation(&s.ctx, &c.actor, b.subdistrict_id, &b.period, &b.secretary)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[derive(Deserialize)]
struct RotationCase {
    case_number: String,
}

async fn rotation_case(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<RotationCase>,
) -> ApiResult<StatusCode> {
    appeals::rotation_take_case(&s.ctx, &c.actor, id, &b.case_number)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}
