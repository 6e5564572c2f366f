//! How long a 10,000-row spreadsheet takes from upload to registry: reading (GBK CSV), checking,
//! and the one-transaction write, on SQLite. Prints figures; the product target is "in seconds".
//! Run with `cargo bench -p jieshui-server --bench import`.

use jieshui_server::db::{AuditEntry, NewBatch, SharedStore};
use jieshui_server::registry::import::{check_table, read_table};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

const ROWS: usize = 10_000;

fn csv() -> Vec<u8> {
    let mut s = String::from(
        "类型,外部编码,名称,地址,区县,纬度,经度,坐标系,户数,年用水量(立方米),单位类型\r\n",
    );
    for i in 0..ROWS {
        let (kind, extra) = match i % 3 {
            0 => ("门店", ",,"),
            1 => ("居民小区", "1200,,"),
            _ => ("单位", ",52000,学校"),
        };
        s.push_str(&format!(
            "{kind},B{i:05},基准网点{i},东昌府区基准路{i}号,东昌府区,{:.6},{:.6},GCJ02,{extra}\r\n",
            36.40 + (i % 100) as f64 * 0.001,
            115.90 + (i / 100) as f64 * 0.001
        ));
    }
    let (bytes, _, _) = encoding_rs::GBK.encode(&s);
    bytes.into_owned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("jieshui-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir)?;
    let store: SharedStore = Arc::new(
        jieshui_server::db::sqlite::SqliteStore::connect(&format!(
            "sqlite://{}/bench.db",
            dir.display()
        ))
        .await?,
    );
    jieshui_server::seed::seed_demo(&store, "bench-password-1").await?;
    let admin = store
        .user_for_login("admin")
        .await?
        .ok_or("no admin")?
        .user
        .id;
    let districts = store.list_districts().await?;
    let bytes = csv();

    let t = Instant::now();
    let table = read_table(&bytes, "bench.csv").map_err(|e| format!("{e:?}"))?;
    let read = t.elapsed();
    let t = Instant::now();
    let rows = check_table(&table, None, &districts, &HashSet::new())
        .map_err(|p| format!("{} problems", p.len()))?;
    let check = t.elapsed();

    let audit = AuditEntry {
        actor_id: Some(admin),
        action: "bench",
        subject: String::new(),
        detail: serde_json::json!({}),
    };
    let mut write_times = Vec::new();
    for _ in 0..2 {
        let id = uuid::Uuid::now_v7();
        let payload = serde_json::to_string(&rows)?;
        store
            .insert_batch(
                &NewBatch {
                    id,
                    created_by: admin,
                    filename: "bench.csv".into(),
                    row_count: ROWS as i64,
                    status: jieshui_app::model::site::BatchStatus::Ready,
                    payload,
                },
                &audit,
            )
            .await?;
        let t = Instant::now();
        store
            .commit_batch(id, &rows, time::OffsetDateTime::now_utc(), &audit)
            .await?;
        write_times.push(t.elapsed());
    }
    println!("import of {ROWS} rows ({} KB GBK CSV):", bytes.len() / 1024);
    println!("  read + decode   {:>8.1} ms", read.as_secs_f64() * 1e3);
    println!("  check           {:>8.1} ms", check.as_secs_f64() * 1e3);
    println!(
        "  write (insert)  {:>8.1} ms",
        write_times[0].as_secs_f64() * 1e3
    );
    println!(
        "  write (update)  {:>8.1} ms",
        write_times[1].as_secs_f64() * 1e3
    );
    println!("  sites stored    {:>8}", store.count_sites().await?);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
