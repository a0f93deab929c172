//! The party organisation system in SQL: organisations with a materialised id path,
//! positions, members (personal data encrypted by the domain), transfers, 双报到,
//! commitments and alliances.

use async_trait::async_trait;
use jiceng_core::{AuditEvent, DomainError, Result};
use jiceng_domain::party::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{SqlStore, db_err, placeholders, subtree_range, write_audit};

const ORG_SELECT: &str = "SELECT p.id, p.code, p.name, p.kind, p.parent_id, p.tree_path, p.unit_id, p.reach_unit_id, u.path AS reach_path, u.kind AS reach_kind, lu.name AS unit_name, p.is_temporary AS is_temp, p.temp_reason, p.temp_end, p.status, p.founded_on, p.dissolved_on, p.created_ms, p.version FROM party_orgs p JOIN org_units u ON u.id = p.reach_unit_id LEFT JOIN org_units lu ON lu.id = p.unit_id";

const MEMBER_SELECT: &str = "SELECT m.id, m.org_id, m.name, m.sex, m.birth_date, m.ethnicity, m.education, m.joined_on, m.standing, m.status, m.resident_id, m.id_enc, m.id_mask, m.phone_enc, m.phone_mask, m.created_ms, m.version, (SELECT COUNT(*) FROM party_registrations r WHERE r.member_id = m.id AND r.ended_on IS NULL) AS in_service FROM party_members m";

const POS_COLS: &str = "id, org_id, unit_id, title, person_name, phone, since_on, until_on";

const REG_SELECT: &str = "SELECT r.id, r.member_id, m.name AS member_name, r.work_org_id, r.work_unit, r.community_id, u.name AS community_name, r.reported_on, r.ended_on FROM party_registrations r JOIN party_members m ON m.id = r.member_id JOIN org_units u ON u.id = r.community_id";

const COMMIT_SELECT: &str = "SELECT c.id, c.member_id, m.name AS member_name, c.community_id, u.name AS community_name, c.category, c.description, c.capacity_kind, c.capacity, c.weekdays, c.time_from, c.time_to, c.active, c.created_ms FROM party_commitments c JOIN party_members m ON m.id = c.member_id JOIN org_units u ON u.id = c.community_id";

const ALLIANCE_SELECT: &str = "SELECT a.id, a.code, a.name, a.kind, a.unit_id, u.path AS unit_path, u.kind AS unit_kind, u.name AS unit_name, a.lead_org_id, a.founded_on, a.description, a.created_ms, (SELECT COUNT(*) FROM alliance_members x WHERE x.alliance_id = a.id) AS n_members, (SELECT COUNT(*) FROM alliance_activities y WHERE y.alliance_id = a.id) AS n_activities FROM alliances a JOIN org_units u ON u.id = a.unit_id";

fn g<T>(r: &AnyRow, c: &str) -> Result<T>
where
    T: for<'a> sqlx::Decode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    r.try_get(c).map_err(db_err)
}

fn bad(what: &str) -> DomainError {
    DomainError::internal(format!("bad {what}"))
}

