//! The database behind one trait per capability ([`UserStore`], [`SiteStore`], [`ImportStore`],
//! [`EvidenceStore`], [`AuditStore`]; [`Store`] is all of them). Every query lives in an
//! implementation; the rest of the server never writes SQL, so a second engine is one more
//! implementation and one more migration folder, chosen by the scheme of `DATABASE_URL`, and it runs
//! the same store test suite (`tests/store.rs`).

pub mod sqlite;

use async_trait::async_trait;
use jieshui_app::domain::evidence::SiteFence;
use jieshui_app::domain::fixture::{Day, Judgement, RuleSet};
use jieshui_app::domain::inspection::{Fix, InspectionKind};
use jieshui_app::domain::market::{Draft, InspectionStatus, Line, Outcome};
use jieshui_app::domain::role::Role;
use jieshui_app::domain::site::SiteKind;
use jieshui_app::domain::throttle::FailureRecord;
use jieshui_app::model::evidence::PhotoBrief;
use jieshui_app::model::site::BatchStatus;
use jieshui_app::model::site::{SiteDetail, SiteFilter, SiteSummary, Title, YearlyStats};
use jieshui_app::model::{CurrentUser, District, UserSummary};
use std::collections::HashSet;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A named unique constraint refused the write; the name lets callers map it to a form field.
    #[error("unique constraint {0} violated")]
    Unique(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url: {0}")]
    UnsupportedUrl(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user with what only the authentication code may see.
#[derive(Debug, Clone)]
pub struct UserAuth {
    pub user: CurrentUser,
    pub password_hash: String,
    pub active: bool,
    /// Made by the demo seed (and so the seed's to keep in step or disable).
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct NewUserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub district_id: Option<Uuid>,
    pub password_hash: String,
    /// Made by the demo seed.
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: Uuid,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ip: String,
    pub user_agent: String,
}

/// A district proper, or a development zone administered like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistrictKind {
    District,
    Zone,
}

impl DistrictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DistrictKind::District => "district",
            DistrictKind::Zone => "zone",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DistrictRow {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: DistrictKind,
}

/// What writing a set of sites did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SitesWritten {
    pub inserted: i64,
    pub updated: i64,
    /// Updated sites whose position or geofence changed.
    pub moved: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor_id: Option<Uuid>,
    pub action: &'static str,
    pub subject: String,
    pub detail: serde_json::Value,
}

/// The whole store: every capability. Code that needs only one names that one.
pub trait Store:
    UserStore
    + SiteStore
    + ImportStore
    + EvidenceStore
    + MarketStore
    + RuleStore
    + AuditStore
    + ReviewStore
    + ScoreStore
{
}
impl<
        T: UserStore
            + SiteStore
            + ImportStore
            + EvidenceStore
            + MarketStore
            + RuleStore
            + AuditStore
            + ReviewStore
            + ScoreStore,
    > Store for T
{
}

/// An audit's draft and score as stored beside its inspection: the sheet version it is scored with
/// (fixed at the first save) and the totals computed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAudit {
    pub sheet_kind: SiteKind,
    pub sheet_version: u32,
    pub draft: jieshui_app::domain::audit::AuditDraft,
    pub total: u32,
    pub applicable_max: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub fixture_rate: Option<f64>,
}

/// A site fact an approved audit corrects (`households` or `annual_water_m3`).
#[derive(Debug, Clone, PartialEq)]
pub struct FactChange {
    pub fact: &'static str,
    pub value: f64,
}

/// A site fact as an audit corrected it, with the value it replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct FactChangeRow {
    pub inspection_id: Uuid,
    pub fact: String,
    pub old_value: Option<f64>,
    pub new_value: f64,
    pub at: OffsetDateTime,
}

