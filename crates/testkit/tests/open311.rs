//! Open311 GeoReport v2 end to end, in-process: discovery, services and their
//! definitions, creating requests (with idempotency and the spec's errors), listing and
//! fetching requests in JSON and XML, and token lookups.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::Request;
use jiceng_testkit::{Reply, TestApp, encode, env, fixture};
use serde_json::Value;

const BASE: &str = "/open311/v2";

async fn get(app: &TestApp, path: &str) -> Reply {
    app.send(
        Request::builder()
            .uri(format!("{BASE}{path}"))
            .header("host", "jiceng.example.cn")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(app: &TestApp, path: &str, pairs: &[(&str, &str)], idem: Option<&str>) -> Reply {
    let mut b = Request::builder()
        .method("POST")
        .uri(format!("{BASE}{path}"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(k) = idem {
        b = b.header("idempotency-key", k);
    }
    app.send(b.body(Body::from(form(pairs))).unwrap()).await
}

/// The number of requests GET requests.json lists (the last 90 days).
async fn count(app: &TestApp) -> usize {
    let r = get(app, "/requests.json").await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json().as_array().unwrap().len()
}

/// Asserts the spec's error body in JSON with the same code as the status.
fn assert_error(r: &Reply, status: u16, contains: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
    );
    let j = r.json();
    let errors = j.as_array().unwrap_or_else(|| panic!("not a list: {j}"));
    assert!(!errors.is_empty());
    for e in errors {
        assert_eq!(e["code"], status, "{j}");
        assert!(e["description"].is_string(), "{j}");
    }
    assert!(
        errors
            .iter()
            .any(|e| e["description"].as_str().unwrap().contains(contains)),
        "{j}"
    );
}

#[tokio::test]
async fn discovery_in_json_and_xml() {
    let env = env().await;
    fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = get(&app, "/discovery.json").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/json; charset=utf-8");
    let j = r.json();
    assert!(j["changeset"].is_string());
    assert!(j["contact"].is_string());
    assert!(j["key_service"].is_string());
    let ep = &j["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(ep["url"], "http://jiceng.example.cn/open311/v2");
    assert_eq!(ep["type"], "production");
    let formats: Vec<&str> = ep["formats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(formats, ["application/json", "text/xml"]);

    let r = get(&app, "/discovery.xml").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/xml; charset=utf-8");
    let x = r.text();
    assert!(
        x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"),
        "{x}"
    );
    assert!(x.contains(
        "<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>\
         <url>http://jiceng.example.cn/open311/v2</url>"
    ));
    assert!(x.contains(
        "<type>production</type><formats><format>application/json</format>\
         <format>text/xml</format></formats></endpoint></endpoints></discovery>"
    ));

    // An unknown format or resource: 404 with the spec's body.
    let r = get(&app, "/discovery.csv").await;
    assert_eq!(r.status, 404);
    assert!(
        r.text().contains("<errors><error><code>404</code>"),
        "{}",
        r.text()
    );
    let r = get(&app, "/services/1104.csv").await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("<errors><error><code>404</code>"));
    assert_error(&get(&app, "/nothing.json").await, 404, "not found");
}

#[tokio::test]
async fn services_and_definitions() {
    let env = env().await;
    fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = get(&app, "/services.json").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();
    let list = list.as_array().unwrap();
    let find = |code: &str| list.iter().find(|s| s["service_code"] == code).cloned();
    let leak = find("1104").expect("1104 is a service");
    assert_eq!(leak["service_name"], "房屋漏水");
    assert_eq!(leak["metadata"], true);
    assert_eq!(leak["type"], "realtime");
    assert_eq!(leak["keywords"], "");
    assert_eq!(leak["group"], "物业服务");
    assert!(leak["description"].is_string());
    assert_eq!(find("1101").unwrap()["metadata"], false);
    // Both-source classes are offered; patrol-only ones and top-level ones are not.
    assert!(find("0301").is_some());
    assert!(find("0303").is_none(), "patrol-only");
    assert!(find("0101").is_none(), "patrol-only");
    assert!(find("11").is_none(), "not a leaf");
    assert!(list.iter().all(|s| s["service_code"].is_string()));

    // English names on request.
    let r = app
        .send(
            Request::builder()
                .uri(format!("{BASE}/services.json"))
                .header("accept-language", "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let en = r.json();
    let leak = en
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "1104")
        .unwrap()
        .clone();
    assert_eq!(leak["service_name"], "Leak in a home");
    assert_eq!(leak["group"], "Property services");

    let x = get(&app, "/services.xml").await.text();
    assert!(x.contains("<services><service><service_code>"), "{x}");
    assert!(x.contains("<service_code>1104</service_code><service_name>房屋漏水</service_name>"));
    assert!(x.contains(
        "<metadata>true</metadata><type>realtime</type><keywords></keywords><group>物业服务</group>"
    ));

    let r = get(&app, "/services/1104.json").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json();
    assert_eq!(d["service_code"], "1104");
    let a = &d["attributes"][0];
    assert_eq!(a["code"], "floor");
    assert_eq!(a["variable"], true);
    assert_eq!(a["datatype"], "number");
    assert_eq!(a["required"], false);
    assert_eq!(a["order"], 1);
    assert!(a["description"].as_str().unwrap().contains("楼层"));

    let d = get(&app, "/services/0103.json").await.json();
    assert_eq!(d["attributes"][0]["datatype"], "singlevaluelist");
    assert_eq!(
        d["attributes"][0]["values"][0],
        serde_json::json!({"key": "minor", "name": "渗漏 / Seeping"})
    );
    let x = get(&app, "/services/0103.xml").await.text();
    assert!(x.contains("<service_definition><service_code>0103</service_code><attributes><attribute><variable>true</variable><code>severity</code>"), "{x}");
    assert!(x.contains("<values><value><key>minor</key><name>渗漏 / Seeping</name></value>"));

    assert_error(&get(&app, "/services/0303.json").await, 404, "service_code");
    assert_error(&get(&app, "/services/9999.json").await, 404, "service_code");
}

#[tokio::test]
async fn requests_end_to_end() {
    let env = env().await;
    fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let key = jiceng_domain::appeals::service::issue_open311_key(
        &env.ctx,
        &jiceng_core::Actor::system(),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(count(&app).await, 0);
    let good: Vec<(&str, &str)> = vec![
        ("api_key", &key),
        ("service_code", "1104"),
        ("lat", "39.605"),
        ("long", "106.805"),
        ("description", "楼上漏水，天花板渗水"),
        ("attribute[floor]", "3"),
        ("first_name", "三"),
        ("last_name", "张"),
        ("phone", "13912345678"),
        ("email", "z@example.cn"),
    ];
    let r = post(&app, "/requests.json", &good, Some("idem-1")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let id = j[0]["service_request_id"]
        .as_str()
        .expect("a string id")
        .to_string();
    assert!(j[0]["service_notice"].is_string());
    assert!(j[0]["account_id"].is_null());
    // A retry with the same key answers with the same request and stores nothing new.
    let r = post(&app, "/requests.json", &good, Some("idem-1")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()[0]["service_request_id"], id.as_str());
    assert_eq!(count(&app).await, 1);

    // Errors, each in the spec's body and each storing nothing.
    let without_key: Vec<_> = good
        .iter()
        .filter(|(k, _)| *k != "api_key")
        .cloned()
        .collect();
    assert_error(
        &post(&app, "/requests.json", &without_key, None).await,
        403,
        "api_key",
    );
    let mut bad_key = without_key.clone();
    bad_key.push(("api_key", "not-a-key"));
    assert_error(
        &post(&app, "/requests.json", &bad_key, None).await,
        403,
        "api_key",
    );
    let with = |name: &'static str, value: &'static str| -> Vec<(&str, &str)> {
        let mut f: Vec<(&str, &str)> = good.iter().filter(|(k, _)| *k != name).cloned().collect();
        f.push((name, value));
        f
    };
    assert_error(
        &post(&app, "/requests.json", &with("service_code", "9999"), None).await,
        400,
        "service_code not found",
    );
    assert_error(
        &post(&app, "/requests.json", &with("service_code", "0303"), None).await,
        400,
        "service_code not found",
    );
    let no_place: Vec<_> = good
        .iter()
        .filter(|(k, _)| *k != "lat" && *k != "long")
        .cloned()
        .collect();
    assert_error(
        &post(&app, "/requests.json", &no_place, None).await,
        400,
        "location",
    );
    let long_text = "漏".repeat(4001);
    let mut too_long: Vec<(&str, &str)> = good
        .iter()
        .filter(|(k, _)| *k != "description")
        .cloned()
        .collect();
    too_long.push(("description", &long_text));
    assert_error(
        &post(&app, "/requests.json", &too_long, None).await,
        400,
        "description",
    );
    assert_error(
        &post(
            &app,
            "/requests.json",
            &with("description", "<script>alert(1)</script>"),
            None,
        )
        .await,
        400,
        "description",
    );
    let mut outside: Vec<(&str, &str)> = no_place.clone();
    outside.push(("lat", "39.9"));
    outside.push(("long", "116.4"));
    assert_error(
        &post(&app, "/requests.json", &outside, None).await,
        400,
        "lat/long",
    );
    assert_error(
        &post(
            &app,
            "/requests.json",
            &with("media_url", "javascript:alert(1)"),
            None,
        )
        .await,
        400,
        "media_url",
    );
    assert_error(
        &post(
            &app,
            "/requests.json",
            &with("attribute[floor]", "three"),
            None,
        )
        .await,
        400,
        "attribute[floor]",
    );
    // The XML form of an error.
    let r = post(&app, "/requests.xml", &without_key, None).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.headers["content-type"], "text/xml; charset=utf-8");
    assert!(
        r.text().starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>403</code><description>"
        ),
        "{}",
        r.text()
    );
    assert_eq!(count(&app).await, 1, "nothing stored on errors");

    // The case as Jiceng recorded it.
    let case = env.ctx.appeals.case_by_number(&id).await.unwrap().unwrap();
    assert_eq!(case.channel, jiceng_domain::appeals::Channel::Open311);
    assert_eq!(case.reporter_name, "张三");
    assert_eq!(case.attributes["floor"], "3");

    // Listing by id: public fields only, ids as strings.
    let r = get(&app, &format!("/requests.json?service_request_id={id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let req = &list[0];
    assert_eq!(req["service_request_id"], id.as_str());
    assert_eq!(req["status"], "open");
    assert_eq!(req["service_code"], "1104");
    assert_eq!(req["service_name"], "房屋漏水");
    assert_eq!(req["description"], "楼上漏水，天花板渗水");
    assert_eq!(req["lat"], 39.605);
    assert_eq!(req["long"], 106.805);
    assert_eq!(
        req["requested_datetime"].as_str().unwrap(),
        "2026-11-26T10:00:00+08:00"
    );
    assert!(req["address_id"].is_null() && req["zipcode"].is_null());
    let text = list.to_string();
    assert!(!text.contains("张三") && !text.contains("13912345678") && !text.contains("z@"));

    let r = get(&app, &format!("/requests.xml?service_request_id={id}")).await;
    assert_eq!(r.status, 200);
    let x = r.text();
    assert!(x.contains("<service_requests><request>"), "{x}");
    assert!(x.contains(&format!("<service_request_id>{id}</service_request_id>")));
    assert!(x.contains("<status>open</status>"));

    let r = get(&app, &format!("/requests/{id}.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[0]["service_request_id"], id.as_str());
    let r = get(&app, &format!("/requests/{id}.xml")).await;
    assert!(
        r.text()
            .contains(&format!("<service_request_id>{id}</service_request_id>"))
    );
    assert_error(
        &get(&app, "/requests/000000-0000.json").await,
        404,
        "not found",
    );

    // Tokens.
    let r = get(&app, &format!("/tokens/{}.json", case.track_token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()[0]["service_request_id"], id.as_str());
    assert_eq!(r.json()[0]["token"], case.track_token.as_str());
    assert_error(&get(&app, "/tokens/nope.json").await, 404, "token");

    // Filters.
    let n = |r: Reply| {
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().as_array().unwrap().len()
    };
    assert_eq!(n(get(&app, "/requests.json?status=open").await), 1);
    assert_eq!(n(get(&app, "/requests.json?status=closed").await), 0);
    assert_eq!(n(get(&app, "/requests.json?status=open,closed").await), 1);
    assert_eq!(n(get(&app, "/requests.json?service_code=1104").await), 1);
    assert_eq!(
        n(get(&app, "/requests.json?service_code=1101,1102").await),
        0
    );
    assert_eq!(
        n(get(&app, "/requests.json?service_code=1101,1104").await),
        1
    );
    assert_eq!(
        n(get(
            &app,
            "/requests.json?start_date=2026-12-01T00:00:00%2B08:00"
        )
        .await),
        0
    );
    assert_eq!(
        n(get(
            &app,
            "/requests.json?start_date=2026-11-01T00:00:00%2B08:00&end_date=2026-11-30T00:00:00Z"
        )
        .await),
        1
    );
    assert_eq!(
        n(get(&app, "/requests.json?end_date=2026-11-01T00:00:00Z").await),
        0
    );
    // The id overrides the other filters.
    assert_eq!(
        n(get(
            &app,
            &format!("/requests.json?service_request_id={id}&status=closed")
        )
        .await),
        1
    );
    assert_error(
        &get(&app, "/requests.json?status=pending").await,
        400,
        "status",
    );
    assert_error(
        &get(&app, "/requests.json?start_date=yesterday").await,
        400,
        "start_date",
    );
    assert_error(
        &get(
            &app,
            "/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z",
        )
        .await,
        400,
        "90 days",
    );
}

#[tokio::test]
async fn create_by_address_and_in_xml() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let key = jiceng_domain::appeals::service::issue_open311_key(
        &env.ctx,
        &jiceng_core::Actor::system(),
        "test",
    )
    .await
    .unwrap();
    // address_id: a building; no description: the service's name.
    let building = env
        .ctx
        .org
        .unit(f.unit)
        .await
        .unwrap()
        .unwrap()
        .parent_id
        .unwrap();
    let b = building.to_string();
    let r = post(
        &app,
        "/requests.xml",
        &[
            ("api_key", &key),
            ("service_code", "1101"),
            ("address_id", &b),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let x = r.text();
    assert!(
        x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>"),
        "{x}"
    );
    assert!(x.contains("<account_id></account_id>"));
    let j: Value = get(&app, "/requests.json").await.json();
    assert_eq!(j[0]["description"], "楼道照明损坏");
    assert_eq!(j[0]["lat"], Value::Null);
    assert!(j[0]["address"].as_str().unwrap().contains("1号楼"), "{j}");
    // address_string naming an estate; an English client gets English errors.
    let r = post(
        &app,
        "/requests.json",
        &[
            ("api_key", &key),
            ("service_code", "1301"),
            ("address_string", "阳光小区"),
            ("description", "noise & music at night"),
        ],
        None,
    )
    .await;
    // Three grids have an estate of that name: ambiguous.
    assert_error(&r, 400, "address_string");
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri(format!("{BASE}/requests.json"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept-language", "en")
                .body(Body::from(form(&[
                    ("api_key", &key),
                    ("service_code", "1301"),
                    ("lat", "39.605"),
                    ("long", "106.805"),
                    ("phone", "12"),
                ])))
                .unwrap(),
        )
        .await;
    assert_error(&r, 400, "phone: invalid phone number");
    // A JSON body is not a form.
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri(format!("{BASE}/requests.json"))
                .header("content-type", "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_error(&r, 400, "x-www-form-urlencoded");
    // A wrong method, in the spec's body.
    let r = app
        .send(
            Request::builder()
                .method("DELETE")
                .uri(format!("{BASE}/requests.json"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_error(&r, 405, "method");
    assert_eq!(
        get(&app, "/requests.json")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
