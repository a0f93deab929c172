//! Pages for residents' appeals: the resident's report page (phone first, also for
//! patrol and hotline entry), tracking, the case page with its actions, staff lists and
//! inbox, the three rates, and the rotating-secretary board.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiceng_core::clock::format_ms;
use jiceng_core::{Actor, DomainError, Lang, PageRequest, Result, Role};
use jiceng_domain::appeals::service::{self as appeals, ActInput, Intake};
use jiceng_domain::appeals::{Case, CaseFilter, Category, Channel, NewPhoto, Satisfaction, Status};
use jiceng_domain::org::UnitKind;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::appeals_api::{FilterQuery, RatesQuery, day_or_ms};
use crate::auth::{MaybeCaller, PageCaller, ReqLang};
use crate::ui::{base, caller_error, check_csrf, error_page, feedback, lang_str, render, v};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/report", get(report_page).post(report_submit))
        .route("/track/{token}", get(track_page).post(track_rate))
        .route("/cases", get(cases_page))
        .route("/cases.xlsx", get(cases_xlsx))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/act", post(case_act))
        .route("/cases/{id}/contact", post(case_contact))
        .route("/my/cases", get(my_cases))
        .route("/inbox", get(inbox_page))
        .route("/appeals/stats", get(stats_page))
        .route("/rotations", get(rotations_page).post(rotation_create))
        .route("/rotations/{id}/case", post(rotation_case))
        .route("/attachments/{id}", get(attachment))
}

fn public_base(lang: Lang) -> Value {
    context! { lang => lang_str(lang) }
}

fn cat_groups(cats: &[Category], channel: Channel, lang: Lang) -> Vec<Value> {
    let allowed = |c: &Category| match channel {
        Channel::Patrol => c.source != "service",
        Channel::Hotline => true,
        _ => c.source != "patrol",
    };
    cats.iter()
        .filter(|p| p.parent_code.is_none() && p.active)
        .filter_map(|p| {
            let items: Vec<Value> = cats
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(&p.code) && c.active && allowed(c))
                .map(|c| {
                    context! { code => c.code.clone(), name => c.name(lang).to_string(),
                    limit => format!("{}{}", c.limit_amount, c.limit_unit.label(lang)) }
                })
                .collect();
            (!items.is_empty())
                .then(|| context! { name => p.name(lang).to_string(), items => items })
        })
        .collect()
}

/// The map to pick a place on: every grid in reach, and the numbers to turn a click
/// back into longitude and latitude.
async fn pick_map(state: &AppState, actor: Option<&Actor>) -> Result<Value> {
    let grids = match actor {
        Some(a) if a.role != Role::Resident => {
            let home = jiceng_domain::org::service::home(&state.ctx, a).await?;
            jiceng_domain::org::service::grids_in(&state.ctx, a, home.id).await?
        }
        _ => {
            let mut all = vec![];
            for r in state.ctx.org.roots().await? {
                all.extend(
                    state
                        .ctx
                        .org
                        .units_in(&r.path, UnitKind::Grid, 100_000)
                        .await?,
                );
            }
            all
        }
    };
    let (w, h) = (640.0, 480.0);
    let polys: Vec<_> = grids.iter().filter_map(|g| g.boundary.as_ref()).collect();
    let Some(bbox) = polys
        .iter()
        .map(|p| p.bbox())
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    else {
        return Ok(Value::from(()));
    };
    let (bw, bh) = (bbox.2 - bbox.0, bbox.3 - bbox.1);
    let scale = (w / bw).min(h / bh);
    let (ox, oy) = ((w - bw * scale) / 2.0, (h - bh * scale) / 2.0);
    let mut paths = String::new();
    for g in &grids {
        if let Some(p) = &g.boundary {
            paths.push_str(&format!(
                r##"<path d="{}" fill="#f6e7c8" stroke="#888" stroke-width="0.6"><title>{}</title></path>"##,
                p.to_svg_path(bbox, w, h),
                g.name.replace('<', "&lt;").replace('&', "&amp;")
            ));
        }
    }
    let svg = format!(
        r##"<svg id="pick-map" class="map" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" data-minx="{}" data-maxy="{}" data-scale="{scale}" data-ox="{ox}" data-oy="{oy}">{paths}<circle id="pick-dot" r="5" cx="-10" cy="-10" fill="#b71c1c" stroke="#fff" stroke-width="2"/></svg>"##,
        bbox.0, bbox.3
    );
    Ok(Value::from_safe_string(svg))
}

