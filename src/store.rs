//! The store: SQLite (embedded default) and PostgreSQL (production) behind one type.
//!
//! Every query is written once, with `$n` placeholders that both engines accept, and bound
//! values only: [`Sql`] is the one way to build a statement, and it never formats a value
//! into the text. Dispatch to the right driver happens in the two `dispatch` macros below, so
//! callers never see which engine they talk to. Migrations are versioned, one set per backend
//! (`migrations/sqlite`, `migrations/postgres`). Only `db` commands and the demo database as it
//! is created run them ([`Store::open`]); every other session ([`Store::open_session`]) checks
//! the schema version and says what to run, and a read-only session cannot write at all
//! (SQLite opened read-only, PostgreSQL transactions read-only by default).
//!
//! What does not live here: the proof rules (`domain`), and the write of an operation run's
//! status/outcome/counts/context, which belongs to `service::reconcile` alone (the store
//! only hands it a transaction), and the demo data set (`src/demo`, which writes through
//! this module's public API).

pub mod fixtures;
mod observe;
pub mod queries;
pub mod rows;

pub use observe::{Statement, StatementKind, StatementLog};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// How long closing a SQLite store waits for a connection and for other readers and writers
/// to copy the write-ahead log into the database file (see [`Store::close`]).
pub const CLOSE_CHECKPOINT_WAIT: Duration = Duration::from_millis(250);

/// How long a write waits for a lock held by someone else before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// How long a PostgreSQL request waits for a connection: a server that is down or unreachable
/// fails within this instead of hanging (the console then says so and retries with backoff).
pub const PG_ACQUIRE: Duration = Duration::from_secs(3);

/// The longest one PostgreSQL statement of a session may run (`statement_timeout`); a lock
/// held elsewhere is waited for [`LOCK_WAIT`] at most (`lock_timeout`). Both read "busy, try
/// again". `db` commands (bulk loads, index builds) have the lock bound only.
pub const PG_STATEMENT_LIMIT: Duration = Duration::from_secs(60);

/// A store failure, already sorted by what the caller should say.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database named does not exist or cannot be opened; the message says how to fix it.
    #[error("{0}")]
    Open(String),
    /// The schema was written by a newer proofdesk (or another tool).
    #[error("{0}")]
    Schema(String),
    /// A lock held elsewhere outlasted the bounded wait.
    #[error("the database is busy (a lock is held elsewhere); try again")]
    Busy,
    /// The connection was lost, or none could be had: the server is down, restarting or
    /// unreachable. Nothing of an open transaction was kept (it never reached its commit).
    #[error("database unreachable: {0}")]
    Unavailable(String),
    /// The connection dropped while a COMMIT was under way: the server may or may not have
    /// applied it, and this process cannot tell which.
    #[error("outcome unknown: the connection dropped during commit ({0})")]
    CommitUnknown(String),
    /// The SQLite file (or its directory) cannot be written; reading may still work.
    #[error("the database is read-only ({0}); check the permissions of the database file and its directory")]
    ReadOnly(String),
    /// Anything else from the driver; the text never contains a password.
    #[error("database error: {0}")]
    Driver(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            // SQLite: SQLITE_BUSY (5) / SQLITE_LOCKED (6); PostgreSQL: lock_not_available, and
            // query_canceled (a statement_timeout ran out: a lock or a load held it up).
            if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "55P03" | "57014")) {
                return Self::Busy;
            }
            match sqlite_primary_code(db.as_ref()) {
                // SQLITE_READONLY and its extended codes.
                Some(8) => return Self::ReadOnly(db.message().to_owned()),
                // SQLITE_CORRUPT / SQLITE_NOTADB: found while reading, not only when opening.
                Some(11 | 26) => {
                    return Self::Open(format!(
                        "the database file is corrupt or not a SQLite database ({}); restore it from a backup",
                        db.message()
                    ))
                }
                _ => {}
            }
        }
        if matches!(e, sqlx::Error::PoolTimedOut) {
            return Self::Busy;
        }
        if is_connection_lost(&e) {
            return Self::Unavailable(redact_passwords(&e.to_string()));
        }
        Self::Driver(redact_passwords(&e.to_string()))
    }
}

/// The primary result code (extended code & 0xff) of a SQLite error; `None` for PostgreSQL.
fn sqlite_primary_code(db: &dyn sqlx::error::DatabaseError) -> Option<i32> {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
    db.code()?.parse::<i32>().ok().map(|c| c & 0xff)
}

