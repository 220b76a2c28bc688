//! The transition, end to end through the real binary, on SQLite and (when configured)
//! PostgreSQL: what a reconciliation writes, what refuses, races, and crashes.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{case, code, json, stderr, stdout, TestDb, NOW};
use serde_json::json;

fn as_alice<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--as", "alice", "--now", NOW];
    v.extend_from_slice(args);
    v
}

fn state(db: &TestDb) -> serde_json::Value {
    let out = db.run(&as_alice(&["show", "1000", "--format", "json"]));
    assert_eq!(code(&out), 0, "[{}] show: {}", db.label, stderr(&out));
    json(&out)["operation_run"].clone()
}

fn audit_rows(db: &TestDb) -> i64 {
    db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'")
}

fn notifications(db: &TestDb) -> i64 {
    db.scalar("SELECT COUNT(*) FROM notifications")
}

#[test]
fn reconciling_complete_proof_writes_exactly_the_contract() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let before = chrono::Utc::now() - chrono::Duration::seconds(1);
        let out = db.run(&as_alice(&["reconcile", "1000", "--yes", "--format", "json", "--note", "INC-4711"]));
        let after = chrono::Utc::now() + chrono::Duration::seconds(1);
        let real = |v: &serde_json::Value| {
            let t = chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time")).expect("RFC 3339");
            assert!(t >= before && t <= after, "[{}] written with the real clock, not --now: {t}", db.label);
        };
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let got = json(&out);
        assert_eq!(got["written"], json!(true));
        assert_eq!(got["decision"], json!("succeeded"));
        assert_eq!(got["status"], json!("completed"));
        assert_eq!(got["outcome"], json!("succeeded"));

        let run = state(&db);
        assert_eq!(run["status"], json!("completed"), "[{}]", db.label);
        assert_eq!(run["outcome"], json!("succeeded"));
        assert_eq!(
            run["summary_counts"],
            json!({"total": 3, "applied": 2, "unchanged": 1, "failed": 0, "skipped": 0, "manual_required": 0,
                   "succeeded": 3, "evidence_verified": 3, "evidence_expected": 3})
        );
        // Other context keys are kept.
        assert_eq!(run["context"]["restore_run_id"], json!(500));
        assert_eq!(run["context"]["source"], json!("restore wizard"));
        let rec = &run["context"]["reconciliation"];
        assert_eq!(rec["adapter"], json!("restore.execute"));
        assert_eq!(rec["decision"], json!("succeeded"));
        assert_eq!(rec["reason_code"], json!("proof_complete"));
        assert_eq!(rec["findings"], json!(["proof_complete"]));
        real(&rec["reconciled_at"]);
        assert_eq!(rec["actor"], json!({"kind": "operator", "id": 100}));
        assert_eq!(
            rec["proof"],
            json!({"restore_run_id": 500, "restore_status": "completed", "evidence_status": "complete", "audit": "continuous"})
        );
        // Timestamps: started kept, completed from the restore, updated = the real clock
        // (`--now` only sets the instant the verdict is assessed as of).
        assert_eq!(run["started_at"], json!("2026-11-20T09:01:00Z"));
        assert_eq!(run["completed_at"], json!("2026-11-20T09:30:00Z"));
        real(&run["updated_at"]);

        assert_eq!(audit_rows(&db), 1, "[{}] one audit row", db.label);
        let metadata = db
            .text("SELECT CAST(metadata AS TEXT) FROM audit_log WHERE action = 'operation_run.reconciled'")
            .expect("metadata");
        let metadata: serde_json::Value = serde_json::from_str(&metadata).expect("metadata JSON");
        assert_eq!(
            metadata,
            json!({"decision": "succeeded", "reason_code": "proof_complete", "findings": ["proof_complete"],
                   "restore_run_id": 500, "note": "INC-4711"})
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM notifications WHERE operator_id = 100 AND operation_run_id = 1000 AND kind = 'operation_run.terminal'"),
            1
        );

        // A second attempt: not_reconciled, exit 6, nothing written.
        let again = db.run(&as_alice(&["reconcile", "1000", "--yes", "--format", "json"]));
        assert_eq!(code(&again), 6, "[{}] {}", db.label, stderr(&again));
        assert_eq!(json(&again)["written"], json!(false));
        assert_eq!(json(&again)["reason_code"], json!("operation_run_already_terminal"));
        assert_eq!(audit_rows(&db), 1);
        assert_eq!(notifications(&db), 1);
        assert_eq!(state(&db), run, "[{}] the second attempt changed nothing", db.label);
    }
}

