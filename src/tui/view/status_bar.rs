//! The two bottom lines. The status bar: database (label only, never a password), operator,
//! `[RW]` where the operator may write in the selected run's scope (else `[RO]`), the selected
//! run's workspace, environment and the operator's role there (labelled as the run's), and
//! live/paused/stale with the data's age. Above it, while the database is
//! unreachable, the outage banner. The hint line: a flash message, or the
//! current context's hints generated from the keymap table (writes hidden when read-only).

use std::time::Duration;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::common::{safe, trunc};
use crate::sanitize::clean;
use crate::tui::action::Action;
use crate::tui::app::{App, View};
use crate::tui::keymap::{self, Scope};
use crate::tui::screen::dialog::Phase;
use crate::tui::theme::Theme;

/// A label cut in the middle so its kind (`sqlite`, `postgres`) and its end (the file or
/// database name) stay readable: `sqlite …/db/t.sqlite`.
#[must_use]
pub fn keep_end(label: &str, width: usize) -> String {
    if label.width() <= width {
        return label.to_owned();
    }
    let (kind, rest) = label.split_once(' ').unwrap_or(("", label));
    let room = width.saturating_sub(kind.width() + 2);
    if room < 4 {
        return trunc(label, width);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in rest.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        tail.push(c);
    }
    let tail: String = tail.into_iter().rev().collect();
    format!("{kind} …{tail}")
}

/// The columns a database label needs to show its kind and its last name whole
/// (`sqlite …demo.sqlite`), at most 32.
fn db_room(label: &str) -> usize {
    let (kind, rest) = label.split_once(' ').unwrap_or(("", label));
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let whole = label.width();
    whole.min(kind.width() + 2 + name.width()).min(32)
}

/// `4s`, `3m`, `2h`.
#[must_use]
pub fn short_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let session = app.session();
    let me = session.operator();
    let run = app.current_run();
    let role = run.map_or_else(|| me.headline_role(), |r| me.role_in(r.workspace_id)).map_or("no role", |r| r.as_str());
    // [RW] only where this operator may write: a read-only session, or a role that may not
    // reconcile in the selected run's workspace, reads [RO].
    let may_write = !session.read_only() && run.is_none_or(|r| session.may_reconcile(r).is_ok());
    let mode = if may_write { "[RW]" } else { "[RO]" };
    // The workspace / environment and the role are the selected run's, and say so.
    let scope = run.map_or_else(
        || "no run selected".to_owned(),
        |r| format!("{role} · run's {} / {}", r.workspace, r.environment),
    );
    let loading = match app.view {
        View::List => app.list.loading(),
        View::Detail => app.detail.as_ref().is_some_and(|d| d.inflight),
    };
    let live = match (app.outage.is_some(), app.paused) {
        (true, _) => "⚠ stale",
        (false, true) => "⏸ paused",
        (false, false) => "↻ live",
    };
    let age = match (app.data_age(), loading) {
        (_, true) => "loading…".to_owned(),
        (Some(d), false) => short_age(d),
        (None, false) => "no data".to_owned(),
    };
    // The profile first, in full: nothing to its left can push it off a narrow terminal.
    let profile = session.profile().map(|p| {
        let text = if p.production { format!(" ▲ PRODUCTION {} ", p.name) } else { format!(" {} ", p.name) };
        Span::styled(text, if p.production { theme.production } else { theme.status_accent })
    });
    let profile_width = profile.as_ref().map_or(0, |p| p.content.width() + 1);
    let who = format!(" {} ", safe(&me.handle, 24));
    let live = format!(" {live} {age} ");
    // The workspace / environment gives way (to 8 columns, then the database to 6) so the
    // live/stale mark stays on screen next to a profile.
    let fixed = profile_width + who.width() + mode.width() + live.width() + 6 + 2;
    // The database keeps room for its kind and its whole file or database name
    // (`sqlite …demo.sqlite`, up to 32 columns) before the run's scope takes the rest.
    let label = clean(session.database_label());
    let scope_room = usize::from(area.width).saturating_sub(fixed + db_room(&label) + 2).clamp(8, 48);
    let tail = [who, format!(" {mode} "), format!(" {} ", safe(&scope, scope_room)), live];
    let tail_width: usize = tail.iter().map(|t| t.width() + 1).sum::<usize>() + profile_width;
    let db_width = usize::from(area.width).saturating_sub(tail_width + 2).max(6);
    let db = format!(" {} ", keep_end(&label, db_width));
    let sep = Span::styled("│", theme.status_bar);
    let mut spans = profile.map_or_else(Vec::new, |p| vec![p, sep.clone()]);
    spans.extend([Span::styled(db, theme.status_bar), sep.clone()]);
    for (i, t) in tail.into_iter().enumerate() {
        let style = match i {
            1 if session.read_only() => theme.status_accent,
            2 => theme.status_accent,
            _ => theme.status_bar,
        };
        if i > 0 {
            spans.push(sep.clone());
        }
        spans.push(Span::styled(t, style));
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    spans.push(Span::styled(" ".repeat(usize::from(area.width).saturating_sub(used)), theme.status_bar));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.status_bar), area);
}

