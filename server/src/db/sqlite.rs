//! The SQLite store: the embedded default. WAL journal, foreign keys on, migrations applied at start.

use super::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn map_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            // SQLite names the columns, not the constraint: map them to the constraint names we declared.
            let m = db.message();
            let name = if m.contains("users.username") {
                "users_username_key"
            } else if m.contains("districts.code") {
                "districts_code_key"
            } else if m.contains("sites.") {
                "sites_external_code_key"
            } else {
                "unknown"
            };
            return StoreError::Unique(name.to_string());
        }
    }
    StoreError::Db(e)
}

fn role_of(s: &str) -> StoreResult<Role> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("role {s}")))
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// For `#[sqlx::test]`, which hands out a fresh, migrated pool per test.
    pub fn from_pool(pool: SqlitePool) -> Self {
        SqliteStore { pool }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn user_auth(r: &sqlx::sqlite::SqliteRow) -> StoreResult<UserAuth> {
        Ok(UserAuth {
            user: CurrentUser {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: role_of(r.try_get::<&str, _>("role")?)?,
                district_id: r.try_get("district_id")?,
            },
            password_hash: r.try_get("password_hash")?,
            active: r.try_get("active")?,
        })
    }
}

async fn audit_tx(tx: &mut sqlx::SqliteConnection, e: &AuditEntry) -> StoreResult<()> {
    sqlx::query("INSERT INTO audit_log (id, at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(Uuid::now_v7())
        .bind(OffsetDateTime::now_utc())
        .bind(e.actor_id)
        .bind(e.action)
        .bind(&e.subject)
        .bind(e.detail.to_string())
        .execute(tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

const USER_COLS: &str = "id, username, display_name, role, district_id, password_hash, active";

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn user_for_login(&self, username: &str) -> StoreResult<Option<UserAuth>> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE username = ?"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::user_auth).transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserAuth>> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::user_auth).transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<UserSummary>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.role, u.district_id, u.active, d.name AS district_name
             FROM users u LEFT JOIN districts d ON d.id = u.district_id
             ORDER BY u.active DESC, u.role, u.username",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UserSummary {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    role: role_of(r.try_get::<&str, _>("role")?)?,
                    district_id: r.try_get("district_id")?,
                    district_name: r.try_get("district_name")?,
                    active: r.try_get("active")?,
                })
            })
            .collect()
    }

    async fn insert_user(&self, u: &NewUserRow, audit: &AuditEntry) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, district_id, password_hash, active, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(u.district_id)
        .bind(&u.password_hash)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_password(&self, id: Uuid, hash: &str, audit: &AuditEntry) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")
            .bind(hash)
            .bind(OffsetDateTime::now_utc())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_user_active(
        &self,
        id: Uuid,
        active: bool,
        audit: &AuditEntry,
    ) -> StoreResult<SetActive> {
        // BEGIN IMMEDIATE semantics: take the write lock first so two admins deactivating each other
        // cannot both pass the last-admin check.
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("SELECT role, active FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(SetActive::NoSuchUser);
        };
        let role = role_of(row.try_get::<&str, _>("role")?)?;
        let was_active: bool = row.try_get("active")?;
        if !active && was_active && role == Role::Admin {
            let admins: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1",
            )
            .fetch_one(&mut *tx)
            .await?;
            if admins <= 1 {
                return Ok(SetActive::LastAdmin);
            }
        }
        sqlx::query("UPDATE users SET active = ?, updated_at = ? WHERE id = ?")
            .bind(active)
            .bind(OffsetDateTime::now_utc())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(SetActive::Done)
    }

    async fn count_active_admins(&self) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn create_session(&self, s: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(s.now)
        .bind(s.now)
        .bind(s.expires_at)
        .bind(&s.ip)
        .bind(&s.user_agent)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        idle: time::Duration,
    ) -> StoreResult<Option<CurrentUser>> {
        let row = sqlx::query(&format!(
            "SELECT s.last_seen_at, s.expires_at, {} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?",
            USER_COLS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen: OffsetDateTime = row.try_get("last_seen_at")?;
        let expires: OffsetDateTime = row.try_get("expires_at")?;
        let auth = Self::user_auth(&row)?;
        if !auth.active || now >= expires || now - last_seen >= idle {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        // Touch at most once a minute: a page load should not always be a write.
        if now - last_seen >= time::Duration::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(auth.user))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn purge_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle: time::Duration,
    ) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
                .bind(now)
                .bind(now - idle)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    async fn failures(&self, key: &str) -> StoreResult<Option<FailureRecord>> {
        let row = sqlx::query("SELECT failures, last_failure_at FROM login_failures WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(FailureRecord {
                failures: u32::try_from(r.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX),
                last_failure_at: r.try_get("last_failure_at")?,
            })
        })
        .transpose()
    }

    async fn put_failures(&self, key: &str, rec: FailureRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at",
        )
        .bind(key)
        .bind(i64::from(rec.failures))
        .bind(rec.last_failure_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        audit_tx(&mut conn, entry).await
    }

    async fn list_districts(&self) -> StoreResult<Vec<District>> {
        let rows = sqlx::query("SELECT id, code, name FROM districts ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(District {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn district_exists(&self, id: Uuid) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts WHERE id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    async fn upsert_district(&self, d: &DistrictRow) -> StoreResult<Uuid> {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO districts (id, code, name, name_en, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind
             RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(&d.code)
        .bind(&d.name)
        .bind(&d.name_en)
        .bind(&d.kind)
        .bind(OffsetDateTime::now_utc())
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(id)
    }

    async fn upsert_site(&self, s: &SiteRow) -> StoreResult<Uuid> {
        let now = OffsetDateTime::now_utc();
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO sites (id, kind, name, address, district_id, lat, lon, external_code, credit_code,
                                households, annual_water_m3, unit_type, created_at, updated_at)
             VALUES (?, ?, ?, ?, (SELECT id FROM districts WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (kind, external_code) DO UPDATE SET
                name = excluded.name, address = excluded.address, district_id = excluded.district_id,
                lat = excluded.lat, lon = excluded.lon, credit_code = excluded.credit_code,
                households = excluded.households, annual_water_m3 = excluded.annual_water_m3,
                unit_type = excluded.unit_type, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(&s.kind)
        .bind(&s.name)
        .bind(&s.address)
        .bind(&s.district_code)
        .bind(s.lat)
        .bind(s.lon)
        .bind(&s.external_code)
        .bind(&s.credit_code)
        .bind(s.households)
        .bind(s.annual_water_m3)
        .bind(&s.unit_type)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(id)
    }

    async fn count_sites(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sites")
            .fetch_one(&self.pool)
            .await?)
    }
}
