//! Use cases of the service network, the joint meetings and the sub-district reform.
//! Places are public; joint meetings and reform lists are read within reach (ViewOrg)
//! and changed by EditOrg roles within reach; the reform lists by the district
//! administrator (ManageUsers).

use chrono::{NaiveDate, TimeZone, Utc};
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, FieldError, Result, Verb};
use serde::{Deserialize, Serialize};

use super::model::*;
use super::rules;
use crate::appeals::service::check_text;
use crate::figures::Figure;
use crate::org::rules::path_codes;
use crate::org::{OrgUnit, UnitKind};
use crate::{Ctx, require, require_in_scope};

/// Today in Beijing.
pub fn today(ctx: &Ctx) -> NaiveDate {
    Utc.timestamp_millis_opt(ctx.now_ms())
        .single()
        .map(|t| t.with_timezone(&jiceng_core::clock::china()).date_naive())
        .unwrap_or_default()
}

fn day_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn unit(ctx: &Ctx, id: i64, field: &str) -> Result<OrgUnit> {
    ctx.org
        .unit(id)
        .await?
        .ok_or_else(|| DomainError::field(field, "所选单位不存在", "unknown unit"))
}

// ---------------------------------------------------------------- places

pub async fn place_kinds(ctx: &Ctx) -> Result<Vec<PlaceKind>> {
    ctx.network.place_kinds().await
}

pub async fn services(ctx: &Ctx) -> Result<Vec<Service>> {
    ctx.network.services().await
}

/// A place to create or change.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PlaceInput {
    pub kind: String,
    pub name: String,
    pub unit_id: i64,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub phone: String,
    /// 精品社区 (community centres only).
    #[serde(default)]
    pub model: bool,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn level_fits(level: &str, kind: UnitKind) -> bool {
    match level {
        "district" => kind == UnitKind::District,
        "subdistrict" => kind == UnitKind::Subdistrict,
        "community" => kind == UnitKind::Community,
        _ => matches!(
            kind,
            UnitKind::District | UnitKind::Subdistrict | UnitKind::Community | UnitKind::Grid
        ),
    }
}

async fn check_place(ctx: &Ctx, actor: &Actor, input: &PlaceInput) -> Result<NewPlace> {
    let kinds = ctx.network.place_kinds().await?;
    let catalogue = ctx.network.services().await?;
    let u = unit(ctx, input.unit_id, "unit_id").await?;
    require_in_scope(actor, Verb::EditOrg, &u.path)?;
    let mut c = Checker::new();
    let kind = kinds.iter().find(|k| k.code == input.kind);
    match kind {
        None => c.add("kind", "阵地类型不存在", "unknown kind of place"),
        Some(k) if !level_fits(&k.level, u.kind) => c.add(
            "unit_id",
            "所属单位的层级与阵地类型不符（如社区党群服务中心应属于社区）",
            "the unit's level does not fit this kind of place (a community centre belongs to a community)",
        ),
        _ => {}
    }
    if input.model && input.kind != kinds::COMMUNITY_CENTRE {
        c.add(
            "model",
            "只有社区党群服务中心可以标记为精品社区",
            "only a community centre can be marked a model community",
        );
    }
    check_text(&mut c, "name", &input.name, true, 60);
    check_text(&mut c, "address", &input.address, false, 120);
    check_text(&mut c, "hours", &input.hours, false, 300);
    if input.hours.lines().count() > 7 {
        c.add("hours", "开放时间最多7行", "at most 7 lines of hours");
    }
    let phone = input.phone.trim();
    if !phone.is_empty() && !crate::people::rules::phone_ok(phone) {
        c.add(
            "phone",
            "电话格式不正确（手机或带区号的座机）",
            "invalid phone (mobile or landline with area code)",
        );
    }
    check_text(&mut c, "intro", &input.intro, false, 1000);
    let mut services: Vec<String> = vec![];
    for s in &input.services {
        let s = s.trim();
        if !catalogue.iter().any(|x| x.code == s) {
            c.push(FieldError::new(
                "services",
                format!("服务项目“{s}”不存在"),
                format!("unknown service “{s}”"),
            ));
        } else if !services.iter().any(|x| x == s) {
            services.push(s.to_string());
        }
    }
    let (lon_e6, lat_e6) = match (input.lon, input.lat) {
        (Some(lon), Some(lat)) if rules::lon_lat_ok(lon, lat) => {
            (Some(rules::to_e6(lon)), Some(rules::to_e6(lat)))
        }
        (None, None) => (None, None),
        (Some(_), Some(_)) => {
            c.add("location", "经纬度无效", "invalid longitude/latitude");
            (None, None)
        }
        _ => {
            c.add(
                "location",
                "经度和纬度须同时填写",
                "give both longitude and latitude",
            );
            (None, None)
        }
    };
    c.finish()?;
    Ok(NewPlace {
        kind_code: input.kind.clone(),
        name: input.name.trim().to_string(),
        unit_id: u.id,
        path: u.path.clone(),
        address: input.address.trim().to_string(),
        lon_e6,
        lat_e6,
        hours: input
            .hours
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        phone: phone.to_string(),
        model: input.model,
        intro: input.intro.trim().to_string(),
        active: input.active,
        services,
        at_ms: ctx.now_ms(),
    })
}

fn place_audit(p: &Place) -> serde_json::Value {
    serde_json::json!({"kind": p.kind_code, "name": p.name, "unit_id": p.unit_id, "address": p.address,
        "lon": p.lon, "lat": p.lat, "hours": p.hours, "phone": p.phone, "model": p.model,
        "active": p.active, "services": p.services})
}

