//! The workforce end to end through the API and pages, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::Role::{self, *};
use jiceng_domain::workforce::demo::table;
use jiceng_testkit::{Fixture, PASSWORD, TestApp, encode, env, fixture, login_of};
use serde_json::{Value, json};

fn ok(r: &jiceng_testkit::Reply) -> Value {
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    r.json()
}

fn cadre(unit: i64, name: &str, birth: &str, edu: &str, eth: &str, start: &str) -> Value {
    json!({"name": name, "sex": "男", "post_title": "副主任", "unit_id": unit, "birth_date": birth,
        "education": edu, "ethnicity": eth, "start_date": start, "source": "selected"})
}

async fn audit_count(env: &jiceng_testkit::TestEnv, action: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(env.store.write_pool())
        .await
        .unwrap();
    n
}

/// A community staff account for another community (公园社区).
async fn other_community_staff(env: &jiceng_testkit::TestEnv, f: &Fixture) -> String {
    let sys = jiceng_core::Actor::system();
    let hash = jiceng_domain::auth::service::hash_password(PASSWORD).unwrap();
    env.ctx
        .auth
        .insert_user(
            jiceng_domain::auth::NewUser {
                login: "gongyuan".into(),
                display_name: "公园社区".into(),
                password_hash: hash,
                role: Role::CommunityStaff,
                scope_unit_id: f.other_community,
                household_id: None,
                department_id: None,
            },
            env.ctx
                .event(&sys, "auth.create_user", "user", "gongyuan", "/"),
        )
        .await
        .unwrap();
    jiceng_domain::auth::service::issue_token(&env.ctx, &sys, "gongyuan", "test")
        .await
        .unwrap()
}

