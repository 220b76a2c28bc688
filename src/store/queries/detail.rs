//! One run's detail: its items, evidence and audit trail, kept to the run's own scope.

use super::super::rows::{AuditRow, EvidenceRow, ItemRow, EVIDENCE_COLUMNS, ITEM_COLUMNS};
use super::super::{Arg, Sql, Store, StoreError};

/// Every item of one restore, in id order.
///
/// # Errors
/// Driver errors.
pub async fn items_of(store: &Store, restore_id: i64) -> Result<Vec<ItemRow>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(ITEM_COLUMNS).push(" FROM restore_items WHERE restore_run_id = ").bind(Arg::I64(restore_id));
    sql.push(" ORDER BY id");
    store.fetch_all(&sql).await
}

/// Every evidence row of one restore, oldest first.
///
/// # Errors
/// Driver errors.
pub async fn evidence_of(store: &Store, restore_id: i64) -> Result<Vec<EvidenceRow>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(EVIDENCE_COLUMNS).push(" FROM evidence WHERE restore_run_id = ").bind(Arg::I64(restore_id));
    sql.push(" ORDER BY captured_at, id");
    store.fetch_all(&sql).await
}

/// Where an operation sits: what its detail's audit trail and restore links are scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunScope {
    pub operation_id: i64,
    pub workspace_id: i64,
    pub environment_id: i64,
}

/// The audit trail of an operation and (when given) its in-scope restore, oldest first: only
/// rows in the operation's workspace and environment (the rows rule 18 reads), whatever
/// subject they name.
///
/// # Errors
/// Driver errors.
pub async fn audit_of(store: &Store, scope: RunScope, restore_id: Option<i64>) -> Result<Vec<AuditRow>, StoreError> {
    let mut sql = Sql::new(
        "SELECT a.id, a.workspace_id, a.environment_id, a.actor_id, op.handle AS actor_handle, a.action, \
         a.subject_type, a.subject_id, a.metadata, a.created_at FROM audit_log a \
         LEFT JOIN operators op ON op.id = a.actor_id \
         WHERE a.workspace_id = ",
    );
    sql.bind(Arg::I64(scope.workspace_id)).push(" AND a.environment_id = ").bind(Arg::I64(scope.environment_id));
    sql.push(" AND ((a.subject_type = 'operation_run' AND a.subject_id = ")
        .bind(Arg::I64(scope.operation_id))
        .push(")");
    if let Some(rid) = restore_id {
        sql.push(" OR (a.subject_type = 'restore_run' AND a.subject_id = ").bind(Arg::I64(rid)).push(")");
    }
    sql.push(") ORDER BY a.created_at, a.id");
    store.fetch_all(&sql).await
}

/// Of the restores `ids`, those that exist and are outside `scope` (rules 4-7: another
/// workspace or environment, linked to another operation, or soft-deleted).
///
/// # Errors
/// Driver errors.
pub async fn restores_out_of_scope(store: &Store, scope: RunScope, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id FROM restore_runs WHERE id IN ");
    sql.bind_list(ids.iter().map(|i| Arg::I64(*i)));
    sql.push(" AND (workspace_id <> ").bind(Arg::I64(scope.workspace_id));
    sql.push(" OR environment_id <> ").bind(Arg::I64(scope.environment_id));
    sql.push(" OR operation_run_id IS NULL OR operation_run_id <> ").bind(Arg::I64(scope.operation_id));
    sql.push(" OR deleted_at IS NOT NULL) ORDER BY id");
    Ok(store.fetch_all::<(i64,)>(&sql).await?.into_iter().map(|r| r.0).collect())
}
