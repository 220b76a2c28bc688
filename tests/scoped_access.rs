//! Access and what a visible run shows (domain.md, "Access"), through the real binary and the
//! service, on SQLite and (when `PROOFDESK_TEST_PG_URL` is set) PostgreSQL:
//! - a membership whose role is outside the vocabulary grants nothing, the same in lists,
//!   counts, details and writes;
//! - a run whose environment belongs to another workspace (stored before migration 0003, past
//!   its guards) is nobody's to see;
//! - a run's audit trail holds only rows in its own workspace and environment;
//! - a restore outside the run's scope never shows its id, not even in the run's own context;
//! - `db load` answers bad input (dangling reference, repeated key, NUL) with exit 2 and the path.

mod common;

use chrono::Duration;
use common::{case, code, json, stderr, stdout, write_doc, TestDb, NOW};
use proofdesk::service::{Clock, OpenOptions, RunFilter, Service};
use proofdesk::store::{Create, Store};
use serde_json::{json, Value};
use sqlx::Connection;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn read_case(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(case(name)).expect("read case")).expect("case JSON")
}

/// Runs raw statements on `db`, past proofdesk. `legacy` lifts the guards of migration 0003
/// first (SQLite: drops its triggers on operation runs; PostgreSQL: replica mode skips
/// foreign-key triggers), to store what a database migrated from 0002 may still hold.
fn raw(db: &TestDb, legacy: bool, statements: &[&str]) {
    rt().block_on(async {
        if db.label == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
            if legacy {
                for t in
                    ["operation_runs_environment_in_workspace_insert", "restore_runs_environment_in_workspace_insert"]
                {
                    sqlx::query(&format!("DROP TRIGGER {t}")).execute(&mut c).await.expect("drop trigger");
                }
            }
            for s in statements {
                sqlx::query(s).execute(&mut c).await.unwrap_or_else(|e| panic!("{s}: {e}"));
            }
        } else {
            let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            if legacy {
                sqlx::query("SET session_replication_role = replica").execute(&mut c).await.expect("replica");
            }
            for s in statements {
                sqlx::query(s).execute(&mut c).await.unwrap_or_else(|e| panic!("{s}: {e}"));
            }
        }
    });
}

fn count_as(db: &TestDb, who: &str) -> i64 {
    rt().block_on(async {
        let store = Store::open(&db.url, Create::Never).await.expect("open");
        let opts = OpenOptions {
            url: Some(db.url.clone()),
            operator: Some(who.to_owned()),
            read_only: false,
            stale_after: Duration::minutes(30),
            clock: Clock::fixed(chrono::DateTime::parse_from_rfc3339(NOW).expect("now").to_utc()),
        };
        let svc = Service::with_store(store, opts).await.expect("service");
        let mut any = RunFilter::default();
        any.query.types.clear();
        let n = svc.count(&any).await.expect("count");
        svc.close().await;
        n
    })
}

fn listed(db: &TestDb, who: &str) -> Vec<i64> {
    let out = db.run(&["--as", who, "--now", NOW, "runs", "--type", "any", "--format", "json"]);
    assert_eq!(code(&out), 0, "[{}] runs as {who}: {}", db.label, stderr(&out));
    json(&out).as_array().expect("array").iter().map(|r| r["id"].as_i64().expect("id")).collect()
}

#[test]
fn a_role_outside_the_vocabulary_grants_nothing_anywhere() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        // `zed` holds an entitlement to run 1000's environment and a membership in its
        // workspace whose role no vocabulary knows (the loader refuses it; other systems may not).
        raw(
            &db,
            false,
            &[
                "INSERT INTO operators (id, handle, display_name) VALUES (104, 'zed', 'Zed')",
                "INSERT INTO memberships (operator_id, workspace_id, role) VALUES (104, 1, 'admin')",
                "INSERT INTO entitlements (operator_id, environment_id) VALUES (104, 10)",
            ],
        );
        assert_eq!(listed(&db, "alice"), vec![1000], "[{}] a known role with the entitlement sees it", db.label);
        assert_eq!(listed(&db, "zed"), Vec::<i64>::new(), "[{}] list", db.label);
        assert_eq!(count_as(&db, "zed"), 0, "[{}] count", db.label);
        assert_eq!(count_as(&db, "alice"), 1, "[{}] count", db.label);
        let show = db.run(&["--as", "zed", "--now", NOW, "show", "1000"]);
        assert_eq!(code(&show), 3, "[{}] show: {}", db.label, stderr(&show));
        let search = db.run(&["--as", "zed", "--now", NOW, "runs", "--search", "Contoso Prod", "--format", "json"]);
        assert_eq!(json(&search), json!([]), "[{}] search", db.label);
        let write = db.run(&["--as", "zed", "--now", NOW, "reconcile", "1000", "--yes"]);
        assert_eq!(code(&write), 3, "[{}] reconcile: {}", db.label, stderr(&write));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log"), 2, "[{}] nothing written", db.label);
        // A case variant is outside the vocabulary too, owner or not.
        raw(&db, false, &["UPDATE memberships SET role = 'Owner' WHERE operator_id = 104"]);
        assert_eq!(listed(&db, "zed"), Vec::<i64>::new(), "[{}] 'Owner' is not owner", db.label);
    }
}

