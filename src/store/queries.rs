//! The read side: listing runs with filters and keyset pages, loading proof bundles for a page
//! in a fixed number of queries (never one per row), the detail of one run, and the access
//! facts of an operator. Every statement is built with [`Sql`] and bound values.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use chrono::{DateTime, Utc};

use super::rows::{
    AuditRow, DataError, EvidenceRow, ItemCountRow, ItemRow, MembershipRow, OperatorRow, RestoreRow, RunRow,
    EVIDENCE_COLUMNS, ITEM_COLUMNS, RESTORE_COLUMNS, RUN_COLUMNS, RUN_JOINS,
};
use super::{AnyRow, Arg, Sql, Store, StoreError, Tx};
use crate::domain::{AuditFact, Grant, ItemCounts, ItemOutcome, ProofBundle, Role};

/// Something queries run on: the pool, or an open transaction.
pub trait Exec: Send {
    fn all<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;
    fn one<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Option<T>, StoreError>> + Send;
}

impl Exec for &Store {
    fn all<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        self.fetch_all(sql)
    }
    fn one<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Option<T>, StoreError>> + Send {
        self.fetch_optional(sql)
    }
}

impl Exec for Tx {
    fn all<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        self.fetch_all(sql)
    }
    fn one<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Option<T>, StoreError>> + Send {
        self.fetch_optional(sql)
    }
}

/// A workspace or environment named by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRef {
    Id(i64),
    Name(String),
}

impl ScopeRef {
    #[must_use]
    pub fn parse(text: &str) -> Self {
        text.trim().parse().map_or_else(|_| Self::Name(text.trim().to_owned()), Self::Id)
    }
}

/// The column a list is ordered by (always newest or highest first, then by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Id,
}

/// Where the next keyset page starts: strictly after this row in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// The SQL-side filters of a run list. Repeated values of one filter mean "any of".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunQuery {
    /// Empty means every type.
    pub types: Vec<String>,
    pub statuses: Vec<String>,
    pub outcomes: Vec<String>,
    pub workspaces: Vec<ScopeRef>,
    pub environments: Vec<ScopeRef>,
    /// Only runs not completed whose `updated_at` is at or before this instant.
    pub stale_before: Option<DateTime<Utc>>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Policy names, run ids, tenant refs (and workspace/environment names).
    pub search: Vec<String>,
    pub ids: Vec<i64>,
    pub sort: SortKey,
    /// Oldest first instead of newest first.
    pub ascending: bool,
}

fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn sort_column(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Created => "o.created_at",
        SortKey::Updated => "o.updated_at",
        SortKey::Id => "o.id",
    }
}

