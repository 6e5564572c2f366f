//! The site registry's rules: kinds of site, what each kind must record, and the checks an entered or
//! imported row passes before it may be stored.

use super::geo::{CoordSystem, LatLon};
use crate::i18n::Msg;
use crate::model::site::{Title, TitleLevel, YearlyStats};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// 销售网点: a building-material market or mall.
    Venue,
    /// 门店, optionally inside a venue.
    Shop,
    /// 居民小区.
    Community,
    /// 单位: non-residential water user.
    Unit,
    /// 企业: industrial water user.
    Enterprise,
    /// 公共建筑.
    PublicBuilding,
}

impl SiteKind {
    pub const ALL: [SiteKind; 6] = [
        SiteKind::Venue,
        SiteKind::Shop,
        SiteKind::Community,
        SiteKind::Unit,
        SiteKind::Enterprise,
        SiteKind::PublicBuilding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Venue => "venue",
            SiteKind::Shop => "shop",
            SiteKind::Community => "community",
            SiteKind::Unit => "unit",
            SiteKind::Enterprise => "enterprise",
            SiteKind::PublicBuilding => "public_building",
        }
    }

    pub fn name(self) -> Msg {
        match self {
            SiteKind::Venue => Msg::KindVenue,
            SiteKind::Shop => Msg::KindShop,
            SiteKind::Community => Msg::KindCommunity,
            SiteKind::Unit => Msg::KindUnit,
            SiteKind::Enterprise => Msg::KindEnterprise,
            SiteKind::PublicBuilding => Msg::KindPublicBuilding,
        }
    }

    /// Audited against a score sheet (the others, shops and venues, are spot-checked).
    pub fn audited(self) -> bool {
        matches!(
            self,
            SiteKind::Community | SiteKind::Unit | SiteKind::Enterprise | SiteKind::PublicBuilding
        )
    }

    pub fn needs_households(self) -> bool {
        self == SiteKind::Community
    }

    pub fn needs_water_use(self) -> bool {
        matches!(self, SiteKind::Unit | SiteKind::Enterprise)
    }

    pub fn needs_unit_type(self) -> bool {
        self == SiteKind::Unit
    }
}

impl FromStr for SiteKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        SiteKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.name().text(crate::i18n::Lang::Zh) == s)
            .ok_or(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    Government,
    School,
    Hospital,
    Hotel,
    Commerce,
    Other,
}

impl UnitType {
    pub const ALL: [UnitType; 6] = [
        UnitType::Government,
        UnitType::School,
        UnitType::Hospital,
        UnitType::Hotel,
        UnitType::Commerce,
        UnitType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitType::Government => "government",
            UnitType::School => "school",
            UnitType::Hospital => "hospital",
            UnitType::Hotel => "hotel",
            UnitType::Commerce => "commerce",
            UnitType::Other => "other",
        }
    }

    pub fn name(self) -> Msg {
        match self {
            UnitType::Government => Msg::UnitGovernment,
            UnitType::School => Msg::UnitSchool,
            UnitType::Hospital => Msg::UnitHospital,
            UnitType::Hotel => Msg::UnitHotel,
            UnitType::Commerce => Msg::UnitCommerce,
            UnitType::Other => Msg::UnitOther,
        }
    }
}

impl FromStr for UnitType {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        UnitType::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.name().text(crate::i18n::Lang::Zh) == s)
            .ok_or(())
    }
}

pub const DEFAULT_GEOFENCE_M: i64 = 150;

/// Checks a unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from the
/// code's alphabet, the last one a check character over the first seventeen.
pub fn credit_code_ok(code: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let mut values = Vec::with_capacity(18);
    for c in &chars {
        match ALPHABET.find(*c) {
            Some(v) => values.push(v as u32),
            None => return false,
        }
    }
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

/// One site as entered or imported, already checked. Positions are WGS-84.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInput {
    pub kind: SiteKind,
    pub external_code: String,
    pub name: String,
    pub address: String,
    /// A district code (e.g. 371502) or name, resolved by the server.
    pub district: String,
    pub position: LatLon,
    /// What was typed, and in which system, kept for traceability.
    pub source_position: LatLon,
    pub source_system: CoordSystem,
    pub geofence_m: i64,
    pub contact: String,
    pub credit_code: String,
    pub households: Option<i64>,
    pub annual_water_m3: Option<f64>,
    pub unit_type: Option<UnitType>,
    /// External code of the venue a shop is inside.
    pub parent_code: String,
}

