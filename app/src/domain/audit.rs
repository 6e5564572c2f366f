//! An audit as the auditor records it against a score sheet (`domain::score`): an answer and a note
//! per item, fixture counts per category, and the site's facts as found (households, annual water
//! use). The same functions read the draft contract (`PUT /api/inspections/{id}/draft` for an
//! audit), score it and say what is missing before it can be submitted, on the server and on the
//! phone.

use super::fixture::{Day, LineFacts, RuleSet, Verdict};
use super::market::{field_error, FieldError, MAX_NOTE};
use super::score::{fixture_rate, Answer, AnswerError, ScoreSheet, Tenths};
use super::site::SiteKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Items an audit may answer (a sheet has a few dozen at most).
pub const MAX_ITEMS: usize = 200;
/// Fixture categories an audit may count.
pub const MAX_COUNTS: usize = 50;
/// Fixtures of one category in one building, and households in one community: beyond is a typo.
pub const MAX_COUNT: u32 = 1_000_000;
/// Annual water use of one site, m³: beyond is a typo.
pub const MAX_WATER_M3: f64 = 1.0e9;

/// What the auditor recorded for one item: the answer (none yet: unanswered) and a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEntry {
    pub item_id: String,
    pub answer: Option<Answer>,
    #[serde(default)]
    pub note: String,
}

/// The water-efficiency label read on the fixtures counted (the model installed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRead {
    pub grade: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure2: Option<f64>,
}

/// Fixtures of one category counted on site: how many are water-saving is the auditor's count,
/// or, when a label was read, follows the verdict on it (`judge_counts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixtureCount {
    pub category: String,
    pub installed: u32,
    pub water_saving: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelRead>,
    /// The verdict on the label, by the market-check rules in force on the audit's day (set by
    /// `judge_counts`, never read from a draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// The site's facts as the audit found them; `None`: not recorded (the registry's value stands).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub households: Option<u32>,
    pub annual_water_m3: Option<f64>,
}

/// An audit's draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditDraft {
    pub items: Vec<ItemEntry>,
    pub fixture_counts: Vec<FixtureCount>,
    pub facts: Facts,
}

/// An audit's computed scores, as the contract answers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditScore {
    pub sheet_version: u32,
    /// Points, in tenths.
    pub total: Tenths,
    pub applicable_max: Tenths,
    pub pass_mark: Tenths,
    /// `total / applicable_max × 100`.
    pub normalised: f64,
    pub passed: bool,
    /// Items not answered yet, in sheet order.
    pub unanswered: Vec<String>,
    /// Applicable items with fewer photos than the sheet asks, in sheet order.
    pub needs_evidence: Vec<String>,
    /// Water-saving over installed, from the counts (`None`: nothing counted).
    pub fixture_rate: Option<f64>,
}

impl AuditScore {
    /// Whether the audit may be submitted: every item answered, every applicable item's evidence.
    pub fn complete(&self) -> bool {
        self.unanswered.is_empty() && self.needs_evidence.is_empty()
    }
}

fn obj<'a>(v: &'a Value, name: &str) -> Result<&'a Map<String, Value>, FieldError> {
    v.as_object()
        .ok_or_else(|| field_error(name, "应为 JSON 对象。", "Must be a JSON object."))
}

fn present<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    o.get(k).filter(|v| !v.is_null())
}

fn array<'a>(o: &'a Map<String, Value>, k: &str, max: usize) -> Result<&'a [Value], FieldError> {
    match present(o, k) {
        None => Ok(&[]),
        Some(Value::Array(a)) if a.len() <= max => Ok(a),
        Some(Value::Array(_)) => Err(field_error(
            k,
            format!("{k} 最多 {max} 项。"),
            format!("{k} holds at most {max} entries."),
        )),
        Some(_) => Err(field_error(
            k,
            format!("{k} 应为数组。"),
            format!("{k} must be an array."),
        )),
    }
}

