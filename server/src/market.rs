//! The market spot check's JSON routes. `POST /api/verdict` and the inspection routes are public contracts (other city systems
//! and scripts use it, and so does the phone): its names and shapes stay as the README documents.

use crate::db::MarketRecord;
use crate::services::audits::{self, AuditRecord};
use crate::services::market::{self, MarketRefused};
use crate::services::rules::{judge, line_facts, NotJudged};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::fixture::Reason;
use jieshui_app::domain::inspection::InspectionKind;
use jieshui_app::domain::market::{field_error, suggest_outcome, FieldError, Outcome};
use jieshui_app::domain::score::Answer;
use jieshui_app::error::AppError;
use jieshui_app::i18n::{Lang, Msg};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/verdict", post(verdict))
        .route("/api/inspections/{id}", get(get_record))
        .route(
            "/api/inspections/{id}/draft",
            put(put_draft).layer(DefaultBodyLimit::max(
                crate::limits::DRAFT_BODY_BYTES as usize,
            )),
        )
        .route("/api/inspections/{id}/submit", post(post_submit))
        .route("/api/brands", get(get_brands))
        .route("/admin/rules/new", post(post_rules))
}

/// `POST /admin/rules/new` (admin, the rules page's form): a new version from the latest and the
/// form. Saved → the rules page with the new version; refused → the form again with what was typed
/// and the field at fault (its message is worked out again there, nothing is written).
async fn post_rules(
    State(state): State<AppState>,
    crate::pages_util::AdminUser(actor): crate::pages_util::AdminUser,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    use crate::services::rules::{new_version, NewVersionRefused};
    let form: jieshui_app::domain::fixture::RuleForm = form.into_iter().take(2000).collect();
    match new_version(&state, &actor, &form).await {
        Ok(v) => axum::response::Redirect::to(&format!("/admin/rules?created={v}")).into_response(),
        Err(NewVersionRefused::Field(f)) => {
            let mut pairs: Vec<(&String, &String)> = form.iter().collect();
            pairs.sort();
            let typed = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            axum::response::Redirect::to(&format!(
                "/admin/rules/new?{typed}&problem={}",
                crate::pages_util::urlencode(&f.field)
            ))
            .into_response()
        }
        Err(NewVersionRefused::Server(e)) => crate::pages_util::app_error_page(e),
    }
}

pub(crate) fn refused(r: MarketRefused, lang: Lang) -> Response {
    match r {
        MarketRefused::Field(f) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "field": f.field, "error": said(&f.reason, lang) })),
        )
            .into_response(),
        MarketRefused::User(status, msg) => crate::pages_util::json_refusal(status, msg, lang),
        MarketRefused::Internal(incident) => crate::pages_util::json_internal(&incident),
    }
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The record as the JSON contract gives it (`GET /api/inspections/{id}`, and the answer of the
/// draft and submit routes).
async fn record_json(
    state: &AppState,
    rec: &MarketRecord,
    lang: Lang,
) -> Result<Value, MarketRefused> {
    let internal = |e: crate::db::StoreError| MarketRefused::Internal(crate::services::incident(e));
    let i = &rec.inspection;
    let site = state.store.site_detail(i.site_id).await.map_err(internal)?;
    let inspector = state
        .store
        .user_by_id(i.inspector_id)
        .await
        .map_err(internal)?;
    let photos = state
        .store
        .inspection_photos(i.id)
        .await
        .map_err(internal)?;
    let lines: Vec<Value> = rec
        .lines
        .iter()
        .map(|l| {
            let mut v = serde_json::to_value(&l.line).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("verdict".into(), json!(l.judgement.verdict.as_str()));
                o.insert("reason".into(), json!(said(&l.judgement.reason, lang)));
                o.insert("rules_version".into(), json!(l.judgement.rules_version));
            }
            v
        })
        .collect();
    let suggested = suggest_outcome(rec.lines.iter().map(|l| l.judgement.verdict));
    Ok(json!({
        "id": i.id,
        "kind": i.kind.as_str(),
        "status": rec.inspection.status.as_str(),
        "site": site.map(|s| json!({
            "id": s.summary.id,
            "name": s.summary.name,
            "code": s.summary.external_code,
            "kind": s.summary.kind.as_str(),
            "address": s.summary.address,
        })),
        "inspector": {
            "id": i.inspector_id,
            "name": inspector.map(|u| u.user.display_name),
        },
        "started_at": rfc3339(i.started_at),
        "visit_date": state.day_of(i.started_at).to_string(),
        "start": i.start.map(|f| json!({
            "lat": f.position.lat,
            "lon": f.position.lon,
            "accuracy_m": f.accuracy_m,
        })),
        "updated_at": rec.updated_at.map(rfc3339),
        "submitted_at": rec.submitted_at.map(rfc3339),
        "lines": lines,
        "outcome": rec.outcome.map(Outcome::as_str),
        "outcome_note": rec.outcome_note,
        "rectify_by": rec.rectify_by.map(|d| d.to_string()),
        "suggested_outcome": suggested.as_str(),
        "round": rec.round,
        "outcome_version": rec.outcome_version,
        "reinspects": rec.reinspects,
        "photos": photos.iter().map(|p| json!({
            "id": p.id,
            "line_id": p.line_id,
            "flags": p.flags,
            "url": format!("/photos/{}", p.id),
        })).collect::<Vec<_>>(),
    }))
}

