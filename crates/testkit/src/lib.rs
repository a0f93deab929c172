//! Test support: a fresh database per test — an SQLite file in a temp dir by default,
//! or a new PostgreSQL schema when `JICENG_TEST_DATABASE_URL` is set — a small fixture
//! district with one account (and API token) per role, and a TestApp that drives the
//! router in-process (no TCP).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::TimeZone;
use jiceng_core::crypto::Cipher;
use jiceng_core::{Actor, FixedClock, Role};
use jiceng_domain::Ctx;
use jiceng_domain::auth::throttle::Throttle;
use jiceng_domain::org::service as org;
use jiceng_domain::people::service as people;
use jiceng_store::{SqlStore, StoreConfig};
use rand::RngCore;
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PASSWORD: &str = "Fixture@2026";

pub struct TestEnv {
    pub ctx: Ctx,
    pub store: Arc<SqlStore>,
    pub clock: Arc<FixedClock>,
    cfg: StoreConfig,
    dir: Option<PathBuf>,
}

/// The data key of every test database (64 hex characters).
pub fn data_key_hex() -> String {
    "5a".repeat(32)
}

/// The use-case context over a store, with this test's clock and key.
fn ctx_over(store: &Arc<SqlStore>, clock: &Arc<FixedClock>) -> Ctx {
    Ctx {
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
        clock: clock.clone(),
        cipher: Cipher::from_hex(&data_key_hex()).unwrap_or_else(|_| unreachable!()),
        throttle: Arc::new(Throttle::default()),
    }
}

impl TestEnv {
    /// The `jiceng` options that open this test's database, for tests that run the
    /// binary itself (with `JICENG_DATA_KEY` = [`data_key_hex`]).
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = vec!["--database".to_string(), self.cfg.url.clone()];
        if let Some(s) = &self.cfg.pg_schema {
            args.extend(["--pg-schema".to_string(), s.clone()]);
        }
        args
    }

    /// A second instance on the same database: its own connections, caches, writer
    /// and throttle, as another `jiceng serve` behind a load balancer would have.
    /// Both hear each other's changes to what they keep in memory (PostgreSQL).
    #[allow(clippy::expect_used)]
    pub async fn second_instance(&self) -> (Ctx, Arc<SqlStore>) {
        let store = Arc::new(jiceng_store::connect(&self.cfg).await.expect("connect"));
        let ctx = ctx_over(&store, &self.clock);
        for s in [&self.store, &store] {
            s.follow_changes(&self.cfg.url)
                .await
                .expect("listening for changes");
        }
        (ctx, store)
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn random_suffix() -> String {
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Which backend the tests run on.
pub fn backend_url() -> Option<String> {
    std::env::var("JICENG_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

#[allow(clippy::expect_used)]
pub async fn env() -> TestEnv {
    let (cfg, dir) = match backend_url() {
        Some(url) => {
            let mut cfg = StoreConfig::new(url);
            cfg.pg_schema = Some(format!("t_{}", random_suffix()));
            cfg.max_connections = 4;
            (cfg, None)
        }
        None => {
            let dir = std::env::temp_dir().join(format!("jiceng-test-{}", random_suffix()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.display());
            (StoreConfig::new(url), Some(dir))
        }
    };
    let store = Arc::new(jiceng_store::connect(&cfg).await.expect("connect"));
    store.migrate().await.expect("migrate");
    let clock = Arc::new(FixedClock::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 26, 2, 0, 0)
            .single()
            .expect("date"),
    ));
    let ctx = ctx_over(&store, &clock);
    TestEnv {
        ctx,
        store,
        clock,
        cfg,
        dir,
    }
}

/// Ids of the fixture district's places and people.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub district: i64,
    /// 凤凰岭街道
    pub sub: i64,
    /// 海北街道 (another sub-district)
    pub other_sub: i64,
    /// 和平社区
    pub community: i64,
    /// 公园社区 (same sub-district, another community)
    pub other_community: i64,
    /// 和平社区 grid 001 (the grid worker's)
    pub grid: i64,
    /// 和平社区 grid 002
    pub other_grid: i64,
    /// 公园社区 grid 001
    pub far_grid: i64,
    pub unit: i64,
    /// The estate of `grid` (served by `property`).
    pub estate: i64,
    pub household: i64,
    pub water: i64,
    pub city: i64,
    pub property: i64,
    /// A resident in `grid`.
    pub resident: i64,
    /// A resident in `other_grid`.
    pub other_resident: i64,
    /// A resident in `far_grid`.
    pub far_resident: i64,
    /// The plain ID number of `resident`.
    pub resident_id_number: String,
    pub resident_phone: String,
    /// API token per role.
    pub tokens: Vec<(Role, String)>,
}

impl Fixture {
    pub fn token(&self, role: Role) -> &str {
        self.tokens
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    }
}

pub fn login_of(role: Role) -> &'static str {
    match role {
        Role::DistrictAdmin => "admin",
        Role::SubdistrictStaff => "jiedao",
        Role::CommunityStaff => "shequ",
        Role::GridWorker => "wangge",
        Role::DepartmentHandler => "bumen",
        Role::Resident => "jumin",
        Role::Auditor => "shenji",
        Role::HotlineOperator => "rexian",
        Role::PropertyCompany => "wuye",
    }
}

fn square(x: f64, y: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]]})
}

