//! The registry's list page under load, in process through the real router: 1,000 shops, signed in
//! as the admin, the first page of `/admin/sites` again and again. Prints requests per second on
//! one core (a current-thread runtime), the page's size and how much of it is resource data
//! serialised for hydration (none should be: the page has no island), and what the store's part of
//! a request costs.
//!
//! `cargo bench -p jieshui-server --bench registry_page`

use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use jieshui_app::domain::site::{check_site, SiteFields};
use jieshui_app::model::site::{SiteFilter, SiteState};
use jieshui_server::config::Config;
use jieshui_server::db::{AuditEntry, ResolvedSite, SharedStore};
use jieshui_server::startup::build_router;
use jieshui_server::state::AppState;
use std::time::Instant;
use tower::ServiceExt;

const SHOPS: usize = 1_000;
const REQUESTS: usize = 400;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("jieshui-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir)?;
    let store: SharedStore =
        jieshui_server::db::connect(&format!("sqlite://{}/j.db", dir.display())).await?;
    let password = "bench-password-1";
    jieshui_server::seed::seed_demo(&store, password).await?;
    let districts = store.list_districts().await?;
    let district_id = districts
        .iter()
        .find(|d| d.code == "371502")
        .map(|d| d.id)
        .ok_or("no district")?;
    let mut rows = Vec::with_capacity(SHOPS);
    for i in 0..SHOPS {
        let fields = SiteFields {
            kind: "shop".into(),
            external_code: format!("B{i:05}"),
            name: format!("测试卫浴门店 {i:04}"),
            address: format!("东昌府区建设路 {i} 号"),
            district: "371502".into(),
            lat: format!("{:.6}", 36.40 + (i as f64) * 0.0001),
            lon: format!("{:.6}", 115.95 + (i as f64) * 0.0001),
            ..SiteFields::default()
        };
        let input = check_site(&fields).map_err(|p| format!("{p:?}"))?;
        rows.push(ResolvedSite { input, district_id });
    }
    let audit = AuditEntry {
        actor_id: None,
        action: "bench",
        subject: String::new(),
        detail: serde_json::json!({}),
    };
    store
        .upsert_sites(&rows, time::OffsetDateTime::now_utc(), &audit)
        .await?;
    let config = Config {
        data_dir: dir.clone(),
        demo_password: password.into(),
        ..Config::default()
    };
    let state = AppState::new(config, store.clone());
    let router = build_router(state);

    let mut login = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=admin&password={password}")))?;
    login
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let r = router.clone().oneshot(login).await?;
    let cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jieshui_session="))
        .and_then(|c| c.split(';').next())
        .ok_or("no session")?
        .to_string();

    let page = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
    };
    let r = router.clone().oneshot(page("/admin/sites")?).await?;
    let status = r.status();
    let html = String::from_utf8(r.into_body().collect().await?.to_bytes().to_vec())?;
    // Every inline script that carries resource data for hydration.
    let resources: usize = html
        .split("<script")
        .skip(1)
        .filter_map(|s| s.split_once("</script>").map(|(body, _)| body))
        .filter(|body| body.contains("__RESOLVED_RESOURCES") || body.contains("__SERIALIZED"))
        .map(str::len)
        .sum();
    if let Ok(path) = std::env::var("BENCH_HTML") {
        std::fs::write(path, &html)?;
    }

    // Warm up, then measure.
    for _ in 0..20 {
        router.clone().oneshot(page("/admin/sites")?).await?;
    }
    let t = Instant::now();
    for _ in 0..REQUESTS {
        let r = router.clone().oneshot(page("/admin/sites")?).await?;
        r.into_body().collect().await?;
    }
    let per = t.elapsed() / REQUESTS as u32;

    let filter = SiteFilter {
        q: String::new(),
        kind: None,
        district_id: None,
        state: SiteState::Active,
        page: 0,
    };
    let t = Instant::now();
    for _ in 0..REQUESTS {
        store
            .list_sites(&filter, jieshui_app::model::site::SITES_PER_PAGE)
            .await?;
    }
    let store_per = t.elapsed() / REQUESTS as u32;

    println!("registry list page, {SHOPS} shops + demo sites, one core, {REQUESTS} requests:");
    println!("  status                 {status}");
    println!(
        "  HTML                   {:>8.1} KB",
        html.len() as f64 / 1024.0
    );
    println!(
        "  resource data in it    {:>8.1} KB",
        resources as f64 / 1024.0
    );
    println!(
        "  per request            {:>8.2} ms  ({:.0} requests/s)",
        per.as_secs_f64() * 1e3,
        1.0 / per.as_secs_f64()
    );
    println!(
        "  of which list + count  {:>8.2} ms",
        store_per.as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
