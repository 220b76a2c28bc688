//! The exact count of a list with a verdict filter (`decision`, `gap`, `drift`). The database
//! can only count the candidates those filters judge among (an upper bound, `≤1,409`); the
//! exact number needs every candidate assessed. The tally walks the list in the background,
//! one page of matches per worker command, each answer asking for the next, so the title
//! reads "≥ 1,200 so far" while it walks and the exact count when it ends, and no key ever
//! waits for it. A new filter or sort drops the walk; a refresh after the data changed starts a
//! new one unless one is under way, showing the last exact count until the new one ends.

use crate::service::{RunFilter, ServiceError};
use crate::tui::worker::{Command, Start};

/// A tally's state for one list.
#[derive(Debug, Default)]
pub struct Tally {
    generation: u64,
    seq: u64,
    /// Matches counted by the walk under way.
    so_far: Option<u64>,
    /// The last walk that reached the end.
    exact: Option<u64>,
    /// The walk under way stopped on an error.
    failed: bool,
}

impl Tally {
    /// Starts a walk of `filter`'s list (generation `generation`) as request `seq`.
    pub fn start(&mut self, generation: u64, seq: &mut u64, filter: &RunFilter) -> Command {
        *seq += 1;
        self.generation = generation;
        self.seq = *seq;
        self.so_far = Some(0);
        self.failed = false;
        Command::Tally { generation, seq: *seq, filter: filter.clone(), start: Start::top(), so_far: 0 }
    }

    /// Takes one step's answer (how many matched, and where the next step starts, `None` at
    /// the end); the next step's command unless the walk ended, failed, or was replaced.
    pub fn apply(
        &mut self,
        (generation, seq): (u64, u64),
        so_far: u64,
        result: Result<(u64, Option<Start>), ServiceError>,
        filter: &RunFilter,
    ) -> Option<Command> {
        if generation != self.generation || seq != self.seq {
            return None;
        }
        let Ok((matched, next)) = result else {
            self.failed = true;
            return None;
        };
        let n = so_far + matched;
        let Some(start) = next else {
            self.exact = Some(n);
            self.so_far = None;
            return None;
        };
        self.so_far = Some(n);
        Some(Command::Tally { generation, seq, filter: filter.clone(), start, so_far: n })
    }

    /// Whether a walk is under way (a refresh lets it finish rather than start another: at a
    /// million runs a walk of `gap` takes about a minute of one core).
    #[must_use]
    pub const fn walking(&self) -> bool {
        self.so_far.is_some() && !self.failed
    }

    /// The exact count, once a walk reached the end.
    #[must_use]
    pub const fn exact(&self) -> Option<u64> {
        self.exact
    }

    /// What the title says of it: the exact count, or the walk's progress (`None` before
    /// either is known). `failed` when the walk under way stopped on an error.
    #[must_use]
    pub fn reading(&self) -> Option<(u64, bool, bool)> {
        match (self.exact, self.so_far) {
            (Some(n), _) => Some((n, true, false)),
            (None, Some(n)) if n > 0 || self.failed => Some((n, false, self.failed)),
            _ => None,
        }
    }
}

/// Matches per step of a walk: a list page's worth, so a step is as short as a page load.
pub const STEP: u32 = 100;
