//! The store's contract, written once against `dyn Store` and run on every engine (each test gets a
//! fresh migrated database): session expiry, the last-admin rule, the audit log, throttle counters,
//! idempotent demo seeding, batch claims, inspections and photos with their audit entries, and
//! re-flags that never write an older computation last. The list at the end runs them on SQLite;
//! the PostgreSQL store adds its own list over the same functions.

use jieshui_app::domain::fixture::{Judgement, Reason, Verdict};
use jieshui_app::domain::geo::LatLon;
use jieshui_app::domain::inspection::{Fix, InspectionKind};
use jieshui_app::domain::market::{InspectionStatus, Line, Outcome};
use jieshui_app::domain::role::Role;
use jieshui_app::domain::site::{check_site, SiteFields, SiteKind};
use jieshui_app::domain::throttle::FailureRecord;
use jieshui_app::model::site::BatchStatus;
use jieshui_server::db::{
    sqlite::SqliteStore, AuditEntry, AuditStore, CommitOutcome, DistrictKind, DistrictRow,
    DraftWrite, InspectionRow, NewBatch, NewSession, NewUserRow, PhotoRow, ReflagScope,
    ResolvedSite, SetActive, SharedStore, Store, StoreError, StoredDraft, StoredLine, SubmitWrite,
};
use sqlx::SqlitePool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Runs each named suite function on a fresh SQLite database.
macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[sqlx::test(migrator = "super::MIGRATOR")]
                async fn $name(pool: sqlx::SqlitePool) {
                    super::$name(std::sync::Arc::new(super::SqliteStore::from_pool(pool))).await
                }
            )*
        }
    };
}

on_sqlite!(
    sessions_end_when_idle_too_long,
    sessions_end_at_their_absolute_expiry_however_busy,
    purging_removes_only_dead_sessions,
    the_last_active_admin_cannot_be_deactivated,
    two_admins_deactivating_each_other_at_once_leave_one,
    usernames_are_unique_by_named_constraint,
    failure_counters_are_compare_and_set,
    demo_seeding_twice_duplicates_nothing,
    demo_seeding_never_touches_an_account_it_did_not_make,
    a_start_without_demo_mode_disables_the_demo_accounts_and_ends_their_sessions,
    two_commits_of_one_batch_write_it_once,
    inspections_keep_their_kind_and_start_and_a_retry_audits_once,
    photos_are_stored_with_their_audit_entry,
    an_older_reflag_is_never_written_last,
    a_draft_is_written_once_and_submitted_once,
);

fn audit(action: &'static str) -> AuditEntry {
    AuditEntry {
        actor_id: None,
        action,
        subject: String::new(),
        detail: serde_json::json!({}),
    }
}

