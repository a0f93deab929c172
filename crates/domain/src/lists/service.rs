//! Use cases of the three lists. Access is decided here:
//! - needs: residents record their own (in their own grid) and see theirs; grid workers,
//!   community, sub-district and district staff record and see those in their reach;
//! - resources: staff who may edit the organisation (community level and up) record
//!   them in their reach; every staff member sees those based in or above their reach;
//!   party commitments (党员服务清单) and alliance shared resources are mirrored in
//!   (see [`sync_party_resources`]);
//! - matching: community staff and up run the engine and accept, reject or override
//!   proposals for needs in their reach; grid workers see them;
//! - projects: community staff and up run them; residents see the projects of their
//!   community and rate them once each.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, FieldError, Result, Role, Verb};
use serde::{Deserialize, Serialize};

use super::matching::{self, Problem};
use super::model::*;
use super::rules::{self, Fit, NeedPoint, ResourcePoint, Terms};
use crate::appeals::NewPhoto;
use crate::appeals::service::{check_photos, check_text};
use crate::figures::Figure;
use crate::org::{OrgUnit, UnitKind};
use crate::{Ctx, require, require_in_scope};

/// Radius (metres) a party member's commitment serves around the community.
pub const COMMITMENT_RADIUS_M: i64 = 2_500;
/// Radius of an alliance's shared resource around a sub-district, and the district.
pub const ALLIANCE_RADIUS_M: i64 = 6_000;
pub const DISTRICT_RADIUS_M: i64 = 30_000;
/// Cell size of the spatial bucket.
pub const CELL_M: f64 = 2_000.0;
pub const MAX_QUANTITY: i64 = 100_000;
pub const MAX_RADIUS_M: i64 = 50_000;
const MS_PER_DAY: f64 = 86_400_000.0;

fn today(ctx: &Ctx) -> NaiveDate {
    ctx.clock
        .now()
        .with_timezone(&jiceng_core::clock::china())
        .date_naive()
}

fn today_text(ctx: &Ctx) -> String {
    today(ctx).format("%Y-%m-%d").to_string()
}

/// Staff who work the lists (record needs, see resources and matches).
pub fn is_staff(role: Role) -> bool {
    matches!(
        role,
        Role::DistrictAdmin | Role::SubdistrictStaff | Role::CommunityStaff | Role::GridWorker
    )
}

/// Whether the actor may decide matches and run projects somewhere in their scope.
pub fn is_manager(actor: &Actor) -> bool {
    is_staff(actor.role) && actor.can(Verb::EditOrg)
}

/// Whether the actor may decide matches and run projects in this place.
fn can_manage(actor: &Actor, path: &str) -> bool {
    is_manager(actor) && actor.reaches(path)
}

/// The community path (`/district/subdistrict/community/`) of a path, if deep enough.
pub fn community_path(path: &str) -> Option<String> {
    let codes = crate::org::rules::path_codes(path);
    (codes.len() >= 3).then(|| format!("/{}/", codes[..3].join("/")))
}

/// The sub-district path of a path.
pub fn subdistrict_path(path: &str) -> Option<String> {
    let codes = crate::org::rules::path_codes(path);
    (codes.len() >= 2).then(|| format!("/{}/", codes[..2].join("/")))
}

pub async fn categories(ctx: &Ctx) -> Result<Vec<Category>> {
    ctx.lists.categories().await
}

async fn category(ctx: &Ctx, code: &str, c: &mut Checker) -> Result<Option<Category>> {
    let found = ctx
        .lists
        .categories()
        .await?
        .into_iter()
        .find(|k| k.code == code.trim());
    if found.is_none() {
        c.add("category", "类别不存在", "unknown category");
    }
    Ok(found)
}

/// Where a unit lies for distances: the centroid of its grid, or for a unit above the
/// grids (community, sub-district) the mean of its grids' centroids.
pub async fn location(ctx: &Ctx, unit: &OrgUnit) -> Result<Option<(f64, f64)>> {
    let grid_code = (unit.code.len() >= UnitKind::Grid.code_len())
        .then(|| unit.code[..UnitKind::Grid.code_len()].to_string());
    if let Some(code) = grid_code {
        let grid = if unit.kind == UnitKind::Grid {
            Some(unit.clone())
        } else {
            ctx.org.unit_by_code(&code).await?
        };
        return Ok(grid
            .and_then(|g| g.boundary)
            .map(|b| b.centroid())
            .map(|p| (p.x, p.y)));
    }
    let grids = ctx
        .org
        .units_in(&unit.path, UnitKind::Grid, 100_000)
        .await?;
    let pts: Vec<_> = grids
        .iter()
        .filter_map(|g| g.boundary.as_ref().map(|b| b.centroid()))
        .collect();
    if pts.is_empty() {
        return Ok(None);
    }
    let n = pts.len() as f64;
    Ok(Some((
        pts.iter().map(|p| p.x).sum::<f64>() / n,
        pts.iter().map(|p| p.y).sum::<f64>() / n,
    )))
}

fn check_date(c: &mut Checker, field: &str, s: &str, required: bool) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        if required {
            c.add(field, "请填写日期", "a date is required");
        }
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            c.add(field, "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD");
            None
        }
    }
}

fn check_week(c: &mut Checker, days: &[u8], from: &str, to: &str) -> Week {
    if days.iter().any(|d| !(1..=7).contains(d)) {
        c.add(
            "weekdays",
            "星期应为 1（周一）到 7（周日）",
            "weekdays are 1 (Monday) to 7 (Sunday)",
        );
    }
    let from = if from.trim().is_empty() {
        "00:00"
    } else {
        from.trim()
    };
    let to = if to.trim().is_empty() {
        "24:00"
    } else {
        to.trim()
    };
    match (rules::minutes(from), rules::minutes(to)) {
        (Some(a), Some(b)) if a < b => {}
        (Some(_), Some(_)) => c.add(
            "time_to",
            "结束时间应晚于开始时间",
            "the end time must be after the start",
        ),
        (None, _) => c.add("time_from", "时间格式应为 HH:MM", "times are HH:MM"),
        (_, None) => c.add("time_to", "时间格式应为 HH:MM", "times are HH:MM"),
    }
    let mut days: Vec<u8> = days
        .iter()
        .copied()
        .filter(|d| (1..=7).contains(d))
        .collect();
    days.sort_unstable();
    days.dedup();
    Week {
        weekdays: days,
        from: from.to_string(),
        to: to.to_string(),
    }
}

fn parse_days_field(v: &DaysInput) -> Vec<u8> {
    match v {
        DaysInput::List(xs) => xs.clone(),
        DaysInput::Text(s) => s
            .split([',', ' ', '，'])
            .filter(|x| !x.trim().is_empty())
            .map(|x| x.trim().parse::<u8>().unwrap_or(0))
            .collect(),
    }
}

/// Weekdays as a list `[1, 3]` or text `"1,3"`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum DaysInput {
    List(Vec<u8>),
    Text(String),
}

impl Default for DaysInput {
    fn default() -> Self {
        DaysInput::List(vec![])
    }
}

/// A need as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct NeedInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// The place (grid, estate or building); from an appeal, the case's place if absent.
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub beneficiary: String,
    #[serde(default)]
    pub beneficiaries: Option<i64>,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub date_from: String,
    #[serde(default)]
    pub date_to: String,
    #[serde(default)]
    pub weekdays: DaysInput,
    #[serde(default)]
    pub time_from: String,
    #[serde(default)]
    pub time_to: String,
    #[serde(default)]
    pub urgency: Option<i64>,
    /// Who asked, when staff record it for someone.
    #[serde(default)]
    pub requester: String,
    /// Turn an appeal case into this need.
    #[serde(default)]
    pub case_number: String,
}

