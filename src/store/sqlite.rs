//! SQLite, the embedded default: opening a file (and what to do when it cannot be written),
//! closing it with its write-ahead log folded in, its write transaction, its migrations
//! (`migrations/sqlite`), and its SQL where it differs from PostgreSQL's ([`DIALECT`]).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::bulk::{table_args, Batch};
use super::engine::Dialect;
use super::error::{cannot_make_side_files, sqlite_reason};
use super::queries::{SearchMatch, SortKey};
use super::{Arg, Create, RunCompletion, Sql, StoreError, Tx, CLOSE_CHECKPOINT_WAIT, LOCK_WAIT};

/// Each connection's page cache (`PRAGMA cache_size`; negative: KiB). SQLite's default of 2 MB
/// is smaller than one verdict-filtered page's working set on a large database (a few hundred
/// open runs scattered through the file, and their restores, items, evidence and audit rows),
/// so every page re-read its pages from the OS.
pub const CACHE_SIZE: &str = "-4096";

/// The file path of a `sqlite:` URL (without query parameters).
pub(super) fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

pub(super) fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

/// Opens the file of `url`; `read_only` opens it so that no write can happen
/// (`SQLITE_OPEN_READONLY`). Only `create` (`db` commands, the demo) sets the file's journal
/// mode: a session never changes a file it was only asked to read.
pub(super) async fn connect(url: &str, create: Create, read_only: bool) -> Result<SqlitePool, StoreError> {
    let path = file_of(url).ok_or_else(|| StoreError::Open(format!("not a SQLite file URL: {url}")))?;
    check_path(&path, url, create)?;
    let mut opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Open(format!("bad SQLite URL {url}: {e}")))?
        .create_if_missing(create == Create::IfMissing && !read_only)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(LOCK_WAIT)
        .foreign_keys(true)
        .pragma("cache_size", CACHE_SIZE)
        .read_only(read_only);
    if create == Create::IfMissing && !read_only {
        opts = opts.journal_mode(SqliteJournalMode::Wal);
    }
    // Opened means a first read worked: SQLite makes a WAL file's `-shm` only then.
    let open = |opts: SqliteConnectOptions| async move {
        let pool =
            SqlitePoolOptions::new().max_connections(4).acquire_timeout(LOCK_WAIT * 2).connect_with(opts).await?;
        match sqlx::query("SELECT COUNT(*) FROM sqlite_master").execute(&pool).await {
            Ok(_) => Ok(pool),
            Err(e) => {
                pool.close().await;
                Err(e)
            }
        }
    };
    // A file with no write-ahead log content beside it that cannot be opened as asked (its
    // `-shm` cannot be made: a read-only directory, a full disk) is read as immutable, which
    // needs no side file; writes then fail as read-only. A file nobody may write is read that
    // way straight away when the session is read-only.
    let wal = path.with_file_name(format!("{}-wal", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
    // An empty log (a failed open can leave one) holds nothing the file lacks.
    let frozen = create == Create::Never && std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
    let unwritable = std::fs::metadata(&path).is_ok_and(|m| m.permissions().readonly());
    let immutable = |o: SqliteConnectOptions| o.read_only(true).immutable(true);
    let opened = if frozen && read_only && unwritable {
        open(immutable(opts)).await
    } else {
        match open(opts.clone()).await {
            Err(e) if frozen && cannot_make_side_files(&e) => {
                tracing::info!(error = %e, file = %path.display(), "reading as immutable");
                open(immutable(opts)).await.map_err(|_| e)
            }
            other => other,
        }
    };
    opened.map_err(|e| StoreError::Open(format!("cannot open {}: {}", path.display(), sqlite_reason(&e))))
}

fn check_path(path: &Path, url: &str, create: Create) -> Result<(), StoreError> {
    if path.exists() {
        if path.is_dir() {
            return Err(StoreError::Open(format!("{} is a directory, not a SQLite file", path.display())));
        }
        return Ok(());
    }
    match create {
        Create::Never => Err(StoreError::Open(format!(
            "database file {} does not exist; create it with: proofdesk --db {url} db migrate",
            path.display()
        ))),
        Create::IfMissing => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
            if dir.is_dir() {
                Ok(())
            } else {
                Err(StoreError::Open(format!(
                    "cannot create {}: directory {} does not exist",
                    path.display(),
                    dir.display()
                )))
            }
        }
    }
}

/// Removes a file this process created and could not make a database, with its side files.
pub(super) fn remove_half_made(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut side = path.to_path_buf().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
}