fn text(o: &Map<String, Value>, k: &str, field: &str) -> Result<String, FieldError> {
    match present(o, k) {
        None => Ok(String::new()),
        Some(Value::String(s)) if s.chars().count() <= MAX_NOTE => Ok(s.trim().to_string()),
        Some(Value::String(_)) => Err(field_error(
            field,
            format!("最多 {MAX_NOTE} 个字。"),
            format!("At most {MAX_NOTE} characters."),
        )),
        Some(_) => Err(field_error(field, "应为文字。", "Must be text.")),
    }
}

/// A whole number 0..=MAX_COUNT; absent is `None`.
fn count(o: &Map<String, Value>, k: &str, field: &str) -> Result<Option<u32>, FieldError> {
    match present(o, k) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n <= MAX_COUNT)
            .map(Some)
            .ok_or_else(|| {
                field_error(
                    field,
                    format!("应为 0 到 {MAX_COUNT} 的整数。"),
                    format!("Must be a whole number from 0 to {MAX_COUNT}."),
                )
            }),
    }
}

/// A number ≥ 0; absent is `None`.
fn amount(
    o: &Map<String, Value>,
    k: &str,
    field: &str,
    max: f64,
) -> Result<Option<f64>, FieldError> {
    match present(o, k) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0 && *x <= max)
            .map(Some)
            .ok_or_else(|| {
                field_error(
                    field,
                    "应为不小于 0 的数字。",
                    "Must be a number, 0 or more.",
                )
            }),
    }
}

fn item_entry(i: usize, v: &Value) -> Result<ItemEntry, FieldError> {
    let at = |k: &str| format!("items[{i}].{k}");
    let o = obj(v, &format!("items[{i}]"))?;
    let item_id = match present(o, "item_id") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 64 => s.trim().to_string(),
        _ => {
            return Err(field_error(
                at("item_id"),
                "请写明评分项编号。",
                "Name the item (item_id).",
            ))
        }
    };
    let mut answers = Vec::new();
    if let Some(x) = present(o, "score") {
        let p = x
            .as_f64()
            .filter(|p| p.is_finite() && *p >= 0.0 && *p <= 1000.0)
            .ok_or_else(|| {
                field_error(
                    at("score"),
                    "得分应为不小于 0 的数字。",
                    "A score is a number, 0 or more.",
                )
            })?;
        answers.push(("score", Answer::Score((p * 10.0).round() as Tenths)));
    }
    if let Some(v) = amount(o, "value", &at("value"), f64::MAX)? {
        answers.push(("value", Answer::Value(v)));
    }
    if let Some(x) = present(o, "passed") {
        let b = x.as_bool().ok_or_else(|| {
            field_error(
                at("passed"),
                "应为 true 或 false。",
                "Must be true or false.",
            )
        })?;
        answers.push(("passed", Answer::Passed(b)));
    }
    match present(o, "not_applicable") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => answers.push(("not_applicable", Answer::NotApplicable)),
        Some(_) => {
            return Err(field_error(
                at("not_applicable"),
                "应为 true 或 false。",
                "Must be true or false.",
            ))
        }
    }
    if answers.len() > 1 {
        return Err(field_error(
            at(answers[1].0),
            "每项只填一种答案（得分、测量值、是否达标或不适用）。",
            "Give one answer per item: a score, a value, passed, or not applicable.",
        ));
    }
    Ok(ItemEntry {
        item_id,
        answer: answers.first().map(|(_, a)| *a),
        note: text(o, "note", &at("note"))?,
    })
}

