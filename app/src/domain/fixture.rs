//! Whether a fixture on sale is water-saving: the verdict for one product line of a market spot check,
//! from what the inspector reads off the China Water Efficiency Label, judged by one version of the
//! administered rules. The same function runs on the phone (instantly, offline) and on the server
//! (which always recomputes and records the rules version it used).
//!
//! Every number here is data ([`RuleSet`]); [`RuleSet::seed`] is only the first version, taken from
//! the standards listed in `shared/domain.md` §3, for an administrator to revise.

// Days are written `2025_01_01` (year, month, day), not grouped by thousands.
#![allow(clippy::inconsistent_digit_grouping)]

use serde::{Deserialize, Serialize};

/// A calendar day as `YYYYMMDD` (ordered like the dates it stands for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day(pub u32);

impl Day {
    /// `YYYY-MM-DD`, a real day of the Gregorian calendar.
    pub fn parse(s: &str) -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (y >= 1900 && (1..=days).contains(&d)).then_some(Day(y * 10_000 + m * 100 + d))
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        write!(f, "{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100)
    }
}

/// One labelled figure of a category: its unit and which way is better.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// As printed: "L/次", "L/s", "%", "L".
    pub unit: String,
    pub name_zh: String,
    pub name_en: String,
    /// Volumes and flows: lower is better. A purifier's recovery rate: higher is better.
    pub lower_is_better: bool,
}

/// When a category must carry the label, and until when old stock without one may still be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelDuty {
    pub mandatory_from: Day,
    pub old_stock_until: Option<Day>,
}

/// The rules of one fixture category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryRule {
    /// Stable slug, as the JSON contract names it (`toilet`, `faucet`, ...).
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    /// The standard its thresholds come from.
    pub standard: String,
    /// How many grades its label has (3, or 5 for dishwashers).
    pub grades: u8,
    /// Grades 1..=this are water-saving.
    pub saving_up_to: u8,
    pub figure: Option<Figure>,
    /// A second figure that must also meet the grade (a purifier's rated total volume).
    pub figure2: Option<Figure>,
    /// Per grade, from grade 1: the limit of the figure (and of the second figure) to reach that
    /// grade. Empty when the values are not known: the grade on the label is then all there is.
    pub thresholds: Vec<(f64, Option<f64>)>,
    /// `None`: in no label catalogue, so no duty to carry one.
    pub label: Option<LabelDuty>,
    /// A figure worse than this makes the product a phased-out type (a toilet over 9 L a flush).
    pub phase_out_beyond: Option<f64>,
}

/// One version of the rules, in force from `effective_from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub version: u32,
    pub effective_from: Day,
    /// Where the rules come from: a standard's number, a document.
    pub source: String,
    pub categories: Vec<CategoryRule>,
    /// The evidence rules that are rules too (versions written before they were held here read
    /// as the first version's).
    #[serde(default)]
    pub evidence: EvidenceRules,
}

/// How photo evidence is read: which software names mean the photo went through an editor, and
/// the UTC offset assumed for an EXIF time written without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRules {
    /// Matched case-insensitively anywhere in the EXIF `Software` name. Camera firmware versions
    /// ("HDR+ 1.0", "14.2.1") are not editors.
    pub editing_apps: Vec<String>,
    /// Minutes east of UTC (China: 480).
    pub exif_offset_minutes: i32,
}

impl Default for EvidenceRules {
    fn default() -> Self {
        EvidenceRules {
            editing_apps: [
                "photoshop",
                "lightroom",
                "gimp",
                "snapseed",
                "美图",
                "meitu",
                "picsart",
                "pixlr",
                "affinity",
                "acdsee",
                "paint.net",
                "facetune",
                "vsco",
                "醒图",
                "photoscape",
                "darktable",
                "capture one",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            exif_offset_minutes: 8 * 60,
        }
    }
}

impl EvidenceRules {
    pub fn is_editor(&self, software: &str) -> bool {
        let s = software.to_lowercase();
        self.editing_apps
            .iter()
            .any(|e| !e.is_empty() && s.contains(&e.to_lowercase()))
    }

    /// `+08:00` for 480.
    pub fn offset_text(&self) -> String {
        let m = self.exif_offset_minutes;
        let sign = if m < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
    }

    /// `+08:00`, `-05:30`, `+8`: minutes east of UTC, within ±14 h.
    pub fn parse_offset(s: &str) -> Option<i32> {
        let s = s.trim();
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' => (1, &s[1..]),
            b'-' => (-1, &s[1..]),
            _ => return None,
        };
        let (h, m) = match rest.split_once(':') {
            Some((h, m)) if m.len() == 2 => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
            None if !rest.is_empty() && rest.len() <= 2 => (rest.parse::<i32>().ok()?, 0),
            _ => return None,
        };
        (h <= 14 && m < 60 && (h < 14 || m == 0)).then_some(sign * (h * 60 + m))
    }
}

/// What the inspector read off one product line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineFacts {
    pub category: String,
    pub label_present: bool,
    pub grade: Option<u8>,
    pub figure: Option<f64>,
    pub figure2: Option<f64>,
    pub phased_out: bool,
    pub date: Day,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    WaterSaving,
    NotWaterSaving,
    LabelViolation,
    PhasedOutViolation,
    NeedsReview,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::WaterSaving => "water_saving",
            Verdict::NotWaterSaving => "not_water_saving",
            Verdict::LabelViolation => "label_violation",
            Verdict::PhasedOutViolation => "phased_out_violation",
            Verdict::NeedsReview => "needs_review",
        }
    }

    pub const ALL: [Verdict; 5] = [
        Verdict::WaterSaving,
        Verdict::NotWaterSaving,
        Verdict::LabelViolation,
        Verdict::PhasedOutViolation,
        Verdict::NeedsReview,
    ];

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why, in plain words, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub verdict: Verdict,
    pub reason: Reason,
    pub rules_version: u32,
}

