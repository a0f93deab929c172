//! Pages of the party organisation system: the tree and organisation pages, members,
//! the two-committee roster of a community, temporary organisations and alliances.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiceng_core::clock::format_ms;
use jiceng_core::{DomainError, Lang, Result};
use jiceng_domain::org::UnitKind;
use jiceng_domain::party::service::{
    self as party, AllianceInput, AppointInput, CommitmentInput, CreateOrg, ItemInput, MemberInput,
    RegisterInput, TransferInput,
};
use jiceng_domain::party::{
    AllianceKind, CapacityKind, LinkType, MemberKind, OrgKind, PartyOrg, PositionTitle, rules,
};
use minijinja::{Value, context};

use crate::AppState;
use crate::auth::PageCaller;
use crate::ui::{base, caller_error, check_csrf, feedback, render, v};

type F = HashMap<String, String>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/party", get(tree_page))
        .route("/party/orgs/{id}", get(org_page))
        .route("/party/orgs/{id}/{action}", post(org_action))
        .route("/party/positions/{id}/end", post(position_end))
        .route("/party/members/{id}", get(member_page))
        .route("/party/members/{id}/{action}", post(member_action))
        .route("/party/roster/{id}", get(roster_page).post(roster_appoint))
        .route(
            "/party/temporary",
            get(temporary_page).post(temporary_create),
        )
        .route("/alliances", get(alliances_page).post(alliance_create))
        .route("/alliances/{id}", get(alliance_page))
        .route("/alliances/{id}/{what}", post(alliance_add))
}

fn s(f: &F, k: &str) -> String {
    f.get(k).map(|x| x.trim().to_string()).unwrap_or_default()
}

fn opt(f: &F, k: &str) -> Option<String> {
    f.get(k)
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
}

fn num(f: &F, k: &str) -> Option<i64> {
    opt(f, k).and_then(|x| x.parse().ok())
}

fn kind_opts(kinds: &[OrgKind], lang: Lang) -> Vec<Value> {
    kinds
        .iter()
        .map(|k| context! { code => k.as_str(), name => k.label(lang) })
        .collect()
}

fn org_ctx(o: &PartyOrg, lang: Lang) -> Value {
    context! { id => o.id, code => o.code.clone(), name => o.name.clone(), kind => o.kind.as_str(),
    kind_label => o.kind_label(lang), active => o.active(), temporary => o.temporary,
    temp_reason => o.temp_reason.clone(), temp_end => o.temp_end.clone(), founded_on => o.founded_on.clone(),
    dissolved_on => o.dissolved_on.clone(), unit_id => o.unit_id, unit_name => o.unit_name.clone(), version => o.version }
}

fn title_label(t: PositionTitle, lang: Lang) -> &'static str {
    t.label(lang)
}

fn change_label(c: &str, lang: Lang) -> &'static str {
    let (zh, en) = match c {
        "create" => ("成立", "Founded"),
        "rename" => ("更名", "Renamed"),
        "move" => ("调整隶属关系", "Moved"),
        "dissolve" => ("撤销", "Dissolved"),
        "end_temporary" => ("临时党组织结束", "Temporary organisation ended"),
        _ => ("变更", "Changed"),
    };
    if lang == Lang::En { en } else { zh }
}

/// Renders a page, or on a form error the same page with the feedback.
async fn finish(state: &AppState, c: &PageCaller, r: Result<String>, page: Page) -> Response {
    match r {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match page.render(state, c, Some(feedback(c.lang, &e))).await {
                Ok(mut res) => {
                    *res.status_mut() = crate::error::status_of(&e);
                    res
                }
                Err(e) => caller_error(state, c, &e),
            }
        }
        Err(e) => caller_error(state, c, &e),
    }
}

enum Page {
    Org(i64),
    Member(i64),
    Roster(i64),
    Temporary,
    Alliances,
    Alliance(i64),
}

impl Page {
    async fn render(
        &self,
        state: &AppState,
        c: &PageCaller,
        fb: Option<Value>,
    ) -> Result<Response> {
        match self {
            Page::Org(id) => org_view(state, c, *id, fb).await,
            Page::Member(id) => member_view(state, c, *id, fb).await,
            Page::Roster(id) => roster_view(state, c, *id, fb).await,
            Page::Temporary => temporary_view(state, c, fb).await,
            Page::Alliances => alliances_view(state, c, fb).await,
            Page::Alliance(id) => alliance_view(state, c, *id, fb).await,
        }
    }
}

