//! `/open311/v2`: the Open311 GeoReport v2 API (http://wiki.open311.org/GeoReport_v2),
//! in JSON and XML by the resource's extension. Services are the public leaf appeal
//! categories; service requests are cases. Reading is public and shows only what the
//! public may see (never the reporter); creating needs an `api_key`.
//!
//! Errors use the spec's body, `[{"code": 400, "description": "..."}]` or
//! `<errors><error><code>400</code><description>…</description></error></errors>`, with
//! the same HTTP status.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, TimeZone, Utc};
use jiceng_core::{DomainError, Lang, PageRequest};
use jiceng_domain::Ctx;
use jiceng_domain::appeals::service::{self as appeals, Intake};
use jiceng_domain::appeals::{Case, CaseQuery, Category, Channel, LimitUnit, Status};

use crate::AppState;
use crate::auth::lang_of;

pub const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this endpoint last changed (discovery's `changeset`).
const CHANGESET: &str = "2026-11-01T00:00:00+08:00";
/// GET requests: the window when no dates are given, and the widest window allowed.
const WINDOW_DAYS: i64 = 90;
/// GET requests: at most this many results.
const MAX_RESULTS: i64 = 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

const JSON_TYPE: &str = "application/json; charset=utf-8";
const XML_TYPE: &str = "text/xml; charset=utf-8";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/discovery.json", get(discovery_json))
        .route("/discovery.xml", get(discovery_xml))
        .route("/services.json", get(services_json))
        .route("/services.xml", get(services_xml))
        .route("/services/{file}", get(service_definition))
        .route("/requests.json", get(requests_json).post(create_json))
        .route("/requests.xml", get(requests_xml).post(create_xml))
        .route("/requests/{file}", get(request_one))
        .route("/tokens/{file}", get(token))
        .fallback(not_found)
        .layer(middleware::from_fn(spec_errors))
}

// ---------------------------------------------------------------------------------------
// Formats

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

impl Fmt {
    fn of_ext(ext: &str) -> Option<Fmt> {
        match ext {
            "json" => Some(Fmt::Json),
            "xml" => Some(Fmt::Xml),
            _ => None,
        }
    }
    /// The format a path asks for; XML (the spec's required format) when unclear.
    fn of_path(path: &str) -> Fmt {
        if path.ends_with(".json") {
            Fmt::Json
        } else {
            Fmt::Xml
        }
    }
}

/// `1104.json` → (`1104`, JSON); an unknown extension is `None`.
fn split_file(file: &str) -> Option<(&str, Fmt)> {
    let (name, ext) = file.rsplit_once('.')?;
    if name.is_empty() {
        return None;
    }
    Some((name, Fmt::of_ext(ext)?))
}

