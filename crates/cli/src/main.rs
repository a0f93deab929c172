//! `jiceng`: one binary for the whole platform.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod bench;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiceng_core::crypto::Cipher;
use jiceng_core::{Actor, DomainError, SystemClock};
use jiceng_domain::Ctx;
use jiceng_domain::auth::throttle::Throttle;
use jiceng_domain::demo::{self, DemoOptions};
use jiceng_domain::import::{self, ImportOptions, ImportOutcome};
use jiceng_store::{SqlStore, StoreConfig};

#[derive(Parser)]
#[command(
    name = "jiceng",
    version,
    about = "基层 Jiceng — 党建引领基层治理平台 / party-building-led grassroots governance",
    long_about = "基层 Jiceng: the organisation tree and grid, residents, access and audit for a district.\n\
                  Defaults run out of the box: an SQLite database in ./data and a data key beside it.\n\
                  Every option can also be set with a JICENG_… environment variable."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Global {
    /// Database URL: sqlite://path/to/file.db (default) or postgres://user@host/db
    #[arg(
        long = "database",
        env = "JICENG_DATABASE_URL",
        default_value = "sqlite://data/jiceng.db",
        global = true
    )]
    database: String,
    /// PostgreSQL schema to use (created if missing)
    #[arg(long, env = "JICENG_PG_SCHEMA", global = true)]
    pg_schema: Option<String>,
    /// Key that encrypts ID numbers and phones at rest: 64 hex characters
    #[arg(long, env = "JICENG_DATA_KEY", hide_env_values = true, global = true)]
    data_key: Option<String>,
    /// File holding the data key when JICENG_DATA_KEY is not set (created by `demo` and `migrate` if missing)
    #[arg(
        long,
        env = "JICENG_KEY_FILE",
        default_value = "data/data.key",
        global = true
    )]
    key_file: PathBuf,
    /// Log as JSON lines instead of text
    #[arg(long, env = "JICENG_LOG_JSON", global = true)]
    log_json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages, JSON API, /healthz, /metrics)
    Serve(ServeArgs),
    /// Load the Haibowan demo district into an empty database, print the demo logins, then serve
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Size: 1.0 ≈ 110k residents; 3 ≈ Haibowan's real ~300k
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Seed of the generator (same seed, same district)
        #[arg(long, default_value_t = 20200428)]
        seed: u64,
        /// Load and exit without serving
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply database migrations and exit
    Migrate,
    /// Import divisions, grid boundaries or people from a file
    Import {
        /// What the file holds
        kind: ImportKind,
        /// CSV, .xlsx (UTF-8 or GBK) or GeoJSON file
        file: PathBuf,
        /// Import the good rows and report the bad ones (default: any bad row stops the import)
        #[arg(long)]
        skip_bad: bool,
        /// Validate only; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Export data in the formats offices use
    Export {
        /// What to export
        kind: ExportKind,
        /// Unit code whose subtree is exported (default: the whole district)
        #[arg(long)]
        unit: Option<String>,
        /// Output file
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Copy the SQLite database to a file, consistently, while it runs
    Backup {
        /// Destination file (must not exist)
        output: PathBuf,
    },
    /// Manage accounts and API tokens
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Measure: load a running server, compare intake with the write-path limit, time kernels
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Drive a running server over HTTP (it must use the same --database: tokens and
    /// an Open311 key are issued there for the run)
    Load {
        /// The server's base URL
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// In one run: the write-path limit (a minimal handler inserting one row with group
    /// commit) and jiceng's intake, on the same database, then the full mix
    Compare {
        #[command(flatten)]
        load: LoadArgs,
        /// Demo scale to load when the database is empty
        #[arg(long, default_value_t = 0.3)]
        scale: f64,
        /// Rounds of the limit and the two intakes, one after the other; the shares
        /// reported are the medians of the rounds' own shares
        #[arg(long, default_value_t = 1)]
        rounds: u32,
    },
    /// Serve only the limit handler (POST /row), e.g. to compare on another machine
    LimitServer {
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
    },
    /// Drive a peer's ticket API (e.g. django-helpdesk, see bench/peer/) with the same generator
    Peer {
        /// The ticket-creation URL, e.g. http://127.0.0.1:8000/api/tickets/
        #[arg(long)]
        url: String,
        /// The Authorization header to send, e.g. `Token 0123…` (DRF token auth)
        #[arg(long)]
        auth_header: Option<String>,
        /// Queue id tickets go into
        #[arg(long, default_value_t = 1)]
        queue: i64,
        #[arg(long, default_value = "10")]
        seconds: u64,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
    /// Time the kernels: point-in-grid lookups, parsing a national division list
    Kernels {
        /// Side of the synthetic city in grids (173 ≈ 30k grids)
        #[arg(long, default_value_t = 173)]
        side: usize,
        /// Districts in the synthetic national division list (2,600 ≈ 600k rows)
        #[arg(long, default_value_t = 2600)]
        districts: usize,
    },
    /// Build a deterministic synthetic city (org tree, households, residents, years of
    /// appeals with their rollup) into an empty database with bulk statements, report
    /// rows/s per table, then time the three rates for every district, sub-district
    /// and community
    City {
        /// Residents (300,000 ≈ Haibowan; 20,000,000 ≈ a megacity)
        #[arg(long, default_value_t = 300_000)]
        residents: u64,
        /// Grids (default: one per 700 residents)
        #[arg(long)]
        grids: Option<u64>,
        /// Appeals over the whole history (default: one per 10 residents)
        #[arg(long)]
        cases: Option<u64>,
        /// Years of history, ending now
        #[arg(long, default_value_t = 3)]
        years: u32,
        /// Seed of the generator (same seed and sizes, same city)
        #[arg(long, default_value_t = 20200428)]
        seed: u64,
        /// Skip counting one district's rates live from its cases (a full scan)
        #[arg(long)]
        no_live: bool,
        /// Only measure the rates of the city already in the database (no build)
        #[arg(long)]
        measure_only: bool,
    },
}

#[derive(Args, Clone)]
struct LoadArgs {
    /// How long each load runs, in seconds
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Concurrent connections
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Requests per second in all (0 = flat out)
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// full | intake | intake-api | read | status | inbox | rates
    #[arg(long, default_value = "full")]
    mix: String,
    /// `bench load`: seconds of the same mix at a tenth of the rate (16 connections)
    /// before the measured run, not counted: a server just started opens its
    /// statements, pages and caches on its first requests
    #[arg(long, default_value_t = 0)]
    warmup: u64,
}

impl LoadArgs {
    fn opts(&self, mix: &str) -> AnyResult<bench::LoadOpts> {
        Ok(bench::LoadOpts {
            duration: Duration::from_secs(self.seconds),
            concurrency: self.concurrency.max(1),
            rate: self.rate,
            mix: bench::Mix::parse(mix).ok_or(
                "mix must be full, intake, intake-api, read, status, inbox, rates, limit or peer",
            )?,
        })
    }
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on
    #[arg(long, env = "JICENG_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Mark cookies Secure (set when served over HTTPS)
    #[arg(long, env = "JICENG_SECURE_COOKIES")]
    secure_cookies: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportKind {
    /// Statistical division list: level,code,name,parent_code
    Divisions,
    /// Grid boundaries as a GeoJSON FeatureCollection
    Grids,
    /// Buildings, households and residents
    People,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    /// Grid boundaries as GeoJSON
    Grids,
    /// Residents (masked) as .xlsx
    Residents,
    /// The division tree as CSV (same format as the import)
    Divisions,
}

#[derive(Subcommand)]
enum UserCommand {
    /// List accounts
    List,
    /// Create an account
    Create {
        login: String,
        /// district_admin, subdistrict_staff, community_staff, grid_worker, department_handler, resident, auditor
        #[arg(long)]
        role: String,
        /// Code of the unit the account reaches
        #[arg(long)]
        unit: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// Household id (resident accounts)
        #[arg(long)]
        household: Option<i64>,
        /// Password (default: read JICENG_PASSWORD, else one is generated and printed)
        #[arg(long, env = "JICENG_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Issue an API token for LOGIN (printed once; only its hash is kept)
    Token {
        login: String,
        /// A name to recognise the token by
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Set a new password for LOGIN (ends its sessions)
    Password {
        login: String,
        #[arg(long, env = "JICENG_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JICENG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// The data key from the environment or the key file; `create` makes a new file when
/// there is none.
fn data_key(g: &Global, create: bool) -> AnyResult<Cipher> {
    if let Some(k) = &g.data_key {
        return Ok(Cipher::from_hex(k)?);
    }
    if g.key_file.exists() {
        let k = std::fs::read_to_string(&g.key_file)?;
        return Ok(Cipher::from_hex(&k)?);
    }
    if !create {
        return Err(format!(
            "no data key: set JICENG_DATA_KEY or create {} (run `jiceng migrate` once)",
            g.key_file.display()
        )
        .into());
    }
    let key = Cipher::generate_key_hex();
    write_private(&g.key_file, &key)?;
    eprintln!(
        "created a new data key in {} — back it up: without it ID numbers and phones cannot be read",
        g.key_file.display()
    );
    Ok(Cipher::from_hex(&key)?)
}

fn open311_key_file(g: &Global) -> PathBuf {
    g.key_file.with_file_name("open311-demo.key")
}

/// Writes a new file only its owner may read, with the folder it goes in (a demo on
/// PostgreSQL with `JICENG_DATA_KEY` set has no data folder yet when it writes its
/// Open311 key). The error names the file.
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    let named =
        |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(named)?;
    }
    create_private(path, content).map_err(named)
}

#[cfg(unix)]
fn create_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn create_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

async fn open(g: &Global, create_key: bool) -> AnyResult<(Arc<SqlStore>, Ctx)> {
    let cipher = data_key(g, create_key)?;
    let store = Arc::new(
        jiceng_store::connect(&StoreConfig {
            url: g.database.clone(),
            pg_schema: g.pg_schema.clone(),
            max_connections: 16,
        })
        .await?,
    );
    store.migrate().await?;
    let ctx = Ctx {
        org: store.clone(),
        people: store.clone(),
        auth: store.clone(),
        audit: store.clone(),
        appeals: store.clone(),
        party: store.clone(),
        network: store.clone(),
        workforce: store.clone(),
        lists: store.clone(),
        grids: Arc::new(jiceng_domain::appeals::routing::GridCache::default()),
        clock: Arc::new(SystemClock),
        cipher,
        throttle: Arc::new(Throttle::default()),
    };
    Ok((store, ctx))
}

/// The end of a one-shot command: on SQLite what the WAL holds is copied back into the
/// database file and the connections closed (the last one removes the WAL). Without it
/// a demo or an import left its whole load in `jiceng.db-wal` beside a 4 KB
/// `jiceng.db` — whole to SQLite, but not to someone copying the database file.
async fn finish(store: &SqlStore) {
    if store.backend == jiceng_store::Backend::Sqlite
        && let Err(e) = store.checkpoint_all().await
    {
        tracing::warn!(error = %e, "WAL not emptied before exit");
    }
    store.close().await;
}

async fn serve(store: Arc<SqlStore>, ctx: Ctx, args: &ServeArgs, g: &Global) -> AnyResult<()> {
    // PostgreSQL: other instances' changes to the categories, the calendar, the
    // departments and the units reach this one's copies as they commit. Without the
    // listener they still do within 30 s (60 s for the grid index): serve anyway.
    if let Err(e) = store.follow_changes(&g.database).await {
        tracing::warn!(error = %e, "not listening for other instances' changes; cached tables refresh every 30 s");
    }
    // Let SQLite refresh planner statistics it finds stale, before serving. (Only here: a
    // table that grew tenfold is analysed in full, holding the write lock, and other
    // commands — `user token`, `bench load` — run beside a serving instance.)
    if store.backend == jiceng_store::Backend::Sqlite {
        store.optimize_light().await?;
        if let Err(e) = store.checkpoint_all().await {
            tracing::warn!(error = %e, "WAL not emptied at start-up");
        }
    }
    // The grid index before the first request, not built by every request of a first
    // burst at once (64 at once held them all for 250–500 ms); the categories and the
    // working calendar every intake reads, likewise.
    if let Err(e) = jiceng_domain::appeals::service::grid_index(&ctx).await {
        tracing::warn!(error = %e, "grid index not built at start-up");
    }
    let warm = async {
        jiceng_domain::appeals::service::categories(&ctx).await?;
        jiceng_domain::appeals::service::calendar(&ctx).await
    };
    if let Err(e) = warm.await {
        tracing::warn!(error = %e, "categories or calendar not read at start-up");
    }
    let state = jiceng_web::AppState::new(ctx.clone(), args.secure_cookies);
    state
        .metrics
        .add_source(jiceng_store::intake_writer_metrics);
    let app = jiceng_web::router(state);
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    println!("Jiceng 基层 is serving on http://{addr}");
    // Deadlines: reminders, overdue marks and escalation, every minute. Safe on several
    // instances (each write is conditional on the case's version).
    let deadlines = ctx.clone();
    tokio::spawn(async move {
        loop {
            match jiceng_domain::appeals::service::sweep(&deadlines).await {
                Ok(r) if r.reminded + r.escalated + r.marked_overdue > 0 => {
                    tracing::info!(
                        reminded = r.reminded,
                        escalated = r.escalated,
                        overdue = r.marked_overdue,
                        "deadline sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline sweep failed"),
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
    // Notices waiting in the outbox go out through the channel (default: the log).
    let outbox = ctx.clone();
    tokio::spawn(async move {
        let channel = jiceng_domain::appeals::notify::LogChannel;
        loop {
            let started = std::time::Instant::now();
            match jiceng_domain::appeals::notify::deliver(&outbox, &channel).await {
                // One line per round (each notice is logged at debug level: thousands a
                // second under heavy intake).
                Ok(n) if n > 0 => tracing::info!(
                    notices = n,
                    channel = "log",
                    ms = started.elapsed().as_millis() as u64,
                    "outbox delivered"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "notice delivery failed"),
            }
            // Every second: notices go out soon after their case, and the claims come
            // in small steady steps rather than a burst of ~100 k every few seconds
            // under heavy intake.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    // Expired sessions are swept every ten minutes.
    let sweeper = ctx.clone();
    let planner = store.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            if let Err(e) = planner.optimize_light().await {
                tracing::warn!(error = %e, "planner statistics refresh failed");
            }
        }
    });
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            if let Err(e) = sweeper.auth.delete_expired_sessions(sweeper.now_ms()).await {
                tracing::warn!(error = %e, "session sweep failed");
            }
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
    .await?;
    Ok(())
}

fn print_outcome(o: &ImportOutcome) {
    println!(
        "{}: {} rows; created {}, updated {}, unchanged {}, skipped {}; {}",
        o.kind,
        o.total_rows,
        o.created,
        o.updated,
        o.unchanged,
        o.skipped,
        if o.applied {
            "applied"
        } else if o.dry_run && o.report.errors.is_empty() {
            "valid (dry run, nothing written)"
        } else {
            "NOT applied: nothing was written"
        }
    );
    for e in &o.report.errors {
        println!(
            "  line {}{}{}: {} / {}",
            e.line,
            e.column
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default(),
            e.value
                .as_deref()
                .map(|v| format!(" «{v}»"))
                .unwrap_or_default(),
            e.message.zh,
            e.message.en
        );
    }
}

/// mimalloc instead of glibc's allocator: the server, the imports and the load
/// generator allocate and free many small strings across threads, where glibc's
/// `free` (chunk consolidation) showed up at 5–10 % of the profiles.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    init_logs(cli.global.log_json);
    if let Err(e) = run(cli).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> AnyResult<()> {
    let g = cli.global.clone();
    match cli.command {
        Command::Serve(args) => {
            let (store, ctx) = open(&g, false).await?;
            serve(store, ctx, &args, &g).await
        }
        Command::Migrate => {
            let (store, _ctx) = open(&g, is_sqlite(&g.database)).await?;
            println!("migrations up to date ({:?})", store.backend);
            finish(&store).await;
            Ok(())
        }
        Command::Demo {
            serve: args,
            scale,
            seed,
            no_serve,
        } => {
            let (_store, ctx) = open(&g, true).await?;
            if ctx.org.roots().await?.is_empty() {
                println!("loading the Haibowan demo district (scale {scale}, seed {seed}) …");
                let r = demo::load(&ctx, DemoOptions { scale, seed }).await?;
                _store.optimize().await?;
                println!(
                    "loaded in {:.1} s: {} units ({} grids), {} households, {} residents, {} post holders",
                    r.seconds, r.units, r.grids, r.households, r.residents, r.posts
                );
                let a = &r.appeals;
                println!(
                    "appeals: {} cases ({} open, {} overdue, {} closed, {} rejected), {} departments ({} stations), {} property companies, {} rotations, in {:.1} s",
                    a.cases,
                    a.open,
                    a.overdue,
                    a.closed,
                    a.rejected,
                    a.departments,
                    a.stations,
                    a.property_companies,
                    a.rotations,
                    a.seconds
                );
                for (name, v) in [
                    ("party", &r.party),
                    ("network", &r.network),
                    ("workforce", &r.workforce),
                    ("lists", &r.lists),
                ] {
                    if v.as_object().is_some_and(|o| !o.is_empty()) {
                        println!("{name}: {v}");
                    }
                }
                // An Open311 key for trying the API; kept beside the data key so later
                // runs can print it again (only its hash is in the database).
                let key = jiceng_domain::appeals::service::issue_open311_key(
                    &ctx,
                    &Actor::system(),
                    "demo",
                )
                .await?;
                let key_file = open311_key_file(&g);
                if !key_file.exists() {
                    write_private(&key_file, &key)?;
                }
            } else {
                println!("the database already holds a district: using it as it is");
            }
            println!();
            println!("Demo logins (password {} for all):", demo::DEMO_PASSWORD);
            for login in demo::DEMO_LOGINS {
                if let Some(u) = ctx.auth.user_by_login(login).await? {
                    println!(
                        "  {:<8} {} / {}",
                        u.login,
                        u.role.label_zh(),
                        u.role.label_en()
                    );
                }
            }
            println!();
            if let Ok(key) = std::fs::read_to_string(open311_key_file(&g)) {
                println!("Open311 API key: {}", key.trim());
                println!();
            }
            if no_serve {
                finish(&_store).await;
                return Ok(());
            }
            serve(_store, ctx, &args, &g).await
        }
        Command::Import {
            kind,
            file,
            skip_bad,
            dry_run,
        } => {
            let (_store, ctx) = open(&g, is_sqlite(&g.database)).await?;
            let bytes = std::fs::read(&file)?;
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("upload.csv")
                .to_string();
            let opts = ImportOptions { skip_bad, dry_run };
            let actor = Actor::system();
            let started = std::time::Instant::now();
            let outcome = match kind {
                ImportKind::Divisions => {
                    import::divisions(&ctx, &actor, &name, &bytes, opts).await?
                }
                ImportKind::Grids => import::grids(&ctx, &actor, &bytes, opts).await?,
                ImportKind::People => import::people(&ctx, &actor, &name, &bytes, opts).await?,
            };
            print_outcome(&outcome);
            println!("took {:.2} s", started.elapsed().as_secs_f64());
            finish(&_store).await;
            if !outcome.applied && !outcome.report.errors.is_empty() {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Export { kind, unit, output } => {
            let (_store, ctx) = open(&g, false).await?;
            export(&ctx, kind, unit.as_deref(), &output).await
        }
        Command::Backup { output } => {
            if !is_sqlite(&g.database) {
                return Err(
                    "PostgreSQL: back up with pg_dump (e.g. pg_dump -Fc DB > jiceng.dump)".into(),
                );
            }
            let (store, _ctx) = open(&g, false).await?;
            let dest = output.to_str().ok_or("destination path is not UTF-8")?;
            store.backup_sqlite(dest).await?;
            println!(
                "backed up to {dest} (keep the data key {} with it)",
                g.key_file.display()
            );
            Ok(())
        }
        Command::User { command } => {
            let (_store, ctx) = open(&g, false).await?;
            user(&ctx, command).await
        }
        Command::Bench { command } => bench_cmd(&g, command).await,
    }
}

async fn export(ctx: &Ctx, kind: ExportKind, unit: Option<&str>, output: &Path) -> AnyResult<()> {
    let actor = Actor::system();
    let root = match unit {
        Some(code) => jiceng_domain::org::service::get_by_code(ctx, &actor, code).await?,
        None => jiceng_domain::org::service::home(ctx, &actor).await?,
    };
    match kind {
        ExportKind::Grids => {
            let grids = jiceng_domain::org::service::grids_in(ctx, &actor, root.id).await?;
            let features: Vec<_> = grids
                .into_iter()
                .filter_map(|g| {
                    let b = g.boundary?;
                    Some((
                        g.code,
                        g.name,
                        g.grid_type
                            .map(|t| t.as_str())
                            .unwrap_or("geographic")
                            .to_string(),
                        b,
                    ))
                })
                .collect();
            std::fs::write(
                output,
                jiceng_formats::grids::grids_to_geojson(&features).to_string(),
            )?;
            println!("{} grids → {}", features.len(), output.display());
        }
        ExportKind::Residents => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (i, h) in [
                "姓名",
                "身份证号",
                "电话",
                "性别",
                "出生日期",
                "民族",
                "与户主关系",
                "标签",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string(0, i as u16, *h)?;
            }
            let mut row = 1u32;
            let mut offset = 0;
            loop {
                let page = jiceng_domain::people::service::list(
                    ctx,
                    &actor,
                    &root,
                    &Default::default(),
                    jiceng_core::PageRequest {
                        offset,
                        limit: jiceng_core::PageRequest::MAX_LIMIT,
                    },
                )
                .await?;
                for r in &page.items {
                    ws.write_string(row, 0, &r.name)?;
                    ws.write_string(row, 1, &r.id_number)?;
                    ws.write_string(row, 2, r.phone.as_deref().unwrap_or(""))?;
                    ws.write_string(row, 3, if r.sex == "male" { "男" } else { "女" })?;
                    ws.write_string(row, 4, &r.birth_date)?;
                    ws.write_string(row, 5, &r.ethnicity)?;
                    ws.write_string(row, 6, &r.relation)?;
                    ws.write_string(row, 7, r.labels.join("、"))?;
                    row += 1;
                }
                offset += page.limit;
                if offset >= page.total || page.items.is_empty() {
                    break;
                }
            }
            wb.save(output)?;
            println!("{} residents (masked) → {}", row - 1, output.display());
        }
        ExportKind::Divisions => {
            let mut w = csv::Writer::from_path(output)?;
            w.write_record(["level", "code", "name", "parent_code"])?;
            let mut n = 0;
            let parent_code = |path: &str| {
                jiceng_domain::org::rules::path_codes(path)
                    .iter()
                    .rev()
                    .nth(1)
                    .cloned()
                    .unwrap_or_default()
            };
            let district_parent = root.code.get(..4).unwrap_or("").to_string();
            if root.kind == jiceng_domain::org::UnitKind::District {
                w.write_record([
                    "district",
                    &root.code,
                    &root.official_name,
                    &district_parent,
                ])?;
                n += 1;
            }
            for (kind, level) in [
                (jiceng_domain::org::UnitKind::Subdistrict, "street"),
                (jiceng_domain::org::UnitKind::Community, "community"),
            ] {
                for u in ctx.org.units_in(&root.path, kind, 1_000_000).await? {
                    w.write_record([level, &u.code, &u.official_name, &parent_code(&u.path)])?;
                    n += 1;
                }
            }
            w.flush()?;
            println!("{n} divisions → {}", output.display());
        }
    }
    Ok(())
}

async fn user(ctx: &Ctx, command: UserCommand) -> AnyResult<()> {
    use jiceng_domain::auth::service as auth;
    let system = Actor::system();
    match command {
        UserCommand::List => {
            for u in ctx.auth.users().await? {
                println!(
                    "{:<12} {:<20} {:<18} unit #{}",
                    u.login,
                    u.display_name,
                    u.role.as_str(),
                    u.scope_unit_id
                );
            }
        }
        UserCommand::Create {
            login,
            role,
            unit,
            name,
            household,
            password,
        } => {
            let unit =
                ctx.org.unit_by_code(&unit).await?.ok_or_else(|| {
                    DomainError::field("unit", "单位编码不存在", "unknown unit code")
                })?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| auth::random_token()[..16].to_string());
            let u = auth::create_user(
                ctx,
                &system,
                auth::CreateUser {
                    login,
                    display_name: name,
                    password: password.clone(),
                    role,
                    scope_unit_id: unit.id,
                    household_id: household,
                    department_id: None,
                },
            )
            .await
            .map_err(|e| e.message(jiceng_core::Lang::En))?;
            println!("created {} ({})", u.login, u.role.as_str());
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::Token { login, name } => {
            let token = auth::issue_token(ctx, &system, &login, &name)
                .await
                .map_err(|e| e.message(jiceng_core::Lang::En))?;
            println!("{token}");
        }
        UserCommand::Password { login, password } => {
            auth::set_password(ctx, &system, &login, &password)
                .await
                .map_err(|e| e.message(jiceng_core::Lang::En))?;
            println!("password set; open sessions of {login} ended");
        }
    }
    Ok(())
}

/// Tokens, an Open311 key, points inside grids and case ids for a load run.
async fn bench_target(ctx: &Ctx, base: &str) -> AnyResult<bench::load::Target> {
    use jiceng_domain::auth::service::issue_token;
    let sys = Actor::system();
    let token = |login: &'static str| issue_token(ctx, &sys, login, "bench");
    let index = jiceng_domain::appeals::service::grid_index(ctx).await?;
    let mut rng = jiceng_domain::demo::Rng::new(99);
    let mut points = vec![];
    let grids = {
        let mut all = vec![];
        for r in ctx.org.roots().await? {
            all.extend(
                ctx.org
                    .units_in(&r.path, jiceng_domain::org::UnitKind::Grid, 1_000_000)
                    .await?,
            );
        }
        all
    };
    for g in grids
        .iter()
        .filter_map(|g| g.boundary.as_ref())
        .cycle()
        .take(4000)
    {
        let (x0, y0, x1, y1) = g.bbox();
        for _ in 0..20 {
            let p = jiceng_formats::geo::Point {
                x: x0 + rng.f64() * (x1 - x0),
                y: y0 + rng.f64() * (y1 - y0),
            };
            if g.contains(p) && index.locate(p).is_some() {
                points.push((p.x, p.y));
                break;
            }
        }
    }
    let categories = ctx
        .appeals
        .categories()
        .await?
        .into_iter()
        .filter(|c| c.is_leaf() && c.active && c.source != "patrol")
        .map(|c| c.code)
        .collect();
    let ids = ctx
        .appeals
        .search(
            &Default::default(),
            jiceng_core::PageRequest {
                offset: 0,
                limit: 500,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(bench::load::Target {
        base: base.trim_end_matches('/').to_string(),
        admin_token: token("admin").await?,
        grid_token: token("wangge").await?,
        hotline_token: token("rexian").await?,
        open311_key: jiceng_domain::appeals::service::issue_open311_key(ctx, &sys, "bench").await?,
        points,
        categories,
        case_ids: ids,
        ..Default::default()
    })
}

async fn serve_in_process(app: axum::Router) -> AnyResult<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Ok(format!("http://{addr}"))
}

async fn bench_cmd(g: &Global, command: BenchCommand) -> AnyResult<()> {
    match command {
        BenchCommand::Load { url, load } => {
            let (_store, ctx) = open(g, false).await?;
            let target = bench_target(&ctx, &url).await?;
            let opts = load.opts(&load.mix)?;
            if load.warmup > 0 {
                let w = bench::load::run(target.clone(), opts.warm_up(load.warmup)).await;
                println!(
                    "warm-up: {:.0} s, {} requests, {} errors (not counted)",
                    w.seconds, w.total_ok, w.total_errors
                );
            }
            let r = bench::load::run(target, opts).await;
            bench::load::print(
                &format!(
                    "{} mix against {url}, {} connections",
                    load.mix, load.concurrency
                ),
                &r,
            );
            println!("\n{}", serde_json::to_string(&r)?);
        }
        BenchCommand::Compare {
            load,
            scale,
            rounds,
        } => {
            let (store, ctx) = open(g, true).await?;
            if ctx.org.roots().await?.is_empty() {
                println!("loading a demo district (scale {scale}) to measure on …");
                demo::load(
                    &ctx,
                    DemoOptions {
                        scale,
                        seed: 20200428,
                    },
                )
                .await?;
                store.optimize().await?;
            }
            let postgres = store.backend == jiceng_store::Backend::Postgres;
            // Each phase starts from a checkpoint, so that none pays for writing back
            // what the demo load or the phase before it left in the log.
            let settle = || async {
                if let Err(e) = store.settle().await {
                    tracing::warn!(error = %e, "no checkpoint before the phase");
                }
            };
            let limit = bench::limit::router(store.write_pool().clone(), postgres).await?;
            let limit_url = serve_in_process(limit).await?;
            let app = jiceng_web::router(jiceng_web::AppState::new(ctx.clone(), false));
            let url = serve_in_process(app).await?;
            println!(
                "backend: {:?}; {} s per load, {} connections, rate {}; each after a checkpoint",
                store.backend,
                load.seconds,
                load.concurrency,
                if load.rate == 0 {
                    "flat out".to_string()
                } else {
                    load.rate.to_string()
                }
            );
            let t = bench::load::Target {
                base: limit_url.clone(),
                ..Default::default()
            };
            let target = bench_target(&ctx, &url).await?;
            // An intake phase, with where the writer's time went during it.
            let intake_phase = async |mix: &str, title: &str| -> AnyResult<_> {
                settle().await;
                let before = jiceng_store::intake_writer_snapshot();
                let r = bench::load::run(target.clone(), load.opts(mix)?).await;
                bench::load::print(title, &r);
                println!("{}", jiceng_store::intake_writer_snapshot().since(&before));
                Ok(r)
            };
            let rounds = rounds.max(1);
            let mut done = vec![];
            for round in 1..=rounds {
                if rounds > 1 {
                    println!("\n# round {round} of {rounds}");
                }
                settle().await;
                let lim = bench::load::run(t.clone(), load.opts("limit")?).await;
                bench::load::print(
                    "limit: one 256-byte row per POST, group commit, same database and durability",
                    &lim,
                );
                let api = intake_phase(
                    "intake-api",
                    "jiceng intake through the JSON API (routing, deadline, audit, notices)",
                )
                .await?;
                let all = intake_phase(
                    "intake",
                    "jiceng intake, all channels (JSON API, Open311, page form)",
                )
                .await?;
                done.push(bench::shares::Round {
                    limit: lim.per_second,
                    api: api.writes_per_second,
                    all: all.writes_per_second,
                });
            }
            // A running server refreshes planner statistics now and then; so does the bench
            // before measuring reads over what the intake runs just wrote.
            store.optimize().await?;
            settle().await;
            let full = bench::load::run(target, load.opts("full")?).await;
            bench::load::print("jiceng full mix (intake, look-ups, inbox, rates)", &full);
            if rounds > 1 {
                println!("\n## rounds");
                println!(
                    "| round | limit writes/s | JSON API writes/s | share | all channels writes/s | share |"
                );
                println!("|---:|---:|---:|---:|---:|---:|");
                for (i, r) in done.iter().enumerate() {
                    println!(
                        "| {} | {:.0} | {:.0} | {:.0}% | {:.0} | {:.0}% |",
                        i + 1,
                        r.limit,
                        r.api,
                        r.share(r.api),
                        r.all,
                        r.share(r.all)
                    );
                }
            }
            let s = bench::shares::over(&done);
            println!("\n## ratios");
            if rounds > 1 {
                println!(
                    "(medians of {rounds} rounds; each share the median of the rounds' own shares)"
                );
            }
            println!("| run | writes/s | share of the limit |");
            println!("|---|---:|---:|");
            println!("| limit (one-row insert) | {:.0} | 100% |", s.limit);
            println!("| intake, JSON API | {:.0} | {:.0}% |", s.api, s.api_share);
            println!(
                "| intake, all channels | {:.0} | {:.0}% |",
                s.all, s.all_share
            );
            println!(
                "| full mix (writes part) | {:.0} | {:.0}% |",
                full.writes_per_second,
                // The full mix ran once, after the rounds: against their median limit.
                bench::shares::share(full.writes_per_second, s.limit)
            );
        }
        BenchCommand::LimitServer { listen } => {
            let (store, _ctx) = open(g, true).await?;
            let postgres = store.backend == jiceng_store::Backend::Postgres;
            let app = bench::limit::router(store.write_pool().clone(), postgres).await?;
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!("limit server on http://{}/row", listener.local_addr()?);
            axum::serve(listener, app).await?;
        }
        BenchCommand::Peer {
            url,
            auth_header,
            queue,
            seconds,
            concurrency,
        } => {
            let target = bench::load::Target {
                peer_url: Some(url.clone()),
                peer_auth: auth_header,
                peer_queue: Some(queue),
                ..Default::default()
            };
            let opts = bench::LoadOpts {
                duration: Duration::from_secs(seconds),
                concurrency,
                rate: 0,
                mix: bench::Mix::parse("peer").ok_or("mix")?,
            };
            let r = bench::load::run(target, opts).await;
            bench::load::print(&format!("peer: POST {url}"), &r);
            println!("\n{}", serde_json::to_string(&r)?);
        }
        BenchCommand::City {
            residents,
            grids,
            cases,
            years,
            seed,
            no_live,
            measure_only,
        } => {
            let (store, ctx) = open(g, true).await?;
            bench::city::run(
                &store,
                &ctx,
                bench::city::CityArgs {
                    residents,
                    grids,
                    cases,
                    years,
                    seed,
                    live: !no_live,
                    measure_only,
                },
            )
            .await?;
        }
        BenchCommand::Kernels { side, districts } => {
            let (n, rate) = bench::kernels::point_lookups(side, 3.0);
            println!("point → grid: {n} grids, {rate:.0} lookups/s on one core");
            let csv = bench::kernels::national_csv(districts);
            let (rows, secs) = bench::kernels::parse_divisions(&csv);
            println!(
                "division list: {rows} rows parsed and validated in {secs:.2} s ({:.0} rows/s)",
                rows as f64 / secs
            );
            let (_store, ctx) = open(g, true).await?;
            if !ctx.org.roots().await?.is_empty() {
                let sys = Actor::system();
                for _ in 0..2 {
                    let t = std::time::Instant::now();
                    let r = jiceng_domain::appeals::service::rates(
                        &ctx,
                        &sys,
                        None,
                        None,
                        None,
                        jiceng_domain::appeals::service::Breakdown::Children,
                    )
                    .await?;
                    println!(
                        "rates: district + {} sub-districts over {} cases in {:.1} ms",
                        r.rows.len(),
                        r.total.counts.total,
                        t.elapsed().as_secs_f64() * 1000.0
                    );
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_file_gets_its_folder_and_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("jiceng-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = dir.join("data").join("open311-demo.key");
        write_private(&file, "first").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = write_private(&file, "second").unwrap_err();
        assert!(again.to_string().contains("open311-demo.key"), "{again}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "first");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
