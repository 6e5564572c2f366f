//! Rules about photo evidence that need no IO: what kind of image a file is by its first bytes, whether
//! its pixel size is safe to decode, and the integrity flags a supervisor sees. Flags never block an
//! inspector; they tell a reviewer what to look at. Every threshold is a setting.

use super::fixture::EvidenceRules;
use super::geo::{distance_m, LatLon};
use serde::{Deserialize, Serialize};

/// Image formats recognised by their bytes, never by the file name or the declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
    /// iPhone photos. Stored as evidence with a "no preview" state when they cannot be decoded here.
    Heic,
}

impl ImageKind {
    pub fn sniff(head: &[u8]) -> Option<ImageKind> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(ImageKind::Jpeg);
        }
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(ImageKind::Png);
        }
        if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            return Some(ImageKind::Webp);
        }
        // ISO BMFF: a `ftyp` box whose brand is one of the HEIF image brands.
        if head.len() >= 12 && &head[4..8] == b"ftyp" {
            let brand = &head[8..12];
            if [
                b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
            ]
            .iter()
            .any(|b| brand == *b)
            {
                return Some(ImageKind::Heic);
            }
        }
        None
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
            ImageKind::Heic => "image/heic",
        }
    }
}

/// One segment of a JPEG's header: its marker, where it starts, and the bytes of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegSegment {
    pub marker: u8,
    pub start: usize,
    pub body: std::ops::Range<usize>,
}

/// The segments of a JPEG's header, in order, up to and including the start of scan (or end of
/// image), after which the entropy-coded data follows; those two come with an empty body. The walk
/// stops early at anything malformed: bytes that are not a marker, or a segment that runs past the
/// bytes given (as in the first bytes of a file).
pub fn jpeg_segments(jpeg: &[u8]) -> impl Iterator<Item = JpegSegment> + '_ {
    let mut i = if jpeg.starts_with(&[0xFF, 0xD8]) {
        2
    } else {
        usize::MAX
    };
    std::iter::from_fn(move || loop {
        if i.checked_add(4).is_none_or(|end| end > jpeg.len()) || jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => i += 1,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => i += 2,
            0xDA | 0xD9 => {
                let start = i;
                i = usize::MAX;
                return Some(JpegSegment {
                    marker,
                    start,
                    body: start + 2..start + 2,
                });
            }
            _ => {
                let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
                let body = i + 4..i + 2 + len;
                if len < 2 || body.end > jpeg.len() {
                    return None;
                }
                let start = i;
                i = body.end;
                return Some(JpegSegment {
                    marker,
                    start,
                    body,
                });
            }
        }
    })
}

/// Where a JPEG keeps its EXIF: the byte range of the TIFF data inside its APP1 `Exif` segment.
/// The phone reads this from the original before it re-encodes the photo (which drops it) and sends
/// it along; `None` for other formats or a JPEG without EXIF, and for a segment that runs past the
/// bytes given.
pub fn exif_block(jpeg: &[u8]) -> Option<std::ops::Range<usize>> {
    jpeg_segments(jpeg)
        .find(|s| s.marker == 0xE1 && jpeg[s.body.clone()].starts_with(b"Exif\0\0"))
        .map(|s| s.body.start + 6..s.body.end)
}

/// Limits that keep a hostile or broken file from exhausting the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeLimits {
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height. 50 MP covers every phone camera sold today, at ~200 MB of RGBA while decoding.
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_width: 16_384,
            max_height: 16_384,
            max_pixels: 50_000_000,
        }
    }
}

impl DecodeLimits {
    /// Checked from the header, before a single pixel is decoded.
    pub fn allows(&self, width: u32, height: u32) -> bool {
        width > 0
            && height > 0
            && width <= self.max_width
            && height <= self.max_height
            && u64::from(width) * u64::from(height) <= self.max_pixels
    }
}

/// Thresholds of the integrity flags (settings, with these defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlagPolicy {
    /// A fix less accurate than this is flagged.
    pub max_accuracy_m: f64,
    /// EXIF and device positions further apart than this are flagged.
    pub max_exif_device_gap_m: f64,
    /// EXIF time further than this from the capture time, or later than the receipt time by more
    /// than this, is flagged.
    pub max_time_skew_secs: i64,
    /// A photo taken longer than this before it reached the server is flagged (a phone may be
    /// offline all day, but not for days).
    pub max_receipt_delay_secs: i64,
}

impl Default for FlagPolicy {
    fn default() -> Self {
        FlagPolicy {
            max_accuracy_m: 100.0,
            max_exif_device_gap_m: 200.0,
            max_time_skew_secs: 10 * 60,
            max_receipt_delay_secs: 24 * 3600,
        }
    }
}

