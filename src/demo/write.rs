//! What the generator writes: the column lists of the tables it fills, in insert order, and
//! when a seed is large enough to load as a bulk load (the store's `TableBuf` gathers the rows
//! in each engine's fastest statement shape; `Tx::set_aside_indexes` sets aside indexes and
//! keys meanwhile).

/// From this many generated runs on, the secondary indexes of the loaded tables (and on
/// PostgreSQL their foreign keys) are set aside during the insert and rebuilt (and validated)
/// in the same transaction before commit: one index build, and one validation pass per
/// constraint, cost a fraction of maintaining and checking them row by row (and the indexes
/// come out denser). Smaller seeds insert plainly.
pub const BULK_RUNS: u64 = 20_000;

/// The tables the generated runs go into.
pub(super) const LOADED_TABLES: [&str; 6] =
    ["operation_runs", "restore_runs", "restore_items", "evidence", "audit_log", "notifications"];

/// Column lists of the tables written, in insert order.
pub(super) const OP_COLS: &[&str] = &[
    "id",
    "workspace_id",
    "environment_id",
    "type",
    "status",
    "outcome",
    "initiator_id",
    "context",
    "summary_counts",
    "created_at",
    "started_at",
    "completed_at",
    "updated_at",
];
pub(super) const RESTORE_COLS: &[&str] = &[
    "id",
    "workspace_id",
    "environment_id",
    "operation_run_id",
    "backup_set_ref",
    "status",
    "is_dry_run",
    "blocker",
    "requested_by",
    "started_at",
    "completed_at",
    "deleted_at",
];
pub(super) const ITEM_COLS: &[&str] = &[
    "id",
    "restore_run_id",
    "policy_type",
    "policy_name",
    "outcome",
    "error_code",
    "error_message",
    "provider_payload",
];
pub(super) const EVIDENCE_COLS: &[&str] =
    &["id", "restore_run_id", "kind", "status", "verified_items", "expected_items", "captured_at"];
pub(super) const AUDIT_COLS: &[&str] = &[
    "id",
    "workspace_id",
    "environment_id",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "metadata",
    "created_at",
];
pub(super) const NOTIFICATION_COLS: &[&str] = &["id", "operator_id", "operation_run_id", "kind", "created_at"];
