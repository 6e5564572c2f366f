//! Small helpers shared by the form routes.

use jieshui_app::i18n::Msg;

/// A message's key as it travels in a redirect's query string (its variant name).
pub fn msg_code(m: Msg) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub use jieshui_app::pages::login::urlencode;
