use async_trait::async_trait;
use jiceng_core::{AuditEvent, Result};

use super::model::*;
use crate::appeals::NewPhoto;

/// Persistence of the three lists; every change takes its audit event.
#[async_trait]
pub trait ListsStore: Send + Sync {
    async fn categories(&self) -> Result<Vec<Category>>;

    /// Inserts a need with its first requester.
    async fn insert_need(&self, n: NewNeed, requester: &str, audit: AuditEvent) -> Result<Need>;
    async fn need(&self, id: i64) -> Result<Option<Need>>;
    async fn needs(&self, q: &NeedQuery) -> Result<Vec<Need>>;
    /// The need turned from an appeal case, if any (merged ones included).
    async fn need_by_case(&self, number: &str) -> Result<Option<Need>>;
    async fn requesters(&self, need_id: i64) -> Result<Vec<Requester>>;
    /// Merges `others` into `target`: their requesters move, the target's quantity
    /// and urgency become the given ones, the others end `merged`, their proposals
    /// superseded. `Conflict` if any changed meanwhile (versions).
    async fn merge_needs(
        &self,
        target: (i64, i64),
        others: &[(i64, i64)],
        quantity: i64,
        urgency: i64,
        audit: AuditEvent,
    ) -> Result<Need>;
    async fn close_need(&self, id: i64, version: i64, audit: AuditEvent) -> Result<Need>;

    async fn insert_resource(&self, r: NewResource, audit: AuditEvent) -> Result<Resource>;
    /// Upserts resources mirrored from the party capability by (source, source_id);
    /// mirrored ones of those sources not in the list end inactive. Returns
    /// (inserted, updated, deactivated).
    async fn sync_resources(
        &self,
        rs: Vec<NewResource>,
        audit: AuditEvent,
    ) -> Result<(u64, u64, u64)>;
    async fn resource(&self, id: i64) -> Result<Option<Resource>>;
    async fn resources(&self, active_only: bool, limit: i64) -> Result<Vec<Resource>>;
    async fn set_resource_active(
        &self,
        id: i64,
        version: i64,
        active: bool,
        audit: AuditEvent,
    ) -> Result<()>;

    async fn matches(&self, q: &MatchQuery) -> Result<Vec<Match>>;
    /// Needs (all, open) and proposed matches of needs inside the subtree `path`.
    async fn counts(&self, path: &str) -> Result<ListCounts>;
    async fn match_by_id(&self, id: i64) -> Result<Option<Match>>;
    /// (need, resource) pairs staff rejected.
    async fn rejected_pairs(&self) -> Result<Vec<(i64, i64)>>;
    /// Records a run: proposals of open needs inside `scope_path` are superseded and
    /// the new ones inserted.
    async fn save_run(
        &self,
        run: NewRun,
        proposals: Vec<NewMatch>,
        audit: AuditEvent,
    ) -> Result<Run>;
    async fn runs(&self, limit: i64) -> Result<Vec<Run>>;
    /// Accepts a proposed match into a project (new or existing): the need's `met`, the
    /// resource's `used` grow by its quantity. `Conflict` unless it is still proposed
    /// and both still have room.
    async fn accept(
        &self,
        match_id: i64,
        by: &str,
        at_ms: i64,
        project: ProjectChoice,
        audit: AuditEvent,
    ) -> Result<Match>;
    /// Rejects a proposed match (the pair is left out of later runs).
    async fn reject(
        &self,
        match_id: i64,
        by: &str,
        note: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<Match>;
    /// A manual assignment: the need's proposals are superseded and an accepted match
    /// inserted into the project.
    async fn assign(
        &self,
        m: NewMatch,
        by: &str,
        at_ms: i64,
        project: ProjectChoice,
        audit: AuditEvent,
    ) -> Result<Match>;

    async fn projects(&self, path: &str, limit: i64) -> Result<Vec<Project>>;
    async fn project(&self, id: i64) -> Result<Option<Project>>;
    /// Updates the figures; completing a project frees the capacity its matches took.
    async fn update_project(
        &self,
        id: i64,
        version: i64,
        patch: ProjectPatch,
        audit: AuditEvent,
    ) -> Result<Project>;
    async fn milestones(&self, project_id: i64) -> Result<Vec<Milestone>>;
    async fn milestone(&self, id: i64) -> Result<Option<Milestone>>;
    async fn add_milestone(
        &self,
        project_id: i64,
        title: &str,
        due_on: &str,
        audit: AuditEvent,
    ) -> Result<Milestone>;
    async fn set_milestone_done(
        &self,
        id: i64,
        done_on: Option<&str>,
        audit: AuditEvent,
    ) -> Result<()>;
    /// A result with photos; the first result of a project marks its needs' result time.
    async fn add_outcome(
        &self,
        project_id: i64,
        text: &str,
        by_name: &str,
        at_ms: i64,
        photos: Vec<NewPhoto>,
        audit: AuditEvent,
    ) -> Result<Outcome>;
    async fn outcomes(&self, project_id: i64) -> Result<Vec<Outcome>>;
    async fn photo(&self, id: i64) -> Result<Option<(Photo, Vec<u8>)>>;
    /// One rating per resident per project: `Conflict` on a second.
    #[allow(clippy::too_many_arguments)]
    async fn rate(
        &self,
        project_id: i64,
        user_id: i64,
        name: &str,
        stars: i64,
        comment: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<Rating>;
    async fn ratings(&self, project_id: i64) -> Result<Vec<Rating>>;
}
