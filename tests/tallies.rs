//! PostgreSQL keeps counts of runs ahead of time (`operation_run_tallies`, migration 0009): a
//! row per scope, type, status, outcome and UTC day, kept by statement triggers on
//! `operation_runs`, summed by the count. These hold the tallies to a `GROUP BY` of the runs
//! after every kind of write: the loader's statements, a large seed (triggers set aside, the
//! tallies rebuilt), inserts, updates of each tallied column and of none, deletes, TRUNCATE,
//! two writers of one key at once (the second skips the rows the first holds, and neither
//! waits), and a REPEATABLE READ writer (its rows appended, never folded). PostgreSQL only:
//! they run when `PROOFDESK_TEST_PG_URL` is set (`.ci/run` sets it).

mod common;

use common::{code, stderr, TestDb};
use sqlx::{Connection, PgConnection};

/// Keys whose tallied sum differs from the number of runs (either side missing counts).
const MISMATCHES: &str = "SELECT COUNT(*) FROM \
    (SELECT workspace_id, environment_id, type, status, outcome, day, SUM(n) AS s \
     FROM operation_run_tallies GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0) t \
    FULL JOIN (SELECT workspace_id, environment_id, type, status, outcome, \
     date_trunc('day', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, COUNT(*) AS c \
     FROM operation_runs GROUP BY 1, 2, 3, 4, 5, 6) r \
    USING (workspace_id, environment_id, type, status, outcome, day) \
    WHERE t.s IS DISTINCT FROM r.c";

/// Keys held in more than one row (not yet folded).
const UNFOLDED: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM operation_run_tallies \
    GROUP BY workspace_id, environment_id, type, status, outcome, day HAVING COUNT(*) > 1) k";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

async fn scalar(c: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(c).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn exec(c: &mut PgConnection, sql: &str) -> u64 {
    sqlx::query(sql).execute(c).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows_affected()
}

/// Two completed runs that share every tallied column (scope, type, status, outcome, day).
async fn two_runs_of_one_key(c: &mut PgConnection) -> (i64, i64) {
    let day = "date_trunc('day', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
    let sql = format!(
        "SELECT MIN(id), MAX(id) FROM operation_runs WHERE status = 'completed' \
         GROUP BY workspace_id, environment_id, type, outcome, {day} HAVING COUNT(*) >= 2 \
         ORDER BY COUNT(*) DESC, MIN(id) LIMIT 1"
    );
    sqlx::query_as(&sql).fetch_one(c).await.expect("two runs of one key")
}

/// A seeded PostgreSQL database and a connection to it, or `None` without one configured.
fn seeded(runs: &str) -> Option<TestDb> {
    let db = TestDb::postgres()?;
    let out = db.run(&["db", "seed-demo", "--runs", runs]);
    assert_eq!(code(&out), 0, "seed: {}", stderr(&out));
    Some(db)
}

#[test]
fn every_kind_of_write_keeps_the_tallies_equal_to_the_runs() {
    let Some(db) = seeded("700") else { return };
    rt().block_on(async {
        let mut c = PgConnection::connect(&db.url).await.expect("connect");
        let runs = scalar(&mut c, "SELECT COUNT(*) FROM operation_runs").await;
        assert!(runs >= 700, "{runs} runs");
        assert_eq!(scalar(&mut c, "SELECT CAST(SUM(n) AS BIGINT) FROM operation_run_tallies").await, runs);
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after the seed's inserts");

        let steps = [
            "UPDATE operation_runs SET status = 'completed', outcome = 'failed' \
             WHERE id IN (SELECT id FROM operation_runs WHERE status <> 'completed' ORDER BY id LIMIT 5)",
            "UPDATE operation_runs SET updated_at = updated_at + interval '1 second' WHERE id % 7 = 0",
            "UPDATE operation_runs SET type = 'inventory.sync' WHERE id % 11 = 0",
            "UPDATE operation_runs SET created_at = created_at - interval '26 hours' WHERE id % 13 = 0",
            "UPDATE operation_runs o SET workspace_id = e.workspace_id, environment_id = e.id \
             FROM (SELECT id, workspace_id FROM environments ORDER BY id DESC LIMIT 1) e WHERE o.id % 17 = 0",
            "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, created_at, updated_at) \
             SELECT id + 1000000, workspace_id, environment_id, 'backup.capture', status, outcome, created_at, updated_at \
             FROM operation_runs WHERE id % 3 = 0",
            "DELETE FROM operation_runs WHERE id > 1000000 AND id % 2 = 0",
        ];
        for step in steps {
            assert!(exec(&mut c, step).await > 0, "{step}: changed nothing");
            assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after {step}");
            assert_eq!(scalar(&mut c, UNFOLDED).await, 0, "after {step}: a lone writer folds every key it wrote");
        }
        // One run at a time, as a worker writes: each statement's rows fold into one per key.
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM operation_runs ORDER BY id LIMIT 3")
            .fetch_all(&mut c)
            .await
            .expect("ids");
        assert_eq!(ids.len(), 3);
        for id in ids {
            exec(&mut c, &format!("UPDATE operation_runs SET status = 'running' WHERE id = {id}")).await;
            exec(&mut c, &format!("UPDATE operation_runs SET status = 'completed' WHERE id = {id}")).await;
        }
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0);
        assert_eq!(scalar(&mut c, UNFOLDED).await, 0);

        // The transition's own write (one statement that updates the run and inserts its audit
        // row) for every stale run the on-call operator may reconcile, several transactions at
        // once (they may leave a key's rows apart for a later write to fold; the sums hold).
        let open = "SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'";
        let before = scalar(&mut c, open).await;
        let out = db.run(&["--as", "oncall", "reconcile", "--stale", "--yes"]);
        assert_eq!(code(&out), 0, "reconcile --stale: {}", stderr(&out));
        assert!(scalar(&mut c, open).await < before, "the reconciliation completed some runs");
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after reconcile --stale");

        // Runs far from today, at midday: a count over part of their day reads that part from
        // the runs and the whole days from the tallies, and agrees with the listing.
        exec(
            &mut c,
            "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, created_at, updated_at) \
             SELECT 3000000 + v.k, s.workspace_id, s.environment_id, 'restore.execute', 'completed', 'succeeded', v.t, v.t \
             FROM (SELECT workspace_id, environment_id FROM operation_runs WHERE id = 1001) s, \
             (VALUES (1, TIMESTAMPTZ '1650-05-03 12:00:00+00'), (2, TIMESTAMPTZ '2300-01-01 12:00:00+00')) v(k, t)",
        )
        .await;
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "after runs in 1650 and 2300");
        let mut counted = 0;
        for (filter, expected) in [
            ("since:1650-05-03T10:00:00Z until:1650-05-05T00:00:00Z", 1),
            ("since:1650-05-03T12:00:01Z until:1650-05-09T00:00:00Z", 0),
            ("since:2299-12-29T00:00:00Z until:2300-01-01T13:00:00Z", 1),
            ("since:2299-12-29T00:00:00Z until:2300-01-01T11:59:59Z", 0),
        ] {
            let out = db.run(&["--as", "owen", "runs", "--count", "--filter", filter]);
            assert_eq!(code(&out), 0, "{filter}: {}", stderr(&out));
            let n: usize = common::stdout(&out).trim().parse().expect("a number");
            let out = db.run(&["--as", "owen", "runs", "--filter", filter, "--limit", "100", "--format", "json"]);
            assert_eq!(code(&out), 0, "{filter}: {}", stderr(&out));
            let rows = common::json(&out).as_array().map_or(0, Vec::len);
            assert_eq!(n, rows, "{filter}: the count is the listing's length");
            assert_eq!(n, expected, "{filter}");
            counted += n;
        }
        assert_eq!(counted, 2);

        exec(&mut c, "TRUNCATE operation_runs CASCADE").await;
        assert_eq!(scalar(&mut c, "SELECT COUNT(*) FROM operation_run_tallies").await, 0, "after TRUNCATE");
        c.close().await.ok();
    });
}

