//! The help overlay, generated from the keymap table: the current view's keys, the keys that
//! work everywhere, and (for the list) the filter bar's keys and field language. Nothing here
//! is written twice: a new binding appears in help by being added to `keymap::KEYMAP`. When
//! one column does not fit the terminal's height (80×24), the sections flow into two columns
//! and the field-language paragraph is left out. Its keys are a popup's (`notice.rs`).

use ratatui::layout::{Constraint, Layout, Rect};
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

/// The open help: whose keys it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    /// The view it was opened over: `Scope::List` or `Scope::Detail`.
    pub view: Scope,
    /// A read-only session: reconcile is hidden.
    pub read_only: bool,
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
    wrap(&text, width.saturating_sub(3)).into_iter().map(|l| Line::styled(format!("   {l}"), theme.muted)).collect()
}

impl Help {
    /// Draws the help over `area` (the whole frame).
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
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
        let room = usize::from(area.height.saturating_sub(4));
        let one_column: usize = scopes.iter().map(|s| section(*s, hide, inner, theme).len()).sum();
        let columns = if one_column + 1 > room && inner >= 60 { 2 } else { 1 };
        let col_width = inner / columns;
        let sections: Vec<Vec<Line<'static>>> = scopes.iter().map(|s| section(*s, hide, col_width, theme)).collect();
        let mut cols: Vec<Vec<Line<'static>>> = vec![Vec::new(); columns];
        let half = one_column.div_ceil(columns);
        let mut col = 0;
        for s in sections {
            if columns == 2 && col == 0 && !cols[0].is_empty() && cols[0].len() + s.len() > half + 2 {
                col = 1;
            }
            cols[col].extend(s);
        }
        if list && columns == 1 {
            let lang = language(inner, theme);
            if cols[0].len() + lang.len() <= room {
                cols[0].extend(lang);
            }
        }
        if read_only {
            cols[0].push(Line::styled(" Read-only session: reconcile is hidden and refused.", theme.muted));
        }
        let height = u16::try_from(cols.iter().map(Vec::len).max().unwrap_or(0) + 2).unwrap_or(u16::MAX);
        let rect = popup(area, width, height);
        let title = Span::styled(" Help · ? or Esc closes ", theme.title);
        let block = Block::bordered().title(title).border_style(theme.border_focus).style(theme.modal);
        let inside = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let areas =
            Layout::horizontal(vec![Constraint::Ratio(1, u32::try_from(columns).unwrap_or(1)); columns]).split(inside);
        for (lines, a) in cols.into_iter().zip(areas.iter()) {
            frame.render_widget(Paragraph::new(lines), *a);
        }
    }
}
