//! THE transition: the only code that writes an operation run's `status`, `outcome`,
//! `started_at`, `completed_at`, `context.reconciliation` and `summary_counts`. The write
//! itself is each engine's statement (`store::Tx::complete_run`), which asks for a
//! [`Transition`] that only this module can make; `tests/architecture.rs` fails if any file
//! outside this module and the engines' `complete_run` writes those columns.
//!
//! `reconcile` follows the contract's six steps in one transaction: load and re-authorize,
//! re-assess against the verdict the operator confirmed, compare-and-swap the status, write
//! counts/context/timestamps plus one audit row and one notification, commit. A crash before
//! the commit leaves the run exactly as it was. `reconcile_stale` runs it once per stale run,
//! each in its own transaction, and reports every result.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{RunFilter, Service, ServiceError};
use crate::domain::{
    assess, DataError, Decision, Denied, Outcome, ProofBundle, ReconciledAudit, ReconciliationContext, Verdict,
};
use crate::store::queries::{self, Cursor};
use crate::store::{RunCompletion, Tx};

/// The key to the write that completes a run ([`crate::store::Tx::complete_run`]). Its field
/// is private to this module, so this is the only code that can make one: the compiler holds
/// the one-writer rule (and `tests/architecture.rs` holds it a second time, in the source).
/// The key also carries the write's statement, so its text lives here, in the transition.
pub struct Transition(());

impl Transition {
    /// The compare-and-swap that completes a run, up to its last condition: `updated_at` is
    /// still the instant read in step 1 (`$9`), which each engine spells its own way (SQLite
    /// compares instants of text timestamps). `$1`..`$8`: outcome, started, completed,
    /// updated, context, counts, id, the status read in step 1.
    #[must_use]
    pub fn update_statement(&self) -> &'static str {
        "UPDATE operation_runs SET status = 'completed', outcome = $1, started_at = $2, \
         completed_at = $3, updated_at = $4, context = $5, summary_counts = $6 \
         WHERE id = $7 AND status = $8 AND "
    }
}

/// What one reconciliation did.
#[derive(Debug, Clone)]
pub struct ReconcileOutcome {
    pub run_id: i64,
    /// The verdict assessed inside the transaction.
    pub verdict: Verdict,
    /// False for a `not_reconciled` verdict: nothing was written.
    pub written: bool,
    /// The operation's status and outcome after the call.
    pub status: String,
    pub outcome: String,
}

/// One run's line in a batch report.
#[derive(Debug, Clone, Serialize)]
pub struct BatchItem {
    pub operation_run_id: i64,
    pub result: BatchResult,
    pub decision: Option<Decision>,
    pub reason_code: Option<crate::domain::ReasonCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How one run of a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchResult {
    Written,
    /// `--dry-run`: what would be written.
    WouldWrite,
    NotReconciled,
    Conflict,
    ProofChanged,
    Error,
}

/// The report of `reconcile --stale`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchReport {
    pub dry_run: bool,
    pub written: usize,
    pub would_write: usize,
    pub not_reconciled: usize,
    pub conflicts: usize,
    pub errors: usize,
    pub runs: Vec<BatchItem>,
}

impl BatchReport {
    fn push(&mut self, item: BatchItem) {
        match item.result {
            BatchResult::Written => self.written += 1,
            BatchResult::WouldWrite => self.would_write += 1,
            BatchResult::NotReconciled => self.not_reconciled += 1,
            BatchResult::Conflict | BatchResult::ProofChanged => self.conflicts += 1,
            BatchResult::Error => self.errors += 1,
        }
        self.runs.push(item);
    }
}

/// The times a reconciliation writes, from `written` (the real clock at the write, never
/// `--now`): `started_at` is kept, or taken from the restore; `completed_at` is the restore's
/// when it is present, not before `started_at` and not after the write, else the write's time;
/// `updated_at` is the write's time. Neither `completed_at` before `started_at` nor `updated_at`
/// before what the row already says, even when another writer's clock ran ahead of ours.
fn timestamps(bundle: &ProofBundle, written: DateTime<Utc>) -> (Option<DateTime<Utc>>, DateTime<Utc>, DateTime<Utc>) {
    let restore = bundle.restore.as_ref();
    let started = bundle.operation.started_at.or_else(|| restore.and_then(|r| r.started_at));
    let updated = written.max(bundle.operation.updated_at);
    let completed = restore
        .and_then(|r| r.completed_at)
        .filter(|c| started.is_none_or(|s| *c >= s) && *c <= written)
        .unwrap_or(written);
    (started, started.map_or(completed, |s| completed.max(s)), updated)
}

