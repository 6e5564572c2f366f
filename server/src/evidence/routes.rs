//! The evidence routes: a minimal inspection to attach photos to, the photo upload, and serving
//! photos to the people allowed to see them.
//!
//! `POST /api/photos` is idempotent by the photo id made on the phone: the same id with the same bytes
//! answers 200 with the stored record (a retry after a dropped connection), the same id with other
//! bytes 409. Every refusal is a 4xx with a message in the user's language, and stores nothing.

// Handlers here answer with a response either way; boxing the error side would buy nothing.
#![allow(clippy::result_large_err)]

use super::analyze::{analyze, read_exif_block, Analysis, AnalyzeError, ExifFacts, MAX_EXIF_BLOCK};
use super::reflag::{facts_of, reflag};
use super::store::{ReceiveError, Received};
use crate::db::{InspectionRow, PhotoRow, ReflagScope, StoreError};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Extension, Form, Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::evidence::{flags, SiteFence};
use jieshui_app::domain::geo::LatLon;
use jieshui_app::domain::role::Role;
use jieshui_app::i18n::{Lang, Msg};
use jieshui_app::model::CurrentUser;
use serde::Deserialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/inspections", post(start_inspection))
        .route("/checks/start", post(start_from_form))
        // The file cap is enforced while streaming; this only bounds the whole request.
        .route(
            "/api/photos",
            post(upload).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/api/photos/{id}", get(photo_json_route))
        .route("/api/photos/{id}/original", get(original))
        .route("/api/photos/{id}/thumb/{edge}", get(thumb))
}

fn refuse(status: StatusCode, msg: Msg, lang: Lang) -> Response {
    (
        status,
        Json(json!({ "error": msg.text(lang), "code": crate::pages_util::msg_code(msg) })),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    internal_json(&incident(e))
}

fn internal_json(incident: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "internal error", "incident": incident })),
    )
        .into_response()
}

fn signed_in(info: &RequestInfo) -> Result<CurrentUser, Response> {
    info.user
        .clone()
        .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, Msg::NotSignedIn, info.lang))
}

/// Inspectors see their own inspections; supervisors and admins see all.
fn may_see(user: &CurrentUser, inspection: &InspectionRow) -> bool {
    matches!(user.role, Role::Supervisor | Role::Admin) || inspection.inspector_id == user.id
}

