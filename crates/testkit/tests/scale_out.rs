//! Several `jiceng` instances on one database serve the same city correctly: background
//! jobs are done once, concurrent changes never both win, notices go out once.
//! (Meant for PostgreSQL; on SQLite two instances share one file the same way.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use jiceng_core::Role::*;
use jiceng_domain::appeals::service as appeals;
use jiceng_testkit::{TestApp, env, fixture};
use serde_json::json;

#[tokio::test]
async fn two_instances_do_each_job_once() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let (ctx2, _store2) = env.second_instance().await;
    let app1 = TestApp::new(env.ctx.clone());
    let app2 = TestApp::new(ctx2.clone());
    // Forty patrol reports through both instances, half each.
    let mut ids = vec![];
    for i in 0..40 {
        let app = if i % 2 == 0 { &app1 } else { &app2 };
        let r = app
            .api("POST", "/api/v1/cases", f.token(GridWorker), Some(json!({"category": "0302", "description": format!("乱堆 {i}"), "lon": 106.805, "lat": 39.605})))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        ids.push(r.json()["case"]["id"].as_i64().unwrap());
    }
    // Both instances sweep at the same moment, after every deadline has passed.
    env.clock.advance(chrono::Duration::days(10));
    let (a, b) = tokio::join!(appeals::sweep(&env.ctx), appeals::sweep(&ctx2));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.escalated + b.escalated,
        40,
        "each case escalated once: {a:?} {b:?}"
    );
    for id in &ids {
        let c = env.ctx.appeals.case(*id).await.unwrap().unwrap();
        assert_eq!(c.escalations, 1, "case {id}");
        assert!(c.overdue);
    }
    // A second round finds nothing left to do on either.
    let (a, b) = tokio::join!(appeals::sweep(&env.ctx), appeals::sweep(&ctx2));
    assert_eq!(a.unwrap().escalated + b.unwrap().escalated, 0);

    // Two people accept one case through different instances: one wins.
    let r = app1
        .api(
            "POST",
            "/api/v1/cases",
            f.token(Resident),
            Some(json!({"category": "1301", "description": "夜间噪音"})),
        )
        .await;
    let id = r.json()["case"]["id"].as_i64().unwrap();
    let v = r.json()["case"]["version"].as_i64().unwrap();
    let uri = format!("/api/v1/cases/{id}/actions");
    let (x, y) = tokio::join!(
        app1.api(
            "POST",
            &uri,
            f.token(GridWorker),
            Some(json!({"action": "accept", "version": v}))
        ),
        app2.api(
            "POST",
            &uri,
            f.token(CommunityStaff),
            Some(json!({"action": "accept", "version": v}))
        )
    );
    let codes = [x.status.as_u16(), y.status.as_u16()];
    assert!(
        codes.contains(&200) && codes.iter().any(|c| *c == 409 || *c == 422),
        "{codes:?}"
    );

    // Notices waiting in the outbox go out once, whichever instance claims them.
    let (n1, n2) = tokio::join!(
        env.ctx.appeals.claim_notices(env.ctx.now_ms(), 0, 1000),
        ctx2.appeals.claim_notices(ctx2.now_ms(), 0, 1000)
    );
    let (n1, n2) = (n1.unwrap(), n2.unwrap());
    let all: Vec<i64> = n1.iter().chain(n2.iter()).map(|n| n.id).collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "no notice claimed twice");
    assert!(
        all.len() >= 40,
        "every intake and escalation left notices: {}",
        all.len()
    );
    assert!(
        env.ctx
            .appeals
            .claim_notices(env.ctx.now_ms(), 0, 1000)
            .await
            .unwrap()
            .is_empty()
    );
}

/// What one instance changes in the tables the others keep in memory — a category, the
/// calendar, a unit — reaches their copies as it commits, not when they expire (30 s;
/// the grid index 60 s), and so does a moved unit's place in the scope of its people's
/// API tokens. PostgreSQL: SQLite is served by one instance.
#[tokio::test]
async fn another_instances_changes_reach_this_ones_copies_as_they_commit() {
    let env = env().await;
    if env.store.backend != jiceng_store::Backend::Postgres {
        return;
    }
    let f = fixture(&env.ctx).await;
    let (ctx2, store2) = env.second_instance().await;
    let app1 = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    // The second instance reads what it keeps.
    let place = jiceng_formats::geo::Point {
        x: 106.805,
        y: 39.605,
    };
    let placed_in = |ctx: &jiceng_domain::Ctx| {
        let ctx = ctx.clone();
        async move {
            let index = appeals::grid_index(&ctx).await.unwrap();
            let e = index.locate(place).expect("the point lies in a grid");
            (e.id, e.unit.as_ref().map(|u| u.name.clone()))
        }
    };
    let (grid, old_name) = placed_in(&ctx2).await;
    assert_eq!(grid, f.grid);
    assert!(
        ctx2.appeals
            .active_category("1301")
            .await
            .unwrap()
            .is_some()
    );
    let holiday = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    // What the second instance knows of the holiday and of the grid's name.
    let seen = || async {
        let days = ctx2.appeals.calendar().await.unwrap();
        let label = ctx2.org.label(f.grid).await.unwrap();
        (
            days.iter().any(|(d, _, _)| *d == holiday),
            label.map(|l| l.name),
        )
    };
    assert_eq!(seen().await, (false, old_name));
    let app2 = TestApp::new(ctx2.clone());
    let scope = || async {
        app2.api("GET", "/api/v1/me", f.token(GridWorker), None)
            .await
            .json()["scope_path"]
            .clone()
    };
    let path = env.ctx.org.unit(f.grid).await.unwrap().unwrap().path;
    assert_eq!(scope().await, json!(path));
    let heard = store2.changes_heard();
    // The first instance closes the category, marks a holiday, renames the grid and moves
    // it to another community.
    let cats = app1
        .api("GET", "/api/v1/appeals/categories", admin, None)
        .await
        .json();
    let mut noise = cats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "1301")
        .cloned()
        .unwrap();
    noise["active"] = json!(false);
    let r = app1
        .api("PUT", "/api/v1/appeals/categories/1301", admin, Some(noise))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = app1
        .api(
            "PUT",
            "/api/v1/appeals/calendar/2026-12-02",
            admin,
            Some(json!({"kind": "holiday", "note": "调休"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let unit = env.ctx.org.unit(f.grid).await.unwrap().unwrap();
    let renamed = "和平社区第1网格（合并后）";
    let r = app1
        .api(
            "PATCH",
            &format!("/api/v1/units/{}", f.grid),
            admin,
            Some(json!({"version": unit.version, "name": renamed})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let unit = env.ctx.org.unit(f.grid).await.unwrap().unwrap();
    let r = app1
        .api(
            "POST",
            &format!("/api/v1/units/{}/move", f.grid),
            admin,
            Some(json!({"parent_id": f.other_community, "version": unit.version})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let moved = env.ctx.org.unit(f.grid).await.unwrap().unwrap().path;
    assert_ne!(moved, path);
    // Four commits, four notifications (one per table a transaction changed).
    let mut polls = 0;
    while store2.changes_heard() < heard + 4 {
        polls += 1;
        assert!(
            polls < 3000,
            "the second instance heard {} of 4 changes",
            store2.changes_heard() - heard
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        ctx2.appeals
            .active_category("1301")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(seen().await, (true, Some(renamed.to_string())));
    assert_eq!(placed_in(&ctx2).await, (f.grid, Some(renamed.to_string())));
    // The grid worker's token acts within the grid's new place there too.
    assert_eq!(scope().await, json!(moved));
}
