//! The API and pages end to end, in-process: imports and their reports, bad input,
//! sign-in, health, metrics and the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::Request;
use jiceng_core::Role::*;
use jiceng_testkit::{TestApp, env, fixture, id_number};
use serde_json::json;

async fn import(
    app: &TestApp,
    token: &str,
    kind: &str,
    name: &str,
    body: Vec<u8>,
    query: &str,
) -> jiceng_testkit::Reply {
    app.send(
        Request::builder()
            .method("POST")
            .uri(format!("/api/v1/import/{kind}?file_name={name}{query}"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn people_csv(rows: &[String]) -> String {
    let mut s = String::from(
        "grid_code,estate,building,unit,room,name,id_number,phone,ethnicity,relation,labels\n",
    );
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[tokio::test]
async fn people_import_all_or_nothing_with_a_report() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let good = id_number((1980, 2, 3), 51);
    let mut bad_check = id_number((1981, 2, 3), 53);
    bad_check.replace_range(17..18, if bad_check.ends_with('1') { "2" } else { "1" });
    let csv = people_csv(&[
        format!("150302001002001,阳光小区,2,1,201,赵一,{good},13811112222,汉族,户主,独居老人"),
        format!("150302001002001,阳光小区,2,1,202,钱二,{bad_check},,,,"),
        format!(
            "999999999999999,阳光小区,2,1,203,孙三,{},,,,",
            id_number((1982, 2, 3), 55)
        ),
        format!(
            "150302001002001,阳光小区,2,1,204,李四,{},,,,未知标签",
            id_number((1983, 2, 3), 57)
        ),
    ]);
    let before = app
        .api("GET", &format!("/api/v1/units/{}", f.district), admin, None)
        .await
        .json()["stats"]
        .clone();
    let r = import(
        &app,
        admin,
        "people",
        "people.csv",
        csv.clone().into_bytes(),
        "",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let j = r.json();
    assert_eq!(j["applied"], false);
    let lines: Vec<i64> = j["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5], "{}", j["report"]);
    let after = app
        .api("GET", &format!("/api/v1/units/{}", f.district), admin, None)
        .await
        .json()["stats"]
        .clone();
    assert_eq!(before, after, "nothing imported");
    // Skipping bad rows imports the good one, building the missing 2号楼/1单元.
    let r = import(
        &app,
        admin,
        "people",
        "people.csv",
        csv.into_bytes(),
        "&skip_bad=true",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["created"], 1);
    assert_eq!(r.json()["skipped"], 3);
    let found = app
        .api("GET", &format!("/api/v1/residents?q={good}"), admin, None)
        .await
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["labels"], json!(["elderly_alone"]));
    assert_eq!(
        found["items"][0]["id_number"],
        jiceng_core::mask::id_number(&good)
    );
    // Re-importing the same person is refused (already recorded).
    let csv = people_csv(&[format!("150302001002001,阳光小区,2,1,201,赵一,{good},,,,")]);
    let r = import(&app, admin, "people", "people.csv", csv.into_bytes(), "").await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn people_import_reads_gbk_csv_and_xlsx_with_chinese_headers() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let id1 = id_number((1970, 1, 1), 61);
    let csv = format!(
        "网格编码,小区,楼栋,单元,户号,姓名,身份证号,电话,民族,与户主关系,标签\n150302001002002,幸福家园,5,2,502,周五,{id1},13912340000,蒙古族,户主,\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let r = import(&app, admin, "people", "gbk.csv", gbk.to_vec(), "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["created"], 1);
    let id2 = id_number((1971, 1, 1), 63);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in [
        "网格编码",
        "小区",
        "楼栋",
        "单元",
        "户号",
        "姓名",
        "身份证号",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    for (i, v) in ["150302001002002", "幸福家园", "5", "2", "503", "吴六", &id2]
        .iter()
        .enumerate()
    {
        ws.write_string(1, i as u16, *v).unwrap();
    }
    let r = import(
        &app,
        admin,
        "people",
        "p.xlsx",
        wb.save_to_buffer().unwrap(),
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let found = app
        .api("GET", "/api/v1/residents?q=吴六", admin, None)
        .await
        .json();
    assert_eq!(found["total"], 1);
    // Both went into the same new estate and building.
    let grid = app
        .api(
            "GET",
            &format!("/api/v1/units/{}", f.other_grid),
            admin,
            None,
        )
        .await
        .json();
    assert_eq!(
        grid["children"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == "幸福家园")
            .count(),
        1
    );
}

#[tokio::test]
async fn division_import_reports_every_bad_row_and_changes_nothing() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let csv = "level,code,name,parent_code\n\
               street,150302009,新街道,150302\n\
               community,150302009001,新社区居委会,150302009\n\
               community,150302999001,孤儿社区居委会,150302999\n\
               community,150302009001,重复社区居委会,150302009\n\
               street,150302001,凤凰岭街道改名,150302\n";
    let r = import(
        &app,
        admin,
        "divisions",
        "d.csv",
        csv.as_bytes().to_vec(),
        "",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let errs = r.json()["report"]["errors"].as_array().unwrap().clone();
    let lines: Vec<i64> = errs.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert!(
        lines.contains(&4) && lines.contains(&5) && lines.contains(&6),
        "{errs:?}"
    );
    assert!(
        app.api("GET", "/api/v1/units/by-code/150302009", admin, None)
            .await
            .status
            == 404
    );
    // Missing column and wrong encoding are whole-file errors.
    let r = import(
        &app,
        admin,
        "divisions",
        "d.csv",
        b"level,code,name\nstreet,150302009,x\n".to_vec(),
        "",
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("parent_code"));
    let r = import(
        &app,
        admin,
        "divisions",
        "d.csv",
        vec![0xff, 0xfe, 0xfd, 0x00, 0x81, 0x20, 0xff],
        "",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    // Re-importing the real file changes nothing and reports it unchanged.
    let r = import(
        &app,
        admin,
        "divisions",
        "h.csv",
        jiceng_domain::demo::DIVISIONS_CSV.as_bytes().to_vec(),
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        (r.json()["created"].as_i64(), r.json()["unchanged"].as_i64()),
        (Some(0), Some(52))
    );
}

/// A division list of several megabytes goes through the API (axum's own 2 MB limit on
/// request bodies once refused it before the import saw it).
#[tokio::test]
async fn a_division_list_of_megabytes_is_accepted_by_the_api() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let csv = jiceng_testkit::division_csv(20..100);
    assert!(csv.len() > 3 << 20, "{} bytes", csv.len());
    let r = import(
        &app,
        admin,
        "divisions",
        "big.csv",
        csv.into_bytes(),
        "&dry_run=true",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["created"], 80 * 1000);
    assert_eq!(r.json()["applied"], false);
}

#[tokio::test]
async fn grid_import_creates_updates_and_refuses_bad_polygons() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let sq = |x: f64| {
        json!([[
            [x, 39.7],
            [x + 0.01, 39.7],
            [x + 0.01, 39.71],
            [x, 39.71],
            [x, 39.7]
        ]])
    };
    let bowtie = json!([[
        [106.9, 39.7],
        [106.91, 39.71],
        [106.91, 39.7],
        [106.9, 39.71],
        [106.9, 39.7]
    ]]);
    let fc = |features: Vec<serde_json::Value>| {
        json!({"type": "FeatureCollection", "features": features})
            .to_string()
            .into_bytes()
    };
    let feat = |code: &str, coords: serde_json::Value| json!({"type": "Feature", "properties": {"code": code, "name": format!("网格{code}"), "grid_type": "单元型"}, "geometry": {"type": "Polygon", "coordinates": coords}});
    let body = fc(vec![
        feat("150302001003009", sq(106.9)),
        feat("150302001003010", bowtie),
    ]);
    let r = import(&app, admin, "grids", "g.geojson", body, "").await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["report"]["errors"][0]["line"], 2);
    assert_eq!(
        app.api("GET", "/api/v1/units/by-code/150302001003009", admin, None)
            .await
            .status,
        404
    );
    // A good file creates one grid and moves another's boundary.
    let body = fc(vec![
        feat("150302001003009", sq(106.9)),
        feat("150302001002001", sq(106.95)),
    ]);
    let r = import(&app, admin, "grids", "g.geojson", body, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (r.json()["created"].as_i64(), r.json()["updated"].as_i64()),
        (Some(1), Some(1))
    );
    let g = app
        .api("GET", "/api/v1/units/by-code/150302001003009", admin, None)
        .await
        .json();
    assert_eq!(g["grid_type"], "building_unit");
    let geo = app
        .api(
            "GET",
            &format!("/api/v1/units/{}/grids.geojson", f.district),
            admin,
            None,
        )
        .await;
    assert_eq!(geo.json()["features"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn bad_fields_are_named_in_the_users_language_and_nothing_is_saved() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let t = f.token(GridWorker);
    let mut req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/households/{}/residents", f.household))
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(Body::from(
            json!({"name": "", "id_number": "150302199001011235", "phone": "12"}).to_string(),
        ))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, 422);
    let j = r.json();
    assert_eq!(j["code"], "validation_failed");
    let fields: Vec<&str> = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "id_number", "phone"]);
    assert!(
        j["fields"][1]["message"]
            .as_str()
            .unwrap()
            .contains("check digit")
    );
    req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/households/{}/residents", f.household))
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"name": "王<script>", "id_number": "1503"}).to_string(),
        ))
        .unwrap();
    let j = app.send(req).await.json();
    assert!(
        j["message"].as_str().unwrap().contains("身份证号应为18位"),
        "{j}"
    );
    let h = app
        .api(
            "GET",
            &format!("/api/v1/households/{}", f.household),
            t,
            None,
        )
        .await
        .json();
    assert_eq!(h["members"].as_array().unwrap().len(), 2, "nothing saved");
    // The page form shows each field's error and keeps what was typed.
    let (session, csrf) = app.login("wangge", jiceng_testkit::PASSWORD).await.unwrap();
    let r = app
        .post_form(
            &format!("/households/{}/residents", f.household),
            &format!("jiceng_session={session}"),
            &format!("csrf={csrf}&name=%E8%B5%B5%E5%85%AD&id_number=150302199001011235&phone=&ethnicity=%E6%B1%89%E6%97%8F&relation="),
        )
        .await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("身份证号校验位错误"), "{html}");
    assert!(html.contains("value=\"赵六\""));
}

