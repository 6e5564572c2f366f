//! A market spot check's record: its product lines, the outcome the inspector records, and what a
//! draft and a submission must satisfy. Pure, so the phone checks a draft exactly as the server
//! does; the server checks again and judges every line itself.

use super::fixture::{Day, LineFacts, Reason, Verdict};
use serde::{Deserialize, Serialize};

/// Bounds of one record. A draft over any of them is refused by field, before anything is stored.
pub const MAX_LINES: usize = 300;
/// Characters of a brand, model, manufacturer or filing number.
pub const MAX_SHORT: usize = 100;
/// Characters of a line's note or the outcome note.
pub const MAX_NOTE: usize = 2000;
pub const MAX_QUANTITY: u32 = 100_000;

/// What the inspector decides for the shop (`domain.md` §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every line water-saving and correctly labelled.
    Compliant,
    /// Rectify by a deadline (限期整改).
    Rectify,
    /// Take off sale / stop selling (下架).
    OffSale,
    /// Refer to the market regulation bureau.
    Refer,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Compliant,
        Outcome::Rectify,
        Outcome::OffSale,
        Outcome::Refer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Compliant => "compliant",
            Outcome::Rectify => "rectify",
            Outcome::OffSale => "off_sale",
            Outcome::Refer => "refer",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Where a record is in its life; the moves between them are `review::transition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionStatus {
    /// The inspector is still recording it; it may change.
    Draft,
    /// Sent for review; its findings no longer change.
    Submitted,
    /// Sent back to the inspector with comments: they fix it and submit it again.
    Returned,
    /// Accepted by a supervisor: it counts, and changes only by a correction (a new version).
    Approved,
}

impl InspectionStatus {
    pub const ALL: [InspectionStatus; 4] = [
        InspectionStatus::Draft,
        InspectionStatus::Submitted,
        InspectionStatus::Returned,
        InspectionStatus::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InspectionStatus::Draft => "draft",
            InspectionStatus::Submitted => "submitted",
            InspectionStatus::Returned => "returned",
            InspectionStatus::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<InspectionStatus> {
        InspectionStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The inspector may still change the findings.
    pub fn editable(self) -> bool {
        matches!(self, InspectionStatus::Draft | InspectionStatus::Returned)
    }
}

/// One product line on sale, as the inspector records it. `id` is a UUIDv7 made on the phone, so a
/// line keeps its identity (and its photos, through `line_id`) across saves, reloads and merges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Line {
    pub id: String,
    pub category: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub manufacturer: String,
    #[serde(default)]
    pub label_present: bool,
    #[serde(default)]
    pub grade: Option<u8>,
    #[serde(default)]
    pub figure: Option<f64>,
    #[serde(default)]
    pub figure2: Option<f64>,
    #[serde(default)]
    pub quantity: u32,
    #[serde(default)]
    pub phased_out: bool,
    /// The label's filing number (备案号), read from its QR code or typed.
    #[serde(default)]
    pub filing_no: String,
    #[serde(default)]
    pub note: String,
    /// When the phone last changed this line (ms since the epoch): the later edit of a line wins
    /// when the phone's copy and the server's are merged.
    #[serde(default)]
    pub edited_at: Option<i64>,
}

impl Line {
    /// What the verdict is judged from, on the visit's day.
    pub fn facts(&self, date: Day) -> LineFacts {
        LineFacts {
            category: self.category.clone(),
            label_present: self.label_present,
            grade: self.grade,
            figure: self.figure,
            figure2: self.figure2,
            phased_out: self.phased_out,
            date,
        }
    }
}

/// The inspector's draft: lines and the outcome as far as decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Draft {
    pub lines: Vec<Line>,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub outcome_note: String,
    /// The deadline for rectifying (and the re-check date) of a non-compliant outcome.
    #[serde(default)]
    pub rectify_by: Option<Day>,
}

/// A field that cannot be accepted, named as the JSON contract names it (`lines[2].quantity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub reason: Reason,
}