/// One grid with an estate, a building, a unit, a household and residents.
#[allow(clippy::expect_used)]
async fn grid_with_people(
    ctx: &Ctx,
    community: i64,
    x: f64,
    people_in: &[(&str, &str, Option<&str>, &[&str])],
) -> (i64, i64, i64, i64, Vec<i64>) {
    let sys = Actor::system();
    let mk = |parent: i64, name: &str, boundary: Option<Value>| org::CreateUnit {
        parent_id: parent,
        code: None,
        name: name.into(),
        grid_type: None,
        address: None,
        boundary,
    };
    let grid = org::create(ctx, &sys, mk(community, "网格", Some(square(x, 39.6))))
        .await
        .expect("grid");
    let estate = org::create(ctx, &sys, mk(grid.id, "阳光小区", None))
        .await
        .expect("estate");
    let building = org::create(ctx, &sys, mk(estate.id, "1号楼", None))
        .await
        .expect("building");
    let unit = org::create(ctx, &sys, mk(building.id, "1单元", None))
        .await
        .expect("unit");
    let h = people::create_household(
        ctx,
        &sys,
        unit.id,
        people::HouseholdInput {
            room: "101".into(),
            address: None,
            dwelling: None,
        },
    )
    .await
    .expect("household");
    let mut ids = vec![];
    for (name, id, phone, labels) in people_in {
        let r = people::create(
            ctx,
            &sys,
            h.id,
            people::ResidentInput {
                name: (*name).into(),
                id_number: (*id).into(),
                phone: phone.map(String::from),
                ethnicity: None,
                relation: None,
                labels: labels.iter().map(|l| l.to_string()).collect(),
            },
        )
        .await
        .expect("resident");
        ids.push(r.id);
    }
    (grid.id, estate.id, unit.id, h.id, ids)
}

/// Every index, key and trigger of the test database's tables, as the database describes them
/// (name, definition), sorted: bulk loads that take indexes off must leave this as the
/// migrations made it.
#[allow(clippy::expect_used)]
pub async fn indexes_and_keys(env: &TestEnv) -> Vec<(String, String)> {
    let sql = if env.store.backend == jiceng_store::Backend::Sqlite {
        "SELECT name, COALESCE(sql, '') FROM sqlite_master \
         WHERE type IN ('index', 'table', 'trigger') ORDER BY 1, 2"
    } else {
        // Triggers with whether they are enabled ('O'): a bulk load disables the
        // reference checks and must enable them again.
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
         UNION ALL SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE connamespace = current_schema()::regnamespace \
         UNION ALL SELECT t.tgname::text, t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid) \
         FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid \
         WHERE NOT t.tgisinternal AND r.relnamespace = current_schema()::regnamespace ORDER BY 1, 2"
    };
    sqlx::query_as(sql)
        .fetch_all(env.store.write_pool())
        .await
        .expect("schema")
}

