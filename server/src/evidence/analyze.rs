//! What a photo is: its type by its bytes, its pixel size (checked before decoding), the EXIF facts the
//! camera wrote (position, time with its offset, orientation, camera, software), and
//! orientation-corrected JPEG thumbnails. CPU work: call it from `spawn_blocking`, under the decode
//! semaphore.

use image::{ImageDecoder, ImageReader, Limits};
use jieshui_app::domain::evidence::{jpeg_segments, DecodeLimits, ImageKind};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Long edges of the thumbnails made for every photo.
pub const THUMB_SIZES: [u32; 2] = [320, 1280];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExifFacts {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Unix seconds.
    pub taken_at: Option<i64>,
    /// As written, e.g. "2026:11:29 10:15:02 +08:00".
    pub taken_at_text: Option<String>,
    /// The EXIF time had no offset; UTC+8 was assumed.
    pub offset_assumed: bool,
    pub orientation: Option<u16>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub software: Option<String>,
    /// Read by the phone from the original before it downscaled the photo (the re-encode the server
    /// received carries no EXIF of its own).
    #[serde(default)]
    pub from_phone: bool,
}

impl ExifFacts {
    /// True when nothing at all was read.
    pub fn is_empty(&self) -> bool {
        self.lat.is_none()
            && self.lon.is_none()
            && self.taken_at_text.is_none()
            && self.orientation.is_none()
            && self.make.is_none()
            && self.model.is_none()
            && self.software.is_none()
    }
}

/// Largest EXIF block a phone may send along: a JPEG segment holds at most 64 KiB.
pub const MAX_EXIF_BLOCK: usize = 65_536;

