//! Administrator: the audit log. The page walks the hash chain on every visit and says whether it
//! is intact (with the newest entry's hash, to note elsewhere) or which entry first breaks it; it
//! lists the newest entries and offers the whole log as CSV.

use crate::api::audit_view;
use crate::components::{error_view, section_title, Layout};
use crate::ctx::PageCtx;
use crate::domain::role::Section;
use crate::i18n::{Lang, Msg};
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;

fn break_text(seq: i64, kind: &str, lang: Lang) -> String {
    let what = match kind {
        "removed" => Msg::EntryRemoved,
        "inserted" => Msg::EntryInserted,
        _ => Msg::EntryAltered,
    };
    match lang {
        Lang::Zh => format!("第 {seq} 条{}", what.text(lang)),
        Lang::En => format!("Entry #{seq} {}", what.text(lang)),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let path = Section::Audit.path();
    if !may_open(&ctx, Section::Audit) {
        return view! { <Layout current=Some(Section::Audit) path=path><ForbiddenView /></Layout> }
            .into_any();
    }
    let data = AsyncDerived::new(audit_view);
    view! {
        <Layout current=Some(Section::Audit) path=path>
            <Title text=section_title(Section::Audit).text(lang) />
            <h1>{section_title(Section::Audit).text(lang)}</h1>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(v) => view! {
                        <section class="card stack" aria-labelledby="chain-h">
                            {match v.broken.clone() {
                                None => view! {
                                    <h2 id="chain-h" class="chain-ok">{Msg::ChainIntact.text(lang)}</h2>
                                    <p>{v.entries} " " {Msg::EntriesCount.text(lang)}</p>
                                    {v.head.clone().map(|h| view! {
                                        <p class="small">{Msg::HeadHash.text(lang)} "："</p>
                                        <p class="hash">{h}</p>
                                    })}
                                }.into_any(),
                                Some(b) => view! {
                                    <h2 id="chain-h" class="chain-bad">{Msg::ChainBroken.text(lang)}</h2>
                                    <p class="alert alert-error" role="alert">{break_text(b.seq, &b.kind, lang)}</p>
                                    <p>{v.entries} " " {Msg::EntriesCount.text(lang)}</p>
                                }.into_any(),
                            }}
                            <a class="btn" href="/admin/audit/log.csv" download="">{Msg::DownloadWholeLog.text(lang)}</a>
                        </section>
                        <section class="card stack" aria-labelledby="latest-h">
                            <h2 id="latest-h">{Msg::LatestEntries.text(lang)}</h2>
                            <ol class="audit-list" aria-label=Msg::LatestEntries.text(lang)>
                                {v.latest.into_iter().map(|e| view! {
                                    <li>
                                        <p><strong>"#" {e.seq} " " {e.action.clone()}</strong></p>
                                        <p class="small muted">{e.at.clone()} " · " {e.actor.clone()}</p>
                                        <p class="small hash">{e.subject.clone()}</p>
                                        <details>
                                            <summary class="small">{Msg::AuditSubject.text(lang)}</summary>
                                            <pre class="detail">{e.detail.clone()}</pre>
                                        </details>
                                    </li>
                                }).collect_view()}
                            </ol>
                        </section>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
    .into_any()
}
