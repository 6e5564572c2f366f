//! Integrity flags from what is stored about a photo. Computed when the photo arrives, and again
//! whenever something they depend on changes: the site's position or geofence (an admin's edit or an
//! import), or the same picture turning up in another inspection.

use super::analyze::ExifFacts;
use crate::db::{PhotoRow, ReflagRow, ReflagScope, Store, StoreResult};
use jieshui_app::domain::evidence::{flags, Flag, FlagPolicy, PhotoFacts};
use jieshui_app::domain::fixture::EvidenceRules;
use jieshui_app::domain::geo::LatLon;

/// What the flags of a stored photo are computed from.
pub fn facts_of(p: &PhotoRow, same_hash_elsewhere: u32) -> PhotoFacts {
    let exif: ExifFacts = serde_json::from_value(p.exif.clone()).unwrap_or_default();
    PhotoFacts {
        device_position: p
            .device_lat
            .zip(p.device_lon)
            .map(|(a, b)| LatLon::new(a, b))
            .filter(|p| p.is_valid()),
        device_accuracy_m: p.accuracy_m,
        exif_position: exif.lat.zip(exif.lon).map(|(a, b)| LatLon::new(a, b)),
        exif_taken_at: exif.taken_at,
        exif_time_assumed_offset: exif.offset_assumed,
        captured_at: p.captured_at.map(|t| t.unix_timestamp()),
        received_at: p.received_at.unix_timestamp(),
        software: exif.software,
        same_hash_elsewhere,
    }
}

/// Computes the flags of every photo in `scope` again and stores those that changed (in one
/// transaction with the reading, so two re-flags at once never leave the older result); returns how
/// many changed.
pub async fn reflag(
    store: &dyn Store,
    policy: &FlagPolicy,
    rules: &EvidenceRules,
    scope: &ReflagScope,
) -> StoreResult<usize> {
    let compute = |r: &ReflagRow| -> serde_json::Value {
        let now: Vec<Flag> = flags(
            &facts_of(&r.photo, r.same_hash_elsewhere),
            r.site,
            policy,
            rules,
        );
        serde_json::to_value(&now).unwrap_or(serde_json::Value::Null)
    };
    let changed = store.reflag_photos(scope, &compute).await?;
    if changed > 0 {
        tracing::info!(?scope, photos = changed, "integrity flags recomputed");
    }
    Ok(changed)
}
