//! The runs list's state: a window over a list of any length.
//!
//! Rows arrive in keyset pages of [`PAGE_ROWS`] (`Service::list(filter, after, limit)`); only
//! the pages under the visible window (plus one ahead when the window nears its end) are
//! fetched, and only those within [`KEEP_PAGES`] of the window stay cached, so a million runs
//! cost what ten do. Going back reloads an evicted page from its remembered start: one start
//! per page passed (a cursor, no rows), which is the only state that grows with distance.
//! Pages with a `next` are full, so row `i` is row `i % PAGE_ROWS` of page `i / PAGE_ROWS`.
//! The selection follows its run by id across refreshes; a filter or sort change starts a new
//! generation and every answer about an older one is dropped.
//!
//! `End` on a list whose length is counted exactly reads it from the other end (the tail):
//! the pages are then loaded in the reverse order from the list's last run, and row `i` on
//! screen is row `total - 1 - i` of that reversed list, so the last run of a million is one
//! keyset page away, not ten thousand. `Home` (or a new filter or sort) reads it from the top
//! again.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::Tally;
use crate::service::{Page, RunFilter, RunView, ServiceError};
use crate::tui::worker::{Command, Start};

/// Rows per page fetched.
pub(crate) const PAGE_ROWS: u32 = 100;
const P: usize = PAGE_ROWS as usize;
/// Cached pages kept on each side of the visible ones.
pub const KEEP_PAGES: usize = 2;

/// The list: filter, window, cache and selection.
#[derive(Debug)]
pub struct ListState {
    pub filter: RunFilter,
    /// The filter text that produced `filter` (shown as the active filters).
    pub filter_text: String,
    pub generation: u64,
    marks: Vec<Start>,
    pages: BTreeMap<usize, Vec<RunView>>,
    /// The final page and its length, once seen.
    last: Option<(usize, usize)>,
    inflight: BTreeSet<usize>,
    /// The match count, or why it failed (drawn as "count failed"). Errors here are the
    /// service's own [`ServiceError`], as the worker's reply carried it across the task
    /// boundary: the list is their last holder and only draws them, so they need no `Clone`
    /// and are not flattened into text before they are drawn.
    pub count: Option<Result<i64, ServiceError>>,
    count_seq: u64,
    /// The generation the count in flight was asked for (reading the same list from its
    /// other end keeps it).
    count_generation: u64,
    /// A count is being computed (live refresh does not pile another on top).
    pub counting: bool,
    /// With a verdict filter: the exact count, walked in the background.
    pub tally: Tally,
    pub sel: usize,
    pub offset: usize,
    pub selected_id: Option<i64>,
    /// The last load error, shown until the next successful load.
    pub error: Option<ServiceError>,
    pub loaded_at: Option<Instant>,
    /// A run kept in view at the selection though the list no longer holds it (just
    /// reconciled out of the filter), until the next key.
    pub pinned: Option<RunView>,
    /// The pages are read from the list's end (see the module's notes).
    tail: bool,
}

impl ListState {
    #[must_use]
    pub fn new(filter: RunFilter, filter_text: String) -> Self {
        Self {
            filter,
            filter_text,
            generation: 0,
            marks: vec![Start::top()],
            pages: BTreeMap::new(),
            last: None,
            inflight: BTreeSet::new(),
            count: None,
            count_seq: 0,
            count_generation: 0,
            tally: Tally::default(),
            counting: false,
            sel: 0,
            offset: 0,
            selected_id: None,
            error: None,
            loaded_at: None,
            pinned: None,
            tail: false,
        }
    }

    /// Starts over with a new filter (or sort): new generation, empty cache.
    pub fn reset(&mut self, filter: RunFilter, filter_text: String) {
        let keep = self.selected_id;
        let generation = self.generation + 1;
        *self = Self::new(filter, filter_text);
        self.generation = generation;
        self.selected_id = keep;
    }

    /// Rows known to exist, and whether more may follow.
    #[must_use]
    pub fn known_rows(&self) -> (usize, bool) {
        if self.tail {
            return (self.total(), false);
        }
        self.loaded_rows()
    }

    /// Rows known in the order they are loaded, and whether more may follow.
    fn loaded_rows(&self) -> (usize, bool) {
        let t = self.marks.len() - 1;
        match self.last {
            Some((l, len)) => (l * P + len, false),
            None => (t * P + self.pages.get(&t).map_or(0, Vec::len), true),
        }
    }