#[test]
fn refusals_write_nothing_and_use_the_contract_codes() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let before = state(&db);
        let cases: &[(&[&str], i32)] = &[
            (&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes", "--expect", "partially_succeeded"], 5),
            (&["--as", "rita", "--now", NOW, "reconcile", "1000", "--yes"], 4),
            (&["--as", "alice", "--read-only", "--now", NOW, "reconcile", "1000", "--yes"], 4),
            (&["--as", "oscar", "--now", NOW, "reconcile", "1000", "--yes"], 3),
            (&["--as", "alice", "--now", NOW, "reconcile", "999999", "--yes"], 3),
            (&["--as", "nobody", "--now", NOW, "reconcile", "1000", "--yes"], 2),
            (&["--now", NOW, "reconcile", "1000", "--yes"], 2),
            // No terminal and no --yes: refuse rather than act unconfirmed.
            (&["--as", "alice", "--now", NOW, "reconcile", "1000"], 2),
        ];
        for (args, want) in cases {
            let out = db.command(args).stdin(Stdio::null()).output().expect("run");
            assert_eq!(code(&out), *want, "[{}] {:?}: {}", db.label, args, stderr(&out));
            assert_eq!(stderr(&out).trim().lines().count(), 1, "one clear line: {}", stderr(&out));
        }
        assert_eq!(state(&db), before, "[{}] refusals wrote something", db.label);
        assert_eq!(audit_rows(&db), 0);
        assert_eq!(notifications(&db), 0);
    }
}

#[test]
fn a_hidden_run_answers_exactly_like_a_missing_one() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let hidden = db.run(&["--as", "oscar", "--now", NOW, "assess", "1000", "--format", "json"]);
        let missing = db.run(&["--as", "oscar", "--now", NOW, "assess", "424242", "--format", "json"]);
        assert_eq!(code(&hidden), 3);
        assert_eq!(stdout(&hidden), "");
        assert_eq!(stderr(&hidden).replace("1000", "N"), stderr(&missing).replace("424242", "N"));
        for leak in ["500", "Win11", "bs-2026", "contoso"] {
            assert!(!stderr(&hidden).contains(leak), "[{}] leaked {leak}", db.label);
        }
        let list = db.run(&["--as", "oscar", "--now", NOW, "runs", "--format", "json"]);
        assert_eq!(json(&list), json!([]), "[{}] a hidden run is not listed", db.label);
    }
}

#[test]
fn an_owner_without_an_explicit_entitlement_may_reconcile() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let out = db.run(&["--as", "wendy", "--now", NOW, "reconcile", "1000", "--yes", "--format", "json"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        assert_eq!(json(&out)["written"], json!(true));
        let actor = db.text("SELECT CAST(actor_id AS TEXT) FROM audit_log WHERE action = 'operation_run.reconciled'");
        assert_eq!(actor.as_deref(), Some("103"));
    }
}

#[test]
fn eight_racing_processes_write_exactly_once() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let children: Vec<_> = (0..8)
            .map(|_| {
                db.command(&as_alice(&["reconcile", "1000", "--yes", "--expect", "succeeded"]))
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        let codes: Vec<i32> = children.into_iter().map(|c| code(&c.wait_with_output().expect("wait"))).collect();
        assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "[{}] exactly one writer: {codes:?}", db.label);
        assert!(codes.iter().all(|c| [0, 5, 6].contains(c)), "[{}] others exit 5 or 6: {codes:?}", db.label);
        assert_eq!(audit_rows(&db), 1);
        assert_eq!(notifications(&db), 1);
    }
}

