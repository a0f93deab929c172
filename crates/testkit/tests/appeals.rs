//! Residents' appeals end to end through the API, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::Role::*;
use jiceng_domain::appeals::service as appeals;
use jiceng_testkit::{Fixture, TestApp, TestEnv, env, fixture};
use serde_json::{Value, json};

/// The intake writer's counters (`intake_writer_snapshot`) are the process's, and the
/// tests of this file run in parallel in one process: a test that counts redone batches
/// holds this lock, and so does the test that makes batches be redone on purpose.
static WRITER_COUNTERS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn submit(app: &TestApp, token: &str, body: Value) -> jiceng_testkit::Reply {
    app.api("POST", "/api/v1/cases", token, Some(body)).await
}

/// Submits a case that must be accepted; returns its id.
async fn submitted(app: &TestApp, token: &str, body: Value) -> i64 {
    ok(&submit(app, token, body).await)["case"]["id"]
        .as_i64()
        .unwrap()
}

async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> jiceng_testkit::Reply {
    let cur = app
        .api("GET", &format!("/api/v1/cases/{id}"), token, None)
        .await
        .json();
    let mut body = body;
    if body.get("version").is_none() {
        body["version"] = cur["case"]["version"]
            .as_i64()
            .map(Value::from)
            .unwrap_or(json!(0));
    }
    app.api(
        "POST",
        &format!("/api/v1/cases/{id}/actions"),
        token,
        Some(body),
    )
    .await
}

fn ok(r: &jiceng_testkit::Reply) -> Value {
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    r.json()
}

async fn count(app: &TestApp, f: &Fixture) -> i64 {
    app.api("GET", "/api/v1/cases?limit=1", f.token(DistrictAdmin), None)
        .await
        .json()["total"]
        .as_i64()
        .unwrap()
}

/// A resident's leak report, through to rating.
#[tokio::test]
async fn a_case_from_report_to_rating() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    // The resident reports from home (no place given: their own building).
    let r = submit(&app, f.token(Resident), json!({"category": "1104", "description": "楼上卫生间漏水严重，天花板渗水", "idem_key": "tap-1"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let case = r.json()["case"].clone();
    let id = case["id"].as_i64().unwrap();
    let number = case["number"].as_str().unwrap().to_string();
    assert!(
        number.len() == 11 && number.as_bytes()[6] == b'-',
        "{number}"
    );
    assert_eq!(case["status"], "submitted");
    assert_eq!(case["grid_id"], f.grid);
    // A double tap makes one case.
    let again = submit(&app, f.token(Resident), json!({"category": "1104", "description": "楼上卫生间漏水严重，天花板渗水", "idem_key": "tap-1"})).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["case"]["id"], id);
    assert_eq!(count(&app, &f).await, 1);

    // The grid worker accepts; the category names the estate's property company.
    ok(&act(&app, f.token(GridWorker), id, json!({"action": "accept"})).await);
    let v = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(GridWorker),
            None,
        )
        .await
        .json();
    assert!(
        v["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("dispatch"))
    );
    assert_eq!(v["suggested"], "阳光物业服务有限公司");
    ok(&act(&app, f.token(GridWorker), id, json!({"action": "dispatch"})).await);
    let v = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(GridWorker),
            None,
        )
        .await
        .json();
    assert_eq!(v["case"]["assignee_dept_id"], f.property);
    // Red property: handled jointly.
    let roles: Vec<&str> = v["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    for r in [
        "property",
        "party_org",
        "residents_committee",
        "owners_committee",
        "representatives",
    ] {
        assert!(roles.contains(&r), "{roles:?}");
    }
    // The property company signs, works and reports back; the water bureau cannot.
    assert_eq!(
        act(
            &app,
            f.token(DepartmentHandler),
            id,
            json!({"action": "sign"})
        )
        .await
        .status,
        404
    );
    ok(&act(
        &app,
        f.token(PropertyCompany),
        id,
        json!({"action": "sign"}),
    )
    .await);
    ok(&act(&app, f.token(PropertyCompany), id, json!({"action": "feedback", "note": "已更换楼上防水层，渗水停止", "photos": ["/9j/4AAQSkZJRgABAQ=="]})).await);
    // The grid worker checks on site and closes.
    ok(&act(
        &app,
        f.token(GridWorker),
        id,
        json!({"action": "verify", "pass": true}),
    )
    .await);
    ok(&act(&app, f.token(GridWorker), id, json!({"action": "close"})).await);
    // The resident sees the timeline and rates it.
    let mine = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(Resident),
            None,
        )
        .await
        .json();
    assert_eq!(mine["case"]["status"], "closed");
    assert!(mine["events"].as_array().unwrap().len() >= 7);
    assert_eq!(mine["attachments"].as_array().unwrap().len(), 1);
    assert!(mine["actions"].as_array().unwrap().contains(&json!("rate")));
    ok(&act(
        &app,
        f.token(Resident),
        id,
        json!({"action": "rate", "satisfaction": "satisfied"}),
    )
    .await);
    // The rates of the community now count it.
    let rates = app
        .api(
            "GET",
            &format!("/api/v1/appeals/rates?unit_id={}", f.community),
            f.token(CommunityStaff),
            None,
        )
        .await
        .json();
    let t = &rates["total"];
    assert_eq!(t["counts"]["total"], 1);
    assert_eq!(t["resolution"], 1.0);
    assert_eq!(t["satisfaction"], 1.0);
    assert_eq!(t["response"], 1.0);
    assert_eq!(t["grassroots"][0], 1.0, "closed at grid level");
    let row = rates["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"].as_str() == Some(f.grid.to_string().as_str()))
        .cloned()
        .unwrap();
    assert_eq!(row["counts"]["closed"], 1);
    // Every step is in the audit trail.
    let audit = app
        .api(
            "GET",
            "/api/v1/audit?action=appeals.",
            f.token(Auditor),
            None,
        )
        .await
        .json();
    assert!(audit["total"].as_i64().unwrap() >= 8);
}

#[tokio::test]
async fn an_unsatisfied_rating_reopens_once() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = ok(&submit(&app, f.token(GridWorker), json!({"category": "0301", "description": "垃圾箱满溢", "building_id": null, "lon": 106.805, "lat": 39.605})).await);
    let id = r["case"]["id"].as_i64().unwrap();
    assert_eq!(
        r["case"]["status"], "accepted",
        "patrol reports are accepted at once"
    );
    assert_eq!(r["case"]["channel"], "patrol");
    let (app, f) = (&app, &f);
    let flow = |id| async move {
        ok(&act(
            app,
            f.token(GridWorker),
            id,
            json!({"action": "dispatch", "to_unit_id": f.grid}),
        )
        .await);
        ok(&act(app, f.token(GridWorker), id, json!({"action": "sign"})).await);
        ok(&act(
            app,
            f.token(GridWorker),
            id,
            json!({"action": "feedback", "note": "已清运"}),
        )
        .await);
        ok(&act(
            app,
            f.token(CommunityStaff),
            id,
            json!({"action": "verify", "pass": true}),
        )
        .await);
        ok(&act(app, f.token(GridWorker), id, json!({"action": "close"})).await);
    };
    flow(id).await;
    // A hotline operator calls the reporter back and records the rating.
    ok(&act(
        app,
        f.token(HotlineOperator),
        id,
        json!({"action": "rate", "satisfaction": "unsatisfied", "note": "又满了"}),
    )
    .await);
    let c = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(GridWorker),
            None,
        )
        .await
        .json()["case"]
        .clone();
    assert_eq!(
        (c["status"].as_str(), c["reopen_count"].as_i64()),
        (Some("dispatched"), Some(1))
    );
    ok(&act(app, f.token(GridWorker), id, json!({"action": "sign"})).await);
    ok(&act(
        app,
        f.token(GridWorker),
        id,
        json!({"action": "feedback", "note": "加装垃圾箱"}),
    )
    .await);
    ok(&act(
        app,
        f.token(CommunityStaff),
        id,
        json!({"action": "verify", "pass": true}),
    )
    .await);
    ok(&act(app, f.token(GridWorker), id, json!({"action": "close"})).await);
    ok(&act(
        app,
        f.token(HotlineOperator),
        id,
        json!({"action": "rate", "satisfaction": "unsatisfied"}),
    )
    .await);
    let c = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(GridWorker),
            None,
        )
        .await
        .json()["case"]
        .clone();
    assert_eq!(c["status"], "closed", "reopened once only");
}