/// A value of the response tree, rendered as JSON or as XML.
#[derive(Debug, Clone)]
enum V {
    S(String),
    Null,
    B(bool),
    I(i64),
    F(f64),
    /// A list of objects: in XML, each one wrapped in the item tag.
    Objs(&'static str, Vec<Obj>),
    /// A list of strings: in XML, each one wrapped in the item tag.
    Strs(&'static str, Vec<String>),
}

type Obj = Vec<(&'static str, V)>;

fn s(v: impl Into<String>) -> V {
    V::S(v.into())
}

fn opt_s(v: Option<impl Into<String>>) -> V {
    v.map(|v| V::S(v.into())).unwrap_or(V::Null)
}

fn opt_f(v: Option<f64>) -> V {
    match v {
        Some(f) if f.is_finite() => V::F(f),
        _ => V::Null,
    }
}

/// A whole document: a list (`[...]` / `<root><item>…</item></root>`) or one object.
enum Doc {
    List(&'static str, &'static str, Vec<Obj>),
    One(&'static str, Obj),
}

fn to_json(v: &V) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        V::S(s) => J::String(s.clone()),
        V::Null => J::Null,
        V::B(b) => J::Bool(*b),
        V::I(i) => J::from(*i),
        V::F(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        V::Objs(_, items) => J::Array(items.iter().map(obj_json).collect()),
        V::Strs(_, items) => J::Array(items.iter().map(|s| J::String(s.clone())).collect()),
    }
}

fn obj_json(o: &Obj) -> serde_json::Value {
    serde_json::Value::Object(
        o.iter()
            .map(|(k, v)| ((*k).to_string(), to_json(v)))
            .collect(),
    )
}

/// Escapes text for XML, dropping characters XML 1.0 cannot carry.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_value(out: &mut String, tag: &str, v: &V) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    match v {
        V::S(s) => out.push_str(&xml_escape(s)),
        V::Null => {}
        V::B(b) => out.push_str(if *b { "true" } else { "false" }),
        V::I(i) => out.push_str(&i.to_string()),
        V::F(f) => out.push_str(&f.to_string()),
        V::Objs(item, items) => {
            for o in items {
                xml_obj(out, item, o);
            }
        }
        V::Strs(item, items) => {
            for s in items {
                xml_value(out, item, &V::S(s.clone()));
            }
        }
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

fn xml_obj(out: &mut String, tag: &str, o: &Obj) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    for (k, v) in o {
        xml_value(out, k, v);
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

fn render(fmt: Fmt, status: StatusCode, doc: Doc) -> Response {
    match fmt {
        Fmt::Json => {
            let v = match &doc {
                Doc::List(_, _, items) => {
                    serde_json::Value::Array(items.iter().map(obj_json).collect())
                }
                Doc::One(_, o) => obj_json(o),
            };
            (status, [(header::CONTENT_TYPE, JSON_TYPE)], v.to_string()).into_response()
        }
        Fmt::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            match &doc {
                Doc::List(root, item, items) => {
                    out.push('<');
                    out.push_str(root);
                    out.push('>');
                    for o in items {
                        xml_obj(&mut out, item, o);
                    }
                    out.push_str("</");
                    out.push_str(root);
                    out.push('>');
                }
                Doc::One(root, o) => xml_obj(&mut out, root, o),
            }
            (status, [(header::CONTENT_TYPE, XML_TYPE)], out).into_response()
        }
    }
}

fn ok(fmt: Fmt, doc: Doc) -> Response {
    render(fmt, StatusCode::OK, doc)
}

// ---------------------------------------------------------------------------------------
// Errors

/// One or more spec errors with the HTTP status they share.
#[derive(Debug)]
pub struct Open311Error {
    pub status: StatusCode,
    pub descriptions: Vec<String>,
}

impl Open311Error {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Open311Error {
            status,
            descriptions: vec![description.into()],
        }
    }
    fn bad(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }

    fn render(&self, fmt: Fmt) -> Response {
        let code = i64::from(self.status.as_u16());
        let items = self
            .descriptions
            .iter()
            .map(|d| vec![("code", V::I(code)), ("description", s(d.clone()))])
            .collect();
        render(fmt, self.status, Doc::List("errors", "error", items))
    }

    /// A domain error in the spec's terms: each invalid field is one error (400).
    fn of_domain(e: DomainError, lang: Lang) -> Self {
        match &e {
            DomainError::Validation(fields) => Open311Error {
                status: StatusCode::BAD_REQUEST,
                descriptions: fields
                    .iter()
                    .map(|f| {
                        if f.field == "category" {
                            // The spec's wording for a code it does not offer.
                            return "service_code not found".to_string();
                        }
                        format!("{}: {}", spec_field(&f.field), f.message.get(lang))
                    })
                    .collect(),
            },
            DomainError::Rule(_) => Self::bad(e.message(lang)),
            DomainError::NotFound(_) => Self::not_found(e.message(lang)),
            DomainError::Forbidden | DomainError::Unauthenticated => {
                Self::new(StatusCode::FORBIDDEN, e.message(lang))
            }
            DomainError::Conflict(_) => Self::new(StatusCode::CONFLICT, e.message(lang)),
            DomainError::RateLimited => Self::new(StatusCode::TOO_MANY_REQUESTS, e.message(lang)),
            DomainError::Busy => Self::new(StatusCode::SERVICE_UNAVAILABLE, e.message(lang)),
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error (open311)");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.message(lang))
            }
        }
    }
}

/// The Open311 name of a field the domain reports under its own name.
fn spec_field(field: &str) -> &str {
    match field {
        "category" => "service_code",
        "reporter_phone" => "phone",
        "reporter_name" => "first_name/last_name",
        "address" => "address_string",
        "building_id" => "address_id",
        "location" => "lat/long",
        "idempotency_key" => "Idempotency-Key",
        f => f,
    }
}

type Reply = Result<Response, (Fmt, Open311Error)>;

fn reply(r: Reply) -> Response {
    match r {
        Ok(res) => res,
        Err((fmt, e)) => e.render(fmt),
    }
}

trait Spec<T> {
    fn spec(self, fmt: Fmt, lang: Lang) -> Result<T, (Fmt, Open311Error)>;
}

impl<T> Spec<T> for jiceng_core::Result<T> {
    fn spec(self, fmt: Fmt, lang: Lang) -> Result<T, (Fmt, Open311Error)> {
        self.map_err(|e| (fmt, Open311Error::of_domain(e, lang)))
    }
}

async fn not_found(req: Request) -> Response {
    Open311Error::not_found("resource not found").render(Fmt::of_path(req.uri().path()))
}

/// Errors of the framework itself (a wrong method, a body too large) in the spec's
/// error body too.
async fn spec_errors(req: Request, next: Next) -> Response {
    let fmt = Fmt::of_path(req.uri().path());
    let res = next.run(req).await;
    let status = res.status();
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == JSON_TYPE || v == XML_TYPE);
    if ours || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let description = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase();
    Open311Error::new(status, description).render(fmt)
}

