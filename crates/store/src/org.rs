use foldhash::{HashMap, HashMapExt, HashSet};

use async_trait::async_trait;
use jiceng_core::{AuditEvent, DomainError, Result};
use jiceng_domain::org::*;
use jiceng_formats::geo::Polygon;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::bulk::{self, Col, LoadConn, col};
use crate::{SqlStore, db_err, subtree_range, write_audit};

const UNIT_COLS: &str = "id, code, kind, name, official_name, parent_id, path, grid_type, boundary, address, status, created_ms, retired_ms, version";

fn unit_row(r: &AnyRow) -> Result<OrgUnit> {
    let UnitLabel {
        id,
        code,
        kind,
        name,
        path,
        status,
    } = label_row(r)?;
    let grid_type: Option<String> = r.try_get("grid_type").map_err(db_err)?;
    let boundary: Option<String> = r.try_get("boundary").map_err(db_err)?;
    let boundary = match boundary {
        Some(s) => {
            let v: serde_json::Value = serde_json::from_str(&s).map_err(DomainError::internal)?;
            Some(Polygon::from_geojson_geometry(&v).map_err(|t| DomainError::internal(t.en))?)
        }
        None => None,
    };
    Ok(OrgUnit {
        id,
        code,
        kind,
        name,
        official_name: r.try_get("official_name").map_err(db_err)?,
        parent_id: r.try_get("parent_id").map_err(db_err)?,
        path,
        grid_type: grid_type.as_deref().and_then(GridType::parse),
        boundary,
        address: r.try_get("address").map_err(db_err)?,
        status,
        created_ms: r.try_get("created_ms").map_err(db_err)?,
        retired_ms: r.try_get("retired_ms").map_err(db_err)?,
        version: r.try_get("version").map_err(db_err)?,
    })
}

fn post_row(r: &AnyRow) -> Result<PostHolder> {
    let title: String = r.try_get("title").map_err(db_err)?;
    Ok(PostHolder {
        id: r.try_get("id").map_err(db_err)?,
        unit_id: r.try_get("unit_id").map_err(db_err)?,
        title: PostTitle::parse(&title).ok_or_else(|| DomainError::internal("bad post title"))?,
        person_name: r.try_get("person_name").map_err(db_err)?,
        phone: r.try_get("phone").map_err(db_err)?,
        since_ms: r.try_get("since_ms").map_err(db_err)?,
        until_ms: r.try_get("until_ms").map_err(db_err)?,
    })
}

fn boundary_text(p: &Option<Polygon>) -> Option<String> {
    p.as_ref().map(|p| p.to_geojson_geometry().to_string())
}

async fn history(
    conn: &mut AnyConnection,
    unit_id: i64,
    change: &str,
    audit: &AuditEvent,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO unit_history (unit_id, at_ms, change, before_json, after_json, actor_login) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(unit_id)
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

/// The first of `n` consecutive ids of `table` taken for rows about to be inserted
/// with explicit ids. SQLite: only inside its write transaction, which holds the one
/// write lock; PostgreSQL: the table is locked against other writers and the identity
/// sequence moved past the range.
pub(crate) async fn reserve_ids<C: LoadConn + ?Sized>(
    conn: &mut C,
    sqlite: bool,
    table: &'static str,
    n: usize,
) -> Result<i64> {
    let n = n as i64;
    if sqlite {
        let last = conn.number(bulk::reserve_sql_sqlite(table), None).await?;
        return Ok(last + 1);
    }
    conn.run(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        .await?;
    let last = conn
        .number(
            format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(nextval(pg_get_serial_sequence('{table}', 'id')), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table})) + $1 - 1)"
            ),
            Some(n),
        )
        .await?;
    Ok(last - n + 1)
}

/// The rows of [`insert_units`], worked out a chunk at a time.
struct Planned<'a> {
    units: &'a [NewUnit],
    first_id: i64,
    /// Parents from the table, by code: (id, path).
    stored: HashMap<String, (i64, String)>,
    /// Units of the batch planned so far, by code: index into `created`.
    index: HashMap<&'a str, usize>,
    /// (id, path) of each unit planned so far.
    created: Vec<(i64, String)>,
    /// Without the columns every unit leaves empty (grid type, boundary, address).
    slim: bool,
    /// With each unit's "create" history entry as the row's last element.
    history: bool,
    /// How the rows are written.
    rows: bulk::Rows,
}

impl<'a> Planned<'a> {
    /// Nothing planned yet: `units` to number from `first_id`, their parents outside the
    /// batch read from the table. Rows as full JSON arrays unless the caller says
    /// otherwise (`slim`, `history`, `rows`; [`Planned::copy_rows`] uses none of them).
    async fn start<C: LoadConn + ?Sized>(
        conn: &mut C,
        units: &'a [NewUnit],
        first_id: i64,
    ) -> Result<Self> {
        Ok(Planned {
            units,
            first_id,
            stored: stored_parents(conn, units).await?,
            index: HashMap::with_capacity(units.len()),
            created: Vec::with_capacity(units.len()),
            slim: false,
            history: false,
            rows: bulk::Rows::Json,
        })
    }

