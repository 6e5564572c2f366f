//! The rules page's new-version form through the real router: a version made from the latest with
//! what the administrator changed, judged by from its day; a refused form back with what was typed
//! and the field marked; only administrators; nothing written on a refusal.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use sqlx::SqlitePool;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

async fn versions(app: &TestApp) -> usize {
    app.store.rule_sets().await.expect("db").len()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_admin_makes_a_new_version_that_judges_from_its_day(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let page = app.get("/admin/rules/new", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"name="toilet.t2" value="5""#),
        "prefilled from version 1"
    );
    assert!(page.body.contains(r#"name="exif_offset" value="+08:00""#));
    let form = [
        ("effective_from", "2026-12-01"),
        ("source", "GB 25502-2024"),
        ("toilet.t2", "4.8"),
        ("editing_apps", "photoshop\n美图"),
        ("exif_offset", "+08:00"),
    ];
    let r = app.post_form("/admin/rules/new", Some(&admin), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/rules?created=2");
    let sets = app.store.rule_sets().await.expect("db");
    assert_eq!(sets.len(), 2);
    let v2 = &sets[1];
    assert_eq!(
        (v2.version, v2.effective_from.to_string()),
        (2, "2026-12-01".into())
    );
    assert_eq!(v2.source, "GB 25502-2024");
    assert_eq!(v2.category("toilet").map(|c| c.thresholds[1].0), Some(4.8));
    assert_eq!(
        v2.category("faucet"),
        sets[0].category("faucet"),
        "the rest as it was"
    );
    assert_eq!(v2.evidence.editing_apps, vec!["photoshop", "美图"]);
    let trail = app
        .store
        .audit_trail(Some("fixture_rules:2"), 10)
        .await
        .expect("db");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "fixture_rules_new");
    let page = app.get("/admin/rules?created=2", Some(&admin)).await;
    assert!(page.body.contains("已保存新的规则版本"));
    // Lines are judged by version 1 before its day and by version 2 from it.
    let me = app.login("inspector").await;
    let judge = |date: &'static str| {
        let app = &app;
        let me = me.clone();
        async move {
            let body = json!({ "category": "toilet", "label_present": true, "grade": null,
                               "figure": 4.9, "date": date });
            let r = send_json(app, "POST", "/api/verdict", Some(&me), body.to_string()).await;
            let v: Value = serde_json::from_str(&r.body).expect("json");
            (v["verdict"].clone(), v["rules_version"].clone())
        }
    };
    assert_eq!(judge("2026-11-30").await, (json!("water_saving"), json!(1)));
    assert_eq!(
        judge("2026-12-01").await,
        (json!("not_water_saving"), json!(2))
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_refused_form_comes_back_as_typed_with_the_field_marked_and_writes_nothing(
    pool: SqlitePool,
) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let r = app
        .post_form(
            "/admin/rules/new",
            Some(&admin),
            &[
                ("effective_from", "2026-12-01"),
                ("source", "修订稿"),
                ("toilet.t2", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/admin/rules/new?"),
        "{}",
        r.location()
    );
    assert!(
        r.location().ends_with("&problem=toilet.t2"),
        "{}",
        r.location()
    );
    assert_eq!(versions(&app).await, 1);
    let page = app.get(r.location(), Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("应为不小于 0 的数字。"), "the message");
    assert!(
        page.body
            .contains(r#"name="toilet.t2" value="abc" aria-invalid="true""#),
        "what was typed, marked"
    );
    assert!(
        page.body.contains(r#"value="修订稿""#),
        "nothing to type twice"
    );
    // A day before today (2026-11-29 by the test clock) is refused too.
    let r = app
        .post_form(
            "/admin/rules/new",
            Some(&admin),
            &[("effective_from", "2026-11-28"), ("source", "s")],
        )
        .await;
    assert!(
        r.location().ends_with("&problem=effective_from"),
        "{}",
        r.location()
    );
    // Only administrators: others are refused and nothing is written.
    for role in ["inspector", "supervisor"] {
        let c = app.login(role).await;
        let r = app
            .post_form(
                "/admin/rules/new",
                Some(&c),
                &[("effective_from", "2026-12-01"), ("source", "s")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(
            app.get("/admin/rules/new", Some(&c)).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let r = app
        .post_form(
            "/admin/rules/new",
            None,
            &[("effective_from", "2026-12-01"), ("source", "s")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(versions(&app).await, 1);
}
