//! An open write transaction on either engine, and the one write that completes a run.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::engine::{Dialect, Engine};
use super::{postgres, sqlite, AnyRow, Arg, Sql, StoreError, Tx, TxInner};
use crate::service::Transition;

macro_rules! dispatch_tx {
    ($tx:expr, $sql:expr, $method:ident, $query:path) => {
        match &mut $tx.inner {
            TxInner::Sqlite(t) => bind_args!($query(&$sql.text), &$sql.args).$method(&mut **t).await,
            TxInner::Postgres(t) => bind_args!($query(&$sql.text), &$sql.args).$method(&mut **t).await,
        }
    };
}

impl Tx {
    pub(super) const fn engine(&self) -> Engine {
        match self.inner {
            TxInner::Sqlite(_) => Engine::Sqlite,
            TxInner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQL of the transaction's engine where the two differ.
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        self.engine().dialect()
    }

    /// THE write that completes an operation run (the contract's transition, steps 4 and 5):
    /// the compare-and-swap of its status, counts, context and times, its audit row and its
    /// notification, in this transaction. Only `service::reconcile` can call it: no other code
    /// can make the [`Transition`] it asks for. Returns `false` when the run changed since it
    /// was read (nothing was written).
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`]; the caller rolls back.
    pub async fn complete_run(&mut self, key: &Transition, write: &RunCompletion) -> Result<bool, StoreError> {
        let update = key.update_statement();
        match self.engine() {
            Engine::Sqlite => sqlite::complete_run(self, update, write).await,
            Engine::Postgres => postgres::complete_run(self, update, write).await,
        }
    }

    /// After a load of rows inserted with explicit ids: the engine's generated ids continue
    /// after them (PostgreSQL's identity sequences; SQLite's rowids need nothing), and
    /// PostgreSQL folds the search names of the runs the load wrote (migration 0010).
    ///
    /// # Errors
    /// Driver errors, sorted into [`StoreError`].
    pub async fn after_load(&mut self) -> Result<(), StoreError> {
        match self.engine() {
            Engine::Sqlite => Ok(()),
            Engine::Postgres => postgres::after_load(self).await,
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
            TxInner::Postgres(t) => postgres::copy_in(t, statement, data).await,
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

/// What the transition writes when it completes a run (see [`Tx::complete_run`]): the new
/// values, what the run must still say for the compare-and-swap to hold, and the audit row and
/// notification that go with it.
#[derive(Debug, Clone)]
pub struct RunCompletion {
    pub run_id: i64,
    pub workspace_id: i64,
    pub environment_id: i64,
    /// The outcome written with `status = 'completed'`.
    pub outcome: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The whole new `context` (with its `reconciliation`).
    pub context: Value,
    pub summary_counts: Value,
    /// The status and `updated_at` read when the run was loaded: the write happens only if the
    /// row still says both.
    pub expected_status: String,
    pub expected_updated_at: DateTime<Utc>,
    /// The operator who reconciled (the audit row's actor).
    pub actor_id: i64,
    pub audit_metadata: Value,
    /// The run's initiator, who is notified (none: no notification).
    pub notify: Option<i64>,
    /// The real clock at the write: the audit row's and the notification's `created_at`.
    pub written_at: DateTime<Utc>,
}

impl RunCompletion {
    /// Binds `$1`..`$9` of the engines' UPDATE: outcome, started, completed, updated, context,
    /// counts, then the compare-and-swap's id, status and `updated_at`.
    pub(super) fn bind_update(&self, sql: Sql) -> Sql {
        sql.arg(Arg::Text(self.outcome.clone()))
            .arg(Arg::OptTime(self.started_at))
            .arg(Arg::Time(self.completed_at))
            .arg(Arg::Time(self.updated_at))
            .arg(Arg::Json(self.context.clone()))
            .arg(Arg::Json(self.summary_counts.clone()))
            .arg(Arg::I64(self.run_id))
            .arg(Arg::Text(self.expected_status.clone()))
            .arg(Arg::Time(self.expected_updated_at))
    }
}
