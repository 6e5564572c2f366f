//! The SQLite store on its own: session expiry, the last-admin rule, the append-only audit log,
//! and idempotent demo seeding. Each test gets a fresh migrated database.

use jieshui_app::domain::role::Role;
use jieshui_app::domain::throttle::FailureRecord;
use jieshui_server::db::{
    sqlite::SqliteStore, AuditEntry, NewSession, NewUserRow, SetActive, Store,
};
use sqlx::SqlitePool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn audit(action: &'static str) -> AuditEntry {
    AuditEntry {
        actor_id: None,
        action,
        subject: String::new(),
        detail: serde_json::json!({}),
    }
}

async fn user(store: &SqliteStore, username: &str, role: Role) -> Uuid {
    let id = Uuid::now_v7();
    let row = NewUserRow {
        id,
        username: username.into(),
        display_name: username.into(),
        role,
        district_id: None,
        password_hash: "x".into(),
        demo: false,
    };
    store
        .insert_user(&row, &audit("test_user"))
        .await
        .expect("insert user");
    id
}

async fn session(
    store: &SqliteStore,
    user_id: Uuid,
    at: OffsetDateTime,
    lifetime: Duration,
) -> String {
    let hash = format!("hash-{}", Uuid::now_v7());
    let s = NewSession {
        token_hash: hash.clone(),
        user_id,
        now: at,
        expires_at: at + lifetime,
        ip: "127.0.0.1".into(),
        user_agent: "test".into(),
    };
    store.create_session(&s).await.expect("create session");
    hash
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sessions_end_when_idle_too_long(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool);
    let id = user(&store, "idler", Role::Inspector).await;
    let t0 = OffsetDateTime::now_utc();
    let idle = Duration::minutes(30);
    let h = session(&store, id, t0, Duration::days(7)).await;
    // Used 29 minutes later: alive, and the use counts as activity.
    assert!(store
        .session_user(&h, t0 + Duration::minutes(29), idle)
        .await
        .expect("db")
        .is_some());
    assert!(store
        .session_user(&h, t0 + Duration::minutes(58), idle)
        .await
        .expect("db")
        .is_some());
    // Then left alone for 30 minutes: gone for good.
    assert!(store
        .session_user(&h, t0 + Duration::minutes(88), idle)
        .await
        .expect("db")
        .is_none());
    assert!(store
        .session_user(&h, t0 + Duration::minutes(89), Duration::days(1))
        .await
        .expect("db")
        .is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sessions_end_at_their_absolute_expiry_however_busy(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool);
    let id = user(&store, "busy", Role::Supervisor).await;
    let t0 = OffsetDateTime::now_utc();
    let idle = Duration::hours(12);
    let h = session(&store, id, t0, Duration::hours(3)).await;
    for m in [60, 120, 179] {
        assert!(
            store
                .session_user(&h, t0 + Duration::minutes(m), idle)
                .await
                .expect("db")
                .is_some(),
            "{m} min"
        );
    }
    assert!(store
        .session_user(&h, t0 + Duration::minutes(180), idle)
        .await
        .expect("db")
        .is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn purging_removes_only_dead_sessions(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool);
    let id = user(&store, "someone", Role::Inspector).await;
    let now = OffsetDateTime::now_utc();
    let live = session(&store, id, now, Duration::days(1)).await;
    session(&store, id, now - Duration::days(2), Duration::days(1)).await;
    let n = store
        .purge_expired_sessions(now, Duration::hours(12))
        .await
        .expect("purge");
    assert_eq!(n, 1);
    assert!(store
        .session_user(&live, now, Duration::hours(12))
        .await
        .expect("db")
        .is_some());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_last_active_admin_cannot_be_deactivated(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool);
    let a = user(&store, "admin.a", Role::Admin).await;
    let b = user(&store, "admin.b", Role::Admin).await;
    assert_eq!(
        store
            .set_user_active(a, false, &audit("t"))
            .await
            .expect("db"),
        SetActive::Done
    );
    assert_eq!(
        store
            .set_user_active(b, false, &audit("t"))
            .await
            .expect("db"),
        SetActive::LastAdmin
    );
    assert_eq!(store.count_active_admins().await.expect("db"), 1);
    assert_eq!(
        store
            .set_user_active(Uuid::now_v7(), false, &audit("t"))
            .await
            .expect("db"),
        SetActive::NoSuchUser
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn usernames_are_unique_by_named_constraint(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool);
    user(&store, "dup", Role::Inspector).await;
    let row = NewUserRow {
        id: Uuid::now_v7(),
        username: "dup".into(),
        display_name: "x".into(),
        role: Role::Admin,
        district_id: None,
        password_hash: "x".into(),
        demo: false,
    };
    match store.insert_user(&row, &audit("t")).await {
        Err(jieshui_server::db::StoreError::Unique(name)) => assert_eq!(name, "users_username_key"),
        other => panic!("expected a unique violation, got {other:?}"),
    }
    // The refused insert left no audit entry behind.
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .expect("db");
    assert_eq!(entries, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_audit_log_cannot_be_rewritten(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool.clone());
    store.audit(&audit("something")).await.expect("append");
    assert!(sqlx::query("UPDATE audit_log SET action = 'else'")
        .execute(&pool)
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_log")
        .execute(&pool)
        .await
        .is_err());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn failure_counters_are_compare_and_set(pool: SqlitePool) {
    let store = SqliteStore::from_pool(pool);
    assert_eq!(store.failures("u:x").await.expect("db"), None);
    let rec = |failures, at| FailureRecord {
        failures,
        last_failure_at: at,
    };
    let t = 1_700_000_000;
    assert!(store
        .claim_attempt("u:x", None, rec(1, t))
        .await
        .expect("db"));
    // A second writer that also read "nothing stored" loses.
    assert!(!store
        .claim_attempt("u:x", None, rec(1, t))
        .await
        .expect("db"));
    assert_eq!(store.failures("u:x").await.expect("db"), Some(rec(1, t)));
    assert!(store
        .claim_attempt("u:x", Some(rec(1, t)), rec(2, t + 1))
        .await
        .expect("db"));
    // A writer that read the old count loses too.
    assert!(!store
        .claim_attempt("u:x", Some(rec(1, t)), rec(2, t + 1))
        .await
        .expect("db"));
    assert_eq!(
        store.failures("u:x").await.expect("db"),
        Some(rec(2, t + 1))
    );
    store.clear_failures("u:x").await.expect("db");
    assert_eq!(store.failures("u:x").await.expect("db"), None);

    // Old rows are purged, recent ones kept.
    assert!(store
        .claim_attempt("ip:a", None, rec(1, t))
        .await
        .expect("db"));
    assert!(store
        .claim_attempt("ip:b", None, rec(1, t + 900))
        .await
        .expect("db"));
    assert_eq!(store.purge_failures(t + 1).await.expect("db"), 1);
    assert_eq!(store.failures("ip:a").await.expect("db"), None);
    assert!(store.failures("ip:b").await.expect("db").is_some());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn demo_seeding_twice_duplicates_nothing(pool: SqlitePool) {
    let store: jieshui_server::db::SharedStore = std::sync::Arc::new(SqliteStore::from_pool(pool));
    jieshui_server::seed::seed_demo(&store, "first-password")
        .await
        .expect("seed");
    let (d, s, u) = (
        store.list_districts().await.expect("db").len(),
        store.count_sites().await.expect("db"),
        store.list_users().await.expect("db").len(),
    );
    assert_eq!(d, 5);
    assert!(s >= 10, "a handful of shops, communities and units");
    assert_eq!(u, 3);
    // A second start with another DEMO_PASSWORD keeps one of everything and takes the new password.
    jieshui_server::seed::seed_demo(&store, "second-password")
        .await
        .expect("seed again");
    assert_eq!(store.list_districts().await.expect("db").len(), d);
    assert_eq!(store.count_sites().await.expect("db"), s);
    assert_eq!(store.list_users().await.expect("db").len(), u);
    let admin = store
        .user_for_login("admin")
        .await
        .expect("db")
        .expect("admin");
    let ok =
        jieshui_server::auth::password::verify("second-password".into(), admin.password_hash).await;
    assert!(ok.expect("verify"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn demo_seeding_never_touches_an_account_it_did_not_make(pool: SqlitePool) {
    let store: jieshui_server::db::SharedStore = std::sync::Arc::new(SqliteStore::from_pool(pool));
    // The operator made the administrator the README tells them to, named "admin".
    let hash = jieshui_server::auth::password::hash("operators-own-secret".into())
        .await
        .expect("hash");
    let id = Uuid::now_v7();
    let row = NewUserRow {
        id,
        username: "admin".into(),
        display_name: "运维".into(),
        role: Role::Admin,
        district_id: None,
        password_hash: hash.clone(),
        demo: false,
    };
    store
        .insert_user(&row, &audit("user_create_cli"))
        .await
        .expect("insert");
    let report = jieshui_server::seed::seed_demo(&store, "jieshui-demo")
        .await
        .expect("seed");
    assert_eq!(report.skipped, vec!["admin".to_string()]);
    let admin = store
        .user_for_login("admin")
        .await
        .expect("db")
        .expect("admin");
    assert_eq!(admin.password_hash, hash, "its password is its own");
    assert_eq!(admin.user.display_name, "运维");
    assert!(admin.active && !admin.demo);
    // The other two demo accounts were made, and are marked as such.
    for name in ["inspector", "supervisor"] {
        let u = store.user_for_login(name).await.expect("db").expect("made");
        assert!(u.demo && u.active, "{name}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_start_without_demo_mode_disables_the_demo_accounts_and_ends_their_sessions(
    pool: SqlitePool,
) {
    let sqlite = SqliteStore::from_pool(pool.clone());
    let store: jieshui_server::db::SharedStore = std::sync::Arc::new(SqliteStore::from_pool(pool));
    jieshui_server::seed::seed_demo(&store, "jieshui-demo")
        .await
        .expect("seed");
    let real = user(&sqlite, "wang.li", Role::Inspector).await;
    let demo = store
        .user_for_login("inspector")
        .await
        .expect("db")
        .expect("demo");
    let now = OffsetDateTime::now_utc();
    let demo_session = session(&sqlite, demo.user.id, now, Duration::hours(2)).await;
    let real_session = session(&sqlite, real, now, Duration::hours(2)).await;
    assert_eq!(
        jieshui_server::seed::disable_demo_users(&store)
            .await
            .expect("off"),
        3
    );
    // Again: nothing left to change.
    assert_eq!(
        jieshui_server::seed::disable_demo_users(&store)
            .await
            .expect("off"),
        0
    );
    for name in ["inspector", "supervisor", "admin"] {
        assert!(
            !store
                .user_for_login(name)
                .await
                .expect("db")
                .expect("kept")
                .active
        );
    }
    let idle = Duration::hours(1);
    assert!(store
        .session_user(&demo_session, now, idle)
        .await
        .expect("db")
        .is_none());
    let still = store
        .session_user(&real_session, now, idle)
        .await
        .expect("db");
    assert_eq!(
        still.map(|u| u.id),
        Some(real),
        "the real account is untouched"
    );
    // Demo mode back on: the demo accounts sign in again.
    jieshui_server::seed::seed_demo(&store, "jieshui-demo")
        .await
        .expect("seed");
    assert!(
        store
            .user_for_login("admin")
            .await
            .expect("db")
            .expect("kept")
            .active
    );
}