#[derive(Debug)]
pub struct Analysis {
    pub kind: ImageKind,
    /// Pixel size as displayed (after orientation); `None` when the format cannot be decoded here.
    pub size: Option<(u32, u32)>,
    pub exif: ExifFacts,
    /// (long edge, JPEG bytes); empty when there is no preview (HEIC).
    pub thumbs: Vec<(u32, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyzeError {
    #[error("not a JPEG, PNG, WebP or HEIC image")]
    NotAnImage,
    #[error("image of {0}×{1} pixels exceeds the decode limits")]
    TooLarge(u32, u32),
    #[error("image data is damaged: {0}")]
    Corrupt(String),
}

fn ascii(f: Option<&exif::Field>) -> Option<String> {
    let f = f?;
    match &f.value {
        exif::Value::Ascii(parts) => {
            let s: String = parts
                .iter()
                .map(|p| String::from_utf8_lossy(p).to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let s = s
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string();
            (!s.is_empty()).then_some(s)
        }
        _ => None,
    }
}

/// The numbers of a field, whatever numeric type the camera wrote them in: EXIF says RATIONAL for
/// GPS coordinates, but phones also write SRATIONAL (an HMD Nokia 8.3 5G does), LONG or DOUBLE.
fn numbers(v: &exif::Value) -> Option<Vec<f64>> {
    use exif::Value as V;
    let out: Vec<f64> = match v {
        V::Rational(r) => r
            .iter()
            .map(|x| (x.denom != 0).then(|| f64::from(x.num) / f64::from(x.denom)))
            .collect::<Option<_>>()?,
        V::SRational(r) => r
            .iter()
            .map(|x| (x.denom != 0).then(|| f64::from(x.num) / f64::from(x.denom)))
            .collect::<Option<_>>()?,
        V::Byte(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::Short(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::Long(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::SByte(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::SShort(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::SLong(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::Float(b) => b.iter().map(|&x| f64::from(x)).collect(),
        V::Double(b) => b.clone(),
        _ => return None,
    };
    (!out.is_empty()).then_some(out)
}

/// Degrees, minutes, seconds (minutes and seconds may be missing) and the hemisphere reference.
fn degrees(f: Option<&exif::Field>, reference: Option<String>, negative: &str) -> Option<f64> {
    let n = numbers(&f?.value)?;
    let part = |i: usize| n.get(i).copied().unwrap_or(0.0);
    let (d, m, s) = (part(0), part(1), part(2));
    // A signed value already carries its hemisphere; the reference must not turn it twice.
    let sign = if d < 0.0 || m < 0.0 || s < 0.0 {
        -1.0
    } else {
        1.0
    };
    let v = sign * (d.abs() + m.abs() / 60.0 + s.abs() / 3600.0);
    let v = if sign > 0.0 && reference.as_deref().map(str::trim) == Some(negative) {
        -v
    } else {
        v
    };
    v.is_finite().then_some(v)
}

/// The time an EXIF text names: with its own offset when it carries one, else with `assumed_minutes`
/// east of UTC (the administered evidence rules say which).
fn parse_time(text: &str, offset: Option<&str>, assumed_minutes: i32) -> Option<(i64, bool)> {
    let fmt = time::macros::format_description!("[year]:[month]:[day] [hour]:[minute]:[second]");
    let local = time::PrimitiveDateTime::parse(text.trim(), &fmt).ok()?;
    let parsed = offset.and_then(|o| {
        let o = o.trim();
        let sign = match o.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (h, m) = o[1..].split_once(':')?;
        let secs = sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60);
        time::UtcOffset::from_whole_seconds(secs).ok()
    });
    let (offset, assumed) = match parsed {
        Some(o) => (o, false),
        None => (
            time::UtcOffset::from_whole_seconds(assumed_minutes.saturating_mul(60)).ok()?,
            true,
        ),
    };
    Some((local.assume_offset(offset).unix_timestamp(), assumed))
}

/// The EXIF facts of any supported container; a file without EXIF gives empty facts. A time without
/// its offset is read as `assumed_minutes` east of UTC.
pub fn read_exif(bytes: &[u8], assumed_minutes: i32) -> ExifFacts {
    match exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(ex) => facts(&ex, assumed_minutes),
        Err(_) => ExifFacts::default(),
    }
}

/// The EXIF facts of a bare EXIF block (TIFF data, with or without its `Exif\0\0` header) that the
/// phone read from the original before re-encoding it; empty when the block is not EXIF.
pub fn read_exif_block(block: &[u8], assumed_minutes: i32) -> ExifFacts {
    let tiff = block.strip_prefix(b"Exif\0\0").unwrap_or(block);
    if tiff.len() > MAX_EXIF_BLOCK {
        return ExifFacts::default();
    }
    match exif::Reader::new().read_raw(tiff.to_vec()) {
        Ok(ex) => ExifFacts {
            from_phone: true,
            ..facts(&ex, assumed_minutes)
        },
        Err(_) => ExifFacts::default(),
    }
}

fn facts(ex: &exif::Exif, assumed_minutes: i32) -> ExifFacts {
    let get = |t: exif::Tag| ex.get_field(t, exif::In::PRIMARY);
    let taken_text =
        ascii(get(exif::Tag::DateTimeOriginal)).or_else(|| ascii(get(exif::Tag::DateTime)));
    let offset =
        ascii(get(exif::Tag::OffsetTimeOriginal)).or_else(|| ascii(get(exif::Tag::OffsetTime)));
    let parsed = taken_text
        .as_deref()
        .and_then(|t| parse_time(t, offset.as_deref(), assumed_minutes));
    let lat = degrees(
        get(exif::Tag::GPSLatitude),
        ascii(get(exif::Tag::GPSLatitudeRef)),
        "S",
    )
    .filter(|v| (-90.0..=90.0).contains(v));
    let lon = degrees(
        get(exif::Tag::GPSLongitude),
        ascii(get(exif::Tag::GPSLongitudeRef)),
        "W",
    )
    .filter(|v| (-180.0..=180.0).contains(v));
    ExifFacts {
        // A (0, 0) fix is what some phones write when they had none.
        lat: lat.filter(|_| !(lat == Some(0.0) && lon == Some(0.0))),
        lon: lon.filter(|_| !(lat == Some(0.0) && lon == Some(0.0))),
        taken_at: parsed.map(|p| p.0),
        taken_at_text: taken_text.map(|t| match &offset {
            Some(o) => format!("{t} {o}"),
            None => t,
        }),
        offset_assumed: parsed.is_some_and(|p| p.1),
        orientation: get(exif::Tag::Orientation)
            .and_then(|f| f.value.get_uint(0))
            .map(|v| v as u16)
            .filter(|v| (1..=8).contains(v)),
        make: ascii(get(exif::Tag::Make)),
        model: ascii(get(exif::Tag::Model)),
        software: ascii(get(exif::Tag::Software)),
        from_phone: false,
    }
}

fn image_format(kind: ImageKind) -> Option<image::ImageFormat> {
    match kind {
        ImageKind::Jpeg => Some(image::ImageFormat::Jpeg),
        ImageKind::Png => Some(image::ImageFormat::Png),
        ImageKind::Webp => Some(image::ImageFormat::WebP),
        ImageKind::Heic => None,
    }
}

/// True when a JPEG's main image data is followed by its end-of-image marker. Walks the segments to
/// the start of scan first, so the end marker of an EXIF thumbnail does not count; data some phones
/// append after the image is allowed.
pub fn jpeg_complete(bytes: &[u8]) -> bool {
    jpeg_segments(bytes)
        .find(|s| s.marker == 0xDA)
        // From the end: the marker is almost always there, and the scan data is megabytes long.
        .is_some_and(|s| bytes[s.start..].windows(2).rev().any(|w| w == [0xFF, 0xD9]))
}

/// True when the file is a sequence of ISO BMFF boxes that exactly fills it, starting with `ftyp`
/// and holding the `meta` box every HEIF image has (its item list) and an `mdat` (its data).
pub fn heif_boxes_ok(bytes: &[u8]) -> bool {
    let mut at = 0usize;
    let (mut meta, mut mdat, mut first) = (false, false, true);
    while at < bytes.len() {
        let Some(head) = bytes.get(at..at + 8) else {
            return false;
        };
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = &head[4..8];
        let size = match size32 {
            0 => (bytes.len() - at) as u64,
            1 => match bytes.get(at + 8..at + 16) {
                Some(b) => u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                None => return false,
            },
            n => n,
        };
        let header = if size32 == 1 { 16 } else { 8 };
        if size < header || size > (bytes.len() - at) as u64 {
            return false;
        }
        if first && (kind != b"ftyp" || size < 16) {
            return false;
        }
        first = false;
        meta |= kind == b"meta";
        mdat |= kind == b"mdat";
        at += size as usize;
    }
    meta && mdat
}

/// Everything about one photo. Refuses what is not an image, what is too large to decode safely
/// (checked from the header), and what is damaged.
/// `exif_offset_minutes`: the offset assumed for an EXIF time written without one.
pub fn analyze(
    bytes: &[u8],
    limits: &DecodeLimits,
    exif_offset_minutes: i32,
) -> Result<Analysis, AnalyzeError> {
    let kind = ImageKind::sniff(bytes).ok_or(AnalyzeError::NotAnImage)?;
    if kind == ImageKind::Jpeg && !jpeg_complete(bytes) {
        // Decoders fill a cut-off scan with grey and carry on; evidence must be whole.
        return Err(AnalyzeError::Corrupt(
            "the JPEG ends before its image data does".into(),
        ));
    }
    if kind == ImageKind::Heic && !heif_boxes_ok(bytes) {
        // Twelve bytes of `ftyp` are easy to put in front of anything.
        return Err(AnalyzeError::Corrupt(
            "the HEIF box structure is not whole".into(),
        ));
    }
    let exif = read_exif(bytes, exif_offset_minutes);
    let Some(format) = image_format(kind) else {
        // HEIC: kept as evidence (hash, EXIF, position), shown as "no preview".
        return Ok(Analysis {
            kind,
            size: None,
            exif,
            thumbs: vec![],
        });
    };
    if kind == ImageKind::Jpeg {
        if let Some((pixels, (w, h))) = decode_jpeg_scaled(bytes, limits, THUMB_SIZES[1])? {
            let orientation = exif
                .orientation
                .and_then(|o| u8::try_from(o).ok())
                .and_then(image::metadata::Orientation::from_exif)
                .unwrap_or(image::metadata::Orientation::NoTransforms);
            return Ok(Analysis {
                kind,
                size: Some(upright(w, h, orientation)),
                thumbs: thumbnails(pixels, orientation)?,
                exif,
            });
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut lim = Limits::default();
    lim.max_image_width = Some(limits.max_width);
    lim.max_image_height = Some(limits.max_height);
    lim.max_alloc = Some(limits.max_pixels.saturating_mul(4).saturating_add(64 << 20));
    reader.limits(lim);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => AnalyzeError::TooLarge(0, 0),
        other => AnalyzeError::Corrupt(other.to_string()),
    })?;
    let (w, h) = decoder.dimensions();
    if !limits.allows(w, h) {
        return Err(AnalyzeError::TooLarge(w, h));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let img = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| AnalyzeError::Corrupt(e.to_string()))?;
    Ok(Analysis {
        kind,
        size: Some(upright(w, h, orientation)),
        thumbs: thumbnails(img.into_rgb8(), orientation)?,
        exif,
    })
}

/// The displayed size: quarter turns swap width and height.
fn upright(w: u32, h: u32, orientation: image::metadata::Orientation) -> (u32, u32) {
    use image::metadata::Orientation as O;
    match orientation {
        O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH => (h, w),
        _ => (w, h),
    }
}

/// Pixels decoded at a reduced scale, and the full size of the picture.
type ScaledDecode = (image::RgbImage, (u32, u32));

/// Decodes a JPEG at the smallest DCT scale (1, ½, ¼ or ⅛) whose long edge still covers `edge`: a
/// 12 MP photo needed for a 1280 px thumbnail decodes at 2000 × 1500, skipping most of the inverse
/// DCT and colour conversion. Returns the pixels and the full size, `Ok(None)` for what this decoder
/// does not handle (CMYK, 12-bit, or anything it refuses), which then goes through the general
/// decoder, the judge of whether a file is damaged, as does a picture too small to decode at a
/// reduced scale; a size over the limits is refused here, from the header.
fn decode_jpeg_scaled(
    bytes: &[u8],
    limits: &DecodeLimits,
    edge: u32,
) -> Result<Option<ScaledDecode>, AnalyzeError> {
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size(
        usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
    );
    if d.read_info().is_err() {
        return Ok(None);
    }
    let Some(info) = d.info() else {
        return Ok(None);
    };
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if !limits.allows(w, h) {
        return Err(AnalyzeError::TooLarge(w, h));
    }
    let long = w.max(h);
    if long < edge * 2 {
        // Decoded at full scale anyway, where the general decoder is faster.
        return Ok(None);
    }
    let (rw, rh) = ((w * edge / long).max(1), (h * edge / long).max(1));
    let (Ok(rw), Ok(rh)) = (u16::try_from(rw), u16::try_from(rh)) else {
        return Ok(None);
    };
    let Ok((sw, sh)) = d.scale(rw, rh) else {
        return Ok(None);
    };
    let Ok(px) = d.decode() else {
        return Ok(None);
    };
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => image::RgbImage::from_raw(sw, sh, px),
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(sw, sh, px)
            .map(|g| image::DynamicImage::ImageLuma8(g).into_rgb8()),
        _ => None,
    };
    Ok(rgb.map(|p| (p, (w, h))))
}

/// Orientation-corrected JPEG thumbnails of every size in `THUMB_SIZES`, each made from the next
/// larger one with a SIMD convolution resizer; the picture is shrunk first and turned after, as
/// turning a full frame costs more than the whole thumbnail.
fn thumbnails(
    src: image::RgbImage,
    orientation: image::metadata::Orientation,
) -> Result<Vec<(u32, Vec<u8>)>, AnalyzeError> {
    let mut edges = THUMB_SIZES;
    edges.sort_unstable_by(|a, b| b.cmp(a));
    let mut src = src;
    let mut thumbs = Vec::new();
    for (i, edge) in edges.into_iter().enumerate() {
        let small = shrink(&src, edge)?;
        let mut shown = image::DynamicImage::ImageRgb8(small.clone());
        shown.apply_orientation(orientation);
        thumbs.push((edge, encode_jpeg(&shown.into_rgb8())?));
        if i + 1 < edges.len() {
            src = small;
        }
    }
    thumbs.sort_by_key(|t| t.0);
    Ok(thumbs)
}

/// A thumbnail's JPEG at quality 80 (a SIMD encoder: the image crate's takes four times as long).
fn encode_jpeg(img: &image::RgbImage) -> Result<Vec<u8>, AnalyzeError> {
    let (w, h) = img.dimensions();
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(AnalyzeError::TooLarge(w, h));
    };
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(img.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| AnalyzeError::Corrupt(e.to_string()))?;
    Ok(out)
}

/// `src` with its long edge brought down to `edge` (kept as it is when already that small).
fn shrink(src: &image::RgbImage, edge: u32) -> Result<image::RgbImage, AnalyzeError> {
    use fast_image_resize as fr;
    let (w, h) = src.dimensions();
    let long = w.max(h);
    if long <= edge {
        return Ok(src.clone());
    }
    let tw = ((u64::from(w) * u64::from(edge) / u64::from(long)) as u32).max(1);
    let th = ((u64::from(h) * u64::from(edge) / u64::from(long)) as u32).max(1);
    let from = fr::images::ImageRef::new(w, h, src.as_raw(), fr::PixelType::U8x3)
        .map_err(|e| AnalyzeError::Corrupt(e.to_string()))?;
    let mut to = fr::images::Image::new(tw, th, fr::PixelType::U8x3);
    fr::Resizer::new()
        .resize(
            &from,
            &mut to,
            &fr::ResizeOptions::new()
                .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear)),
        )
        .map_err(|e| AnalyzeError::Corrupt(e.to_string()))?;
    image::RgbImage::from_raw(tw, th, to.into_vec())
        .ok_or_else(|| AnalyzeError::Corrupt("resized buffer".into()))
}

/// Test and benchmark fixtures: camera-like JPEGs with EXIF written here. Not in the release binary:
/// the tests, benches and examples turn the `fixtures` feature on.
#[cfg(any(test, feature = "fixtures"))]
pub mod fixture {
    use exif::{Field, In, Rational, Tag, Value};

    pub struct CameraExif<'a> {
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub taken: Option<&'a str>,
        pub offset: Option<&'a str>,
        pub orientation: u16,
        pub software: Option<&'a str>,
    }

    fn dms(v: f64) -> Vec<Rational> {
        let v = v.abs();
        let d = v.trunc();
        let m = ((v - d) * 60.0).trunc();
        let s = (v - d - m / 60.0) * 3600.0;
        vec![
            Rational {
                num: d as u32,
                denom: 1,
            },
            Rational {
                num: m as u32,
                denom: 1,
            },
            Rational {
                num: (s * 10_000.0).round() as u32,
                denom: 10_000,
            },
        ]
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    /// The start of a PNG that claims `w`×`h` pixels: a valid header and nothing else, which is all a
    /// decompression bomb needs to be refused on.
    pub fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = b"IHDR".to_vec();
        chunk.extend_from_slice(&w.to_be_bytes());
        chunk.extend_from_slice(&h.to_be_bytes());
        chunk.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        png
    }

    /// A JPEG of `w`×`h` gradient pixels without any EXIF, as a browser's canvas re-encode is.
    pub fn plain_jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut jpeg = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85);
        image::DynamicImage::ImageRgb8(img)
            .write_with_encoder(enc)
            .expect("encode");
        jpeg
    }

