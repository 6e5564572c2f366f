//! `POST /api/verdict`, the public contract for judging one product line, through the real router:
//! its fields and answers one by one, refusals by field, the user's language, the rules version in
//! force on the line's day, and the first version seeded once however many ask at once.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use jieshui_app::domain::fixture::{Day, RuleSet};
use jieshui_server::db::AuditEntry;
use serde_json::{json, Value};
use sqlx::SqlitePool;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

async fn verdict(app: &TestApp, cookie: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut b = Request::post("/api/verdict").header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let r = app
        .send(b.body(Body::from(body.to_string())).expect("request"))
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn line(category: &str, label: bool, grade: Value, figure: Value, date: &str) -> String {
    json!({ "category": category, "label_present": label, "grade": grade, "figure": figure,
            "figure2": null, "phased_out": false, "date": date })
    .to_string()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_contract_field_by_field(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let (status, v) = verdict(
        &app,
        Some(&me),
        &line("toilet", true, json!(null), json!(5.0), "2026-12-05"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, vec!["reason", "rules_version", "verdict"]);
    assert_eq!(v["verdict"], "water_saving");
    assert_eq!(v["rules_version"], 1);
    assert_eq!(v["reason"], "5 L/次 达到 2 级，属节水型。");
    let (_, v) = verdict(
        &app,
        Some(&me),
        &line("toilet", true, json!(null), json!(5.01), "2026-12-05"),
    )
    .await;
    assert_eq!(v["verdict"], "not_water_saving");
    let (_, v) = verdict(
        &app,
        Some(&me),
        &line("faucet", true, json!(3), json!(null), "2026-12-05"),
    )
    .await;
    assert_eq!(v["verdict"], "not_water_saving");
    assert_eq!(v["reason"], "3 级是水效限定值（市场准入），不属节水型。");
    let (_, v) = verdict(
        &app,
        Some(&me),
        &line("toilet", true, json!(1), json!(6.0), "2026-12-05"),
    )
    .await;
    assert_eq!(v["verdict"], "needs_review");
    let (_, v) = verdict(
        &app,
        Some(&me),
        &line("faucet", false, json!(null), json!(0.09), "2026-03-01"),
    )
    .await;
    assert_eq!(v["verdict"], "label_violation");
    let mut phased: Value =
        serde_json::from_str(&line("faucet", true, json!(1), json!(0.09), "2026-12-05"))
            .expect("json");
    phased["phased_out"] = json!(true);
    let (_, v) = verdict(&app, Some(&me), &phased.to_string()).await;
    assert_eq!(v["verdict"], "phased_out_violation");
    // Optional fields may be left out altogether.
    let (status, v) = verdict(
        &app,
        Some(&me),
        r#"{"category":"urinal","date":"2026-12-05","figure":0.5}"#,
    )
    .await;
    assert_eq!(
        (status, v["verdict"].as_str()),
        (StatusCode::OK, Some("water_saving"))
    );

    // In English for a user who chose it.
    let en = format!("{me}; {}=en", jieshui_app::i18n::Lang::COOKIE);
    let (_, v) = verdict(
        &app,
        Some(&en),
        &line("faucet", false, json!(null), json!(0.09), "2026-03-01"),
    )
    .await;
    assert_eq!(
        v["reason"],
        "faucets must carry the label since 2025-01-01; old stock only until 2026-01-01."
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn what_cannot_be_judged_is_refused_by_field(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("supervisor").await;
    let cases = [
        (
            line("bathtub", true, json!(null), json!(1.0), "2026-12-05"),
            "category",
        ),
        (
            line("toilet", true, json!(4), json!(null), "2026-12-05"),
            "grade",
        ),
        (
            line("toilet", true, json!(1.5), json!(null), "2026-12-05"),
            "grade",
        ),
        (
            line("toilet", true, json!(null), json!("abc"), "2026-12-05"),
            "figure",
        ),
        (
            line("toilet", true, json!(null), json!(-2), "2026-12-05"),
            "figure",
        ),
        (
            line("toilet", true, json!(null), json!(4.0), "2026-13-01"),
            "date",
        ),
        (
            line("toilet", true, json!(null), json!(4.0), "2017-12-31"),
            "date",
        ),
        (
            r#"{"category":"toilet","date":"2026-12-05","label_present":"yes"}"#.to_string(),
            "label_present",
        ),
        ("not json".to_string(), "body"),
    ];
    for (body, field) in cases {
        let (status, v) = verdict(&app, Some(&me), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(v["field"], field, "{body}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    }
    let (status, _) = verdict(
        &app,
        None,
        &line("toilet", true, json!(null), json!(4.0), "2026-12-05"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn each_day_is_judged_by_the_rules_in_force_and_the_first_version_is_seeded_once(
    pool: SqlitePool,
) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    // Five first questions at once: one seeded version, one audit entry.
    let body = line("toilet", true, json!(null), json!(4.9), "2026-12-05");
    let answers =
        futures_util::future::join_all((0..5).map(|_| verdict(&app, Some(&me), &body))).await;
    assert!(answers
        .iter()
        .all(|(s, v)| *s == StatusCode::OK && v["verdict"] == "water_saving"));
    assert_eq!(app.store.rule_sets().await.expect("db").len(), 1);
    let seeded = app
        .store
        .audit_trail(Some("fixture_rules:1"), 10)
        .await
        .expect("db");
    assert_eq!(seeded.len(), 1);

    // A revised standard from 2027-04-01 tightens a toilet's grade 2.
    let mut v2 = RuleSet::seed();
    v2.version = 2;
    v2.effective_from = Day(20_270_401);
    v2.source = "GB 25502-2024".into();
    if let Some(t) = v2.categories.iter_mut().find(|c| c.slug == "toilet") {
        t.thresholds[1].0 = 4.8;
    }
    let audit = AuditEntry {
        actor_id: None,
        action: "fixture_rules_new",
        subject: "fixture_rules:2".into(),
        detail: json!({}),
    };
    assert!(app.store.insert_rule_set(&v2, &audit).await.expect("db"));
    assert!(
        !app.store.insert_rule_set(&v2, &audit).await.expect("db"),
        "a version number is taken once"
    );
    let (_, before) = verdict(
        &app,
        Some(&me),
        &line("toilet", true, json!(null), json!(4.9), "2027-03-31"),
    )
    .await;
    assert_eq!(
        (before["verdict"].as_str(), before["rules_version"].as_u64()),
        (Some("water_saving"), Some(1))
    );
    let (_, after) = verdict(
        &app,
        Some(&me),
        &line("toilet", true, json!(null), json!(4.9), "2027-04-01"),
    )
    .await;
    assert_eq!(
        (after["verdict"].as_str(), after["rules_version"].as_u64()),
        (Some("not_water_saving"), Some(2))
    );
    // The first version is as it was.
    assert_eq!(app.store.rule_sets().await.expect("db")[0], RuleSet::seed());
    // And the store refuses to rewrite a version even by hand.
    assert!(sqlx::query("UPDATE fixture_rules SET source = 'x'")
        .execute(&app.pool)
        .await
        .is_err());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_rules_page_shows_each_version_and_which_is_in_force(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let r = app.get("/admin/rules", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "规则与标准",
        "版本 1",
        "现行",
        "坐便器",
        "GB 25502-2017",
        "1 ≤ 4 L/次 · 2 ≤ 5 L/次 · 3 ≤ 6.4 L/次",
        "1 ≥ 65 %，≥ 4000 L",
        "2025-01-01",
        "2026-01-01",
        "不在水效标识目录内",
        "9 L/次",
    ] {
        assert!(r.body.contains(text), "the rules page shows {text}");
    }
    // A version that starts later is listed, and is not the one in force (the test clock is 2026-11-29).
    add_rules_version(&app, Day(20_270_401), |_| {}).await;
    let r = app.get("/admin/rules", Some(&admin)).await;
    let (v2_at, v1_at) = (
        r.body.find("版本 2").expect("v2 listed"),
        r.body.find("版本 1").expect("v1 listed"),
    );
    assert!(v2_at < v1_at, "newest first");
    let tag = r.body.find("现行").expect("one in force");
    assert!(tag > v1_at, "version 1 is the one in force");
    assert_eq!(r.body.matches("现行").count(), 1);
    let inspector = app.login("inspector").await;
    assert_eq!(
        app.get("/admin/rules", Some(&inspector)).await.status,
        StatusCode::FORBIDDEN
    );
}
