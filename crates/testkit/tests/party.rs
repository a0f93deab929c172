//! The party organisation system through the API and pages, on SQLite and PostgreSQL.

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

struct Tree {
    root: i64,
    street: i64,
    other_street: i64,
    community: i64,
    other_community: i64,
    branch: i64,
}

/// 区委 → 凤凰岭街道党工委 → 和平社区党委 → 第一党支部, plus 海北街道党工委 and 公园社区党委.
async fn tree(app: &TestApp, f: &Fixture) -> Tree {
    let admin = f.token(DistrictAdmin);
    let root = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": 0, "name": "中共海勃湾区委员会", "kind": "district_committee", "unit_id": f.district})).await)["id"].as_i64().unwrap();
    let street = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": root, "name": "凤凰岭街道党工委", "kind": "street_committee", "unit_id": f.sub})).await)["id"].as_i64().unwrap();
    let other_street = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": root, "name": "海北街道党工委", "kind": "street_committee", "unit_id": f.other_sub})).await)["id"].as_i64().unwrap();
    let community = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": street, "name": "和平社区党委", "kind": "community_committee", "unit_id": f.community})).await)["id"].as_i64().unwrap();
    let other_community = ok(&post(app, admin, "/api/v1/party/orgs", json!({"parent_id": street, "name": "公园社区党委", "kind": "community_committee", "unit_id": f.other_community})).await)["id"].as_i64().unwrap();
    let branch = ok(&post(
        app,
        f.token(CommunityStaff),
        "/api/v1/party/orgs",
        json!({"parent_id": community, "name": "和平社区第一党支部", "kind": "branch"}),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    Tree {
        root,
        street,
        other_street,
        community,
        other_community,
        branch,
    }
}

async fn audit_count(env: &jiceng_testkit::TestEnv, action: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    n
}

async fn org_count(env: &jiceng_testkit::TestEnv) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM party_orgs")
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn the_tree_follows_the_kind_rules() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let admin = f.token(DistrictAdmin);
    // A party group goes under a branch, not under a community committee or a street.
    let group = post(
        &app,
        admin,
        "/api/v1/party/orgs",
        json!({"parent_id": t.branch, "name": "第一党小组", "kind": "group"}),
    )
    .await;
    assert_eq!(group.status, 201, "{}", group.text());
    let before = org_count(&env).await;
    for parent in [t.community, t.street, t.root] {
        let bad = post(
            &app,
            admin,
            "/api/v1/party/orgs",
            json!({"parent_id": parent, "name": "错误党小组", "kind": "group"}),
        )
        .await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        assert_eq!(bad.json()["fields"][0]["field"], "kind");
    }
    // Nothing below a group; a second 区委 is refused; a street committee must lead a sub-district.
    let gid = group.json()["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            admin,
            "/api/v1/party/orgs",
            json!({"parent_id": gid, "name": "x支部", "kind": "branch"})
        )
        .await
        .status,
        422
    );
    assert_eq!(post(&app, admin, "/api/v1/party/orgs", json!({"parent_id": 0, "name": "第二区委", "kind": "district_committee", "unit_id": f.district})).await.status, 422);
    assert_eq!(post(&app, admin, "/api/v1/party/orgs", json!({"parent_id": t.root, "name": "错挂党工委", "kind": "street_committee", "unit_id": f.community})).await.status, 422);
    // Bad input: empty name, unknown kind, bad date — all refused, nothing saved.
    let r = post(&app, admin, "/api/v1/party/orgs", json!({"parent_id": t.community, "name": " ", "kind": "nonsense", "founded_on": "2024-13-40"})).await;
    assert_eq!(r.status, 422);
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        fields.contains(&"name".into())
            && fields.contains(&"kind".into())
            && fields.contains(&"founded_on".into()),
        "{fields:?}"
    );
    assert_eq!(org_count(&env).await, before);
    // Codes follow the parent's; the tree view counts members per child.
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/orgs/{}", t.community),
            admin,
            None,
        )
        .await);
    let code = v["org"]["code"].as_str().unwrap().to_string();
    assert_eq!(v["children"][0]["code"], format!("{code}.01"));
    assert_eq!(
        v["child_kinds"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| *k == "group")
            .count(),
        0
    );
    // Rename and dissolve leave history.
    let b = ok(&app
        .api("GET", &format!("/api/v1/party/orgs/{gid}"), admin, None)
        .await);
    ok(&post(
        &app,
        admin,
        &format!("/api/v1/party/orgs/{gid}/rename"),
        json!({"version": b["org"]["version"], "name": "第一党小组（楼院）"}),
    )
    .await);
    // The branch cannot be dissolved while its group is active.
    assert_eq!(
        post(
            &app,
            admin,
            &format!("/api/v1/party/orgs/{}/dissolve", t.branch),
            json!({})
        )
        .await
        .status,
        422
    );
    ok(&post(
        &app,
        admin,
        &format!("/api/v1/party/orgs/{gid}/dissolve"),
        json!({}),
    )
    .await);
    let h = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/orgs/{gid}/history"),
            admin,
            None,
        )
        .await);
    let changes: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["create", "rename", "dissolve"]);
    assert_eq!(audit_count(&env, "party.dissolve").await, 1);
}

