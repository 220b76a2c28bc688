//! The records the proof rules read, already parsed into the vocabularies. Rows that do not
//! parse never become these types: the store reports them as unreadable instead, so the rules
//! below never guess.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::json::{JsonObject, JsonText};

use super::vocab::{Blocker, EvidenceStatus, ItemOutcome, OpStatus, Outcome, RestoreStatus};

/// One `operation_runs` row.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRun {
    pub id: i64,
    pub workspace_id: i64,
    pub environment_id: i64,
    pub op_type: String,
    pub status: OpStatus,
    pub outcome: Outcome,
    pub initiator_id: Option<i64>,
    /// Parsed when read (see [`JsonObject`]), with its restore link read once.
    pub context: RunContext,
    pub summary_counts: JsonObject,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl OperationRun {
    /// `context.restore_run_id` when it is an integer (or a string of digits).
    #[must_use]
    pub const fn restore_run_id(&self) -> Option<i64> {
        self.context.restore_run_id()
    }
}

/// A run's `context` object with its restore link ([`restore_run_id`]) read once, when the
/// record is made or edited, instead of from the text each time the proof rules run: a
/// reconciled run's context is a few hundred bytes, and finding the link in it was most of
/// what assessing a run cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunContext {
    object: JsonObject,
    restore_run_id: Option<i64>,
}

impl RunContext {
    /// The context, its link read from it.
    #[must_use]
    pub fn new(object: JsonObject) -> Self {
        let restore_run_id = restore_run_id(object.as_text());
        Self { object, restore_run_id }
    }

    /// The context with the link already read from this very text by the caller (the store
    /// reads it while checking the column's JSON, see `ObjectScan`).
    #[must_use]
    pub fn with_link(object: JsonObject, restore_run_id: Option<i64>) -> Self {
        debug_assert_eq!(restore_run_id, self::restore_run_id(object.as_text()), "link read from another text");
        Self { object, restore_run_id }
    }

    /// `restore_run_id` as an id (see [`restore_run_id`]).
    #[must_use]
    pub const fn restore_run_id(&self) -> Option<i64> {
        self.restore_run_id
    }

    /// The member `key` (see [`JsonText::get`]).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Value> {
        self.object.get(key)
    }

    /// The object, parsed.
    #[must_use]
    pub fn to_map(&self) -> serde_json::Map<String, Value> {
        self.object.to_map()
    }

    /// Sets `key` and returns what it held (the link is read again).
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        let old = self.object.insert(key, value);
        self.restore_run_id = restore_run_id(self.object.as_text());
        old
    }

    /// Removes `key` and returns what it held (the link is read again).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let old = self.object.remove(key);
        self.restore_run_id = restore_run_id(self.object.as_text());
        old
    }

    /// The text.
    #[must_use]
    pub const fn as_text(&self) -> &JsonText {
        self.object.as_text()
    }

    /// The text, by value.
    #[must_use]
    pub fn into_text(self) -> JsonText {
        self.object.into_text()
    }
}

impl From<JsonObject> for RunContext {
    fn from(object: JsonObject) -> Self {
        Self::new(object)
    }
}

impl From<serde_json::Map<String, Value>> for RunContext {
    fn from(m: serde_json::Map<String, Value>) -> Self {
        Self::new(JsonObject::from(m))
    }
}

/// `restore_run_id` of a run's context text as an id: an integer, or a string of digits.
/// Only that member is parsed.
#[must_use]
pub fn restore_run_id(context: &JsonText) -> Option<i64> {
    link_of(context.get("restore_run_id")?)
}

/// A `restore_run_id` value as an id: an integer, or a string of digits.
#[must_use]
pub fn link_of(value: Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One `restore_runs` row.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreRun {
    pub id: i64,
    pub workspace_id: i64,
    pub environment_id: i64,
    pub operation_run_id: Option<i64>,
    pub backup_set_ref: String,
    pub status: RestoreStatus,
    pub is_dry_run: bool,
    pub blocker: Option<Blocker>,
    pub requested_by: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl RestoreRun {
    /// False for a `draft` or `previewed` restore and for a dry run: it wrote nothing to the
    /// tenant, so its items say what *would* happen and never count as applied (rule 10).
    #[must_use]
    pub const fn wrote_to_tenant(&self) -> bool {
        !self.is_dry_run && !matches!(self.status, RestoreStatus::Draft | RestoreStatus::Previewed)
    }
}

/// One `restore_items` row. `error_message` and `provider_payload` are raw provider text.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreItem {
    pub id: i64,
    pub restore_run_id: i64,
    pub policy_type: String,
    pub policy_name: String,
    pub outcome: ItemOutcome,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub provider_payload: Option<Value>,
}

/// Item outcomes counted per kind: all the rules need of the items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemCounts {
    pub applied: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub skipped: u64,
    pub manual_required: u64,
}

impl ItemCounts {
    /// Adds `n` items of one outcome.
    pub fn add(&mut self, outcome: ItemOutcome, n: u64) {
        let slot = match outcome {
            ItemOutcome::Applied => &mut self.applied,
            ItemOutcome::Unchanged => &mut self.unchanged,
            ItemOutcome::Failed => &mut self.failed,
            ItemOutcome::Skipped => &mut self.skipped,
            ItemOutcome::ManualRequired => &mut self.manual_required,
        };
        *slot += n;
    }

    #[must_use]
    pub const fn total(&self) -> u64 {
        self.applied + self.unchanged + self.failed + self.skipped + self.manual_required
    }

    /// Applied plus unchanged.
    #[must_use]
    pub const fn succeeded(&self) -> u64 {
        self.applied + self.unchanged
    }
}

impl FromIterator<ItemOutcome> for ItemCounts {
    fn from_iter<I: IntoIterator<Item = ItemOutcome>>(iter: I) -> Self {
        let mut c = Self::default();
        for o in iter {
            c.add(o, 1);
        }
        c
    }
}

/// One `evidence` row (post-run evidence).
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub id: i64,
    pub restore_run_id: i64,
    pub kind: String,
    pub status: EvidenceStatus,
    pub verified_items: i64,
    pub expected_items: i64,
    pub captured_at: DateTime<Utc>,
}

/// The part of an `audit_log` row that audit continuity reads: an entry whose subject is the
/// restore run, with the scope it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFact {
    pub action: String,
    pub workspace_id: i64,
    pub environment_id: i64,
}

/// Everything `assess` reads about one operation run.
///
/// `restore` is the row named by `context.restore_run_id`, whatever its scope: deciding
/// whether it may be used is the rules' job. `evidence` holds the latest evidence row only
/// (by `captured_at`, then id), `audit` the entries about the restore run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofBundle {
    pub operation: OperationRun,
    pub restore: Option<RestoreRun>,
    pub items: ItemCounts,
    pub latest_evidence: Option<Evidence>,
    pub audit: Vec<AuditFact>,
}

/// A stored value the contract does not allow, e.g. `operation_runs[42].status: unknown status
/// "done"`: the run it belongs to reads as unreadable, on its own, and never breaks a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub table: &'static str,
    pub id: i64,
    pub column: &'static str,
    pub problem: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}].{}: {}", self.table, self.id, self.column, self.problem)
    }
}

impl std::error::Error for DataError {}
