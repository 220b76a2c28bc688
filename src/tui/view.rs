//! Drawing the frame: pure functions of `&App` and `&Theme` into a ratatui frame, with no I/O
//! and no mutation. `render` lays the frame out with `layout` and has each part drawn by its
//! owner: the current screen (`screen::runs`, `screen::detail`), the outage banner, status bar
//! and hints (`status_bar`), then whatever is open on top (help, a notice, the dialog).
//! `common` holds the small drawing pieces the screens share (outcome spans, truncation,
//! wrapping).

pub mod common;
pub mod status_bar;

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, View};
use super::layout::{FrameAreas, MIN_HEIGHT, MIN_WIDTH};
use super::screen::runs::ListView;
use super::theme::Theme;

/// Draws the whole console.
pub fn render(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::new().style(theme.base), area);
    let stale = app.outage.is_some();
    let f = FrameAreas::new(area, stale);
    if !f.fits() {
        too_small(frame, area, theme);
        return;
    }
    let session = app.session();
    match (app.view, &app.detail) {
        (View::List, _) => {
            let view = ListView { filter_edit: app.filter_edit.as_ref(), now: session.now(), stale };
            app.list.render(frame, [f.title, f.body], view, theme);
        }
        (View::Detail, Some(d)) => d.render(frame, [f.title, f.body], session, stale, theme),
        (View::Detail, None) => {}
    }
    if session.profile().is_some_and(|p| p.production) {
        status_bar::render_production(frame, f.title, theme);
    }
    if let Some(text) = app.banner() {
        status_bar::render_banner(frame, f.banner, &text, theme);
    }
    status_bar::render(frame, f.status, app, theme);
    status_bar::render_hints(frame, f.hints, app, theme);
    if let Some(h) = &app.help {
        h.render(frame, area, theme);
    }
    if let Some(n) = &app.notice {
        n.render(frame, area, theme);
    }
    if let Some(d) = &app.dialog {
        // Above the status bar and hints: the dialog never hides who and where you are.
        let above = Rect { height: f.status.y.saturating_sub(area.y), ..area };
        d.render(frame, above, theme);
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
