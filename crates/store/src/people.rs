use std::collections::HashMap;

use async_trait::async_trait;
use jiceng_core::{AuditEvent, DomainError, Page, PageRequest, Result};
use jiceng_domain::org::NewUnit;
use jiceng_domain::people::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::bulk::{self, Col, LoadConn, col};
use crate::org::insert_units;
use crate::{SqlStore, db_err, subtree_range, write_audit};

const RESIDENT_COLS: &str = "id, household_id, path, name, id_enc, id_mask, phone_enc, phone_mask, birth_date, sex, ethnicity, relation, labels, status, version";

fn household_row(r: &AnyRow) -> Result<Household> {
    Ok(Household {
        id: r.try_get("id").map_err(db_err)?,
        unit_id: r.try_get("unit_id").map_err(db_err)?,
        path: r.try_get("path").map_err(db_err)?,
        room: r.try_get("room").map_err(db_err)?,
        address: r.try_get("address").map_err(db_err)?,
        dwelling: r.try_get("dwelling").map_err(db_err)?,
        members: r.try_get("members").map_err(db_err)?,
        version: r.try_get("version").map_err(db_err)?,
    })
}

fn labels_text(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!("|{}|", labels.join("|"))
    }
}

fn resident_row(r: &AnyRow) -> Result<ResidentRecord> {
    let labels: String = r.try_get("labels").map_err(db_err)?;
    Ok(ResidentRecord {
        id: r.try_get("id").map_err(db_err)?,
        household_id: r.try_get("household_id").map_err(db_err)?,
        path: r.try_get("path").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        id_enc: r.try_get("id_enc").map_err(db_err)?,
        id_mask: r.try_get("id_mask").map_err(db_err)?,
        phone_enc: r.try_get("phone_enc").map_err(db_err)?,
        phone_mask: r.try_get("phone_mask").map_err(db_err)?,
        birth_date: r.try_get("birth_date").map_err(db_err)?,
        sex: r.try_get("sex").map_err(db_err)?,
        ethnicity: r.try_get("ethnicity").map_err(db_err)?,
        relation: r.try_get("relation").map_err(db_err)?,
        labels: labels
            .split('|')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        status: r.try_get("status").map_err(db_err)?,
        version: r.try_get("version").map_err(db_err)?,
    })
}

fn dup_id() -> DomainError {
    DomainError::field(
        "id_number",
        "该身份证号已登记",
        "a resident with this ID number is already recorded",
    )
}

async fn insert_resident_row(
    conn: &mut AnyConnection,
    r: &NewResident,
    household_id: i64,
    path: &str,
    at_ms: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO residents (household_id, path, name, id_enc, id_index, id_mask, phone_enc, phone_index, phone_mask, birth_date, sex, ethnicity, relation, labels, status, created_ms, updated_ms, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $15, $15, 1) RETURNING id",
    )
    .bind(household_id)
    .bind(path)
    .bind(&r.name)
    .bind(&r.id_enc)
    .bind(&r.id_index)
    .bind(&r.id_mask)
    .bind(&r.phone_enc)
    .bind(&r.phone_index)
    .bind(&r.phone_mask)
    .bind(&r.birth_date)
    .bind(&r.sex)
    .bind(&r.ethnicity)
    .bind(&r.relation)
    .bind(labels_text(&r.labels))
    .bind(at_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match db_err(e) {
        DomainError::Conflict(_) => dup_id(),
        e => e,
    })?;
    sqlx::query("UPDATE households SET members = members + 1 WHERE id = $1")
        .bind(household_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    row.try_get("id").map_err(db_err)
}

/// The connection an import writes on: one of the store's pools, or (PostgreSQL) a
/// native connection of its own, which `COPY`s the rows (see `SqlStore::pg_load`).
enum LoadOn<'a> {
    Pool(&'a mut AnyConnection),
    Copy(&'a mut sqlx::PgConnection),
}

/// `body` with `c` the connection of `on`, whichever kind it is (the body is written
/// once and compiled for each).
macro_rules! either {
    ($on:expr, $c:ident => $body:expr) => {
        match $on {
            LoadOn::Pool($c) => {
                let $c = &mut **$c;
                $body
            }
            LoadOn::Copy($c) => {
                let $c = &mut **$c;
                $body
            }
        }
    };
}

/// Rows of `sql` (one parameter: the JSON list of [`bulk::json_list`] or
/// [`bulk::json_int_list`]) for `keys`, one look-up per 20,000 keys, all rows together.
async fn rows_by_keys<K, T>(on: &mut LoadOn<'_>, sql: &str, keys: &[K]) -> Result<Vec<T>>
where
    K: serde::Serialize,
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let mut out = vec![];
    for part in keys.chunks(20_000) {
        let json = bulk::rows_json(part)?;
        let found: Vec<T> = either!(on, c => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
                .bind(json)
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?
        });
        out.extend(found);
    }
    Ok(out)
}

