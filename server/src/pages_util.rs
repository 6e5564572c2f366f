//! Small helpers shared by the form routes.

use axum::http::StatusCode;
use axum::response::Response;
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::role::Role;
use jieshui_app::i18n::{Lang, Msg};
use jieshui_app::model::CurrentUser;

/// The access layer already refused other roles; this is an admin form route's own check, and its actor.
pub fn admin(info: &RequestInfo) -> Result<CurrentUser, StatusCode> {
    match &info.user {
        Some(u) if u.role == Role::Admin => Ok(u.clone()),
        Some(_) => Err(StatusCode::FORBIDDEN),
        None => Err(StatusCode::UNAUTHORIZED),
    }
}

/// A 500 in the house style, for the plain routes (Leptos pages render their own errors). The
/// cause is logged once, here; the user sees only an incident number to quote.
pub fn internal_page(e: impl std::fmt::Display) -> Response {
    let incident = uuid::Uuid::now_v7().simple().to_string();
    tracing::error!(%incident, error = %e, "request failed");
    crate::auth::routes::error_page(Lang::Zh, StatusCode::INTERNAL_SERVER_ERROR, &incident)
}

/// A message's key as it travels in a redirect's query string (its variant name).
pub fn msg_code(m: Msg) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub use jieshui_app::pages::login::urlencode;