/// A fact that cannot be judged: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadFact {
    pub field: &'static str,
    pub reason: Reason,
}

fn r(zh: String, en: String) -> Reason {
    Reason { zh, en }
}

fn bad(field: &'static str, zh: &str, en: &str) -> BadFact {
    BadFact {
        field,
        reason: r(zh.into(), en.into()),
    }
}

/// A number as a label prints it: no trailing zeros (the reasons, and the visit page's fields).
pub fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl CategoryRule {
    /// Whether `value` (and `value2`) reach grade `g` (1-based).
    fn reaches(&self, g: u8, value: f64, value2: Option<f64>) -> Option<bool> {
        let (t, t2) = *self.thresholds.get(usize::from(g).checked_sub(1)?)?;
        let better = |lower: bool, v: f64, t: f64| if lower { v <= t } else { v >= t };
        let one = better(self.figure.as_ref()?.lower_is_better, value, t);
        let two = match (t2, &self.figure2) {
            (Some(t2), Some(f2)) => better(f2.lower_is_better, value2?, t2),
            _ => true,
        };
        Some(one && two)
    }

    /// The best grade the figures reach; `Some(None)` when they reach none (worse than the
    /// market-entry limit); `None` when they cannot be judged (no thresholds, or a figure missing).
    fn grade_of(&self, value: Option<f64>, value2: Option<f64>) -> Option<Option<u8>> {
        let value = value?;
        if self.thresholds.is_empty() || (self.figure2.is_some() && value2.is_none()) {
            return None;
        }
        for g in 1..=self.grades {
            match self.reaches(g, value, value2) {
                Some(true) => return Some(Some(g)),
                Some(false) => {}
                None => return None,
            }
        }
        Some(None)
    }

    fn figures_text(&self, value: f64, value2: Option<f64>) -> (String, String) {
        let unit = self.figure.as_ref().map(|f| f.unit.as_str()).unwrap_or("");
        let mut zh = format!("{} {unit}", num(value));
        let mut en = zh.clone();
        if let (Some(v2), Some(f2)) = (value2, &self.figure2) {
            zh.push_str(&format!("、{} {}", num(v2), f2.unit));
            en.push_str(&format!(" and {} {}", num(v2), f2.unit));
        }
        (zh, en)
    }
}

impl RuleSet {
    pub fn category(&self, slug: &str) -> Option<&CategoryRule> {
        self.categories.iter().find(|c| c.slug == slug)
    }

    /// The version in force on `day` among several: the latest that has started.
    pub fn in_force(sets: &[RuleSet], day: Day) -> Option<&RuleSet> {
        sets.iter()
            .filter(|s| s.effective_from <= day)
            .max_by_key(|s| (s.effective_from, s.version))
    }

    /// Checks the facts against this version's categories before judging them.
    pub fn check(&self, f: &LineFacts) -> Result<&CategoryRule, BadFact> {
        let c = self
            .category(&f.category)
            .ok_or_else(|| bad("category", "未知的器具类别。", "Unknown fixture category."))?;
        if let Some(g) = f.grade {
            if g == 0 || g > c.grades {
                return Err(BadFact {
                    field: "grade",
                    reason: r(
                        format!("{}的水效标识只有 1–{} 级。", c.name_zh, c.grades),
                        format!("A {} label has grades 1 to {}.", c.name_en, c.grades),
                    ),
                });
            }
        }
        for (field, v) in [("figure", f.figure), ("figure2", f.figure2)] {
            if v.is_some_and(|v| !(0.0..=1e6).contains(&v)) {
                return Err(bad(
                    field,
                    "标识上的数值应为不小于 0 的数字。",
                    "A labelled figure is a number, 0 or more.",
                ));
            }
        }
        Ok(c)
    }

