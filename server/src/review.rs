//! The review workflow's JSON routes (public contracts, documented in the README):
//! `POST /api/inspections/{id}/review`, `GET /api/inspections/{id}/history`,
//! `GET /api/review/queue`, `GET /api/rectifications`.

use crate::db::{QueueFilter, Rectification, ReviewRow};
use crate::market::{answer, refused, rfc3339};
use crate::services::review::{self, ReviewRefused};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::inspection::InspectionKind;
use jieshui_app::domain::market::Outcome;
use jieshui_app::i18n::{Lang, Msg};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checks/{id}/review", post(review_form))
        .route("/checks/{id}/history.csv", get(history_csv))
        .route("/review/approve", post(bulk_form))
        .route("/admin/audit/log.csv", get(audit_csv))
        .route("/api/inspections/{id}/review", post(post_review))
        .route("/api/inspections/{id}/history", get(get_history))
        .route("/api/review/queue", get(get_queue))
        .route("/api/rectifications", get(get_rectifications))
}

fn review_refused(r: ReviewRefused, lang: Lang) -> Response {
    match r {
        ReviewRefused::Market(m) => refused(m, lang),
        // Not allowed in the state the record is in: say which.
        ReviewRefused::State(s) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": Msg::NotInThisState.text(lang),
                "code": "not_in_this_state",
                "state": s.as_str(),
            })),
        )
            .into_response(),
    }
}

/// `POST /api/inspections/{id}/review` (a supervisor of the record's district):
/// `{action: "approve" | "return" | "correct", comment, line_comments: [{line_id, text}], outcome,
/// reason, rectify_by}` → the record after the decision.
async fn post_review(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let value = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    match review::review(&state, info.user.as_ref(), &id, &value).await {
        Ok(rec) => answer(&state, StatusCode::OK, &rec, info.lang).await,
        Err(r) => review_refused(r, info.lang),
    }
}

fn review_json(r: &ReviewRow) -> Value {
    json!({
        "id": r.id,
        "round": r.round,
        "at": rfc3339(r.at),
        "reviewer": { "id": r.reviewer_id, "name": r.reviewer_name },
        "action": r.action.as_str(),
        "comment": r.comment,
        "line_comments": r.line_comments.iter().map(|(line, text)| json!({
            "line_id": line, "text": text,
        })).collect::<Vec<_>>(),
        "outcome_before": r.outcome_before.map(Outcome::as_str),
        "outcome": r.outcome.map(Outcome::as_str),
        "rectify_by": r.rectify_by.map(|d| d.to_string()),
        "reason": r.reason,
    })
}

