//! The payload view: under the items table, on demand, the selected item's error message (`e`)
//! and its provider payload with secrets masked (`v`). The payloads are not part of the first
//! detail load: showing one asks the detail for a second load that carries them.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::Handled;
use crate::sanitize::clean;
use crate::service::ItemView;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::view::common::wrap;

/// What is shown of the selected item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Payload {
    pub show_error: bool,
    pub show_payload: bool,
    /// The first line shown, when what is shown is taller than its place (PgDn/PgUp, Home/End).
    pub scroll: usize,
}

impl Payload {
    /// `e` and `v` toggle; [`Handled::Request`] when the payload is now shown (it may need loading).
    pub fn handle_key(&mut self, action: Action) -> Handled {
        match action {
            Action::ToggleError => self.show_error = !self.show_error,
            Action::TogglePayload => {
                self.show_payload = !self.show_payload;
                if self.show_payload {
                    return Handled::Request;
                }
            }
            _ => {}
        }
        Handled::Done
    }

    /// The rows it takes under a table of `height` rows: half, when anything is shown.
    #[must_use]
    pub const fn height(&self, height: u16) -> u16 {
        if self.show_error || self.show_payload {
            height / 2
        } else {
            0
        }
    }

    /// How many lines what is shown of `it` takes at `width`.
    #[must_use]
    pub fn line_count(&self, it: &ItemView, width: usize) -> usize {
        self.lines(it, false, width, &Theme::default()).len()
    }

    /// Whether anything is shown (the page keys then scroll it).
    #[must_use]
    pub const fn shown(&self) -> bool {
        self.show_error || self.show_payload
    }

    /// Draws what is shown of `item`, from `scroll` (clamped so the last screen stays full),
    /// with where it stands in the corner when it holds more than it shows; `loading` while the
    /// detail is being loaded again.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, item: Option<&ItemView>, loading: bool, theme: &Theme) {
        let Some(it) = item else { return };
        let lines = self.lines(it, loading, usize::from(area.width), theme);
        let h = usize::from(area.height);
        let top = self.scroll.min(lines.len().saturating_sub(h));
        let total = lines.len();
        frame.render_widget(Paragraph::new(lines.into_iter().skip(top).take(h).collect::<Vec<_>>()), area);
        if total > h && area.height > 0 {
            let at = format!(" PgDn/PgUp {}–{} of {total} ", top + 1, (top + h).min(total));
            let w = u16::try_from(at.chars().count()).unwrap_or(u16::MAX).min(area.width);
            let corner = Rect { x: area.right() - w, y: area.bottom() - 1, width: w, height: 1 };
            frame.render_widget(Paragraph::new(Line::styled(at, theme.hint_key)), corner);
        }
    }

    fn lines(self, it: &ItemView, loading: bool, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        if self.show_error {
            out.push(Line::styled(format!("error message · item #{} (e hides)", it.id), theme.header));
            let msg =
                it.error_message.as_deref().map_or_else(|| "(none recorded)".to_owned(), |m| clean(m).into_owned());
            out.extend(wrap(&msg, width).into_iter().map(Line::raw));
        }
        if self.show_payload {
            out.push(Line::styled(
                format!("provider payload · item #{} · secrets masked (v hides)", it.id),
                theme.header,
            ));
            if !it.has_payload {
                out.push(Line::styled("(no payload recorded)", theme.muted));
            } else if let Some(p) = &it.payload {
                let pretty = serde_json::to_string_pretty(p).unwrap_or_default();
                for l in pretty.lines() {
                    out.extend(wrap(&clean(l), width).into_iter().map(Line::raw));
                }
            } else if loading {
                out.push(Line::styled("loading…", theme.muted));
            } else {
                out.push(Line::styled("(payload not loaded)", theme.muted));
            }
        }
        out
    }
}
