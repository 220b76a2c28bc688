//! The read side: listing runs with filters and keyset pages, loading proof bundles for a page
//! in a fixed number of queries (never one per row), the detail of one run, and the access
//! facts of an operator. Every statement is built with [`Sql`] and bound values.

use std::future::Future;

use super::rows::Tolerant;
use super::rows::{MembershipRow, OperatorRow, RunRow, RUN_COLUMNS, RUN_JOINS};
use super::{AnyRow, Arg, Conn, Dialect, Sql, StatementKind, StatementLog, Store, StoreError, Tx};
use crate::domain::{Grant, Role};

/// Something queries run on: the pool, or an open transaction.
pub trait Exec: Send {
    fn all<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;
    fn one<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Option<T>, StoreError>> + Send;
    /// [`Self::all`] for a row type of `tolerant_row!`, which a held connection decodes with
    /// its column types checked once (see [`super::rows::Tolerant`]).
    fn tolerant<T: Tolerant>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        self.all(sql)
    }
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

impl Exec for Conn {
    fn all<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        self.fetch_all(sql)
    }
    fn tolerant<T: Tolerant>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        self.fetch_tolerant(sql)
    }
    fn one<T: AnyRow>(&mut self, sql: &Sql) -> impl Future<Output = Result<Option<T>, StoreError>> + Send {
        self.fetch_optional(sql)
    }
}

mod bundles;
mod count;
mod detail;

pub use crate::domain::{Cursor, CursorKey, RunQuery, ScopeRef, SortKey};
pub use bundles::*;
pub use count::*;
pub use detail::*;

/// Text as search compares it: lower case for all of Unicode, the same on both engines, with
/// the final sigma folded as Unicode case folding does (`to_lowercase` writes `ς` at a word's
/// end, while PostgreSQL's `lower()` and a term typed in lower case may hold `σ`).
fn fold(text: &str) -> String {
    text.trim().to_lowercase().replace('ς', "σ")
}

/// The expression a list is ordered by (`None`: by id alone). Words compare byte by byte on
/// both engines (`Dialect::bytewise`), so a list reads the same on either.
fn sort_column(sort: SortKey, dialect: &dyn Dialect) -> Option<String> {
    let words = |expr: &str| Some(format!("{expr}{}", dialect.bytewise()));
    match sort {
        SortKey::Created => Some("o.created_at".to_owned()),
        SortKey::Updated => Some("o.updated_at".to_owned()),
        SortKey::Id => None,
        SortKey::Status => words("o.status"),
        SortKey::Outcome => words("o.outcome"),
        SortKey::Type => words("o.type"),
        // A visible run's workspace and environment exist (the visibility test joins them);
        // COALESCE keeps the keyset total all the same.
        SortKey::Workspace => words("COALESCE(w.name, '')"),
        SortKey::Environment => words("COALESCE(e.name, '')"),
    }
}

/// How many items a search may name before its list stops starting from them (few: fetch the
/// runs they belong to and sort those) and walks the newest runs instead, testing each (many).
pub const SEARCH_FROM_ITEMS_MAX: i64 = 2_000;

/// What the search terms of a query match, looked up in small queries before the list query
/// so that the list query is one of two plans both engines run well: walk the newest runs and
/// test each (a term that matches many runs), or start from the few items that match (a rare
/// term). A term that matches nothing at all makes the list empty without reading a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchMatch {
    /// Terms that read as run ids (`1234` or `#1234`).
    pub ids: Vec<i64>,
    /// Environments whose name or tenant ref matches and whose runs the operator may see.
    pub environments: Vec<i64>,
    /// Workspaces whose name matches and where the operator is a member.
    pub workspaces: Vec<i64>,
    /// SQLite: one `restore_items.id` per distinct matching policy name (case-insensitive for
    /// ASCII, as `LOWER` and `LIKE` are), so a name that is not valid UTF-8 still matches.
    pub name_keys: Vec<i64>,
    /// PostgreSQL: the distinct matching `lower(policy_name)` values, bound as values so the
    /// planner sees how common each one is.
    pub names: Vec<String>,
    /// Start from the matching items: no environment or workspace matches and at most
    /// [`SEARCH_FROM_ITEMS_MAX`] items carry a matching name (PostgreSQL: names kept beside
    /// their runs, plus runs pending there).
    pub from_items: bool,
}