    /// Works out unit `k`'s id, parent id and path (its parent planned before it or
    /// stored) and records them for its children; the path is the last of `created`.
    fn place(&mut self, k: usize) -> Result<(i64, Option<i64>)> {
        let u = &self.units[k];
        let parent: Option<(i64, &str)> = match u.parent_code.as_deref() {
            None => None,
            Some(pc) => Some(match self.index.get(pc) {
                Some(&j) => (self.created[j].0, self.created[j].1.as_str()),
                None => self
                    .stored
                    .get(pc)
                    .map(|(id, path)| (*id, path.as_str()))
                    .ok_or_else(|| {
                        DomainError::field("parent_code", "上级单位不存在", "unknown parent unit")
                    })?,
            }),
        };
        let id = self.first_id + k as i64;
        let path = jiceng_domain::org::rules::child_path(parent.map(|p| p.1), &u.code);
        let parent_id = parent.map(|p| p.0);
        self.index.insert(u.code.as_str(), self.created.len());
        self.created.push((id, path));
        Ok((id, parent_id))
    }

    /// The path of the unit planned last.
    fn last_path(&self) -> &str {
        self.created.last().map_or("", |c| c.1.as_str())
    }

    /// Plans `range` of the units and returns its rows for the bulk statement: JSON, or
    /// separated text.
    fn chunk(&mut self, range: std::ops::Range<usize>) -> Result<String> {
        let mut json: Vec<u8> = Vec::with_capacity(range.len() * 160);
        let separated = self.rows == bulk::Rows::Separated;
        if !separated {
            json.push(b'[');
        }
        let units = self.units;
        for k in range {
            let u = &units[k];
            let (_, parent_id) = self.place(k)?;
            let path = self.last_path();
            if separated {
                if !json.is_empty() {
                    json.push(bulk::ROW_SEPARATOR);
                }
                unit_row_separated(&mut json, u, parent_id, path).map_err(DomainError::internal)?;
            } else {
                if json.len() > 1 {
                    json.push(b',');
                }
                // One JSON array per row; the id is not in it (see `insert_numbered_sql`).
                unit_row_json(&mut json, u, parent_id, path, self.slim, self.history)
                    .map_err(DomainError::internal)?;
            }
        }
        if !separated {
            json.push(b']');
        }
        String::from_utf8(json).map_err(DomainError::internal)
    }

    /// Plans `range` of the units and appends their rows in `COPY`'s text format, in
    /// the columns of [`copy_units`]; `at` is the creation time.
    fn copy_rows(
        &mut self,
        range: std::ops::Range<usize>,
        at: &str,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        use std::io::Write;
        let units = self.units;
        for k in range {
            let u = &units[k];
            let (id, parent_id) = self.place(k)?;
            write!(out, "{id}\t").map_err(DomainError::internal)?;
            for field in [u.code.as_str(), u.kind.as_str(), &u.name, &u.official_name] {
                bulk::copy_text(out, field);
                out.push(b'\t');
            }
            match parent_id {
                Some(p) => write!(out, "{p}\t").map_err(DomainError::internal)?,
                None => out.extend_from_slice(b"\\N\t"),
            }
            bulk::copy_text(out, self.last_path());
            let grid_type = u.grid_type.map(|g| g.as_str());
            let boundary = boundary_text(&u.boundary);
            for field in [grid_type, boundary.as_deref(), u.address.as_deref()] {
                out.push(b'\t');
                match field {
                    Some(f) => bulk::copy_text(out, f),
                    None => out.extend_from_slice(b"\\N"),
                }
            }
            writeln!(out, "\t{at}\tactive\t1").map_err(DomainError::internal)?;
        }
        Ok(())
    }
}

/// A unit's row of the separated-text statement in [`insert_units`] (slim units with
/// their history entry): code, kind, name, official name, parent id (empty: none), path,
/// the history entry's JSON.
fn unit_row_separated(
    out: &mut Vec<u8>,
    u: &NewUnit,
    parent_id: Option<i64>,
    path: &str,
) -> serde_json::Result<()> {
    let f = bulk::FIELD_SEPARATOR;
    for field in [u.code.as_str(), u.kind.as_str(), &u.name, &u.official_name] {
        out.extend_from_slice(field.as_bytes());
        out.push(f);
    }
    if let Some(id) = parent_id {
        out.extend_from_slice(id.to_string().as_bytes());
    }
    out.push(f);
    out.extend_from_slice(path.as_bytes());
    out.push(f);
    created_entry_json(out, u)
}

/// The `after_json` of a unit's "create" history entry, as SQLite's `json_object`
/// writes it in [`insert_units`], written straight into `out`.
fn created_entry_json(out: &mut Vec<u8>, u: &NewUnit) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"name\":");
    serde_json::to_writer(&mut *out, &u.name)?;
    out.extend_from_slice(b",\"parent\":");
    serde_json::to_writer(&mut *out, &u.parent_code)?;
    out.push(b'}');
    Ok(())
}

/// A unit's row of the bulk statement in [`insert_units`], appended to `json`.
fn unit_row_json(
    json: &mut Vec<u8>,
    u: &NewUnit,
    parent_id: Option<i64>,
    path: &str,
    slim: bool,
    history: bool,
) -> serde_json::Result<()> {
    use serde::ser::{SerializeSeq, Serializer};
    let mut row = serde_json::Serializer::new(json);
    let mut seq = row.serialize_seq(None)?;
    seq.serialize_element(&u.code)?;
    seq.serialize_element(u.kind.as_str())?;
    seq.serialize_element(&u.name)?;
    seq.serialize_element(&u.official_name)?;
    seq.serialize_element(&parent_id)?;
    seq.serialize_element(path)?;
    if !slim {
        seq.serialize_element(&u.grid_type.map(|g| g.as_str()))?;
        seq.serialize_element(&boundary_text(&u.boundary))?;
        seq.serialize_element(&u.address)?;
    }
    if history {
        let mut entry = Vec::with_capacity(64);
        created_entry_json(&mut entry, u)?;
        // Valid UTF-8: serde_json writes only that.
        seq.serialize_element(&String::from_utf8_lossy(&entry))?;
    }
    seq.end()
}

