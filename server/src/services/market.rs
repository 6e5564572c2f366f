//! Market spot checks: saving the inspector's draft (every line judged by the server), submitting
//! it once however often it is sent, and reading the record back.
//!
//! Who may do what: the inspection's own inspector saves and submits; supervisors and admins read
//! every record, an inspector only their own. A refusal writes nothing.

use super::fields::Fields;
use super::incident;
use crate::db::{
    AuditEntry, DraftWrite, MarketRecord, StoreError, StoredDraft, StoredLine, SubmitWrite,
};
use crate::state::Core;
use axum::http::StatusCode;
use jieshui_app::domain::fixture::{Day, RuleSet, Verdict};
use jieshui_app::domain::inspection::InspectionKind;
use jieshui_app::domain::market::{
    check_draft, check_submit, field_error, is_uuid, Draft, FieldError, InspectionStatus, Line,
    Outcome, MAX_LINES,
};
use jieshui_app::domain::role::Role;
use jieshui_app::error::AppError;
use jieshui_app::i18n::Msg;
use jieshui_app::model::market::MarketView;
use jieshui_app::model::CurrentUser;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Why a market-check write or read was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum MarketRefused {
    /// A field of the request (422 with the field's name and message).
    Field(FieldError),
    /// A status and a message (401, 403, 404, 409).
    User(StatusCode, Msg),
    /// Logged under this incident number.
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> MarketRefused {
    MarketRefused::Internal(incident(e))
}

async fn load(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    write: bool,
) -> Result<(CurrentUser, MarketRecord), MarketRefused> {
    load_kind(core, user, id, write, InspectionKind::MarketCheck).await
}

/// Loads a record for `user`: 401 unsigned, 404 unknown (or, for an inspector, another's — a
/// stranger's record is not confirmed to exist), and for a write 403 unless it is the user's own
/// and 409 unless it is of `kind`.
pub(crate) async fn load_kind(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    write: bool,
    kind: InspectionKind,
) -> Result<(CurrentUser, MarketRecord), MarketRefused> {
    use MarketRefused::User;
    let user = user.ok_or(User(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| User(StatusCode::NOT_FOUND, Msg::NotFound))?;
    let rec = core
        .store
        .market_record(id)
        .await
        .map_err(internal)?
        .ok_or(User(StatusCode::NOT_FOUND, Msg::InspectionUnknown))?;
    let own = rec.inspection.inspector_id == user.id;
    let may_read = own || matches!(user.role, Role::Supervisor | Role::Admin);
    if !may_read {
        return Err(User(StatusCode::FORBIDDEN, Msg::OnlyOwnDraft));
    }
    if write {
        if !own || user.role != Role::Inspector {
            return Err(User(StatusCode::FORBIDDEN, Msg::OnlyOwnDraft));
        }
        if rec.inspection.kind != kind {
            return Err(User(
                StatusCode::CONFLICT,
                match kind {
                    InspectionKind::MarketCheck => Msg::NotMarketCheck,
                    InspectionKind::Audit => Msg::NotAnAudit,
                },
            ));
        }
    }
    Ok((user.clone(), rec))
}

/// `GET /api/inspections/{id}`: the record, for whoever may see it.
pub async fn record(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
) -> Result<MarketRecord, MarketRefused> {
    Ok(load(core, user, id, false).await?.1)
}

/// Brands offered as suggestions on the visit page.
const BRAND_SUGGESTIONS: u32 = 200;

/// What the visit page shows of a market check: the record with the server's verdicts, the rules
/// in force on the visit's day (the phone judges with them as the inspector types) and the brands
/// recorded at the city's shops.
pub async fn view(core: &Core, rec: &MarketRecord) -> Result<MarketView, AppError> {
    let day = core.day_of(rec.inspection.started_at);
    let sets = super::rules::rule_sets(core).await?;
    let brands = core
        .store
        .brands("", BRAND_SUGGESTIONS)
        .await
        .map_err(super::store_err)?;
    Ok(MarketView {
        status: rec.inspection.status,
        visit_day: day.to_string(),
        rules: RuleSet::in_force(&sets, day).cloned(),
        draft: rec.draft(),
        judgements: rec.lines.iter().map(|l| l.judgement.clone()).collect(),
        submitted_at: rec.submitted_at.map(|t| core.local_minute(t)),
        brands,
    })
}

/// Judges every line by the version of the rules in force on the visit's day. A fact the rules
/// cannot judge is refused with the line's field.
async fn judge_lines(
    core: &Core,
    lines: &[Line],
    day: Day,
) -> Result<Vec<StoredLine>, MarketRefused> {
    let sets = super::rules::rule_sets(core).await.map_err(internal)?;
    let rules = RuleSet::in_force(&sets, day).ok_or_else(|| {
        MarketRefused::Field(field_error(
            "lines",
            format!("{day} 没有生效的判定规则。"),
            format!("No rules were in force on {day}."),
        ))
    })?;
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            rules
                .judge(&l.facts(day))
                .map(|judgement| StoredLine {
                    line: l.clone(),
                    judgement,
                })
                .map_err(|b| {
                    MarketRefused::Field(FieldError {
                        field: format!("lines[{i}].{}", b.field),
                        reason: b.reason,
                    })
                })
        })
        .collect()
}

