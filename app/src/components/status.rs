//! How a page says something went wrong, or reads back a message a form route sent it.

use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use leptos::prelude::*;

/// An error as a page shows it, in the user's language.
pub fn error_view(e: AppError, lang: Lang) -> AnyView {
    view! { <p class="alert alert-error" role="alert">{e.message(lang)}</p> }.into_any()
}

/// A message key carried in a redirect's query string (e.g. `?error=DateInvalid`).
pub fn msg_from_query(code: Option<String>) -> Option<Msg> {
    code.and_then(|c| serde_json::from_value(serde_json::Value::String(c)).ok())
}
