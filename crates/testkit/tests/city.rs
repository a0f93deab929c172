//! The synthetic city of `jiceng bench city`, small: what was asked is what is stored,
//! personal data is sealed as the people import seals it, every case sits in a grid,
//! the rollup written in bulk gives the same rates as counting the cases, the same seed
//! makes the same city, and a second build is refused.
//! (SQLite by default; PostgreSQL when JICENG_TEST_DATABASE_URL is set.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::{Actor, idcard, mask};
use jiceng_domain::appeals::CaseQuery;
use jiceng_domain::appeals::service::{Breakdown, rates};
use jiceng_domain::appeals::store::RateGroup;
use jiceng_domain::city::CityOptions;
use jiceng_domain::org::UnitKind;
use jiceng_testkit::{TestEnv, env};
use sqlx::AnyPool;

/// id_enc, id_index, id_mask, birth_date, sex, phone_enc, phone_index.
type SealedRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

async fn count(pool: &AnyPool, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    n
}

fn small(env: &TestEnv) -> CityOptions {
    CityOptions {
        grids: 200,
        cases: 3_000,
        years: 2,
        seed: 7,
        ..CityOptions::new(2_000, env.ctx.now_ms())
    }
}

#[tokio::test]
async fn a_small_city_is_whole_consistent_and_built_once() {
    let env = env().await;
    let opts = small(&env);
    let schema = jiceng_testkit::indexes_and_keys(&env).await;
    let report = env
        .store
        .city_build(&env.ctx.cipher, &opts, &|_| {})
        .await
        .unwrap();
    let pool = env.store.write_pool();
    // PostgreSQL builds the generated tables' indexes and keys after the load: all back.
    assert_eq!(jiceng_testkit::indexes_and_keys(&env).await, schema);

    // What was asked is what is stored.
    assert_eq!(report.residents, 2_000);
    assert_eq!(report.cases, 3_000);
    assert_eq!((report.districts, report.subdistricts), (1, 2));
    assert_eq!((report.communities, report.grids), (17, 200));
    for (kind, n) in [
        (UnitKind::District, 1),
        (UnitKind::Subdistrict, 2),
        (UnitKind::Community, 17),
        (UnitKind::Grid, 200),
        (UnitKind::Estate, 200),
        (UnitKind::Building, report.buildings as i64),
    ] {
        let sql = format!(
            "SELECT COUNT(*) FROM org_units WHERE kind = '{}'",
            kind.as_str()
        );
        assert_eq!(count(pool, &sql).await, n, "{kind:?}");
    }
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) FROM unit_history WHERE change = 'create'"
        )
        .await,
        count(pool, "SELECT COUNT(*) FROM org_units").await
    );
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) FROM org_units WHERE kind = 'grid' AND boundary LIKE '%Polygon%'"
        )
        .await,
        200,
        "every grid has a polygon"
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM households").await,
        769,
        "one household per ~2.6 residents"
    );
    assert_eq!(count(pool, "SELECT COUNT(*) FROM residents").await, 2_000);
    assert_eq!(
        count(pool, "SELECT CAST(SUM(members) AS BIGINT) FROM households").await,
        2_000
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM households h WHERE h.members <> (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id)").await,
        0,
        "member counts match the residents"
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id JOIN org_units u ON u.id = h.unit_id WHERE r.path = h.path AND h.path = u.path AND u.kind = 'building'").await,
        2_000,
        "residents live in their household's building"
    );
    assert_eq!(count(pool, "SELECT COUNT(*) FROM cases").await, 3_000);
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) FROM case_events WHERE action = 'submit'"
        )
        .await,
        3_000
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM case_events").await,
        report.events as i64
    );
    assert_eq!(
        count(pool, "SELECT CAST(SUM(total) AS BIGINT) FROM case_rollup").await,
        3_000
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM case_rollup").await,
        report.rollup_rows as i64
    );
    // Case numbers continue from the day counters.
    assert_eq!(
        count(pool, "SELECT CAST(SUM(n) AS BIGINT) FROM case_counters").await,
        3_000
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM case_counters k WHERE k.n <> (SELECT COUNT(*) FROM cases c WHERE substr(c.number, 1, 6) = k.day)").await,
        0
    );

    // Every case lies in a grid that exists, under its community, sub-district, district.
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM cases c JOIN org_units g ON g.id = c.grid_id WHERE g.kind = 'grid' AND g.path = c.path AND g.status = 'active'").await,
        3_000
    );
    assert_eq!(
        count(pool, "SELECT COUNT(*) FROM cases c JOIN org_units u ON u.id = c.coord_unit_id WHERE substr(c.path, 1, length(u.path)) = u.path").await,
        3_000,
        "the coordinating unit is the grid or one above it"
    );

    // Every resident's ID decrypts to a valid number whose blind index and mask match.
    let rows: Vec<SealedRow> = sqlx::query_as(
        "SELECT id_enc, id_index, id_mask, birth_date, sex, phone_enc, phone_index FROM residents",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2_000);
    let cipher = &env.ctx.cipher;
    for (enc, index, id_mask, birth, sex, phone_enc, phone_index) in rows {
        let id = cipher.decrypt(&enc).unwrap();
        let info = idcard::parse(&id).unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(cipher.blind_index(&id), index);
        assert_eq!(mask::id_number(&id), id_mask);
        assert_eq!(info.birth_date.format("%Y-%m-%d").to_string(), birth);
        assert_eq!(info.sex.as_str(), sex);
        if let Some(p) = phone_enc {
            let p = cipher.decrypt(&p).unwrap();
            assert_eq!(Some(cipher.blind_index(&p)), phone_index);
        }
    }
    // A resident is found by ID number as the people search finds them.
    let distinct = count(pool, "SELECT COUNT(DISTINCT id_index) FROM residents").await;
    assert_eq!(distinct, 2_000);

    // The rollup gives the same rates as counting the cases, in every grouping.
    let now = env.ctx.now_ms();
    let district = env.ctx.org.roots().await.unwrap().remove(0);
    for group in [
        RateGroup::Total,
        RateGroup::Level(UnitKind::Subdistrict),
        RateGroup::Level(UnitKind::Community),
        RateGroup::Level(UnitKind::Grid),
        RateGroup::Department,
        RateGroup::Month,
    ] {
        let q = CaseQuery {
            path: Some(district.path.clone()),
            ..Default::default()
        };
        let rolled = jiceng_testkit::rolled_up_rates_as_counted(&env.ctx, &q, group, now).await;
        assert!(!rolled.is_empty());
    }
    // Whole months and one department are read from the rollup too, and the responses
    // still owed (counted from the cases) are counted within the period and department.
    // Counted a month from now, so that the cases not yet answered owe their response.
    let june = jiceng_testkit::month_start_ms(2026, 6);
    let later = now + 30 * 86_400_000;
    let owed_since_june = count(
        pool,
        &format!(
            "SELECT COUNT(*) FROM cases WHERE created_ms >= {june} AND responded_ms IS NULL \
             AND response_due_ms <= {later} AND status IN ('accepted', 'dispatched', 'processing', 'submitted')"
        ),
    )
    .await;
    assert!(owed_since_june > 0, "some responses are owed since June");
    let (dept,): (i64,) = sqlx::query_as(
        "SELECT assignee_dept_id FROM cases WHERE assignee_dept_id IS NOT NULL \
         GROUP BY assignee_dept_id ORDER BY COUNT(*) DESC, assignee_dept_id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    for (group, dept_id) in [
        (RateGroup::Total, None),
        (RateGroup::Level(UnitKind::Community), None),
        (RateGroup::Level(UnitKind::Grid), None),
        (RateGroup::Total, Some(dept)),
    ] {
        let query = |from_ms: i64| CaseQuery {
            path: Some(district.path.clone()),
            from_ms: Some(from_ms),
            dept_id,
            ..Default::default()
        };
        let rolled = env
            .ctx
            .appeals
            .rate_counts(&query(june), group.clone(), later)
            .await
            .unwrap();
        let live = env
            .ctx
            .appeals
            .rate_counts(&query(june + 1), group.clone(), later)
            .await
            .unwrap();
        assert!(!rolled.is_empty());
        assert_eq!(rolled, live, "{group:?}, department {dept_id:?}");
    }
    // A realistic mix: mostly closed, some open, overdue, rejected, rated, escalated.
    let total = env
        .ctx
        .appeals
        .rate_counts(&CaseQuery::default(), RateGroup::Total, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(total.total, 3_000);
    assert!(total.closed > 2_400, "{total:?}");
    assert!(total.rejected > 0 && total.rejected < 150, "{total:?}");
    assert!(total.overdue_open > 0, "{total:?}");
    assert!(total.closed_in_time > total.closed * 3 / 4, "{total:?}");
    assert!(total.rated > total.closed / 2, "{total:?}");
    assert!(
        total.closed_community > 0 && total.closed_subdistrict > 0,
        "{total:?}"
    );
    assert!(total.response_due >= total.responded_in_time, "{total:?}");
    assert!(
        total.total - total.closed - total.rejected > 0,
        "some are open"
    );
    let report_rates = rates(
        &env.ctx,
        &Actor::system(),
        Some(district.id),
        None,
        None,
        Breakdown::Children,
    )
    .await
    .unwrap();
    assert_eq!(report_rates.total.counts.total, 3_000);
    assert_eq!(report_rates.rows.len(), 2);

    // A later intake numbers on from today's counter and takes a fresh id (PostgreSQL's
    // identity sequences were moved past the given ids), and the rollup stays exact.
    let day = chrono::DateTime::from_timestamp_millis(now + 8 * 3_600_000)
        .unwrap()
        .format("%y%m%d")
        .to_string();
    let today = count(
        pool,
        &format!("SELECT COALESCE(MAX(n), 0) FROM case_counters WHERE day = '{day}'"),
    )
    .await;
    let max_id = count(pool, "SELECT MAX(id) FROM cases").await;
    let (case, _) = jiceng_domain::appeals::service::submit(
        &env.ctx,
        None,
        jiceng_domain::appeals::Channel::Resident,
        jiceng_domain::appeals::service::Intake {
            category: "0302".into(),
            description: "楼下乱堆物料".into(),
            lon: Some(106.602),
            lat: Some(39.4015),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(case.number, format!("{day}-{:04}", today + 1));
    assert!(case.id > max_id);
    let q = CaseQuery {
        path: Some(district.path.clone()),
        ..Default::default()
    };
    let rolled = env
        .ctx
        .appeals
        .rate_counts(&q, RateGroup::Total, now)
        .await
        .unwrap();
    let live = env
        .ctx
        .appeals
        .rate_counts(
            &CaseQuery {
                from_ms: Some(1),
                ..q
            },
            RateGroup::Total,
            now,
        )
        .await
        .unwrap();
    assert_eq!(rolled[0].total, 3_001);
    assert_eq!(rolled, live);

    // A second build is refused and writes nothing.
    let units = count(pool, "SELECT COUNT(*) FROM org_units").await;
    let err = env
        .store
        .city_build(&env.ctx.cipher, &opts, &|_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("org units") || format!("{err:?}").contains("org units"),
        "{err:?}"
    );
    assert_eq!(count(pool, "SELECT COUNT(*) FROM org_units").await, units);
    assert_eq!(count(pool, "SELECT COUNT(*) FROM cases").await, 3_001);
    assert_eq!(count(pool, "SELECT COUNT(*) FROM residents").await, 2_000);
}

/// What a city is, independent of the key's random nonces.
async fn fingerprint(env: &TestEnv) -> (Vec<(String, String, i64, String)>, Vec<(String, String)>) {
    let pool = env.store.write_pool();
    let cases: Vec<(String, String, i64, String)> =
        sqlx::query_as("SELECT number, path, created_ms, status FROM cases ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    let people: Vec<(String, String)> =
        sqlx::query_as("SELECT id_index, name FROM residents ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    (cases, people)
}

#[tokio::test]
async fn the_same_seed_makes_the_same_city() {
    let a = env().await;
    let b = env().await;
    let mut opts = small(&a);
    opts.cases = 500;
    opts.residents = 600;
    for e in [&a, &b] {
        e.store
            .city_build(&e.ctx.cipher, &opts, &|_| {})
            .await
            .unwrap();
    }
    let (fa, fb) = (fingerprint(&a).await, fingerprint(&b).await);
    assert_eq!(fa.0.len(), 500);
    assert_eq!(fa.1.len(), 600);
    assert_eq!(fa, fb);
}
