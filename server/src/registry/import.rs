//! Reading the city's spreadsheets: CSV in UTF-8 or GBK (what Excel in China writes) and XLSX, with
//! Chinese or English column names. Every problem is reported by row and column; a file with any
//! problem is rejected whole.

use jieshui_app::domain::site::{check_site, SiteFields, SiteInput, SiteKind};
use jieshui_app::i18n::{Lang, Msg};
use jieshui_app::model::site::RowProblem;
use jieshui_app::model::District;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_ROWS: usize = 50_000;

/// (field key, header in the Chinese template, header in the English template)
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("kind", "类型", "kind"),
    ("external_code", "外部编码", "external_code"),
    ("name", "名称", "name"),
    ("address", "地址", "address"),
    ("district", "区县", "district"),
    ("lat", "纬度", "lat"),
    ("lon", "经度", "lon"),
    ("coord_system", "坐标系", "coord_system"),
    ("geofence_m", "围栏半径(米)", "geofence_m"),
    ("contact", "联系人", "contact"),
    ("credit_code", "统一社会信用代码", "credit_code"),
    ("households", "户数", "households"),
    ("annual_water_m3", "年用水量(立方米)", "annual_water_m3"),
    ("unit_type", "单位类型", "unit_type"),
    ("parent_code", "所属市场编码", "parent_code"),
];

const REQUIRED: &[&str] = &["external_code", "name", "district", "lat", "lon"];

/// The columns of the template for one kind, in order.
pub fn template_columns(kind: SiteKind) -> Vec<&'static str> {
    COLUMNS
        .iter()
        .filter(|(k, _, _)| match *k {
            "households" => kind.needs_households(),
            "annual_water_m3" => kind.needs_water_use(),
            "unit_type" => kind.needs_unit_type(),
            "parent_code" => kind == SiteKind::Shop,
            "credit_code" => kind != SiteKind::Community,
            _ => true,
        })
        .map(|(k, _, _)| *k)
        .collect()
}

/// A CSV template with a UTF-8 byte-order mark, so Excel opens it with the Chinese headers intact.
pub fn template_csv(kind: SiteKind, lang: Lang) -> String {
    let headers: Vec<&str> = template_columns(kind)
        .into_iter()
        .filter_map(|k| COLUMNS.iter().find(|c| c.0 == k))
        .map(|(_, zh, en)| if lang == Lang::Zh { *zh } else { *en })
        .collect();
    format!("\u{feff}{}\r\n", headers.join(","))
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileError {
    Unreadable,
    Empty,
    TooLarge,
}

impl FileError {
    pub fn msg(&self) -> Msg {
        match self {
            FileError::Unreadable => Msg::FileUnreadable,
            FileError::Empty => Msg::FileEmpty,
            FileError::TooLarge => Msg::FileTooLarge,
        }
    }
}

/// Text of a CSV file: UTF-8 (with or without BOM), else GBK.
pub fn decode_text(bytes: &[u8]) -> Result<String, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Text files have no NUL bytes; binary files (a .xls, an image renamed .csv) nearly always do.
    if bytes.contains(&0) {
        return Err(FileError::Unreadable);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
    if had_errors {
        return Err(FileError::Unreadable);
    }
    Ok(text.into_owned())
}

fn is_xlsx(bytes: &[u8], filename: &str) -> bool {
    bytes.starts_with(b"PK\x03\x04") || filename.to_lowercase().ends_with(".xlsx")
}

/// The cells of the first sheet (XLSX) or the whole file (CSV), row by row, as text.
pub fn read_table(bytes: &[u8], filename: &str) -> Result<Vec<Vec<String>>, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    if is_xlsx(bytes, filename) {
        return read_xlsx(bytes);
    }
    let text = decode_text(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|_| FileError::Unreadable)?;
        rows.push(rec.iter().map(|c| c.to_string()).collect());
        if rows.len() > MAX_ROWS + 1 {
            return Err(FileError::TooLarge);
        }
    }
    Ok(rows)
}

/// Columns read from a sheet; the template has about twenty.
pub const MAX_COLS: u32 = 64;
/// All parts of a workbook together, decompressed: far above what 50,000 rows need.
pub const MAX_XLSX_XML_BYTES: u64 = 64 * 1024 * 1024;
/// XML compresses about ten to one; a part that inflates far more than this is a zip bomb.
const MAX_INFLATE_RATIO: u64 = 100;
const MAX_ZIP_ENTRIES: usize = 1000;

