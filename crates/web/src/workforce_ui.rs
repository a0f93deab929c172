//! Pages of the workforce (队伍): leadership structure and cadres, added staff and
//! promotions, community workers and their grades, pay tables, pay runs with .xlsx
//! export, two-committees pay over two years, and the reserve-talent board.

use std::future::Future;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiceng_core::clock::format_ms;
use jiceng_core::{Actor, DomainError, Lang, Result};
use jiceng_domain::org::{OrgUnit, UnitKind};
use jiceng_domain::workforce::service::{self as wf, StageMove, WorkerChange};
use jiceng_domain::workforce::*;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageCaller;
use crate::ui::{base, caller_error, check_csrf, feedback, render, xlsx_response};
use crate::workforce_api::UnitQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workforce", get(hub))
        .route("/workforce/cadres", get(cadres_page).post(cadre_create))
        .route("/workforce/cadres/{id}/end", post(cadre_end))
        .route("/workforce/staff", get(staff_page).post(staff_create))
        .route(
            "/workforce/promotions",
            get(promotions_page).post(promotion_create),
        )
        .route("/workforce/workers", get(workers_page).post(worker_create))
        .route("/workforce/workers/{id}", get(worker_page))
        .route("/workforce/workers/{id}/change", post(worker_change))
        .route(
            "/workforce/workers/{id}/progression",
            post(worker_progression),
        )
        .route(
            "/workforce/workers/{id}/assessment",
            post(worker_assessment),
        )
        .route("/workforce/workers/{id}/exit", post(worker_exit))
        .route("/workforce/pay-tables", get(tables_page).post(table_create))
        .route("/workforce/pay-runs", get(runs_page).post(run_create))
        .route("/workforce/pay-runs/{id}", get(run_page))
        .route("/workforce/pay-runs/{id}/confirm", post(run_confirm))
        .route("/workforce/pay-runs/{id}/delete", post(run_delete))
        .route("/workforce/pay-runs/{id}/xlsx", get(run_xlsx))
        .route("/workforce/committee-pay", get(committee_page))
        .route("/workforce/talents", get(talents_page).post(talent_create))
        .route("/workforce/talents/{id}", get(talent_page))
        .route("/workforce/talents/{id}/stage", post(talent_stage))
        .route("/workforce/talents/{id}/trainings", post(talent_training))
}

fn l<T: Copy>(
    v: T,
    lang: Lang,
    zh: fn(T) -> &'static str,
    en: fn(T) -> &'static str,
) -> &'static str {
    match lang {
        Lang::Zh => zh(v),
        Lang::En => en(v),
    }
}