fn fixture_count(i: usize, v: &Value) -> Result<FixtureCount, FieldError> {
    let at = |k: &str| format!("fixture_counts[{i}].{k}");
    let o = obj(v, &format!("fixture_counts[{i}]"))?;
    let category = text(o, "category", &at("category"))?;
    if category.is_empty() {
        return Err(field_error(
            at("category"),
            "请选择器具类别。",
            "Choose a fixture category.",
        ));
    }
    let installed = count(o, "installed", &at("installed"))?.unwrap_or(0);
    let label = match present(o, "label") {
        None => None,
        Some(l) => {
            let at = |k: &str| format!("fixture_counts[{i}].label.{k}");
            let l = obj(l, &format!("fixture_counts[{i}].label"))?;
            let grade = count(l, "grade", &at("grade"))?
                .and_then(|g| u8::try_from(g).ok())
                .ok_or_else(|| {
                    field_error(
                        at("grade"),
                        "请填写标识上的水效等级。",
                        "Give the grade on the label.",
                    )
                })?;
            Some(LabelRead {
                grade,
                figure: amount(l, "figure", &at("figure"), 1e6)?,
                figure2: amount(l, "figure2", &at("figure2"), 1e6)?,
            })
        }
    };
    // With a label read, how many are water-saving follows its verdict.
    let water_saving = match label {
        Some(_) => 0,
        None => count(o, "water_saving", &at("water_saving"))?.unwrap_or(0),
    };
    if water_saving > installed {
        return Err(field_error(
            at("water_saving"),
            format!("节水器具数（{water_saving}）不能多于安装总数（{installed}）。"),
            format!("Water-saving ({water_saving}) cannot be more than installed ({installed})."),
        ));
    }
    Ok(FixtureCount {
        category,
        installed,
        water_saving,
        label,
        verdict: None,
    })
}

/// Checks the counts' categories against the market-check rules in force on the audit's day
/// (`None`: none were) and judges each label read as a market line is judged: a water-saving
/// verdict makes every fixture counted water-saving, any other verdict none.
pub fn judge_counts(
    rules: Option<&RuleSet>,
    day: Day,
    d: &mut AuditDraft,
) -> Result<(), FieldError> {
    for (i, c) in d.fixture_counts.iter_mut().enumerate() {
        let Some(set) = rules.filter(|r| r.category(&c.category).is_some()) else {
            return Err(field_error(
                format!("fixture_counts[{i}].category"),
                format!("判定规则中没有“{}”这一器具类别。", c.category),
                format!("The rules have no fixture category “{}”.", c.category),
            ));
        };
        c.verdict = None;
        let Some(l) = &c.label else { continue };
        let facts = LineFacts {
            category: c.category.clone(),
            label_present: true,
            grade: Some(l.grade),
            figure: l.figure,
            figure2: l.figure2,
            phased_out: false,
            date: day,
        };
        let j = set.judge(&facts).map_err(|b| {
            field_error(
                format!("fixture_counts[{i}].label.{}", b.field),
                b.reason.zh,
                b.reason.en,
            )
        })?;
        c.water_saving = if j.verdict == Verdict::WaterSaving {
            c.installed
        } else {
            0
        };
        c.verdict = Some(j.verdict);
    }
    Ok(())
}

/// Reads an audit draft (`{items, fixture_counts, facts}`), each field refused by its name in the
/// contract (`items[2].score`, `fixture_counts[0].water_saving`). Sizes are checked before entries
/// are read.
pub fn parse_audit_draft(v: &Value) -> Result<AuditDraft, FieldError> {
    let o = obj(v, "body")?;
    let items = array(o, "items", MAX_ITEMS)?
        .iter()
        .enumerate()
        .map(|(i, v)| item_entry(i, v))
        .collect::<Result<Vec<_>, _>>()?;
    let fixture_counts = array(o, "fixture_counts", MAX_COUNTS)?
        .iter()
        .enumerate()
        .map(|(i, v)| fixture_count(i, v))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, c) in fixture_counts.iter().enumerate() {
        if fixture_counts[..i].iter().any(|d| d.category == c.category) {
            return Err(field_error(
                format!("fixture_counts[{i}].category"),
                "同一类别只清点一次。",
                "Each category is counted once.",
            ));
        }
    }
    let facts = match present(o, "facts") {
        None => Facts::default(),
        Some(f) => {
            let f = obj(f, "facts")?;
            Facts {
                households: count(f, "households", "facts.households")?,
                annual_water_m3: amount(
                    f,
                    "annual_water_m3",
                    "facts.annual_water_m3",
                    MAX_WATER_M3,
                )?,
            }
        }
    };
    Ok(AuditDraft {
        items,
        fixture_counts,
        facts,
    })
}

