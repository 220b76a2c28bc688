//! Fixture files: one JSON object whose arrays are rows of the tables of the same name (the
//! "Fixtures" section of the interfaces contract).
//!
//! Loading is all or nothing. The whole document is checked first (shape, fields, JSON types,
//! vocabularies, times, counts, duplicates and references, against the file and the database)
//! and the first bad value is reported by its path, e.g.
//! `operation_runs[3].status: unknown status "runing"`. Only a clean document is inserted, in
//! one transaction, table by table in foreign-key order.
//!
//! Each table's row is a type (`rows`), one `#[derive(Deserialize)]` struct with
//! `deny_unknown_fields` whose fields are typed columns (`columns`): the core's vocabularies,
//! RFC 3339 times, counts, JSON objects, each required, nullable or defaulted, with the
//! loader's own messages. A row is read from the parsed document through serde_path_to_error
//! (`de`), so a bad value comes back with its path, down into nested arrays and objects.
//! What ties rows together, their references, keys and unique columns, is described per
//! table in `schema` and checked by `check` in document order; `strict` parses the text
//! refusing repeated keys; `error` holds [`FixtureError`], the "PATH: problem" of a refusal.
//!
//! References are the contract's hard references (domain.md, "References"): each must name a
//! row in the file or the database, and an operation's or a restore's `environment_id` must be
//! an environment of its own `workspace_id`. Migration 0003 enforces the same in the schema;
//! the loader checks first so the message names the bad value. One column is a link, not a
//! reference: `restore_runs.operation_run_id` may name a row that does not exist or another
//! operation, since that is what the proof rules judge (`restore_run_link_mismatch`); like
//! `operation_runs.context.restore_run_id`, it is only type-checked.
//!
//! A document is read strictly: a key repeated in one object (serde_json would keep the last
//! silently) is bad input, and so is a NUL character in any string or key (PostgreSQL cannot
//! store one in text or jsonb, SQLite would cut C strings at it).

mod check;
mod columns;
mod de;
mod error;
mod rows;
mod schema;
mod strict;

use serde_json::Value;

use super::{Sql, Store, StoreError, Tx};
use check::{check_document, survey, Known, Rows};
pub use error::FixtureError;
use schema::{json_kind, TABLES};
pub use strict::parse_strict;

/// Why a fixture did not load. `Invalid` carries "PATH: problem", e.g.
/// `operation_runs[3].status: unknown status "runing"`.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a load inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Rows inserted, all tables together.
    pub rows: usize,
    /// Rows inserted per table, in insert order (every table, zero included).
    pub tables: Vec<(&'static str, usize)>,
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Validates the whole document, then inserts every row in one transaction; all or nothing.
///
/// # Errors
/// [`LoadError::Invalid`] with the path of the first bad value (nothing is written), or a
/// store failure (the transaction is rolled back).
pub async fn load(store: &Store, json_text: &str) -> Result<LoadReport, LoadError> {
    let doc = parse_strict(json_text)?;
    load_value(store, &doc).await
}

/// Same as [`load`], from an already parsed value (the demo seed uses it).
///
/// # Errors
/// As [`load`].
pub async fn load_value(store: &Store, doc: &Value) -> Result<LoadReport, LoadError> {
    let mut tx = store.begin().await?;
    match load_value_in(&mut tx, doc).await {
        Ok(report) => {
            tx.commit().await?;
            Ok(report)
        }
        Err(e) => {
            // Nothing was kept; a failed rollback changes nothing the caller can act on.
            tx.rollback().await.ok();
            Err(e)
        }
    }
}

/// Same as [`load_value`], inside a transaction the caller commits or rolls back (the demo
/// seed loads its scenarios and its generated runs in one).
///
/// # Errors
/// As [`load`]; the caller must roll `tx` back.
pub async fn load_value_in(tx: &mut Tx, doc: &Value) -> Result<LoadReport, LoadError> {
    let Value::Object(doc) = doc else {
        return Err(LoadError::Invalid(format!(
            "top level: expected a JSON object of table arrays, found {}",
            json_kind(doc)
        )));
    };
    let (declared, wanted) = survey(doc);
    let binds = tx.dialect().max_binds();
    let known = Known::lookup(tx, binds, declared, &wanted).await?;
    let rows = check_document(doc, &known)?;
    let report = insert(tx, binds, rows).await?;
    tx.after_load().await?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Inserts every table in [`TABLES`] order, in multi-row statements of about `binds` values.
async fn insert(tx: &mut Tx, binds: usize, rows: Rows) -> Result<LoadReport, StoreError> {
    let mut report = LoadReport::default();
    for (table, rows) in TABLES.iter().zip(rows) {
        let count = rows.len();
        // identifiers only: table and column names come from TABLES, values are bound
        let head = format!("INSERT INTO {} ({}) VALUES ", table.name, table.columns());
        let per_statement = (binds / table.width()).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut sql = Sql::new(&head);
            for (n, row) in rows.by_ref().take(per_statement).enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                sql.bind_list(row);
            }
            tx.execute(&sql).await?;
        }
        report.rows += count;
        report.tables.push((table.name, count));
    }
    Ok(report)
}
