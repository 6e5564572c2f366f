//! Supervisors' review: approve, return with comments (on the whole, on single lines), or correct
//! the outcome with a reason; rectification orders opened by non-compliant approvals and closed by
//! approved compliant re-inspections; the queue; a record's history.
//!
//! Every decision goes through `domain::review::transition` (403 for a person who may never make
//! it, 409 with the record's state for a state that does not allow it) and is stored in one
//! transaction that only succeeds while the record is still as the supervisor saw it, so of two
//! supervisors acting at once one decides and the other gets 409. A refusal writes nothing.

use super::incident;
use super::market::MarketRefused;
use crate::db::{
    AuditEntry, MarketRecord, OrderChange, QueueFilter, QueueItem, Rectification, ReviewRow,
};
use crate::state::Core;
use axum::http::StatusCode;
use jieshui_app::domain::fixture::{Day, Verdict};
use jieshui_app::domain::inspection::InspectionKind;
use jieshui_app::domain::market::{field_error, FieldError, InspectionStatus, Outcome, MAX_NOTE};
use jieshui_app::domain::review::{transition, Action, Actor, Refusal};
use jieshui_app::domain::role::Role;
use jieshui_app::i18n::Msg;
use jieshui_app::model::CurrentUser;
use serde_json::Value;
use uuid::Uuid;

/// Line comments one decision may carry (a record has at most `MAX_LINES` lines).
pub const MAX_LINE_COMMENTS: usize = jieshui_app::domain::market::MAX_LINES;

/// The most records the queue lists at once (and one bulk approval decides): the oldest first,
/// so nothing waits unseen for long.
pub const QUEUE_LIMIT: u32 = 500;

/// A decision refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewRefused {
    Market(MarketRefused),
    /// 409: the record is in this state.
    State(InspectionStatus),
}

impl From<MarketRefused> for ReviewRefused {
    fn from(m: MarketRefused) -> Self {
        ReviewRefused::Market(m)
    }
}

fn user_err(status: StatusCode, msg: Msg) -> ReviewRefused {
    ReviewRefused::Market(MarketRefused::User(status, msg))
}

fn field(f: FieldError) -> ReviewRefused {
    ReviewRefused::Market(MarketRefused::Field(f))
}

fn internal(e: impl std::fmt::Display) -> ReviewRefused {
    ReviewRefused::Market(MarketRefused::Internal(incident(e)))
}

/// The district a record belongs to (its site's).
async fn district_of(core: &Core, rec: &MarketRecord) -> Result<Uuid, ReviewRefused> {
    core.store
        .site_detail(rec.inspection.site_id)
        .await
        .map_err(internal)?
        .map(|s| s.district_id)
        .ok_or_else(|| internal("inspection without its site"))
}

/// Whether `user` (a supervisor) covers `district`: one without a district covers the city.
pub fn covers(user: &CurrentUser, district: Uuid) -> bool {
    user.district_id.is_none_or(|d| d == district)
}

/// A decision as the contract sends it: `{action, comment, line_comments: [{line_id, text}],
/// outcome, reason, rectify_by}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub action: Action,
    pub comment: String,
    pub line_comments: Vec<(Uuid, String)>,
    pub outcome: Option<Outcome>,
    pub reason: String,
    pub rectify_by: Option<Day>,
}

fn text(v: &Value, name: &str) -> Result<String, FieldError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if s.chars().count() <= MAX_NOTE => Ok(s.trim().to_string()),
        Some(Value::String(_)) => Err(field_error(
            name,
            format!("最多 {MAX_NOTE} 个字。"),
            format!("At most {MAX_NOTE} characters."),
        )),
        Some(_) => Err(field_error(name, "应为文字。", "Must be text.")),
    }
}

