//! The SQL store: SQLite (the default) and PostgreSQL behind one implementation.
//!
//! Why one crate and not one per backend: the queries are the same text on both
//! (numbered `$n` parameters, `RETURNING`, portable types: BIGINT, TEXT, DOUBLE), so
//! they are written once over sqlx's `Any` driver; only the migrations (identity
//! columns, collation, trigger syntax) and the connection set-up differ, and those live
//! in `migrations/<backend>/` and [`connect`]. The conformance suite in `tests/` runs
//! every store behaviour against both.
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (an acknowledged write survives a
//! power cut), foreign keys on and a busy timeout; all writes go through one writer
//! connection so they never contend, reads use a small pool.

/// A query text built from this crate's own constants and placeholders (never from
/// user input, which is always bound as a parameter).
macro_rules! safe {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

mod appeals;
mod audit;
mod auth;
mod bulk;
pub mod changes;
mod city;
mod lists;
mod network;
mod org;
mod party;
mod people;
mod workforce;
mod writer_stats;

pub use writer_stats::{WriterSnapshot, intake_writer_metrics, intake_writer_snapshot};

use std::str::FromStr;
use std::time::Duration;

use jiceng_core::{AuditEvent, DomainError, Result};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// PostgreSQL only: a schema to use (created if missing); tests give each run its own.
    pub pg_schema: Option<String>,
    pub max_connections: u32,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            pg_schema: None,
            max_connections: 8,
        }
    }
}

/// One store implementing every capability's store trait.
#[derive(Debug, Clone)]
pub struct SqlStore {
    /// Writes (one connection on SQLite).
    pub(crate) w: AnyPool,
    /// Reads.
    pub(crate) r: AnyPool,
    pub backend: Backend,
    /// The group-commit writer of case intake.
    pub(crate) writer: appeals::Writer,
    /// Small, rarely changing tables read on every intake (categories, calendar).
    pub(crate) cache: std::sync::Arc<appeals::Cache>,
    /// PostgreSQL: other instances' changes to what `cache` keeps (see [`changes`]).
    pub(crate) changes: std::sync::Arc<changes::Changes>,
    /// PostgreSQL: native connections for bulk loads, which `COPY` their rows
    /// ([`SqlStore::pg_load`]); opened when first used.
    pub(crate) pg_loads: Option<sqlx::PgPool>,
}

pub(crate) fn db_err(e: sqlx::Error) -> DomainError {
    // No connection came free within the pool's wait: the server is saturated, not
    // broken (HTTP 503 with Retry-After, not an internal error).
    if matches!(e, sqlx::Error::PoolTimedOut) {
        tracing::warn!("no database connection came free in time: request refused as busy");
        return DomainError::Busy;
    }
    if let Some(d) = e.as_database_error()
        && matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation)
    {
        return DomainError::conflict(
            "记录已存在（唯一性冲突）",
            "a record with the same key already exists",
        );
    }
    DomainError::internal(e)
}

fn quote_ident(s: &str) -> Result<String> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(DomainError::internal("invalid schema name"));
    }
    Ok(format!("\"{s}\""))
}

/// PostgreSQL: pool options whose every new connection first runs `session` (its
/// settings and the test's schema), for the Any pools and the native one alike.
fn with_session<DB: sqlx::Database>(
    options: sqlx::pool::PoolOptions<DB>,
    session: &str,
) -> sqlx::pool::PoolOptions<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let session = session.to_string();
    options.after_connect(move |conn, _| {
        let sql = sqlx::AssertSqlSafe(session.clone());
        Box::pin(async move {
            sqlx::raw_sql(sql).execute(conn).await?;
            Ok(())
        })
    })
}

