//! The service network end to end through the API and pages, on SQLite and PostgreSQL:
//! the nearest-centre finder, joint meetings and resolutions, the reform lists, access
//! by reach, and the seed figures computed from data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::Role::*;
use jiceng_domain::network::rules::haversine_m;
use jiceng_domain::network::service as network;
use jiceng_testkit::{Fixture, PASSWORD, TestApp, env, fixture, login_of};
use serde_json::{Value, json};

fn ok(r: &jiceng_testkit::Reply) -> Value {
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    r.json()
}

fn place(kind: &str, name: &str, unit: i64, lon: f64, lat: f64, services: &[&str]) -> Value {
    json!({"kind": kind, "name": name, "unit_id": unit, "address": "海勃湾区", "lon": lon, "lat": lat,
        "hours": "周一至周五 8:30–18:00", "phone": "0473-2059876", "services": services})
}

async fn create_place(app: &TestApp, f: &Fixture, body: Value) -> i64 {
    let r = app
        .api(
            "POST",
            "/api/v1/centres",
            f.token(DistrictAdmin),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["place"]["id"].as_i64().unwrap()
}

#[test]
fn haversine_orders_by_distance() {
    let o = (106.805, 39.605);
    let near = haversine_m(o.0, o.1, 106.806, 39.605);
    let far = haversine_m(o.0, o.1, 106.855, 39.605);
    assert!(near < far);
    // 0.001° of longitude at 39.6° N is about 85.7 m.
    assert!((near - 85.7).abs() < 1.0, "{near}");
}

#[tokio::test]
async fn nearest_centre_by_service_is_public_and_ordered() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let a = create_place(
        &app,
        &f,
        place(
            "community_centre",
            "和平社区党群服务中心",
            f.community,
            106.805,
            39.605,
            &["legal", "party_edu"],
        ),
    )
    .await;
    let b = create_place(
        &app,
        &f,
        place(
            "station",
            "阳光楼宇驿站",
            f.community,
            106.815,
            39.605,
            &["legal"],
        ),
    )
    .await;
    let c = create_place(
        &app,
        &f,
        place(
            "community_centre",
            "公园社区党群服务中心",
            f.other_community,
            106.855,
            39.605,
            &["legal"],
        ),
    )
    .await;
    let _d = create_place(
        &app,
        &f,
        place(
            "station",
            "不提供法律咨询的驿站",
            f.community,
            106.806,
            39.605,
            &["reading"],
        ),
    )
    .await;

    // No login: the public finder.
    let r = app
        .api(
            "GET",
            "/api/v1/centres/nearest?service=legal&lon=106.816&lat=39.606",
            "",
            None,
        )
        .await;
    let v = ok(&r);
    let ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["place"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![b, a, c]);
    let d: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["distance_m"].as_i64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    assert!(d[0] < 200, "{d:?}");

    // From a community: the centroid of its grids (106.81–106.82 × 39.60–39.61).
    let r = app
        .api(
            "GET",
            &format!(
                "/api/v1/centres/nearest?service=legal&community_id={}",
                f.other_community
            ),
            "",
            None,
        )
        .await;
    assert_eq!(ok(&r)["items"][0]["place"]["id"], c);

    // The resident from home: their grid's centroid (106.805, 39.605).
    let v = ok(&app
        .api(
            "GET",
            "/api/v1/centres/nearest?service=legal&mine=true",
            f.token(Resident),
            None,
        )
        .await);
    assert_eq!(v["items"][0]["place"]["id"], a);
    assert_eq!(v["items"][0]["distance_m"], 0);

    // The domain query agrees.
    let n = network::nearest(
        &env.ctx,
        None,
        &network::NearestQuery {
            service: "legal".into(),
            lon: Some(106.85),
            lat: Some(39.6),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(n.items[0].place.id, c);

    // Bad input: no such service, no place.
    let r = app
        .api(
            "GET",
            "/api/v1/centres/nearest?service=nope&lon=106.8&lat=39.6",
            "",
            None,
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .api("GET", "/api/v1/centres/nearest?service=legal", "", None)
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["fields"][0]["field"], "location");

    // The public page without login.
    let page = app
        .get_page("/centres?service=legal&lon=106.816&lat=39.606", "")
        .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("阳光楼宇驿站") && html.contains("id=\"nearest\""),
        "{html}"
    );
    assert!(html.find("阳光楼宇驿站").unwrap() < html.find("公园社区党群服务中心").unwrap());
    let page = app.get_page(&format!("/centres/{a}"), "").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("周一至周五 8:30–18:00"));
    // Joint meetings are not public.
    let page = app.get_page("/joint-meetings", "").await;
    assert!(page.status.is_redirection());
}

