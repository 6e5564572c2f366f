//! An audit as recorded, read-only: the score and pass mark, each group's items with the answer,
//! the points, the note and the photos, the fixture counts and the site's facts; then where it
//! stands towards a title (the recommendation, the title recorded from it, and the forms for
//! them). While the audit is open to its auditor the page's script (`audit.js`) replaces the record
//! with the editor.

use crate::domain::audit::points;
use crate::domain::market::InspectionStatus;
use crate::domain::score::{Answer, Scoring, SheetItem};
use crate::i18n::{Lang, Msg};
use crate::model::audit::AuditView;
use crate::model::site::TitleLevel;
use leptos::prelude::*;

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

fn num(v: f64) -> String {
    crate::domain::fixture::num(v)
}

/// What the auditor answered for an item, in words.
fn answer_text(lang: Lang, item: &SheetItem, answer: Option<Answer>) -> String {
    match answer {
        None => Msg::Unanswered.text(lang).to_string(),
        Some(Answer::NotApplicable) => Msg::NotApplicable.text(lang).to_string(),
        Some(Answer::Passed(true)) => Msg::ItemMet.text(lang).to_string(),
        Some(Answer::Passed(false)) => Msg::ItemNotMet.text(lang).to_string(),
        Some(Answer::Score(_)) => String::new(),
        Some(Answer::Value(v)) => {
            let unit = match &item.scoring {
                Scoring::Measured { unit, .. } => unit.as_str(),
                _ => "",
            };
            format!("{} {}{unit}", Msg::MeasuredValue.text(lang), num(v))
        }
    }
}

/// The score so far against the pass mark.
#[component]
pub fn ScoreSummary(lang: Lang, audit: AuditView) -> impl IntoView {
    let s = audit.score.clone();
    let passed = s.passed;
    view! {
        <dl class="score-summary" aria-label=Msg::TotalScore.text(lang)>
            <div><dt>{Msg::TotalScore.text(lang)}</dt>
                <dd>{format!("{} / {}", points(s.total), points(s.applicable_max))}</dd></div>
            <div><dt>{Msg::NormalisedScore.text(lang)}</dt><dd class="score-big">{num(s.normalised)}</dd></div>
            <div><dt>{Msg::PassMark.text(lang)}</dt><dd>{points(s.pass_mark)}</dd></div>
            <div><dt class="visually-hidden">{Msg::AuditPassed.text(lang)}</dt>
                <dd class=if passed { "tag tag-ok" } else { "tag tag-warn" }>
                    {if passed { Msg::AuditPassed.text(lang) } else { Msg::AuditFailed.text(lang) }}
                </dd></div>
        </dl>
    }
}

