//! One-shot commands (`import`, `demo --no-serve`, `migrate`) leave an SQLite database
//! whole in its file: what the WAL held is copied back before the command exits, so a
//! copy of `jiceng.db` alone holds what the command wrote. Runs the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use jiceng_domain::org::store::OrgStore;
use jiceng_store::StoreConfig;
use jiceng_testkit::data_key_hex;

#[tokio::test]
async fn an_import_leaves_its_rows_in_the_database_file() {
    if jiceng_testkit::backend_url().is_some() {
        return; // SQLite's files only: PostgreSQL has no WAL beside a file to copy.
    }
    let dir = std::env::temp_dir().join(format!("jiceng-one-shot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("jiceng.db");
    let csv = dir.join("divisions.csv");
    std::fs::write(
        &csv,
        "level,code,name,parent_code\n\
         district,150302,海勃湾区,1503\n\
         street,150302001,凤凰岭街道,150302\n\
         community,150302001001,东山社区居委会,150302001\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jiceng"))
        .args(["--database", &format!("sqlite://{}", db.display())])
        .args(["import", "divisions", csv.to_str().unwrap()])
        .env("JICENG_DATA_KEY", data_key_hex())
        .env("JICENG_LOG", "warn")
        .output()
        .expect("run jiceng import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The WAL is gone or empty: nothing of the import lives only there.
    let wal = dir.join("jiceng.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the import left {wal_len} bytes in the WAL");
    // The database file alone, copied elsewhere, holds the units.
    let copy = dir.join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    let store = jiceng_store::connect(&StoreConfig::new(format!("sqlite://{}", copy.display())))
        .await
        .unwrap();
    let unit = store.unit_by_code("150302001001").await.unwrap();
    assert_eq!(
        unit.map(|u| u.path),
        Some("/150302/150302001/150302001001/".to_string())
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