#[test]
fn two_writers_of_one_key_do_not_wait_on_each_other_and_the_sum_holds() {
    let Some(db) = seeded("300") else { return };
    rt().block_on(async {
        let mut a = PgConnection::connect(&db.url).await.expect("connect a");
        let mut b = PgConnection::connect(&db.url).await.expect("connect b");
        // Two completed runs of one key: each writer moves one of them to the same new key.
        let (first, second) = two_runs_of_one_key(&mut a).await;
        exec(&mut a, "BEGIN").await;
        exec(&mut a, &format!("UPDATE operation_runs SET outcome = 'failed' WHERE id = {first}")).await;
        // `a` holds its fold's rows until it commits; `b` skips them instead of waiting.
        exec(&mut b, "SET lock_timeout = '3s'").await;
        exec(&mut b, &format!("UPDATE operation_runs SET outcome = 'failed' WHERE id = {second}")).await;
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0, "b's view: its own write counted, not a's yet");
        exec(&mut a, "COMMIT").await;
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0, "both writes counted");
        assert!(scalar(&mut b, UNFOLDED).await > 0, "b left its rows beside the ones a held");
        // The next write of the key folds what the two left apart.
        exec(&mut b, &format!("UPDATE operation_runs SET outcome = 'succeeded' WHERE id = {second}")).await;
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0);
        assert_eq!(scalar(&mut b, UNFOLDED).await, 0);
        a.close().await.ok();
        b.close().await.ok();
    });
}

#[test]
fn a_repeatable_read_writer_appends_its_counts_and_never_fails_on_a_fold() {
    let Some(db) = seeded("300") else { return };
    rt().block_on(async {
        let mut a = PgConnection::connect(&db.url).await.expect("connect a");
        let mut b = PgConnection::connect(&db.url).await.expect("connect b");
        let (run, other) = two_runs_of_one_key(&mut a).await;
        exec(&mut a, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
        scalar(&mut a, "SELECT COUNT(*) FROM operation_run_tallies").await;
        // Another writer folds the tallies after a's snapshot was taken…
        exec(&mut b, &format!("UPDATE operation_runs SET status = 'running' WHERE id = {other}")).await;
        exec(&mut b, &format!("UPDATE operation_runs SET status = 'completed' WHERE id = {other}")).await;
        // …and a's own write still commits: it appends rows, deleting none.
        exec(&mut a, &format!("UPDATE operation_runs SET status = 'running' WHERE id = {run}")).await;
        exec(&mut a, "COMMIT").await;
        assert_eq!(scalar(&mut b, MISMATCHES).await, 0);
        a.close().await.ok();
        b.close().await.ok();
    });
}

#[test]
fn a_large_seed_sets_the_triggers_aside_and_rebuilds_the_tallies() {
    // At BULK_RUNS (20,000) and above the seed sets indexes, keys and the tally triggers aside.
    let Some(db) = seeded("20000") else { return };
    rt().block_on(async {
        let mut c = PgConnection::connect(&db.url).await.expect("connect");
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "rebuilt after the load");
        let enabled = "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'proofdesk\\_tallies\\_%' AND tgenabled = 'O'";
        assert_eq!(scalar(&mut c, enabled).await, 4, "the triggers are back");
        exec(&mut c, "UPDATE operation_runs SET outcome = 'failed' WHERE id % 5 = 0").await;
        assert_eq!(scalar(&mut c, MISMATCHES).await, 0, "and keep the tallies after it");
        c.close().await.ok();
    });
}