/// Audits' drafts, scores, recommendations and the site facts they corrected.
#[async_trait]
pub trait ScoreStore: Send + Sync + 'static {
    async fn audit_result(&self, id: Uuid) -> StoreResult<Option<StoredAudit>>;
    /// Stores an audit's draft and score with its audit entry in one transaction, only while the
    /// inspection is editable; the same digest again writes nothing (as `save_draft`).
    async fn save_audit_draft(
        &self,
        id: Uuid,
        a: &StoredAudit,
        digest: &str,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<DraftWrite>;
    /// Marks an approved audit as recommended for a title at `level` (`false`: not approved).
    async fn recommend_title(
        &self,
        id: Uuid,
        level: jieshui_app::model::site::TitleLevel,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// The level an audit was recommended for.
    async fn recommended_level(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<jieshui_app::model::site::TitleLevel>>;
    /// The title recorded from an audit.
    async fn title_of_audit(&self, audit: Uuid) -> StoreResult<Option<Title>>;
    /// Site facts corrected by audits, newest first.
    async fn fact_changes(&self, site: Uuid) -> StoreResult<Vec<FactChangeRow>>;
}

/// One supervisor's decision on a record, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub id: Uuid,
    pub inspection_id: Uuid,
    /// The submission it decided on.
    pub round: i64,
    pub reviewer_id: Uuid,
    pub reviewer_name: String,
    pub at: OffsetDateTime,
    pub action: jieshui_app::domain::review::Action,
    pub comment: String,
    /// Comments on single product lines: (line id, text).
    pub line_comments: Vec<(Uuid, String)>,
    /// For a correction: the outcome before and after, the new deadline, and why.
    pub outcome_before: Option<Outcome>,
    pub outcome: Option<Outcome>,
    pub rectify_by: Option<Day>,
    pub reason: String,
}

/// What a decision does to the shop's rectification order.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderChange {
    Nothing,
    /// A non-compliant approved check at a shop with no open order.
    Open {
        id: Uuid,
        site_id: Uuid,
        required: String,
        due: Day,
    },
    /// Still not compliant: the open order gets the new deadline.
    MoveDue {
        id: Uuid,
        due: Day,
    },
    /// A compliant, approved re-inspection closes the order.
    Close {
        id: Uuid,
    },
}

/// A rectification order as stored, with its shop.
#[derive(Debug, Clone, PartialEq)]
pub struct Rectification {
    pub id: Uuid,
    pub site_id: Uuid,
    pub site_name: String,
    pub district_id: Uuid,
    /// The approved check that opened it.
    pub inspection_id: Uuid,
    pub required: String,
    pub due: Day,
    pub open: bool,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    /// The approved re-inspection that closed it.
    pub closed_by: Option<Uuid>,
}

/// Which submitted records a supervisor sees waiting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    pub district: Option<Uuid>,
    pub kind: Option<InspectionKind>,
    pub inspector: Option<Uuid>,
    /// Submitted at or before this moment.
    pub submitted_before: Option<OffsetDateTime>,
    /// Only records with at least one flagged photo.
    pub flagged_only: bool,
    pub limit: u32,
}

/// One record waiting for review.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub id: Uuid,
    pub kind: InspectionKind,
    pub site_id: Uuid,
    pub site_name: String,
    pub district_id: Uuid,
    pub inspector_id: Uuid,
    pub inspector_name: String,
    pub submitted_at: Option<OffsetDateTime>,
    pub round: i64,
    pub lines: i64,
    pub violations: i64,
    /// Photos of the record with at least one integrity flag.
    pub flagged_photos: i64,
}

/// A decision's move of a record: from `from` at `outcome_version` to `to`.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub from: InspectionStatus,
    pub outcome_version: i64,
    pub to: InspectionStatus,
}

