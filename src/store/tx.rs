//! An open write transaction on either engine.

use super::{AnyRow, Engine, Sql, StoreError, Tx, TxInner};

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
