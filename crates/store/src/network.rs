use async_trait::async_trait;
use jiceng_core::{AuditEvent, DomainError, Result};
use jiceng_domain::network::rules::{from_e6, is_overdue};
use jiceng_domain::network::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

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

const PLACE_COLS: &str = "id, kind_code, name, unit_id, path, address, lon_e6, lat_e6, hours, phone, model, intro, active, created_ms, updated_ms, version";

fn place_row(r: &AnyRow) -> Result<Place> {
    let lon: Option<i64> = g(r, "lon_e6")?;
    let lat: Option<i64> = g(r, "lat_e6")?;
    Ok(Place {
        id: g(r, "id")?,
        kind_code: g(r, "kind_code")?,
        name: g(r, "name")?,
        unit_id: g(r, "unit_id")?,
        path: g(r, "path")?,
        address: g(r, "address")?,
        lon: lon.map(from_e6),
        lat: lat.map(from_e6),
        hours: g(r, "hours")?,
        phone: g(r, "phone")?,
        model: g::<i64>(r, "model")? != 0,
        intro: g(r, "intro")?,
        active: g::<i64>(r, "active")? != 0,
        services: vec![],
        created_ms: g(r, "created_ms")?,
        updated_ms: g(r, "updated_ms")?,
        version: g(r, "version")?,
    })
}

fn body_row(r: &AnyRow) -> Result<Body> {
    let level: String = g(r, "level")?;
    Ok(Body {
        id: g(r, "id")?,
        level: BodyLevel::parse(&level).ok_or_else(|| bad("level"))?,
        unit_id: g(r, "unit_id")?,
        path: g(r, "path")?,
        name: g(r, "name")?,
        convener: g(r, "convener")?,
        created_ms: g(r, "created_ms")?,
    })
}

fn member_row(r: &AnyRow) -> Result<Member> {
    let kind: String = g(r, "kind")?;
    Ok(Member {
        id: g(r, "id")?,
        body_id: g(r, "body_id")?,
        name: g(r, "name")?,
        kind: MemberKind::parse(&kind).ok_or_else(|| bad("member kind"))?,
        party_org_id: g(r, "party_org_id")?,
        representative: g(r, "representative")?,
        active: g::<i64>(r, "active")? != 0,
    })
}

const RES_COLS: &str = "r.id, r.body_id, b.name AS body_name, b.level, r.meeting_id, r.path, r.title, r.owner, r.owner_member_id, r.deadline, r.status, r.note, r.done_day, r.case_number, r.created_ms, r.updated_ms, r.version";

fn resolution_row(r: &AnyRow, today: &str) -> Result<Resolution> {
    let level: String = g(r, "level")?;
    let status: String = g(r, "status")?;
    let status = ResolutionStatus::parse(&status).ok_or_else(|| bad("status"))?;
    let deadline: String = g(r, "deadline")?;
    let today = jiceng_domain::network::rules::parse_day(today).unwrap_or_default();
    Ok(Resolution {
        id: g(r, "id")?,
        body_id: g(r, "body_id")?,
        body_name: g(r, "body_name")?,
        level: BodyLevel::parse(&level).ok_or_else(|| bad("level"))?,
        meeting_id: g(r, "meeting_id")?,
        path: g(r, "path")?,
        title: g(r, "title")?,
        owner: g(r, "owner")?,
        owner_member_id: g(r, "owner_member_id")?,
        overdue: is_overdue(&deadline, status, today),
        deadline,
        status,
        note: g(r, "note")?,
        done_day: g(r, "done_day")?,
        case_number: g(r, "case_number")?,
        created_ms: g(r, "created_ms")?,
        updated_ms: g(r, "updated_ms")?,
        version: g(r, "version")?,
    })
}

