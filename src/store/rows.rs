//! Row types as the database holds them (plain strings for vocabularies) and their checked
//! conversion into domain records. A value outside a vocabulary becomes a [`DataError`] that
//! names the table, row and column, so one strange row is reported for itself and never
//! breaks the rest of a list.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::FromRow;

use crate::domain::{
    Blocker, Evidence, EvidenceStatus, ItemOutcome, OpStatus, OperationRun, Outcome, RestoreItem, RestoreRun,
    RestoreStatus,
};

/// A stored value the contract does not allow, e.g. `operation_runs[42].status: unknown status "done"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table}[{id}].{column}: {problem}")]
pub struct DataError {
    pub table: &'static str,
    pub id: i64,
    pub column: &'static str,
    pub problem: String,
}

fn vocab<T>(
    table: &'static str,
    id: i64,
    column: &'static str,
    parsed: Result<T, crate::domain::UnknownValue>,
) -> Result<T, DataError> {
    parsed.map_err(|e| DataError { table, id, column, problem: e.to_string() })
}

fn object(table: &'static str, id: i64, column: &'static str, v: Value) -> Result<Map<String, Value>, DataError> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(DataError { table, id, column, problem: format!("not a JSON object: {}", kind(&other)) }),
    }
}

const fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An `operation_runs` row with its workspace and environment names.
#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    pub id: i64,
    pub workspace_id: i64,
    pub environment_id: i64,
    #[sqlx(rename = "type")]
    pub op_type: String,
    pub status: String,
    pub outcome: String,
    pub initiator_id: Option<i64>,
    pub context: Json<Value>,
    pub summary_counts: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub workspace_name: Option<String>,
    pub environment_name: Option<String>,
    pub tenant_ref: Option<String>,
}

/// The columns [`RunRow`] selects, for `FROM operation_runs o LEFT JOIN workspaces w … LEFT JOIN environments e …`.
pub const RUN_COLUMNS: &str = "o.id, o.workspace_id, o.environment_id, o.type, o.status, o.outcome, \
    o.initiator_id, o.context, o.summary_counts, o.created_at, o.started_at, o.completed_at, o.updated_at, \
    w.name AS workspace_name, e.name AS environment_name, e.tenant_ref AS tenant_ref";

/// The joins [`RUN_COLUMNS`] needs.
pub const RUN_JOINS: &str =
    "LEFT JOIN workspaces w ON w.id = o.workspace_id LEFT JOIN environments e ON e.id = o.environment_id";

impl RunRow {
    /// The domain record, or the first column that breaks the contract.
    ///
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<OperationRun, DataError> {
        const T: &str = "operation_runs";
        let id = self.id;
        Ok(OperationRun {
            id,
            workspace_id: self.workspace_id,
            environment_id: self.environment_id,
            op_type: self.op_type.clone(),
            status: vocab(T, id, "status", OpStatus::parse(&self.status))?,
            outcome: vocab(T, id, "outcome", Outcome::parse(&self.outcome))?,
            initiator_id: self.initiator_id,
            context: object(T, id, "context", self.context.0.clone())?,
            summary_counts: object(T, id, "summary_counts", self.summary_counts.0.clone())?,
            created_at: self.created_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            updated_at: self.updated_at,
        })
    }

    /// `context.restore_run_id` as an integer, read without requiring the rest of the row to parse.
    #[must_use]
    pub fn restore_run_id(&self) -> Option<i64> {
        match self.context.0.get("restore_run_id")? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// A `restore_runs` row.
#[derive(Debug, Clone, FromRow)]
pub struct RestoreRow {
    pub id: i64,
    pub workspace_id: i64,
    pub environment_id: i64,
    pub operation_run_id: Option<i64>,
    pub backup_set_ref: String,
    pub status: String,
    pub is_dry_run: bool,
    pub blocker: Option<String>,
    pub requested_by: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

pub const RESTORE_COLUMNS: &str = "id, workspace_id, environment_id, operation_run_id, backup_set_ref, status, \
    is_dry_run, blocker, requested_by, started_at, completed_at, deleted_at";

impl RestoreRow {
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<RestoreRun, DataError> {
        const T: &str = "restore_runs";
        let id = self.id;
        Ok(RestoreRun {
            id,
            workspace_id: self.workspace_id,
            environment_id: self.environment_id,
            operation_run_id: self.operation_run_id,
            backup_set_ref: self.backup_set_ref.clone(),
            status: vocab(T, id, "status", RestoreStatus::parse(&self.status))?,
            is_dry_run: self.is_dry_run,
            blocker: self.blocker.as_deref().map(|b| vocab(T, id, "blocker", Blocker::parse(b))).transpose()?,
            requested_by: self.requested_by,
            started_at: self.started_at,
            completed_at: self.completed_at,
            deleted_at: self.deleted_at,
        })
    }
}

/// A `restore_items` row.
#[derive(Debug, Clone, FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub restore_run_id: i64,
    pub policy_type: String,
    pub policy_name: String,
    pub outcome: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub provider_payload: Option<Json<Value>>,
}

pub const ITEM_COLUMNS: &str =
    "id, restore_run_id, policy_type, policy_name, outcome, error_code, error_message, provider_payload";

impl ItemRow {
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<RestoreItem, DataError> {
        Ok(RestoreItem {
            id: self.id,
            restore_run_id: self.restore_run_id,
            policy_type: self.policy_type.clone(),
            policy_name: self.policy_name.clone(),
            outcome: vocab("restore_items", self.id, "outcome", ItemOutcome::parse(&self.outcome))?,
            error_code: self.error_code.clone(),
            error_message: self.error_message.clone(),
            provider_payload: self.provider_payload.as_ref().map(|j| j.0.clone()),
        })
    }
}

/// Item outcomes of one restore, counted by the database.
#[derive(Debug, Clone, FromRow)]
pub struct ItemCountRow {
    pub restore_run_id: i64,
    pub outcome: String,
    pub n: i64,
}

/// An `evidence` row.
#[derive(Debug, Clone, FromRow)]
pub struct EvidenceRow {
    pub id: i64,
    pub restore_run_id: i64,
    pub kind: String,
    pub status: String,
    pub verified_items: i64,
    pub expected_items: i64,
    pub captured_at: DateTime<Utc>,
}

pub const EVIDENCE_COLUMNS: &str = "id, restore_run_id, kind, status, verified_items, expected_items, captured_at";

impl EvidenceRow {
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<Evidence, DataError> {
        Ok(Evidence {
            id: self.id,
            restore_run_id: self.restore_run_id,
            kind: self.kind.clone(),
            status: vocab("evidence", self.id, "status", EvidenceStatus::parse(&self.status))?,
            verified_items: self.verified_items,
            expected_items: self.expected_items,
            captured_at: self.captured_at,
        })
    }
}

/// An `audit_log` row (metadata kept as JSON), with the actor's handle when known.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub workspace_id: i64,
    pub environment_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_handle: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub metadata: Json<Value>,
    pub created_at: DateTime<Utc>,
}

/// An operator as the access rules need them.
#[derive(Debug, Clone, FromRow)]
pub struct OperatorRow {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
}

/// One membership of an operator, with the workspace name.
#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub workspace_id: i64,
    pub workspace_name: String,
    pub role: String,
}