/// Reads a decision field by field; the number of line comments is checked before any is read.
pub fn parse_decision(v: &Value) -> Result<Decision, FieldError> {
    let action = v
        .get("action")
        .and_then(Value::as_str)
        .and_then(Action::parse)
        .filter(|a| a.is_review())
        .ok_or_else(|| {
            field_error(
                "action",
                Msg::UnknownReviewAction.text(jieshui_app::i18n::Lang::Zh),
                Msg::UnknownReviewAction.text(jieshui_app::i18n::Lang::En),
            )
        })?;
    let comment = text(v, "comment")?;
    let reason = text(v, "reason")?;
    let mut line_comments = Vec::new();
    match v.get("line_comments") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) if list.len() <= MAX_LINE_COMMENTS => {
            for (i, c) in list.iter().enumerate() {
                let name = format!("line_comments[{i}]");
                let id = c
                    .get("line_id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| {
                        field_error(
                            format!("{name}.line_id"),
                            Msg::CommentLineUnknown.text(jieshui_app::i18n::Lang::Zh),
                            Msg::CommentLineUnknown.text(jieshui_app::i18n::Lang::En),
                        )
                    })?;
                let t = text(c, "text").map_err(|e| FieldError {
                    field: format!("{name}.text"),
                    ..e
                })?;
                if !t.is_empty() {
                    line_comments.push((id, t));
                }
            }
        }
        Some(Value::Array(_)) => {
            return Err(field_error(
                "line_comments",
                format!("最多 {MAX_LINE_COMMENTS} 条。"),
                format!("At most {MAX_LINE_COMMENTS} comments."),
            ))
        }
        Some(_) => {
            return Err(field_error(
                "line_comments",
                "应为列表。",
                "Must be a list.",
            ))
        }
    }
    let outcome = match v.get("outcome") {
        None | Some(Value::Null) => None,
        Some(o) => Some(o.as_str().and_then(Outcome::parse).ok_or_else(|| {
            field_error(
                "outcome",
                "处理结果只能是 compliant、rectify、off_sale 或 refer。",
                "The outcome must be compliant, rectify, off_sale or refer.",
            )
        })?),
    };
    let rectify_by = match v.get("rectify_by") {
        None | Some(Value::Null) => None,
        Some(d) => Some(d.as_str().and_then(Day::parse).ok_or_else(|| {
            field_error(
                "rectify_by",
                "日期格式应为 YYYY-MM-DD。",
                "The date must be YYYY-MM-DD.",
            )
        })?),
    };
    Ok(Decision {
        action,
        comment,
        line_comments,
        outcome,
        reason,
        rectify_by,
    })
}

/// What must change, in plain words, for the order a non-compliant check opens: its lines that are
/// not water-saving (named by their category in the rules version that judged them) and the
/// inspector's note.
fn required_of(rec: &MarketRecord, sets: &[jieshui_app::domain::fixture::RuleSet]) -> String {
    let mut parts: Vec<String> = rec
        .lines
        .iter()
        .filter(|l| l.judgement.verdict != Verdict::WaterSaving)
        .map(|l| {
            let category = sets
                .iter()
                .find(|s| s.version == l.judgement.rules_version)
                .and_then(|s| s.category(&l.line.category))
                .map(|c| c.name_zh.clone())
                .unwrap_or_else(|| l.line.category.clone());
            format!(
                "{category} {} {}：{}",
                l.line.brand, l.line.model, l.judgement.reason.zh
            )
        })
        .collect();
    if !rec.outcome_note.trim().is_empty() {
        parts.push(rec.outcome_note.trim().to_string());
    }
    parts.join("\n")
}