async fn tree_page(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        let root = party::home(&state.ctx, &c.actor).await?;
        org_view(&state, &c, root.id, None).await
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn org_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let lang = c.lang;
    let mut view = party::view(&state.ctx, &c.actor, id, true).await?;
    // Only what the caller may open is listed.
    let mut children = vec![];
    for (o, n) in view.children.iter().zip(view.child_members.iter()) {
        if party::can_view(&c.actor, &o.reach_path, &o.reach_kind) {
            children.push(context! { n => *n, ..org_ctx(o, lang) });
        }
    }
    let own: Vec<Value> = party::own_orgs(&state.ctx, &c.actor)
        .await?
        .iter()
        .filter(|o| o.id != id)
        .map(|o| org_ctx(o, lang))
        .collect();
    let positions: Vec<Value> = view
        .positions
        .iter()
        .map(|p| context! { id => p.id, title => title_label(p.title, lang), name => p.person_name.clone(), phone => p.phone.clone(), since => p.since.clone() })
        .collect();
    let members: Vec<Value> = view
        .members
        .iter()
        .map(|m| context! { id => m.id, name => m.name.clone(), sex => if m.sex == "female" { "女" } else { "男" }, age => m.age,
            joined_on => m.joined_on.clone(), standing => m.standing.label(lang), phone => m.phone.clone(), in_service => m.in_service })
        .collect();
    let events: Vec<Value> = view
        .events
        .iter()
        .map(|e| context! { at => format_ms(e.at_ms), change => change_label(&e.change, lang), actor => e.actor_login.clone(),
            after => e.after.as_ref().map(|a| a.to_string()) })
        .collect();
    let alliances: Vec<Value> = view
        .alliances
        .iter()
        .filter(|a| party::can_view(&c.actor, &a.unit_path, &a.unit_kind))
        .map(|a| context! { id => a.id, name => a.name.clone(), kind => a.kind.label(lang) })
        .collect();
    let titles: Vec<Value> = PositionTitle::ALL
        .iter()
        .filter(|t| !t.is_residents_committee())
        .filter(|t| (view.org.kind == OrgKind::Group) == (**t == PositionTitle::GroupLeader))
        .map(|t| context! { code => t.as_str(), name => t.label(lang) })
        .collect();
    let roster_unit = view
        .unit
        .as_ref()
        .filter(|u| u.kind == UnitKind::Community)
        .map(|u| u.id);
    let ancestors: Vec<Value> = view.ancestors.iter().map(|a| org_ctx(a, lang)).collect();
    view.children.clear();
    Ok(render(
        state,
        "party/org.html",
        context! {
            org => org_ctx(&view.org, lang), ancestors => ancestors, children => children, own => own,
            members_total => view.members_total, members => members, positions => positions,
            events => events, alliances => alliances, can_edit => view.can_edit,
            child_kinds => kind_opts(&view.child_kinds, lang), titles => titles,
            may_temp => view.child_kinds.iter().any(|k| rules::may_be_temporary(*k)),
            unit => view.unit.as_ref().map(|u| context! { id => u.id, name => u.name.clone() }),
            roster_unit => roster_unit,
            educations => party::EDUCATION.to_vec(),
            feedback => fb, ..base(c)
        },
    ))
}

