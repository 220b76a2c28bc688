//! Text and JSON output of the command line. JSON keys follow the interfaces contract; text
//! is what a support analyst pastes into a ticket. Every database string in text output goes
//! through `sanitize::clean`; JSON escapes control characters by itself.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::domain::{CheckState, Verdict};
use crate::present::{age, opt_time, symbol, time};
use crate::sanitize::{clean, clean_max};
use crate::service::{BatchReport, ReconcileOutcome, RunDetail, RunView};

/// Pretty JSON and a newline.
pub fn print_json(out: &mut impl Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)
}

fn verdict_fields(v: &Verdict, obj: &mut serde_json::Map<String, Value>) {
    obj.insert("decision".into(), json!(v.decision));
    obj.insert("final".into(), json!(v.is_final()));
    obj.insert("reason_code".into(), json!(v.reason_code));
    obj.insert("findings".into(), json!(v.findings));
    obj.insert("proof_decision".into(), json!(v.proof_decision));
    obj.insert("drift".into(), json!(v.drift));
    obj.insert("stale".into(), json!(v.stale));
}

/// The `assess --format json` object of the contract.
#[must_use]
pub fn assessment_json(view: &RunView) -> Value {
    let mut obj = serde_json::Map::new();
    obj.insert("operation_run_id".into(), json!(view.id));
    obj.insert("type".into(), json!(view.op_type));
    obj.insert("status".into(), json!(view.status));
    obj.insert("outcome".into(), json!(view.outcome));
    match &view.verdict {
        Ok(v) => {
            verdict_fields(v, &mut obj);
            obj.insert("summary_counts".into(), json!(v.counts));
            if let Some(p) = &v.proof {
                obj.insert("proof".into(), json!(p));
            }
            obj.insert(
                "checklist".into(),
                json!(v.checklist.iter().map(|c| json!({"check": c.name, "state": c.state})).collect::<Vec<_>>()),
            );
        }
        Err(e) => {
            obj.insert("error".into(), json!(e.to_string()));
        }
    }
    Value::Object(obj)
}

/// The assessment plus what `reconcile` wrote.
#[must_use]
pub fn reconcile_json(before: &RunView, out: &ReconcileOutcome) -> Value {
    let mut view = before.clone();
    view.verdict = Ok(out.verdict.clone());
    let mut v = assessment_json(&view);
    if let Value::Object(obj) = &mut v {
        obj.insert("written".into(), json!(out.written));
        obj.insert("status".into(), json!(out.status));
        obj.insert("outcome".into(), json!(out.outcome));
    }
    v
}

/// One element of `runs --format json|ndjson`.
#[must_use]
pub fn run_json(r: &RunView) -> Value {
    let mut obj = serde_json::Map::new();
    obj.insert("id".into(), json!(r.id));
    obj.insert("type".into(), json!(r.op_type));
    obj.insert("workspace".into(), json!(r.workspace));
    obj.insert("workspace_id".into(), json!(r.workspace_id));
    obj.insert("environment".into(), json!(r.environment));
    obj.insert("environment_id".into(), json!(r.environment_id));
    obj.insert("status".into(), json!(r.status));
    obj.insert("outcome".into(), json!(r.outcome));
    match &r.verdict {
        Ok(v) => verdict_fields(v, &mut obj),
        Err(e) => {
            for k in ["decision", "final", "reason_code", "findings", "proof_decision"] {
                obj.insert(k.into(), Value::Null);
            }
            obj.insert("drift".into(), json!(false));
            obj.insert("stale".into(), json!(false));
            obj.insert("error".into(), json!(e.to_string()));
        }
    }
    obj.insert("created_at".into(), json!(time(r.created_at)));
    obj.insert("updated_at".into(), json!(time(r.updated_at)));
    Value::Object(obj)
}

fn verdict_cell(r: &RunView) -> String {
    match &r.verdict {
        Ok(v) => format!("{} {} · {}", symbol(v.decision.as_str()), v.decision, v.reason_code),
        Err(_) => "⚠ unreadable".to_owned(),
    }
}

