//! Settings: defaults, then an optional TOML file, then environment variables. Secrets (the demo
//! password, a database password inside `DATABASE_URL`) come only from the environment.

use jieshui_app::domain::evidence::{DecodeLimits, FlagPolicy};
use jieshui_app::domain::throttle::ThrottlePolicy;
use jieshui_app::model::evidence::CaptureSettings;
use serde::Deserialize;
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
}

/// What the TOML file may set. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    public_url: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    site_root: Option<PathBuf>,
    demo: Option<bool>,
    session_idle_minutes: Option<i64>,
    session_absolute_hours: Option<i64>,
    login_free_failures: Option<u32>,
    login_base_delay_secs: Option<i64>,
    login_max_delay_secs: Option<i64>,
    log: Option<String>,
    trust_proxy: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("config file {0} is not valid: {1}")]
    Parse(PathBuf, toml::de::Error),
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

impl Config {
    /// Loads from the process environment and the file it names (`JIESHUI_CONFIG`, else
    /// `jieshui.toml` in the working directory if present).
    pub fn load() -> Result<Config, ConfigError> {
        Self::load_from(|k| std::env::var(k).ok())
    }

    pub fn load_from(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let path = env("JIESHUI_CONFIG").map(PathBuf::from).or_else(|| {
            let p = PathBuf::from("jieshui.toml");
            p.exists().then_some(p)
        });
        if let Some(path) = path {
            let text =
                std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
            let f: FileConfig =
                toml::from_str(&text).map_err(|e| ConfigError::Parse(path.clone(), e))?;
            c.apply_file(f)?;
        }
        let e = |k: &str| env(k).filter(|v| !v.is_empty());
        if let Some(v) = e("JIESHUI_BIND") {
            c.bind = parse("JIESHUI_BIND", &v)?;
        }
        if let Some(v) = e("JIESHUI_PUBLIC_URL") {
            c.public_url = v;
        } else if e("JIESHUI_BIND").is_some() {
            c.public_url = format!("http://{}", c.bind);
        }
        if let Some(v) = e("DATABASE_URL") {
            c.database_url = v;
        }
        if let Some(v) = e("JIESHUI_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = e("JIESHUI_SITE_ROOT") {
            c.site_root = PathBuf::from(v);
        }
        if let Some(v) = e("JIESHUI_DEMO") {
            c.demo = parse_bool("JIESHUI_DEMO", &v)?;
        }
        if let Some(v) = e("DEMO_PASSWORD") {
            c.demo_password = v;
        }
        if let Some(v) = e("JIESHUI_SESSION_IDLE_MINUTES") {
            c.session_idle_minutes = parse("JIESHUI_SESSION_IDLE_MINUTES", &v)?;
        }
        if let Some(v) = e("JIESHUI_SESSION_ABSOLUTE_HOURS") {
            c.session_absolute_hours = parse("JIESHUI_SESSION_ABSOLUTE_HOURS", &v)?;
        }
        if let Some(v) = e("JIESHUI_LOGIN_FREE_FAILURES") {
            c.throttle.free_failures = parse("JIESHUI_LOGIN_FREE_FAILURES", &v)?;
        }
        if let Some(v) = e("JIESHUI_LOGIN_BASE_DELAY_SECS") {
            c.throttle.base_delay_secs = parse("JIESHUI_LOGIN_BASE_DELAY_SECS", &v)?;
        }
        if let Some(v) = e("JIESHUI_LOGIN_MAX_DELAY_SECS") {
            c.throttle.max_delay_secs = parse("JIESHUI_LOGIN_MAX_DELAY_SECS", &v)?;
        }
        if let Some(v) = e("JIESHUI_TRUST_PROXY") {
            c.trust_proxy = parse_bool("JIESHUI_TRUST_PROXY", &v)?;
        }
        if let Some(v) = e("JIESHUI_PHOTO_ALLOW_GALLERY") {
            c.capture.allow_gallery = parse_bool("JIESHUI_PHOTO_ALLOW_GALLERY", &v)?;
        }
        if let Some(v) = e("JIESHUI_PHOTO_SEND_ORIGINAL") {
            c.capture.send_original = parse_bool("JIESHUI_PHOTO_SEND_ORIGINAL", &v)?;
        }
        if let Some(v) = e("JIESHUI_PHOTO_LONG_EDGE") {
            c.capture.long_edge = parse("JIESHUI_PHOTO_LONG_EDGE", &v)?;
        }
        if let Some(v) = e("JIESHUI_PHOTO_QUALITY") {
            c.capture.quality = parse("JIESHUI_PHOTO_QUALITY", &v)?;
        }
        if let Some(v) = e("JIESHUI_PHOTO_MAX_MB") {
            c.photo_max_bytes = parse::<u64>("JIESHUI_PHOTO_MAX_MB", &v)? * 1024 * 1024;
        }
        if let Some(v) = e("JIESHUI_FLAG_MAX_ACCURACY_M") {
            c.flag_policy.max_accuracy_m = parse("JIESHUI_FLAG_MAX_ACCURACY_M", &v)?;
        }
        if let Some(v) = e("JIESHUI_FLAG_MAX_EXIF_DEVICE_GAP_M") {
            c.flag_policy.max_exif_device_gap_m = parse("JIESHUI_FLAG_MAX_EXIF_DEVICE_GAP_M", &v)?;
        }
        if let Some(v) = e("JIESHUI_FLAG_MAX_TIME_SKEW_SECS") {
            c.flag_policy.max_time_skew_secs = parse("JIESHUI_FLAG_MAX_TIME_SKEW_SECS", &v)?;
        }
        if let Some(v) = e("JIESHUI_LOG").or_else(|| e("RUST_LOG")) {
            c.log = v;
        }
        c.validate()?;
        Ok(c)
    }

    fn apply_file(&mut self, f: FileConfig) -> Result<(), ConfigError> {
        if let Some(v) = f.bind {
            self.bind = parse("bind", &v)?;
            self.public_url = format!("http://{}", self.bind);
        }
        if let Some(v) = f.public_url {
            self.public_url = v;
        }
        if let Some(v) = f.database_url {
            if v.contains('@') {
                // A URL with credentials in a file would put a secret on disk in clear.
                return Err(ConfigError::Invalid(
                    "database_url (put credentials in DATABASE_URL)",
                    v,
                ));
            }
            self.database_url = v;
        }
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = f.site_root {
            self.site_root = v;
        }
        if let Some(v) = f.demo {
            self.demo = v;
        }
        if let Some(v) = f.session_idle_minutes {
            self.session_idle_minutes = v;
        }
        if let Some(v) = f.session_absolute_hours {
            self.session_absolute_hours = v;
        }
        if let Some(v) = f.login_free_failures {
            self.throttle.free_failures = v;
        }
        if let Some(v) = f.login_base_delay_secs {
            self.throttle.base_delay_secs = v;
        }
        if let Some(v) = f.login_max_delay_secs {
            self.throttle.max_delay_secs = v;
        }
        if let Some(v) = f.log {
            self.log = v;
        }
        if let Some(v) = f.trust_proxy {
            self.trust_proxy = v;
        }
        Ok(())
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
        Config::load_from(|k| m.get(k).cloned())
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

    #[test]
    fn https_public_url_means_secure_cookies() -> Result<(), ConfigError> {
        assert!(load(&[("JIESHUI_PUBLIC_URL", "https://jieshui.example.cn")])?.https());
        Ok(())
    }
}
