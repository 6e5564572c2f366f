//! Settings: defaults, then an optional TOML file, then environment variables. Secrets (the demo
//! password, a database password inside `DATABASE_URL`) come only from the environment.

use jieshui_app::domain::evidence::{DecodeLimits, FlagPolicy};
use jieshui_app::domain::throttle::ThrottlePolicy;
use jieshui_app::model::evidence::CaptureSettings;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    /// The address users reach; an `https://` URL makes session cookies `Secure`.
    pub public_url: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// Where the built browser bundle and static files are (cargo-leptos's site root).
    pub site_root: PathBuf,
    pub demo: bool,
    pub demo_password: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub throttle: ThrottlePolicy,
    pub log: String,
    /// Largest photo file accepted.
    pub photo_max_bytes: u64,
    pub decode_limits: DecodeLimits,
    pub flag_policy: FlagPolicy,
    /// Behind a reverse proxy: take the client address from `X-Forwarded-For`. Off by default, since
    /// without a proxy any client could write that header and dodge the per-address sign-in limit.
    pub trust_proxy: bool,
    /// What the phone does before a photo travels: gallery allowed, downscale size and quality, or
    /// the untouched original.
    pub capture: CaptureSettings,
    /// Timeouts, body limits and the connection cap.
    pub limits: crate::limits::Limits,
    /// The city's offset from UTC: dates and times are shown, and days are counted, in it.
    pub utc_offset: time::UtcOffset,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("config file {0} is not valid: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("config file {0}: unknown setting {1:?}")]
    Unknown(PathBuf, String),
    #[error("setting {0} has an invalid value {1:?}")]
    Invalid(&'static str, String),
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: "http://127.0.0.1:3000".into(),
            database_url: "sqlite://data/jieshui.db".into(),
            data_dir: PathBuf::from("data"),
            site_root: PathBuf::from(option_env!("LEPTOS_SITE_ROOT").unwrap_or("target/site")),
            demo: false,
            demo_password: "jieshui-demo".into(),
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            throttle: ThrottlePolicy::default(),
            log: "info,sqlx=warn,tower_http=info".into(),
            photo_max_bytes: 15 * 1024 * 1024,
            decode_limits: DecodeLimits::default(),
            flag_policy: FlagPolicy::default(),
            trust_proxy: false,
            capture: CaptureSettings::default(),
            limits: crate::limits::Limits::default(),
            // China Standard Time, all year.
            utc_offset: time::macros::offset!(+8),
        }
    }
}

fn parse<T: std::str::FromStr>(name: &'static str, v: &str) -> Result<T, ConfigError> {
    v.trim()
        .parse()
        .map_err(|_| ConfigError::Invalid(name, v.to_string()))
}

fn parse_bool(name: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(ConfigError::Invalid(name, v.to_string())),
    }
}

/// One setting: its environment variable, its key in the TOML file (`None` for secrets, which only
/// the environment may hold), and how a value is applied.
pub struct Setting {
    pub env: &'static str,
    pub key: Option<&'static str>,
    apply: fn(&mut Config, &'static str, &str) -> Result<(), ConfigError>,
}

macro_rules! setting {
    ($env:literal, $key:expr, |$c:ident, $n:ident, $v:ident| $body:expr) => {
        Setting {
            env: $env,
            key: $key,
            apply: |$c: &mut Config, $n: &'static str, $v: &str| {
                $body;
                Ok(())
            },
        }
    };
}