fn flags(r: &RunView) -> String {
    let mut f = Vec::new();
    if let Ok(v) = &r.verdict {
        if v.stale {
            f.push("stale");
        }
        if v.drift {
            f.push("DRIFT");
        }
    }
    f.join(",")
}

/// `text`, sanitized, in a column `width` terminal cells wide: cut by display width (ending
/// in `…`) and padded by display width, so CJK, emoji and combining characters keep the
/// columns aligned. `right` aligns to the right.
fn cell(text: &str, width: usize, right: bool) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let text = clean(text);
    let mut out = String::with_capacity(text.len().min(width * 4) + width);
    if text.width() <= width {
        out.push_str(&text);
    } else {
        let room = width.saturating_sub(1);
        let mut used = 0;
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > room {
                break;
            }
            out.push(c);
            used += w;
        }
        while out.width() > room && out.pop().is_some() {}
        out.push('…');
    }
    let pad = " ".repeat(width.saturating_sub(out.width()));
    if right {
        pad + &out
    } else {
        out + &pad
    }
}

/// The `runs` table: columns measured in terminal cells (display width), not characters.
pub fn runs_table(out: &mut impl Write, rows: &[RunView], now: DateTime<Utc>) -> io::Result<()> {
    const COLUMNS: [(&str, usize, bool); 8] = [
        ("ID", 8, true),
        ("TYPE", 16, false),
        ("WORKSPACE / ENVIRONMENT", 28, false),
        ("STATUS", 9, false),
        ("OUTCOME", 21, false),
        ("VERDICT", 52, false),
        ("FLAGS", 11, false),
        ("AGE", 4, true),
    ];
    let line = |out: &mut dyn Write, cells: [&str; 8]| -> io::Result<()> {
        let mut text = String::with_capacity(180);
        for (i, ((_, width, right), value)) in COLUMNS.iter().zip(cells).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(&cell(value, *width, *right));
        }
        writeln!(out, "{}", text.trim_end())
    };
    if rows.is_empty() {
        return writeln!(out, "no runs match");
    }
    line(out, COLUMNS.map(|(name, _, _)| name))?;
    for r in rows {
        let id = r.id.to_string();
        let scope = format!("{} / {}", r.workspace, r.environment);
        let outcome = format!("{} {}", symbol(&r.outcome), r.outcome);
        let (verdict, flags, age) = (verdict_cell(r), flags(r), age(now, r.created_at));
        line(out, [&id, &r.op_type, &scope, &r.status, &outcome, &verdict, &flags, &age])?;
    }
    writeln!(out, "{} runs", rows.len())
}

fn check_line(state: CheckState) -> String {
    match state {
        CheckState::Pass => "✓ pass".to_owned(),
        CheckState::Gap(r) => format!("✗ gap   {r}: {}", r.describe()),
        CheckState::Waiting(r) => format!("… wait  {r}: {}", r.describe()),
        CheckState::NotReached => "- not examined".to_owned(),
    }
}

/// `assess` as text.
pub fn assessment_text(out: &mut impl Write, view: &RunView) -> io::Result<()> {
    writeln!(
        out,
        "Operation run {} · {} · {} / {} · {} / {}",
        view.id,
        clean(&view.op_type),
        clean(&view.workspace),
        clean(&view.environment),
        clean(&view.status),
        clean(&view.outcome)
    )?;
    match &view.verdict {
        Err(e) => writeln!(out, "  ⚠ unreadable: {}", clean(&e.to_string())),
        Ok(v) => {
            writeln!(
                out,
                "  verdict   {} {} — {} ({})",
                symbol(v.decision.as_str()),
                v.decision,
                v.reason_code,
                v.reason_code.describe()
            )?;
            let findings: Vec<&str> = v.findings.iter().map(|f| f.as_str()).collect();
            writeln!(out, "  findings  {}", findings.join(", "))?;
            writeln!(
                out,
                "  final {} · stale {} · drift {} · proof reading {}",
                yes(v.is_final()),
                yes(v.stale),
                if v.drift { "YES: recorded success not supported by proof" } else { "no" },
                v.proof_decision.map_or("none (no same-scope proof)", |d| d.as_str())
            )?;
            writeln!(out, "  proof bundle")?;
            for c in &v.checklist {
                writeln!(out, "    {:<10} {}", c.name, check_line(c.state))?;
            }
            Ok(())
        }
    }
}

const fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `show` as JSON: the run, its verdict, and the in-scope restore's records.
#[must_use]
pub fn detail_json(d: &RunDetail, raw: bool) -> Value {
    let restore = d.restore.as_ref().map(|r| {
        json!({
            "id": r.id, "backup_set_ref": r.backup_set_ref, "status": r.status, "is_dry_run": r.is_dry_run,
            "blocker": r.blocker, "requested_by": r.requested_by, "started_at": r.started_at.map(time),
            "completed_at": r.completed_at.map(time),
        })
    });
    let items: Vec<Value> = d
        .items
        .iter()
        .map(|i| {
            let mut o = json!({
                "id": i.id, "policy_type": i.policy_type, "policy_name": i.policy_name, "outcome": i.outcome,
                "error_code": i.error_code, "error_message": i.error_message,
            });
            if raw {
                o["provider_payload"] = i.payload.clone().unwrap_or(Value::Null);
            }
            o
        })
        .collect();
    let evidence: Vec<Value> = d
        .evidence
        .iter()
        .map(|e| {
            json!({"id": e.id, "kind": e.kind, "status": e.status, "verified_items": e.verified_items,
                        "expected_items": e.expected_items, "captured_at": time(e.captured_at)})
        })
        .collect();
    let audit: Vec<Value> = d
        .audit
        .iter()
        .map(|a| {
            json!({"id": a.id, "action": a.action, "actor": a.actor, "subject_type": a.subject_type,
                        "subject_id": a.subject_id, "metadata": a.metadata, "created_at": time(a.created_at)})
        })
        .collect();
    let r = &d.run;
    json!({
        "operation_run": {
            "id": r.id, "type": r.op_type, "workspace": r.workspace, "workspace_id": r.workspace_id,
            "environment": r.environment, "environment_id": r.environment_id, "tenant_ref": r.tenant_ref,
            "status": r.status, "outcome": r.outcome, "initiator_id": r.initiator_id,
            "context": r.context, "summary_counts": r.summary_counts,
            "created_at": time(r.created_at), "started_at": r.started_at.map(time),
            "completed_at": r.completed_at.map(time), "updated_at": time(r.updated_at),
        },
        "assessment": assessment_json(r),
        "restore_run": restore,
        "items": items,
        "evidence": evidence,
        "audit": audit,
    })
}