async fn org_page(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    org_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn org_action(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Response {
    let ctx = &state.ctx;
    let a = &c.actor;
    let r: Result<String> = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let back = format!("/party/orgs/{id}");
        match action.as_str() {
            "children" => {
                let o = party::create(
                    ctx,
                    a,
                    CreateOrg {
                        parent_id: id,
                        code: opt(&f, "code"),
                        name: s(&f, "name"),
                        kind: s(&f, "kind"),
                        unit_id: num(&f, "unit_id"),
                        temporary: opt(&f, "temporary").is_some(),
                        temp_reason: opt(&f, "temp_reason"),
                        temp_end: opt(&f, "temp_end"),
                        founded_on: opt(&f, "founded_on"),
                    },
                )
                .await?;
                Ok(format!("/party/orgs/{}", o.id))
            }
            "positions" => {
                party::appoint(
                    ctx,
                    a,
                    id,
                    AppointInput {
                        title: s(&f, "title"),
                        person_name: s(&f, "person_name"),
                        phone: s(&f, "phone"),
                        since: opt(&f, "since"),
                    },
                )
                .await?;
                Ok(back)
            }
            "members" => {
                let m = party::add_member(
                    ctx,
                    a,
                    id,
                    MemberInput {
                        name: s(&f, "name"),
                        sex: opt(&f, "sex"),
                        birth_date: opt(&f, "birth_date"),
                        id_number: opt(&f, "id_number"),
                        phone: opt(&f, "phone"),
                        ethnicity: opt(&f, "ethnicity"),
                        education: opt(&f, "education"),
                        joined_on: s(&f, "joined_on"),
                        standing: opt(&f, "standing"),
                        resident_id: num(&f, "resident_id"),
                    },
                )
                .await?;
                Ok(format!("/party/members/{}", m.id))
            }
            "rename" => {
                party::rename(ctx, a, id, num(&f, "version").unwrap_or(0), &s(&f, "name")).await?;
                Ok(back)
            }
            "dissolve" => {
                party::dissolve(ctx, a, id, opt(&f, "on").as_deref()).await?;
                Ok(back)
            }
            "end" => {
                party::end_temporary(ctx, a, id, opt(&f, "on").as_deref()).await?;
                Ok(back)
            }
            _ => Err(DomainError::NotFound("action")),
        }
    }
    .await;
    finish(&state, &c, r, Page::Org(id)).await
}

async fn position_end(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let p = state
            .ctx
            .party
            .position(id)
            .await?
            .ok_or(DomainError::NotFound("position"))?;
        party::end_position(&state.ctx, &c.actor, id, opt(&f, "on").as_deref()).await?;
        Ok(match (p.org_id, p.unit_id) {
            (Some(o), _) => format!("/party/orgs/{o}"),
            (None, Some(u)) => format!("/party/roster/{u}"),
            _ => "/party".into(),
        })
    }
    .await;
    let page = match num(&f, "back_org") {
        Some(o) => Page::Org(o),
        None => Page::Roster(num(&f, "back_unit").unwrap_or(0)),
    };
    finish(&state, &c, r, page).await
}

async fn member_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    member_render(state, c, id, fb, None).await
}