pub fn field_error(
    field: impl Into<String>,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> FieldError {
    FieldError {
        field: field.into(),
        reason: Reason {
            zh: zh.into(),
            en: en.into(),
        },
    }
}

/// The outcome the rules suggest for a shop whose lines got these verdicts: compliant only when
/// every line is water-saving and correctly labelled; a phased-out fixture on sale is taken off
/// sale; anything else is rectified by a deadline. The inspector confirms or changes it.
pub fn suggest_outcome(verdicts: impl IntoIterator<Item = Verdict>) -> Outcome {
    let mut outcome = Outcome::Compliant;
    for v in verdicts {
        match v {
            Verdict::WaterSaving => {}
            Verdict::PhasedOutViolation => return Outcome::OffSale,
            _ => outcome = Outcome::Rectify,
        }
    }
    outcome
}

fn too_long(field: String, max: usize) -> FieldError {
    field_error(
        field,
        format!("最多 {max} 个字。"),
        format!("At most {max} characters."),
    )
}

/// Whether `s` is a UUID as the phone writes one (8-4-4-4-12 hexadecimal digits).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The bounds every draft meets, checked before it is judged or stored: how many lines, unique
/// line ids, text lengths, quantities.
pub fn check_draft(d: &Draft) -> Result<(), FieldError> {
    if d.lines.len() > MAX_LINES {
        return Err(field_error(
            "lines",
            format!("一次检查最多 {MAX_LINES} 个产品。"),
            format!("A check holds at most {MAX_LINES} product lines."),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, l) in d.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        if !is_uuid(&l.id) {
            return Err(field_error(
                f("id"),
                "产品编号无效。",
                "The line id is not a valid UUID.",
            ));
        }
        if !seen.insert(l.id.to_ascii_lowercase()) {
            return Err(field_error(
                f("id"),
                "同一产品出现了两次。",
                "The same line appears twice.",
            ));
        }
        for (name, text, max) in [
            ("brand", &l.brand, MAX_SHORT),
            ("model", &l.model, MAX_SHORT),
            ("manufacturer", &l.manufacturer, MAX_SHORT),
            ("filing_no", &l.filing_no, MAX_SHORT),
            ("note", &l.note, MAX_NOTE),
        ] {
            if text.chars().count() > max {
                return Err(too_long(f(name), max));
            }
        }
        if l.quantity > MAX_QUANTITY {
            return Err(field_error(
                f("quantity"),
                format!("陈列数量最多 {MAX_QUANTITY}。"),
                format!("The quantity on display is at most {MAX_QUANTITY}."),
            ));
        }
    }
    if d.outcome_note.chars().count() > MAX_NOTE {
        return Err(too_long("outcome_note".into(), MAX_NOTE));
    }
    Ok(())
}

/// What a draft must also have to be submitted, given its lines' verdicts and the visit's day: at
/// least one line, every line's brand and model, an outcome; a note when the outcome is not the one
/// the rules suggest; a deadline after the visit for any outcome but compliant.
pub fn check_submit(d: &Draft, verdicts: &[Verdict], visit: Day) -> Result<(), FieldError> {
    check_draft(d)?;
    if d.lines.is_empty() {
        return Err(field_error(
            "lines",
            "请至少记录一个在售产品。",
            "Record at least one product line on sale.",
        ));
    }
    for (i, l) in d.lines.iter().enumerate() {
        if l.brand.trim().is_empty() {
            return Err(field_error(
                format!("lines[{i}].brand"),
                "请填写品牌。",
                "Enter the brand.",
            ));
        }
    }
    let outcome = d
        .outcome
        .ok_or_else(|| field_error("outcome", "请确认处理结果。", "Confirm the outcome."))?;
    let suggested = suggest_outcome(verdicts.iter().copied());
    if outcome != suggested && d.outcome_note.trim().is_empty() {
        return Err(field_error(
            "outcome_note",
            "处理结果与建议不同，请写明理由。",
            "The outcome differs from the suggested one: give the reason.",
        ));
    }
    if outcome != Outcome::Compliant {
        match d.rectify_by {
            Some(day) if day > visit => {}
            Some(_) => {
                return Err(field_error(
                    "rectify_by",
                    "整改期限应晚于检查日期。",
                    "The deadline must be after the day of the check.",
                ))
            }
            None => {
                return Err(field_error(
                    "rectify_by",
                    "不合格的处理结果需要整改期限（复查日期）。",
                    "A non-compliant outcome needs a deadline (the re-check date).",
                ))
            }
        }
    }
    Ok(())
}

/// The filing number (备案号) in what a label's QR code holds: the code is often a web address
/// whose last part (or `code=`/`no=` parameter) is the number; a plain number is taken as it is.
/// Whatever comes out, the inspector sees it in the field and may correct it.
pub fn filing_no_from_qr(raw: &str) -> String {
    let raw = raw.trim();
    let candidate = if raw.contains("://") {
        let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| {
                matches!(
                    k.to_ascii_lowercase().as_str(),
                    "code" | "no" | "id" | "sn" | "barcode"
                )
            })
            .map(|(_, v)| v)
            .unwrap_or_else(|| {
                path.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(path)
            })
    } else {
        raw
    };
    candidate
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_SHORT)
        .collect()
}

