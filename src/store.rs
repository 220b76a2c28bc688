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

mod error;
pub mod fixtures;
mod observe;
pub mod queries;
pub mod rows;
mod sql;

use error::{cannot_make_side_files, pg_connect_reason, sqlite_reason};
pub use error::{redact_passwords, StoreError};
pub use observe::{Statement, StatementKind, StatementLog};
pub use sql::{Arg, Sql};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

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

mod conn;
mod tx;

use conn::ConnInner;
pub use conn::{Conn, Rows};

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