/// Buildings a person picks from: a resident's grid, a grid worker's grid.
async fn building_options(state: &AppState, actor: Option<&Actor>) -> Result<Vec<Value>> {
    let Some(a) = actor else { return Ok(vec![]) };
    let grid = match a.role {
        Role::GridWorker => Some(a.scope_unit_id),
        Role::Resident => state
            .ctx
            .org
            .unit(a.scope_unit_id)
            .await?
            .filter(|u| u.kind == UnitKind::Grid)
            .map(|u| u.id),
        _ => None,
    };
    let Some(grid) = grid else { return Ok(vec![]) };
    let g = state
        .ctx
        .org
        .unit(grid)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    let mut out = vec![];
    for estate in state.ctx.org.children(g.id, false).await? {
        for b in state.ctx.org.children(estate.id, false).await? {
            out.push(context! { id => b.id, name => format!("{}{}", estate.name, b.name) });
        }
    }
    Ok(out)
}

fn channel_for(c: Option<&PageCaller>) -> Channel {
    appeals::channel_of(c.map(|c| &c.actor))
}

async fn report_view(
    state: &AppState,
    c: Option<&PageCaller>,
    lang: Lang,
    fb: Option<Value>,
    values: Option<Value>,
) -> Result<Response> {
    let channel = channel_for(c);
    let cats = appeals::categories(&state.ctx).await?;
    let my_building = match c.and_then(|c| c.actor.household_id) {
        Some(h) => state.ctx.people.household(h).await?.map(|h| h.address),
        None => None,
    };
    let ctx = context! {
        channel => channel.as_str(),
        groups => cat_groups(&cats, channel, lang),
        map => pick_map(state, c.map(|c| &c.actor)).await?,
        buildings => building_options(state, c.map(|c| &c.actor)).await?,
        my_building => my_building,
        form_token => jiceng_domain::auth::service::random_token(),
        feedback => fb,
        values => values,
    };
    let ctx = match c {
        Some(c) => context! { ..ctx, ..base(c) },
        None => context! { ..ctx, ..public_base(lang) },
    };
    Ok(render(state, "appeals/report.html", ctx))
}

async fn report_page(
    State(state): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    ReqLang(lang): ReqLang,
) -> Response {
    let lang = c.as_ref().map(|c| c.lang).unwrap_or(lang);
    match report_view(&state, c.as_ref(), lang, None, None).await {
        Ok(r) => r,
        Err(e) => error_page(&state, lang, &e),
    }
}