/// Review: decisions, the queue, rectification orders.
#[async_trait]
pub trait ReviewStore: Send + Sync + 'static {
    /// Records a decision in one transaction: moves the record from `t.from` to `t.to` only while it
    /// is still `t.from` at `t.outcome_version` (a conditional update: of two supervisors acting at once one
    /// writes, the other gets `false` and nothing is written), with the review and its comments, a
    /// corrected outcome (a new outcome version), the order change and the audit entry.
    async fn record_review(
        &self,
        t: Transition,
        review: &ReviewRow,
        order: &OrderChange,
        facts: &[FactChange],
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Every decision on a record, oldest first.
    async fn reviews(&self, inspection: Uuid) -> StoreResult<Vec<ReviewRow>>;
    /// Submitted records waiting for a decision, oldest first.
    async fn review_queue(&self, f: &QueueFilter) -> StoreResult<Vec<QueueItem>>;
    /// How many submitted records wait (in `district`, or everywhere): the navigation's count.
    async fn review_waiting(&self, district: Option<Uuid>) -> StoreResult<i64>;
    /// Orders (in `district`, or everywhere), open ones only or all, by deadline.
    async fn rectifications(
        &self,
        district: Option<Uuid>,
        open_only: bool,
    ) -> StoreResult<Vec<Rectification>>;
    async fn rectification(&self, id: Uuid) -> StoreResult<Option<Rectification>>;
    /// The order an approved check opened, if any.
    async fn rectification_opened_by(&self, inspection: Uuid)
        -> StoreResult<Option<Rectification>>;
    /// The open order at a shop, if any.
    async fn open_rectification_at(&self, site: Uuid) -> StoreResult<Option<Rectification>>;
    /// Links a draft check to the order it re-inspects (once), with its audit entry.
    async fn link_reinspection(
        &self,
        inspection: Uuid,
        order: Uuid,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
}

/// A market check's lines, outcome and submission.
#[async_trait]
pub trait MarketStore: Send + Sync + 'static {
    /// The inspection with its lines (in the inspector's order) and outcome.
    async fn market_record(&self, id: Uuid) -> StoreResult<Option<MarketRecord>>;
    /// Replaces a draft's lines and outcome, with its audit entry, in one transaction, only while
    /// the inspection is a draft. A draft whose digest equals the stored one writes nothing. A line
    /// id that another inspection holds is `StoreError::Unique("inspection_lines_pkey")`.
    async fn save_draft(
        &self,
        id: Uuid,
        draft: &StoredDraft,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<DraftWrite>;
    /// Submits the draft whose digest is still `digest`, storing the verdicts of `lines` (those
    /// judged differently at submission than when saved), with its audit entry, in one transaction: a conditional update, so of several
    /// submits at once one writes and the others find it submitted.
    async fn submit_inspection(
        &self,
        id: Uuid,
        digest: &str,
        lines: &[StoredLine],
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<SubmitWrite>;
    /// Brands recorded at the city's shops whose name starts with `prefix` (any brand for an empty
    /// one), the most recorded first.
    async fn brands(&self, prefix: &str, limit: u32) -> StoreResult<Vec<String>>;
    /// Inspections of one inspector and/or at one site (`None`: any), newest first, with their line
    /// and violation counts.
    async fn inspection_list(
        &self,
        inspector: Option<Uuid>,
        site: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<InspectionListItem>>;
}

/// One product line as stored: what the inspector recorded and the verdict the server judged.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLine {
    pub line: Line,
    pub judgement: Judgement,
}

/// A draft ready to store: its lines judged, and a digest of the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDraft {
    pub lines: Vec<StoredLine>,
    pub outcome: Option<Outcome>,
    pub outcome_note: String,
    pub rectify_by: Option<Day>,
    pub digest: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftWrite {
    Saved,
    /// The same draft was already stored: nothing written.
    Unchanged,
    /// The inspection is no longer a draft (or does not exist): nothing written.
    NotDraft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitWrite {
    Submitted,
    /// Already submitted (by this call's twin): nothing written.
    AlreadySubmitted,
    /// The draft changed since it was read: read and judge it again.
    DraftChanged,
}

/// A market check as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketRecord {
    /// With its status (draft, submitted).
    pub inspection: InspectionRow,
    pub lines: Vec<StoredLine>,
    pub outcome: Option<Outcome>,
    pub outcome_note: String,
    pub rectify_by: Option<Day>,
    pub digest: Option<String>,
    pub updated_at: Option<OffsetDateTime>,
    pub submitted_at: Option<OffsetDateTime>,
    /// Submissions so far (a returned record resubmitted is round 2).
    pub round: i64,
    /// 1, and one more for each correction of the outcome after review.
    pub outcome_version: i64,
    /// The rectification order this check re-inspects.
    pub reinspects: Option<Uuid>,
}

impl MarketRecord {
    pub fn draft(&self) -> Draft {
        Draft {
            lines: self.lines.iter().map(|l| l.line.clone()).collect(),
            outcome: self.outcome,
            outcome_note: self.outcome_note.clone(),
            rectify_by: self.rectify_by,
        }
    }
}

/// One inspection in an inspector's lists.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionListItem {
    pub id: Uuid,
    pub kind: InspectionKind,
    pub status: InspectionStatus,
    pub site_id: Uuid,
    pub site_name: String,
    pub inspector_id: Uuid,
    pub started_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub lines: i64,
    /// Lines whose verdict is not water-saving.
    pub violations: i64,
}

/// The versions of the market-check rules. A version, once written, never changes.
#[async_trait]
pub trait RuleStore: Send + Sync + 'static {
    /// Every version, oldest first.
    async fn rule_sets(&self) -> StoreResult<Vec<RuleSet>>;
    /// Writes a new version with its audit entry; `Ok(false)` when its number is taken (nothing
    /// written), so two admins saving at once, or a seed racing a seed, make one version.
    async fn insert_rule_set(&self, rules: &RuleSet, audit: &AuditEntry) -> StoreResult<bool>;
    /// Every version of the score sheet for `kind`, oldest first.
    async fn score_sheets(
        &self,
        kind: jieshui_app::domain::site::SiteKind,
    ) -> StoreResult<Vec<jieshui_app::domain::score::ScoreSheet>>;
    /// Writes a new version with its audit entry; `Ok(false)` when (kind, version) is taken.
    async fn insert_score_sheet(
        &self,
        sheet: &jieshui_app::domain::score::ScoreSheet,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
}

/// Accounts, sessions and sign-in throttling.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    async fn user_for_login(&self, username: &str) -> StoreResult<Option<UserAuth>>;
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserAuth>>;
    async fn list_users(&self) -> StoreResult<Vec<UserSummary>>;
    async fn insert_user(&self, row: &NewUserRow, audit: &AuditEntry) -> StoreResult<()>;
    /// Activates or disables every demo account (only those whose flag differs, each with its
    /// audit entry; disabling ends their sessions). Returns how many changed.
    async fn set_demo_users_active(&self, active: bool) -> StoreResult<u64>;
    /// A user's own change: sets the new hash only if the stored one is still `old_hash` (the one
    /// the current password was checked against) and the account is active, and ends every session
    /// of the user but `keep_session`, in one transaction. `Ok(false)`: nothing changed.
    async fn change_own_password(
        &self,
        id: Uuid,
        old_hash: &str,
        new_hash: &str,
        keep_session: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Sets the password hash and ends every session of the user, in one transaction.
    async fn set_password(&self, id: Uuid, hash: &str, audit: &AuditEntry) -> StoreResult<bool>;
    /// Sets the active flag; deactivation also ends every session. Refuses to deactivate the last
    /// active admin, with a conditional update that holds however many admins act at once.
    async fn set_user_active(
        &self,
        id: Uuid,
        active: bool,
        audit: &AuditEntry,
    ) -> StoreResult<SetActive>;
    async fn count_active_admins(&self) -> StoreResult<i64>;

    // Sessions
    async fn create_session(&self, s: &NewSession) -> StoreResult<()>;
    /// The user of a live session, touching its last-seen time. A session idle for longer than
    /// `idle` or past its absolute expiry is deleted and yields `None`; so does an inactive user's.
    async fn session_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        idle: time::Duration,
    ) -> StoreResult<Option<CurrentUser>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn purge_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle: time::Duration,
    ) -> StoreResult<u64>;

    // Sign-in throttling
    async fn failures(&self, key: &str) -> StoreResult<Option<FailureRecord>>;
    /// Writes `next` only if the stored record is still `expected` (none stored, for `None`): a
    /// compare-and-set, so two attempts that read the same count cannot both be counted once.
    /// Returns whether it was written.
    async fn claim_attempt(
        &self,
        key: &str,
        expected: Option<FailureRecord>,
        next: FailureRecord,
    ) -> StoreResult<bool>;
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
    /// Takes back one counted attempt (it turned out to be a success).
    async fn forgive_attempt(&self, key: &str) -> StoreResult<()>;
    /// Forgets failures last seen before `before` (Unix seconds); returns how many keys went.
    async fn purge_failures(&self, before: i64) -> StoreResult<u64>;
}

