//! The visit page and the inspector's lists through the real router: the check page carries the
//! editor (with the rules in force on the visit's day) only for its own inspector while it is a
//! draft; everyone else reads it; `list_checks` gives each user what they may open.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use sqlx::SqlitePool;
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

async fn start(app: &TestApp, cookie: &str) -> Uuid {
    start_check(
        app,
        cookie,
        &[
            ("lat", "36.4603"),
            ("lon", "115.9706"),
            ("accuracy_m", "12"),
        ],
    )
    .await
}

/// A grade-3 faucet (not water-saving) and a water-saving toilet.
async fn save_two_lines(app: &TestApp, cookie: &str, id: Uuid) {
    let draft = json!({
        "lines": [
            { "id": "0190f3c2-5e1a-7000-8000-000000000001", "category": "faucet", "brand": "九牧",
              "label_present": true, "grade": 3, "quantity": 1 },
            { "id": "0190f3c2-5e1a-7000-8000-000000000002", "category": "toilet", "brand": "箭牌",
              "label_present": true, "grade": 1, "figure": 3.8, "quantity": 1 },
        ],
        "outcome": null, "outcome_note": "", "rectify_by": null,
    });
    let r = send_json(
        app,
        "PUT",
        &format!("/api/inspections/{id}/draft"),
        Some(cookie),
        draft.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn list_checks(app: &TestApp, cookie: &str, site: &str) -> Vec<Value> {
    let r = app
        .post_form("/api/list_checks", Some(cookie), &[("site_id", site)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("JSON list")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_check_page_gives_its_inspector_the_editor_and_everyone_else_the_record(
    pool: SqlitePool,
) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let id = start(&app, &me).await;
    save_two_lines(&app, &me, id).await;

    let page = app.get(&format!("/checks/{id}"), Some(&me)).await;
    assert_eq!(page.status, StatusCode::OK);
    // The page's own script (no islands bundle), started from the data the page embeds.
    assert!(
        page.body.contains(r#"src="/pkg/visit.js""#),
        "no editor script"
    );
    assert!(
        !page.body.contains("/pkg/jieshui.js"),
        "the check page loads no island"
    );
    let data = page.page_data();
    assert_eq!(data["id"], json!(id));
    assert_eq!(data["lang"], json!("zh"));
    assert_eq!(data["t"]["take_photo"], json!("拍照"));
    // The rules of the visit's day, the draft with its two lines, and the city's brands to suggest.
    let market = &data["market"];
    assert!(market["rules"]["categories"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["slug"] == "toilet")));
    let brands: Vec<&str> = market["draft"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["brand"].as_str())
        .collect();
    assert_eq!(brands, ["九牧", "箭牌"]);
    assert!(market["brands"]
        .as_array()
        .is_some_and(|b| b.contains(&json!("九牧"))));
    // Until the script takes over, the page shows the draft with the server's verdicts.
    assert!(page.body.contains("非节水") && page.body.contains("3 级是水效限定值"));

    // A supervisor reads the draft, with the server's verdicts, and cannot edit it: no script.
    let sup = app.login("supervisor").await;
    let page = app.get(&format!("/checks/{id}"), Some(&sup)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("visit.js") && !page.body.contains("visit-data"));
    assert!(page.body.contains("草稿（未提交）"));
    assert!(page.body.contains("非节水") && page.body.contains("3 级是水效限定值"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn each_user_lists_the_checks_they_may_open(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let id = start(&app, &me).await;
    save_two_lines(&app, &me, id).await;

    // The inspector's own list: the shop, today, two lines of which one is not water-saving.
    let mine = list_checks(&app, &me, "").await;
    assert_eq!(mine.len(), 1);
    let c = &mine[0];
    assert_eq!(c["id"], json!(id));
    assert_eq!(c["site_name"], json!("恒洁卫浴（金柱店）"));
    assert_eq!(c["status"], json!("draft"));
    assert_eq!(c["kind"], json!("market_check"));
    assert_eq!(c["today"], json!(true));
    assert_eq!(c["lines"], json!(2));
    assert_eq!(c["violations"], json!(1));
    assert_eq!(c["submitted_at"], Value::Null);
    let site = c["site_id"].as_str().expect("site id").to_string();

    // Another inspector sees none of it, even when asking for the site.
    let admin = app.login("admin").await;
    app.create_user(&admin, "inspector2", "第二检查员", "inspector")
        .await;
    let other = app.login("inspector2").await;
    assert!(list_checks(&app, &other, "").await.is_empty());
    assert!(list_checks(&app, &other, &site).await.is_empty());

    // The site's page lists it for an admin or supervisor.
    let at_site = list_checks(&app, &admin, &site).await;
    assert_eq!(at_site.len(), 1);
    assert_eq!(at_site[0]["id"], json!(id));
    let page = app.get(&format!("/admin/sites/{site}"), Some(&admin)).await;
    assert!(page.body.contains("历次检查"), "{}", page.body);
    assert!(page.body.contains(&format!("/checks/{id}")));

    // The inspector's home shows it under today.
    let home = app.get("/today", Some(&me)).await;
    assert!(home.body.contains("我的检查"), "{}", home.body);
    assert!(home.body.contains(&format!("/checks/{id}")));
    assert!(home.body.contains("1 个不合格"));

    // A site id that is not one is refused, not ignored.
    let r = app
        .post_form("/api/list_checks", Some(&me), &[("site_id", "nope")])
        .await;
    assert_ne!(r.status, StatusCode::OK);
}
