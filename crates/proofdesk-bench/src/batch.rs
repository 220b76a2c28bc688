//! Batch reconciliation (`reconcile --stale`) throughput over freshly made stale runs, on a
//! database of its own (it writes), and what a console on that database sees meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use color_eyre::eyre::{eyre, Report, Result};
use proofdesk::demo as seed;
use proofdesk::domain::RESTORE_EXECUTE;
use proofdesk::service::{Clock, RunFilter, Service};
use proofdesk::store::{fixtures, Create, Store};
use serde_json::{json, Value};

use crate::databases::fresh_stale_store;
use crate::report::{Figure, Reference, Stat};
use crate::sampling::{err, ms, Sampling};
use crate::{BenchOptions, FIRST_PAGE};

/// Pause between two page loads of the console while the batch writes (a person paging or
/// typing a filter, not a loop hammering the database).
const CONSOLE_PAUSE: Duration = Duration::from_millis(20);

/// A fixture of `n` stale `restore.execute` runs the demo operator may reconcile, each with
/// its restore, items, evidence and audit trail; most prove `succeeded`, every fourth
/// `partially_succeeded` (one failed item), every tenth has no evidence yet.
fn stale_fixture(n: u64, now: DateTime<Utc>) -> Value {
    let t = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut ops = Vec::new();
    let mut restores = Vec::new();
    let mut items = Vec::new();
    let mut evidence = Vec::new();
    let mut audit = Vec::new();
    for k in 0..i64::try_from(n).unwrap_or(0) {
        let op = 5_000_000 + k;
        let rid = 6_000_000 + k;
        let env = [10, 11, 12][usize::try_from(k % 3).unwrap_or(0)];
        let created = now - chrono::Duration::hours(3) - chrono::Duration::seconds(k);
        let started = created + chrono::Duration::seconds(30);
        let done = started + chrono::Duration::minutes(10);
        ops.push(json!({
            "id": op, "workspace_id": 1, "environment_id": env, "type": RESTORE_EXECUTE,
            "status": "running", "outcome": "pending", "initiator_id": 100,
            "context": {"restore_run_id": rid, "source": "bench"},
            "created_at": t(created), "started_at": t(started), "updated_at": t(started + chrono::Duration::minutes(1)),
        }));
        restores.push(json!({
            "id": rid, "workspace_id": 1, "environment_id": env, "operation_run_id": op,
            "backup_set_ref": format!("bs-bench-{k}"), "status": "completed", "is_dry_run": false,
            "requested_by": 100, "started_at": t(started), "completed_at": t(done),
        }));
        let failed = k % 4 == 3;
        for j in 0..3 {
            let outcome = if failed && j == 2 { "failed" } else { "applied" };
            items.push(json!({
                "id": 70_000_000 + k * 3 + j, "restore_run_id": rid, "policy_type": "settingsCatalog",
                "policy_name": format!("Bench Policy {j}"), "outcome": outcome,
                "error_code": if outcome == "failed" { Value::from("graph_500") } else { Value::Null },
            }));
        }
        if k % 10 != 9 {
            let ok = if failed { 2 } else { 3 };
            evidence.push(json!({
                "id": 8_000_000 + k, "restore_run_id": rid, "kind": "post_restore_snapshot", "status": "complete",
                "verified_items": ok, "expected_items": ok, "captured_at": t(done + chrono::Duration::minutes(5)),
            }));
        }
        for (j, (action, at)) in
            [("restore.execute.started", started), ("restore.execute.completed", done)].iter().enumerate()
        {
            audit.push(json!({
                "id": 90_000_000 + k * 2 + i64::try_from(j).unwrap_or(0), "workspace_id": 1, "environment_id": env,
                "actor_id": 100, "action": action, "subject_type": "restore_run", "subject_id": rid,
                "metadata": {"item_count": 3}, "created_at": t(*at),
            }));
        }
    }
    json!({
        "operation_runs": ops, "restore_runs": restores, "restore_items": items,
        "evidence": evidence, "audit_log": audit,
    })
}

