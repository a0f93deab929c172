//! `/api/v1`: the JSON API. Each handler: caller + input → one use case → JSON.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiceng_core::audit::AuditFilter;
use jiceng_core::{DomainError, Lang, PageRequest, Result};
use jiceng_domain::import::{self, ImportOptions};
use jiceng_domain::org::{GridType, UnitPatch, service as org};
use jiceng_domain::people::{HouseholdInput, ResidentFilter, ResidentInput, service as people};
use jiceng_domain::{audit, auth::service as auth};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult};

pub trait InLang<T> {
    fn l(self, lang: Lang) -> ApiResult<T>;
}

impl<T> InLang<T> for Result<T> {
    fn l(self, lang: Lang) -> ApiResult<T> {
        self.map_err(|e| ApiError(e, lang))
    }
}

/// Rejections of the framework itself (unreadable JSON, a bad query string, a wrong
/// content type) come back in the API's error shape too.
async fn json_rejections(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&bytes).to_string();
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    (status, Json(json!({"code": code, "message": detail}))).into_response()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/units", post(create_unit))
        .route("/units/root", get(root_unit))
        .route("/units/by-code/{code}", get(unit_by_code))
        .route("/units/{id}", get(unit).patch(patch_unit))
        .route("/units/{id}/move", post(move_unit))
        .route("/units/{id}/retire", post(retire_unit))
        .route("/units/{id}/history", get(unit_history))
        .route("/units/{id}/posts", get(unit_posts).post(appoint))
        .route("/units/{id}/residents", get(unit_residents))
        .route(
            "/units/{id}/households",
            get(unit_households).post(create_household),
        )
        .route("/units/{id}/grids.geojson", get(grids_geojson))
        .route("/units/{id}/residents.xlsx", get(residents_xlsx))
        .route("/posts/{id}/end", post(end_post))
        .route("/households/{id}", get(household))
        .route("/households/{id}/residents", post(create_resident))
        .route("/residents", get(search_residents))
        .route("/residents/{id}", get(resident).patch(update_resident))
        .route("/residents/{id}/reveal", post(reveal))
        .route("/labels", get(labels).post(add_label))
        .route("/audit", get(audit_list))
        .route("/import/{kind}", post(import_file))
        .route("/users", get(users).post(create_user))
}

/// The API's routers, finished: unknown paths and framework rejections answer in the
/// API's error shape.
pub fn with_json_errors(r: Router<AppState>) -> Router<AppState> {
    r.fallback(|| async { StatusCode::NOT_FOUND })
        .layer(axum::middleware::map_response(json_rejections))
}

async fn me(c: ApiCaller) -> Json<Value> {
    Json(json!({
        "login": c.actor.login,
        "display_name": c.actor.display_name,
        "role": c.actor.role,
        "scope_unit_id": c.actor.scope_unit_id,
        "scope_path": c.actor.scope_path,
        "household_id": c.actor.household_id,
    }))
}

async fn root_unit(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let home = org::home(&s.ctx, &c.actor).await.l(c.lang)?;
    let v = org::view(&s.ctx, &c.actor, home.id, false)
        .await
        .l(c.lang)?;
    Ok(Json(json!(v)))
}

#[derive(Deserialize)]
struct ViewQuery {
    #[serde(default)]
    include_retired: bool,
}

async fn unit(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> ApiResult<Json<Value>> {
    let v = org::view(&s.ctx, &c.actor, id, q.include_retired)
        .await
        .l(c.lang)?;
    Ok(Json(json!(v)))
}

async fn unit_by_code(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let u = org::get_by_code(&s.ctx, &c.actor, &code).await.l(c.lang)?;
    Ok(Json(json!(u)))
}

async fn create_unit(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<org::CreateUnit>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let u = org::create(&s.ctx, &c.actor, input).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(u))))
}

#[derive(Deserialize)]
struct PatchUnit {
    version: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    grid_type: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    boundary: Option<Value>,
}

