//! Many rows in one statement with one bound parameter: the rows as a JSON array.
//!
//! Why: a multi-row `VALUES (…), (…)` statement binds one parameter per cell. SQLite
//! looks a parameter's name up by a linear scan (`sqlite3_bind_parameter_name`, called
//! by sqlx for every bind), so a statement of *n* cells costs O(n²) to bind and to
//! prepare; each distinct row count is also a new statement to prepare. The profile of
//! the national division import spent 65 % of its time there. Here every batch is the
//! same statement text with a single parameter, `[[c1, c2, …], …]`, which the database
//! unpacks in C: `json_each` on SQLite, `jsonb_array_elements` on PostgreSQL.
//!
//! Values follow JSON types: numbers for `Int`/`Real` columns, strings for `Text`,
//! `null` for NULL, `0`/`1` for flags.
//!
//! Loads on PostgreSQL that own their transaction (the units of a division list or of
//! grid boundaries, `bench city`) `COPY` their rows instead, in text format, on a native
//! connection ([`copy_in`], [`copy_bytes`], [`Field`]). `COPY` fills a page at a
//! time where `INSERT … SELECT` inserts and logs each row on its own. The statements
//! around such a load run on either connection type through [`LoadConn`].

use jiceng_core::{AuditEvent, DomainError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::db_err;

/// What a bulk load runs besides its rows, on a connection of the store's pools
/// ([`AnyConnection`]) or on a PostgreSQL connection of its own ([`sqlx::PgConnection`]:
/// only a native connection can `COPY`, see [`crate::SqlStore::pg_load`]). Both share
/// one body (`load_conn!`).
pub(crate) trait LoadConn: Send {
    fn is_sqlite(&self) -> bool;
    /// A statement without parameters; the rows it changed.
    fn run(&mut self, sql: String) -> impl Future<Output = Result<u64>> + Send;
    /// The one number a statement returns; its one parameter, if any, is `n`.
    fn number(&mut self, sql: String, n: Option<i64>) -> impl Future<Output = Result<i64>> + Send;
    /// The rows of a statement whose one parameter is `arg`, every column as text.
    fn texts<'a>(
        &'a mut self,
        sql: String,
        arg: &'a str,
    ) -> impl Future<Output = Result<Vec<Vec<String>>>> + Send + 'a;
    /// (id, path, code) of the units a statement reads, its parameters `codes`.
    fn units_coded<'a>(
        &'a mut self,
        sql: String,
        codes: &'a [&'a str],
    ) -> impl Future<Output = Result<Vec<(i64, String, String)>>> + Send + 'a;
    /// Writes one audit event (inside the change's transaction).
    fn audit<'a>(&'a mut self, e: &'a AuditEvent) -> impl Future<Output = Result<()>> + Send + 'a;
    /// A statement whose one parameter is `json` (rows or a list); the rows it changed.
    fn run_json(&mut self, sql: String, json: String) -> impl Future<Output = Result<u64>> + Send;
}

macro_rules! load_conn {
    ($conn:ty, $sqlite:expr) => {
        impl LoadConn for $conn {
            fn is_sqlite(&self) -> bool {
                $sqlite(self)
            }

            async fn run(&mut self, sql: String) -> Result<u64> {
                Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *self)
                    .await
                    .map_err(db_err)?
                    .rows_affected())
            }

            async fn number(&mut self, sql: String, n: Option<i64>) -> Result<i64> {
                let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
                if let Some(n) = n {
                    q = q.bind(n);
                }
                Ok(q.fetch_one(&mut *self).await.map_err(db_err)?.0)
            }

            async fn texts<'a>(
                &'a mut self,
                sql: String,
                arg: &'a str,
            ) -> Result<Vec<Vec<String>>> {
                use sqlx::Row;
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(arg)
                    .fetch_all(&mut *self)
                    .await
                    .map_err(db_err)?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.try_get::<String, _>(i).map_err(db_err))
                            .collect()
                    })
                    .collect()
            }

            async fn units_coded<'a>(
                &'a mut self,
                sql: String,
                codes: &'a [&'a str],
            ) -> Result<Vec<(i64, String, String)>> {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for c in codes {
                    q = q.bind(*c);
                }
                q.fetch_all(&mut *self).await.map_err(db_err)
            }

            async fn run_json(&mut self, sql: String, json: String) -> Result<u64> {
                Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(json)
                    .execute(&mut *self)
                    .await
                    .map_err(db_err)?
                    .rows_affected())
            }

            async fn audit<'a>(&'a mut self, e: &'a AuditEvent) -> Result<()> {
                sqlx::query(crate::AUDIT_INSERT)
                    .bind(e.at_ms)
                    .bind(e.actor_id)
                    .bind(&e.actor_login)
                    .bind(&e.actor_role)
                    .bind(&e.action)
                    .bind(&e.entity_type)
                    .bind(&e.entity_id)
                    .bind(&e.scope_path)
                    .bind(e.before.as_ref().map(|v| v.to_string()))
                    .bind(e.after.as_ref().map(|v| v.to_string()))
                    .execute(&mut *self)
                    .await
                    .map_err(db_err)?;
                Ok(())
            }
        }
    };
}

