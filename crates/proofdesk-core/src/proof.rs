//! The ordered proof rules of the contract: `assess(bundle, now, stale_after) -> Verdict`.
//!
//! Rules are checked in the contract's order and the first that matches decides. The same
//! walk, with rule 8 (staleness) skipped and rule 2 (already terminal) ignored, gives the
//! `proof_decision`: what the proof supports today, which is how drift on old successes is
//! found. Nothing here reads a clock or a database.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::model::{ItemCounts, ProofBundle, RestoreRun};
use super::vocab::{Decision, EvidenceStatus, OpStatus, Outcome, ReasonCode, RestoreStatus, RESTORE_EXECUTE};

/// Audit continuity of the restore run, as written into `context.reconciliation.proof.audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditProof {
    Continuous,
    MissingStart,
    MissingCompletion,
    Missing,
}

impl AuditProof {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Continuous => "continuous",
            Self::MissingStart => "missing_start",
            Self::MissingCompletion => "missing_completion",
            Self::Missing => "missing",
        }
    }
}

/// The latest evidence's status, or `missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceProof {
    Complete,
    Incomplete,
    Failed,
    Missing,
}

impl EvidenceProof {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Incomplete => "incomplete",
            Self::Failed => "failed",
            Self::Missing => "missing",
        }
    }
}

/// The flat `summary_counts` a reconciliation writes. Only these keys, never nested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SummaryCounts {
    pub total: u64,
    pub applied: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub skipped: u64,
    pub manual_required: u64,
    pub succeeded: u64,
    pub evidence_verified: u64,
    pub evidence_expected: u64,
}

/// Facts about an in-scope restore that a reconciliation records in `context.reconciliation.proof`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofFacts {
    pub restore_run_id: i64,
    pub restore_status: RestoreStatus,
    pub evidence_status: EvidenceProof,
    pub audit: AuditProof,
}

/// One line of the proof-bundle checklist shown on screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub state: CheckState,
}

/// Where one piece of proof stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum CheckState {
    Pass,
    Gap(ReasonCode),
    /// Not a gap yet: the restore is still in progress and the operation is not stale.
    Waiting(ReasonCode),
    /// Not examined: an earlier piece (scope, type) already decided.
    NotReached,
}

impl CheckState {
    /// The one word every surface prints for this state: `gap` only for missing or unusable
    /// proof (what `--gap` matches); a restore a blocker stopped is `blocked`; a piece that was
    /// examined and is bad (items that failed, a restore that never executed) is `fail`. So
    /// "gap" means one thing everywhere.
    #[must_use]
    pub const fn word(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Gap(r) if r.is_proof_gap() => "gap",
            Self::Gap(r) if r.is_blocker() => "blocked",
            Self::Gap(_) => "fail",
            Self::Waiting(_) => "waiting",
            Self::NotReached => "not examined",
        }
    }
}

/// The result of `assess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub reason_code: ReasonCode,
    pub findings: Vec<ReasonCode>,
    /// Rules 3-19 with rule 8 skipped; `None` when rule 1 or one of rules 3-7 decides.
    pub proof_decision: Option<Decision>,
    /// A completed `restore.execute` run recorded `succeeded` that its proof no longer supports.
    pub drift: bool,
    /// Not completed and `updated_at` at or before `now - stale_after`.
    pub stale: bool,
    /// Zero unless the restore is in the operation's scope.
    pub counts: SummaryCounts,
    /// `None` unless the restore is in the operation's scope.
    pub proof: Option<ProofFacts>,
    pub checklist: [Check; 5],
}

impl Verdict {
    /// False exactly for `not_reconciled`.
    #[must_use]
    pub const fn is_final(&self) -> bool {
        self.decision.is_final()
    }

    /// True when the findings (or, for a completed run, its proof reading) name a missing or
    /// unusable piece of proof, or the run drifts.
    #[must_use]
    pub fn has_gap(&self) -> bool {
        self.drift
            || self.findings.iter().any(|f| f.is_proof_gap())
            || self.checklist.iter().any(|c| matches!(c.state, CheckState::Gap(r) if r.is_proof_gap()))
    }
}