impl Service {
    /// Reconciles one run through the contract's transition, bound to `expected` (the decision
    /// the operator confirmed) when given. `note` (ticket or reason) goes into the audit metadata.
    ///
    /// # Errors
    /// `NotFound` (missing or hidden), `Forbidden`, `ProofChanged`, `Conflict`, `Unreadable`,
    /// or a database error; in every error case nothing was written.
    pub async fn reconcile(
        &self,
        id: i64,
        expected: Option<Decision>,
        note: Option<&str>,
    ) -> Result<ReconcileOutcome, ServiceError> {
        self.refuse_future_now()?;
        let mut tx = self.store().begin().await?;
        let result = self.reconcile_in(&mut tx, id, expected, note).await;
        match result {
            Ok(out) if out.written => {
                tx.commit().await?;
                tracing::info!(run = id, operator = %self.operator().handle, outcome = %out.outcome, "reconciled");
                Ok(out)
            }
            other => {
                tx.rollback().await?;
                match &other {
                    Ok(out) => tracing::info!(run = id, reason = %out.verdict.reason_code, "not reconciled"),
                    Err(e) => tracing::warn!(run = id, error = %e, "reconcile refused"),
                }
                other
            }
        }
    }

    async fn reconcile_in(
        &self,
        tx: &mut Tx,
        id: i64,
        expected: Option<Decision>,
        note: Option<&str>,
    ) -> Result<ReconcileOutcome, ServiceError> {
        // 1. Load and re-authorize, inside the transaction.
        let row = queries::run_for_update(tx, id).await?.ok_or(ServiceError::NotFound(id))?;
        let grant = queries::grant(tx, self.operator().id, row.workspace_id, row.environment_id).await?;
        grant.may_reconcile(self.read_only()).map_err(|d| match d {
            Denied::NotVisible => ServiceError::NotFound(id),
            other => ServiceError::Forbidden(other),
        })?;
        let mut row = row;
        let mut bundles = queries::load_bundles(tx, std::slice::from_mut(&mut row)).await?;
        let bundle = match bundles.remove(&id) {
            Some(Ok(b)) => b,
            Some(Err(error)) => return Err(ServiceError::Unreadable { run: id, error }),
            None => return Err(ServiceError::NotFound(id)),
        };
        // 2. Re-assess (as of `--now` when given); the confirmed verdict must still hold.
        let verdict = assess(&bundle, self.now(), self.stale_after());
        if let Some(expected) = expected {
            if expected != verdict.decision {
                return Err(ServiceError::ProofChanged { expected, now: Box::new(verdict) });
            }
        }
        // 3. `not_reconciled` writes nothing.
        let Some(outcome) = Outcome::from_decision(verdict.decision) else {
            return Ok(ReconcileOutcome {
                run_id: id,
                verdict,
                written: false,
                status: row.status,
                outcome: row.outcome,
            });
        };
        // 4. Compare-and-swap from the status and updated_at read in step 1, and
        // 5. one audit row and one notification, in the same transaction.
        // Written times come from the real clock, never from `--now`.
        let now = self.clock().real_now();
        let (started_at, completed_at, updated_at) = timestamps(&bundle, now);
        let mut context: Map<String, Value> = bundle.operation.context.to_map();
        let reconciliation = ReconciliationContext::new(&verdict, now, self.operator().id);
        context.insert("reconciliation".to_owned(), serde_json::to_value(reconciliation).unwrap_or(Value::Null));
        let counts = serde_json::to_value(verdict.counts).unwrap_or_else(|_| json!({}));
        let metadata = ReconciledAudit::new(&verdict, note.filter(|n| !n.trim().is_empty()));
        let metadata = serde_json::to_value(metadata).unwrap_or_else(|_| json!({}));
        let write = RunCompletion {
            run_id: id,
            workspace_id: row.workspace_id,
            environment_id: row.environment_id,
            outcome: outcome.as_str().to_owned(),
            started_at,
            completed_at,
            updated_at,
            context: Value::Object(context),
            summary_counts: counts,
            expected_status: row.status.clone(),
            expected_updated_at: row.updated_at,
            actor_id: self.operator().id,
            audit_metadata: metadata,
            notify: row.initiator_id,
            written_at: now,
        };
        if !tx.complete_run(&Transition(()), &write).await? {
            return Err(ServiceError::Conflict(id));
        }
        Ok(ReconcileOutcome {
            run_id: id,
            verdict,
            written: true,
            status: "completed".to_owned(),
            outcome: outcome.as_str().to_owned(),
        })
    }