    /// Whether the filter judges verdicts (`decision`, `gap`, `drift`): the database's count
    /// is then only an upper bound, and the exact one is the tally's.
    #[must_use]
    pub fn by_verdict(&self) -> bool {
        self.filter.gap || self.filter.drift || !self.filter.decisions.is_empty()
    }

    /// The exact number of runs the list holds, when known.
    fn exact_count(&self) -> Option<usize> {
        if self.by_verdict() {
            return self.tally.exact().and_then(|n| usize::try_from(n).ok());
        }
        match &self.count {
            Some(Ok(n)) => usize::try_from(*n).ok(),
            _ => None,
        }
    }

    /// Read from the end: how many rows the list holds (exact once the reversed list has been
    /// read to its end, else the count).
    fn total(&self) -> usize {
        let (loaded, more) = self.loaded_rows();
        if !more {
            return loaded;
        }
        self.exact_count().map_or(loaded, |n| n.max(loaded))
    }

    /// Where row `i` on screen is in the order the pages are loaded.
    fn load_index(&self, i: usize) -> Option<usize> {
        if self.tail {
            self.total().checked_sub(i + 1)
        } else {
            Some(i)
        }
    }

    /// Where load row `j` is on screen.
    fn screen_index(&self, j: usize) -> usize {
        if self.tail {
            self.total().saturating_sub(j + 1)
        } else {
            j
        }
    }

    /// Whether the list is read from its end (`End` on an exactly counted list).
    #[must_use]
    pub const fn from_end(&self) -> bool {
        self.tail
    }

    /// Jumps to the list's last run. A list counted exactly that is not loaded to its end is
    /// read from the other end from now on; false when that cannot be done yet (no exact count:
    /// the count, or a verdict filter's tally, is still under way), and the list then loads on
    /// from where it is.
    pub fn jump_to_end(&mut self, height: usize) -> bool {
        let (_, more) = self.known_rows();
        if more && self.exact_count().is_some() {
            self.restart(true);
            self.selected_id = None;
        }
        self.select(usize::MAX, height);
        !more || self.tail
    }

    /// Jumps to the list's first run (read from the top again if it was read from its end).
    pub fn jump_to_top(&mut self, height: usize) {
        if self.tail {
            self.restart(false);
            self.selected_id = None;
        }
        self.select(0, height);
    }

    /// Starts reading the same list from the top or from the end: a new generation with an
    /// empty cache, keeping the count.
    fn restart(&mut self, tail: bool) {
        let count = self.count.take();
        let tally = std::mem::take(&mut self.tally);
        let (counting, count_seq, count_generation) = (self.counting, self.count_seq, self.count_generation);
        self.reset(self.filter.clone(), self.filter_text.clone());
        self.count = count;
        self.tally = tally;
        (self.counting, self.count_seq, self.count_generation) = (counting, count_seq, count_generation);
        self.tail = tail;
    }

    /// Whether the first page has been answered (an empty list is then really empty).
    #[must_use]
    pub fn first_loaded(&self) -> bool {
        self.pages.contains_key(&0) || self.last.is_some()
    }

    /// Row `i` on screen, when its page is cached.
    #[must_use]
    pub fn row(&self, i: usize) -> Option<&RunView> {
        let j = self.load_index(i)?;
        self.pages.get(&(j / P)).and_then(|p| p.get(j % P))
    }

    /// The selected run, when loaded (a pinned run while it is pinned).
    #[must_use]
    pub fn selected(&self) -> Option<&RunView> {
        self.pinned.as_ref().or_else(|| self.row(self.sel))
    }

    /// Whether a cached page holds run `id`.
    #[must_use]
    pub fn contains(&self, id: i64) -> bool {
        self.pages.values().any(|rows| rows.iter().any(|r| r.id == id))
    }

    /// Keeps `run` in view at the selection until [`ListState::unpin`].
    pub fn pin(&mut self, run: RunView) {
        self.pinned = Some(run);
    }

    /// Lets a pinned run go; whether there was one.
    pub fn unpin(&mut self) -> bool {
        self.pinned.take().is_some()
    }

    /// Moves the selection to row `i` (clamped) and keeps it inside a window of `height` rows.
    pub fn select(&mut self, i: usize, height: usize) {
        let (rows, _) = self.known_rows();
        self.sel = i.min(rows.saturating_sub(1));
        self.scroll_into_view(height);
        if let Some(r) = self.row(self.sel) {
            self.selected_id = Some(r.id);
        }
    }

