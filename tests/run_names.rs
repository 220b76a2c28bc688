//! PostgreSQL keeps a search's policy names beside their runs (`operation_run_names`, migration
//! 0010): a row per distinct lowercased name and run that a search by name finds, with the
//! run's filter columns, which a search's count reads instead of every matching item. A write
//! marks the runs it may change pending; a fold recomputes a run's rows and deletes its marks.
//! These hold every run that is not pending to exactly the rows its items, restores and run
//! say, after every kind of write to the three tables, and the count of name searches to the
//! listing's length with runs pending and folded. They hold that writers never wait on each
//! other's folds, that a mark in flight keeps its run pending once committed, that a
//! REPEATABLE READ writer only marks, and that loads (a small seed, a large one with the
//! triggers set aside) leave nothing pending. PostgreSQL only: they run when
//! `PROOFDESK_TEST_PG_URL` is set (`.ci/run` sets it).

mod common;

use common::{code, stderr, TestDb};
use sqlx::{Connection, PgConnection};

/// Rows that differ between the table and what the items, restores and runs say, among runs
/// no mark holds pending.
const MISMATCHES: &str = "WITH expected AS (SELECT DISTINCT lower(i.policy_name) AS name, o.id AS run_id, \
     o.workspace_id, o.environment_id, o.type, o.status, o.outcome, o.created_at \
     FROM restore_items i JOIN restore_runs r ON r.id = i.restore_run_id AND r.deleted_at IS NULL \
     JOIN operation_runs o ON o.id = r.operation_run_id AND o.workspace_id = r.workspace_id \
     AND o.environment_id = r.environment_id), \
     kept AS (SELECT name, run_id, workspace_id, environment_id, type, status, outcome, created_at \
     FROM operation_run_names) \
     SELECT COUNT(*) FROM ((SELECT * FROM expected EXCEPT ALL SELECT * FROM kept) \
     UNION ALL (SELECT * FROM kept EXCEPT ALL SELECT * FROM expected)) d \
     WHERE d.run_id NOT IN (SELECT run_id FROM operation_run_names_pending)";

const PENDING: &str = "SELECT COUNT(DISTINCT run_id) FROM operation_run_names_pending";

/// Folds every run marked pending by a committed write, as other writers would over time.
const FOLD_ALL: &str =
    "SELECT proofdesk_names_fold(ARRAY(SELECT DISTINCT run_id FROM operation_run_names_pending ORDER BY 1))";

/// Name searches: common names, a rare one, names a write below adds or renames, and names
/// beside a scope's name and a run id.
const SEARCHES: &[&str] = &[
    "BitLocker",
    "type:any bitlocker status:completed",
    "Bürogeräte",
    "FileVault Gatekeeper",
    "Kiosk outcome:failed",
    "zq",
    "zq v2 since:-400d",
    "Lab BitLocker",
    "1003 BitLocker",
];

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

