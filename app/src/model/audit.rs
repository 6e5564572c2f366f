//! An audit as its page shows it: the sheet it is scored with, what the auditor recorded, the
//! computed score, and where it stands on the way to a title.

use crate::domain::audit::{AuditDraft, AuditScore};
use crate::domain::market::InspectionStatus;
use crate::domain::score::ScoreSheet;
use crate::domain::site::SiteKind;
use crate::model::site::{Title, TitleLevel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A site fact this audit corrected in the registry, with the value it replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactCorrection {
    /// `households` or `annual_water_m3`.
    pub fact: String,
    pub old_value: Option<f64>,
    pub new_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    pub status: InspectionStatus,
    pub site_kind: SiteKind,
    pub sheet: ScoreSheet,
    pub draft: AuditDraft,
    pub score: AuditScore,
    /// Photos per item id (and `facts`).
    pub photos: BTreeMap<String, u32>,
    /// The photo line id of each item id (and of `facts`).
    pub line_ids: BTreeMap<String, Uuid>,
    pub registry_households: Option<i64>,
    pub registry_water_m3: Option<f64>,
    /// The market-check rules in force on the audit's day: their categories are what may be
    /// counted, and a label read on a count is judged by them; and that day as `YYYY-MM-DD`.
    pub rules: Option<crate::domain::fixture::RuleSet>,
    pub visit_day: String,
    pub recommended: Option<TitleLevel>,
    /// The title recorded from this audit.
    pub title: Option<Title>,
    pub corrections: Vec<FactCorrection>,
    /// The viewer (a supervisor covering the site) may recommend it now.
    pub may_recommend: bool,
    /// The viewer (an administrator) may record the title awarded on it now.
    pub may_record_title: bool,
}
