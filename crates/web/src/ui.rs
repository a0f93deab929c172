//! Server-rendered pages. Chinese by default, English by switch; usable at 360 px.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiceng_core::audit::AuditFilter;
use jiceng_core::clock::format_ms;
use jiceng_core::{Actor, DomainError, Lang, PageRequest, Result, Role, Verb};
use jiceng_domain::import::ImportOptions;
use jiceng_domain::org::{GridType, PostTitle, UnitKind, UnitPatch, service as org};
use jiceng_domain::people::{HouseholdInput, ResidentFilter, ResidentInput, service as people};
use jiceng_domain::{audit, auth::service as auth};
use minijinja::{Environment, Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{LANG_COOKIE, PRE_CSRF_COOKIE, PageCaller, ReqLang, cookie, session_cookie};

macro_rules! tpl {
    ($env:ident, $($name:literal),*) => {
        $( $env.add_template($name, include_str!(concat!("../templates/", $name))).unwrap_or_else(|e| tracing::error!("template {}: {e}", $name)); )*
    };
}

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    tpl!(
        env,
        "base.html",
        "login.html",
        "home.html",
        "unit.html",
        "history.html",
        "residents.html",
        "household.html",
        "resident.html",
        "import.html",
        "audit.html",
        "users.html",
        "error.html",
        "figures.html",
        "appeals/report.html",
        "appeals/receipt.html",
        "appeals/case.html",
        "appeals/cases.html",
        "appeals/inbox.html",
        "appeals/stats.html",
        "appeals/rotations.html",
        "workforce/hub.html",
        "workforce/nav.html",
        "workforce/cadres.html",
        "workforce/staff.html",
        "workforce/promotions.html",
        "workforce/workers.html",
        "workforce/worker.html",
        "workforce/tables.html",
        "workforce/runs.html",
        "workforce/run.html",
        "workforce/committee.html",
        "workforce/talents.html",
        "workforce/talent.html",
        "network/centres.html",
        "network/place_form.html",
        "network/place_new.html",
        "network/place.html",
        "network/bodies.html",
        "network/body.html",
        "network/status_form.html",
        "network/tracker.html",
        "network/subdistricts.html",
        "network/reform.html",
        "party/org.html",
        "party/member.html",
        "party/roster.html",
        "party/temporary.html",
        "party/alliances.html",
        "party/alliance.html",
        "lists/nav.html",
        "lists/hub.html",
        "lists/needs.html",
        "lists/need_new.html",
        "lists/need.html",
        "lists/resources.html",
        "lists/resource.html",
        "lists/matches.html",
        "lists/projects.html",
        "lists/project.html",
        "lists/coverage.html",
        "lists/accountability.html",
        "lists/mine.html"
    );
    env.add_function(
        "t",
        |state: &minijinja::State, zh: String, en: String| match state
            .lookup("lang")
            .and_then(|v| v.as_str().map(String::from))
        {
            Some(l) if l == "en" => en,
            _ => zh,
        },
    );
    env.add_filter("ms", |v: i64| format_ms(v));
    env
}

const CSS: &str = include_str!("../static/app.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/static/app.css", get(css))
        .route("/lang/{code}", get(set_lang))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/home", get(home))
        .route("/org", get(org_root))
        .route("/org/{id}", get(unit_page))
        .route("/org/{id}/edit", post(unit_edit))
        .route("/org/{id}/children", post(unit_create_child))
        .route("/org/{id}/move", post(unit_move))
        .route("/org/{id}/retire", post(unit_retire))
        .route("/org/{id}/posts", post(unit_appoint))
        .route("/org/{id}/households", post(unit_create_household))
        .route("/org/{id}/history", get(unit_history))
        .route("/org/{id}/residents.xlsx", get(unit_residents_xlsx))
        .route("/residents", get(residents_page))
        .route("/residents/{id}", get(resident_page))
        .route("/residents/{id}/reveal", post(resident_reveal))
        .route("/residents/{id}/edit", post(resident_edit))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/residents", post(household_add_resident))
        .route("/import", get(import_page).post(import_submit))
        .route("/audit", get(audit_page))
        .route("/users", get(users_page).post(users_create))
}

/// Any serialisable value for a template.
pub(crate) fn v<T: serde::Serialize>(t: &T) -> Value {
    Value::from(minijinja::value::Serde(t))
}

