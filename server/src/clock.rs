//! Where the server reads the time. One clock lives in `AppState`, so every time the server records
//! (a photo's receipt, an inspection's start) comes from it, and tests set the time instead of
//! depending on the day they run.

use std::sync::Arc;
use time::OffsetDateTime;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The machine's clock, in UTC.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

pub type SharedClock = Arc<dyn Clock>;
