//! The reconcile dialog's lines: the run and what will be written, every finding, the proof
//! change (when the dialog was rebound), the two fields with the cursor's place, the result.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use tui_input::Input;

use super::{Dialog, Field, Outcome, Phase, ROLLED_BACK, UNKNOWN};
use crate::domain::Outcome as OpOutcome;
use crate::present::symbol;
use crate::sanitize::clean;
use crate::tui::theme::Theme;
use crate::tui::view::common::{decision_span, safe, trunc, wrap};

const LABEL: usize = 13;

fn row(label: &str, value: Vec<Span<'static>>, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!(" {label:<LABEL$}"), theme.muted)];
    spans.extend(value);
    Line::from(spans)
}

/// A text field drawn with brackets as well as its style, so it shows on every palette (a
/// background colour alone vanishes on some); the focused one is marked `▸`.
fn input_line(input: &Input, width: usize, focused: bool, theme: &Theme) -> (Line<'static>, usize) {
    let inner = width.saturating_sub(7).max(1);
    let scroll = input.visual_scroll(inner);
    let text: String = clean(input.value()).chars().skip(scroll).collect();
    let (mark, style) = if focused { ("▸", theme.input) } else { (" ", theme.muted) };
    let line = Line::from(vec![
        Span::styled(format!(" {mark} ["), theme.border_focus),
        Span::styled(format!("{:<inner$}", trunc(&text, inner)), style),
        Span::styled("]", theme.border_focus),
    ]);
    (line, 4 + input.visual_cursor().saturating_sub(scroll))
}

fn result_lines(d: &Dialog, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (text, style) = match &d.phase {
        Phase::Running => {
            ("⟳ reconciling… (Esc closes this; the write still finishes whole or not at all)".to_owned(), theme.waiting)
        }
        Phase::Editing => return Vec::new(),
        Phase::Done(Outcome::Written { status, outcome }) => (
            format!(
                "{} written: run {} is now {} · {} {}. Enter closes.",
                symbol("succeeded"),
                d.run.id,
                clean(status),
                symbol(outcome),
                clean(outcome)
            ),
            theme.ok,
        ),
        Phase::Done(Outcome::NothingToDo { .. }) if d.meanwhile.is_some() => (
            format!(
                "· nothing to do: run {} was completed meanwhile, {}. Nothing was written.",
                d.run.id,
                d.meanwhile.as_deref().unwrap_or_default()
            ),
            theme.gap,
        ),
        Phase::Done(Outcome::NothingToDo { verdict }) => {
            let moved = if d.changed_from.is_some() { "the proof changed meanwhile; " } else { "" };
            (
                format!(
                    "· nothing to do: {moved}the verdict is now {} {} ({} — {}). Nothing was written.",
                    symbol(verdict.decision.as_str()),
                    verdict.decision,
                    verdict.reason_code,
                    verdict.reason_code.describe()
                ),
                theme.gap,
            )
        }
        Phase::Done(Outcome::Conflict(m)) => match &d.meanwhile {
            Some(who) => (format!("✘ {} — it was {who}.", clean(m)), theme.danger),
            None => (format!("✘ {}", clean(m)), theme.danger),
        },
        Phase::Done(Outcome::Forbidden(m)) => {
            (format!("⛔ forbidden: {}. Nothing was written.", clean(m)), theme.danger)
        }
        Phase::Done(Outcome::NotFound(m)) => (format!("✘ {}. Nothing was written.", clean(m)), theme.danger),
        Phase::Done(Outcome::Error(m)) => (format!("✘ error: {}. Nothing was written.", clean(m)), theme.error),
        Phase::Done(Outcome::RolledBack(m)) => (format!("✘ {ROLLED_BACK} ({}). Enter closes.", clean(m)), theme.danger),
        Phase::Done(Outcome::Unknown(m)) => (format!("? {UNKNOWN} ({}). Enter closes.", clean(m)), theme.danger),
    };
    wrap(&text, width.saturating_sub(2)).into_iter().map(|l| Line::styled(format!(" {l}"), style)).collect()
}