#[tokio::test]
async fn bad_place_is_refused_and_nothing_saved() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let before = env
        .ctx
        .audit
        .list("/", &Default::default(), Default::default())
        .await
        .map(|p| p.total)
        .unwrap_or(0);
    let mut bad = place(
        "community_centre",
        "",
        f.sub,
        200.0,
        39.6,
        &["legal", "astrology"],
    );
    bad["phone"] = json!("12345");
    bad["model"] = json!(true);
    let r = app
        .api("POST", "/api/v1/centres", f.token(DistrictAdmin), Some(bad))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap().to_string())
        .collect();
    for want in ["unit_id", "name", "phone", "services", "location"] {
        assert!(fields.iter().any(|x| x == want), "{want} in {fields:?}");
    }
    let list = ok(&app.api("GET", "/api/v1/centres", "", None).await);
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let after = env
        .ctx
        .audit
        .list("/", &Default::default(), Default::default())
        .await
        .map(|p| p.total)
        .unwrap_or(0);
    assert_eq!(before, after);
    // A wrong version is a conflict and changes nothing.
    let id = create_place(
        &app,
        &f,
        place(
            "community_centre",
            "和平社区党群服务中心",
            f.community,
            106.805,
            39.605,
            &["legal"],
        ),
    )
    .await;
    let mut upd = place(
        "community_centre",
        "改名",
        f.community,
        106.805,
        39.605,
        &["legal"],
    );
    upd["version"] = json!(7);
    let r = app
        .api(
            "PATCH",
            &format!("/api/v1/centres/{id}"),
            f.token(DistrictAdmin),
            Some(upd),
        )
        .await;
    assert_eq!(r.status, 409);
    let v = ok(&app
        .api("GET", &format!("/api/v1/centres/{id}"), "", None)
        .await);
    assert_eq!(v["place"]["name"], "和平社区党群服务中心");
}

async fn body_with_members(app: &TestApp, f: &Fixture, token: &str) -> (i64, Vec<i64>) {
    let r = app
        .api("POST", "/api/v1/joint-meetings", token, Some(json!({
            "level": "community", "unit_id": f.community, "name": "和平社区党建联席会议", "convener": "社区党委书记 张丽",
            "members": [{"name": "和平社区党委", "kind": "party_org"}, {"name": "阳光物业服务有限公司", "kind": "property"}, {"name": "乌海市第六中学党支部", "kind": "unit", "party_org_id": 42}]
        })))
        .await;
    let id = ok(&r)["body"]["id"].as_i64().unwrap();
    let v = ok(&app
        .api("GET", &format!("/api/v1/joint-meetings/{id}"), token, None)
        .await);
    let members = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    (id, members)
}

