//! Score sheets of audits (communities, units, enterprises, public buildings) and how an audit is
//! scored against one. A sheet is versioned data an administrator edits (`../shared/domain.md` §5):
//! groups of items, each with its requirement, its maximum, how it is scored, whether it may be "not
//! applicable" and how many photos it needs, and the sheet's pass mark.
//!
//! Points are held in tenths of a point (`Tenths`), so totals add up exactly and the pass mark is
//! decided without rounding: 89.9 of 100 fails a mark of 90, 90.0 passes. The normalised total is
//! the score over the applicable items' maximum, × 100: an item marked "not applicable" leaves both.

use super::fixture::Day;
use super::site::SiteKind;
use serde::{Deserialize, Serialize};

/// Points in tenths of a point (`905` is 90.5 points).
pub type Tenths = u32;

/// Whether a measured value is good when high (a meter coverage) or when low (a leak rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    AtLeast,
    AtMost,
}

/// How an item is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scoring {
    /// The auditor gives 0..=max points (by parts present, planned vs done, …).
    Points,
    /// Full points when met, none when not.
    PassFail,
    /// A measured value against a target: full points when the target is met, `deduct` tenths off
    /// for each unit short of it, none at all past `floor` (e.g. meter coverage ≥ 95 %, 2 points
    /// off per point below, none below 90 %).
    Measured {
        target: f64,
        direction: Direction,
        /// Tenths of a point off per unit short of the target.
        deduct: Tenths,
        floor: Option<f64>,
        /// The value's unit as shown (`%`, `L/人·日`).
        unit: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetGroup {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetItem {
    /// Stable within the sheet's versions (an audit's entries name it).
    pub id: String,
    pub group: String,
    pub requirement_zh: String,
    pub requirement_en: String,
    pub max: Tenths,
    pub scoring: Scoring,
    pub may_be_na: bool,
    /// Photos the item needs before the audit can be submitted.
    pub photos: u8,
}

/// One version of the sheet for a kind of site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub kind: SiteKind,
    pub version: u32,
    pub effective_from: Day,
    /// Where the items and weights come from (a city's document, a year).
    pub source: String,
    /// Of 100 (normalised), in tenths: `900` passes at 90.
    pub pass_mark: Tenths,
    pub groups: Vec<SheetGroup>,
    pub items: Vec<SheetItem>,
}

/// What the auditor recorded for one item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Points given (a `Points` item), in tenths.
    Score(Tenths),
    /// The measured value (a `Measured` item).
    Value(f64),
    /// Met or not (a `PassFail` item).
    Passed(bool),
    NotApplicable,
}

/// Why an answer cannot be taken, by the item it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    UnknownItem(String),
    AboveMax {
        item: String,
        max: Tenths,
    },
    NotApplicableRefused(String),
    /// The answer is of another type than the item's scoring (a value for a pass/fail item).
    WrongType(String),
    /// A value that is not a finite number, or below zero.
    BadValue(String),
    /// The same item answered twice.
    Duplicate(String),
}

/// One item's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemScore {
    /// `None`: not applicable (out of both the score and the maximum).
    pub points: Option<Tenths>,
    pub max: Tenths,
}

/// An audit's score so far: what is answered counts; an unanswered item counts 0 of its maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetScore {
    pub total: Tenths,
    /// The maximum of the applicable items.
    pub applicable_max: Tenths,
    /// `total / applicable_max × 100`, for showing.
    pub normalised: f64,
    pub passed: bool,
    /// Items not answered yet, in sheet order.
    pub unanswered: Vec<String>,
}

/// The points a measured value earns.
pub fn measured_points(max: Tenths, value: f64, scoring: &Scoring) -> Tenths {
    let Scoring::Measured {
        target,
        direction,
        deduct,
        floor,
        ..
    } = scoring
    else {
        return 0;
    };
    let (short, past_floor) = match direction {
        Direction::AtLeast => (target - value, floor.is_some_and(|f| value < f)),
        Direction::AtMost => (value - target, floor.is_some_and(|f| value > f)),
    };
    if past_floor {
        return 0;
    }
    if short <= 0.0 {
        return max;
    }
    // Rounded to a tenth: a deduction never makes a score finer than the sheet's own unit.
    let off = (short * f64::from(*deduct)).round();
    if off >= f64::from(max) {
        0
    } else {
        max - off as Tenths
    }
}