/// `POST /api/inspections/{id}/review`: a supervisor's decision. Returns the record after it.
pub async fn review(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    body: &Value,
) -> Result<MarketRecord, ReviewRefused> {
    let user = user.ok_or(user_err(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    let id =
        Uuid::parse_str(id.trim()).map_err(|_| user_err(StatusCode::NOT_FOUND, Msg::NotFound))?;
    let rec = core
        .store
        .market_record(id)
        .await
        .map_err(internal)?
        .ok_or(user_err(StatusCode::NOT_FOUND, Msg::InspectionUnknown))?;
    let district = district_of(core, &rec).await?;
    // A supervisor of another district does not see the record; an inspector sees only their own.
    let own = rec.inspection.inspector_id == user.id;
    let visible = match user.role {
        Role::Supervisor => covers(user, district),
        Role::Admin => true,
        Role::Inspector => own,
    };
    if !visible {
        return Err(user_err(StatusCode::NOT_FOUND, Msg::InspectionUnknown));
    }
    let decision = parse_decision(body).map_err(field)?;
    // An audit has no outcome to correct: it is approved or returned.
    if decision.action == Action::Correct && rec.inspection.kind == InspectionKind::Audit {
        return Err(user_err(StatusCode::CONFLICT, Msg::NotMarketCheck));
    }
    let actor = Actor {
        role: user.role,
        owner: own,
        in_scope: covers(user, district),
    };
    let to = match transition(rec.inspection.status, decision.action, actor) {
        Ok(to) => to,
        Err(Refusal::Forbidden) => {
            return Err(user_err(StatusCode::FORBIDDEN, Msg::OnlyDistrictSupervisor))
        }
        Err(Refusal::Conflict(s)) => return Err(ReviewRefused::State(s)),
    };
    // What each decision needs.
    for (line, _) in &decision.line_comments {
        if !rec.lines.iter().any(|l| l.line.id == line.to_string()) {
            return Err(field(field_error(
                "line_comments",
                Msg::CommentLineUnknown.text(jieshui_app::i18n::Lang::Zh),
                Msg::CommentLineUnknown.text(jieshui_app::i18n::Lang::En),
            )));
        }
    }
    let day = core.day_of(rec.inspection.started_at);
    let (outcome, rectify_by) = match decision.action {
        Action::Return if decision.comment.is_empty() && decision.line_comments.is_empty() => {
            return Err(field(field_error(
                "comment",
                Msg::ReturnNeedsComment.text(jieshui_app::i18n::Lang::Zh),
                Msg::ReturnNeedsComment.text(jieshui_app::i18n::Lang::En),
            )))
        }
        Action::Correct => {
            let (Some(o), false) = (decision.outcome, decision.reason.is_empty()) else {
                return Err(field(field_error(
                    if decision.outcome.is_none() {
                        "outcome"
                    } else {
                        "reason"
                    },
                    Msg::CorrectNeedsReason.text(jieshui_app::i18n::Lang::Zh),
                    Msg::CorrectNeedsReason.text(jieshui_app::i18n::Lang::En),
                )));
            };
            let by = decision.rectify_by.or(rec.rectify_by);
            if o != Outcome::Compliant && by.is_none_or(|d| d <= day) {
                return Err(field(field_error(
                    "rectify_by",
                    Msg::RectifyByAfterVisit.text(jieshui_app::i18n::Lang::Zh),
                    Msg::RectifyByAfterVisit.text(jieshui_app::i18n::Lang::En),
                )));
            }
            (Some(o), if o == Outcome::Compliant { None } else { by })
        }
        _ => (rec.outcome, rec.rectify_by),
    };
    // The shop's rectification order, when the record ends approved.
    let order =
        if to == InspectionStatus::Approved && rec.inspection.kind == InspectionKind::MarketCheck {
            let open = match rec.reinspects {
                Some(o) => core.store.rectification(o).await.map_err(internal)?,
                None => core
                    .store
                    .open_rectification_at(rec.inspection.site_id)
                    .await
                    .map_err(internal)?,
            }
            .filter(|o| o.open);
            match (outcome, open, rectify_by) {
                (Some(Outcome::Compliant), Some(o), _) if rec.reinspects == Some(o.id) => {
                    OrderChange::Close { id: o.id }
                }
                (Some(Outcome::Compliant), _, _) | (None, _, _) => OrderChange::Nothing,
                (Some(_), Some(o), Some(due)) => OrderChange::MoveDue { id: o.id, due },
                (Some(_), None, Some(due)) => OrderChange::Open {
                    id: Uuid::now_v7(),
                    site_id: rec.inspection.site_id,
                    required: required_of(
                        &rec,
                        &super::rules::rule_sets(core)
                            .await
                            .map_err(|e| internal(format!("{e:?}")))?,
                    ),
                    due,
                },
                (Some(_), _, None) => OrderChange::Nothing,
            }
        } else {
            OrderChange::Nothing
        };
    let at = core.clock.now();
    let row = ReviewRow {
        id: Uuid::now_v7(),
        inspection_id: rec.inspection.id,
        round: rec.round,
        reviewer_id: user.id,
        reviewer_name: user.display_name.clone(),
        at,
        action: decision.action,
        comment: decision.comment.clone(),
        line_comments: decision.line_comments.clone(),
        outcome_before: (decision.action == Action::Correct)
            .then_some(rec.outcome)
            .flatten(),
        outcome: (decision.action == Action::Correct)
            .then_some(outcome)
            .flatten(),
        rectify_by: if decision.action == Action::Correct {
            rectify_by
        } else {
            None
        },
        reason: decision.reason.clone(),
    };
    // An approved audit takes the site facts it verified to the registry (the old values kept).
    let facts = if to == InspectionStatus::Approved && rec.inspection.kind == InspectionKind::Audit
    {
        super::audits::fact_changes(&super::audits::view(core, rec.clone()).await?)
    } else {
        Vec::new()
    };
    let order_json = match &order {
        OrderChange::Nothing => Value::Null,
        OrderChange::Open { id, due, .. } => {
            serde_json::json!({"open": id, "due": due.to_string()})
        }
        OrderChange::MoveDue { id, due } => serde_json::json!({"move": id, "due": due.to_string()}),
        OrderChange::Close { id } => serde_json::json!({"close": id}),
    };
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: match decision.action {
            Action::Approve => "review_approve",
            Action::Return => "review_return",
            _ => "review_correct",
        },
        subject: rec.inspection.id.to_string(),
        detail: serde_json::json!({
            "before": {
                "status": rec.inspection.status.as_str(),
                "outcome": rec.outcome.map(Outcome::as_str),
                "rectify_by": rec.rectify_by.map(|d| d.to_string()),
                "outcome_version": rec.outcome_version,
            },
            "after": {
                "status": to.as_str(),
                "outcome": outcome.map(Outcome::as_str),
                "rectify_by": rectify_by.map(|d| d.to_string()),
                "outcome_version": rec.outcome_version + i64::from(decision.action == Action::Correct),
            },
            "round": rec.round,
            "comment": decision.comment,
            "line_comments": decision.line_comments.len(),
            "reason": decision.reason,
            "rectification": order_json,
            "facts": facts.iter().map(|f| serde_json::json!({"fact": f.fact, "value": f.value})).collect::<Vec<_>>(),
        }),
    };
    let written = core
        .store
        .record_review(
            crate::db::Transition {
                from: rec.inspection.status,
                outcome_version: rec.outcome_version,
                to,
            },
            &row,
            &order,
            &facts,
            &audit,
        )
        .await
        .map_err(internal)?;
    let after = core
        .store
        .market_record(rec.inspection.id)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("inspection vanished"))?;
    if !written {
        // Another decision came first: nothing was written; say where the record is now.
        return Err(ReviewRefused::State(after.inspection.status));
    }
    Ok(after)
}

