//! The bounds of `limits` and `serve`, each tried with a slow or greedy client on a real socket.

mod common;

use common::*;
const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
use sqlx::SqlitePool;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads what the server sends until it closes the connection or `within` passes.
async fn read_answer(s: &mut TcpStream, within: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                // One answer is enough once its body is complete (these answers are small).
                let text = String::from_utf8_lossy(&out);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .and_then(|v| v.trim().parse::<usize>().ok());
                    if len.is_some_and(|n| body.len() >= n) {
                        break;
                    }
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

fn status_of(answer: &str) -> &str {
    answer.lines().next().unwrap_or("")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn headers_sent_too_slowly_lose_the_connection(pool: SqlitePool) {
    let app = app_with(pool, |c| c.limits.header_read = Duration::from_secs(1)).await;
    let (addr, _stop) = serve(&app).await;

    // In time: answered.
    let mut s = connect(addr).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    assert!(status_of(&read_answer(&mut s, Duration::from_secs(5)).await).contains("200"));

    // The same request with its headers finished after the timeout: no answer, connection closed.
    let mut s = connect(addr).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let _ = s.write_all(b"Connection: close\r\n\r\n").await;
    let answer = read_answer(&mut s, Duration::from_secs(5)).await;
    assert!(
        !answer.contains("200 OK"),
        "a late request was served: {answer}"
    );
}

/// Sends `head`, then `body` one byte every `gap`, in the background; returns the reading half.
fn trickle(
    s: TcpStream,
    head: String,
    body: Vec<u8>,
    gap: Duration,
) -> (tokio::net::tcp::OwnedReadHalf, tokio::task::JoinHandle<()>) {
    let (r, mut w) = s.into_split();
    let task = tokio::spawn(async move {
        if w.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for b in body {
            if w.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(gap).await;
        }
        // Keep the connection open; the server is the one to end it.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    (r, task)
}

async fn read_half(r: &mut tokio::net::tcp::OwnedReadHalf, within: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, r.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out);
        if text.contains("</html>") || text.contains("\"code\"") && text.ends_with('}') {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn count(pool: &SqlitePool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_form_body_sent_a_byte_at_a_time_gets_a_503_with_a_retry_hint(pool: SqlitePool) {
    let app = app_with(pool, |c| c.limits.request = Duration::from_secs(1)).await;
    let (addr, _stop) = serve(&app).await;
    let body = format!("username=inspector&password={PW}");
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: t\r\nCookie: lang=en\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let started = Instant::now();
    // Sending would take 9 s; the answer comes at the 1 s limit.
    let (mut r, task) = trickle(
        connect(addr).await,
        head,
        body.into_bytes(),
        Duration::from_millis(200),
    );
    let answer = read_half(&mut r, Duration::from_secs(6)).await;
    task.abort();
    assert!(status_of(&answer).contains("503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 5"),
        "{answer}"
    );
    assert!(answer.contains("The server is busy"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        count(&app.pool, "sessions").await,
        0,
        "nobody was signed in"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_sent(pool: SqlitePool) {
    let app = app(pool).await;
    let (addr, _stop) = serve(&app).await;
    let mut s = connect(addr).await;
    // Ten megabytes announced, none sent: the answer does not wait for them.
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 10485760\r\n\r\n",
    )
    .await
    .expect("write");
    let answer = read_answer(&mut s, Duration::from_secs(3)).await;
    assert!(status_of(&answer).contains("413"), "{answer}");
    assert!(answer.contains("提交的内容过大"), "{answer}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_undeclared_body_is_cut_at_the_limit_on_every_route(pool: SqlitePool) {
    let app = app_with(pool, |c| c.limits.body_bytes = 1024).await;
    let cookie = app.login("admin").await;
    // A form route, an admin form and a server function: all stop at 1 KB, in the user's language.
    for path in ["/login", "/admin/users", "/api/list_users"] {
        let big = "x".repeat(4096);
        let req = axum::http::Request::post(path)
            .header("cookie", format!("{cookie}; lang=en"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from_stream(futures_util::stream::iter([
                Ok::<_, std::io::Error>(format!("username=a&password={big}")),
            ])))
            .expect("request");
        let r = app.send(req).await;
        assert_eq!(r.status.as_u16(), 413, "{path}: {}", r.body);
        assert!(
            r.body.contains("larger than the server accepts"),
            "{path}: {}",
            r.body
        );
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_upload_that_stalls_below_the_minimum_rate_is_ended(pool: SqlitePool) {
    let app = app_with(pool, |c| {
        c.limits.upload_grace = Duration::from_secs(1);
        c.limits.upload_min_bytes_per_sec = 1000;
        c.limits.request = Duration::from_secs(60);
    })
    .await;
    let cookie = app.login("inspector").await;
    let (addr, _stop) = serve(&app).await;
    let b = "----slow";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(0xFFu8, 300));
    let head = format!(
        "POST /api/photos HTTP/1.1\r\nHost: t\r\nCookie: {cookie}; lang=en\r\n\
         Content-Type: multipart/form-data; boundary={b}\r\nContent-Length: 2000000\r\n\r\n"
    );
    let started = Instant::now();
    // 300 bytes at 100/s: below 1000 B/s once the grace second is over.
    let (mut r, task) = trickle(connect(addr).await, head, body, Duration::from_millis(10));
    let answer = read_half(&mut r, Duration::from_secs(10)).await;
    task.abort();
    assert!(status_of(&answer).contains("408"), "{answer}");
    assert!(answer.contains("network was too slow"), "{answer}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(count(&app.pool, "photos").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_upload_at_a_weak_but_steady_rate_is_not_cut(pool: SqlitePool) {
    let app = app_with(pool, |c| {
        c.limits.upload_grace = Duration::from_millis(300);
        c.limits.upload_min_bytes_per_sec = 1000;
    })
    .await;
    let cookie = app.login("inspector").await;
    let (addr, _stop) = serve(&app).await;
    // Not a photo: it gets as far as the check of its content, which answers 4xx of its own.
    let b = "----steady";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nnot-a-uuid\r\n--{b}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', 1500));
    body.extend(format!("\r\n--{b}--\r\n").into_bytes());
    let head = format!(
        "POST /api/photos HTTP/1.1\r\nHost: t\r\nCookie: {cookie}; lang=en\r\n\
         Content-Type: multipart/form-data; boundary={b}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // About 2 s at 1500+ B/s in chunks: above the minimum all the way.
    let (r, mut w) = connect(addr).await.into_split();
    let mut r = r;
    let sender = tokio::spawn(async move {
        let _ = w.write_all(head.as_bytes()).await;
        for chunk in body.chunks(150) {
            let _ = w.write_all(chunk).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let answer = read_half(&mut r, Duration::from_secs(10)).await;
    sender.abort();
    let status = status_of(&answer).to_string();
    assert!(!status.contains("408"), "{answer}");
    assert!(status.contains(" 4"), "{answer}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn connections_past_the_cap_are_closed_until_one_frees(pool: SqlitePool) {
    let app = app_with(pool, |c| {
        c.limits.max_connections = 2;
        c.limits.header_read = Duration::from_secs(20);
    })
    .await;
    let (addr, _stop) = serve(&app).await;
    // Two connections held open with half-sent headers.
    let mut held = vec![connect(addr).await, connect(addr).await];
    for s in &mut held {
        s.write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .expect("write");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = connect(addr).await;
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await;
    let answer = read_answer(&mut third, Duration::from_secs(3)).await;
    assert!(answer.is_empty(), "served past the cap: {answer}");

    // One of the two finishes its request: a place is free again.
    let mut first = held.remove(0);
    first
        .write_all(b"Host: t\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    assert!(status_of(&read_answer(&mut first, Duration::from_secs(3)).await).contains("200"));
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = connect(addr).await;
    fourth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    assert!(status_of(&read_answer(&mut fourth, Duration::from_secs(3)).await).contains("200"));
}