fn new_place_audit(p: &NewPlace) -> serde_json::Value {
    serde_json::json!({"kind": p.kind_code, "name": p.name, "unit_id": p.unit_id, "address": p.address,
        "lon": p.lon_e6.map(rules::from_e6), "lat": p.lat_e6.map(rules::from_e6), "hours": p.hours,
        "phone": p.phone, "model": p.model, "active": p.active, "services": p.services})
}

pub async fn create_place(ctx: &Ctx, actor: &Actor, input: PlaceInput) -> Result<Place> {
    let p = check_place(ctx, actor, &input).await?;
    let audit = ctx
        .event(actor, "network.create_place", "place", &p.name, &p.path)
        .after(new_place_audit(&p));
    ctx.network.insert_place(p, audit).await
}

pub async fn update_place(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    version: i64,
    input: PlaceInput,
) -> Result<Place> {
    let cur = ctx
        .network
        .place(id)
        .await?
        .ok_or(DomainError::NotFound("place"))?;
    require_in_scope(actor, Verb::EditOrg, &cur.path)?;
    let p = check_place(ctx, actor, &input).await?;
    let audit = ctx
        .event(actor, "network.update_place", "place", id, &cur.path)
        .before(place_audit(&cur))
        .after(new_place_audit(&p));
    ctx.network.update_place(id, version, p, audit).await
}

/// Whether the actor may change this place (shows the forms).
pub fn can_edit_place(actor: Option<&Actor>, p: &Place) -> bool {
    actor.is_some_and(|a| a.can(Verb::EditOrg) && a.reaches(&p.path))
}

/// Places in a subtree (public): every active one of the district for `None`.
pub async fn places(ctx: &Ctx, unit_id: Option<i64>, kind: Option<&str>) -> Result<Vec<Place>> {
    let path = match unit_id {
        Some(id) => {
            ctx.org
                .unit(id)
                .await?
                .ok_or(DomainError::NotFound("unit"))?
                .path
        }
        None => "/".to_string(),
    };
    ctx.network
        .places(&path, kind.filter(|k| !k.is_empty()))
        .await
}

/// One place with its activities (public while active; editors see retired ones).
#[derive(Debug, Clone, Serialize)]
pub struct PlaceView {
    pub place: Place,
    pub kind: Option<PlaceKind>,
    pub unit_name: String,
    pub activities: Vec<Activity>,
}