#[tokio::test]
async fn illegal_or_stale_actions_change_nothing() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = ok(&submit(
        &app,
        f.token(Resident),
        json!({"category": "1301", "description": "夜间噪音"}),
    )
    .await);
    let id = r["case"]["id"].as_i64().unwrap();
    let v = r["case"]["version"].as_i64().unwrap();
    // The resident cannot accept their own case; the department cannot see it.
    assert_eq!(
        act(&app, f.token(Resident), id, json!({"action": "accept"}))
            .await
            .status,
        403
    );
    assert_eq!(
        act(
            &app,
            f.token(DepartmentHandler),
            id,
            json!({"action": "accept"})
        )
        .await
        .status,
        404
    );
    // Closing before anything is done is refused.
    assert_eq!(
        act(&app, f.token(GridWorker), id, json!({"action": "close"}))
            .await
            .status,
        422
    );
    // Two people accept at once: one wins, one gets a conflict.
    let uri = format!("/api/v1/cases/{id}/actions");
    let a = app.api(
        "POST",
        &uri,
        f.token(GridWorker),
        Some(json!({"action": "accept", "version": v})),
    );
    let b = app.api(
        "POST",
        &uri,
        f.token(CommunityStaff),
        Some(json!({"action": "accept", "version": v})),
    );
    let (a, b) = tokio::join!(a, b);
    let codes = [a.status.as_u16(), b.status.as_u16()];
    assert!(
        codes.contains(&200) && (codes.contains(&409) || codes.contains(&422)),
        "{codes:?} {} {}",
        a.text(),
        b.text()
    );
    let events = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(GridWorker),
            None,
        )
        .await
        .json()["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events, 2, "submit + one accept");
}

#[tokio::test]
async fn routing_by_point_building_and_address() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = f.token(HotlineOperator);
    let base =
        json!({"category": "0501", "description": "占道经营", "reporter_phone": "13911112222"});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let r = ok(&submit(&app, t, with(json!({"lon": 106.815, "lat": 39.605}))).await);
    assert_eq!(r["case"]["grid_id"], f.other_grid, "point in polygon");
    assert_eq!(r["case"]["status"], "accepted");
    assert_eq!(
        r["case"]["level"], "community",
        "the hotline desk forwards to the community where the problem is"
    );
    let r = ok(&submit(&app, t, with(json!({"lon": 106.855, "lat": 39.605}))).await);
    assert_eq!(r["case"]["grid_id"], f.far_grid);
    // Outside the district.
    let before = count(&app, &f).await;
    let r = submit(&app, t, with(json!({"lon": 116.4, "lat": 39.9}))).await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("不在本区范围内")
    );
    // Ambiguous address (every fixture grid has a 阳光小区), then a building id.
    let r = submit(&app, t, with(json!({"address": "阳光小区1号楼"}))).await;
    assert_eq!(r.status, 422);
    let unit = app
        .api(
            "GET",
            &format!("/api/v1/units/{}", f.unit),
            f.token(DistrictAdmin),
            None,
        )
        .await
        .json();
    let building = unit["unit"]["parent_id"].as_i64().unwrap();
    let r = ok(&submit(&app, t, with(json!({"building_id": building}))).await);
    assert_eq!(r["case"]["grid_id"], f.grid);
    assert_eq!(r["case"]["building_id"], building);
    assert_eq!(r["case"]["estate_id"], f.estate);
    // No place at all.
    assert_eq!(submit(&app, t, base.clone()).await.status, 422);
    assert_eq!(count(&app, &f).await, before + 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_stored() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = f.token(Resident);
    for (body, field) in [
        (json!({"category": "9999", "description": "x"}), "category"),
        (json!({"category": "0303", "description": "x"}), "category"),
        (
            json!({"category": "1104", "description": "漏".repeat(4001)}),
            "description",
        ),
        (
            json!({"category": "1104", "description": "<script>alert(1)</script>"}),
            "description",
        ),
        (
            json!({"category": "1104", "description": "x", "photos": ["JVBERi0xLjQ="]}),
            "photos",
        ),
        (
            json!({"category": "1104", "description": "x", "reporter_phone": "12345"}),
            "reporter_phone",
        ),
        (
            json!({"category": "1104", "description": "x", "attributes": {"floor": "三楼"}}),
            "attribute[floor]",
        ),
        (
            json!({"category": "1104", "description": ""}),
            "description",
        ),
    ] {
        let r = submit(&app, t, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        let fields: Vec<String> = r.json()["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["field"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        assert!(fields.contains(&field.to_string()), "{body}: {fields:?}");
    }
    assert_eq!(count(&app, &f).await, 0);
}

/// The inbox's cases nearing their deadline: listed once their reminder moment has
/// come, before the sweep reaches them and after it reminded them (the list reads two
/// indexes for the two), and no longer once overdue; a case far from its deadline never.
#[tokio::test]
async fn the_inbox_lists_cases_nearing_their_deadline_before_and_after_the_sweep() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    // The ids of one of the inbox's lists.
    let list = |inbox: &Value, name: &str| -> Vec<i64> {
        inbox[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let body =
        json!({"category": "0302", "description": "楼道乱堆杂物", "lon": 106.805, "lat": 39.605});
    let soon = submitted(&app, f.token(GridWorker), body.clone()).await;
    let inbox = async || {
        app.api("GET", "/api/v1/inbox", f.token(GridWorker), None)
            .await
            .json()
    };
    assert_eq!(list(&inbox().await, "nearing"), Vec::<i64>::new());
    // Three quarters of the way: nearing, before the sweep has reminded anyone…
    env.clock.advance(chrono::Duration::days(4));
    let far = submitted(&app, f.token(GridWorker), body).await;
    assert_eq!(list(&inbox().await, "nearing"), vec![soon], "not {far}");
    // … and after.
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap().reminded, 1);
    assert_eq!(list(&inbox().await, "nearing"), vec![soon]);
    // Past its limit it is overdue, not nearing; the later case is not nearing yet.
    env.clock.advance(chrono::Duration::days(2));
    appeals::sweep(&env.ctx).await.unwrap();
    let now = inbox().await;
    assert_eq!(list(&now, "nearing"), Vec::<i64>::new(), "{now}");
    assert_eq!(list(&now, "overdue"), vec![soon], "{now}");
}

#[tokio::test]
async fn deadlines_reminders_overdue_escalation_and_the_whistle() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    // Thursday 2026-11-26 10:00 Beijing. Dumped materials: 3 working days → Tuesday 12-01 10:00.
    let r = ok(&submit(
        &app,
        f.token(GridWorker),
        json!({"category": "0302", "description": "楼道乱堆杂物", "lon": 106.805, "lat": 39.605}),
    )
    .await);
    let id = r["case"]["id"].as_i64().unwrap();
    let due = r["case"]["due_ms"].as_i64().unwrap();
    assert_eq!(jiceng_core::clock::format_ms(due), "2026-12-01 10:00:00");
    // Nothing to do yet.
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap(), Default::default());
    // Three quarters of the time later: one reminder, once.
    env.clock.advance(chrono::Duration::days(4));
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap().reminded, 1);
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap().reminded, 0);
    // Past the limit: marked overdue and escalated to the community, once.
    env.clock.advance(chrono::Duration::days(2));
    let s = appeals::sweep(&env.ctx).await.unwrap();
    assert_eq!(s.escalated, 1);
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap().escalated, 0);
    let c = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(CommunityStaff),
            None,
        )
        .await
        .json()["case"]
        .clone();
    assert_eq!(
        (
            c["level"].as_str(),
            c["overdue"].as_bool(),
            c["status"].as_str()
        ),
        (Some("community"), Some(true), Some("accepted"))
    );
    let inbox = app
        .api("GET", "/api/v1/inbox", f.token(CommunityStaff), None)
        .await
        .json();
    assert!(
        inbox["escalated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );
    assert!(
        inbox["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );
    // The community finds it beyond its power; the sub-district blows the whistle.
    ok(&act(
        &app,
        f.token(CommunityStaff),
        id,
        json!({"action": "escalate", "note": "涉及多个部门"}),
    )
    .await);
    assert_eq!(
        act(
            &app,
            f.token(CommunityStaff),
            id,
            json!({"action": "whistle", "dept_ids": [f.water]})
        )
        .await
        .status,
        403
    );
    ok(&act(
        &app,
        f.token(SubdistrictStaff),
        id,
        json!({"action": "whistle", "dept_ids": [f.water, f.city]}),
    )
    .await);
    let v = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(DepartmentHandler),
            None,
        )
        .await
        .json();
    assert!(v["actions"].as_array().unwrap().contains(&json!("report")));
    ok(&act(
        &app,
        f.token(DepartmentHandler),
        id,
        json!({"action": "report"}),
    )
    .await);
    let w = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(SubdistrictStaff),
            None,
        )
        .await
        .json()["whistles"]
        .clone();
    let reported: Vec<bool> = w
        .as_array()
        .unwrap()
        .iter()
        .map(|w| !w["reported_ms"].is_null())
        .collect();
    assert_eq!(reported, [true, false]);
    // An extension moves the deadline by working days.
    ok(&act(
        &app,
        f.token(SubdistrictStaff),
        id,
        json!({"action": "dispatch", "to_dept_id": f.water}),
    )
    .await);
    ok(&act(
        &app,
        f.token(DepartmentHandler),
        id,
        json!({"action": "sign"}),
    )
    .await);
    ok(&act(
        &app,
        f.token(DepartmentHandler),
        id,
        json!({"action": "request", "kind": "extension", "days": 2, "note": "需协调施工方"}),
    )
    .await);
    let before = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(SubdistrictStaff),
            None,
        )
        .await
        .json()["case"]["due_ms"]
        .as_i64()
        .unwrap();
    ok(&act(
        &app,
        f.token(SubdistrictStaff),
        id,
        json!({"action": "approve"}),
    )
    .await);
    let after = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(SubdistrictStaff),
            None,
        )
        .await
        .json()["case"]["due_ms"]
        .as_i64()
        .unwrap();
    assert_eq!(jiceng_core::clock::format_ms(before), "2026-12-01 10:00:00");
    assert_eq!(jiceng_core::clock::format_ms(after), "2026-12-03 10:00:00");
}