/// Opens (and for SQLite creates) the database; does not migrate.
pub async fn connect(cfg: &StoreConfig) -> Result<SqlStore> {
    sqlx::any::install_default_drivers();
    let url = cfg.url.trim();
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = rest.split('?').next().unwrap_or(rest);
        if path != ":memory:"
            && let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(DomainError::internal)?;
        }
        let full = if url.contains('?') {
            url.to_string()
        } else {
            format!("{url}?mode=rwc")
        };
        // Journal mode is a property of the file: set it once.
        {
            let opts = AnyConnectOptions::from_str(&full).map_err(db_err)?;
            let mut c = opts.connect().await.map_err(db_err)?;
            sqlx::raw_sql("PRAGMA journal_mode=WAL;")
                .execute(&mut c)
                .await
                .map_err(db_err)?;
        }
        // The WAL is copied back into the database in the background, by a reader
        // connection every 100 ms while intakes flow (see `checkpoint_now_and_then`).
        // The writer checkpoints itself only when the WAL reaches 100,000 pages
        // (~400 MB): that is also when the WAL starts over from its beginning, and as
        // the background has copied all but the last moments, its share is small. At
        // 10,000 pages the writer did it every ~0.3 s under steady intake (~30 k pages
        // a second at 3 k intakes/s), 10–15 ms each inside a batch the callers wait for
        // (batches over 10 ms at a steady 6.1 k intakes/s: 79–91 → 18–27 per 20 s). The
        // WAL file keeps its size (up to ~400 MB) once grown.
        // Every connection memory-maps the file (up to 1 GiB): in WAL mode a reader
        // drops its whole page cache whenever another connection has written since its
        // last read, so under steady intake every look-up re-read its pages through
        // `pread` copies and malloc; mapped pages are not copied (full mix after a
        // 115k-intake burst: 230-300 → 312-416 req/s, staff inbox p50 halved).
        let setup = |mut conn_opts: AnyPoolOptions, writer: bool| {
            conn_opts = conn_opts.after_connect(move |conn, _| {
                Box::pin(async move {
                    sqlx::raw_sql(if writer {
                        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; \
                         PRAGMA synchronous=FULL; PRAGMA cache_size=-4000; \
                         PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=100000; \
                         PRAGMA mmap_size=1073741824;"
                    } else {
                        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; \
                         PRAGMA synchronous=FULL; PRAGMA cache_size=-32000; \
                         PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824;"
                    })
                    .execute(conn)
                    .await?;
                    Ok(())
                })
            });
            // A file connection does not go stale: no ping (a round trip to the
            // connection's worker thread) before each use; sqlx still pings on release.
            conn_opts.test_before_acquire(false)
        };
        let w = setup(
            AnyPoolOptions::new().max_connections(1).min_connections(1),
            true,
        )
        .acquire_timeout(Duration::from_secs(60))
        .connect(&full)
        .await
        .map_err(db_err)?;
        let r = setup(
            AnyPoolOptions::new()
                .max_connections(cfg.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30)),
            false,
        )
        .connect(&full)
        .await
        .map_err(db_err)?;
        return Ok(SqlStore {
            writer: appeals::spawn_intake_writer(w.clone(), Backend::Sqlite, Some(r.clone())),
            cache: Default::default(),
            changes: Default::default(),
            w,
            r,
            backend: Backend::Sqlite,
            pg_loads: None,
        });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let schema = cfg.pg_schema.as_deref().map(quote_ident).transpose()?;
        if let Some(s) = &schema {
            let opts = AnyConnectOptions::from_str(url).map_err(db_err)?;
            let mut c = opts.connect().await.map_err(db_err)?;
            sqlx::raw_sql(safe!("CREATE SCHEMA IF NOT EXISTS {s}"))
                .execute(&mut c)
                .await
                .map_err(db_err)?;
        }
        // Every connection: no JIT. The platform's statements are index reads; a
        // misestimated one (the rates of a district at 10 M cases: 145 rows planned as
        // 34,000) crossed `jit_above_cost` and spent 9–25 ms compiling for 0.1 ms of
        // execution. Then the test's schema, if any.
        let session = match &schema {
            Some(s) => format!("SET jit = off; SET search_path TO {s}"),
            None => "SET jit = off".to_string(),
        };
        let options = |max: u32| {
            with_session(
                AnyPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(Duration::from_secs(30)),
                &session,
            )
        };
        let pool = options(cfg.max_connections.max(2))
            .connect(url)
            .await
            .map_err(db_err)?;
        // The intake writer has a pool of its own, opened lazily on the writer's own
        // thread and runtime (a connection's socket belongs to the runtime that opened
        // it), so its round trips never wait behind the server's HTTP tasks.
        let intake_pool = options(appeals::PG_INTAKE_CONNECTIONS)
            .connect_lazy(url)
            .map_err(db_err)?;
        // Bulk loads: `COPY` needs a connection of the PostgreSQL driver itself (the Any
        // driver has no copy-in). One load at a time is the usual case; two may run.
        let loads = with_session(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .min_connections(0)
                .idle_timeout(Duration::from_secs(60))
                .acquire_timeout(Duration::from_secs(30)),
            &session,
        )
        .connect_lazy(url)
        .map_err(db_err)?;
        return Ok(SqlStore {
            pg_loads: Some(loads),
            writer: appeals::spawn_intake_writer(intake_pool, Backend::Postgres, None),
            cache: Default::default(),
            changes: Default::default(),
            w: pool.clone(),
            r: pool,
            backend: Backend::Postgres,
        });
    }
    Err(DomainError::internal(format!(
        "unsupported database URL (use sqlite://… or postgres://…): {url}"
    )))
}

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "appeals",
        sqlite: concat!(
            include_str!("../migrations/sqlite/0002_appeals.sql"),
            include_str!("../migrations/0002_appeals_seed.sql")
        ),
        postgres: concat!(
            include_str!("../migrations/postgres/0002_appeals.sql"),
            include_str!("../migrations/0002_appeals_seed.sql")
        ),
    },
    Migration {
        version: 3,
        name: "party",
        sqlite: include_str!("../migrations/sqlite/0003_party.sql"),
        postgres: include_str!("../migrations/postgres/0003_party.sql"),
    },
    Migration {
        version: 4,
        name: "network",
        sqlite: include_str!("../migrations/sqlite/0004_network.sql"),
        postgres: include_str!("../migrations/postgres/0004_network.sql"),
    },
    Migration {
        version: 5,
        name: "workforce",
        sqlite: include_str!("../migrations/sqlite/0005_workforce.sql"),
        postgres: include_str!("../migrations/postgres/0005_workforce.sql"),
    },
    Migration {
        version: 6,
        name: "rollup",
        sqlite: include_str!("../migrations/sqlite/0006_rollup.sql"),
        postgres: include_str!("../migrations/postgres/0006_rollup.sql"),
    },
    Migration {
        version: 7,
        name: "lists",
        sqlite: include_str!("../migrations/sqlite/0007_lists.sql"),
        postgres: include_str!("../migrations/postgres/0007_lists.sql"),
    },
    Migration {
        version: 8,
        name: "rollup levels",
        sqlite: include_str!("../migrations/sqlite/0008_rollup_levels.sql"),
        postgres: include_str!("../migrations/postgres/0008_rollup_levels.sql"),
    },
    Migration {
        version: 9,
        name: "partial case indexes",
        sqlite: include_str!("../migrations/sqlite/0009_partial_case_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0009_partial_case_indexes.sql"),
    },
    Migration {
        version: 10,
        name: "case scope and status index",
        sqlite: include_str!("../migrations/sqlite/0010_case_scope_status_index.sql"),
        postgres: include_str!("../migrations/postgres/0010_case_scope_status_index.sql"),
    },
    Migration {
        version: 11,
        name: "outbox index of unsent notices",
        sqlite: include_str!("../migrations/sqlite/0011_outbox_unsent_index.sql"),
        postgres: include_str!("../migrations/postgres/0011_outbox_unsent_index.sql"),
    },
    Migration {
        version: 12,
        name: "audit scope index by sub-district",
        sqlite: include_str!("../migrations/sqlite/0012_audit_scope_subdistrict.sql"),
        postgres: include_str!("../migrations/postgres/0012_audit_scope_subdistrict.sql"),
    },
    Migration {
        version: 13,
        name: "unit history outlives its unit (no foreign key)",
        sqlite: include_str!("../migrations/sqlite/0013_unit_history_outlives_unit.sql"),
        postgres: include_str!("../migrations/postgres/0013_unit_history_outlives_unit.sql"),
    },
    Migration {
        version: 14,
        name: "rollup rows by level, responses owed by path (PostgreSQL)",
        sqlite: include_str!("../migrations/sqlite/0014_rollup_level_index.sql"),
        postgres: include_str!("../migrations/postgres/0014_rollup_level_index.sql"),
    },
    Migration {
        version: 15,
        name: "cases nearing their deadline, by reminder moment",
        sqlite: include_str!("../migrations/sqlite/0015_cases_nearing_deadline.sql"),
        postgres: include_str!("../migrations/postgres/0015_cases_nearing_deadline.sql"),
    },
    Migration {
        version: 16,
        name: "idempotency keys indexed only where given (PostgreSQL)",
        sqlite: include_str!("../migrations/sqlite/0016_idempotency_keys_given.sql"),
        postgres: include_str!("../migrations/postgres/0016_idempotency_keys_given.sql"),
    },
    Migration {
        version: 17,
        name: "cases by status, then scope (lists), instead of by scope",
        sqlite: include_str!("../migrations/sqlite/0017_cases_by_status_then_scope.sql"),
        postgres: include_str!("../migrations/postgres/0017_cases_by_status_then_scope.sql"),
    },
    Migration {
        version: 18,
        name: "the inbox's reminded, overdue and escalated cases, indexed apart",
        sqlite: include_str!("../migrations/sqlite/0018_inbox_marked_cases.sql"),
        postgres: include_str!("../migrations/postgres/0018_inbox_marked_cases.sql"),
    },
    Migration {
        version: 19,
        name: "the references an intake writes, checked once per statement (PostgreSQL)",
        sqlite: include_str!(
            "../migrations/sqlite/0019_intake_references_checked_per_statement.sql"
        ),
        postgres: include_str!(
            "../migrations/postgres/0019_intake_references_checked_per_statement.sql"
        ),
    },
    Migration {
        version: 20,
        name: "changes to cached tables notified to every instance (PostgreSQL)",
        sqlite: include_str!("../migrations/sqlite/0020_changes_notified.sql"),
        postgres: include_str!("../migrations/postgres/0020_changes_notified.sql"),
    },
    Migration {
        version: 21,
        name: "paths, codes and other keys in byte order whatever the locale (PostgreSQL)",
        sqlite: include_str!("../migrations/sqlite/0021_keys_in_byte_order.sql"),
        postgres: include_str!("../migrations/postgres/0021_keys_in_byte_order.sql"),
    },
    Migration {
        version: 22,
        name: "the deadline sweep's overdue look-up reads an index of its own",
        sqlite: include_str!("../migrations/sqlite/0022_cases_due.sql"),
        postgres: include_str!("../migrations/postgres/0022_cases_due.sql"),
    },
];

