//! Jiceng's HTTP faces: the JSON API under `/api/v1` (OpenAPI at `/api/openapi.json`),
//! server-rendered pages (Chinese first, English second), `/healthz` and `/metrics`.
//! Handlers extract the caller and the input, call one use case, and render.

pub mod api;
pub mod appeals_api;
pub mod appeals_ui;
pub mod auth;
pub mod error;
pub mod figures_ui;
pub mod lists_api;
pub mod lists_ui;
pub mod metrics;
pub mod network_api;
pub mod network_ui;
pub mod open311;
pub mod openapi;
pub mod party_api;
pub mod party_ui;
pub mod svg;
pub mod ui;
pub mod workforce_api;
pub mod workforce_ui;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiceng_domain::Ctx;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use metrics::Metrics;

/// What every handler gets: one shared allocation, so handing it to a handler is one
/// reference count (it was a clone of every store handle and the cipher, several
/// times per request: ~9 % of the HTTP threads' time under intake load).
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

pub struct AppStateInner {
    pub ctx: Ctx,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub metrics: Arc<Metrics>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Who holds an API token, for a short while (see [`Recent`]), kept at the
    /// organisation tree's generation (`OrgStore::tree_generation`).
    pub actors: Arc<ActorCache>,
    /// Open311 keys found valid, by hash, for a short while (see [`Recent`]).
    pub open311_keys: Arc<Recent<()>>,
}

/// Answers kept for 30 seconds, by key: who holds an API token (one query to resolve),
/// whether an Open311 key is valid (one query). A revoked token or key or a disabled
/// account therefore takes effect within 30 seconds on API calls (pages use sessions,
/// checked each time). Who holds a token is also kept only while the organisation tree
/// is as it was when it was read (see [`AppStateInner::actors`]): a unit moved or retired
/// here or on another instance reaches the tokens of its people at once. Only answers
/// worth keeping are put: an unknown token or key is looked up every time.
#[derive(Debug)]
pub struct Recent<V> {
    map: std::sync::Mutex<std::collections::HashMap<String, (V, Instant, u64)>>,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Recent {
            map: Default::default(),
        }
    }
}

/// Who holds an API token, by the token's hash.
pub type ActorCache = Recent<jiceng_core::Actor>;

impl<V: Clone> Recent<V> {
    const TTL: Duration = Duration::from_secs(30);

    pub fn get(&self, key: &str) -> Option<V> {
        self.get_at(key, 0)
    }

    pub fn put(&self, key: String, value: V) {
        self.put_at(key, value, 0)
    }

    /// The answer if it is fresh and was read at `generation`.
    pub fn get_at(&self, key: &str, generation: u64) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(_, at, g)| *g == generation && at.elapsed() < Self::TTL)
            .map(|(v, _, _)| v.clone())
    }

    /// Keeps an answer read at `generation` (taken before the read).
    pub fn put_at(&self, key: String, value: V, generation: u64) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, at, _)| at.elapsed() < Self::TTL);
            }
            map.insert(key, (value, Instant::now(), generation));
        }
    }
}

impl AppState {
    pub fn new(ctx: Ctx, secure_cookies: bool) -> AppState {
        AppState(Arc::new(AppStateInner {
            ctx,
            templates: Arc::new(ui::templates()),
            metrics: Arc::new(Metrics::default()),
            secure_cookies,
            actors: Arc::new(ActorCache::default()),
            open311_keys: Arc::new(Recent::default()),
        }))
    }
}

/// Constant-time comparison for tokens.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Uploads (imports) may be large; everything else is small.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        start.elapsed().as_micros() as u64,
    );
    res
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.ctx.org.roots().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

pub fn router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let id = req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("http", method = %req.method(), uri = %req.uri().path(), request_id = %id)
    });
    Router::new()
        .merge(ui::routes())
        .merge(appeals_ui::routes())
        .merge(lists_ui::routes())
        .merge(figures_ui::routes())
        .merge(workforce_ui::routes())
        .merge(network_ui::routes())
        .merge(party_ui::routes())
        .nest(
            "/api/v1",
            api::with_json_errors(
                api::routes()
                    .merge(appeals_api::routes())
                    .merge(lists_api::routes())
                    .merge(figures_ui::api_routes())
                    .merge(workforce_api::routes())
                    .merge(network_api::routes())
                    .merge(party_api::routes()),
            ),
        )
        .nest("/open311/v2", open311::routes())
        .route("/api/openapi.json", get(openapi::document))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        // axum's extractors (`Bytes`, `Multipart`, forms) have their own 2 MB default,
        // which refused any import file above it: they take the same limit as the layer.
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