#[derive(Deserialize)]
struct StartForm {
    id: String,
    site_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    accuracy_m: String,
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Why a start was refused: a status and a message for the user, or an internal failure.
enum StartRefused {
    User(StatusCode, Msg),
    /// Logged under this incident number.
    Internal(String),
}

fn incident(e: impl std::fmt::Display) -> String {
    let incident = Uuid::now_v7().simple().to_string();
    tracing::error!(%incident, error = %e, "evidence request failed");
    incident
}

/// Starts (or, for a retry with the same id, finds) an inspection at an open site.
async fn start(
    state: &AppState,
    info: &RequestInfo,
    f: &StartForm,
) -> Result<InspectionRow, StartRefused> {
    use StartRefused::User;
    let user = info
        .user
        .clone()
        .ok_or(User(StatusCode::UNAUTHORIZED, Msg::NotSignedIn))?;
    if user.role != Role::Inspector {
        return Err(User(StatusCode::FORBIDDEN, Msg::Forbidden));
    }
    let (Ok(id), Ok(site_id)) = (
        Uuid::parse_str(f.id.trim()),
        Uuid::parse_str(f.site_id.trim()),
    ) else {
        return Err(User(StatusCode::UNPROCESSABLE_ENTITY, Msg::PhotoBadField));
    };
    let internal_err = |e: StoreError| StartRefused::Internal(incident(e));
    let existing = state.store.inspection(id).await.map_err(internal_err)?;
    if existing.is_none() {
        // A closed site takes no new inspections; a retry of one begun before it closed still opens.
        match state
            .store
            .site_detail(site_id)
            .await
            .map_err(internal_err)?
        {
            Some(site) if site.summary.active => {}
            Some(_) => return Err(User(StatusCode::CONFLICT, Msg::SiteClosedNoInspection)),
            None => return Err(User(StatusCode::UNPROCESSABLE_ENTITY, Msg::SiteUnknown)),
        }
    }
    let kind = if f.kind == "audit" {
        "audit"
    } else {
        "market_check"
    };
    let start = num(&f.lat)
        .zip(num(&f.lon))
        .map(|(a, b)| (a, b, num(&f.accuracy_m)));
    let row = InspectionRow {
        id,
        kind: kind.into(),
        site_id,
        inspector_id: user.id,
        started_at: state.clock.now(),
        start,
    };
    match state.store.upsert_inspection(&row).await {
        Ok(stored) if stored.inspector_id == user.id && stored.site_id == site_id => Ok(stored),
        Ok(_) => Err(User(StatusCode::CONFLICT, Msg::PhotoIdTaken)),
        Err(e) => Err(internal_err(e)),
    }
}

/// `POST /api/inspections`: an inspector starts an inspection at a site (idempotent by id). The
/// market-check and audit issues add the rest of the record.
async fn start_inspection(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Form(f): Form<StartForm>,
) -> Response {
    match start(&state, &info, &f).await {
        Ok(stored) => (
            StatusCode::CREATED,
            Json(json!({ "id": stored.id, "site_id": stored.site_id })),
        )
            .into_response(),
        Err(StartRefused::User(status, msg)) => refuse(status, msg, info.lang),
        Err(StartRefused::Internal(incident)) => internal_json(&incident),
    }
}

/// `POST /checks/start` (plain form from "nearest to me"): starts the inspection and opens it. The id
/// was put in the form when the page was made, so a resubmitted form opens the same inspection. A
/// refusal is a page, with the way back to the list.
async fn start_from_form(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Form(f): Form<StartForm>,
) -> Response {
    match start(&state, &info, &f).await {
        Ok(stored) => {
            axum::response::Redirect::to(&format!("/checks/{}", stored.id)).into_response()
        }
        Err(StartRefused::User(status, msg)) => crate::pages_util::message_page(
            info.lang,
            status,
            Msg::CheckNotStarted.text(info.lang),
            msg.text(info.lang),
        ),
        Err(StartRefused::Internal(incident)) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &incident)
        }
    }
}

/// The text fields of an upload.
#[derive(Default)]
struct UploadFields {
    id: Option<String>,
    inspection_id: Option<String>,
    line_id: Option<String>,
    lat: Option<String>,
    lon: Option<String>,
    accuracy_m: Option<String>,
    captured_at: Option<String>,
    fix_at: Option<String>,
    client_exif: serde_json::Map<String, serde_json::Value>,
    /// The original's EXIF block, sent by a phone that downscaled the photo.
    exif_block: Option<Vec<u8>>,
    /// The original's SHA-256, computed by a phone that downscaled the photo.
    original_sha256: Option<String>,
}

fn photo_json(p: &PhotoRow) -> serde_json::Value {
    let exif: ExifFacts = serde_json::from_value(p.exif.clone()).unwrap_or_default();
    let taken = exif
        .taken_at
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.format(&Rfc3339).ok());
    json!({
        "id": p.id,
        "inspection_id": p.inspection_id,
        "line_id": p.line_id,
        "sha256": p.sha256,
        "original_sha256": p.original_sha256,
        "bytes": p.bytes,
        "mime": p.mime,
        "width": p.width,
        "height": p.height,
        "preview": p.width.is_some(),
        "exif": {
            "lat": exif.lat, "lon": exif.lon, "taken_at": taken, "taken_at_text": exif.taken_at_text,
            "offset_assumed": exif.offset_assumed, "orientation": exif.orientation, "make": exif.make,
            "model": exif.model, "software": exif.software, "from_phone": exif.from_phone,
        },
        "device": { "lat": p.device_lat, "lon": p.device_lon, "accuracy_m": p.accuracy_m,
                    "captured_at": p.captured_at.and_then(|t| t.format(&Rfc3339).ok()),
                    "fix_at": p.fix_at.and_then(|t| t.format(&Rfc3339).ok()) },
        "received_at": p.received_at.format(&Rfc3339).ok(),
        "flags": p.flags,
    })
}