impl SearchMatch {
    fn nothing(&self) -> bool {
        self.ids.is_empty() && self.environments.is_empty() && self.workspaces.is_empty() && !self.any_name()
    }

    fn any_name(&self) -> bool {
        !self.name_keys.is_empty() || !self.names.is_empty()
    }
}

fn bind_ids(sql: &mut Sql, ids: &[i64]) {
    sql.bind_list(ids.iter().map(|i| Arg::I64(*i)));
}

/// `id, name, tenant_ref` of every environment `operator_id` may see.
fn visible_environments(operator_id: i64) -> Sql {
    let mut sql = Sql::new("SELECT e.id, e.name, e.tenant_ref FROM environments e WHERE ");
    sql.push("EXISTS (SELECT 1 FROM memberships m WHERE m.operator_id = ")
        .bind(Arg::I64(operator_id))
        .push(" AND m.workspace_id = e.workspace_id AND ")
        .push(&role_grants_sight("e.id"))
        .bind(Arg::I64(operator_id))
        .push(")))) ORDER BY e.id");
    sql
}

/// `id, name` of every workspace `operator_id` holds a role of the vocabulary in.
fn visible_workspaces(operator_id: i64) -> Sql {
    let mut sql = Sql::new("SELECT w.id, w.name FROM workspaces w WHERE ");
    let roles = Role::ALL.iter().map(|r| format!("'{}'", r.as_str())).collect::<Vec<_>>().join(", ");
    sql.push("EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = w.id AND m.role IN (")
        .push(&roles)
        .push(") AND m.operator_id = ")
        .bind(Arg::I64(operator_id))
        .push(") ORDER BY w.id");
    sql
}

/// The names of the workspaces and environments `operator_id` may see, for completion and
/// "did you mean" (each list in id order).
///
/// # Errors
/// Driver errors.
pub async fn visible_scope_names(store: &Store, operator_id: i64) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let workspaces = store.fetch_all::<(i64, String)>(&visible_workspaces(operator_id)).await?;
    let environments = store.fetch_all::<(i64, String, String)>(&visible_environments(operator_id)).await?;
    Ok((workspaces.into_iter().map(|r| r.1).collect(), environments.into_iter().map(|r| r.1).collect()))
}

/// Looks up what `terms` match (see [`SearchMatch`]), recording each statement in `log` if set.
///
/// # Errors
/// Driver errors.
pub async fn resolve_search(
    store: &Store,
    operator_id: i64,
    terms: &[String],
    log: Option<&StatementLog>,
) -> Result<SearchMatch, StoreError> {
    let note = |sql: &Sql| {
        if let Some(log) = log {
            log.record(StatementKind::Lookup, sql.clone());
        }
    };
    let dialect = store.dialect();
    // Text is matched here, not by the engines' LOWER/LIKE: SQLite folds only ASCII, and
    // PostgreSQL folds by the database's locale, so `Ünïcödé` would match on one engine and
    // not the other. The candidates are few (the visible environments and workspaces, and
    // one row per distinct policy name from the index walk).
    let folded: Vec<String> = terms.iter().map(|t| fold(t)).filter(|t| !t.is_empty()).collect();
    let matches = |text: &str| {
        let text = fold(text);
        folded.iter().any(|t| text.contains(t.as_str()))
    };
    let mut m = SearchMatch {
        ids: terms.iter().filter_map(|t| t.trim().trim_start_matches('#').parse::<i64>().ok()).collect(),
        ..SearchMatch::default()
    };
    if folded.is_empty() {
        return Ok(m);
    }

    // An environment is visible as a run's would be (`domain::access`): a membership in the
    // environment's own workspace with a role of the vocabulary, and the entitlement unless
    // that role is owner.
    let sql = visible_environments(operator_id);
    note(&sql);
    m.environments = store
        .fetch_all::<(i64, String, String)>(&sql)
        .await?
        .into_iter()
        .filter(|(_, name, tenant)| matches(name) || matches(tenant))
        .map(|r| r.0)
        .collect();

    let sql = visible_workspaces(operator_id);
    note(&sql);
    m.workspaces = store
        .fetch_all::<(i64, String)>(&sql)
        .await?
        .into_iter()
        .filter(|(_, name)| matches(name))
        .map(|r| r.0)
        .collect();

    // The distinct policy names, by a walk of the name index (one seek per distinct name,
    // not one read per item), each with the id of one item (SQLite) or as the indexed
    // `lower(policy_name)` value (PostgreSQL), then filtered by the terms here.
    let (walk, picked) = dialect.name_walk();
    let mut sql = Sql::new(walk);
    sql.push("SELECT ").push(picked).push(" FROM n WHERE n.name IS NOT NULL");
    note(&sql);
    let names = store
        .fetch_all::<(Option<i64>, Vec<u8>)>(&sql)
        .await?
        .into_iter()
        .map(|(key, name)| (key, String::from_utf8_lossy(&name).into_owned()))
        .filter(|(_, name)| matches(name))
        .collect();
    dialect.keep_names(&mut m, names);

    if m.environments.is_empty() && m.workspaces.is_empty() {
        m.from_items = if m.any_name() {
            let limit = Arg::I64(SEARCH_FROM_ITEMS_MAX + 1);
            let mut sql;
            if dialect.keeps_tallies() {
                // The names kept beside their runs (migration 0010), index only, instead of
                // the items (whose expression index reads each item's row): a name and run
                // per item or fewer, plus the runs still pending there, read the old way.
                sql = Sql::new("SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM operation_run_names n WHERE n.name IN ");
                sql.bind_list(m.names.iter().map(|n| Arg::Text(n.clone())));
                sql.push(" LIMIT ").bind(limit.clone()).push(") AS a) + (SELECT COUNT(*) FROM ");
                sql.push("(SELECT 1 FROM operation_run_names_pending p LIMIT ").bind(limit).push(") AS b)");
            } else {
                sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM restore_items i WHERE ");
                dialect.name_in(&mut sql, &m, true);
                sql.push(dialect.items_in_name_order());
                sql.push(" LIMIT ").bind(limit).push(") AS t");
            }
            note(&sql);
            let n = store.fetch_optional::<(i64,)>(&sql).await?.map_or(0, |r| r.0);
            n <= SEARCH_FROM_ITEMS_MAX
        } else {
            true
        };
    }
    Ok(m)
}

