//! The run detail: a split view of three panes, operation proof (lines from `proof.rs`), item
//! outcomes (a table, with the `payload` view under it on demand) and post-run evidence with the
//! audit trail (`panes.rs`). Wide terminals show all three (proof left, items and evidence
//! right); narrow ones show the focused pane under a tab strip (`layout::DetailAreas`).
//!
//! The state: the loaded [`RunDetail`], the focused pane, each pane's scroll, the selected
//! item, the gap jump's mark. How far a pane scrolls comes from its line count, counted when the
//! data or the pane widths change ([`DetailState::measure`]), never by rebuilding a pane on a
//! key. (A ratatui `Scrollbar` would draw over the panes' borders and change every detail
//! snapshot; the panes keep their plain borders for now.)

mod panes;
pub mod proof;

use std::time::Instant;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::payload::Payload;
use super::Handled;
use crate::domain::{CheckState, ItemOutcome};
use crate::present::symbol;
use crate::sanitize::clean;
use crate::service::{RunDetail, Service};
use crate::tui::action::Action;
use crate::tui::layout::{pane_inner, DetailAreas, Wanted};
use crate::tui::theme::Theme;
use crate::tui::view::common::{decision_span, safe, trunc};
use crate::tui::worker::Command;

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
    /// The focused pane has the whole screen (`z`).
    pub zoom: bool,
    pub proof_scroll: usize,
    pub evidence_scroll: usize,
    pub item_sel: usize,
    /// The selected item's error message and payload, when shown.
    pub payload: Payload,
    /// The checklist entry highlighted by the gap jump.
    pub gap_mark: Option<usize>,
    pub loaded_at: Option<Instant>,
    /// Counted when the data or the pane widths change, so a key never rebuilds a pane to
    /// learn how far it scrolls.
    measured: Option<Measured>,
    /// What the loaded run's panes would take whole (they share a wide screen by it).
    wanted: Option<Wanted>,
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
            zoom: false,
            proof_scroll: 0,
            evidence_scroll: 0,
            item_sel: 0,
            payload: Payload { show_error: false, show_payload: false, scroll: 0 },
            gap_mark: None,
            loaded_at: None,
            measured: None,
            wanted: None,
        }
    }

    /// The request for this run's detail (with the masked payloads when `raw`), as `seq`.
    pub fn request(&mut self, seq: u64, raw: bool) -> Command {
        self.seq = seq;
        self.inflight = true;
        Command::Detail { seq, id: self.id, raw }
    }

    fn items_len(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.items.len())
    }

    /// Acts on a detail key; `areas` is where the panes are (page length, scroll bounds).
    pub fn handle_key(&mut self, action: Action, areas: &DetailAreas) -> Handled {
        let page = isize::try_from(areas.page()).unwrap_or(1);
        let max = self.max_scroll(self.focus, areas);
        // Under the items, an error message or payload scrolls with the page keys (j/k still
        // choose the item).
        if self.focus == Pane::Items && self.payload.shown() {
            let page = areas.page();
            match action {
                Action::PageDown => self.payload.scroll += page,
                Action::PageUp => self.payload.scroll = self.payload.scroll.saturating_sub(page),
                Action::Top => self.payload.scroll = 0,
                Action::Bottom => self.payload.scroll = usize::MAX / 2,
                _ => {}
            }
            if matches!(action, Action::PageDown | Action::PageUp | Action::Top | Action::Bottom) {
                // As far as what is shown allows in its place (half the items pane).
                let inner = pane_inner(areas.items);
                let item = self.data.as_ref().and_then(|d| d.items.get(self.item_sel));
                let lines = item.map_or(0, |it| self.payload.line_count(it, usize::from(inner.width)));
                let max = lines.saturating_sub(usize::from(self.payload.height(inner.height)));
                self.payload.scroll = self.payload.scroll.min(max);
                return Handled::Done;
            }
        }
        match action {
            Action::NextPane => self.focus = self.focus.next(false),
            Action::PrevPane => self.focus = self.focus.next(true),
            Action::Down => self.scroll(1, max),
            Action::Up => self.scroll(-1, max),
            Action::PageDown => self.scroll(page, max),
            Action::PageUp => self.scroll(-page, max),
            Action::Top => self.scroll(isize::MIN / 2, max),
            Action::Bottom => self.scroll(isize::MAX / 2, max),
            Action::NextGap if !self.next_gap() => return Handled::Flash("no proof gap in this run's checklist"),
            Action::NextFailed if !self.next_failed() => {
                return Handled::Flash("no item failed, was skipped or needs manual work");
            }
            Action::ToggleError | Action::TogglePayload => {
                self.focus = Pane::Items;
                // The payloads come with a second load, the first time they are shown.
                if self.payload.handle_key(action) == Handled::Request && !self.raw {
                    return Handled::Request;
                }
            }
            // Esc first leaves the zoom.
            Action::Back if self.zoom => return Handled::Pass(Action::Zoom),
            Action::Back | Action::Zoom => return Handled::Pass(action),
            _ => {}
        }
        Handled::Done
    }

    /// Scrolls the focused pane (or moves the item selection) by `delta` lines, up to `max`
    /// (what the pane's content allows on this terminal).
    pub fn scroll(&mut self, delta: isize, max: usize) {
        match self.focus {
            Pane::Proof => self.proof_scroll = self.proof_scroll.saturating_add_signed(delta).min(max),
            Pane::Evidence => self.evidence_scroll = self.evidence_scroll.saturating_add_signed(delta).min(max),
            Pane::Items => {
                let last = self.items_len().saturating_sub(1);
                let sel = self.item_sel.saturating_add_signed(delta).min(last);
                if sel != self.item_sel {
                    self.payload.scroll = 0;
                }
                self.item_sel = sel;
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
    pub fn apply(&mut self, detail: Box<RunDetail>, raw: bool, now: Instant, session: &Service, body: Rect) {
        self.item_sel = self.item_sel.min(detail.items.len().saturating_sub(1));
        self.raw = raw;
        self.data = Some(detail);
        self.error = None;
        self.loaded_at = Some(now);
        self.measured = None;
        self.wanted = self.data.as_deref().map(|data| wanted(data, session));
        let areas = self.areas(body);
        self.measure(session, &areas);
    }

    /// Where the panes go in `body` for this run (its load error line, zoom and content).
    #[must_use]
    pub fn areas(&self, body: Rect) -> DetailAreas {
        let open = self.payload.show_error || self.payload.show_payload;
        let wanted = self.wanted.map(|w| Wanted { items_open: open, ..w });
        DetailAreas::new(body, self.error.is_some(), self.zoom, wanted)
    }

    /// Counts the proof and evidence panes' lines, unless they were counted at these widths.
    /// (What the lines say changes with the clock; how many there are does not.)
    pub fn measure(&mut self, session: &Service, areas: &DetailAreas) {
        let Some(data) = self.data.as_deref() else { return };
        let widths = (pane_inner(areas.proof).width, pane_inner(areas.evidence).width);
        if self.measured.is_some_and(|m| m.widths == widths) {
            return;
        }
        let theme = Theme::default();
        let proof = proof::lines(data, session.now(), session.stale_after(), None, usize::from(widths.0), &theme);
        let evidence = panes::evidence_lines(data, usize::from(widths.1), &theme);
        self.measured = Some(Measured { widths, proof: proof.len(), evidence: evidence.len() });
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

    /// Draws the title line and the body; `stale` while the database is unreachable.
    pub fn render(
        &self,
        frame: &mut Frame<'_>,
        [title, body]: [Rect; 2],
        session: &Service,
        stale: bool,
        theme: &Theme,
    ) {
        let mut spans = vec![Span::styled(format!(" proofdesk · run {} ", self.id), theme.title)];
        if stale {
            spans.push(Span::styled("· stale ", theme.danger));
        }
        match self.data.as_deref() {
            Some(data) => {
                let r = &data.run;
                spans.push(Span::raw(" "));
                match &r.verdict {
                    // A completed run is never reconciled again: its headline is its record
                    // (and who reconciled it), not `not_reconciled`.
                    Ok(v) if r.status == "completed" => {
                        let outcome = format!("completed {} {}", symbol(&r.outcome), safe(&r.outcome, 24));
                        spans.push(Span::styled(outcome, theme.outcome(&r.outcome)));
                        if let Some(mut rec) = data.reconciliation() {
                            // The outcome is already in the headline.
                            rec.decision = None;
                            rec.by = rec.by.map(|by| safe(&by, 24));
                            rec.note = rec.note.map(|n| safe(&n, 32));
                            spans.push(Span::styled(format!(" · {}", rec.describe(session.now())), theme.muted));
                        }
                        if v.drift {
                            spans.push(Span::styled(" · ≠ drift", theme.drift));
                        }
                    }
                    Ok(v) => spans.push(decision_span(v.decision, theme)),
                    Err(_) => spans.push(Span::styled("? unreadable", theme.error)),
                }
                let rest =
                    format!("  {} · {} / {}", safe(&r.op_type, 24), safe(&r.workspace, 24), safe(&r.environment, 24));
                spans.push(Span::styled(rest, theme.muted));
            }
            None if self.error.is_none() => spans.push(Span::styled(" · loading…", theme.muted)),
            None => {}
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), title);

        let Some(data) = self.data.as_deref() else {
            let text = self.error.as_deref().map_or_else(|| "loading…".to_owned(), |e| clean(e).into_owned());
            frame.render_widget(Paragraph::new(Line::styled(format!(" {text}"), theme.error)), body);
            return;
        };
        let areas = self.areas(body);
        if let (Some(e), Some(err)) = (&self.error, areas.error) {
            let text = format!(" refresh failed: {} (showing the last data)", clean(e));
            frame.render_widget(Paragraph::new(Span::styled(trunc(&text, usize::from(err.width)), theme.error)), err);
        }
        let Some(tabs) = areas.tabs else {
            for p in Pane::ALL {
                self.pane(frame, p.area(&areas), p, data, session, theme);
            }
            return;
        };
        self.pane(frame, self.focus.area(&areas), self.focus, data, session, theme);
        let mut spans = vec![Span::raw(" ")];
        for tab in Pane::ALL {
            let look = if tab == self.focus { theme.selected } else { theme.muted };
            let mark = if tab == self.focus { "▶" } else { " " };
            spans.push(Span::styled(format!("{mark}{} ", tab.title()), look));
            spans.push(Span::raw(" "));
        }
        spans
            .push(Span::styled(if self.zoom { "Tab: next pane · z: all panes" } else { "Tab: next pane" }, theme.hint));
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    }

    fn pane(&self, frame: &mut Frame<'_>, area: Rect, p: Pane, data: &RunDetail, session: &Service, theme: &Theme) {
        let focused = self.focus == p;
        let (style, mark) = if focused { (theme.border_focus, "▶ ") } else { (theme.border, "") };
        let b = Block::bordered().border_style(style).title(Span::styled(format!(" {mark}{} ", p.title()), style));
        let inner = b.inner(area);
        if inner.width == 0 || inner.height == 0 {
            frame.render_widget(b, area);
            return;
        }
        let width = usize::from(inner.width);
        let (lines, scroll) = match p {
            Pane::Proof => (
                proof::lines(data, session.now(), session.stale_after(), self.gap_mark, width, theme),
                self.proof_scroll,
            ),
            Pane::Evidence => (panes::evidence_lines(data, width, theme), self.evidence_scroll),
            Pane::Items => {
                frame.render_widget(b, area);
                panes::items(frame, inner, data, self, theme);
                return;
            }
        };
        // Where the pane stands, when it holds more than it shows.
        let h = usize::from(inner.height);
        let top = scroll.min(lines.len().saturating_sub(h));
        let b = if lines.len() > h {
            let at = format!(" {}–{} of {} ", top + 1, (top + h).min(lines.len()), lines.len());
            b.title_bottom(Line::styled(at, style).right_aligned())
        } else {
            b
        };
        frame.render_widget(b, area);
        let visible: Vec<Line<'static>> = lines.into_iter().skip(top).take(h).collect();
        frame.render_widget(Paragraph::new(visible), inner);
    }
}

/// What `data`'s panes take whole, with their borders: the proof pane's longest line, the
/// items table's natural width and rows, the evidence pane's lines.
fn wanted(data: &RunDetail, session: &Service) -> Wanted {
    const WIDE: usize = 1_000;
    let theme = Theme::default();
    let proof = proof::lines(data, session.now(), session.stale_after(), None, WIDE, &theme);
    let (items_width, items_rows) = panes::items_size(data);
    let cells = |n: usize| u16::try_from(n + 2).unwrap_or(u16::MAX);
    Wanted {
        proof: cells(proof.iter().map(Line::width).max().unwrap_or(0)),
        items_width: cells(items_width),
        items: cells(items_rows),
        evidence: cells(panes::evidence_lines(data, WIDE, &theme).len()),
        items_open: false,
    }
}
