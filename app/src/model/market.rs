//! Wire types of a market spot check, as the visit page receives them.

use crate::domain::fixture::{Judgement, RuleSet};
use crate::domain::inspection::InspectionKind;
use crate::domain::market::{Draft, InspectionStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A market check as the visit page shows it: the draft (or the submitted record) with the server's
/// verdicts, and the rules in force on the visit's day, so the phone judges every line as it is typed
/// with the same function and the same version the server will use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketView {
    pub status: InspectionStatus,
    /// The city's calendar day of the visit (`YYYY-MM-DD`).
    pub visit_day: String,
    /// `None` when no version was in force that day (the page says so; nothing can be judged).
    pub rules: Option<RuleSet>,
    pub draft: Draft,
    /// The server's verdict for each line of `draft`, in the same order.
    pub judgements: Vec<Judgement>,
    pub submitted_at: Option<String>,
    /// Brands recorded at this city's shops, most used first, for the brand field's suggestions.
    pub brands: Vec<String>,
}

/// One submitted record waiting for a supervisor's decision (the review queue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueBrief {
    pub id: Uuid,
    pub kind: InspectionKind,
    pub site_name: String,
    pub inspector_name: String,
    /// `YYYY-MM-DD HH:MM` in the city's time zone.
    pub submitted_at: String,
    /// Submissions so far (2 and more: it was returned before).
    pub round: i64,
    pub lines: i64,
    pub violations: i64,
    /// Photos with integrity flags.
    pub flagged_photos: i64,
}

/// One check in a list (the inspector's own, or a site's earlier checks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionBrief {
    pub id: Uuid,
    pub kind: InspectionKind,
    pub status: InspectionStatus,
    pub site_id: Uuid,
    pub site_name: String,
    /// `YYYY-MM-DD HH:MM` in the city's time zone.
    pub started_at: String,
    pub submitted_at: Option<String>,
    /// Started on the city's calendar day of the request.
    pub today: bool,
    pub lines: i64,
    /// Lines whose verdict is not water-saving.
    pub violations: i64,
}
