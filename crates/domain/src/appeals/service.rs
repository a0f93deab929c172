//! Use cases of residents' appeals. Access is decided here: each use case builds the
//! actor's relation to the case and lets the workflow rules decide.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, Page, PageRequest, Result, Role, Verb, mask};
use jiceng_formats::geo::Point;
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::metrics::{self, Rates};
use super::model::*;
use super::routing::{GridEntry, GridIndex};
use super::store::*;
use super::workflow::{self, Action, Assignee, Relation};
use crate::Ctx;
use crate::org::{OrgUnit, UnitKind, rules::path_codes};

pub const MAX_TEXT: usize = 4000;
pub const MAX_PHOTOS: usize = 6;
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Departments called by the whistle must report within this time.
pub const WHISTLE_REPORT_HOURS: i64 = 2;

fn is_staff(role: Role) -> bool {
    matches!(
        role,
        Role::DistrictAdmin
            | Role::SubdistrictStaff
            | Role::CommunityStaff
            | Role::GridWorker
            | Role::HotlineOperator
    )
}

/// Text that looks like markup (`<b>`, `</p>`, `<!--`, `<script`) is refused.
pub fn has_html(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

pub fn check_text(c: &mut Checker, field: &str, s: &str, required: bool, max: usize) {
    let n = s.trim().chars().count();
    if required && n == 0 {
        c.add(field, "不能为空", "must not be empty");
    } else if n > max {
        c.push(jiceng_core::FieldError::new(
            field,
            format!("不能超过{max}字"),
            format!("must be at most {max} characters"),
        ));
    } else if has_html(s) {
        c.add(field, "不能包含HTML标签", "must not contain HTML");
    }
}

/// The content type of an image by its first bytes (JPEG, PNG, WebP, GIF).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

pub fn check_photos(c: &mut Checker, photos: &mut [NewPhoto]) {
    if photos.len() > MAX_PHOTOS {
        c.push(jiceng_core::FieldError::new(
            "photos",
            format!("最多上传{MAX_PHOTOS}张照片"),
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    for (i, p) in photos.iter_mut().enumerate() {
        if p.bytes.len() > MAX_PHOTO_BYTES {
            c.push(jiceng_core::FieldError::new(
                "photos",
                format!("第{}张照片超过5MB", i + 1),
                format!("photo {} is larger than 5 MB", i + 1),
            ));
        } else {
            match image_type(&p.bytes) {
                Some(t) => p.content_type = t.to_string(),
                None => c.push(jiceng_core::FieldError::new(
                    "photos",
                    format!("第{}张不是图片（支持 JPEG、PNG、WebP、GIF）", i + 1),
                    format!("file {} is not an image (JPEG, PNG, WebP or GIF)", i + 1),
                )),
            }
        }
    }
}

/// Checks submitted attribute values against the category's Open311 definitions.
pub fn check_attributes(c: &mut Checker, defs: &serde_json::Value, values: &serde_json::Value) {
    let empty = vec![];
    let defs = defs.as_array().unwrap_or(&empty);
    let get = |code: &str| {
        values.get(code).and_then(|v| {
            v.as_str()
                .map(String::from)
                .or_else(|| (!v.is_null()).then(|| v.to_string()))
        })
    };
    for d in defs {
        let code = d["code"].as_str().unwrap_or("");
        let v = get(code);
        let field = format!("attribute[{code}]");
        match v {
            None if d["required"].as_bool() == Some(true) => c.add(&field, "此项必填", "required"),
            None => {}
            Some(v) => match d["datatype"].as_str() {
                Some("number") if v.trim().parse::<f64>().is_err() => {
                    c.add(&field, "应为数字", "must be a number")
                }
                Some("singlevaluelist") => {
                    let ok = d["values"].as_array().is_some_and(|vals| {
                        vals.iter().any(|x| x["key"].as_str() == Some(v.as_str()))
                    });
                    if !ok {
                        c.add(
                            &field,
                            "取值不在可选范围内",
                            "not one of the allowed values",
                        );
                    }
                }
                _ if v.chars().count() > 200 || has_html(&v) => {
                    c.add(&field, "取值无效", "invalid value")
                }
                _ => {}
            },
        }
    }
    if let Some(obj) = values.as_object() {
        for k in obj.keys() {
            if !defs.iter().any(|d| d["code"].as_str() == Some(k)) {
                c.push(jiceng_core::FieldError::new(
                    format!("attribute[{k}]"),
                    "该类别没有此属性",
                    "this category has no such attribute",
                ));
            }
        }
    }
}

pub async fn categories(ctx: &Ctx) -> Result<Vec<Category>> {
    ctx.appeals.categories().await
}

pub async fn category(ctx: &Ctx, code: &str) -> Result<Category> {
    ctx.appeals
        .active_category(code)
        .await?
        .ok_or_else(|| DomainError::field("category", "诉求类别不存在", "unknown category"))
}

pub async fn calendar(ctx: &Ctx) -> Result<std::sync::Arc<Calendar>> {
    ctx.appeals.working_calendar().await
}

/// The grid index, built on first use after a boundary change (or any other change to
/// the tree: it also holds each grid's unit and its community's id).
pub async fn grid_index(ctx: &Ctx) -> Result<std::sync::Arc<GridIndex>> {
    // Read before the units, so an index built from a tree that changed meanwhile is
    // not taken for fresh.
    let generation = ctx.org.tree_generation();
    if let Some(i) = ctx.grids.get(generation) {
        return Ok(i);
    }
    // Expired, or the tree changed (here or on another instance): one caller rebuilds,
    // the others go on with the old index meanwhile.
    if let Some(old) = ctx.grids.stale() {
        let Some(_refresh) = ctx.grids.try_refresh() else {
            return Ok(old);
        };
        return Ok(ctx.grids.set(build_grid_index(ctx).await?, generation));
    }
    Ok(ctx.grids.set(build_grid_index(ctx).await?, generation))
}

async fn build_grid_index(ctx: &Ctx) -> Result<GridIndex> {
    let mut entries = vec![];
    for root in ctx.org.roots().await? {
        let communities: std::collections::HashMap<String, i64> = ctx
            .org
            .units_in(&root.path, UnitKind::Community, 10_000_000)
            .await?
            .into_iter()
            .map(|u| (u.code, u.id))
            .collect();
        for mut g in ctx
            .org
            .units_in(&root.path, UnitKind::Grid, 10_000_000)
            .await?
        {
            if let Some(p) = g.boundary.take() {
                let community_id = path_codes(&g.path)
                    .get(2)
                    .and_then(|c| communities.get(c))
                    .copied();
                entries.push(GridEntry {
                    id: g.id,
                    path: g.path.clone(),
                    bbox: p.bbox(),
                    polygon: p,
                    unit: Some(g),
                    community_id,
                });
            }
        }
    }
    Ok(GridIndex::new(entries))
}

/// Where a case is: its grid and, when known, estate and building.
#[derive(Debug, Clone)]
pub struct Place {
    pub grid: OrgUnit,
    /// The grid's community, when known without a look-up.
    pub community_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub building_id: Option<i64>,
    pub address: String,
    pub point: Option<Point>,
}

async fn place_of_unit(ctx: &Ctx, unit: &OrgUnit) -> Result<Place> {
    let codes = path_codes(&unit.path);
    let units = ctx.org.units_by_codes(&codes).await?;
    let find = |k: UnitKind| units.iter().find(|u| u.kind == k);
    let grid = find(UnitKind::Grid).cloned().ok_or_else(|| {
        DomainError::field(
            "building_id",
            "所选位置不在网格内",
            "the place chosen is not inside a grid",
        )
    })?;
    let names: Vec<&str> = units
        .iter()
        .filter(|u| {
            matches!(
                u.kind,
                UnitKind::Estate | UnitKind::Building | UnitKind::Unit
            )
        })
        .map(|u| u.name.as_str())
        .collect();
    Ok(Place {
        community_id: find(UnitKind::Community).map(|u| u.id),
        estate_id: find(UnitKind::Estate).map(|u| u.id),
        building_id: find(UnitKind::Building).map(|u| u.id),
        address: names.join(""),
        grid,
        point: None,
    })
}

fn outside() -> DomainError {
    DomainError::field(
        "location",
        "该位置不在本区范围内，请向所在地反映",
        "this place is outside the district: please report it where it is",
    )
}

/// Routing by place: a building gives its grid; a point is placed by polygon lookup; an
/// address is matched to an estate (and building) by name.
pub async fn locate(
    ctx: &Ctx,
    building_id: Option<i64>,
    point: Option<(f64, f64)>,
    address: Option<&str>,
) -> Result<Place> {
    if let Some(b) = building_id {
        let unit = ctx.org.unit(b).await?.ok_or_else(|| {
            DomainError::field("building_id", "所选楼栋不存在", "unknown building")
        })?;
        let mut p = place_of_unit(ctx, &unit).await?;
        if let Some(a) = address.map(str::trim).filter(|a| !a.is_empty()) {
            p.address = format!("{} {a}", p.address);
        }
        return Ok(p);
    }
    if let Some((lon, lat)) = point {
        if !(lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat))
        {
            return Err(DomainError::field(
                "location",
                "经纬度无效",
                "invalid longitude/latitude",
            ));
        }
        let index = grid_index(ctx).await?;
        let pt = Point { x: lon, y: lat };
        let entry = index.locate(pt).ok_or_else(outside)?;
        let grid = match &entry.unit {
            Some(u) => u.clone(),
            None => ctx
                .org
                .unit(entry.id)
                .await?
                .ok_or(DomainError::NotFound("unit"))?,
        };
        return Ok(Place {
            grid,
            community_id: entry.community_id,
            estate_id: None,
            building_id: None,
            address: address.map(str::trim).unwrap_or("").to_string(),
            point: Some(pt),
        });
    }
    if let Some(a) = address.map(str::trim).filter(|a| !a.is_empty()) {
        let estates = ctx.org.units_named_in(a, UnitKind::Estate, 20).await?;
        return match estates.as_slice() {
            [one] => {
                // A building named in the address narrows it further.
                let buildings = ctx.org.children(one.id, false).await?;
                let unit = buildings
                    .iter()
                    .filter(|b| a.contains(&b.name))
                    .max_by_key(|b| b.name.chars().count())
                    .unwrap_or(one);
                let mut p = place_of_unit(ctx, unit).await?;
                p.address = a.to_string();
                Ok(p)
            }
            [] => Err(DomainError::field(
                "address",
                "没有找到该地址所在的小区，请在地图上选择位置或选择楼栋",
                "no estate matches this address: pick the place on the map or choose a building",
            )),
            _ => Err(DomainError::field(
                "address",
                "该地址对应多个小区，请写明社区或在地图上选择位置",
                "several estates match this address: name the community or pick the place on the map",
            )),
        };
    }
    Err(DomainError::field(
        "location",
        "请在地图上选择位置，或选择楼栋、填写地址",
        "pick the place on the map, choose a building or write the address",
    ))
}

/// The intake of one case from any channel.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Intake {
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub building_id: Option<i64>,
    #[serde(default)]
    pub reporter_name: Option<String>,
    #[serde(default)]
    pub reporter_phone: Option<String>,
    /// Hidden from the public (staff still see the contact).
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub attributes: serde_json::Value,
    #[serde(default)]
    pub media_url: Option<String>,
    #[serde(skip)]
    pub photos: Vec<NewPhoto>,
    #[serde(default)]
    pub idem_key: Option<String>,
}

fn beijing_day(ms: i64) -> (String, NaiveDate) {
    let d = Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&jiceng_core::clock::china()).date_naive())
        .unwrap_or_default();
    (d.format("%y%m%d").to_string(), d)
}

