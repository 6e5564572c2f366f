//! Jieshui (节水巡检): the Leptos application, rendered on the server and hydrated as islands in the
//! browser, plus the pure domain rules and the wire contract both sides share.

pub mod api;
pub mod app;
pub mod components;
pub mod ctx;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod util;

#[cfg(feature = "ssr")]
pub mod backend;

/// Entry point of the browser bundle: only the islands wake up; the rest of the page stays plain HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
