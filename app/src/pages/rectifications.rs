//! Rectification orders by deadline, overdue ones marked: supervisors follow them; an inspector
//! starts the re-inspection that closes one from here ("re-inspect" starts a check at that shop
//! linked to the order).

use crate::api::rectification_list;
use crate::components::{error_view, section_title, Layout};
use crate::ctx::PageCtx;
use crate::domain::role::{Role, Section};
use crate::i18n::Msg;
use crate::pages::error::ForbiddenView;
use crate::pages::review_panel::OrderStatus;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RectificationsPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let path = Section::Rectifications.path();
    if !may_open(&ctx, Section::Rectifications) {
        return view! { <Layout current=Some(Section::Rectifications) path=path><ForbiddenView /></Layout> }
            .into_any();
    }
    let inspector = ctx.user.as_ref().is_some_and(|u| u.role == Role::Inspector);
    let all = use_query_map().get_untracked().get("all").as_deref() == Some("1");
    let data =
        AsyncDerived::new(move || rectification_list(if all { "1".into() } else { String::new() }));
    view! {
        <Layout current=Some(Section::Rectifications) path=path>
            <Title text=section_title(Section::Rectifications).text(lang) />
            <h1>{section_title(Section::Rectifications).text(lang)}</h1>
            <p>
                {if all {
                    view! { <a class="btn" href="/rectifications">{Msg::ShowOpenOrders.text(lang)}</a> }.into_any()
                } else {
                    view! { <a class="btn" href="/rectifications?all=1">{Msg::ShowClosedOrders.text(lang)}</a> }.into_any()
                }}
            </p>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => error_view(e, lang),
                    Ok(list) if list.is_empty() => view! {
                        <section class="card"><p class="muted">{if all { Msg::NoOrders } else { Msg::NoOpenOrders }.text(lang)}</p></section>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="order-list" aria-label=section_title(Section::Rectifications).text(lang)>
                            {list.into_iter().map(|o| view! {
                                <li class="card stack">
                                    <div class="site-head">
                                        <strong>{o.site_name.clone()}</strong>
                                        <OrderStatus lang order=o.clone() />
                                    </div>
                                    <p><strong>{format!("{} {}", Msg::DueBy.text(lang), o.due)}</strong></p>
                                    <p class="small pre-line">{o.required.clone()}</p>
                                    <p class="small">
                                        <a href=format!("/checks/{}", o.inspection_id)>{Msg::OpenedByCheck.text(lang)}</a>
                                        {o.closed_by.map(|c| view! {
                                            " · " <a href=format!("/checks/{c}")>{Msg::ClosedByReinspection.text(lang)}</a>
                                        })}
                                    </p>
                                    {(inspector && o.open).then(|| view! {
                                        <form method="post" action="/checks/start" class="start-form">
                                            <input type="hidden" name="id" value=uuid::Uuid::now_v7().to_string() />
                                            <input type="hidden" name="site_id" value=o.site_id.to_string() />
                                            <input type="hidden" name="reinspects" value=o.id.to_string() />
                                            <button type="submit" class="btn btn-primary btn-block"
                                                aria-label=format!("{} {}", Msg::Reinspect.text(lang), o.site_name)>
                                                {Msg::Reinspect.text(lang)}
                                            </button>
                                        </form>
                                    })}
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
