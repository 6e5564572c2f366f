//! Positions on the ground. Inside the product every position is WGS-84, which is what phone browsers
//! report. Coordinates copied from Chinese map apps are GCJ-02 (高德, 腾讯) or BD-09 (百度), offset from
//! WGS-84 by hundreds of metres; entry and import convert them here.

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::str::FromStr;

/// A WGS-84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub const fn new(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    /// Finite and on the globe.
    pub fn is_valid(self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }
}

/// The coordinate system a position was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CoordSystem {
    /// GPS, phone browsers, international maps.
    #[default]
    Wgs84,
    /// 国测局 "Mars" coordinates: 高德 (Amap), 腾讯 (Tencent) maps.
    Gcj02,
    /// 百度 (Baidu) maps.
    Bd09,
}

impl CoordSystem {
    pub const ALL: [CoordSystem; 3] = [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09];

    pub fn as_str(self) -> &'static str {
        match self {
            CoordSystem::Wgs84 => "wgs84",
            CoordSystem::Gcj02 => "gcj02",
            CoordSystem::Bd09 => "bd09",
        }
    }

    /// Converts a position given in this system to WGS-84.
    pub fn to_wgs84(self, p: LatLon) -> LatLon {
        match self {
            CoordSystem::Wgs84 => p,
            CoordSystem::Gcj02 => gcj02_to_wgs84(p),
            CoordSystem::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(p)),
        }
    }

    /// Converts a WGS-84 position to this system (to show it on that system's maps).
    pub fn from_wgs84(self, p: LatLon) -> LatLon {
        match self {
            CoordSystem::Wgs84 => p,
            CoordSystem::Gcj02 => wgs84_to_gcj02(p),
            CoordSystem::Bd09 => gcj02_to_bd09(wgs84_to_gcj02(p)),
        }
    }
}

impl FromStr for CoordSystem {
    type Err = ();
    /// Accepts the names people write in spreadsheets: "WGS84", "GCJ-02", "高德", "百度", ...
    fn from_str(s: &str) -> Result<Self, ()> {
        let k: String = s
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect();
        match k.as_str() {
            "" | "wgs84" | "gps" => Ok(CoordSystem::Wgs84),
            "gcj02" | "高德" | "腾讯" | "amap" | "gaode" | "tencent" => Ok(CoordSystem::Gcj02),
            "bd09" | "bd09ll" | "百度" | "baidu" => Ok(CoordSystem::Bd09),
            _ => Err(()),
        }
    }
}

// Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// GCJ-02 applies only inside (a rectangle around) mainland China; elsewhere it equals WGS-84.
pub fn out_of_china(p: LatLon) -> bool {
    !(72.004..=137.8347).contains(&p.lon) || !(0.8293..=55.8271).contains(&p.lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

pub fn wgs84_to_gcj02(p: LatLon) -> LatLon {
    if out_of_china(p) {
        return p;
    }
    let d_lat = transform_lat(p.lon - 105.0, p.lat - 35.0);
    let d_lon = transform_lon(p.lon - 105.0, p.lat - 35.0);
    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    LatLon::new(p.lat + d_lat, p.lon + d_lon)
}

/// The exact inverse, by fixed-point iteration (the common one-step inverse is off by up to ~2 m).
pub fn gcj02_to_wgs84(g: LatLon) -> LatLon {
    if out_of_china(g) {
        return g;
    }
    let mut w = g;
    for _ in 0..30 {
        let f = wgs84_to_gcj02(w);
        let (dl, dn) = (f.lat - g.lat, f.lon - g.lon);
        w = LatLon::new(w.lat - dl, w.lon - dn);
        if dl.abs() < 1e-12 && dn.abs() < 1e-12 {
            break;
        }
    }
    w
}

pub fn gcj02_to_bd09(g: LatLon) -> LatLon {
    let (x, y) = (g.lon, g.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    LatLon::new(z * theta.sin() + 0.006, z * theta.cos() + 0.0065)
}

/// Baidu's published inverse, then refined by iteration so a round trip is exact.
pub fn bd09_to_gcj02(b: LatLon) -> LatLon {
    let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    let mut g = LatLon::new(z * theta.sin(), z * theta.cos());
    for _ in 0..10 {
        let f = gcj02_to_bd09(g);
        let (dl, dn) = (f.lat - b.lat, f.lon - b.lon);
        g = LatLon::new(g.lat - dl, g.lon - dn);
        if dl.abs() < 1e-12 && dn.abs() < 1e-12 {
            break;
        }
    }
    g
}

/// The baseline Baidu inverse without refinement, kept for the reference vectors of other implementations.
pub fn bd09_to_gcj02_published(b: LatLon) -> LatLon {
    let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    LatLon::new(z * theta.sin(), z * theta.cos())
}

/// Great-circle distance in metres (haversine, mean Earth radius). Good to well under 0.5 % at city scale.
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    const R: f64 = 6_371_008.8;
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = (b.lat - a.lat).to_radians();
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    // Reference vectors published with wandergis/coordtransform and reproduced by many ports.
    const P: LatLon = LatLon::new(39.915, 116.404);

    #[test]
    fn wgs84_to_gcj02_matches_the_reference_vector() {
        let g = wgs84_to_gcj02(P);
        assert!(close(g.lon, 116.410_244_499_169_38, 1e-9), "{g:?}");
        assert!(close(g.lat, 39.916_404_281_501_64, 1e-9), "{g:?}");
    }

    #[test]
    fn gcj02_and_bd09_match_the_reference_vectors() {
        let b = gcj02_to_bd09(P);
        assert!(
            close(b.lon, 116.410_369_493_710_29, 1e-9) && close(b.lat, 39.921_336_993_510_21, 1e-9),
            "{b:?}"
        );
        let g = bd09_to_gcj02_published(P);
        assert!(
            close(g.lon, 116.397_627_291_193_15, 1e-9) && close(g.lat, 39.908_656_739_576_31, 1e-9),
            "{g:?}"
        );
        let wb = CoordSystem::Bd09.from_wgs84(P);
        assert!(
            close(wb.lon, 116.416_627_243_787_33, 1e-9)
                && close(wb.lat, 39.922_699_552_216_216, 1e-9),
            "{wb:?}"
        );
    }

    #[test]
    fn the_offset_in_liaocheng_is_hundreds_of_metres() {
        let w = LatLon::new(36.45, 115.98);
        let g = wgs84_to_gcj02(w);
        let b = CoordSystem::Bd09.from_wgs84(w);
        let dg = distance_m(w, g);
        let db = distance_m(w, b);
        assert!((100.0..1000.0).contains(&dg), "GCJ-02 offset {dg} m");
        assert!((500.0..2000.0).contains(&db), "BD-09 offset {db} m");
    }

    #[test]
    fn round_trips_stay_within_a_metre() {
        for lat in [18.3, 23.1, 31.2, 36.45, 39.9, 45.7, 53.4] {
            for lon in [75.9, 87.6, 104.1, 115.98, 121.5, 126.6, 134.0] {
                let w = LatLon::new(lat, lon);
                for sys in CoordSystem::ALL {
                    let back = sys.to_wgs84(sys.from_wgs84(w));
                    let d = distance_m(w, back);
                    assert!(d < 0.01, "{sys:?} round trip at {w:?} is off by {d} m");
                }
                let b = gcj02_to_bd09(w);
                assert!(distance_m(bd09_to_gcj02(b), w) < 0.01);
            }
        }
    }

    #[test]
    fn outside_china_gcj02_is_wgs84() {
        let tokyo = LatLon::new(35.6586, 139.7454);
        assert!(out_of_china(tokyo));
        assert_eq!(wgs84_to_gcj02(tokyo), tokyo);
        assert_eq!(gcj02_to_wgs84(tokyo), tokyo);
    }

    #[test]
    fn distances() {
        let a = LatLon::new(36.45, 115.98);
        assert_eq!(distance_m(a, a), 0.0);
        // One minute of latitude is about one nautical mile (1852 m).
        let b = LatLon::new(36.45 + 1.0 / 60.0, 115.98);
        assert!(close(distance_m(a, b), 1853.2, 3.0), "{}", distance_m(a, b));
        // Liaocheng to Beijing (Tiananmen), about 390 km.
        let d = distance_m(a, LatLon::new(39.9087, 116.3975));
        assert!((380_000.0..400_000.0).contains(&d), "{d}");
        assert!(close(distance_m(a, b), distance_m(b, a), 1e-9));
    }

    #[test]
    fn validity_and_names() {
        assert!(LatLon::new(36.45, 115.98).is_valid());
        assert!(!LatLon::new(91.0, 0.0).is_valid());
        assert!(!LatLon::new(f64::NAN, 0.0).is_valid());
        assert_eq!("GCJ-02".parse(), Ok(CoordSystem::Gcj02));
        assert_eq!("高德".parse(), Ok(CoordSystem::Gcj02));
        assert_eq!("BD09".parse(), Ok(CoordSystem::Bd09));
        assert_eq!("百度".parse(), Ok(CoordSystem::Bd09));
        assert_eq!("".parse(), Ok(CoordSystem::Wgs84));
        assert_eq!("mercator".parse::<CoordSystem>(), Err(()));
    }
}
