//! Pages of the service network: the public centre finder and centre pages, joint
//! meetings with their meetings and resolutions, the open-resolutions tracker and the
//! reformed sub-district.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiceng_core::{Actor, DomainError, Lang, Result, Verb};
use jiceng_domain::network::service::{
    self as network, ActivityInput, AttendanceInput, BodyInput, LawTeamInput, MeetingInput,
    MemberInput, NearestQuery, PlaceInput, ReformItemInput, ResolutionInput, StatusInput,
};
use jiceng_domain::network::{
    ActivityKind, AttendanceStatus, BodyLevel, MemberKind, Place, PlaceKind, ReformItem,
    Resolution, ResolutionStatus, Service,
};
use jiceng_domain::org::{OrgUnit, UnitKind};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{MaybeCaller, PageCaller, ReqLang};
use crate::ui::{base, caller_error, check_csrf, error_page, feedback, lang_str, render, v};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/centres", get(centres_page))
        .route("/centres/new", get(new_place_page).post(new_place_submit))
        .route("/centres/{id}", get(place_page))
        .route("/centres/{id}/edit", post(place_edit))
        .route("/centres/{id}/activities", post(place_activity))
        .route("/joint-meetings", get(bodies_page).post(body_create))
        .route("/joint-meetings/{id}", get(body_page))
        .route("/joint-meetings/{id}/members", post(body_member))
        .route("/joint-meetings/{id}/meetings", post(body_meeting))
        .route("/joint-meetings/{id}/resolutions", post(body_resolution))
        .route("/resolutions", get(tracker_page))
        .route("/resolutions/{id}/status", post(resolution_status))
        .route("/subdistricts", get(subdistricts_page))
        .route("/subdistricts/{id}/reform", get(reform_page))
        .route("/subdistricts/{id}/reform/items", post(reform_item_add))
        .route(
            "/subdistricts/{id}/reform/items/{item}/delete",
            post(reform_item_remove),
        )
        .route("/subdistricts/{id}/reform/teams", post(reform_team_add))
        .route(
            "/subdistricts/{id}/reform/teams/{team}/delete",
            post(reform_team_remove),
        )
        .route(
            "/subdistricts/{id}/reform/delegated",
            post(reform_delegated),
        )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn kind_colour(code: &str) -> &'static str {
    match code {
        "district_centre" => "#b71c1c",
        "subdistrict_centre" => "#e65100",
        "community_centre" => "#c62828",
        "station" => "#1565c0",
        "organ_post" => "#6a1b9a",
        "park_site" => "#2e7d32",
        _ => "#00838f",
    }
}

/// Grids in pale outline with the places as coloured points linked to their pages.
fn places_map(grids: &[OrgUnit], places: &[Place], origin: Option<(f64, f64)>) -> String {
    let (w, h) = (640.0, 480.0);
    let Some(bbox) = grids
        .iter()
        .filter_map(|g| g.boundary.as_ref())
        .map(|p| p.bbox())
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    else {
        return String::new();
    };
    let (bw, bh) = (bbox.2 - bbox.0, bbox.3 - bbox.1);
    if bw <= 0.0 || bh <= 0.0 {
        return String::new();
    }
    let scale = (w / bw).min(h / bh);
    let (ox, oy) = ((w - bw * scale) / 2.0, (h - bh * scale) / 2.0);
    let xy = |lon: f64, lat: f64| (ox + (lon - bbox.0) * scale, oy + (bbox.3 - lat) * scale);
    let mut out = format!(
        r#"<svg class="map" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    for g in grids {
        if let Some(p) = &g.boundary {
            out.push_str(&format!(
                r##"<path d="{}" fill="#f8f1e3" stroke="#bbb" stroke-width="0.5"/>"##,
                p.to_svg_path(bbox, w, h)
            ));
        }
    }
    for p in places {
        let (Some(lon), Some(lat)) = (p.lon, p.lat) else {
            continue;
        };
        let (x, y) = xy(lon, lat);
        let r = match p.kind_code.as_str() {
            "district_centre" => 9,
            "subdistrict_centre" => 7,
            _ => 5,
        };
        out.push_str(&format!(
            r##"<a href="/centres/{}"><circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{}" stroke="#fff" stroke-width="1.5"><title>{}</title></circle></a>"##,
            p.id,
            kind_colour(&p.kind_code),
            esc(&p.name)
        ));
    }
    if let Some((lon, lat)) = origin {
        let (x, y) = xy(lon, lat);
        out.push_str(&format!(
            r##"<path d="M {x:.1} {:.1} l -6 -12 a 7 7 0 1 1 12 0 z" fill="#212121"><title>起点 / origin</title></path>"##,
            y
        ));
    }
    out.push_str("</svg>");
    out
}