fn yuan(v: i64) -> String {
    let s = v.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// Units of a kind the actor reaches (the home unit itself when it is of that kind).
async fn units_of(state: &AppState, actor: &Actor, kind: UnitKind) -> Result<Vec<Value>> {
    let home = jiceng_domain::org::service::home(&state.ctx, actor).await?;
    let units = if home.kind == kind {
        vec![home]
    } else {
        state.ctx.org.units_in(&home.path, kind, 1000).await?
    };
    Ok(units
        .into_iter()
        .map(|u| context! { id => u.id, name => u.name })
        .collect())
}

fn unit_ctx(u: &OrgUnit) -> Value {
    context! { id => u.id, name => u.name.clone(), kind => u.kind.as_str() }
}

/// After a form: redirect on success; re-render the page with the message on bad input.
async fn done<F, Fut>(state: &AppState, c: &PageCaller, r: Result<String>, view: F) -> Response
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    match r {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match view(feedback(c.lang, &e)).await {
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

fn page(state: &AppState, c: &PageCaller, r: Result<Response>) -> Response {
    r.unwrap_or_else(|e| caller_error(state, c, &e))
}

// ---------------------------------------------------------------- hub

async fn hub(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        jiceng_domain::require(&c.actor, jiceng_core::Verb::ViewOrg)?;
        let figs = wf::figures(&state.ctx).await?;
        let figs: Vec<Value> = figs
            .iter()
            .map(|f| context! { label => if c.lang == Lang::En { f.label_en.clone() } else { f.label_zh.clone() }, computed => f.computed.clone(), seed => f.seed.clone(), agrees => f.agrees })
            .collect();
        Ok(render(&state, "workforce/hub.html", context! { figures => figs, staff => wf::is_workforce_role(c.actor.role), ..base(&c) }))
    }
    .await;
    page(&state, &c, r)
}

// ---------------------------------------------------------------- cadres

fn structure_ctx(s: &Structure) -> Value {
    context! { unit_id => s.unit_id, name => s.unit_name.clone(), total => s.total, under => s.under_45, college => s.college_or_above,
    minority => s.minority, under_share => s.under_45_share.clone(), college_share => s.college_share.clone(), minority_share => s.minority_share.clone() }
}

async fn cadres_view(
    state: &AppState,
    c: &PageCaller,
    q: &UnitQuery,
    fb: Option<Value>,
) -> Result<Response> {
    let unit_id = q.unit()?;
    let day = q.day()?;
    let (total, rows) = wf::structure(&state.ctx, &c.actor, unit_id, day).await?;
    let staff = wf::is_workforce_role(c.actor.role);
    let all = q.show.as_deref() == Some("all");
    let list: Vec<Value> = if staff {
        wf::cadres(&state.ctx, &c.actor, unit_id, if all { None } else { Some(total.date) })
            .await?
            .iter()
            .map(|k| context! { id => k.id, name => k.name.clone(), sex => k.sex.clone(), post => k.post_title.clone(), unit => k.unit_name.clone(),
                birth => k.birth_date.to_string(), age => rules::age_on(k.birth_date, total.date), education => k.education.label(c.lang),
                ethnicity => k.ethnicity.clone(), party => k.party_member, start => k.start_date.to_string(), end => k.end_date.map(|d| d.to_string()),
                source => k.source.label(c.lang), version => k.version })
            .collect()
    } else {
        vec![]
    };
    let subs = if wf::edits_cadres(c.actor.role) {
        units_of(state, &c.actor, UnitKind::Subdistrict).await?
    } else {
        vec![]
    };
    let educations: Vec<Value> = Education::ALL
        .iter()
        .map(|e| context! { v => e.as_str(), l => e.label(c.lang) })
        .collect();
    let sources: Vec<Value> = CadreSource::ALL
        .iter()
        .filter(|s| **s != CadreSource::PromotedSecretary)
        .map(|e| context! { v => e.as_str(), l => e.label(c.lang) })
        .collect();
    Ok(render(
        state,
        "workforce/cadres.html",
        context! {
        total => structure_ctx(&total), rows => rows.iter().map(structure_ctx).collect::<Vec<_>>(), date => total.date.to_string(),
        unit_id => total.unit_id, list => list, staff => staff, can_edit => wf::edits_cadres(c.actor.role), all => all,
        subs => subs, educations => educations, sources => sources, today => wf::today(&state.ctx).to_string(), feedback => fb, ..base(c) },
    ))
}

async fn cadres_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    page(&state, &c, cadres_view(&state, &c, &q, None).await)
}

#[derive(Deserialize)]
struct CadreForm {
    csrf: String,
    name: String,
    sex: String,
    post_title: String,
    unit_id: i64,
    birth_date: String,
    education: String,
    ethnicity: String,
    #[serde(default)]
    party_member: Option<String>,
    start_date: String,
    #[serde(default)]
    source: String,
}

async fn cadre_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<CadreForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let k = wf::create_cadre(
            &state.ctx,
            &c.actor,
            CadreInput {
                name: f.name.clone(),
                sex: f.sex.clone(),
                post_title: f.post_title.clone(),
                unit_id: f.unit_id,
                birth_date: f.birth_date.clone(),
                education: f.education.clone(),
                ethnicity: f.ethnicity.clone(),
                party_member: f.party_member.is_some(),
                start_date: f.start_date.clone(),
                source: f.source.clone(),
                note: String::new(),
            },
        )
        .await?;
        Ok(format!("/workforce/cadres?unit_id={}", k.unit_id))
    }
    .await;
    done(&state, &c, r, |fb| async {
        cadres_view(&state, &c, &UnitQuery::default(), Some(fb)).await
    })
    .await
}

#[derive(Deserialize)]
struct EndForm {
    csrf: String,
    version: i64,
    end_date: String,
}

async fn cadre_end(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let k = wf::end_cadre(&state.ctx, &c.actor, id, f.version, &f.end_date).await?;
        Ok(format!("/workforce/cadres?unit_id={}&show=all", k.unit_id))
    }
    .await;
    done(&state, &c, r, |fb| async {
        cadres_view(
            &state,
            &c,
            &UnitQuery {
                show: Some("all".into()),
                ..Default::default()
            },
            Some(fb),
        )
        .await
    })
    .await
}

// ---------------------------------------------------------------- added staff, promotions

async fn staff_view(
    state: &AppState,
    c: &PageCaller,
    q: &UnitQuery,
    fb: Option<Value>,
) -> Result<Response> {
    let items = wf::added_staff(&state.ctx, &c.actor, q.unit()?).await?;
    let rows: Vec<Value> = items.iter().map(|s| context! { name => s.name.clone(), sex => s.sex.clone(), unit => s.unit_name.clone(), post => s.post.clone(), kind => s.kind.label(c.lang), date => s.added_date.to_string() }).collect();
    let mut by_kind: Vec<Value> = vec![];
    for k in StaffKind::ALL {
        let n = items.iter().filter(|s| s.kind == *k).count();
        by_kind.push(context! { l => k.label(c.lang), n => n });
    }
    let kinds: Vec<Value> = StaffKind::ALL
        .iter()
        .map(|k| context! { v => k.as_str(), l => k.label(c.lang) })
        .collect();
    let subs = if wf::edits_cadres(c.actor.role) {
        units_of(state, &c.actor, UnitKind::Subdistrict).await?
    } else {
        vec![]
    };
    Ok(render(
        state,
        "workforce/staff.html",
        context! { rows => rows, total => items.len(), by_kind => by_kind, kinds => kinds, subs => subs,
        can_edit => wf::edits_cadres(c.actor.role), today => wf::today(&state.ctx).to_string(), feedback => fb, ..base(c) },
    ))
}

