//! Small helpers shared by the plain routes: the role check, the house-style status pages, message
//! keys in redirects.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::role::Role;
use jieshui_app::error::AppError;
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

/// The actor of an admin form route, as an extractor: the access layer already refused other roles,
/// this is the route's own check (401 signed out, 403 another role), written once.
pub struct AdminUser(pub CurrentUser);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AdminUser {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<RequestInfo>()
            .ok_or(StatusCode::UNAUTHORIZED)?;
        admin(info).map(AdminUser)
    }
}

tokio::task_local! {
    /// The language of the request being answered, set by the session layer, so that an error page
    /// made deep inside a handler speaks the user's language without every caller passing it.
    pub static REQUEST_LANG: Lang;
}

/// The current request's language (Chinese outside a request).
pub fn request_lang() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or_default()
}

/// A 500 in the house style, for the plain routes (Leptos pages render their own errors). The
/// cause is logged once, here; the user sees only an incident number to quote.
pub fn internal_page(e: impl std::fmt::Display) -> Response {
    let incident = crate::services::incident(e);
    error_page(request_lang(), StatusCode::INTERNAL_SERVER_ERROR, &incident)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A status page in the house style: a title, one sentence, and the way home.
pub fn message_page(lang: Lang, status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/jieshui.css\"></head>\
         <body><main class=\"login-page\" id=\"main\"><section class=\"card status-card\">\
         <p class=\"status-code\" aria-hidden=\"true\">{status}</p><h1>{title}</h1>\
         <p role=\"alert\">{body}</p><a class=\"btn\" href=\"/\">{home}</a></section></main></body></html>",
        code = lang.code(),
        title = esc(title),
        status = status.as_u16(),
        body = esc(body),
        home = Msg::BackHome.text(lang),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

/// An error page with the incident number that finds the log line.
pub fn error_page(lang: Lang, status: StatusCode, incident: &str) -> Response {
    let body = AppError::Internal {
        incident: incident.to_string(),
    }
    .message(lang);
    message_page(lang, status, Msg::ErrorTitle.text(lang), &body)
}

/// 503: the server is saturated or too slow right now; come back in a few seconds.
pub fn busy_page(lang: Lang, retry_after_secs: u32) -> Response {
    let mut r = message_page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        Msg::BusyTitle.text(lang),
        Msg::Busy.text(lang),
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, retry_after_secs.into());
    r
}

/// A message's key as it travels in a redirect's query string (its variant name).
/// A JSON route's refusal: `{error, code}`, the message in the user's language and its key.
pub fn json_refusal(status: StatusCode, msg: Msg, lang: Lang) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": msg.text(lang), "code": msg_code(msg) })),
    )
        .into_response()
}

/// A JSON route's internal error: the incident number the log holds, nothing else.
pub fn json_internal(incident: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "error": "internal error", "incident": incident })),
    )
        .into_response()
}

pub fn msg_code(m: Msg) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub use jieshui_app::util::urlencode;

/// A service's refusal as a plain route answers it when there is no form to go back to: 404 bare
/// (as before the page existed), an internal error as the error page with its incident number, the
/// rest as a status page with the message.
pub fn app_error_page(e: AppError) -> Response {
    let lang = request_lang();
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND.into_response(),
        AppError::Internal { incident } => {
            error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, &incident)
        }
        other => {
            let status =
                StatusCode::from_u16(other.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            message_page(
                lang,
                status,
                Msg::ErrorTitle.text(lang),
                &other.message(lang),
            )
        }
    }
}
