//! Session cookies and the layer that resolves them to a user for every request.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::access::{decide, page_access, Decision};
use jieshui_app::i18n::Lang;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "jieshui_session";
/// Under HTTPS the cookie carries the `__Host-` prefix: browsers then accept it only with `Secure`,
/// `Path=/` and no `Domain`, so a neighbouring subdomain cannot plant or overwrite it.
pub const SESSION_COOKIE_HTTPS: &str = "__Host-jieshui_session";

/// The session cookie's name for this request.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SESSION_COOKIE_HTTPS
    } else {
        SESSION_COOKIE
    }
}

/// A new random session token (256 bits) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of one cookie from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether cookies must be `Secure`: the public URL is HTTPS, or the trusted proxy says the request
/// was. Without `JIESHUI_TRUST_PROXY` the header is the client's own word and is ignored.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.https()
        || (state.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}");
    if secure {
        c.push_str("; Secure");
    }
    // Names and values are ours (base64url, fixed words): always valid header text.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Resolves the session cookie and the language, puts them in the request, then enforces the page
/// access table: anonymous users are sent to sign in, other roles get 403.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let lang = cookie(headers, Lang::COOKIE)
        .map(Lang::from_cookie)
        .unwrap_or_default();

    // Cross-site form posts are refused outright (SameSite=Lax already keeps the cookie off them).
    if req.method() != Method::GET
        && req.method() != Method::HEAD
        && !same_origin(headers, state.config.trust_proxy)
    {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            jieshui_app::i18n::Msg::Forbidden.text(lang),
        )
            .into_response();
    }

    let is_secure = secure(&state, headers);
    let mut had_cookie = false;
    let user = match cookie(headers, session_cookie_name(is_secure)) {
        Some(token) if !token.is_empty() => {
            had_cookie = true;
            let idle = time::Duration::minutes(state.config.session_idle_minutes);
            match state
                .store
                .session_user(&token_hash(token), state.clock.now(), idle)
                .await
            {
                Ok(u) => u,
                Err(e) => {
                    let incident = uuid::Uuid::now_v7().simple().to_string();
                    tracing::error!(%incident, error = %e, "session lookup failed");
                    return crate::pages_util::error_page(
                        lang,
                        StatusCode::SERVICE_UNAVAILABLE,
                        &incident,
                    );
                }
            }
        }
        _ => None,
    };
    let role = user.as_ref().map(|u| u.role);
    let path = req.uri().path().to_string();
    let is_page = req.method() == Method::GET || req.method() == Method::HEAD;

    if is_page && path == "/login" {
        if let Some(r) = role {
            return Redirect::to(r.home()).into_response();
        }
    }

    let decision = decide(page_access(&path), role);
    // Form posts to a protected path are refused before their handler runs: no redirect, no side effect.
    if !is_page && decision != Decision::Allow {
        let (status, msg) = if decision == Decision::SignIn {
            (
                StatusCode::UNAUTHORIZED,
                jieshui_app::i18n::Msg::NotSignedIn,
            )
        } else {
            (StatusCode::FORBIDDEN, jieshui_app::i18n::Msg::Forbidden)
        };
        return (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            msg.text(lang),
        )
            .into_response();
    }
    if decision == Decision::SignIn {
        let target = match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_string(),
            None => path.clone(),
        };
        let reason = if had_cookie { "&error=expired" } else { "" };
        let mut resp = Redirect::to(&format!(
            "/login?next={}{reason}",
            jieshui_app::util::urlencode(&target)
        ))
        .into_response();
        if had_cookie {
            // The cookie named a dead session: drop it.
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(session_cookie_name(is_secure), "", 0, is_secure),
            );
        }
        return resp;
    }

    if decision == Decision::Forbidden {
        // The page is not for this role: it is not rendered at all (none of its data is read).
        use jieshui_app::i18n::Msg;
        return crate::pages_util::message_page(
            lang,
            StatusCode::FORBIDDEN,
            Msg::ForbiddenTitle.text(lang),
            Msg::Forbidden.text(lang),
        );
    }

    req.extensions_mut().insert(RequestInfo { user, lang });
    let mut resp = crate::pages_util::REQUEST_LANG
        .scope(lang, next.run(req))
        .await;
    if !resp.headers().contains_key(header::CACHE_CONTROL) && !path.starts_with("/pkg/") {
        // Pages carry personal data and change with the session: never from a shared cache.
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// True when the browser does not call the request cross-site (`Sec-Fetch-Site`) and it has no
/// `Origin` (old browsers, curl, plain navigations) or one whose host matches the `Host` the request
/// was sent to (`X-Forwarded-Host` only from a trusted proxy).
fn same_origin(headers: &HeaderMap, trust_proxy: bool) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if fetch_site.eq_ignore_ascii_case("cross-site") || fetch_site.eq_ignore_ascii_case("same-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    let host = headers
        .get("x-forwarded-host")
        .filter(|_| trust_proxy)
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(t1.len(), 43);
        assert_eq!(h1, token_hash(&t1));
        assert_eq!(h1.len(), 64);
        assert!(!h1.contains(&t1));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; jieshui_session=abc; lang=en"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "lang"), Some("en"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn cookie_flags() {
        let c = set_cookie("jieshui_session", "t", 60, true);
        let s = c.to_str().unwrap_or_default();
        assert!(
            s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Secure"),
            "{s}"
        );
        let c = set_cookie("jieshui_session", "t", 60, false);
        assert!(!c.to_str().unwrap_or_default().contains("Secure"));
    }

    #[test]
    fn origins() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(same_origin(&h, false));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3000"),
        );
        assert!(same_origin(&h, false));
        // The browser's own word that the request comes from another site wins.
        for site in ["cross-site", "same-site"] {
            let mut x = h.clone();
            x.insert("sec-fetch-site", HeaderValue::from_static(site));
            assert!(!same_origin(&x, false), "{site}");
        }
        let mut x = h.clone();
        x.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&x, false));
        // A forwarded host counts only from a trusted proxy.
        let mut x = h.clone();
        x.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        x.insert("x-forwarded-host", HeaderValue::from_static("evil.example"));
        assert!(!same_origin(&x, false));
        assert!(same_origin(&x, true));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, false));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h, false));
    }
}