async fn staff_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    page(&state, &c, staff_view(&state, &c, &q, None).await)
}

#[derive(Deserialize)]
struct StaffForm {
    csrf: String,
    name: String,
    sex: String,
    unit_id: i64,
    post: String,
    kind: String,
    added_date: String,
}

async fn staff_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<StaffForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::add_staff(
            &state.ctx,
            &c.actor,
            AddedStaffInput {
                name: f.name.clone(),
                sex: f.sex.clone(),
                unit_id: f.unit_id,
                post: f.post.clone(),
                kind: f.kind.clone(),
                added_date: f.added_date.clone(),
            },
        )
        .await?;
        Ok("/workforce/staff".to_string())
    }
    .await;
    done(&state, &c, r, |fb| async {
        staff_view(&state, &c, &UnitQuery::default(), Some(fb)).await
    })
    .await
}

async fn promotions_view(
    state: &AppState,
    c: &PageCaller,
    q: &UnitQuery,
    fb: Option<Value>,
) -> Result<Response> {
    let items = wf::promotions(&state.ctx, &c.actor, q.unit()?).await?;
    let rows: Vec<Value> = items.iter().map(|p| context! { name => p.secretary_name.clone(), community => p.community_name.clone(), unit => p.unit_name.clone(), unit_id => p.unit_id, post => p.post_title.clone(), date => p.promoted_date.to_string() }).collect();
    let can_edit = wf::edits_cadres(c.actor.role);
    let communities = if can_edit {
        units_of(state, &c.actor, UnitKind::Community).await?
    } else {
        vec![]
    };
    let educations: Vec<Value> = Education::ALL
        .iter()
        .map(|e| context! { v => e.as_str(), l => e.label(c.lang) })
        .collect();
    Ok(render(
        state,
        "workforce/promotions.html",
        context! { rows => rows, total => items.len(), communities => communities, educations => educations,
        can_edit => can_edit, today => wf::today(&state.ctx).to_string(), feedback => fb, ..base(c) },
    ))
}

async fn promotions_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    page(&state, &c, promotions_view(&state, &c, &q, None).await)
}

#[derive(Deserialize)]
struct PromotionForm {
    csrf: String,
    secretary_name: String,
    community_id: i64,
    post_title: String,
    promoted_date: String,
    sex: String,
    birth_date: String,
    education: String,
    ethnicity: String,
}

async fn promotion_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<PromotionForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::promote(
            &state.ctx,
            &c.actor,
            PromotionInput {
                secretary_name: f.secretary_name.clone(),
                community_id: f.community_id,
                unit_id: None,
                post_title: f.post_title.clone(),
                promoted_date: f.promoted_date.clone(),
                sex: f.sex.clone(),
                birth_date: f.birth_date.clone(),
                education: f.education.clone(),
                ethnicity: f.ethnicity.clone(),
                party_member: true,
            },
        )
        .await?;
        Ok("/workforce/promotions".to_string())
    }
    .await;
    done(&state, &c, r, |fb| async {
        promotions_view(&state, &c, &UnitQuery::default(), Some(fb)).await
    })
    .await
}

// ---------------------------------------------------------------- workers

fn options<T: Copy>(
    all: &[T],
    lang: Lang,
    v: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    en: fn(T) -> &'static str,
) -> Vec<Value> {
    all.iter()
        .map(|x| context! { v => v(*x), l => l(*x, lang, zh, en) })
        .collect()
}

async fn workers_view(
    state: &AppState,
    c: &PageCaller,
    q: &UnitQuery,
    fb: Option<Value>,
) -> Result<Response> {
    let all = q.show.as_deref() == Some("all");
    let (unit, items) = wf::workers(&state.ctx, &c.actor, q.unit()?, !all).await?;
    let today = wf::today(&state.ctx);
    let rows: Vec<Value> = items.iter().map(|w| context! { id => w.id, name => w.name.clone(), community => w.community_name.clone(),
        post => w.post.label(c.lang), grade => w.grade, qualification => w.qualification.label(c.lang), tc => w.two_committees,
        duty => w.duty.clone(), years => rules::full_years(w.start_date, w.end_date.unwrap_or(today)), status => w.status.label(c.lang), active => w.status == WorkerStatus::Active }).collect();
    let communities = units_of(state, &c.actor, UnitKind::Community).await?;
    Ok(render(
        state,
        "workforce/workers.html",
        context! { unit => unit_ctx(&unit), rows => rows, total => items.len(),
        tc_count => items.iter().filter(|w| w.two_committees && w.status == WorkerStatus::Active).count(), all => all,
        communities => communities, posts => options(Post::ALL, c.lang, Post::as_str, Post::label_zh, Post::label_en),
        quals => options(Qualification::ALL, c.lang, Qualification::as_str, Qualification::label_zh, Qualification::label_en),
        educations => options(Education::ALL, c.lang, Education::as_str, Education::label_zh, Education::label_en),
        today => today.to_string(), feedback => fb, ..base(c) },
    ))
}