impl ScoreSheet {
    pub fn item(&self, id: &str) -> Option<&SheetItem> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The sheet's full maximum (every item applicable), in tenths.
    pub fn max(&self) -> Tenths {
        self.items.iter().map(|i| i.max).sum()
    }

    /// One item's result for `answer`, or why the answer cannot be taken.
    pub fn item_score(&self, id: &str, answer: Answer) -> Result<ItemScore, AnswerError> {
        let item = self
            .item(id)
            .ok_or_else(|| AnswerError::UnknownItem(id.to_string()))?;
        let points = match (&item.scoring, answer) {
            (_, Answer::NotApplicable) if item.may_be_na => None,
            (_, Answer::NotApplicable) => {
                return Err(AnswerError::NotApplicableRefused(id.to_string()))
            }
            (Scoring::Points, Answer::Score(p)) if p <= item.max => Some(p),
            (Scoring::Points, Answer::Score(_)) => {
                return Err(AnswerError::AboveMax {
                    item: id.to_string(),
                    max: item.max,
                })
            }
            (Scoring::PassFail, Answer::Passed(ok)) => Some(if ok { item.max } else { 0 }),
            (s @ Scoring::Measured { .. }, Answer::Value(v)) if v.is_finite() && v >= 0.0 => {
                Some(measured_points(item.max, v, s))
            }
            (Scoring::Measured { .. }, Answer::Value(_)) => {
                return Err(AnswerError::BadValue(id.to_string()))
            }
            _ => return Err(AnswerError::WrongType(id.to_string())),
        };
        Ok(ItemScore {
            points,
            max: item.max,
        })
    }

    /// The audit's score from its answers (item id, answer); every answer is checked first.
    pub fn score(&self, answers: &[(String, Answer)]) -> Result<SheetScore, AnswerError> {
        let mut seen = std::collections::HashSet::new();
        let mut by_item = std::collections::HashMap::new();
        for (id, a) in answers {
            if !seen.insert(id.as_str()) {
                return Err(AnswerError::Duplicate(id.clone()));
            }
            by_item.insert(id.as_str(), self.item_score(id, *a)?);
        }
        let (mut total, mut applicable_max) = (0, 0);
        let mut unanswered = Vec::new();
        for item in &self.items {
            match by_item.get(item.id.as_str()) {
                Some(ItemScore { points: None, .. }) => {}
                Some(ItemScore {
                    points: Some(p), ..
                }) => {
                    total += p;
                    applicable_max += item.max;
                }
                None => {
                    applicable_max += item.max;
                    unanswered.push(item.id.clone());
                }
            }
        }
        Ok(SheetScore {
            total,
            applicable_max,
            normalised: if applicable_max == 0 {
                0.0
            } else {
                f64::from(total) * 100.0 / f64::from(applicable_max)
            },
            passed: passes(total, applicable_max, self.pass_mark),
            unanswered,
        })
    }
}

/// Why a sheet cannot be a version of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    NoItems,
    DuplicateItem(String),
    UnknownGroup(String),
    ZeroMax(String),
    /// A measured item whose target or floor is not a finite number.
    BadTarget(String),
    /// The pass mark is over 100.
    BadPassMark,
}

