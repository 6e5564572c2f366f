//! Demo data for `make run`: the Liaocheng assessment area, a handful of sites, one user per role.
//! Only in demo mode; re-running updates in place and never duplicates.

use crate::auth::password;
use crate::db::{
    AuditEntry, DistrictKind, DistrictRow, NewUserRow, ResolvedSite, SharedStore, StoreError,
};
use jieshui_app::domain::role::Role;
use jieshui_app::domain::site::{check_site, SiteFields, SiteKind};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
    /// The demo data itself is wrong (a programming error, caught by the tests).
    #[error("{0}")]
    Invalid(String),
}

/// The urban districts and city-level zones that make up the assessment area (domain.md §1).
pub const DISTRICTS: &[(&str, &str, &str, DistrictKind)] = &[
    (
        "371502",
        "东昌府区",
        "Dongchangfu District",
        DistrictKind::District,
    ),
    (
        "371503",
        "茌平区",
        "Chiping District",
        DistrictKind::District,
    ),
    (
        "371571",
        "聊城经济技术开发区",
        "Liaocheng Economic and Technological Development Zone",
        DistrictKind::Zone,
    ),
    (
        "371572",
        "聊城高新技术产业开发区",
        "Liaocheng High-tech Industrial Development Zone",
        DistrictKind::Zone,
    ),
    (
        "371573",
        "江北水城旅游度假区",
        "Jiangbei Shuicheng Tourist Resort",
        DistrictKind::Zone,
    ),
];

pub const DEMO_USERS: &[(&str, &str, Role)] = &[
    ("inspector", "王检查", Role::Inspector),
    ("supervisor", "李审核", Role::Supervisor),
    ("admin", "张管理", Role::Admin),
];

struct DemoSite {
    kind: SiteKind,
    code: &'static str,
    name: &'static str,
    address: &'static str,
    district: &'static str,
    lat: f64,
    lon: f64,
    households: Option<i64>,
    water: Option<f64>,
    unit_type: Option<&'static str>,
}

/// Positions are WGS-84, around the city centre (36.45° N, 115.98° E).
const SITES: &[DemoSite] = &[
    DemoSite {
        kind: SiteKind::Venue,
        code: "V001",
        name: "聊城金柱建材市场",
        address: "东昌府区东昌路 188 号",
        district: "371502",
        lat: 36.4601,
        lon: 115.9702,
        households: None,
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Venue,
        code: "V002",
        name: "红星美凯龙聊城店",
        address: "东昌府区花园北路 77 号",
        district: "371502",
        lat: 36.4712,
        lon: 115.9923,
        households: None,
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Shop,
        code: "S001",
        name: "恒洁卫浴（金柱店）",
        address: "金柱建材市场 A 区 12 号",
        district: "371502",
        lat: 36.4603,
        lon: 115.9706,
        households: None,
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Shop,
        code: "S002",
        name: "九牧卫浴专卖",
        address: "金柱建材市场 B 区 3 号",
        district: "371502",
        lat: 36.4598,
        lon: 115.9699,
        households: None,
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Shop,
        code: "S003",
        name: "箭牌卫浴（开发区店）",
        address: "经济技术开发区长江路 56 号",
        district: "371571",
        lat: 36.4305,
        lon: 116.0312,
        households: None,
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Shop,
        code: "S004",
        name: "鑫源水暖五金",
        address: "茌平区振兴路 21 号",
        district: "371503",
        lat: 36.5802,
        lon: 116.2551,
        households: None,
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Community,
        code: "C001",
        name: "水城明珠小区",
        address: "东昌府区柳园南路 9 号",
        district: "371502",
        lat: 36.4452,
        lon: 115.9810,
        households: Some(1860),
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Community,
        code: "C002",
        name: "昌润莲城",
        address: "高新区黄河路 99 号",
        district: "371572",
        lat: 36.4321,
        lon: 116.0102,
        households: Some(2420),
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Community,
        code: "C003",
        name: "湖滨花园",
        address: "江北水城旅游度假区湖南路 15 号",
        district: "371573",
        lat: 36.4488,
        lon: 115.9655,
        households: Some(960),
        water: None,
        unit_type: None,
    },
    DemoSite {
        kind: SiteKind::Unit,
        code: "U001",
        name: "聊城市第一中学",
        address: "东昌府区兴华西路 12 号",
        district: "371502",
        lat: 36.4560,
        lon: 115.9620,
        households: None,
        water: Some(86_000.0),
        unit_type: Some("school"),
    },
    DemoSite {
        kind: SiteKind::Unit,
        code: "U002",
        name: "聊城市人民医院",
        address: "东昌府区东昌西路 67 号",
        district: "371502",
        lat: 36.4569,
        lon: 115.9731,
        households: None,
        water: Some(412_000.0),
        unit_type: Some("hospital"),
    },
    DemoSite {
        kind: SiteKind::Unit,
        code: "U003",
        name: "茌平区人民政府机关",
        address: "茌平区新政路 1 号",
        district: "371503",
        lat: 36.5801,
        lon: 116.2500,
        households: None,
        water: Some(23_500.0),
        unit_type: Some("government"),
    },
];