pub async fn place(ctx: &Ctx, actor: Option<&Actor>, id: i64) -> Result<PlaceView> {
    let p = ctx
        .network
        .place(id)
        .await?
        .ok_or(DomainError::NotFound("place"))?;
    if !p.active && !can_edit_place(actor, &p) {
        return Err(DomainError::NotFound("place"));
    }
    let kind = ctx
        .network
        .place_kinds()
        .await?
        .into_iter()
        .find(|k| k.code == p.kind_code);
    let unit_name = ctx
        .org
        .unit(p.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let activities = ctx.network.activities(p.id, 200).await?;
    Ok(PlaceView {
        place: p,
        kind,
        unit_name,
        activities,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityInput {
    pub day: String,
    pub title: String,
    pub kind: String,
    #[serde(default)]
    pub participants: i64,
    #[serde(default)]
    pub summary: String,
}

pub async fn add_activity(
    ctx: &Ctx,
    actor: &Actor,
    place_id: i64,
    input: ActivityInput,
) -> Result<Activity> {
    let p = ctx
        .network
        .place(place_id)
        .await?
        .ok_or(DomainError::NotFound("place"))?;
    require_in_scope(actor, Verb::EditOrg, &p.path)?;
    let mut c = Checker::new();
    let today = today(ctx);
    match rules::parse_day(&input.day) {
        None => c.add("day", "日期格式为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
        Some(d) if d > today + chrono::Duration::days(366) => c.add(
            "day",
            "日期不能晚于一年以后",
            "the date must be within a year",
        ),
        _ => {}
    }
    check_text(&mut c, "title", &input.title, true, 100);
    let kind = ActivityKind::parse(input.kind.trim());
    if kind.is_none() {
        c.add("kind", "活动类型不存在", "unknown kind of activity");
    }
    if !(0..=100_000).contains(&input.participants) {
        c.add(
            "participants",
            "参加人数应在0到100000之间",
            "participants must be between 0 and 100000",
        );
    }
    check_text(&mut c, "summary", &input.summary, false, 2000);
    c.finish()?;
    let a = NewActivity {
        place_id,
        day: input.day.trim().to_string(),
        title: input.title.trim().to_string(),
        kind: kind.unwrap_or(ActivityKind::Service),
        participants: input.participants,
        summary: input.summary.trim().to_string(),
        at_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(actor, "network.add_activity", "place", place_id, &p.path)
        .after(serde_json::json!({"day": a.day, "title": a.title, "kind": a.kind, "participants": a.participants}));
    ctx.network.insert_activity(a, audit).await
}

// ---------------------------------------------------------------- nearest centre

/// Where to measure from: a point, a building, a community, or the caller's home.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NearestQuery {
    pub service: String,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub building_id: Option<i64>,
    #[serde(default)]
    pub community_id: Option<i64>,
    /// The signed-in resident's own building.
    #[serde(default)]
    pub mine: bool,
    #[serde(default)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearPlace {
    pub place: Place,
    pub distance_m: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nearest {
    pub service: Service,
    pub origin_lon: f64,
    pub origin_lat: f64,
    /// What the origin is (a building, a community, "your location").
    pub origin: String,
    pub items: Vec<NearPlace>,
}

/// The centroid of the grid a unit lies in (or of its grids, for a community).
async fn centroid_of(ctx: &Ctx, u: &OrgUnit) -> Result<Option<(f64, f64)>> {
    if matches!(
        u.kind,
        UnitKind::Community | UnitKind::Subdistrict | UnitKind::District
    ) {
        let grids = ctx.org.units_in(&u.path, UnitKind::Grid, 10_000).await?;
        let pts: Vec<_> = grids
            .iter()
            .filter_map(|g| g.boundary.as_ref())
            .map(|b| b.centroid())
            .collect();
        if pts.is_empty() {
            return Ok(None);
        }
        let n = pts.len() as f64;
        return Ok(Some((
            pts.iter().map(|p| p.x).sum::<f64>() / n,
            pts.iter().map(|p| p.y).sum::<f64>() / n,
        )));
    }
    let codes = path_codes(&u.path);
    let Some(grid_code) = codes.iter().find(|c| c.len() == UnitKind::Grid.code_len()) else {
        return Ok(None);
    };
    Ok(ctx
        .org
        .unit_by_code(grid_code)
        .await?
        .and_then(|g| g.boundary)
        .map(|b| b.centroid())
        .map(|p| (p.x, p.y)))
}

fn no_place() -> DomainError {
    DomainError::field(
        "location",
        "无法确定该位置，请选择社区或使用定位",
        "this place cannot be located: choose a community or use your location",
    )
}

/// Centres offering a service, nearest first, with the distance in metres.
pub async fn nearest(ctx: &Ctx, actor: Option<&Actor>, q: &NearestQuery) -> Result<Nearest> {
    let service = ctx
        .network
        .services()
        .await?
        .into_iter()
        .find(|s| s.code == q.service.trim())
        .ok_or_else(|| DomainError::field("service", "请选择服务项目", "choose a service"))?;
    let (lon, lat, origin) = if let (Some(lon), Some(lat)) = (q.lon, q.lat) {
        if !rules::lon_lat_ok(lon, lat) {
            return Err(DomainError::field(
                "location",
                "经纬度无效",
                "invalid longitude/latitude",
            ));
        }
        (lon, lat, "当前位置 / your location".to_string())
    } else if let Some(b) = q.building_id {
        let u = ctx
            .org
            .unit(b)
            .await?
            .filter(|u| {
                matches!(
                    u.kind,
                    UnitKind::Building | UnitKind::Unit | UnitKind::Estate
                )
            })
            .ok_or_else(|| {
                DomainError::field("building_id", "所选楼栋不存在", "unknown building")
            })?;
        let (x, y) = centroid_of(ctx, &u).await?.ok_or_else(no_place)?;
        (x, y, u.name)
    } else if let Some(cid) = q.community_id {
        let u = ctx
            .org
            .unit(cid)
            .await?
            .filter(|u| u.kind == UnitKind::Community)
            .ok_or_else(|| {
                DomainError::field("community_id", "所选社区不存在", "unknown community")
            })?;
        let (x, y) = centroid_of(ctx, &u).await?.ok_or_else(no_place)?;
        (x, y, u.name)
    } else if q.mine {
        let h = actor.and_then(|a| a.household_id).ok_or_else(|| {
            DomainError::field(
                "mine",
                "只有登记了家庭的居民可以按自家楼栋查找",
                "only a resident with a household can search from home",
            )
        })?;
        let h = ctx
            .people
            .household(h)
            .await?
            .ok_or(DomainError::NotFound("household"))?;
        let u = ctx
            .org
            .unit(h.unit_id)
            .await?
            .ok_or(DomainError::NotFound("unit"))?;
        let (x, y) = centroid_of(ctx, &u).await?.ok_or_else(no_place)?;
        (x, y, h.address)
    } else {
        return Err(DomainError::field(
            "location",
            "请使用定位或选择所在社区",
            "use your location or choose your community",
        ));
    };
    let limit = q.limit.unwrap_or(10).clamp(1, 100) as usize;
    let mut items: Vec<NearPlace> = ctx
        .network
        .places_offering(&service.code)
        .await?
        .into_iter()
        .filter_map(|p| {
            let d = rules::haversine_m(lon, lat, p.lon?, p.lat?);
            Some(NearPlace {
                distance_m: d.round() as i64,
                place: p,
            })
        })
        .collect();
    items.sort_by(|a, b| {
        a.distance_m
            .cmp(&b.distance_m)
            .then(a.place.id.cmp(&b.place.id))
    });
    items.truncate(limit);
    Ok(Nearest {
        service,
        origin_lon: lon,
        origin_lat: lat,
        origin,
        items,
    })
}

// ---------------------------------------------------------------- joint meetings

fn level_of_unit(level: BodyLevel, kind: UnitKind) -> bool {
    match level {
        BodyLevel::District => kind == UnitKind::District,
        BodyLevel::Subdistrict => kind == UnitKind::Subdistrict,
        BodyLevel::Community => kind == UnitKind::Community,
        BodyLevel::Business => matches!(
            kind,
            UnitKind::District | UnitKind::Subdistrict | UnitKind::Community
        ),
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MemberInput {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub party_org_id: Option<i64>,
    #[serde(default)]
    pub representative: String,
}

fn check_member(c: &mut Checker, i: usize, m: &MemberInput) -> Option<NewMember> {
    let f = |n: &str| {
        if i == usize::MAX {
            n.to_string()
        } else {
            format!("members[{i}].{n}")
        }
    };
    check_text(c, &f("name"), &m.name, true, 60);
    check_text(c, &f("representative"), &m.representative, false, 30);
    let kind = MemberKind::parse(m.kind.trim());
    if kind.is_none() {
        c.add(&f("kind"), "成员单位类型不存在", "unknown kind of member");
    }
    if m.party_org_id.is_some_and(|p| p <= 0) {
        c.add(
            &f("party_org_id"),
            "党组织编号无效",
            "invalid party organisation id",
        );
    }
    Some(NewMember {
        name: m.name.trim().to_string(),
        kind: kind?,
        party_org_id: m.party_org_id,
        representative: m.representative.trim().to_string(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BodyInput {
    pub level: String,
    pub unit_id: i64,
    pub name: String,
    pub convener: String,
    #[serde(default)]
    pub members: Vec<MemberInput>,
}

pub async fn create_body(ctx: &Ctx, actor: &Actor, input: BodyInput) -> Result<Body> {
    let u = unit(ctx, input.unit_id, "unit_id").await?;
    require_in_scope(actor, Verb::EditOrg, &u.path)?;
    let mut c = Checker::new();
    let level = BodyLevel::parse(input.level.trim());
    match level {
        None => c.add("level", "联席会议层级不存在", "unknown level"),
        Some(l) if !level_of_unit(l, u.kind) => c.add(
            "unit_id",
            "所属单位与联席会议层级不符",
            "the unit does not fit the level",
        ),
        _ => {}
    }
    check_text(&mut c, "name", &input.name, true, 60);
    check_text(&mut c, "convener", &input.convener, true, 30);
    if input.members.len() > 80 {
        c.add("members", "成员单位最多80个", "at most 80 members");
    }
    let members: Vec<NewMember> = input
        .members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| check_member(&mut c, i, m))
        .collect();
    c.finish()?;
    let b = NewBody {
        level: level.unwrap_or(BodyLevel::Community),
        unit_id: u.id,
        path: u.path.clone(),
        name: input.name.trim().to_string(),
        convener: input.convener.trim().to_string(),
        at_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(actor, "network.create_body", "joint_meeting", &b.name, &u.path)
        .after(serde_json::json!({"level": b.level, "unit_id": u.id, "name": b.name, "convener": b.convener,
            "members": members.iter().map(|m| &m.name).collect::<Vec<_>>()}));
    ctx.network.insert_body(b, members, audit).await
}

async fn body_in_reach(ctx: &Ctx, actor: &Actor, id: i64, verb: Verb) -> Result<Body> {
    let b = ctx
        .network
        .body(id)
        .await?
        .ok_or(DomainError::NotFound("joint_meeting"))?;
    require_in_scope(actor, verb, &b.path)?;
    Ok(b)
}

pub async fn add_member(ctx: &Ctx, actor: &Actor, body_id: i64, m: MemberInput) -> Result<Member> {
    let b = body_in_reach(ctx, actor, body_id, Verb::EditOrg).await?;
    let mut c = Checker::new();
    let nm = check_member(&mut c, usize::MAX, &m);
    c.finish()?;
    let nm = nm.ok_or_else(|| DomainError::field("kind", "成员单位类型不存在", "unknown kind"))?;
    if ctx
        .network
        .members(b.id)
        .await?
        .iter()
        .any(|x| x.active && x.name == nm.name)
    {
        return Err(DomainError::field(
            "name",
            "该成员单位已在联席会议中",
            "this member is already in the body",
        ));
    }
    let audit = ctx
        .event(actor, "network.add_member", "joint_meeting", b.id, &b.path)
        .after(
            serde_json::json!({"name": nm.name, "kind": nm.kind, "party_org_id": nm.party_org_id}),
        );
    ctx.network.insert_member(b.id, nm, audit).await
}

/// Bodies within reach, optionally of one level.
pub async fn bodies(ctx: &Ctx, actor: &Actor, level: Option<&str>) -> Result<Vec<Body>> {
    require(actor, Verb::ViewOrg)?;
    let level = match level.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(
            BodyLevel::parse(l)
                .ok_or_else(|| DomainError::field("level", "层级不存在", "unknown level"))?,
        ),
        None => None,
    };
    ctx.network.bodies(&actor.scope_path, level).await
}

#[derive(Debug, Clone, Serialize)]
pub struct BodyView {
    pub body: Body,
    pub unit_name: String,
    pub members: Vec<Member>,
    pub meetings: Vec<Meeting>,
    pub resolutions: Vec<Resolution>,
}

pub async fn body(ctx: &Ctx, actor: &Actor, id: i64) -> Result<BodyView> {
    let b = body_in_reach(ctx, actor, id, Verb::ViewOrg).await?;
    let unit_name = ctx
        .org
        .unit(b.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let members = ctx.network.members(b.id).await?;
    let meetings = ctx.network.meetings(b.id).await?;
    let f = ResolutionFilter {
        path: "/".into(),
        body_id: Some(b.id),
        limit: 2000,
        ..Default::default()
    };
    let resolutions = ctx.network.resolutions(&f, &day_str(today(ctx))).await?;
    Ok(BodyView {
        body: b,
        unit_name,
        members,
        meetings,
        resolutions,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResolutionInput {
    pub title: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub owner_member_id: Option<i64>,
    pub deadline: String,
    /// An appeal referred to the joint meeting (its number).
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub meeting_id: Option<i64>,
}

async fn check_resolution(
    ctx: &Ctx,
    c: &mut Checker,
    prefix: &str,
    b: &Body,
    members: &[Member],
    r: &ResolutionInput,
    meeting_id: Option<i64>,
) -> Result<NewResolution> {
    let f = |n: &str| format!("{prefix}{n}");
    check_text(c, &f("title"), &r.title, true, 200);
    let mut owner = r.owner.trim().to_string();
    if let Some(mid) = r.owner_member_id {
        match members.iter().find(|m| m.id == mid && m.active) {
            Some(m) if owner.is_empty() => owner = m.name.clone(),
            Some(_) => {}
            None => c.add(
                &f("owner_member_id"),
                "责任单位不是本联席会议的成员",
                "the owner is not a member of this body",
            ),
        }
    }
    check_text(c, &f("owner"), &owner, true, 60);
    if rules::parse_day(&r.deadline).is_none() {
        c.add(
            &f("deadline"),
            "期限格式为 YYYY-MM-DD",
            "deadline must be YYYY-MM-DD",
        );
    }
    let case_number = r
        .case_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from);
    if let Some(n) = &case_number {
        let case = ctx.appeals.case_by_number(n).await?;
        if !case.is_some_and(|k| k.path.starts_with(&b.path)) {
            c.add(
                &f("case_number"),
                "本联席会议范围内没有这个案件编号",
                "no case with this number within this body's area",
            );
        }
    }
    Ok(NewResolution {
        body_id: b.id,
        meeting_id,
        path: b.path.clone(),
        title: r.title.trim().to_string(),
        owner,
        owner_member_id: r.owner_member_id,
        deadline: r.deadline.trim().to_string(),
        status: ResolutionStatus::Open,
        note: String::new(),
        done_day: None,
        case_number,
        at_ms: ctx.now_ms(),
    })
}

/// A resolution outside a meeting, e.g. an appeal referred to the joint meeting.
pub async fn add_resolution(
    ctx: &Ctx,
    actor: &Actor,
    body_id: i64,
    input: ResolutionInput,
) -> Result<i64> {
    let b = body_in_reach(ctx, actor, body_id, Verb::EditOrg).await?;
    let members = ctx.network.members(b.id).await?;
    if let Some(mid) = input.meeting_id {
        let ok = ctx
            .network
            .meetings(b.id)
            .await?
            .iter()
            .any(|m| m.id == mid);
        if !ok {
            return Err(DomainError::field(
                "meeting_id",
                "该会议不属于本联席会议",
                "the meeting is not of this body",
            ));
        }
    }
    let mut c = Checker::new();
    let r = check_resolution(ctx, &mut c, "", &b, &members, &input, input.meeting_id).await?;
    c.finish()?;
    let audit = ctx
        .event(
            actor,
            "network.add_resolution",
            "joint_meeting",
            b.id,
            &b.path,
        )
        .after(
            serde_json::json!({"title": r.title, "owner": r.owner, "deadline": r.deadline,
            "case_number": r.case_number, "meeting_id": r.meeting_id}),
        );
    ctx.network.insert_resolution(r, audit).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AttendanceInput {
    pub member_id: i64,
    pub status: String,
    #[serde(default)]
    pub deputy: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeetingInput {
    pub day: String,
    pub place: String,
    #[serde(default)]
    pub agenda: Vec<String>,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub attendance: Vec<AttendanceInput>,
    #[serde(default)]
    pub resolutions: Vec<ResolutionInput>,
}

/// Records a meeting: attendance of every member, agenda, minutes and the
/// resolutions adopted.
pub async fn record_meeting(
    ctx: &Ctx,
    actor: &Actor,
    body_id: i64,
    input: MeetingInput,
) -> Result<Meeting> {
    let b = body_in_reach(ctx, actor, body_id, Verb::EditOrg).await?;
    let members = ctx.network.members(b.id).await?;
    let mut c = Checker::new();
    match rules::parse_day(&input.day) {
        None => c.add("day", "日期格式为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
        Some(d) if d > today(ctx) => c.add(
            "day",
            "只能记录已召开的会议",
            "only a meeting already held can be recorded",
        ),
        _ => {}
    }
    check_text(&mut c, "place", &input.place, true, 60);
    let agenda: Vec<String> = input
        .agenda
        .iter()
        .flat_map(|a| a.lines())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect();
    if agenda.is_empty() {
        c.add(
            "agenda",
            "至少列出一项议题",
            "list at least one agenda item",
        );
    } else if agenda.len() > 20 {
        c.add("agenda", "议题最多20项", "at most 20 agenda items");
    }
    for (i, a) in agenda.iter().enumerate() {
        check_text(&mut c, &format!("agenda[{i}]"), a, true, 200);
    }
    check_text(&mut c, "minutes", &input.minutes, false, 8000);
    let mut attendance: Vec<(i64, AttendanceStatus, String)> = vec![];
    for (i, a) in input.attendance.iter().enumerate() {
        let f = |n: &str| format!("attendance[{i}].{n}");
        if !members.iter().any(|m| m.id == a.member_id && m.active) {
            c.add(
                &f("member_id"),
                "不是本联席会议的成员",
                "not a member of this body",
            );
            continue;
        }
        if attendance.iter().any(|x| x.0 == a.member_id) {
            c.add(&f("member_id"), "同一成员重复登记", "member listed twice");
            continue;
        }
        let Some(st) = AttendanceStatus::parse(a.status.trim()) else {
            c.add(&f("status"), "出席情况无效", "invalid attendance");
            continue;
        };
        let deputy = a.deputy.trim().to_string();
        if st == AttendanceStatus::Deputy && deputy.is_empty() {
            c.add(&f("deputy"), "请填写代表姓名", "name the deputy");
        }
        check_text(&mut c, &f("deputy"), &deputy, false, 30);
        attendance.push((a.member_id, st, deputy));
    }
    for m in members.iter().filter(|m| m.active) {
        if !input.attendance.iter().any(|a| a.member_id == m.id) {
            c.push(FieldError::new(
                "attendance",
                format!("请登记“{}”的出席情况", m.name),
                format!("record the attendance of “{}”", m.name),
            ));
        }
    }
    if input.resolutions.len() > 20 {
        c.add("resolutions", "决议事项最多20项", "at most 20 resolutions");
    }
    let mut resolutions = vec![];
    for (i, r) in input.resolutions.iter().enumerate() {
        resolutions.push(
            check_resolution(
                ctx,
                &mut c,
                &format!("resolutions[{i}]."),
                &b,
                &members,
                r,
                None,
            )
            .await?,
        );
    }
    c.finish()?;
    let m = NewMeeting {
        body_id: b.id,
        day: input.day.trim().to_string(),
        place: input.place.trim().to_string(),
        agenda,
        minutes: input.minutes.trim().to_string(),
        attendance,
        at_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(actor, "network.record_meeting", "joint_meeting", b.id, &b.path)
        .after(serde_json::json!({"day": m.day, "place": m.place, "agenda": m.agenda,
            "attendance": m.attendance.iter().map(|(id, s, d)| serde_json::json!({"member_id": id, "status": s, "deputy": d})).collect::<Vec<_>>(),
            "resolutions": resolutions.iter().map(|r| &r.title).collect::<Vec<_>>()}));
    ctx.network.insert_meeting(m, resolutions, audit).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusInput {
    pub status: String,
    #[serde(default)]
    pub note: String,
    /// The day it was done (defaults to today).
    #[serde(default)]
    pub done_day: Option<String>,
    pub version: i64,
}

/// Moves a resolution on: open → in progress → done (done needs a completion note).
pub async fn update_resolution(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    input: StatusInput,
) -> Result<Resolution> {
    let today = today(ctx);
    let r = ctx
        .network
        .resolution(id, &day_str(today))
        .await?
        .ok_or(DomainError::NotFound("resolution"))?;
    require_in_scope(actor, Verb::EditOrg, &r.path)?;
    let mut c = Checker::new();
    let to = ResolutionStatus::parse(input.status.trim());
    match to {
        None => c.add("status", "状态无效", "invalid status"),
        Some(t) if !rules::transition_ok(r.status, t) => c.push(FieldError::new(
            "status",
            format!("不能从“{}”改为“{}”", r.status.label_zh(), t.label_zh()),
            format!("cannot go from {} to {}", r.status.label_en(), t.label_en()),
        )),
        _ => {}
    }
    check_text(
        &mut c,
        "note",
        &input.note,
        to == Some(ResolutionStatus::Done),
        1000,
    );
    let done_day = if to == Some(ResolutionStatus::Done) {
        match input
            .done_day
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => Some(day_str(today)),
            Some(d) => match rules::parse_day(d) {
                Some(x) if x <= today => Some(d.to_string()),
                Some(_) => {
                    c.add(
                        "done_day",
                        "办结日期不能晚于今天",
                        "the day done cannot be in the future",
                    );
                    None
                }
                None => {
                    c.add(
                        "done_day",
                        "日期格式为 YYYY-MM-DD",
                        "date must be YYYY-MM-DD",
                    );
                    None
                }
            },
        }
    } else {
        None
    };
    c.finish()?;
    let to = to.unwrap_or(r.status);
    let note = input.note.trim();
    let audit = ctx
        .event(
            actor,
            "network.update_resolution",
            "resolution",
            id,
            &r.path,
        )
        .before(serde_json::json!({"status": r.status, "note": r.note}))
        .after(serde_json::json!({"status": to, "note": note, "done_day": done_day}));
    ctx.network
        .update_resolution(
            id,
            input.version,
            to,
            note,
            done_day.as_deref(),
            ctx.now_ms(),
            audit,
        )
        .await?;
    ctx.network
        .resolution(id, &day_str(today))
        .await?
        .ok_or(DomainError::NotFound("resolution"))
}

/// Open (or only overdue) resolutions within reach, by level.
pub async fn open_resolutions(
    ctx: &Ctx,
    actor: &Actor,
    level: Option<&str>,
    overdue_only: bool,
) -> Result<Vec<Resolution>> {
    require(actor, Verb::ViewOrg)?;
    let level = match level.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(
            BodyLevel::parse(l)
                .ok_or_else(|| DomainError::field("level", "层级不存在", "unknown level"))?,
        ),
        None => None,
    };
    let today = day_str(today(ctx));
    let f = ResolutionFilter {
        path: actor.scope_path.clone(),
        body_id: None,
        level,
        open_only: true,
        overdue_before: overdue_only.then(|| today.clone()),
        limit: 2000,
    };
    ctx.network.resolutions(&f, &today).await
}

/// Resolutions tracking one appeal referred to the joint meeting.
pub async fn resolutions_for_case(
    ctx: &Ctx,
    actor: &Actor,
    case_number: &str,
) -> Result<Vec<Resolution>> {
    require(actor, Verb::ViewOrg)?;
    let today = day_str(today(ctx));
    let f = ResolutionFilter {
        path: actor.scope_path.clone(),
        limit: 2000,
        ..Default::default()
    };
    Ok(ctx
        .network
        .resolutions(&f, &today)
        .await?
        .into_iter()
        .filter(|r| r.case_number.as_deref() == Some(case_number.trim()))
        .collect())
}

// ---------------------------------------------------------------- reform

#[derive(Debug, Clone, Serialize)]
pub struct ReformView {
    pub unit: OrgUnit,
    pub functions: Vec<ReformItem>,
    pub rights: Vec<ReformItem>,
    pub organs: Vec<ReformItem>,
    pub stations: Vec<ReformItem>,
    pub teams: Vec<LawTeam>,
    pub delegated: Option<Delegated>,
    /// "5+1": offices + centres.
    pub organ_model: String,
}

async fn subdistrict(ctx: &Ctx, actor: &Actor, id: i64, verb: Verb) -> Result<OrgUnit> {
    let u = ctx
        .org
        .unit(id)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    require_in_scope(actor, verb, &u.path)?;
    if u.kind != UnitKind::Subdistrict {
        return Err(DomainError::field(
            "unit_id",
            "街道改革清单按街道（镇）设置",
            "reform lists belong to a sub-district",
        ));
    }
    Ok(u)
}

pub async fn reform(ctx: &Ctx, actor: &Actor, unit_id: i64) -> Result<ReformView> {
    let u = subdistrict(ctx, actor, unit_id, Verb::ViewOrg).await?;
    let items = ctx.network.reform_items(u.id).await?;
    let of = |l: ReformList| -> Vec<ReformItem> {
        items.iter().filter(|i| i.list == l).cloned().collect()
    };
    let organs = of(ReformList::Organ);
    let offices = organs.iter().filter(|o| o.category == "office").count();
    let centres = organs.iter().filter(|o| o.category == "centre").count();
    Ok(ReformView {
        functions: of(ReformList::Function),
        rights: of(ReformList::Right),
        stations: of(ReformList::Station),
        organ_model: format!("{offices}+{centres}"),
        organs,
        teams: ctx.network.law_teams(u.id).await?,
        delegated: ctx.network.delegated(u.id).await?,
        unit: u,
    })
}

/// Sub-districts within reach (for the reform index).
pub async fn subdistricts(ctx: &Ctx, actor: &Actor) -> Result<Vec<OrgUnit>> {
    require(actor, Verb::ViewOrg)?;
    let home = crate::org::service::home(ctx, actor).await?;
    if home.kind == UnitKind::Subdistrict {
        return Ok(vec![home]);
    }
    ctx.org
        .units_in(&home.path, UnitKind::Subdistrict, 1000)
        .await
}

pub fn can_edit_reform(actor: &Actor) -> bool {
    actor.can(Verb::ManageUsers)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReformItemInput {
    pub list: String,
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub note: String,
}

pub async fn add_reform_item(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: i64,
    input: ReformItemInput,
) -> Result<ReformItem> {
    let u = subdistrict(ctx, actor, unit_id, Verb::ManageUsers).await?;
    let existing = ctx.network.reform_items(u.id).await?;
    let mut c = Checker::new();
    let list = ReformList::parse(input.list.trim());
    if list.is_none() {
        c.add("list", "清单类型无效", "unknown list");
    }
    check_text(&mut c, "name", &input.name, true, 60);
    check_text(&mut c, "note", &input.note, false, 200);
    let category = input.category.trim().to_string();
    match list {
        Some(ReformList::Organ) if OrganCategory::parse(&category).is_none() => c.add(
            "category",
            "内设机构须注明是办公室还是中心",
            "an organ is an office or a centre",
        ),
        Some(ReformList::Station) => check_text(&mut c, "category", &category, true, 30),
        Some(ReformList::Function | ReformList::Right) if !category.is_empty() => c.add(
            "category",
            "职能和权利不分类",
            "functions and rights have no category",
        ),
        _ => {}
    }
    if let Some(l) = list
        && existing
            .iter()
            .any(|i| i.list == l && i.name == input.name.trim())
    {
        c.add(
            "name",
            "清单中已有同名条目",
            "the list already holds this entry",
        );
    }
    c.finish()?;
    let list = list.unwrap_or(ReformList::Function);
    let sort = existing
        .iter()
        .filter(|i| i.list == list)
        .map(|i| i.sort)
        .max()
        .unwrap_or(0)
        + 1;
    let item = NewReformItem {
        unit_id: u.id,
        path: u.path.clone(),
        list,
        name: input.name.trim().to_string(),
        category,
        note: input.note.trim().to_string(),
        sort,
    };
    let audit = ctx
        .event(actor, "network.add_reform_item", "reform_item", &item.name, &u.path)
        .after(serde_json::json!({"list": item.list, "name": item.name, "category": item.category, "note": item.note}));
    ctx.network.insert_reform_item(item, audit).await
}

pub async fn remove_reform_item(ctx: &Ctx, actor: &Actor, item_id: i64) -> Result<()> {
    let item = ctx
        .network
        .reform_item(item_id)
        .await?
        .ok_or(DomainError::NotFound("reform_item"))?;
    let u = subdistrict(ctx, actor, item.unit_id, Verb::ManageUsers).await?;
    let audit = ctx
        .event(
            actor,
            "network.remove_reform_item",
            "reform_item",
            item_id,
            &u.path,
        )
        .before(&item);
    ctx.network.delete_reform_item(item_id, audit).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LawTeamInput {
    pub name: String,
    pub department: String,
    pub command: String,
    #[serde(default)]
    pub note: String,
}

pub async fn add_law_team(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: i64,
    input: LawTeamInput,
) -> Result<LawTeam> {
    let u = subdistrict(ctx, actor, unit_id, Verb::ManageUsers).await?;
    let mut c = Checker::new();
    check_text(&mut c, "name", &input.name, true, 60);
    check_text(&mut c, "department", &input.department, true, 60);
    check_text(&mut c, "command", &input.command, true, 200);
    check_text(&mut c, "note", &input.note, false, 300);
    c.finish()?;
    let t = NewLawTeam {
        unit_id: u.id,
        path: u.path.clone(),
        name: input.name.trim().to_string(),
        department: input.department.trim().to_string(),
        command: input.command.trim().to_string(),
        note: input.note.trim().to_string(),
    };
    let audit = ctx
        .event(actor, "network.add_law_team", "law_team", &t.name, &u.path)
        .after(serde_json::json!({"name": t.name, "department": t.department, "command": t.command, "note": t.note}));
    ctx.network.insert_law_team(t, audit).await
}

pub async fn remove_law_team(ctx: &Ctx, actor: &Actor, team_id: i64) -> Result<()> {
    let t = ctx
        .network
        .law_team(team_id)
        .await?
        .ok_or(DomainError::NotFound("law_team"))?;
    let u = subdistrict(ctx, actor, t.unit_id, Verb::ManageUsers).await?;
    let audit = ctx
        .event(
            actor,
            "network.remove_law_team",
            "law_team",
            team_id,
            &u.path,
        )
        .before(&t);
    ctx.network.delete_law_team(team_id, audit).await
}

/// Sets the count of service items delegated to a sub-district (the service-items
/// capability fills it when it lands; empty until then).
pub async fn set_delegated(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: i64,
    items: Option<i64>,
    note: &str,
) -> Result<()> {
    let u = subdistrict(ctx, actor, unit_id, Verb::ManageUsers).await?;
    let mut c = Checker::new();
    if items.is_some_and(|n| !(0..=100_000).contains(&n)) {
        c.add(
            "items",
            "事项数应在0到100000之间",
            "items must be between 0 and 100000",
        );
    }
    check_text(&mut c, "note", note, false, 200);
    c.finish()?;
    let before = ctx.network.delegated(u.id).await?;
    let audit = ctx
        .event(
            actor,
            "network.set_delegated",
            "reform_delegated",
            u.id,
            &u.path,
        )
        .before(&before)
        .after(serde_json::json!({"items": items, "note": note.trim()}));
    ctx.network
        .set_delegated(u.id, items, note.trim(), ctx.now_ms(), audit)
        .await
}

// ---------------------------------------------------------------- figures

/// The seed's figures of this capability, computed from the data.
pub async fn figures(ctx: &Ctx) -> Result<Vec<Figure>> {
    let counts = ctx.network.place_counts().await?;
    let n = |k: &str| -> i64 {
        counts
            .iter()
            .filter(|(c, _, _)| c == k)
            .map(|(_, _, n)| n)
            .sum()
    };
    let model: i64 = counts
        .iter()
        .filter(|(c, m, _)| c == kinds::COMMUNITY_CENTRE && *m)
        .map(|(_, _, n)| n)
        .sum();
    let reform = ctx.network.reform_counts().await?;
    let mut units: Vec<i64> = reform.iter().map(|r| r.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    let per_unit = |list: ReformList, cat: Option<&str>| -> Vec<i64> {
        units
            .iter()
            .map(|u| {
                reform
                    .iter()
                    .filter(|r| {
                        r.unit_id == *u && r.list == list && cat.is_none_or(|c| r.category == c)
                    })
                    .map(|r| r.n)
                    .sum::<i64>()
            })
            .filter(|n| *n > 0)
            .collect()
    };
    let organ_pairs: Vec<i64> = units
        .iter()
        .filter_map(|u| {
            let of = |cat: &str| -> i64 {
                reform
                    .iter()
                    .filter(|r| r.unit_id == *u && r.list == ReformList::Organ && r.category == cat)
                    .map(|r| r.n)
                    .sum()
            };
            let (o, c) = (of("office"), of("centre"));
            (o + c > 0).then_some(o * 1000 + c)
        })
        .collect();
    let organs = rules::mode(&organ_pairs);
    let mut station_kinds: Vec<&str> = reform
        .iter()
        .filter(|r| r.list == ReformList::Station)
        .map(|r| r.category.as_str())
        .collect();
    station_kinds.sort_unstable();
    station_kinds.dedup();
    let src = "network";
    Ok(vec![
        Figure::new(
            "service_centre_alliance",
            "“1+7+41”党群服务中心联盟",
            "The \"1+7+41\" alliance of party-mass service centres",
            rules::alliance(
                n(kinds::DISTRICT_CENTRE),
                n(kinds::SUBDISTRICT_CENTRE),
                n(kinds::COMMUNITY_CENTRE),
            ),
            "1+7+41",
            src,
        ),
        Figure::new(
            "model_communities",
            "精品社区",
            "Model communities",
            model.to_string(),
            "14",
            src,
        ),
        Figure::new(
            "service_stations",
            "楼宇和商圈党群服务驿站",
            "Building and business-district service stations",
            n(kinds::STATION).to_string(),
            "7",
            src,
        ),
        Figure::new(
            "model_organ_posts",
            "机关精品党建阵地（示范岗）",
            "Model organ party posts",
            n(kinds::ORGAN_POST).to_string(),
            "3",
            src,
        ),
        Figure::new(
            "park_demonstration_sites",
            "园区党建示范点",
            "Park party-building demonstration sites",
            n(kinds::PARK_SITE).to_string(),
            "3",
            src,
        ),
        Figure::new(
            "business_demonstration_sites",
            "商圈党建示范点",
            "Business-district demonstration sites",
            n(kinds::BUSINESS_SITE).to_string(),
            "6",
            src,
        ),
        Figure::new(
            "subdistrict_functions",
            "街道法定职能（项）",
            "Sub-district functions",
            rules::mode(&per_unit(ReformList::Function, None)).to_string(),
            "8",
            src,
        ),
        Figure::new(
            "subdistrict_rights",
            "赋予街道的权利（项）",
            "Rights given to sub-districts",
            rules::mode(&per_unit(ReformList::Right, None)).to_string(),
            "7",
            src,
        ),
        Figure::new(
            "subdistrict_organs",
            "街道内设机构“5+1”模式",
            "Sub-district internal organs (\"5+1\")",
            format!("{}+{}", organs / 1000, organs % 1000),
            "5+1",
            src,
        ),
        Figure::new(
            "integrated_station_kinds",
            "整合站所（类）",
            "Kinds of stations integrated",
            station_kinds.len().to_string(),
            "8",
            src,
        ),
    ])
}