// ---------------------------------------------------------------------------------------
// Time

fn iso(ms: i64) -> Option<String> {
    Utc.timestamp_millis_opt(ms).single().map(|t| {
        t.with_timezone(&jiceng_core::clock::china())
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    })
}

fn parse_datetime(name: &str, v: &str) -> Result<i64, Open311Error> {
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            Open311Error::bad(format!(
                "{name} must be a W3C datetime such as 2026-11-01T00:00:00+08:00"
            ))
        })
}

// ---------------------------------------------------------------------------------------
// Discovery

fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/open311/v2")
}

fn discovery(state: &AppState, headers: &HeaderMap, fmt: Fmt) -> Response {
    let endpoint = vec![
        ("specification", s(SPEC)),
        ("url", s(base_url(state, headers))),
        ("changeset", s(CHANGESET)),
        ("type", s("production")),
        (
            "formats",
            V::Strs(
                "format",
                vec!["application/json".to_string(), "text/xml".to_string()],
            ),
        ),
    ];
    let doc = vec![
        ("changeset", s(CHANGESET)),
        (
            "contact",
            s("请联系区城市运行管理中心（12345）/ Contact the district operations centre (12345)"),
        ),
        (
            "key_service",
            s("API 密钥由区管理员签发 / API keys are issued by the district administrator"),
        ),
        ("endpoints", V::Objs("endpoint", vec![endpoint])),
    ];
    ok(fmt, Doc::One("discovery", doc))
}

async fn discovery_json(State(state): State<AppState>, headers: HeaderMap) -> Response {
    discovery(&state, &headers, Fmt::Json)
}

async fn discovery_xml(State(state): State<AppState>, headers: HeaderMap) -> Response {
    discovery(&state, &headers, Fmt::Xml)
}

// ---------------------------------------------------------------------------------------
// Services