async fn patch_unit(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(p): Json<PatchUnit>,
) -> ApiResult<Json<Value>> {
    let mut fields = jiceng_core::error::Checker::new();
    let grid_type = match p.grid_type.as_deref() {
        Some(g) => {
            let t = GridType::parse(g);
            if t.is_none() {
                fields.add("grid_type", "网格类型无效", "invalid grid type");
            }
            t
        }
        None => None,
    };
    let boundary = match &p.boundary {
        Some(v) => match jiceng_formats::geo::Polygon::from_geojson_geometry(v) {
            Ok(poly) => Some(poly),
            Err(t) => {
                fields.push(jiceng_core::FieldError {
                    field: "boundary".into(),
                    message: t,
                });
                None
            }
        },
        None => None,
    };
    fields.finish().l(c.lang)?;
    let patch = UnitPatch {
        name: p.name,
        grid_type,
        address: p.address,
        boundary,
    };
    let u = org::update(&s.ctx, &c.actor, id, p.version, patch)
        .await
        .l(c.lang)?;
    Ok(Json(json!(u)))
}

#[derive(Deserialize)]
struct MoveBody {
    parent_id: i64,
    version: i64,
}

async fn move_unit(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<MoveBody>,
) -> ApiResult<Json<Value>> {
    let u = org::move_to(&s.ctx, &c.actor, id, b.parent_id, b.version)
        .await
        .l(c.lang)?;
    Ok(Json(json!(u)))
}

#[derive(Deserialize)]
struct VersionBody {
    version: i64,
}

async fn retire_unit(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<VersionBody>,
) -> ApiResult<Json<Value>> {
    let u = org::retire(&s.ctx, &c.actor, id, b.version)
        .await
        .l(c.lang)?;
    Ok(Json(json!(u)))
}

async fn unit_history(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let h = org::history(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!({ "items": h })))
}

async fn unit_posts(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = org::view(&s.ctx, &c.actor, id, false).await.l(c.lang)?;
    Ok(Json(json!({ "items": v.posts })))
}

