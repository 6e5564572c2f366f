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
