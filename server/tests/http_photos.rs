//! Photo evidence through the real router: camera-like JPEGs made here, every kind of bad file, the
//! idempotent retry, integrity flags, and who may see what.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use jieshui_server::evidence::analyze::fixture::{camera_jpeg, plain_jpeg, CameraExif};
use sqlx::SqlitePool;
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
const SHOP: (f64, f64) = (36.4603, 115.9706); // 恒洁卫浴（金柱店）, geofence 150 m

/// The camera's clock, in China time as EXIF writes it: 38 s before the test clock's start
/// (2026-11-29 10:15:02 +08:00).
static TAKEN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let t = (T0 - time::Duration::seconds(38)).to_offset(time::macros::offset!(+8));
    t.format(time::macros::format_description!(
        "[year]:[month]:[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
});

/// The phone's clock when the photo was taken, and when its position fix was measured.
fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn at_shop(orientation: u16) -> CameraExif<'static> {
    CameraExif {
        lat: Some(SHOP.0),
        lon: Some(SHOP.1),
        taken: Some(TAKEN.as_str()),
        offset: Some("+08:00"),
        orientation,
        software: None,
    }
}

struct Upload<'a> {
    id: Uuid,
    inspection: Uuid,
    file: &'a [u8],
    filename: &'a str,
    device: Option<(f64, f64, f64)>,
    /// The original's EXIF block, as a phone that downscaled the photo sends it.
    exif: Option<&'a [u8]>,
    /// The original's SHA-256, as a phone that downscaled the photo sends it.
    original: Option<&'a str>,
}

