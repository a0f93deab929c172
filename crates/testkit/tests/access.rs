//! Role × action × inside/outside the reach: allow and deny, through the API and pages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::Role::{self, *};
use jiceng_testkit::{Fixture, TestApp, env, fixture, login_of};
use serde_json::json;

struct Case {
    role: Role,
    method: &'static str,
    uri: String,
    body: Option<serde_json::Value>,
    expect: u16,
    what: &'static str,
}

fn cases(f: &Fixture) -> Vec<Case> {
    let mut v = vec![];
    let mut add = |role, method, uri: String, body: Option<serde_json::Value>, expect, what| {
        v.push(Case {
            role,
            method,
            uri,
            body,
            expect,
            what,
        })
    };
    // See a grid.
    for (role, inside, outside, expect_out) in [
        (DistrictAdmin, f.grid, f.far_grid, 200),
        (SubdistrictStaff, f.grid, f.other_sub, 404),
        (CommunityStaff, f.grid, f.far_grid, 404),
        (GridWorker, f.grid, f.other_grid, 404),
        (DepartmentHandler, f.grid, f.far_grid, 200),
        (Auditor, f.grid, f.far_grid, 200),
    ] {
        add(
            role,
            "GET",
            format!("/api/v1/units/{inside}"),
            None,
            200,
            "view unit inside",
        );
        add(
            role,
            "GET",
            format!("/api/v1/units/{outside}"),
            None,
            expect_out,
            "view unit outside",
        );
    }
    add(
        Resident,
        "GET",
        format!("/api/v1/units/{}", f.grid),
        None,
        403,
        "resident views org",
    );
    // See a resident (masked).
    for (role, inside_code, outside, outside_code) in [
        (DistrictAdmin, 200, f.far_resident, 200),
        (SubdistrictStaff, 200, f.far_resident, 200),
        (CommunityStaff, 200, f.far_resident, 404),
        (GridWorker, 200, f.other_resident, 404),
        (DepartmentHandler, 404, f.far_resident, 404),
        (Auditor, 404, f.far_resident, 404),
        (Resident, 200, f.other_resident, 404),
    ] {
        add(
            role,
            "GET",
            format!("/api/v1/residents/{}", f.resident),
            None,
            inside_code,
            "view resident inside",
        );
        add(
            role,
            "GET",
            format!("/api/v1/residents/{outside}"),
            None,
            outside_code,
            "view resident outside",
        );
    }
    // Reveal personal data.
    for (role, code) in [
        (DistrictAdmin, 200),
        (SubdistrictStaff, 403),
        (CommunityStaff, 200),
        (GridWorker, 200),
        (DepartmentHandler, 404),
        (Auditor, 404),
        (Resident, 403),
    ] {
        add(
            role,
            "POST",
            format!("/api/v1/residents/{}/reveal", f.resident),
            Some(json!({"reason": "走访"})),
            code,
            "reveal inside",
        );
    }
    add(
        GridWorker,
        "POST",
        format!("/api/v1/residents/{}/reveal", f.other_resident),
        None,
        404,
        "reveal outside",
    );
    add(
        CommunityStaff,
        "POST",
        format!("/api/v1/residents/{}/reveal", f.far_resident),
        None,
        404,
        "reveal outside",
    );
    // Edit the organisation (rename a grid); version 1 is current in a fresh fixture.
    for (role, code) in [
        (DistrictAdmin, 200),
        (SubdistrictStaff, 200),
        (CommunityStaff, 200),
        (GridWorker, 403),
        (DepartmentHandler, 403),
        (Auditor, 403),
        (Resident, 403),
    ] {
        add(
            role,
            "PATCH",
            format!("/api/v1/units/{}", f.grid),
            Some(json!({"version": 1, "name": "改名网格"})),
            code,
            "rename grid inside",
        );
    }
    add(
        CommunityStaff,
        "PATCH",
        format!("/api/v1/units/{}", f.far_grid),
        Some(json!({"version": 1, "name": "x"})),
        404,
        "rename grid outside",
    );
    add(
        CommunityStaff,
        "PATCH",
        format!("/api/v1/units/{}", f.community),
        Some(json!({"version": 1, "name": "x"})),
        403,
        "rename own unit",
    );
    // Record a resident.
    for (role, code) in [
        (DistrictAdmin, 201),
        (SubdistrictStaff, 403),
        (CommunityStaff, 201),
        (GridWorker, 201),
        (DepartmentHandler, 403),
        (Auditor, 403),
        (Resident, 403),
    ] {
        let id = jiceng_testkit::id_number((1990, 1, 1), 100 + code as u32 % 7 + role as u32 * 10);
        add(
            role,
            "POST",
            format!("/api/v1/households/{}/residents", f.household),
            Some(json!({"name": "新居民", "id_number": id})),
            code,
            "record resident inside",
        );
    }
    // The audit trail.
    for (role, code) in [
        (DistrictAdmin, 200),
        (SubdistrictStaff, 403),
        (CommunityStaff, 403),
        (GridWorker, 403),
        (DepartmentHandler, 403),
        (Auditor, 200),
        (Resident, 403),
    ] {
        add(
            role,
            "GET",
            "/api/v1/audit".into(),
            None,
            code,
            "browse audit",
        );
    }
    // Accounts.
    for role in [
        SubdistrictStaff,
        CommunityStaff,
        GridWorker,
        DepartmentHandler,
        Auditor,
        Resident,
    ] {
        add(role, "GET", "/api/v1/users".into(), None, 403, "list users");
    }
    add(
        DistrictAdmin,
        "GET",
        "/api/v1/users".into(),
        None,
        200,
        "list users",
    );
    v
}

