//! The one error type of the product. It crosses the wire as JSON, carries a message key the client
//! renders in the user's language, and knows its HTTP status. Internal details never leave the server.

use crate::i18n::{Lang, Msg};
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: 401.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but the role may not do this: 403.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Bad input in one field: 422.
    #[error("invalid {field}: {msg:?}")]
    Invalid { field: String, msg: Msg },
    /// The request conflicts with what is stored (a taken username, another photo under the same id): 409.
    #[error("conflict: {msg:?}")]
    Conflict { field: Option<String>, msg: Msg },
    /// Slowed down: 429.
    #[error("too many requests, retry after {retry_after_secs}s")]
    TooManyRequests { retry_after_secs: i64 },
    /// Anything else: 500. The id finds the log line that holds the cause.
    #[error("internal error {incident}")]
    Internal { incident: String },
    /// The call itself failed (network, encoding). Made on the client by the server-function machinery.
    #[error("transport: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, msg: Msg) -> AppError {
        AppError::Invalid {
            field: field.to_string(),
            msg,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 400,
        }
    }

    /// The field a form should mark, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            AppError::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// What the user reads.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Unauthenticated => Msg::NotSignedIn.text(lang).into(),
            AppError::Forbidden => Msg::Forbidden.text(lang).into(),
            AppError::NotFound => Msg::NotFound.text(lang).into(),
            AppError::Invalid { msg, .. } | AppError::Conflict { msg, .. } => msg.text(lang).into(),
            AppError::TooManyRequests { retry_after_secs } => {
                format!(
                    "{} {}{}",
                    Msg::TooManyAttempts.text(lang),
                    Msg::WaitSeconds.text(lang),
                    retry_after_secs
                )
            }
            AppError::Internal { incident } => {
                format!("{}{}", Msg::InternalError.text(lang), incident)
            }
            AppError::Transport(_) => Msg::NetworkError.text(lang).into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Argument decoding failures are the client's fault, not the server's.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::Invalid {
                field: String::new(),
                msg: Msg::BadRequest,
            },
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::invalid("x", Msg::UsernameRequired).status(), 422);
        assert_eq!(
            AppError::TooManyRequests {
                retry_after_secs: 3
            }
            .status(),
            429
        );
        assert_eq!(
            AppError::Internal {
                incident: "x".into()
            }
            .status(),
            500
        );
    }

    #[test]
    fn internal_errors_show_only_the_incident_number() {
        let m = AppError::Internal {
            incident: "0192abcd".into(),
        }
        .message(Lang::En);
        assert!(m.ends_with("0192abcd"), "{m}");
    }
}