    /// Moves the selection by `delta` rows.
    pub fn step(&mut self, delta: isize, height: usize) {
        let target = self.sel.saturating_add_signed(delta);
        self.select(target, height);
    }

    fn scroll_into_view(&mut self, height: usize) {
        let h = height.max(1);
        if self.sel < self.offset {
            self.offset = self.sel;
        } else if self.sel >= self.offset + h {
            self.offset = self.sel + 1 - h;
        }
        let (rows, more) = self.known_rows();
        if !more && self.offset + h > rows {
            self.offset = rows.saturating_sub(h);
        }
    }

    /// The rows under the window in load order: the lowest and the highest.
    fn window_rows(&self, height: usize) -> (usize, usize) {
        let (top, bottom) = (self.offset, self.offset + height.max(1) - 1);
        if self.tail {
            let total = self.total().max(1);
            (total.saturating_sub(bottom + 1), total.saturating_sub(top + 1))
        } else {
            (top, bottom)
        }
    }

    /// The pages under the window, in load order.
    fn window_pages(&self, height: usize) -> (usize, usize) {
        let (lo, hi) = self.window_rows(height);
        (lo / P, hi / P)
    }

    fn request(&mut self, seq: &mut u64, first: usize, count: usize) -> Option<Command> {
        let start = self.marks.get(first)?.clone();
        for n in first..first + count {
            self.inflight.insert(n);
        }
        *seq += 1;
        let mut filter = self.filter.clone();
        if self.tail {
            filter.query.ascending = !filter.query.ascending;
        }
        Some(Command::LoadPages {
            generation: self.generation,
            seq: *seq,
            filter,
            first,
            start,
            count,
            limit: PAGE_ROWS,
        })
    }

    /// Requests for the pages under the window (and one ahead near its end) that are neither
    /// cached nor asked for; evicts pages far from the window.
    pub fn ensure(&mut self, height: usize, seq: &mut u64) -> Vec<Command> {
        let (first, mut last) = self.window_pages(height);
        // Near the end of what is loaded (in load order, which is up the screen when the list
        // is read from its end), the next page too.
        if (self.window_rows(height).1 + 1 + P / 2) / P > last {
            last += 1;
        }
        if let Some((l, _)) = self.last {
            last = last.min(l);
        }
        let lo = first.saturating_sub(KEEP_PAGES);
        let hi = last + KEEP_PAGES;
        self.pages.retain(|n, _| (lo..=hi).contains(n));
        let mut cmds = Vec::new();
        let mut n = first;
        while n <= last {
            if self.pages.contains_key(&n) || self.inflight.contains(&n) || n >= self.marks.len() {
                n += 1;
                continue;
            }
            let mut count = 1;
            while n + count <= last && !self.pages.contains_key(&(n + count)) && !self.inflight.contains(&(n + count)) {
                count += 1;
            }
            cmds.extend(self.request(seq, n, count));
            n += count;
        }
        cmds
    }

    /// Reloads the pages under the window (live refresh), unless a load is already running
    /// and the reload is not forced (after a write).
    pub fn refresh(&mut self, height: usize, seq: &mut u64, force: bool) -> Vec<Command> {
        if !force && !self.inflight.is_empty() {
            return Vec::new();
        }
        let (first, last) = self.window_pages(height);
        let last = self.last.map_or(last, |(l, _)| last.min(l));
        let first = first.min(self.marks.len() - 1);
        let count = last.saturating_sub(first) + 1;
        self.request(seq, first, count).into_iter().collect()
    }

    /// Whether a loaded open run has crossed its stale threshold (`updated_at + stale_after`)
    /// since it was loaded: its verdict moved with the clock, with nothing written.
    #[must_use]
    pub fn turned_stale(&self, now: chrono::DateTime<chrono::Utc>, stale_after: chrono::Duration) -> bool {
        self.pages.values().flatten().any(|r| {
            let stale_now =
                r.status != "completed" && r.updated_at.checked_add_signed(stale_after).is_some_and(|t| t <= now);
            stale_now && r.verdict.as_ref().is_ok_and(|v| !v.stale)
        })
    }

    /// The pages on screen were found current (the data version did not move): the data age
    /// counts from now.
    pub fn confirm_current(&mut self, now: Instant) {
        if self.loaded_at.is_some() {
            self.loaded_at = Some(now);
        }
    }

