//! The notice popup: why `r` cannot act on a run, or the result of a reconciliation whose
//! dialog was closed while it ran. Esc or Enter closes it.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::Handled;
use crate::sanitize::clean;
use crate::tui::action::Action;
use crate::tui::layout::popup;
use crate::tui::theme::Theme;
use crate::tui::view::common::wrap;

/// A popup that explains something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub lines: Vec<String>,
}

/// Keys over a popup (a notice or help), looked up in the list's scope: Esc, Enter or `?`
/// close it, `q` quits, anything else waits.
#[must_use]
pub fn handle_popup_key(action: Option<Action>) -> Handled {
    match action {
        Some(Action::Quit) => Handled::Pass(Action::Quit),
        Some(Action::Back | Action::Help | Action::Open) => Handled::Close,
        _ => Handled::Done,
    }
}

impl Notice {
    /// Draws the notice over `area` (the whole frame).
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(72);
        let inner = usize::from(width.saturating_sub(4));
        let mut lines: Vec<Line<'static>> = Vec::new();
        for l in &self.lines {
            lines.extend(wrap(&clean(l), inner).into_iter().map(|w| Line::raw(format!(" {w}"))));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(" Esc or Enter closes", theme.hint));
        let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        let rect = popup(area, width, height);
        let title = Span::styled(format!(" {} ", clean(&self.title)), theme.danger);
        let block = Block::bordered().title(title).border_style(theme.danger).style(theme.modal);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }
}
