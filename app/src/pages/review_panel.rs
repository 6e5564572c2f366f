//! What a market check's page shows of its review: for a supervisor the start position against
//! the geofence, every photo with its flags and distance, and the decision forms (approve, return
//! with comments on the whole and on single lines, correct the outcome with a reason); for
//! everyone who sees the record its rectification orders and every round of its history, with a
//! CSV download. All plain HTML forms: nothing here needs a script.

use crate::domain::market::{Outcome, MAX_NOTE};
use crate::domain::review::Action;
use crate::i18n::{Lang, Msg};
use crate::model::evidence::flag_text;
use crate::model::review::{OrderBrief, PhotoCheck, ReviewEntry, ReviewPanel, StartCheck};
use crate::pages::visit::outcome_text;
use crate::util::format_distance;
use leptos::prelude::*;

/// The comments a check was returned with: on the whole, and on each line by its label.
#[component]
pub fn ReturnedNote(lang: Lang, entry: ReviewEntry) -> impl IntoView {
    view! {
        <section class="card stack returned-note" aria-labelledby="returned-h">
            <h2 id="returned-h">{Msg::ReturnedComments.text(lang)}</h2>
            <p class="small muted">{entry.reviewer.clone()} " · " {entry.at.clone()}</p>
            {(!entry.comment.is_empty()).then(|| view! { <p class="review-comment">{entry.comment.clone()}</p> })}
            {(!entry.line_comments.is_empty()).then(|| view! {
                <ul class="comment-list">
                    {entry.line_comments.iter().map(|c| view! {
                        <li><strong>{c.line.clone()}</strong> "：" {c.text.clone()}</li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

fn start_text(s: &StartCheck, lang: Lang) -> String {
    let mut t = format!(
        "{} {} · {} {} · ",
        Msg::FromSite.text(lang),
        format_distance(s.distance_m, lang),
        Msg::GeofenceRadius.text(lang),
        format_distance(s.geofence_m as f64, lang),
    );
    t.push_str(if s.inside() {
        Msg::InsideGeofence.text(lang)
    } else {
        Msg::OutsideGeofence.text(lang)
    });
    if let Some(a) = s.accuracy_m {
        t.push_str(&format!(
            " · {} {}",
            Msg::Accuracy.text(lang),
            format_distance(a, lang)
        ));
    }
    t
}

/// A photo's thumbnail linking to its viewer (a HEIC without a preview shows its format).
#[component]
pub fn PhotoLink(lang: Lang, id: uuid::Uuid, preview: bool) -> impl IntoView {
    view! {
        <a href=format!("/photos/{id}") aria-label=Msg::ViewPhoto.text(lang)>
            {if preview {
                view! { <img src=format!("/api/photos/{id}/thumb/320") alt="" /> }.into_any()
            } else {
                view! { <span class="no-preview">"HEIC"</span> }.into_any()
            }}
        </a>
    }
}

/// Where the check began and every photo with its flags and distance: what a reviewer weighs.
#[component]
pub fn EvidenceCheck(
    lang: Lang,
    start: Option<StartCheck>,
    photos: Vec<PhotoCheck>,
) -> impl IntoView {
    view! {
        <section class="card stack" aria-labelledby="evidence-h">
            <h2 id="evidence-h">{Msg::PhotoEvidence.text(lang)}</h2>
            <p>
                <strong>{Msg::StartPosition.text(lang)} "："</strong>
                {match start {
                    Some(s) => view! {
                        <span class=if s.inside() { "pos-ok" } else { "pos-bad" }>{start_text(&s, lang)}</span>
                    }.into_any(),
                    None => view! { <span class="pos-bad">{Msg::NoStartPosition.text(lang)}</span> }.into_any(),
                }}
            </p>
            {if photos.is_empty() {
                view! { <p class="muted">{Msg::NoPhotos.text(lang)}</p> }.into_any()
            } else {
                view! {
                    <ul class="evidence-list" aria-label=Msg::PhotoEvidence.text(lang)>
                        {photos.into_iter().map(|p| view! {
                            <li>
                                <PhotoLink lang id=p.id preview=p.preview />
                                <div class="small">
                                    <p>{match p.distance_m {
                                        Some(d) => format!("{} {}", Msg::FromSite.text(lang), format_distance(d, lang)),
                                        None => Msg::NoPhotoPosition.text(lang).to_string(),
                                    }}</p>
                                    {if p.flags.is_empty() {
                                        view! { <p class="flag-none">{Msg::NoFlags.text(lang)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="flag-list">
                                                {p.flags.iter().map(|f| view! { <li>{flag_text(f, lang)}</li> }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </div>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The decision forms. Line comments are the `line:<id>` fields beside each line, which belong to
/// the form `review-form` wherever they stand on the page.
#[component]
pub fn DecisionForms(
    lang: Lang,
    id: uuid::Uuid,
    panel: ReviewPanel,
    outcome: Option<Outcome>,
    rectify_by: Option<String>,
    refused: Option<Msg>,
) -> impl IntoView {
    let action = format!("/checks/{id}/review");
    view! {
        <section class="card stack" id="review" aria-labelledby="review-h">
            <h2 id="review-h">{Msg::ReviewPanelTitle.text(lang)}</h2>
            {refused.map(|m| view! { <p class="alert alert-error" role="alert">{m.text(lang)}</p> })}
            {panel.may_decide.then(|| view! {
                <form id="review-form" method="post" action=action.clone() class="stack">
                    <label class="field">
                        <span>{Msg::CommentOnWhole.text(lang)}</span>
                        <textarea name="comment" rows="3" maxlength=MAX_NOTE.to_string()></textarea>
                    </label>
                    <div class="decision-buttons">
                        <button type="submit" name="action" value="approve" class="btn btn-primary">{Msg::Approve.text(lang)}</button>
                        <button type="submit" name="action" value="return" class="btn">{Msg::ReturnForChanges.text(lang)}</button>
                    </div>
                </form>
            })}
            {panel.may_correct.then(|| view! {
                <details class="correct-box">
                    <summary>{Msg::CorrectOutcome.text(lang)}</summary>
                    <form method="post" action=action.clone() class="stack">
                        <input type="hidden" name="action" value="correct" />
                        <label class="field">
                            <span>{Msg::NewOutcome.text(lang)}</span>
                            <select name="outcome">
                                {Outcome::ALL.into_iter().map(|o| view! {
                                    <option value=o.as_str() selected=outcome == Some(o)>{outcome_text(o, lang)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>{Msg::RectifyBy.text(lang)}</span>
                            <input type="date" name="rectify_by" value=rectify_by.clone().unwrap_or_default() />
                        </label>
                        <label class="field">
                            <span>{Msg::CorrectionReason.text(lang)}</span>
                            <textarea name="reason" rows="3" required maxlength=MAX_NOTE.to_string()></textarea>
                        </label>
                        <button type="submit" class="btn">{Msg::CorrectOutcome.text(lang)}</button>
                    </form>
                </details>
            })}
        </section>
    }
}

/// A rectification order: what must change, by when, and where it stands.
#[component]
pub fn OrderCard(lang: Lang, order: OrderBrief, title: Msg) -> impl IntoView {
    view! {
        <section class="card stack order-card" aria-label=title.text(lang)>
            <h2>{title.text(lang)}</h2>
            <p>
                <strong>{format!("{} {}", Msg::DueBy.text(lang), order.due)}</strong> " "
                <OrderStatus lang order=order.clone() />
            </p>
            <p class="small pre-line">{order.required.clone()}</p>
            {order.closed_by.map(|c| view! {
                <p class="small"><a href=format!("/checks/{c}")>{Msg::ClosedByReinspection.text(lang)}</a></p>
            })}
        </section>
    }
}

/// Open, overdue or closed, as a tag.
#[component]
pub fn OrderStatus(lang: Lang, order: OrderBrief) -> impl IntoView {
    let (class, text) = match (order.open, order.overdue) {
        (true, true) => ("tag tag-bad", Msg::Overdue),
        (true, false) => ("tag", Msg::OrderOpen),
        (false, _) => ("tag tag-ok", Msg::OrderClosed),
    };
    view! { <span class=class>{text.text(lang)}</span> }
}

fn action_text(a: Action) -> Msg {
    match a {
        Action::Return => Msg::ActionReturned,
        Action::Correct => Msg::ActionCorrected,
        _ => Msg::ActionApproved,
    }
}

/// Every decision on the record, round by round, and the CSV of it with the audit entries.
#[component]
pub fn History(
    lang: Lang,
    id: uuid::Uuid,
    history: Vec<ReviewEntry>,
    audit: Vec<crate::model::review::AuditLine>,
) -> impl IntoView {
    view! {
        <section class="card stack" aria-labelledby="history-h">
            <h2 id="history-h">{Msg::HistoryTitle.text(lang)}</h2>
            {if history.is_empty() {
                view! { <p class="muted">{Msg::NoHistory.text(lang)}</p> }.into_any()
            } else {
                view! {
                    <ol class="history-list" aria-label=Msg::HistoryTitle.text(lang)>
                        {history.into_iter().map(|e| view! {
                            <li>
                                <p>
                                    <strong>{action_text(e.action).text(lang)}</strong>
                                    " · " {Msg::Resubmitted.text(lang)} " " {e.round}
                                    <span class="small muted">" · " {e.reviewer.clone()} " · " {e.at.clone()}</span>
                                </p>
                                {(!e.comment.is_empty()).then(|| view! { <p class="small">{e.comment.clone()}</p> })}
                                {(!e.line_comments.is_empty()).then(|| view! {
                                    <ul class="comment-list small">
                                        {e.line_comments.iter().map(|c| view! {
                                            <li><strong>{c.line.clone()}</strong> "：" {c.text.clone()}</li>
                                        }).collect_view()}
                                    </ul>
                                })}
                                {(e.action == Action::Correct).then(|| view! {
                                    <p class="small">
                                        {e.outcome_before.map(|o| outcome_text(o, lang)).unwrap_or("—")}
                                        " → "
                                        <strong>{e.outcome.map(|o| outcome_text(o, lang)).unwrap_or("—")}</strong>
                                        {e.rectify_by.clone().map(|d| format!(" · {} {d}", Msg::RectifyBy.text(lang)))}
                                        " · " {Msg::CorrectionReason.text(lang)} "：" {e.reason.clone()}
                                    </p>
                                })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {(!audit.is_empty()).then(|| view! {
                <details class="correct-box">
                    <summary>{format!("{} ({})", Msg::AuditTrailTitle.text(lang), audit.len())}</summary>
                    <ol class="audit-list" aria-label=Msg::AuditTrailTitle.text(lang)>
                        {audit.into_iter().map(|e| view! {
                            <li>
                                <p><strong>{e.action.clone()}</strong></p>
                                <p class="small muted">{format!("{} · {}", e.at, e.actor)}</p>
                                <pre class="detail">{e.detail.clone()}</pre>
                            </li>
                        }).collect_view()}
                    </ol>
                </details>
            }.into_any())}
            <a class="btn" href=format!("/checks/{id}/history.csv") download="">{Msg::DownloadCsv.text(lang)}</a>
        </section>
    }
}
