//! The run detail's state: the loaded [`RunDetail`], which pane has focus, each pane's scroll,
//! the selected item, and what is shown on demand (an item's error message, its masked
//! provider payload). Gap and failed-item jumps live here; drawing is in `view/detail.rs`.

use std::time::Instant;

use ratatui::layout::Rect;

use crate::domain::{CheckState, ItemOutcome};
use crate::service::{RunDetail, Service};
use crate::tui::layout::{pane_inner, DetailAreas};
use crate::tui::view;

/// The three panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Proof,
    Items,
    Evidence,
}

impl Pane {
    pub const ALL: [Self; 3] = [Self::Proof, Self::Items, Self::Evidence];

    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Self::Proof => "Operation proof",
            Self::Items => "Item outcomes",
            Self::Evidence => "Post-run evidence & audit",
        }
    }

    #[must_use]
    pub fn next(self, back: bool) -> Self {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[if back { (i + 2) % 3 } else { (i + 1) % 3 }]
    }

    /// Where this pane goes (with its border).
    #[must_use]
    pub const fn area(self, areas: &DetailAreas) -> Rect {
        match self {
            Self::Proof => areas.proof,
            Self::Items => areas.items,
            Self::Evidence => areas.evidence,
        }
    }
}

/// The scrolling panes' line counts, and the widths (inside the borders) they were counted at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Measured {
    widths: (u16, u16),
    proof: usize,
    evidence: usize,
}

/// The detail view of one run.
#[derive(Debug)]
pub struct DetailState {
    pub id: i64,
    pub data: Option<Box<RunDetail>>,
    /// The last load error (the previous data stays on screen).
    pub error: Option<String>,
    pub seq: u64,
    pub inflight: bool,
    /// Whether the loaded data carries the masked payloads.
    pub raw: bool,
    pub focus: Pane,
    pub proof_scroll: usize,
    pub evidence_scroll: usize,
    pub item_sel: usize,
    pub show_error: bool,
    pub show_payload: bool,
    /// The checklist entry highlighted by the gap jump.
    pub gap_mark: Option<usize>,
    pub loaded_at: Option<Instant>,
    /// Counted when the data or the pane widths change, so a key never rebuilds a pane to
    /// learn how far it scrolls.
    measured: Option<Measured>,
}

impl DetailState {
    #[must_use]
    pub const fn new(id: i64, seq: u64) -> Self {
        Self {
            id,
            data: None,
            error: None,
            seq,
            inflight: true,
            raw: false,
            focus: Pane::Proof,
            proof_scroll: 0,
            evidence_scroll: 0,
            item_sel: 0,
            show_error: false,
            show_payload: false,
            gap_mark: None,
            loaded_at: None,
            measured: None,
        }
    }

    fn items_len(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.items.len())
    }

    /// Scrolls the focused pane (or moves the item selection) by `delta` lines, up to `max`
    /// (what the pane's content allows on this terminal).
    pub fn scroll(&mut self, delta: isize, max: usize) {
        match self.focus {
            Pane::Proof => self.proof_scroll = self.proof_scroll.saturating_add_signed(delta).min(max),
            Pane::Evidence => self.evidence_scroll = self.evidence_scroll.saturating_add_signed(delta).min(max),
            Pane::Items => {
                let last = self.items_len().saturating_sub(1);
                self.item_sel = self.item_sel.saturating_add_signed(delta).min(last);
            }
        }
    }

    /// Highlights the next checklist gap after the current one; `false` when there is none.
    pub fn next_gap(&mut self) -> bool {
        let Some(v) = self.data.as_ref().and_then(|d| d.run.verdict_ok()) else { return false };
        let gaps: Vec<usize> = v
            .checklist
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.state, CheckState::Gap(_)))
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = gaps.first() else { return false };
        let next = self.gap_mark.and_then(|m| gaps.iter().copied().find(|g| *g > m)).unwrap_or(first);
        self.gap_mark = Some(next);
        self.focus = Pane::Proof;
        self.proof_scroll = 0;
        true
    }

    /// Selects the next item that did not succeed (failed, skipped, manual); `false` if none.
    pub fn next_failed(&mut self) -> bool {
        let Some(d) = &self.data else { return false };
        let failed = |i: usize| {
            d.items.get(i).is_some_and(|it| ItemOutcome::parse(&it.outcome).map_or(true, |o| !o.is_success()))
        };
        let n = d.items.len();
        let found = (1..=n).map(|k| (self.item_sel + k) % n.max(1)).find(|i| failed(*i));
        match found {
            Some(i) => {
                self.item_sel = i;
                self.focus = Pane::Items;
                true
            }
            None => false,
        }
    }

    /// Takes a loaded detail, keeping the item selection in range; its panes are counted
    /// again for `areas`.
    pub fn apply(&mut self, detail: Box<RunDetail>, raw: bool, now: Instant, session: &Service, areas: &DetailAreas) {
        self.item_sel = self.item_sel.min(detail.items.len().saturating_sub(1));
        self.raw = raw;
        self.data = Some(detail);
        self.error = None;
        self.loaded_at = Some(now);
        self.measured = None;
        self.measure(session, areas);
    }

    /// Counts the proof and evidence panes' lines, unless they were counted at these widths.
    pub fn measure(&mut self, session: &Service, areas: &DetailAreas) {
        let Some(data) = self.data.as_deref() else { return };
        let widths = (pane_inner(areas.proof).width, pane_inner(areas.evidence).width);
        if self.measured.is_some_and(|m| m.widths == widths) {
            return;
        }
        let (proof, evidence) = view::detail::line_counts(data, session, widths);
        self.measured = Some(Measured { widths, proof, evidence });
    }

    /// How far `pane` scrolls in `areas`: its lines minus what fits. Scroll offsets are clamped
    /// with this, so scrolling back up never has to undo overshoot.
    #[must_use]
    pub fn max_scroll(&self, pane: Pane, areas: &DetailAreas) -> usize {
        let Some(m) = self.measured.filter(|_| self.data.is_some()) else { return 0 };
        let lines = match pane {
            Pane::Proof => m.proof,
            Pane::Evidence => m.evidence,
            Pane::Items => return self.items_len().saturating_sub(1),
        };
        lines.saturating_sub(usize::from(pane_inner(pane.area(areas)).height))
    }
}
