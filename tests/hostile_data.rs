//! Data the contract forbids but a shared database can still hold: the run is listed as
//! unreadable with the reason, the rest of the list works, and assess reports it as an error
//! for that run only.

mod common;

use common::{case, code, json, stderr, TestDb, NOW};
use proofdesk::store::{Create, Sql, Store};

fn exec(db: &TestDb, statements: &[&str]) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let store = Store::connect(&db.url, Create::Never).await.expect("connect");
        let mut tx = store.begin().await.expect("tx");
        for s in statements {
            tx.execute(&Sql::new(s)).await.unwrap_or_else(|e| panic!("[{}] {s}: {e}", db.label));
        }
        tx.commit().await.expect("commit");
        store.close().await;
    });
}

/// Copies run 1000 of the complete-proof case as `id` with one column replaced.
fn clone_run(id: i64, column: &str, value: &str) -> String {
    let cols = [
        "workspace_id",
        "environment_id",
        "type",
        "status",
        "outcome",
        "initiator_id",
        "context",
        "summary_counts",
        "created_at",
        "started_at",
        "completed_at",
        "updated_at",
    ];
    let select: Vec<String> =
        cols.iter().map(|c| if *c == column { format!("{value} AS {c}") } else { (*c).to_owned() }).collect();
    format!(
        "INSERT INTO operation_runs (id, {}) SELECT {id}, {} FROM operation_runs WHERE id = 1000",
        cols.join(", "),
        select.join(", ")
    )
}

#[test]
fn strange_rows_are_listed_as_unreadable_and_the_rest_still_works() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let mut statements = vec![clone_run(1001, "status", "'done'"), clone_run(1002, "outcome", "'great_success'")];
        if db.label == "sqlite" {
            statements.push(clone_run(1003, "context", "'[1, 2]'"));
            statements.push(clone_run(1004, "context", "'{not json'"));
            statements.push(clone_run(1005, "updated_at", "'last tuesday'"));
            statements.push(clone_run(1006, "status", "CAST(X'FFFE' AS TEXT)"));
            statements.push(clone_run(1007, "context", "'null'"));
        } else {
            statements.push(clone_run(1003, "context", "'[1, 2]'::jsonb"));
            statements.push(clone_run(1007, "context", "'null'::jsonb"));
        }
        let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
        exec(&db, &refs);

        let out = db.run(&["--as", "alice", "--now", NOW, "runs", "--format", "json"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let rows = json(&out);
        let rows = rows.as_array().expect("array");
        let good: Vec<_> = rows.iter().filter(|r| r["error"].is_null()).collect();
        let bad: Vec<_> = rows.iter().filter(|r| !r["error"].is_null()).collect();
        assert_eq!(good.len(), 1, "[{}] the healthy run still reads: {rows:?}", db.label);
        assert_eq!(good[0]["decision"], "succeeded");
        assert_eq!(bad.len(), statements.len(), "[{}] every strange run is listed: {rows:?}", db.label);
        for r in &bad {
            let why = r["error"].as_str().unwrap_or_default();
            assert!(why.starts_with("operation_runs["), "[{}] the reason names the value: {why}", db.label);
        }

        let bad_one = db.run(&["--as", "alice", "--now", NOW, "assess", "1001", "--format", "json"]);
        assert_eq!(code(&bad_one), 1, "[{}] {}", db.label, stderr(&bad_one));
        assert!(stderr(&bad_one).contains("unknown status \"done\""), "{}", stderr(&bad_one));
        let good_one = db.run(&["--as", "alice", "--now", NOW, "assess", "1000", "--format", "json"]);
        assert_eq!(code(&good_one), 0);

        // Text views still render the strange runs.
        let show = db.run(&["--as", "alice", "--now", NOW, "show", "1002"]);
        assert_eq!(code(&show), 0, "{}", stderr(&show));
        assert!(common::stdout(&show).contains("unreadable"));
    }
}

