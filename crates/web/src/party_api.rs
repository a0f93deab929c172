//! `/api/v1/party/...` and `/api/v1/alliances/...`: the party organisation tree,
//! positions and the two committees, members, transfers, 双报到 and commitments,
//! temporary organisations, alliances.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiceng_domain::party::service::{
    self as party, AllianceInput, AppointInput, CommitmentInput, CreateOrg, ItemInput, MemberInput,
    RegisterInput, TransferInput,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::InLang;
use crate::auth::ApiCaller;
use crate::error::ApiResult;

type Created = ApiResult<(StatusCode, Json<Value>)>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/party/orgs", get(tree).post(create))
        .route("/party/orgs/{id}", get(org))
        .route("/party/orgs/{id}/history", get(history))
        .route("/party/orgs/{id}/rename", post(rename))
        .route("/party/orgs/{id}/move", post(move_org))
        .route("/party/orgs/{id}/dissolve", post(dissolve))
        .route("/party/orgs/{id}/end", post(end_temporary))
        .route("/party/orgs/{id}/positions", post(appoint))
        .route("/party/orgs/{id}/members", post(add_member))
        .route("/party/positions/{id}/end", post(end_position))
        .route("/party/temporary", get(temporary))
        .route("/party/roster/{id}", get(roster).post(appoint_rc))
        .route("/party/members/{id}", get(member))
        .route("/party/members/{id}/reveal", post(reveal))
        .route("/party/members/{id}/transfer", post(transfer))
        .route("/party/members/{id}/registrations", post(register))
        .route("/party/members/{id}/commitments", post(add_commitment))
        .route("/party/registrations/{id}/end", post(end_registration))
        .route("/party/commitments/{id}/active", post(commitment_active))
        .route("/party/categories", get(categories))
        .route("/party/units/{id}/commitments", get(commitments_in))
        .route("/party/units/{id}/registrations", get(registrations_in))
        .route("/alliances", get(alliances).post(create_alliance))
        .route("/alliances/{id}", get(alliance))
        .route("/alliances/{id}/members", post(add_alliance_member))
        .route("/alliances/{id}/agreements", post(add_agreement))
        .route("/alliances/{id}/activities", post(add_activity))
        .route("/alliances/{id}/resources", post(add_resource))
}

#[derive(Deserialize, Default)]
struct OnBody {
    #[serde(default)]
    on: Option<String>,
}

async fn tree(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let root = party::home(&s.ctx, &c.actor).await.l(c.lang)?;
    let view = party::view(&s.ctx, &c.actor, root.id, false)
        .await
        .l(c.lang)?;
    let own = party::own_orgs(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({"root": view, "own": own})))
}

async fn create(State(s): State<AppState>, c: ApiCaller, Json(b): Json<CreateOrg>) -> Created {
    let o = party::create(&s.ctx, &c.actor, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(o))))
}

#[derive(Deserialize, Default)]
struct ViewQuery {
    #[serde(default)]
    dissolved: Option<bool>,
}

async fn org(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> ApiResult<Json<Value>> {
    let v = party::view(&s.ctx, &c.actor, id, q.dissolved.unwrap_or(false))
        .await
        .l(c.lang)?;
    Ok(Json(json!(v)))
}

async fn history(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = party::history(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!({"items": v})))
}

#[derive(Deserialize)]
struct RenameBody {
    version: i64,
    name: String,
}

async fn rename(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<RenameBody>,
) -> ApiResult<Json<Value>> {
    let o = party::rename(&s.ctx, &c.actor, id, b.version, &b.name)
        .await
        .l(c.lang)?;
    Ok(Json(json!(o)))
}

#[derive(Deserialize)]
struct MoveBody {
    parent_id: i64,
    version: i64,
}

async fn move_org(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<MoveBody>,
) -> ApiResult<Json<Value>> {
    let o = party::move_to(&s.ctx, &c.actor, id, b.parent_id, b.version)
        .await
        .l(c.lang)?;
    Ok(Json(json!(o)))
}

async fn dissolve(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<OnBody>,
) -> ApiResult<Json<Value>> {
    let o = party::dissolve(&s.ctx, &c.actor, id, b.on.as_deref())
        .await
        .l(c.lang)?;
    Ok(Json(json!(o)))
}