#[tokio::test]
async fn reach_search_and_export() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    ok(&submit(
        &app,
        f.token(Resident),
        json!({"category": "1104", "description": "楼上卫生间漏水严重"}),
    )
    .await);
    ok(&submit(&app, f.token(HotlineOperator), json!({"category": "0103", "description": "路边供水管道漏水", "lon": 106.855, "lat": 39.605, "reporter_phone": "13900001111"})).await);
    ok(&submit(&app, f.token(HotlineOperator), json!({"category": "0501", "description": "占道经营", "lon": 106.815, "lat": 39.605, "reporter_phone": "13900001111"})).await);
    // Chinese search by substring.
    let r = app
        .api(
            "GET",
            "/api/v1/cases?q=%E6%BC%8F%E6%B0%B4",
            f.token(DistrictAdmin),
            None,
        )
        .await
        .json();
    assert_eq!(r["total"], 2, "漏水 finds both leaks");
    // Reach: the grid worker sees her grid, the community its community.
    assert_eq!(
        app.api("GET", "/api/v1/cases", f.token(GridWorker), None)
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        app.api("GET", "/api/v1/cases", f.token(CommunityStaff), None)
            .await
            .json()["total"],
        2
    );
    assert_eq!(
        app.api("GET", "/api/v1/cases", f.token(Resident), None)
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        app.api("GET", "/api/v1/cases", f.token(PropertyCompany), None)
            .await
            .json()["total"],
        1,
        "cases in its estates"
    );
    assert_eq!(
        app.api("GET", "/api/v1/cases", f.token(DepartmentHandler), None)
            .await
            .json()["total"],
        0,
        "nothing dispatched to it yet"
    );
    // Filters.
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/cases?category=01&status=accepted",
            f.token(DistrictAdmin),
            None
        )
        .await
        .json()["total"],
        1
    );
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/cases?overdue=true",
            f.token(DistrictAdmin),
            None
        )
        .await
        .json()["total"],
        0
    );
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/cases?status=nonsense",
            f.token(DistrictAdmin),
            None
        )
        .await
        .status,
        422
    );
    // Export of a filtered list.
    let x = app
        .api(
            "GET",
            "/api/v1/cases.xlsx?q=%E6%BC%8F%E6%B0%B4",
            f.token(DistrictAdmin),
            None,
        )
        .await;
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"));
    // The reporter's phone is masked, and shown whole only on request (audited).
    let id = app
        .api(
            "GET",
            "/api/v1/cases?channel=hotline",
            f.token(DistrictAdmin),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let v = app
        .api(
            "GET",
            &format!("/api/v1/cases/{id}"),
            f.token(DistrictAdmin),
            None,
        )
        .await;
    assert!(!v.text().contains("13900001111"));
    let p = app
        .api(
            "POST",
            &format!("/api/v1/cases/{id}/contact"),
            f.token(DistrictAdmin),
            None,
        )
        .await
        .json();
    assert_eq!(p["phone"], "13900001111");
}

#[tokio::test]
async fn the_rotating_secretary_board() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = ok(&submit(&app, f.token(HotlineOperator), json!({"category": "0502", "description": "小区内违章搭建多年未拆", "lon": 106.805, "lat": 39.605, "reporter_phone": "13900001111"})).await);
    let number = r["case"]["number"].as_str().unwrap().to_string();
    let rot = app
        .api(
            "POST",
            "/api/v1/rotations",
            f.token(SubdistrictStaff),
            Some(json!({"subdistrict_id": f.sub, "period": "2026-11", "secretary": "张书记"})),
        )
        .await;
    assert_eq!(rot.status, 201, "{}", rot.text());
    let rid = rot.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/rotations",
            f.token(SubdistrictStaff),
            Some(json!({"subdistrict_id": f.sub, "period": "2026-11", "secretary": "李书记"}))
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/rotations",
            f.token(CommunityStaff),
            Some(json!({"subdistrict_id": f.sub, "period": "2026-12", "secretary": "x"}))
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.api(
            "POST",
            &format!("/api/v1/rotations/{rid}/case"),
            f.token(SubdistrictStaff),
            Some(json!({"case_number": number}))
        )
        .await
        .status,
        204
    );
    let board = app
        .api("GET", "/api/v1/rotations", f.token(DistrictAdmin), None)
        .await
        .json();
    assert_eq!(board["items"][0]["case_number"], number);
    assert_eq!(board["items"][0]["case_status"], "accepted");
}

#[tokio::test]
async fn appeal_pages_render() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let id = submitted(
        &app,
        f.token(Resident),
        json!({"category": "1104", "description": "楼上卫生间漏水严重"}),
    )
    .await;
    for (login, pages) in [
        (
            "wangge",
            vec![
                "/report".to_string(),
                "/inbox".into(),
                "/cases".into(),
                format!("/cases/{id}"),
                "/appeals/stats".into(),
                "/rotations".into(),
            ],
        ),
        (
            "jumin",
            vec![
                "/report".to_string(),
                "/my/cases".into(),
                format!("/cases/{id}"),
            ],
        ),
        (
            "admin",
            vec![
                "/appeals/stats?by=departments".to_string(),
                "/appeals/stats?by=months".into(),
                format!("/cases/{id}"),
                "/cases.xlsx?q=x".into(),
            ],
        ),
        ("wuye", vec!["/inbox".to_string(), format!("/cases/{id}")]),
    ] {
        let (session, _) = app.login(login, jiceng_testkit::PASSWORD).await.unwrap();
        for p in pages {
            let r = app.get_page(&p, &session).await;
            assert_eq!(r.status, 200, "{login} {p}: {}", r.text());
        }
    }
    // The public report page needs no sign-in.
    let r = app
        .send(
            axum::http::Request::builder()
                .uri("/report")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("pick-map"));
}