/// Every setting, in one place: the file and the environment read the same table, so no setting
/// exists in one and not the other.
pub const SETTINGS: &[Setting] = &[
    setting!("JIESHUI_BIND", Some("bind"), |c, n, v| c.bind =
        parse(n, v)?),
    setting!("JIESHUI_PUBLIC_URL", Some("public_url"), |c, _n, v| c
        .public_url =
        v.trim().to_string()),
    setting!("DATABASE_URL", Some("database_url"), |c, _n, v| c
        .database_url =
        v.to_string()),
    setting!("JIESHUI_DATA_DIR", Some("data_dir"), |c, _n, v| c
        .data_dir =
        PathBuf::from(v)),
    setting!("JIESHUI_SITE_ROOT", Some("site_root"), |c, _n, v| c
        .site_root =
        PathBuf::from(v)),
    setting!("JIESHUI_DEMO", Some("demo"), |c, n, v| c.demo =
        parse_bool(n, v)?),
    setting!("DEMO_PASSWORD", None, |c, _n, v| c.demo_password =
        v.to_string()),
    setting!(
        "JIESHUI_SESSION_IDLE_MINUTES",
        Some("session_idle_minutes"),
        |c, n, v| c.session_idle_minutes = parse(n, v)?
    ),
    setting!(
        "JIESHUI_SESSION_ABSOLUTE_HOURS",
        Some("session_absolute_hours"),
        |c, n, v| c.session_absolute_hours = parse(n, v)?
    ),
    setting!(
        "JIESHUI_LOGIN_FREE_FAILURES",
        Some("login_free_failures"),
        |c, n, v| c.throttle.free_failures = parse(n, v)?
    ),
    setting!(
        "JIESHUI_LOGIN_BASE_DELAY_SECS",
        Some("login_base_delay_secs"),
        |c, n, v| c.throttle.base_delay_secs = parse(n, v)?
    ),
    setting!(
        "JIESHUI_LOGIN_MAX_DELAY_SECS",
        Some("login_max_delay_secs"),
        |c, n, v| c.throttle.max_delay_secs = parse(n, v)?
    ),
    setting!("JIESHUI_TRUST_PROXY", Some("trust_proxy"), |c, n, v| c
        .trust_proxy =
        parse_bool(n, v)?),
    setting!(
        "JIESHUI_PHOTO_ALLOW_GALLERY",
        Some("photo_allow_gallery"),
        |c, n, v| c.capture.allow_gallery = parse_bool(n, v)?
    ),
    setting!(
        "JIESHUI_PHOTO_SEND_ORIGINAL",
        Some("photo_send_original"),
        |c, n, v| c.capture.send_original = parse_bool(n, v)?
    ),
    setting!(
        "JIESHUI_PHOTO_LONG_EDGE",
        Some("photo_long_edge"),
        |c, n, v| c.capture.long_edge = parse(n, v)?
    ),
    setting!("JIESHUI_PHOTO_QUALITY", Some("photo_quality"), |c, n, v| {
        c.capture.quality = parse(n, v)?
    }),
    setting!("JIESHUI_PHOTO_MAX_MB", Some("photo_max_mb"), |c, n, v| c
        .photo_max_bytes =
        parse::<u64>(n, v)?.saturating_mul(1024 * 1024)),
    setting!(
        "JIESHUI_FLAG_MAX_ACCURACY_M",
        Some("flag_max_accuracy_m"),
        |c, n, v| c.flag_policy.max_accuracy_m = parse(n, v)?
    ),
    setting!(
        "JIESHUI_FLAG_MAX_EXIF_DEVICE_GAP_M",
        Some("flag_max_exif_device_gap_m"),
        |c, n, v| c.flag_policy.max_exif_device_gap_m = parse(n, v)?
    ),
    setting!(
        "JIESHUI_FLAG_MAX_TIME_SKEW_SECS",
        Some("flag_max_time_skew_secs"),
        |c, n, v| c.flag_policy.max_time_skew_secs = parse(n, v)?
    ),
    setting!(
        "JIESHUI_FLAG_MAX_RECEIPT_DELAY_HOURS",
        Some("flag_max_receipt_delay_hours"),
        |c, n, v| c.flag_policy.max_receipt_delay_secs = parse::<i64>(n, v)?.saturating_mul(3600)
    ),
    setting!(
        "JIESHUI_HEADER_TIMEOUT_SECS",
        Some("header_timeout_secs"),
        |c, n, v| c.limits.header_read = secs(n, v)?
    ),
    setting!(
        "JIESHUI_REQUEST_TIMEOUT_SECS",
        Some("request_timeout_secs"),
        |c, n, v| c.limits.request = secs(n, v)?
    ),
    setting!(
        "JIESHUI_MAX_CONNECTIONS",
        Some("max_connections"),
        |c, n, v| c.limits.max_connections = parse(n, v)?
    ),
    setting!("JIESHUI_BODY_MAX_KB", Some("body_max_kb"), |c, n, v| c
        .limits
        .body_bytes =
        parse::<u64>(n, v)?.saturating_mul(1024)),
    setting!(
        "JIESHUI_UPLOAD_MIN_BYTES_PER_SEC",
        Some("upload_min_bytes_per_sec"),
        |c, n, v| c.limits.upload_min_bytes_per_sec = parse(n, v)?
    ),
    setting!(
        "JIESHUI_UPLOAD_GRACE_SECS",
        Some("upload_grace_secs"),
        |c, n, v| c.limits.upload_grace = secs(n, v)?
    ),
    setting!("JIESHUI_UTC_OFFSET", Some("utc_offset"), |c, n, v| c
        .utc_offset =
        parse_offset(n, v)?),
    setting!("JIESHUI_LOG", Some("log"), |c, _n, v| c.log = v.to_string()),
];

