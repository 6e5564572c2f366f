//! What an inspection is, before the market-check and audit rules give it its lines.

use crate::domain::geo::LatLon;
use serde::{Deserialize, Serialize};

/// A market spot check at a shop or venue, or an audit of a community, unit or building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    MarketCheck,
    Audit,
}

impl InspectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::MarketCheck => "market_check",
            InspectionKind::Audit => "audit",
        }
    }

    pub fn parse(s: &str) -> Option<InspectionKind> {
        match s {
            "market_check" => Some(InspectionKind::MarketCheck),
            "audit" => Some(InspectionKind::Audit),
            _ => None,
        }
    }
}

/// A position the phone reported, with its accuracy (metres) when it gave one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub position: LatLon,
    pub accuracy_m: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_as_they_are_written() {
        for k in [InspectionKind::MarketCheck, InspectionKind::Audit] {
            assert_eq!(InspectionKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(InspectionKind::parse("Audit"), None);
    }
}
