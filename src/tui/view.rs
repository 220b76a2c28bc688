//! Drawing: pure functions of `&App` and `&Theme` into a ratatui frame, with no I/O and no
//! mutation. One file per screen region: `runs` (list), `detail` and `proof` (the split view),
//! `dialog` (reconcile modal and notices), `help`, `status_bar`; `common` holds the small
//! pieces they share (outcome spans, truncation, wrapping). Where things go comes from
//! `layout`, which the app's update code reads too.

pub mod common;
pub mod detail;
pub mod dialog;
pub mod help;
pub mod proof;
pub mod runs;
pub mod status_bar;

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, View};
use super::layout::{FrameAreas, MIN_HEIGHT, MIN_WIDTH};
use super::theme::Theme;

/// Draws the whole console.
pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::new().style(theme.base), area);
    let f = FrameAreas::new(area, app.outage.is_some());
    if !f.fits() {
        too_small(frame, area, theme);
        return;
    }
    match app.view {
        View::List => runs::render(frame, [f.title, f.body], app, theme),
        View::Detail => detail::render(frame, [f.title, f.body], app, theme),
    }
    if let Some(text) = app.banner() {
        status_bar::render_banner(frame, f.banner, &text, theme);
    }
    status_bar::render(frame, f.status, app, theme);
    status_bar::render_hints(frame, f.hints, app, theme);
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