/// Reads a multipart form: text fields and the files of the `photos` field.
async fn read_form(mut mp: Multipart) -> Result<(Vec<(String, String)>, Vec<NewPhoto>)> {
    let mut fields = vec![];
    let mut photos = vec![];
    let bad = |e: axum::extract::multipart::MultipartError| {
        DomainError::field(
            "form",
            "表单读取失败",
            &format!("could not read the form: {e}"),
        )
    };
    while let Some(f) = mp.next_field().await.map_err(bad)? {
        let name = f.name().unwrap_or("").to_string();
        if name == "photos" {
            let has_name = f.file_name().is_some_and(|n| !n.is_empty());
            let bytes = f.bytes().await.map_err(bad)?;
            if has_name && !bytes.is_empty() {
                photos.push(NewPhoto {
                    content_type: String::new(),
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = f.text().await.map_err(bad)?;
            fields.push((name, text));
        }
    }
    Ok((fields, photos))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

async fn report_submit(
    State(state): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    ReqLang(lang): ReqLang,
    mp: Multipart,
) -> Response {
    let lang = c.as_ref().map(|c| c.lang).unwrap_or(lang);
    let (fields, photos) = match read_form(mp).await {
        Ok(x) => x,
        Err(e) => return error_page(&state, lang, &e),
    };
    let f = |n: &str| field(&fields, n).map(String::from);
    let values = context! { category => f("category"), description => f("description"), address => f("address"),
    reporter_name => f("reporter_name"), reporter_phone => f("reporter_phone"), lon => f("lon"), lat => f("lat") };
    let result: Result<(Case, bool)> = async {
        if let Some(c) = &c {
            check_csrf(c, field(&fields, "csrf").unwrap_or(""))?;
        }
        let num = |n: &str| f(n).and_then(|v| v.trim().parse::<f64>().ok());
        let building_id = match f("place").as_deref() {
            Some("mine") => None,
            _ => f("building_id").and_then(|b| b.parse().ok()),
        };
        let intake = Intake {
            category: f("category").unwrap_or_default(),
            description: f("description").unwrap_or_default(),
            lon: num("lon"),
            lat: num("lat"),
            address: f("address"),
            building_id,
            reporter_name: f("reporter_name"),
            reporter_phone: f("reporter_phone"),
            anonymous: f("anonymous").is_some(),
            attributes: serde_json::json!({}),
            media_url: None,
            photos,
            idem_key: f("form_token"),
        };
        let channel = channel_for(c.as_ref());
        appeals::submit(&state.ctx, c.as_ref().map(|c| &c.actor), channel, intake).await
    }
    .await;
    match result {
        Ok((case, _)) => {
            let ctx = context! { case => v(&case), track => format!("/track/{}", case.track_token), signed_in => c.is_some() };
            let ctx = match &c {
                Some(c) => context! { ..ctx, ..base(c) },
                None => context! { ..ctx, ..public_base(lang) },
            };
            render(&state, "appeals/receipt.html", ctx)
        }
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_))) => {
            match report_view(
                &state,
                c.as_ref(),
                lang,
                Some(feedback(lang, &e)),
                Some(values),
            )
            .await
            {
                Ok(mut r) => {
                    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    r
                }
                Err(e) => error_page(&state, lang, &e),
            }
        }
        Err(e) => error_page(&state, lang, &e),
    }
}

fn event_rows(view: &appeals::CaseView, lang: Lang) -> Vec<Value> {
    view.events
        .iter()
        .map(|e| {
            let label = action_label(&e.action, lang);
            context! { at => format_ms(e.at_ms), action => label, actor => e.actor_login.clone(),
            to => e.to_status.map(|s| s.label(lang)), note => e.note.clone(), public => e.public }
        })
        .collect()
}

pub fn action_label(a: &str, lang: Lang) -> &'static str {
    let (zh, en) = match a {
        "submit" => ("提交诉求", "Submitted"),
        "accept" => ("受理", "Accepted"),
        "reject" => ("不予受理", "Rejected"),
        "dispatch" => ("派遣", "Dispatched"),
        "sign" => ("签收", "Signed for"),
        "request" => ("提出申请", "Request"),
        "approve" => ("批准申请", "Request approved"),
        "deny" => ("驳回申请", "Request denied"),
        "feedback" => ("反馈结果", "Result reported"),
        "verify" => ("核查", "Checked on site"),
        "close" => ("结案", "Closed"),
        "rate" => ("评价", "Rated"),
        "escalate" => ("上报上级", "Escalated"),
        "whistle" => ("吹哨", "Whistle blown"),
        "report" => ("部门报到", "Department reported"),
        "joint_meeting" => ("提交联席会议", "Referred to the joint meeting"),
        "overdue" => ("超期", "Overdue"),
        "remind" => ("到期提醒", "Reminder"),
        _ => ("操作", "Action"),
    };
    if lang == Lang::Zh { zh } else { en }
}

fn case_ctx(view: &appeals::CaseView, lang: Lang) -> Value {
    let c = &view.case;
    context! {
        case => v(c),
        status_label => c.status.label(lang),
        level_label => c.level.label(lang),
        channel_label => c.channel.label(lang),
        category => view.category.as_ref().map(|k| k.name(lang).to_string()),
        events => event_rows(view, lang),
        photos => v(&view.attachments),
        parties => v(&view.parties),
        whistles => view.whistles.iter().map(|w| context! { name => w.department_name.clone(), due => format_ms(w.due_ms),
            reported => w.reported_ms.map(format_ms), late => w.reported_ms.is_none_or(|r| r > w.due_ms) }).collect::<Vec<_>>(),
        grid_name => view.grid_name.clone(),
        coord_name => view.coord_name.clone(),
        assignee_name => view.assignee_name.clone(),
        suggested => view.suggested.clone(),
        actions => view.actions.clone(),
        created => format_ms(c.created_ms),
        due => c.due_ms.map(format_ms),
        closed => c.closed_ms.map(format_ms),
        satisfaction_label => c.satisfaction.map(|s| s.label(lang)),
        contact_visible => view.contact_visible,
    }
}