/// `GET /api/review/queue`: submitted records waiting, for supervisors (their district's only when
/// they have one; a `district` filter cannot widen that).
pub async fn queue(
    core: &Core,
    user: Option<&CurrentUser>,
    mut filter: QueueFilter,
) -> Result<Vec<QueueItem>, ReviewRefused> {
    let user = user.ok_or(user_err(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    if user.role != Role::Supervisor {
        return Err(user_err(StatusCode::FORBIDDEN, Msg::OnlyDistrictSupervisor));
    }
    if let Some(own) = user.district_id {
        if filter.district.is_some_and(|d| d != own) {
            return Ok(Vec::new());
        }
        filter.district = Some(own);
    }
    core.store.review_queue(&filter).await.map_err(internal)
}

/// `GET /api/rectifications`: orders by deadline, for supervisors (their district's) and admins,
/// and for inspectors (who re-inspect).
pub async fn rectifications(
    core: &Core,
    user: Option<&CurrentUser>,
    open_only: bool,
) -> Result<Vec<Rectification>, ReviewRefused> {
    let user = user.ok_or(user_err(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    let district = match user.role {
        Role::Supervisor | Role::Inspector => user.district_id,
        Role::Admin => None,
    };
    core.store
        .rectifications(district, open_only)
        .await
        .map_err(internal)
}

/// `GET /api/inspections/{id}/history`: every decision on the record (each round, each correction
/// with its outcome before and after) and its audit entries, for whoever may read it.
pub async fn history(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
) -> Result<(MarketRecord, Vec<ReviewRow>, Vec<crate::db::AuditRecord>), ReviewRefused> {
    let rec = super::market::record(core, user, id).await?;
    if let Some(u) = user.filter(|u| u.role == Role::Supervisor) {
        if !covers(u, district_of(core, &rec).await?) {
            return Err(user_err(StatusCode::NOT_FOUND, Msg::InspectionUnknown));
        }
    }
    let reviews = core
        .store
        .reviews(rec.inspection.id)
        .await
        .map_err(internal)?;
    let audit = core
        .store
        .audit_trail(Some(&rec.inspection.id.to_string()), 1000)
        .await
        .map_err(internal)?;
    Ok((rec, reviews, audit))
}

/// How many submitted records wait for `user` (a supervisor: their district's; others: none).
pub async fn waiting(core: &Core, user: &CurrentUser) -> Result<i64, crate::db::StoreError> {
    if user.role != Role::Supervisor {
        return Ok(0);
    }
    core.store.review_waiting(user.district_id).await
}

/// What a bulk approval did: how many it approved, and how many it left for a look of their own
/// (a violation, a flagged photo, or no longer waiting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bulk {
    pub approved: usize,
    pub skipped: usize,
}

/// Approves, one by one, those of `ids` that wait for `user` with no line that is not
/// water-saving and no flagged photo; each approval is a decision of its own (its own transaction
/// and audit entry), so a record another supervisor decided meanwhile is skipped, not overwritten.
pub async fn bulk_approve(
    core: &Core,
    user: Option<&CurrentUser>,
    ids: &[String],
) -> Result<Bulk, ReviewRefused> {
    let user = user.ok_or(user_err(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    if user.role != Role::Supervisor {
        return Err(user_err(StatusCode::FORBIDDEN, Msg::OnlyDistrictSupervisor));
    }
    let mut out = Bulk::default();
    for id in ids.iter().take(QUEUE_LIMIT as usize) {
        let Ok(uuid) = Uuid::parse_str(id.trim()) else {
            out.skipped += 1;
            continue;
        };
        let Some(rec) = core.store.market_record(uuid).await.map_err(internal)? else {
            out.skipped += 1;
            continue;
        };
        let violation = rec
            .lines
            .iter()
            .any(|l| l.judgement.verdict != Verdict::WaterSaving);
        let flagged = core
            .store
            .inspection_photos(uuid)
            .await
            .map_err(internal)?
            .iter()
            .any(|p| p.flags > 0);
        // An audit is never approved in bulk: its score and facts want a look of their own.
        let audit = rec.inspection.kind == InspectionKind::Audit;
        if violation || flagged || audit || rec.inspection.status != InspectionStatus::Submitted {
            out.skipped += 1;
            continue;
        }
        match review(
            core,
            Some(user),
            id,
            &serde_json::json!({ "action": "approve" }),
        )
        .await
        {
            Ok(_) => out.approved += 1,
            Err(ReviewRefused::Market(MarketRefused::Internal(i))) => {
                return Err(ReviewRefused::Market(MarketRefused::Internal(i)))
            }
            Err(_) => out.skipped += 1,
        }
    }
    Ok(out)
}

/// A line's label in a comment: its brand and model (its category when both are empty).
fn line_label(rec: &MarketRecord, id: Uuid) -> String {
    rec.lines
        .iter()
        .find(|l| l.line.id == id.to_string())
        .map(|l| {
            let bm = format!("{} {}", l.line.brand, l.line.model)
                .trim()
                .to_string();
            if bm.is_empty() {
                l.line.category.clone()
            } else {
                bm
            }
        })
        .unwrap_or_default()
}

/// An order as pages show it, overdue by the city's calendar.
pub fn order_brief(core: &Core, o: &Rectification) -> jieshui_app::model::review::OrderBrief {
    jieshui_app::model::review::OrderBrief {
        id: o.id,
        site_id: o.site_id,
        site_name: o.site_name.clone(),
        inspection_id: o.inspection_id,
        required: o.required.clone(),
        due: o.due.to_string(),
        open: o.open,
        overdue: o.open && o.due < core.today(),
        closed_by: o.closed_by,
    }
}

/// What a market check's page shows of its review, for `user` (who may already see the record):
/// whether they may decide, the start position against the geofence, every photo's flags and
/// distance, every decision so far, the comments it was returned with, and its orders.
pub async fn panel(
    core: &Core,
    user: &CurrentUser,
    rec: &MarketRecord,
    site: &jieshui_app::model::site::SiteDetail,
) -> Result<jieshui_app::model::review::ReviewPanel, crate::db::StoreError> {
    use jieshui_app::domain::geo::{distance_m, LatLon};
    use jieshui_app::model::review::{
        LineComment, PhotoCheck, ReviewEntry, ReviewPanel, StartCheck,
    };
    let actor = Actor {
        role: user.role,
        owner: rec.inspection.inspector_id == user.id,
        in_scope: user.role == Role::Supervisor && covers(user, site.district_id),
    };
    let may = |a: Action| actor.in_scope && transition(rec.inspection.status, a, actor).is_ok();
    let here = site.summary.position;
    let photos = core
        .store
        .inspection_photo_rows(rec.inspection.id)
        .await?
        .into_iter()
        .map(|p| {
            let exif: crate::evidence::analyze::ExifFacts =
                serde_json::from_value(p.exif.clone()).unwrap_or_default();
            let at = p
                .device_lat
                .zip(p.device_lon)
                .or(exif.lat.zip(exif.lon))
                .map(|(a, b)| distance_m(LatLon::new(a, b), here));
            PhotoCheck {
                id: p.id,
                line_id: p.line_id,
                preview: p.width.is_some(),
                flags: serde_json::from_value(p.flags).unwrap_or_default(),
                distance_m: at,
            }
        })
        .collect();
    let history: Vec<ReviewEntry> = core
        .store
        .reviews(rec.inspection.id)
        .await?
        .into_iter()
        .map(|r| ReviewEntry {
            round: r.round,
            at: core.local_minute(r.at),
            reviewer: r.reviewer_name,
            action: r.action,
            comment: r.comment,
            line_comments: r
                .line_comments
                .into_iter()
                .map(|(line_id, text)| LineComment {
                    line: line_label(rec, line_id),
                    line_id,
                    text,
                })
                .collect(),
            outcome_before: r.outcome_before,
            outcome: r.outcome,
            rectify_by: r.rectify_by.map(|d| d.to_string()),
            reason: r.reason,
        })
        .collect();
    let returned = (rec.inspection.status == InspectionStatus::Returned)
        .then(|| {
            history
                .iter()
                .rev()
                .find(|e| e.action == Action::Return)
                .cloned()
        })
        .flatten();
    let order = core
        .store
        .rectification_opened_by(rec.inspection.id)
        .await?
        .map(|o| order_brief(core, &o));
    let reinspects = match rec.reinspects {
        Some(id) => core
            .store
            .rectification(id)
            .await?
            .map(|o| order_brief(core, &o)),
        None => None,
    };
    // Every entry of the log about this record, with who made it.
    let names: std::collections::HashMap<Uuid, String> = core
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let audit = core
        .store
        .audit_trail(Some(&rec.inspection.id.to_string()), 200)
        .await?
        .into_iter()
        .map(|a| jieshui_app::model::review::AuditLine {
            seq: 0,
            at: core.local_minute(a.at),
            actor: a
                .actor_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default(),
            action: a.action,
            subject: a.subject,
            detail: a.detail.to_string(),
        })
        .collect();
    Ok(ReviewPanel {
        audit,
        may_decide: may(Action::Approve),
        may_correct: may(Action::Correct) && rec.inspection.kind == InspectionKind::MarketCheck,
        round: rec.round,
        outcome_version: rec.outcome_version,
        start: rec.inspection.start.map(|f| StartCheck {
            distance_m: distance_m(f.position, here),
            geofence_m: site.geofence_m,
            accuracy_m: f.accuracy_m,
        }),
        photos,
        history,
        returned,
        order,
        reinspects,
    })
}

/// The message a page shows for a refused decision (the JSON contract says the field instead).
pub fn refusal_msg(r: &ReviewRefused) -> Msg {
    match r {
        ReviewRefused::State(_) => Msg::NotInThisState,
        ReviewRefused::Market(MarketRefused::User(_, m)) => *m,
        // The messages the service refuses with, found again by their words; the rest are the
        // length and format checks of the contract.
        ReviewRefused::Market(MarketRefused::Field(f)) => [
            Msg::ReturnNeedsComment,
            Msg::CorrectNeedsReason,
            Msg::RectifyByAfterVisit,
            Msg::CommentLineUnknown,
            Msg::UnknownReviewAction,
            Msg::TitleLevelUnknown,
        ]
        .into_iter()
        .find(|m| m.text(jieshui_app::i18n::Lang::En) == f.reason.en)
        .unwrap_or(if f.field == "rectify_by" {
            Msg::RectifyByAfterVisit
        } else {
            Msg::CommentTooLong
        }),
        ReviewRefused::Market(MarketRefused::Internal(_)) => Msg::BadRequest,
    }
}

/// A supervisor covering the site recommends an approved, passing audit for a title at `level`.
pub async fn recommend(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    level: &str,
) -> Result<jieshui_app::model::site::TitleLevel, ReviewRefused> {
    use jieshui_app::model::site::TitleLevel;
    let user = user.ok_or(user_err(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    let id =
        Uuid::parse_str(id.trim()).map_err(|_| user_err(StatusCode::NOT_FOUND, Msg::NotFound))?;
    let rec = core
        .store
        .market_record(id)
        .await
        .map_err(internal)?
        .ok_or(user_err(StatusCode::NOT_FOUND, Msg::InspectionUnknown))?;
    let district = district_of(core, &rec).await?;
    match user.role {
        Role::Supervisor if covers(user, district) => {}
        Role::Supervisor | Role::Admin => {
            return Err(user_err(StatusCode::FORBIDDEN, Msg::OnlyDistrictSupervisor))
        }
        Role::Inspector => return Err(user_err(StatusCode::NOT_FOUND, Msg::InspectionUnknown)),
    }
    let level = TitleLevel::parse(level.trim()).ok_or_else(|| {
        field(field_error(
            "level",
            Msg::TitleLevelUnknown.text(jieshui_app::i18n::Lang::Zh),
            Msg::TitleLevelUnknown.text(jieshui_app::i18n::Lang::En),
        ))
    })?;
    let passed = core
        .store
        .audit_result(id)
        .await
        .map_err(internal)?
        .is_some_and(|a| a.passed);
    if rec.inspection.kind != InspectionKind::Audit
        || rec.inspection.status != InspectionStatus::Approved
        || !passed
    {
        return Err(user_err(StatusCode::CONFLICT, Msg::RecommendNeedsPass));
    }
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "audit_recommend",
        subject: id.to_string(),
        detail: serde_json::json!({ "level": level.as_str() }),
    };
    if !core
        .store
        .recommend_title(id, level, &audit)
        .await
        .map_err(internal)?
    {
        return Err(user_err(StatusCode::CONFLICT, Msg::RecommendNeedsPass));
    }
    Ok(level)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_decision_is_read_field_by_field() {
        let d = parse_decision(&json!({
            "action": "return",
            "comment": " 请补拍标识 ",
            "line_comments": [{"line_id": "0192f0c4-1111-7000-8000-000000000001", "text": "等级看不清"}],
        }))
        .expect("decision");
        assert_eq!(d.action, Action::Return);
        assert_eq!(d.comment, "请补拍标识");
        assert_eq!(d.line_comments.len(), 1);
        for (bad, name) in [
            (json!({"action": "delete"}), "action"),
            (json!({"action": "submit"}), "action"),
            (json!({"action": "approve", "comment": 5}), "comment"),
            (json!({"action": "correct", "outcome": "maybe"}), "outcome"),
            (
                json!({"action": "correct", "rectify_by": "2026-13-01"}),
                "rectify_by",
            ),
            (
                json!({"action": "return", "line_comments": [{"line_id": "x", "text": "t"}]}),
                "line_comments[0].line_id",
            ),
            (
                json!({"action": "return", "comment": "长".repeat(MAX_NOTE + 1)}),
                "comment",
            ),
        ] {
            assert_eq!(
                parse_decision(&bad).map_err(|e| e.field),
                Err(name.to_string()),
                "{bad}"
            );
        }
        let many = vec![
            json!({"line_id": "0192f0c4-1111-7000-8000-000000000001", "text": "t"});
            MAX_LINE_COMMENTS + 1
        ];
        assert_eq!(
            parse_decision(&json!({"action": "return", "line_comments": many}))
                .map_err(|e| e.field),
            Err("line_comments".to_string())
        );
    }
}
