//! Jieshui (节水巡检): the Leptos application, rendered on the server and hydrated as islands in the
//! browser, plus the pure domain rules and the wire contract both sides share.
//!
//! Built with `--features phone` alone, it is the visit page's domain module instead: the rules
//! and nothing of the pages (`phone`).

#[cfg(feature = "ui")]
pub mod api;
#[cfg(feature = "ui")]
pub mod app;
#[cfg(feature = "ui")]
pub mod components;
#[cfg(feature = "ui")]
pub mod ctx;
pub mod domain;
#[cfg(feature = "ui")]
pub mod error;
pub mod i18n;
pub mod model;
#[cfg(feature = "ui")]
pub mod pages;
pub mod phone;
#[cfg(feature = "ui")]
pub mod util;

#[cfg(feature = "ssr")]
pub mod backend;

/// Entry point of the browser bundle: only the islands wake up; the rest of the page stays plain HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Readable panics in the console for development builds; the release bundle leaves the hook
    // (and the panic formatting it pulls in, ≈ 1 KB) out to stay within the phone's budget.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
