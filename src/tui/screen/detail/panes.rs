//! The items and evidence panes' contents. Items: a table of the restore's items (type, name,
//! outcome, error code), the selected one marked and, while the pane has focus, highlighted
//! (ratatui's `TableState` over the rows on screen), with the payload view under it on demand.
//! Evidence: the post-run evidence rows, then the audit trail, oldest first. A restore out of
//! the operation's scope shows nothing but the reason.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::{DetailState, Pane};
use crate::present::{item_symbol, time};
use crate::sanitize::clean;
use crate::service::RunDetail;
use crate::tui::theme::Theme;
use crate::tui::view::common::{safe, trunc, wrap};

/// Why nothing of the restore is shown, when it is out of scope.
fn out_of_scope(data: &RunDetail) -> Option<String> {
    if data.restore.is_some() {
        return None;
    }
    let v = data.run.verdict_ok()?;
    let code = match v.checklist.first().map(|c| c.state) {
        Some(crate::domain::CheckState::Gap(code)) => code,
        _ => v.reason_code,
    };
    Some(format!("Nothing of a restore is shown: {code} — {}.", code.describe()))
}

pub(super) fn items(frame: &mut Frame<'_>, area: Rect, data: &RunDetail, d: &DetailState, theme: &Theme) {
    let width = usize::from(area.width);
    if let Some(why) = out_of_scope(data) {
        let lines: Vec<Line<'static>> = wrap(&why, width).into_iter().map(|l| Line::styled(l, theme.gap)).collect();
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    if data.items.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("The restore recorded no item outcomes.", theme.gap)), area);
        return;
    }
    // A preview's or dry run's items say what would happen; nothing was written.
    let preview = data.restore.as_ref().is_some_and(|r| !r.wrote_to_tenant());
    let [note_area, area] = Layout::vertical([Constraint::Length(u16::from(preview)), Constraint::Min(0)]).areas(area);
    if preview {
        let note = "preview only: nothing was written; outcomes say what would happen";
        frame.render_widget(Paragraph::new(Line::styled(trunc(note, width), theme.gap)), note_area);
    }
    let extra = d.payload.height(area.height);
    let [table_area, extra_area] = Layout::vertical([Constraint::Min(2), Constraint::Length(extra)]).areas(area);
    let h = usize::from(table_area.height.saturating_sub(1)).max(1);
    let top = d.item_sel.saturating_sub(h - 1);
    let (mut w_type, mut w_name, w_outcome, w_code) = item_columns(data);
    // Names matter most: the type gives way first, then the name, never below a readable width.
    let room = width.saturating_sub(2 + w_outcome + w_code + 4);
    if w_type + w_name > room {
        w_type = w_type.min(room.saturating_sub(w_name).max(10));
        w_name = room.saturating_sub(w_type).max(6);
    }
    let rows = data.items.iter().enumerate().skip(top).take(h).map(|(i, it)| {
        // The selected row is plain text in the selection style: it reads without colour.
        let selected = i == d.item_sel;
        let outcome = format!("{} {}", item_symbol(&it.outcome), safe(&it.outcome, 16));
        let code = it.error_code.as_deref().map_or_else(String::new, |c| safe(c, w_code));
        Row::new(vec![
            Cell::from(safe(&it.policy_type, w_type)),
            Cell::from(safe(&it.policy_name, w_name)),
            if selected { Cell::from(outcome) } else { Cell::from(Span::styled(outcome, theme.item(&it.outcome))) },
            if selected { Cell::from(code) } else { Cell::from(Span::styled(code, theme.error)) },
        ])
    });
    let widths = [w_type, w_name, w_outcome, w_code].map(|w| Constraint::Length(u16::try_from(w).unwrap_or(0)));
    let header = Row::new(["TYPE", "NAME", "OUTCOME", "ERROR"]).style(theme.header);
    // The marker column is the table's selection column: `▶` and the spacing after it.
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always)
        .row_highlight_style(if d.focus == Pane::Items { theme.selected } else { Style::new() });
    let mut state = TableState::new().with_selected(Some(d.item_sel - top));
    frame.render_stateful_widget(table, table_area, &mut state);
    if extra > 0 {
        d.payload.render(frame, extra_area, data.items.get(d.item_sel), d.inflight, theme);
    }
}

/// The items table's columns at their natural widths: type, name, outcome, error code.
fn item_columns(data: &RunDetail) -> (usize, usize, usize, usize) {
    let longest = |f: &dyn Fn(&crate::service::ItemView) -> usize| data.items.iter().map(f).max().unwrap_or(0);
    let w_code = longest(&|i| i.error_code.as_deref().map_or(0, |c| clean(c).width())).clamp(5, 16);
    let w_type = longest(&|i| clean(&i.policy_type).width()).max(4);
    let w_name = longest(&|i| clean(&i.policy_name).width()).max(4);
    (w_type, w_name, 18, w_code)
}

/// The items pane's natural size inside its border: the table's width (marker, columns and
/// the spaces between them) and its rows (header, items, a preview's note).
pub(super) fn items_size(data: &RunDetail) -> (usize, usize) {
    let (t, n, o, c) = item_columns(data);
    let preview = data.restore.as_ref().is_some_and(|r| !r.wrote_to_tenant());
    (2 + t + n + o + c + 4, 1 + data.items.len().max(1) + usize::from(preview))
}

pub(super) fn evidence_lines(data: &RunDetail, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    out.push(Line::styled(format!(" Post-run evidence ({})", data.evidence.len()), theme.header));
    if let Some(why) = out_of_scope(data) {
        out.extend(wrap(&why, width.saturating_sub(2)).into_iter().map(|l| Line::styled(format!("  {l}"), theme.gap)));
    } else if data.evidence.is_empty() {
        out.push(Line::styled("  no post-run evidence recorded", theme.gap));
    }
    for e in &data.evidence {
        let style = if e.status == "complete" && e.verified_items >= e.expected_items { theme.pass } else { theme.gap };
        let text = format!(
            "  #{} {} · {} · verified {}/{} · captured {}",
            e.id,
            safe(&e.kind, 24),
            safe(&e.status, 12),
            e.verified_items,
            e.expected_items,
            time(e.captured_at)
        );
        out.extend(wrap(&text, width).into_iter().map(|l| Line::styled(l, style)));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(format!(" Audit trail ({}), oldest first", data.audit.len()), theme.header));
    if data.audit.is_empty() {
        out.push(Line::styled("  no audit entries", theme.muted));
    }
    for a in &data.audit {
        let text = format!(
            "  {} {} · {} · {} #{}",
            time(a.created_at),
            safe(&a.action, 40),
            safe(&a.actor, 24),
            safe(&a.subject_type, 20),
            a.subject_id
        );
        out.extend(wrap(&text, width).into_iter().map(Line::raw));
        // Metadata as `key: value` lines (strings unquoted, anything else as compact JSON),
        // each wrapped under its key.
        if let Some(meta) = a.metadata.as_object() {
            for (key, value) in meta {
                let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                let text = format!("{}: {}", clean(key), clean(&value));
                let mut lines = wrap(&text, width.saturating_sub(6)).into_iter();
                out.extend(lines.next().map(|l| Line::styled(format!("    {l}"), theme.muted)));
                out.extend(lines.map(|l| Line::styled(format!("      {l}"), theme.muted)));
            }
        }
    }
    out
}
