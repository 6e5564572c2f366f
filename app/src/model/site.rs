//! Wire types of the site registry.

use crate::domain::geo::{CoordSystem, LatLon};
use crate::domain::site::{SiteKind, UnitType};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSummary {
    pub id: Uuid,
    pub kind: SiteKind,
    pub external_code: String,
    pub name: String,
    pub address: String,
    pub district_name: String,
    pub position: LatLon,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleLevel {
    National,
    Provincial,
    City,
}

impl TitleLevel {
    pub const ALL: [TitleLevel; 3] = [
        TitleLevel::National,
        TitleLevel::Provincial,
        TitleLevel::City,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TitleLevel::National => "national",
            TitleLevel::Provincial => "provincial",
            TitleLevel::City => "city",
        }
    }
    pub fn name(self) -> Msg {
        match self {
            TitleLevel::National => Msg::LevelNational,
            TitleLevel::Provincial => Msg::LevelProvincial,
            TitleLevel::City => Msg::LevelCity,
        }
    }
    pub fn parse(s: &str) -> Option<TitleLevel> {
        TitleLevel::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }
    /// Coverage counts only titles of provincial level or higher (domain.md §2).
    pub fn counts_for_coverage(self) -> bool {
        self != TitleLevel::City
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Title {
    pub id: Uuid,
    pub level: TitleLevel,
    /// YYYY-MM-DD
    pub awarded_on: String,
    pub document_no: String,
    pub valid_until: Option<String>,
    /// The audit the title was awarded on (recorded from the audit's page).
    #[serde(default)]
    pub audit_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteDetail {
    pub summary: SiteSummary,
    pub district_id: Uuid,
    pub geofence_m: i64,
    pub contact: String,
    pub credit_code: String,
    pub households: Option<i64>,
    pub annual_water_m3: Option<f64>,
    pub unit_type: Option<UnitType>,
    /// The venue a shop sits in: its id and name, and its code (what the edit form holds).
    pub parent: Option<(Uuid, String)>,
    pub parent_code: Option<String>,
    pub source_position: Option<LatLon>,
    pub source_system: CoordSystem,
    /// From the store an RFC 3339 instant; from the backend to pages, the city's calendar day.
    pub closed_at: Option<String>,
    pub titles: Vec<Title>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    #[default]
    Active,
    Closed,
    All,
}

impl SiteState {
    pub fn parse(s: &str) -> SiteState {
        match s {
            "closed" => SiteState::Closed,
            "all" => SiteState::All,
            _ => SiteState::Active,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Active => "active",
            SiteState::Closed => "closed",
            SiteState::All => "all",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteFilter {
    pub q: String,
    pub kind: Option<SiteKind>,
    pub district_id: Option<Uuid>,
    pub state: SiteState,
    /// 0-based.
    pub page: u32,
}

pub const SITES_PER_PAGE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SitePage {
    pub items: Vec<SiteSummary>,
    pub total: i64,
    pub page: u32,
}

/// A site with its distance from the phone, when the phone's position is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbySite {
    pub site: SiteSummary,
    pub distance_m: Option<f64>,
}

/// One problem in an imported file, located as a spreadsheet user would look for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowProblem {
    /// Row number as shown in a spreadsheet (the header is row 1); 0 for the file as a whole.
    pub row: usize,
    /// The column's header as written in the file (or its canonical name when it is missing).
    pub column: String,
    pub msg: Msg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Invalid,
    Ready,
    Committed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportBatchView {
    pub id: Uuid,
    pub filename: String,
    pub status: BatchStatus,
    pub row_count: i64,
    pub problems: Vec<RowProblem>,
    /// Rows that will create a site / update an existing one (by kind and external code).
    pub new_count: i64,
    pub update_count: i64,
    pub by_kind: Vec<(SiteKind, i64)>,
    pub inserted: Option<i64>,
    pub updated: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearlyStats {
    pub year: i32,
    pub urban_households: Option<i64>,
    pub urban_households_source: String,
    pub nonres_water_m3: Option<f64>,
    pub nonres_water_source: String,
    pub industrial_water_m3: Option<f64>,
    pub industrial_water_source: String,
}