/// Batch reconciliation throughput, and what a console on the same database sees meanwhile:
/// a second service with its own pool (as a console in another process has) loads the
/// default first page over and over while the batch writes; the reference is the same load
/// with nothing writing, just before.
pub async fn figures(opts: &BenchOptions, main_url: &str) -> Result<Vec<Figure>> {
    let (store, url) = fresh_stale_store(main_url, opts.stale_db.as_deref(), opts.stale_runs).await?;
    let label = store.label().to_owned();
    let now = Clock::system().now();
    seed::seed_demo(&store, now, 0).await.map_err(|e| eyre!("stale database: {e}"))?;
    fixtures::load_value(&store, &stale_fixture(opts.stale_runs, now)).await.map_err(|e| eyre!("stale runs: {e}"))?;
    let writer = proofdesk::service::OpenOptions { read_only: false, ..opts.session(None) };
    let service = Service::with_store(store.clone(), writer).await.map_err(err("stale database"))?;
    let console_store = Store::open(&url, Create::Never).await?;
    let console =
        Service::with_store(console_store, opts.session(None)).await.map_err(err("console on the stale database"))?;
    let filter = RunFilter::restore_execute();

    let mut quiet = Vec::new();
    let mut s = Sampling::new(opts.samples);
    while let Some(timed) = s.next() {
        let t = Instant::now();
        console.list(&filter, None, FIRST_PAGE).await.map_err(err("console page"))?;
        if timed {
            quiet.push(ms(t.elapsed()));
        }
        tokio::time::sleep(CONSOLE_PAUSE).await;
    }

    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (console, filter, done) = (console.clone(), filter.clone(), done.clone());
        tokio::spawn(async move {
            let mut busy = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                console.list(&filter, None, FIRST_PAGE).await.map_err(err("console page during the batch"))?;
                busy.push(ms(t.elapsed()));
                tokio::time::sleep(CONSOLE_PAUSE).await;
            }
            Ok::<_, Report>(busy)
        })
    };
    let started = Instant::now();
    let report = service.reconcile_stale(false).await.map_err(err("reconcile --stale"));
    let secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let busy = watcher.await.map_err(|e| eyre!("console during the batch: {e}"))??;
    let report = report?;
    service.close().await;
    console.close().await;

    let processed = report.runs.len();
    #[expect(clippy::cast_precision_loss, reason = "a count of runs: far below 2^52")]
    let rate = if secs > 0.0 { processed as f64 / secs } else { 0.0 };
    let busy_stat = Stat::of(&busy);
    let quiet_stat = Stat::of(&quiet);
    Ok(vec![
        Figure {
            key: "batch.reconcile_stale".to_owned(),
            name: format!("reconcile --stale over {} stale runs", opts.stale_runs),
            unit: "runs/s",
            value: Stat::single(rate),
            reference: None,
            goal: ">= 500 runs/s".to_owned(),
            pass: Some(rate >= 500.0),
            note: format!(
                "{processed} runs in {secs:.1} s: {} written, {} not reconciled, {} conflicts, {} errors; on {label} \
                 (the demo scenarios plus the stale runs, rebuilt every run), with a console loading pages beside it",
                report.written, report.not_reconciled, report.conflicts, report.errors
            ),
        },
        Figure {
            key: "batch.console".to_owned(),
            name: "console first page while the batch writes".to_owned(),
            unit: "ms",
            value: busy_stat,
            reference: Some(Reference::new("same, nothing writing", quiet_stat)),
            goal: "p95 <= 50 ms (the filter-change goal)".to_owned(),
            pass: Some(busy_stat.n > 0 && busy_stat.p95 <= 50.0),
            note: format!(
                "{} page loads of the default view during the batch, {} ms apart, by a read-only service with its \
                 own pool on the same database",
                busy_stat.n,
                CONSOLE_PAUSE.as_millis()
            ),
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stale_fixture_has_every_record_of_a_run() {
        let doc = stale_fixture(20, Clock::system().now());
        let len = |k: &str| doc[k].as_array().map_or(0, Vec::len);
        assert_eq!((len("operation_runs"), len("restore_runs"), len("restore_items")), (20, 20, 60));
        assert_eq!((len("evidence"), len("audit_log")), (18, 40));
    }
}