/// What the rules after scope found, before deciding.
struct Reading<'a> {
    restore: &'a RestoreRun,
    /// False for a `draft` or `previewed` restore and for a dry run: it wrote nothing to the
    /// tenant, so its items describe what *would* happen and never count as applied.
    executed: bool,
    items: ItemCounts,
    evidence_gap: Option<ReasonCode>,
    evidence_proof: EvidenceProof,
    audit: AuditProof,
}

/// The first of rules 3-7 that matches, if any.
fn scope_gap(bundle: &ProofBundle) -> Result<&RestoreRun, ReasonCode> {
    let op = &bundle.operation;
    let restore = match (op.restore_run_id(), &bundle.restore) {
        (Some(id), Some(r)) if r.id == id => r,
        _ => return Err(ReasonCode::RestoreRunMissing),
    };
    if restore.workspace_id != op.workspace_id {
        Err(ReasonCode::RestoreRunWrongWorkspace)
    } else if restore.environment_id != op.environment_id {
        Err(ReasonCode::RestoreRunWrongEnvironment)
    } else if restore.operation_run_id != Some(op.id) {
        Err(ReasonCode::RestoreRunLinkMismatch)
    } else if restore.deleted_at.is_some() {
        Err(ReasonCode::RestoreRunSoftDeleted)
    } else {
        Ok(restore)
    }
}

fn read<'a>(bundle: &'a ProofBundle, restore: &'a RestoreRun) -> Reading<'a> {
    let items = bundle.items;
    let (evidence_gap, evidence_proof) = match &bundle.latest_evidence {
        None => (Some(ReasonCode::PostRunEvidenceMissing), EvidenceProof::Missing),
        Some(ev) => {
            let proof = match ev.status {
                EvidenceStatus::Complete => EvidenceProof::Complete,
                EvidenceStatus::Incomplete => EvidenceProof::Incomplete,
                EvidenceStatus::Failed => EvidenceProof::Failed,
            };
            let succeeded = i64::try_from(items.succeeded()).unwrap_or(i64::MAX);
            let before_completion = restore.completed_at.is_some_and(|done| ev.captured_at < done);
            let bad = ev.status != EvidenceStatus::Complete
                || ev.verified_items < ev.expected_items
                || ev.verified_items < succeeded
                || before_completion;
            (bad.then_some(ReasonCode::PostRunEvidenceIncomplete), proof)
        }
    };
    let op = &bundle.operation;
    let has = |action: &str| {
        bundle
            .audit
            .iter()
            .any(|a| a.action == action && a.workspace_id == op.workspace_id && a.environment_id == op.environment_id)
    };
    let audit = match (has("restore.execute.started"), has("restore.execute.completed")) {
        (true, true) => AuditProof::Continuous,
        (false, true) => AuditProof::MissingStart,
        (true, false) => AuditProof::MissingCompletion,
        (false, false) => AuditProof::Missing,
    };
    Reading { restore, executed: restore.wrote_to_tenant(), items, evidence_gap, evidence_proof, audit }
}

