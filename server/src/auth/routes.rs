//! Plain HTML-form routes: sign in, sign out, language; and `/` which sends each user to their home.

use super::password;
use super::session::{cookie, new_token, secure, set_cookie, token_hash, SESSION_COOKIE};
use crate::db::{AuditEntry, NewSession};
use crate::pages_util::internal_page as internal;
use crate::startup::AppState;
use axum::extract::{ConnectInfo, Extension, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::access::safe_next;
use jieshui_app::domain::accounts::normalize_username;
use jieshui_app::error::AppError;
use jieshui_app::i18n::Lang;
use jieshui_app::pages::login::urlencode;
use serde::Deserialize;
use std::net::SocketAddr;
use time::OffsetDateTime;

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> String {
    // Behind a reverse proxy the peer is the proxy; the proxy's X-Forwarded-For names the phone.
    // Without one, the header is the client's own word and is ignored.
    headers
        .get("x-forwarded-for")
        .filter(|_| trust_proxy)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| peer.map(|p| p.ip().to_string()))
        .unwrap_or_default()
}

fn back_to_form(error: &str, username: &str, next: &str, extra: &str) -> Response {
    let mut url = format!("/login?error={error}{extra}");
    if !username.is_empty() {
        url.push_str(&format!("&username={}", urlencode(username)));
    }
    if let Some(n) = safe_next(next) {
        url.push_str(&format!("&next={}", urlencode(n)));
    }
    Redirect::to(&url).into_response()
}

pub fn error_page(lang: Lang, status: StatusCode, incident: &str) -> Response {
    use jieshui_app::i18n::Msg;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/jieshui.css\"></head>\
         <body><main class=\"login-page\" id=\"main\"><section class=\"card status-card\">\
         <p class=\"status-code\" aria-hidden=\"true\">{status}</p><h1>{title}</h1>\
         <p role=\"alert\">{body}</p><a class=\"btn\" href=\"/\">{home}</a></section></main></body></html>",
        code = lang.code(),
        title = Msg::ErrorTitle.text(lang),
        status = status.as_u16(),
        body = esc(&AppError::Internal { incident: incident.to_string() }.message(lang)),
        home = Msg::BackHome.text(lang),
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// `POST /login`: checks the password, opens a session and redirects home (or to `next`).
pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = OffsetDateTime::now_utc();
    let now_s = now.unix_timestamp();
    let ip = client_ip(&headers, peer.map(|c| c.0 .0), state.config.trust_proxy);
    let typed = form.username.trim().to_lowercase();
    let username = normalize_username(&form.username).unwrap_or_else(|_| typed.clone());
    let keys = [format!("u:{username}"), format!("ip:{ip}")];
    let policy = state.config.throttle;

    let mut wait = 0;
    for k in &keys {
        match state.store.failures(k).await {
            Ok(rec) => wait = wait.max(policy.wait_secs(rec, now_s)),
            Err(e) => return internal(e),
        }
    }
    if wait > 0 {
        let mut r = back_to_form("throttled", &typed, &form.next, &format!("&wait={wait}"));
        *r.status_mut() = StatusCode::SEE_OTHER;
        if let Ok(v) = wait.to_string().parse() {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }

    let found = match state.store.user_for_login(&username).await {
        Ok(u) => u,
        Err(e) => return internal(e),
    };
    let stored = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().into());
    let ok = match password::verify(form.password.clone(), stored).await {
        Ok(ok) => ok,
        Err(e) => return internal(e),
    };
    let user = match found {
        Some(u) if ok && u.active => u.user,
        _ => {
            for k in &keys {
                let prev = match state.store.failures(k).await {
                    Ok(p) => p,
                    Err(e) => return internal(e),
                };
                if let Err(e) = state
                    .store
                    .put_failures(k, policy.after_failure(prev, now_s))
                    .await
                {
                    return internal(e);
                }
            }
            tracing::info!(username = %typed, %ip, "sign-in refused");
            return back_to_form("bad", &typed, &form.next, "");
        }
    };

    for k in &keys {
        if let Err(e) = state.store.clear_failures(k).await {
            return internal(e);
        }
    }
    let (token, hash) = new_token();
    let absolute = time::Duration::hours(state.config.session_absolute_hours);
    let session = NewSession {
        token_hash: hash,
        user_id: user.id,
        now,
        expires_at: now + absolute,
        ip: ip.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
    };
    if let Err(e) = state.store.create_session(&session).await {
        return internal(e);
    }
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "sign_in",
        subject: user.username.clone(),
        detail: serde_json::json!({ "ip": ip }),
    };
    if let Err(e) = state.store.audit(&audit).await {
        return internal(e);
    }
    let target = safe_next(&form.next)
        .filter(|n| !n.starts_with("/login"))
        .unwrap_or(user.role.home())
        .to_string();
    let mut resp = Redirect::to(&target).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            absolute.whole_seconds(),
            secure(&state, &headers),
        ),
    );
    resp
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.store.delete_session(&token_hash(token)).await {
            return internal(e);
        }
    }
    let mut resp = Redirect::to("/login?signed_out=1").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure(&state, &headers)),
    );
    resp
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /lang`: remembers the language for a year and goes back to the page.
pub async fn set_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    let lang = Lang::from_cookie(&f.lang);
    let next = safe_next(&f.next).unwrap_or("/");
    let mut resp = Redirect::to(next).into_response();
    // Not HttpOnly-sensitive, but nothing in the page needs to read it either.
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(
            Lang::COOKIE,
            lang.cookie_value(),
            365 * 24 * 3600,
            secure(&state, &headers),
        ),
    );
    resp
}

/// `GET /`: the role's home, or the sign-in page.
pub async fn home(Extension(info): Extension<RequestInfo>) -> Redirect {
    match info.user {
        Some(u) => Redirect::to(u.role.home()),
        None => Redirect::to("/login"),
    }
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
