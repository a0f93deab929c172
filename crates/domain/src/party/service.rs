//! Use cases of the party organisation system. Each decides access first: reading needs
//! ViewOrg inside the reach (an organisation's reach is the unit it leads, or its
//! nearest ancestor's; district-level organisations are visible to all staff), changes
//! need EditOrg inside the reach.

use chrono::NaiveDate;
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, Result, Verb, idcard, mask};
use serde::{Deserialize, Serialize};

use super::model::*;
use super::rules;
use crate::figures::Figure;
use crate::org::{OrgUnit, UnitKind};
use crate::{Ctx, require};

fn today(ctx: &Ctx) -> NaiveDate {
    ctx.clock
        .now()
        .with_timezone(&jiceng_core::clock::china())
        .date_naive()
}

fn today_text(ctx: &Ctx) -> String {
    today(ctx).format("%Y-%m-%d").to_string()
}

fn trim_opt(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Whether the actor may see an organisation whose reach is this unit path/kind.
pub fn can_view(actor: &Actor, reach_path: &str, reach_kind: &str) -> bool {
    actor.can(Verb::ViewOrg) && (reach_kind == "district" || actor.reaches(reach_path))
}

/// Whether the actor may change it.
pub fn can_edit(actor: &Actor, reach_path: &str) -> bool {
    actor.can(Verb::EditOrg) && actor.reaches(reach_path)
}

fn check_view(actor: &Actor, org: &PartyOrg) -> Result<()> {
    require(actor, Verb::ViewOrg)?;
    if can_view(actor, &org.reach_path, &org.reach_kind) {
        Ok(())
    } else {
        Err(DomainError::NotFound("party_org"))
    }
}

fn check_edit(actor: &Actor, org: &PartyOrg) -> Result<()> {
    check_view(actor, org)?;
    require(actor, Verb::EditOrg)?;
    if can_edit(actor, &org.reach_path) {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

async fn load(ctx: &Ctx, id: i64) -> Result<PartyOrg> {
    ctx.party
        .org(id)
        .await?
        .ok_or(DomainError::NotFound("party_org"))
}

/// An organisation the actor may see.
pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> Result<PartyOrg> {
    let org = load(ctx, id).await?;
    check_view(actor, &org)?;
    Ok(org)
}

/// The top of the party tree (the 区委).
pub async fn home(ctx: &Ctx, actor: &Actor) -> Result<PartyOrg> {
    require(actor, Verb::ViewOrg)?;
    for r in ctx.party.roots().await? {
        if can_view(actor, &r.reach_path, &r.reach_kind) {
            return Ok(r);
        }
    }
    Err(DomainError::NotFound("party_org"))
}

/// The organisations at the top of what the actor may change or that lead their unit
/// (for a community's staff: their community's party committee).
pub async fn own_orgs(ctx: &Ctx, actor: &Actor) -> Result<Vec<PartyOrg>> {
    require(actor, Verb::ViewOrg)?;
    if actor.scope_path == "/" {
        return ctx.party.roots().await;
    }
    ctx.party.orgs_of_unit(actor.scope_unit_id).await
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub org: PartyOrg,
    pub ancestors: Vec<PartyOrg>,
    pub children: Vec<PartyOrg>,
    /// Active members in each child's subtree, in the order of `children`.
    pub child_members: Vec<i64>,
    /// Active members in the organisation's subtree.
    pub members_total: i64,
    /// Members directly in the organisation.
    pub members: Vec<MemberView>,
    pub positions: Vec<Position>,
    pub alliances: Vec<Alliance>,
    pub events: Vec<OrgEvent>,
    pub unit: Option<OrgUnit>,
    pub child_kinds: Vec<OrgKind>,
    pub can_edit: bool,
}

pub async fn view(ctx: &Ctx, actor: &Actor, id: i64, include_dissolved: bool) -> Result<OrgView> {
    let org = get(ctx, actor, id).await?;
    let ids: Vec<i64> = org
        .tree_path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .filter(|i| *i != org.id)
        .collect();
    let mut ancestors: Vec<PartyOrg> = ctx
        .party
        .orgs_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|a| can_view(actor, &a.reach_path, &a.reach_kind))
        .collect();
    ancestors.sort_by_key(|a| a.tree_path.len());
    let children: Vec<PartyOrg> = ctx
        .party
        .children(org.id, include_dissolved)
        .await?
        .into_iter()
        .filter(|c| can_view(actor, &c.reach_path, &c.reach_kind))
        .collect();
    let mut want: Vec<i64> = children.iter().map(|c| c.id).collect();
    want.push(org.id);
    let counts: std::collections::HashMap<i64, i64> =
        ctx.party.member_counts(&want).await?.into_iter().collect();
    let child_members = children
        .iter()
        .map(|c| counts.get(&c.id).copied().unwrap_or(0))
        .collect();
    let members = ctx
        .party
        .members_of(org.id, 500)
        .await?
        .into_iter()
        .map(|m| view_masked(ctx, m))
        .collect();
    let unit = match org.unit_id {
        Some(u) => ctx.org.unit(u).await?,
        None => None,
    };
    Ok(OrgView {
        members_total: counts.get(&org.id).copied().unwrap_or(0),
        positions: ctx.party.positions_of_org(org.id, false).await?,
        alliances: ctx.party.alliances_of_org(org.id).await?,
        events: ctx.party.events(org.id).await?,
        child_kinds: if org.active() {
            rules::children_of(org.kind)
        } else {
            vec![]
        },
        can_edit: can_edit(actor, &org.reach_path) && org.active(),
        org,
        ancestors,
        children,
        child_members,
        members,
        unit,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateOrg {
    pub parent_id: i64,
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    pub kind: String,
    /// The administrative unit it leads.
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub temporary: bool,
    #[serde(default)]
    pub temp_reason: Option<String>,
    /// Planned end (temporary organisations).
    #[serde(default)]
    pub temp_end: Option<String>,
    #[serde(default)]
    pub founded_on: Option<String>,
}

/// Adds an organisation under a parent; the kind must fit under the parent's kind.
pub async fn create(ctx: &Ctx, actor: &Actor, input: CreateOrg) -> Result<PartyOrg> {
    require(actor, Verb::EditOrg)?;
    if input.parent_id == 0 {
        return create_root(ctx, actor, input).await;
    }
    let parent = load(ctx, input.parent_id).await?;
    check_edit(actor, &parent)?;
    if !parent.active() {
        return Err(DomainError::rule(
            "不能在已撤销的党组织下新建",
            "cannot add an organisation under a dissolved one",
        ));
    }
    let mut c = Checker::new();
    rules::check_text(&mut c, "name", &input.name, 60, true);
    let kind = OrgKind::parse(&input.kind);
    match kind {
        None => c.add("kind", "党组织类型无效", "unknown organisation kind"),
        Some(k) if !rules::child_allowed(Some(parent.kind), k) => {
            c.push(jiceng_core::FieldError::new(
                "kind",
                format!("{}下不能设立{}", parent.kind.label_zh(), k.label_zh()),
                format!(
                    "a {} cannot be set up under a {}",
                    k.label_en().to_lowercase(),
                    parent.kind.label_en().to_lowercase()
                ),
            ))
        }
        _ => {}
    }
    let temp_reason = trim_opt(&input.temp_reason);
    if input.temporary {
        if kind.is_some_and(|k| !rules::may_be_temporary(k)) {
            c.add(
                "temporary",
                "只有党总支、党支部、党小组可以临时设立",
                "only general branches, branches and groups can be temporary",
            );
        }
        match &temp_reason {
            None => c.add(
                "temp_reason",
                "临时党组织须写明设立原因",
                "a temporary organisation needs a reason",
            ),
            Some(r) => rules::check_text(&mut c, "temp_reason", r, 200, true),
        }
    } else if parent.temporary {
        c.add(
            "temporary",
            "临时党组织之下只能设临时党组织",
            "under a temporary organisation only temporary ones can be set up",
        );
    }
    let founded = match trim_opt(&input.founded_on) {
        Some(d) => rules::check_date(&mut c, "founded_on", &d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    let temp_end = match trim_opt(&input.temp_end) {
        Some(d) if input.temporary => {
            let e = rules::check_date(&mut c, "temp_end", &d, None);
            if let (Some(e), Some(f)) = (&e, &founded)
                && e < f
            {
                c.add(
                    "temp_end",
                    "结束日期不能早于设立日期",
                    "the end cannot be before the start",
                );
            }
            e
        }
        _ => None,
    };
    let code = trim_opt(&input.code);
    if let Some(code) = &code
        && !rules::code_ok(code)
    {
        c.add(
            "code",
            "编码只能用大写字母、数字、点和横线（2–40位）",
            "code: 2–40 of A–Z, 0–9, . and -",
        );
    }
    let unit = match input.unit_id {
        Some(u) => match ctx.org.unit(u).await? {
            Some(u) if actor.reaches(&u.path) => Some(u),
            _ => {
                c.add(
                    "unit_id",
                    "所属单位不存在或不在权限范围内",
                    "unknown unit or outside your reach",
                );
                None
            }
        },
        None => None,
    };
    if let (Some(u), Some(k)) = (&unit, kind) {
        let fits = match k {
            OrgKind::DistrictCommittee => u.kind == UnitKind::District,
            OrgKind::StreetCommittee => u.kind == UnitKind::Subdistrict,
            OrgKind::CommunityCommittee => u.kind == UnitKind::Community,
            _ => true,
        };
        if !fits {
            c.add(
                "unit_id",
                "所领导的单位与党组织层级不符",
                "the unit does not match the organisation's level",
            );
        }
    }
    c.finish()?;
    let kind = kind.ok_or(DomainError::Internal("kind".into()))?;
    let code = match code {
        Some(code) => {
            if ctx.party.org_by_code(&code).await?.is_some() {
                return Err(DomainError::field(
                    "code",
                    "该编码已被使用",
                    "this code is taken",
                ));
            }
            code
        }
        None => {
            let used = ctx.party.codes_with_prefix(&parent.code).await?;
            rules::next_code(&parent.code, &used).ok_or_else(|| {
                DomainError::rule("编码序号已用完", "no free code numbers are left")
            })?
        }
    };
    let new = NewOrg {
        code: code.clone(),
        name: input.name.trim().to_string(),
        kind,
        parent_id: Some(parent.id),
        unit_id: unit.as_ref().map(|u| u.id),
        reach_unit_id: unit.as_ref().map(|u| u.id).unwrap_or(parent.reach_unit_id),
        temporary: input.temporary,
        temp_reason: if input.temporary { temp_reason } else { None },
        temp_end,
        founded_on: founded.unwrap_or_else(|| today_text(ctx)),
    };
    let scope = unit
        .as_ref()
        .map(|u| u.path.clone())
        .unwrap_or(parent.reach_path.clone());
    let audit = ctx
        .event(actor, "party.create", "party_org", &code, &scope)
        .after(
            serde_json::json!({"code": code, "name": new.name, "kind": kind.as_str(),
            "parent": parent.code, "unit_id": new.unit_id, "temporary": new.temporary,
            "temp_reason": new.temp_reason, "founded_on": new.founded_on}),
        );
    ctx.party.insert_org(new, audit).await
}

/// The 区委 at the top of the tree (district-level configuration: one only).
async fn create_root(ctx: &Ctx, actor: &Actor, input: CreateOrg) -> Result<PartyOrg> {
    require(actor, Verb::ManageUsers)?;
    if !ctx.party.roots().await?.is_empty() {
        return Err(DomainError::rule(
            "区委已存在",
            "the district committee already exists",
        ));
    }
    let mut c = Checker::new();
    rules::check_text(&mut c, "name", &input.name, 60, true);
    if OrgKind::parse(&input.kind) != Some(OrgKind::DistrictCommittee) {
        c.add(
            "kind",
            "顶层党组织只能是区委",
            "the top organisation is the district committee",
        );
    }
    let unit = match input.unit_id {
        Some(u) => ctx
            .org
            .unit(u)
            .await?
            .filter(|u| u.kind == UnitKind::District && actor.reaches(&u.path)),
        None => None,
    };
    if unit.is_none() {
        c.add(
            "unit_id",
            "区委须关联到区",
            "the district committee leads the district",
        );
    }
    let code = trim_opt(&input.code)
        .unwrap_or_else(|| format!("D{}", unit.as_ref().map(|u| u.code.as_str()).unwrap_or("")));
    if !rules::code_ok(&code) {
        c.add(
            "code",
            "编码只能用大写字母、数字、点和横线（2–40位）",
            "code: 2–40 of A–Z, 0–9, . and -",
        );
    }
    let founded = match trim_opt(&input.founded_on) {
        Some(d) => rules::check_date(&mut c, "founded_on", &d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    c.finish()?;
    let unit = unit.ok_or(DomainError::Internal("unit".into()))?;
    let new = NewOrg {
        code: code.clone(),
        name: input.name.trim().into(),
        kind: OrgKind::DistrictCommittee,
        parent_id: None,
        unit_id: Some(unit.id),
        reach_unit_id: unit.id,
        temporary: false,
        temp_reason: None,
        temp_end: None,
        founded_on: founded.unwrap_or_default(),
    };
    let audit = ctx
        .event(actor, "party.create", "party_org", &code, &unit.path)
        .after(serde_json::json!({"code": code, "name": new.name, "kind": "district_committee", "unit_id": unit.id}));
    ctx.party.insert_org(new, audit).await
}

pub async fn rename(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    version: i64,
    name: &str,
) -> Result<PartyOrg> {
    let org = load(ctx, id).await?;
    check_edit(actor, &org)?;
    if !org.active() {
        return Err(DomainError::rule(
            "已撤销的党组织不能修改",
            "a dissolved organisation cannot be changed",
        ));
    }
    let mut c = Checker::new();
    rules::check_text(&mut c, "name", name, 60, true);
    c.finish()?;
    let audit = ctx
        .event(
            actor,
            "party.rename",
            "party_org",
            &org.code,
            &org.reach_path,
        )
        .before(serde_json::json!({"name": org.name}))
        .after(serde_json::json!({"name": name.trim()}));
    ctx.party.rename_org(id, version, name.trim(), audit).await
}

pub async fn move_to(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    new_parent_id: i64,
    version: i64,
) -> Result<PartyOrg> {
    let org = load(ctx, id).await?;
    check_edit(actor, &org)?;
    let parent = load(ctx, new_parent_id).await?;
    check_edit(actor, &parent)?;
    if !org.active() || !parent.active() {
        return Err(DomainError::rule(
            "已撤销的党组织不能调整",
            "dissolved organisations cannot be moved",
        ));
    }
    if parent.tree_path.starts_with(&org.tree_path) {
        return Err(DomainError::rule(
            "不能移到自己的下级之下",
            "cannot move under its own subtree",
        ));
    }
    if !rules::child_allowed(Some(parent.kind), org.kind) {
        return Err(DomainError::rule(
            "新的上级党组织类型不允许设立此类党组织",
            "the new parent cannot hold this kind",
        ));
    }
    if parent.temporary && !org.temporary {
        return Err(DomainError::rule(
            "临时党组织之下只能设临时党组织",
            "only temporary organisations go under a temporary one",
        ));
    }
    let audit = ctx
        .event(actor, "party.move", "party_org", &org.code, &org.reach_path)
        .before(serde_json::json!({"parent_id": org.parent_id}))
        .after(serde_json::json!({"parent_id": parent.id, "parent_code": parent.code}));
    ctx.party.move_org(id, version, &parent, audit).await
}

/// Dissolves an organisation with no active sub-organisations or members.
pub async fn dissolve(ctx: &Ctx, actor: &Actor, id: i64, on: Option<&str>) -> Result<PartyOrg> {
    let org = load(ctx, id).await?;
    check_edit(actor, &org)?;
    if org.parent_id.is_none() {
        return Err(DomainError::rule(
            "区委不能撤销",
            "the district committee cannot be dissolved",
        ));
    }
    if !org.active() {
        return Err(DomainError::rule("该党组织已撤销", "already dissolved"));
    }
    let on = dissolve_date(ctx, &org, on)?;
    if !ctx.party.children(org.id, false).await?.is_empty() {
        return Err(DomainError::rule(
            "请先撤销或调整下级党组织",
            "dissolve or move its sub-organisations first",
        ));
    }
    if !ctx.party.members_of(org.id, 1).await?.is_empty() {
        return Err(DomainError::rule(
            "请先转出该党组织的党员",
            "transfer its members first",
        ));
    }
    let audit = ctx
        .event(
            actor,
            "party.dissolve",
            "party_org",
            &org.code,
            &org.reach_path,
        )
        .before(serde_json::json!({"status": "active"}))
        .after(serde_json::json!({"status": "dissolved", "on": on}));
    ctx.party
        .dissolve(&[org.id], &on, "dissolve", audit)
        .await?;
    load(ctx, id).await
}

fn dissolve_date(ctx: &Ctx, org: &PartyOrg, on: Option<&str>) -> Result<String> {
    let mut c = Checker::new();
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => rules::check_date(&mut c, "on", d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    if let Some(d) = &on
        && d.as_str() < org.founded_on.as_str()
    {
        c.add(
            "on",
            "日期不能早于成立日期",
            "the date cannot be before the founding",
        );
    }
    c.finish()?;
    on.ok_or(DomainError::Internal("date".into()))
}

/// Ends a temporary organisation and every temporary organisation below it.
pub async fn end_temporary(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    on: Option<&str>,
) -> Result<PartyOrg> {
    let org = load(ctx, id).await?;
    check_edit(actor, &org)?;
    if !org.temporary {
        return Err(DomainError::rule(
            "只有临时党组织可以结束",
            "only temporary organisations end this way",
        ));
    }
    if !org.active() {
        return Err(DomainError::rule(
            "该临时党组织已结束",
            "this temporary organisation has already ended",
        ));
    }
    let on = dissolve_date(ctx, &org, on)?;
    let mut ids = vec![org.id];
    let mut frontier = vec![org.id];
    while let Some(p) = frontier.pop() {
        for ch in ctx.party.children(p, false).await? {
            if !ctx.party.members_of(ch.id, 1).await?.is_empty() {
                return Err(DomainError::rule(
                    "请先转出下级临时党组织的党员",
                    "transfer the members of its sub-organisations first",
                ));
            }
            ids.push(ch.id);
            frontier.push(ch.id);
        }
    }
    if !ctx.party.members_of(org.id, 1).await?.is_empty() {
        return Err(DomainError::rule(
            "请先转出该党组织的党员",
            "transfer its members first",
        ));
    }
    let audit = ctx
        .event(
            actor,
            "party.end_temporary",
            "party_org",
            &org.code,
            &org.reach_path,
        )
        .before(serde_json::json!({"status": "active"}))
        .after(serde_json::json!({"status": "dissolved", "on": on, "ended": ids.len()}));
    ctx.party
        .dissolve(&ids, &on, "end_temporary", audit)
        .await?;
    load(ctx, id).await
}

/// Temporary organisations in the actor's reach, newest first.
pub async fn temporary(ctx: &Ctx, actor: &Actor) -> Result<Vec<PartyOrg>> {
    require(actor, Verb::ViewOrg)?;
    Ok(ctx
        .party
        .temporary_in("/")
        .await?
        .into_iter()
        .filter(|o| can_view(actor, &o.reach_path, &o.reach_kind))
        .collect())
}

pub async fn history(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Vec<OrgEvent>> {
    let org = get(ctx, actor, id).await?;
    ctx.party.events(org.id).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppointInput {
    pub title: String,
    pub person_name: String,
    pub phone: String,
    #[serde(default)]
    pub since: Option<String>,
}

fn check_post(ctx: &Ctx, c: &mut Checker, input: &AppointInput) -> Option<String> {
    crate::people::rules::check_person_name(c, &input.person_name);
    if !crate::people::rules::phone_ok(&input.phone) {
        c.add("phone", "联系电话格式不正确", "invalid phone number");
    }
    match trim_opt(&input.since) {
        Some(d) => rules::check_date(c, "since", &d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    }
}

/// Appoints a 书记 / 副书记 / 委员 (or 党小组组长) of a party organisation.
pub async fn appoint(
    ctx: &Ctx,
    actor: &Actor,
    org_id: i64,
    input: AppointInput,
) -> Result<Position> {
    let org = load(ctx, org_id).await?;
    check_edit(actor, &org)?;
    if !org.active() {
        return Err(DomainError::rule(
            "已撤销的党组织不能任职",
            "a dissolved organisation has no posts",
        ));
    }
    let mut c = Checker::new();
    let title = PositionTitle::parse(&input.title);
    match title {
        None => c.add("title", "职务无效", "unknown post"),
        Some(t) if t.is_residents_committee() => c.add(
            "title",
            "居委会职务请在两委名册中任命",
            "residents' committee posts are appointed on the two-committee roster",
        ),
        Some(PositionTitle::GroupLeader) if org.kind != OrgKind::Group => c.add(
            "title",
            "只有党小组设组长",
            "only party groups have a group leader",
        ),
        Some(t) if org.kind == OrgKind::Group && t != PositionTitle::GroupLeader => c.add(
            "title",
            "党小组只设组长",
            "a party group only has a group leader",
        ),
        _ => {}
    }
    let since = check_post(ctx, &mut c, &input);
    c.finish()?;
    let (title, since) = (
        title.ok_or(DomainError::Internal("title".into()))?,
        since.unwrap_or_default(),
    );
    let audit = ctx
        .event(actor, "party.appoint", "party_org", &org.code, &org.reach_path)
        .after(serde_json::json!({"title": title.as_str(), "person_name": input.person_name.trim(), "since": since}));
    ctx.party
        .appoint(
            NewPosition {
                org_id: Some(org.id),
                unit_id: None,
                title,
                person_name: input.person_name.trim().into(),
                phone: input.phone.trim().into(),
                since,
            },
            audit,
        )
        .await
}

async fn community(ctx: &Ctx, actor: &Actor, unit_id: i64) -> Result<OrgUnit> {
    let unit = crate::org::service::get(ctx, actor, unit_id).await?;
    if unit.kind != UnitKind::Community {
        return Err(DomainError::rule(
            "两委名册只属于社区（村）",
            "the two-committee roster belongs to a community",
        ));
    }
    Ok(unit)
}

/// Appoints a residents' committee 主任 / 副主任 / 委员 of a community.
pub async fn appoint_rc(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: i64,
    input: AppointInput,
) -> Result<Position> {
    let unit = community(ctx, actor, unit_id).await?;
    crate::require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    let mut c = Checker::new();
    let title = PositionTitle::parse(&input.title);
    if !title.is_some_and(|t| t.is_residents_committee()) {
        c.add(
            "title",
            "居委会职务应为 主任/副主任/委员",
            "residents' committee post: director, deputy or member",
        );
    }
    let since = check_post(ctx, &mut c, &input);
    c.finish()?;
    let (title, since) = (
        title.ok_or(DomainError::Internal("title".into()))?,
        since.unwrap_or_default(),
    );
    let audit = ctx
        .event(actor, "party.appoint_rc", "org_unit", &unit.code, &unit.path)
        .after(serde_json::json!({"title": title.as_str(), "person_name": input.person_name.trim(), "since": since}));
    ctx.party
        .appoint(
            NewPosition {
                org_id: None,
                unit_id: Some(unit.id),
                title,
                person_name: input.person_name.trim().into(),
                phone: input.phone.trim().into(),
                since,
            },
            audit,
        )
        .await
}

pub async fn end_position(ctx: &Ctx, actor: &Actor, id: i64, on: Option<&str>) -> Result<()> {
    let p = ctx
        .party
        .position(id)
        .await?
        .ok_or(DomainError::NotFound("position"))?;
    let scope = match (p.org_id, p.unit_id) {
        (Some(o), _) => {
            let org = load(ctx, o).await?;
            check_edit(actor, &org)?;
            org.reach_path
        }
        (None, Some(u)) => {
            let unit = community(ctx, actor, u).await?;
            crate::require_in_scope(actor, Verb::EditOrg, &unit.path)?;
            unit.path
        }
        _ => return Err(DomainError::NotFound("position")),
    };
    if p.until.is_some() {
        return Err(DomainError::rule(
            "该任职已结束",
            "this post has already ended",
        ));
    }
    let mut c = Checker::new();
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => rules::check_date(&mut c, "on", d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    if on.as_deref().is_some_and(|d| d < p.since.as_str()) {
        c.add(
            "on",
            "离任日期不能早于任职日期",
            "the end cannot be before the start",
        );
    }
    c.finish()?;
    let on = on.unwrap_or_default();
    let audit = ctx
        .event(actor, "party.end_position", "position", p.id, &scope)
        .before(serde_json::json!({"title": p.title.as_str(), "person_name": p.person_name, "since": p.since}))
        .after(serde_json::json!({"until": on}));
    ctx.party.end_position(id, &on, audit).await
}

/// A community's two committees (两委): the party organisation leading it and the
/// residents' committee, with the people holding posts in both (交叉任职).
#[derive(Debug, Clone, Serialize)]
pub struct Roster {
    pub unit: OrgUnit,
    pub orgs: Vec<PartyOrg>,
    pub party: Vec<Position>,
    pub residents: Vec<Position>,
    pub cross: Vec<String>,
    pub can_edit: bool,
}

pub async fn roster(ctx: &Ctx, actor: &Actor, unit_id: i64) -> Result<Roster> {
    let unit = community(ctx, actor, unit_id).await?;
    let orgs: Vec<PartyOrg> = ctx
        .party
        .orgs_of_unit(unit.id)
        .await?
        .into_iter()
        .filter(|o| o.active() && !o.temporary)
        .collect();
    let mut party = vec![];
    for o in &orgs {
        party.extend(ctx.party.positions_of_org(o.id, false).await?);
    }
    let residents = ctx.party.positions_of_unit(unit.id, false).await?;
    let cross = rules::cross_appointed(&party, &residents);
    Ok(Roster {
        can_edit: actor.can(Verb::EditOrg) && actor.reaches(&unit.path),
        unit,
        orgs,
        party,
        residents,
        cross,
    })
}

// ---------------------------------------------------------------- members

pub fn view_masked(ctx: &Ctx, m: MemberRecord) -> MemberView {
    MemberView {
        age: crate::people::rules::age_on(&m.birth_date, today(ctx)),
        id: m.id,
        org_id: m.org_id,
        name: m.name,
        sex: m.sex,
        birth_date: m.birth_date,
        ethnicity: m.ethnicity,
        education: m.education,
        joined_on: m.joined_on,
        standing: m.standing,
        status: m.status,
        resident_id: m.resident_id,
        id_number: m.id_mask,
        phone: m.phone_mask,
        in_service: m.in_service,
        version: m.version,
        revealed: false,
    }
}

pub const EDUCATION: &[&str] = &[
    "研究生",
    "大学本科",
    "大学专科",
    "中专",
    "高中",
    "初中",
    "小学及以下",
];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberInput {
    pub name: String,
    /// 男 / 女 (male / female); derived from the ID number when one is given.
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub education: Option<String>,
    pub joined_on: String,
    /// full | probationary
    #[serde(default)]
    pub standing: Option<String>,
    #[serde(default)]
    pub resident_id: Option<i64>,
}

/// Validates a member's fields and encrypts the personal data.
pub fn prepare_member(ctx: &Ctx, org_id: i64, input: &MemberInput) -> Result<NewMember> {
    let mut c = Checker::new();
    crate::people::rules::check_person_name(&mut c, &input.name);
    let id_number = trim_opt(&input.id_number).map(|s| idcard::normalise(&s));
    let info = match &id_number {
        Some(id) => match idcard::parse(id) {
            Ok(i) => Some(i),
            Err(e) => {
                c.add("id_number", e.zh(), e.en());
                None
            }
        },
        None => None,
    };
    let (sex, birth) = match &info {
        Some(i) => (
            i.sex.as_str().to_string(),
            Some(i.birth_date.format("%Y-%m-%d").to_string()),
        ),
        None => {
            let sex = match trim_opt(&input.sex).as_deref() {
                Some("male" | "男") => "male".to_string(),
                Some("female" | "女") => "female".to_string(),
                _ => {
                    if id_number.is_none() {
                        c.add(
                            "sex",
                            "请填写性别（男/女）或身份证号",
                            "give the sex (male/female) or an ID number",
                        );
                    }
                    String::new()
                }
            };
            let birth = match trim_opt(&input.birth_date) {
                Some(d) => rules::check_date(&mut c, "birth_date", &d, Some(today(ctx))),
                None => {
                    if id_number.is_none() {
                        c.add(
                            "birth_date",
                            "请填写出生日期或身份证号",
                            "give the birth date or an ID number",
                        );
                    }
                    None
                }
            };
            (sex, birth)
        }
    };
    let phone = trim_opt(&input.phone);
    if let Some(p) = &phone
        && !crate::people::rules::phone_ok(p)
    {
        c.add("phone", "电话号码格式不正确", "invalid phone number");
    }
    let ethnicity =
        trim_opt(&input.ethnicity).unwrap_or_else(|| crate::people::rules::ETHNIC_DEFAULT.into());
    rules::check_text(&mut c, "ethnicity", &ethnicity, 20, true);
    let education = trim_opt(&input.education).unwrap_or_else(|| "大学本科".into());
    if !EDUCATION.contains(&education.as_str()) {
        c.add(
            "education",
            "学历应为 研究生/大学本科/大学专科/中专/高中/初中/小学及以下",
            "unknown education level",
        );
    }
    let joined = rules::check_date(&mut c, "joined_on", &input.joined_on, Some(today(ctx)));
    if let (Some(j), Some(b)) = (&joined, &birth)
        && let (Some(jd), Some(bd)) = (rules::parse_date(j), rules::parse_date(b))
        && crate::people::rules::age_on(b, jd) < 18
    {
        let _ = bd;
        c.add(
            "joined_on",
            "入党时须年满十八岁",
            "members join at 18 or older",
        );
    }
    let standing = match trim_opt(&input.standing) {
        None => Some(Standing::Full),
        Some(s) => {
            let st = Standing::parse(&s);
            if st.is_none() {
                c.add(
                    "standing",
                    "党员类别应为 正式党员/预备党员",
                    "standing: full or probationary",
                );
            }
            st
        }
    };
    c.finish()?;
    Ok(NewMember {
        org_id,
        name: input.name.trim().to_string(),
        sex,
        birth_date: birth.unwrap_or_default(),
        ethnicity,
        education,
        joined_on: joined.unwrap_or_default(),
        standing: standing.unwrap_or(Standing::Full),
        resident_id: input.resident_id,
        id_enc: id_number
            .as_deref()
            .map(|i| ctx.cipher.encrypt(i))
            .transpose()?,
        id_index: id_number.as_deref().map(|i| ctx.cipher.blind_index(i)),
        id_mask: id_number.as_deref().map(mask::id_number),
        phone_enc: phone
            .as_deref()
            .map(|p| ctx.cipher.encrypt(p))
            .transpose()?,
        phone_mask: phone.as_deref().map(mask::phone),
    })
}

fn member_audit(m: &NewMember) -> serde_json::Value {
    serde_json::json!({"name": m.name, "org_id": m.org_id, "id_number": m.id_mask, "phone": m.phone_mask,
        "sex": m.sex, "birth_date": m.birth_date, "joined_on": m.joined_on, "standing": m.standing.as_str(),
        "education": m.education, "resident_id": m.resident_id})
}

pub async fn add_member(
    ctx: &Ctx,
    actor: &Actor,
    org_id: i64,
    input: MemberInput,
) -> Result<MemberView> {
    let org = load(ctx, org_id).await?;
    check_edit(actor, &org)?;
    if !org.active() {
        return Err(DomainError::rule(
            "已撤销的党组织不能接收党员",
            "a dissolved organisation takes no members",
        ));
    }
    if org.temporary {
        return Err(DomainError::rule(
            "党员组织关系不能转入临时党组织",
            "membership is not held in a temporary organisation",
        ));
    }
    let new = prepare_member(ctx, org.id, &input)?;
    if let Some(r) = new.resident_id {
        let ok = match ctx.people.resident(r).await? {
            Some(rec) => actor.reaches(&rec.path),
            None => false,
        };
        if !ok {
            return Err(DomainError::field(
                "resident_id",
                "关联的居民不存在或不在权限范围内",
                "unknown resident or outside your reach",
            ));
        }
    }
    if let Some(ix) = &new.id_index
        && ctx.party.member_id_index_exists(ix).await?
    {
        return Err(DomainError::field(
            "id_number",
            "该身份证号的党员已登记",
            "a member with this ID number is already recorded",
        ));
    }
    let audit = ctx
        .event(
            actor,
            "party.add_member",
            "party_member",
            &org.code,
            &org.reach_path,
        )
        .after(member_audit(&new));
    let rec = ctx.party.insert_member(new, audit).await?;
    Ok(view_masked(ctx, rec))
}

async fn load_member(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(MemberRecord, PartyOrg)> {
    let m = ctx
        .party
        .member(id)
        .await?
        .ok_or(DomainError::NotFound("party_member"))?;
    let org = load(ctx, m.org_id).await?;
    check_view(actor, &org).map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("party_member"),
        e => e,
    })?;
    Ok((m, org))
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberPage {
    pub member: MemberView,
    pub org: PartyOrg,
    pub transfers: Vec<Transfer>,
    pub registrations: Vec<Registration>,
    pub commitments: Vec<Commitment>,
    pub can_edit: bool,
    pub can_reveal: bool,
}

pub async fn member(ctx: &Ctx, actor: &Actor, id: i64) -> Result<MemberPage> {
    let (m, org) = load_member(ctx, actor, id).await?;
    Ok(MemberPage {
        transfers: ctx.party.transfers(m.id).await?,
        registrations: ctx.party.registrations_of_member(m.id).await?,
        commitments: ctx.party.commitments_of_member(m.id).await?,
        can_edit: can_edit(actor, &org.reach_path),
        can_reveal: actor.can(Verb::RevealPersonalData) && actor.reaches(&org.reach_path),
        member: view_masked(ctx, m),
        org,
    })
}

/// The whole ID number and phone of a member, audited before they are returned.
pub async fn reveal_member(ctx: &Ctx, actor: &Actor, id: i64, reason: &str) -> Result<MemberView> {
    let (m, org) = load_member(ctx, actor, id).await?;
    require(actor, Verb::RevealPersonalData)?;
    if !actor.reaches(&org.reach_path) {
        return Err(DomainError::Forbidden);
    }
    let id_number = m
        .id_enc
        .as_deref()
        .map(|e| ctx.cipher.decrypt(e))
        .transpose()?;
    let phone = m
        .phone_enc
        .as_deref()
        .map(|e| ctx.cipher.decrypt(e))
        .transpose()?;
    let audit = ctx
        .event(actor, "party.reveal", "party_member", m.id, &org.reach_path)
        .after(serde_json::json!({"fields": ["id_number", "phone"], "reason": reason.trim()}));
    ctx.audit.append(audit).await?;
    let mut v = view_masked(ctx, m);
    v.id_number = id_number;
    v.phone = phone;
    v.revealed = true;
    Ok(v)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferInput {
    pub version: i64,
    /// A receiving organisation in the district; or none and `to_name` for one outside.
    #[serde(default)]
    pub to_org_id: Option<i64>,
    #[serde(default)]
    pub to_name: Option<String>,
    #[serde(default)]
    pub on: Option<String>,
    pub reason: String,
}

/// 组织关系转接: moves a member's organisation relation, keeping the history.
pub async fn transfer(
    ctx: &Ctx,
    actor: &Actor,
    member_id: i64,
    input: TransferInput,
) -> Result<MemberView> {
    let (m, from) = load_member(ctx, actor, member_id).await?;
    check_edit(actor, &from)?;
    if m.status != MemberStatus::Active {
        return Err(DomainError::rule(
            "该党员不在册，不能转接",
            "only active members can be transferred",
        ));
    }
    let mut c = Checker::new();
    rules::check_text(&mut c, "reason", &input.reason, 200, true);
    let on = match trim_opt(&input.on) {
        Some(d) => rules::check_date(&mut c, "on", &d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    let to = match input.to_org_id {
        Some(t) => match ctx.party.org(t).await? {
            Some(o) if can_view(actor, &o.reach_path, &o.reach_kind) => {
                if !o.active() || o.temporary {
                    c.add(
                        "to_org_id",
                        "接收党组织已撤销或为临时党组织",
                        "the receiving organisation is dissolved or temporary",
                    );
                } else if o.id == from.id {
                    c.add(
                        "to_org_id",
                        "接收党组织与原党组织相同",
                        "the receiving organisation is the same",
                    );
                }
                Some(o)
            }
            _ => {
                c.add(
                    "to_org_id",
                    "接收党组织不存在",
                    "unknown receiving organisation",
                );
                None
            }
        },
        None => {
            match trim_opt(&input.to_name) {
                Some(n) => rules::check_text(&mut c, "to_name", &n, 100, true),
                None => c.add(
                    "to_org_id",
                    "请选择接收党组织或填写区外接收单位",
                    "choose the receiving organisation or name one outside the district",
                ),
            }
            None
        }
    };
    c.finish()?;
    let on = on.unwrap_or_default();
    let to_name = to
        .as_ref()
        .map(|o| o.name.clone())
        .or(trim_opt(&input.to_name))
        .unwrap_or_default();
    let audit = ctx
        .event(actor, "party.transfer", "party_member", m.id, &from.reach_path)
        .before(serde_json::json!({"org_id": from.id, "org": from.name}))
        .after(serde_json::json!({"org_id": to.as_ref().map(|o| o.id), "org": to_name, "on": on, "reason": input.reason.trim()}));
    let rec = ctx
        .party
        .transfer(
            m.id,
            input.version,
            to.as_ref().map(|o| o.id),
            &to_name,
            &on,
            input.reason.trim(),
            audit,
        )
        .await?;
    Ok(view_masked(ctx, rec))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegisterInput {
    /// The community (org unit of kind community) where the member lives.
    pub community_id: i64,
    /// The work unit's name; defaults to the member's organisation.
    #[serde(default)]
    pub work_unit: Option<String>,
    #[serde(default)]
    pub work_org_id: Option<i64>,
    #[serde(default)]
    pub reported_on: Option<String>,
}

/// 双报到: an in-service member reports to the community where they live. The member's
/// organisation or the community's staff may record it.
pub async fn register(
    ctx: &Ctx,
    actor: &Actor,
    member_id: i64,
    input: RegisterInput,
) -> Result<Registration> {
    let (m, org) = load_member(ctx, actor, member_id).await?;
    require(actor, Verb::EditOrg)?;
    if m.status != MemberStatus::Active {
        return Err(DomainError::rule(
            "该党员不在册",
            "the member is not active",
        ));
    }
    let mut c = Checker::new();
    let unit = match ctx.org.unit(input.community_id).await? {
        Some(u) if u.kind == UnitKind::Community && u.status == crate::org::UnitStatus::Active => {
            Some(u)
        }
        _ => {
            c.add(
                "community_id",
                "报到社区应为在用的社区（村）",
                "the community must be an active community",
            );
            None
        }
    };
    if let Some(u) = &unit
        && !can_edit(actor, &org.reach_path)
        && !can_edit(actor, &u.path)
    {
        return Err(DomainError::Forbidden);
    }
    let work_unit = trim_opt(&input.work_unit).unwrap_or_else(|| org.name.clone());
    rules::check_text(&mut c, "work_unit", &work_unit, 100, true);
    let work_org = match input.work_org_id {
        Some(w) => {
            if ctx.party.org(w).await?.is_none() {
                c.add(
                    "work_org_id",
                    "工作单位党组织不存在",
                    "unknown work-unit organisation",
                );
            }
            Some(w)
        }
        None => Some(org.id),
    };
    let on = match trim_opt(&input.reported_on) {
        Some(d) => rules::check_date(&mut c, "reported_on", &d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    c.finish()?;
    if ctx
        .party
        .registrations_of_member(m.id)
        .await?
        .iter()
        .any(|r| r.ended_on.is_none())
    {
        return Err(DomainError::rule(
            "该党员已在社区报到，请先结束原报到",
            "the member has already reported to a community: end that first",
        ));
    }
    let unit = unit.ok_or(DomainError::Internal("unit".into()))?;
    let on = on.unwrap_or_default();
    let audit = ctx
        .event(actor, "party.register", "party_member", m.id, &unit.path)
        .after(
            serde_json::json!({"community": unit.code, "work_unit": work_unit, "reported_on": on}),
        );
    ctx.party
        .register(m.id, work_org, &work_unit, unit.id, &on, audit)
        .await
}

pub async fn end_registration(ctx: &Ctx, actor: &Actor, id: i64, on: Option<&str>) -> Result<()> {
    let r = ctx
        .party
        .registration(id)
        .await?
        .ok_or(DomainError::NotFound("registration"))?;
    let (_, org) = load_member(ctx, actor, r.member_id).await?;
    let unit = ctx
        .org
        .unit(r.community_id)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    if !can_edit(actor, &org.reach_path) && !can_edit(actor, &unit.path) {
        return Err(DomainError::Forbidden);
    }
    if r.ended_on.is_some() {
        return Err(DomainError::rule(
            "该报到已结束",
            "this registration has ended",
        ));
    }
    let mut c = Checker::new();
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => rules::check_date(&mut c, "on", d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    c.finish()?;
    let audit = ctx
        .event(
            actor,
            "party.end_registration",
            "party_member",
            r.member_id,
            &unit.path,
        )
        .before(serde_json::json!({"community": r.community_name, "reported_on": r.reported_on}))
        .after(serde_json::json!({"ended_on": on}));
    ctx.party
        .end_registration(id, &on.unwrap_or_default(), audit)
        .await
}

/// In-service members who reported to a community.
pub async fn registrations_in(ctx: &Ctx, actor: &Actor, unit_id: i64) -> Result<Vec<Registration>> {
    let unit = community(ctx, actor, unit_id).await?;
    ctx.party.registrations_in(unit.id).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommitmentInput {
    pub category: String,
    pub description: String,
    /// hours_per_month | people
    pub capacity_kind: String,
    pub capacity: i64,
    /// Days 1–7 (1 = Monday): `135`, `1,3,5` or `1-5`.
    pub weekdays: String,
    pub time_from: String,
    pub time_to: String,
}

/// Adds a service commitment (党员服务清单) to the community the member reported to.
pub async fn add_commitment(
    ctx: &Ctx,
    actor: &Actor,
    member_id: i64,
    input: CommitmentInput,
) -> Result<Commitment> {
    let (m, org) = load_member(ctx, actor, member_id).await?;
    require(actor, Verb::EditOrg)?;
    let reg = ctx
        .party
        .registrations_of_member(m.id)
        .await?
        .into_iter()
        .find(|r| r.ended_on.is_none())
        .ok_or_else(|| {
            DomainError::rule(
                "请先办理到社区报到（双报到）",
                "the member must first report to a community",
            )
        })?;
    let unit = ctx
        .org
        .unit(reg.community_id)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    if !can_edit(actor, &org.reach_path) && !can_edit(actor, &unit.path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    let cats = ctx.party.categories().await?;
    let cat = cats
        .iter()
        .find(|k| k.code == input.category.trim() || k.name_zh == input.category.trim());
    if cat.is_none() {
        c.add("category", "服务类别无效", "unknown service category");
    }
    rules::check_text(&mut c, "description", &input.description, 200, true);
    let kind = CapacityKind::parse(&input.capacity_kind);
    if kind.is_none() {
        c.add(
            "capacity_kind",
            "服务量单位应为 小时/月 或 人次/月",
            "capacity: hours_per_month or people",
        );
    }
    if !(1..=200).contains(&input.capacity) {
        c.add("capacity", "服务量应在1–200之间", "capacity must be 1–200");
    }
    let avail =
        rules::check_availability(&mut c, &input.weekdays, &input.time_from, &input.time_to);
    c.finish()?;
    let (cat, kind, avail) = match (cat, kind, avail) {
        (Some(a), Some(b), Some(c)) => (a.code.clone(), b, c),
        _ => return Err(DomainError::Internal("commitment".into())),
    };
    let new = NewCommitment {
        member_id: m.id,
        community_id: unit.id,
        category: cat,
        description: input.description.trim().into(),
        capacity_kind: kind,
        capacity: input.capacity,
        availability: avail,
    };
    let audit = ctx
        .event(actor, "party.add_commitment", "party_member", m.id, &unit.path)
        .after(serde_json::json!({"category": new.category, "description": new.description,
            "capacity": new.capacity, "capacity_kind": kind.as_str(), "availability": new.availability}));
    ctx.party.insert_commitment(new, audit).await
}

pub async fn set_commitment_active(ctx: &Ctx, actor: &Actor, id: i64, active: bool) -> Result<()> {
    let cm = ctx
        .party
        .commitment(id)
        .await?
        .ok_or(DomainError::NotFound("commitment"))?;
    let (_, org) = load_member(ctx, actor, cm.member_id).await?;
    let unit = ctx
        .org
        .unit(cm.community_id)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    if !can_edit(actor, &org.reach_path) && !can_edit(actor, &unit.path) {
        return Err(DomainError::Forbidden);
    }
    let audit = ctx
        .event(
            actor,
            "party.commitment_active",
            "commitment",
            id,
            &unit.path,
        )
        .before(serde_json::json!({"active": cm.active}))
        .after(serde_json::json!({"active": active}));
    ctx.party.set_commitment_active(id, active, audit).await
}

/// Active service commitments to communities inside a unit (for matching needs).
pub async fn commitments_in(ctx: &Ctx, actor: &Actor, unit_id: i64) -> Result<Vec<Commitment>> {
    let unit = crate::org::service::get(ctx, actor, unit_id).await?;
    ctx.party.commitments_in(&unit.path, 5000).await
}

pub async fn categories(ctx: &Ctx) -> Result<Vec<Category>> {
    ctx.party.categories().await
}

pub async fn resource_categories(ctx: &Ctx) -> Result<Vec<Category>> {
    ctx.party.resource_categories().await
}

// ---------------------------------------------------------------- alliances

async fn load_alliance(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Alliance> {
    require(actor, Verb::ViewOrg)?;
    let a = ctx
        .party
        .alliance(id)
        .await?
        .ok_or(DomainError::NotFound("alliance"))?;
    if !can_view(actor, &a.unit_path, &a.unit_kind) {
        return Err(DomainError::NotFound("alliance"));
    }
    Ok(a)
}

pub async fn alliances(ctx: &Ctx, actor: &Actor) -> Result<Vec<Alliance>> {
    require(actor, Verb::ViewOrg)?;
    Ok(ctx
        .party
        .alliances()
        .await?
        .into_iter()
        .filter(|a| can_view(actor, &a.unit_path, &a.unit_kind))
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct AlliancePage {
    pub alliance: Alliance,
    pub members: Vec<AllianceMember>,
    pub agreements: Vec<Agreement>,
    pub activities: Vec<Activity>,
    pub by_link: Vec<(LinkType, i64)>,
    pub resources: Vec<Resource>,
    pub can_edit: bool,
}

pub async fn alliance(ctx: &Ctx, actor: &Actor, id: i64) -> Result<AlliancePage> {
    let a = load_alliance(ctx, actor, id).await?;
    let activities = ctx.party.activities(a.id).await?;
    Ok(AlliancePage {
        members: ctx.party.alliance_members(a.id).await?,
        agreements: ctx.party.agreements(a.id).await?,
        by_link: rules::count_by_link(&activities),
        activities,
        resources: ctx.party.resources(a.id).await?,
        can_edit: can_edit(actor, &a.unit_path),
        alliance: a,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllianceInput {
    pub name: String,
    pub kind: String,
    /// The sub-district (or the district) it belongs to.
    pub unit_id: i64,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub lead_org_id: Option<i64>,
    #[serde(default)]
    pub founded_on: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

pub async fn create_alliance(ctx: &Ctx, actor: &Actor, input: AllianceInput) -> Result<Alliance> {
    require(actor, Verb::EditOrg)?;
    let unit = crate::org::service::get(ctx, actor, input.unit_id).await?;
    crate::require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    let mut c = Checker::new();
    rules::check_text(&mut c, "name", &input.name, 60, true);
    let kind = AllianceKind::parse(&input.kind);
    if kind.is_none() {
        c.add("kind", "联盟类型无效", "unknown alliance kind");
    }
    if !matches!(
        unit.kind,
        UnitKind::District | UnitKind::Subdistrict | UnitKind::Community
    ) {
        c.add(
            "unit_id",
            "联盟应属于区、街道或社区",
            "an alliance belongs to the district, a sub-district or a community",
        );
    }
    let description = trim_opt(&input.description).unwrap_or_default();
    rules::check_text(&mut c, "description", &description, 500, false);
    let founded = match trim_opt(&input.founded_on) {
        Some(d) => rules::check_date(&mut c, "founded_on", &d, Some(today(ctx))),
        None => Some(today_text(ctx)),
    };
    let code = trim_opt(&input.code);
    if code.as_deref().is_some_and(|c| !rules::code_ok(c)) {
        c.add(
            "code",
            "编码只能用大写字母、数字、点和横线（2–40位）",
            "code: 2–40 of A–Z, 0–9, . and -",
        );
    }
    if let Some(l) = input.lead_org_id {
        match ctx.party.org(l).await? {
            Some(o) if can_view(actor, &o.reach_path, &o.reach_kind) => {}
            _ => c.add(
                "lead_org_id",
                "牵头党组织不存在",
                "unknown lead organisation",
            ),
        }
    }
    c.finish()?;
    let kind = kind.ok_or(DomainError::Internal("kind".into()))?;
    let code = match code {
        Some(c) => c,
        None => format!(
            "LM{}-{:03}",
            unit.code,
            ctx.party.alliances().await?.len() + 1
        ),
    };
    let new = NewAlliance {
        code: code.clone(),
        name: input.name.trim().into(),
        kind,
        unit_id: unit.id,
        lead_org_id: input.lead_org_id,
        founded_on: founded.unwrap_or_default(),
        description,
    };
    let audit = ctx
        .event(actor, "party.create_alliance", "alliance", &code, &unit.path)
        .after(serde_json::json!({"code": code, "name": new.name, "kind": kind.as_str(), "unit": unit.code}));
    ctx.party.insert_alliance(new, audit).await
}

/// One thing to add to an alliance, as forms and the API send it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemInput {
    // member
    #[serde(default)]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    // agreement / activity
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub term_months: Option<i64>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub participants: Option<i64>,
    #[serde(default)]
    pub link: Option<String>,
    // resource
    #[serde(default)]
    pub member_id: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub capacity_unit: Option<String>,
    #[serde(default)]
    pub weekdays: Option<String>,
    #[serde(default)]
    pub time_from: Option<String>,
    #[serde(default)]
    pub time_to: Option<String>,
}

fn req(c: &mut Checker, field: &str, v: &Option<String>, max: usize) -> String {
    let s = trim_opt(v).unwrap_or_default();
    rules::check_text(c, field, &s, max, true);
    s
}

/// Adds a member (`member`), agreement (`agreement`), activity (`activity`) or shared
/// resource (`resource`) to an alliance.
pub async fn add_to_alliance(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    what: &str,
    input: ItemInput,
) -> Result<i64> {
    let a = load_alliance(ctx, actor, id).await?;
    require(actor, Verb::EditOrg)?;
    if !can_edit(actor, &a.unit_path) {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    let now = today(ctx);
    let date = |c: &mut Checker, latest: Option<NaiveDate>| match trim_opt(&input.date) {
        Some(d) => rules::check_date(c, "date", &d, latest).unwrap_or_default(),
        None => now.format("%Y-%m-%d").to_string(),
    };
    let item = match what {
        "member" => {
            let (org_id, name, kind) = match input.org_id {
                Some(o) => match ctx.party.org(o).await? {
                    Some(o) if can_view(actor, &o.reach_path, &o.reach_kind) && o.active() => {
                        (Some(o.id), o.name, MemberKind::PartyOrg)
                    }
                    _ => {
                        c.add("org_id", "党组织不存在", "unknown party organisation");
                        (None, String::new(), MemberKind::PartyOrg)
                    }
                },
                None => {
                    let name = req(&mut c, "name", &input.name, 80);
                    let kind = input
                        .kind
                        .as_deref()
                        .and_then(MemberKind::parse)
                        .filter(|k| *k != MemberKind::PartyOrg);
                    if kind.is_none() {
                        c.add(
                            "kind",
                            "成员类型应为 驻区单位/非公企业/社会组织/商户",
                            "kind: resident_unit, non_public, social_org or merchant",
                        );
                    }
                    (None, name, kind.unwrap_or(MemberKind::ResidentUnit))
                }
            };
            if !name.is_empty()
                && ctx
                    .party
                    .alliance_members(a.id)
                    .await?
                    .iter()
                    .any(|m| m.name == name)
            {
                c.add("name", "该成员已在联盟中", "already a member");
            }
            AllianceItem::Member {
                org_id,
                name,
                kind,
                joined_on: date(&mut c, Some(now)),
            }
        }
        "agreement" => {
            let title = req(&mut c, "title", &input.title, 100);
            let content = req(&mut c, "content", &input.content, 2000);
            let term = input.term_months.unwrap_or(12);
            if !(1..=120).contains(&term) {
                c.add(
                    "term_months",
                    "协议期限应为1–120个月",
                    "term must be 1–120 months",
                );
            }
            AllianceItem::Agreement {
                title,
                signed_on: date(&mut c, Some(now)),
                term_months: term,
                content,
            }
        }
        "activity" => {
            let title = req(&mut c, "title", &input.title, 100);
            let place = req(&mut c, "place", &input.place, 100);
            let summary = trim_opt(&input.content).unwrap_or_default();
            rules::check_text(&mut c, "content", &summary, 2000, false);
            let participants = input.participants.unwrap_or(0);
            if !(1..=100_000).contains(&participants) {
                c.add(
                    "participants",
                    "参加人数应为正数",
                    "participants must be a positive number",
                );
            }
            let link = input.link.as_deref().and_then(LinkType::parse);
            if link.is_none() {
                c.add("link", "请选择五联机制类型", "choose one of the five links");
            }
            AllianceItem::Activity {
                held_on: date(&mut c, Some(now)),
                title,
                place,
                participants,
                link: link.unwrap_or(LinkType::OrgJoint),
                summary,
            }
        }
        "resource" => {
            let name = req(&mut c, "name", &input.name, 80);
            let cats = ctx.party.resource_categories().await?;
            let cat = input
                .category
                .as_deref()
                .map(str::trim)
                .and_then(|k| cats.iter().find(|x| x.code == k || x.name_zh == k));
            if cat.is_none() {
                c.add("category", "资源类别无效", "unknown resource category");
            }
            let member = input.member_id.filter(|_| true);
            let members = ctx.party.alliance_members(a.id).await?;
            if !member.is_some_and(|m| members.iter().any(|x| x.id == m)) {
                c.add(
                    "member_id",
                    "请选择提供资源的联盟成员",
                    "choose the member who shares it",
                );
            }
            let capacity = input.capacity.unwrap_or(0);
            if !(1..=100_000).contains(&capacity) {
                c.add(
                    "capacity",
                    "容量应为正数",
                    "capacity must be a positive number",
                );
            }
            let unit = req(&mut c, "capacity_unit", &input.capacity_unit, 10);
            let avail = rules::check_availability(
                &mut c,
                input.weekdays.as_deref().unwrap_or(""),
                input.time_from.as_deref().unwrap_or(""),
                input.time_to.as_deref().unwrap_or(""),
            );
            AllianceItem::Resource {
                member_id: member.unwrap_or(0),
                name,
                category: cat.map(|k| k.code.clone()).unwrap_or_default(),
                capacity,
                capacity_unit: unit,
                availability: avail.unwrap_or(Availability {
                    weekdays: vec![],
                    from: String::new(),
                    to: String::new(),
                }),
            }
        }
        _ => return Err(DomainError::NotFound("alliance_item")),
    };
    c.finish()?;
    let audit = ctx
        .event(
            actor,
            &format!("party.alliance_{what}"),
            "alliance",
            &a.code,
            &a.unit_path,
        )
        .after(item_json(&item));
    let ids = ctx.party.add_items(a.id, vec![item], audit).await?;
    ids.first()
        .copied()
        .ok_or(DomainError::Internal("no id".into()))
}

pub fn item_json(i: &AllianceItem) -> serde_json::Value {
    match i {
        AllianceItem::Member {
            org_id,
            name,
            kind,
            joined_on,
        } => {
            serde_json::json!({"member": name, "org_id": org_id, "kind": kind.as_str(), "joined_on": joined_on})
        }
        AllianceItem::Agreement {
            title,
            signed_on,
            term_months,
            ..
        } => {
            serde_json::json!({"agreement": title, "signed_on": signed_on, "term_months": term_months})
        }
        AllianceItem::Activity {
            held_on,
            title,
            place,
            participants,
            link,
            ..
        } => {
            serde_json::json!({"activity": title, "held_on": held_on, "place": place, "participants": participants, "link": link.as_str()})
        }
        AllianceItem::Resource {
            member_id,
            name,
            category,
            capacity,
            capacity_unit,
            availability,
        } => {
            serde_json::json!({"resource": name, "member_id": member_id, "category": category, "capacity": capacity, "capacity_unit": capacity_unit, "availability": availability})
        }
    }
}

/// This capability has no seed figure of its own: the seed names no count of party
/// organisations or members for the platform to reproduce.
pub async fn figures(_ctx: &Ctx) -> Result<Vec<Figure>> {
    Ok(vec![])
}