/// Whether residents (and so Open311 clients) may report in this category.
fn is_public(c: &Category) -> bool {
    c.is_leaf() && c.active && matches!(c.source.as_str(), "service" | "both")
}

fn attribute_defs(c: &Category) -> Vec<serde_json::Value> {
    c.attributes.as_array().cloned().unwrap_or_default()
}

fn service_obj(c: &Category, all: &[Category], lang: Lang) -> Obj {
    let group = c
        .parent_code
        .as_deref()
        .and_then(|p| all.iter().find(|x| x.code == p))
        .map(|p| p.name(lang).to_string())
        .unwrap_or_default();
    vec![
        ("service_code", s(c.code.clone())),
        ("service_name", s(c.name(lang))),
        ("description", s(format!("{} / {}", c.name_zh, c.name_en))),
        ("metadata", V::B(!attribute_defs(c).is_empty())),
        ("type", s("realtime")),
        ("keywords", s("")),
        ("group", s(group)),
    ]
}

async fn services(state: &AppState, headers: &HeaderMap, fmt: Fmt) -> Reply {
    let lang = lang_of(headers);
    let all = appeals::categories(&state.ctx).await.spec(fmt, lang)?;
    let items = all
        .iter()
        .filter(|c| is_public(c))
        .map(|c| service_obj(c, &all, lang))
        .collect();
    Ok(ok(fmt, Doc::List("services", "service", items)))
}

async fn services_json(State(state): State<AppState>, headers: HeaderMap) -> Response {
    reply(services(&state, &headers, Fmt::Json).await)
}

async fn services_xml(State(state): State<AppState>, headers: HeaderMap) -> Response {
    reply(services(&state, &headers, Fmt::Xml).await)
}

fn attribute_obj(i: usize, d: &serde_json::Value) -> Obj {
    let text = |k: &str| d[k].as_str().map(str::to_string);
    let code = text("code").unwrap_or_default();
    let datatype = text("datatype")
        .filter(|t| {
            matches!(
                t.as_str(),
                "string" | "number" | "datetime" | "text" | "singlevaluelist" | "multivaluelist"
            )
        })
        .unwrap_or_else(|| "string".into());
    let values: Vec<Obj> = d["values"]
        .as_array()
        .map(|vals| {
            vals.iter()
                .filter_map(|v| {
                    let key = match &v["key"] {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => return None,
                        other => other.to_string(),
                    };
                    let name = v["name"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or(key.clone());
                    Some(vec![("key", s(key)), ("name", s(name))])
                })
                .collect()
        })
        .unwrap_or_default();
    vec![
        ("variable", V::B(d["variable"].as_bool().unwrap_or(true))),
        ("code", s(code.clone())),
        ("datatype", s(datatype)),
        ("required", V::B(d["required"].as_bool().unwrap_or(false))),
        ("datatype_description", opt_s(text("datatype_description"))),
        ("order", V::I(i as i64 + 1)),
        ("description", s(text("description").unwrap_or(code))),
        ("values", V::Objs("value", values)),
    ]
}

async fn service_definition(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some((code, fmt)) = split_file(&file) else {
        return Open311Error::not_found("resource not found").render(Fmt::of_path(&file));
    };
    let lang = lang_of(&headers);
    let run = async {
        let all = appeals::categories(&state.ctx).await.spec(fmt, lang)?;
        let c = all
            .iter()
            .find(|c| c.code == code && is_public(c))
            .ok_or_else(|| (fmt, Open311Error::not_found("service_code not found")))?;
        let attributes = attribute_defs(c)
            .iter()
            .enumerate()
            .map(|(i, d)| attribute_obj(i, d))
            .collect();
        Ok(ok(
            fmt,
            Doc::One(
                "service_definition",
                vec![
                    ("service_code", s(c.code.clone())),
                    ("attributes", V::Objs("attribute", attributes)),
                ],
            ),
        ))
    };
    reply(run.await)
}

// ---------------------------------------------------------------------------------------
// POST requests

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// `attribute[code]=v` and `attribute[code][]=v` (multivaluelist, joined by commas).
fn attributes_of(form: &[(String, String)]) -> serde_json::Value {
    let mut map: Vec<(String, Vec<String>)> = vec![];
    for (k, v) in form {
        let Some(rest) = k.strip_prefix("attribute[") else {
            continue;
        };
        let code = rest
            .strip_suffix("][]")
            .or_else(|| rest.strip_suffix(']'))
            .unwrap_or(rest);
        if code.is_empty() || v.trim().is_empty() {
            continue;
        }
        match map.iter_mut().find(|(c, _)| c == code) {
            Some((_, vals)) => vals.push(v.trim().to_string()),
            None => map.push((code.to_string(), vec![v.trim().to_string()])),
        }
    }
    serde_json::Value::Object(
        map.into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v.join(","))))
            .collect(),
    )
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{3400}'..='\u{9FFF}').contains(&c))
}