/// `show` as text: what a support analyst pastes into a ticket.
pub fn detail_text(out: &mut impl Write, d: &RunDetail, now: DateTime<Utc>, raw: bool) -> io::Result<()> {
    let r = &d.run;
    assessment_text(out, r)?;
    writeln!(out)?;
    writeln!(out, "Operation")?;
    writeln!(out, "  workspace    {} (#{})", clean(&r.workspace), r.workspace_id)?;
    writeln!(out, "  environment  {} (#{}) · {}", clean(&r.environment), r.environment_id, clean(&r.tenant_ref))?;
    writeln!(out, "  created      {} ({} ago)", time(r.created_at), age(now, r.created_at))?;
    writeln!(out, "  started      {}", opt_time(r.started_at))?;
    writeln!(out, "  completed    {}", opt_time(r.completed_at))?;
    writeln!(out, "  updated      {} ({} ago)", time(r.updated_at), age(now, r.updated_at))?;
    writeln!(out, "  initiator    {}", r.initiator_id.map_or_else(|| "-".to_owned(), |i| format!("#{i}")))?;
    if let Some(rec) = r.context.get("reconciliation") {
        writeln!(out, "  reconciliation {}", clean(&rec.to_string()))?;
    }
    if let Some(v) = r.verdict_ok() {
        writeln!(out, "  counts       {}", crate::present::counts(&v.counts))?;
    }
    writeln!(out)?;
    match &d.restore {
        None => writeln!(out, "Restore run: none in this operation's scope")?,
        Some(rs) => writeln!(
            out,
            "Restore run {} · backup {} · {}{}{} · started {} · completed {}",
            rs.id,
            clean(&rs.backup_set_ref),
            rs.status,
            if rs.is_dry_run { " (dry run)" } else { "" },
            rs.blocker.map_or(String::new(), |b| format!(" · blocker {b}")),
            opt_time(rs.started_at),
            opt_time(rs.completed_at)
        )?,
    }
    writeln!(out)?;
    writeln!(out, "Items ({})", d.items.len())?;
    for i in &d.items {
        writeln!(
            out,
            "  {:>6}  {} {:<16}  {:<22}  {:<40}  {}",
            i.id,
            crate::present::item_symbol(&i.outcome),
            clean_max(&i.outcome, 16),
            clean_max(&i.policy_type, 22),
            clean_max(&i.policy_name, 40),
            i.error_code.as_deref().map_or(String::new(), |c| clean_max(c, 40).into_owned())
        )?;
        if let Some(m) = &i.error_message {
            writeln!(out, "          {}", clean_max(m, 200))?;
        }
        if raw {
            if let Some(p) = &i.payload {
                writeln!(out, "          payload {}", clean(&p.to_string()))?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "Post-run evidence ({})", d.evidence.len())?;
    for e in &d.evidence {
        writeln!(
            out,
            "  {:>6}  {:<22}  {:<10}  verified {}/{}  captured {}",
            e.id,
            clean_max(&e.kind, 22),
            clean_max(&e.status, 10),
            e.verified_items,
            e.expected_items,
            time(e.captured_at)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Audit trail ({}, oldest first)", d.audit.len())?;
    for a in &d.audit {
        writeln!(
            out,
            "  {}  {:<28}  {:<14}  {} {}",
            time(a.created_at),
            clean_max(&a.action, 28),
            clean_max(&a.actor, 14),
            clean(&a.subject_type),
            a.subject_id
        )?;
    }
    Ok(())
}

/// The result of `reconcile ID` as text.
pub fn reconcile_text(out: &mut impl Write, r: &ReconcileOutcome) -> io::Result<()> {
    let v = &r.verdict;
    if r.written {
        writeln!(
            out,
            "run {}: written · {} {} · {} · findings {}",
            r.run_id,
            symbol(v.decision.as_str()),
            r.outcome,
            v.reason_code,
            v.findings.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
        )
    } else {
        writeln!(
            out,
            "run {}: not reconciled ({}: {}); nothing written",
            r.run_id,
            v.reason_code,
            v.reason_code.describe()
        )
    }
}

/// The `reconcile --stale` report as text.
pub fn batch_text(out: &mut impl Write, r: &BatchReport) -> io::Result<()> {
    for item in &r.runs {
        writeln!(
            out,
            "  {:>8}  {:<15}  {:<20}  {}{}",
            item.operation_run_id,
            serde_json::to_value(item.result).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            item.decision.map_or("-", |d| d.as_str()),
            item.reason_code.map_or("-", |c| c.as_str()),
            item.error.as_deref().map_or(String::new(), |e| format!("  {}", clean(e)))
        )?;
    }
    writeln!(
        out,
        "{}{} written, {} would write, {} not reconciled, {} conflicts, {} errors",
        if r.dry_run { "dry run: " } else { "" },
        r.written,
        r.would_write,
        r.not_reconciled,
        r.conflicts,
        r.errors
    )
}