/// The channel a person submits through.
pub fn channel_of(actor: Option<&Actor>) -> Channel {
    match actor.map(|a| a.role) {
        Some(Role::GridWorker) => Channel::Patrol,
        Some(Role::HotlineOperator) => Channel::Hotline,
        _ => Channel::Resident,
    }
}

/// Records a case. Retries with the same idempotency key return the first case.
pub async fn submit(
    ctx: &Ctx,
    actor: Option<&Actor>,
    channel: Channel,
    mut input: Intake,
) -> Result<(Case, bool)> {
    if let Some(k) = input
        .idem_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        if k.len() > 100 {
            return Err(DomainError::field(
                "idempotency_key",
                "幂等键过长",
                "idempotency key too long",
            ));
        }
        input.idem_key = Some(k.to_string());
    } else {
        input.idem_key = None;
    }
    // Who may use which channel.
    match (channel, actor.map(|a| a.role)) {
        (
            Channel::Patrol,
            Some(
                Role::GridWorker
                | Role::CommunityStaff
                | Role::SubdistrictStaff
                | Role::DistrictAdmin,
            ),
        ) => {}
        (Channel::Hotline, Some(Role::HotlineOperator | Role::DistrictAdmin)) => {}
        (Channel::Resident | Channel::Open311, _) => {}
        _ => return Err(DomainError::Forbidden),
    }
    let mut c = Checker::new();
    let cat = ctx.appeals.active_category(input.category.trim()).await?;
    match &cat {
        None => c.add("category", "诉求类别不存在", "unknown category"),
        Some(k) if !k.is_leaf() => c.add(
            "category",
            "请选择具体的小类",
            "choose a specific sub-category",
        ),
        Some(k) if channel == Channel::Patrol && k.source == "service" => c.add(
            "category",
            "巡查上报请选择部件或事件类别",
            "patrol reports use facility or incident classes",
        ),
        Some(k)
            if matches!(channel, Channel::Resident | Channel::Open311) && k.source == "patrol" =>
        {
            c.add(
                "category",
                "该类别仅供网格巡查使用",
                "this category is for grid patrols only",
            )
        }
        _ => {}
    }
    check_text(&mut c, "description", &input.description, true, MAX_TEXT);
    if let Some(a) = &input.address {
        check_text(&mut c, "address", a, false, 200);
    }
    if let Some(n) = &input.reporter_name {
        check_text(&mut c, "reporter_name", n, false, 50);
    }
    let phone = input
        .reporter_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = phone
        && !crate::people::rules::phone_ok(p)
    {
        c.add(
            "reporter_phone",
            "电话号码格式不正确",
            "invalid phone number",
        );
    }
    if channel == Channel::Hotline && phone.is_none() {
        c.add(
            "reporter_phone",
            "热线来电须记录来电号码",
            "record the caller's number",
        );
    }
    if let Some(u) = &input.media_url
        && (u.len() > 500 || !(u.starts_with("http://") || u.starts_with("https://")))
    {
        c.add(
            "media_url",
            "图片链接须为 http(s) 地址",
            "media_url must be an http(s) URL",
        );
    }
    let attributes = if input.attributes.is_null() {
        serde_json::json!({})
    } else {
        input.attributes.clone()
    };
    if let Some(k) = &cat {
        check_attributes(&mut c, &k.attributes, &attributes);
    }
    check_photos(&mut c, &mut input.photos);
    c.finish()?;
    let cat = cat.ok_or(DomainError::Internal("category".into()))?;
    // Where: a resident's own building when nothing else is given.
    let mut building = input.building_id;
    if building.is_none()
        && input.lon.is_none()
        && input.address.as_deref().is_none_or(|a| a.trim().is_empty())
        && let Some(a) = actor
        && let Some(h) = a.household_id
        && let Some(hh) = ctx.people.household(h).await?
    {
        building = Some(hh.unit_id);
    }
    let point = match (input.lon, input.lat) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        (None, None) => None,
        _ => {
            return Err(DomainError::field(
                "location",
                "经度和纬度须同时提供",
                "give both longitude and latitude",
            ));
        }
    };
    let place = locate(ctx, building, point, input.address.as_deref()).await?;
    let now = ctx.now_ms();
    let (day, _) = beijing_day(now);
    // Patrol reports and hotline entries are accepted as they are recorded.
    let auto_accept = matches!(channel, Channel::Patrol | Channel::Hotline);
    // Patrol reports are coordinated by the reporting grid worker's unit; hotline
    // entries go to the community where the problem is (the 12345 desk forwards them,
    // and the grassroots measures stay meaningful).
    let (coord_unit_id, level) = match (channel, actor) {
        (Channel::Patrol, Some(a)) if a.reaches(&place.grid.path) => {
            // The scope's kind follows from its code's length.
            match path_codes(&a.scope_path)
                .last()
                .and_then(|c| UnitKind::of_code(c))
            {
                Some(kind) => (a.scope_unit_id, Level::of_kind(kind)),
                None => {
                    let u = ctx
                        .org
                        .unit(a.scope_unit_id)
                        .await?
                        .ok_or(DomainError::NotFound("unit"))?;
                    (u.id, Level::of_kind(u.kind))
                }
            }
        }
        (Channel::Hotline, _) => match place.community_id {
            Some(id) => (id, Level::Community),
            None => {
                let codes = path_codes(&place.grid.path);
                let community = ctx
                    .org
                    .unit_by_code(codes.get(2).map(String::as_str).unwrap_or(""))
                    .await?
                    .ok_or(DomainError::NotFound("unit"))?;
                (community.id, Level::Community)
            }
        },
        _ => (place.grid.id, Level::Grid),
    };
    let due = if auto_accept {
        Some(
            calendar(ctx)
                .await?
                .due(now, cat.limit_amount, cat.limit_unit),
        )
    } else {
        None
    };
    let reporter_name = input
        .reporter_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .or_else(|| {
            actor
                .filter(|a| a.role == Role::Resident)
                .map(|a| a.display_name.clone())
        })
        .unwrap_or_default();
    let new = NewCase {
        channel,
        category_code: cat.code.clone(),
        description: input.description.trim().to_string(),
        lon: place.point.map(|p| p.x),
        lat: place.point.map(|p| p.y),
        address: place.address.clone(),
        grid_id: place.grid.id,
        estate_id: place.estate_id,
        building_id: place.building_id,
        path: place.grid.path.clone(),
        status: if auto_accept {
            Status::Accepted
        } else {
            Status::Submitted
        },
        level,
        coord_unit_id,
        reporter_user_id: actor
            .filter(|a| a.role == Role::Resident)
            .map(|a| a.user_id),
        reporter_name,
        reporter_phone_enc: phone.map(|p| ctx.cipher.encrypt(p)).transpose()?,
        reporter_phone_mask: phone.map(mask::phone),
        anonymous: input.anonymous,
        attributes,
        media_url: input.media_url.clone(),
        created_ms: now,
        accepted_ms: auto_accept.then_some(now),
        due_ms: due,
        idem_key: input.idem_key.clone(),
        track_token: crate::auth::service::ordered_token(now),
        day,
    };
    let who = actor.cloned().unwrap_or_else(|| Actor {
        login: "public".into(),
        display_name: "公众".into(),
        role: Role::Resident,
        user_id: 0,
        scope_unit_id: 0,
        scope_path: "/".into(),
        household_id: None,
        department_id: None,
    });
    let event = NewEvent {
        action: "submit".into(),
        from_status: None,
        to_status: Some(new.status),
        note: String::new(),
        public: true,
    };
    let mut notices = vec![NewNotice {
        channel: "inbox".into(),
        recipient: format!("unit:{}", coord_unit_id),
        text: format!("新诉求：{}（{}）", short(&new.description), cat.name_zh),
    }];
    if let Some(p) = phone {
        notices.push(NewNotice {
            channel: "sms".into(),
            recipient: format!("phone:{}", mask::phone(p)),
            text: "您的诉求已登记，编号见回执，我们将尽快办理。".into(),
        });
    }
    let audit = ctx
        .event(&who, "appeals.submit", "case", "new", &place.grid.path)
        .after(serde_json::json!({"channel": channel.as_str(), "category": cat.code, "grid": place.grid.code}));
    ctx.appeals
        .insert_case(
            new,
            input.photos,
            event,
            (who.login.clone(), who.role.as_str().to_string()),
            notices,
            audit,
        )
        .await
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(30).collect();
    if s.chars().count() > 30 {
        format!("{t}…")
    } else {
        t
    }
}