/// Closes every connection. The write-ahead log is first copied into the database file:
/// SQLite does that by itself only when the last connection closes and sees no other, and the
/// pool's connections close side by side, so each could see another still open and leave the
/// log behind (the data is safe either way, but the file alone is then not the whole
/// database). Best effort and bounded: a connection within [`CLOSE_CHECKPOINT_WAIT`] or none,
/// and a reader or writer elsewhere waited for no longer than that either.
///
/// `Pool::close` (sqlx 0.8) stops once it holds every permit, and a connection handed back
/// while it waits gives its permit up as it joins the idle queue: that connection then stays
/// open after the pool closed, until the process ends, and no later close is the last. So
/// the pool is closed only once every connection is idle, and the checkpoint's own
/// connection is closed, not handed back.
pub(super) async fn close(pool: &SqlitePool, probe: &mut Probe) {
    probe.close().await;
    let settle = tokio::time::Instant::now() + CLOSE_CHECKPOINT_WAIT;
    while usize::try_from(pool.size()).is_ok_and(|n| n > pool.num_idle()) && tokio::time::Instant::now() < settle {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    if let Ok(Ok(mut c)) = tokio::time::timeout(CLOSE_CHECKPOINT_WAIT, pool.acquire()).await {
        let wait = format!("PRAGMA busy_timeout = {}", CLOSE_CHECKPOINT_WAIT.as_millis());
        let _ = sqlx::query(&wait).execute(&mut *c).await;
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *c).await;
        let _ = c.close().await;
    }
    pool.close().await;
    // Should a connection still be open anyway (dropped, its worker thread closing it a moment
    // later), one lone connection opened and closed after it is the last one: SQLite folds the
    // log in and removes both files (unless another process has the file open, as it should).
    let opts = pool.connect_options();
    let file = opts.get_filename();
    let side = |suffix: &str| {
        let mut p = file.as_os_str().to_owned();
        p.push(suffix);
        Path::new(&p).exists()
    };
    if side("-wal") || side("-shm") {
        use sqlx::{ConnectOptions, Connection};
        if let Ok(Ok(conn)) = tokio::time::timeout(CLOSE_CHECKPOINT_WAIT, opts.connect()).await {
            let _ = conn.close().await;
        }
    }
}