/// Many intakes at once go through the group-commit writer: each gets its own number,
/// retries with one key make one case, and a bad one fails alone.
#[tokio::test]
async fn concurrent_intake_is_grouped_and_isolated() {
    let _counters = WRITER_COUNTERS.lock().await;
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let mut calls = vec![];
    for i in 0..60 {
        let body = if i % 10 == 0 {
            // The same key six times: one case.
            json!({"category": "1301", "description": "夜间噪音", "idem_key": "same-key"})
        } else if i % 7 == 3 {
            // Photos in a batch: each goes with its own case's first event.
            json!({"category": "1301", "description": format!("噪音 {i} 带照片"), "photos": ["/9j/4AAQSkZJRgABAQ=="]})
        } else {
            json!({"category": "1301", "description": format!("噪音 {i}")})
        };
        calls.push(submit(&app, f.token(Resident), body));
    }
    let replies = futures_join_all(calls).await;
    assert!(
        replies.iter().all(|r| r.status.is_success()),
        "all accepted"
    );
    let mut numbers: Vec<String> = replies
        .iter()
        .map(|r| r.json()["case"]["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        55,
        "54 distinct cases + one for the repeated key"
    );
    assert_eq!(count(&app, &f).await, 55);
    // Every answer names its own stored case, and that case has its one submit event
    // and its notice (ids are taken before a batch is written, not read back).
    for r in &replies {
        let answered = &r.json()["case"];
        let number = answered["number"].as_str().unwrap();
        let stored = env
            .ctx
            .appeals
            .case_by_number(number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(Some(stored.id), answered["id"].as_i64(), "{number}");
        assert_eq!(
            stored.description,
            answered["description"].as_str().unwrap()
        );
        let events = env.ctx.appeals.events(stored.id).await.unwrap();
        assert_eq!(events.len(), 1, "{number}");
        assert_eq!(events[0].action, "submit");
        let photos = env.ctx.appeals.attachments(stored.id).await.unwrap();
        let with_photo = stored.description.ends_with("带照片");
        assert_eq!(photos.len(), usize::from(with_photo), "{number}");
        if with_photo {
            assert_eq!(photos[0].event_id, Some(events[0].id), "{number}");
        }
        let notices = env
            .ctx
            .appeals
            .notices_for(&[format!("unit:{}", stored.coord_unit_id)], 1000)
            .await
            .unwrap();
        assert!(
            notices.iter().any(|n| n.case_id == Some(stored.id)
                && n.text.starts_with(&format!("[{number}]"))),
            "{number}"
        );
    }
    // Retries of keys stored by earlier batches, among new cases, are answered from
    // the store inside their batch: the batch is not refused and redone case by case.
    // (SQLite: a batch goes in first without looking its keys up; the unique index
    // refuses the stored key, and the batch is written again with the look-up, its
    // numbers as if the first try had never been.)
    let stored_case = replies
        .iter()
        .zip(0..)
        .find(|(_, i)| i % 10 == 0)
        .map(|(r, _)| r.json()["case"]["id"].as_i64())
        .unwrap();
    let before = jiceng_store::intake_writer_snapshot();
    let mut calls = vec![];
    for i in 0..40 {
        let body = if i % 4 == 0 {
            json!({"category": "1301", "description": "夜间噪音", "idem_key": "same-key"})
        } else {
            json!({"category": "1301", "description": format!("再报噪音 {i}")})
        };
        calls.push(submit(&app, f.token(Resident), body));
    }
    let again = futures_join_all(calls).await;
    for (i, r) in again.iter().enumerate() {
        assert!(r.status.is_success(), "{}", r.text());
        if i % 4 == 0 {
            assert_eq!(r.json()["case"]["id"].as_i64(), stored_case, "a retry");
        }
    }
    assert_eq!(count(&app, &f).await, 55 + 30);
    let after = jiceng_store::intake_writer_snapshot();
    assert_eq!(after.redone, before.redone, "no batch redone for retries");
    if env.store.backend == jiceng_store::Backend::Sqlite {
        assert!(
            after.keys_again > before.keys_again,
            "the stored key was refused by the index, then looked up"
        );
    }
    // Every number given so far, in order, without a gap: a batch tried without its
    // keys and refused left nothing behind.
    let mut all: Vec<u32> = replies
        .iter()
        .chain(&again)
        .map(|r| {
            let number = r.json()["case"]["number"].as_str().unwrap().to_string();
            number.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 85);
    assert_eq!(
        all.last().copied().unwrap() - all[0] + 1,
        85,
        "numbers without a gap: {all:?}"
    );
    // A case the database refuses (no such grid) fails alone inside its batch.
    use jiceng_domain::appeals::store::NewCase;
    let good = env
        .ctx
        .appeals
        .case_by_number(&numbers[0])
        .await
        .unwrap()
        .unwrap();
    let mk = |grid_id: i64, token: &str| NewCase {
        channel: jiceng_domain::appeals::Channel::Resident,
        category_code: "1301".into(),
        description: "x".into(),
        lon: None,
        lat: None,
        address: String::new(),
        grid_id,
        estate_id: None,
        building_id: None,
        path: good.path.clone(),
        status: jiceng_domain::appeals::Status::Submitted,
        level: jiceng_domain::appeals::Level::Grid,
        coord_unit_id: good.coord_unit_id,
        reporter_user_id: None,
        reporter_name: String::new(),
        reporter_phone_enc: None,
        reporter_phone_mask: None,
        anonymous: false,
        attributes: json!({}),
        media_url: None,
        created_ms: good.created_ms,
        accepted_ms: None,
        due_ms: None,
        idem_key: None,
        track_token: token.into(),
        day: "261126".into(),
    };
    let ev = || jiceng_domain::appeals::NewEvent {
        action: "submit".into(),
        from_status: None,
        to_status: None,
        note: String::new(),
        public: true,
    };
    let sys = jiceng_core::Actor::system();
    let audit = || env.ctx.event(&sys, "appeals.submit", "case", "t", "/");
    let store = &env.ctx.appeals;
    let a = store.insert_case(
        mk(good.grid_id, "tok-good-aaaaaaaaaaaa"),
        vec![],
        ev(),
        ("t".into(), "t".into()),
        vec![],
        audit(),
    );
    let b = store.insert_case(
        mk(999_999, "tok-bad-bbbbbbbbbbbbbb"),
        vec![],
        ev(),
        ("t".into(), "t".into()),
        vec![],
        audit(),
    );
    let c = store.insert_case(
        mk(good.grid_id, "tok-good-cccccccccccc"),
        vec![],
        ev(),
        ("t".into(), "t".into()),
        vec![],
        audit(),
    );
    let (a, b, c) = tokio::join!(a, b, c);
    assert!(a.is_ok() && c.is_ok(), "{a:?} {c:?}");
    assert!(b.is_err());
    assert_eq!(count(&app, &f).await, 57 + 30);
}

/// The outbox sender drains everything waiting, batch after batch (it used to send one
/// batch of 200 per call and fell behind a busy intake), each notice once, oldest first.
#[tokio::test]
async fn outbox_delivery_drains_more_than_a_batch_once_each() {
    use jiceng_domain::appeals::model::Notice;
    use jiceng_domain::appeals::notify::{NoticeChannel, deliver, deliver_in_batches};
    struct Collect(std::sync::Mutex<Vec<Notice>>);
    #[async_trait::async_trait]
    impl NoticeChannel for Collect {
        fn name(&self) -> &'static str {
            "collect"
        }
        async fn send(&self, n: &Notice) -> jiceng_core::Result<()> {
            assert!(n.sent_ms.is_some(), "claimed before it is sent");
            self.0.lock().unwrap().push(n.clone());
            Ok(())
        }
    }
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let calls: Vec<_> = (0..560)
        .map(|i| {
            submit(
                &app,
                f.token(Resident),
                json!({"category": "1301", "description": format!("噪音 {i}")}),
            )
        })
        .collect();
    let replies = futures_join_all(calls).await;
    assert!(replies.iter().all(|r| r.status.is_success()));
    let ch = Collect(Default::default());
    let sent = deliver_in_batches(&env.ctx, &ch, 500).await.unwrap();
    let delivered = ch.0.lock().unwrap().clone();
    let ids: Vec<i64> = delivered.iter().map(|n| n.id).collect();
    assert_eq!(sent, ids.len());
    assert!(sent > 500, "more than one batch of 500 went out: {sent}");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "oldest first, once each"
    );
    // Nothing is left, and nothing goes out twice.
    assert_eq!(deliver(&env.ctx, &ch).await.unwrap(), 0);
    // Every case's notice to its unit was among them.
    let last = replies[559].json()["case"]["id"].as_i64().unwrap();
    let stored = env.ctx.appeals.case(last).await.unwrap().unwrap();
    let unit_notices = env
        .ctx
        .appeals
        .notices_for(&[format!("unit:{}", stored.coord_unit_id)], 5000)
        .await
        .unwrap();
    let mine: Vec<&Notice> = unit_notices
        .iter()
        .filter(|n| n.case_id == Some(last))
        .collect();
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|n| n.sent_ms.is_some() && ids.contains(&n.id))
    );
    // Each went out as stored: recipient, case, text (with the case's number) and all.
    for n in &mine {
        let out = delivered.iter().find(|d| d.id == n.id).unwrap();
        assert_eq!(out, *n);
        assert!(
            out.text.starts_with(&format!("[{}]", stored.number)),
            "{}",
            out.text
        );
    }
}

