//! Security headers: a Content-Security-Policy that names the page's own nonce (so the islands'
//! scripts run and no injected one does), no framing, HSTS only under HTTPS.

mod common;

use axum::http::{header, Request, StatusCode};
use common::*;
use sqlx::SqlitePool;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn csp(r: &Resp) -> String {
    r.headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Every `nonce="…"` in the page.
fn nonces(body: &str) -> Vec<String> {
    body.split("nonce=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

fn assert_page_policy(path: &str, r: &Resp) {
    let policy = csp(r);
    let found = nonces(&r.body);
    assert!(!found.is_empty(), "{path}: no nonce in the page");
    for n in &found {
        assert!(
            policy.contains(&format!(
                "script-src 'nonce-{n}' 'strict-dynamic' 'wasm-unsafe-eval'"
            )),
            "{path}: policy {policy:?} does not allow the page's script nonce {n}"
        );
    }
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{path}: {policy}"
    );
    assert!(policy.contains("object-src 'none'"), "{path}: {policy}");
    assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_rendered_page_allows_only_its_own_scripts(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let admin = app.login("admin").await;
    // A streamed page, an island page, an async admin page and the 404 fallback.
    let a = app.get("/login", None).await;
    let b = app.get("/today", Some(&inspector)).await;
    let c = app.get("/admin/users", Some(&admin)).await;
    let d = app.get("/no/such/page", Some(&admin)).await;
    for (path, r) in [
        ("/login", &a),
        ("/today", &b),
        ("/admin/users", &c),
        ("404", &d),
    ] {
        assert_page_policy(path, r);
    }
    assert!(
        b.body.contains("type=\"module\""),
        "the island page loads its bundle"
    );
    assert_eq!(d.status, StatusCode::NOT_FOUND);
    // Two responses, two nonces.
    let again = app.get("/login", None).await;
    assert_ne!(nonces(&a.body)[0], nonces(&again.body)[0]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn plain_responses_allow_no_script_at_all(pool: SqlitePool) {
    let app = app(pool).await;
    for r in [
        app.get("/healthz", None).await,
        app.post_form("/login", None, &[("username", "x")]).await,
    ] {
        let policy = csp(&r);
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        assert!(!policy.contains("script-src"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn hsts_only_under_https(pool: SqlitePool) {
    let hsts = |r: &Resp| r.headers.get(header::STRICT_TRANSPORT_SECURITY).cloned();
    // Plain HTTP: none, and a client's X-Forwarded-Proto does not change that without a trusted proxy.
    let app = app(pool.clone()).await;
    assert!(hsts(&app.get("/login", None).await).is_none());
    let req = Request::get("/login")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::empty())
        .expect("req");
    assert!(hsts(&app.send(req).await).is_none());

    let https = app_with(pool.clone(), |c| {
        c.public_url = "https://jieshui.example.cn".into()
    })
    .await;
    let r = https.get("/login", None).await;
    assert_eq!(
        hsts(&r).expect("HSTS under https"),
        "max-age=31536000",
        "{:?}",
        r.headers
    );

    let proxied = app_with(pool, |c| c.trust_proxy = true).await;
    let req = Request::get("/login")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::empty())
        .expect("req");
    assert!(hsts(&proxied.send(req).await).is_some());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn pages_and_json_are_compressed_for_browsers_that_accept_it(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let get = |path: &str, enc: &str| {
        Request::get(path)
            .header(header::COOKIE, &inspector)
            .header(header::ACCEPT_ENCODING, enc)
            .body(axum::body::Body::empty())
            .expect("req")
    };
    let plain = app.send(get("/today", "identity")).await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    for enc in ["br", "gzip"] {
        let r = app.send(get("/today", &format!("{enc}, deflate"))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_ENCODING], enc, "{enc}");
    }
    let r = app
        .send(
            Request::post("/api/list_districts")
                .header(header::COOKIE, &inspector)
                .header(header::ACCEPT_ENCODING, "br")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_ENCODING], "br");
}
