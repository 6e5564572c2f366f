//! The audit log as a hash chain, tampered with directly in the database (its append-only triggers
//! dropped, as someone with the database file could): `jieshui-server verify-audit` names the
//! first entry altered, removed or inserted, and passes an untouched log of 10,000 entries.

use jieshui_server::db::{sqlite::SqliteStore, AuditEntry, AuditStore};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use std::process::Command;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A fresh database file with `n` entries written the way the product writes them.
async fn log_of(n: usize) -> (tempdir::Dir, SqlitePool, SqliteStore) {
    let dir = tempdir::Dir::new();
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(dir.path.join("j.db"))
            .create_if_missing(true),
    )
    .await
    .expect("db");
    MIGRATOR.run(&pool).await.expect("migrations");
    let store = SqliteStore::from_pool(pool.clone());
    for i in 0..n {
        store
            .audit(&AuditEntry {
                actor_id: None,
                action: "test_entry",
                subject: format!("subject-{i}"),
                detail: serde_json::json!({ "before": i, "after": i + 1 }),
            })
            .await
            .expect("audit");
    }
    (dir, pool, store)
}

/// Runs the real binary's `verify-audit` on the database: its exit status and what it printed.
fn verify_audit(dir: &tempdir::Dir) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jieshui-server"))
        .arg("verify-audit")
        .env("JIESHUI_DATA_DIR", &dir.path)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/j.db", dir.path.display()),
        )
        .env("JIESHUI_LOG", "warn")
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn drop_guards(pool: &SqlitePool) {
    for t in ["audit_log_no_update", "audit_log_no_delete"] {
        sqlx::query(&format!("DROP TRIGGER {t}"))
            .execute(pool)
            .await
            .expect("drop trigger");
    }
}

#[tokio::test]
async fn an_altered_entry_is_named() {
    let (dir, pool, _store) = log_of(20).await;
    let (ok, text) = verify_audit(&dir);
    assert!(ok, "{text}");
    assert!(text.contains("20 entries"), "{text}");
    // The append-only guard holds as long as it is there.
    assert!(
        sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 7")
            .execute(&pool)
            .await
            .is_err()
    );
    drop_guards(&pool).await;
    sqlx::query(r#"UPDATE audit_log SET detail = '{"before":6,"after":99}' WHERE seq = 7"#)
        .execute(&pool)
        .await
        .expect("altered");
    let (ok, text) = verify_audit(&dir);
    assert!(!ok);
    assert!(text.contains("entry #7 was altered"), "{text}");
}

#[tokio::test]
async fn a_removed_entry_is_named() {
    let (dir, pool, _store) = log_of(20).await;
    drop_guards(&pool).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 12")
        .execute(&pool)
        .await
        .expect("deleted");
    let (ok, text) = verify_audit(&dir);
    assert!(!ok);
    assert!(text.contains("entry #12 was removed"), "{text}");
}

#[tokio::test]
async fn an_inserted_entry_is_named() {
    let (dir, pool, _store) = log_of(20).await;
    // A forged entry between #9 and #10, claiming to follow #9 (whose hash anyone can read).
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, subject, detail, seq, prev_hash, hash)
         SELECT randomblob(16), at, actor_id, 'user_create', 'x', '{}', 9.5, hash, hash
           FROM audit_log WHERE seq = 9",
    )
    .execute(&pool)
    .await
    .expect("inserted");
    let (ok, text) = verify_audit(&dir);
    assert!(!ok);
    assert!(text.contains("entry #9.5 was inserted"), "{text}");
}

#[tokio::test]
async fn an_untouched_log_of_ten_thousand_entries_passes() {
    let (dir, pool, store) = log_of(3).await;
    // Written in one transaction to keep the test quick, numbered as the product numbers them, and
    // sealed by the product's own sealing (as entries older than the chain are at start).
    let mut tx = pool.begin().await.expect("tx");
    for i in 0..9_997 {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, action, subject, detail, seq)
             VALUES (randomblob(16), '2026-12-06 03:00:00.0 +00:00:00', NULL, 'bulk', ?,
                     '{}', (SELECT MAX(seq) + 1 FROM audit_log))",
        )
        .bind(format!("bulk-{i}"))
        .execute(&mut *tx)
        .await
        .expect("insert");
    }
    tx.commit().await.expect("commit");
    assert_eq!(store.seal_audit_log().await.expect("sealed"), 9_997);
    let (ok, text) = verify_audit(&dir);
    assert!(ok, "{text}");
    assert!(text.contains("10000 entries"), "{text}");
    // A new entry continues the chain.
    store
        .audit(&AuditEntry {
            actor_id: None,
            action: "test_entry",
            subject: "after".into(),
            detail: serde_json::json!({}),
        })
        .await
        .expect("audit");
    let (ok, text) = verify_audit(&dir);
    assert!(ok && text.contains("10001 entries"), "{text}");
}

mod tempdir {
    /// A directory removed when the test ends.
    pub struct Dir {
        pub path: std::path::PathBuf,
    }

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("jieshui-audit-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Dir { path }
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
