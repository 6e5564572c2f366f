//! What every request handler shares: settings, the store, the photo files, the clock and the
//! limits on costly work.

use crate::backend::ServerBackend;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::db::SharedStore;
use axum::extract::FromRef;
use jieshui_app::backend::SharedBackend;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: SharedStore,
    pub photos: crate::evidence::store::PhotoStore,
    /// At most one image decode per core at a time: a burst of uploads queues instead of exhausting memory.
    pub decode_permits: Arc<tokio::sync::Semaphore>,
    /// Password verifications running at once (argon2 holds 19 MiB each).
    pub login_permits: Arc<tokio::sync::Semaphore>,
    pub backend: SharedBackend,
    /// Where recorded times come from (tests set it).
    pub clock: SharedClock,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(config: Config, store: SharedStore) -> AppState {
        Self::with_clock(config, store, Arc::new(SystemClock))
    }

    pub fn with_clock(config: Config, store: SharedStore, clock: SharedClock) -> AppState {
        let leptos_options = LeptosOptions::builder()
            .output_name("jieshui")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.bind)
            .build();
        let backend: SharedBackend = Arc::new(ServerBackend {
            store: store.clone(),
            capture: config.capture,
            utc_offset: config.utc_offset,
        });
        let photos = crate::evidence::store::PhotoStore::new(config.data_dir.join("photos"));
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        AppState {
            config: Arc::new(config),
            store,
            photos,
            decode_permits: Arc::new(tokio::sync::Semaphore::new(cores)),
            login_permits: Arc::new(tokio::sync::Semaphore::new(2 * cores)),
            backend,
            clock,
            leptos_options,
        }
    }
}
