//! Audits of communities, units, enterprises and public buildings: the auditor's draft scored
//! against the score sheet (the version in force on the visit's day, fixed at the first save so a
//! later version never changes the audit), submitted once however often it is sent, and the title
//! an approved, passing audit leads to.
//!
//! Who may do what is as for market checks (`services::market`): the audit's own inspector saves
//! and submits; supervisors and admins read. A refusal writes nothing.

use super::incident;
use super::market::{load_kind, reread, MarketRefused};
use crate::db::{AuditEntry, DraftWrite, MarketRecord, StoredAudit, SubmitWrite};
use crate::state::Core;
use axum::http::StatusCode;
use jieshui_app::domain::audit::{
    check_facts, parse_audit_draft, score_draft, AuditDraft, AuditScore,
};
use jieshui_app::domain::fixture::RuleSet;
use jieshui_app::domain::inspection::InspectionKind;
use jieshui_app::domain::market::{field_error, FieldError, InspectionStatus};
use jieshui_app::domain::role::Role;
use jieshui_app::domain::score::ScoreSheet;
use jieshui_app::domain::site::{check_title, SiteKind, TitleForm};
use jieshui_app::i18n::{Lang, Msg};
use jieshui_app::model::site::Title;
use jieshui_app::model::CurrentUser;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// The photo key of the site's facts (a meter or a bill for the annual water use).
pub const FACTS_KEY: &str = "facts";
/// The photo key of the fixture counts.
pub const FIXTURES_KEY: &str = "fixtures";

/// An audit as the pages and the contract show it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub rec: MarketRecord,
    pub site_kind: SiteKind,
    pub sheet: ScoreSheet,
    pub draft: AuditDraft,
    pub score: AuditScore,
    /// Photos per item id (and `facts`).
    pub photos: HashMap<String, u32>,
    /// The site's facts in the registry now (households, annual water use).
    pub registry_households: Option<i64>,
    pub registry_water_m3: Option<f64>,
}

impl AuditRecord {
    pub fn line_id(&self, key: &str) -> Uuid {
        item_line(self.rec.inspection.id, key)
    }
}

fn internal(e: impl std::fmt::Display) -> MarketRefused {
    MarketRefused::Internal(incident(e))
}

fn msg_field(field: &str, m: Msg) -> MarketRefused {
    MarketRefused::Field(field_error(field, m.text(Lang::Zh), m.text(Lang::En)))
}