async fn end_temporary(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<OnBody>,
) -> ApiResult<Json<Value>> {
    let o = party::end_temporary(&s.ctx, &c.actor, id, b.on.as_deref())
        .await
        .l(c.lang)?;
    Ok(Json(json!(o)))
}

async fn appoint(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<AppointInput>,
) -> Created {
    let p = party::appoint(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

async fn end_position(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<OnBody>,
) -> ApiResult<StatusCode> {
    party::end_position(&s.ctx, &c.actor, id, b.on.as_deref())
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_member(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<MemberInput>,
) -> Created {
    let m = party::add_member(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(m))))
}

async fn temporary(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let v = party::temporary(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({"items": v})))
}

async fn roster(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let r = party::roster(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(r)))
}

async fn appoint_rc(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<AppointInput>,
) -> Created {
    let p = party::appoint_rc(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

async fn member(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let m = party::member(&s.ctx, &c.actor, id).await.l(c.lang)?;
    Ok(Json(json!(m)))
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
    Json(b): Json<RevealBody>,
) -> ApiResult<Json<Value>> {
    let m = party::reveal_member(&s.ctx, &c.actor, id, &b.reason)
        .await
        .l(c.lang)?;
    Ok(Json(json!(m)))
}

async fn transfer(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<TransferInput>,
) -> ApiResult<Json<Value>> {
    let m = party::transfer(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok(Json(json!(m)))
}

async fn register(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<RegisterInput>,
) -> Created {
    let r = party::register(&s.ctx, &c.actor, id, b).await.l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

async fn end_registration(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<OnBody>,
) -> ApiResult<StatusCode> {
    party::end_registration(&s.ctx, &c.actor, id, b.on.as_deref())
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_commitment(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<CommitmentInput>,
) -> Created {
    let r = party::add_commitment(&s.ctx, &c.actor, id, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[derive(Deserialize)]
struct ActiveBody {
    active: bool,
}

async fn commitment_active(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ActiveBody>,
) -> ApiResult<StatusCode> {
    party::set_commitment_active(&s.ctx, &c.actor, id, b.active)
        .await
        .l(c.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn categories(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let a = party::categories(&s.ctx).await.l(c.lang)?;
    let b = party::resource_categories(&s.ctx).await.l(c.lang)?;
    Ok(Json(json!({"services": a, "resources": b})))
}

async fn commitments_in(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = party::commitments_in(&s.ctx, &c.actor, id)
        .await
        .l(c.lang)?;
    Ok(Json(json!({"items": v})))
}

async fn registrations_in(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = party::registrations_in(&s.ctx, &c.actor, id)
        .await
        .l(c.lang)?;
    Ok(Json(json!({"items": v})))
}

async fn alliances(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<Value>> {
    let v = party::alliances(&s.ctx, &c.actor).await.l(c.lang)?;
    Ok(Json(json!({"items": v})))
}

async fn create_alliance(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<AllianceInput>,
) -> Created {
    let a = party::create_alliance(&s.ctx, &c.actor, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!(a))))
}

async fn alliance(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let a = party::alliance(&s.ctx, &c.actor, id).await.l(c.lang)?;
    let by_link: Vec<Value> = a
        .by_link
        .iter()
        .map(|(l, n)| json!({"link": l.as_str(), "label": l.label_zh(), "count": n}))
        .collect();
    let mut v = json!(a);
    v["by_link"] = json!(by_link);
    Ok(Json(v))
}

async fn add_item(s: &AppState, c: &ApiCaller, id: i64, what: &str, b: ItemInput) -> Created {
    let new_id = party::add_to_alliance(&s.ctx, &c.actor, id, what, b)
        .await
        .l(c.lang)?;
    Ok((StatusCode::CREATED, Json(json!({"id": new_id}))))
}

async fn add_alliance_member(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ItemInput>,
) -> Created {
    add_item(&s, &c, id, "member", b).await
}

async fn add_agreement(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ItemInput>,
) -> Created {
    add_item(&s, &c, id, "agreement", b).await
}

async fn add_activity(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ItemInput>,
) -> Created {
    add_item(&s, &c, id, "activity", b).await
}

async fn add_resource(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(b): Json<ItemInput>,
) -> Created {
    add_item(&s, &c, id, "resource", b).await
}