async fn user(store: &dyn Store, username: &str, role: Role) -> Uuid {
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
    store: &dyn Store,
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

pub async fn sessions_end_when_idle_too_long(store: SharedStore) {
    let id = user(&*store, "idler", Role::Inspector).await;
    let t0 = OffsetDateTime::now_utc();
    let idle = Duration::minutes(30);
    let h = session(&*store, id, t0, Duration::days(7)).await;
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

pub async fn sessions_end_at_their_absolute_expiry_however_busy(store: SharedStore) {
    let id = user(&*store, "busy", Role::Supervisor).await;
    let t0 = OffsetDateTime::now_utc();
    let idle = Duration::hours(12);
    let h = session(&*store, id, t0, Duration::hours(3)).await;
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

pub async fn purging_removes_only_dead_sessions(store: SharedStore) {
    let id = user(&*store, "someone", Role::Inspector).await;
    let now = OffsetDateTime::now_utc();
    let live = session(&*store, id, now, Duration::days(1)).await;
    session(&*store, id, now - Duration::days(2), Duration::days(1)).await;
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

pub async fn the_last_active_admin_cannot_be_deactivated(store: SharedStore) {
    let a = user(&*store, "admin.a", Role::Admin).await;
    let b = user(&*store, "admin.b", Role::Admin).await;
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

pub async fn usernames_are_unique_by_named_constraint(store: SharedStore) {
    user(&*store, "dup", Role::Inspector).await;
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
    let entries = store.audit_trail(None, 100).await.expect("db");
    assert_eq!(entries.len(), 1);
}

pub async fn failure_counters_are_compare_and_set(store: SharedStore) {
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

pub async fn demo_seeding_twice_duplicates_nothing(store: SharedStore) {
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

pub async fn demo_seeding_never_touches_an_account_it_did_not_make(store: SharedStore) {
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

pub async fn a_start_without_demo_mode_disables_the_demo_accounts_and_ends_their_sessions(
    store: SharedStore,
) {
    let sqlite = &*store;
    jieshui_server::seed::seed_demo(&store, "jieshui-demo")
        .await
        .expect("seed");
    let real = user(sqlite, "wang.li", Role::Inspector).await;
    let demo = store
        .user_for_login("inspector")
        .await
        .expect("db")
        .expect("demo");
    let now = OffsetDateTime::now_utc();
    let demo_session = session(sqlite, demo.user.id, now, Duration::hours(2)).await;
    let real_session = session(sqlite, real, now, Duration::hours(2)).await;
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

/// SQLite's own guard: the audit log's triggers refuse changes even to raw SQL.
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

pub async fn two_admins_deactivating_each_other_at_once_leave_one(store: SharedStore) {
    for round in 0..10 {
        let a = user(&*store, &format!("a{round}"), Role::Admin).await;
        let b = user(&*store, &format!("b{round}"), Role::Admin).await;
        // Everyone else steps down first, so these two are the last admins.
        for u in store.list_users().await.expect("db") {
            if u.role == Role::Admin && u.id != a && u.id != b && u.active {
                store
                    .set_user_active(u.id, false, &audit("t"))
                    .await
                    .expect("db");
            }
        }
        let (s1, s2) = (store.clone(), store.clone());
        let (x, y) = tokio::join!(
            tokio::spawn(async move { s1.set_user_active(a, false, &audit("t")).await }),
            tokio::spawn(async move { s2.set_user_active(b, false, &audit("t")).await }),
        );
        let outcomes = [x.expect("task").expect("db"), y.expect("task").expect("db")];
        assert!(outcomes.contains(&SetActive::Done), "{outcomes:?}");
        assert!(outcomes.contains(&SetActive::LastAdmin), "{outcomes:?}");
        assert_eq!(store.count_active_admins().await.expect("db"), 1);
    }
}

async fn district(store: &dyn Store) -> Uuid {
    store
        .upsert_district(&DistrictRow {
            code: "371502".into(),
            name: "东昌府区".into(),
            name_en: "Dongchangfu".into(),
            kind: DistrictKind::District,
        })
        .await
        .expect("district")
}

fn shop_row(code: &str, district_id: Uuid) -> ResolvedSite {
    let f = SiteFields {
        kind: "shop".into(),
        external_code: code.into(),
        name: format!("门店 {code}"),
        address: "东昌路 1 号".into(),
        district: "371502".into(),
        lat: "36.45".into(),
        lon: "115.98".into(),
        ..SiteFields::default()
    };
    ResolvedSite {
        input: check_site(&f).expect("a valid shop"),
        district_id,
    }
}

pub async fn two_commits_of_one_batch_write_it_once(store: SharedStore) {
    let admin = user(&*store, "importer", Role::Admin).await;
    let d = district(&*store).await;
    let rows: Vec<ResolvedSite> = (0..50).map(|i| shop_row(&format!("S{i}"), d)).collect();
    let id = Uuid::now_v7();
    let batch = NewBatch {
        id,
        created_by: admin,
        filename: "shops.csv".into(),
        row_count: rows.len() as i64,
        status: BatchStatus::Ready,
        payload: serde_json::to_string(&rows).expect("json"),
    };
    let about = move |action| AuditEntry {
        subject: id.to_string(),
        ..audit(action)
    };
    store
        .insert_batch(&batch, &about("sites_import_stage"))
        .await
        .expect("stage");
    assert_eq!(
        store.batch(id).await.expect("db").map(|b| b.status),
        Some(BatchStatus::Ready)
    );
    let now = OffsetDateTime::now_utc();
    let (s1, s2, r1, r2) = (store.clone(), store.clone(), rows.clone(), rows.clone());
    let (x, y) = tokio::join!(
        tokio::spawn(async move { s1.commit_batch(id, &r1, now, &about("sites_import")).await }),
        tokio::spawn(async move { s2.commit_batch(id, &r2, now, &about("sites_import")).await }),
    );
    let mut outcomes = vec![x.expect("task").expect("db"), y.expect("task").expect("db")];
    outcomes.sort_by_key(|o| matches!(o, CommitOutcome::AlreadyCommitted));
    assert_eq!(
        outcomes,
        vec![
            CommitOutcome::Committed {
                inserted: 50,
                updated: 0,
                moved: vec![]
            },
            CommitOutcome::AlreadyCommitted
        ]
    );
    assert_eq!(store.count_sites().await.expect("db"), 50);
    assert_eq!(
        store.batch(id).await.expect("db").map(|b| b.status),
        Some(BatchStatus::Committed)
    );
    let trail = store
        .audit_trail(Some(&id.to_string()), 10)
        .await
        .expect("db");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["sites_import", "sites_import_stage"]);
}

async fn shop(store: &dyn Store, code: &str, lat: f64) -> Uuid {
    let d = district(store).await;
    let mut row = shop_row(code, d);
    row.input.position = LatLon::new(lat, 115.98);
    store
        .upsert_sites(&[row], OffsetDateTime::now_utc(), &audit("site"))
        .await
        .expect("site");
    store
        .list_sites(
            &jieshui_app::model::site::SiteFilter {
                q: code.into(),
                kind: Some(SiteKind::Shop),
                district_id: None,
                state: jieshui_app::model::site::SiteState::All,
                page: 0,
            },
            10,
        )
        .await
        .expect("list")
        .items
        .into_iter()
        .find(|s| s.external_code == code)
        .map(|s| s.id)
        .expect("the shop")
}

async fn inspection(store: &dyn Store, site: Uuid, inspector: Uuid) -> InspectionRow {
    let row = InspectionRow {
        id: Uuid::now_v7(),
        kind: InspectionKind::Audit,
        site_id: site,
        inspector_id: inspector,
        started_at: OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("time"),
        start: Some(Fix {
            position: LatLon::new(36.45, 115.98),
            accuracy_m: Some(12.5),
        }),
        status: InspectionStatus::Draft,
    };
    store
        .upsert_inspection(&row, &audit("inspection_start"))
        .await
        .expect("inspection")
}

pub async fn inspections_keep_their_kind_and_start_and_a_retry_audits_once(store: SharedStore) {
    district(&*store).await;
    let site = shop(&*store, "K1", 36.45).await;
    let inspector = user(&*store, "li", Role::Inspector).await;
    let first = inspection(&*store, site, inspector).await;
    assert_eq!(first.kind, InspectionKind::Audit);
    assert_eq!(first.start.and_then(|f| f.accuracy_m), Some(12.5));
    // The same id again (a retry) finds the first; it is not audited twice.
    let again = store
        .upsert_inspection(
            &InspectionRow {
                kind: InspectionKind::MarketCheck,
                start: None,
                ..first.clone()
            },
            &audit("inspection_start"),
        )
        .await
        .expect("retry");
    assert_eq!(again, first);
    let trail = store
        .audit_trail(Some(&first.id.to_string()), 10)
        .await
        .expect("db");
    assert_eq!(trail.len(), 0, "test audits carry no subject");
    let all = store.audit_trail(None, 100).await.expect("db");
    assert_eq!(
        all.iter()
            .filter(|e| e.action == "inspection_start")
            .count(),
        1
    );
}

fn photo(inspection: &InspectionRow, sha: char) -> PhotoRow {
    PhotoRow {
        id: Uuid::now_v7(),
        inspection_id: inspection.id,
        line_id: None,
        sha256: sha.to_string().repeat(64),
        original_sha256: None,
        bytes: 1000,
        mime: "image/jpeg".into(),
        width: Some(1600),
        height: Some(1200),
        exif: serde_json::json!({}),
        client_exif: serde_json::json!({}),
        device_lat: Some(36.45),
        device_lon: Some(115.98),
        accuracy_m: Some(8.0),
        captured_at: None,
        fix_at: None,
        received_at: OffsetDateTime::now_utc(),
        uploaded_by: inspection.inspector_id,
        flags: serde_json::json!([]),
    }
}

pub async fn photos_are_stored_with_their_audit_entry(store: SharedStore) {
    district(&*store).await;
    let site = shop(&*store, "P1", 36.45).await;
    let inspector = user(&*store, "wang", Role::Inspector).await;
    let i = inspection(&*store, site, inspector).await;
    let p = photo(&i, 'a');
    let entry = AuditEntry {
        actor_id: Some(inspector),
        action: "photo_add",
        subject: p.id.to_string(),
        detail: serde_json::json!({}),
    };
    store.insert_photo(&p, &entry).await.expect("photo");
    assert_eq!(store.photo(p.id).await.expect("db"), Some(p.clone()));
    // The same id again is refused by name, and leaves no second entry.
    match store.insert_photo(&p, &entry).await {
        Err(jieshui_server::db::StoreError::Unique(name)) => assert_eq!(name, "photos_pkey"),
        other => panic!("expected a unique violation, got {other:?}"),
    }
    let trail = store
        .audit_trail(Some(&p.id.to_string()), 10)
        .await
        .expect("db");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].actor_id, Some(inspector));
    let briefs = store.inspection_photos(i.id).await.expect("db");
    assert_eq!(briefs.len(), 1);
    assert!(briefs[0].preview);
}

/// What the re-flag in this test writes: the site's latitude as it read it.
fn lat_seen(r: &jieshui_server::db::ReflagRow) -> serde_json::Value {
    serde_json::json!([r.site.map(|s| s.position.lat)])
}

pub async fn an_older_reflag_is_never_written_last(store: SharedStore) {
    district(&*store).await;
    let site = shop(&*store, "R1", 36.45).await;
    let inspector = user(&*store, "zhao", Role::Inspector).await;
    let i = inspection(&*store, site, inspector).await;
    let p = photo(&i, 'b');
    store
        .insert_photo(&p, &audit("photo_add"))
        .await
        .expect("photo");

    // The first re-flag reads the site where it was; while it computes, an admin moves the site
    // and a second re-flag runs (on its own thread, as another request would). Whatever the
    // order, the flags left must be computed from the new position.
    let other = store.clone();
    let second: std::sync::Mutex<Option<std::thread::JoinHandle<()>>> = Default::default();
    let slow = |r: &jieshui_server::db::ReflagRow| {
        let mut slot = second.lock().expect("lock");
        if slot.is_none() {
            let other = other.clone();
            *slot = Some(std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    shop(&*other, "R1", 36.50).await;
                    other
                        .reflag_photos(&ReflagScope::Site(site), &lat_seen)
                        .await
                        .expect("second re-flag");
                });
            }));
        }
        drop(slot);
        // Long enough for the move and the second re-flag to happen now, if nothing holds them.
        std::thread::sleep(std::time::Duration::from_millis(400));
        lat_seen(r)
    };
    store
        .reflag_photos(&ReflagScope::Site(site), &slow)
        .await
        .expect("first re-flag");
    let handle = second.lock().expect("lock").take().expect("second ran");
    handle.join().expect("second re-flag thread");
    let flags = store.photo(p.id).await.expect("db").expect("photo").flags;
    assert_eq!(flags, serde_json::json!([36.50]));
}

fn stored_line(n: u32, verdict: Verdict) -> StoredLine {
    StoredLine {
        line: Line {
            id: format!("0190f3c2-5e1a-7000-8000-{n:012}"),
            category: "faucet".into(),
            brand: "九牧".into(),
            quantity: n,
            ..Line::default()
        },
        judgement: Judgement {
            verdict,
            reason: Reason {
                zh: "理由".into(),
                en: "reason".into(),
            },
            rules_version: 1,
        },
    }
}

pub async fn a_draft_is_written_once_and_submitted_once(store: SharedStore) {
    district(&*store).await;
    let site = shop(&*store, "K1", 36.45).await;
    let inspector = user(&*store, "li", Role::Inspector).await;
    store
        .insert_rule_set(
            &jieshui_app::domain::fixture::RuleSet::seed(),
            &audit("rules"),
        )
        .await
        .expect("rules");
    let i = inspection(&*store, site, inspector).await;
    let at = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("time");
    let draft = StoredDraft {
        lines: vec![
            stored_line(2, Verdict::WaterSaving),
            stored_line(1, Verdict::LabelViolation),
        ],
        outcome: Some(Outcome::Rectify),
        outcome_note: "note".into(),
        rectify_by: jieshui_app::domain::fixture::Day::parse("2026-12-31"),
        digest: "d1".into(),
    };
    let save = |d: StoredDraft| {
        let store = store.clone();
        async move {
            store
                .save_draft(i.id, &d, at, &audit("draft"))
                .await
                .expect("save")
        }
    };
    assert_eq!(save(draft.clone()).await, DraftWrite::Saved);
    assert_eq!(
        save(draft.clone()).await,
        DraftWrite::Unchanged,
        "the same digest writes nothing"
    );
    let rec = store
        .market_record(i.id)
        .await
        .expect("db")
        .expect("record");
    assert_eq!(rec.lines, draft.lines, "lines in the inspector's order");
    assert_eq!(rec.outcome, Some(Outcome::Rectify));
    assert_eq!(rec.rectify_by, draft.rectify_by);
    assert_eq!(rec.digest.as_deref(), Some("d1"));
    assert_eq!(rec.inspection.status, InspectionStatus::Draft);
    let drafts = store.audit_trail(None, 100).await.expect("db");
    assert_eq!(drafts.iter().filter(|e| e.action == "draft").count(), 1);
    // Fewer lines replace more.
    let shorter = StoredDraft {
        lines: vec![stored_line(1, Verdict::WaterSaving)],
        digest: "d2".into(),
        ..draft.clone()
    };
    assert_eq!(save(shorter.clone()).await, DraftWrite::Saved);
    // A line id held by another inspection is refused by name, and nothing of the draft is written.
    let other = inspection(&*store, site, inspector).await;
    let taken = store
        .save_draft(
            other.id,
            &StoredDraft {
                digest: "x".into(),
                ..shorter.clone()
            },
            at,
            &audit("draft"),
        )
        .await;
    assert!(
        matches!(taken, Err(StoreError::Unique(ref n)) if n == "inspection_lines_pkey"),
        "{taken:?}"
    );
    let other_rec = store
        .market_record(other.id)
        .await
        .expect("db")
        .expect("record");
    assert!(other_rec.lines.is_empty() && other_rec.digest.is_none());
    // Submitting what was read: a stale digest is told to read again; the right one submits once.
    let judged = vec![stored_line(1, Verdict::NotWaterSaving)];
    let stale = store
        .submit_inspection(i.id, "d1", &judged, at, &audit("submit"))
        .await
        .expect("db");
    assert_eq!(stale, SubmitWrite::DraftChanged);
    let first = store
        .submit_inspection(i.id, "d2", &judged, at, &audit("submit"))
        .await
        .expect("db");
    assert_eq!(first, SubmitWrite::Submitted);
    let twin = store
        .submit_inspection(i.id, "d2", &judged, at, &audit("submit"))
        .await
        .expect("db");
    assert_eq!(twin, SubmitWrite::AlreadySubmitted);
    let rec = store
        .market_record(i.id)
        .await
        .expect("db")
        .expect("record");
    assert_eq!(rec.inspection.status, InspectionStatus::Submitted);
    assert_eq!(rec.submitted_at, Some(at));
    assert_eq!(
        rec.lines, judged,
        "the verdicts judged at submission are stored"
    );
    assert_eq!(
        store.inspection(i.id).await.expect("db").map(|r| r.status),
        Some(InspectionStatus::Submitted)
    );
    // A submitted record takes no draft.
    assert_eq!(save(draft).await, DraftWrite::NotDraft);
    let all = store.audit_trail(None, 100).await.expect("db");
    assert_eq!(all.iter().filter(|e| e.action == "submit").count(), 1);
    let listed = store
        .inspection_list(Some(inspector), None, 10)
        .await
        .expect("db");
    assert_eq!(listed.len(), 2);
    let mine = listed.iter().find(|l| l.id == i.id).expect("listed");
    assert_eq!(
        (mine.lines, mine.violations, mine.status),
        (1, 1, InspectionStatus::Submitted)
    );
}
