use async_trait::async_trait;
use jiceng_core::{AuditEvent, DomainError, Result};
use jiceng_domain::appeals::NewPhoto;
use jiceng_domain::lists::ListsStore;
use jiceng_domain::lists::model::*;
use jiceng_domain::lists::rules::{Fit, Terms};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{SqlStore, begin_write, db_err, subtree_range, write_audit};

fn g<'r, T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>>(
    r: &'r AnyRow,
    c: &str,
) -> Result<T> {
    r.try_get(c).map_err(db_err)
}

fn bad(what: &str) -> DomainError {
    DomainError::internal(format!("bad stored value: {what}"))
}

fn changed() -> DomainError {
    DomainError::conflict(
        "记录已被他人修改，请刷新后重试",
        "the record was changed meanwhile: reload and try again",
    )
}

const NEED_SELECT: &str = "SELECT n.id, n.category, n.title, n.detail, n.unit_id, u.name AS unit_name, n.path, n.lon, n.lat, n.beneficiary, n.beneficiaries, n.quantity, n.met, n.date_from, n.date_to, n.weekdays, n.time_from, n.time_to, n.urgency, n.status, n.source, n.case_number, n.merged_into, n.created_by, n.created_name, n.created_ms, n.matched_ms, n.result_ms, n.version FROM list_needs n JOIN org_units u ON u.id = n.unit_id";

const RES_SELECT: &str = "SELECT r.id, r.source, r.source_id, r.provider_kind, r.provider, r.party_org_id, r.name, r.category, r.detail, r.capacity, r.period, r.unit_id, u.name AS unit_name, r.path, r.lon, r.lat, r.radius_m, r.weekdays, r.time_from, r.time_to, r.date_from, r.date_to, r.cost_cents, r.contact, r.active, r.used, r.created_ms, r.version FROM list_resources r JOIN org_units u ON u.id = r.unit_id";

const MATCH_SELECT: &str = "SELECT m.id, m.need_id, m.resource_id, m.quantity, m.status, m.manual, m.run_id, m.urgency, m.fit, m.distance_m, m.overlap_permille, m.urgency_points, m.fit_points, m.distance_points, m.time_points, m.value, m.project_id, m.created_ms, m.decided_ms, m.decided_by, m.note, n.title AS need_title, n.category AS need_category, n.path AS need_path, u.name AS need_unit, r.name AS resource_name, r.category AS resource_category, r.provider, r.source AS resource_source FROM list_matches m JOIN list_needs n ON n.id = m.need_id JOIN org_units u ON u.id = n.unit_id JOIN list_resources r ON r.id = m.resource_id";

const PROJECT_SELECT: &str = "SELECT p.id, p.title, p.category, p.unit_id, u.name AS unit_name, p.path, p.owner_name, p.owner_party_org_id, p.participants, p.description, p.budget_planned_cents, p.budget_spent_cents, p.progress, p.status, p.started_on, p.finished_on, p.created_ms, p.version, (SELECT COUNT(*) FROM list_ratings x WHERE x.project_id = p.id) AS ratings, (SELECT CAST(COALESCE(SUM(x.stars), 0) AS BIGINT) FROM list_ratings x WHERE x.project_id = p.id) AS rating_sum FROM list_projects p JOIN org_units u ON u.id = p.unit_id";

fn week(r: &AnyRow) -> Result<Week> {
    let days: String = g(r, "weekdays")?;
    Ok(Week {
        weekdays: Week::parse_days(&days),
        from: g(r, "time_from")?,
        to: g(r, "time_to")?,
    })
}

fn need_row(r: &AnyRow) -> Result<Need> {
    let status: String = g(r, "status")?;
    let source: String = g(r, "source")?;
    Ok(Need {
        id: g(r, "id")?,
        category: g(r, "category")?,
        title: g(r, "title")?,
        detail: g(r, "detail")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        lon: g(r, "lon")?,
        lat: g(r, "lat")?,
        beneficiary: g(r, "beneficiary")?,
        beneficiaries: g(r, "beneficiaries")?,
        quantity: g(r, "quantity")?,
        met: g(r, "met")?,
        date_from: g(r, "date_from")?,
        date_to: g(r, "date_to")?,
        week: week(r)?,
        urgency: g(r, "urgency")?,
        status: NeedStatus::parse(&status).ok_or_else(|| bad("need status"))?,
        source: NeedSource::parse(&source).ok_or_else(|| bad("need source"))?,
        case_number: g(r, "case_number")?,
        merged_into: g(r, "merged_into")?,
        created_by: g(r, "created_by")?,
        created_name: g(r, "created_name")?,
        created_ms: g(r, "created_ms")?,
        matched_ms: g(r, "matched_ms")?,
        result_ms: g(r, "result_ms")?,
        version: g(r, "version")?,
    })
}

