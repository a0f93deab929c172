use jiceng_core::Role;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub scope_unit_id: i64,
    pub household_id: Option<i64>,
    pub department_id: Option<i64>,
    pub active: bool,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope_unit_id: i64,
    pub household_id: Option<i64>,
    pub department_id: Option<i64>,
}

/// An account with the path of its scope unit (`None` when that unit is gone).
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user: User,
    pub scope_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf: String,
    pub created_ms: i64,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_ms: i64,
    pub revoked: bool,
}
