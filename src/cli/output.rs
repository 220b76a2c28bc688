//! Text and JSON output of the command line. JSON keys follow the interfaces contract; text
//! is what a support analyst pastes into a ticket. Every database string in text output goes
//! through `sanitize::clean`; JSON (pretty and NDJSON) goes through [`SafeFormatter`], which
//! writes every character the sanitizer would escape as `\uXXXX`, so a document is safe to
//! `cat` and still parses back to the original strings.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use serde_json::{json, Value};

use crate::domain::{CheckState, Verdict};
use crate::present::{age, opt_time, symbol, time};
use crate::sanitize::{clean, clean_max, is_unsafe};
use crate::service::{BatchReport, ReconcileOutcome, RunDetail, RunView};

/// A JSON formatter that also escapes, as `\uXXXX` (a surrogate pair above U+FFFF), what
/// serde_json leaves raw but a terminal would act on or hide: C1 controls, DEL, bidi
/// overrides, zero-width and other format characters, line/paragraph separators, private use
/// and unassigned code points ([`crate::sanitize::is_unsafe`]). Everything else is `F`'s.
pub struct SafeFormatter<F>(pub F);

impl<F: Formatter> Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !is_unsafe(c) {
                continue;
            }
            if start < i {
                self.0.write_string_fragment(w, &fragment[start..i])?;
            }
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            start = i + c.len_utf8();
        }
        if start < fragment.len() {
            self.0.write_string_fragment(w, &fragment[start..])?;
        }
        Ok(())
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Pretty JSON and a newline, every unsafe character escaped ([`SafeFormatter`]).
pub fn print_json(out: &mut impl Write, v: &Value) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SafeFormatter(PrettyFormatter::new()));
    v.serialize(&mut ser)?;
    writeln!(out)
}

/// One line of NDJSON, every unsafe character escaped ([`SafeFormatter`]).
pub fn print_json_line(out: &mut impl Write, v: &Value) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SafeFormatter(CompactFormatter));
    v.serialize(&mut ser)?;
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

fn check_line(state: CheckState) -> String {
    match state {
        CheckState::Pass => "✓ pass".to_owned(),
        CheckState::Gap(r) => format!("✗ {:<7} {r}: {}", state.word(), r.describe()),
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

/// `yes` or `no`, for the text and Markdown forms.
pub(super) const fn yes(b: bool) -> &'static str {
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
    if let Some(rec) = d.reconciliation() {
        let who = rec
            .by
            .as_deref()
            .map_or_else(|| "an operator (audit row not in view)".to_owned(), |b| clean(b).into_owned());
        let when = rec.at.map_or_else(|| "-".to_owned(), |t| format!("{} ({} ago)", time(t), age(now, t)));
        writeln!(out, "  reconciled   by {who} at {when}")?;
        writeln!(
            out,
            "               wrote {} ({})",
            clean(rec.decision.as_deref().unwrap_or("-")),
            clean(rec.reason_code.as_deref().unwrap_or("-"))
        )?;
        if let Some(note) = &rec.note {
            writeln!(out, "               note  {}", clean_max(note, 200))?;
        }
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
    if d.restore.as_ref().is_some_and(|r| !r.wrote_to_tenant()) {
        writeln!(
            out,
            "  preview only: nothing was written to the tenant; these outcomes say what would have happened"
        )?;
    }
    // Columns as wide as their content (in terminal cells, capped), under a header.
    let rows: Vec<[String; 5]> = d
        .items
        .iter()
        .map(|i| {
            [
                i.id.to_string(),
                format!("{} {}", crate::present::item_symbol(&i.outcome), clean_max(&i.outcome, 16)),
                clean_max(&i.policy_type, 28).into_owned(),
                clean_max(&i.policy_name, 48).into_owned(),
                i.error_code.as_deref().map_or(String::new(), |c| clean_max(c, 40).into_owned()),
            ]
        })
        .collect();
    let header = ["ID", "OUTCOME", "TYPE", "NAME", "ERROR"];
    let mut widths = header.map(unicode_width::UnicodeWidthStr::width);
    for r in &rows {
        for (w, text) in widths.iter_mut().zip(r) {
            *w = (*w).max(unicode_width::UnicodeWidthStr::width(text.as_str()));
        }
    }
    let line = |cells: [&str; 5]| -> String {
        let parts: Vec<String> =
            cells.iter().zip(widths).enumerate().map(|(k, (c, w))| super::table::cell(c, w, k == 0)).collect();
        format!("  {}", parts.join("  ")).trim_end().to_owned()
    };
    if !rows.is_empty() {
        writeln!(out, "{}", line(header))?;
    }
    for (i, r) in d.items.iter().zip(&rows) {
        writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3], &r[4]].map(String::as_str)))?;
        if let Some(m) = &i.error_message {
            writeln!(out, "{:indent$}{}", "", clean_max(m, 200), indent = widths[0] + 4)?;
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
    if !r.runs.is_empty() {
        let result = if r.dry_run { "WOULD" } else { "RESULT" };
        writeln!(out, "  {:>8}  {result:<15}  {:<20}  REASON", "RUN", "DECISION")?;
    }
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
    let runs = r.runs.len();
    writeln!(
        out,
        "{}{runs} stale {}: {} written, {} would write, {} not reconciled, {} {}, {} {}",
        if r.dry_run { "dry run, nothing written: " } else { "" },
        if runs == 1 { "run" } else { "runs" },
        r.written,
        r.would_write,
        r.not_reconciled,
        r.conflicts,
        if r.conflicts == 1 { "conflict" } else { "conflicts" },
        r.errors,
        if r.errors == 1 { "error" } else { "errors" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_a_terminal_would_act_on_and_parses_back() {
        type Printer = fn(&mut Vec<u8>, &Value) -> io::Result<()>;
        let hostile = "a\u{85}b\u{202E}c\u{200B}d\u{E0041}e\u{7f}f\u{2028}g\u{AD}h\u{E000}i ü ✓ 😀 \u{1b}[2J";
        let v = json!({"policy_name": hostile, "list": [hostile]});
        let printers: [Printer; 2] = [|o, v| print_json(o, v), |o, v| print_json_line(o, v)];
        for print in printers {
            let mut out = Vec::new();
            print(&mut out, &v).expect("write");
            let text = String::from_utf8(out).expect("utf-8");
            for c in
                ['\u{85}', '\u{202E}', '\u{200B}', '\u{E0041}', '\u{7f}', '\u{2028}', '\u{AD}', '\u{E000}', '\u{1b}']
            {
                assert!(!text.contains(c), "U+{:04X} raw in {text}", c as u32);
            }
            assert!(text.contains("\\u0085") && text.contains("\\udb40\\udc41"), "{text}");
            assert!(text.contains("ü ✓ 😀"), "ordinary text stays readable: {text}");
            let back: Value = serde_json::from_str(&text).expect("still JSON");
            assert_eq!(back, v);
        }
    }
}