async fn scalar(c: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(c).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn exec(c: &mut PgConnection, sql: &str) -> u64 {
    sqlx::query(sql).execute(c).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows_affected()
}

/// A seeded PostgreSQL database, or `None` without one configured.
fn seeded(runs: &str) -> Option<TestDb> {
    let db = TestDb::postgres()?;
    let out = db.run(&["db", "seed-demo", "--runs", runs]);
    assert_eq!(code(&out), 0, "seed: {}", stderr(&out));
    Some(db)
}

/// Every search's count is the length of its listing, as two operators with different access;
/// how many searches matched something.
fn counts_agree_with_listings(db: &TestDb, when: &str) -> usize {
    let mut nonzero = 0;
    for who in ["oncall", "owen"] {
        for filter in SEARCHES {
            let out = db.run(&["--as", who, "runs", "--count", "--filter", filter]);
            assert_eq!(code(&out), 0, "{when}, {filter}: {}", stderr(&out));
            let n: usize = common::stdout(&out).trim().parse().expect("a number");
            let out = db.run(&["--as", who, "runs", "--filter", filter, "--limit", "100000", "--format", "json"]);
            assert_eq!(code(&out), 0, "{when}, {filter}: {}", stderr(&out));
            let rows = common::json(&out).as_array().map_or(0, Vec::len);
            assert_eq!(n, rows, "{when}, as {who}, {filter:?}: the count is the listing's length");
            nonzero += usize::from(n > 0);
        }
    }
    nonzero
}

#[test]
fn every_kind_of_write_keeps_the_names_of_runs_not_pending_exact() {
    let Some(db) = seeded("700") else { return };
    rt().block_on(async {
        let mut c = PgConnection::connect(&db.url).await.expect("connect");
        assert!(scalar(&mut c, "SELECT COUNT(*) FROM operation_run_names").await > 500, "the seed's names");
        assert_eq!(scalar(&mut c, PENDING).await, 0, "the seed folded the runs it wrote");
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after the seed");
        assert!(counts_agree_with_listings(&db, "after the seed") >= 10);

        let steps = [
            "INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
             SELECT (SELECT MAX(id) FROM restore_items) + row_number() OVER (ORDER BY r.id), r.id, \
             'deviceConfiguration', 'Zq Fresh ' || (r.id % 3), 'applied' FROM restore_runs r WHERE r.id % 5 = 0",
            "UPDATE restore_items SET policy_name = policy_name || ' v2' WHERE id % 9 = 0",
            "UPDATE restore_items SET restore_run_id = (SELECT MIN(id) FROM restore_runs) WHERE id % 23 = 0",
            "DELETE FROM restore_items WHERE id % 19 = 0",
            "UPDATE restore_runs SET deleted_at = now() WHERE id % 7 = 0",
            "UPDATE restore_runs SET deleted_at = NULL WHERE id % 14 = 0",
            "UPDATE restore_runs SET operation_run_id = operation_run_id + 1 WHERE id % 11 = 0",
            "UPDATE restore_runs r SET workspace_id = e.workspace_id, environment_id = e.id \
             FROM (SELECT id, workspace_id FROM environments ORDER BY id DESC LIMIT 1) e WHERE r.id % 13 = 0",
            "UPDATE operation_runs SET status = 'completed', outcome = 'failed' \
             WHERE id IN (SELECT operation_run_id FROM restore_runs WHERE id % 3 = 0) AND outcome <> 'failed'",
            "UPDATE operation_runs SET type = 'inventory.sync' WHERE id % 17 = 0",
            "UPDATE operation_runs SET created_at = created_at - interval '26 hours' WHERE id % 6 = 0",
            "UPDATE operation_runs o SET workspace_id = e.workspace_id, environment_id = e.id \
             FROM (SELECT id, workspace_id FROM environments ORDER BY id DESC LIMIT 1) e WHERE o.id % 10 = 0",
            "DELETE FROM operation_runs o WHERE o.id % 29 = 0 \
             AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.operation_run_id = o.id)",
            // Runs that restores name but that do not exist (deleted above, or relinked past
            // the last run): a search finds them once they do.
            "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, created_at, updated_at) \
             SELECT DISTINCT ON (r.operation_run_id) r.operation_run_id, r.workspace_id, r.environment_id, \
             'restore.execute', 'completed', 'succeeded', now() - interval '1 day', now() \
             FROM restore_runs r WHERE r.operation_run_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM operation_runs o WHERE o.id = r.operation_run_id) \
             ORDER BY r.operation_run_id, r.id",
            "DELETE FROM restore_items WHERE restore_run_id IN (SELECT id FROM restore_runs WHERE id % 31 = 0)",
            "DELETE FROM restore_runs r WHERE r.id % 31 = 0 \
             AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.restore_run_id = r.id)",
        ];
        for step in steps {
            assert!(exec(&mut c, step).await > 0, "{step}: changed nothing");
            assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after {step}");
        }
        // A heartbeat marks nothing.
        let pending = scalar(&mut c, PENDING).await;
        assert!(pending > 0, "the last writes' runs wait for a fold");
        exec(&mut c, "UPDATE operation_runs SET updated_at = updated_at + interval '1 second'").await;
        assert!(scalar(&mut c, PENDING).await <= pending, "a heartbeat marked runs");
        assert!(counts_agree_with_listings(&db, "with runs pending") >= 10);

        exec(&mut c, FOLD_ALL).await;
        assert_eq!(scalar(&mut c, PENDING).await, 0, "every committed mark folded");
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after every fold");
        assert!(counts_agree_with_listings(&db, "folded") >= 10);

        // The reconciliation's own write (several transactions at once).
        let out = db.run(&["--as", "oncall", "reconcile", "--stale", "--yes"]);
        assert_eq!(code(&out), 0, "reconcile --stale: {}", stderr(&out));
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after reconcile --stale");

        exec(&mut c, "TRUNCATE restore_items").await;
        assert_eq!(scalar(&mut c, "SELECT COUNT(*) FROM operation_run_names").await, 0, "after TRUNCATE");
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0);
        c.close().await.ok();
    });
}

