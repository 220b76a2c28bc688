//! How figures are sampled: warm-up, budget, and the per-round reading of a figure timed
//! beside its reference (docs/performance.md, "Reading a first page").

use std::time::{Duration, Instant};

use color_eyre::eyre::{eyre, Report};
use proofdesk::service::ServiceError;

use crate::report::Stat;

/// A service failure as the bench reports it: `context: what the service said`, one sentence.
pub fn err(context: &str) -> impl Fn(ServiceError) -> Report + '_ {
    move |e| eyre!("{context}: {e}")
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The statistics of a figure timed in rounds, `value[i]` and `reference[i]` back to back in
/// round `i`, the two sides taking turns going first: each side's, and what the value adds,
/// read per pair of consecutive rounds (one with each side first) as the mean of the pair's
/// two differences (value - reference).
///
/// Pairing by round cancels a drift in the machine's load, which moves both sides of a round
/// together. Pairing the two orders cancels what going first costs or saves: on SQLite the
/// side that goes first can pay for pages that the other then finds cached, so the differences
/// of single rounds fall into two clusters, one per order, and their median lands on either.
pub fn rounds(value: &[f64], reference: &[f64]) -> (Stat, Stat, Stat) {
    let differences: Vec<f64> = value.iter().zip(reference).map(|(v, r)| v - r).collect();
    let pairs: Vec<f64> = differences.chunks_exact(2).map(|d| f64::midpoint(d[0], d[1])).collect();
    (Stat::of(value), Stat::of(reference), Stat::of(&pairs))
}

/// How long one figure may keep sampling before it settles for fewer samples.
const FIGURE_BUDGET: Duration = Duration::from_secs(20);
/// The fewest samples a figure settles for.
const MIN_SAMPLES: usize = 5;
/// Untimed runs before the samples (statement caches, page caches).
pub const WARMUP: usize = 2;
/// Untimed rounds before a first page's samples: enough that each of the pool's connections
/// (4 on SQLite, 8 on PostgreSQL), which both sides draw from, has run the page's statements
/// and holds its pages in its own cache (docs/performance.md, note 5). Even, so the timed
/// rounds still start with the same side first and pair up (see [`rounds`]).
pub const FIRST_PAGE_WARMUP: usize = 8;

pub struct Sampling {
    samples: usize,
    warmup: usize,
    started: Instant,
    done: usize,
}

impl Sampling {
    pub fn new(samples: usize) -> Self {
        Self::with_warmup(samples, WARMUP)
    }

    pub fn with_warmup(samples: usize, warmup: usize) -> Self {
        Self { samples: samples.max(1), warmup, started: Instant::now(), done: 0 }
    }

    /// Whether to take another round (warm-up rounds included); `timed` says if it counts.
    pub fn next(&mut self) -> Option<bool> {
        let round = self.done;
        self.done += 1;
        if round < self.warmup {
            return Some(false);
        }
        let taken = round - self.warmup;
        let over_budget = self.started.elapsed() > FIGURE_BUDGET && taken >= MIN_SAMPLES.min(self.samples);
        (taken < self.samples && !over_budget).then_some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_warms_up_untimed_then_takes_the_samples() {
        let mut s = Sampling::with_warmup(3, FIRST_PAGE_WARMUP);
        let rounds: Vec<bool> = std::iter::from_fn(|| s.next()).collect();
        assert_eq!(rounds.len(), FIRST_PAGE_WARMUP + 3);
        assert!(rounds[..FIRST_PAGE_WARMUP].iter().all(|t| !t) && rounds[FIRST_PAGE_WARMUP..].iter().all(|t| *t));
        assert_eq!(FIRST_PAGE_WARMUP % 2, 0, "the timed rounds must start on the same side as round 0");
    }

    #[test]
    fn rounds_read_what_the_value_adds_whichever_side_goes_first() {
        // Whoever goes first pays 3.5 ms (the side second finds the pages cached); the sides
        // take turns, and the value adds 0.1 ms. Single rounds read -3.4 or +3.6.
        let first = |round: usize, side: usize| if round % 2 == side { 3.5 } else { 0.0 };
        let value: Vec<f64> = (0..40).map(|i| 2.1 + first(i, 0)).collect();
        let reference: Vec<f64> = (0..40).map(|i| 2.0 + first(i, 1)).collect();
        let (_, _, d) = rounds(&value, &reference);
        assert!((d.median - 0.1).abs() < 1e-9, "{d:?}");
        assert_eq!(d.n, 20, "one reading per pair of rounds");
        // An odd round out is left out rather than read alone.
        let (_, _, d) = rounds(&value[..39], &reference[..39]);
        assert_eq!(d.n, 19);
    }

    #[test]
    fn rounds_read_what_the_value_adds_through_a_drift_in_load() {
        // The machine slows down halfway; the value adds 0.2 ms in every round. Which side
        // happens to land in the slow half moves each median, not the per-round difference.
        let reference: Vec<f64> = (0..20).map(|i| if i < 10 { 2.0 } else { 3.0 }).collect();
        let value: Vec<f64> =
            reference.iter().enumerate().map(|(i, r)| r + 0.2 + if i == 9 { 1.0 } else { 0.0 }).collect();
        let (v, r, d) = rounds(&value, &reference);
        assert!((v.median - r.median - 1.2).abs() < 1e-9, "the medians apart read 1.2 ms: {v:?} {r:?}");
        assert!((d.median - 0.2).abs() < 1e-9, "{d:?}");
        assert_eq!(d.n, 10);
    }

    #[test]
    fn a_failure_prints_as_the_sentence_made_where_it_happened() {
        let report = err("deep page")(ServiceError::NotFound(7));
        assert_eq!(format!("proofdesk-bench: {report}"), "proofdesk-bench: deep page: operation run 7 not found");
        let store: Report = proofdesk::store::StoreError::Busy.into();
        assert_eq!(store.to_string(), proofdesk::store::StoreError::Busy.to_string(), "`?` keeps the error's words");
    }
}
