use async_trait::async_trait;
use chrono::NaiveDate;
use jiceng_core::{AuditEvent, Page, PageRequest, Result};

use super::calendar::{Calendar, DayKind};
use super::model::*;

/// A case to create. The store gives it its number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub channel: Channel,
    pub category_code: String,
    pub description: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub grid_id: i64,
    pub estate_id: Option<i64>,
    pub building_id: Option<i64>,
    pub path: String,
    pub status: Status,
    pub level: Level,
    pub coord_unit_id: i64,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone_enc: Option<String>,
    pub reporter_phone_mask: Option<String>,
    pub anonymous: bool,
    pub attributes: serde_json::Value,
    pub media_url: Option<String>,
    pub created_ms: i64,
    pub accepted_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub idem_key: Option<String>,
    pub track_token: String,
    /// Beijing date of intake, `YYMMDD`, for the number.
    pub day: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    pub channel: String,
    pub recipient: String,
    pub text: String,
}

/// One transition written atomically: the case fields, its event, photos, parties,
/// whistles, notices (an outbox) and the audit event.
#[derive(Debug, Clone)]
pub struct CaseChange {
    pub expected_version: i64,
    pub event: NewEvent,
    pub actor_login: String,
    pub actor_role: String,
    pub photos: Vec<NewPhoto>,
    pub parties: Vec<Party>,
    /// (department, report due)
    pub whistles: Vec<(i64, i64)>,
    /// A whistle answered: (department).
    pub reported: Option<i64>,
    pub notices: Vec<NewNotice>,
    pub audit: AuditEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
    pub kind: DeptKind,
    pub unit_id: i64,
    pub phone: String,
}

/// How rate counts are grouped.
#[derive(Debug, Clone, PartialEq)]
pub enum RateGroup {
    /// One row for everything matched.
    Total,
    /// By the unit of this level the case lies in (key: its path).
    Level(crate::org::UnitKind),
    /// By the department handling it (key: department id).
    Department,
    /// By month of intake (key: `YYYY-MM`, Beijing time).
    Month,
}

/// A historic case for bulk loading (the demo's year of appeals).
#[derive(Debug, Clone)]
pub struct HistoricCase {
    pub case: NewCase,
    pub fields: Case,
    pub events: Vec<(i64, NewEvent, String, String)>,
    pub parties: Vec<Party>,
}

#[async_trait]
pub trait AppealStore: Send + Sync {
    async fn categories(&self) -> Result<Vec<Category>>;
    /// One active category by code; read on every intake, so a store with a cache
    /// answers it without copying the whole list.
    async fn active_category(&self, code: &str) -> Result<Option<Category>> {
        Ok(self
            .categories()
            .await?
            .into_iter()
            .find(|c| c.code == code && c.active))
    }
    async fn save_category(&self, c: Category, audit: AuditEvent) -> Result<()>;
    async fn calendar(&self) -> Result<Vec<(NaiveDate, DayKind, String)>>;
    /// The working-day calendar built from [`AppealStore::calendar`]; read on every
    /// accepted intake, so a store with a cache keeps it built.
    async fn working_calendar(&self) -> Result<std::sync::Arc<Calendar>> {
        Ok(std::sync::Arc::new(Calendar::new(
            self.calendar().await?.into_iter().map(|(d, k, _)| (d, k)),
        )))
    }
    async fn set_calendar_day(
        &self,
        day: NaiveDate,
        kind: Option<DayKind>,
        note: &str,
        audit: AuditEvent,
    ) -> Result<()>;

    async fn departments(&self) -> Result<Vec<Department>>;
    async fn department(&self, id: i64) -> Result<Option<Department>>;
    async fn insert_department(
        &self,
        d: NewDepartment,
        estates: Vec<i64>,
        audit: AuditEvent,
    ) -> Result<Department>;
    async fn property_of_estate(&self, estate_id: i64) -> Result<Option<Department>>;
    async fn estates_of(&self, dept_id: i64) -> Result<Vec<i64>>;

    /// Creates a case, or returns the one already made with the same idempotency key.
    async fn insert_case(
        &self,
        c: NewCase,
        photos: Vec<NewPhoto>,
        event: NewEvent,
        actor: (String, String),
        notices: Vec<NewNotice>,
        audit: AuditEvent,
    ) -> Result<(Case, bool)>;
    async fn case(&self, id: i64) -> Result<Option<Case>>;
    async fn case_by_number(&self, number: &str) -> Result<Option<Case>>;
    async fn case_by_token(&self, token: &str) -> Result<Option<Case>>;
    /// Writes a transition if the version still matches; `Conflict` otherwise.
    async fn update_case(&self, c: &Case, change: CaseChange) -> Result<Case>;
    async fn events(&self, case_id: i64) -> Result<Vec<CaseEvent>>;
    async fn attachments(&self, case_id: i64) -> Result<Vec<Attachment>>;
    async fn attachment(&self, id: i64) -> Result<Option<(Attachment, Vec<u8>)>>;
    async fn parties(&self, case_id: i64) -> Result<Vec<Party>>;
    async fn whistles(&self, case_id: i64) -> Result<Vec<Whistle>>;
    async fn search(&self, q: &CaseQuery, page: PageRequest) -> Result<Page<Case>>;
    async fn rate_counts(
        &self,
        q: &CaseQuery,
        group: RateGroup,
        now_ms: i64,
    ) -> Result<Vec<RateCounts>>;
    /// Open cases past their deadline and not yet marked, and cases due a reminder.
    async fn sweep_candidates(&self, now_ms: i64, limit: i64) -> Result<(Vec<Case>, Vec<Case>)>;
    /// Marks a reminder sent, once: false when another instance already did.
    async fn mark_reminded(&self, id: i64, notices: Vec<NewNotice>) -> Result<bool>;

    /// Claims up to `limit` of the oldest unsent notices with an id above `after_id`
    /// (marking them sent) for delivery, oldest first. A round of claims passes 0 first,
    /// then the last id of the claim before: it does not look again at what it just
    /// marked (see `notify::deliver_in_batches`).
    async fn claim_notices(&self, now_ms: i64, after_id: i64, limit: i64) -> Result<Vec<Notice>>;
    async fn notices_for(&self, recipients: &[String], limit: i64) -> Result<Vec<Notice>>;

    async fn rotations(&self, path: &str) -> Result<Vec<Rotation>>;
    async fn insert_rotation(
        &self,
        subdistrict_id: i64,
        period: &str,
        secretary: &str,
        audit: AuditEvent,
    ) -> Result<Rotation>;
    async fn set_rotation_case(
        &self,
        rotation_id: i64,
        case_id: i64,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<()>;
    async fn rotation(&self, id: i64) -> Result<Option<Rotation>>;

    async fn open311_key_valid(&self, key_hash: &str) -> Result<bool>;
    async fn insert_open311_key(&self, key_hash: &str, name: &str, audit: AuditEvent)
    -> Result<()>;

    /// Bulk load of historic cases (demo). All or nothing.
    async fn import_cases(&self, cases: Vec<HistoricCase>, audit: AuditEvent) -> Result<u64>;
}