impl ScoreSheet {
    /// Whether the sheet holds together: items with unique ids in known groups, each worth
    /// something, measured items with real targets, a pass mark of at most 100.
    pub fn check(&self) -> Result<(), SheetError> {
        if self.items.is_empty() {
            return Err(SheetError::NoItems);
        }
        if self.pass_mark > 1000 {
            return Err(SheetError::BadPassMark);
        }
        let mut seen = std::collections::HashSet::new();
        for i in &self.items {
            if !seen.insert(i.id.as_str()) {
                return Err(SheetError::DuplicateItem(i.id.clone()));
            }
            if !self.groups.iter().any(|g| g.id == i.group) {
                return Err(SheetError::UnknownGroup(i.group.clone()));
            }
            if i.max == 0 {
                return Err(SheetError::ZeroMax(i.id.clone()));
            }
            if let Scoring::Measured { target, floor, .. } = &i.scoring {
                if !target.is_finite() || floor.is_some_and(|f| !f.is_finite()) {
                    return Err(SheetError::BadTarget(i.id.clone()));
                }
            }
        }
        Ok(())
    }

    /// The version in force on `day` among `sheets` (of one kind): the latest that began on or before it.
    pub fn in_force(sheets: &[ScoreSheet], day: Day) -> Option<&ScoreSheet> {
        sheets
            .iter()
            .filter(|s| s.effective_from <= day)
            .max_by_key(|s| (s.effective_from, s.version))
    }