/// The outage banner, one line above the status bar: since when the database is unreachable,
/// the next retry, and how old the data on screen is.
pub fn render_banner(frame: &mut Frame<'_>, area: Rect, text: &str, theme: &Theme) {
    let line = format!(" {text}");
    let pad = usize::from(area.width).saturating_sub(line.width());
    let text = format!("{}{}", trunc(&line, usize::from(area.width)), " ".repeat(pad));
    frame.render_widget(Paragraph::new(Span::styled(text, theme.danger)), area);
}

/// A production profile's banner: the title line in the production style, and the word at its
/// right end (in every theme: the word, never colour alone, says it).
pub fn render_production(frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    const MARK: &str = " ▲ PRODUCTION ▲ ";
    frame.buffer_mut().set_style(area, theme.production);
    let width = u16::try_from(MARK.width()).unwrap_or(u16::MAX).min(area.width);
    let at = Rect { x: area.right().saturating_sub(width), width, ..area };
    // Cleared first: the word takes none of the title's styles (a dim count under it).
    frame.render_widget(ratatui::widgets::Clear, at);
    frame.render_widget(Paragraph::new(Span::styled(MARK, theme.production)).style(theme.production), at);
}

/// The scope whose keys are live now.
#[must_use]
pub fn scope(app: &App) -> Scope {
    if app.dialog.is_some() {
        Scope::Dialog
    } else if app.filter_edit.is_some() {
        Scope::FilterBar
    } else if app.view == View::Detail {
        Scope::Detail
    } else {
        Scope::List
    }
}

pub fn render_hints(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    // The `:` command line takes the row while it is open.
    if let Some(line) = &app.command {
        let room = width.saturating_sub(3);
        let scroll = line.input.visual_scroll(room);
        let text: String = crate::sanitize::clean(line.input.value()).chars().skip(scroll).collect();
        let spans = vec![Span::styled(" :", theme.hint_key), Span::styled(trunc(&text, room), theme.input)];
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + 2 + u16::try_from(line.input.visual_cursor().saturating_sub(scroll)).unwrap_or(0);
        frame.set_cursor_position(ratatui::layout::Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    if let Some(flash) = &app.flash {
        frame.render_widget(Paragraph::new(Span::styled(trunc(&format!(" {flash}"), width), theme.ok)), area);
        return;
    }
    let mut hide = vec![];
    // Only what the operator may do: no `r` where reconciling would be refused anyway.
    let session = app.session();
    if session.read_only() || app.current_run().is_some_and(|r| session.may_reconcile(r).is_err()) {
        hide.push(Action::Reconcile);
    }
    if app.dialog.as_ref().is_some_and(|d| d.phase != Phase::Editing) {
        // Sent: only closing is left to do.
        hide.extend([Action::Submit, Action::SwitchField]);
    }
    let all = keymap::hints(scope(app), &hide);
    // Help and quit always show; the view's own hints fill the room before them.
    let (last, first): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, w)| matches!(*w, "help" | "quit"));
    let cost = |(k, w): &(&str, &str)| k.width() + w.width() + 3;
    let mut room = width.saturating_sub(1 + last.iter().map(cost).sum::<usize>());
    let mut spans = vec![Span::raw(" ")];
    for (key, word) in first
        .into_iter()
        .filter(|h| {
            let fits = cost(h) <= room;
            if fits {
                room -= cost(h);
            }
            fits
        })
        .chain(last)
    {
        spans.push(Span::styled(key, theme.hint_key));
        spans.push(Span::styled(format!(" {word}  "), theme.hint));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_labels_keep_their_kind_and_their_end() {
        assert_eq!(keep_end("sqlite /a/very/long/path/to/db.sqlite", 22), "sqlite …h/to/db.sqlite");
        assert_eq!(db_room("sqlite demo-db/demo.sqlite"), "sqlite …demo.sqlite".width());
        assert_eq!(db_room("sqlite t.sqlite"), "sqlite t.sqlite".width());
        assert_eq!(db_room(&format!("postgres host/{}", "d".repeat(60))), 32);
        assert_eq!(keep_end("sqlite short.db", 40), "sqlite short.db");
        assert_eq!(keep_end("postgres db.example.org:5432/proofdesk", 24).chars().count(), 24);
    }
}
