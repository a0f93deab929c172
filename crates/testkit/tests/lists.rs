//! The three lists end to end through the API and pages, on SQLite and PostgreSQL:
//! needs (with appeals turned into needs and merges), resources (with party members'
//! commitments mirrored in), the optimal matching engine with accept / reject /
//! override, projects with milestones, results, photos and ratings, coverage and gaps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::Role::*;
use jiceng_testkit::{Fixture, TestApp, encode, env, fixture};
use serde_json::{Value, json};

fn ok(r: &jiceng_testkit::Reply) -> Value {
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    r.json()
}

async fn post(app: &TestApp, token: &str, uri: &str, body: Value) -> jiceng_testkit::Reply {
    app.api("POST", uri, token, Some(body)).await
}

async fn get(app: &TestApp, token: &str, uri: &str) -> Value {
    ok(&app.api("GET", uri, token, None).await)
}

async fn audit_count(env: &jiceng_testkit::TestEnv, action: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    n
}

async fn table_count(env: &jiceng_testkit::TestEnv, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    n
}

/// A party member of 和平社区党委 who reported to 和平社区 (双报到) and commits to
/// tutoring on weekend mornings (党员服务清单). Returns (party org id, commitment id).
async fn party_member_tutor(app: &TestApp, f: &Fixture) -> (i64, i64) {
    let admin = f.token(DistrictAdmin);
    let root = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": 0, "name": "中共海勃湾区委员会", "kind": "district_committee", "unit_id": f.district})).await)["id"].as_i64().unwrap();
    let street = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": root, "name": "凤凰岭街道党工委", "kind": "street_committee", "unit_id": f.sub})).await)["id"].as_i64().unwrap();
    let org = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": street, "name": "和平社区党委", "kind": "community_committee", "unit_id": f.community})).await)["id"].as_i64().unwrap();
    let mid = ok(&post(app, admin, &format!("/api/v1/party/orgs/{org}/members"), json!({"name": "赵志刚", "sex": "男", "birth_date": "1985-02-03", "joined_on": "2008-06-01"})).await)["id"].as_i64().unwrap();
    let shequ = f.token(CommunityStaff);
    ok(&post(
        app,
        shequ,
        &format!("/api/v1/party/members/{mid}/registrations"),
        json!({"community_id": f.community, "reported_on": "2025-05-04"}),
    )
    .await);
    let c = ok(&post(app, shequ, &format!("/api/v1/party/members/{mid}/commitments"), json!({"category": "tutoring", "description": "为社区初中生辅导数学", "capacity_kind": "hours_per_month", "capacity": 6, "weekdays": "6,7", "time_from": "09:00", "time_to": "11:30"})).await);
    (org, c["id"].as_i64().unwrap())
}

fn tutoring_need(f: &Fixture, quantity: i64) -> Value {
    json!({"category": "tutoring", "title": "双职工家庭孩子周末作业辅导", "unit_id": f.grid,
        "beneficiary": "双职工家庭的初中生", "beneficiaries": 3, "quantity": quantity,
        "weekdays": [6], "time_from": "09:00", "time_to": "11:00", "urgency": 4})
}

/// Standard base64 (the test crate does not depend on a base64 crate).
fn b64(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
];

