//! The visit page's domain module: the pure functions the server runs (the verdict, the submit
//! check, the merge of the phone's copy with the server's, the photo's EXIF block) behind a small
//! JSON-in, JSON-out surface for the page's script (`app/phone/visit.js`).
//!
//! Built on its own for the browser (`--features phone`, no UI framework: see README, "Bundle
//! budget"), so the visit page downloads the rules and nothing of the Leptos runtime. The functions
//! here are plain Rust and tested natively; `exports` only hands them to JavaScript.

use crate::domain::evidence::{exif_block, ImageKind};
use crate::domain::fixture::{Day, RuleSet, Verdict};
use crate::domain::market::{check_submit, merge_lines, suggest_outcome, Draft, Line, Outcome};
use serde::{Deserialize, Serialize};

/// The rules in force on the visit's day, and the language the reasons are wanted in.
#[derive(Debug, Clone)]
pub struct VisitRules {
    set: Option<RuleSet>,
    day: Day,
    zh: bool,
}

/// One line judged, as the page shows it: the verdict's slug and the reason in the page's language;
/// `verdict` is `None` when the line cannot be judged (the reason says why).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    pub verdict: Option<Verdict>,
    pub reason: String,
}

/// The draft as the contract (`PUT /api/inspections/{id}/draft`) writes it: the deadline as
/// `YYYY-MM-DD` text.
#[derive(Debug, Clone, Default, Deserialize)]
struct WireDraft {
    #[serde(default)]
    lines: Vec<Line>,
    #[serde(default)]
    outcome: Option<Outcome>,
    #[serde(default)]
    outcome_note: String,
    #[serde(default)]
    rectify_by: Option<String>,
}

#[derive(Serialize)]
struct Merged {
    lines: Vec<Line>,
    from_server: bool,
}

impl VisitRules {
    /// `rules`: the rule set as JSON (`null` when none was in force); `day`: `YYYY-MM-DD`.
    pub fn new(rules: &str, day: &str, lang: &str) -> VisitRules {
        VisitRules {
            set: serde_json::from_str(rules).ok().flatten(),
            day: Day::parse(day).unwrap_or(Day(0)),
            zh: lang != "en",
        }
    }

    fn pick(&self, r: crate::domain::fixture::Reason) -> String {
        if self.zh {
            r.zh
        } else {
            r.en
        }
    }

    /// `None` when no rules were in force on the visit's day.
    pub fn judge_line(&self, line: &Line) -> Option<Judged> {
        let set = self.set.as_ref()?;
        Some(match set.judge(&line.facts(self.day)) {
            Ok(j) => Judged {
                verdict: Some(j.verdict),
                reason: self.pick(j.reason),
            },
            Err(b) => Judged {
                verdict: None,
                reason: self.pick(b.reason),
            },
        })
    }

    /// A line (JSON) judged, as JSON `{verdict, reason}`; `null` without rules; an unreadable line
    /// reads as one that cannot be judged.
    pub fn judge(&self, line: &str) -> String {
        let judged = match serde_json::from_str::<Line>(line) {
            Ok(l) => self.judge_line(&l),
            Err(e) => Some(Judged {
                verdict: None,
                reason: e.to_string(),
            }),
        };
        serde_json::to_string(&judged).unwrap_or_else(|_| "null".into())
    }

    fn verdicts(&self, lines: &[Line]) -> Vec<Verdict> {
        lines
            .iter()
            .filter_map(|l| self.judge_line(l).and_then(|j| j.verdict))
            .collect()
    }

    /// The outcome the rules suggest for these lines (JSON array), as its slug.
    pub fn suggest(&self, lines: &str) -> String {
        let lines: Vec<Line> = serde_json::from_str(lines).unwrap_or_default();
        suggest_outcome(self.verdicts(&lines)).as_str().to_string()
    }

    /// Why this draft (contract JSON) cannot be submitted yet, in the page's language; empty when
    /// it can. The server checks again.
    pub fn submit_problem(&self, draft: &str) -> String {
        let wire: WireDraft = match serde_json::from_str(draft) {
            Ok(w) => w,
            Err(e) => return e.to_string(),
        };
        let d = Draft {
            rectify_by: wire.rectify_by.as_deref().and_then(Day::parse),
            lines: wire.lines,
            outcome: wire.outcome,
            outcome_note: wire.outcome_note,
        };
        match check_submit(&d, &self.verdicts(&d.lines), self.day) {
            Ok(()) => String::new(),
            Err(e) => self.pick(e.reason),
        }
    }
}

