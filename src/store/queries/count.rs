//! How many visible runs match a query, without testing each run's access.
//!
//! Access depends only on a run's workspace and environment, and an operator sees a handful of
//! environments: the count visits those scopes (a small query on `environments`) and, for
//! each, counts its matching runs on the scope index of migration 0005 (an index range per
//! scope, no table row read), instead of testing membership and entitlement for each of a
//! million runs. A search splits in two disjoint parts: the runs of the scopes whose name the
//! terms match (all of them match), and among the other scopes' runs only the candidates the
//! terms name (by id, or by an item's policy name, found from the name index).
//!
//! Where the database keeps counts ahead of time (PostgreSQL, migration 0009's
//! `operation_run_tallies`: runs per scope, type, status, outcome and UTC day), a scope's count
//! sums those rows instead of reading its runs, whatever their number, and reads only the
//! partial days at the edges of a since/until range. Open and stale runs (few, on their own
//! index), run ids and a search's candidates are always read from the runs.

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};

use super::super::{Arg, Dialect, Sql, Store, StoreError};
use super::{role_grants_sight, run_filters, scope_filters, search_of, RunQuery, SearchMatch};

/// Which of the visible scopes a part of the count visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scopes<'a> {
    /// Every visible scope.
    All,
    /// Only the scopes whose environment or workspace the search terms match.
    Matched(&'a SearchMatch),
    /// Only the scopes whose environment and workspace the search terms do not match.
    Unmatched(&'a SearchMatch),
}

/// `(SELECT e.workspace_id AS ws, e.id AS env FROM environments e … ) v`: the scopes that
/// `operator_id` may see, as [`scope_list`] selects them.
fn visible_scopes(sql: &mut Sql, operator_id: i64, q: &RunQuery, which: Scopes<'_>) {
    scope_list(sql, operator_id, q, which);
    sql.push(" v");
}

/// `(SELECT e.workspace_id AS ws, e.id AS env FROM environments e … )`: the scopes that
/// `operator_id` may see (as `domain::access` says: a membership in the environment's own
/// workspace with a role of the vocabulary, and the entitlement unless that role is owner),
/// narrowed by the workspace and environment filters of `q` and by `which`.
fn scope_list(sql: &mut Sql, operator_id: i64, q: &RunQuery, which: Scopes<'_>) {
    sql.push(
        "(SELECT e.workspace_id AS ws, e.id AS env FROM environments e \
         LEFT JOIN workspaces w ON w.id = e.workspace_id \
         WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.operator_id = ",
    )
    .bind(Arg::I64(operator_id))
    .push(" AND m.workspace_id = e.workspace_id AND ")
    .push(&role_grants_sight("e.id"))
    .bind(Arg::I64(operator_id))
    .push("))))");
    scope_filters(sql, q, ("e.workspace_id", "w.name"), ("e.id", "e.name"));
    let matched = |sql: &mut Sql, s: &SearchMatch| {
        sql.push("(1 = 0");
        for (column, ids) in [("e.id", &s.environments), ("e.workspace_id", &s.workspaces)] {
            if !ids.is_empty() {
                sql.push(" OR ").push(column).push(" IN ").bind_list(ids.iter().map(|i| Arg::I64(*i)));
            }
        }
        sql.push(")");
    };
    match which {
        Scopes::All => {}
        Scopes::Matched(s) => {
            sql.push(" AND ");
            matched(sql, s);
        }
        Scopes::Unmatched(s) => {
            sql.push(" AND NOT ");
            matched(sql, s);
        }
    }
    sql.push(")");
}

/// `SELECT …` the number of visible runs matching `q` in the scopes `which` selects: from the
/// tallies where the engine keeps them and `q` filters only on what they hold
/// ([`tally_count`]) and `tallies` allows them, else by reading the runs ([`read_count`]).
fn scope_count(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, which: Scopes<'_>, tallies: bool) {
    let from_tallies =
        tallies && dialect.keeps_tallies() && q.ids.is_empty() && !q.open_only && q.stale_before.is_none();
    if from_tallies {
        tally_count(sql, dialect, operator_id, q, which);
    } else {
        read_count(sql, dialect, operator_id, q, which);
    }
}

/// `SELECT COUNT(*) …` of the visible runs matching `q` in the scopes `which` selects, each
/// scope's runs read on the scope index (SQLite keeps the scopes as the outer loop of a CROSS
/// JOIN; PostgreSQL plans it from its statistics).
fn read_count(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, which: Scopes<'_>) {
    sql.push("SELECT COUNT(*) FROM ");
    visible_scopes(sql, operator_id, q, which);
    let open = q.open_only || q.stale_before.is_some();
    sql.push(" CROSS JOIN operation_runs o").push(dialect.count_index(open));
    sql.push(" WHERE o.workspace_id = v.ws AND o.environment_id = v.env");
    run_filters(sql, q, "o.type");
}

/// The start of the UTC day `t` falls in: the tallies' `day` (migration 0009:
/// `date_trunc('day', created_at AT TIME ZONE 'UTC')`), for every date a run may carry.
fn day_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive().and_time(NaiveTime::MIN).and_utc()
}

