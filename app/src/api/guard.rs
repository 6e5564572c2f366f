//! Server-side checks shared by every server function: who is asking, may they, and the HTTP status
//! of a failure (a server function's error is otherwise always a 500).

use crate::backend::{RequestInfo, SharedBackend};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::model::CurrentUser;
use leptos::prelude::*;
use uuid::Uuid;

pub fn request_info() -> RequestInfo {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<RequestInfo>().cloned())
        .unwrap_or_default()
}

pub fn signed_in() -> Result<CurrentUser, AppError> {
    request_info().user.ok_or(AppError::Unauthenticated)
}

pub fn require(roles: &[Role]) -> Result<CurrentUser, AppError> {
    let user = signed_in()?;
    if roles.contains(&user.role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or_else(|| {
        tracing::error!("no backend in the server-function context");
        AppError::Internal {
            incident: "no-backend".into(),
        }
    })
}

pub fn parse_id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound)
}

/// Sets the response status from the error, so clients and tests see 401/403/422 rather than 500.
pub fn finish<T>(r: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &r {
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(code) = http::StatusCode::from_u16(e.status()) {
                opts.set_status(code);
            }
        }
    }
    r
}