async fn track_view(
    state: &AppState,
    lang: Lang,
    token: &str,
    fb: Option<Value>,
) -> Result<Response> {
    let view = appeals::track(&state.ctx, token).await?;
    Ok(render(
        state,
        "appeals/case.html",
        context! { public => true, token => token, feedback => fb, ..minijinja::value::merge_maps([case_ctx(&view, lang), public_base(lang)]) },
    ))
}

async fn track_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(token): Path<String>,
) -> Response {
    track_view(&state, lang, &token, None)
        .await
        .unwrap_or_else(|e| error_page(&state, lang, &e))
}

#[derive(Deserialize)]
struct RateForm {
    version: i64,
    satisfaction: Option<String>,
    #[serde(default)]
    note: String,
}

async fn track_rate(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(token): Path<String>,
    Form(f): Form<RateForm>,
) -> Response {
    let input = ActInput {
        action: "rate".into(),
        version: f.version,
        satisfaction: f.satisfaction,
        note: Some(f.note),
        ..Default::default()
    };
    match appeals::rate_by_token(&state.ctx, &token, input).await {
        Ok(_) => Redirect::to(&format!("/track/{token}")).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            let fb = feedback(lang, &e);
            track_view(&state, lang, &token, Some(fb))
                .await
                .unwrap_or_else(|e| error_page(&state, lang, &e))
        }
        Err(e) => error_page(&state, lang, &e),
    }
}

