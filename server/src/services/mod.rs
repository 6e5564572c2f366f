//! Every write, one function per change a user can make: each checks, stores and writes its audit
//! entry in one transaction through the store. The plain form routes, the JSON routes and the
//! server functions (through `ServerBackend`) all call these, so a write has one path.

pub mod accounts;
pub mod audits;
pub mod fields;
pub mod inspections;
pub mod market;
pub mod photos;
pub mod review;
pub mod rules;
pub mod score;
pub mod sites;
pub mod users;

use crate::db::StoreError;
use jieshui_app::error::AppError;
use jieshui_app::i18n::Msg;
use uuid::Uuid;

/// Logs an unexpected error once, under a new incident number, and returns the number for the
/// user to quote. Every "internal error" answer comes through here.
pub fn incident(e: impl std::fmt::Display) -> String {
    let incident = Uuid::now_v7().simple().to_string();
    tracing::error!(%incident, error = %e, "internal error");
    incident
}

/// An unexpected error as the client sees it: only an incident number.
pub fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal {
        incident: incident(e),
    }
}

/// A store error as the client sees it: a taken username is the user's to fix, the rest internal.
pub fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::Unique(name) if name == "users_username_key" => AppError::Conflict {
            field: Some("username".into()),
            msg: Msg::UsernameTaken,
        },
        other => internal(other),
    }
}
