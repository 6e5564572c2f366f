//! The SQLite store: the embedded default. WAL journal, foreign keys on, migrations applied at start.

use super::*;
use crate::audit_chain::ChainRow;
use jieshui_app::domain::fixture::Verdict;
use jieshui_app::domain::geo::LatLon;
use jieshui_app::model::site::{SiteState, TitleLevel};
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
            } else if m.contains("photos.id") {
                "photos_pkey"
            } else if m.contains("inspection_lines.id") {
                "inspection_lines_pkey"
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

fn batch_status_str(s: BatchStatus) -> &'static str {
    match s {
        BatchStatus::Invalid => "invalid",
        BatchStatus::Ready => "ready",
        BatchStatus::Committed => "committed",
    }
}

fn batch_status(s: &str) -> StoreResult<BatchStatus> {
    match s {
        "invalid" => Ok(BatchStatus::Invalid),
        "ready" => Ok(BatchStatus::Ready),
        "committed" => Ok(BatchStatus::Committed),
        other => Err(StoreError::Corrupt(format!("batch status {other}"))),
    }
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
            demo: r.try_get("demo")?,
        })
    }
}

async fn audit_tx(tx: &mut sqlx::SqliteConnection, e: &AuditEntry) -> StoreResult<()> {
    // Numbered in the statement that writes it (which takes the write lock), then sealed.
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, subject, detail, seq)
         VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log))",
    )
    .bind(Uuid::now_v7())
    .bind(OffsetDateTime::now_utc())
    .bind(e.actor_id)
    .bind(e.action)
    .bind(&e.subject)
    .bind(e.detail.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    seal_audit(tx).await?;
    Ok(())
}

/// An audit entry as the chain hashes it: every field as the database's text.
const CHAIN_COLS: &str = "CAST(seq AS TEXT) AS seq, hex(id) AS id, CAST(at AS TEXT) AS at,
    COALESCE(hex(actor_id), '') AS actor, action, subject, detail, prev_hash, hash";