/// A since/until range as the tallies see it.
#[derive(Debug, PartialEq, Eq)]
struct DaySplit {
    /// The whole UTC days `[lo, hi)` inside the range (an end is open where the range's is).
    lo: Option<DateTime<Utc>>,
    hi: Option<DateTime<Utc>>,
    /// The partial days at its edges, as inclusive ranges of creation instants to read from
    /// the runs.
    edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// How `since`..=`until` splits into whole days and edges; `None` when it covers no whole day.
fn split_days(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> Option<DaySplit> {
    // The instant before `t`: PostgreSQL keeps microseconds, so `<= t - 1µs` is `< t`.
    let before = |t: DateTime<Utc>| t - TimeDelta::microseconds(1);
    let lo = since.map(|s| if day_of(s) == s { s } else { day_of(s) + TimeDelta::days(1) });
    let hi = until.map(day_of);
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if lo >= hi {
            return None;
        }
    }
    let mut edges = Vec::new();
    if let (Some(s), Some(lo)) = (since, lo) {
        if s < lo {
            edges.push((s, before(lo)));
        }
    }
    if let (Some(hi), Some(u)) = (hi, until) {
        edges.push((hi, u));
    }
    Some(DaySplit { lo, hi, edges })
}

/// `SELECT …` the number of visible runs matching `q` in the scopes `which` selects, summed
/// from the tallies of migration 0009 (a row per scope, type, status, outcome and UTC day)
/// over the whole days of `q`'s range, plus the partial days at its edges read from the runs
/// ([`read_count`] on the scope index's narrow time range). A range inside one day is read
/// whole.
fn tally_count(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, which: Scopes<'_>) {
    let Some(split) = split_days(q.since, q.until) else {
        read_count(sql, dialect, operator_id, q, which);
        return;
    };
    let whole = RunQuery { since: None, until: None, ..q.clone() };
    sql.push("SELECT (SELECT CAST(COALESCE(SUM(o.n), 0) AS BIGINT) FROM ");
    visible_scopes(sql, operator_id, &whole, which);
    sql.push(" CROSS JOIN operation_run_tallies o WHERE o.workspace_id = v.ws AND o.environment_id = v.env");
    run_filters(sql, &whole, "o.type");
    if let Some(lo) = split.lo {
        sql.push(" AND o.day >= ").bind(Arg::Time(lo));
    }
    if let Some(hi) = split.hi {
        sql.push(" AND o.day < ").bind(Arg::Time(hi));
    }
    sql.push(")");
    for (since, until) in split.edges {
        let edge = RunQuery { since: Some(since), until: Some(until), ..q.clone() };
        sql.push(" + (");
        read_count(sql, dialect, operator_id, &edge, which);
        sql.push(")");
    }
}

/// `SELECT COUNT(*) …` of the runs the search terms name (by id or by an item's policy name)
/// in the visible scopes the terms do not match by name: the other part of a search's count.
/// Where the database keeps the names beside their runs (`names`, PostgreSQL's migration 0010)
/// and `q` filters only on what they hold, from those rows ([`names_count`]).
fn candidate_count(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, s: &SearchMatch, names: bool) {
    if names && !s.names.is_empty() && q.ids.is_empty() && q.stale_before.is_none() {
        names_count(sql, dialect, operator_id, q, s);
    } else {
        candidates(sql, dialect, operator_id, q, s, Candidates::Count);
    }
}

/// What [`candidates`] selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidates {
    /// `COUNT(*)` of all of them.
    Count,
    /// Their run ids, only the runs migration 0010 marks pending among an item's (a run named
    /// by id always).
    PendingIds,
}