/// A claim looks only above the id it is given; each round of delivery starts from the
/// oldest, so a notice left below a later claim (its transaction committed after the
/// claim took higher ids) goes out in the next round.
#[tokio::test]
async fn a_claim_looks_above_its_id_and_a_round_starts_from_the_oldest() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let claim = |after: i64| {
        let ctx = env.ctx.clone();
        async move {
            ctx.appeals
                .claim_notices(ctx.now_ms(), after, 1000)
                .await
                .unwrap()
                .iter()
                .map(|n| n.id)
                .collect::<Vec<i64>>()
        }
    };
    while !claim(0).await.is_empty() {}
    for i in 0..4 {
        let r = submit(
            &app,
            f.token(Resident),
            json!({"category": "1301", "description": format!("夜里施工噪音 {i}")}),
        )
        .await;
        ok(&r);
    }
    let waiting: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM notifications WHERE sent_ms IS NULL ORDER BY id")
            .fetch_all(env.store.write_pool())
            .await
            .unwrap();
    let waiting: Vec<i64> = waiting.into_iter().map(|w| w.0).collect();
    assert!(waiting.len() >= 4, "{waiting:?}");
    let mid = waiting[waiting.len() / 2];
    let above = claim(mid).await;
    assert_eq!(
        above,
        waiting
            .iter()
            .copied()
            .filter(|&i| i > mid)
            .collect::<Vec<_>>()
    );
    let below = claim(0).await;
    assert_eq!(
        below,
        waiting
            .iter()
            .copied()
            .filter(|&i| i <= mid)
            .collect::<Vec<_>>()
    );
    assert!(claim(0).await.is_empty());
}

/// A case's page names its grid from the labels the instance keeps (no boundary read,
/// no query once kept); a rename on this instance shows on the next page at once.
#[tokio::test]
async fn a_case_page_names_a_grid_renamed_on_this_instance_at_once() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let id = submitted(
        &app,
        f.token(Resident),
        json!({"category": "1104", "description": "楼上卫生间漏水严重，天花板渗水"}),
    )
    .await;
    let path = format!("/api/v1/cases/{id}");
    let page = || app.api("GET", &path, f.token(GridWorker), None);
    let grid = env.ctx.org.unit(f.grid).await.unwrap().unwrap();
    assert_eq!(ok(&page().await)["grid_name"], grid.name.as_str());
    let renamed = "和平社区第一网格（调整后）";
    ok(&app
        .api(
            "PATCH",
            &format!("/api/v1/units/{}", f.grid),
            f.token(DistrictAdmin),
            Some(json!({"version": grid.version, "name": renamed})),
        )
        .await);
    assert_eq!(ok(&page().await)["grid_name"], renamed);
    let by_code = env
        .ctx
        .org
        .label_by_code(&grid.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((by_code.id, by_code.name.as_str()), (f.grid, renamed));
    assert_eq!(by_code.path, grid.path);
    assert!(env.ctx.org.label(-1).await.unwrap().is_none());
    assert!(env.ctx.org.label_by_code("999").await.unwrap().is_none());
}

/// A claim takes at most its limit, the oldest first, also when its statement was first
/// run on an empty outbox. (On PostgreSQL a plan cached from the empty table ran the
/// claim's subquery once per row of a scan of the whole table, each run skipping what
/// the statement had already marked: one claim of 500 marked 14,581 notices in 32 s.)
#[tokio::test]
async fn a_claim_takes_no_more_than_its_limit_after_the_outbox_grew_from_empty() {
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    let claim = |after: i64, limit: i64| {
        let ctx = env.ctx.clone();
        async move {
            ctx.appeals
                .claim_notices(ctx.now_ms(), after, limit)
                .await
                .unwrap()
                .iter()
                .map(|n| n.id)
                .collect::<Vec<i64>>()
        }
    };
    // An empty outbox whose statistics say so, as after the demo's load.
    for sql in ["DELETE FROM notifications", "ANALYZE notifications"] {
        sqlx::query(sql)
            .execute(env.store.write_pool())
            .await
            .unwrap();
    }
    // Every connection of the pool has run the claim on the empty outbox often enough
    // for PostgreSQL to keep a generic plan of it.
    for _ in 0..40 {
        assert!(claim(0, 100).await.is_empty());
    }
    sqlx::query(
        "INSERT INTO notifications (at_ms, channel, recipient, text) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
         SELECT i, 'sms', 'grid:' || i, '测试通知' FROM n",
    )
    .execute(env.store.write_pool())
    .await
    .unwrap();
    let waiting: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM notifications WHERE sent_ms IS NULL ORDER BY id")
            .fetch_all(env.store.write_pool())
            .await
            .unwrap();
    let waiting: Vec<i64> = waiting.into_iter().map(|w| w.0).collect();
    assert_eq!(waiting.len(), 3000);
    let first = claim(0, 100).await;
    assert_eq!(first.len(), 100, "a claim of 100 took {}", first.len());
    assert_eq!(first, waiting[..100]);
    let second = claim(first[99], 100).await;
    assert_eq!(second, waiting[100..200]);
    let unsent: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE sent_ms IS NULL")
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    assert_eq!(unsent.0, 2800);
}

/// SQLite: the one write connection, held so that the intakes and claims sent meanwhile
/// queue up for the intake writer, which then takes them together as one batch.
/// PostgreSQL: nothing is held (its writer has a pool of its own).
async fn hold_writer(env: &TestEnv) -> Option<sqlx::pool::PoolConnection<sqlx::Any>> {
    match env.store.backend {
        jiceng_store::Backend::Sqlite => Some(env.store.write_pool().acquire().await.unwrap()),
        _ => None,
    }
}

