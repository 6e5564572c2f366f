//! Writes the camera-like JPEGs the browser tests upload (`tests/fixtures/photo-*.jpg`).
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
    // About 2 km north of 恒洁卫浴（金柱店）.
    let far = CameraExif {
        lat: Some(36.4783),
        ..at_shop
    };
    std::fs::write(
        dir.join("photo-at-shop.jpg"),
        camera_jpeg(1600, 1200, &at_shop),
    )?;
    std::fs::write(dir.join("photo-far.jpg"), camera_jpeg(1600, 1200, &far))?;
    Ok(())
}