async fn workers_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    page(&state, &c, workers_view(&state, &c, &q, None).await)
}

#[derive(Deserialize)]
struct WorkerForm {
    csrf: String,
    name: String,
    sex: String,
    birth_date: String,
    education: String,
    community_id: i64,
    post: String,
    grade: i64,
    #[serde(default)]
    qualification: String,
    #[serde(default)]
    two_committees: Option<String>,
    #[serde(default)]
    duty: String,
    start_date: String,
}

async fn worker_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<WorkerForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let w = wf::create_worker(
            &state.ctx,
            &c.actor,
            WorkerInput {
                name: f.name.clone(),
                sex: f.sex.clone(),
                birth_date: f.birth_date.clone(),
                education: f.education.clone(),
                community_id: f.community_id,
                post: f.post.clone(),
                grade: f.grade,
                qualification: f.qualification.clone(),
                two_committees: f.two_committees.is_some(),
                duty: f.duty.clone(),
                start_date: f.start_date.clone(),
            },
        )
        .await?;
        Ok(format!("/workforce/workers/{}", w.id))
    }
    .await;
    done(&state, &c, r, |fb| async {
        workers_view(&state, &c, &UnitQuery::default(), Some(fb)).await
    })
    .await
}

async fn worker_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let v = wf::worker_view(&state.ctx, &c.actor, id).await?;
    let w = &v.worker;
    let history: Vec<Value> = v.history.iter().map(|h| context! { post => h.post.label(c.lang), grade => h.grade, from => h.from_date.to_string(), reason => h.reason.clone() }).collect();
    let assessments: Vec<Value> = v
        .assessments
        .iter()
        .map(|(y, a)| context! { year => y, result => a.label(c.lang), ok => a.satisfactory() })
        .collect();
    let pay = v.pay.map(|(b, q, h, o, t)| context! { base => yuan(b), qual => yuan(q), housing => yuan(h), other => yuan(o), total => yuan(t) });
    let prog = v.progression.as_ref().map(|p| context! { grade => p.grade, steps => p.steps, held => p.held_back, bonus => p.qualification_bonus, next => p.next_step.map(|d| d.to_string()) });
    Ok(render(
        state,
        "workforce/worker.html",
        context! {
        w => context! { id => w.id, name => w.name.clone(), sex => w.sex.clone(), birth => w.birth_date.to_string(), education => w.education.label(c.lang),
            community => w.community_name.clone(), community_id => w.community_id, post => w.post.label(c.lang), post_v => w.post.as_str(), grade => w.grade, entry => w.entry_grade,
            qualification => w.qualification.label(c.lang), qual_v => w.qualification.as_str(), tc => w.two_committees, duty => w.duty.clone(),
            start => w.start_date.to_string(), status => w.status.label(c.lang), active => w.status == WorkerStatus::Active,
            end => w.end_date.map(|d| d.to_string()), subsidy => w.exit_subsidy.map(yuan), version => w.version },
        years => v.service_years, age => v.age, history => history, assessments => assessments, pay => pay, prog => prog, table_year => v.table_year,
        posts => options(Post::ALL, c.lang, Post::as_str, Post::label_zh, Post::label_en),
        quals => options(Qualification::ALL, c.lang, Qualification::as_str, Qualification::label_zh, Qualification::label_en),
        results => options(Assessment::ALL, c.lang, Assessment::as_str, Assessment::label_zh, Assessment::label_en),
        today => wf::today(&state.ctx).to_string(), this_year => chrono::Datelike::year(&wf::today(&state.ctx)), feedback => fb, ..base(c) },
    ))
}

async fn worker_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    page(&state, &c, worker_view(&state, &c, id, None).await)
}

#[derive(Deserialize)]
struct ChangeForm {
    csrf: String,
    version: i64,
    post: String,
    grade: i64,
    qualification: String,
    #[serde(default)]
    two_committees: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    from_date: String,
}

async fn worker_change(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::change_worker(
            &state.ctx,
            &c.actor,
            id,
            WorkerChange {
                version: f.version,
                post: f.post.clone(),
                grade: f.grade,
                qualification: f.qualification.clone(),
                two_committees: f.two_committees.is_some(),
                reason: f.reason.clone(),
                from_date: f.from_date.clone(),
            },
        )
        .await?;
        Ok(format!("/workforce/workers/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        worker_view(&state, &c, id, Some(fb)).await
    })
    .await
}

