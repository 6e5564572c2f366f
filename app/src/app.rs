//! The HTML document and the route table.

use crate::ctx::page_ctx;
use crate::domain::role::Section;
use crate::i18n::Msg;
use crate::pages::inspection::InspectionPage;
use crate::pages::photo::PhotoPage;
use crate::pages::sites::{
    ImportBatchPage, ImportPage, SiteDetailPage, SiteFormPage, SitesPage, StatsPage,
};
use crate::pages::today::TodayPage;
use crate::pages::{error::NotFoundPage, login::LoginPage, section::SectionPage, users::UsersPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// Pages that contain islands. Only these load the browser bundle: every other page is complete as
/// server-rendered HTML, so a phone downloads no JS or WASM for it (see README, "Bundle budget").
/// A trailing `*` matches every path under the prefix.
pub const ISLAND_PAGES: &[&str] = &["/today"];

pub fn needs_bundle(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    ISLAND_PAGES.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => path == *p,
    })
}

fn request_path() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|p| p.uri.path().to_string())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// The Content-Security-Policy of a rendered page: scripts only with this response's nonce (which
/// Leptos puts on its own inline scripts) and what they load, WebAssembly allowed, everything else
/// from this origin, and no framing.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = page_ctx().lang;
    #[cfg(feature = "ssr")]
    if let (Some(res), Some(nonce)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        leptos::nonce::use_nonce(),
    ) {
        if let Ok(v) = http::HeaderValue::from_str(&page_csp(&nonce)) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let bundle =
        needs_bundle(&request_path()).then(|| view! { <HydrationScripts options islands=true /> });
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#0b5cad" />
                <link rel="icon" href="/favicon.ico" sizes="any" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="stylesheet" id="leptos" href="/pkg/jieshui.css" />
                {bundle}
                <leptos_meta::MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let ctx = page_ctx();
    let lang = ctx.lang;
    provide_context(ctx);
    let section = |s: Section| move || view! { <SectionPage section=s /> };
    view! {
        <Title formatter=move |t: String| format!("{t} · {}", Msg::AppName.text(lang)) />
        <Router>
            <Routes fallback=|| view! { <NotFoundPage /> }>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/account") view=crate::pages::account::AccountPage ssr=SsrMode::Async />
                <Route path=path!("/today") view=TodayPage ssr=SsrMode::Async />
                <Route path=path!("/photos/:id") view=PhotoPage ssr=SsrMode::Async />
                <Route path=path!("/checks/:id") view=InspectionPage ssr=SsrMode::Async />
                <Route path=path!("/checks") view=section(Section::Checks) ssr=SsrMode::Async />
                <Route path=path!("/sync") view=section(Section::Sync) ssr=SsrMode::Async />
                <Route path=path!("/rectifications") view=crate::pages::rectifications::RectificationsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/audit") view=crate::pages::audit::AuditPage ssr=SsrMode::Async />
                <Route path=path!("/review") view=crate::pages::review::ReviewPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard") view=section(Section::Dashboard) ssr=SsrMode::Async />
                <Route path=path!("/ledgers") view=section(Section::Ledgers) ssr=SsrMode::Async />
                <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                <Route path=path!("/admin/rules") view=crate::pages::rules::RulesPage ssr=SsrMode::Async />
                <Route path=path!("/admin/rules/new") view=crate::pages::rules_new::RulesNewPage ssr=SsrMode::Async />
                <Route path=path!("/admin/rules/sheets") view=crate::pages::score_sheets::ScoreSheetsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sites") view=SitesPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sites/import") view=ImportPage />
                <Route path=path!("/admin/sites/import/:id") view=ImportBatchPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sites/stats") view=StatsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sites/new") view=SiteFormPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sites/:id/edit") view=SiteFormPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sites/:id") view=SiteDetailPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
