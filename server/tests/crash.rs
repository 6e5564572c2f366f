//! Kill the server in the middle of photo uploads, start it again, and check that the evidence store
//! and the database agree: every photo row has its file, and no file lacks a row.

use jieshui_server::evidence::analyze::fixture::{camera_jpeg, CameraExif};
use sqlx::Row;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Server {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// Starts the real binary and returns once it has printed that it is serving.
fn start(data: &Path, port: u16) -> Server {
    start_with(data, port, None)
}

/// The same, set to stop itself at the named fault point (test builds only).
fn start_with(data: &Path, port: u16, fault: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jieshui-server"));
    if let Some(f) = fault {
        cmd.env("JIESHUI_FAULT", f);
    }
    let mut child = cmd
        .env("JIESHUI_DEMO", "1")
        .env("DEMO_PASSWORD", "crash-test-password")
        .env("JIESHUI_BIND", format!("127.0.0.1:{port}"))
        .env("JIESHUI_DATA_DIR", data)
        .env("DATABASE_URL", format!("sqlite://{}/j.db", data.display()))
        .env("JIESHUI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("is running at") => break,
            Some(Ok(_)) => continue,
            _ => panic!("server exited before serving"),
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, port }
}

async fn send(port: u16, head: String, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(head.as_bytes()).await.expect("write");
    s.write_all(body).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let (h, b) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = h
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, h.to_string(), b.to_string())
}

async fn login(port: u16) -> String {
    let body = "username=inspector&password=crash-test-password";
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (status, headers, _) = send(port, head, body.as_bytes()).await;
    assert_eq!(status, 303);
    headers
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .expect("session cookie")
}