#[test]
fn a_run_whose_environment_is_of_another_workspace_is_nobodys() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        raw(
            &db,
            true,
            &[
                "INSERT INTO entitlements (operator_id, environment_id) VALUES (100, 20)",
                "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, context, \
                 summary_counts, created_at, updated_at) VALUES (1001, 1, 20, 'restore.execute', 'running', \
                 'pending', '{}', '{}', '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z')",
            ],
        );
        // wendy owns workspace 1, oscar workspace 2 (environment 20's), alice is entitled to 20.
        for who in ["wendy", "oscar", "alice"] {
            assert!(!listed(&db, who).contains(&1001), "[{}] {who} lists run 1001", db.label);
            let show = db.run(&["--as", who, "--now", NOW, "show", "1001"]);
            assert_eq!(code(&show), 3, "[{}] {who} show: {}", db.label, stderr(&show));
        }
        assert_eq!(count_as(&db, "wendy"), 1, "[{}] wendy counts run 1000 only", db.label);
        assert!(listed(&db, "wendy").contains(&1000), "[{}]", db.label);
    }
}

#[test]
fn a_runs_audit_trail_holds_only_rows_of_its_own_scope() {
    let mut doc = read_case("15-mixed.json");
    let row = |id: i64, ws: i64, env: Option<i64>, subject: &str, sid: i64| {
        json!({"id": id, "workspace_id": ws, "environment_id": env, "action": "note", "subject_type": subject,
               "subject_id": sid, "created_at": "2026-11-20T10:30:00Z"})
    };
    let audit = doc["audit_log"].as_array_mut().expect("audit");
    audit.push(row(950, 1, Some(10), "operation_run", 1000));
    audit.push(row(951, 1, Some(11), "operation_run", 1000));
    audit.push(row(952, 2, Some(20), "operation_run", 1000));
    audit.push(row(953, 1, None, "operation_run", 1000));
    audit.push(row(954, 2, Some(20), "restore_run", 500));
    for db in TestDb::all() {
        let dir = tempfile::tempdir().expect("dir");
        db.load(&write_doc(dir.path(), "audit.json", &doc));
        let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", "json"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let ids: Vec<i64> =
            json(&out)["audit"].as_array().expect("audit").iter().map(|a| a["id"].as_i64().expect("id")).collect();
        let in_scope: Vec<i64> = ids.iter().copied().filter(|i| *i >= 950).collect();
        assert_eq!(in_scope, vec![950], "[{}] audit trail {ids:?}", db.label);
        let text = stdout(&db.run(&["--as", "alice", "--now", NOW, "show", "1000"]));
        for foreign in ["951", "952", "953", "954"] {
            assert!(!text.contains(foreign), "[{}] show text holds audit row {foreign}:\n{text}", db.label);
        }
    }
}

/// Case `name`, its one run completed as `succeeded` by a reconciliation that recorded the
/// restore in its proof, and a reconcile audit row whose metadata names it.
fn reconciled_case(name: &str) -> (Value, i64) {
    let mut doc = read_case(name);
    let rid = doc["operation_runs"][0]["context"]["restore_run_id"].as_i64().expect("link");
    let op = &mut doc["operation_runs"][0];
    op["status"] = json!("completed");
    op["outcome"] = json!("succeeded");
    op["completed_at"] = json!("2026-11-20T10:00:00Z");
    op["context"]["reconciliation"] =
        json!({"decision": "succeeded", "proof": {"restore_run_id": rid, "restore_status": "completed"}});
    doc["audit_log"].as_array_mut().expect("audit").push(json!({
        "id": 960, "workspace_id": 1, "environment_id": 10, "actor_id": 100, "action": "operation_run.reconciled",
        "subject_type": "operation_run", "subject_id": 1000, "metadata": {"restore_run_id": rid},
        "created_at": "2026-11-20T10:00:00Z"
    }));
    (doc, rid)
}

/// A fresh database of each engine this run tests, made on demand.
fn engines() -> Vec<fn() -> TestDb> {
    let mut v: Vec<fn() -> TestDb> = vec![TestDb::sqlite];
    if std::env::var("PROOFDESK_TEST_PG_URL").is_ok() {
        v.push(|| TestDb::postgres().expect("postgres"));
    }
    v
}