    /// The verdict on one product line. Order of the rules: a phased-out type is a violation
    /// whatever its label says; then the label duty (with the old-stock grace); then the grade and
    /// the figures, which must agree.
    pub fn judge(&self, f: &LineFacts) -> Result<Judgement, BadFact> {
        let c = self.check(f)?;
        let done = |verdict, zh: String, en: String| {
            Ok(Judgement {
                verdict,
                reason: r(zh, en),
                rules_version: self.version,
            })
        };
        if f.phased_out {
            return done(
                Verdict::PhasedOutViolation,
                format!("{}属国家明令淘汰的类型，不得销售。", c.name_zh),
                format!(
                    "This {} is of a type officially phased out: it must not be on sale.",
                    c.name_en
                ),
            );
        }
        if let (Some(limit), Some(v), Some(fig)) = (c.phase_out_beyond, f.figure, &c.figure) {
            let worse = if fig.lower_is_better {
                v > limit
            } else {
                v < limit
            };
            if worse {
                return done(
                    Verdict::PhasedOutViolation,
                    format!(
                        "{} {} 超过 {} {}，属淘汰产品，不得销售。",
                        num(v),
                        fig.unit,
                        num(limit),
                        fig.unit
                    ),
                    format!(
                        "{} {} is beyond {} {}: a phased-out product that must not be on sale.",
                        num(v),
                        fig.unit,
                        num(limit),
                        fig.unit
                    ),
                );
            }
        }
        // Without a label, a catalogued product cannot be shown to be water-saving: a violation once
        // the label is mandatory and any old-stock grace is over.
        let mut grace_note: Option<(String, String)> = None;
        if !f.label_present {
            if let Some(duty) = c.label {
                if f.date >= duty.mandatory_from {
                    let within_grace = duty.old_stock_until.is_some_and(|u| f.date < u);
                    let (zh, en) = match duty.old_stock_until {
                        Some(u) => (
                            format!(
                                "{}自 {} 起须加贴水效标识；无标识的库存只可销售至 {}。",
                                c.name_zh, duty.mandatory_from, u
                            ),
                            format!(
                                "{}s must carry the label since {}; old stock only until {}.",
                                c.name_en, duty.mandatory_from, u
                            ),
                        ),
                        None => (
                            format!("{}自 {} 起须加贴水效标识。", c.name_zh, duty.mandatory_from),
                            format!(
                                "{}s must carry the label since {}.",
                                c.name_en, duty.mandatory_from
                            ),
                        ),
                    };
                    if !within_grace {
                        return done(Verdict::LabelViolation, zh, en);
                    }
                    grace_note = Some((zh, en));
                }
            }
        }
        let grade = if f.label_present { f.grade } else { None };
        let by_figure = c.grade_of(f.figure, f.figure2);
        let with_grace = |zh: String, en: String| match &grace_note {
            Some((gz, ge)) => (format!("{gz}{zh}"), format!("{ge} {en}")),
            None => (zh, en),
        };
        match (grade, by_figure) {
            (Some(g), Some(fg)) if fg != Some(g) => {
                let (fz, fe) = c.figures_text(f.figure.unwrap_or_default(), f.figure2);
                let (zh, en) = match fg {
                    Some(fg) => (
                        format!("标识为 {g} 级，但 {fz} 对应 {fg} 级：请核对标识。"),
                        format!("The label shows grade {g}, but {fe} is grade {fg}: check the label."),
                    ),
                    None => (
                        format!("标识为 {g} 级，但 {fz} 未达到水效限定值：请核对标识。"),
                        format!(
                            "The label shows grade {g}, but {fe} does not meet the market-entry limit: check the label."
                        ),
                    ),
                };
                done(Verdict::NeedsReview, zh, en)
            }
            (Some(g), _) => {
                let (zh, en) = if g <= c.saving_up_to {
                    (
                        format!("{g} 级达到节水评价值，属节水型。"),
                        format!("Grade {g} meets the water-saving value: water-saving."),
                    )
                } else if g == c.grades {
                    (
                        format!("{g} 级是水效限定值（市场准入），不属节水型。"),
                        format!("Grade {g} is the market-entry limit, not water-saving."),
                    )
                } else {
                    (
                        format!("{g} 级未达到节水评价值（1–{} 级），不属节水型。", c.saving_up_to),
                        format!(
                            "Grade {g} is short of the water-saving grades (1 to {}): not water-saving.",
                            c.saving_up_to
                        ),
                    )
                };
                let verdict = if g <= c.saving_up_to {
                    Verdict::WaterSaving
                } else {
                    Verdict::NotWaterSaving
                };
                done(verdict, zh, en)
            }
            (None, Some(fg)) => {
                let (fz, fe) = c.figures_text(f.figure.unwrap_or_default(), f.figure2);
                let (zh, en) = match fg {
                    Some(fg) if fg <= c.saving_up_to => (
                        format!("{fz} 达到 {fg} 级，属节水型。"),
                        format!("{fe} reaches grade {fg}: water-saving."),
                    ),
                    Some(fg) => (
                        format!("{fz} 只达到 {fg} 级，不属节水型。"),
                        format!("{fe} reaches only grade {fg}: not water-saving."),
                    ),
                    None => (
                        format!("{fz} 未达到水效限定值，不属节水型。"),
                        format!("{fe} does not meet the market-entry limit: not water-saving."),
                    ),
                };
                let (zh, en) = with_grace(zh, en);
                let verdict = match fg {
                    Some(fg) if fg <= c.saving_up_to => Verdict::WaterSaving,
                    _ => Verdict::NotWaterSaving,
                };
                done(verdict, zh, en)
            }
            (None, None) => {
                let (zh, en) = with_grace(
                    "既没有等级，也没有可核对的标识数值：无法判定，请审核。".into(),
                    "Neither a grade nor a figure that can be checked: needs review.".into(),
                );
                done(Verdict::NeedsReview, zh, en)
            }
        }
    }