/// Whether `e` says the connection is gone (or cannot be made), rather than that the statement
/// failed: I/O and TLS failures, a closed pool, a dead connection worker, and PostgreSQL's
/// connection exceptions (class 08) and shutdown codes (57P01 admin, 57P02 crash, 57P03 starting).
fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        use sqlx::migrate::MigrateError as M;
        match e {
            M::VersionMissing(v) => Self::Schema(format!(
                "the database schema records migration {v}, which this proofdesk does not know; upgrade proofdesk"
            )),
            M::VersionMismatch(v) => Self::Schema(format!("migration {v} was changed after it was applied")),
            M::Execute(e) => e.into(),
            other => Self::Driver(redact_passwords(&other.to_string())),
        }
    }
}

/// Replaces `user:password@` in any URL-looking text with `user:***@`.
#[must_use]
pub fn redact_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'').unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A bound value. Statements carry these, never formatted text.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Json(Value),
    OptJson(Option<Value>),
}

/// A statement and its bound values, with `$n` placeholders numbered as values are pushed.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    #[must_use]
    pub fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new() }
    }

    /// An empty statement with room for `capacity` bytes of text.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self { text: String::with_capacity(capacity), args: Vec::new() }
    }

    /// Appends SQL text (never a value).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds a value and appends its placeholder.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        // Written in place: a page's bundle statement binds hundreds of values.
        let _ = std::fmt::Write::write_fmt(&mut self.text, format_args!("${n}"));
        self
    }

    /// Binds a value without appending a placeholder (for statements written with `$n` already).
    #[must_use]
    pub fn arg(mut self, arg: Arg) -> Self {
        self.args.push(arg);
        self
    }

    /// Appends `(p1, p2, ...)` binding each value.
    pub fn bind_list(&mut self, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.text.push('(');
        for (i, a) in args.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(a);
        }
        self.text.push(')');
        self
    }
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::store::Arg::I64(v) => q.bind(*v),
                $crate::store::Arg::OptI64(v) => q.bind(*v),
                $crate::store::Arg::Text(v) => q.bind(v.clone()),
                $crate::store::Arg::OptText(v) => q.bind(v.clone()),
                $crate::store::Arg::Bool(v) => q.bind(*v),
                $crate::store::Arg::Time(v) => q.bind(*v),
                $crate::store::Arg::OptTime(v) => q.bind(*v),
                $crate::store::Arg::Json(v) => q.bind(sqlx::types::Json(v.clone())),
                $crate::store::Arg::OptJson(v) => q.bind(v.clone().map(sqlx::types::Json)),
            };
        }
        q
    }};
}

/// A row type that decodes on both engines (derive `sqlx::FromRow` with portable field types).
pub trait AnyRow: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> AnyRow for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

macro_rules! dispatch_pool {
    ($pool:expr, $sql:expr, $method:ident) => {
        match $pool {
            Pool::Sqlite(p) => bind_args!(sqlx::query_as(&$sql.text), &$sql.args).$method(p).await,
            Pool::Postgres(p) => bind_args!(sqlx::query_as(&$sql.text), &$sql.args).$method(p).await,
        }
    };
}

/// One connection taken from the pool for a few statements in a row (a list page and its
/// proof bundles): one acquire (and, on PostgreSQL, one liveness check) instead of one per
/// statement, and on SQLite one connection's page cache, warm from the statement before.
pub struct Conn {
    inner: ConnInner,
}

enum ConnInner {
    Sqlite(sqlx::pool::PoolConnection<Sqlite>),
    Postgres(sqlx::pool::PoolConnection<Postgres>),
}

macro_rules! dispatch_conn {
    ($conn:expr, $sql:expr, $method:ident) => {
        match &mut $conn.inner {
            ConnInner::Sqlite(c) => bind_args!(sqlx::query_as(&$sql.text), &$sql.args).$method(&mut **c).await,
            ConnInner::Postgres(c) => bind_args!(sqlx::query_as(&$sql.text), &$sql.args).$method(&mut **c).await,
        }
    };
}