/// `FROM … WHERE …` for the runs `operator_id` may see that match `q`.
fn from_where(sql: &mut Sql, operator_id: i64, q: &RunQuery) {
    sql.push(" FROM operation_runs o JOIN memberships m ON m.workspace_id = o.workspace_id AND m.operator_id = ")
        .bind(Arg::I64(operator_id))
        .push(" ")
        .push(RUN_JOINS)
        .push(" WHERE (m.role = 'owner' OR EXISTS (SELECT 1 FROM entitlements en WHERE en.operator_id = $1 AND en.environment_id = o.environment_id))");
    let text_in = |sql: &mut Sql, column: &str, values: &[String]| {
        if !values.is_empty() {
            sql.push(" AND ").push(column).push(" IN ").bind_list(values.iter().map(|v| Arg::Text(v.clone())));
        }
    };
    text_in(sql, "o.type", &q.types);
    text_in(sql, "o.status", &q.statuses);
    text_in(sql, "o.outcome", &q.outcomes);
    if !q.ids.is_empty() {
        sql.push(" AND o.id IN ").bind_list(q.ids.iter().map(|i| Arg::I64(*i)));
    }
    for (refs, id_col, name_col) in
        [(&q.workspaces, "o.workspace_id", "w.name"), (&q.environments, "o.environment_id", "e.name")]
    {
        if refs.is_empty() {
            continue;
        }
        sql.push(" AND (");
        for (i, r) in refs.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            match r {
                ScopeRef::Id(id) => sql.push(id_col).push(" = ").bind(Arg::I64(*id)),
                ScopeRef::Name(n) => sql.push("LOWER(").push(name_col).push(") = ").bind(Arg::Text(n.to_lowercase())),
            };
        }
        sql.push(")");
    }
    if let Some(t) = q.stale_before {
        sql.push(" AND o.status <> 'completed' AND o.updated_at <= ").bind(Arg::Time(t));
    }
    if let Some(t) = q.since {
        sql.push(" AND o.created_at >= ").bind(Arg::Time(t));
    }
    if let Some(t) = q.until {
        sql.push(" AND o.created_at <= ").bind(Arg::Time(t));
    }
    if !q.search.is_empty() {
        sql.push(" AND (");
        for (i, term) in q.search.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            let pattern = escape_like(term);
            sql.push("(");
            if let Ok(id) = term.trim().trim_start_matches('#').parse::<i64>() {
                sql.push("o.id = ").bind(Arg::I64(id)).push(" OR ");
            }
            sql.push("LOWER(e.tenant_ref) LIKE ").bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
            sql.push(" OR LOWER(e.name) LIKE ").bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
            sql.push(" OR LOWER(w.name) LIKE ").bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
            // Only policy names of the run's own, in-scope restore: never a foreign restore's.
            sql.push(
                " OR EXISTS (SELECT 1 FROM restore_runs r JOIN restore_items i ON i.restore_run_id = r.id \
                 WHERE r.operation_run_id = o.id AND r.workspace_id = o.workspace_id \
                 AND r.environment_id = o.environment_id AND r.deleted_at IS NULL AND LOWER(i.policy_name) LIKE ",
            )
            .bind(Arg::Text(pattern))
            .push(" ESCAPE '\\'))");
        }
        sql.push(")");
    }
}

/// One keyset page of visible runs matching `q`, in the list's order, strictly after `after`.
///
/// # Errors
/// Driver errors.
pub async fn list_runs(
    store: &Store,
    operator_id: i64,
    q: &RunQuery,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Vec<RunRow>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(RUN_COLUMNS);
    from_where(&mut sql, operator_id, q);
    let col = sort_column(q.sort);
    let (cmp, dir) = if q.ascending { (">", "ASC") } else { ("<", "DESC") };
    if let Some(c) = after {
        if q.sort == SortKey::Id {
            sql.push(" AND o.id ").push(cmp).push(" ").bind(Arg::I64(c.id));
        } else {
            sql.push(" AND (").push(col).push(" ").push(cmp).push(" ").bind(Arg::Time(c.at));
            sql.push(" OR (").push(col).push(" = ").bind(Arg::Time(c.at));
            sql.push(" AND o.id ").push(cmp).push(" ").bind(Arg::I64(c.id)).push("))");
        }
    }
    sql.push(" ORDER BY ").push(col).push(" ").push(dir);
    if q.sort != SortKey::Id {
        sql.push(", o.id ").push(dir);
    }
    sql.push(" LIMIT ").bind(Arg::I64(i64::from(limit)));
    store.fetch_all(&sql).await
}

/// How many visible runs match `q` (the SQL-side filters only).
///
/// # Errors
/// Driver errors.
pub async fn count_runs(store: &Store, operator_id: i64, q: &RunQuery) -> Result<i64, StoreError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n");
    from_where(&mut sql, operator_id, q);
    let row: Option<(i64,)> = store.fetch_optional(&sql).await?;
    Ok(row.map_or(0, |r| r.0))
}

/// The cursor that continues a list after `row`.
#[must_use]
pub fn cursor_after(row: &RunRow, sort: SortKey) -> Cursor {
    let at = match sort {
        SortKey::Created | SortKey::Id => row.created_at,
        SortKey::Updated => row.updated_at,
    };
    Cursor { at, id: row.id }
}