impl SqlStore {
    /// Applies the migrations not yet applied, each in its own transaction. On
    /// PostgreSQL an advisory lock keeps two starting instances from racing.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut conn = self.w.acquire().await.map_err(db_err)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock(727001)")
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        let result = self.migrate_locked(&mut conn).await;
        if self.backend == Backend::Postgres {
            let _ = sqlx::query("SELECT pg_advisory_unlock(727001)")
                .execute(&mut *conn)
                .await;
        }
        result
    }

    async fn migrate_locked(&self, conn: &mut AnyConnection) -> Result<Vec<i64>> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
        )
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations")
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?;
        let done: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            if done.contains(&m.version) {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            applied.push(m.version);
        }
        Ok(applied)
    }

    /// Refreshes the query planner's statistics (after bulk loads, and now and then).
    ///
    /// PostgreSQL: only the tables that hold rows are analysed. An empty table, once
    /// analysed, is known to be empty: the plan a connection then keeps for a look-up in
    /// it is a sequential scan, and that plan stays in use while the table grows, until
    /// the table is analysed again (autovacuum may be off). A table never analysed is
    /// planned as holding a few pages, through its indexes. After the demo's load the
    /// outbox, the sessions, a case's attachments and whistles are empty; the outbox's
    /// claim, planned once from such statistics, marked 14,581 notices in a claim of 500.
    pub async fn optimize(&self) -> Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => {
                "DO $$ DECLARE t regclass; filled boolean; BEGIN \
                 FOR t IN SELECT c.oid FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace LOOP \
                 EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t) INTO filled; \
                 IF filled THEN EXECUTE format('ANALYZE %s', t); END IF; \
                 END LOOP; END $$"
            }
        };
        sqlx::raw_sql(sql).execute(&self.w).await.map_err(db_err)?;
        self.reload_statistics().await
    }

    /// SQLite reads planner statistics when a connection loads the schema; ANALYZE on
    /// the writer does not reach the reader connections, which would keep planning with
    /// the statistics of an empty database. Changing the schema (a table made and
    /// dropped) makes every connection reload it, statistics included.
    async fn reload_statistics(&self) -> Result<()> {
        self.on_sqlite_writer(
            "CREATE TABLE IF NOT EXISTS statistics_epoch (x INTEGER); DROP TABLE statistics_epoch;",
        )
        .await
    }

    /// Runs `sql` on the write connection when the backend is SQLite (its pragmas and
    /// housekeeping); nothing on PostgreSQL.
    pub(crate) async fn on_sqlite_writer(&self, sql: &'static str) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::raw_sql(sql).execute(&self.w).await.map_err(db_err)?;
        }
        Ok(())
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a transaction that reads first never fails to upgrade when another
    /// process writes to the same file; it waits (busy timeout) instead.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        begin_write(&self.w, self.backend).await
    }

    /// One import's write transaction: `work` on the write connection, then the audit
    /// event and the commit. With more than [`BULK_CACHE_ROWS`] rows, SQLite's writer gets a
    /// 1 GiB page cache for it instead of 4 MB, so pages of the randomly ordered indexes
    /// (blind indexes, names) are written to the WAL once at commit instead of spilled
    /// and read back again and again (1 M residents: −2 to −4 s, system time halved).
    /// Only pages touched are held, and the usual size is back before the transaction
    /// ends, whatever its outcome.
    pub(crate) async fn bulk_write<T>(
        &self,
        rows: usize,
        audit: &AuditEvent,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.write_tx().await?;
        let big_cache = rows > BULK_CACHE_ROWS && self.backend == Backend::Sqlite;
        if big_cache {
            sqlx::query(BULK_CACHE)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let out = work(&mut tx).await;
        if big_cache {
            let restored = sqlx::query(WRITER_CACHE).execute(&mut *tx).await;
            // The work's own error first: it says what went wrong.
            if out.is_ok() {
                restored.map_err(db_err)?;
            }
        }
        let out = out?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    /// PostgreSQL: one bulk load's transaction on a native connection of its own
    /// ([`SqlStore::pg_loads`]), which can `COPY` rows: `work`, then the audit event and
    /// the commit. 621,400 division rows with their history entries took 1.85 s of
    /// `COPY` against 3.3 s of bulk `INSERT … SELECT` statements (each row inserted on its
    /// own, where `COPY` fills a page at a time). `None` on SQLite.
    pub(crate) async fn pg_load<T>(
        &self,
        audit: &AuditEvent,
        work: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T>,
    ) -> Option<Result<T>> {
        let pool = self.pg_loads.as_ref()?;
        Some(
            async {
                let mut tx = pool.begin().await.map_err(db_err)?;
                let out = work(&mut tx).await?;
                bulk::LoadConn::audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(out)
            }
            .await,
        )
    }

    /// SQLite's `PRAGMA optimize`: analyses only what it judges stale (a table that grew
    /// or shrank tenfold since its last analysis). In full, without `analysis_limit`:
    /// the limited form drops the STAT4 samples the scope queries are planned with. A
    /// full analysis reads the table under the write lock — ~250 ms at 115 k cases,
    /// seconds at millions — and each tenfold step happens once.
    ///
    /// PostgreSQL keeps its statistics itself with autovacuum on. With it off, nothing
    /// else would: the tables that hold rows are analysed ([`SqlStore::optimize`]). After
    /// a replay had added 177 k accepted cases, an administrator's inbox planned on the
    /// demo's statistics read all of them for one list (163 ms; the inbox 350 ms); after
    /// an analysis it reads 72 index entries newest first (0.1 ms; the inbox 15–25 ms).
    pub async fn optimize_light(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                // 65538 = 0x10002 (SQLite reads the mask as a decimal number): every
                // table, not only those this connection has queried. A connection just
                // opened has queried none, so plain `PRAGMA optimize` at start-up never
                // analysed anything: a table grown from 900 to 115,000 cases kept the
                // statistics of 900 rows.
                self.on_sqlite_writer("PRAGMA optimize=65538").await?;
                self.reload_statistics().await
            }
            Backend::Postgres => {
                let (autovacuum,): (String,) =
                    sqlx::query_as("SELECT current_setting('autovacuum')")
                        .fetch_one(&self.r)
                        .await
                        .map_err(db_err)?;
                if autovacuum == "on" {
                    Ok(())
                } else {
                    self.optimize().await
                }
            }
        }
    }

    /// SQLite: copies the whole WAL back into the database and empties it (before
    /// serving: what a bulk load or an earlier run left is not copied by the first
    /// batches of intake, 50 ms in the first one after a demo load).
    pub async fn checkpoint_all(&self) -> Result<()> {
        self.on_sqlite_writer("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
    }

    /// Benchmarks: has the database write back what its log holds, so that a measured
    /// phase does not pay for the writes before it (a demo load, an earlier phase).
    /// PostgreSQL: `CHECKPOINT`, which needs a superuser or the `pg_checkpoint` role.
    pub async fn settle(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => self.checkpoint_all().await,
            Backend::Postgres => sqlx::raw_sql("CHECKPOINT")
                .execute(&self.w)
                .await
                .map(|_| ())
                .map_err(db_err),
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.r)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// A consistent copy of an SQLite database (VACUUM INTO); PostgreSQL is backed up
    /// with pg_dump.
    pub async fn backup_sqlite(&self, dest: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(DomainError::rule(
                "PostgreSQL 请使用 pg_dump 备份",
                "back PostgreSQL up with pg_dump",
            ));
        }
        if std::path::Path::new(dest).exists() {
            return Err(DomainError::rule(
                "目标文件已存在",
                "the destination file already exists",
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(&self.w)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The write pool, for tools and tests that must reach the database directly
    /// (e.g. to prove the audit trail refuses UPDATE and DELETE).
    pub fn write_pool(&self) -> &AnyPool {
        &self.w
    }

    /// Intakes and outbox claims waiting for the intake writer to take them (queue
    /// depths; tests wait on them to queue intakes and claims up into one batch).
    pub fn writer_waiting(&self) -> (usize, usize) {
        let depth = |max: usize, free: usize| max.saturating_sub(free);
        (
            depth(
                self.writer.intake.max_capacity(),
                self.writer.intake.capacity(),
            ),
            depth(
                self.writer.claims.max_capacity(),
                self.writer.claims.capacity(),
            ),
        )
    }

    pub async fn close(&self) {
        self.w.close().await;
        self.r.close().await;
        if let Some(loads) = &self.pg_loads {
            loads.close().await;
        }
    }
}

pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err),
        Backend::Postgres => pool.begin().await.map_err(db_err),
    }
}

