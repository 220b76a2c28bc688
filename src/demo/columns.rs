//! The JSON columns of generated rows (run context, audit metadata, summary counts), as
//! serde types; the reconciliation parts are the transition's own types from the core.

use serde::Serialize;

use crate::domain::ReconciliationContext;
use crate::store::Arg;

/// A JSON column's value: `value` as compact JSON text, keys in field order. Text, not
/// `Arg::Json`: no `serde_json::Value` is built (or deep-cloned when bound) per row.
pub(super) fn json(value: &impl Serialize) -> Arg {
    // Cannot fail: these are plain structs with string keys.
    Arg::Text(serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned()))
}

/// `{}`: a JSON column with nothing to say.
pub(super) fn empty_object() -> Arg {
    Arg::Text("{}".to_owned())
}

/// `operation_runs.context` of a generated run.
#[derive(Serialize)]
pub(super) struct RunContext<'a> {
    pub(super) restore_run_id: i64,
    pub(super) source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) reconciliation: Option<ReconciliationContext<'a>>,
}

/// The metadata of `restore.execute.started`.
#[derive(Serialize)]
pub(super) struct StartedMeta<'a> {
    pub(super) backup_set_ref: &'a str,
    pub(super) item_count: i64,
}

/// The metadata of `restore.execute.completed`.
#[derive(Serialize)]
pub(super) struct CompletedMeta {
    pub(super) status: &'static str,
    pub(super) item_count: i64,
}

/// The summary counts a legacy worker wrote for a drifting run: everything succeeded.
#[derive(Serialize)]
pub(super) struct DriftCounts {
    pub(super) total: i64,
    pub(super) succeeded: i64,
}