/// Inflates every part of the workbook into nothing, counting, before calamine sees it: calamine
/// reads the shared strings whole when it opens a workbook, and trusts sizes the file declares.
/// Stops as soon as the whole passes [`MAX_XLSX_XML_BYTES`] or one part inflates more than
/// [`MAX_INFLATE_RATIO`] times its compressed size.
fn check_zip(bytes: &[u8]) -> Result<(), FileError> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(FileError::TooLarge);
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| FileError::Unreadable)?;
        let allowed = entry
            .compressed_size()
            .saturating_mul(MAX_INFLATE_RATIO)
            .saturating_add(1024 * 1024);
        let mut inflated: u64 = 0;
        loop {
            let n = std::io::Read::read(&mut entry, &mut buf).map_err(|_| FileError::Unreadable)?;
            if n == 0 {
                break;
            }
            inflated += n as u64;
            total += n as u64;
            if inflated > allowed || total > MAX_XLSX_XML_BYTES {
                return Err(FileError::TooLarge);
            }
        }
    }
    Ok(())
}

/// The first sheet's cells, streamed: a cell past [`MAX_ROWS`] or [`MAX_COLS`] makes the file too
/// large before any grid is built (calamine's `worksheet_range` would allocate the whole rectangle
/// up to the farthest cell, however empty).
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    use calamine::{Data, Reader, Xlsx};
    check_zip(bytes)?;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(FileError::Empty)?;
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|_| FileError::Unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|_| FileError::Unreadable)? {
        let (row, col) = cell.get_position();
        let text = match Data::from(cell.get_value().clone()) {
            Data::Empty => continue,
            Data::String(s) => s,
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        if row as usize > MAX_ROWS || col >= MAX_COLS {
            return Err(FileError::TooLarge);
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let r = &mut rows[row];
        if r.len() <= col {
            r.resize_with(col + 1, String::new);
        }
        r[col] = text;
    }
    // As calamine's range did: from the first used row and column, every row as wide as the widest.
    let top = rows.iter().position(|r| !r.is_empty()).unwrap_or(0);
    rows.drain(..top);
    let left = rows
        .iter()
        .filter_map(|r| r.iter().position(|c| !c.is_empty()))
        .min()
        .unwrap_or(0);
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for r in &mut rows {
        r.resize_with(width, String::new);
        r.drain(..left);
    }
    Ok(rows)
}

fn normalize_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace('（', "(")
        .replace('）', ")")
        .replace([' ', '*'], "")
}

/// A checked row ready to be stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResolvedSite {
    pub input: SiteInput,
    pub district_id: Uuid,
}