/// Whether the actor may see the case at all.
async fn can_view(ctx: &Ctx, actor: &Actor, case: &Case) -> Result<bool> {
    Ok(match actor.role {
        Role::Resident => actor.user_id != 0 && case.reporter_user_id == Some(actor.user_id),
        Role::DepartmentHandler => {
            actor.department_id.is_some()
                && (case.assignee_dept_id == actor.department_id
                    || ctx
                        .appeals
                        .whistles(case.id)
                        .await?
                        .iter()
                        .any(|w| Some(w.department_id) == actor.department_id)
                    || ctx.appeals.parties(case.id).await?.iter().any(|p| {
                        // Departments asked to assist (`assist_{id}`) see the case too.
                        p.role == format!("assist_{}", actor.department_id.unwrap_or(0))
                    }))
        }
        Role::PropertyCompany => match actor.department_id {
            Some(d) => {
                case.assignee_dept_id == Some(d)
                    || ctx
                        .appeals
                        .estates_of(d)
                        .await?
                        .iter()
                        .any(|e| Some(*e) == case.estate_id)
            }
            None => false,
        },
        _ => actor.reaches(&case.path),
    })
}

async fn load_visible(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Case> {
    let case = ctx
        .appeals
        .case(id)
        .await?
        .ok_or(DomainError::NotFound("case"))?;
    if can_view(ctx, actor, &case).await? {
        Ok(case)
    } else {
        Err(DomainError::NotFound("case"))
    }
}

async fn relation(ctx: &Ctx, actor: &Actor, case: &Case) -> Result<Relation> {
    let staff = is_staff(actor.role);
    let coord = ctx.org.unit(case.coord_unit_id).await?;
    let coordinates = staff && coord.as_ref().is_some_and(|u| actor.reaches(&u.path));
    let is_assignee = match (case.assignee_unit_id, case.assignee_dept_id) {
        (Some(u), _) => staff && actor.scope_unit_id == u,
        (_, Some(d)) => {
            matches!(actor.role, Role::DepartmentHandler | Role::PropertyCompany)
                && actor.department_id == Some(d)
        }
        _ => false,
    };
    let called = actor.role == Role::DepartmentHandler
        && ctx
            .appeals
            .whistles(case.id)
            .await?
            .iter()
            .any(|w| Some(w.department_id) == actor.department_id && w.reported_ms.is_none());
    Ok(Relation {
        role: actor.role,
        in_scope: staff && actor.reaches(&case.path),
        coordinates,
        is_assignee,
        is_reporter: actor.user_id != 0 && case.reporter_user_id == Some(actor.user_id),
        called,
        system: false,
    })
}

/// One case as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case: Case,
    pub category: Option<Category>,
    pub events: Vec<CaseEvent>,
    pub attachments: Vec<Attachment>,
    pub parties: Vec<Party>,
    pub whistles: Vec<Whistle>,
    pub grid_name: String,
    pub coord_name: String,
    pub assignee_name: Option<String>,
    /// What this actor may do now (action names).
    pub actions: Vec<String>,
    /// Whether the reporter's contact is shown (staff only).
    pub contact_visible: bool,
    pub suggested: Option<String>,
}

/// Which actions the actor could take now (tried against the rules on a copy).
pub fn possible_actions(case: &Case, rel: &Relation) -> Vec<String> {
    let now = case.updated_ms + 1;
    let probes = [
        Action::Accept {
            due_ms: now + 1,
            coord_unit_id: case.coord_unit_id,
            level: case.level,
        },
        Action::Reject { reason: "x".into() },
        Action::Dispatch {
            to: Assignee::Unit(case.grid_id),
            response_due_ms: now + 1,
        },
        Action::Sign,
        Action::Request {
            kind: RequestKind::Extension,
            note: "x".into(),
            days: Some(1),
            dept_id: None,
        },
        Action::Approve { new_due_ms: None },
        Action::Feedback { result: "x".into() },
        Action::Verify {
            pass: true,
            note: "x".into(),
        },
        Action::Close,
        Action::Rate {
            satisfaction: Satisfaction::Satisfied,
            note: String::new(),
        },
        Action::Escalate {
            reason: "x".into(),
            to_unit_id: 0,
            overdue: false,
        },
        Action::Whistle,
        Action::Report,
        Action::ReferJointMeeting { note: "x".into() },
    ];
    let mut out = vec![];
    for a in probes {
        let mut copy = case.clone();
        if workflow::apply(&mut copy, rel, &a, now).is_ok() {
            let name = match &a {
                Action::Approve { .. } => "review".to_string(),
                other => other.name().to_string(),
            };
            out.push(name);
        }
    }
    out
}

async fn unit_name(ctx: &Ctx, id: Option<i64>) -> Result<Option<String>> {
    Ok(match id {
        Some(id) => ctx.org.label(id).await?.map(|u| u.name),
        None => None,
    })
}