/// `SELECT …` the runs the search terms name, in the visible scopes the terms do not match by
/// name, read from the items, restores and runs.
///
/// The candidates are (run, workspace, environment): an item's from its restore (read on the
/// name index of migration 0006, which holds the restore, so no item row is read), a run
/// named by id from the run. Only a candidate whose scope is the run's own passes, so a
/// restore outside its run's scope names nothing (as `policy_match` says), and each run
/// counts once (its passing candidates are one row after DISTINCT/UNION).
///
/// The visible scopes are tested on the candidates, before any run is read: the run's scope
/// must be the candidate's, so a candidate outside them names no run that counts. (A common
/// name's count at 1M on SQLite: 304 ms reading every candidate's run and testing the run's
/// scope, 191 ms so; a third of that name's candidates are in scopes the on-call operator does
/// not see.)
fn candidates(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, s: &SearchMatch, what: Candidates) {
    sql.push(match what {
        Candidates::Count => "SELECT COUNT(*)",
        Candidates::PendingIds => "SELECT o.id",
    });
    sql.push(
        " FROM (SELECT DISTINCT r.operation_run_id AS cid, r.workspace_id AS cws, \
         r.environment_id AS cenv FROM restore_items i JOIN restore_runs r ON r.id = i.restore_run_id \
         WHERE r.deleted_at IS NULL AND ",
    );
    if s.any_name() {
        dialect.name_in(sql, s, true);
    } else {
        sql.push("1 = 0");
    }
    sql.push(" AND (r.workspace_id, r.environment_id) IN ");
    scope_list(sql, operator_id, q, Scopes::Unmatched(s));
    if what == Candidates::PendingIds {
        sql.push(" AND r.operation_run_id IN (SELECT p.run_id FROM operation_run_names_pending p)");
    }
    if !s.ids.is_empty() {
        sql.push(" UNION SELECT n.id, n.workspace_id, n.environment_id FROM operation_runs n WHERE n.id IN ")
            .bind_list(s.ids.iter().map(|i| Arg::I64(*i)))
            .push(" AND (n.workspace_id, n.environment_id) IN ");
        scope_list(sql, operator_id, q, Scopes::Unmatched(s));
    }
    sql.push(
        ") c CROSS JOIN operation_runs o \
         WHERE o.id = c.cid AND o.workspace_id = c.cws AND o.environment_id = c.cenv",
    );
    run_filters(sql, q, "o.type");
}

/// `SELECT COUNT(*) …` of the runs the search terms name, in the visible scopes the terms do
/// not match by name, from `operation_run_names` (migration 0010: a row per distinct name and
/// run an item names, with the run's filter columns): the matched names' index range, no item,
/// restore or run read. A run marked pending there (a write not folded yet) is read from its
/// items instead, and a run named by id from the run ([`candidates`]).
fn names_count(sql: &mut Sql, dialect: &dyn Dialect, operator_id: i64, q: &RunQuery, s: &SearchMatch) {
    sql.push("SELECT COUNT(*) FROM (SELECT o.run_id FROM operation_run_names o CROSS JOIN ");
    visible_scopes(sql, operator_id, q, Scopes::Unmatched(s));
    sql.push(" WHERE o.name IN ").bind_list(s.names.iter().map(|n| Arg::Text(n.clone())));
    sql.push(" AND o.workspace_id = v.ws AND o.environment_id = v.env");
    run_filters(sql, q, "o.type");
    sql.push(
        " AND NOT EXISTS (SELECT 1 FROM operation_run_names_pending p WHERE p.run_id = o.run_id) \
         UNION ",
    );
    candidates(sql, dialect, operator_id, q, s, Candidates::PendingIds);
    sql.push(") u");
}

/// The statement that counts the visible runs matching `q` whose search terms matched
/// `search`; `None` when nothing can match (terms that match nothing).
#[must_use]
pub fn count_sql(store: &Store, operator_id: i64, q: &RunQuery, search: Option<&SearchMatch>) -> Option<Sql> {
    count_statement(store.dialect(), operator_id, q, search, true)
}

/// The same count as [`count_sql`], always read from the runs themselves (never from the
/// tallies): the bench's reference, the `COUNT(*)` of the same rows.
#[must_use]
pub fn count_rows_sql(store: &Store, operator_id: i64, q: &RunQuery, search: Option<&SearchMatch>) -> Option<Sql> {
    count_statement(store.dialect(), operator_id, q, search, false)
}