#[tokio::test]
async fn meetings_record_attendance_and_resolutions_are_tracked_until_done() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let tok = f.token(CommunityStaff);
    let (body, m) = body_with_members(&app, &f, tok).await;

    // Attendance must cover every member.
    let r = app
        .api(
            "POST",
            &format!("/api/v1/joint-meetings/{body}/meetings"),
            tok,
            Some(json!({
                "day": "2026-10-10", "place": "和平社区议事厅", "agenda": ["研究停车难"],
                "attendance": [{"member_id": m[0], "status": "present"}]
            })),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("attendance"));
    // A deputy needs a name; a future meeting cannot be recorded.
    let r = app.api("POST", &format!("/api/v1/joint-meetings/{body}/meetings"), tok, Some(json!({
        "day": "2027-01-01", "place": "议事厅", "agenda": ["x"],
        "attendance": [{"member_id": m[0], "status": "present"}, {"member_id": m[1], "status": "deputy"}, {"member_id": m[2], "status": "absent"}]
    }))).await;
    assert_eq!(r.status, 422);
    let v = ok(&app
        .api("GET", &format!("/api/v1/joint-meetings/{body}"), tok, None)
        .await);
    assert_eq!(v["meetings"].as_array().unwrap().len(), 0);

    let r = app.api("POST", &format!("/api/v1/joint-meetings/{body}/meetings"), tok, Some(json!({
        "day": "2026-10-10", "place": "和平社区议事厅", "agenda": ["研究停车难", "部署冬季供暖"],
        "minutes": "会议由张丽主持，议定错时停车。",
        "attendance": [{"member_id": m[0], "status": "present"}, {"member_id": m[1], "status": "deputy", "deputy": "王强"}, {"member_id": m[2], "status": "absent"}],
        "resolutions": [
            {"title": "协调共建单位开放夜间停车", "owner_member_id": m[2], "deadline": "2026-11-20"},
            {"title": "供暖低温户排查", "owner": "阳光物业服务有限公司", "deadline": "2026-12-31"}
        ]
    }))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let meeting = r.json()["meeting"].clone();
    let att = meeting["attendance"].as_array().unwrap();
    assert_eq!(att.len(), 3);
    let of = |id: i64| att.iter().find(|a| a["member_id"] == id).unwrap().clone();
    assert_eq!(of(m[0])["status"], "present");
    assert_eq!(of(m[1])["status"], "deputy");
    assert_eq!(of(m[1])["deputy"], "王强");
    assert_eq!(of(m[2])["status"], "absent");

    let v = ok(&app
        .api("GET", &format!("/api/v1/joint-meetings/{body}"), tok, None)
        .await);
    let res = v["resolutions"].as_array().unwrap();
    let parking = res
        .iter()
        .find(|r| r["title"] == "协调共建单位开放夜间停车")
        .unwrap()
        .clone();
    assert_eq!(parking["owner"], "乌海市第六中学党支部");
    assert_eq!(
        parking["overdue"], true,
        "deadline 2026-11-20 passed on 2026-11-26"
    );
    let heating = res
        .iter()
        .find(|r| r["title"] == "供暖低温户排查")
        .unwrap()
        .clone();
    assert_eq!(heating["overdue"], false);

    // The tracker: open and overdue.
    let open = ok(&app
        .api(
            "GET",
            "/api/v1/joint-meetings/resolutions?level=community",
            tok,
            None,
        )
        .await);
    assert_eq!(open["items"].as_array().unwrap().len(), 2);
    let overdue = ok(&app
        .api(
            "GET",
            "/api/v1/joint-meetings/resolutions?overdue=true",
            tok,
            None,
        )
        .await);
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    assert_eq!(overdue["items"][0]["id"], parking["id"]);

    // Life cycle: open → in progress → done (with a note); done is final.
    let rid = parking["id"].as_i64().unwrap();
    let url = format!("/api/v1/joint-meetings/resolutions/{rid}/status");
    let v = ok(&app.api("POST", &url, tok, Some(json!({"status": "in_progress", "note": "已与学校对接", "version": parking["version"]}))).await);
    assert_eq!(v["resolution"]["status"], "in_progress");
    assert_eq!(v["resolution"]["overdue"], true);
    let ver = v["resolution"]["version"].clone();
    let r = app
        .api(
            "POST",
            &url,
            tok,
            Some(json!({"status": "done", "note": "", "version": ver})),
        )
        .await;
    assert_eq!(r.status, 422, "done needs a note");
    let r = app
        .api(
            "POST",
            &url,
            tok,
            Some(json!({"status": "open", "note": "x", "version": ver})),
        )
        .await;
    assert_eq!(r.status, 422, "no way back");
    let r = app
        .api(
            "POST",
            &url,
            tok,
            Some(json!({"status": "done", "note": "x", "done_day": "2026-12-01", "version": ver})),
        )
        .await;
    assert_eq!(r.status, 422, "not in the future");
    let v = ok(&app.api("POST", &url, tok, Some(json!({"status": "done", "note": "已开放夜间停车位120个", "done_day": "2026-11-25", "version": ver}))).await);
    assert_eq!(v["resolution"]["status"], "done");
    assert_eq!(v["resolution"]["overdue"], false);
    assert_eq!(v["resolution"]["done_day"], "2026-11-25");
    let r = app
        .api(
            "POST",
            &url,
            tok,
            Some(json!({"status": "done", "note": "again", "version": v["resolution"]["version"]})),
        )
        .await;
    assert_eq!(r.status, 422);
    let overdue = ok(&app
        .api(
            "GET",
            "/api/v1/joint-meetings/resolutions?overdue=true",
            tok,
            None,
        )
        .await);
    assert_eq!(overdue["items"].as_array().unwrap().len(), 0);

    // An appeal referred to the joint meeting, tracked by its number.
    let case = app
        .api(
            "POST",
            "/api/v1/cases",
            f.token(Resident),
            Some(json!({"category": "1104", "description": "楼上卫生间漏水严重，天花板渗水"})),
        )
        .await;
    let number = ok(&case)["case"]["number"].as_str().unwrap().to_string();
    let r = app.api("POST", &format!("/api/v1/joint-meetings/{body}/resolutions"), tok, Some(json!({"title": "协调物业维修漏水", "owner": "阳光物业服务有限公司", "deadline": "2026-12-10", "case_number": number}))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = app.api("POST", &format!("/api/v1/joint-meetings/{body}/resolutions"), tok, Some(json!({"title": "x", "owner": "y", "deadline": "2026-12-10", "case_number": "000000-0000"}))).await;
    assert_eq!(r.status, 422);
    let actor = jiceng_domain::auth::service::token_actor(&env.ctx, tok)
        .await
        .unwrap()
        .unwrap();
    let linked = network::resolutions_for_case(&env.ctx, &actor, &number)
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
}

#[tokio::test]
async fn access_follows_reach() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    // Community staff edit inside their community only.
    let r = app
        .api(
            "POST",
            "/api/v1/centres",
            f.token(CommunityStaff),
            Some(place(
                "community_centre",
                "和平社区党群服务中心",
                f.community,
                106.805,
                39.605,
                &["legal"],
            )),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = app
        .api(
            "POST",
            "/api/v1/centres",
            f.token(CommunityStaff),
            Some(place(
                "community_centre",
                "公园社区党群服务中心",
                f.other_community,
                106.855,
                39.605,
                &["legal"],
            )),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .api(
            "POST",
            "/api/v1/centres",
            f.token(GridWorker),
            Some(place("station", "驿站", f.community, 106.805, 39.605, &[])),
        )
        .await;
    assert_eq!(r.status, 403);

    let (body, _) = body_with_members(&app, &f, f.token(CommunityStaff)).await;
    // Sub-district staff of 凤凰岭 see it; a resident does not; a body elsewhere is out of reach.
    ok(&app
        .api(
            "GET",
            &format!("/api/v1/joint-meetings/{body}"),
            f.token(SubdistrictStaff),
            None,
        )
        .await);
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/joint-meetings/{body}"),
            f.token(Resident),
            None
        )
        .await
        .status,
        403
    );
    let other = ok(&app.api("POST", "/api/v1/joint-meetings", f.token(DistrictAdmin), Some(json!({"level": "subdistrict", "unit_id": f.other_sub, "name": "海北街道党建联席会议", "convener": "党工委书记 李明"}))).await)["body"]["id"].as_i64().unwrap();
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/joint-meetings/{other}"),
            f.token(SubdistrictStaff),
            None
        )
        .await
        .status,
        404
    );
    let list = ok(&app
        .api(
            "GET",
            "/api/v1/joint-meetings",
            f.token(SubdistrictStaff),
            None,
        )
        .await);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Level must fit the unit.
    let r = app
        .api(
            "POST",
            "/api/v1/joint-meetings",
            f.token(DistrictAdmin),
            Some(json!({"level": "district", "unit_id": f.sub, "name": "x", "convener": "y"})),
        )
        .await;
    assert_eq!(r.status, 422);

    // Reform lists: read within reach, edited by the district administrator only.
    let item = json!({"list": "function", "name": "加强党的建设"});
    let url = format!("/api/v1/subdistricts/{}/reform/items", f.sub);
    assert_eq!(
        app.api("POST", &url, f.token(SubdistrictStaff), Some(item.clone()))
            .await
            .status,
        403
    );
    assert_eq!(
        app.api("POST", &url, f.token(DistrictAdmin), Some(item))
            .await
            .status,
        201
    );
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/subdistricts/{}/reform", f.sub),
            f.token(SubdistrictStaff),
            None,
        )
        .await);
    assert_eq!(v["functions"][0]["name"], "加强党的建设");
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/subdistricts/{}/reform", f.other_sub),
            f.token(SubdistrictStaff),
            None
        )
        .await
        .status,
        404
    );
    // An organ needs its category; nothing is saved.
    let r = app
        .api(
            "POST",
            &url,
            f.token(DistrictAdmin),
            Some(json!({"list": "organ", "name": "党政综合办公室", "category": "bureau"})),
        )
        .await;
    assert_eq!(r.status, 422);
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/subdistricts/{}/reform", f.sub),
            f.token(DistrictAdmin),
            None,
        )
        .await);
    assert_eq!(v["organs"].as_array().unwrap().len(), 0);
    // The delegated-items seam.
    let r = app
        .api(
            "PUT",
            &format!("/api/v1/subdistricts/{}/reform/delegated", f.sub),
            f.token(DistrictAdmin),
            Some(json!({"items": null, "note": "待服务事项能力填入"})),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = app
        .api(
            "PUT",
            &format!("/api/v1/subdistricts/{}/reform/delegated", f.sub),
            f.token(DistrictAdmin),
            Some(json!({"items": -3})),
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn figures_are_computed_from_the_data() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let get = |figs: &[jiceng_domain::figures::Figure], k: &str| {
        figs.iter().find(|x| x.key == k).unwrap().computed.clone()
    };
    let figs = network::figures(&env.ctx).await.unwrap();
    assert_eq!(get(&figs, "service_centre_alliance"), "0+0+0");

    create_place(
        &app,
        &f,
        place(
            "district_centre",
            "海勃湾区党群服务中心",
            f.district,
            106.80,
            39.60,
            &["legal"],
        ),
    )
    .await;
    create_place(
        &app,
        &f,
        place(
            "subdistrict_centre",
            "凤凰岭街道党群服务中心",
            f.sub,
            106.80,
            39.60,
            &["legal"],
        ),
    )
    .await;
    create_place(
        &app,
        &f,
        place(
            "subdistrict_centre",
            "海北街道党群服务中心",
            f.other_sub,
            106.80,
            39.60,
            &["legal"],
        ),
    )
    .await;
    for (name, unit, model) in [
        ("和平", f.community, true),
        ("公园", f.other_community, true),
        ("和平二", f.community, false),
    ] {
        let mut p = place(
            "community_centre",
            &format!("{name}社区党群服务中心"),
            unit,
            106.80,
            39.60,
            &["legal"],
        );
        p["model"] = json!(model);
        create_place(&app, &f, p).await;
    }
    create_place(
        &app,
        &f,
        place(
            "station",
            "万达广场楼宇党群服务驿站",
            f.community,
            106.80,
            39.60,
            &[],
        ),
    )
    .await;
    create_place(
        &app,
        &f,
        place(
            "business_site",
            "益家商圈党建联盟",
            f.community,
            106.80,
            39.60,
            &[],
        ),
    )
    .await;
    create_place(
        &app,
        &f,
        place(
            "business_site",
            "万达广场党建联盟",
            f.community,
            106.80,
            39.60,
            &[],
        ),
    )
    .await;
    for sub in [f.sub, f.other_sub] {
        let url = format!("/api/v1/subdistricts/{sub}/reform/items");
        for n in ["加强党的建设", "领导群众自治", "统筹社区发展"] {
            ok(&app
                .api(
                    "POST",
                    &url,
                    admin,
                    Some(json!({"list": "function", "name": n})),
                )
                .await);
        }
        for n in ["重大项目建议权", "重大规划话语权"] {
            ok(&app
                .api(
                    "POST",
                    &url,
                    admin,
                    Some(json!({"list": "right", "name": n})),
                )
                .await);
        }
        for (n, c) in [
            ("党政综合办公室", "office"),
            ("党建工作办公室", "office"),
            ("综合便民服务中心", "centre"),
        ] {
            ok(&app
                .api(
                    "POST",
                    &url,
                    admin,
                    Some(json!({"list": "organ", "name": n, "category": c})),
                )
                .await);
        }
        for k in ["司法所", "财政所"] {
            ok(&app
                .api(
                    "POST",
                    &url,
                    admin,
                    Some(json!({"list": "station", "name": format!("{sub}{k}"), "category": k})),
                )
                .await);
        }
    }
    // One more function in one sub-district: the mode is still 3.
    ok(&app
        .api(
            "POST",
            &format!("/api/v1/subdistricts/{}/reform/items", f.sub),
            admin,
            Some(json!({"list": "station", "name": "文化站", "category": "综合文化站"})),
        )
        .await);

    let figs = network::figures(&env.ctx).await.unwrap();
    assert_eq!(get(&figs, "service_centre_alliance"), "1+2+3");
    assert_eq!(get(&figs, "model_communities"), "2");
    assert_eq!(get(&figs, "service_stations"), "1");
    assert_eq!(get(&figs, "model_organ_posts"), "0");
    assert_eq!(get(&figs, "business_demonstration_sites"), "2");
    assert_eq!(get(&figs, "subdistrict_functions"), "3");
    assert_eq!(get(&figs, "subdistrict_rights"), "2");
    assert_eq!(get(&figs, "subdistrict_organs"), "2+1");
    assert_eq!(get(&figs, "integrated_station_kinds"), "3");
    assert!(figs.iter().all(|x| !x.agrees || x.computed == x.seed));
    assert_eq!(
        figs.iter()
            .find(|x| x.key == "service_centre_alliance")
            .unwrap()
            .seed,
        "1+7+41"
    );
}

#[tokio::test]
async fn pages_render_and_forms_work() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let id = create_place(
        &app,
        &f,
        place(
            "community_centre",
            "和平社区党群服务中心",
            f.community,
            106.805,
            39.605,
            &["legal", "party_edu"],
        ),
    )
    .await;
    let (body, m) = body_with_members(&app, &f, f.token(DistrictAdmin)).await;
    let (session, csrf) = app
        .login(login_of(DistrictAdmin), PASSWORD)
        .await
        .expect("login");
    let cookie = format!("jiceng_session={session}");
    for (url, want) in [
        ("/centres".to_string(), "和平社区党群服务中心"),
        (format!("/centres/{id}"), "登记活动"),
        ("/centres/new".to_string(), "新增党群服务阵地"),
        ("/joint-meetings".to_string(), "和平社区党建联席会议"),
        (format!("/joint-meetings/{body}"), "记录一次会议"),
        ("/resolutions".to_string(), "决议事项"),
        ("/subdistricts".to_string(), "凤凰岭街道"),
        (format!("/subdistricts/{}/reform", f.sub), "下放服务事项"),
    ] {
        let p = app.get_page(&url, &session).await;
        assert_eq!(p.status, 200, "{url}");
        assert!(p.text().contains(want), "{url} lacks {want}");
    }
    // An activity through the form.
    let r = app.post_form(&format!("/centres/{id}/activities"), &cookie, &format!("csrf={csrf}&day=2026-11-20&title=%E6%B3%95%E5%BE%8B%E5%92%A8%E8%AF%A2%E4%BE%BF%E6%B0%91%E9%9B%86%E5%B8%82&kind=service&participants=40&summary=")).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
    assert!(
        app.get_page(&format!("/centres/{id}"), &session)
            .await
            .text()
            .contains("法律咨询便民集市")
    );
    // A bad form re-renders with the error and saves nothing.
    let r = app
        .post_form(
            &format!("/centres/{id}/activities"),
            &cookie,
            &format!("csrf={csrf}&day=yesterday&title=&kind=service"),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("data-field=\"day\""));
    // A meeting through the form, with attendance.
    let form = format!(
        "csrf={csrf}&day=2026-11-01&place=%E8%AE%AE%E4%BA%8B%E5%8E%85&agenda=%E5%81%9C%E8%BD%A6&minutes=&att_{}=present&att_{}=deputy&dep_{}=%E7%8E%8B%E5%BC%BA&att_{}=absent&res_title_1=%E5%BC%80%E6%94%BE%E5%81%9C%E8%BD%A6&res_owner_1=%E7%89%A9%E4%B8%9A&res_deadline_1=2026-12-01",
        m[0], m[1], m[1], m[2]
    );
    let r = app
        .post_form(&format!("/joint-meetings/{body}/meetings"), &cookie, &form)
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
    let page = app
        .get_page(&format!("/joint-meetings/{body}"), &session)
        .await
        .text();
    assert!(page.contains("att-deputy") && page.contains("王强") && page.contains("开放停车"));
    // Wrong CSRF is refused.
    let r = app
        .post_form(
            &format!("/joint-meetings/{body}/members"),
            &cookie,
            "csrf=nope&name=x&kind=unit",
        )
        .await;
    assert_eq!(r.status, 422);
}