/// `GET /api/inspections/{id}/history`: `{id, status, round, outcome_version, reviews: [...],
/// audit: [{at, actor_id, action, detail}]}` (audit newest first).
async fn get_history(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
) -> Response {
    match review::history(&state, info.user.as_ref(), &id).await {
        Ok((rec, reviews, audit)) => Json(json!({
            "id": rec.inspection.id,
            "status": rec.inspection.status.as_str(),
            "round": rec.round,
            "outcome_version": rec.outcome_version,
            "reviews": reviews.iter().map(review_json).collect::<Vec<_>>(),
            "audit": audit.iter().map(|a| json!({
                "at": rfc3339(a.at),
                "actor_id": a.actor_id,
                "action": a.action,
                "detail": a.detail,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(r) => review_refused(r, info.lang),
    }
}

#[derive(serde::Deserialize, Default)]
struct QueueQuery {
    kind: Option<String>,
    district: Option<String>,
    inspector: Option<String>,
    /// Waiting at least this many days.
    older_than_days: Option<u32>,
    /// `true`: only records with a flagged photo.
    flagged: Option<bool>,
}

/// `GET /api/review/queue?kind=&district=&inspector=&older_than_days=&flagged=` (supervisors):
/// submitted records, oldest first.
async fn get_queue(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> Response {
    let bad = |name: &str| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "field": name, "error": Msg::BadRequest.text(info.lang) })),
        )
            .into_response()
    };
    let Ok(Query(q)) = q else {
        return bad("query");
    };
    let uuid = |v: &Option<String>| -> Result<Option<uuid::Uuid>, ()> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => uuid::Uuid::parse_str(s).map(Some).map_err(|_| ()),
        }
    };
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => match InspectionKind::parse(k) {
            Some(k) => Some(k),
            None => return bad("kind"),
        },
    };
    let Ok(district) = uuid(&q.district) else {
        return bad("district");
    };
    let Ok(inspector) = uuid(&q.inspector) else {
        return bad("inspector");
    };
    let submitted_before = q
        .older_than_days
        .map(|d| state.clock.now() - time::Duration::days(i64::from(d.min(36_500))));
    let filter = QueueFilter {
        district,
        kind,
        inspector,
        submitted_before,
        flagged_only: q.flagged.unwrap_or(false),
        limit: review::QUEUE_LIMIT,
    };
    match review::queue(&state, info.user.as_ref(), filter).await {
        Ok(items) => Json(
            items
                .iter()
                .map(|i| {
                    json!({
                        "id": i.id,
                        "kind": i.kind.as_str(),
                        "site": { "id": i.site_id, "name": i.site_name },
                        "district_id": i.district_id,
                        "inspector": { "id": i.inspector_id, "name": i.inspector_name },
                        "submitted_at": i.submitted_at.map(rfc3339),
                        "round": i.round,
                        "lines": i.lines,
                        "violations": i.violations,
                        "flagged_photos": i.flagged_photos,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(r) => review_refused(r, info.lang),
    }
}

#[derive(serde::Deserialize, Default)]
struct RectQuery {
    /// `open` (the default) or `all`.
    status: Option<String>,
}

fn rectification_json(r: &Rectification, today: jieshui_app::domain::fixture::Day) -> Value {
    json!({
        "id": r.id,
        "site": { "id": r.site_id, "name": r.site_name },
        "district_id": r.district_id,
        "inspection_id": r.inspection_id,
        "required": r.required,
        "due": r.due.to_string(),
        "status": if r.open { "open" } else { "closed" },
        "overdue": r.open && r.due < today,
        "opened_at": rfc3339(r.opened_at),
        "closed_at": r.closed_at.map(rfc3339),
        "closed_by": r.closed_by,
    })
}

/// `GET /api/rectifications?status=open|all`: orders by deadline, overdue ones marked.
async fn get_rectifications(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    q: Result<Query<RectQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let open_only = match q.status.as_deref() {
        None | Some("") | Some("open") => true,
        Some("all") => false,
        Some(_) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "field": "status", "error": Msg::BadRequest.text(info.lang) })),
            )
                .into_response()
        }
    };
    let today = state.day_of(state.clock.now());
    match review::rectifications(&state, info.user.as_ref(), open_only).await {
        Ok(list) => Json(
            list.iter()
                .map(|r| rectification_json(r, today))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(r) => review_refused(r, info.lang),
    }
}

/// `POST /checks/{id}/review` (the record page's plain forms): `action`, `comment`,
/// `line:<line id>` = a comment on that line, `outcome`, `reason`, `rectify_by`. Decided → the
/// queue, saying so; refused → the record again with the reason (nothing written).
async fn review_form(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    let mut body = serde_json::Map::new();
    let mut lines = Vec::new();
    for (k, v) in form.into_iter().take(review::MAX_LINE_COMMENTS + 8) {
        match k.as_str() {
            "action" | "comment" | "reason" => {
                body.insert(k, Value::String(v));
            }
            "outcome" | "rectify_by" if !v.trim().is_empty() => {
                body.insert(k, Value::String(v.trim().to_string()));
            }
            _ => {
                if let Some(line) = k.strip_prefix("line:") {
                    if !v.trim().is_empty() {
                        lines.push(json!({ "line_id": line, "text": v }));
                    }
                }
            }
        }
    }
    body.insert("line_comments".into(), Value::Array(lines));
    let id_enc = crate::pages_util::urlencode(&id);
    match review::review(&state, info.user.as_ref(), &id, &Value::Object(body)).await {
        Ok(rec) => axum::response::Redirect::to(&format!("/review?decided={}", rec.inspection.id))
            .into_response(),
        Err(ReviewRefused::Market(crate::services::market::MarketRefused::Internal(i))) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &i)
        }
        Err(ReviewRefused::Market(crate::services::market::MarketRefused::User(s, _)))
            if s == StatusCode::NOT_FOUND =>
        {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(r) => axum::response::Redirect::to(&format!(
            "/checks/{id_enc}?refused={}#review",
            crate::pages_util::msg_code(review::refusal_msg(&r))
        ))
        .into_response(),
    }
}

