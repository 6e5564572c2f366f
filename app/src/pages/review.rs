//! Supervisor: the review queue — submitted records waiting for a decision, oldest first, each
//! with its shop, inspector, round, lines, violations and flagged photos; each opens its record.
//! Filters by kind, district, inspector, age and flagged photos (a plain GET form); records with no
//! violation and no flagged photo can be approved together.

use crate::api::review_queue;
use crate::components::{error_view, section_title, Layout};
use crate::ctx::PageCtx;
use crate::domain::inspection::InspectionKind;
use crate::domain::role::Section;
use crate::i18n::{Lang, Msg};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn kind_text(k: InspectionKind, lang: Lang) -> &'static str {
    match (k, lang) {
        (InspectionKind::MarketCheck, Lang::Zh) => "市场抽检",
        (InspectionKind::MarketCheck, Lang::En) => "Market spot check",
        (InspectionKind::Audit, Lang::Zh) => "节水评价",
        (InspectionKind::Audit, Lang::En) => "Audit",
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    if !may_open(&ctx, Section::Review) {
        return view! { <Layout current=Some(Section::Review) path="/review"><ForbiddenView /></Layout> }
            .into_any();
    }
    let q = use_query_map().get_untracked();
    let get = |k: &str| q.get(k).unwrap_or_default();
    let (kind, district, inspector, days, flagged) = (
        get("kind"),
        get("district"),
        get("inspector"),
        get("older_than_days"),
        get("flagged"),
    );
    let decided = q.get("decided").is_some();
    let bulk = q
        .get("approved")
        .and_then(|a| a.parse::<usize>().ok())
        .zip(q.get("skipped").and_then(|s| s.parse::<usize>().ok()));
    let data = {
        let (k, d, i, a, f) = (
            kind.clone(),
            district.clone(),
            inspector.clone(),
            days.clone(),
            flagged.clone(),
        );
        AsyncDerived::new(move || {
            review_queue(k.clone(), d.clone(), i.clone(), a.clone(), f.clone())
        })
    };
    let flagged_on = matches!(flagged.as_str(), "1" | "true" | "on");
    view! {
        <Layout current=Some(Section::Review) path="/review">
            <Title text=section_title(Section::Review).text(lang) />
            <h1>{section_title(Section::Review).text(lang)}</h1>
            {decided.then(|| view! { <p class="alert alert-info" role="status">{Msg::DecisionRecorded.text(lang)}</p> })}
            {bulk.map(|(a, s)| view! {
                <p class="alert alert-info" role="status">
                    {format!("{a} {}，{s} {}", Msg::BulkApproved.text(lang), Msg::BulkSkipped.text(lang))}
                </p>
            })}
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(page) => {
                        let (kind, district, inspector, days) = (kind.clone(), district.clone(), inspector.clone(), days.clone());
                        let filtering = !kind.is_empty() || !district.is_empty() || !inspector.is_empty() || !days.is_empty() || flagged_on;
                        let clean: Vec<uuid::Uuid> = page.items.iter()
                            // An audit is always looked at on its own (its score, its facts).
                            .filter(|c| c.violations == 0 && c.flagged_photos == 0
                                && c.kind == crate::domain::inspection::InspectionKind::MarketCheck)
                            .map(|c| c.id)
                            .collect();
                        view! {
                        <details class="card filters" open=filtering>
                            <summary>{Msg::Filter.text(lang)}</summary>
                            <form method="get" action="/review" class="stack" role="search">
                                <div class="grid-2">
                                    <label class="field">
                                        <span>{Msg::Kind.text(lang)}</span>
                                        <select name="kind">
                                            <option value="">{Msg::AnyKind.text(lang)}</option>
                                            {[InspectionKind::MarketCheck, InspectionKind::Audit].into_iter().map(|k| view! {
                                                <option value=k.as_str() selected=kind == k.as_str()>{kind_text(k, lang)}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    {(!page.districts.is_empty()).then(|| view! {
                                        <label class="field">
                                            <span>{Msg::District.text(lang)}</span>
                                            <select name="district">
                                                <option value="">{Msg::AnyDistrict.text(lang)}</option>
                                                {page.districts.iter().map(|(id, name)| view! {
                                                    <option value=id.to_string() selected=district == id.to_string()>{name.clone()}</option>
                                                }).collect_view()}
                                            </select>
                                        </label>
                                    })}
                                    <label class="field">
                                        <span>{Msg::RoleInspector.text(lang)}</span>
                                        <select name="inspector">
                                            <option value="">{Msg::AnyInspector.text(lang)}</option>
                                            {page.inspectors.iter().map(|(id, name)| view! {
                                                <option value=id.to_string() selected=inspector == id.to_string()>{name.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label class="field">
                                        <span>{Msg::WaitingAtLeastDays.text(lang)}</span>
                                        <input type="number" name="older_than_days" min="0" max="3650" inputmode="numeric" value=days />
                                    </label>
                                </div>
                                <label class="choice">
                                    <input type="checkbox" name="flagged" value="1" checked=flagged_on />
                                    <span>{Msg::OnlyFlagged.text(lang)}</span>
                                </label>
                                <button type="submit" class="btn">{Msg::Filter.text(lang)}</button>
                            </form>
                        </details>
                        {if page.items.is_empty() {
                            view! { <section class="card"><p class="muted">{Msg::QueueEmpty.text(lang)}</p></section> }.into_any()
                        } else {
                            view! {
                            <p class="muted small">{format!("{} {}", page.items.len(), Msg::WaitingForReview.text(lang))}</p>
                            <ul class="check-list" aria-label=Msg::WaitingForReview.text(lang)>
                                {page.items.into_iter().map(|c| view! {
                                    <li>
                                        <a href=format!("/checks/{}", c.id)>
                                            <strong>{c.site_name.clone()}</strong>
                                            <span class="small muted">" · " {c.inspector_name.clone()} " · " {c.submitted_at.clone()}</span>
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
                                            {(c.round > 1).then(|| view! {
                                                <span class="tag">{format!("{} {}", Msg::Resubmitted.text(lang), c.round)}</span>
                                            })}
                                            {(c.flagged_photos > 0).then(|| view! {
                                                <span class="tag tag-bad">{c.flagged_photos} " " {Msg::FlagsCount.text(lang)}</span>
                                            })}
                                        </a>
                                    </li>
                                }).collect_view()}
                            </ul>
                            {(!clean.is_empty()).then(|| view! {
                                <form method="post" action="/review/approve" class="stack">
                                    {clean.iter().map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> }).collect_view()}
                                    <button type="submit" class="btn btn-primary btn-block">
                                        {format!("{} ({})", Msg::BulkApprove.text(lang), clean.len())}
                                    </button>
                                </form>
                            })}
                            }.into_any()
                        }}
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}