/// `BEGIN IMMEDIATE`: the write lock up front, so two writers never deadlock on an upgrade.
pub(super) async fn begin(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// The transition's write, as three statements in the transaction (see [`RunCompletion`]):
/// `update`, the transition's own statement, completed by the instant comparison; `false` when
/// the compare-and-swap found the run changed (nothing written).
pub(super) async fn complete_run(tx: &mut Tx, update: &str, w: &RunCompletion) -> Result<bool, StoreError> {
    // Text timestamps may be spelled differently by other writers: compare instants.
    let mut update = Sql::new(update);
    update.push("julianday(updated_at) = julianday($9)");
    let update = w.bind_update(update);
    if tx.execute(&update).await? != 1 {
        return Ok(false);
    }
    let audit = Sql::new(
        "INSERT INTO audit_log (workspace_id, environment_id, actor_id, action, subject_type, subject_id, \
         metadata, created_at) VALUES ($1, $2, $3, 'operation_run.reconciled', 'operation_run', $4, $5, $6)",
    )
    .arg(Arg::I64(w.workspace_id))
    .arg(Arg::I64(w.environment_id))
    .arg(Arg::I64(w.actor_id))
    .arg(Arg::I64(w.run_id))
    .arg(Arg::Json(w.audit_metadata.clone()))
    .arg(Arg::Time(w.written_at));
    tx.execute(&audit).await?;
    if let Some(initiator) = w.notify {
        let notify = Sql::new(
            "INSERT INTO notifications (operator_id, operation_run_id, kind, created_at) \
             VALUES ($1, $2, 'operation_run.terminal', $3)",
        )
        .arg(Arg::I64(initiator))
        .arg(Arg::I64(w.run_id))
        .arg(Arg::Time(w.written_at));
        tx.execute(&notify).await?;
    }
    Ok(true)
}

/// The connection SQLite's change probe asks, made on first use and again after a failure
/// (`PRAGMA data_version` counts per connection, so each new connection starts an epoch: two
/// values compare only within one).
#[derive(Debug, Default)]
pub struct Probe {
    conn: Option<sqlx::SqliteConnection>,
    epoch: i64,
}

impl Probe {
    /// Closes the probe's connection (the store is closing).
    pub(super) async fn close(&mut self) {
        use sqlx::Connection;
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// `(epoch, data_version)`: the second moves whenever another connection commits.
    pub(super) async fn version(&mut self, pool: &SqlitePool) -> Result<(i64, i64), StoreError> {
        use sqlx::ConnectOptions;
        if self.conn.is_none() {
            self.conn = Some(pool.connect_options().connect().await?);
            self.epoch += 1;
        }
        let Some(conn) = self.conn.as_mut() else { return Err(StoreError::Driver("no probe connection".into())) };
        match sqlx::query_as::<_, (i64,)>("PRAGMA data_version").fetch_one(conn).await {
            Ok((v,)) => Ok((self.epoch, v)),
            Err(e) => {
                self.conn = None;
                Err(e.into())
            }
        }
    }
}

/// SQLite's SQL where it differs.
pub(super) struct SqliteDialect;

pub(super) static DIALECT: SqliteDialect = SqliteDialect;

fn bind_ids(sql: &mut Sql, ids: &[i64]) {
    sql.bind_list(ids.iter().map(|i| Arg::I64(*i)));
}

impl Dialect for SqliteDialect {
    fn restore_link_column(&self) -> &'static str {
        // The text is parsed in C, and only text that is JSON (`json_extract` refuses the
        // rest, and one strange run must not fail the page), so no run's context is parsed in
        // Rust just to find its link (docs/performance.md).
        "CASE WHEN json_valid(o.context) THEN CAST(json_extract(o.context, '$.restore_run_id') AS TEXT) END \
         AS restore_link"
    }

    fn type_column(&self, open_only: bool, sort: SortKey) -> &'static str {
        // Open runs are a few thousand of a million. Without statistics SQLite would walk the
        // type index and test every run's status; `+o.type` takes that index out of the
        // choice, leaving the partial index of open runs (0002_perf). Sorted by anything but
        // creation, the same takes the type index (which orders by creation) out of the
        // choice and leaves the sort key's own (0007_sort_keys): the first page is then the
        // first rows of that index that match, not a sort of every run of the type.
        if open_only || sort != SortKey::Created {
            "+o.type"
        } else {
            "o.type"
        }
    }

    fn count_index(&self, open_only: bool) -> &'static str {
        // Without statistics SQLite takes a time range (`since`, `until`) on the type index,
        // which holds no scope, and reads every run of the range once per scope from the
        // table: 0.7 s at 1M runs for 60 days. The scope indexes hold every column the
        // count tests.
        if open_only {
            " INDEXED BY operation_runs_open_scope"
        } else {
            " INDEXED BY operation_runs_scope_count"
        }
    }

    fn keeps_tallies(&self) -> bool {
        // In-process reads of the scope index meet the count's goal at 1M runs (a search's
        // common name is the slowest, 0.24 s), so no write pays for counts kept ahead.
        false
    }

    fn name_in(&self, sql: &mut Sql, m: &SearchMatch, indexed: bool) {
        // `indexed` lets SQLite use the name index: right when starting from the items, wrong
        // inside the per-run test, where SQLite, having no statistics, would walk every item
        // of a common name for each run.
        sql.push(if indexed { "i.policy_name" } else { "(i.policy_name || '')" });
        sql.push(" COLLATE NOCASE IN (SELECT p.policy_name FROM restore_items p WHERE p.id IN ");
        bind_ids(sql, &m.name_keys);
        sql.push(")");
    }

    fn name_walk(&self) -> (&'static str, &'static str) {
        (
            "WITH RECURSIVE n(name) AS (SELECT MIN(policy_name COLLATE NOCASE) FROM restore_items \
             UNION ALL SELECT (SELECT MIN(policy_name COLLATE NOCASE) FROM restore_items \
             WHERE policy_name COLLATE NOCASE > n.name) FROM n WHERE n.name IS NOT NULL) ",
            // As bytes: a name that is not valid UTF-8 still matches by what it does spell.
            // Any one item of the name: the first on the name index (which orders a name's
            // items by restore, not by id: MIN(id) would read all of them).
            "(SELECT k.id FROM restore_items k WHERE k.policy_name COLLATE NOCASE = n.name LIMIT 1), \
             CAST(n.name AS BLOB)",
        )
    }

    fn keep_names(&self, m: &mut SearchMatch, names: Vec<(Option<i64>, String)>) {
        m.name_keys = names.into_iter().filter_map(|r| r.0).collect();
    }

    fn items_in_name_order(&self) -> &'static str {
        ""
    }

    fn bytewise(&self) -> &'static str {
        // BINARY is SQLite's default collation.
        ""
    }

    fn lock_run(&self) -> &'static str {
        // BEGIN IMMEDIATE already holds the write lock.
        ""
    }

    fn max_binds(&self) -> usize {
        // The cost per value grows with the values a statement has through sqlx, so statements
        // stay short (docs/performance.md, "Why the code looks this way").
        256
    }

    fn write_parallelism(&self) -> usize {
        // One writer at a time.
        1
    }

    fn migrations_table_count(&self) -> &'static str {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
    }
}

/// Rows of one table waiting as bound values, flushed as `INSERT`s of one fixed shape.
pub struct InsertRows {
    table: &'static str,
    cols: &'static [&'static str],
    pub(super) rows_per_statement: usize,
    args: Vec<Arg>,
    full_text: Option<String>,
}

