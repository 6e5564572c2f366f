//! Admin: the accounts of the campaign. Create users, reset passwords, deactivate and reactivate.
//! Server-rendered with plain forms (post/redirect/get), so it needs no script: the browser bundle
//! stays for the device features only an island can reach (location, camera, offline storage).

use crate::api::{list_districts, list_users};
use crate::components::layout::role_name;
use crate::components::Layout;
use crate::components::{error_view, msg_from_query, DistrictOptions};
use crate::ctx::PageCtx;
use crate::domain::role::{Role, Section};
use crate::i18n::{Lang, Msg};
use crate::model::UserSummary;
use crate::pages::error::ForbiddenView;
use crate::pages::section::may_open;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Which action a redirect back to this page reports.
fn ok_message(code: &str) -> Option<Msg> {
    Some(match code {
        "created" => Msg::UserCreated,
        "reset" => Msg::PasswordWasReset,
        "deactivated" => Msg::UserDeactivated,
        "reactivated" => Msg::UserReactivated,
        _ => return None,
    })
}

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
    let q = use_query_map().get_untracked();
    // `form` says which form the result belongs to: "create" or "row".
    let form = q.get("form").unwrap_or_default();
    let ok = q.get("ok").and_then(|c| ok_message(&c));
    let error = msg_from_query(q.get("error"));
    let field = q.get("field").unwrap_or_default();
    let typed = |k: &str| q.get(k).unwrap_or_default();
    let (username, display_name, role, district) = (
        typed("username"),
        typed("display_name"),
        typed("role"),
        typed("district_id"),
    );
    let users = AsyncDerived::new(list_users);
    let districts = AsyncDerived::new(list_districts);
    let result = |which: &str| {
        if form != which {
            return None;
        }
        Some(match (ok, error) {
            (_, Some(e)) => {
                view! { <p class="alert alert-error" role="alert">{e.text(lang)}</p> }.into_any()
            }
            (Some(m), None) => {
                view! { <p class="alert alert-info" role="status">{m.text(lang)}</p> }.into_any()
            }
            (None, None) => return None,
        })
    };
    let create_result = result("create");
    let row_result = result("row");
    let bad = |f: &str| (form == "create" && field == f).then_some("true");
    let (b_user, b_name, b_role, b_district, b_pw) = (
        bad("username"),
        bad("display_name"),
        bad("role"),
        bad("district_id"),
        bad("password"),
    );
    view! {
        <Layout current=Some(Section::Users) path=Section::Users.path()>
            {if allowed {
                view! {
                    <Title text=Msg::TitleUsers.text(lang) />
                    <h1>{Msg::TitleUsers.text(lang)}</h1>
                    <section class="card" aria-labelledby="new-user-h">
                        <h2 id="new-user-h">{Msg::NewUser.text(lang)}</h2>
                        {create_result}
                        <form method="post" action="/admin/users" class="stack">
                            <label class="field">
                                <span>{Msg::Username.text(lang)}</span>
                                <input type="text" name="username" required autocapitalize="none" spellcheck="false"
                                    autocomplete="off" value=username aria-invalid=b_user />
                            </label>
                            <label class="field">
                                <span>{Msg::DisplayName.text(lang)}</span>
                                <input type="text" name="display_name" required autocomplete="off" value=display_name
                                    aria-invalid=b_name />
                            </label>
                            <label class="field">
                                <span>{Msg::Role.text(lang)}</span>
                                <select name="role" aria-invalid=b_role>
                                    {Role::ALL.iter().map(|r| view! {
                                        <option value=r.as_str() selected=role == r.as_str()>{role_name(*r).text(lang)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <label class="field">
                                <span>{Msg::District.text(lang)}</span>
                                <select name="district_id" aria-invalid=b_district>
                                    <option value="">{Msg::AllDistricts.text(lang)}</option>
                                    <DistrictOptions districts selected=district.clone() />
                                </select>
                            </label>
                            <label class="field">
                                <span>{Msg::InitialPassword.text(lang)}</span>
                                <input type="password" name="password" required minlength="10" autocomplete="new-password"
                                    aria-invalid=b_pw />
                            </label>
                            <button type="submit" class="btn btn-primary">{Msg::Create.text(lang)}</button>
                        </form>
                    </section>
                    <section class="card" aria-labelledby="users-h">
                        <h2 id="users-h">{Msg::UsersList.text(lang)}</h2>
                        {row_result}
                        <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                            {
                                let me = me.clone();
                                move || {
                                    let me = me.clone();
                                    Suspend::new(async move {
                                        match users.await {
                                            Ok(list) => view! {
                                                <ul class="user-list">
                                                    {list.into_iter().map(|u| view! { <UserRow u lang me=me.clone() /> }).collect_view()}
                                                </ul>
                                            }.into_any(),
                                            Err(e) => error_view(e, lang),
                                        }
                                    })
                                }
                            }
                        </Suspense>
                    </section>
                }
                    .into_any()
            } else {
                view! { <ForbiddenView /> }.into_any()
            }}
        </Layout>
    }
}

#[component]
fn UserRow(u: UserSummary, lang: Lang, me: String) -> impl IntoView {
    let id = u.id.to_string();
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
                {u.username.clone()} " · "
                {u.district_name.clone().unwrap_or_else(|| Msg::AllDistricts.text(lang).to_string())}
            </div>
            <div class="row-actions">
                <form method="post" action=format!("/admin/users/{id}/password") class="inline-fields">
                    <label class="field compact">
                        <span class="visually-hidden">{pw_label.clone()}</span>
                        <input type="password" name="password" required minlength="10" autocomplete="new-password"
                            placeholder=Msg::NewPassword.text(lang) aria-label=pw_label />
                    </label>
                    <button type="submit" class="btn" aria-label=reset_aria>{Msg::ResetPassword.text(lang)}</button>
                </form>
                {(!is_me).then(|| view! {
                    <form method="post" action=format!("/admin/users/{id}/active")>
                        <input type="hidden" name="active" value=(!u.active).to_string() />
                        <button type="submit" class="btn" class:btn-danger=u.active aria-label=toggle_aria>
                            {toggle_label.text(lang)}
                        </button>
                    </form>
                })}
            </div>
        </li>
    }
}
