use async_trait::async_trait;
use chrono::NaiveDate;
use jiceng_core::{AuditEvent, Result};

use super::model::*;

/// Persistence of this capability; every change takes its audit event, written in the
/// same transaction.
#[async_trait]
pub trait WorkforceStore: Send + Sync {
    /// Cadres of units in the subtree; with a date, only those in post on it.
    async fn cadres_in(&self, path: &str, on: Option<NaiveDate>) -> Result<Vec<Cadre>>;
    async fn cadre(&self, id: i64) -> Result<Option<Cadre>>;
    async fn insert_cadre(&self, c: NewCadre, audit: AuditEvent) -> Result<Cadre>;
    /// Ends an appointment if the version still matches; `Conflict` otherwise.
    async fn end_cadre(
        &self,
        id: i64,
        version: i64,
        end: NaiveDate,
        audit: AuditEvent,
    ) -> Result<Cadre>;

    async fn added_staff_in(&self, path: &str) -> Result<Vec<AddedStaff>>;
    async fn insert_added_staff(&self, s: NewAddedStaff, audit: AuditEvent) -> Result<AddedStaff>;

    async fn promotions_in(&self, path: &str) -> Result<Vec<Promotion>>;
    /// Creates the cadre record and the promotion that links to it, in one transaction.
    async fn insert_promotion(
        &self,
        p: NewPromotion,
        cadre: NewCadre,
        audits: Vec<AuditEvent>,
    ) -> Result<Promotion>;

    async fn pay_tables(&self) -> Result<Vec<PayTable>>;
    async fn insert_pay_table(&self, t: PayTable, audit: AuditEvent) -> Result<PayTable>;

    /// Workers of communities in the subtree; `active_only` leaves out those who left.
    async fn workers_in(&self, path: &str, active_only: bool) -> Result<Vec<Worker>>;
    async fn worker(&self, id: i64) -> Result<Option<Worker>>;
    /// Inserts a worker with the first entry of the grade history.
    async fn insert_worker(&self, w: NewWorker, audit: AuditEvent) -> Result<Worker>;
    /// Changes post/grade (a new history entry) and qualification/committee membership.
    #[allow(clippy::too_many_arguments)]
    async fn update_worker(
        &self,
        id: i64,
        version: i64,
        post: Post,
        grade: i64,
        qualification: Qualification,
        two_committees: bool,
        step: Option<GradeStep>,
        audit: AuditEvent,
    ) -> Result<Worker>;
    async fn exit_worker(
        &self,
        id: i64,
        version: i64,
        status: WorkerStatus,
        end: NaiveDate,
        subsidy: i64,
        audit: AuditEvent,
    ) -> Result<Worker>;
    /// Bulk load of workers with their grade history and assessments (demo, imports):
    /// all or nothing. The first history entry is the entry grade; the last, the grade.
    async fn import_workers(
        &self,
        workers: Vec<(NewWorker, Vec<GradeStep>, Vec<(i32, Assessment)>)>,
        audit: AuditEvent,
    ) -> Result<u64>;
    async fn grade_history(&self, worker_id: i64) -> Result<Vec<GradeStep>>;
    /// The grade history of every worker in the subtree.
    async fn grade_history_in(&self, path: &str) -> Result<Vec<GradeStep>>;
    async fn assessments(&self, worker_id: i64) -> Result<Vec<(i32, Assessment)>>;
    async fn set_assessment(
        &self,
        worker_id: i64,
        year: i32,
        result: Assessment,
        audit: AuditEvent,
    ) -> Result<()>;

    /// Runs whose unit lies in the subtree, newest month first.
    async fn pay_runs_in(&self, path: &str) -> Result<Vec<PayRun>>;
    async fn pay_runs_for_month(&self, month: &str) -> Result<Vec<PayRun>>;
    async fn pay_run(&self, id: i64) -> Result<Option<PayRun>>;
    async fn pay_lines(&self, run_id: i64) -> Result<Vec<PayLine>>;
    async fn insert_pay_run(
        &self,
        run: NewPayRun,
        lines: Vec<PayLine>,
        audit: AuditEvent,
    ) -> Result<PayRun>;
    /// Confirms a draft; a run already confirmed answers `Conflict`.
    async fn confirm_pay_run(
        &self,
        id: i64,
        at_ms: i64,
        by: &str,
        audit: AuditEvent,
    ) -> Result<PayRun>;
    /// Deletes a draft with its lines; a confirmed run answers `Conflict`.
    async fn delete_draft_run(&self, id: i64, audit: AuditEvent) -> Result<()>;
    /// Lines of confirmed runs of a month for workers in the subtree.
    async fn confirmed_lines(&self, path: &str, month: &str) -> Result<Vec<PayLine>>;

    async fn talents_in(&self, path: &str) -> Result<Vec<Talent>>;
    async fn talent(&self, id: i64) -> Result<Option<Talent>>;
    async fn insert_talent(&self, t: NewTalent, audit: AuditEvent) -> Result<Talent>;
    /// Writes the talent's new stage and dates if the version still matches.
    async fn update_talent_stage(&self, t: &Talent, audit: AuditEvent) -> Result<Talent>;
    async fn trainings(&self, talent_id: i64) -> Result<Vec<Training>>;
    /// Training counts and hours per talent in the subtree.
    async fn training_totals_in(&self, path: &str) -> Result<Vec<(i64, i64, i64)>>;
    async fn insert_training(
        &self,
        talent_id: i64,
        course: &str,
        hours: i64,
        day: NaiveDate,
        result: TrainingResult,
        audit: AuditEvent,
    ) -> Result<Training>;
}