/// The raw text of one row or form, field by field. Absent fields are empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteFields {
    pub kind: String,
    pub external_code: String,
    pub name: String,
    pub address: String,
    pub district: String,
    pub lat: String,
    pub lon: String,
    pub coord_system: String,
    pub geofence_m: String,
    pub contact: String,
    pub credit_code: String,
    pub households: String,
    pub annual_water_m3: String,
    pub unit_type: String,
    pub parent_code: String,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub msg: Msg,
}

fn num<T: FromStr>(s: &str) -> Option<T> {
    s.trim().replace([',', '，'], "").parse().ok()
}

/// Checks every field and reports every problem, not just the first.
pub fn check_site(f: &SiteFields) -> Result<SiteInput, Vec<FieldProblem>> {
    let mut p = Vec::new();
    let mut bad = |field: &'static str, msg: Msg| p.push(FieldProblem { field, msg });

    let kind = f.kind.parse::<SiteKind>().ok();
    if kind.is_none() {
        bad("kind", Msg::SiteKindUnknown);
    }
    let external_code = f.external_code.trim().to_string();
    if external_code.is_empty() {
        bad("external_code", Msg::ExternalCodeRequired);
    } else if external_code.chars().count() > 64 {
        bad("external_code", Msg::TooLong);
    }
    let name = f.name.trim().to_string();
    if name.is_empty() {
        bad("name", Msg::SiteNameRequired);
    } else if name.chars().count() > 100 {
        bad("name", Msg::TooLong);
    }
    if f.address.trim().chars().count() > 200 {
        bad("address", Msg::TooLong);
    }
    if f.district.trim().is_empty() {
        bad("district", Msg::DistrictRequired);
    }
    let system = f.coord_system.parse::<CoordSystem>().ok();
    if system.is_none() {
        bad("coord_system", Msg::CoordSystemUnknown);
    }
    let lat = num::<f64>(&f.lat).filter(|v| v.is_finite() && (-90.0..=90.0).contains(v));
    let lon = num::<f64>(&f.lon).filter(|v| v.is_finite() && (-180.0..=180.0).contains(v));
    if lat.is_none() {
        bad("lat", Msg::LatInvalid);
    }
    if lon.is_none() {
        bad("lon", Msg::LonInvalid);
    }
    // A position far outside China is almost always swapped or mistyped columns.
    if let (Some(la), Some(lo)) = (lat, lon) {
        if super::geo::out_of_china(LatLon::new(la, lo)) {
            bad("lat", Msg::PositionOutsideChina);
        }
    }
    let geofence_m = if f.geofence_m.trim().is_empty() {
        Some(DEFAULT_GEOFENCE_M)
    } else {
        num::<i64>(&f.geofence_m).filter(|v| (10..=5000).contains(v))
    };
    if geofence_m.is_none() {
        bad("geofence_m", Msg::GeofenceInvalid);
    }
    let credit_code = f.credit_code.trim().to_uppercase();
    if !credit_code.is_empty() && !credit_code_ok(&credit_code) {
        bad("credit_code", Msg::CreditCodeInvalid);
    }
    let households = if f.households.trim().is_empty() {
        None
    } else {
        let v = num::<i64>(&f.households).filter(|v| *v > 0);
        if v.is_none() {
            bad("households", Msg::HouseholdsInvalid);
        }
        v
    };
    let annual_water_m3 = if f.annual_water_m3.trim().is_empty() {
        None
    } else {
        let v = num::<f64>(&f.annual_water_m3).filter(|v| v.is_finite() && *v >= 0.0);
        if v.is_none() {
            bad("annual_water_m3", Msg::WaterUseInvalid);
        }
        v
    };
    let unit_type = if f.unit_type.trim().is_empty() {
        None
    } else {
        let v = f.unit_type.parse::<UnitType>().ok();
        if v.is_none() {
            bad("unit_type", Msg::UnitTypeUnknown);
        }
        v
    };
    if let Some(k) = kind {
        if k.needs_households() && households.is_none() && f.households.trim().is_empty() {
            bad("households", Msg::HouseholdsRequired);
        }
        if k.needs_water_use() && annual_water_m3.is_none() && f.annual_water_m3.trim().is_empty() {
            bad("annual_water_m3", Msg::WaterUseRequired);
        }
        if k.needs_unit_type() && unit_type.is_none() && f.unit_type.trim().is_empty() {
            bad("unit_type", Msg::UnitTypeRequired);
        }
        if !f.parent_code.trim().is_empty() && k != SiteKind::Shop {
            bad("parent_code", Msg::ParentOnlyForShops);
        }
    }
    match (kind, system, lat, lon, geofence_m) {
        (Some(kind), Some(system), Some(lat), Some(lon), Some(geofence_m)) if p.is_empty() => {
            let source = LatLon::new(lat, lon);
            Ok(SiteInput {
                kind,
                external_code,
                name,
                address: f.address.trim().to_string(),
                district: f.district.trim().to_string(),
                position: system.to_wgs84(source),
                source_position: source,
                source_system: system,
                geofence_m,
                contact: f.contact.trim().to_string(),
                credit_code,
                households,
                annual_water_m3,
                unit_type,
                parent_code: f.parent_code.trim().to_string(),
            })
        }
        _ => Err(p),
    }
}

