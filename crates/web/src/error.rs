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
        (status_of(&e), axum::Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
