//! The workforce's SQL: cadres, added staff, promotions, pay tables and runs, workers,
//! reserve talents. Dates are `YYYY-MM-DD` text, amounts whole yuan.

use async_trait::async_trait;
use chrono::NaiveDate;
use jiceng_core::{AuditEvent, DomainError, Result};
use jiceng_domain::workforce::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{SqlStore, db_err, subtree_range, write_audit};

fn g<'r, T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>>(
    r: &'r AnyRow,
    c: &str,
) -> Result<T> {
    r.try_get(c).map_err(db_err)
}

fn bad(what: &str) -> DomainError {
    DomainError::internal(format!("bad stored value: {what}"))
}

fn date(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    let s: String = g(r, c)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| bad(c))
}

fn odate(r: &AnyRow, c: &str) -> Result<Option<NaiveDate>> {
    let s: Option<String> = g(r, c)?;
    match s {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad(c)),
    }
}

fn ds(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn conflict() -> DomainError {
    DomainError::conflict(
        "记录已被他人修改，请刷新后重试",
        "the record was changed by someone else: reload and try again",
    )
}

const CADRE_COLS: &str = "c.id, c.name, c.sex, c.post_title, c.unit_id, u.name AS unit_name, c.path, c.birth_date, c.education, c.ethnicity, c.party_member, c.start_date, c.end_date, c.source, c.note, c.version";

fn cadre_row(r: &AnyRow) -> Result<Cadre> {
    let edu: String = g(r, "education")?;
    let src: String = g(r, "source")?;
    Ok(Cadre {
        id: g(r, "id")?,
        name: g(r, "name")?,
        sex: g(r, "sex")?,
        post_title: g(r, "post_title")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        birth_date: date(r, "birth_date")?,
        education: Education::parse(&edu).ok_or_else(|| bad("education"))?,
        ethnicity: g(r, "ethnicity")?,
        party_member: g::<i64>(r, "party_member")? != 0,
        start_date: date(r, "start_date")?,
        end_date: odate(r, "end_date")?,
        source: CadreSource::parse(&src).ok_or_else(|| bad("source"))?,
        note: g(r, "note")?,
        version: g(r, "version")?,
    })
}

const STAFF_COLS: &str =
    "s.id, s.name, s.sex, s.unit_id, u.name AS unit_name, s.path, s.post, s.kind, s.added_date";

fn staff_row(r: &AnyRow) -> Result<AddedStaff> {
    let kind: String = g(r, "kind")?;
    Ok(AddedStaff {
        id: g(r, "id")?,
        name: g(r, "name")?,
        sex: g(r, "sex")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        post: g(r, "post")?,
        kind: StaffKind::parse(&kind).ok_or_else(|| bad("kind"))?,
        added_date: date(r, "added_date")?,
    })
}

const PROMO_COLS: &str = "p.id, p.secretary_name, p.community_id, cu.name AS community_name, p.unit_id, u.name AS unit_name, p.path, p.post_title, p.promoted_date, p.cadre_id";

fn promo_row(r: &AnyRow) -> Result<Promotion> {
    Ok(Promotion {
        id: g(r, "id")?,
        secretary_name: g(r, "secretary_name")?,
        community_id: g(r, "community_id")?,
        community_name: g(r, "community_name")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        post_title: g(r, "post_title")?,
        promoted_date: date(r, "promoted_date")?,
        cadre_id: g(r, "cadre_id")?,
    })
}

const TABLE_COLS: &str = "id, effective_year, name, qual_assistant, qual_social_worker, qual_senior, housing_rate_bp, committee_allowance, departure_per_year, retirement_per_year, step_years, bonus_assistant, bonus_social_worker, bonus_senior, created_ms";

const WORKER_COLS: &str = "w.id, w.name, w.sex, w.birth_date, w.education, w.community_id, u.name AS community_name, w.path, w.post, w.grade, w.entry_grade, w.qualification, w.two_committees, w.duty, w.start_date, w.status, w.end_date, w.exit_subsidy, w.version";

fn worker_row(r: &AnyRow) -> Result<Worker> {
    let edu: String = g(r, "education")?;
    let q: String = g(r, "qualification")?;
    let st: String = g(r, "status")?;
    Ok(Worker {
        id: g(r, "id")?,
        name: g(r, "name")?,
        sex: g(r, "sex")?,
        birth_date: date(r, "birth_date")?,
        education: Education::parse(&edu).ok_or_else(|| bad("education"))?,
        community_id: g(r, "community_id")?,
        community_name: g(r, "community_name")?,
        path: g(r, "path")?,
        post: Post::from_number(g(r, "post")?).ok_or_else(|| bad("post"))?,
        grade: g(r, "grade")?,
        entry_grade: g(r, "entry_grade")?,
        qualification: Qualification::parse(&q).ok_or_else(|| bad("qualification"))?,
        two_committees: g::<i64>(r, "two_committees")? != 0,
        duty: g(r, "duty")?,
        start_date: date(r, "start_date")?,
        status: WorkerStatus::parse(&st).ok_or_else(|| bad("status"))?,
        end_date: odate(r, "end_date")?,
        exit_subsidy: g(r, "exit_subsidy")?,
        version: g(r, "version")?,
    })
}

fn step_row(r: &AnyRow) -> Result<GradeStep> {
    Ok(GradeStep {
        worker_id: g(r, "worker_id")?,
        post: Post::from_number(g(r, "post")?).ok_or_else(|| bad("post"))?,
        grade: g(r, "grade")?,
        from_date: date(r, "from_date")?,
        reason: g(r, "reason")?,
    })
}

const RUN_COLS: &str = "r.id, r.month, r.unit_id, u.name AS unit_name, r.path, r.table_id, t.effective_year, r.status, r.workers, r.total, r.created_ms, r.created_by, r.confirmed_ms, r.confirmed_by";

fn run_row(r: &AnyRow) -> Result<PayRun> {
    let st: String = g(r, "status")?;
    Ok(PayRun {
        id: g(r, "id")?,
        month: g(r, "month")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        table_id: g(r, "table_id")?,
        table_year: g::<i64>(r, "effective_year")? as i32,
        status: RunStatus::parse(&st).ok_or_else(|| bad("status"))?,
        workers: g(r, "workers")?,
        total: g(r, "total")?,
        created_ms: g(r, "created_ms")?,
        created_by: g(r, "created_by")?,
        confirmed_ms: g(r, "confirmed_ms")?,
        confirmed_by: g(r, "confirmed_by")?,
    })
}

const LINE_COLS: &str = "l.worker_id, l.name, l.community_id, u.name AS community_name, l.path, l.post, l.grade, l.two_committees, l.base, l.qualification, l.housing_fund, l.other, l.total";

fn line_row(r: &AnyRow) -> Result<PayLine> {
    Ok(PayLine {
        worker_id: g(r, "worker_id")?,
        name: g(r, "name")?,
        community_id: g(r, "community_id")?,
        community_name: g(r, "community_name")?,
        path: g(r, "path")?,
        post: Post::from_number(g(r, "post")?).ok_or_else(|| bad("post"))?,
        grade: g(r, "grade")?,
        two_committees: g::<i64>(r, "two_committees")? != 0,
        base: g(r, "base")?,
        qualification: g(r, "qualification")?,
        housing_fund: g(r, "housing_fund")?,
        other: g(r, "other")?,
        total: g(r, "total")?,
    })
}

const TALENT_COLS: &str = "t.id, t.name, t.sex, t.birth_date, t.education, t.community_id, u.name AS community_name, t.path, t.present_role, t.stage, t.identified_date, t.training_date, t.ready_date, t.appointed_date, t.appointed_post, t.dropped_date, t.drop_reason, t.version";

fn talent_row(r: &AnyRow) -> Result<Talent> {
    let edu: String = g(r, "education")?;
    let st: String = g(r, "stage")?;
    Ok(Talent {
        id: g(r, "id")?,
        name: g(r, "name")?,
        sex: g(r, "sex")?,
        birth_date: date(r, "birth_date")?,
        education: Education::parse(&edu).ok_or_else(|| bad("education"))?,
        community_id: g(r, "community_id")?,
        community_name: g(r, "community_name")?,
        path: g(r, "path")?,
        present_role: g(r, "present_role")?,
        stage: Stage::parse(&st).ok_or_else(|| bad("stage"))?,
        identified_date: date(r, "identified_date")?,
        training_date: odate(r, "training_date")?,
        ready_date: odate(r, "ready_date")?,
        appointed_date: odate(r, "appointed_date")?,
        appointed_post: g(r, "appointed_post")?,
        dropped_date: odate(r, "dropped_date")?,
        drop_reason: g(r, "drop_reason")?,
        version: g(r, "version")?,
    })
}

fn training_row(r: &AnyRow) -> Result<Training> {
    let res: String = g(r, "result")?;
    Ok(Training {
        id: g(r, "id")?,
        talent_id: g(r, "talent_id")?,
        course: g(r, "course")?,
        hours: g(r, "hours")?,
        day: date(r, "day")?,
        result: TrainingResult::parse(&res).ok_or_else(|| bad("result"))?,
    })
}

/// Sets an audit event's entity id once the row has one.
fn with_id(mut a: AuditEvent, id: i64) -> AuditEvent {
    if a.entity_id == "new" {
        a.entity_id = id.to_string();
    }
    a
}

async fn insert_cadre_tx(conn: &mut sqlx::AnyConnection, c: &NewCadre) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO wf_cadres (name, sex, post_title, unit_id, path, birth_date, education, ethnicity, party_member, start_date, source, note, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(&c.name)
    .bind(&c.sex)
    .bind(&c.post_title)
    .bind(c.unit_id)
    .bind(&c.path)
    .bind(ds(c.birth_date))
    .bind(c.education.as_str())
    .bind(&c.ethnicity)
    .bind(c.party_member as i64)
    .bind(ds(c.start_date))
    .bind(c.source.as_str())
    .bind(&c.note)
    .bind(c.created_ms)
    .fetch_one(conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

#[async_trait]
impl WorkforceStore for SqlStore {
    async fn cadres_in(&self, path: &str, on: Option<NaiveDate>) -> Result<Vec<Cadre>> {
        let (lo, hi) = subtree_range(path);
        let rows = match on {
            Some(d) => sqlx::query(safe!(
                "SELECT {CADRE_COLS} FROM wf_cadres c JOIN org_units u ON u.id = c.unit_id \
                 WHERE c.path >= $1 AND c.path < $2 AND c.start_date <= $3 AND (c.end_date IS NULL OR c.end_date > $3) \
                 ORDER BY c.path, c.start_date, c.id"
            ))
            .bind(lo)
            .bind(hi)
            .bind(ds(d))
            .fetch_all(&self.r)
            .await,
            None => sqlx::query(safe!(
                "SELECT {CADRE_COLS} FROM wf_cadres c JOIN org_units u ON u.id = c.unit_id \
                 WHERE c.path >= $1 AND c.path < $2 ORDER BY c.path, c.start_date, c.id"
            ))
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.r)
            .await,
        }
        .map_err(db_err)?;
        rows.iter().map(cadre_row).collect()
    }

    async fn cadre(&self, id: i64) -> Result<Option<Cadre>> {
        let r = sqlx::query(safe!(
            "SELECT {CADRE_COLS} FROM wf_cadres c JOIN org_units u ON u.id = c.unit_id WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        r.as_ref().map(cadre_row).transpose()
    }

    async fn insert_cadre(&self, c: NewCadre, audit: AuditEvent) -> Result<Cadre> {
        let mut tx = self.write_tx().await?;
        let id = insert_cadre_tx(&mut tx, &c).await?;
        write_audit(&mut tx, &with_id(audit, id)).await?;
        tx.commit().await.map_err(db_err)?;
        self.cadre(id).await?.ok_or(DomainError::NotFound("cadre"))
    }

    async fn end_cadre(
        &self,
        id: i64,
        version: i64,
        end: NaiveDate,
        audit: AuditEvent,
    ) -> Result<Cadre> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE wf_cadres SET end_date = $1, version = version + 1 WHERE id = $2 AND version = $3 AND end_date IS NULL",
        )
        .bind(ds(end))
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(conflict());
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.cadre(id).await?.ok_or(DomainError::NotFound("cadre"))
    }

    async fn added_staff_in(&self, path: &str) -> Result<Vec<AddedStaff>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "SELECT {STAFF_COLS} FROM wf_added_staff s JOIN org_units u ON u.id = s.unit_id \
             WHERE s.path >= $1 AND s.path < $2 ORDER BY s.added_date DESC, s.id DESC"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(staff_row).collect()
    }

    async fn insert_added_staff(&self, s: NewAddedStaff, audit: AuditEvent) -> Result<AddedStaff> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_added_staff (name, sex, unit_id, path, post, kind, added_date, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&s.name)
        .bind(&s.sex)
        .bind(s.unit_id)
        .bind(&s.path)
        .bind(&s.post)
        .bind(s.kind.as_str())
        .bind(ds(s.added_date))
        .bind(s.created_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &with_id(audit, id)).await?;
        tx.commit().await.map_err(db_err)?;
        let r = sqlx::query(safe!(
            "SELECT {STAFF_COLS} FROM wf_added_staff s JOIN org_units u ON u.id = s.unit_id WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        staff_row(&r)
    }

    async fn promotions_in(&self, path: &str) -> Result<Vec<Promotion>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "SELECT {PROMO_COLS} FROM wf_promotions p JOIN org_units u ON u.id = p.unit_id JOIN org_units cu ON cu.id = p.community_id \
             WHERE p.path >= $1 AND p.path < $2 ORDER BY p.promoted_date DESC, p.id DESC"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(promo_row).collect()
    }

    async fn insert_promotion(
        &self,
        p: NewPromotion,
        cadre: NewCadre,
        audits: Vec<AuditEvent>,
    ) -> Result<Promotion> {
        let mut tx = self.write_tx().await?;
        let cadre_id = insert_cadre_tx(&mut tx, &cadre).await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_promotions (secretary_name, community_id, unit_id, path, post_title, promoted_date, cadre_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&p.secretary_name)
        .bind(p.community_id)
        .bind(p.unit_id)
        .bind(&p.path)
        .bind(&p.post_title)
        .bind(ds(p.promoted_date))
        .bind(cadre_id)
        .bind(p.created_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        for a in audits {
            let a = if a.entity_type == "cadre" {
                with_id(a, cadre_id)
            } else {
                with_id(a, id)
            };
            write_audit(&mut tx, &a).await?;
        }
        tx.commit().await.map_err(db_err)?;
        let r = sqlx::query(safe!(
            "SELECT {PROMO_COLS} FROM wf_promotions p JOIN org_units u ON u.id = p.unit_id JOIN org_units cu ON cu.id = p.community_id WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        promo_row(&r)
    }

    async fn pay_tables(&self) -> Result<Vec<PayTable>> {
        let rows = sqlx::query(safe!(
            "SELECT {TABLE_COLS} FROM wf_pay_tables ORDER BY effective_year"
        ))
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        let cells: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT table_id, post, grade, amount FROM wf_pay_cells ORDER BY table_id, post, grade",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let id: i64 = g(r, "id")?;
                let mut c = vec![0; (POSTS * GRADES) as usize];
                for (_, post, grade, amount) in cells.iter().filter(|c| c.0 == id) {
                    let i = ((post - 1) * GRADES + grade - 1) as usize;
                    if let Some(slot) = c.get_mut(i) {
                        *slot = *amount;
                    }
                }
                Ok(PayTable {
                    id,
                    effective_year: g::<i64>(r, "effective_year")? as i32,
                    name: g(r, "name")?,
                    cells: c,
                    qual_assistant: g(r, "qual_assistant")?,
                    qual_social_worker: g(r, "qual_social_worker")?,
                    qual_senior: g(r, "qual_senior")?,
                    housing_rate_bp: g(r, "housing_rate_bp")?,
                    committee_allowance: g(r, "committee_allowance")?,
                    departure_per_year: g(r, "departure_per_year")?,
                    retirement_per_year: g(r, "retirement_per_year")?,
                    step_years: g(r, "step_years")?,
                    bonus_assistant: g(r, "bonus_assistant")?,
                    bonus_social_worker: g(r, "bonus_social_worker")?,
                    bonus_senior: g(r, "bonus_senior")?,
                    created_ms: g(r, "created_ms")?,
                })
            })
            .collect()
    }

    async fn insert_pay_table(&self, t: PayTable, audit: AuditEvent) -> Result<PayTable> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_pay_tables (effective_year, name, qual_assistant, qual_social_worker, qual_senior, housing_rate_bp, committee_allowance, departure_per_year, retirement_per_year, step_years, bonus_assistant, bonus_social_worker, bonus_senior, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(t.effective_year as i64)
        .bind(&t.name)
        .bind(t.qual_assistant)
        .bind(t.qual_social_worker)
        .bind(t.qual_senior)
        .bind(t.housing_rate_bp)
        .bind(t.committee_allowance)
        .bind(t.departure_per_year)
        .bind(t.retirement_per_year)
        .bind(t.step_years)
        .bind(t.bonus_assistant)
        .bind(t.bonus_social_worker)
        .bind(t.bonus_senior)
        .bind(t.created_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            DomainError::Conflict(_) => DomainError::field(
                "effective_year",
                "该年度已有薪酬标准版本",
                "a version for this year already exists",
            ),
            e => e,
        })?;
        for (i, amount) in t.cells.iter().enumerate() {
            let i = i as i64;
            sqlx::query(
                "INSERT INTO wf_pay_cells (table_id, post, grade, amount) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(i / GRADES + 1)
            .bind(i % GRADES + 1)
            .bind(*amount)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        write_audit(&mut tx, &with_id(audit, id)).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(PayTable { id, ..t })
    }

    async fn workers_in(&self, path: &str, active_only: bool) -> Result<Vec<Worker>> {
        let (lo, hi) = subtree_range(path);
        let cond = if active_only {
            " AND w.status = 'active'"
        } else {
            ""
        };
        let rows = sqlx::query(safe!(
            "SELECT {WORKER_COLS} FROM wf_workers w JOIN org_units u ON u.id = w.community_id \
             WHERE w.path >= $1 AND w.path < $2{cond} ORDER BY w.path, w.post, w.grade DESC, w.id"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(worker_row).collect()
    }

    async fn worker(&self, id: i64) -> Result<Option<Worker>> {
        let r = sqlx::query(safe!(
            "SELECT {WORKER_COLS} FROM wf_workers w JOIN org_units u ON u.id = w.community_id WHERE w.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        r.as_ref().map(worker_row).transpose()
    }

    async fn insert_worker(&self, w: NewWorker, audit: AuditEvent) -> Result<Worker> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_workers (name, sex, birth_date, education, community_id, path, post, grade, entry_grade, qualification, two_committees, duty, start_date, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(&w.name)
        .bind(&w.sex)
        .bind(ds(w.birth_date))
        .bind(w.education.as_str())
        .bind(w.community_id)
        .bind(&w.path)
        .bind(w.post.number())
        .bind(w.grade)
        .bind(w.qualification.as_str())
        .bind(w.two_committees as i64)
        .bind(&w.duty)
        .bind(ds(w.start_date))
        .bind(w.created_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("INSERT INTO wf_worker_grades (worker_id, post, grade, from_date, reason, created_ms) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(w.post.number())
            .bind(w.grade)
            .bind(ds(w.start_date))
            .bind("入职定级")
            .bind(w.created_ms)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &with_id(audit, id)).await?;
        tx.commit().await.map_err(db_err)?;
        self.worker(id)
            .await?
            .ok_or(DomainError::NotFound("worker"))
    }

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
    ) -> Result<Worker> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE wf_workers SET post = $1, grade = $2, qualification = $3, two_committees = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status = 'active'",
        )
        .bind(post.number())
        .bind(grade)
        .bind(qualification.as_str())
        .bind(two_committees as i64)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(conflict());
        }
        if let Some(s) = step {
            sqlx::query("INSERT INTO wf_worker_grades (worker_id, post, grade, from_date, reason, created_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(s.post.number())
                .bind(s.grade)
                .bind(ds(s.from_date))
                .bind(&s.reason)
                .bind(audit.at_ms)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.worker(id)
            .await?
            .ok_or(DomainError::NotFound("worker"))
    }

    async fn exit_worker(
        &self,
        id: i64,
        version: i64,
        status: WorkerStatus,
        end: NaiveDate,
        subsidy: i64,
        audit: AuditEvent,
    ) -> Result<Worker> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE wf_workers SET status = $1, end_date = $2, exit_subsidy = $3, version = version + 1 WHERE id = $4 AND version = $5 AND status = 'active'",
        )
        .bind(status.as_str())
        .bind(ds(end))
        .bind(subsidy)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(conflict());
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.worker(id)
            .await?
            .ok_or(DomainError::NotFound("worker"))
    }

    async fn import_workers(
        &self,
        workers: Vec<(NewWorker, Vec<GradeStep>, Vec<(i32, Assessment)>)>,
        audit: AuditEvent,
    ) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let mut n = 0;
        for (w, steps, assessments) in &workers {
            let entry = steps.first().map(|s| s.grade).unwrap_or(w.grade);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO wf_workers (name, sex, birth_date, education, community_id, path, post, grade, entry_grade, qualification, two_committees, duty, start_date, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(&w.name)
            .bind(&w.sex)
            .bind(ds(w.birth_date))
            .bind(w.education.as_str())
            .bind(w.community_id)
            .bind(&w.path)
            .bind(w.post.number())
            .bind(w.grade)
            .bind(entry)
            .bind(w.qualification.as_str())
            .bind(w.two_committees as i64)
            .bind(&w.duty)
            .bind(ds(w.start_date))
            .bind(w.created_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            for s in steps {
                sqlx::query("INSERT INTO wf_worker_grades (worker_id, post, grade, from_date, reason, created_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id)
                    .bind(s.post.number())
                    .bind(s.grade)
                    .bind(ds(s.from_date))
                    .bind(&s.reason)
                    .bind(w.created_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            for (year, r) in assessments {
                sqlx::query(
                    "INSERT INTO wf_assessments (worker_id, year, result) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(*year as i64)
                .bind(r.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            n += 1;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(n)
    }

    async fn grade_history(&self, worker_id: i64) -> Result<Vec<GradeStep>> {
        let rows = sqlx::query(
            "SELECT worker_id, post, grade, from_date, reason FROM wf_worker_grades WHERE worker_id = $1 ORDER BY from_date, id",
        )
        .bind(worker_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(step_row).collect()
    }

    async fn grade_history_in(&self, path: &str) -> Result<Vec<GradeStep>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(
            "SELECT h.worker_id, h.post, h.grade, h.from_date, h.reason FROM wf_worker_grades h JOIN wf_workers w ON w.id = h.worker_id \
             WHERE w.path >= $1 AND w.path < $2 ORDER BY h.worker_id, h.from_date, h.id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(step_row).collect()
    }

    async fn assessments(&self, worker_id: i64) -> Result<Vec<(i32, Assessment)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT year, result FROM wf_assessments WHERE worker_id = $1 ORDER BY year",
        )
        .bind(worker_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(y, r)| {
                Ok((
                    y as i32,
                    Assessment::parse(&r).ok_or_else(|| bad("assessment"))?,
                ))
            })
            .collect()
    }

    async fn set_assessment(
        &self,
        worker_id: i64,
        year: i32,
        result: Assessment,
        audit: AuditEvent,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM wf_assessments WHERE worker_id = $1 AND year = $2")
            .bind(worker_id)
            .bind(year as i64)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO wf_assessments (worker_id, year, result) VALUES ($1, $2, $3)")
            .bind(worker_id)
            .bind(year as i64)
            .bind(result.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn pay_runs_in(&self, path: &str) -> Result<Vec<PayRun>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "SELECT {RUN_COLS} FROM wf_pay_runs r JOIN org_units u ON u.id = r.unit_id JOIN wf_pay_tables t ON t.id = r.table_id \
             WHERE r.path >= $1 AND r.path < $2 ORDER BY r.month DESC, r.path"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(run_row).collect()
    }

    async fn pay_runs_for_month(&self, month: &str) -> Result<Vec<PayRun>> {
        let rows = sqlx::query(safe!(
            "SELECT {RUN_COLS} FROM wf_pay_runs r JOIN org_units u ON u.id = r.unit_id JOIN wf_pay_tables t ON t.id = r.table_id \
             WHERE r.month = $1 ORDER BY r.path"
        ))
        .bind(month)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(run_row).collect()
    }

    async fn pay_run(&self, id: i64) -> Result<Option<PayRun>> {
        let r = sqlx::query(safe!(
            "SELECT {RUN_COLS} FROM wf_pay_runs r JOIN org_units u ON u.id = r.unit_id JOIN wf_pay_tables t ON t.id = r.table_id WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        r.as_ref().map(run_row).transpose()
    }

    async fn pay_lines(&self, run_id: i64) -> Result<Vec<PayLine>> {
        let rows = sqlx::query(safe!(
            "SELECT {LINE_COLS} FROM wf_pay_lines l JOIN org_units u ON u.id = l.community_id WHERE l.run_id = $1 ORDER BY l.path, l.post, l.grade DESC, l.id"
        ))
        .bind(run_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(line_row).collect()
    }

    async fn insert_pay_run(
        &self,
        run: NewPayRun,
        lines: Vec<PayLine>,
        audit: AuditEvent,
    ) -> Result<PayRun> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_pay_runs (month, unit_id, path, table_id, status, workers, total, created_ms, created_by) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8) RETURNING id",
        )
        .bind(&run.month)
        .bind(run.unit_id)
        .bind(&run.path)
        .bind(run.table_id)
        .bind(run.workers)
        .bind(run.total)
        .bind(run.created_ms)
        .bind(&run.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            DomainError::Conflict(_) => DomainError::conflict(
                "该单位本月已有薪酬表",
                "this unit already has a pay run for the month",
            ),
            e => e,
        })?;
        for chunk in lines.chunks(50) {
            let mut sql = String::from(
                "INSERT INTO wf_pay_lines (run_id, worker_id, name, community_id, path, post, grade, two_committees, base, qualification, housing_fund, other, total) VALUES ",
            );
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&crate::placeholders(n + 1, 13));
                sql.push(')');
                n += 13;
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for l in chunk {
                q = q
                    .bind(id)
                    .bind(l.worker_id)
                    .bind(l.name.clone())
                    .bind(l.community_id)
                    .bind(l.path.clone())
                    .bind(l.post.number())
                    .bind(l.grade)
                    .bind(l.two_committees as i64)
                    .bind(l.base)
                    .bind(l.qualification)
                    .bind(l.housing_fund)
                    .bind(l.other)
                    .bind(l.total);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        write_audit(&mut tx, &with_id(audit, id)).await?;
        tx.commit().await.map_err(db_err)?;
        self.pay_run(id)
            .await?
            .ok_or(DomainError::NotFound("pay_run"))
    }

    async fn confirm_pay_run(
        &self,
        id: i64,
        at_ms: i64,
        by: &str,
        audit: AuditEvent,
    ) -> Result<PayRun> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE wf_pay_runs SET status = 'confirmed', confirmed_ms = $1, confirmed_by = $2 WHERE id = $3 AND status = 'draft'",
        )
        .bind(at_ms)
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(DomainError::conflict(
                "薪酬表已确认，不能再改",
                "the pay run is confirmed and cannot change",
            ));
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.pay_run(id)
            .await?
            .ok_or(DomainError::NotFound("pay_run"))
    }

    async fn delete_draft_run(&self, id: i64, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let (status,): (String,) = sqlx::query_as("SELECT status FROM wf_pay_runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound("pay_run"))?;
        if status != "draft" {
            return Err(DomainError::conflict(
                "薪酬表已确认，不能再改",
                "the pay run is confirmed and cannot change",
            ));
        }
        sqlx::query("DELETE FROM wf_pay_lines WHERE run_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("DELETE FROM wf_pay_runs WHERE id = $1 AND status = 'draft'")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn confirmed_lines(&self, path: &str, month: &str) -> Result<Vec<PayLine>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "SELECT {LINE_COLS} FROM wf_pay_lines l JOIN wf_pay_runs r ON r.id = l.run_id JOIN org_units u ON u.id = l.community_id \
             WHERE r.month = $1 AND r.status = 'confirmed' AND l.path >= $2 AND l.path < $3 ORDER BY l.path, l.id"
        ))
        .bind(month)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(line_row).collect()
    }

    async fn talents_in(&self, path: &str) -> Result<Vec<Talent>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "SELECT {TALENT_COLS} FROM wf_talents t JOIN org_units u ON u.id = t.community_id \
             WHERE t.path >= $1 AND t.path < $2 ORDER BY t.path, t.identified_date, t.id"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(talent_row).collect()
    }

    async fn talent(&self, id: i64) -> Result<Option<Talent>> {
        let r = sqlx::query(safe!(
            "SELECT {TALENT_COLS} FROM wf_talents t JOIN org_units u ON u.id = t.community_id WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        r.as_ref().map(talent_row).transpose()
    }

    async fn insert_talent(&self, t: NewTalent, audit: AuditEvent) -> Result<Talent> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_talents (name, sex, birth_date, education, community_id, path, present_role, stage, identified_date, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'identified', $8, $9) RETURNING id",
        )
        .bind(&t.name)
        .bind(&t.sex)
        .bind(ds(t.birth_date))
        .bind(t.education.as_str())
        .bind(t.community_id)
        .bind(&t.path)
        .bind(&t.present_role)
        .bind(ds(t.identified_date))
        .bind(t.created_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &with_id(audit, id)).await?;
        tx.commit().await.map_err(db_err)?;
        self.talent(id)
            .await?
            .ok_or(DomainError::NotFound("talent"))
    }

    async fn update_talent_stage(&self, t: &Talent, audit: AuditEvent) -> Result<Talent> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE wf_talents SET stage = $1, training_date = $2, ready_date = $3, appointed_date = $4, appointed_post = $5, dropped_date = $6, drop_reason = $7, version = version + 1 \
             WHERE id = $8 AND version = $9",
        )
        .bind(t.stage.as_str())
        .bind(t.training_date.map(ds))
        .bind(t.ready_date.map(ds))
        .bind(t.appointed_date.map(ds))
        .bind(t.appointed_post.clone())
        .bind(t.dropped_date.map(ds))
        .bind(t.drop_reason.clone())
        .bind(t.id)
        .bind(t.version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(conflict());
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.talent(t.id)
            .await?
            .ok_or(DomainError::NotFound("talent"))
    }

    async fn trainings(&self, talent_id: i64) -> Result<Vec<Training>> {
        let rows = sqlx::query(
            "SELECT id, talent_id, course, hours, day, result FROM wf_trainings WHERE talent_id = $1 ORDER BY day, id",
        )
        .bind(talent_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(training_row).collect()
    }

    async fn training_totals_in(&self, path: &str) -> Result<Vec<(i64, i64, i64)>> {
        let (lo, hi) = subtree_range(path);
        sqlx::query_as(
            "SELECT x.talent_id, COUNT(*), CAST(SUM(x.hours) AS BIGINT) FROM wf_trainings x JOIN wf_talents t ON t.id = x.talent_id \
             WHERE t.path >= $1 AND t.path < $2 GROUP BY x.talent_id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)
    }

    async fn insert_training(
        &self,
        talent_id: i64,
        course: &str,
        hours: i64,
        day: NaiveDate,
        result: TrainingResult,
        audit: AuditEvent,
    ) -> Result<Training> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO wf_trainings (talent_id, course, hours, day, result, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(talent_id)
        .bind(course)
        .bind(hours)
        .bind(ds(day))
        .bind(result.as_str())
        .bind(audit.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Training {
            id,
            talent_id,
            course: course.to_string(),
            hours,
            day,
            result,
        })
    }
}
