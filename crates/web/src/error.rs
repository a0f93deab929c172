//! The one mapping of domain errors to HTTP: JSON for the API, a page for the UI.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiceng_core::{DomainError, Lang};
use serde_json::json;

pub fn status_of(e: &DomainError) -> StatusCode {
    match e {
        DomainError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::NotFound(_) => StatusCode::NOT_FOUND,
        DomainError::Forbidden => StatusCode::FORBIDDEN,
        DomainError::Unauthenticated => StatusCode::UNAUTHORIZED,
        DomainError::Conflict(_) => StatusCode::CONFLICT,
        DomainError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        DomainError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        DomainError::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An API error: `{"code": "...", "message": "...", "fields": [...]}`.
#[derive(Debug)]
pub struct ApiError(pub DomainError, pub Lang);

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError(e, Lang::Zh)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(e, lang) = self;
        if let DomainError::Internal(detail) = &e {
            tracing::error!(%detail, "internal error");
        }
        let fields: Vec<serde_json::Value> = e
            .fields()
            .iter()
            .map(|f| json!({"field": f.field, "message": f.message.get(lang)}))
            .collect();
        let mut body = json!({"code": e.code(), "message": e.message(lang)});
        if !fields.is_empty() {
            body["fields"] = serde_json::Value::Array(fields);
        }
        let mut res = (status_of(&e), axum::Json(body)).into_response();
        if e == DomainError::Busy {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, RETRY_AFTER_BUSY.clone());
        }
        res
    }
}

/// Seconds a client is asked to wait before sending a request refused as busy again.
pub static RETRY_AFTER_BUSY: axum::http::HeaderValue = axum::http::HeaderValue::from_static("1");

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_is_503_with_a_retry_after() {
        let res = ApiError(DomainError::Busy, Lang::Zh).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            res.headers().get(axum::http::header::RETRY_AFTER),
            Some(&RETRY_AFTER_BUSY)
        );
        // Other errors ask for no wait.
        let res = ApiError(DomainError::internal("x"), Lang::Zh).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(res.headers().get(axum::http::header::RETRY_AFTER).is_none());
    }
}