/// [`Conn::overlap_each`] on one engine's row stream: the first poll sends the statement (on
/// PostgreSQL it is written and flushed, on SQLite handed to the connection's worker thread),
/// then `meanwhile` runs, then each row is decoded and handed over as it arrives. Rows are
/// dropped after the last one, as in [`Conn::fetch_all`].
async fn overlap<R, T, M>(
    mut rows: futures::stream::BoxStream<'_, Result<R, sqlx::Error>>,
    meanwhile: impl FnOnce() -> Result<M, StoreError>,
    mut decode: impl FnMut(&R) -> Result<T, sqlx::Error>,
    mut each: impl FnMut(&mut M, T) -> Result<(), StoreError>,
) -> Result<M, StoreError> {
    use futures::{FutureExt, StreamExt};
    let mut next = rows.next().now_or_never();
    let mut m = meanwhile()?;
    let mut keep = Vec::new();
    loop {
        let row = match next.take() {
            Some(Some(row)) => row?,
            Some(None) => break,
            None => match rows.try_next().await? {
                Some(row) => row,
                None => break,
            },
        };
        each(&mut m, decode(&row)?)?;
        keep.push(row);
    }
    drop(rows);
    drop(keep);
    Ok(m)
}

/// Rows fetched whole and not decoded yet (see [`Conn::fetch_rows`]).
pub enum Rows {
    Sqlite(Vec<SqliteRow>),
    Postgres(Vec<PgRow>),
}

impl Rows {
    /// How many.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Sqlite(r) => r.len(),
            Self::Postgres(r) => r.len(),
        }
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names of the columns, in order (none without rows).
    #[must_use]
    pub fn column_names(&self) -> Vec<String> {
        fn names<R: sqlx::Row>(rows: &[R]) -> Vec<String> {
            use sqlx::Column;
            rows.first().map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect()).unwrap_or_default()
        }
        match self {
            Self::Sqlite(r) => names(r),
            Self::Postgres(r) => names(r),
        }
    }

    /// Every row as `T`, in order, for a row type of `tolerant_row!` (see [`rows::Tolerant`]).
    ///
    /// # Errors
    /// A missing column.
    pub fn decode_tolerant<T: rows::Tolerant>(&self) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Self::Sqlite(r) => r.iter().map(|row| T::from_sqlite_at(row, 0)).collect::<Result<_, _>>()?,
            Self::Postgres(r) => rows::decode_pg(r, 0)?,
        })
    }
}

