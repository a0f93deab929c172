use async_trait::async_trait;
use jiceng_core::{AuditEvent, DomainError, Result, Role};
use jiceng_domain::auth::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{SqlStore, db_err, write_audit};

fn principal_row(r: &AnyRow) -> Result<Principal> {
    Ok(Principal {
        user: user_row(r)?,
        scope_path: r.try_get("scope_path").map_err(db_err)?,
    })
}

fn user_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role").map_err(db_err)?;
    Ok(User {
        id: r.try_get("id").map_err(db_err)?,
        login: r.try_get("login").map_err(db_err)?,
        display_name: r.try_get("display_name").map_err(db_err)?,
        password_hash: r.try_get("password_hash").map_err(db_err)?,
        role: Role::parse(&role).ok_or_else(|| DomainError::internal("bad role"))?,
        scope_unit_id: r.try_get("scope_unit_id").map_err(db_err)?,
        household_id: r.try_get("household_id").map_err(db_err)?,
        department_id: r.try_get("department_id").map_err(db_err)?,
        active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
        created_ms: r.try_get("created_ms").map_err(db_err)?,
    })
}

#[async_trait]
impl AuthStore for SqlStore {
    async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(user_row).collect()
    }

    async fn insert_user(&self, u: NewUser, audit: AuditEvent) -> Result<User> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO users (login, display_name, password_hash, role, scope_unit_id, household_id, department_id, active, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING *",
        )
        .bind(&u.login)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(u.role.as_str())
        .bind(u.scope_unit_id)
        .bind(u.household_id)
        .bind(u.department_id)
        .bind(audit.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            DomainError::Conflict(_) => {
                DomainError::field("login", "登录名已被使用", "this login is taken")
            }
            e => e,
        })?;
        let user = user_row(&row)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(user)
    }

    async fn set_password(&self, user_id: i64, hash: &str, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        // A new password ends every open session of the account.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn insert_session(&self, s: Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.csrf)
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .execute(&self.w)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.w)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
            .bind(now_ms)
            .execute(&self.w)
            .await
            .map_err(db_err)?;
        Ok(r.rows_affected())
    }

    async fn insert_token(&self, t: ApiToken, audit: AuditEvent) -> Result<ApiToken> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_ms, revoked) VALUES ($1, $2, $3, $4, 0) RETURNING id",
        )
        .bind(t.user_id)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(t.created_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ApiToken { id, ..t })
    }

    async fn token_principal(&self, token_hash: &str) -> Result<Option<(ApiToken, Principal)>> {
        let found = self
            .principal_by(
                "SELECT u.*, t.id AS t_id, t.name AS t_name, t.created_ms AS t_created_ms, t.revoked AS t_revoked, o.path AS scope_path \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN org_units o ON o.id = u.scope_unit_id \
                 WHERE t.token_hash = $1",
                token_hash,
            )
            .await?;
        found
            .map(|(r, p)| {
                let t = ApiToken {
                    id: r.try_get("t_id").map_err(db_err)?,
                    user_id: p.user.id,
                    name: r.try_get("t_name").map_err(db_err)?,
                    token_hash: token_hash.to_string(),
                    created_ms: r.try_get("t_created_ms").map_err(db_err)?,
                    revoked: r.try_get::<i64, _>("t_revoked").map_err(db_err)? != 0,
                };
                Ok((t, p))
            })
            .transpose()
    }

    async fn session_principal(&self, token_hash: &str) -> Result<Option<(Session, Principal)>> {
        let found = self
            .principal_by(
                "SELECT u.*, s.csrf AS s_csrf, s.created_ms AS s_created_ms, s.expires_ms AS s_expires_ms, o.path AS scope_path \
                 FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN org_units o ON o.id = u.scope_unit_id \
                 WHERE s.token_hash = $1",
                token_hash,
            )
            .await?;
        found
            .map(|(r, p)| {
                let s = Session {
                    token_hash: token_hash.to_string(),
                    user_id: p.user.id,
                    csrf: r.try_get("s_csrf").map_err(db_err)?,
                    created_ms: r.try_get("s_created_ms").map_err(db_err)?,
                    expires_ms: r.try_get("s_expires_ms").map_err(db_err)?,
                };
                Ok((s, p))
            })
            .transpose()
    }
}

impl SqlStore {
    /// The row of a credential joined to its account and scope path (`sql` selects
    /// `u.*`, `scope_path` and the credential's own columns, by `$1` = its hash).
    async fn principal_by(
        &self,
        sql: &'static str,
        token_hash: &str,
    ) -> Result<Option<(AnyRow, Principal)>> {
        let row = sqlx::query(sql)
            .bind(token_hash)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            let p = principal_row(&r)?;
            Ok((r, p))
        })
        .transpose()
    }
}