#[tokio::test]
async fn structure_for_any_unit_and_date() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    // 凤凰岭: three in post today; one of them (born 1982-06-01) turned 44 in 2026.
    for body in [
        cadre(
            f.sub,
            "张建国",
            "1982-06-01",
            "bachelor",
            "汉族",
            "2020-03-01",
        ),
        cadre(
            f.sub,
            "巴特尔",
            "1970-01-15",
            "secondary",
            "蒙古族",
            "2018-05-01",
        ),
        cadre(
            f.sub,
            "李海燕",
            "1990-12-01",
            "college",
            "汉族",
            "2024-01-10",
        ),
        cadre(
            f.other_sub,
            "王志强",
            "1960-02-02",
            "high_school",
            "回族",
            "2015-01-01",
        ),
    ] {
        let r = app
            .api("POST", "/api/v1/workforce/cadres", admin, Some(body))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    // The fourth leaves at the end of 2022.
    let all = ok(&app
        .api(
            "GET",
            &format!("/api/v1/workforce/cadres?unit_id={}&show=all", f.other_sub),
            admin,
            None,
        )
        .await);
    let wang = &all["items"][0];
    ok(&app
        .api(
            "POST",
            &format!("/api/v1/workforce/cadres/{}/end", wang["id"]),
            admin,
            Some(json!({"version": wang["version"], "end_date": "2022-12-31"})),
        )
        .await);

    let s = ok(&app
        .api("GET", "/api/v1/workforce/structure", admin, None)
        .await);
    assert_eq!(s["total"]["total"], 3);
    assert_eq!(s["total"]["under_45"], 2);
    assert_eq!(s["total"]["under_45_share"], "66.67%");
    assert_eq!(s["total"]["college_share"], "66.67%");
    assert_eq!(s["total"]["minority_share"], "33.33%");
    let subs = s["subdistricts"].as_array().unwrap();
    let fh = subs.iter().find(|r| r["unit_id"] == f.sub).unwrap();
    assert_eq!(fh["total"], 3);
    let hb = subs.iter().find(|r| r["unit_id"] == f.other_sub).unwrap();
    assert_eq!(hb["total"], 0);
    assert_eq!(hb["under_45_share"], "—");

    // On 2022-06-30: 李海燕 not yet appointed, 王志强 still in post; ages taken then.
    let s = ok(&app
        .api(
            "GET",
            "/api/v1/workforce/structure?date=2022-06-30",
            admin,
            None,
        )
        .await);
    assert_eq!(s["total"]["total"], 3);
    assert_eq!(s["total"]["under_45"], 1);
    assert_eq!(s["total"]["minority"], 2);
    assert_eq!(s["total"]["college_or_above"], 1);
    // One sub-district alone.
    let s = ok(&app
        .api(
            "GET",
            &format!(
                "/api/v1/workforce/structure?unit_id={}&date=2026-11-26",
                f.sub
            ),
            admin,
            None,
        )
        .await);
    assert_eq!(s["total"]["total"], 3);
    assert_eq!(s["subdistricts"].as_array().unwrap().len(), 0);

    // The statistics are open to ViewOrg roles; the records are not.
    ok(&app
        .api(
            "GET",
            "/api/v1/workforce/structure",
            f.token(DepartmentHandler),
            None,
        )
        .await);
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/workforce/cadres",
            f.token(DepartmentHandler),
            None
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.api("GET", "/api/v1/workforce/cadres", f.token(GridWorker), None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/workforce/structure",
            f.token(Resident),
            None
        )
        .await
        .status,
        403
    );
    // Sub-district staff reach only their own sub-district.
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/structure?unit_id={}", f.other_sub),
            f.token(SubdistrictStaff),
            None
        )
        .await
        .status,
        404
    );
    let r = app
        .api(
            "POST",
            "/api/v1/workforce/cadres",
            f.token(SubdistrictStaff),
            Some(cadre(
                f.other_sub,
                "赵刚",
                "1980-01-01",
                "bachelor",
                "汉族",
                "2021-01-01",
            )),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(audit_count(&env, "workforce.cadre_create").await, 4);
    assert_eq!(audit_count(&env, "workforce.cadre_end").await, 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_saved() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let r = app.api("POST", "/api/v1/workforce/cadres", admin, Some(json!({"name": "张", "sex": "X", "post_title": "", "unit_id": f.sub,
        "birth_date": "1980-13-01", "education": "小学", "ethnicity": "汉", "start_date": "2030-01-01"}))).await;
    assert_eq!(r.status, 422);
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "name",
        "sex",
        "post_title",
        "birth_date",
        "education",
        "ethnicity",
        "start_date",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    // A cadre must belong to a sub-district.
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/cadres",
            admin,
            Some(cadre(
                f.community,
                "张建国",
                "1980-01-01",
                "bachelor",
                "汉族",
                "2020-01-01"
            ))
        )
        .await
        .status,
        422
    );
    let mut t = serde_json::to_value(table(2026, true)).unwrap();
    t["cells"].as_array_mut().unwrap().pop();
    assert_eq!(
        app.api("POST", "/api/v1/workforce/pay-tables", admin, Some(t))
            .await
            .status,
        422
    );
    let mut t = table(2026, true);
    t.cells[5] = 1;
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/pay-tables",
            admin,
            Some(serde_json::to_value(&t).unwrap())
        )
        .await
        .status,
        422
    );
    // Only the district administrator sets the pay scale.
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/pay-tables",
            f.token(CommunityStaff),
            Some(serde_json::to_value(table(2026, true)).unwrap())
        )
        .await
        .status,
        403
    );
    let r = app.api("POST", "/api/v1/workforce/workers", f.token(CommunityStaff), Some(json!({"name": "刘丽娟", "sex": "女", "birth_date": "1990-01-01",
        "education": "bachelor", "community_id": f.community, "post": "member", "grade": 19, "start_date": "2018-01-01"}))).await;
    assert_eq!(r.status, 422);
    let r = app
        .api(
            "POST",
            "/api/v1/workforce/talents",
            f.token(CommunityStaff),
            Some(
                json!({"name": "<b>x</b>", "sex": "女", "birth_date": "2020-01-01",
        "education": "bachelor", "community_id": f.community, "identified_date": "2026-01-01"}),
            ),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app.api("POST", "/api/v1/workforce/added-staff", admin, Some(json!({"name": "刘丽娟", "sex": "女", "unit_id": f.sub, "post": "综合办", "kind": "unknown", "added_date": "2020-01-01"}))).await;
    assert_eq!(r.status, 422);
    for path in [
        "cadres?show=all",
        "pay-tables",
        "workers?show=all",
        "talents",
        "added-staff",
        "promotions",
    ] {
        let v = ok(&app
            .api("GET", &format!("/api/v1/workforce/{path}"), admin, None)
            .await);
        assert_eq!(v["items"].as_array().unwrap().len(), 0, "{path}");
    }
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'workforce.%'")
            .fetch_one(env.store.write_pool())
            .await
            .unwrap();
    assert_eq!(n, 0);
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    app: &TestApp,
    token: &str,
    community: i64,
    name: &str,
    post: &str,
    grade: i64,
    tc: bool,
    start: &str,
) -> Value {
    let r = app.api("POST", "/api/v1/workforce/workers", token, Some(json!({"name": name, "sex": "女", "birth_date": "1988-04-01",
        "education": "bachelor", "community_id": community, "post": post, "grade": grade, "qualification": "assistant",
        "two_committees": tc, "duty": "社区专职工作者", "start_date": start}))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["worker"].clone()
}

#[tokio::test]
async fn pay_runs_add_up_confirm_once_and_export() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let staff = f.token(CommunityStaff);
    for (y, d) in [(2024, false), (2026, true)] {
        let r = app
            .api(
                "POST",
                "/api/v1/workforce/pay-tables",
                admin,
                Some(serde_json::to_value(table(y, d)).unwrap()),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    // The same year twice is refused.
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/pay-tables",
            admin,
            Some(serde_json::to_value(table(2026, true)).unwrap())
        )
        .await
        .status,
        422
    );
    let head = worker(
        &app,
        staff,
        f.community,
        "刘秀英",
        "head",
        6,
        true,
        "2012-03-01",
    )
    .await;
    worker(
        &app,
        staff,
        f.community,
        "陈晓燕",
        "deputy",
        4,
        true,
        "2016-05-01",
    )
    .await;
    worker(
        &app,
        staff,
        f.community,
        "杨婷",
        "member",
        1,
        false,
        "2023-09-01",
    )
    .await;
    worker(
        &app,
        admin,
        f.other_community,
        "周丽华",
        "member",
        2,
        true,
        "2019-01-01",
    )
    .await;

    // Community staff make their own community's run.
    let r = app
        .api(
            "POST",
            "/api/v1/workforce/pay-runs",
            staff,
            Some(json!({"unit_id": f.community, "month": "2026-10"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let run = r.json()["run"].clone();
    let id = run["id"].as_i64().unwrap();
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/workforce/pay-runs/{id}"),
            staff,
            None,
        )
        .await);
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    let sum: i64 = lines.iter().map(|l| l["total"].as_i64().unwrap()).sum();
    assert_eq!(v["run"]["total"].as_i64().unwrap(), sum);
    for l in lines {
        let parts = ["base", "qualification", "housing_fund", "other"]
            .iter()
            .map(|k| l[*k].as_i64().unwrap())
            .sum::<i64>();
        assert_eq!(parts, l["total"].as_i64().unwrap());
    }
    let h = lines.iter().find(|l| l["worker_id"] == head["id"]).unwrap();
    // Head, grade 6, 2026 table: 4800 + 5×110 = 5350; 10% fund; assistant 200; committee 400.
    assert_eq!(
        (
            h["base"].as_i64(),
            h["housing_fund"].as_i64(),
            h["total"].as_i64()
        ),
        (Some(5350), Some(535), Some(5350 + 535 + 200 + 400))
    );
    // A district run for the same month would pay these workers twice.
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/pay-runs",
            admin,
            Some(json!({"unit_id": f.district, "month": "2026-10"}))
        )
        .await
        .status,
        409
    );
    // Other people's pay is out of reach.
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/pay-runs/{id}"),
            f.token(GridWorker),
            None
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/pay-runs/{id}"),
            f.token(DepartmentHandler),
            None
        )
        .await
        .status,
        403
    );
    let other = other_community_staff(&env, &f).await;
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/pay-runs/{id}"),
            &other,
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/workers/{}", head["id"]),
            &other,
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/workers/{}", head["id"]),
            f.token(GridWorker),
            None
        )
        .await
        .status,
        403
    );
    let mine = ok(&app
        .api("GET", "/api/v1/workforce/workers", &other, None)
        .await);
    assert_eq!(mine["total"], 1);

    ok(&app
        .api(
            "POST",
            &format!("/api/v1/workforce/pay-runs/{id}/confirm"),
            staff,
            None,
        )
        .await);
    assert_eq!(
        app.api(
            "POST",
            &format!("/api/v1/workforce/pay-runs/{id}/confirm"),
            staff,
            None
        )
        .await
        .status,
        409
    );
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/workforce/pay-runs/{id}"),
            admin,
            None
        )
        .await
        .status,
        409
    );
    let after = ok(&app
        .api(
            "GET",
            &format!("/api/v1/workforce/pay-runs/{id}"),
            staff,
            None,
        )
        .await);
    assert_eq!(after["run"]["status"], "confirmed");
    assert_eq!(after["run"]["total"], run["total"]);
    let x = app
        .api(
            "GET",
            &format!("/api/v1/workforce/pay-runs/{id}/xlsx"),
            staff,
            None,
        )
        .await;
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"));

    // A draft may be deleted; a future month or a month without a table is refused.
    let d = ok(&app
        .api(
            "POST",
            "/api/v1/workforce/pay-runs",
            admin,
            Some(json!({"unit_id": f.other_community, "month": "2026-09"})),
        )
        .await);
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api/v1/workforce/pay-runs/{}", d["run"]["id"]),
            admin,
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/pay-runs",
            admin,
            Some(json!({"unit_id": f.district, "month": "2027-01"}))
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/workforce/pay-runs",
            admin,
            Some(json!({"unit_id": f.district, "month": "2023-05"}))
        )
        .await
        .status,
        422
    );
    assert_eq!(audit_count(&env, "workforce.pay_run_confirm").await, 1);
}