async fn all_grids(state: &AppState) -> Result<Vec<OrgUnit>> {
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
    Ok(all)
}

fn page_base(c: Option<&PageCaller>, lang: Lang) -> Value {
    match c {
        Some(c) => base(c),
        None => context! { lang => lang_str(lang) },
    }
}

fn kind_name(kinds: &[PlaceKind], code: &str, lang: Lang) -> String {
    kinds
        .iter()
        .find(|k| k.code == code)
        .map(|k| match lang {
            Lang::Zh => k.name_zh.clone(),
            Lang::En => k.name_en.clone(),
        })
        .unwrap_or_else(|| code.to_string())
}

fn service_names(catalogue: &[Service], codes: &[String], lang: Lang) -> Vec<String> {
    codes
        .iter()
        .filter_map(|c| catalogue.iter().find(|s| &s.code == c))
        .map(|s| match lang {
            Lang::Zh => s.name_zh.clone(),
            Lang::En => s.name_en.clone(),
        })
        .collect()
}

fn services_ctx(catalogue: &[Service], lang: Lang) -> Vec<Value> {
    catalogue
        .iter()
        .map(|s| context! { code => s.code.clone(), name => if lang == Lang::Zh { s.name_zh.clone() } else { s.name_en.clone() } })
        .collect()
}

#[derive(Deserialize, Default)]
struct FinderQuery {
    service: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    community_id: Option<String>,
    mine: Option<String>,
    kind: Option<String>,
}

fn num<T: std::str::FromStr>(s: &Option<String>) -> Option<T> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