/// One run by id with its names, visible or not (access is the caller's check).
///
/// # Errors
/// Driver errors.
pub async fn run_by_id<E: Exec>(ex: &mut E, id: i64) -> Result<Option<RunRow>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(RUN_COLUMNS).push(" FROM operation_runs o ").push(RUN_JOINS).push(" WHERE o.id = ").bind(Arg::I64(id));
    ex.one(&sql).await
}

/// The proof bundles of `runs`, in four queries whatever the number of runs.
///
/// A run whose own row or linked records break the contract maps to the [`DataError`] that
/// says which value; the other runs are unaffected.
///
/// # Errors
/// Driver errors.
pub async fn load_bundles<E: Exec>(
    ex: &mut E,
    runs: &[RunRow],
) -> Result<HashMap<i64, Result<ProofBundle, DataError>>, StoreError> {
    let restore_ids: Vec<i64> = {
        let set: HashSet<i64> = runs.iter().filter_map(RunRow::restore_run_id).collect();
        let mut v: Vec<i64> = set.into_iter().collect();
        v.sort_unstable();
        v
    };
    let mut restores: HashMap<i64, RestoreRow> = HashMap::new();
    let mut counts: HashMap<i64, Result<ItemCounts, DataError>> = HashMap::new();
    let mut evidence: HashMap<i64, EvidenceRow> = HashMap::new();
    let mut audit: HashMap<i64, Vec<AuditFact>> = HashMap::new();
    for chunk in restore_ids.chunks(500) {
        let ids = || chunk.iter().map(|i| Arg::I64(*i));
        let mut sql = Sql::new("SELECT ");
        sql.push(RESTORE_COLUMNS).push(" FROM restore_runs WHERE id IN ").bind_list(ids());
        for r in ex.all::<RestoreRow>(&sql).await? {
            restores.insert(r.id, r);
        }

        let mut sql =
            Sql::new("SELECT restore_run_id, outcome, COUNT(*) AS n FROM restore_items WHERE restore_run_id IN ");
        sql.bind_list(ids()).push(" GROUP BY restore_run_id, outcome");
        for row in ex.all::<ItemCountRow>(&sql).await? {
            let entry = counts.entry(row.restore_run_id).or_insert_with(|| Ok(ItemCounts::default()));
            let parsed = match &row.problem {
                Some((_, why)) => Err(crate::domain::UnknownValue { what: "item outcome", value: why.clone() }),
                None => ItemOutcome::parse(&row.outcome),
            };
            match (parsed, entry.as_mut()) {
                (Ok(o), Ok(c)) => c.add(o, u64::try_from(row.n).unwrap_or(0)),
                (Err(e), Ok(_)) => {
                    *entry = Err(DataError {
                        table: "restore_items",
                        id: row.restore_run_id,
                        column: "outcome",
                        problem: format!("{e} (in restore {})", row.restore_run_id),
                    });
                }
                (_, Err(_)) => {}
            }
        }

        let mut sql = Sql::new("SELECT ");
        sql.push(EVIDENCE_COLUMNS).push(" FROM evidence WHERE restore_run_id IN ").bind_list(ids());
        sql.push(" ORDER BY restore_run_id, captured_at DESC, id DESC");
        for row in ex.all::<EvidenceRow>(&sql).await? {
            evidence.entry(row.restore_run_id).or_insert(row);
        }

        let mut sql = Sql::new(
            "SELECT DISTINCT subject_id, action, workspace_id, environment_id FROM audit_log \
             WHERE subject_type = 'restore_run' AND action IN ('restore.execute.started', 'restore.execute.completed') \
             AND subject_id IN ",
        );
        sql.bind_list(ids());
        for (subject, action, workspace_id, environment_id) in ex.all::<(i64, String, i64, Option<i64>)>(&sql).await? {
            if let Some(environment_id) = environment_id {
                audit.entry(subject).or_default().push(AuditFact { action, workspace_id, environment_id });
            }
        }
    }

    let mut out = HashMap::with_capacity(runs.len());
    for run in runs {
        let bundle = (|| {
            let operation = run.to_domain()?;
            let restore_row = operation.restore_run_id().and_then(|id| restores.get(&id));
            let restore = restore_row.map(RestoreRow::to_domain).transpose()?;
            let rid = restore.as_ref().map(|r| r.id);
            let items = match rid.and_then(|id| counts.get(&id)) {
                Some(Ok(c)) => *c,
                Some(Err(e)) => return Err(e.clone()),
                None => ItemCounts::default(),
            };
            let latest_evidence = rid.and_then(|id| evidence.get(&id)).map(EvidenceRow::to_domain).transpose()?;
            let audit = rid.and_then(|id| audit.get(&id)).cloned().unwrap_or_default();
            Ok(ProofBundle { operation, restore, items, latest_evidence, audit })
        })();
        out.insert(run.id, bundle);
    }
    Ok(out)
}

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