impl Conn {
    /// Runs a query on this connection and decodes every row.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_all<T: AnyRow>(&mut self, sql: &Sql) -> Result<Vec<T>, StoreError> {
        match &mut self.inner {
            // SQLite: each row is decoded as it arrives, while the connection's worker thread
            // steps to the next, and dropped only after the last, so this thread never frees
            // while the worker allocates (docs/performance.md, "Why the code looks this way").
            ConnInner::Sqlite(c) => {
                let (mut out, mut keep) = (Vec::new(), Vec::new());
                let mut rows = bind_args!(sqlx::query(&sql.text), &sql.args).fetch(&mut **c);
                while let Some(row) = rows.try_next().await? {
                    out.push(T::from_row(&row)?);
                    keep.push(row);
                }
                drop(rows);
                drop(keep);
                Ok(out)
            }
            // PostgreSQL: each row is decoded as it arrives, while the server is still
            // finding the next ones.
            ConnInner::Postgres(c) => Ok(bind_args!(sqlx::query_as(&sql.text), &sql.args).fetch_all(&mut **c).await?),
        }
    }

    /// [`Self::fetch_all`] for a row type of `tolerant_row!`: on PostgreSQL the columns'
    /// types are checked once, on the first row, not on every value (see [`rows::Tolerant`]).
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_tolerant<T: rows::Tolerant>(&mut self, sql: &Sql) -> Result<Vec<T>, StoreError> {
        match &mut self.inner {
            ConnInner::Sqlite(_) => self.fetch_all(sql).await,
            ConnInner::Postgres(c) => {
                let mut out = Vec::new();
                let mut fit = None;
                let mut rows = bind_args!(sqlx::query(&sql.text), &sql.args).fetch(&mut **c);
                while let Some(row) = rows.try_next().await? {
                    let fit = *fit.get_or_insert_with(|| T::pg_columns_fit(sqlx::Row::columns(&row), 0));
                    out.push(T::from_pg_at(&row, 0, !fit)?);
                }
                Ok(out)
            }
        }
    }

    /// Sends `sql`, runs `meanwhile` (work that needs none of its rows) while the database
    /// executes it, then hands each row, decoded as `T`, to `each` as it arrives, with
    /// what `meanwhile` returned; returns that. A list page decodes its runs while its
    /// proof-bundle statement runs, and assesses each run as its restore's row comes in
    /// rather than after the last one.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`], or what `each` returns.
    pub async fn overlap_each<T: rows::Tolerant, M>(
        &mut self,
        sql: &Sql,
        meanwhile: impl FnOnce() -> Result<M, StoreError>,
        each: impl FnMut(&mut M, T) -> Result<(), StoreError>,
    ) -> Result<M, StoreError> {
        match &mut self.inner {
            ConnInner::Sqlite(c) => {
                let rows = bind_args!(sqlx::query(&sql.text), &sql.args).fetch(&mut **c);
                overlap(rows, meanwhile, |row| T::from_sqlite_at(row, 0), each).await
            }
            ConnInner::Postgres(c) => {
                let rows = bind_args!(sqlx::query(&sql.text), &sql.args).fetch(&mut **c);
                let mut fit = None;
                let decode = |row: &PgRow| {
                    let fit = *fit.get_or_insert_with(|| T::pg_columns_fit(sqlx::Row::columns(row), 0));
                    T::from_pg_at(row, 0, !fit)
                };
                overlap(rows, meanwhile, decode, each).await
            }
        }
    }

    /// Runs a query on this connection and fetches every row without decoding any, so the
    /// caller can decode them while the connection runs its next statement.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_rows(&mut self, sql: &Sql) -> Result<Rows, StoreError> {
        Ok(match &mut self.inner {
            ConnInner::Sqlite(c) => {
                Rows::Sqlite(bind_args!(sqlx::query(&sql.text), &sql.args).fetch_all(&mut **c).await?)
            }
            ConnInner::Postgres(c) => {
                Rows::Postgres(bind_args!(sqlx::query(&sql.text), &sql.args).fetch_all(&mut **c).await?)
            }
        })
    }

    /// Runs a list page's statement ([`queries::page_sql`]) on this connection and fetches
    /// every row without decoding it, but for each run's restore link: the column the page
    /// adds for it after the run's ([`rows::restore_link_column`]), read as each row arrives,
    /// while the database still sends the rest. The links say which restores to load, not
    /// the proof's reading of them (see [`rows::RunRow::restore_run_id`]).
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`]; a missing link column.
    pub async fn fetch_page(&mut self, sql: &Sql) -> Result<(Rows, Vec<Option<i64>>), StoreError> {
        use futures::TryStreamExt;
        use rows::{RunLink, RunRow, Tolerant};
        let at = RunRow::COLUMNS.len();
        let mut links = Vec::new();
        let rows = match &mut self.inner {
            ConnInner::Sqlite(c) => {
                let mut stream = bind_args!(sqlx::query(&sql.text), &sql.args).fetch(&mut **c);
                let mut rows = Vec::new();
                while let Some(row) = stream.try_next().await? {
                    links.push(RunLink::from_sqlite_at(&row, at)?.restore_run_id());
                    rows.push(row);
                }
                Rows::Sqlite(rows)
            }
            ConnInner::Postgres(c) => {
                let mut stream = bind_args!(sqlx::query(&sql.text), &sql.args).fetch(&mut **c);
                let (mut rows, mut fit) = (Vec::new(), None);
                while let Some(row) = stream.try_next().await? {
                    let fit = *fit.get_or_insert_with(|| RunLink::pg_columns_fit(sqlx::Row::columns(&row), at));
                    links.push(RunLink::from_pg_at(&row, at, !fit)?.restore_run_id());
                    rows.push(row);
                }
                Rows::Postgres(rows)
            }
        };
        Ok((rows, links))
    }

    /// Runs a query on this connection and decodes the first row, if any.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_optional<T: AnyRow>(&mut self, sql: &Sql) -> Result<Option<T>, StoreError> {
        Ok(dispatch_conn!(self, sql, fetch_optional)?)
    }
}

/// Which engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Whether opening may create a missing SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// `db` commands and the default demo database.
    IfMissing,
    /// Everything else: a missing file is an error that says how to create it.
    Never,
}

/// A connection pool to one database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    label: String,
}

/// An open write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: with a `lock_timeout`).
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Each SQLite connection's page cache (`PRAGMA cache_size`; negative: KiB). SQLite's default
/// of 2 MB is smaller than one verdict-filtered page's working set on a large database (a few
/// hundred open runs scattered through the file, and their restores, items, evidence and
/// audit rows), so every page re-read its pages from the OS.
pub const SQLITE_CACHE_SIZE: &str = "-4096";

/// The file path of a `sqlite:` URL (without query parameters).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A short, password-free name for a database URL: the SQLite file, or `postgres host:port/db`.
#[must_use]
pub fn describe_url(url: &str) -> String {
    if let Some(path) = sqlite_path(url) {
        return format!("sqlite {}", path.display());
    }
    match PgConnectOptions::from_str(url) {
        Ok(o) => format!("postgres {}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or("postgres")),
        Err(_) => redact_passwords(url),
    }
}

impl Store {
    /// Opens `url` (`sqlite:PATH` or `postgres://…`) and runs pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Open`] with a sentence that says what to do, or a migration failure.
    pub async fn open(url: &str, create: Create) -> Result<Self, StoreError> {
        // A file this call creates is removed again if it cannot be made a database (a full
        // disk, a failed migration): nothing half-made is left behind.
        let created = sqlite_path(url).filter(|p| create == Create::IfMissing && !p.exists());
        let result = async {
            let store = Self::connect(url, create).await?;
            store.migrate().await?;
            Ok(store)
        }
        .await;
        if let (Err(_), Some(path)) = (&result, created) {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
        result
    }

    /// Opens `url` for a session that must not change the schema: the schema version is
    /// checked, never migrated (a schema behind, missing or newer is [`StoreError::Schema`],
    /// which says what to run). `read_only` opens it so that no write can happen at all.
    ///
    /// # Errors
    /// As [`Self::connect`], and [`StoreError::Schema`].
    pub async fn open_session(url: &str, read_only: bool) -> Result<Self, StoreError> {
        let store = Self::connect_with(url, Create::Never, read_only).await?;
        if let Err(e) = store.check_schema(url).await {
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// Opens `url` without migrating.
    ///
    /// # Errors
    /// [`StoreError::Open`] when the URL is not usable or the server cannot be reached.
    pub async fn connect(url: &str, create: Create) -> Result<Self, StoreError> {
        Self::connect_with(url, create, false).await
    }

    /// Opens `url` without migrating; `read_only` makes every write fail in the driver or the
    /// server (SQLite `SQLITE_OPEN_READONLY`, PostgreSQL `default_transaction_read_only`).
    /// Only `create` (`db` commands, the demo) sets the file's journal mode: a session never
    /// changes a file it was only asked to read.
    ///
    /// # Errors
    /// [`StoreError::Open`] when the URL is not usable or the server cannot be reached.
    pub async fn connect_with(url: &str, create: Create, read_only: bool) -> Result<Self, StoreError> {
        let label = describe_url(url);
        if url.starts_with("sqlite:") {
            let path = sqlite_path(url).ok_or_else(|| StoreError::Open(format!("not a SQLite file URL: {url}")))?;
            check_sqlite_path(&path, url, create)?;
            let mut opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Open(format!("bad SQLite URL {url}: {e}")))?
                .create_if_missing(create == Create::IfMissing && !read_only)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(LOCK_WAIT)
                .foreign_keys(true)
                .pragma("cache_size", SQLITE_CACHE_SIZE)
                .read_only(read_only);
            if create == Create::IfMissing && !read_only {
                opts = opts.journal_mode(SqliteJournalMode::Wal);
            }
            // Opened means a first read worked: SQLite makes a WAL file's `-shm` only then.
            let open = |opts: SqliteConnectOptions| async move {
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(LOCK_WAIT * 2)
                    .connect_with(opts)
                    .await?;
                match sqlx::query("SELECT COUNT(*) FROM sqlite_master").execute(&pool).await {
                    Ok(_) => Ok(pool),
                    Err(e) => {
                        pool.close().await;
                        Err(e)
                    }
                }
            };
            // A file with no write-ahead log content beside it that cannot be opened as asked (its
            // `-shm` cannot be made: a read-only directory, a full disk) is read as immutable,
            // which needs no side file; writes then fail as read-only. A file nobody may
            // write is read that way straight away when the session is read-only.
            let wal = path
                .with_file_name(format!("{}-wal", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
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
            let pool = opened
                .map_err(|e| StoreError::Open(format!("cannot open {}: {}", path.display(), sqlite_reason(&e))))?;
            Ok(Self { pool: Pool::Sqlite(pool), label })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut settings = vec![("lock_timeout", format!("{}ms", LOCK_WAIT.as_millis()))];
            if create == Create::Never {
                settings.push(("statement_timeout", format!("{}ms", PG_STATEMENT_LIMIT.as_millis())));
            }
            if read_only {
                settings.push(("default_transaction_read_only", "on".to_owned()));
            }
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Open(format!("bad PostgreSQL URL: {}", redact_passwords(&e.to_string()))))?
                .application_name("proofdesk")
                .options(settings);
            // Each connection is checked before use (a server restart leaves dead ones behind).
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(PG_ACQUIRE)
                .test_before_acquire(true)
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Open(pg_connect_reason(&label, &e)))?;
            Ok(Self { pool: Pool::Postgres(pool), label })
        } else {
            Err(StoreError::Open(format!(
                "unsupported database URL {:?}: use sqlite:PATH or postgres://USER@HOST:PORT/DB",
                redact_passwords(url)
            )))
        }
    }

    /// Applies every pending migration of this backend.
    ///
    /// # Errors
    /// [`StoreError::Schema`] when the database is ahead of this binary.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx checks the recorded history against the known migrations before applying any,
        // so a database ahead of this binary is refused untouched (never migrated or undone).
        let m = self.migrator();
        let known = m.iter().map(|m| m.version).max().unwrap_or(0);
        let result = match &self.pool {
            Pool::Sqlite(p) => m.run(p).await,
            Pool::Postgres(p) => m.run(p).await,
        };
        result.map_err(|e| match e {
            sqlx::migrate::MigrateError::VersionMissing(v) if v > known => StoreError::Schema(format!(
                "database schema version {v} is newer than this proofdesk ({known}); upgrade proofdesk"
            )),
            other => other.into(),
        })
    }

    fn migrator(&self) -> sqlx::migrate::Migrator {
        match &self.pool {
            Pool::Sqlite(_) => sqlx::migrate!("./migrations/sqlite"),
            Pool::Postgres(_) => sqlx::migrate!("./migrations/postgres"),
        }
    }

    /// Compares the migrations recorded in the database with this binary's, without changing
    /// anything. `url` names the database in what the error tells the operator to run.
    ///
    /// # Errors
    /// [`StoreError::Schema`] when the schema is missing, behind, newer, half-applied or
    /// different from this binary's; driver errors.
    pub async fn check_schema(&self, url: &str) -> Result<(), StoreError> {
        let run = format!("proofdesk --db {} db migrate", redact_passwords(url));
        let table = match self.engine() {
            Engine::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            Engine::Postgres => {
                "SELECT COUNT(*) FROM pg_catalog.pg_tables \
                 WHERE tablename = '_sqlx_migrations' AND schemaname = current_schema()"
            }
        };
        let present: Option<(i64,)> = self.fetch_optional(&Sql::new(table)).await?;
        if present.is_none_or(|(n,)| n == 0) {
            return Err(StoreError::Schema(format!("{} holds no proofdesk schema; create it with: {run}", self.label)));
        }
        let applied: Vec<(i64, bool, Vec<u8>)> = self
            .fetch_all(&Sql::new("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version"))
            .await?;
        let m = self.migrator();
        let known = m.iter().map(|m| m.version).max().unwrap_or(0);
        for (version, success, checksum) in &applied {
            match m.iter().find(|k| k.version == *version) {
                None if *version > known => {
                    return Err(StoreError::Schema(format!(
                        "{}'s schema version {version} is newer than this proofdesk ({known}); upgrade proofdesk",
                        self.label
                    )))
                }
                None => {
                    return Err(StoreError::Schema(format!(
                        "{} records migration {version}, which this proofdesk does not know; upgrade proofdesk",
                        self.label
                    )))
                }
                Some(_) if !success => {
                    return Err(StoreError::Schema(format!(
                        "migration {version} of {} did not finish; run: {run}",
                        self.label
                    )))
                }
                Some(k) if k.checksum.as_ref() != checksum.as_slice() => {
                    return Err(StoreError::Schema(format!(
                        "migration {version} of {} differs from this proofdesk's; the schema was changed by hand",
                        self.label
                    )))
                }
                Some(_) => {}
            }
        }
        let have = applied.iter().map(|a| a.0).max().unwrap_or(0);
        if m.iter().any(|k| !applied.iter().any(|a| a.0 == k.version)) {
            return Err(StoreError::Schema(format!(
                "{}'s schema is at version {have}, this proofdesk needs {known}; run: {run}",
                self.label
            )));
        }
        Ok(())
    }

    /// `sqlite FILE` or `postgres host:port/db`; never a password.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    #[must_use]
    pub const fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Closes every connection (waits for them to be returned). On SQLite the write-ahead
    /// log is first copied into the database file: SQLite does that by itself only when the
    /// last connection closes and sees no other, and the pool's connections close side by
    /// side, so each could see another still open and leave the log behind (the data is safe
    /// either way, but the file alone is then not the whole database). Best effort and
    /// bounded: a connection within [`CLOSE_CHECKPOINT_WAIT`] or none, and a reader or writer
    /// elsewhere waited for no longer than that either.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => {
                if let Ok(Ok(mut c)) = tokio::time::timeout(CLOSE_CHECKPOINT_WAIT, p.acquire()).await {
                    let wait = format!("PRAGMA busy_timeout = {}", CLOSE_CHECKPOINT_WAIT.as_millis());
                    let _ = sqlx::query(&wait).execute(&mut *c).await;
                    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *c).await;
                }
                p.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Sorts a failure to use the pool: on PostgreSQL, no connection within [`PG_ACQUIRE`]
    /// while the pool is not simply full of connections in use means the server is down or
    /// unreachable (connections are checked before use, and a refused connect is retried until
    /// the timeout); otherwise (and on SQLite, where it means another writer holds the file)
    /// the database is busy.
    fn pool_error(&self, e: sqlx::Error) -> StoreError {
        if let (sqlx::Error::PoolTimedOut, Pool::Postgres(p)) = (&e, &self.pool) {
            let all_in_use = p.size() >= p.options().get_max_connections() && p.num_idle() == 0;
            if !all_in_use {
                return StoreError::Unavailable(format!(
                    "no connection to {} within {}s",
                    self.label,
                    PG_ACQUIRE.as_secs()
                ));
            }
        }
        e.into()
    }

    /// Runs a query and decodes every row.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_all<T: AnyRow>(&self, sql: &Sql) -> Result<Vec<T>, StoreError> {
        dispatch_pool!(&self.pool, sql, fetch_all).map_err(|e| self.pool_error(e))
    }

    /// Runs a query and decodes the first row, if any.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_optional<T: AnyRow>(&self, sql: &Sql) -> Result<Option<T>, StoreError> {
        dispatch_pool!(&self.pool, sql, fetch_optional).map_err(|e| self.pool_error(e))
    }

    /// Takes one connection from the pool for a few statements in a row (see [`Conn`]).
    ///
    /// # Errors
    /// As [`Self::fetch_all`] when no connection can be had.
    pub async fn acquire(&self) -> Result<Conn, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => ConnInner::Sqlite(p.acquire().await.map_err(|e| self.pool_error(e))?),
            Pool::Postgres(p) => ConnInner::Postgres(p.acquire().await.map_err(|e| self.pool_error(e))?),
        };
        Ok(Conn { inner })
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite (the write lock up front, so two
    /// writers never deadlock on an upgrade), a bounded `lock_timeout` on PostgreSQL.
    ///
    /// # Errors
    /// [`StoreError::Busy`] when the lock is not had in time, [`StoreError::Unavailable`] when
    /// the server cannot be reached.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => Ok(Tx {
                inner: TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.pool_error(e))?),
            }),
            Pool::Postgres(p) => {
                let mut tx = p.begin().await.map_err(|e| self.pool_error(e))?;
                sqlx::query("SET LOCAL lock_timeout = '5s'").execute(&mut *tx).await?;
                Ok(Tx { inner: TxInner::Postgres(tx) })
            }
        }
    }
}