fn count_statement(
    dialect: &dyn Dialect,
    operator_id: i64,
    q: &RunQuery,
    search: Option<&SearchMatch>,
    tallies: bool,
) -> Option<Sql> {
    let mut sql = Sql::new("SELECT ");
    match search {
        None => {
            sql.push("(");
            scope_count(&mut sql, dialect, operator_id, q, Scopes::All, tallies);
            sql.push(")");
        }
        Some(s) if s.nothing() => return None,
        Some(s) => {
            let by_scope = !s.environments.is_empty() || !s.workspaces.is_empty();
            if by_scope {
                sql.push("(");
                scope_count(&mut sql, dialect, operator_id, q, Scopes::Matched(s), tallies);
                sql.push(") + ");
            }
            sql.push("(");
            candidate_count(&mut sql, dialect, operator_id, q, s, tallies && dialect.keeps_tallies());
            sql.push(")");
        }
    }
    sql.push(" AS n");
    Some(sql)
}

/// How many visible runs match `q` (the SQL-side filters only): the same runs as the list of
/// `q` holds, counted as [`count_sql`] says.
///
/// # Errors
/// Driver errors.
pub async fn count_runs(store: &Store, operator_id: i64, q: &RunQuery) -> Result<i64, StoreError> {
    let search = search_of(store, operator_id, q, None).await?;
    let Some(sql) = count_sql(store, operator_id, q, search.as_ref()) else {
        return Ok(0);
    };
    let row: Option<(i64,)> = store.fetch_optional(&sql).await?;
    Ok(row.map_or(0, |r| r.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("instant").to_utc()
    }

    #[test]
    fn a_range_splits_into_whole_utc_days_and_the_partial_days_at_its_edges() {
        // Open at both ends: every day is whole.
        assert_eq!(split_days(None, None), Some(DaySplit { lo: None, hi: None, edges: vec![] }));
        // From a midnight: no edge before it.
        assert_eq!(
            split_days(Some(t("2026-09-01T00:00:00Z")), None),
            Some(DaySplit { lo: Some(t("2026-09-01T00:00:00Z")), hi: None, edges: vec![] })
        );
        // From within a day: that day's rest is read, up to the microsecond before midnight.
        assert_eq!(
            split_days(Some(t("2026-09-01T17:30:00Z")), None),
            Some(DaySplit {
                lo: Some(t("2026-09-02T00:00:00Z")),
                hi: None,
                edges: vec![(t("2026-09-01T17:30:00Z"), t("2026-09-01T23:59:59.999999Z"))]
            })
        );
        // Up to an instant (inclusive): its day's start to it is read, even at midnight.
        assert_eq!(
            split_days(None, Some(t("2026-10-01T00:00:00Z"))),
            Some(DaySplit {
                lo: None,
                hi: Some(t("2026-10-01T00:00:00Z")),
                edges: vec![(t("2026-10-01T00:00:00Z"), t("2026-10-01T00:00:00Z"))]
            })
        );
        assert_eq!(
            split_days(Some(t("2026-08-15T17:30:00Z")), Some(t("2026-08-17T09:00:00+02:00"))),
            Some(DaySplit {
                lo: Some(t("2026-08-16T00:00:00Z")),
                hi: Some(t("2026-08-17T00:00:00Z")),
                edges: vec![
                    (t("2026-08-15T17:30:00Z"), t("2026-08-15T23:59:59.999999Z")),
                    (t("2026-08-17T00:00:00Z"), t("2026-08-17T07:00:00Z"))
                ]
            })
        );
        // No whole day inside: read whole (also a range that ends before it starts).
        assert_eq!(split_days(Some(t("2026-10-03T10:00:00Z")), Some(t("2026-10-03T20:00:00Z"))), None);
        assert_eq!(split_days(Some(t("2026-10-03T10:00:00Z")), Some(t("2026-10-04T09:00:00Z"))), None);
        assert_eq!(split_days(Some(t("2026-10-05T10:00:00Z")), Some(t("2026-10-01T09:00:00Z"))), None);
        // Far from the Unix epoch (the years a run may carry): still whole UTC days.
        assert_eq!(
            split_days(Some(t("1600-05-03T10:00:00Z")), Some(t("9999-12-31T10:00:00Z"))),
            Some(DaySplit {
                lo: Some(t("1600-05-04T00:00:00Z")),
                hi: Some(t("9999-12-31T00:00:00Z")),
                edges: vec![
                    (t("1600-05-03T10:00:00Z"), t("1600-05-03T23:59:59.999999Z")),
                    (t("9999-12-31T00:00:00Z"), t("9999-12-31T10:00:00Z"))
                ]
            })
        );
    }
}