/// The audit trail of an operation and (when given) its in-scope restore, oldest first.
///
/// # Errors
/// Driver errors.
pub async fn audit_of(store: &Store, operation_id: i64, restore_id: Option<i64>) -> Result<Vec<AuditRow>, StoreError> {
    let mut sql = Sql::new(
        "SELECT a.id, a.workspace_id, a.environment_id, a.actor_id, op.handle AS actor_handle, a.action, \
         a.subject_type, a.subject_id, a.metadata, a.created_at FROM audit_log a \
         LEFT JOIN operators op ON op.id = a.actor_id \
         WHERE (a.subject_type = 'operation_run' AND a.subject_id = ",
    );
    sql.bind(Arg::I64(operation_id)).push(")");
    if let Some(rid) = restore_id {
        sql.push(" OR (a.subject_type = 'restore_run' AND a.subject_id = ").bind(Arg::I64(rid)).push(")");
    }
    sql.push(" ORDER BY a.created_at, a.id");
    store.fetch_all(&sql).await
}

/// An operator by handle.
///
/// # Errors
/// Driver errors.
pub async fn operator_by_handle(store: &Store, handle: &str) -> Result<Option<OperatorRow>, StoreError> {
    let mut sql = Sql::new("SELECT id, handle, display_name FROM operators WHERE handle = ");
    sql.bind(Arg::Text(handle.to_owned()));
    store.fetch_optional(&sql).await
}

/// An operator's memberships, by workspace name.
///
/// # Errors
/// Driver errors.
pub async fn memberships_of(store: &Store, operator_id: i64) -> Result<Vec<MembershipRow>, StoreError> {
    let mut sql = Sql::new(
        "SELECT m.workspace_id, w.name AS workspace_name, m.role FROM memberships m \
         JOIN workspaces w ON w.id = m.workspace_id WHERE m.operator_id = ",
    );
    sql.bind(Arg::I64(operator_id)).push(" ORDER BY w.name");
    store.fetch_all(&sql).await
}

/// What `operator_id` holds in one workspace and environment, read where `ex` reads (inside
/// the reconcile transaction, that is the committed truth at that moment).
///
/// # Errors
/// Driver errors.
pub async fn grant<E: Exec>(
    ex: &mut E,
    operator_id: i64,
    workspace_id: i64,
    environment_id: i64,
) -> Result<Grant, StoreError> {
    let sql = Sql::new(
        "SELECT (SELECT role FROM memberships WHERE operator_id = $1 AND workspace_id = $2) AS role, \
         EXISTS (SELECT 1 FROM entitlements WHERE operator_id = $1 AND environment_id = $3) AS entitled",
    )
    .arg(Arg::I64(operator_id))
    .arg(Arg::I64(workspace_id))
    .arg(Arg::I64(environment_id));
    let row: Option<(Option<String>, bool)> = ex.one(&sql).await?;
    let (role, entitled) = row.unwrap_or((None, false));
    Ok(Grant { role: role.and_then(|r| Role::parse(&r).ok()), entitled })
}

/// A value from `proofdesk_meta`.
///
/// # Errors
/// Driver errors.
pub async fn meta(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    let mut sql = Sql::new("SELECT value FROM proofdesk_meta WHERE key = ");
    sql.bind(Arg::Text(key.to_owned()));
    Ok(store.fetch_optional::<(String,)>(&sql).await?.map(|r| r.0))
}
