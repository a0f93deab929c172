//! Pages of the three lists: needs (record, merge, close, assign by hand), resources
//! (record, mirror the party's), matches (run the engine, accept or reject with the
//! terms of each score), projects (progress, milestones, results with photos, ratings),
//! coverage and gaps, the accountability tracker, and the resident's page.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiceng_core::clock::format_ms;
use jiceng_core::{DomainError, Lang, Result, Role};
use jiceng_domain::appeals::NewPhoto;
use jiceng_domain::lists::service::{
    self as lists, AssignInput, DaysInput, NeedInput, ProgressInput, ProjectInput, ResourceInput,
    yuan,
};
use jiceng_domain::lists::{
    Category, Match, MatchStatus, Need, NeedStatus, Project, ProviderKind, Resource,
};
use jiceng_domain::org::UnitKind;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageCaller;
use crate::ui::{base, caller_error, check_csrf, feedback, render};

type F = HashMap<String, String>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lists", get(hub))
        .route("/lists/needs", get(needs_page))
        .route("/lists/needs/new", get(need_new_page).post(need_new_submit))
        .route("/lists/needs/{id}", get(need_page))
        .route("/lists/needs/{id}/{action}", post(need_action))
        .route(
            "/lists/resources",
            get(resources_page).post(resource_create),
        )
        .route("/lists/resources/sync", post(resources_sync))
        .route("/lists/resources/{id}", get(resource_page))
        .route("/lists/resources/{id}/active", post(resource_active))
        .route("/lists/matches", get(matches_page))
        .route("/lists/run", post(run_submit))
        .route("/lists/matches/{id}/{action}", post(match_action))
        .route("/lists/projects", get(projects_page))
        .route("/lists/projects/{id}", get(project_page))
        .route("/lists/projects/{id}/outcome", post(project_outcome))
        .route("/lists/projects/{id}/{action}", post(project_action))
        .route("/lists/milestones/{id}/done", post(milestone_done))
        .route("/lists/photos/{id}", get(photo))
        .route("/lists/coverage", get(coverage_page))
        .route("/lists/accountability", get(accountability_page))
        .route("/lists/mine", get(mine_page))
}

fn s(f: &F, k: &str) -> String {
    f.get(k).map(|x| x.trim().to_string()).unwrap_or_default()
}

fn num(f: &F, k: &str) -> Option<i64> {
    f.get(k).and_then(|x| x.trim().parse().ok())
}

/// A number field: empty = absent, text that is not a number = a value the checks
/// refuse (so "abc" is reported, not silently dropped).
fn num_or_bad(f: &F, k: &str) -> Option<i64> {
    match f.get(k).map(|x| x.trim()) {
        None | Some("") => None,
        Some(x) => Some(x.parse().unwrap_or(i64::MIN)),
    }
}

/// Weekday checkboxes `wd1` … `wd7`.
fn days(f: &F) -> DaysInput {
    DaysInput::List(
        (1..=7u8)
            .filter(|d| f.contains_key(&format!("wd{d}")))
            .collect(),
    )
}

fn cat_names(cats: &[Category], lang: Lang) -> HashMap<String, String> {
    cats.iter()
        .map(|c| (c.code.clone(), c.name(lang).to_string()))
        .collect()
}

fn cat_opts(cats: &[Category], lang: Lang) -> Vec<Value> {
    cats.iter()
        .map(|c| context! { code => c.code.clone(), name => c.name(lang).to_string() })
        .collect()
}

fn need_ctx(n: &Need, cats: &HashMap<String, String>, lang: Lang) -> Value {
    context! {
        id => n.id, title => n.title.clone(), detail => n.detail.clone(),
        category => cats.get(&n.category).cloned().unwrap_or_else(|| n.category.clone()),
        category_code => n.category.clone(),
        place => n.unit_name.clone(), beneficiary => n.beneficiary.clone(), beneficiaries => n.beneficiaries,
        quantity => n.quantity, met => n.met, remaining => n.remaining(), urgency => n.urgency,
        status => n.status.label(lang), status_code => n.status.as_str(),
        source => n.source.label(lang), case_number => n.case_number.clone(),
        window => format!("{} – {}", n.date_from, n.date_to), week => n.week.label(lang),
        created => format_ms(n.created_ms), created_name => n.created_name.clone(),
        merged_into => n.merged_into, version => n.version,
    }
}

