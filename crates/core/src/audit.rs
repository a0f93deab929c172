//! The audit trail: every change (before → after) and every unmasked view of personal
//! data. Events are written in the same transaction as the change; rows are never
//! updated or deleted.

use crate::actor::Actor;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub at_ms: i64,
    pub actor_id: i64,
    pub actor_login: String,
    pub actor_role: String,
    /// e.g. `org.rename`, `people.reveal`, `auth.login_failed`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// Path of the unit the entity belongs to, so audits can be filtered by subtree.
    pub scope_path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEvent {
    pub fn new(
        actor: &Actor,
        at_ms: i64,
        action: &str,
        entity_type: &str,
        entity_id: impl ToString,
        scope_path: &str,
    ) -> AuditEvent {
        AuditEvent {
            at_ms,
            actor_id: actor.user_id,
            actor_login: actor.login.clone(),
            actor_role: actor.role.as_str().to_string(),
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            scope_path: scope_path.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// A stored audit row, as the auditor reads it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    pub actor_login: Option<String>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}