/// What is known about one photo when its flags are computed. Times are Unix seconds (UTC).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhotoFacts {
    pub device_position: Option<LatLon>,
    pub device_accuracy_m: Option<f64>,
    pub exif_position: Option<LatLon>,
    /// EXIF time taken, as Unix seconds.
    pub exif_taken_at: Option<i64>,
    /// True when the EXIF time carried no UTC offset and Asia/Shanghai (UTC+8) was assumed; the viewer
    /// says so next to the time.
    pub exif_time_assumed_offset: bool,
    pub captured_at: Option<i64>,
    pub received_at: i64,
    pub software: Option<String>,
    /// Other inspections that already hold a photo with the same SHA-256.
    pub same_hash_elsewhere: u32,
}

/// The site the photo's inspection is about.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteFence {
    pub position: LatLon,
    pub radius_m: f64,
}

/// One reason for a supervisor to look twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    NoPosition,
    PoorAccuracy { accuracy_m: f64 },
    DeviceFarFromSite { distance_m: f64 },
    ExifFarFromSite { distance_m: f64 },
    ExifDeviceDisagree { distance_m: f64 },
    ExifTimeFarFromCapture { skew_secs: i64 },
    ExifTimeFarFromReceipt { skew_secs: i64 },
    DuplicateElsewhere { inspections: u32 },
    EditedWith { software: String },
}