/// Page cache for an index rebuild (its sort), in KiB.
const REBUILD_CACHE_KIB: i64 = 256 * 1024;

impl InsertRows {
    pub(super) fn new(table: &'static str, cols: &'static [&'static str]) -> Self {
        // SQLite binds at most 32766 values per statement.
        let max_args = 32_766;
        let rows_per_statement = (max_args / cols.len()).max(1);
        Self { table, cols, rows_per_statement, args: Vec::with_capacity(max_args), full_text: None }
    }

    fn rows(&self) -> usize {
        self.args.len() / self.cols.len()
    }

    pub(super) fn push(&mut self, row: impl IntoIterator<Item = Arg>) {
        let before = self.args.len();
        self.args.extend(row);
        debug_assert_eq!(self.args.len() - before, self.cols.len(), "{}: wrong number of values", self.table);
    }

    /// `INSERT INTO t (…) VALUES (…), (…)` for `rows` rows, placeholders only.
    ///
    /// Anonymous `?`: SQLite treats `$n` as a *named* parameter, and the driver looks every
    /// name up in a list it scans from the start, which makes binding a large statement
    /// quadratic; anonymous parameters bind by position.
    fn text(&self, rows: usize) -> String {
        let mut sql = Sql::new("INSERT INTO ");
        sql.push(self.table).push(" (").push(&self.cols.join(", ")).push(") VALUES ");
        let tuple = format!("({})", vec!["?"; self.cols.len()].join(", "));
        sql.push(&vec![tuple; rows].join(", "));
        sql.text
    }

    pub(super) fn take_full(&mut self) -> Option<Batch> {
        if self.rows() < self.rows_per_statement {
            return None;
        }
        let n = self.rows_per_statement * self.cols.len();
        let mut tail = Vec::with_capacity(self.args.capacity());
        tail.extend(self.args.drain(n..));
        let args = std::mem::replace(&mut self.args, tail);
        if self.full_text.is_none() {
            self.full_text = Some(self.text(self.rows_per_statement));
        }
        Some(Batch::Insert(Sql { text: self.full_text.clone().unwrap_or_default(), args }))
    }

    pub(super) fn take_rest(&mut self) -> Option<Batch> {
        let rows = self.rows();
        if rows == 0 {
            return None;
        }
        if rows == self.rows_per_statement {
            return self.take_full();
        }
        let args = std::mem::take(&mut self.args);
        Some(Batch::Insert(Sql { text: self.text(rows), args }))
    }
}

/// Drops the secondary indexes of `tables` inside `tx` and returns the statements that
/// rebuild them (their own `CREATE INDEX` text from `sqlite_master`), with a larger page cache
/// for the sort while they run and the connection's own cache size put back after.
pub(super) async fn set_aside_indexes(tx: &mut Tx, tables: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut sql =
        Sql::new("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ");
    sql.bind_list(table_args(tables)).push(" ORDER BY name");
    let indexes: Vec<(String, String)> = tx.fetch_all(&sql).await?;
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let cache: Option<(i64,)> = tx.fetch_optional(&Sql::new("PRAGMA cache_size")).await?;
    for (name, _) in &indexes {
        tx.execute(&Sql::new(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))).await?;
    }
    let mut out = vec![format!("PRAGMA cache_size = -{REBUILD_CACHE_KIB}")];
    out.extend(indexes.into_iter().map(|(_, create)| create));
    out.push(format!("PRAGMA cache_size = {}", cache.map_or(-2000, |(c,)| c)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_statements_use_placeholders_and_one_shape() {
        const COLS: &[&str] = &["id", "operator_id", "operation_run_id", "kind", "created_at"];
        let mut buf = InsertRows::new("notifications", COLS);
        let per = 6553;
        assert_eq!(buf.rows_per_statement, per);
        for i in 0..per + 2 {
            let i = i64::try_from(i).expect("small");
            buf.push([Arg::I64(i), Arg::I64(1), Arg::I64(2), Arg::Text("k'); DROP TABLE x; --".into()), Arg::I64(3)]);
        }
        let Some(Batch::Insert(full)) = buf.take_full() else { panic!("a full INSERT") };
        assert_eq!(full.args.len(), per * 5);
        assert!(full
            .text
            .starts_with("INSERT INTO notifications (id, operator_id, operation_run_id, kind, created_at) VALUES"));
        assert!(full.text.contains("VALUES (?, ?, ?, ?, ?), (?,"));
        assert!(!full.text.contains("DROP"));
        assert!(buf.take_full().is_none());
        let Some(Batch::Insert(again)) = buf.take_rest() else { panic!("the rest") };
        assert_eq!(again.args.len(), 10);
        assert!(again.text.ends_with("(?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"));
    }
}