/// `POST /review/approve` (the queue's bulk approval): every `id` listed that has no violation and
/// no flagged photo is approved, each as its own decision; the rest stay for a look of their own.
async fn bulk_form(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    let ids: Vec<String> = form
        .into_iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v)
        .take(review::QUEUE_LIMIT as usize)
        .collect();
    match review::bulk_approve(&state, info.user.as_ref(), &ids).await {
        Ok(b) => axum::response::Redirect::to(&format!(
            "/review?approved={}&skipped={}",
            b.approved, b.skipped
        ))
        .into_response(),
        Err(ReviewRefused::Market(crate::services::market::MarketRefused::Internal(i))) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &i)
        }
        Err(r) => {
            let m = review::refusal_msg(&r);
            crate::pages_util::message_page(
                info.lang,
                StatusCode::FORBIDDEN,
                Msg::ForbiddenTitle.text(info.lang),
                m.text(info.lang),
            )
        }
    }
}

/// A CSV file (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese right). A
/// cell that a spreadsheet would take for a formula is prefixed with `'`.
fn csv_response(filename: &str, header: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let safe = |c: &str| {
        if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{c}")
        } else {
            c.to_string()
        }
    };
    let mut ok = w.write_record(header).is_ok();
    for r in rows {
        ok &= w.write_record(r.iter().map(|c| safe(c))).is_ok();
    }
    match (ok, w.into_inner()) {
        (true, Ok(bytes)) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/csv; charset=utf-8".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => crate::pages_util::internal_page("csv writer"),
    }
}

/// `GET /checks/{id}/history.csv`: every decision on the record and every audit entry about it,
/// oldest first, for whoever may read the record.
async fn history_csv(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
) -> Response {
    let (rec, reviews, mut audit) = match review::history(&state, info.user.as_ref(), &id).await {
        Ok(h) => h,
        Err(ReviewRefused::Market(crate::services::market::MarketRefused::Internal(i))) => {
            return crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &i)
        }
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    audit.reverse();
    let mut rows: Vec<Vec<String>> = reviews
        .iter()
        .map(|r| {
            let lines = r
                .line_comments
                .iter()
                .map(|(l, t)| format!("{l}: {t}"))
                .collect::<Vec<_>>()
                .join("\n");
            vec![
                rfc3339(r.at),
                "review".into(),
                r.round.to_string(),
                r.reviewer_name.clone(),
                r.action.as_str().into(),
                r.comment.clone(),
                lines,
                r.outcome_before.map(Outcome::as_str).unwrap_or("").into(),
                r.outcome.map(Outcome::as_str).unwrap_or("").into(),
                r.rectify_by.map(|d| d.to_string()).unwrap_or_default(),
                r.reason.clone(),
            ]
        })
        .collect();
    rows.extend(audit.iter().map(|a| {
        vec![
            rfc3339(a.at),
            "audit".into(),
            String::new(),
            a.actor_id.map(|u| u.to_string()).unwrap_or_default(),
            a.action.clone(),
            a.detail.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]
    }));
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    csv_response(
        &format!("jieshui-history-{}.csv", rec.inspection.id),
        &[
            "at",
            "kind",
            "round",
            "by",
            "action",
            "comment_or_detail",
            "line_comments",
            "outcome_before",
            "outcome",
            "rectify_by",
            "reason",
        ],
        rows,
    )
}

/// `GET /admin/audit/log.csv` (administrators): the whole audit log in chain order, with each
/// entry's hashes, as the chain walk reads it.
async fn audit_csv(
    State(state): State<AppState>,
    crate::pages_util::AdminUser(_admin): crate::pages_util::AdminUser,
) -> Response {
    let rows = match state.store.audit_chain().await {
        Ok(r) => r,
        Err(e) => return crate::pages_util::internal_page(e),
    };
    let backend = crate::backend::ServerBackend {
        core: state.core.clone(),
    };
    let names = match backend.audit_names().await {
        Ok(n) => n,
        Err(e) => return crate::pages_util::app_error_page(e),
    };
    let rows = rows
        .into_iter()
        .map(|r| {
            vec![
                r.seq.clone(),
                r.at.clone(),
                names.get(&r.actor).cloned().unwrap_or_default(),
                r.actor,
                r.action,
                r.subject,
                r.detail,
                r.prev_hash.unwrap_or_default(),
                r.hash.unwrap_or_default(),
            ]
        })
        .collect();
    csv_response(
        "jieshui-audit-log.csv",
        &[
            "seq",
            "at",
            "actor",
            "actor_id",
            "action",
            "subject",
            "detail",
            "prev_hash",
            "hash",
        ],
        rows,
    )
}