/// An audit's score sheet on the phone: the draft scored as the auditor goes, with the same
/// functions the server scores it with.
#[derive(Debug, Clone)]
pub struct AuditSheet {
    sheet: Option<crate::domain::score::ScoreSheet>,
    /// The market-check rules in force on the audit's day, for the labels read on counts.
    rules: Option<RuleSet>,
    day: Day,
    zh: bool,
}

impl AuditSheet {
    /// `sheet`: the score sheet as JSON (the domain's form, points in tenths); `rules`: the
    /// market-check rules in force on `day` (`YYYY-MM-DD`), `null` when none were.
    pub fn new(sheet: &str, rules: &str, day: &str, lang: &str) -> AuditSheet {
        AuditSheet {
            sheet: serde_json::from_str(sheet).ok(),
            rules: serde_json::from_str(rules).ok().flatten(),
            day: Day::parse(day).unwrap_or(Day(0)),
            zh: lang != "en",
        }
    }

    /// The draft (contract JSON) scored with `photos` (`{item id: count}`): `{total,
    /// applicable_max, normalised, pass_mark, passed, unanswered, needs_evidence, fixture_rate,
    /// points: {item id: points or null}, counts: [the fixture counts as judged]}`, points as
    /// numbers of points; or `{field, error}` for an answer the sheet or the rules refuse.
    pub fn score(&self, draft: &str, photos: &str) -> String {
        use crate::domain::audit::{judge_counts, parse_audit_draft, score_draft};
        let Some(sheet) = &self.sheet else {
            return "null".into();
        };
        let photos: std::collections::HashMap<String, u32> =
            serde_json::from_str(photos).unwrap_or_default();
        let refused = |e: crate::domain::market::FieldError| {
            serde_json::json!({
                "field": e.field,
                "error": if self.zh { e.reason.zh } else { e.reason.en },
            })
        };
        let scored = serde_json::from_str::<serde_json::Value>(draft)
            .map_err(|e| crate::domain::market::field_error("body", e.to_string(), e.to_string()))
            .and_then(|v| parse_audit_draft(&v))
            .and_then(|mut d| judge_counts(self.rules.as_ref(), self.day, &mut d).map(|()| d))
            .and_then(|d| {
                score_draft(sheet, &d, |k| photos.get(k).copied().unwrap_or(0)).map(|s| (d, s))
            });
        let pts = |t: u32| f64::from(t) / 10.0;
        let v = match scored {
            Err(e) => refused(e),
            Ok((d, s)) => {
                let points: serde_json::Map<String, serde_json::Value> = d
                    .items
                    .iter()
                    .map(|e| {
                        let p = e
                            .answer
                            .and_then(|a| sheet.item_score(&e.item_id, a).ok())
                            .and_then(|x| x.points)
                            .map(pts);
                        (e.item_id.clone(), serde_json::json!(p))
                    })
                    .collect();
                serde_json::json!({
                    "total": pts(s.total),
                    "applicable_max": pts(s.applicable_max),
                    "normalised": s.normalised,
                    "pass_mark": pts(s.pass_mark),
                    "passed": s.passed,
                    "unanswered": s.unanswered,
                    "needs_evidence": s.needs_evidence,
                    "fixture_rate": s.fixture_rate,
                    "points": points,
                    "counts": d.fixture_counts,
                })
            }
        };
        v.to_string()
    }
}

/// The phone's lines merged with the server's (see [`merge_lines`]): JSON `{lines, from_server}`.
pub fn merge(phone: &str, removed: &str, server: &str) -> String {
    let phone: Vec<Line> = serde_json::from_str(phone).unwrap_or_default();
    let removed: Vec<String> = serde_json::from_str(removed).unwrap_or_default();
    let server: Vec<Line> = serde_json::from_str(server).unwrap_or_default();
    let (lines, from_server) = merge_lines(&phone, &removed, &server);
    serde_json::to_string(&Merged { lines, from_server }).unwrap_or_else(|_| "null".into())
}

/// Where the EXIF block of a JPEG's first bytes lies: `[start, end]`, or empty when there is none.
pub fn exif_range(head: &[u8]) -> Vec<u32> {
    exif_block(head)
        .map(|r| vec![r.start as u32, r.end as u32])
        .unwrap_or_default()
}

pub fn is_heic(head: &[u8]) -> bool {
    ImageKind::sniff(head) == Some(ImageKind::Heic)
}

#[cfg(feature = "phone")]
mod exports {
    //! What the page's script calls.
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    pub struct Rules(super::VisitRules);

    #[wasm_bindgen]
    impl Rules {
        #[wasm_bindgen(constructor)]
        pub fn new(rules: &str, day: &str, lang: &str) -> Rules {
            Rules(super::VisitRules::new(rules, day, lang))
        }

