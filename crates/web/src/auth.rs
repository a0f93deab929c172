//! Who is calling: session cookies for pages, bearer tokens (or a session plus the
//! CSRF header) for the API. The check of what they may do lives in the domain.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_core::{Actor, DomainError, Lang};
use jiceng_domain::auth::service as auth;

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "jiceng_session";
pub const PRE_CSRF_COOKIE: &str = "jiceng_pre";
pub const LANG_COOKIE: &str = "lang";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
        .next()
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(|v| Lang::from_tag(&v)) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

pub fn session_cookie(token: &str, secure: bool, max_age_s: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The caller's network address (for login throttling and the audit trail).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

/// The language of a request, for handlers that need nothing else.
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(lang_of(&parts.headers)))
    }
}

/// An API caller.
pub struct ApiCaller {
    pub actor: Actor,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let lang = lang_of(&parts.headers);
        let err = |e: DomainError| ApiError(e, lang);
        if let Some(bearer) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            let key = auth::token_hash(bearer.trim());
            let tree = state.ctx.org.tree_generation();
            if let Some(actor) = state.actors.get_at(&key, tree) {
                return Ok(ApiCaller { actor, lang });
            }
            return match auth::token_actor(&state.ctx, bearer).await.map_err(err)? {
                Some(actor) => {
                    state.actors.put_at(key, actor.clone(), tree);
                    Ok(ApiCaller { actor, lang })
                }
                None => Err(err(DomainError::Unauthenticated)),
            };
        }
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some((actor, csrf)) =
                auth::session_actor(&state.ctx, &token).await.map_err(err)?
        {
            let safe = matches!(parts.method, Method::GET | Method::HEAD);
            let header_ok = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| crate::ct_eq(v, &csrf));
            if safe || header_ok {
                return Ok(ApiCaller { actor, lang });
            }
            return Err(err(DomainError::Forbidden));
        }
        Err(err(DomainError::Unauthenticated))
    }
}

/// A signed-in page visitor, with the CSRF token their forms must carry.
pub struct PageCaller {
    pub actor: Actor,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = lang_of(&parts.headers);
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            match auth::session_actor(&state.ctx, &token).await {
                Ok(Some((actor, csrf))) => return Ok(PageCaller { actor, csrf, lang }),
                Ok(None) => {}
                Err(e) => return Err(crate::ui::error_page(state, lang, &e)),
            }
        }
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let target = format!("/login?next={}", urlencode(&next));
        Err(Redirect::to(&target).into_response())
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only same-site relative paths are followed after sign-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/home".to_string(),
    }
}

/// A page visitor who may or may not be signed in (public pages).
pub struct MaybeCaller(pub Option<PageCaller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(
            PageCaller::from_request_parts(parts, state).await.ok(),
        ))
    }
}