/// Every flag that applies, in a stable order.
/// `rules` says which software is an editor (administered with the market-check rules).
pub fn flags(
    p: &PhotoFacts,
    site: Option<SiteFence>,
    policy: &FlagPolicy,
    rules: &EvidenceRules,
) -> Vec<Flag> {
    let mut out = Vec::new();
    if p.device_position.is_none() && p.exif_position.is_none() {
        out.push(Flag::NoPosition);
    }
    if let Some(acc) = p.device_accuracy_m.filter(|a| *a > policy.max_accuracy_m) {
        out.push(Flag::PoorAccuracy { accuracy_m: acc });
    }
    if let Some(site) = site {
        if let Some(d) = p
            .device_position
            .map(|pos| distance_m(pos, site.position))
            .filter(|d| *d > site.radius_m)
        {
            out.push(Flag::DeviceFarFromSite { distance_m: d });
        }
        if let Some(d) = p
            .exif_position
            .map(|pos| distance_m(pos, site.position))
            .filter(|d| *d > site.radius_m)
        {
            out.push(Flag::ExifFarFromSite { distance_m: d });
        }
    }
    if let (Some(e), Some(d)) = (p.exif_position, p.device_position) {
        let gap = distance_m(e, d);
        if gap > policy.max_exif_device_gap_m {
            out.push(Flag::ExifDeviceDisagree { distance_m: gap });
        }
    }
    if let Some(taken) = p.exif_taken_at {
        if let Some(cap) = p.captured_at {
            let skew = (taken - cap).abs();
            if skew > policy.max_time_skew_secs {
                out.push(Flag::ExifTimeFarFromCapture { skew_secs: skew });
            }
        }
        // A photo taken long before it reached the server may be fine (offline all day) but is worth a
        // look; a photo "taken" after it arrived is always wrong. Both are reported with their size.
        let skew = p.received_at - taken;
        if skew < -policy.max_time_skew_secs || skew > policy.max_receipt_delay_secs {
            out.push(Flag::ExifTimeFarFromReceipt { skew_secs: skew });
        }
    }
    if p.same_hash_elsewhere > 0 {
        out.push(Flag::DuplicateElsewhere {
            inspections: p.same_hash_elsewhere,
        });
    }
    if let Some(sw) = p.software.as_deref().filter(|s| rules.is_editor(s)) {
        out.push(Flag::EditedWith {
            software: sw.to_string(),
        });
    }
    out
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// A UUIDv7 in its usual text form, from Unix milliseconds and 16 random bytes (of which 74 bits are
/// used). Written out here rather than with the uuid crate so the phone's bundle does not carry it.
pub fn uuid_v7(unix_ms: u64, mut random: [u8; 16]) -> String {
    random[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
    random[6] = 0x70 | (random[6] & 0x0f);
    random[8] = 0x80 | (random[8] & 0x3f);
    let h = hex(&random);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn phone_made_ids_are_uuid_v7_with_their_time() {
        let ms = 1_764_382_540_123u64;
        let id = super::uuid_v7(ms, [0xAB; 16]);
        let parsed = uuid::Uuid::parse_str(&id).expect("a uuid");
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        let (secs, nanos) = parsed.get_timestamp().expect("v7 has a time").to_unix();
        assert_eq!(secs * 1000 + u64::from(nanos) / 1_000_000, ms);
        assert_eq!(id, parsed.hyphenated().to_string());
        assert_eq!(super::hex(&[0, 0x0f, 0xff]), "000fff");
    }

    use super::*;

    const SHOP: LatLon = LatLon::new(36.4603, 115.9706);

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    #[test]
    fn the_exif_block_is_found_behind_other_segments_and_nowhere_else() {
        let tiff = b"II*\0\x08\0\0\0tiff-data";
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(tiff);
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xE0, b"JFIF\0\x01\x02"));
        // An XMP APP1 is not EXIF.
        jpeg.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x/>"));
        jpeg.extend(segment(0xE1, &exif));
        jpeg.extend(segment(0xDA, b"\0\0"));
        let r = exif_block(&jpeg);
        assert_eq!(r.map(|r| &jpeg[r]), Some(&tiff[..]));

        // Without EXIF, EXIF after the image data, a cut-off segment, not a JPEG: nothing.
        let mut plain = vec![0xFF, 0xD8];
        plain.extend(segment(0xE0, b"JFIF\0"));
        plain.extend(segment(0xDA, b"\0\0"));
        plain.extend(segment(0xE1, &exif));
        assert_eq!(exif_block(&plain), None);
        assert_eq!(exif_block(&jpeg[..jpeg.len() - 12]), None);
        assert_eq!(exif_block(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(exif_block(&[]), None);
    }

    const T: i64 = 1_764_400_000;

    fn at_shop() -> PhotoFacts {
        PhotoFacts {
            device_position: Some(LatLon::new(36.46031, 115.97061)),
            device_accuracy_m: Some(8.0),
            exif_position: Some(LatLon::new(36.46029, 115.97058)),
            exif_taken_at: Some(T - 5),
            captured_at: Some(T),
            received_at: T + 30,
            software: Some("HDR+ 1.0.540104767zd".into()),
            ..PhotoFacts::default()
        }
    }

    fn fence() -> Option<SiteFence> {
        Some(SiteFence {
            position: SHOP,
            radius_m: 150.0,
        })
    }

    #[test]
    fn a_clean_photo_has_no_flags() {
        assert_eq!(
            flags(
                &at_shop(),
                fence(),
                &FlagPolicy::default(),
                &EvidenceRules::default()
            ),
            vec![]
        );
    }

    #[test]
    fn no_position_at_all() {
        let p = PhotoFacts {
            device_position: None,
            exif_position: None,
            device_accuracy_m: None,
            ..at_shop()
        };
        assert_eq!(
            flags(
                &p,
                fence(),
                &FlagPolicy::default(),
                &EvidenceRules::default()
            ),
            vec![Flag::NoPosition]
        );
        // One of the two is enough.
        let p = PhotoFacts {
            device_position: None,
            device_accuracy_m: None,
            ..at_shop()
        };
        assert_eq!(
            flags(
                &p,
                fence(),
                &FlagPolicy::default(),
                &EvidenceRules::default()
            ),
            vec![]
        );
    }

    #[test]
    fn accuracy_threshold_is_exclusive() {
        let p = PhotoFacts {
            device_accuracy_m: Some(100.0),
            ..at_shop()
        };
        assert_eq!(
            flags(
                &p,
                fence(),
                &FlagPolicy::default(),
                &EvidenceRules::default()
            ),
            vec![]
        );
        let p = PhotoFacts {
            device_accuracy_m: Some(100.5),
            ..at_shop()
        };
        assert_eq!(
            flags(
                &p,
                fence(),
                &FlagPolicy::default(),
                &EvidenceRules::default()
            ),
            vec![Flag::PoorAccuracy { accuracy_m: 100.5 }]
        );
    }

    #[test]
    fn far_from_the_site_shows_the_distance() {
        // About 2 km north of the shop, both the phone and the camera agree.
        let far = LatLon::new(36.4783, 115.9706);
        let p = PhotoFacts {
            device_position: Some(far),
            exif_position: Some(far),
            ..at_shop()
        };
        let f = flags(
            &p,
            fence(),
            &FlagPolicy::default(),
            &EvidenceRules::default(),
        );
        match f.as_slice() {
            [Flag::DeviceFarFromSite { distance_m: a }, Flag::ExifFarFromSite { distance_m: b }] => {
                assert!((1990.0..2015.0).contains(a), "{a}");
                assert!((a - b).abs() < 1e-6);
            }
            other => panic!("{other:?}"),
        }
        // Without a known site, no distance flags.
        assert_eq!(
            flags(&p, None, &FlagPolicy::default(), &EvidenceRules::default()),
            vec![]
        );
    }

    #[test]
    fn exif_and_device_positions_disagreeing() {
        let p = PhotoFacts {
            exif_position: Some(LatLon::new(36.4633, 115.9706)),
            ..at_shop()
        };
        let f = flags(&p, None, &FlagPolicy::default(), &EvidenceRules::default());
        assert!(
            matches!(f.as_slice(), [Flag::ExifDeviceDisagree { distance_m }] if *distance_m > 300.0),
            "{f:?}"
        );
    }

    #[test]
    fn times_far_apart() {
        let policy = FlagPolicy::default();
        let p = PhotoFacts {
            exif_taken_at: Some(T - 601),
            ..at_shop()
        };
        assert_eq!(
            flags(&p, None, &policy, &EvidenceRules::default()),
            vec![Flag::ExifTimeFarFromCapture { skew_secs: 601 }]
        );
        let p = PhotoFacts {
            exif_taken_at: Some(T - 600),
            ..at_shop()
        };
        assert_eq!(flags(&p, None, &policy, &EvidenceRules::default()), vec![]);
        // Taken a week ago: far from both capture and receipt.
        let p = PhotoFacts {
            exif_taken_at: Some(T - 7 * 86_400),
            ..at_shop()
        };
        assert_eq!(flags(&p, None, &policy, &EvidenceRules::default()).len(), 2);
        // Offline all morning, uploaded at noon: not a receipt flag.
        let p = PhotoFacts {
            captured_at: None,
            received_at: T + 4 * 3600,
            ..at_shop()
        };
        assert_eq!(flags(&p, None, &policy, &EvidenceRules::default()), vec![]);
        // Offline for a day: flagged only past the receipt delay, which is a setting.
        let p = PhotoFacts {
            captured_at: None,
            received_at: T - 5 + 24 * 3600,
            ..at_shop()
        };
        assert_eq!(flags(&p, None, &policy, &EvidenceRules::default()), vec![]);
        let p = PhotoFacts {
            captured_at: None,
            received_at: T - 5 + 24 * 3600 + 1,
            ..at_shop()
        };
        assert_eq!(
            flags(&p, None, &policy, &EvidenceRules::default()),
            vec![Flag::ExifTimeFarFromReceipt {
                skew_secs: 24 * 3600 + 1
            }]
        );
        let longer = FlagPolicy {
            max_receipt_delay_secs: 3 * 24 * 3600,
            ..policy
        };
        assert_eq!(flags(&p, None, &longer, &EvidenceRules::default()), vec![]);
        // "Taken" in the future of its own arrival.
        let p = PhotoFacts {
            captured_at: None,
            exif_taken_at: Some(T + 3600),
            received_at: T,
            ..at_shop()
        };
        assert_eq!(
            flags(&p, None, &policy, &EvidenceRules::default()),
            vec![Flag::ExifTimeFarFromReceipt { skew_secs: -3600 }]
        );
    }

    #[test]
    fn duplicates_and_editors() {
        let p = PhotoFacts {
            same_hash_elsewhere: 2,
            software: Some("Adobe Photoshop 25.1 (Windows)".into()),
            ..at_shop()
        };
        assert_eq!(
            flags(&p, None, &FlagPolicy::default(), &EvidenceRules::default()),
            vec![
                Flag::DuplicateElsewhere { inspections: 2 },
                Flag::EditedWith {
                    software: "Adobe Photoshop 25.1 (Windows)".into()
                }
            ]
        );
        let rules = EvidenceRules::default();
        assert!(rules.is_editor("美图秀秀"));
        assert!(rules.is_editor("Adobe PHOTOSHOP"));
        assert!(!rules.is_editor("iOS 17.4.1"));
        assert!(!rules.is_editor("MIUI Camera"));
    }

    #[test]
    fn sniffing_goes_by_bytes() {
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(
            ImageKind::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(ImageKind::Heic)
        );
        assert_eq!(
            ImageKind::sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"),
            None,
            "a video is not a photo"
        );
        assert_eq!(ImageKind::sniff(b"hello, this is text"), None);
        assert_eq!(ImageKind::sniff(b""), None);
    }

    #[test]
    fn decode_limits_refuse_bombs_before_decoding() {
        let l = DecodeLimits::default();
        assert!(l.allows(4000, 3000));
        assert!(l.allows(8160, 6120), "a 50 MP phone camera");
        assert!(!l.allows(30_000, 30_000));
        assert!(!l.allows(16_385, 10));
        assert!(!l.allows(0, 100));
    }
}
