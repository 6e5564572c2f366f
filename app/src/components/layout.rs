//! The frame around every signed-in page: a header with the user's name, the language switch and
//! sign-out, and the role's navigation, which sits at the bottom on a phone and in the header on a
//! wide screen. All of it is plain HTML forms and links: it works before (and without) any script.

use crate::ctx::PageCtx;
use crate::domain::role::{Role, Section};
use crate::i18n::{Lang, Msg};
use leptos::prelude::*;

pub fn section_nav(s: Section) -> Msg {
    match s {
        Section::Today => Msg::NavToday,
        Section::Checks => Msg::NavChecks,
        Section::Sync => Msg::NavSync,
        Section::Review => Msg::NavReview,
        Section::Dashboard => Msg::NavDashboard,
        Section::Ledgers => Msg::NavLedgers,
        Section::Users => Msg::NavUsers,
        Section::Rules => Msg::NavRules,
        Section::Sites => Msg::NavSites,
        Section::Rectifications => Msg::NavRectifications,
        Section::Audit => Msg::NavAudit,
    }
}

pub fn section_title(s: Section) -> Msg {
    match s {
        Section::Today => Msg::TitleToday,
        Section::Checks => Msg::TitleChecks,
        Section::Sync => Msg::TitleSync,
        Section::Review => Msg::TitleReview,
        Section::Dashboard => Msg::TitleDashboard,
        Section::Ledgers => Msg::TitleLedgers,
        Section::Users => Msg::TitleUsers,
        Section::Rules => Msg::TitleRules,
        Section::Sites => Msg::TitleSites,
        Section::Rectifications => Msg::TitleRectifications,
        Section::Audit => Msg::TitleAudit,
    }
}

pub fn section_about(s: Section) -> Msg {
    match s {
        Section::Today => Msg::AboutToday,
        Section::Checks => Msg::AboutChecks,
        Section::Sync => Msg::AboutSync,
        Section::Review => Msg::AboutReview,
        Section::Dashboard => Msg::AboutDashboard,
        Section::Ledgers => Msg::AboutLedgers,
        Section::Users => Msg::TitleUsers,
        Section::Rules => Msg::AboutRules,
        Section::Sites => Msg::AboutSites,
        Section::Rectifications => Msg::TitleRectifications,
        Section::Audit => Msg::TitleAudit,
    }
}

pub fn role_name(r: Role) -> Msg {
    match r {
        Role::Inspector => Msg::RoleInspector,
        Role::Supervisor => Msg::RoleSupervisor,
        Role::Admin => Msg::RoleAdmin,
    }
}

/// A simple line icon for each section, drawn in the current text colour.
fn icon(s: Section) -> impl IntoView {
    let d = match s {
        Section::Today => "M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5a2.5 2.5 0 1 1 0-5 2.5 2.5 0 0 1 0 5z",
        Section::Checks | Section::Review => "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
        Section::Sync => "M12 4V1L8 5l4 4V6a6 6 0 0 1 6 6h2a8 8 0 0 0-8-8zm0 14a6 6 0 0 1-6-6H4a8 8 0 0 0 8 8v3l4-4-4-4z",
        Section::Dashboard => "M4 20h4V10H4zm6 0h4V4h-4zm6 0h4v-7h-4z",
        Section::Ledgers | Section::Rules => "M6 2h9l5 5v15H6zm8 1.5V8h4.5M8 12h10M8 16h10",
        Section::Users => "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-4 0-8 2-8 5v1h16v-1c0-3-4-5-8-5z",
        Section::Sites => "M3 21V9l9-6 9 6v12h-6v-7H9v7z",
        Section::Rectifications => "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm1 3h-2v6.4l5 3 1-1.7-4-2.4z",
        Section::Audit => "M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5zm-1 14-4-4 1.4-1.4 2.6 2.6 5.6-5.6L18 9z",
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=d />
        </svg>
    }
}

/// Language switch: a one-button form that stores the choice in a cookie and comes back here.
#[component]
pub fn LangSwitch(lang: Lang, #[prop(into)] next: String) -> impl IntoView {
    let other = lang.other();
    view! {
        <form method="post" action="/lang" class="inline-form">
            <input type="hidden" name="lang" value=other.cookie_value() />
            <input type="hidden" name="next" value=next />
            <button type="submit" class="btn-ghost" lang=other.code()>
                {Msg::SwitchLanguage.text(lang)}
            </button>
        </form>
    }
}

/// The frame of every signed-in page. `current` marks the active section in the navigation.
#[component]
pub fn Layout(
    current: Option<Section>,
    #[prop(into)] path: String,
    children: Children,
) -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let user = ctx.user.clone();
    let nav = user.as_ref().map(|u| {
        // A supervisor sees how many records wait for them on the review item.
        let waiting = (u.role == Role::Supervisor).then(|| AsyncDerived::new(crate::api::review_waiting));
        let items = u
            .role
            .sections()
            .iter()
            .map(|&s| {
                let here = current == Some(s);
                let count = (s == Section::Review).then_some(waiting).flatten().map(|w| view! {
                    <Suspense fallback=|| ()>
                        {move || w.get().and_then(Result::ok).filter(|n| *n > 0).map(|n| view! {
                            <span class="nav-count" aria-hidden="true">{n}</span>
                            <span class="visually-hidden">{format!("（{n} {}）", Msg::WaitingForReview.text(lang))}</span>
                        })}
                    </Suspense>
                });
                view! {
                    <a href=s.path() class="nav-item" aria-current=here.then_some("page")>
                        {icon(s)}
                        <span>{section_nav(s).text(lang)}</span>
                        {count}
                    </a>
                }
            })
            .collect_view();
        view! {
            <nav class="main-nav" aria-label=Msg::MainNav.text(lang)>
                {items}
            </nav>
        }
    });
    let who = user
        .as_ref()
        .map(|u| format!("{} · {}", u.display_name, role_name(u.role).text(lang)));
    view! {
        <header class="top-bar">
            <a class="brand" href="/" aria-label=Msg::AppName.text(lang)>
                <span class="brand-mark" aria-hidden="true">"水"</span>
                <span class="brand-name">{Msg::AppName.text(lang)}</span>
            </a>
            {nav}
            <div class="top-actions">
                {who.map(|w| {
                    let label = format!("{} · {}", Msg::MyAccount.text(lang), w);
                    view! { <a class="who" href="/account" title=Msg::SignedInAs.text(lang) aria-label=label>{w}</a> }
                })}
                <LangSwitch lang next=path.clone() />
                {user.is_some().then(|| view! {
                    <form method="post" action="/logout" class="inline-form">
                        <button type="submit" class="btn-ghost">{Msg::SignOut.text(lang)}</button>
                    </form>
                })}
            </div>
        </header>
        <main class="page" id="main">
            {children()}
        </main>
    }
}