async fn upload(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    mut mp: Multipart,
) -> Response {
    let lang = info.lang;
    let user = match signed_in(&info) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if user.role != Role::Inspector {
        return refuse(StatusCode::FORBIDDEN, Msg::Forbidden, lang);
    }
    let mut fields = UploadFields::default();
    let mut received: Option<Received> = None;
    let mut failure: Option<Response> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                failure = Some(refuse(StatusCode::BAD_REQUEST, Msg::PhotoCorrupt, lang));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            if received.is_some() {
                // One photo per request; the first one's temp file goes when `received` drops.
                failure = Some(refuse(StatusCode::BAD_REQUEST, Msg::PhotoBadField, lang));
                break;
            }
            match state
                .photos
                .receive(field, state.config.photo_max_bytes)
                .await
            {
                Ok(r) => received = Some(r),
                Err(ReceiveError::TooLarge(_)) => {
                    failure = Some(refuse(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        Msg::PhotoTooLarge,
                        lang,
                    ));
                    break;
                }
                Err(ReceiveError::Body(_)) => {
                    failure = Some(refuse(StatusCode::BAD_REQUEST, Msg::PhotoCorrupt, lang));
                    break;
                }
                Err(e) => {
                    failure = Some(internal(e));
                    break;
                }
            }
            continue;
        }
        if name == "exif" {
            match read_capped(field, MAX_EXIF_BLOCK).await {
                Some(b) => fields.exif_block = Some(b),
                None => {
                    failure = Some(refuse(StatusCode::BAD_REQUEST, Msg::PhotoBadField, lang));
                    break;
                }
            }
            continue;
        }
        // Text fields are short: read at most a few kilobytes of each, never the whole part.
        let value = match read_capped(field, MAX_TEXT_FIELD).await {
            Some(v) => String::from_utf8_lossy(&v)
                .chars()
                .take(500)
                .collect::<String>(),
            None => {
                failure = Some(refuse(StatusCode::BAD_REQUEST, Msg::PhotoBadField, lang));
                break;
            }
        };
        match name.as_str() {
            "id" => fields.id = Some(value),
            "inspection_id" => fields.inspection_id = Some(value),
            "line_id" => fields.line_id = Some(value),
            "lat" => fields.lat = Some(value),
            "lon" => fields.lon = Some(value),
            "accuracy_m" => fields.accuracy_m = Some(value),
            "captured_at" => fields.captured_at = Some(value),
            "fix_at" => fields.fix_at = Some(value),
            "original_sha256" => fields.original_sha256 = Some(value),
            other if other.starts_with("exif_") && fields.client_exif.len() < 20 => {
                fields
                    .client_exif
                    .insert(other.trim_start_matches("exif_").to_string(), value.into());
            }
            _ => {}
        }
    }
    let result = match failure {
        Some(f) => Err(f),
        None => ingest(&state, &user, lang, fields, received.as_ref()).await,
    };
    // Whatever happened, a temp file that was not stored goes with `received` (Received's Drop; a
    // stored one was renamed away).
    drop(received);
    match result {
        Ok(r) | Err(r) => r,
    }
}

/// The longest text field of an upload (times, coordinates, ids, a camera's make and model).
const MAX_TEXT_FIELD: usize = 4096;

/// A small binary field, or `None` when it is larger than `cap` or the body breaks off.
async fn read_capped(
    mut field: axum::extract::multipart::Field<'_>,
    cap: usize,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if out.len() + chunk.len() > cap {
            return None;
        }
        out.extend_from_slice(&chunk);
    }
    Some(out)
}