/// A digest of everything a draft holds, verdicts included: saving the same draft again (a retry,
/// or the phone's periodic save) is recognised and writes nothing.
fn digest(lines: &[StoredLine], d: &Draft) -> String {
    let lines: Vec<Value> = lines
        .iter()
        .map(|l| {
            serde_json::json!([
                l.line,
                l.judgement.verdict.as_str(),
                l.judgement.rules_version,
                l.judgement.reason.zh
            ])
        })
        .collect();
    let whole = serde_json::json!([
        lines,
        d.outcome.map(Outcome::as_str),
        d.outcome_note,
        d.rectify_by.map(|d| d.to_string())
    ]);
    let mut h = Sha256::new();
    h.update(whole.to_string().as_bytes());
    jieshui_app::domain::evidence::hex(&h.finalize())
}

/// `PUT /api/inspections/{id}/draft`: stores the inspector's draft, every line judged here.
pub async fn save_draft(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    body: &Value,
) -> Result<MarketRecord, MarketRefused> {
    let (user, rec) = load(core, user, id, true).await?;
    if !rec.inspection.status.editable() {
        return Err(MarketRefused::User(
            StatusCode::CONFLICT,
            Msg::AlreadySubmitted,
        ));
    }
    let draft = parse_draft(body).map_err(MarketRefused::Field)?;
    check_draft(&draft).map_err(MarketRefused::Field)?;
    let day = core.day_of(rec.inspection.started_at);
    let lines = judge_lines(core, &draft.lines, day).await?;
    let stored = StoredDraft {
        digest: digest(&lines, &draft),
        lines,
        outcome: draft.outcome,
        outcome_note: draft.outcome_note,
        rectify_by: draft.rectify_by,
    };
    let inspection = rec.inspection.id;
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "market_check_draft",
        subject: inspection.to_string(),
        detail: serde_json::json!({
            "lines": stored.lines.len(),
            "outcome": stored.outcome.map(Outcome::as_str),
            "digest": stored.digest,
        }),
    };
    let at = core.clock.now();
    let saved = match core.store.save_draft(inspection, &stored, at, &audit).await {
        Ok(DraftWrite::Saved) => true,
        Ok(DraftWrite::Unchanged) => false,
        Ok(DraftWrite::NotDraft) => {
            return Err(MarketRefused::User(
                StatusCode::CONFLICT,
                Msg::AlreadySubmitted,
            ))
        }
        Err(StoreError::Unique(_)) => {
            return Err(MarketRefused::User(StatusCode::CONFLICT, Msg::LineIdTaken))
        }
        Err(e) => return Err(internal(e)),
    };
    // What is stored now is what was just written (or, unchanged, the same): no need to read it.
    Ok(MarketRecord {
        lines: stored.lines,
        outcome: stored.outcome,
        outcome_note: stored.outcome_note,
        rectify_by: stored.rectify_by,
        digest: Some(stored.digest),
        updated_at: if saved { Some(at) } else { rec.updated_at },
        ..rec
    })
}

pub(crate) async fn reread(core: &Core, id: Uuid) -> Result<MarketRecord, MarketRefused> {
    core.store
        .market_record(id)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("inspection vanished"))
}

