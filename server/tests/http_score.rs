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
            assert!(i["photos"].as_u64().is_some_and(|n| n <= 1));
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

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_administrator_saves_a_new_sheet_version_from_the_form(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let me = app.login("inspector").await;
    // The page: the versions and the form made from the latest.
    let page = app.get("/admin/rules/sheets?kind=unit", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("新建评分表版本"), "{}", page.body);
    assert!(page.body.contains(r#"name="meters_level2.floor""#));
    assert_eq!(
        app.get("/admin/rules/sheets", Some(&me)).await.status,
        StatusCode::FORBIDDEN
    );
    let form = [
        ("source", "聊城市 2027 年单位评分表"),
        ("pass_mark", "85"),
        ("rules.max", "12"),
        ("drawing.remove", "on"),
        ("new.id", "water_balance_report"),
        ("new.group", "use"),
        ("new.type", "pass_fail"),
        ("new.requirement_zh", "水平衡测试报告存档"),
        ("new.requirement_en", "The water-balance report is on file"),
        ("new.max", "3"),
    ];
    // Not an inspector's to change.
    let r = app
        .post_form("/admin/rules/sheets/unit", Some(&me), &form)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A refusal comes back with what was typed and the field; nothing is written.
    let mut bad = form.to_vec();
    bad[1] = ("pass_mark", "120");
    let r = app
        .post_form("/admin/rules/sheets/unit", Some(&admin), &bad)
        .await;
    assert!(
        r.location().contains("problem=pass_mark"),
        "{}",
        r.location()
    );
    assert!(
        r.location().contains("new.id=water_balance_report"),
        "{}",
        r.location()
    );
    let page = app.get(r.location(), Some(&admin)).await;
    assert!(page.body.contains("应为 0 到 100 的数"), "{}", page.body);
    assert!(page
        .body
        .contains(r#"name="pass_mark" value="120" aria-invalid="true""#));
    assert_eq!(
        body(&app.get("/api/score-sheets?kind=unit", Some(&me)).await)["version"],
        1
    );
    // Saved: version 2, in force from today, with what was changed.
    let r = app
        .post_form("/admin/rules/sheets/unit", Some(&admin), &form)
        .await;
    assert_eq!(r.location(), "/admin/rules/sheets?kind=unit&created=2");
    let s = body(&app.get("/api/score-sheets?kind=unit", Some(&me)).await);
    assert_eq!(s["version"], 2);
    assert_eq!(s["effective_from"], app.state.today().to_string());
    assert_eq!(s["source"], "聊城市 2027 年单位评分表");
    assert_eq!(s["pass_mark"], json!(85.0));
    let items = s["items"].as_array().expect("items");
    assert!(items.iter().all(|i| i["id"] != "drawing"));
    let rules = items.iter().find(|i| i["id"] == "rules").expect("rules");
    assert_eq!(rules["max"], json!(12.0));
    let new = items
        .iter()
        .find(|i| i["id"] == "water_balance_report")
        .expect("new item");
    assert_eq!(new["scoring"]["type"], "pass_fail");
    assert_eq!(new["max"], json!(3.0));
    let audit = app
        .store
        .audit_trail(Some("score_sheet:unit:2"), 10)
        .await
        .expect("db");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "score_sheet_new");
    // The community sheet is untouched.
    assert_eq!(
        body(&app.get("/api/score-sheets?kind=community", Some(&me)).await)["version"],
        1
    );
}
