use async_trait::async_trait;
use jiceng_core::{AuditEvent, Result};

use super::model::*;

/// Persistence of the organisation tree. Every change takes the audit event(s) to write
/// in the same transaction.
#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn unit(&self, id: i64) -> Result<Option<OrgUnit>>;
    async fn unit_by_code(&self, code: &str) -> Result<Option<OrgUnit>>;
    /// A unit's label, for pages that name units (a case's grid, coordinating unit,
    /// handler). Kept by the instance: this instance's own rename, move or retirement
    /// shows at once, another instance's when it commits on PostgreSQL (the store hears
    /// of it) and within 30 s at the latest. Not for decisions that change data: those
    /// read [`OrgStore::unit`].
    async fn label(&self, id: i64) -> Result<Option<UnitLabel>>;
    /// [`OrgStore::label`] by the unit's code.
    async fn label_by_code(&self, code: &str) -> Result<Option<UnitLabel>>;
    /// Advances each time the units change: through this instance, or as another
    /// instance's change commits (PostgreSQL). What an instance derives from the tree —
    /// the grid index, who holds an API token — is kept only at the generation it was
    /// read at.
    fn tree_generation(&self) -> u64;
    async fn units_by_codes(&self, codes: &[String]) -> Result<Vec<OrgUnit>>;
    async fn roots(&self) -> Result<Vec<OrgUnit>>;
    async fn children(&self, parent_id: i64, include_retired: bool) -> Result<Vec<OrgUnit>>;
    /// Units of a kind inside a subtree (active only).
    async fn units_in(&self, path: &str, kind: UnitKind, limit: i64) -> Result<Vec<OrgUnit>>;
    /// Every code ever given below a parent code prefix (retired included).
    async fn codes_with_prefix(&self, prefix: &str) -> Result<Vec<String>>;
    async fn search(&self, path: &str, q: &str, limit: i64) -> Result<Vec<OrgUnit>>;
    /// Active units of a kind whose name appears in the text (address matching).
    async fn units_named_in(&self, text: &str, kind: UnitKind, limit: i64) -> Result<Vec<OrgUnit>>;
    async fn stats(&self, path: &str) -> Result<SubtreeStats>;
    /// Residents per unit of one level inside a subtree: (unit path, residents).
    async fn resident_counts(&self, path: &str, level: UnitKind) -> Result<Vec<(String, i64)>>;
    /// Active children and households directly or indirectly below.
    async fn active_below(&self, unit: &OrgUnit) -> Result<(i64, i64)>;

    async fn insert(&self, unit: NewUnit, audit: AuditEvent) -> Result<OrgUnit>;
    /// Bulk insert (imports, demo), parents before children: all or nothing, one
    /// summary audit event. Returns how many were created.
    async fn insert_many(&self, units: Vec<NewUnit>, audit: AuditEvent) -> Result<u64>;
    /// Sets the boundary (and optionally name/type) of many grids at once.
    async fn update_grids(&self, grids: Vec<(i64, UnitPatch)>, audit: AuditEvent) -> Result<u64>;
    /// Applies a patch if the version still matches; `Conflict` otherwise.
    async fn update(
        &self,
        id: i64,
        expected_version: i64,
        patch: UnitPatch,
        history: (String, AuditEvent),
    ) -> Result<OrgUnit>;
    async fn move_to(
        &self,
        id: i64,
        expected_version: i64,
        new_parent: &OrgUnit,
        audit: AuditEvent,
    ) -> Result<OrgUnit>;
    async fn retire(&self, id: i64, expected_version: i64, audit: AuditEvent) -> Result<OrgUnit>;
    async fn history(&self, unit_id: i64) -> Result<Vec<UnitHistory>>;

    async fn posts(&self, unit_id: i64, include_past: bool) -> Result<Vec<PostHolder>>;
    /// Current posts of every unit inside a subtree, keyed by unit.
    async fn posts_in(&self, path: &str, limit: i64) -> Result<Vec<PostHolder>>;
    async fn appoint(
        &self,
        unit_id: i64,
        title: PostTitle,
        person_name: &str,
        phone: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<PostHolder>;
    /// Bulk appointment (demo, imports): (unit code, title, name, phone).
    async fn insert_posts(
        &self,
        posts: Vec<(String, PostTitle, String, String)>,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<u64>;
    async fn end_post(&self, post_id: i64, at_ms: i64, audit: AuditEvent) -> Result<()>;
    async fn post(&self, post_id: i64) -> Result<Option<PostHolder>>;
}