/// A run with a restore whose items carry names, and one of its items.
async fn run_with_items(c: &mut PgConnection) -> (i64, i64) {
    sqlx::query_as(
        "SELECT r.operation_run_id, MIN(i.id) FROM operation_run_names n \
         JOIN restore_runs r ON r.operation_run_id = n.run_id JOIN restore_items i ON i.restore_run_id = r.id \
         GROUP BY r.operation_run_id ORDER BY r.operation_run_id LIMIT 1",
    )
    .fetch_one(c)
    .await
    .expect("a run with items")
}

#[test]
fn a_write_in_flight_keeps_its_run_pending_and_no_writer_waits() {
    let Some(db) = seeded("300") else { return };
    rt().block_on(async {
        let mut a = PgConnection::connect(&db.url).await.expect("connect a");
        let mut b = PgConnection::connect(&db.url).await.expect("connect b");
        let (run, item) = run_with_items(&mut a).await;
        exec(&mut b, "SET lock_timeout = '3s'").await;

        // a changes the run's status and holds its transaction open.
        exec(&mut a, "BEGIN").await;
        exec(&mut a, &format!("UPDATE operation_runs SET status = 'running', outcome = 'pending' WHERE id = {run}"))
            .await;
        // b renames one of its items (a committed mark) and folds it, seeing b's rename but not
        // a's status.
        exec(&mut b, &format!("UPDATE restore_items SET policy_name = 'Zq In Flight' WHERE id = {item}")).await;
        exec(&mut b, FOLD_ALL).await;
        assert_eq!(scalar(&mut b, PENDING).await, 0, "b sees no mark: a's is not committed");
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0, "b's view: its rename, not a's status");
        let names = format!("SELECT COUNT(*) FROM operation_run_names WHERE run_id = {run} AND name = 'zq in flight'");
        assert_eq!(scalar(&mut b, &names).await, 1);

        // a folds the run itself (holding its try-lock until it commits); b's fold of the same
        // run skips it instead of waiting.
        exec(&mut a, &format!("SELECT proofdesk_names_fold(ARRAY[{run}]::bigint[])")).await;
        exec(&mut b, &format!("UPDATE restore_items SET policy_name = 'Zq Second' WHERE id = {item}")).await;
        exec(&mut b, "SET lock_timeout = '1s'").await;
        exec(&mut b, FOLD_ALL).await;
        assert_eq!(scalar(&mut b, PENDING).await, 1, "b's rename waits for a's fold to end");
        exec(&mut a, "COMMIT").await;

        // a's mark and b's are both committed now: the run is read from its items until a
        // later write folds it, and the counts agree with the listing meanwhile.
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0);
        assert!(counts_agree_with_listings(&db, "a run pending") > 0);
        exec(&mut b, FOLD_ALL).await;
        assert_eq!(scalar(&mut b, PENDING).await, 0);
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0, "folded with a's status and b's second name");
        a.close().await.ok();
        b.close().await.ok();
    });
}