async fn member_render(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
    revealed: Option<Value>,
) -> Result<Response> {
    let lang = c.lang;
    let p = party::member(&state.ctx, &c.actor, id).await?;
    let cats = party::categories(&state.ctx).await?;
    let cat_name = |code: &str| {
        cats.iter()
            .find(|k| k.code == code)
            .map(|k| k.name(lang).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let m = &p.member;
    let communities: Vec<Value> = {
        let home = jiceng_domain::org::service::home(&state.ctx, &c.actor).await?;
        let mut v: Vec<Value> = vec![];
        for u in state
            .ctx
            .org
            .units_in(&home.path, UnitKind::Community, 500)
            .await?
        {
            v.push(context! { id => u.id, name => u.name });
        }
        v
    };
    let targets: Vec<Value> = state
        .ctx
        .party
        .orgs_in(&c.actor.scope_path, 3000)
        .await?
        .iter()
        .filter(|o| !o.temporary && o.id != p.org.id)
        .map(|o| context! { id => o.id, name => o.name.clone() })
        .collect();
    Ok(render(
        state,
        "party/member.html",
        context! {
            m => context! { id => m.id, name => m.name.clone(), sex => if m.sex == "female" { "女" } else { "男" }, birth_date => m.birth_date.clone(),
                age => m.age, ethnicity => m.ethnicity.clone(), education => m.education.clone(), joined_on => m.joined_on.clone(),
                standing => m.standing.label(lang), status => m.status.label(lang), active => m.status == jiceng_domain::party::MemberStatus::Active,
                id_number => m.id_number.clone(), phone => m.phone.clone(), resident_id => m.resident_id, version => m.version, in_service => m.in_service },
            revealed => revealed,
            org => org_ctx(&p.org, lang),
            transfers => v(&p.transfers),
            registrations => v(&p.registrations),
            commitments => p.commitments.iter().map(|k| context! { id => k.id, category => cat_name(&k.category), description => k.description.clone(),
                capacity => format!("{} {}", k.capacity, k.capacity_kind.label(lang)), availability => k.availability.describe(lang),
                community => k.community_name.clone(), active => k.active }).collect::<Vec<_>>(),
            categories => cats.iter().map(|k| context! { code => k.code.clone(), name => k.name(lang).to_string() }).collect::<Vec<_>>(),
            capacity_kinds => CapacityKind::ALL.iter().map(|k| context! { code => k.as_str(), name => k.label(lang) }).collect::<Vec<_>>(),
            communities => communities, targets => targets,
            reported => p.registrations.iter().any(|r| r.ended_on.is_none()),
            can_edit => p.can_edit, can_reveal => p.can_reveal,
            feedback => fb, ..base(c)
        },
    ))
}

async fn member_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    member_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn member_action(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Response {
    let ctx = &state.ctx;
    let a = &c.actor;
    if action == "reveal" {
        let r = async {
            check_csrf(&c, &s(&f, "csrf"))?;
            let m = party::reveal_member(ctx, a, id, &s(&f, "reason")).await?;
            member_render(
                &state,
                &c,
                id,
                None,
                Some(context! { id_number => m.id_number, phone => m.phone }),
            )
            .await
        }
        .await;
        return r.unwrap_or_else(|e| caller_error(&state, &c, &e));
    }
    let r: Result<String> = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let back = format!("/party/members/{id}");
        match action.as_str() {
            "transfer" => {
                party::transfer(
                    ctx,
                    a,
                    id,
                    TransferInput {
                        version: num(&f, "version").unwrap_or(0),
                        to_org_id: num(&f, "to_org_id"),
                        to_name: opt(&f, "to_name"),
                        on: opt(&f, "on"),
                        reason: s(&f, "reason"),
                    },
                )
                .await?;
            }
            "register" => {
                party::register(
                    ctx,
                    a,
                    id,
                    RegisterInput {
                        community_id: num(&f, "community_id").unwrap_or(0),
                        work_unit: opt(&f, "work_unit"),
                        work_org_id: None,
                        reported_on: opt(&f, "reported_on"),
                    },
                )
                .await?;
            }
            "end_registration" => {
                party::end_registration(
                    ctx,
                    a,
                    num(&f, "registration_id").unwrap_or(0),
                    opt(&f, "on").as_deref(),
                )
                .await?;
            }
            "commitments" => {
                party::add_commitment(
                    ctx,
                    a,
                    id,
                    CommitmentInput {
                        category: s(&f, "category"),
                        description: s(&f, "description"),
                        capacity_kind: s(&f, "capacity_kind"),
                        capacity: num(&f, "capacity").unwrap_or(0),
                        weekdays: s(&f, "weekdays"),
                        time_from: s(&f, "time_from"),
                        time_to: s(&f, "time_to"),
                    },
                )
                .await?;
            }
            "commitment_active" => {
                party::set_commitment_active(
                    ctx,
                    a,
                    num(&f, "commitment_id").unwrap_or(0),
                    s(&f, "active") == "1",
                )
                .await?;
            }
            _ => return Err(DomainError::NotFound("action")),
        }
        Ok(back)
    }
    .await;
    finish(&state, &c, r, Page::Member(id)).await
}

async fn roster_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let lang = c.lang;
    let r = party::roster(&state.ctx, &c.actor, id).await?;
    let regs = party::registrations_in(&state.ctx, &c.actor, id).await?;
    let row = |p: &jiceng_domain::party::Position| context! { id => p.id, title => title_label(p.title, lang), name => p.person_name.clone(), phone => p.phone.clone(), since => p.since.clone(), cross => r.cross.contains(&p.person_name) };
    let distinct: std::collections::BTreeSet<(String, String)> = r
        .party
        .iter()
        .chain(r.residents.iter())
        .map(|p| (p.person_name.clone(), p.phone.clone()))
        .collect();
    Ok(render(
        state,
        "party/roster.html",
        context! {
            unit => context! { id => r.unit.id, name => r.unit.name.clone() },
            orgs => r.orgs.iter().map(|o| org_ctx(o, lang)).collect::<Vec<_>>(),
            party => r.party.iter().map(row).collect::<Vec<_>>(),
            residents => r.residents.iter().map(row).collect::<Vec<_>>(),
            cross => r.cross.clone(), people => distinct.len(), can_edit => r.can_edit,
            titles => [PositionTitle::Director, PositionTitle::DeputyDirector, PositionTitle::RcMember].iter().map(|t| context! { code => t.as_str(), name => t.label(lang) }).collect::<Vec<_>>(),
            registrations => v(&regs),
            feedback => fb, ..base(c)
        },
    ))
}

async fn roster_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    roster_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn roster_appoint(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        party::appoint_rc(
            &state.ctx,
            &c.actor,
            id,
            AppointInput {
                title: s(&f, "title"),
                person_name: s(&f, "person_name"),
                phone: s(&f, "phone"),
                since: opt(&f, "since"),
            },
        )
        .await?;
        Ok(format!("/party/roster/{id}"))
    }
    .await;
    finish(&state, &c, r, Page::Roster(id)).await
}