#[tokio::test]
async fn two_committees_pay_doubles_and_grades_follow_the_history() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    for (y, d) in [(2024, false), (2026, true)] {
        ok(&app
            .api(
                "POST",
                "/api/v1/workforce/pay-tables",
                admin,
                Some(serde_json::to_value(table(y, d)).unwrap()),
            )
            .await);
    }
    let w = worker(
        &app,
        admin,
        f.community,
        "刘秀英",
        "head",
        3,
        true,
        "2016-03-01",
    )
    .await;
    worker(
        &app,
        admin,
        f.other_community,
        "陈晓燕",
        "member",
        2,
        true,
        "2018-05-01",
    )
    .await;
    worker(
        &app,
        admin,
        f.other_community,
        "杨婷",
        "member",
        1,
        false,
        "2019-09-01",
    )
    .await;
    // Raised to grade 5 from 2025: the 2024 run pays grade 3.
    let v = ok(&app.api("PUT", &format!("/api/v1/workforce/workers/{}", w["id"]), admin, Some(json!({"version": w["version"], "post": "head", "grade": 5,
        "qualification": "assistant", "two_committees": true, "reason": "常态化晋级", "from_date": "2025-01-01"}))).await);
    assert_eq!(v["worker"]["grade"], 5);
    for m in ["2024-10", "2026-10"] {
        let r = ok(&app
            .api(
                "POST",
                "/api/v1/workforce/pay-runs",
                admin,
                Some(json!({"unit_id": f.district, "month": m})),
            )
            .await);
        let id = r["run"]["id"].as_i64().unwrap();
        let lines = ok(&app
            .api(
                "GET",
                &format!("/api/v1/workforce/pay-runs/{id}"),
                admin,
                None,
            )
            .await)["lines"]
            .clone();
        let l = lines
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["worker_id"] == w["id"])
            .unwrap()
            .clone();
        assert_eq!(l["grade"], if m == "2024-10" { 3 } else { 5 });
        ok(&app
            .api(
                "POST",
                &format!("/api/v1/workforce/pay-runs/{id}/confirm"),
                admin,
                None,
            )
            .await);
    }
    let c = ok(&app
        .api(
            "GET",
            "/api/v1/workforce/committee-pay?month=2026-10",
            admin,
            None,
        )
        .await);
    assert_eq!(c["then_month"], "2024-10");
    assert_eq!(c["total"]["then_members"], 2);
    assert_eq!(c["total"]["now_members"], 2);
    assert_eq!(c["total"]["doubled"], true);
    assert_eq!(c["rows"].as_array().unwrap().len(), 2);
    // The default month is the latest confirmed.
    assert_eq!(
        ok(&app
            .api("GET", "/api/v1/workforce/committee-pay", admin, None)
            .await)["month"],
        "2026-10"
    );
    // Progression preview: 2016-03-01 → 2026-11-26: three steps + assistant bonus 1 → 3 + 3 + 1 = 7.
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/workforce/workers/{}", w["id"]),
            admin,
            None,
        )
        .await);
    assert_eq!(v["progression"]["grade"], 7);
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    let cur = v["worker"]["version"].clone();
    let p = ok(&app
        .api(
            "POST",
            &format!("/api/v1/workforce/workers/{}/progression", w["id"]),
            admin,
            Some(json!({"version": cur})),
        )
        .await);
    assert_eq!(p["worker"]["grade"], 7);
    // A departure pays per full year: 10 years × 2000.
    let e = ok(&app.api("POST", &format!("/api/v1/workforce/workers/{}/exit", w["id"]), admin, Some(json!({"version": p["worker"]["version"], "status": "departed", "end_date": "2026-11-20"}))).await);
    assert_eq!(e["worker"]["exit_subsidy"], 20000);
}