macro_rules! dispatch_tx {
    ($tx:expr, $sql:expr, $method:ident, $query:path) => {
        match &mut $tx.inner {
            TxInner::Sqlite(t) => bind_args!($query(&$sql.text), &$sql.args).$method(&mut **t).await,
            TxInner::Postgres(t) => bind_args!($query(&$sql.text), &$sql.args).$method(&mut **t).await,
        }
    };
}

impl Tx {
    /// Which engine the transaction runs on (for the few statements whose SQL differs).
    #[must_use]
    pub const fn engine(&self) -> Engine {
        match self.inner {
            TxInner::Sqlite(_) => Engine::Sqlite,
            TxInner::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs a query inside the transaction and decodes every row.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_all<T: AnyRow>(&mut self, sql: &Sql) -> Result<Vec<T>, StoreError> {
        Ok(dispatch_tx!(self, sql, fetch_all, sqlx::query_as)?)
    }

    /// Runs a query inside the transaction and decodes the first row, if any.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn fetch_optional<T: AnyRow>(&mut self, sql: &Sql) -> Result<Option<T>, StoreError> {
        Ok(dispatch_tx!(self, sql, fetch_optional, sqlx::query_as)?)
    }

    /// Executes a statement; returns the number of rows it touched.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn execute(&mut self, sql: &Sql) -> Result<u64, StoreError> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => {
                bind_args!(sqlx::query(&sql.text), &sql.args).execute(&mut **t).await?.rows_affected()
            }
            TxInner::Postgres(t) => {
                bind_args!(sqlx::query(&sql.text), &sql.args).execute(&mut **t).await?.rows_affected()
            }
        })
    }

    /// Runs `COPY … FROM STDIN` with `data` (COPY's text format) inside the transaction;
    /// returns the number of rows copied. PostgreSQL only: on SQLite it is an error.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`]; a bad row fails the whole COPY.
    pub async fn copy_in(&mut self, statement: &str, data: &[u8]) -> Result<u64, StoreError> {
        match &mut self.inner {
            TxInner::Sqlite(_) => Err(StoreError::Driver("COPY is PostgreSQL's; SQLite has no such statement".into())),
            TxInner::Postgres(t) => {
                let mut copy = t.copy_in_raw(statement).await?;
                if let Err(e) = copy.send(data).await {
                    copy.abort("proofdesk: sending rows failed").await.ok();
                    return Err(e.into());
                }
                Ok(copy.finish().await?)
            }
        }
    }

    /// Makes every write of the transaction durable.
    ///
    /// # Errors
    /// Driver errors, after which nothing of the transaction is kept; except
    /// [`StoreError::CommitUnknown`]: the connection dropped during the commit, and whether the
    /// server applied it cannot be known here.
    pub async fn commit(self) -> Result<(), StoreError> {
        let result = match self.inner {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Postgres(t) => t.commit().await,
        };
        result.map_err(|e| match StoreError::from(e) {
            StoreError::Unavailable(m) => StoreError::CommitUnknown(m),
            other => other,
        })
    }

    /// Drops every write of the transaction.
    ///
    /// # Errors
    /// Driver errors (the server rolls back on disconnect anyway).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