pub(crate) fn lang_str(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

pub(crate) fn role_label(role: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => role.label_zh(),
        Lang::En => role.label_en(),
    }
}

pub(crate) fn base(c: &PageCaller) -> Value {
    let a = &c.actor;
    context! {
        lang => lang_str(c.lang),
        csrf => c.csrf.clone(),
        me => context! {
            login => a.login.clone(), name => a.display_name.clone(), role => a.role.as_str(),
            role_label => role_label(a.role, c.lang), household_id => a.household_id,
        },
        can => context! {
            org => a.can(Verb::ViewOrg), edit_org => a.can(Verb::EditOrg),
            people => a.can(Verb::ViewPeople), edit_people => a.can(Verb::EditPeople),
            reveal => a.can(Verb::RevealPersonalData), import => a.can(Verb::Import),
            audit => a.can(Verb::ViewAudit), users => a.can(Verb::ManageUsers),
            cases => !matches!(a.role, Role::Resident),
            report => matches!(a.role, Role::Resident | Role::GridWorker | Role::HotlineOperator | Role::CommunityStaff | Role::SubdistrictStaff | Role::DistrictAdmin),
            inbox => !matches!(a.role, Role::Resident | Role::Auditor),
            stats => a.can(Verb::ViewOrg),
            workforce => matches!(a.role, Role::DistrictAdmin | Role::SubdistrictStaff | Role::CommunityStaff | Role::DepartmentHandler),
        },
    }
}

pub(crate) fn render(state: &AppState, name: &str, ctx: Value) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "render failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "render error").into_response()
        }
    }
}

pub fn error_page(state: &AppState, lang: Lang, e: &DomainError) -> Response {
    if let DomainError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
    if matches!(e, DomainError::Unauthenticated) {
        return Redirect::to("/login").into_response();
    }
    let status = crate::error::status_of(e);
    let mut res = render(
        state,
        "error.html",
        context! { lang => lang_str(lang), status => status.as_u16(), code => e.code(), message => e.message(lang) },
    );
    *res.status_mut() = status;
    res
}

/// The error page with the signed-in person's header and menu.
pub(crate) fn caller_error(state: &AppState, c: &PageCaller, e: &DomainError) -> Response {
    if let DomainError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
    let status = crate::error::status_of(e);
    let mut res = render(
        state,
        "error.html",
        context! { status => status.as_u16(), code => e.code(), message => e.message(c.lang), ..base(c) },
    );
    *res.status_mut() = status;
    res
}

/// Form feedback: the error message, the fields it names, and what was typed.
pub(crate) fn feedback(lang: Lang, e: &DomainError) -> Value {
    let fields: Vec<Value> = e
        .fields()
        .iter()
        .map(|f| context! { field => f.field.clone(), message => f.message.get(lang) })
        .collect();
    context! { message => e.message(lang), fields => fields }
}

pub(crate) fn check_csrf(c: &PageCaller, form_csrf: &str) -> Result<()> {
    if crate::ct_eq(form_csrf, &c.csrf) {
        Ok(())
    } else {
        Err(DomainError::rule(
            "页面已过期，请刷新后重新提交",
            "the page has expired: reload it and submit again",
        ))
    }
}

async fn index(headers: HeaderMap) -> Redirect {
    if cookie(&headers, crate::auth::SESSION_COOKIE).is_some() {
        Redirect::to("/home")
    } else {
        Redirect::to("/login")
    }
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_tag(&code).unwrap_or_default();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .unwrap_or_else(|| "/".into());
    (
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang_str(lang)
            ),
        )],
        Redirect::to(&crate::auth::safe_next(Some(&back))),
    )
        .into_response()
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<NextQuery>,
) -> Response {
    login_form(&state, lang, q.next.as_deref(), None, "")
}