fn res_row(r: &AnyRow) -> Result<Resource> {
    let source: String = g(r, "source")?;
    let kind: String = g(r, "provider_kind")?;
    Ok(Resource {
        id: g(r, "id")?,
        source: ResourceSource::parse(&source).ok_or_else(|| bad("resource source"))?,
        source_id: g(r, "source_id")?,
        provider_kind: ProviderKind::parse(&kind).ok_or_else(|| bad("provider kind"))?,
        provider: g(r, "provider")?,
        party_org_id: g(r, "party_org_id")?,
        name: g(r, "name")?,
        category: g(r, "category")?,
        detail: g(r, "detail")?,
        capacity: g(r, "capacity")?,
        period: g(r, "period")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        lon: g(r, "lon")?,
        lat: g(r, "lat")?,
        radius_m: g(r, "radius_m")?,
        week: week(r)?,
        date_from: g(r, "date_from")?,
        date_to: g(r, "date_to")?,
        cost_cents: g(r, "cost_cents")?,
        contact: g(r, "contact")?,
        active: g::<i64>(r, "active")? != 0,
        used: g(r, "used")?,
        created_ms: g(r, "created_ms")?,
        version: g(r, "version")?,
    })
}

fn match_row(r: &AnyRow) -> Result<Match> {
    let status: String = g(r, "status")?;
    let fit: String = g(r, "fit")?;
    let src: String = g(r, "resource_source")?;
    let i = |c: &str| -> Result<i32> { Ok(g::<i64>(r, c)? as i32) };
    Ok(Match {
        id: g(r, "id")?,
        need_id: g(r, "need_id")?,
        resource_id: g(r, "resource_id")?,
        quantity: g(r, "quantity")?,
        status: MatchStatus::parse(&status).ok_or_else(|| bad("match status"))?,
        manual: g::<i64>(r, "manual")? != 0,
        run_id: g(r, "run_id")?,
        terms: Terms {
            urgency: i("urgency")?,
            fit: Fit::parse(&fit),
            distance_m: g(r, "distance_m")?,
            overlap_permille: g(r, "overlap_permille")?,
            urgency_points: i("urgency_points")?,
            fit_points: i("fit_points")?,
            distance_points: i("distance_points")?,
            time_points: i("time_points")?,
            value: i("value")?,
        },
        project_id: g(r, "project_id")?,
        created_ms: g(r, "created_ms")?,
        decided_ms: g(r, "decided_ms")?,
        decided_by: g(r, "decided_by")?,
        note: g(r, "note")?,
        need_title: g(r, "need_title")?,
        need_category: g(r, "need_category")?,
        need_path: g(r, "need_path")?,
        need_unit: g(r, "need_unit")?,
        resource_name: g(r, "resource_name")?,
        resource_category: g(r, "resource_category")?,
        provider: g(r, "provider")?,
        resource_source: ResourceSource::parse(&src).ok_or_else(|| bad("resource source"))?,
    })
}

fn project_row(r: &AnyRow) -> Result<Project> {
    let status: String = g(r, "status")?;
    Ok(Project {
        id: g(r, "id")?,
        title: g(r, "title")?,
        category: g(r, "category")?,
        unit_id: g(r, "unit_id")?,
        unit_name: g(r, "unit_name")?,
        path: g(r, "path")?,
        owner_name: g(r, "owner_name")?,
        owner_party_org_id: g(r, "owner_party_org_id")?,
        participants: g(r, "participants")?,
        description: g(r, "description")?,
        budget_planned_cents: g(r, "budget_planned_cents")?,
        budget_spent_cents: g(r, "budget_spent_cents")?,
        progress: g(r, "progress")?,
        status: ProjectStatus::parse(&status).ok_or_else(|| bad("project status"))?,
        started_on: g(r, "started_on")?,
        finished_on: g(r, "finished_on")?,
        created_ms: g(r, "created_ms")?,
        version: g(r, "version")?,
        ratings: g(r, "ratings")?,
        rating_sum: g(r, "rating_sum")?,
    })
}

fn run_row(r: &AnyRow) -> Result<Run> {
    Ok(Run {
        id: g(r, "id")?,
        scope_path: g(r, "scope_path")?,
        needs: g(r, "needs")?,
        resources: g(r, "resources")?,
        edges: g(r, "edges")?,
        proposals: g(r, "proposals")?,
        total_value: g(r, "total_value")?,
        elapsed_ms: g(r, "elapsed_ms")?,
        created_ms: g(r, "created_ms")?,
        actor_login: g(r, "actor_login")?,
    })
}