async fn ingest(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    f: UploadFields,
    received: Option<&Received>,
) -> Result<Response, Response> {
    let bad = |m: Msg| refuse(StatusCode::UNPROCESSABLE_ENTITY, m, lang);
    let id =
        f.id.as_deref()
            .and_then(|s| Uuid::parse_str(s.trim()).ok())
            .ok_or_else(|| bad(Msg::PhotoBadField))?;
    let inspection_id = f
        .inspection_id
        .as_deref()
        .and_then(|s| Uuid::parse_str(s.trim()).ok())
        .ok_or_else(|| bad(Msg::PhotoBadField))?;
    let line_id = match f
        .line_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(Uuid::parse_str(s).map_err(|_| bad(Msg::PhotoBadField))?),
        None => None,
    };
    let opt_num = |v: &Option<String>| -> Result<Option<f64>, Response> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => num(s).map(Some).ok_or_else(|| bad(Msg::PhotoBadField)),
            None => Ok(None),
        }
    };
    let (lat, lon, accuracy) = (opt_num(&f.lat)?, opt_num(&f.lon)?, opt_num(&f.accuracy_m)?);
    let device = lat
        .zip(lon)
        .map(|(a, b)| LatLon::new(a, b))
        .filter(|p| p.is_valid());
    let time = |v: &Option<String>| -> Result<Option<OffsetDateTime>, Response> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => OffsetDateTime::parse(s, &Rfc3339)
                .map(Some)
                .map_err(|_| bad(Msg::PhotoBadField)),
            None => Ok(None),
        }
    };
    let captured_at = time(&f.captured_at)?;
    // A fix only means something with the position it dates.
    let fix_at = time(&f.fix_at)?.filter(|_| device.is_some());

    let original_sha256 = match f
        .original_sha256
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        Some(_) => return Err(bad(Msg::PhotoBadField)),
        None => None,
    };

    let inspection = match state.store.inspection(inspection_id).await {
        Ok(Some(i)) => i,
        Ok(None) => return Err(refuse(StatusCode::NOT_FOUND, Msg::InspectionUnknown, lang)),
        Err(e) => return Err(internal(e)),
    };
    if inspection.inspector_id != user.id {
        return Err(refuse(StatusCode::FORBIDDEN, Msg::Forbidden, lang));
    }
    let received = match received {
        Some(r) if r.bytes > 0 => r,
        _ => return Err(bad(Msg::PhotoEmpty)),
    };

    // A retry of a photo already stored: same bytes → the stored record; other bytes → conflict.
    match state.store.photo(id).await {
        // The same id with the same bytes but for another inspection is not a retry of this one.
        Ok(Some(existing)) if existing.inspection_id != inspection_id => {
            return Err(refuse(StatusCode::CONFLICT, Msg::PhotoIdTaken, lang));
        }
        Ok(Some(existing)) if existing.sha256 == received.sha256 => {
            return Ok((StatusCode::OK, Json(photo_json(&existing))).into_response());
        }
        Ok(Some(_)) => return Err(refuse(StatusCode::CONFLICT, Msg::PhotoIdTaken, lang)),
        Ok(None) => {}
        Err(e) => return Err(internal(e)),
    }

    let analysis = analyze_off_runtime(state, &received.temp, f.exif_block)
        .await
        .map_err(internal)?;
    let analysis = match analysis {
        Ok(a) => a,
        Err(AnalyzeError::NotAnImage) => return Err(bad(Msg::PhotoNotImage)),
        Err(AnalyzeError::TooLarge(..)) => return Err(bad(Msg::PhotoTooManyPixels)),
        Err(AnalyzeError::Corrupt(_)) => return Err(bad(Msg::PhotoCorrupt)),
    };

    let site = state
        .store
        .site_detail(inspection.site_id)
        .await
        .map_err(internal)?;
    let elsewhere = state
        .store
        .same_hash_elsewhere(&received.sha256, original_sha256.as_deref(), inspection_id)
        .await
        .map_err(internal)?;
    let mut row = PhotoRow {
        id,
        inspection_id,
        line_id,
        sha256: received.sha256.clone(),
        // Only a stand-in for a file that is not the original says which original it came from.
        original_sha256: original_sha256.filter(|h| *h != received.sha256),
        bytes: received.bytes as i64,
        mime: analysis.kind.mime().into(),
        width: analysis.size.map(|s| i64::from(s.0)),
        height: analysis.size.map(|s| i64::from(s.1)),
        exif: serde_json::to_value(&analysis.exif).map_err(internal)?,
        client_exif: serde_json::Value::Object(f.client_exif),
        device_lat: device.map(|p| p.lat),
        device_lon: device.map(|p| p.lon),
        accuracy_m: accuracy,
        captured_at,
        fix_at,
        received_at: state.clock.now(),
        uploaded_by: user.id,
        flags: serde_json::Value::Null,
    };
    let fence = site.map(|s| SiteFence {
        position: s.summary.position,
        radius_m: s.geofence_m as f64,
    });
    let flag_list = flags(&facts_of(&row, elsewhere), fence, &state.config.flag_policy);
    row.flags = serde_json::to_value(&flag_list).map_err(internal)?;

    // The original first (under its hash), then its thumbnails, then the row: a crash in between
    // leaves at most a file no row names, which the start-up sweep removes.
    state.photos.commit(received).await.map_err(internal)?;
    for (edge, jpeg) in &analysis.thumbs {
        state
            .photos
            .put_thumb(&received.sha256, *edge, jpeg, false)
            .await
            .map_err(internal)?;
    }
    match state.store.insert_photo(&row).await {
        Ok(()) => {
            // Counted again now that this copy is stored: another copy arriving at the same moment
            // was not there at the first count, and neither copy would be flagged.
            let now_elsewhere = state
                .store
                .same_hash_elsewhere(&row.sha256, row.original_sha256.as_deref(), inspection_id)
                .await
                .unwrap_or(elsewhere);
            if now_elsewhere > 0 {
                // The pictures this one repeats are flagged too, not only the latest copy.
                let scope = ReflagScope::Picture {
                    sha256: row.sha256.clone(),
                    original_sha256: row.original_sha256.clone(),
                };
                if let Err(e) = reflag(&*state.store, &state.config.flag_policy, &scope).await {
                    tracing::error!(error = %e, "flags of the earlier copies not updated");
                }
            }
            if now_elsewhere != elsewhere {
                if let Ok(Some(fresh)) = state.store.photo(id).await {
                    row = fresh;
                }
            }
            Ok((StatusCode::CREATED, Json(photo_json(&row))).into_response())
        }
        // Two copies of the same upload raced: answer as the retry it is.
        Err(StoreError::Unique(_)) => match state.store.photo(id).await {
            Ok(Some(existing)) if existing.sha256 == row.sha256 => {
                Ok((StatusCode::OK, Json(photo_json(&existing))).into_response())
            }
            Ok(_) => Err(refuse(StatusCode::CONFLICT, Msg::PhotoIdTaken, lang)),
            Err(e) => Err(internal(e)),
        },
        Err(e) => Err(internal(e)),
    }
}