#[component]
pub fn RecordedAudit(lang: Lang, audit: AuditView) -> impl IntoView {
    let a = audit.clone();
    let status = match a.status {
        InspectionStatus::Draft => {
            view! { <p class="tag">{Msg::DraftStatus.text(lang)}</p> }.into_any()
        }
        InspectionStatus::Returned => {
            view! { <p class="tag tag-warn">{Msg::ReturnedStatus.text(lang)}</p> }.into_any()
        }
        InspectionStatus::Approved => {
            view! { <p class="tag tag-ok">{Msg::ApprovedStatus.text(lang)}</p> }.into_any()
        }
        InspectionStatus::Submitted => {
            view! { <p class="tag tag-ok">{Msg::Submitted.text(lang)}</p> }.into_any()
        }
    };
    let groups = a.sheet.groups.clone();
    let items_of = |g: &str| -> Vec<SheetItem> {
        a.sheet
            .items
            .iter()
            .filter(|i| i.group == g)
            .cloned()
            .collect()
    };
    let entry = |id: &str| a.draft.items.iter().find(|e| e.item_id == id).cloned();
    let cat_name = |slug: &str| {
        a.rules
            .as_ref()
            .and_then(|r| r.category(slug))
            .map(|c| pick(lang, &c.name_zh, &c.name_en))
            .unwrap_or_else(|| slug.to_string())
    };
    let facts = a.draft.facts.clone();
    view! {
        <section class="card stack" aria-labelledby="score-h">
            <h2 id="score-h">{Msg::ScoreSheetTitle.text(lang)} " · " {Msg::SheetVersion.text(lang)} " " {a.sheet.version}</h2>
            {status}
            <ScoreSummary lang audit=audit.clone() />
        </section>
        {groups.into_iter().map(|g| {
            let items = items_of(&g.id);
            view! {
                <section class="card stack" aria-label=pick(lang, &g.name_zh, &g.name_en)>
                    <h2>{pick(lang, &g.name_zh, &g.name_en)}</h2>
                    <ol class="item-list">
                        {items.into_iter().map(|it| {
                            let e = entry(&it.id);
                            let answer = e.as_ref().and_then(|e| e.answer);
                            let got = answer
                                .and_then(|x| a.sheet.item_score(&it.id, x).ok())
                                .and_then(|s| s.points);
                            let photos = a.photos.get(&it.id).copied().unwrap_or(0);
                            let missing = a.score.needs_evidence.contains(&it.id);
                            view! {
                                <li class="item-card">
                                    <p class="item-req">{pick(lang, &it.requirement_zh, &it.requirement_en)}</p>
                                    <p class="item-answer">
                                        <strong>{got.map(|p| format!("{} / {}", points(p), points(it.max)))
                                            .unwrap_or_else(|| format!("– / {}", points(it.max)))}</strong>
                                        " " {answer_text(lang, &it, answer)}
                                    </p>
                                    {e.as_ref().filter(|e| !e.note.is_empty()).map(|e| view! {
                                        <p class="small">{Msg::ItemNote.text(lang)} ": " {e.note.clone()}</p>
                                    })}
                                    <p class="small muted">{Msg::ItemPhotos.text(lang)} " " {photos}
                                        {missing.then(|| view! { " " <span class="tag tag-warn">{Msg::NeedsEvidence.text(lang)}</span> })}
                                    </p>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
            }.into_any()
        }).collect_view()}
        {(!a.draft.fixture_counts.is_empty()).then(|| view! {
            <section class="card stack" aria-labelledby="counts-h">
                <h2 id="counts-h">{Msg::FixtureCounts.text(lang)}</h2>
                <table class="count-table">
                    <thead><tr><th scope="col"></th><th scope="col">{Msg::FixturesInstalled.text(lang)}</th><th scope="col">{Msg::FixturesSaving.text(lang)}</th></tr></thead>
                    <tbody>
                        {a.draft.fixture_counts.iter().map(|c| view! {
                            <tr>
                                <th scope="row">{cat_name(&c.category)}
                                    {label_read(c, lang).map(|t| view! { <br/><span class="small muted">{t}</span> })}
                                </th>
                                <td>{c.installed}</td><td>{c.water_saving}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {a.score.fixture_rate.map(|r| view! {
                    <p><strong>{Msg::FixtureRate.text(lang)} " " {format!("{}%", num((r * 1000.0).round() / 10.0))}</strong></p>
                })}
            </section>
        }.into_any())}
        {(facts.households.is_some() || facts.annual_water_m3.is_some() || !a.corrections.is_empty()).then(|| view! {
            <section class="card stack" aria-labelledby="facts-h">
                <h2 id="facts-h">{Msg::SiteFacts.text(lang)}</h2>
                {facts.households.map(|h| view! {
                    <p>{Msg::HouseholdsFound.text(lang)} " " <strong>{h}</strong>
                        <span class="small muted">" · " {Msg::RegistryHas.text(lang)} " " {a.registry_households.map(|x| x.to_string()).unwrap_or_else(|| "–".into())}</span></p>
                })}
                {facts.annual_water_m3.map(|w| view! {
                    <p>{Msg::WaterUseFound.text(lang)} " " <strong>{num(w)}</strong>
                        <span class="small muted">" · " {Msg::RegistryHas.text(lang)} " " {a.registry_water_m3.map(num).unwrap_or_else(|| "–".into())}</span></p>
                })}
                {(!a.corrections.is_empty()).then(|| view! {
                    <p class="notice small">{Msg::FactsApplied.text(lang)}</p>
                    <ul class="small">
                        {a.corrections.iter().map(|c| view! {
                            <li>{Msg::FactChanged.text(lang)} " · " {c.fact.clone()} ": "
                                {c.old_value.map(num).unwrap_or_else(|| "–".into())} " → " {num(c.new_value)}</li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
        }.into_any())}
    }
}

/// Where an approved audit stands towards a title, and the forms to move it on.
#[component]
pub fn TitleSection(
    lang: Lang,
    id: uuid::Uuid,
    audit: AuditView,
    refused: Option<Msg>,
    titled: bool,
) -> impl IntoView {
    let shown = audit.recommended.is_some()
        || audit.title.is_some()
        || audit.may_recommend
        || audit.may_record_title;
    let level_options = move |selected: Option<TitleLevel>| {
        TitleLevel::ALL
            .into_iter()
            .map(|l| view! { <option value=l.as_str() selected=selected == Some(l)>{l.name().text(lang)}</option> })
            .collect_view()
    };
    shown.then(|| view! {
        <section class="card stack" id="title" aria-labelledby="title-h">
            <h2 id="title-h">{Msg::Titles.text(lang)}</h2>
            {refused.map(|m| view! { <p class="alert alert-error" role="alert">{m.text(lang)}</p> })}
            {titled.then(|| view! { <p class="alert alert-info" role="status">{Msg::TitleRecorded.text(lang)}</p> })}
            {audit.recommended.map(|l| view! {
                <p><span class="tag tag-ok">{Msg::RecommendedFor.text(lang)}</span> " " <strong>{l.name().text(lang)}</strong></p>
            })}
            {audit.title.clone().map(|t| view! {
                <p class="title-recorded"><strong>{t.level.name().text(lang)}</strong> " · " {t.document_no.clone()} " · " {t.awarded_on.clone()}
                    {t.valid_until.clone().map(|v| format!(" – {v}"))}</p>
            })}
            {audit.may_recommend.then(|| view! {
                <form method="post" action=format!("/checks/{id}/recommend") class="stack">
                    <label class="field">
                        <span>{Msg::TitleLevel.text(lang)}</span>
                        <select name="level">{level_options(Some(TitleLevel::Provincial))}</select>
                    </label>
                    <button type="submit" class="btn btn-primary">{Msg::RecommendTitle.text(lang)}</button>
                </form>
            })}
            {audit.may_record_title.then(|| view! {
                <form method="post" action=format!("/checks/{id}/title") class="stack">
                    <h3>{Msg::RecordTitle.text(lang)}</h3>
                    <label class="field">
                        <span>{Msg::TitleLevel.text(lang)}</span>
                        <select name="level">{level_options(audit.recommended)}</select>
                    </label>
                    <label class="field">
                        <span>{Msg::AwardedOn.text(lang)}</span>
                        <input type="date" name="awarded_on" required />
                    </label>
                    <label class="field">
                        <span>{Msg::DocumentNo.text(lang)}</span>
                        <input type="text" name="document_no" required maxlength="100" />
                    </label>
                    <label class="field">
                        <span>{Msg::ValidUntil.text(lang)}</span>
                        <input type="date" name="valid_until" />
                    </label>
                    <button type="submit" class="btn btn-primary">{Msg::RecordTitle.text(lang)}</button>
                </form>
            })}
        </section>
    })
}

/// What was read on a count's label and the verdict on it: "按标识判定：2级 · 4.8 · 节水".
fn label_read(c: &crate::domain::audit::FixtureCount, lang: Lang) -> Option<String> {
    use crate::domain::fixture::num;
    let l = c.label.as_ref()?;
    let mut parts = vec![match lang {
        Lang::Zh => format!("{}级", l.grade),
        Lang::En => format!("Grade {}", l.grade),
    }];
    parts.extend(l.figure.into_iter().chain(l.figure2).map(num));
    if let Some(v) = c.verdict {
        parts.push(super::visit::verdict_text(v, lang).to_string());
    }
    let colon = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    Some(format!(
        "{}{colon}{}",
        Msg::CountJudged.text(lang),
        parts.join(" · ")
    ))
}