// Titles and yearly statistics, as typed into their forms.

/// The raw text of a title form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TitleForm {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub awarded_on: String,
    #[serde(default)]
    pub document_no: String,
    #[serde(default)]
    pub valid_until: String,
}

/// Checks a title form; the error names the field and says what is wrong.
/// `id` is the new title's.
pub fn check_title(f: &TitleForm, id: uuid::Uuid) -> Result<Title, (&'static str, Msg)> {
    let level = TitleLevel::parse(&f.level).ok_or(("level", Msg::TitleLevelUnknown))?;
    let awarded_on = parse_date(&f.awarded_on).ok_or(("awarded_on", Msg::DateInvalid))?;
    let document_no = f.document_no.trim().to_string();
    if document_no.is_empty() {
        return Err(("document_no", Msg::DocumentNoRequired));
    }
    if document_no.chars().count() > 100 {
        return Err(("document_no", Msg::TooLong));
    }
    let valid_until = match f.valid_until.trim() {
        "" => None,
        s => Some(parse_date(s).ok_or(("valid_until", Msg::DateInvalid))?),
    };
    if valid_until.as_ref().is_some_and(|v| *v < awarded_on) {
        return Err(("valid_until", Msg::ValidUntilBeforeAward));
    }
    Ok(Title {
        id,
        level,
        awarded_on,
        document_no,
        valid_until,
        audit_id: None,
    })
}

/// The raw text of one year's statistics form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub urban_households: String,
    #[serde(default)]
    pub urban_households_source: String,
    #[serde(default)]
    pub nonres_water_m3: String,
    #[serde(default)]
    pub nonres_water_source: String,
    #[serde(default)]
    pub industrial_water_m3: String,
    #[serde(default)]
    pub industrial_water_source: String,
}

fn figure<T: std::str::FromStr + PartialOrd + Default>(
    s: &str,
    source: &str,
    field: &'static str,
) -> Result<Option<T>, (&'static str, Msg)> {
    let s = s.trim().replace([',', '，'], "");
    if s.is_empty() {
        return Ok(None);
    }
    let v: T = s.parse().map_err(|_| (field, Msg::FigureInvalid))?;
    if v < T::default() {
        return Err((field, Msg::FigureInvalid));
    }
    if source.trim().is_empty() {
        return Err((field, Msg::SourceRequired));
    }
    Ok(Some(v))
}