/// The handler a category names for a case (the dispatch default).
pub async fn suggest(ctx: &Ctx, case: &Case, cat: &Category) -> Result<Option<Assignee>> {
    let codes = path_codes(&case.path);
    let community = ctx
        .org
        .label_by_code(codes.get(2).map(String::as_str).unwrap_or(""))
        .await?;
    Ok(match cat.responsible {
        Responsible::Grid => Some(Assignee::Unit(case.grid_id)),
        Responsible::Community => community.map(|c| Assignee::Unit(c.id)),
        Responsible::Department => {
            let depts = ctx.appeals.departments().await?;
            let d = cat
                .department_code
                .as_deref()
                .and_then(|code| depts.iter().find(|d| d.code == code && d.active));
            match d {
                Some(d) => Some(Assignee::Dept(d.id)),
                None => community.map(|c| Assignee::Unit(c.id)),
            }
        }
        Responsible::Property => match case.estate_id {
            Some(e) => match ctx.appeals.property_of_estate(e).await? {
                Some(d) => Some(Assignee::Dept(d.id)),
                None => community.map(|c| Assignee::Unit(c.id)),
            },
            None => community.map(|c| Assignee::Unit(c.id)),
        },
    })
}

async fn assignee_label(ctx: &Ctx, a: Option<Assignee>) -> Result<Option<String>> {
    Ok(match a {
        Some(Assignee::Unit(u)) => unit_name(ctx, Some(u)).await?,
        Some(Assignee::Dept(d)) => ctx.appeals.department(d).await?.map(|d| d.name),
        None => None,
    })
}

pub async fn view(ctx: &Ctx, actor: &Actor, id: i64) -> Result<CaseView> {
    let case = load_visible(ctx, actor, id).await?;
    let reporter_view = actor.role == Role::Resident;
    let cat = ctx
        .appeals
        .categories()
        .await?
        .into_iter()
        .find(|c| c.code == case.category_code);
    let assignee = match (case.assignee_unit_id, case.assignee_dept_id) {
        (Some(u), _) => Some(Assignee::Unit(u)),
        (_, Some(d)) => Some(Assignee::Dept(d)),
        _ => None,
    };
    let suggested = async {
        Ok(match &cat {
            Some(k) if case.status == Status::Accepted => {
                assignee_label(ctx, suggest(ctx, &case, k).await?).await?
            }
            _ => None,
        })
    };
    // The parts of the page are independent reads, asked for in three lanes at once:
    // the page waits for the longest lane instead of a dozen round trips one after
    // another, and takes at most three connections at a time (nine at once cost SQLite's
    // reader pool ~7 % of the full mix's throughput; see BENCHMARKS.md, tenth session).
    let lane_a = async {
        let rel = relation(ctx, actor, &case).await?;
        let events = ctx.appeals.events(id).await?;
        let attachments = ctx.appeals.attachments(id).await?;
        Ok((rel, events, attachments))
    };
    let lane_b = async {
        let grid_name = unit_name(ctx, Some(case.grid_id)).await?;
        let coord_name = unit_name(ctx, Some(case.coord_unit_id)).await?;
        let assignee_name = assignee_label(ctx, assignee).await?;
        Ok((grid_name, coord_name, assignee_name))
    };
    let lane_c = async {
        let suggested = suggested.await?;
        let parties = ctx.appeals.parties(id).await?;
        let whistles = ctx.appeals.whistles(id).await?;
        Ok((suggested, parties, whistles))
    };
    let (
        (rel, mut events, attachments),
        (grid_name, coord_name, assignee_name),
        (suggested, parties, whistles),
    ) = tokio::try_join!(lane_a, lane_b, lane_c)?;
    if reporter_view {
        events.retain(|e| e.public);
    }
    Ok(CaseView {
        grid_name: grid_name.unwrap_or_default(),
        coord_name: coord_name.unwrap_or_default(),
        assignee_name,
        actions: possible_actions(&case, &rel),
        contact_visible: is_staff(actor.role) || rel.is_assignee,
        attachments,
        parties,
        whistles,
        category: cat,
        events,
        case,
        suggested,
    })
}

/// The reporter's phone, whole, for staff calling back (audited).
pub async fn reveal_contact(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Option<String>> {
    let case = load_visible(ctx, actor, id).await?;
    let rel = relation(ctx, actor, &case).await?;
    if !(is_staff(actor.role) || rel.is_assignee) {
        return Err(DomainError::Forbidden);
    }
    let Some(enc) = &case.reporter_phone_enc else {
        return Ok(None);
    };
    let phone = ctx.cipher.decrypt(enc)?;
    ctx.audit
        .append(ctx.event(
            actor,
            "appeals.reveal_contact",
            "case",
            &case.number,
            &case.path,
        ))
        .await?;
    Ok(Some(phone))
}

/// The anonymous reporter's view: by number and tracking token.
pub async fn track(ctx: &Ctx, token: &str) -> Result<CaseView> {
    let case = ctx
        .appeals
        .case_by_token(token.trim())
        .await?
        .ok_or(DomainError::NotFound("case"))?;
    let cat = ctx
        .appeals
        .categories()
        .await?
        .into_iter()
        .find(|c| c.code == case.category_code);
    let (mut events, grid_name, coord_name, attachments, parties) = tokio::try_join!(
        ctx.appeals.events(case.id),
        unit_name(ctx, Some(case.grid_id)),
        unit_name(ctx, Some(case.coord_unit_id)),
        ctx.appeals.attachments(case.id),
        ctx.appeals.parties(case.id),
    )?;
    events.retain(|e| e.public);
    Ok(CaseView {
        grid_name: grid_name.unwrap_or_default(),
        coord_name: coord_name.unwrap_or_default(),
        assignee_name: None,
        actions: if case.status == Status::Closed
            && case
                .rated_ms
                .is_none_or(|r| case.closed_ms.is_some_and(|c| r < c))
        {
            vec!["rate".into()]
        } else {
            vec![]
        },
        contact_visible: false,
        attachments,
        parties,
        whistles: vec![],
        category: cat,
        events,
        case,
        suggested: None,
    })
}

/// An action on a case, as a form or JSON sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActInput {
    pub action: String,
    pub version: i64,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub to_unit_id: Option<i64>,
    #[serde(default)]
    pub to_dept_id: Option<i64>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub days: Option<i64>,
    #[serde(default)]
    pub dept_id: Option<i64>,
    #[serde(default)]
    pub pass: Option<bool>,
    #[serde(default)]
    pub satisfaction: Option<String>,
    #[serde(default)]
    pub dept_ids: Vec<i64>,
    #[serde(skip)]
    pub photos: Vec<NewPhoto>,
}

fn note(i: &ActInput) -> String {
    i.note.clone().unwrap_or_default()
}

fn red_property_parties(community: &str, estate: &str, company: &str) -> Vec<Party> {
    vec![
        Party {
            role: "property".into(),
            name: company.to_string(),
        },
        Party {
            role: "party_org".into(),
            name: format!("{community}党组织"),
        },
        Party {
            role: "residents_committee".into(),
            name: format!("{community}居民委员会"),
        },
        Party {
            role: "owners_committee".into(),
            name: format!("{estate}业主委员会"),
        },
        Party {
            role: "representatives".into(),
            name: "居民代表、党员代表".into(),
        },
    ]
}

/// Takes an action on a case (for tokenised anonymous rating see [`rate_by_token`]).
pub async fn act(ctx: &Ctx, actor: &Actor, id: i64, mut input: ActInput) -> Result<Case> {
    let case = load_visible(ctx, actor, id).await?;
    let rel = relation(ctx, actor, &case).await?;
    act_on(ctx, actor, case, rel, &mut input).await
}

/// Rating by the anonymous reporter who holds the tracking token.
pub async fn rate_by_token(ctx: &Ctx, token: &str, mut input: ActInput) -> Result<Case> {
    let case = ctx
        .appeals
        .case_by_token(token.trim())
        .await?
        .ok_or(DomainError::NotFound("case"))?;
    if input.action != "rate" {
        return Err(DomainError::Forbidden);
    }
    let rel = Relation {
        role: Role::Resident,
        in_scope: false,
        coordinates: false,
        is_assignee: false,
        is_reporter: true,
        called: false,
        system: false,
    };
    let public = Actor {
        user_id: 0,
        login: "public".into(),
        display_name: "公众".into(),
        role: Role::Resident,
        scope_unit_id: 0,
        scope_path: "/".into(),
        household_id: None,
        department_id: None,
    };
    act_on(ctx, &public, case, rel, &mut input).await
}