fn reform_row(r: &AnyRow) -> Result<ReformItem> {
    let list: String = g(r, "list")?;
    Ok(ReformItem {
        id: g(r, "id")?,
        unit_id: g(r, "unit_id")?,
        list: ReformList::parse(&list).ok_or_else(|| bad("list"))?,
        name: g(r, "name")?,
        category: g(r, "category")?,
        note: g(r, "note")?,
        sort: g(r, "sort")?,
    })
}

fn team_row(r: &AnyRow) -> Result<LawTeam> {
    Ok(LawTeam {
        id: g(r, "id")?,
        unit_id: g(r, "unit_id")?,
        name: g(r, "name")?,
        department: g(r, "department")?,
        command: g(r, "command")?,
        note: g(r, "note")?,
    })
}

async fn insert_place_tx(conn: &mut AnyConnection, p: &NewPlace) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO network_places (kind_code, name, unit_id, path, address, lon_e6, lat_e6, hours, phone, model, intro, active, created_ms, updated_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1) RETURNING id",
    )
    .bind(&p.kind_code)
    .bind(&p.name)
    .bind(p.unit_id)
    .bind(&p.path)
    .bind(&p.address)
    .bind(p.lon_e6)
    .bind(p.lat_e6)
    .bind(&p.hours)
    .bind(&p.phone)
    .bind(i64::from(p.model))
    .bind(&p.intro)
    .bind(i64::from(p.active))
    .bind(p.at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    insert_services(conn, id, &p.services).await?;
    Ok(id)
}

