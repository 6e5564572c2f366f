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
    pub bytes: i64,
    pub mime: String,
    pub size: Option<(i64, i64)>,
    pub taken_at: Option<String>,
    pub taken_offset_assumed: bool,
    pub captured_at: Option<String>,
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
                skew_secs.abs() / 60
            )
        }
        Flag::ExifTimeFarFromReceipt { skew_secs } => {
            format!(
                "{}{}",
                Msg::FlagTimeReceipt.text(lang),
                skew_secs.abs() / 60
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionView {
    pub id: Uuid,
    pub site_id: Uuid,
    pub site_name: String,
    pub site_address: String,
    pub started_at: String,
    pub photos: Vec<PhotoBrief>,
    /// Whether the picker may offer the gallery (a setting); otherwise it opens the camera.
    pub allow_gallery: bool,
}
