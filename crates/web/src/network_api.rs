//! `/api/v1` for the service network: centres and stations (public reads, the nearest
//! centre finder), joint meetings with meetings and resolutions, the sub-district reform.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use jiceng_core::{Actor, DomainError};
use jiceng_domain::network::service::{
    self as network, ActivityInput, BodyInput, LawTeamInput, MeetingInput, MemberInput,
    NearestQuery, PlaceInput, ReformItemInput, ResolutionInput, StatusInput,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::InLang;
use crate::auth::{ApiCaller, lang_of};
use crate::error::{ApiError, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/centres", get(list_places).post(create_place))
        .route("/centres/kinds", get(kinds))
        .route("/centres/services", get(services))
        .route("/centres/nearest", get(nearest))
        .route("/centres/{id}", get(place).patch(update_place))
        .route("/centres/{id}/activities", post(add_activity))
        .route("/joint-meetings", get(bodies).post(create_body))
        .route("/joint-meetings/resolutions", get(open_resolutions))
        .route(
            "/joint-meetings/resolutions/{id}/status",
            post(update_resolution),
        )
        .route("/joint-meetings/{id}", get(body))
        .route("/joint-meetings/{id}/members", post(add_member))
        .route("/joint-meetings/{id}/meetings", post(record_meeting))
        .route("/joint-meetings/{id}/resolutions", post(add_resolution))
        .route("/subdistricts/{id}/reform", get(reform))
        .route("/subdistricts/{id}/reform/items", post(add_item))
        .route(
            "/subdistricts/{id}/reform/items/{item}",
            delete(remove_item),
        )
        .route("/subdistricts/{id}/reform/teams", post(add_team))
        .route(
            "/subdistricts/{id}/reform/teams/{team}",
            delete(remove_team),
        )
        .route(
            "/subdistricts/{id}/reform/delegated",
            axum::routing::put(set_delegated),
        )
}

/// A caller who may be anonymous (public reads): a bad token is still refused.
pub struct MaybeApiCaller(pub Option<Actor>, pub jiceng_core::Lang);

impl FromRequestParts<AppState> for MaybeApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let lang = lang_of(&parts.headers);
        // An empty bearer token is no token at all.
        let empty = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "Bearer" || v.trim().is_empty());
        if empty {
            parts.headers.remove(axum::http::header::AUTHORIZATION);
        }
        match ApiCaller::from_request_parts(parts, state).await {
            Ok(c) => Ok(MaybeApiCaller(Some(c.actor), c.lang)),
            Err(ApiError(DomainError::Unauthenticated, _))
                if !parts
                    .headers
                    .contains_key(axum::http::header::AUTHORIZATION) =>
            {
                Ok(MaybeApiCaller(None, lang))
            }
            Err(e) => Err(e),
        }
    }
}

#[derive(Deserialize)]
struct PlacesQuery {
    unit_id: Option<i64>,
    kind: Option<String>,
}

async fn list_places(
    State(s): State<AppState>,
    MaybeApiCaller(_, lang): MaybeApiCaller,
    Query(q): Query<PlacesQuery>,
) -> ApiResult<Json<Value>> {
    let items = network::places(&s.ctx, q.unit_id, q.kind.as_deref())
        .await
        .l(lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn kinds(
    State(s): State<AppState>,
    MaybeApiCaller(_, lang): MaybeApiCaller,
) -> ApiResult<Json<Value>> {
    let items = network::place_kinds(&s.ctx).await.l(lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn services(
    State(s): State<AppState>,
    MaybeApiCaller(_, lang): MaybeApiCaller,
) -> ApiResult<Json<Value>> {
    let items = network::services(&s.ctx).await.l(lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn nearest(
    State(s): State<AppState>,
    MaybeApiCaller(actor, lang): MaybeApiCaller,
    Query(q): Query<NearestQuery>,
) -> ApiResult<Json<Value>> {
    let r = network::nearest(&s.ctx, actor.as_ref(), &q).await.l(lang)?;
    Ok(Json(json!(r)))
}

async fn place(
    State(s): State<AppState>,
    MaybeApiCaller(actor, lang): MaybeApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = network::place(&s.ctx, actor.as_ref(), id).await.l(lang)?;
    Ok(Json(json!(v)))
}

async fn create_place(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<PlaceInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = network::create_place(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "place": p }))))
}

#[derive(Deserialize)]
struct UpdatePlaceBody {
    version: i64,
    #[serde(flatten)]
    place: PlaceInput,
}

async fn update_place(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<UpdatePlaceBody>,
) -> ApiResult<Json<Value>> {
    let p = network::update_place(&s.ctx, &c.actor, id, b.version, b.place)
        .await
        .l(c.lang)?;
    Ok(Json(json!({ "place": p })))
}

async fn add_activity(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ActivityInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let a = network::add_activity(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "activity": a }))))
}

#[derive(Deserialize)]
struct LevelQuery {
    level: Option<String>,
    #[serde(default)]
    overdue: bool,
}

async fn bodies(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<LevelQuery>,
) -> ApiResult<Json<Value>> {
    let items = network::bodies(&s.ctx, &c.actor, q.level.as_deref())
        .await
        .l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn create_body(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<BodyInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = network::create_body(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "body": body }))))
}

async fn body(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = network::body(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(v)))
}

async fn add_member(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<MemberInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let m = network::add_member(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "member": m }))))
}

async fn record_meeting(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<MeetingInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let m = network::record_meeting(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "meeting": m }))))
}

async fn add_resolution(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ResolutionInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let rid = network::add_resolution(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": rid }))))
}

async fn open_resolutions(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<LevelQuery>,
) -> ApiResult<Json<Value>> {
    let items = network::open_resolutions(&s.ctx, &c.actor, q.level.as_deref(), q.overdue)
        .await
        .l(c.lang)?;
    Ok(Json(json!({ "items": items })))
}

async fn update_resolution(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<StatusInput>,
) -> ApiResult<Json<Value>> {
    let r = network::update_resolution(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok(Json(json!({ "resolution": r })))
}

async fn reform(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = network::reform(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(v)))
}

async fn add_item(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ReformItemInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let i = network::add_reform_item(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "item": i }))))
}

async fn remove_item(
    State(s): State<AppState>,
    c: ApiCaller,
    Path((id, item)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let i = s
        .ctx
        .network
        .reform_item(item)
        .await
        .l(c.lang)?
        .filter(|i| i.unit_id == id)
        .ok_or(ApiError(DomainError::NotFound("reform_item"), c.lang))?;
    network::remove_reform_item(&s.ctx, &c.actor, i.id)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_team(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<LawTeamInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let t = network::add_law_team(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({ "team": t }))))
}

async fn remove_team(
    State(s): State<AppState>,
    c: ApiCaller,
    Path((id, team)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let t = s
        .ctx
        .network
        .law_team(team)
        .await
        .l(c.lang)?
        .filter(|t| t.unit_id == id)
        .ok_or(ApiError(DomainError::NotFound("law_team"), c.lang))?;
    network::remove_law_team(&s.ctx, &c.actor, t.id)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DelegatedBody {
    items: Option<i64>,
    #[serde(default)]
    note: String,
}

async fn set_delegated(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<DelegatedBody>,
) -> ApiResult<StatusCode> {
    network::set_delegated(&s.ctx, &c.actor, id, b.items, &b.note)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}
