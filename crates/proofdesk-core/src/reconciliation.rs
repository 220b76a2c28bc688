//! What a reconciliation writes beside the new status, as the contract spells it: the
//! `context.reconciliation` object and the metadata of its `operation_run.reconciled` audit row.
//!
//! One type for each, so the transition (`service::reconcile`) and the demo generator (which
//! writes runs as if they had been reconciled) cannot drift apart. Field order is the written
//! key order.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use super::proof::{ProofFacts, Verdict};
use super::vocab::{Decision, ReasonCode, RESTORE_EXECUTE};

/// `context.reconciliation`.
#[derive(Debug, Clone, Serialize)]
pub struct ReconciliationContext<'a> {
    pub adapter: &'static str,
    pub decision: Decision,
    pub reason_code: ReasonCode,
    pub findings: &'a [ReasonCode],
    /// RFC 3339, whole seconds, `Z`.
    #[serde(serialize_with = "whole_seconds")]
    pub reconciled_at: DateTime<Utc>,
    pub actor: Actor,
    /// `null` when the restore is not in the operation's scope.
    pub proof: Option<&'a ProofFacts>,
}

/// Who reconciled: always an operator.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Actor {
    pub kind: &'static str,
    pub id: i64,
}

impl<'a> ReconciliationContext<'a> {
    /// The context of `verdict`, reconciled at `at` by operator `actor_id`.
    #[must_use]
    pub fn new(verdict: &'a Verdict, at: DateTime<Utc>, actor_id: i64) -> Self {
        Self {
            adapter: RESTORE_EXECUTE,
            decision: verdict.decision,
            reason_code: verdict.reason_code,
            findings: &verdict.findings,
            reconciled_at: at,
            actor: Actor { kind: "operator", id: actor_id },
            proof: verdict.proof.as_ref(),
        }
    }
}

/// The metadata of an `operation_run.reconciled` audit row.
#[derive(Debug, Clone, Serialize)]
pub struct ReconciledAudit<'a> {
    pub decision: Decision,
    pub reason_code: ReasonCode,
    pub findings: &'a [ReasonCode],
    /// `null` when the restore is not in the operation's scope.
    pub restore_run_id: Option<i64>,
    /// The operator's ticket or reason, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

impl<'a> ReconciledAudit<'a> {
    /// The metadata for `verdict`, with the operator's `note`.
    #[must_use]
    pub fn new(verdict: &'a Verdict, note: Option<&'a str>) -> Self {
        Self {
            decision: verdict.decision,
            reason_code: verdict.reason_code,
            findings: &verdict.findings,
            restore_run_id: verdict.proof.as_ref().map(|p| p.restore_run_id),
            note,
        }
    }
}

fn whole_seconds<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}