/// `(m.role = 'owner' OR (m.role IN (<the other roles>) AND EXISTS (SELECT 1 FROM entitlements
/// en WHERE en.environment_id = <environment> AND en.operator_id = ` (the caller binds the
/// operator and closes with `)))`): what a membership `m` grants over one environment of its
/// workspace; a role outside the vocabulary grants nothing ([`Role::parse`] fails on it).
fn role_grants_sight(environment: &str) -> String {
    let others = Role::ALL
        .iter()
        .filter(|r| **r != Role::Owner)
        .map(|r| format!("'{}'", r.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    // vocabulary constants only (Role::ALL), never input; the operator is bound by the caller
    format!(
        "(m.role = '{}' OR (m.role IN ({others}) AND EXISTS (SELECT 1 FROM entitlements en \
         WHERE en.environment_id = {environment} AND en.operator_id = ",
        Role::Owner.as_str()
    )
}

/// `EXISTS (…)`: the run's own, in-scope, not deleted restore has an item with a matching name
/// (never a foreign restore's).
fn policy_match(sql: &mut Sql, dialect: &dyn Dialect, m: &SearchMatch) {
    sql.push(
        "EXISTS (SELECT 1 FROM restore_runs r JOIN restore_items i ON i.restore_run_id = r.id \
         WHERE r.operation_run_id = o.id AND r.workspace_id = o.workspace_id \
         AND r.environment_id = o.environment_id AND r.deleted_at IS NULL AND ",
    );
    dialect.name_in(sql, m, false);
    sql.push(")");
}

/// `SELECT DISTINCT … AS cid … [UNION SELECT <id> …]`: the runs whose own, in-scope, not
/// deleted restore holds an item with a matching name (the test `policy_match` makes per run),
/// plus the runs named by id; DISTINCT/UNION so each run comes once.
fn candidate_runs(sql: &mut Sql, dialect: &dyn Dialect, s: &SearchMatch) {
    sql.push(
        "SELECT DISTINCT r.operation_run_id AS cid FROM restore_items i \
         JOIN restore_runs r ON r.id = i.restore_run_id \
         JOIN operation_runs s ON s.id = r.operation_run_id AND s.workspace_id = r.workspace_id \
         AND s.environment_id = r.environment_id WHERE r.deleted_at IS NULL AND ",
    );
    if s.any_name() {
        dialect.name_in(sql, s, true);
    } else {
        sql.push("1 = 0");
    }
    for id in &s.ids {
        sql.push(" UNION SELECT ").bind(Arg::I64(*id));
    }
}

/// ` AND …` for the filters of `q` on a run's own columns (type, status, outcome, ids, stale,
/// open, since, until), the type compared on `type_column`.
fn run_filters(sql: &mut Sql, q: &RunQuery, type_column: &str) {
    let text_in = |sql: &mut Sql, column: &str, values: Vec<&str>| {
        if !values.is_empty() {
            sql.push(" AND ").push(column).push(" IN ").bind_list(values.into_iter().map(|v| Arg::Text(v.to_owned())));
        }
    };
    text_in(sql, type_column, q.types.iter().map(String::as_str).collect());
    text_in(sql, "o.status", q.statuses.iter().map(|s| s.as_str()).collect());
    text_in(sql, "o.outcome", q.outcomes.iter().map(|o| o.as_str()).collect());
    if !q.ids.is_empty() {
        sql.push(" AND o.id IN ").bind_list(q.ids.iter().map(|i| Arg::I64(*i)));
    }
    // `status <> 'completed'` spelled exactly as the partial indexes of 0002_perf say it.
    if let Some(t) = q.stale_before {
        sql.push(" AND o.status <> 'completed' AND o.updated_at <= ").bind(Arg::Time(t));
    } else if q.open_only {
        sql.push(" AND o.status <> 'completed'");
    }
    if let Some(t) = q.since {
        sql.push(" AND o.created_at >= ").bind(Arg::Time(t));
    }
    if let Some(t) = q.until {
        sql.push(" AND o.created_at <= ").bind(Arg::Time(t));
    }
}

/// ` AND (…)` for the workspace and environment filters of `q`, on the given id and name
/// columns.
fn scope_filters(sql: &mut Sql, q: &RunQuery, workspace: (&str, &str), environment: (&str, &str)) {
    for (refs, (id_col, name_col)) in [(&q.workspaces, workspace), (&q.environments, environment)] {
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
}

/// `FROM … WHERE …` for the runs `operator_id` may see that match `q`, whose search terms
/// matched `search`.
fn from_where(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, search: Option<&SearchMatch>) {
    let from_items = search.filter(|s| s.from_items && !s.nothing());
    if let Some(s) = from_items {
        // Rare terms: the candidate runs are the runs of the few matching items, plus the runs
        // named by id.
        sql.push(" FROM (");
        candidate_runs(sql, dialect, s);
        sql.push(") c CROSS JOIN operation_runs o ").push(RUN_JOINS).push(" WHERE o.id = c.cid AND ");
    } else {
        sql.push(" FROM operation_runs o ").push(RUN_JOINS).push(" WHERE ");
    }
    // Visibility as a test on each run (not a join), so the engine walks the list's index; the
    // same as `domain::access` and [`grant`]: the run's environment is of the run's own
    // workspace (the joined `e`), a membership there with a role of the vocabulary, and the
    // entitlement unless that role is owner.
    sql.push("e.workspace_id = o.workspace_id AND EXISTS (SELECT 1 FROM memberships m WHERE m.operator_id = ")
        .bind(Arg::I64(operator_id))
        .push(" AND m.workspace_id = o.workspace_id AND ")
        .push(&role_grants_sight("o.environment_id"))
        .bind(Arg::I64(operator_id))
        .push("))))");
    // Open runs only (`--stale`, a verdict filter on final decisions): a few thousand of a
    // million, which each engine finds its own way (`Dialect::type_column`).
    let open = q.open_only || q.stale_before.is_some();
    run_filters(sql, q, dialect.type_column(open, q.sort));
    scope_filters(sql, q, ("o.workspace_id", "w.name"), ("o.environment_id", "e.name"));
    if let Some(s) = search {
        if s.nothing() {
            sql.push(" AND 1 = 0");
            return;
        }
        if from_items.is_some() {
            // The candidates are exactly the runs the terms match.
            return;
        }
        sql.push(" AND (");
        let mut first = true;
        let mut or = |sql: &mut Sql| {
            if !first {
                sql.push(" OR ");
            }
            first = false;
        };
        for (column, ids) in
            [("o.id", &s.ids), ("o.environment_id", &s.environments), ("o.workspace_id", &s.workspaces)]
        {
            if !ids.is_empty() {
                or(sql);
                sql.push(column).push(" IN ");
                bind_ids(sql, ids);
            }
        }
        if s.any_name() {
            or(sql);
            policy_match(sql, dialect, s);
        }
        sql.push(")");
    }
}

/// What the search terms of `q` match, looked up once for a list however many SQL pages it
/// reads (`None` without terms), recording the look-ups in `log` if set. See [`SearchMatch`].
///
/// # Errors
/// Driver errors.
pub async fn search_of(
    store: &Store,
    operator_id: i64,
    q: &RunQuery,
    log: Option<&StatementLog>,
) -> Result<Option<SearchMatch>, StoreError> {
    if q.search.is_empty() {
        return Ok(None);
    }
    resolve_search(store, operator_id, &q.search, log).await.map(Some)
}

/// One keyset page of visible runs matching `q` (whose search terms matched `search`, see
/// [`search_of`]), in the list's order, strictly after `after`: the statement the driver runs
/// for the page.
#[must_use]
pub fn page_sql(
    store: &Store,
    operator_id: i64,
    q: &RunQuery,
    search: Option<&SearchMatch>,
    after: Option<Cursor>,
    limit: u32,
) -> Sql {
    let mut sql = Sql::new("SELECT ");
    let dialect = store.dialect();
    sql.push(RUN_COLUMNS).push(", ").push(dialect.restore_link_column());
    from_where(&mut sql, dialect, operator_id, q, search);
    let col = sort_column(q.sort, dialect);
    let (cmp, cmp_eq, dir) = if q.ascending { (">", ">=", "ASC") } else { ("<", "<=", "DESC") };
    if let Some(c) = after {
        let key = match c.key {
            CursorKey::Time(t) => Some(Arg::Time(t)),
            CursorKey::Text(t) => Some(Arg::Text(t)),
            CursorKey::Id => None,
        };
        match (&col, key) {
            (Some(col), Some(key)) => {
                // `col <= k AND (col < k OR id < i)`: the first half bounds the index range, so
                // a page deep in the list starts there instead of walking every row before it.
                sql.push(" AND ").push(col).push(" ").push(cmp_eq).push(" ").bind(key.clone());
                sql.push(" AND (").push(col).push(" ").push(cmp).push(" ").bind(key);
                sql.push(" OR o.id ").push(cmp).push(" ").bind(Arg::I64(c.id)).push(")");
            }
            _ => {
                sql.push(" AND o.id ").push(cmp).push(" ").bind(Arg::I64(c.id));
            }
        }
    }
    sql.push(" ORDER BY ");
    if let Some(col) = &col {
        sql.push(col).push(" ").push(dir).push(", ");
    }
    sql.push("o.id ").push(dir);
    sql.push(" LIMIT ").bind(Arg::I64(i64::from(limit)));
    sql
}

/// The cursor that continues a list after `row`.
#[must_use]
pub fn cursor_after(row: &RunRow, sort: SortKey) -> Cursor {
    let text = |t: &str| CursorKey::Text(t.to_owned());
    let key = match sort {
        SortKey::Created => CursorKey::Time(row.created_at),
        SortKey::Updated => CursorKey::Time(row.updated_at),
        SortKey::Id => CursorKey::Id,
        SortKey::Status => text(&row.status),
        SortKey::Outcome => text(&row.outcome),
        SortKey::Type => text(&row.op_type),
        SortKey::Workspace => text(row.workspace_name.as_deref().unwrap_or_default()),
        SortKey::Environment => text(row.environment_name.as_deref().unwrap_or_default()),
    };
    Cursor { key, id: row.id }
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

/// One run by id with its names, locked inside the transition's transaction against every
/// other writer until the commit (SQLite's `BEGIN IMMEDIATE` holds the file already;
/// PostgreSQL locks the row), visible or not (access is the caller's check).
///
/// # Errors
/// Driver errors.
pub async fn run_for_update(tx: &mut Tx, id: i64) -> Result<Option<RunRow>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(RUN_COLUMNS).push(" FROM operation_runs o ").push(RUN_JOINS).push(" WHERE o.id = ").bind(Arg::I64(id));
    sql.push(tx.dialect().lock_run());
    tx.fetch_optional(&sql).await
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
        // The role counts only when the environment is of the run's own workspace: a run whose
        // environment belongs to another workspace is nobody's to see (the schema refuses such
        // a run since migration 0003; one stored before may remain).
        "SELECT (SELECT role FROM memberships WHERE operator_id = $1 AND workspace_id = $2 \
         AND EXISTS (SELECT 1 FROM environments WHERE id = $3 AND workspace_id = $2)) AS role, \
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