async fn get(app: &TestApp, token: &str, id: i64) -> u16 {
    app.api("GET", &format!("/api/v1/party/orgs/{id}"), token, None)
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn reach_decides_who_sees_and_changes() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let (shequ, jiedao, bumen, jumin) = (
        f.token(CommunityStaff),
        f.token(SubdistrictStaff),
        f.token(DepartmentHandler),
        f.token(Resident),
    );
    // District-level organisations are visible to all staff.
    assert_eq!(get(&app, shequ, t.root).await, 200);
    assert_eq!(get(&app, bumen, t.root).await, 200);
    assert_eq!(get(&app, jumin, t.root).await, 403);
    // Community staff: their community's organisations, not the neighbour's or the street's.
    assert_eq!(get(&app, shequ, t.community).await, 200);
    assert_eq!(get(&app, shequ, t.branch).await, 200);
    assert_eq!(get(&app, shequ, t.other_community).await, 404);
    assert_eq!(get(&app, shequ, t.street).await, 404);
    // Sub-district staff: their sub-district's, not another sub-district's.
    assert_eq!(get(&app, jiedao, t.other_community).await, 200);
    assert_eq!(get(&app, jiedao, t.other_street).await, 404);
    // The tree from the 区委 lists only what the caller may open.
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/orgs/{}", t.root),
            shequ,
            None,
        )
        .await);
    assert!(v["children"].as_array().unwrap().is_empty());
    // Changes: within reach only; the department handler may not change anything.
    let mk = |parent: i64| json!({"parent_id": parent, "name": "新党支部", "kind": "branch"});
    assert_eq!(
        post(&app, shequ, "/api/v1/party/orgs", mk(t.community))
            .await
            .status,
        201
    );
    assert_eq!(
        post(&app, shequ, "/api/v1/party/orgs", mk(t.other_community))
            .await
            .status,
        404
    );
    assert_eq!(
        post(&app, shequ, "/api/v1/party/orgs", mk(t.root))
            .await
            .status,
        403
    );
    assert_eq!(
        post(&app, jiedao, "/api/v1/party/orgs", mk(t.other_community))
            .await
            .status,
        201
    );
    assert_eq!(
        post(&app, jiedao, "/api/v1/party/orgs", mk(t.other_street))
            .await
            .status,
        404
    );
    assert_eq!(
        post(&app, bumen, "/api/v1/party/orgs", mk(t.root))
            .await
            .status,
        403
    );
    let appoint = json!({"title": "secretary", "person_name": "王建国", "phone": "13900001111"});
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/orgs/{}/positions", t.community),
            appoint.clone()
        )
        .await
        .status,
        201
    );
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/orgs/{}/positions", t.street),
            appoint
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn members_transfer_with_history_and_personal_data_is_masked() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let shequ = f.token(CommunityStaff);
    let id_number = jiceng_testkit::id_number((1980, 4, 5), 77);
    let r = post(&app, shequ, &format!("/api/v1/party/orgs/{}/members", t.branch), json!({"name": "刘海燕", "id_number": id_number, "phone": "13912340000", "joined_on": "2005-07-01", "education": "大学本科", "resident_id": f.resident})).await;
    let m = ok(&r);
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(m["birth_date"], "1980-04-05");
    assert_eq!(m["phone"], "139****0000");
    assert!(m["id_number"].as_str().unwrap().contains("****"));
    // The same ID number twice is refused; a member must be 18 when joining.
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/orgs/{}/members", t.branch),
            json!({"name": "刘海燕", "id_number": id_number, "joined_on": "2005-07-01"})
        )
        .await
        .status,
        422
    );
    let young = post(&app, shequ, &format!("/api/v1/party/orgs/{}/members", t.branch), json!({"name": "张小", "sex": "male", "birth_date": "2000-01-01", "joined_on": "2010-01-01"})).await;
    assert_eq!(young.status, 422);
    // Reveal: community staff may, audited; the sub-district staff may not.
    let v = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/party/members/{mid}/reveal"),
        json!({"reason": "核对信息"}),
    )
    .await);
    assert_eq!(v["id_number"], id_number);
    assert_eq!(v["phone"], "13912340000");
    assert_eq!(audit_count(&env, "party.reveal").await, 1);
    assert_eq!(
        post(
            &app,
            f.token(SubdistrictStaff),
            &format!("/api/v1/party/members/{mid}/reveal"),
            json!({"reason": "x"})
        )
        .await
        .status,
        403
    );
    // Transfer to the neighbouring community committee, then out of the district.
    let page = ok(&app
        .api("GET", &format!("/api/v1/party/members/{mid}"), shequ, None)
        .await);
    let version = page["member"]["version"].as_i64().unwrap();
    // Community staff cannot see the neighbour's committee: the receiving org is unknown to them.
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/members/{mid}/transfer"),
            json!({"version": version, "to_org_id": t.other_community, "reason": "搬家"})
        )
        .await
        .status,
        422
    );
    let jiedao = f.token(SubdistrictStaff);
    ok(&post(&app, jiedao, &format!("/api/v1/party/members/{mid}/transfer"), json!({"version": version, "to_org_id": t.other_community, "on": "2025-03-01", "reason": "居住地变更"})).await);
    let page = ok(&app
        .api("GET", &format!("/api/v1/party/members/{mid}"), jiedao, None)
        .await);
    assert_eq!(page["member"]["org_id"], t.other_community);
    // Now outside the community staff's reach.
    assert_eq!(
        app.api("GET", &format!("/api/v1/party/members/{mid}"), shequ, None)
            .await
            .status,
        404
    );
    let version = page["member"]["version"].as_i64().unwrap();
    // Bad input changes nothing: no reason, no destination.
    assert_eq!(
        post(
            &app,
            jiedao,
            &format!("/api/v1/party/members/{mid}/transfer"),
            json!({"version": version, "reason": ""})
        )
        .await
        .status,
        422
    );
    ok(&post(
        &app,
        jiedao,
        &format!("/api/v1/party/members/{mid}/transfer"),
        json!({"version": version, "to_name": "包头市昆都仑区某社区党委", "reason": "工作调动"}),
    )
    .await);
    let page = ok(&app
        .api("GET", &format!("/api/v1/party/members/{mid}"), jiedao, None)
        .await);
    assert_eq!(page["member"]["status"], "transferred_out");
    let tr = page["transfers"].as_array().unwrap();
    assert_eq!(tr.len(), 2);
    assert_eq!(tr[0]["from_name"], "和平社区第一党支部");
    assert_eq!(tr[0]["to_name"], "公园社区党委");
    assert_eq!(tr[1]["to_org_id"], Value::Null);
    assert_eq!(audit_count(&env, "party.transfer").await, 2);
}