#[test]
fn a_repeatable_read_writer_only_marks_its_runs() {
    let Some(db) = seeded("300") else { return };
    rt().block_on(async {
        let mut a = PgConnection::connect(&db.url).await.expect("connect a");
        let mut b = PgConnection::connect(&db.url).await.expect("connect b");
        let (run, item) = run_with_items(&mut a).await;
        exec(&mut a, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
        scalar(&mut a, "SELECT COUNT(*) FROM operation_run_names").await;
        // Another writer changes and folds the run after a's snapshot was taken…
        exec(&mut b, &format!("UPDATE restore_items SET policy_name = 'Zq Later' WHERE id = {item}")).await;
        exec(&mut b, FOLD_ALL).await;
        // …and a's own writes (one that would fold b's mark) still commit, folding nothing.
        exec(&mut a, &format!("UPDATE operation_runs SET outcome = 'failed' WHERE id = {run}")).await;
        exec(&mut a, "SELECT proofdesk_names_fold_mine()").await;
        exec(&mut a, "COMMIT").await;
        assert_eq!(scalar(&mut b, PENDING).await, 1, "a marked its run, and folded nothing");
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0);
        exec(&mut b, FOLD_ALL).await;
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0);
        assert_eq!(scalar(&mut b, PENDING).await, 0);
        a.close().await.ok();
        b.close().await.ok();
    });
}

#[test]
fn a_large_seed_sets_the_triggers_aside_and_rebuilds_the_names() {
    // At BULK_RUNS (20,000) and above the seed sets indexes, keys and the triggers aside.
    let Some(db) = seeded("20000") else { return };
    rt().block_on(async {
        let mut c = PgConnection::connect(&db.url).await.expect("connect");
        assert!(scalar(&mut c, "SELECT COUNT(*) FROM operation_run_names").await > 10_000);
        assert_eq!(scalar(&mut c, PENDING).await, 0);
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "rebuilt after the load");
        let enabled = "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'proofdesk\\_names\\_%' AND tgenabled = 'O'";
        assert_eq!(scalar(&mut c, enabled).await, 12, "the triggers are back");
        exec(&mut c, "UPDATE operation_runs SET outcome = 'failed' WHERE id % 5 = 0").await;
        exec(&mut c, FOLD_ALL).await;
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "and keep the names after it");
        c.close().await.ok();
    });
}

#[test]
fn a_platform_role_writes_without_rights_on_the_names_and_cannot_call_their_functions() {
    let Some(db) = seeded("300") else { return };
    rt().block_on(async {
        let mut c = PgConnection::connect(&db.url).await.expect("connect");
        let role = format!("pd_platform_{}", std::process::id());
        exec(&mut c, &format!("DROP ROLE IF EXISTS {role}")).await;
        exec(&mut c, &format!("CREATE ROLE {role}")).await;
        exec(
            &mut c,
            &format!("GRANT SELECT, INSERT, UPDATE, DELETE ON operation_runs, restore_runs, restore_items TO {role}"),
        )
        .await;
        let (run, item) = run_with_items(&mut c).await;
        exec(&mut c, &format!("SET ROLE {role}")).await;
        // The platform's writes go through (the triggers' functions run as their owner)…
        exec(&mut c, &format!("UPDATE restore_items SET policy_name = 'Zq Platform' WHERE id = {item}")).await;
        exec(&mut c, &format!("UPDATE operation_runs SET outcome = 'failed' WHERE id = {run}")).await;
        // …but the role can neither mark, fold nor tally by hand.
        for call in [
            "SELECT proofdesk_names_mark(ARRAY[1]::bigint[])",
            "SELECT proofdesk_names_fold(ARRAY[1]::bigint[])",
            "SELECT proofdesk_names_fold_mine()",
            "SELECT proofdesk_tally_apply(ARRAY[1]::bigint[], ARRAY[1]::bigint[], ARRAY['x'], ARRAY['x'], \
             ARRAY['x'], ARRAY[now()], ARRAY[1]::bigint[])",
        ] {
            let err = sqlx::query(call).execute(&mut c).await.expect_err(call).to_string();
            assert!(err.contains("permission denied"), "{call}: {err}");
        }
        exec(&mut c, "RESET ROLE").await;
        exec(&mut c, FOLD_ALL).await;
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0);
        assert_eq!(scalar(&mut c, PENDING).await, 0);
        exec(&mut c, &format!("DROP OWNED BY {role}")).await;
        exec(&mut c, &format!("DROP ROLE {role}")).await;
        c.close().await.ok();
    });
}