/// Rules 9-19 on an in-scope restore: (decision, primary, executed at least in part).
fn decide(r: &Reading<'_>) -> (Decision, ReasonCode, bool) {
    let items = r.items;
    // A dry run's items never count (rule 9 reads a blocked dry run as `blocked`); rule 10
    // decides every other record that did not execute before its items are read.
    let any_success = r.executed && items.succeeded() > 0;
    let any_applied = r.executed && items.applied > 0;
    let partial_or = |otherwise| if any_success { Decision::PartiallySucceeded } else { otherwise };
    match r.restore.status {
        // Rule 9. Anything applied has written to the tenant: never `blocked`.
        RestoreStatus::Blocked if any_applied => (Decision::PartiallySucceeded, ReasonCode::MixedItemOutcomes, true),
        RestoreStatus::Blocked => {
            let reason = r.restore.blocker.map_or(ReasonCode::BlockedUnspecified, super::vocab::Blocker::reason);
            (Decision::Blocked, reason, false)
        }
        // Rule 10, absolute: nothing was written to the tenant, whatever the items say.
        RestoreStatus::Draft | RestoreStatus::Previewed => (Decision::Failed, ReasonCode::ExecutionNotStarted, false),
        _ if r.restore.is_dry_run => (Decision::Failed, ReasonCode::ExecutionNotStarted, false),
        // Rule 11.
        RestoreStatus::Queued | RestoreStatus::Running => {
            (partial_or(Decision::Failed), ReasonCode::ExecutionInterrupted, true)
        }
        // Rule 12.
        RestoreStatus::Failed if any_success => (Decision::PartiallySucceeded, ReasonCode::MixedItemOutcomes, true),
        RestoreStatus::Failed => (Decision::Failed, ReasonCode::RestoreFailed, true),
        // Rules 13-19.
        RestoreStatus::Completed => {
            let primary = if items.total() == 0 {
                Some((Decision::PartiallySucceeded, ReasonCode::ItemOutcomesMissing))
            } else if !any_success {
                Some((Decision::Failed, ReasonCode::NoItemSucceeded))
            } else if items.succeeded() < items.total() {
                Some((Decision::PartiallySucceeded, ReasonCode::MixedItemOutcomes))
            } else if let Some(gap) = r.evidence_gap {
                Some((Decision::PartiallySucceeded, gap))
            } else if r.audit != AuditProof::Continuous {
                Some((Decision::PartiallySucceeded, ReasonCode::AuditContinuityMissing))
            } else {
                None
            };
            primary.map_or((Decision::Succeeded, ReasonCode::ProofComplete, true), |(d, c)| (d, c, true))
        }
    }
}

/// The primary first; then, when the restore executed at least in part, every evidence and
/// audit gap that is not the primary, in rule order (16, 17, 18). Evidence gaps count only
/// when some item succeeded: otherwise there is nothing to verify.
fn findings(r: &Reading<'_>, primary: ReasonCode, executed: bool) -> Vec<ReasonCode> {
    let mut out = vec![primary];
    if executed && primary != ReasonCode::ProofComplete {
        if r.items.succeeded() > 0 {
            if let Some(gap) = r.evidence_gap {
                if gap != primary {
                    out.push(gap);
                }
            }
        }
        if r.audit != AuditProof::Continuous && primary != ReasonCode::AuditContinuityMissing {
            out.push(ReasonCode::AuditContinuityMissing);
        }
    }
    out
}

fn counts(r: &Reading<'_>, bundle: &ProofBundle) -> SummaryCounts {
    let i = r.items;
    // Items of a record that never executed describe a preview: none of them was applied.
    let (applied, unchanged) = if r.executed { (i.applied, i.unchanged) } else { (0, 0) };
    let (verified, expected) = bundle.latest_evidence.as_ref().map_or((0, 0), |e| {
        (u64::try_from(e.verified_items).unwrap_or(0), u64::try_from(e.expected_items).unwrap_or(0))
    });
    SummaryCounts {
        total: i.total(),
        applied,
        unchanged,
        failed: i.failed,
        skipped: i.skipped,
        manual_required: i.manual_required,
        succeeded: applied + unchanged,
        evidence_verified: verified,
        evidence_expected: expected,
    }
}

