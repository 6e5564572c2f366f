//! Plain HTML-form routes: sign in, sign out, language; and `/` which sends each user to their home.

use super::password;
use super::session::{cookie, new_token, secure, session_cookie_name, set_cookie, token_hash};
use crate::db::{AuditEntry, NewSession, StoreError};
use crate::pages_util::internal_page as internal;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Extension, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::access::safe_next;
use jieshui_app::domain::accounts::{normalize_username, USERNAME_MAX};
use jieshui_app::domain::throttle::ThrottlePolicy;
use jieshui_app::i18n::Lang;
use jieshui_app::util::urlencode;
use serde::Deserialize;
use std::net::SocketAddr;

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
        // The right-most entry is the one our proxy added; anything left of it the client wrote.
        .and_then(|v| v.rsplit(',').next())
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

/// `POST /login`: checks the password, opens a session and redirects home (or to `next`).
pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = state.clock.now();
    let now_s = now.unix_timestamp();
    let ip = client_ip(&headers, peer.map(|c| c.0 .0), state.config.trust_proxy);
    // What was typed is bounded before it becomes a key, a log field or part of the form again.
    let typed: String = form
        .username
        .trim()
        .chars()
        .take(USERNAME_MAX + 1)
        .collect::<String>()
        .to_lowercase();
    let username = normalize_username(&typed).unwrap_or_else(|_| typed.clone());
    // The address first: a client already slowed down by address adds nothing to a username's count.
    let keys = [format!("ip:{ip}"), format!("u:{username}")];
    let policy = state.config.throttle;

    // Each attempt is counted as a failure before the password is checked, by a compare-and-set on
    // the stored count, so parallel guesses cannot all read the same count and walk past the limit.
    // A right password clears the username's count afterwards.
    for k in &keys {
        match claim_attempt(&state, &policy, k, now_s).await {
            Ok(Ok(())) => {}
            Ok(Err(wait)) => {
                let mut r = back_to_form("throttled", &typed, &form.next, &format!("&wait={wait}"));
                *r.status_mut() = StatusCode::SEE_OTHER;
                if let Ok(v) = wait.to_string().parse() {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return r;
            }
            Err(e) => return internal(e),
        }
    }

    let found = match state.store.user_for_login(&username).await {
        Ok(u) => u,
        Err(e) => return internal(e),
    };
    let stored = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().into());
    // Each verification holds 19 MiB for a fraction of a second: a burst waits briefly for a permit
    // and is then told to come back, instead of queueing without end.
    let Some(permit) = password_permit(&state).await else {
        return crate::pages_util::busy_page(lang_of(&headers), 5);
    };
    // A password longer than any passphrase is wrong without being hashed.
    let ok = form.password.len() <= PASSWORD_MAX_BYTES
        && match password::verify(form.password.clone(), stored).await {
            Ok(ok) => ok,
            Err(e) => return internal(e),
        };
    drop(permit);
    let user = match found {
        Some(u) if ok && u.active => u.user,
        _ => {
            tracing::info!(username = ?typed, %ip, "sign-in refused");
            return back_to_form("bad", &typed, &form.next, "");
        }
    };

    // The account's count starts again; the address only gets this attempt back, so signing in to
    // one's own account between guesses at others does not reset the address limit.
    if let Err(e) = state.store.clear_failures(&keys[1]).await {
        return internal(e);
    }
    if let Err(e) = state.store.forgive_attempt(&keys[0]).await {
        return internal(e);
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
            session_cookie_name(secure(&state, &headers)),
            &token,
            absolute.whole_seconds(),
            secure(&state, &headers),
        ),
    );
    resp
}

/// A place among the password checks running at once (each holds 19 MiB), waited for at most 2 s;
/// `None` means the server is saturated and the caller answers 503.
pub(crate) async fn password_permit(
    state: &crate::state::Core,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.login_permits.clone().acquire_owned(),
    )
    .await
    .ok()?
    .ok()
}

/// Longest password checked; longer ones are refused unhashed.
pub(crate) const PASSWORD_MAX_BYTES: usize = 1024;

/// Counts one attempt for `key` unless the key must still wait; `Err(wait)` says how long. The
/// count is written only if nobody changed it since it was read; a lost race reads again.
pub(crate) async fn claim_attempt(
    state: &crate::state::Core,
    policy: &ThrottlePolicy,
    key: &str,
    now: i64,
) -> Result<Result<(), i64>, StoreError> {
    for _ in 0..32 {
        let rec = state.store.failures(key).await?;
        let wait = policy.wait_secs(rec, now);
        if wait > 0 {
            return Ok(Err(wait));
        }
        if state
            .store
            .claim_attempt(key, rec, policy.after_failure(rec, now))
            .await?
        {
            return Ok(Ok(()));
        }
    }
    // Dozens of attempts at this very key at this very moment: that is not a person.
    Ok(Err(policy.base_delay_secs.max(1)))
}

fn lang_of(headers: &HeaderMap) -> Lang {
    crate::auth::session::cookie(headers, Lang::COOKIE)
        .map(Lang::from_cookie)
        .unwrap_or_default()
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let is_secure = secure(&state, &headers);
    if let Some(token) = cookie(&headers, session_cookie_name(is_secure)) {
        if let Err(e) = state.store.delete_session(&token_hash(token)).await {
            return internal(e);
        }
    }
    let mut resp = Redirect::to("/login?signed_out=1").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(is_secure), "", 0, is_secure),
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