/// Turns a table into checked sites, or every problem found. `default_kind` fills an absent or empty
/// kind column (a sheet of communities rarely says "community" on every row).
pub fn check_table(
    table: &[Vec<String>],
    default_kind: Option<SiteKind>,
    districts: &[District],
    existing_venues: &HashSet<String>,
) -> Result<Vec<ResolvedSite>, Vec<RowProblem>> {
    let Some((header, body)) = table.split_first() else {
        return Err(vec![RowProblem {
            row: 0,
            column: String::new(),
            msg: Msg::FileEmpty,
        }]);
    };
    // Map each column of the file to a field, by any of its accepted names.
    let mut col_of: HashMap<&'static str, usize> = HashMap::new();
    let mut label_of: HashMap<&'static str, String> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let n = normalize_header(h);
        if let Some((key, _, _)) = COLUMNS
            .iter()
            .find(|(k, zh, en)| n == normalize_header(zh) || n == *en || n == *k)
        {
            col_of.entry(key).or_insert(i);
            label_of
                .entry(key)
                .or_insert_with(|| h.trim().trim_start_matches('\u{feff}').to_string());
        }
    }
    let label = |key: &str| -> String {
        label_of.get(key).cloned().unwrap_or_else(|| {
            COLUMNS
                .iter()
                .find(|c| c.0 == key)
                .map(|c| c.1.to_string())
                .unwrap_or_default()
        })
    };
    let mut problems = Vec::new();
    for key in REQUIRED {
        if !col_of.contains_key(key) {
            problems.push(RowProblem {
                row: 1,
                column: label(key),
                msg: Msg::ColumnMissing,
            });
        }
    }
    if !col_of.contains_key("kind") && default_kind.is_none() {
        problems.push(RowProblem {
            row: 1,
            column: label("kind"),
            msg: Msg::ColumnMissing,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let rows: Vec<(usize, &Vec<String>)> = body
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 2, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(vec![RowProblem {
            row: 0,
            column: String::new(),
            msg: Msg::FileEmpty,
        }]);
    }

    let by_code: HashMap<&str, Uuid> = districts.iter().map(|d| (d.code.as_str(), d.id)).collect();
    let by_name: HashMap<&str, Uuid> = districts.iter().map(|d| (d.name.as_str(), d.id)).collect();
    let cell = |r: &Vec<String>, key: &str| {
        col_of
            .get(key)
            .and_then(|&i| r.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };

    let mut out = Vec::with_capacity(rows.len());
    let mut seen: HashMap<(SiteKind, String), usize> = HashMap::new();
    let mut venues_in_file: HashSet<String> = HashSet::new();
    let mut shops_with_parent: Vec<(usize, String)> = Vec::new();
    for (row, r) in rows {
        let mut f = SiteFields {
            kind: cell(r, "kind"),
            external_code: cell(r, "external_code"),
            name: cell(r, "name"),
            address: cell(r, "address"),
            district: cell(r, "district"),
            lat: cell(r, "lat"),
            lon: cell(r, "lon"),
            coord_system: cell(r, "coord_system"),
            geofence_m: cell(r, "geofence_m"),
            contact: cell(r, "contact"),
            credit_code: cell(r, "credit_code"),
            households: cell(r, "households"),
            annual_water_m3: cell(r, "annual_water_m3"),
            unit_type: cell(r, "unit_type"),
            parent_code: cell(r, "parent_code"),
        };
        if f.kind.is_empty() {
            if let Some(k) = default_kind {
                f.kind = k.as_str().to_string();
            }
        }
        let district_id = {
            let d = f.district.as_str();
            by_code.get(d).or_else(|| by_name.get(d)).copied()
        };
        if district_id.is_none() && !f.district.is_empty() {
            problems.push(RowProblem {
                row,
                column: label("district"),
                msg: Msg::DistrictUnknown,
            });
        }
        match check_site(&f) {
            Ok(input) => {
                let key = (input.kind, input.external_code.clone());
                if let Some(first) = seen.get(&key) {
                    let _ = first;
                    problems.push(RowProblem {
                        row,
                        column: label("external_code"),
                        msg: Msg::ExternalCodeDuplicate,
                    });
                } else {
                    seen.insert(key, row);
                }
                if input.kind == SiteKind::Venue {
                    venues_in_file.insert(input.external_code.clone());
                }
                if !input.parent_code.is_empty() {
                    shops_with_parent.push((row, input.parent_code.clone()));
                }
                if let Some(district_id) = district_id {
                    out.push(ResolvedSite { input, district_id });
                }
            }
            Err(ps) => {
                for p in ps {
                    problems.push(RowProblem {
                        row,
                        column: label(p.field),
                        msg: p.msg,
                    });
                }
            }
        }
    }
    for (row, parent) in shops_with_parent {
        if !venues_in_file.contains(&parent) && !existing_venues.contains(&parent) {
            problems.push(RowProblem {
                row,
                column: label("parent_code"),
                msg: Msg::ParentUnknown,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Import batches store their problems by message name; a renamed message would make every
    /// stored batch unreadable. These names are pinned: rename one only with a migration.
    #[test]
    fn message_names_stored_in_import_batches_are_pinned() {
        use jieshui_app::i18n::Msg;
        let pinned = [
            (Msg::ColumnMissing, "ColumnMissing"),
            (Msg::CoordSystemUnknown, "CoordSystemUnknown"),
            (Msg::CreditCodeInvalid, "CreditCodeInvalid"),
            (Msg::DistrictRequired, "DistrictRequired"),
            (Msg::DistrictUnknown, "DistrictUnknown"),
            (Msg::ExternalCodeDuplicate, "ExternalCodeDuplicate"),
            (Msg::ExternalCodeRequired, "ExternalCodeRequired"),
            (Msg::FileEmpty, "FileEmpty"),
            (Msg::FileTooLarge, "FileTooLarge"),
            (Msg::FileUnreadable, "FileUnreadable"),
            (Msg::GeofenceInvalid, "GeofenceInvalid"),
            (Msg::HouseholdsInvalid, "HouseholdsInvalid"),
            (Msg::HouseholdsRequired, "HouseholdsRequired"),
            (Msg::LatInvalid, "LatInvalid"),
            (Msg::LonInvalid, "LonInvalid"),
            (Msg::ParentOnlyForShops, "ParentOnlyForShops"),
            (Msg::ParentUnknown, "ParentUnknown"),
            (Msg::PositionOutsideChina, "PositionOutsideChina"),
            (Msg::SiteKindUnknown, "SiteKindUnknown"),
            (Msg::SiteNameRequired, "SiteNameRequired"),
            (Msg::TooLong, "TooLong"),
            (Msg::UnitTypeRequired, "UnitTypeRequired"),
            (Msg::UnitTypeUnknown, "UnitTypeUnknown"),
            (Msg::WaterUseInvalid, "WaterUseInvalid"),
            (Msg::WaterUseRequired, "WaterUseRequired"),
        ];
        for (m, name) in pinned {
            assert_eq!(crate::pages_util::msg_code(m), name);
            let back: Msg = serde_json::from_value(serde_json::Value::String(name.into()))
                .unwrap_or(Msg::AppName);
            assert_eq!(back, m, "{name}");
        }
    }

    fn districts() -> Vec<District> {
        vec![District {
            id: Uuid::now_v7(),
            code: "371502".into(),
            name: "东昌府区".into(),
        }]
    }

    fn table(csv: &str) -> Vec<Vec<String>> {
        read_table(csv.as_bytes(), "x.csv").expect("readable")
    }

    #[test]
    fn gbk_files_are_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("名称,区县\n水城明珠,东昌府区\n");
        let t = read_table(&bytes, "sites.csv").expect("gbk");
        assert_eq!(t[1], vec!["水城明珠", "东昌府区"]);
        let bom = [b"\xEF\xBB\xBF".as_slice(), "名称\n甲\n".as_bytes()].concat();
        assert_eq!(read_table(&bom, "a.csv").expect("bom")[0], vec!["名称"]);
    }

    #[test]
    fn binary_garbage_is_unreadable() {
        assert_eq!(
            read_table(&[0xff, 0xfe, 0x00, 0x81, 0xff], "x.csv"),
            Err(FileError::Unreadable)
        );
        assert_eq!(
            read_table(b"PK\x03\x04garbage", "x.xlsx"),
            Err(FileError::Unreadable)
        );
    }

    #[test]
    fn english_headers_and_default_kind_work() {
        let t = table(
            "external_code,name,district,lat,lon,households\nC1,甲小区,371502,36.45,115.98,100\n",
        );
        let rows = check_table(&t, Some(SiteKind::Community), &districts(), &HashSet::new())
            .expect("valid");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].input.kind, SiteKind::Community);
    }

    #[test]
    fn missing_columns_are_named() {
        let t = table("名称,区县\n甲,东昌府区\n");
        let p = check_table(&t, Some(SiteKind::Shop), &districts(), &HashSet::new())
            .expect_err("invalid");
        let cols: Vec<&str> = p.iter().map(|p| p.column.as_str()).collect();
        assert!(
            cols.contains(&"外部编码") && cols.contains(&"纬度") && cols.contains(&"经度"),
            "{cols:?}"
        );
        assert!(p.iter().all(|p| p.msg == Msg::ColumnMissing && p.row == 1));
    }

    #[test]
    fn shops_may_name_a_venue_in_the_file_or_already_stored() {
        let t = table(
            "类型,外部编码,名称,区县,纬度,经度,所属市场编码\n\
             门店,S1,甲,东昌府区,36.45,115.98,V1\n\
             销售网点,V1,市场,东昌府区,36.45,115.98,\n\
             门店,S2,乙,东昌府区,36.45,115.98,V9\n\
             门店,S3,丙,东昌府区,36.45,115.98,V7\n",
        );
        let existing: HashSet<String> = ["V7".to_string()].into();
        let p = check_table(&t, None, &districts(), &existing).expect_err("S2's venue is unknown");
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].row, p[0].column.as_str(), p[0].msg),
            (4, "所属市场编码", Msg::ParentUnknown)
        );
    }

    #[test]
    fn templates_have_the_kind_specific_columns() {
        assert!(template_columns(SiteKind::Community).contains(&"households"));
        assert!(!template_columns(SiteKind::Shop).contains(&"households"));
        assert!(template_columns(SiteKind::Shop).contains(&"parent_code"));
        assert!(template_columns(SiteKind::Unit).contains(&"unit_type"));
        let csv = template_csv(SiteKind::Community, Lang::Zh);
        assert!(csv.starts_with('\u{feff}') && csv.contains("户数"));
        // A template read back is a valid header with no rows.
        let t = read_table(csv.as_bytes(), "t.csv").expect("readable");
        let p = check_table(&t, Some(SiteKind::Community), &districts(), &HashSet::new())
            .expect_err("empty");
        assert_eq!(p[0].msg, Msg::FileEmpty);
    }
}