/// Checks a year's statistics: a figure needs its source.
pub fn check_stats(f: &StatsForm) -> Result<YearlyStats, (&'static str, Msg)> {
    let year: i32 = f
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or(("year", Msg::YearInvalid))?;
    Ok(YearlyStats {
        year,
        urban_households: figure::<i64>(
            &f.urban_households,
            &f.urban_households_source,
            "urban_households",
        )?,
        urban_households_source: f.urban_households_source.trim().to_string(),
        nonres_water_m3: figure::<f64>(
            &f.nonres_water_m3,
            &f.nonres_water_source,
            "nonres_water_m3",
        )?,
        nonres_water_source: f.nonres_water_source.trim().to_string(),
        industrial_water_m3: figure::<f64>(
            &f.industrial_water_m3,
            &f.industrial_water_source,
            "industrial_water_m3",
        )?,
        industrial_water_source: f.industrial_water_source.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    fn check_title_(f: &TitleForm) -> Result<crate::model::site::Title, (&'static str, Msg)> {
        check_title(f, uuid::Uuid::nil())
    }

    fn tf(level: &str, a: &str, d: &str, v: &str) -> TitleForm {
        TitleForm {
            level: level.into(),
            awarded_on: a.into(),
            document_no: d.into(),
            valid_until: v.into(),
        }
    }

    #[test]
    fn titles_are_checked_field_by_field() {
        assert!(check_title_(&tf("provincial", "2022-06-30", "鲁节水办〔2022〕3号", "")).is_ok());
        assert_eq!(
            check_title_(&tf("county", "2022-06-30", "x", ""))
                .err()
                .map(|e| e.0),
            Some("level")
        );
        assert_eq!(
            check_title_(&tf("city", "2022-02-30", "x", ""))
                .err()
                .map(|e| e.0),
            Some("awarded_on")
        );
        assert_eq!(
            check_title_(&tf("city", "2022-06-30", " ", ""))
                .err()
                .map(|e| e.0),
            Some("document_no")
        );
        assert_eq!(
            check_title_(&tf("city", "2022-06-30", "x", "2021-01-01")).err(),
            Some(("valid_until", Msg::ValidUntilBeforeAward))
        );
    }

    #[test]
    fn stats_need_sources_for_their_figures() {
        let f = StatsForm {
            year: "2024".into(),
            urban_households: "412,000".into(),
            urban_households_source: "".into(),
            nonres_water_m3: "".into(),
            nonres_water_source: "".into(),
            industrial_water_m3: "".into(),
            industrial_water_source: "".into(),
        };
        assert_eq!(
            check_stats(&f).err(),
            Some(("urban_households", Msg::SourceRequired))
        );
        let f = StatsForm {
            urban_households_source: "2024 年统计年鉴".into(),
            ..f
        };
        assert_eq!(
            check_stats(&f).map(|s| s.urban_households).ok(),
            Some(Some(412_000))
        );
        let f = StatsForm {
            year: "1999".into(),
            ..f
        };
        assert_eq!(check_stats(&f).err().map(|e| e.0), Some("year"));
    }

    use super::*;

    fn community() -> SiteFields {
        SiteFields {
            kind: "community".into(),
            external_code: "C001".into(),
            name: "水城明珠小区".into(),
            address: "东昌府区柳园南路 9 号".into(),
            district: "371502".into(),
            lat: "36.4452".into(),
            lon: "115.9810".into(),
            households: "1,860".into(),
            ..SiteFields::default()
        }
    }

    fn fields(r: Result<SiteInput, Vec<FieldProblem>>) -> Vec<&'static str> {
        match r {
            Ok(_) => vec![],
            Err(p) => p.into_iter().map(|p| p.field).collect(),
        }
    }

    #[test]
    fn a_good_row_passes_with_defaults() {
        let s = check_site(&community()).expect("valid");
        assert_eq!(s.kind, SiteKind::Community);
        assert_eq!(s.households, Some(1860));
        assert_eq!(s.geofence_m, 150);
        assert_eq!(s.source_system, CoordSystem::Wgs84);
        assert_eq!(s.position, s.source_position);
    }

    #[test]
    fn chinese_kind_names_are_accepted() {
        let f = SiteFields {
            kind: "居民小区".into(),
            ..community()
        };
        assert!(check_site(&f).is_ok());
    }

    #[test]
    fn gcj02_input_is_stored_as_wgs84() {
        let f = SiteFields {
            coord_system: "高德".into(),
            ..community()
        };
        let s = check_site(&f).expect("valid");
        assert_eq!(s.source_system, CoordSystem::Gcj02);
        let d = super::super::geo::distance_m(s.position, s.source_position);
        assert!(d > 100.0, "converted by {d} m");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let f = SiteFields {
            kind: "castle".into(),
            external_code: "".into(),
            name: "".into(),
            district: "".into(),
            lat: "north".into(),
            lon: "999".into(),
            coord_system: "mercator".into(),
            geofence_m: "0".into(),
            credit_code: "123".into(),
            households: "-5".into(),
            annual_water_m3: "lots".into(),
            unit_type: "castle".into(),
            ..SiteFields::default()
        };
        let got = fields(check_site(&f));
        for want in [
            "kind",
            "external_code",
            "name",
            "district",
            "lat",
            "lon",
            "coord_system",
            "geofence_m",
            "credit_code",
            "households",
            "annual_water_m3",
            "unit_type",
        ] {
            assert!(got.contains(&want), "{want} missing from {got:?}");
        }
    }

    #[test]
    fn kind_specific_requirements() {
        let f = SiteFields {
            households: "".into(),
            ..community()
        };
        assert_eq!(fields(check_site(&f)), vec!["households"]);
        let unit = SiteFields {
            kind: "unit".into(),
            households: "".into(),
            ..community()
        };
        assert_eq!(
            fields(check_site(&unit)),
            vec!["annual_water_m3", "unit_type"]
        );
        let ok = SiteFields {
            annual_water_m3: "86000".into(),
            unit_type: "学校".into(),
            ..unit
        };
        assert!(check_site(&ok).is_ok());
        let venue_with_parent = SiteFields {
            kind: "venue".into(),
            parent_code: "V1".into(),
            ..community()
        };
        assert_eq!(fields(check_site(&venue_with_parent)), vec!["parent_code"]);
    }

    #[test]
    fn swapped_coordinates_are_caught() {
        let f = SiteFields {
            lat: "115.98".into(),
            lon: "36.45".into(),
            ..community()
        };
        assert!(fields(check_site(&f)).contains(&"lat"));
    }

    #[test]
    fn geofence_bounds() {
        for (v, ok) in [
            ("10", true),
            ("5000", true),
            ("9", false),
            ("5001", false),
            ("abc", false),
            ("", true),
        ] {
            let f = SiteFields {
                geofence_m: v.into(),
                ..community()
            };
            assert_eq!(check_site(&f).is_ok(), ok, "{v}");
        }
    }

    #[test]
    fn credit_codes_are_checked() {
        // Published example codes with valid check characters.
        assert!(credit_code_ok("91350100M000100Y43"));
        assert!(credit_code_ok("91110108551385082Q"));
        assert!(credit_code_ok("911100001000054748"));
        assert!(!credit_code_ok("91350100M000100Y44"));
        assert!(!credit_code_ok("91350100M000100Y4"));
        assert!(
            !credit_code_ok("91350100I000100Y43"),
            "I is not in the alphabet"
        );
    }
}

/// A calendar date typed as YYYY-MM-DD (also YYYY/MM/DD and YYYY.MM.DD, as spreadsheets write them),
/// returned in the canonical form.
pub fn parse_date(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.trim().split(['-', '/', '.']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1949..=2200).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days)
        .contains(&d)
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod date_tests {
    use super::parse_date;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2022-12-01"), Some("2022-12-01".into()));
        assert_eq!(parse_date("2022/1/5"), Some("2022-01-05".into()));
        assert_eq!(parse_date("2024-02-29"), Some("2024-02-29".into()));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("1900-02-29"), None);
        assert_eq!(parse_date("2022-13-01"), None);
        assert_eq!(parse_date("2022-04-31"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }
}
