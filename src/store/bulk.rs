//! Loading many rows fast (the demo generator's path): rows of one table gathered into
//! statements of one fixed shape per engine (bound multi-row `INSERT`s on SQLite, `COPY … FROM
//! STDIN` text on PostgreSQL, see each engine module), and the secondary indexes (and
//! PostgreSQL's foreign keys) of the loaded tables set aside during a large load and rebuilt in
//! the same transaction.

use super::engine::Engine;
use super::{postgres, sqlite, Arg, Sql, StoreError, Tx};

/// One write of gathered rows.
#[derive(Debug)]
pub enum Batch {
    /// A multi-row `INSERT` of bound values (SQLite).
    Insert(Sql),
    /// `COPY … FROM STDIN` and its rows in COPY's text format (PostgreSQL): the server parses
    /// plain text instead of a statement of 65,535 bound parameters, several times faster.
    Copy { statement: String, rows: usize, data: String },
}

impl Batch {
    /// How many rows it writes, for a table of `cols` columns.
    #[must_use]
    pub fn rows(&self, cols: usize) -> usize {
        match self {
            Self::Insert(sql) => sql.args.len() / cols.max(1),
            Self::Copy { rows, .. } => *rows,
        }
    }

    /// Whether two batches write the same rows the same way.
    #[must_use]
    pub fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Insert(a), Self::Insert(b)) => a.text == b.text && a.args == b.args,
            (Self::Copy { statement: a, data: x, .. }, Self::Copy { statement: b, data: y, .. }) => a == b && x == y,
            _ => false,
        }
    }
}

/// Rows of one table waiting to be written, in the shape of the engine they go to.
pub enum TableBuf {
    Sqlite(sqlite::InsertRows),
    Postgres(postgres::CopyRows),
}

impl TableBuf {
    /// An empty buffer for `cols` of `table` (identifiers from the caller's constants, never
    /// input), for `engine`.
    #[must_use]
    pub fn new(table: &'static str, cols: &'static [&'static str], engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => Self::Sqlite(sqlite::InsertRows::new(table, cols)),
            Engine::Postgres => Self::Postgres(postgres::CopyRows::new(table, cols)),
        }
    }

    /// Rows a full statement holds.
    #[must_use]
    pub fn rows_per_statement(&self) -> usize {
        match self {
            Self::Sqlite(b) => b.rows_per_statement,
            Self::Postgres(b) => b.rows_per_statement,
        }
    }

    /// Adds one row (one value per column, in order).
    pub fn push(&mut self, row: impl IntoIterator<Item = Arg>) {
        match self {
            Self::Sqlite(b) => b.push(row),
            Self::Postgres(b) => b.push(row),
        }
    }

    /// One full statement, when enough rows wait.
    pub fn take_full(&mut self) -> Option<Batch> {
        match self {
            Self::Sqlite(b) => b.take_full(),
            Self::Postgres(b) => b.take_full(),
        }
    }

    /// Whatever waits, as one statement.
    pub fn take_rest(&mut self) -> Option<Batch> {
        match self {
            Self::Sqlite(b) => b.take_rest(),
            Self::Postgres(b) => b.take_rest(),
        }
    }
}

impl Tx {
    /// Which engine the transaction's rows must be gathered for ([`TableBuf::new`]).
    #[must_use]
    pub fn bulk_engine(&self) -> Engine {
        self.engine()
    }

    /// Writes one batch; the rows it wrote.
    ///
    /// # Errors
    /// Driver errors; a COPY that took another number of rows than it was sent.
    pub async fn write_batch(&mut self, batch: &Batch) -> Result<u64, StoreError> {
        match batch {
            Batch::Insert(sql) => self.execute(sql).await,
            Batch::Copy { statement, rows, data } => match self.copy_in(statement, data.as_bytes()).await {
                Ok(n) if n == *rows as u64 => Ok(n),
                Ok(n) => Err(StoreError::Driver(format!("{statement}: {n} rows copied, {rows} sent"))),
                Err(e) => Err(e),
            },
        }
    }

    /// Sets aside what slows a large load of `tables` (their secondary indexes; on PostgreSQL
    /// their foreign keys and the triggers that keep the run tallies and names too) and returns the
    /// statements that put it back, to run in this transaction after the load
    /// ([`Self::finish_bulk_load`]).
    ///
    /// # Errors
    /// Driver errors.
    pub async fn set_aside_indexes(&mut self, tables: &[&str]) -> Result<Vec<String>, StoreError> {
        match self.engine() {
            Engine::Sqlite => sqlite::set_aside_indexes(self, tables).await,
            Engine::Postgres => postgres::set_aside_indexes_and_keys(self, tables).await,
        }
    }

    /// Puts back what [`Self::set_aside_indexes`] set aside, makes the generated ids continue
    /// after the loaded ones, and (PostgreSQL) refreshes the planner's statistics.
    ///
    /// # Errors
    /// Driver errors.
    pub async fn finish_bulk_load(&mut self, restore: &[String]) -> Result<(), StoreError> {
        for ddl in restore {
            self.execute(&Sql::new(ddl)).await?;
        }
        self.after_load().await?;
        match self.engine() {
            Engine::Sqlite => Ok(()),
            Engine::Postgres => self.execute(&Sql::new("ANALYZE")).await.map(|_| ()),
        }
    }
}

/// The loaded tables, as bound values.
pub(super) fn table_args<'a>(tables: &'a [&str]) -> impl Iterator<Item = Arg> + 'a {
    tables.iter().map(|t| Arg::Text((*t).to_owned()))
}