load_conn!(AnyConnection, |c: &AnyConnection| c.backend_name()
    == "SQLite");
load_conn!(sqlx::PgConnection, |_: &sqlx::PgConnection| false);

/// The SQL type of a bulk column (PostgreSQL needs the cast; SQLite takes JSON's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Int,
    Real,
    Text,
}

/// One bulk column: its name in the table, its type, and optionally an SQL expression
/// over `{}` (the JSON value) instead of the plain value (e.g. a lookup by code).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub ty: Col,
    pub expr: Option<&'static str>,
}

pub(crate) const fn col(name: &'static str, ty: Col) -> Column {
    Column {
        name,
        ty,
        expr: None,
    }
}

/// Column `i` of the current row `e.v`, typed for the backend.
fn cell(sqlite: bool, rows: Rows, i: usize, ty: Col) -> String {
    if sqlite {
        format!("e.v->>{i}")
    } else {
        pg_cell(rows, i, ty)
    }
}

/// PostgreSQL: column `i` (from 0) of the current row `e.v`, typed. Separated rows are
/// text arrays (from 1), where an empty number is NULL and a text is never NULL.
pub(crate) fn pg_cell(rows: Rows, i: usize, ty: Col) -> String {
    match (rows, ty) {
        (Rows::Json, Col::Int) => format!("(e.v->>{i})::BIGINT"),
        (Rows::Json, Col::Real) => format!("(e.v->>{i})::DOUBLE PRECISION"),
        (Rows::Json, Col::Text) => format!("(e.v->>{i})"),
        (Rows::Separated, Col::Int) => format!("NULLIF(e.v[{}], '')::BIGINT", i + 1),
        (Rows::Separated, Col::Real) => {
            format!("NULLIF(e.v[{}], '')::DOUBLE PRECISION", i + 1)
        }
        (Rows::Separated, Col::Text) => format!("e.v[{}]", i + 1),
    }
}

/// `INSERT INTO table (cols…) SELECT … FROM <$1 unpacked> [tail]`; `tail` may add
/// `ON CONFLICT …` or `RETURNING …`. Constant columns (`fixed`: name, SQL literal) are
/// written into every row without travelling in the JSON.
pub(crate) fn insert_sql(
    sqlite: bool,
    table: &str,
    cols: &[Column],
    fixed: &[(&str, &str)],
    tail: &str,
) -> String {
    build_insert(sqlite, Rows::Json, table, None, cols, fixed, tail)
}

/// Like [`insert_sql`] for rows whose ids are consecutive: column `id_col` is `$2` plus
/// the row's place in the array, so the id does not travel in each row (bind the
/// chunk's first id as `$2`; [`insert_chunks`] does with `first_id`).
pub(crate) fn insert_numbered_sql(
    sqlite: bool,
    table: &str,
    id_col: &str,
    cols: &[Column],
    fixed: &[(&str, &str)],
) -> String {
    build_insert(sqlite, Rows::Json, table, Some(id_col), cols, fixed, "")
}

/// PostgreSQL: [`insert_numbered_sql`] with the rows in `$1` as `rows` says and, in the
/// same statement over the same rows (unpacked once), `also`: a second `INSERT … SELECT
/// … FROM e` reading each row as `e.v` ([`pg_cell`]) and its place (from 1) as `e.k` —
/// e.g. each new row's history entry.
pub(crate) fn insert_numbered_pg_with(
    rows: Rows,
    table: &str,
    id_col: &str,
    cols: &[Column],
    fixed: &[(&str, &str)],
    also: &str,
) -> String {
    let first = build_insert(false, rows, table, Some(id_col), cols, fixed, "")
        .replace(PG_NUMBERED_FROM, "e");
    let unpacked = match rows {
        Rows::Json => "SELECT * FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY",
        Rows::Separated => PG_SEPARATED_ROWS,
    };
    format!("WITH e(v, k) AS MATERIALIZED ({unpacked}), first AS ({first}) {also}")
}

/// Where a numbered PostgreSQL insert reads its rows.
const PG_NUMBERED_FROM: &str = "jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, k)";

