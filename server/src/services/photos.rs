//! Photo evidence arriving: checks, analysis (EXIF, thumbnails) under the decode semaphore, the
//! content-addressed file and the row with its integrity flags.

// The refusals carry a status and a message; boxing them would buy nothing.
#![allow(clippy::result_large_err)]

use super::inspections::{num, Refused};
use crate::db::{AuditEntry, PhotoRow, ReflagScope, StoreError};
use crate::evidence::analyze::{analyze, read_exif_block, Analysis, AnalyzeError};
use crate::evidence::reflag::{facts_of, reflag};
use crate::evidence::store::Received;
use crate::state::Core;
use axum::http::StatusCode;
use jieshui_app::domain::evidence::{flags, SiteFence};
use jieshui_app::domain::geo::LatLon;
use jieshui_app::i18n::Msg;
use jieshui_app::model::CurrentUser;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// What became of an upload.
#[derive(Debug)]
pub enum Stored {
    /// Stored now.
    Created(PhotoRow),
    /// Stored before: this was a retry.
    Again(PhotoRow),
}

fn internal(e: impl std::fmt::Display) -> Refused {
    Refused::Internal(super::incident(e))
}

/// Where the crash test stops the server on purpose (`JIESHUI_FAULT=<name>`, in builds with the
/// test fixtures only): here, between the file stored and its row written.
fn fault_point(name: &str) {
    #[cfg(feature = "fixtures")]
    if std::env::var("JIESHUI_FAULT").is_ok_and(|v| v == name) {
        tracing::warn!(fault = name, "stopping at a fault point");
        std::process::abort();
    }
    #[cfg(not(feature = "fixtures"))]
    let _ = name;
}

/// The text fields of an upload.
#[derive(Debug, Default)]
pub struct UploadFields {
    pub id: Option<String>,
    pub inspection_id: Option<String>,
    pub line_id: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub accuracy_m: Option<String>,
    pub captured_at: Option<String>,
    pub fix_at: Option<String>,
    pub client_exif: serde_json::Map<String, serde_json::Value>,
    /// The original's EXIF block, sent by a phone that downscaled the photo.
    pub exif_block: Option<Vec<u8>>,
    /// The original's SHA-256, computed by a phone that downscaled the photo.
    pub original_sha256: Option<String>,
}

