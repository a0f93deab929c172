//! The demo district reproduces the seed's figures, computed from its data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_domain::demo::{self, DemoOptions};
use jiceng_testkit::{TestApp, env};

#[tokio::test]
async fn the_demo_district_reproduces_the_seeds_figures() {
    let env = env().await;
    demo::load(
        &env.ctx,
        DemoOptions {
            scale: 0.05,
            seed: 20200428,
        },
    )
    .await
    .unwrap();
    let token = jiceng_domain::auth::service::issue_token(
        &env.ctx,
        &jiceng_core::Actor::system(),
        "admin",
        "t",
    )
    .await
    .unwrap();
    let app = TestApp::new(env.ctx.clone());
    let r = app.api("GET", "/api/v1/seed-figures", &token, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let figures = r.json();
    let figures = figures.as_array().unwrap();
    let get = |k: &str| {
        figures
            .iter()
            .find(|f| f["key"] == k)
            .unwrap_or_else(|| panic!("figure {k}"))
    };
    for (k, v) in [
        ("urbanisation", "94.7%"),
        ("leaders_under_45", "61.54%"),
        ("leaders_college", "86.54%"),
        ("leaders_minority", "7.69%"),
        ("staff_added", "105"),
        ("secretaries_promoted", "5"),
        ("reserve_talents", "124"),
    ] {
        assert_eq!(get(k)["computed"], v, "{k}");
        assert_eq!(get(k)["agrees"], true, "{k}");
    }
    // Every figure of the capabilities built so far agrees; the rest say they are pending.
    for f in figures {
        let pending = f["source"].as_str().unwrap().ends_with("(pending)")
            || f["key"] == "temporary_branches";
        assert!(pending || f["agrees"] == true, "{f}");
        assert!(f["label"].is_string() && f["seed"].is_string());
    }
    assert!(figures.iter().filter(|f| f["agrees"] == true).count() >= 17);
    // The page shows the same.
    let (session, _) = app.login("admin", demo::DEMO_PASSWORD).await.unwrap();
    let html = app.get_page("/seed-figures", &session).await.text();
    assert!(html.contains("1+7+41") && html.contains("61.54%") && html.contains("94.7%"));
}
