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

use jiceng_core::{DomainError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::db_err;

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

/// The JSON value of column `i` of the current element, typed for the backend.
fn cell(sqlite: bool, i: usize, ty: Col) -> String {
    if sqlite {
        format!("e.v->>{i}")
    } else {
        match ty {
            Col::Int => format!("(e.v->>{i})::BIGINT"),
            Col::Real => format!("(e.v->>{i})::DOUBLE PRECISION"),
            Col::Text => format!("(e.v->>{i})"),
        }
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
    build_insert(sqlite, table, None, cols, fixed, tail)
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
    build_insert(sqlite, table, Some(id_col), cols, fixed, "")
}

fn build_insert(
    sqlite: bool,
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
        let v = cell(sqlite, i, c.ty);
        match c.expr {
            Some(e) => e.replace("{}", &v),
            None => v,
        }
    }));
    exprs.extend(fixed.iter().map(|f| f.1.to_string()));
    // SQLite: each row is unpacked once into binary JSON in a materialized CTE. Read
    // straight from `json_each`, every `value->>i` would turn the whole row back into
    // text first (`value` is recomputed per access): for a 27-column case row that was
    // 28 µs a row, against 7 µs this way.
    let (with, from) = match (sqlite, id_col.is_some()) {
        (true, false) => (
            "WITH e(v) AS MATERIALIZED (SELECT jsonb(value) FROM json_each($1)) ",
            "e",
        ),
        (true, true) => (
            "WITH e(k, v) AS MATERIALIZED (SELECT key, jsonb(value) FROM json_each($1)) ",
            "e",
        ),
        // PostgreSQL: binary JSON, parsed once. With `json` every `->>` re-lexed the
        // element's text (json_lex was the top of PostgreSQL's profile under intake).
        (false, false) => ("", "jsonb_array_elements($1::jsonb) AS e(v)"),
        (false, true) => (
            "",
            "jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, k)",
        ),
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
    insert_chunks(conn, sql, rows.len(), chunk, None, |r| rows_json(&rows[r])).await
}

/// Runs `sql` once per chunk of `len` rows in chunks of `chunk`, binding as `$1` the
/// chunk's rows as JSON made by `make` — and, with `first_id`, `first_id` plus the chunk's
/// start as `$2` (for statements that number the rows themselves). The next chunk is
/// made while the database executes the current one (SQLite works on its own thread,
/// PostgreSQL on the server), so the two overlap. Returns the number of rows written.
pub(crate) async fn insert_chunks<F>(
    conn: &mut AnyConnection,
    sql: &str,
    len: usize,
    chunk: usize,
    first_id: Option<i64>,
    mut make: F,
) -> Result<u64>
where
    F: FnMut(std::ops::Range<usize>) -> Result<String>,
{
    let chunk = chunk.max(1);
    if len == 0 {
        return Ok(0);
    }
    let mut range = 0..len.min(chunk);
    let mut current = make(range.clone())?;
    let mut n = 0;
    loop {
        let following = (range.end < len).then(|| range.end..len.min(range.end + chunk));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(current);
        if let Some(first) = first_id {
            q = q.bind(first + range.start as i64);
        }
        let run = q.execute(&mut *conn);
        let (done, next) =
            tokio::join!(run, async { following.clone().map(&mut make).transpose() });
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

#[cfg(test)]
mod tests {
    use super::*;

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
            "WITH e(v) AS MATERIALIZED (SELECT jsonb(value) FROM json_each($1)) INSERT INTO t (a, b, c, d) SELECT e.v->>0, e.v->>1, CAST(e.v->>2 AS DOUBLE PRECISION), 1 FROM e WHERE true RETURNING id"
        );
        let p = insert_sql(false, "t", &cols, &[], "");
        assert_eq!(
            p,
            "INSERT INTO t (a, b, c) SELECT (e.v->>0)::BIGINT, (e.v->>1), CAST((e.v->>2)::DOUBLE PRECISION AS DOUBLE PRECISION) FROM jsonb_array_elements($1::jsonb) AS e(v) WHERE true "
        );
        let cols = [col("a", Col::Text)];
        assert_eq!(
            insert_numbered_sql(true, "t", "id", &cols, &[("d", "1")]),
            "WITH e(k, v) AS MATERIALIZED (SELECT key, jsonb(value) FROM json_each($1)) INSERT INTO t (id, a, d) SELECT $2 + e.k, e.v->>0, 1 FROM e WHERE true "
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