/// Seeds the districts, the demo sites and the demo accounts. Accounts are marked as demo accounts;
/// an existing account of the same name that the seed did not make is left exactly as it is.
pub async fn seed_demo(store: &SharedStore, demo_password: &str) -> Result<SeedReport, SeedError> {
    for (code, name, name_en, kind) in DISTRICTS {
        store
            .upsert_district(&DistrictRow {
                code: (*code).into(),
                name: (*name).into(),
                name_en: (*name_en).into(),
                kind: *kind,
            })
            .await?;
    }
    // The demo sites pass the same checks as a typed or imported row, and are written the same way.
    let districts = store.list_districts().await?;
    let mut rows = Vec::with_capacity(SITES.len());
    for s in SITES {
        let fields = SiteFields {
            kind: s.kind.as_str().into(),
            external_code: s.code.into(),
            name: s.name.into(),
            address: s.address.into(),
            district: s.district.into(),
            lat: s.lat.to_string(),
            lon: s.lon.to_string(),
            coord_system: "wgs84".into(),
            households: s.households.map(|h| h.to_string()).unwrap_or_default(),
            annual_water_m3: s.water.map(|w| w.to_string()).unwrap_or_default(),
            unit_type: s.unit_type.unwrap_or_default().into(),
            ..SiteFields::default()
        };
        let input = check_site(&fields)
            .map_err(|p| SeedError::Invalid(format!("demo site {}: {p:?}", s.code)))?;
        let district_id = districts
            .iter()
            .find(|d| d.code == s.district)
            .map(|d| d.id)
            .ok_or_else(|| SeedError::Invalid(format!("demo site {}: district", s.code)))?;
        rows.push(ResolvedSite { input, district_id });
    }
    let audit = AuditEntry {
        actor_id: None,
        action: "demo_seed_sites",
        subject: String::new(),
        detail: serde_json::json!({}),
    };
    store
        .upsert_sites(&rows, time::OffsetDateTime::now_utc(), &audit)
        .await?;
    let mut report = SeedReport::default();
    for (username, name, role) in DEMO_USERS {
        // Hashing is deliberately slow: only hash when a user is new or its password changed.
        match store.user_for_login(username).await? {
            // An account the seed did not make (the administrator an operator created, say) is
            // never touched: not its password, not its role.
            Some(existing) if !existing.demo => {
                tracing::warn!(
                    username,
                    "demo user not seeded: an account of that name exists and is not a demo account"
                );
                report.skipped.push((*username).to_string());
            }
            // Keep the demo password in step with DEMO_PASSWORD across runs.
            Some(existing) => {
                if !password::verify(demo_password.to_string(), existing.password_hash).await? {
                    let audit = AuditEntry {
                        actor_id: None,
                        action: "demo_password_reset",
                        subject: existing.user.id.to_string(),
                        detail: serde_json::json!({}),
                    };
                    let hash = password::hash(demo_password.to_string()).await?;
                    store.set_password(existing.user.id, &hash, &audit).await?;
                }
            }
            None => {
                let row = NewUserRow {
                    id: uuid::Uuid::now_v7(),
                    username: (*username).into(),
                    display_name: (*name).into(),
                    role: *role,
                    district_id: None,
                    password_hash: password::hash(demo_password.to_string()).await?,
                    demo: true,
                };
                let audit = AuditEntry {
                    actor_id: None,
                    action: "demo_user_create",
                    subject: row.id.to_string(),
                    detail: serde_json::json!({ "username": username }),
                };
                store.insert_user(&row, &audit).await?;
            }
        }
    }
    // Demo accounts a start without demo mode disabled come back with it.
    store.set_demo_users_active(true).await?;
    Ok(report)
}

/// What the seed left alone.
#[derive(Debug, Default)]
pub struct SeedReport {
    /// Demo usernames taken by accounts the seed did not make.
    pub skipped: Vec<String>,
}

/// Outside demo mode the demo accounts, with their well-known password, must not sign in.
pub async fn disable_demo_users(store: &SharedStore) -> Result<u64, SeedError> {
    Ok(store.set_demo_users_active(false).await?)
}
