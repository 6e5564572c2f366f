//! Bounds on every request, so that no client, slow or hostile, can hold the server: a body limit on
//! every route (declared sizes refused before anything is read), a time limit on every page and JSON
//! request (answered with a 503 and a retry hint rather than hanging), and uploads bounded by a
//! minimum transfer rate instead of a fixed time, so a photo on weak 4G still arrives while a body
//! sent a byte a minute does not. Connection-level bounds (header-read timeout, connection cap) are
//! in [`crate::serve`].

use crate::pages_util::request_lang;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jieshui_app::i18n::{Lang, Msg};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The bounds, all settings (see `config::SETTINGS`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// A client must finish sending a request's headers within this time.
    pub header_read: Duration,
    /// A page or JSON request must be answered within this time.
    pub request: Duration,
    /// Connections beyond this many are closed as soon as they are accepted.
    pub max_connections: usize,
    /// The largest body of any request that is not an upload.
    pub body_bytes: u64,
    /// After the grace period, an upload must have arrived at this average rate at least.
    pub upload_min_bytes_per_sec: u64,
    pub upload_grace: Duration,
    /// How long a 503 tells the client to wait before trying again.
    pub retry_after_secs: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            max_connections: 1024,
            body_bytes: 256 * 1024,
            // 4 KB/s is a tenth of what a weak 4G or EDGE link carries.
            upload_min_bytes_per_sec: 4 * 1024,
            upload_grace: Duration::from_secs(15),
            retry_after_secs: 5,
        }
    }
}

/// How a request's body is bounded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    /// A file upload: its own size cap, the minimum rate, no fixed time limit.
    Upload { max_bytes: u64, too_large: Msg },
    /// A market-check draft: a larger cap than other JSON, so that a draft over its bounds (too
    /// many lines, a note too long) is refused by field, with the request time limit.
    Draft,
    /// Everything else: the common body cap and the request time limit.
    Bounded,
}

/// The largest draft body: [`MAX_LINES`](jieshui_app::domain::market::MAX_LINES) full lines fit
/// several times over, and so do a 10,000-line or a 1 MB-note draft, which are then refused by
/// field rather than by size.
pub const DRAFT_BODY_BYTES: u64 = 4 * 1024 * 1024;

fn class(state: &AppState, method: &Method, path: &str) -> Class {
    if method == Method::PUT
        && path
            .strip_prefix("/api/inspections/")
            .is_some_and(|rest| rest.ends_with("/draft") && rest.matches('/').count() == 1)
    {
        return Class::Draft;
    }
    if method != Method::POST {
        return Class::Bounded;
    }
    match path {
        // The photo file plus its EXIF block and a few short fields.
        "/api/photos" => Class::Upload {
            max_bytes: state
                .config
                .photo_max_bytes
                .saturating_add(crate::evidence::analyze::MAX_EXIF_BLOCK as u64)
                .saturating_add(64 * 1024),
            too_large: Msg::PhotoTooLarge,
        },
        "/admin/sites/import" => Class::Upload {
            max_bytes: crate::registry::import::MAX_FILE_BYTES as u64 + 64 * 1024,
            too_large: Msg::FileTooLarge,
        },
        _ => Class::Bounded,
    }
}

const TRIPPED_NONE: u8 = 0;
const TRIPPED_SIZE: u8 = 1;
const TRIPPED_SLOW: u8 = 2;

/// The middleware: inside the session layer, so that its answers speak the user's language.
pub async fn limits_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = request_lang();
    let limits = state.config.limits;
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let class = class(&state, req.method(), &path);
    let (max_bytes, too_large) = match class {
        Class::Upload {
            max_bytes,
            too_large,
        } => (max_bytes, too_large),
        Class::Draft => (limits.body_bytes.max(DRAFT_BODY_BYTES), Msg::BodyTooLarge),
        Class::Bounded => (limits.body_bytes, Msg::BodyTooLarge),
    };
    // A declared size is checked before a byte of the body is read.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes) {
        return refusal(lang, api, TRIPPED_SIZE, too_large, limits.retry_after_secs);
    }
    let tripped = Arc::new(AtomicU8::new(TRIPPED_NONE));
    let rate = match class {
        Class::Upload { .. } => Some(MinRate {
            bytes_per_sec: limits.upload_min_bytes_per_sec.max(1),
            start: Instant::now(),
            grace: limits.upload_grace,
        }),
        Class::Draft | Class::Bounded => None,
    };
    let req = req.map(|body| {
        Body::new(GuardedBody {
            inner: body,
            seen: 0,
            max_bytes,
            rate,
            sleep: None,
            tripped: tripped.clone(),
        })
    });
    let resp = match class {
        Class::Upload { .. } => next.run(req).await,
        Class::Draft | Class::Bounded => {
            match tokio::time::timeout(limits.request, next.run(req)).await {
                Ok(resp) => resp,
                Err(_) => {
                    tracing::warn!(%path, limit = ?limits.request, "request took too long; answered 503");
                    return busy(lang, api, limits.retry_after_secs);
                }
            }
        }
    };
    match tripped.load(Ordering::Acquire) {
        TRIPPED_NONE => resp,
        t => {
            tracing::info!(%path, too_slow = t == TRIPPED_SLOW, "request body refused");
            refusal(lang, api, t, too_large, limits.retry_after_secs)
        }
    }
}