fn chain_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<ChainRow> {
    Ok(ChainRow {
        seq: r.try_get::<Option<String>, _>("seq")?.unwrap_or_default(),
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Writes the hashes of every entry not yet sealed, in order, each after the one before it: the
/// entry just added, or (once, at the first start after the chain was introduced) the older ones.
pub(crate) async fn seal_audit(tx: &mut sqlx::SqliteConnection) -> StoreResult<u64> {
    let pending = sqlx::query(&format!(
        "SELECT {CHAIN_COLS} FROM audit_log WHERE hash IS NULL ORDER BY audit_log.seq"
    ))
    .fetch_all(&mut *tx)
    .await?;
    let mut sealed = 0;
    for row in &pending {
        let row = chain_row(row)?;
        let seq: i64 = row
            .seq
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("audit entry numbered {:?}", row.seq)))?;
        let prev: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = ?")
            .bind(seq - 1)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
        let prev = match (seq, prev) {
            (1, _) => crate::audit_chain::GENESIS.to_string(),
            (_, Some(p)) => p,
            (_, None) => {
                return Err(StoreError::Corrupt(format!(
                    "audit entry #{seq} follows no sealed entry"
                )))
            }
        };
        let hash = crate::audit_chain::entry_hash(&prev, &row);
        sqlx::query("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ? AND hash IS NULL")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sealed += 1;
    }
    Ok(sealed)
}

const USER_COLS: &str =
    "id, username, display_name, role, district_id, password_hash, active, demo";

#[async_trait]
impl RuleStore for SqliteStore {
    async fn rule_sets(&self) -> StoreResult<Vec<RuleSet>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT rules FROM fixture_rules ORDER BY version")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| serde_json::from_str(r).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    async fn insert_rule_set(&self, rules: &RuleSet, audit: &AuditEntry) -> StoreResult<bool> {
        let json = serde_json::to_string(rules).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.insert_version(
            sqlx::query(
                "INSERT INTO fixture_rules (version, effective_from, source, rules, created_at, created_by)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING",
            )
            .bind(i64::from(rules.version))
            .bind(rules.effective_from.to_string())
            .bind(&rules.source)
            .bind(json)
            .bind(OffsetDateTime::now_utc())
            .bind(audit.actor_id),
            audit,
        )
        .await
    }

    async fn score_sheets(
        &self,
        kind: jieshui_app::domain::site::SiteKind,
    ) -> StoreResult<Vec<jieshui_app::domain::score::ScoreSheet>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT sheet FROM score_sheets WHERE kind = ? ORDER BY version")
                .bind(kind.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| serde_json::from_str(r).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    async fn insert_score_sheet(
        &self,
        sheet: &jieshui_app::domain::score::ScoreSheet,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let json = serde_json::to_string(sheet).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.insert_version(
            sqlx::query(
                "INSERT INTO score_sheets (kind, version, effective_from, source, sheet, created_at, created_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, version) DO NOTHING",
            )
            .bind(sheet.kind.as_str())
            .bind(i64::from(sheet.version))
            .bind(sheet.effective_from.to_string())
            .bind(&sheet.source)
            .bind(json)
            .bind(OffsetDateTime::now_utc())
            .bind(audit.actor_id),
            audit,
        )
        .await
    }
}

impl SqliteStore {
    /// Writes one version of versioned data (`INSERT … ON CONFLICT DO NOTHING`) with its audit
    /// entry in one transaction; `Ok(false)` when the version was taken (nothing written).
    async fn insert_version<'q>(
        &self,
        insert: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        if insert.execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        audit_tx(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_chain(&self) -> StoreResult<Vec<ChainRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {CHAIN_COLS} FROM audit_log ORDER BY audit_log.seq, audit_log.rowid"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(chain_row).collect()
    }

    async fn seal_audit_log(&self) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let n = seal_audit(&mut tx).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn audit_trail(
        &self,
        subject: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT at, actor_id, action, subject, detail FROM audit_log
              WHERE ?1 IS NULL OR subject = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )
        .bind(subject)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    at: r.try_get("at")?,
                    actor_id: r.try_get("actor_id")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: serde_json::from_str(r.try_get::<&str, _>("detail")?)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl UserStore for SqliteStore {
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
            "INSERT INTO users (id, username, display_name, role, district_id, password_hash, active, demo, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        )
        .bind(u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(u.district_id)
        .bind(&u.password_hash)
        .bind(u.demo)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_demo_users_active(&self, active: bool) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE users SET active = ?, updated_at = ? WHERE demo = 1 AND active <> ? RETURNING id",
        )
        .bind(active)
        .bind(OffsetDateTime::now_utc())
        .bind(active)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let audit = AuditEntry {
                actor_id: None,
                action: if active {
                    "demo_user_enable"
                } else {
                    "demo_user_disable"
                },
                subject: id.to_string(),
                detail: serde_json::json!({}),
            };
            audit_tx(&mut tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    async fn change_own_password(
        &self,
        id: Uuid,
        old_hash: &str,
        new_hash: &str,
        keep_session: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET password_hash = ?, updated_at = ?
             WHERE id = ? AND password_hash = ? AND active = 1",
        )
        .bind(new_hash)
        .bind(OffsetDateTime::now_utc())
        .bind(id)
        .bind(old_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
            .bind(id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
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
        let mut tx = self.pool.begin().await?;
        // The active admins' rows are written first (a no-op), so two admins deactivating each other
        // at once take turns on any engine (SQLite's write lock, row locks elsewhere), and the
        // conditional update below counts the admins as the other one left them.
        sqlx::query("UPDATE users SET active = active WHERE role = 'admin' AND active = 1")
            .execute(&mut *tx)
            .await?;
        let changed = sqlx::query(
            "UPDATE users SET active = ?1, updated_at = ?2
              WHERE id = ?3
                AND (?1 = 1 OR role <> 'admin' OR active = 0
                     OR (SELECT COUNT(*) FROM users o
                          WHERE o.role = 'admin' AND o.active = 1 AND o.id <> ?3) > 0)",
        )
        .bind(active)
        .bind(OffsetDateTime::now_utc())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            return Ok(if exists.is_some() {
                SetActive::LastAdmin
            } else {
                SetActive::NoSuchUser
            });
        }
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

    async fn claim_attempt(
        &self,
        key: &str,
        expected: Option<FailureRecord>,
        next: FailureRecord,
    ) -> StoreResult<bool> {
        let done = match expected {
            None => sqlx::query(
                "INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, ?, ?)
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(i64::from(next.failures))
            .bind(next.last_failure_at)
            .execute(&self.pool)
            .await?
            .rows_affected(),
            Some(old) => sqlx::query(
                "UPDATE login_failures SET failures = ?, last_failure_at = ?
                 WHERE key = ? AND failures = ? AND last_failure_at = ?",
            )
            .bind(i64::from(next.failures))
            .bind(next.last_failure_at)
            .bind(key)
            .bind(i64::from(old.failures))
            .bind(old.last_failure_at)
            .execute(&self.pool)
            .await?
            .rows_affected(),
        };
        Ok(done == 1)
    }

    async fn forgive_attempt(&self, key: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE login_failures SET failures = failures - 1 WHERE key = ? AND failures > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn purge_failures(&self, before: i64) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM login_failures WHERE last_failure_at < ?")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl SiteStore for SqliteStore {
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
        .bind(d.kind.as_str())
        .bind(OffsetDateTime::now_utc())
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(id)
    }

    async fn upsert_sites(
        &self,
        rows: &[ResolvedSite],
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<SitesWritten> {
        let mut tx = self.pool.begin().await?;
        let written = write_sites(&mut tx, rows, at).await?;
        let mut audit = audit.clone();
        audit.detail =
            serde_json::json!({ "inserted": written.inserted, "updated": written.updated });
        audit_tx(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn count_sites(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sites")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn list_sites(&self, f: &SiteFilter, limit: u32) -> StoreResult<Listed<SiteSummary>> {
        let mut where_ = String::from(" WHERE 1=1");
        match f.state {
            SiteState::Active => where_.push_str(" AND s.active = 1"),
            SiteState::Closed => where_.push_str(" AND s.active = 0"),
            SiteState::All => {}
        }
        if f.kind.is_some() {
            where_.push_str(" AND s.kind = ?");
        }
        if f.district_id.is_some() {
            where_.push_str(" AND s.district_id = ?");
        }
        let q = f.q.trim();
        let like = like_pattern(q);
        if !q.is_empty() {
            where_.push_str(
                " AND (s.name LIKE ? ESCAPE '\\' OR s.address LIKE ? ESCAPE '\\' OR s.external_code LIKE ? ESCAPE '\\')",
            );
        }
        macro_rules! bind_filters {
            ($query:expr) => {{
                let mut qy = $query;
                if let Some(k) = f.kind {
                    qy = qy.bind(k.as_str());
                }
                if let Some(d) = f.district_id {
                    qy = qy.bind(d);
                }
                if !q.is_empty() {
                    qy = qy.bind(like.clone()).bind(like.clone()).bind(like.clone());
                }
                qy
            }};
        }
        let count_sql = format!("SELECT COUNT(*) FROM sites s{where_}");
        let total: i64 = bind_filters!(sqlx::query_scalar(&count_sql))
            .fetch_one(&self.pool)
            .await?;
        let sql = format!(
            "{SITE_COLS}{SITE_FROM}{where_} ORDER BY s.active DESC, s.kind, s.name LIMIT ? OFFSET ?"
        );
        let rows = bind_filters!(sqlx::query(&sql))
            .bind(i64::from(limit))
            .bind(i64::from(f.page) * i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(site_summary)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Listed { items, total })
    }

    async fn active_sites(&self, kind: Option<SiteKind>, q: &str) -> StoreResult<Vec<SiteSummary>> {
        let filter = SiteFilter {
            q: q.to_string(),
            kind,
            district_id: None,
            state: SiteState::Active,
            page: 0,
        };
        Ok(self.list_sites(&filter, 100_000).await?.items)
    }

    async fn active_sites_within(
        &self,
        kind: Option<SiteKind>,
        q: &str,
        bbox: [f64; 4],
    ) -> StoreResult<Vec<SiteSummary>> {
        let q = q.trim();
        let mut sql = format!(
            "{SITE_COLS}{SITE_FROM} WHERE s.active = 1 AND s.lat BETWEEN ? AND ? AND s.lon BETWEEN ? AND ?"
        );
        if kind.is_some() {
            sql.push_str(" AND s.kind = ?");
        }
        if !q.is_empty() {
            sql.push_str(
                " AND (s.name LIKE ? ESCAPE '\\' OR s.address LIKE ? ESCAPE '\\' OR s.external_code LIKE ? ESCAPE '\\')",
            );
        }
        let mut query = sqlx::query(&sql)
            .bind(bbox[0])
            .bind(bbox[1])
            .bind(bbox[2])
            .bind(bbox[3]);
        if let Some(k) = kind {
            query = query.bind(k.as_str());
        }
        if !q.is_empty() {
            let like = like_pattern(q);
            query = query.bind(like.clone()).bind(like.clone()).bind(like);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(site_summary).collect()
    }

    async fn site_detail(&self, id: Uuid) -> StoreResult<Option<SiteDetail>> {
        let row = sqlx::query(&format!(
            "{SITE_COLS}, s.district_id, s.geofence_m, s.contact, s.credit_code, s.households,
                s.annual_water_m3, s.unit_type, s.parent_id, p.name AS parent_name, p.external_code AS parent_code,
                s.source_lat, s.source_lon, s.source_system, s.closed_at
             {SITE_FROM} LEFT JOIN sites p ON p.id = s.parent_id
             WHERE s.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let titles = sqlx::query(
            "SELECT id, level, awarded_on, document_no, valid_until, audit_id FROM site_titles
              WHERE site_id = ? ORDER BY awarded_on DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(title_row)
        .collect::<StoreResult<Vec<_>>>()?;
        let parent_id: Option<Uuid> = r.try_get("parent_id")?;
        let parent_name: Option<String> = r.try_get("parent_name")?;
        let source = match (
            r.try_get::<Option<f64>, _>("source_lat")?,
            r.try_get::<Option<f64>, _>("source_lon")?,
        ) {
            (Some(lat), Some(lon)) => Some(LatLon::new(lat, lon)),
            _ => None,
        };
        let closed_at: Option<OffsetDateTime> = r.try_get("closed_at")?;
        Ok(Some(SiteDetail {
            summary: site_summary(&r)?,
            district_id: r.try_get("district_id")?,
            geofence_m: r.try_get("geofence_m")?,
            contact: r.try_get("contact")?,
            credit_code: r.try_get("credit_code")?,
            households: r.try_get("households")?,
            annual_water_m3: r.try_get("annual_water_m3")?,
            unit_type: r
                .try_get::<Option<String>, _>("unit_type")?
                .and_then(|u| u.parse().ok()),
            parent: parent_id.zip(parent_name),
            parent_code: r.try_get("parent_code")?,
            source_position: source,
            source_system: r
                .try_get::<&str, _>("source_system")?
                .parse()
                .unwrap_or_default(),
            // An instant (RFC 3339): the day it falls on depends on the city's time zone.
            closed_at: closed_at.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
            titles,
        }))
    }

    async fn site_codes(&self) -> StoreResult<HashSet<(SiteKind, String)>> {
        let rows = sqlx::query("SELECT kind, external_code FROM sites")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: &str = r.try_get("kind")?;
                let kind: SiteKind = kind
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("site kind {kind}")))?;
                Ok((kind, r.try_get("external_code")?))
            })
            .collect()
    }

    async fn set_site_active(
        &self,
        id: Uuid,
        active: bool,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let n =
            sqlx::query("UPDATE sites SET active = ?, closed_at = ?, updated_at = ? WHERE id = ?")
                .bind(active)
                .bind(if active { None } else { Some(now) })
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn add_title(&self, site_id: Uuid, t: &Title, audit: &AuditEntry) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sites WHERE id = ?")
            .bind(site_id)
            .fetch_one(&mut *tx)
            .await?;
        if exists == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO site_titles (id, site_id, level, awarded_on, document_no, valid_until, created_by,
                                      created_at, audit_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(t.id)
        .bind(site_id)
        .bind(t.level.as_str())
        .bind(&t.awarded_on)
        .bind(&t.document_no)
        .bind(&t.valid_until)
        .bind(audit.actor_id)
        .bind(OffsetDateTime::now_utc())
        .bind(t.audit_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn save_site(
        &self,
        id: Option<Uuid>,
        r: &ResolvedSite,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<Option<SavedSite>> {
        let s = &r.input;
        let mut tx = self.pool.begin().await?;
        let (site_id, moved) = match id {
            Some(id) => {
                let before: Option<(f64, f64, i64)> =
                    sqlx::query_as("SELECT lat, lon, geofence_m FROM sites WHERE id = ?")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((lat, lon, fence)) = before else {
                    return Ok(None);
                };
                (
                    id,
                    lat != s.position.lat || lon != s.position.lon || fence != s.geofence_m,
                )
            }
            None => (Uuid::now_v7(), false),
        };
        // One statement for both: the columns are listed once (`insert_site_sql!`, `site_update_set!`),
        // shared with the import. An edit keeps the site's creation time and active flag.
        bind_new_site(
            sqlx::query(concat!(
                insert_site_sql!(),
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, external_code = excluded.external_code, ",
                site_update_set!()
            )),
            site_id,
            r,
            at,
        )
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut audit = audit.clone();
        audit.subject = site_id.to_string();
        audit_tx(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Some(SavedSite { id: site_id, moved }))
    }
    async fn list_stats(&self) -> StoreResult<Vec<YearlyStats>> {
        let rows = sqlx::query("SELECT * FROM yearly_stats ORDER BY year DESC")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(YearlyStats {
                    year: r.try_get::<i64, _>("year")? as i32,
                    urban_households: r.try_get("urban_households")?,
                    urban_households_source: r.try_get("urban_households_source")?,
                    nonres_water_m3: r.try_get("nonres_water_m3")?,
                    nonres_water_source: r.try_get("nonres_water_source")?,
                    industrial_water_m3: r.try_get("industrial_water_m3")?,
                    industrial_water_source: r.try_get("industrial_water_source")?,
                })
            })
            .collect()
    }

    async fn upsert_stats(&self, s: &YearlyStats, audit: &AuditEntry) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO yearly_stats (year, urban_households, urban_households_source, nonres_water_m3,
                nonres_water_source, industrial_water_m3, industrial_water_source, updated_by, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (year) DO UPDATE SET urban_households = excluded.urban_households,
                urban_households_source = excluded.urban_households_source, nonres_water_m3 = excluded.nonres_water_m3,
                nonres_water_source = excluded.nonres_water_source, industrial_water_m3 = excluded.industrial_water_m3,
                industrial_water_source = excluded.industrial_water_source, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at",
        )
        .bind(i64::from(s.year))
        .bind(s.urban_households)
        .bind(&s.urban_households_source)
        .bind(s.nonres_water_m3)
        .bind(&s.nonres_water_source)
        .bind(s.industrial_water_m3)
        .bind(&s.industrial_water_source)
        .bind(audit.actor_id)
        .bind(OffsetDateTime::now_utc())
        .execute(&mut *tx)
        .await?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl ImportStore for SqliteStore {
    async fn insert_batch(&self, b: &NewBatch, audit: &AuditEntry) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO import_batches (id, created_by, created_at, filename, row_count, status, payload)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(b.id)
        .bind(b.created_by)
        .bind(OffsetDateTime::now_utc())
        .bind(&b.filename)
        .bind(b.row_count)
        .bind(batch_status_str(b.status))
        .bind(&b.payload)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn batch(&self, id: Uuid) -> StoreResult<Option<BatchRow>> {
        let r = sqlx::query(
            "SELECT id, created_by, filename, row_count, status, payload, inserted, updated FROM import_batches WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(BatchRow {
                id: r.try_get("id")?,
                created_by: r.try_get("created_by")?,
                filename: r.try_get("filename")?,
                row_count: r.try_get("row_count")?,
                status: batch_status(r.try_get("status")?)?,
                payload: r.try_get("payload")?,
                inserted: r.try_get("inserted")?,
                updated: r.try_get("updated")?,
            })
        })
        .transpose()
    }

    async fn commit_batch(
        &self,
        id: Uuid,
        rows: &[ResolvedSite],
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<CommitOutcome> {
        let mut tx = self.pool.begin().await?;
        // Claim the batch first: the write lock this takes serialises two commits of the same batch.
        let claimed = sqlx::query("UPDATE import_batches SET status = 'committed', committed_at = ? WHERE id = ? AND status = 'ready'")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM import_batches WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Ok(if status.as_deref() == Some("committed") {
                CommitOutcome::AlreadyCommitted
            } else {
                CommitOutcome::NotReady
            });
        }
        let written = write_sites(&mut tx, rows, at).await?;
        let (inserted, updated, moved) = (written.inserted, written.updated, written.moved);
        sqlx::query("UPDATE import_batches SET inserted = ?, updated = ? WHERE id = ?")
            .bind(inserted)
            .bind(updated)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut audit = audit.clone();
        audit.detail = serde_json::json!({ "batch": id.to_string(), "inserted": inserted, "updated": updated });
        audit_tx(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(CommitOutcome::Committed {
            inserted,
            updated,
            moved,
        })
    }
}

#[async_trait]
impl EvidenceStore for SqliteStore {
    async fn upsert_inspection(
        &self,
        i: &InspectionRow,
        audit: &AuditEntry,
    ) -> StoreResult<InspectionRow> {
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO inspections (id, kind, site_id, inspector_id, started_at, start_lat, start_lon,
                                      start_accuracy_m, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(i.id)
        .bind(i.kind.as_str())
        .bind(i.site_id)
        .bind(i.inspector_id)
        .bind(i.started_at)
        .bind(i.start.map(|s| s.position.lat))
        .bind(i.start.map(|s| s.position.lon))
        .bind(i.start.and_then(|s| s.accuracy_m))
        .bind(i.started_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        // A retry finds the inspection made the first time: no second audit entry.
        if created > 0 {
            audit_tx(&mut tx, audit).await?;
        }
        tx.commit().await?;
        self.inspection(i.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("inspection vanished".into()))
    }

    async fn inspection(&self, id: Uuid) -> StoreResult<Option<InspectionRow>> {
        sqlx::query(
            "SELECT id, kind, site_id, inspector_id, started_at, start_lat, start_lon, start_accuracy_m,
                    status
             FROM inspections WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| inspection_row(&r))
        .transpose()
    }

    async fn photo(&self, id: Uuid) -> StoreResult<Option<PhotoRow>> {
        let r = sqlx::query("SELECT * FROM photos WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(photo_row).transpose()
    }

    async fn reflag_photos(
        &self,
        scope: &ReflagScope,
        compute: &(dyn for<'r> Fn(&'r ReflagRow) -> serde_json::Value + Send + Sync),
    ) -> StoreResult<usize> {
        let mut tx = self.pool.begin().await?;
        // The write lock first (SQLite's BEGIN IMMEDIATE): a second re-flag, or the site change
        // that will call one, waits until this one has written what it computed, and so reads
        // after it. (A server engine holds the photo rows instead: SELECT ... FOR UPDATE.)
        sqlx::query("UPDATE photos SET flags = flags WHERE id IS NULL")
            .execute(&mut *tx)
            .await?;
        let (filter, bind) = match scope {
            ReflagScope::Site(id) => ("WHERE i.site_id = ?", Some(ReflagBind::Id(*id))),
            ReflagScope::Picture {
                sha256,
                original_sha256,
            } => (
                "WHERE p.sha256 IN (?1, ?2) OR p.original_sha256 IN (?1, ?2)",
                Some(ReflagBind::Pair(
                    sha256.clone(),
                    original_sha256.clone().unwrap_or_else(|| sha256.clone()),
                )),
            ),
            ReflagScope::All => ("", None),
        };
        let sql = format!(
            "SELECT p.*, s.lat AS site_lat, s.lon AS site_lon, s.geofence_m AS site_geofence_m,
                    (SELECT COUNT(DISTINCT q.inspection_id) FROM photos q
                      WHERE q.inspection_id <> p.inspection_id
                        AND (q.sha256 IN (p.sha256, COALESCE(p.original_sha256, p.sha256))
                             OR q.original_sha256 IN (p.sha256, COALESCE(p.original_sha256, p.sha256))))
                      AS elsewhere
               FROM photos p
               JOIN inspections i ON i.id = p.inspection_id
               LEFT JOIN sites s ON s.id = i.site_id
             {filter}
             ORDER BY p.received_at"
        );
        let q = sqlx::query(&sql);
        let q = match bind {
            Some(ReflagBind::Id(id)) => q.bind(id),
            Some(ReflagBind::Pair(a, b)) => q.bind(a).bind(b),
            None => q,
        };
        let rows = q.fetch_all(&mut *tx).await?;
        let mut changed = 0;
        for r in &rows {
            let lat: Option<f64> = r.try_get("site_lat")?;
            let lon: Option<f64> = r.try_get("site_lon")?;
            let fence: Option<i64> = r.try_get("site_geofence_m")?;
            let elsewhere: i64 = r.try_get("elsewhere")?;
            let row = ReflagRow {
                photo: photo_row(r)?,
                site: lat.zip(lon).zip(fence).map(|((a, b), f)| SiteFence {
                    position: LatLon::new(a, b),
                    radius_m: f as f64,
                }),
                same_hash_elsewhere: u32::try_from(elsewhere).unwrap_or(u32::MAX),
            };
            let now = compute(&row);
            if now != row.photo.flags {
                sqlx::query("UPDATE photos SET flags = ? WHERE id = ?")
                    .bind(now.to_string())
                    .bind(row.photo.id)
                    .execute(&mut *tx)
                    .await?;
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn same_hash_elsewhere(
        &self,
        sha256: &str,
        original_sha256: Option<&str>,
        inspection_id: Uuid,
    ) -> StoreResult<u32> {
        let original = original_sha256.unwrap_or(sha256);
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT inspection_id) FROM photos
              WHERE inspection_id <> ?
                AND (sha256 IN (?, ?) OR original_sha256 IN (?, ?))",
        )
        .bind(inspection_id)
        .bind(sha256)
        .bind(original)
        .bind(sha256)
        .bind(original)
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn insert_photo(&self, p: &PhotoRow, audit: &AuditEntry) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO photos (id, inspection_id, line_id, sha256, original_sha256, bytes, mime, width, height,
                                 exif, client_exif, device_lat, device_lon, accuracy_m, captured_at, fix_at,
                                 received_at, uploaded_by, flags)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id)
        .bind(p.inspection_id)
        .bind(p.line_id)
        .bind(&p.sha256)
        .bind(&p.original_sha256)
        .bind(p.bytes)
        .bind(&p.mime)
        .bind(p.width)
        .bind(p.height)
        .bind(p.exif.to_string())
        .bind(p.client_exif.to_string())
        .bind(p.device_lat)
        .bind(p.device_lon)
        .bind(p.accuracy_m)
        .bind(p.captured_at)
        .bind(p.fix_at)
        .bind(p.received_at)
        .bind(p.uploaded_by)
        .bind(p.flags.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn inspection_photos(&self, inspection_id: Uuid) -> StoreResult<Vec<PhotoBrief>> {
        let rows = sqlx::query(
            "SELECT id, width, flags, line_id FROM photos WHERE inspection_id = ? ORDER BY received_at",
        )
        .bind(inspection_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let flags: Vec<serde_json::Value> =
                    serde_json::from_str(r.try_get::<&str, _>("flags")?)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(PhotoBrief {
                    id: r.try_get("id")?,
                    preview: r.try_get::<Option<i64>, _>("width")?.is_some(),
                    flags: flags.len(),
                    line_id: r.try_get("line_id")?,
                })
            })
            .collect()
    }

    async fn inspection_photo_rows(&self, inspection_id: Uuid) -> StoreResult<Vec<PhotoRow>> {
        let rows =
            sqlx::query("SELECT * FROM photos WHERE inspection_id = ? ORDER BY received_at, id")
                .bind(inspection_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(photo_row).collect()
    }

    async fn photo_hashes(&self) -> StoreResult<HashSet<String>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM photos")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().collect())
    }
}

/// Inserts or updates sites by (kind, external code), venues first, in the caller's transaction:
/// the one writer of site rows for imports and the demo seed (the form's single site shares its
/// column lists).
async fn write_sites(
    tx: &mut sqlx::SqliteConnection,
    rows: &[ResolvedSite],
    now: OffsetDateTime,
) -> StoreResult<SitesWritten> {
    let (mut inserted, mut updated) = (0i64, 0i64);
    let mut moved = Vec::new();
    // Venues first, so shops in the same file can point at them.
    let mut ordered: Vec<&ResolvedSite> = rows.iter().collect();
    ordered.sort_by_key(|r| r.input.kind != SiteKind::Venue);
    for r in ordered {
        let s = &r.input;
        let before: Option<(Uuid, f64, f64, i64)> = sqlx::query_as(
            "SELECT id, lat, lon, geofence_m FROM sites WHERE kind = ? AND external_code = ?",
        )
        .bind(s.kind.as_str())
        .bind(&s.external_code)
        .fetch_optional(&mut *tx)
        .await?;
        let existed = i64::from(before.is_some());
        if let Some((site, lat, lon, fence)) = before {
            // Only a site that moved or whose geofence changed has photos to flag again.
            if lat != s.position.lat || lon != s.position.lon || fence != s.geofence_m {
                moved.push(site);
            }
        }
        bind_new_site(
            sqlx::query(concat!(
                insert_site_sql!(),
                " ON CONFLICT (kind, external_code) DO UPDATE SET ",
                site_update_set!()
            )),
            Uuid::now_v7(),
            r,
            now,
        )
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if existed > 0 {
            updated += 1;
        } else {
            inserted += 1;
        }
    }
    Ok(SitesWritten {
        inserted,
        updated,
        moved,
    })
}

const SITE_COLS: &str =
    "SELECT s.id, s.kind, s.external_code, s.name, s.address, d.name AS district_name, s.lat, s.lon, s.active";
const SITE_FROM: &str = " FROM sites s JOIN districts d ON d.id = s.district_id";

/// A `LIKE` pattern matching `q` anywhere, its own `%`, `_` and `\` taken literally.
fn like_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

fn site_summary(r: &sqlx::sqlite::SqliteRow) -> StoreResult<SiteSummary> {
    let kind: &str = r.try_get("kind")?;
    Ok(SiteSummary {
        id: r.try_get("id")?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("site kind {kind}")))?,
        external_code: r.try_get("external_code")?,
        name: r.try_get("name")?,
        address: r.try_get("address")?,
        district_name: r.try_get("district_name")?,
        position: LatLon::new(r.try_get("lat")?, r.try_get("lon")?),
        active: r.try_get("active")?,
    })
}

enum ReflagBind {
    Id(Uuid),
    Pair(String, String),
}

fn photo_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<PhotoRow> {
    let json = |c: &str| -> StoreResult<serde_json::Value> {
        serde_json::from_str(r.try_get::<&str, _>(c)?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    Ok(PhotoRow {
        id: r.try_get("id")?,
        inspection_id: r.try_get("inspection_id")?,
        line_id: r.try_get("line_id")?,
        sha256: r.try_get("sha256")?,
        original_sha256: r.try_get("original_sha256")?,
        bytes: r.try_get("bytes")?,
        mime: r.try_get("mime")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        exif: json("exif")?,
        client_exif: json("client_exif")?,
        device_lat: r.try_get("device_lat")?,
        device_lon: r.try_get("device_lon")?,
        accuracy_m: r.try_get("accuracy_m")?,
        captured_at: r.try_get("captured_at")?,
        fix_at: r.try_get("fix_at")?,
        received_at: r.try_get("received_at")?,
        uploaded_by: r.try_get("uploaded_by")?,
        flags: json("flags")?,
    })
}

/// A new site's row: every column but `active` (1) is bound by `bind_new_site`, in this order.
macro_rules! insert_site_sql {
    () => {
        "INSERT INTO sites (id, kind, name, address, district_id, parent_id, lat, lon, geofence_m, contact,
                           credit_code, external_code, households, annual_water_m3, unit_type, active,
                           created_at, updated_at, source_lat, source_lon, source_system)
         VALUES (?, ?, ?, ?, ?, (SELECT id FROM sites WHERE kind = 'venue' AND external_code = ?), ?, ?, ?, ?,
                 ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)"
    };
}
use insert_site_sql;

/// What an existing site takes from `insert_site_sql!`'s values when it is written again (by the
/// form or an import): everything but its id, key, creation time and active flag.
macro_rules! site_update_set {
    () => {
        "name = excluded.name, address = excluded.address, district_id = excluded.district_id,
         parent_id = excluded.parent_id, lat = excluded.lat, lon = excluded.lon,
         geofence_m = excluded.geofence_m, contact = excluded.contact, credit_code = excluded.credit_code,
         households = excluded.households, annual_water_m3 = excluded.annual_water_m3,
         unit_type = excluded.unit_type, updated_at = excluded.updated_at,
         source_lat = excluded.source_lat, source_lon = excluded.source_lon,
         source_system = excluded.source_system"
    };
}
use site_update_set;

fn bind_new_site<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    id: Uuid,
    r: &'q ResolvedSite,
    now: OffsetDateTime,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let s = &r.input;
    q.bind(id)
        .bind(s.kind.as_str())
        .bind(&s.name)
        .bind(&s.address)
        .bind(r.district_id)
        .bind(&s.parent_code)
        .bind(s.position.lat)
        .bind(s.position.lon)
        .bind(s.geofence_m)
        .bind(&s.contact)
        .bind(&s.credit_code)
        .bind(&s.external_code)
        .bind(s.households)
        .bind(s.annual_water_m3)
        .bind(s.unit_type.map(|u| u.as_str()))
        .bind(now)
        .bind(now)
        .bind(s.source_position.lat)
        .bind(s.source_position.lon)
        .bind(s.source_system.as_str())
}

fn title_row(t: &sqlx::sqlite::SqliteRow) -> StoreResult<Title> {
    Ok(Title {
        id: t.try_get("id")?,
        level: TitleLevel::parse(t.try_get::<&str, _>("level")?)
            .ok_or_else(|| StoreError::Corrupt("title level".into()))?,
        awarded_on: t.try_get("awarded_on")?,
        document_no: t.try_get("document_no")?,
        valid_until: t.try_get("valid_until")?,
        audit_id: t.try_get("audit_id")?,
    })
}

fn inspection_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<InspectionRow> {
    let lat: Option<f64> = r.try_get("start_lat")?;
    let lon: Option<f64> = r.try_get("start_lon")?;
    let acc: Option<f64> = r.try_get("start_accuracy_m")?;
    let kind: &str = r.try_get("kind")?;
    let status: &str = r.try_get("status")?;
    Ok(InspectionRow {
        id: r.try_get("id")?,
        kind: InspectionKind::parse(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("inspection kind {kind}")))?,
        site_id: r.try_get("site_id")?,
        inspector_id: r.try_get("inspector_id")?,
        started_at: r.try_get("started_at")?,
        start: lat.zip(lon).map(|(a, b)| Fix {
            position: LatLon::new(a, b),
            accuracy_m: acc,
        }),
        status: InspectionStatus::parse(status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
    })
}

fn day_col(s: Option<String>) -> StoreResult<Option<Day>> {
    s.map(|s| Day::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("day {s}"))))
        .transpose()
}

fn stored_line(r: &sqlx::sqlite::SqliteRow) -> StoreResult<StoredLine> {
    let id: Uuid = r.try_get("id")?;
    let grade: Option<i64> = r.try_get("grade")?;
    let verdict: &str = r.try_get("verdict")?;
    let quantity: i64 = r.try_get("quantity")?;
    let rules_version: i64 = r.try_get("rules_version")?;
    Ok(StoredLine {
        line: Line {
            id: id.to_string(),
            category: r.try_get("category")?,
            brand: r.try_get("brand")?,
            model: r.try_get("model")?,
            manufacturer: r.try_get("manufacturer")?,
            label_present: r.try_get("label_present")?,
            grade: grade.and_then(|g| u8::try_from(g).ok()),
            figure: r.try_get("figure")?,
            figure2: r.try_get("figure2")?,
            quantity: u32::try_from(quantity).unwrap_or(0),
            phased_out: r.try_get("phased_out")?,
            filing_no: r.try_get("filing_no")?,
            note: r.try_get("note")?,
            edited_at: r.try_get("edited_at")?,
        },
        judgement: Judgement {
            verdict: Verdict::parse(verdict)
                .ok_or_else(|| StoreError::Corrupt(format!("verdict {verdict}")))?,
            reason: jieshui_app::domain::fixture::Reason {
                zh: r.try_get("reason_zh")?,
                en: r.try_get("reason_en")?,
            },
            rules_version: u32::try_from(rules_version).unwrap_or(0),
        },
    })
}

#[async_trait]
impl MarketStore for SqliteStore {
    async fn market_record(&self, id: Uuid) -> StoreResult<Option<MarketRecord>> {
        let mut conn = self.pool.acquire().await?;
        let Some(r) = sqlx::query("SELECT * FROM inspections WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(None);
        };
        let inspection = inspection_row(&r)?;
        let outcome: Option<String> = r.try_get("outcome")?;
        let lines =
            sqlx::query("SELECT * FROM inspection_lines WHERE inspection_id = ? ORDER BY position")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(stored_line)
                .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(MarketRecord {
            inspection,
            lines,
            outcome: outcome
                .map(|o| {
                    Outcome::parse(&o).ok_or_else(|| StoreError::Corrupt(format!("outcome {o}")))
                })
                .transpose()?,
            outcome_note: r.try_get("outcome_note")?,
            rectify_by: day_col(r.try_get("rectify_by")?)?,
            digest: r.try_get("draft_digest")?,
            updated_at: r.try_get("updated_at")?,
            submitted_at: r.try_get("submitted_at")?,
            round: r.try_get("round")?,
            outcome_version: r.try_get("outcome_version")?,
            reinspects: r.try_get("reinspects")?,
        }))
    }

    async fn save_draft(
        &self,
        id: Uuid,
        d: &StoredDraft,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<DraftWrite> {
        let mut tx = self.pool.begin().await?;
        // The write lock first (a no-op update): a concurrent save or submit waits, then reads
        // what this one wrote.
        let found = sqlx::query("UPDATE inspections SET status = status WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Ok(DraftWrite::NotDraft);
        }
        let (status, digest): (String, Option<String>) =
            sqlx::query_as("SELECT status, draft_digest FROM inspections WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if !InspectionStatus::parse(&status).is_some_and(InspectionStatus::editable) {
            return Ok(DraftWrite::NotDraft);
        }
        if digest.as_deref() == Some(d.digest.as_str()) {
            return Ok(DraftWrite::Unchanged);
        }
        sqlx::query("DELETE FROM inspection_lines WHERE inspection_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (position, l) in d.lines.iter().enumerate() {
            let line_id = Uuid::parse_str(&l.line.id)
                .map_err(|_| StoreError::Corrupt(format!("line id {}", l.line.id)))?;
            sqlx::query(
                "INSERT INTO inspection_lines (id, inspection_id, position, category, brand, model,
                    manufacturer, label_present, grade, figure, figure2, quantity, phased_out,
                    filing_no, note, edited_at, verdict, reason_zh, reason_en, rules_version)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(line_id)
            .bind(id)
            .bind(position as i64)
            .bind(&l.line.category)
            .bind(&l.line.brand)
            .bind(&l.line.model)
            .bind(&l.line.manufacturer)
            .bind(l.line.label_present)
            .bind(l.line.grade.map(i64::from))
            .bind(l.line.figure)
            .bind(l.line.figure2)
            .bind(i64::from(l.line.quantity))
            .bind(l.line.phased_out)
            .bind(&l.line.filing_no)
            .bind(&l.line.note)
            .bind(l.line.edited_at)
            .bind(l.judgement.verdict.as_str())
            .bind(&l.judgement.reason.zh)
            .bind(&l.judgement.reason.en)
            .bind(i64::from(l.judgement.rules_version))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        sqlx::query(
            "UPDATE inspections SET outcome = ?, outcome_note = ?, rectify_by = ?, draft_digest = ?,
                updated_at = ? WHERE id = ?",
        )
        .bind(d.outcome.map(Outcome::as_str))
        .bind(&d.outcome_note)
        .bind(d.rectify_by.map(|d| d.to_string()))
        .bind(&d.digest)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(DraftWrite::Saved)
    }

    async fn submit_inspection(
        &self,
        id: Uuid,
        digest: &str,
        lines: &[StoredLine],
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<SubmitWrite> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE inspections SET status = 'submitted', submitted_at = ?, updated_at = ?,
                    round = round + (status = 'returned')
              WHERE id = ? AND status IN ('draft', 'returned') AND draft_digest IS ?",
        )
        .bind(at)
        .bind(at)
        .bind(id)
        .bind(digest)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM inspections WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Ok(match status.as_deref() {
                Some("draft" | "returned") => SubmitWrite::DraftChanged,
                _ => SubmitWrite::AlreadySubmitted,
            });
        }
        for l in lines {
            let line_id = Uuid::parse_str(&l.line.id)
                .map_err(|_| StoreError::Corrupt(format!("line id {}", l.line.id)))?;
            sqlx::query(
                "UPDATE inspection_lines SET verdict = ?, reason_zh = ?, reason_en = ?, rules_version = ?
                  WHERE id = ? AND inspection_id = ?",
            )
            .bind(l.judgement.verdict.as_str())
            .bind(&l.judgement.reason.zh)
            .bind(&l.judgement.reason.en)
            .bind(i64::from(l.judgement.rules_version))
            .bind(line_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(SubmitWrite::Submitted)
    }

    async fn brands(&self, prefix: &str, limit: u32) -> StoreResult<Vec<String>> {
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        Ok(sqlx::query_scalar(
            "SELECT brand FROM inspection_lines WHERE brand <> '' AND brand LIKE ? ESCAPE '\\'
              GROUP BY brand ORDER BY COUNT(*) DESC, brand LIMIT ?",
        )
        .bind(format!("{escaped}%"))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn inspection_list(
        &self,
        inspector: Option<Uuid>,
        site: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<InspectionListItem>> {
        let rows = sqlx::query(
            "SELECT i.id, i.kind, i.status, i.site_id, s.name AS site_name, i.inspector_id,
                    i.started_at, i.submitted_at,
                    (SELECT COUNT(*) FROM inspection_lines l WHERE l.inspection_id = i.id) AS lines,
                    (SELECT COUNT(*) FROM inspection_lines l
                      WHERE l.inspection_id = i.id AND l.verdict <> 'water_saving') AS violations
               FROM inspections i JOIN sites s ON s.id = i.site_id
              WHERE (?1 IS NULL OR i.inspector_id = ?1) AND (?2 IS NULL OR i.site_id = ?2)
              ORDER BY i.started_at DESC LIMIT ?3",
        )
        .bind(inspector)
        .bind(site)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: &str = r.try_get("kind")?;
                let status: &str = r.try_get("status")?;
                Ok(InspectionListItem {
                    id: r.try_get("id")?,
                    kind: InspectionKind::parse(kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("inspection kind {kind}")))?,
                    status: InspectionStatus::parse(status)
                        .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                    site_id: r.try_get("site_id")?,
                    site_name: r.try_get("site_name")?,
                    inspector_id: r.try_get("inspector_id")?,
                    started_at: r.try_get("started_at")?,
                    submitted_at: r.try_get("submitted_at")?,
                    lines: r.try_get("lines")?,
                    violations: r.try_get("violations")?,
                })
            })
            .collect()
    }
}

fn rectification_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<Rectification> {
    let status: &str = r.try_get("status")?;
    Ok(Rectification {
        id: r.try_get("id")?,
        site_id: r.try_get("site_id")?,
        site_name: r.try_get("site_name")?,
        district_id: r.try_get("district_id")?,
        inspection_id: r.try_get("inspection_id")?,
        required: r.try_get("required")?,
        due: day_col(Some(r.try_get("due")?))?
            .ok_or_else(|| StoreError::Corrupt("rectification due".into()))?,
        open: status == "open",
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        closed_by: r.try_get("closed_by")?,
    })
}

const RECTIFICATION_SELECT: &str = "SELECT r.*, s.name AS site_name, s.district_id
    FROM rectifications r JOIN sites s ON s.id = r.site_id";

fn outcome_col(o: Option<String>) -> StoreResult<Option<Outcome>> {
    o.map(|o| Outcome::parse(&o).ok_or_else(|| StoreError::Corrupt(format!("outcome {o}"))))
        .transpose()
}

#[async_trait]
impl ReviewStore for SqliteStore {
    async fn record_review(
        &self,
        t: Transition,
        review: &ReviewRow,
        order: &OrderChange,
        facts: &[FactChange],
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        use jieshui_app::domain::review::Action;
        let Transition {
            from,
            outcome_version,
            to,
        } = t;
        let mut tx = self.pool.begin().await?;
        let corrected = review.action == Action::Correct;
        let moved = sqlx::query(
            "UPDATE inspections
                SET status = ?1, decided_at = ?2,
                    outcome = CASE WHEN ?3 THEN ?4 ELSE outcome END,
                    rectify_by = CASE WHEN ?3 THEN ?5 ELSE rectify_by END,
                    outcome_version = outcome_version + ?3
              WHERE id = ?6 AND status = ?7 AND outcome_version = ?8",
        )
        .bind(to.as_str())
        .bind(review.at)
        .bind(corrected)
        .bind(review.outcome.map(Outcome::as_str))
        .bind(review.rectify_by.map(|d| d.to_string()))
        .bind(review.inspection_id)
        .bind(from.as_str())
        .bind(outcome_version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO reviews (id, inspection_id, round, reviewer_id, at, action, comment,
                                  outcome_before, outcome, rectify_by, reason)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(review.id)
        .bind(review.inspection_id)
        .bind(review.round)
        .bind(review.reviewer_id)
        .bind(review.at)
        .bind(review.action.as_str())
        .bind(&review.comment)
        .bind(review.outcome_before.map(Outcome::as_str))
        .bind(review.outcome.map(Outcome::as_str))
        .bind(review.rectify_by.map(|d| d.to_string()))
        .bind(&review.reason)
        .execute(&mut *tx)
        .await?;
        for (line, text) in &review.line_comments {
            sqlx::query("INSERT INTO review_comments (review_id, line_id, text) VALUES (?, ?, ?)")
                .bind(review.id)
                .bind(line)
                .bind(text)
                .execute(&mut *tx)
                .await?;
        }
        match order {
            OrderChange::Nothing => {}
            OrderChange::Open {
                id,
                site_id,
                required,
                due,
            } => {
                sqlx::query(
                    "INSERT INTO rectifications (id, site_id, inspection_id, required, due, status, opened_at)
                     VALUES (?, ?, ?, ?, ?, 'open', ?)",
                )
                .bind(id)
                .bind(site_id)
                .bind(review.inspection_id)
                .bind(required)
                .bind(due.to_string())
                .bind(review.at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            OrderChange::MoveDue { id, due } => {
                sqlx::query("UPDATE rectifications SET due = ? WHERE id = ? AND status = 'open'")
                    .bind(due.to_string())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            OrderChange::Close { id } => {
                sqlx::query(
                    "UPDATE rectifications SET status = 'closed', closed_at = ?, closed_by = ?
                      WHERE id = ? AND status = 'open'",
                )
                .bind(review.at)
                .bind(review.inspection_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        for f in facts {
            // The column is one of two names, never input.
            let column = match f.fact {
                "households" => "households",
                "annual_water_m3" => "annual_water_m3",
                other => return Err(StoreError::Corrupt(format!("site fact {other}"))),
            };
            let site: Uuid = sqlx::query_scalar("SELECT site_id FROM inspections WHERE id = ?")
                .bind(review.inspection_id)
                .fetch_one(&mut *tx)
                .await?;
            let old: Option<f64> = sqlx::query_scalar(&format!(
                "SELECT CAST({column} AS REAL) FROM sites WHERE id = ?"
            ))
            .bind(site)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO site_fact_changes (id, site_id, inspection_id, fact, old_value, new_value, at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(Uuid::now_v7())
            .bind(site)
            .bind(review.inspection_id)
            .bind(column)
            .bind(old)
            .bind(f.value)
            .bind(review.at)
            .execute(&mut *tx)
            .await?;
            let update = format!("UPDATE sites SET {column} = ? WHERE id = ?");
            if column == "households" {
                sqlx::query(&update).bind(f.value.round() as i64)
            } else {
                sqlx::query(&update).bind(f.value)
            }
            .bind(site)
            .execute(&mut *tx)
            .await?;
        }
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn reviews(&self, inspection: Uuid) -> StoreResult<Vec<ReviewRow>> {
        use jieshui_app::domain::review::Action;
        let rows = sqlx::query(
            "SELECT r.*, u.display_name AS reviewer_name FROM reviews r
               JOIN users u ON u.id = r.reviewer_id
              WHERE r.inspection_id = ? ORDER BY r.at, r.id",
        )
        .bind(inspection)
        .fetch_all(&self.pool)
        .await?;
        // Every line comment of the record's reviews in one query, grouped by review here.
        let mut comments: std::collections::HashMap<Uuid, Vec<(Uuid, String)>> =
            std::collections::HashMap::new();
        let all: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
            "SELECT c.review_id, c.line_id, c.text FROM review_comments c
               JOIN reviews r ON r.id = c.review_id
              WHERE r.inspection_id = ? ORDER BY c.rowid",
        )
        .bind(inspection)
        .fetch_all(&self.pool)
        .await?;
        for (review, line, text) in all {
            comments.entry(review).or_default().push((line, text));
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: Uuid = r.try_get("id")?;
            let action: &str = r.try_get("action")?;
            out.push(ReviewRow {
                id,
                inspection_id: r.try_get("inspection_id")?,
                round: r.try_get("round")?,
                reviewer_id: r.try_get("reviewer_id")?,
                reviewer_name: r.try_get("reviewer_name")?,
                at: r.try_get("at")?,
                action: Action::parse(action)
                    .ok_or_else(|| StoreError::Corrupt(format!("review action {action}")))?,
                comment: r.try_get("comment")?,
                line_comments: comments.remove(&id).unwrap_or_default(),
                outcome_before: outcome_col(r.try_get("outcome_before")?)?,
                outcome: outcome_col(r.try_get("outcome")?)?,
                rectify_by: day_col(r.try_get("rectify_by")?)?,
                reason: r.try_get("reason")?,
            });
        }
        Ok(out)
    }

    async fn review_waiting(&self, district: Option<Uuid>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM inspections i JOIN sites s ON s.id = i.site_id
              WHERE i.status = 'submitted' AND (?1 IS NULL OR s.district_id = ?1)",
        )
        .bind(district)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn review_queue(&self, f: &QueueFilter) -> StoreResult<Vec<QueueItem>> {
        let rows = sqlx::query(
            "SELECT i.id, i.kind, i.site_id, s.name AS site_name, s.district_id, i.inspector_id,
                    u.display_name AS inspector_name, i.submitted_at, i.round,
                    (SELECT COUNT(*) FROM inspection_lines l WHERE l.inspection_id = i.id) AS lines,
                    (SELECT COUNT(*) FROM inspection_lines l
                      WHERE l.inspection_id = i.id AND l.verdict <> 'water_saving') AS violations,
                    (SELECT COUNT(*) FROM photos p
                      WHERE p.inspection_id = i.id AND p.flags <> '[]') AS flagged_photos
               FROM inspections i
               JOIN sites s ON s.id = i.site_id
               JOIN users u ON u.id = i.inspector_id
              WHERE i.status = 'submitted'
                AND (?1 IS NULL OR s.district_id = ?1)
                AND (?2 IS NULL OR i.kind = ?2)
                AND (?3 IS NULL OR i.inspector_id = ?3)
                AND (?4 IS NULL OR i.submitted_at <= ?4)
                AND (NOT ?5 OR EXISTS (SELECT 1 FROM photos p
                                        WHERE p.inspection_id = i.id AND p.flags <> '[]'))
              ORDER BY i.submitted_at, i.id
              LIMIT ?6",
        )
        .bind(f.district)
        .bind(f.kind.map(InspectionKind::as_str))
        .bind(f.inspector)
        .bind(f.submitted_before)
        .bind(f.flagged_only)
        .bind(i64::from(f.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: &str = r.try_get("kind")?;
                Ok(QueueItem {
                    id: r.try_get("id")?,
                    kind: InspectionKind::parse(kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("inspection kind {kind}")))?,
                    site_id: r.try_get("site_id")?,
                    site_name: r.try_get("site_name")?,
                    district_id: r.try_get("district_id")?,
                    inspector_id: r.try_get("inspector_id")?,
                    inspector_name: r.try_get("inspector_name")?,
                    submitted_at: r.try_get("submitted_at")?,
                    round: r.try_get("round")?,
                    lines: r.try_get("lines")?,
                    violations: r.try_get("violations")?,
                    flagged_photos: r.try_get("flagged_photos")?,
                })
            })
            .collect()
    }

    async fn rectifications(
        &self,
        district: Option<Uuid>,
        open_only: bool,
    ) -> StoreResult<Vec<Rectification>> {
        let rows = sqlx::query(&format!(
            "{RECTIFICATION_SELECT} WHERE (?1 IS NULL OR s.district_id = ?1)
               AND (NOT ?2 OR r.status = 'open') ORDER BY r.status DESC, r.due, r.id"
        ))
        .bind(district)
        .bind(open_only)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rectification_row).collect()
    }

    async fn rectification(&self, id: Uuid) -> StoreResult<Option<Rectification>> {
        sqlx::query(&format!("{RECTIFICATION_SELECT} WHERE r.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(rectification_row)
            .transpose()
    }

    async fn rectification_opened_by(
        &self,
        inspection: Uuid,
    ) -> StoreResult<Option<Rectification>> {
        sqlx::query(&format!(
            "{RECTIFICATION_SELECT} WHERE r.inspection_id = ? ORDER BY r.opened_at DESC LIMIT 1"
        ))
        .bind(inspection)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(rectification_row)
        .transpose()
    }

    async fn link_reinspection(
        &self,
        inspection: Uuid,
        order: Uuid,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE inspections SET reinspects = ?
              WHERE id = ? AND status = 'draft' AND reinspects IS NULL",
        )
        .bind(order)
        .bind(inspection)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            audit_tx(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn open_rectification_at(&self, site: Uuid) -> StoreResult<Option<Rectification>> {
        sqlx::query(&format!(
            "{RECTIFICATION_SELECT} WHERE r.site_id = ? AND r.status = 'open'"
        ))
        .bind(site)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(rectification_row)
        .transpose()
    }
}

#[async_trait]
impl ScoreStore for SqliteStore {
    async fn audit_result(&self, id: Uuid) -> StoreResult<Option<StoredAudit>> {
        let Some(r) = sqlx::query("SELECT * FROM audit_results WHERE inspection_id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let kind: String = r.try_get("sheet_kind")?;
        let draft: String = r.try_get("draft")?;
        let int = |c: &str| -> StoreResult<u32> {
            let v: i64 = r.try_get(c)?;
            u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{c} {v}")))
        };
        Ok(Some(StoredAudit {
            sheet_kind: SiteKind::from_str(&kind)
                .map_err(|_| StoreError::Corrupt(format!("sheet kind {kind}")))?,
            sheet_version: int("sheet_version")?,
            draft: serde_json::from_str(&draft)
                .map_err(|e| StoreError::Corrupt(format!("audit draft: {e}")))?,
            total: int("total")?,
            applicable_max: int("applicable_max")?,
            pass_mark: int("pass_mark")?,
            passed: r.try_get("passed")?,
            fixture_rate: r.try_get("fixture_rate")?,
        }))
    }

    async fn save_audit_draft(
        &self,
        id: Uuid,
        a: &StoredAudit,
        digest: &str,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<DraftWrite> {
        let mut tx = self.pool.begin().await?;
        // The write lock first, as for a market check's draft.
        let found = sqlx::query("UPDATE inspections SET status = status WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Ok(DraftWrite::NotDraft);
        }
        let (status, stored): (String, Option<String>) =
            sqlx::query_as("SELECT status, draft_digest FROM inspections WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if !InspectionStatus::parse(&status).is_some_and(InspectionStatus::editable) {
            return Ok(DraftWrite::NotDraft);
        }
        if stored.as_deref() == Some(digest) {
            return Ok(DraftWrite::Unchanged);
        }
        let draft = serde_json::to_string(&a.draft)
            .map_err(|e| StoreError::Corrupt(format!("audit draft: {e}")))?;
        sqlx::query(
            "INSERT INTO audit_results (inspection_id, sheet_kind, sheet_version, draft, total,
                                        applicable_max, pass_mark, passed, fixture_rate)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (inspection_id) DO UPDATE SET
                draft = excluded.draft, total = excluded.total,
                applicable_max = excluded.applicable_max, pass_mark = excluded.pass_mark,
                passed = excluded.passed, fixture_rate = excluded.fixture_rate",
        )
        .bind(id)
        .bind(a.sheet_kind.as_str())
        .bind(i64::from(a.sheet_version))
        .bind(draft)
        .bind(i64::from(a.total))
        .bind(i64::from(a.applicable_max))
        .bind(i64::from(a.pass_mark))
        .bind(a.passed)
        .bind(a.fixture_rate)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE inspections SET draft_digest = ?, updated_at = ? WHERE id = ?")
            .bind(digest)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(DraftWrite::Saved)
    }

    async fn recommend_title(
        &self,
        id: Uuid,
        level: TitleLevel,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE inspections SET recommended_level = ?
              WHERE id = ? AND kind = 'audit' AND status = 'approved'",
        )
        .bind(level.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn recommended_level(&self, id: Uuid) -> StoreResult<Option<TitleLevel>> {
        let level: Option<Option<String>> =
            sqlx::query_scalar("SELECT recommended_level FROM inspections WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(level.flatten().and_then(|l| TitleLevel::parse(&l)))
    }

    async fn title_of_audit(&self, audit: Uuid) -> StoreResult<Option<Title>> {
        sqlx::query(
            "SELECT id, level, awarded_on, document_no, valid_until, audit_id FROM site_titles
              WHERE audit_id = ?",
        )
        .bind(audit)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(title_row)
        .transpose()
    }

    async fn fact_changes(&self, site: Uuid) -> StoreResult<Vec<FactChangeRow>> {
        let rows = sqlx::query(
            "SELECT inspection_id, fact, old_value, new_value, at FROM site_fact_changes
              WHERE site_id = ? ORDER BY at DESC, id DESC",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FactChangeRow {
                    inspection_id: r.try_get("inspection_id")?,
                    fact: r.try_get("fact")?,
                    old_value: r.try_get("old_value")?,
                    new_value: r.try_get("new_value")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
}
