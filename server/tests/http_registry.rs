//! The site registry through the real router: a 2,000-row GBK import full of mistakes, the fixed
//! file, a repeat import; titles, statistics, templates and "nearest to me".

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use sqlx::SqlitePool;
use std::collections::BTreeSet;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const HEADER: &str = "类型,外部编码,名称,地址,区县,纬度,经度,坐标系,围栏半径(米),统一社会信用代码,户数,年用水量(立方米),单位类型,所属市场编码";

/// A clean row for index `i`: a mix of every kind, spread around Liaocheng.
fn good_row(i: usize) -> Vec<String> {
    let lat = 36.40 + (i % 100) as f64 * 0.001;
    let lon = 115.90 + (i / 100) as f64 * 0.004;
    let (kind, households, water, unit_type, parent) = match i % 5 {
        0 => ("销售网点", "", "", "", ""),
        1 => ("门店", "", "", "", "V0000"),
        2 => ("居民小区", "1200", "", "", ""),
        3 => ("单位", "", "52000", "学校", ""),
        _ => ("企业", "", "310000.5", "", ""),
    };
    let prefix = match i % 5 {
        0 => "V",
        1 => "S",
        2 => "C",
        3 => "U",
        _ => "E",
    };
    vec![
        kind.into(),
        format!("{prefix}{i:04}"),
        format!("测试网点{i}"),
        format!("东昌府区测试路{i}号"),
        if i.is_multiple_of(2) {
            "东昌府区".into()
        } else {
            "371571".into()
        },
        format!("{lat:.6}"),
        format!("{lon:.6}"),
        if i.is_multiple_of(3) {
            "GCJ02".into()
        } else {
            String::new()
        },
        String::new(),
        if i.is_multiple_of(7) {
            "91350100M000100Y43".into()
        } else {
            String::new()
        },
        households.into(),
        water.into(),
        unit_type.into(),
        parent.into(),
    ]
}

