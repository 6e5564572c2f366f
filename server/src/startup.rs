//! Builds the HTTP application. `main` and every HTTP test use the same [`build_router`].

use crate::auth::{self, routes};
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use jieshui_app::app::{shell, App};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let options = state.leptos_options.clone();
    let x_request_id = http::HeaderName::from_static("x-request-id");

    Router::new()
        .route("/", get(routes::home))
        .route("/login", post(routes::login))
        .route("/logout", post(routes::logout))
        .route("/lang", post(routes::set_lang))
        .route("/healthz", get(routes::healthz))
        .merge(crate::registry::routes::router())
        .merge(crate::accounts::router())
        .merge(crate::evidence::routes::router())
        .merge(crate::market::router())
        .merge(crate::review::router())
        .merge(crate::score::router())
        .nest_service("/pkg", pkg_service(&state))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(server_fn_status))
        // Inside the session layer, so that the 500 speaks the user's language.
        .layer(axum::middleware::from_fn(catch_panic))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::limits_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::X_CONTENT_TYPE_OPTIONS,
            http::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::REFERRER_POLICY,
            http::HeaderValue::from_static("same-origin"),
        ))
        // HTML and JSON go brotli- or gzip-compressed (a phone's "today" page shrinks several
        // times); images and the already precompressed bundle are left as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// What no response of ours needs: scripts (a rendered page sets its own policy with its nonce, see
/// `page_csp`), plugins, framing, other origins.
const STRICT_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The service worker's own policy (`public/sw.js`): it fetches this origin's pages and bundle for
/// the phone, and nothing else.
const WORKER_CSP: &str = "default-src 'none'; connect-src 'self'";

/// Content-Security-Policy on every response that has none, no framing, and under HTTPS,
/// Strict-Transport-Security.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let https = crate::auth::session::secure(&state, req.headers());
    let worker = req.uri().path() == "/sw.js";
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(http::header::CONTENT_SECURITY_POLICY) {
        h.insert(
            http::header::CONTENT_SECURITY_POLICY,
            http::HeaderValue::from_static(if worker { WORKER_CSP } else { STRICT_CSP }),
        );
    }
    h.insert(
        http::header::X_FRAME_OPTIONS,
        http::HeaderValue::from_static("DENY"),
    );
    if https {
        h.insert(
            http::header::STRICT_TRANSPORT_SECURITY,
            http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}

/// A panic in a handler or in rendering: logged with an incident number, answered with the 500 page
/// (JSON under `/api/`) in the user's language instead of a dropped connection.
async fn catch_panic(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use futures_util::FutureExt;
    let api = req.uri().path().starts_with("/api/");
    let cause = match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(resp) => return resp,
        Err(cause) => cause,
    };
    let what = cause
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| cause.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    let incident = uuid::Uuid::now_v7().simple().to_string();
    tracing::error!(%incident, panic = %what, "request panicked");
    if api {
        let e = jieshui_app::error::AppError::Internal { incident };
        return (http::StatusCode::INTERNAL_SERVER_ERROR, axum::Json(e)).into_response();
    }
    let lang = crate::pages_util::request_lang();
    crate::pages_util::error_page(lang, http::StatusCode::INTERNAL_SERVER_ERROR, &incident)
}

/// The server-function machinery answers 500 for errors raised before a function body runs (a
/// missing or mistyped argument). The body is our `AppError`, which knows its real status: use it.
async fn server_fn_status(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_fn = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    if !is_fn || resp.status() != http::StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return (http::StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    };
    if let Ok(e) = serde_json::from_slice::<jieshui_app::error::AppError>(&bytes) {
        if let Ok(code) = http::StatusCode::from_u16(e.status()) {
            parts.status = code;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The browser bundle, sent brotli- or gzip-precompressed when `make build` left those files, and
/// revalidated (not re-downloaded) on each visit: the file names do not change between releases.
fn pkg_service(state: &AppState) -> axum::routing::MethodRouter {
    let dir = state.config.site_root.join("pkg");
    let serve = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    axum::routing::get_service(
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-cache"),
            ))
            .service(serve),
    )
}
