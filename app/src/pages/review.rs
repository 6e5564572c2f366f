//! Supervisor: the review queue — submitted records waiting for a decision, oldest first, each
//! with its shop, inspector, round, lines, violations and flagged photos; each opens its record.

use crate::api::review_queue;
use crate::components::{error_view, section_title, Layout};
use crate::ctx::PageCtx;
use crate::domain::role::Section;
use crate::i18n::Msg;
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ReviewPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    if !may_open(&ctx, Section::Review) {
        return view! { <Layout current=Some(Section::Review) path="/review"><ForbiddenView /></Layout> }
            .into_any();
    }
    let data = AsyncDerived::new(review_queue);
    view! {
        <Layout current=Some(Section::Review) path="/review">
            <Title text=section_title(Section::Review).text(lang) />
            <h1>{section_title(Section::Review).text(lang)}</h1>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(list) if list.is_empty() => view! {
                        <section class="card"><p class="muted">{Msg::QueueEmpty.text(lang)}</p></section>
                    }.into_any(),
                    Ok(list) => view! {
                        <p class="muted small">{format!("{} {}", list.len(), Msg::WaitingForReview.text(lang))}</p>
                        <ul class="check-list" aria-label=Msg::WaitingForReview.text(lang)>
                            {list.into_iter().map(|c| view! {
                                <li>
                                    <a href=format!("/checks/{}", c.id)>
                                        <strong>{c.site_name.clone()}</strong>
                                        <span class="small muted">" · " {c.inspector_name.clone()} " · " {c.submitted_at.clone()}</span>
                                        <span class="small check-counts">{format!(" · {} {}", c.lines, Msg::LinesCount.text(lang))}</span>
                                        {(c.violations > 0).then(|| view! {
                                            <span class="small count-bad">{format!(" · {} {}", c.violations, Msg::ViolationsCount.text(lang))}</span>
                                        })}
                                        {(c.round > 1).then(|| view! {
                                            <span class="tag">{format!("{} {}", Msg::Resubmitted.text(lang), c.round)}</span>
                                        })}
                                        {(c.flagged_photos > 0).then(|| view! {
                                            <span class="tag tag-warn">{c.flagged_photos} " " {Msg::FlagsCount.text(lang)}</span>
                                        })}
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}