/// The photo line of an item (or of the facts) of an audit: the same id on the phone, on the
/// server and in every retry, with no table of its own. Made from the audit's id and the key.
pub fn item_line(inspection: Uuid, key: &str) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"jieshui audit item\0");
    h.update(inspection.as_bytes());
    h.update(key.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // A version-8 (custom) UUID, RFC 9562 variant.
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The sheet an audit is scored with: the version it was first saved with, else the one in force
/// on the visit's day.
async fn sheet_of(
    core: &Core,
    rec: &MarketRecord,
    kind: SiteKind,
    stored: Option<&StoredAudit>,
) -> Result<ScoreSheet, MarketRefused> {
    let sheets = super::score::sheets(core, kind)
        .await
        .map_err(|e| internal(format!("{e:?}")))?;
    let found = match stored {
        Some(s) => sheets.iter().find(|x| x.version == s.sheet_version),
        None => ScoreSheet::in_force(&sheets, core.day_of(rec.inspection.started_at)),
    };
    found
        .cloned()
        .ok_or_else(|| msg_field("items", Msg::NoSheetInForce))
}

/// Photos of an audit per key (item id or `facts`), from their line ids.
fn photos_by_key(
    inspection: Uuid,
    sheet: &ScoreSheet,
    photos: &[jieshui_app::model::evidence::PhotoBrief],
) -> HashMap<String, u32> {
    let keys: HashMap<Uuid, &str> = sheet
        .items
        .iter()
        .map(|i| i.id.as_str())
        .chain([FACTS_KEY, FIXTURES_KEY])
        .map(|k| (item_line(inspection, k), k))
        .collect();
    let mut out = HashMap::new();
    for p in photos {
        if let Some(k) = p.line_id.and_then(|l| keys.get(&l)) {
            *out.entry((*k).to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// An audit record with its sheet, draft and score (from what is stored now).
pub async fn view(core: &Core, rec: MarketRecord) -> Result<AuditRecord, MarketRefused> {
    let site = core
        .store
        .site_detail(rec.inspection.site_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("audit site vanished"))?;
    let kind = site.summary.kind;
    let stored = core
        .store
        .audit_result(rec.inspection.id)
        .await
        .map_err(internal)?;
    let sheet = sheet_of(core, &rec, kind, stored.as_ref()).await?;
    let photos = core
        .store
        .inspection_photos(rec.inspection.id)
        .await
        .map_err(internal)?;
    let photos = photos_by_key(rec.inspection.id, &sheet, &photos);
    let draft = stored.map(|s| s.draft).unwrap_or_default();
    let score = score_draft(&sheet, &draft, |k| photos.get(k).copied().unwrap_or(0))
        .map_err(|e| internal(format!("stored audit no longer scores: {}", e.field)))?;
    Ok(AuditRecord {
        rec,
        site_kind: kind,
        sheet,
        draft,
        score,
        photos,
        registry_households: site.households,
        registry_water_m3: site.annual_water_m3,
    })
}

fn digest(sheet_version: u32, d: &AuditDraft) -> String {
    let mut h = Sha256::new();
    h.update(
        serde_json::json!([sheet_version, jieshui_app::domain::audit::draft_json(d)])
            .to_string()
            .as_bytes(),
    );
    jieshui_app::domain::evidence::hex(&h.finalize())
}

/// The counts' categories must be the rules' (those in force on the visit's day), and a label read
/// on a count is judged by them.
async fn judge_counts(
    core: &Core,
    rec: &MarketRecord,
    d: &mut AuditDraft,
) -> Result<(), MarketRefused> {
    if d.fixture_counts.is_empty() {
        return Ok(());
    }
    let sets = super::rules::rule_sets(core)
        .await
        .map_err(|e| internal(format!("{e:?}")))?;
    let day = core.day_of(rec.inspection.started_at);
    jieshui_app::domain::audit::judge_counts(RuleSet::in_force(&sets, day), day, d)
        .map_err(MarketRefused::Field)
}

/// `PUT /api/inspections/{id}/draft` for an audit: stores the draft with its computed score.
pub async fn save_draft(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    body: &Value,
) -> Result<AuditRecord, MarketRefused> {
    let (user, rec) = load_kind(core, user, id, true, InspectionKind::Audit).await?;
    if !rec.inspection.status.editable() {
        return Err(MarketRefused::User(
            StatusCode::CONFLICT,
            Msg::AlreadySubmitted,
        ));
    }
    let mut draft = parse_audit_draft(body).map_err(MarketRefused::Field)?;
    let current = view(core, rec).await?;
    check_facts(current.site_kind, &draft.facts).map_err(MarketRefused::Field)?;
    judge_counts(core, &current.rec, &mut draft).await?;
    let photos = current.photos.clone();
    let score = score_draft(&current.sheet, &draft, |k| {
        photos.get(k).copied().unwrap_or(0)
    })
    .map_err(MarketRefused::Field)?;
    let stored = StoredAudit {
        sheet_kind: current.site_kind,
        sheet_version: current.sheet.version,
        draft: draft.clone(),
        total: score.total,
        applicable_max: score.applicable_max,
        pass_mark: score.pass_mark,
        passed: score.passed,
        fixture_rate: score.fixture_rate,
    };
    let digest = digest(current.sheet.version, &draft);
    let inspection = current.rec.inspection.id;
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "audit_draft",
        subject: inspection.to_string(),
        detail: serde_json::json!({
            "sheet": format!("{}:{}", current.site_kind.as_str(), current.sheet.version),
            "items": draft.items.len(),
            "total": score.total,
            "applicable_max": score.applicable_max,
            "digest": digest,
        }),
    };
    let at = core.clock.now();
    let saved = match core
        .store
        .save_audit_draft(inspection, &stored, &digest, at, &audit)
        .await
        .map_err(internal)?
    {
        DraftWrite::Saved => true,
        DraftWrite::Unchanged => false,
        DraftWrite::NotDraft => {
            return Err(MarketRefused::User(
                StatusCode::CONFLICT,
                Msg::AlreadySubmitted,
            ))
        }
    };
    let mut rec = current.rec;
    rec.digest = Some(digest);
    if saved {
        rec.updated_at = Some(at);
    }
    Ok(AuditRecord {
        rec,
        draft,
        score,
        ..current
    })
}

/// Why a complete-looking audit still cannot be submitted, by its field.
fn submit_problem(a: &AuditRecord) -> Option<FieldError> {
    let m = |f: &str, m: Msg| field_error(f, m.text(Lang::Zh), m.text(Lang::En));
    if a.rec.digest.is_none() || !a.score.complete() {
        return Some(m("items", Msg::AuditIncomplete));
    }
    if a.draft.facts.annual_water_m3.is_some() && a.photos.get(FACTS_KEY).copied().unwrap_or(0) == 0
    {
        return Some(m("facts.annual_water_m3", Msg::WaterUsePhotoNeeded));
    }
    None
}

/// `POST /api/inspections/{id}/submit` for an audit: once, however often it is sent. Returns the
/// record and whether this call submitted it.
pub async fn submit(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
) -> Result<(AuditRecord, bool), MarketRefused> {
    for _ in 0..5 {
        let (user, rec) = load_kind(core, user, id, true, InspectionKind::Audit).await?;
        let editable = rec.inspection.status.editable();
        let a = view(core, rec).await?;
        if !editable {
            return Ok((a, false));
        }
        if let Some(f) = submit_problem(&a) {
            return Err(MarketRefused::Field(f));
        }
        let Some(digest) = a.rec.digest.clone() else {
            return Err(msg_field("items", Msg::AuditIncomplete));
        };
        let audit = AuditEntry {
            actor_id: Some(user.id),
            action: "audit_submit",
            subject: a.rec.inspection.id.to_string(),
            detail: serde_json::json!({
                "sheet": format!("{}:{}", a.site_kind.as_str(), a.sheet.version),
                "total": a.score.total,
                "applicable_max": a.score.applicable_max,
                "passed": a.score.passed,
            }),
        };
        let at = core.clock.now();
        match core
            .store
            .submit_inspection(a.rec.inspection.id, &digest, &[], at, &audit)
            .await
            .map_err(internal)?
        {
            SubmitWrite::Submitted => {
                let rec = reread(core, a.rec.inspection.id).await?;
                return Ok((AuditRecord { rec, ..a }, true));
            }
            SubmitWrite::AlreadySubmitted => {
                let rec = reread(core, a.rec.inspection.id).await?;
                return Ok((view(core, rec).await?, false));
            }
            SubmitWrite::DraftChanged => continue,
        }
    }
    Err(MarketRefused::User(
        StatusCode::CONFLICT,
        Msg::AlreadySubmitted,
    ))
}

/// `GET /api/inspections/{id}` for an audit.
pub async fn record(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
) -> Result<AuditRecord, MarketRefused> {
    let (_, rec) = load_kind(core, user, id, false, InspectionKind::Audit).await?;
    view(core, rec).await
}

/// The facts an approved audit takes to the registry: those it recorded that differ from what the
/// registry holds now.
pub fn fact_changes(a: &AuditRecord) -> Vec<crate::db::FactChange> {
    let mut out = Vec::new();
    if let Some(h) = a.draft.facts.households {
        if a.registry_households != Some(i64::from(h)) {
            out.push(crate::db::FactChange {
                fact: "households",
                value: f64::from(h),
            });
        }
    }
    if let Some(w) = a.draft.facts.annual_water_m3 {
        if a.registry_water_m3 != Some(w) {
            out.push(crate::db::FactChange {
                fact: "annual_water_m3",
                value: w,
            });
        }
    }
    out
}

/// Why a title cannot be recorded from an audit.
#[derive(Debug, Clone, PartialEq)]
pub enum TitleRefused {
    /// A form field (its name) and what is wrong.
    Field(&'static str, Msg),
    User(StatusCode, Msg),
    Internal(String),
}

/// An administrator records the title awarded on an approved, passing audit: a title of the
/// audited site (the registry's), linked to the audit. One title per audit.
pub async fn record_title(
    core: &Core,
    user: Option<&CurrentUser>,
    id: &str,
    form: &TitleForm,
) -> Result<Title, TitleRefused> {
    let internal = |e: crate::db::StoreError| TitleRefused::Internal(incident(e));
    let user = user.ok_or(TitleRefused::User(
        StatusCode::UNAUTHORIZED,
        Msg::NotSignedIn,
    ))?;
    if user.role != Role::Admin {
        return Err(TitleRefused::User(StatusCode::FORBIDDEN, Msg::Forbidden));
    }
    let id = Uuid::parse_str(id.trim())
        .map_err(|_| TitleRefused::User(StatusCode::NOT_FOUND, Msg::NotFound))?;
    let rec = core
        .store
        .market_record(id)
        .await
        .map_err(internal)?
        .filter(|r| r.inspection.kind == InspectionKind::Audit)
        .ok_or(TitleRefused::User(
            StatusCode::NOT_FOUND,
            Msg::InspectionUnknown,
        ))?;
    let stored = core.store.audit_result(id).await.map_err(internal)?;
    if rec.inspection.status != InspectionStatus::Approved || !stored.is_some_and(|s| s.passed) {
        return Err(TitleRefused::User(
            StatusCode::CONFLICT,
            Msg::RecommendNeedsPass,
        ));
    }
    if core
        .store
        .title_of_audit(id)
        .await
        .map_err(internal)?
        .is_some()
    {
        return Err(TitleRefused::User(StatusCode::CONFLICT, Msg::TitleRecorded));
    }
    let mut title =
        check_title(form, Uuid::now_v7()).map_err(|(f, m)| TitleRefused::Field(f, m))?;
    let audit_day = core.day_of(rec.inspection.started_at);
    if jieshui_app::domain::fixture::Day::parse(&title.awarded_on).is_some_and(|d| d < audit_day) {
        return Err(TitleRefused::Field("awarded_on", Msg::AwardBeforeAudit));
    }
    title.audit_id = Some(id);
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "title_from_audit",
        subject: rec.inspection.site_id.to_string(),
        detail: serde_json::json!({
            "title": title.id,
            "audit": id,
            "level": title.level.as_str(),
            "awarded_on": title.awarded_on,
            "document_no": title.document_no,
        }),
    };
    match core
        .store
        .add_title(rec.inspection.site_id, &title, &audit)
        .await
    {
        Ok(true) => Ok(title),
        Ok(false) => Err(TitleRefused::User(StatusCode::NOT_FOUND, Msg::NotFound)),
        // A second title racing the first for the same audit.
        Err(crate::db::StoreError::Unique(_)) => {
            Err(TitleRefused::User(StatusCode::CONFLICT, Msg::TitleRecorded))
        }
        Err(e) => Err(internal(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_items_photo_line_is_stable_and_its_own() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_eq!(item_line(a, "rules"), item_line(a, "rules"));
        assert_ne!(item_line(a, "rules"), item_line(a, "records"));
        assert_ne!(item_line(a, "rules"), item_line(b, "rules"));
        assert_eq!(item_line(a, "rules").get_version_num(), 8);
    }
}
