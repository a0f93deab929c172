//! The store conformance suite: the same behaviours on SQLite and PostgreSQL
//! (`JICENG_TEST_DATABASE_URL=postgres://…` runs it on PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_core::{Actor, DomainError, PageRequest};
use jiceng_domain::import::{self, ImportOptions, ImportOutcome};
use jiceng_domain::org::{UnitKind, UnitPatch, service as org};
use jiceng_domain::people::{ResidentFilter, ResidentQuery, service as people};
use jiceng_testkit::{env, fixture, id_number};

/// The audit trail of `scope`, entries of one action, first page.
async fn audit_by_action(
    ctx: &jiceng_domain::Ctx,
    scope: &str,
    action: &str,
) -> jiceng_core::Page<jiceng_core::audit::AuditRecord> {
    ctx.audit
        .list(
            scope,
            &jiceng_core::audit::AuditFilter {
                action: Some(action.into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap()
}

/// A file imported by the system, all or nothing.
async fn import_divisions(ctx: &jiceng_domain::Ctx, csv: &str) -> ImportOutcome {
    import::divisions(
        ctx,
        &Actor::system(),
        "divisions.csv",
        csv.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap()
}

/// A people file imported by the system, all or nothing.
async fn import_people(ctx: &jiceng_domain::Ctx, csv: &str) -> ImportOutcome {
    import::people(
        ctx,
        &Actor::system(),
        "people.csv",
        csv.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap()
}

/// The stored unit with this code.
async fn unit_coded(ctx: &jiceng_domain::Ctx, code: &str) -> jiceng_domain::org::OrgUnit {
    ctx.org.unit_by_code(code).await.unwrap().unwrap()
}

/// A unit created in bulk by the system: its one history entry, "create", with the name
/// and the parent's code it was created with.
async fn created_as(ctx: &jiceng_domain::Ctx, unit_id: i64) -> (String, Option<String>) {
    let hist = org::history(ctx, &Actor::system(), unit_id).await.unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(
        (hist[0].change.as_str(), hist[0].actor_login.as_str()),
        ("create", "system")
    );
    let after = hist[0].after.clone().unwrap();
    (
        after["name"].as_str().unwrap_or_default().to_string(),
        after["parent"].as_str().map(String::from),
    )
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let env = env().await;
    assert!(env.store.migrate().await.unwrap().is_empty());
}

#[tokio::test]
async fn division_tree_has_real_codes_and_paths() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let d = org::get(&env.ctx, &sys, f.district).await.unwrap();
    assert_eq!(
        (d.code.as_str(), d.name.as_str(), d.kind),
        ("150302", "海勃湾区", UnitKind::District)
    );
    let stats = org::stats(&env.ctx, &sys, f.district).await.unwrap();
    assert_eq!(stats.subdistricts, 8);
    assert_eq!(stats.communities, 43);
    assert_eq!(stats.grids, 3);
    assert_eq!(stats.residents, 4);
    let c = org::get(&env.ctx, &sys, f.community).await.unwrap();
    assert_eq!(c.name, "和平社区");
    assert_eq!(c.official_name, "和平社区居委会");
    assert_eq!(c.path, "/150302/150302001/150302001002/");
    let g = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    assert_eq!(g.code, "150302001002001");
    assert_eq!(g.code.len(), 15);
    assert!(g.boundary.is_some());
    let cv = org::view(&env.ctx, &sys, f.community, false).await.unwrap();
    assert_eq!(cv.child_residents, [2, 1], "residents per grid");
    assert_eq!(cv.stats.grids, 2);
    assert_eq!(
        org::stats(&env.ctx, &sys, f.grid).await.unwrap().grids,
        0,
        "a grid does not count itself"
    );
    let v = org::view(&env.ctx, &sys, f.grid, false).await.unwrap();
    assert_eq!(
        v.ancestors
            .iter()
            .map(|a| a.code.as_str())
            .collect::<Vec<_>>(),
        ["150302", "150302001", "150302001002"]
    );
}

#[tokio::test]
async fn move_carries_the_subtree_and_its_people() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let g = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    let moved = org::move_to(&env.ctx, &sys, f.grid, f.other_community, g.version)
        .await
        .unwrap();
    assert_eq!(
        moved.path,
        "/150302/150302001/150302001003/150302001002001/"
    );
    assert_eq!(moved.code, g.code, "a moved unit keeps its code");
    // Households and residents moved with it: the old community no longer reaches them.
    let old = org::stats(&env.ctx, &sys, f.community).await.unwrap();
    let new = org::stats(&env.ctx, &sys, f.other_community).await.unwrap();
    assert_eq!((old.grids, old.residents), (1, 1));
    assert_eq!((new.grids, new.residents), (2, 3));
    let r = people::get(&env.ctx, &sys, f.resident).await.unwrap();
    assert!(r.household.path.starts_with(&moved.path));
    let hist = org::history(&env.ctx, &sys, f.grid).await.unwrap();
    assert_eq!(hist[0].change, "move");
    // A stale version is refused.
    let e = org::move_to(&env.ctx, &sys, f.grid, f.community, g.version)
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Conflict(_)), "{e:?}");
}

#[tokio::test]
async fn retire_keeps_history_and_the_code_is_never_reused() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    // A grid with people cannot be retired.
    let g = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    assert!(matches!(
        org::retire(&env.ctx, &sys, f.grid, g.version).await,
        Err(DomainError::Rule(_))
    ));
    // An empty new grid can.
    let empty = org::create(
        &env.ctx,
        &sys,
        org::CreateUnit {
            parent_id: f.community,
            name: "临时网格".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let retired = org::retire(&env.ctx, &sys, empty.id, empty.version)
        .await
        .unwrap();
    assert_eq!(retired.status.as_str(), "retired");
    assert!(retired.retired_ms.is_some());
    // The next grid gets a new number, not the retired one.
    let next = org::create(
        &env.ctx,
        &sys,
        org::CreateUnit {
            parent_id: f.community,
            name: "新网格".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_ne!(next.code, empty.code);
    assert!(next.code > empty.code);
    // Asking for the retired code explicitly is refused.
    let e = org::create(
        &env.ctx,
        &sys,
        org::CreateUnit {
            parent_id: f.community,
            code: Some(empty.code.clone()),
            name: "x".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "validation_failed");
    let kids = org::view(&env.ctx, &sys, f.community, true)
        .await
        .unwrap()
        .children;
    assert!(
        kids.iter()
            .any(|k| k.code == empty.code && k.status.as_str() == "retired")
    );
    let hist = org::history(&env.ctx, &sys, empty.id).await.unwrap();
    assert_eq!(
        hist.iter().map(|h| h.change.as_str()).collect::<Vec<_>>(),
        ["retire", "create"]
    );
}

#[tokio::test]
async fn concurrent_edits_one_wins_one_conflicts() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let g = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    let a = org::update(
        &env.ctx,
        &sys,
        f.grid,
        g.version,
        UnitPatch {
            name: Some("甲".into()),
            ..Default::default()
        },
    );
    let b = org::update(
        &env.ctx,
        &sys,
        f.grid,
        g.version,
        UnitPatch {
            name: Some("乙".into()),
            ..Default::default()
        },
    );
    let (a, b) = tokio::join!(a, b);
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    let loser = if a.is_err() { a } else { b };
    assert!(matches!(loser, Err(DomainError::Conflict(_))));
}

#[tokio::test]
async fn personal_data_is_encrypted_at_rest_and_found_by_blind_index() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let rec = env.ctx.people.resident(f.resident).await.unwrap().unwrap();
    assert!(!rec.id_enc.contains(&f.resident_id_number[..10]));
    assert_eq!(
        rec.id_mask,
        jiceng_core::mask::id_number(&f.resident_id_number)
    );
    assert_eq!(
        env.ctx.cipher.decrypt(&rec.id_enc).unwrap(),
        f.resident_id_number
    );
    // The raw table holds no plain ID or phone anywhere.
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id_enc, phone_enc FROM residents")
            .fetch_all(env.store.write_pool())
            .await
            .unwrap();
    for (i, p) in rows {
        assert!(!i.contains("150302") && !p.unwrap_or_default().contains("139"));
    }
    let sys = Actor::system();
    for q in [
        f.resident_id_number.as_str(),
        f.resident_phone.as_str(),
        "桂英",
    ] {
        let page = people::search(
            &env.ctx,
            &sys,
            &ResidentFilter {
                q: Some(q.into()),
                label: None,
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
        assert_eq!(page.total, 1, "query {q}");
        assert_eq!(page.items[0].id, f.resident);
    }
    let q = people::query_of(&env.ctx, Some(&f.resident_id_number.to_lowercase()));
    assert!(matches!(q, ResidentQuery::IdIndex(_)));
    let page = people::search(
        &env.ctx,
        &sys,
        &ResidentFilter {
            q: None,
            label: Some("elderly_alone".into()),
        },
        PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        page.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        [f.resident]
    );
}

#[tokio::test]
async fn paging_is_stable_and_bounded() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let mut seen = vec![];
    for offset in 0..4 {
        let p = people::search(
            &env.ctx,
            &sys,
            &ResidentFilter::default(),
            PageRequest { offset, limit: 1 },
        )
        .await
        .unwrap();
        assert_eq!(p.total, 4);
        seen.push(p.items[0].id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);
    let p = people::search(
        &env.ctx,
        &sys,
        &ResidentFilter::default(),
        PageRequest {
            offset: -5,
            limit: 100_000,
        },
    )
    .await
    .unwrap();
    assert_eq!((p.offset, p.limit), (0, PageRequest::MAX_LIMIT));
    let _ = f;
}

#[tokio::test]
async fn the_audit_trail_refuses_update_and_delete() {
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    let pool = env.store.write_pool();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(n > 0);
    assert!(
        sqlx::query("UPDATE audit_events SET action = 'x'")
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_events")
            .execute(pool)
            .await
            .is_err()
    );
    let (m,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(n, m);
}

#[tokio::test]
async fn every_change_is_audited_with_before_and_after() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let g = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    org::update(
        &env.ctx,
        &sys,
        f.grid,
        g.version,
        UnitPatch {
            name: Some("新名字".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = audit_by_action(&env.ctx, "/", "org.rename").await;
    assert_eq!(page.total, 1);
    let e = &page.items[0].event;
    assert_eq!(e.entity_id, g.code);
    assert_eq!(e.before.as_ref().unwrap()["name"], g.name);
    assert_eq!(e.after.as_ref().unwrap()["name"], "新名字");
    // Resident changes keep masked values only.
    let r = env.ctx.people.resident(f.resident).await.unwrap().unwrap();
    people::update(
        &env.ctx,
        &sys,
        f.resident,
        r.version,
        people::ResidentInput {
            name: "张桂英".into(),
            id_number: f.resident_id_number.clone(),
            phone: Some("13999998888".into()),
            ethnicity: Some("蒙古族".into()),
            relation: None,
            labels: vec![],
        },
    )
    .await
    .unwrap();
    let page = audit_by_action(&env.ctx, "/", "people.update").await;
    let text = serde_json::to_string(&page.items[0].event).unwrap();
    assert!(!text.contains("13999998888") && !text.contains(&f.resident_id_number));
    assert!(text.contains("139****8888") && text.contains("蒙古族"));
}

#[tokio::test]
async fn a_failed_bulk_import_leaves_nothing_behind() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let before = org::stats(&env.ctx, &sys, f.district).await.unwrap();
    // The second row's ID is already recorded: the store refuses the whole batch.
    let labels = env.ctx.people.labels().await.unwrap();
    let mk = |id: &str| jiceng_domain::people::PersonImport {
        // grid 150302001002001 + estate 01 + building 001 + unit 01
        unit_code: "1503020010020010100101".into(),
        room: "909".into(),
        address: "x".into(),
        dwelling: "own".into(),
        resident: people::prepare(
            &env.ctx,
            (0, ""),
            &people::ResidentInput {
                name: "甲".into(),
                id_number: id.into(),
                ..Default::default()
            },
            &labels,
        )
        .unwrap(),
    };
    let rows = vec![mk(&id_number((1999, 9, 9), 1)), mk(&f.resident_id_number)];
    let e = env
        .ctx
        .people
        .import_people(
            vec![],
            rows,
            env.ctx.event(&sys, "import.people", "resident", "t", "/"),
        )
        .await;
    assert!(e.is_err());
    let after = org::stats(&env.ctx, &sys, f.district).await.unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_audit_trail_lists_a_scope_and_nothing_outside_it() {
    let env = env().await;
    let sys = Actor::system();
    // Entries at every depth, in two sub-districts (and one above them all).
    let paths = [
        "/150302/",
        "/150302/150302001/",
        "/150302/150302001/150302001001/",
        "/150302/150302001/150302001001/150302001001001/",
        "/150302/150302001/150302001002/",
        "/150302/150302002/",
        "/150302/150302002/150302002001/",
        "/150303/150303001/",
    ];
    for (i, p) in paths.iter().enumerate() {
        let e = env.ctx.event(&sys, "test.scope", "unit", i, p);
        env.ctx.audit.append(e).await.unwrap();
    }
    let list = |scope: &'static str| {
        let ctx = env.ctx.clone();
        async move {
            let page = audit_by_action(&ctx, scope, "test.scope").await;
            let ids: Vec<String> = page
                .items
                .iter()
                .map(|r| r.event.entity_id.clone())
                .collect();
            assert_eq!(page.total as usize, ids.len(), "{scope}");
            ids
        }
    };
    // Newest first, exactly the subtree: above, at and below the sub-district level.
    assert_eq!(list("/").await, ["7", "6", "5", "4", "3", "2", "1", "0"]);
    assert_eq!(list("/150302/").await, ["6", "5", "4", "3", "2", "1", "0"]);
    assert_eq!(list("/150302/150302001/").await, ["4", "3", "2", "1"]);
    assert_eq!(list("/150302/150302001/150302001001/").await, ["3", "2"]);
    assert_eq!(
        list("/150302/150302001/150302001001/150302001001001/").await,
        ["3"]
    );
    assert_eq!(list("/150302/150302002/").await, ["6", "5"]);
    assert!(list("/150304/").await.is_empty());
}

#[tokio::test]
async fn a_large_division_import_builds_the_tree_and_each_units_history() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    // 21 new streets with 999 communities each (21,000 units: more than one chunk of
    // 20,000 rows); more codes than stored units, so the known units are read whole
    // rather than probed code by code.
    let mut csv = jiceng_testkit::division_csv(20..41);
    // One known street, unchanged, in the same file.
    csv.push_str("street,150302001,凤凰岭街道,150302\n");
    let out = import_divisions(&env.ctx, &csv).await;
    assert!(out.applied, "{:?}", out.report);
    assert_eq!((out.created, out.unchanged, out.skipped), (21_000, 1, 0));
    let street = unit_coded(&env.ctx, "150302021").await;
    assert_eq!(street.path, "/150302/150302021/");
    assert_eq!(street.kind, UnitKind::Subdistrict);
    let c = unit_coded(&env.ctx, "150302021600").await;
    assert_eq!(c.path, "/150302/150302021/150302021600/");
    assert_eq!(
        (c.name.as_str(), c.official_name.as_str()),
        ("新21-600社区", "新21-600社区居委会")
    );
    assert_eq!(c.parent_id, Some(street.id));
    assert_eq!(
        created_as(&env.ctx, c.id).await,
        ("新21-600社区".into(), Some("150302021".into()))
    );
    let stats = org::stats(&env.ctx, &sys, f.district).await.unwrap();
    assert_eq!(
        (stats.subdistricts, stats.communities),
        (8 + 21, 43 + 20_979)
    );
    // The same file again: now fewer codes than units, looked up code by code; all known.
    let again = import_divisions(&env.ctx, &csv).await;
    assert_eq!((again.created, again.unchanged), (0, 21_001));
}

#[tokio::test]
async fn an_import_that_outgrows_the_tree_keeps_its_indexes_and_keys() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let before = jiceng_testkit::indexes_and_keys(&env).await;
    assert!(before.len() > 100, "{before:?}");
    // 51,000 new units into a tree of a few dozen: on PostgreSQL the indexes and keys are
    // taken off for the load and built again from the rows before the commit.
    let csv = jiceng_testkit::division_csv(20..71);
    let out = import_divisions(&env.ctx, &csv).await;
    assert!(out.applied, "{:?}", out.report);
    assert_eq!(out.created, 51_000);
    assert_eq!(jiceng_testkit::indexes_and_keys(&env).await, before);
    let stats = org::stats(&env.ctx, &sys, f.district).await.unwrap();
    assert_eq!(
        (stats.subdistricts, stats.communities),
        (8 + 51, 43 + 50_949)
    );
    let c = unit_coded(&env.ctx, "150302070999").await;
    assert_eq!(
        created_as(&env.ctx, c.id).await,
        (c.name.clone(), Some("150302070".into()))
    );
    // The keys hold again: a taken code and an unknown parent are refused.
    let pool = env.store.write_pool();
    let insert = |code: &'static str, parent: i64| {
        sqlx::query(
            "INSERT INTO org_units (code, kind, name, official_name, parent_id, path, created_ms) \
             VALUES ($1, 'community', 'x', 'x', $2, $3, 0)",
        )
        .bind(code)
        .bind(parent)
        .bind(format!("/x/{code}/"))
        .execute(pool)
    };
    assert!(insert("150302070999", c.parent_id.unwrap()).await.is_err());
    assert!(insert("150302070998x", 987_654_321).await.is_err());
    assert!(insert("150302070998x", c.parent_id.unwrap()).await.is_ok());
}

#[tokio::test]
async fn a_division_list_into_an_empty_tree_and_again() {
    let env = env().await;
    assert!(env.ctx.org.roots().await.unwrap().is_empty());
    let mut csv = String::from("level,code,name,parent_code\ndistrict,150302,海勃湾区,1503\n");
    let streets = jiceng_testkit::division_csv(1..3);
    csv.push_str(streets.split_once('\n').map_or("", |(_header, rows)| rows));
    let first = import_divisions(&env.ctx, &csv).await;
    assert!(first.applied, "{:?}", first.report.errors.first());
    assert_eq!((first.created, first.unchanged), (2_001, 0));
    let c = unit_coded(&env.ctx, "150302002999").await;
    assert_eq!(c.path, "/150302/150302002/150302002999/");
    // The same file again: every row is known now.
    let again = import_divisions(&env.ctx, &csv).await;
    assert_eq!((again.created, again.unchanged), (0, 2_001));
}

#[tokio::test]
async fn units_written_in_bulk_keep_names_with_control_characters() {
    // PostgreSQL copies the rows (`COPY`'s text format, fields escaped); inside another
    // write it sends plain rows as separated text, and a batch whose names hold a
    // separator as JSON. Either way the names come back whole.
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let unit = |code: &str, name: &str, parent: &str| jiceng_domain::org::NewUnit {
        code: code.into(),
        kind: UnitKind::Subdistrict,
        name: name.into(),
        official_name: format!("{name}街道办事处"),
        parent_code: Some(parent.into()),
        grid_type: None,
        boundary: None,
        address: None,
    };
    let batches = [
        vec![
            unit("150302090", "平常", "150302"),
            unit("150302091", "引号\"与\\斜杠", "150302"),
        ],
        vec![
            unit("150302092", "分\u{1f}隔", "150302"),
            unit("150302093", "记\u{1e}录", "150302"),
        ],
        // What PostgreSQL's `COPY` reads as structure: tab, newline, carriage return, a
        // backslash (an escape), `\N` alone (NULL).
        vec![
            unit("150302094", "制\t表\n换\r行", "150302"),
            unit("150302095", "\\N", "150302"),
            unit("150302096", "斜杠在末尾\\", "150302"),
        ],
    ];
    for batch in batches {
        let audit = env
            .ctx
            .event(&sys, "import.divisions", "org_unit", "t", "/150302/");
        let expected: Vec<(String, String, String)> = batch
            .iter()
            .map(|u| (u.code.clone(), u.name.clone(), u.official_name.clone()))
            .collect();
        env.ctx.org.insert_many(batch, audit).await.unwrap();
        for (code, name, official) in expected {
            let u = unit_coded(&env.ctx, &code).await;
            assert_eq!(
                (u.name.as_str(), u.official_name),
                (name.as_str(), official),
                "{code}"
            );
            assert_eq!(u.path, format!("/150302/{code}/"));
            assert_eq!(
                created_as(&env.ctx, u.id).await,
                (name, Some("150302".into()))
            );
        }
    }
}

#[tokio::test]
async fn a_bulk_load_refused_midway_leaves_nothing_and_the_store_goes_on() {
    // PostgreSQL copies the rows a few thousand at a time: a unit refused after the
    // first thousands were sent stops the copy, the transaction rolls back, and the
    // connection is fit for the next load. A taken code is refused by the unique key.
    let env = env().await;
    let _f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let counts = async || {
        let pool = env.store.write_pool();
        let (units,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM org_units")
            .fetch_one(pool)
            .await
            .unwrap();
        let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM unit_history")
            .fetch_one(pool)
            .await
            .unwrap();
        let (audits,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
            .fetch_one(pool)
            .await
            .unwrap();
        (units, entries, audits)
    };
    let unit = |code: String, parent: &str| jiceng_domain::org::NewUnit {
        name: format!("社区{code}"),
        official_name: format!("社区{code}居委会"),
        code,
        kind: UnitKind::Community,
        parent_code: Some(parent.into()),
        grid_type: None,
        boundary: None,
        address: None,
    };
    let before = counts().await;
    let load = |batch| {
        env.ctx.org.insert_many(
            batch,
            env.ctx
                .event(&sys, "import.divisions", "org_unit", "t", "/150302/"),
        )
    };
    // 12,000 communities under a known sub-district, then one under an unknown one.
    let mut batch: Vec<_> = (0..12_000)
        .map(|i| unit(format!("150302001{i:05}"), "150302001"))
        .collect();
    batch.push(unit("150302099001".into(), "150302099"));
    match load(batch).await {
        Err(DomainError::Validation(fields)) => assert_eq!(fields[0].field, "parent_code"),
        other => panic!("{other:?}"),
    }
    assert_eq!(counts().await, before);
    // A code already in the tree.
    let taken = unit_coded(&env.ctx, "150302001002").await;
    let batch = vec![
        unit("150302001777".into(), "150302001"),
        unit(taken.code.clone(), "150302001"),
    ];
    match load(batch).await {
        Err(DomainError::Validation(fields)) => assert_eq!(fields[0].field, "code"),
        other => panic!("{other:?}"),
    }
    assert_eq!(counts().await, before);
    // The next load goes through.
    load(vec![unit("150302001778".into(), "150302001")])
        .await
        .unwrap();
    let (units, entries, audits) = counts().await;
    assert_eq!(
        (units, entries, audits),
        (before.0 + 1, before.1 + 1, before.2 + 1)
    );
    let c = unit_coded(&env.ctx, "150302001778").await;
    assert_eq!(c.path, "/150302/150302001/150302001778/");
    assert_eq!(
        created_as(&env.ctx, c.id).await,
        ("社区150302001778".into(), Some("150302001".into()))
    );
}

#[tokio::test]
async fn a_register_that_outgrows_the_residents_keeps_their_indexes_and_keys() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let grid = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    let before = jiceng_testkit::indexes_and_keys(&env).await;
    // Two people already live in room 1 of building 1.
    let header = "grid_code,estate,building,unit,room,name,id_number\n";
    let first = format!(
        "{header}{g},大寄存小区,1号楼,1单元,1,先住甲,{}\n{g},大寄存小区,1号楼,1单元,1,先住乙,{}\n",
        id_number((1985, 5, 5), 501),
        id_number((1986, 6, 6), 502),
        g = grid.code
    );
    let out = import_people(&env.ctx, &first).await;
    assert_eq!(out.created, 2);
    // 50,001 people (three to a household, the first three joining room 1) into a
    // register of six: on PostgreSQL the households' and residents' indexes and keys are
    // built again after the rows, before the joined household is counted again.
    let n = 50_001u32;
    let mut csv = String::from(header);
    for i in 0..n {
        let birth = (
            1940 + ((i / 336) % 60) as i32,
            (i / 28) % 12 + 1,
            i % 28 + 1,
        );
        csv.push_str(&format!(
            "{},大寄存小区,{}号楼,1单元,{},居民{i},{}\n",
            grid.code,
            i / 30_000 + 1,
            i / 3 + 1,
            id_number(birth, i / 20_160)
        ));
    }
    let out = import_people(&env.ctx, &csv).await;
    assert!(out.applied, "{:?}", out.report.errors.first());
    assert_eq!(out.created, n as u64);
    assert_eq!(jiceng_testkit::indexes_and_keys(&env).await, before);
    let pool = env.store.write_pool();
    let (residents, ids, households): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM residents), (SELECT COUNT(DISTINCT id_index) FROM residents), \
         (SELECT COUNT(*) FROM households WHERE address LIKE '大寄存小区%')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((residents, ids), (6 + n as i64, 6 + n as i64));
    assert_eq!(households, 16_667);
    let (room_one,): (i64,) = sqlx::query_as(
        "SELECT members FROM households WHERE address LIKE '大寄存小区1号楼1单元1室%'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        room_one,
        2 + 3,
        "the two before and the three of the register"
    );
    // The keys hold again: the same ID number twice, or a household that does not
    // exist, is refused by the database itself.
    let copy = |household: &str, index: &str| {
        sqlx::AssertSqlSafe(format!(
            "INSERT INTO residents (household_id, path, name, id_enc, id_index, id_mask, birth_date, sex, ethnicity, relation, created_ms, updated_ms) \
             SELECT {household}, path, name, id_enc, {index}, id_mask, birth_date, sex, ethnicity, relation, 0, 0 FROM residents \
             WHERE name = '居民7'"
        ))
    };
    let fresh = "id_index || 'x'";
    assert!(
        sqlx::query(copy("household_id", "id_index"))
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query(copy("987654321", fresh))
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query(copy("household_id", fresh))
            .execute(pool)
            .await
            .is_ok()
    );
    // Searching by ID number finds the one person.
    let page = people::search(
        &env.ctx,
        &sys,
        &ResidentFilter {
            q: Some(id_number((1940, 1, 8), 0)),
            label: None,
        },
        PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].name, "居民7");
}

#[tokio::test]
async fn a_second_people_import_joins_the_households_of_the_first() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let sys = Actor::system();
    let grid = org::get(&env.ctx, &sys, f.grid).await.unwrap();
    let csv = |rows: &[(&str, &str, String)]| {
        let mut s = String::from("grid_code,estate,building,unit,room,name,id_number\n");
        for (room, name, id) in rows {
            s.push_str(&format!(
                "{},新月小区,7号楼,2单元,{room},{name},{id}\n",
                grid.code
            ));
        }
        s
    };
    let first = csv(&[
        ("101", "甲一", id_number((1960, 1, 1), 11)),
        ("101", "甲二", id_number((1961, 1, 1), 13)),
        ("102", "乙一", id_number((1962, 1, 1), 15)),
        ("101", "甲三", id_number((1990, 1, 1), 17)),
    ]);
    let out = import_people(&env.ctx, &first).await;
    assert!(out.applied, "{:?}", out.report);
    assert_eq!(out.created, 4);
    let unit = env
        .ctx
        .org
        .units_in(&grid.path, UnitKind::Unit, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name.contains("2单元"))
        .expect("the unit 2单元 was created");
    let members = |hs: &[jiceng_domain::people::Household]| {
        let mut m: Vec<(String, i64)> = hs.iter().map(|h| (h.room.clone(), h.members)).collect();
        m.sort();
        m
    };
    let hs = people::households_of_unit(&env.ctx, &sys, unit.id)
        .await
        .unwrap();
    assert_eq!(members(&hs), [("101".into(), 3), ("102".into(), 1)]);
    assert!(
        hs.iter()
            .all(|h| h.address == format!("新月小区7号楼2单元{}室", h.room))
    );
    // A second file: one more person in 101, a new household in 103.
    let second = csv(&[
        ("103", "丙一", id_number((1970, 1, 1), 19)),
        ("101", "甲四", id_number((2010, 1, 1), 21)),
    ]);
    let out = import_people(&env.ctx, &second).await;
    assert_eq!(out.created, 2);
    let hs = people::households_of_unit(&env.ctx, &sys, unit.id)
        .await
        .unwrap();
    assert_eq!(
        members(&hs),
        [("101".into(), 4), ("102".into(), 1), ("103".into(), 1)]
    );
    let h101 = hs.iter().find(|h| h.room == "101").unwrap();
    let page = people::household(&env.ctx, &sys, h101.id).await.unwrap();
    let mut names: Vec<&str> = page.members.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["甲一", "甲三", "甲二", "甲四"]);
}
