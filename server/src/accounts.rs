//! Form routes of the admin's user page: the same backend calls as the server functions, answered
//! with a redirect back to the page and its message (post/redirect/get), so the page needs no script.

use crate::pages_util::{msg_code, urlencode, AdminUser};
use crate::state::AppState;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use jieshui_app::backend::RequestInfo;
use jieshui_app::error::AppError;
use jieshui_app::model::NewUser;
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", post(create))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/active", post(set_active))
        .route("/account/password", post(change_own_password))
}

#[derive(Deserialize)]
struct OwnPasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

/// `POST /account/password`: any signed-in user changes their own password; back to the account
/// page with the result.
async fn change_own_password(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    headers: axum::http::HeaderMap,
    Form(f): Form<OwnPasswordForm>,
) -> Response {
    use crate::auth::session::{cookie, secure, session_cookie_name, token_hash};
    use crate::services::accounts::Refused;
    let Some(user) = info.user.clone() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let session = cookie(&headers, session_cookie_name(secure(&state, &headers)))
        .map(token_hash)
        .unwrap_or_default();
    match crate::services::accounts::change_own_password(
        &state,
        &user,
        &session,
        &f.current,
        &f.password,
        &f.again,
    )
    .await
    {
        Ok(()) => Redirect::to("/account?ok=changed").into_response(),
        Err(Refused::User { msg, field }) => {
            Redirect::to(&format!("/account?error={}&field={field}", msg_code(msg))).into_response()
        }
        Err(Refused::Throttled(wait)) => {
            let mut r = Redirect::to(&format!(
                "/account?error={}&field=current",
                msg_code(jieshui_app::i18n::Msg::TooManyAttempts)
            ))
            .into_response();
            if let Ok(v) = wait.to_string().parse() {
                r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            r
        }
        Err(Refused::Busy) => crate::pages_util::busy_page(info.lang, 5),
        Err(Refused::Internal(incident)) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &incident)
        }
    }
}

/// Where to send the admin after a failure: the page with the message, the field, and what they
/// typed (never the password).
fn back_with_error(form: &str, e: &AppError, keep: &[(&str, &str)]) -> Response {
    let code = match e {
        AppError::Invalid { msg, .. } | AppError::Conflict { msg, .. } => msg_code(*msg),
        AppError::NotFound => msg_code(jieshui_app::i18n::Msg::NotFound),
        AppError::Forbidden => return StatusCode::FORBIDDEN.into_response(),
        AppError::Unauthenticated => return StatusCode::UNAUTHORIZED.into_response(),
        other => {
            return crate::pages_util::error_page(
                jieshui_app::i18n::Lang::Zh,
                StatusCode::INTERNAL_SERVER_ERROR,
                match other {
                    AppError::Internal { incident } => incident,
                    _ => "",
                },
            )
        }
    };
    let mut url = format!(
        "/admin/users?form={form}&error={code}&field={}",
        e.field().unwrap_or("")
    );
    for (k, v) in keep {
        url.push_str(&format!("&{k}={}", urlencode(v)));
    }
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    district_id: String,
    #[serde(default)]
    password: String,
}

async fn create(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Form(f): Form<CreateForm>,
) -> Response {
    let keep = [
        ("username", f.username.as_str()),
        ("display_name", f.display_name.as_str()),
        ("role", f.role.as_str()),
        ("district_id", f.district_id.as_str()),
    ];
    let result = match NewUser::parse(
        &f.username,
        &f.display_name,
        &f.role,
        &f.district_id,
        &f.password,
    ) {
        Ok(new) => state.backend.create_user(&actor, new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to("/admin/users?form=create&ok=created").into_response(),
        Err(e) => back_with_error("create", &e, &keep),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
    Form(f): Form<PasswordForm>,
) -> Response {
    match state.backend.reset_password(&actor, id, f.password).await {
        Ok(()) => Redirect::to("/admin/users?form=row&ok=reset").into_response(),
        Err(e) => back_with_error("row", &e, &[]),
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<Uuid>,
    Form(f): Form<ActiveForm>,
) -> Response {
    let active = f.active == "true";
    match state.backend.set_user_active(&actor, id, active).await {
        Ok(()) => {
            let ok = if active { "reactivated" } else { "deactivated" };
            Redirect::to(&format!("/admin/users?form=row&ok={ok}")).into_response()
        }
        Err(e) => back_with_error("row", &e, &[]),
    }
}