#[derive(Deserialize)]
struct VersionForm {
    csrf: String,
    version: i64,
}

async fn worker_progression(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::apply_progression(&state.ctx, &c.actor, id, f.version).await?;
        Ok(format!("/workforce/workers/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        worker_view(&state, &c, id, Some(fb)).await
    })
    .await
}

#[derive(Deserialize)]
struct AssessmentForm {
    csrf: String,
    year: i32,
    result: String,
}

async fn worker_assessment(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<AssessmentForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::set_assessment(&state.ctx, &c.actor, id, f.year, &f.result).await?;
        Ok(format!("/workforce/workers/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        worker_view(&state, &c, id, Some(fb)).await
    })
    .await
}

#[derive(Deserialize)]
struct ExitForm {
    csrf: String,
    version: i64,
    status: String,
    end_date: String,
}

async fn worker_exit(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<ExitForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::exit_worker(&state.ctx, &c.actor, id, f.version, &f.status, &f.end_date).await?;
        Ok(format!("/workforce/workers/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        worker_view(&state, &c, id, Some(fb)).await
    })
    .await
}

// ---------------------------------------------------------------- pay tables

fn table_ctx(t: &PayTable) -> Value {
    let grid: Vec<Vec<i64>> = (0..GRADES as usize)
        .map(|g| {
            (0..POSTS as usize)
                .map(|p| t.cells.get(p * 18 + g).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    context! { id => t.id, year => t.effective_year, name => t.name.clone(), grid => grid, cells => t.cells.clone(),
    qa => t.qual_assistant, qs => t.qual_social_worker, qh => t.qual_senior, housing => t.housing_rate_bp, housing_pct => format!("{:.1}%", t.housing_rate_bp as f64 / 100.0),
    committee => t.committee_allowance, departure => t.departure_per_year, retirement => t.retirement_per_year, step => t.step_years,
    ba => t.bonus_assistant, bs => t.bonus_social_worker, bh => t.bonus_senior }
}

async fn tables_view(
    state: &AppState,
    c: &PageCaller,
    fb: Option<Value>,
    typed: Option<&PayTable>,
) -> Result<Response> {
    let tables = wf::pay_tables(&state.ctx, &c.actor).await?;
    let latest = typed.or(tables.last());
    let prefill = latest.map(table_ctx);
    let next_year = tables
        .last()
        .map(|t| t.effective_year + 1)
        .unwrap_or_else(|| chrono::Datelike::year(&wf::today(&state.ctx)));
    Ok(render(
        state,
        "workforce/tables.html",
        context! { tables => tables.iter().rev().map(table_ctx).collect::<Vec<_>>(), prefill => prefill,
        next_year => typed.map(|t| t.effective_year).unwrap_or(next_year), can_edit => c.actor.can(jiceng_core::Verb::ManageUsers),
        posts => Post::ALL.iter().map(|p| p.label(c.lang)).collect::<Vec<_>>(), feedback => fb, ..base(c) },
    ))
}

async fn tables_page(State(state): State<AppState>, c: PageCaller) -> Response {
    page(&state, &c, tables_view(&state, &c, None, None).await)
}

/// The version form: `c1_1` … `c3_18` and the allowances, all as text so a blank or
/// a typo is answered with the field's name.
async fn table_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut bad = jiceng_core::error::Checker::new();
    let mut num = |k: &str| -> i64 {
        match get(k).parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                bad.add(k, "应填写整数", "a whole number is required");
                -1
            }
        }
    };
    let mut cells = vec![];
    for p in 1..=POSTS {
        for g in 1..=GRADES {
            cells.push(num(&format!("c{p}_{g}")));
        }
    }
    let t = PayTable {
        id: 0,
        effective_year: num("effective_year") as i32,
        name: String::new(),
        cells,
        qual_assistant: num("qual_assistant"),
        qual_social_worker: num("qual_social_worker"),
        qual_senior: num("qual_senior"),
        housing_rate_bp: num("housing_rate_bp"),
        committee_allowance: num("committee_allowance"),
        departure_per_year: num("departure_per_year"),
        retirement_per_year: num("retirement_per_year"),
        step_years: num("step_years"),
        bonus_assistant: num("bonus_assistant"),
        bonus_social_worker: num("bonus_social_worker"),
        bonus_senior: num("bonus_senior"),
        created_ms: 0,
    };
    let t = PayTable {
        name: get("name"),
        ..t
    };
    let r = async {
        check_csrf(&c, &get("csrf"))?;
        bad.finish()?;
        wf::create_pay_table(&state.ctx, &c.actor, t.clone()).await?;
        Ok("/workforce/pay-tables".to_string())
    }
    .await;
    done(&state, &c, r, |fb| async {
        tables_view(&state, &c, Some(fb), Some(&t)).await
    })
    .await
}

