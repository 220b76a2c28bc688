//! Operators colliding, on SQLite and (when `PROOFDESK_TEST_PG_URL` is set) PostgreSQL: many
//! processes of the real binary and in-process services reconciling overlapping sets of stale
//! runs at once, a verdict that went stale before it was confirmed, and a lock held by someone
//! else. Every run moves at most once, with exactly one audit row and one notification, and
//! every loser gets a contract exit code.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{case, code, json, stale_decision, stale_runs_doc, stderr, write_doc, TestDb, NOW, STALE_FIRST};
use proofdesk::domain::Decision;
use proofdesk::service::{Clock, OpenOptions, Service, ServiceError};
use proofdesk::store::{Create, Sql, Store};
use serde_json::json;

const RUNS: i64 = 40;
/// (operator id, handle) of the three operators who may reconcile every stale run.
const OPERATORS: [(i64, &str); 3] = [(100, "alice"), (103, "wendy"), (104, "mona")];

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).expect("time").with_timezone(&Utc)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

async fn service(db: &TestDb, who: &str) -> Service {
    let store = Store::open(&db.url, Create::Never).await.expect("open");
    Service::with_store(
        store,
        OpenOptions {
            url: Some(db.url.clone()),
            operator: Some(who.to_owned()),
            read_only: false,
            stale_after: chrono::Duration::minutes(30),
            clock: Clock::fixed(now()),
        },
    )
    .await
    .expect("service")
}

/// Runs one statement on its own connection (changing the proof underneath an operator).
async fn raw_write(db: &TestDb, sql: &str) {
    let store = Store::connect(&db.url, Create::Never).await.expect("connect");
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.execute(&Sql::new(sql)).await.expect("write"), 1, "{sql}");
    tx.commit().await.expect("commit");
    store.close().await;
}

/// Waits for a child, killing it (and failing) if it outlives `limit`: a deadlock.
fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> std::process::Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("{what} did not finish within {limit:?} (deadlock?): {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn handle_id(handle: &str) -> i64 {
    OPERATORS.iter().find(|o| o.1 == handle).expect("operator").0
}

/// Who wrote which run: run id -> the (operator id, who) of each writer claimed.
type Writers = BTreeMap<i64, Vec<(i64, String)>>;

fn claim(writers: &mut Writers, run: i64, operator: i64, who: String) {
    writers.entry(run).or_default().push((operator, who));
}