/// `+08:00`, `-05:30`, `+8`.
fn parse_offset(name: &'static str, v: &str) -> Result<time::UtcOffset, ConfigError> {
    let bad = || ConfigError::Invalid(name, v.to_string());
    let t = v.trim();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1i8, &t[1..]),
        Some(b'-') => (-1i8, &t[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    time::UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| bad())
}

/// A whole number of seconds, at least one.
fn secs(name: &'static str, v: &str) -> Result<std::time::Duration, ConfigError> {
    match parse::<u64>(name, v)? {
        0 => Err(ConfigError::Invalid(name, v.to_string())),
        n => Ok(std::time::Duration::from_secs(n)),
    }
}

impl Config {
    /// Loads from the process environment and the file it names (`JIESHUI_CONFIG`, else
    /// `jieshui.toml` in the working directory if present).
    pub fn load() -> Result<Config, ConfigError> {
        Self::load_from(
            |k| std::env::var(k).ok(),
            Some(PathBuf::from("jieshui.toml")),
        )
    }

    /// `default_file` is read when `JIESHUI_CONFIG` is not set and the file exists; tests pass
    /// `None` so that a file in the working directory cannot change what they see.
    pub fn load_from(
        env: impl Fn(&str) -> Option<String>,
        default_file: Option<PathBuf>,
    ) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let mut public_url_given = false;
        let path = env("JIESHUI_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| default_file.filter(|p| p.exists()));
        if let Some(path) = path {
            let text =
                std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
            let table: toml::Table =
                toml::from_str(&text).map_err(|e| ConfigError::Parse(path.clone(), e))?;
            for (key, value) in table {
                let Some(s) = SETTINGS.iter().find(|s| s.key == Some(key.as_str())) else {
                    return Err(ConfigError::Unknown(path, key));
                };
                let name = s.key.unwrap_or(s.env);
                let v = match value {
                    toml::Value::String(v) => v,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => return Err(ConfigError::Invalid(name, other.to_string())),
                };
                if name == "database_url" && v.contains('@') {
                    // A URL with credentials in a file would put a secret on disk in clear.
                    return Err(ConfigError::Invalid(
                        "database_url (put credentials in DATABASE_URL)",
                        v,
                    ));
                }
                public_url_given |= name == "public_url";
                (s.apply)(&mut c, name, &v)?;
            }
        }
        for s in SETTINGS {
            // RUST_LOG is the usual name for the log filter; JIESHUI_LOG wins when both are set.
            let v = env(s.env)
                .filter(|v| !v.is_empty())
                .or_else(|| (s.env == "JIESHUI_LOG").then(|| env("RUST_LOG")).flatten());
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                public_url_given |= s.env == "JIESHUI_PUBLIC_URL";
                (s.apply)(&mut c, s.env, &v)?;
            }
        }
        // Only a public URL nobody gave follows the bind address.
        if !public_url_given {
            c.public_url = format!("http://{}", c.bind);
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.session_idle_minutes <= 0 {
            return Err(ConfigError::Invalid(
                "session_idle_minutes",
                self.session_idle_minutes.to_string(),
            ));
        }
        if self.session_absolute_hours <= 0 {
            return Err(ConfigError::Invalid(
                "session_absolute_hours",
                self.session_absolute_hours.to_string(),
            ));
        }
        if self.throttle.base_delay_secs < 0
            || self.throttle.max_delay_secs < self.throttle.base_delay_secs
        {
            return Err(ConfigError::Invalid(
                "login delays",
                format!("{:?}", self.throttle),
            ));
        }
        if !(320..=8192).contains(&self.capture.long_edge) {
            return Err(ConfigError::Invalid(
                "JIESHUI_PHOTO_LONG_EDGE (320–8192)",
                self.capture.long_edge.to_string(),
            ));
        }
        if self.flag_policy.max_receipt_delay_secs <= 0 || self.flag_policy.max_time_skew_secs <= 0
        {
            return Err(ConfigError::Invalid(
                "JIESHUI_FLAG_MAX_TIME_SKEW_SECS / JIESHUI_FLAG_MAX_RECEIPT_DELAY_HOURS (> 0)",
                format!("{:?}", self.flag_policy),
            ));
        }
        if !(30..=100).contains(&self.capture.quality) {
            return Err(ConfigError::Invalid(
                "JIESHUI_PHOTO_QUALITY (30–100)",
                self.capture.quality.to_string(),
            ));
        }
        Ok(())
    }

    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_from(|k| m.get(k).cloned(), None)
    }

    #[test]
    fn photo_capture_settings_come_from_the_environment_and_are_checked() -> Result<(), ConfigError>
    {
        let c = load(&[])?;
        assert_eq!(c.capture, CaptureSettings::default());
        let c = load(&[
            ("JIESHUI_PHOTO_LONG_EDGE", "2048"),
            ("JIESHUI_PHOTO_QUALITY", "85"),
            ("JIESHUI_PHOTO_SEND_ORIGINAL", "yes"),
            ("JIESHUI_PHOTO_ALLOW_GALLERY", "1"),
        ])?;
        assert_eq!(
            c.capture,
            CaptureSettings {
                allow_gallery: true,
                send_original: true,
                long_edge: 2048,
                quality: 85
            }
        );
        assert!(load(&[("JIESHUI_PHOTO_LONG_EDGE", "100")]).is_err());
        assert!(load(&[("JIESHUI_PHOTO_QUALITY", "0")]).is_err());
        assert!(load(&[("JIESHUI_PHOTO_QUALITY", "high")]).is_err());
        Ok(())
    }

    #[test]
    fn the_citys_offset_and_the_bounds_are_settings() -> Result<(), ConfigError> {
        let c = load(&[])?;
        assert_eq!(c.utc_offset, time::macros::offset!(+8));
        assert_eq!(c.limits, crate::limits::Limits::default());
        let c = load(&[
            ("JIESHUI_UTC_OFFSET", "-05:30"),
            ("JIESHUI_REQUEST_TIMEOUT_SECS", "7"),
            ("JIESHUI_BODY_MAX_KB", "64"),
            ("JIESHUI_MAX_CONNECTIONS", "10"),
        ])?;
        assert_eq!(c.utc_offset, time::macros::offset!(-5:30));
        assert_eq!(c.limits.request, std::time::Duration::from_secs(7));
        assert_eq!(c.limits.body_bytes, 64 * 1024);
        assert_eq!(c.limits.max_connections, 10);
        assert_eq!(
            load(&[("JIESHUI_UTC_OFFSET", "+8")])?.utc_offset,
            time::macros::offset!(+8)
        );
        for bad in ["8", "+25:00", "+08:75", "UTC"] {
            assert!(load(&[("JIESHUI_UTC_OFFSET", bad)]).is_err(), "{bad}");
        }
        assert!(load(&[("JIESHUI_REQUEST_TIMEOUT_SECS", "0")]).is_err());
        Ok(())
    }

    #[test]
    fn defaults_serve_on_localhost_3000() -> Result<(), ConfigError> {
        let c = load(&[])?;
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert!(!c.demo);
        assert!(!c.https());
        Ok(())
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("jieshui-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("j.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:8080\"\nsession_idle_minutes = 30\ndemo = true\n",
        )?;
        let f = file.to_string_lossy().to_string();
        let c = load(&[("JIESHUI_CONFIG", &f)])?;
        assert_eq!(c.bind.to_string(), "0.0.0.0:8080");
        assert_eq!(c.session_idle_minutes, 30);
        assert!(c.demo);
        let c = load(&[
            ("JIESHUI_CONFIG", &f),
            ("JIESHUI_SESSION_IDLE_MINUTES", "45"),
            ("JIESHUI_DEMO", "0"),
        ])?;
        assert_eq!(c.session_idle_minutes, 45);
        assert!(!c.demo);
        Ok(())
    }

    #[test]
    fn bad_values_are_named() {
        let e = load(&[("JIESHUI_BIND", "nowhere")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("JIESHUI_BIND"), "{e}");
        assert!(load(&[("JIESHUI_SESSION_IDLE_MINUTES", "0")]).is_err());
        assert!(load(&[("JIESHUI_DEMO", "maybe")]).is_err());
    }

    #[test]
    fn credentials_are_refused_in_the_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("jieshui-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("j.toml");
        std::fs::write(&file, "database_url = \"postgres://u:pw@db/x\"\n")?;
        assert!(load(&[("JIESHUI_CONFIG", &file.to_string_lossy())]).is_err());
        Ok(())
    }

    fn file(text: &str) -> Result<String, Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("jieshui-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("j.toml");
        std::fs::write(&file, text)?;
        Ok(file.to_string_lossy().to_string())
    }

    #[test]
    fn a_bind_address_from_the_environment_keeps_the_files_public_url(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let f = file("public_url = \"https://jieshui.liaocheng.example\"\n")?;
        let c = load(&[("JIESHUI_CONFIG", &f), ("JIESHUI_BIND", "0.0.0.0:8080")])?;
        assert_eq!(c.public_url, "https://jieshui.liaocheng.example");
        assert!(c.https());
        // Given nowhere, it follows the bind address.
        let c = load(&[("JIESHUI_BIND", "0.0.0.0:8080")])?;
        assert_eq!(c.public_url, "http://0.0.0.0:8080");
        Ok(())
    }

    #[test]
    fn every_setting_but_a_secret_can_be_in_the_file() -> Result<(), Box<dyn std::error::Error>> {
        for s in SETTINGS {
            let secret = s.env == "DEMO_PASSWORD";
            assert_eq!(s.key.is_none(), secret, "{} has no TOML key", s.env);
        }
        let f = file(
            "photo_allow_gallery = true\nphoto_send_original = true\nphoto_long_edge = 2048\n\
             photo_quality = 70\nphoto_max_mb = 20\nflag_max_accuracy_m = 50.5\n\
             flag_max_exif_device_gap_m = 300\nflag_max_time_skew_secs = 120\n\
             flag_max_receipt_delay_hours = 48\n",
        )?;
        let c = load(&[("JIESHUI_CONFIG", &f)])?;
        assert!(c.capture.allow_gallery && c.capture.send_original);
        assert_eq!((c.capture.long_edge, c.capture.quality), (2048, 70));
        assert_eq!(c.photo_max_bytes, 20 * 1024 * 1024);
        assert_eq!(c.flag_policy.max_accuracy_m, 50.5);
        assert_eq!(c.flag_policy.max_exif_device_gap_m, 300.0);
        assert_eq!(c.flag_policy.max_time_skew_secs, 120);
        assert_eq!(c.flag_policy.max_receipt_delay_secs, 48 * 3600);
        // The environment still wins over the file.
        let c = load(&[("JIESHUI_CONFIG", &f), ("JIESHUI_PHOTO_QUALITY", "90")])?;
        assert_eq!(c.capture.quality, 90);
        Ok(())
    }

    #[test]
    fn unknown_keys_and_secrets_in_the_file_are_refused() -> Result<(), Box<dyn std::error::Error>>
    {
        let f = file("photo_qualty = 70\n")?;
        let e = load(&[("JIESHUI_CONFIG", &f)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("photo_qualty"), "{e}");
        let f = file("demo_password = \"x\"\n")?;
        assert!(load(&[("JIESHUI_CONFIG", &f)]).is_err());
        Ok(())
    }

    #[test]
    fn https_public_url_means_secure_cookies() -> Result<(), ConfigError> {
        assert!(load(&[("JIESHUI_PUBLIC_URL", "https://jieshui.example.cn")])?.https());
        Ok(())
    }
}