/// The draft in the contract's shape (what `parse_audit_draft` reads).
pub fn draft_json(d: &AuditDraft) -> Value {
    let items: Vec<Value> = d
        .items
        .iter()
        .map(|e| {
            let mut o = Map::new();
            o.insert("item_id".into(), e.item_id.clone().into());
            match e.answer {
                Some(Answer::Score(t)) => {
                    o.insert("score".into(), (f64::from(t) / 10.0).into());
                }
                Some(Answer::Value(v)) => {
                    o.insert("value".into(), v.into());
                }
                Some(Answer::Passed(b)) => {
                    o.insert("passed".into(), b.into());
                }
                Some(Answer::NotApplicable) => {
                    o.insert("not_applicable".into(), true.into());
                }
                None => {}
            }
            o.insert("note".into(), e.note.clone().into());
            Value::Object(o)
        })
        .collect();
    serde_json::json!({
        "items": items,
        "fixture_counts": d.fixture_counts,
        "facts": d.facts,
    })
}

/// Why an answer is refused, as a field of the contract.
fn answer_field(i: usize, e: &ItemEntry, err: AnswerError) -> FieldError {
    let at = |k: &str| format!("items[{i}].{k}");
    let answered = match e.answer {
        Some(Answer::Score(_)) => "score",
        Some(Answer::Value(_)) => "value",
        Some(Answer::Passed(_)) => "passed",
        Some(Answer::NotApplicable) | None => "not_applicable",
    };
    match err {
        AnswerError::UnknownItem(id) => field_error(
            at("item_id"),
            format!("评分表上没有“{id}”这一项。"),
            format!("The score sheet has no item “{id}”."),
        ),
        AnswerError::AboveMax { max, .. } => field_error(
            at("score"),
            format!("本项最多 {} 分。", points(max)),
            format!("This item is worth at most {} points.", points(max)),
        ),
        AnswerError::NotApplicableRefused(_) => field_error(
            at("not_applicable"),
            "本项不能标为“不适用”。",
            "This item cannot be marked not applicable.",
        ),
        AnswerError::WrongType(_) => field_error(
            at(answered),
            "本项的评分方式不是这种答案。",
            "This item is not scored with this kind of answer.",
        ),
        AnswerError::BadValue(_) => field_error(
            at("value"),
            "测量值应为不小于 0 的数字。",
            "A measured value is a number, 0 or more.",
        ),
        AnswerError::Duplicate(_) => field_error(
            at("item_id"),
            "同一项只能填一次。",
            "Each item is answered once.",
        ),
    }
}

/// Points as a sheet prints them: `7.5`, `10`.
pub fn points(t: Tenths) -> String {
    if t.is_multiple_of(10) {
        (t / 10).to_string()
    } else {
        format!("{}.{}", t / 10, t % 10)
    }
}