fn to_gbk_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    text.push_str("\r\n");
    for r in rows {
        text.push_str(&r.join(","));
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn multipart(filename: &str, bytes: &[u8], default_kind: &str) -> (String, Vec<u8>) {
    let boundary = "----jieshui-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"default_kind\"\r\n\r\n{default_kind}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, cookie: &str, filename: &str, bytes: &[u8]) -> Resp {
    let (ct, body) = multipart(filename, bytes, "");
    let req = Request::post("/admin/sites/import")
        .header(header::CONTENT_TYPE, ct)
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

async fn batch_json(app: &TestApp, cookie: &str, location: &str) -> serde_json::Value {
    let id = location.rsplit('/').next().unwrap_or_default();
    let r = app
        .post_form("/api/import_batch", Some(cookie), &[("id", id)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("json")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_bad_gbk_file_is_refused_whole_then_the_fixed_file_imports_once(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let before = app.store.count_sites().await.expect("db");

    let mut rows: Vec<Vec<String>> = (0..2000).map(good_row).collect();
    // (0-based data index, column header, expected message) — a dozen kinds of mistake.
    let mut expect: Vec<(usize, &str, &str)> = Vec::new();
    let mut spoil = |i: usize, col: usize, value: &str, header: &'static str, msg: &'static str| {
        rows[i][col] = value.to_string();
        expect.push((i, header, msg));
    };
    spoil(10, 5, "36.4x", "纬度", "LatInvalid");
    spoil(21, 5, "95", "纬度", "LatInvalid");
    spoil(32, 6, "200", "经度", "LonInvalid");
    spoil(43, 4, "幸福区", "区县", "DistrictUnknown");
    spoil(57, 1, "C0052", "外部编码", "ExternalCodeDuplicate");
    spoil(62, 10, "", "户数", "HouseholdsRequired");
    spoil(77, 10, "-3", "户数", "HouseholdsInvalid");
    spoil(
        90,
        9,
        "91350100M000100Y44",
        "统一社会信用代码",
        "CreditCodeInvalid",
    );
    spoil(101, 0, "仓库", "类型", "SiteKindUnknown");
    spoil(118, 12, "城堡", "单位类型", "UnitTypeUnknown");
    spoil(120, 2, "", "名称", "SiteNameRequired");
    spoil(135, 8, "0", "围栏半径(米)", "GeofenceInvalid");
    spoil(150, 7, "墨卡托", "坐标系", "CoordSystemUnknown");
    spoil(1501, 13, "V9999", "所属市场编码", "ParentUnknown");
    spoil(1602, 11, "很多", "年用水量(立方米)", "WaterUseInvalid");
    spoil(1703, 11, "", "年用水量(立方米)", "WaterUseRequired");

    let bad = to_gbk_csv(&rows);
    let r = upload(&app, &admin, "网点.csv", &bad).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location(), Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("未导入任何数据"),
        "the page says nothing was imported"
    );
    assert!(
        page.body.contains("区县不存在"),
        "problems are in the user's language"
    );

    let b = batch_json(&app, &admin, r.location()).await;
    assert_eq!(b["status"], "invalid");
    let got: BTreeSet<(u64, String, String)> = b["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap_or_default(),
                p["column"].as_str().unwrap_or_default().to_string(),
                p["msg"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    // Spreadsheet row numbers: the header is row 1, data index 0 is row 2.
    let want: BTreeSet<(u64, String, String)> = expect
        .iter()
        .map(|(i, c, m)| ((*i + 2) as u64, c.to_string(), m.to_string()))
        .collect();
    assert_eq!(got, want, "every mistake reported, and nothing else");
    assert_eq!(
        app.store.count_sites().await.expect("db"),
        before,
        "nothing written"
    );

    // The fixed file: previewed, then imported.
    let good: Vec<Vec<String>> = (0..2000).map(good_row).collect();
    let fixed = to_gbk_csv(&good);
    let r = upload(&app, &admin, "网点.csv", &fixed).await;
    let b = batch_json(&app, &admin, r.location()).await;
    assert_eq!(b["status"], "ready", "{b}");
    assert_eq!(b["new_count"], 2000);
    assert_eq!(
        app.store.count_sites().await.expect("db"),
        before,
        "a preview writes nothing"
    );
    let commit = format!("{}/commit", r.location());
    let c = app.post_form(&commit, Some(&admin), &[]).await;
    assert_eq!(c.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.count_sites().await.expect("db"), before + 2000);
    let done = app.get(r.location(), Some(&admin)).await;
    assert!(done.body.contains("导入完成"), "{}", done.body);
    // A double tap on "import" writes nothing more.
    app.post_form(&commit, Some(&admin), &[]).await;
    assert_eq!(app.store.count_sites().await.expect("db"), before + 2000);

    // The same file again updates by external code and never duplicates.
    let r = upload(&app, &admin, "网点.csv", &fixed).await;
    let b = batch_json(&app, &admin, r.location()).await;
    assert_eq!(
        (b["new_count"].as_i64(), b["update_count"].as_i64()),
        (Some(0), Some(2000))
    );
    app.post_form(&format!("{}/commit", r.location()), Some(&admin), &[])
        .await;
    assert_eq!(app.store.count_sites().await.expect("db"), before + 2000);

    // GCJ-02 rows were stored as WGS-84 (the typed position kept beside it), others as typed; and
    // shops point at their venue.
    use jieshui_app::domain::geo::{gcj02_to_wgs84, LatLon};
    // (GCJ-02 shifts positions here by a few hundred metres.)
    let site = |name: String| {
        let app = &app;
        async move {
            let found = app.store.active_sites(None, &name).await.expect("db");
            let s = found
                .into_iter()
                .find(|s| s.name == name)
                .expect("imported");
            app.store
                .site_detail(s.id)
                .await
                .expect("db")
                .expect("site")
        }
    };
    let typed = |i: usize| {
        let r = good_row(i);
        LatLon::new(r[5].parse().expect("lat"), r[6].parse().expect("lon"))
    };
    // Row 6: a shop in GCJ-02, in venue V0000 (row 0).
    let gcj = site("测试网点6".into()).await;
    let want = gcj02_to_wgs84(typed(6));
    let got = gcj.summary.position;
    assert!(
        (got.lat - want.lat).abs() < 1e-7 && (got.lon - want.lon).abs() < 1e-7,
        "{got:?} vs {want:?}"
    );
    let moved = jieshui_app::domain::geo::distance_m(got, typed(6));
    assert!(moved > 100.0, "the conversion moved it {moved} m");
    assert_eq!(gcj.source_position, Some(typed(6)));
    assert_eq!(gcj.parent.map(|p| p.1).as_deref(), Some("测试网点0"));
    assert_eq!(gcj.parent_code.as_deref(), Some("V0000"));
    // Row 1: a shop in WGS-84, stored as typed.
    let wgs = site("测试网点1".into()).await;
    assert_eq!(wgs.summary.position, typed(1));
    assert_eq!(wgs.parent.map(|p| p.1).as_deref(), Some("测试网点0"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn unreadable_and_empty_files_are_explained(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    for (bytes, msg) in [
        (vec![0xffu8, 0xfe, 0x00, 0x81, 0xff, 0x00], "FileUnreadable"),
        (HEADER.as_bytes().to_vec(), "FileEmpty"),
        (b"name,district\nx,y\n".to_vec(), "ColumnMissing"),
    ] {
        let r = upload(&app, &admin, "x.csv", &bytes).await;
        let b = batch_json(&app, &admin, r.location()).await;
        assert_eq!(b["status"], "invalid");
        assert!(b["problems"].to_string().contains(msg), "{msg}: {b}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_admins_import(pool: SqlitePool) {
    let app = app(pool).await;
    let csv = to_gbk_csv(&[good_row(0)]);
    let r = upload(&app, "x=y", "a.csv", &csv).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for who in ["inspector", "supervisor"] {
        let cookie = app.login(who).await;
        let r = upload(&app, &cookie, "a.csv", &csv).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let r = app
            .get("/admin/sites/template.csv?kind=shop", Some(&cookie))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let before = app.store.count_sites().await.expect("db");
    assert_eq!(before, 12);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn templates_fit_their_kind(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let r = app
        .get("/admin/sites/template.csv?kind=community", Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/csv"));
    assert!(r.body.starts_with('\u{feff}'));
    assert!(
        r.body.contains("户数") && !r.body.contains("单位类型"),
        "{}",
        r.body
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn titles_and_closing_are_kept_on_the_site(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let list = app.store.active_sites(None, "水城明珠").await.expect("db");
    let id = list[0].id;
    let r = app
        .post_form(
            &format!("/admin/sites/{id}/titles"),
            Some(&admin),
            &[
                ("level", "provincial"),
                ("awarded_on", "2022-02-30"),
                ("document_no", "鲁建节〔2022〕5号"),
            ],
        )
        .await;
    assert!(
        r.location().contains("title_error=DateInvalid"),
        "{}",
        r.location()
    );
    let page = app.get(r.location(), Some(&admin)).await;
    assert!(page.body.contains("日期无效"));
    let r = app
        .post_form(
            &format!("/admin/sites/{id}/titles"),
            Some(&admin),
            &[
                ("level", "provincial"),
                ("awarded_on", "2022-06-30"),
                ("document_no", "鲁建节〔2022〕5号"),
            ],
        )
        .await;
    assert!(r.location().contains("title_added=1"));
    let page = app.get(&format!("/admin/sites/{id}"), Some(&admin)).await;
    assert!(
        page.body.contains("鲁建节〔2022〕5号") && page.body.contains("省级"),
        "{}",
        page.body
    );
    // Closing keeps the site and its title; it leaves the active list.
    app.post_form(&format!("/admin/sites/{id}/close"), Some(&admin), &[])
        .await;
    let d = app.store.site_detail(id).await.expect("db").expect("kept");
    assert!(!d.summary.active && d.closed_at.is_some() && d.titles.len() == 1);
    assert!(app
        .store
        .active_sites(None, "水城明珠")
        .await
        .expect("db")
        .is_empty());
    app.post_form(&format!("/admin/sites/{id}/reopen"), Some(&admin), &[])
        .await;
    assert_eq!(
        app.store
            .active_sites(None, "水城明珠")
            .await
            .expect("db")
            .len(),
        1
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn yearly_statistics_need_sources(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let r = app
        .post_form(
            "/admin/sites/stats",
            Some(&admin),
            &[("year", "2024"), ("urban_households", "412000")],
        )
        .await;
    assert!(
        r.location().contains("error=SourceRequired"),
        "{}",
        r.location()
    );
    let r = app
        .post_form(
            "/admin/sites/stats",
            Some(&admin),
            &[
                ("year", "2024"),
                ("urban_households", "412,000"),
                ("urban_households_source", "2024 年聊城统计年鉴"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/admin/sites/stats?saved=2024");
    let page = app.get("/admin/sites/stats", Some(&admin)).await;
    assert!(
        page.body.contains("412,000") && page.body.contains("2024 年聊城统计年鉴"),
        "{}",
        page.body
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn nearest_sites_come_first_for_an_inspector(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    // Standing at the door of 恒洁卫浴（金柱店）.
    let r = app
        .post_form(
            "/api/nearby_sites",
            Some(&inspector),
            &[("lat", "36.46031"), ("lon", "115.97061")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v[0]["site"]["name"], "恒洁卫浴（金柱店）");
    assert!(v[0]["distance_m"].as_f64().unwrap_or(1e9) < 10.0);
    let d: Vec<f64> = v
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["distance_m"].as_f64())
        .collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "sorted by distance");
    // Without a position: by name, no distances; and a kind filter and search work.
    let r = app
        .post_form(
            "/api/nearby_sites",
            Some(&inspector),
            &[("kind", "community"), ("q", "明珠")],
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert!(v[0]["distance_m"].is_null());
    let admin = app.login("admin").await;
    let r = app.post_form("/api/nearby_sites", Some(&admin), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_site_is_created_and_edited_through_the_form(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    // Everything wrong at once comes back marked, with what was typed.
    let bad = [
        ("kind", "community"),
        ("name", "新城小区"),
        ("district", "371502"),
        ("coord_system", "bd09"),
        ("lat", "36.4x"),
        ("lon", "116.0"),
        ("households", ""),
        ("parent_code", "V404"),
    ];
    let r = app.post_form("/admin/sites/new", Some(&admin), &bad).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let loc = r.location().to_string();
    assert!(loc.starts_with("/admin/sites/new?"), "{loc}");
    let page = app.get(&loc, Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "纬度无效",
        "居民小区必须填写户数",
        "只有门店可以填写所属市场",
        "value=\"新城小区\"",
    ] {
        assert!(page.body.contains(text), "{text} missing");
    }
    let before = app.store.count_sites().await.expect("db");
    // Fixed: a community typed from Baidu maps is stored in WGS-84, the typed position kept.
    let good = [
        ("kind", "community"),
        ("name", "新城小区"),
        ("district", "371502"),
        ("coord_system", "bd09"),
        ("lat", "36.4612"),
        ("lon", "115.9921"),
        ("households", "640"),
        ("external_code", "C900"),
    ];
    let r = app.post_form("/admin/sites/new", Some(&admin), &good).await;
    assert!(r.location().ends_with("?saved=1"), "{}", r.location());
    assert_eq!(app.store.count_sites().await.expect("db"), before + 1);
    let id: uuid::Uuid = r
        .location()
        .trim_start_matches("/admin/sites/")
        .trim_end_matches("?saved=1")
        .parse()
        .expect("id");
    let d = app.store.site_detail(id).await.expect("db").expect("saved");
    let shift = jieshui_app::domain::geo::distance_m(
        d.summary.position,
        d.source_position.expect("typed kept"),
    );
    assert!(shift > 500.0, "BD-09 converted ({shift} m)");
    // The same code again is refused, not duplicated.
    let r = app.post_form("/admin/sites/new", Some(&admin), &good).await;
    assert!(
        r.location().contains("ExternalCodeTaken"),
        "{}",
        r.location()
    );
    assert_eq!(app.store.count_sites().await.expect("db"), before + 1);
    // Edited: the form opens with the stored values, and a save changes the name only.
    let form = app
        .get(&format!("/admin/sites/{id}/edit"), Some(&admin))
        .await;
    assert!(form.body.contains("value=\"C900\"") && form.body.contains("value=\"640\""));
    // The stored district is the one chosen among the rendered choices.
    assert!(
        form.body.contains("selected>东昌府区</option>")
            || form.body.contains("selected=\"\">东昌府区</option>"),
        "{}",
        form.body
    );
    let list = app.get("/admin/sites?district_id=", Some(&admin)).await;
    assert!(list.body.contains(">东昌府区</option>"), "{}", list.body);
    let mut edited = good.to_vec();
    edited[1] = ("name", "新城小区（一期）");
    let r = app
        .post_form(&format!("/admin/sites/{id}/edit"), Some(&admin), &edited)
        .await;
    assert!(r.location().ends_with("?saved=1"), "{}", r.location());
    let d = app.store.site_detail(id).await.expect("db").expect("kept");
    assert_eq!(d.summary.name, "新城小区（一期）");
    assert_eq!(app.store.count_sites().await.expect("db"), before + 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn xlsx_files_import_with_numeric_cells(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["外部编码", "名称", "区县", "纬度", "经度", "户数"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for r in 1..=3u32 {
        sheet.write_string(r, 0, format!("X{r}")).expect("cell");
        sheet
            .write_string(r, 1, format!("表格小区{r}"))
            .expect("cell");
        sheet.write_string(r, 2, "东昌府区").expect("cell");
        sheet
            .write_number(r, 3, 36.45 + f64::from(r) / 1000.0)
            .expect("cell");
        sheet.write_number(r, 4, 115.98).expect("cell");
        sheet
            .write_number(r, 5, 800.0 + f64::from(r))
            .expect("cell");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let (_, body) = multipart("小区.xlsx", &bytes, "community");
    let req = Request::post("/admin/sites/import")
        .header(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=----jieshui-test-boundary",
        )
        .header(header::COOKIE, &admin)
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    let b = batch_json(&app, &admin, r.location()).await;
    assert_eq!(b["status"], "ready", "{b}");
    assert_eq!(b["new_count"], 3);
    app.post_form(&format!("{}/commit", r.location()), Some(&admin), &[])
        .await;
    let found = app.store.active_sites(None, "表格小区2").await.expect("db");
    let d = app
        .store
        .site_detail(found[0].id)
        .await
        .expect("db")
        .expect("site");
    assert_eq!(
        d.households,
        Some(802),
        "a whole-number cell reads as a count"
    );
    assert_eq!(
        d.summary.kind,
        jieshui_app::domain::site::SiteKind::Community,
        "the default kind applies"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_closing_date_is_the_citys_day_and_hand_made_codes_do_not_collide(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    // Two sites made by hand in the same moment, without codes.
    let mut ids = Vec::new();
    for name in ["手工门店甲", "手工门店乙"] {
        let form = [
            ("kind", "shop"),
            ("name", name),
            ("district", "371502"),
            ("coord_system", "wgs84"),
            ("lat", "36.4612"),
            ("lon", "115.9921"),
        ];
        let r = app.post_form("/admin/sites/new", Some(&admin), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        ids.push(app.store.active_sites(None, name).await.expect("db")[0].id);
    }
    let codes: Vec<String> =
        futures_util::future::join_all(ids.iter().map(|id| app.store.site_detail(*id)))
            .await
            .into_iter()
            .map(|d| d.expect("db").expect("site").summary.external_code)
            .collect();
    assert_ne!(codes[0], codes[1], "{codes:?}");
    assert!(
        codes.iter().all(|c| c.starts_with('M') && c.len() == 13),
        "{codes:?}"
    );

    // Closed at 00:15 on 30 November in Liaocheng, which is still 29 November in UTC.
    app.clock.advance(time::Duration::hours(14));
    let admin = app.login("admin").await;
    let r = app
        .post_form(&format!("/admin/sites/{}/close", ids[0]), Some(&admin), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app
        .get(&format!("/admin/sites/{}", ids[0]), Some(&admin))
        .await;
    assert!(page.body.contains("<dd>2026-11-30</dd>"), "{}", page.body);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_shop_inside_a_venue_stays_there_when_edited(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let mut form = vec![
        ("kind", "shop"),
        ("name", "市场内门店"),
        ("district", "371502"),
        ("coord_system", "wgs84"),
        ("lat", "36.4602"),
        ("lon", "115.9703"),
        ("external_code", "S900"),
        ("parent_code", "V001"),
    ];
    let r = app.post_form("/admin/sites/new", Some(&admin), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = app
        .store
        .active_sites(None, "市场内门店")
        .await
        .expect("db")[0]
        .id;
    let venue = |d: &jieshui_app::model::site::SiteDetail| d.parent.clone().map(|p| p.1);
    let d = app.store.site_detail(id).await.expect("db").expect("site");
    assert_eq!(venue(&d).as_deref(), Some("聊城金柱建材市场"));

    // The edit form holds the venue's code, so saving it as it comes keeps the shop in the venue.
    let page = app
        .get(&format!("/admin/sites/{id}/edit"), Some(&admin))
        .await;
    let field = page
        .body
        .split("name=\"parent_code\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default()
        .to_string();
    assert!(field.contains("value=\"V001\""), "{field}");
    form[1] = ("name", "市场内门店（改名）");
    let r = app
        .post_form(&format!("/admin/sites/{id}/edit"), Some(&admin), &form)
        .await;
    assert!(r.location().ends_with("?saved=1"), "{}", r.location());
    let d = app.store.site_detail(id).await.expect("db").expect("site");
    assert_eq!(d.summary.name, "市场内门店（改名）");
    assert_eq!(venue(&d).as_deref(), Some("聊城金柱建材市场"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn today_lists_the_nearest_twenty_with_more_and_they_are_the_true_nearest(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let rows: Vec<Vec<String>> = (0..300).map(good_row).collect();
    let r = upload(&app, &admin, "网点.csv", &to_gbk_csv(&rows)).await;
    let b = batch_json(&app, &admin, r.location()).await;
    assert_eq!(b["status"], "ready", "{b}");
    app.post_form(&format!("{}/commit", r.location()), Some(&admin), &[])
        .await;
    let inspector = app.login("inspector").await;
    let (lat, lon) = ("36.4455", "115.9083");
    let at = jieshui_app::domain::geo::LatLon::new(36.4455, 115.9083);

    // The page: twenty "start" buttons and a "more" link for twenty more.
    let page = app
        .get(
            &format!("/today?lat={lat}&lon={lon}&acc=10"),
            Some(&inspector),
        )
        .await;
    let starts = page.body.matches("action=\"/checks/start\"").count();
    assert_eq!(starts, 20, "{}", page.body);
    // Each start carries the fix the list was sorted by: the check starts there.
    for form in page.body.split("action=\"/checks/start\"").skip(1) {
        let form = form.split("</form>").next().unwrap_or_default();
        for field in [
            "name=\"lat\" value=\"36.4455\"",
            "name=\"lon\" value=\"115.9083\"",
            "name=\"accuracy_m\" value=\"10\"",
        ] {
            assert!(form.contains(field), "{field} not in {form}");
        }
    }
    assert!(page.body.contains("显示更多网点"), "{}", page.body);
    assert!(
        page.body.contains("&amp;n=40\"") || page.body.contains("&n=40\""),
        "{}",
        page.body
    );
    let page = app
        .get(
            &format!("/today?lat={lat}&lon={lon}&acc=10&n=40"),
            Some(&inspector),
        )
        .await;
    assert_eq!(page.body.matches("action=\"/checks/start\"").count(), 40);

    // The server function: the same twenty as sorting every active site by distance.
    let r = app
        .post_form(
            "/api/nearby_sites",
            Some(&inspector),
            &[("lat", lat), ("lon", lon), ("limit", "20")],
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let got: Vec<String> = v
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["site"]["id"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut all = app.store.active_sites(None, "").await.expect("db");
    all.sort_by(|a, b| {
        jieshui_app::domain::geo::distance_m(at, a.position)
            .total_cmp(&jieshui_app::domain::geo::distance_m(at, b.position))
    });
    let want: Vec<String> = all.iter().take(20).map(|s| s.id.to_string()).collect();
    assert_eq!(got, want);
    // A hostile limit is bounded.
    let r = app
        .post_form(
            "/api/nearby_sites",
            Some(&inspector),
            &[("lat", lat), ("lon", lon), ("limit", "100000000")],
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(201));
}

/// Pages are rendered on the server and only islands hydrate: none of them may carry the data it
/// was rendered from a second time, as resource data for hydration (it once was 12.7 KB of the
/// registry list's 32 KB).
#[sqlx::test(migrator = "MIGRATOR")]
async fn pages_carry_no_resource_data_for_hydration(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let site: uuid::Uuid = sqlx::query_scalar("SELECT id FROM sites WHERE external_code = 'S001'")
        .fetch_one(&app.pool)
        .await
        .expect("a demo shop");
    let pages = [
        "/admin/sites".to_string(),
        format!("/admin/sites/{site}"),
        format!("/admin/sites/{site}/edit"),
        "/admin/sites/new".to_string(),
        "/admin/sites/stats".to_string(),
        "/admin/users".to_string(),
    ];
    for path in &pages {
        let r = app.get(path, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            !r.body.contains("__RESOLVED_RESOURCES["),
            "{path} carries resource data"
        );
    }
    // The list still shows the sites it was rendered from.
    let list = app.get("/admin/sites", Some(&admin)).await;
    assert!(list.body.contains("S001"), "the demo shop is listed");
    let inspector = app.login("inspector").await;
    let today = app.get("/today", Some(&inspector)).await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(!today.body.contains("__RESOLVED_RESOURCES["), "today");
}
