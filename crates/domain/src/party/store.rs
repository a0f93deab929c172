use async_trait::async_trait;
use jiceng_core::{AuditEvent, Result};

use super::model::*;

/// Persistence of this capability; every change takes its audit event.
#[async_trait]
pub trait PartyStore: Send + Sync {
    async fn org(&self, id: i64) -> Result<Option<PartyOrg>>;
    async fn org_by_code(&self, code: &str) -> Result<Option<PartyOrg>>;
    async fn orgs_by_ids(&self, ids: &[i64]) -> Result<Vec<PartyOrg>>;
    async fn roots(&self) -> Result<Vec<PartyOrg>>;
    async fn children(&self, parent_id: i64, include_dissolved: bool) -> Result<Vec<PartyOrg>>;
    /// Active organisations whose reach unit lies inside a unit subtree.
    async fn orgs_in(&self, unit_path: &str, limit: i64) -> Result<Vec<PartyOrg>>;
    /// Organisations tied to one unit.
    async fn orgs_of_unit(&self, unit_id: i64) -> Result<Vec<PartyOrg>>;
    /// Temporary organisations in a unit subtree (ended included).
    async fn temporary_in(&self, unit_path: &str) -> Result<Vec<PartyOrg>>;
    async fn codes_with_prefix(&self, prefix: &str) -> Result<Vec<String>>;
    /// Active members in each of these organisations' subtrees: (org id, count).
    async fn member_counts(&self, org_ids: &[i64]) -> Result<Vec<(i64, i64)>>;
    /// (active organisations, active members) in total.
    async fn totals(&self) -> Result<(i64, i64)>;
    async fn insert_org(&self, org: NewOrg, audit: AuditEvent) -> Result<PartyOrg>;
    /// Bulk insert (demo): parents before children, codes resolve parents by
    /// `parent_code`. One audit event.
    async fn insert_orgs(
        &self,
        orgs: Vec<(NewOrg, Option<String>)>,
        audit: AuditEvent,
    ) -> Result<Vec<PartyOrg>>;
    async fn rename_org(
        &self,
        id: i64,
        version: i64,
        name: &str,
        audit: AuditEvent,
    ) -> Result<PartyOrg>;
    /// Moves an organisation (and its subtree) under a new parent.
    async fn move_org(
        &self,
        id: i64,
        version: i64,
        new_parent: &PartyOrg,
        audit: AuditEvent,
    ) -> Result<PartyOrg>;
    /// Dissolves organisations (temporary ones end with their temporary subtree):
    /// all the ids given, on one date, with one event each.
    async fn dissolve(&self, ids: &[i64], on: &str, change: &str, audit: AuditEvent) -> Result<()>;
    async fn events(&self, org_id: i64) -> Result<Vec<OrgEvent>>;

    async fn positions_of_org(&self, org_id: i64, include_past: bool) -> Result<Vec<Position>>;
    async fn positions_of_unit(&self, unit_id: i64, include_past: bool) -> Result<Vec<Position>>;
    async fn position(&self, id: i64) -> Result<Option<Position>>;
    /// Appoints; an earlier holder of a single post (书记, 主任) ends the same day.
    async fn appoint(&self, p: NewPosition, audit: AuditEvent) -> Result<Position>;
    async fn insert_positions(&self, ps: Vec<NewPosition>, audit: AuditEvent) -> Result<u64>;
    async fn end_position(&self, id: i64, on: &str, audit: AuditEvent) -> Result<()>;

    async fn member(&self, id: i64) -> Result<Option<MemberRecord>>;
    async fn members_of(&self, org_id: i64, limit: i64) -> Result<Vec<MemberRecord>>;
    async fn member_id_index_exists(&self, index: &str) -> Result<bool>;
    async fn insert_member(&self, m: NewMember, audit: AuditEvent) -> Result<MemberRecord>;
    /// Bulk insert (demo); returns the ids in order.
    async fn insert_members(&self, ms: Vec<NewMember>, audit: AuditEvent) -> Result<Vec<i64>>;
    /// Moves a member (to another org, or out when `to` is None) and records it.
    #[allow(clippy::too_many_arguments)]
    async fn transfer(
        &self,
        member_id: i64,
        version: i64,
        to: Option<i64>,
        to_name: &str,
        on: &str,
        reason: &str,
        audit: AuditEvent,
    ) -> Result<MemberRecord>;
    async fn transfers(&self, member_id: i64) -> Result<Vec<Transfer>>;

    async fn registrations_of_member(&self, member_id: i64) -> Result<Vec<Registration>>;
    async fn registrations_in(&self, community_id: i64) -> Result<Vec<Registration>>;
    async fn register(
        &self,
        member_id: i64,
        work_org_id: Option<i64>,
        work_unit: &str,
        community_id: i64,
        on: &str,
        audit: AuditEvent,
    ) -> Result<Registration>;
    async fn end_registration(&self, id: i64, on: &str, audit: AuditEvent) -> Result<()>;
    async fn registration(&self, id: i64) -> Result<Option<Registration>>;

    async fn categories(&self) -> Result<Vec<Category>>;
    async fn resource_categories(&self) -> Result<Vec<Category>>;
    async fn commitments_of_member(&self, member_id: i64) -> Result<Vec<Commitment>>;
    /// Active commitments to communities inside a unit subtree.
    async fn commitments_in(&self, unit_path: &str, limit: i64) -> Result<Vec<Commitment>>;
    async fn commitment(&self, id: i64) -> Result<Option<Commitment>>;
    async fn insert_commitment(&self, c: NewCommitment, audit: AuditEvent) -> Result<Commitment>;
    async fn set_commitment_active(&self, id: i64, active: bool, audit: AuditEvent) -> Result<()>;

    async fn alliance(&self, id: i64) -> Result<Option<Alliance>>;
    async fn alliances(&self) -> Result<Vec<Alliance>>;
    async fn insert_alliance(&self, a: NewAlliance, audit: AuditEvent) -> Result<Alliance>;
    async fn alliances_of_org(&self, org_id: i64) -> Result<Vec<Alliance>>;
    async fn alliance_members(&self, id: i64) -> Result<Vec<AllianceMember>>;
    async fn agreements(&self, id: i64) -> Result<Vec<Agreement>>;
    async fn activities(&self, id: i64) -> Result<Vec<Activity>>;
    async fn resources(&self, id: i64) -> Result<Vec<Resource>>;
    /// Adds rows to an alliance; returns the new ids in order.
    async fn add_items(
        &self,
        alliance_id: i64,
        items: Vec<AllianceItem>,
        audit: AuditEvent,
    ) -> Result<Vec<i64>>;
}