/// The append-only audit log, and the health check.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Cheap round trip for `/healthz`.
    async fn ping(&self) -> StoreResult<()>;
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Every entry in chain order, as the chain hashes it (`audit_chain::verify` walks them).
    async fn audit_chain(&self) -> StoreResult<Vec<crate::audit_chain::ChainRow>>;
    /// Seals entries written before the chain existed (at start); how many it sealed.
    async fn seal_audit_log(&self) -> StoreResult<u64>;
    /// The newest `limit` entries about `subject` (every subject, for `None`), newest first.
    async fn audit_trail(&self, subject: Option<&str>, limit: u32)
        -> StoreResult<Vec<AuditRecord>>;
}

/// One entry of the audit log as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

/// Districts, the site registry, titles and the yearly statistics.
#[async_trait]
pub trait SiteStore: Send + Sync + 'static {
    async fn list_districts(&self) -> StoreResult<Vec<District>>;
    async fn district_exists(&self, id: Uuid) -> StoreResult<bool>;
    /// Inserts or updates by code; returns the district's id.
    async fn upsert_district(&self, d: &DistrictRow) -> StoreResult<Uuid>;
    /// Inserts or updates checked sites by (kind, external code), venues first, in one transaction
    /// with its audit entry (the demo seed; an import's commit writes the same way).
    async fn upsert_sites(
        &self,
        rows: &[ResolvedSite],
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<SitesWritten>;
    async fn count_sites(&self) -> StoreResult<i64>;
    /// One page of sites (`limit` of them) and how many match in all.
    async fn list_sites(&self, f: &SiteFilter, limit: u32) -> StoreResult<Listed<SiteSummary>>;
    /// Active sites matching an optional kind and name fragment, for sorting by distance.
    async fn active_sites(&self, kind: Option<SiteKind>, q: &str) -> StoreResult<Vec<SiteSummary>>;
    /// Active sites matching kind and name fragment inside a box of latitudes and longitudes
    /// (`[south, north, west, east]`, WGS-84), found with the position index.
    async fn active_sites_within(
        &self,
        kind: Option<SiteKind>,
        q: &str,
        bbox: [f64; 4],
    ) -> StoreResult<Vec<SiteSummary>>;
    async fn site_detail(&self, id: Uuid) -> StoreResult<Option<SiteDetail>>;
    /// Every (kind, external code) in the registry.
    async fn site_codes(&self) -> StoreResult<HashSet<(SiteKind, String)>>;
    /// Closes (at `at`) or reopens a site.
    async fn set_site_active(
        &self,
        id: Uuid,
        active: bool,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    async fn add_title(&self, site_id: Uuid, t: &Title, audit: &AuditEntry) -> StoreResult<bool>;
    /// Creates one site (`id` None) or updates one by id. A taken (kind, external code) is
    /// `StoreError::Unique("sites_external_code_key")`; an unknown id is `Ok(None)`.
    async fn save_site(
        &self,
        id: Option<Uuid>,
        s: &ResolvedSite,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<Option<SavedSite>>;
    async fn list_stats(&self) -> StoreResult<Vec<YearlyStats>>;
    async fn upsert_stats(&self, s: &YearlyStats, audit: &AuditEntry) -> StoreResult<()>;
}

/// Staged spreadsheet imports.
#[async_trait]
pub trait ImportStore: Send + Sync + 'static {
    async fn insert_batch(&self, b: &NewBatch, audit: &AuditEntry) -> StoreResult<()>;
    async fn batch(&self, id: Uuid) -> StoreResult<Option<BatchRow>>;
    /// Claims a ready batch with a conditional update (only one of two commits racing gets it),
    /// writes every row in the same transaction and marks it committed. A batch already committed
    /// is left alone and reported as such, so a repeated click never writes twice.
    async fn commit_batch(
        &self,
        id: Uuid,
        rows: &[ResolvedSite],
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<CommitOutcome>;
}

/// Inspections and their photo evidence.
#[async_trait]
pub trait EvidenceStore: Send + Sync + 'static {
    /// Creates the inspection unless one with this id exists; returns the stored one either way.
    async fn upsert_inspection(
        &self,
        i: &InspectionRow,
        audit: &AuditEntry,
    ) -> StoreResult<InspectionRow>;
    async fn inspection(&self, id: Uuid) -> StoreResult<Option<InspectionRow>>;
    async fn photo(&self, id: Uuid) -> StoreResult<Option<PhotoRow>>;
    /// How many other inspections already hold the same picture: a photo whose stored or original
    /// hash is either of these.
    async fn same_hash_elsewhere(
        &self,
        sha256: &str,
        original_sha256: Option<&str>,
        inspection_id: Uuid,
    ) -> StoreResult<u32>;
    /// Inserts; a photo id already taken is `StoreError::Unique("photos_pkey")`.
    async fn insert_photo(&self, p: &PhotoRow, audit: &AuditEntry) -> StoreResult<()>;
    async fn photo_hashes(&self) -> StoreResult<HashSet<String>>;
    /// Computes the flags of the photos in `scope` again with `compute` and stores those that
    /// changed, reading and writing in one transaction that holds the photos' rows: two re-flags
    /// at once run one after the other, so an older computation is never written last. Returns
    /// how many changed.
    async fn reflag_photos(
        &self,
        scope: &ReflagScope,
        compute: &(dyn for<'r> Fn(&'r ReflagRow) -> serde_json::Value + Send + Sync),
    ) -> StoreResult<usize>;
    /// An inspection's photos, oldest first.
    async fn inspection_photos(&self, inspection_id: Uuid) -> StoreResult<Vec<PhotoBrief>>;
    /// An inspection's photos with every fact stored, oldest first (the review panel).
    async fn inspection_photo_rows(&self, inspection_id: Uuid) -> StoreResult<Vec<PhotoRow>>;
}

