//! One error type for every use case, with stable snake_case codes and messages in
//! both languages. The web layer maps it to HTTP once for JSON and once for pages.

use crate::i18n::{Lang, Text};
use serde::Serialize;

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// One invalid field of a form or one bad row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: Text::new(zh, en),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("not signed in")]
    Unauthenticated,
    #[error("conflict: {0:?}")]
    Conflict(Text),
    #[error("too many attempts")]
    RateLimited,
    /// The server could not take the request on in time: every database connection
    /// stayed busy for as long as it waits for one. Worth sending again shortly.
    #[error("busy")]
    Busy,
    #[error("rule violated: {0:?}")]
    Rule(Text),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn field(field: &str, zh: &str, en: &str) -> Self {
        DomainError::Validation(vec![FieldError::new(field, zh, en)])
    }

    pub fn rule(zh: &str, en: &str) -> Self {
        DomainError::Rule(Text::new(zh, en))
    }

    pub fn conflict(zh: &str, en: &str) -> Self {
        DomainError::Conflict(Text::new(zh, en))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        DomainError::Internal(e.to_string())
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Validation(_) => "validation_failed",
            DomainError::NotFound(_) => "not_found",
            DomainError::Forbidden => "forbidden",
            DomainError::Unauthenticated => "unauthenticated",
            DomainError::Conflict(_) => "conflict",
            DomainError::RateLimited => "rate_limited",
            DomainError::Busy => "busy",
            DomainError::Rule(_) => "rule_violated",
            DomainError::Internal(_) => "internal",
        }
    }

    /// A message for the user; internal details are never shown.
    pub fn message(&self, lang: Lang) -> String {
        let t = match self {
            DomainError::Validation(fields) => {
                let detail: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message.get(lang)))
                    .collect();
                return match lang {
                    Lang::Zh => format!("输入有误：{}", detail.join("；")),
                    Lang::En => format!("Invalid input: {}", detail.join("; ")),
                };
            }
            DomainError::NotFound(_) => Text::new("未找到该记录", "Not found"),
            DomainError::Forbidden => Text::new("无权执行此操作", "You are not allowed to do this"),
            DomainError::Unauthenticated => Text::new("请先登录", "Please sign in"),
            DomainError::Conflict(t) | DomainError::Rule(t) => t.clone(),
            DomainError::RateLimited => Text::new(
                "尝试次数过多，请稍后再试",
                "Too many attempts, try again later",
            ),
            DomainError::Busy => Text::new(
                "系统繁忙，请稍后重试",
                "The system is busy, please try again shortly",
            ),
            DomainError::Internal(_) => Text::new(
                "系统内部错误，请稍后重试",
                "Internal error, please try again later",
            ),
        };
        t.get(lang).to_string()
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            DomainError::Validation(f) => f,
            _ => &[],
        }
    }
}

/// Collects field errors and turns them into one `Validation` error.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Self {
        Checker::default()
    }
    pub fn add(&mut self, field: &str, zh: &str, en: &str) {
        self.errors.push(FieldError::new(field, zh, en));
    }
    pub fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_user() {
        let e = DomainError::internal("pool timed out at 10.0.0.3");
        assert!(!e.message(Lang::En).contains("10.0.0.3"));
        assert_eq!(e.code(), "internal");
    }

    #[test]
    fn busy_says_so_in_both_languages() {
        let e = DomainError::Busy;
        assert_eq!(e.code(), "busy");
        assert_eq!(e.message(Lang::Zh), "系统繁忙，请稍后重试");
        assert_eq!(
            e.message(Lang::En),
            "The system is busy, please try again shortly"
        );
    }

    #[test]
    fn validation_lists_each_field_in_the_language() {
        let mut c = Checker::new();
        c.add("name", "不能为空", "must not be empty");
        c.add("phone", "格式不正确", "invalid format");
        let e = c
            .finish()
            .err()
            .map(|e| e.message(Lang::Zh))
            .unwrap_or_default();
        assert!(e.contains("name: 不能为空") && e.contains("phone: 格式不正确"));
    }
}