/// The dialog's lines; `compact` (a short terminal) leaves out the explanatory and blank lines.
pub(super) fn body(d: &Dialog, width: usize, compact: bool, theme: &Theme) -> (Vec<Line<'static>>, Option<(u16, u16)>) {
    let r = &d.run;
    let v = &d.verdict;
    let room = width.saturating_sub(LABEL + 2).max(8);
    let mut lines = vec![
        row("Run", vec![Span::raw(format!("{} · {}", r.id, safe(&r.op_type, room.saturating_sub(10))))], theme),
        row("Workspace", vec![Span::raw(safe(&r.workspace, room))], theme),
        row("Environment", vec![Span::raw(safe(&format!("{} · {}", r.environment, r.tenant_ref), room))], theme),
        row("Decision", vec![decision_span(v.decision, theme), Span::raw(format!(" · {}", v.reason_code))], theme),
    ];
    let outcome = OpOutcome::from_decision(v.decision).map_or("-", OpOutcome::as_str);
    lines.push(row(
        "Will write",
        vec![Span::styled(format!("status completed · outcome {} {outcome}", symbol(outcome)), theme.danger)],
        theme,
    ));
    let also = "+ context.reconciliation, summary counts, one audit entry, one notification";
    if !compact {
        lines.extend(wrap(also, room).into_iter().map(|l| Line::styled(format!(" {:LABEL$}{l}", ""), theme.muted)));
    }
    for (i, f) in v.findings.iter().enumerate() {
        let label = if i == 0 { "Findings" } else { "" };
        let mut wrapped = wrap(&format!("{f} — {}", f.describe()), room).into_iter();
        lines.push(row(label, vec![Span::styled(wrapped.next().unwrap_or_default(), finding_style(*f, theme))], theme));
        lines.extend(wrapped.map(|l| Line::raw(format!(" {:LABEL$}{l}", ""))));
    }
    if let (Some(was), Phase::Editing) = (d.changed_from, &d.phase) {
        let text = format!(
            "⚠ The proof changed: it said {was} when you opened this; it now says {}. Review the new verdict and type the run id again to confirm it.",
            v.decision
        );
        if !compact {
            lines.push(Line::raw(""));
        }
        lines.extend(
            wrap(&text, width.saturating_sub(2)).into_iter().map(|l| Line::styled(format!(" {l}"), theme.danger)),
        );
    }
    if !compact {
        lines.push(Line::raw(""));
    }
    let mut cursor = None;
    let editing = d.phase == Phase::Editing;
    if !editing {
        // Sent: the fields have done their work; the room goes to the result.
        let note = d.note().map_or_else(|| "no note".to_owned(), |n| format!("note: {}", safe(&n, room)));
        lines.push(row("Confirmed", vec![Span::raw(format!("id {} · {note}", r.id))], theme));
        if !compact {
            lines.push(Line::raw(""));
        }
        lines.extend(result_lines(d, width, theme));
        return (lines, None);
    }
    lines.push(Line::raw(format!(" Type the run id ({}) to confirm:", r.id)));
    let (line, x) = input_line(&d.id_input, width, editing && d.field == Field::RunId, theme);
    if editing && d.field == Field::RunId {
        cursor = Some((x, lines.len()));
    }
    lines.push(line);
    lines.push(Line::raw(" Note (optional, kept in the audit entry):"));
    let (line, x) = input_line(&d.note_input, width, editing && d.field == Field::Note, theme);
    if editing && d.field == Field::Note {
        cursor = Some((x, lines.len()));
    }
    lines.push(line);
    if !compact {
        lines.push(Line::raw(""));
    }
    lines.extend(result_lines(d, width, theme));
    if d.mismatch {
        let typed = safe(d.id_input.value().trim(), 20);
        let text = format!("✘ {typed:?} is not this run's id ({}): nothing was sent; type {} to confirm", r.id, r.id);
        lines.extend(
            wrap(&text, width.saturating_sub(2)).into_iter().map(|l| Line::styled(format!(" {l}"), theme.danger)),
        );
    }
    if editing {
        let enter = if d.id_matches() {
            Span::styled("Enter reconciles", theme.danger)
        } else {
            Span::styled(format!("Enter: type {} first", r.id), theme.muted)
        };
        lines.push(Line::from(vec![Span::raw(" "), enter, Span::styled(" · Tab note/id · Esc cancel", theme.hint)]));
    }
    let cursor = cursor.map(|(x, y)| (u16::try_from(x).unwrap_or(0), u16::try_from(y).unwrap_or(0)));
    (lines, cursor)
}

fn finding_style(f: crate::domain::ReasonCode, theme: &Theme) -> Style {
    if f == crate::domain::ReasonCode::ProofComplete {
        theme.pass
    } else {
        theme.gap
    }
}