fn login_form(
    state: &AppState,
    lang: Lang,
    next: Option<&str>,
    error: Option<String>,
    login: &str,
) -> Response {
    let pre = auth::random_token();
    let mut res = render(
        state,
        "login.html",
        context! { lang => lang_str(lang), csrf => pre.clone(), next => crate::auth::safe_next(next), error => error.clone(), login => login },
    );
    if let Ok(v) =
        format!("{PRE_CSRF_COOKIE}={pre}; Path=/login; HttpOnly; SameSite=Strict").parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if error.is_some() {
        *res.status_mut() = StatusCode::UNAUTHORIZED;
    }
    res
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    crate::auth::ClientAddr(addr): crate::auth::ClientAddr,
    Form(f): Form<LoginForm>,
) -> Response {
    let pre = cookie(&headers, PRE_CSRF_COOKIE).unwrap_or_default();
    if pre.is_empty() || !crate::ct_eq(&pre, &f.csrf) {
        let msg = DomainError::rule(
            "页面已过期，请重新登录",
            "the page has expired: sign in again",
        )
        .message(lang);
        return login_form(&state, lang, f.next.as_deref(), Some(msg), &f.login);
    }
    match auth::login(&state.ctx, &f.login, &f.password, &addr).await {
        Ok(signed) => {
            let mut res = Redirect::to(&crate::auth::safe_next(f.next.as_deref())).into_response();
            let max_age = auth::SESSION_TTL_MS / 1000;
            if let Ok(v) =
                session_cookie(&signed.session_token, state.secure_cookies, max_age).parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => login_form(
            &state,
            lang,
            f.next.as_deref(),
            Some(e.message(lang)),
            &f.login,
        ),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    c: PageCaller,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = check_csrf(&c, &f.csrf) {
        return caller_error(&state, &c, &e);
    }
    if let Some(token) = cookie(&headers, crate::auth::SESSION_COOKIE) {
        let _ = auth::logout(&state.ctx, &token).await;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = session_cookie("", state.secure_cookies, 0).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn home(State(state): State<AppState>, c: PageCaller) -> Response {
    if c.actor.role == Role::PropertyCompany {
        return Redirect::to("/inbox").into_response();
    }
    let result: Result<Response> = async {
        if c.actor.role == Role::Resident {
            let household = match c.actor.household_id {
                Some(h) => Some(people::household(&state.ctx, &c.actor, h).await?),
                None => None,
            };
            return Ok(render(
                &state,
                "home.html",
                context! { household => v(&household), ..base(&c) },
            ));
        }
        let unit = org::home(&state.ctx, &c.actor).await?;
        let stats = org::stats(&state.ctx, &c.actor, unit.id).await?;
        Ok(render(
            &state,
            "home.html",
            context! { unit => v(&unit), stats => v(&stats), ..base(&c) },
        ))
    }
    .await;
    result.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn org_root(State(state): State<AppState>, c: PageCaller) -> Response {
    match org::home(&state.ctx, &c.actor).await {
        Ok(u) => Redirect::to(&format!("/org/{}", u.id)).into_response(),
        Err(e) => caller_error(&state, &c, &e),
    }
}

pub(crate) fn kind_label(k: UnitKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => k.label_zh(),
        Lang::En => k.label_en(),
    }
}

async fn unit_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let view = org::view(&state.ctx, &c.actor, id, true).await?;
    let lang = c.lang;
    let map = match view.unit.kind {
        UnitKind::Grid => {
            let around = org::grid_neighbourhood(&state.ctx, &c.actor, &view.unit).await?;
            crate::svg::grid_map(&around, Some(view.unit.id), 640.0, 420.0)
        }
        UnitKind::Community | UnitKind::Subdistrict | UnitKind::District => {
            let grids = org::grid_loads(&state.ctx, &c.actor, view.unit.id).await?;
            crate::svg::grid_map(&grids, None, 640.0, 420.0)
        }
        _ => String::new(),
    };
    let households = if matches!(view.unit.kind, UnitKind::Unit | UnitKind::Building)
        && c.actor.can(Verb::ViewPeople)
    {
        people::households_of_unit(&state.ctx, &c.actor, view.unit.id).await?
    } else {
        vec![]
    };
    let child_kind = view.unit.kind.child();
    let children: Vec<Value> = view
        .children
        .iter()
        .zip(view.child_residents.iter().chain(std::iter::repeat(&0)))
        .map(|(u, n)| context! { id => u.id, code => u.code.clone(), name => u.name.clone(), status => u.status.as_str(), residents => *n,
            grid_type => u.grid_type.map(|g| if lang == Lang::Zh { g.label_zh() } else { g.label_en() }) })
        .collect();
    let posts: Vec<Value> = view
        .posts
        .iter()
        .map(|p| context! { id => p.id, title => if lang == Lang::Zh { p.title.label_zh() } else { p.title.label_en() },
            name => p.person_name.clone(), phone => p.phone.clone(), since => format_ms(p.since_ms) })
        .collect();
    let titles: Vec<Value> = PostTitle::ALL
        .iter()
        .filter(|t| t.held_at() == view.unit.kind)
        .map(|t| context! { code => t.as_str(), label => if lang == Lang::Zh { t.label_zh() } else { t.label_en() } })
        .collect();
    let grid_types: Vec<Value> = GridType::ALL
        .iter()
        .map(|g| context! { code => g.as_str(), label => if lang == Lang::Zh { g.label_zh() } else { g.label_en() } })
        .collect();
    let edit_below = c.actor.can(Verb::EditOrg) && c.actor.reaches(&view.unit.path);
    let edit_self = c.actor.can(Verb::EditOrg) && c.actor.reaches_below(&view.unit.path);
    Ok(render(
        state,
        "unit.html",
        context! {
        unit => v(&view.unit),
        kind_label => kind_label(view.unit.kind, lang),
        grid_type_label => view.unit.grid_type.map(|g| if lang == Lang::Zh { g.label_zh() } else { g.label_en() }),
        child_kind_label => child_kind.map(|k| kind_label(k, lang)),
        ancestors => v(&view.ancestors),
        children => children,
        posts => posts,
        titles => titles,
        grid_types => grid_types,
        stats => v(&view.stats),
        map => map,
        households => v(&households),
        edit_below => edit_below,
        edit_self => edit_self,
        created => format_ms(view.unit.created_ms),
        retired => view.unit.retired_ms.map(format_ms),
        feedback => fb, ..base(c) },
    ))
}

async fn unit_page(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    unit_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

/// Runs a form action; on success redirects, on a domain error re-renders the unit
/// page with the message, on any other failure shows the error page.
async fn after_unit_action(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    r: Result<String>,
) -> Response {
    match r {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            let fb = feedback(c.lang, &e);
            match unit_view(state, c, id, Some(fb)).await {
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

#[derive(Deserialize)]
struct EditForm {
    csrf: String,
    version: i64,
    name: Option<String>,
    grid_type: Option<String>,
    address: Option<String>,
}

async fn unit_edit(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let grid_type = match f.grid_type.as_deref().filter(|s| !s.is_empty()) {
            Some(g) => Some(GridType::parse(g).ok_or_else(|| {
                DomainError::field("grid_type", "网格类型无效", "invalid grid type")
            })?),
            None => None,
        };
        let patch = UnitPatch {
            name: f.name.filter(|s| !s.trim().is_empty()),
            grid_type,
            address: f.address.filter(|s| !s.trim().is_empty()),
            boundary: None,
        };
        org::update(&state.ctx, &c.actor, id, f.version, patch).await?;
        Ok(format!("/org/{id}"))
    }
    .await;
    after_unit_action(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct ChildForm {
    csrf: String,
    name: String,
    code: Option<String>,
    grid_type: Option<String>,
    address: Option<String>,
}

async fn unit_create_child(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<ChildForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let u = org::create(
            &state.ctx,
            &c.actor,
            org::CreateUnit {
                parent_id: id,
                code: f.code,
                name: f.name,
                grid_type: f.grid_type.filter(|s| !s.is_empty()),
                address: f.address,
                boundary: None,
            },
        )
        .await?;
        Ok(format!("/org/{}", u.id))
    }
    .await;
    after_unit_action(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct MoveForm {
    csrf: String,
    version: i64,
    parent_code: String,
}

async fn unit_move(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let parent = org::get_by_code(&state.ctx, &c.actor, f.parent_code.trim())
            .await
            .map_err(|_| {
                DomainError::field(
                    "parent_code",
                    "目标上级单位不存在或不在管辖范围内",
                    "no such parent unit within your reach",
                )
            })?;
        org::move_to(&state.ctx, &c.actor, id, parent.id, f.version).await?;
        Ok(format!("/org/{id}"))
    }
    .await;
    after_unit_action(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct VersionForm {
    csrf: String,
    version: i64,
}

async fn unit_retire(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        org::retire(&state.ctx, &c.actor, id, f.version).await?;
        Ok(format!("/org/{id}"))
    }
    .await;
    after_unit_action(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct AppointForm {
    csrf: String,
    title: String,
    person_name: String,
    phone: String,
}

async fn unit_appoint(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<AppointForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        org::appoint(
            &state.ctx,
            &c.actor,
            id,
            org::Appoint {
                title: f.title,
                person_name: f.person_name,
                phone: f.phone,
            },
        )
        .await?;
        Ok(format!("/org/{id}"))
    }
    .await;
    after_unit_action(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct HouseholdForm {
    csrf: String,
    room: String,
    address: Option<String>,
    dwelling: Option<String>,
}

async fn unit_create_household(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<HouseholdForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let h = people::create_household(
            &state.ctx,
            &c.actor,
            id,
            HouseholdInput {
                room: f.room,
                address: f.address,
                dwelling: f.dwelling,
            },
        )
        .await?;
        Ok(format!("/households/{}", h.id))
    }
    .await;
    after_unit_action(&state, &c, id, r).await
}

async fn unit_history(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    let r = async {
        let unit = org::get(&state.ctx, &c.actor, id).await?;
        let items: Vec<Value> = org::history(&state.ctx, &c.actor, id)
            .await?
            .into_iter()
            .map(|h| {
                context! { at => format_ms(h.at_ms), change => h.change, actor => h.actor_login,
                before => h.before.map(|v| v.to_string()), after => h.after.map(|v| v.to_string()) }
            })
            .collect();
        Ok(render(
            &state,
            "history.html",
            context! { unit => v(&unit), items => items, ..base(&c) },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

#[derive(Deserialize, Default)]
struct ResidentsQuery {
    unit: Option<i64>,
    q: Option<String>,
    label: Option<String>,
    offset: Option<i64>,
}

async fn residents_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<ResidentsQuery>,
) -> Response {
    let r = async {
        let filter = ResidentFilter { q: q.q.clone(), label: q.label.clone() };
        let page = PageRequest { offset: q.offset.unwrap_or(0), limit: 50 };
        let (unit, result) = match q.unit {
            Some(id) => {
                let unit = org::get(&state.ctx, &c.actor, id).await?;
                let res = people::list(&state.ctx, &c.actor, &unit, &filter, page).await?;
                (Some(unit), res)
            }
            None => (None, people::search(&state.ctx, &c.actor, &filter, page).await?),
        };
        let labels = people::labels(&state.ctx).await?;
        let label_names: std::collections::HashMap<String, String> = labels
            .iter()
            .map(|l| (l.code.clone(), if c.lang == Lang::Zh { l.name_zh.clone() } else { l.name_en.clone() }))
            .collect();
        let rows: Vec<Value> = result
            .items
            .iter()
            .map(|r| context! { id => r.id, name => r.name.clone(), id_number => r.id_number.clone(), phone => r.phone.clone(),
                age => r.age, sex => r.sex.clone(), ethnicity => r.ethnicity.clone(),
                labels => r.labels.iter().map(|l| label_names.get(l).cloned().unwrap_or_else(|| l.clone())).collect::<Vec<_>>() })
            .collect();
        let next = (result.offset + result.limit < result.total).then_some(result.offset + result.limit);
        let prev = (result.offset > 0).then_some((result.offset - result.limit).max(0));
        let labels: Vec<Value> = labels
            .iter()
            .map(|l| context! { code => l.code.clone(), name => if c.lang == Lang::Zh { &l.name_zh } else { &l.name_en } })
            .collect();
        Ok(render(&state, "residents.html", context! {
            unit => v(&unit), rows => rows, total => result.total, offset => result.offset,
            next => next, prev => prev, q => echo_query(q.q.as_deref()), label => q.label, labels => labels, ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

/// The search box shows back what was typed — masked when it is an ID number or a
/// phone, so whole personal data never lands on a page unasked.
fn echo_query(q: Option<&str>) -> Option<String> {
    let q = q?.trim();
    if jiceng_core::idcard::parse(q).is_ok() {
        return Some(jiceng_core::mask::id_number(q));
    }
    if q.len() >= 7 && jiceng_domain::people::rules::phone_ok(q) {
        return Some(jiceng_core::mask::phone(q));
    }
    Some(q.to_string())
}

async fn resident_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    revealed: Option<jiceng_domain::people::ResidentView>,
    fb: Option<Value>,
) -> Result<Response> {
    let page = people::get(&state.ctx, &c.actor, id).await?;
    let labels = people::labels(&state.ctx).await?;
    let labels: Vec<Value> = labels
        .iter()
        .map(|l| context! { code => l.code.clone(), name => if c.lang == Lang::Zh { &l.name_zh } else { &l.name_en },
            checked => page.resident.labels.contains(&l.code) })
        .collect();
    let shown = revealed.unwrap_or_else(|| page.resident.clone());
    Ok(render(
        state,
        "resident.html",
        context! {
        r => v(&shown), household => v(&page.household), members => v(&page.members), place => v(&page.place),
        labels => labels, feedback => fb, ..base(c) },
    ))
}

async fn resident_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    resident_view(&state, &c, id, None, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

#[derive(Deserialize)]
struct RevealForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn resident_reveal(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let v = people::reveal(&state.ctx, &c.actor, id, &f.reason).await?;
        let mut res = resident_view(&state, &c, id, Some(v), None).await?;
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        Ok(res)
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

/// Checkbox lists arrive as repeated keys; axum's Form takes the pairs.
fn form_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn resident_input(pairs: &[(String, String)]) -> (ResidentInput, String, i64) {
    let get = |k: &str| pairs.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone());
    let input = ResidentInput {
        name: get("name").unwrap_or_default(),
        id_number: get("id_number").unwrap_or_default(),
        phone: get("phone"),
        ethnicity: get("ethnicity"),
        relation: get("relation"),
        labels: pairs
            .iter()
            .filter(|(k, _)| k == "labels")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let version = get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    (input, get("csrf").unwrap_or_default(), version)
}

async fn resident_edit(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let (input, csrf, version) = resident_input(&form_pairs(&body));
    let r = async {
        check_csrf(&c, &csrf)?;
        people::update(&state.ctx, &c.actor, id, version, input).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/residents/{id}")).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match resident_view(&state, &c, id, None, Some(feedback(c.lang, &e))).await {
                Ok(mut res) => {
                    *res.status_mut() = crate::error::status_of(&e);
                    res
                }
                Err(e) => caller_error(&state, &c, &e),
            }
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

async fn household_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
    values: Option<Value>,
) -> Result<Response> {
    let h = people::household(&state.ctx, &c.actor, id).await?;
    let labels = people::labels(&state.ctx).await?;
    let labels: Vec<Value> = labels
        .iter()
        .map(|l| context! { code => l.code.clone(), name => if c.lang == Lang::Zh { &l.name_zh } else { &l.name_en } })
        .collect();
    let can_add = c.actor.can(Verb::EditPeople) && c.actor.reaches(&h.household.path);
    Ok(render(
        state,
        "household.html",
        context! {
        h => v(&h.household), members => v(&h.members), place => v(&h.place), labels => labels,
        can_add => can_add, feedback => fb, values => values, ..base(c) },
    ))
}

async fn household_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    household_view(&state, &c, id, None, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn household_add_resident(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let (input, csrf, _) = resident_input(&form_pairs(&body));
    let values = context! { name => input.name.clone(), id_number => input.id_number.clone(), phone => input.phone.clone(),
    ethnicity => input.ethnicity.clone(), relation => input.relation.clone() };
    let r = async {
        check_csrf(&c, &csrf)?;
        people::create(&state.ctx, &c.actor, id, input).await
    }
    .await;
    match r {
        Ok(v) => Redirect::to(&format!("/residents/{}", v.id)).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match household_view(&state, &c, id, Some(feedback(c.lang, &e)), Some(values)).await {
                Ok(mut res) => {
                    *res.status_mut() = crate::error::status_of(&e);
                    res
                }
                Err(e) => caller_error(&state, &c, &e),
            }
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

async fn import_page(State(state): State<AppState>, c: PageCaller) -> Response {
    if !c.actor.can(Verb::Import) {
        return caller_error(&state, &c, &DomainError::Forbidden);
    }
    render(&state, "import.html", context! { ..base(&c) })
}

async fn import_submit(
    State(state): State<AppState>,
    c: PageCaller,
    mut mp: Multipart,
) -> Response {
    let mut kind = String::new();
    let mut csrf = String::new();
    let mut opts = ImportOptions::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    let r: Result<Response> = async {
        while let Some(field) = mp.next_field().await.map_err(|e| DomainError::field("file", "上传失败", &format!("upload failed: {e}")))? {
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "file" => {
                    let fname = field.file_name().unwrap_or("upload.csv").to_string();
                    let data = field.bytes().await.map_err(|e| DomainError::field("file", "上传失败", &format!("upload failed: {e}")))?;
                    file = Some((fname, data.to_vec()));
                }
                other => {
                    let v = field.text().await.unwrap_or_default();
                    match other {
                        "kind" => kind = v,
                        "csrf" => csrf = v,
                        "skip_bad" => opts.skip_bad = v == "on" || v == "true",
                        "dry_run" => opts.dry_run = v == "on" || v == "true",
                        _ => {}
                    }
                }
            }
        }
        check_csrf(&c, &csrf)?;
        let (fname, data) = file
            .filter(|(_, d)| !d.is_empty())
            .ok_or_else(|| DomainError::field("file", "请选择要导入的文件", "choose a file to import"))?;
        let outcome = crate::api::run_import(&state, &c.actor, &kind, &fname, &data, opts).await?;
        let errors: Vec<Value> = outcome
            .report
            .errors
            .iter()
            .map(|e| context! { line => e.line, column => e.column.clone(), value => e.value.clone(), message => e.message.get(c.lang) })
            .collect();
        let mut res = render(&state, "import.html", context! { outcome => v(&outcome), errors => errors, kind => kind, file_name => fname, ..base(&c) });
        if !outcome.applied && !outcome.report.errors.is_empty() {
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        Ok(res)
    }
    .await;
    match r {
        Ok(res) => res,
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_))) => {
            let mut res = render(
                &state,
                "import.html",
                context! { feedback => feedback(c.lang, &e), ..base(&c) },
            );
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            res
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    actor_login: Option<String>,
    action: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<i64>,
}

fn day_ms(s: &Option<String>, end: bool) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    let d = if end { d.succ_opt()? } else { d };
    let t = d
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(jiceng_core::clock::china())
        .single()?;
    Some(t.timestamp_millis())
}

async fn audit_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<AuditQuery>,
) -> Response {
    let r = async {
        let filter = AuditFilter {
            actor_login: q.actor_login.clone(),
            action: q.action.clone(),
            entity_type: q.entity_type.clone(),
            entity_id: q.entity_id.clone(),
            from_ms: day_ms(&q.from, false),
            to_ms: day_ms(&q.to, true),
        };
        let page = audit::browse(&state.ctx, &c.actor, &filter, PageRequest { offset: q.offset.unwrap_or(0), limit: 50 }).await?;
        let rows: Vec<Value> = page
            .items
            .iter()
            .map(|r| context! { id => r.id, at => format_ms(r.event.at_ms), actor => r.event.actor_login.clone(), role => r.event.actor_role.clone(),
                action => r.event.action.clone(), entity => format!("{} {}", r.event.entity_type, r.event.entity_id),
                before => r.event.before.as_ref().map(|v| v.to_string()), after => r.event.after.as_ref().map(|v| v.to_string()) })
            .collect();
        let next = (page.offset + page.limit < page.total).then_some(page.offset + page.limit);
        let prev = (page.offset > 0).then_some((page.offset - page.limit).max(0));
        let query = format!(
            "actor_login={}&action={}&entity_type={}&entity_id={}&from={}&to={}",
            crate::auth::urlencode(q.actor_login.as_deref().unwrap_or("")),
            crate::auth::urlencode(q.action.as_deref().unwrap_or("")),
            crate::auth::urlencode(q.entity_type.as_deref().unwrap_or("")),
            crate::auth::urlencode(q.entity_id.as_deref().unwrap_or("")),
            crate::auth::urlencode(q.from.as_deref().unwrap_or("")),
            crate::auth::urlencode(q.to.as_deref().unwrap_or("")),
        );
        Ok(render(&state, "audit.html", context! {
            rows => rows, total => page.total, next => next, prev => prev, query => query,
            f => context! { actor_login => q.actor_login, action => q.action, entity_type => q.entity_type,
                entity_id => q.entity_id, from => q.from, to => q.to }, ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn users_view(state: &AppState, c: &PageCaller, fb: Option<Value>) -> Result<Response> {
    let users = auth::users(&state.ctx, &c.actor).await?;
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| context! { code => r.as_str(), label => role_label(*r, c.lang) })
        .collect();
    let rows: Vec<Value> = users
        .iter()
        .map(|u| context! { login => u.login.clone(), name => u.display_name.clone(), role => role_label(u.role, c.lang),
            scope_unit_id => u.scope_unit_id, active => u.active, created => format_ms(u.created_ms) })
        .collect();
    Ok(render(
        state,
        "users.html",
        context! { rows => rows, roles => roles, feedback => fb, ..base(c) },
    ))
}

async fn users_page(State(state): State<AppState>, c: PageCaller) -> Response {
    users_view(&state, &c, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

#[derive(Deserialize)]
struct UserForm {
    csrf: String,
    login: String,
    display_name: String,
    password: String,
    role: String,
    scope_code: String,
    household_id: Option<String>,
}

async fn users_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<UserForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let unit = org::get_by_code(&state.ctx, &c.actor, f.scope_code.trim())
            .await
            .map_err(|_| {
                DomainError::field(
                    "scope_code",
                    "单位编码不存在或不在管辖范围内",
                    "no such unit within your reach",
                )
            })?;
        auth::create_user(
            &state.ctx,
            &c.actor,
            auth::CreateUser {
                login: f.login,
                display_name: f.display_name,
                password: f.password,
                role: f.role,
                scope_unit_id: unit.id,
                household_id: f.household_id.and_then(|h| h.trim().parse().ok()),
                department_id: None,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match users_view(&state, &c, Some(feedback(c.lang, &e))).await {
                Ok(mut res) => {
                    *res.status_mut() = crate::error::status_of(&e);
                    res
                }
                Err(e) => caller_error(&state, &c, &e),
            }
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

/// The residents of a unit's subtree as a workbook (masked, as on screen).
pub async fn residents_workbook(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    unit_id: i64,
    filter: &ResidentFilter,
) -> Result<Vec<u8>> {
    let unit = org::get(&state.ctx, actor, unit_id).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let heads_zh = [
        "姓名",
        "身份证号",
        "电话",
        "性别",
        "年龄",
        "民族",
        "与户主关系",
        "标签",
    ];
    let heads_en = [
        "Name",
        "ID number",
        "Phone",
        "Sex",
        "Age",
        "Ethnicity",
        "Relation",
        "Labels",
    ];
    let heads = if lang == Lang::Zh { heads_zh } else { heads_en };
    let x = |e: rust_xlsxwriter::XlsxError| DomainError::internal(e);
    for (i, h) in heads.iter().enumerate() {
        ws.write_string(0, i as u16, *h).map_err(x)?;
    }
    let mut row = 1u32;
    let mut offset = 0;
    loop {
        let page = people::list(
            &state.ctx,
            actor,
            &unit,
            filter,
            PageRequest {
                offset,
                limit: PageRequest::MAX_LIMIT,
            },
        )
        .await?;
        for r in &page.items {
            ws.write_string(row, 0, &r.name).map_err(x)?;
            ws.write_string(row, 1, &r.id_number).map_err(x)?;
            ws.write_string(row, 2, r.phone.as_deref().unwrap_or(""))
                .map_err(x)?;
            ws.write_string(row, 3, if r.sex == "male" { "男" } else { "女" })
                .map_err(x)?;
            ws.write_number(row, 4, r.age as f64).map_err(x)?;
            ws.write_string(row, 5, &r.ethnicity).map_err(x)?;
            ws.write_string(row, 6, &r.relation).map_err(x)?;
            ws.write_string(row, 7, r.labels.join("、")).map_err(x)?;
            row += 1;
        }
        offset += page.limit;
        if offset >= page.total || page.items.is_empty() {
            break;
        }
    }
    wb.save_to_buffer().map_err(x)
}

pub fn xlsx_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn unit_residents_xlsx(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Query(q): Query<ResidentsQuery>,
) -> Response {
    let filter = ResidentFilter {
        q: q.q,
        label: q.label,
    };
    match residents_workbook(&state, &c.actor, c.lang, id, &filter).await {
        Ok(bytes) => xlsx_response(bytes, "residents.xlsx"),
        Err(e) => caller_error(&state, &c, &e),
    }
}