// ---------------------------------------------------------------- pay runs

fn run_ctx(r: &PayRun, lang: Lang) -> Value {
    context! { id => r.id, month => r.month.clone(), unit => r.unit_name.clone(), unit_id => r.unit_id, year => r.table_year,
    status => r.status.label(lang), confirmed => r.status == RunStatus::Confirmed, workers => r.workers, total => yuan(r.total),
    created => format_ms(r.created_ms), by => r.created_by.clone(), confirmed_at => r.confirmed_ms.map(format_ms), confirmed_by => r.confirmed_by.clone() }
}

async fn runs_view(
    state: &AppState,
    c: &PageCaller,
    q: &UnitQuery,
    fb: Option<Value>,
) -> Result<Response> {
    let (unit, runs) = wf::pay_runs(&state.ctx, &c.actor, q.unit()?).await?;
    let mut units = vec![unit_ctx(&unit)];
    if unit.kind == UnitKind::District {
        units.extend(
            state
                .ctx
                .org
                .units_in(&unit.path, UnitKind::Subdistrict, 100)
                .await?
                .iter()
                .map(unit_ctx),
        );
    }
    if unit.kind != UnitKind::Community {
        units.extend(
            state
                .ctx
                .org
                .units_in(&unit.path, UnitKind::Community, 1000)
                .await?
                .iter()
                .map(unit_ctx),
        );
    }
    let t = wf::today(&state.ctx);
    Ok(render(
        state,
        "workforce/runs.html",
        context! { runs => runs.iter().map(|r| run_ctx(r, c.lang)).collect::<Vec<_>>(), units => units,
        month => wf::this_month(&state.ctx), max_month => format!("{:04}-{:02}", chrono::Datelike::year(&t), chrono::Datelike::month(&t)), feedback => fb, ..base(c) },
    ))
}

async fn runs_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    page(&state, &c, runs_view(&state, &c, &q, None).await)
}

#[derive(Deserialize)]
struct RunForm {
    csrf: String,
    unit_id: i64,
    month: String,
}

async fn run_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<RunForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let run = wf::create_pay_run(&state.ctx, &c.actor, f.unit_id, &f.month).await?;
        Ok(format!("/workforce/pay-runs/{}", run.id))
    }
    .await;
    done(&state, &c, r, |fb| async {
        runs_view(&state, &c, &UnitQuery::default(), Some(fb)).await
    })
    .await
}

async fn run_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let (run, lines) = wf::pay_run(&state.ctx, &c.actor, id).await?;
    let sum = |f: fn(&PayLine) -> i64| yuan(lines.iter().map(f).sum());
    let rows: Vec<Value> = lines.iter().map(|l| context! { worker_id => l.worker_id, name => l.name.clone(), community => l.community_name.clone(),
        post => l.post.label(c.lang), grade => l.grade, tc => l.two_committees, base => yuan(l.base), qual => yuan(l.qualification),
        housing => yuan(l.housing_fund), other => yuan(l.other), total => yuan(l.total) }).collect();
    Ok(render(
        state,
        "workforce/run.html",
        context! { run => run_ctx(&run, c.lang), rows => rows,
        sums => context! { base => sum(|l| l.base), qual => sum(|l| l.qualification), housing => sum(|l| l.housing_fund), other => sum(|l| l.other), total => sum(|l| l.total) },
        feedback => fb, ..base(c) },
    ))
}

async fn run_page(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    page(&state, &c, run_view(&state, &c, id, None).await)
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn run_confirm(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::confirm_pay_run(&state.ctx, &c.actor, id).await?;
        Ok(format!("/workforce/pay-runs/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        run_view(&state, &c, id, Some(fb)).await
    })
    .await
}

async fn run_delete(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::delete_pay_run(&state.ctx, &c.actor, id).await?;
        Ok("/workforce/pay-runs".to_string())
    }
    .await;
    done(&state, &c, r, |fb| async {
        run_view(&state, &c, id, Some(fb)).await
    })
    .await
}