async fn insert_services(conn: &mut AnyConnection, id: i64, services: &[String]) -> Result<()> {
    for s in services {
        sqlx::query("INSERT INTO network_place_services (place_id, service_code) VALUES ($1, $2)")
            .bind(id)
            .bind(s)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn insert_activity_tx(
    conn: &mut AnyConnection,
    place_id: i64,
    a: &NewActivity,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO network_activities (place_id, day, title, kind, participants, summary, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(place_id)
    .bind(&a.day)
    .bind(&a.title)
    .bind(a.kind.as_str())
    .bind(a.participants)
    .bind(&a.summary)
    .bind(a.at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

async fn insert_body_tx(conn: &mut AnyConnection, b: &NewBody) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jm_bodies (level, unit_id, path, name, convener, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(b.level.as_str())
    .bind(b.unit_id)
    .bind(&b.path)
    .bind(&b.name)
    .bind(&b.convener)
    .bind(b.at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

async fn insert_member_tx(conn: &mut AnyConnection, body_id: i64, m: &NewMember) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jm_members (body_id, name, kind, party_org_id, representative, active) VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
    )
    .bind(body_id)
    .bind(&m.name)
    .bind(m.kind.as_str())
    .bind(m.party_org_id)
    .bind(&m.representative)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

/// Writes a meeting and its attendance; `member_ids` maps the attendance's member
/// references (ids, or indexes for bulk loads) to member ids.
async fn insert_meeting_tx(
    conn: &mut AnyConnection,
    m: &NewMeeting,
    body_id: i64,
    member_id: &(dyn Fn(i64) -> Option<i64> + Send + Sync),
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jm_meetings (body_id, day, place, agenda, minutes, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(body_id)
    .bind(&m.day)
    .bind(&m.place)
    .bind(m.agenda.join("\n"))
    .bind(&m.minutes)
    .bind(m.at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    for (mid, st, deputy) in &m.attendance {
        let mid = member_id(*mid).ok_or_else(|| bad("attendance member"))?;
        sqlx::query(
            "INSERT INTO jm_attendance (meeting_id, member_id, status, deputy) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(mid)
        .bind(st.as_str())
        .bind(deputy)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(id)
}

async fn insert_resolution_tx(conn: &mut AnyConnection, r: &NewResolution) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jm_resolutions (body_id, meeting_id, path, title, owner, owner_member_id, deadline, status, note, done_day, case_number, created_ms, updated_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1) RETURNING id",
    )
    .bind(r.body_id)
    .bind(r.meeting_id)
    .bind(&r.path)
    .bind(&r.title)
    .bind(&r.owner)
    .bind(r.owner_member_id)
    .bind(&r.deadline)
    .bind(r.status.as_str())
    .bind(&r.note)
    .bind(r.done_day.as_deref())
    .bind(r.case_number.as_deref())
    .bind(r.at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

async fn insert_reform_tx(conn: &mut AnyConnection, i: &NewReformItem) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO reform_items (unit_id, path, list, name, category, note, sort) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(i.unit_id)
    .bind(&i.path)
    .bind(i.list.as_str())
    .bind(&i.name)
    .bind(&i.category)
    .bind(&i.note)
    .bind(i.sort)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

async fn insert_team_tx(conn: &mut AnyConnection, t: &NewLawTeam) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO reform_teams (unit_id, path, name, department, command, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(t.unit_id)
    .bind(&t.path)
    .bind(&t.name)
    .bind(&t.department)
    .bind(&t.command)
    .bind(&t.note)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

async fn upsert_delegated_tx(
    conn: &mut AnyConnection,
    unit_id: i64,
    items: Option<i64>,
    note: &str,
    at_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO reform_delegated (unit_id, items, note, updated_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id) DO UPDATE SET items = excluded.items, note = excluded.note, updated_ms = excluded.updated_ms",
    )
    .bind(unit_id)
    .bind(items)
    .bind(note)
    .bind(at_ms)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

impl SqlStore {
    async fn with_services(&self, mut places: Vec<Place>) -> Result<Vec<Place>> {
        if places.is_empty() {
            return Ok(places);
        }
        let rows: Vec<(i64, String)> = if places.len() == 1 {
            sqlx::query_as("SELECT s.place_id, s.service_code FROM network_place_services s JOIN network_services c ON c.code = s.service_code WHERE s.place_id = $1 ORDER BY c.sort")
                .bind(places[0].id)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?
        } else {
            sqlx::query_as("SELECT s.place_id, s.service_code FROM network_place_services s JOIN network_services c ON c.code = s.service_code ORDER BY s.place_id, c.sort")
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?
        };
        for p in &mut places {
            p.services = rows
                .iter()
                .filter(|(id, _)| *id == p.id)
                .map(|(_, s)| s.clone())
                .collect();
        }
        Ok(places)
    }
}

#[async_trait]
impl NetworkStore for SqlStore {
    async fn place_kinds(&self) -> Result<Vec<PlaceKind>> {
        let rows = sqlx::query("SELECT code, name_zh, name_en, level, centre, sort FROM network_place_kinds ORDER BY sort, code")
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(PlaceKind {
                    code: g(r, "code")?,
                    name_zh: g(r, "name_zh")?,
                    name_en: g(r, "name_en")?,
                    level: g(r, "level")?,
                    centre: g::<i64>(r, "centre")? != 0,
                    sort: g(r, "sort")?,
                })
            })
            .collect()
    }

    async fn services(&self) -> Result<Vec<Service>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT code, name_zh, name_en, sort FROM network_services ORDER BY sort, code",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(code, name_zh, name_en, sort)| Service {
                code,
                name_zh,
                name_en,
                sort,
            })
            .collect())
    }

    async fn places(&self, path: &str, kind: Option<&str>) -> Result<Vec<Place>> {
        let (lo, hi) = subtree_range(path);
        let rows = match kind {
            Some(k) => sqlx::query(safe!("SELECT {PLACE_COLS} FROM network_places WHERE active = 1 AND path >= $1 AND path < $2 AND kind_code = $3 ORDER BY path, id"))
                .bind(lo)
                .bind(hi)
                .bind(k)
                .fetch_all(&self.r)
                .await,
            None => sqlx::query(safe!("SELECT {PLACE_COLS} FROM network_places WHERE active = 1 AND path >= $1 AND path < $2 ORDER BY path, id"))
                .bind(lo)
                .bind(hi)
                .fetch_all(&self.r)
                .await,
        }
        .map_err(db_err)?;
        let places = rows.iter().map(place_row).collect::<Result<Vec<_>>>()?;
        self.with_services(places).await
    }

    async fn places_offering(&self, service_code: &str) -> Result<Vec<Place>> {
        let rows = sqlx::query(safe!("SELECT {PLACE_COLS} FROM network_places WHERE active = 1 AND lon_e6 IS NOT NULL AND lat_e6 IS NOT NULL AND id IN (SELECT place_id FROM network_place_services WHERE service_code = $1) ORDER BY id"))
            .bind(service_code)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        let places = rows.iter().map(place_row).collect::<Result<Vec<_>>>()?;
        self.with_services(places).await
    }

    async fn place(&self, id: i64) -> Result<Option<Place>> {
        let row = sqlx::query(safe!(
            "SELECT {PLACE_COLS} FROM network_places WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        match row {
            Some(r) => Ok(self.with_services(vec![place_row(&r)?]).await?.pop()),
            None => Ok(None),
        }
    }

    async fn insert_place(&self, p: NewPlace, audit: AuditEvent) -> Result<Place> {
        let mut tx = self.write_tx().await?;
        let id = insert_place_tx(&mut tx, &p).await?;
        let mut audit = audit;
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.place(id).await?.ok_or(DomainError::NotFound("place"))
    }

    async fn update_place(
        &self,
        id: i64,
        expected_version: i64,
        p: NewPlace,
        audit: AuditEvent,
    ) -> Result<Place> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE network_places SET kind_code = $1, name = $2, unit_id = $3, path = $4, address = $5, lon_e6 = $6, lat_e6 = $7, hours = $8, phone = $9, model = $10, intro = $11, active = $12, updated_ms = $13, version = version + 1 WHERE id = $14 AND version = $15",
        )
        .bind(&p.kind_code)
        .bind(&p.name)
        .bind(p.unit_id)
        .bind(&p.path)
        .bind(&p.address)
        .bind(p.lon_e6)
        .bind(p.lat_e6)
        .bind(&p.hours)
        .bind(&p.phone)
        .bind(i64::from(p.model))
        .bind(&p.intro)
        .bind(i64::from(p.active))
        .bind(p.at_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(DomainError::conflict(
                "该阵地已被他人修改，请刷新后重试",
                "the place was changed by someone else: reload and try again",
            ));
        }
        sqlx::query("DELETE FROM network_place_services WHERE place_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_services(&mut tx, id, &p.services).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.place(id).await?.ok_or(DomainError::NotFound("place"))
    }

    async fn activities(&self, place_id: i64, limit: i64) -> Result<Vec<Activity>> {
        let rows = sqlx::query("SELECT id, place_id, day, title, kind, participants, summary, created_ms FROM network_activities WHERE place_id = $1 ORDER BY day DESC, id DESC LIMIT $2")
            .bind(place_id)
            .bind(limit)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let kind: String = g(r, "kind")?;
                Ok(Activity {
                    id: g(r, "id")?,
                    place_id: g(r, "place_id")?,
                    day: g(r, "day")?,
                    title: g(r, "title")?,
                    kind: ActivityKind::parse(&kind).ok_or_else(|| bad("activity kind"))?,
                    participants: g(r, "participants")?,
                    summary: g(r, "summary")?,
                    created_ms: g(r, "created_ms")?,
                })
            })
            .collect()
    }

    async fn insert_activity(&self, a: NewActivity, audit: AuditEvent) -> Result<Activity> {
        let mut tx = self.write_tx().await?;
        let id = insert_activity_tx(&mut tx, a.place_id, &a).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Activity {
            id,
            place_id: a.place_id,
            day: a.day,
            title: a.title,
            kind: a.kind,
            participants: a.participants,
            summary: a.summary,
            created_ms: a.at_ms,
        })
    }

    async fn place_counts(&self) -> Result<Vec<(String, bool, i64)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT kind_code, model, COUNT(*) FROM network_places WHERE active = 1 GROUP BY kind_code, model",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|(k, m, n)| (k, m != 0, n)).collect())
    }

    async fn bodies(&self, path: &str, level: Option<BodyLevel>) -> Result<Vec<Body>> {
        let (lo, hi) = subtree_range(path);
        let rows = match level {
            Some(l) => sqlx::query("SELECT * FROM jm_bodies WHERE path >= $1 AND path < $2 AND level = $3 ORDER BY path, id")
                .bind(lo)
                .bind(hi)
                .bind(l.as_str())
                .fetch_all(&self.r)
                .await,
            None => sqlx::query("SELECT * FROM jm_bodies WHERE path >= $1 AND path < $2 ORDER BY path, id")
                .bind(lo)
                .bind(hi)
                .fetch_all(&self.r)
                .await,
        }
        .map_err(db_err)?;
        rows.iter().map(body_row).collect()
    }

    async fn body(&self, id: i64) -> Result<Option<Body>> {
        sqlx::query("SELECT * FROM jm_bodies WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(body_row)
            .transpose()
    }

    async fn insert_body(
        &self,
        b: NewBody,
        members: Vec<NewMember>,
        audit: AuditEvent,
    ) -> Result<Body> {
        let mut tx = self.write_tx().await?;
        let id = insert_body_tx(&mut tx, &b).await?;
        for m in &members {
            insert_member_tx(&mut tx, id, m).await?;
        }
        let mut audit = audit;
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.body(id)
            .await?
            .ok_or(DomainError::NotFound("joint_meeting"))
    }

    async fn members(&self, body_id: i64) -> Result<Vec<Member>> {
        let rows = sqlx::query("SELECT * FROM jm_members WHERE body_id = $1 ORDER BY id")
            .bind(body_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(member_row).collect()
    }

    async fn insert_member(&self, body_id: i64, m: NewMember, audit: AuditEvent) -> Result<Member> {
        let mut tx = self.write_tx().await?;
        let id = insert_member_tx(&mut tx, body_id, &m).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Member {
            id,
            body_id,
            name: m.name,
            kind: m.kind,
            party_org_id: m.party_org_id,
            representative: m.representative,
            active: true,
        })
    }

    async fn meetings(&self, body_id: i64) -> Result<Vec<Meeting>> {
        let rows =
            sqlx::query("SELECT * FROM jm_meetings WHERE body_id = $1 ORDER BY day DESC, id DESC")
                .bind(body_id)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        let att = sqlx::query("SELECT a.meeting_id, a.member_id, m.name, a.status, a.deputy FROM jm_attendance a JOIN jm_members m ON m.id = a.member_id JOIN jm_meetings t ON t.id = a.meeting_id WHERE t.body_id = $1 ORDER BY a.member_id")
            .bind(body_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        let mut att_rows: Vec<(i64, Attendance)> = vec![];
        for r in &att {
            let st: String = g(r, "status")?;
            att_rows.push((
                g(r, "meeting_id")?,
                Attendance {
                    member_id: g(r, "member_id")?,
                    member_name: g(r, "name")?,
                    status: AttendanceStatus::parse(&st).ok_or_else(|| bad("attendance"))?,
                    deputy: g(r, "deputy")?,
                },
            ));
        }
        rows.iter()
            .map(|r| {
                let id: i64 = g(r, "id")?;
                let agenda: String = g(r, "agenda")?;
                Ok(Meeting {
                    id,
                    body_id: g(r, "body_id")?,
                    day: g(r, "day")?,
                    place: g(r, "place")?,
                    agenda: agenda.lines().map(String::from).collect(),
                    minutes: g(r, "minutes")?,
                    attendance: att_rows
                        .iter()
                        .filter(|(m, _)| *m == id)
                        .map(|(_, a)| a.clone())
                        .collect(),
                    created_ms: g(r, "created_ms")?,
                })
            })
            .collect()
    }

    async fn insert_meeting(
        &self,
        m: NewMeeting,
        resolutions: Vec<NewResolution>,
        audit: AuditEvent,
    ) -> Result<Meeting> {
        let mut tx = self.write_tx().await?;
        let id = insert_meeting_tx(&mut tx, &m, m.body_id, &|x| Some(x)).await?;
        for r in &resolutions {
            let mut r = r.clone();
            r.meeting_id = Some(id);
            insert_resolution_tx(&mut tx, &r).await?;
        }
        let mut audit = audit;
        audit.entity_id = m.body_id.to_string();
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.meetings(m.body_id)
            .await?
            .into_iter()
            .find(|x| x.id == id)
            .ok_or(DomainError::NotFound("meeting"))
    }

    async fn resolutions(&self, f: &ResolutionFilter, today: &str) -> Result<Vec<Resolution>> {
        let (lo, hi) = subtree_range(&f.path);
        let mut sql = format!(
            "SELECT {RES_COLS} FROM jm_resolutions r JOIN jm_bodies b ON b.id = r.body_id WHERE r.path >= $1 AND r.path < $2"
        );
        let mut n = 2;
        let mut next = || {
            n += 1;
            n
        };
        if f.body_id.is_some() {
            sql.push_str(&format!(" AND r.body_id = ${}", next()));
        }
        if f.level.is_some() {
            sql.push_str(&format!(" AND b.level = ${}", next()));
        }
        if f.open_only || f.overdue_before.is_some() {
            sql.push_str(" AND r.status <> 'done'");
        }
        if f.overdue_before.is_some() {
            sql.push_str(&format!(" AND r.deadline < ${}", next()));
        }
        sql.push_str(&format!(" ORDER BY r.deadline, r.id LIMIT ${}", next()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(lo).bind(hi);
        if let Some(b) = f.body_id {
            q = q.bind(b);
        }
        if let Some(l) = f.level {
            q = q.bind(l.as_str());
        }
        if let Some(d) = &f.overdue_before {
            q = q.bind(d.clone());
        }
        let rows = q
            .bind(f.limit.clamp(1, 10_000))
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| resolution_row(r, today)).collect()
    }

    async fn resolution(&self, id: i64, today: &str) -> Result<Option<Resolution>> {
        sqlx::query(safe!("SELECT {RES_COLS} FROM jm_resolutions r JOIN jm_bodies b ON b.id = r.body_id WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(|r| resolution_row(r, today))
            .transpose()
    }

    async fn insert_resolution(&self, r: NewResolution, audit: AuditEvent) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let id = insert_resolution_tx(&mut tx, &r).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

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
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE jm_resolutions SET status = $1, note = $2, done_day = $3, updated_ms = $4, version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(status.as_str())
        .bind(note)
        .bind(done_day)
        .bind(at_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(DomainError::conflict(
                "该决议事项已被他人更新，请刷新后重试",
                "the resolution was changed by someone else: reload and try again",
            ));
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn reform_items(&self, unit_id: i64) -> Result<Vec<ReformItem>> {
        let rows =
            sqlx::query("SELECT * FROM reform_items WHERE unit_id = $1 ORDER BY list, sort, id")
                .bind(unit_id)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        rows.iter().map(reform_row).collect()
    }

    async fn reform_item(&self, id: i64) -> Result<Option<ReformItem>> {
        sqlx::query("SELECT * FROM reform_items WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(reform_row)
            .transpose()
    }

    async fn insert_reform_item(&self, i: NewReformItem, audit: AuditEvent) -> Result<ReformItem> {
        let mut tx = self.write_tx().await?;
        let id = insert_reform_tx(&mut tx, &i).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ReformItem {
            id,
            unit_id: i.unit_id,
            list: i.list,
            name: i.name,
            category: i.category,
            note: i.note,
            sort: i.sort,
        })
    }

    async fn delete_reform_item(&self, id: i64, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM reform_items WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn law_teams(&self, unit_id: i64) -> Result<Vec<LawTeam>> {
        let rows = sqlx::query("SELECT * FROM reform_teams WHERE unit_id = $1 ORDER BY id")
            .bind(unit_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(team_row).collect()
    }

    async fn law_team(&self, id: i64) -> Result<Option<LawTeam>> {
        sqlx::query("SELECT * FROM reform_teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(team_row)
            .transpose()
    }

    async fn insert_law_team(&self, t: NewLawTeam, audit: AuditEvent) -> Result<LawTeam> {
        let mut tx = self.write_tx().await?;
        let id = insert_team_tx(&mut tx, &t).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(LawTeam {
            id,
            unit_id: t.unit_id,
            name: t.name,
            department: t.department,
            command: t.command,
            note: t.note,
        })
    }

    async fn delete_law_team(&self, id: i64, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM reform_teams WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn delegated(&self, unit_id: i64) -> Result<Option<Delegated>> {
        let row: Option<(i64, Option<i64>, String, i64)> = sqlx::query_as(
            "SELECT unit_id, items, note, updated_ms FROM reform_delegated WHERE unit_id = $1",
        )
        .bind(unit_id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        Ok(row.map(|(unit_id, items, note, updated_ms)| Delegated {
            unit_id,
            items,
            note,
            updated_ms,
        }))
    }

    async fn set_delegated(
        &self,
        unit_id: i64,
        items: Option<i64>,
        note: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        upsert_delegated_tx(&mut tx, unit_id, items, note, at_ms).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn reform_counts(&self) -> Result<Vec<ReformCount>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT unit_id, list, category, COUNT(*) FROM reform_items GROUP BY unit_id, list, category",
        )
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(unit_id, list, category, n)| {
                Ok(ReformCount {
                    unit_id,
                    list: ReformList::parse(&list).ok_or_else(|| bad("list"))?,
                    category,
                    n,
                })
            })
            .collect()
    }

    async fn import_places(
        &self,
        places: Vec<(NewPlace, Vec<NewActivity>)>,
        audit: AuditEvent,
    ) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let mut n = 0;
        for (p, acts) in &places {
            let id = insert_place_tx(&mut tx, p).await?;
            for a in acts {
                insert_activity_tx(&mut tx, id, a).await?;
            }
            n += 1;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(n)
    }

    async fn import_bodies(&self, bodies: Vec<BodyBundle>, audit: AuditEvent) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let mut n = 0;
        for b in &bodies {
            let id = insert_body_tx(&mut tx, &b.body).await?;
            let mut ids = vec![];
            for m in &b.members {
                ids.push(insert_member_tx(&mut tx, id, m).await?);
            }
            let by_index = |i: i64| usize::try_from(i).ok().and_then(|i| ids.get(i).copied());
            for (m, resolutions) in &b.meetings {
                let mid = insert_meeting_tx(&mut tx, m, id, &by_index).await?;
                for r in resolutions {
                    let mut r = r.clone();
                    r.body_id = id;
                    r.meeting_id = Some(mid);
                    r.owner_member_id = r.owner_member_id.and_then(by_index);
                    insert_resolution_tx(&mut tx, &r).await?;
                }
            }
            n += 1;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(n)
    }

    async fn import_reform(
        &self,
        items: Vec<NewReformItem>,
        teams: Vec<NewLawTeam>,
        delegated: Vec<(i64, Option<i64>, String)>,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        for i in &items {
            insert_reform_tx(&mut tx, i).await?;
        }
        for t in &teams {
            insert_team_tx(&mut tx, t).await?;
        }
        for (u, n, note) in &delegated {
            upsert_delegated_tx(&mut tx, *u, *n, note, at_ms).await?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok((items.len() + teams.len()) as u64)
    }
}
