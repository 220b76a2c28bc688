//! The frame's geometry, computed in one place. A leaf: it knows sizes and a few state flags
//! (is the outage banner up, is a filter error shown, is a detail load error shown), never the
//! `App`, so update code (how many list rows to fetch, how far a pane scrolls, how long a page
//! is) and drawing import the same functions and cannot disagree.
//!
//! Frame: title line, body, the outage banner (when up), status bar, hint line. List body:
//! filter bar, filter error (when shown), table (header + rows). Detail body: a load error
//! line (when shown), then the three panes side by side from [`SPLIT_WIDTH`] columns, else a
//! tab strip over the focused pane. Popups (dialog, help, notice) are centred with [`popup`]
//! at the size their content asks for.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

/// Below this the console says so instead of drawing.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width the detail's three panes are side by side.
pub const SPLIT_WIDTH: u16 = 110;

/// The whole frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAreas {
    pub area: Rect,
    pub title: Rect,
    pub body: Rect,
    pub banner: Rect,
    pub status: Rect,
    pub hints: Rect,
}

impl FrameAreas {
    /// The frame of a terminal of `area`, with or without the outage banner.
    #[must_use]
    pub fn new(area: Rect, banner: bool) -> Self {
        let [title, body, banner, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(u16::from(banner)),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        Self { area, title, body, banner, status, hints }
    }

    /// The frame of a terminal of `(columns, rows)`.
    #[must_use]
    pub fn of_size((w, h): (u16, u16), banner: bool) -> Self {
        Self::new(Rect::new(0, 0, w, h), banner)
    }

    /// Whether the console fits (else it only says it is too small).
    #[must_use]
    pub const fn fits(&self) -> bool {
        self.area.width >= MIN_WIDTH && self.area.height >= MIN_HEIGHT
    }
}

/// The runs list's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListAreas {
    pub bar: Rect,
    /// One line when a filter error is shown, else empty.
    pub error: Rect,
    /// The table: one header line, then the rows.
    pub table: Rect,
}

impl ListAreas {
    #[must_use]
    pub fn new(body: Rect, filter_error: bool) -> Self {
        let [bar, error, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(u16::from(filter_error)), Constraint::Min(1)])
                .areas(body);
        Self { bar, error, table }
    }

    /// Rows of runs the table shows (at least one: the window is never empty).
    #[must_use]
    pub fn rows(&self) -> usize {
        usize::from(self.table.height.saturating_sub(1)).max(1)
    }
}

/// The run detail's body. In a narrow terminal the three pane areas are the same (the
/// focused pane's, under the tab strip) and only the focused one is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailAreas {
    /// The frame's body, where the load error line and the panes go.
    pub body: Rect,
    /// The load error line, when shown.
    pub error: Option<Rect>,
    /// The tab strip, in a narrow terminal.
    pub tabs: Option<Rect>,
    pub proof: Rect,
    pub items: Rect,
    pub evidence: Rect,
}

/// What a run's detail would take to show whole, in columns and rows with the panes' borders:
/// the panes share a wide terminal by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wanted {
    /// The proof pane's longest line (it wraps when narrower).
    pub proof: u16,
    /// The items table's natural width (its columns are cut when narrower, so it comes first).
    pub items_width: u16,
    /// The items table's rows.
    pub items: u16,
    /// The evidence pane's lines.
    pub evidence: u16,
    /// The selected item's message or payload is shown under the table: the items pane takes
    /// at least its share before the run was loaded (55%).
    pub items_open: bool,
}

/// The proof pane's width in `total` columns: both panes whole when they fit (the spare shared
/// in proportion, but no spare past 60% so a short right side is not squeezed), else the items
/// table whole and the proof the rest, never outside 40–60% (below 40% the checklist's reasons
/// and the times are cut).
fn proof_width(total: u16, proof: u16, items: u16) -> u16 {
    let t = u32::from(total);
    let (a, b) = (u32::from(proof).max(1), u32::from(items).max(1));
    let left = if a + b <= t {
        (a + (t - a - b) * a / (a + b)).min(a.max(t * 6 / 10))
    } else {
        t.saturating_sub(b).clamp(t * 4 / 10, t * 6 / 10)
    };
    u16::try_from(left).unwrap_or(total)
}

/// The items pane's height in `total` rows, beside the evidence: in proportion to what each
/// wants (the spare shared when both fit), never outside 25–75%.
fn items_height(total: u16, items: u16, evidence: u16) -> u16 {
    let t = u32::from(total);
    let (a, b) = (u32::from(items).max(1), u32::from(evidence).max(1));
    let top = if a + b <= t { a + (t - a - b) * a / (a + b) } else { t * a / (a + b) };
    u16::try_from(top.clamp(t / 4, t * 3 / 4)).unwrap_or(total)
}