/// A Chinese name is family name first (`last_name` + `first_name`); others are
/// `first last`.
fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let first = first.map(str::trim).unwrap_or("");
    let last = last.map(str::trim).unwrap_or("");
    let name = if has_cjk(first) || has_cjk(last) {
        format!("{last}{first}")
    } else {
        format!("{first} {last}").trim().to_string()
    };
    (!name.is_empty()).then_some(name)
}

fn parse_coord(name: &str, v: Option<&str>) -> Result<Option<f64>, String> {
    match v {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| format!("{name} must be a number (WGS84 decimal degrees)")),
    }
}

fn service_notice(c: &Category, number: &str, lang: Lang) -> String {
    let limit = format!("{}{}", c.limit_amount, c.limit_unit.label(lang));
    match lang {
        Lang::Zh => format!(
            "诉求已登记，编号 {number}。{}小时内响应，{limit}内办结。",
            c.response_hours
        ),
        Lang::En => {
            let unit = match c.limit_unit {
                LimitUnit::Hours => "hours",
                LimitUnit::WorkingDays => "working days",
            };
            format!(
                "Recorded as {number}. We respond within {} hours and resolve it within {} {unit}.",
                c.response_hours, c.limit_amount
            )
        }
    }
}

async fn create(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
    fmt: Fmt,
) -> Reply {
    let lang = lang_of(headers);
    let form = match form {
        Ok(Form(f)) => f,
        Err(e) => {
            return Err((
                fmt,
                Open311Error::bad(format!(
                    "the body must be application/x-www-form-urlencoded: {}",
                    e.body_text()
                )),
            ));
        }
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    // The key: a POST argument (also accepted in the query string).
    let key = field(&form, "api_key").or_else(|| field(&query, "api_key"));
    let valid = match key {
        Some(k) => {
            let hash = jiceng_domain::auth::service::token_hash(k.trim());
            if state.open311_keys.get(&hash).is_some() {
                true
            } else {
                let ok = appeals::open311_key_valid(&state.ctx, k)
                    .await
                    .spec(fmt, lang)?;
                if ok {
                    state.open311_keys.put(hash, ());
                }
                ok
            }
        }
        None => false,
    };
    if !valid {
        let d = if key.is_none() {
            "api_key is required to create a service request"
        } else {
            "api_key is invalid"
        };
        return Err((fmt, Open311Error::new(StatusCode::FORBIDDEN, d)));
    }
    let all = appeals::categories(&state.ctx).await.spec(fmt, lang)?;
    let mut errors = vec![];
    let cat = match field(&form, "service_code").map(str::trim) {
        None => {
            errors.push("service_code is required".to_string());
            None
        }
        Some(code) => {
            let c = all.iter().find(|c| c.code == code && is_public(c));
            if c.is_none() {
                errors.push("service_code not found".to_string());
            }
            c
        }
    };
    let lat = parse_coord("lat", field(&form, "lat")).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let lon = parse_coord("long", field(&form, "long")).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if lat.is_some() != lon.is_some() {
        errors.push("lat and long must be given together".into());
    }
    let address = field(&form, "address_string").map(str::to_string);
    let building_id = match field(&form, "address_id").map(str::trim) {
        None => None,
        Some(a) => match a.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push("address_id not found".into());
                None
            }
        },
    };
    if lat.is_none() && lon.is_none() && address.is_none() && building_id.is_none() {
        errors.push("a location is required: lat and long, address_string or address_id".into());
    }
    if !errors.is_empty() {
        return Err((
            fmt,
            Open311Error {
                status: StatusCode::BAD_REQUEST,
                descriptions: errors,
            },
        ));
    }
    let Some(cat) = cat else {
        return Err((fmt, Open311Error::bad("service_code not found")));
    };
    // The spec makes the description optional; a case needs one, so it defaults to the
    // service's name.
    let description = field(&form, "description")
        .map(str::to_string)
        .unwrap_or_else(|| cat.name(lang).to_string());
    let intake = Intake {
        category: cat.code.clone(),
        description,
        lon,
        lat,
        address,
        building_id,
        reporter_name: full_name(field(&form, "first_name"), field(&form, "last_name")),
        reporter_phone: field(&form, "phone").map(str::to_string),
        anonymous: false,
        attributes: attributes_of(&form),
        media_url: field(&form, "media_url").map(|u| u.trim().to_string()),
        photos: vec![],
        idem_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let (case, _created) = appeals::submit(&state.ctx, None, Channel::Open311, intake)
        .await
        .spec(fmt, lang)?;
    let item = vec![
        ("service_request_id", s(case.number.clone())),
        ("service_notice", s(service_notice(cat, &case.number, lang))),
        ("account_id", V::Null),
    ];
    // The spec shows no status code for a created request; 200 with the array is what
    // clients expect (a retry with the same Idempotency-Key answers the same way).
    Ok(ok(
        fmt,
        Doc::List("service_requests", "request", vec![item]),
    ))
}