/// Waits until `jobs` intakes and claims are queued for the writer (which, blocked on
/// the held write connection, may already hold the first in hand).
async fn until_queued(env: &TestEnv, jobs: usize) {
    let mut polls = 0;
    loop {
        let (intakes, claims) = env.store.writer_waiting();
        if intakes + claims + 1 >= jobs {
            break;
        }
        polls += 1;
        assert!(
            polls < 3000,
            "the writer's queue never filled: {intakes} intakes, {claims} claims"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A second instance on the same database, and the API through it.
async fn second_app(env: &TestEnv) -> TestApp {
    let (ctx2, _store2) = env.second_instance().await;
    TestApp::new(ctx2)
}

/// An outbox claim that comes while intakes wait takes exactly the notices that waited
/// before them. (On SQLite the intake writer carries such a claim in the intakes'
/// batch: it marks the claim's range sent in the batch's own transaction, and the
/// batch's notices wait for the next claim.)
#[tokio::test]
async fn a_claim_that_waits_with_intakes_takes_only_the_notices_before_them() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let sqlite = env.store.backend == jiceng_store::Backend::Sqlite;
    let claim = |after: i64| {
        let ctx = env.ctx.clone();
        async move {
            ctx.appeals
                .claim_notices(ctx.now_ms(), after, 1000)
                .await
                .unwrap()
                .iter()
                .map(|n| n.id)
                .collect::<Vec<i64>>()
        }
    };
    let unsent = || async {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM notifications WHERE sent_ms IS NULL ORDER BY id")
                .fetch_all(env.store.write_pool())
                .await
                .unwrap();
        rows.into_iter().map(|r| r.0).collect::<Vec<i64>>()
    };
    while !claim(0).await.is_empty() {}
    sqlx::query(
        "INSERT INTO notifications (at_ms, channel, recipient, text) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30) \
         SELECT i, 'sms', 'grid:' || i, '测试通知' FROM n",
    )
    .execute(env.store.write_pool())
    .await
    .unwrap();
    let waiting = unsent().await;
    assert_eq!(waiting.len(), 30);
    let carried_before = jiceng_store::intake_writer_snapshot().claims_carried;
    // SQLite: the 40 intakes and the claim queue up for the writer together.
    let held = hold_writer(&env).await;
    let intakes: Vec<_> = (0..40)
        .map(|i| {
            submit(
                &app,
                f.token(Resident),
                json!({"category": "1301", "description": format!("楼下夜里施工 {i}")}),
            )
        })
        .collect();
    let (replies, claimed) = match held {
        Some(conn) => {
            let release = async {
                until_queued(&env, 41).await;
                drop(conn);
            };
            let (replies, claimed, ()) = tokio::join!(futures_join_all(intakes), claim(0), release);
            (replies, claimed)
        }
        // PostgreSQL claims on any connection, beside the writer (and would race the
        // intakes here): the claim first, then the intakes.
        None => {
            let claimed = claim(0).await;
            (futures_join_all(intakes).await, claimed)
        }
    };
    assert!(replies.iter().all(|r| r.status.is_success()));
    assert_eq!(
        claimed, waiting,
        "the claim took what waited before the intakes"
    );
    if sqlite {
        assert!(jiceng_store::intake_writer_snapshot().claims_carried > carried_before);
    }
    // The intakes' notices are all still waiting, and the next claim takes them.
    let theirs = unsent().await;
    assert!(
        theirs.len() >= 40,
        "each intake left a notice: {}",
        theirs.len()
    );
    assert!(theirs.iter().all(|id| !waiting.contains(id)));
    assert_eq!(claim(0).await, theirs);
    assert!(unsent().await.is_empty());
}

/// Batches written one after another number their cases on from each other (on
/// SQLite without asking the database: the writer remembers where its last batch left
/// off), and cases another instance writes in between are neither overwritten nor
/// given a number twice: the batch that guessed wrong is refused by the keys and
/// written again, each case numbered by the database.
#[tokio::test]
async fn batches_number_on_from_each_other_and_around_another_instances_cases() {
    let _counters = WRITER_COUNTERS.lock().await;
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let app2 = second_app(&env).await;
    let sqlite = env.store.backend == jiceng_store::Backend::Sqlite;
    // `k` intakes on the first instance, queued together (SQLite: behind the held
    // write connection, so the writer takes them as one batch); (id, number, text).
    let batch = |tag: &'static str, k: usize| {
        let app = &app;
        let env = &env;
        let f = &f;
        async move {
            let held = hold_writer(env).await;
            let texts: Vec<String> = (0..k).map(|i| format!("{tag} 楼道堆物 {i}")).collect();
            let intakes: Vec<_> = texts
                .iter()
                .map(|t| {
                    submit(
                        app,
                        f.token(Resident),
                        json!({"category": "1301", "description": t}),
                    )
                })
                .collect();
            let release = async {
                if let Some(conn) = held {
                    until_queued(env, k).await;
                    drop(conn);
                }
            };
            let (replies, ()) = tokio::join!(futures_join_all(intakes), release);
            replies
                .iter()
                .zip(texts)
                .map(|(r, t)| {
                    let c = &ok(r)["case"];
                    (
                        c["id"].as_i64().unwrap(),
                        c["number"].as_str().unwrap().to_string(),
                        t,
                    )
                })
                .collect::<Vec<(i64, String, String)>>()
        }
    };
    let seq = |number: &str| number.rsplit('-').next().unwrap().parse::<i64>().unwrap();
    let before = jiceng_store::intake_writer_snapshot();
    let a = batch("甲", 20).await;
    let b = batch("乙", 20).await;
    let last = |x: &[(i64, String, String)]| x.iter().map(|c| seq(&c.1)).max().unwrap();
    let first = |x: &[(i64, String, String)]| x.iter().map(|c| seq(&c.1)).min().unwrap();
    assert_eq!(
        first(&b),
        last(&a) + 1,
        "the second batch's numbers follow the first's"
    );
    assert_eq!(last(&b), last(&a) + 20);
    if sqlite {
        let now = jiceng_store::intake_writer_snapshot();
        assert!(
            now.followed_on > before.followed_on,
            "the second batch followed on"
        );
    }
    // Meanwhile another instance writes cases of its own …
    let mut others = vec![];
    for i in 0..3 {
        let t = format!("丙 另一实例 {i}");
        let r = submit(
            &app2,
            f.token(Resident),
            json!({"category": "1301", "description": t}),
        )
        .await;
        let c = &ok(&r)["case"];
        others.push((
            c["id"].as_i64().unwrap(),
            c["number"].as_str().unwrap().to_string(),
            t,
        ));
    }
    assert_eq!(first(&others), last(&b) + 1);
    // … so the first instance's next batch cannot take the numbers after its last.
    let redone_before = jiceng_store::intake_writer_snapshot().redone;
    let c = batch("丁", 20).await;
    if sqlite {
        assert!(
            jiceng_store::intake_writer_snapshot().redone > redone_before,
            "the batch was refused and written again"
        );
    }
    let d = batch("戊", 20).await;
    let all: Vec<&(i64, String, String)> = a
        .iter()
        .chain(&b)
        .chain(&others)
        .chain(&c)
        .chain(&d)
        .collect();
    let mut ids: Vec<i64> = all.iter().map(|c| c.0).collect();
    let mut numbers: Vec<&str> = all.iter().map(|c| c.1.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(
        (ids.len(), numbers.len()),
        (83, 83),
        "every case its own id and number"
    );
    let mut seqs: Vec<i64> = all.iter().map(|c| seq(&c.1)).collect();
    seqs.sort_unstable();
    assert_eq!(seqs.last().unwrap() - seqs[0], 82, "numbers without gaps");
    // Every case as its sender wrote it, under the id and number it was answered with.
    for (id, number, text) in all {
        let got = app
            .api(
                "GET",
                &format!("/api/v1/cases/{id}"),
                f.token(DistrictAdmin),
                None,
            )
            .await;
        let got = &ok(&got)["case"];
        assert_eq!(got["number"], number.as_str());
        assert_eq!(got["description"], text.as_str());
    }
}

/// A retry of a stored intake gets the stored case back. The same key stored by another
/// instance while a retry waits for this one's writer — a double submission — still
/// gives one case, and the other intakes waiting with it are kept.
#[tokio::test]
async fn a_key_stored_while_its_retry_waits_gives_one_case() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let app2 = second_app(&env).await;
    let sqlite = env.store.backend == jiceng_store::Backend::Sqlite;
    let body = |text: &str, key: Option<&str>| json!({"category": "1301", "description": text, "idem_key": key});
    let id = |r: &jiceng_testkit::Reply| ok(r)["case"]["id"].as_i64().unwrap();
    let first = submit(&app, f.token(Resident), body("重复提交 甲", Some("key-a"))).await;
    assert_eq!(first.status, 201);
    let again = submit(&app, f.token(Resident), body("重复提交 甲", Some("key-a"))).await;
    assert_eq!((again.status.as_u16(), id(&again)), (200, id(&first)));
    // SQLite: while the write connection is held here, six intakes wait for the writer;
    // then another instance stores one of their keys.
    let held = hold_writer(&env).await;
    let keys = ["key-b", "key-1", "key-2", "key-3"];
    let mut waiting: Vec<_> = keys
        .iter()
        .map(|k| submit(&app, f.token(Resident), body(&format!("排队 {k}"), Some(k))))
        .collect();
    waiting.push(submit(&app, f.token(Resident), body("排队 无键", None)));
    waiting.push(submit(&app, f.token(Resident), body("排队 无键 二", None)));
    let again_elsewhere = || submit(&app2, f.token(Resident), body("另一实例 乙", Some("key-b")));
    let (replies, other) = match held {
        Some(conn) => {
            let other = async {
                // The other instance stores the key while this one's six intakes wait.
                until_queued(&env, 6).await;
                let r = again_elsewhere().await;
                drop(conn);
                r
            };
            tokio::join!(futures_join_all(waiting), other)
        }
        // PostgreSQL: this instance's intakes first, then the same key through the other.
        None => {
            let replies = futures_join_all(waiting).await;
            (replies, again_elsewhere().await)
        }
    };
    let mine = &replies[0];
    assert_eq!(id(mine), id(&other), "one case for the key");
    let mut statuses = [mine.status.as_u16(), other.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 201],
        "created once, answered once as a retry"
    );
    for r in &replies[1..] {
        assert_eq!(r.status, 201, "the batch's other intakes are kept");
    }
    let mut ids: Vec<i64> = replies.iter().map(id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases WHERE idem_key = 'key-b'")
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    assert_eq!(stored, 1);
    if sqlite {
        assert_eq!(other.status, 201, "the other instance stored it first");
    }
}

/// Refreshing the planner's statistics leaves an empty table unanalysed on PostgreSQL,
/// so a look-up planned on it keeps its index as the table grows: a connection's kept
/// plan for an analysed empty table is a sequential scan.
#[tokio::test]
async fn statistics_leave_empty_tables_to_their_indexes() {
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    env.store.optimize().await.unwrap();
    if env.store.backend != jiceng_store::Backend::Postgres {
        return;
    }
    let tuples = |table: &'static str| {
        let pool = env.store.write_pool().clone();
        async move {
            let (n,): (f64,) = sqlx::query_as(
                "SELECT CAST(reltuples AS DOUBLE PRECISION) FROM pg_class \
                 WHERE relname = $1 AND relnamespace = current_schema()::regnamespace",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
            n
        }
    };
    // Analysed: the fixture's units.
    assert!(tuples("org_units").await > 0.0);
    // Empty, left unanalysed (-1: never).
    assert_eq!(tuples("case_whistles").await, -1.0);
    // A generic plan for a case's whistles goes through the index.
    let mut conn = env.store.write_pool().acquire().await.unwrap();
    for sql in [
        "SET plan_cache_mode = force_generic_plan",
        "PREPARE whistles_of(bigint) AS SELECT * FROM case_whistles WHERE case_id = $1",
    ] {
        sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
    }
    let plan: Vec<(String,)> = sqlx::query_as("EXPLAIN EXECUTE whistles_of(1)")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    for sql in ["DEALLOCATE whistles_of", "RESET plan_cache_mode"] {
        sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
    }
    let plan: String = plan.into_iter().map(|p| p.0).collect::<Vec<_>>().join("\n");
    assert!(!plan.contains("Seq Scan"), "{plan}");
}

/// The server's periodic statistics refresh keeps PostgreSQL's statistics when
/// autovacuum does not (as on this machine): a table that grew is analysed.
#[tokio::test]
async fn the_periodic_refresh_analyses_grown_tables_without_autovacuum() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    if env.store.backend != jiceng_store::Backend::Postgres {
        env.store.optimize_light().await.unwrap();
        return;
    }
    let (autovacuum,): (String,) = sqlx::query_as("SELECT current_setting('autovacuum')")
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    let cases = || async {
        let (n,): (f64,) = sqlx::query_as(
            "SELECT CAST(reltuples AS DOUBLE PRECISION) FROM pg_class \
             WHERE relname = 'cases' AND relnamespace = current_schema()::regnamespace",
        )
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
        n
    };
    assert_eq!(cases().await, -1.0, "the fixture analyses nothing");
    for i in 0..3 {
        submitted(
            &app,
            f.token(Resident),
            json!({"category": "1104", "description": format!("楼道灯坏了 {i}")}),
        )
        .await;
    }
    env.store.optimize_light().await.unwrap();
    if autovacuum == "on" {
        // Left to autovacuum.
        assert_eq!(cases().await, -1.0);
    } else {
        assert_eq!(cases().await, 3.0);
    }
}

