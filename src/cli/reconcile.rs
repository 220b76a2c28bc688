//! `proofdesk reconcile`: one run (asked for by id, confirmed on the terminal unless `--yes`),
//! a dry run, or every stale run in a batch. The write itself is the service's transition.

use std::io::{BufRead, IsTerminal, Write};

use super::{note, output, Failure, ReconcileArgs, TextFormat, EXIT_NOT_RECONCILED};
use crate::service::{self, Service, ServiceError};

/// Asks on the terminal for the run id; false when the operator typed anything else.
fn confirm(prompt: &str, expected: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage("refusing to reconcile without confirmation: no terminal (pass --yes)"));
    }
    let mut err = std::io::stderr().lock();
    write!(err, "{prompt}").and_then(|()| err.flush()).map_err(|e| Failure::prompt(&e))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure::prompt(&e))?;
    Ok(line.trim() == expected)
}

pub(super) async fn one(service: &Service, id: i64, args: &ReconcileArgs) -> Result<u8, Failure> {
    let view = service.assess(id).await?;
    match service.may_reconcile(&view) {
        // A dry run writes nothing, so a read-only session may ask what would be written.
        Err(crate::domain::Denied::ReadOnlySession) if args.dry_run => {}
        Err(denied) => return Err(ServiceError::Forbidden(denied).into()),
        Ok(()) => {}
    }
    if args.dry_run {
        return dry_run(service, &view, args.format);
    }
    let mut expected = args.expect;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage("refusing to reconcile without confirmation: no terminal (pass --yes)"));
        }
        let verdict = view.verdict_ok().cloned();
        let outcome = verdict.as_ref().and_then(|v| crate::domain::Outcome::from_decision(v.decision));
        // A verdict that writes nothing needs no confirmation: the service says why below.
        if let Some(outcome) = outcome {
            let mut err = std::io::stderr().lock();
            output::assessment_text(&mut err, &view).map_err(|e| Failure::prompt(&e))?;
            let what = format!(
                "\nWill write to {}: run {id} status completed · outcome {} {outcome}\n  \
                 + context.reconciliation, summary counts, one audit entry, one notification\n  \
                 as {}{}\n",
                crate::sanitize::clean(service.database_label()),
                crate::present::symbol(outcome.as_str()),
                crate::sanitize::clean(&service.operator().handle),
                args.note.as_deref().map_or(String::new(), |n| format!(" · note: {}", crate::sanitize::clean(n))),
            );
            err.write_all(what.as_bytes()).map_err(|e| Failure::prompt(&e))?;
            drop(err);
            if !confirm(&format!("Type the run id ({id}) to reconcile, anything else cancels: "), &id.to_string())? {
                note("cancelled; nothing written");
                return Ok(1);
            }
            // Bound to the verdict the operator just saw.
            if expected.is_none() {
                expected = verdict.map(|v| v.decision);
            }
        }
    }
    let out = service.reconcile(id, expected, args.note.as_deref()).await?;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        TextFormat::Json => output::print_json(&mut stdout, &output::reconcile_json(&view, &out))?,
        TextFormat::Text => output::reconcile_text(&mut stdout, &out)?,
    }
    Ok(if out.written { 0 } else { EXIT_NOT_RECONCILED })
}

/// `reconcile ID --dry-run`: the verdict the transition would write, and nothing written. The
/// exit code is the one the real call would give (0 would write, 6 `not_reconciled`).
fn dry_run(service: &Service, view: &service::RunView, format: TextFormat) -> Result<u8, Failure> {
    let would_write = view.verdict_ok().is_some_and(crate::domain::Verdict::is_final);
    let mut out = std::io::stdout().lock();
    match format {
        TextFormat::Json => {
            let mut v = output::assessment_json(view);
            if let serde_json::Value::Object(obj) = &mut v {
                obj.insert("dry_run".into(), true.into());
                obj.insert("written".into(), false.into());
                obj.insert("would_write".into(), would_write.into());
            }
            output::print_json(&mut out, &v)?;
        }
        TextFormat::Text => {
            output::assessment_text(&mut out, view)?;
            let what = if would_write { "would be written" } else { "would not be reconciled" };
            writeln!(out, "dry run: this verdict {what}; nothing written ({})", service.database_label())?;
        }
    }
    Ok(if would_write { 0 } else { EXIT_NOT_RECONCILED })
}

pub(super) async fn stale(service: &Service, args: &ReconcileArgs) -> Result<u8, Failure> {
    if service.read_only() && !args.dry_run {
        return Err(ServiceError::Forbidden(crate::domain::Denied::ReadOnlySession).into());
    }
    if !args.yes && !args.dry_run {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage("refusing to reconcile without confirmation: no terminal (pass --yes)"));
        }
        let preview = service.reconcile_stale(true).await?;
        note(&format!(
            "{} stale {} would be written ({} not reconcilable).",
            preview.would_write,
            if preview.would_write == 1 { "run" } else { "runs" },
            preview.not_reconciled
        ));
        if preview.would_write == 0 {
            note("nothing to do");
        } else if !confirm("Type yes to reconcile them: ", "yes")? {
            note("cancelled; nothing written");
            return Ok(1);
        }
    }
    let report = service.reconcile_stale(args.dry_run).await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        TextFormat::Json => output::print_json(&mut out, &serde_json::to_value(&report).unwrap_or_default())?,
        TextFormat::Text => output::batch_text(&mut out, &report)?,
    }
    Ok(0)
}
