//! The sections whose features arrive with later issues: each page says plainly what it will hold.

use crate::components::{section_about, section_title, Layout};
use crate::ctx::PageCtx;
use crate::domain::role::Section;
use crate::i18n::Msg;
use crate::pages::error::ForbiddenView;
use leptos::prelude::*;
use leptos_meta::Title;

/// True when the signed-in user may open the section. The server's access layer has already decided
/// (and set the status); this only picks the view.
pub fn may_open(ctx: &PageCtx, s: Section) -> bool {
    ctx.user
        .as_ref()
        .is_some_and(|u| s.roles().contains(&u.role))
}

#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let allowed = may_open(&ctx, section);
    view! {
        <Layout current=Some(section) path=section.path()>
            {if allowed {
                view! {
                    <Title text=section_title(section).text(lang) />
                    <h1>{section_title(section).text(lang)}</h1>
                    <section class="card">
                        <p class="lead">{section_about(section).text(lang)}</p>
                        <p class="muted">{Msg::ComingWith.text(lang)}</p>
                    </section>
                }
                    .into_any()
            } else {
                view! { <ForbiddenView /> }.into_any()
            }}
        </Layout>
    }
}
