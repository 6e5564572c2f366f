//! Server functions: the RPC surface. Each one says who may call it, then hands over to the backend.

use crate::error::AppError;
use crate::model::site::{ImportBatchView, NearbySite, SiteDetail, SitePage, YearlyStats};
use crate::model::{CurrentUser, District, UserSummary};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod guard;

/// The signed-in user. Anonymous callers get 401.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<CurrentUser, AppError> {
    guard::finish(guard::signed_in())
}

/// Districts and zones of the assessment area, for pickers. Any signed-in user.
#[server(prefix = "/api", endpoint = "list_districts")]
pub async fn list_districts() -> Result<Vec<District>, AppError> {
    guard::finish(
        async {
            guard::signed_in()?;
            guard::backend()?.list_districts().await
        }
        .await,
    )
}

/// All accounts. Admin only.
#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            guard::backend()?.list_users().await
        }
        .await,
    )
}

/// Creates an account. Admin only. `district_id` may be empty for a city-wide user.
#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    username: String,
    display_name: String,
    role: String,
    district_id: String,
    password: String,
) -> Result<UserSummary, AppError> {
    use crate::domain::role::Role;
    use crate::model::NewUser;
    guard::finish(
        async {
            let actor = guard::require(&[Role::Admin])?;
            let new = NewUser::parse(&username, &display_name, &role, &district_id, &password)?;
            guard::backend()?.create_user(&actor, new).await
        }
        .await,
    )
}

/// Sets a new password and ends the user's sessions. Admin only.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(user_id: String, password: String) -> Result<(), AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            let actor = guard::require(&[Role::Admin])?;
            let id = guard::parse_id(&user_id)?;
            guard::backend()?.reset_password(&actor, id, password).await
        }
        .await,
    )
}

/// Deactivates (ends all sessions, refuses sign-in) or reactivates an account. Admin only.
/// Accounts are never deleted: their name stays on the records they made.
#[server(prefix = "/api", endpoint = "set_user_active")]
pub async fn set_user_active(user_id: String, active: bool) -> Result<bool, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            let actor = guard::require(&[Role::Admin])?;
            let id = guard::parse_id(&user_id)?;
            guard::backend()?
                .set_user_active(&actor, id, active)
                .await?;
            Ok(active)
        }
        .await,
    )
}

/// The registry, filtered and paged. Admin only. Empty strings mean "any".
#[server(prefix = "/api", endpoint = "list_sites")]
pub async fn list_sites(
    #[server(default)] q: String,
    #[server(default)] kind: String,
    #[server(default)] district_id: String,
    #[server(default)] state: String,
    #[server(default)] page: u32,
) -> Result<SitePage, AppError> {
    use crate::domain::role::Role;
    use crate::model::site::{SiteFilter, SiteState};
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            let filter = SiteFilter {
                q,
                kind: kind.parse().ok(),
                district_id: uuid::Uuid::parse_str(district_id.trim()).ok(),
                state: SiteState::parse(&state),
                page,
            };
            guard::backend()?.list_sites(filter).await
        }
        .await,
    )
}

/// One site with its titles. Admin only.
#[server(prefix = "/api", endpoint = "get_site")]
pub async fn get_site(id: String) -> Result<SiteDetail, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            let id = guard::parse_id(&id)?;
            guard::backend()?.site_detail(id).await
        }
        .await,
    )
}

/// How many sites "today" shows at first, and adds with each "more".
pub const NEARBY_STEP: usize = 20;
/// The most one request lists.
pub const NEARBY_MAX: usize = 201;

/// `limit` as sent (empty: the first step), within bounds.
pub fn nearby_limit(limit: &str) -> usize {
    limit
        .trim()
        .parse::<usize>()
        .unwrap_or(NEARBY_STEP)
        .clamp(1, NEARBY_MAX)
}

/// Active sites nearest to the phone (WGS-84 from the browser), or by name when the position is not
/// known; at most `limit` (default 20, at most 201). Inspectors and supervisors.
#[server(prefix = "/api", endpoint = "nearby_sites")]
pub async fn nearby_sites(
    #[server(default)] lat: String,
    #[server(default)] lon: String,
    #[server(default)] kind: String,
    #[server(default)] q: String,
    #[server(default)] limit: String,
) -> Result<Vec<NearbySite>, AppError> {
    use crate::domain::geo::LatLon;
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Inspector, Role::Supervisor])?;
            let at = match (lat.trim().parse::<f64>(), lon.trim().parse::<f64>()) {
                (Ok(la), Ok(lo)) => Some(LatLon::new(la, lo)).filter(|p| p.is_valid()),
                _ => None,
            };
            guard::backend()?
                .nearby_sites(at, kind.parse().ok(), q, nearby_limit(&limit))
                .await
        }
        .await,
    )
}

/// A staged import: its problems, or what committing it would do. Admin only.
#[server(prefix = "/api", endpoint = "import_batch")]
pub async fn import_batch(id: String) -> Result<ImportBatchView, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            let actor = guard::require(&[Role::Admin])?;
            let id = guard::parse_id(&id)?;
            guard::backend()?.import_batch(&actor, id).await
        }
        .await,
    )
}

/// Yearly statistics (the denominators of coverage indicators). Admin and supervisor.
#[server(prefix = "/api", endpoint = "list_stats")]
pub async fn list_stats() -> Result<Vec<YearlyStats>, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin, Role::Supervisor])?;
            guard::backend()?.list_stats().await
        }
        .await,
    )
}

