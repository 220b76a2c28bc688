//! The domain core: vocabularies, the records the proof rules read, the ordered proof rules
//! (`assess`) and the access rules.
//!
//! Pure by construction: no I/O, no async, no clock of its own, and no dependency on sqlx,
//! tokio or ratatui (`tests/architecture.rs` holds that line). Time always comes in as an
//! argument, so every verdict is reproducible from its inputs.

pub mod access;
pub mod json;
pub mod model;
pub mod proof;
pub mod secrets;
pub mod vocab;

pub use access::{Denied, Grant};
pub use json::{JsonObject, JsonText};
pub use model::{AuditFact, Evidence, ItemCounts, OperationRun, ProofBundle, RestoreItem, RestoreRun, RunContext};
pub use proof::{assess, AuditProof, Check, CheckState, EvidenceProof, ProofFacts, SummaryCounts, Verdict};
pub use vocab::{
    Blocker, Decision, EvidenceStatus, ItemOutcome, OpStatus, Outcome, ReasonCode, RestoreStatus, Role, UnknownValue,
    RESTORE_EXECUTE,
};