#[test]
fn a_restore_outside_the_runs_scope_never_shows_its_id() {
    let cases =
        ["04-wrong-workspace.json", "05-wrong-environment.json", "06-link-mismatch.json", "07-soft-deleted.json"];
    for fresh in engines() {
        for name in cases {
            for reconciled in [false, true] {
                let (doc, rid) = if reconciled { reconciled_case(name) } else { (read_case(name), 500) };
                let db = fresh();
                let dir = tempfile::tempdir().expect("dir");
                db.load(&write_doc(dir.path(), "case.json", &doc));
                let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", "json"]);
                assert_eq!(code(&out), 0, "[{}] {name}: {}", db.label, stderr(&out));
                let v = json(&out);
                let context = &v["operation_run"]["context"];
                assert_eq!(context["restore_run_id"], json!("out of scope"), "[{}] {name}: {context}", db.label);
                assert_eq!(context["source"], json!("restore wizard"), "[{}] the rest of the context stays", db.label);
                if reconciled {
                    assert_eq!(context["reconciliation"]["proof"]["restore_run_id"], json!("out of scope"));
                    assert_eq!(context["reconciliation"]["proof"]["restore_status"], json!("completed"));
                    let meta: Vec<&Value> =
                        v["audit"].as_array().expect("audit").iter().map(|a| &a["metadata"]).collect();
                    assert!(
                        meta.iter().any(|m| m.get("restore_run_id") == Some(&json!("out of scope"))),
                        "[{}] {name}: {meta:?}",
                        db.label
                    );
                }
                let needle = format!("\"restore_run_id\":{rid}");
                let spaced = format!("\"restore_run_id\": {rid}");
                let text = stdout(&db.run(&["--as", "alice", "--now", NOW, "show", "1000"]));
                for shown in [stdout(&out), text] {
                    assert!(
                        !shown.contains(&needle) && !shown.contains(&spaced),
                        "[{}] {name} (reconciled: {reconciled}) shows restore {rid}:\n{shown}",
                        db.label
                    );
                }
            }
        }
    }
}

#[test]
fn an_in_scope_restore_keeps_its_id_in_the_context() {
    for fresh in engines() {
        let db = fresh();
        db.load(&case("19-proof-complete.json"));
        let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", "json"]);
        assert_eq!(json(&out)["operation_run"]["context"]["restore_run_id"], json!(500), "[{}]", db.label);
        // A link to no restore at all names nothing and stays (rule 3 reports it).
        let db3 = fresh();
        db3.load(&case("03-restore-missing.json"));
        let out = db3.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", "json"]);
        let link = &json(&out)["operation_run"]["context"]["restore_run_id"];
        assert!(link.is_i64(), "[{}] {link}", db3.label);
    }
}

#[test]
fn db_load_answers_bad_input_with_exit_2_and_the_path() {
    let dir = tempfile::tempdir().expect("dir");
    let mut orphan = read_case("19-proof-complete.json");
    orphan["restore_items"][0]["restore_run_id"] = json!(999);
    let mut foreign = read_case("19-proof-complete.json");
    foreign["operation_runs"][0]["environment_id"] = json!(20);
    let mut nul = read_case("19-proof-complete.json");
    nul["restore_items"][1]["error_message"] = json!("bad\u{0}byte");
    let repeated = std::fs::read_to_string(case("19-proof-complete.json")).expect("read").replacen(
        "\"backup_set_ref\":",
        "\"status\": \"draft\", \"backup_set_ref\":",
        1,
    );
    let repeated_path = dir.path().join("repeated.json");
    std::fs::write(&repeated_path, repeated).expect("write");
    let files = [
        (
            write_doc(dir.path(), "orphan.json", &orphan),
            "restore_items[0].restore_run_id: no restore_runs row with id 999",
        ),
        (
            write_doc(dir.path(), "foreign.json", &foreign),
            "operation_runs[0].environment_id: environment 20 belongs to workspace 2, not 1",
        ),
        (write_doc(dir.path(), "nul.json", &nul), "restore_items[1].error_message: NUL character"),
        (repeated_path, "restore_runs[0].status: duplicate key \"status\""),
    ];
    for db in TestDb::all() {
        for (file, message) in &files {
            let out = db.run(&["db", "load", file.to_str().expect("path")]);
            assert_eq!(code(&out), 2, "[{}] {message}: {}", db.label, stderr(&out));
            assert!(stderr(&out).contains(message), "[{}] {:?} should contain {message:?}", db.label, stderr(&out));
            assert_eq!(stderr(&out).lines().count(), 1, "[{}] one line: {}", db.label, stderr(&out));
            for table in ["workspaces", "operation_runs", "restore_items"] {
                assert_eq!(
                    db.scalar(&format!("SELECT COUNT(*) FROM {table}")),
                    0,
                    "[{}] {table} after {message}",
                    db.label
                );
            }
        }
    }
}