/// One page of a listing and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// A site saved from the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedSite {
    pub id: Uuid,
    /// Its position or geofence changed (its photos' distance flags must follow).
    pub moved: bool,
}

pub use crate::registry::import::ResolvedSite;

#[derive(Debug, Clone)]
pub struct NewBatch {
    pub id: Uuid,
    pub created_by: Uuid,
    pub filename: String,
    pub row_count: i64,
    /// Invalid (the payload lists the problems) or ready (the payload holds the rows).
    pub status: BatchStatus,
    pub payload: String,
}

#[derive(Debug, Clone)]
pub struct BatchRow {
    pub id: Uuid,
    pub created_by: Uuid,
    pub filename: String,
    pub row_count: i64,
    pub status: BatchStatus,
    pub payload: String,
    pub inserted: Option<i64>,
    pub updated: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// `moved`: updated sites whose position or geofence changed.
    Committed {
        inserted: i64,
        updated: i64,
        moved: Vec<Uuid>,
    },
    AlreadyCommitted,
    NotReady,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetActive {
    Done,
    NoSuchUser,
    LastAdmin,
}

pub type SharedStore = Arc<dyn Store>;

/// Opens the store named by the URL, creating and migrating the database as needed.
pub async fn connect(url: &str) -> StoreResult<SharedStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}

