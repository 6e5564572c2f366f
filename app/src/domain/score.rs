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

/// An administrator's form for a new sheet version, by field name: `effective_from`, `source`,
/// `pass_mark`; per item `{id}.requirement_zh`, `.requirement_en`, `.max`, `.photos`, `.may_be_na`,
/// `.remove`, and for a measured item `.target`, `.deduct`, `.floor`; a new item `new.id`,
/// `new.group`, `new.type` (`points` | `pass_fail`), `new.requirement_zh`, `new.requirement_en`,
/// `new.max`, `new.photos`. A field left out keeps the base version's value.
pub type SheetForm = std::collections::HashMap<String, String>;

/// Item ids the audit's own photos use (the facts, the fixture counts): no item may take them.
pub const RESERVED_IDS: [&str; 2] = ["facts", "fixtures"];

fn sheet_err(
    field: impl Into<String>,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> crate::domain::market::FieldError {
    crate::domain::market::field_error(field, zh, en)
}

/// Points typed as a number with at most one decimal (`7.5`), in tenths.
fn tenths_of(v: &str, field: &str, max: f64) -> Result<Tenths, crate::domain::market::FieldError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| {
            x.is_finite() && *x >= 0.0 && *x <= max && ((x * 10.0).round() - x * 10.0).abs() < 1e-6
        })
        .map(|x| (x * 10.0).round() as Tenths)
        .ok_or_else(|| {
            sheet_err(
                field,
                format!("应为 0 到 {max} 的数，最多一位小数。"),
                format!("A number from 0 to {max}, at most one decimal."),
            )
        })
}