/// A division list (CSV) of new streets of the fixture's district (150302), numbered
/// `streets`, with communities 1..=999 under each: 1,000 rows a street.
pub fn division_csv(streets: std::ops::Range<u32>) -> String {
    let mut csv = String::from("level,code,name,parent_code\n");
    for s in streets {
        csv.push_str(&format!("street,150302{s:03},新街道{s},150302\n"));
        for c in 1..=999 {
            csv.push_str(&format!(
                "community,150302{s:03}{c:03},新{s}-{c}社区居委会,150302{s:03}\n"
            ));
        }
    }
    csv
}

pub fn id_number(birth: (i32, u32, u32), seq: u32) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap_or_default();
    jiceng_core::idcard::make("150302", d, seq)
}

/// The fixture district: the real Haibowan division list plus three grids with people,
/// and one account and API token per role.
#[allow(clippy::expect_used)]
pub async fn fixture(ctx: &Ctx) -> Fixture {
    let sys = Actor::system();
    let out = jiceng_domain::import::divisions(
        ctx,
        &sys,
        "haibowan-divisions.csv",
        jiceng_domain::demo::DIVISIONS_CSV.as_bytes(),
        Default::default(),
    )
    .await
    .expect("divisions");
    assert!(out.applied, "{:?}", out.report.errors);
    let code =
        |c: &'static str| async move { ctx.org.unit_by_code(c).await.expect("db").expect(c).id };
    let district = code("150302").await;
    let sub = code("150302001").await;
    let other_sub = code("150302002").await;
    let community = code("150302001002").await;
    let other_community = code("150302001003").await;
    let rid = id_number((1950, 3, 4), 11);
    let (grid, estate, unit, household, a) = grid_with_people(
        ctx,
        community,
        106.80,
        &[
            ("张桂英", &rid, Some("13912345678"), &["elderly_alone"]),
            (
                "张晓明",
                &id_number((1988, 7, 9), 22),
                Some("13800001111"),
                &[],
            ),
        ],
    )
    .await;
    let (other_grid, _, _, _, b) = grid_with_people(
        ctx,
        community,
        106.81,
        &[("李红梅", &id_number((1975, 1, 2), 32), None, &["disabled"])],
    )
    .await;
    let (far_grid, _, _, _, c) = grid_with_people(
        ctx,
        other_community,
        106.85,
        &[(
            "王德胜",
            &id_number((1960, 5, 6), 41),
            Some("13700002222"),
            &[],
        )],
    )
    .await;
    // Departments: the water bureau, city management, and a property company serving
    // the first grid's estate.
    use jiceng_domain::appeals::{DeptKind, store::NewDepartment};
    let dept = |code: &str, name: &str, kind: DeptKind, estates: Vec<i64>| {
        let d = NewDepartment {
            code: code.into(),
            name: name.into(),
            kind,
            unit_id: district,
            phone: "0473-1234567".into(),
        };
        jiceng_domain::appeals::service::create_department(ctx, &sys, d, estates)
    };
    let water = dept("swj", "区水务局", DeptKind::Department, vec![])
        .await
        .expect("dept")
        .id;
    let city = dept("cgj", "区城管局", DeptKind::Department, vec![])
        .await
        .expect("dept")
        .id;
    let property = dept(
        "wy01",
        "阳光物业服务有限公司",
        DeptKind::Property,
        vec![estate],
    )
    .await
    .expect("dept")
    .id;
    let hash = jiceng_domain::auth::service::hash_password(PASSWORD).expect("hash");
    let mut tokens = vec![];
    for role in Role::ALL {
        let (scope, hh, dept) = match role {
            Role::DistrictAdmin | Role::Auditor | Role::HotlineOperator => (district, None, None),
            Role::DepartmentHandler => (district, None, Some(water)),
            Role::PropertyCompany => (district, None, Some(property)),
            Role::SubdistrictStaff => (sub, None, None),
            Role::CommunityStaff => (community, None, None),
            Role::GridWorker => (grid, None, None),
            Role::Resident => (grid, Some(household), None),
        };
        let login = login_of(role);
        ctx.auth
            .insert_user(
                jiceng_domain::auth::NewUser {
                    login: login.into(),
                    display_name: login.into(),
                    password_hash: hash.clone(),
                    role,
                    scope_unit_id: scope,
                    household_id: hh,
                    department_id: dept,
                },
                ctx.event(&sys, "auth.create_user", "user", login, "/"),
            )
            .await
            .expect("user");
        let t = jiceng_domain::auth::service::issue_token(ctx, &sys, login, "test")
            .await
            .expect("token");
        tokens.push((role, t));
    }
    Fixture {
        district,
        sub,
        other_sub,
        community,
        other_community,
        grid,
        other_grid,
        far_grid,
        unit,
        estate,
        household,
        water,
        city,
        property,
        resident: a[0],
        other_resident: b[0],
        far_resident: c[0],
        resident_id_number: rid,
        resident_phone: "13912345678".into(),
        tokens,
    }
}