    /// The first version of the sheet for `kind`, from the typical items of several cities' sheets
    /// (`../shared/domain.md` §5): basic management and quantitative indicators, 100 points, pass
    /// at 90. Shops and venues are spot-checked, not audited: `None`.
    pub fn seed(kind: SiteKind) -> Option<ScoreSheet> {
        let group = |id: &str, zh: &str, en: &str| SheetGroup {
            id: id.into(),
            name_zh: zh.into(),
            name_en: en.into(),
        };
        let it = |id: &str,
                  group: &str,
                  zh: &str,
                  en: &str,
                  points: Tenths,
                  scoring: Scoring,
                  na: bool| SheetItem {
            id: id.into(),
            group: group.into(),
            requirement_zh: zh.into(),
            requirement_en: en.into(),
            max: points * 10,
            scoring,
            may_be_na: na,
            photos: 1,
        };
        let at_least = |target: f64, per_point: Tenths, floor: Option<f64>| Scoring::Measured {
            target,
            direction: Direction::AtLeast,
            deduct: per_point,
            floor,
            unit: "%".into(),
        };
        let at_most =
            |target: f64, per_unit: Tenths, floor: Option<f64>, unit: &str| Scoring::Measured {
                target,
                direction: Direction::AtMost,
                deduct: per_unit,
                floor,
                unit: unit.into(),
            };
        let management = || {
            vec![
                it("rules", "manage", "有节水管理制度和责任人，有年度节水计划（责任人 5 分、制度 3 分、会议记录 2 分）",
                    "Water-saving rules and a responsible person, an annual plan (person 5, rules 3, meeting records 2)", 10, Scoring::Points, false),
                it("records", "manage", "用水原始记录齐全，按月抄表并分析", "Water-use records kept, meters read and analysed monthly", 5, Scoring::Points, false),
                it("patrol", "manage", "定期巡检管网和用水器具，有维修记录", "Pipes and fixtures patrolled, a repair log kept", 10, Scoring::Points, false),
                it("publicity", "manage", "开展节水宣传（宣传栏、活动、志愿者）", "Water-saving publicity (notice boards, activities, volunteers)", 10, Scoring::Points, false),
                it("drawing", "manage", "有最新的供水管网图", "An up-to-date drawing of the supply pipes", 5, Scoring::PassFail, false),
            ]
        };
        let groups = vec![
            group("manage", "基础管理", "Basic management"),
            group("meter", "计量", "Metering"),
            group("fixture", "节水器具", "Fixtures"),
            group("use", "用水水平", "Water use"),
            group("other", "非常规水与绿化", "Other water and greening"),
        ];
        let fixture_rate = |points| {
            it("fixture_rate", "fixture", "节水器具普及率 100 %（按类型清点；每低 1 个百分点扣 2 分，低于 95 % 不得分）",
            "Water-saving fixture rate 100 % (counted by type; 2 points off per point below, none below 95 %)", points, at_least(100.0, 20, Some(95.0)), false)
        };
        let leak_rate = |points| {
            it(
                "leak_rate",
                "fixture",
                "器具漏损率 ≤ 2 %（每高 1 个百分点扣 2 分）",
                "Fixture leak rate ≤ 2 % (2 points off per point above)",
                points,
                at_most(2.0, 20, None, "%"),
                false,
            )
        };
        let balance = |points, na| {
            it(
                "water_balance",
                "use",
                "开展水平衡测试",
                "A water-balance test done",
                points,
                Scoring::PassFail,
                na,
            )
        };
        let (items, title) = match kind {
            SiteKind::Community => {
                let mut v = management();
                v.extend([
                    it("household_meters", "meter", "一户一表、水表出户率 100 %（每低 1 个百分点扣 2 分，低于 95 % 不得分）",
                        "One meter per household, outside the flat: 100 % (2 points off per point below, none below 95 %)", 10, at_least(100.0, 20, Some(95.0)), false),
                    it("old_meters_plan", "meter", "老旧住宅水表改造：有计划 5 分，已开工再得 5 分", "Meters in older buildings: a plan 5, work begun 5 more", 10, Scoring::Points, true),
                    fixture_rate(10),
                    leak_rate(10),
                    it("per_capita", "use", "人均生活用水量低于 100 升/人·日（每高 1 升扣 0.5 分，高于 120 升不得分）",
                        "Domestic use below 100 L per person per day (0.5 off per litre above, none above 120)", 10, at_most(100.0, 5, Some(120.0), "L/人·日"), false),
                    it("greening", "other", "绿化采用节水灌溉", "Greening irrigated with water-saving methods", 5, Scoring::PassFail, true),
                    it("rainwater", "other", "利用雨水或再生水", "Rainwater or recycled water used", 5, Scoring::Points, true),
                ]);
                (v, "节水型居民小区")
            }
            SiteKind::Unit => {
                let mut v = management();
                v.extend([
                    it(
                        "meters_level1",
                        "meter",
                        "一级水表计量率 100 %（每低 1 个百分点扣 2 分）",
                        "Level-1 meter coverage 100 % (2 points off per point below)",
                        10,
                        at_least(100.0, 20, None),
                        false,
                    ),
                    it(
                        "meters_level2",
                        "meter",
                        "二级水表计量率 ≥ 95 %（每低 1 个百分点扣 2 分，低于 90 % 不得分）",
                        "Level-2 meter coverage ≥ 95 % (2 off per point below, none below 90 %)",
                        10,
                        at_least(95.0, 20, Some(90.0)),
                        false,
                    ),
                    fixture_rate(10),
                    leak_rate(10),
                    it(
                        "quota",
                        "use",
                        "用水量在定额（计划）之内",
                        "Water use within its quota",
                        10,
                        Scoring::PassFail,
                        false,
                    ),
                    balance(10, false),
                ]);
                (v, "节水型单位")
            }
            SiteKind::Enterprise => {
                let mut v = management();
                v.extend([
                    it(
                        "reuse_rate",
                        "use",
                        "水重复利用率达到行业标准（≥ 90 %，每低 1 个百分点扣 1 分）",
                        "Water reuse rate at the industry standard (≥ 90 %, 1 off per point below)",
                        15,
                        at_least(90.0, 10, None),
                        false,
                    ),
                    it(
                        "pipe_leakage",
                        "fixture",
                        "供水管网漏损率 ≤ 2 %（每高 1 个百分点扣 3 分）",
                        "Supply-network leakage ≤ 2 % (3 off per point above)",
                        15,
                        at_most(2.0, 30, None, "%"),
                        false,
                    ),
                    it(
                        "metering_rate",
                        "meter",
                        "用水计量率 ≥ 95 %（GB/T 7119，每低 1 个百分点扣 3 分）",
                        "Metering rate ≥ 95 % (GB/T 7119; 3 off per point below)",
                        15,
                        at_least(95.0, 30, None),
                        false,
                    ),
                    balance(15, false),
                ]);
                (v, "节水型企业")
            }
            SiteKind::PublicBuilding => {
                let mut v = management();
                v.extend([
                    fixture_rate(20),
                    leak_rate(20),
                    it("quota", "use", "用水量在定额（计划）之内", "Water use within its quota", 10, Scoring::PassFail, false),
                    it("greening", "other", "绿化采用节水灌溉，或利用雨水、再生水", "Greening irrigated with water-saving methods, or rain or recycled water used", 10, Scoring::Points, true),
                ]);
                (v, "公共建筑")
            }
            SiteKind::Venue | SiteKind::Shop => return None,
        };
        let used: Vec<&str> = items.iter().map(|i| i.group.as_str()).collect();
        Some(ScoreSheet {
            kind,
            version: 1,
            effective_from: Day::parse("2020-01-01")?,
            source: format!(
                "{title}评分表首版：按多市评分表的典型条目（基础管理约 60 分 + 定量指标约 40 分，合格线 90 分，包头、长治等）整理；山东省分值待管理员按省标准修订"
            ),
            pass_mark: 900,
            groups: groups.into_iter().filter(|g| used.contains(&g.id.as_str())).collect(),
            items,
        })
    }
}