#[test]
fn killing_a_reconciliation_at_random_points_is_all_or_nothing() {
    for db in TestDb::all() {
        let rounds = if db.label == "sqlite" { 24 } else { 12 };
        let mut seen_done = 0;
        let mut seen_untouched = 0;
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..rounds {
            let fresh = if db.label == "sqlite" { TestDb::sqlite() } else { TestDb::postgres().expect("pg") };
            fresh.load(&case("19-proof-complete.json"));
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // PostgreSQL connects more slowly: spread the kills over a longer window.
            let window = if fresh.label == "sqlite" { 60_000 } else { 250_000 };
            let delay = Duration::from_micros(seed % window);
            let mut child = fresh
                .command(&as_alice(&["reconcile", "1000", "--yes"]))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn");
            std::thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
            // One statement, one snapshot: on PostgreSQL a COMMIT the killed client already sent
            // may still land while we look, so separate reads could straddle it.
            let snapshot = fresh
                .text(
                    "SELECT status || '|' || CAST((SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled') AS TEXT) \
                     || '|' || CAST((SELECT COUNT(*) FROM notifications) AS TEXT) || '|' || CAST(summary_counts AS TEXT) \
                     FROM operation_runs WHERE id = 1000",
                )
                .unwrap_or_default();
            let parts: Vec<&str> = snapshot.splitn(4, '|').collect();
            let (status, audits, notes) = (parts.first().copied(), parts.get(1).copied(), parts.get(2).copied());
            match status {
                Some("completed") => {
                    assert_eq!(
                        (audits, notes),
                        (Some("1"), Some("1")),
                        "[{}] reconciled fully: {snapshot}",
                        fresh.label
                    );
                    seen_done += 1;
                }
                Some("running") => {
                    assert_eq!((audits, notes), (Some("0"), Some("0")), "[{}] untouched: {snapshot}", fresh.label);
                    assert_eq!(parts.get(3).map(|c| c.replace(' ', "")), Some("{}".to_owned()), "{snapshot}");
                    seen_untouched += 1;
                }
                other => panic!("[{}] unexpected status {other:?}", fresh.label),
            }
        }
        eprintln!("[{}] kill rounds: {seen_done} reconciled, {seen_untouched} untouched", db.label);
    }
}

/// `--now` only sets the instant verdicts are assessed as of: a past `--now` still stamps every
/// write with the real clock, and a `--now` later than the real clock is refused.
#[test]
fn now_never_stamps_writes_and_a_future_now_is_refused() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        for future in ["2100-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            let out = db.run(&["--as", "alice", "--now", future, "reconcile", "1000", "--yes"]);
            assert_eq!(code(&out), 2, "[{}] {future}: {}", db.label, stderr(&out));
            assert!(stderr(&out).contains("later than the real clock"), "[{}] {}", db.label, stderr(&out));
            let out = db.run(&["--as", "alice", "--now", future, "reconcile", "--stale", "--yes"]);
            assert_eq!(code(&out), 2, "[{}] batch {future}: {}", db.label, stderr(&out));
        }
        assert_eq!(state(&db)["status"], json!("running"), "[{}] nothing written", db.label);
        assert_eq!(audit_rows(&db) + notifications(&db), 0);

        let before = chrono::Utc::now() - chrono::Duration::seconds(1);
        let out = db.run(&[
            "--as",
            "alice",
            "--now",
            "1999-06-01T00:00:00Z",
            "--stale-after",
            "1m",
            "reconcile",
            "1000",
            "--yes",
        ]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let run = state(&db);
        let at = |k: &str| chrono::DateTime::parse_from_rfc3339(run[k].as_str().expect(k)).expect("RFC 3339");
        assert!(at("updated_at") >= before, "[{}] updated_at moved backwards: {}", db.label, run["updated_at"]);
        assert!(at("completed_at") >= at("started_at"), "[{}] {run}", db.label);
        for table in ["audit_log WHERE action = 'operation_run.reconciled'", "notifications"] {
            let when = db.text(&format!("SELECT CAST(created_at AS TEXT) FROM {table}")).expect("a written row");
            assert!(!when.starts_with("1999"), "[{}] {table} dated by --now: {when}", db.label);
        }
    }
}

/// A dry run of one run shows what would be written and writes nothing, on both engines, for
/// a verdict that would write and one that would not, and in a read-only session.
#[test]
fn a_dry_run_of_one_run_writes_nothing() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        let out = db.run(&as_alice(&["reconcile", "1000", "--dry-run", "--yes", "--format", "json"]));
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let got = json(&out);
        assert_eq!(got["written"], json!(false));
        assert_eq!(got["would_write"], json!(true));
        assert_eq!(got["decision"], json!("partially_succeeded"));
        let out = db.run(&as_alice(&["--read-only", "reconcile", "1000", "--dry-run"]));
        assert_eq!(code(&out), 0, "[{}] read-only dry run: {}", db.label, stderr(&out));
        assert!(stdout(&out).contains("nothing written"), "{}", stdout(&out));
        assert_eq!(state(&db)["status"], json!("running"), "[{}] the dry run wrote", db.label);
        assert_eq!(audit_rows(&db) + notifications(&db), 0, "[{}]", db.label);
    }
    for db in TestDb::all() {
        db.load(&case("08-not-stale.json"));
        let out = db.run(&as_alice(&["reconcile", "1000", "--dry-run"]));
        assert_eq!(code(&out), 6, "[{}] not_reconciled: {}", db.label, stderr(&out));
        assert_eq!(audit_rows(&db) + notifications(&db), 0, "[{}]", db.label);
    }
}