        pub fn judge(&self, line: &str) -> String {
            self.0.judge(line)
        }

        pub fn suggest(&self, lines: &str) -> String {
            self.0.suggest(lines)
        }

        pub fn submit_problem(&self, draft: &str) -> String {
            self.0.submit_problem(draft)
        }
    }

    #[wasm_bindgen]
    pub struct Audit(super::AuditSheet);

    #[wasm_bindgen]
    impl Audit {
        #[wasm_bindgen(constructor)]
        pub fn new(sheet: &str, rules: &str, day: &str, lang: &str) -> Audit {
            Audit(super::AuditSheet::new(sheet, rules, day, lang))
        }

        pub fn score(&self, draft: &str, photos: &str) -> String {
            self.0.score(draft, photos)
        }
    }

    #[wasm_bindgen]
    pub fn merge(phone: &str, removed: &str, server: &str) -> String {
        super::merge(phone, removed, server)
    }

    /// A number as a label prints it (`0.14`, `5`).
    #[wasm_bindgen]
    pub fn num(v: f64) -> String {
        crate::domain::fixture::num(v)
    }

    /// A UUIDv7 from the phone's clock (ms) and 16 random bytes.
    #[wasm_bindgen]
    pub fn uuid_v7(ms: f64, random: &[u8]) -> String {
        let mut r = [0u8; 16];
        for (to, from) in r.iter_mut().zip(random) {
            *to = *from;
        }
        crate::domain::evidence::uuid_v7(ms as u64, r)
    }

    #[wasm_bindgen]
    pub fn exif_range(head: &[u8]) -> Vec<u32> {
        super::exif_range(head)
    }

    #[wasm_bindgen]
    pub fn is_heic(head: &[u8]) -> bool {
        super::is_heic(head)
    }

    /// The size to send a `width × height` photo at (`[w, h]`), or empty when it goes as taken.
    #[wasm_bindgen]
    pub fn target_size(long_edge: u32, send_original: bool, width: u32, height: u32) -> Vec<u32> {
        let s = crate::model::evidence::CaptureSettings {
            long_edge,
            send_original,
            ..Default::default()
        };
        s.target_size(width, height)
            .map(|(w, h)| vec![w, h])
            .unwrap_or_default()
    }