#[tokio::test]
async fn in_service_members_report_and_commit_services() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let admin = f.token(DistrictAdmin);
    let school = ok(&post(
        &app,
        admin,
        "/api/v1/party/orgs",
        json!({"parent_id": t.root, "name": "乌海市第一中学党支部", "kind": "unit"}),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    let m = ok(&post(&app, admin, &format!("/api/v1/party/orgs/{school}/members"), json!({"name": "赵志刚", "sex": "男", "birth_date": "1985-02-03", "joined_on": "2008-06-01"})).await);
    let mid = m["id"].as_i64().unwrap();
    // A commitment needs a registration first.
    let commit = json!({"category": "tutoring", "description": "为社区初中生辅导数学", "capacity_kind": "hours_per_month", "capacity": 6, "weekdays": "6,7", "time_from": "09:00", "time_to": "11:30"});
    assert_eq!(
        post(
            &app,
            admin,
            &format!("/api/v1/party/members/{mid}/commitments"),
            commit.clone()
        )
        .await
        .status,
        422
    );
    // The community staff of the home community records the 双报到.
    let shequ = f.token(CommunityStaff);
    // The community staff cannot see the school's member (district reach is visible to all staff).
    let reg = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/party/members/{mid}/registrations"),
        json!({"community_id": f.community, "reported_on": "2025-05-04"}),
    )
    .await);
    assert_eq!(reg["community_id"], f.community);
    assert_eq!(reg["work_unit"], "乌海市第一中学党支部");
    // Not twice; not to a grid.
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/members/{mid}/registrations"),
            json!({"community_id": f.community})
        )
        .await
        .status,
        422
    );
    // Bad commitment: unknown category, zero capacity, bad window — refused.
    let bad = post(&app, shequ, &format!("/api/v1/party/members/{mid}/commitments"), json!({"category": "nope", "description": "", "capacity_kind": "x", "capacity": 0, "weekdays": "9", "time_from": "12:00", "time_to": "10:00"})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.json()["fields"].as_array().unwrap().len(),
        6,
        "{}",
        bad.text()
    );
    let c = ok(&post(
        &app,
        shequ,
        &format!("/api/v1/party/members/{mid}/commitments"),
        commit,
    )
    .await);
    assert_eq!(c["community_id"], f.community);
    assert_eq!(c["availability"]["weekdays"], json!([6, 7]));
    ok(&post(&app, shequ, &format!("/api/v1/party/members/{mid}/commitments"), json!({"category": "法律咨询", "description": "法律咨询", "capacity_kind": "people", "capacity": 4, "weekdays": "1-5", "time_from": "19:00", "time_to": "21:00"})).await);
    // The community's list for matching needs.
    let list = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/units/{}/commitments", f.community),
            shequ,
            None,
        )
        .await);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .any(|i| i["category"] == "legal" && i["capacity_kind"] == "people")
    );
    let regs = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/units/{}/registrations", f.community),
            shequ,
            None,
        )
        .await);
    assert_eq!(regs["items"].as_array().unwrap().len(), 1);
    let page = ok(&app
        .api("GET", &format!("/api/v1/party/members/{mid}"), admin, None)
        .await);
    assert_eq!(page["member"]["in_service"], true);
    // Pausing a commitment removes it from the matching list; another community cannot.
    let cid = c["id"].as_i64().unwrap();
    ok(&post(
        &app,
        shequ,
        &format!("/api/v1/party/commitments/{cid}/active"),
        json!({"active": false}),
    )
    .await);
    let list = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/units/{}/commitments", f.community),
            shequ,
            None,
        )
        .await);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(audit_count(&env, "party.register").await, 1);
    assert_eq!(audit_count(&env, "party.add_commitment").await, 2);
}