/// 503 with a retry hint: a page for a browser, JSON for the API.
pub fn busy(lang: Lang, api: bool, retry_after_secs: u32) -> Response {
    if !api {
        return crate::pages_util::busy_page(lang, retry_after_secs);
    }
    let mut r = json_error(StatusCode::SERVICE_UNAVAILABLE, Msg::Busy, lang);
    r.headers_mut()
        .insert(header::RETRY_AFTER, retry_after_secs.into());
    r
}

fn json_error(status: StatusCode, msg: Msg, lang: Lang) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({
            "error": msg.text(lang),
            "code": crate::pages_util::msg_code(msg),
        })),
    )
        .into_response()
}

/// `too_large` is the message for a body over its size: the route's own ("the photo is too large")
/// where it has one.
fn refusal(lang: Lang, api: bool, tripped: u8, too_large: Msg, retry_after_secs: u32) -> Response {
    let (status, title, msg) = if tripped == TRIPPED_SLOW {
        (
            StatusCode::REQUEST_TIMEOUT,
            Msg::UploadTooSlowTitle,
            Msg::UploadTooSlow,
        )
    } else {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::BodyTooLargeTitle,
            too_large,
        )
    };
    let mut r = if api {
        json_error(status, msg, lang)
    } else {
        crate::pages_util::message_page(lang, status, title.text(lang), msg.text(lang))
    };
    // The rest of the body is not read: the connection is not reused.
    r.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    if tripped == TRIPPED_SLOW {
        r.headers_mut()
            .insert(header::RETRY_AFTER, retry_after_secs.into());
    }
    r
}

#[derive(Debug, Clone, Copy)]
struct MinRate {
    bytes_per_sec: u64,
    start: Instant,
    grace: Duration,
}

impl MinRate {
    /// The moment the average rate falls below the minimum if no more bytes arrive.
    fn deadline(&self, seen: u64) -> Instant {
        self.start + self.grace + Duration::from_secs_f64(seen as f64 / self.bytes_per_sec as f64)
    }
}

/// Why a body stopped.
#[derive(Debug, thiserror::Error)]
pub enum BodyLimitError {
    #[error("request body larger than {0} bytes")]
    TooLarge(u64),
    #[error("request body arrived slower than {0} bytes/s")]
    TooSlow(u64),
}

/// A request body that stops with an error, and says so to the middleware, once it exceeds its size
/// or (for uploads) falls below the minimum rate.
struct GuardedBody {
    inner: Body,
    seen: u64,
    max_bytes: u64,
    rate: Option<MinRate>,
    sleep: Option<Pin<Box<Sleep>>>,
    tripped: Arc<AtomicU8>,
}

impl GuardedBody {
    fn trip(
        &mut self,
        why: u8,
        err: BodyLimitError,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        self.tripped.store(why, Ordering::Release);
        Poll::Ready(Some(Err(axum::Error::new(err))))
    }
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.tripped.load(Ordering::Acquire) != TRIPPED_NONE {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.seen = this.seen.saturating_add(data.len() as u64);
                    if this.seen > this.max_bytes {
                        let max = this.max_bytes;
                        return this.trip(TRIPPED_SIZE, BodyLimitError::TooLarge(max));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                let Some(rate) = this.rate else {
                    return Poll::Pending;
                };
                let deadline = rate.deadline(this.seen);
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.deadline() != deadline {
                    sleep.as_mut().reset(deadline);
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return this.trip(TRIPPED_SLOW, BodyLimitError::TooSlow(rate.bytes_per_sec));
                }
                Poll::Pending
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_deadline_moves_with_every_byte() {
        let start = Instant::now();
        let r = MinRate {
            bytes_per_sec: 1000,
            start,
            grace: Duration::from_secs(2),
        };
        assert_eq!(r.deadline(0), start + Duration::from_secs(2));
        assert_eq!(r.deadline(500), start + Duration::from_millis(2500));
        assert_eq!(r.deadline(10_000), start + Duration::from_secs(12));
    }
}
