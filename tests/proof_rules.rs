//! The ordered proof rules of the contract (`shared/spec/domain.md`, "Assessment: the proof
//! bundle") and the `proof_decision`/`drift` reading (`shared/spec/interfaces.md`, "JSON"),
//! checked against `proofdesk::domain::assess`:
//!
//! 1. a table with one named case per rule (and per variant of a rule);
//! 2. the order and content of `findings`;
//! 3. `proof_decision` and `drift`;
//! 4. the staleness boundary;
//! 5. no leak of an out-of-scope restore (rules 3-7);
//! 6. properties over arbitrary bundles, plus a model of the contract the verdict must match.
//!
//! Every case starts from the complete proof of `shared/cases/19-proof-complete.json` and
//! changes one thing.

use chrono::{DateTime, Duration, Utc};
use proofdesk::domain::{
    assess, AuditFact, AuditProof, Blocker, Decision, Evidence, EvidenceProof, EvidenceStatus, ItemCounts, OpStatus,
    OperationRun, Outcome, ProofBundle, ReasonCode, RestoreRun, RestoreStatus, SummaryCounts, Verdict, RESTORE_EXECUTE,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

use Decision as D;
use ReasonCode as R;

const OP_ID: i64 = 1000;
const RESTORE_ID: i64 = 500;
const WS: i64 = 1;
const ENV: i64 = 10;
const OTHER_WS: i64 = 2;
const OTHER_ENV: i64 = 11;
const STARTED: &str = "restore.execute.started";
const COMPLETED: &str = "restore.execute.completed";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// The `now` of every shared case.
fn now() -> DateTime<Utc> {
    at("2026-11-20T12:00:00Z")
}

/// The default `stale_after`.
fn stale_after() -> Duration {
    Duration::minutes(30)
}

// ---------------------------------------------------------------------------------------------
// Builder
// ---------------------------------------------------------------------------------------------

/// A proof bundle under construction: `Case::complete()` then one change per case.
#[derive(Debug, Clone)]
struct Case(ProofBundle);

impl Case {
    /// `19-proof-complete.json`: a stale running operation whose restore completed with every
    /// item applied or unchanged, complete evidence after completion, and both audit entries.
    fn complete() -> Self {
        let mut context = Map::new();
        context.insert("restore_run_id".into(), json!(RESTORE_ID));
        context.insert("source".into(), json!("restore wizard"));
        let operation = OperationRun {
            id: OP_ID,
            workspace_id: WS,
            environment_id: ENV,
            op_type: RESTORE_EXECUTE.to_owned(),
            status: OpStatus::Running,
            outcome: Outcome::Pending,
            initiator_id: Some(100),
            context: context.into(),
            summary_counts: Map::new().into(),
            created_at: at("2026-11-20T09:00:00Z"),
            started_at: Some(at("2026-11-20T09:01:00Z")),
            completed_at: None,
            updated_at: at("2026-11-20T10:00:00Z"),
        };
        let restore = RestoreRun {
            id: RESTORE_ID,
            workspace_id: WS,
            environment_id: ENV,
            operation_run_id: Some(OP_ID),
            backup_set_ref: "bs-2026-11-19".to_owned(),
            status: RestoreStatus::Completed,
            is_dry_run: false,
            blocker: None,
            requested_by: Some(100),
            started_at: Some(at("2026-11-20T09:01:00Z")),
            completed_at: Some(at("2026-11-20T09:30:00Z")),
            deleted_at: None,
        };
        let evidence = Evidence {
            id: 700,
            restore_run_id: RESTORE_ID,
            kind: "post_restore_snapshot".to_owned(),
            status: EvidenceStatus::Complete,
            verified_items: 3,
            expected_items: 3,
            captured_at: at("2026-11-20T09:40:00Z"),
        };
        Self(ProofBundle {
            operation,
            restore: Some(restore),
            items: ItemCounts { applied: 2, unchanged: 1, ..ItemCounts::default() },
            latest_evidence: Some(evidence),
            audit: vec![fact(STARTED, WS, ENV), fact(COMPLETED, WS, ENV)],
        })
    }

    fn op(mut self, f: impl FnOnce(&mut OperationRun)) -> Self {
        f(&mut self.0.operation);
        self
    }

    fn op_type(self, t: &str) -> Self {
        self.op(|o| t.clone_into(&mut o.op_type))
    }

    /// The operation is already completed with `outcome` (recorded before `now`).
    fn op_completed(self, outcome: Outcome) -> Self {
        self.op(|o| {
            o.status = OpStatus::Completed;
            o.outcome = outcome;
            o.completed_at = Some(at("2026-11-20T09:45:00Z"));
            o.updated_at = at("2026-11-20T09:45:00Z");
        })
    }

    /// Updated five minutes before `now`: not stale.
    fn fresh(self) -> Self {
        self.op(|o| o.updated_at = now() - Duration::minutes(5))
    }

    fn op_updated_at(self, t: DateTime<Utc>) -> Self {
        self.op(|o| o.updated_at = t)
    }

    /// Sets (`Some`) or removes (`None`) `context.restore_run_id`.
    fn context_restore(self, v: Option<Value>) -> Self {
        self.op(|o| match v {
            Some(v) => {
                o.context.insert("restore_run_id".into(), v);
            }
            None => {
                o.context.remove("restore_run_id");
            }
        })
    }

    fn no_restore(mut self) -> Self {
        self.0.restore = None;
        self
    }

    fn restore(mut self, f: impl FnOnce(&mut RestoreRun)) -> Self {
        f(self.0.restore.as_mut().expect("the case has a restore"));
        self
    }

    fn status(self, s: RestoreStatus) -> Self {
        self.restore(|r| r.status = s)
    }

    fn blocked(self, blocker: Option<Blocker>) -> Self {
        self.restore(|r| {
            r.status = RestoreStatus::Blocked;
            r.blocker = blocker;
        })
    }

    fn dry_run(self) -> Self {
        self.restore(|r| r.is_dry_run = true)
    }

    /// Item counts: applied, unchanged, failed, skipped, manual_required.
    fn items(mut self, applied: u64, unchanged: u64, failed: u64, skipped: u64, manual_required: u64) -> Self {
        self.0.items = ItemCounts { applied, unchanged, failed, skipped, manual_required };
        self
    }

    fn no_items(self) -> Self {
        self.items(0, 0, 0, 0, 0)
    }

    fn evidence(mut self, status: EvidenceStatus, verified: i64, expected: i64, captured_at: &str) -> Self {
        let ev = self.0.latest_evidence.as_mut().expect("the case has evidence");
        ev.status = status;
        ev.verified_items = verified;
        ev.expected_items = expected;
        ev.captured_at = at(captured_at);
        self
    }

    fn no_evidence(mut self) -> Self {
        self.0.latest_evidence = None;
        self
    }

    fn audit(mut self, facts: &[(&str, i64, i64)]) -> Self {
        self.0.audit = facts.iter().map(|(a, w, e)| fact(a, *w, *e)).collect();
        self
    }

    fn no_audit(self) -> Self {
        self.audit(&[])
    }

    fn assess(&self) -> Verdict {
        assess(&self.0, now(), stale_after())
    }
}

fn fact(action: &str, workspace_id: i64, environment_id: i64) -> AuditFact {
    AuditFact { action: action.to_owned(), workspace_id, environment_id }
}

// ---------------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    decision: Decision,
    reason_code: ReasonCode,
    findings: Vec<ReasonCode>,
    proof_decision: Option<Decision>,
    drift: bool,
    stale: bool,
}

impl Expect {
    fn of(v: &Verdict) -> Self {
        Self {
            decision: v.decision,
            reason_code: v.reason_code,
            findings: v.findings.clone(),
            proof_decision: v.proof_decision,
            drift: v.drift,
            stale: v.stale,
        }
    }

    /// A final verdict on a stale, non-completed operation (what rules 9-19 decide).
    fn fin(decision: Decision, reason_code: ReasonCode, findings: &[ReasonCode]) -> Self {
        Self {
            decision,
            reason_code,
            findings: findings.to_vec(),
            proof_decision: Some(decision),
            drift: false,
            stale: true,
        }
    }

    /// `not_reconciled` by one of rules 1-8: findings hold the reason alone.
    fn gate(reason_code: ReasonCode, proof_decision: Option<Decision>, stale: bool) -> Self {
        Self {
            decision: D::NotReconciled,
            reason_code,
            findings: vec![reason_code],
            proof_decision,
            drift: false,
            stale,
        }
    }

    fn drift(mut self, drift: bool) -> Self {
        self.drift = drift;
        self
    }

