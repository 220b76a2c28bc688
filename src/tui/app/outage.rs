//! The database is unreachable: since when, how many attempts failed, when the next one is
//! due, and how old the data left on screen is. The console keeps that data (marked stale)
//! and retries with exponential backoff — [`RETRY_FIRST`], doubling, capped at [`RETRY_MAX`] —
//! instead of its usual refresh cadence; the first answer that gets through ends the outage.
//! Times are taken from the session clock when things happen, and the schedule from the
//! monotonic instants the ticks carry, so tests drive it without sleeping.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// The wait after the first failed attempt.
pub const RETRY_FIRST: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
pub const RETRY_MAX: Duration = Duration::from_secs(15);

/// The wait after `attempt` failed attempts: 1s, 2s, 4s, 8s, then 15s.
#[must_use]
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    RETRY_FIRST.saturating_mul(1 << doublings).min(RETRY_MAX)
}

/// An ongoing outage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// When the first failure was seen (session clock).
    pub since: DateTime<Utc>,
    /// Failed attempts so far (the request that noticed the outage is the first).
    pub attempt: u32,
    /// When the next attempt is due; `None` while one is under way.
    pub next_retry: Option<Instant>,
    /// The last failure, as the service worded it.
    pub error: String,
    /// When the data on screen was last loaded (session clock), if ever.
    pub data_from: Option<DateTime<Utc>>,
}

impl Outage {
    /// The first failure, seen at `now` (monotonic `at`).
    #[must_use]
    pub fn new(since: DateTime<Utc>, at: Instant, error: String, data_from: Option<DateTime<Utc>>) -> Self {
        Self { since, attempt: 1, next_retry: Some(at + backoff(1)), error, data_from }
    }

    /// Another failure at `at`: when it answers the attempt under way, the attempt counts and
    /// the next one is scheduled further out; otherwise (a second answer to the same attempt)
    /// only the message is kept.
    pub fn failed(&mut self, at: Instant, error: String) {
        if self.next_retry.is_none() {
            self.attempt += 1;
            self.next_retry = Some(at + backoff(self.attempt));
        }
        self.error = error;
    }

    /// Whether an attempt is due at `at`.
    #[must_use]
    pub fn due(&self, at: Instant) -> bool {
        self.next_retry.is_some_and(|t| at >= t)
    }

    /// The banner line, at monotonic `at`; `held` says why a due retry waits (paused, typing).
    /// When the sentence does not fit in `width` columns, the same facts in fewer words.
    #[must_use]
    pub fn banner(&self, at: Instant, held: Option<&str>, width: usize) -> String {
        let since = self.since.format("%H:%M:%S");
        let data_at = self.data_from.map(|t| t.format("%H:%M:%S").to_string());
        let (next, next_short) = match (self.next_retry, held) {
            (None, _) => (
                format!("retrying now (attempt {})", self.attempt + 1),
                format!("retrying now (#{})", self.attempt + 1),
            ),
            (Some(_), Some(why)) => (
                format!("retry held while {why} (attempt {})", self.attempt),
                format!("retry held: {why} (#{})", self.attempt),
            ),
            (Some(t), None) => {
                let left = t.saturating_duration_since(at);
                // Whole seconds, rounded up: "in 0s" would read as "now".
                let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                (
                    format!("retrying in {secs}s (attempt {})", self.attempt),
                    format!("retry in {secs}s (#{})", self.attempt),
                )
            }
        };
        let data = data_at
            .as_ref()
            .map_or_else(|| "no data loaded yet".to_owned(), |t| format!("showing data from {t} (stale)"));
        let full = format!("⚠ database unreachable since {since} — {next}; {data}");
        // One column is the banner's left margin.
        if unicode_width::UnicodeWidthStr::width(full.as_str()) < width {
            return full;
        }
        let data = data_at.map_or_else(|| "no data yet".to_owned(), |t| format!("stale data of {t}"));
        format!("⚠ unreachable since {since} · {next_short} · {data}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_the_same_in_fewer_words_when_the_sentence_does_not_fit() {
        let t0 = Instant::now();
        let since = DateTime::<Utc>::UNIX_EPOCH;
        let o = Outage::new(since, t0, "gone".into(), Some(since));
        let wide = o.banner(t0, None, 200);
        assert_eq!(
            wide,
            "⚠ database unreachable since 00:00:00 — retrying in 1s (attempt 1); showing data from 00:00:00 (stale)"
        );
        let narrow = o.banner(t0, None, 80);
        assert_eq!(narrow, "⚠ unreachable since 00:00:00 · retry in 1s (#1) · stale data of 00:00:00");
        assert!(unicode_width::UnicodeWidthStr::width(narrow.as_str()) < 80);
    }

    #[test]
    fn backoff_doubles_from_one_second_up_to_the_cap() {
        let secs: Vec<u64> = (1..=7).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 15, 15, 15]);
        assert_eq!(backoff(u32::MAX), RETRY_MAX);
    }

    #[test]
    fn a_second_answer_to_the_same_attempt_does_not_count() {
        let t0 = Instant::now();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut o = Outage::new(now, t0, "gone".into(), None);
        o.failed(t0, "gone again".into());
        assert_eq!((o.attempt, o.next_retry), (1, Some(t0 + Duration::from_secs(1))));
        o.next_retry = None;
        o.failed(t0, "still gone".into());
        assert_eq!((o.attempt, o.next_retry), (2, Some(t0 + Duration::from_secs(2))));
    }
}