/// `POST /api/inspections/{id}/submit`: submits the stored draft once. Every line is judged again
/// (the verdict recorded is the one of the rules in force at submission, with their version); a
/// repeat, or a twin sent at the same moment, finds it submitted and answers the same record.
/// Returns the record and whether this call submitted it.
pub async fn submit(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
) -> Result<(MarketRecord, bool), MarketRefused> {
    for _ in 0..5 {
        let (user, rec) = load(core, user, id, true).await?;
        if !rec.inspection.status.editable() {
            return Ok((rec, false));
        }
        let day = core.day_of(rec.inspection.started_at);
        let draft = rec.draft();
        let lines = judge_lines(core, &draft.lines, day).await?;
        let verdicts: Vec<Verdict> = lines.iter().map(|l| l.judgement.verdict).collect();
        check_submit(&draft, &verdicts, day).map_err(MarketRefused::Field)?;
        let photos = core
            .store
            .inspection_photos(rec.inspection.id)
            .await
            .map_err(internal)?;
        if !photos.iter().any(|p| p.line_id.is_none()) {
            return Err(MarketRefused::User(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::ShopFrontPhotoNeeded,
            ));
        }
        let audit = AuditEntry {
            actor_id: Some(user.id),
            action: "market_check_submit",
            subject: rec.inspection.id.to_string(),
            detail: serde_json::json!({
                "lines": lines.len(),
                "outcome": draft.outcome.map(Outcome::as_str),
                "violations": verdicts.iter().filter(|v| **v != Verdict::WaterSaving).count(),
                "rules_versions": lines.iter().map(|l| l.judgement.rules_version).collect::<std::collections::BTreeSet<_>>(),
            }),
        };
        let Some(digest) = rec.digest.as_deref() else {
            // Never saved: nothing to submit.
            return Err(MarketRefused::Field(field_error(
                "lines",
                "请至少记录一个在售产品。",
                "Record at least one product line on sale.",
            )));
        };
        // Only verdicts that changed since the draft was saved (a new rules version) are written.
        let changed: Vec<StoredLine> = lines
            .iter()
            .zip(&rec.lines)
            .filter(|(new, old)| new.judgement != old.judgement)
            .map(|(new, _)| new.clone())
            .collect();
        let at = core.clock.now();
        match core
            .store
            .submit_inspection(rec.inspection.id, digest, &changed, at, &audit)
            .await
            .map_err(internal)?
        {
            SubmitWrite::Submitted => {
                let mut inspection = rec.inspection.clone();
                inspection.status = InspectionStatus::Submitted;
                let submitted = MarketRecord {
                    inspection,
                    lines,
                    // A returned record comes back as its next round.
                    round: rec.round
                        + i64::from(rec.inspection.status == InspectionStatus::Returned),
                    updated_at: Some(at),
                    submitted_at: Some(at),
                    ..rec
                };
                return Ok((submitted, true));
            }
            SubmitWrite::AlreadySubmitted => {
                return Ok((reread(core, rec.inspection.id).await?, false))
            }
            SubmitWrite::DraftChanged => continue,
        }
    }
    Err(MarketRefused::User(
        StatusCode::CONFLICT,
        Msg::AlreadySubmitted,
    ))
}

/// The draft of `PUT /api/inspections/{id}/draft`, field by field, each refused by its name in the
/// contract (`lines[3].quantity`): `{lines: [{id, category, brand, model, manufacturer,
/// label_present, grade, figure, figure2, quantity, phased_out, filing_no, note, edited_at}],
/// outcome, outcome_note, rectify_by}`. The number of lines is checked before any line is read.
pub fn parse_draft(v: &Value) -> Result<Draft, FieldError> {
    let f = Fields::of(v, "", "body")?;
    let lines = match v.get("lines") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => {
            return Err(field_error(
                "lines",
                "lines 应为数组。",
                "lines must be an array.",
            ))
        }
    };
    if lines.len() > MAX_LINES {
        return Err(field_error(
            "lines",
            format!("一次检查最多 {MAX_LINES} 个产品。"),
            format!("A check holds at most {MAX_LINES} product lines."),
        ));
    }
    let lines = lines
        .iter()
        .enumerate()
        .map(|(i, l)| parse_line(i, l))
        .collect::<Result<Vec<_>, _>>()?;
    let outcome = match f.text("outcome") {
        Ok(s) if s.is_empty() => None,
        Ok(s) if Outcome::parse(&s).is_some() => Outcome::parse(&s),
        _ => {
            return Err(field_error(
                "outcome",
                "处理结果应为 compliant、rectify、off_sale 或 refer。",
                "The outcome is one of compliant, rectify, off_sale, refer.",
            ))
        }
    };
    Ok(Draft {
        lines,
        outcome,
        outcome_note: f.text("outcome_note")?,
        rectify_by: f.day("rectify_by")?,
    })
}

fn parse_line(i: usize, v: &Value) -> Result<Line, FieldError> {
    let f = Fields::of(v, format!("lines[{i}]."), &format!("lines[{i}]"))?;
    let id = f.text("id")?.to_ascii_lowercase();
    if !is_uuid(&id) {
        return Err(field_error(
            f.name("id"),
            "产品编号无效。",
            "The line id is not a valid UUID.",
        ));
    }
    Ok(Line {
        id,
        category: f.category()?,
        brand: f.text("brand")?,
        model: f.text("model")?,
        manufacturer: f.text("manufacturer")?,
        label_present: f.flag("label_present")?,
        grade: f.grade()?,
        figure: f.figure("figure")?,
        figure2: f.figure("figure2")?,
        quantity: f.count("quantity")?,
        phased_out: f.flag("phased_out")?,
        filing_no: f.text("filing_no")?,
        note: f.text("note")?,
        // Only for merging; a value that is not a whole number is ignored, never refused.
        edited_at: v.get("edited_at").and_then(Value::as_i64),
    })
}