fn build_insert(
    sqlite: bool,
    rows: Rows,
    table: &str,
    id_col: Option<&str>,
    cols: &[Column],
    fixed: &[(&str, &str)],
    tail: &str,
) -> String {
    let mut names: Vec<&str> = id_col.into_iter().collect();
    names.extend(cols.iter().map(|c| c.name));
    names.extend(fixed.iter().map(|f| f.0));
    let mut exprs: Vec<String> = match (id_col, sqlite) {
        (None, _) => vec![],
        // `json_each`'s key counts from 0, `WITH ORDINALITY` from 1.
        (Some(_), true) => vec!["$2 + e.k".into()],
        (Some(_), false) => vec!["$2::BIGINT + e.k - 1".into()],
    };
    exprs.extend(cols.iter().enumerate().map(|(i, c)| {
        let v = cell(sqlite, rows, i, c.ty);
        match c.expr {
            Some(e) => e.replace("{}", &v),
            None => v,
        }
    }));
    exprs.extend(fixed.iter().map(|f| f.1.to_string()));
    // SQLite: each row is unpacked once into binary JSON in a materialized CTE. Read
    // straight from `json_each`, every `value->>i` would turn the whole row back into
    // text first (`value` is recomputed per access): for a 27-column case row that was
    // 28 µs a row, against 7 µs with `jsonb(value)`. `jsonb_each` hands each row over
    // as binary JSON already, cut from the array it parsed once, where `json_each` wrote
    // it back as text for `jsonb()` to parse again: 4.74 → 4.36 µs a 27-column row
    // (26-row arrays, SQLite 3.54 through apsw; BENCHMARKS.md, seventeenth session).
    let (with, from) = match (sqlite, id_col.is_some()) {
        (true, false) => (
            "WITH e(v) AS MATERIALIZED (SELECT value FROM jsonb_each($1)) ",
            "e",
        ),
        (true, true) => (
            "WITH e(k, v) AS MATERIALIZED (SELECT key, value FROM jsonb_each($1)) ",
            "e",
        ),
        // PostgreSQL: binary JSON, parsed once. With `json` every `->>` re-lexed the
        // element's text (json_lex was the top of PostgreSQL's profile under intake).
        (false, false) => ("", "jsonb_array_elements($1::jsonb) AS e(v)"),
        (false, true) => ("", PG_NUMBERED_FROM),
    };
    // `WHERE true` keeps SQLite's parser from reading a following ON CONFLICT as a join
    // constraint.
    format!(
        "{with}INSERT INTO {table} ({}) SELECT {} FROM {from} WHERE true {tail}",
        names.join(", "),
        exprs.join(", ")
    )
}

/// `(SELECT … )` of the text values in the JSON array bound as `$1`, for `x IN …`.
pub(crate) fn json_list(sqlite: bool) -> &'static str {
    if sqlite {
        "(SELECT value FROM json_each($1))"
    } else {
        "(SELECT json_array_elements_text($1::json))"
    }
}

/// Like [`json_list`] for a JSON array of integers.
pub(crate) fn json_int_list(sqlite: bool) -> &'static str {
    if sqlite {
        "(SELECT value FROM json_each($1))"
    } else {
        "(SELECT json_array_elements_text($1::json)::BIGINT)"
    }
}

/// SQLite: the last id used in `table`, for rows about to be inserted with explicit
/// ids. Only inside a write transaction: `BEGIN IMMEDIATE` holds the one write lock, so
/// the ids after it are free until the inserted rows move the sequence on.
pub(crate) fn reserve_sql_sqlite(table: &'static str) -> String {
    format!(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), COALESCE((SELECT MAX(id) FROM {table}), 0))"
    )
}

/// Rows as the one JSON parameter: any serializable rows (tuples serialize as arrays).
pub(crate) fn rows_json<T: Serialize>(rows: &[T]) -> Result<String> {
    serde_json::to_string(rows).map_err(DomainError::internal)
}

/// Runs a bulk insert of `rows` (each serializing to a JSON array matching the
/// statement's columns) in chunks of `chunk` rows; returns the number of rows written.
pub(crate) async fn insert<T: Serialize>(
    conn: &mut AnyConnection,
    sql: &str,
    rows: &[T],
    chunk: usize,
) -> Result<u64> {
    insert_chunks(conn, Chunked::json(sql), rows.len(), chunk, |r| {
        rows_json(&rows[r])
    })
    .await
}

/// The text form of rows for PostgreSQL: fields separated by [`FIELD_SEPARATOR`] (ASCII
/// unit separator), rows by [`ROW_SEPARATOR`] (record separator), no quoting. Only for
/// values that hold neither ([`separable`]); an empty field is NULL where the statement
/// says so (`NULLIF`).
pub(crate) const FIELD_SEPARATOR: u8 = 0x1f;
pub(crate) const ROW_SEPARATOR: u8 = 0x1e;