    #[wasm_bindgen]
    pub fn filing_no_from_qr(raw: &str) -> String {
        crate::domain::market::filing_no_from_qr(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lang: &str) -> VisitRules {
        let set = serde_json::to_string(&RuleSet::seed()).expect("rules");
        VisitRules::new(&set, "2026-06-01", lang)
    }

    #[test]
    fn a_line_is_judged_in_the_pages_language() {
        let faucet =
            r#"{"id":"a","category":"faucet","label_present":true,"grade":3,"figure":0.14}"#;
        let zh: Judged = serde_json::from_str(&rules("zh").judge(faucet)).expect("json");
        assert_eq!(zh.verdict, Some(Verdict::NotWaterSaving));
        assert!(zh.reason.contains("3 级"), "{}", zh.reason);
        let en: Judged = serde_json::from_str(&rules("en").judge(faucet)).expect("json");
        assert!(en.reason.contains("Grade 3"), "{}", en.reason);
        // A grade outside the scheme cannot be judged: no verdict, the reason says why.
        let odd = r#"{"id":"a","category":"faucet","label_present":true,"grade":9}"#;
        let odd: Judged = serde_json::from_str(&rules("zh").judge(odd)).expect("json");
        assert_eq!(odd.verdict, None);
        assert!(!odd.reason.is_empty());
        // No rules in force: nothing is judged.
        assert_eq!(
            VisitRules::new("null", "2026-06-01", "zh").judge(faucet),
            "null"
        );
    }

    #[test]
    fn the_suggested_outcome_and_the_submit_check_are_the_servers() {
        let r = rules("zh");
        let good = r#"[{"id":"0192f0c4-1111-7000-8000-000000000001","category":"toilet","label_present":true,"grade":1,"figure":3.8,"quantity":1}]"#;
        let bad = r#"[{"id":"0192f0c4-1111-7000-8000-000000000001","category":"shower","brand":"华艺","label_present":false,"quantity":1}]"#;
        assert_eq!(r.suggest(good), "compliant");
        assert_eq!(r.suggest(bad), "rectify");
        assert_eq!(r.suggest("[]"), "compliant");
        // A rectification without its deadline cannot be submitted; with one it can.
        let no_deadline = format!(r#"{{"lines":{bad},"outcome":"rectify","outcome_note":""}}"#);
        let problem = r.submit_problem(&no_deadline);
        assert!(problem.contains("整改期限"), "{problem}");
        let with = format!(
            r#"{{"lines":{bad},"outcome":"rectify","outcome_note":"","rectify_by":"2026-06-15"}}"#
        );
        assert_eq!(r.submit_problem(&with), "");
    }

    #[test]
    fn an_audit_is_scored_on_the_phone_as_on_the_server() {
        let sheet =
            crate::domain::score::ScoreSheet::seed(crate::domain::site::SiteKind::Community)
                .expect("sheet");
        let rules = serde_json::to_string(&RuleSet::seed()).expect("json");
        let a = AuditSheet::new(
            &serde_json::to_string(&sheet).expect("json"),
            &rules,
            "2026-06-01",
            "en",
        );
        // Toilets counted by the auditor; faucets and showers by the label read on them.
        let v: serde_json::Value = serde_json::from_str(&a.score(
            r#"{"items":[{"item_id":"rules","score":7.5},{"item_id":"greening","not_applicable":true}],
                "fixture_counts":[{"category":"toilet","installed":4,"water_saving":3},
                  {"category":"faucet","installed":6,"water_saving":6,"label":{"grade":3}},
                  {"category":"shower","installed":2,"label":{"grade":1}}]}"#,
            r#"{"publicity":1}"#,
        ))
        .expect("json");
        assert_eq!(v["counts"][0]["water_saving"], 3);
        assert_eq!(v["counts"][1]["water_saving"], 0);
        assert_eq!(v["counts"][1]["verdict"], "not_water_saving");
        assert_eq!(v["counts"][2]["water_saving"], 2);
        assert_eq!(v["counts"][2]["verdict"], "water_saving");
        assert_eq!(v["total"], 7.5);
        assert_eq!(v["applicable_max"], 95.0);
        assert_eq!(v["pass_mark"], 90.0);
        assert_eq!(v["passed"], false);
        assert_eq!(v["points"]["rules"], 7.5);
        assert_eq!(v["points"]["greening"], serde_json::Value::Null);
        let rate = v["fixture_rate"].as_f64().expect("rate");
        assert!((rate - 5.0 / 12.0).abs() < 1e-9, "{rate}");
        // The notice board has its photo; the meters still need theirs.
        assert_eq!(v["needs_evidence"], serde_json::json!(["household_meters"]));
        // A refused answer names its field, in the page's language.
        let v: serde_json::Value =
            serde_json::from_str(&a.score(r#"{"items":[{"item_id":"rules","score":12}]}"#, "{}"))
                .expect("json");
        assert_eq!(v["field"], "items[0].score");
        assert_eq!(v["error"], "This item is worth at most 10 points.");
        // A grade the category's label does not have is refused by its field.
        let v: serde_json::Value = serde_json::from_str(&a.score(
            r#"{"fixture_counts":[{"category":"toilet","installed":1,"label":{"grade":7}}]}"#,
            "{}",
        ))
        .expect("json");
        assert_eq!(v["field"], "fixture_counts[0].label.grade");
    }

    #[test]
    fn the_later_edit_of_a_line_wins_the_merge() {
        let phone = r#"[{"id":"a","category":"toilet","brand":"phone","edited_at":20}]"#;
        let server = r#"[{"id":"a","category":"toilet","brand":"server","edited_at":10},
                         {"id":"b","category":"faucet","edited_at":5}]"#;
        let m: serde_json::Value = serde_json::from_str(&merge(phone, "[]", server)).expect("json");
        assert_eq!(m["lines"][0]["brand"], "phone");
        assert_eq!(m["lines"][1]["id"], "b");
        assert_eq!(m["from_server"], true);
        let m: serde_json::Value =
            serde_json::from_str(&merge(phone, r#"["b"]"#, server)).expect("json");
        assert_eq!(m["lines"].as_array().map(Vec::len), Some(1));
        assert_eq!(m["from_server"], false);
    }

    #[test]
    fn the_exif_block_and_heic_are_found_in_a_files_first_bytes() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10];
        jpeg.extend_from_slice(b"Exif\0\0");
        jpeg.extend_from_slice(&[b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 0]);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let r = exif_range(&jpeg);
        assert_eq!(r.len(), 2);
        assert_eq!(&jpeg[r[0] as usize..r[0] as usize + 2], b"MM");
        assert!(exif_range(b"not a jpeg").is_empty());
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic");
        assert!(is_heic(&heic));
        assert!(!is_heic(&jpeg));
    }
}