#[tokio::test]
async fn reserve_talents_move_forward_one_stage_at_a_time() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let staff = f.token(CommunityStaff);
    let r = app.api("POST", "/api/v1/workforce/talents", staff, Some(json!({"name": "郭佳琪", "sex": "女", "birth_date": "1996-07-01",
        "education": "bachelor", "community_id": f.community, "present_role": "专职网格员", "identified_date": "2025-03-01"}))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let t = r.json()["talent"].clone();
    let id = t["id"].as_i64().unwrap();
    let mv = |to: &str, date: &str, version: &Value, note: &str| json!({"to": to, "date": date, "version": version, "note": note});
    let url = format!("/api/v1/workforce/talents/{id}/stage");
    // No skipping from identified to appointed (or ready).
    assert_eq!(
        app.api(
            "POST",
            &url,
            staff,
            Some(mv("appointed", "2025-06-01", &t["version"], "居委会委员"))
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.api(
            "POST",
            &url,
            staff,
            Some(mv("ready", "2025-06-01", &t["version"], ""))
        )
        .await
        .status,
        422
    );
    // Not before the stage began.
    assert_eq!(
        app.api(
            "POST",
            &url,
            staff,
            Some(mv("training", "2025-01-01", &t["version"], ""))
        )
        .await
        .status,
        422
    );
    let t = ok(&app
        .api(
            "POST",
            &url,
            staff,
            Some(mv("training", "2025-04-01", &t["version"], "")),
        )
        .await)["talent"]
        .clone();
    assert_eq!(t["training_date"], "2025-04-01");
    let tr = app.api("POST", &format!("/api/v1/workforce/talents/{id}/trainings"), staff, Some(json!({"course": "基层党建业务培训", "hours": 24, "day": "2025-05-10", "result": "pass"}))).await;
    assert_eq!(tr.status, 201, "{}", tr.text());
    let t = ok(&app
        .api(
            "POST",
            &url,
            staff,
            Some(mv("ready", "2025-10-01", &t["version"], "")),
        )
        .await)["talent"]
        .clone();
    // Backwards is refused.
    assert_eq!(
        app.api(
            "POST",
            &url,
            staff,
            Some(mv("training", "2025-11-01", &t["version"], ""))
        )
        .await
        .status,
        422
    );
    let p = ok(&app
        .api("GET", "/api/v1/workforce/talents", staff, None)
        .await);
    assert_eq!(p["pool"], 1);
    assert_eq!(p["counts"]["ready"], 1);
    let t = ok(&app
        .api(
            "POST",
            &url,
            staff,
            Some(mv(
                "appointed",
                "2026-03-01",
                &t["version"],
                "和平社区居委会委员",
            )),
        )
        .await)["talent"]
        .clone();
    assert_eq!(t["stage"], "appointed");
    assert_eq!(t["appointed_post"], "和平社区居委会委员");
    // Appointed ones leave the reserve and cannot drop out.
    assert_eq!(
        ok(&app
            .api("GET", "/api/v1/workforce/talents", staff, None)
            .await)["pool"],
        0
    );
    assert_eq!(
        app.api(
            "POST",
            &url,
            staff,
            Some(mv("dropped", "2026-04-01", &t["version"], "外出务工"))
        )
        .await
        .status,
        422
    );
    let v = ok(&app
        .api(
            "GET",
            &format!("/api/v1/workforce/talents/{id}"),
            staff,
            None,
        )
        .await);
    assert_eq!(v["trainings"].as_array().unwrap().len(), 1);
    // Outside the community, and for grid workers, the talent is not there.
    let other = other_community_staff(&env, &f).await;
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/workforce/talents/{id}"),
            &other,
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/workforce/talents",
            f.token(GridWorker),
            None
        )
        .await
        .status,
        403
    );
    assert_eq!(audit_count(&env, "workforce.talent_stage").await, 3);
    assert_eq!(audit_count(&env, "workforce.training_add").await, 1);
}