async fn centres_page(
    State(state): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    ReqLang(lang): ReqLang,
    Query(q): Query<FinderQuery>,
) -> Response {
    let lang = c.as_ref().map(|c| c.lang).unwrap_or(lang);
    let r = async {
        let catalogue = network::services(&state.ctx).await?;
        let kinds = network::place_kinds(&state.ctx).await?;
        let places = network::places(&state.ctx, None, q.kind.as_deref()).await?;
        let mut communities = vec![];
        for r in state.ctx.org.roots().await? {
            communities.extend(
                state
                    .ctx
                    .org
                    .units_in(&r.path, UnitKind::Community, 10_000)
                    .await?,
            );
        }
        let actor = c.as_ref().map(|c| &c.actor);
        let mut fb = None;
        let mut results: Vec<Value> = vec![];
        let mut origin = None;
        let mut origin_name = String::new();
        if let Some(service) = q.service.as_deref().filter(|s| !s.is_empty()) {
            let nq = NearestQuery {
                service: service.to_string(),
                lon: num(&q.lon),
                lat: num(&q.lat),
                building_id: None,
                community_id: num(&q.community_id),
                mine: q.mine.as_deref() == Some("1"),
                limit: Some(10),
            };
            match network::nearest(&state.ctx, actor, &nq).await {
                Ok(n) => {
                    origin = Some((n.origin_lon, n.origin_lat));
                    origin_name = n.origin.clone();
                    results = n
                        .items
                        .iter()
                        .map(|i| context! {
                            id => i.place.id, name => i.place.name.clone(),
                            kind => kind_name(&kinds, &i.place.kind_code, lang),
                            address => i.place.address.clone(), phone => i.place.phone.clone(),
                            hours => i.place.hours.clone(),
                            distance => if i.distance_m >= 1000 { format!("{:.1} km", i.distance_m as f64 / 1000.0) } else { format!("{} m", i.distance_m) },
                        })
                        .collect();
                }
                Err(e @ DomainError::Validation(_)) => fb = Some(feedback(lang, &e)),
                Err(e) => return Err(e),
            }
        }
        let grids = all_grids(&state).await?;
        let map = places_map(&grids, &places, origin);
        let groups: Vec<Value> = kinds
            .iter()
            .filter_map(|k| {
                let items: Vec<Value> = places
                    .iter()
                    .filter(|p| p.kind_code == k.code)
                    .map(|p| context! { id => p.id, name => p.name.clone(), address => p.address.clone(), model => p.model,
                        services => service_names(&catalogue, &p.services, lang).join("、") })
                    .collect();
                (!items.is_empty()).then(|| context! {
                    code => k.code.clone(), colour => kind_colour(&k.code),
                    name => kind_name(&kinds, &k.code, lang), n => items.len(), items => items })
            })
            .collect();
        let count = |k: &str| places.iter().filter(|p| p.kind_code == k).count();
        let alliance = format!(
            "{}+{}+{}",
            count("district_centre"),
            count("subdistrict_centre"),
            count("community_centre")
        );
        let models = places.iter().filter(|p| p.model).count();
        Ok(render(
            &state,
            "network/centres.html",
            context! {
                services => services_ctx(&catalogue, lang),
                kinds => kinds.iter().map(|k| context! { code => k.code.clone(), name => kind_name(&kinds, &k.code, lang) }).collect::<Vec<_>>(),
                communities => communities.iter().map(|u| context! { id => u.id, name => u.name.clone() }).collect::<Vec<_>>(),
                q => context! { service => q.service.clone(), lon => q.lon.clone(), lat => q.lat.clone(), community_id => num::<i64>(&q.community_id), kind => q.kind.clone() },
                results => results, searched => q.service.as_deref().is_some_and(|s| !s.is_empty()),
                origin => origin_name,
                has_home => actor.and_then(|a| a.household_id).is_some(),
                can_edit => actor.is_some_and(|a| a.can(Verb::EditOrg)),
                map => Value::from_safe_string(map), groups => groups, alliance => alliance, models => models,
                feedback => fb, ..page_base(c.as_ref(), lang)
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| match &c {
        Some(c) => caller_error(&state, c, &e),
        None => error_page(&state, lang, &e),
    })
}

/// Units an editor may attach a place to.
async fn unit_options(state: &AppState, actor: &Actor) -> Result<Vec<Value>> {
    let home = jiceng_domain::org::service::home(&state.ctx, actor).await?;
    let mut out = vec![context! { id => home.id, name => home.name.clone() }];
    for k in [UnitKind::Subdistrict, UnitKind::Community] {
        for u in state.ctx.org.units_in(&home.path, k, 10_000).await? {
            if u.id != home.id {
                out.push(context! { id => u.id, name => format!("{}{}", if k == UnitKind::Community { "　" } else { "" }, u.name) });
            }
        }
    }
    Ok(out)
}

async fn place_form_ctx(state: &AppState, c: &PageCaller) -> Result<Value> {
    let catalogue = network::services(&state.ctx).await?;
    let kinds = network::place_kinds(&state.ctx).await?;
    Ok(context! {
        services => services_ctx(&catalogue, c.lang),
        kinds => kinds.iter().map(|k| context! { code => k.code.clone(), name => kind_name(&kinds, &k.code, c.lang) }).collect::<Vec<_>>(),
        units => unit_options(state, &c.actor).await?,
    })
}

async fn new_place_view(
    state: &AppState,
    c: &PageCaller,
    fb: Option<Value>,
    values: Option<Value>,
) -> Result<Response> {
    if !c.actor.can(Verb::EditOrg) {
        return Err(DomainError::Forbidden);
    }
    let f = place_form_ctx(state, c).await?;
    Ok(render(
        state,
        "network/place_new.html",
        context! { form => f, feedback => fb, values => values, ..base(c) },
    ))
}

async fn new_place_page(State(state): State<AppState>, c: PageCaller) -> Response {
    new_place_view(&state, &c, None, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

/// A place form: repeated `services` boxes, so read as pairs.
fn place_input(form: &[(String, String)]) -> (String, i64, PlaceInput) {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let f = |k: &str| get(k).trim().parse::<f64>().ok();
    let input = PlaceInput {
        kind: get("kind"),
        name: get("name"),
        unit_id: get("unit_id").trim().parse().unwrap_or(0),
        address: get("address"),
        lon: f("lon"),
        lat: f("lat"),
        hours: get("hours"),
        phone: get("phone"),
        model: get("model") == "1",
        intro: get("intro"),
        services: form
            .iter()
            .filter(|(n, _)| n == "services")
            .map(|(_, v)| v.clone())
            .collect(),
        active: get("active") != "0",
    };
    (
        get("csrf"),
        get("version").trim().parse().unwrap_or(0),
        input,
    )
}

fn place_values(p: &PlaceInput) -> Value {
    v(p)
}

fn bounce(state: &AppState, c: &PageCaller, e: &DomainError, r: Result<Response>) -> Response {
    match r {
        Ok(mut res) => {
            *res.status_mut() = crate::error::status_of(e);
            res
        }
        Err(e2) => caller_error(state, c, &e2),
    }
}

fn form_error(e: &DomainError) -> bool {
    matches!(
        e,
        DomainError::Validation(_) | DomainError::Rule(_) | DomainError::Conflict(_)
    )
}

async fn new_place_submit(
    State(state): State<AppState>,
    c: PageCaller,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, _, input) = place_input(&form);
    let r = async {
        check_csrf(&c, &csrf)?;
        network::create_place(&state.ctx, &c.actor, input.clone()).await
    }
    .await;
    match r {
        Ok(p) => Redirect::to(&format!("/centres/{}", p.id)).into_response(),
        Err(e) if form_error(&e) => {
            let res = new_place_view(
                &state,
                &c,
                Some(feedback(c.lang, &e)),
                Some(place_values(&input)),
            )
            .await;
            bounce(&state, &c, &e, res)
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

async fn place_view(
    state: &AppState,
    c: Option<&PageCaller>,
    lang: Lang,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let actor = c.map(|c| &c.actor);
    let view = network::place(&state.ctx, actor, id).await?;
    let catalogue = network::services(&state.ctx).await?;
    let kinds = network::place_kinds(&state.ctx).await?;
    let can_edit = network::can_edit_place(actor, &view.place);
    let form = match (c, can_edit) {
        (Some(c), true) => place_form_ctx(state, c).await?,
        _ => Value::from(()),
    };
    let p = &view.place;
    let grids = all_grids(state).await?;
    let map = places_map(&grids, std::slice::from_ref(p), None);
    let acts: Vec<Value> = view
        .activities
        .iter()
        .map(|a| context! { day => a.day.clone(), title => a.title.clone(), kind => a.kind.label(lang), participants => a.participants, summary => a.summary.clone() })
        .collect();
    Ok(render(
        state,
        "network/place.html",
        context! {
            p => v(p), kind => kind_name(&kinds, &p.kind_code, lang), unit_name => view.unit_name.clone(),
            hours => p.hours.lines().map(String::from).collect::<Vec<_>>(),
            service_names => service_names(&catalogue, &p.services, lang),
            activities => acts, can_edit => can_edit, form => form,
            activity_kinds => ActivityKind::ALL.iter().map(|k| context! { code => k.as_str(), name => k.label(lang) }).collect::<Vec<_>>(),
            map => Value::from_safe_string(map), feedback => fb, ..page_base(c, lang)
        },
    ))
}

async fn place_page(
    State(state): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    ReqLang(lang): ReqLang,
    Path(id): Path<i64>,
) -> Response {
    let lang = c.as_ref().map(|c| c.lang).unwrap_or(lang);
    match place_view(&state, c.as_ref(), lang, id, None).await {
        Ok(r) => r,
        Err(e) => match &c {
            Some(c) => caller_error(&state, c, &e),
            None => error_page(&state, lang, &e),
        },
    }
}

async fn place_done(state: &AppState, c: &PageCaller, id: i64, r: Result<()>) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/centres/{id}")).into_response(),
        Err(e) if form_error(&e) => {
            let res = place_view(state, Some(c), c.lang, id, Some(feedback(c.lang, &e))).await;
            bounce(state, c, &e, res)
        }
        Err(e) => caller_error(state, c, &e),
    }
}

async fn place_edit(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, version, input) = place_input(&form);
    let r = async {
        check_csrf(&c, &csrf)?;
        network::update_place(&state.ctx, &c.actor, id, version, input).await?;
        Ok(())
    }
    .await;
    place_done(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct ActivityForm {
    csrf: String,
    day: String,
    title: String,
    kind: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    summary: String,
}

async fn place_activity(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<ActivityForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let participants = match f.participants.trim() {
            "" => 0,
            s => s.parse().map_err(|_| {
                DomainError::field(
                    "participants",
                    "参加人数应为整数",
                    "participants must be a whole number",
                )
            })?,
        };
        network::add_activity(
            &state.ctx,
            &c.actor,
            id,
            ActivityInput {
                day: f.day,
                title: f.title,
                kind: f.kind,
                participants,
                summary: f.summary,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    place_done(&state, &c, id, r).await
}

// ---------------------------------------------------------------- joint meetings

fn levels(lang: Lang) -> Vec<Value> {
    BodyLevel::ALL
        .iter()
        .map(|l| context! { code => l.as_str(), name => l.label(lang) })
        .collect()
}

#[derive(Deserialize, Default)]
struct LevelQuery {
    level: Option<String>,
    overdue: Option<String>,
}

async fn bodies_view(
    state: &AppState,
    c: &PageCaller,
    level: Option<String>,
    fb: Option<Value>,
) -> Result<Response> {
    let bodies = network::bodies(&state.ctx, &c.actor, level.as_deref()).await?;
    let open = network::open_resolutions(&state.ctx, &c.actor, level.as_deref(), false).await?;
    let rows: Vec<Value> = BodyLevel::ALL
        .iter()
        .filter_map(|l| {
            let items: Vec<Value> = bodies
                .iter()
                .filter(|b| b.level == *l)
                .map(|b| {
                    let o = open.iter().filter(|r| r.body_id == b.id).count();
                    let od = open.iter().filter(|r| r.body_id == b.id && r.overdue).count();
                    context! { id => b.id, name => b.name.clone(), convener => b.convener.clone(), open => o, overdue => od }
                })
                .collect();
            (!items.is_empty()).then(|| context! { level => l.label(c.lang), items => items })
        })
        .collect();
    let units = if c.actor.can(Verb::EditOrg) {
        unit_options(state, &c.actor).await?
    } else {
        vec![]
    };
    Ok(render(
        state,
        "network/bodies.html",
        context! { groups => rows, levels => levels(c.lang), level => level, units => units,
        can_edit => c.actor.can(Verb::EditOrg),
        member_kinds => MemberKind::ALL.iter().map(|k| context! { code => k.as_str(), name => k.label(c.lang) }).collect::<Vec<_>>(),
        feedback => fb, ..base(c) },
    ))
}

async fn bodies_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<LevelQuery>,
) -> Response {
    bodies_view(&state, &c, q.level.filter(|l| !l.is_empty()), None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

#[derive(Deserialize)]
struct BodyForm {
    csrf: String,
    level: String,
    unit_id: i64,
    name: String,
    convener: String,
    /// One member per line: 名称 or 名称|类型
    #[serde(default)]
    members: String,
}

async fn body_create(
    State(state): State<AppState>,
    c: PageCaller,
    Form(f): Form<BodyForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let members = f
            .members
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, kind) = l.split_once(['|', '｜']).unwrap_or((l, "unit"));
                let kind = MemberKind::ALL
                    .iter()
                    .find(|k| k.as_str() == kind.trim() || k.label_zh() == kind.trim())
                    .map(|k| k.as_str().to_string())
                    .unwrap_or_else(|| kind.trim().to_string());
                MemberInput {
                    name: name.trim().into(),
                    kind,
                    party_org_id: None,
                    representative: String::new(),
                }
            })
            .collect();
        network::create_body(
            &state.ctx,
            &c.actor,
            BodyInput {
                level: f.level,
                unit_id: f.unit_id,
                name: f.name,
                convener: f.convener,
                members,
            },
        )
        .await
    }
    .await;
    match r {
        Ok(b) => Redirect::to(&format!("/joint-meetings/{}", b.id)).into_response(),
        Err(e) if form_error(&e) => {
            let res = bodies_view(&state, &c, None, Some(feedback(c.lang, &e))).await;
            bounce(&state, &c, &e, res)
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

fn resolution_ctx(r: &Resolution, lang: Lang) -> Value {
    context! {
        id => r.id, title => r.title.clone(), owner => r.owner.clone(), deadline => r.deadline.clone(),
        status => r.status.as_str(), status_label => r.status.label(lang), overdue => r.overdue,
        note => r.note.clone(), done_day => r.done_day.clone(), case_number => r.case_number.clone(),
        body_id => r.body_id, body_name => r.body_name.clone(), level => r.level.label(lang),
        version => r.version, meeting_id => r.meeting_id,
        next => match r.status {
            ResolutionStatus::Open => vec![context! { code => "in_progress", name => ResolutionStatus::InProgress.label(lang) }, context! { code => "done", name => ResolutionStatus::Done.label(lang) }],
            ResolutionStatus::InProgress => vec![context! { code => "done", name => ResolutionStatus::Done.label(lang) }],
            ResolutionStatus::Done => vec![],
        },
    }
}

async fn body_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let view = network::body(&state.ctx, &c.actor, id).await?;
    let lang = c.lang;
    let can_edit = c.actor.can(Verb::EditOrg) && c.actor.reaches(&view.body.path);
    let meetings: Vec<Value> = view
        .meetings
        .iter()
        .map(|m| {
            let present = m.attendance.iter().filter(|a| a.status != AttendanceStatus::Absent).count();
            context! {
                id => m.id, day => m.day.clone(), place => m.place.clone(), agenda => m.agenda.clone(), minutes => m.minutes.clone(),
                present => present, total => m.attendance.len(),
                attendance => m.attendance.iter().map(|a| context! { name => a.member_name.clone(), status => a.status.as_str(), label => a.status.label(lang), deputy => a.deputy.clone() }).collect::<Vec<_>>(),
                resolutions => view.resolutions.iter().filter(|r| r.meeting_id == Some(m.id)).map(|r| resolution_ctx(r, lang)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let open: Vec<Value> = view
        .resolutions
        .iter()
        .filter(|r| r.status != ResolutionStatus::Done)
        .map(|r| resolution_ctx(r, lang))
        .collect();
    let referred: Vec<Value> = view
        .resolutions
        .iter()
        .filter(|r| r.meeting_id.is_none())
        .map(|r| resolution_ctx(r, lang))
        .collect();
    let done = view
        .resolutions
        .iter()
        .filter(|r| r.status == ResolutionStatus::Done)
        .count();
    Ok(render(
        state,
        "network/body.html",
        context! {
            b => context! { id => view.body.id, name => view.body.name.clone(), level => view.body.level.label(lang), convener => view.body.convener.clone(), unit_name => view.unit_name.clone() },
            members => view.members.iter().filter(|m| m.active).map(|m| context! { id => m.id, name => m.name.clone(), kind => m.kind.label(lang), representative => m.representative.clone(), party_org_id => m.party_org_id }).collect::<Vec<_>>(),
            meetings => meetings, open => open, referred => referred,
            total_resolutions => view.resolutions.len(), done => done,
            can_edit => can_edit,
            statuses => AttendanceStatus::ALL.iter().map(|s| context! { code => s.as_str(), name => s.label(lang) }).collect::<Vec<_>>(),
            member_kinds => MemberKind::ALL.iter().map(|k| context! { code => k.as_str(), name => k.label(lang) }).collect::<Vec<_>>(),
            today => network::today(&state.ctx).format("%Y-%m-%d").to_string(),
            feedback => fb, ..base(c)
        },
    ))
}

async fn body_page(State(state): State<AppState>, c: PageCaller, Path(id): Path<i64>) -> Response {
    body_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn body_done(state: &AppState, c: &PageCaller, id: i64, r: Result<()>) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/joint-meetings/{id}")).into_response(),
        Err(e) if form_error(&e) => {
            let res = body_view(state, c, id, Some(feedback(c.lang, &e))).await;
            bounce(state, c, &e, res)
        }
        Err(e) => caller_error(state, c, &e),
    }
}

#[derive(Deserialize)]
struct MemberForm {
    csrf: String,
    name: String,
    kind: String,
    #[serde(default)]
    representative: String,
    #[serde(default)]
    party_org_id: String,
}

async fn body_member(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let party_org_id = match f.party_org_id.trim() {
            "" => None,
            s => Some(s.parse().map_err(|_| {
                DomainError::field(
                    "party_org_id",
                    "党组织编号应为整数",
                    "party organisation id must be a number",
                )
            })?),
        };
        network::add_member(
            &state.ctx,
            &c.actor,
            id,
            MemberInput {
                name: f.name,
                kind: f.kind,
                party_org_id,
                representative: f.representative,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    body_done(&state, &c, id, r).await
}

async fn body_meeting(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let r = async {
        check_csrf(&c, &get("csrf"))?;
        let attendance = form
            .iter()
            .filter_map(|(n, v)| {
                let mid: i64 = n.strip_prefix("att_")?.parse().ok()?;
                Some(AttendanceInput {
                    member_id: mid,
                    status: v.clone(),
                    deputy: get(&format!("dep_{mid}")),
                })
            })
            .collect();
        let resolutions = (1..=3)
            .filter(|i| !get(&format!("res_title_{i}")).trim().is_empty())
            .map(|i| ResolutionInput {
                title: get(&format!("res_title_{i}")),
                owner: get(&format!("res_owner_{i}")),
                owner_member_id: None,
                deadline: get(&format!("res_deadline_{i}")),
                case_number: None,
                meeting_id: None,
            })
            .collect();
        network::record_meeting(
            &state.ctx,
            &c.actor,
            id,
            MeetingInput {
                day: get("day"),
                place: get("place"),
                agenda: vec![get("agenda")],
                minutes: get("minutes"),
                attendance,
                resolutions,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    body_done(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct ResolutionForm {
    csrf: String,
    title: String,
    #[serde(default)]
    owner: String,
    deadline: String,
    #[serde(default)]
    case_number: String,
}

async fn body_resolution(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<ResolutionForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        network::add_resolution(
            &state.ctx,
            &c.actor,
            id,
            ResolutionInput {
                title: f.title,
                owner: f.owner,
                owner_member_id: None,
                deadline: f.deadline,
                case_number: Some(f.case_number),
                meeting_id: None,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    body_done(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct StatusForm {
    csrf: String,
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    done_day: String,
    version: i64,
    /// Where to go back to: the body page or the tracker.
    #[serde(default)]
    back: String,
}

async fn resolution_status(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        network::update_resolution(
            &state.ctx,
            &c.actor,
            id,
            StatusInput {
                status: f.status,
                note: f.note,
                done_day: Some(f.done_day),
                version: f.version,
            },
        )
        .await
    }
    .await;
    match r {
        Ok(_) if f.back == "tracker" => Redirect::to("/resolutions").into_response(),
        Ok(res) => Redirect::to(&format!("/joint-meetings/{}", res.body_id)).into_response(),
        Err(e) if form_error(&e) => {
            let res = tracker_view(&state, &c, None, false, Some(feedback(c.lang, &e))).await;
            bounce(&state, &c, &e, res)
        }
        Err(e) => caller_error(&state, &c, &e),
    }
}

async fn tracker_view(
    state: &AppState,
    c: &PageCaller,
    level: Option<String>,
    overdue: bool,
    fb: Option<Value>,
) -> Result<Response> {
    let rows = network::open_resolutions(&state.ctx, &c.actor, level.as_deref(), overdue).await?;
    let all_open = network::open_resolutions(&state.ctx, &c.actor, None, false).await?;
    let summary: Vec<Value> = BodyLevel::ALL
        .iter()
        .map(|l| {
            let o = all_open.iter().filter(|r| r.level == *l).count();
            let od = all_open
                .iter()
                .filter(|r| r.level == *l && r.overdue)
                .count();
            context! { code => l.as_str(), name => l.label(c.lang), open => o, overdue => od }
        })
        .collect();
    Ok(render(
        state,
        "network/tracker.html",
        context! {
            rows => rows.iter().map(|r| resolution_ctx(r, c.lang)).collect::<Vec<_>>(),
            summary => summary, levels => levels(c.lang), level => level, overdue => overdue,
            can_edit => c.actor.can(Verb::EditOrg),
            today => network::today(&state.ctx).format("%Y-%m-%d").to_string(),
            feedback => fb, ..base(c)
        },
    ))
}

async fn tracker_page(
    State(state): State<AppState>,
    c: PageCaller,
    Query(q): Query<LevelQuery>,
) -> Response {
    tracker_view(
        &state,
        &c,
        q.level.filter(|l| !l.is_empty()),
        q.overdue.as_deref() == Some("1"),
        None,
    )
    .await
    .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

// ---------------------------------------------------------------- reform

async fn subdistricts_page(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        let subs = network::subdistricts(&state.ctx, &c.actor).await?;
        let mut rows = vec![];
        for s in &subs {
            let items = state.ctx.network.reform_items(s.id).await?;
            let n = |l: jiceng_domain::network::ReformList| items.iter().filter(|i| i.list == l).count();
            use jiceng_domain::network::ReformList::*;
            let offices = items.iter().filter(|i| i.list == Organ && i.category == "office").count();
            let centres = items.iter().filter(|i| i.list == Organ && i.category == "centre").count();
            rows.push(context! { id => s.id, name => s.name.clone(), functions => n(Function), rights => n(Right),
                organs => format!("{offices}+{centres}"), stations => n(Station) });
        }
        Ok::<_, DomainError>(render(&state, "network/subdistricts.html", context! { rows => rows, ..base(&c) }))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}

fn items_ctx(items: &[ReformItem]) -> Vec<Value> {
    items
        .iter()
        .map(|i| context! { id => i.id, name => i.name.clone(), category => i.category.clone(), note => i.note.clone() })
        .collect()
}

async fn reform_view(
    state: &AppState,
    c: &PageCaller,
    id: i64,
    fb: Option<Value>,
) -> Result<Response> {
    let r = network::reform(&state.ctx, &c.actor, id).await?;
    let lang = c.lang;
    let organs: Vec<Value> = r
        .organs
        .iter()
        .map(|i| context! { id => i.id, name => i.name.clone(), note => i.note.clone(),
            category => jiceng_domain::network::OrganCategory::parse(&i.category).map(|c| c.label(lang)).unwrap_or("") })
        .collect();
    let mut station_kinds: Vec<&str> = r.stations.iter().map(|s| s.category.as_str()).collect();
    station_kinds.sort_unstable();
    station_kinds.dedup();
    Ok(render(
        state,
        "network/reform.html",
        context! {
            unit => context! { id => r.unit.id, name => r.unit.name.clone() },
            functions => items_ctx(&r.functions), rights => items_ctx(&r.rights), organs => organs,
            stations => items_ctx(&r.stations), station_kinds => station_kinds.len(),
            teams => r.teams.iter().map(|t| context! { id => t.id, name => t.name.clone(), department => t.department.clone(), command => t.command.clone(), note => t.note.clone() }).collect::<Vec<_>>(),
            delegated => r.delegated.as_ref().map(|d| context! { items => d.items, note => d.note.clone() }),
            organ_model => r.organ_model.clone(),
            can_edit => network::can_edit_reform(&c.actor),
            feedback => fb, ..base(c)
        },
    ))
}

async fn reform_page(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
) -> Response {
    reform_view(&state, &c, id, None)
        .await
        .unwrap_or_else(|e| caller_error(&state, &c, &e))
}

async fn reform_done(state: &AppState, c: &PageCaller, id: i64, r: Result<()>) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/subdistricts/{id}/reform")).into_response(),
        Err(e) if form_error(&e) => {
            let res = reform_view(state, c, id, Some(feedback(c.lang, &e))).await;
            bounce(state, c, &e, res)
        }
        Err(e) => caller_error(state, c, &e),
    }
}

#[derive(Deserialize)]
struct ItemForm {
    csrf: String,
    list: String,
    name: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    note: String,
}

async fn reform_item_add(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        network::add_reform_item(
            &state.ctx,
            &c.actor,
            id,
            ReformItemInput {
                list: f.list,
                name: f.name,
                category: f.category,
                note: f.note,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    reform_done(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn reform_item_remove(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, item)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let i = state
            .ctx
            .network
            .reform_item(item)
            .await?
            .filter(|i| i.unit_id == id)
            .ok_or(DomainError::NotFound("reform_item"))?;
        network::remove_reform_item(&state.ctx, &c.actor, i.id).await
    }
    .await;
    reform_done(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct TeamForm {
    csrf: String,
    name: String,
    department: String,
    command: String,
    #[serde(default)]
    note: String,
}

async fn reform_team_add(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<TeamForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        network::add_law_team(
            &state.ctx,
            &c.actor,
            id,
            LawTeamInput {
                name: f.name,
                department: f.department,
                command: f.command,
                note: f.note,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    reform_done(&state, &c, id, r).await
}

async fn reform_team_remove(
    State(state): State<AppState>,
    c: PageCaller,
    Path((id, team)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let t = state
            .ctx
            .network
            .law_team(team)
            .await?
            .filter(|t| t.unit_id == id)
            .ok_or(DomainError::NotFound("law_team"))?;
        network::remove_law_team(&state.ctx, &c.actor, t.id).await
    }
    .await;
    reform_done(&state, &c, id, r).await
}

#[derive(Deserialize)]
struct DelegatedForm {
    csrf: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    note: String,
}

async fn reform_delegated(
    State(state): State<AppState>,
    c: PageCaller,
    Path(id): Path<i64>,
    Form(f): Form<DelegatedForm>,
) -> Response {
    let r = async {
        check_csrf(&c, &f.csrf)?;
        let items = match f.items.trim() {
            "" => None,
            s => Some(s.parse().map_err(|_| {
                DomainError::field("items", "事项数应为整数", "items must be a whole number")
            })?),
        };
        network::set_delegated(&state.ctx, &c.actor, id, items, &f.note).await
    }
    .await;
    reform_done(&state, &c, id, r).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn new_place_form_renders_empty() {
        let env = crate::ui::templates();
        let t = env.get_template("network/place_new.html").unwrap();
        let form = minijinja::context! { kinds => vec![minijinja::context! { code => "station", name => "驿站" }], services => Vec::<i32>::new(), units => Vec::<i32>::new() };
        let r = t.render(minijinja::context! { lang => "zh", csrf => "x", form => form, me => minijinja::context! { name => "a" }, can => minijinja::context! {} });
        assert!(r.is_ok(), "{:?}", r.err());
    }
}