/// Merges the phone's copy of a draft's lines with the server's: a line on one side only is kept
/// (unless the other side removed it: `removed` lists the ids the phone deleted); a line on both
/// sides keeps the later edit. Returns the merged lines (the server's order, then lines only the
/// phone has) and whether the server's copy contributed anything the phone did not have.
pub fn merge_lines(phone: &[Line], removed: &[String], server: &[Line]) -> (Vec<Line>, bool) {
    let mut merged = Vec::with_capacity(phone.len().max(server.len()));
    let mut from_server = false;
    for s in server {
        if removed.contains(&s.id) {
            continue;
        }
        match phone.iter().find(|p| p.id == s.id) {
            Some(p) if p.edited_at.unwrap_or(0) >= s.edited_at.unwrap_or(0) => {
                merged.push(p.clone())
            }
            Some(p) => {
                from_server |= p != s;
                merged.push(s.clone())
            }
            None => {
                from_server = true;
                merged.push(s.clone())
            }
        }
    }
    for p in phone {
        if !server.iter().any(|s| s.id == p.id) {
            merged.push(p.clone());
        }
    }
    (merged, from_server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filing_number_is_read_from_what_the_qr_code_holds() {
        assert_eq!(filing_no_from_qr(" 20241234567890 "), "20241234567890");
        assert_eq!(
            filing_no_from_qr("https://label.example.cn/query?code=2024AB001&x=1"),
            "2024AB001"
        );
        assert_eq!(
            filing_no_from_qr("https://label.example.cn/record/2024CD002/"),
            "2024CD002"
        );
        // Never longer than the field holds, never a control character.
        assert_eq!(filing_no_from_qr(&"9".repeat(500)).len(), MAX_SHORT);
        assert_eq!(filing_no_from_qr("12\u{7}34"), "1234");
    }

    fn line(n: u32) -> Line {
        Line {
            id: format!("0190f3c2-0000-7000-8000-{n:012}"),
            category: "faucet".into(),
            brand: "九牧".into(),
            model: format!("M{n}"),
            label_present: true,
            grade: Some(2),
            figure: Some(0.1),
            quantity: 3,
            ..Line::default()
        }
    }

    fn day(s: &str) -> Day {
        Day::parse(s).expect("day")
    }

    #[test]
    fn outcomes_and_statuses_read_back_as_written() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("Compliant"), None);
        for s in [InspectionStatus::Draft, InspectionStatus::Submitted] {
            assert_eq!(InspectionStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_suggestion_is_compliant_only_when_every_line_is_water_saving() {
        use Verdict::*;
        assert_eq!(suggest_outcome([]), Outcome::Compliant);
        assert_eq!(
            suggest_outcome([WaterSaving, WaterSaving]),
            Outcome::Compliant
        );
        assert_eq!(
            suggest_outcome([WaterSaving, NotWaterSaving]),
            Outcome::Rectify
        );
        assert_eq!(suggest_outcome([LabelViolation]), Outcome::Rectify);
        assert_eq!(suggest_outcome([NeedsReview]), Outcome::Rectify);
        assert_eq!(
            suggest_outcome([LabelViolation, PhasedOutViolation, WaterSaving]),
            Outcome::OffSale
        );
    }

    #[test]
    fn a_draft_is_bounded_field_by_field() {
        let ok = Draft {
            lines: vec![line(1), line(2)],
            ..Draft::default()
        };
        assert_eq!(check_draft(&ok), Ok(()));
        let many = Draft {
            lines: (0..=MAX_LINES as u32).map(line).collect(),
            ..Draft::default()
        };
        assert_eq!(check_draft(&many).map_err(|e| e.field), Err("lines".into()));
        let at_max = Draft {
            lines: (0..MAX_LINES as u32).map(line).collect(),
            ..Draft::default()
        };
        assert_eq!(check_draft(&at_max), Ok(()));
        let field = |d: &Draft| check_draft(d).err().map(|e| e.field);
        let mut d = ok.clone();
        d.lines[1].id = d.lines[0].id.to_uppercase();
        assert_eq!(field(&d).as_deref(), Some("lines[1].id"));
        d.lines[1].id = "not-a-uuid".into();
        assert_eq!(field(&d).as_deref(), Some("lines[1].id"));
        let mut d = ok.clone();
        d.lines[0].note = "水".repeat(MAX_NOTE);
        assert_eq!(field(&d), None, "{MAX_NOTE} characters (not bytes) fit");
        d.lines[0].note.push('水');
        assert_eq!(field(&d).as_deref(), Some("lines[0].note"));
        let mut d = ok.clone();
        d.lines[1].quantity = MAX_QUANTITY;
        assert_eq!(field(&d), None);
        d.lines[1].quantity = MAX_QUANTITY + 1;
        assert_eq!(field(&d).as_deref(), Some("lines[1].quantity"));
        let mut d = ok.clone();
        d.lines[0].brand = "b".repeat(MAX_SHORT + 1);
        assert_eq!(field(&d).as_deref(), Some("lines[0].brand"));
        let mut d = ok;
        d.outcome_note = "n".repeat(MAX_NOTE + 1);
        assert_eq!(field(&d).as_deref(), Some("outcome_note"));
    }

    #[test]
    fn a_submission_needs_lines_an_outcome_and_for_a_violation_a_later_deadline() {
        use Verdict::*;
        let visit = day("2026-11-29");
        let field = |d: &Draft, v: &[Verdict]| check_submit(d, v, visit).err().map(|e| e.field);
        let mut d = Draft::default();
        assert_eq!(field(&d, &[]).as_deref(), Some("lines"));
        d.lines = vec![line(1)];
        assert_eq!(field(&d, &[WaterSaving]).as_deref(), Some("outcome"));
        d.outcome = Some(Outcome::Compliant);
        assert_eq!(field(&d, &[WaterSaving]), None);
        d.lines[0].brand = " ".into();
        assert_eq!(field(&d, &[WaterSaving]).as_deref(), Some("lines[0].brand"));
        d.lines[0].brand = "九牧".into();
        // Compliant despite a violation: only with a reason, and then without a deadline.
        assert_eq!(
            field(&d, &[NotWaterSaving]).as_deref(),
            Some("outcome_note")
        );
        d.outcome_note = "已当场下架".into();
        assert_eq!(field(&d, &[NotWaterSaving]), None);
        // The suggested rectification needs a deadline after the visit.
        d.outcome = Some(Outcome::Rectify);
        d.outcome_note.clear();
        assert_eq!(field(&d, &[NotWaterSaving]).as_deref(), Some("rectify_by"));
        d.rectify_by = Some(visit);
        assert_eq!(field(&d, &[NotWaterSaving]).as_deref(), Some("rectify_by"));
        d.rectify_by = Some(day("2026-11-30"));
        assert_eq!(field(&d, &[NotWaterSaving]), None);
        // Taking off sale when rectifying was suggested: a reason and a re-check date.
        d.outcome = Some(Outcome::OffSale);
        assert_eq!(
            field(&d, &[NotWaterSaving]).as_deref(),
            Some("outcome_note")
        );
        d.outcome_note = "屡次违规".into();
        assert_eq!(field(&d, &[NotWaterSaving]), None);
    }

    #[test]
    fn merging_keeps_the_later_edit_of_a_line_and_every_line_of_either_side() {
        let mut a = line(1);
        a.edited_at = Some(100);
        let mut a_server = a.clone();
        a_server.quantity = 9;
        a_server.edited_at = Some(200);
        let mut b = line(2);
        b.edited_at = Some(300);
        let mut b_server = b.clone();
        b_server.brand = "旧".into();
        b_server.edited_at = Some(250);
        let c_phone = line(3);
        let d_server = line(4);
        let e_server = line(5);
        let removed = vec![e_server.id.clone()];
        let (merged, from_server) = merge_lines(
            &[a.clone(), b.clone(), c_phone.clone()],
            &removed,
            &[a_server.clone(), b_server, d_server.clone(), e_server],
        );
        assert_eq!(merged, vec![a_server, b, d_server, c_phone.clone()]);
        assert!(from_server);
        // The phone ahead of the server everywhere: nothing to say.
        let (merged, from_server) = merge_lines(std::slice::from_ref(&c_phone), &[], &[]);
        assert_eq!(merged, vec![c_phone]);
        assert!(!from_server);
    }
}
