//! The "operation proof" pane's lines: the verdict, the proof-bundle checklist (scope,
//! execution, items, evidence, audit; each pass or gap with its reason code and words), drift
//! and staleness, the operation's facts, the in-scope restore, and `context.reconciliation`.
//! A restore outside the operation's scope shows nothing but the reason: the service returns
//! no restore then, and the raw context (which names the foreign restore) is not shown.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::domain::{CheckState, Verdict};
use crate::present::{age, opt_time, time};
use crate::sanitize::clean;
use crate::service::RunDetail;
use crate::tui::theme::Theme;
use crate::tui::view::common::{check_parts, decision_span, json_line, outcome_span, safe, wrap};

const LABEL: usize = 13;

fn label(text: &str, theme: &Theme) -> Span<'static> {
    Span::styled(format!("  {text:<LABEL$}"), theme.muted)
}

fn fact(lines: &mut Vec<Line<'static>>, name: &str, value: String, theme: &Theme) {
    lines.push(Line::from(vec![label(name, theme), Span::raw(value)]));
}

fn heading(lines: &mut Vec<Line<'static>>, text: &str, theme: &Theme) {
    lines.push(Line::styled(format!(" {text}"), theme.header));
}

/// Indented, wrapped description lines.
fn described(lines: &mut Vec<Line<'static>>, text: &str, indent: usize, width: usize, style: Style) {
    for l in wrap(&format!("{}{text}", " ".repeat(indent)), width) {
        lines.push(Line::styled(l, style));
    }
}

/// The pane's lines for `width` columns; `gap_mark` highlights one checklist entry.
#[must_use]
pub fn lines(
    d: &RunDetail,
    now: chrono::DateTime<chrono::Utc>,
    stale_after: chrono::Duration,
    gap_mark: Option<usize>,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let r = &d.run;
    let mut out = Vec::new();
    match &r.verdict {
        Err(e) => {
            out.push(Line::from(vec![label("Verdict", theme), Span::styled("? unreadable", theme.error)]));
            described(&mut out, &clean(&e.to_string()), 4, width, theme.error);
        }
        Ok(v) => {
            out.push(Line::from(vec![label("Verdict", theme), decision_span(v.decision, theme)]));
            out.push(Line::from(vec![label("Reason", theme), Span::raw(v.reason_code.as_str())]));
            described(&mut out, v.reason_code.describe(), LABEL + 2, width, theme.muted);
            let findings: Vec<&str> = v.findings.iter().map(|f| f.as_str()).collect();
            out.push(Line::from(vec![label("Findings", theme), Span::raw(findings.join(", "))]));
            if v.drift {
                let proof = v.proof_decision.map_or("no same-scope proof", |p| p.as_str());
                let text = format!("  ≠ drift: recorded {}, the proof supports {proof}", clean(&r.outcome));
                described(&mut out, &text, 0, width, theme.drift);
            }
            if v.stale {
                let text = format!(
                    "  ⏱ stale: no update for {} (stale after {}m)",
                    age(now, r.updated_at),
                    stale_after.num_minutes()
                );
                out.push(Line::styled(text, theme.stale));
            }
            checklist(&mut out, v, gap_mark, width, theme);
        }
    }
    out.push(Line::raw(""));
    heading(&mut out, "Operation", theme);
    out.push(Line::from(vec![
        label("status", theme),
        Span::raw(format!("{} · ", safe(&r.status, 12))),
        outcome_span(&r.outcome, theme),
    ]));
    fact(&mut out, "type", safe(&r.op_type, 40), theme);
    fact(&mut out, "workspace", format!("{} (#{})", safe(&r.workspace, 40), r.workspace_id), theme);
    fact(&mut out, "environment", format!("{} (#{})", safe(&r.environment, 40), r.environment_id), theme);
    fact(&mut out, "tenant", safe(&r.tenant_ref, 60), theme);
    fact(&mut out, "created", format!("{} · {} ago", time(r.created_at), age(now, r.created_at)), theme);
    fact(&mut out, "started", opt_time(r.started_at), theme);
    fact(&mut out, "completed", opt_time(r.completed_at), theme);
    fact(&mut out, "updated", format!("{} · {} ago", time(r.updated_at), age(now, r.updated_at)), theme);
    fact(&mut out, "initiator", r.initiator_id.map_or_else(|| "-".to_owned(), |i| format!("#{i}")), theme);
    if let Some(v) = r.verdict_ok().filter(|v| v.proof.is_some()) {
        let text = crate::present::counts(&v.counts);
        let mut wrapped = wrap(&format!("{}{text}", " ".repeat(LABEL + 2)), width).into_iter();
        fact(&mut out, "counts", wrapped.next().unwrap_or_default().trim_start().to_owned(), theme);
        out.extend(wrapped.map(Line::raw));
    }
    out.push(Line::raw(""));
    heading(&mut out, "Restore run", theme);
    if let Some(rs) = &d.restore {
        let dry = if rs.is_dry_run { " (dry run)" } else { "" };
        let blocker = rs.blocker.map_or(String::new(), |b| format!(" · blocker {b}"));
        fact(&mut out, "restore", format!("#{} · {}{dry}{blocker}", rs.id, rs.status), theme);
        fact(&mut out, "backup set", safe(&rs.backup_set_ref, 50), theme);
        fact(&mut out, "started", opt_time(rs.started_at), theme);
        fact(&mut out, "completed", opt_time(rs.completed_at), theme);
    } else {
        let why = r.verdict_ok().map_or_else(
            || "no restore in this operation's scope".to_owned(),
            |v| {
                let code = match v.checklist.first().map(|c| c.state) {
                    Some(CheckState::Gap(code)) => code,
                    _ => v.reason_code,
                };
                format!("none shown: {code} — {}", code.describe())
            },
        );
        described(&mut out, &why, 2, width, theme.gap);
    }
    if let Some(rec) = r.context.get("reconciliation") {
        out.push(Line::raw(""));
        heading(&mut out, "Reconciliation (context)", theme);
        reconciliation(&mut out, &rec, width, theme);
    }
    out
}

