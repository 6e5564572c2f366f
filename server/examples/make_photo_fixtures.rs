//! Writes the camera-like JPEGs the browser tests upload (`tests/fixtures/photo-*.jpg`): one at
//! the upload size, one a 12 MP original the phone must downscale, one taken at a demo community.
//! `cargo run -p jieshui-server --example make_photo_fixtures`

use jieshui_server::evidence::analyze::fixture::{camera_jpeg, CameraExif};

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let at_shop = CameraExif {
        lat: Some(36.4603),
        lon: Some(115.9706),
        taken: Some("2026:11:29 10:15:02"),
        offset: Some("+08:00"),
        orientation: 1,
        software: None,
    };
    // About 2 km north of 恒洁卫浴（金柱店）, a 12 MP original held sideways (orientation 6): the
    // phone must turn it upright, downscale it to 1600 px, and send its EXIF along.
    let far = CameraExif {
        lat: Some(36.4783),
        orientation: 6,
        ..at_shop
    };
    std::fs::write(
        dir.join("photo-at-shop.jpg"),
        camera_jpeg(1600, 1200, &at_shop),
    )?;
    std::fs::write(dir.join("photo-far.jpg"), camera_jpeg(4000, 3000, &far))?;
    // At 湖滨花园, the demo community the audit test visits.
    let at_community = CameraExif {
        lat: Some(36.4488),
        lon: Some(115.9655),
        ..at_shop
    };
    std::fs::write(
        dir.join("photo-at-community.jpg"),
        camera_jpeg(1600, 1200, &at_community),
    )?;
    Ok(())
}