async fn load(state: &AppState, info: &RequestInfo, id: Uuid) -> Result<PhotoRow, Response> {
    let user = signed_in(info)?;
    let photo = match state.store.photo(id).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(refuse(StatusCode::NOT_FOUND, Msg::NotFound, info.lang)),
        Err(e) => return Err(internal(e)),
    };
    match state.store.inspection(photo.inspection_id).await {
        Ok(Some(i)) if may_see(&user, &i) => Ok(photo),
        // Someone else's evidence is not even confirmed to exist.
        Ok(_) => Err(refuse(StatusCode::NOT_FOUND, Msg::NotFound, info.lang)),
        Err(e) => Err(internal(e)),
    }
}

/// `GET /api/photos/{id}`: the stored facts and flags.
async fn photo_json_route(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<Uuid>,
) -> Response {
    match load(&state, &info, id).await {
        Ok(p) => Json(photo_json(&p)).into_response(),
        Err(r) => r,
    }
}

async fn send_file(path: Option<std::path::PathBuf>, mime: &str, lang: Lang) -> Response {
    let Some(path) = path else {
        return refuse(StatusCode::NOT_FOUND, Msg::NotFound, lang);
    };
    match tokio::fs::File::open(&path).await {
        Ok(file) => with_file_headers(
            Body::from_stream(tokio_util::io::ReaderStream::new(file)),
            mime,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            refuse(StatusCode::NOT_FOUND, Msg::NotFound, lang)
        }
        Err(e) => internal(e),
    }
}

