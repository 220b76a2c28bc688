//! The runs list: title with the match count and sort, the filter bar (active filters, or the
//! input while editing, with a one-line error), and the table of the visible window only.
//!
//! Column widths follow the visible rows' content; when the terminal is narrow the type
//! column goes first, then the workspace / environment column shrinks and finally gives way
//! (the status bar always shows the selected run's), and the verdict takes what is left (its
//! reason is cut before its decision). The selected row is marked `▶` and
//! drawn in the selection style as plain text, so it reads without colour.

use ratatui::layout::{Constraint, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::common::{outcome_text, safe, trunc};
use crate::present::{age, symbol};
use crate::sanitize::clean;
use crate::service::{RunView, SortKey};
use crate::tui::app::App;
use crate::tui::filter;
use crate::tui::layout::ListAreas;
use crate::tui::theme::Theme;

const HEADERS: [&str; 9] = ["", "ID", "TYPE", "WORKSPACE / ENV", "STATUS", "OUTCOME", "VERDICT", "FLAGS", "AGE"];
const CAPS: [usize; 9] = [1, 10, 18, 34, 9, 21, 0, 15, 4];
const VERDICT: usize = 6;
const VERDICT_MIN: usize = 24;
/// Below this the workspace / environment column gives way to the verdict.
const VERDICT_WANTED: usize = 32;

/// The count and sort, for the title.
fn title_right(app: &App) -> String {
    let f = &app.list.filter;
    let approx = if f.decisions.is_empty() && !f.gap { "" } else { "≤" };
    let count = match &app.list.count {
        None => "counting…".to_owned(),
        Some(Ok(n)) => format!("{approx}{n} matching"),
        Some(Err(_)) => "count failed".to_owned(),
    };
    let (rows, more) = app.list.known_rows();
    let pos = if rows == 0 {
        String::new()
    } else {
        format!("row {}/{}{} · ", app.list.sel + 1, rows, if more { "+" } else { "" })
    };
    let key = match f.query.sort {
        SortKey::Created => "created",
        SortKey::Updated => "updated",
        SortKey::Id => "id",
    };
    let dir = if f.query.ascending { "↑ oldest first" } else { "↓ newest first" };
    format!("{pos}{count} · sort {key} {dir} ")
}

pub fn render(frame: &mut Frame<'_>, [title, body]: [Rect; 2], app: &App, theme: &Theme) {
    let right = title_right(app);
    // During an outage the rows are the last ones loaded: say so where they are.
    let left = if app.outage.is_some() { " proofdesk · runs · stale" } else { " proofdesk · runs" };
    // At least one space between the two halves, however narrow the terminal.
    let pad = usize::from(title.width).saturating_sub(left.width() + right.width()).max(1);
    let line = Line::from(vec![
        Span::styled(left, theme.title),
        Span::raw(" ".repeat(pad)),
        Span::styled(trunc(&right, usize::from(title.width).saturating_sub(left.width() + pad)), theme.muted),
    ]);
    frame.render_widget(Paragraph::new(line), title);

    let error = app.filter_edit.as_ref().and_then(|f| f.error.as_deref());
    let areas = ListAreas::new(body, error.is_some());
    filter_bar(frame, areas.bar, app, theme);
    if let Some(e) = error {
        let text = format!(" ✘ {} — the previous filter stays active", clean(e));
        let err = areas.error;
        frame.render_widget(Paragraph::new(Span::styled(trunc(&text, usize::from(err.width)), theme.error)), err);
    }
    rows(frame, &areas, app, theme);
}

fn filter_bar(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    if let Some(edit) = &app.filter_edit {
        let prefix = " / ";
        let width = usize::from(area.width).saturating_sub(prefix.len() + 1);
        let scroll = edit.input.visual_scroll(width);
        let value: String = clean(edit.input.value()).chars().skip(scroll).collect();
        let line = Line::from(vec![
            Span::styled(prefix, theme.hint_key),
            Span::styled(format!("{:<width$}", trunc(&value, width)), theme.input),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + 3 + u16::try_from(edit.input.visual_cursor().saturating_sub(scroll)).unwrap_or(0);
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    let mut spans = vec![Span::styled(" filter ", theme.muted)];
    let chips = filter::chips(&app.list.filter_text);
    if chips.is_empty() {
        spans.push(Span::styled("none — every run of every type", theme.muted));
    }
    for c in chips {
        spans.push(Span::styled(format!("[{}]", safe(&c, 60)), theme.filter));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let hint = "/ edit · x clear ";
    if used + hint.len() < usize::from(area.width) {
        spans.push(Span::raw(" ".repeat(usize::from(area.width) - used - hint.len())));
        spans.push(Span::styled(hint, theme.hint));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The cell texts of one run (sanitized), in column order.
fn cells(r: &RunView, app: &App, selected: bool) -> [String; 9] {
    let now = app.session().now();
    let (verdict, flags) = match &r.verdict {
        Ok(v) => {
            let mut flags = Vec::new();
            if v.stale {
                flags.push("⏱ stale");
            }
            if v.drift {
                flags.push("≠ drift");
            }
            (format!("{} {} — {}", symbol(v.decision.as_str()), v.decision, v.reason_code), flags.join(" "))
        }
        Err(e) => (format!("? unreadable: {}", clean(&e.to_string())), "! data".to_owned()),
    };
    [
        if selected { "▶".to_owned() } else { " ".to_owned() },
        r.id.to_string(),
        safe(&r.op_type, CAPS[2]),
        safe(&format!("{} / {}", r.workspace, r.environment), CAPS[3]),
        safe(&r.status, CAPS[4]),
        outcome_text(&r.outcome),
        verdict,
        flags,
        age(now, r.created_at),
    ]
}

/// Column widths for the visible rows; `None` hides a column.
fn widths(texts: &[[String; 9]], available: usize) -> [Option<usize>; 9] {
    let mut w = [0usize; 9];
    for (i, h) in HEADERS.iter().enumerate() {
        w[i] = h.width();
    }
    for row in texts {
        for (i, t) in row.iter().enumerate() {
            w[i] = w[i].max(t.width());
        }
    }
    for (i, cap) in CAPS.iter().enumerate() {
        if *cap > 0 {
            w[i] = w[i].min(*cap);
        }
    }
    let mut shown = [Some(0); 9];
    let fixed = |shown: &[Option<usize>; 9], w: &[usize; 9]| -> usize {
        (0..9).filter(|i| *i != VERDICT && shown[*i].is_some()).map(|i| w[i] + 1).sum()
    };
    if fixed(&shown, &w) + VERDICT_MIN > available {
        shown[2] = None;
    }
    let over = (fixed(&shown, &w) + VERDICT_MIN).saturating_sub(available);
    w[3] = w[3].saturating_sub(over).max(14);
    if fixed(&shown, &w) + VERDICT_WANTED > available {
        // The selected run's workspace and environment stay in the status bar.
        shown[3] = None;
    }
    if fixed(&shown, &w) + VERDICT_MIN > available {
        shown[7] = None;
    }
    let verdict = available.saturating_sub(fixed(&shown, &w));
    for i in 0..9 {
        shown[i] = shown[i].map(|_| if i == VERDICT { verdict } else { w[i] });
    }
    shown
}

fn rows(frame: &mut Frame<'_>, areas: &ListAreas, app: &App, theme: &Theme) {
    let list = &app.list;
    let (area, height) = (areas.table, areas.rows());
    let (known, more) = list.known_rows();
    if known == 0 {
        let text = if let Some(e) = &list.error {
            Line::styled(format!(" could not load runs: {}", clean(e)), theme.error)
        } else if list.first_loaded() && !more {
            Line::styled(" No runs match these filters. Press / to change them or x to clear them.", theme.muted)
        } else {
            Line::styled(" loading runs…", theme.muted)
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let end = (list.offset + height).min(known);
    let visible: Vec<(usize, Option<&RunView>)> = (list.offset..end).map(|i| (i, list.row(i))).collect();
    let texts: Vec<[String; 9]> =
        visible.iter().filter_map(|(i, r)| r.map(|r| cells(r, app, *i == list.sel))).collect();
    let shown = widths(&texts, usize::from(area.width));
    let cols: Vec<usize> = (0..9).filter(|i| shown[*i].is_some()).collect();
    let constraint = |i: usize| Constraint::Length(u16::try_from(shown[i].unwrap_or(0)).unwrap_or(u16::MAX));
    let header = Row::new(cols.iter().map(|i| Cell::from(HEADERS[*i]))).style(theme.header);
    let mut table_rows = Vec::with_capacity(visible.len());
    for (i, r) in &visible {
        let Some(r) = r else {
            table_rows.push(Row::new(vec![Cell::from(" "), Cell::from(Span::styled("…", theme.muted))]));
            continue;
        };
        let selected = *i == list.sel;
        let t = cells(r, app, selected);
        let styled = |c: usize| -> Cell<'static> {
            let width = shown[c].unwrap_or(0);
            let text = trunc(&t[c], width);
            if selected {
                return Cell::from(text);
            }
            let style = match (c, &r.verdict) {
                (5, _) => theme.outcome(&r.outcome),
                (6, Ok(v)) => theme.decision(v.decision),
                (6, Err(_)) => theme.error,
                (7, Ok(v)) if v.drift => theme.drift,
                (7, Ok(_)) => theme.stale,
                (7, Err(_)) => theme.error,
                (8, _) => theme.muted,
                _ => Style::new(),
            };
            Cell::from(Span::styled(text, style))
        };
        let row = Row::new(cols.iter().map(|c| styled(*c)));
        table_rows.push(if selected { row.style(theme.selected) } else { row });
    }
    let table = Table::new(table_rows, cols.iter().map(|i| constraint(*i))).header(header).column_spacing(1);
    frame.render_widget(table, area);
}
