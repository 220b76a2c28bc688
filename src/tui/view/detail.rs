//! The run detail, a split view of three panes: operation proof (lines from `proof.rs`), item
//! outcomes (a table; the selected item's error message and masked payload on demand), and
//! post-run evidence with the audit trail, oldest first. Wide terminals show all three (proof
//! left, items and evidence right); narrow ones show the focused pane under a tab strip.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::common::{decision_span, safe, trunc, wrap};
use super::proof;
use crate::present::item_symbol;
use crate::present::time;
use crate::sanitize::clean;
use crate::service::{RunDetail, Service};
use crate::tui::app::detail::{DetailState, Pane};
use crate::tui::app::App;
use crate::tui::layout::DetailAreas;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame<'_>, [title, body]: [Rect; 2], app: &App, theme: &Theme) {
    let Some(d) = &app.detail else { return };
    let mut spans = vec![Span::styled(format!(" proofdesk · run {} ", d.id), theme.title)];
    if app.outage.is_some() {
        spans.push(Span::styled("· stale ", theme.danger));
    }
    match d.data.as_deref() {
        Some(data) => {
            let r = &data.run;
            spans.push(Span::raw(" "));
            match &r.verdict {
                Ok(v) => spans.push(decision_span(v.decision, theme)),
                Err(_) => spans.push(Span::styled("? unreadable", theme.error)),
            }
            let rest =
                format!("  {} · {} / {}", safe(&r.op_type, 24), safe(&r.workspace, 24), safe(&r.environment, 24));
            spans.push(Span::styled(rest, theme.muted));
        }
        None if d.error.is_none() => spans.push(Span::styled(" · loading…", theme.muted)),
        None => {}
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    let Some(data) = d.data.as_deref() else {
        let text = d.error.as_deref().map_or_else(|| "loading…".to_owned(), |e| clean(e).into_owned());
        frame.render_widget(Paragraph::new(Line::styled(format!(" {text}"), theme.error)), body);
        return;
    };
    let areas = DetailAreas::new(body, d.error.is_some());
    if let (Some(e), Some(err)) = (&d.error, areas.error) {
        let text = format!(" refresh failed: {} (showing the last data)", clean(e));
        frame.render_widget(Paragraph::new(Span::styled(trunc(&text, usize::from(err.width)), theme.error)), err);
    }
    match areas.tabs {
        Some(_) => pane(frame, d.focus.area(&areas), d.focus, data, app, d, theme),
        None => {
            for p in Pane::ALL {
                pane(frame, p.area(&areas), p, data, app, d, theme);
            }
        }
    }
    if let Some(tabs) = areas.tabs {
        let mut spans = vec![Span::raw(" ")];
        for p in Pane::ALL {
            let style = if p == d.focus { theme.selected } else { theme.muted };
            let mark = if p == d.focus { "▶" } else { " " };
            spans.push(Span::styled(format!("{mark}{} ", p.title()), style));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled("Tab: next pane", theme.hint));
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    }
}

/// The proof and evidence panes' line counts at `widths` columns (inside their borders):
/// what the app's scroll bound is made of, measured when the data or the widths change.
#[must_use]
pub fn line_counts(data: &RunDetail, session: &Service, widths: (u16, u16)) -> (usize, usize) {
    let theme = Theme::default();
    let proof = proof::lines(data, session.now(), session.stale_after(), None, usize::from(widths.0), &theme);
    (proof.len(), evidence_lines(data, usize::from(widths.1), &theme).len())
}

fn block(p: Pane, focused: bool, theme: &Theme) -> Block<'static> {
    let (style, mark) = if focused { (theme.border_focus, "▶ ") } else { (theme.border, "") };
    Block::bordered().border_style(style).title(Span::styled(format!(" {mark}{} ", p.title()), style))
}

fn pane(frame: &mut Frame<'_>, area: Rect, p: Pane, data: &RunDetail, app: &App, d: &DetailState, theme: &Theme) {
    let b = block(p, d.focus == p, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width);
    match p {
        Pane::Proof => {
            let session = app.session();
            let lines = proof::lines(data, session.now(), session.stale_after(), d.gap_mark, width, theme);
            scrolled(frame, inner, lines, d.proof_scroll);
        }
        Pane::Items => items(frame, inner, data, d, theme),
        Pane::Evidence => scrolled(frame, inner, evidence_lines(data, width, theme), d.evidence_scroll),
    }
}