    /// A reconciliation may assess as of the past (`--now`), never as of the future: a run
    /// would be counted stale before its time.
    fn refuse_future_now(&self) -> Result<(), ServiceError> {
        if self.clock().is_ahead_of_real() {
            return Err(ServiceError::Usage(format!(
                "--now {} is later than the real clock; reconcile assesses as of now or the past",
                self.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        Ok(())
    }

    /// Every stale, non-terminal, visible `restore.execute` run the operator may reconcile,
    /// oldest update first, with the verdict the list read for it.
    async fn stale_candidates(&self) -> Result<Vec<(i64, Result<Verdict, DataError>)>, ServiceError> {
        let mut filter = RunFilter::restore_execute();
        filter.stale = true;
        let mut found = Vec::new();
        let mut after: Option<Cursor> = None;
        loop {
            let page = self.list(&filter, after, super::MAX_PAGE).await?;
            for run in page.rows {
                if self.may_reconcile(&run).is_ok() {
                    found.push((run.id, run.verdict));
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(found)
    }

    /// `reconcile --stale`: one transaction per run, each bound to the verdict the candidate
    /// list read for it (a proof that moved since reads `proof_changed` in the report).
    ///
    /// # Errors
    /// `Forbidden` for a read-only session; database errors while listing. Errors on single
    /// runs are reported in the batch, not returned.
    pub async fn reconcile_stale(&self, dry_run: bool) -> Result<BatchReport, ServiceError> {
        if self.read_only() && !dry_run {
            return Err(ServiceError::Forbidden(Denied::ReadOnlySession));
        }
        if !dry_run {
            self.refuse_future_now()?;
        }
        let candidates = self.stale_candidates().await?;
        let mut report = BatchReport { dry_run, ..BatchReport::default() };
        // Runs are independent and each has its own transaction, so where the engine allows
        // several writers they run at once (their commits share log flushes). Reported in order.
        let parallel = self.store().write_parallelism();
        let mut items = futures::stream::iter(candidates)
            .map(|(id, verdict)| self.batch_one(id, verdict, dry_run))
            .buffered(parallel);
        while let Some(item) = items.next().await {
            report.push(item);
        }
        Ok(report)
    }

    async fn batch_one(&self, id: i64, listed: Result<Verdict, DataError>, dry_run: bool) -> BatchItem {
        let line = |result, v: Option<&Verdict>, error: Option<String>| BatchItem {
            operation_run_id: id,
            result,
            decision: v.map(|v| v.decision),
            reason_code: v.map(|v| v.reason_code),
            error,
        };
        let verdict = match listed {
            Ok(v) => v,
            Err(error) => {
                return line(BatchResult::Error, None, Some(ServiceError::Unreadable { run: id, error }.to_string()))
            }
        };
        if !verdict.is_final() {
            return line(BatchResult::NotReconciled, Some(&verdict), None);
        }
        if dry_run {
            return line(BatchResult::WouldWrite, Some(&verdict), None);
        }
        match self.reconcile(id, Some(verdict.decision), None).await {
            Ok(out) if out.written => line(BatchResult::Written, Some(&out.verdict), None),
            Ok(out) => line(BatchResult::NotReconciled, Some(&out.verdict), None),
            Err(ServiceError::Conflict(_)) => line(BatchResult::Conflict, Some(&verdict), None),
            Err(ServiceError::ProofChanged { now, .. }) => line(BatchResult::ProofChanged, Some(&now), None),
            Err(e) => line(BatchResult::Error, Some(&verdict), Some(e.to_string())),
        }
    }
}
