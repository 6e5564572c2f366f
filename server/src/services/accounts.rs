//! Changes to one's own account.

use crate::auth::password;
use crate::auth::routes::{claim_attempt, password_permit, PASSWORD_MAX_BYTES};
use crate::db::AuditEntry;
use crate::state::Core;
use jieshui_app::domain::accounts::check_password;
use jieshui_app::i18n::Msg;
use jieshui_app::model::CurrentUser;

/// Why a change was refused: the message, and the form field it is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    User {
        msg: Msg,
        field: &'static str,
    },
    /// Too many wrong current passwords: wait this many seconds.
    Throttled(i64),
    /// The verifications are saturated: come back in a few seconds.
    Busy,
    /// Logged under this incident number.
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> Refused {
    Refused::Internal(super::incident(e))
}

/// The signed-in user changes their password: the current one must be right (wrong guesses count
/// against the same limit as sign-in attempts, per account), the new one must pass the password
/// rule and be typed twice alike. Every other session of the user ends; `session_hash` (this one)
/// stays.
pub async fn change_own_password(
    state: &Core,
    user: &CurrentUser,
    session_hash: &str,
    current: &str,
    new: &str,
    again: &str,
) -> Result<(), Refused> {
    if let Err(msg) = check_password(new, &user.username) {
        return Err(Refused::User {
            msg,
            field: "password",
        });
    }
    if new != again {
        return Err(Refused::User {
            msg: Msg::PasswordsDiffer,
            field: "again",
        });
    }
    let key = format!("pw:{}", user.id);
    let now = state.clock.now().unix_timestamp();
    match claim_attempt(state, &state.config.throttle, &key, now).await {
        Ok(Ok(())) => {}
        Ok(Err(wait)) => return Err(Refused::Throttled(wait)),
        Err(e) => return Err(internal(e)),
    }
    let stored = match state.store.user_by_id(user.id).await {
        Ok(Some(u)) if u.active => u.password_hash,
        Ok(_) => {
            return Err(Refused::User {
                msg: Msg::NotSignedIn,
                field: "",
            })
        }
        Err(e) => return Err(internal(e)),
    };
    let permit = password_permit(state).await.ok_or(Refused::Busy)?;
    let right = current.len() <= PASSWORD_MAX_BYTES
        && password::verify(current.to_string(), stored.clone())
            .await
            .map_err(internal)?;
    if !right {
        drop(permit);
        tracing::info!(user = %user.username, "password change refused: current password wrong");
        return Err(Refused::User {
            msg: Msg::CurrentPasswordWrong,
            field: "current",
        });
    }
    let hash = password::hash(new.to_string()).await.map_err(internal)?;
    drop(permit);
    let audit = AuditEntry {
        actor_id: Some(user.id),
        action: "password_change_own",
        subject: user.id.to_string(),
        detail: serde_json::json!({}),
    };
    // Conditional on the hash just checked: a change made meanwhile elsewhere is not overwritten.
    match state
        .store
        .change_own_password(user.id, &stored, &hash, session_hash, &audit)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Err(Refused::User {
                msg: Msg::CurrentPasswordWrong,
                field: "current",
            })
        }
        Err(e) => return Err(internal(e)),
    }
    state.store.clear_failures(&key).await.map_err(internal)?;
    Ok(())
}
