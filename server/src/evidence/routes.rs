//! The evidence routes: a minimal inspection to attach photos to, the photo upload, and serving
//! photos to the people allowed to see them.
//!
//! `POST /api/photos` is idempotent by the photo id made on the phone: the same id with the same bytes
//! answers 200 with the stored record (a retry after a dropped connection), the same id with other
//! bytes 409. Every refusal is a 4xx with a message in the user's language, and stores nothing.

// Handlers here answer with a response either way; boxing the error side would buy nothing.
#![allow(clippy::result_large_err)]

use super::analyze::{ExifFacts, MAX_EXIF_BLOCK};
use super::store::{ReceiveError, Received};
use crate::db::{InspectionRow, PhotoRow};
use crate::services::inspections::{self, Refused, StartForm};
use crate::services::photos::{self, analyze_off_runtime, Stored, UploadFields};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Extension, Form, Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jieshui_app::backend::RequestInfo;
use jieshui_app::domain::role::Role;
use jieshui_app::i18n::{Lang, Msg};
use jieshui_app::model::CurrentUser;
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

use crate::pages_util::{json_internal as internal_json, json_refusal as refuse};

fn internal(e: impl std::fmt::Display) -> Response {
    internal_json(&crate::services::incident(e))
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

/// `POST /api/inspections`: an inspector starts an inspection at a site (idempotent by id). The
/// market-check and audit issues add the rest of the record.
async fn start_inspection(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Form(f): Form<StartForm>,
) -> Response {
    match inspections::start(&state, info.user.as_ref(), &f).await {
        Ok(stored) => (
            StatusCode::CREATED,
            Json(json!({ "id": stored.id, "site_id": stored.site_id })),
        )
            .into_response(),
        Err(Refused::User(status, msg)) => refuse(status, msg, info.lang),
        Err(Refused::Internal(incident)) => internal_json(&incident),
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
    match inspections::start(&state, info.user.as_ref(), &f).await {
        Ok(stored) => {
            axum::response::Redirect::to(&format!("/checks/{}", stored.id)).into_response()
        }
        Err(Refused::User(status, msg)) => crate::pages_util::message_page(
            info.lang,
            status,
            Msg::CheckNotStarted.text(info.lang),
            msg.text(info.lang),
        ),
        Err(Refused::Internal(incident)) => {
            crate::pages_util::error_page(info.lang, StatusCode::INTERNAL_SERVER_ERROR, &incident)
        }
    }
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
        None => match photos::ingest(&state, &user, fields, received.as_ref()).await {
            Ok(Stored::Created(row)) => {
                Ok((StatusCode::CREATED, Json(photo_json(&row))).into_response())
            }
            Ok(Stored::Again(row)) => Ok((StatusCode::OK, Json(photo_json(&row))).into_response()),
            Err(Refused::User(status, msg)) => Err(refuse(status, msg, lang)),
            Err(Refused::Internal(incident)) => Err(internal_json(&incident)),
        },
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

/// Thumbnails made again from the stored original, and stored.
async fn remake_thumbs(state: &AppState, sha256: &str) -> Result<Vec<(u32, Vec<u8>)>, String> {
    let path = state.photos.path_for(sha256).ok_or("bad hash")?;
    // Only the thumbnails are kept from this analysis; the stored facts stay as they were read.
    let offset = crate::services::rules::evidence(state)
        .await
        .exif_offset_minutes;
    let analysis = analyze_off_runtime(state, &path, None, offset)
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
