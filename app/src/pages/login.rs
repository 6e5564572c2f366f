//! The sign-in page. A plain form posted to `/login`, so it works on any phone, with or without
//! JavaScript; the server answers with a redirect and, on failure, brings the user back here with a
//! message that does not say which field was wrong.

use crate::components::layout::LangSwitch;
use crate::ctx::PageCtx;
use crate::i18n::Msg;
use crate::util::urlencode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let q = use_query_map().get_untracked();
    let next = q.get("next").unwrap_or_default();
    let username = q.get("username").unwrap_or_default();
    let error = match q.get("error").as_deref() {
        Some("bad") => Some(Msg::BadCredentials.text(lang).to_string()),
        Some("throttled") => Some(format!(
            "{} {}{}",
            Msg::TooManyAttempts.text(lang),
            Msg::WaitSeconds.text(lang),
            q.get("wait")
                .and_then(|w| w.parse::<u32>().ok())
                .unwrap_or(60)
        )),
        Some("expired") => Some(Msg::SessionExpired.text(lang).to_string()),
        _ => None,
    };
    let info = q.get("signed_out").map(|_| Msg::SignedOut.text(lang));
    let self_path = if next.is_empty() {
        "/login".to_string()
    } else {
        format!("/login?next={}", urlencode(&next))
    };
    view! {
        <Title text=Msg::SignIn.text(lang) />
        <main class="login-page" id="main">
            <div class="login-lang">
                <LangSwitch lang next=self_path />
            </div>
            <div class="login-card card">
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"水"</span>
                    <span class="brand-name">{Msg::AppName.text(lang)}</span>
                </div>
                <p class="muted">{Msg::AppTagline.text(lang)}</p>
                <h1>{Msg::SignInTitle.text(lang)}</h1>
                {error.map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
                {info.map(|i| view! { <p class="alert alert-info" role="status">{i}</p> })}
                <form method="post" action="/login" class="stack">
                    <input type="hidden" name="next" value=next />
                    <label class="field">
                        <span>{Msg::Username.text(lang)}</span>
                        <input
                            type="text"
                            name="username"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            required
                            value=username
                        />
                    </label>
                    <label class="field">
                        <span>{Msg::Password.text(lang)}</span>
                        <input type="password" name="password" autocomplete="current-password" required />
                    </label>
                    <button type="submit" class="btn btn-primary btn-block">{Msg::SignIn.text(lang)}</button>
                </form>
            </div>
        </main>
    }
}