/// The pay run as a workbook: one row per worker, a total row.
pub async fn pay_run_workbook(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i64,
) -> Result<Vec<u8>> {
    let (run, lines) = wf::pay_run(&state.ctx, actor, id).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| DomainError::internal(e);
    let zh = lang == Lang::Zh;
    let title = if zh {
        format!(
            "{} {} 社区工作者薪酬表（{}年版标准，{}）",
            run.unit_name,
            run.month,
            run.table_year,
            run.status.label_zh()
        )
    } else {
        format!(
            "{} {} community workers' pay ({} table, {})",
            run.unit_name,
            run.month,
            run.table_year,
            run.status.label_en()
        )
    };
    ws.write_string(0, 0, &title).map_err(x)?;
    let heads: [&str; 10] = if zh {
        [
            "姓名",
            "社区",
            "岗位",
            "级别",
            "两委成员",
            "基本报酬",
            "社工资格补贴",
            "住房公积金",
            "两委职务补贴",
            "合计",
        ]
    } else {
        [
            "Name",
            "Community",
            "Post",
            "Grade",
            "Two committees",
            "Base",
            "Qualification",
            "Housing fund",
            "Committee allowance",
            "Total",
        ]
    };
    for (i, h) in heads.iter().enumerate() {
        ws.write_string(1, i as u16, *h).map_err(x)?;
    }
    let mut row = 2u32;
    for l in &lines {
        ws.write_string(row, 0, &l.name).map_err(x)?;
        ws.write_string(row, 1, &l.community_name).map_err(x)?;
        ws.write_string(row, 2, l.post.label(lang)).map_err(x)?;
        ws.write_number(row, 3, l.grade as f64).map_err(x)?;
        ws.write_string(
            row,
            4,
            if l.two_committees {
                if zh { "是" } else { "yes" }
            } else {
                ""
            },
        )
        .map_err(x)?;
        for (i, v) in [l.base, l.qualification, l.housing_fund, l.other, l.total]
            .iter()
            .enumerate()
        {
            ws.write_number(row, 5 + i as u16, *v as f64).map_err(x)?;
        }
        row += 1;
    }
    ws.write_string(row, 0, if zh { "合计" } else { "Total" })
        .map_err(x)?;
    let sums = [
        lines.iter().map(|l| l.base).sum::<i64>(),
        lines.iter().map(|l| l.qualification).sum(),
        lines.iter().map(|l| l.housing_fund).sum(),
        lines.iter().map(|l| l.other).sum(),
        lines.iter().map(|l| l.total).sum(),
    ];
    for (i, v) in sums.iter().enumerate() {
        ws.write_number(row, 5 + i as u16, *v as f64).map_err(x)?;
    }
    ws.set_column_width(0, 10).map_err(x)?;
    ws.set_column_width(1, 18).map_err(x)?;
    ws.set_column_width(2, 20).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

async fn run_xlsx(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    match pay_run_workbook(&state, &c.actor, c.lang, id).await {
        Ok(bytes) => xlsx_response(bytes, &format!("pay-run-{id}.xlsx")),
        Err(e) => caller_error(&state, &c, &e),
    }
}

// ---------------------------------------------------------------- two committees

async fn committee_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    let r = async {
        let v = wf::committee_pay(&state.ctx, &c.actor, q.unit()?, q.month.as_deref()).await?;
        let row = |r: &CommitteePayRow| context! { id => r.community_id, name => r.community_name.clone(), tn => r.then_members, ta => r.then_average.map(yuan),
            nn => r.now_members, na => r.now_average.map(yuan), ratio => r.ratio.clone(), doubled => r.doubled };
        // Bars: the two averages of the total.
        let chart = match (v.total.then_average, v.total.now_average) {
            (Some(a), Some(b)) => {
                let max = a.max(b).max(1) as f64;
                let w = |x: i64| (x as f64 / max * 260.0).round();
                Some(Value::from_safe_string(format!(
                    r##"<svg class="chart" viewBox="0 0 340 70" xmlns="http://www.w3.org/2000/svg"><text x="0" y="20" font-size="11">{}</text><rect x="60" y="8" height="16" width="{}" fill="#c9a46a"/><text x="0" y="50" font-size="11">{}</text><rect x="60" y="38" height="16" width="{}" fill="#b71c1c"/><line x1="{}" x2="{}" y1="4" y2="60" stroke="#333" stroke-dasharray="3 2"/></svg>"##,
                    v.then_month, w(a), v.month, w(b), 60.0 + 2.0 * w(a), 60.0 + 2.0 * w(a)
                )))
            }
            _ => None,
        };
        Ok(render(&state, "workforce/committee.html", context! { unit => v.unit_name.clone(), unit_id => v.unit_id, month => v.month.clone(), then => v.then_month.clone(),
            rows => v.rows.iter().map(row).collect::<Vec<_>>(), total => row(&v.total), chart => chart, ..base(&c) }))
    }
    .await;
    page(&state, &c, r)
}

// ---------------------------------------------------------------- talents

async fn talents_view(
    state: &AppState,
    c: &PageCaller,
    q: &UnitQuery,
    fb: Option<Value>,
) -> Result<Response> {
    let p = wf::pipeline(&state.ctx, &c.actor, q.unit()?).await?;
    let columns: Vec<Value> = Stage::ALL
        .iter()
        .map(|s| {
            let items: Vec<Value> = p.talents.iter().filter(|t| t.stage == *s).map(|t| {
                let (n, h) = p.trainings.get(&t.id).copied().unwrap_or((0, 0));
                context! { id => t.id, name => t.name.clone(), community => t.community_name.clone(), since => rules::stage_date(t).to_string(), courses => n, hours => h }
            }).collect();
            context! { key => s.as_str(), label => s.label(c.lang), n => items.len(), items => items, pool => s.in_pool() }
        })
        .collect();
    let communities = units_of(state, &c.actor, UnitKind::Community).await?;
    Ok(render(
        state,
        "workforce/talents.html",
        context! { unit => unit_ctx(&p.unit), columns => columns, pool => p.pool, communities => communities,
        educations => options(Education::ALL, c.lang, Education::as_str, Education::label_zh, Education::label_en),
        today => wf::today(&state.ctx).to_string(), feedback => fb, ..base(c) },
    ))
}

