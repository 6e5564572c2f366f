//! A market spot check as recorded, and lists of checks. The editor an inspector types into on the
//! phone is the page's script (`app/phone/visit.js`, with the rules from `src/phone.rs`); it starts
//! from the record shown here.

use crate::domain::fixture::{CategoryRule, Verdict};
use crate::domain::market::{InspectionStatus, Outcome};
use crate::i18n::{Lang, Msg};
use crate::model::market::{InspectionBrief, MarketView};

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

/// A check as recorded, read-only (a submitted one, or a draft seen by a supervisor): every line
/// with the verdict the server recorded and the rules version that gave it, and the outcome.
/// `comments`: a supervisor's earlier comments, each shown beside its line; `comment_fields`: a
/// comment box under each line for the page's review form (`review-form`).
#[component]
pub fn RecordedVisit(
    lang: Lang,
    visit: MarketView,
    #[prop(optional)] comments: Vec<crate::model::review::LineComment>,
    #[prop(optional)] comment_fields: bool,
) -> impl IntoView {
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
            {match (visit.status, visit.submitted_at.clone()) {
                (InspectionStatus::Draft, _) => view! { <p class="tag">{Msg::DraftStatus.text(lang)}</p> }.into_any(),
                (InspectionStatus::Returned, _) => view! { <p class="tag tag-warn">{Msg::ReturnedStatus.text(lang)}</p> }.into_any(),
                (InspectionStatus::Approved, at) => view! {
                    <p class="tag tag-ok">{Msg::ApprovedStatus.text(lang)} " · " {Msg::Submitted.text(lang)} " " {at.unwrap_or_default()}</p>
                }.into_any(),
                (InspectionStatus::Submitted, at) => view! { <p class="tag tag-ok">{Msg::Submitted.text(lang)} " " {at.unwrap_or_default()}</p> }.into_any(),
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
                        {comments.iter().filter(|c| c.line_id.to_string() == l.id).map(|c| view! {
                            <p class="review-comment" role="note"><strong>{Msg::SupervisorSays.text(lang)}</strong> " " {c.text.clone()}</p>
                        }).collect_view()}
                        {comment_fields.then(|| view! {
                            <label class="field">
                                <span>{Msg::CommentOnLine.text(lang)} " · " {l.brand.clone()} " " {l.model.clone()}</span>
                                <textarea name=format!("line:{}", l.id) form="review-form" rows="2"
                                    maxlength=crate::domain::market::MAX_NOTE.to_string()></textarea>
                            </label>
                        })}
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
                    InspectionStatus::Returned => Msg::ReturnedStatus.text(lang),
                    InspectionStatus::Approved => Msg::ApprovedStatus.text(lang),
                };
                view! {
                    <li>
                        <a href=format!("/checks/{}", c.id)>
                            <strong>{c.site_name.clone()}</strong>
                            <span class="small muted">" · " {c.started_at.clone()} " · " {status}</span>
                            {if c.kind == crate::domain::inspection::InspectionKind::Audit {
                                view! { <span class="small check-counts">" · " {Msg::AuditTitle.text(lang)}</span> }.into_any()
                            } else {
                                view! {
                                    <span class="small check-counts">{format!(" · {} {}", c.lines, Msg::LinesCount.text(lang))}</span>
                                    {(c.violations > 0).then(|| view! {
                                        <span class="small count-bad">{format!(" · {} {}", c.violations, Msg::ViolationsCount.text(lang))}</span>
                                    })}
                                }.into_any()
                            }}
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