async fn temporary_view(state: &AppState, c: &PageCaller, fb: Option<Value>) -> Result<Response> {
    let lang = c.lang;
    let list = party::temporary(&state.ctx, &c.actor).await?;
    let parents: Vec<Value> = if c.actor.can(jiceng_core::Verb::EditOrg) {
        state
            .ctx
            .party
            .orgs_in(&c.actor.scope_path, 5000)
            .await?
            .iter()
            .filter(|o| {
                matches!(
                    o.kind,
                    OrgKind::DistrictCommittee
                        | OrgKind::StreetCommittee
                        | OrgKind::CommunityCommittee
                        | OrgKind::GeneralBranch
                )
            })
            .filter(|o| party::can_edit(&c.actor, &o.reach_path))
            .map(|o| org_ctx(o, lang))
            .collect()
    } else {
        vec![]
    };
    Ok(render(
        state,
        "party/temporary.html",
        context! {
            items => list.iter().map(|o| org_ctx(o, lang)).collect::<Vec<_>>(),
            active => list.iter().filter(|o| o.active()).count(),
            parents => parents,
            kinds => kind_opts(&[OrgKind::GeneralBranch, OrgKind::Branch, OrgKind::Group], lang),
            feedback => fb, ..base(c)
        },
    ))
}

async fn temporary_page(State(state): State<AppState>, c: PageCaller) -> Response {
    temporary_view(&state, &c, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn temporary_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let o = party::create(
            &state.ctx,
            &c.actor,
            CreateOrg {
                parent_id: num(&f, "parent_id").unwrap_or(0),
                code: None,
                name: s(&f, "name"),
                kind: s(&f, "kind"),
                unit_id: None,
                temporary: true,
                temp_reason: opt(&f, "temp_reason"),
                temp_end: opt(&f, "temp_end"),
                founded_on: opt(&f, "founded_on"),
            },
        )
        .await?;
        Ok(format!("/party/orgs/{}", o.id))
    }
    .await;
    finish(&state, &c, r, Page::Temporary).await
}

async fn alliances_view(state: &AppState, c: &PageCaller, fb: Option<Value>) -> Result<Response> {
    let lang = c.lang;
    let list = party::alliances(&state.ctx, &c.actor).await?;
    let units: Vec<Value> = if c.actor.can(jiceng_core::Verb::EditOrg) {
        let home = jiceng_domain::org::service::home(&state.ctx, &c.actor).await?;
        let mut v = vec![context! { id => home.id, name => home.name.clone() }];
        if home.kind == UnitKind::District {
            for u in state
                .ctx
                .org
                .units_in(&home.path, UnitKind::Subdistrict, 100)
                .await?
            {
                v.push(context! { id => u.id, name => u.name });
            }
        }
        v
    } else {
        vec![]
    };
    Ok(render(
        state,
        "party/alliances.html",
        context! {
            items => list.iter().map(|a| context! { id => a.id, name => a.name.clone(), kind => a.kind.label(lang), unit => a.unit_name.clone(),
                members => a.members, activities => a.activities, founded_on => a.founded_on.clone() }).collect::<Vec<_>>(),
            kinds => AllianceKind::ALL.iter().map(|k| context! { code => k.as_str(), name => k.label(lang) }).collect::<Vec<_>>(),
            units => units,
            feedback => fb, ..base(c)
        },
    ))
}