fn check_sqlite_path(path: &Path, url: &str, create: Create) -> Result<(), StoreError> {
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

/// Whether a failed SQLite open says a file could not be made or written (SQLITE_PERM,
/// READONLY, IOERR, FULL, CANTOPEN): the cases reading as immutable can get past. Never a busy
/// or locked file (a writer is at work: reading it without locks could see half a commit), nor
/// a corrupt one.
fn cannot_make_side_files(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(sqlite_primary_code(db.as_ref()), Some(3 | 8 | 10 | 13 | 14)),
        sqlx::Error::Io(_) => true,
        _ => false,
    }
}

/// One line on why a PostgreSQL connection failed; for TLS, what to give instead.
fn pg_connect_reason(label: &str, e: &sqlx::Error) -> String {
    let text = redact_passwords(&e.to_string());
    let tls = matches!(e, sqlx::Error::Tls(_)) || text.contains("certificate") || text.contains("TLS");
    if tls && (text.contains("certificate") || text.contains("Certificate")) {
        format!(
            "cannot connect to {label}: the server's TLS certificate was not accepted ({text}); \
             give the CA that signed it with sslrootcert=PATH in the URL (or use sslmode=require, which encrypts \
             without verifying)"
        )
    } else if tls {
        format!("cannot connect to {label}: TLS failed ({text}); check sslmode and sslrootcert in the URL")
    } else {
        format!("cannot connect to {label}: {text}")
    }
}

