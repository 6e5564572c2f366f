//! Supervisor review through the real router: return with a line comment, resubmit, approve; the
//! rectification order a non-compliant approval opens and the re-inspection that closes it; the
//! role × action matrix; district scoping; two supervisors deciding at once.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use sqlx::SqlitePool;
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn body(r: &Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {} {}", r.status, r.body))
}

fn line_id(n: u32) -> String {
    format!("0190f3c2-5e1a-7000-8000-{n:012}")
}

async fn start(app: &TestApp, cookie: &str, extra: &[(&str, &str)]) -> Uuid {
    let mut form = vec![
        ("lat", "36.4603"),
        ("lon", "115.9706"),
        ("accuracy_m", "12"),
    ];
    form.extend_from_slice(extra);
    start_check(app, cookie, &form).await
}

/// A submitted check with a grade-3 faucet (not water-saving): outcome rectify by 2026-12-10.
async fn submitted(app: &TestApp, me: &str, first_line: u32) -> Uuid {
    let id = start(app, me, &[]).await;
    let draft = json!({
        "lines": [{ "id": line_id(first_line), "category": "faucet", "brand": "九牧", "model": "JM-3",
                    "label_present": true, "grade": 3, "quantity": 4 }],
        "outcome": "rectify", "outcome_note": "", "rectify_by": "2026-12-10",
    });
    put(app, me, id, &draft).await;
    let r = upload_photo(app, me, id, None, Uuid::now_v7()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = post(
        app,
        Some(me),
        &format!("/api/inspections/{id}/submit"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    id
}

async fn put(app: &TestApp, me: &str, id: Uuid, draft: &Value) {
    let r = send_json(
        app,
        "PUT",
        &format!("/api/inspections/{id}/draft"),
        Some(me),
        draft.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn post(app: &TestApp, cookie: Option<&str>, path: &str, v: Value) -> Resp {
    let b = if v.is_null() {
        String::new()
    } else {
        v.to_string()
    };
    send_json(app, "POST", path, cookie, b).await
}

async fn decide(app: &TestApp, cookie: Option<&str>, id: Uuid, v: Value) -> Resp {
    post(app, cookie, &format!("/api/inspections/{id}/review"), v).await
}

async fn reviews_written(app: &TestApp, id: Uuid) -> usize {
    app.store
        .audit_trail(Some(&id.to_string()), 1000)
        .await
        .expect("db")
        .iter()
        .filter(|e| e.action.starts_with("review_"))
        .count()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn returned_fixed_resubmitted_approved_then_a_reinspection_closes_the_order(
    pool: SqlitePool,
) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let id = submitted(&app, &me, 1).await;

    // In the queue, oldest first, with its counts.
    let q = body(&app.get("/api/review/queue", Some(&sup)).await);
    let item = q
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == json!(id)))
        .expect("queued");
    assert_eq!(item["kind"], "market_check");
    assert_eq!(item["site"]["name"], "恒洁卫浴（金柱店）");
    assert_eq!(item["inspector"]["name"], "王检查");
    assert_eq!(
        (
            item["round"].clone(),
            item["lines"].clone(),
            item["violations"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    // Its photos with integrity flags are counted (a test photo has no camera time or place).
    let rec = body(&app.get(&format!("/api/inspections/{id}"), Some(&sup)).await);
    let flagged = rec["photos"]
        .as_array()
        .expect("photos")
        .iter()
        .filter(|p| p["flags"].as_u64().is_some_and(|n| n > 0))
        .count();
    assert_eq!(item["flagged_photos"], json!(flagged));
    let only_flagged = body(&app.get("/api/review/queue?flagged=true", Some(&sup)).await);
    assert_eq!(
        only_flagged.as_array().map(Vec::len),
        Some(usize::from(flagged > 0))
    );
    let audits = body(&app.get("/api/review/queue?kind=audit", Some(&sup)).await);
    assert_eq!(audits, json!([]));
    assert_eq!(
        app.get("/api/review/queue?kind=nonsense", Some(&sup))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The queue page lists it, linked to its record; it is the supervisor's page only.
    let page = app.get("/review", Some(&sup)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!(r#"href="/checks/{id}""#)),
        "not on the queue page"
    );
    assert!(page.body.contains("恒洁卫浴（金柱店）") && page.body.contains("王检查"));
    assert!(page.body.contains("1 条记录等待审核"));
    assert_eq!(
        app.get("/review", Some(&me)).await.status,
        StatusCode::FORBIDDEN
    );

    // Returned with a comment on the line.
    let r = decide(
        &app,
        Some(&sup),
        id,
        json!({
            "action": "return", "comment": "请补充",
            "line_comments": [{ "line_id": line_id(1), "text": "型号看不清，请补拍标识" }],
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body(&r)["status"], "returned");
    // Back with its inspector: the page gives them the editor again.
    let page = app.get(&format!("/checks/{id}"), Some(&me)).await;
    assert!(
        page.body.contains("visit-data"),
        "a returned record is editable"
    );
    let h = body(
        &app.get(&format!("/api/inspections/{id}/history"), Some(&me))
            .await,
    );
    assert_eq!(h["reviews"][0]["action"], "return");
    assert_eq!(h["reviews"][0]["round"], 1);
    assert_eq!(
        h["reviews"][0]["line_comments"][0]["line_id"],
        json!(line_id(1))
    );
    assert_eq!(
        h["reviews"][0]["line_comments"][0]["text"],
        "型号看不清，请补拍标识"
    );
    assert_eq!(h["reviews"][0]["reviewer"]["name"], "李审核");
    // No longer waiting; the inspector fixes and resubmits (round 2).
    assert!(app
        .get("/review", Some(&sup))
        .await
        .body
        .contains("没有等待审核的记录"));
    let q = body(&app.get("/api/review/queue", Some(&sup)).await);
    assert!(!q
        .as_array()
        .expect("list")
        .iter()
        .any(|i| i["id"] == json!(id)));
    put(
        &app,
        &me,
        id,
        &json!({
            "lines": [{ "id": line_id(1), "category": "faucet", "brand": "九牧", "model": "JM-3A",
                        "label_present": true, "grade": 3, "quantity": 4 }],
            "outcome": "rectify", "outcome_note": "", "rectify_by": "2026-12-10",
        }),
    )
    .await;
    let r = post(
        &app,
        Some(&me),
        &format!("/api/inspections/{id}/submit"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(body(&r)["round"], 2);

    // Approved: not compliant, so the shop gets an order with the deadline.
    let r = decide(&app, Some(&sup), id, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body(&r)["status"], "approved");
    // Its page says so, to the inspector too, and offers no editor.
    let page = app.get(&format!("/checks/{id}"), Some(&me)).await;
    assert!(
        page.body.contains("已审核通过"),
        "no approved status on the page"
    );
    assert!(!page.body.contains("visit-data"));
    let orders = body(&app.get("/api/rectifications", Some(&sup)).await);
    let order = orders
        .as_array()
        .and_then(|a| a.first())
        .expect("an order")
        .clone();
    assert_eq!(order["inspection_id"], json!(id));
    assert_eq!(order["due"], "2026-12-10");
    assert_eq!(order["status"], "open");
    assert_eq!(order["overdue"], false);
    assert!(order["required"]
        .as_str()
        .is_some_and(|t| t.contains("水嘴 九牧 JM-3A")));
    // Past its deadline it is overdue.
    app.clock.advance(time::Duration::days(12));
    // (Sessions end after so long: both sign in again.)
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let orders = body(&app.get("/api/rectifications", Some(&sup)).await);
    assert_eq!(orders[0]["overdue"], true);

    // Nothing changes in place after approval.
    let r = send_json(
        &app,
        "PUT",
        &format!("/api/inspections/{id}/draft"),
        Some(&me),
        json!({"lines": []}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = decide(&app, Some(&sup), id, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(body(&r)["state"], "approved");

    // The re-inspection, linked to the order, finds the shop compliant; approving it closes the order.
    let order_id = order["id"].as_str().expect("id").to_string();
    let again = start(&app, &me, &[("reinspects", order_id.as_str())]).await;
    put(
        &app,
        &me,
        again,
        &json!({
            "lines": [{ "id": line_id(9), "category": "toilet", "brand": "箭牌", "model": "AB1",
                        "label_present": true, "grade": 1, "figure": 3.8, "quantity": 1 }],
            "outcome": "compliant", "outcome_note": "",
        }),
    )
    .await;
    assert_eq!(
        upload_photo(&app, &me, again, None, Uuid::now_v7())
            .await
            .status,
        StatusCode::CREATED
    );
    let r = post(
        &app,
        Some(&me),
        &format!("/api/inspections/{again}/submit"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(body(&r)["reinspects"], json!(order_id));
    let r = decide(&app, Some(&sup), again, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        body(&app.get("/api/rectifications", Some(&sup)).await),
        json!([])
    );
    let all = body(&app.get("/api/rectifications?status=all", Some(&sup)).await);
    assert_eq!(all[0]["status"], "closed");
    assert_eq!(all[0]["closed_by"], json!(again));

    // A correction is a new version with its reason; the earlier outcome stays in the history.
    let r = decide(&app, Some(&sup), id, json!({
        "action": "correct", "outcome": "off_sale", "reason": "复查发现仍在销售", "rectify_by": "2026-12-20",
    })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rec = body(&r);
    assert_eq!(
        (rec["outcome"].clone(), rec["outcome_version"].clone()),
        (json!("off_sale"), json!(2))
    );
    let h = body(
        &app.get(&format!("/api/inspections/{id}/history"), Some(&sup))
            .await,
    );
    let last = h["reviews"]
        .as_array()
        .and_then(|r| r.last())
        .expect("reviews")
        .clone();
    assert_eq!(
        (last["outcome_before"].clone(), last["outcome"].clone()),
        (json!("rectify"), json!("off_sale"))
    );
    assert_eq!(last["reason"], "复查发现仍在销售");
    assert_eq!(h["reviews"].as_array().map(Vec::len), Some(3));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_a_supervisor_decides_and_each_refusal_writes_nothing(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let admin = app.login("admin").await;
    let id = submitted(&app, &me, 1).await;
    let actions = [
        json!({ "action": "approve" }),
        json!({ "action": "return", "comment": "x" }),
        json!({ "action": "correct", "outcome": "refer", "reason": "y" }),
    ];
    for a in &actions {
        assert_eq!(
            decide(&app, None, id, a.clone()).await.status,
            StatusCode::UNAUTHORIZED,
            "{a}"
        );
        assert_eq!(
            decide(&app, Some(&me), id, a.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{a}"
        );
        assert_eq!(
            decide(&app, Some(&admin), id, a.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{a}"
        );
    }
    // A supervisor does not edit findings, nor submit.
    let r = send_json(
        &app,
        "PUT",
        &format!("/api/inspections/{id}/draft"),
        Some(&sup),
        json!({"lines": []}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad decisions, by field.
    for (bad, field) in [
        (json!({ "action": "delete" }), "action"),
        (json!({ "action": "return" }), "comment"),
        (json!({ "action": "correct", "reason": "y" }), "outcome"),
        (json!({ "action": "correct", "outcome": "refer" }), "reason"),
        (
            json!({ "action": "return", "line_comments": [{ "line_id": line_id(77), "text": "?" }] }),
            "line_comments",
        ),
    ] {
        let r = decide(&app, Some(&sup), id, bad.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert_eq!(body(&r)["field"], field, "{bad}");
    }
    assert_eq!(reviews_written(&app, id).await, 0);
    let rec = body(&app.get(&format!("/api/inspections/{id}"), Some(&sup)).await);
    assert_eq!(rec["status"], "submitted");
    // A draft cannot be decided.
    let draft = start(&app, &me, &[]).await;
    let r = decide(&app, Some(&sup), draft, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(body(&r)["state"], "draft");
    // The queue is the supervisors'.
    assert_eq!(
        app.get("/api/review/queue", Some(&me)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/review/queue", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_supervisor_of_another_district_neither_sees_nor_decides(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let id = submitted(&app, &me, 1).await;
    let shop = app.store.active_sites(None, "恒洁卫浴").await.expect("db")[0].id;
    let district = app
        .store
        .site_detail(shop)
        .await
        .expect("db")
        .expect("shop")
        .district_id;
    let other = app
        .store
        .list_districts()
        .await
        .expect("db")
        .into_iter()
        .find(|d| d.id != district)
        .expect("another district")
        .id;
    let admin = app.login("admin").await;
    for (name, d) in [("sup_here", district), ("sup_there", other)] {
        let r = app
            .post_form(
                "/admin/users",
                Some(&admin),
                &[
                    ("username", name),
                    ("display_name", name),
                    ("role", "supervisor"),
                    ("district_id", &d.to_string()),
                    ("password", PW),
                ],
            )
            .await;
        assert!(r.location().contains("ok=created"), "{}", r.location());
    }
    let here = app.login("sup_here").await;
    let there = app.login("sup_there").await;
    let ids = |v: Value| -> Vec<Value> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|i| i["id"].clone())
            .collect()
    };
    assert!(ids(body(&app.get("/api/review/queue", Some(&here)).await)).contains(&json!(id)));
    assert!(ids(body(&app.get("/api/review/queue", Some(&there)).await)).is_empty());
    // Asking for the other district does not widen the scope.
    let path = format!("/api/review/queue?district={district}");
    assert!(ids(body(&app.get(&path, Some(&there)).await)).is_empty());
    let r = decide(&app, Some(&there), id, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/inspections/{id}/history"), Some(&there))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(reviews_written(&app, id).await, 0);
    let r = decide(&app, Some(&here), id, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_supervisors_at_once_one_decides_the_other_gets_409(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let admin = app.login("admin").await;
    app.create_user(&admin, "sup2", "赵审核", "supervisor")
        .await;
    let a = app.login("supervisor").await;
    let b = app.login("sup2").await;
    let id = submitted(&app, &me, 1).await;
    let (ra, rb) = tokio::join!(
        decide(&app, Some(&a), id, json!({ "action": "approve" })),
        decide(
            &app,
            Some(&b),
            id,
            json!({ "action": "return", "comment": "重拍" })
        ),
    );
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        ra.body,
        rb.body
    );
    assert_eq!(reviews_written(&app, id).await, 1);
    let h = body(
        &app.get(&format!("/api/inspections/{id}/history"), Some(&a))
            .await,
    );
    assert_eq!(h["reviews"].as_array().map(Vec::len), Some(1));
}

/// The supervisor's panel on the record's page, the plain forms, the inspector's view of a return.
#[sqlx::test(migrator = "MIGRATOR")]
async fn the_record_page_reviews_with_plain_forms_and_shows_the_inspector_each_comment_by_its_line(
    pool: SqlitePool,
) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let id = submitted(&app, &me, 1).await;

    // The navigation counts what waits; the record's page has the panel.
    let queue = app.get("/review", Some(&sup)).await;
    assert!(
        queue.body.contains(r#"class="nav-count">1</span>"#),
        "no waiting count on the navigation"
    );
    let page = app.get(&format!("/checks/{id}"), Some(&sup)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        r#"id="review-form""#,
        &format!(r#"action="/checks/{id}/review""#),
        // A comment box under the line, belonging to the review form.
        &format!(r#"name="line:{}""#, line_id(1)),
        r#"form="review-form""#,
        r#"value="approve""#,
        r#"value="return""#,
        "开始检查时的位置",
        "距网点",
        "照片证据",
        "审核记录",
        "还没有审核意见",
        &format!(r#"href="/checks/{id}/history.csv""#),
    ] {
        assert!(page.body.contains(text), "the panel lacks {text}");
    }
    // The inspector's own page has no panel.
    let mine = app.get(&format!("/checks/{id}"), Some(&me)).await;
    assert!(!mine.body.contains("review-form"));

    // Returning with nothing said is refused back to the page, with the reason; nothing written.
    let r = app
        .post_form(
            &format!("/checks/{id}/review"),
            Some(&sup),
            &[("action", "return"), ("comment", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        format!("/checks/{id}?refused=ReturnNeedsComment#review")
    );
    let again = app.get(r.location(), Some(&sup)).await;
    assert!(again.body.contains("退回时请写明需要修改的内容"));
    assert_eq!(reviews_written(&app, id).await, 0);
    // An inspector may not post the form at all.
    let r = app
        .post_form(
            &format!("/checks/{id}/review"),
            Some(&me),
            &[("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(reviews_written(&app, id).await, 0);

    // Returned with a comment on the line (and none on the whole): back to the queue.
    let field = format!("line:{}", line_id(1));
    let r = app
        .post_form(
            &format!("/checks/{id}/review"),
            Some(&sup),
            &[
                ("action", "return"),
                ("comment", ""),
                (field.as_str(), "等级标识看不清，请补拍"),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/review?decided={id}"));
    let queue = app.get(r.location(), Some(&sup)).await;
    assert!(queue.body.contains("已记录审核结果"));
    assert!(!queue.body.contains("nav-count"), "nothing waits any more");

    // The inspector: the returned check first on their home, the comment beside its line.
    let today = app.get("/today", Some(&me)).await;
    let returned_at = today.body.find("退回待修改").expect("a returned group");
    let link = today
        .body
        .find(&format!(r#"href="/checks/{id}""#))
        .expect("linked");
    assert!(returned_at < link);
    let page = app.get(&format!("/checks/{id}"), Some(&me)).await;
    let data = page.page_data();
    assert_eq!(
        data["returned"]["lines"][line_id(1)],
        json!("等级标识看不清，请补拍")
    );
    assert_eq!(data["returned"]["reviewer"], "李审核");
    assert_eq!(data["t"]["supervisor_says"], "审核意见：");
    assert!(page.body.contains("审核人退回意见") && page.body.contains("等级标识看不清，请补拍"));
    // The record's own audit trail, with who did what.
    assert!(page.body.contains("操作日志"));
    assert!(page.body.contains("review_return") && page.body.contains("market_check_submit"));

    // The history as CSV, for the inspector too; not for someone who may not see the record.
    let csv = app
        .get(&format!("/checks/{id}/history.csv"), Some(&me))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(csv.body.starts_with("\u{feff}at,kind,round,by,action"));
    assert!(csv.body.contains("review,1,李审核,return"));
    assert!(csv.body.contains("等级标识看不清，请补拍"));
    assert!(csv.body.contains("audit,") && csv.body.contains("market_check_submit"));
    let admin = app.login("admin").await;
    app.create_user(&admin, "other", "别的检查员", "inspector")
        .await;
    let other = app.login("other").await;
    assert_eq!(
        app.get(&format!("/checks/{id}/history.csv"), Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bulk_approval_takes_only_records_without_violations_or_flags(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    // A clean record: one water-saving line, and a shop-front photo taken at the shop (a picture of
    // its own, with a good fix at the site's position: no flag).
    let clean = start(&app, &me, &[]).await;
    put(
        &app,
        &me,
        clean,
        &json!({
            "lines": [{ "id": line_id(5), "category": "toilet", "brand": "箭牌", "model": "AB1",
                        "label_present": true, "grade": 1, "figure": 3.8, "quantity": 1 }],
            "outcome": "compliant", "outcome_note": "",
        }),
    )
    .await;
    let shop = app.store.active_sites(None, "恒洁卫浴").await.expect("db")[0].id;
    let here = app
        .store
        .site_detail(shop)
        .await
        .expect("db")
        .expect("shop")
        .summary
        .position;
    let file = jieshui_server::evidence::analyze::fixture::plain_jpeg(80, 60);
    let (pid, iid, lat, lon) = (
        Uuid::now_v7().to_string(),
        clean.to_string(),
        here.lat.to_string(),
        here.lon.to_string(),
    );
    let r = upload_parts(
        &app,
        &me,
        &[
            ("id", None, pid.as_bytes()),
            ("inspection_id", None, iid.as_bytes()),
            ("lat", None, lat.as_bytes()),
            ("lon", None, lon.as_bytes()),
            ("accuracy_m", None, b"8"),
            ("file", Some("p.jpg"), &file),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(body(&r)["flags"], json!([]), "a clean photo");
    let r = post(
        &app,
        Some(&me),
        &format!("/api/inspections/{clean}/submit"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let dirty = submitted(&app, &me, 1).await;

    // The queue page offers the clean one only.
    let page = app.get("/review", Some(&sup)).await;
    assert!(page.body.contains(&format!(r#"name="id" value="{clean}""#)));
    assert!(!page.body.contains(&format!(r#"name="id" value="{dirty}""#)));
    // Posting both anyway: the server checks again and approves only the clean one.
    let (c, d) = (clean.to_string(), dirty.to_string());
    let r = app
        .post_form(
            "/review/approve",
            Some(&sup),
            &[("id", c.as_str()), ("id", d.as_str()), ("id", "nonsense")],
        )
        .await;
    assert_eq!(r.location(), "/review?approved=1&skipped=2");
    let page = app.get(r.location(), Some(&sup)).await;
    assert!(page.body.contains("1 条已通过，2 条需逐条审核"));
    let status = |id: Uuid| {
        let app = &app;
        let sup = &sup;
        async move {
            body(&app.get(&format!("/api/inspections/{id}"), Some(sup)).await)["status"].clone()
        }
    };
    assert_eq!(status(clean).await, "approved");
    assert_eq!(status(dirty).await, "submitted");
    // Once more: the approved one is not approved twice.
    let r = app
        .post_form("/review/approve", Some(&sup), &[("id", c.as_str())])
        .await;
    assert_eq!(r.location(), "/review?approved=0&skipped=1");
    assert_eq!(reviews_written(&app, clean).await, 1);
    // Not an inspector's.
    let r = app
        .post_form("/review/approve", Some(&me), &[("id", d.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(status(dirty).await, "submitted");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_rectifications_page_lets_an_inspector_reinspect_and_marks_overdue_orders(
    pool: SqlitePool,
) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let id = submitted(&app, &me, 1).await;
    let r = decide(&app, Some(&sup), id, json!({ "action": "approve" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let order = body(&app.get("/api/rectifications", Some(&sup)).await)[0]["id"]
        .as_str()
        .expect("order")
        .to_string();

    let page = app.get("/rectifications", Some(&me)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("恒洁卫浴（金柱店）"));
    assert!(page.body.contains("整改期限 2026-12-10"));
    assert!(page.body.contains("未关闭"));
    assert!(page
        .body
        .contains(&format!(r#"name="reinspects" value="{order}""#)));
    // The record's page shows the order it opened.
    let rec = app.get(&format!("/checks/{id}"), Some(&sup)).await;
    assert!(rec.body.contains("整改单") && rec.body.contains("九牧 JM-3"));
    // The supervisor follows orders but does not re-inspect.
    let page = app.get("/rectifications", Some(&sup)).await;
    assert!(page.body.contains("恒洁卫浴（金柱店）") && !page.body.contains("reinspects"));
    assert_eq!(
        app.get("/rectifications", Some(&app.login("admin").await))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Past the deadline: overdue.
    app.clock.advance(time::Duration::days(12));
    let me = app.login("inspector").await;
    let page = app.get("/rectifications", Some(&me)).await;
    assert!(page.body.contains("已逾期"));

    // "Re-inspect" starts a check linked to the order; its page says so.
    let site = app.store.active_sites(None, "恒洁卫浴").await.expect("db")[0]
        .id
        .to_string();
    let new_id = Uuid::now_v7().to_string();
    let r = app
        .post_form(
            "/checks/start",
            Some(&me),
            &[
                ("id", new_id.as_str()),
                ("site_id", site.as_str()),
                ("reinspects", order.as_str()),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/checks/{new_id}"));
    let rec = body(
        &app.get(&format!("/api/inspections/{new_id}"), Some(&me))
            .await,
    );
    assert_eq!(rec["reinspects"], json!(order));
    let page = app.get(&format!("/checks/{new_id}"), Some(&me)).await;
    assert!(page.body.contains("本次为复查，对应整改单"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_audit_page_walks_the_chain_and_names_a_tampered_entry(pool: SqlitePool) {
    let app = app(pool.clone()).await;
    let me = app.login("inspector").await;
    let admin = app.login("admin").await;
    let _ = submitted(&app, &me, 1).await;
    let page = app.get("/admin/audit", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("哈希链完整"), "{}", page.body);
    assert!(page.body.contains("market_check_submit"));
    assert!(page.body.contains(r#"href="/admin/audit/log.csv""#));
    let csv = app.get("/admin/audit/log.csv", Some(&admin)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .body
        .starts_with("\u{feff}seq,at,actor,actor_id,action,subject,detail,prev_hash,hash"));
    assert!(csv.body.contains("market_check_submit"));
    for role in ["inspector", "supervisor"] {
        let c = app.login(role).await;
        assert_eq!(
            app.get("/admin/audit/log.csv", Some(&c)).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            app.get("/admin/audit", Some(&c)).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    // Someone changes an entry behind the product's back: the page names it.
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update")
        .execute(&pool)
        .await
        .expect("drop trigger");
    sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
        .execute(&pool)
        .await
        .expect("tamper");
    let page = app.get("/admin/audit", Some(&admin)).await;
    assert!(page.body.contains("哈希链断裂"));
    assert!(page.body.contains("第 2 条被改动"), "{}", page.body);
}

/// Every review route, for every role: what each may do, and 401 signed out.
#[sqlx::test(migrator = "MIGRATOR")]
async fn the_role_by_action_matrix_of_the_review_routes(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let admin = app.login("admin").await;
    let id = submitted(&app, &me, 1).await;
    let who: [(&str, Option<&str>); 4] = [
        ("anonymous", None),
        ("inspector", Some(&me)),
        ("supervisor", Some(&sup)),
        ("admin", Some(&admin)),
    ];
    let history = format!("/api/inspections/{id}/history");
    // GET routes: (path, [anonymous, inspector, supervisor, admin]).
    for (path, expect) in [
        ("/api/review/queue", [401, 403, 200, 403]),
        ("/api/rectifications", [401, 200, 200, 200]),
        (history.as_str(), [401, 200, 200, 200]),
    ] {
        for ((name, cookie), want) in who.iter().zip(expect) {
            let r = app.get(path, *cookie).await;
            assert_eq!(r.status.as_u16(), want, "{name} GET {path}: {}", r.body);
        }
    }
    // POST review: each action by each role; only the supervisor's first decision lands.
    for (name, cookie) in &who[..2] {
        for a in ["approve", "return", "correct"] {
            let r = decide(
                &app,
                *cookie,
                id,
                json!({ "action": a, "comment": "c", "outcome": "refer", "reason": "r" }),
            )
            .await;
            let want = if cookie.is_none() { 401 } else { 403 };
            assert_eq!(r.status.as_u16(), want, "{name} {a}");
        }
    }
    for a in ["approve", "return", "correct"] {
        let r = decide(
            &app,
            Some(&admin),
            id,
            json!({ "action": a, "comment": "c", "outcome": "refer", "reason": "r" }),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "admin {a}");
    }
    assert_eq!(reviews_written(&app, id).await, 0);
    let r = decide(
        &app,
        Some(&sup),
        id,
        json!({ "action": "return", "comment": "c" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // Returned: approving or returning again is a conflict with the state named.
    for a in ["approve", "return", "correct"] {
        let r = decide(
            &app,
            Some(&sup),
            id,
            json!({ "action": a, "comment": "c", "outcome": "refer", "reason": "r" }),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "supervisor {a} on returned");
        assert_eq!(body(&r)["state"], "returned");
    }
    assert_eq!(reviews_written(&app, id).await, 1);
    // The page routes: the review form and bulk approval are the supervisor's.
    for (name, cookie) in &who {
        for path in [
            format!("/checks/{id}/review"),
            "/review/approve".to_string(),
        ] {
            let r = app
                .post_form(&path, *cookie, &[("action", "approve")])
                .await;
            let want = match *name {
                "anonymous" => StatusCode::UNAUTHORIZED,
                "supervisor" => StatusCode::SEE_OTHER,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(r.status, want, "{name} POST {path}");
        }
    }
    assert_eq!(reviews_written(&app, id).await, 1);
}
