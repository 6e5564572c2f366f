//! Every protected page and server function, for every role: allowed, or 401/403 — never a 500.

mod common;

use axum::http::StatusCode;
use common::*;
use jieshui_app::domain::role::{Role, Section};
use sqlx::SqlitePool;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[sqlx::test(migrator = "MIGRATOR")]
async fn health_answers_200(pool: SqlitePool) {
    let app = app(pool).await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn anonymous_users_are_sent_to_sign_in_from_every_section(pool: SqlitePool) {
    let app = app(pool).await;
    for s in Section::ALL {
        let r = app.get(s.path(), None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", s.path());
        assert_eq!(
            r.location(),
            format!("/login?next={}", s.path()),
            "{}",
            s.path()
        );
    }
    let r = app.get("/", None).await;
    assert_eq!(r.location(), "/login");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn each_role_opens_its_sections_and_is_refused_the_others(pool: SqlitePool) {
    let app = app(pool).await;
    for role in Role::ALL {
        let cookie = app.login(role.as_str()).await;
        let home = app.get("/", Some(&cookie)).await;
        assert_eq!(home.location(), role.home(), "{role} home");
        for s in Section::ALL {
            let r = app.get(s.path(), Some(&cookie)).await;
            if s.roles().contains(&role) {
                assert_eq!(r.status, StatusCode::OK, "{role} {}", s.path());
                assert!(
                    r.body.contains("<nav"),
                    "{role} {} has navigation",
                    s.path()
                );
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {}", s.path());
                assert!(
                    r.body.contains("无权访问"),
                    "{role} {} explains the refusal",
                    s.path()
                );
            }
        }
    }
}

/// Functions asked here about a record that does not exist: allowed roles get 404.
const UNKNOWN_RECORD: &[&str] = &["get_photo", "get_inspection"];

/// Every server function the app registers is in the table above: a new one cannot be forgotten.
#[test]
fn the_access_table_names_every_server_function() {
    // Linking the app registers its server functions.
    let _ = jieshui_app::api::whoami;
    let mut registered: Vec<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    registered.sort();
    let mut tested: Vec<String> = server_fns("", "", "")
        .into_iter()
        .map(|(name, _, _)| name.to_string())
        .collect();
    tested.sort();
    assert!(registered.len() >= 13, "{registered:?}");
    assert_eq!(registered, tested);
}

/// A server function, a valid form for it, and the roles allowed to call it.
type FnCase = (&'static str, Vec<(&'static str, String)>, &'static [Role]);

fn server_fns(user_id: &str, site_id: &str, batch_id: &str) -> Vec<FnCase> {
    vec![
        ("list_sites", vec![("kind", "shop".into())], &[Role::Admin]),
        ("get_site", vec![("id", site_id.into())], &[Role::Admin]),
        (
            "import_batch",
            vec![("id", batch_id.into())],
            &[Role::Admin],
        ),
        (
            "nearby_sites",
            vec![("lat", "36.45".into()), ("lon", "115.98".into())],
            &[Role::Inspector, Role::Supervisor],
        ),
        ("list_stats", vec![], &[Role::Admin, Role::Supervisor]),
        ("list_rules", vec![], &[Role::Admin]),
        (
            "rules_form_problem",
            vec![("form_json", r#"{"source": ""}"#.into())],
            &[Role::Admin],
        ),
        (
            "list_score_sheets",
            vec![("kind", "community".into())],
            &[Role::Admin],
        ),
        (
            "sheet_form_problem",
            vec![
                ("kind", "unit".into()),
                ("form_json", r#"{"source": ""}"#.into()),
            ],
            &[Role::Admin],
        ),
        ("whoami", vec![], &Role::ALL),
        ("list_districts", vec![], &Role::ALL),
        ("list_users", vec![], &[Role::Admin]),
        (
            "create_user",
            vec![
                ("username", "newbie".into()),
                ("display_name", "新同事".into()),
                ("role", "inspector".into()),
                ("district_id", String::new()),
                ("password", "a-long-password".into()),
            ],
            &[Role::Admin],
        ),
        (
            "reset_password",
            vec![
                ("user_id", user_id.into()),
                ("password", "another-long-password".into()),
            ],
            &[Role::Admin],
        ),
        (
            "set_user_active",
            vec![("user_id", user_id.into()), ("active", "true".into())],
            &[Role::Admin],
        ),
        // Evidence: any signed-in role may ask; who sees which record is decided per record, so an
        // unknown id answers 404 (see UNKNOWN_RECORD).
        (
            "get_photo",
            vec![("id", uuid::Uuid::now_v7().to_string())],
            &Role::ALL,
        ),
        (
            "get_inspection",
            vec![("id", uuid::Uuid::now_v7().to_string())],
            &Role::ALL,
        ),
        // Everyone has their own list; a site's list holds what the caller may open.
        ("list_checks", vec![("site_id", site_id.into())], &Role::ALL),
        ("review_queue", vec![], &[Role::Supervisor]),
        // Zero for anyone who does not review; the navigation asks on every page.
        ("review_waiting", vec![], &Role::ALL),
        (
            "rectification_list",
            vec![],
            &[Role::Inspector, Role::Supervisor],
        ),
        ("audit_view", vec![], &[Role::Admin]),
    ]
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_server_function_checks_the_role(pool: SqlitePool) {
    let app = app(pool).await;
    // The target of password resets is nobody's session here: a reset ends the target's sessions.
    let target = uuid::Uuid::now_v7();
    let row = jieshui_server::db::NewUserRow {
        id: target,
        username: "target".into(),
        display_name: "目标".into(),
        role: Role::Inspector,
        district_id: None,
        password_hash: "x".into(),
        demo: false,
    };
    let audit = jieshui_server::db::AuditEntry {
        actor_id: None,
        action: "test",
        subject: String::new(),
        detail: serde_json::json!({}),
    };
    app.store.insert_user(&row, &audit).await.expect("insert");
    let target = target.to_string();
    let site_id = app.store.active_sites(None, "").await.expect("db")[0]
        .id
        .to_string();
    let batch_id = uuid::Uuid::now_v7();
    let admin_id = app
        .store
        .user_for_login("admin")
        .await
        .expect("db")
        .expect("seeded")
        .user
        .id;
    let batch = jieshui_server::db::NewBatch {
        id: batch_id,
        created_by: admin_id,
        filename: "x.csv".into(),
        row_count: 0,
        status: jieshui_app::model::site::BatchStatus::Invalid,
        payload: "[]".into(),
    };
    app.store
        .insert_batch(
            &batch,
            &jieshui_server::db::AuditEntry {
                actor_id: None,
                action: "sites_import_stage",
                subject: batch.id.to_string(),
                detail: serde_json::json!({}),
            },
        )
        .await
        .expect("batch");
    let batch_id = batch_id.to_string();
    let mut cookies = vec![(None, None)];
    for role in Role::ALL {
        cookies.push((Some(role), Some(app.login(role.as_str()).await)));
    }
    for (endpoint, fields, allowed) in server_fns(&target, &site_id, &batch_id) {
        for (role, cookie) in &cookies {
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // create_user must not collide with itself across roles: only the admin's call creates.
            let r = app
                .post_form(&format!("/api/{endpoint}"), cookie.as_deref(), &form)
                .await;
            let expected = match role {
                None => StatusCode::UNAUTHORIZED,
                Some(r) if allowed.contains(r) && UNKNOWN_RECORD.contains(&endpoint) => {
                    StatusCode::NOT_FOUND
                }
                Some(r) if allowed.contains(r) => StatusCode::OK,
                Some(_) => StatusCode::FORBIDDEN,
            };
            assert_eq!(r.status, expected, "{endpoint} as {role:?}: {}", r.body);
        }
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn unknown_pages_are_404_in_the_house_style(pool: SqlitePool) {
    let app = app(pool).await;
    let r = app.get("/no-such-page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("页面不存在"), "{}", r.body);
    // A look-alike of a protected path is not a way around the access table.
    let r = app.get("/todayx", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn unknown_server_functions_are_not_500(pool: SqlitePool) {
    let app = app(pool).await;
    let cookie = app.login("admin").await;
    let r = app.post_form("/api/no_such_fn", Some(&cookie), &[]).await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_pages_with_islands_load_the_browser_bundle(pool: SqlitePool) {
    let app = app(pool).await;
    let login = app.get("/login", None).await;
    assert!(
        !login.body.contains("/pkg/jieshui.js"),
        "the sign-in page needs no script"
    );
    let inspector = app.login("inspector").await;
    let today = app.get("/today", Some(&inspector)).await;
    assert!(
        today.body.contains("/pkg/jieshui.js"),
        "today hydrates its locate button"
    );
    for path in ["/checks", "/sync"] {
        let r = app.get(path, Some(&inspector)).await;
        assert!(
            !r.body.contains("/pkg/jieshui.js"),
            "{path} loads no script"
        );
        assert!(r.body.contains("/pkg/jieshui.css"));
    }
    let admin = app.login("admin").await;
    for path in [
        "/admin/users",
        "/admin/sites",
        "/admin/sites/import",
        "/admin/sites/stats",
    ] {
        let r = app.get(path, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.body.contains("/pkg/jieshui.js"), "{path} is plain forms");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn registry_pages_are_for_admins_only(pool: SqlitePool) {
    let app = app(pool).await;
    let site = app.store.active_sites(None, "").await.expect("db")[0].id;
    let paths = [
        "/admin/sites".to_string(),
        "/admin/sites/import".into(),
        "/admin/sites/stats".into(),
        format!("/admin/sites/{site}"),
        "/admin/sites/template.csv?kind=shop".into(),
    ];
    for p in &paths {
        let r = app.get(p, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
    }
    for role in Role::ALL {
        let cookie = app.login(role.as_str()).await;
        for p in &paths {
            let r = app.get(p, Some(&cookie)).await;
            let want = if role == Role::Admin {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, want, "{role} {p}");
        }
        // Every form post of the admin pages is refused before it runs.
        for p in [
            format!("/admin/sites/{site}/close"),
            format!("/admin/sites/{site}/titles"),
            "/admin/sites/stats".into(),
            "/admin/users".into(),
        ] {
            if role != Role::Admin {
                let r = app.post_form(&p, Some(&cookie), &[]).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST {p}");
            }
        }
    }
    assert_eq!(
        app.store.active_sites(None, "").await.expect("db").len(),
        12,
        "nothing was closed"
    );
    let unknown = uuid::Uuid::now_v7();
    let admin = app.login("admin").await;
    let r = app
        .get(&format!("/admin/sites/{unknown}"), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("找不到该记录"));
}