async fn need_on(conn: &mut AnyConnection, id: i64) -> Result<Need> {
    let row = sqlx::query(safe!("{NEED_SELECT} WHERE n.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?;
    row.as_ref()
        .map(need_row)
        .transpose()?
        .ok_or(DomainError::NotFound("need"))
}

async fn match_on(conn: &mut AnyConnection, id: i64) -> Result<Match> {
    let row = sqlx::query(safe!("{MATCH_SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?;
    row.as_ref()
        .map(match_row)
        .transpose()?
        .ok_or(DomainError::NotFound("match"))
}

async fn insert_match(
    conn: &mut AnyConnection,
    m: &NewMatch,
    run_id: Option<i64>,
    at_ms: i64,
) -> Result<i64> {
    let t = &m.terms;
    let (id,): (i64,) = sqlx::query_as("INSERT INTO list_matches (need_id, resource_id, quantity, status, manual, run_id, urgency, fit, distance_m, overlap_permille, urgency_points, fit_points, distance_points, time_points, value, created_ms, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id")
        .bind(m.need_id)
        .bind(m.resource_id)
        .bind(m.quantity)
        .bind(m.status.as_str())
        .bind(m.manual as i64)
        .bind(run_id)
        .bind(t.urgency as i64)
        .bind(t.fit.as_str())
        .bind(t.distance_m)
        .bind(t.overlap_permille)
        .bind(t.urgency_points as i64)
        .bind(t.fit_points as i64)
        .bind(t.distance_points as i64)
        .bind(t.time_points as i64)
        .bind(t.value as i64)
        .bind(at_ms)
        .bind(&m.note)
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    Ok(id)
}

/// The project a match goes into: an existing active one, or a new one with milestones.
async fn project_for(conn: &mut AnyConnection, choice: &ProjectChoice) -> Result<i64> {
    match choice {
        ProjectChoice::Existing(id) => {
            let st: Option<(String,)> =
                sqlx::query_as("SELECT status FROM list_projects WHERE id = $1")
                    .bind(*id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_err)?;
            match st {
                Some((s,)) if s == ProjectStatus::Active.as_str() => Ok(*id),
                Some(_) => Err(DomainError::field(
                    "project_id",
                    "该项目已完成，不能再加入",
                    "that project is completed",
                )),
                None => Err(DomainError::NotFound("project")),
            }
        }
        ProjectChoice::New(p, milestones) => {
            let (id,): (i64,) = sqlx::query_as("INSERT INTO list_projects (title, category, unit_id, path, owner_name, owner_party_org_id, participants, description, budget_planned_cents, budget_spent_cents, progress, status, started_on, created_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, 'active', $10, $11, 1) RETURNING id")
                .bind(&p.title)
                .bind(&p.category)
                .bind(p.unit_id)
                .bind(&p.path)
                .bind(&p.owner_name)
                .bind(p.owner_party_org_id)
                .bind(&p.participants)
                .bind(&p.description)
                .bind(p.budget_planned_cents)
                .bind(&p.started_on)
                .bind(p.created_ms)
                .fetch_one(&mut *conn)
                .await
                .map_err(db_err)?;
            for (title, due) in milestones {
                sqlx::query(
                    "INSERT INTO list_milestones (project_id, title, due_on) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(title)
                .bind(due)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            }
            Ok(id)
        }
    }
}

/// Takes `q` units of the need and of the resource; `Conflict` when either lacks room.
async fn consume(
    conn: &mut AnyConnection,
    need_id: i64,
    resource_id: i64,
    q: i64,
    at_ms: i64,
) -> Result<()> {
    let n = sqlx::query("UPDATE list_needs SET met = met + $1, status = CASE WHEN met + $1 >= quantity THEN 'met' ELSE status END, matched_ms = COALESCE(matched_ms, $2), version = version + 1 WHERE id = $3 AND status = 'open' AND met + $1 <= quantity")
        .bind(q)
        .bind(at_ms)
        .bind(need_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    if n.rows_affected() != 1 {
        return Err(DomainError::conflict(
            "该需求已无待对接数量",
            "the need has no open quantity left for this",
        ));
    }
    let r = sqlx::query("UPDATE list_resources SET used = used + $1, version = version + 1 WHERE id = $2 AND active = 1 AND used + $1 <= capacity")
        .bind(q)
        .bind(resource_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    if r.rows_affected() != 1 {
        return Err(DomainError::conflict(
            "该资源剩余容量不足",
            "the resource has not enough capacity left",
        ));
    }
    Ok(())
}

async fn insert_resource_on(conn: &mut AnyConnection, r: &NewResource, at_ms: i64) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as("INSERT INTO list_resources (source, source_id, provider_kind, provider, party_org_id, name, category, detail, capacity, period, unit_id, path, lon, lat, radius_m, weekdays, time_from, time_to, date_from, date_to, cost_cents, contact, active, used, created_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 0, $24, 1) RETURNING id")
        .bind(r.source.as_str())
        .bind(r.source_id)
        .bind(r.provider_kind.as_str())
        .bind(&r.provider)
        .bind(r.party_org_id)
        .bind(&r.name)
        .bind(&r.category)
        .bind(&r.detail)
        .bind(r.capacity)
        .bind(&r.period)
        .bind(r.unit_id)
        .bind(&r.path)
        .bind(r.lon)
        .bind(r.lat)
        .bind(r.radius_m)
        .bind(r.week.days_text())
        .bind(&r.week.from)
        .bind(&r.week.to)
        .bind(&r.date_from)
        .bind(&r.date_to)
        .bind(r.cost_cents)
        .bind(&r.contact)
        .bind(r.active as i64)
        .bind(at_ms)
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    Ok(id)
}

#[async_trait]
impl ListsStore for SqlStore {
    async fn categories(&self) -> Result<Vec<Category>> {
        let rows = sqlx::query("SELECT code, name_zh, name_en, grp, party_service_code, party_resource_code, sort FROM list_categories ORDER BY sort, code")
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Category {
                    code: g(r, "code")?,
                    name_zh: g(r, "name_zh")?,
                    name_en: g(r, "name_en")?,
                    grp: g(r, "grp")?,
                    party_service_code: g(r, "party_service_code")?,
                    party_resource_code: g(r, "party_resource_code")?,
                    sort: g(r, "sort")?,
                })
            })
            .collect()
    }

    async fn insert_need(&self, n: NewNeed, requester: &str, audit: AuditEvent) -> Result<Need> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let (id,): (i64,) = sqlx::query_as("INSERT INTO list_needs (category, title, detail, unit_id, path, lon, lat, beneficiary, beneficiaries, quantity, met, date_from, date_to, weekdays, time_from, time_to, urgency, status, source, case_number, created_by, created_name, created_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $13, $14, $15, $16, 'open', $17, $18, $19, $20, $21, 1) RETURNING id")
            .bind(&n.category)
            .bind(&n.title)
            .bind(&n.detail)
            .bind(n.unit_id)
            .bind(&n.path)
            .bind(n.lon)
            .bind(n.lat)
            .bind(&n.beneficiary)
            .bind(n.beneficiaries)
            .bind(n.quantity)
            .bind(&n.date_from)
            .bind(&n.date_to)
            .bind(n.week.days_text())
            .bind(&n.week.from)
            .bind(&n.week.to)
            .bind(n.urgency)
            .bind(n.source.as_str())
            .bind(&n.case_number)
            .bind(n.created_by)
            .bind(&n.created_name)
            .bind(n.created_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO list_requesters (need_id, name, user_id, source, case_number, quantity, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(requester)
            .bind(n.created_by)
            .bind(n.source.as_str())
            .bind(&n.case_number)
            .bind(n.quantity)
            .bind(n.created_ms)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let mut audit = audit;
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        let need = need_on(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(need)
    }

    async fn need(&self, id: i64) -> Result<Option<Need>> {
        let row = sqlx::query(safe!("{NEED_SELECT} WHERE n.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(need_row).transpose()
    }

    async fn needs(&self, q: &NeedQuery) -> Result<Vec<Need>> {
        let (lo, hi) = subtree_range(&q.path);
        let rows = sqlx::query(safe!("{NEED_SELECT} WHERE n.path >= $1 AND n.path < $2 AND ($3 = '' OR n.status = $3) AND ($4 = '' OR n.category = $4) AND ($5 < 0 OR n.created_by = $5) ORDER BY n.id DESC LIMIT $6"))
            .bind(lo)
            .bind(hi)
            .bind(q.status.map(|s| s.as_str()).unwrap_or(""))
            .bind(q.category.clone().unwrap_or_default())
            .bind(q.created_by.unwrap_or(-1))
            .bind(if q.limit > 0 { q.limit } else { 500 })
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(need_row).collect()
    }

    async fn need_by_case(&self, number: &str) -> Result<Option<Need>> {
        let row = sqlx::query(safe!(
            "{NEED_SELECT} WHERE n.case_number = $1 ORDER BY n.id LIMIT 1"
        ))
        .bind(number)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        if let Some(r) = row {
            return Ok(Some(need_row(&r)?));
        }
        // A case merged into another need lives on as one of its requesters.
        let hit: Option<(i64,)> = sqlx::query_as(
            "SELECT need_id FROM list_requesters WHERE case_number = $1 ORDER BY id LIMIT 1",
        )
        .bind(number)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        match hit {
            Some((id,)) => self.need(id).await,
            None => Ok(None),
        }
    }

    async fn requesters(&self, need_id: i64) -> Result<Vec<Requester>> {
        let rows = sqlx::query("SELECT id, need_id, name, user_id, source, case_number, quantity, at_ms FROM list_requesters WHERE need_id = $1 ORDER BY at_ms, id")
            .bind(need_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let source: String = g(r, "source")?;
                Ok(Requester {
                    id: g(r, "id")?,
                    need_id: g(r, "need_id")?,
                    name: g(r, "name")?,
                    user_id: g(r, "user_id")?,
                    source: NeedSource::parse(&source).ok_or_else(|| bad("source"))?,
                    case_number: g(r, "case_number")?,
                    quantity: g(r, "quantity")?,
                    at_ms: g(r, "at_ms")?,
                })
            })
            .collect()
    }

    async fn merge_needs(
        &self,
        target: (i64, i64),
        others: &[(i64, i64)],
        quantity: i64,
        urgency: i64,
        audit: AuditEvent,
    ) -> Result<Need> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let t = sqlx::query("UPDATE list_needs SET quantity = $1, urgency = $2, version = version + 1 WHERE id = $3 AND version = $4 AND status = 'open'")
            .bind(quantity)
            .bind(urgency)
            .bind(target.0)
            .bind(target.1)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if t.rows_affected() != 1 {
            return Err(changed());
        }
        for &(id, version) in others {
            let r = sqlx::query("UPDATE list_needs SET status = 'merged', merged_into = $1, version = version + 1 WHERE id = $2 AND version = $3 AND status = 'open' AND met = 0")
                .bind(target.0)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if r.rows_affected() != 1 {
                return Err(changed());
            }
            sqlx::query("UPDATE list_requesters SET need_id = $1 WHERE need_id = $2")
                .bind(target.0)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("UPDATE list_matches SET status = 'superseded' WHERE need_id = $1 AND status = 'proposed'")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        // The target's own proposals were sized for its old quantity.
        sqlx::query(
            "UPDATE list_matches SET status = 'superseded' WHERE need_id = $1 AND status = 'proposed'",
        )
        .bind(target.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        let need = need_on(&mut tx, target.0).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(need)
    }

    async fn close_need(&self, id: i64, version: i64, audit: AuditEvent) -> Result<Need> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let r = sqlx::query("UPDATE list_needs SET status = 'closed', version = version + 1 WHERE id = $1 AND version = $2 AND status = 'open'")
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(changed());
        }
        sqlx::query(
            "UPDATE list_matches SET status = 'superseded' WHERE need_id = $1 AND status = 'proposed'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        let need = need_on(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(need)
    }

    async fn insert_resource(&self, r: NewResource, audit: AuditEvent) -> Result<Resource> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let id = insert_resource_on(&mut tx, &r, audit.at_ms).await?;
        let mut audit = audit;
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query(safe!("{RES_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let out = res_row(&row)?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn sync_resources(
        &self,
        rs: Vec<NewResource>,
        audit: AuditEvent,
    ) -> Result<(u64, u64, u64)> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let existing: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, source, source_id FROM list_resources WHERE source <> 'own'",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut by_key = std::collections::HashMap::new();
        for (id, s, sid) in existing {
            if let Some(sid) = sid {
                by_key.insert((s, sid), id);
            }
        }
        let (mut ins, mut upd) = (0u64, 0u64);
        let mut seen = std::collections::HashSet::new();
        for r in &rs {
            let Some(sid) = r.source_id else { continue };
            let key = (r.source.as_str().to_string(), sid);
            match by_key.get(&key) {
                Some(&id) => {
                    seen.insert(id);
                    let n = sqlx::query("UPDATE list_resources SET provider_kind = $1, provider = $2, party_org_id = $3, name = $4, category = $5, detail = $6, capacity = $7, period = $8, unit_id = $9, path = $10, lon = $11, lat = $12, radius_m = $13, weekdays = $14, time_from = $15, time_to = $16, active = $17, version = version + 1 WHERE id = $18 AND (provider_kind <> $1 OR provider <> $2 OR name <> $4 OR category <> $5 OR detail <> $6 OR capacity <> $7 OR unit_id <> $9 OR radius_m <> $13 OR weekdays <> $14 OR time_from <> $15 OR time_to <> $16 OR active <> $17)")
                        .bind(r.provider_kind.as_str())
                        .bind(&r.provider)
                        .bind(r.party_org_id)
                        .bind(&r.name)
                        .bind(&r.category)
                        .bind(&r.detail)
                        .bind(r.capacity)
                        .bind(&r.period)
                        .bind(r.unit_id)
                        .bind(&r.path)
                        .bind(r.lon)
                        .bind(r.lat)
                        .bind(r.radius_m)
                        .bind(r.week.days_text())
                        .bind(&r.week.from)
                        .bind(&r.week.to)
                        .bind(r.active as i64)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    upd += n.rows_affected();
                }
                None => {
                    let id = insert_resource_on(&mut tx, r, audit.at_ms).await?;
                    seen.insert(id);
                    by_key.insert(key, id);
                    ins += 1;
                }
            }
        }
        let mut gone = 0u64;
        for (_, &id) in by_key.iter() {
            if !seen.contains(&id) {
                let n = sqlx::query("UPDATE list_resources SET active = 0, version = version + 1 WHERE id = $1 AND active = 1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                gone += n.rows_affected();
            }
        }
        if ins + upd + gone > 0 {
            let audit = audit
                .after(serde_json::json!({"inserted": ins, "updated": upd, "deactivated": gone}));
            write_audit(&mut tx, &audit).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok((ins, upd, gone))
    }

    async fn resource(&self, id: i64) -> Result<Option<Resource>> {
        let row = sqlx::query(safe!("{RES_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(res_row).transpose()
    }

    async fn resources(&self, active_only: bool, limit: i64) -> Result<Vec<Resource>> {
        let rows = sqlx::query(safe!(
            "{RES_SELECT} WHERE ($1 = 0 OR r.active = 1) ORDER BY r.category, r.id LIMIT $2"
        ))
        .bind(active_only as i64)
        .bind(limit)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(res_row).collect()
    }

    async fn set_resource_active(
        &self,
        id: i64,
        version: i64,
        active: bool,
        audit: AuditEvent,
    ) -> Result<()> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let r = sqlx::query("UPDATE list_resources SET active = $1, version = version + 1 WHERE id = $2 AND version = $3 AND source = 'own'")
            .bind(active as i64)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(changed());
        }
        if !active {
            sqlx::query("UPDATE list_matches SET status = 'superseded' WHERE resource_id = $1 AND status = 'proposed'")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn matches(&self, q: &MatchQuery) -> Result<Vec<Match>> {
        let (lo, hi) = subtree_range(if q.path.is_empty() { "/" } else { &q.path });
        let rows = sqlx::query(safe!("{MATCH_SELECT} WHERE n.path >= $1 AND n.path < $2 AND ($3 = '' OR m.status = $3) AND ($4 < 0 OR m.need_id = $4) AND ($5 < 0 OR m.resource_id = $5) AND ($6 < 0 OR m.project_id = $6) ORDER BY m.value DESC, m.id LIMIT $7"))
            .bind(lo)
            .bind(hi)
            .bind(q.status.map(|s| s.as_str()).unwrap_or(""))
            .bind(q.need_id.unwrap_or(-1))
            .bind(q.resource_id.unwrap_or(-1))
            .bind(q.project_id.unwrap_or(-1))
            .bind(if q.limit > 0 { q.limit } else { 500 })
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(match_row).collect()
    }

    async fn counts(&self, path: &str) -> Result<ListCounts> {
        let (lo, hi) = subtree_range(path);
        let (needs, open_needs, proposed_matches): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM list_needs WHERE path >= $1 AND path < $2), \
             (SELECT COUNT(*) FROM list_needs WHERE path >= $1 AND path < $2 AND status = 'open'), \
             (SELECT COUNT(*) FROM list_matches m JOIN list_needs n ON n.id = m.need_id \
              WHERE n.path >= $1 AND n.path < $2 AND m.status = 'proposed')",
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        Ok(ListCounts {
            needs,
            open_needs,
            proposed_matches,
        })
    }

    async fn match_by_id(&self, id: i64) -> Result<Option<Match>> {
        let row = sqlx::query(safe!("{MATCH_SELECT} WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(match_row).transpose()
    }

    async fn rejected_pairs(&self) -> Result<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT DISTINCT need_id, resource_id FROM list_matches WHERE status = 'rejected'",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)
    }

    async fn save_run(
        &self,
        run: NewRun,
        proposals: Vec<NewMatch>,
        audit: AuditEvent,
    ) -> Result<Run> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let (lo, hi) = subtree_range(&run.scope_path);
        sqlx::query("UPDATE list_matches SET status = 'superseded' WHERE status = 'proposed' AND need_id IN (SELECT id FROM list_needs WHERE path >= $1 AND path < $2)")
            .bind(lo)
            .bind(hi)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let (id,): (i64,) = sqlx::query_as("INSERT INTO list_runs (scope_path, needs, resources, edges, proposals, total_value, elapsed_ms, created_ms, actor_login) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(&run.scope_path)
            .bind(run.needs)
            .bind(run.resources)
            .bind(run.edges)
            .bind(proposals.len() as i64)
            .bind(run.total_value)
            .bind(run.elapsed_ms)
            .bind(run.created_ms)
            .bind(&run.actor_login)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        for m in &proposals {
            insert_match(&mut tx, m, Some(id), run.created_ms).await?;
        }
        let mut audit = audit;
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query("SELECT id, scope_path, needs, resources, edges, proposals, total_value, elapsed_ms, created_ms, actor_login FROM list_runs WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let out = run_row(&row)?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn runs(&self, limit: i64) -> Result<Vec<Run>> {
        let rows = sqlx::query("SELECT id, scope_path, needs, resources, edges, proposals, total_value, elapsed_ms, created_ms, actor_login FROM list_runs ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(run_row).collect()
    }

    async fn accept(
        &self,
        match_id: i64,
        by: &str,
        at_ms: i64,
        project: ProjectChoice,
        audit: AuditEvent,
    ) -> Result<Match> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let m = match_on(&mut tx, match_id).await?;
        if m.status != MatchStatus::Proposed {
            return Err(DomainError::conflict(
                "该对接建议已处理或已更新",
                "the proposal was already decided or superseded",
            ));
        }
        let project_id = project_for(&mut tx, &project).await?;
        let r = sqlx::query("UPDATE list_matches SET status = 'accepted', decided_ms = $1, decided_by = $2, project_id = $3 WHERE id = $4 AND status = 'proposed'")
            .bind(at_ms)
            .bind(by)
            .bind(project_id)
            .bind(match_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(changed());
        }
        consume(&mut tx, m.need_id, m.resource_id, m.quantity, at_ms).await?;
        let audit = audit.after(serde_json::json!({"project_id": project_id}));
        write_audit(&mut tx, &audit).await?;
        let out = match_on(&mut tx, match_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn reject(
        &self,
        match_id: i64,
        by: &str,
        note: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<Match> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let r = sqlx::query("UPDATE list_matches SET status = 'rejected', decided_ms = $1, decided_by = $2, note = $3 WHERE id = $4 AND status = 'proposed'")
            .bind(at_ms)
            .bind(by)
            .bind(note)
            .bind(match_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(DomainError::conflict(
                "该对接建议已处理或已更新",
                "the proposal was already decided or superseded",
            ));
        }
        write_audit(&mut tx, &audit).await?;
        let out = match_on(&mut tx, match_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn assign(
        &self,
        m: NewMatch,
        by: &str,
        at_ms: i64,
        project: ProjectChoice,
        audit: AuditEvent,
    ) -> Result<Match> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        sqlx::query(
            "UPDATE list_matches SET status = 'superseded' WHERE need_id = $1 AND status = 'proposed'",
        )
        .bind(m.need_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let project_id = project_for(&mut tx, &project).await?;
        let id = insert_match(&mut tx, &m, None, at_ms).await?;
        sqlx::query("UPDATE list_matches SET decided_ms = $1, decided_by = $2, project_id = $3 WHERE id = $4")
            .bind(at_ms)
            .bind(by)
            .bind(project_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        consume(&mut tx, m.need_id, m.resource_id, m.quantity, at_ms).await?;
        let mut audit = audit.after(serde_json::json!({"match_id": id, "project_id": project_id, "resource_id": m.resource_id, "quantity": m.quantity}));
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        let out = match_on(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn projects(&self, path: &str, limit: i64) -> Result<Vec<Project>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "{PROJECT_SELECT} WHERE p.path >= $1 AND p.path < $2 ORDER BY p.id DESC LIMIT $3"
        ))
        .bind(lo)
        .bind(hi)
        .bind(limit)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(project_row).collect()
    }

    async fn project(&self, id: i64) -> Result<Option<Project>> {
        let row = sqlx::query(safe!("{PROJECT_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(project_row).transpose()
    }

    async fn update_project(
        &self,
        id: i64,
        version: i64,
        patch: ProjectPatch,
        audit: AuditEvent,
    ) -> Result<Project> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let before: Option<(String,)> =
            sqlx::query_as("SELECT status FROM list_projects WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        let Some((before,)) = before else {
            return Err(DomainError::NotFound("project"));
        };
        let r = sqlx::query("UPDATE list_projects SET progress = $1, budget_spent_cents = $2, budget_planned_cents = $3, participants = $4, status = $5, finished_on = $6, version = version + 1 WHERE id = $7 AND version = $8")
            .bind(patch.progress)
            .bind(patch.budget_spent_cents)
            .bind(patch.budget_planned_cents)
            .bind(&patch.participants)
            .bind(patch.status.as_str())
            .bind(&patch.finished_on)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(changed());
        }
        if before == ProjectStatus::Active.as_str() && patch.status == ProjectStatus::Done {
            // The period's service is given: the resources' capacity is free again.
            let taken: Vec<(i64, i64)> = sqlx::query_as("SELECT resource_id, CAST(SUM(quantity) AS BIGINT) FROM list_matches WHERE project_id = $1 AND status = 'accepted' GROUP BY resource_id")
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
            for (rid, q) in taken {
                sqlx::query("UPDATE list_resources SET used = CASE WHEN used > $1 THEN used - $1 ELSE 0 END, version = version + 1 WHERE id = $2")
                    .bind(q)
                    .bind(rid)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
        }
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query(safe!("{PROJECT_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let out = project_row(&row)?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn milestones(&self, project_id: i64) -> Result<Vec<Milestone>> {
        let rows: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as("SELECT id, project_id, title, due_on, done_on FROM list_milestones WHERE project_id = $1 ORDER BY due_on, id")
            .bind(project_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, project_id, title, due_on, done_on)| Milestone {
                id,
                project_id,
                title,
                due_on,
                done_on,
            })
            .collect())
    }

    async fn milestone(&self, id: i64) -> Result<Option<Milestone>> {
        let row: Option<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, project_id, title, due_on, done_on FROM list_milestones WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        Ok(
            row.map(|(id, project_id, title, due_on, done_on)| Milestone {
                id,
                project_id,
                title,
                due_on,
                done_on,
            }),
        )
    }

    async fn add_milestone(
        &self,
        project_id: i64,
        title: &str,
        due_on: &str,
        audit: AuditEvent,
    ) -> Result<Milestone> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO list_milestones (project_id, title, due_on) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(project_id)
        .bind(title)
        .bind(due_on)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Milestone {
            id,
            project_id,
            title: title.to_string(),
            due_on: due_on.to_string(),
            done_on: None,
        })
    }

    async fn set_milestone_done(
        &self,
        id: i64,
        done_on: Option<&str>,
        audit: AuditEvent,
    ) -> Result<()> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        sqlx::query("UPDATE list_milestones SET done_on = $1 WHERE id = $2")
            .bind(done_on)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn add_outcome(
        &self,
        project_id: i64,
        text: &str,
        by_name: &str,
        at_ms: i64,
        photos: Vec<NewPhoto>,
        audit: AuditEvent,
    ) -> Result<Outcome> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let (id,): (i64,) = sqlx::query_as("INSERT INTO list_outcomes (project_id, text, by_name, at_ms) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(project_id)
            .bind(text)
            .bind(by_name)
            .bind(at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let mut ids = vec![];
        for p in &photos {
            let (pid,): (i64,) = sqlx::query_as("INSERT INTO list_photos (project_id, outcome_id, content_type, bytes, size, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(project_id)
                .bind(id)
                .bind(&p.content_type)
                .bind(p.bytes.clone())
                .bind(p.bytes.len() as i64)
                .bind(at_ms)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            ids.push(pid);
        }
        sqlx::query("UPDATE list_needs SET result_ms = $1 WHERE result_ms IS NULL AND id IN (SELECT need_id FROM list_matches WHERE project_id = $2 AND status = 'accepted')")
            .bind(at_ms)
            .bind(project_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let audit = audit.after(serde_json::json!({"outcome_id": id, "photos": ids.len()}));
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Outcome {
            id,
            project_id,
            text: text.to_string(),
            by_name: by_name.to_string(),
            at_ms,
            photos: ids,
        })
    }

    async fn outcomes(&self, project_id: i64) -> Result<Vec<Outcome>> {
        let rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as("SELECT id, project_id, text, by_name, at_ms FROM list_outcomes WHERE project_id = $1 ORDER BY at_ms, id")
            .bind(project_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        let photos: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, outcome_id FROM list_photos WHERE project_id = $1 ORDER BY id",
        )
        .bind(project_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, project_id, text, by_name, at_ms)| Outcome {
                id,
                project_id,
                text,
                by_name,
                at_ms,
                photos: photos
                    .iter()
                    .filter(|(_, o)| *o == id)
                    .map(|(p, _)| *p)
                    .collect(),
            })
            .collect())
    }

    async fn photo(&self, id: i64) -> Result<Option<(Photo, Vec<u8>)>> {
        let row = sqlx::query("SELECT id, project_id, outcome_id, content_type, size, bytes FROM list_photos WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok((
                Photo {
                    id: g(&r, "id")?,
                    project_id: g(&r, "project_id")?,
                    outcome_id: g(&r, "outcome_id")?,
                    content_type: g(&r, "content_type")?,
                    size: g(&r, "size")?,
                },
                g::<Vec<u8>>(&r, "bytes")?,
            ))
        })
        .transpose()
    }

    async fn rate(
        &self,
        project_id: i64,
        user_id: i64,
        name: &str,
        stars: i64,
        comment: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<Rating> {
        let mut tx = begin_write(&self.w, self.backend).await?;
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM list_ratings WHERE project_id = $1 AND user_id = $2")
                .bind(project_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        if done.is_some() {
            return Err(DomainError::conflict(
                "您已评价过该项目",
                "you have already rated this project",
            ));
        }
        let (id,): (i64,) = sqlx::query_as("INSERT INTO list_ratings (project_id, user_id, name, stars, comment, at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(project_id)
            .bind(user_id)
            .bind(name)
            .bind(stars)
            .bind(comment)
            .bind(at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match db_err(e) {
                DomainError::Conflict(_) => DomainError::conflict(
                    "您已评价过该项目",
                    "you have already rated this project",
                ),
                other => other,
            })?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Rating {
            id,
            project_id,
            user_id,
            name: name.to_string(),
            stars,
            comment: comment.to_string(),
            at_ms,
        })
    }

    async fn ratings(&self, project_id: i64) -> Result<Vec<Rating>> {
        let rows: Vec<(i64, i64, i64, String, i64, String, i64)> = sqlx::query_as("SELECT id, project_id, user_id, name, stars, comment, at_ms FROM list_ratings WHERE project_id = $1 ORDER BY at_ms DESC, id DESC")
            .bind(project_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, project_id, user_id, name, stars, comment, at_ms)| Rating {
                    id,
                    project_id,
                    user_id,
                    name,
                    stars,
                    comment,
                    at_ms,
                },
            )
            .collect())
    }
}