/// Whether `value` can travel as a field of separated rows.
pub(crate) fn separable(value: &str) -> bool {
    !value
        .bytes()
        .any(|b| b == FIELD_SEPARATOR || b == ROW_SEPARATOR)
}

/// PostgreSQL: `$1` as separated rows, each `(v text[], k)` with k its place from 1.
pub(crate) const PG_SEPARATED_ROWS: &str = "SELECT string_to_array(r, E'\\x1f'), k FROM unnest(string_to_array($1, E'\\x1e')) WITH ORDINALITY AS t(r, k)";

/// How a chunk's rows are written: a JSON array, or separated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    Json,
    Separated,
}

/// A bulk statement run chunk by chunk ([`insert_chunks`]): its text, how its `$1`
/// carries the rows, and the parameters after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunked<'a> {
    pub sql: &'a str,
    pub rows: Rows,
    /// `$2`: the id of the run's first row, for statements that number the rows
    /// themselves (each chunk binds it plus the chunk's start).
    pub first_id: Option<i64>,
    /// The parameter after those, if any.
    pub text: Option<&'a str>,
}

impl<'a> Chunked<'a> {
    /// `sql` with the rows as JSON in `$1` and nothing else.
    pub(crate) fn json(sql: &'a str) -> Self {
        Chunked {
            sql,
            rows: Rows::Json,
            first_id: None,
            text: None,
        }
    }
}

/// Runs `stmt` once per chunk of `len` rows in chunks of `chunk`, binding as `$1` the
/// chunk's rows made by `make` (as `stmt.rows` says), then `stmt`'s other parameters.
/// The next chunk is made while the database executes the current one (SQLite works on
/// its own thread, PostgreSQL on the server), so the two overlap. Returns the number of
/// rows written.
pub(crate) async fn insert_chunks<F>(
    conn: &mut AnyConnection,
    stmt: Chunked<'_>,
    len: usize,
    chunk: usize,
    mut make: F,
) -> Result<u64>
where
    F: FnMut(std::ops::Range<usize>) -> Result<String>,
{
    let Chunked {
        sql,
        rows,
        first_id,
        text,
    } = stmt;
    let chunk = chunk.max(1);
    if len == 0 {
        return Ok(0);
    }
    let mut range = 0..len.min(chunk);
    let mut current = make_in_pieces(rows, &mut make, range.clone()).await?;
    let mut n = 0;
    loop {
        let following = (range.end < len).then(|| range.end..len.min(range.end + chunk));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(current);
        if let Some(first) = first_id {
            q = q.bind(first + range.start as i64);
        }
        if let Some(t) = text {
            q = q.bind(t);
        }
        let run = q.execute(&mut *conn);
        let (done, next) = tokio::join!(run, async {
            match following.clone() {
                Some(r) => make_in_pieces(rows, &mut make, r).await.map(Some),
                None => Ok(None),
            }
        });
        n += done.map_err(db_err)?.rows_affected();
        match (next?, following) {
            (Some(j), Some(r)) => {
                current = j;
                range = r;
            }
            _ => return Ok(n),
        }
    }
}