    /// The first version, from the standards in force when the product was built (domain.md §3).
    /// Values marked unconfirmed there are here too, for an administrator to confirm or correct.
    pub fn seed() -> RuleSet {
        let litres_per_flush = || Figure {
            unit: "L/次".into(),
            name_zh: "用水量".into(),
            name_en: "water per flush".into(),
            lower_is_better: true,
        };
        let flow = || Figure {
            unit: "L/s".into(),
            name_zh: "流量".into(),
            name_en: "flow".into(),
            lower_is_better: true,
        };
        let duty = |from: u32, until: Option<u32>| {
            Some(LabelDuty {
                mandatory_from: Day(from),
                old_stock_until: until.map(Day),
            })
        };
        let three = |t: [f64; 3]| t.iter().map(|v| (*v, None)).collect::<Vec<_>>();
        let cat = |slug: &str, zh: &str, en: &str, standard: &str| CategoryRule {
            slug: slug.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            standard: standard.into(),
            grades: 3,
            saving_up_to: 2,
            figure: None,
            figure2: None,
            thresholds: vec![],
            label: None,
            phase_out_beyond: None,
        };
        RuleSet {
            version: 1,
            effective_from: Day(2018_01_01),
            source: "GB 25502-2017, GB 25501-2019, GB 28378-2019, GB 28377-2019, GB 30717-2019, GB 28379, \
                     GB 38448-2019, GB 38383-2019, GB 34914-2021, GB 12021.4-2013; 水效标识产品目录第一至四批"
                .into(),
            evidence: EvidenceRules::default(),
            categories: vec![
                CategoryRule {
                    figure: Some(litres_per_flush()),
                    thresholds: three([4.0, 5.0, 6.4]),
                    label: duty(2018_08_01, None),
                    phase_out_beyond: Some(9.0),
                    ..cat("toilet", "坐便器", "toilet", "GB 25502-2017")
                },
                CategoryRule {
                    label: duty(2021_01_01, Some(2022_01_01)),
                    ..cat("smart_toilet", "智能坐便器", "smart toilet", "GB 38448-2019")
                },
                CategoryRule {
                    figure: Some(litres_per_flush()),
                    thresholds: three([5.0, 6.0, 7.0]),
                    ..cat("squat_pan", "蹲便器", "squat pan", "GB 30717-2019")
                },
                CategoryRule {
                    figure: Some(litres_per_flush()),
                    thresholds: three([0.5, 1.5, 2.5]),
                    ..cat("urinal", "小便器", "urinal", "GB 28377-2019")
                },
                CategoryRule {
                    figure: Some(litres_per_flush()),
                    thresholds: three([4.0, 5.0, 6.0]),
                    ..cat("flush_valve", "便器冲洗阀", "flush valve", "GB 28379 (WC valves)")
                },
                CategoryRule {
                    figure: Some(flow()),
                    thresholds: three([0.100, 0.125, 0.150]),
                    label: duty(2025_01_01, Some(2026_01_01)),
                    ..cat("faucet", "水嘴", "faucet", "GB 25501-2019")
                },
                CategoryRule {
                    figure: Some(flow()),
                    thresholds: three([0.08, 0.12, 0.15]),
                    label: duty(2022_07_01, Some(2023_07_01)),
                    ..cat("shower", "淋浴器", "shower", "GB 28378-2019")
                },
                CategoryRule {
                    grades: 5,
                    saving_up_to: 3,
                    label: duty(2021_04_01, Some(2022_04_01)),
                    ..cat("dishwasher", "洗碗机", "dishwasher", "GB 38383-2019")
                },
                CategoryRule {
                    figure: Some(Figure {
                        unit: "%".into(),
                        name_zh: "净水产水率".into(),
                        name_en: "recovery".into(),
                        lower_is_better: false,
                    }),
                    figure2: Some(Figure {
                        unit: "L".into(),
                        name_zh: "额定总净水量".into(),
                        name_en: "rated total volume".into(),
                        lower_is_better: false,
                    }),
                    thresholds: vec![(65.0, Some(4000.0)), (55.0, Some(3000.0)), (45.0, Some(2000.0))],
                    label: duty(2022_07_01, Some(2023_07_01)),
                    ..cat("purifier", "净水机", "water purifier", "GB 34914-2021")
                },
                CategoryRule {
                    grades: 5,
                    saving_up_to: 3,
                    ..cat("washing_machine", "洗衣机", "washing machine", "GB 12021.4-2013")
                },
            ],
        }
    }
}

/// The fields of the rules page's "new version" form, by name: `effective_from`, `source`; per
/// category `{slug}.standard`, `{slug}.saving_up_to`, `{slug}.t{grade}` (and `{slug}.u{grade}` for
/// a second figure), `{slug}.label_from`, `{slug}.old_stock_until`, `{slug}.phase_out`; and
/// `editing_apps` (one per line), `exif_offset`. A field left out keeps `base`'s value; an empty
/// date or limit means none.
pub type RuleForm = std::collections::HashMap<String, String>;

fn form_err(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    crate::domain::market::field_error(field, zh, en)
}

use crate::domain::market::FieldError;

