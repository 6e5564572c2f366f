//! Admin: the accounts of the campaign. Create users, reset passwords, deactivate and reactivate.
//! The page frame is server-rendered; the list and its forms are one island.

use crate::api::{list_districts, list_users, CreateUser, ResetPassword, SetUserActive};
use crate::app::PageCtx;
use crate::components::layout::role_name;
use crate::components::Layout;
use crate::domain::role::{Role, Section};
use crate::i18n::{Lang, Msg};
use crate::model::UserSummary;
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    let ctx = use_context::<PageCtx>().unwrap_or_default();
    let lang = ctx.lang;
    let allowed = may_open(&ctx, Section::Users);
    let me = ctx
        .user
        .as_ref()
        .map(|u| u.id.to_string())
        .unwrap_or_default();
    view! {
        <Layout current=Some(Section::Users) path=Section::Users.path()>
            {if allowed {
                view! {
                    <Title text=Msg::TitleUsers.text(lang) />
                    <h1>{Msg::TitleUsers.text(lang)}</h1>
                    <UsersAdmin lang me />
                }
                    .into_any()
            } else {
                view! { <ForbiddenView /> }.into_any()
            }}
        </Layout>
    }
}

#[island]
fn UsersAdmin(lang: Lang, me: String) -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let toggle = ServerAction::<SetUserActive>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                reset.version().get(),
                toggle.version().get(),
            )
        },
        |_| list_users(),
    );
    let districts = Resource::new(|| (), |_| list_districts());
    let create_form = NodeRef::<leptos::html::Form>::new();

    // A created user's password must not linger in the form.
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            if let Some(f) = create_form.get() {
                f.reset();
            }
        }
    });

    let create_result = move || {
        create.value().get().map(|r| match r {
            Ok(_) => view! { <p class="alert alert-info" role="status">{Msg::UserCreated.text(lang)}</p> }
                .into_any(),
            Err(e) => view! { <p class="alert alert-error" role="alert">{e.message(lang)}</p> }.into_any(),
        })
    };
    let bad_field = move |name: &'static str| {
        move || match create.value().get() {
            Some(Err(e)) if e.field() == Some(name) => Some("true"),
            _ => None,
        }
    };
    let reset_result = move || {
        reset.value().get().map(|r| match r {
            Ok(()) => view! { <p class="alert alert-info" role="status">{Msg::PasswordWasReset.text(lang)}</p> }
                .into_any(),
            Err(e) => view! { <p class="alert alert-error" role="alert">{e.message(lang)}</p> }.into_any(),
        })
    };
    let toggle_result = move || {
        toggle.value().get().map(|r| match r {
            Ok(active) => {
                let m = if active {
                    Msg::UserReactivated
                } else {
                    Msg::UserDeactivated
                };
                view! { <p class="alert alert-info" role="status">{m.text(lang)}</p> }.into_any()
            }
            Err(e) => {
                view! { <p class="alert alert-error" role="alert">{e.message(lang)}</p> }.into_any()
            }
        })
    };

    view! {
        <section class="card" aria-labelledby="new-user-h">
            <h2 id="new-user-h">{Msg::NewUser.text(lang)}</h2>
            {create_result}
            <ActionForm action=create node_ref=create_form attr:class="stack">
                <label class="field">
                    <span>{Msg::Username.text(lang)}</span>
                    <input type="text" name="username" required autocapitalize="none" spellcheck="false"
                        autocomplete="off" aria-invalid=bad_field("username") />
                </label>
                <label class="field">
                    <span>{Msg::DisplayName.text(lang)}</span>
                    <input type="text" name="display_name" required autocomplete="off"
                        aria-invalid=bad_field("display_name") />
                </label>
                <label class="field">
                    <span>{Msg::Role.text(lang)}</span>
                    <select name="role" aria-invalid=bad_field("role")>
                        {Role::ALL.iter().map(|r| view! {
                            <option value=r.as_str()>{role_name(*r).text(lang)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{Msg::District.text(lang)}</span>
                    <select name="district_id" aria-invalid=bad_field("district_id")>
                        <option value="">{Msg::AllDistricts.text(lang)}</option>
                        <Suspense>
                            {move || districts.get().and_then(|r| r.ok()).map(|ds| ds.into_iter().map(|d| view! {
                                <option value=d.id.to_string()>{d.name}</option>
                            }).collect_view())}
                        </Suspense>
                    </select>
                </label>
                <label class="field">
                    <span>{Msg::InitialPassword.text(lang)}</span>
                    <input type="password" name="password" required minlength="10" autocomplete="new-password"
                        aria-invalid=bad_field("password") />
                </label>
                <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { Msg::Saving.text(lang) } else { Msg::Create.text(lang) }}
                </button>
            </ActionForm>
        </section>

        <section class="card" aria-labelledby="users-h">
            <h2 id="users-h">{Msg::UsersList.text(lang)}</h2>
            {reset_result}
            {toggle_result}
            <Transition fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || users.get().map(|r| match r {
                    Ok(list) => view! {
                        <ul class="user-list">
                            {list.into_iter().map(|u| view! {
                                <UserRow u lang me=me.clone() reset toggle />
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="alert alert-error" role="alert">{e.message(lang)}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UserRow(
    u: UserSummary,
    lang: Lang,
    me: String,
    reset: ServerAction<ResetPassword>,
    toggle: ServerAction<SetUserActive>,
) -> impl IntoView {
    let id = u.id.to_string();
    let id2 = id.clone();
    let is_me = id == me;
    let status = if u.active { Msg::Active } else { Msg::Inactive };
    let pw_label = format!("{} · {}", Msg::NewPassword.text(lang), u.username);
    let toggle_label = if u.active {
        Msg::Deactivate
    } else {
        Msg::Reactivate
    };
    let toggle_aria = format!("{} {}", toggle_label.text(lang), u.username);
    let reset_aria = format!("{} {}", Msg::ResetPassword.text(lang), u.username);
    view! {
        <li class="user-row" class:inactive=!u.active>
            <div class="user-head">
                <strong>{u.display_name.clone()}</strong>
                {is_me.then(|| view! { <span class="muted">{Msg::You.text(lang)}</span> })}
                <span class="tag">{role_name(u.role).text(lang)}</span>
                <span class="tag" class:tag-off=!u.active>{status.text(lang)}</span>
            </div>
            <div class="muted small">
                {u.username.clone()} " · " {u.district_name.clone().unwrap_or_else(|| Msg::AllDistricts.text(lang).to_string())}
            </div>
            <div class="row-actions">
                <ActionForm action=reset attr:class="inline-fields">
                    <input type="hidden" name="user_id" value=id.clone() />
                    <label class="field compact">
                        <span class="visually-hidden">{pw_label.clone()}</span>
                        <input type="password" name="password" required minlength="10"
                            autocomplete="new-password" placeholder=Msg::NewPassword.text(lang) aria-label=pw_label />
                    </label>
                    <button type="submit" class="btn" aria-label=reset_aria>{Msg::ResetPassword.text(lang)}</button>
                </ActionForm>
                {(!is_me).then(|| view! {
                    <ActionForm action=toggle>
                        <input type="hidden" name="user_id" value=id2.clone() />
                        <input type="hidden" name="active" value=(!u.active).to_string() />
                        <button type="submit" class="btn" class:btn-danger=u.active aria-label=toggle_aria>
                            {toggle_label.text(lang)}
                        </button>
                    </ActionForm>
                })}
            </div>
        </li>
    }
}