#[tokio::test]
async fn promotion_creates_the_cadre_and_pages_render() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let admin = f.token(DistrictAdmin);
    let r = app.api("POST", "/api/v1/workforce/promotions", f.token(SubdistrictStaff), Some(json!({"secretary_name": "高丽华", "community_id": f.community,
        "post_title": "党工委委员、副主任（事业岗位）", "promoted_date": "2020-04-01", "sex": "女", "birth_date": "1978-03-03",
        "education": "bachelor", "ethnicity": "汉族"}))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let p = r.json()["promotion"].clone();
    assert_eq!(p["unit_id"], f.sub);
    let cadres = ok(&app
        .api("GET", "/api/v1/workforce/cadres", admin, None)
        .await);
    let k = &cadres["items"][0];
    assert_eq!(k["id"], p["cadre_id"]);
    assert_eq!(k["source"], "promoted_secretary");
    assert_eq!(audit_count(&env, "workforce.promote").await, 1);
    let fig = ok(&app
        .api("GET", "/api/v1/workforce/figures", admin, None)
        .await);
    let promoted = fig["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "secretaries_promoted")
        .unwrap();
    assert_eq!(promoted["computed"], "1");
    for (y, d) in [(2024, false), (2026, true)] {
        ok(&app
            .api(
                "POST",
                "/api/v1/workforce/pay-tables",
                admin,
                Some(serde_json::to_value(table(y, d)).unwrap()),
            )
            .await);
    }
    let w = worker(
        &app,
        admin,
        f.community,
        "刘秀英",
        "head",
        3,
        true,
        "2016-03-01",
    )
    .await;
    let run = ok(&app
        .api(
            "POST",
            "/api/v1/workforce/pay-runs",
            admin,
            Some(json!({"unit_id": f.district, "month": "2026-10"})),
        )
        .await);
    let t = ok(&app
        .api(
            "POST",
            "/api/v1/workforce/talents",
            admin,
            Some(
                json!({"name": "郭佳琪", "sex": "女", "birth_date": "1996-07-01",
        "education": "bachelor", "community_id": f.community, "identified_date": "2025-03-01"}),
            ),
        )
        .await);

    let (session, csrf) = app.login(login_of(DistrictAdmin), PASSWORD).await.unwrap();
    for (path, text) in [
        ("/workforce".to_string(), "储备后备人才"),
        ("/workforce/cadres".to_string(), "share-under45"),
        (
            "/workforce/cadres?date=2021-01-01&show=all".to_string(),
            "高丽华",
        ),
        ("/workforce/staff".to_string(), "staff-total"),
        ("/workforce/promotions".to_string(), "高丽华"),
        ("/workforce/workers".to_string(), "刘秀英"),
        (format!("/workforce/workers/{}", w["id"]), "progression"),
        ("/workforce/pay-tables".to_string(), "table-2026"),
        ("/workforce/pay-runs".to_string(), "2026-10"),
        (
            format!("/workforce/pay-runs/{}", run["run"]["id"]),
            "run-total",
        ),
        (
            "/workforce/committee-pay?month=2026-10".to_string(),
            "doubled",
        ),
        ("/workforce/talents".to_string(), "data-stage=\"training\""),
        (
            format!("/workforce/talents/{}", t["talent"]["id"]),
            "郭佳琪",
        ),
    ] {
        let r = app.get_page(&path, &session).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert!(r.text().contains(text), "{path} lacks {text}");
    }
    let x = app
        .get_page(
            &format!("/workforce/pay-runs/{}/xlsx", run["run"]["id"]),
            &session,
        )
        .await;
    assert!(x.body.starts_with(b"PK"));
    // A form: bad input re-renders with the message, nothing saved; good input redirects.
    let cookie = format!("jiceng_session={session}");
    let r = app
        .post_form(
            "/workforce/staff",
            &cookie,
            &format!(
                "csrf={csrf}&name={}&sex={}&unit_id={}&post=&kind=sink&added_date=2020-01-01",
                encode("王磊"),
                encode("男"),
                f.sub
            ),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("post"));
    let r = app
        .post_form(
            "/workforce/staff",
            &cookie,
            &format!(
                "csrf={csrf}&name={}&sex={}&unit_id={}&post={}&kind=sink&added_date=2020-01-01",
                encode("王磊"),
                encode("男"),
                f.sub,
                encode("党建工作办公室")
            ),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(
        ok(&app
            .api("GET", "/api/v1/workforce/added-staff", admin, None)
            .await)["total"],
        1
    );
    // A grid worker sees no workers' pages.
    let (gs, _) = app.login(login_of(GridWorker), PASSWORD).await.unwrap();
    assert_eq!(app.get_page("/workforce/workers", &gs).await.status, 403);
    assert_eq!(
        app.get_page(&format!("/workforce/pay-runs/{}", run["run"]["id"]), &gs)
            .await
            .status,
        403
    );
}
