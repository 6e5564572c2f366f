//! One's own account: change the password (with the current one). Any role. A plain form
//! (post/redirect/get), so the page needs no script; a success ends every other session.

use crate::components::layout::role_name;
use crate::components::msg_from_query;
use crate::components::Layout;
use crate::ctx::PageCtx;
use crate::i18n::Msg;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AccountPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let q = use_query_map().get_untracked();
    let error = msg_from_query(q.get("error"));
    let field = q.get("field").unwrap_or_default();
    let changed = q.get("ok").as_deref() == Some("changed");
    let result = match (error, changed) {
        (Some(e), _) => Some(
            view! { <p class="alert alert-error" role="alert">{e.text(lang)}</p> }.into_any(),
        ),
        (None, true) => Some(
            view! { <p class="alert alert-info" role="status">{Msg::PasswordChanged.text(lang)}</p> }
                .into_any(),
        ),
        (None, false) => None,
    };
    let bad = |f: &str| (field == f).then_some("true");
    let (b_current, b_new, b_again) = (bad("current"), bad("password"), bad("again"));
    let who = ctx.user.as_ref().map(|u| {
        view! {
            <p>
                <strong>{u.display_name.clone()}</strong>
                " · " {u.username.clone()} " · " {role_name(u.role).text(lang)}
            </p>
        }
    });
    view! {
        <Layout current=None path="/account".to_string()>
            <Title text=Msg::MyAccount.text(lang) />
            <h1>{Msg::MyAccount.text(lang)}</h1>
            {who}
            <section class="card" aria-labelledby="pw-h">
                <h2 id="pw-h">{Msg::ChangePassword.text(lang)}</h2>
                {result}
                <form method="post" action="/account/password" class="stack">
                    // The username lets a password manager file the new password under the account.
                    <input type="hidden" name="username" autocomplete="username"
                        value=ctx.user.as_ref().map(|u| u.username.clone()).unwrap_or_default() />
                    <label class="field">
                        <span>{Msg::CurrentPassword.text(lang)}</span>
                        <input type="password" name="current" required autocomplete="current-password"
                            aria-invalid=b_current />
                    </label>
                    <label class="field">
                        <span>{Msg::NewPassword.text(lang)}</span>
                        <input type="password" name="password" required minlength="10" autocomplete="new-password"
                            aria-invalid=b_new aria-describedby="pw-hint" />
                    </label>
                    <p class="muted small" id="pw-hint">{Msg::PasswordHint.text(lang)}</p>
                    <label class="field">
                        <span>{Msg::RepeatNewPassword.text(lang)}</span>
                        <input type="password" name="again" required minlength="10" autocomplete="new-password"
                            aria-invalid=b_again />
                    </label>
                    <button type="submit" class="btn btn-primary">{Msg::ChangePassword.text(lang)}</button>
                </form>
            </section>
        </Layout>
    }
}