/// Stores one uploaded photo of an inspection of the user's own, with its facts and flags: the
/// file under its hash first, then its thumbnails, then the row and its audit entry. The same id
/// with the same bytes is a retry and finds the stored record; anything else under a taken id is
/// refused, and so is every malformed field, before anything is stored.
pub async fn ingest(
    core: &Core,
    user: &CurrentUser,
    f: UploadFields,
    received: Option<&Received>,
) -> Result<Stored, Refused> {
    let bad = |m: Msg| Refused::User(StatusCode::UNPROCESSABLE_ENTITY, m);
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
    let opt_num = |v: &Option<String>| -> Result<Option<f64>, Refused> {
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
    let time = |v: &Option<String>| -> Result<Option<OffsetDateTime>, Refused> {
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

    let inspection = match core.store.inspection(inspection_id).await {
        Ok(Some(i)) => i,
        Ok(None) => return Err(Refused::User(StatusCode::NOT_FOUND, Msg::InspectionUnknown)),
        Err(e) => return Err(internal(e)),
    };
    if inspection.inspector_id != user.id {
        return Err(Refused::User(StatusCode::FORBIDDEN, Msg::Forbidden));
    }
    let received = match received {
        Some(r) if r.bytes > 0 => r,
        _ => return Err(bad(Msg::PhotoEmpty)),
    };

    // A retry of a photo already stored: same bytes → the stored record; other bytes → conflict.
    match core.store.photo(id).await {
        // The same id with the same bytes but for another inspection is not a retry of this one.
        Ok(Some(existing)) if existing.inspection_id != inspection_id => {
            return Err(Refused::User(StatusCode::CONFLICT, Msg::PhotoIdTaken));
        }
        Ok(Some(existing)) if existing.sha256 == received.sha256 => {
            return Ok(Stored::Again(existing));
        }
        Ok(Some(_)) => return Err(Refused::User(StatusCode::CONFLICT, Msg::PhotoIdTaken)),
        Ok(None) => {}
        Err(e) => return Err(internal(e)),
    }
    // A submitted record's evidence is what was submitted with it (a retry above still answers).
    if !inspection.status.editable() {
        return Err(Refused::User(StatusCode::CONFLICT, Msg::AlreadySubmitted));
    }

    let evidence_rules = super::rules::evidence(core).await;
    let analysis = analyze_off_runtime(
        core,
        &received.temp,
        f.exif_block,
        evidence_rules.exif_offset_minutes,
    )
    .await
    .map_err(internal)?;
    let analysis = match analysis {
        Ok(a) => a,
        Err(AnalyzeError::NotAnImage) => return Err(bad(Msg::PhotoNotImage)),
        Err(AnalyzeError::TooLarge(..)) => return Err(bad(Msg::PhotoTooManyPixels)),
        Err(AnalyzeError::Corrupt(_)) => return Err(bad(Msg::PhotoCorrupt)),
    };

    let site = core
        .store
        .site_detail(inspection.site_id)
        .await
        .map_err(internal)?;
    let elsewhere = core
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
        received_at: core.clock.now(),
        uploaded_by: user.id,
        flags: serde_json::Value::Null,
    };
    let fence = site.map(|s| SiteFence {
        position: s.summary.position,
        radius_m: s.geofence_m as f64,
    });
    let flag_list = flags(
        &facts_of(&row, elsewhere),
        fence,
        &core.config.flag_policy,
        &evidence_rules,
    );
    row.flags = serde_json::to_value(&flag_list).map_err(internal)?;

    // The original first (under its hash), then its thumbnails, then the row: a crash in between
    // leaves at most a file no row names, which the start-up sweep removes.
    core.photos.commit(received).await.map_err(internal)?;
    for (edge, jpeg) in &analysis.thumbs {
        core.photos
            .put_thumb(&received.sha256, *edge, jpeg, false)
            .await
            .map_err(internal)?;
    }
    fault_point("photo_file_stored");
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "photo_add",
        subject: id.to_string(),
        detail: json!({ "inspection": inspection_id.to_string(), "sha256": row.sha256 }),
    };
    match core.store.insert_photo(&row, &audit).await {
        Ok(()) => {
            // Counted again now that this copy is stored: another copy arriving at the same moment
            // was not there at the first count, and neither copy would be flagged.
            let now_elsewhere = core
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
                if let Err(e) = reflag(
                    &*core.store,
                    &core.config.flag_policy,
                    &evidence_rules,
                    &scope,
                )
                .await
                {
                    tracing::error!(error = %e, "flags of the earlier copies not updated");
                }
            }
            if now_elsewhere != elsewhere {
                if let Ok(Some(fresh)) = core.store.photo(id).await {
                    row = fresh;
                }
            }
            Ok(Stored::Created(row))
        }
        // Two copies of the same upload raced: answer as the retry it is.
        Err(StoreError::Unique(_)) => match core.store.photo(id).await {
            Ok(Some(existing)) if existing.sha256 == row.sha256 => Ok(Stored::Again(existing)),
            Ok(_) => Err(Refused::User(StatusCode::CONFLICT, Msg::PhotoIdTaken)),
            Err(e) => Err(internal(e)),
        },
        Err(e) => Err(internal(e)),
    }
}

/// `analyze` of the file at `path`, off the async runtime and under the decode semaphore. A
/// downscaled photo lost its EXIF in the re-encode: the facts the phone read from the original
/// (`phone_exif`) stand in, marked as such; a file with EXIF of its own keeps its own. The outer
/// error is the server's (reading, the pool), the inner one the file's. `exif_offset_minutes`: the
/// offset the evidence rules assume for an EXIF time without one.
pub async fn analyze_off_runtime(
    core: &Core,
    path: &std::path::Path,
    phone_exif: Option<Vec<u8>>,
    exif_offset_minutes: i32,
) -> Result<Result<Analysis, AnalyzeError>, String> {
    // The permit first: a queue of uploads waits with its files on disk, not in memory.
    let permit = core
        .decode_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| e.to_string())?;
    let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
    let limits = core.config.decode_limits;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut a = analyze(&bytes, &limits, exif_offset_minutes)?;
        if a.exif.is_empty() {
            if let Some(block) = phone_exif {
                a.exif = read_exif_block(&block, exif_offset_minutes);
            }
        }
        Ok(a)
    })
    .await
    .map_err(|e| e.to_string())
}
