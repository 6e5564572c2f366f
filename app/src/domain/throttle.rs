//! How repeated failed sign-ins are slowed down. Counted per username and per client address, so
//! guessing one account's password and spraying one password over many accounts are both slowed.

use serde::{Deserialize, Serialize};

/// The policy; its numbers are settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottlePolicy {
    /// Failures allowed before any waiting is imposed.
    pub free_failures: u32,
    /// Wait after the first failure beyond the free ones; doubles with every further failure.
    pub base_delay_secs: i64,
    /// The wait never exceeds this.
    pub max_delay_secs: i64,
    /// A failure older than this no longer counts.
    pub window_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 5,
            base_delay_secs: 30,
            max_delay_secs: 15 * 60,
            window_secs: 15 * 60,
        }
    }
}

/// What is known of past failures for one key (a username or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRecord {
    pub failures: u32,
    /// Unix seconds of the latest failure.
    pub last_failure_at: i64,
}

impl ThrottlePolicy {
    /// The failure count to store after one more failure at `now`: counts reset once the window passed.
    pub fn after_failure(&self, prev: Option<FailureRecord>, now: i64) -> FailureRecord {
        let failures = match prev {
            Some(r) if now - r.last_failure_at <= self.window_secs => r.failures.saturating_add(1),
            _ => 1,
        };
        FailureRecord {
            failures,
            last_failure_at: now,
        }
    }

    /// Seconds the client must still wait before another attempt is even checked; 0 means go ahead.
    pub fn wait_secs(&self, rec: Option<FailureRecord>, now: i64) -> i64 {
        let Some(r) = rec else { return 0 };
        if now - r.last_failure_at > self.window_secs || r.failures < self.free_failures {
            return 0;
        }
        let extra = (r.failures - self.free_failures).min(20);
        let delay = self
            .base_delay_secs
            .saturating_mul(1i64 << extra)
            .min(self.max_delay_secs);
        (r.last_failure_at + delay - now).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        base_delay_secs: 30,
        max_delay_secs: 900,
        window_secs: 900,
    };

    fn rec(failures: u32, at: i64) -> Option<FailureRecord> {
        Some(FailureRecord {
            failures,
            last_failure_at: at,
        })
    }

    #[test]
    fn free_failures_do_not_wait() {
        assert_eq!(P.wait_secs(None, 1000), 0);
        assert_eq!(P.wait_secs(rec(4, 1000), 1000), 0);
    }

    #[test]
    fn the_fifth_failure_starts_the_wait_and_it_doubles() {
        assert_eq!(P.wait_secs(rec(5, 1000), 1000), 30);
        assert_eq!(P.wait_secs(rec(5, 1000), 1010), 20);
        assert_eq!(P.wait_secs(rec(5, 1000), 1030), 0);
        assert_eq!(P.wait_secs(rec(6, 1000), 1000), 60);
        assert_eq!(P.wait_secs(rec(7, 1000), 1000), 120);
    }

    #[test]
    fn the_wait_is_capped() {
        assert_eq!(P.wait_secs(rec(60, 1000), 1000), 900);
        assert_eq!(P.wait_secs(rec(u32::MAX, 1000), 1000), 900);
    }

    #[test]
    fn old_failures_expire() {
        assert_eq!(P.wait_secs(rec(9, 1000), 1000 + 901), 0);
        assert_eq!(P.after_failure(rec(9, 1000), 1000 + 901).failures, 1);
        assert_eq!(P.after_failure(rec(9, 1000), 1000 + 899).failures, 10);
        assert_eq!(P.after_failure(None, 5).failures, 1);
    }
}