/// PostgreSQL: a table's secondary indexes, unique and foreign-key constraints (not its
/// primary key, nor a unique constraint another table's foreign key leans on), taken
/// off for a load that is large next to the table, so that the load only appends rows;
/// returns the statements that put them back, to run in the same transaction after
/// the load ([`pg_restore_indexes`]). Built from the rows at once (a sort, in parallel
/// where the server allows), an index costs a fraction of one insert per row: the
/// national division list (621,400 units into an empty table) spent 5.4–6.7 of its 8 s
/// of inserts on five indexes and 1.6 s on the parent's foreign-key check, row by
/// row. Dropping takes the table's exclusive lock until the commit: readers of the
/// table wait for the load, which is why only loads that at least double the table
/// (a database being set up) go this way.
///
/// The table's reference checks (statement triggers over the new rows, migration 0019)
/// are disabled the same way, and the table's references checked once at the end
/// (`jiceng_refs_hold`: one pass over the table joined to its parents by hash, instead
/// of probes for every row).
pub(crate) async fn pg_defer_indexes<C: LoadConn + ?Sized>(
    conn: &mut C,
    table: &'static str,
) -> Result<Vec<String>> {
    // (name, definition, kind): 'u' unique, 'f' foreign key, 'i' a plain index.
    let rows = conn
        .texts(
            "SELECT c.conname::text AS name, pg_get_constraintdef(c.oid) AS def, c.contype::text AS kind \
             FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype IN ('u', 'f') \
             AND NOT (c.contype = 'u' AND EXISTS (SELECT 1 FROM pg_constraint r \
                 WHERE r.contype = 'f' AND r.conindid = c.conindid AND r.conrelid <> c.conrelid)) \
             UNION ALL \
             SELECT i.relname::text, pg_get_indexdef(x.indexrelid), 'i' \
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
             WHERE x.indrelid = $1::regclass \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                .to_string(),
            table,
        )
        .await?;
    let mut drop = Vec::new();
    let mut restore: [Vec<String>; 3] = Default::default();
    for r in &rows {
        let [name, def, kind] = r.as_slice() else {
            return Err(DomainError::internal("unexpected catalogue row"));
        };
        let name = quote_ident(name);
        match kind.as_str() {
            "i" => {
                drop.push(format!("DROP INDEX {name}"));
                restore[1].push(def.clone());
            }
            k => {
                drop.push(format!("ALTER TABLE {table} DROP CONSTRAINT {name}"));
                // Unique constraints first (their indexes), foreign keys last: each is
                // then checked by one join over the table instead of row by row.
                restore[if k == "u" { 0 } else { 2 }]
                    .push(format!("ALTER TABLE {table} ADD CONSTRAINT {name} {def}"));
            }
        }
    }
    let checks = conn
        .texts(
            "SELECT tgname::text FROM pg_trigger WHERE tgrelid = $1::regclass \
             AND NOT tgisinternal AND tgnewtable IS NOT NULL ORDER BY tgname"
                .to_string(),
            table,
        )
        .await?;
    for name in checks.iter().flatten() {
        let name = quote_ident(name);
        drop.push(format!("ALTER TABLE {table} DISABLE TRIGGER {name}"));
        restore[2].push(format!("ALTER TABLE {table} ENABLE TRIGGER {name}"));
    }
    if !checks.is_empty() {
        restore[2].push(format!("SELECT jiceng_refs_hold('{table}')"));
    }
    for sql in drop {
        conn.run(sql).await?;
    }
    Ok(restore.into_iter().flatten().collect())
}

/// Runs the statements of [`pg_defer_indexes`], with room to sort in memory.
pub(crate) async fn pg_restore_indexes<C: LoadConn + ?Sized>(
    conn: &mut C,
    restore: Vec<String>,
) -> Result<()> {
    if restore.is_empty() {
        return Ok(());
    }
    conn.run("SET LOCAL maintenance_work_mem = '256MB'".into())
        .await?;
    for sql in restore {
        conn.run(sql).await?;
    }
    Ok(())
}

/// A load of `rows` rows into `tables`: on PostgreSQL, [`pg_defer_indexes`] for each of
/// them that the load at least doubles (loads of more than [`crate::BULK_ROWS`] rows
/// only); nothing on SQLite. Returns what [`pg_restore_indexes`] puts back after it.
pub(crate) async fn defer_indexes_for_load<C: LoadConn + ?Sized>(
    conn: &mut C,
    tables: &[&'static str],
    rows: usize,
) -> Result<Vec<String>> {
    let mut restore = Vec::new();
    if conn.is_sqlite() || rows <= crate::BULK_ROWS {
        return Ok(restore);
    }
    for &table in tables {
        if fewer_rows_than(conn, table, rows).await? {
            restore.extend(pg_defer_indexes(conn, table).await?);
        }
    }
    Ok(restore)
}

/// Whether `table` holds fewer than `n` rows (counting at most `n`).
async fn fewer_rows_than<C: LoadConn + ?Sized>(
    conn: &mut C,
    table: &'static str,
    n: usize,
) -> Result<bool> {
    let count = conn
        .number(
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT $1) s"),
            Some(n as i64),
        )
        .await?;
    Ok((count as usize) < n)
}

/// An SQL identifier in double quotes.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The JSON array of `range` made a thousand rows at a time, yielding between pieces.
/// The statement before it is being sent on the same task, and its parameter is
/// megabytes, more than the socket takes at once: a chunk made in one go left the rest
/// of the parameter unsent until it was done. PostgreSQL sat idle 0.75 s of a national
/// division import that way.
async fn make_in_pieces<F>(
    rows: Rows,
    make: &mut F,
    range: std::ops::Range<usize>,
) -> Result<String>
where
    F: FnMut(std::ops::Range<usize>) -> Result<String>,
{
    const PIECE: usize = 1_000;
    let mut out = String::new();
    let mut start = range.start;
    while start < range.end {
        let end = range.end.min(start + PIECE);
        let piece = make(start..end)?;
        match rows {
            Rows::Json => append_array(&mut out, &piece),
            Rows::Separated => {
                if !out.is_empty() && !piece.is_empty() {
                    out.push(char::from(ROW_SEPARATOR));
                }
                out.push_str(&piece);
            }
        }
        start = end;
        if start < range.end {
            tokio::task::yield_now().await;
        }
    }
    if out.is_empty() && rows == Rows::Json {
        out.push_str("[]");
    }
    Ok(out)
}

