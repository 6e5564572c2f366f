//! Server functions: the RPC surface. Each one says who may call it, then hands over to the backend.

use crate::error::AppError;
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