    fn stale(mut self, stale: bool) -> Self {
        self.stale = stale;
        self
    }
}

/// Runs every case and reports every mismatch at once, by case name.
fn check_table(cases: &[(String, Case, Expect)]) {
    let mut failures = Vec::new();
    for (name, case, want) in cases {
        let v = case.assess();
        let got = Expect::of(&v);
        if &got != want {
            failures.push(format!("{name}:\n   want {want:?}\n    got {got:?}"));
        }
        if v.is_final() != (v.decision != D::NotReconciled) {
            failures.push(format!("{name}: is_final() = {} for decision {}", v.is_final(), v.decision));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with the contract:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn named(name: impl Into<String>, case: Case, want: Expect) -> (String, Case, Expect) {
    (name.into(), case, want)
}

// ---------------------------------------------------------------------------------------------
// 1. The table: one case per rule and per variant
// ---------------------------------------------------------------------------------------------

#[test]
fn every_rule_of_the_assessment_table() {
    let base = Case::complete;
    let mut cases = vec![
        // Rule 1.
        named(
            "r01 type backup.capture",
            base().op_type("backup.capture"),
            Expect::gate(R::OperationTypeUnsupported, None, true),
        ),
        named(
            "r01 before r02: completed restore.verify recorded succeeded",
            base().op_type("restore.verify").op_completed(Outcome::Succeeded),
            Expect::gate(R::OperationTypeUnsupported, None, false),
        ),
        named(
            "r01 before r03: unsupported type without a restore",
            base().op_type("inventory.sync").no_restore().context_restore(None),
            Expect::gate(R::OperationTypeUnsupported, None, true),
        ),
        // Rule 2.
        named(
            "r02 completed, recorded succeeded, complete proof",
            base().op_completed(Outcome::Succeeded),
            Expect::gate(R::OperationRunAlreadyTerminal, Some(D::Succeeded), false),
        ),
        named(
            "r02 completed, recorded partially_succeeded, mixed items",
            base().op_completed(Outcome::PartiallySucceeded).items(2, 0, 1, 0, 0),
            Expect::gate(R::OperationRunAlreadyTerminal, Some(D::PartiallySucceeded), false),
        ),
        named(
            "r02 before r03-r07: completed with a wrong-workspace restore",
            base().op_completed(Outcome::Failed).restore(|r| r.workspace_id = OTHER_WS),
            Expect::gate(R::OperationRunAlreadyTerminal, None, false),
        ),
        named(
            "r02 before r08: completed with a running restore, fresh",
            base().op_completed(Outcome::Cancelled).status(RestoreStatus::Running).fresh(),
            Expect::gate(R::OperationRunAlreadyTerminal, Some(D::PartiallySucceeded), false),
        ),
        // Rule 3.
        named(
            "r03 no restore_run_id in context",
            base().context_restore(None),
            Expect::gate(R::RestoreRunMissing, None, true),
        ),
        named(
            "r03 restore_run_id in context is not an id",
            base().context_restore(Some(json!("five hundred"))),
            Expect::gate(R::RestoreRunMissing, None, true),
        ),
        named(
            "r03 restore_run_id in context is null",
            base().context_restore(Some(Value::Null)),
            Expect::gate(R::RestoreRunMissing, None, true),
        ),
        named("r03 no such restore row", base().no_restore(), Expect::gate(R::RestoreRunMissing, None, true)),
        named(
            "r03 the loaded restore is not the one the context names",
            base().context_restore(Some(json!(RESTORE_ID + 1))),
            Expect::gate(R::RestoreRunMissing, None, true),
        ),
        // Rule 4.
        named(
            "r04 restore in another workspace",
            base().restore(|r| {
                r.workspace_id = OTHER_WS;
                r.environment_id = 20;
            }),
            Expect::gate(R::RestoreRunWrongWorkspace, None, true),
        ),
        named(
            "r04 before r05-r07: wrong workspace, environment, link, deleted",
            base().restore(|r| {
                r.workspace_id = OTHER_WS;
                r.environment_id = OTHER_ENV;
                r.operation_run_id = Some(OP_ID + 1);
                r.deleted_at = Some(at("2026-11-20T11:00:00Z"));
            }),
            Expect::gate(R::RestoreRunWrongWorkspace, None, true),
        ),
        // Rule 5.
        named(
            "r05 restore in another environment",
            base().restore(|r| r.environment_id = OTHER_ENV),
            Expect::gate(R::RestoreRunWrongEnvironment, None, true),
        ),
        named(
            "r05 before r06-r07",
            base().restore(|r| {
                r.environment_id = OTHER_ENV;
                r.operation_run_id = None;
                r.deleted_at = Some(at("2026-11-20T11:00:00Z"));
            }),
            Expect::gate(R::RestoreRunWrongEnvironment, None, true),
        ),
        // Rule 6.
        named(
            "r06 restore links to another operation",
            base().restore(|r| r.operation_run_id = Some(OP_ID + 1)),
            Expect::gate(R::RestoreRunLinkMismatch, None, true),
        ),
        named(
            "r06 restore links to no operation",
            base().restore(|r| r.operation_run_id = None),
            Expect::gate(R::RestoreRunLinkMismatch, None, true),
        ),
        named(
            "r06 before r07",
            base().restore(|r| {
                r.operation_run_id = None;
                r.deleted_at = Some(at("2026-11-20T11:00:00Z"));
            }),
            Expect::gate(R::RestoreRunLinkMismatch, None, true),
        ),
        // Rule 7.
        named(
            "r07 restore soft-deleted",
            base().restore(|r| r.deleted_at = Some(at("2026-11-20T11:00:00Z"))),
            Expect::gate(R::RestoreRunSoftDeleted, None, true),
        ),
        named(
            "r07 before r08: soft-deleted running restore on a fresh operation",
            base().status(RestoreStatus::Running).fresh().restore(|r| r.deleted_at = Some(at("2026-11-20T11:00:00Z"))),
            Expect::gate(R::RestoreRunSoftDeleted, None, false),
        ),
        // Rule 8 (proof_decision skips it).
        named(
            "r08 fresh, restore draft",
            base().status(RestoreStatus::Draft).no_items().fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::Failed), false),
        ),
        named(
            "r08 fresh, restore previewed",
            base().status(RestoreStatus::Previewed).no_items().fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::Failed), false),
        ),
        named(
            "r08 fresh, restore queued",
            base().status(RestoreStatus::Queued).fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::PartiallySucceeded), false),
        ),
        named(
            "r08 fresh, restore running",
            base().status(RestoreStatus::Running).fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::PartiallySucceeded), false),
        ),
        named(
            "r08 fresh, restore running, nothing succeeded",
            base().status(RestoreStatus::Running).items(0, 0, 1, 0, 0).fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::Failed), false),
        ),
        named(
            "r08 fresh, queued operation, restore queued",
            base().op(|o| o.status = OpStatus::Queued).status(RestoreStatus::Queued).fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::PartiallySucceeded), false),
        ),
        named(
            "r08 applies only to draft/previewed/queued/running: fresh completed restore decides",
            base().fresh(),
            Expect::fin(D::Succeeded, R::ProofComplete, &[R::ProofComplete]).stale(false),
        ),
        named(
            "r08 applies only to draft/previewed/queued/running: fresh failed restore decides",
            base().status(RestoreStatus::Failed).items(0, 0, 2, 0, 0).fresh(),
            Expect::fin(D::Failed, R::RestoreFailed, &[R::RestoreFailed]).stale(false),
        ),
        named(
            "r08 applies only to draft/previewed/queued/running: fresh completed dry run decides",
            base().dry_run().no_items().fresh(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]).stale(false),
        ),
        // Rule 9: blocked, no applied item.
        named(
            "r09 blocked, blocker null",
            base().blocked(None).no_items(),
            Expect::fin(D::Blocked, R::BlockedUnspecified, &[R::BlockedUnspecified]),
        ),
        named(
            "r09 blocked with only unchanged and failed items stays blocked",
            base().blocked(Some(Blocker::ProviderUnavailable)).items(0, 2, 1, 0, 0),
            Expect::fin(D::Blocked, R::ProviderUnavailable, &[R::ProviderUnavailable]),
        ),
        named(
            "r09 blocked on a fresh operation decides (not rule 8)",
            base().blocked(Some(Blocker::ScopeBlocked)).no_items().fresh(),
            Expect::fin(D::Blocked, R::ScopeBlocked, &[R::ScopeBlocked]).stale(false),
        ),
        named(
            "r09 before r10: blocked dry run",
            base().blocked(Some(Blocker::WriteGateClosed)).dry_run().no_items(),
            Expect::fin(D::Blocked, R::WriteGateClosed, &[R::WriteGateClosed]),
        ),
        // Rule 9: blocked with an applied item.
        named(
            "r09 blocked with an applied item",
            base().blocked(Some(Blocker::WriteGateClosed)).items(1, 0, 2, 0, 0),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        named(
            "r09 blocked (null blocker) with an applied item",
            base().blocked(None).items(1, 0, 0, 0, 0),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        // Rule 10.
        named(
            "r10 draft (stale)",
            base().status(RestoreStatus::Draft).no_items(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 previewed (stale)",
            base().status(RestoreStatus::Previewed).no_items(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 completed dry run",
            base().dry_run().no_items(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 completed dry run with unchanged items",
            base().dry_run().items(0, 3, 0, 0, 0),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 before r11: stale running dry run",
            base().status(RestoreStatus::Running).dry_run().no_items(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 before r12: failed dry run",
            base().status(RestoreStatus::Failed).dry_run().items(0, 0, 2, 0, 0),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        // Rule 10 is absolute: items of a record that never executed describe a preview.
        named(
            "r10 draft whose items say applied is still failed",
            base().status(RestoreStatus::Draft),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 previewed with applied items and no evidence: the finding alone",
            base().status(RestoreStatus::Previewed).items(2, 1, 0, 0, 0).no_evidence().no_audit(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 completed dry run whose items say applied is failed",
            base().dry_run().items(1, 0, 0, 0, 0).evidence(EvidenceStatus::Complete, 1, 1, "2026-11-20T09:40:00Z"),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r09 a blocked dry run's applied items never count: blocked",
            base().blocked(Some(Blocker::WriteGateClosed)).dry_run().items(2, 0, 1, 0, 0),
            Expect::fin(D::Blocked, R::WriteGateClosed, &[R::WriteGateClosed]),
        ),
        // Rule 11.
        named(
            "r11 stale running, success items",
            base().status(RestoreStatus::Running).restore(|r| r.completed_at = None),
            Expect::fin(D::PartiallySucceeded, R::ExecutionInterrupted, &[R::ExecutionInterrupted]),
        ),
        named(
            "r11 stale queued, success items",
            base().status(RestoreStatus::Queued),
            Expect::fin(D::PartiallySucceeded, R::ExecutionInterrupted, &[R::ExecutionInterrupted]),
        ),
        named(
            "r11 stale running, only unchanged items succeeded",
            base().status(RestoreStatus::Running).items(0, 2, 1, 0, 0),
            Expect::fin(D::PartiallySucceeded, R::ExecutionInterrupted, &[R::ExecutionInterrupted]),
        ),
        named(
            "r11 stale running, no success item",
            base().status(RestoreStatus::Running).items(0, 0, 2, 1, 0),
            Expect::fin(D::Failed, R::ExecutionInterrupted, &[R::ExecutionInterrupted]),
        ),
        named(
            "r11 stale queued, no items",
            base().status(RestoreStatus::Queued).no_items(),
            Expect::fin(D::Failed, R::ExecutionInterrupted, &[R::ExecutionInterrupted]),
        ),
        // Rule 12.
        named(
            "r12 failed with success items",
            base().status(RestoreStatus::Failed).items(1, 1, 1, 0, 0),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        named(
            "r12 failed, only unchanged items succeeded",
            base().status(RestoreStatus::Failed).items(0, 1, 2, 0, 0),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        named(
            "r12 failed without success items",
            base().status(RestoreStatus::Failed).items(0, 0, 2, 0, 1),
            Expect::fin(D::Failed, R::RestoreFailed, &[R::RestoreFailed]),
        ),
        named(
            "r12 failed, no items",
            base().status(RestoreStatus::Failed).no_items(),
            Expect::fin(D::Failed, R::RestoreFailed, &[R::RestoreFailed]),
        ),
        // Rule 13.
        named(
            "r13 completed, no items",
            base().no_items(),
            Expect::fin(D::PartiallySucceeded, R::ItemOutcomesMissing, &[R::ItemOutcomesMissing]),
        ),
        // Rule 14.
        named(
            "r14 completed, no item applied or unchanged",
            base().items(0, 0, 2, 1, 1),
            Expect::fin(D::Failed, R::NoItemSucceeded, &[R::NoItemSucceeded]),
        ),
        // Rule 15.
        named(
            "r15 completed, a failed item",
            base().items(2, 0, 1, 0, 0),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        named(
            "r15 completed, a skipped item",
            base().items(1, 1, 0, 1, 0),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        named(
            "r15 completed, a manual_required item",
            base().items(1, 1, 0, 0, 1),
            Expect::fin(D::PartiallySucceeded, R::MixedItemOutcomes, &[R::MixedItemOutcomes]),
        ),
        // Rule 16.
        named(
            "r16 no evidence row",
            base().no_evidence(),
            Expect::fin(D::PartiallySucceeded, R::PostRunEvidenceMissing, &[R::PostRunEvidenceMissing]),
        ),
        // Rule 17, one case per sub-condition.
        named(
            "r17 latest evidence incomplete",
            base().evidence(EvidenceStatus::Incomplete, 3, 3, "2026-11-20T09:40:00Z"),
            Expect::fin(D::PartiallySucceeded, R::PostRunEvidenceIncomplete, &[R::PostRunEvidenceIncomplete]),
        ),
        named(
            "r17 latest evidence failed",
            base().evidence(EvidenceStatus::Failed, 3, 3, "2026-11-20T09:40:00Z"),
            Expect::fin(D::PartiallySucceeded, R::PostRunEvidenceIncomplete, &[R::PostRunEvidenceIncomplete]),
        ),
        named(
            "r17 verified < expected",
            base().evidence(EvidenceStatus::Complete, 2, 3, "2026-11-20T09:40:00Z"),
            Expect::fin(D::PartiallySucceeded, R::PostRunEvidenceIncomplete, &[R::PostRunEvidenceIncomplete]),
        ),
        named(
            "r17 verified < number of success items",
            base().evidence(EvidenceStatus::Complete, 2, 2, "2026-11-20T09:40:00Z"),
            Expect::fin(D::PartiallySucceeded, R::PostRunEvidenceIncomplete, &[R::PostRunEvidenceIncomplete]),
        ),
        named(
            "r17 captured before the restore completed",
            base().evidence(EvidenceStatus::Complete, 3, 3, "2026-11-20T09:29:59Z"),
            Expect::fin(D::PartiallySucceeded, R::PostRunEvidenceIncomplete, &[R::PostRunEvidenceIncomplete]),
        ),
        named(
            "r17 boundary: captured exactly at completion is not before it",
            base().evidence(EvidenceStatus::Complete, 3, 3, "2026-11-20T09:30:00Z"),
            Expect::fin(D::Succeeded, R::ProofComplete, &[R::ProofComplete]),
        ),
        named(
            "r17 boundary: verified above expected and success count is fine",
            base().evidence(EvidenceStatus::Complete, 5, 4, "2026-11-20T09:40:00Z"),
            Expect::fin(D::Succeeded, R::ProofComplete, &[R::ProofComplete]),
        ),
        // Rule 18.
        named(
            "r18 no completion entry",
            base().audit(&[(STARTED, WS, ENV)]),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        named(
            "r18 no start entry",
            base().audit(&[(COMPLETED, WS, ENV)]),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        named(
            "r18 no audit at all",
            base().no_audit(),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        named(
            "r18 completion entry in another workspace",
            base().audit(&[(STARTED, WS, ENV), (COMPLETED, OTHER_WS, ENV)]),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        named(
            "r18 start entry in another environment",
            base().audit(&[(STARTED, WS, OTHER_ENV), (COMPLETED, WS, ENV)]),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        named(
            "r18 other actions do not stand in for start/completion",
            base().audit(&[
                (STARTED, WS, ENV),
                ("restore.execute.progress", WS, ENV),
                ("operation_run.reconciled", WS, ENV),
            ]),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        // Rule 19.
        named("r19 complete proof", base(), Expect::fin(D::Succeeded, R::ProofComplete, &[R::ProofComplete])),
        named(
            "r19 extra foreign-scope entries do not hurt",
            base().audit(&[
                (STARTED, OTHER_WS, 20),
                (STARTED, WS, ENV),
                (COMPLETED, WS, OTHER_ENV),
                (COMPLETED, WS, ENV),
            ]),
            Expect::fin(D::Succeeded, R::ProofComplete, &[R::ProofComplete]),
        ),
        named(
            "r19 queued operation",
            base().op(|o| o.status = OpStatus::Queued),
            Expect::fin(D::Succeeded, R::ProofComplete, &[R::ProofComplete]),
        ),
    ];
    // Rule 9 with each blocker code.
    for b in Blocker::ALL {
        cases.push(named(
            format!("r09 blocked, blocker {b}"),
            base().blocked(Some(*b)).no_items(),
            Expect::fin(D::Blocked, b.reason(), &[b.reason()]),
        ));
    }
    check_table(&cases);
}

/// The bundle carries the latest evidence row only (`ProofBundle::latest_evidence`, chosen by
/// the store by `captured_at`, then id). Whatever older rows say, the latest decides.
#[test]
fn rule_17_latest_evidence_by_captured_at_wins() {
    fn latest(rows: &[Evidence]) -> Option<Evidence> {
        rows.iter().max_by_key(|e| (e.captured_at, e.id)).cloned()
    }
    let base = Case::complete().0.latest_evidence.expect("baseline evidence");
    let row = |id, status, captured: &str| Evidence { id, status, captured_at: at(captured), ..base.clone() };

    // An older complete row does not rescue a newer incomplete one.
    let rows = [
        row(701, EvidenceStatus::Complete, "2026-11-20T09:40:00Z"),
        row(700, EvidenceStatus::Incomplete, "2026-11-20T09:50:00Z"),
    ];
    let mut case = Case::complete();
    case.0.latest_evidence = latest(&rows);
    let v = case.assess();
    assert_eq!((v.decision, v.reason_code), (D::PartiallySucceeded, R::PostRunEvidenceIncomplete));
    assert_eq!(v.proof.as_ref().map(|p| p.evidence_status), Some(EvidenceProof::Incomplete));

    // A newer complete row supersedes an older incomplete one (even with a lower id).
    let rows = [
        row(702, EvidenceStatus::Incomplete, "2026-11-20T09:40:00Z"),
        row(700, EvidenceStatus::Complete, "2026-11-20T09:50:00Z"),
    ];
    let mut case = Case::complete();
    case.0.latest_evidence = latest(&rows);
    let v = case.assess();
    assert_eq!((v.decision, v.reason_code), (D::Succeeded, R::ProofComplete));
    assert_eq!(v.proof.as_ref().map(|p| p.evidence_status), Some(EvidenceProof::Complete));
}

#[test]
fn proof_facts_name_the_evidence_and_audit_state() {
    let facts = |c: Case| {
        let p = c.assess().proof.expect("in scope");
        (p.restore_run_id, p.restore_status, p.evidence_status, p.audit)
    };
    let base = Case::complete;
    assert_eq!(facts(base()), (RESTORE_ID, RestoreStatus::Completed, EvidenceProof::Complete, AuditProof::Continuous));
    assert_eq!(facts(base().no_evidence()).2, EvidenceProof::Missing);
    assert_eq!(facts(base().evidence(EvidenceStatus::Failed, 0, 3, "2026-11-20T09:40:00Z")).2, EvidenceProof::Failed);
    assert_eq!(facts(base().audit(&[(COMPLETED, WS, ENV)])).3, AuditProof::MissingStart);
    assert_eq!(facts(base().audit(&[(STARTED, WS, ENV)])).3, AuditProof::MissingCompletion);
    assert_eq!(facts(base().audit(&[(STARTED, OTHER_WS, ENV), (COMPLETED, WS, OTHER_ENV)])).3, AuditProof::Missing);
    assert_eq!(facts(base().status(RestoreStatus::Running).fresh()).1, RestoreStatus::Running);

    let v = base().items(2, 1, 1, 1, 1).evidence(EvidenceStatus::Incomplete, 2, 6, "2026-11-20T09:40:00Z").assess();
    assert_eq!(
        v.counts,
        SummaryCounts {
            total: 6,
            applied: 2,
            unchanged: 1,
            failed: 1,
            skipped: 1,
            manual_required: 1,
            succeeded: 3,
            evidence_verified: 2,
            evidence_expected: 6,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Findings order
// ---------------------------------------------------------------------------------------------

#[test]
fn findings_list_every_gap_in_rule_order() {
    let base = Case::complete;
    let cases = vec![
        named(
            "completed, mixed items, no evidence, no audit",
            base().items(2, 0, 1, 0, 0).no_evidence().no_audit(),
            Expect::fin(
                D::PartiallySucceeded,
                R::MixedItemOutcomes,
                &[R::MixedItemOutcomes, R::PostRunEvidenceMissing, R::AuditContinuityMissing],
            ),
        ),
        named(
            "completed, mixed items, incomplete evidence, no start entry",
            base()
                .items(2, 0, 1, 0, 0)
                .evidence(EvidenceStatus::Incomplete, 1, 3, "2026-11-20T09:40:00Z")
                .audit(&[(COMPLETED, WS, ENV)]),
            Expect::fin(
                D::PartiallySucceeded,
                R::MixedItemOutcomes,
                &[R::MixedItemOutcomes, R::PostRunEvidenceIncomplete, R::AuditContinuityMissing],
            ),
        ),
        named(
            "evidence missing is primary, audit follows",
            base().no_evidence().no_audit(),
            Expect::fin(
                D::PartiallySucceeded,
                R::PostRunEvidenceMissing,
                &[R::PostRunEvidenceMissing, R::AuditContinuityMissing],
            ),
        ),
        named(
            "evidence incomplete is primary, audit follows",
            base().evidence(EvidenceStatus::Complete, 3, 3, "2026-11-20T09:00:00Z").audit(&[(STARTED, WS, ENV)]),
            Expect::fin(
                D::PartiallySucceeded,
                R::PostRunEvidenceIncomplete,
                &[R::PostRunEvidenceIncomplete, R::AuditContinuityMissing],
            ),
        ),
        named(
            "the primary is not repeated: audit primary",
            base().no_audit(),
            Expect::fin(D::PartiallySucceeded, R::AuditContinuityMissing, &[R::AuditContinuityMissing]),
        ),
        named(
            "11-interrupted.json: stale running, one applied item, no evidence, no completion entry",
            base()
                .status(RestoreStatus::Running)
                .restore(|r| r.completed_at = None)
                .items(1, 0, 0, 0, 0)
                .no_evidence()
                .audit(&[(STARTED, WS, ENV)]),
            Expect::fin(
                D::PartiallySucceeded,
                R::ExecutionInterrupted,
                &[R::ExecutionInterrupted, R::PostRunEvidenceMissing, R::AuditContinuityMissing],
            ),
        ),
        named(
            "r12 failed with success items lists evidence and audit gaps",
            base()
                .status(RestoreStatus::Failed)
                .items(1, 0, 2, 0, 0)
                .evidence(EvidenceStatus::Failed, 0, 3, "2026-11-20T09:40:00Z")
                .no_audit(),
            Expect::fin(
                D::PartiallySucceeded,
                R::MixedItemOutcomes,
                &[R::MixedItemOutcomes, R::PostRunEvidenceIncomplete, R::AuditContinuityMissing],
            ),
        ),
        named(
            "r09 blocked with an applied item lists evidence and audit gaps",
            base().blocked(Some(Blocker::ProviderUnavailable)).items(1, 0, 1, 0, 0).no_evidence().no_audit(),
            Expect::fin(
                D::PartiallySucceeded,
                R::MixedItemOutcomes,
                &[R::MixedItemOutcomes, R::PostRunEvidenceMissing, R::AuditContinuityMissing],
            ),
        ),
        // No item succeeded: nothing to verify, so no evidence gap; the audit gap still shows.
        named(
            "no success: 12-restore-failed.json",
            base().status(RestoreStatus::Failed).items(0, 0, 2, 0, 0).no_evidence().no_audit(),
            Expect::fin(D::Failed, R::RestoreFailed, &[R::RestoreFailed, R::AuditContinuityMissing]),
        ),
        named(
            "no success: interrupted",
            base().status(RestoreStatus::Running).items(0, 0, 1, 1, 0).no_evidence().no_audit(),
            Expect::fin(D::Failed, R::ExecutionInterrupted, &[R::ExecutionInterrupted, R::AuditContinuityMissing]),
        ),
        named(
            "no success: completed without items",
            base().no_items().no_evidence().no_audit(),
            Expect::fin(
                D::PartiallySucceeded,
                R::ItemOutcomesMissing,
                &[R::ItemOutcomesMissing, R::AuditContinuityMissing],
            ),
        ),
        named(
            "no success: nothing succeeded, incomplete evidence is not a finding",
            base().items(0, 0, 3, 0, 0).evidence(EvidenceStatus::Failed, 0, 3, "2026-11-20T09:00:00Z").no_audit(),
            Expect::fin(D::Failed, R::NoItemSucceeded, &[R::NoItemSucceeded, R::AuditContinuityMissing]),
        ),
        named(
            "no success: nothing succeeded, audit whole, evidence missing",
            base().items(0, 0, 3, 0, 0).no_evidence(),
            Expect::fin(D::Failed, R::NoItemSucceeded, &[R::NoItemSucceeded]),
        ),
    ];
    check_table(&cases);
}

#[test]
fn gates_and_non_executed_primaries_hold_the_primary_alone() {
    // Every case below lacks evidence and audit, so any extra finding would show.
    let bare = || Case::complete().no_evidence().no_audit();
    let cases = vec![
        named("r01", bare().op_type("backup.capture"), Expect::gate(R::OperationTypeUnsupported, None, true)),
        named(
            "r02",
            bare().op_completed(Outcome::PartiallySucceeded),
            Expect::gate(R::OperationRunAlreadyTerminal, Some(D::PartiallySucceeded), false),
        ),
        named("r03", bare().no_restore(), Expect::gate(R::RestoreRunMissing, None, true)),
        named(
            "r04",
            bare().restore(|r| r.workspace_id = OTHER_WS),
            Expect::gate(R::RestoreRunWrongWorkspace, None, true),
        ),
        named(
            "r05",
            bare().restore(|r| r.environment_id = OTHER_ENV),
            Expect::gate(R::RestoreRunWrongEnvironment, None, true),
        ),
        named(
            "r06",
            bare().restore(|r| r.operation_run_id = None),
            Expect::gate(R::RestoreRunLinkMismatch, None, true),
        ),
        named(
            "r07",
            bare().restore(|r| r.deleted_at = Some(at("2026-11-20T11:00:00Z"))),
            Expect::gate(R::RestoreRunSoftDeleted, None, true),
        ),
        named(
            "r08",
            bare().status(RestoreStatus::Running).fresh(),
            Expect::gate(R::OperationRunNotStale, Some(D::PartiallySucceeded), false),
        ),
        named(
            "r09 blocked, nothing applied (unchanged items present)",
            bare().blocked(Some(Blocker::BackupSetUnusable)).items(0, 2, 1, 0, 0),
            Expect::fin(D::Blocked, R::BackupSetUnusable, &[R::BackupSetUnusable]),
        ),
        named(
            "r09 blocked, null blocker, no items",
            bare().blocked(None).no_items(),
            Expect::fin(D::Blocked, R::BlockedUnspecified, &[R::BlockedUnspecified]),
        ),
        named(
            "r10 previewed, no items",
            bare().status(RestoreStatus::Previewed).no_items(),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
        named(
            "r10 dry run with unchanged items",
            bare().dry_run().items(0, 3, 0, 0, 0),
            Expect::fin(D::Failed, R::ExecutionNotStarted, &[R::ExecutionNotStarted]),
        ),
    ];
    check_table(&cases);
}

// ---------------------------------------------------------------------------------------------
// 3. proof_decision and drift
// ---------------------------------------------------------------------------------------------

#[test]
fn a_completed_success_with_complete_proof_does_not_drift() {
    let v = Case::complete().op_completed(Outcome::Succeeded).assess();
    assert_eq!(v.decision, D::NotReconciled);
    assert_eq!(v.reason_code, R::OperationRunAlreadyTerminal);
    assert_eq!(v.findings, vec![R::OperationRunAlreadyTerminal]);
    assert_eq!(v.proof_decision, Some(D::Succeeded));
    assert!(!v.drift);
    assert!(!v.is_final());
}

#[test]
fn a_completed_success_with_missing_evidence_drifts() {
    let v = Case::complete().op_completed(Outcome::Succeeded).no_evidence().assess();
    assert_eq!((v.decision, v.reason_code), (D::NotReconciled, R::OperationRunAlreadyTerminal));
    assert_eq!(v.findings, vec![R::OperationRunAlreadyTerminal]);
    assert_eq!(v.proof_decision, Some(D::PartiallySucceeded));
    assert!(v.drift);
}

#[test]
fn a_completed_success_backed_by_a_foreign_restore_drifts_without_a_proof_decision() {
    for (name, case) in [
        ("wrong workspace", Case::complete().restore(|r| r.workspace_id = OTHER_WS)),
        ("wrong environment", Case::complete().restore(|r| r.environment_id = OTHER_ENV)),
        ("link mismatch", Case::complete().restore(|r| r.operation_run_id = Some(OP_ID + 1))),
        ("soft-deleted", Case::complete().restore(|r| r.deleted_at = Some(at("2026-11-20T09:50:00Z")))),
        ("missing", Case::complete().no_restore()),
    ] {
        let v = case.op_completed(Outcome::Succeeded).assess();
        assert_eq!(v.reason_code, R::OperationRunAlreadyTerminal, "{name}");
        assert_eq!(v.findings, vec![R::OperationRunAlreadyTerminal], "{name}");
        assert_eq!(v.proof_decision, None, "{name}");
        assert!(v.drift, "{name}: a success with no same-scope proof behind it drifts");
        assert_eq!(v.proof, None, "{name}");
        assert_eq!(v.counts, SummaryCounts::default(), "{name}");
    }
}

#[test]
fn drift_is_only_about_a_recorded_success() {
    // Recorded outcomes other than succeeded never drift, whatever the proof says.
    for outcome in [Outcome::PartiallySucceeded, Outcome::Blocked, Outcome::Failed, Outcome::Cancelled] {
        for case in
            [Case::complete().no_evidence(), Case::complete().restore(|r| r.workspace_id = OTHER_WS), Case::complete()]
        {
            let v = case.op_completed(outcome).assess();
            assert!(!v.drift, "recorded {outcome}: {v:?}");
        }
    }
    // A completed success of another type has no adapter: no proof_decision, no drift.
    let v = Case::complete().op_type("backup.capture").op_completed(Outcome::Succeeded).no_restore().assess();
    assert_eq!(v.reason_code, R::OperationTypeUnsupported);
    assert_eq!(v.proof_decision, None);
    assert!(!v.drift);
    let v = Case::complete().op_type("restore.rollback.apply").op_completed(Outcome::Succeeded).assess();
    assert_eq!((v.proof_decision, v.drift), (None, false));
    // A run that is not completed does not drift, whatever its proof.
    let v = Case::complete().no_evidence().no_audit().assess();
    assert!(!v.drift);
}

#[test]
fn rule_8_is_skipped_for_proof_decision() {
    let v = Case::complete().status(RestoreStatus::Running).fresh().assess();
    assert_eq!((v.decision, v.reason_code), (D::NotReconciled, R::OperationRunNotStale));
    assert_eq!(v.proof_decision, Some(D::PartiallySucceeded), "what rule 11 would say");
    assert!(!v.stale && !v.drift);

    let v = Case::complete().status(RestoreStatus::Queued).no_items().fresh().assess();
    assert_eq!(v.reason_code, R::OperationRunNotStale);
    assert_eq!(v.proof_decision, Some(D::Failed));

    // A completed run recorded succeeded whose restore is still running: rule 2 decides,
    // and its proof (rule 11, rule 8 skipped) no longer supports the success.
    let v = Case::complete().status(RestoreStatus::Running).op_completed(Outcome::Succeeded).assess();
    assert_eq!(v.reason_code, R::OperationRunAlreadyTerminal);
    assert_eq!(v.proof_decision, Some(D::PartiallySucceeded));
    assert!(v.drift);
}

#[test]
fn proof_decision_equals_the_decision_whenever_rules_9_to_19_decide() {
    for case in [
        Case::complete(),
        Case::complete().no_evidence(),
        Case::complete().blocked(None).no_items(),
        Case::complete().status(RestoreStatus::Failed),
        Case::complete().dry_run().no_items(),
    ] {
        let v = case.assess();
        assert!(v.is_final());
        assert_eq!(v.proof_decision, Some(v.decision));
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Staleness boundary
// ---------------------------------------------------------------------------------------------

#[test]
fn updated_exactly_stale_after_ago_is_stale() {
    let running = || Case::complete().status(RestoreStatus::Running);

    let v = running().op_updated_at(now() - stale_after()).assess();
    assert!(v.stale, "updated_at == now - stale_after is not newer than the threshold");
    assert_eq!((v.decision, v.reason_code), (D::PartiallySucceeded, R::ExecutionInterrupted));

    let v = running().op_updated_at(now() - stale_after() + Duration::seconds(1)).assess();
    assert!(!v.stale);
    assert_eq!((v.decision, v.reason_code), (D::NotReconciled, R::OperationRunNotStale));

    let v = running().op_updated_at(now() - stale_after() + Duration::milliseconds(1)).assess();
    assert!(!v.stale, "one millisecond newer is not stale");

    let v = running().op_updated_at(now() - stale_after() - Duration::seconds(1)).assess();
    assert!(v.stale);
    assert_eq!(v.reason_code, R::ExecutionInterrupted);

    // An operation updated in the future (clock skew) is not stale.
    let v = running().op_updated_at(now() + Duration::minutes(5)).assess();
    assert!(!v.stale);
    assert_eq!(v.reason_code, R::OperationRunNotStale);
}

#[test]
fn stale_after_is_an_argument_not_a_constant() {
    let case = Case::complete().status(RestoreStatus::Running).op_updated_at(now() - Duration::minutes(45));
    let v = assess(&case.0, now(), Duration::minutes(30));
    assert!(v.stale);
    assert_eq!(v.reason_code, R::ExecutionInterrupted);
    let v = assess(&case.0, now(), Duration::hours(1));
    assert!(!v.stale);
    assert_eq!(v.reason_code, R::OperationRunNotStale);
    let v = assess(&case.0, now(), Duration::minutes(45));
    assert!(v.stale, "the boundary holds for any stale_after");
    // `now` is an argument too: the same bundle read an hour later is stale.
    let v = assess(&case.0, now() + Duration::hours(1), Duration::hours(1));
    assert!(v.stale);
}

#[test]
fn a_completed_operation_is_never_stale() {
    let v = Case::complete().op_completed(Outcome::Succeeded).op_updated_at(at("2020-01-01T00:00:00Z")).assess();
    assert!(!v.stale);
}

// ---------------------------------------------------------------------------------------------
// 5. No leak of a foreign or missing restore (rules 3-7)
// ---------------------------------------------------------------------------------------------

#[test]
fn rules_3_to_7_leak_nothing_about_the_restore() {
    const SECRET_ID: i64 = 987_654;
    const SECRET_REF: &str = "bs-fabrikam-private";
    let foreign = || {
        Case::complete()
            .context_restore(Some(json!(SECRET_ID)))
            .restore(|r| {
                r.id = SECRET_ID;
                r.backup_set_ref = SECRET_REF.to_owned();
            })
            .items(7, 5, 3, 2, 1)
            .evidence(EvidenceStatus::Incomplete, 11, 13, "2026-11-20T09:40:00Z")
    };
    let cases = [
        (
            "r03 context names no such row",
            Case::complete().context_restore(Some(json!(SECRET_ID))),
            R::RestoreRunMissing,
        ),
        ("r04", foreign().restore(|r| r.workspace_id = OTHER_WS), R::RestoreRunWrongWorkspace),
        ("r05", foreign().restore(|r| r.environment_id = OTHER_ENV), R::RestoreRunWrongEnvironment),
        ("r06", foreign().restore(|r| r.operation_run_id = Some(OP_ID + 7)), R::RestoreRunLinkMismatch),
        ("r07", foreign().restore(|r| r.deleted_at = Some(at("2026-11-20T11:00:00Z"))), R::RestoreRunSoftDeleted),
    ];
    for (name, case, reason) in cases {
        for (label, case) in [("running", case.clone()), ("completed (rule 2)", case.op_completed(Outcome::Succeeded))]
        {
            let v = case.assess();
            assert_eq!(v.proof, None, "{name} {label}");
            assert_eq!(v.counts, SummaryCounts::default(), "{name} {label}");
            assert_eq!(v.proof_decision, None, "{name} {label}");
            assert_eq!(v.findings.len(), 1, "{name} {label}");
            if label == "running" {
                assert_eq!(v.reason_code, reason, "{name}");
            }
            let shown = format!("{v:?}");
            for needle in [SECRET_ID.to_string(), SECRET_REF.to_owned(), "13".to_owned(), "11".to_owned()] {
                assert!(!shown.contains(&needle), "{name} {label}: verdict shows {needle:?}: {shown}");
            }
        }
    }
    // In scope, the same restore's facts are there.
    let v = Case::complete().assess();
    assert_eq!(v.proof.as_ref().map(|p| p.restore_run_id), Some(RESTORE_ID));
    assert_eq!(v.counts.total, 3);
}

// ---------------------------------------------------------------------------------------------
// 6. Properties over arbitrary bundles
// ---------------------------------------------------------------------------------------------

/// Seconds since the baseline restore's completion (09:30).
fn t0() -> DateTime<Utc> {
    at("2026-11-20T09:30:00Z")
}

fn arb_count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => Just(0u64), 2 => 1u64..=3]
}

fn arb_ws() -> impl Strategy<Value = i64> {
    prop_oneof![8 => Just(WS), 1 => Just(OTHER_WS)]
}

fn arb_env() -> impl Strategy<Value = i64> {
    prop_oneof![8 => Just(ENV), 1 => Just(OTHER_ENV)]
}

fn arb_operation() -> impl Strategy<Value = OperationRun> {
    (
        prop_oneof![
            8 => Just(RESTORE_EXECUTE.to_owned()),
            1 => Just("backup.capture".to_owned()),
            1 => Just("restore.verify".to_owned()),
        ],
        prop_oneof![Just(OpStatus::Queued), Just(OpStatus::Running), Just(OpStatus::Completed)],
        prop::sample::select(&Outcome::ALL[1..]),
        // Seconds before `now`; the 30m boundary itself often, and a little future skew.
        prop_oneof![4 => -60i64..=7200, 1 => Just(1800i64)],
        prop_oneof![
            12 => Just(Some(json!(RESTORE_ID))),
            1 => Just(Some(json!(RESTORE_ID.to_string()))),
            1 => Just(Some(json!(RESTORE_ID + 1))),
            1 => Just(Some(json!("junk"))),
            1 => Just(None),
        ],
        arb_ws(),
        arb_env(),
    )
        .prop_map(|(op_type, status, outcome, ago, rid, ws, env)| {
            let mut base = Case::complete().0.operation;
            base.op_type = op_type;
            base.status = status;
            base.outcome = if status == OpStatus::Completed { outcome } else { Outcome::Pending };
            base.updated_at = now() - Duration::seconds(ago);
            if status == OpStatus::Completed {
                base.completed_at = Some(base.updated_at);
            }
            match rid {
                Some(v) => base.context.insert("restore_run_id".into(), v),
                None => base.context.remove("restore_run_id"),
            };
            // Scope of the operation itself varies; the restore's scope is drawn separately.
            base.workspace_id = ws;
            base.environment_id = env;
            base
        })
}

fn arb_restore() -> impl Strategy<Value = Option<RestoreRun>> {
    let restore = (
        prop_oneof![3 => Just(RestoreStatus::Completed), 4 => prop::sample::select(RestoreStatus::ALL)],
        prop::bool::weighted(0.15),
        prop::option::weighted(0.7, prop::sample::select(Blocker::ALL)),
        arb_ws(),
        arb_env(),
        prop_oneof![8 => Just(Some(OP_ID)), 1 => Just(Some(OP_ID + 1)), 1 => Just(None)],
        prop::bool::weighted(0.1),
        prop::option::weighted(0.85, -600i64..=600),
    )
        .prop_map(|(status, is_dry_run, blocker, ws, env, link, deleted, done)| {
            let mut r = Case::complete().0.restore.expect("baseline restore");
            r.status = status;
            r.is_dry_run = is_dry_run;
            r.blocker = blocker;
            r.workspace_id = ws;
            r.environment_id = env;
            r.operation_run_id = link;
            r.deleted_at = deleted.then(|| at("2026-11-20T11:00:00Z"));
            r.completed_at = done.map(|s| t0() + Duration::seconds(s));
            r
        });
    prop::option::weighted(0.92, restore)
}

fn arb_evidence() -> impl Strategy<Value = Option<Evidence>> {
    let ev = (
        prop_oneof![4 => Just(EvidenceStatus::Complete), 1 => Just(EvidenceStatus::Incomplete), 1 => Just(EvidenceStatus::Failed)],
        0i64..=8,
        prop_oneof![3 => Just(0i64), 2 => -3i64..=3],
        -900i64..=1800,
    )
        .prop_map(|(status, verified, gap, captured)| {
            let mut e = Case::complete().0.latest_evidence.expect("baseline evidence");
            e.status = status;
            e.verified_items = verified;
            e.expected_items = (verified + gap).max(0);
            e.captured_at = t0() + Duration::seconds(captured);
            e
        });
    prop::option::weighted(0.8, ev)
}

fn arb_audit() -> impl Strategy<Value = Vec<AuditFact>> {
    let extra = (
        prop::sample::select(vec![STARTED, COMPLETED, "restore.execute.progress"]),
        prop_oneof![Just(WS), Just(OTHER_WS)],
        prop_oneof![Just(ENV), Just(OTHER_ENV)],
    )
        .prop_map(|(a, w, e)| fact(a, w, e));
    (prop::bool::weighted(0.8), prop::bool::weighted(0.8), prop::collection::vec(extra, 0..=2)).prop_map(
        |(started, completed, extra)| {
            let mut out = Vec::new();
            if started {
                out.push(fact(STARTED, WS, ENV));
            }
            if completed {
                out.push(fact(COMPLETED, WS, ENV));
            }
            out.extend(extra);
            out
        },
    )
}

fn arb_bundle() -> impl Strategy<Value = ProofBundle> {
    (
        arb_operation(),
        arb_restore(),
        (arb_count(), arb_count(), arb_count(), arb_count(), arb_count()),
        arb_evidence(),
        arb_audit(),
    )
        .prop_map(
            |(operation, restore, (applied, unchanged, failed, skipped, manual_required), latest_evidence, audit)| {
                // Items are mostly successes so that complete proofs are common enough.
                let items = ItemCounts {
                    applied,
                    unchanged,
                    failed: failed / 2,
                    skipped: skipped / 2,
                    manual_required: manual_required / 2,
                };
                ProofBundle { operation, restore, items, latest_evidence, audit }
            },
        )
}

fn arb_stale_after() -> impl Strategy<Value = Duration> {
    prop_oneof![4 => Just(Duration::minutes(30)), 1 => Just(Duration::minutes(1)), 1 => Just(Duration::hours(2))]
}

/// The restore when it is the one the context names and in the operation's scope (rules 3-7 pass).
fn in_scope(b: &ProofBundle) -> Option<&RestoreRun> {
    let op = &b.operation;
    let r = b.restore.as_ref()?;
    let named = match op.context.get("restore_run_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    (named == Some(r.id)
        && r.workspace_id == op.workspace_id
        && r.environment_id == op.environment_id
        && r.operation_run_id == Some(op.id)
        && r.deleted_at.is_none())
    .then_some(r)
}

fn has_audit(b: &ProofBundle, action: &str) -> bool {
    let op = &b.operation;
    b.audit
        .iter()
        .any(|a| a.action == action && a.workspace_id == op.workspace_id && a.environment_id == op.environment_id)
}

fn is_stale(b: &ProofBundle, now: DateTime<Utc>, stale_after: Duration) -> bool {
    b.operation.status != OpStatus::Completed && b.operation.updated_at <= now - stale_after
}

/// The reason when one of rules 1-8 decides, read from the contract.
fn gate(b: &ProofBundle, now: DateTime<Utc>, stale_after: Duration) -> Option<ReasonCode> {
    let op = &b.operation;
    if op.op_type != RESTORE_EXECUTE {
        return Some(R::OperationTypeUnsupported);
    }
    if op.status == OpStatus::Completed {
        return Some(R::OperationRunAlreadyTerminal);
    }
    let Some(r) = in_scope(b) else {
        let named = b.restore.as_ref().filter(|r| {
            matches!(op.context.get("restore_run_id"), Some(Value::Number(n)) if n.as_i64() == Some(r.id))
                || matches!(op.context.get("restore_run_id"), Some(Value::String(s)) if s.trim().parse::<i64>().ok() == Some(r.id))
        });
        return Some(match named {
            None => R::RestoreRunMissing,
            Some(r) if r.workspace_id != op.workspace_id => R::RestoreRunWrongWorkspace,
            Some(r) if r.environment_id != op.environment_id => R::RestoreRunWrongEnvironment,
            Some(r) if r.operation_run_id != Some(op.id) => R::RestoreRunLinkMismatch,
            Some(_) => R::RestoreRunSoftDeleted,
        });
    };
    let in_progress = matches!(
        r.status,
        RestoreStatus::Draft | RestoreStatus::Previewed | RestoreStatus::Queued | RestoreStatus::Running
    );
    (in_progress && !is_stale(b, now, stale_after)).then_some(R::OperationRunNotStale)
}

/// Rules 9-19 and the findings, written from the contract, for an in-scope restore.
fn model_proof(b: &ProofBundle, r: &RestoreRun) -> (Decision, ReasonCode, Vec<ReasonCode>) {
    let i = b.items;
    let success = i.applied + i.unchanged;
    let total = success + i.failed + i.skipped + i.manual_required;
    let evidence_gap = match &b.latest_evidence {
        None => Some(R::PostRunEvidenceMissing),
        Some(e) => {
            let bad = e.status != EvidenceStatus::Complete
                || e.verified_items < e.expected_items
                || e.verified_items < i64::try_from(success).expect("small")
                || r.completed_at.is_some_and(|c| e.captured_at < c);
            bad.then_some(R::PostRunEvidenceIncomplete)
        }
    };
    let audit_ok = has_audit(b, STARTED) && has_audit(b, COMPLETED);
    let partial_or = |d| if success > 0 { D::PartiallySucceeded } else { d };
    // Rule 10 is absolute: a draft, a preview or a dry run wrote nothing, whatever its items
    // say; a dry run's items never count as applied (so a blocked dry run is `blocked`).
    let not_started = (D::Failed, R::ExecutionNotStarted, false);
    let (decision, primary, executed) = match r.status {
        RestoreStatus::Blocked if i.applied > 0 && !r.is_dry_run => (D::PartiallySucceeded, R::MixedItemOutcomes, true),
        RestoreStatus::Blocked => (D::Blocked, r.blocker.map_or(R::BlockedUnspecified, Blocker::reason), false),
        RestoreStatus::Draft | RestoreStatus::Previewed => not_started,
        _ if r.is_dry_run => not_started,
        RestoreStatus::Queued | RestoreStatus::Running => (partial_or(D::Failed), R::ExecutionInterrupted, true),
        RestoreStatus::Failed if success > 0 => (D::PartiallySucceeded, R::MixedItemOutcomes, true),
        RestoreStatus::Failed => (D::Failed, R::RestoreFailed, true),
        RestoreStatus::Completed if total == 0 => (D::PartiallySucceeded, R::ItemOutcomesMissing, true),
        RestoreStatus::Completed if success == 0 => (D::Failed, R::NoItemSucceeded, true),
        RestoreStatus::Completed if success < total => (D::PartiallySucceeded, R::MixedItemOutcomes, true),
        RestoreStatus::Completed => match evidence_gap {
            Some(gap) => (D::PartiallySucceeded, gap, true),
            None if !audit_ok => (D::PartiallySucceeded, R::AuditContinuityMissing, true),
            None => (D::Succeeded, R::ProofComplete, true),
        },
    };
    let mut findings = vec![primary];
    if executed {
        if let Some(gap) = evidence_gap.filter(|g| success > 0 && *g != primary) {
            findings.push(gap);
        }
        if !audit_ok && primary != R::AuditContinuityMissing {
            findings.push(R::AuditContinuityMissing);
        }
    }
    (decision, primary, findings)
}

/// The whole verdict as the contract reads it.
fn model(b: &ProofBundle, now: DateTime<Utc>, stale_after: Duration) -> Expect {
    let op = &b.operation;
    let proof = (op.op_type == RESTORE_EXECUTE).then(|| in_scope(b)).flatten().map(|r| model_proof(b, r));
    let proof_decision = proof.as_ref().map(|p| p.0);
    let drift = op.status == OpStatus::Completed
        && op.op_type == RESTORE_EXECUTE
        && op.outcome == Outcome::Succeeded
        && proof_decision != Some(D::Succeeded);
    let stale = is_stale(b, now, stale_after);
    match (gate(b, now, stale_after), proof) {
        (Some(reason), _) => Expect::gate(reason, proof_decision, stale).drift(drift),
        (None, Some((decision, reason_code, findings))) => {
            Expect { decision, reason_code, findings, proof_decision, drift, stale }
        }
        (None, None) => unreachable!("no gate implies an in-scope restore"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// (a) `succeeded` only with a complete proof bundle, checked fact by fact.
    #[test]
    fn succeeded_only_with_a_complete_proof(b in arb_bundle(), sa in arb_stale_after()) {
        let v = assess(&b, now(), sa);
        for (what, d) in [("decision", Some(v.decision)), ("proof_decision", v.proof_decision)] {
            if d != Some(D::Succeeded) {
                continue;
            }
            if what == "decision" {
                prop_assert_eq!(v.reason_code, R::ProofComplete);
                prop_assert_eq!(&v.findings, &vec![R::ProofComplete]);
                prop_assert_eq!(b.operation.op_type.as_str(), RESTORE_EXECUTE);
                prop_assert!(b.operation.status != OpStatus::Completed);
            }
            let r = in_scope(&b);
            prop_assert!(r.is_some(), "{}: succeeded without an in-scope restore", what);
            let r = r.expect("checked");
            prop_assert_eq!(r.status, RestoreStatus::Completed, "{}", what);
            prop_assert!(!r.is_dry_run, "{}", what);
            let i = b.items;
            let success = i.applied + i.unchanged;
            prop_assert!(success > 0 && i.failed + i.skipped + i.manual_required == 0, "{}: {:?}", what, i);
            let e = b.latest_evidence.as_ref();
            prop_assert!(e.is_some(), "{}: succeeded without evidence", what);
            let e = e.expect("checked");
            prop_assert_eq!(e.status, EvidenceStatus::Complete);
            prop_assert!(e.verified_items >= e.expected_items, "{}: {:?}", what, e);
            prop_assert!(e.verified_items >= i64::try_from(success).expect("small"), "{}: {:?}", what, e);
            prop_assert!(r.completed_at.is_none_or(|c| e.captured_at >= c), "{}: {:?} / {:?}", what, e, r.completed_at);
            prop_assert!(has_audit(&b, STARTED) && has_audit(&b, COMPLETED), "{}: {:?}", what, b.audit);
        }
    }

    /// (b) An applied item in an in-scope restore that executed is never `failed` or `blocked`.
    #[test]
    fn an_applied_item_is_never_failed_or_blocked(b in arb_bundle(), sa in arb_stale_after()) {
        let v = assess(&b, now(), sa);
        let executed = in_scope(&b).is_some_and(|r| {
            !r.is_dry_run && !matches!(r.status, RestoreStatus::Draft | RestoreStatus::Previewed)
        });
        if executed && b.items.applied > 0 {
            prop_assert!(!matches!(v.decision, D::Failed | D::Blocked), "{:?}", v);
            if b.operation.op_type == RESTORE_EXECUTE {
                prop_assert!(!matches!(v.proof_decision, Some(D::Failed | D::Blocked)), "{:?}", v);
            }
        }
    }

    /// (b2) A draft, a preview or a dry run wrote nothing: whatever its items, evidence and
    /// audit say, its verdict and its proof reading are `failed` / `execution_not_started` with
    /// that finding alone (or `blocked` for a blocked dry run), or `not_reconciled` — never a
    /// success of any kind.
    #[test]
    fn a_preview_or_dry_run_never_reads_as_success(b in arb_bundle(), sa in arb_stale_after()) {
        let v = assess(&b, now(), sa);
        let Some(r) = in_scope(&b) else { return Ok(()) };
        if b.operation.op_type != RESTORE_EXECUTE {
            return Ok(());
        }
        let preview = matches!(r.status, RestoreStatus::Draft | RestoreStatus::Previewed);
        if !(preview || r.is_dry_run) {
            return Ok(());
        }
        for d in [Some(v.decision), v.proof_decision] {
            prop_assert!(!matches!(d, Some(D::Succeeded | D::PartiallySucceeded)), "{:?} / {:?}", r, v);
        }
        let want = if r.status == RestoreStatus::Blocked { D::Blocked } else { D::Failed };
        prop_assert_eq!(v.proof_decision, Some(want), "{:?}", r);
        if v.decision != D::NotReconciled {
            prop_assert_eq!(v.decision, want);
            prop_assert_eq!(v.findings.len(), 1, "the finding alone: {:?}", v.findings);
            if want == D::Failed {
                prop_assert_eq!(v.reason_code, R::ExecutionNotStarted);
            }
        }
        prop_assert_eq!(v.counts.applied + v.counts.unchanged + v.counts.succeeded, 0, "{:?}", v.counts);
    }

    /// (c) When rules 1-8 decide, nothing is written: `not_reconciled`, not final.
    #[test]
    fn gates_never_write(b in arb_bundle(), sa in arb_stale_after()) {
        let v = assess(&b, now(), sa);
        if let Some(reason) = gate(&b, now(), sa) {
            prop_assert_eq!(v.decision, D::NotReconciled);
            prop_assert!(!v.is_final());
            prop_assert_eq!(v.reason_code, reason);
            prop_assert_eq!(&v.findings, &vec![reason]);
        } else {
            prop_assert!(v.is_final(), "{:?}", v);
            prop_assert_eq!(v.proof_decision, Some(v.decision));
        }
        // Rules 1 and 3-7: no proof_decision, no restore facts, zero counts.
        if b.operation.op_type != RESTORE_EXECUTE || in_scope(&b).is_none() {
            prop_assert_eq!(v.proof_decision, None);
            prop_assert_eq!(v.proof.as_ref(), None);
            prop_assert_eq!(v.counts, SummaryCounts::default());
        } else {
            prop_assert!(v.proof_decision.is_some());
            prop_assert_eq!(v.proof.as_ref().map(|p| p.restore_run_id), b.restore.as_ref().map(|r| r.id));
        }
    }

    /// (d) The primary leads the findings, and nothing is listed twice.
    #[test]
    fn findings_start_with_the_primary_without_duplicates(b in arb_bundle(), sa in arb_stale_after()) {
        let v = assess(&b, now(), sa);
        prop_assert_eq!(v.findings.first(), Some(&v.reason_code));
        let unique: BTreeSet<_> = v.findings.iter().collect();
        prop_assert_eq!(unique.len(), v.findings.len(), "{:?}", v.findings);
        // Only evidence and audit gaps follow the primary, in rule order.
        let rest: Vec<_> = v.findings[1..].to_vec();
        let order = [R::PostRunEvidenceMissing, R::PostRunEvidenceIncomplete, R::AuditContinuityMissing];
        let mut expected_rest: Vec<_> = order.iter().copied().filter(|c| rest.contains(c)).collect();
        expected_rest.dedup();
        prop_assert_eq!(&rest, &expected_rest);
        prop_assert!(!(rest.contains(&R::PostRunEvidenceMissing) && rest.contains(&R::PostRunEvidenceIncomplete)));
    }

    /// (e) Pure: the same input gives the same verdict.
    #[test]
    fn assess_is_deterministic(b in arb_bundle(), sa in arb_stale_after()) {
        let first = assess(&b, now(), sa);
        let again = assess(&b.clone(), now(), sa);
        prop_assert_eq!(&first, &again);
        prop_assert_eq!(first, assess(&b, now(), sa));
    }

    /// The whole verdict matches a model of the contract written independently here.
    #[test]
    fn verdict_matches_the_contract_model(b in arb_bundle(), sa in arb_stale_after()) {
        let v = assess(&b, now(), sa);
        prop_assert_eq!(Expect::of(&v), model(&b, now(), sa), "bundle {:?}", b);
        prop_assert_eq!(v.is_final(), v.decision != D::NotReconciled);
    }
}

/// The generator reaches every reason code and every decision, so the properties above are
/// not vacuous (in particular, `succeeded` does occur).
#[test]
fn the_generator_reaches_every_rule() {
    let mut runner = TestRunner::deterministic();
    let strategy = (arb_bundle(), arb_stale_after());
    let mut reasons = BTreeSet::new();
    let mut decisions = BTreeSet::new();
    let mut drift = false;
    for _ in 0..10_000 {
        let (b, sa) = strategy.new_tree(&mut runner).expect("a value").current();
        let v = assess(&b, now(), sa);
        reasons.insert(v.reason_code);
        decisions.insert(v.decision);
        drift |= v.drift;
    }
    let missing: Vec<_> = ReasonCode::ALL.iter().filter(|r| !reasons.contains(r)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    assert_eq!(decisions.len(), Decision::ALL.len(), "{decisions:?}");
    assert!(drift);
}

/// `assess` is pure and must not panic: a `stale_after` beyond chrono's range (for example a
/// `--stale-after` of 100000000 days) would make `now - stale_after` overflow.
#[test]
fn an_out_of_range_stale_after_does_not_panic() {
    let v = assess(&Case::complete().0, now(), Duration::days(100_000_000));
    assert!(!v.stale, "nothing is older than the beginning of time");
    assert_eq!(v.decision, D::Succeeded);
}