/// Appends the elements of the JSON array `piece` to the JSON array `out` (empty: none
/// yet).
fn append_array(out: &mut String, piece: &str) {
    if out.is_empty() {
        out.push_str(piece);
        return;
    }
    let inner = piece
        .strip_prefix('[')
        .and_then(|p| p.strip_suffix(']'))
        .unwrap_or(piece);
    if inner.trim().is_empty() {
        return;
    }
    out.pop(); // the closing bracket
    if out.len() > 1 {
        out.push(',');
    }
    out.push_str(inner);
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_fields_escape_what_copy_reads_as_structure() {
        let field = |s: &str| {
            let mut out = Vec::new();
            copy_text(&mut out, s);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(field("和平社区"), "和平社区");
        assert_eq!(field("a\tb\nc\rd"), "a\\tb\\nc\\rd");
        // A name `\N` must not read back as NULL, nor a backslash start an escape.
        assert_eq!(field("\\N"), "\\\\N");
        assert_eq!(field("引号\"与\\斜杠"), "引号\"与\\\\斜杠");
        assert_eq!(field("\u{1e}\u{1f}"), "\u{1e}\u{1f}");
    }

    #[test]
    fn copy_values_read_back_as_written() {
        let field = |f: &dyn Field| {
            let mut out = Vec::new();
            f.copy(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(field(&-42i64), "-42");
        assert_eq!(field(&Some(1_795_860_078_319i64)), "1795860078319");
        assert_eq!(field(&None::<i64>), "\\N");
        assert_eq!(field(&None::<&str>), "\\N");
        assert_eq!(field(&Some("")), "");
        assert_eq!(field(&"a\tb"), "a\\tb");
        for x in [106.781f64, 39.642, 1e-7, 123_456_789.125, -0.5] {
            assert_eq!(field(&x).parse::<f64>().unwrap(), x, "{x}");
        }
        assert_eq!(field(&f64::INFINITY), "Infinity");
    }

    #[test]
    fn a_json_row_is_what_serde_writes_for_the_same_values() {
        let name = "引号\"与\\斜杠".to_string();
        let none: Option<String> = None;
        let mut out = Vec::new();
        json_row(&mut out, &[&7i64, &"路径", &name, &none, &Some(2.5f64)]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&(7i64, "路径", &name, &none, Some(2.5f64))).unwrap()
        );
    }

    #[test]
    fn only_values_without_separators_travel_separated() {
        assert!(separable("和平社区居委会"));
        assert!(separable("a,b;\"c\"\\n\t"));
        assert!(!separable("a\u{1f}b"));
        assert!(!separable("\u{1e}"));
    }

    #[tokio::test]
    async fn separated_pieces_join_with_one_row_separator() {
        let mut make = |r: std::ops::Range<usize>| -> Result<String> {
            Ok(r.map(|i| format!("{i}\u{1f}x"))
                .collect::<Vec<_>>()
                .join("\u{1e}"))
        };
        let s = make_in_pieces(Rows::Separated, &mut make, 998..1_003)
            .await
            .unwrap();
        assert_eq!(s.split('\u{1e}').count(), 5);
        assert!(s.starts_with("998\u{1f}x\u{1e}999\u{1f}x\u{1e}1000"));
        assert_eq!(
            make_in_pieces(Rows::Separated, &mut make, 3..3)
                .await
                .unwrap(),
            ""
        );
    }

    #[test]
    fn arrays_appended_in_pieces() {
        let mut out = String::new();
        append_array(&mut out, "[]");
        assert_eq!(out, "[]");
        append_array(&mut out, "[[1,\"a\"]]");
        assert_eq!(out, "[[1,\"a\"]]");
        append_array(&mut out, "[]");
        append_array(&mut out, "[[2,null],[3,\"]\"]]");
        assert_eq!(out, "[[1,\"a\"],[2,null],[3,\"]\"]]");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        assert_eq!(rows.len(), 3);
    }

    #[tokio::test]
    async fn a_chunk_made_in_pieces_is_the_chunk_made_at_once() {
        let rows: Vec<(usize, String)> = (0..2_345).map(|i| (i, format!("r{i}"))).collect();
        let mut calls = 0;
        let mut make = |r: std::ops::Range<usize>| {
            calls += 1;
            rows_json(&rows[r])
        };
        let pieces = make_in_pieces(Rows::Json, &mut make, 5..2_345)
            .await
            .unwrap();
        let empty = make_in_pieces(Rows::Json, &mut make, 7..7).await.unwrap();
        assert_eq!(calls, 3);
        assert_eq!(pieces, rows_json(&rows[5..2_345]).unwrap());
        assert_eq!(empty, "[]");
    }

    #[test]
    fn statement_text_per_backend() {
        let cols = [
            col("a", Col::Int),
            col("b", Col::Text),
            Column {
                name: "c",
                ty: Col::Real,
                expr: Some("CAST({} AS DOUBLE PRECISION)"),
            },
        ];
        let s = insert_sql(true, "t", &cols, &[("d", "1")], "RETURNING id");
        assert_eq!(
            s,
            "WITH e(v) AS MATERIALIZED (SELECT value FROM jsonb_each($1)) INSERT INTO t (a, b, c, d) SELECT e.v->>0, e.v->>1, CAST(e.v->>2 AS DOUBLE PRECISION), 1 FROM e WHERE true RETURNING id"
        );
        let p = insert_sql(false, "t", &cols, &[], "");
        assert_eq!(
            p,
            "INSERT INTO t (a, b, c) SELECT (e.v->>0)::BIGINT, (e.v->>1), CAST((e.v->>2)::DOUBLE PRECISION AS DOUBLE PRECISION) FROM jsonb_array_elements($1::jsonb) AS e(v) WHERE true "
        );
        let cols = [col("a", Col::Text)];
        assert_eq!(
            insert_numbered_sql(true, "t", "id", &cols, &[("d", "1")]),
            "WITH e(k, v) AS MATERIALIZED (SELECT key, value FROM jsonb_each($1)) INSERT INTO t (id, a, d) SELECT $2 + e.k, e.v->>0, 1 FROM e WHERE true "
        );
        assert_eq!(
            insert_numbered_sql(false, "t", "id", &cols, &[]),
            "INSERT INTO t (id, a) SELECT $2::BIGINT + e.k - 1, (e.v->>0) FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, k) WHERE true "
        );
    }
}

/// Bulk statements to run one after the other, each with its rows as its one JSON
/// parameter. On SQLite they run as one multi-statement query: one round trip to the
/// connection's thread for all of them, where each statement on its own cost a hand-off
/// to that thread and back (the intake writer ran ten a batch). PostgreSQL takes one
/// statement per round trip with parameters: there they become the CTEs of one. So
/// no two statements of a script may touch the same row: PostgreSQL's CTEs do not see
/// each other's changes (distinct tables, or disjoint keys as in chunks of one upsert).
#[derive(Debug, Default)]
pub(crate) struct Script {
    parts: Vec<(String, String)>,
    /// A statement without parameters to run last (SQLite: sent along with the rest).
    last: Option<&'static str>,
}

/// Most rows one statement of a [`Script`] carries.
const SCRIPT_CHUNK: usize = 5_000;

impl Script {
    /// Adds `sql` (a statement whose one parameter is `$1`, e.g. from [`insert_sql`])
    /// over `rows`, in chunks; nothing when there are no rows.
    pub(crate) fn push<T: Serialize>(&mut self, sql: String, rows: &[T]) -> Result<()> {
        if !sql.contains("$1") || sql.contains("$2") {
            return Err(DomainError::internal(
                "a script statement takes exactly one parameter, $1",
            ));
        }
        for part in rows.chunks(SCRIPT_CHUNK) {
            self.parts.push((sql.clone(), rows_json(part)?));
        }
        Ok(())
    }

    /// Ends the script with `sql` (no parameters), e.g. `COMMIT`.
    pub(crate) fn then(&mut self, sql: &'static str) {
        self.last = Some(sql);
    }

    /// Runs what was added (and empties the script).
    pub(crate) async fn run(&mut self, conn: &mut AnyConnection) -> Result<()> {
        let parts = std::mem::take(&mut self.parts);
        let last = self.last.take();
        if crate::is_sqlite(conn) {
            let mut sql = parts
                .iter()
                .enumerate()
                .map(|(i, (s, _))| s.replace("$1", &format!("${}", i + 1)))
                .collect::<Vec<_>>();
            sql.extend(last.map(String::from));
            if sql.is_empty() {
                return Ok(());
            }
            let sql = sql.join(";\n");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (_, rows) in parts {
                q = q.bind(rows);
            }
            q.execute(&mut *conn).await.map_err(db_err)?;
            return Ok(());
        }
        // PostgreSQL: the statements as data-modifying CTEs of one statement, each
        // with its own parameter. They run together and see one snapshot; foreign keys
        // between them (an event's case) are checked at the end of the statement.
        if parts.len() > 1 {
            let ctes = parts
                .iter()
                .enumerate()
                .map(|(i, (s, _))| format!("s{i} AS ({})", s.replace("$1", &format!("${}", i + 1))))
                .collect::<Vec<_>>()
                .join(",\n");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("WITH {ctes}\nSELECT 1")));
            for (_, rows) in parts {
                q = q.bind(rows);
            }
            q.execute(&mut *conn).await.map_err(db_err)?;
        } else if let Some((sql, rows)) = parts.into_iter().next() {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(rows)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        if let Some(sql) = last {
            sqlx::query(sql).execute(&mut *conn).await.map_err(db_err)?;
        }
        Ok(())
    }
}

/// PostgreSQL: `sql` (a `COPY … FROM STDIN` in text format) fed `len` rows in messages
/// of `piece` rows, each made by `make` into `buf` while the server writes the ones sent
/// before it. A row `make` refuses stops the copy (nothing of it stays: the transaction
/// rolls back) and is the error returned. Returns the number of rows written.
pub(crate) async fn copy_in<F>(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    len: usize,
    piece: usize,
    buf: &mut Vec<u8>,
    mut make: F,
) -> Result<u64>
where
    F: FnMut(std::ops::Range<usize>, &mut Vec<u8>) -> Result<()>,
{
    let piece = piece.max(1);
    let mut copy = conn.copy_in_raw(sql).await.map_err(db_err)?;
    let mut start = 0;
    while start < len {
        let end = len.min(start + piece);
        buf.clear();
        if let Err(e) = make(start..end, buf) {
            // Out of the copy, so that the transaction can roll back.
            copy.abort("the load was refused").await.map_err(db_err)?;
            return Err(e);
        }
        copy.send(buf.as_slice()).await.map_err(db_err)?;
        start = end;
    }
    copy.finish().await.map_err(db_err)
}

/// PostgreSQL: `sql` (a `COPY … FROM STDIN` in text format) fed `data`, rows already
/// made. Returns the number of rows written.
pub(crate) async fn copy_bytes(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    data: &[u8],
) -> Result<u64> {
    let mut copy = conn.copy_in_raw(sql).await.map_err(db_err)?;
    copy.send(data).await.map_err(db_err)?;
    copy.finish().await.map_err(db_err)
}

/// A value of a bulk row, written either as a field of `COPY`'s text format
/// (PostgreSQL: NULL is `\\N`, text escaped by [`copy_text`]) or as a JSON value (the
/// bulk statements' rows). One list of a row's fields serves both.
pub(crate) trait Field {
    fn copy(&self, out: &mut Vec<u8>);
    fn json(&self, out: &mut Vec<u8>);
}

impl Field for i64 {
    fn copy(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{self}");
    }

    fn json(&self, out: &mut Vec<u8>) {
        self.copy(out);
    }
}

impl Field for f64 {
    fn copy(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        // Rust writes the shortest decimal that reads back as the same double.
        let _ = match self {
            x if x.is_nan() => write!(out, "NaN"),
            x if x.is_infinite() && *x > 0.0 => write!(out, "Infinity"),
            x if x.is_infinite() => write!(out, "-Infinity"),
            x => write!(out, "{x}"),
        };
    }

    fn json(&self, out: &mut Vec<u8>) {
        // JSON has no NaN or infinity: serde_json writes null for them.
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl Field for String {
    fn copy(&self, out: &mut Vec<u8>) {
        copy_text(out, self);
    }

    fn json(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl Field for &str {
    fn copy(&self, out: &mut Vec<u8>) {
        copy_text(out, self);
    }

    fn json(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl<T: Field> Field for Option<T> {
    fn copy(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.copy(out),
            None => out.extend_from_slice(b"\\N"),
        }
    }

    fn json(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.json(out),
            None => out.extend_from_slice(b"null"),
        }
    }
}

/// One row in `COPY`'s text format: `fields`, then `fixed` (the same text in every row,
/// escaped), tab-separated.
pub(crate) fn copy_line(out: &mut Vec<u8>, fields: &[&dyn Field], fixed: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        f.copy(out);
    }
    for f in fixed {
        out.push(b'\t');
        copy_text(out, f);
    }
    out.push(b'\n');
}

/// One row as the JSON array the bulk statements unpack.
pub(crate) fn json_row(out: &mut Vec<u8>, fields: &[&dyn Field]) {
    out.push(b'[');
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        f.json(out);
    }
    out.push(b']');
}

/// Appends `s` as a field of `COPY`'s text format: backslash, tab, newline and carriage
/// return escaped (`\N` alone would be NULL; escaped, a name `\N` stays a name).
pub(crate) fn copy_text(out: &mut Vec<u8>, s: &str) {
    copy_text_bytes(out, s.as_bytes());
}

/// [`copy_text`] of UTF-8 bytes.
pub(crate) fn copy_text_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}