async fn upload(app: &TestApp, cookie: &str, u: &Upload<'_>) -> Resp {
    let b = "----jieshui-photo-boundary";
    let mut body = Vec::new();
    let mut text = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    text("id", &u.id.to_string());
    text("inspection_id", &u.inspection.to_string());
    if let Some((lat, lon, acc)) = u.device {
        text("lat", &lat.to_string());
        text("lon", &lon.to_string());
        text("accuracy_m", &acc.to_string());
        text("captured_at", &rfc3339(T0 - time::Duration::seconds(30)));
        text("fix_at", &rfc3339(T0 - time::Duration::seconds(60)));
    }
    if let Some(h) = u.original {
        text("original_sha256", h);
    }
    if let Some(exif) = u.exif {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"exif\"; filename=\"exif.tiff\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(exif);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: image/jpeg\r\n\r\n", u.filename)
            .as_bytes(),
    );
    body.extend_from_slice(u.file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let req = Request::post("/api/photos")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

async fn start(app: &TestApp, cookie: &str) -> Uuid {
    start_check(app, cookie, &[]).await
}

fn json(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

async fn photo_count(app: &TestApp) -> usize {
    let root = app.state.config.data_dir.join("photos");
    let n = walk(&root);
    if n > 0 {
        eprintln!("files: {:?}", list(&root));
    }
    n
}

fn list(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(p)
        .map(|it| {
            it.filter_map(Result::ok)
                .flat_map(|e| {
                    if e.path().is_dir() {
                        list(&e.path())
                    } else {
                        vec![e.path()]
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn walk(p: &std::path::Path) -> usize {
    std::fs::read_dir(p)
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_photo_kept_on_the_phone_for_days_is_flagged_by_the_receipt_rule(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let send = |file: Vec<u8>| Upload {
        id: Uuid::now_v7(),
        inspection: insp,
        file: Box::leak(file.into_boxed_slice()),
        filename: "IMG.jpg",
        device: None,
        exif: None,
        original: None,
    };
    // Offline all day: 23 hours later it is still not flagged for its age.
    app.clock.advance(time::Duration::hours(23));
    // A day later the session has ended: the inspector signs in again.
    let inspector = app.login("inspector").await;
    let r = upload(&app, &inspector, &send(camera_jpeg(64, 48, &at_shop(1)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["flags"], serde_json::json!([]));
    // Two days after it was taken: flagged, with the gap.
    app.clock.advance(time::Duration::hours(25));
    let inspector = app.login("inspector").await;
    let r = upload(&app, &inspector, &send(camera_jpeg(64, 40, &at_shop(1)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let f = &json(&r)["flags"];
    assert_eq!(f[0]["flag"], "exif_time_far_from_receipt", "{f}");
    assert_eq!(f[0]["skew_secs"], 48 * 3600 + 38);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_camera_photo_is_stored_with_its_facts_and_served_back(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let jpeg = camera_jpeg(640, 480, &at_shop(1));
    let up = Upload {
        id: Uuid::now_v7(),
        inspection: insp,
        file: &jpeg,
        filename: "IMG_0001.jpg",
        device: Some((SHOP.0, SHOP.1, 8.0)),
        exif: None,
        original: None,
    };
    let r = upload(&app, &inspector, &up).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = json(&r);
    assert_eq!(v["bytes"], jpeg.len());
    assert_eq!(
        (v["width"].as_i64(), v["height"].as_i64()),
        (Some(640), Some(480))
    );
    assert_eq!(v["exif"]["taken_at"], "2026-11-29T02:15:02Z");
    assert_eq!(v["exif"]["make"], "HUAWEI");
    assert_eq!(v["device"]["captured_at"], "2026-11-29T02:15:10Z");
    assert_eq!(v["device"]["fix_at"], "2026-11-29T02:14:40Z");
    assert!((v["exif"]["lat"].as_f64().unwrap_or_default() - SHOP.0).abs() < 1e-6);
    assert_eq!(
        v["flags"],
        serde_json::json!([]),
        "a clean photo at the shop has no flags"
    );
    let sha = v["sha256"].as_str().unwrap_or_default().to_string();
    assert_eq!(sha.len(), 64);

    // The same upload again (a retry after a dropped connection): 200 and the same record.
    let again = upload(&app, &inspector, &up).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(json(&again)["sha256"], sha);
    // The same id with other bytes: refused.
    let other = camera_jpeg(64, 48, &at_shop(1));
    let r = upload(&app, &inspector, &Upload { file: &other, ..up }).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(json(&r)["error"]
        .as_str()
        .unwrap_or_default()
        .contains("照片编号"));

    // Served back byte for byte, to the inspector and to a supervisor.
    let id = up.id;
    for who in [&inspector, &app.login("supervisor").await] {
        let o = app
            .get(&format!("/api/photos/{id}/original"), Some(who))
            .await;
        assert_eq!(o.status, StatusCode::OK);
        assert_eq!(o.headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(o.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let cache = o.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap_or_default();
        // Kept by the phone's own cache only, never by a shared one.
        assert!(
            cache.contains("immutable") && cache.starts_with("private"),
            "{cache}"
        );
    }
    let req = Request::get(format!("/api/photos/{id}/original"))
        .header(header::COOKIE, &inspector)
        .body(Body::empty())
        .expect("req");
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .expect("router");
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(bytes.as_ref(), jpeg.as_slice());
    let t = app
        .get(&format!("/api/photos/{id}/thumb/320"), Some(&inspector))
        .await;
    assert_eq!(t.status, StatusCode::OK);
    // A thumbnail lost or cut short by a crash (they are written without fsync) is made again.
    let thumb_file = app
        .state
        .config
        .data_dir
        .join("photos/thumbs")
        .join(format!("{sha}-1280.jpg"));
    let good = std::fs::read(&thumb_file).expect("1280 thumbnail stored");
    std::fs::write(&thumb_file, &good[..good.len() / 2]).expect("cut short");
    let req = Request::get(format!("/api/photos/{id}/thumb/1280"))
        .header(header::COOKIE, &inspector)
        .body(Body::empty())
        .expect("req");
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .expect("router");
    assert_eq!(resp.status(), StatusCode::OK);
    let served = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(served.as_ref(), good.as_slice());
    assert_eq!(std::fs::read(&thumb_file).expect("remade"), good);
    std::fs::remove_file(&thumb_file).expect("lost");
    let t = app
        .get(&format!("/api/photos/{id}/thumb/1280"), Some(&inspector))
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(std::fs::read(&thumb_file).expect("remade"), good);
    assert_eq!(
        app.get(&format!("/api/photos/{id}/thumb/999"), Some(&inspector))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Nobody else sees it.
    assert_eq!(
        app.get(&format!("/api/photos/{id}/original"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_files_are_refused_in_the_users_language_and_store_nothing(pool: SqlitePool) {
    let app = app_with(pool, |c| c.photo_max_bytes = 15 * 1024 * 1024).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let jpeg = camera_jpeg(320, 240, &at_shop(1));
    let png_bomb = jieshui_server::evidence::analyze::fixture::png_header(30_000, 30_000);
    let big = {
        let mut b = jpeg.clone();
        b.resize(16 * 1024 * 1024, 0);
        b
    };
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "notes.jpg",
            b"this is a text file, not a photo".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不是照片文件",
        ),
        (
            "empty.jpg",
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "照片文件是空的",
        ),
        (
            "half.jpg",
            jpeg[..jpeg.len() / 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "照片已损坏",
        ),
        (
            "bomb.png",
            png_bomb,
            StatusCode::UNPROCESSABLE_ENTITY,
            "像素过大",
        ),
        ("huge.jpg", big, StatusCode::PAYLOAD_TOO_LARGE, "过大"),
    ];
    for (name, bytes, status, text) in cases {
        let r = upload(
            &app,
            &inspector,
            &Upload {
                id: Uuid::now_v7(),
                inspection: insp,
                file: &bytes,
                filename: name,
                device: None,
                exif: None,
                original: None,
            },
        )
        .await;
        assert_eq!(r.status, status, "{name}: {}", r.body);
        assert!(
            json(&r)["error"]
                .as_str()
                .unwrap_or_default()
                .contains(text),
            "{name}: {}",
            r.body
        );
    }
    assert_eq!(photo_count(&app).await, 0, "no file left behind");
    assert!(
        app.store.photo_hashes().await.expect("db").is_empty(),
        "no row written"
    );
    // English when the user chose English.
    let cookie = format!("{inspector}; lang=en");
    let r = upload(
        &app,
        &cookie,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: b"text",
            filename: "a.jpg",
            device: None,
            exif: None,
            original: None,
        },
    )
    .await;
    assert!(json(&r)["error"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Not a photo"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn flags_tell_the_supervisor_what_to_look_at(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    // Taken about 2 km north of the shop, edited, with a poor fix.
    let far = CameraExif {
        lat: Some(36.4783),
        software: Some("Adobe Photoshop 25.1"),
        ..at_shop(1)
    };
    let jpeg = camera_jpeg(200, 150, &far);
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: &jpeg,
            filename: "x.jpg",
            device: Some((36.4783, SHOP.1, 250.0)),
            exif: None,
            original: None,
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let flags = json(&r)["flags"].clone();
    let names: Vec<&str> = flags
        .as_array()
        .expect("flags")
        .iter()
        .filter_map(|f| f["flag"].as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "poor_accuracy",
            "device_far_from_site",
            "exif_far_from_site",
            "edited_with"
        ],
        "{flags}"
    );
    let d = flags[1]["distance_m"].as_f64().unwrap_or_default();
    assert!((1950.0..2050.0).contains(&d), "distance shown: {d}");
    // The same picture in a second inspection is flagged as reused.
    let insp2 = start(&app, &inspector).await;
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp2,
            file: &jpeg,
            filename: "x.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: None,
            original: None,
        },
    )
    .await;
    assert!(
        json(&r)["flags"]
            .to_string()
            .contains("duplicate_elsewhere"),
        "{}",
        r.body
    );
    // No position anywhere.
    let bare = camera_jpeg(
        100,
        100,
        &CameraExif {
            lat: None,
            lon: None,
            ..at_shop(1)
        },
    );
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: &bare,
            filename: "y.jpg",
            device: None,
            exif: None,
            original: None,
        },
    )
    .await;
    assert!(
        json(&r)["flags"].to_string().contains("no_position"),
        "{}",
        r.body
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_downscaled_photo_keeps_the_originals_exif_facts_sent_by_the_phone(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    // The original: taken about 2 km north of the shop. The phone re-encodes it (no EXIF left) and
    // sends the EXIF block it cut out of the original alongside.
    let original = camera_jpeg(
        400,
        300,
        &CameraExif {
            lat: Some(36.4783),
            ..at_shop(6)
        },
    );
    let block = &original[jieshui_app::domain::evidence::exif_block(&original).expect("EXIF")];
    let reencoded = plain_jpeg(160, 120);
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: &reencoded,
            filename: "IMG_0001.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: Some(block),
            original: None,
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = json(&r);
    assert_eq!(j["exif"]["from_phone"], true, "{j}");
    assert!((j["exif"]["lat"].as_f64().unwrap_or_default() - 36.4783).abs() < 1e-6);
    assert_eq!(j["exif"]["model"], "Mate 60");
    assert_eq!(j["exif"]["orientation"], 6);
    // The stored pixels are the re-encode's, already upright.
    assert_eq!(
        (j["width"].as_i64(), j["height"].as_i64()),
        (Some(160), Some(120))
    );
    let names = j["flags"].to_string();
    assert!(
        names.contains("exif_far_from_site") && names.contains("exif_device_disagree"),
        "{names}"
    );
    // The viewer says where those facts came from.
    let id = j["id"].as_str().unwrap_or_default().to_string();
    let page = app.get(&format!("/photos/{id}"), Some(&inspector)).await;
    assert!(
        page.body.contains("由手机在压缩前从原图读取"),
        "{}",
        page.body
    );

    // A file with EXIF of its own keeps its own facts; the block sent along is not used.
    let at_shop_jpeg = camera_jpeg(160, 120, &at_shop(1));
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: &at_shop_jpeg,
            filename: "b.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: Some(block),
            original: None,
        },
    )
    .await;
    let j = json(&r);
    assert_eq!(j["exif"]["from_phone"], false, "{j}");
    assert!((j["exif"]["lat"].as_f64().unwrap_or_default() - SHOP.0).abs() < 1e-6);

    // An EXIF block larger than any JPEG segment is refused, and nothing is stored.
    let before = photo_count(&app).await;
    let huge = vec![0u8; 70_000];
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: &at_shop_jpeg,
            filename: "c.jpg",
            device: None,
            exif: Some(&huge),
            original: None,
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(photo_count(&app).await, before);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn flags_follow_a_moved_site_and_a_picture_reused_later(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let inspector = app.login("inspector").await;
    let supervisor = app.login("supervisor").await;
    let mut site = vec![
        ("kind", "community"),
        ("name", "新城小区"),
        ("district", "371502"),
        ("coord_system", "wgs84"),
        ("lat", "36.4603"),
        ("lon", "115.9706"),
        ("households", "640"),
        ("external_code", "C901"),
    ];
    let r = app.post_form("/admin/sites/new", Some(&admin), &site).await;
    let site_id = r
        .location()
        .trim_start_matches("/admin/sites/")
        .trim_end_matches("?saved=1")
        .to_string();
    let insp = Uuid::now_v7();
    let r = app
        .post_form(
            "/api/inspections",
            Some(&inspector),
            &[("id", &insp.to_string()), ("site_id", &site_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let jpeg = camera_jpeg(160, 120, &at_shop(1));
    let first = Uuid::now_v7();
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: first,
            inspection: insp,
            file: &jpeg,
            filename: "a.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: None,
            original: None,
        },
    )
    .await;
    assert_eq!(json(&r)["flags"], serde_json::json!([]), "{}", r.body);
    let path = format!("/photos/{first}");
    assert!(!app
        .get(&path, Some(&supervisor))
        .await
        .body
        .contains("不在网点范围内"));

    // The site was registered at the wrong place; the admin moves it about 2 km north.
    site[4] = ("lat", "36.4783");
    let r = app
        .post_form(&format!("/admin/sites/{site_id}/edit"), Some(&admin), &site)
        .await;
    assert!(r.location().ends_with("?saved=1"), "{}", r.location());
    let page = app.get(&path, Some(&supervisor)).await.body;
    assert!(page.contains("拍摄时手机不在网点范围内"), "{page}");

    // Moved back: the flag goes away again.
    site[4] = ("lat", "36.4603");
    app.post_form(&format!("/admin/sites/{site_id}/edit"), Some(&admin), &site)
        .await;
    assert!(!app
        .get(&path, Some(&supervisor))
        .await
        .body
        .contains("不在网点范围内"));

    // The same picture used in a later inspection flags the first copy as well as the new one.
    let insp2 = start(&app, &inspector).await;
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp2,
            file: &jpeg,
            filename: "a.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: None,
            original: None,
        },
    )
    .await;
    assert!(json(&r)["flags"]
        .to_string()
        .contains("duplicate_elsewhere"));
    assert!(app
        .get(&path, Some(&supervisor))
        .await
        .body
        .contains("同一张照片已用于其他检查"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_same_original_downscaled_by_two_phones_is_recognised_as_reused(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let original = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    // Two re-encodes of one original: different bytes, the same original hash.
    let (a, b) = (plain_jpeg(160, 120), plain_jpeg(161, 120));
    let (insp1, insp2) = (start(&app, &inspector).await, start(&app, &inspector).await);
    let first = Uuid::now_v7();
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: first,
            inspection: insp1,
            file: &a,
            filename: "a.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: None,
            original: Some(original),
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["original_sha256"], original);
    assert!(!json(&r)["flags"].to_string().contains("duplicate"));
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp2,
            file: &b,
            filename: "b.jpg",
            device: Some((SHOP.0, SHOP.1, 5.0)),
            exif: None,
            original: Some(&original.to_uppercase()),
        },
    )
    .await;
    assert!(
        json(&r)["flags"]
            .to_string()
            .contains("duplicate_elsewhere"),
        "{}",
        r.body
    );
    let page = app.get(&format!("/photos/{first}"), Some(&inspector)).await;
    assert!(
        page.body.contains("同一张照片已用于其他检查"),
        "{}",
        page.body
    );
    assert!(page.body.contains(original) && page.body.contains("原图 SHA-256"));

    // A hash that is not one is refused, and nothing is stored.
    let before = photo_count(&app).await;
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp2,
            file: &plain_jpeg(162, 120),
            filename: "c.jpg",
            device: None,
            exif: None,
            original: Some("not-a-hash"),
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(photo_count(&app).await, before);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn flags_follow_thresholds_changed_between_restarts(pool: SqlitePool) {
    use jieshui_app::domain::evidence::FlagPolicy;
    use jieshui_server::db::ReflagScope;
    use jieshui_server::evidence::reflag::reflag;
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let id = Uuid::now_v7();
    let jpeg = camera_jpeg(160, 120, &at_shop(1));
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id,
            inspection: insp,
            file: &jpeg,
            filename: "a.jpg",
            device: Some((SHOP.0, SHOP.1, 150.0)),
            exif: None,
            original: None,
        },
    )
    .await;
    assert!(json(&r)["flags"].to_string().contains("poor_accuracy"));
    let path = format!("/photos/{id}");
    assert!(app
        .get(&path, Some(&inspector))
        .await
        .body
        .contains("手机定位精度差"));
    // What start-up does with a looser accuracy threshold; a second run finds nothing to change.
    let looser = FlagPolicy {
        max_accuracy_m: 200.0,
        ..FlagPolicy::default()
    };
    let changed = reflag(&*app.store, &looser, &Default::default(), &ReflagScope::All)
        .await
        .expect("reflag");
    assert_eq!(changed, 1);
    assert!(!app
        .get(&path, Some(&inspector))
        .await
        .body
        .contains("手机定位精度差"));
    assert_eq!(
        reflag(&*app.store, &looser, &Default::default(), &ReflagScope::All)
            .await
            .expect("reflag"),
        0
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn orientations_and_time_zones_from_real_cameras(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    for o in 1..=8u16 {
        let jpeg = camera_jpeg(120, 80, &at_shop(o));
        let r = upload(
            &app,
            &inspector,
            &Upload {
                id: Uuid::now_v7(),
                inspection: insp,
                file: &jpeg,
                filename: "o.jpg",
                device: Some((SHOP.0, SHOP.1, 5.0)),
                exif: None,
                original: None,
            },
        )
        .await;
        let v = json(&r);
        let want = if o >= 5 { (80, 120) } else { (120, 80) };
        assert_eq!(
            (v["width"].as_i64(), v["height"].as_i64()),
            (Some(want.0), Some(want.1)),
            "orientation {o}"
        );
        assert_eq!(v["exif"]["orientation"], o);
    }
    let no_tz = camera_jpeg(
        50,
        50,
        &CameraExif {
            offset: None,
            ..at_shop(1)
        },
    );
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id: Uuid::now_v7(),
            inspection: insp,
            file: &no_tz,
            filename: "t.jpg",
            device: None,
            exif: None,
            original: None,
        },
    )
    .await;
    let v = json(&r);
    assert_eq!(v["exif"]["offset_assumed"], true);
    assert_eq!(v["exif"]["taken_at"], "2026-11-29T02:15:02Z");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_the_inspector_of_an_inspection_adds_to_it(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let jpeg = camera_jpeg(50, 50, &at_shop(1));
    let up = Upload {
        id: Uuid::now_v7(),
        inspection: insp,
        file: &jpeg,
        filename: "a.jpg",
        device: None,
        exif: None,
        original: None,
    };
    assert_eq!(
        upload(&app, "x=y", &up).await.status,
        StatusCode::UNAUTHORIZED
    );
    for who in ["supervisor", "admin"] {
        let c = app.login(who).await;
        assert_eq!(
            upload(&app, &c, &up).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let unknown = Upload {
        inspection: Uuid::now_v7(),
        ..up
    };
    assert_eq!(
        upload(&app, &inspector, &unknown).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(photo_count(&app).await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_viewer_explains_the_facts_and_flags(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let far = CameraExif {
        lat: Some(36.4783),
        ..at_shop(6)
    };
    let jpeg = camera_jpeg(300, 200, &far);
    let id = Uuid::now_v7();
    let r = upload(
        &app,
        &inspector,
        &Upload {
            id,
            inspection: insp,
            file: &jpeg,
            filename: "far.jpg",
            device: Some((36.4783, SHOP.1, 10.0)),
            exif: None,
            original: None,
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let sha = json(&r)["sha256"].as_str().unwrap_or_default().to_string();
    for who in [
        inspector.clone(),
        app.login("supervisor").await,
        app.login("admin").await,
    ] {
        let page = app.get(&format!("/photos/{id}"), Some(&who)).await;
        assert_eq!(page.status, StatusCode::OK);
        for text in [
            "拍摄时手机不在网点范围内",
            "2.0 公里",
            "2026-11-29 10:15:02",
            "HUAWEI Mate 60",
            "恒洁卫浴（金柱店）",
            // Phone clock and fix time, in China time.
            "2026-11-29 10:15:10",
            "定位时间",
            "2026-11-29 10:14:40",
            sha.as_str(),
        ] {
            assert!(page.body.contains(text), "{text} missing");
        }
    }
    let r = app
        .post_form(
            "/api/get_photo",
            Some(&inspector),
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let anon = app.get(&format!("/photos/{id}"), None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    let missing = app
        .get(&format!("/photos/{}", Uuid::now_v7()), Some(&inspector))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_picker_opens_the_camera_unless_the_gallery_is_allowed(pool: SqlitePool) {
    for (allow, camera) in [(false, true), (true, false)] {
        let app = app_with(pool.clone(), |c| c.capture.allow_gallery = allow).await;
        let inspector = app.login("inspector").await;
        let insp = start(&app, &inspector).await;
        let page = app.get(&format!("/checks/{insp}"), Some(&inspector)).await;
        assert_eq!(page.status, StatusCode::OK);
        // The page's script draws the picker from the settings the page hands it: the camera
        // (`capture="environment"`) unless the gallery is allowed.
        let data = page.page_data();
        assert_eq!(
            data["settings"]["allow_gallery"],
            serde_json::json!(!camera),
            "allow_gallery={allow}"
        );
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_closed_site_takes_no_new_inspection_but_a_started_one_still_opens(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let admin = app.login("admin").await;
    let begun = start(&app, &inspector).await;
    let site = app.store.active_sites(None, "恒洁卫浴").await.expect("db")[0].id;
    let r = app
        .post_form(&format!("/admin/sites/{site}/close"), Some(&admin), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // From the API: 409 with the reason, nothing stored.
    let fresh = Uuid::now_v7().to_string();
    let form = [("id", fresh.as_str()), ("site_id", &site.to_string())];
    let r = app
        .post_form("/api/inspections", Some(&inspector), &form)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(json(&r)["error"], "该网点已停业，不能再开始新的检查。");
    // From the "nearest to me" form: a page that says so, not JSON.
    let r = app
        .post_form("/checks/start", Some(&inspector), &form)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.starts_with("<!DOCTYPE html>"), "{}", r.body);
    assert!(
        r.body.contains("未能开始检查") && r.body.contains("该网点已停业"),
        "{}",
        r.body
    );
    assert!(app
        .store
        .inspection(Uuid::parse_str(&fresh).expect("uuid"))
        .await
        .expect("db")
        .is_none());

    // The check begun before the site closed: its retry still opens it.
    let begun_s = begun.to_string();
    let r = app
        .post_form(
            "/checks/start",
            Some(&inspector),
            &[("id", begun_s.as_str()), ("site_id", &site.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/checks/{begun}"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn hostile_upload_shapes_are_refused_and_leave_no_file(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await.to_string();
    let jpeg = camera_jpeg(40, 30, &at_shop(1));
    let id = Uuid::now_v7().to_string();
    let long = "9".repeat(64 * 1024);
    let cases: Vec<(&str, Vec<Part<'_>>, StatusCode)> = vec![
        (
            "two files",
            vec![
                ("id", None, id.as_bytes()),
                ("inspection_id", None, insp.as_bytes()),
                ("file", Some("a.jpg"), &jpeg),
                ("file", Some("b.jpg"), &jpeg),
            ],
            StatusCode::BAD_REQUEST,
        ),
        (
            "a 64 KB text field",
            vec![
                ("id", None, id.as_bytes()),
                ("inspection_id", None, insp.as_bytes()),
                ("file", Some("a.jpg"), &jpeg),
                ("lat", None, long.as_bytes()),
            ],
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, parts, status) in cases {
        let r = upload_parts(&app, &inspector, &parts).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert_eq!(json(&r)["code"], "PhotoBadField", "{what}");
        assert_eq!(photo_count(&app).await, 0, "{what}: a file was left behind");
    }
    // Twelve bytes of HEIF header in front of something else: not stored as a HEIC photo.
    let mut fake = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    fake.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let r = upload_parts(
        &app,
        &inspector,
        &[
            ("id", None, id.as_bytes()),
            ("inspection_id", None, insp.as_bytes()),
            ("file", Some("a.heic"), &fake),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(photo_count(&app).await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_retry_into_another_inspection_is_a_conflict_not_the_other_photo(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let first = start(&app, &inspector).await;
    let second = start(&app, &inspector).await;
    let jpeg = camera_jpeg(40, 30, &at_shop(1));
    let up = Upload {
        id: Uuid::now_v7(),
        inspection: first,
        file: &jpeg,
        filename: "a.jpg",
        device: None,
        exif: None,
        original: None,
    };
    assert_eq!(
        upload(&app, &inspector, &up).await.status,
        StatusCode::CREATED
    );
    // The true retry still answers the stored record.
    assert_eq!(upload(&app, &inspector, &up).await.status, StatusCode::OK);
    let other = Upload {
        inspection: second,
        ..up
    };
    let r = upload(&app, &inspector, &other).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(json(&r)["code"], "PhotoIdTaken");
    let stored = app.store.photo(up.id).await.expect("db").expect("kept");
    assert_eq!(stored.inspection_id, first);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_second_inspector_cannot_see_add_to_or_retry_into_anothers_inspection(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    app.create_user(&admin, "zhao.liu", "赵六", "inspector")
        .await;
    let first = app.login("inspector").await;
    let second = app.login("zhao.liu").await;
    let insp = start(&app, &first).await;
    let jpeg = camera_jpeg(40, 30, &at_shop(1));
    let up = Upload {
        id: Uuid::now_v7(),
        inspection: insp,
        file: &jpeg,
        filename: "a.jpg",
        device: None,
        exif: None,
        original: None,
    };
    assert_eq!(upload(&app, &first, &up).await.status, StatusCode::CREATED);

    // Not seen: the page, the server function, the photo and its files all answer as if absent.
    let page = app.get(&format!("/checks/{insp}"), Some(&second)).await;
    assert!(!page.body.contains("恒洁卫浴"), "{}", page.body);
    for path in [
        format!("/api/photos/{}", up.id),
        format!("/api/photos/{}/original", up.id),
        format!("/api/photos/{}/thumb/320", up.id),
    ] {
        let r = app.get(&path, Some(&second)).await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
            "{path}: {}",
            r.status
        );
    }
    let r = app
        .post_form(
            "/api/get_inspection",
            Some(&second),
            &[("id", &insp.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Not added to: a new photo into the other's inspection, or a retry of theirs.
    let other_photo = Upload {
        id: Uuid::now_v7(),
        ..up
    };
    assert_eq!(
        upload(&app, &second, &other_photo).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&app, &second, &up).await.status,
        StatusCode::FORBIDDEN
    );
    // Nor taken over by starting "their own" inspection with the other's id.
    let site = app.store.active_sites(None, "恒洁卫浴").await.expect("db")[0].id;
    let r = app
        .post_form(
            "/api/inspections",
            Some(&second),
            &[("id", &insp.to_string()), ("site_id", &site.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        app.store.inspection_photos(insp).await.expect("db").len(),
        1,
        "only the first inspector's photo"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_same_picture_uploaded_twice_at_once_is_flagged_on_both(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let (one, two) = (start(&app, &inspector).await, start(&app, &inspector).await);
    let jpeg = camera_jpeg(48, 36, &at_shop(1));
    let up = |inspection| Upload {
        id: Uuid::now_v7(),
        inspection,
        file: &jpeg,
        filename: "same.jpg",
        device: None,
        exif: None,
        original: None,
    };
    let (a, b) = (up(one), up(two));
    let (ra, rb) = tokio::join!(upload(&app, &inspector, &a), upload(&app, &inspector, &b));
    assert_eq!(
        (ra.status, rb.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    for id in [a.id, b.id] {
        let stored = app.store.photo(id).await.expect("db").expect("kept");
        assert!(
            stored.flags.to_string().contains("duplicate_elsewhere"),
            "{id}: {}",
            stored.flags
        );
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_import_that_moves_a_site_flags_its_photos_after_answering(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let admin = app.login("admin").await;
    let insp = start(&app, &inspector).await;
    let jpeg = camera_jpeg(40, 30, &at_shop(1));
    let up = Upload {
        id: Uuid::now_v7(),
        inspection: insp,
        file: &jpeg,
        filename: "a.jpg",
        device: None,
        exif: None,
        original: None,
    };
    let r = upload(&app, &inspector, &up).await;
    assert!(!r.body.contains("exif_far_from_site"), "{}", r.body);

    // The spreadsheet puts the shop 2 km north.
    let csv = "类型,外部编码,名称,地址,区县,纬度,经度,坐标系,围栏半径(米),统一社会信用代码,户数,年用水量(立方米),单位类型,所属市场编码\r\n\
               门店,S001,恒洁卫浴（金柱店）,东昌府区东昌路 190 号,东昌府区,36.4783,115.9706,,,,,,,\r\n";
    let b = "----jieshui-import";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    let req = Request::post("/admin/sites/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .header(header::COOKIE, &admin)
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = app
        .post_form(&format!("{}/commit", r.location()), Some(&admin), &[])
        .await;
    assert_eq!(c.status, StatusCode::SEE_OTHER);
    // The flags follow shortly after the answer.
    let mut flags = String::new();
    for _ in 0..50 {
        flags = app
            .store
            .photo(up.id)
            .await
            .expect("db")
            .expect("kept")
            .flags
            .to_string();
        if flags.contains("exif_far_from_site") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(flags.contains("exif_far_from_site"), "{flags}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn editing_apps_and_the_exif_offset_are_administered_rules(pool: SqlitePool) {
    use jieshui_app::domain::fixture::Day;
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    let insp = start(&app, &inspector).await;
    let edited = || CameraExif {
        software: Some("MyEditor 2.1"),
        ..at_shop(1)
    };
    let no_offset = || CameraExif {
        offset: None,
        ..at_shop(1)
    };
    let send = |e: CameraExif<'static>, w: u32| {
        let app = &app;
        let inspector = inspector.clone();
        async move {
            let jpeg = camera_jpeg(w, 48, &e);
            let r = upload(
                app,
                &inspector,
                &Upload {
                    id: Uuid::now_v7(),
                    inspection: insp,
                    file: &jpeg,
                    filename: "p.jpg",
                    device: Some((SHOP.0, SHOP.1, 8.0)),
                    exif: None,
                    original: None,
                },
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let flags: Vec<String> = json(&r)["flags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f["flag"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            flags
        }
    };
    // The first version: an unknown app is no editor, a time without offset is China time.
    assert_eq!(send(edited(), 64).await, Vec::<String>::new());
    assert_eq!(send(no_offset(), 65).await, Vec::<String>::new());
    // A version naming the app and another offset, in force today.
    add_rules_version(&app, Day(20_261_129), |v2| {
        v2.evidence.editing_apps.push("myeditor".into());
        v2.evidence.exif_offset_minutes = 7 * 60;
    })
    .await;
    assert_eq!(send(edited(), 66).await, vec!["edited_with".to_string()]);
    // 10:15:02 at +07:00 is an hour after the phone's capture time and after the server received
    // it: the clocks disagree.
    assert_eq!(
        send(no_offset(), 67).await,
        vec![
            "exif_time_far_from_capture".to_string(),
            "exif_time_far_from_receipt".to_string()
        ]
    );
}
