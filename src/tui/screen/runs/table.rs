//! The runs table, drawn for the visible window only.
//!
//! Column widths follow the visible rows' content; when the terminal is narrow the type
//! column goes first, then the workspace / environment column shrinks and finally gives way
//! (the status bar always shows the selected run's), then the outcome (the flags stay), and
//! the verdict takes what is left (its reason is cut before its decision). The selected row is marked `▶` and drawn in the
//! selection style as plain text, so it reads without colour: ratatui's `TableState` selects it
//! among the rows on screen. (The window's offset stays in `ListState`: the table is only ever
//! given the rows on screen, since a list may be far longer than what is loaded.)

use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::ListState;
use crate::present::age;
use crate::sanitize::clean;
use crate::service::{RunView, SortKey};
use crate::tui::layout::ListAreas;
use crate::tui::theme::Theme;
use crate::tui::view::common::{outcome_text, safe, trunc};

const HEADERS: [&str; 9] = ["", "ID", "TYPE", "WORKSPACE / ENV", "STATUS", "OUTCOME", "VERDICT", "FLAGS", "AGE"];
const CAPS: [usize; 9] = [1, 10, 18, 34, 9, 21, 0, 15, 4];
const VERDICT: usize = 6;
const VERDICT_MIN: usize = 24;
/// Below this the workspace / environment column gives way to the verdict.
const VERDICT_WANTED: usize = 32;

/// The cell texts of one run (sanitized), in column order; the first is the marker column,
/// which the table's highlight symbol fills.
/// The AGE column follows the sort: sorted by last update, it is the time since the update.
fn cells(r: &RunView, now: chrono::DateTime<chrono::Utc>, by_update: bool) -> [String; 9] {
    let (verdict, flags) = match &r.verdict {
        Ok(v) => {
            let mut flags = Vec::new();
            if v.stale {
                flags.push("⏱ stale");
            }
            if v.drift {
                flags.push("≠ drift");
            }
            (r.verdict_summary(now, " — ").unwrap_or_default(), flags.join(" "))
        }
        Err(e) => (format!("? unreadable: {}", clean(&e.to_string())), "! data".to_owned()),
    };
    [
        " ".to_owned(),
        r.id.to_string(),
        safe(&r.op_type, CAPS[2]),
        safe(&format!("{} / {}", r.workspace, r.environment), CAPS[3]),
        safe(&r.status, CAPS[4]),
        outcome_text(&r.outcome),
        verdict,
        flags,
        age(now, if by_update { r.updated_at } else { r.created_at }),
    ]
}

/// The header texts: AGE says UPD when the list is sorted by last update, and the column the
/// list is sorted by carries the direction (`STATUS ↑`, `WORKSPACE / ENV ↓`) unless the list
/// is in its usual order.
fn headers(sort: SortKey, ascending: bool) -> [String; 9] {
    let mut h = HEADERS.map(str::to_owned);
    if sort == SortKey::Updated {
        "UPD".clone_into(&mut h[8]);
    }
    let arrow = if ascending { "↑" } else { "↓" };
    match sort {
        // The usual order (newest first) is only named in the title: an arrow would take a
        // column from the verdict at 80 columns.
        SortKey::Created if !ascending => {}
        SortKey::Created | SortKey::Updated => h[8] = format!("{}{arrow}", h[8]),
        SortKey::Id => h[1] = format!("ID {arrow}"),
        SortKey::Type => h[2] = format!("TYPE {arrow}"),
        SortKey::Workspace => h[3] = format!("WORKSPACE {arrow} / ENV"),
        SortKey::Environment => h[3] = format!("WORKSPACE / ENV {arrow}"),
        SortKey::Status => h[4] = format!("STATUS {arrow}"),
        SortKey::Outcome => h[5] = format!("OUTCOME {arrow}"),
    }
    h
}

/// Column widths for the visible rows; `None` hides a column.
fn widths<'a>(
    headers: &[String; 9],
    texts: impl Iterator<Item = &'a [String; 9]>,
    available: usize,
) -> [Option<usize>; 9] {
    let mut w = [0usize; 9];
    for (i, h) in headers.iter().enumerate() {
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
    // The outcome goes before the flags: a completed run's verdict cell repeats its outcome,
    // and `pending` says little, while stale and drift are what a triage looks for.
    if fixed(&shown, &w) + VERDICT_MIN > available {
        shown[5] = None;
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

/// The table (or what stands in for an empty one) in `areas.table`.
pub(super) fn render(
    frame: &mut Frame<'_>,
    areas: &ListAreas,
    list: &ListState,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) {
    let (area, height) = (areas.table, areas.rows());
    let (known, more) = list.known_rows();
    if known == 0 && list.pinned.is_none() {
        let text = if let Some(e) = &list.error {
            Line::styled(format!(" could not load runs: {}", clean(&e.to_string())), theme.error)
        } else if list.first_loaded() && !more {
            Line::styled(" No runs match these filters. Press / to change them or x to clear them.", theme.muted)
        } else {
            Line::styled(" loading runs…", theme.muted)
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let end = (list.offset + height).min(known);
    // Each row's texts are made once: they size the columns, then fill them.
    // One slot per row on screen: a loaded run with its texts, or a placeholder for a row
    // whose page is not loaded (yet).
    let by_update = list.filter.query.sort == SortKey::Updated;
    let headers = headers(list.filter.query.sort, list.filter.query.ascending);
    let mut slots: Vec<Option<(&RunView, [String; 9])>> =
        (list.offset..end).map(|i| list.row(i).map(|r| (r, cells(r, now, by_update)))).collect();
    // A run just reconciled out of the filter stays where it was until the next key.
    if let Some(p) = list.pinned.as_ref().filter(|_| list.sel >= list.offset) {
        let at = (list.sel - list.offset).min(slots.len());
        slots.insert(at, Some((p, cells(p, now, by_update))));
        slots.truncate(height);
    }
    let shown = widths(&headers, slots.iter().flatten().map(|(_, t)| t), usize::from(area.width));
    // Column 0 (the marker) is the table's selection column.
    let cols: Vec<usize> = (1..9).filter(|i| shown[*i].is_some()).collect();
    let constraint = |i: usize| Constraint::Length(u16::try_from(shown[i].unwrap_or(0)).unwrap_or(u16::MAX));
    let header = Row::new(cols.iter().map(|i| Cell::from(headers[*i].clone()))).style(theme.header);
    let mut table_rows = Vec::with_capacity(slots.len());
    let selected = list.sel.checked_sub(list.offset).filter(|s| *s < slots.len());
    for (at, slot) in slots.into_iter().enumerate() {
        let Some((r, t)) = slot else {
            table_rows.push(Row::new(vec![Cell::from(Span::styled("…", theme.muted))]));
            continue;
        };
        let is_selected = Some(at) == selected;
        let styled = |c: usize| -> Cell<'static> {
            let text = trunc(&t[c], shown[c].unwrap_or(0));
            if is_selected {
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
        table_rows.push(Row::new(cols.iter().map(|c| styled(*c))));
    }
    // `▶ ` is the marker column and the spacing after it; with no run loaded on screen the
    // column is empty and only its spacing remains.
    let marker = if shown[0] == Some(0) { " " } else { "▶ " };
    let table = Table::new(table_rows, cols.iter().map(|i| constraint(*i)))
        .header(header)
        .column_spacing(1)
        .highlight_symbol(marker)
        .highlight_spacing(HighlightSpacing::Always)
        .row_highlight_style(theme.selected);
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}
