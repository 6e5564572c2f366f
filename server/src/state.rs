//! What every request handler shares. [`Core`] is what the services need (settings, the store, the
//! photo files, the clock and the limits on costly work); [`AppState`] adds what only the web layer
//! uses, and derefs to its core so handlers read `state.store`, `state.config` as before.

use crate::backend::ServerBackend;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::db::SharedStore;
use axum::extract::FromRef;
use jieshui_app::backend::SharedBackend;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// What a write needs, whichever door it came in by (a form route, a JSON route, a server
/// function through [`ServerBackend`]).
pub struct Core {
    pub config: Arc<Config>,
    pub store: SharedStore,
    pub photos: crate::evidence::store::PhotoStore,
    /// At most one image decode per core at a time: a burst of uploads queues instead of exhausting memory.
    pub decode_permits: Arc<tokio::sync::Semaphore>,
    /// Password verifications running at once (argon2 holds 19 MiB each).
    pub login_permits: Arc<tokio::sync::Semaphore>,
    /// Where recorded times come from (tests set it).
    pub clock: SharedClock,
}

pub type SharedCore = Arc<Core>;

impl Core {
    /// The city's calendar day of `t` (the configured UTC offset): the day a visit is judged by,
    /// and the day rule versions start on.
    pub fn day_of(&self, t: time::OffsetDateTime) -> jieshui_app::domain::fixture::Day {
        let d = t.to_offset(self.config.utc_offset).date();
        let (y, m, day) = (
            d.year().max(0) as u32,
            u32::from(u8::from(d.month())),
            u32::from(d.day()),
        );
        jieshui_app::domain::fixture::Day(y * 10_000 + m * 100 + day)
    }

    /// Today in the city's calendar, by the service clock.
    pub fn today(&self) -> jieshui_app::domain::fixture::Day {
        self.day_of(self.clock.now())
    }

    /// An instant as the city reads it on a page: `YYYY-MM-DD HH:MM` in its time zone.
    pub fn local_minute(&self, t: time::OffsetDateTime) -> String {
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        t.to_offset(self.config.utc_offset)
            .format(&fmt)
            .unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: SharedCore,
    pub backend: SharedBackend,
    pub leptos_options: LeptosOptions,
}

impl std::ops::Deref for AppState {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
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
        let photos = crate::evidence::store::PhotoStore::new(config.data_dir.join("photos"));
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let core = Arc::new(Core {
            config: Arc::new(config),
            store,
            photos,
            decode_permits: Arc::new(tokio::sync::Semaphore::new(cores)),
            login_permits: Arc::new(tokio::sync::Semaphore::new(2 * cores)),
            clock,
        });
        let backend: SharedBackend = Arc::new(ServerBackend { core: core.clone() });
        AppState {
            core,
            backend,
            leptos_options,
        }
    }
}