async fn act_on(
    ctx: &Ctx,
    actor: &Actor,
    mut case: Case,
    rel: Relation,
    input: &mut ActInput,
) -> Result<Case> {
    let now = ctx.now_ms();
    let cat = category(ctx, &case.category_code).await.ok();
    let mut parties = vec![];
    let mut whistles = vec![];
    let mut reported = None;
    let mut notices = vec![];
    let mut photos = vec![];
    let action = match input.action.as_str() {
        "accept" => {
            let cat = cat.clone().ok_or(DomainError::NotFound("category"))?;
            let due = calendar(ctx)
                .await?
                .due(now, cat.limit_amount, cat.limit_unit);
            // 首接负责制: the accepting unit coordinates (the grid for a district-wide desk
            // stays with the desk's own unit).
            let unit = ctx
                .org
                .unit(actor.scope_unit_id)
                .await?
                .ok_or(DomainError::NotFound("unit"))?;
            let (coord, level) = if actor.reaches(&case.path) {
                (unit.id, Level::of_kind(unit.kind))
            } else {
                (case.coord_unit_id, case.level)
            };
            Action::Accept {
                due_ms: due,
                coord_unit_id: coord,
                level,
            }
        }
        "reject" => Action::Reject {
            reason: note(input),
        },
        "dispatch" => {
            let cat = cat.clone().ok_or(DomainError::NotFound("category"))?;
            let to = match (input.to_unit_id, input.to_dept_id) {
                (Some(u), _) => Assignee::Unit(u),
                (_, Some(d)) => Assignee::Dept(d),
                _ => suggest(ctx, &case, &cat).await?.ok_or_else(|| {
                    DomainError::field("to", "请选择派遣对象", "choose whom to dispatch to")
                })?,
            };
            match to {
                Assignee::Unit(u) => {
                    let unit = ctx.org.unit(u).await?.ok_or_else(|| {
                        DomainError::field("to_unit_id", "单位不存在", "unknown unit")
                    })?;
                    // A unit on the case's own chain (grid, community, sub-district).
                    if !case.path.starts_with(&unit.path) || !actor.reaches(&unit.path) {
                        return Err(DomainError::field(
                            "to_unit_id",
                            "只能派遣给案件所在的网格、社区或街道",
                            "dispatch to the case's own grid, community or sub-district",
                        ));
                    }
                    notices.push(NewNotice {
                        channel: "inbox".into(),
                        recipient: format!("unit:{u}"),
                        text: format!("新派遣：{}", case.number),
                    });
                }
                Assignee::Dept(d) => {
                    let dept = ctx
                        .appeals
                        .department(d)
                        .await?
                        .filter(|d| d.active)
                        .ok_or_else(|| {
                            DomainError::field("to_dept_id", "部门不存在", "unknown department")
                        })?;
                    if dept.kind == DeptKind::Property
                        && let Some(e) = case.estate_id
                    {
                        let serves = ctx.appeals.estates_of(d).await?.contains(&e);
                        if !serves {
                            return Err(DomainError::field(
                                "to_dept_id",
                                "该物业公司不服务此小区",
                                "this property company does not serve the estate",
                            ));
                        }
                        let estate = unit_name(ctx, Some(e)).await?.unwrap_or_default();
                        let codes = path_codes(&case.path);
                        let community = ctx
                            .org
                            .unit_by_code(codes.get(2).map(String::as_str).unwrap_or(""))
                            .await?
                            .map(|c| c.name)
                            .unwrap_or_default();
                        parties = red_property_parties(&community, &estate, &dept.name);
                    }
                    notices.push(NewNotice {
                        channel: "sms".into(),
                        recipient: format!("dept:{d}"),
                        text: format!("新派遣案件 {}，请及时签收", case.number),
                    });
                }
            }
            Action::Dispatch {
                to,
                response_due_ms: now + cat.response_hours * 3_600_000,
            }
        }
        "sign" => Action::Sign,
        "request" => {
            let kind = input
                .kind
                .as_deref()
                .and_then(RequestKind::parse)
                .ok_or_else(|| {
                    DomainError::field("kind", "申请类型无效", "unknown request kind")
                })?;
            if let Some(d) = input.dept_id {
                ctx.appeals
                    .department(d)
                    .await?
                    .filter(|d| d.active)
                    .ok_or_else(|| {
                        DomainError::field("dept_id", "部门不存在", "unknown department")
                    })?;
            }
            notices.push(NewNotice {
                channel: "inbox".into(),
                recipient: format!("unit:{}", case.coord_unit_id),
                text: format!("{} 待审批：{}", kind.label_zh(), case.number),
            });
            Action::Request {
                kind,
                note: note(input),
                days: input.days,
                dept_id: input.dept_id,
            }
        }
        "approve" => {
            let new_due = match &case.pending {
                Some(PendingRequest {
                    kind: RequestKind::Extension,
                    days: Some(d),
                    ..
                }) => Some(
                    calendar(ctx)
                        .await?
                        .add_working_days(case.due_ms.unwrap_or(now), *d),
                ),
                _ => None,
            };
            if let Some(PendingRequest {
                kind: RequestKind::Assist,
                dept_id: Some(d),
                ..
            }) = &case.pending
                && let Some(dept) = ctx.appeals.department(*d).await?
            {
                parties.push(Party {
                    role: format!("assist_{d}"),
                    name: dept.name.clone(),
                });
                notices.push(NewNotice {
                    channel: "sms".into(),
                    recipient: format!("dept:{d}"),
                    text: format!("请协助办理案件 {}", case.number),
                });
            }
            if let Some(PendingRequest {
                kind: RequestKind::Transfer,
                dept_id: Some(d),
                ..
            }) = &case.pending
            {
                notices.push(NewNotice {
                    channel: "sms".into(),
                    recipient: format!("dept:{d}"),
                    text: format!("转派案件 {}，请及时签收", case.number),
                });
            }
            Action::Approve {
                new_due_ms: new_due,
            }
        }
        "deny" => Action::Deny { note: note(input) },
        "feedback" => {
            let mut c = Checker::new();
            check_photos(&mut c, &mut input.photos);
            check_text(&mut c, "note", &note(input), true, MAX_TEXT);
            c.finish()?;
            photos = std::mem::take(&mut input.photos);
            Action::Feedback {
                result: note(input),
            }
        }
        "verify" => Action::Verify {
            pass: input.pass.unwrap_or(false),
            note: note(input),
        },
        "close" => {
            if let Some(p) = &case.reporter_phone_mask {
                notices.push(NewNotice {
                    channel: "sms".into(),
                    recipient: format!("phone:{p}"),
                    text: format!("您的诉求 {} 已办结，请对办理结果进行评价。", case.number),
                });
            }
            Action::Close
        }
        "rate" => {
            let s = input
                .satisfaction
                .as_deref()
                .and_then(Satisfaction::parse)
                .ok_or_else(|| {
                    DomainError::field("satisfaction", "请选择满意度", "choose a rating")
                })?;
            if s == Satisfaction::Unsatisfied && case.reopen_count == 0 {
                notices.push(NewNotice {
                    channel: "inbox".into(),
                    recipient: format!("unit:{}", case.coord_unit_id),
                    text: format!("群众不满意，案件 {} 重新办理", case.number),
                });
            }
            Action::Rate {
                satisfaction: s,
                note: note(input),
            }
        }
        "escalate" => {
            let coord = ctx
                .org
                .unit(case.coord_unit_id)
                .await?
                .ok_or(DomainError::NotFound("unit"))?;
            let up = coord.parent_id.ok_or_else(|| {
                DomainError::rule(
                    "已在区级，无法再上报",
                    "the case is already at district level",
                )
            })?;
            notices.push(NewNotice {
                channel: "inbox".into(),
                recipient: format!("unit:{up}"),
                text: format!("下级上报案件 {}", case.number),
            });
            Action::Escalate {
                reason: note(input),
                to_unit_id: up,
                overdue: false,
            }
        }
        "whistle" => {
            if input.dept_ids.is_empty() {
                return Err(DomainError::field(
                    "dept_ids",
                    "请选择要召集的部门",
                    "choose the departments to call",
                ));
            }
            for d in &input.dept_ids {
                let dept = ctx
                    .appeals
                    .department(*d)
                    .await?
                    .filter(|d| d.active)
                    .ok_or_else(|| {
                        DomainError::field("dept_ids", "部门不存在", "unknown department")
                    })?;
                whistles.push((dept.id, now + WHISTLE_REPORT_HOURS * 3_600_000));
                notices.push(NewNotice {
                    channel: "sms".into(),
                    recipient: format!("dept:{}", dept.id),
                    text: format!(
                        "街道吹哨：案件 {}，请于{}小时内报到",
                        case.number, WHISTLE_REPORT_HOURS
                    ),
                });
            }
            Action::Whistle
        }
        "report" => {
            reported = actor.department_id;
            Action::Report
        }
        "joint_meeting" => Action::ReferJointMeeting { note: note(input) },
        _ => return Err(DomainError::field("action", "未知的操作", "unknown action")),
    };
    if input.version != case.version {
        return Err(DomainError::conflict(
            "该案件已被他人处理，请刷新后重试",
            "someone else acted on this case: reload and try again",
        ));
    }
    let before = case.status;
    let outcome = workflow::apply(&mut case, &rel, &action, now)?;
    if let Some(p) = case.pending.as_mut()
        && p.by.is_empty()
    {
        p.by = actor.login.clone();
    }
    let audit = ctx
        .event(
            actor,
            &format!("appeals.{}", action.name()),
            "case",
            &case.number,
            &case.path,
        )
        .before(serde_json::json!({"status": before.as_str()}))
        .after(serde_json::json!({"status": case.status.as_str(), "note": outcome.event.note}));
    ctx.appeals
        .update_case(
            &case,
            CaseChange {
                expected_version: input.version,
                event: outcome.event,
                actor_login: actor.login.clone(),
                actor_role: actor.role.as_str().to_string(),
                photos,
                parties,
                whistles,
                reported,
                notices,
                audit,
            },
        )
        .await
}

