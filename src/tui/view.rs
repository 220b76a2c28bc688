//! Drawing: pure functions of `&App` and `&Theme` into a ratatui frame, with no I/O and no
//! mutation. One file per screen region: `runs` (list), `detail` and `proof` (the split view),
//! `dialog` (reconcile modal and notices), `help`, `status_bar`; `common` holds the small
//! pieces they share (outcome spans, truncation, popup areas). The layout arithmetic that the
//! app needs for scrolling (`list_rows`, `detail_page`) lives here too, so both agree.

pub mod common;
pub mod detail;
pub mod dialog;
pub mod help;
pub mod proof;
pub mod runs;
pub mod status_bar;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, View};
use super::theme::Theme;

/// Below this the console says so instead of drawing.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Rows of the run table for a terminal of `size` (title, filter bar, table header, status
/// bar and hints take the rest; a filter error takes one more, and so does the outage banner,
/// which `App` accounts for).
#[must_use]
pub fn list_rows(size: (u16, u16), filter_error: bool) -> usize {
    usize::from(size.1).saturating_sub(5 + usize::from(filter_error)).max(1)
}

/// Lines a detail pane scrolls for PgUp/PgDn.
#[must_use]
pub fn detail_page(size: (u16, u16)) -> usize {
    (usize::from(size.1).saturating_sub(6) / 2).max(1)
}

/// Draws the whole console.
pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::new().style(theme.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    let banner = app.banner();
    let [title, body, banner_area, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    match app.view {
        View::List => runs::render(frame, [title, body], app, theme),
        View::Detail => detail::render(frame, [title, body], app, theme),
    }
    if let Some(text) = banner {
        status_bar::render_banner(frame, banner_area, &text, theme);
    }
    status_bar::render(frame, status, app, theme);
    status_bar::render_hints(frame, hints, app, theme);
    if app.help {
        help::render(frame, area, app, theme);
    }
    if let Some(n) = &app.notice {
        dialog::render_notice(frame, area, n, theme);
    }
    if let Some(d) = &app.dialog {
        dialog::render(frame, area, d, app, theme);
    }
}

fn too_small(frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let text = vec![
        Line::styled("Terminal too small", theme.error),
        Line::raw(format!("{}×{} — proofdesk needs at least {MIN_WIDTH}×{MIN_HEIGHT}.", area.width, area.height)),
        Line::styled("Enlarge the window, or press q to quit.", theme.muted),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let inner = Rect { x: area.x, y: area.y + y, width: area.width, height: area.height - y };
    frame.render_widget(Paragraph::new(text).centered().wrap(Wrap { trim: true }), inner);
}
