//! Sign-in, sessions, API tokens and accounts.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, Result, Role, Verb};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::model::*;
use crate::{Ctx, require, require_in_scope};

pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;

pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(DomainError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A random token that starts with the time it was made (11 hex digits of the
/// millisecond clock), then 192 random bits: unguessable, and new tokens land at the end
/// of their unique index instead of on a random page of it.
pub fn ordered_token(now_ms: i64) -> String {
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    format!("{:011x}{}", now_ms.max(0), hex::encode(b))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn check_password_strength(c: &mut Checker, password: &str) {
    let n = password.chars().count();
    if n < 8 {
        c.add(
            "password",
            "密码至少8位",
            "password must have at least 8 characters",
        );
    } else if n > 128 {
        c.add(
            "password",
            "密码不能超过128位",
            "password must have at most 128 characters",
        );
    }
}

/// The actor of an account read with its scope path (one read per request).
fn actor_from(p: Principal) -> Result<Actor> {
    let Principal { user, scope_path } = p;
    Ok(Actor {
        user_id: user.id,
        login: user.login,
        display_name: user.display_name,
        role: user.role,
        scope_unit_id: user.scope_unit_id,
        scope_path: scope_path.ok_or(DomainError::Unauthenticated)?,
        household_id: user.household_id,
        department_id: user.department_id,
    })
}

/// Builds the acting person from an account.
pub async fn actor_of(ctx: &Ctx, user: &User) -> Result<Actor> {
    let unit = ctx
        .org
        .unit(user.scope_unit_id)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    Ok(Actor {
        user_id: user.id,
        login: user.login.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        scope_unit_id: unit.id,
        scope_path: unit.path,
        household_id: user.household_id,
        department_id: user.department_id,
    })
}

pub struct SignedIn {
    pub actor: Actor,
    pub session_token: String,
    pub csrf: String,
}

/// Checks a password, throttled per login and per address; opens a session.
pub async fn login(ctx: &Ctx, login: &str, password: &str, addr: &str) -> Result<SignedIn> {
    let now = ctx.now_ms();
    let login = login.trim();
    let keys = [format!("login:{login}"), format!("addr:{addr}")];
    if keys.iter().any(|k| ctx.throttle.locked(k, now)) {
        return Err(DomainError::RateLimited);
    }
    let user = ctx.auth.user_by_login(login).await?;
    let ok = match &user {
        Some(u) => u.active && verify_password(password, &u.password_hash),
        None => {
            // Spend the same time as a real check so logins cannot be enumerated.
            let _ = verify_password(password, dummy_hash());
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        for k in &keys {
            ctx.throttle.fail(k, now);
        }
        let system = Actor::system();
        let mut e = ctx.event(&system, "auth.login_failed", "user", login, "/");
        e.actor_login = login.to_string();
        e.after = Some(serde_json::json!({"addr": addr}));
        ctx.audit.append(e).await?;
        return Err(DomainError::rule(
            "用户名或密码错误",
            "wrong login or password",
        ));
    };
    ctx.throttle.clear(&keys[0]);
    let actor = actor_of(ctx, &user).await?;
    let token = random_token();
    let csrf = random_token();
    ctx.auth
        .insert_session(Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf: csrf.clone(),
            created_ms: now,
            expires_ms: now + SESSION_TTL_MS,
        })
        .await?;
    let e = ctx
        .event(&actor, "auth.login", "user", user.id, &actor.scope_path)
        .after(serde_json::json!({"addr": addr}));
    ctx.audit.append(e).await?;
    Ok(SignedIn {
        actor,
        session_token: token,
        csrf,
    })
}

/// A real hash to check unknown logins against, so they take as long as known ones.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// The actor and CSRF token of a live session.
pub async fn session_actor(ctx: &Ctx, token: &str) -> Result<Option<(Actor, String)>> {
    let Some((s, p)) = ctx.auth.session_principal(&token_hash(token)).await? else {
        return Ok(None);
    };
    if s.expires_ms <= ctx.now_ms() {
        ctx.auth.delete_session(&s.token_hash).await?;
        return Ok(None);
    }
    if !p.user.active {
        return Ok(None);
    }
    Ok(Some((actor_from(p)?, s.csrf)))
}

pub async fn logout(ctx: &Ctx, token: &str) -> Result<()> {
    ctx.auth.delete_session(&token_hash(token)).await
}

/// The actor of a bearer API token.
pub async fn token_actor(ctx: &Ctx, token: &str) -> Result<Option<Actor>> {
    let Some((t, p)) = ctx.auth.token_principal(&token_hash(token.trim())).await? else {
        return Ok(None);
    };
    if t.revoked || !p.user.active {
        return Ok(None);
    }
    Ok(Some(actor_from(p)?))
}

/// Issues an API token for an account; the plain token is returned once and only its
/// hash is kept.
pub async fn issue_token(ctx: &Ctx, actor: &Actor, login: &str, name: &str) -> Result<String> {
    let user = ctx
        .auth
        .user_by_login(login.trim())
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    if actor.user_id != user.id {
        require(actor, Verb::ManageUsers)?;
    }
    let token = random_token();
    let audit = ctx
        .event(actor, "auth.issue_token", "user", user.id, "/")
        .after(serde_json::json!({"login": user.login, "name": name}));
    ctx.auth
        .insert_token(
            ApiToken {
                id: 0,
                user_id: user.id,
                name: name.trim().chars().take(60).collect(),
                token_hash: token_hash(&token),
                created_ms: ctx.now_ms(),
                revoked: false,
            },
            audit,
        )
        .await?;
    Ok(token)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CreateUser {
    pub login: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub scope_unit_id: i64,
    #[serde(default)]
    pub household_id: Option<i64>,
    #[serde(default)]
    pub department_id: Option<i64>,
}

pub async fn create_user(ctx: &Ctx, actor: &Actor, input: CreateUser) -> Result<User> {
    require(actor, Verb::ManageUsers)?;
    let mut c = Checker::new();
    let login = input.login.trim();
    if login.len() < 3
        || login.len() > 40
        || !login
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.' || ch == '-')
    {
        c.add(
            "login",
            "登录名为3–40位字母、数字或 _ . -",
            "login: 3–40 letters, digits, _ . -",
        );
    }
    if input.display_name.trim().is_empty() || input.display_name.chars().count() > 40 {
        c.add(
            "display_name",
            "姓名不能为空且不超过40字",
            "name: 1–40 characters",
        );
    }
    check_password_strength(&mut c, &input.password);
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        c.add("role", "角色无效", "unknown role");
    }
    if role == Some(Role::Resident) && input.household_id.is_none() {
        c.add(
            "household_id",
            "居民账号须关联住户",
            "a resident account needs a household",
        );
    }
    c.finish()?;
    let role = role.ok_or(DomainError::Internal("role".into()))?;
    let unit = ctx
        .org
        .unit(input.scope_unit_id)
        .await?
        .ok_or_else(|| DomainError::field("scope_unit_id", "单位不存在", "unknown unit"))?;
    require_in_scope(actor, Verb::ManageUsers, &unit.path)?;
    if ctx.auth.user_by_login(login).await?.is_some() {
        return Err(DomainError::field(
            "login",
            "登录名已被使用",
            "this login is taken",
        ));
    }
    let hash = hash_password(&input.password)?;
    let audit = ctx
        .event(actor, "auth.create_user", "user", login, &unit.path)
        .after(serde_json::json!({"login": login, "role": role.as_str(), "scope": unit.code}));
    ctx.auth
        .insert_user(
            NewUser {
                login: login.to_string(),
                display_name: input.display_name.trim().to_string(),
                password_hash: hash,
                role,
                scope_unit_id: unit.id,
                household_id: input.household_id,
                department_id: input.department_id,
            },
            audit,
        )
        .await
}

pub async fn users(ctx: &Ctx, actor: &Actor) -> Result<Vec<User>> {
    require(actor, Verb::ManageUsers)?;
    ctx.auth.users().await
}

pub async fn set_password(ctx: &Ctx, actor: &Actor, login: &str, password: &str) -> Result<()> {
    let user = ctx
        .auth
        .user_by_login(login)
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    if actor.user_id != user.id {
        require(actor, Verb::ManageUsers)?;
    }
    let mut c = Checker::new();
    check_password_strength(&mut c, password);
    c.finish()?;
    let audit = ctx.event(actor, "auth.set_password", "user", user.id, "/");
    ctx.auth
        .set_password(user.id, &hash_password(password)?, audit)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse").unwrap_or_default();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn ordered_tokens_sort_by_time_and_differ() {
        let a = ordered_token(1_764_000_000_000);
        let b = ordered_token(1_764_000_000_000);
        let c = ordered_token(1_764_000_000_001);
        assert_eq!(a.len(), 59);
        assert_ne!(a, b, "the random part differs");
        assert_eq!(a[..11], b[..11]);
        assert!(a < c && b < c, "a later token sorts after");
        assert!(a.chars().all(|ch| ch.is_ascii_hexdigit()));
    }
}