async fn create_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    reply(create(&state, &headers, query, form, Fmt::Json).await)
}

async fn create_xml(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    reply(create(&state, &headers, query, form, Fmt::Xml).await)
}

// ---------------------------------------------------------------------------------------
// GET requests

/// Names looked up once per response.
struct Lookup {
    categories: HashMap<String, Category>,
    departments: HashMap<i64, String>,
    units: HashMap<i64, Option<String>>,
}

impl Lookup {
    async fn new(ctx: &Ctx) -> jiceng_core::Result<Lookup> {
        Ok(Lookup {
            categories: ctx
                .appeals
                .categories()
                .await?
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect(),
            departments: ctx
                .appeals
                .departments()
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
            units: HashMap::new(),
        })
    }

    async fn unit_name(&mut self, ctx: &Ctx, id: i64) -> jiceng_core::Result<Option<String>> {
        if let Some(n) = self.units.get(&id) {
            return Ok(n.clone());
        }
        let n = ctx.org.label(id).await?.map(|u| u.name);
        self.units.insert(id, n.clone());
        Ok(n)
    }
}

/// One case as the public sees it: never the reporter.
async fn request_obj(
    ctx: &Ctx,
    look: &mut Lookup,
    c: &Case,
    lang: Lang,
) -> jiceng_core::Result<Obj> {
    let agency = match (c.assignee_dept_id, c.assignee_unit_id) {
        (Some(d), _) => look.departments.get(&d).cloned(),
        (None, Some(u)) => look.unit_name(ctx, u).await?,
        (None, None) => None,
    };
    let service_name = look
        .categories
        .get(&c.category_code)
        .map(|k| k.name(lang).to_string())
        .unwrap_or_default();
    let notes = c
        .reject_reason
        .clone()
        .or_else(|| c.result.clone())
        .filter(|n| !n.trim().is_empty());
    Ok(vec![
        ("service_request_id", s(c.number.clone())),
        (
            "status",
            s(if c.status.is_open() { "open" } else { "closed" }),
        ),
        ("status_notes", opt_s(notes)),
        ("service_name", s(service_name)),
        ("service_code", s(c.category_code.clone())),
        ("description", s(c.description.clone())),
        ("agency_responsible", opt_s(agency)),
        ("service_notice", V::Null),
        ("requested_datetime", opt_s(iso(c.created_ms))),
        ("updated_datetime", opt_s(iso(c.updated_ms))),
        ("expected_datetime", opt_s(c.due_ms.and_then(iso))),
        ("address", s(c.address.clone())),
        ("address_id", V::Null),
        ("zipcode", V::Null),
        ("lat", opt_f(c.lat)),
        ("long", opt_f(c.lon)),
        ("media_url", opt_s(c.media_url.clone())),
    ])
}

