//! The store: SQLite (embedded default) and PostgreSQL (production) behind one interface.
//!
//! Every query is written once, with `$n` placeholders that both engines accept, and bound
//! values only: [`Sql`] is the one way to build a statement, and it never formats a value
//! into the text. What differs between the engines lives in one module per engine
//! (`sqlite.rs`, `postgres.rs`: opening, closing, transactions, migrations, the transition's
//! write, bulk loading) behind one interface (`engine.rs`: [`Engine`] and its `Dialect`);
//! [`Store`], [`Tx`] and [`Conn`] hand each call to the engine's module, so callers never see
//! which engine they talk to. Migrations are versioned, one set per backend
//! (`migrations/sqlite`, `migrations/postgres`). Only `db` commands and the demo database as it
//! is created run them ([`Store::open`]); every other session ([`Store::open_session`]) checks
//! the schema version and says what to run, and a read-only session cannot write at all
//! (SQLite opened read-only, PostgreSQL transactions read-only by default).
//!
//! What does not live here: the proof rules (`domain`), and the write of an operation run's
//! status/outcome/counts/context, which belongs to `service::reconcile` alone (the store
//! only hands it a transaction), and the demo data set (`src/demo`, which writes through
//! this module's public API).

mod bulk;
mod engine;
mod error;
pub mod fixtures;
mod observe;
mod postgres;
pub mod queries;
pub mod rows;
mod sql;
mod sqlite;

pub use bulk::{Batch, TableBuf};
pub(crate) use engine::Dialect;
pub use engine::Engine;
pub use error::{redact_passwords, StoreError};
pub use observe::{Statement, StatementKind, StatementLog};
pub use sql::{Arg, Sql};

use std::time::Duration;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
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
pub use tx::RunCompletion;

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
    /// The connection SQLite's change probe asks (see [`Store::data_version`]), shared by the
    /// store's clones; made on first use.
    probe: std::sync::Arc<tokio::sync::Mutex<sqlite::Probe>>,
}

/// What a database's state was when [`Store::data_version`] looked: equal versions mean nothing
/// a list or a detail shows has changed in between (see there for how each engine tells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataVersion(i64, i64);

/// An open write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: with a `lock_timeout`).
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A short, password-free name for a database URL: the SQLite file, or `postgres host:port/db`.
#[must_use]
pub fn describe_url(url: &str) -> String {
    if let Some(path) = sqlite::file_of(url) {
        return format!("sqlite {}", path.display());
    }
    postgres::describe(url).unwrap_or_else(|| redact_passwords(url))
}

impl Store {
    /// Opens `url` (`sqlite:PATH` or `postgres://…`) and runs pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Open`] with a sentence that says what to do, or a migration failure.
    pub async fn open(url: &str, create: Create) -> Result<Self, StoreError> {
        // A file this call creates is removed again if it cannot be made a database (a full
        // disk, a failed migration): nothing half-made is left behind.
        let created = sqlite::file_of(url).filter(|p| create == Create::IfMissing && !p.exists());
        let result = async {
            let store = Self::connect(url, create).await?;
            store.migrate().await?;
            Ok(store)
        }
        .await;
        if let (Err(_), Some(path)) = (&result, created) {
            sqlite::remove_half_made(&path);
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
        let pool = if url.starts_with("sqlite:") {
            Pool::Sqlite(sqlite::connect(url, create, read_only).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(postgres::connect(url, &label, create, read_only).await?)
        } else {
            return Err(StoreError::Open(format!(
                "unsupported database URL {:?}: use sqlite:PATH or postgres://USER@HOST:PORT/DB",
                redact_passwords(url)
            )));
        };
        Ok(Self { pool, label, probe: std::sync::Arc::default() })
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
            Pool::Sqlite(_) => sqlite::migrator(),
            Pool::Postgres(_) => postgres::migrator(),
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
        let table = self.dialect().migrations_table_count();
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

    /// Which engine this is: a label for reports, not something to branch on.
    #[must_use]
    pub const fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQL of this store's engine where the two differ.
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        self.engine().dialect()
    }

    /// How many runs of a batch may reconcile at once, each in its own transaction (one on
    /// SQLite, which has one writer at a time).
    #[must_use]
    pub fn write_parallelism(&self) -> usize {
        self.dialect().write_parallelism()
    }

    /// Closes every connection (waits for them to be returned); on SQLite, with the
    /// write-ahead log folded into the file first (`sqlite::close`).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => sqlite::close(p, &mut *self.probe.lock().await).await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Sorts a failure to use the pool into "down" or "busy" (see `postgres::pool_error`; on
    /// SQLite a timeout means another writer holds the file: busy).
    fn pool_error(&self, e: sqlx::Error) -> StoreError {
        match &self.pool {
            Pool::Postgres(p) => postgres::pool_error(p, &self.label, e),
            Pool::Sqlite(_) => e.into(),
        }
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

    /// A cheap look at whether anything changed: the same value twice means no write was
    /// committed in between, so a console can leave its pages and count as they are. It costs
    /// the same whatever the tables hold. SQLite: `PRAGMA data_version` on one connection kept
    /// for it (the value moves when any other connection commits). PostgreSQL: a sequence every
    /// writing statement on the console's tables advances (migration 0004), seen at once.
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn data_version(&self) -> Result<DataVersion, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let (epoch, version) = self.probe.lock().await.version(p).await?;
                Ok(DataVersion(epoch, version))
            }
            Pool::Postgres(p) => Ok(DataVersion(0, postgres::data_version(p).await.map_err(|e| self.pool_error(e))?)),
        }
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
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(sqlite::begin(p).await.map_err(|e| self.pool_error(e))?),
            Pool::Postgres(p) => TxInner::Postgres(postgres::begin(p).await.map_err(|e| self.pool_error(e))?),
        };
        Ok(Tx { inner })
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