/// The router driven in-process.
pub struct TestApp {
    pub router: Router,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The value of a cookie the response sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

impl TestApp {
    pub fn new(ctx: Ctx) -> TestApp {
        TestApp {
            router: jiceng_web::router(jiceng_web::AppState::new(ctx, false)),
        }
    }

    #[allow(clippy::expect_used)]
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    #[allow(clippy::expect_used)]
    pub async fn api(&self, method: &str, uri: &str, token: &str, body: Option<Value>) -> Reply {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).expect("request")).await
    }

    #[allow(clippy::expect_used)]
    pub async fn get_page(&self, uri: &str, session: &str) -> Reply {
        self.send(
            Request::builder()
                .uri(uri)
                .header(header::COOKIE, format!("jiceng_session={session}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    #[allow(clippy::expect_used)]
    pub async fn post_form(&self, uri: &str, cookies: &str, form: &str) -> Reply {
        self.send(
            Request::builder()
                .method("POST")
                .uri(uri)
                .header(header::COOKIE, cookies)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .expect("request"),
        )
        .await
    }

    /// Signs in through the login page; returns (session cookie, CSRF token of forms).
    #[allow(clippy::expect_used)]
    pub async fn login(&self, login: &str, password: &str) -> Option<(String, String)> {
        let page = self
            .send(
                Request::builder()
                    .uri("/login")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        let pre = page.cookie("jiceng_pre")?;
        let form = format!(
            "login={login}&password={}&csrf={pre}&next=/home",
            encode(password)
        );
        let res = self
            .post_form("/login", &format!("jiceng_pre={pre}"), &form)
            .await;
        let session = res.cookie("jiceng_session")?;
        let mut home = self.get_page("/home", &session).await;
        if home.status.is_redirection()
            && let Some(to) = home
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        {
            home = self.get_page(&to, &session).await;
        }
        let csrf = csrf_of(&home.text())?;
        Some((session, csrf))
    }
}

/// The CSRF token the page's forms carry.
pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_string())
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The first moment of a month in Beijing time, in epoch milliseconds.
pub fn month_start_ms(year: i32, month: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(jiceng_core::clock::china()).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// The rates of `q` as the rollup gives them, after checking that they equal counting
/// the cases themselves: the same query starting one millisecond past its start (past a
/// month's first moment, or past 0) is not one the rollup serves, so the store counts.
#[allow(clippy::expect_used)]
pub async fn rolled_up_rates_as_counted(
    ctx: &Ctx,
    q: &jiceng_domain::appeals::CaseQuery,
    group: jiceng_domain::appeals::store::RateGroup,
    now_ms: i64,
) -> Vec<jiceng_domain::appeals::RateCounts> {
    let counted = jiceng_domain::appeals::CaseQuery {
        from_ms: Some(q.from_ms.unwrap_or(0) + 1),
        ..q.clone()
    };
    let rolled = ctx
        .appeals
        .rate_counts(q, group.clone(), now_ms)
        .await
        .expect("rates from the rollup");
    let live = ctx
        .appeals
        .rate_counts(&counted, group.clone(), now_ms)
        .await
        .expect("rates counted");
    assert_eq!(rolled, live, "{q:?} {group:?}");
    rolled
}