async fn requests_doc(ctx: &Ctx, cases: &[Case], lang: Lang) -> jiceng_core::Result<Doc> {
    let mut look = Lookup::new(ctx).await?;
    let mut items = Vec::with_capacity(cases.len());
    for c in cases {
        items.push(request_obj(ctx, &mut look, c, lang).await?);
    }
    Ok(Doc::List("service_requests", "request", items))
}

fn list_param(q: &[(String, String)], name: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for (_, v) in q.iter().filter(|(k, _)| k == name) {
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if !out.iter().any(|o| o == part) {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// The cases GET requests asks for, newest first.
async fn find_requests(ctx: &Ctx, q: &[(String, String)]) -> Result<Vec<Case>, Open311Error> {
    let internal = |e: DomainError| Open311Error::of_domain(e, Lang::En);
    // Ids override every other filter.
    let ids = list_param(q, "service_request_id");
    if !ids.is_empty() {
        let mut out = vec![];
        for id in ids.iter().take(MAX_RESULTS as usize) {
            if let Some(c) = ctx.appeals.case_by_number(id).await.map_err(internal)? {
                out.push(c);
            }
        }
        return Ok(out);
    }
    let mut statuses: HashSet<bool> = HashSet::new();
    for st in list_param(q, "status") {
        match st.as_str() {
            "open" => statuses.insert(true),
            "closed" => statuses.insert(false),
            _ => return Err(Open311Error::bad("status must be open or closed")),
        };
    }
    let one = |name: &str| q.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let start = match one("start_date").filter(|v| !v.trim().is_empty()) {
        Some(v) => Some(parse_datetime("start_date", v)?),
        None => None,
    };
    let end = match one("end_date").filter(|v| !v.trim().is_empty()) {
        Some(v) => Some(parse_datetime("end_date", v)?),
        None => None,
    };
    let window = WINDOW_DAYS * DAY_MS;
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s.saturating_add(window)),
        (None, Some(e)) => (e.saturating_sub(window), e),
        (None, None) => {
            let now = ctx.now_ms();
            (now - window, now)
        }
    };
    if to < from {
        return Err(Open311Error::bad("end_date must not be before start_date"));
    }
    if to - from > window {
        return Err(Open311Error::bad(format!(
            "start_date and end_date may not span more than {WINDOW_DAYS} days"
        )));
    }
    let mut query = CaseQuery {
        from_ms: Some(from),
        // end_date is inclusive.
        to_ms: Some(to.saturating_add(1)),
        ..CaseQuery::default()
    };
    if statuses.len() == 1 {
        let open = statuses.contains(&true);
        query.statuses = Status::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open() == open)
            .collect();
    }
    let page = PageRequest {
        offset: 0,
        limit: MAX_RESULTS,
    };
    let codes = list_param(q, "service_code");
    let mut cases = if codes.is_empty() {
        ctx.appeals
            .search(&query, page)
            .await
            .map_err(internal)?
            .items
    } else {
        let mut all = vec![];
        for code in codes.iter().take(100) {
            let q = CaseQuery {
                category_prefix: Some(code.clone()),
                ..query.clone()
            };
            let found = ctx.appeals.search(&q, page).await.map_err(internal)?;
            all.extend(found.items.into_iter().filter(|c| &c.category_code == code));
        }
        all
    };
    cases.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    cases.dedup_by_key(|c| c.id);
    cases.truncate(MAX_RESULTS as usize);
    Ok(cases)
}