async fn alliances_page(State(state): State<AppState>, c: PageCaller) -> Response {
    alliances_view(&state, &c, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn alliance_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let a = party::create_alliance(
            &state.ctx,
            &c.actor,
            AllianceInput {
                name: s(&f, "name"),
                kind: s(&f, "kind"),
                unit_id: num(&f, "unit_id").unwrap_or(0),
                code: opt(&f, "code"),
                lead_org_id: None,
                founded_on: opt(&f, "founded_on"),
                description: opt(&f, "description"),
            },
        )
        .await?;
        Ok(format!("/alliances/{}", a.id))
    }
    .await;
    finish(&state, &c, r, Page::Alliances).await
}

async fn alliance_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let lang = c.lang;
    let p = party::alliance(&state.ctx, &c.actor, id).await?;
    let rcats = party::resource_categories(&state.ctx).await?;
    let rcat = |code: &str| {
        rcats
            .iter()
            .find(|k| k.code == code)
            .map(|k| k.name(lang).to_string())
            .unwrap_or_default()
    };
    let max = p.by_link.iter().map(|x| x.1).max().unwrap_or(0).max(1);
    Ok(render(
        state,
        "party/alliance.html",
        context! {
            a => context! { id => p.alliance.id, name => p.alliance.name.clone(), kind => p.alliance.kind.label(lang), unit => p.alliance.unit_name.clone(),
                founded_on => p.alliance.founded_on.clone(), description => p.alliance.description.clone(), code => p.alliance.code.clone() },
            members => p.members.iter().map(|m| context! { id => m.id, name => m.name.clone(), kind => m.kind.label(lang), org_id => m.org_id, joined_on => m.joined_on.clone() }).collect::<Vec<_>>(),
            agreements => v(&p.agreements),
            by_link => p.by_link.iter().map(|(l, n)| context! { code => l.as_str(), name => l.label(lang), n => *n, pct => n * 100 / max }).collect::<Vec<_>>(),
            activities => p.activities.iter().map(|x| context! { held_on => x.held_on.clone(), title => x.title.clone(), place => x.place.clone(),
                participants => x.participants, link => x.link.label(lang), summary => x.summary.clone() }).collect::<Vec<_>>(),
            resources => p.resources.iter().map(|r| context! { name => r.name.clone(), category => rcat(&r.category), capacity => format!("{} {}", r.capacity, r.capacity_unit),
                owner => r.member_name.clone(), availability => r.availability.describe(lang) }).collect::<Vec<_>>(),
            links => LinkType::ALL.iter().map(|l| context! { code => l.as_str(), name => l.label(lang) }).collect::<Vec<_>>(),
            member_kinds => MemberKind::ALL.iter().filter(|k| **k != MemberKind::PartyOrg).map(|k| context! { code => k.as_str(), name => k.label(lang) }).collect::<Vec<_>>(),
            rcats => rcats.iter().map(|k| context! { code => k.code.clone(), name => k.name(lang).to_string() }).collect::<Vec<_>>(),
            can_edit => p.can_edit,
            feedback => fb, ..base(c)
        },
    ))
}

async fn alliance_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    alliance_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn alliance_add(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, what)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let input = ItemInput {
            org_id: num(&f, "org_id"),
            name: opt(&f, "name"),
            kind: opt(&f, "kind"),
            title: opt(&f, "title"),
            date: opt(&f, "date"),
            term_months: num(&f, "term_months"),
            content: opt(&f, "content"),
            place: opt(&f, "place"),
            participants: num(&f, "participants"),
            link: opt(&f, "link"),
            member_id: num(&f, "member_id"),
            category: opt(&f, "category"),
            capacity: num(&f, "capacity"),
            capacity_unit: opt(&f, "capacity_unit"),
            weekdays: opt(&f, "weekdays"),
            time_from: opt(&f, "time_from"),
            time_to: opt(&f, "time_to"),
        };
        party::add_to_alliance(&state.ctx, &c.actor, id, &what, input).await?;
        Ok(format!("/alliances/{id}"))
    }
    .await;
    finish(&state, &c, r, Page::Alliance(id)).await
}