/// The versions of the market-check rules. Admin.
#[server(prefix = "/api", endpoint = "list_rules")]
pub async fn list_rules() -> Result<crate::model::rules::RulesView, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            guard::backend()?.rules().await
        }
        .await,
    )
}

/// Why the new-version form (its fields as a JSON object of strings) would be refused. Admin.
#[server(prefix = "/api", endpoint = "rules_form_problem")]
pub async fn rules_form_problem(
    form_json: String,
) -> Result<Option<crate::domain::market::FieldError>, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            let form: crate::domain::fixture::RuleForm =
                serde_json::from_str(&form_json).map_err(|_| AppError::NotFound)?;
            guard::backend()?.rules_form_problem(form).await
        }
        .await,
    )
}

/// Every version of a kind's audit score sheet, oldest first. Admin.
#[server(prefix = "/api", endpoint = "list_score_sheets")]
pub async fn list_score_sheets(
    kind: String,
) -> Result<Vec<crate::domain::score::ScoreSheet>, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            let kind: crate::domain::site::SiteKind =
                kind.parse().map_err(|_| AppError::NotFound)?;
            guard::backend()?.score_sheets(kind).await
        }
        .await,
    )
}

/// Why the score sheet's new-version form (its fields as a JSON object of strings) would be
/// refused. Admin.
#[server(prefix = "/api", endpoint = "sheet_form_problem")]
pub async fn sheet_form_problem(
    kind: String,
    form_json: String,
) -> Result<Option<crate::domain::market::FieldError>, AppError> {
    use crate::domain::role::Role;
    guard::finish(
        async {
            guard::require(&[Role::Admin])?;
            let kind: crate::domain::site::SiteKind =
                kind.parse().map_err(|_| AppError::NotFound)?;
            let form: crate::domain::score::SheetForm =
                serde_json::from_str(&form_json).map_err(|_| AppError::NotFound)?;
            guard::backend()?.sheet_form_problem(kind, form).await
        }
        .await,
    )
}

/// One photo's facts and integrity flags. Its inspector, supervisors and admins.
#[server(prefix = "/api", endpoint = "get_photo")]
pub async fn get_photo(id: String) -> Result<crate::model::evidence::PhotoView, AppError> {
    guard::finish(
        async {
            let actor = guard::signed_in()?;
            let id = guard::parse_id(&id)?;
            guard::backend()?.photo_view(&actor, id).await
        }
        .await,
    )
}

/// An inspection and its photos.
#[server(prefix = "/api", endpoint = "get_inspection")]
pub async fn get_inspection(
    id: String,
) -> Result<crate::model::evidence::InspectionView, AppError> {
    guard::finish(
        async {
            let actor = guard::signed_in()?;
            let id = guard::parse_id(&id)?;
            guard::backend()?.inspection_view(&actor, id).await
        }
        .await,
    )
}

/// Checks, newest first: with no `site_id` the caller's own (the inspector's lists); with one, the
/// checks at that site the caller may open. Any signed-in role.
#[server(prefix = "/api", endpoint = "list_checks")]
pub async fn list_checks(
    #[server(default)] site_id: String,
) -> Result<Vec<crate::model::market::InspectionBrief>, AppError> {
    guard::finish(
        async {
            let actor = guard::signed_in()?;
            let site = match site_id.trim() {
                "" => None,
                id => Some(guard::parse_id(id)?),
            };
            guard::backend()?.inspection_list(&actor, site).await
        }
        .await,
    )
}

/// The review queue: submitted records waiting for a decision, oldest first. Supervisors only
/// (scoped to their district when they have one).
#[server(prefix = "/api", endpoint = "review_queue")]
pub async fn review_queue(
    #[server(default)] kind: String,
    #[server(default)] district: String,
    #[server(default)] inspector: String,
    #[server(default)] older_than_days: String,
    #[server(default)] flagged: String,
) -> Result<crate::model::review::QueuePage, AppError> {
    guard::finish(
        async {
            let actor = guard::signed_in()?;
            let query = crate::model::review::QueueQuery {
                kind,
                district,
                inspector,
                older_than_days,
                flagged: matches!(flagged.as_str(), "1" | "true" | "on"),
            };
            guard::backend()?.review_queue(&actor, query).await
        }
        .await,
    )
}

/// How many records wait for the signed-in supervisor's decision (the navigation's count).
#[server(prefix = "/api", endpoint = "review_waiting")]
pub async fn review_waiting() -> Result<i64, AppError> {
    guard::finish(
        async {
            let actor = guard::signed_in()?;
            guard::backend()?.review_waiting(&actor).await
        }
        .await,
    )
}

/// Rectification orders by deadline: open ones, or (`all` = "1") closed ones too. Supervisors
/// (their district's) and inspectors.
#[server(prefix = "/api", endpoint = "rectification_list")]
pub async fn rectification_list(
    #[server(default)] all: String,
) -> Result<Vec<crate::model::review::OrderBrief>, AppError> {
    guard::finish(
        async {
            use crate::domain::role::Role;
            let actor = guard::require(&[Role::Inspector, Role::Supervisor])?;
            guard::backend()?
                .rectification_list(&actor, all == "1")
                .await
        }
        .await,
    )
}

/// The audit log: its hash chain walked, and the newest entries (administrators).
#[server(prefix = "/api", endpoint = "audit_view")]
pub async fn audit_view() -> Result<crate::model::review::AuditView, AppError> {
    guard::finish(
        async {
            let actor = guard::require(&[crate::domain::role::Role::Admin])?;
            guard::backend()?.audit_view(&actor).await
        }
        .await,
    )
}