/// Begins a write transaction on a connection already taken from the pool.
pub(crate) async fn begin_on(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<sqlx::Transaction<'_, sqlx::Any>> {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err),
        Backend::Postgres => conn.begin().await.map_err(db_err),
    }
}

/// Writes one audit event on the given connection (inside the change's transaction).
pub(crate) async fn write_audit(conn: &mut AnyConnection, e: &AuditEvent) -> Result<()> {
    bulk::LoadConn::audit(conn, e).await
}

/// The statement of [`write_audit`].
pub(crate) const AUDIT_INSERT: &str = "INSERT INTO audit_events (at_ms, actor_id, actor_login, actor_role, action, entity_type, entity_id, scope_path, before_json, after_json) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Path lengths of the levels above the grid (`/150302/150302001/150302001001/`: codes
/// of 6, 9 and 12 digits, each with its slashes).
pub(crate) const DISTRICT_PATH_LEN: usize = 8;
pub(crate) const SUBDISTRICT_PATH_LEN: usize = 18;
pub(crate) const COMMUNITY_PATH_LEN: usize = 31;

/// Rows above which a PostgreSQL load may build its tables' indexes after the rows
/// ([`bulk::defer_indexes_for_load`]).
pub(crate) const BULK_ROWS: usize = 50_000;