#[tokio::test]
async fn api_matrix() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let mut failures = vec![];
    // Every case runs on a fresh copy of state where it matters: renames bump the
    // version, so run each rename against its own fixture-relative version.
    for c in cases(&f) {
        let body = match (&c.body, c.what) {
            (Some(b), "rename grid inside") => {
                let cur = app
                    .api(
                        "GET",
                        &format!("/api/v1/units/{}", f.grid),
                        f.token(DistrictAdmin),
                        None,
                    )
                    .await
                    .json();
                let mut b = b.clone();
                b["version"] = cur["unit"]["version"].clone();
                Some(b)
            }
            (b, _) => b.clone(),
        };
        let r = app.api(c.method, &c.uri, f.token(c.role), body).await;
        if r.status.as_u16() != c.expect {
            failures.push(format!(
                "{:?} {} {} ({}): expected {}, got {} {}",
                c.role,
                c.method,
                c.uri,
                c.what,
                c.expect,
                r.status,
                r.text()
            ));
        }
        if r.status.is_client_error() {
            let j = r.json();
            assert!(
                j["code"].is_string() && j["message"].is_string(),
                "error body: {}",
                r.text()
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn no_token_or_bad_token_is_unauthenticated() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let r = app
        .api("GET", &format!("/api/v1/units/{}", f.grid), "nope", None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "unauthenticated");
}

#[tokio::test]
async fn pages_follow_the_same_rules() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let cases: Vec<(Role, String, u16)> = vec![
        (GridWorker, format!("/org/{}", f.grid), 200),
        (GridWorker, format!("/org/{}", f.other_grid), 404),
        (GridWorker, format!("/residents/{}", f.resident), 200),
        (GridWorker, format!("/residents/{}", f.other_resident), 404),
        (GridWorker, "/audit".into(), 403),
        (GridWorker, "/import".into(), 403),
        (CommunityStaff, format!("/org/{}", f.far_grid), 404),
        (
            CommunityStaff,
            format!("/residents/{}", f.far_resident),
            404,
        ),
        (CommunityStaff, "/import".into(), 200),
        (SubdistrictStaff, format!("/org/{}", f.other_sub), 404),
        (
            SubdistrictStaff,
            format!("/residents?unit={}", f.community),
            200,
        ),
        (DepartmentHandler, format!("/residents/{}", f.resident), 404),
        (Auditor, "/audit".into(), 200),
        (Auditor, format!("/residents/{}", f.resident), 404),
        (Resident, "/home".into(), 200),
        (Resident, format!("/org/{}", f.grid), 403),
        (Resident, format!("/households/{}", f.household), 200),
        (DistrictAdmin, format!("/org/{}", f.far_grid), 200),
        (DistrictAdmin, "/users".into(), 200),
        (CommunityStaff, "/users".into(), 403),
    ];
    let mut sessions = std::collections::HashMap::new();
    let mut failures = vec![];
    for (role, uri, expect) in cases {
        if let std::collections::hash_map::Entry::Vacant(e) = sessions.entry(role) {
            let s = app
                .login(login_of(role), jiceng_testkit::PASSWORD)
                .await
                .expect("login");
            e.insert(s);
        }
        let (session, _) = &sessions[&role];
        let r = app.get_page(&uri, session).await;
        if r.status.as_u16() != expect {
            failures.push(format!(
                "{role:?} GET {uri}: expected {expect}, got {}",
                r.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn pages_never_show_whole_personal_data_unless_revealed() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let (session, csrf) = app
        .login("wangge", jiceng_testkit::PASSWORD)
        .await
        .expect("login");
    for uri in [
        format!("/residents?unit={}", f.grid),
        format!("/residents/{}", f.resident),
        format!("/households/{}", f.household),
        format!("/residents?q={}", f.resident_id_number),
    ] {
        let html = app.get_page(&uri, &session).await.text();
        assert!(
            !html.contains(&f.resident_id_number),
            "{uri} shows the ID number"
        );
        assert!(!html.contains(&f.resident_phone), "{uri} shows the phone");
    }
    // Search by the whole ID number finds her (blind index), still masked.
    let html = app
        .get_page(&format!("/residents?q={}", f.resident_id_number), &session)
        .await
        .text();
    assert!(html.contains("张桂英"));
    // Reveal shows it and writes the audit trail.
    let r = app
        .post_form(
            &format!("/residents/{}/reveal", f.resident),
            &format!("jiceng_session={session}"),
            &format!("csrf={csrf}&reason=visit"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&f.resident_id_number));
    let audit = app
        .api(
            "GET",
            "/api/v1/audit?action=people.reveal",
            f.token(DistrictAdmin),
            None,
        )
        .await
        .json();
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["items"][0]["actor_login"], "wangge");
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let (session, _csrf) = app
        .login("admin", jiceng_testkit::PASSWORD)
        .await
        .expect("login");
    let r = app
        .post_form(
            &format!("/org/{}/edit", f.grid),
            &format!("jiceng_session={session}"),
            "csrf=forged&version=1&name=HACK",
        )
        .await;
    assert_eq!(r.status, 422);
    let unit = app
        .api(
            "GET",
            &format!("/api/v1/units/{}", f.grid),
            f.token(DistrictAdmin),
            None,
        )
        .await
        .json();
    assert_ne!(unit["unit"]["name"], "HACK");
    // A session cookie alone cannot change data through the API either.
    let r = app
        .send(
            axum::http::Request::builder()
                .method("PATCH")
                .uri(format!("/api/v1/units/{}", f.grid))
                .header("cookie", format!("jiceng_session={session}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"version": 1, "name": "HACK"}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 403);
}

/// Who is behind a token or a session is read in one query (the API keeps a token's
/// actor for 30 s after that): the actor is the account's own (its scope unit and
/// path), and a revoked token, a deactivated account or an expired session is refused.
#[tokio::test]
async fn principal_per_request_refuses_revoked_inactive_and_expired() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let pool = env.store.write_pool();
    let set = |sql: &'static str, login: &'static str| async move {
        sqlx::query(sql).bind(login).execute(pool).await.unwrap();
    };
    let me = app
        .api("GET", "/api/v1/me", f.token(GridWorker), None)
        .await;
    assert_eq!(me.status, 200);
    let grid = env.ctx.org.unit(f.grid).await.unwrap().unwrap();
    assert_eq!(me.json()["scope_unit_id"], json!(f.grid));
    assert_eq!(me.json()["scope_path"], json!(grid.path));
    assert_eq!(me.json()["login"], json!(login_of(GridWorker)));
    // A revoked token (not yet used by this server, so not in its 30 s actor cache).
    set(
        "UPDATE api_tokens SET revoked = 1 WHERE user_id = (SELECT id FROM users WHERE login = $1)",
        login_of(Auditor),
    )
    .await;
    let r = app.api("GET", "/api/v1/me", f.token(Auditor), None).await;
    assert_eq!(r.status, 401);
    // A deactivated account: its token and its session.
    let other = login_of(CommunityStaff);
    let (session, _) = app.login(other, jiceng_testkit::PASSWORD).await.unwrap();
    assert_eq!(app.get_page("/home", &session).await.status, 200);
    set("UPDATE users SET active = 0 WHERE login = $1", other).await;
    assert_eq!(
        app.api("GET", "/api/v1/me", f.token(CommunityStaff), None)
            .await
            .status,
        401
    );
    assert!(
        app.get_page("/home", &session)
            .await
            .status
            .is_redirection()
    );
    // An expired session is refused and removed.
    let third = login_of(SubdistrictStaff);
    let (session, _) = app.login(third, jiceng_testkit::PASSWORD).await.unwrap();
    assert_eq!(app.get_page("/home", &session).await.status, 200);
    set(
        "UPDATE sessions SET expires_ms = 0 WHERE user_id = (SELECT id FROM users WHERE login = $1)",
        third,
    )
    .await;
    assert!(
        app.get_page("/home", &session)
            .await
            .status
            .is_redirection()
    );
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE login = $1)",
    )
    .bind(third)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    // Other accounts are untouched.
    assert_eq!(
        app.api("GET", "/api/v1/me", f.token(DistrictAdmin), None)
            .await
            .status,
        200
    );
}

/// A token's holder is kept for a while, but only while the organisation tree stays as
/// it was: once the grid worker's grid moves to another community, the next call with
/// the same token acts within the new place (it used to keep the old scope up to 30 s).
#[tokio::test]
async fn a_tokens_scope_follows_its_unit_when_the_unit_moves() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let app = TestApp::new(env.ctx.clone());
    let me = || app.api("GET", "/api/v1/me", f.token(GridWorker), None);
    let grid = env.ctx.org.unit(f.grid).await.unwrap().unwrap();
    let before = me().await;
    assert_eq!(before.json()["scope_path"], json!(grid.path));
    // Kept: the same answer again, from the cache.
    assert_eq!(me().await.json()["scope_path"], json!(grid.path));
    let r = app
        .api(
            "POST",
            &format!("/api/v1/units/{}/move", f.grid),
            f.token(DistrictAdmin),
            Some(json!({"parent_id": f.other_community, "version": grid.version})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let moved = env.ctx.org.unit(f.grid).await.unwrap().unwrap();
    let community = env.ctx.org.unit(f.other_community).await.unwrap().unwrap();
    assert!(moved.path.starts_with(&community.path), "{}", moved.path);
    assert_ne!(moved.path, grid.path);
    let after = me().await;
    assert_eq!(after.status, 200);
    assert_eq!(after.json()["scope_unit_id"], json!(f.grid));
    assert_eq!(after.json()["scope_path"], json!(moved.path));
}

/// A scope is a range of materialised paths (`/150302/` up to `/1503020`: '/' sorts
/// just before '0' byte by byte). On PostgreSQL every path and key column compares
/// byte by byte (COLLATE "C", migration 0021) whatever the database's locale: in a
/// zh_CN.UTF-8 or en_US.UTF-8 database glibc's collation skips the '/' at first, and a
/// district's range missed every unit and case below it.
#[tokio::test]
async fn paths_compare_byte_by_byte_whatever_the_databases_locale() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    if env.store.backend == jiceng_store::Backend::Postgres {
        let pool = env.store.write_pool();
        let locale_ordered: Vec<(String, String)> = sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type = 'text' \
             AND column_name ~ '(^|_)(path|code|kind|status|number)$' \
             AND collation_name IS DISTINCT FROM 'C' ORDER BY 1, 2",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert!(locale_ordered.is_empty(), "{locale_ordered:?}");
        let (below,): (bool,) =
            sqlx::query_as("SELECT path < '/1503020' FROM org_units WHERE id = $1")
                .bind(f.grid)
                .fetch_one(pool)
                .await
                .unwrap();
        assert!(below, "a grid's path sorts below its district's range end");
    }
    // The district's subtree holds the grid, and a community's holds only its own.
    let district = env.ctx.org.unit(f.district).await.unwrap().unwrap();
    let community = env.ctx.org.unit(f.community).await.unwrap().unwrap();
    let grids = |path: String| {
        let ctx = env.ctx.clone();
        async move {
            ctx.org
                .units_in(&path, jiceng_domain::org::UnitKind::Grid, 1000)
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.id)
                .collect::<Vec<i64>>()
        }
    };
    let all = grids(district.path).await;
    assert!(
        all.contains(&f.grid) && all.contains(&f.far_grid),
        "{all:?}"
    );
    let own = grids(community.path).await;
    assert!(
        own.contains(&f.grid) && !own.contains(&f.far_grid),
        "{own:?}"
    );
}
