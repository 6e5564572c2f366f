//! `GET /api/score-sheets?kind=`: the audit score sheet in force, field by field; seeded once per kind;
//! refused for kinds that are not audited and for anyone signed out.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use sqlx::SqlitePool;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn body(r: &Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {} {}", r.status, r.body))
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_sheet_in_force_for_each_audited_kind(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    for kind in ["community", "unit", "enterprise", "public_building"] {
        let r = app
            .get(&format!("/api/score-sheets?kind={kind}"), Some(&me))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
        let s = body(&r);
        assert_eq!(s["kind"], kind);
        assert_eq!(s["version"], 1);
        assert_eq!(s["effective_from"], "2020-01-01");
        assert_eq!(s["pass_mark"], json!(90.0));
        assert_eq!(s["max"], json!(100.0));
        let items = s["items"].as_array().expect("items");
        let sum: f64 = items.iter().map(|i| i["max"].as_f64().expect("max")).sum();
        assert!((sum - 100.0).abs() < 1e-9, "{kind} items add to 100");
        let groups: Vec<&str> = s["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["id"].as_str().expect("id"))
            .collect();
        for i in items {
            assert!(groups.contains(&i["group"].as_str().expect("group")));
            assert!(i["requirement_zh"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(i["requirement_en"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(i["photos"].as_u64().is_some_and(|n| n >= 1));
            assert!(i["may_be_na"].is_boolean());
        }
    }
    // The community sheet's meter item, as an auditor's phone reads it.
    let s = body(&app.get("/api/score-sheets?kind=community", Some(&me)).await);
    let meters = s["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == "household_meters"))
        .expect("household meters")
        .clone();
    assert_eq!(
        meters["scoring"],
        json!({
            "type": "measured", "target": 100.0, "direction": "at_least",
            "deduct_per_unit": 2.0, "floor": 95.0, "unit": "%",
        })
    );
    assert_eq!(meters["max"], json!(10.0));
    assert_eq!(meters["may_be_na"], false);
    // Seeded once: asking again writes nothing more.
    let seeds = || async {
        app.store
            .audit_trail(None, 10_000)
            .await
            .expect("db")
            .iter()
            .filter(|e| e.action == "score_sheet_seed")
            .count()
    };
    assert_eq!(seeds().await, 4);
    let _ = app.get("/api/score-sheets?kind=unit", Some(&me)).await;
    assert_eq!(seeds().await, 4);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_audited_kinds_and_only_signed_in(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("supervisor").await;
    for bad in ["shop", "venue", "nonsense", ""] {
        let r = app
            .get(&format!("/api/score-sheets?kind={bad}"), Some(&me))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(body(&r)["field"], "kind");
    }
    let r = app.get("/api/score-sheets", Some(&me)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get("/api/score-sheets?kind=community", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A version that begins later is not in force yet; the earlier one still is.
    let mut v2 = jieshui_app::domain::score::ScoreSheet::seed(
        jieshui_app::domain::site::SiteKind::Community,
    )
    .expect("seed");
    let _ = app.get("/api/score-sheets?kind=community", Some(&me)).await;
    v2.version = 2;
    v2.pass_mark = 850;
    v2.effective_from = jieshui_app::domain::fixture::Day::parse("2999-01-01").expect("day");
    let audit = jieshui_server::db::AuditEntry {
        actor_id: None,
        action: "score_sheet_new",
        subject: "score_sheet:community:2".into(),
        detail: json!({}),
    };
    assert!(app.store.insert_score_sheet(&v2, &audit).await.expect("db"));
    let s = body(&app.get("/api/score-sheets?kind=community", Some(&me)).await);
    assert_eq!(
        (s["version"].clone(), s["pass_mark"].clone()),
        (json!(1), json!(90.0))
    );
    // The same version twice is refused by the store (nothing written).
    assert!(!app.store.insert_score_sheet(&v2, &audit).await.expect("db"));
}
