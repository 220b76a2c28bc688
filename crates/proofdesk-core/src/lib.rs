//! The domain core: vocabularies, the records the proof rules read, the ordered proof rules
//! (`assess`) and the access rules.
//!
//! Pure by construction: no I/O, no async, no clock of its own. This crate's manifest names no
//! sqlx, tokio, futures, ratatui or crossterm, so the compiler (not a grep) keeps I/O out.
//! Time always comes in as an argument, so every verdict is reproducible from its inputs.
//!
//! Module map (private; this file is the export list):
//!
//! - `vocab`: the contract's closed vocabularies (statuses, outcomes, reason codes, roles).
//! - `model`: the records the proof rules read, one proof bundle per run.
//! - `proof`: `assess`, the ordered proof rules, and the verdict they give.
//! - `query`: the words a run list is asked in (scope, sort, keyset cursor).
//! - `reconciliation`: what a reconciliation writes beside the status (context, audit metadata).
//! - `access`: who may see and reconcile what.
//! - `secrets`: the contract's "looks secret", applied in one place.
//! - `json`: JSON text kept as written, and a one-pass object scan.

mod access;
mod json;
mod model;
mod proof;
mod query;
mod reconciliation;
mod secrets;
mod vocab;

pub use access::{Denied, Grant};
pub use json::{JsonObject, JsonText, ObjectScan};
pub use model::{
    link_of, restore_run_id, AuditFact, DataError, Evidence, ItemCounts, OperationRun, ProofBundle, RestoreItem,
    RestoreRun, RunContext,
};
pub use proof::{assess, AuditProof, Check, CheckState, EvidenceProof, ProofFacts, SummaryCounts, Verdict};
pub use query::{Cursor, CursorKey, RunQuery, ScopeRef, SortKey};
pub use reconciliation::{Actor, ReconciledAudit, ReconciliationContext};
pub use secrets::{mask_payload, mask_str, MASK, SECRET_NAMES, SECRET_WORDS};
pub use vocab::{
    Blocker, Decision, EvidenceStatus, ItemOutcome, OpStatus, Outcome, ReasonCode, RestoreStatus, Role, UnknownValue,
    RESTORE_EXECUTE,
};
