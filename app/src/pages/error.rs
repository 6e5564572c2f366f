//! The 404 page and the "not for your role" view, in the same frame as every other page.

use crate::components::Layout;
use crate::ctx::PageCtx;
use crate::i18n::Msg;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
fn set_status(code: u16) {
    if let (Some(opts), Ok(code)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        opts.set_status(code);
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(404);
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let home = if ctx.user.is_some() { "/" } else { "/login" };
    view! {
        <Title text=Msg::NotFoundTitle.text(lang) />
        <Layout current=None path="/">
            <section class="card status-card">
                <p class="status-code" aria-hidden="true">"404"</p>
                <h1>{Msg::NotFoundTitle.text(lang)}</h1>
                <p>{Msg::NotFoundBody.text(lang)}</p>
                <a class="btn" href=home>{Msg::BackHome.text(lang)}</a>
            </section>
        </Layout>
    }
}

/// Shown when a signed-in user opens a page of another role. The server already answered 403.
#[component]
pub fn ForbiddenView() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(403);
    let lang = use_context::<PageCtx>().unwrap_or_default().lang;
    view! {
        <Title text=Msg::ForbiddenTitle.text(lang) />
        <section class="card status-card">
            <p class="status-code" aria-hidden="true">"403"</p>
            <h1>{Msg::ForbiddenTitle.text(lang)}</h1>
            <p>{Msg::Forbidden.text(lang)}</p>
            <a class="btn" href="/">{Msg::BackHome.text(lang)}</a>
        </section>
    }
}
