//! Photo ingest cost: type check, EXIF, decode with limits, orientation, both thumbnails, hashing
//! and the durable write under the hash — everything the upload route does but the database row.
//! Prints ms per photo and the process's peak memory. Target: ≤ 50 ms for 12 MP on one core.
//! Run with `cargo bench -p jieshui-server --bench photo`.

use jieshui_app::domain::evidence::DecodeLimits;
use jieshui_server::evidence::analyze::analyze;
use jieshui_server::evidence::analyze::fixture::{textured_jpeg, with_exif, CameraExif};
use jieshui_server::evidence::store::PhotoStore;
use std::time::{Duration, Instant};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

async fn run(
    store: &PhotoStore,
    label: &str,
    w: u32,
    h: u32,
    rounds: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let exif = CameraExif {
        lat: Some(36.4603),
        lon: Some(115.9706),
        taken: Some("2026:11:29 10:15:02"),
        offset: Some("+08:00"),
        orientation: 6,
        software: None,
    };
    let jpeg = with_exif(&textured_jpeg(w, h), &exif);
    let limits = DecodeLimits::default();
    let (mut receive, mut decode, mut store_t) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for i in 0..rounds {
        // Make each round's bytes unique so the store really writes.
        let mut bytes = jpeg.clone();
        bytes.extend_from_slice(&i.to_le_bytes());
        let t = Instant::now();
        let r = store
            .receive(
                futures_util::stream::iter([Ok::<_, String>(bytes.clone())]),
                64 << 20,
            )
            .await?;
        let t1 = Instant::now();
        let a = analyze(&bytes, &limits, 8 * 60).map_err(|e| e.to_string())?;
        let t2 = Instant::now();
        store.commit(&r).await?;
        for (edge, thumb) in &a.thumbs {
            store.put_thumb(&r.sha256, *edge, thumb, false).await?;
        }
        receive += t1 - t;
        decode += t2 - t1;
        store_t += t2.elapsed();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(rounds);
    println!(
        "{label:>18}: {w}×{h}, {:.1} MB JPEG, {:>6.1} ms per photo over {rounds} rounds \
         (receive+hash+fsync {:.1}, EXIF+decode+thumbnails {:.1}, rename+dir fsync+thumb files {:.1}); \
         peak RSS so far {:.0} MB",
        jpeg.len() as f64 / 1e6,
        ms(receive + decode + store_t),
        ms(receive),
        ms(decode),
        ms(store_t),
        peak_rss_mb()
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("jieshui-photo-bench-{}", uuid::Uuid::now_v7()));
    let store = PhotoStore::open(&dir).await?;
    println!("photo ingest (one core, current-thread runtime):");
    run(&store, "phone-downscaled", 1600, 1200, 20).await?;
    run(&store, "12 MP original", 4000, 3000, 12).await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