async fn requests(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    fmt: Fmt,
) -> Reply {
    let lang = lang_of(headers);
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return Err((fmt, Open311Error::bad(e.body_text()))),
    };
    let cases = find_requests(&state.ctx, &q).await.map_err(|e| (fmt, e))?;
    let doc = requests_doc(&state.ctx, &cases, lang)
        .await
        .spec(fmt, lang)?;
    Ok(ok(fmt, doc))
}

async fn requests_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    reply(requests(&state, &headers, query, Fmt::Json).await)
}

async fn requests_xml(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    reply(requests(&state, &headers, query, Fmt::Xml).await)
}

async fn request_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some((id, fmt)) = split_file(&file) else {
        return Open311Error::not_found("resource not found").render(Fmt::of_path(&file));
    };
    let lang = lang_of(&headers);
    let run = async {
        let case = state
            .ctx
            .appeals
            .case_by_number(id)
            .await
            .spec(fmt, lang)?
            .ok_or_else(|| (fmt, Open311Error::not_found("service_request_id not found")))?;
        let doc = requests_doc(&state.ctx, std::slice::from_ref(&case), lang)
            .await
            .spec(fmt, lang)?;
        Ok(ok(fmt, doc))
    };
    reply(run.await)
}

// ---------------------------------------------------------------------------------------
// Tokens

async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some((token, fmt)) = split_file(&file) else {
        return Open311Error::not_found("resource not found").render(Fmt::of_path(&file));
    };
    let lang = lang_of(&headers);
    let run = async {
        let case = state
            .ctx
            .appeals
            .case_by_token(token)
            .await
            .spec(fmt, lang)?
            .ok_or_else(|| (fmt, Open311Error::not_found("token not found")))?;
        let item = vec![
            ("service_request_id", s(case.number.clone())),
            ("token", s(token)),
        ];
        Ok(ok(
            fmt,
            Doc::List("service_requests", "request", vec![item]),
        ))
    };
    reply(run.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml_escape("a<b>&\"c'\u{1}d"),
            "a&lt;b&gt;&amp;&quot;c&apos;d"
        );
    }

    #[test]
    fn files_split_by_extension() {
        assert_eq!(split_file("1104.json"), Some(("1104", Fmt::Json)));
        assert_eq!(
            split_file("261126-0001.xml"),
            Some(("261126-0001", Fmt::Xml))
        );
        assert_eq!(split_file("1104.csv"), None);
        assert_eq!(split_file("1104"), None);
    }

    #[test]
    fn names_by_script() {
        assert_eq!(full_name(Some("三"), Some("张")).as_deref(), Some("张三"));
        assert_eq!(
            full_name(Some("John"), Some("Smith")).as_deref(),
            Some("John Smith")
        );
        assert_eq!(full_name(None, None), None);
    }

    #[test]
    fn attributes_from_form() {
        let form = vec![
            ("attribute[floor]".to_string(), "3".to_string()),
            ("attribute[kinds][]".to_string(), "a".to_string()),
            ("attribute[kinds][]".to_string(), "b".to_string()),
            ("description".to_string(), "x".to_string()),
        ];
        assert_eq!(
            attributes_of(&form),
            serde_json::json!({"floor": "3", "kinds": "a,b"})
        );
    }
}