fn res_ctx(r: &Resource, cats: &HashMap<String, String>, lang: Lang) -> Value {
    let dates = match (r.date_from.as_str(), r.date_to.as_str()) {
        ("", "") => {
            if lang == Lang::En {
                "open".to_string()
            } else {
                "长期".to_string()
            }
        }
        (a, b) => format!("{a} – {b}"),
    };
    context! {
        id => r.id, name => r.name.clone(), detail => r.detail.clone(),
        category => cats.get(&r.category).cloned().unwrap_or_else(|| r.category.clone()),
        source => r.source.label(lang), source_code => r.source.as_str(),
        provider => r.provider.clone(), provider_kind => r.provider_kind.label(lang),
        capacity => r.capacity, used => r.used, remaining => r.remaining(),
        period => period_label(&r.period, lang), base => r.unit_name.clone(), radius => r.radius_m,
        week => r.week.label(lang), dates => dates,
        cost => if r.cost_cents == 0 { if lang == Lang::En { "free".to_string() } else { "免费".to_string() } } else { format!("¥{}", yuan(r.cost_cents)) },
        contact => r.contact.clone(), active => r.active, version => r.version,
    }
}

fn period_label(p: &str, lang: Lang) -> &'static str {
    match (p, lang) {
        ("week", Lang::En) => "per week",
        ("once", Lang::En) => "once",
        (_, Lang::En) => "per month",
        ("week", _) => "每周",
        ("once", _) => "一次性",
        _ => "每月",
    }
}

fn match_ctx(m: &Match, cats: &HashMap<String, String>, lang: Lang) -> Value {
    let t = &m.terms;
    context! {
        id => m.id, need_id => m.need_id, resource_id => m.resource_id, quantity => m.quantity,
        status => m.status.label(lang), status_code => m.status.as_str(), manual => m.manual,
        need => m.need_title.clone(), place => m.need_unit.clone(),
        need_category => cats.get(&m.need_category).cloned().unwrap_or_default(),
        resource => m.resource_name.clone(), provider => m.provider.clone(),
        resource_category => cats.get(&m.resource_category).cloned().unwrap_or_default(),
        source => m.resource_source.label(lang), source_code => m.resource_source.as_str(),
        urgency => t.urgency, urgency_points => t.urgency_points,
        fit => t.fit.label(lang), fit_points => t.fit_points,
        distance => t.distance_m, distance_points => t.distance_points,
        overlap => format!("{:.0}%", t.overlap_permille as f64 / 10.0), time_points => t.time_points,
        value => t.value, project_id => m.project_id, note => m.note.clone(),
        decided => m.decided_ms.map(format_ms), decided_by => m.decided_by.clone(),
    }
}

fn project_ctx(p: &Project, cats: &HashMap<String, String>, lang: Lang) -> Value {
    context! {
        id => p.id, title => p.title.clone(), category => cats.get(&p.category).cloned().unwrap_or_default(),
        place => p.unit_name.clone(), owner => p.owner_name.clone(), participants => p.participants.clone(),
        description => p.description.clone(), planned => yuan(p.budget_planned_cents), spent => yuan(p.budget_spent_cents),
        progress => p.progress, status => p.status.label(lang), done => p.status == jiceng_domain::lists::ProjectStatus::Done,
        started_on => p.started_on.clone(), finished_on => p.finished_on.clone(), version => p.version,
        ratings => p.ratings, rating => p.rating_avg().map(|r| format!("{r:.1}")),
    }
}

fn is_staff(c: &PageCaller) -> bool {
    lists::is_staff(c.actor.role)
}

fn manager(c: &PageCaller) -> bool {
    lists::is_manager(&c.actor)
}

fn page(state: &AppState, c: &PageCaller, name: &str, ctx: Value) -> Response {
    render(
        state,
        name,
        context! { ..ctx, ..context! { staff => is_staff(c), manager => manager(c) }, ..base(c) },
    )
}