/// Records a need (需求清单).
pub async fn record_need(ctx: &Ctx, actor: &Actor, input: NeedInput) -> Result<Need> {
    if !(is_staff(actor.role) || actor.role == Role::Resident) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    check_text(&mut c, "title", &input.title, true, 60);
    check_text(&mut c, "detail", &input.detail, false, 1000);
    check_text(&mut c, "beneficiary", &input.beneficiary, true, 40);
    check_text(&mut c, "requester", &input.requester, false, 40);
    let cat = category(ctx, &input.category, &mut c).await?;
    let quantity = input.quantity.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        c.add(
            "quantity",
            "数量应为 1 到 100000",
            "quantity must be 1 to 100000",
        );
    }
    let beneficiaries = input.beneficiaries.unwrap_or(1);
    if !(1..=100_000).contains(&beneficiaries) {
        c.add(
            "beneficiaries",
            "受益人数应为 1 到 100000",
            "beneficiaries must be 1 to 100000",
        );
    }
    let urgency = input.urgency.unwrap_or(3);
    if !(1..=5).contains(&urgency) {
        c.add("urgency", "紧急程度应为 1 到 5", "urgency must be 1 to 5");
    }
    let from = check_date(&mut c, "date_from", &input.date_from, false).unwrap_or(today(ctx));
    let to = check_date(&mut c, "date_to", &input.date_to, false)
        .unwrap_or(from + chrono::Duration::days(90));
    if to < from {
        c.add(
            "date_to",
            "结束日期不能早于开始日期",
            "the end date must not be before the start",
        );
    }
    let week = check_week(
        &mut c,
        &parse_days_field(&input.weekdays),
        &input.time_from,
        &input.time_to,
    );

    // From an appeal: the case must exist, be in reach and not turned already.
    let case_number = input.case_number.trim().to_string();
    let mut case_place = None;
    if !case_number.is_empty() {
        if !is_staff(actor.role) {
            return Err(DomainError::Forbidden);
        }
        match ctx.appeals.case_by_number(&case_number).await? {
            Some(case) if actor.reaches(&case.path) => {
                if ctx.lists.need_by_case(&case_number).await?.is_some() {
                    c.add(
                        "case_number",
                        "该诉求已转为需求",
                        "this case was already turned into a need",
                    );
                }
                case_place = Some(case.building_id.or(case.estate_id).unwrap_or(case.grid_id));
            }
            _ => c.add("case_number", "诉求编号不存在", "no such case"),
        }
    }
    let unit_id = input.unit_id.or(case_place);
    let mut place = None;
    match unit_id {
        None => c.add(
            "unit_id",
            "请选择需求所在的网格、小区或楼栋",
            "choose the grid, estate or building",
        ),
        Some(id) => match ctx.org.unit(id).await? {
            Some(u) if actor.reaches(&u.path) => {
                if !matches!(
                    u.kind,
                    UnitKind::Grid | UnitKind::Estate | UnitKind::Building
                ) {
                    c.add(
                        "unit_id",
                        "需求地点应为网格、小区或楼栋",
                        "the place must be a grid, estate or building",
                    );
                } else {
                    place = Some(u);
                }
            }
            _ => c.add(
                "unit_id",
                "地点不存在或不在您的范围内",
                "no such place in your reach",
            ),
        },
    }
    let loc = match &place {
        Some(u) => {
            let l = location(ctx, u).await?;
            if l.is_none() {
                c.add(
                    "unit_id",
                    "该地点所在网格尚未划定边界，无法计算距离",
                    "the place's grid has no boundary to measure distances from",
                );
            }
            l
        }
        None => None,
    };
    c.finish()?;
    let (Some(cat), Some(place), Some((lon, lat))) = (cat, place, loc) else {
        return Err(DomainError::internal("checked need lacks a part"));
    };
    let source = if !case_number.is_empty() {
        NeedSource::Appeal
    } else {
        match actor.role {
            Role::Resident => NeedSource::Resident,
            Role::GridWorker => NeedSource::Grid,
            _ => NeedSource::Staff,
        }
    };
    let requester = match input.requester.trim() {
        "" => actor.display_name.clone(),
        r => r.to_string(),
    };
    let new = NewNeed {
        category: cat.code,
        title: input.title.trim().to_string(),
        detail: input.detail.trim().to_string(),
        unit_id: place.id,
        path: place.path.clone(),
        lon,
        lat,
        beneficiary: input.beneficiary.trim().to_string(),
        beneficiaries,
        quantity,
        date_from: from.format("%Y-%m-%d").to_string(),
        date_to: to.format("%Y-%m-%d").to_string(),
        week,
        urgency,
        source,
        case_number: (!case_number.is_empty()).then_some(case_number),
        created_by: (actor.user_id != 0).then_some(actor.user_id),
        created_name: actor.display_name.clone(),
        created_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(actor, "lists.record_need", "need", 0, &place.path)
        .after(serde_json::json!({
            "category": new.category, "title": new.title, "unit_id": new.unit_id,
            "quantity": new.quantity, "urgency": new.urgency, "source": new.source,
            "case_number": new.case_number, "beneficiary": new.beneficiary,
        }));
    ctx.lists.insert_need(new, &requester, audit).await
}

/// Whether the actor may see a need.
fn can_see_need(actor: &Actor, n: &Need) -> bool {
    (is_staff(actor.role) && actor.reaches(&n.path))
        || (actor.role == Role::Resident
            && actor.user_id != 0
            && n.created_by == Some(actor.user_id))
}

pub async fn need(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Need> {
    match ctx.lists.need(id).await? {
        Some(n) if can_see_need(actor, &n) => Ok(n),
        _ => Err(DomainError::NotFound("need")),
    }
}

/// A need's page: who asked, its matches, and the resources that could meet it.
#[derive(Debug, Clone, Serialize)]
pub struct NeedPage {
    pub need: Need,
    pub requesters: Vec<Requester>,
    pub matches: Vec<Match>,
    pub candidates: Vec<Candidate>,
    pub can_manage: bool,
    /// Open needs of the same category in the same community (to merge).
    pub similar: Vec<Need>,
}

/// A resource that could meet a need, with the terms of its value.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub resource: Resource,
    pub terms: Terms,
    /// Whether the engine would consider it (a positive value).
    pub eligible: bool,
}