/// What `search` and lists may see: the actor's reach as a store query.
fn reach(actor: &Actor, q: &mut CaseQuery, estates: Option<Vec<i64>>) -> Result<()> {
    match actor.role {
        Role::Resident => {
            if actor.user_id == 0 {
                return Err(DomainError::Forbidden);
            }
            q.reporter_user_id = Some(actor.user_id);
        }
        Role::DepartmentHandler => {
            q.dept_id = Some(actor.department_id.ok_or(DomainError::Forbidden)?);
        }
        Role::PropertyCompany => {
            let d = actor.department_id.ok_or(DomainError::Forbidden)?;
            q.estates_or_dept = Some((estates.unwrap_or_default(), d));
        }
        _ => q.path = Some(actor.scope_path.clone()),
    }
    Ok(())
}

pub async fn query_for(ctx: &Ctx, actor: &Actor, f: &CaseFilter) -> Result<CaseQuery> {
    let mut q = CaseQuery::default();
    let estates = match (actor.role, actor.department_id) {
        (Role::PropertyCompany, Some(d)) => Some(ctx.appeals.estates_of(d).await?),
        _ => None,
    };
    reach(actor, &mut q, estates)?;
    if let Some(u) = f.unit_id {
        let unit = crate::org::service::get(ctx, actor, u).await?;
        q.path = Some(unit.path);
    }
    let mut c = Checker::new();
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        match s {
            "open" => {
                q.statuses = Status::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.is_open())
                    .collect()
            }
            s => match Status::parse(s) {
                Some(s) => q.statuses = vec![s],
                None => c.add("status", "状态无效", "unknown status"),
            },
        }
    }
    if f.open == Some(true) && q.statuses.is_empty() {
        q.statuses = Status::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
    }
    if let Some(ch) = f.channel.as_deref().filter(|s| !s.is_empty()) {
        match Channel::parse(ch) {
            Some(ch) => q.channel = Some(ch),
            None => c.add("channel", "渠道无效", "unknown channel"),
        }
    }
    c.finish()?;
    q.q =
        f.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(50).collect());
    q.category_prefix = f.category.clone().filter(|s| !s.is_empty());
    q.dept_id = q.dept_id.or(f.dept_id);
    q.from_ms = f.from_ms;
    q.to_ms = f.to_ms;
    q.overdue = f.overdue;
    Ok(q)
}

pub async fn search(
    ctx: &Ctx,
    actor: &Actor,
    f: &CaseFilter,
    page: PageRequest,
) -> Result<Page<Case>> {
    if actor.role == Role::PropertyCompany
        || actor.role == Role::DepartmentHandler
        || actor.role == Role::Resident
    {
        // their reach is narrower than a subtree; handled by `reach`
    } else if !actor.can(Verb::ViewOrg) {
        return Err(DomainError::Forbidden);
    }
    let q = query_for(ctx, actor, f).await?;
    ctx.appeals.search(&q, page.clamped()).await
}

/// A staff member's inbox.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Inbox {
    /// Waiting for acceptance in my reach, or dispatched to me and not yet signed.
    pub new: Vec<Case>,
    /// Being handled by me.
    pub in_hand: Vec<Case>,
    /// My open cases with a quarter of their time left.
    pub nearing: Vec<Case>,
    pub overdue: Vec<Case>,
    /// Escalated to my unit.
    pub escalated: Vec<Case>,
    /// Returned after a failed check or an unsatisfied rating.
    pub returned: Vec<Case>,
    /// Requests (assistance, transfer, extension) waiting for my approval, and results
    /// waiting for verification.
    pub to_review: Vec<Case>,
}

pub async fn inbox(ctx: &Ctx, actor: &Actor) -> Result<Inbox> {
    let now = ctx.now_ms();
    let page = PageRequest {
        offset: 0,
        limit: 50,
    };
    let open: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect();
    let mine = |q: &mut CaseQuery| {
        if let Some(d) = actor.department_id
            && matches!(actor.role, Role::DepartmentHandler | Role::PropertyCompany)
        {
            q.assignee_dept_id = Some(d);
        } else {
            q.assignee_unit_id = Some(actor.scope_unit_id);
        }
    };
    let mut base = query_for(ctx, actor, &CaseFilter::default()).await?;
    base.no_count = true;
    let run = |q: CaseQuery| async move { ctx.appeals.search(&q, page).await.map(|p| p.items) };
    let staff = is_staff(actor.role);
    let mut new_q = base.clone();
    let mut new = vec![];
    if staff {
        new_q.statuses = vec![Status::Submitted];
        new = run(new_q).await?;
    }
    let mut dq = base.clone();
    mine(&mut dq);
    dq.statuses = vec![Status::Dispatched];
    new.extend(run(dq).await?);
    let mut hq = base.clone();
    mine(&mut hq);
    hq.statuses = vec![Status::Processing];
    let in_hand = run(hq).await?;
    let nearing = nearing(&base, &open, now, page, &run).await?;
    let mut oq = base.clone();
    oq.statuses = open.clone();
    oq.overdue = Some(true);
    let overdue = run(oq).await?;
    let mut eq = base.clone();
    eq.statuses = open.clone();
    eq.escalated = true;
    if staff {
        eq.coord_unit_id = Some(actor.scope_unit_id);
    }
    let escalated = if staff { run(eq).await? } else { vec![] };
    let mut rq = base.clone();
    mine(&mut rq);
    rq.statuses = vec![Status::Processing, Status::Dispatched];
    rq.returned = true;
    let returned = run(rq).await?;
    let mut to_review = vec![];
    if staff {
        let mut vq = base.clone();
        vq.statuses = vec![Status::Feedback, Status::Verified, Status::Accepted];
        to_review = run(vq).await?;
        let mut pq = base;
        pq.statuses = vec![Status::Processing];
        to_review.extend(run(pq).await?.into_iter().filter(|c| c.pending.is_some()));
    }
    Ok(Inbox {
        new,
        in_hand,
        nearing,
        overdue,
        escalated,
        returned,
        to_review,
    })
}

