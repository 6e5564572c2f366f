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
        limit: 500,
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