impl ScoreSheet {
    /// The next version from `base` and an administrator's form, checked whole (`check`) before
    /// it is offered; refused by the form's field. It takes effect on `today` at the earliest.
    pub fn from_form(
        base: &ScoreSheet,
        form: &SheetForm,
        version: u32,
        today: Day,
    ) -> Result<ScoreSheet, crate::domain::market::FieldError> {
        let get = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let effective_from = match get("effective_from") {
            Some(v) => Day::parse(v).ok_or_else(|| {
                sheet_err(
                    "effective_from",
                    "日期应为 YYYY-MM-DD。",
                    "A date is YYYY-MM-DD.",
                )
            })?,
            None => today,
        };
        if effective_from < today {
            return Err(sheet_err(
                "effective_from",
                format!("新版本最早从今天（{today}）起生效。"),
                format!("A new version takes effect today ({today}) at the earliest."),
            ));
        }
        let source = get("source").unwrap_or("").to_string();
        if source.is_empty() || source.chars().count() > 500 {
            return Err(sheet_err(
                "source",
                "请写明依据（文件或年份），最多 500 字。",
                "Name the source (a document, a year), at most 500 characters.",
            ));
        }
        let pass_mark = match get("pass_mark") {
            Some(v) => tenths_of(v, "pass_mark", 100.0)?,
            None => base.pass_mark,
        };
        let text = |k: String, base: &str| -> Result<String, crate::domain::market::FieldError> {
            match form.get(&k).map(|v| v.trim()) {
                None => Ok(base.to_string()),
                Some("") => Err(sheet_err(k, "请填写评分要求。", "Write the requirement.")),
                Some(v) if v.chars().count() > 500 => {
                    Err(sheet_err(k, "最多 500 字。", "At most 500 characters."))
                }
                Some(v) => Ok(v.to_string()),
            }
        };
        let photos_of =
            |k: String, base: u8| -> Result<u8, crate::domain::market::FieldError> {
                match form.get(&k).map(|v| v.trim()) {
                    None => Ok(base),
                    Some(v) => v.parse::<u8>().ok().filter(|n| *n <= 10).ok_or_else(|| {
                        sheet_err(k, "照片数应为 0 到 10。", "Photos needed: 0 to 10.")
                    }),
                }
            };
        let checked = |k: String| form.get(&k).is_some_and(|v| v == "on" || v == "true");
        let mut items = Vec::new();
        for it in &base.items {
            let k = |f: &str| format!("{}.{f}", it.id);
            if checked(k("remove")) {
                continue;
            }
            let max = match form.get(&k("max")) {
                Some(v) => tenths_of(v, &k("max"), 100.0)?,
                None => it.max,
            };
            let scoring = match &it.scoring {
                Scoring::Measured {
                    target,
                    direction,
                    deduct,
                    floor,
                    unit,
                } => {
                    let number =
                        |f: &str, base: f64| -> Result<f64, crate::domain::market::FieldError> {
                            match form.get(&k(f)).map(|v| v.trim()) {
                                None => Ok(base),
                                Some(v) => v
                                    .parse::<f64>()
                                    .ok()
                                    .filter(|x| x.is_finite() && *x >= 0.0)
                                    .ok_or_else(|| {
                                        sheet_err(
                                            k(f),
                                            "应为不小于 0 的数字。",
                                            "A number, 0 or more.",
                                        )
                                    }),
                            }
                        };
                    Scoring::Measured {
                        target: number("target", *target)?,
                        direction: *direction,
                        deduct: match form.get(&k("deduct")) {
                            Some(v) => tenths_of(v, &k("deduct"), 100.0)?,
                            None => *deduct,
                        },
                        floor: match form.get(&k("floor")).map(|v| v.trim()) {
                            None => *floor,
                            Some("") => None,
                            Some(_) => Some(number("floor", 0.0)?),
                        },
                        unit: unit.clone(),
                    }
                }
                other => other.clone(),
            };
            items.push(SheetItem {
                id: it.id.clone(),
                group: it.group.clone(),
                requirement_zh: text(k("requirement_zh"), &it.requirement_zh)?,
                requirement_en: text(k("requirement_en"), &it.requirement_en)?,
                max,
                scoring,
                // A form sends a checkbox only when it is ticked: with the form's other fields of
                // the item present, an absent box means "no".
                may_be_na: if form.contains_key(&k("max")) {
                    checked(k("may_be_na"))
                } else {
                    it.may_be_na
                },
                photos: photos_of(k("photos"), it.photos)?,
            });
        }
        if let Some(id) = get("new.id") {
            let ok_id = id.len() <= 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !RESERVED_IDS.contains(&id);
            if !ok_id || base.item(id).is_some() {
                return Err(sheet_err(
                    "new.id",
                    "新评分项编号应为小写字母、数字或下划线，且不与已有项重复。",
                    "A new item's id is lower-case letters, digits or underscores, not one already used.",
                ));
            }
            let group = get("new.group").unwrap_or("");
            if !base.groups.iter().any(|g| g.id == group) {
                return Err(sheet_err("new.group", "请选择分组。", "Choose a group."));
            }
            let scoring = match get("new.type") {
                Some("pass_fail") => Scoring::PassFail,
                Some("points") | None => Scoring::Points,
                Some(_) => {
                    return Err(sheet_err(
                        "new.type",
                        "评分方式应为打分或达标与否。",
                        "Scored by points or pass/fail.",
                    ))
                }
            };
            items.push(SheetItem {
                id: id.to_string(),
                group: group.to_string(),
                requirement_zh: text("new.requirement_zh".into(), "")?,
                requirement_en: text("new.requirement_en".into(), "")?,
                max: tenths_of(get("new.max").unwrap_or(""), "new.max", 100.0)?,
                scoring,
                may_be_na: checked("new.may_be_na".into()),
                photos: photos_of("new.photos".into(), 0)?,
            });
        }
        let next = ScoreSheet {
            kind: base.kind,
            version,
            effective_from,
            source,
            pass_mark,
            groups: base.groups.clone(),
            items,
        };
        next.check().map_err(|e| match e {
            SheetError::NoItems => sheet_err(
                "items",
                "评分表至少要有一项。",
                "A sheet needs at least one item.",
            ),
            SheetError::ZeroMax(id) => sheet_err(
                format!("{id}.max"),
                "每项至少 0.1 分。",
                "Each item is worth at least 0.1 points.",
            ),
            SheetError::BadPassMark => sheet_err(
                "pass_mark",
                "合格线最多 100。",
                "The pass mark is at most 100.",
            ),
            SheetError::BadTarget(id) => sheet_err(
                format!("{id}.target"),
                "目标应为数字。",
                "The target is a number.",
            ),
            SheetError::DuplicateItem(id)
            | SheetError::UnknownGroup(id)
            | SheetError::ReservedItem(id) => sheet_err(
                "new.id",
                format!("评分项“{id}”无效。"),
                format!("The item “{id}” is not valid."),
            ),
        })?;
        Ok(next)
    }
}