/// Runs futures concurrently on this task and returns their outputs in order.
async fn futures_join_all<F: std::future::Future>(fs: Vec<F>) -> Vec<F::Output> {
    join_vec(fs.into_iter().map(Box::pin).collect()).await
}

async fn join_vec<F: std::future::Future>(mut fs: Vec<std::pin::Pin<Box<F>>>) -> Vec<F::Output> {
    let mut outs: Vec<Option<F::Output>> = fs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (i, f) in fs.iter_mut().enumerate() {
            if outs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outs[i] = Some(v),
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outs.into_iter().map(|o| o.expect("all ready")).collect()
}

/// The rates read from the rollup (whole months) equal the rates counted from the cases
/// themselves, after every kind of transition.
#[tokio::test]
async fn rolled_up_rates_equal_counted_rates() {
    use jiceng_domain::appeals::CaseQuery;
    use jiceng_domain::appeals::store::RateGroup;
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    // A mix of cases in every state.
    let mut ids = vec![];
    for i in 0..6 {
        ids.push(submitted(&app, f.token(GridWorker), json!({"category": "0302", "description": format!("乱堆 {i}"), "lon": 106.805, "lat": 39.605})).await);
    }
    let water = submitted(&app, f.token(HotlineOperator), json!({"category": "0103", "description": "漏水", "lon": 106.855, "lat": 39.605, "reporter_phone": "13900001111"})).await;
    let rejected = submitted(
        &app,
        f.token(Resident),
        json!({"category": "1301", "description": "重复"}),
    )
    .await;
    ok(&act(
        &app,
        f.token(GridWorker),
        rejected,
        json!({"action": "reject", "note": "重复"}),
    )
    .await);
    ok(&act(
        &app,
        f.token(SubdistrictStaff),
        water,
        json!({"action": "dispatch", "to_dept_id": f.water}),
    )
    .await);
    ok(&act(
        &app,
        f.token(DepartmentHandler),
        water,
        json!({"action": "sign"}),
    )
    .await);
    for (n, id) in ids.iter().enumerate() {
        ok(&act(
            &app,
            f.token(GridWorker),
            *id,
            json!({"action": "dispatch", "to_unit_id": f.grid}),
        )
        .await);
        if n < 4 {
            ok(&act(&app, f.token(GridWorker), *id, json!({"action": "sign"})).await);
            ok(&act(
                &app,
                f.token(GridWorker),
                *id,
                json!({"action": "feedback", "note": "已清理"}),
            )
            .await);
            ok(&act(
                &app,
                f.token(CommunityStaff),
                *id,
                json!({"action": "verify", "pass": true}),
            )
            .await);
            ok(&act(&app, f.token(GridWorker), *id, json!({"action": "close"})).await);
            ok(&act(&app, f.token(HotlineOperator), *id, json!({"action": "rate", "satisfaction": if n == 0 { "unsatisfied" } else { "satisfied" }})).await);
        }
    }
    // Time passes: responses owed and deadlines missed.
    env.clock.advance(chrono::Duration::days(10));
    jiceng_domain::appeals::service::sweep(&env.ctx)
        .await
        .unwrap();
    let now = env.ctx.now_ms();
    let start = jiceng_testkit::month_start_ms(2026, 11);
    let end = jiceng_testkit::month_start_ms(2026, 12);
    for group in [
        RateGroup::Total,
        RateGroup::Level(jiceng_domain::org::UnitKind::Grid),
        RateGroup::Department,
        RateGroup::Month,
    ] {
        let rolled = CaseQuery {
            path: Some("/150302/".into()),
            from_ms: Some(start),
            to_ms: Some(end),
            ..Default::default()
        };
        let a = jiceng_testkit::rolled_up_rates_as_counted(&env.ctx, &rolled, group, now).await;
        assert!(!a.is_empty());
    }
    let total = env
        .ctx
        .appeals
        .rate_counts(
            &CaseQuery {
                path: Some("/150302/".into()),
                ..Default::default()
            },
            RateGroup::Total,
            now,
        )
        .await
        .unwrap();
    assert_eq!(total[0].total, 8);
    assert_eq!(total[0].rejected, 1);
    assert_eq!(total[0].closed, 3, "one reopened by its unsatisfied rating");
}

/// The rates read from the rollup equal counting the cases themselves for every place
/// (the city, a district, a sub-district, a community, a grid), every grouping (level,
/// department, month) and every narrowing the rollup serves (a department, whole months),
/// with cases from several grids and channels, one of them with a department — and
/// still after further intakes.
#[tokio::test]
async fn rolled_up_rates_equal_counted_rates_everywhere() {
    use jiceng_domain::appeals::CaseQuery;
    use jiceng_domain::appeals::store::RateGroup;
    use jiceng_domain::org::UnitKind;
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let submit_some = |n: usize, tag: &'static str| {
        let app = &app;
        let f = &f;
        async move {
            let mut ids = vec![];
            for i in 0..n {
                let body = match i % 3 {
                    0 => {
                        json!({"category": "0302", "description": format!("{tag} 乱堆 {i}"), "lon": 106.805, "lat": 39.605})
                    }
                    1 => {
                        json!({"category": "0103", "description": format!("{tag} 漏水 {i}"), "lon": 106.855, "lat": 39.605, "reporter_phone": "13900001111"})
                    }
                    _ => json!({"category": "1104", "description": format!("{tag} 楼道灯 {i}")}),
                };
                let token = match i % 3 {
                    0 => f.token(GridWorker),
                    1 => f.token(HotlineOperator),
                    _ => f.token(Resident),
                };
                ids.push(submitted(app, token, body).await);
            }
            ids
        }
    };
    let first = submit_some(7, "甲").await;
    // One case handled by a department (its rows move between departments at once).
    ok(&act(
        &app,
        f.token(SubdistrictStaff),
        first[1],
        json!({"action": "dispatch", "to_dept_id": f.water}),
    )
    .await);
    let mut paths: Vec<Option<String>> = vec![None];
    for id in [f.district, f.sub, f.community, f.grid] {
        paths.push(Some(env.ctx.org.unit(id).await.unwrap().unwrap().path));
    }
    let now = env.ctx.now_ms();
    let start = jiceng_testkit::month_start_ms(2026, 11);
    let end = jiceng_testkit::month_start_ms(2026, 12);
    // Every read from the rollup, each checked against counting the cases.
    let rates = || async {
        let mut all = vec![];
        for path in &paths {
            for group in [
                RateGroup::Total,
                RateGroup::Level(UnitKind::Subdistrict),
                RateGroup::Level(UnitKind::Community),
                RateGroup::Level(UnitKind::Grid),
                RateGroup::Department,
                RateGroup::Month,
            ] {
                for (dept, from, to) in [
                    (None, None, None),
                    (None, Some(start), Some(end)),
                    (Some(f.water), None, None),
                ] {
                    let q = CaseQuery {
                        path: path.clone(),
                        dept_id: dept,
                        from_ms: from,
                        to_ms: to,
                        ..Default::default()
                    };
                    all.push(
                        jiceng_testkit::rolled_up_rates_as_counted(
                            &env.ctx,
                            &q,
                            group.clone(),
                            now,
                        )
                        .await,
                    );
                }
            }
        }
        all
    };
    let total = |all: &[Vec<jiceng_domain::appeals::RateCounts>]| all[0][0].total;
    assert_eq!(total(&rates().await), 7);
    let more = submit_some(5, "乙").await;
    assert_eq!(more.len(), 5);
    assert_eq!(total(&rates().await), 12);
}