pub(crate) async fn answer(
    state: &AppState,
    status: StatusCode,
    rec: &MarketRecord,
    lang: Lang,
) -> Response {
    match record_json(state, rec, lang).await {
        Ok(v) => (status, Json(v)).into_response(),
        Err(r) => refused(r, lang),
    }
}

/// The kind of an existing inspection (`None`: not found or unreadable; the market-check path then
/// answers as it does for an unknown record).
async fn kind_of(state: &AppState, id: &str) -> Option<InspectionKind> {
    let id = uuid::Uuid::parse_str(id.trim()).ok()?;
    state
        .store
        .inspection(id)
        .await
        .ok()
        .flatten()
        .map(|r| r.kind)
}

fn pts(t: u32) -> f64 {
    f64::from(t) / 10.0
}

/// An audit as the contract gives it: the record's common fields, then the sheet it is scored
/// with, what the auditor recorded (each item with its photo `line_id`), and the computed scores.
pub(crate) async fn audit_json(
    state: &AppState,
    a: &AuditRecord,
    lang: Lang,
) -> Result<Value, MarketRefused> {
    let mut v = record_json(state, &a.rec, lang).await?;
    let items: Vec<Value> = a
        .sheet
        .items
        .iter()
        .map(|it| {
            let entry = a.draft.items.iter().find(|e| e.item_id == it.id);
            let mut o = serde_json::Map::new();
            o.insert("item_id".into(), json!(it.id));
            o.insert("line_id".into(), json!(a.line_id(&it.id)));
            o.insert("group".into(), json!(it.group));
            o.insert("max".into(), json!(pts(it.max)));
            match entry.and_then(|e| e.answer) {
                Some(Answer::Score(t)) => {
                    o.insert("score".into(), json!(pts(t)));
                }
                Some(Answer::Value(x)) => {
                    o.insert("value".into(), json!(x));
                }
                Some(Answer::Passed(b)) => {
                    o.insert("passed".into(), json!(b));
                }
                Some(Answer::NotApplicable) => {
                    o.insert("not_applicable".into(), json!(true));
                }
                None => {}
            }
            let points = entry
                .and_then(|e| e.answer)
                .and_then(|ans| a.sheet.item_score(&it.id, ans).ok())
                .map(|s| s.points.map(pts));
            o.insert("points".into(), json!(points.flatten()));
            o.insert(
                "note".into(),
                json!(entry.map(|e| e.note.as_str()).unwrap_or("")),
            );
            o.insert(
                "photos".into(),
                json!(a.photos.get(&it.id).copied().unwrap_or(0)),
            );
            o.insert("photos_needed".into(), json!(it.photos));
            Value::Object(o)
        })
        .collect();
    let s = &a.score;
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "sheet".into(),
            json!({
                "kind": a.site_kind.as_str(),
                "version": a.sheet.version,
                "pass_mark": pts(a.sheet.pass_mark),
            }),
        );
        o.insert("items".into(), json!(items));
        o.insert("fixture_counts".into(), json!(a.draft.fixture_counts));
        o.insert(
            "facts".into(),
            json!({
                "households": a.draft.facts.households,
                "annual_water_m3": a.draft.facts.annual_water_m3,
                "line_id": a.line_id(crate::services::audits::FACTS_KEY),
                "photos": a.photos.get(crate::services::audits::FACTS_KEY).copied().unwrap_or(0),
                "registry": {
                    "households": a.registry_households,
                    "annual_water_m3": a.registry_water_m3,
                },
            }),
        );
        o.insert(
            "scores".into(),
            json!({
                "sheet_version": s.sheet_version,
                "total": pts(s.total),
                "applicable_max": pts(s.applicable_max),
                "normalised": s.normalised,
                "pass_mark": pts(s.pass_mark),
                "passed": s.passed,
                "unanswered": s.unanswered,
                "needs_evidence": s.needs_evidence,
                "fixture_rate": s.fixture_rate,
            }),
        );
        o.insert(
            "recommended_level".into(),
            json!(state
                .store
                .recommended_level(a.rec.inspection.id)
                .await
                .map_err(|e| MarketRefused::Internal(crate::services::incident(e)))?
                .map(|l| l.as_str())),
        );
    }
    Ok(v)
}