#[tokio::test]
async fn logins_are_throttled_and_failures_audited() {
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    for _ in 0..5 {
        assert!(app.login("wangge", "wrong-password").await.is_none());
    }
    // Even the right password is refused while locked.
    assert!(
        app.login("wangge", jiceng_testkit::PASSWORD)
            .await
            .is_none()
    );
    env.clock.advance(chrono::Duration::minutes(16));
    assert!(
        app.login("wangge", jiceng_testkit::PASSWORD)
            .await
            .is_some()
    );
    let audit = env
        .ctx
        .audit
        .list(
            "/",
            &jiceng_core::audit::AuditFilter {
                action: Some("auth.login_failed".into()),
                ..Default::default()
            },
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 5);
}

#[tokio::test]
async fn session_cookie_is_httponly_and_samesite() {
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let page = app
        .send(
            Request::builder()
                .uri("/login")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let pre = page.cookie("jiceng_pre").unwrap();
    let r = app
        .post_form(
            "/login",
            &format!("jiceng_pre={pre}"),
            &format!(
                "login=admin&password={}&csrf={pre}&next=//evil.example",
                jiceng_testkit::encode(jiceng_testkit::PASSWORD)
            ),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/home", "no open redirect");
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("jiceng_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = app
        .send(
            Request::builder()
                .uri("/healthz")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "ok"));
    assert!(r.headers.contains_key("x-request-id"));
    app.api(
        "GET",
        &format!("/api/v1/units/{}", f.grid),
        f.token(GridWorker),
        None,
    )
    .await;
    let m = app
        .send(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(m.contains("jiceng_http_requests_total{method=\"GET\",route=\"/api/v1/units/{id}\",status=\"200\"} 1"), "{m}");
    let doc = app
        .send(
            Request::builder()
                .uri("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/units/{id}"]["get"].is_object());
}

#[tokio::test]
async fn every_page_renders_for_every_role() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let (session, _) = app.login("admin", jiceng_testkit::PASSWORD).await.unwrap();
    for uri in [
        "/home".to_string(),
        format!("/org/{}", f.district),
        format!("/org/{}", f.community),
        format!("/org/{}", f.grid),
        format!("/org/{}", f.unit),
        format!("/org/{}/history", f.grid),
        format!("/residents?unit={}", f.grid),
        "/residents?label=elderly_alone".into(),
        format!("/residents/{}", f.resident),
        format!("/households/{}", f.household),
        "/import".into(),
        "/audit?action=org".into(),
        "/users".into(),
    ] {
        let r = app.get_page(&uri, &session).await;
        assert_eq!(r.status, 200, "{uri}: {}", r.text());
        assert!(r.text().contains("</html>"), "{uri}");
    }
    let grid = app
        .get_page(&format!("/org/{}", f.grid), &session)
        .await
        .text();
    assert!(
        grid.contains("<svg class=\"map\"") && grid.contains("网格长") == grid.contains("posts")
    );
    let xlsx = app
        .get_page(&format!("/org/{}/residents.xlsx", f.community), &session)
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"));
    // English.
    let r = app
        .send(
            Request::builder()
                .uri("/home")
                .header("cookie", format!("jiceng_session={session}; lang=en"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(r.contains("Residents") && r.contains("lang=\"en\""));
}

#[tokio::test]
async fn labels_are_configurable_by_the_district() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let body =
        json!({"code": "pregnant", "name_zh": "孕产妇", "name_en": "Pregnant or new mother"});
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/labels",
            f.token(CommunityStaff),
            Some(body.clone())
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/labels",
            f.token(DistrictAdmin),
            Some(body.clone())
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.api("POST", "/api/v1/labels", f.token(DistrictAdmin), Some(body))
            .await
            .status,
        422
    );
    let bad = json!({"code": "Bad Code", "name_zh": "", "name_en": "x"});
    let r = app
        .api("POST", "/api/v1/labels", f.token(DistrictAdmin), Some(bad))
        .await;
    assert_eq!(r.json()["fields"].as_array().unwrap().len(), 2);
    // The new label can be given to a resident.
    let r = app
        .api("POST", &format!("/api/v1/households/{}/residents", f.household), f.token(GridWorker),
            Some(json!({"name": "新人", "id_number": id_number((1995, 5, 5), 71), "labels": ["孕产妇"]})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["labels"], json!(["pregnant"]));
}
