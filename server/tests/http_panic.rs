//! A panic anywhere in answering a request becomes the 500 page in the user's language (JSON for the
//! API), never a dropped connection. The panic is forced through a backend that panics where the
//! real one would read the user list.

mod common;

use async_trait::async_trait;
use axum::http::StatusCode;
use common::*;
use jieshui_app::backend::{Backend, SharedBackend};
use jieshui_app::domain::geo::LatLon;
use jieshui_app::domain::site::SiteKind;
use jieshui_app::error::AppError;
use jieshui_app::model::evidence::{InspectionView, PhotoView};
use jieshui_app::model::site::{
    ImportBatchView, NearbySite, SiteDetail, SiteFilter, SitePage, YearlyStats,
};
use jieshui_app::model::{CurrentUser, District, NewUser, UserSummary};
use sqlx::SqlitePool;
use std::sync::Arc;
use uuid::Uuid;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The real backend, except that reading the user list panics.
struct Panicky(SharedBackend);

#[async_trait]
impl Backend for Panicky {
    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError> {
        panic!("forced by the test")
    }
    async fn create_user(&self, a: &CurrentUser, n: NewUser) -> Result<UserSummary, AppError> {
        self.0.create_user(a, n).await
    }
    async fn reset_password(&self, a: &CurrentUser, u: Uuid, p: String) -> Result<(), AppError> {
        self.0.reset_password(a, u, p).await
    }
    async fn set_user_active(&self, a: &CurrentUser, u: Uuid, on: bool) -> Result<(), AppError> {
        self.0.set_user_active(a, u, on).await
    }
    async fn list_districts(&self) -> Result<Vec<District>, AppError> {
        self.0.list_districts().await
    }
    async fn list_sites(&self, f: SiteFilter) -> Result<SitePage, AppError> {
        self.0.list_sites(f).await
    }
    async fn site_detail(&self, id: Uuid) -> Result<SiteDetail, AppError> {
        self.0.site_detail(id).await
    }
    async fn nearby_sites(
        &self,
        at: Option<LatLon>,
        kind: Option<SiteKind>,
        q: String,
        limit: usize,
    ) -> Result<Vec<NearbySite>, AppError> {
        self.0.nearby_sites(at, kind, q, limit).await
    }
    async fn import_batch(&self, a: &CurrentUser, id: Uuid) -> Result<ImportBatchView, AppError> {
        self.0.import_batch(a, id).await
    }
    async fn list_stats(&self) -> Result<Vec<YearlyStats>, AppError> {
        self.0.list_stats().await
    }
    async fn rules(&self) -> Result<jieshui_app::model::rules::RulesView, AppError> {
        self.0.rules().await
    }
    async fn rules_form_problem(
        &self,
        form: jieshui_app::domain::fixture::RuleForm,
    ) -> Result<Option<jieshui_app::domain::market::FieldError>, AppError> {
        self.0.rules_form_problem(form).await
    }
    async fn photo_view(&self, a: &CurrentUser, id: Uuid) -> Result<PhotoView, AppError> {
        self.0.photo_view(a, id).await
    }
    async fn inspection_view(&self, a: &CurrentUser, id: Uuid) -> Result<InspectionView, AppError> {
        self.0.inspection_view(a, id).await
    }
    async fn inspection_list(
        &self,
        a: &CurrentUser,
        site: Option<Uuid>,
    ) -> Result<Vec<jieshui_app::model::market::InspectionBrief>, AppError> {
        self.0.inspection_list(a, site).await
    }
    async fn review_queue(
        &self,
        a: &CurrentUser,
        q: jieshui_app::model::review::QueueQuery,
    ) -> Result<jieshui_app::model::review::QueuePage, AppError> {
        self.0.review_queue(a, q).await
    }
    async fn review_waiting(&self, a: &CurrentUser) -> Result<i64, AppError> {
        self.0.review_waiting(a).await
    }
    async fn rectification_list(
        &self,
        a: &CurrentUser,
        all: bool,
    ) -> Result<Vec<jieshui_app::model::review::OrderBrief>, AppError> {
        self.0.rectification_list(a, all).await
    }
    async fn audit_view(
        &self,
        a: &CurrentUser,
    ) -> Result<jieshui_app::model::review::AuditView, AppError> {
        self.0.audit_view(a).await
    }
    async fn score_sheets(
        &self,
        kind: SiteKind,
    ) -> Result<Vec<jieshui_app::domain::score::ScoreSheet>, AppError> {
        self.0.score_sheets(kind).await
    }
    async fn sheet_form_problem(
        &self,
        kind: SiteKind,
        form: jieshui_app::domain::score::SheetForm,
    ) -> Result<Option<jieshui_app::domain::market::FieldError>, AppError> {
        self.0.sheet_form_problem(kind, form).await
    }
}

async fn panicky_app(pool: SqlitePool) -> TestApp {
    let mut app = app(pool).await;
    let mut state = app.state.clone();
    state.backend = Arc::new(Panicky(state.backend.clone()));
    app.router = jieshui_server::startup::build_router(state);
    app
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_panic_while_rendering_a_page_answers_the_500_page_in_the_users_language(
    pool: SqlitePool,
) {
    let app = panicky_app(pool).await;
    let admin = app.login("admin").await;
    let r = app
        .get("/admin/users", Some(&format!("{admin}; lang=en")))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert!(r.body.contains("Something went wrong"), "{}", r.body);
    assert!(r.body.contains("error number"), "{}", r.body);
    // And in Chinese by default.
    let r = app.get("/admin/users", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("出错了"), "{}", r.body);
    // The server goes on serving.
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_panic_in_a_server_function_answers_json_with_an_incident(pool: SqlitePool) {
    let app = panicky_app(pool).await;
    let admin = app.login("admin").await;
    let r = app.post_form("/api/list_users", Some(&admin), &[]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    let e: AppError = serde_json::from_str(&r.body).expect("an AppError");
    assert!(
        matches!(e, AppError::Internal { ref incident } if incident.len() == 32),
        "{e:?}"
    );
}
