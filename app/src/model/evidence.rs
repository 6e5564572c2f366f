//! Wire types of photo evidence.

use crate::domain::evidence::Flag;
use crate::i18n::{Lang, Msg};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything a reviewer sees about one photo. Times are shown in Asia/Shanghai.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoView {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub site_id: Uuid,
    pub site_name: String,
    pub sha256: String,
    /// The camera original's hash, when the phone sent a downscaled copy.
    pub original_sha256: Option<String>,
    pub bytes: i64,
    pub mime: String,
    pub size: Option<(i64, i64)>,
    pub taken_at: Option<String>,
    pub taken_offset_assumed: bool,
    /// The photo's own facts (time taken, GPS, camera) were read by the phone from the original
    /// before it was downscaled.
    pub exif_from_phone: bool,
    pub captured_at: Option<String>,
    /// When the phone measured the position shown.
    pub fix_at: Option<String>,
    pub received_at: String,
    pub exif_position: Option<(f64, f64)>,
    pub device_position: Option<(f64, f64)>,
    pub accuracy_m: Option<f64>,
    pub distance_to_site_m: Option<f64>,
    pub camera: Option<String>,
    pub software: Option<String>,
    pub flags: Vec<Flag>,
}

/// A flag in plain words, with its figures.
pub fn flag_text(f: &Flag, lang: Lang) -> String {
    let m = |x: f64| format!("{x:.0}");
    match f {
        Flag::NoPosition => Msg::FlagNoPosition.text(lang).to_string(),
        Flag::PoorAccuracy { accuracy_m } => {
            format!("{}{}", Msg::FlagPoorAccuracy.text(lang), m(*accuracy_m))
        }
        Flag::DeviceFarFromSite { distance_m } => {
            format!("{}{}", Msg::FlagDeviceFar.text(lang), m(*distance_m))
        }
        Flag::ExifFarFromSite { distance_m } => {
            format!("{}{}", Msg::FlagExifFar.text(lang), m(*distance_m))
        }
        Flag::ExifDeviceDisagree { distance_m } => {
            format!("{}{}", Msg::FlagDisagree.text(lang), m(*distance_m))
        }
        Flag::ExifTimeFarFromCapture { skew_secs } => {
            format!(
                "{}{}",
                Msg::FlagTimeCapture.text(lang),
                crate::i18n::duration_text(*skew_secs, lang)
            )
        }
        Flag::ExifTimeFarFromReceipt { skew_secs } => {
            format!(
                "{}{}",
                Msg::FlagTimeReceipt.text(lang),
                crate::i18n::duration_text(*skew_secs, lang)
            )
        }
        Flag::DuplicateElsewhere { inspections } => {
            format!("{}{}", Msg::FlagDuplicate.text(lang), inspections)
        }
        Flag::EditedWith { software } => format!("{}{}", Msg::FlagEdited.text(lang), software),
    }
}

/// One photo in an inspection's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoBrief {
    pub id: Uuid,
    pub preview: bool,
    pub flags: usize,
    /// The product line (or audit item) it shows, if any.
    #[serde(default)]
    pub line_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionView {
    pub id: Uuid,
    pub site_id: Uuid,
    pub site_name: String,
    pub site_address: String,
    pub started_at: String,
    pub photos: Vec<PhotoBrief>,
    pub capture: CaptureSettings,
    /// A market check's lines, verdicts and outcome (`None` for an audit).
    pub market: Option<crate::model::market::MarketView>,
    /// A market check's review: the supervisor's panel, returned comments, history, orders.
    #[serde(default)]
    pub review: Option<crate::model::review::ReviewPanel>,
    /// An audit's sheet, answers and score (`None` for a market check).
    #[serde(default)]
    pub audit: Option<crate::model::audit::AuditView>,
    /// Whether the viewer may still change it: its own inspector, while it is a draft.
    pub editable: bool,
}

/// How the phone treats a photo before it travels (settings, with these defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CaptureSettings {
    /// Whether the picker may offer the gallery; otherwise it opens the camera.
    pub allow_gallery: bool,
    /// Send the file exactly as the camera wrote it, however large.
    pub send_original: bool,
    /// Photos longer than this (pixels) are downscaled on the phone before upload.
    pub long_edge: u32,
    /// JPEG quality of the downscaled photo, 1–100.
    pub quality: u8,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        CaptureSettings {
            allow_gallery: false,
            send_original: false,
            long_edge: 1600,
            quality: 80,
        }
    }
}

impl CaptureSettings {
    /// The pixel size to send a `width × height` photo at, or `None` when it is small enough as it is.
    pub fn target_size(&self, width: u32, height: u32) -> Option<(u32, u32)> {
        let long = width.max(height);
        if self.send_original || long <= self.long_edge || self.long_edge == 0 {
            return None;
        }
        let scale = f64::from(self.long_edge) / f64::from(long);
        let fit = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
        Some((fit(width), fit(height)))
    }
}

#[cfg(test)]
mod tests {
    use super::CaptureSettings;

    #[test]
    fn photos_are_downscaled_to_the_long_edge_keeping_their_shape() {
        let s = CaptureSettings::default();
        assert_eq!(s.target_size(4000, 3000), Some((1600, 1200)));
        assert_eq!(s.target_size(3000, 4000), Some((1200, 1600)));
        assert_eq!(s.target_size(4032, 1816), Some((1600, 721)));
        // At or under the long edge: sent as taken, with its EXIF.
        assert_eq!(s.target_size(1600, 1200), None);
        assert_eq!(s.target_size(800, 600), None);
        // A panorama keeps at least one pixel of height.
        assert_eq!(s.target_size(100_000, 10), Some((1600, 1)));
    }

    #[test]
    fn the_original_setting_turns_downscaling_off() {
        let s = CaptureSettings {
            send_original: true,
            ..CaptureSettings::default()
        };
        assert_eq!(s.target_size(4000, 3000), None);
    }
}