/// Scores a draft against `sheet`: every entry is checked (an item not on the sheet, a score
/// above its maximum, "not applicable" where it may not be, a duplicate), by its field.
/// `photos(item_id)` is how many photos the item has.
pub fn score_draft(
    sheet: &ScoreSheet,
    d: &AuditDraft,
    photos: impl Fn(&str) -> u32,
) -> Result<AuditScore, FieldError> {
    for (i, e) in d.items.iter().enumerate() {
        if sheet.item(&e.item_id).is_none() {
            return Err(answer_field(
                i,
                e,
                AnswerError::UnknownItem(e.item_id.clone()),
            ));
        }
        if d.items[..i].iter().any(|x| x.item_id == e.item_id) {
            return Err(answer_field(
                i,
                e,
                AnswerError::Duplicate(e.item_id.clone()),
            ));
        }
        if let Some(a) = e.answer {
            sheet
                .item_score(&e.item_id, a)
                .map_err(|err| answer_field(i, e, err))?;
        }
    }
    let answers: Vec<(String, Answer)> = d
        .items
        .iter()
        .filter_map(|e| e.answer.map(|a| (e.item_id.clone(), a)))
        .collect();
    let s = sheet.score(&answers).map_err(|err| {
        // Each answer was checked above; a refusal here names its item.
        field_error("items", format!("{err:?}"), format!("{err:?}"))
    })?;
    let na = |id: &str| {
        d.items
            .iter()
            .any(|e| e.item_id == id && e.answer == Some(Answer::NotApplicable))
    };
    let needs_evidence = sheet
        .items
        .iter()
        .filter(|it| it.photos > 0 && !na(&it.id) && photos(&it.id) < u32::from(it.photos))
        .map(|it| it.id.clone())
        .collect();
    let counts: Vec<(u32, u32)> = d
        .fixture_counts
        .iter()
        .map(|c| (c.installed, c.water_saving))
        .collect();
    Ok(AuditScore {
        sheet_version: sheet.version,
        total: s.total,
        applicable_max: s.applicable_max,
        pass_mark: sheet.pass_mark,
        normalised: (s.normalised * 10.0).round() / 10.0,
        passed: s.passed,
        unanswered: s.unanswered,
        needs_evidence,
        fixture_rate: fixture_rate(&counts),
    })
}

