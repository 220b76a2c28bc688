//! The one place that reads the system clock. Everything else takes `now` as an argument, so
//! `--now` makes an investigation reproducible and tests never depend on the time of day.
//!
//! `--now` only sets the instant verdicts are assessed as of ([`Clock::now`]); what a write
//! stamps always comes from the real clock ([`Clock::real_now`]).

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

    /// The system clock's instant, whatever `--now` says: the time every write is stamped with.
    #[must_use]
    pub fn real_now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }

    /// True when `--now` names an instant later than the real clock (a write would be dated
    /// in the future, or a run counted stale before its time).
    #[must_use]
    pub fn is_ahead_of_real(&self) -> bool {
        self.fixed.is_some_and(|at| at > self.real_now())
    }
}
