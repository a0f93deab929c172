//! The append-only audit trail: reading it (writing happens inside each store change).

use async_trait::async_trait;
use jiceng_core::audit::{AuditFilter, AuditRecord};
use jiceng_core::{Actor, AuditEvent, Page, PageRequest, Result, Verb};

use crate::{Ctx, require};

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Writes one event on its own (views of personal data, sign-ins).
    async fn append(&self, e: AuditEvent) -> Result<()>;
    async fn list(
        &self,
        scope_path: &str,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>>;
}

/// The auditor browses events inside their reach, newest first.
pub async fn browse(
    ctx: &Ctx,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditRecord>> {
    require(actor, Verb::ViewAudit)?;
    // A district-wide reach also sees the events that belong to no unit (sign-ins,
    // label changes), written with the root path "/".
    let root = crate::org::rules::path_codes(&actor.scope_path).len() <= 1;
    let scope = if root { "/" } else { actor.scope_path.as_str() };
    ctx.audit.list(scope, filter, page.clamped()).await
}
