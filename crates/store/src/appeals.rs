use async_trait::async_trait;
use chrono::NaiveDate;
use jiceng_core::{AuditEvent, DomainError, Page, PageRequest, Result};
use jiceng_domain::appeals::calendar::{Calendar, DayKind};
use jiceng_domain::appeals::store::*;
use jiceng_domain::appeals::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::bulk::{self, Col, col};
use crate::writer_stats::{self, Clock, Phase};
use crate::{SqlStore, db_err, subtree_range, write_audit};
use std::sync::Arc;

const CASE_COLS: &str = "id, number, channel, category_code, description, lon, lat, address, grid_id, estate_id, building_id, path, status, level, coord_unit_id, assignee_unit_id, assignee_dept_id, reporter_user_id, reporter_name, reporter_phone_enc, reporter_phone_mask, anonymous, attributes, media_url, created_ms, accepted_ms, dispatched_ms, response_due_ms, responded_ms, due_ms, feedback_ms, verified_ms, closed_ms, closed_level, result, reject_reason, overdue, reminded, escalations, returned, reopen_count, satisfaction, rating_note, rated_ms, pending_kind, pending_note, pending_days, pending_dept_id, pending_by, joint_meeting, track_token, version, updated_ms";

fn g<'r, T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>>(
    r: &'r AnyRow,
    c: &str,
) -> Result<T> {
    r.try_get(c).map_err(db_err)
}

fn bad(what: &str) -> DomainError {
    DomainError::internal(format!("bad stored value: {what}"))
}

/// A case row's columns as stored, in [`CASE_COLS`] order: read from a row, or (SQLite
/// lists) from one JSON array per row ([`case_json_cols`]). [`CaseCols::into_case`] is the
/// one mapping from stored values to a [`Case`].
#[derive(serde::Deserialize)]
struct CaseCols {
    id: i64,
    number: String,
    channel: String,
    category_code: String,
    description: String,
    #[serde(deserialize_with = "exact_real")]
    lon: Option<f64>,
    #[serde(deserialize_with = "exact_real")]
    lat: Option<f64>,
    address: String,
    grid_id: i64,
    estate_id: Option<i64>,
    building_id: Option<i64>,
    path: String,
    status: String,
    level: String,
    coord_unit_id: i64,
    assignee_unit_id: Option<i64>,
    assignee_dept_id: Option<i64>,
    reporter_user_id: Option<i64>,
    reporter_name: String,
    reporter_phone_enc: Option<String>,
    reporter_phone_mask: Option<String>,
    anonymous: i64,
    attributes: String,
    media_url: Option<String>,
    created_ms: i64,
    accepted_ms: Option<i64>,
    dispatched_ms: Option<i64>,
    response_due_ms: Option<i64>,
    responded_ms: Option<i64>,
    due_ms: Option<i64>,
    feedback_ms: Option<i64>,
    verified_ms: Option<i64>,
    closed_ms: Option<i64>,
    closed_level: Option<String>,
    result: Option<String>,
    reject_reason: Option<String>,
    overdue: i64,
    reminded: i64,
    escalations: i64,
    returned: i64,
    reopen_count: i64,
    satisfaction: Option<String>,
    rating_note: Option<String>,
    rated_ms: Option<i64>,
    pending_kind: Option<String>,
    pending_note: Option<String>,
    pending_days: Option<i64>,
    pending_dept_id: Option<i64>,
    pending_by: Option<String>,
    joint_meeting: Option<String>,
    track_token: String,
    version: i64,
    updated_ms: i64,
}

/// A coordinate from a SQLite list's JSON: exact text (`printf('%!.17g')`, since SQLite
/// writes a JSON number with 15 digits only), or null.
fn exact_real<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(d)?
        .map(|t| t.parse().map_err(serde::de::Error::custom))
        .transpose()
}

impl CaseCols {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(CaseCols {
            id: g(r, "id")?,
            number: g(r, "number")?,
            channel: g(r, "channel")?,
            category_code: g(r, "category_code")?,
            description: g(r, "description")?,
            lon: g(r, "lon")?,
            lat: g(r, "lat")?,
            address: g(r, "address")?,
            grid_id: g(r, "grid_id")?,
            estate_id: g(r, "estate_id")?,
            building_id: g(r, "building_id")?,
            path: g(r, "path")?,
            status: g(r, "status")?,
            level: g(r, "level")?,
            coord_unit_id: g(r, "coord_unit_id")?,
            assignee_unit_id: g(r, "assignee_unit_id")?,
            assignee_dept_id: g(r, "assignee_dept_id")?,
            reporter_user_id: g(r, "reporter_user_id")?,
            reporter_name: g(r, "reporter_name")?,
            reporter_phone_enc: g(r, "reporter_phone_enc")?,
            reporter_phone_mask: g(r, "reporter_phone_mask")?,
            anonymous: g(r, "anonymous")?,
            attributes: g(r, "attributes")?,
            media_url: g(r, "media_url")?,
            created_ms: g(r, "created_ms")?,
            accepted_ms: g(r, "accepted_ms")?,
            dispatched_ms: g(r, "dispatched_ms")?,
            response_due_ms: g(r, "response_due_ms")?,
            responded_ms: g(r, "responded_ms")?,
            due_ms: g(r, "due_ms")?,
            feedback_ms: g(r, "feedback_ms")?,
            verified_ms: g(r, "verified_ms")?,
            closed_ms: g(r, "closed_ms")?,
            closed_level: g(r, "closed_level")?,
            result: g(r, "result")?,
            reject_reason: g(r, "reject_reason")?,
            overdue: g(r, "overdue")?,
            reminded: g(r, "reminded")?,
            escalations: g(r, "escalations")?,
            returned: g(r, "returned")?,
            reopen_count: g(r, "reopen_count")?,
            satisfaction: g(r, "satisfaction")?,
            rating_note: g(r, "rating_note")?,
            rated_ms: g(r, "rated_ms")?,
            pending_kind: g(r, "pending_kind")?,
            pending_note: g(r, "pending_note")?,
            pending_days: g(r, "pending_days")?,
            pending_dept_id: g(r, "pending_dept_id")?,
            pending_by: g(r, "pending_by")?,
            joint_meeting: g(r, "joint_meeting")?,
            track_token: g(r, "track_token")?,
            version: g(r, "version")?,
            updated_ms: g(r, "updated_ms")?,
        })
    }

    fn into_case(self) -> Result<Case> {
        Ok(Case {
            id: self.id,
            number: self.number,
            channel: Channel::parse(&self.channel).ok_or_else(|| bad("channel"))?,
            category_code: self.category_code,
            description: self.description,
            lon: self.lon,
            lat: self.lat,
            address: self.address,
            grid_id: self.grid_id,
            estate_id: self.estate_id,
            building_id: self.building_id,
            path: self.path,
            status: Status::parse(&self.status).ok_or_else(|| bad("status"))?,
            level: Level::parse(&self.level).ok_or_else(|| bad("level"))?,
            coord_unit_id: self.coord_unit_id,
            assignee_unit_id: self.assignee_unit_id,
            assignee_dept_id: self.assignee_dept_id,
            reporter_user_id: self.reporter_user_id,
            reporter_name: self.reporter_name,
            reporter_phone_enc: self.reporter_phone_enc,
            reporter_phone_mask: self.reporter_phone_mask,
            anonymous: self.anonymous != 0,
            attributes: serde_json::from_str(&self.attributes).unwrap_or(serde_json::json!({})),
            media_url: self.media_url,
            created_ms: self.created_ms,
            accepted_ms: self.accepted_ms,
            dispatched_ms: self.dispatched_ms,
            response_due_ms: self.response_due_ms,
            responded_ms: self.responded_ms,
            due_ms: self.due_ms,
            feedback_ms: self.feedback_ms,
            verified_ms: self.verified_ms,
            closed_ms: self.closed_ms,
            closed_level: self.closed_level.as_deref().and_then(Level::parse),
            result: self.result,
            reject_reason: self.reject_reason,
            overdue: self.overdue != 0,
            reminded: self.reminded != 0,
            escalations: self.escalations,
            returned: self.returned,
            reopen_count: self.reopen_count,
            satisfaction: self.satisfaction.as_deref().and_then(Satisfaction::parse),
            rating_note: self.rating_note,
            rated_ms: self.rated_ms,
            pending: match self.pending_kind.as_deref().and_then(RequestKind::parse) {
                Some(kind) => Some(PendingRequest {
                    kind,
                    note: self.pending_note.unwrap_or_default(),
                    days: self.pending_days,
                    dept_id: self.pending_dept_id,
                    by: self.pending_by.unwrap_or_default(),
                }),
                None => None,
            },
            joint_meeting: self.joint_meeting,
            track_token: self.track_token,
            version: self.version,
            updated_ms: self.updated_ms,
        })
    }
}

fn case_row(r: &AnyRow) -> Result<Case> {
    CaseCols::from_row(r)?.into_case()
}