async fn appoint(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<org::Appoint>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = org::appoint(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

async fn end_post(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    org::end_post(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

impl ListQuery {
    fn page(&self) -> PageRequest {
        PageRequest {
            offset: self.offset.unwrap_or(0),
            limit: self.limit.unwrap_or(50),
        }
    }
    fn filter(&self) -> ResidentFilter {
        ResidentFilter {
            q: self.q.clone(),
            label: self.label.clone(),
        }
    }
}

async fn unit_residents(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let unit = org::get(&s.ctx, &c.actor, id).await.l(c.lang)?;
    let page = people::list(&s.ctx, &c.actor, &unit, &q.filter(), q.page())
        .await
        .l(c.lang)?;
    Ok(Json(json!(page)))
}

async fn search_residents(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let page = people::search(&s.ctx, &c.actor, &q.filter(), q.page())
        .await
        .l(c.lang)?;
    Ok(Json(json!(page)))
}

async fn unit_households(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let h = people::households_of_unit(&s.ctx, &c.actor, id)
        .await
        .l(c.lang)?;
    Ok(Json(json!({ "items": h })))
}

async fn create_household(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<HouseholdInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let h = people::create_household(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(h))))
}

async fn household(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let h = people::household(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(h)))
}

async fn create_resident(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ResidentInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = people::create(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

async fn resident(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let r = people::get(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(r)))
}

#[derive(Deserialize)]
struct UpdateResident {
    version: i64,
    #[serde(flatten)]
    input: ResidentInput,
}

async fn update_resident(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<UpdateResident>,
) -> ApiResult<Json<Value>> {
    let r = people::update(&s.ctx, &c.actor, id, b.version, b.input)
        .await
        .l(c.lang)?;
    Ok(Json(json!(r)))
}

#[derive(Deserialize, Default)]
struct RevealBody {
    #[serde(default)]
    reason: String,
}

async fn reveal(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    body: Option<Json<RevealBody>>,
) -> ApiResult<Json<Value>> {
    let reason = body.map(|b| b.0.reason).unwrap_or_default();
    let r = people::reveal(&s.ctx, &c.actor, id, &reason)
        .await
        .l(c.lang)?;
    Ok(Json(json!(r)))
}

async fn labels(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let l = people::labels(&s.ctx).await.l(c.lang)?;
    Ok(Json(json!({ "items": l })))
}

async fn add_label(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(l): Json<jiceng_domain::people::Label>,
) -> ApiResult<StatusCode> {
    people::add_label(&s.ctx, &c.actor, l).await.l(c.lang)?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    actor_login: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    entity_type: Option<String>,
    #[serde(default)]
    entity_id: Option<String>,
    #[serde(default)]
    from_ms: Option<i64>,
    #[serde(default)]
    to_ms: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn audit_list(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let filter = AuditFilter {
        actor_login: q.actor_login,
        action: q.action,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        from_ms: q.from_ms,
        to_ms: q.to_ms,
    };
    let page = audit::browse(
        &s.ctx,
        &c.actor,
        &filter,
        PageRequest {
            offset: q.offset.unwrap_or(0),
            limit: q.limit.unwrap_or(50),
        },
    )
    .await
    .l(c.lang)?;
    Ok(Json(json!(page)))
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    skip_bad: Option<String>,
    #[serde(default)]
    dry_run: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("true" | "1" | "on" | "yes"))
}

/// The file is the raw request body; its name (for the format) comes from
/// `?file_name=` or the `X-File-Name` header.
async fn import_file(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let file_name = q
        .file_name
        .or_else(|| {
            headers
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        })
        .unwrap_or_else(|| match kind.as_str() {
            "grids" => "grids.geojson".into(),
            _ => "upload.csv".into(),
        });
    let opts = ImportOptions {
        skip_bad: flag(&q.skip_bad),
        dry_run: flag(&q.dry_run),
    };
    let outcome = run_import(&s, &c.actor, &kind, &file_name, &body, opts)
        .await
        .l(c.lang)?;
    let status = if outcome.report.errors.is_empty() || outcome.applied {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut body = json!(outcome);
    if status != StatusCode::OK {
        body["code"] = json!("import_rejected");
        body["message"] = json!(match c.lang {
            Lang::Zh => "文件中有错误行，未导入任何数据",
            Lang::En => "the file has bad rows: nothing was imported",
        });
    }
    Ok((status, Json(body)).into_response())
}

pub async fn run_import(
    s: &AppState,
    actor: &jiceng_core::Actor,
    kind: &str,
    file_name: &str,
    body: &[u8],
    opts: ImportOptions,
) -> Result<import::ImportOutcome> {
    match kind {
        "divisions" => import::divisions(&s.ctx, actor, file_name, body, opts).await,
        "grids" => import::grids(&s.ctx, actor, body, opts).await,
        "people" => import::people(&s.ctx, actor, file_name, body, opts).await,
        _ => Err(DomainError::field(
            "kind",
            "导入类型应为 divisions、grids 或 people",
            "import kind must be divisions, grids or people",
        )),
    }
}

async fn grids_geojson(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let grids = org::grids_in(&s.ctx, &c.actor, id).await.l(c.lang)?;
    let features: Vec<(String, String, String, jiceng_formats::geo::Polygon)> = grids
        .into_iter()
        .filter_map(|g| {
            let b = g.boundary?;
            Some((
                g.code,
                g.name,
                g.grid_type
                    .map(|t| t.as_str())
                    .unwrap_or("geographic")
                    .to_string(),
                b,
            ))
        })
        .collect();
    let doc = jiceng_formats::grids::grids_to_geojson(&features);
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        doc.to_string(),
    )
        .into_response())
}

async fn residents_xlsx(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let bytes = crate::ui::residents_workbook(&s, &c.actor, c.lang, id, &q.filter())
        .await
        .l(c.lang)?;
    Ok(crate::ui::xlsx_response(bytes, "residents.xlsx"))
}

async fn users(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let u = auth::users(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({ "items": u })))
}

async fn create_user(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<auth::CreateUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let u = auth::create_user(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(u))))
}
