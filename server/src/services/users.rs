//! An administrator's changes to other people's accounts.

use super::{internal, store_err};
use crate::auth::password;
use crate::db::{AuditEntry, NewUserRow, SetActive};
use crate::state::Core;
use jieshui_app::domain::accounts::check_password;
use jieshui_app::error::AppError;
use jieshui_app::i18n::Msg;
use jieshui_app::model::{CurrentUser, NewUser, UserSummary};
use uuid::Uuid;

/// Creates an account (the form's fields were checked by `NewUser`'s constructor); its district, if
/// any, must exist.
pub async fn create(
    core: &Core,
    actor: &CurrentUser,
    new: NewUser,
) -> Result<UserSummary, AppError> {
    if let Some(d) = new.district_id {
        if !core.store.district_exists(d).await.map_err(store_err)? {
            return Err(AppError::invalid("district_id", Msg::UnknownDistrict));
        }
    }
    let hash = password::hash(new.password.clone())
        .await
        .map_err(internal)?;
    let row = NewUserRow {
        id: Uuid::now_v7(),
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        role: new.role,
        district_id: new.district_id,
        password_hash: hash,
        demo: false,
    };
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "user_create",
        subject: row.id.to_string(),
        detail: serde_json::json!({ "username": row.username, "role": row.role.as_str() }),
    };
    core.store
        .insert_user(&row, &audit)
        .await
        .map_err(store_err)?;
    let users = core.store.list_users().await.map_err(store_err)?;
    users
        .into_iter()
        .find(|u| u.id == row.id)
        .ok_or_else(|| internal("created user vanished"))
}

/// Sets another user's password; every session of theirs ends.
pub async fn reset_password(
    core: &Core,
    actor: &CurrentUser,
    user_id: Uuid,
    pw: String,
) -> Result<(), AppError> {
    let target = core
        .store
        .user_by_id(user_id)
        .await
        .map_err(store_err)?
        .ok_or(AppError::NotFound)?;
    check_password(&pw, &target.user.username).map_err(|m| AppError::invalid("password", m))?;
    let hash = password::hash(pw).await.map_err(internal)?;
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: "user_password_reset",
        subject: user_id.to_string(),
        detail: serde_json::json!({ "username": target.user.username }),
    };
    if core
        .store
        .set_password(user_id, &hash, &audit)
        .await
        .map_err(store_err)?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Deactivates (ending every session) or reactivates an account. Nobody deactivates themselves, and
/// the last active administrator stays.
pub async fn set_active(
    core: &Core,
    actor: &CurrentUser,
    user_id: Uuid,
    active: bool,
) -> Result<(), AppError> {
    if user_id == actor.id && !active {
        return Err(AppError::Conflict {
            field: None,
            msg: Msg::CannotDeactivateSelf,
        });
    }
    let audit = AuditEntry {
        actor_id: Some(actor.id),
        action: if active {
            "user_reactivate"
        } else {
            "user_deactivate"
        },
        subject: user_id.to_string(),
        detail: serde_json::json!({}),
    };
    match core
        .store
        .set_user_active(user_id, active, &audit)
        .await
        .map_err(store_err)?
    {
        SetActive::Done => Ok(()),
        SetActive::NoSuchUser => Err(AppError::NotFound),
        SetActive::LastAdmin => Err(AppError::Conflict {
            field: None,
            msg: Msg::LastAdmin,
        }),
    }
}
