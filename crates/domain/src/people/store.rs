use async_trait::async_trait;
use jiceng_core::{AuditEvent, Page, PageRequest, Result};

use super::model::*;

#[async_trait]
pub trait PeopleStore: Send + Sync {
    async fn household(&self, id: i64) -> Result<Option<Household>>;
    async fn households_of_unit(&self, unit_id: i64) -> Result<Vec<Household>>;
    async fn insert_household(&self, h: NewHousehold, audit: AuditEvent) -> Result<Household>;

    async fn resident(&self, id: i64) -> Result<Option<ResidentRecord>>;
    async fn residents_of_household(&self, household_id: i64) -> Result<Vec<ResidentRecord>>;
    /// Residents inside a subtree path, newest first, with an optional query and label.
    async fn residents_in(
        &self,
        path: &str,
        query: &ResidentQuery,
        label: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ResidentRecord>>;
    async fn id_index_exists(&self, id_index: &str) -> Result<bool>;
    /// Which of these ID-number blind indexes are recorded already (one look-up for many).
    async fn existing_id_indexes(
        &self,
        id_indexes: &[String],
    ) -> Result<std::collections::HashSet<String>>;
    async fn insert_resident(&self, r: NewResident, audit: AuditEvent) -> Result<ResidentRecord>;
    /// Replaces the editable fields if the version matches.
    async fn update_resident(
        &self,
        id: i64,
        expected_version: i64,
        r: NewResident,
        audit: AuditEvent,
    ) -> Result<ResidentRecord>;
    /// Bulk load (imports, demo): the units first (parents before children), then the
    /// people; a household keyed by (unit, room) is created when missing. All or
    /// nothing, one summary audit event. Returns (households created, residents).
    async fn import_people(
        &self,
        units: Vec<crate::org::NewUnit>,
        rows: Vec<PersonImport>,
        audit: AuditEvent,
    ) -> Result<(u64, u64)>;

    async fn labels(&self) -> Result<Vec<Label>>;
    async fn insert_label(&self, l: Label, audit: AuditEvent) -> Result<()>;
}