/// Whether `total` of `max` reaches `mark` (of 100), all in tenths, exactly:
/// `total / max × 100 ≥ mark / 10` ⟺ `total × 1000 ≥ mark × max`.
pub fn passes(total: Tenths, max: Tenths, mark: Tenths) -> bool {
    max > 0 && u64::from(total) * 1000 >= u64::from(mark) * u64::from(max)
}

/// A public building's (or unit's) water-saving fixture rate from its counts per category:
/// water-saving over installed, or `None` when nothing was counted.
pub fn fixture_rate(counts: &[(u32, u32)]) -> Option<f64> {
    let (saving, installed) = counts.iter().fold((0u64, 0u64), |(s, i), (inst, ws)| {
        (s + u64::from(*ws), i + u64::from(*inst))
    });
    (installed > 0).then(|| saving as f64 / installed as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, max: Tenths, scoring: Scoring, may_be_na: bool) -> SheetItem {
        SheetItem {
            id: id.into(),
            group: "g".into(),
            requirement_zh: id.into(),
            requirement_en: id.into(),
            max,
            scoring,
            may_be_na,
            photos: 1,
        }
    }

    fn meters() -> Scoring {
        Scoring::Measured {
            target: 95.0,
            direction: Direction::AtLeast,
            deduct: 20,
            floor: Some(90.0),
            unit: "%".into(),
        }
    }

    fn leaks() -> Scoring {
        Scoring::Measured {
            target: 2.0,
            direction: Direction::AtMost,
            deduct: 20,
            floor: None,
            unit: "%".into(),
        }
    }

    fn sheet() -> ScoreSheet {
        ScoreSheet {
            kind: SiteKind::Unit,
            version: 1,
            effective_from: Day::parse("2026-01-01").expect("day"),
            source: "test".into(),
            pass_mark: 900,
            groups: vec![],
            items: vec![
                item("rules", 100, Scoring::Points, false),
                item("drawing", 50, Scoring::PassFail, true),
                item("meters", 100, meters(), false),
                item("leaks", 100, leaks(), true),
                item("reuse", 650, Scoring::Points, true),
            ],
        }
    }

    fn a(id: &str, answer: Answer) -> (String, Answer) {
        (id.to_string(), answer)
    }

    #[test]
    fn each_item_type_scores_as_its_sheet_says() {
        let s = sheet();
        assert_eq!(s.max(), 1000);
        assert_eq!(
            s.item_score("rules", Answer::Score(70)).map(|i| i.points),
            Ok(Some(70))
        );
        assert_eq!(
            s.item_score("drawing", Answer::Passed(true))
                .map(|i| i.points),
            Ok(Some(50))
        );
        assert_eq!(
            s.item_score("drawing", Answer::Passed(false))
                .map(|i| i.points),
            Ok(Some(0))
        );
        // Meter coverage ≥ 95 %: met, 2 points off per point below, none below the 90 % floor.
        for (value, points) in [(100.0, 100), (95.0, 100), (93.5, 70), (90.0, 0), (89.9, 0)] {
            assert_eq!(
                s.item_score("meters", Answer::Value(value))
                    .map(|i| i.points),
                Ok(Some(points)),
                "meters {value}"
            );
        }
        // Leak rate ≤ 2 %: 2 points off per point above, never below zero.
        for (value, points) in [(0.0, 100), (2.0, 100), (3.0, 80), (2.25, 95), (40.0, 0)] {
            assert_eq!(
                s.item_score("leaks", Answer::Value(value))
                    .map(|i| i.points),
                Ok(Some(points)),
                "leaks {value}"
            );
        }
    }

    #[test]
    fn answers_the_sheet_does_not_allow_are_refused_by_item() {
        let s = sheet();
        assert_eq!(
            s.item_score("nope", Answer::Score(1)),
            Err(AnswerError::UnknownItem("nope".into()))
        );
        assert_eq!(
            s.item_score("rules", Answer::Score(101)),
            Err(AnswerError::AboveMax {
                item: "rules".into(),
                max: 100
            })
        );
        assert_eq!(
            s.item_score("rules", Answer::NotApplicable),
            Err(AnswerError::NotApplicableRefused("rules".into()))
        );
        assert_eq!(
            s.item_score("drawing", Answer::Value(3.0)),
            Err(AnswerError::WrongType("drawing".into()))
        );
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            assert_eq!(
                s.item_score("meters", Answer::Value(bad)),
                Err(AnswerError::BadValue("meters".into()))
            );
        }
        assert_eq!(
            s.score(&[a("rules", Answer::Score(1)), a("rules", Answer::Score(2))]),
            Err(AnswerError::Duplicate("rules".into()))
        );
    }

    #[test]
    fn not_applicable_items_leave_the_score_and_the_maximum() {
        let s = sheet();
        let r = s
            .score(&[
                a("rules", Answer::Score(100)),
                a("drawing", Answer::NotApplicable),
                a("meters", Answer::Value(96.0)),
                a("leaks", Answer::NotApplicable),
                a("reuse", Answer::Score(600)),
            ])
            .expect("scored");
        assert_eq!((r.total, r.applicable_max), (800, 850));
        assert!((r.normalised - 94.117_647).abs() < 1e-4);
        assert!(r.passed);
        assert!(r.unanswered.is_empty());
        // Unanswered items count 0 of their maximum until answered.
        let r = s.score(&[a("rules", Answer::Score(100))]).expect("scored");
        assert_eq!((r.total, r.applicable_max), (100, 1000));
        assert_eq!(r.unanswered, vec!["drawing", "meters", "leaks", "reuse"]);
        assert!(!r.passed);
    }

    #[test]
    fn the_pass_mark_is_decided_exactly_at_its_edge() {
        // 89.9 of 100 fails a mark of 90; 90.0 passes.
        assert!(!passes(899, 1000, 900));
        assert!(passes(900, 1000, 900));
        // Normalised over what applies: 76.5 of 85 is exactly 90.
        assert!(passes(765, 850, 900));
        assert!(!passes(764, 850, 900));
        assert!(!passes(0, 0, 900), "nothing applicable passes nothing");
        let s = sheet();
        let all = |reuse| {
            s.score(&[
                a("rules", Answer::Score(100)),
                a("drawing", Answer::Passed(true)),
                a("meters", Answer::Value(95.0)),
                a("leaks", Answer::Value(2.0)),
                a("reuse", Answer::Score(reuse)),
            ])
            .expect("scored")
        };
        assert!(!all(549).passed);
        assert!(all(550).passed);
    }

    #[test]
    fn the_fixture_rate_is_water_saving_over_installed() {
        assert_eq!(fixture_rate(&[]), None);
        assert_eq!(fixture_rate(&[(0, 0)]), None);
        assert_eq!(fixture_rate(&[(10, 10), (30, 20)]), Some(0.75));
        assert_eq!(fixture_rate(&[(4, 4)]), Some(1.0));
    }

    #[test]
    fn every_audited_kind_has_a_first_sheet_of_100_points_passing_at_90() {
        for kind in [
            SiteKind::Community,
            SiteKind::Unit,
            SiteKind::Enterprise,
            SiteKind::PublicBuilding,
        ] {
            let s = ScoreSheet::seed(kind).expect("a sheet");
            assert_eq!(s.check(), Ok(()), "{kind:?}");
            assert_eq!(s.max(), 1000, "{kind:?} totals 100 points");
            assert_eq!(s.pass_mark, 900);
            assert!(s.items.iter().all(|i| i.photos >= 1), "evidence per item");
            assert!(s
                .groups
                .iter()
                .all(|g| s.items.iter().any(|i| i.group == g.id)));
        }
        assert_eq!(ScoreSheet::seed(SiteKind::Shop), None);
        assert_eq!(ScoreSheet::seed(SiteKind::Venue), None);
        // Community: one meter per household, 98 %: 4 points off.
        let c = ScoreSheet::seed(SiteKind::Community).expect("sheet");
        assert_eq!(
            c.item_score("household_meters", Answer::Value(98.0))
                .map(|i| i.points),
            Ok(Some(60))
        );
        // 110 L per person per day: 5 points off; above 120: none.
        assert_eq!(
            c.item_score("per_capita", Answer::Value(110.0))
                .map(|i| i.points),
            Ok(Some(50))
        );
        assert_eq!(
            c.item_score("per_capita", Answer::Value(121.0))
                .map(|i| i.points),
            Ok(Some(0))
        );
    }

    #[test]
    fn a_sheet_that_does_not_hold_together_is_refused() {
        let mut s = sheet();
        s.groups = vec![SheetGroup {
            id: "g".into(),
            name_zh: "组".into(),
            name_en: "g".into(),
        }];
        assert_eq!(s.check(), Ok(()));
        let mut dup = s.clone();
        dup.items.push(dup.items[0].clone());
        assert_eq!(dup.check(), Err(SheetError::DuplicateItem("rules".into())));
        let mut lost = s.clone();
        lost.items[1].group = "nowhere".into();
        assert_eq!(
            lost.check(),
            Err(SheetError::UnknownGroup("nowhere".into()))
        );
        let mut zero = s.clone();
        zero.items[0].max = 0;
        assert_eq!(zero.check(), Err(SheetError::ZeroMax("rules".into())));
        let mut mark = s.clone();
        mark.pass_mark = 1001;
        assert_eq!(mark.check(), Err(SheetError::BadPassMark));
        let mut nan = s.clone();
        nan.items[2].scoring = Scoring::Measured {
            target: f64::NAN,
            direction: Direction::AtLeast,
            deduct: 1,
            floor: None,
            unit: "%".into(),
        };
        assert_eq!(nan.check(), Err(SheetError::BadTarget("meters".into())));
        let mut empty = s;
        empty.items.clear();
        assert_eq!(empty.check(), Err(SheetError::NoItems));
    }

    #[test]
    fn the_version_in_force_is_the_latest_begun() {
        let v1 = sheet();
        let mut v2 = sheet();
        v2.version = 2;
        v2.effective_from = Day::parse("2027-01-01").expect("day");
        let sheets = vec![v1, v2];
        let day = |d| Day::parse(d).expect("day");
        assert_eq!(ScoreSheet::in_force(&sheets, day("2025-12-31")), None);
        assert_eq!(
            ScoreSheet::in_force(&sheets, day("2026-06-01")).map(|s| s.version),
            Some(1)
        );
        assert_eq!(
            ScoreSheet::in_force(&sheets, day("2027-01-01")).map(|s| s.version),
            Some(2)
        );
    }

    #[test]
    fn a_sheet_travels_as_json_and_back() {
        let s = sheet();
        let json = serde_json::to_string(&s).expect("json");
        assert!(json.contains(r#""type":"measured""#));
        let back: ScoreSheet = serde_json::from_str(&json).expect("back");
        assert_eq!(back, s);
    }
}