async fn case_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let view = appeals::view(&state.ctx, &c.actor, id).await?;
    let lang = c.lang;
    // Choices for the action forms (the action itself checks the unit it is given).
    let mut units = vec![];
    for code in jiceng_domain::org::rules::path_codes(&view.case.path)
        .into_iter()
        .skip(1)
    {
        if let Some(u) = state.ctx.org.label_by_code(&code).await?
            && c.actor.reaches(&u.path)
        {
            units.push(context! { id => u.id, name => u.name });
        }
    }
    let depts: Vec<Value> = appeals::departments(&state.ctx)
        .await?
        .into_iter()
        .filter(|d| d.active)
        .map(|d| context! { id => d.id, name => d.name, kind => d.kind.label(lang) })
        .collect();
    let sats: Vec<Value> = Satisfaction::ALL
        .iter()
        .map(|s| context! { code => s.as_str(), label => s.label(lang) })
        .collect();
    let mut r = render(
        state,
        "appeals/case.html",
        context! { public => false, units => units, depts => depts, sats => sats, feedback => fb, ..minijinja::value::merge_maps([case_ctx(&view, lang), base(c)]) },
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

async fn case_page(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    case_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn case_act(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    let r: Result<()> = async {
        let (fields, photos) = read_form(mp).await?;
        check_csrf(&c, field(&fields, "csrf").unwrap_or(""))?;
        let f = |n: &str| field(&fields, n).map(String::from);
        let num = |n: &str| f(n).and_then(|v| v.trim().parse::<i64>().ok());
        let (to_unit_id, to_dept_id) = match f("to").as_deref().and_then(|t| t.split_once(':')) {
            Some(("unit", id)) => (id.parse().ok(), None),
            Some(("dept", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        let input = ActInput {
            action: f("action").unwrap_or_default(),
            version: num("version").unwrap_or(0),
            note: f("note"),
            to_unit_id,
            to_dept_id,
            kind: f("kind"),
            days: num("days"),
            dept_id: num("dept_id"),
            pass: f("pass").map(|p| p == "true"),
            satisfaction: f("satisfaction"),
            dept_ids: fields
                .iter()
                .filter(|(k, _)| k == "dept_ids")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
            photos,
        };
        if input.action == "approve" || input.action == "deny" {
            // one form, two buttons
        }
        appeals::act(&state.ctx, &c.actor, id, input)
            .await
            .map(|_| ())
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match case_view(&state, &c, id, Some(feedback(c.lang, &e))).await {
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

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn case_contact(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let phone = appeals::reveal_contact(&state.ctx, &c.actor, id).await?;
        let view = appeals::view(&state.ctx, &c.actor, id).await?;
        Ok::<_, DomainError>(render(&state, "appeals/case.html", context! { public => false, phone => phone, ..minijinja::value::merge_maps([case_ctx(&view, c.lang), base(&c)]) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

fn case_rows(cases: &[Case], cats: &[Category], lang: Lang, now: i64) -> Vec<Value> {
    cases
        .iter()
        .map(|c| {
            let cat = cats.iter().find(|k| k.code == c.category_code).map(|k| k.name(lang).to_string());
            let nearing = c.status.is_open() && !c.overdue && c.due_ms.is_some_and(|d| c.accepted_ms.is_some_and(|a| a + (d - a) * 3 / 4 <= now));
            context! { id => c.id, number => c.number.clone(), description => c.description.chars().take(40).collect::<String>(),
                category => cat, status => c.status.label(lang), status_code => c.status.as_str(), overdue => c.overdue, nearing => nearing,
                created => format_ms(c.created_ms), due => c.due_ms.map(format_ms), address => c.address.clone(),
                level => c.level.label(lang), escalated => c.escalations > 0, channel => c.channel.label(lang) }
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct CasesQuery {
    #[serde(flatten)]
    filter: FilterQuery,
    #[serde(default)]
    offset: Option<i64>,
}

async fn cases_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<CasesQuery>,
) -> Response {
    let r = async {
        let filter = q.filter.to_filter();
        let page = appeals::search(&state.ctx, &c.actor, &filter, PageRequest { offset: q.offset.unwrap_or(0), limit: 50 }).await?;
        let cats = appeals::categories(&state.ctx).await?;
        let rows = case_rows(&page.items, &cats, c.lang, state.ctx.now_ms());
        let statuses: Vec<Value> = Status::ALL.iter().map(|s| context! { code => s.as_str(), label => s.label(c.lang) }).collect();
        let top: Vec<Value> = cats.iter().filter(|k| k.parent_code.is_none()).map(|k| context! { code => k.code.clone(), name => k.name(c.lang).to_string() }).collect();
        let qs = query_string(&q.filter);
        let next = (page.offset + page.limit < page.total).then_some(page.offset + page.limit);
        let prev = (page.offset > 0).then_some((page.offset - page.limit).max(0));
        Ok::<_, DomainError>(render(&state, "appeals/cases.html", context! {
            rows => rows, total => page.total, next => next, prev => prev, qs => qs, statuses => statuses, top => top,
            f => context! { q => q.filter.q, status => q.filter.status, category => q.filter.category, from => q.filter.from,
                to => q.filter.to, overdue => q.filter.overdue, unit_id => q.filter.unit_id, channel => q.filter.channel },
            mine => false, ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

fn query_string(f: &FilterQuery) -> String {
    let e = |s: &Option<String>| crate::auth::urlencode(s.as_deref().unwrap_or(""));
    format!(
        "q={}&status={}&category={}&unit_id={}&dept_id={}&channel={}&from={}&to={}&overdue={}",
        e(&f.q),
        e(&f.status),
        e(&f.category),
        e(&f.unit_id),
        e(&f.dept_id),
        e(&f.channel),
        e(&f.from),
        e(&f.to),
        e(&f.overdue)
    )
}

async fn my_cases(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        let page = appeals::search(&state.ctx, &c.actor, &CaseFilter::default(), PageRequest { offset: 0, limit: 100 }).await?;
        let cats = appeals::categories(&state.ctx).await?;
        Ok::<_, DomainError>(render(&state, "appeals/cases.html", context! {
            rows => case_rows(&page.items, &cats, c.lang, state.ctx.now_ms()), total => page.total, mine => true, ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

/// A filtered list of cases as a workbook.
pub async fn cases_workbook(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    filter: &CaseFilter,
) -> Result<Vec<u8>> {
    let cats = appeals::categories(&state.ctx).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| DomainError::internal(e);
    let heads: [&str; 10] = if lang == Lang::Zh {
        [
            "编号",
            "受理渠道",
            "类别",
            "诉求内容",
            "地址",
            "状态",
            "登记时间",
            "办理时限",
            "结案时间",
            "满意度",
        ]
    } else {
        [
            "Number",
            "Channel",
            "Category",
            "Description",
            "Address",
            "Status",
            "Received",
            "Due",
            "Closed",
            "Rating",
        ]
    };
    for (i, h) in heads.iter().enumerate() {
        ws.write_string(0, i as u16, *h).map_err(x)?;
    }
    let mut row = 1u32;
    let mut offset = 0;
    loop {
        let page = appeals::search(
            &state.ctx,
            actor,
            filter,
            PageRequest {
                offset,
                limit: PageRequest::MAX_LIMIT,
            },
        )
        .await?;
        for c in &page.items {
            let cat = cats
                .iter()
                .find(|k| k.code == c.category_code)
                .map(|k| k.name(lang).to_string())
                .unwrap_or_default();
            let cells = [
                c.number.clone(),
                c.channel.label(lang).to_string(),
                cat,
                c.description.clone(),
                c.address.clone(),
                format!(
                    "{}{}",
                    c.status.label(lang),
                    if c.overdue { "（超期）" } else { "" }
                ),
                format_ms(c.created_ms),
                c.due_ms.map(format_ms).unwrap_or_default(),
                c.closed_ms.map(format_ms).unwrap_or_default(),
                c.satisfaction
                    .map(|s| s.label(lang).to_string())
                    .unwrap_or_default(),
            ];
            for (i, v) in cells.iter().enumerate() {
                ws.write_string(row, i as u16, v).map_err(x)?;
            }
            row += 1;
        }
        offset += page.limit;
        if offset >= page.total || page.items.is_empty() || row > 200_000 {
            break;
        }
    }
    wb.save_to_buffer().map_err(x)
}

async fn cases_xlsx(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<FilterQuery>,
) -> Response {
    match cases_workbook(&state, &c.actor, c.lang, &q.to_filter()).await {
        Ok(b) => crate::ui::xlsx_response(b, "cases.xlsx"),
        Err(e) => caller_error(&state, &c, &e),
    }
}

async fn inbox_page(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        let i = appeals::inbox(&state.ctx, &c.actor).await?;
        let cats = appeals::categories(&state.ctx).await?;
        let now = state.ctx.now_ms();
        let sec = |key: &str, zh: &str, en: &str, cases: &[Case]| {
            context! { key => key, title => if c.lang == Lang::Zh { zh } else { en }, rows => case_rows(cases, &cats, c.lang, now), n => cases.len() }
        };
        let sections = vec![
            sec("new", "新诉求 / 新派遣", "New and newly dispatched", &i.new),
            sec("in_hand", "正在办理", "In hand", &i.in_hand),
            sec("nearing", "临近时限", "Nearing the limit", &i.nearing),
            sec("overdue", "已超期", "Overdue", &i.overdue),
            sec("escalated", "上报至本级", "Escalated to us", &i.escalated),
            sec("returned", "退回重办", "Returned", &i.returned),
            sec("to_review", "待审批 / 待核查 / 待派遣", "To approve, verify or dispatch", &i.to_review),
        ];
        Ok::<_, DomainError>(render(&state, "appeals/inbox.html", context! { sections => sections, ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn rates_ctx(r: &jiceng_domain::appeals::metrics::Rates) -> Value {
    context! { key => r.key.clone(), name => r.name.clone(), total => r.counts.total, closed => r.counts.closed,
    overdue => r.counts.overdue_open, rated => r.counts.rated,
    response => pct(r.response), resolution => pct(r.resolution), satisfaction => pct(r.satisfaction), on_time => pct(r.on_time),
    grid => pct(r.grassroots[0]), community => pct(r.grassroots[1]), subdistrict => pct(r.grassroots[2]), district => pct(r.grassroots[3]),
    grassroots_raw => r.grassroots.iter().map(|g| g.unwrap_or(0.0)).collect::<Vec<_>>(),
    score => r.score.map(|s| format!("{:.1}", s * 100.0)).unwrap_or_else(|| "—".into()) }
}

/// A small bar chart (SVG) of monthly case counts and resolution.
fn trend_svg(rows: &[jiceng_domain::appeals::metrics::Rates]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let (w, h, pad) = (640.0, 180.0, 24.0);
    let max = rows
        .iter()
        .map(|r| r.counts.total)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bw = (w - 2.0 * pad) / rows.len() as f64;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img">"#
    );
    for (i, r) in rows.iter().enumerate() {
        let x = pad + i as f64 * bw;
        let bh = (r.counts.total as f64 / max) * (h - 2.0 * pad);
        let ch = (r.counts.closed as f64 / max) * (h - 2.0 * pad);
        s.push_str(&format!(
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#f2c9c9"><title>{} · {}</title></rect><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#b71c1c"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
            x + 2.0, h - pad - bh, bw - 4.0, bh, r.key, r.counts.total,
            x + bw * 0.3, h - pad - ch, bw * 0.4, ch,
            x + bw / 2.0, h - 6.0, r.key.get(5..).unwrap_or(&r.key)
        ));
    }
    s.push_str("</svg>");
    s
}

async fn stats_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<RatesQuery>,
) -> Response {
    let r = async {
        let unit_id = q.unit_id.as_deref().and_then(|u| u.parse().ok());
        let from = day_or_ms(q.from.as_deref(), false);
        let to = day_or_ms(q.to.as_deref(), true);
        let report = appeals::rates(&state.ctx, &c.actor, unit_id, from, to, q.breakdown()).await?;
        let months = appeals::rates(&state.ctx, &c.actor, unit_id, from, to, jiceng_domain::appeals::service::Breakdown::Months).await?;
        let unit = match unit_id {
            Some(u) => jiceng_domain::org::service::get(&state.ctx, &c.actor, u).await?,
            None => jiceng_domain::org::service::home(&state.ctx, &c.actor).await?,
        };
        Ok::<_, DomainError>(render(&state, "appeals/stats.html", context! {
            unit => v(&unit), total => rates_ctx(&report.total), rows => report.rows.iter().map(rates_ctx).collect::<Vec<_>>(),
            by => q.by.clone().unwrap_or_else(|| "children".into()), from => q.from, to => q.to,
            trend => Value::from_safe_string(trend_svg(&months.rows)), ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn rotations_view(state: &AppState, c: &PageCaller, fb: Option<Value>) -> Result<Response> {
    let rows = appeals::rotations(&state.ctx, &c.actor).await?;
    let home = jiceng_domain::org::service::home(&state.ctx, &c.actor).await?;
    let subs: Vec<Value> = if home.kind == UnitKind::Subdistrict {
        vec![context! { id => home.id, name => home.name.clone() }]
    } else {
        state
            .ctx
            .org
            .units_in(&home.path, UnitKind::Subdistrict, 1000)
            .await?
            .into_iter()
            .map(|u| context! { id => u.id, name => u.name })
            .collect()
    };
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| context! { id => r.id, sub => r.subdistrict_name.clone(), period => r.period.clone(), secretary => r.secretary.clone(),
            case_id => r.case_id, number => r.case_number.clone(), description => r.case_description.clone(),
            status => r.case_status.map(|s| s.label(c.lang)), closed => r.case_status == Some(Status::Closed),
            taken => r.taken_ms.map(format_ms) })
        .collect();
    let can_edit = matches!(c.actor.role, Role::DistrictAdmin | Role::SubdistrictStaff);
    Ok(render(
        state,
        "appeals/rotations.html",
        context! { rows => rows, subs => subs, can_edit => can_edit, feedback => fb, ..base(c) },
    ))
}

async fn rotations_page(State(state): State<AppState>, c: PageCaller) -> Response {
    rotations_view(&state, &c, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

#[derive(Deserialize)]
struct RotationForm {
    csrf: String,
    subdistrict_id: i64,
    period: String,
    secretary: String,
}

async fn rotation_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<RotationForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        appeals::create_rotation(
            &state.ctx,
            &c.actor,
            f.subdistrict_id,
            &f.period,
            &f.secretary,
        )
        .await
    }
    .await;
    rotation_done(&state, &c, r.map(|_| ())).await
}

#[derive(Deserialize)]
struct RotationCaseForm {
    csrf: String,
    case_number: String,
}

async fn rotation_case(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<RotationCaseForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        appeals::rotation_take_case(&state.ctx, &c.actor, id, &f.case_number).await
    }
    .await;
    rotation_done(&state, &c, r).await
}

async fn rotation_done(state: &AppState, c: &PageCaller, r: Result<()>) -> Response {
    match r {
        Ok(()) => Redirect::to("/rotations").into_response(),
        Err(e @ (DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_))) => {
            match rotations_view(state, c, Some(feedback(c.lang, &e))).await {
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
struct TokenQuery {
    t: Option<String>,
}

async fn attachment(
    State(state): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    ReqLang(lang): ReqLang,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
) -> Response {
    match appeals::attachment(&state.ctx, c.as_ref().map(|c| &c.actor), q.t.as_deref(), id).await {
        Ok((a, bytes)) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(&state, lang, &e),
    }
}