#[tokio::test]
async fn a_need_met_by_a_party_members_service_becomes_a_rated_project() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let (party_org, commitment) = party_member_tutor(&app, &f).await;
    let wangge = f.token(GridWorker);
    let shequ = f.token(CommunityStaff);
    let jumin = f.token(Resident);

    // Bad input: every field named, nothing saved, nothing audited.
    let bad = post(&app, wangge, "/api/v1/needs", json!({"category": "nope", "title": "", "unit_id": f.far_grid,
        "beneficiary": "", "quantity": 0, "urgency": 9, "weekdays": [9], "time_from": "12:00", "time_to": "10:00",
        "date_from": "2026-13-01"})).await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let fields: Vec<String> = bad.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "category",
        "title",
        "unit_id",
        "beneficiary",
        "quantity",
        "urgency",
        "weekdays",
        "time_to",
        "date_from",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} missing in {fields:?}");
    }
    assert_eq!(table_count(&env, "list_needs").await, 0);
    assert_eq!(audit_count(&env, "lists.record_need").await, 0);

    // The grid worker records a need in the grid.
    let need = ok(&post(&app, wangge, "/api/v1/needs", tutoring_need(&f, 4)).await);
    let nid = need["id"].as_i64().unwrap();
    assert_eq!(need["source"], "grid");
    assert_eq!(need["status"], "open");
    // The place's grid centroid is the need's location.
    assert!((need["lon"].as_f64().unwrap() - 106.805).abs() < 1e-6);
    assert!((need["lat"].as_f64().unwrap() - 39.605).abs() < 1e-6);
    assert_eq!(audit_count(&env, "lists.record_need").await, 1);

    // Grid workers cannot run the engine or record resources; community staff can.
    assert_eq!(
        post(&app, wangge, "/api/v1/matches/run", json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        post(&app, wangge, "/api/v1/resources", json!({}))
            .await
            .status,
        403
    );
    let run = ok(&post(&app, shequ, "/api/v1/matches/run", json!({})).await);
    assert_eq!(run["needs"], 1);
    assert!(run["edges"].as_i64().unwrap() >= 1);
    // The commitment was mirrored into the resource list with its source.
    let res = get(&app, shequ, "/api/v1/resources").await;
    let mirrored = res["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "commitment" && r["source_id"] == commitment)
        .cloned()
        .expect("commitment mirrored");
    assert_eq!(mirrored["provider_kind"], "party_member");
    assert_eq!(mirrored["capacity"], 6);
    assert_eq!(mirrored["party_org_id"], party_org);

    // The engine proposes the party member's service, and says why.
    let props = get(&app, wangge, "/api/v1/matches?status=proposed").await;
    let items = props["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{props}");
    let m = &items[0];
    assert_eq!(m["need_id"], nid);
    assert_eq!(m["resource_source"], "commitment");
    assert_eq!(m["quantity"], 4);
    let t = &m["terms"];
    assert_eq!(t["fit"], "exact");
    assert_eq!(t["urgency"], 4);
    assert_eq!(t["overlap_permille"], 1000);
    assert_eq!(
        t["value"].as_i64().unwrap(),
        t["urgency_points"].as_i64().unwrap()
            + t["fit_points"].as_i64().unwrap()
            + t["distance_points"].as_i64().unwrap()
            + t["time_points"].as_i64().unwrap()
    );
    let mid = m["id"].as_i64().unwrap();

    // A grid worker cannot accept; the community does: a project owned by the
    // member's party organisation, with milestones.
    assert_eq!(
        post(
            &app,
            wangge,
            &format!("/api/v1/matches/{mid}/accept"),
            json!({})
        )
        .await
        .status,
        403
    );
    let acc = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/matches/{mid}/accept"),
        json!({"budget": "300"}),
    )
    .await);
    assert_eq!(acc["status"], "accepted");
    let pid = acc["project_id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/matches/{mid}/accept"),
            json!({})
        )
        .await
        .status,
        409
    );
    let page = get(&app, shequ, &format!("/api/v1/projects/{pid}")).await;
    assert_eq!(page["project"]["owner_name"], "和平社区党委");
    assert_eq!(page["project"]["owner_party_org_id"], party_org);
    assert_eq!(page["project"]["budget_planned_cents"], 30000);
    assert_eq!(page["milestones"].as_array().unwrap().len(), 3);
    let n = get(&app, shequ, &format!("/api/v1/needs/{nid}")).await;
    assert_eq!(n["need"]["met"], 4);
    assert_eq!(n["need"]["status"], "met");
    let r = get(
        &app,
        shequ,
        &format!("/api/v1/resources/{}", mirrored["id"]),
    )
    .await;
    assert_eq!(r["used"], 4);

    // Results with a photo: a non-image is refused and nothing is saved.
    let bad = post(
        &app,
        shequ,
        &format!("/api/v1/projects/{pid}/results"),
        json!({"text": "完成四次辅导", "photos": [b64(b"not an image")]}),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(table_count(&env, "list_outcomes").await, 0);
    let o = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/projects/{pid}/results"),
        json!({"text": "完成四次辅导，孩子们数学作业按时完成", "photos": [b64(PNG)]}),
    )
    .await);
    let photo = o["photos"][0].as_i64().unwrap();
    // Progress and milestones; bad progress refused.
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/projects/{pid}/progress"),
            json!({"progress": 120})
        )
        .await
        .status,
        422
    );
    let p = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/projects/{pid}/progress"),
        json!({"progress": 60, "budget_spent": "120.5"}),
    )
    .await);
    assert_eq!(p["budget_spent_cents"], 12050);
    let ms = page["milestones"][0]["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/milestones/{ms}/done"),
            json!({})
        )
        .await
        .status,
        204
    );

    // The resident of the grid sees the project of their community and rates it, once.
    let mine = get(&app, jumin, "/api/v1/projects").await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == pid)
    );
    assert_eq!(
        post(
            &app,
            jumin,
            &format!("/api/v1/projects/{pid}/ratings"),
            json!({"stars": 9})
        )
        .await
        .status,
        422
    );
    ok(&post(
        &app,
        jumin,
        &format!("/api/v1/projects/{pid}/ratings"),
        json!({"stars": 5, "comment": "老师很耐心"}),
    )
    .await);
    assert_eq!(
        post(
            &app,
            jumin,
            &format!("/api/v1/projects/{pid}/ratings"),
            json!({"stars": 4})
        )
        .await
        .status,
        409
    );
    // Staff cannot rate.
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/projects/{pid}/ratings"),
            json!({"stars": 4})
        )
        .await
        .status,
        422
    );

    // The resident's page shows it; the photo is served to them through the page route.
    let (session, _) = app.login("jumin", jiceng_testkit::PASSWORD).await.unwrap();
    let html = app.get_page("/lists/mine", &session).await.text();
    assert!(html.contains("双职工家庭孩子周末作业辅导"), "{html}");
    let img = app
        .get_page(&format!("/lists/photos/{photo}"), &session)
        .await;
    assert_eq!(img.status, 200);
    assert_eq!(img.headers["content-type"], "image/png");

    // Coverage: all of the asked quantity met; the accountability view counts it.
    let cov = get(&app, shequ, "/api/v1/coverage").await;
    assert_eq!(cov["total"]["asked"], 4);
    assert_eq!(cov["total"]["met"], 4);
    assert_eq!(cov["total"]["share"], 100.0);
    assert_eq!(cov["communities"].as_array().unwrap().len(), 1);
    // The community's sub-district lies above the caller's scope and is still named.
    let sub_name = cov["subdistricts"][0]["name"].as_str().unwrap();
    assert!(
        !sub_name.is_empty() && !sub_name.starts_with('/'),
        "{sub_name}"
    );
    let acc = get(&app, shequ, "/api/v1/projects/accountability").await;
    assert_eq!(acc["total"]["projects"], 1);
    assert_eq!(acc["total"]["rating_avg"], 5.0);
    assert_eq!(acc["total"]["spent_cents"], 12050);

    // Completing the project frees the capacity it took.
    ok(&post(
        &app,
        shequ,
        &format!("/api/v1/projects/{pid}/progress"),
        json!({"done": true}),
    )
    .await);
    let r = get(
        &app,
        shequ,
        &format!("/api/v1/resources/{}", mirrored["id"]),
    )
    .await;
    assert_eq!(r["used"], 0);
    for action in [
        "lists.run",
        "lists.accept",
        "lists.add_outcome",
        "lists.rate",
        "lists.project_progress",
        "lists.milestone_done",
        "lists.sync_resources",
    ] {
        assert!(audit_count(&env, action).await >= 1, "{action} not audited");
    }
}

