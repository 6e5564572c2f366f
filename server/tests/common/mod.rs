//! Shared helpers for the HTTP tests: the real router over a fresh database per test.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jieshui_server::clock::Clock;
use jieshui_server::config::Config;
use jieshui_server::db::{sqlite::SqliteStore, SharedStore};
use jieshui_server::startup::build_router;
use jieshui_server::state::AppState;
use sqlx::SqlitePool;
use std::sync::Arc;
use tower::ServiceExt;

pub const PW: &str = "test-password-1";

/// The time every test app starts at. Fixtures (photo EXIF times, capture times) are written
/// relative to it, so no test depends on the day it runs.
pub const T0: time::OffsetDateTime = time::macros::datetime!(2026-11-29 02:15:40 UTC);

/// A clock a test sets and moves.
#[derive(Debug)]
pub struct TestClock(std::sync::Mutex<time::OffsetDateTime>);

impl TestClock {
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        self.0.lock().map(|t| *t).unwrap_or(T0)
    }
}

pub struct TestApp {
    pub router: Router,
    pub store: SharedStore,
    pub state: AppState,
    pub clock: Arc<TestClock>,
    pub pool: SqlitePool,
}

pub async fn app_with(pool: SqlitePool, f: impl FnOnce(&mut Config)) -> TestApp {
    // Server errors show up in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("error")
        .try_init();
    let store: SharedStore = Arc::new(SqliteStore::from_pool(pool.clone()));
    // Each test keeps its files (photos) in a folder of its own.
    let data_dir = std::env::temp_dir().join(format!("jieshui-test-{}", uuid::Uuid::now_v7()));
    let mut config = Config {
        demo_password: PW.into(),
        data_dir,
        ..Config::default()
    };
    f(&mut config);
    jieshui_server::seed::seed_demo(&store, &config.demo_password)
        .await
        .expect("seed");
    let clock = Arc::new(TestClock(std::sync::Mutex::new(T0)));
    let state = AppState::with_clock(config, store.clone(), clock.clone());
    TestApp {
        router: build_router(state.clone()),
        store,
        state,
        clock,
        pool,
    }
}

pub async fn app(pool: SqlitePool) -> TestApp {
    app_with(pool, |_| {}).await
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    /// The check page's `visit-data` (what its script starts from), as JSON.
    pub fn page_data(&self) -> serde_json::Value {
        let data = self
            .body
            .split(r#"<script type="application/json" id="visit-data">"#)
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .expect("the page's data");
        serde_json::from_str(data).expect("the page's data is JSON")
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
    /// The session token set by this response, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies().into_iter().find_map(|c| {
            let first = c.split(';').next()?.to_string();
            let (k, v) = first.split_once('=')?;
            (k == "jieshui_session" && !v.is_empty()).then(|| first.clone())
        })
    }
}

async fn into_resp(r: Response<Body>) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let r = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router is infallible");
        into_resp(r).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).expect("request")).await
    }

    /// A form post from a given client address, as `axum::serve` with connect info delivers it.
    pub async fn post_form_from(&self, addr: &str, path: &str, form: &[(&str, &str)]) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let addr: std::net::SocketAddr = addr.parse().expect("socket address");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }

    /// An admin creates an account through the users page's form, with the test password.
    pub async fn create_user(&self, admin: &str, username: &str, display_name: &str, role: &str) {
        let r = self
            .post_form(
                "/admin/users",
                Some(admin),
                &[
                    ("username", username),
                    ("display_name", display_name),
                    ("role", role),
                    ("district_id", ""),
                    ("password", PW),
                ],
            )
            .await;
        assert!(r.location().contains("ok=created"), "{}", r.location());
    }

    /// Signs in through the real `/login` route and returns the `Cookie` header value to send.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .post_form("/login", None, &[("username", username), ("password", PW)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {username} failed: {}",
            r.location()
        );
        r.session_cookie()
            .unwrap_or_else(|| panic!("no session cookie for {username}"))
    }
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The app served for real on `127.0.0.1:0`, through the same accept loop as `main` (timeouts and
/// connection cap included). The server stops when the returned sender is dropped.
pub async fn serve(app: &TestApp) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = app.router.clone();
    let limits = app.state.config.limits;
    tokio::spawn(async move {
        let _ = jieshui_server::serve::serve(listener, router, limits, async {
            let _ = rx.await;
        })
        .await;
    });
    (addr, tx)
}

/// A test's photo files and other data go with it.
impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state.config.data_dir);
    }
}

/// One raw multipart part: name, filename (for a file), bytes.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A multipart body from raw parts.
pub async fn upload_parts(app: &TestApp, cookie: &str, parts: &[Part<'_>]) -> Resp {
    let b = "----jieshui-parts";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        let disposition = match filename {
            Some(f) => {
                format!("form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/jpeg")
            }
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let req = Request::post("/api/photos")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

/// Uploads a small JPEG to an inspection (attached to a line when `line_id` is given), as the
/// capture island does, and returns the answer.
pub async fn upload_photo(
    app: &TestApp,
    cookie: &str,
    inspection: uuid::Uuid,
    line_id: Option<uuid::Uuid>,
    photo_id: uuid::Uuid,
) -> Resp {
    let file = jieshui_server::evidence::analyze::fixture::plain_jpeg(64, 48);
    let (id, inspection, line) = (
        photo_id.to_string(),
        inspection.to_string(),
        line_id.map(|l| l.to_string()).unwrap_or_default(),
    );
    let mut parts: Vec<Part<'_>> = vec![
        ("id", None, id.as_bytes()),
        ("inspection_id", None, inspection.as_bytes()),
    ];
    if line_id.is_some() {
        parts.push(("line_id", None, line.as_bytes()));
    }
    parts.push(("file", Some("p.jpg"), &file));
    upload_parts(app, cookie, &parts).await
}

/// Starts a check at the demo shop 恒洁卫浴（金柱店） through the JSON route, with `extra` form
/// fields (a start position), and returns its id.
pub async fn start_check(app: &TestApp, cookie: &str, extra: &[(&str, &str)]) -> uuid::Uuid {
    let site = app.store.active_sites(None, "恒洁卫浴").await.expect("db")[0]
        .id
        .to_string();
    let id = uuid::Uuid::now_v7().to_string();
    let mut form = vec![("id", id.as_str()), ("site_id", site.as_str())];
    form.extend_from_slice(extra);
    let r = app.post_form("/api/inspections", Some(cookie), &form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    uuid::Uuid::parse_str(&id).expect("uuid")
}

/// Writes rules version 2 (the seed, changed by `change`) in force from `from`, as an
/// administrator's new version would be stored.
pub async fn add_rules_version(
    app: &TestApp,
    from: jieshui_app::domain::fixture::Day,
    change: impl FnOnce(&mut jieshui_app::domain::fixture::RuleSet),
) -> jieshui_app::domain::fixture::RuleSet {
    let mut v2 = jieshui_app::domain::fixture::RuleSet::seed();
    v2.version = 2;
    v2.effective_from = from;
    change(&mut v2);
    let audit = jieshui_server::db::AuditEntry {
        actor_id: None,
        action: "fixture_rules_new",
        subject: "fixture_rules:2".into(),
        detail: serde_json::json!({}),
    };
    assert!(app.store.insert_rule_set(&v2, &audit).await.expect("db"));
    v2
}

/// A JSON request (`PUT`, `POST`) with a session cookie.
pub async fn send_json(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: String,
) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    app.send(b.body(Body::from(body)).expect("request")).await
}
