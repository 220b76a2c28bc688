//! The demo data set: a hand-written scenario document (`demo-db/scenarios.json`, one run per
//! row of the assessment table and then some) plus any number of generated runs.
//!
//! Not storage: it decides what the demo holds (through the real proof rules,
//! [`crate::domain::assess`]) and writes it through the store's public API, so it lives beside
//! the store, not in it. Split by concern:
//!
//! - `scenarios`: the shipped document, moved in time, and the plan the generator reads from it.
//! - `catalogue`: what generated runs are made of (policies, failures, shapes) and the dice.
//! - `synthetic`: the generator: one run's records and its verdict.
//! - `columns`: the JSON columns of generated rows, as serde types.
//! - `write`: statements of one shape per table (bound `INSERT`s on SQLite, `COPY` text on
//!   PostgreSQL) and the index set-aside of large seeds.
//!
//! The scenarios are written as if "now" were [`SCENARIO_ANCHOR`]; [`seed_demo`] moves every
//! time in them (any string under a key ending in `_at`, at any depth, so
//! `context.reconciliation.reconciled_at` too) by `now - anchor`, whole seconds, so the demo
//! always looks current: fresh runs are minutes old, stale ones hours old.
//!
//! The generated runs are deterministic (a xorshift generator with a constant seed), all of
//! type `restore.execute`, spread over the scenario environments and the two years before
//! `now`, with `created_at` rising with the id. Most are completed and reconciled, their
//! outcome, `summary_counts` and `context.reconciliation` taken from the real proof rules over
//! the records generated for them (the context and audit metadata in the transition's own
//! types, [`crate::domain::ReconciliationContext`]); some are recorded `succeeded` with a proof
//! gap behind them (drift), a few are stale and still running. They are written in batches
//! built on a blocking thread while the previous batch executes, all in one transaction.

mod catalogue;
mod columns;
mod scenarios;
mod synthetic;
mod write;

use chrono::{DateTime, Utc};

use crate::store::fixtures::{self, LoadError};
use crate::store::{Arg, Batch, Sql, Store, StoreError, Tx};
use scenarios::{count_rows, Plan};
pub use scenarios::{scenario_shift, scenarios_at, shift_times};
use synthetic::Generator;
pub use write::BULK_RUNS;

/// The handle of the demo on-call operator (the default `--as` on the demo database).
pub const DEMO_OPERATOR: &str = "oncall";

/// The instant the scenario document is written against ("now" as its author saw it).
pub const SCENARIO_ANCHOR: &str = "2026-11-20T12:00:00Z";

/// The scenario document, as shipped.
pub const SCENARIOS_JSON: &str = include_str!("../demo-db/scenarios.json");

/// The `proofdesk_meta` key that marks a database as the demo data set.
pub const DEMO_META_KEY: &str = "demo";

/// What [`seed_demo`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Rows of the scenario document (every table together).
    pub scenario_rows: usize,
    /// Generated operation runs.
    pub synthetic_runs: u64,
}

/// Loads the scenario document with every time moved by `now - anchor`, then adds `runs`
/// generated runs, then records `proofdesk_meta.demo = 1`.
///
/// The scenarios, the generated runs and the marker load in one transaction: all or nothing.
///
/// # Errors
/// [`LoadError::Invalid`] when the database already holds operation runs (nothing is
/// written) or the scenario document is broken; [`LoadError::Store`] for database failures.
pub async fn seed_demo(store: &Store, now: DateTime<Utc>, runs: u64) -> Result<SeedReport, LoadError> {
    let existing: Option<(i64,)> = store
        .fetch_optional(&Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM operation_runs LIMIT 1) AS t"))
        .await
        .map_err(LoadError::Store)?;
    if existing.is_some_and(|(n,)| n > 0) {
        return Err(LoadError::Invalid(format!(
            "{} already holds operation runs; the demo data set is only seeded into an empty database \
             (a new SQLite file or an empty PostgreSQL database)",
            store.label()
        )));
    }

    let doc = scenarios_at(now)?;
    let scenario_rows = count_rows(&doc);
    let plan = Plan::from_scenarios(&doc, now, runs)?;
    // One transaction for the scenarios, the generated runs and the marker: a seed killed or
    // failing half way leaves the database empty, so that it can simply be run again.
    let mut tx = store.begin().await?;
    let seeded = async {
        fixtures::load_value_in(&mut tx, &doc).await?;
        insert_synthetic(&mut tx, plan).await.map_err(LoadError::Store)
    }
    .await;
    if let Err(e) = seeded {
        tx.rollback().await.ok();
        return Err(e);
    }
    tx.commit().await?;
    Ok(SeedReport { scenario_rows, synthetic_runs: runs })
}

/// Inserts the generated runs and the demo marker inside `tx` (see [`BULK_RUNS`] for
/// what large seeds do to indexes and keys meanwhile), then puts back what was set aside and
/// lets the generated ids and the planner's statistics catch up (`Tx::finish_bulk_load`).
async fn insert_synthetic(tx: &mut Tx, mut plan: Plan) -> Result<(), StoreError> {
    plan.engine = tx.bulk_engine();
    let restore_ddl =
        if plan.runs < BULK_RUNS { Vec::new() } else { tx.set_aside_indexes(&write::LOADED_TABLES).await? };
    if plan.runs > 0 {
        let (send, mut recv) = tokio::sync::mpsc::channel::<Batch>(4);
        let generator = tokio::task::spawn_blocking(move || {
            Generator::new(plan).run(&mut |batch| send.blocking_send(batch).is_ok());
        });
        let mut failure = None;
        while let Some(batch) = recv.recv().await {
            if let Err(e) = tx.write_batch(&batch).await {
                failure = Some(e);
                break;
            }
        }
        drop(recv);
        let joined = generator.await;
        if let Some(e) = failure {
            return Err(e);
        }
        if let Err(e) = joined {
            return Err(StoreError::Driver(format!("demo data generator stopped: {e}")));
        }
    }
    let delete = Sql::new("DELETE FROM proofdesk_meta WHERE key = $1").arg(Arg::Text(DEMO_META_KEY.to_owned()));
    tx.execute(&delete).await?;
    let insert = Sql::new("INSERT INTO proofdesk_meta (key, value) VALUES ($1, $2)")
        .arg(Arg::Text(DEMO_META_KEY.to_owned()))
        .arg(Arg::Text("1".to_owned()));
    tx.execute(&insert).await?;
    tx.finish_bulk_load(&restore_ddl).await
}