/// The inbox's open cases with a quarter of their time left (and not overdue), newest
/// first. Read in three parts, each from an index that holds only such cases: those the
/// deadline sweep has reminded (`cases_reminded`); those in the statuses it reminds whose
/// moment has come but which it has not reached yet — within its minute — (`cases_remind`,
/// earliest first); and those in the other open statuses (few: waiting for
/// verification). One query over every open case in the scope read them all: 0.5 s for a
/// district administrator after the megacity replay, whose 320 k open cases were all
/// far from their deadline.
async fn nearing<F, Fut>(
    base: &CaseQuery,
    open: &[Status],
    now: i64,
    page: PageRequest,
    run: F,
) -> Result<Vec<Case>>
where
    F: Fn(CaseQuery) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Case>>>,
{
    let mut reminded = base.clone();
    reminded.statuses = open.to_vec();
    reminded.overdue = Some(false);
    reminded.reminded = Some(true);
    let mut due = base.clone();
    due.statuses = Status::SWEPT.to_vec();
    due.overdue = Some(false);
    due.reminded = Some(false);
    due.nearing_before_ms = Some(now);
    due.by_remind_moment = true;
    // A case waiting for acceptance has no acceptance moment, hence none to be reminded
    // at: it is never nearing (and a backlog of them would be read for nothing).
    let mut others = due.clone();
    others.statuses = open
        .iter()
        .copied()
        .filter(|s| !Status::SWEPT.contains(s) && *s != Status::Submitted)
        .collect();
    others.by_remind_moment = false;
    let mut all = run(reminded).await?;
    all.extend(run(due).await?);
    if !others.statuses.is_empty() {
        all.extend(run(others).await?);
    }
    all.sort_unstable_by_key(|c| std::cmp::Reverse((c.created_ms, c.id)));
    all.truncate(page.limit.max(0) as usize);
    Ok(all)
}

/// The three rates for a unit's subtree (or a department), per child unit, per
/// department or per month, ranked.
#[derive(Debug, Clone, Serialize)]
pub struct RateReport {
    pub total: Rates,
    pub rows: Vec<Rates>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    Children,
    Departments,
    Months,
}

pub async fn rates(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    breakdown: Breakdown,
) -> Result<RateReport> {
    if !actor.can(Verb::ViewOrg) {
        return Err(DomainError::Forbidden);
    }
    let unit = match unit_id {
        Some(u) => crate::org::service::get(ctx, actor, u).await?,
        None => crate::org::service::home(ctx, actor).await?,
    };
    let mut q = CaseQuery {
        path: Some(unit.path.clone()),
        from_ms,
        to_ms,
        ..Default::default()
    };
    if actor.role == Role::DepartmentHandler {
        q.dept_id = actor.department_id;
    }
    let now = ctx.now_ms();
    let total = ctx
        .appeals
        .rate_counts(&q, RateGroup::Total, now)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let total = metrics::rates(unit.code.clone(), unit.name.clone(), total);
    let rows = match breakdown {
        Breakdown::Children => {
            let Some(level) = unit.kind.child().filter(|k| *k <= UnitKind::Grid) else {
                return Ok(RateReport {
                    total,
                    rows: vec![],
                    from_ms,
                    to_ms,
                });
            };
            let counts = ctx
                .appeals
                .rate_counts(&q, RateGroup::Level(level), now)
                .await?;
            let children = ctx.org.children(unit.id, false).await?;
            let rows = children
                .into_iter()
                .map(|c| {
                    let k = counts
                        .iter()
                        .find(|x| x.key == c.path)
                        .cloned()
                        .unwrap_or_default();
                    metrics::rates(c.id.to_string(), c.name, k)
                })
                .collect();
            metrics::rank(rows)
        }
        Breakdown::Departments => {
            let counts = ctx
                .appeals
                .rate_counts(&q, RateGroup::Department, now)
                .await?;
            let depts = ctx.appeals.departments().await?;
            metrics::rank(
                counts
                    .into_iter()
                    .filter_map(|k| {
                        let d = depts.iter().find(|d| d.id.to_string() == k.key)?;
                        Some(metrics::rates(d.id.to_string(), d.name.clone(), k))
                    })
                    .collect(),
            )
        }
        Breakdown::Months => ctx
            .appeals
            .rate_counts(&q, RateGroup::Month, now)
            .await?
            .into_iter()
            .map(|k| metrics::rates(k.key.clone(), k.key.clone(), k))
            .collect(),
    };
    Ok(RateReport {
        total,
        rows,
        from_ms,
        to_ms,
    })
}

/// What one sweep did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SweepReport {
    pub reminded: usize,
    pub escalated: usize,
    pub marked_overdue: usize,
}

