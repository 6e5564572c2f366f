//! Saving and submitting a 50-line market check on SQLite (a file database, WAL, as `make run` uses),
//! through the service layer the routes call: parse, bounds, every line judged, the digest, the
//! store's transaction and audit entry. One core (a current-thread runtime). Target: ≤ 2 ms per
//! submit. Prints the mean, median and 95th percentile of each step.
//!
//! `cargo bench -p jieshui-server --bench market_submit`

use jieshui_app::domain::inspection::InspectionKind;
use jieshui_app::domain::market::InspectionStatus;
use jieshui_server::config::Config;
use jieshui_server::db::{AuditEntry, InspectionRow, PhotoRow, SharedStore};
use jieshui_server::services::market;
use jieshui_server::state::AppState;
use serde_json::json;
use std::time::{Duration, Instant};

const VISITS: usize = 200;
const LINES: usize = 50;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

fn stats(name: &str, mut v: Vec<Duration>) {
    v.sort_unstable();
    let mean = v.iter().sum::<Duration>() / v.len() as u32;
    let p = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<28} mean {:>7.3} ms   median {:>7.3} ms   p95 {:>7.3} ms",
        mean.as_secs_f64() * 1e3,
        p(0.5).as_secs_f64() * 1e3,
        p(0.95).as_secs_f64() * 1e3
    );
}

fn draft(visit: usize) -> serde_json::Value {
    let categories = ["faucet", "shower", "toilet", "urinal", "dishwasher"];
    let lines: Vec<_> = (0..LINES)
        .map(|n| {
            let category = categories[n % categories.len()];
            let (grade, figure) = match category {
                "faucet" => (2, 0.11),
                "shower" => (1, 0.07),
                "toilet" => (2, 4.8),
                "urinal" => (2, 1.2),
                _ => (3, 0.6),
            };
            json!({
                "id": format!("0190f3c2-{:04x}-7000-8000-{:012x}", visit, n),
                "category": category, "brand": format!("品牌{}", n % 7), "model": format!("M-{n}"),
                "manufacturer": "某某洁具有限公司", "label_present": true, "grade": grade,
                "figure": figure, "figure2": null, "quantity": 3, "phased_out": false,
                "filing_no": format!("WS2024-{n:05}"), "note": "", "edited_at": 1_764_000_000_000_i64 + n as i64,
            })
        })
        .collect();
    json!({ "lines": lines, "outcome": "compliant", "outcome_note": "", "rectify_by": null })
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("jieshui-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir)?;
    let store: SharedStore =
        jieshui_server::db::connect(&format!("sqlite://{}/j.db", dir.display())).await?;
    jieshui_server::seed::seed_demo(&store, "bench-password-1").await?;
    let inspector = store
        .user_for_login("inspector")
        .await?
        .ok_or("no inspector")?
        .user;
    let site = store.active_sites(None, "恒洁卫浴").await?[0].id;
    let state = AppState::new(
        Config {
            data_dir: dir.clone(),
            ..Config::default()
        },
        store.clone(),
    );
    let audit = |action| AuditEntry {
        actor_id: Some(inspector.id),
        action,
        subject: String::new(),
        detail: json!({}),
    };
    let (mut first_save, mut resave, mut submit) = (Vec::new(), Vec::new(), Vec::new());
    for visit in 0..VISITS {
        let id = uuid::Uuid::now_v7();
        let now = time::OffsetDateTime::now_utc();
        store
            .upsert_inspection(
                &InspectionRow {
                    id,
                    kind: InspectionKind::MarketCheck,
                    site_id: site,
                    inspector_id: inspector.id,
                    started_at: now,
                    start: None,
                    status: InspectionStatus::Draft,
                },
                &audit("inspection_start"),
            )
            .await?;
        store
            .insert_photo(
                &PhotoRow {
                    id: uuid::Uuid::now_v7(),
                    inspection_id: id,
                    line_id: None,
                    sha256: format!("{:064x}", visit),
                    original_sha256: None,
                    bytes: 1000,
                    mime: "image/jpeg".into(),
                    width: Some(64),
                    height: Some(48),
                    exif: json!({}),
                    client_exif: json!({}),
                    device_lat: None,
                    device_lon: None,
                    accuracy_m: None,
                    captured_at: None,
                    fix_at: None,
                    received_at: now,
                    uploaded_by: inspector.id,
                    flags: json!([]),
                },
                &audit("photo_upload"),
            )
            .await?;
        let body = draft(visit);
        let key = id.to_string();
        let t = Instant::now();
        market::save_draft(&state, Some(&inspector), &key, &body)
            .await
            .map_err(|e| format!("{e:?}"))?;
        first_save.push(t.elapsed());
        let t = Instant::now();
        market::save_draft(&state, Some(&inspector), &key, &body)
            .await
            .map_err(|e| format!("{e:?}"))?;
        resave.push(t.elapsed());
        let t = Instant::now();
        let (rec, fresh) = market::submit(&state, Some(&inspector), &key)
            .await
            .map_err(|e| format!("{e:?}"))?;
        submit.push(t.elapsed());
        if !fresh || rec.lines.len() != LINES {
            return Err("the submit did not record the visit".into());
        }
    }
    let (mut rules, mut record) = (Vec::new(), Vec::new());
    let any = store.inspection_list(None, None, 1).await?[0].id;
    for _ in 0..VISITS {
        let t = Instant::now();
        jieshui_server::services::rules::rule_sets(&state)
            .await
            .map_err(|e| format!("{e:?}"))?;
        rules.push(t.elapsed());
        let t = Instant::now();
        store.market_record(any).await?;
        record.push(t.elapsed());
    }
    println!("{VISITS} visits of {LINES} lines each, SQLite file database, one core");
    stats("save draft (50 lines, new)", first_save);
    stats("save the same draft again", resave);
    stats("submit (50 lines)", submit);
    stats("  of which: the rules", rules);
    stats("  of which: reading a record", record);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