/// The columns of an imported resident's row, in the order of [`resident_fields`] …
const RESIDENT_IMPORT_COLS: [(&str, Col); 14] = [
    ("household_id", Col::Int),
    ("path", Col::Text),
    ("name", Col::Text),
    ("id_enc", Col::Text),
    ("id_index", Col::Text),
    ("id_mask", Col::Text),
    ("phone_enc", Col::Text),
    ("phone_index", Col::Text),
    ("phone_mask", Col::Text),
    ("birth_date", Col::Text),
    ("sex", Col::Text),
    ("ethnicity", Col::Text),
    ("relation", Col::Text),
    ("labels", Col::Text),
];

/// … and the columns every imported resident has the same, after them.
const RESIDENT_IMPORT_FIXED: [&str; 4] = ["created_ms", "updated_ms", "status", "version"];

/// An imported resident's row (`labels` is `labels_text` of theirs), for a bulk
/// statement's JSON or for `COPY`.
fn resident_fields<'a>(
    hid: &'a i64,
    path: &'a &'a str,
    r: &'a NewResident,
    labels: &'a String,
) -> [&'a dyn bulk::Field; 14] {
    [
        hid,
        path,
        &r.name,
        &r.id_enc,
        &r.id_index,
        &r.id_mask,
        &r.phone_enc,
        &r.phone_index,
        &r.phone_mask,
        &r.birth_date,
        &r.sex,
        &r.ethnicity,
        &r.relation,
        labels,
    ]
}

/// PostgreSQL: [`insert_residents_batch`] by `COPY`, 20,000 rows a message. A repeated
/// ID number is refused by the blind index's unique key (here, or when the key is built
/// after a large load).
async fn copy_residents(
    conn: &mut sqlx::PgConnection,
    rows: &[(i64, &str, &NewResident)],
    stamp: &str,
) -> Result<()> {
    let mut buf = Vec::new();
    bulk::copy_in(
        conn,
        &format!(
            "COPY residents ({}, {}) FROM STDIN",
            RESIDENT_IMPORT_COLS.map(|c| c.0).join(", "),
            RESIDENT_IMPORT_FIXED.join(", ")
        ),
        rows.len(),
        20_000,
        &mut buf,
        |range, out| {
            for (hid, path, r) in &rows[range] {
                let labels = labels_text(&r.labels);
                bulk::copy_line(
                    out,
                    &resident_fields(hid, path, r, &labels),
                    &[stamp, stamp, "active", "1"],
                );
            }
            Ok(())
        },
    )
    .await
    .map_err(|e| match e {
        DomainError::Conflict(_) => dup_id(),
        e => e,
    })?;
    Ok(())
}

/// Inserts many residents with multi-row statements (imports). Far fewer round trips
/// than row by row.
async fn insert_residents_batch(
    conn: &mut AnyConnection,
    rows: &[(i64, &str, &NewResident)],
    at_ms: i64,
) -> Result<()> {
    const CHUNK: usize = 20_000;
    let sqlite = crate::is_sqlite(conn);
    let stamp = at_ms.to_string();
    let cols = RESIDENT_IMPORT_COLS.map(|(name, ty)| col(name, ty));
    let fixed = [stamp.as_str(), stamp.as_str(), "'active'", "1"];
    let fixed: Vec<(&str, &str)> = RESIDENT_IMPORT_FIXED.into_iter().zip(fixed).collect();
    let sql = bulk::insert_sql(sqlite, "residents", &cols, &fixed, "");
    // Each chunk is serialized straight from the rows (while the database writes the
    // chunk before it, see `bulk::insert_chunks`).
    let chunk_json = |part: &[(i64, &str, &NewResident)]| -> Result<String> {
        let mut json: Vec<u8> = Vec::with_capacity(part.len() * 400);
        json.push(b'[');
        for (k, (hid, path, r)) in part.iter().enumerate() {
            if k > 0 {
                json.push(b',');
            }
            let labels = labels_text(&r.labels);
            bulk::json_row(&mut json, &resident_fields(hid, path, r, &labels));
        }
        json.push(b']');
        String::from_utf8(json).map_err(DomainError::internal)
    };
    bulk::insert_chunks(
        &mut *conn,
        bulk::Chunked::json(&sql),
        rows.len(),
        CHUNK,
        |r| chunk_json(&rows[r]),
    )
    .await
    .map_err(|e| match e {
        DomainError::Conflict(_) => dup_id(),
        e => e,
    })?;
    Ok(())
}