/// The proof-bundle checklist: each piece pass or gap, with its reason code and words.
fn checklist(out: &mut Vec<Line<'static>>, v: &Verdict, gap_mark: Option<usize>, width: usize, theme: &Theme) {
    heading(out, "Proof bundle", theme);
    for (i, c) in v.checklist.iter().enumerate() {
        let (glyph, word, style) = check_parts(c.state, theme);
        let marked = gap_mark == Some(i);
        let (mark, style) = if marked { ("▶", theme.selected) } else { (" ", style) };
        let reason = match c.state {
            CheckState::Gap(code) | CheckState::Waiting(code) => Some(code),
            CheckState::Pass | CheckState::NotReached => None,
        };
        let head = format!(" {mark} {glyph} {:<10} {word}", c.name);
        let tail = reason.map_or(String::new(), |code| format!("  {code}"));
        out.push(Line::styled(format!("{head}{tail}"), style));
        if let Some(code) = reason {
            described(out, code.describe(), 16, width, if marked { theme.selected } else { theme.muted });
        }
    }
}

fn reconciliation(out: &mut Vec<Line<'static>>, rec: &Value, width: usize, theme: &Theme) {
    let Value::Object(map) = rec else {
        fact(out, "value", json_line(rec, width.saturating_sub(LABEL + 2)), theme);
        return;
    };
    // One level of nesting is flattened (`proof.audit`).
    let mut facts: Vec<(String, &Value)> = Vec::new();
    for (key, value) in map {
        match value {
            Value::Object(inner) => facts.extend(inner.iter().map(|(k2, v2)| (format!("{key}.{k2}"), v2))),
            other => facts.push((key.clone(), other)),
        }
    }
    // The keys come from the data: the label column is as wide as the longest, between the
    // pane's usual width and a third of the pane, so keys stay whole where there is room,
    // and a cut one never runs into its value.
    let longest = facts.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let label_w = longest.clamp(LABEL - 1, (width / 3).max(LABEL - 1));
    let room = width.saturating_sub(label_w + 3).max(10);
    for (key, value) in facts {
        let text = value.as_str().map_or_else(|| json_line(value, room), |s| safe(s, room));
        let name = Span::styled(format!("  {:<label_w$} ", safe(&key, label_w)), theme.muted);
        out.push(Line::from(vec![name, Span::raw(text)]));
    }
}
