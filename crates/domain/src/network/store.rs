use async_trait::async_trait;
use jiceng_core::{AuditEvent, Result};

use super::model::*;

/// Persistence of this capability; every change takes its audit event.
#[async_trait]
pub trait NetworkStore: Send + Sync {
    async fn place_kinds(&self) -> Result<Vec<PlaceKind>>;
    async fn services(&self) -> Result<Vec<Service>>;

    /// Active places inside a subtree (all of them for `/`), optionally of one kind.
    async fn places(&self, path: &str, kind: Option<&str>) -> Result<Vec<Place>>;
    /// Active places offering a service, with a location.
    async fn places_offering(&self, service_code: &str) -> Result<Vec<Place>>;
    async fn place(&self, id: i64) -> Result<Option<Place>>;
    async fn insert_place(&self, p: NewPlace, audit: AuditEvent) -> Result<Place>;
    /// Replaces a place's fields if the version still matches; `Conflict` otherwise.
    async fn update_place(
        &self,
        id: i64,
        expected_version: i64,
        p: NewPlace,
        audit: AuditEvent,
    ) -> Result<Place>;
    async fn activities(&self, place_id: i64, limit: i64) -> Result<Vec<Activity>>;
    async fn insert_activity(&self, a: NewActivity, audit: AuditEvent) -> Result<Activity>;
    /// Active places by kind and model flag: (kind code, model, count).
    async fn place_counts(&self) -> Result<Vec<(String, bool, i64)>>;

    async fn bodies(&self, path: &str, level: Option<BodyLevel>) -> Result<Vec<Body>>;
    async fn body(&self, id: i64) -> Result<Option<Body>>;
    async fn insert_body(
        &self,
        b: NewBody,
        members: Vec<NewMember>,
        audit: AuditEvent,
    ) -> Result<Body>;
    async fn members(&self, body_id: i64) -> Result<Vec<Member>>;
    async fn insert_member(&self, body_id: i64, m: NewMember, audit: AuditEvent) -> Result<Member>;
    /// Meetings of a body, newest first, with their attendance.
    async fn meetings(&self, body_id: i64) -> Result<Vec<Meeting>>;
    /// A meeting with its attendance and the resolutions it adopted, at once.
    async fn insert_meeting(
        &self,
        m: NewMeeting,
        resolutions: Vec<NewResolution>,
        audit: AuditEvent,
    ) -> Result<Meeting>;
    /// Resolutions matching the filter; `today` decides which are overdue.
    async fn resolutions(&self, f: &ResolutionFilter, today: &str) -> Result<Vec<Resolution>>;
    async fn resolution(&self, id: i64, today: &str) -> Result<Option<Resolution>>;
    async fn insert_resolution(&self, r: NewResolution, audit: AuditEvent) -> Result<i64>;
    /// Sets the status if the version still matches; `Conflict` otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn update_resolution(
        &self,
        id: i64,
        expected_version: i64,
        status: ResolutionStatus,
        note: &str,
        done_day: Option<&str>,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<()>;

    async fn reform_items(&self, unit_id: i64) -> Result<Vec<ReformItem>>;
    async fn reform_item(&self, id: i64) -> Result<Option<ReformItem>>;
    async fn insert_reform_item(&self, i: NewReformItem, audit: AuditEvent) -> Result<ReformItem>;
    async fn delete_reform_item(&self, id: i64, audit: AuditEvent) -> Result<()>;
    async fn law_teams(&self, unit_id: i64) -> Result<Vec<LawTeam>>;
    async fn law_team(&self, id: i64) -> Result<Option<LawTeam>>;
    async fn insert_law_team(&self, t: NewLawTeam, audit: AuditEvent) -> Result<LawTeam>;
    async fn delete_law_team(&self, id: i64, audit: AuditEvent) -> Result<()>;
    async fn delegated(&self, unit_id: i64) -> Result<Option<Delegated>>;
    async fn set_delegated(
        &self,
        unit_id: i64,
        items: Option<i64>,
        note: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<()>;
    /// Items per sub-district, list and category (for the figures).
    async fn reform_counts(&self) -> Result<Vec<ReformCount>>;

    /// Bulk loads (demo): all or nothing, one summary audit event each.
    async fn import_places(
        &self,
        places: Vec<(NewPlace, Vec<NewActivity>)>,
        audit: AuditEvent,
    ) -> Result<u64>;
    async fn import_bodies(&self, bodies: Vec<BodyBundle>, audit: AuditEvent) -> Result<u64>;
    async fn import_reform(
        &self,
        items: Vec<NewReformItem>,
        teams: Vec<NewLawTeam>,
        delegated: Vec<(i64, Option<i64>, String)>,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<u64>;
}