/// Sets the member counts of the households of `rows` from their residents (after
/// people joined households stored before; new households get theirs at insert).
async fn recount_members<C: LoadConn + ?Sized>(
    conn: &mut C,
    rows: &[(i64, &str, &NewResident)],
) -> Result<()> {
    const CHUNK: usize = 20_000;
    let sqlite = conn.is_sqlite();
    let mut touched: Vec<i64> = rows.iter().map(|r| r.0).collect();
    touched.sort_unstable();
    touched.dedup();
    let sql = format!(
        "UPDATE households SET members = (SELECT COUNT(*) FROM residents r WHERE r.household_id = households.id) WHERE id IN {}",
        bulk::json_int_list(sqlite)
    );
    for chunk in touched.chunks(CHUNK) {
        conn.run_json(sql.clone(), bulk::rows_json(chunk)?).await?;
    }
    Ok(())
}

async fn fetch_resident(conn: &mut AnyConnection, id: i64) -> Result<ResidentRecord> {
    let row = sqlx::query(safe!("SELECT {RESIDENT_COLS} FROM residents WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    resident_row(&row)
}

#[async_trait]
impl PeopleStore for SqlStore {
    async fn household(&self, id: i64) -> Result<Option<Household>> {
        let row = sqlx::query("SELECT * FROM households WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(household_row).transpose()
    }

    async fn households_of_unit(&self, unit_id: i64) -> Result<Vec<Household>> {
        let rows =
            sqlx::query("SELECT * FROM households WHERE unit_id = $1 ORDER BY length(room), room")
                .bind(unit_id)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        rows.iter().map(household_row).collect()
    }

    async fn insert_household(&self, h: NewHousehold, audit: AuditEvent) -> Result<Household> {
        let mut tx = self.write_tx().await?;
        let (path,): (String,) = sqlx::query_as("SELECT path FROM org_units WHERE id = $1")
            .bind(h.unit_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let row = sqlx::query(
            "INSERT INTO households (unit_id, path, room, address, dwelling, members, created_ms, version) VALUES ($1, $2, $3, $4, $5, 0, $6, 1) RETURNING *",
        )
        .bind(h.unit_id)
        .bind(&path)
        .bind(&h.room)
        .bind(&h.address)
        .bind(&h.dwelling)
        .bind(audit.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            DomainError::Conflict(_) => {
                DomainError::field("room", "该户号已存在", "this room is already recorded")
            }
            e => e,
        })?;
        let out = household_row(&row)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn resident(&self, id: i64) -> Result<Option<ResidentRecord>> {
        let row = sqlx::query(safe!("SELECT {RESIDENT_COLS} FROM residents WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        row.as_ref().map(resident_row).transpose()
    }

    async fn residents_of_household(&self, household_id: i64) -> Result<Vec<ResidentRecord>> {
        let rows = sqlx::query(safe!(
            "SELECT {RESIDENT_COLS} FROM residents WHERE household_id = $1 ORDER BY id"
        ))
        .bind(household_id)
        .fetch_all(&self.r)
        .await
        .map_err(db_err)?;
        rows.iter().map(resident_row).collect()
    }

    async fn residents_in(
        &self,
        path: &str,
        query: &ResidentQuery,
        label: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ResidentRecord>> {
        let (lo, hi) = subtree_range(path);
        let mut cond = String::from("path >= $1 AND path < $2");
        let mut texts: Vec<String> = Vec::new();
        let mut n = 3;
        match query {
            ResidentQuery::All => {}
            ResidentQuery::NameLike(q) => {
                cond.push_str(&format!(" AND name LIKE ${n}"));
                texts.push(format!("%{}%", q.replace(['%', '_'], "")));
                n += 1;
            }
            ResidentQuery::IdIndex(i) => {
                cond.push_str(&format!(" AND id_index = ${n}"));
                texts.push(i.clone());
                n += 1;
            }
            ResidentQuery::PhoneIndex(i) => {
                cond.push_str(&format!(" AND phone_index = ${n}"));
                texts.push(i.clone());
                n += 1;
            }
        }
        if let Some(l) = label {
            cond.push_str(&format!(" AND labels LIKE ${n}"));
            texts.push(format!("%|{}|%", l.replace(['%', '|'], "")));
            n += 1;
        }
        let count_sql = format!("SELECT COUNT(*) FROM residents WHERE {cond}");
        let mut cq = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.clone()))
            .bind(&lo)
            .bind(&hi);
        for t in &texts {
            cq = cq.bind(t);
        }
        let (total,) = cq.fetch_one(&self.r).await.map_err(db_err)?;
        let sql = format!(
            "SELECT {RESIDENT_COLS} FROM residents WHERE {cond} ORDER BY path, household_id, id LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&lo)
            .bind(&hi);
        for t in &texts {
            q = q.bind(t);
        }
        let rows = q
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.r)
            .await
            .map_err(db_err)?;
        Ok(Page {
            items: rows.iter().map(resident_row).collect::<Result<_>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn id_index_exists(&self, id_index: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM residents WHERE id_index = $1")
            .bind(id_index)
            .fetch_optional(&self.r)
            .await
            .map_err(db_err)?;
        Ok(row.is_some())
    }

    async fn existing_id_indexes(
        &self,
        id_indexes: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        let sql = format!(
            "SELECT id_index FROM residents WHERE id_index IN {}",
            bulk::json_list(self.backend == crate::Backend::Sqlite)
        );
        let mut out = std::collections::HashSet::new();
        for part in id_indexes.chunks(20_000) {
            let found: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(bulk::rows_json(part)?)
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
            out.extend(found.into_iter().map(|(x,)| x));
        }
        Ok(out)
    }

    async fn insert_resident(&self, r: NewResident, audit: AuditEvent) -> Result<ResidentRecord> {
        let mut tx = self.write_tx().await?;
        let id = insert_resident_row(&mut tx, &r, r.household_id, &r.path, audit.at_ms).await?;
        let mut audit = audit;
        audit.entity_id = id.to_string();
        write_audit(&mut tx, &audit).await?;
        let out = fetch_resident(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn update_resident(
        &self,
        id: i64,
        expected_version: i64,
        r: NewResident,
        audit: AuditEvent,
    ) -> Result<ResidentRecord> {
        let mut tx = self.write_tx().await?;
        let res = sqlx::query(
            "UPDATE residents SET name = $1, id_enc = $2, id_index = $3, id_mask = $4, phone_enc = $5, phone_index = $6, phone_mask = $7, \
             birth_date = $8, sex = $9, ethnicity = $10, relation = $11, labels = $12, updated_ms = $13, version = version + 1 \
             WHERE id = $14 AND version = $15",
        )
        .bind(&r.name)
        .bind(&r.id_enc)
        .bind(&r.id_index)
        .bind(&r.id_mask)
        .bind(&r.phone_enc)
        .bind(&r.phone_index)
        .bind(&r.phone_mask)
        .bind(&r.birth_date)
        .bind(&r.sex)
        .bind(&r.ethnicity)
        .bind(&r.relation)
        .bind(labels_text(&r.labels))
        .bind(audit.at_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            DomainError::Conflict(_) => dup_id(),
            e => e,
        })?;
        if res.rows_affected() != 1 {
            return Err(DomainError::conflict(
                "该记录已被他人修改，请刷新后重试",
                "someone else changed this record: reload and try again",
            ));
        }
        write_audit(&mut tx, &audit).await?;
        let out = fetch_resident(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn import_people(
        &self,
        units: Vec<NewUnit>,
        rows: Vec<PersonImport>,
        audit: AuditEvent,
    ) -> Result<(u64, u64)> {
        self.import_people_tx(units, rows, audit).await
    }

    async fn labels(&self) -> Result<Vec<Label>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT code, name_zh, name_en FROM labels ORDER BY code")
                .fetch_all(&self.r)
                .await
                .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(code, name_zh, name_en)| Label {
                code,
                name_zh,
                name_en,
            })
            .collect())
    }

    async fn insert_label(&self, l: Label, audit: AuditEvent) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("INSERT INTO labels (code, name_zh, name_en) VALUES ($1, $2, $3)")
            .bind(&l.code)
            .bind(&l.name_zh)
            .bind(&l.name_en)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        write_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

impl SqlStore {
    async fn import_people_tx(
        &self,
        units: Vec<NewUnit>,
        rows: Vec<PersonImport>,
        audit: AuditEvent,
    ) -> Result<(u64, u64)> {
        // PostgreSQL copies the households and residents on a native connection (see
        // `SqlStore::pg_load`); SQLite writes them in bulk statements.
        if self.pg_loads.is_some() {
            let done = self
                .pg_load(&audit, async |conn| {
                    Self::import_people_rows(&mut LoadOn::Copy(conn), units, rows, &audit).await
                })
                .await;
            return done.unwrap_or_else(|| Err(DomainError::internal("no load connection")));
        }
        self.bulk_write(rows.len(), &audit, async |conn| {
            Self::import_people_rows(&mut LoadOn::Pool(conn), units, rows, &audit).await
        })
        .await
    }

    async fn import_people_rows(
        on: &mut LoadOn<'_>,
        units: Vec<NewUnit>,
        rows: Vec<PersonImport>,
        audit: &AuditEvent,
    ) -> Result<(u64, u64)> {
        let created = match on {
            LoadOn::Pool(c) => insert_units(c, &units, audit.at_ms, &audit.actor_login).await?,
            LoadOn::Copy(c) => {
                crate::org::copy_units(c, &units, audit.at_ms, &audit.actor_login).await?
            }
        };
        let mut unit_ids = crate::org::by_code(&units, created);
        let sqlite = either!(on, c => c.is_sqlite());
        // Units named by the rows but not created here: one look-up for all of them.
        let mut other: Vec<&str> = rows
            .iter()
            .map(|r| r.unit_code.as_str())
            .filter(|c| !unit_ids.contains_key(*c))
            .collect();
        other.sort_unstable();
        other.dedup();
        let mut older: std::collections::HashSet<i64> = std::collections::HashSet::new();
        let sql = format!(
            "SELECT id, path, code FROM org_units WHERE code IN {}",
            bulk::json_list(sqlite)
        );
        for (id, path, code) in rows_by_keys::<_, (i64, String, String)>(on, &sql, &other).await? {
            older.insert(id);
            unit_ids.insert(code, (id, path));
        }
        // Households that exist already (only units created before this import can
        // have any).
        let older: Vec<i64> = older.into_iter().collect();
        let sql = format!(
            "SELECT id, unit_id, room FROM households WHERE unit_id IN {}",
            bulk::json_int_list(sqlite)
        );
        let older_households: HashMap<(i64, String), i64> =
            rows_by_keys::<_, (i64, i64, String)>(on, &sql, &older)
                .await?
                .into_iter()
                .map(|(id, unit_id, room)| ((unit_id, room), id))
                .collect();
        // Every row's place: (unit id, unit path, room, household index if new).
        struct NewHousehold<'r> {
            unit_id: i64,
            path: &'r str,
            room: &'r str,
            address: &'r str,
            dwelling: &'r str,
            members: i64,
        }
        let mut new_households: Vec<NewHousehold> = Vec::new();
        let mut planned: HashMap<(i64, &str), usize> = HashMap::new();
        // Per row: Ok(existing household id) or Err(index into new_households).
        let mut places: Vec<(std::result::Result<i64, usize>, &str)> =
            Vec::with_capacity(rows.len());
        let mut older_touched = false;
        for row in &rows {
            let (uid, upath) = unit_ids.get(&row.unit_code).ok_or_else(|| {
                DomainError::field("unit", "楼栋单元不存在", "unknown building unit")
            })?;
            let place = if older_households.is_empty() {
                None
            } else {
                older_households.get(&(*uid, row.room.clone())).copied()
            };
            match place {
                Some(hid) => {
                    older_touched = true;
                    places.push((Ok(hid), upath.as_str()));
                }
                None => {
                    let k = *planned.entry((*uid, row.room.as_str())).or_insert_with(|| {
                        new_households.push(NewHousehold {
                            unit_id: *uid,
                            path: upath.as_str(),
                            room: row.room.as_str(),
                            address: row.address.as_str(),
                            dwelling: row.dwelling.as_str(),
                            members: 0,
                        });
                        new_households.len() - 1
                    });
                    new_households[k].members += 1;
                    places.push((Err(k), upath.as_str()));
                }
            }
        }
        drop(planned);
        // Rows go in place by place (a file may list its places in any order): the
        // path indexes of households and residents then grow at a few points instead
        // of one page per place. New households get their ids in that order, with
        // their member counts, and nothing is read back.
        let mut order: Vec<usize> = (0..new_households.len()).collect();
        order.sort_by(|&a, &b| new_households[a].path.cmp(new_households[b].path));
        let created_households = new_households.len() as u64;
        let first_household = if new_households.is_empty() {
            0
        } else {
            let n = new_households.len();
            either!(on, c => crate::org::reserve_ids(c, sqlite, "households", n).await?)
        };
        let mut household_id = vec![0i64; new_households.len()];
        for (rank, &k) in order.iter().enumerate() {
            household_id[k] = first_household + rank as i64;
        }
        // A load that at least doubles the households or the residents (a district's or
        // a city's first register) builds their indexes and keys after the rows.
        let restore = either!(on, c => {
            bulk::defer_indexes_for_load(c, &["households", "residents"], rows.len()).await?
        });
        let stamp = audit.at_ms.to_string();
        let sql = bulk::insert_sql(
            sqlite,
            "households",
            &[
                col("id", Col::Int),
                col("unit_id", Col::Int),
                col("path", Col::Text),
                col("room", Col::Text),
                col("address", Col::Text),
                col("dwelling", Col::Text),
                col("members", Col::Int),
            ],
            &[("created_ms", &stamp), ("version", "1")],
            "",
        );
        let household_rows: Vec<_> = order
            .iter()
            .map(|&k| {
                let h = &new_households[k];
                (
                    household_id[k],
                    h.unit_id,
                    h.path,
                    h.room,
                    h.address,
                    h.dwelling,
                    h.members,
                )
            })
            .collect();
        match on {
            LoadOn::Pool(c) => {
                bulk::insert(c, &sql, &household_rows, 20_000).await?;
            }
            LoadOn::Copy(c) => {
                let mut buf = Vec::new();
                bulk::copy_in(
                    c,
                    "COPY households (id, unit_id, path, room, address, dwelling, members, \
                     created_ms, version) FROM STDIN",
                    household_rows.len(),
                    20_000,
                    &mut buf,
                    |range, out| {
                        for (id, unit_id, path, room, address, dwelling, members) in
                            &household_rows[range]
                        {
                            bulk::copy_line(
                                out,
                                &[id, unit_id, path, room, address, dwelling, members],
                                &[&stamp, "1"],
                            );
                        }
                        Ok(())
                    },
                )
                .await?;
            }
        }
        drop(household_rows);
        let mut batch: Vec<(i64, &str, &NewResident)> = rows
            .iter()
            .zip(&places)
            .map(|(row, (place, path))| {
                let hid = match place {
                    Ok(id) => *id,
                    Err(k) => household_id[*k],
                };
                (hid, *path, &row.resident)
            })
            .collect();
        batch.sort_by(|a, b| a.1.cmp(b.1));
        match on {
            LoadOn::Pool(c) => insert_residents_batch(c, &batch, audit.at_ms).await?,
            LoadOn::Copy(c) => copy_residents(c, &batch, &stamp).await?,
        }
        either!(on, c => bulk::pg_restore_indexes(c, restore).await).map_err(|e| match e {
            DomainError::Conflict(_) => dup_id(),
            e => e,
        })?;
        // With the indexes back: the count reads each household's residents by index.
        if older_touched {
            either!(on, c => recount_members(c, &batch).await?);
        }
        Ok((created_households, rows.len() as u64))
    }
}