#[test]
fn huge_error_messages_and_many_items_do_not_break_a_run() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        let big = "x".repeat(10 * 1024 * 1024);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let store = Store::connect(&db.url, Create::Never).await.expect("connect");
            let mut tx = store.begin().await.expect("tx");
            let mut sql = Sql::new("UPDATE restore_items SET error_message = ");
            sql.bind(proofdesk::store::Arg::Text(big.clone())).push(" WHERE id = 5001");
            tx.execute(&sql).await.expect("update");
            tx.commit().await.expect("commit");
            store.close().await;
        });
        let show = db.run(&["--as", "alice", "--now", NOW, "show", "1000"]);
        assert_eq!(code(&show), 0, "[{}] {}", db.label, stderr(&show));
        assert!(show.stdout.len() < 64 * 1024, "[{}] the message is cut, not printed whole", db.label);

        // 100,000 more items in the same restore, all applied: the run still lists, assesses
        // and shows, and the counts hold every item.
        let many = match db.label {
            "sqlite" => {
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
                 INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
                 SELECT 100000 + i, 500, 'deviceConfiguration', 'Bulk policy ' || i, 'applied' FROM n"
            }
            _ => {
                "INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
                 SELECT 100000 + i, 500, 'deviceConfiguration', 'Bulk policy ' || i, 'applied' \
                 FROM generate_series(1, 100000) AS i"
            }
        };
        exec(&db, &[many]);
        let assess = db.run(&["--as", "alice", "--now", NOW, "assess", "1000", "--format", "json"]);
        assert_eq!(code(&assess), 0, "[{}] {}", db.label, stderr(&assess));
        let v = json(&assess);
        let total = v.pointer("/summary_counts/total").and_then(serde_json::Value::as_u64);
        assert_eq!(total, Some(100_003), "[{}] {v}", db.label);
        let runs = db.run(&["--as", "alice", "--now", NOW, "runs", "--format", "json"]);
        assert_eq!(code(&runs), 0, "[{}] {}", db.label, stderr(&runs));
        let show = db.run(&["--as", "alice", "--now", NOW, "show", "1000"]);
        assert_eq!(code(&show), 0, "[{}] {}", db.label, stderr(&show));
    }
}

/// Strange values in a run's linked records (its restore, items and latest evidence) make
/// that run unreadable with the table, row and column named, in the order the proof reads
/// them; put back, the run reads `succeeded` again.
#[test]
fn strange_linked_records_name_their_table_and_column() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let mut cases: Vec<(&str, &str, &str)> = vec![
            (
                "UPDATE restore_runs SET status = 'done' WHERE id = 500",
                "UPDATE restore_runs SET status = 'completed' WHERE id = 500",
                "restore_runs[500].status: unknown restore status \"done\"",
            ),
            (
                "UPDATE restore_runs SET blocker = 'gremlins' WHERE id = 500",
                "UPDATE restore_runs SET blocker = NULL WHERE id = 500",
                "restore_runs[500].blocker: unknown",
            ),
            (
                "UPDATE restore_items SET outcome = 'ok' WHERE id = 5001",
                "UPDATE restore_items SET outcome = 'applied' WHERE id = 5001",
                "restore_items[500].outcome: unknown item outcome \"ok\" (in restore 500)",
            ),
            (
                "UPDATE evidence SET status = 'partial' WHERE id = 700",
                "UPDATE evidence SET status = 'complete' WHERE id = 700",
                "evidence[700].status: unknown evidence status \"partial\"",
            ),
        ];
        if db.label == "sqlite" {
            cases.push((
                "UPDATE evidence SET captured_at = 'yesterday' WHERE id = 700",
                "UPDATE evidence SET captured_at = '2026-11-20T09:40:00+00:00' WHERE id = 700",
                "evidence[700].captured_at: unreadable value",
            ));
            cases.push((
                "UPDATE restore_runs SET completed_at = 'soon' WHERE id = 500",
                "UPDATE restore_runs SET completed_at = '2026-11-20T09:30:00+00:00' WHERE id = 500",
                "restore_runs[500].completed_at: unreadable value",
            ));
            // A restore error is reported before an item error.
            cases.push((
                "UPDATE restore_items SET outcome = 'ok' WHERE id = 5001; UPDATE restore_runs SET status = 'done' WHERE id = 500",
                "UPDATE restore_items SET outcome = 'applied' WHERE id = 5001; UPDATE restore_runs SET status = 'completed' WHERE id = 500",
                "restore_runs[500].status",
            ));
        }
        let assess = || db.run(&["--as", "alice", "--now", NOW, "assess", "1000", "--format", "json"]);
        for (break_it, mend_it, expected) in cases {
            exec(&db, &break_it.split("; ").collect::<Vec<_>>());
            let out = assess();
            assert_eq!(code(&out), 1, "[{}] {break_it}: {}", db.label, stderr(&out));
            assert!(stderr(&out).contains(expected), "[{}] {break_it}: {}", db.label, stderr(&out));
            let listed = db.run(&["--as", "alice", "--now", NOW, "runs", "--format", "json"]);
            let rows = json(&listed);
            let why = rows[0]["error"].as_str().unwrap_or_default().to_owned();
            assert!(why.contains(expected), "[{}] the list names it too: {rows}", db.label);
            exec(&db, &mend_it.split("; ").collect::<Vec<_>>());
            let out = assess();
            assert_eq!(code(&out), 0, "[{}] {mend_it}: {}", db.label, stderr(&out));
            assert_eq!(json(&out)["decision"], "succeeded", "[{}] after {mend_it}", db.label);
        }
    }
}
