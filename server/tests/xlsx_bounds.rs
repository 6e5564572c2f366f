//! Hostile workbooks: a tiny file whose far cell would make calamine allocate a grid of hundreds of
//! gigabytes, and a shared-strings zip bomb. Both are refused as "too large" quickly and without the
//! process's peak memory moving. One test in this binary, so the peak it reads is its own.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use sqlx::SqlitePool;
use std::io::{Read, Write};

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The process's peak resident memory so far, in kB (Linux).
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn far_cell_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "名称").expect("A1");
    sheet.write_string(499, 16383, "x").expect("XFD500");
    book.save_to_buffer().expect("xlsx")
}

/// A real workbook whose sharedStrings.xml is replaced by 112 MB of strings (a few hundred kB
/// compressed).
fn shared_strings_bomb() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "名称").expect("A1");
    let real = book.save_to_buffer().expect("xlsx");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(real)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6));
    for i in 0..src.len() {
        let mut entry = src.by_index(i).expect("entry");
        let name = entry.name().to_string();
        out.start_file(name.as_str(), opts).expect("start");
        if name == "xl/sharedStrings.xml" {
            let n = 4_000_000u64;
            write!(
                out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
                 count=\"{n}\" uniqueCount=\"{n}\">"
            )
            .expect("write");
            let chunk = "<si><t>名称名称</t></si>".repeat(10_000);
            for _ in 0..(n / 10_000) {
                out.write_all(chunk.as_bytes()).expect("write");
            }
            out.write_all(b"</sst>").expect("write");
        } else {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            out.write_all(&bytes).expect("write");
        }
    }
    out.finish().expect("finish").into_inner()
}

fn multipart(filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----jieshui-bounds";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn hostile_workbooks_are_refused_as_too_large_without_memory(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let far = far_cell_workbook();
    let bomb = shared_strings_bomb();
    assert!(far.len() < 10_000, "a small file: {} bytes", far.len());
    assert!(bomb.len() < 2_000_000, "a small file: {} bytes", bomb.len());
    let before = peak_kb();
    for (name, bytes) in [("far.xlsx", &far), ("bomb.xlsx", &bomb)] {
        let started = std::time::Instant::now();
        let (ct, body) = multipart(name, bytes);
        let req = Request::post("/admin/sites/import")
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, &admin)
            .body(Body::from(body))
            .expect("request");
        let r = app.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let id = r
            .location()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let b = app
            .post_form("/api/import_batch", Some(&admin), &[("id", &id)])
            .await;
        let b: serde_json::Value = serde_json::from_str(&b.body).expect("json");
        assert_eq!(b["status"], "invalid", "{name}: {b}");
        assert!(
            b["problems"].to_string().contains("FileTooLarge"),
            "{name}: {b}"
        );
        // Minutes (or an abort) before; a guard against that, not a speed target.
        assert!(
            started.elapsed().as_secs() < 10,
            "{name}: {:?}",
            started.elapsed()
        );
    }
    let grown_mb = peak_kb().saturating_sub(before) / 1024;
    assert!(grown_mb < 64, "peak memory grew by {grown_mb} MB");
}