    /// Asks for the match count, and with a verdict filter starts the tally of the exact one.
    pub fn count_command(&mut self, seq: &mut u64) -> Vec<Command> {
        *seq += 1;
        self.count_seq = *seq;
        self.count_generation = self.generation;
        self.counting = true;
        let mut cmds = vec![Command::Count { generation: self.generation, seq: *seq, filter: self.filter.clone() }];
        if self.by_verdict() && !self.tally.walking() {
            cmds.push(self.tally.start(self.generation, seq, &self.filter));
        }
        cmds
    }

    /// Takes a tally step's answer: the next step's command, if the walk goes on.
    pub fn apply_tally(
        &mut self,
        at: (u64, u64),
        so_far: u64,
        result: Result<(u64, Option<Start>), ServiceError>,
    ) -> Option<Command> {
        let before = self.total();
        let next = self.tally.apply(at, so_far, result, &self.filter);
        self.shift_for_total(before);
        next
    }

    /// Read from the end, a row's place on screen counts from the total: after the total
    /// changed from `before`, the same runs stay under the window and the selection.
    fn shift_for_total(&mut self, before: usize) {
        if self.tail {
            let delta = isize::try_from(self.total()).unwrap_or(isize::MAX) - isize::try_from(before).unwrap_or(0);
            self.sel = self.sel.saturating_add_signed(delta);
            self.offset = self.offset.saturating_add_signed(delta);
        }
    }

    /// Takes a count answer (dropped when it answers an older question).
    pub fn apply_count(&mut self, generation: u64, seq: u64, result: Result<i64, ServiceError>) -> bool {
        if generation != self.count_generation || seq != self.count_seq {
            return false;
        }
        let before = self.total();
        self.count = Some(result);
        self.counting = false;
        self.shift_for_total(before);
        true
    }

    /// Takes pages starting at page `first`; returns false for an older generation's answer.
    pub fn apply_pages(
        &mut self,
        generation: u64,
        (first, count): (usize, usize),
        result: Result<Vec<Page>, ServiceError>,
        height: usize,
        now: Instant,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        for n in first..first + count.max(1) {
            self.inflight.remove(&n);
        }
        let pages = match result {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e);
                return true;
            }
        };
        for (i, page) in pages.into_iter().enumerate() {
            let n = first + i;
            if n >= self.marks.len() {
                break;
            }
            if let Some(next) = Start::after(&page) {
                if self.marks.len() == n + 1 {
                    self.marks.push(next);
                } else if !self.marks[n + 1].same(&next) {
                    // The list moved under this page: later starts are no longer true.
                    self.marks.truncate(n + 1);
                    self.marks.push(next);
                    self.pages.retain(|k, _| *k <= n);
                    self.last = None;
                }
                if self.last.is_some_and(|(l, _)| l <= n) {
                    self.last = None;
                }
            } else {
                self.marks.truncate(n + 1);
                self.pages.retain(|k, _| *k <= n);
                self.last = Some((n, page.rows.len()));
            }
            self.pages.insert(n, page.rows);
        }
        self.error = None;
        self.loaded_at = Some(now);
        self.follow_selection(height);
        true
    }

    /// Keeps the selection on its run after the rows changed.
    fn follow_selection(&mut self, height: usize) {
        if let Some(id) = self.selected_id {
            let found = self.pages.iter().find_map(|(n, rows)| rows.iter().position(|r| r.id == id).map(|i| n * P + i));
            if let Some(i) = found.map(|j| self.screen_index(j)) {
                // Keep the run where it was on screen.
                let delta = isize::try_from(i).unwrap_or(isize::MAX) - isize::try_from(self.sel).unwrap_or(isize::MAX);
                self.offset = self.offset.saturating_add_signed(delta);
                self.sel = i;
                self.scroll_into_view(height);
                return;
            }
        }
        let (rows, _) = self.known_rows();
        if self.first_loaded() {
            self.sel = self.sel.min(rows.saturating_sub(1));
            self.scroll_into_view(height);
            self.selected_id = self.row(self.sel).map(|r| r.id);
        }
    }

    /// Whether pages are being fetched.
    #[must_use]
    pub fn loading(&self) -> bool {
        !self.inflight.is_empty()
    }

    /// How many pages are cached (tests hold the memory bound with it).
    #[must_use]
    pub fn cached_pages(&self) -> usize {
        self.pages.len()
    }
}