/// Lines from `scroll` (clamped so the last screen stays full).
fn scrolled(frame: &mut Frame<'_>, area: Rect, lines: Vec<Line<'static>>, scroll: usize) {
    let h = usize::from(area.height);
    let top = scroll.min(lines.len().saturating_sub(h));
    let visible: Vec<Line<'static>> = lines.into_iter().skip(top).take(h).collect();
    frame.render_widget(Paragraph::new(visible), area);
}

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

fn items(frame: &mut Frame<'_>, area: Rect, data: &RunDetail, d: &DetailState, theme: &Theme) {
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
    let extra = if d.show_error || d.show_payload { area.height / 2 } else { 0 };
    let [table_area, extra_area] = Layout::vertical([Constraint::Min(2), Constraint::Length(extra)]).areas(area);
    let h = usize::from(table_area.height.saturating_sub(1)).max(1);
    let top = d.item_sel.saturating_sub(h - 1);
    let longest = |f: &dyn Fn(&crate::service::ItemView) -> usize| data.items.iter().map(f).max().unwrap_or(0);
    let w_outcome = 18;
    let w_code = longest(&|i| i.error_code.as_deref().map_or(0, |c| clean(c).width())).clamp(5, 16);
    let mut w_type = longest(&|i| clean(&i.policy_type).width()).max(4);
    let mut w_name = longest(&|i| clean(&i.policy_name).width()).max(4);
    // Names matter most: the type gives way first, then the name, never below a readable width.
    let room = width.saturating_sub(2 + w_outcome + w_code + 4);
    if w_type + w_name > room {
        w_type = w_type.min(room.saturating_sub(w_name).max(10));
        w_name = room.saturating_sub(w_type).max(6);
    }
    let rows = data.items.iter().enumerate().skip(top).take(h).map(|(i, it)| {
        let selected = i == d.item_sel;
        let outcome = format!("{} {}", item_symbol(&it.outcome), safe(&it.outcome, 16));
        let code = it.error_code.as_deref().map_or_else(String::new, |c| safe(c, w_code));
        let cells = vec![
            Cell::from(if selected { "▶" } else { " " }),
            Cell::from(safe(&it.policy_type, w_type)),
            Cell::from(safe(&it.policy_name, w_name)),
            if selected { Cell::from(outcome) } else { Cell::from(Span::styled(outcome, theme.item(&it.outcome))) },
            if selected { Cell::from(code) } else { Cell::from(Span::styled(code, theme.error)) },
        ];
        let row = Row::new(cells);
        if selected && d.focus == Pane::Items {
            row.style(theme.selected)
        } else {
            row
        }
    });
    let widths = [w_type, w_name, w_outcome, w_code].map(|w| Constraint::Length(u16::try_from(w).unwrap_or(0)));
    let header = Row::new(["", "TYPE", "NAME", "OUTCOME", "ERROR"]).style(theme.header);
    let table = Table::new(rows, [Constraint::Length(1), widths[0], widths[1], widths[2], widths[3]])
        .header(header)
        .column_spacing(1);
    frame.render_widget(table, table_area);
    if extra > 0 {
        frame.render_widget(Paragraph::new(item_extra(data, d, width, theme)), extra_area);
    }
}

/// The selected item's error message and/or masked payload.
fn item_extra(data: &RunDetail, d: &DetailState, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(it) = data.items.get(d.item_sel) else { return out };
    if d.show_error {
        out.push(Line::styled(format!("error message · item #{} (e hides)", it.id), theme.header));
        let msg = it.error_message.as_deref().map_or_else(|| "(none recorded)".to_owned(), |m| clean(m).into_owned());
        out.extend(wrap(&msg, width).into_iter().map(Line::raw));
    }
    if d.show_payload {
        out.push(Line::styled(format!("provider payload · item #{} · secrets masked (v hides)", it.id), theme.header));
        if !it.has_payload {
            out.push(Line::styled("(no payload recorded)", theme.muted));
        } else if let Some(p) = &it.payload {
            let pretty = serde_json::to_string_pretty(p).unwrap_or_default();
            for l in pretty.lines() {
                out.extend(wrap(&clean(l), width).into_iter().map(Line::raw));
            }
        } else if d.inflight {
            out.push(Line::styled("loading…", theme.muted));
        } else {
            out.push(Line::styled("(payload not loaded)", theme.muted));
        }
    }
    out
}

fn evidence_lines(data: &RunDetail, width: usize, theme: &Theme) -> Vec<Line<'static>> {
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
        if a.metadata.as_object().is_some_and(|m| !m.is_empty()) {
            let meta = format!("    {}", clean(&a.metadata.to_string()));
            out.extend(wrap(&meta, width).into_iter().map(|l| Line::styled(l, theme.muted)));
        }
    }
    out
}