impl RuleSet {
    /// A new version made from `base` (the latest) and the form: numbered after every existing
    /// one, in force from a day no earlier than `today` (a version never reaches back to change
    /// what drafts in progress were told), every limit a number in the right order.
    pub fn from_form(
        base: &RuleSet,
        form: &RuleForm,
        version: u32,
        today: Day,
    ) -> Result<RuleSet, FieldError> {
        let get = |k: &str| form.get(k).map(|v| v.trim());
        let effective_from = match get("effective_from") {
            Some(s) => Day::parse(s).ok_or_else(|| {
                form_err(
                    "effective_from",
                    "日期应为 YYYY-MM-DD。",
                    "A date is YYYY-MM-DD.",
                )
            })?,
            None => today,
        };
        if effective_from < today {
            return Err(form_err(
                "effective_from",
                format!("新版本最早从今天（{today}）起生效。"),
                format!("A new version takes effect today ({today}) at the earliest."),
            ));
        }
        let source = get("source").unwrap_or("").to_string();
        if source.is_empty() || source.chars().count() > 500 {
            return Err(form_err(
                "source",
                "请写明依据（标准编号或文件），最多 500 字。",
                "Name the source (a standard's number or a document), at most 500 characters.",
            ));
        }
        let number = |k: &str| -> Result<Option<Option<f64>>, FieldError> {
            match get(k) {
                None => Ok(None),
                Some("") => Ok(Some(None)),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0 && *x <= 1e6)
                    .map(|x| Some(Some(x)))
                    .ok_or_else(|| {
                        form_err(k, "应为不小于 0 的数字。", "Must be a number, 0 or more.")
                    }),
            }
        };
        let day = |k: &str| -> Result<Option<Option<Day>>, FieldError> {
            match get(k) {
                None => Ok(None),
                Some("") => Ok(Some(None)),
                Some(v) => Day::parse(v)
                    .map(|d| Some(Some(d)))
                    .ok_or_else(|| form_err(k, "日期应为 YYYY-MM-DD。", "A date is YYYY-MM-DD.")),
            }
        };
        let mut categories = base.categories.clone();
        for c in &mut categories {
            let k = |f: &str| format!("{}.{f}", c.slug);
            if let Some(std) = get(&k("standard")) {
                c.standard = std.chars().take(200).collect();
            }
            if let Some(v) = get(&k("saving_up_to")) {
                c.saving_up_to = v
                    .parse::<u8>()
                    .ok()
                    .filter(|g| (1..=c.grades).contains(g))
                    .ok_or_else(|| {
                        form_err(
                            k("saving_up_to"),
                            format!("应为 1–{} 级。", c.grades),
                            format!("Must be a grade from 1 to {}.", c.grades),
                        )
                    })?;
            }
            for g in 0..c.thresholds.len() {
                let grade = g + 1;
                if let Some(v) = number(&k(&format!("t{grade}")))? {
                    c.thresholds[g].0 = v.ok_or_else(|| {
                        form_err(k(&format!("t{grade}")), "请填写限值。", "Enter the limit.")
                    })?;
                }
                if c.thresholds[g].1.is_some() {
                    if let Some(v) = number(&k(&format!("u{grade}")))? {
                        c.thresholds[g].1 = Some(v.ok_or_else(|| {
                            form_err(k(&format!("u{grade}")), "请填写限值。", "Enter the limit.")
                        })?);
                    }
                }
            }
            // Grade 1 is the strictest: each grade's limit is no stricter than the one before.
            let lower = c.figure.as_ref().is_some_and(|f| f.lower_is_better);
            for g in 1..c.thresholds.len() {
                let (prev, this) = (c.thresholds[g - 1].0, c.thresholds[g].0);
                let ordered = if lower { prev <= this } else { prev >= this };
                if !ordered {
                    return Err(form_err(
                        k(&format!("t{}", g + 1)),
                        format!("{} 级的限值不能比 {} 级更严。", g + 1, g),
                        format!(
                            "Grade {}'s limit cannot be stricter than grade {}'s.",
                            g + 1,
                            g
                        ),
                    ));
                }
            }
            let from = day(&k("label_from"))?;
            let until = day(&k("old_stock_until"))?;
            if from.is_some() || until.is_some() {
                let from = from.unwrap_or(c.label.map(|l| l.mandatory_from));
                let until = until.unwrap_or(c.label.and_then(|l| l.old_stock_until));
                c.label = match (from, until) {
                    (Some(f), Some(u)) if u <= f => {
                        return Err(form_err(
                            k("old_stock_until"),
                            "旧库存截止日应晚于标识强制日期。",
                            "The old-stock date must be after the label's mandatory date.",
                        ))
                    }
                    (Some(f), u) => Some(LabelDuty {
                        mandatory_from: f,
                        old_stock_until: u,
                    }),
                    (None, Some(_)) => {
                        return Err(form_err(
                            k("label_from"),
                            "有旧库存截止日时须填写标识强制日期。",
                            "An old-stock date needs the label's mandatory date.",
                        ))
                    }
                    (None, None) => None,
                };
            }
            if let Some(v) = number(&k("phase_out"))? {
                c.phase_out_beyond = v;
            }
        }
        let mut evidence = base.evidence.clone();
        if let Some(apps) = get("editing_apps") {
            let list: Vec<String> = apps
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            if list.len() > 100 || list.iter().any(|a| a.chars().count() > 50) {
                return Err(form_err(
                    "editing_apps",
                    "最多 100 个软件名，每个最多 50 字。",
                    "At most 100 names, each at most 50 characters.",
                ));
            }
            evidence.editing_apps = list;
        }
        if let Some(o) = get("exif_offset") {
            evidence.exif_offset_minutes = EvidenceRules::parse_offset(o).ok_or_else(|| {
                form_err(
                    "exif_offset",
                    "时区应写作 +08:00 这样的形式。",
                    "Write the offset like +08:00.",
                )
            })?;
        }
        Ok(RuleSet {
            version,
            effective_from,
            source,
            categories,
            evidence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(category: &str, label: bool, grade: Option<u8>, figure: Option<f64>) -> LineFacts {
        LineFacts {
            category: category.into(),
            label_present: label,
            grade,
            figure,
            figure2: None,
            phased_out: false,
            date: Day(2026_12_05),
        }
    }

    fn verdict(f: &LineFacts) -> Verdict {
        RuleSet::seed().judge(f).expect("judged").verdict
    }

    /// The day before a day (enough for the first days of months the catalogue uses, and others).
    fn prev(d: Day) -> Day {
        let (y, m, dd) = (d.0 / 10_000, d.0 / 100 % 100, d.0 % 100);
        if dd > 1 {
            return Day(d.0 - 1);
        }
        let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        let last = (28..=31)
            .rev()
            .find(|x| Day::parse(&format!("{y:04}-{m:02}-{x:02}")).is_some())
            .expect("a month has a last day");
        Day(y * 10_000 + m * 100 + last)
    }

    #[test]
    fn days_parse_only_real_dates() {
        assert_eq!(Day::parse("2025-01-01"), Some(Day(2025_01_01)));
        assert_eq!(Day::parse("2024-02-29"), Some(Day(2024_02_29)));
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "20250101",
            "2025-00-10",
            "",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        assert_eq!(Day(2025_01_01).to_string(), "2025-01-01");
        assert_eq!(prev(Day(2025_01_01)), Day(2024_12_31));
        assert_eq!(prev(Day(2022_07_01)), Day(2022_06_30));
    }

    #[test]
    fn a_toilet_at_five_litres_is_water_saving_and_at_five_point_oh_one_is_not() {
        assert_eq!(
            verdict(&facts("toilet", true, None, Some(5.0))),
            Verdict::WaterSaving
        );
        assert_eq!(
            verdict(&facts("toilet", true, None, Some(5.01))),
            Verdict::NotWaterSaving
        );
        assert_eq!(
            verdict(&facts("toilet", true, Some(2), Some(5.0))),
            Verdict::WaterSaving
        );
        assert_eq!(
            verdict(&facts("toilet", true, Some(3), Some(5.01))),
            Verdict::NotWaterSaving
        );
    }

    /// Every threshold of every seeded category with figures, from the grade it names to just past it.
    #[test]
    fn every_threshold_on_both_sides() {
        let rules = RuleSet::seed();
        for c in &rules.categories {
            let Some(fig) = &c.figure else { continue };
            for (i, (t, t2)) in c.thresholds.iter().enumerate() {
                let g = i as u8 + 1;
                let step = if fig.lower_is_better { 0.001 } else { -0.001 };
                let mut f = facts(&c.slug, true, None, Some(*t));
                f.figure2 = *t2;
                let at = rules.judge(&f).expect("judged");
                let want = if g <= c.saving_up_to {
                    Verdict::WaterSaving
                } else {
                    Verdict::NotWaterSaving
                };
                assert_eq!(at.verdict, want, "{} at grade {g}'s limit {t}", c.slug);
                // The label agrees: the same verdict with the grade given.
                f.grade = Some(g);
                assert_eq!(
                    rules.judge(&f).expect("judged").verdict,
                    want,
                    "{} grade {g}",
                    c.slug
                );
                // Just past the limit: the next grade (or no grade) — and the label's grade no
                // longer matches the figure.
                f.figure = Some(t + step);
                let past = rules.judge(&f).expect("judged");
                assert_eq!(
                    past.verdict,
                    Verdict::NeedsReview,
                    "{} past grade {g}",
                    c.slug
                );
                f.grade = None;
                let past = rules.judge(&f).expect("judged").verdict;
                let want = if g < c.saving_up_to {
                    Verdict::WaterSaving
                } else {
                    Verdict::NotWaterSaving
                };
                assert_eq!(past, want, "{} just past grade {g}'s limit {t}", c.slug);
            }
        }
    }

    #[test]
    fn a_purifier_needs_both_figures_for_its_grade() {
        let rules = RuleSet::seed();
        let mut f = facts("purifier", true, None, Some(66.0));
        f.figure2 = Some(4000.0);
        assert_eq!(
            rules.judge(&f).expect("judged").verdict,
            Verdict::WaterSaving
        );
        // A high recovery does not make up for a small rated volume: grade 3 at best.
        f.figure2 = Some(2500.0);
        assert_eq!(
            rules.judge(&f).expect("judged").verdict,
            Verdict::NotWaterSaving
        );
        // One figure alone cannot be checked.
        f.figure2 = None;
        assert_eq!(
            rules.judge(&f).expect("judged").verdict,
            Verdict::NeedsReview
        );
    }

    #[test]
    fn grade_three_is_the_market_entry_limit() {
        let j = RuleSet::seed()
            .judge(&facts("faucet", true, Some(3), None))
            .expect("judged");
        assert_eq!(j.verdict, Verdict::NotWaterSaving);
        assert!(
            j.reason.en.contains("market-entry limit"),
            "{}",
            j.reason.en
        );
        assert!(j.reason.zh.contains("水效限定值"), "{}", j.reason.zh);
        // Dishwashers have five grades: 3 is still water-saving, 4 is not, 5 is the limit.
        assert_eq!(
            verdict(&facts("dishwasher", true, Some(3), None)),
            Verdict::WaterSaving
        );
        assert_eq!(
            verdict(&facts("dishwasher", true, Some(4), None)),
            Verdict::NotWaterSaving
        );
        let j = RuleSet::seed()
            .judge(&facts("dishwasher", true, Some(5), None))
            .expect("judged");
        assert!(j.reason.en.contains("market-entry limit"));
    }

    #[test]
    fn a_grade_that_disagrees_with_its_figure_says_which_and_needs_review() {
        let j = RuleSet::seed()
            .judge(&facts("toilet", true, Some(1), Some(6.0)))
            .expect("judged");
        assert_eq!(j.verdict, Verdict::NeedsReview);
        assert!(
            j.reason.en.contains("grade 1") && j.reason.en.contains("6 L/次 is grade 3"),
            "{}",
            j.reason.en
        );
        let j = RuleSet::seed()
            .judge(&facts("shower", true, Some(2), Some(0.2)))
            .expect("judged");
        assert_eq!(j.verdict, Verdict::NeedsReview);
        assert!(
            j.reason.en.contains("market-entry limit"),
            "{}",
            j.reason.en
        );
    }

    #[test]
    fn categories_outside_the_catalogue_are_judged_by_their_figure_without_a_label_duty() {
        for slug in ["urinal", "squat_pan", "flush_valve"] {
            let rules = RuleSet::seed();
            let c = rules.category(slug).expect("seeded");
            assert!(c.label.is_none());
            let good = c.thresholds[0].0;
            assert_eq!(
                verdict(&facts(slug, false, None, Some(good))),
                Verdict::WaterSaving,
                "{slug}"
            );
            let limit = c.thresholds[2].0;
            assert_eq!(
                verdict(&facts(slug, false, None, Some(limit))),
                Verdict::NotWaterSaving,
                "{slug}"
            );
            assert_eq!(
                verdict(&facts(slug, false, None, None)),
                Verdict::NeedsReview,
                "{slug}"
            );
        }
    }

    /// On both sides of every catalogue date and every old-stock date, without a label.
    #[test]
    fn label_duties_start_and_old_stock_ends_on_their_days() {
        let rules = RuleSet::seed();
        for c in &rules.categories {
            let Some(duty) = c.label else { continue };
            // A figure that would be water-saving, where the category has one.
            let good = c.thresholds.first().copied();
            let mut f = facts(&c.slug, false, None, good.map(|t| t.0));
            f.figure2 = good.and_then(|t| t.1);
            let judged_by_figure = if good.is_some() {
                Verdict::WaterSaving
            } else {
                Verdict::NeedsReview
            };
            f.date = prev(duty.mandatory_from);
            assert_eq!(
                rules.judge(&f).expect("j").verdict,
                judged_by_figure,
                "{} before duty",
                c.slug
            );
            f.date = duty.mandatory_from;
            match duty.old_stock_until {
                None => {
                    assert_eq!(
                        rules.judge(&f).expect("j").verdict,
                        Verdict::LabelViolation,
                        "{}",
                        c.slug
                    );
                }
                Some(until) => {
                    let j = rules.judge(&f).expect("j");
                    assert_eq!(
                        j.verdict, judged_by_figure,
                        "{} in the grace period",
                        c.slug
                    );
                    assert!(
                        j.reason
                            .en
                            .contains(&format!("old stock only until {until}")),
                        "{}",
                        j.reason.en
                    );
                    f.date = prev(until);
                    assert_eq!(
                        rules.judge(&f).expect("j").verdict,
                        judged_by_figure,
                        "{} last grace day",
                        c.slug
                    );
                    f.date = until;
                    let j = rules.judge(&f).expect("j");
                    assert_eq!(
                        j.verdict,
                        Verdict::LabelViolation,
                        "{} after the grace",
                        c.slug
                    );
                    assert!(j
                        .reason
                        .en
                        .contains(&format!("since {}", duty.mandatory_from)));
                }
            }
        }
        let j = rules
            .judge(&LineFacts {
                date: Day(2026_03_01),
                ..facts("faucet", false, None, Some(0.09))
            })
            .expect("j");
        assert_eq!(
            j.reason.en,
            "faucets must carry the label since 2025-01-01; old stock only until 2026-01-01."
        );
    }

    #[test]
    fn phased_out_types_are_violations_whatever_the_label_says() {
        let mut f = facts("faucet", true, Some(1), Some(0.09));
        f.phased_out = true;
        assert_eq!(verdict(&f), Verdict::PhasedOutViolation);
        // A toilet over 9 L a flush is phased out, at 9 L it is merely not water-saving.
        assert_eq!(
            verdict(&facts("toilet", true, None, Some(9.01))),
            Verdict::PhasedOutViolation
        );
        assert_eq!(
            verdict(&facts("toilet", true, None, Some(9.0))),
            Verdict::NotWaterSaving
        );
    }

    #[test]
    fn facts_that_cannot_be_judged_name_their_field() {
        let rules = RuleSet::seed();
        let field = |f: LineFacts| rules.judge(&f).err().map(|e| e.field);
        assert_eq!(field(facts("bathtub", true, None, None)), Some("category"));
        assert_eq!(field(facts("toilet", true, Some(4), None)), Some("grade"));
        assert_eq!(field(facts("toilet", true, Some(0), None)), Some("grade"));
        assert_eq!(field(facts("dishwasher", true, Some(5), None)), None);
        assert_eq!(
            field(facts("toilet", true, None, Some(-1.0))),
            Some("figure")
        );
        assert_eq!(
            field(facts("toilet", true, None, Some(f64::NAN))),
            Some("figure")
        );
        let mut f = facts("purifier", true, None, Some(60.0));
        f.figure2 = Some(f64::INFINITY);
        assert_eq!(field(f), Some("figure2"));
    }

    #[test]
    fn a_new_version_judges_new_lines_and_leaves_earlier_verdicts_as_they_were() {
        let v1 = RuleSet::seed();
        let mut v2 = RuleSet::seed();
        v2.version = 2;
        v2.effective_from = Day(2027_04_01);
        // The revised toilet standard tightens grade 2.
        if let Some(t) = v2.categories.iter_mut().find(|c| c.slug == "toilet") {
            t.thresholds[1].0 = 4.8;
        }
        let sets = [v1.clone(), v2.clone()];
        let line = facts("toilet", true, None, Some(4.9));
        let recorded = RuleSet::in_force(&sets, Day(2026_12_05))
            .expect("v1")
            .judge(&line)
            .expect("j");
        assert_eq!(
            (recorded.verdict, recorded.rules_version),
            (Verdict::WaterSaving, 1)
        );
        let later = LineFacts {
            date: Day(2027_04_01),
            ..line.clone()
        };
        let now = RuleSet::in_force(&sets, later.date)
            .expect("v2")
            .judge(&later)
            .expect("j");
        assert_eq!(
            (now.verdict, now.rules_version),
            (Verdict::NotWaterSaving, 2)
        );
        // Judged again by the version it names, the recorded line says the same as when recorded.
        let again = sets
            .iter()
            .find(|s| s.version == recorded.rules_version)
            .expect("kept")
            .judge(&line)
            .expect("j");
        assert_eq!(again, recorded);
        assert_eq!(RuleSet::in_force(&sets, Day(2017_12_31)), None);
    }

    #[test]
    fn a_new_version_from_the_form_keeps_what_is_left_out_and_refuses_by_field() {
        let base = RuleSet::seed();
        let today = Day(2026_12_05);
        let form = |pairs: &[(&str, &str)]| -> RuleForm {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = RuleSet::from_form(
            &base,
            &form(&[
                ("effective_from", "2027-01-01"),
                ("source", "GB 25502-2024"),
                ("toilet.t2", "4.8"),
                ("faucet.label_from", "2025-01-01"),
                ("faucet.old_stock_until", ""),
                ("editing_apps", "Photoshop\n\n  美图 \n"),
                ("exif_offset", "+07:00"),
            ]),
            2,
            today,
        )
        .expect("valid");
        assert_eq!((ok.version, ok.effective_from), (2, Day(2027_01_01)));
        let toilet = ok.category("toilet").expect("toilet");
        assert_eq!(toilet.thresholds[1].0, 4.8);
        assert_eq!(
            toilet.thresholds[0],
            base.category("toilet").expect("t").thresholds[0]
        );
        let faucet = ok.category("faucet").expect("faucet");
        assert_eq!(faucet.label.and_then(|l| l.old_stock_until), None);
        assert_eq!(ok.evidence.editing_apps, vec!["Photoshop", "美图"]);
        assert_eq!(ok.evidence.exif_offset_minutes, 420);
        assert_eq!(ok.category("shower"), base.category("shower"), "untouched");
        let field = |pairs: &[(&str, &str)]| {
            let mut f = form(&[("effective_from", "2026-12-05"), ("source", "s")]);
            f.extend(form(pairs));
            RuleSet::from_form(&base, &f, 2, today)
                .err()
                .map(|e| e.field)
        };
        assert_eq!(field(&[]), None, "today is allowed");
        assert_eq!(
            field(&[("effective_from", "2026-12-04")]).as_deref(),
            Some("effective_from")
        );
        assert_eq!(field(&[("source", " ")]).as_deref(), Some("source"));
        assert_eq!(field(&[("toilet.t2", "abc")]).as_deref(), Some("toilet.t2"));
        assert_eq!(field(&[("toilet.t2", "-1")]).as_deref(), Some("toilet.t2"));
        assert_eq!(
            field(&[("toilet.t2", "3.9")]).as_deref(),
            Some("toilet.t2"),
            "stricter than grade 1"
        );
        assert_eq!(field(&[("toilet.t3", "4.9")]).as_deref(), Some("toilet.t3"));
        assert_eq!(
            field(&[("toilet.saving_up_to", "4")]).as_deref(),
            Some("toilet.saving_up_to")
        );
        assert_eq!(
            field(&[("faucet.old_stock_until", "2024-12-31")]).as_deref(),
            Some("faucet.old_stock_until")
        );
        assert_eq!(
            field(&[("exif_offset", "UTC")]).as_deref(),
            Some("exif_offset")
        );
        assert_eq!(
            field(&[("exif_offset", "+14:30")]).as_deref(),
            Some("exif_offset")
        );
    }

    #[test]
    fn offsets_read_and_write_back() {
        for (text, minutes) in [
            ("+08:00", 480),
            ("-05:30", -330),
            ("+00:00", 0),
            ("+14:00", 840),
        ] {
            assert_eq!(EvidenceRules::parse_offset(text), Some(minutes));
            let e = EvidenceRules {
                exif_offset_minutes: minutes,
                ..EvidenceRules::default()
            };
            assert_eq!(e.offset_text(), text);
        }
        assert_eq!(EvidenceRules::parse_offset("+8"), Some(480));
        assert_eq!(EvidenceRules::parse_offset("8"), None);
    }

    #[test]
    fn a_version_stored_before_evidence_rules_reads_with_the_first_ones() {
        let mut v = serde_json::to_value(RuleSet::seed()).expect("json");
        v.as_object_mut().expect("object").remove("evidence");
        let back: RuleSet = serde_json::from_value(v).expect("reads");
        assert_eq!(back.evidence, EvidenceRules::default());
    }
}