pub async fn need_page(ctx: &Ctx, actor: &Actor, id: i64) -> Result<NeedPage> {
    let need = need(ctx, actor, id).await?;
    let requesters = ctx.lists.requesters(id).await?;
    let staff = is_staff(actor.role);
    let matches = ctx
        .lists
        .matches(&MatchQuery {
            path: "/".into(),
            need_id: Some(id),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let manage = can_manage(actor, &need.path);
    let candidates = if staff {
        candidates_for(ctx, &need).await?
    } else {
        vec![]
    };
    let similar = match (
        manage && need.status == NeedStatus::Open,
        community_path(&need.path),
    ) {
        (true, Some(cp)) => ctx
            .lists
            .needs(&NeedQuery {
                path: cp,
                status: Some(NeedStatus::Open),
                category: Some(need.category.clone()),
                limit: 100,
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|n| n.id != need.id && n.met == 0)
            .collect(),
        _ => vec![],
    };
    Ok(NeedPage {
        need,
        requesters,
        matches,
        candidates,
        can_manage: manage,
        similar,
    })
}

/// Resources that could serve the need (eligible first, best value first), and the
/// others of the same category group for a manual choice.
pub async fn candidates_for(ctx: &Ctx, need: &Need) -> Result<Vec<Candidate>> {
    let cats = ctx.lists.categories().await?;
    let group = |code: &str| cats.iter().find(|c| c.code == code).map(|c| c.grp.clone());
    let ngroup = group(&need.category);
    let lat0 = need.lat;
    let mut out = vec![];
    for r in ctx.lists.resources(true, 1_000_000).await? {
        let same_group = group(&r.category) == ngroup;
        let np = need_point(need, 0, 0, lat0);
        let rp = resource_point(&r, 0, 0, lat0);
        let t = rules::terms(&np, &rp);
        let eligible = t.is_some();
        if !eligible && !same_group {
            continue;
        }
        let terms = t.unwrap_or_else(|| {
            let d = ((np.x - rp.x).powi(2) + (np.y - rp.y).powi(2)).sqrt();
            let fit = if r.category == need.category {
                Fit::Exact
            } else {
                Fit::Related
            };
            rules::explain(need.urgency as u8, fit, d, r.radius_m as f64, 0)
        });
        out.push(Candidate {
            resource: r,
            terms,
            eligible,
        });
    }
    out.sort_by(|a, b| {
        b.eligible
            .cmp(&a.eligible)
            .then(b.terms.value.cmp(&a.terms.value))
            .then(a.terms.distance_m.cmp(&b.terms.distance_m))
    });
    out.truncate(30);
    Ok(out)
}

/// Needs in the actor's reach (residents: their own).
pub async fn needs(
    ctx: &Ctx,
    actor: &Actor,
    status: Option<NeedStatus>,
    category: Option<String>,
    limit: i64,
) -> Result<Vec<Need>> {
    let q = if actor.role == Role::Resident {
        NeedQuery {
            path: "/".into(),
            status,
            category,
            created_by: Some(actor.user_id),
            limit,
        }
    } else if is_staff(actor.role) {
        NeedQuery {
            path: actor.scope_path.clone(),
            status,
            category,
            created_by: None,
            limit,
        }
    } else {
        return Err(DomainError::Forbidden);
    };
    ctx.lists.needs(&q).await
}

/// Merges similar needs of one place into one, keeping who asked: the quantity is the
/// sum, the urgency the highest.
pub async fn merge_needs(ctx: &Ctx, actor: &Actor, target: i64, others: &[i64]) -> Result<Need> {
    let t = need(ctx, actor, target).await?;
    if !can_manage(actor, &t.path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    let ids: HashSet<i64> = others.iter().copied().filter(|&i| i != target).collect();
    if ids.is_empty() {
        c.add("others", "请选择要合并的需求", "choose the needs to merge");
    }
    if t.status != NeedStatus::Open {
        c.add(
            "target",
            "只能合并到待对接的需求",
            "only an open need can take others",
        );
    }
    let mut rows = vec![];
    for id in &ids {
        match ctx.lists.need(*id).await? {
            Some(n) if actor.reaches(&n.path) => {
                if n.status != NeedStatus::Open || n.met > 0 {
                    c.push(FieldError::new(
                        "others",
                        format!("需求 {} 已对接或已关闭，不能合并", n.id),
                        format!("need {} is already matched or closed", n.id),
                    ));
                } else if n.category != t.category {
                    c.push(FieldError::new(
                        "others",
                        format!("需求 {} 类别不同", n.id),
                        format!("need {} is of another category", n.id),
                    ));
                } else if community_path(&n.path) != community_path(&t.path) {
                    c.push(FieldError::new(
                        "others",
                        format!("需求 {} 不在同一社区", n.id),
                        format!("need {} is in another community", n.id),
                    ));
                } else {
                    rows.push(n);
                }
            }
            _ => c.push(FieldError::new(
                "others",
                format!("需求 {id} 不存在"),
                format!("no need {id}"),
            )),
        }
    }
    c.finish()?;
    let quantity = t.quantity + rows.iter().map(|n| n.quantity).sum::<i64>();
    if quantity > MAX_QUANTITY {
        return Err(DomainError::field(
            "others",
            "合并后数量过大",
            "the merged quantity is too large",
        ));
    }
    let urgency = rows.iter().map(|n| n.urgency).fold(t.urgency, i64::max);
    let audit = ctx
        .event(actor, "lists.merge_needs", "need", t.id, &t.path)
        .before(serde_json::json!({"quantity": t.quantity, "urgency": t.urgency}))
        .after(serde_json::json!({"quantity": quantity, "urgency": urgency, "merged": rows.iter().map(|n| n.id).collect::<Vec<_>>()}));
    let others: Vec<(i64, i64)> = rows.iter().map(|n| (n.id, n.version)).collect();
    ctx.lists
        .merge_needs((t.id, t.version), &others, quantity, urgency, audit)
        .await
}

/// Closes an open need (no longer wanted).
pub async fn close_need(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Need> {
    let n = need(ctx, actor, id).await?;
    let own = actor.role == Role::Resident && n.created_by == Some(actor.user_id);
    if !(own
        || can_manage(actor, &n.path)
        || (actor.role == Role::GridWorker && actor.reaches(&n.path)))
    {
        return Err(DomainError::Forbidden);
    }
    if n.status != NeedStatus::Open {
        return Err(DomainError::rule(
            "只能关闭待对接的需求",
            "only an open need can be closed",
        ));
    }
    let audit = ctx
        .event(actor, "lists.close_need", "need", n.id, &n.path)
        .before(serde_json::json!({"status": n.status}))
        .after(serde_json::json!({"status": NeedStatus::Closed}));
    ctx.lists.close_need(n.id, n.version, audit).await
}

/// A resource as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ResourceInput {
    #[serde(default)]
    pub provider_kind: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub party_org_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub radius_m: Option<i64>,
    #[serde(default)]
    pub weekdays: DaysInput,
    #[serde(default)]
    pub time_from: String,
    #[serde(default)]
    pub time_to: String,
    #[serde(default)]
    pub date_from: String,
    #[serde(default)]
    pub date_to: String,
    /// Yuan; empty or 0 = free.
    #[serde(default)]
    pub cost: String,
    #[serde(default)]
    pub contact: String,
}

/// Yuan text (`12.5`) to cents.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 10 {
        return None;
    }
    if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    Some(w * 100 + f)
}

pub fn yuan(cents: i64) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

/// Records a resource (资源清单) of a resident unit, co-building organisation,
/// merchant, social organisation or volunteer.
pub async fn add_resource(ctx: &Ctx, actor: &Actor, input: ResourceInput) -> Result<Resource> {
    require(actor, Verb::EditOrg)?;
    let mut c = Checker::new();
    check_text(&mut c, "name", &input.name, true, 60);
    check_text(&mut c, "provider", &input.provider, true, 60);
    check_text(&mut c, "detail", &input.detail, false, 1000);
    check_text(&mut c, "contact", &input.contact, false, 60);
    let kind = ProviderKind::parse(&input.provider_kind);
    match kind {
        None => c.add(
            "provider_kind",
            "请选择提供方类型",
            "choose the kind of provider",
        ),
        Some(ProviderKind::PartyMember) => c.add(
            "provider_kind",
            "党员服务请在党员服务清单中登记",
            "party members' services are recorded as their commitments",
        ),
        _ => {}
    }
    let cat = category(ctx, &input.category, &mut c).await?;
    let capacity = input.capacity.unwrap_or(0);
    if !(1..=MAX_QUANTITY).contains(&capacity) {
        c.add(
            "capacity",
            "容量应为 1 到 100000",
            "capacity must be 1 to 100000",
        );
    }
    let period = match input.period.trim() {
        "" | "month" => "month",
        "week" => "week",
        "once" => "once",
        _ => {
            c.add(
                "period",
                "周期应为 月、周 或 一次性",
                "period is month, week or once",
            );
            "month"
        }
    };
    let radius = input.radius_m.unwrap_or(0);
    if !(100..=MAX_RADIUS_M).contains(&radius) {
        c.add(
            "radius_m",
            "服务半径应为 100 到 50000 米",
            "the radius must be 100 to 50000 metres",
        );
    }
    let from = check_date(&mut c, "date_from", &input.date_from, false);
    let to = check_date(&mut c, "date_to", &input.date_to, false);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        c.add(
            "date_to",
            "结束日期不能早于开始日期",
            "the end date must not be before the start",
        );
    }
    let week = check_week(
        &mut c,
        &parse_days_field(&input.weekdays),
        &input.time_from,
        &input.time_to,
    );
    let cost = parse_yuan(&input.cost);
    if cost.is_none() {
        c.add(
            "cost",
            "费用应为金额（元），免费填 0",
            "cost is an amount in yuan, 0 when free",
        );
    }
    if let Some(pid) = input.party_org_id
        && ctx.party.org(pid).await?.is_none()
    {
        c.add("party_org_id", "党组织不存在", "no such party organisation");
    }
    let mut base = None;
    match input.unit_id {
        None => c.add(
            "unit_id",
            "请选择资源所在地",
            "choose where the resource is based",
        ),
        Some(id) => match ctx.org.unit(id).await? {
            Some(u) if actor.reaches(&u.path) => base = Some(u),
            _ => c.add(
                "unit_id",
                "地点不存在或不在您的范围内",
                "no such place in your reach",
            ),
        },
    }
    let loc = match &base {
        Some(u) => {
            let l = location(ctx, u).await?;
            if l.is_none() {
                c.add(
                    "unit_id",
                    "该地点没有可用的网格边界",
                    "the place has no grid boundary",
                );
            }
            l
        }
        None => None,
    };
    c.finish()?;
    let (Some(kind), Some(cat), Some(base), Some((lon, lat)), Some(cost)) =
        (kind, cat, base, loc, cost)
    else {
        return Err(DomainError::internal("checked resource lacks a part"));
    };
    let new = NewResource {
        source: ResourceSource::Own,
        source_id: None,
        provider_kind: kind,
        provider: input.provider.trim().to_string(),
        party_org_id: input.party_org_id,
        name: input.name.trim().to_string(),
        category: cat.code,
        detail: input.detail.trim().to_string(),
        capacity,
        period: period.to_string(),
        unit_id: base.id,
        path: base.path.clone(),
        lon,
        lat,
        radius_m: radius,
        week,
        date_from: from
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        date_to: to
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        cost_cents: cost,
        contact: input.contact.trim().to_string(),
        active: true,
    };
    let audit = ctx
        .event(actor, "lists.add_resource", "resource", 0, &base.path)
        .after(serde_json::json!({"name": new.name, "provider": new.provider, "category": new.category, "capacity": new.capacity, "radius_m": new.radius_m, "unit_id": new.unit_id}));
    ctx.lists.insert_resource(new, audit).await
}

/// Whether a staff member sees a resource: based in their reach, or above it (a
/// sub-district alliance's resource serves its communities).
fn can_see_resource(actor: &Actor, r: &Resource) -> bool {
    is_staff(actor.role) && (actor.reaches(&r.path) || actor.scope_path.starts_with(&r.path))
}

pub async fn resources(ctx: &Ctx, actor: &Actor, include_inactive: bool) -> Result<Vec<Resource>> {
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    Ok(ctx
        .lists
        .resources(!include_inactive, 1_000_000)
        .await?
        .into_iter()
        .filter(|r| can_see_resource(actor, r))
        .collect())
}

pub async fn resource(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Resource> {
    match ctx.lists.resource(id).await? {
        Some(r) if can_see_resource(actor, &r) => Ok(r),
        _ => Err(DomainError::NotFound("resource")),
    }
}

pub async fn set_resource_active(ctx: &Ctx, actor: &Actor, id: i64, active: bool) -> Result<()> {
    let r = resource(ctx, actor, id).await?;
    require_in_scope(actor, Verb::EditOrg, &r.path)?;
    if r.source != ResourceSource::Own {
        return Err(DomainError::rule(
            "党员服务和联盟资源请在党组织页面中停用",
            "party commitments and alliance resources are changed on the party pages",
        ));
    }
    let audit = ctx
        .event(
            actor,
            "lists.set_resource_active",
            "resource",
            r.id,
            &r.path,
        )
        .before(serde_json::json!({"active": r.active}))
        .after(serde_json::json!({"active": active}));
    ctx.lists
        .set_resource_active(r.id, r.version, active, audit)
        .await
}

/// Mirrors the party capability's resources into the resource list (upsert by source
/// id; ones that ended are deactivated): every active 党员服务清单 commitment, based
/// at its community within [`COMMITMENT_RADIUS_M`], and every alliance shared resource,
/// based at the alliance's sub-district (or the district). Categories map through the
/// category list's `party_service_code` / `party_resource_code`.
pub async fn sync_party_resources(ctx: &Ctx, actor: &Actor) -> Result<(u64, u64, u64)> {
    let cats = ctx.lists.categories().await?;
    let by_service: HashMap<&str, &str> = cats
        .iter()
        .filter_map(|c| {
            c.party_service_code
                .as_deref()
                .map(|p| (p, c.code.as_str()))
        })
        .collect();
    let by_resource: HashMap<&str, &str> = cats
        .iter()
        .filter_map(|c| {
            c.party_resource_code
                .as_deref()
                .map(|p| (p, c.code.as_str()))
        })
        .collect();
    let mut units: HashMap<i64, Place> = HashMap::new();
    let mut out = vec![];
    let mut member_org: HashMap<i64, Option<i64>> = HashMap::new();
    for root in ctx.org.roots().await? {
        for cm in ctx.party.commitments_in(&root.path, 1_000_000).await? {
            let Some(&cat) = by_service.get(cm.category.as_str()) else {
                continue;
            };
            let Some((u, Some((lon, lat)))) = place_of(ctx, &mut units, cm.community_id).await?
            else {
                continue;
            };
            let org = match member_org.get(&cm.member_id) {
                Some(o) => *o,
                None => {
                    let o = ctx.party.member(cm.member_id).await?.map(|m| m.org_id);
                    member_org.insert(cm.member_id, o);
                    o
                }
            };
            out.push(NewResource {
                source: ResourceSource::Commitment,
                source_id: Some(cm.id),
                provider_kind: ProviderKind::PartyMember,
                provider: format!("{}（党员）", cm.member_name),
                party_org_id: org,
                name: cm.description.clone(),
                category: cat.to_string(),
                detail: format!("党员服务清单 · {}", cm.capacity_kind.label_zh()),
                capacity: cm.capacity,
                period: "month".into(),
                unit_id: u.id,
                path: u.path.clone(),
                lon,
                lat,
                radius_m: COMMITMENT_RADIUS_M,
                week: Week {
                    weekdays: cm.availability.weekdays.clone(),
                    from: cm.availability.from.clone(),
                    to: cm.availability.to.clone(),
                },
                date_from: String::new(),
                date_to: String::new(),
                cost_cents: 0,
                contact: String::new(),
                active: cm.active,
            });
        }
    }
    for a in ctx.party.alliances().await? {
        let members = ctx.party.alliance_members(a.id).await?;
        let Some((u, Some((lon, lat)))) = place_of(ctx, &mut units, a.unit_id).await? else {
            continue;
        };
        let radius = if u.kind == UnitKind::District {
            DISTRICT_RADIUS_M
        } else {
            ALLIANCE_RADIUS_M
        };
        for r in ctx.party.resources(a.id).await? {
            let Some(&cat) = by_resource.get(r.category.as_str()) else {
                continue;
            };
            let m = members.iter().find(|m| m.id == r.member_id);
            let kind = match m.map(|m| m.kind) {
                Some(crate::party::MemberKind::PartyOrg) => ProviderKind::CoBuilding,
                Some(crate::party::MemberKind::ResidentUnit) => ProviderKind::ResidentUnit,
                Some(crate::party::MemberKind::SocialOrg) => ProviderKind::SocialOrg,
                Some(crate::party::MemberKind::Merchant) => ProviderKind::Merchant,
                _ => ProviderKind::AllianceMember,
            };
            out.push(NewResource {
                source: ResourceSource::Alliance,
                source_id: Some(r.id),
                provider_kind: kind,
                provider: r.member_name.clone(),
                party_org_id: m.and_then(|m| m.org_id),
                name: r.name.clone(),
                category: cat.to_string(),
                detail: format!("{} · {}{}", a.name, r.capacity, r.capacity_unit),
                capacity: r.capacity,
                period: "month".into(),
                unit_id: u.id,
                path: u.path.clone(),
                lon,
                lat,
                radius_m: radius,
                week: Week {
                    weekdays: r.availability.weekdays.clone(),
                    from: r.availability.from.clone(),
                    to: r.availability.to.clone(),
                },
                date_from: String::new(),
                date_to: String::new(),
                cost_cents: 0,
                contact: String::new(),
                active: r.active,
            });
        }
    }
    let audit = ctx.event(actor, "lists.sync_resources", "resource", "party", "/");
    ctx.lists.sync_resources(out, audit).await
}

/// A unit and its location, cached while mirroring.
type Place = (Unit, Option<(f64, f64)>);

/// What mirroring needs of a unit (no boundary).
#[derive(Debug, Clone)]
struct Unit {
    id: i64,
    path: String,
    kind: UnitKind,
}

async fn place_of(ctx: &Ctx, cache: &mut HashMap<i64, Place>, id: i64) -> Result<Option<Place>> {
    if let Some(p) = cache.get(&id) {
        return Ok(Some(p.clone()));
    }
    let Some(u) = ctx.org.unit(id).await? else {
        return Ok(None);
    };
    let l = location(ctx, &u).await?;
    let p = (
        Unit {
            id: u.id,
            path: u.path.clone(),
            kind: u.kind,
        },
        l,
    );
    cache.insert(id, p.clone());
    Ok(Some(p))
}

/// Sync on request (staff who may edit the organisation).
pub async fn sync(ctx: &Ctx, actor: &Actor) -> Result<(u64, u64, u64)> {
    require(actor, Verb::EditOrg)?;
    sync_party_resources(ctx, actor).await
}

fn days_of(s: &str, default: i32) -> i32 {
    rules::day_number(s).unwrap_or(default)
}

fn need_point(n: &Need, cat: u16, grp: u16, lat0: f64) -> NeedPoint {
    let (x, y) = rules::project(n.lon, n.lat, lat0);
    NeedPoint {
        category: cat,
        group: grp,
        x,
        y,
        urgency: n.urgency.clamp(1, 5) as u8,
        quantity: n.remaining().min(i32::MAX as i64) as i32,
        day_from: days_of(&n.date_from, i32::MIN / 2),
        day_to: days_of(&n.date_to, i32::MAX / 2),
        weekdays: rules::weekday_mask(&n.week.weekdays),
        time_from: rules::minutes(&n.week.from).unwrap_or(0),
        time_to: rules::minutes(&n.week.to).unwrap_or(1440),
    }
}

fn resource_point(r: &Resource, cat: u16, grp: u16, lat0: f64) -> ResourcePoint {
    let (x, y) = rules::project(r.lon, r.lat, lat0);
    ResourcePoint {
        category: cat,
        group: grp,
        x,
        y,
        radius_m: r.radius_m as f64,
        capacity: r.remaining().min(i32::MAX as i64) as i32,
        day_from: days_of(&r.date_from, i32::MIN / 2),
        day_to: days_of(&r.date_to, i32::MAX / 2),
        weekdays: rules::weekday_mask(&r.week.weekdays),
        time_from: rules::minutes(&r.week.from).unwrap_or(0),
        time_to: rules::minutes(&r.week.to).unwrap_or(1440),
    }
}

/// Category and group numbers for the engine.
struct CatIndex {
    idx: HashMap<String, (u16, u16)>,
}

impl CatIndex {
    fn new(cats: &[Category]) -> CatIndex {
        let mut groups: HashMap<&str, u16> = HashMap::new();
        let mut idx = HashMap::new();
        for (i, c) in cats.iter().enumerate() {
            let n = groups.len() as u16;
            let g = *groups.entry(c.grp.as_str()).or_insert(n);
            idx.insert(c.code.clone(), (i as u16, g));
        }
        CatIndex { idx }
    }
    fn get(&self, code: &str) -> (u16, u16) {
        // An unknown code gets a group of its own (it fits nothing else).
        self.idx.get(code).copied().unwrap_or((u16::MAX, u16::MAX))
    }
}

/// The instance the engine solves for a scope.
struct Instance {
    needs: Vec<Need>,
    resources: Vec<Resource>,
    points: Vec<NeedPoint>,
    rpoints: Vec<ResourcePoint>,
    problem: Problem,
}

/// Open needs in the scope against all active resources, with what is left of each:
/// accepted matches take their quantity and capacity for good, proposals for needs
/// outside the scope keep theirs, rejected pairs are left out.
async fn instance(ctx: &Ctx, scope_path: &str) -> Result<Instance> {
    let cats = CatIndex::new(&ctx.lists.categories().await?);
    let needs: Vec<Need> = ctx
        .lists
        .needs(&NeedQuery {
            path: scope_path.to_string(),
            status: Some(NeedStatus::Open),
            limit: 10_000_000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|n| n.remaining() > 0)
        .collect();
    let mut resources = ctx.lists.resources(true, 10_000_000).await?;
    // Capacity promised to needs outside this scope stays with them.
    let outside = ctx
        .lists
        .matches(&MatchQuery {
            path: "/".into(),
            status: Some(MatchStatus::Proposed),
            limit: 10_000_000,
            ..Default::default()
        })
        .await?;
    let mut held: HashMap<i64, i64> = HashMap::new();
    for m in outside
        .iter()
        .filter(|m| !m.need_path.starts_with(scope_path))
    {
        *held.entry(m.resource_id).or_default() += m.quantity;
    }
    for r in &mut resources {
        r.used += held.get(&r.id).copied().unwrap_or(0);
    }
    let lat0 = if needs.is_empty() {
        39.67
    } else {
        needs.iter().map(|n| n.lat).sum::<f64>() / needs.len() as f64
    };
    let points: Vec<NeedPoint> = needs
        .iter()
        .map(|n| {
            let (c, g) = cats.get(&n.category);
            need_point(n, c, g, lat0)
        })
        .collect();
    let rpoints: Vec<ResourcePoint> = resources
        .iter()
        .map(|r| {
            let (c, g) = cats.get(&r.category);
            resource_point(r, c, g, lat0)
        })
        .collect();
    let rejected: HashSet<(i64, i64)> = ctx.lists.rejected_pairs().await?.into_iter().collect();
    let edges = rules::build_edges(&points, &rpoints, CELL_M, |i, j| {
        !rejected.contains(&(needs[i as usize].id, resources[j as usize].id))
    });
    let problem = Problem {
        quantity: points.iter().map(|p| p.quantity).collect(),
        capacity: rpoints.iter().map(|r| r.capacity).collect(),
        edges,
    };
    Ok(Instance {
        needs,
        resources,
        points,
        rpoints,
        problem,
    })
}

/// The unit a run covers: the chosen one in reach, else the actor's own.
async fn scope_unit(ctx: &Ctx, actor: &Actor, unit_id: Option<i64>) -> Result<OrgUnit> {
    let id = unit_id.unwrap_or(actor.scope_unit_id);
    if id == 0 {
        return ctx
            .org
            .roots()
            .await?
            .into_iter()
            .next()
            .ok_or(DomainError::NotFound("unit"));
    }
    match ctx.org.unit(id).await? {
        Some(u) if actor.reaches(&u.path) => Ok(u),
        _ => Err(DomainError::NotFound("unit")),
    }
}

/// Runs the engine over the open needs of a unit's subtree: mirrors the party
/// resources, solves the optimal assignment and replaces the scope's proposals.
/// Accepted matches stay as they are and rejected pairs stay out.
pub async fn run_engine(ctx: &Ctx, actor: &Actor, unit_id: Option<i64>) -> Result<Run> {
    let unit = scope_unit(ctx, actor, unit_id).await?;
    require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    sync_party_resources(ctx, actor).await?;
    run_in(ctx, actor, &unit.path).await
}

async fn run_in(ctx: &Ctx, actor: &Actor, scope_path: &str) -> Result<Run> {
    let started = std::time::Instant::now();
    let inst = instance(ctx, scope_path).await?;
    let sol = matching::solve(&inst.problem);
    let mut proposals = vec![];
    for (e, &f) in inst.problem.edges.iter().zip(&sol.flow) {
        if f <= 0 {
            continue;
        }
        let (i, j) = (e.need as usize, e.resource as usize);
        let Some(terms) = rules::terms(&inst.points[i], &inst.rpoints[j]) else {
            continue;
        };
        proposals.push(NewMatch {
            need_id: inst.needs[i].id,
            resource_id: inst.resources[j].id,
            quantity: f as i64,
            status: MatchStatus::Proposed,
            manual: false,
            terms,
            note: String::new(),
        });
    }
    let run = NewRun {
        scope_path: scope_path.to_string(),
        needs: inst.needs.len() as i64,
        resources: inst.resources.len() as i64,
        edges: inst.problem.edges.len() as i64,
        total_value: sol.total_value,
        elapsed_ms: started.elapsed().as_millis() as i64,
        created_ms: ctx.now_ms(),
        actor_login: actor.login.clone(),
    };
    let audit = ctx
        .event(actor, "lists.run", "run", 0, scope_path)
        .after(serde_json::json!({"needs": run.needs, "resources": run.resources, "edges": run.edges, "proposals": proposals.len(), "total_value": run.total_value}));
    ctx.lists.save_run(run, proposals, audit).await
}

/// Re-runs the engine for the community of a need after a change (incremental: only
/// that community's proposals are recomputed; accepted ones are fixed).
async fn rerun_for(ctx: &Ctx, actor: &Actor, path: &str) -> Result<()> {
    let scope = community_path(path).unwrap_or_else(|| path.to_string());
    run_in(ctx, actor, &scope).await.map(|_| ())
}

/// Needs and proposed matches in the actor's reach, counted by the database.
pub async fn counts(ctx: &Ctx, actor: &Actor) -> Result<ListCounts> {
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    ctx.lists.counts(&actor.scope_path).await
}

/// Matches in the actor's reach.
pub async fn matches(
    ctx: &Ctx,
    actor: &Actor,
    status: Option<MatchStatus>,
    limit: i64,
) -> Result<Vec<Match>> {
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    ctx.lists
        .matches(&MatchQuery {
            path: actor.scope_path.clone(),
            status,
            limit,
            ..Default::default()
        })
        .await
}

pub async fn runs(ctx: &Ctx, actor: &Actor) -> Result<Vec<Run>> {
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    Ok(ctx
        .lists
        .runs(50)
        .await?
        .into_iter()
        .filter(|r| actor.reaches(&r.scope_path) || actor.scope_path.starts_with(&r.scope_path))
        .collect())
}

async fn match_in_reach(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Match> {
    match ctx.lists.match_by_id(id).await? {
        Some(m) if is_staff(actor.role) && actor.reaches(&m.need_path) => Ok(m),
        _ => Err(DomainError::NotFound("match")),
    }
}

/// Where an accepted match goes: into an existing project, or a new one.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ProjectInput {
    /// Join this project.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// For a new project: its title (default: the need's), owner organisation
    /// (default: the provider), optional party organisation, planned budget (yuan).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub owner_party_org_id: Option<i64>,
    #[serde(default)]
    pub budget: String,
}

async fn project_choice(
    ctx: &Ctx,
    actor: &Actor,
    need: &Need,
    res: &Resource,
    quantity: i64,
    input: &ProjectInput,
) -> Result<ProjectChoice> {
    let mut c = Checker::new();
    if let Some(pid) = input.project_id {
        match ctx.lists.project(pid).await? {
            Some(p) if actor.reaches(&p.path) => {
                if p.status != ProjectStatus::Active {
                    c.add(
                        "project_id",
                        "该项目已完成，不能再加入",
                        "that project is completed",
                    );
                }
            }
            _ => c.add("project_id", "项目不存在", "no such project"),
        }
        c.finish()?;
        return Ok(ProjectChoice::Existing(pid));
    }
    check_text(&mut c, "title", &input.title, false, 60);
    check_text(&mut c, "owner_name", &input.owner_name, false, 60);
    let budget = parse_yuan(&input.budget);
    if budget.is_none() {
        c.add(
            "budget",
            "预算应为金额（元）",
            "the budget is an amount in yuan",
        );
    }
    let owner_org = input.owner_party_org_id.or(res.party_org_id);
    if let Some(pid) = input.owner_party_org_id
        && ctx.party.org(pid).await?.is_none()
    {
        c.add(
            "owner_party_org_id",
            "党组织不存在",
            "no such party organisation",
        );
    }
    c.finish()?;
    let owner_name = match input.owner_name.trim() {
        "" => match owner_org {
            Some(o) => ctx
                .party
                .org(o)
                .await?
                .map(|o| o.name)
                .unwrap_or_else(|| res.provider.clone()),
            None => res.provider.clone(),
        },
        s => s.to_string(),
    };
    let place = community_path(&need.path).unwrap_or_else(|| need.path.clone());
    let unit = match ctx
        .org
        .unit_by_code(
            crate::org::rules::path_codes(&place)
                .last()
                .map(String::as_str)
                .unwrap_or(""),
        )
        .await?
    {
        Some(u) => u,
        None => ctx
            .org
            .unit(need.unit_id)
            .await?
            .ok_or(DomainError::NotFound("unit"))?,
    };
    let start = today(ctx);
    let d = |n: i64| {
        (start + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let planned = budget.unwrap_or(0).max(res.cost_cents * quantity);
    Ok(ProjectChoice::New(
        Box::new(NewProject {
            title: match input.title.trim() {
                "" => need.title.clone(),
                t => t.to_string(),
            },
            category: need.category.clone(),
            unit_id: unit.id,
            path: unit.path.clone(),
            owner_name,
            owner_party_org_id: owner_org,
            participants: res.provider.clone(),
            description: format!("{} · {}", need.beneficiary, res.name),
            budget_planned_cents: planned,
            started_on: today_text(ctx),
            created_ms: ctx.now_ms(),
        }),
        vec![
            ("对接确认 · Match confirmed".into(), d(0)),
            ("服务实施 · Service delivered".into(), d(14)),
            ("成效评议 · Results reviewed".into(), d(30)),
        ],
    ))
}

/// Accepts a proposal into a project (new or existing).
pub async fn accept(ctx: &Ctx, actor: &Actor, match_id: i64, input: ProjectInput) -> Result<Match> {
    let m = match_in_reach(ctx, actor, match_id).await?;
    if !can_manage(actor, &m.need_path) {
        return Err(DomainError::Forbidden);
    }
    if m.status != MatchStatus::Proposed {
        return Err(DomainError::conflict(
            "该对接建议已处理或已更新",
            "the proposal was already decided or superseded",
        ));
    }
    let need = ctx
        .lists
        .need(m.need_id)
        .await?
        .ok_or(DomainError::NotFound("need"))?;
    let res = ctx
        .lists
        .resource(m.resource_id)
        .await?
        .ok_or(DomainError::NotFound("resource"))?;
    let choice = project_choice(ctx, actor, &need, &res, m.quantity, &input).await?;
    let audit = ctx
        .event(actor, "lists.accept", "match", m.id, &m.need_path)
        .before(serde_json::json!({"status": m.status}));
    ctx.lists
        .accept(m.id, &actor.login, ctx.now_ms(), choice, audit)
        .await
}

/// Rejects a proposal; the pair stays out of later runs, and the community's
/// proposals are recomputed.
pub async fn reject(ctx: &Ctx, actor: &Actor, match_id: i64, note: &str) -> Result<Match> {
    let m = match_in_reach(ctx, actor, match_id).await?;
    if !can_manage(actor, &m.need_path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    check_text(&mut c, "note", note, false, 200);
    c.finish()?;
    let audit = ctx
        .event(actor, "lists.reject", "match", m.id, &m.need_path)
        .before(serde_json::json!({"status": m.status}))
        .after(serde_json::json!({"status": MatchStatus::Rejected, "note": note.trim()}));
    let out = ctx
        .lists
        .reject(m.id, &actor.login, note.trim(), ctx.now_ms(), audit)
        .await?;
    rerun_for(ctx, actor, &m.need_path).await?;
    Ok(out)
}

/// An override: staff assign a chosen resource to a need by hand.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AssignInput {
    #[serde(default)]
    pub resource_id: Option<i64>,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub note: String,
    #[serde(flatten)]
    pub project: ProjectInput,
}

pub async fn assign(ctx: &Ctx, actor: &Actor, need_id: i64, input: AssignInput) -> Result<Match> {
    let need = need(ctx, actor, need_id).await?;
    if !can_manage(actor, &need.path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    check_text(&mut c, "note", &input.note, false, 200);
    if need.status != NeedStatus::Open {
        c.add("need", "该需求不是待对接状态", "the need is not open");
    }
    let quantity = input.quantity.unwrap_or(need.remaining());
    if quantity < 1 || quantity > need.remaining() {
        c.push(FieldError::new(
            "quantity",
            format!("数量应为 1 到 {}", need.remaining()),
            format!("quantity must be 1 to {}", need.remaining()),
        ));
    }
    let mut res = None;
    match input.resource_id {
        None => c.add("resource_id", "请选择资源", "choose a resource"),
        Some(id) => match ctx.lists.resource(id).await? {
            Some(r) if r.active && can_see_resource(actor, &r) => {
                if quantity > r.remaining() {
                    c.push(FieldError::new(
                        "quantity",
                        format!("该资源剩余容量为 {}", r.remaining()),
                        format!("the resource has {} left", r.remaining()),
                    ));
                }
                res = Some(r);
            }
            _ => c.add(
                "resource_id",
                "资源不存在或已停用",
                "no such active resource",
            ),
        },
    }
    c.finish()?;
    let Some(res) = res else {
        return Err(DomainError::internal("checked assignment lacks a resource"));
    };
    let cats = CatIndex::new(&ctx.lists.categories().await?);
    let (nc, ng) = cats.get(&need.category);
    let (rc, rg) = cats.get(&res.category);
    let np = need_point(&need, nc, ng, need.lat);
    let rp = resource_point(&res, rc, rg, need.lat);
    let terms = rules::terms(&np, &rp).unwrap_or_else(|| {
        let d = ((np.x - rp.x).powi(2) + (np.y - rp.y).powi(2)).sqrt();
        let overlap = rules::overlap_permille(
            np.weekdays,
            np.time_from,
            np.time_to,
            rp.weekdays,
            rp.time_from,
            rp.time_to,
        );
        rules::explain(
            need.urgency as u8,
            rules::category_fit(&np, &rp),
            d,
            rp.radius_m,
            overlap,
        )
    });
    let choice = project_choice(ctx, actor, &need, &res, quantity, &input.project).await?;
    let audit = ctx.event(actor, "lists.assign", "match", 0, &need.path);
    let m = ctx
        .lists
        .assign(
            NewMatch {
                need_id: need.id,
                resource_id: res.id,
                quantity,
                status: MatchStatus::Accepted,
                manual: true,
                terms,
                note: input.note.trim().to_string(),
            },
            &actor.login,
            ctx.now_ms(),
            choice,
            audit,
        )
        .await?;
    rerun_for(ctx, actor, &need.path).await?;
    Ok(m)
}

/// Whether the actor sees a project: staff in reach, residents of its community.
fn can_see_project(actor: &Actor, p: &Project) -> bool {
    if is_staff(actor.role) {
        return actor.reaches(&p.path) || actor.scope_path.starts_with(&p.path);
    }
    if actor.role == Role::Resident {
        return match community_path(&actor.scope_path) {
            Some(cp) => p.path.starts_with(&cp) || cp.starts_with(&p.path),
            None => false,
        };
    }
    false
}

pub async fn projects(ctx: &Ctx, actor: &Actor) -> Result<Vec<Project>> {
    let path = if actor.role == Role::Resident {
        match community_path(&actor.scope_path) {
            Some(cp) => cp,
            None => return Ok(vec![]),
        }
    } else if is_staff(actor.role) {
        actor.scope_path.clone()
    } else {
        return Err(DomainError::Forbidden);
    };
    ctx.lists.projects(&path, 100_000).await
}

pub async fn project(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Project> {
    match ctx.lists.project(id).await? {
        Some(p) if can_see_project(actor, &p) => Ok(p),
        _ => Err(DomainError::NotFound("project")),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectPage {
    pub project: Project,
    pub milestones: Vec<Milestone>,
    pub outcomes: Vec<Outcome>,
    pub ratings: Vec<Rating>,
    /// The matches (needs and resources) it carries.
    pub matches: Vec<Match>,
    pub can_manage: bool,
    /// A resident who has not rated it yet.
    pub can_rate: bool,
}

pub async fn project_page(ctx: &Ctx, actor: &Actor, id: i64) -> Result<ProjectPage> {
    let p = project(ctx, actor, id).await?;
    let ratings = ctx.lists.ratings(id).await?;
    let matches = if is_staff(actor.role) {
        ctx.lists
            .matches(&MatchQuery {
                path: "/".into(),
                project_id: Some(id),
                status: Some(MatchStatus::Accepted),
                limit: 500,
                ..Default::default()
            })
            .await?
    } else {
        vec![]
    };
    let can_rate =
        actor.role == Role::Resident && !ratings.iter().any(|r| r.user_id == actor.user_id);
    Ok(ProjectPage {
        can_manage: can_manage(actor, &p.path),
        milestones: ctx.lists.milestones(id).await?,
        outcomes: ctx.lists.outcomes(id).await?,
        ratings,
        matches,
        can_rate,
        project: p,
    })
}

/// A change to a project's progress and budget.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ProgressInput {
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub progress: Option<i64>,
    #[serde(default)]
    pub budget_spent: String,
    #[serde(default)]
    pub budget_planned: String,
    #[serde(default)]
    pub participants: Option<String>,
    /// Mark the project completed.
    #[serde(default)]
    pub done: bool,
}

pub async fn update_progress(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    input: ProgressInput,
) -> Result<Project> {
    let p = project(ctx, actor, id).await?;
    if !can_manage(actor, &p.path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    if p.status == ProjectStatus::Done {
        c.add(
            "status",
            "项目已完成，不能再修改",
            "the project is completed",
        );
    }
    let progress = input.progress.unwrap_or(p.progress);
    if !(0..=100).contains(&progress) {
        c.add("progress", "进度应为 0 到 100", "progress is 0 to 100");
    }
    let spent = match input.budget_spent.trim() {
        "" => Some(p.budget_spent_cents),
        s => parse_yuan(s),
    };
    if spent.is_none() {
        c.add(
            "budget_spent",
            "支出应为金额（元）",
            "spending is an amount in yuan",
        );
    }
    let planned = match input.budget_planned.trim() {
        "" => Some(p.budget_planned_cents),
        s => parse_yuan(s),
    };
    if planned.is_none() {
        c.add(
            "budget_planned",
            "预算应为金额（元）",
            "the budget is an amount in yuan",
        );
    }
    let participants = input.participants.clone().unwrap_or(p.participants.clone());
    check_text(&mut c, "participants", &participants, false, 500);
    let version = input.version.unwrap_or(p.version);
    c.finish()?;
    let done = input.done;
    let patch = ProjectPatch {
        progress: if done { 100 } else { progress },
        budget_spent_cents: spent.unwrap_or(0),
        budget_planned_cents: planned.unwrap_or(0),
        participants: participants.trim().to_string(),
        status: if done {
            ProjectStatus::Done
        } else {
            ProjectStatus::Active
        },
        finished_on: done.then(|| today_text(ctx)),
    };
    let audit = ctx
        .event(actor, "lists.project_progress", "project", p.id, &p.path)
        .before(serde_json::json!({"progress": p.progress, "budget_spent_cents": p.budget_spent_cents, "budget_planned_cents": p.budget_planned_cents, "status": p.status}))
        .after(serde_json::json!({"progress": patch.progress, "budget_spent_cents": patch.budget_spent_cents, "budget_planned_cents": patch.budget_planned_cents, "status": patch.status}));
    ctx.lists.update_project(p.id, version, patch, audit).await
}

pub async fn add_milestone(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    title: &str,
    due_on: &str,
) -> Result<Milestone> {
    let p = project(ctx, actor, id).await?;
    if !can_manage(actor, &p.path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    check_text(&mut c, "title", title, true, 60);
    let due = check_date(&mut c, "due_on", due_on, true);
    c.finish()?;
    let due = due
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let audit = ctx
        .event(actor, "lists.add_milestone", "project", p.id, &p.path)
        .after(serde_json::json!({"title": title.trim(), "due_on": due}));
    ctx.lists
        .add_milestone(p.id, title.trim(), &due, audit)
        .await
}

pub async fn set_milestone_done(
    ctx: &Ctx,
    actor: &Actor,
    milestone_id: i64,
    done: bool,
) -> Result<()> {
    let m = ctx
        .lists
        .milestone(milestone_id)
        .await?
        .ok_or(DomainError::NotFound("milestone"))?;
    let p = project(ctx, actor, m.project_id)
        .await
        .map_err(|_| DomainError::NotFound("milestone"))?;
    if !can_manage(actor, &p.path) {
        return Err(DomainError::Forbidden);
    }
    let on = done.then(|| today_text(ctx));
    let audit = ctx
        .event(actor, "lists.milestone_done", "milestone", m.id, &p.path)
        .before(serde_json::json!({"done_on": m.done_on}))
        .after(serde_json::json!({"done_on": on}));
    ctx.lists
        .set_milestone_done(m.id, on.as_deref(), audit)
        .await
}

/// Reports a result with photos (each an image, at most 5 MB, at most 6).
pub async fn add_outcome(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    text: &str,
    mut photos: Vec<NewPhoto>,
) -> Result<Outcome> {
    let p = project(ctx, actor, id).await?;
    if !can_manage(actor, &p.path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    check_text(&mut c, "text", text, true, 2000);
    check_photos(&mut c, &mut photos);
    c.finish()?;
    let audit = ctx.event(actor, "lists.add_outcome", "project", p.id, &p.path);
    ctx.lists
        .add_outcome(
            p.id,
            text.trim(),
            &actor.display_name,
            ctx.now_ms(),
            photos,
            audit,
        )
        .await
}

/// A photo of a result, for those who may see the project.
pub async fn photo(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(Photo, Vec<u8>)> {
    let (ph, bytes) = ctx
        .lists
        .photo(id)
        .await?
        .ok_or(DomainError::NotFound("photo"))?;
    project(ctx, actor, ph.project_id)
        .await
        .map_err(|_| DomainError::NotFound("photo"))?;
    Ok((ph, bytes))
}

/// 民评: a resident rates a project of their community, once.
pub async fn rate(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    stars: Option<i64>,
    comment: &str,
) -> Result<Rating> {
    if actor.role != Role::Resident {
        return Err(DomainError::rule(
            "只有居民可以评价项目",
            "only residents rate projects",
        ));
    }
    let p = project(ctx, actor, id).await?;
    let mut c = Checker::new();
    let stars = stars.unwrap_or(0);
    if !(1..=5).contains(&stars) {
        c.add("stars", "请打 1 到 5 星", "give 1 to 5 stars");
    }
    check_text(&mut c, "comment", comment, false, 500);
    c.finish()?;
    let audit = ctx
        .event(actor, "lists.rate", "project", p.id, &p.path)
        .after(serde_json::json!({"stars": stars, "comment": comment.trim()}));
    ctx.lists
        .rate(
            p.id,
            actor.user_id,
            &actor.display_name,
            stars,
            comment.trim(),
            ctx.now_ms(),
            audit,
        )
        .await
}

/// The resident's page: their needs and the projects serving their community.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentView {
    pub needs: Vec<Need>,
    pub projects: Vec<Project>,
    /// Projects this resident has rated.
    pub rated: Vec<i64>,
}

pub async fn resident_view(ctx: &Ctx, actor: &Actor) -> Result<ResidentView> {
    if actor.role != Role::Resident {
        return Err(DomainError::Forbidden);
    }
    let needs = needs(ctx, actor, None, None, 200).await?;
    let projects = projects(ctx, actor).await?;
    let mut rated = vec![];
    for p in &projects {
        if ctx
            .lists
            .ratings(p.id)
            .await?
            .iter()
            .any(|r| r.user_id == actor.user_id)
        {
            rated.push(p.id);
        }
    }
    Ok(ResidentView {
        needs,
        projects,
        rated,
    })
}

/// Coverage of one community or sub-district.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageRow {
    pub path: String,
    pub name: String,
    pub needs: i64,
    pub asked: i64,
    pub met: i64,
    /// Quantity met / asked, percent.
    pub share: Option<f64>,
    pub median_days_to_match: Option<f64>,
    pub median_days_to_result: Option<f64>,
}

/// Needs no resource can meet, grouped by category and community.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub category: String,
    pub community_path: String,
    pub community: String,
    pub needs: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub unit: OrgUnit,
    pub total: CoverageRow,
    pub subdistricts: Vec<CoverageRow>,
    pub communities: Vec<CoverageRow>,
    pub gaps: Vec<Gap>,
}

/// Coverage of a unit's subtree: share of the asked quantity met, median days from need
/// to match and from match to result, by sub-district and community; and the gaps —
/// open needs with no candidate resource at all (whatever its capacity).
pub async fn coverage(ctx: &Ctx, actor: &Actor, unit_id: Option<i64>) -> Result<Coverage> {
    let unit = scope_unit(ctx, actor, unit_id).await?;
    require_in_scope(actor, Verb::ViewOrg, &unit.path)?;
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    let all = ctx
        .lists
        .needs(&NeedQuery {
            path: unit.path.clone(),
            limit: 10_000_000,
            ..Default::default()
        })
        .await?;
    let counted: Vec<&Need> = all
        .iter()
        .filter(|n| n.status != NeedStatus::Merged)
        .collect();
    let names = unit_names(ctx, &unit).await?;
    let row = |path: &str, items: &[&Need]| -> CoverageRow {
        let asked: i64 = items.iter().map(|n| n.quantity).sum();
        let met: i64 = items.iter().map(|n| n.met.min(n.quantity)).sum();
        CoverageRow {
            path: path.to_string(),
            name: names.get(path).cloned().unwrap_or_else(|| path.to_string()),
            needs: items.len() as i64,
            asked,
            met,
            share: (asked > 0).then(|| met as f64 * 100.0 / asked as f64),
            median_days_to_match: rules::median(
                items
                    .iter()
                    .filter_map(|n| n.matched_ms.map(|m| (m - n.created_ms) as f64 / MS_PER_DAY))
                    .collect(),
            ),
            median_days_to_result: rules::median(
                items
                    .iter()
                    .filter_map(|n| match (n.matched_ms, n.result_ms) {
                        (Some(m), Some(r)) => Some((r - m).max(0) as f64 / MS_PER_DAY),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    };
    let mut by_sub: BTreeMap<String, Vec<&Need>> = BTreeMap::new();
    let mut by_com: BTreeMap<String, Vec<&Need>> = BTreeMap::new();
    for n in &counted {
        if let Some(s) = subdistrict_path(&n.path) {
            by_sub.entry(s).or_default().push(n);
        }
        if let Some(c) = community_path(&n.path) {
            by_com.entry(c).or_default().push(n);
        }
    }
    // Gaps: open needs with zero candidate edges against every active resource.
    let cats = CatIndex::new(&ctx.lists.categories().await?);
    let open: Vec<&Need> = counted
        .iter()
        .copied()
        .filter(|n| n.status == NeedStatus::Open && n.remaining() > 0)
        .collect();
    let resources = ctx.lists.resources(true, 10_000_000).await?;
    let lat0 = if open.is_empty() {
        39.67
    } else {
        open.iter().map(|n| n.lat).sum::<f64>() / open.len() as f64
    };
    let points: Vec<NeedPoint> = open
        .iter()
        .map(|n| {
            let (c, g) = cats.get(&n.category);
            need_point(n, c, g, lat0)
        })
        .collect();
    let rpoints: Vec<ResourcePoint> = resources
        .iter()
        .map(|r| {
            let (c, g) = cats.get(&r.category);
            let mut p = resource_point(r, c, g, lat0);
            p.capacity = r.capacity.max(1).min(i32::MAX as i64) as i32;
            p
        })
        .collect();
    let edges = rules::build_edges(&points, &rpoints, CELL_M, |_, _| true);
    let mut has_edge = vec![false; open.len()];
    for e in &edges {
        has_edge[e.need as usize] = true;
    }
    let mut gaps: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (i, n) in open.iter().enumerate() {
        if !has_edge[i] {
            let cp = community_path(&n.path).unwrap_or_else(|| n.path.clone());
            let e = gaps.entry((n.category.clone(), cp)).or_default();
            e.0 += 1;
            e.1 += n.remaining();
        }
    }
    let mut gaps: Vec<Gap> = gaps
        .into_iter()
        .map(|((category, cp), (needs, quantity))| Gap {
            category,
            community: names.get(&cp).cloned().unwrap_or_else(|| cp.clone()),
            community_path: cp,
            needs,
            quantity,
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.quantity
            .cmp(&a.quantity)
            .then(a.category.cmp(&b.category))
    });
    Ok(Coverage {
        total: row(&unit.path, &counted),
        subdistricts: by_sub.iter().map(|(p, v)| row(p, v)).collect(),
        communities: by_com.iter().map(|(p, v)| row(p, v)).collect(),
        gaps,
        unit,
    })
}

/// Names of the sub-districts and communities in a subtree, by path.
async fn unit_names(ctx: &Ctx, unit: &OrgUnit) -> Result<HashMap<String, String>> {
    let mut names = HashMap::new();
    names.insert(unit.path.clone(), unit.name.clone());
    // A community's own sub-district lies above the scope: name it too.
    let codes = crate::org::rules::path_codes(&unit.path);
    if codes.len() > 2
        && let Some(sub) = ctx.org.unit_by_code(&codes[1]).await?
    {
        names.insert(sub.path, sub.name);
    }
    for kind in [UnitKind::Subdistrict, UnitKind::Community] {
        for u in ctx.org.units_in(&unit.path, kind, 100_000).await? {
            names.insert(u.path, u.name);
        }
    }
    Ok(names)
}

/// One line of the accountability view.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountRow {
    pub key: String,
    pub name: String,
    pub projects: i64,
    pub done: i64,
    pub planned_cents: i64,
    pub spent_cents: i64,
    /// Mean progress, percent.
    pub progress: f64,
    pub ratings: i64,
    pub rating_avg: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Accountability {
    pub unit: OrgUnit,
    pub total: AccountRow,
    pub by_category: Vec<AccountRow>,
    pub by_community: Vec<AccountRow>,
    pub by_owner: Vec<AccountRow>,
}

fn account_row(key: &str, name: &str, ps: &[&Project]) -> AccountRow {
    let ratings: i64 = ps.iter().map(|p| p.ratings).sum();
    let sum: i64 = ps.iter().map(|p| p.rating_sum).sum();
    AccountRow {
        key: key.to_string(),
        name: name.to_string(),
        projects: ps.len() as i64,
        done: ps
            .iter()
            .filter(|p| p.status == ProjectStatus::Done)
            .count() as i64,
        planned_cents: ps.iter().map(|p| p.budget_planned_cents).sum(),
        spent_cents: ps.iter().map(|p| p.budget_spent_cents).sum(),
        progress: if ps.is_empty() {
            0.0
        } else {
            ps.iter().map(|p| p.progress as f64).sum::<f64>() / ps.len() as f64
        },
        ratings,
        rating_avg: (ratings > 0).then(|| sum as f64 / ratings as f64),
    }
}

/// Progress of projects by category, community and owner (a results tracker).
pub async fn accountability(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
    lang: jiceng_core::Lang,
) -> Result<Accountability> {
    let unit = scope_unit(ctx, actor, unit_id).await?;
    require_in_scope(actor, Verb::ViewOrg, &unit.path)?;
    if !is_staff(actor.role) {
        return Err(DomainError::Forbidden);
    }
    let projects = ctx.lists.projects(&unit.path, 1_000_000).await?;
    let cats = ctx.lists.categories().await?;
    let names = unit_names(ctx, &unit).await?;
    let all: Vec<&Project> = projects.iter().collect();
    let mut by_cat: BTreeMap<String, Vec<&Project>> = BTreeMap::new();
    let mut by_com: BTreeMap<String, Vec<&Project>> = BTreeMap::new();
    let mut by_owner: BTreeMap<String, Vec<&Project>> = BTreeMap::new();
    for p in &projects {
        by_cat.entry(p.category.clone()).or_default().push(p);
        by_com
            .entry(community_path(&p.path).unwrap_or_else(|| p.path.clone()))
            .or_default()
            .push(p);
        by_owner.entry(p.owner_name.clone()).or_default().push(p);
    }
    let cat_name = |code: &str| {
        cats.iter()
            .find(|c| c.code == code)
            .map(|c| c.name(lang).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let mut by_owner: Vec<AccountRow> =
        by_owner.iter().map(|(k, v)| account_row(k, k, v)).collect();
    by_owner.sort_by(|a, b| b.projects.cmp(&a.projects).then(a.name.cmp(&b.name)));
    Ok(Accountability {
        total: account_row(&unit.path, &unit.name, &all),
        by_category: by_cat
            .iter()
            .map(|(k, v)| account_row(k, &cat_name(k), v))
            .collect(),
        by_community: by_com
            .iter()
            .map(|(k, v)| account_row(k, names.get(k).map(String::as_str).unwrap_or(k), v))
            .collect(),
        by_owner,
        unit,
    })
}

/// This capability reproduces no figure of the seed text.
pub async fn figures(_ctx: &Ctx) -> Result<Vec<Figure>> {
    Ok(vec![])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_round_trip() {
        assert_eq!(parse_yuan(""), Some(0));
        assert_eq!(parse_yuan("12"), Some(1200));
        assert_eq!(parse_yuan("12.5"), Some(1250));
        assert_eq!(parse_yuan("0.05"), Some(5));
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(yuan(1250), "12.50");
        assert_eq!(yuan(1200), "12");
    }

    #[test]
    fn paths() {
        assert_eq!(
            community_path("/150302/150302001/150302001002/150302001002001/").as_deref(),
            Some("/150302/150302001/150302001002/")
        );
        assert_eq!(community_path("/150302/150302001/"), None);
        assert_eq!(
            subdistrict_path("/150302/150302001/150302001002/").as_deref(),
            Some("/150302/150302001/")
        );
    }
}
