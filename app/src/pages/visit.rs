//! A market spot check on the phone: the product lines on sale, each judged the moment it is typed
//! (the same rules function and version the server uses), the outcome, and submit.
//!
//! The draft lives on the phone first (localStorage, written on every change) and goes to the server
//! whenever there is a connection; a reload, a dropped connection or a closed tab resumes it. The
//! phone's copy and the server's are merged line by line (the later edit of a line wins), and the
//! page says when it merged.

use crate::domain::fixture::{CategoryRule, Day, Judgement, RuleSet, Verdict};
use crate::domain::market::InspectionStatus;
use crate::domain::market::{suggest_outcome, Draft, Line, Outcome};
use crate::i18n::{Lang, Msg};
use crate::model::evidence::{CaptureSettings, PhotoBrief};
use crate::model::market::{InspectionBrief, MarketView};
use crate::pages::inspection::{UploadItem, UploadList};

use leptos::prelude::*;

/// The verdict's words in `lang`.
pub fn verdict_text(v: Verdict, lang: Lang) -> &'static str {
    match (v, lang) {
        (Verdict::WaterSaving, Lang::Zh) => "节水",
        (Verdict::WaterSaving, Lang::En) => "Water-saving",
        (Verdict::NotWaterSaving, Lang::Zh) => "非节水",
        (Verdict::NotWaterSaving, Lang::En) => "Not water-saving",
        (Verdict::LabelViolation, Lang::Zh) => "标识违规",
        (Verdict::LabelViolation, Lang::En) => "Label violation",
        (Verdict::PhasedOutViolation, Lang::Zh) => "淘汰产品",
        (Verdict::PhasedOutViolation, Lang::En) => "Phased-out product",
        (Verdict::NeedsReview, Lang::Zh) => "需复核",
        (Verdict::NeedsReview, Lang::En) => "Needs review",
    }
}

pub fn outcome_text(o: Outcome, lang: Lang) -> &'static str {
    match (o, lang) {
        (Outcome::Compliant, Lang::Zh) => "合格",
        (Outcome::Compliant, Lang::En) => "Compliant",
        (Outcome::Rectify, Lang::Zh) => "限期整改",
        (Outcome::Rectify, Lang::En) => "Rectify by a deadline",
        (Outcome::OffSale, Lang::Zh) => "下架停售",
        (Outcome::OffSale, Lang::En) => "Take off sale",
        (Outcome::Refer, Lang::Zh) => "移交市场监管部门",
        (Outcome::Refer, Lang::En) => "Refer to market regulation",
    }
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::WaterSaving => "verdict verdict-ok",
        Verdict::NeedsReview => "verdict verdict-review",
        _ => "verdict verdict-bad",
    }
}

fn name(c: &CategoryRule, lang: Lang) -> String {
    match lang {
        Lang::Zh => c.name_zh.clone(),
        Lang::En => c.name_en.clone(),
    }
}

/// A number as typed back into its field: as a label prints it.
fn num_text(v: Option<f64>) -> String {
    v.map(crate::domain::fixture::num).unwrap_or_default()
}

/// A check as recorded, read-only (a submitted one, or a draft seen by a supervisor): every line
/// with the verdict the server recorded and the rules version that gave it, and the outcome.
#[component]
pub fn RecordedVisit(lang: Lang, visit: MarketView) -> impl IntoView {
    let rules = visit.rules.clone();
    let cat = move |slug: &str| {
        rules
            .as_ref()
            .and_then(|r| r.category(slug))
            .map(|c| name(c, lang))
            .unwrap_or_else(|| slug.to_string())
    };
    let d = visit.draft.clone();
    view! {
        <section class="card stack" aria-labelledby="lines-h">
            <h2 id="lines-h">{Msg::ProductLines.text(lang)} " (" {d.lines.len()} ")"</h2>
            {match visit.submitted_at.clone() {
                Some(at) => view! { <p class="tag tag-ok">{Msg::Submitted.text(lang)} " " {at}</p> }.into_any(),
                None => view! { <p class="tag">{Msg::DraftStatus.text(lang)}</p> }.into_any(),
            }}
            <ol class="line-list">
                {d.lines.iter().zip(visit.judgements.iter()).map(|(l, j)| view! {
                    <li class="line-card">
                        <div class="line-head">
                            <span class=format!("cat-icon cat-{}", l.category) aria-hidden="true"></span>
                            <strong>{cat(&l.category)}</strong>
                            " " {l.brand.clone()} " " {l.model.clone()}
                            <span class=verdict_class(j.verdict)>{verdict_text(j.verdict, lang)}</span>
                        </div>
                        <p class="small">{if lang == Lang::Zh { j.reason.zh.clone() } else { j.reason.en.clone() }}</p>
                        <p class="small muted">{Msg::RulesVersion.text(lang)} " " {j.rules_version}
                            {(!l.filing_no.is_empty()).then(|| format!(" · {} {}", Msg::FilingNo.text(lang), l.filing_no))}
                        </p>
                    </li>
                }).collect_view()}
            </ol>
            <h2>{Msg::OutcomeTitle.text(lang)}</h2>
            <p><strong>{d.outcome.map(|o| outcome_text(o, lang)).unwrap_or_default()}</strong>
                {d.rectify_by.map(|day| format!(" · {} {day}", Msg::RectifyBy.text(lang)))}</p>
            {(!d.outcome_note.is_empty()).then(|| view! { <p class="small">{d.outcome_note.clone()}</p> })}
        </section>
    }
}