fn multipart(id: &str, inspection: &str, file: &[u8]) -> (String, Vec<u8>) {
    let b = "----crash-boundary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n{id}\r\n--{b}\r\nContent-Disposition: form-data; name=\"inspection_id\"\r\n\r\n{inspection}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

fn files_under(p: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(p)
        .map(|it| {
            it.filter_map(Result::ok)
                .flat_map(|e| {
                    if e.path().is_dir() {
                        files_under(&e.path())
                    } else {
                        vec![e.path()]
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_killed_server_leaves_no_row_without_its_file_and_no_stray_file() {
    let data = std::env::temp_dir().join(format!("jieshui-crash-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&data).expect("dir");
    let port = free_port();
    let mut server = start(&data, port);
    let cookie = login(server.port).await;

    // An inspection at the first demo shop (its id read from the database the server made).
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}/j.db", data.display()))
        .await
        .expect("db");
    let site: uuid::Uuid = sqlx::query("SELECT id FROM sites WHERE external_code = 'S001'")
        .fetch_one(&pool)
        .await
        .and_then(|r| r.try_get(0))
        .expect("site");
    let inspection = uuid::Uuid::now_v7().to_string();
    let form = format!("id={inspection}&site_id={site}");
    let head = format!(
        "POST /api/inspections HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        form.len()
    );
    assert_eq!(send(server.port, head, form.as_bytes()).await.0, 201);

    let exif = CameraExif {
        lat: Some(36.4603),
        lon: Some(115.9706),
        taken: None,
        offset: None,
        orientation: 1,
        software: None,
    };
    // Three photos arrive whole.
    for i in 0..3u32 {
        let jpeg = camera_jpeg(400 + i, 300, &exif);
        let (ct, body) = multipart(&uuid::Uuid::now_v7().to_string(), &inspection, &jpeg);
        let head = format!(
            "POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        assert_eq!(send(server.port, head, &body).await.0, 201);
    }
    // Four more are half-way through their bodies when the power goes.
    let mut open = Vec::new();
    for i in 0..4u32 {
        let jpeg = camera_jpeg(1200 + i, 900, &exif);
        let (ct, body) = multipart(&uuid::Uuid::now_v7().to_string(), &inspection, &jpeg);
        let head = format!(
            "POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let mut s = TcpStream::connect(("127.0.0.1", server.port))
            .await
            .expect("connect");
        s.write_all(head.as_bytes()).await.expect("head");
        s.write_all(&body[..body.len() / 2]).await.expect("half");
        s.flush().await.expect("flush");
        open.push(s);
    }
    // Wait until the server has begun writing them (their temp files exist), then kill it.
    let tmp = data.join("photos").join("tmp");
    for _ in 0..200 {
        if files_under(&tmp).len() >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!files_under(&tmp).is_empty(), "uploads were in flight");
    server.child.kill().expect("kill");
    server.child.wait().expect("reaped");
    drop(open);

    // Restart: the start-up sweep runs before serving.
    let mut server = start(&data, port);
    let rows: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM photos")
        .fetch_all(&pool)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3, "only the whole uploads were recorded");
    for sha in &rows {
        let p = data
            .join("photos")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(sha);
        assert!(p.exists(), "row {sha} has its file");
    }
    let originals: Vec<PathBuf> = files_under(&data.join("photos"))
        .into_iter()
        .filter(|p| !p.starts_with(data.join("photos").join("thumbs")))
        .collect();
    for f in &originals {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        assert!(rows.contains(&name), "stray file {f:?}");
    }
    assert_eq!(originals.len(), rows.len());
    server.child.kill().expect("kill");
    let _ = server.child.wait();
    let _ = std::fs::remove_dir_all(&data);
}

/// An inspection by the demo inspector at the first demo shop; returns its id.
async fn inspection_at_first_shop(port: u16, cookie: &str, pool: &sqlx::SqlitePool) -> String {
    let site: uuid::Uuid = sqlx::query("SELECT id FROM sites WHERE external_code = 'S001'")
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get(0))
        .expect("site");
    let inspection = uuid::Uuid::now_v7().to_string();
    let form = format!("id={inspection}&site_id={site}");
    let head = format!(
        "POST /api/inspections HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        form.len()
    );
    assert_eq!(send(port, head, form.as_bytes()).await.0, 201);
    inspection
}

#[tokio::test]
async fn a_crash_between_the_file_and_its_row_loses_nothing_the_retry_cannot_bring_back() {
    let data = std::env::temp_dir().join(format!("jieshui-fault-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&data).expect("dir");
    let port = free_port();
    // Seed and sign in on a normal start, then start again set to stop at the fault point.
    let mut server = start(&data, port);
    let cookie = login(server.port).await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}/j.db", data.display()))
        .await
        .expect("db");
    let inspection = inspection_at_first_shop(server.port, &cookie, &pool).await;
    server.child.kill().expect("kill");
    server.child.wait().expect("reaped");
    let mut server = start_with(&data, port, Some("photo_file_stored"));

    let exif = CameraExif {
        lat: Some(36.4603),
        lon: Some(115.9706),
        taken: None,
        offset: None,
        orientation: 1,
        software: None,
    };
    let jpeg = camera_jpeg(640, 480, &exif);
    let photo_id = uuid::Uuid::now_v7().to_string();
    let (ct, body) = multipart(&photo_id, &inspection, &jpeg);
    let head = format!(
        "POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The server dies with the file stored and no row written: the phone gets no answer.
    let (status, _, _) = send(server.port, head.clone(), &body).await;
    assert_eq!(status, 0, "no answer from a server that stopped");
    let exit = server.child.wait().expect("reaped");
    assert!(!exit.success(), "the server stopped at the fault point");
    let originals = |data: &Path| -> Vec<PathBuf> {
        files_under(&data.join("photos"))
            .into_iter()
            .filter(|p| !p.starts_with(data.join("photos").join("thumbs")))
            .filter(|p| !p.starts_with(data.join("photos").join("tmp")))
            .collect()
    };
    assert_eq!(
        originals(&data).len(),
        1,
        "the file was stored before the stop"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM photos")
        .fetch_one(&pool)
        .await
        .expect("db");
    assert_eq!(rows, 0, "and its row was not");

    // Back up: the sweep removes the file no row names, and the phone's retry stores it whole.
    let mut server = start(&data, port);
    assert!(originals(&data).is_empty(), "the stray file was swept");
    let (status, _, answer) = send(server.port, head, &body).await;
    assert_eq!(status, 201, "{answer}");
    let sha: String = sqlx::query_scalar("SELECT sha256 FROM photos WHERE id = ?")
        .bind(uuid::Uuid::parse_str(&photo_id).expect("uuid"))
        .fetch_one(&pool)
        .await
        .expect("the row is there now");
    let stored = originals(&data);
    assert_eq!(stored.len(), 1);
    assert!(stored[0].ends_with(&sha));
    server.child.kill().expect("kill");
    let _ = server.child.wait();
    let _ = std::fs::remove_dir_all(&data);
}
