//! One pooled connection held for a few statements in a row (a list page and its proof
//! bundles), and raw rows for measurement.

use futures::TryStreamExt;
use sqlx::{Postgres, Sqlite};

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::{rows, AnyRow, Sql, StoreError};

/// One connection taken from the pool for a few statements in a row (a list page and its
/// proof bundles): one acquire (and, on PostgreSQL, one liveness check) instead of one per
/// statement, and on SQLite one connection's page cache, warm from the statement before.
pub struct Conn {
    pub(super) inner: ConnInner,
}

pub(super) enum ConnInner {
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
    /// adds for it after the run's (`Dialect::restore_link_column`), read as each row arrives,
    /// while the database still sends the rest. The links say which restores to load, not
    /// the proof's reading of them (see [`rows::RunRow::restore_run_id`]).
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`]; a missing link column.
    pub async fn fetch_page(&mut self, sql: &Sql) -> Result<(Rows, Vec<Option<i64>>), StoreError> {
        use super::rows::{RunLink, RunRow, Tolerant};
        use futures::TryStreamExt;
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