/// Reminders before the limit; overdue marks and escalation one level up. Safe to run
/// on several instances at once: every write is conditional on the case's version (or
/// its reminder flag), so each case is handled once.
pub async fn sweep(ctx: &Ctx) -> Result<SweepReport> {
    let now = ctx.now_ms();
    let (overdue, remind) = ctx.appeals.sweep_candidates(now, 500).await?;
    let mut report = SweepReport::default();
    for c in remind {
        let to = match c.assignee_dept_id {
            Some(d) => format!("dept:{d}"),
            None => format!("unit:{}", c.assignee_unit_id.unwrap_or(c.coord_unit_id)),
        };
        let n = NewNotice {
            channel: "sms".into(),
            recipient: to,
            text: format!("案件 {} 即将到期，请抓紧办理", c.number),
        };
        if ctx.appeals.mark_reminded(c.id, vec![n]).await? {
            report.reminded += 1;
        }
    }
    let system = Actor::system();
    for mut c in overdue {
        let coord = ctx.org.unit(c.coord_unit_id).await?;
        let (action, escalate) = match coord.and_then(|u| u.parent_id) {
            Some(up) if c.level != Level::District => (
                Action::Escalate {
                    reason: "超期未办结，自动上报".into(),
                    to_unit_id: up,
                    overdue: true,
                },
                true,
            ),
            _ => (Action::MarkOverdue, false),
        };
        let version = c.version;
        let Ok(outcome) = workflow::apply(&mut c, &Relation::system(), &action, now) else {
            continue;
        };
        let audit = ctx
            .event(
                &system,
                &format!("appeals.{}", action.name()),
                "case",
                &c.number,
                &c.path,
            )
            .after(serde_json::json!({"level": c.level.as_str(), "overdue": true}));
        let notices = vec![NewNotice {
            channel: "inbox".into(),
            recipient: format!("unit:{}", c.coord_unit_id),
            text: format!(
                "案件 {} 已超期{}",
                c.number,
                if escalate {
                    "，已上报至本级"
                } else {
                    ""
                }
            ),
        }];
        let change = CaseChange {
            expected_version: version,
            event: outcome.event,
            actor_login: "system".into(),
            actor_role: "system".into(),
            photos: vec![],
            parties: vec![],
            whistles: vec![],
            reported: None,
            notices,
            audit,
        };
        match ctx.appeals.update_case(&c, change).await {
            Ok(_) if escalate => report.escalated += 1,
            Ok(_) => report.marked_overdue += 1,
            // Another instance (or a person) got there first.
            Err(DomainError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

pub async fn attachment(
    ctx: &Ctx,
    actor: Option<&Actor>,
    token: Option<&str>,
    id: i64,
) -> Result<(Attachment, Vec<u8>)> {
    let (a, bytes) = ctx
        .appeals
        .attachment(id)
        .await?
        .ok_or(DomainError::NotFound("attachment"))?;
    let case = ctx
        .appeals
        .case(a.case_id)
        .await?
        .ok_or(DomainError::NotFound("attachment"))?;
    let ok = match (actor, token) {
        (Some(actor), _) => can_view(ctx, actor, &case).await?,
        (None, Some(t)) => crate::ct_eq_str(t, &case.track_token),
        _ => false,
    };
    if !ok {
        return Err(DomainError::NotFound("attachment"));
    }
    Ok((a, bytes))
}

pub async fn departments(ctx: &Ctx) -> Result<Vec<Department>> {
    ctx.appeals.departments().await
}

pub async fn create_department(
    ctx: &Ctx,
    actor: &Actor,
    d: NewDepartment,
    estates: Vec<i64>,
) -> Result<Department> {
    crate::require(actor, Verb::ManageUsers)?;
    let mut c = Checker::new();
    if d.code.trim().is_empty()
        || d.code.len() > 40
        || !d
            .code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    {
        c.add(
            "code",
            "部门代码为字母、数字、_ 或 -",
            "code: letters, digits, _ or -",
        );
    }
    check_text(&mut c, "name", &d.name, true, 60);
    c.finish()?;
    let unit = crate::org::service::get(ctx, actor, d.unit_id).await?;
    for e in &estates {
        let u = ctx
            .org
            .unit(*e)
            .await?
            .filter(|u| u.kind == UnitKind::Estate && actor.reaches(&u.path));
        if u.is_none() {
            return Err(DomainError::field(
                "estates",
                "小区不存在或不在管辖范围内",
                "unknown estate or outside your reach",
            ));
        }
    }
    let audit = ctx
        .event(actor, "appeals.create_department", "department", &d.code, &unit.path)
        .after(serde_json::json!({"code": d.code, "name": d.name, "kind": d.kind.as_str(), "estates": estates}));
    ctx.appeals.insert_department(d, estates, audit).await
}

pub async fn rotations(ctx: &Ctx, actor: &Actor) -> Result<Vec<Rotation>> {
    crate::require(actor, Verb::ViewOrg)?;
    ctx.appeals.rotations(&actor.scope_path).await
}

/// Opens a rotation (轮值书记) for a sub-district and period.
pub async fn create_rotation(
    ctx: &Ctx,
    actor: &Actor,
    subdistrict_id: i64,
    period: &str,
    secretary: &str,
) -> Result<Rotation> {
    let unit = crate::org::service::get(ctx, actor, subdistrict_id).await?;
    if !matches!(actor.role, Role::DistrictAdmin | Role::SubdistrictStaff) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    if unit.kind != UnitKind::Subdistrict {
        c.add(
            "subdistrict_id",
            "轮值书记按街道设置",
            "rotations belong to a sub-district",
        );
    }
    let ok_period = period.len() == 7
        && NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d")
            .is_ok_and(|d| d.year() >= 2000);
    if !ok_period {
        c.add("period", "期次格式为 YYYY-MM", "period must be YYYY-MM");
    }
    check_text(&mut c, "secretary", secretary, true, 30);
    c.finish()?;
    let audit = ctx
        .event(
            actor,
            "appeals.create_rotation",
            "rotation",
            format!("{}:{period}", unit.code),
            &unit.path,
        )
        .after(serde_json::json!({"period": period, "secretary": secretary.trim()}));
    ctx.appeals
        .insert_rotation(unit.id, period, secretary.trim(), audit)
        .await
}

/// The rotating secretary takes on one difficult open case of the sub-district.
pub async fn rotation_take_case(
    ctx: &Ctx,
    actor: &Actor,
    rotation_id: i64,
    case_number: &str,
) -> Result<()> {
    let r = ctx
        .appeals
        .rotation(rotation_id)
        .await?
        .ok_or(DomainError::NotFound("rotation"))?;
    let unit = crate::org::service::get(ctx, actor, r.subdistrict_id).await?;
    if !matches!(actor.role, Role::DistrictAdmin | Role::SubdistrictStaff) {
        return Err(DomainError::Forbidden);
    }
    if r.case_id.is_some() {
        return Err(DomainError::rule(
            "本期轮值书记已领办案件",
            "this rotation already has its case",
        ));
    }
    let case = ctx
        .appeals
        .case_by_number(case_number.trim())
        .await?
        .filter(|c| c.path.starts_with(&unit.path))
        .ok_or_else(|| {
            DomainError::field(
                "case_number",
                "该街道没有这个案件编号",
                "no case with this number in the sub-district",
            )
        })?;
    if !case.status.is_open() {
        return Err(DomainError::field(
            "case_number",
            "只能领办未办结的案件",
            "take on an open case",
        ));
    }
    let audit = ctx
        .event(
            actor,
            "appeals.rotation_take_case",
            "rotation",
            r.id,
            &unit.path,
        )
        .after(serde_json::json!({"case": case.number, "secretary": r.secretary}));
    ctx.appeals
        .set_rotation_case(r.id, case.id, ctx.now_ms(), audit)
        .await
}

/// Issues an Open311 API key (shown once).
pub async fn issue_open311_key(ctx: &Ctx, actor: &Actor, name: &str) -> Result<String> {
    crate::require(actor, Verb::ManageUsers)?;
    let key = crate::auth::service::random_token();
    let audit = ctx.event(actor, "appeals.issue_open311_key", "open311_key", name, "/");
    ctx.appeals
        .insert_open311_key(&crate::auth::service::token_hash(&key), name, audit)
        .await?;
    Ok(key)
}

pub async fn open311_key_valid(ctx: &Ctx, key: &str) -> Result<bool> {
    ctx.appeals
        .open311_key_valid(&crate::auth::service::token_hash(key.trim()))
        .await
}

/// The working-day calendar's exceptions (holidays, make-up working days).
pub async fn calendar_days(
    ctx: &Ctx,
) -> Result<Vec<(NaiveDate, super::calendar::DayKind, String)>> {
    ctx.appeals.calendar().await
}

/// Marks a day as a holiday or a working day (or clears the exception).
pub async fn set_calendar_day(
    ctx: &Ctx,
    actor: &Actor,
    day: &str,
    kind: Option<&str>,
    note: &str,
) -> Result<()> {
    crate::require(actor, Verb::ManageUsers)?;
    let mut c = Checker::new();
    let d = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        c.add("day", "日期格式为 YYYY-MM-DD", "day must be YYYY-MM-DD");
    }
    let k = match kind {
        None | Some("") => None,
        Some("holiday") => Some(super::calendar::DayKind::Holiday),
        Some("workday") => Some(super::calendar::DayKind::Workday),
        Some(_) => {
            c.add(
                "kind",
                "类型应为 holiday 或 workday",
                "kind must be holiday or workday",
            );
            None
        }
    };
    check_text(&mut c, "note", note, false, 40);
    c.finish()?;
    let d = d.ok_or(DomainError::Internal("day".into()))?;
    let audit = ctx
        .event(actor, "appeals.calendar", "calendar_day", day, "/")
        .after(serde_json::json!({"kind": kind, "note": note}));
    ctx.appeals.set_calendar_day(d, k, note.trim(), audit).await
}

/// Adds or changes a category (its limits, handler type, Open311 attributes).
pub async fn save_category(ctx: &Ctx, actor: &Actor, cat: Category) -> Result<()> {
    crate::require(actor, Verb::ManageUsers)?;
    let mut c = Checker::new();
    if cat.code.is_empty() || cat.code.len() > 8 || !cat.code.chars().all(|ch| ch.is_ascii_digit())
    {
        c.add("code", "类别代码为1–8位数字", "code: 1–8 digits");
    }
    check_text(&mut c, "name_zh", &cat.name_zh, true, 30);
    check_text(&mut c, "name_en", &cat.name_en, true, 60);
    if !["patrol", "service", "both"].contains(&cat.source.as_str()) {
        c.add(
            "source",
            "来源应为 patrol、service 或 both",
            "source must be patrol, service or both",
        );
    }
    if !(1..=720).contains(&cat.response_hours) {
        c.add(
            "response_hours",
            "响应时限为1–720小时",
            "response time: 1–720 hours",
        );
    }
    if !(1..=365).contains(&cat.limit_amount) {
        c.add("limit_amount", "办理时限为1–365", "limit: 1–365");
    }
    if !cat.attributes.is_array() {
        c.add("attributes", "属性须为数组", "attributes must be an array");
    }
    let all = ctx.appeals.categories().await?;
    if let Some(p) = &cat.parent_code
        && !all.iter().any(|x| &x.code == p && x.parent_code.is_none())
    {
        c.add("parent_code", "上级类别不存在", "unknown parent category");
    }
    c.finish()?;
    let audit = ctx
        .event(actor, "appeals.save_category", "category", &cat.code, "/")
        .after(&cat);
    ctx.appeals.save_category(cat, audit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_spotted() {
        assert!(has_html("<script>alert(1)</script>"));
        assert!(has_html("hello <b>x</b>"));
        assert!(has_html("<!-- x -->"));
        assert!(!has_html("温度 < 5 度"));
        assert!(!has_html("a<5 and b>3"));
    }

    #[test]
    fn images_by_magic() {
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nxxxx"), Some("image/png"));
        assert_eq!(image_type(b"%PDF-1.4"), None);
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
    }

    #[test]
    fn attributes_are_checked() {
        let defs = serde_json::json!([
            {"code": "floor", "datatype": "number", "required": true},
            {"code": "severity", "datatype": "singlevaluelist", "values": [{"key": "minor"}, {"key": "major"}]}
        ]);
        let mut c = Checker::new();
        check_attributes(
            &mut c,
            &defs,
            &serde_json::json!({"floor": "3", "severity": "major"}),
        );
        assert!(c.is_empty());
        let mut c = Checker::new();
        check_attributes(
            &mut c,
            &defs,
            &serde_json::json!({"severity": "huge", "colour": "red"}),
        );
        let e = c.finish().err().map(|e| e.fields().len()).unwrap_or(0);
        assert_eq!(e, 3);
    }
}
