//! The one place that reads the system clock. Everything else takes `now` as an argument, so
//! `--now` makes an investigation reproducible and tests never depend on the time of day.

use chrono::{DateTime, SubsecRound, Utc};

/// The session's notion of "now": the system clock, or a fixed instant (`--now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
}

impl Clock {
    /// The system clock.
    #[must_use]
    pub const fn system() -> Self {
        Self { fixed: None }
    }

    /// Always `at`.
    #[must_use]
    pub const fn fixed(at: DateTime<Utc>) -> Self {
        Self { fixed: Some(at) }
    }

    /// The current instant, to the microsecond (what both databases keep).
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(|| Utc::now().trunc_subsecs(6))
    }

    #[must_use]
    pub const fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }
}
