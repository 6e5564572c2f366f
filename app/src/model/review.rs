//! Wire types of review: what a record's page shows of its review (the supervisor's panel, the
//! inspector's returned comments, every round of its history), rectification orders, and the audit
//! log page.

use crate::domain::evidence::Flag;
use crate::domain::market::Outcome;
use crate::domain::review::Action;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One photo as a reviewer judges it: its integrity flags and how far from the site it was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoCheck {
    pub id: Uuid,
    pub line_id: Option<Uuid>,
    pub preview: bool,
    pub flags: Vec<Flag>,
    /// From the phone's position at capture (or the photo's own GPS) to the site.
    pub distance_m: Option<f64>,
}

/// Where the phone was when the check began, against the site's geofence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StartCheck {
    pub distance_m: f64,
    pub geofence_m: i64,
    pub accuracy_m: Option<f64>,
}

impl StartCheck {
    /// Within the geofence (the fix's uncertainty is not counted in the record's favour).
    pub fn inside(&self) -> bool {
        self.distance_m <= self.geofence_m as f64
    }
}

/// A comment on one product line: the line's id, its label (category, brand, model), the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineComment {
    pub line_id: Uuid,
    pub line: String,
    pub text: String,
}

/// One decision in a record's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewEntry {
    /// The submission it decided on.
    pub round: i64,
    /// `YYYY-MM-DD HH:MM` in the city's time zone.
    pub at: String,
    pub reviewer: String,
    pub action: Action,
    pub comment: String,
    pub line_comments: Vec<LineComment>,
    pub outcome_before: Option<Outcome>,
    pub outcome: Option<Outcome>,
    pub rectify_by: Option<String>,
    pub reason: String,
}

/// A rectification order in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderBrief {
    pub id: Uuid,
    pub site_id: Uuid,
    pub site_name: String,
    /// The approved check that opened it.
    pub inspection_id: Uuid,
    pub required: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub open: bool,
    /// Open past its deadline (by the city's calendar).
    pub overdue: bool,
    /// The approved re-inspection that closed it.
    pub closed_by: Option<Uuid>,
}

/// What a market check's page shows of its review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPanel {
    /// The viewer may approve or return it now (a supervisor covering it; it is submitted).
    pub may_decide: bool,
    /// The viewer may correct its outcome (a supervisor covering it; submitted or approved).
    pub may_correct: bool,
    pub round: i64,
    pub outcome_version: i64,
    pub start: Option<StartCheck>,
    pub photos: Vec<PhotoCheck>,
    /// Every decision, oldest first.
    pub history: Vec<ReviewEntry>,
    /// While the record is back with its inspector: the decision that returned it.
    pub returned: Option<ReviewEntry>,
    /// The order this check opened, if any.
    pub order: Option<OrderBrief>,
    /// The order this check re-inspects, if any.
    pub reinspects: Option<OrderBrief>,
    /// The audit log's entries about this record, newest first.
    #[serde(default)]
    pub audit: Vec<AuditLine>,
}

/// One entry of the audit log as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub seq: i64,
    /// `YYYY-MM-DD HH:MM:SS` in the city's time zone.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// The audit log page: the chain's check and the newest entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    pub entries: i64,
    /// The last entry's hash (keep it: it lets a later check see a shortened log).
    pub head: Option<String>,
    /// The first entry that breaks the chain, in words, if any.
    pub broken: Option<AuditBreak>,
    pub latest: Vec<AuditLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditBreak {
    pub seq: i64,
    /// `altered`, `removed` or `inserted`.
    pub kind: String,
}

/// The review queue page: the records waiting (filtered), and what its filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub items: Vec<crate::model::market::QueueBrief>,
    /// Active inspectors, by name.
    pub inspectors: Vec<(Uuid, String)>,
    /// Districts the supervisor may filter by (none when they have one of their own).
    pub districts: Vec<(Uuid, String)>,
}

/// The queue's filters as the page's form sends them (empty: no filter).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueQuery {
    pub kind: String,
    pub district: String,
    pub inspector: String,
    pub older_than_days: String,
    pub flagged: bool,
}
