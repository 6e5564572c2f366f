//! Audits over HTTP: the draft contract for an audit (`PUT /api/inspections/{id}/draft` with items,
//! fixture counts and facts, answered with the computed scores), its refusals field by field with
//! nothing written, submission once, a later score-sheet version leaving a submitted audit alone,
//! the facts going to the registry on approval (old value kept), recommendation and the title
//! recorded from the audit; roles and ownership as for market checks.

mod common;

use axum::http::StatusCode;
use common::*;
use jieshui_app::domain::score::ScoreSheet;
use jieshui_app::domain::site::SiteKind;
use serde_json::{json, Value};
use sqlx::SqlitePool;
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn body(r: &Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {} {}", r.status, r.body))
}

async fn site(app: &TestApp, name: &str) -> Uuid {
    app.store.active_sites(None, name).await.expect("db")[0].id
}

/// Starts an audit at the demo site called `name`; the answer's status.
async fn start_audit_at(app: &TestApp, me: &str, name: &str) -> (Uuid, Resp) {
    let id = Uuid::now_v7();
    let (ids, site) = (id.to_string(), site(app, name).await.to_string());
    let r = app
        .post_form(
            "/api/inspections",
            Some(me),
            &[
                ("id", &ids),
                ("site_id", &site),
                ("kind", "audit"),
                ("lat", "36.45"),
                ("lon", "115.98"),
            ],
        )
        .await;
    (id, r)
}

async fn start_audit(app: &TestApp, me: &str) -> Uuid {
    let (id, r) = start_audit_at(app, me, "水城明珠小区").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    id
}

async fn put(app: &TestApp, me: Option<&str>, id: Uuid, v: &Value) -> Resp {
    send_json(
        app,
        "PUT",
        &format!("/api/inspections/{id}/draft"),
        me,
        v.to_string(),
    )
    .await
}

async fn submit(app: &TestApp, me: Option<&str>, id: Uuid) -> Resp {
    send_json(
        app,
        "POST",
        &format!("/api/inspections/{id}/submit"),
        me,
        String::new(),
    )
    .await
}

/// Every item of the community sheet answered in full, "greening" not applicable.
fn full_answers() -> Vec<Value> {
    let sheet = ScoreSheet::seed(SiteKind::Community).expect("sheet");
    sheet
        .items
        .iter()
        .map(|it| {
            use jieshui_app::domain::score::Scoring;
            if it.id == "greening" {
                return json!({"item_id": it.id, "not_applicable": true, "note": "无绿地"});
            }
            match &it.scoring {
                Scoring::Points => json!({"item_id": it.id, "score": f64::from(it.max) / 10.0}),
                Scoring::PassFail => json!({"item_id": it.id, "passed": true}),
                Scoring::Measured { target, .. } => json!({"item_id": it.id, "value": target}),
            }
        })
        .collect()
}