/// SQLite: [`CASE_COLS`] as the arguments of `json_array(…)`, the coordinates as exact
/// text.
fn case_json_cols() -> &'static str {
    static COLS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLS.get_or_init(|| {
        CASE_COLS
            .split(", ")
            .map(|c| match c {
                "lon" | "lat" => format!("iif({c} IS NULL, NULL, printf('%!.17g', {c}))"),
                c => c.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// SQLite: the cases of a list's JSON (see [`SqlStore::search`]), in its order.
fn cases_from_json(text: &str) -> Result<Vec<Case>> {
    let rows: Vec<CaseCols> =
        serde_json::from_str(text).map_err(|e| bad(&format!("case list: {e}")))?;
    rows.into_iter().map(CaseCols::into_case).collect()
}

fn category_row(r: &AnyRow) -> Result<Category> {
    let responsible: String = g(r, "responsible")?;
    let unit: String = g(r, "limit_unit")?;
    let attributes: String = g(r, "attributes")?;
    Ok(Category {
        code: g(r, "code")?,
        parent_code: g(r, "parent_code")?,
        name_zh: g(r, "name_zh")?,
        name_en: g(r, "name_en")?,
        source: g(r, "source")?,
        responsible: Responsible::parse(&responsible).ok_or_else(|| bad("responsible"))?,
        department_code: g(r, "department_code")?,
        response_hours: g(r, "response_hours")?,
        limit_amount: g(r, "limit_amount")?,
        limit_unit: LimitUnit::parse(&unit).ok_or_else(|| bad("limit_unit"))?,
        attributes: serde_json::from_str(&attributes).unwrap_or(serde_json::json!([])),
        active: g::<i64>(r, "active")? != 0,
    })
}

fn notice_row(r: &AnyRow) -> Result<Notice> {
    Ok(Notice {
        id: g(r, "id")?,
        at_ms: g(r, "at_ms")?,
        channel: g(r, "channel")?,
        recipient: g(r, "recipient")?,
        case_id: g(r, "case_id")?,
        text: g(r, "text")?,
        sent_ms: g(r, "sent_ms")?,
    })
}

/// SQLite: notices as `json_array(id, at_ms, channel, recipient, case_id, text, sent_ms)`
/// rows of one JSON array.
fn notices_from_json(text: &str) -> Result<Vec<Notice>> {
    type Row = (i64, i64, String, String, Option<i64>, String, Option<i64>);
    let rows: Vec<Row> = serde_json::from_str(text).map_err(|e| bad(&format!("notices: {e}")))?;
    Ok(rows
        .into_iter()
        .map(
            |(id, at_ms, channel, recipient, case_id, text, sent_ms)| Notice {
                id,
                at_ms,
                channel,
                recipient,
                case_id,
                text,
                sent_ms,
            },
        )
        .collect())
}

fn dept_row(r: &AnyRow) -> Result<Department> {
    let kind: String = g(r, "kind")?;
    Ok(Department {
        id: g(r, "id")?,
        code: g(r, "code")?,
        name: g(r, "name")?,
        kind: DeptKind::parse(&kind).ok_or_else(|| bad("dept kind"))?,
        unit_id: g(r, "unit_id")?,
        phone: g(r, "phone")?,
        active: g::<i64>(r, "active")? != 0,
    })
}

async fn insert_event(
    conn: &mut AnyConnection,
    case_id: i64,
    at_ms: i64,
    e: &NewEvent,
    login: &str,
    role: &str,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO case_events (case_id, at_ms, action, from_status, to_status, actor_login, actor_role, note, public) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(case_id)
    .bind(at_ms)
    .bind(&e.action)
    .bind(e.from_status.map(|s| s.as_str()))
    .bind(e.to_status.map(|s| s.as_str()))
    .bind(login)
    .bind(role)
    .bind(&e.note)
    .bind(e.public as i64)
    .fetch_one(conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

async fn insert_photos(
    conn: &mut AnyConnection,
    case_id: i64,
    event_id: i64,
    kind: &str,
    photos: &[NewPhoto],
    at_ms: i64,
) -> Result<()> {
    for p in photos {
        sqlx::query(
            "INSERT INTO case_attachments (case_id, event_id, kind, content_type, bytes, size, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(case_id)
        .bind(event_id)
        .bind(kind)
        .bind(&p.content_type)
        .bind(p.bytes.clone())
        .bind(p.bytes.len() as i64)
        .bind(at_ms)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

async fn insert_notices(
    conn: &mut AnyConnection,
    case_id: Option<i64>,
    at_ms: i64,
    notices: &[NewNotice],
) -> Result<()> {
    for n in notices {
        sqlx::query(
            "INSERT INTO notifications (at_ms, channel, recipient, case_id, text) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(at_ms)
        .bind(&n.channel)
        .bind(&n.recipient)
        .bind(case_id)
        .bind(&n.text)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

async fn insert_parties(conn: &mut AnyConnection, case_id: i64, parties: &[Party]) -> Result<()> {
    for p in parties {
        sqlx::query("DELETE FROM case_parties WHERE case_id = $1 AND role = $2")
            .bind(case_id)
            .bind(&p.role)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO case_parties (case_id, role, name) VALUES ($1, $2, $3)")
            .bind(case_id)
            .bind(&p.role)
            .bind(&p.name)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Inserts a case row; returns its id and number.
async fn insert_case_row(
    conn: &mut AnyConnection,
    c: &NewCase,
    fields: Option<&Case>,
) -> Result<(i64, String)> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO case_counters (day, n) VALUES ($1, 1) ON CONFLICT (day) DO UPDATE SET n = case_counters.n + 1 RETURNING n",
    )
    .bind(&c.day)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    let number = format!("{}-{:04}", c.day, n);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO cases (number, channel, category_code, description, lon, lat, address, grid_id, estate_id, building_id, path, status, level, coord_unit_id, \
         reporter_user_id, reporter_name, reporter_phone_enc, reporter_phone_mask, anonymous, attributes, media_url, created_ms, accepted_ms, due_ms, idem_key, track_token, version, updated_ms) \
         VALUES ($1, $2, $3, $4, CAST($5 AS DOUBLE PRECISION), CAST($6 AS DOUBLE PRECISION), $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, 1, $22) RETURNING id",
    )
    .bind(&number)
    .bind(c.channel.as_str())
    .bind(&c.category_code)
    .bind(&c.description)
    // Coordinates go as text: sqlx 0.9's Any driver binds a NULL f64 as float4 on
    // PostgreSQL, which then breaks the cached statement for non-NULL values.
    .bind(c.lon.map(|v| v.to_string()))
    .bind(c.lat.map(|v| v.to_string()))
    .bind(&c.address)
    .bind(c.grid_id)
    .bind(c.estate_id)
    .bind(c.building_id)
    .bind(&c.path)
    .bind(c.status.as_str())
    .bind(c.level.as_str())
    .bind(c.coord_unit_id)
    .bind(c.reporter_user_id)
    .bind(&c.reporter_name)
    .bind(&c.reporter_phone_enc)
    .bind(&c.reporter_phone_mask)
    .bind(c.anonymous as i64)
    .bind(c.attributes.to_string())
    .bind(&c.media_url)
    .bind(c.created_ms)
    .bind(c.accepted_ms)
    .bind(c.due_ms)
    .bind(&c.idem_key)
    .bind(&c.track_token)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    if let Some(f) = fields {
        write_fields(conn, id, f, None).await?;
    }
    Ok((id, number))
}

/// Writes the workflow fields of a case; with `expected` only if the version matches.
async fn write_fields(
    conn: &mut AnyConnection,
    id: i64,
    c: &Case,
    expected: Option<i64>,
) -> Result<bool> {
    let p = c.pending.as_ref();
    let sql = format!(
        "UPDATE cases SET status = $1, level = $2, coord_unit_id = $3, assignee_unit_id = $4, assignee_dept_id = $5, accepted_ms = $6, dispatched_ms = $7, \
         response_due_ms = $8, responded_ms = $9, due_ms = $10, feedback_ms = $11, verified_ms = $12, closed_ms = $13, closed_level = $14, result = $15, \
         reject_reason = $16, overdue = $17, reminded = $18, escalations = $19, returned = $20, reopen_count = $21, satisfaction = $22, rating_note = $23, \
         rated_ms = $24, pending_kind = $25, pending_note = $26, pending_days = $27, pending_dept_id = $28, pending_by = $29, joint_meeting = $30, \
         version = $31, updated_ms = $32 WHERE id = $33{}",
        if expected.is_some() {
            " AND version = $34"
        } else {
            ""
        }
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(c.status.as_str())
        .bind(c.level.as_str())
        .bind(c.coord_unit_id)
        .bind(c.assignee_unit_id)
        .bind(c.assignee_dept_id)
        .bind(c.accepted_ms)
        .bind(c.dispatched_ms)
        .bind(c.response_due_ms)
        .bind(c.responded_ms)
        .bind(c.due_ms)
        .bind(c.feedback_ms)
        .bind(c.verified_ms)
        .bind(c.closed_ms)
        .bind(c.closed_level.map(|l| l.as_str()))
        .bind(&c.result)
        .bind(&c.reject_reason)
        .bind(c.overdue as i64)
        .bind(c.reminded as i64)
        .bind(c.escalations)
        .bind(c.returned)
        .bind(c.reopen_count)
        .bind(c.satisfaction.map(|s| s.as_str()))
        .bind(&c.rating_note)
        .bind(c.rated_ms)
        .bind(p.map(|p| p.kind.as_str()))
        .bind(p.map(|p| p.note.clone()))
        .bind(p.and_then(|p| p.days))
        .bind(p.and_then(|p| p.dept_id))
        .bind(p.map(|p| p.by.clone()))
        .bind(&c.joint_meeting)
        .bind(c.version)
        .bind(c.updated_ms)
        .bind(id);
    if let Some(v) = expected {
        q = q.bind(v);
    }
    let r = q.execute(&mut *conn).await.map_err(db_err)?;
    Ok(r.rows_affected() == 1)
}

async fn fetch_case(conn: &mut AnyConnection, id: i64) -> Result<Case> {
    let row = sqlx::query(safe!("SELECT {CASE_COLS} FROM cases WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    case_row(&row)
}

/// The WHERE clause of a case query, with its text and integer parameters in order.
struct Where {
    sql: String,
    params: Vec<P>,
}

enum P {
    T(String),
    I(i64),
}

impl Where {
    fn new() -> Self {
        Where {
            sql: "1 = 1".into(),
            params: vec![],
        }
    }
    fn next(&self) -> usize {
        self.params.len() + 1
    }
    fn text(&mut self, cond: &str, v: String) {
        let n = self.next();
        self.sql
            .push_str(&format!(" AND {}", cond.replace("$?", &format!("${n}"))));
        self.params.push(P::T(v));
    }
    fn int(&mut self, cond: &str, v: i64) {
        let n = self.next();
        self.sql
            .push_str(&format!(" AND {}", cond.replace("$?", &format!("${n}"))));
        self.params.push(P::I(v));
    }
    fn raw(&mut self, cond: &str) {
        self.sql.push_str(&format!(" AND {cond}"));
    }
    fn bind<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for p in &self.params {
            q = match p {
                P::T(t) => q.bind(t.as_str()),
                P::I(i) => q.bind(*i),
            };
        }
        q
    }
}

/// When a case's handlers are reminded: three quarters of the way from acceptance to
/// the deadline. The expression `cases_remind` is keyed by (migration 0015).
const REMIND_MOMENT: &str = "accepted_ms + (due_ms - accepted_ms) * 3 / 4";

/// The deadline sweep's two look-ups, `$1` the moment and `$2` the most rows: the open
/// cases past their deadline and not yet marked overdue (earliest deadline first), then
/// those past their reminder moment and not yet reminded (earliest moment first). Each
/// reads its own partial index in its order and stops at the limit, so a sweep costs
/// what is due, not what is open — whatever the planner's statistics say (they may be
/// stale: PostgreSQL's autovacuum can be off). SQLite is told the index (`INDEXED BY`);
/// PostgreSQL runs them with sorting disabled ([`SqlStore::sweep_rows`]), and the index
/// is the one way to the order without a sort. Left to its statistics, taken before the
/// open cases came in, PostgreSQL expected a handful of rows from another index (by
/// status, or by status and deadline), read every open case through it and sorted them:
/// 0.95 s a sweep at 0.5 M cases, against 1.7 ms.
fn sweep_sql(sqlite: bool) -> [String; 2] {
    let swept = status_literals(&Status::SWEPT);
    let by = |index: &str| {
        if sqlite {
            format!("INDEXED BY {index}")
        } else {
            String::new()
        }
    };
    [
        format!(
            "SELECT {CASE_COLS} FROM cases {} WHERE status IN ({swept}) AND overdue = 0 AND due_ms IS NOT NULL \
             AND due_ms < $1 ORDER BY due_ms LIMIT $2",
            by("cases_due")
        ),
        // `due_ms + 0`: the deadline is checked on the rows read, never a way in.
        format!(
            "SELECT {CASE_COLS} FROM cases {} WHERE status IN ({swept}) AND reminded = 0 AND overdue = 0 AND due_ms IS NOT NULL \
             AND {REMIND_MOMENT} <= $1 AND due_ms + 0 >= $1 ORDER BY {REMIND_MOMENT} LIMIT $2",
            by("cases_remind")
        ),
    ]
}

/// Statuses as SQL literals, `'accepted', 'dispatched'` (the enum's own names, so
/// nothing from outside reaches the text).
fn status_literals(statuses: &[Status]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn where_of(q: &CaseQuery) -> Where {
    let mut w = Where::new();
    if let Some(path) = &q.path {
        let (lo, hi) = subtree_range(path);
        // A district's or a sub-district's subtree is written into the statement, a
        // community's or a grid's bound. SQLite is built with SQLITE_ENABLE_QPSG
        // (`.cargo/config.toml`): its planner no longer looks at bound values, so a
        // cached statement is not planned again whenever a value changes (under STAT4
        // every list query was: 39 % of an inbox's CPU went to `sqlite3Reprepare`). One
        // plan then serves every community and grid, which suits them; a large scope
        // needs its own, planned on its real size, and there are few of them: each gets
        // a statement of its own, planned once per connection.
        let large = path.len() <= crate::SUBDISTRICT_PATH_LEN
            && path.ends_with('/')
            && path.bytes().all(|b| b == b'/' || b.is_ascii_digit());
        if large {
            w.raw(&format!("path >= '{lo}' AND path < '{hi}'"));
        } else {
            w.text("path >= $?", lo);
            w.text("path < $?", hi);
        }
    }
    if let Some(d) = q.dept_id {
        w.int("assignee_dept_id = $?", d);
    }
    if let Some((estates, d)) = &q.estates_or_dept {
        let mut parts = vec![];
        for e in estates.iter().take(500) {
            let n = w.next();
            parts.push(format!("${n}"));
            w.params.push(P::I(*e));
        }
        let n = w.next();
        w.params.push(P::I(*d));
        if parts.is_empty() {
            w.raw(&format!("assignee_dept_id = ${n}"));
        } else {
            w.raw(&format!(
                "(estate_id IN ({}) OR assignee_dept_id = ${n})",
                parts.join(", ")
            ));
        }
    }
    if let Some(u) = q.reporter_user_id {
        w.int("reporter_user_id = $?", u);
    }
    if let Some(text) = &q.q {
        let like = format!("%{}%", text.replace('%', ""));
        let n = w.next();
        w.raw(&format!(
            "(description LIKE ${n} OR address LIKE ${n} OR number LIKE ${n})"
        ));
        w.params.push(P::T(like));
    }
    // Every list names its statuses — all of them when none is asked for — so a scope is
    // read through `cases_status_path` (status, path, …) one status at a time: a list of
    // open cases never walks the scope's closed history (migration 0017). They are
    // written as literals (the enum's own names), as are the marks below: a partial
    // index (`cases_remind`, `cases_reminded`) serves a query only when its condition
    // follows from the query's text, which a bound parameter never shows PostgreSQL's
    // generic plans.
    let statuses = if q.statuses.is_empty() {
        Status::ALL
    } else {
        &q.statuses[..]
    };
    w.raw(&format!("status IN ({})", status_literals(statuses)));
    if let Some(c) = &q.category_prefix {
        w.text("category_code LIKE $?", format!("{}%", c.replace('%', "")));
    }
    if let Some(ch) = q.channel {
        w.text("channel = $?", ch.as_str().to_string());
    }
    if let Some(f) = q.from_ms {
        w.int("created_ms >= $?", f);
    }
    if let Some(t) = q.to_ms {
        w.int("created_ms < $?", t);
    }
    if let Some(o) = q.overdue {
        w.raw(if o { "overdue = 1" } else { "overdue = 0" });
    }
    if let Some(r) = q.reminded {
        w.raw(if r { "reminded = 1" } else { "reminded = 0" });
    }
    if let Some(u) = q.assignee_unit_id {
        w.int("assignee_unit_id = $?", u);
    }
    if let Some(d) = q.assignee_dept_id {
        w.int("assignee_dept_id = $?", d);
    }
    if let Some(u) = q.coord_unit_id {
        w.int("coord_unit_id = $?", u);
    }
    if let Some(now) = q.nearing_before_ms {
        w.int(
            &format!("due_ms IS NOT NULL AND {REMIND_MOMENT} <= $?"),
            now,
        );
    }
    if q.escalated {
        w.raw("escalations > 0");
    }
    if q.returned {
        w.raw("returned > 0");
    }
    w
}

/// The month of intake, Beijing time: `2026-11`.
fn month_of(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| {
            t.with_timezone(&jiceng_core::clock::china())
                .format("%Y-%m")
                .to_string()
        })
        .unwrap_or_default()
}

const ROLLUP_COLS: [&str; 14] = [
    "total",
    "rejected",
    "dispatched",
    "responded",
    "responded_in_time",
    "closed",
    "closed_in_time",
    "rated",
    "satisfied",
    "overdue_open",
    "closed_grid",
    "closed_community",
    "closed_subdistrict",
    "closed_district",
];

type RollupKey = (String, String, i64);

/// What one case adds to its rollup row.
fn contribution(c: &Case) -> (RollupKey, [i64; 14]) {
    (
        (
            c.path.clone(),
            month_of(c.created_ms),
            c.assignee_dept_id.unwrap_or(0),
        ),
        c.rate_facts().counters(),
    )
}

/// The levels above the grid kept in `case_rollup_up`, by path length.
const UP_LEVELS: [usize; 3] = [
    crate::DISTRICT_PATH_LEN,
    crate::SUBDISTRICT_PATH_LEN,
    crate::COMMUNITY_PATH_LEN,
];

/// All departments together, in `case_rollup_up`.
const ALL_DEPTS: i64 = -1;

/// Adds grid rows to the rollup and to every level above (per department and for all
/// departments together).
async fn rollup_apply(
    conn: &mut AnyConnection,
    rows: &std::collections::HashMap<RollupKey, [i64; 14]>,
) -> Result<()> {
    let mut script = bulk::Script::default();
    rollup_parts(crate::is_sqlite(conn), rows, &mut script)?;
    script.run(conn).await
}

/// The statements of [`rollup_apply`], added to `script`.
fn rollup_parts(
    sqlite: bool,
    rows: &std::collections::HashMap<RollupKey, [i64; 14]>,
    script: &mut bulk::Script,
) -> Result<()> {
    let mut up: std::collections::HashMap<RollupKey, [i64; 14]> = std::collections::HashMap::new();
    for ((path, month, dept), v) in rows {
        for n in UP_LEVELS {
            if path.len() > n && path.is_char_boundary(n) {
                for d in [*dept, ALL_DEPTS] {
                    let e = up
                        .entry((path[..n].to_string(), month.clone(), d))
                        .or_insert([0; 14]);
                    for (a, b) in e.iter_mut().zip(v) {
                        *a += b;
                    }
                }
            }
        }
    }
    rollup_upsert(sqlite, "case_rollup", rows, script)?;
    rollup_upsert(sqlite, "case_rollup_up", &up, script)
}

/// Recomputes `case_rollup_up` from the grid rows (after a bulk load that wrote
/// `case_rollup` directly).
pub(crate) async fn rebuild_rollup_levels(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("DELETE FROM case_rollup_up")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let cols = ROLLUP_COLS.join(", ");
    let sums = ROLLUP_COLS
        .iter()
        .map(|c| format!("SUM({c})"))
        .collect::<Vec<_>>()
        .join(", ");
    // One statement, month by month (see `rollup_upsert` on why the order matters).
    let mut parts = vec![];
    for n in UP_LEVELS {
        for (dept, group) in [("dept_id", ", dept_id"), ("-1", "")] {
            parts.push(format!(
                "SELECT substr(path, 1, {n}) AS p, month AS m, {dept} AS d, {sums} FROM case_rollup WHERE length(path) > {n} GROUP BY substr(path, 1, {n}), month{group}"
            ));
        }
    }
    sqlx::query(safe!(
        "INSERT INTO case_rollup_up (path, month, dept_id, {cols}) SELECT * FROM ({}) AS levels ORDER BY m, p, d",
        parts.join(" UNION ALL ")
    ))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// One bulk upsert of rollup rows into `table`. Only the counters some row changes
/// travel and are updated (an intake adds to `total` alone: 4 values a row instead of
/// 17, one column set instead of 14); the others keep their value, or their default 0
/// in a new row.
fn rollup_upsert(
    sqlite: bool,
    table: &str,
    rows: &std::collections::HashMap<RollupKey, [i64; 14]>,
    script: &mut bulk::Script,
) -> Result<()> {
    let used: Vec<usize> = (0..ROLLUP_COLS.len())
        .filter(|&i| rows.values().any(|v| v[i] != 0))
        .collect();
    if used.is_empty() {
        return Ok(());
    }
    // New rows go in month by month: a rowid table keeps them in insertion order, so a
    // month's rows stay together and the current month's updates dirty a few pages
    // instead of one page per unit (measured on the demo after a bulk load in path
    // order: 25 of the ~130 pages each intake commit wrote were rollup rows).
    let mut keys: Vec<(&RollupKey, &[i64; 14])> = rows
        .iter()
        .filter(|(_, v)| used.iter().any(|&i| v[i] != 0))
        .collect();
    keys.sort_unstable_by(|a, b| (&a.0.1, &a.0.0, a.0.2).cmp(&(&b.0.1, &b.0.0, b.0.2)));
    let json_rows: Vec<RollupRow> = keys
        .into_iter()
        .map(|(key, values)| RollupRow {
            key,
            values,
            used: &used,
        })
        .collect();
    let mut cols = vec![
        col("path", Col::Text),
        col("month", Col::Text),
        col("dept_id", Col::Int),
    ];
    cols.extend(used.iter().map(|&i| col(ROLLUP_COLS[i], Col::Int)));
    let sets = used
        .iter()
        .map(|&i| {
            let c = ROLLUP_COLS[i];
            format!("{c} = {table}.{c} + excluded.{c}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = bulk::insert_sql(
        sqlite,
        table,
        &cols,
        &[],
        &format!("ON CONFLICT (path, month, dept_id) DO UPDATE SET {sets}"),
    );
    script.push(sql, &json_rows)
}

/// A rollup row as the bulk statement takes it: path, month, department, then the
/// counters in `used` (serialized straight from the map, no JSON values in between:
/// this runs in every intake batch).
struct RollupRow<'a> {
    key: &'a RollupKey,
    values: &'a [i64; 14],
    used: &'a [usize],
}

impl serde::Serialize for RollupRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let (path, month, dept) = self.key;
        let mut seq = s.serialize_seq(Some(3 + self.used.len()))?;
        seq.serialize_element(path)?;
        seq.serialize_element(month)?;
        seq.serialize_element(dept)?;
        for &i in self.used {
            seq.serialize_element(&self.values[i])?;
        }
        seq.end()
    }
}

fn rollup_add(map: &mut std::collections::HashMap<RollupKey, [i64; 14]>, c: &Case, sign: i64) {
    let (k, v) = contribution(c);
    let e = map.entry(k).or_insert([0; 14]);
    for (a, b) in e.iter_mut().zip(v) {
        *a += sign * b;
    }
}

/// How long another instance's change to categories, the calendar, the departments or a
/// unit's label may go unseen at the latest (on PostgreSQL it is heard as it commits:
/// [`crate::changes`]).
pub(crate) const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// A cached value with the moment it was read, and a generation that every
/// [`forget`] advances: a value read before a change is not kept after it.
type Timed<T> = std::sync::Mutex<Slot<T>>;

#[derive(Debug)]
pub(crate) struct Slot<T> {
    generation: u64,
    value: Option<(std::time::Instant, T)>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            generation: 0,
            value: None,
        }
    }
}

/// Categories and the calendar, read on every intake, kept for [`CACHE_TTL`] (and
/// dropped at once when this instance changes them).
#[derive(Debug, Default)]
pub(crate) struct Cache {
    categories: Timed<Arc<Vec<Category>>>,
    calendar: Timed<Arc<Vec<(NaiveDate, DayKind, String)>>>,
    working: Timed<Arc<Calendar>>,
    /// Read by every department breakdown of the rates dashboard.
    departments: Timed<Arc<Vec<Department>>>,
    /// Unit labels for pages (`OrgStore::label`).
    pub(crate) labels: crate::org::Labels,
    /// PostgreSQL: notices this instance marked sent since it last vacuumed the outbox.
    marked_since_vacuum: std::sync::atomic::AtomicU64,
    /// PostgreSQL: a vacuum of the outbox is running.
    vacuuming: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Cache {
    /// Drops what is kept of `table` ([`crate::changes::EVERYTHING`]: all of it), as
    /// another instance changed it.
    pub(crate) fn forget_table(&self, table: &str) {
        let all = table == crate::changes::EVERYTHING;
        if all || table == "appeal_categories" {
            forget(&self.categories);
        }
        if all || table == "calendar_days" {
            forget(&self.calendar);
            forget(&self.working);
        }
        if all || table == "departments" {
            forget(&self.departments);
        }
        if all || table == "org_units" {
            self.labels.forget_all();
        }
    }
}

/// PostgreSQL: after this many notices marked sent, the instance vacuums the outbox.
/// A sent notice stays in the index of unsent ones until its row is vacuumed, and every
/// claim walks those entries from the oldest on: without a vacuum (autovacuum may be
/// off, and by default waits for a fifth of the table to be dead) each claim read every
/// notice sent since — 10,000 index pages, 17 ms, once 3.5 M notices had been sent (a
/// few runs of the replay), and a third of the database's CPU went to claims. The vacuum
/// also analyses the table: a claim is planned on how many notices the statistics say
/// are unsent, and with the figures of an empty outbox it sorted every unsent notice
/// instead of reading the first few in the index's order.
const VACUUM_OUTBOX_EVERY: u64 = 200_000;

/// The value if kept and fresh; otherwise the generation to [`keep`] a new one at.
fn cached<T: Clone>(slot: &Timed<T>) -> std::result::Result<T, u64> {
    let Ok(g) = slot.lock() else {
        return Err(u64::MAX);
    };
    g.value
        .as_ref()
        .filter(|(at, _)| at.elapsed() < CACHE_TTL)
        .map(|(_, v)| v.clone())
        .ok_or(g.generation)
}

/// Keeps `v`, read at `generation`, unless the slot was forgotten since.
fn keep<T>(slot: &Timed<T>, generation: u64, v: T) {
    if let Ok(mut g) = slot.lock()
        && g.generation == generation
    {
        g.value = Some((std::time::Instant::now(), v));
    }
}

fn forget<T>(slot: &Timed<T>) {
    if let Ok(mut g) = slot.lock() {
        g.value = None;
        g.generation += 1;
    }
}

/// One case waiting for the group-commit writer.
pub(crate) struct IntakeJob {
    case: NewCase,
    photos: Vec<NewPhoto>,
    event: NewEvent,
    actor: (String, String),
    notices: Vec<NewNotice>,
    audit: AuditEvent,
    reply: tokio::sync::oneshot::Sender<Result<(Case, bool)>>,
}

impl std::fmt::Debug for IntakeJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IntakeJob")
    }
}

/// SQLite: an outbox claim, carried out by the intake writer on its connection (see
/// `SqlStore::claim_notices_sqlite`). The answer is the range of ids it marked sent.
#[derive(Debug)]
pub(crate) struct ClaimJob {
    now_ms: i64,
    after_id: i64,
    limit: i64,
    reply: tokio::sync::oneshot::Sender<Result<Option<(i64, i64)>>>,
}

/// What a claim marks: the unsent notices with ids from `lo` to `hi`, `n` of them.
#[derive(Debug, Clone, Copy)]
struct ClaimRange {
    now_ms: i64,
    lo: i64,
    hi: i64,
    n: i64,
}

/// SQLite: the range of ids a claim takes — its `limit` lowest unsent ids above
/// `after_id` — looked up inside the transaction that marks them (`begin`, if given,
/// opens it: sent with the look-up). The transaction holds the write lock, so nothing
/// else writes between this look-up and the claim's UPDATE; and since a single writer
/// gives ids in commit order and claims take the lowest unsent ones, every notice from
/// `lo` to `hi` is unsent.
async fn claim_range(
    conn: &mut AnyConnection,
    c: &ClaimJob,
    begin: &str,
) -> Result<Option<ClaimRange>> {
    let sql = format!(
        "{begin}SELECT MIN(id), MAX(id), COUNT(*) FROM (SELECT id FROM notifications WHERE sent_ms IS NULL AND id > $2 ORDER BY id LIMIT $1)"
    );
    // All rows, not the first: with a BEGIN in front, the first result is the BEGIN's.
    let rows: Vec<(Option<i64>, Option<i64>, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(c.limit)
        .bind(c.after_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let (lo, hi, n) = rows
        .into_iter()
        .next()
        .ok_or_else(|| DomainError::internal("the outbox claim's look-up returned no row"))?;
    Ok(match (lo, hi) {
        (Some(lo), Some(hi)) => Some(ClaimRange {
            now_ms: c.now_ms,
            lo,
            hi,
            n,
        }),
        _ => None,
    })
}

/// SQLite: the claim's UPDATE as a statement of an intake batch's script (its one
/// parameter a JSON row `[now_ms, lo, hi]`).
const CLAIM_MARK_SQL: &str = "UPDATE notifications SET sent_ms = $1 ->> '$[0][0]' WHERE sent_ms IS NULL AND id BETWEEN $1 ->> '$[0][1]' AND $1 ->> '$[0][2]'";

/// SQLite: a claim in a transaction of its own, when no intake batch carries it.
async fn claim_alone(conn: &mut AnyConnection, c: &ClaimJob) -> Result<Option<(i64, i64)>> {
    let mut tx = crate::begin_on(conn, crate::Backend::Sqlite).await?;
    let Some(r) = claim_range(&mut tx, c, "").await? else {
        return Ok(None);
    };
    let marked = sqlx::query(
        "UPDATE notifications SET sent_ms = $1 WHERE sent_ms IS NULL AND id >= $2 AND id <= $3",
    )
    .bind(r.now_ms)
    .bind(r.lo)
    .bind(r.hi)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?
    .rows_affected();
    if marked != r.n as u64 {
        return Err(DomainError::internal(format!(
            "outbox claim marked {marked} notices, expected {}",
            r.n
        )));
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Some((r.lo, r.hi)))
}

/// Writes one intake on an open transaction.
async fn intake_one(
    conn: &mut AnyConnection,
    c: &NewCase,
    photos: &[NewPhoto],
    event: &NewEvent,
    actor: &(String, String),
    notices: &[NewNotice],
    audit: &AuditEvent,
) -> Result<(Case, bool)> {
    if let Some(k) = &c.idem_key {
        let found = sqlx::query(safe!("SELECT {CASE_COLS} FROM cases WHERE idem_key = $1"))
            .bind(k)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        if let Some(row) = found {
            return Ok((case_row(&row)?, false));
        }
    }
    let (id, number) = insert_case_row(conn, c, None).await?;
    let eid = insert_event(conn, id, c.created_ms, event, &actor.0, &actor.1).await?;
    insert_photos(conn, id, eid, "intake", photos, c.created_ms).await?;
    insert_notices(
        conn,
        Some(id),
        c.created_ms,
        &notices
            .iter()
            .map(|n| NewNotice {
                text: format!("[{number}] {}", n.text),
                ..n.clone()
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut audit = audit.clone();
    audit.entity_id = number;
    write_audit(conn, &audit).await?;
    let case = fetch_case(conn, id).await?;
    let mut roll = std::collections::HashMap::new();
    rollup_add(&mut roll, &case, 1);
    rollup_apply(conn, &roll).await?;
    Ok((case, true))
}

/// One round trip for a batch's numbers and ids: each day's counter stepped by its
/// cases (its new last value), and `n` ids for cases and for their first events (SQLite:
/// the statements one after another, after `begin`; PostgreSQL: one statement, the
/// counters as CTEs and the ids from the sequences). Rows come back tagged: the day's
/// index, or -1 / -2 for the case and event ids.
async fn reserve(
    conn: &mut AnyConnection,
    sqlite: bool,
    begin: &str,
    per_day: &[(&str, Vec<usize>)],
    n: usize,
) -> Result<(Vec<i64>, Vec<i64>, Vec<i64>)> {
    let step = |k: usize| {
        format!(
            "INSERT INTO case_counters (day, n) VALUES (${}, ${}) ON CONFLICT (day) DO UPDATE SET n = case_counters.n + excluded.n RETURNING CAST({k} AS BIGINT) AS k, n AS v",
            2 * k + 1,
            2 * k + 2
        )
    };
    let sql = if sqlite {
        let mut parts: Vec<String> = (0..per_day.len()).map(step).collect();
        for (tag, table) in [(-1, "cases"), (-2, "case_events")] {
            parts.push(format!(
                "SELECT {tag}, ({})",
                bulk::reserve_sql_sqlite(table)
            ));
        }
        format!("{begin}{}", parts.join(";\n"))
    } else {
        let ctes: Vec<String> = (0..per_day.len())
            .map(|k| format!("c{k} AS ({})", step(k)))
            .collect();
        let mut selects: Vec<String> = (0..per_day.len())
            .map(|k| format!("SELECT k, v FROM c{k}"))
            .collect();
        let m = 2 * per_day.len() + 1;
        // Each table's identity sequence by name (PostgreSQL names it `<table>_id_seq`),
        // resolved once when the statement is planned. `pg_get_serial_sequence` here
        // ran for every id: 1.9 ms to reserve 200, against 0.13 ms.
        for (tag, table) in [(-1, "cases"), (-2, "case_events")] {
            selects.push(format!(
                "SELECT CAST({tag} AS BIGINT), nextval('{table}_id_seq') FROM generate_series(1, ${m})"
            ));
        }
        format!("WITH {} {}", ctes.join(", "), selects.join(" UNION ALL "))
    };
    let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
    for (day, idxs) in per_day {
        q = q.bind(*day).bind(idxs.len() as i64);
    }
    if !sqlite {
        q = q.bind(n as i64);
    }
    let reserved = q.fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut lasts = vec![None; per_day.len()];
    let (mut cases, mut events) = (vec![], vec![]);
    for (k, v) in reserved {
        match k {
            -1 => cases.push(v),
            -2 => events.push(v),
            k => {
                if let Some(slot) = usize::try_from(k).ok().and_then(|k| lasts.get_mut(k)) {
                    *slot = Some(v);
                }
            }
        }
    }
    // SQLite answers each table's last id used: the next n are this batch's.
    if sqlite {
        let after = |last: &[i64]| match last {
            [last] => Ok((last + 1..=last + n as i64).collect()),
            _ => Err(DomainError::internal("intake reservation: id missing")),
        };
        cases = after(&cases)?;
        events = after(&events)?;
    }
    let lasts = lasts
        .into_iter()
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| DomainError::internal("intake reservation: counter missing"))?;
    if cases.len() != n || events.len() != n {
        return Err(DomainError::internal("intake reservation: ids missing"));
    }
    Ok((lasts, cases, events))
}

/// The case as stored right after intake, without reading it back.
fn case_from_new(c: &NewCase, id: i64, number: String) -> Case {
    Case {
        id,
        number,
        channel: c.channel,
        category_code: c.category_code.clone(),
        description: c.description.clone(),
        lon: c.lon,
        lat: c.lat,
        address: c.address.clone(),
        grid_id: c.grid_id,
        estate_id: c.estate_id,
        building_id: c.building_id,
        path: c.path.clone(),
        status: c.status,
        level: c.level,
        coord_unit_id: c.coord_unit_id,
        assignee_unit_id: None,
        assignee_dept_id: None,
        reporter_user_id: c.reporter_user_id,
        reporter_name: c.reporter_name.clone(),
        reporter_phone_enc: c.reporter_phone_enc.clone(),
        reporter_phone_mask: c.reporter_phone_mask.clone(),
        anonymous: c.anonymous,
        attributes: c.attributes.clone(),
        media_url: c.media_url.clone(),
        created_ms: c.created_ms,
        accepted_ms: c.accepted_ms,
        dispatched_ms: None,
        response_due_ms: None,
        responded_ms: None,
        due_ms: c.due_ms,
        feedback_ms: None,
        verified_ms: None,
        closed_ms: None,
        closed_level: None,
        result: None,
        reject_reason: None,
        overdue: false,
        reminded: false,
        escalations: 0,
        returned: 0,
        reopen_count: 0,
        satisfaction: None,
        rating_note: None,
        rated_ms: None,
        pending: None,
        joint_meeting: None,
        track_token: c.track_token.clone(),
        version: 1,
        updated_ms: c.created_ms,
    }
}

/// One case row of the bulk insert, in the statement's column order (a tuple struct
/// serializes as a JSON array, without a `Value` per cell).
#[derive(serde::Serialize)]
struct CaseRow<'a>(
    i64,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<f64>,
    Option<f64>,
    &'a str,
    i64,
    Option<i64>,
    Option<i64>,
    &'a str,
    &'a str,
    &'a str,
    i64,
    Option<i64>,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    i64,
    String,
    Option<&'a str>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<&'a str>,
    &'a str,
    i64,
);

/// Who holds the transaction of an intake batch.
enum BatchTx<'a> {
    /// The caller.
    Held,
    /// SQLite: the batch begins and commits it itself, the `BEGIN` sent along with the
    /// first statement and the `COMMIT` with the last, so the whole batch takes two or
    /// three round trips to the connection's thread — unless `begun`: the caller sent
    /// the BEGIN already (with a claim's look-up). An outbox claim's range, if given, is
    /// marked sent in the same transaction (see [`ClaimJob`]).
    SqliteOwn {
        claim: Option<ClaimRange>,
        begun: bool,
        /// Where the writer's previous batch left the numbers and ids (see
        /// [`NextNumbers`]); taken, and put back only when this batch commits.
        next: &'a mut Option<NextNumbers>,
        /// Whether the batch's idempotency keys are looked up before its rows go in.
        /// Not at first: the unique index on `cases.idem_key` refuses a key stored
        /// already, and the writer then writes the batch again with the look-up (see
        /// [`write_batch`]).
        look_up_keys: bool,
    },
    /// PostgreSQL, a batch without photos: the numbers and ids are reserved on the
    /// given connection (see [`Reserver`]), then every row goes in one statement, which
    /// is its own transaction — no BEGIN and no COMMIT. Should that statement fail,
    /// nothing of it stays and the reserved numbers are left unused.
    PgStatement(&'a mut AnyConnection),
}

/// SQLite: where the intake writer's last committed batch left the case ids and each
/// day's case numbers. The next batch takes the ones after them without asking the
/// database first — the reservation was a round trip of its own to the connection's
/// thread, ~0.5 ms of a batch's ~3.5 ms at 6 k intakes/s — and steps the day counters
/// in its script. It holds only from one such batch to the next: a failure, or a batch
/// written one by one, forgets it, and a new day, or photos (whose events need their
/// ids first), ask the database again. Should
/// anything else have written cases in between (another process on the same file),
/// the ids or numbers taken collide with the ones it used: the primary key and the
/// number's unique key refuse the batch, which is then written one by one, each case
/// numbered by the database, and this is forgotten.
#[derive(Debug)]
pub(crate) struct NextNumbers {
    /// The last case id used.
    case: i64,
    /// Each day's last case number used, for the days of the last batch.
    days: Vec<(String, i64)>,
}

impl NextNumbers {
    /// Each day's last number after this batch, or `None` when a day is not known.
    fn lasts(&self, per_day: &[(&str, Vec<usize>)]) -> Option<Vec<i64>> {
        per_day
            .iter()
            .map(|(day, idxs)| {
                self.days
                    .iter()
                    .find(|(d, _)| d == day)
                    .map(|(_, last)| last + idxs.len() as i64)
            })
            .collect()
    }
}

/// SQLite: each day's counter stepped by the batch's cases (`[day, count]` rows), in
/// the batch's own script when its numbers were taken from [`NextNumbers`].
const COUNTERS_STEP_SQL: &str = "INSERT INTO case_counters (day, n) SELECT value->>0, value->>1 FROM json_each($1) WHERE true ON CONFLICT (day) DO UPDATE SET n = case_counters.n + excluded.n";

/// A batch of intakes in a few multi-row statements. Returns each job's case, in order.
async fn intake_many(
    conn: &mut AnyConnection,
    batch: &[IntakeJob],
    clock: &mut Clock,
    mut tx: BatchTx<'_>,
) -> Result<Vec<(Case, bool)>> {
    let own_tx = matches!(tx, BatchTx::SqliteOwn { .. });
    if matches!(tx, BatchTx::PgStatement(_)) && batch.iter().any(|j| !j.photos.is_empty()) {
        return Err(DomainError::internal(
            "a batch with photos is written in a transaction",
        ));
    }
    use std::collections::HashMap;
    let sqlite = crate::is_sqlite(conn);
    // Retries: keys already stored, or repeated inside this batch, answer with that case.
    let keys: Vec<&str> = batch
        .iter()
        .filter_map(|j| j.case.idem_key.as_deref())
        .collect();
    // `own_tx`: the BEGIN goes in front of the batch's first statement (taken once).
    let mut begin = match tx {
        BatchTx::SqliteOwn { begun: false, .. } => "BEGIN IMMEDIATE;\n",
        _ => "",
    };
    let mut by_key: HashMap<String, Case> = HashMap::new();
    let look_up_keys = match tx {
        BatchTx::SqliteOwn { look_up_keys, .. } => look_up_keys,
        _ => true,
    };
    if look_up_keys && !keys.is_empty() {
        // On SQLite the keys drive the join (CROSS JOIN fixes the order): most cases
        // carry no key, so the key index looks unselective to the planner, which would
        // otherwise scan every case.
        let sql = if sqlite {
            format!(
                "{}SELECT {CASE_COLS}, idem_key FROM cases WHERE id IN (SELECT c.id FROM json_each($1) AS k CROSS JOIN cases AS c ON c.idem_key = k.value)",
                std::mem::take(&mut begin)
            )
        } else {
            // One index look-up per key, whatever the statistics say. As a join,
            // planned on statistics from before any key was stored (a fresh database:
            // every key NULL), PostgreSQL hashed the batch's keys against a full scan
            // of `cases_idem_key` — every keyed case, read for each batch — and
            // `bench compare`'s all-channels phase, whose Open311 and page-form intakes
            // carry keys, spent 107 µs a case on it; 23 since. `LIMIT 1` (keys are unique)
            // keeps the look-up a subquery run once per key.
            format!(
                "SELECT {CASE_COLS}, idem_key FROM json_array_elements_text($1::json) AS k(v) \
                 CROSS JOIN LATERAL (SELECT * FROM cases WHERE idem_key = k.v LIMIT 1) AS c"
            )
        };
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(bulk::rows_json(&keys)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?
        {
            let c = case_row(&row)?;
            let k: Option<String> = row.try_get("idem_key").map_err(db_err)?;
            if let Some(k) = k {
                by_key.insert(k, c);
            }
        }
    }
    clock.mark(Phase::Retries);
    // Which jobs insert: the first of each key not yet stored, and all without a key.
    let mut inserting: Vec<usize> = vec![];
    let mut first_of_key: HashMap<&str, usize> = HashMap::new();
    for (i, j) in batch.iter().enumerate() {
        match j.case.idem_key.as_deref() {
            Some(k) if by_key.contains_key(k) => {}
            Some(k) => {
                if let std::collections::hash_map::Entry::Vacant(e) = first_of_key.entry(k) {
                    e.insert(i);
                    inserting.push(i);
                }
            }
            None => inserting.push(i),
        }
    }
    // Numbers: one counter step per day for the whole batch.
    let mut per_day: Vec<(&str, Vec<usize>)> = vec![];
    for &i in &inserting {
        let day = batch[i].case.day.as_str();
        match per_day.iter_mut().find(|(d, _)| *d == day) {
            Some((_, idxs)) => idxs.push(i),
            None => per_day.push((day, vec![i])),
        }
    }
    // Ids are taken before the rows go in, so nothing is read back row by row (with
    // RETURNING, SQLite's connection thread handed every row over on its own). On
    // SQLite, after the writer's previous batch, they follow on from it (see
    // [`NextNumbers`]): no event ids then (no photos to point at them), SQLite numbers
    // the events itself.
    let known = match &mut tx {
        BatchTx::SqliteOwn { next, .. } => next.take(),
        _ => None,
    };
    let follow_on = match &known {
        Some(k) if batch.iter().all(|j| j.photos.is_empty()) => {
            k.lasts(&per_day).map(|lasts| (k.case, lasts))
        }
        _ => None,
    };
    let mut script = bulk::Script::default();
    let (lasts, case_ids, event_ids) = if inserting.is_empty() {
        (vec![], vec![], vec![])
    } else if let Some((last_case, lasts)) = follow_on {
        let steps: Vec<(&str, i64)> = per_day
            .iter()
            .map(|(day, idxs)| (*day, idxs.len() as i64))
            .collect();
        script.push(
            format!("{}{COUNTERS_STEP_SQL}", std::mem::take(&mut begin)),
            &steps,
        )?;
        let n = inserting.len() as i64;
        writer_stats::followed_on();
        (lasts, (last_case + 1..=last_case + n).collect(), vec![])
    } else {
        let on = match &mut tx {
            BatchTx::PgStatement(r) => &mut **r,
            _ => &mut *conn,
        };
        reserve(
            on,
            sqlite,
            std::mem::take(&mut begin),
            &per_day,
            inserting.len(),
        )
        .await?
    };
    let mut numbers: HashMap<usize, String> = HashMap::new();
    for ((day, idxs), last) in per_day.iter().zip(&lasts) {
        let k = idxs.len() as i64;
        for (off, &i) in idxs.iter().enumerate() {
            numbers.insert(i, format!("{}-{:04}", day, last - k + 1 + off as i64));
        }
    }
    clock.mark(Phase::Numbers);
    // The cases, their first events, notices and audit events: one bulk statement each
    // (the same statement text whatever the batch size, so it is prepared once).
    let case_sql = bulk::insert_sql(
        sqlite,
        "cases",
        &[
            col("id", Col::Int),
            col("number", Col::Text),
            col("channel", Col::Text),
            col("category_code", Col::Text),
            col("description", Col::Text),
            col("lon", Col::Real),
            col("lat", Col::Real),
            col("address", Col::Text),
            col("grid_id", Col::Int),
            col("estate_id", Col::Int),
            col("building_id", Col::Int),
            col("path", Col::Text),
            col("status", Col::Text),
            col("level", Col::Text),
            col("coord_unit_id", Col::Int),
            col("reporter_user_id", Col::Int),
            col("reporter_name", Col::Text),
            col("reporter_phone_enc", Col::Text),
            col("reporter_phone_mask", Col::Text),
            col("anonymous", Col::Int),
            col("attributes", Col::Text),
            col("media_url", Col::Text),
            col("created_ms", Col::Int),
            col("accepted_ms", Col::Int),
            col("due_ms", Col::Int),
            col("idem_key", Col::Text),
            col("track_token", Col::Text),
            col("updated_ms", Col::Int),
        ],
        &[("version", "1")],
        "",
    );
    clock.mark(Phase::Ids);
    let id_at: HashMap<usize, (i64, Option<i64>)> = inserting
        .iter()
        .enumerate()
        .zip(&case_ids)
        .map(|((k, &i), &c)| (i, (c, event_ids.get(k).copied())))
        .collect();
    let case_rows: Vec<CaseRow> = inserting
        .iter()
        .map(|&i| {
            let c = &batch[i].case;
            CaseRow(
                id_at.get(&i).map(|x| x.0).unwrap_or_default(),
                numbers.get(&i).map(String::as_str).unwrap_or_default(),
                c.channel.as_str(),
                &c.category_code,
                &c.description,
                c.lon,
                c.lat,
                &c.address,
                c.grid_id,
                c.estate_id,
                c.building_id,
                &c.path,
                c.status.as_str(),
                c.level.as_str(),
                c.coord_unit_id,
                c.reporter_user_id,
                &c.reporter_name,
                c.reporter_phone_enc.as_deref(),
                c.reporter_phone_mask.as_deref(),
                c.anonymous as i64,
                c.attributes.to_string(),
                c.media_url.as_deref(),
                c.created_ms,
                c.accepted_ms,
                c.due_ms,
                c.idem_key.as_deref(),
                &c.track_token,
                c.created_ms,
            )
        })
        .collect();
    // The rows go into one script, run at the end: one round trip on SQLite.
    script.push(case_sql, &case_rows)?;
    clock.mark(Phase::Cases);
    let id_of = |i: usize| -> Result<(i64, String)> {
        let number = numbers.get(&i).cloned().unwrap_or_default();
        let (id, _) = *id_at
            .get(&i)
            .ok_or_else(|| DomainError::internal("inserted case missing"))?;
        Ok((id, number))
    };
    // Their first events, with ids for the photos (a NULL id: SQLite numbers it).
    let event_sql = bulk::insert_sql(
        sqlite,
        "case_events",
        &[
            col("id", Col::Int),
            col("case_id", Col::Int),
            col("at_ms", Col::Int),
            col("action", Col::Text),
            col("from_status", Col::Text),
            col("to_status", Col::Text),
            col("actor_login", Col::Text),
            col("actor_role", Col::Text),
            col("note", Col::Text),
            col("public", Col::Int),
        ],
        &[],
        "",
    );
    let mut event_rows = Vec::with_capacity(inserting.len());
    for &i in &inserting {
        let j = &batch[i];
        let (id, eid) = *id_at
            .get(&i)
            .ok_or_else(|| DomainError::internal("inserted case missing"))?;
        event_rows.push((
            eid,
            id,
            j.case.created_ms,
            j.event.action.as_str(),
            j.event.from_status.map(|s| s.as_str()),
            j.event.to_status.map(|s| s.as_str()),
            j.actor.0.as_str(),
            j.actor.1.as_str(),
            j.event.note.as_str(),
            j.event.public as i64,
        ));
    }
    script.push(event_sql, &event_rows)?;
    clock.mark(Phase::Events);
    // Photos point at their events: those go in first.
    if inserting.iter().any(|&i| !batch[i].photos.is_empty()) {
        script.run(conn).await?;
    }
    for &i in &inserting {
        let j = &batch[i];
        if !j.photos.is_empty() {
            let (id, eid) = *id_at
                .get(&i)
                .ok_or_else(|| DomainError::internal("inserted case missing"))?;
            let eid = eid.ok_or_else(|| DomainError::internal("a photo's event has no id"))?;
            insert_photos(conn, id, eid, "intake", &j.photos, j.case.created_ms).await?;
        }
    }
    clock.mark(Phase::Photos);
    // Notices and audit events.
    let mut notices = vec![];
    let mut audits = vec![];
    for &i in &inserting {
        let j = &batch[i];
        let (id, number) = id_of(i)?;
        for n in &j.notices {
            notices.push((
                j.case.created_ms,
                n.channel.as_str(),
                n.recipient.as_str(),
                id,
                format!("[{number}] {}", n.text),
            ));
        }
        let e = &j.audit;
        audits.push((
            e.at_ms,
            e.actor_id,
            e.actor_login.as_str(),
            e.actor_role.as_str(),
            e.action.as_str(),
            e.entity_type.as_str(),
            number,
            e.scope_path.as_str(),
            e.before.as_ref().map(|v| v.to_string()),
            e.after.as_ref().map(|v| v.to_string()),
        ));
    }
    let notice_sql = bulk::insert_sql(
        sqlite,
        "notifications",
        &[
            col("at_ms", Col::Int),
            col("channel", Col::Text),
            col("recipient", Col::Text),
            col("case_id", Col::Int),
            col("text", Col::Text),
        ],
        &[],
        "",
    );
    script.push(notice_sql, &notices)?;
    clock.mark(Phase::Notices);
    let audit_sql = bulk::insert_sql(
        sqlite,
        "audit_events",
        &[
            col("at_ms", Col::Int),
            col("actor_id", Col::Int),
            col("actor_login", Col::Text),
            col("actor_role", Col::Text),
            col("action", Col::Text),
            col("entity_type", Col::Text),
            col("entity_id", Col::Text),
            col("scope_path", Col::Text),
            col("before_json", Col::Text),
            col("after_json", Col::Text),
        ],
        &[],
        "",
    );
    script.push(audit_sql, &audits)?;
    clock.mark(Phase::Audit);
    // Everyone's answer, in order.
    let mut made: HashMap<usize, Case> = HashMap::new();
    let mut roll = HashMap::new();
    for &i in &inserting {
        let (id, number) = id_of(i)?;
        let c = case_from_new(&batch[i].case, id, number);
        rollup_add(&mut roll, &c, 1);
        made.insert(i, c);
    }
    rollup_parts(sqlite, &roll, &mut script)?;
    clock.mark(Phase::Rollup);
    if let BatchTx::SqliteOwn { claim: Some(c), .. } = &tx {
        script.push(CLAIM_MARK_SQL.to_string(), &[(c.now_ms, c.lo, c.hi)])?;
    }
    if own_tx {
        // A batch always sends a statement before this (the key look-up, the
        // reservations or the counters' step), and the BEGIN with it.
        if !begin.is_empty() {
            return Err(DomainError::internal("intake batch without its BEGIN"));
        }
        // The rows and the COMMIT in one round trip.
        script.then("COMMIT");
    }
    script.run(conn).await?;
    clock.mark(Phase::Write);
    // Committed: the next batch follows on from this one's numbers.
    if let BatchTx::SqliteOwn { next, .. } = &mut tx {
        **next = match case_ids.last() {
            Some(&case) => Some(NextNumbers {
                case,
                days: per_day
                    .iter()
                    .zip(&lasts)
                    .map(|((day, _), &last)| (day.to_string(), last))
                    .collect(),
            }),
            // Nothing inserted (retries only): what was known still holds.
            None => known,
        };
    }
    let mut out = Vec::with_capacity(batch.len());
    for (i, j) in batch.iter().enumerate() {
        if let Some(c) = made.get(&i) {
            out.push((c.clone(), true));
            continue;
        }
        let k = j.case.idem_key.as_deref().unwrap_or("");
        let c = match by_key.get(k) {
            Some(c) => c.clone(),
            None => first_of_key
                .get(k)
                .and_then(|f| made.get(f))
                .cloned()
                .ok_or_else(|| DomainError::internal("retry without its case"))?,
        };
        out.push((c, false));
    }
    Ok(out)
}

/// Most intakes a single commit carries.
const BATCH: usize = 512;

/// The group-commit writer: takes whatever intakes are waiting (up to [`BATCH`]),
/// writes each inside a savepoint (a bad one rolls back alone), commits once, then
/// answers every sender. Under load batches grow by themselves; alone, a request is
/// its own batch and waits for nothing.
pub(crate) fn spawn_intake_writer(
    pool: sqlx::AnyPool,
    backend: crate::Backend,
    checkpointer: Option<sqlx::AnyPool>,
) -> Writer {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<IntakeJob>(8 * BATCH);
    // SQLite's outbox claims come here too (a handful at a time: each claimer waits
    // for its answer).
    let (claims_tx, mut claims) = tokio::sync::mpsc::channel::<ClaimJob>(16);
    let writer = async move {
        if backend == crate::Backend::Postgres {
            drop(claims);
            return pg_writer(rx, pool).await;
        }
        let busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut last = std::time::Instant::now();
        let mut claims_open = true;
        let mut next_numbers = None;
        loop {
            // An intake first, else a claim.
            let first = tokio::select! {
                biased;
                j = rx.recv() => match j {
                    Some(j) => WriterJob::Intake(Box::new(j)),
                    None => return,
                },
                c = claims.recv(), if claims_open => match c {
                    Some(c) => WriterJob::Claim(c),
                    None => {
                        claims_open = false;
                        continue;
                    }
                },
            };
            // The write connection is kept from batch to batch while intakes keep
            // coming, for up to HOLD_FOR, then handed back so other writes get their
            // turn. (Taking and returning it for every batch cost a round trip to the
            // connection's thread — sqlx tests a connection as it comes back — and a
            // place in line behind every other writer, each time.)
            let mut clock = Clock::start();
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => {
                    let e = db_err(e);
                    first.refuse(&e);
                    while let Ok(j) = rx.try_recv() {
                        let _ = j.reply.send(Err(e.clone()));
                    }
                    while let Ok(c) = claims.try_recv() {
                        let _ = c.reply.send(Err(e.clone()));
                    }
                    continue;
                }
            };
            clock.mark(Phase::Acquire);
            let held = std::time::Instant::now();
            let mut next = Some(first);
            while let Some(first) = next.take() {
                let (mut batch, mut claim) = match first {
                    WriterJob::Intake(j) => (vec![*j], claims.try_recv().ok()),
                    WriterJob::Claim(c) => (vec![], Some(c)),
                };
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(j) => batch.push(j),
                        Err(_) => break,
                    }
                }
                if !batch.is_empty() {
                    write_batch(
                        &mut conn,
                        backend,
                        batch,
                        clock,
                        None,
                        &mut claim,
                        &mut next_numbers,
                    )
                    .await;
                }
                // A claim no batch carried (none waiting, or a batch that failed) runs
                // on its own.
                if let Some(c) = claim.take() {
                    writer_stats::claim_done(false);
                    let r = claim_alone(&mut conn, &c).await;
                    let _ = c.reply.send(r);
                }
                clock = Clock::start();
                if held.elapsed() < HOLD_FOR {
                    if let Ok(j) = rx.try_recv() {
                        next = Some(WriterJob::Intake(Box::new(j)));
                    } else if let Ok(c) = claims.try_recv() {
                        next = Some(WriterJob::Claim(c));
                    }
                }
                if let Some(r) = &checkpointer {
                    checkpoint_now_and_then(r, &mut last, &busy);
                }
            }
        }
    };
    // The writer runs on a thread of its own. Its work is a chain of awaits on the
    // database (two or three a batch on SQLite); on the server's runtime every one of them waited
    // in line behind the HTTP tasks of a busy server, which made the writer — the one
    // serial part of intake — the bottleneck. (On PostgreSQL its pool is its own and
    // opens its connections lazily, here, on this runtime.)
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => {
            let spawned = std::thread::Builder::new()
                .name("intake-writer".into())
                .spawn(move || rt.block_on(writer));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start the intake writer thread");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "no runtime for the intake writer thread; writing on the server's");
            tokio::spawn(writer);
        }
    }
    Writer {
        intake: tx,
        claims: claims_tx,
    }
}

/// Where the intake writer takes its work.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    pub(crate) intake: tokio::sync::mpsc::Sender<IntakeJob>,
    /// SQLite only: outbox claims (see [`ClaimJob`]); PostgreSQL claims on any connection.
    pub(crate) claims: tokio::sync::mpsc::Sender<ClaimJob>,
}

/// How long an intake waits for room in the writer's queue ([`BATCH`] × 8 jobs) before
/// it is refused as busy: as long as a request waits for a pooled connection.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Puts `job` in the writer's queue, waiting at most `wait` for room. A queue still full
/// after that means the writer cannot keep up: the intake is refused as busy (HTTP 503)
/// and nothing of it was written, rather than the request hanging on.
async fn enqueue<T>(
    queue: &tokio::sync::mpsc::Sender<T>,
    job: T,
    wait: std::time::Duration,
) -> Result<()> {
    use tokio::sync::mpsc::error::{SendTimeoutError, TrySendError};
    // Room at once (the usual case): no timer.
    let job = match queue.try_send(job) {
        Ok(()) => return Ok(()),
        Err(TrySendError::Full(job)) => job,
        Err(TrySendError::Closed(_)) => {
            return Err(DomainError::internal("the intake writer has stopped"));
        }
    };
    match queue.send_timeout(job, wait).await {
        Ok(()) => Ok(()),
        Err(SendTimeoutError::Timeout(_)) => {
            tracing::warn!("the intake writer's queue stayed full: intake refused as busy");
            Err(DomainError::Busy)
        }
        Err(SendTimeoutError::Closed(_)) => {
            Err(DomainError::internal("the intake writer has stopped"))
        }
    }
}

/// What the SQLite writer takes first after waiting.
enum WriterJob {
    Intake(Box<IntakeJob>),
    Claim(ClaimJob),
}

impl WriterJob {
    fn refuse(self, e: &DomainError) {
        match self {
            WriterJob::Intake(j) => {
                let _ = j.reply.send(Err(e.clone()));
            }
            WriterJob::Claim(c) => {
                let _ = c.reply.send(Err(e.clone()));
            }
        }
    }
}

/// PostgreSQL: the intake writer's pool — its connection and its reserver's. (Two
/// writers side by side, each with both, held the replay no better on a 2-core machine:
/// BENCHMARKS.md, eighth session.)
pub(crate) const PG_INTAKE_CONNECTIONS: u32 = 2;

/// The PostgreSQL intake writer: takes the intakes waiting (up to [`BATCH`]) and writes
/// them. Its connection is kept for as long as it serves (the pool is the writer's own;
/// taking one again cost a test round trip, 1–7 ms on a busy machine), and so is its
/// [`Reserver`].
async fn pg_writer(mut rx: tokio::sync::mpsc::Receiver<IntakeJob>, pool: sqlx::AnyPool) {
    let mut reserver = Reserver {
        pool: pool.clone(),
        conn: None,
    };
    let mut kept = None;
    loop {
        let Some(first) = rx.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut clock = Clock::start();
        let taken = match kept.take() {
            Some(c) => Ok(c),
            None => pool.acquire().await,
        };
        let mut conn = match taken {
            Ok(c) => c,
            Err(e) => {
                let e = db_err(e);
                for j in batch {
                    let _ = j.reply.send(Err(e.clone()));
                }
                continue;
            }
        };
        clock.mark(Phase::Acquire);
        // A connection that failed goes back to the pool, which tests it.
        if write_batch(
            &mut conn,
            crate::Backend::Postgres,
            batch,
            clock,
            Some(&mut reserver),
            &mut None,
            &mut None,
        )
        .await
        {
            kept = Some(conn);
        }
    }
}

/// SQLite: has the WAL copied back into the database every [`CHECKPOINT_EVERY`], on a
/// reader connection (`busy` while one runs), while the writer goes on writing.
fn checkpoint_now_and_then(
    reader: &sqlx::AnyPool,
    last: &mut std::time::Instant,
    busy: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    if last.elapsed() >= CHECKPOINT_EVERY
        && maintain_in_background(reader, busy, "PRAGMA wal_checkpoint(PASSIVE)")
    {
        *last = std::time::Instant::now();
    }
}

/// Runs a maintenance statement (a checkpoint, a vacuum) on `pool` in the background,
/// unless one started this way with the same `busy` flag still runs. True when started.
fn maintain_in_background(
    pool: &sqlx::AnyPool,
    busy: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    sql: &'static str,
) -> bool {
    use std::sync::atomic::Ordering;
    if busy.swap(true, Ordering::AcqRel) {
        return false;
    }
    let (pool, busy) = (pool.clone(), busy.clone());
    tokio::spawn(async move {
        if let Err(e) = sqlx::raw_sql(sql).execute(&pool).await {
            tracing::warn!(error = %e, sql, "maintenance statement failed");
        }
        busy.store(false, Ordering::Release);
    });
    true
}

/// How long the intake writer keeps the write connection while intakes keep coming.
const HOLD_FOR: std::time::Duration = std::time::Duration::from_millis(20);

/// How often the intake writer has the WAL checkpointed (SQLite): often enough that the
/// writer's own checkpoint (when the WAL reaches its limit) finds little left to copy.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// PostgreSQL: the connection the intake writer reserves case numbers and ids on. It
/// is its own, so a reservation is a transaction of its own and a batch no longer holds
/// the day's counter until its commit; and its session has `synchronous_commit` off, so
/// a reservation's commit waits for no flush. That is safe: the batch's commit comes
/// after its reservation in the log, so a case stored durably always has its
/// reservation stored too, and a reservation lost with a crash had no stored case.
struct Reserver {
    pool: sqlx::AnyPool,
    conn: Option<AnyConnection>,
}

impl Reserver {
    /// The connection, opened if need be; the caller puts it back when it is sound.
    async fn take(&mut self) -> Option<AnyConnection> {
        if self.conn.is_none() {
            match self.pool.acquire().await {
                Ok(c) => {
                    let mut c = c.detach();
                    // A generic plan: left to choose, PostgreSQL planned the
                    // reservation afresh for every batch (2.3 % of its CPU under
                    // intake).
                    match sqlx::raw_sql(
                        "SET synchronous_commit TO off; SET plan_cache_mode TO force_generic_plan",
                    )
                    .execute(&mut c)
                    .await
                    {
                        Ok(_) => self.conn = Some(c),
                        Err(e) => {
                            tracing::warn!(error = %e, "intake reservations: cannot set up the connection")
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "intake reservations: no connection"),
            }
        }
        self.conn.take()
    }
}

/// Writes one batch and answers its senders. False when the connection failed (it
/// could not begin or commit): the writer then hands it back to the pool.
async fn write_batch(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    batch: Vec<IntakeJob>,
    mut clock: Clock,
    mut reserver: Option<&mut Reserver>,
    claim: &mut Option<ClaimJob>,
    next: &mut Option<NextNumbers>,
) -> bool {
    let n = batch.len();
    let sqlite = backend == crate::Backend::Sqlite;
    // Kept only by a batch that commits in its own transaction (see `NextNumbers`).
    let mut known = next.take();
    // SQLite: the batch runs its own transaction (see `intake_many`), and marks the
    // waiting outbox claim's notices sent in it: the claim shares the batch's commit
    // instead of paying one of its own. A lone intake too: written statement by
    // statement (`intake_one`) it took seven round trips to the connection's thread
    // where the batch takes one or two — and it kept the next batch from following on.
    if sqlite && n > 0 {
        // Keys first go unlooked-up: a key stored already (a retry whose first answer
        // was lost, a double submission) is refused by the unique index on
        // `cases.idem_key`, which costs nothing extra; the batch is then written again
        // with its keys looked up, and its retries are answered with their stored cases.
        // (The look-up was a round trip of its own to the connection's thread in every
        // keyed batch — 15–20 µs a case of the writer's time for Open311 and page-form
        // intakes — for retries that are rare.)
        let keyed = batch.iter().any(|j| j.case.idem_key.is_some());
        let tries: &[bool] = if keyed { &[false, true] } else { &[true] };
        for &look_up_keys in tries {
            // The claim's look-up opens the batch's transaction.
            let looked_up = match claim.as_ref() {
                Some(c) => Some(claim_range(conn, c, "BEGIN IMMEDIATE;\n").await),
                None => None,
            };
            let begun = matches!(looked_up, Some(Ok(_)));
            let range = match looked_up {
                Some(Ok(Some(r))) => Some(r),
                Some(answer) => {
                    if answer.is_err() {
                        // Whether or not its BEGIN ran (rolling back with no transaction
                        // open is an error, ignored).
                        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    }
                    // Nothing to claim, or the look-up failed: answered now.
                    if let Some(c) = claim.take() {
                        let _ = c.reply.send(answer.map(|_| None));
                    }
                    None
                }
                None => None,
            };
            let tx = BatchTx::SqliteOwn {
                claim: range,
                begun,
                next: &mut known,
                look_up_keys,
            };
            match intake_many(conn, &batch, &mut clock, tx).await {
                Ok(cases) => {
                    *next = known;
                    writer_stats::batch_done(n, &clock);
                    for (j, c) in batch.into_iter().zip(cases) {
                        let _ = j.reply.send(Ok(c));
                    }
                    if let (Some(c), Some(r)) = (claim.take(), range) {
                        writer_stats::claim_done(true);
                        let _ = c.reply.send(Ok(Some((r.lo, r.hi))));
                    }
                    return true;
                }
                Err(e) => {
                    // Nothing of it stays: an error stops the script before its COMMIT.
                    // (Rolling back with no transaction open is an error, ignored.)
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    if !look_up_keys && matches!(e, DomainError::Conflict(_)) {
                        // A key stored already, most likely: again, looking them up.
                        writer_stats::keys_looked_up_again();
                        continue;
                    }
                    writer_stats::batch_redone();
                    tracing::warn!(error = %e, size = n, "intake batch failed; writing its cases one by one");
                    break;
                }
            }
        }
    }
    // PostgreSQL: reservations, then one statement (see `BatchTx::PgStatement`).
    let reserving = match reserver.as_deref_mut() {
        Some(r) if batch.iter().all(|j| j.photos.is_empty()) => r.take().await,
        _ => None,
    };
    let one_statement = reserving.is_some();
    if let Some(mut on) = reserving {
        match intake_many(conn, &batch, &mut clock, BatchTx::PgStatement(&mut on)).await {
            Ok(cases) => {
                if let Some(r) = reserver {
                    r.conn = Some(on);
                }
                clock.mark(Phase::Commit);
                writer_stats::batch_done(n, &clock);
                for (j, c) in batch.into_iter().zip(cases) {
                    let _ = j.reply.send(Ok(c));
                }
                return true;
            }
            Err(e) => {
                // The statement took nothing with it. The reservation's connection is
                // dropped and opened again next time, in case it was that one that failed.
                drop(on);
                if n > 1 {
                    writer_stats::batch_redone();
                    tracing::warn!(error = %e, size = n, "intake batch failed; writing its cases one by one");
                }
            }
        }
    }
    // … and the transaction on it.
    let mut tx = match crate::begin_on(conn, backend).await {
        Ok(tx) => tx,
        Err(e) => {
            for j in batch {
                let _ = j.reply.send(Err(e.clone()));
            }
            return false;
        }
    };
    // First the whole batch with a handful of bulk statements; should anything in it
    // fail, roll that transaction back and write item by item, each in its own
    // savepoint (no savepoint on the fast path: it would copy every page it touches
    // into SQLite's statement journal).
    clock.mark(Phase::Begin);
    if !sqlite && n > 1 && !one_statement {
        match intake_many(&mut tx, &batch, &mut clock, BatchTx::Held).await {
            Ok(cases) => {
                let committed = tx.commit().await;
                clock.mark(Phase::Commit);
                writer_stats::batch_done(n, &clock);
                return match committed {
                    Ok(()) => {
                        for (j, c) in batch.into_iter().zip(cases) {
                            let _ = j.reply.send(Ok(c));
                        }
                        true
                    }
                    Err(e) => {
                        let e = db_err(e);
                        for j in batch {
                            let _ = j.reply.send(Err(e.clone()));
                        }
                        false
                    }
                };
            }
            Err(e) => {
                writer_stats::batch_redone();
                tracing::warn!(error = %e, size = batch.len(), "intake batch failed; writing its cases one by one");
                let again = match tx.rollback().await {
                    Ok(()) => crate::begin_on(conn, backend).await,
                    Err(e) => Err(db_err(e)),
                };
                tx = match again {
                    Ok(tx) => tx,
                    Err(e) => {
                        for j in batch {
                            let _ = j.reply.send(Err(e.clone()));
                        }
                        return false;
                    }
                };
            }
        }
    }
    let single = batch.len() == 1;
    let mut done = Vec::with_capacity(batch.len());
    for j in batch {
        let r = if single {
            intake_one(
                &mut tx, &j.case, &j.photos, &j.event, &j.actor, &j.notices, &j.audit,
            )
            .await
        } else {
            let sp = sqlx::query("SAVEPOINT intake")
                .execute(&mut *tx)
                .await
                .map_err(db_err);
            match sp {
                Err(e) => Err(e),
                Ok(_) => {
                    let r = intake_one(
                        &mut tx, &j.case, &j.photos, &j.event, &j.actor, &j.notices, &j.audit,
                    )
                    .await;
                    let end = if r.is_ok() {
                        sqlx::query("RELEASE SAVEPOINT intake")
                            .execute(&mut *tx)
                            .await
                    } else {
                        match sqlx::query("ROLLBACK TO SAVEPOINT intake")
                            .execute(&mut *tx)
                            .await
                        {
                            Ok(_) => {
                                sqlx::query("RELEASE SAVEPOINT intake")
                                    .execute(&mut *tx)
                                    .await
                            }
                            Err(e) => Err(e),
                        }
                    };
                    match end {
                        Ok(_) => r,
                        Err(e) => Err(db_err(e)),
                    }
                }
            }
        };
        done.push((j.reply, r));
    }
    clock.mark(Phase::Cases);
    let committed = tx.commit().await;
    clock.mark(Phase::Commit);
    writer_stats::batch_done(n, &clock);
    match committed {
        Ok(()) => {
            for (reply, r) in done {
                let _ = reply.send(r);
            }
            true
        }
        Err(e) => {
            let e = db_err(e);
            for (reply, r) in done {
                let _ = reply.send(r.and(Err(e.clone())));
            }
            false
        }
    }
}

impl SqlStore {
    /// The deadline sweep's look-ups ([`sweep_sql`]) as the sweep runs them, or with
    /// `explain` their plans (a line a row).
    async fn sweep_rows(&self, now_ms: i64, limit: i64, explain: bool) -> Result<[Vec<AnyRow>; 2]> {
        let sqlite = self.backend == crate::Backend::Sqlite;
        let mut tx = self.r.begin().await.map_err(db_err)?;
        if !sqlite {
            sqlx::query("SET LOCAL enable_sort = off")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let mut found = vec![];
        for sql in sweep_sql(sqlite) {
            let sql = match (explain, sqlite) {
                (false, _) => sql,
                (true, true) => format!("EXPLAIN QUERY PLAN {sql}"),
                (true, false) => format!("EXPLAIN {sql}"),
            };
            found.push(
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?,
            );
        }
        tx.commit().await.map_err(db_err)?;
        let remind = found.pop().unwrap_or_default();
        let overdue = found.pop().unwrap_or_default();
        Ok([overdue, remind])
    }

    /// How the deadline sweep's two look-ups are planned at `now_ms`, for tests: each
    /// plan's lines, joined (PostgreSQL's `EXPLAIN`, SQLite's `EXPLAIN QUERY PLAN`).
    #[doc(hidden)]
    pub async fn sweep_plans(&self, now_ms: i64) -> Result<[String; 2]> {
        let sqlite = self.backend == crate::Backend::Sqlite;
        let plans = self.sweep_rows(now_ms, 100, true).await?;
        let text = |rows: &Vec<AnyRow>| -> Result<String> {
            let lines = rows
                .iter()
                .map(|r| {
                    if sqlite {
                        r.try_get::<String, _>("detail")
                    } else {
                        r.try_get::<String, _>(0)
                    }
                    .map_err(db_err)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(lines.join("\n"))
        };
        Ok([text(&plans[0])?, text(&plans[1])?])
    }

    /// PostgreSQL: counts notices marked sent and, every [`VACUUM_OUTBOX_EVERY`],
    /// vacuums the outbox in the background (one vacuum at a time; `SKIP_LOCKED`, so it
    /// gives way to another instance's). Instances share the work without agreeing on
    /// it: each counts only what it marked.
    fn vacuum_outbox_now_and_then(&self, marked: u64) {
        use std::sync::atomic::Ordering;
        let c = &self.cache;
        let since = c.marked_since_vacuum.fetch_add(marked, Ordering::AcqRel) + marked;
        if since >= VACUUM_OUTBOX_EVERY
            && maintain_in_background(
                &self.w,
                &c.vacuuming,
                "VACUUM (ANALYZE, SKIP_LOCKED) notifications",
            )
        {
            c.marked_since_vacuum.store(0, Ordering::Release);
        }
    }

    /// SQLite's claim goes to the intake writer, which holds the one write connection:
    /// it marks the claim's range sent inside the intake batch it is writing, so the
    /// claim shares that batch's commit; with no batch to carry it, in a transaction of
    /// its own on the same connection. (Claims on a connection of their own waited for
    /// the writer to hand the connection over — up to `HOLD_FOR` — each paid a commit,
    /// and intake waited for both: at 6.1 k intakes/s, ~25 ms a claim of 500.) The
    /// claimed notices are read afterwards on a reader. (`UPDATE … RETURNING` handed
    /// each of up to 500 rows from the connection's thread to the caller on its own.)
    /// One writer assigns ids in commit order and claims take the lowest unsent ids, so
    /// every notice with an id from the lowest to the highest claimed is one this claim
    /// marked.
    async fn claim_notices_sqlite(
        &self,
        now_ms: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Notice>> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer
            .claims
            .send(ClaimJob {
                now_ms,
                after_id,
                limit,
                reply,
            })
            .await
            .map_err(|_| DomainError::internal("the intake writer has stopped"))?;
        let Some((lo, hi)) = answer
            .await
            .map_err(|_| DomainError::internal("the intake writer dropped a claim"))??
        else {
            return Ok(vec![]);
        };
        // As one JSON value, like a list of cases (see `search`): row by row, the
        // claim's up to 500 notices were each handed from the connection's thread on
        // their own, on a reader shared with the requests.
        let row = sqlx::query(
            "SELECT json_group_array(json_array(id, at_ms, channel, recipient, case_id, text, sent_ms) ORDER BY id) \
             FROM notifications WHERE id >= $1 AND id <= $2",
        )
        .bind(lo)
        .bind(hi)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        notices_from_json(&row.try_get::<String, _>(0).map_err(db_err)?)
    }
}

impl SqlStore {
    /// The categories, from the cache when fresh (shared, not copied).
    async fn category_list(&self) -> Result<Arc<Vec<Category>>> {
        let generation = match cached(&self.cache.categories) {
            Ok(c) => return Ok(c),
            Err(g) => g,
        };
        let rows = sqlx::query("SELECT * FROM appeal_categories ORDER BY code")
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        let cats: Vec<Category> = rows.iter().map(category_row).collect::<Result<_>>()?;
        let cats = Arc::new(cats);
        keep(&self.cache.categories, generation, cats.clone());
        Ok(cats)
    }

    /// The calendar's special days, from the cache when fresh.
    async fn calendar_days(&self) -> Result<Arc<Vec<(NaiveDate, DayKind, String)>>> {
        let generation = match cached(&self.cache.calendar) {
            Ok(c) => return Ok(c),
            Err(g) => g,
        };
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT day, kind, note FROM calendar_days ORDER BY day")
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        let days: Vec<(NaiveDate, DayKind, String)> = rows
            .into_iter()
            .filter_map(|(d, k, n)| {
                let day = NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()?;
                let kind = if k == "workday" {
                    DayKind::Workday
                } else {
                    DayKind::Holiday
                };
                Some((day, kind, n))
            })
            .collect();
        let days = Arc::new(days);
        keep(&self.cache.calendar, generation, days.clone());
        Ok(days)
    }
}

#[async_trait]
impl AppealStore for SqlStore {
    async fn categories(&self) -> Result<Vec<Category>> {
        Ok(self.category_list().await?.as_ref().clone())
    }

    async fn active_category(&self, code: &str) -> Result<Option<Category>> {
        Ok(self
            .category_list()
            .await?
            .iter()
            .find(|c| c.code == code && c.active)
            .cloned())
    }

    async fn save_category(&self, c: Category, audit: AuditEvent) -> Result<()> {
        forget(&self.cache.categories);
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM appeal_categories WHERE code = $1 AND NOT EXISTS (SELECT 1 FROM cases WHERE category_code = $1)")
            .bind(&c.code)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let updated = sqlx::query(
            "UPDATE appeal_categories SET parent_code = $2, name_zh = $3, name_en = $4, source = $5, responsible = $6, department_code = $7, response_hours = $8, limit_amount = $9, limit_unit = $10, attributes = $11, active = $12 WHERE code = $1",
        )
        .bind(&c.code)
        .bind(&c.parent_code)
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(&c.source)
        .bind(c.responsible.as_str())
        .bind(&c.department_code)
        .bind(c.response_hours)
        .bind(c.limit_amount)
        .bind(c.limit_unit.as_str())
        .bind(c.attributes.to_string())
        .bind(c.active as i64)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO appeal_categories (code, parent_code, name_zh, name_en, source, responsible, department_code, response_hours, limit_amount, limit_unit, attributes, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&c.code)
            .bind(&c.parent_code)
            .bind(&c.name_zh)
            .bind(&c.name_en)
            .bind(&c.source)
            .bind(c.responsible.as_str())
            .bind(&c.department_code)
            .bind(c.response_hours)
            .bind(c.limit_amount)
            .bind(c.limit_unit.as_str())
            .bind(c.attributes.to_string())
            .bind(c.active as i64)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        // Again after the commit: a reader may have refilled the slot from the old rows.
        forget(&self.cache.categories);
        Ok(())
    }

    async fn calendar(&self) -> Result<Vec<(NaiveDate, DayKind, String)>> {
        Ok(self.calendar_days().await?.as_ref().clone())
    }

    async fn working_calendar(&self) -> Result<Arc<Calendar>> {
        let generation = match cached(&self.cache.working) {
            Ok(c) => return Ok(c),
            Err(g) => g,
        };
        let built = Arc::new(Calendar::new(
            self.calendar_days().await?.iter().map(|(d, k, _)| (*d, *k)),
        ));
        keep(&self.cache.working, generation, built.clone());
        Ok(built)
    }

    async fn set_calendar_day(
        &self,
        day: NaiveDate,
        kind: Option<DayKind>,
        note: &str,
        audit: AuditEvent,
    ) -> Result<()> {
        forget(&self.cache.calendar);
        forget(&self.cache.working);
        let mut tx = self.write_tx().await?;
        let d = day.format("%Y-%m-%d").to_string();
        sqlx::query("DELETE FROM calendar_days WHERE day = $1")
            .bind(&d)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if let Some(k) = kind {
            sqlx::query("INSERT INTO calendar_days (day, kind, note) VALUES ($1, $2, $3)")
                .bind(&d)
                .bind(if k == DayKind::Workday {
                    "workday"
                } else {
                    "holiday"
                })
                .bind(note)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        // Again after the commit: a reader may have refilled a slot from the old rows.
        forget(&self.cache.calendar);
        forget(&self.cache.working);
        Ok(())
    }

    async fn departments(&self) -> Result<Vec<Department>> {
        let generation = match cached(&self.cache.departments) {
            Ok(d) => return Ok(d.as_ref().clone()),
            Err(g) => g,
        };
        let rows = sqlx::query("SELECT * FROM departments ORDER BY kind, code")
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        let depts: Vec<Department> = rows.iter().map(dept_row).collect::<Result<_>>()?;
        keep(&self.cache.departments, generation, Arc::new(depts.clone()));
        Ok(depts)
    }

    async fn department(&self, id: i64) -> Result<Option<Department>> {
        let row = sqlx::query("SELECT * FROM departments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(dept_row).transpose()
    }

    async fn insert_department(
        &self,
        d: NewDepartment,
        estates: Vec<i64>,
        audit: AuditEvent,
    ) -> Result<Department> {
        forget(&self.cache.departments);
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO departments (code, name, kind, unit_id, phone, active) VALUES ($1, $2, $3, $4, $5, 1) RETURNING *",
        )
        .bind(&d.code)
        .bind(&d.name)
        .bind(d.kind.as_str())
        .bind(d.unit_id)
        .bind(&d.phone)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            DomainError::Conflict(_) => DomainError::field("code", "部门代码已存在", "this department code exists"),
            e => e,
        })?;
        let dept = dept_row(&row)?;
        for e in estates {
            sqlx::query(
                "INSERT INTO department_estates (department_id, estate_id) VALUES ($1, $2)",
            )
            .bind(dept.id)
            .bind(e)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        // Again after the commit: a reader may have refilled the slot from the old rows.
        forget(&self.cache.departments);
        Ok(dept)
    }

    async fn property_of_estate(&self, estate_id: i64) -> Result<Option<Department>> {
        let row = sqlx::query(
            "SELECT d.* FROM departments d JOIN department_estates e ON e.department_id = d.id WHERE e.estate_id = $1 AND d.active = 1 ORDER BY d.id LIMIT 1",
        )
        .bind(estate_id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        row.as_ref().map(dept_row).transpose()
    }

    async fn estates_of(&self, dept_id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT estate_id FROM department_estates WHERE department_id = $1 ORDER BY estate_id",
        )
        .bind(dept_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn insert_case(
        &self,
        c: NewCase,
        photos: Vec<NewPhoto>,
        event: NewEvent,
        actor: (String, String),
        notices: Vec<NewNotice>,
        audit: AuditEvent,
    ) -> Result<(Case, bool)> {
        // Through the group-commit writer: many intakes, one durable commit, each
        // answered once its batch is on disk.
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = IntakeJob {
            case: c,
            photos,
            event,
            actor,
            notices,
            audit,
            reply,
        };
        enqueue(&self.writer.intake, job, QUEUE_WAIT).await?;
        answer
            .await
            .map_err(|_| DomainError::internal("the intake writer dropped a job"))?
    }

    async fn case(&self, id: i64) -> Result<Option<Case>> {
        let row = sqlx::query(safe!("SELECT {CASE_COLS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(case_row).transpose()
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<Case>> {
        let row = sqlx::query(safe!("SELECT {CASE_COLS} FROM cases WHERE number = $1"))
            .bind(number)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(case_row).transpose()
    }

    async fn case_by_token(&self, token: &str) -> Result<Option<Case>> {
        if token.len() < 16 {
            return Ok(None);
        }
        let row = sqlx::query(safe!(
            "SELECT {CASE_COLS} FROM cases WHERE track_token = $1"
        ))
        .bind(token)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        row.as_ref().map(case_row).transpose()
    }

    async fn update_case(&self, c: &Case, ch: CaseChange) -> Result<Case> {
        let mut tx = self.write_tx().await?;
        let old = fetch_case(&mut tx, c.id).await?;
        if !write_fields(&mut tx, c.id, c, Some(ch.expected_version)).await? {
            return Err(DomainError::conflict(
                "该案件已被他人处理，请刷新后重试",
                "someone else acted on this case: reload and try again",
            ));
        }
        let eid = insert_event(
            &mut tx,
            c.id,
            c.updated_ms,
            &ch.event,
            &ch.actor_login,
            &ch.actor_role,
        )
        .await?;
        insert_photos(&mut tx, c.id, eid, "result", &ch.photos, c.updated_ms).await?;
        insert_parties(&mut tx, c.id, &ch.parties).await?;
        for (dept, due) in &ch.whistles {
            sqlx::query(
                "INSERT INTO case_whistles (case_id, department_id, called_ms, due_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, department_id) DO UPDATE SET called_ms = $3, due_ms = $4, reported_ms = NULL",
            )
            .bind(c.id)
            .bind(dept)
            .bind(c.updated_ms)
            .bind(due)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        if let Some(d) = ch.reported {
            sqlx::query("UPDATE case_whistles SET reported_ms = $1 WHERE case_id = $2 AND department_id = $3 AND reported_ms IS NULL")
                .bind(c.updated_ms)
                .bind(c.id)
                .bind(d)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let mut roll = std::collections::HashMap::new();
        rollup_add(&mut roll, &old, -1);
        rollup_add(&mut roll, c, 1);
        rollup_apply(&mut tx, &roll).await?;
        insert_notices(&mut tx, Some(c.id), c.updated_ms, &ch.notices).await?;
        write_audit(&mut tx, &ch.audit).await?;
        let out = fetch_case(&mut tx, c.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn events(&self, case_id: i64) -> Result<Vec<CaseEvent>> {
        let rows = sqlx::query("SELECT * FROM case_events WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let from: Option<String> = g(r, "from_status")?;
                let to: Option<String> = g(r, "to_status")?;
                Ok(CaseEvent {
                    id: g(r, "id")?,
                    case_id: g(r, "case_id")?,
                    at_ms: g(r, "at_ms")?,
                    action: g(r, "action")?,
                    from_status: from.as_deref().and_then(Status::parse),
                    to_status: to.as_deref().and_then(Status::parse),
                    actor_login: g(r, "actor_login")?,
                    actor_role: g(r, "actor_role")?,
                    note: g(r, "note")?,
                    public: g::<i64>(r, "public")? != 0,
                })
            })
            .collect()
    }

    async fn attachments(&self, case_id: i64) -> Result<Vec<Attachment>> {
        let rows = sqlx::query("SELECT id, case_id, event_id, kind, content_type, size FROM case_attachments WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Attachment {
                    id: g(r, "id")?,
                    case_id: g(r, "case_id")?,
                    event_id: g(r, "event_id")?,
                    kind: g(r, "kind")?,
                    content_type: g(r, "content_type")?,
                    size: g(r, "size")?,
                })
            })
            .collect()
    }

    async fn attachment(&self, id: i64) -> Result<Option<(Attachment, Vec<u8>)>> {
        let row = sqlx::query("SELECT id, case_id, event_id, kind, content_type, size, bytes FROM case_attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok((
                Attachment {
                    id: g(&r, "id")?,
                    case_id: g(&r, "case_id")?,
                    event_id: g(&r, "event_id")?,
                    kind: g(&r, "kind")?,
                    content_type: g(&r, "content_type")?,
                    size: g(&r, "size")?,
                },
                g::<Vec<u8>>(&r, "bytes")?,
            ))
        })
        .transpose()
    }

    async fn parties(&self, case_id: i64) -> Result<Vec<Party>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT role, name FROM case_parties WHERE case_id = $1 ORDER BY role")
                .bind(case_id)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(role, name)| Party { role, name })
            .collect())
    }

    async fn whistles(&self, case_id: i64) -> Result<Vec<Whistle>> {
        let rows = sqlx::query(
            "SELECT w.*, d.name AS dname FROM case_whistles w JOIN departments d ON d.id = w.department_id WHERE w.case_id = $1 ORDER BY w.id",
        )
        .bind(case_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Whistle {
                    id: g(r, "id")?,
                    case_id: g(r, "case_id")?,
                    department_id: g(r, "department_id")?,
                    department_name: g(r, "dname")?,
                    called_ms: g(r, "called_ms")?,
                    due_ms: g(r, "due_ms")?,
                    reported_ms: g(r, "reported_ms")?,
                    note: g(r, "note")?,
                })
            })
            .collect()
    }

    async fn search(&self, q: &CaseQuery, page: PageRequest) -> Result<Page<Case>> {
        let w = where_of(q);
        let count_sql = format!("SELECT COUNT(*) FROM cases WHERE {}", w.sql);
        let (total,): (i64,) = if q.no_count {
            (-1,)
        } else {
            let mut cq = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql));
            for p in &w.params {
                cq = match p {
                    P::T(t) => cq.bind(t.as_str()),
                    P::I(i) => cq.bind(*i),
                };
            }
            cq.fetch_one(&self.r).await.map_err(db_err)?
        };
        let n = w.next();
        let order = if q.by_remind_moment {
            format!("{REMIND_MOMENT}, id")
        } else {
            "created_ms DESC, id DESC".to_string()
        };
        let sqlite = self.backend == crate::Backend::Sqlite;
        // SQLite: the page as one JSON value, its cases chosen by id. Row by row, sqlx's
        // SQLite driver copied each of a case's 53 values and handed every row from the
        // connection's thread to the caller on its own; and to keep the top of a list,
        // SQLite built and rebalanced a temporary b-tree of whole rows, where ids sort
        // straight off the index. A grid worker's inbox (ten lists) cost ~7.7 ms of CPU,
        // little of it in SQLite's reading.
        let sql = if sqlite {
            format!(
                "SELECT json_group_array(json_array({}) ORDER BY {order}) FROM cases \
                 WHERE id IN (SELECT id FROM cases WHERE {} ORDER BY {order} LIMIT ${n} OFFSET ${})",
                case_json_cols(),
                w.sql,
                n + 1
            )
        } else {
            format!(
                "SELECT {CASE_COLS} FROM cases WHERE {} ORDER BY {order} LIMIT ${n} OFFSET ${}",
                w.sql,
                n + 1
            )
        };
        let query = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .bind(page.limit)
            .bind(page.offset);
        let items: Vec<Case> = if sqlite {
            let row = query.fetch_one(&self.r).await.map_err(db_err)?;
            cases_from_json(&row.try_get::<String, _>(0).map_err(db_err)?)?
        } else {
            let rows = query.fetch_all(&self.r).await.map_err(db_err)?;
            rows.iter().map(case_row).collect::<Result<_>>()?
        };
        Ok(Page {
            total: if total < 0 { items.len() as i64 } else { total },
            items,
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn rate_counts(
        &self,
        q: &CaseQuery,
        group: RateGroup,
        now_ms: i64,
    ) -> Result<Vec<RateCounts>> {
        if let Some(rows) = self.rate_counts_rolled_up(q, &group, now_ms).await? {
            return Ok(rows);
        }
        let w = where_of(q);
        let n = w.next();
        let key = match &group {
            RateGroup::Total => "'total'".to_string(),
            RateGroup::Level(level) => {
                let len: i64 = jiceng_domain::org::UnitKind::ALL
                    .iter()
                    .take_while(|k| *k <= level)
                    .map(|k| k.code_len() as i64 + 1)
                    .sum::<i64>()
                    + 1;
                format!("substr(path, 1, {len})")
            }
            RateGroup::Department => "CAST(COALESCE(assignee_dept_id, 0) AS TEXT)".to_string(),
            RateGroup::Month => match self.backend {
                crate::Backend::Sqlite => {
                    "strftime('%Y-%m', created_ms / 1000 + 28800, 'unixepoch')".to_string()
                }
                crate::Backend::Postgres => {
                    "to_char(to_timestamp(created_ms / 1000 + 28800) AT TIME ZONE 'UTC', 'YYYY-MM')"
                        .to_string()
                }
            },
        };
        let s = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
        let sql = format!(
            "SELECT {key} AS k, COUNT(*) AS total, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM cases WHERE {} {} ORDER BY 1",
            s("status = 'rejected'"),
            s("dispatched_ms IS NOT NULL"),
            s(&format!(
                "response_due_ms IS NOT NULL AND (responded_ms IS NOT NULL OR (response_due_ms <= ${n} AND status NOT IN ('closed', 'rejected')))"
            )),
            s("responded_ms IS NOT NULL AND responded_ms <= response_due_ms"),
            s("status = 'closed'"),
            s("status = 'closed' AND closed_ms <= due_ms"),
            s("satisfaction IS NOT NULL"),
            s("satisfaction IN ('satisfied', 'basic')"),
            s("overdue = 1 AND status NOT IN ('closed', 'rejected')"),
            s("status = 'closed' AND closed_level = 'grid'"),
            s("status = 'closed' AND closed_level = 'community'"),
            s("status = 'closed' AND closed_level = 'subdistrict'"),
            s("status = 'closed' AND closed_level = 'district'"),
            w.sql,
            if group == RateGroup::Total {
                ""
            } else {
                "GROUP BY 1"
            },
        );
        let rows = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .bind(now_ms)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let at = |i: usize| -> Result<i64> { r.try_get::<i64, _>(i).map_err(db_err) };
                Ok(RateCounts {
                    key: r.try_get::<String, _>(0).map_err(db_err)?,
                    total: at(1)?,
                    rejected: at(2)?,
                    dispatched: at(3)?,
                    response_due: at(4)?,
                    responded_in_time: at(5)?,
                    closed: at(6)?,
                    closed_in_time: at(7)?,
                    rated: at(8)?,
                    satisfied: at(9)?,
                    overdue_open: at(10)?,
                    closed_grid: at(11)?,
                    closed_community: at(12)?,
                    closed_subdistrict: at(13)?,
                    closed_district: at(14)?,
                })
            })
            .collect()
    }

    async fn sweep_candidates(&self, now_ms: i64, limit: i64) -> Result<(Vec<Case>, Vec<Case>)> {
        let [overdue, remind] = self.sweep_rows(now_ms, limit, false).await?;
        Ok((
            overdue.iter().map(case_row).collect::<Result<_>>()?,
            remind.iter().map(case_row).collect::<Result<_>>()?,
        ))
    }

    async fn mark_reminded(&self, id: i64, notices: Vec<NewNotice>) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let now = chrono::Utc::now().timestamp_millis();
        let r = sqlx::query("UPDATE cases SET reminded = 1 WHERE id = $1 AND reminded = 0")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_notices(&mut tx, Some(id), now, &notices).await?;
        sqlx::query(
            "INSERT INTO case_events (case_id, at_ms, action, from_status, to_status, actor_login, actor_role, note, public) SELECT id, $2, 'remind', status, status, 'system', 'system', '临近办理时限，已提醒', 0 FROM cases WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn claim_notices(&self, now_ms: i64, after_id: i64, limit: i64) -> Result<Vec<Notice>> {
        if self.backend == crate::Backend::Sqlite {
            return self.claim_notices_sqlite(now_ms, after_id, limit).await;
        }
        // One statement marks the oldest unsent notices and returns them; SKIP LOCKED
        // lets several instances claim side by side, each notice once.
        //
        // The choice is a materialised CTE, run once. Written as `WHERE id IN (SELECT …
        // LIMIT $2 FOR UPDATE SKIP LOCKED)`, PostgreSQL may plan a semi-join that runs
        // the subquery again for every row of the outer scan; each run skips the rows
        // this statement has already updated, so the claim takes far more than its
        // limit, and each run sorts every unsent notice. Its plan was cached from the
        // empty table of a fresh database (a nested loop over a sequential scan of
        // notifications); under intake at 6.1 k/s a claim of 500 ran 32–38 s and marked
        // 14,581 notices, and the outbox fell ever further behind. (Statistics that
        // called the outbox empty came from analysing it so; `SqlStore::optimize`
        // no longer analyses empty tables.)
        let rows = sqlx::query(
            "WITH claimed AS MATERIALIZED (SELECT id FROM notifications WHERE sent_ms IS NULL AND id > $3 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             UPDATE notifications AS n SET sent_ms = $1 FROM claimed WHERE n.id = claimed.id \
             RETURNING n.id, n.at_ms, n.channel, n.recipient, n.case_id, n.text, n.sent_ms",
        )
        .bind(now_ms)
        .bind(limit)
        .bind(after_id)
        .fetch_all(&self.w)
        .await
        .map_err(db_err)?;
        let mut out = rows.iter().map(notice_row).collect::<Result<Vec<_>>>()?;
        // RETURNING gives no order; notices go out oldest first.
        out.sort_unstable_by_key(|n| n.id);
        self.vacuum_outbox_now_and_then(out.len() as u64);
        Ok(out)
    }

    async fn notices_for(&self, recipients: &[String], limit: i64) -> Result<Vec<Notice>> {
        if recipients.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT id, at_ms, channel, recipient, case_id, text, sent_ms FROM notifications WHERE recipient IN ({}) ORDER BY id DESC LIMIT ${}",
            crate::placeholders(1, recipients.len()),
            recipients.len() + 1
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in recipients {
            q = q.bind(r.as_str());
        }
        let rows = q.bind(limit).fetch_all(&self.r).await.map_err(db_err)?;
        rows.iter().map(notice_row).collect()
    }

    async fn rotations(&self, path: &str) -> Result<Vec<Rotation>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(
            "SELECT r.*, u.name AS uname, c.number AS cnumber, c.status AS cstatus, c.description AS cdesc FROM rotations r \
             JOIN org_units u ON u.id = r.subdistrict_id LEFT JOIN cases c ON c.id = r.case_id \
             WHERE u.path >= $1 AND u.path < $2 ORDER BY r.period DESC, u.code",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(rotation_row).collect()
    }

    async fn rotation(&self, id: i64) -> Result<Option<Rotation>> {
        let row = sqlx::query(
            "SELECT r.*, u.name AS uname, c.number AS cnumber, c.status AS cstatus, c.description AS cdesc FROM rotations r \
             JOIN org_units u ON u.id = r.subdistrict_id LEFT JOIN cases c ON c.id = r.case_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.r)
        .await
        .map_err(db_err)?;
        row.as_ref().map(rotation_row).transpose()
    }

    async fn insert_rotation(
        &self,
        subdistrict_id: i64,
        period: &str,
        secretary: &str,
        audit: AuditEvent,
    ) -> Result<Rotation> {
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as("INSERT INTO rotations (subdistrict_id, period, secretary) VALUES ($1, $2, $3) RETURNING id")
            .bind(subdistrict_id)
            .bind(period)
            .bind(secretary)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match db_err(e) {
                DomainError::Conflict(_) => DomainError::field("period", "该街道本期已有轮值书记", "this sub-district already has a rotation for the period"),
                e => e,
            })?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.rotation(id)
            .await?
            .ok_or(DomainError::NotFound("rotation"))
    }

    async fn set_rotation_case(
        &self,
        rotation_id: i64,
        case_id: i64,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE rotations SET case_id = $1, taken_ms = $2 WHERE id = $3 AND case_id IS NULL",
        )
        .bind(case_id)
        .bind(at_ms)
        .bind(rotation_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if r.rows_affected() != 1 {
            return Err(DomainError::rule(
                "本期轮值书记已领办案件",
                "this rotation already has its case",
            ));
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn open311_key_valid(&self, key_hash: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM open311_keys WHERE key_hash = $1 AND active = 1")
            .bind(key_hash)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        Ok(row.is_some())
    }

    async fn insert_open311_key(
        &self,
        key_hash: &str,
        name: &str,
        audit: AuditEvent,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO open311_keys (key_hash, name, created_ms, active) VALUES ($1, $2, $3, 1)",
        )
        .bind(key_hash)
        .bind(name)
        .bind(audit.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn import_cases(&self, cases: Vec<HistoricCase>, audit: AuditEvent) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let n = cases.len() as u64;
        let mut roll = std::collections::HashMap::new();
        for h in &cases {
            let (id, _) = insert_case_row(&mut tx, &h.case, Some(&h.fields)).await?;
            let mut f = h.fields.clone();
            f.path = h.case.path.clone();
            f.created_ms = h.case.created_ms;
            rollup_add(&mut roll, &f, 1);
            for (at, e, login, role) in &h.events {
                insert_event(&mut tx, id, *at, e, login, role).await?;
            }
            insert_parties(&mut tx, id, &h.parties).await?;
        }
        rollup_apply(&mut tx, &roll).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(n)
    }
}

impl SqlStore {
    /// The rates from the rollup table, when the query only narrows by place, handling
    /// department and whole months; `None` when it needs the cases themselves.
    async fn rate_counts_rolled_up(
        &self,
        q: &CaseQuery,
        group: &RateGroup,
        now_ms: i64,
    ) -> Result<Option<Vec<RateCounts>>> {
        let only_these = q.estates_or_dept.is_none()
            && q.reporter_user_id.is_none()
            && q.q.is_none()
            && q.statuses.is_empty()
            && q.category_prefix.is_none()
            && q.channel.is_none()
            && q.overdue.is_none()
            && q.assignee_unit_id.is_none()
            && q.assignee_dept_id.is_none()
            && q.coord_unit_id.is_none()
            && q.nearing_before_ms.is_none()
            && q.reminded.is_none()
            && !q.escalated
            && !q.returned;
        let aligned = |ms: Option<i64>| ms.is_none_or(|m| month_start(&month_of(m)) == Some(m));
        if !only_these || !aligned(q.from_ms) || !aligned(q.to_ms) {
            return Ok(None);
        }
        let level_len = |level: &jiceng_domain::org::UnitKind| -> i64 {
            jiceng_domain::org::UnitKind::ALL
                .iter()
                .take_while(|k| *k <= level)
                .map(|k| k.code_len() as i64 + 1)
                .sum::<i64>()
                + 1
        };
        let (key, live_key) = match group {
            RateGroup::Total => ("'total'".to_string(), "'total'".to_string()),
            RateGroup::Level(l) => {
                let len = level_len(l);
                (format!("substr(path, 1, {len})"), format!("substr(path, 1, {len})"))
            }
            RateGroup::Department => ("CAST(dept_id AS TEXT)".to_string(), "CAST(COALESCE(assignee_dept_id, 0) AS TEXT)".to_string()),
            RateGroup::Month => (
                "month".to_string(),
                match self.backend {
                    crate::Backend::Sqlite => "strftime('%Y-%m', created_ms / 1000 + 28800, 'unixepoch')".to_string(),
                    crate::Backend::Postgres => "to_char(to_timestamp(created_ms / 1000 + 28800) AT TIME ZONE 'UTC', 'YYYY-MM')".to_string(),
                },
            ),
        };
        let mut w = Where::new();
        let mut live = Where::new();
        // A unit at or above the community, grouped at or above the community, reads the
        // rows of its own level in `case_rollup_up` (months × departments rows, or one per
        // month for all departments); anything finer reads the grid rows.
        let plen = q.path.as_ref().map(|p| p.len());
        let up_level = match group {
            RateGroup::Level(l) => {
                let len = level_len(l) as usize;
                (UP_LEVELS.contains(&len) && plen.is_none_or(|p| p <= len)).then_some(len)
            }
            _ => match plen {
                None => Some(UP_LEVELS[0]),
                Some(p) => UP_LEVELS.contains(&p).then_some(p),
            },
        };
        let table = if up_level.is_some() {
            "case_rollup_up"
        } else {
            "case_rollup"
        };
        if let Some(path) = &q.path {
            let (lo, hi) = subtree_range(path);
            if up_level.is_none() {
                w.text("path >= $?", lo.clone());
                w.text("path < $?", hi.clone());
            } else if up_level == plen {
                w.text("path = $?", path.clone());
            } else {
                w.text("path >= $?", lo.clone());
                w.text("path < $?", hi.clone());
            }
            live.text("path >= $?", lo);
            live.text("path < $?", hi);
        }
        // The subtree alone: what PostgreSQL reads the cases owing a response by.
        let live_subtree = live.sql.clone();
        if let Some(n) = up_level {
            if up_level != plen {
                w.int("length(path) = $?", n as i64);
            }
            if *group == RateGroup::Department || q.dept_id.is_some() {
                w.int("dept_id >= $?", 0);
            } else {
                w.int("dept_id = $?", ALL_DEPTS);
            }
        }
        if let Some(d) = q.dept_id {
            w.int("dept_id = $?", d);
            live.int("assignee_dept_id = $?", d);
        }
        if let Some(f) = q.from_ms {
            w.text("month >= $?", month_of(f));
            live.int("created_ms >= $?", f);
        }
        if let Some(t) = q.to_ms {
            w.text("month < $?", month_of(t));
            live.int("created_ms < $?", t);
        }
        let sums = ROLLUP_COLS
            .iter()
            .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let group_by = if *group == RateGroup::Total {
            ""
        } else {
            "GROUP BY 1"
        };
        let sql = format!(
            "SELECT {key} AS k, {sums} FROM {table} WHERE {} {group_by} ORDER BY 1",
            w.sql
        );
        let rows = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        // Responses still owed past their deadline are counted live: they are few (open,
        // unsigned cases) and depend on the clock.
        let n = live.next();
        const OPEN: &str = "status IN ('accepted', 'dispatched', 'processing', 'submitted')";
        const OWED: &str = "responded_ms IS NULL AND response_due_ms IS NOT NULL";
        // Only the cases still owing a response are in the partial index `cases_owed`.
        let live_sql = match self.backend {
            // SQLite's planner would otherwise walk a large unit's whole history by path.
            crate::Backend::Sqlite => format!(
                "SELECT {live_key} AS k, COUNT(*) FROM cases INDEXED BY cases_owed WHERE {} AND {OWED} AND response_due_ms <= ${n} AND {OPEN} {group_by}",
                live.sql
            ),
            // PostgreSQL's would AND it with another index over a large part of the city
            // (a district of 10 M cases owing 145: `cases_status_due`, 107 k entries,
            // 46 ms; with a period, `cases_created`, 3.5 M entries, 140–200 ms). Inside
            // the fence (`OFFSET 0`) only what `cases_owed` holds — the subtree and the
            // deadline — the rest (status, period, department) on the few rows it gives.
            crate::Backend::Postgres => format!(
                "SELECT {live_key} AS k, COUNT(*) FROM (SELECT path, status, assignee_dept_id, created_ms FROM cases WHERE {live_subtree} AND {OWED} AND response_due_ms <= ${n} OFFSET 0) AS c WHERE {} AND {OPEN} {group_by}",
                live.sql
            ),
        };
        let owed: std::collections::HashMap<String, i64> = live
            .bind(sqlx::query(sqlx::AssertSqlSafe(live_sql)))
            .bind(now_ms)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?
            .iter()
            .filter_map(|r| {
                Some((
                    r.try_get::<String, _>(0).ok()?,
                    r.try_get::<i64, _>(1).ok()?,
                ))
            })
            .collect();
        let mut out = vec![];
        for r in &rows {
            let at = |i: usize| -> Result<i64> {
                Ok(r.try_get::<Option<i64>, _>(i).map_err(db_err)?.unwrap_or(0))
            };
            let key: String = r
                .try_get::<Option<String>, _>(0)
                .map_err(db_err)?
                .unwrap_or_else(|| "total".into());
            let total = at(1)?;
            if total == 0 && *group != RateGroup::Total {
                continue;
            }
            out.push(RateCounts {
                total,
                rejected: at(2)?,
                dispatched: at(3)?,
                response_due: at(4)? + owed.get(&key).copied().unwrap_or(0),
                responded_in_time: at(5)?,
                closed: at(6)?,
                closed_in_time: at(7)?,
                rated: at(8)?,
                satisfied: at(9)?,
                overdue_open: at(10)?,
                closed_grid: at(11)?,
                closed_community: at(12)?,
                closed_subdistrict: at(13)?,
                closed_district: at(14)?,
                key,
            });
        }
        Ok(Some(out))
    }
}

/// The first moment of a `YYYY-MM` month, Beijing time.
fn month_start(month: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(jiceng_core::clock::china())
        .single()
        .map(|t| t.timestamp_millis())
}

fn rotation_row(r: &AnyRow) -> Result<Rotation> {
    let st: Option<String> = g(r, "cstatus")?;
    Ok(Rotation {
        id: g(r, "id")?,
        subdistrict_id: g(r, "subdistrict_id")?,
        subdistrict_name: g(r, "uname")?,
        period: g(r, "period")?,
        secretary: g(r, "secretary")?,
        case_id: g(r, "case_id")?,
        case_number: g(r, "cnumber")?,
        case_status: st.as_deref().and_then(Status::parse),
        case_description: g(r, "cdesc")?,
        taken_ms: g(r, "taken_ms")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An intake that finds the writer's queue full for longer than it waits is refused
    /// as busy and left out; one that finds room goes in; a stopped writer is an error.
    #[tokio::test]
    async fn a_full_writer_queue_refuses_an_intake_as_busy() {
        let wait = std::time::Duration::from_millis(20);
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
        enqueue(&tx, 1, wait).await.unwrap();
        assert_eq!(enqueue(&tx, 2, wait).await, Err(DomainError::Busy));
        assert_eq!(rx.recv().await, Some(1));
        enqueue(&tx, 3, wait).await.unwrap();
        assert_eq!(rx.recv().await, Some(3));
        drop(rx);
        assert_eq!(enqueue(&tx, 4, wait).await.unwrap_err().code(), "internal");
    }

    /// A deserializer that only records the field names a struct asks for, in the
    /// order it declares them (serde's derive passes them to `deserialize_struct`).
    struct FieldNames<'a>(&'a mut Vec<&'static str>);

    impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom(
                "only a struct's field names are read",
            ))
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0.extend_from_slice(fields);
            Err(serde::de::Error::custom("field names read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    /// A SQLite list's JSON gives each case's values by position ([`case_json_cols`]),
    /// which `CaseCols` reads in the order it declares its fields: that order must be
    /// [`CASE_COLS`]'s, name for name (a swap of two fields of one type would otherwise
    /// go unnoticed wherever their values happen to be equal).
    #[test]
    fn case_cols_declares_its_fields_in_case_cols_order() {
        let mut names = vec![];
        assert!(<CaseCols as serde::Deserialize>::deserialize(FieldNames(&mut names)).is_err());
        let cols: Vec<&str> = CASE_COLS.split(", ").collect();
        assert_eq!(names, cols);
    }

    fn texts(w: &Where) -> Vec<&str> {
        w.params
            .iter()
            .filter_map(|p| match p {
                P::T(t) => Some(t.as_str()),
                P::I(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_list_without_statuses_names_every_status() {
        let q = CaseQuery {
            path: Some("/150302/".into()),
            ..Default::default()
        };
        let w = where_of(&q);
        let all: Vec<String> = Status::ALL
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        assert!(
            w.sql.ends_with(&format!("status IN ({})", all.join(", "))),
            "{}",
            w.sql
        );
        assert!(w.sql.contains("'closed'") && w.sql.contains("'rejected'"));
        assert!(w.params.is_empty(), "a district's scope is written in");
    }

    /// A district's or a sub-district's subtree is written into the statement (planned on
    /// its own size); a community's, a grid's, or any path that is not digits and
    /// slashes alone is bound.
    #[test]
    fn large_scopes_are_written_in_and_small_ones_bound() {
        let of = |path: &str| {
            where_of(&CaseQuery {
                path: Some(path.into()),
                ..Default::default()
            })
        };
        for (path, hi) in [
            ("/150302/", "/1503020"),
            ("/150302/150302001/", "/150302/1503020010"),
        ] {
            let w = of(path);
            assert!(
                w.sql
                    .contains(&format!("path >= '{path}' AND path < '{hi}'")),
                "{}",
                w.sql
            );
            assert!(w.params.is_empty());
        }
        let community = "/150302/150302001/150302001002/";
        let w = of(community);
        assert_eq!(
            texts(&w),
            vec![community, "/150302/150302001/1503020010020"]
        );
        assert!(!w.sql.contains(community));
        let odd = "/15'0/";
        let w = of(odd);
        assert_eq!(texts(&w), vec![odd, "/15'00"]);
        assert!(!w.sql.contains(odd));
    }

    #[test]
    fn a_list_with_statuses_names_only_those() {
        let q = CaseQuery {
            statuses: vec![Status::Submitted, Status::Processing],
            ..Default::default()
        };
        let w = where_of(&q);
        assert!(
            w.sql.ends_with("status IN ('submitted', 'processing')"),
            "{}",
            w.sql
        );
        assert!(w.params.is_empty());
    }

    /// The inbox's list of cases the sweep has not reminded yet states `cases_remind`'s
    /// whole condition in its text (statuses and marks as literals), so PostgreSQL's
    /// generic plans and SQLite can use that partial index.
    #[test]
    fn a_nearing_list_states_the_reminder_index_condition() {
        let q = CaseQuery {
            statuses: Status::SWEPT.to_vec(),
            overdue: Some(false),
            reminded: Some(false),
            nearing_before_ms: Some(1_800_000_000_000),
            by_remind_moment: true,
            ..Default::default()
        };
        let w = where_of(&q);
        for part in [
            "status IN ('accepted', 'dispatched', 'processing')",
            "overdue = 0",
            "reminded = 0",
            "due_ms IS NOT NULL",
            "accepted_ms + (due_ms - accepted_ms) * 3 / 4 <= $1",
        ] {
            assert!(w.sql.contains(part), "{part} in {}", w.sql);
        }
        let index = include_str!("../migrations/postgres/0015_cases_nearing_deadline.sql");
        assert!(
            index.contains("WHERE status IN ('accepted', 'dispatched', 'processing') AND reminded = 0 AND overdue = 0 AND due_ms IS NOT NULL"),
            "the index's condition as the list states it"
        );
        assert!(index.contains(&format!("(({REMIND_MOMENT}))")));
    }
}