/// Rows above which an SQLite import's transaction gets the bulk page cache
/// ([`SqlStore::bulk_write`]).
pub(crate) const BULK_CACHE_ROWS: usize = 2_000;

/// SQLite: the writer's page cache while a bulk load runs (1 GiB; only pages touched
/// are held) …
pub(crate) const BULK_CACHE: &str = "PRAGMA cache_size=-1048576";
/// … and its usual one, as set when the connection opens: 4 MB. Reads come through
/// the memory map, so the writer's cache holds the pages batches change. At every
/// commit SQLite scans that cache's whole hash table (`pcache1TruncateUnsafe`, from
/// `pager_end_transaction`): with 64 MB it was 4.3 % of the server's samples under
/// intake, with 4 MB 0.35 %, and pages read again did not show (`getPageNormal` 0.08 →
/// 0.12 %). Intake alternated over four pairs of `bench compare`: 8,768 → 9,233 writes/s
/// through the JSON API (mean), the writer 102 → 96 µs a case.
pub(crate) const WRITER_CACHE: &str = "PRAGMA cache_size=-4000";

/// The half-open range of paths inside a subtree: `[prefix, prefix_with_last_slash+1)`.
/// Works with a plain B-tree index on both backends (PostgreSQL columns use "C"
/// collation so byte order holds).
pub(crate) fn subtree_range(path: &str) -> (String, String) {
    let hi = match path.strip_suffix('/') {
        Some(stem) => format!("{stem}0"),
        None => format!("{path}\u{10FFFF}"),
    };
    (path.to_string(), hi)
}