/// The first sheets' items that need a photo before an audit is submitted (the others may carry
/// photos; the fixture counts carry their own).
const EVIDENCE_ITEMS: [&str; 5] = [
    "publicity",
    "household_meters",
    "meters_level1",
    "meters_level2",
    "metering_rate",
];

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
    /// An item id the audit's own photos use (`facts`, `fixtures`).
    ReservedItem(String),
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
            if RESERVED_IDS.contains(&i.id.as_str()) {
                return Err(SheetError::ReservedItem(i.id.clone()));
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
            // What an assessor asks to see: the notice board, the meters.
            photos: u8::from(EVIDENCE_ITEMS.contains(&id)),
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
    fn a_new_version_from_the_form_changes_what_was_typed_and_keeps_the_rest() {
        let base = ScoreSheet::seed(SiteKind::Community).expect("sheet");
        let today = Day::parse("2026-12-06").expect("day");
        let form = |pairs: &[(&str, &str)]| -> SheetForm {
            let mut f: SheetForm = [("source", "聊城市节水办 2027 年评分表")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            f.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            f
        };
        let next = ScoreSheet::from_form(
            &base,
            &form(&[
                ("pass_mark", "85"),
                ("rules.max", "15"),
                ("rules.photos", "2"),
                ("household_meters.floor", "90"),
                ("drawing.remove", "on"),
                ("new.id", "leak_repair"),
                ("new.group", "fixture"),
                ("new.type", "pass_fail"),
                ("new.requirement_zh", "漏水 24 小时内修复"),
                ("new.requirement_en", "Leaks repaired within 24 hours"),
                ("new.max", "5"),
            ]),
            2,
            today,
        )
        .expect("a version");
        assert_eq!(next.version, 2);
        assert_eq!(next.effective_from, today);
        assert_eq!(next.pass_mark, 850);
        assert_eq!(
            next.item("rules").map(|i| (i.max, i.photos)),
            Some((150, 2))
        );
        assert!(next.item("drawing").is_none());
        let new = next.item("leak_repair").expect("new item");
        assert_eq!((new.max, &new.scoring), (50, &Scoring::PassFail));
        match &next.item("household_meters").expect("meters").scoring {
            Scoring::Measured { floor, target, .. } => {
                assert_eq!((*floor, *target), (Some(90.0), 100.0))
            }
            other => panic!("{other:?}"),
        }
        // Untouched items are the base's.
        assert_eq!(next.item("patrol"), base.item("patrol"));
        // Refusals by field.
        let refused = |pairs: &[(&str, &str)]| {
            ScoreSheet::from_form(&base, &form(pairs), 2, today)
                .expect_err("refused")
                .field
        };
        assert_eq!(
            refused(&[("effective_from", "2026-12-05")]),
            "effective_from"
        );
        assert_eq!(refused(&[("pass_mark", "101")]), "pass_mark");
        assert_eq!(refused(&[("rules.max", "0")]), "rules.max");
        assert_eq!(refused(&[("rules.max", "7.55")]), "rules.max");
        assert_eq!(
            refused(&[("rules.requirement_zh", " ")]),
            "rules.requirement_zh"
        );
        assert_eq!(
            refused(&[
                ("new.id", "facts"),
                ("new.group", "manage"),
                ("new.max", "1")
            ]),
            "new.id"
        );
        assert_eq!(refused(&[("new.id", "rules")]), "new.id");
        assert_eq!(
            refused(&[("new.id", "x1"), ("new.group", "nope")]),
            "new.group"
        );
        let mut no_source = form(&[]);
        no_source.remove("source");
        assert_eq!(
            ScoreSheet::from_form(&base, &no_source, 2, today).map_err(|e| e.field),
            Err("source".into())
        );
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
            // The notice board (and, where the sheet meters, a meter) is shown in a photo.
            assert!(s.item("publicity").is_some_and(|i| i.photos == 1));
            let metered = s.items.iter().any(|i| i.group == "meter");
            assert!(
                !metered || s.items.iter().any(|i| i.group == "meter" && i.photos == 1),
                "{kind:?}"
            );
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
