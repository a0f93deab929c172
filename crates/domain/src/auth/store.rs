use async_trait::async_trait;
use jiceng_core::{AuditEvent, Result};

use super::model::*;

#[async_trait]
pub trait AuthStore: Send + Sync {
    async fn user_by_login(&self, login: &str) -> Result<Option<User>>;
    async fn user(&self, id: i64) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn insert_user(&self, u: NewUser, audit: AuditEvent) -> Result<User>;
    async fn set_password(&self, user_id: i64, hash: &str, audit: AuditEvent) -> Result<()>;

    async fn insert_session(&self, s: Session) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64>;

    async fn insert_token(&self, t: ApiToken, audit: AuditEvent) -> Result<ApiToken>;

    /// Who is behind a bearer token, in one read: the token, its account and the path
    /// of the account's scope unit. Every API request asks this.
    async fn token_principal(&self, token_hash: &str) -> Result<Option<(ApiToken, Principal)>>;
    /// Who is behind a session cookie, in one read (as [`Self::token_principal`]).
    async fn session_principal(&self, token_hash: &str) -> Result<Option<(Session, Principal)>>;
}