/// Whether the facts fit the kind of site audited: households for a community, annual water use
/// for a unit or an enterprise.
pub fn check_facts(kind: SiteKind, f: &Facts) -> Result<(), FieldError> {
    if f.households.is_some() && !kind.needs_households() {
        return Err(field_error(
            "facts.households",
            "只有居民小区记录户数。",
            "Households are recorded for communities only.",
        ));
    }
    if f.annual_water_m3.is_some() && !kind.needs_water_use() {
        return Err(field_error(
            "facts.annual_water_m3",
            "只有单位和企业记录年用水量。",
            "Annual water use is recorded for units and enterprises only.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sheet() -> ScoreSheet {
        ScoreSheet::seed(SiteKind::Community).expect("community sheet")
    }

    fn all_photos(_: &str) -> u32 {
        9
    }

    #[test]
    fn a_draft_reads_back_as_it_was_written() {
        let v = json!({
            "items": [
                {"item_id": "rules", "score": 7.5, "note": "缺会议记录"},
                {"item_id": "drawing", "passed": true},
                {"item_id": "household_meters", "value": 98},
                {"item_id": "greening", "not_applicable": true},
                {"item_id": "publicity", "note": "only a note"}
            ],
            "fixture_counts": [{"category": "toilet", "installed": 40, "water_saving": 38}],
            "facts": {"households": 1200}
        });
        let d = parse_audit_draft(&v).expect("draft");
        assert_eq!(d.items[0].answer, Some(Answer::Score(75)));
        assert_eq!(d.items[1].answer, Some(Answer::Passed(true)));
        assert_eq!(d.items[2].answer, Some(Answer::Value(98.0)));
        assert_eq!(d.items[3].answer, Some(Answer::NotApplicable));
        assert_eq!(d.items[4].answer, None);
        assert_eq!(d.facts.households, Some(1200));
        assert_eq!(parse_audit_draft(&draft_json(&d)), Ok(d));
    }

    #[test]
    fn each_bad_field_is_refused_by_its_name() {
        let refused = |v: Value| parse_audit_draft(&v).expect_err("refused").field;
        assert_eq!(
            refused(json!({"items": [{"item_id": "rules", "score": -1}]})),
            "items[0].score"
        );
        assert_eq!(
            refused(json!({"items": [{"item_id": "rules", "score": 5, "passed": true}]})),
            "items[0].passed"
        );
        assert_eq!(
            refused(json!({"fixture_counts": [{"category": "toilet", "installed": -3}]})),
            "fixture_counts[0].installed"
        );
        assert_eq!(
            refused(
                json!({"fixture_counts": [{"category": "toilet", "installed": 3, "water_saving": 4}]})
            ),
            "fixture_counts[0].water_saving"
        );
        assert_eq!(
            refused(json!({"fixture_counts": [
                {"category": "toilet", "installed": 3}, {"category": "toilet", "installed": 1}]})),
            "fixture_counts[1].category"
        );
        assert_eq!(
            refused(json!({"facts": {"households": 1.5}})),
            "facts.households"
        );
        assert_eq!(
            refused(json!({"facts": {"annual_water_m3": -2}})),
            "facts.annual_water_m3"
        );
        let many: Vec<Value> = (0..=MAX_ITEMS).map(|_| json!({})).collect();
        assert_eq!(refused(json!({ "items": many })), "items");
        assert_eq!(refused(json!([1])), "body");
    }

    #[test]
    fn the_sheet_refuses_what_it_does_not_hold() {
        let s = sheet();
        let scored = |v: Value| {
            score_draft(&s, &parse_audit_draft(&v).expect("draft"), all_photos).map_err(|e| e.field)
        };
        assert_eq!(
            scored(json!({"items": [{"item_id": "nope", "score": 1}]})),
            Err("items[0].item_id".into())
        );
        assert_eq!(
            scored(json!({"items": [{"item_id": "rules", "score": 10.5}]})),
            Err("items[0].score".into())
        );
        assert_eq!(
            scored(json!({"items": [{"item_id": "rules", "not_applicable": true}]})),
            Err("items[0].not_applicable".into())
        );
        assert_eq!(
            scored(json!({"items": [{"item_id": "drawing", "score": 5}]})),
            Err("items[0].score".into())
        );
        assert_eq!(
            scored(
                json!({"items": [{"item_id": "rules", "score": 1}, {"item_id": "rules", "score": 2}]})
            ),
            Err("items[1].item_id".into())
        );
    }

    #[test]
    fn a_full_audit_scores_and_says_what_is_missing() {
        let s = sheet();
        let mut items: Vec<Value> = s
            .items
            .iter()
            .map(|it| match it.scoring {
                crate::domain::score::Scoring::Points => {
                    json!({"item_id": it.id, "score": f64::from(it.max) / 10.0})
                }
                crate::domain::score::Scoring::PassFail => {
                    json!({"item_id": it.id, "passed": true})
                }
                crate::domain::score::Scoring::Measured { target, .. } => {
                    json!({"item_id": it.id, "value": target})
                }
            })
            .collect();
        let last = items.len() - 1;
        items[last] = json!({"item_id": s.items[s.items.len() - 1].id, "not_applicable": true});
        let d = parse_audit_draft(&json!({ "items": items, "fixture_counts": [
            {"category": "toilet", "installed": 10, "water_saving": 9}]}))
        .expect("draft");
        let r = score_draft(&s, &d, all_photos).expect("scored");
        let last = s.items[s.items.len() - 1].max;
        assert_eq!(r.total, s.max() - last);
        assert_eq!(r.applicable_max, s.max() - last);
        assert_eq!(r.normalised, 100.0);
        assert!(r.passed && r.complete());
        assert_eq!(r.fixture_rate, Some(0.9));
        // Without photos the items that need one are listed.
        let r = score_draft(&s, &d, |_| 0).expect("scored");
        assert_eq!(r.needs_evidence, ["publicity", "household_meters"]);
        assert!(!r.complete());
        // Half the items left out: they count 0 and are listed.
        let half = AuditDraft {
            items: d.items[..4].to_vec(),
            ..d.clone()
        };
        let r = score_draft(&s, &half, all_photos).expect("scored");
        assert_eq!(r.unanswered.len(), s.items.len() - 4);
        assert!(!r.passed);
    }

    #[test]
    fn facts_fit_the_kind_of_site() {
        let households = Facts {
            households: Some(10),
            annual_water_m3: None,
        };
        assert!(check_facts(SiteKind::Community, &households).is_ok());
        assert_eq!(
            check_facts(SiteKind::Unit, &households).map_err(|e| e.field),
            Err("facts.households".into())
        );
        let water = Facts {
            households: None,
            annual_water_m3: Some(5.0),
        };
        assert!(check_facts(SiteKind::Enterprise, &water).is_ok());
        assert!(check_facts(SiteKind::PublicBuilding, &water).is_err());
    }

    #[test]
    fn a_label_read_on_a_count_is_judged_by_the_market_rules() {
        let rules = RuleSet::seed();
        let day = Day::parse("2026-06-01").expect("day");
        let counts = |c: Value| {
            let mut d = parse_audit_draft(&json!({ "fixture_counts": c })).expect("draft");
            judge_counts(Some(&rules), day, &mut d).map(|()| d.fixture_counts)
        };
        let c = counts(json!([
            // What the auditor says is water-saving does not count against the label.
            {"category": "toilet", "installed": 40, "water_saving": 40, "label": {"grade": 2, "figure": 4.8}},
            {"category": "faucet", "installed": 12, "label": {"grade": 3}},
            // A grade its figure does not reach: not counted as water-saving.
            {"category": "squat_pan", "installed": 6, "label": {"grade": 1, "figure": 9.5}},
            {"category": "shower", "installed": 5, "water_saving": 4}
        ]))
        .expect("judged");
        assert_eq!(c[0].water_saving, 40);
        assert_eq!(c[0].verdict, Some(Verdict::WaterSaving));
        assert_eq!(c[1].water_saving, 0);
        assert_eq!(c[1].verdict, Some(Verdict::NotWaterSaving));
        assert_eq!(c[3].water_saving, 4);
        assert_eq!(c[3].verdict, None);
        let rate = fixture_rate(
            &c.iter()
                .map(|x| (x.installed, x.water_saving))
                .collect::<Vec<_>>(),
        );
        assert_eq!(c[2].water_saving, 0);
        assert!(c[2].verdict.is_some_and(|v| v != Verdict::WaterSaving));
        assert_eq!(rate, Some(44.0 / 63.0));
        // Refused by field: a grade the label has not, no grade, a category the rules have not.
        let field = |c: Value| {
            parse_audit_draft(&json!({ "fixture_counts": c }))
                .and_then(|mut d| judge_counts(Some(&rules), day, &mut d))
                .expect_err("refused")
                .field
        };
        assert_eq!(
            field(json!([{"category": "toilet", "installed": 1, "label": {"grade": 4}}])),
            "fixture_counts[0].label.grade"
        );
        assert_eq!(
            field(json!([{"category": "toilet", "installed": 1, "label": {"figure": 4.8}}])),
            "fixture_counts[0].label.grade"
        );
        assert_eq!(
            field(
                json!([{"category": "toilet", "installed": 1, "label": {"grade": 1, "figure": -1}}])
            ),
            "fixture_counts[0].label.figure"
        );
        assert_eq!(
            field(json!([{"category": "bathtub", "installed": 1}])),
            "fixture_counts[0].category"
        );
        // No rules in force on the day: nothing can be counted against them.
        let mut d = parse_audit_draft(&json!({"fixture_counts": [
            {"category": "toilet", "installed": 1, "water_saving": 1}
        ]}))
        .expect("draft");
        assert!(judge_counts(None, day, &mut d).is_err());
    }

    #[test]
    fn points_print_as_on_the_sheet() {
        assert_eq!(points(100), "10");
        assert_eq!(points(75), "7.5");
        assert_eq!(points(0), "0");
    }
}