/// Redirects on success; on a form error re-renders the page with the feedback.
async fn finish(state: &AppState, c: &PageCaller, r: Result<String>, back: Back) -> Response {
    match r {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            let fb = Some(feedback(c.lang, &e));
            let res = match back {
                Back::NeedNew(values) => need_new_view(state, c, fb, Some(values)).await,
                Back::Need(id) => need_view(state, c, id, fb).await,
                Back::Resources(values) => resources_view(state, c, fb, Some(values)).await,
                Back::Resource(id) => resource_view(state, c, id, fb).await,
                Back::Matches => matches_view(state, c, fb).await,
                Back::Project(id) => project_view(state, c, id, fb).await,
                Back::Mine => mine_view(state, c, fb).await,
            };
            match res {
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

enum Back {
    NeedNew(Value),
    Need(i64),
    Resources(Value),
    Resource(i64),
    Matches,
    Project(i64),
    Mine,
}

async fn hub(State(state): State<AppState>, c: PageCaller) -> Response {
    if c.actor.role == Role::Resident {
        return Redirect::to("/lists/mine").into_response();
    }
    let r = async {
        let counts = lists::counts(&state.ctx, &c.actor).await?;
        let resources = lists::resources(&state.ctx, &c.actor, false).await?;
        let projects = lists::projects(&state.ctx, &c.actor).await?;
        Ok::<_, DomainError>(page(
            &state,
            &c,
            "lists/hub.html",
            context! { needs => counts.needs, open => counts.open_needs, resources => resources.len(),
            party_resources => resources.iter().filter(|r| r.source != jiceng_domain::lists::ResourceSource::Own).count(),
            proposed => counts.proposed_matches, projects => projects.len() },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

#[derive(Deserialize, Default)]
struct NeedFilter {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

async fn needs_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<NeedFilter>,
) -> Response {
    let r = async {
        let cats = lists::categories(&state.ctx).await?;
        let names = cat_names(&cats, c.lang);
        let status = q.status.as_deref().and_then(NeedStatus::parse);
        let cat = q.category.clone().filter(|x| !x.is_empty());
        let items: Vec<Value> = lists::needs(&state.ctx, &c.actor, status, cat, 1000)
            .await?
            .iter()
            .map(|n| need_ctx(n, &names, c.lang))
            .collect();
        let statuses: Vec<Value> = NeedStatus::ALL
            .iter()
            .map(|s| context! { code => s.as_str(), name => s.label(c.lang) })
            .collect();
        Ok::<_, DomainError>(page(
            &state,
            &c,
            "lists/needs.html",
            context! { items => items, cats => cat_opts(&cats, c.lang), statuses => statuses,
            status => q.status.clone().unwrap_or_default(), category => q.category.clone().unwrap_or_default() },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

/// Places a need can be recorded at: a grid worker's or resident's grid with its
/// estates and buildings; staff higher up: the grids and estates in reach.
async fn place_options(state: &AppState, c: &PageCaller) -> Result<Vec<Value>> {
    let ctx = &state.ctx;
    let mut out = vec![];
    let scope = ctx
        .org
        .unit(c.actor.scope_unit_id)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    if scope.kind == UnitKind::Grid {
        out.push(context! { id => scope.id, name => scope.name.clone() });
        for estate in ctx.org.children(scope.id, false).await? {
            out.push(
                context! { id => estate.id, name => format!("{} · {}", scope.name, estate.name) },
            );
            for b in ctx.org.children(estate.id, false).await? {
                out.push(context! { id => b.id, name => format!("{} · {}{}", scope.name, estate.name, b.name) });
            }
        }
        return Ok(out);
    }
    for g in ctx.org.units_in(&scope.path, UnitKind::Grid, 2_000).await? {
        out.push(context! { id => g.id, name => g.name.clone() });
    }
    if out.len() < 300 {
        for e in ctx
            .org
            .units_in(&scope.path, UnitKind::Estate, 1_000)
            .await?
        {
            out.push(context! { id => e.id, name => e.name.clone() });
        }
    }
    Ok(out)
}

async fn need_new_view(
    state: &AppState,
    c: &PageCaller,
    fb: Option<Value>,
    values: Option<Value>,
) -> Result<Response> {
    let cats = lists::categories(&state.ctx).await?;
    let today = state
        .ctx
        .clock
        .now()
        .with_timezone(&jiceng_core::clock::china())
        .format("%Y-%m-%d")
        .to_string();
    Ok(page(
        state,
        c,
        "lists/need_new.html",
        context! { cats => cat_opts(&cats, c.lang), places => place_options(state, c).await?,
        feedback => fb, values => values, today => today },
    ))
}

async fn need_new_page(State(state): State<AppState>, c: PageCaller) -> Response {
    need_new_view(&state, &c, None, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn need_new_submit(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<F>,
) -> Response {
    let values = crate::ui::v(&f);
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let input = NeedInput {
            category: s(&f, "category"),
            title: s(&f, "title"),
            detail: s(&f, "detail"),
            unit_id: num(&f, "unit_id"),
            beneficiary: s(&f, "beneficiary"),
            beneficiaries: num_or_bad(&f, "beneficiaries"),
            quantity: num_or_bad(&f, "quantity"),
            date_from: s(&f, "date_from"),
            date_to: s(&f, "date_to"),
            weekdays: days(&f),
            time_from: s(&f, "time_from"),
            time_to: s(&f, "time_to"),
            urgency: num_or_bad(&f, "urgency"),
            requester: s(&f, "requester"),
            case_number: s(&f, "case_number"),
        };
        let n = lists::record_need(&state.ctx, &c.actor, input).await?;
        Ok(if c.actor.role == Role::Resident {
            "/lists/mine".to_string()
        } else {
            format!("/lists/needs/{}", n.id)
        })
    }
    .await;
    finish(&state, &c, r, Back::NeedNew(values)).await
}

async fn need_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let p = lists::need_page(&state.ctx, &c.actor, id).await?;
    let cats = lists::categories(&state.ctx).await?;
    let names = cat_names(&cats, c.lang);
    let requesters: Vec<Value> = p
        .requesters
        .iter()
        .map(|r| context! { name => r.name.clone(), source => r.source.label(c.lang), case_number => r.case_number.clone(), quantity => r.quantity, at => format_ms(r.at_ms) })
        .collect();
    let matches: Vec<Value> = p
        .matches
        .iter()
        .map(|m| match_ctx(m, &names, c.lang))
        .collect();
    let candidates: Vec<Value> = p
        .candidates
        .iter()
        .map(|k| {
            context! { eligible => k.eligible, value => k.terms.value, fit => k.terms.fit.label(c.lang),
            distance => k.terms.distance_m, overlap => format!("{:.0}%", k.terms.overlap_permille as f64 / 10.0),
            ..res_ctx(&k.resource, &names, c.lang) }
        })
        .collect();
    let similar: Vec<Value> = p
        .similar
        .iter()
        .map(|n| need_ctx(n, &names, c.lang))
        .collect();
    let projects: Vec<Value> = if p.can_manage {
        lists::projects(&state.ctx, &c.actor)
            .await?
            .iter()
            .filter(|x| x.status == jiceng_domain::lists::ProjectStatus::Active)
            .map(|x| context! { id => x.id, title => x.title.clone() })
            .collect()
    } else {
        vec![]
    };
    Ok(page(
        state,
        c,
        "lists/need.html",
        context! { need => need_ctx(&p.need, &names, c.lang), requesters => requesters, matches => matches,
        candidates => candidates, similar => similar, can_manage => p.can_manage, projects => projects,
        open => p.need.status == NeedStatus::Open, feedback => fb },
    ))
}

async fn need_page(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    need_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

fn project_input(f: &F) -> ProjectInput {
    ProjectInput {
        project_id: num(f, "project_id"),
        title: s(f, "project_title"),
        owner_name: s(f, "owner_name"),
        owner_party_org_id: num(f, "owner_party_org_id"),
        budget: s(f, "budget"),
    }
}

async fn need_action(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        match action.as_str() {
            "merge" => {
                let others: Vec<i64> = f
                    .keys()
                    .filter_map(|k| k.strip_prefix('m').and_then(|x| x.parse().ok()))
                    .collect();
                lists::merge_needs(&state.ctx, &c.actor, id, &others).await?;
            }
            "close" => {
                lists::close_need(&state.ctx, &c.actor, id).await?;
            }
            "assign" => {
                let input = AssignInput {
                    resource_id: num(&f, "resource_id"),
                    quantity: num_or_bad(&f, "quantity"),
                    note: s(&f, "note"),
                    project: project_input(&f),
                };
                lists::assign(&state.ctx, &c.actor, id, input).await?;
            }
            _ => return Err(DomainError::NotFound("action")),
        }
        Ok(if c.actor.role == Role::Resident {
            "/lists/mine".to_string()
        } else {
            format!("/lists/needs/{id}")
        })
    }
    .await;
    finish(&state, &c, r, Back::Need(id)).await
}

async fn resources_view(
    state: &AppState,
    c: &PageCaller,
    fb: Option<Value>,
    values: Option<Value>,
) -> Result<Response> {
    let cats = lists::categories(&state.ctx).await?;
    let names = cat_names(&cats, c.lang);
    let items: Vec<Value> = lists::resources(&state.ctx, &c.actor, true)
        .await?
        .iter()
        .map(|r| res_ctx(r, &names, c.lang))
        .collect();
    let kinds: Vec<Value> = ProviderKind::ALL
        .iter()
        .filter(|k| **k != ProviderKind::PartyMember)
        .map(|k| context! { code => k.as_str(), name => k.label(c.lang) })
        .collect();
    let scope = state.ctx.org.unit(c.actor.scope_unit_id).await?;
    let mut bases = vec![];
    if let Some(u) = &scope {
        bases.push(context! { id => u.id, name => u.name.clone() });
        for kind in [UnitKind::Community, UnitKind::Grid] {
            if u.kind < kind {
                for x in state.ctx.org.units_in(&u.path, kind, 500).await? {
                    bases.push(context! { id => x.id, name => x.name.clone() });
                }
            }
        }
    }
    Ok(page(
        state,
        c,
        "lists/resources.html",
        context! { items => items, cats => cat_opts(&cats, c.lang), kinds => kinds, bases => bases,
        feedback => fb, values => values },
    ))
}

async fn resources_page(State(state): State<AppState>, c: PageCaller) -> Response {
    resources_view(&state, &c, None, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn resource_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<F>,
) -> Response {
    let values = crate::ui::v(&f);
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        let input = ResourceInput {
            provider_kind: s(&f, "provider_kind"),
            provider: s(&f, "provider"),
            party_org_id: num(&f, "party_org_id"),
            name: s(&f, "name"),
            category: s(&f, "category"),
            detail: s(&f, "detail"),
            capacity: num_or_bad(&f, "capacity"),
            period: s(&f, "period"),
            unit_id: num(&f, "unit_id"),
            radius_m: num_or_bad(&f, "radius_m"),
            weekdays: days(&f),
            time_from: s(&f, "time_from"),
            time_to: s(&f, "time_to"),
            date_from: s(&f, "date_from"),
            date_to: s(&f, "date_to"),
            cost: s(&f, "cost"),
            contact: s(&f, "contact"),
        };
        let r = lists::add_resource(&state.ctx, &c.actor, input).await?;
        Ok(format!("/lists/resources/{}", r.id))
    }
    .await;
    finish(&state, &c, r, Back::Resources(values)).await
}

async fn resources_sync(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        lists::sync(&state.ctx, &c.actor).await?;
        Ok("/lists/resources".to_string())
    }
    .await;
    finish(&state, &c, r, Back::Resources(Value::from(()))).await
}

async fn resource_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let r = lists::resource(&state.ctx, &c.actor, id).await?;
    let cats = lists::categories(&state.ctx).await?;
    let names = cat_names(&cats, c.lang);
    let matches: Vec<Value> = state
        .ctx
        .lists
        .matches(&jiceng_domain::lists::MatchQuery {
            path: c.actor.scope_path.clone(),
            resource_id: Some(id),
            limit: 200,
            ..Default::default()
        })
        .await?
        .iter()
        .map(|m| match_ctx(m, &names, c.lang))
        .collect();
    Ok(page(
        state,
        c,
        "lists/resource.html",
        context! { r => res_ctx(&r, &names, c.lang), own => r.source == jiceng_domain::lists::ResourceSource::Own,
        matches => matches, feedback => fb },
    ))
}

async fn resource_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    resource_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn resource_active(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        lists::set_resource_active(&state.ctx, &c.actor, id, s(&f, "active") == "1").await?;
        Ok(format!("/lists/resources/{id}"))
    }
    .await;
    finish(&state, &c, r, Back::Resource(id)).await
}

async fn matches_view(state: &AppState, c: &PageCaller, fb: Option<Value>) -> Result<Response> {
    let cats = lists::categories(&state.ctx).await?;
    let names = cat_names(&cats, c.lang);
    let proposed: Vec<Value> =
        lists::matches(&state.ctx, &c.actor, Some(MatchStatus::Proposed), 2000)
            .await?
            .iter()
            .map(|m| match_ctx(m, &names, c.lang))
            .collect();
    let decided: Vec<Value> = lists::matches(&state.ctx, &c.actor, None, 400)
        .await?
        .iter()
        .filter(|m| matches!(m.status, MatchStatus::Accepted | MatchStatus::Rejected))
        .take(100)
        .map(|m| match_ctx(m, &names, c.lang))
        .collect();
    let runs: Vec<Value> = lists::runs(&state.ctx, &c.actor)
        .await?
        .iter()
        .take(10)
        .map(|r| context! { id => r.id, at => format_ms(r.created_ms), needs => r.needs, resources => r.resources,
            edges => r.edges, proposals => r.proposals, value => r.total_value, ms => r.elapsed_ms, by => r.actor_login.clone() })
        .collect();
    let projects: Vec<Value> = if manager(c) {
        lists::projects(&state.ctx, &c.actor)
            .await?
            .iter()
            .filter(|x| x.status == jiceng_domain::lists::ProjectStatus::Active)
            .map(|x| context! { id => x.id, title => x.title.clone() })
            .collect()
    } else {
        vec![]
    };
    Ok(page(
        state,
        c,
        "lists/matches.html",
        context! { proposed => proposed, decided => decided, runs => runs, projects => projects, feedback => fb },
    ))
}

async fn matches_page(State(state): State<AppState>, c: PageCaller) -> Response {
    matches_view(&state, &c, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn run_submit(State(state): State<AppState>, c: PageCaller, Form(f): Form<F>) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        lists::run_engine(&state.ctx, &c.actor, num(&f, "unit_id")).await?;
        Ok("/lists/matches".to_string())
    }
    .await;
    finish(&state, &c, r, Back::Matches).await
}

async fn match_action(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        match action.as_str() {
            "accept" => {
                let m = lists::accept(&state.ctx, &c.actor, id, project_input(&f)).await?;
                Ok(match m.project_id {
                    Some(p) if s(&f, "back") != "matches" => format!("/lists/projects/{p}"),
                    _ => "/lists/matches".to_string(),
                })
            }
            "reject" => {
                lists::reject(&state.ctx, &c.actor, id, &s(&f, "note")).await?;
                Ok("/lists/matches".to_string())
            }
            _ => Err(DomainError::NotFound("action")),
        }
    }
    .await;
    finish(&state, &c, r, Back::Matches).await
}

async fn projects_page(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        let cats = lists::categories(&state.ctx).await?;
        let names = cat_names(&cats, c.lang);
        let items: Vec<Value> = lists::projects(&state.ctx, &c.actor)
            .await?
            .iter()
            .map(|p| project_ctx(p, &names, c.lang))
            .collect();
        Ok::<_, DomainError>(page(
            &state,
            &c,
            "lists/projects.html",
            context! { items => items },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn project_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let p = lists::project_page(&state.ctx, &c.actor, id).await?;
    let cats = lists::categories(&state.ctx).await?;
    let names = cat_names(&cats, c.lang);
    let milestones: Vec<Value> = p
        .milestones
        .iter()
        .map(|m| context! { id => m.id, title => m.title.clone(), due_on => m.due_on.clone(), done_on => m.done_on.clone() })
        .collect();
    let outcomes: Vec<Value> = p
        .outcomes
        .iter()
        .map(|o| context! { text => o.text.clone(), by => o.by_name.clone(), at => format_ms(o.at_ms), photos => o.photos.clone() })
        .collect();
    let ratings: Vec<Value> = p
        .ratings
        .iter()
        .map(|r| context! { stars => r.stars, comment => r.comment.clone(), name => r.name.clone(), at => format_ms(r.at_ms) })
        .collect();
    let matches: Vec<Value> = p
        .matches
        .iter()
        .map(|m| match_ctx(m, &names, c.lang))
        .collect();
    Ok(page(
        state,
        c,
        "lists/project.html",
        context! { p => project_ctx(&p.project, &names, c.lang), milestones => milestones, outcomes => outcomes,
        ratings => ratings, matches => matches, can_manage => p.can_manage, can_rate => p.can_rate, feedback => fb },
    ))
}

async fn project_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    project_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn project_action(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Response {
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        match action.as_str() {
            "progress" => {
                let input = ProgressInput {
                    version: num(&f, "version"),
                    progress: num_or_bad(&f, "progress"),
                    budget_spent: s(&f, "budget_spent"),
                    budget_planned: s(&f, "budget_planned"),
                    participants: f.get("participants").cloned(),
                    done: s(&f, "done") == "1",
                };
                lists::update_progress(&state.ctx, &c.actor, id, input).await?;
            }
            "milestone" => {
                lists::add_milestone(&state.ctx, &c.actor, id, &s(&f, "title"), &s(&f, "due_on"))
                    .await?;
            }
            "rate" => {
                lists::rate(
                    &state.ctx,
                    &c.actor,
                    id,
                    num_or_bad(&f, "stars"),
                    &s(&f, "comment"),
                )
                .await?;
            }
            _ => return Err(DomainError::NotFound("action")),
        }
        Ok(format!("/lists/projects/{id}"))
    }
    .await;
    let back = if action == "rate" && s(&f, "back") == "mine" {
        Back::Mine
    } else {
        Back::Project(id)
    };
    let r = match (r, &back) {
        (Ok(_), Back::Mine) => Ok("/lists/mine".to_string()),
        (r, _) => r,
    };
    finish(&state, &c, r, back).await
}

/// Reads a multipart form: text fields and the files of the `photos` field.
async fn read_form(mut mp: Multipart) -> Result<(F, Vec<NewPhoto>)> {
    let mut fields = F::new();
    let mut photos = vec![];
    let bad = |e: axum::extract::multipart::MultipartError| {
        DomainError::field(
            "form",
            "表单读取失败",
            &format!("could not read the form: {e}"),
        )
    };
    while let Some(fl) = mp.next_field().await.map_err(bad)? {
        let name = fl.name().unwrap_or("").to_string();
        if name == "photos" {
            let has_name = fl.file_name().is_some_and(|n| !n.is_empty());
            let bytes = fl.bytes().await.map_err(bad)?;
            if has_name && !bytes.is_empty() {
                photos.push(NewPhoto {
                    content_type: String::new(),
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = fl.text().await.map_err(bad)?;
            fields.insert(name, text);
        }
    }
    Ok((fields, photos))
}

async fn project_outcome(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    let r = async {
        let (f, photos) = read_form(mp).await?;
        check_csrf(&c, &s(&f, "csrf"))?;
        lists::add_outcome(&state.ctx, &c.actor, id, &s(&f, "text"), photos).await?;
        Ok(format!("/lists/projects/{id}"))
    }
    .await;
    finish(&state, &c, r, Back::Project(id)).await
}

async fn milestone_done(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Response {
    let project = num(&f, "project").unwrap_or(0);
    let r = async {
        check_csrf(&c, &s(&f, "csrf"))?;
        lists::set_milestone_done(&state.ctx, &c.actor, id, s(&f, "done") != "0").await?;
        Ok(format!("/lists/projects/{project}"))
    }
    .await;
    finish(&state, &c, r, Back::Project(project)).await
}

async fn photo(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    match lists::photo(&state.ctx, &c.actor, id).await {
        Ok((p, bytes)) => (
            [
                (header::CONTENT_TYPE, p.content_type),
                (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => caller_error(&state, &c, &e),
    }
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit_id: Option<i64>,
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

fn days_text(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// A horizontal bar for a share (server-rendered SVG).
fn bar(share: Option<f64>) -> Value {
    let w = share.unwrap_or(0.0).clamp(0.0, 100.0);
    Value::from_safe_string(format!(
        r##"<svg class="bar" viewBox="0 0 100 8" width="100" height="8" role="img" aria-label="{w:.0}%"><rect width="100" height="8" fill="#eee"/><rect width="{w:.1}" height="8" fill="#b71c1c"/></svg>"##
    ))
}

async fn coverage_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    let r = async {
        let cov = lists::coverage(&state.ctx, &c.actor, q.unit_id).await?;
        let cats = lists::categories(&state.ctx).await?;
        let names = cat_names(&cats, c.lang);
        let row = |r: &lists::CoverageRow| {
            context! { name => r.name.clone(), needs => r.needs, asked => r.asked, met => r.met,
            share => pct(r.share), bar => bar(r.share), to_match => days_text(r.median_days_to_match),
            to_result => days_text(r.median_days_to_result) }
        };
        let gaps: Vec<Value> = cov
            .gaps
            .iter()
            .map(|g| context! { category => names.get(&g.category).cloned().unwrap_or_default(), community => g.community.clone(), needs => g.needs, quantity => g.quantity })
            .collect();
        Ok::<_, DomainError>(page(
            &state,
            &c,
            "lists/coverage.html",
            context! { unit => cov.unit.name.clone(), total => row(&cov.total),
            subdistricts => cov.subdistricts.iter().map(row).collect::<Vec<_>>(),
            communities => cov.communities.iter().map(row).collect::<Vec<_>>(), gaps => gaps },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn accountability_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    let r = async {
        let a = lists::accountability(&state.ctx, &c.actor, q.unit_id, c.lang).await?;
        let row = |r: &lists::AccountRow| {
            context! { name => r.name.clone(), projects => r.projects, done => r.done,
            planned => yuan(r.planned_cents), spent => yuan(r.spent_cents),
            spent_share => pct((r.planned_cents > 0).then(|| r.spent_cents as f64 * 100.0 / r.planned_cents as f64)),
            progress => format!("{:.0}%", r.progress), bar => bar(Some(r.progress)),
            ratings => r.ratings, rating => r.rating_avg.map(|x| format!("{x:.1}")) }
        };
        Ok::<_, DomainError>(page(
            &state,
            &c,
            "lists/accountability.html",
            context! { unit => a.unit.name.clone(), total => row(&a.total),
            by_category => a.by_category.iter().map(row).collect::<Vec<_>>(),
            by_community => a.by_community.iter().map(row).collect::<Vec<_>>(),
            by_owner => a.by_owner.iter().map(row).collect::<Vec<_>>() },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn mine_view(state: &AppState, c: &PageCaller, fb: Option<Value>) -> Result<Response> {
    let v = lists::resident_view(&state.ctx, &c.actor).await?;
    let cats = lists::categories(&state.ctx).await?;
    let names = cat_names(&cats, c.lang);
    let needs: Vec<Value> = v
        .needs
        .iter()
        .map(|n| need_ctx(n, &names, c.lang))
        .collect();
    let projects: Vec<Value> = v
        .projects
        .iter()
        .map(|p| context! { rated => v.rated.contains(&p.id), ..project_ctx(p, &names, c.lang) })
        .collect();
    Ok(page(
        state,
        c,
        "lists/mine.html",
        context! { needs => needs, projects => projects, feedback => fb },
    ))
}

async fn mine_page(State(state): State<AppState>, c: PageCaller) -> Response {
    mine_view(&state, &c, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}
