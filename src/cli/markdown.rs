//! `show ID --format markdown`: one run as a note to paste into an incident ticket. A heading
//! with the run, its scope and verdict; the proof checklist with each pass or gap and its
//! reason; item outcomes as a table; the evidence; the audit trail; and the reconciliation
//! (who, when, note) when the transition wrote one. Every database value is made safe twice:
//! for a terminal (`sanitize::clean`) and for Markdown (its punctuation escaped, so a policy
//! name cannot open a link, a table cell or an HTML tag).

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use super::output::yes;
use crate::domain::CheckState;
use crate::present::{age, counts, item_symbol, opt_time, symbol, time};
use crate::sanitize::clean;
use crate::service::RunDetail;

/// `text` as a code span: terminal-safe, on one line, without the backticks that would end it.
fn code(text: &str) -> String {
    let text: String = clean(text).chars().map(|c| if matches!(c, '`' | '\n' | '\r') { '\'' } else { c }).collect();
    format!("`{text}`")
}

/// `text` for Markdown: terminal-safe, on one line, with every character Markdown (or a table
/// cell) could act on escaped.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            // Inline emphasis, code, links, HTML, table cells and strikethrough; nothing here
            // starts a line, so block syntax (`#`, `-`, `1.`) cannot begin. `_` inside a word
            // emphasizes nothing (CommonMark), and names like `graph_400` stay readable.
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn check(state: CheckState) -> String {
    match state {
        CheckState::Pass => "✓ pass".to_owned(),
        CheckState::Gap(r) => format!("✗ **{}**: `{r}`, {}", state.word(), md(r.describe())),
        CheckState::Waiting(r) => format!("… waiting: `{r}`, {}", md(r.describe())),
        CheckState::NotReached => "– not examined".to_owned(),
    }
}

/// The run as a Markdown note.
///
/// # Errors
/// Writing failed.
pub fn detail_markdown(out: &mut impl Write, d: &RunDetail, now: DateTime<Utc>) -> io::Result<()> {
    let r = &d.run;
    writeln!(out, "## Operation run {} · {}", r.id, md(&r.op_type))?;
    writeln!(out)?;
    writeln!(
        out,
        "**{} / {}** (tenant {}) · status **{}** · recorded outcome **{}**",
        md(&r.workspace),
        md(&r.environment),
        code(&r.tenant_ref),
        md(&r.status),
        md(&r.outcome)
    )?;
    writeln!(out)?;
    match &r.verdict {
        Err(e) => writeln!(out, "**Verdict:** ⚠ unreadable: {}", md(&e.to_string()))?,
        Ok(v) => {
            writeln!(
                out,
                "**Verdict:** {} **{}**, `{}`: {}",
                symbol(v.decision.as_str()),
                v.decision,
                v.reason_code,
                md(v.reason_code.describe())
            )?;
            writeln!(out)?;
            let findings: Vec<String> = v.findings.iter().map(|f| format!("`{f}`")).collect();
            writeln!(out, "- findings: {}", if findings.is_empty() { "none".to_owned() } else { findings.join(", ") })?;
            writeln!(out, "- final: {} · stale: {}", yes(v.is_final()), yes(v.stale))?;
            writeln!(
                out,
                "- proof reading: {}{}",
                v.proof_decision.map_or("none (no same-scope proof)", |p| p.as_str()),
                if v.drift { " · **drift**: the recorded success is not supported by the proof" } else { "" }
            )?;
            writeln!(out, "- counts: {}", md(&counts(&v.counts)))?;
            writeln!(out)?;
            writeln!(out, "### Proof checklist")?;
            writeln!(out)?;
            for c in &v.checklist {
                writeln!(out, "- {}: {}", c.name, check(c.state))?;
            }
        }
    }
    writeln!(out)?;
    reconciliation(out, d)?;
    writeln!(out, "### Operation")?;
    writeln!(out)?;
    writeln!(
        out,
        "- created {} ({} ago) · started {}",
        time(r.created_at),
        age(now, r.created_at),
        opt_time(r.started_at)
    )?;
    writeln!(
        out,
        "- completed {} · updated {} ({} ago)",
        opt_time(r.completed_at),
        time(r.updated_at),
        age(now, r.updated_at)
    )?;
    match &d.restore {
        None => writeln!(out, "- restore run: none in this operation's scope")?,
        Some(rs) => writeln!(
            out,
            "- restore run {} · backup {} · {}{}{}",
            rs.id,
            code(&rs.backup_set_ref),
            rs.status,
            if rs.is_dry_run { " (dry run)" } else { "" },
            rs.blocker.map_or(String::new(), |b| format!(" · blocker `{b}`"))
        )?,
    }
    writeln!(out)?;
    writeln!(out, "### Items ({})", d.items.len())?;
    writeln!(out)?;
    if d.restore.as_ref().is_some_and(|r| !r.wrote_to_tenant()) {
        writeln!(out, "_Preview only: nothing was written to the tenant._")?;
        writeln!(out)?;
    }
    if !d.items.is_empty() {
        writeln!(out, "| id | outcome | type | policy | error |")?;
        writeln!(out, "| ---: | --- | --- | --- | --- |")?;
        for i in &d.items {
            let error = match (&i.error_code, &i.error_message) {
                (Some(c), Some(m)) => format!("{}: {}", md(c), md(m)),
                (Some(c), None) => md(c),
                (None, Some(m)) => md(m),
                (None, None) => String::new(),
            };
            writeln!(
                out,
                "| {} | {} {} | {} | {} | {} |",
                i.id,
                item_symbol(&i.outcome),
                md(&i.outcome),
                md(&i.policy_type),
                md(&i.policy_name),
                error
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "### Post-run evidence ({})", d.evidence.len())?;
    writeln!(out)?;
    for e in &d.evidence {
        writeln!(
            out,
            "- {} · {} · verified {}/{} · captured {}",
            md(&e.kind),
            md(&e.status),
            e.verified_items,
            e.expected_items,
            time(e.captured_at)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "### Audit trail ({}, oldest first)", d.audit.len())?;
    writeln!(out)?;
    for a in &d.audit {
        writeln!(
            out,
            "- {} · {} · by {} · {} {}",
            time(a.created_at),
            md(&a.action),
            md(&a.actor),
            md(&a.subject_type),
            a.subject_id
        )?;
    }
    Ok(())
}

/// Who reconciled the run, when, to what, and the note they gave (see
/// [`RunDetail::reconciliation`]).
fn reconciliation(out: &mut impl Write, d: &RunDetail) -> io::Result<()> {
    let Some(r) = d.reconciliation() else { return Ok(()) };
    writeln!(out, "### Reconciliation")?;
    writeln!(out)?;
    match (&r.by, r.at) {
        (Some(by), Some(at)) => writeln!(out, "- by {} at {}", md(by), time(at))?,
        (None, Some(at)) => writeln!(out, "- at {} (its audit row is not in view)", time(at))?,
        _ => writeln!(out, "- by an unrecorded operator")?,
    }
    let decision = r.decision.as_deref().map_or_else(|| "-".to_owned(), md);
    let reason = r.reason_code.as_deref().map_or_else(|| "-".to_owned(), code);
    writeln!(out, "- wrote **{decision}** ({reason})")?;
    match &r.note {
        Some(note) => writeln!(out, "- note: {}", md(note))?,
        None => writeln!(out, "- note: none")?,
    }
    writeln!(out)
}
