//! The closed vocabularies of the contract as enums that parse and print the exact strings
//! stored in the database, written in JSON and compared by tests. The operation `type` is
//! open (a plain string); [`RESTORE_EXECUTE`] is the one type with a reconciliation adapter.

use std::fmt;

/// The only operation type with a reconciliation adapter.
pub const RESTORE_EXECUTE: &str = "restore.execute";

/// A string that is not part of a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// What kind of value was expected, e.g. `status`.
    pub what: &'static str,
    /// The value that was found.
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.value)
    }
}

impl std::error::Error for UnknownValue {}

macro_rules! vocab {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in contract order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact contract string.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the exact contract string.
            ///
            /// # Errors
            /// [`UnknownValue`] for anything outside the vocabulary.
            pub fn parse(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

vocab!(
    /// `operation_run.status`; only `completed` is terminal.
    OpStatus, "status" {
        Queued = "queued",
        Running = "running",
        Completed = "completed",
    }
);

vocab!(
    /// `operation_run.outcome`; `pending` exactly while not completed.
    Outcome, "outcome" {
        Pending = "pending",
        Succeeded = "succeeded",
        PartiallySucceeded = "partially_succeeded",
        Blocked = "blocked",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

vocab!(
    /// `restore_run.status`.
    RestoreStatus, "restore status" {
        Draft = "draft",
        Previewed = "previewed",
        Queued = "queued",
        Running = "running",
        Completed = "completed",
        Failed = "failed",
        Blocked = "blocked",
    }
);

vocab!(
    /// `restore_run.blocker` (nullable in the database).
    Blocker, "blocker" {
        WriteGateClosed = "write_gate_closed",
        ProviderUnavailable = "provider_unavailable",
        ProviderConsentMissing = "provider_consent_missing",
        BackupSetUnusable = "backup_set_unusable",
        ScopeBlocked = "scope_blocked",
    }
);

vocab!(
    /// `restore_item.outcome`; `applied` and `unchanged` count as success.
    ItemOutcome, "item outcome" {
        Applied = "applied",
        Unchanged = "unchanged",
        Failed = "failed",
        Skipped = "skipped",
        ManualRequired = "manual_required",
    }
);

vocab!(
    /// `evidence.status`.
    EvidenceStatus, "evidence status" {
        Complete = "complete",
        Incomplete = "incomplete",
        Failed = "failed",
    }
);

vocab!(
    /// `memberships.role`.
    Role, "role" {
        Owner = "owner",
        Manager = "manager",
        Operator = "operator",
        Readonly = "readonly",
    }
);

vocab!(
    /// The verdict's decision: `not_reconciled` or the outcome a reconciliation would write.
    Decision, "decision" {
        NotReconciled = "not_reconciled",
        Succeeded = "succeeded",
        PartiallySucceeded = "partially_succeeded",
        Blocked = "blocked",
        Failed = "failed",
    }
);

vocab!(
    /// Reason codes of the proof rules, in rule order (blocker codes are rule 9's reasons).
    ReasonCode, "reason code" {
        OperationTypeUnsupported = "operation_type_unsupported",
        OperationRunAlreadyTerminal = "operation_run_already_terminal",
        RestoreRunMissing = "restore_run_missing",
        RestoreRunWrongWorkspace = "restore_run_wrong_workspace",
        RestoreRunWrongEnvironment = "restore_run_wrong_environment",
        RestoreRunLinkMismatch = "restore_run_link_mismatch",
        RestoreRunSoftDeleted = "restore_run_soft_deleted",
        OperationRunNotStale = "operation_run_not_stale",
        WriteGateClosed = "write_gate_closed",
        ProviderUnavailable = "provider_unavailable",
        ProviderConsentMissing = "provider_consent_missing",
        BackupSetUnusable = "backup_set_unusable",
        ScopeBlocked = "scope_blocked",
        BlockedUnspecified = "blocked_unspecified",
        ExecutionNotStarted = "execution_not_started",
        ExecutionInterrupted = "execution_interrupted",
        RestoreFailed = "restore_failed",
        ItemOutcomesMissing = "item_outcomes_missing",
        NoItemSucceeded = "no_item_succeeded",
        MixedItemOutcomes = "mixed_item_outcomes",
        PostRunEvidenceMissing = "post_run_evidence_missing",
        PostRunEvidenceIncomplete = "post_run_evidence_incomplete",
        AuditContinuityMissing = "audit_continuity_missing",
        ProofComplete = "proof_complete",
    }
);

impl Outcome {
    /// The outcome a final decision writes; `None` for `not_reconciled`.
    #[must_use]
    pub const fn from_decision(d: Decision) -> Option<Self> {
        match d {
            Decision::NotReconciled => None,
            Decision::Succeeded => Some(Self::Succeeded),
            Decision::PartiallySucceeded => Some(Self::PartiallySucceeded),
            Decision::Blocked => Some(Self::Blocked),
            Decision::Failed => Some(Self::Failed),
        }
    }
}

impl Decision {
    /// False exactly for `not_reconciled`.
    #[must_use]
    pub const fn is_final(self) -> bool {
        !matches!(self, Self::NotReconciled)
    }
}

impl ItemOutcome {
    /// `applied` and `unchanged` count as success.
    #[must_use]
    pub const fn is_success(self) -> bool {
        matches!(self, Self::Applied | Self::Unchanged)
    }
}

impl Role {
    /// Holds the restore execution capability (`restore.execute`).
    #[must_use]
    pub const fn may_execute(self) -> bool {
        matches!(self, Self::Owner | Self::Manager | Self::Operator)
    }
}

impl Blocker {
    /// The reason code rule 9 reports for this blocker.
    #[must_use]
    pub const fn reason(self) -> ReasonCode {
        match self {
            Self::WriteGateClosed => ReasonCode::WriteGateClosed,
            Self::ProviderUnavailable => ReasonCode::ProviderUnavailable,
            Self::ProviderConsentMissing => ReasonCode::ProviderConsentMissing,
            Self::BackupSetUnusable => ReasonCode::BackupSetUnusable,
            Self::ScopeBlocked => ReasonCode::ScopeBlocked,
        }
    }
}

impl ReasonCode {
    /// True for rule 9's reasons: a blocker stopped the restore.
    #[must_use]
    pub const fn is_blocker(self) -> bool {
        matches!(
            self,
            Self::WriteGateClosed
                | Self::ProviderUnavailable
                | Self::ProviderConsentMissing
                | Self::BackupSetUnusable
                | Self::ScopeBlocked
                | Self::BlockedUnspecified
        )
    }

    /// True when the code names a missing or unusable piece of proof (the `--gap` filter).
    #[must_use]
    pub const fn is_proof_gap(self) -> bool {
        matches!(
            self,
            Self::RestoreRunMissing
                | Self::RestoreRunWrongWorkspace
                | Self::RestoreRunWrongEnvironment
                | Self::RestoreRunLinkMismatch
                | Self::RestoreRunSoftDeleted
                | Self::ItemOutcomesMissing
                | Self::PostRunEvidenceMissing
                | Self::PostRunEvidenceIncomplete
                | Self::AuditContinuityMissing
        )
    }

    /// A short human sentence for screens and the text report.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::OperationTypeUnsupported => "operation type has no reconciliation adapter",
            Self::OperationRunAlreadyTerminal => "operation is already completed",
            Self::RestoreRunMissing => "no linked restore run",
            Self::RestoreRunWrongWorkspace => "linked restore belongs to another workspace",
            Self::RestoreRunWrongEnvironment => "linked restore belongs to another environment",
            Self::RestoreRunLinkMismatch => "restore does not link back to this operation",
            Self::RestoreRunSoftDeleted => "linked restore was deleted",
            Self::OperationRunNotStale => "restore still in progress and recently updated",
            Self::WriteGateClosed => "blocked: write gate closed",
            Self::ProviderUnavailable => "blocked: provider unavailable",
            Self::ProviderConsentMissing => "blocked: provider consent missing",
            Self::BackupSetUnusable => "blocked: backup set unusable",
            Self::ScopeBlocked => "blocked: scope blocked",
            Self::BlockedUnspecified => "blocked without a recorded reason",
            Self::ExecutionNotStarted => "restore never executed (draft, preview or dry run)",
            Self::ExecutionInterrupted => "restore stopped mid-execution",
            Self::RestoreFailed => "restore failed and nothing was applied",
            Self::ItemOutcomesMissing => "restore completed without item outcomes",
            Self::NoItemSucceeded => "no item was applied or unchanged",
            Self::MixedItemOutcomes => "some items failed, were skipped or need manual work",
            Self::PostRunEvidenceMissing => "no post-run evidence",
            Self::PostRunEvidenceIncomplete => "post-run evidence does not verify every item",
            Self::AuditContinuityMissing => "audit trail lacks the start or completion entry",
            Self::ProofComplete => "complete proof bundle",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_means_missing_or_unusable_proof_and_nothing_else() {
        use crate::proof::CheckState;
        assert_eq!(CheckState::Gap(ReasonCode::PostRunEvidenceMissing).word(), "gap");
        assert_eq!(CheckState::Gap(ReasonCode::RestoreRunMissing).word(), "gap");
        assert_eq!(CheckState::Gap(ReasonCode::MixedItemOutcomes).word(), "fail", "a failed item is a failure");
        assert_eq!(CheckState::Gap(ReasonCode::ExecutionNotStarted).word(), "fail");
        assert_eq!(CheckState::Gap(ReasonCode::WriteGateClosed).word(), "blocked");
        for code in ReasonCode::ALL {
            let word = CheckState::Gap(*code).word();
            assert_eq!(word == "gap", code.is_proof_gap(), "{code}: {word}");
        }
    }

    #[test]
    fn every_vocabulary_round_trips_its_exact_strings() {
        for v in OpStatus::ALL {
            assert_eq!(OpStatus::parse(v.as_str()), Ok(*v));
        }
        for v in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(v.as_str()), Ok(*v));
        }
        for v in Decision::ALL {
            assert_eq!(v.to_string().parse::<Decision>(), Ok(*v));
        }
        assert_eq!(Outcome::parse("partially_succeeded"), Ok(Outcome::PartiallySucceeded));
    }

    #[test]
    fn unknown_strings_are_refused_with_what_was_expected() {
        let e = OpStatus::parse("runing").unwrap_err();
        assert_eq!(e.to_string(), "unknown status \"runing\"");
        assert!(Role::parse("Owner").is_err(), "vocabularies are case-sensitive");
    }

    #[test]
    fn blocker_reasons_share_the_blocker_strings() {
        for b in Blocker::ALL {
            assert_eq!(b.reason().as_str(), b.as_str());
        }
    }
}
