//! What differs between the two engines, as one interface ([`Dialect`]) with one
//! implementation per engine module (`sqlite.rs`, `postgres.rs`). The rest of the store, and
//! everything above it, asks the dialect; no file outside those two modules and this one
//! branches on the engine.

use super::queries::{SearchMatch, SortKey};
use super::Sql;

/// Which engine a store talks to: a label (for reports and logs), not something to branch on
/// outside the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// `sqlite` or `postgres`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// The SQL of this engine where the two differ.
    pub(crate) fn dialect(self) -> &'static dyn Dialect {
        match self {
            Self::Sqlite => &super::sqlite::DIALECT,
            Self::Postgres => &super::postgres::DIALECT,
        }
    }
}

/// The statements (and statement parts) whose SQL differs between the engines, and the limits
/// each engine's driver and server set. Every statement is otherwise written once.
pub(crate) trait Dialect: Send + Sync {
    /// The column a list page adds for each run's restore link (`AS restore_link`), which the
    /// page needs before the rest of its runs: it says which restores to load, not the proof's
    /// reading of them (see `rows::RunRow::restore_run_id`).
    fn restore_link_column(&self) -> &'static str;

    /// The type column as a list's filter names it; `open_only` when only open runs are listed,
    /// `sort` the key the list is ordered by.
    fn type_column(&self, open_only: bool, sort: SortKey) -> &'static str;

    /// What follows `operation_runs o` in a count's per-scope read (`queries::count_sql`), to
    /// keep it on the scope indexes of migration 0005; `open_only` when only open runs count.
    fn count_index(&self, open_only: bool) -> &'static str;

    /// Whether the database keeps counts of runs ahead of time (`operation_run_tallies`,
    /// PostgreSQL's migration 0009), which a count sums instead of reading the runs, and a
    /// search's policy names beside their runs (`operation_run_names`, migration 0010), which
    /// a search's count reads instead of the items.
    fn keeps_tallies(&self) -> bool;

    /// `i.policy_name` is one of the names `m` found. `indexed` when the statement starts from
    /// the items (the name index is then the right way in).
    fn name_in(&self, sql: &mut Sql, m: &SearchMatch, indexed: bool);

    /// The walk of the distinct policy names (a recursive CTE over the name index, one seek per
    /// distinct name) and what the select list picks from it: an item id (or NULL) and the
    /// name as bytes.
    fn name_walk(&self) -> (&'static str, &'static str);

    /// Keeps the names of the walk that the search terms matched, as `name_in` wants them.
    fn keep_names(&self, m: &mut SearchMatch, names: Vec<(Option<i64>, String)>);

    /// Appended to the count of matching items (inside its `LIMIT`ed subquery).
    fn items_in_name_order(&self) -> &'static str;

    /// Appended to a text expression a list is ordered by, so that words compare byte by
    /// byte (as SQLite's default collation does) whatever the database's locale.
    fn bytewise(&self) -> &'static str;

    /// Appended to the statement that loads a run inside the transition's transaction, so
    /// that no other writer changes it before the commit.
    fn lock_run(&self) -> &'static str;

    /// Bound values per statement in multi-row `INSERT`s and `IN (...)` lookups.
    fn max_binds(&self) -> usize;

    /// How many runs of a batch reconcile at once (each in its own transaction).
    fn write_parallelism(&self) -> usize;

    /// `SELECT COUNT(*)` of the migrations table: 1 when the schema was ever created.
    fn migrations_table_count(&self) -> &'static str;
}