impl DetailAreas {
    #[must_use]
    /// `zoom`: the focused pane takes the whole body (under the tab strip), as in a narrow
    /// terminal. `wanted`: what the loaded run's panes would take; side by side they share the
    /// width and height by it (40/60 and 55/45 until the run is loaded).
    pub fn new(body: Rect, load_error: bool, zoom: bool, wanted: Option<Wanted>) -> Self {
        let error = load_error.then_some(Rect { height: 1.min(body.height), ..body });
        let panes =
            if load_error { Rect { y: body.y + 1, height: body.height.saturating_sub(1), ..body } } else { body };
        if panes.width >= SPLIT_WIDTH && !zoom {
            let default_top = (panes.height * 55 + 50) / 100;
            let (left, top) = wanted.map_or((panes.width * 2 / 5, default_top), |w| {
                let top = items_height(panes.height, w.items, w.evidence);
                (
                    proof_width(panes.width, w.proof, w.items_width),
                    if w.items_open { top.max(default_top) } else { top },
                )
            });
            let [left, right] = Layout::horizontal([Constraint::Length(left), Constraint::Min(1)]).areas(panes);
            let [top, bottom] = Layout::vertical([Constraint::Length(top), Constraint::Min(1)]).areas(right);
            Self { body, error, tabs: None, proof: left, items: top, evidence: bottom }
        } else {
            let [tabs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(panes);
            Self { body, error, tabs: Some(tabs), proof: rest, items: rest, evidence: rest }
        }
    }

    /// Lines PgUp/PgDn scroll a pane: half of the body less the pane's borders and the tab
    /// strip.
    #[must_use]
    pub fn page(&self) -> usize {
        (usize::from(self.body.height).saturating_sub(3) / 2).max(1)
    }
}

/// Inside a pane's border.
#[must_use]
pub fn pane_inner(area: Rect) -> Rect {
    Block::bordered().inner(area)
}

/// A centred area of at most `width`×`height` inside `area`.
#[must_use]
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1).min(area.width);
    let h = height.min(area.height.saturating_sub(2)).max(1).min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_shows_the_rows_left_by_the_bars() {
        // Title, filter bar, table header, status bar, hints.
        let f = FrameAreas::of_size((80, 24), false);
        assert_eq!(ListAreas::new(f.body, false).rows(), 19);
        assert_eq!(ListAreas::new(f.body, true).rows(), 18);
        let f = FrameAreas::of_size((80, 24), true);
        assert_eq!(ListAreas::new(f.body, true).rows(), 17);
        assert_eq!(ListAreas::new(FrameAreas::of_size((0, 0), true).body, true).rows(), 1);
    }

    #[test]
    fn wide_details_split_and_narrow_ones_tab() {
        let wide = DetailAreas::new(FrameAreas::of_size((200, 50), false).body, false, false, None);
        assert!(wide.tabs.is_none() && wide.proof.x == 0 && wide.items.x > 0 && wide.evidence.y > wide.items.y);
        let narrow = DetailAreas::new(FrameAreas::of_size((80, 24), false).body, true, false, None);
        assert_eq!((narrow.error.map(|e| e.y), narrow.tabs.map(|t| t.y), narrow.proof.y), (Some(1), Some(2), 3));
        assert_eq!((narrow.proof, narrow.page()), (narrow.evidence, 9));
    }

    #[test]
    fn wide_details_share_the_width_and_height_by_content() {
        let body = FrameAreas::of_size((200, 50), false).body;
        let at_first = DetailAreas::new(body, false, false, None);
        assert_eq!((at_first.proof.width, at_first.items.height), (80, 26));
        // A short checklist and a wide item table: both fit, each whole.
        let wide_items = Wanted { proof: 50, items_width: 150, items: 8, evidence: 30, items_open: false };
        let items_first = DetailAreas::new(body, false, false, Some(wide_items));
        assert_eq!((items_first.proof.width, items_first.items.width), (50, 150));
        assert_eq!(items_first.items.height, 11, "8 rows wanted, at least a quarter: {items_first:?}");
        // Both fit: each gets what it wants and the spare in proportion.
        let fits = Wanted { proof: 60, items_width: 100, items: 10, evidence: 10, items_open: false };
        let both = DetailAreas::new(body, false, false, Some(fits));
        assert_eq!((both.proof.width, both.items.width, both.items.height), (75, 125, 23));
        // A wide proof beside a short right side: the spare stops at 60%.
        let short = DetailAreas::new(body, false, false, Some(Wanted { proof: 100, items_width: 38, ..fits }));
        assert_eq!((short.proof.width, short.items.width), (120, 80));
        // They do not fit: the items table whole (it cannot wrap), the proof wraps in the rest.
        let cut = DetailAreas::new(body, false, false, Some(Wanted { proof: 400, items_width: 90, ..fits }));
        assert_eq!((cut.proof.width, cut.items.width), (110, 90));
        // A long proof line never takes more than 60%, nor a wide table more than 60%.
        let long =
            DetailAreas::new(body, false, false, Some(Wanted { proof: 400, items_width: 30, items: 400, ..fits }));
        assert_eq!((long.proof.width, long.items.height), (120, 35));
        let wide = DetailAreas::new(body, false, false, Some(Wanted { proof: 90, items_width: 190, ..fits }));
        assert_eq!(wide.proof.width, 80, "40% at least");
        // An item's payload open under the table: the items pane keeps at least 55%.
        let open = DetailAreas::new(body, false, false, Some(Wanted { items_open: true, ..wide_items }));
        assert_eq!(open.items.height, 26);
    }

    #[test]
    fn popups_fit_any_area() {
        let r = popup(Rect::new(0, 0, 1, 1), 50, 10);
        assert!(r.width <= 1 && r.height <= 1);
        let r = popup(Rect::new(0, 0, 100, 40), 50, 10);
        assert_eq!((r.x, r.y, r.width, r.height), (25, 15, 50, 10));
    }
}