fn org_row(r: &AnyRow) -> Result<PartyOrg> {
    let kind: String = g(r, "kind")?;
    Ok(PartyOrg {
        id: g(r, "id")?,
        code: g(r, "code")?,
        name: g(r, "name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| bad("org kind"))?,
        parent_id: g(r, "parent_id")?,
        tree_path: g(r, "tree_path")?,
        unit_id: g(r, "unit_id")?,
        reach_unit_id: g(r, "reach_unit_id")?,
        reach_path: g(r, "reach_path")?,
        reach_kind: g(r, "reach_kind")?,
        unit_name: g(r, "unit_name")?,
        temporary: g::<i64>(r, "is_temp")? != 0,
        temp_reason: g(r, "temp_reason")?,
        temp_end: g(r, "temp_end")?,
        status: g(r, "status")?,
        founded_on: g(r, "founded_on")?,
        dissolved_on: g(r, "dissolved_on")?,
        created_ms: g(r, "created_ms")?,
        version: g(r, "version")?,
    })
}

fn pos_row(r: &AnyRow) -> Result<Position> {
    let t: String = g(r, "title")?;
    Ok(Position {
        id: g(r, "id")?,
        org_id: g(r, "org_id")?,
        unit_id: g(r, "unit_id")?,
        title: PositionTitle::parse(&t).ok_or_else(|| bad("title"))?,
        person_name: g(r, "person_name")?,
        phone: g(r, "phone")?,
        since: g(r, "since_on")?,
        until: g(r, "until_on")?,
    })
}

fn member_row(r: &AnyRow) -> Result<MemberRecord> {
    let st: String = g(r, "standing")?;
    let status: String = g(r, "status")?;
    Ok(MemberRecord {
        id: g(r, "id")?,
        org_id: g(r, "org_id")?,
        name: g(r, "name")?,
        sex: g(r, "sex")?,
        birth_date: g(r, "birth_date")?,
        ethnicity: g(r, "ethnicity")?,
        education: g(r, "education")?,
        joined_on: g(r, "joined_on")?,
        standing: Standing::parse(&st).ok_or_else(|| bad("standing"))?,
        status: MemberStatus::parse(&status).ok_or_else(|| bad("status"))?,
        resident_id: g(r, "resident_id")?,
        id_enc: g(r, "id_enc")?,
        id_mask: g(r, "id_mask")?,
        phone_enc: g(r, "phone_enc")?,
        phone_mask: g(r, "phone_mask")?,
        in_service: g::<i64>(r, "in_service")? > 0,
        created_ms: g(r, "created_ms")?,
        version: g(r, "version")?,
    })
}

fn reg_row(r: &AnyRow) -> Result<Registration> {
    Ok(Registration {
        id: g(r, "id")?,
        member_id: g(r, "member_id")?,
        member_name: g(r, "member_name")?,
        work_org_id: g(r, "work_org_id")?,
        work_unit: g(r, "work_unit")?,
        community_id: g(r, "community_id")?,
        community_name: g(r, "community_name")?,
        reported_on: g(r, "reported_on")?,
        ended_on: g(r, "ended_on")?,
    })
}

fn avail(r: &AnyRow) -> Result<Availability> {
    let w: String = g(r, "weekdays")?;
    Ok(Availability {
        weekdays: w
            .bytes()
            .filter(|b| b.is_ascii_digit())
            .map(|b| b - b'0')
            .collect(),
        from: g(r, "time_from")?,
        to: g(r, "time_to")?,
    })
}

fn commit_row(r: &AnyRow) -> Result<Commitment> {
    let k: String = g(r, "capacity_kind")?;
    Ok(Commitment {
        id: g(r, "id")?,
        member_id: g(r, "member_id")?,
        member_name: g(r, "member_name")?,
        community_id: g(r, "community_id")?,
        community_name: g(r, "community_name")?,
        category: g(r, "category")?,
        description: g(r, "description")?,
        capacity_kind: CapacityKind::parse(&k).ok_or_else(|| bad("capacity kind"))?,
        capacity: g(r, "capacity")?,
        availability: avail(r)?,
        active: g::<i64>(r, "active")? != 0,
        created_ms: g(r, "created_ms")?,
    })
}

fn alliance_row(r: &AnyRow) -> Result<Alliance> {
    let k: String = g(r, "kind")?;
    Ok(Alliance {
        id: g(r, "id")?,
        code: g(r, "code")?,
        name: g(r, "name")?,
        kind: AllianceKind::parse(&k).ok_or_else(|| bad("alliance kind"))?,
        unit_id: g(r, "unit_id")?,
        unit_path: g(r, "unit_path")?,
        unit_kind: g(r, "unit_kind")?,
        unit_name: g(r, "unit_name")?,
        lead_org_id: g(r, "lead_org_id")?,
        founded_on: g(r, "founded_on")?,
        description: g(r, "description")?,
        created_ms: g(r, "created_ms")?,
        members: g(r, "n_members")?,
        activities: g(r, "n_activities")?,
    })
}

fn weekdays_text(a: &Availability) -> String {
    jiceng_domain::party::rules::weekdays_text(&a.weekdays)
}

async fn event(
    conn: &mut AnyConnection,
    org_id: i64,
    change: &str,
    audit: &AuditEvent,
) -> Result<()> {
    sqlx::query("INSERT INTO party_org_events (org_id, at_ms, change, before_json, after_json, actor_login) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(org_id)
        .bind(audit.at_ms)
        .bind(change)
        .bind(audit.before.as_ref().map(|v| v.to_string()))
        .bind(audit.after.as_ref().map(|v| v.to_string()))
        .bind(&audit.actor_login)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn fetch_org(conn: &mut AnyConnection, id: i64) -> Result<PartyOrg> {
    let row = sqlx::query(safe!("{ORG_SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .ok_or(DomainError::NotFound("party_org"))?;
    org_row(&row)
}

async fn fetch_member(conn: &mut AnyConnection, id: i64) -> Result<MemberRecord> {
    let row = sqlx::query(safe!("{MEMBER_SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .ok_or(DomainError::NotFound("party_member"))?;
    member_row(&row)
}

/// Inserts one organisation below a parent (id, tree path, reach unit).
async fn insert_one(
    conn: &mut AnyConnection,
    o: &NewOrg,
    parent: Option<(i64, String, i64)>,
    at_ms: i64,
    actor_login: &str,
) -> Result<i64> {
    let reach = match (o.unit_id, &parent) {
        (Some(u), _) => u,
        (None, Some(p)) => p.2,
        (None, None) if o.reach_unit_id > 0 => o.reach_unit_id,
        _ => {
            return Err(DomainError::field(
                "unit_id",
                "顶层党组织须关联单位",
                "a top organisation needs a unit",
            ));
        }
    };
    let row = sqlx::query(
        "INSERT INTO party_orgs (code, name, kind, parent_id, tree_path, unit_id, reach_unit_id, is_temporary, temp_reason, temp_end, status, founded_on, created_ms, version) \
         VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, 'active', $10, $11, 1) RETURNING id",
    )
    .bind(&o.code)
    .bind(&o.name)
    .bind(o.kind.as_str())
    .bind(parent.as_ref().map(|p| p.0))
    .bind(o.unit_id)
    .bind(reach)
    .bind(o.temporary as i64)
    .bind(&o.temp_reason)
    .bind(&o.temp_end)
    .bind(&o.founded_on)
    .bind(at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match db_err(e) {
        DomainError::Conflict(_) => DomainError::field("code", "该编码已被使用", "this code is taken"),
        e => e,
    })?;
    let id: i64 = g(&row, "id")?;
    let path = format!(
        "{}{id}/",
        parent.as_ref().map(|p| p.1.as_str()).unwrap_or("/")
    );
    sqlx::query("UPDATE party_orgs SET tree_path = $1 WHERE id = $2")
        .bind(&path)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    sqlx::query("INSERT INTO party_org_events (org_id, at_ms, change, before_json, after_json, actor_login) VALUES ($1, $2, 'create', NULL, $3, $4)")
        .bind(id)
        .bind(at_ms)
        .bind(serde_json::json!({"name": o.name, "kind": o.kind.as_str(), "parent_id": parent.as_ref().map(|p| p.0), "temporary": o.temporary}).to_string())
        .bind(actor_login)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(id)
}

async fn parent_info(conn: &mut AnyConnection, id: i64) -> Result<(i64, String, i64)> {
    let row = sqlx::query("SELECT id, tree_path, reach_unit_id FROM party_orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .ok_or(DomainError::NotFound("party_org"))?;
    Ok((
        g(&row, "id")?,
        g(&row, "tree_path")?,
        g(&row, "reach_unit_id")?,
    ))
}

async fn insert_position(conn: &mut AnyConnection, p: &NewPosition) -> Result<i64> {
    // A single post (书记, 主任) passes from the previous holder.
    if matches!(
        p.title,
        PositionTitle::Secretary | PositionTitle::Director | PositionTitle::GroupLeader
    ) {
        sqlx::query("UPDATE party_positions SET until_on = $1 WHERE until_on IS NULL AND title = $2 AND ((org_id = $3) OR (unit_id = $4))")
            .bind(&p.since)
            .bind(p.title.as_str())
            .bind(p.org_id.unwrap_or(-1))
            .bind(p.unit_id.unwrap_or(-1))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    let row = sqlx::query("INSERT INTO party_positions (org_id, unit_id, title, person_name, phone, since_on) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(p.org_id)
        .bind(p.unit_id)
        .bind(p.title.as_str())
        .bind(&p.person_name)
        .bind(&p.phone)
        .bind(&p.since)
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    g(&row, "id")
}

async fn insert_member_row(conn: &mut AnyConnection, m: &NewMember, at_ms: i64) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO party_members (org_id, name, sex, birth_date, ethnicity, education, joined_on, standing, status, resident_id, id_enc, id_index, id_mask, phone_enc, phone_mask, created_ms, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $12, $13, $14, $15, 1) RETURNING id",
    )
    .bind(m.org_id)
    .bind(&m.name)
    .bind(&m.sex)
    .bind(&m.birth_date)
    .bind(&m.ethnicity)
    .bind(&m.education)
    .bind(&m.joined_on)
    .bind(m.standing.as_str())
    .bind(m.resident_id)
    .bind(&m.id_enc)
    .bind(&m.id_index)
    .bind(&m.id_mask)
    .bind(&m.phone_enc)
    .bind(&m.phone_mask)
    .bind(at_ms)
    .fetch_one(conn)
    .await
    .map_err(db_err)?;
    g(&row, "id")
}

impl SqlStore {
    async fn orgs_where(&self, clause: &str, binds: Vec<String>) -> Result<Vec<PartyOrg>> {
        let sql = safe!("{ORG_SELECT} {clause}");
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.r).await.map_err(db_err)?;
        rows.iter().map(org_row).collect()
    }
}

#[async_trait]
impl PartyStore for SqlStore {
    async fn org(&self, id: i64) -> Result<Option<PartyOrg>> {
        let row = sqlx::query(safe!("{ORG_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(org_row).transpose()
    }

    async fn org_by_code(&self, code: &str) -> Result<Option<PartyOrg>> {
        Ok(self
            .orgs_where("WHERE p.code = $1", vec![code.into()])
            .await?
            .into_iter()
            .next())
    }

    async fn orgs_by_ids(&self, ids: &[i64]) -> Result<Vec<PartyOrg>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = safe!(
            "{ORG_SELECT} WHERE p.id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(sql);
        for i in ids {
            q = q.bind(*i);
        }
        let rows = q.fetch_all(&self.r).await.map_err(db_err)?;
        rows.iter().map(org_row).collect()
    }

    async fn roots(&self) -> Result<Vec<PartyOrg>> {
        self.orgs_where(
            "WHERE p.parent_id IS NULL AND p.status = 'active' ORDER BY p.id",
            vec![],
        )
        .await
    }

    async fn children(&self, parent_id: i64, include_dissolved: bool) -> Result<Vec<PartyOrg>> {
        let clause = if include_dissolved {
            "WHERE p.parent_id = $1 ORDER BY p.status, p.code"
        } else {
            "WHERE p.parent_id = $1 AND p.status = 'active' ORDER BY p.code"
        };
        let rows = sqlx::query(safe!("{ORG_SELECT} {clause}"))
            .bind(parent_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(org_row).collect()
    }

    async fn orgs_in(&self, unit_path: &str, limit: i64) -> Result<Vec<PartyOrg>> {
        let (lo, hi) = subtree_range(unit_path);
        let rows = sqlx::query(safe!("{ORG_SELECT} WHERE u.path >= $1 AND u.path < $2 AND p.status = 'active' ORDER BY p.code LIMIT $3"))
            .bind(lo)
            .bind(hi)
            .bind(limit)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(org_row).collect()
    }

    async fn orgs_of_unit(&self, unit_id: i64) -> Result<Vec<PartyOrg>> {
        let rows = sqlx::query(safe!(
            "{ORG_SELECT} WHERE p.unit_id = $1 ORDER BY p.status, p.code"
        ))
        .bind(unit_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(org_row).collect()
    }

    async fn temporary_in(&self, unit_path: &str) -> Result<Vec<PartyOrg>> {
        let (lo, hi) = subtree_range(unit_path);
        let rows = sqlx::query(safe!("{ORG_SELECT} WHERE p.is_temporary = 1 AND ((u.path >= $1 AND u.path < $2) OR $3 = '/') ORDER BY p.status, p.founded_on DESC, p.code"))
            .bind(lo)
            .bind(hi)
            .bind(unit_path)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(org_row).collect()
    }

    async fn codes_with_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT code FROM party_orgs WHERE code >= $1 AND code < $2")
                .bind(format!("{prefix}."))
                .bind(format!("{prefix}/"))
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn member_counts(&self, org_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if org_ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = safe!(
            "SELECT a.id AS id, COUNT(m.id) AS n FROM party_orgs a JOIN party_orgs d ON d.tree_path LIKE a.tree_path || '%' \
             JOIN party_members m ON m.org_id = d.id AND m.status = 'active' WHERE a.id IN ({}) GROUP BY a.id",
            placeholders(1, org_ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(sql);
        for i in org_ids {
            q = q.bind(*i);
        }
        q.fetch_all(&self.r).await.map_err(db_err)
    }

    async fn totals(&self) -> Result<(i64, i64)> {
        let (a,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM party_orgs WHERE status = 'active'")
                .fetch_one(&self.r)
                .await
                .map_err(db_err)?;
        let (b,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM party_members WHERE status = 'active'")
                .fetch_one(&self.r)
                .await
                .map_err(db_err)?;
        Ok((a, b))
    }

    async fn insert_org(&self, org: NewOrg, audit: AuditEvent) -> Result<PartyOrg> {
        let mut tx = self.write_tx().await?;
        let parent = match org.parent_id {
            Some(p) => Some(parent_info(&mut tx, p).await?),
            None => None,
        };
        let id = insert_one(&mut tx, &org, parent, audit.at_ms, &audit.actor_login).await?;
        write_audit(&mut tx, &audit).await?;
        let o = fetch_org(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(o)
    }

    async fn insert_orgs(
        &self,
        orgs: Vec<(NewOrg, Option<String>)>,
        audit: AuditEvent,
    ) -> Result<Vec<PartyOrg>> {
        let mut tx = self.write_tx().await?;
        let mut known: std::collections::HashMap<String, (i64, String, i64)> =
            std::collections::HashMap::new();
        let mut ids = vec![];
        for (o, parent_code) in &orgs {
            let parent = match parent_code {
                Some(pc) => Some(known.get(pc).cloned().ok_or_else(|| {
                    DomainError::field("parent_code", "上级党组织不存在", "unknown parent")
                })?),
                None => o.parent_id.map(|_| (0, String::new(), 0)).filter(|_| false),
            };
            let id =
                insert_one(&mut tx, o, parent.clone(), audit.at_ms, &audit.actor_login).await?;
            let path = format!(
                "{}{id}/",
                parent.as_ref().map(|p| p.1.as_str()).unwrap_or("/")
            );
            let reach = o.unit_id.or(parent.map(|p| p.2)).unwrap_or(o.reach_unit_id);
            known.insert(o.code.clone(), (id, path, reach));
            ids.push(id);
        }
        write_audit(&mut tx, &audit).await?;
        let mut out = vec![];
        for id in ids {
            out.push(fetch_org(&mut tx, id).await?);
        }
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn rename_org(
        &self,
        id: i64,
        version: i64,
        name: &str,
        audit: AuditEvent,
    ) -> Result<PartyOrg> {
        let mut tx = self.write_tx().await?;
        let res = sqlx::query("UPDATE party_orgs SET name = $1, version = version + 1 WHERE id = $2 AND version = $3 AND status = 'active'")
            .bind(name)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if res.rows_affected() != 1 {
            return Err(conflict());
        }
        event(&mut tx, id, "rename", &audit).await?;
        write_audit(&mut tx, &audit).await?;
        let o = fetch_org(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(o)
    }

    async fn move_org(
        &self,
        id: i64,
        version: i64,
        new_parent: &PartyOrg,
        audit: AuditEvent,
    ) -> Result<PartyOrg> {
        let mut tx = self.write_tx().await?;
        let org = fetch_org(&mut tx, id).await?;
        if org.version != version {
            return Err(conflict());
        }
        let new_path = format!("{}{id}/", new_parent.tree_path);
        // The subtree, parents first; reach units are recomputed down the tree.
        let rows = sqlx::query("SELECT id, parent_id, unit_id, tree_path FROM party_orgs WHERE tree_path LIKE $1 ORDER BY LENGTH(tree_path)")
            .bind(format!("{}%", org.tree_path))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        let mut reach: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        reach.insert(new_parent.id, new_parent.reach_unit_id);
        for r in &rows {
            let rid: i64 = g(r, "id")?;
            let pid: Option<i64> = g(r, "parent_id")?;
            let unit: Option<i64> = g(r, "unit_id")?;
            let old: String = g(r, "tree_path")?;
            let parent = if rid == id { Some(new_parent.id) } else { pid };
            let ru = unit
                .or_else(|| parent.and_then(|p| reach.get(&p).copied()))
                .ok_or_else(|| bad("reach"))?;
            reach.insert(rid, ru);
            let path = format!("{new_path}{}", &old[org.tree_path.len()..]);
            sqlx::query("UPDATE party_orgs SET tree_path = $1, reach_unit_id = $2 WHERE id = $3")
                .bind(path)
                .bind(ru)
                .bind(rid)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        sqlx::query("UPDATE party_orgs SET parent_id = $1, version = version + 1 WHERE id = $2")
            .bind(new_parent.id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        event(&mut tx, id, "move", &audit).await?;
        write_audit(&mut tx, &audit).await?;
        let o = fetch_org(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(o)
    }

    async fn dissolve(&self, ids: &[i64], on: &str, change: &str, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for id in ids {
            let res = sqlx::query("UPDATE party_orgs SET status = 'dissolved', dissolved_on = $1, temp_end = CASE WHEN is_temporary = 1 THEN $1 ELSE temp_end END, version = version + 1 WHERE id = $2 AND status = 'active'")
                .bind(on)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if res.rows_affected() != 1 {
                return Err(conflict());
            }
            sqlx::query(
                "UPDATE party_positions SET until_on = $1 WHERE org_id = $2 AND until_on IS NULL",
            )
            .bind(on)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            event(&mut tx, *id, change, &audit).await?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn events(&self, org_id: i64) -> Result<Vec<OrgEvent>> {
        let rows = sqlx::query("SELECT id, org_id, at_ms, change, before_json, after_json, actor_login FROM party_org_events WHERE org_id = $1 ORDER BY at_ms, id")
            .bind(org_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let parse = |c: &str| -> Result<Option<serde_json::Value>> {
                    let s: Option<String> = g(r, c)?;
                    Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
                };
                Ok(OrgEvent {
                    id: g(r, "id")?,
                    org_id: g(r, "org_id")?,
                    at_ms: g(r, "at_ms")?,
                    change: g(r, "change")?,
                    before: parse("before_json")?,
                    after: parse("after_json")?,
                    actor_login: g(r, "actor_login")?,
                })
            })
            .collect()
    }

    async fn positions_of_org(&self, org_id: i64, include_past: bool) -> Result<Vec<Position>> {
        let past = if include_past {
            ""
        } else {
            "AND until_on IS NULL"
        };
        let rows = sqlx::query(safe!("SELECT {POS_COLS} FROM party_positions WHERE org_id = $1 {past} ORDER BY until_on IS NOT NULL, id"))
            .bind(org_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        let mut v: Vec<Position> = rows.iter().map(pos_row).collect::<Result<_>>()?;
        v.sort_by_key(|p| {
            (
                p.until.is_some(),
                PositionTitle::ALL.iter().position(|t| *t == p.title),
                p.id,
            )
        });
        Ok(v)
    }

    async fn positions_of_unit(&self, unit_id: i64, include_past: bool) -> Result<Vec<Position>> {
        let past = if include_past {
            ""
        } else {
            "AND until_on IS NULL"
        };
        let rows = sqlx::query(safe!(
            "SELECT {POS_COLS} FROM party_positions WHERE unit_id = $1 {past} ORDER BY id"
        ))
        .bind(unit_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        let mut v: Vec<Position> = rows.iter().map(pos_row).collect::<Result<_>>()?;
        v.sort_by_key(|p| {
            (
                p.until.is_some(),
                PositionTitle::ALL.iter().position(|t| *t == p.title),
                p.id,
            )
        });
        Ok(v)
    }

    async fn position(&self, id: i64) -> Result<Option<Position>> {
        let row = sqlx::query(safe!(
            "SELECT {POS_COLS} FROM party_positions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        row.as_ref().map(pos_row).transpose()
    }

    async fn appoint(&self, p: NewPosition, audit: AuditEvent) -> Result<Position> {
        let mut tx = self.write_tx().await?;
        let id = insert_position(&mut tx, &p).await?;
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query(safe!(
            "SELECT {POS_COLS} FROM party_positions WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        pos_row(&row)
    }

    async fn insert_positions(&self, ps: Vec<NewPosition>, audit: AuditEvent) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        for p in &ps {
            insert_position(&mut tx, p).await?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ps.len() as u64)
    }

    async fn end_position(&self, id: i64, on: &str, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let res = sqlx::query(
            "UPDATE party_positions SET until_on = $1 WHERE id = $2 AND until_on IS NULL",
        )
        .bind(on)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if res.rows_affected() != 1 {
            return Err(conflict());
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn member(&self, id: i64) -> Result<Option<MemberRecord>> {
        let row = sqlx::query(safe!("{MEMBER_SELECT} WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(member_row).transpose()
    }

    async fn members_of(&self, org_id: i64, limit: i64) -> Result<Vec<MemberRecord>> {
        let rows = sqlx::query(safe!("{MEMBER_SELECT} WHERE m.org_id = $1 AND m.status = 'active' ORDER BY m.joined_on, m.id LIMIT $2"))
            .bind(org_id)
            .bind(limit)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(member_row).collect()
    }

    async fn member_id_index_exists(&self, index: &str) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM party_members WHERE id_index = $1 AND status <> 'deceased'",
        )
        .bind(index)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        Ok(n > 0)
    }

    async fn insert_member(&self, m: NewMember, audit: AuditEvent) -> Result<MemberRecord> {
        let mut tx = self.write_tx().await?;
        let id = insert_member_row(&mut tx, &m, audit.at_ms).await?;
        write_audit(&mut tx, &audit).await?;
        let rec = fetch_member(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rec)
    }

    async fn insert_members(&self, ms: Vec<NewMember>, audit: AuditEvent) -> Result<Vec<i64>> {
        let mut tx = self.write_tx().await?;
        let mut ids = Vec::with_capacity(ms.len());
        for m in &ms {
            ids.push(insert_member_row(&mut tx, m, audit.at_ms).await?);
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ids)
    }

    async fn transfer(
        &self,
        member_id: i64,
        version: i64,
        to: Option<i64>,
        to_name: &str,
        on: &str,
        reason: &str,
        audit: AuditEvent,
    ) -> Result<MemberRecord> {
        let mut tx = self.write_tx().await?;
        let m = fetch_member(&mut tx, member_id).await?;
        if m.version != version || m.status != MemberStatus::Active {
            return Err(conflict());
        }
        sqlx::query("INSERT INTO party_transfers (member_id, from_org_id, to_org_id, to_name, on_date, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(member_id)
            .bind(m.org_id)
            .bind(to)
            .bind(to_name)
            .bind(on)
            .bind(reason)
            .bind(audit.at_ms)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let q = match to {
            Some(t) => sqlx::query("UPDATE party_members SET org_id = $1, version = version + 1 WHERE id = $2").bind(t).bind(member_id),
            None => sqlx::query("UPDATE party_members SET status = 'transferred_out', version = version + 1 WHERE id = $1").bind(member_id),
        };
        q.execute(&mut *tx).await.map_err(db_err)?;
        if to.is_none() {
            sqlx::query("UPDATE party_registrations SET ended_on = $1 WHERE member_id = $2 AND ended_on IS NULL")
                .bind(on)
                .bind(member_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        let rec = fetch_member(&mut tx, member_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rec)
    }

    async fn transfers(&self, member_id: i64) -> Result<Vec<Transfer>> {
        let rows = sqlx::query("SELECT t.id, t.member_id, t.from_org_id, f.name AS from_name, t.to_org_id, t.to_name, t.on_date, t.reason, t.at_ms FROM party_transfers t JOIN party_orgs f ON f.id = t.from_org_id WHERE t.member_id = $1 ORDER BY t.on_date, t.id")
            .bind(member_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Transfer {
                    id: g(r, "id")?,
                    member_id: g(r, "member_id")?,
                    from_org_id: g(r, "from_org_id")?,
                    from_name: g(r, "from_name")?,
                    to_org_id: g(r, "to_org_id")?,
                    to_name: g(r, "to_name")?,
                    on_date: g(r, "on_date")?,
                    reason: g(r, "reason")?,
                    at_ms: g(r, "at_ms")?,
                })
            })
            .collect()
    }

    async fn registrations_of_member(&self, member_id: i64) -> Result<Vec<Registration>> {
        let rows = sqlx::query(safe!(
            "{REG_SELECT} WHERE r.member_id = $1 ORDER BY r.reported_on, r.id"
        ))
        .bind(member_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(reg_row).collect()
    }

    async fn registrations_in(&self, community_id: i64) -> Result<Vec<Registration>> {
        let rows = sqlx::query(safe!("{REG_SELECT} WHERE r.community_id = $1 AND r.ended_on IS NULL ORDER BY r.reported_on DESC, r.id"))
            .bind(community_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(reg_row).collect()
    }

    async fn register(
        &self,
        member_id: i64,
        work_org_id: Option<i64>,
        work_unit: &str,
        community_id: i64,
        on: &str,
        audit: AuditEvent,
    ) -> Result<Registration> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("INSERT INTO party_registrations (member_id, work_org_id, work_unit, community_id, reported_on) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(member_id)
            .bind(work_org_id)
            .bind(work_unit)
            .bind(community_id)
            .bind(on)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let id: i64 = g(&row, "id")?;
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query(safe!("{REG_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        reg_row(&row)
    }

    async fn end_registration(&self, id: i64, on: &str, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let res = sqlx::query(
            "UPDATE party_registrations SET ended_on = $1 WHERE id = $2 AND ended_on IS NULL",
        )
        .bind(on)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if res.rows_affected() != 1 {
            return Err(conflict());
        }
        sqlx::query("UPDATE party_commitments SET active = 0 WHERE active = 1 AND member_id = (SELECT member_id FROM party_registrations WHERE id = $1) AND community_id = (SELECT community_id FROM party_registrations WHERE id = $1)")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn registration(&self, id: i64) -> Result<Option<Registration>> {
        let row = sqlx::query(safe!("{REG_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(reg_row).transpose()
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT code, name_zh, name_en FROM party_service_categories ORDER BY sort",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(code, name_zh, name_en)| Category {
                code,
                name_zh,
                name_en,
            })
            .collect())
    }

    async fn resource_categories(&self) -> Result<Vec<Category>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT code, name_zh, name_en FROM party_resource_categories ORDER BY sort",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(code, name_zh, name_en)| Category {
                code,
                name_zh,
                name_en,
            })
            .collect())
    }

    async fn commitments_of_member(&self, member_id: i64) -> Result<Vec<Commitment>> {
        let rows = sqlx::query(safe!(
            "{COMMIT_SELECT} WHERE c.member_id = $1 ORDER BY c.active DESC, c.id"
        ))
        .bind(member_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(commit_row).collect()
    }

    async fn commitments_in(&self, unit_path: &str, limit: i64) -> Result<Vec<Commitment>> {
        let (lo, hi) = subtree_range(unit_path);
        let rows = sqlx::query(safe!("{COMMIT_SELECT} WHERE c.active = 1 AND u.path >= $1 AND u.path < $2 ORDER BY c.category, c.id LIMIT $3"))
            .bind(lo)
            .bind(hi)
            .bind(limit)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(commit_row).collect()
    }

    async fn commitment(&self, id: i64) -> Result<Option<Commitment>> {
        let row = sqlx::query(safe!("{COMMIT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(commit_row).transpose()
    }

    async fn insert_commitment(&self, c: NewCommitment, audit: AuditEvent) -> Result<Commitment> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("INSERT INTO party_commitments (member_id, community_id, category, description, capacity_kind, capacity, weekdays, time_from, time_to, active, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) RETURNING id")
            .bind(c.member_id)
            .bind(c.community_id)
            .bind(&c.category)
            .bind(&c.description)
            .bind(c.capacity_kind.as_str())
            .bind(c.capacity)
            .bind(weekdays_text(&c.availability))
            .bind(&c.availability.from)
            .bind(&c.availability.to)
            .bind(audit.at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let id: i64 = g(&row, "id")?;
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query(safe!("{COMMIT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        commit_row(&row)
    }

    async fn set_commitment_active(&self, id: i64, active: bool, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE party_commitments SET active = $1 WHERE id = $2")
            .bind(active as i64)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn alliance(&self, id: i64) -> Result<Option<Alliance>> {
        let row = sqlx::query(safe!("{ALLIANCE_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(alliance_row).transpose()
    }

    async fn alliances(&self) -> Result<Vec<Alliance>> {
        let rows = sqlx::query(safe!(
            "{ALLIANCE_SELECT} ORDER BY a.kind DESC, u.path, a.code"
        ))
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(alliance_row).collect()
    }

    async fn insert_alliance(&self, a: NewAlliance, audit: AuditEvent) -> Result<Alliance> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("INSERT INTO alliances (code, name, kind, unit_id, lead_org_id, founded_on, description, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(&a.code)
            .bind(&a.name)
            .bind(a.kind.as_str())
            .bind(a.unit_id)
            .bind(a.lead_org_id)
            .bind(&a.founded_on)
            .bind(&a.description)
            .bind(audit.at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match db_err(e) {
                DomainError::Conflict(_) => DomainError::field("code", "该编码已被使用", "this code is taken"),
                e => e,
            })?;
        let id: i64 = g(&row, "id")?;
        write_audit(&mut tx, &audit).await?;
        let row = sqlx::query(safe!("{ALLIANCE_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        alliance_row(&row)
    }

    async fn alliances_of_org(&self, org_id: i64) -> Result<Vec<Alliance>> {
        let rows = sqlx::query(safe!("{ALLIANCE_SELECT} WHERE a.id IN (SELECT alliance_id FROM alliance_members WHERE org_id = $1) OR a.lead_org_id = $1 ORDER BY a.code"))
            .bind(org_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(alliance_row).collect()
    }

    async fn alliance_members(&self, id: i64) -> Result<Vec<AllianceMember>> {
        let rows = sqlx::query("SELECT id, alliance_id, org_id, name, kind, joined_on FROM alliance_members WHERE alliance_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let k: String = g(r, "kind")?;
                Ok(AllianceMember {
                    id: g(r, "id")?,
                    alliance_id: g(r, "alliance_id")?,
                    org_id: g(r, "org_id")?,
                    name: g(r, "name")?,
                    kind: MemberKind::parse(&k).ok_or_else(|| bad("member kind"))?,
                    joined_on: g(r, "joined_on")?,
                })
            })
            .collect()
    }

    async fn agreements(&self, id: i64) -> Result<Vec<Agreement>> {
        let rows = sqlx::query("SELECT id, alliance_id, title, signed_on, term_months, content FROM alliance_agreements WHERE alliance_id = $1 ORDER BY signed_on DESC, id")
            .bind(id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Agreement {
                    id: g(r, "id")?,
                    alliance_id: g(r, "alliance_id")?,
                    title: g(r, "title")?,
                    signed_on: g(r, "signed_on")?,
                    term_months: g(r, "term_months")?,
                    content: g(r, "content")?,
                })
            })
            .collect()
    }

    async fn activities(&self, id: i64) -> Result<Vec<Activity>> {
        let rows = sqlx::query("SELECT id, alliance_id, held_on, title, place, participants, link, summary FROM alliance_activities WHERE alliance_id = $1 ORDER BY held_on DESC, id DESC")
            .bind(id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let l: String = g(r, "link")?;
                Ok(Activity {
                    id: g(r, "id")?,
                    alliance_id: g(r, "alliance_id")?,
                    held_on: g(r, "held_on")?,
                    title: g(r, "title")?,
                    place: g(r, "place")?,
                    participants: g(r, "participants")?,
                    link: LinkType::parse(&l).ok_or_else(|| bad("link"))?,
                    summary: g(r, "summary")?,
                })
            })
            .collect()
    }

    async fn resources(&self, id: i64) -> Result<Vec<Resource>> {
        let rows = sqlx::query("SELECT r.id, r.alliance_id, r.member_id, m.name AS member_name, r.name, r.category, r.capacity, r.capacity_unit, r.weekdays, r.time_from, r.time_to, r.active FROM alliance_resources r JOIN alliance_members m ON m.id = r.member_id WHERE r.alliance_id = $1 ORDER BY r.category, r.id")
            .bind(id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Resource {
                    id: g(r, "id")?,
                    alliance_id: g(r, "alliance_id")?,
                    member_id: g(r, "member_id")?,
                    member_name: g(r, "member_name")?,
                    name: g(r, "name")?,
                    category: g(r, "category")?,
                    capacity: g(r, "capacity")?,
                    capacity_unit: g(r, "capacity_unit")?,
                    availability: avail(r)?,
                    active: g::<i64>(r, "active")? != 0,
                })
            })
            .collect()
    }

    async fn add_items(
        &self,
        alliance_id: i64,
        items: Vec<AllianceItem>,
        audit: AuditEvent,
    ) -> Result<Vec<i64>> {
        let mut tx = self.write_tx().await?;
        let mut ids = vec![];
        for it in &items {
            let q = match it {
                AllianceItem::Member { org_id, name, kind, joined_on } => sqlx::query("INSERT INTO alliance_members (alliance_id, org_id, name, kind, joined_on) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(alliance_id)
                    .bind(*org_id)
                    .bind(name.clone())
                    .bind(kind.as_str())
                    .bind(joined_on.clone()),
                AllianceItem::Agreement { title, signed_on, term_months, content } => sqlx::query("INSERT INTO alliance_agreements (alliance_id, title, signed_on, term_months, content) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(alliance_id)
                    .bind(title.clone())
                    .bind(signed_on.clone())
                    .bind(*term_months)
                    .bind(content.clone()),
                AllianceItem::Activity { held_on, title, place, participants, link, summary } => sqlx::query("INSERT INTO alliance_activities (alliance_id, held_on, title, place, participants, link, summary) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(alliance_id)
                    .bind(held_on.clone())
                    .bind(title.clone())
                    .bind(place.clone())
                    .bind(*participants)
                    .bind(link.as_str())
                    .bind(summary.clone()),
                AllianceItem::Resource { member_id, name, category, capacity, capacity_unit, availability } => sqlx::query("INSERT INTO alliance_resources (alliance_id, member_id, name, category, capacity, capacity_unit, weekdays, time_from, time_to, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id")
                    .bind(alliance_id)
                    .bind(*member_id)
                    .bind(name.clone())
                    .bind(category.clone())
                    .bind(*capacity)
                    .bind(capacity_unit.clone())
                    .bind(weekdays_text(availability))
                    .bind(availability.from.clone())
                    .bind(availability.to.clone()),
            };
            let row = q.fetch_one(&mut *tx).await.map_err(db_err)?;
            ids.push(g(&row, "id")?);
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ids)
    }
}

fn conflict() -> DomainError {
    DomainError::conflict(
        "该记录已被他人修改，请刷新后重试",
        "someone else changed this record: reload and try again",
    )
}