/// A case, its events and notices name only units, categories, users and cases that
/// exist, and neither a unit nor a case is deleted from under them: foreign keys on
/// SQLite, statement-level checks and delete guards on PostgreSQL (migration 0019).
#[tokio::test]
async fn the_database_refuses_references_to_nothing() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let id = submitted(
        &app,
        f.token(Resident),
        json!({"category": "1104", "description": "楼道灯坏了，晚上看不见"}),
    )
    .await;
    let pool = env.store.write_pool();
    sqlx::query("INSERT INTO notifications (at_ms, channel, recipient, case_id, text) VALUES (1, 'sms', 'x', $1, 'x')")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let refused = move |sql: &'static str| async move {
        sqlx::query(sql).bind(id).execute(pool).await.is_err()
    };
    for sql in [
        "UPDATE cases SET grid_id = 999999999 WHERE id = $1",
        "UPDATE cases SET coord_unit_id = 999999999 WHERE id = $1",
        "UPDATE cases SET estate_id = 999999999 WHERE id = $1",
        "UPDATE cases SET category_code = 'no-such-category' WHERE id = $1",
        "UPDATE cases SET reporter_user_id = 999999999 WHERE id = $1",
        "INSERT INTO case_events (case_id, at_ms, action, from_status, to_status, actor_login, actor_role, note, public) \
         SELECT 999999999 + $1, 1, 'note', NULL, NULL, 'system', 'system', '', 0",
        "INSERT INTO notifications (at_ms, channel, recipient, case_id, text) SELECT 1, 'sms', 'x', 999999999 + $1, 'x'",
        "UPDATE case_events SET case_id = 999999999 WHERE case_id = $1",
        "UPDATE notifications SET case_id = 999999999 WHERE case_id = $1",
        "DELETE FROM cases WHERE id = $1",
        "DELETE FROM org_units WHERE id = (SELECT grid_id FROM cases WHERE id = $1)",
    ] {
        assert!(refused(sql).await, "accepted: {sql}");
    }
    // Nothing of it stayed: the case as it was, its rows all its own.
    let (grid, category, events, orphans): (i64, String, i64, i64) = sqlx::query_as(
        "SELECT grid_id, category_code, \
         (SELECT COUNT(*) FROM case_events WHERE case_id = $1), \
         (SELECT COUNT(*) FROM case_events WHERE case_id NOT IN (SELECT id FROM cases)) \
         + (SELECT COUNT(*) FROM notifications WHERE case_id NOT IN (SELECT id FROM cases)) \
         FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((grid, category.as_str(), orphans), (f.grid, "1104", 0));
    assert!(events >= 1);
    // A change naming what exists is taken (and marking notices sent still works).
    let other_grid: (i64,) =
        sqlx::query_as("SELECT id FROM org_units WHERE kind = 'grid' AND id <> $1 LIMIT 1")
            .bind(f.grid)
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query("UPDATE cases SET grid_id = $2 WHERE id = $1")
        .bind(id)
        .bind(other_grid.0)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE notifications SET sent_ms = 1 WHERE case_id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
}

/// The deadline sweep reads its own two indexes, in their order, however stale
/// PostgreSQL's statistics are. Analysed while every case was closed and long past its
/// deadline, then given thousands of open cases not yet due, the planner used to read
/// every open case through another index (by status and deadline, or by status) and sort
/// them — each minute, over every open case — to find the few due.
#[tokio::test]
async fn the_deadline_sweep_reads_its_own_indexes_whatever_the_statistics() {
    use jiceng_core::Clock;
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let body =
        json!({"category": "0302", "description": "楼道乱堆杂物", "lon": 106.805, "lat": 39.605});
    let model = submitted(&app, f.token(GridWorker), body).await;
    let postgres = env.store.backend == jiceng_store::Backend::Postgres;
    let now = env.clock.now_ms();
    let day = 86_400_000_i64;
    // `n` copies of the model case with `status`, accepted at `accepted` and due at
    // `due`, numbered from `tag`.
    let copies = |n: i64, status: &'static str, accepted: i64, due: i64, tag: &'static str| {
        let pool = env.store.write_pool().clone();
        async move {
            let cols: Vec<(String,)> = sqlx::query_as(if postgres {
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = 'cases' ORDER BY ordinal_position"
            } else {
                "SELECT name FROM pragma_table_info('cases')"
            })
            .fetch_all(&pool)
            .await
            .unwrap();
            let set = [
                "id",
                "number",
                "track_token",
                "idem_key",
                "status",
                "accepted_ms",
                "due_ms",
                "reminded",
                "overdue",
            ];
            let kept: Vec<String> = cols
                .into_iter()
                .map(|c| c.0)
                .filter(|c| !set.contains(&c.as_str()))
                .collect();
            let kept = kept.join(", ");
            let sql = format!(
                "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) \
                 INSERT INTO cases ({kept}, number, track_token, status, accepted_ms, due_ms, reminded, overdue) \
                 SELECT {kept}, '{tag}-' || g.i, '{tag}-t-' || g.i, '{status}', {accepted}, {due}, 0, 0 \
                 FROM cases CROSS JOIN g WHERE cases.id = {model}"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    // History: closed, long past its deadlines. Statistics are taken now…
    copies(3_000, "closed", now - 60 * day, now - 50 * day, "H").await;
    if postgres {
        sqlx::raw_sql("ANALYZE cases")
            .execute(env.store.write_pool())
            .await
            .unwrap();
    }
    // … and then the open cases come: none at its reminder moment yet, but two, and one
    // past its deadline.
    copies(3_000, "accepted", now, now + 10 * day, "O").await;
    copies(2, "accepted", now - 9 * day, now + day, "R").await;
    copies(1, "processing", now - 9 * day, now - day, "D").await;
    let [overdue, remind] = env.store.sweep_plans(now).await.unwrap();
    for (plan, index) in [(&overdue, "cases_due"), (&remind, "cases_remind")] {
        assert!(plan.contains(index), "{plan}");
        // PostgreSQL's `Sort`, SQLite's `USE TEMP B-TREE FOR ORDER BY`.
        assert!(
            !plan.contains("Sort") && !plan.contains("TEMP B-TREE"),
            "{plan}"
        );
    }
    // Two reminded; the case past its deadline escalated one level up.
    let done = appeals::SweepReport {
        reminded: 2,
        escalated: 1,
        marked_overdue: 0,
    };
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap(), done);
    assert_eq!(appeals::sweep(&env.ctx).await.unwrap(), Default::default());
}

/// A list gives each case exactly as the case's own look-up does, newest first. (On
/// SQLite a page of a list comes back as one JSON value, in which SQLite writes numbers
/// with 15 digits: the coordinates travel as exact text.)
#[tokio::test]
async fn a_list_gives_each_case_as_stored() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let coords = [
        (106.805_123_456_789_12, 39.605_123_456_789_01),
        (106.805_000_000_000_1, 39.605_000_000_000_03),
    ];
    let mut ids = vec![];
    for (i, (lon, lat)) in coords.iter().enumerate() {
        let body = json!({"category": "0301", "description": format!("垃圾箱满溢 {i}"), "lon": lon, "lat": lat});
        ids.push(submitted(&app, f.token(GridWorker), body).await);
    }
    // One without coordinates, from a resident (phone masked and encrypted).
    let body = json!({"category": "1301", "description": "夜间噪音 \"引号\" 与 \\ 反斜杠"});
    ids.push(submitted(&app, f.token(Resident), body).await);
    let list = |offset: i64, limit: i64| {
        let page = jiceng_core::PageRequest { offset, limit };
        let q = jiceng_domain::appeals::CaseQuery::default();
        let appeals = env.ctx.appeals.clone();
        async move { appeals.search(&q, page).await.unwrap().items }
    };
    let listed = list(0, 50).await;
    for id in &ids {
        let own = env.ctx.appeals.case(*id).await.unwrap().unwrap();
        let in_list = listed.iter().find(|c| c.id == *id).expect("listed");
        assert_eq!(in_list, &own, "case {id} as listed and as stored");
    }
    let stored = env.ctx.appeals.case(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        stored.lon,
        Some(coords[0].0),
        "every digit of the coordinate"
    );
    assert_eq!(stored.lat, Some(coords[0].1));
    let order: Vec<(i64, i64)> = listed.iter().map(|c| (c.created_ms, c.id)).collect();
    let mut newest_first = order.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(order, newest_first, "newest first");
    // A page further on starts where the one before it left off; one after the last is
    // empty.
    assert_eq!(list(1, 1).await, listed[1..2].to_vec());
    assert!(list(listed.len() as i64, 50).await.is_empty());
}