    /// A JPEG of `w`×`h` gradient pixels with sensor-like noise, at quality 90: about as large as
    /// a phone camera's file of that size (a smooth gradient compresses far better than a photo,
    /// and the entropy decoding a benchmark measures grows with the bytes).
    pub fn textured_jpeg(w: u32, h: u32) -> Vec<u8> {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut noise = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 10) as i32 - 5
        };
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let base = [(x / 16 % 256) as i32, (y / 16 % 256) as i32, 128];
            image::Rgb(base.map(|c| (c + noise()).clamp(0, 255) as u8))
        });
        let mut jpeg = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
        image::DynamicImage::ImageRgb8(img)
            .write_with_encoder(enc)
            .expect("encode");
        jpeg
    }

    /// A JPEG of `w`×`h` gradient pixels carrying the given EXIF, as a phone camera would write it.
    pub fn camera_jpeg(w: u32, h: u32, e: &CameraExif) -> Vec<u8> {
        with_exif(&plain_jpeg(w, h), e)
    }

    /// `jpeg` with an EXIF segment written in front of its other segments.
    pub fn with_exif(jpeg: &[u8], e: &CameraExif) -> Vec<u8> {
        let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
        let mut fields = vec![
            Field {
                tag: Tag::Make,
                ifd_num: In::PRIMARY,
                value: ascii("HUAWEI"),
            },
            Field {
                tag: Tag::Model,
                ifd_num: In::PRIMARY,
                value: ascii("Mate 60"),
            },
            Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![e.orientation]),
            },
        ];
        if let Some(s) = e.software {
            fields.push(Field {
                tag: Tag::Software,
                ifd_num: In::PRIMARY,
                value: ascii(s),
            });
        }
        if let Some(t) = e.taken {
            fields.push(Field {
                tag: Tag::DateTimeOriginal,
                ifd_num: In::PRIMARY,
                value: ascii(t),
            });
        }
        if let Some(o) = e.offset {
            fields.push(Field {
                tag: Tag::OffsetTimeOriginal,
                ifd_num: In::PRIMARY,
                value: ascii(o),
            });
        }
        if let (Some(lat), Some(lon)) = (e.lat, e.lon) {
            fields.push(Field {
                tag: Tag::GPSLatitudeRef,
                ifd_num: In::PRIMARY,
                value: ascii(if lat < 0.0 { "S" } else { "N" }),
            });
            fields.push(Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(dms(lat)),
            });
            fields.push(Field {
                tag: Tag::GPSLongitudeRef,
                ifd_num: In::PRIMARY,
                value: ascii(if lon < 0.0 { "W" } else { "E" }),
            });
            fields.push(Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(dms(lon)),
            });
        }
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut tiff = std::io::Cursor::new(Vec::new());
        w.write(&mut tiff, false).expect("exif");
        let tiff = tiff.into_inner();
        let mut out = Vec::with_capacity(jpeg.len() + tiff.len() + 10);
        out.extend_from_slice(&jpeg[..2]);
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(&tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{camera_jpeg, textured_jpeg, with_exif, CameraExif};
    use super::*;

    /// China Standard Time, the seeded evidence rules' offset.
    const CST: i32 = 8 * 60;

    /// A TIFF EXIF block with GPS written as SRATIONAL (or another type), the longitude before the
    /// latitude, as some phones write it.
    fn gps_block(lat: exif::Value, lat_ref: &str, lon: exif::Value, lon_ref: &str) -> Vec<u8> {
        use exif::{Field, In, Tag, Value};
        let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
        let fields = [
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: lon,
            },
            Field {
                tag: Tag::GPSLongitudeRef,
                ifd_num: In::PRIMARY,
                value: ascii(lon_ref),
            },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: lat,
            },
            Field {
                tag: Tag::GPSLatitudeRef,
                ifd_num: In::PRIMARY,
                value: ascii(lat_ref),
            },
        ];
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut tiff = std::io::Cursor::new(Vec::new());
        w.write(&mut tiff, false).expect("exif");
        tiff.into_inner()
    }

    #[test]
    fn gps_in_every_numeric_type_phones_write_is_read() {
        use exif::{SRational, Value};
        let sr = |v: &[(i32, i32)]| {
            Value::SRational(
                v.iter()
                    .map(|&(num, denom)| SRational { num, denom })
                    .collect(),
            )
        };
        // Helsinki, as an HMD Nokia 8.3 5G writes it: SRATIONAL, longitude first.
        let helsinki = gps_block(
            sr(&[(60, 1), (10, 1), (1234, 100)]),
            "N",
            sr(&[(24, 1), (56, 1), (1530, 100)]),
            "E",
        );
        let f = read_exif_block(&helsinki, CST);
        let (lat, lon) = (f.lat.expect("lat"), f.lon.expect("lon"));
        assert!(
            (lat - (60.0 + 10.0 / 60.0 + 12.34 / 3600.0)).abs() < 1e-9,
            "{lat}"
        );
        assert!(
            (lon - (24.0 + 56.0 / 60.0 + 15.30 / 3600.0)).abs() < 1e-9,
            "{lon}"
        );
        // Signed degrees with a reference that says the same: not turned twice.
        let south = gps_block(
            sr(&[(-33, 1), (52, 1), (0, 1)]),
            "S",
            sr(&[(151, 1), (12, 1), (0, 1)]),
            "E",
        );
        let f = read_exif_block(&south, CST);
        assert!((f.lat.expect("lat") + (33.0 + 52.0 / 60.0)).abs() < 1e-9);
        // Decimal degrees as one DOUBLE, and whole degrees as LONG.
        let doubles = gps_block(
            Value::Double(vec![36.4603]),
            "N",
            Value::Long(vec![115, 58, 14]),
            "E",
        );
        let f = read_exif_block(&doubles, CST);
        assert!((f.lat.expect("lat") - 36.4603).abs() < 1e-9);
        assert!((f.lon.expect("lon") - (115.0 + 58.0 / 60.0 + 14.0 / 3600.0)).abs() < 1e-9);
        // A zero denominator is no position, not infinity.
        let broken = gps_block(
            sr(&[(60, 0), (10, 1), (0, 1)]),
            "N",
            sr(&[(24, 1), (0, 1), (0, 1)]),
            "E",
        );
        assert_eq!(read_exif_block(&broken, CST).lat, None);
    }

    fn exif_at_shop(orientation: u16) -> CameraExif<'static> {
        CameraExif {
            lat: Some(36.4603),
            lon: Some(115.9706),
            taken: Some("2026:11:29 10:15:02"),
            offset: Some("+08:00"),
            orientation,
            software: None,
        }
    }

    #[test]
    fn camera_facts_are_read() {
        let jpeg = camera_jpeg(64, 48, &exif_at_shop(1));
        let a = analyze(&jpeg, &DecodeLimits::default(), CST).expect("analyzed");
        assert_eq!(a.kind, ImageKind::Jpeg);
        assert_eq!(a.size, Some((64, 48)));
        let e = a.exif;
        assert!((e.lat.unwrap_or_default() - 36.4603).abs() < 1e-6, "{e:?}");
        assert!((e.lon.unwrap_or_default() - 115.9706).abs() < 1e-6);
        // 10:15:02 at +08:00 is 02:15:02 UTC.
        assert_eq!(e.taken_at, Some(1_795_918_502));
        assert!(!e.offset_assumed);
        assert_eq!(
            (e.make.as_deref(), e.model.as_deref()),
            (Some("HUAWEI"), Some("Mate 60"))
        );
        assert_eq!(
            a.thumbs.iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![320, 1280]
        );
    }

    #[test]
    fn the_block_the_phone_cuts_out_reads_as_the_whole_file_does() {
        let jpeg = camera_jpeg(64, 48, &exif_at_shop(6));
        let whole = read_exif(&jpeg, CST);
        assert!(!whole.is_empty() && !whole.from_phone);
        // What the browser sends: the slice `exif_block` finds, without the `Exif\0\0` header.
        let range = jieshui_app::domain::evidence::exif_block(&jpeg).expect("EXIF segment");
        let from_phone = read_exif_block(&jpeg[range.clone()], CST);
        assert_eq!(
            from_phone,
            ExifFacts {
                from_phone: true,
                ..whole.clone()
            }
        );
        // With the header it reads the same; anything else reads as nothing.
        assert_eq!(
            read_exif_block(&jpeg[range.start - 6..range.end], CST),
            from_phone
        );
        assert!(read_exif_block(b"not exif at all", CST).is_empty());
        assert!(read_exif_block(&[], CST).is_empty());
        assert!(read_exif_block(&vec![0u8; MAX_EXIF_BLOCK + 1], CST).is_empty());
    }

    #[test]
    fn large_photos_decode_at_a_reduced_scale_into_upright_thumbnails() {
        // 3000 × 2000 held sideways: shown 2000 × 3000; decoded at ½ for the 1280 px thumbnail.
        let jpeg = with_exif(&textured_jpeg(3000, 2000), &exif_at_shop(6));
        let a = analyze(&jpeg, &DecodeLimits::default(), CST).expect("analyzed");
        assert_eq!(a.size, Some((2000, 3000)));
        let dims: Vec<(u32, u32)> = a
            .thumbs
            .iter()
            .map(|(_, t)| {
                let img = image::load_from_memory(t).expect("thumbnail decodes");
                (img.width(), img.height())
            })
            .collect();
        assert_eq!(dims, vec![(213, 320), (853, 1280)]);
        // A large greyscale JPEG takes the same road.
        let grey =
            image::GrayImage::from_fn(2800, 2100, |x, y| image::Luma([((x ^ y) % 256) as u8]));
        let mut g = Vec::new();
        image::DynamicImage::ImageLuma8(grey)
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut g, 85,
            ))
            .expect("encode");
        let a = analyze(&g, &DecodeLimits::default(), CST).expect("analyzed");
        assert_eq!(a.size, Some((2800, 2100)));
        assert_eq!(
            a.thumbs.iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![320, 1280]
        );
    }

    #[test]
    fn a_time_without_offset_assumes_china_time() {
        let e = CameraExif {
            offset: None,
            ..exif_at_shop(1)
        };
        let facts = read_exif(&camera_jpeg(8, 8, &e), CST);
        assert_eq!(facts.taken_at, Some(1_795_918_502));
        assert!(facts.offset_assumed);
        // Another administered offset: the same local time is an hour later at +07:00.
        let west = read_exif(&camera_jpeg(8, 8, &e), 7 * 60);
        assert_eq!(west.taken_at, Some(1_795_918_502 + 3600));
        assert!(west.offset_assumed);
        let e = CameraExif {
            offset: Some("+00:00"),
            ..exif_at_shop(1)
        };
        assert_eq!(
            read_exif(&camera_jpeg(8, 8, &e), CST).taken_at,
            Some(1_795_918_502 + 8 * 3600)
        );
    }

    #[test]
    fn all_eight_orientations_are_corrected() {
        for o in 1..=8u16 {
            let a = analyze(
                &camera_jpeg(64, 48, &exif_at_shop(o)),
                &DecodeLimits::default(),
                CST,
            )
            .expect("analyzed");
            assert_eq!(a.exif.orientation, Some(o));
            // Orientations 5–8 turn the picture a quarter: a landscape sensor image shows as portrait.
            let want = if o >= 5 { (48, 64) } else { (64, 48) };
            assert_eq!(a.size, Some(want), "orientation {o}");
            let thumb = image::load_from_memory(&a.thumbs[0].1).expect("thumb");
            assert_eq!(
                (thumb.width(), thumb.height()),
                want,
                "thumbnail of orientation {o}"
            );
        }
    }

    #[test]
    fn what_is_not_a_sound_image_is_refused() {
        let l = DecodeLimits::default();
        assert_eq!(analyze(b"", &l, CST).err(), Some(AnalyzeError::NotAnImage));
        assert_eq!(
            analyze(b"just some text, named photo.jpg", &l, CST).err(),
            Some(AnalyzeError::NotAnImage)
        );
        let jpeg = camera_jpeg(64, 48, &exif_at_shop(1));
        let truncated = &jpeg[..jpeg.len() / 2];
        assert!(
            matches!(analyze(truncated, &l, CST), Err(AnalyzeError::Corrupt(_))),
            "truncated"
        );
        let mut corrupt = jpeg.clone();
        for b in corrupt.iter_mut().skip(400).take(200) {
            *b = 0xFF;
        }
        // Damaged scan data may still decode to garbage pixels; it must never panic, and if it is
        // kept it is kept as what it is: a JPEG of its own size, with its thumbnails.
        match analyze(&corrupt, &l, CST) {
            Err(AnalyzeError::Corrupt(_)) => {}
            Ok(a) => {
                assert_eq!(a.kind, ImageKind::Jpeg);
                assert_eq!(a.size, Some((64, 48)));
                assert!(!a.thumbs.is_empty());
            }
            Err(e) => panic!("damaged JPEG answered {e:?}"),
        }
    }

    #[test]
    fn decompression_bombs_are_refused_from_the_header() {
        // A 30,000 × 30,000 PNG header: refused before any pixel is decoded.
        let png = super::fixture::png_header(30_000, 30_000);
        let r = analyze(&png, &DecodeLimits::default(), CST);
        assert!(matches!(r, Err(AnalyzeError::TooLarge(..))), "{r:?}");
    }

    #[test]
    fn only_whole_jpegs_are_complete() {
        let jpeg = camera_jpeg(320, 240, &exif_at_shop(1));
        assert!(jpeg_complete(&jpeg));
        for cut in [jpeg.len() - 2, jpeg.len() / 2, 300, 10] {
            assert!(!jpeg_complete(&jpeg[..cut]), "cut at {cut}");
        }
        let mut trailer = jpeg.clone();
        trailer.extend_from_slice(b"SEFHSEFT trailing data some phones add");
        assert!(jpeg_complete(&trailer));
    }

    #[test]
    fn heic_is_kept_without_preview() {
        let heic = heif(&[(b"meta", 24), (b"mdat", 100)]);
        let a = analyze(&heic, &DecodeLimits::default(), CST).expect("kept");
        assert_eq!((a.kind, a.size, a.thumbs.len()), (ImageKind::Heic, None, 0));
    }

    /// An `ftyp` box with the heic brand, then boxes of these types and total sizes.
    fn heif(boxes: &[(&[u8; 4], u32)]) -> Vec<u8> {
        let mut out = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
        for (kind, size) in boxes {
            out.extend_from_slice(&size.to_be_bytes());
            out.extend_from_slice(*kind);
            out.resize(out.len() + (*size as usize).saturating_sub(8), 0);
        }
        out
    }

    #[test]
    fn a_heic_header_in_front_of_anything_else_is_refused() {
        let limits = DecodeLimits::default();
        let ftyp_only = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
        let mut junk = ftyp_only.clone();
        junk.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let mut short = heif(&[(b"meta", 24), (b"mdat", 100)]);
        short.truncate(short.len() - 10);
        for (name, bytes) in [
            ("ftyp only", ftyp_only),
            ("junk after ftyp", junk),
            ("cut short", short),
            ("no meta", heif(&[(b"mdat", 100)])),
            ("no mdat", heif(&[(b"meta", 24)])),
            (
                "box smaller than its header",
                heif(&[(b"meta", 24), (b"mdat", 4)]),
            ),
        ] {
            assert!(
                matches!(analyze(&bytes, &limits, CST), Err(AnalyzeError::Corrupt(_))),
                "{name}"
            );
        }
        // A 64-bit size and a last box running to the end are allowed.
        let mut big = heif(&[(b"meta", 24)]);
        big.extend_from_slice(&1u32.to_be_bytes());
        big.extend_from_slice(b"mdat");
        big.extend_from_slice(&(16u64 + 50).to_be_bytes());
        big.resize(big.len() + 50, 0);
        assert!(heif_boxes_ok(&big));
        let mut to_end = heif(&[(b"meta", 24)]);
        to_end.extend_from_slice(&0u32.to_be_bytes());
        to_end.extend_from_slice(b"mdat");
        to_end.resize(to_end.len() + 70, 0);
        assert!(heif_boxes_ok(&to_end));
    }
}