async fn answer_audit(
    state: &AppState,
    status: StatusCode,
    a: &AuditRecord,
    lang: Lang,
) -> Response {
    match audit_json(state, a, lang).await {
        Ok(v) => (status, Json(v)).into_response(),
        Err(r) => refused(r, lang),
    }
}

/// `GET /api/inspections/{id}`: the record with its lines, verdicts, photos and status.
async fn get_record(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
) -> Response {
    if kind_of(&state, &id).await == Some(InspectionKind::Audit) {
        return match audits::record(&state, info.user.as_ref(), &id).await {
            Ok(a) => answer_audit(&state, StatusCode::OK, &a, info.lang).await,
            Err(r) => refused(r, info.lang),
        };
    }
    match market::record(&state, info.user.as_ref(), &id).await {
        Ok(rec) => answer(&state, StatusCode::OK, &rec, info.lang).await,
        Err(r) => refused(r, info.lang),
    }
}

/// `PUT /api/inspections/{id}/draft` (the inspection's own inspector): the draft, each line judged.
async fn put_draft(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    // A body that is not JSON reaches the service as null: who may write is said first, then
    // that the body is not a JSON object.
    let value = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    if kind_of(&state, &id).await == Some(InspectionKind::Audit) {
        return match audits::save_draft(&state, info.user.as_ref(), &id, &value).await {
            Ok(a) => answer_audit(&state, StatusCode::OK, &a, info.lang).await,
            Err(r) => refused(r, info.lang),
        };
    }
    match market::save_draft(&state, info.user.as_ref(), &id, &value).await {
        Ok(rec) => answer(&state, StatusCode::OK, &rec, info.lang).await,
        Err(r) => refused(r, info.lang),
    }
}

/// `POST /api/inspections/{id}/submit`: 201 when this call submitted it, 200 for a repeat.
async fn post_submit(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<String>,
) -> Response {
    if kind_of(&state, &id).await == Some(InspectionKind::Audit) {
        return match audits::submit(&state, info.user.as_ref(), &id).await {
            Ok((a, fresh)) => {
                let status = if fresh {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                answer_audit(&state, status, &a, info.lang).await
            }
            Err(r) => refused(r, info.lang),
        };
    }
    match market::submit(&state, info.user.as_ref(), &id).await {
        Ok((rec, fresh)) => {
            let status = if fresh {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            answer(&state, status, &rec, info.lang).await
        }
        Err(r) => refused(r, info.lang),
    }
}

#[derive(serde::Deserialize)]
struct BrandQuery {
    #[serde(default)]
    q: String,
}

/// `GET /api/brands?q=`: brands recorded earlier at the city's shops, for the brand field's
/// suggestions (any signed-in user).
async fn get_brands(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Query(q): Query<BrandQuery>,
) -> Response {
    if info.user.is_none() {
        return refused(
            MarketRefused::User(StatusCode::UNAUTHORIZED, Msg::NotSignedIn),
            info.lang,
        );
    }
    let prefix: String = q.q.trim().chars().take(40).collect();
    match state.store.brands(&prefix, 10).await {
        Ok(b) => Json(json!({ "brands": b })).into_response(),
        Err(e) => refused(
            MarketRefused::Internal(crate::services::incident(e)),
            info.lang,
        ),
    }
}

pub(crate) fn said(r: &Reason, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &r.zh,
        Lang::En => &r.en,
    }
}

fn refuse_fact(f: FieldError, lang: Lang) -> Response {
    refused(MarketRefused::Field(f), lang)
}

/// `POST /api/verdict` (any signed-in user): `{category, label_present, grade, figure, figure2,
/// phased_out, date}` → `{verdict, reason, rules_version}`, the reason in the user's language; a
/// field that cannot be judged → 422 `{field, error}`.
async fn verdict(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    body: Bytes,
) -> Response {
    let lang = info.lang;
    if info.user.is_none() {
        return crate::pages_util::json_refusal(StatusCode::UNAUTHORIZED, Msg::NotSignedIn, lang);
    }
    // A body that is not JSON is refused as not being an object.
    let value = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let facts = match line_facts(&value) {
        Ok(f) => f,
        Err(b) => return refuse_fact(b, lang),
    };
    match judge(&state, &facts).await {
        Ok(j) => Json(json!({
            "verdict": j.verdict.as_str(),
            "reason": said(&j.reason, lang),
            "rules_version": j.rules_version,
        }))
        .into_response(),
        Err(NotJudged::Fact(b)) => refuse_fact(b, lang),
        Err(NotJudged::NoRules(day)) => refuse_fact(
            field_error(
                "date",
                format!("{day} 没有生效的判定规则。"),
                format!("No rules were in force on {day}."),
            ),
            lang,
        ),
        Err(NotJudged::Server(e)) => {
            let incident = match e {
                AppError::Internal { incident } => incident,
                other => crate::services::incident(other.message(lang)),
            };
            crate::pages_util::json_internal(&incident)
        }
    }
}
