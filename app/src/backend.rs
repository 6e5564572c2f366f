//! The contract between the server functions and the server. The server implements [`Backend`] and
//! provides it as Leptos context, so this crate never sees a database driver.

use crate::domain::geo::LatLon;
use crate::domain::site::SiteKind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::model::site::{
    ImportBatchView, NearbySite, SiteDetail, SiteFilter, SitePage, YearlyStats,
};
use crate::model::{CurrentUser, District, NewUser, UserSummary};
use std::sync::Arc;
use uuid::Uuid;

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError>;
    async fn create_user(&self, actor: &CurrentUser, new: NewUser)
        -> Result<UserSummary, AppError>;
    async fn reset_password(
        &self,
        actor: &CurrentUser,
        user_id: Uuid,
        password: String,
    ) -> Result<(), AppError>;
    async fn set_user_active(
        &self,
        actor: &CurrentUser,
        user_id: Uuid,
        active: bool,
    ) -> Result<(), AppError>;
    async fn list_districts(&self) -> Result<Vec<District>, AppError>;

    async fn list_sites(&self, filter: SiteFilter) -> Result<SitePage, AppError>;
    async fn site_detail(&self, id: Uuid) -> Result<SiteDetail, AppError>;
    /// Active sites, nearest first when the position is known, else by name.
    async fn nearby_sites(
        &self,
        at: Option<LatLon>,
        kind: Option<SiteKind>,
        q: String,
        limit: usize,
    ) -> Result<Vec<NearbySite>, AppError>;
    async fn import_batch(
        &self,
        actor: &CurrentUser,
        id: Uuid,
    ) -> Result<ImportBatchView, AppError>;
    async fn list_stats(&self) -> Result<Vec<YearlyStats>, AppError>;
    /// Every version of the market-check rules, and which is in force today.
    async fn rules(&self) -> Result<crate::model::rules::RulesView, AppError>;
    /// Where the rules page's new-version form would be refused, if anywhere (nothing is written).
    async fn rules_form_problem(
        &self,
        form: crate::domain::fixture::RuleForm,
    ) -> Result<Option<crate::domain::market::FieldError>, AppError>;
    /// Every version of `kind`'s audit score sheet, oldest first.
    async fn score_sheets(
        &self,
        kind: SiteKind,
    ) -> Result<Vec<crate::domain::score::ScoreSheet>, AppError>;
    /// Where the sheet page's new-version form would be refused, if anywhere (nothing is written).
    async fn sheet_form_problem(
        &self,
        kind: SiteKind,
        form: crate::domain::score::SheetForm,
    ) -> Result<Option<crate::domain::market::FieldError>, AppError>;
    /// A photo and its facts, for whoever may see its inspection.
    async fn photo_view(
        &self,
        actor: &CurrentUser,
        id: Uuid,
    ) -> Result<crate::model::evidence::PhotoView, AppError>;
    /// An inspection with its photos, for its inspector (and supervisors, admins).
    async fn inspection_view(
        &self,
        actor: &CurrentUser,
        id: Uuid,
    ) -> Result<crate::model::evidence::InspectionView, AppError>;
    /// Checks, newest first: the actor's own, or (`site`) those at one site — all of them for a
    /// supervisor or admin, an inspector's own for an inspector.
    async fn inspection_list(
        &self,
        actor: &CurrentUser,
        site: Option<Uuid>,
    ) -> Result<Vec<crate::model::market::InspectionBrief>, AppError>;
    /// Submitted records waiting for a decision, oldest first (supervisors; their district's).
    async fn review_queue(
        &self,
        actor: &CurrentUser,
        query: crate::model::review::QueueQuery,
    ) -> Result<crate::model::review::QueuePage, AppError>;
    /// How many records wait for the actor's decision (0 for anyone but a supervisor).
    async fn review_waiting(&self, actor: &CurrentUser) -> Result<i64, AppError>;
    /// Rectification orders by deadline (open ones, or all), in the actor's district.
    async fn rectification_list(
        &self,
        actor: &CurrentUser,
        all: bool,
    ) -> Result<Vec<crate::model::review::OrderBrief>, AppError>;
    /// The audit log's chain walked, and its newest entries (administrators).
    async fn audit_view(
        &self,
        actor: &CurrentUser,
    ) -> Result<crate::model::review::AuditView, AppError>;
}

pub type SharedBackend = Arc<dyn Backend>;

/// What the server knows of a request before any page or server function runs. The session layer
/// puts it in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub user: Option<CurrentUser>,
    pub lang: Lang,
}