/// Whether a connection talks to SQLite (bulk statements and id reservation differ).
pub(crate) fn is_sqlite(conn: &mut AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

/// One parameter marker: `$n`, or `?` on SQLite (parameters must then be bound in
/// order and never reused).
pub(crate) fn mark(sqlite: bool, n: usize) -> String {
    if sqlite {
        "?".to_string()
    } else {
        format!("${n}")
    }
}

/// An IN list of `n` markers from `start`: anonymous on SQLite (see [`mark`]).
pub(crate) fn markers(sqlite: bool, start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| mark(sqlite, i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$a, $b, …` for an IN list starting at parameter `start`.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool whose every connection stays taken for longer than it waits answers
    /// "busy", not an internal error.
    #[tokio::test]
    async fn a_pool_with_no_connection_free_in_time_is_busy() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_millis(50))
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let held = pool.acquire().await.unwrap();
        let e = sqlx::query("SELECT 1")
            .execute(&pool)
            .await
            .map_err(db_err)
            .unwrap_err();
        assert_eq!(e, DomainError::Busy);
        drop(held);
        // Free again: the same query goes through.
        sqlx::query("SELECT 1").execute(&pool).await.unwrap();
        // Other failures stay internal errors.
        let e = sqlx::query("SELECT * FROM no_such_table")
            .execute(&pool)
            .await
            .map_err(db_err)
            .unwrap_err();
        assert_eq!(e.code(), "internal");
    }

    #[test]
    fn subtree_range_covers_descendants_only() {
        let (lo, hi) = subtree_range("/150302/150302001/");
        for inside in ["/150302/150302001/", "/150302/150302001/150302001002/"] {
            assert!(inside >= lo.as_str() && inside < hi.as_str());
        }
        for outside in ["/150302/150302002/", "/150302/", "/150302/1503020010/"] {
            assert!(
                !(outside >= lo.as_str() && outside < hi.as_str()),
                "{outside}"
            );
        }
    }

    /// The periodic and start-up `optimize_light` refreshes the statistics of a table
    /// that grew tenfold, on a connection that never queried it (it analysed nothing
    /// when the mask was left out or written in hex).
    #[tokio::test]
    async fn optimize_light_refreshes_statistics_of_a_grown_table() {
        let dir = std::env::temp_dir().join(format!("jiceng-optimize-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/t.db", dir.display());
        let rows = |store: SqlStore| async move {
            let (stat,): (String,) =
                sqlx::query_as("SELECT stat FROM sqlite_stat1 WHERE idx = 'audit_at'")
                    .fetch_one(&store.r)
                    .await
                    .unwrap();
            stat.split(' ').next().unwrap().parse::<i64>().unwrap()
        };
        let add = |store: SqlStore, n: i64| async move {
            sqlx::query(
                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $1) \
                 INSERT INTO audit_events (at_ms, actor_id, actor_login, actor_role, action, entity_type, entity_id, scope_path) \
                 SELECT i, 0, 'a', 'r', 'x', 'case', CAST(i AS TEXT), '/1/' FROM k",
            )
            .bind(n)
            .execute(&store.w)
            .await
            .unwrap();
        };
        let store = connect(&StoreConfig {
            url: url.clone(),
            pg_schema: None,
            max_connections: 2,
        })
        .await
        .unwrap();
        store.migrate().await.unwrap();
        add(store.clone(), 100).await;
        store.optimize().await.unwrap();
        assert_eq!(rows(store.clone()).await, 100);
        add(store.clone(), 2_000).await;
        store.w.close().await;
        store.r.close().await;
        // As at start-up: a fresh connection that has queried nothing.
        let store = connect(&StoreConfig {
            url,
            pg_schema: None,
            max_connections: 2,
        })
        .await
        .unwrap();
        store.optimize_light().await.unwrap();
        assert_eq!(rows(store.clone()).await, 2_100);
        store.w.close().await;
        store.r.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
