//! The help overlay, generated from the keymap table: the current view's keys, the keys that
//! work everywhere, and (for the list) the filter bar's keys and field language. Nothing here
//! is written twice: a new binding appears in help by being added to `keymap::KEYMAP`. When
//! one column does not fit the terminal's height (80×24), the sections flow into two columns;
//! whatever still does not fit scrolls (`j`/`k`, PgDn/PgUp, Home/End), and the title says
//! which lines show. Its other keys are a popup's (`notice.rs`).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::filter::FIELDS;
use crate::tui::keymap::{bindings, Scope};
use crate::tui::layout::popup;
use crate::tui::theme::Theme;
use crate::tui::view::common::{trunc, wrap};
use unicode_width::UnicodeWidthStr;

/// The open help: whose keys it lists, and how far it is scrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    /// The view it was opened over: `Scope::List` or `Scope::Detail`.
    pub view: Scope,
    /// A read-only session: reconcile is hidden.
    pub read_only: bool,
    /// The first line shown, when the help is taller than the terminal.
    pub scroll: usize,
}

fn section(scope: Scope, hide: &[Action], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(format!(" {}", scope.title()), theme.header)];
    for b in bindings(scope).filter(|b| !hide.contains(&b.action)) {
        let room = width.saturating_sub(13);
        let text = trunc(b.description, room);
        // The action's name, for `[keys]` in the config file, where it fits.
        let name = format!(" · {}", b.action.name());
        let name = if text.width() + name.width() <= room { name } else { String::new() };
        lines.push(Line::from(vec![
            Span::styled(format!("   {:<10}", b.label), theme.hint_key),
            Span::raw(text),
            Span::styled(name, theme.muted),
        ]));
    }
    lines
}

fn language(width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let text = format!(
        "Fields: {FIELDS}. Values may be lists (status:queued,running); quote spaces (env:\"Contoso Prod\"); \
         since/until take 2026-11-20, RFC 3339 or -24h; gap: a missing or unusable piece of proof, or drift; \
         drift: a completed run whose recorded success the proof no longer supports; other words search policy \
         names, run ids and tenants."
    );
    let mut lines = vec![Line::styled(" Filter language", theme.header)];
    lines
        .extend(wrap(&text, width.saturating_sub(3)).into_iter().map(|l| Line::styled(format!("   {l}"), theme.muted)));
    lines
}

/// Two columns side by side as one list of lines, the left padded to `width` cells.
fn side_by_side(left: Vec<Line<'static>>, right: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let rows = left.len().max(right.len());
    let mut left = left.into_iter();
    let mut right = right.into_iter();
    (0..rows)
        .map(|_| {
            let mut spans = left.next().map(|l| l.spans).unwrap_or_default();
            let used: usize = spans.iter().map(Span::width).sum();
            spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
            spans.extend(right.next().map(|l| l.spans).unwrap_or_default());
            Line::from(spans)
        })
        .collect()
}

impl Help {
    #[must_use]
    pub const fn new(view: Scope, read_only: bool) -> Self {
        Self { view, read_only, scroll: 0 }
    }

    /// The popup's width and every line of the help, laid out for a frame of `area`: the
    /// current view's keys, the keys that work everywhere, the filter bar's (list) or the
    /// dialog's (detail) keys, in two columns when one is taller than the frame and there is
    /// room, then the filter language (list).
    fn layout(&self, area: Rect, theme: &Theme) -> (u16, Vec<Line<'static>>) {
        let read_only = self.read_only;
        let list = self.view == Scope::List;
        let hide: &[Action] = if read_only { &[Action::Reconcile] } else { &[] };
        let mut scopes = vec![self.view, Scope::Global];
        if list {
            scopes.push(Scope::FilterBar);
        } else if !read_only {
            scopes.push(Scope::Dialog);
        }
        let width = area.width.saturating_sub(4).min(84);
        let inner = usize::from(width.saturating_sub(2));
        let room = Self::room(area);
        let one_column: usize = scopes.iter().map(|s| section(*s, hide, inner, theme).len()).sum();
        let mut lines = if one_column > room && inner >= 60 {
            let col_width = inner / 2;
            let sections: Vec<Vec<Line<'static>>> =
                scopes.iter().map(|s| section(*s, hide, col_width, theme)).collect();
            let half = one_column.div_ceil(2);
            let (mut left, mut right) = (Vec::new(), Vec::new());
            for s in sections {
                if right.is_empty() && !left.is_empty() && left.len() + s.len() > half + 2 {
                    right.extend(s);
                } else if right.is_empty() {
                    left.extend(s);
                } else {
                    right.extend(s);
                }
            }
            side_by_side(left, right, col_width)
        } else {
            scopes.iter().flat_map(|s| section(*s, hide, inner, theme)).collect()
        };
        if list {
            lines.extend(language(inner, theme));
        }
        if read_only {
            lines.push(Line::styled(" Read-only session: reconcile is hidden and refused.", theme.muted));
        }
        (width, lines)
    }

    /// Lines the popup shows at once in a frame of `area`.
    fn room(area: Rect) -> usize {
        usize::from(area.height.saturating_sub(4))
    }

    /// Scrolls by a list-style action (`j`/`k`, PgDn/PgUp, Home/End) in a frame of `size`;
    /// false for any other action.
    pub fn scroll_by(&mut self, action: Action, size: (u16, u16)) -> bool {
        let area = Rect::new(0, 0, size.0, size.1);
        let total = self.layout(area, &Theme::default()).1.len();
        let room = Self::room(area).max(1);
        let last = total.saturating_sub(room);
        self.scroll = match action {
            Action::Down => self.scroll + 1,
            Action::Up => self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll + room,
            Action::PageUp => self.scroll.saturating_sub(room),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        }
        .min(last);
        true
    }

    /// Draws the help over `area` (the whole frame), scrolled when taller than it; the title
    /// says which lines show.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let (width, lines) = self.layout(area, theme);
        let room = Self::room(area).max(1);
        let total = lines.len();
        let scroll = self.scroll.min(total.saturating_sub(room));
        let title = if total > room {
            format!(" Help · {}–{} of {total} · j/k scroll · ? or Esc closes ", scroll + 1, (scroll + room).min(total))
        } else {
            " Help · ? or Esc closes ".to_owned()
        };
        let shown: Vec<Line<'static>> = lines.into_iter().skip(scroll).take(room).collect();
        let height = u16::try_from(shown.len() + 2).unwrap_or(u16::MAX);
        let rect = popup(area, width, height);
        let block = Block::bordered()
            .title(Span::styled(title, theme.title))
            .border_style(theme.border_focus)
            .style(theme.modal);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(shown).block(block), rect);
    }
}