/// Inserts units in order, each parent resolved by code (from this batch or the
/// table); returns each created unit's (id, path), in the order of `units`. Ids are
/// reserved up front, so the units go in bulk statements of up to 20,000 rows (one JSON
/// parameter, see [`bulk`]) without reading anything back. Their "create" history
/// entries go with them in the same statement on PostgreSQL; SQLite, which has no
/// `INSERT` inside `WITH`, makes them by one `INSERT … SELECT` over the new id range.
pub(crate) async fn insert_units(
    conn: &mut AnyConnection,
    units: &[NewUnit],
    at_ms: i64,
    actor_login: &str,
) -> Result<Vec<(i64, String)>> {
    const CHUNK: usize = 20_000;
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let sqlite = crate::is_sqlite(conn);
    // Columns every unit leaves empty are left out of the rows (a division list has no
    // grid types, boundaries or addresses): less JSON to write and to unpack.
    let slim = units
        .iter()
        .all(|u| u.grid_type.is_none() && u.boundary.is_none() && u.address.is_none());
    let created_ms = at_ms.to_string();
    // Ids are consecutive from `first_id`: the statement numbers the rows itself.
    let mut cols = vec![
        col("code", Col::Text),
        col("kind", Col::Text),
        col("name", Col::Text),
        col("official_name", Col::Text),
        col("parent_id", Col::Int),
        col("path", Col::Text),
    ];
    if !slim {
        cols.extend([
            col("grid_type", Col::Text),
            col("boundary", Col::Text),
            col("address", Col::Text),
        ]);
    }
    let fixed = [
        ("created_ms", created_ms.as_str()),
        ("status", "'active'"),
        ("version", "1"),
    ];
    // PostgreSQL, units without grid types, boundaries or addresses (a division list):
    // the rows as separated text, which it splits in a third of the time it parses the
    // same rows as `jsonb` (~30 ms a chunk of 20,000) — unless a field holds a separator.
    let separable = !sqlite
        && slim
        && units.iter().all(|u| {
            [u.code.as_str(), &u.name, &u.official_name]
                .into_iter()
                .chain(u.parent_code.as_deref())
                .all(bulk::separable)
        });
    let rows = if separable {
        bulk::Rows::Separated
    } else {
        bulk::Rows::Json
    };
    let first_id = reserve_ids(conn, sqlite, "org_units", units.len()).await?;
    // PostgreSQL writes the history entries with the units and numbers them itself (a
    // sequence call per row cost ~0.1 s of the national list): entry = unit + `shift`.
    let shift = if sqlite {
        0
    } else {
        reserve_ids(conn, sqlite, "unit_history", units.len()).await? - first_id
    };
    let unit_sql = if sqlite {
        bulk::insert_numbered_sql(sqlite, "org_units", "id", &cols, &fixed)
    } else {
        // The history entry is the row's field after the unit's columns; the actor is
        // bound as $3.
        let after = bulk::pg_cell(rows, cols.len(), Col::Text);
        bulk::insert_numbered_pg_with(
            rows,
            "org_units",
            "id",
            &cols,
            &fixed,
            &format!(
                "INSERT INTO unit_history (id, unit_id, at_ms, change, after_json, actor_login) \
                 SELECT $2::BIGINT + e.k - 1 + ({shift}), $2::BIGINT + e.k - 1, {at_ms}, 'create', {after}, $3 FROM e"
            ),
        )
    };
    // Each chunk's ids, parents and paths are worked out (parents first: a parent in the
    // batch comes before its children) and serialized while the database writes the
    // chunk before it.
    let mut plan = Planned::start(conn, units, first_id).await?;
    (plan.slim, plan.history, plan.rows) = (slim, !sqlite, rows);
    // A load that at least doubles the tables (a database being set up with a nation's
    // or a province's list) appends the rows and builds the indexes afterwards.
    let restore =
        bulk::defer_indexes_for_load(conn, &["org_units", "unit_history"], units.len()).await?;
    let stmt = bulk::Chunked {
        sql: &unit_sql,
        rows,
        first_id: Some(first_id),
        // PostgreSQL writes the history entries in the same statement, by this actor.
        text: (!sqlite).then_some(actor_login),
    };
    if !sqlite && units.len() > CHUNK {
        // Each chunk's rows are unpacked once into a materialised CTE (~4.5 MB for
        // 20,000 units): over the default `work_mem` of 4 MB it went to a temporary file
        // and back, ~10 % of each chunk's statement. For this transaction only.
        sqlx::query("SET LOCAL work_mem = '64MB'")
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    bulk::insert_chunks(&mut *conn, stmt, units.len(), CHUNK, |r| plan.chunk(r))
        .await
        .map_err(code_taken)?;
    let created = plan.created;
    if sqlite {
        // One "create" entry in each unit's history, made from the rows just written.
        sqlx::query(
            "INSERT INTO unit_history (unit_id, at_ms, change, after_json, actor_login) \
             SELECT u.id, $1, 'create', json_object('name', u.name, 'parent', p.code), $2 \
             FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id \
             WHERE u.id >= $3 AND u.id <= $4 ORDER BY u.id",
        )
        .bind(at_ms)
        .bind(actor_login)
        .bind(first_id)
        .bind(first_id + units.len() as i64 - 1)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    bulk::pg_restore_indexes(conn, restore)
        .await
        .map_err(code_taken)?;
    Ok(created)
}

/// The error of a load that writes a code already taken (a unique key refused it).
fn code_taken(e: DomainError) -> DomainError {
    match e {
        DomainError::Conflict(_) => DomainError::field(
            "code",
            "编码已被使用（编码不可重复使用）",
            "a code is taken (codes are never reused)",
        ),
        e => e,
    }
}

/// The parents that `units` name but do not hold, read from the table by code: (id,
/// path).
async fn stored_parents<C: LoadConn + ?Sized>(
    conn: &mut C,
    units: &[NewUnit],
) -> Result<HashMap<String, (i64, String)>> {
    let sqlite = conn.is_sqlite();
    let in_batch: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let mut missing: Vec<&str> = units
        .iter()
        .filter_map(|u| u.parent_code.as_deref())
        .filter(|c| !in_batch.contains(c))
        .collect();
    drop(in_batch);
    missing.sort_unstable();
    missing.dedup();
    let mut stored: HashMap<String, (i64, String)> = HashMap::new();
    for part in missing.chunks(500) {
        let sql = format!(
            "SELECT id, path, code FROM org_units WHERE code IN ({})",
            crate::markers(sqlite, 1, part.len())
        );
        for (id, path, code) in conn.units_coded(sql, part).await? {
            stored.insert(code, (id, path));
        }
    }
    Ok(stored)
}

/// PostgreSQL, on a native connection ([`SqlStore::pg_load`]): [`insert_units`] with the
/// units and then their "create" history entries sent by `COPY`, a few thousand rows a
/// message, each made while the server writes the ones before it. PostgreSQL fills a
/// page at a time from `COPY` (one WAL record a page, not a row): the national list's
/// rows went in 1.85 s instead of 3.3 s.
pub(crate) async fn copy_units(
    conn: &mut sqlx::PgConnection,
    units: &[NewUnit],
    at_ms: i64,
    actor_login: &str,
) -> Result<Vec<(i64, String)>> {
    const PIECE: usize = 5_000;
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let first_id = reserve_ids(conn, false, "org_units", units.len()).await?;
    let first_entry = reserve_ids(conn, false, "unit_history", units.len()).await?;
    let mut plan = Planned::start(conn, units, first_id).await?;
    let restore =
        bulk::defer_indexes_for_load(conn, &["org_units", "unit_history"], units.len()).await?;
    let mut buf: Vec<u8> = Vec::with_capacity(PIECE * 256);
    let at = at_ms.to_string();
    bulk::copy_in(
        conn,
        "COPY org_units (id, code, kind, name, official_name, parent_id, path, grid_type, \
         boundary, address, created_ms, status, version) FROM STDIN",
        units.len(),
        PIECE,
        &mut buf,
        |range, out| plan.copy_rows(range, &at, out),
    )
    .await
    .map_err(code_taken)?;
    let created = plan.created;
    bulk::copy_in(
        conn,
        "COPY unit_history (id, unit_id, at_ms, change, after_json, actor_login) FROM STDIN",
        units.len(),
        PIECE,
        &mut buf,
        |range, out| {
            use std::io::Write;
            let mut entry = Vec::with_capacity(128);
            for k in range {
                entry.clear();
                created_entry_json(&mut entry, &units[k]).map_err(DomainError::internal)?;
                write!(
                    out,
                    "{}\t{}\t{at}\tcreate\t",
                    first_entry + k as i64,
                    first_id + k as i64
                )
                .map_err(DomainError::internal)?;
                bulk::copy_text_bytes(out, &entry);
                out.push(b'\t');
                bulk::copy_text(out, actor_login);
                out.push(b'\n');
            }
            Ok(())
        },
    )
    .await?;
    bulk::pg_restore_indexes(conn, restore)
        .await
        .map_err(code_taken)?;
    Ok(created)
}

/// The units of [`insert_units`] by code: (id, path).
pub(crate) fn by_code(
    units: &[NewUnit],
    created: Vec<(i64, String)>,
) -> HashMap<String, (i64, String)> {
    units
        .iter()
        .zip(created)
        .map(|(u, c)| (u.code.clone(), c))
        .collect()
}

/// Unit labels this instance has read (see `OrgStore::label`), each kept for
/// [`crate::appeals::CACHE_TTL`] and all dropped when this instance changes a unit.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    inner: std::sync::Mutex<LabelMap>,
    /// The tree's generation (`OrgStore::tree_generation`): advanced, under the lock,
    /// each time every label is dropped, so a label read before a change is not kept
    /// after it.
    generation: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct LabelMap {
    by_id: HashMap<i64, (std::time::Instant, UnitLabel)>,
    by_code: HashMap<String, i64>,
}

/// At most this many labels are kept (a city has tens of thousands of units; a nation's
/// division list ~665 k, most never shown).
const LABELS_KEPT: usize = 100_000;

/// How a label is asked for.
#[derive(Debug, Clone, Copy)]
enum LabelKey<'a> {
    Id(i64),
    Code(&'a str),
}

impl Labels {
    /// The label if kept and fresh, and the generation it was looked up at.
    fn get(&self, key: LabelKey<'_>) -> (Option<UnitLabel>, u64) {
        let Ok(g) = self.inner.lock() else {
            return (None, u64::MAX);
        };
        let id = match key {
            LabelKey::Id(id) => Some(id),
            LabelKey::Code(code) => g.by_code.get(code).copied(),
        };
        let hit = id
            .and_then(|id| g.by_id.get(&id))
            .filter(|(at, _)| at.elapsed() < crate::appeals::CACHE_TTL)
            .map(|(_, l)| l.clone());
        (hit, self.generation())
    }

    /// The tree's generation as this instance knows it.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Keeps a label read when the labels were at `generation`.
    fn keep(&self, l: &UnitLabel, generation: u64) {
        let Ok(mut g) = self.inner.lock() else {
            return;
        };
        if self.generation() != generation {
            return;
        }
        if g.by_id.len() >= LABELS_KEPT {
            g.by_id.clear();
            g.by_code.clear();
        }
        g.by_code.insert(l.code.clone(), l.id);
        g.by_id.insert(l.id, (std::time::Instant::now(), l.clone()));
    }

    /// Drops every label and advances the tree's generation (a unit changed: a move
    /// changes the paths of a whole subtree).
    pub(crate) fn forget_all(&self) {
        if let Ok(mut g) = self.inner.lock() {
            g.by_id.clear();
            g.by_code.clear();
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
    }
}

/// The columns a unit's label and its full row share.
fn label_row(r: &AnyRow) -> Result<UnitLabel> {
    let kind: String = r.try_get("kind").map_err(db_err)?;
    Ok(UnitLabel {
        id: r.try_get("id").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        kind: UnitKind::parse(&kind).ok_or_else(|| DomainError::internal("bad unit kind"))?,
        name: r.try_get("name").map_err(db_err)?,
        path: r.try_get("path").map_err(db_err)?,
        status: UnitStatus::parse(&r.try_get::<String, _>("status").map_err(db_err)?),
    })
}

impl SqlStore {
    /// A unit's label: kept by the instance, or read and kept.
    async fn label_of(&self, key: LabelKey<'_>) -> Result<Option<UnitLabel>> {
        let labels = &self.cache.labels;
        let (hit, generation) = labels.get(key);
        if hit.is_some() {
            return Ok(hit);
        }
        let q = match key {
            LabelKey::Id(id) => sqlx::query(
                "SELECT id, code, kind, name, path, status FROM org_units WHERE id = $1",
            )
            .bind(id),
            LabelKey::Code(code) => sqlx::query(
                "SELECT id, code, kind, name, path, status FROM org_units WHERE code = $1",
            )
            .bind(code),
        };
        let row = q.fetch_optional(&self.r).await.map_err(db_err)?;
        let label = row.as_ref().map(label_row).transpose()?;
        if let Some(l) = &label {
            labels.keep(l, generation);
        }
        Ok(label)
    }

    async fn fetch_unit(&self, conn: &mut AnyConnection, id: i64) -> Result<OrgUnit> {
        let row = sqlx::query(safe!("SELECT {UNIT_COLS} FROM org_units WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound("unit"))?;
        unit_row(&row)
    }
}

fn conflict() -> DomainError {
    DomainError::conflict(
        "该记录已被他人修改，请刷新后重试",
        "someone else changed this record: reload and try again",
    )
}

#[async_trait]
impl OrgStore for SqlStore {
    async fn unit(&self, id: i64) -> Result<Option<OrgUnit>> {
        let row = sqlx::query(safe!("SELECT {UNIT_COLS} FROM org_units WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(unit_row).transpose()
    }

    async fn unit_by_code(&self, code: &str) -> Result<Option<OrgUnit>> {
        let row = sqlx::query(safe!("SELECT {UNIT_COLS} FROM org_units WHERE code = $1"))
            .bind(code)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(unit_row).transpose()
    }

    async fn label(&self, id: i64) -> Result<Option<UnitLabel>> {
        self.label_of(LabelKey::Id(id)).await
    }

    async fn label_by_code(&self, code: &str) -> Result<Option<UnitLabel>> {
        self.label_of(LabelKey::Code(code)).await
    }

    fn tree_generation(&self) -> u64 {
        self.cache.labels.generation()
    }

    async fn units_by_codes(&self, codes: &[String]) -> Result<Vec<OrgUnit>> {
        if codes.is_empty() {
            return Ok(vec![]);
        }
        // Asked for more codes than there are units (an import into a young database):
        // reading every unit is cheaper than one index probe per code.
        if codes.len() > 1_000 {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM org_units")
                .fetch_one(&self.r)
                .await
                .map_err(db_err)?;
            if n == 0 {
                return Ok(vec![]);
            }
            if (n as usize) < codes.len() / 4 {
                let wanted: HashSet<&str> = codes.iter().map(String::as_str).collect();
                let rows = sqlx::query(safe!("SELECT {UNIT_COLS} FROM org_units"))
                    .fetch_all(&self.r)
                    .await
                    .map_err(db_err)?;
                return rows
                    .iter()
                    .map(unit_row)
                    .filter(|u| {
                        u.as_ref()
                            .map_or(true, |u| wanted.contains(u.code.as_str()))
                    })
                    .collect();
            }
        }
        let sql = format!(
            "SELECT {UNIT_COLS} FROM org_units WHERE code IN {}",
            bulk::json_list(self.backend == crate::Backend::Sqlite)
        );
        let mut units = Vec::new();
        for part in codes.chunks(50_000) {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(bulk::rows_json(part)?)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
            for r in &rows {
                units.push(unit_row(r)?);
            }
        }
        Ok(units)
    }

    async fn roots(&self) -> Result<Vec<OrgUnit>> {
        let rows = sqlx::query(safe!(
            "SELECT {UNIT_COLS} FROM org_units WHERE parent_id IS NULL ORDER BY code"
        ))
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(unit_row).collect()
    }

    async fn children(&self, parent_id: i64, include_retired: bool) -> Result<Vec<OrgUnit>> {
        let sql = if include_retired {
            format!("SELECT {UNIT_COLS} FROM org_units WHERE parent_id = $1 ORDER BY code")
        } else {
            format!(
                "SELECT {UNIT_COLS} FROM org_units WHERE parent_id = $1 AND status = 'active' ORDER BY code"
            )
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(parent_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(unit_row).collect()
    }

    async fn units_in(&self, path: &str, kind: UnitKind, limit: i64) -> Result<Vec<OrgUnit>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(safe!(
            "SELECT {UNIT_COLS} FROM org_units WHERE kind = $1 AND path >= $2 AND path < $3 AND status = 'active' ORDER BY code LIMIT $4"
        ))
        .bind(kind.as_str())
        .bind(lo)
        .bind(hi)
        .bind(limit)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(unit_row).collect()
    }

    async fn codes_with_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        let hi = format!("{prefix}\u{7f}");
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT code FROM org_units WHERE code > $1 AND code < $2")
                .bind(prefix)
                .bind(hi)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn search(&self, path: &str, q: &str, limit: i64) -> Result<Vec<OrgUnit>> {
        let (lo, hi) = subtree_range(path);
        let like = format!("%{}%", q.replace(['%', '_'], ""));
        let rows = sqlx::query(safe!(
            "SELECT {UNIT_COLS} FROM org_units WHERE path >= $1 AND path < $2 AND (name LIKE $3 OR code LIKE $4) ORDER BY length(path), code LIMIT $5"
        ))
        .bind(lo)
        .bind(hi)
        .bind(&like)
        .bind(format!("{}%", q.replace(['%', '_'], "")))
        .bind(limit)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(unit_row).collect()
    }

    async fn units_named_in(&self, text: &str, kind: UnitKind, limit: i64) -> Result<Vec<OrgUnit>> {
        let rows = sqlx::query(safe!(
            "SELECT {UNIT_COLS} FROM org_units WHERE kind = $1 AND status = 'active' AND length(name) >= 2 AND $2 LIKE '%' || name || '%' ORDER BY length(name) DESC, code LIMIT $3"
        ))
        .bind(kind.as_str())
        .bind(text)
        .bind(limit)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        let units: Vec<OrgUnit> = rows.iter().map(unit_row).collect::<Result<_>>()?;
        // Keep only the longest matching names ("阳光小区" over "阳光").
        let best = units.first().map(|u| u.name.chars().count()).unwrap_or(0);
        Ok(units
            .into_iter()
            .filter(|u| u.name.chars().count() == best)
            .collect())
    }

    async fn stats(&self, path: &str) -> Result<SubtreeStats> {
        let (lo, hi) = subtree_range(path);
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, COUNT(*) FROM org_units WHERE path > $1 AND path < $2 AND status = 'active' GROUP BY kind",
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        let mut s = SubtreeStats::default();
        for (kind, n) in rows {
            match UnitKind::parse(&kind) {
                Some(UnitKind::Subdistrict) => s.subdistricts = n,
                Some(UnitKind::Community) => s.communities = n,
                Some(UnitKind::Grid) => s.grids = n,
                Some(UnitKind::Estate) => s.estates = n,
                Some(UnitKind::Building) => s.buildings = n,
                Some(UnitKind::Unit) => s.units = n,
                _ => {}
            }
        }
        let (h,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM households WHERE path >= $1 AND path < $2")
                .bind(&lo)
                .bind(&hi)
                .fetch_one(&self.r)
                .await
                .map_err(db_err)?;
        let (r,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM residents WHERE path >= $1 AND path < $2 AND status = 'active'",
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        s.households = h;
        s.residents = r;
        Ok(s)
    }

    async fn resident_counts(&self, path: &str, level: UnitKind) -> Result<Vec<(String, i64)>> {
        let (lo, hi) = subtree_range(path);
        // Codes have a fixed length per level, so every path of one level has the same
        // length: group residents by the prefix of that length.
        let len: i64 = UnitKind::ALL
            .iter()
            .take_while(|k| **k <= level)
            .map(|k| k.code_len() as i64 + 1)
            .sum::<i64>()
            + 1;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT substr(path, 1, CAST($1 AS INTEGER)) AS g, COUNT(*) FROM residents WHERE path >= $2 AND path < $3 AND status = 'active' GROUP BY 1",
        )
        .bind(len)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        Ok(rows)
    }

    async fn active_below(&self, unit: &OrgUnit) -> Result<(i64, i64)> {
        let (lo, hi) = subtree_range(&unit.path);
        let (c,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM org_units WHERE path >= $1 AND path < $2 AND status = 'active' AND id <> $3",
        )
        .bind(&lo)
        .bind(&hi)
        .bind(unit.id)
        .fetch_one(&self.r)
        .await
        .map_err(db_err)?;
        let (h,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM households WHERE path >= $1 AND path < $2")
                .bind(&lo)
                .bind(&hi)
                .fetch_one(&self.r)
                .await
                .map_err(db_err)?;
        Ok((c, h))
    }

    async fn insert(&self, unit: NewUnit, audit: AuditEvent) -> Result<OrgUnit> {
        let mut tx = self.write_tx().await?;
        let created = insert_units(
            &mut tx,
            std::slice::from_ref(&unit),
            audit.at_ms,
            &audit.actor_login,
        )
        .await?;
        let id = created
            .first()
            .map(|k| k.0)
            .ok_or_else(|| DomainError::internal("inserted unit missing"))?;
        write_audit(&mut tx, &audit).await?;
        let u = self.fetch_unit(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        self.cache.labels.forget_all();
        Ok(u)
    }

    async fn insert_many(&self, units: Vec<NewUnit>, audit: AuditEvent) -> Result<u64> {
        let (at_ms, actor) = (audit.at_ms, audit.actor_login.as_str());
        match self
            .pg_load(&audit, async |conn| {
                copy_units(conn, &units, at_ms, actor).await
            })
            .await
        {
            Some(done) => done?,
            None => {
                self.bulk_write(units.len(), &audit, async |conn| {
                    insert_units(conn, &units, at_ms, actor).await
                })
                .await?
            }
        };
        self.cache.labels.forget_all();
        Ok(units.len() as u64)
    }

    async fn update_grids(&self, grids: Vec<(i64, UnitPatch)>, audit: AuditEvent) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        for (id, p) in &grids {
            sqlx::query(
                "UPDATE org_units SET name = COALESCE($1, name), grid_type = COALESCE($2, grid_type), boundary = COALESCE($3, boundary), version = version + 1 WHERE id = $4",
            )
            .bind(&p.name)
            .bind(p.grid_type.map(|g| g.as_str()))
            .bind(boundary_text(&p.boundary))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            history(&mut tx, *id, "boundary", &audit).await?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        self.cache.labels.forget_all();
        Ok(grids.len() as u64)
    }

    async fn update(
        &self,
        id: i64,
        expected_version: i64,
        patch: UnitPatch,
        change: (String, AuditEvent),
    ) -> Result<OrgUnit> {
        let (change, audit) = change;
        let mut tx = self.write_tx().await?;
        let res = sqlx::query(
            "UPDATE org_units SET name = COALESCE($1, name), grid_type = COALESCE($2, grid_type), address = COALESCE($3, address), boundary = COALESCE($4, boundary), version = version + 1 \
             WHERE id = $5 AND version = $6 AND status = 'active'",
        )
        .bind(&patch.name)
        .bind(patch.grid_type.map(|g| g.as_str()))
        .bind(&patch.address)
        .bind(boundary_text(&patch.boundary))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if res.rows_affected() != 1 {
            return Err(conflict());
        }
        history(&mut tx, id, &change, &audit).await?;
        write_audit(&mut tx, &audit).await?;
        let u = self.fetch_unit(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        self.cache.labels.forget_all();
        Ok(u)
    }

    async fn move_to(
        &self,
        id: i64,
        expected_version: i64,
        new_parent: &OrgUnit,
        audit: AuditEvent,
    ) -> Result<OrgUnit> {
        let mut tx = self.write_tx().await?;
        let unit = self.fetch_unit(&mut tx, id).await?;
        if unit.version != expected_version {
            return Err(conflict());
        }
        let old = unit.path.clone();
        let new = jiceng_domain::org::rules::child_path(Some(&new_parent.path), &unit.code);
        let (lo, hi) = subtree_range(&old);
        let cut = old.chars().count() as i64 + 1;
        for table in ["org_units", "households", "residents"] {
            sqlx::query(safe!(
                "UPDATE {table} SET path = $1 || substr(path, CAST($2 AS INTEGER)) WHERE path >= $3 AND path < $4"
            ))
            .bind(&new)
            .bind(cut)
            .bind(&lo)
            .bind(&hi)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        sqlx::query("UPDATE org_units SET parent_id = $1, version = version + 1 WHERE id = $2")
            .bind(new_parent.id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        history(&mut tx, id, "move", &audit).await?;
        write_audit(&mut tx, &audit).await?;
        let u = self.fetch_unit(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        self.cache.labels.forget_all();
        Ok(u)
    }

    async fn retire(&self, id: i64, expected_version: i64, audit: AuditEvent) -> Result<OrgUnit> {
        let mut tx = self.write_tx().await?;
        let res = sqlx::query(
            "UPDATE org_units SET status = 'retired', retired_ms = $1, version = version + 1 WHERE id = $2 AND version = $3 AND status = 'active'",
        )
        .bind(audit.at_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if res.rows_affected() != 1 {
            return Err(conflict());
        }
        sqlx::query("UPDATE posts SET until_ms = $1 WHERE unit_id = $2 AND until_ms IS NULL")
            .bind(audit.at_ms)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        history(&mut tx, id, "retire", &audit).await?;
        write_audit(&mut tx, &audit).await?;
        let u = self.fetch_unit(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        self.cache.labels.forget_all();
        Ok(u)
    }

    async fn history(&self, unit_id: i64) -> Result<Vec<UnitHistory>> {
        let rows = sqlx::query(
            "SELECT id, unit_id, at_ms, change, before_json, after_json, actor_login FROM unit_history WHERE unit_id = $1 ORDER BY at_ms DESC, id DESC",
        )
        .bind(unit_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
                Ok(UnitHistory {
                    id: r.try_get("id").map_err(db_err)?,
                    unit_id: r.try_get("unit_id").map_err(db_err)?,
                    at_ms: r.try_get("at_ms").map_err(db_err)?,
                    change: r.try_get("change").map_err(db_err)?,
                    before: parse(r.try_get("before_json").map_err(db_err)?),
                    after: parse(r.try_get("after_json").map_err(db_err)?),
                    actor_login: r.try_get("actor_login").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn posts(&self, unit_id: i64, include_past: bool) -> Result<Vec<PostHolder>> {
        let sql = if include_past {
            "SELECT * FROM posts WHERE unit_id = $1 ORDER BY since_ms DESC"
        } else {
            "SELECT * FROM posts WHERE unit_id = $1 AND until_ms IS NULL ORDER BY title, id"
        };
        let rows = sqlx::query(sql)
            .bind(unit_id)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        rows.iter().map(post_row).collect()
    }

    async fn posts_in(&self, path: &str, limit: i64) -> Result<Vec<PostHolder>> {
        let (lo, hi) = subtree_range(path);
        let rows = sqlx::query(
            "SELECT p.* FROM posts p JOIN org_units u ON u.id = p.unit_id WHERE u.path >= $1 AND u.path < $2 AND p.until_ms IS NULL ORDER BY u.path, p.title LIMIT $3",
        )
        .bind(lo)
        .bind(hi)
        .bind(limit)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(post_row).collect()
    }

    async fn appoint(
        &self,
        unit_id: i64,
        title: PostTitle,
        person_name: &str,
        phone: &str,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<PostHolder> {
        let mut tx = self.write_tx().await?;
        // One holder per post at a time (a grid may have several grid workers).
        if title != PostTitle::GridWorker {
            sqlx::query("UPDATE posts SET until_ms = $1 WHERE unit_id = $2 AND title = $3 AND until_ms IS NULL")
                .bind(at_ms)
                .bind(unit_id)
                .bind(title.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let row = sqlx::query(
            "INSERT INTO posts (unit_id, title, person_name, phone, since_ms) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(unit_id)
        .bind(title.as_str())
        .bind(person_name)
        .bind(phone)
        .bind(at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let post = post_row(&row)?;
        history(&mut tx, unit_id, "appoint", &audit).await?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(post)
    }

    async fn insert_posts(
        &self,
        posts: Vec<(String, PostTitle, String, String)>,
        at_ms: i64,
        audit: AuditEvent,
    ) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        for (code, title, name, phone) in &posts {
            sqlx::query(
                "INSERT INTO posts (unit_id, title, person_name, phone, since_ms) SELECT id, $1, $2, $3, $4 FROM org_units WHERE code = $5",
            )
            .bind(title.as_str())
            .bind(name)
            .bind(phone)
            .bind(at_ms)
            .bind(code)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(posts.len() as u64)
    }

    async fn end_post(&self, post_id: i64, at_ms: i64, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let res = sqlx::query("UPDATE posts SET until_ms = $1 WHERE id = $2 AND until_ms IS NULL")
            .bind(at_ms)
            .bind(post_id)
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

    async fn post(&self, post_id: i64) -> Result<Option<PostHolder>> {
        let row = sqlx::query("SELECT * FROM posts WHERE id = $1")
            .bind(post_id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(post_row).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(id: i64, code: &str, name: &str) -> UnitLabel {
        UnitLabel {
            id,
            code: code.into(),
            kind: UnitKind::Grid,
            name: name.into(),
            path: format!("/150302/{code}/"),
            status: UnitStatus::Active,
        }
    }

    #[test]
    fn a_create_entry_is_the_json_object_of_its_name_and_parent() {
        let unit = |name: &str, parent: Option<&str>| NewUnit {
            code: "150302001".into(),
            kind: UnitKind::Subdistrict,
            name: name.into(),
            official_name: name.into(),
            parent_code: parent.map(String::from),
            grid_type: None,
            boundary: None,
            address: None,
        };
        for u in [
            unit("区0", None),
            unit("引号\"与\\斜杠", Some("150302")),
            unit("换\n行\t与\u{1f}分隔", Some("150302")),
        ] {
            let mut out = Vec::new();
            created_entry_json(&mut out, &u).unwrap();
            let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(
                back,
                serde_json::json!({ "name": u.name, "parent": u.parent_code })
            );
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::json!({ "name": u.name, "parent": u.parent_code }).to_string()
            );
        }
    }

    #[test]
    fn labels_are_found_by_id_and_code_and_all_dropped_on_a_change() {
        let labels = Labels::default();
        let (miss, generation) = labels.get(LabelKey::Id(7));
        assert!(miss.is_none());
        labels.keep(&label(7, "150302001002001", "第一网格"), generation);
        assert_eq!(
            labels.get(LabelKey::Id(7)).0.map(|l| l.name),
            Some("第一网格".to_string())
        );
        assert_eq!(
            labels
                .get(LabelKey::Code("150302001002001"))
                .0
                .map(|l| l.id),
            Some(7)
        );
        assert!(labels.get(LabelKey::Code("150302001002002")).0.is_none());
        labels.forget_all();
        assert!(labels.get(LabelKey::Id(7)).0.is_none());
        assert!(labels.get(LabelKey::Code("150302001002001")).0.is_none());
    }

    #[test]
    fn a_label_read_before_a_change_is_not_kept_after_it() {
        let labels = Labels::default();
        let (_, before) = labels.get(LabelKey::Id(7));
        // This instance renames the unit while a page's read of the old row is in flight.
        labels.forget_all();
        labels.keep(&label(7, "150302001002001", "旧名"), before);
        assert!(labels.get(LabelKey::Id(7)).0.is_none());
        let (_, now) = labels.get(LabelKey::Id(7));
        labels.keep(&label(7, "150302001002001", "新名"), now);
        assert_eq!(
            labels.get(LabelKey::Id(7)).0.map(|l| l.name),
            Some("新名".to_string())
        );
    }
}
