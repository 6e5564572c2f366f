//! The market-check rules as the rules page reads them.

use crate::domain::fixture::RuleSet;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesView {
    /// Every version, newest first.
    pub versions: Vec<RuleSet>,
    /// The version in force today (the city's calendar day), if any has started.
    pub in_force: Option<u32>,
    /// Today, `YYYY-MM-DD`.
    pub today: String,
}