/// Checks as a list: the shop, when, how many lines and how many of them are not water-saving, and
/// where it stands. Each opens its record.
#[component]
pub fn CheckList(lang: Lang, label: &'static str, list: Vec<InspectionBrief>) -> impl IntoView {
    view! {
        <ul class="check-list" aria-label=label>
            {list.into_iter().map(|c| {
                let status = match c.status {
                    InspectionStatus::Draft => Msg::DraftStatus.text(lang),
                    InspectionStatus::Submitted => Msg::Submitted.text(lang),
                };
                view! {
                    <li>
                        <a href=format!("/checks/{}", c.id)>
                            <strong>{c.site_name.clone()}</strong>
                            <span class="small muted">" · " {c.started_at.clone()} " · " {status}</span>
                            <span class="small check-counts">{format!(" · {} {}", c.lines, Msg::LinesCount.text(lang))}</span>
                            {(c.violations > 0).then(|| view! {
                                <span class="small count-bad">{format!(" · {} {}", c.violations, Msg::ViolationsCount.text(lang))}</span>
                            })}
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The phone's copy of a draft (localStorage), with what the server has not acknowledged yet.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhoneCopy {
    pub lines: Vec<Line>,
    pub removed: Vec<String>,
    pub outcome: Option<Outcome>,
    pub outcome_note: String,
    pub rectify_by: String,
    /// Lines (by id) changed since the server last took the draft; `"outcome"` for the outcome.
    pub unsent: Vec<String>,
}

/// Where the draft is, as the page tells the inspector.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum SyncState {
    Saved,
    Saving,
    /// No connection: the draft waits on the phone.
    Offline,
    /// The server refused the draft (the message says why); it stays on the phone.
    Refused(String),
}

/// Every reactive piece of the editor, copied into each closure.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Editor {
    lines: RwSignal<Vec<Line>>,
    removed: RwSignal<Vec<String>>,
    unsent: RwSignal<Vec<String>>,
    outcome: RwSignal<Option<Outcome>>,
    outcome_note: RwSignal<String>,
    rectify_by: RwSignal<String>,
    sync: RwSignal<SyncState>,
    /// Bumped when lines are replaced from outside (a merge): the line cards are drawn again.
    epoch: RwSignal<u32>,
    open: RwSignal<Option<String>>,
    rules: StoredValue<Option<RuleSet>>,
    day: Day,
    id: StoredValue<String>,
    lang: Lang,
}

impl Editor {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn copy(&self) -> PhoneCopy {
        PhoneCopy {
            lines: self.lines.get_untracked(),
            removed: self.removed.get_untracked(),
            outcome: self.outcome.get_untracked(),
            outcome_note: self.outcome_note.get_untracked(),
            rectify_by: self.rectify_by.get_untracked(),
            unsent: self.unsent.get_untracked(),
        }
    }

    /// After any change: kept on the phone at once, sent to the server shortly.
    fn changed(&self, what: &str) {
        self.unsent.update(|u| {
            if !u.iter().any(|x| x == what) {
                u.push(what.to_string())
            }
        });
        #[cfg(feature = "hydrate")]
        client::changed(*self);
    }

    fn edit(&self, id: &str, f: impl FnOnce(&mut Line)) {
        self.lines.update(|v| {
            if let Some(l) = v.iter_mut().find(|l| l.id == id) {
                f(l);
                l.edited_at = Some(now_ms());
            }
        });
        self.changed(id);
    }

    fn judge(&self, l: &Line) -> Option<Result<Judgement, String>> {
        let lang = self.lang;
        self.rules.with_value(|r| {
            r.as_ref().map(|r| {
                r.judge(&l.facts(self.day)).map_err(|b| match lang {
                    Lang::Zh => b.reason.zh,
                    Lang::En => b.reason.en,
                })
            })
        })
    }

    fn suggested(&self) -> Outcome {
        let lines = self.lines.get();
        suggest_outcome(
            lines
                .iter()
                .filter_map(|l| self.judge(l).and_then(Result::ok).map(|j| j.verdict)),
        )
    }

    fn draft(&self) -> Draft {
        Draft {
            lines: self.lines.get_untracked(),
            outcome: self.outcome.get_untracked(),
            outcome_note: self.outcome_note.get_untracked(),
            rectify_by: Day::parse(&self.rectify_by.get_untracked()),
        }
    }
}

fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// The visit's product lines and outcome, edited on the phone. Loaded only on this page (a lazy
/// island: its code is a separate download that no other page pays for).
#[island(lazy)]
pub fn VisitEditor(
    lang: Lang,
    inspection_id: String,
    visit: MarketView,
    settings: CaptureSettings,
    photos: Vec<PhotoBrief>,
) -> impl IntoView {
    let day = Day::parse(&visit.visit_day).unwrap_or(Day(0));
    let d = visit.draft;
    let ed = Editor {
        lines: RwSignal::new(d.lines),
        removed: RwSignal::new(Vec::new()),
        unsent: RwSignal::new(Vec::new()),
        outcome: RwSignal::new(d.outcome),
        outcome_note: RwSignal::new(d.outcome_note),
        rectify_by: RwSignal::new(d.rectify_by.map(|d| d.to_string()).unwrap_or_default()),
        sync: RwSignal::new(SyncState::Saved),
        epoch: RwSignal::new(0),
        open: RwSignal::new(None),
        rules: StoredValue::new(visit.rules),
        day,
        id: StoredValue::new(inspection_id),
        lang,
    };
    let uploads = crate::pages::inspection::upload_items();
    let photos = StoredValue::new(photos);
    let merged = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let submitting = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| client::resume(ed, merged, uploads));

    let categories = ed.rules.with_value(|r| {
        r.as_ref()
            .map(|r| {
                r.categories
                    .iter()
                    .map(|c| (c.slug.clone(), name(c, lang), c.label.is_some()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let add = move |slug: String, labelled: bool| {
        let id = new_line_id();
        ed.lines.update(|v| {
            v.push(Line {
                id: id.clone(),
                category: slug,
                label_present: labelled,
                quantity: 1,
                edited_at: Some(now_ms()),
                ..Line::default()
            })
        });
        ed.open.set(Some(id.clone()));
        ed.changed(&id);
    };
    let waiting = move || {
        let lines = ed
            .unsent
            .with(|u| u.iter().filter(|x| *x != "outcome").count());
        let photos = uploads.with(|u| u.iter().filter(|i| i.state.with(|s| s.waiting())).count());
        (lines, photos)
    };
    // Every line judged once per change, not once per outcome button.
    let suggested = Memo::new(move |_| ed.suggested());
    let submit = move |_| {
        problem.set(None);
        if ed.outcome.get_untracked().is_none() {
            ed.outcome.set(Some(suggested.get_untracked()));
            ed.changed("outcome");
        }
        let d = ed.draft();
        let verdicts: Vec<Verdict> = d
            .lines
            .iter()
            .filter_map(|l| ed.judge(l).and_then(Result::ok).map(|j| j.verdict))
            .collect();
        if let Err(e) = crate::domain::market::check_submit(&d, &verdicts, ed.day) {
            problem.set(Some(match lang {
                Lang::Zh => e.reason.zh,
                Lang::En => e.reason.en,
            }));
            return;
        }
        submitting.set(true);
        #[cfg(feature = "hydrate")]
        client::submit(ed, problem, submitting);
    };

    view! {
        <div class="stack visit">
            <p class="sync-status small" role="status" aria-live="polite">
                {move || {
                    let (l, p) = waiting();
                    let state = match ed.sync.get() {
                        SyncState::Saved if l == 0 => Msg::DraftSaved.text(lang).to_string(),
                        SyncState::Saving => Msg::DraftSaving.text(lang).to_string(),
                        SyncState::Refused(m) => m,
                        _ => Msg::DraftOnPhone.text(lang).to_string(),
                    };
                    let mut s = state;
                    if l > 0 {
                        s.push_str(&format!(" · {l} {}", Msg::LinesWaiting.text(lang)));
                    }
                    if p > 0 {
                        s.push_str(&format!(" · {p} {}", Msg::PhotosWaiting.text(lang)));
                    }
                    s
                }}
            </p>
            {move || merged.get().then(|| view! {
                <p class="notice small" role="status">{Msg::DraftMerged.text(lang)}</p>
            })}
            <section class="card stack" aria-labelledby="lines-h">
                <h2 id="lines-h">{Msg::ProductLines.text(lang)} " (" {move || ed.lines.with(Vec::len)} ")"</h2>
                {move || {
                    ed.epoch.get();
                    view! {
                        <ol class="line-list" aria-label=Msg::ProductLines.text(lang)>
                            <For each=move || ed.lines.get() key=|l| l.id.clone() let:line>
                                {view! { <LineCard ed line_id=line.id.clone() uploads settings photos /> }.into_any()}
                            </For>
                        </ol>
                    }
                }}
                <fieldset class="add-line">
                    <legend>{Msg::AddLine.text(lang)}</legend>
                    <div class="cat-grid">
                        {categories.into_iter().map(|(slug, label, labelled)| {
                            let s = slug.clone();
                            view! {
                                <button type="button" class="cat-btn" on:click=move |_| add(s.clone(), labelled)>
                                    <span class=format!("cat-icon cat-{slug}") aria-hidden="true"></span>
                                    {label}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            </section>
            {view! { <OutcomeCard ed suggested /> }.into_any()}
            {move || problem.get().map(|m| view! { <p class="alert" role="alert">{m}</p> })}
            <button type="button" class="btn btn-primary btn-block" on:click=submit
                disabled=move || submitting.get()>
                {Msg::SubmitCheck.text(lang)}
            </button>
        </div>
    }
}

/// One product line: a summary with its verdict, and (when open) its fields.
#[component]
fn LineCard(
    ed: Editor,
    line_id: String,
    uploads: RwSignal<Vec<UploadItem>>,
    settings: CaptureSettings,
    photos: StoredValue<Vec<PhotoBrief>>,
) -> impl IntoView {
    let lang = ed.lang;
    let id = StoredValue::new(line_id.clone());
    let line = Memo::new(move |_| {
        ed.lines.with(|v| {
            id.with_value(|id| v.iter().find(|l| &l.id == id).cloned())
                .unwrap_or_default()
        })
    });
    let rule = move || {
        let slug = line.with(|l| l.category.clone());
        ed.rules
            .with_value(|r| r.as_ref().and_then(|r| r.category(&slug)).cloned())
    };
    let judged = Memo::new(move |_| line.with(|l| ed.judge(l)));
    let start = line.get_untracked();
    let is_open = move || id.with_value(|id| ed.open.get().as_deref() == Some(id.as_str()));
    let confirm_remove = RwSignal::new(false);
    let set = move |f: Box<dyn FnOnce(&mut Line)>| id.with_value(|id| ed.edit(id, f));
    let saved_photos = photos.with_value(|p| {
        p.iter()
            .filter(|p| p.line_id.map(|u| u.to_string()).as_deref() == Some(line_id.as_str()))
            .count()
    });
    let title = move || {
        let r = rule();
        let l = line.get();
        let n = r.map(|c| name(&c, lang)).unwrap_or(l.category.clone());
        format!("{n} {} {}", l.brand, l.model)
    };
    let unit = move |second: bool| {
        rule()
            .and_then(|c| if second { c.figure2 } else { c.figure })
            .map(|f| {
                let n = if lang == Lang::Zh {
                    f.name_zh
                } else {
                    f.name_en
                };
                (n, f.unit)
            })
    };
    let grades = move || rule().map(|c| c.grades).unwrap_or(0);
    let text_field = move |label: &'static str,
                           value: String,
                           list: Option<&'static str>,
                           f: fn(&mut Line, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" value=value maxlength="100" list=list
                    on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |l| f(l, v))) } />
            </label>
        }
        .into_any()
    };
    let figure_field = move |second: bool, value: Option<f64>| {
        unit(second).map(|(n, u)| {
            let bad = RwSignal::new(false);
            view! {
                <label class="field">
                    <span>{n} " (" {u.clone()} ")"</span>
                    <span class="with-unit">
                        <input type="text" inputmode="decimal" value=num_text(value)
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let t = v.trim().replace(',', ".");
                                let parsed = if t.is_empty() { Some(None) } else { t.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).map(Some) };
                                bad.set(parsed.is_none());
                                if let Some(x) = parsed {
                                    set(Box::new(move |l| if second { l.figure2 = x } else { l.figure = x }));
                                }
                            } />
                        <span class="unit">{u}</span>
                    </span>
                    {move || bad.get().then(|| view! { <span class="alert-inline" role="alert">{Msg::NotANumber.text(lang)}</span> })}
                </label>
            }
            .into_any()
        })
    };

    let head = view! {
            <div class="line-head">
                <span class=move || format!("cat-icon cat-{}", line.with(|l| l.category.clone())) aria-hidden="true"></span>
                <strong class="line-title">{title}</strong>
                {move || match judged.get() {
                    Some(Ok(j)) => view! { <span class=verdict_class(j.verdict)>{verdict_text(j.verdict, lang)}</span> }.into_any(),
                    _ => view! { <span class="verdict verdict-review">"?"</span> }.into_any(),
                }}
            </div>
            <p class="small line-reason" aria-live="polite">{move || match judged.get() {
                Some(Ok(j)) => if lang == Lang::Zh { j.reason.zh } else { j.reason.en },
                Some(Err(m)) => m,
                None => Msg::NoRulesInForce.text(lang).to_string(),
            }}</p>
            <button type="button" class="btn btn-small" aria-expanded=move || is_open().to_string()
                on:click=move |_| {
                    let open = is_open();
                    ed.open.set(if open { None } else { Some(id.get_value()) });
                }>
                {move || if is_open() { Msg::DoneEditing.text(lang) } else { Msg::EditLine.text(lang) }}
            </button>
    }
    .into_any();
    let fields_a = view! {
                {text_field(Msg::Brand.text(lang), start.brand.clone(), Some("brand-list"), |l, v| l.brand = v)}
                {text_field(Msg::Model.text(lang), start.model.clone(), None, |l, v| l.model = v)}
                <label class="switch">
                    <input type="checkbox" checked=start.label_present
                        on:change=move |ev| { let v = event_target_checked(&ev); set(Box::new(move |l| l.label_present = v)) } />
                    <span>{Msg::LabelPresent.text(lang)}</span>
                </label>
                <fieldset class="grade-group" hidden=move || !line.with(|l| l.label_present)>
                    <legend>{Msg::GradeShown.text(lang)}</legend>
                    {move || (1..=grades()).map(|g| {
                        let checked = line.with_untracked(|l| l.grade == Some(g));
                        view! {
                            <label class="grade-btn">
                                <input type="radio" name=format!("grade-{}", id.get_value()) value=g checked=checked
                                    on:change=move |_| set(Box::new(move |l| l.grade = Some(g))) />
                                <span>{if lang == Lang::Zh { format!("{g}级") } else { format!("Grade {g}") }}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                {figure_field(false, start.figure)}
                {figure_field(true, start.figure2)}
    }
    .into_any();
    let fields_b = view! {
                <label class="field">
                    <span>{Msg::QuantityOnDisplay.text(lang)}</span>
                    <input type="number" inputmode="numeric" min="0" max="100000" value=start.quantity
                        on:input=move |ev| {
                            let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                            set(Box::new(move |l| l.quantity = v))
                        } />
                </label>
                <label class="switch">
                    <input type="checkbox" checked=start.phased_out
                        on:change=move |ev| { let v = event_target_checked(&ev); set(Box::new(move |l| l.phased_out = v)) } />
                    <span>{Msg::PhasedOutType.text(lang)}</span>
                </label>
                <FilingNo ed line_id=id value=start.filing_no.clone() />
                {text_field(Msg::Manufacturer.text(lang), start.manufacturer.clone(), None, |l, v| l.manufacturer = v)}
                <label class="field">
                    <span>{Msg::LineNote.text(lang)}</span>
                    <textarea maxlength="2000" rows="2"
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |l| l.note = v)) }>{start.note.clone()}</textarea>
                </label>
                <label class="btn btn-block file-button">
                    {Msg::LinePhoto.text(lang)}
                    <input type="file" accept="image/*" capture=(!settings.allow_gallery).then_some("environment") multiple class="visually-hidden"
                        on:change=move |ev| {
                            #[cfg(feature = "hydrate")]
                            crate::pages::inspection::capture::start(ev, ed.id.get_value(), uploads, lang, settings, Some(id.get_value()));
                            #[cfg(not(feature = "hydrate"))]
                            let _ = (&ev, uploads);
                        } />
                </label>
                <button type="button" class="btn btn-danger" on:click=move |_| {
                    if confirm_remove.get_untracked() {
                        let gone = id.get_value();
                        ed.lines.update(|v| v.retain(|l| l.id != gone));
                        ed.removed.update(|r| r.push(gone.clone()));
                        ed.changed(&gone);
                    } else {
                        confirm_remove.set(true);
                    }
                }>
                    {move || if confirm_remove.get() { Msg::ConfirmRemoveLine.text(lang) } else { Msg::RemoveLine.text(lang) }}
                </button>
    }
    .into_any();
    view! {
        <li class="line-card">
            {head}
            <div class="line-fields stack" hidden=move || !is_open()>
                {fields_a}
                {fields_b}
            </div>
            {(saved_photos > 0).then(|| view! { <p class="small muted">{saved_photos} " " {Msg::LinePhotosSaved.text(lang)}</p> })}
            <UploadList lang items=uploads line=Some(id.get_value()) />
        </li>
    }
}

/// The label's filing number (备案号): typed, or read from the label's QR code with the camera where
/// the browser offers `BarcodeDetector`.
#[component]
fn FilingNo(ed: Editor, line_id: StoredValue<String>, value: String) -> impl IntoView {
    let lang = ed.lang;
    let can_scan = RwSignal::new(false);
    let value_now = RwSignal::new(value);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| can_scan.set(client::can_scan()));
    let set = move |v: String| {
        value_now.set(v.clone());
        line_id.with_value(|id| ed.edit(id, move |l| l.filing_no = v));
    };
    view! {
        <label class="field">
            <span>{Msg::FilingNo.text(lang)}</span>
            <input type="text" maxlength="100" prop:value=move || value_now.get()
                on:input=move |ev| set(event_target_value(&ev)) />
        </label>
        {move || can_scan.get().then(|| view! {
            <label class="btn btn-block file-button">
                {Msg::ScanFilingNo.text(lang)}
                <input type="file" accept="image/*" capture="environment" class="visually-hidden"
                    on:change=move |ev| {
                        #[cfg(feature = "hydrate")]
                        client::scan(ev, set);
                        #[cfg(not(feature = "hydrate"))]
                        let _ = &ev;
                    } />
            </label>
        })}
    }
}

/// The suggested outcome, the inspector's choice with a note, and the deadline of a non-compliant one.
#[component]
fn OutcomeCard(ed: Editor, suggested: Memo<Outcome>) -> impl IntoView {
    let lang = ed.lang;
    let chosen = move || ed.outcome.get().unwrap_or_else(|| suggested.get());
    view! {
        <section class="card stack" aria-labelledby="outcome-h">
            <h2 id="outcome-h">{Msg::OutcomeTitle.text(lang)}</h2>
            <p class="small">{Msg::SuggestedOutcome.text(lang)} " "
                <strong class="suggested">{move || outcome_text(suggested.get(), lang)}</strong></p>
            <fieldset class="outcome-group">
                <legend>{Msg::ConfirmOutcome.text(lang)}</legend>
                {Outcome::ALL.into_iter().map(|o| view! {
                    <label class="choice">
                        <input type="radio" name="outcome" value=o.as_str() prop:checked=move || chosen() == o
                            on:change=move |_| { ed.outcome.set(Some(o)); ed.changed("outcome"); } />
                        <span>{outcome_text(o, lang)}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <label class="field" hidden=move || chosen() == Outcome::Compliant>
                <span>{Msg::RectifyBy.text(lang)}</span>
                <input type="date" prop:value=move || ed.rectify_by.get()
                    on:input=move |ev| { ed.rectify_by.set(event_target_value(&ev)); ed.changed("outcome"); } />
            </label>
            <label class="field">
                <span>{Msg::OutcomeNote.text(lang)}</span>
                <textarea maxlength="2000" rows="2" prop:value=move || ed.outcome_note.get()
                    on:input=move |ev| { ed.outcome_note.set(event_target_value(&ev)); ed.changed("outcome"); }></textarea>
            </label>
        </section>
    }
}

fn new_line_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        crate::pages::inspection::capture::new_id()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        uuid::Uuid::now_v7().to_string()
    }
}

#[cfg(feature = "hydrate")]
mod client {
    //! The browser's side: the phone's copy, saving to the server, submit, the QR reader.
    use super::{Editor, PhoneCopy, SyncState};
    use crate::domain::market::merge_lines;
    use crate::i18n::Msg;
    use crate::pages::inspection::UploadItem;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn key(ed: &Editor) -> String {
        format!("jieshui.visit.{}", ed.id.get_value())
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    fn keep(ed: &Editor) {
        if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&ed.copy())) {
            let _ = s.set_item(&key(ed), &json);
        }
    }

    thread_local! {
        static TIMER: std::cell::Cell<Option<TimeoutHandle>> = const { std::cell::Cell::new(None) };
        static BUSY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Kept on the phone now; sent to the server after a short pause in typing.
    pub fn changed(ed: Editor) {
        keep(&ed);
        later(ed, 700);
    }

    fn later(ed: Editor, ms: u64) {
        if let Some(h) = TIMER.with(|t| t.take()) {
            h.clear();
        }
        if let Ok(h) = set_timeout_with_handle(
            move || leptos::task::spawn_local(save(ed)),
            std::time::Duration::from_millis(ms),
        ) {
            TIMER.with(|t| t.set(Some(h)));
        }
    }

    /// Resumes after hydration: the phone's copy merged with the server's, unsent work sent, photos
    /// that waited on the phone sent too, and the connection watched.
    pub fn resume(ed: Editor, merged: RwSignal<bool>, uploads: RwSignal<Vec<UploadItem>>) {
        let phone: Option<PhoneCopy> = storage()
            .and_then(|s| s.get_item(&key(&ed)).ok().flatten())
            .and_then(|j| serde_json::from_str(&j).ok());
        if let Some(p) = phone {
            let server = ed.lines.get_untracked();
            let (lines, from_server) = merge_lines(&p.lines, &p.removed, &server);
            let differs = lines != server;
            if !p.unsent.is_empty() || differs {
                ed.lines.set(lines);
                ed.removed.set(p.removed);
                if p.unsent.iter().any(|u| u == "outcome") {
                    ed.outcome.set(p.outcome);
                    ed.outcome_note.set(p.outcome_note);
                    ed.rectify_by.set(p.rectify_by);
                }
                ed.unsent.set(p.unsent);
                ed.epoch.update(|e| *e += 1);
                merged.set(from_server && !p.lines.is_empty());
            }
        }
        keep(&ed);
        if !ed.unsent.get_untracked().is_empty() {
            later(ed, 0);
        }
        crate::pages::inspection::capture::resume_waiting(ed.id.get_value(), uploads, ed.lang);
        keep_page_offline();
        let on = window_event_listener(leptos::ev::online, move |_| later(ed, 0));
        std::mem::forget(on);
    }

    /// Registers the service worker that keeps this page and the bundle on the phone, so the check
    /// opens again without a connection (`public/sw.js`).
    fn keep_page_offline() {
        let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
            return;
        };
        let Ok(sw) = js_sys::Reflect::get(&nav, &"serviceWorker".into()) else {
            return;
        };
        if sw.is_undefined() {
            return;
        }
        if let Ok(register) = js_sys::Reflect::get(&sw, &"register".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        {
            if let Ok(p) = register.call1(&sw, &"/sw.js".into()) {
                if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                    // A refusal (no secure context, storage off) leaves the page as it was.
                    leptos::task::spawn_local(async move {
                        let _ = JsFuture::from(p).await;
                    });
                }
            }
        }
    }

    fn online() -> bool {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }

    /// The draft as the contract takes it (`rectify_by` as `YYYY-MM-DD`).
    fn body(ed: &Editor) -> String {
        let d = ed.draft();
        serde_json::json!({
            "lines": d.lines,
            "outcome": d.outcome.map(|o| o.as_str()),
            "outcome_note": d.outcome_note,
            "rectify_by": d.rectify_by.map(|d| d.to_string()),
        })
        .to_string()
    }

    /// One request; `None` when the network failed (no connection, a dropped one).
    async fn request(method: &str, url: &str, body: Option<String>) -> Option<(u16, String)> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            init.set_body(&JsValue::from_str(&b));
            let h = web_sys::Headers::new().ok()?;
            h.set("content-type", "application/json").ok()?;
            init.set_headers(&h);
        }
        let req = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
        let resp: web_sys::Response = JsFuture::from(web_sys::window()?.fetch_with_request(&req))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
        let text = JsFuture::from(resp.text().ok()?).await.ok()?.as_string()?;
        Some((resp.status(), text))
    }

    fn error_of(text: &str) -> Option<String> {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()?
            .get("error")?
            .as_str()
            .map(str::to_string)
    }

    /// Sends the draft if anything is unsent. Only one save runs at a time; a change made while it
    /// ran stays unsent and goes with the next.
    pub async fn save(ed: Editor) {
        let _ = try_save(ed).await;
    }

    /// `Some(true)`: the server holds everything; `Some(false)`: refused; `None`: no connection.
    async fn try_save(ed: Editor) -> Option<bool> {
        if ed.unsent.get_untracked().is_empty() {
            return Some(true);
        }
        if !online() {
            ed.sync.set(SyncState::Offline);
            return None;
        }
        if BUSY.with(|b| b.replace(true)) {
            later(ed, 500);
            return None;
        }
        ed.sync.set(SyncState::Saving);
        let sent = ed.copy();
        let url = format!("/api/inspections/{}/draft", ed.id.get_value());
        let answer = request("PUT", &url, Some(body(&ed))).await;
        BUSY.with(|b| b.set(false));
        match answer {
            Some((200..=299, _)) => {
                // What changed while the request was out stays unsent.
                let now = ed.copy();
                ed.unsent.update(|u| {
                    u.retain(|x| {
                        let line_now = now.lines.iter().find(|l| &l.id == x);
                        let line_then = sent.lines.iter().find(|l| &l.id == x);
                        if x == "outcome" {
                            (now.outcome, &now.outcome_note, &now.rectify_by)
                                != (sent.outcome, &sent.outcome_note, &sent.rectify_by)
                        } else {
                            line_now != line_then
                        }
                    })
                });
                ed.removed
                    .update(|r| r.retain(|x| !sent.removed.contains(x)));
                ed.sync.set(SyncState::Saved);
                keep(&ed);
                if !ed.unsent.get_untracked().is_empty() {
                    later(ed, 300);
                }
                Some(true)
            }
            Some((409, _)) => {
                // Submitted meanwhile (another tab): the page shows the record as it is.
                if let Some(s) = storage() {
                    let _ = s.remove_item(&key(&ed));
                }
                let _ = web_sys::window().map(|w| w.location().reload());
                Some(false)
            }
            Some((_, text)) => {
                ed.sync.set(SyncState::Refused(
                    error_of(&text).unwrap_or_else(|| Msg::BadRequest.text(ed.lang).to_string()),
                ));
                Some(false)
            }
            None => {
                ed.sync.set(SyncState::Offline);
                later(ed, 15_000);
                None
            }
        }
    }

    /// Saves what is unsent, then submits; the page reloads to show the submitted record.
    pub fn submit(ed: Editor, problem: RwSignal<Option<String>>, busy: RwSignal<bool>) {
        leptos::task::spawn_local(async move {
            let fail = move |m: String| {
                problem.set(Some(m));
                busy.set(false);
            };
            if !online() {
                return fail(Msg::SubmitNeedsConnection.text(ed.lang).to_string());
            }
            match try_save(ed).await {
                Some(true) => {}
                Some(false) => {
                    return fail(match ed.sync.get_untracked() {
                        SyncState::Refused(m) => m,
                        _ => Msg::BadRequest.text(ed.lang).to_string(),
                    })
                }
                None => return fail(Msg::SubmitNeedsConnection.text(ed.lang).to_string()),
            }
            let url = format!("/api/inspections/{}/submit", ed.id.get_value());
            match request("POST", &url, None).await {
                Some((200 | 201, _)) => {
                    if let Some(s) = storage() {
                        let _ = s.remove_item(&key(&ed));
                    }
                    let _ = web_sys::window().map(|w| w.location().reload());
                }
                Some((_, text)) => fail(
                    error_of(&text).unwrap_or_else(|| Msg::BadRequest.text(ed.lang).to_string()),
                ),
                None => fail(Msg::SubmitNeedsConnection.text(ed.lang).to_string()),
            }
        });
    }

    fn detector_class() -> Option<js_sys::Function> {
        js_sys::Reflect::get(&web_sys::window()?.into(), &"BarcodeDetector".into())
            .ok()?
            .dyn_into()
            .ok()
    }

    pub fn can_scan() -> bool {
        detector_class().is_some()
    }

    /// Reads the QR code on the photographed label and hands over the filing number it holds.
    pub fn scan(ev: leptos::ev::Event, then: impl Fn(String) + 'static) {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            let found = async {
                let class = detector_class()?;
                let opts = js_sys::Object::new();
                let formats = js_sys::Array::of1(&"qr_code".into());
                js_sys::Reflect::set(&opts, &"formats".into(), &formats).ok()?;
                let detector =
                    js_sys::Reflect::construct(&class, &js_sys::Array::of1(&opts)).ok()?;
                let bitmap = JsFuture::from(
                    web_sys::window()?
                        .create_image_bitmap_with_blob(&file)
                        .ok()?,
                )
                .await
                .ok()?;
                let detect: js_sys::Function = js_sys::Reflect::get(&detector, &"detect".into())
                    .ok()?
                    .dyn_into()
                    .ok()?;
                let codes = JsFuture::from(
                    detect
                        .call1(&detector, &bitmap)
                        .ok()?
                        .dyn_into::<js_sys::Promise>()
                        .ok()?,
                )
                .await
                .ok()?;
                let first = js_sys::Array::from(&codes).get(0);
                js_sys::Reflect::get(&first, &"rawValue".into())
                    .ok()?
                    .as_string()
            }
            .await;
            if let Some(raw) = found {
                then(crate::domain::market::filing_no_from_qr(&raw));
            }
        });
    }
}