/// Rejected pairs stay out of later runs, accepted matches stay fixed and consume
/// capacity, an override assigns by hand, and the engine is optimal, not greedy.
#[tokio::test]
async fn reject_override_and_incremental_runs() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let shequ = f.token(CommunityStaff);
    let res = |name: &str, cat: &str, cap: i64, unit: i64, radius: i64| {
        json!({"provider_kind": "merchant", "provider": name, "name": format!("{name}服务"), "category": cat,
            "capacity": cap, "unit_id": unit, "radius_m": radius, "weekdays": [], "time_from": "08:00", "time_to": "20:00", "cost": "0"})
    };
    // Bad resource: nothing saved.
    let bad = post(&app, shequ, "/api/v1/resources", json!({"provider_kind": "party_member", "provider": "", "name": "", "category": "x", "capacity": 0, "radius_m": 5, "unit_id": f.far_grid, "cost": "abc"})).await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert_eq!(
        bad.json()["fields"].as_array().unwrap().len(),
        8,
        "{}",
        bad.text()
    );
    assert_eq!(table_count(&env, "list_resources").await, 0);
    // Two barbers: A (exact, near) with one unit, B (exact) with one unit.
    let a = ok(&post(
        &app,
        shequ,
        "/api/v1/resources",
        res("红枫理发店", "haircut", 1, f.grid, 3000),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    let b = ok(&post(
        &app,
        shequ,
        "/api/v1/resources",
        res("金剪刀美发", "haircut", 1, f.other_grid, 3000),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    // Two needs: N1 can use A or B; N2 (asked from a building far off in another
    // community? no: a related category) can only use A, being in A's grid only.
    let need = |title: &str, cat: &str, unit: i64, urgency: i64| json!({"category": cat, "title": title, "unit_id": unit, "beneficiary": "行动不便老人", "quantity": 1, "urgency": urgency});
    let n1 = ok(&post(
        &app,
        shequ,
        "/api/v1/needs",
        need("1号楼老人上门理发", "haircut", f.grid, 5),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    let n2 = ok(&post(
        &app,
        shequ,
        "/api/v1/needs",
        need("2号楼老人上门理发", "haircut", f.grid, 4),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    ok(&post(
        &app,
        shequ,
        "/api/v1/matches/run",
        json!({"unit_id": f.community}),
    )
    .await);
    let props = get(&app, shequ, "/api/v1/matches?status=proposed").await;
    let props = props["items"].as_array().unwrap().clone();
    // Both needs met: one unit each.
    assert_eq!(props.len(), 2, "{props:?}");
    let on = |n: i64| props.iter().find(|m| m["need_id"] == n).unwrap().clone();
    let p1 = on(n1);
    assert_ne!(p1["resource_id"], on(n2)["resource_id"]);
    // Reject N1's proposal: the community is re-run without that pair.
    let rej = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/matches/{}/reject", p1["id"]),
        json!({"note": "老人不方便到店"}),
    )
    .await);
    assert_eq!(rej["status"], "rejected");
    let props = get(&app, shequ, "/api/v1/matches?status=proposed").await;
    let props = props["items"].as_array().unwrap().clone();
    assert!(
        props
            .iter()
            .all(|m| !(m["need_id"] == n1 && m["resource_id"] == p1["resource_id"]))
    );
    // N1 now takes the other barber; N2 what is left (nothing: one unit each).
    let now1 = props
        .iter()
        .find(|m| m["need_id"] == n1)
        .expect("n1 re-proposed")
        .clone();
    assert_ne!(now1["resource_id"], p1["resource_id"]);
    // Accept it; the accepted match stays through later runs.
    ok(&post(
        &app,
        shequ,
        &format!("/api/v1/matches/{}/accept", now1["id"]),
        json!({}),
    )
    .await);
    ok(&post(&app, shequ, "/api/v1/matches/run", json!({})).await);
    let all = get(&app, shequ, "/api/v1/matches").await;
    let accepted: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "accepted")
        .collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["id"], now1["id"]);
    // Override: assign barber A to N2 by hand (more than is left is refused).
    let used = if now1["resource_id"] == a { b } else { a };
    let too_much = post(
        &app,
        shequ,
        &format!("/api/v1/needs/{n2}/assign"),
        json!({"resource_id": used, "quantity": 2}),
    )
    .await;
    assert_eq!(too_much.status, 422);
    let mm = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/needs/{n2}/assign"),
        json!({"resource_id": used, "project_id": accepted[0]["project_id"]}),
    )
    .await);
    assert_eq!(mm["manual"], true);
    assert_eq!(mm["status"], "accepted");
    assert_eq!(mm["project_id"], accepted[0]["project_id"]);
    let p = get(
        &app,
        shequ,
        &format!("/api/v1/projects/{}", mm["project_id"]),
    )
    .await;
    assert_eq!(p["matches"].as_array().unwrap().len(), 2);
    // Nothing is left to propose.
    let props = get(&app, shequ, "/api/v1/matches?status=proposed").await;
    assert_eq!(props["items"].as_array().unwrap().len(), 0);
    assert_eq!(audit_count(&env, "lists.assign").await, 1);
    assert_eq!(audit_count(&env, "lists.reject").await, 1);
}

/// An appeal turned into a need, merging similar needs, gaps, and reach.
#[tokio::test]
async fn appeals_merges_gaps_and_reach() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let wangge = f.token(GridWorker);
    let shequ = f.token(CommunityStaff);
    let jumin = f.token(Resident);
    let case = ok(&post(
        &app,
        jumin,
        "/api/v1/cases",
        json!({"category": "1104", "description": "家里老人独居，希望有人定期上门陪伴"}),
    )
    .await);
    let number = case["case"]["number"].as_str().unwrap().to_string();
    let from_case = ok(&post(&app, wangge, "/api/v1/needs", json!({"case_number": number, "category": "elderly", "title": "独居老人定期陪伴", "beneficiary": "独居老人", "quantity": 2})).await);
    assert_eq!(from_case["source"], "appeal");
    assert_eq!(from_case["case_number"], number.as_str());
    // Not twice; an unknown case is refused.
    let again = post(&app, wangge, "/api/v1/needs", json!({"case_number": number, "category": "elderly", "title": "再次", "beneficiary": "独居老人"})).await;
    assert_eq!(again.status, 422);
    assert_eq!(
        post(
            &app,
            wangge,
            "/api/v1/needs",
            json!({"case_number": "X0000", "category": "elderly", "title": "x", "beneficiary": "x"})
        )
        .await
        .status,
        422
    );

    // The resident records their own need; sees only their own.
    let own = ok(&post(&app, jumin, "/api/v1/needs", json!({"category": "elderly", "title": "母亲需要陪同就医", "unit_id": f.grid, "beneficiary": "独居老人", "quantity": 3})).await);
    assert_eq!(own["source"], "resident");
    assert_eq!(
        post(
            &app,
            jumin,
            "/api/v1/needs",
            json!({"category": "elderly", "title": "x", "unit_id": f.far_grid, "beneficiary": "x"})
        )
        .await
        .status,
        422
    );
    let list = get(&app, jumin, "/api/v1/needs").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Merge: quantities summed, requesters kept, the other ends merged.
    let merged = ok(&post(
        &app,
        shequ,
        "/api/v1/needs/merge",
        json!({"target": from_case["id"], "others": [own["id"]]}),
    )
    .await);
    assert_eq!(merged["quantity"], 5);
    let page = get(&app, shequ, &format!("/api/v1/needs/{}", from_case["id"])).await;
    assert_eq!(page["requesters"].as_array().unwrap().len(), 2);
    let other = get(&app, shequ, &format!("/api/v1/needs/{}", own["id"])).await;
    assert_eq!(other["need"]["status"], "merged");
    // A different category cannot be merged.
    let emp = ok(&post(&app, shequ, "/api/v1/needs", json!({"category": "employment", "title": "失业人员再就业培训", "unit_id": f.other_grid, "beneficiary": "失业人员", "quantity": 10})).await);
    assert_eq!(
        post(
            &app,
            shequ,
            "/api/v1/needs/merge",
            json!({"target": from_case["id"], "others": [emp["id"]]})
        )
        .await
        .status,
        422
    );

    // Gaps: no resource at all for these needs, grouped by category and community.
    let cov = get(&app, shequ, "/api/v1/coverage").await;
    let gaps = cov["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["category"] == "employment" && g["quantity"] == 10),
        "{cov}"
    );
    assert!(
        gaps.iter()
            .any(|g| g["category"] == "elderly" && g["quantity"] == 5),
        "{cov}"
    );
    assert_eq!(cov["total"]["asked"], 15);
    // A resource within reach closes the elderly gap.
    ok(&post(&app, shequ, "/api/v1/resources", json!({"provider_kind": "volunteer", "provider": "和平社区志愿服务队", "name": "陪伴独居老人", "category": "elderly", "capacity": 20, "unit_id": f.community, "radius_m": 3000})).await);
    let cov = get(&app, shequ, "/api/v1/coverage").await;
    assert!(
        !cov["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["category"] == "elderly"),
        "{cov}"
    );

    // Reach: the grid worker of the first grid does not see the other grid's need.
    assert_eq!(
        app.api("GET", &format!("/api/v1/needs/{}", emp["id"]), wangge, None)
            .await
            .status,
        404
    );
    // A department handler cannot use the lists.
    assert_eq!(
        app.api("GET", "/api/v1/needs", f.token(DepartmentHandler), None)
            .await
            .status,
        403
    );
}

/// The pages: a grid worker records a need through the form (errors re-render with
/// what was typed), the community runs the engine and accepts on the page.
#[tokio::test]
async fn pages_record_run_accept() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    party_member_tutor(&app, &f).await;
    let (session, csrf) = app.login("wangge", jiceng_testkit::PASSWORD).await.unwrap();
    let cookie = format!("jiceng_session={session}");
    let form = app.get_page("/lists/needs/new", &session).await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("name=\"unit_id\""));
    let bad = app
        .post_form(
            "/lists/needs/new",
            &cookie,
            &format!(
                "csrf={csrf}&title=&category=tutoring&unit_id={}&beneficiary={}&quantity=abc",
                f.grid,
                encode("学生")
            ),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("data-field=\"title\""));
    assert!(bad.text().contains("data-field=\"quantity\""));
    let good = app
        .post_form("/lists/needs/new", &cookie, &format!("csrf={csrf}&title={}&category=tutoring&unit_id={}&beneficiary={}&quantity=2&urgency=3&wd6=on&time_from=09:00&time_to=11:00", encode("周末作业辅导"), f.grid, encode("学生")))
        .await;
    assert_eq!(good.status, 303, "{}", good.text());
    let (session, csrf) = app.login("shequ", jiceng_testkit::PASSWORD).await.unwrap();
    let cookie = format!("jiceng_session={session}");
    let r = app
        .post_form("/lists/run", &cookie, &format!("csrf={csrf}"))
        .await;
    assert_eq!(r.status, 303);
    let html = app.get_page("/lists/matches", &session).await.text();
    assert!(html.contains("为社区初中生辅导数学"), "{html}");
    assert!(html.contains("data-source=\"commitment\""));
    let mid = html
        .split("data-match=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = app
        .post_form(
            &format!("/lists/matches/{mid}/accept"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, 303);
    let to = r.headers["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/lists/projects/"));
    let html = app.get_page(&to, &session).await.text();
    assert!(html.contains("周末作业辅导"));
    // The front page counts the needs in the caller's reach in the database.
    let needs = table_count(&env, "list_needs").await;
    let hub = app.get_page("/lists", &session).await.text();
    assert!(hub.contains(&format!("id=\"n-needs\">{needs}<")), "{hub}");
    for uri in [
        "/lists",
        "/lists/needs",
        "/lists/resources",
        "/lists/projects",
        "/lists/coverage",
        "/lists/accountability",
    ] {
        assert_eq!(app.get_page(uri, &session).await.status, 200, "{uri}");
    }
    // A wrong CSRF token changes nothing.
    let before = table_count(&env, "list_runs").await;
    let r = app.post_form("/lists/run", &cookie, "csrf=nope").await;
    assert_eq!(r.status, 422);
    assert_eq!(table_count(&env, "list_runs").await, before);
}