#[tokio::test]
async fn two_committee_roster_shows_cross_appointments() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let shequ = f.token(CommunityStaff);
    for (title, name, phone) in [
        ("secretary", "王秀兰", "13900000001"),
        ("deputy_secretary", "李建军", "13900000002"),
        ("committee_member", "孙丽", "13900000003"),
    ] {
        ok(&post(
            &app,
            shequ,
            &format!("/api/v1/party/orgs/{}/positions", t.community),
            json!({"title": title, "person_name": name, "phone": phone}),
        )
        .await);
    }
    for (title, name, phone) in [
        ("director", "王秀兰", "13900000001"),
        ("deputy_director", "孙丽", "13900000003"),
        ("rc_member", "赵强", "13900000004"),
    ] {
        ok(&post(
            &app,
            shequ,
            &format!("/api/v1/party/roster/{}", f.community),
            json!({"title": title, "person_name": name, "phone": phone}),
        )
        .await);
    }
    // A party post is not a residents' committee post and vice versa.
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/roster/{}", f.community),
            json!({"title": "secretary", "person_name": "x", "phone": "13900000009"})
        )
        .await
        .status,
        422
    );
    assert_eq!(
        post(
            &app,
            shequ,
            &format!("/api/v1/party/orgs/{}/positions", t.community),
            json!({"title": "director", "person_name": "x", "phone": "13900000009"})
        )
        .await
        .status,
        422
    );
    let r = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/roster/{}", f.community),
            shequ,
            None,
        )
        .await);
    assert_eq!(r["party"].as_array().unwrap().len(), 3);
    assert_eq!(r["residents"].as_array().unwrap().len(), 3);
    assert_eq!(r["cross"], json!(["孙丽", "王秀兰"]));
    // A new secretary ends the previous one.
    ok(&post(
        &app,
        shequ,
        &format!("/api/v1/party/orgs/{}/positions", t.community),
        json!({"title": "secretary", "person_name": "周海", "phone": "13900000005"}),
    )
    .await);
    let r = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/roster/{}", f.community),
            shequ,
            None,
        )
        .await);
    let secs: Vec<&Value> = r["party"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["title"] == "secretary")
        .collect();
    assert_eq!(secs.len(), 1);
    assert_eq!(secs[0]["person_name"], "周海");
    // Another community's roster is outside the reach.
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/party/roster/{}", f.other_community),
            shequ,
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn temporary_organisations_are_set_up_and_ended() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let jiedao = f.token(SubdistrictStaff);
    // A reason is required; a temporary community committee is not a thing.
    assert_eq!(post(&app, jiedao, "/api/v1/party/orgs", json!({"parent_id": t.street, "name": "临时党总支", "kind": "general_branch", "temporary": true})).await.status, 422);
    assert_eq!(post(&app, jiedao, "/api/v1/party/orgs", json!({"parent_id": t.street, "name": "临时党委", "kind": "community_committee", "unit_id": f.community, "temporary": true, "temp_reason": "x"})).await.status, 422);
    let gb = ok(&post(&app, jiedao, "/api/v1/party/orgs", json!({"parent_id": t.street, "name": "凤凰岭街道疫情防控临时党总支", "kind": "general_branch", "temporary": true, "temp_reason": "疫情防控卡点值守", "founded_on": "2025-01-10"})).await);
    let gid = gb["id"].as_i64().unwrap();
    assert_eq!(gb["temporary"], true);
    // Only temporary organisations below a temporary one.
    assert_eq!(
        post(
            &app,
            jiedao,
            "/api/v1/party/orgs",
            json!({"parent_id": gid, "name": "常设支部", "kind": "branch"})
        )
        .await
        .status,
        422
    );
    let br = ok(&post(&app, jiedao, "/api/v1/party/orgs", json!({"parent_id": gid, "name": "和平社区卡点临时党支部", "kind": "branch", "temporary": true, "temp_reason": "防控卡点", "founded_on": "2025-01-11"})).await);
    let bid = br["id"].as_i64().unwrap();
    ok(&post(&app, jiedao, "/api/v1/party/orgs", json!({"parent_id": bid, "name": "卡点临时党小组", "kind": "group", "temporary": true, "temp_reason": "夜班值守"})).await);
    let list = ok(&app
        .api("GET", "/api/v1/party/temporary", jiedao, None)
        .await);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    // The standing branch cannot be "ended"; the temporary one ends with its subtree.
    assert_eq!(
        post(
            &app,
            jiedao,
            &format!("/api/v1/party/orgs/{}/end", t.branch),
            json!({})
        )
        .await
        .status,
        422
    );
    assert_eq!(
        post(
            &app,
            jiedao,
            &format!("/api/v1/party/orgs/{gid}/end"),
            json!({"on": "2024-01-01"})
        )
        .await
        .status,
        422
    );
    let ended = ok(&post(
        &app,
        jiedao,
        &format!("/api/v1/party/orgs/{gid}/end"),
        json!({"on": "2025-03-01"}),
    )
    .await);
    assert_eq!(ended["status"], "dissolved");
    assert_eq!(ended["temp_end"], "2025-03-01");
    let list = ok(&app
        .api("GET", "/api/v1/party/temporary", jiedao, None)
        .await);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "dissolved")
    );
    assert_eq!(
        post(
            &app,
            jiedao,
            &format!("/api/v1/party/orgs/{gid}/end"),
            json!({})
        )
        .await
        .status,
        422
    );
    // The community staff sees no temporary organisation of the street.
    let list = ok(&app
        .api(
            "GET",
            "/api/v1/party/temporary",
            f.token(CommunityStaff),
            None,
        )
        .await);
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn alliances_count_activities_per_link() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let jiedao = f.token(SubdistrictStaff);
    let a = ok(&post(&app, jiedao, "/api/v1/alliances", json!({"name": "凤凰岭街道“红色凤岭”党建联盟", "kind": "subdistrict", "unit_id": f.sub, "lead_org_id": t.street})).await);
    let aid = a["id"].as_i64().unwrap();
    ok(&post(
        &app,
        jiedao,
        &format!("/api/v1/alliances/{aid}/members"),
        json!({"org_id": t.community}),
    )
    .await);
    let hospital = ok(&post(
        &app,
        jiedao,
        &format!("/api/v1/alliances/{aid}/members"),
        json!({"name": "乌海市人民医院", "kind": "resident_unit"}),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        post(
            &app,
            jiedao,
            &format!("/api/v1/alliances/{aid}/members"),
            json!({"name": "乌海市人民医院", "kind": "resident_unit"})
        )
        .await
        .status,
        422
    );
    ok(&post(&app, jiedao, &format!("/api/v1/alliances/{aid}/agreements"), json!({"title": "共建协议", "date": "2025-02-01", "term_months": 24, "content": "五联共建"})).await);
    for (link, n) in [("org_joint", 2), ("sharing", 3), ("multi_governance", 1)] {
        for i in 0..n {
            ok(&post(&app, jiedao, &format!("/api/v1/alliances/{aid}/activities"), json!({"title": format!("活动{i}"), "date": "2025-04-01", "place": "和平社区党群服务中心", "participants": 30, "link": link})).await);
        }
    }
    let bad = post(
        &app,
        jiedao,
        &format!("/api/v1/alliances/{aid}/activities"),
        json!({"title": "x", "place": "y", "participants": 0, "link": "six_links"}),
    )
    .await;
    assert_eq!(bad.status, 422);
    ok(&post(&app, jiedao, &format!("/api/v1/alliances/{aid}/resources"), json!({"name": "义诊专家团队", "category": "professional", "member_id": hospital, "capacity": 40, "capacity_unit": "人次/月", "weekdays": "6", "time_from": "08:30", "time_to": "12:00"})).await);
    let page = ok(&app
        .api("GET", &format!("/api/v1/alliances/{aid}"), jiedao, None)
        .await);
    let counts: Vec<(String, i64)> = page["by_link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["link"].as_str().unwrap().to_string(),
                x["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("org_joint".into(), 2),
            ("area_linkage".into(), 0),
            ("team_co_manage".into(), 0),
            ("sharing".into(), 3),
            ("multi_governance".into(), 1)
        ]
    );
    assert_eq!(page["activities"].as_array().unwrap().len(), 6);
    assert_eq!(page["members"].as_array().unwrap().len(), 2);
    assert_eq!(page["resources"][0]["availability"]["weekdays"], json!([6]));
    // The alliance shows on the community committee's page; other sub-districts cannot see it.
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/party/orgs/{}", t.community),
            jiedao,
            None,
        )
        .await);
    assert_eq!(v["alliances"][0]["id"], aid);
    let list = ok(&app
        .api("GET", "/api/v1/alliances", f.token(DistrictAdmin), None)
        .await);
    assert_eq!(list["items"][0]["activities"], 6);
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/alliances/{aid}"),
            f.token(CommunityStaff),
            None
        )
        .await
        .status,
        404
    );
    // The community staff cannot add to the sub-district's alliance.
    assert_eq!(
        post(
            &app,
            f.token(CommunityStaff),
            &format!("/api/v1/alliances/{aid}/activities"),
            json!({"title": "x", "place": "y", "participants": 3, "link": "sharing"})
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn pages_render_for_admin_and_community_staff() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = tree(&app, &f).await;
    let m = ok(&post(&app, f.token(CommunityStaff), &format!("/api/v1/party/orgs/{}/members", t.branch), json!({"name": "马丽", "sex": "female", "birth_date": "1970-01-01", "joined_on": "1995-07-01", "phone": "13811112222"})).await)["id"].as_i64().unwrap();
    let a = ok(&post(
        &app,
        f.token(DistrictAdmin),
        "/api/v1/alliances",
        json!({"name": "海勃湾区城市党建共同体", "kind": "district", "unit_id": f.district}),
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    for login in ["admin", "shequ"] {
        let (session, csrf) = app.login(login, jiceng_testkit::PASSWORD).await.unwrap();
        for uri in [
            "/party".to_string(),
            format!("/party/orgs/{}", t.community),
            format!("/party/orgs/{}", t.branch),
            format!("/party/members/{m}"),
            format!("/party/roster/{}", f.community),
            "/party/temporary".into(),
            "/alliances".into(),
            format!("/alliances/{a}"),
        ] {
            let p = app.get_page(&uri, &session).await;
            assert_eq!(p.status, 200, "{login} {uri}: {}", p.text());
            assert!(p.text().contains("<h1>"), "{uri}");
        }
        let member = app
            .get_page(&format!("/party/members/{m}"), &session)
            .await
            .text();
        assert!(member.contains("138****2222") && !member.contains("13811112222"));
        // A form: add a branch; a bad one re-renders with the message.
        let cookies = format!("jiceng_session={session}");
        let r = app
            .post_form(
                &format!("/party/orgs/{}/children", t.community),
                &cookies,
                &format!("csrf={csrf}&name=&kind=branch"),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        let name = encode(&format!("{login}第二党支部"));
        let r = app
            .post_form(
                &format!("/party/orgs/{}/children", t.community),
                &cookies,
                &format!("csrf={csrf}&name={name}&kind=branch"),
            )
            .await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
    }
    let (session, _) = app.login("shequ", jiceng_testkit::PASSWORD).await.unwrap();
    assert_eq!(
        app.get_page(&format!("/party/orgs/{}", t.other_community), &session)
            .await
            .status,
        404
    );
    let (session, csrf) = app.login("shequ", jiceng_testkit::PASSWORD).await.unwrap();
    let r = app
        .post_form(
            &format!("/party/members/{m}/reveal"),
            &format!("jiceng_session={session}"),
            &format!("csrf={csrf}&reason=check"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("13811112222"));
}