#[test]
fn many_operators_reconciling_overlapping_stale_runs_move_each_run_once() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write_doc(dir.path(), "stale.json", &stale_runs_doc(RUNS));
    for db in TestDb::all() {
        let started = Utc::now() - chrono::Duration::seconds(1);
        db.load(&file);
        let mut writers = Writers::new();

        // Processes: one `reconcile --stale` batch per operator, and single reconciles over
        // overlapping ids, half bound to the decision the operator saw (`--expect`).
        let mut children = Vec::new();
        for (_, who) in OPERATORS {
            let child = db
                .command(&["--as", who, "--now", NOW, "reconcile", "--stale", "--yes", "--format", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn batch");
            children.push((format!("batch/{who}"), who, None, child));
        }
        for i in 0..12_i64 {
            let k = (i * 7) % RUNS;
            let id = (STALE_FIRST + k).to_string();
            let who = OPERATORS[usize::try_from(i % 3).expect("index")].1;
            let mut args = vec!["--as", who, "--now", NOW, "reconcile", &id, "--yes", "--format", "json"];
            if i % 2 == 0 {
                args.extend(["--expect", stale_decision(k)]);
            }
            let child = db.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn single");
            children.push((format!("single/{who}/{id}"), who, Some(STALE_FIRST + k), child));
        }

        // In-process operators, each with its own service and pool, at the same time.
        let tasks = rt().block_on(async {
            let batch = {
                let s = service(&db, "wendy").await;
                tokio::spawn(async move {
                    let report = s.reconcile_stale(false).await.expect("batch");
                    s.close().await;
                    report
                })
            };
            let mut singles = Vec::new();
            for (who, expect, order) in [("alice", true, 1_i64), ("mona", false, -1)] {
                let s = service(&db, who).await;
                singles.push(tokio::spawn(async move {
                    let mut results = Vec::new();
                    for n in 0..RUNS / 2 {
                        let k = if order > 0 { n * 2 } else { RUNS - 1 - n * 2 };
                        let expected = expect.then(|| Decision::parse(stale_decision(k)).expect("decision"));
                        results.push((STALE_FIRST + k, s.reconcile(STALE_FIRST + k, expected, Some(who)).await));
                    }
                    s.close().await;
                    (who, results)
                }));
            }
            let batch = batch.await.expect("batch task");
            let mut single_results = Vec::new();
            for t in singles {
                single_results.push(t.await.expect("single task"));
            }
            (batch, single_results)
        });

        let (batch, singles) = tasks;
        assert_eq!(batch.errors, 0, "[{}] in-process batch: {batch:?}", db.label);
        for item in &batch.runs {
            if item.result == proofdesk::service::BatchResult::Written {
                claim(&mut writers, item.operation_run_id, 103, "task/batch/wendy".into());
            }
        }
        for (who, results) in singles {
            for (id, result) in results {
                match result {
                    Ok(out) if out.written => claim(&mut writers, id, handle_id(who), format!("task/{who}")),
                    Ok(out) => assert_eq!(
                        out.verdict.reason_code.as_str(),
                        "operation_run_already_terminal",
                        "[{}] {who} {id}",
                        db.label
                    ),
                    Err(ServiceError::Conflict(_) | ServiceError::ProofChanged { .. }) => {}
                    Err(e) => panic!("[{}] task {who} on {id}: {e}", db.label),
                }
            }
        }

        for (what, who, single, child) in children {
            let out = wait_bounded(child, Duration::from_secs(120), &what);
            match single {
                None => {
                    assert_eq!(code(&out), 0, "[{}] {what}: {}", db.label, stderr(&out));
                    let report = json(&out);
                    assert_eq!(report["errors"], json!(0), "[{}] {what}: {report}", db.label);
                    for run in report["runs"].as_array().expect("runs") {
                        if run["result"] == json!("written") {
                            let id = run["operation_run_id"].as_i64().expect("id");
                            claim(&mut writers, id, handle_id(who), what.clone());
                        }
                    }
                }
                Some(id) => match code(&out) {
                    0 => {
                        assert_eq!(json(&out)["written"], json!(true), "[{}] {what}", db.label);
                        claim(&mut writers, id, handle_id(who), what.clone());
                    }
                    // Lost: the verdict moved (already terminal) under `--expect` (5), or
                    // without it the run is no longer reconcilable (6). Nothing written.
                    5 | 6 => assert_eq!(stderr(&out).trim().lines().count(), usize::from(code(&out) == 5)),
                    other => panic!("[{}] {what} exited {other}: {}", db.label, stderr(&out)),
                },
            }
        }

        // Every run was written exactly once, by exactly one of the operators.
        for k in 0..RUNS {
            let id = STALE_FIRST + k;
            let got = writers.get(&id).cloned().unwrap_or_default();
            assert_eq!(got.len(), 1, "[{}] run {id} written by {got:?}", db.label);
        }
        assert_eq!(writers.len(), usize::try_from(RUNS).expect("n"), "[{}] {writers:?}", db.label);

        // The database agrees: one transition each, its audit row by the writer, one notification.
        let rows = rt().block_on(async {
            let store = Store::connect(&db.url, Create::Never).await.expect("connect");
            let rows: Vec<(i64, String, String, i64, Option<i64>, i64)> = store
                .fetch_all(&Sql::new(
                    "SELECT o.id, o.status, o.outcome, \
                     (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'operation_run.reconciled' \
                      AND a.subject_type = 'operation_run' AND a.subject_id = o.id), \
                     (SELECT MIN(a.actor_id) FROM audit_log a WHERE a.action = 'operation_run.reconciled' \
                      AND a.subject_id = o.id), \
                     (SELECT COUNT(*) FROM notifications n WHERE n.operation_run_id = o.id) \
                     FROM operation_runs o WHERE o.id >= 2000 ORDER BY o.id",
                ))
                .await
                .expect("rows");
            store.close().await;
            rows
        });
        assert_eq!(rows.len(), usize::try_from(RUNS).expect("n"));
        for (id, status, outcome, audits, actor, notes) in rows {
            let k = id - STALE_FIRST;
            assert_eq!((status.as_str(), outcome.as_str()), ("completed", stale_decision(k)), "[{}] {id}", db.label);
            assert_eq!((audits, notes), (1, 1), "[{}] run {id}: audit rows, notifications", db.label);
            assert_eq!(actor, Some(writers[&id][0].0), "[{}] run {id}: audit actor is the writer", db.label);
        }
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), RUNS);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM notifications"), RUNS);

        // Status, outcome and updated_at read back consistently through the list.
        let out = db.run(&[
            "--as",
            "wendy",
            "--now",
            NOW,
            "runs",
            "--status",
            "completed",
            "--limit",
            "1000",
            "--format",
            "json",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let listed = json(&out);
        let listed = listed.as_array().expect("array");
        assert_eq!(listed.len(), usize::try_from(RUNS).expect("n"), "[{}]", db.label);
        for run in listed {
            let id = run["id"].as_i64().expect("id");
            assert_eq!(run["outcome"], json!(stale_decision(id - STALE_FIRST)));
            // Written with the real clock, whatever `--now` the batches assessed as of.
            let updated = chrono::DateTime::parse_from_rfc3339(run["updated_at"].as_str().expect("updated_at"))
                .expect("RFC 3339");
            assert!(updated >= started && updated <= Utc::now(), "[{}] run {id}: {updated}", db.label);
            assert_eq!(run["stale"], json!(false));
        }
        let counts: BTreeMap<&str, usize> = writers.values().fold(BTreeMap::new(), |mut m, w| {
            *m.entry(if w[0].1.starts_with("task") { "tasks" } else { "processes" }).or_default() += 1;
            m
        });
        eprintln!("[{}] transitions by source: {counts:?}", db.label);
    }
}

#[test]
fn a_verdict_that_went_stale_before_enter_is_proof_changed_and_writes_nothing() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        rt().block_on(async {
            let alice = service(&db, "alice").await;
            // What the operator saw and confirmed.
            let seen = alice.assess(1000).await.expect("assess").verdict_ok().expect("verdict").decision;
            assert_eq!(seen, Decision::Succeeded);
            // Meanwhile, newer post-run evidence arrives that verifies less.
            raw_write(
                &db,
                "INSERT INTO evidence (id, restore_run_id, kind, status, verified_items, expected_items, captured_at) \
                 VALUES (701, 500, 'post_restore_snapshot', 'incomplete', 1, 3, '2026-11-20T09:50:00Z')",
            )
            .await;
            match alice.reconcile(1000, Some(seen), None).await {
                Err(e @ ServiceError::ProofChanged { .. }) => {
                    assert_eq!(e.exit_code(), 5);
                    let ServiceError::ProofChanged { expected, now } = e else { unreachable!() };
                    assert_eq!(expected, Decision::Succeeded);
                    assert_eq!(now.decision, Decision::PartiallySucceeded, "[{}]", db.label);
                    assert_eq!(now.reason_code.as_str(), "post_run_evidence_incomplete");
                }
                other => panic!("[{}] expected proof_changed, got {other:?}", db.label),
            }
            let run = alice.run(1000).await.expect("run");
            assert_eq!((run.status.as_str(), run.outcome.as_str()), ("running", "pending"), "[{}]", db.label);
            assert_eq!(run.summary_counts, json!({}));
            // The operator looks again and confirms what the proof says now.
            let again = alice.reconcile(1000, Some(Decision::PartiallySucceeded), None).await.expect("retry");
            assert!(again.written);
            assert_eq!(again.outcome, "partially_succeeded");
            alice.close().await;
        });
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 1);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM notifications"), 1);
    }

    // The same on the command line with `--expect`: exit 5, one line, nothing written.
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        rt().block_on(raw_write(&db, "UPDATE restore_items SET outcome = 'failed' WHERE id = 5002"));
        let out = db.run(&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes", "--expect", "succeeded"]);
        assert_eq!(code(&out), 5, "[{}] {}", db.label, stderr(&out));
        assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains("proof changed"), "{}", stderr(&out));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM notifications"), 0);
        assert_eq!(db.text("SELECT status FROM operation_runs WHERE id = 1000").as_deref(), Some("running"));
        let retry = db.run(&[
            "--as",
            "alice",
            "--now",
            NOW,
            "reconcile",
            "1000",
            "--yes",
            "--expect",
            "partially_succeeded",
            "--format",
            "json",
        ]);
        assert_eq!(code(&retry), 0, "[{}] {}", db.label, stderr(&retry));
        assert_eq!(json(&retry)["reason_code"], json!("mixed_item_outcomes"));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 1);
    }
}