/// A URL fit for logs: no password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redaction_hides_credentials() {
        assert_eq!(
            super::redact("postgres://u:secret@db:5432/x"),
            "postgres://***@db:5432/x"
        );
        assert_eq!(super::redact("sqlite://data/j.db"), "sqlite://data/j.db");
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InspectionRow {
    pub id: Uuid,
    pub kind: InspectionKind,
    pub site_id: Uuid,
    pub inspector_id: Uuid,
    pub started_at: OffsetDateTime,
    /// Where the phone was when the inspection began, if it knew.
    pub start: Option<Fix>,
    /// A new inspection is a draft; its status changes only through its own store calls.
    pub status: InspectionStatus,
}

/// Which photos to compute flags for again.
#[derive(Debug, Clone, PartialEq)]
pub enum ReflagScope {
    /// Those of inspections at this site (its position or geofence changed).
    Site(Uuid),
    /// Those showing this picture (stored or original hash), which has just been used again.
    Picture {
        sha256: String,
        original_sha256: Option<String>,
    },
    /// Every photo (many sites changed at once, e.g. by an import).
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReflagRow {
    pub photo: PhotoRow,
    /// The site's position (WGS-84) and geofence, if the site still exists.
    pub site: Option<SiteFence>,
    pub same_hash_elsewhere: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhotoRow {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub line_id: Option<Uuid>,
    pub sha256: String,
    /// The camera original's hash, computed on the phone when it sent a downscaled copy.
    pub original_sha256: Option<String>,
    pub bytes: i64,
    pub mime: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub exif: serde_json::Value,
    pub client_exif: serde_json::Value,
    pub device_lat: Option<f64>,
    pub device_lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub captured_at: Option<OffsetDateTime>,
    /// When the phone's position fix was measured.
    pub fix_at: Option<OffsetDateTime>,
    pub received_at: OffsetDateTime,
    pub uploaded_by: Uuid,
    pub flags: serde_json::Value,
}