fn with_file_headers(body: Body, mime: &str) -> Response {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Content never changes under its hash; "private" keeps it out of shared caches.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    r
}

/// `GET /api/photos/{id}/original`: the bytes as uploaded.
async fn original(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<Uuid>,
) -> Response {
    match load(&state, &info, id).await {
        Ok(p) => send_file(state.photos.path_for(&p.sha256), &p.mime, info.lang).await,
        Err(r) => r,
    }
}

/// `GET /api/photos/{id}/thumb/{edge}`: an orientation-corrected JPEG (320 or 1280 px long edge).
/// Thumbnails are written without waiting for the disk (they derive from the original, which is);
/// one lost or cut short by a crash is made again here from the original.
async fn thumb(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path((id, edge)): Path<(Uuid, u32)>,
) -> Response {
    if !super::analyze::THUMB_SIZES.contains(&edge) {
        return refuse(StatusCode::NOT_FOUND, Msg::NotFound, info.lang);
    }
    let p = match load(&state, &info, id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(path) = state.photos.thumb_path(&p.sha256, edge) else {
        return refuse(StatusCode::NOT_FOUND, Msg::NotFound, info.lang);
    };
    match tokio::fs::read(&path).await {
        Ok(b) if b.ends_with(&[0xFF, 0xD9]) => {
            return with_file_headers(Body::from(b), "image/jpeg")
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return internal(e),
    }
    if p.width.is_none() {
        // No preview for this format (HEIC).
        return refuse(StatusCode::NOT_FOUND, Msg::NotFound, info.lang);
    }
    match remake_thumbs(&state, &p.sha256).await {
        Ok(thumbs) => match thumbs.into_iter().find(|t| t.0 == edge) {
            Some((_, jpeg)) => with_file_headers(Body::from(jpeg), "image/jpeg"),
            None => refuse(StatusCode::NOT_FOUND, Msg::NotFound, info.lang),
        },
        Err(e) => internal(e),
    }
}

/// `analyze` of the file at `path`, off the async runtime and under the decode semaphore. A
/// downscaled photo lost its EXIF in the re-encode: the facts the phone read from the original
/// (`phone_exif`) stand in, marked as such; a file with EXIF of its own keeps its own. The outer
/// error is the server's (reading, the pool), the inner one the file's.
async fn analyze_off_runtime(
    state: &AppState,
    path: &std::path::Path,
    phone_exif: Option<Vec<u8>>,
) -> Result<Result<Analysis, AnalyzeError>, String> {
    // The permit first: a queue of uploads waits with its files on disk, not in memory.
    let permit = state
        .decode_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| e.to_string())?;
    let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
    let limits = state.config.decode_limits;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut a = analyze(&bytes, &limits)?;
        if a.exif.is_empty() {
            if let Some(block) = phone_exif {
                a.exif = read_exif_block(&block);
            }
        }
        Ok(a)
    })
    .await
    .map_err(|e| e.to_string())
}

/// Thumbnails made again from the stored original, and stored.
async fn remake_thumbs(state: &AppState, sha256: &str) -> Result<Vec<(u32, Vec<u8>)>, String> {
    let path = state.photos.path_for(sha256).ok_or("bad hash")?;
    let analysis = analyze_off_runtime(state, &path, None)
        .await?
        .map_err(|e| e.to_string())?;
    for (edge, jpeg) in &analysis.thumbs {
        state
            .photos
            .put_thumb(sha256, *edge, jpeg, true)
            .await
            .map_err(|e| e.to_string())?;
    }
    tracing::warn!(%sha256, "thumbnails were missing or damaged and have been made again");
    Ok(analysis.thumbs)
}