/// A raw connection that holds the write lock on run 1000 until dropped or released.
enum Holder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

async fn hold_lock(db: &TestDb) -> Holder {
    use sqlx::Connection;
    if db.label == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
        sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await.expect("begin immediate");
        Holder::Sqlite(c)
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        sqlx::query("BEGIN").execute(&mut c).await.expect("begin");
        sqlx::query("SELECT id FROM operation_runs WHERE id = 1000 FOR UPDATE").execute(&mut c).await.expect("lock");
        Holder::Postgres(c)
    }
}

async fn release(holder: Holder) {
    use sqlx::Connection;
    match holder {
        Holder::Sqlite(mut c) => {
            sqlx::query("ROLLBACK").execute(&mut c).await.expect("rollback");
            c.close().await.expect("close");
        }
        Holder::Postgres(mut c) => {
            sqlx::query("ROLLBACK").execute(&mut c).await.expect("rollback");
            c.close().await.expect("close");
        }
    }
}

#[test]
fn a_lock_held_elsewhere_gives_up_after_a_bounded_wait_and_writes_nothing() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let runtime = rt();
        let holder = runtime.block_on(hold_lock(&db));
        let child = db
            .command(&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let out = wait_bounded(child, Duration::from_secs(120), "reconcile under a held lock");
        // A busy database is neither a conflict nor bad input: "anything else", exit 1.
        assert_eq!(code(&out), 1, "[{}] {}", db.label, stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "[{}] one line: {err}", db.label);
        assert!(err.contains("busy") && err.contains("try again"), "[{}] {err}", db.label);
        assert!(!err.contains("panicked"), "{err}");
        // A batch reports the busy run as an error and still exits 0 (the batch ran).
        let child = db
            .command(&["--as", "alice", "--now", NOW, "reconcile", "--stale", "--yes", "--format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let out = wait_bounded(child, Duration::from_secs(120), "batch under a held lock");
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let report = json(&out);
        assert_eq!(
            (report["errors"].clone(), report["written"].clone()),
            (json!(1), json!(0)),
            "[{}] {report}",
            db.label
        );
        assert_eq!(report["runs"][0]["result"], json!("error"));
        assert!(report["runs"][0]["error"].as_str().is_some_and(|e| e.contains("busy")), "[{}] {report}", db.label);
        runtime.block_on(release(holder));
        assert_eq!(db.text("SELECT status FROM operation_runs WHERE id = 1000").as_deref(), Some("running"));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM notifications"), 0);

        let out = db.run(&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"]);
        assert_eq!(code(&out), 0, "[{}] after the lock is released: {}", db.label, stderr(&out));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 1);
    }
}