async fn talents_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<UnitQuery>,
) -> Response {
    page(&state, &c, talents_view(&state, &c, &q, None).await)
}

#[derive(Deserialize)]
struct TalentForm {
    csrf: String,
    name: String,
    sex: String,
    birth_date: String,
    education: String,
    community_id: i64,
    #[serde(default)]
    present_role: String,
    identified_date: String,
}

async fn talent_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<TalentForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let t = wf::create_talent(
            &state.ctx,
            &c.actor,
            TalentInput {
                name: f.name.clone(),
                sex: f.sex.clone(),
                birth_date: f.birth_date.clone(),
                education: f.education.clone(),
                community_id: f.community_id,
                present_role: f.present_role.clone(),
                identified_date: f.identified_date.clone(),
            },
        )
        .await?;
        Ok(format!("/workforce/talents/{}", t.id))
    }
    .await;
    done(&state, &c, r, |fb| async {
        talents_view(&state, &c, &UnitQuery::default(), Some(fb)).await
    })
    .await
}

async fn talent_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let (t, tr) = wf::talent(&state.ctx, &c.actor, id).await?;
    let d = |x: Option<chrono::NaiveDate>| x.map(|d| d.to_string());
    let stages: Vec<Value> = [
        (Stage::Identified, Some(t.identified_date)),
        (Stage::Training, t.training_date),
        (Stage::Ready, t.ready_date),
        (Stage::Appointed, t.appointed_date),
        (Stage::Dropped, t.dropped_date),
    ]
    .iter()
    .filter(|(s, day)| *s != Stage::Dropped || day.is_some())
    .map(
        |(s, day)| context! { label => s.label(c.lang), date => d(*day), current => *s == t.stage },
    )
    .collect();
    let next = rules::next_stage(t.stage).map(
        |s| context! { v => s.as_str(), l => s.label(c.lang), appoint => s == Stage::Appointed },
    );
    let trainings: Vec<Value> = tr.iter().map(|x| context! { course => x.course.clone(), hours => x.hours, day => x.day.to_string(), result => x.result.label(c.lang) }).collect();
    Ok(render(
        state,
        "workforce/talent.html",
        context! {
        tal => context! { id => t.id, name => t.name.clone(), sex => t.sex.clone(), birth => t.birth_date.to_string(), education => t.education.label(c.lang),
            community => t.community_name.clone(), community_id => t.community_id, role => t.present_role.clone(), stage => t.stage.label(c.lang),
            in_pool => t.stage.in_pool(), dropped => t.stage == Stage::Dropped, post => t.appointed_post.clone(), reason => t.drop_reason.clone(), version => t.version },
        stages => stages, next => next, trainings => trainings, hours => tr.iter().map(|x| x.hours).sum::<i64>(),
        results => options(TrainingResult::ALL, c.lang, TrainingResult::as_str, TrainingResult::label_zh, TrainingResult::label_en),
        today => wf::today(&state.ctx).to_string(), feedback => fb, ..base(c) },
    ))
}

async fn talent_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    page(&state, &c, talent_view(&state, &c, id, None).await)
}

#[derive(Deserialize)]
struct StageForm {
    csrf: String,
    version: i64,
    to: String,
    date: String,
    #[serde(default)]
    note: String,
}

async fn talent_stage(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<StageForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        wf::move_talent(
            &state.ctx,
            &c.actor,
            id,
            StageMove {
                version: f.version,
                to: f.to.clone(),
                date: f.date.clone(),
                note: f.note.clone(),
            },
        )
        .await?;
        Ok(format!("/workforce/talents/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        talent_view(&state, &c, id, Some(fb)).await
    })
    .await
}

#[derive(Deserialize)]
struct TrainingForm {
    csrf: String,
    course: String,
    hours: String,
    day: String,
    result: String,
}

async fn talent_training(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<TrainingForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let hours = f.hours.trim().parse::<i64>().map_err(|_| {
            DomainError::field("hours", "学时应为整数", "hours must be a whole number")
        })?;
        wf::add_training(
            &state.ctx,
            &c.actor,
            id,
            TrainingInput {
                course: f.course.clone(),
                hours,
                day: f.day.clone(),
                result: f.result.clone(),
            },
        )
        .await?;
        Ok(format!("/workforce/talents/{id}"))
    }
    .await;
    done(&state, &c, r, |fb| async {
        talent_view(&state, &c, id, Some(fb)).await
    })
    .await
}