fn sqlite_reason(e: &sqlx::Error) -> String {
    let text = e.to_string();
    if text.contains("file is not a database") || text.contains("malformed") {
        "not a SQLite database (the file is corrupt or of another kind)".to_owned()
    } else if text.contains("disk is full") || text.contains("disk I/O error") {
        format!("{text}; is the disk full? reading may still work, writing will not")
    } else if text.contains("readonly") || text.contains("read-only") || text.contains("unable to open") {
        format!("cannot open for writing ({text}); check the permissions of the file and its directory")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive_in_urls() {
        assert_eq!(
            redact_passwords("error connecting to postgres://bob:hunter2@db:5432/x: refused"),
            "error connecting to postgres://bob:***@db:5432/x: refused"
        );
        assert_eq!(redact_passwords("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(describe_url("postgres://bob:hunter2@db.internal:6543/prod"), "postgres db.internal:6543/prod");
        assert_eq!(describe_url("sqlite:demo-db/demo.sqlite"), "sqlite demo-db/demo.sqlite");
    }

    #[test]
    fn placeholders_are_numbered_and_values_never_enter_the_text() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Arg::Text("x'; DROP TABLE t; --".into())).push(" AND b IN ").bind_list([Arg::I64(1), Arg::I64(2)]);
        assert_eq!(sql.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(sql.args.len(), 3);
    }
}