async fn drafts_written(app: &TestApp, id: Uuid) -> usize {
    app.store
        .audit_trail(Some(&id.to_string()), 1000)
        .await
        .expect("db")
        .iter()
        .filter(|e| e.action == "audit_draft")
        .count()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_audit_is_scored_submitted_once_approved_and_leads_to_a_title(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let admin = app.login("admin").await;
    let id = start_audit(&app, &me).await;

    // A first draft: rules 7.5 of 10, meters measured at 98 % (2 off per point: 6 of 10), the
    // rest in full, greening not applicable, households corrected, toilets counted, faucets judged
    // from the label read on them (grade 3: not water-saving, whatever the auditor wrote).
    let mut items = full_answers();
    items[0] = json!({"item_id": "rules", "score": 7.5, "note": "缺会议记录"});
    let meters = items
        .iter()
        .position(|i| i["item_id"] == "household_meters")
        .expect("meters");
    items[meters] = json!({"item_id": "household_meters", "value": 98});
    let draft = json!({
        "items": items,
        "fixture_counts": [
            {"category": "toilet", "installed": 40, "water_saving": 38},
            {"category": "faucet", "installed": 10, "water_saving": 10, "label": {"grade": 3}}
        ],
        "facts": {"households": 1900},
    });
    let r = put(&app, Some(&me), id, &draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = body(&r);
    assert_eq!(a["kind"], "audit");
    assert_eq!(a["status"], "draft");
    assert_eq!(
        a["sheet"],
        json!({"kind": "community", "version": 1, "pass_mark": 90.0})
    );
    let s = &a["scores"];
    // 100 − 5 (greening) = 95 applicable; 95 − 2.5 − 4 = 88.5 scored; 88.5 / 95 = 93.2 → passes.
    assert_eq!(s["applicable_max"], json!(95.0));
    assert_eq!(s["total"], json!(88.5));
    assert_eq!(s["normalised"], json!(93.2));
    assert_eq!(s["pass_mark"], json!(90.0));
    assert_eq!(s["passed"], json!(true));
    assert_eq!(s["sheet_version"], json!(1));
    assert_eq!(s["unanswered"], json!([]));
    // 38 of 50.
    assert_eq!(s["fixture_rate"], json!(0.76));
    // No photo yet: the notice board and the meters need theirs.
    assert_eq!(
        s["needs_evidence"],
        json!(["publicity", "household_meters"])
    );
    let rules = &a["items"][0];
    assert_eq!(rules["item_id"], "rules");
    assert_eq!(rules["score"], json!(7.5));
    assert_eq!(rules["points"], json!(7.5));
    assert_eq!(rules["max"], json!(10.0));
    assert_eq!(rules["note"], "缺会议记录");
    assert_eq!(rules["photos"], json!(0));
    assert_eq!(rules["photos_needed"], json!(0));
    let meters_item = a["items"]
        .as_array()
        .and_then(|v| v.iter().find(|i| i["item_id"] == "household_meters"))
        .expect("meters");
    assert_eq!(meters_item["value"], json!(98.0));
    assert_eq!(meters_item["points"], json!(6.0));
    assert_eq!(a["facts"]["households"], json!(1900));
    assert_eq!(a["facts"]["registry"]["households"], json!(1860));
    assert_eq!(
        a["fixture_counts"],
        json!([
            {"category": "toilet", "installed": 40, "water_saving": 38},
            {"category": "faucet", "installed": 10, "water_saving": 0, "label": {"grade": 3},
             "verdict": "not_water_saving"}
        ])
    );

    // Submitting before the photos: refused by its field, nothing submitted.
    let r = submit(&app, Some(&me), id).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(body(&r)["field"], "items");

    // A photo for each applicable item, through the item's line id.
    for it in a["items"].as_array().expect("items") {
        if it["not_applicable"] == json!(true) {
            continue;
        }
        let line = Uuid::parse_str(it["line_id"].as_str().expect("line")).expect("uuid");
        let r = upload_photo(&app, &me, id, Some(line), Uuid::now_v7()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let a = body(&app.get(&format!("/api/inspections/{id}"), Some(&me)).await);
    assert_eq!(a["scores"]["needs_evidence"], json!([]));
    assert_eq!(a["items"][0]["photos"], json!(1));

    // The same draft again is recognised: nothing written.
    assert_eq!(drafts_written(&app, id).await, 1);
    assert_eq!(
        put(&app, Some(&me), id, &draft).await.status,
        StatusCode::OK
    );
    assert_eq!(drafts_written(&app, id).await, 1);

    let r = submit(&app, Some(&me), id).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(body(&r)["status"], "submitted");
    let r = submit(&app, Some(&me), id).await;
    assert_eq!(r.status, StatusCode::OK, "a repeat finds it submitted");
    // Submitted: no more changes.
    assert_eq!(
        put(&app, Some(&me), id, &draft).await.status,
        StatusCode::CONFLICT
    );

    // A new sheet version in force from before the visit (pass mark 95) changes nothing here.
    let mut v2 = ScoreSheet::seed(SiteKind::Community).expect("sheet");
    v2.version = 2;
    v2.pass_mark = 950;
    let audit = jieshui_server::db::AuditEntry {
        actor_id: None,
        action: "score_sheet_new",
        subject: "score_sheet:community:2".into(),
        detail: json!({}),
    };
    app.store.insert_score_sheet(&v2, &audit).await.expect("db");
    let a = body(&app.get(&format!("/api/inspections/{id}"), Some(&sup)).await);
    assert_eq!(a["sheet"]["version"], json!(1));
    assert_eq!(a["scores"]["total"], json!(88.5));
    assert_eq!(a["scores"]["passed"], json!(true));

    // Not recommended before approval.
    let r = app
        .post_form(
            &format!("/checks/{id}/recommend"),
            Some(&sup),
            &[("level", "provincial")],
        )
        .await;
    assert!(
        r.location().contains("refused=RecommendNeedsPass"),
        "{}",
        r.location()
    );

    // Never approved in bulk: an audit wants a look of its own.
    let ids = id.to_string();
    let r = app
        .post_form("/review/approve", Some(&sup), &[("id", ids.as_str())])
        .await;
    assert_eq!(r.location(), "/review?approved=0&skipped=1");
    // Nor corrected: it has no outcome.
    let r = send_json(
        &app,
        "POST",
        &format!("/api/inspections/{id}/review"),
        Some(&sup),
        json!({"action": "correct", "outcome": "compliant", "reason": "x"}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let a = body(&app.get(&format!("/api/inspections/{id}"), Some(&sup)).await);
    assert_eq!(a["status"], "submitted");

    // The supervisor approves: the households go to the registry, the old value kept.
    let r = send_json(
        &app,
        "POST",
        &format!("/api/inspections/{id}/review"),
        Some(&sup),
        json!({"action": "approve"}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let community = site(&app, "水城明珠小区").await;
    let d = app
        .store
        .site_detail(community)
        .await
        .expect("db")
        .expect("site");
    assert_eq!(d.households, Some(1900));
    let changes = app.store.fact_changes(community).await.expect("db");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].fact, "households");
    assert_eq!(changes[0].old_value, Some(1860.0));
    assert_eq!(changes[0].new_value, 1900.0);
    assert_eq!(changes[0].inspection_id, id);

    // Recommended, then the administrator records the title from the audit.
    let r = app
        .post_form(
            &format!("/checks/{id}/recommend"),
            Some(&sup),
            &[("level", "provincial")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!r.location().contains("refused"), "{}", r.location());
    let a = body(
        &app.get(&format!("/api/inspections/{id}"), Some(&admin))
            .await,
    );
    assert_eq!(a["recommended_level"], "provincial");
    let awarded_on = |day| {
        [
            ("level", "provincial"),
            ("awarded_on", day),
            ("document_no", "鲁节水〔2026〕12号"),
            ("valid_until", ""),
        ]
    };
    let title = awarded_on("2026-12-01");
    // A title awarded before the audit (on 2026-11-29 in the city) cannot rest on it.
    let early = awarded_on("2026-11-28");
    let r = app
        .post_form(&format!("/checks/{id}/title"), Some(&admin), &early)
        .await;
    assert!(
        r.location().contains("AwardBeforeAudit"),
        "{} {}",
        r.status,
        r.location()
    );
    // Supervisors do not record titles.
    let r = app
        .post_form(&format!("/checks/{id}/title"), Some(&sup), &title)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(&format!("/checks/{id}/title"), Some(&admin), &title)
        .await;
    assert!(r.location().ends_with("titled=1#title"), "{}", r.location());
    let d = app
        .store
        .site_detail(community)
        .await
        .expect("db")
        .expect("site");
    assert_eq!(d.titles.len(), 1);
    assert_eq!(d.titles[0].audit_id, Some(id));
    assert_eq!(d.titles[0].document_no, "鲁节水〔2026〕12号");
    // One title per audit.
    let r = app
        .post_form(&format!("/checks/{id}/title"), Some(&admin), &title)
        .await;
    assert!(
        r.location().contains("refused=TitleRecorded"),
        "{}",
        r.location()
    );
    let d = app
        .store
        .site_detail(community)
        .await
        .expect("db")
        .expect("site");
    assert_eq!(d.titles.len(), 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn each_bad_field_is_refused_by_name_and_nothing_is_written(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let id = start_audit(&app, &me).await;
    let cases = [
        (
            json!({"items": [{"item_id": "no_such_item", "score": 1}]}),
            "items[0].item_id",
        ),
        (
            json!({"items": [{"item_id": "rules", "score": 10.5}]}),
            "items[0].score",
        ),
        (
            json!({"items": [{"item_id": "rules", "not_applicable": true}]}),
            "items[0].not_applicable",
        ),
        (
            json!({"items": [{"item_id": "drawing", "value": 3}]}),
            "items[0].value",
        ),
        (
            json!({"items": [{"item_id": "rules", "score": -2}]}),
            "items[0].score",
        ),
        (
            json!({"fixture_counts": [{"category": "toilet", "installed": -1, "water_saving": 0}]}),
            "fixture_counts[0].installed",
        ),
        (
            json!({"fixture_counts": [{"category": "toilet", "installed": 5, "water_saving": -1}]}),
            "fixture_counts[0].water_saving",
        ),
        (
            json!({"fixture_counts": [{"category": "toilet", "installed": 5, "water_saving": 6}]}),
            "fixture_counts[0].water_saving",
        ),
        (
            json!({"fixture_counts": [{"category": "bathtub_x", "installed": 5, "water_saving": 5}]}),
            "fixture_counts[0].category",
        ),
        (
            json!({"fixture_counts": [{"category": "toilet", "installed": 5, "label": {"grade": 9}}]}),
            "fixture_counts[0].label.grade",
        ),
        (
            json!({"fixture_counts": [{"category": "toilet", "installed": 5, "label": {"grade": 1, "figure": "4.8"}}]}),
            "fixture_counts[0].label.figure",
        ),
        (
            json!({"facts": {"annual_water_m3": 1200}}),
            "facts.annual_water_m3",
        ),
        (json!({"facts": {"households": -5}}), "facts.households"),
        (json!("not an object"), "body"),
    ];
    for (draft, field) in cases {
        let r = put(&app, Some(&me), id, &draft).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{draft}: {}",
            r.body
        );
        let b = body(&r);
        assert_eq!(b["field"], field, "{draft}");
        assert!(b["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    // In English when the user reads English.
    let r = send_json(
        &app,
        "PUT",
        &format!("/api/inspections/{id}/draft"),
        Some(&format!("{me}; lang=en")),
        json!({"items": [{"item_id": "rules", "score": 11}]}).to_string(),
    )
    .await;
    assert_eq!(body(&r)["error"], "This item is worth at most 10 points.");
    // Nothing was written by any of them.
    assert_eq!(drafts_written(&app, id).await, 0);
    assert!(app.store.audit_result(id).await.expect("db").is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn who_may_start_write_and_read_an_audit(pool: SqlitePool) {
    let app = app(pool).await;
    let me = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let admin = app.login("admin").await;
    app.create_user(&admin, "inspector2", "赵检查", "inspector")
        .await;
    let other = app.login("inspector2").await;
    // A shop is spot-checked, not audited.
    let (_, r) = start_audit_at(&app, &me, "恒洁卫浴").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // A unit's audit records annual water use, not households.
    let (unit, r) = start_audit_at(&app, &me, "聊城市第一中学").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = put(&app, Some(&me), unit, &json!({"facts": {"households": 10}})).await;
    assert_eq!(body(&r)["field"], "facts.households");
    let r = put(
        &app,
        Some(&me),
        unit,
        &json!({"facts": {"annual_water_m3": 52000.5}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body(&r)["sheet"]["kind"], "unit");

    let id = start_audit(&app, &me).await;
    let draft = json!({"items": [{"item_id": "rules", "score": 5}]});
    assert_eq!(
        put(&app, None, id, &draft).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        put(&app, Some(&sup), id, &draft).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&app, Some(&other), id, &draft).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        submit(&app, Some(&other), id).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/inspections/{id}"), Some(&other))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(drafts_written(&app, id).await, 0);
    // The supervisor reads it; its own inspector writes it.
    assert_eq!(
        app.get(&format!("/api/inspections/{id}"), Some(&sup))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        put(&app, Some(&me), id, &draft).await.status,
        StatusCode::OK
    );
    // Incomplete: not submitted.
    let r = submit(&app, Some(&me), id).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(&r)["field"], "items");
}