fn checklist(r: Option<&Reading<'_>>, scope: Option<CheckState>, stale: bool) -> [Check; 5] {
    let check = |name, state| Check { name, state };
    let Some(r) = r else {
        let scope = scope.unwrap_or(CheckState::NotReached);
        return [
            check("scope", scope),
            check("execution", CheckState::NotReached),
            check("items", CheckState::NotReached),
            check("evidence", CheckState::NotReached),
            check("audit", CheckState::NotReached),
        ];
    };
    let items = r.items;
    if !r.executed {
        // Nothing ran, so there is nothing to check items, evidence or audit against.
        let execution = match (r.restore.status, r.restore.blocker) {
            (RestoreStatus::Blocked, b) => b.map_or(ReasonCode::BlockedUnspecified, super::vocab::Blocker::reason),
            _ => ReasonCode::ExecutionNotStarted,
        };
        return [
            check("scope", CheckState::Pass),
            check("execution", CheckState::Gap(execution)),
            check("items", CheckState::NotReached),
            check("evidence", CheckState::NotReached),
            check("audit", CheckState::NotReached),
        ];
    }
    let execution = match r.restore.status {
        RestoreStatus::Blocked => {
            CheckState::Gap(r.restore.blocker.map_or(ReasonCode::BlockedUnspecified, super::vocab::Blocker::reason))
        }
        RestoreStatus::Draft | RestoreStatus::Previewed => CheckState::Gap(ReasonCode::ExecutionNotStarted),
        RestoreStatus::Queued | RestoreStatus::Running if !stale => {
            CheckState::Waiting(ReasonCode::OperationRunNotStale)
        }
        RestoreStatus::Queued | RestoreStatus::Running => CheckState::Gap(ReasonCode::ExecutionInterrupted),
        RestoreStatus::Failed => CheckState::Gap(ReasonCode::RestoreFailed),
        RestoreStatus::Completed => CheckState::Pass,
    };
    let items_state = if items.total() == 0 {
        CheckState::Gap(ReasonCode::ItemOutcomesMissing)
    } else if items.succeeded() == 0 {
        CheckState::Gap(ReasonCode::NoItemSucceeded)
    } else if items.succeeded() < items.total() {
        CheckState::Gap(ReasonCode::MixedItemOutcomes)
    } else {
        CheckState::Pass
    };
    let evidence = r.evidence_gap.map_or(CheckState::Pass, CheckState::Gap);
    let audit = if r.audit == AuditProof::Continuous {
        CheckState::Pass
    } else {
        CheckState::Gap(ReasonCode::AuditContinuityMissing)
    };
    [
        check("scope", CheckState::Pass),
        check("execution", execution),
        check("items", items_state),
        check("evidence", evidence),
        check("audit", audit),
    ]
}

/// Applies the ordered proof rules to one operation run as of `now`.
#[must_use]
pub fn assess(bundle: &ProofBundle, now: DateTime<Utc>, stale_after: Duration) -> Verdict {
    let op = &bundle.operation;
    let completed = op.status == OpStatus::Completed;
    // A window reaching past the calendar's start means nothing is stale yet.
    let stale = !completed && now.checked_sub_signed(stale_after).is_some_and(|t| op.updated_at <= t);
    let verdict = |decision, reason_code, findings, proof_decision, r: Option<&Reading<'_>>, scope| {
        let drift = completed
            && op.op_type == RESTORE_EXECUTE
            && op.outcome == Outcome::Succeeded
            && proof_decision != Some(Decision::Succeeded);
        Verdict {
            decision,
            reason_code,
            findings,
            proof_decision,
            drift,
            stale,
            counts: r.map(|r| counts(r, bundle)).unwrap_or_default(),
            proof: r.map(|r| ProofFacts {
                restore_run_id: r.restore.id,
                restore_status: r.restore.status,
                evidence_status: r.evidence_proof,
                audit: r.audit,
            }),
            checklist: checklist(r, scope, stale),
        }
    };

    // Rule 1.
    if op.op_type != RESTORE_EXECUTE {
        let code = ReasonCode::OperationTypeUnsupported;
        return verdict(Decision::NotReconciled, code, vec![code], None, None, None);
    }
    // Rules 3-7 (read now, reported after rule 2).
    let restore = match scope_gap(bundle) {
        Ok(restore) => restore,
        Err(gap) => {
            let (code, scope) = if completed {
                (ReasonCode::OperationRunAlreadyTerminal, Some(CheckState::Gap(gap)))
            } else {
                (gap, Some(CheckState::Gap(gap)))
            };
            return verdict(Decision::NotReconciled, code, vec![code], None, None, scope);
        }
    };
    let reading = read(bundle, restore);
    let (proof_decision, primary, executed) = decide(&reading);
    // Rule 2.
    if completed {
        let code = ReasonCode::OperationRunAlreadyTerminal;
        return verdict(Decision::NotReconciled, code, vec![code], Some(proof_decision), Some(&reading), None);
    }
    // Rule 8.
    let in_progress = matches!(
        restore.status,
        RestoreStatus::Draft | RestoreStatus::Previewed | RestoreStatus::Queued | RestoreStatus::Running
    );
    if in_progress && !stale {
        let code = ReasonCode::OperationRunNotStale;
        return verdict(Decision::NotReconciled, code, vec![code], Some(proof_decision), Some(&reading), None);
    }
    let found = findings(&reading, primary, executed);
    verdict(proof_decision, primary, found, Some(proof_decision), Some(&reading), None)
}
