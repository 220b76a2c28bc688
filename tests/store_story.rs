//! One store story, told on SQLite in every run and on PostgreSQL when
//! `PROOFDESK_TEST_PG_URL` is set: migrations, the append-only audit log, visibility,
//! keyset pages, and the service's reads over them.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{case, TestDb, NOW};
use proofdesk::domain::Decision;
use proofdesk::service::{Clock, OpenOptions, RunFilter, Service};
use proofdesk::store::{fixtures, Create, Sql, Store};

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
            stale_after: Duration::minutes(30),
            clock: Clock::fixed(now()),
        },
    )
    .await
    .expect("service")
}

/// A new database holding one of the shared cases, open.
async fn store_with_case(db: &TestDb, name: &str) -> Store {
    let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
    let doc = serde_json::from_str(&std::fs::read_to_string(case(name)).expect("read")).expect("json");
    fixtures::load_value(&store, &doc).await.expect("load");
    store
}

/// A fixture with `n` restore.execute runs (ids 2000..) in two environments.
fn many_runs(n: i64) -> serde_json::Value {
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("19-proof-complete.json")).expect("read")).expect("json");
    let mut doc = serde_json::json!({
        "workspaces": base["workspaces"], "environments": base["environments"], "operators": base["operators"],
        "memberships": base["memberships"], "entitlements": base["entitlements"], "operation_runs": [],
    });
    let runs = doc["operation_runs"].as_array_mut().expect("array");
    for i in 0..n {
        // Pairs share a created_at so the keyset must break ties by id.
        let at = now() - Duration::minutes(60 + i / 2);
        runs.push(serde_json::json!({
            "id": 2000 + i, "workspace_id": 1, "environment_id": if i % 3 == 0 { 12 } else { 10 },
            "type": "restore.execute", "status": "running", "outcome": "pending", "initiator_id": 100,
            "context": {}, "created_at": at.to_rfc3339(), "updated_at": at.to_rfc3339(),
        }));
    }
    doc
}

#[test]
fn migrations_are_idempotent_and_the_audit_log_is_append_only() {
    for db in TestDb::all() {
        rt().block_on(async {
            let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
            store.migrate().await.expect("second migrate is a no-op");
            fixtures::load(&store, &std::fs::read_to_string(case("19-proof-complete.json")).expect("read"))
                .await
                .expect("load");
            let mut tx = store.begin().await.expect("tx");
            let err = tx.execute(&Sql::new("UPDATE audit_log SET action = 'x' WHERE id = 900")).await;
            assert!(err.is_err(), "[{}] UPDATE on audit_log must be refused", db.label);
            tx.rollback().await.ok();
            let mut tx = store.begin().await.expect("tx");
            assert!(tx.execute(&Sql::new("DELETE FROM audit_log")).await.is_err(), "[{}] DELETE refused", db.label);
            tx.rollback().await.ok();
            if db.label == "postgres" {
                let mut tx = store.begin().await.expect("tx");
                assert!(tx.execute(&Sql::new("TRUNCATE audit_log")).await.is_err(), "TRUNCATE refused");
                tx.rollback().await.ok();
            }
            let n: Option<(i64,)> =
                store.fetch_optional(&Sql::new("SELECT COUNT(*) FROM audit_log")).await.expect("count");
            assert_eq!(n, Some((2,)));
            store.close().await;
        });
    }
}

#[test]
fn keyset_pages_walk_every_visible_run_once_in_order() {
    for db in TestDb::all() {
        rt().block_on(async {
            let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
            fixtures::load_value(&store, &many_runs(95)).await.expect("load");
            store.close().await;

            // alice is entitled to env 10 and 11, not 12: a third of the runs are hidden.
            let alice = service(&db, "alice").await;
            let filter = RunFilter::restore_execute();
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = alice.list(&filter, after, 7).await.expect("page");
                seen.extend(page.rows.iter().map(|r| (r.created_at, r.id)));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            let expected = (0..95).filter(|i| i % 3 != 0).count();
            assert_eq!(seen.len(), expected, "[{}] every visible run once", db.label);
            assert!(seen.windows(2).all(|w| w[0] > w[1]), "[{}] strictly newest first", db.label);
            assert_eq!(alice.count(&filter).await.expect("count"), i64::try_from(expected).expect("fits"));

            // The owner sees every environment of the workspace without entitlements.
            let wendy = service(&db, "wendy").await;
            assert_eq!(wendy.count(&filter).await.expect("count"), 95);
            // An owner of another workspace sees nothing of it.
            let oscar = service(&db, "oscar").await;
            assert_eq!(oscar.count(&filter).await.expect("count"), 0);
            assert!(oscar.list(&filter, None, 50).await.expect("list").rows.is_empty());
        });
    }
}

#[test]
fn verdict_filters_read_past_the_first_sql_page() {
    for db in TestDb::all() {
        rt().block_on(async {
            let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
            fixtures::load_value(&store, &many_runs(40)).await.expect("load");
            store.close().await;
            let wendy = service(&db, "wendy").await;
            // No restore linked: every run reads restore_run_missing, not_reconciled.
            let mut f = RunFilter::restore_execute();
            f.decisions = vec![Decision::NotReconciled];
            let page = wendy.list(&f, None, 25).await.expect("list");
            assert_eq!(page.rows.len(), 25);
            assert!(page.next.is_some());
            let rest = wendy.list(&f, page.next, 25).await.expect("list");
            assert_eq!(rest.rows.len(), 15);
            assert!(rest.next.is_none());
            f.decisions = vec![Decision::Succeeded];
            assert!(wendy.list(&f, None, 25).await.expect("list").rows.is_empty());
            let mut gap = RunFilter::restore_execute();
            gap.gap = true;
            assert_eq!(wendy.list(&gap, None, 100).await.expect("list").rows.len(), 40, "restore_run_missing is a gap");
        });
    }
}

/// Every id of a list walked page by page.
async fn walk(svc: &Service, filter: &RunFilter, limit: u32) -> Vec<i64> {
    let (mut ids, mut after) = (Vec::new(), None);
    loop {
        let page = svc.list(filter, after, limit).await.expect("list");
        assert!(page.rows.len() <= limit as usize);
        assert!(page.next.is_none() || page.rows.len() == limit as usize, "a short page ends the list");
        ids.extend(page.rows.iter().map(|r| r.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

/// Verdict filters size their SQL pages by the density of matches seen so far: whatever the
/// page size and however sparse or dense the matches, walking a verdict-filtered list gives
/// exactly the runs of the unfiltered list whose verdict matches, in the same order.
#[test]
fn verdict_filtered_pages_hold_exactly_the_matching_runs_in_order() {
    use proofdesk::demo::{seed_demo, DEMO_OPERATOR};
    for db in TestDb::all() {
        rt().block_on(async {
            let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
            seed_demo(&store, now(), 600).await.expect("seed");
            store.close().await;
            let svc = service(&db, DEMO_OPERATOR).await;
            for any_type in [false, true] {
                let base = if any_type { RunFilter::default() } else { RunFilter::restore_execute() };
                let mut all = Vec::new();
                let mut after = None;
                loop {
                    let page = svc.list(&base, after, 500).await.expect("list");
                    all.extend(page.rows);
                    match page.next {
                        Some(next) => after = Some(next),
                        None => break,
                    }
                }
                assert!(all.len() > 300, "{}", all.len());
                let mut filters: Vec<(String, RunFilter)> = Vec::new();
                for d in [Decision::PartiallySucceeded, Decision::Failed, Decision::Succeeded, Decision::Blocked] {
                    let mut f = base.clone();
                    f.decisions = vec![d];
                    filters.push((format!("{d:?}"), f));
                }
                let mut f = base.clone();
                f.decisions = vec![Decision::NotReconciled, Decision::Blocked];
                filters.push(("not_reconciled+blocked".into(), f));
                let mut f = base.clone();
                f.gap = true;
                filters.push(("gap".into(), f));
                for (name, f) in &filters {
                    let expected: Vec<i64> = all
                        .iter()
                        .filter(|r| {
                            r.verdict_ok().is_some_and(|v| {
                                (f.decisions.is_empty() || f.decisions.contains(&v.decision)) && (!f.gap || v.has_gap())
                            })
                        })
                        .map(|r| r.id)
                        .collect();
                    assert!(!expected.is_empty(), "{name}: the demo has matches");
                    for limit in [3, 50, 500] {
                        assert_eq!(walk(&svc, f, limit).await, expected, "{name}, pages of {limit}");
                    }
                }
            }
        });
    }
}

/// A session remembers how dense a verdict filter's matches were: the first time it reads
/// twice the page and then what the density seen asks for; asked again, it reads enough at
/// that density in one SQL page, and the page holds the same runs. A new session starts over.
#[test]
fn a_verdict_filter_asked_again_reads_one_sql_page() {
    use proofdesk::store::{StatementKind, StatementLog};
    for db in TestDb::all() {
        rt().block_on(async {
            let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
            // One run in five a restore.execute run without its restore (a gap); the rest of
            // another type, which the proof rules do not reconcile (no gap).
            let mut doc = many_runs(200);
            for (i, run) in doc["operation_runs"].as_array_mut().expect("runs").iter_mut().enumerate() {
                if i % 5 != 0 {
                    run["type"] = "inventory.sync".into();
                }
            }
            fixtures::load_value(&store, &doc).await.expect("load");
            store.close().await;
            let svc = service(&db, "wendy").await;
            let gap = RunFilter { gap: true, ..RunFilter::default() };
            let log = StatementLog::default();
            let lists = |log: &StatementLog| log.take().iter().filter(|s| s.kind == StatementKind::List).count();
            let a = svc.observed(&log).list(&gap, None, 30).await.expect("list");
            let first = lists(&log);
            let b = svc.clone().observed(&log).list(&gap, None, 30).await.expect("list");
            let again = lists(&log);
            assert_eq!(a.rows.len(), 30, "[{}]", db.label);
            let ids = |p: &proofdesk::service::Page| p.rows.iter().map(|r| r.id).collect::<Vec<_>>();
            assert_eq!(ids(&a), ids(&b), "[{}] the same runs", db.label);
            assert_eq!(a.next, b.next);
            assert!(first > 1, "[{}] sparse enough to need a second page at first", db.label);
            assert_eq!(again, 1, "[{}] asked again: one SQL page", db.label);
            // A new session starts without the memory.
            let fresh = service(&db, "wendy").await;
            fresh.observed(&log).list(&gap, None, 30).await.expect("list");
            assert_eq!(lists(&log), first, "[{}]", db.label);
        });
    }
}

/// The bundled SQLite is built as `.cargo/config.toml` asks: without memory statistics,
/// whose process-wide mutex every SQLite allocation and free took (docs/performance.md).
#[test]
fn the_bundled_sqlite_is_built_without_memory_statistics() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite:{}", dir.path().join("options.sqlite").display());
        let store = Store::open(&url, Create::IfMissing).await.expect("open");
        let options: Vec<(String,)> =
            store.fetch_all(&Sql::new("PRAGMA compile_options")).await.expect("compile options");
        assert!(
            options.iter().any(|(o,)| o == "DEFAULT_MEMSTATUS=0"),
            "LIBSQLITE3_FLAGS did not reach the SQLite build: {options:?}"
        );
        store.close().await;
    });
}

/// The list and proof-bundle statements select their columns in the order the row types
/// declare them, which is what lets decoding read each column by position.
#[test]
fn list_statements_select_columns_in_field_order() {
    use proofdesk::store::rows::{BundleRow, RunRow};
    use proofdesk::store::{StatementKind, StatementLog};
    for db in TestDb::all() {
        rt().block_on(async {
            let store = store_with_case(&db, "19-proof-complete.json").await;
            let wendy = service(&db, "wendy").await;
            let log = StatementLog::default();
            let page = wendy.observed(&log).list(&RunFilter::restore_execute(), None, 50).await.expect("list");
            assert!(!page.rows.is_empty());
            let ran = log.take();
            assert!(ran.iter().any(|s| s.kind == StatementKind::Bundle), "the case links a restore");
            let mut conn = store.acquire().await.expect("conn");
            for (r, sql) in ran.iter().map(|s| (s.kind, &s.sql)) {
                let want = if r == StatementKind::List { RunRow::COLUMNS } else { BundleRow::COLUMNS };
                let got = conn.fetch_rows(sql).await.expect("rows").column_names();
                assert_eq!(&got[..want.len().min(got.len())], want, "{r:?}: {}", sql.text);
                // After the run's columns, a page adds the restore link it reads first.
                let extra = if r == StatementKind::List { vec!["restore_link"] } else { vec![] };
                assert_eq!(got[want.len()..], extra, "{r:?}: {}", sql.text);
            }
            drop(conn);
            store.close().await;
        });
    }
}

/// The restore link a list page reads first, to ask for the page's proof bundles (the
/// engine's own JSON lookup), names the same restore as the link the proof rules read from
/// the decoded context for every shape of `restore_run_id` a shared database can hold, but
/// for the few where SQLite's `json_extract` reads otherwise; there the page loads the
/// restore the proof names with one more statement. Either way each run's verdict in a list
/// is the verdict of the same run read alone.
#[test]
fn quick_restore_links_agree_with_the_proofs_reading() {
    use proofdesk::store::queries;
    use proofdesk::store::rows::RunRow;
    use proofdesk::store::{StatementKind, StatementLog};
    let reconciled = r#""reconciliation": {"actor": {"id": 106, "kind": "operator"}, "proof": {"audit": "continuous", "restore_run_id": 7, "restore_status": "completed"}, "decision": "succeeded", "findings": ["proof_complete"]}"#;
    let mut contexts: Vec<String> = [
        r#"{"restore_run_id": 500}"#,
        r#"{"restore_run_id": "500"}"#,
        r#"{"restore_run_id": " 500 "}"#,
        r#"{"restore_run_id": "+500"}"#,
        r#"{"restore_run_id": "\u0035\u0030\u0030"}"#,
        r#"{"restore_run_id": 500.0}"#,
        r#"{"restore_run_id": 5e2}"#,
        r#"{"restore_run_id": -500}"#,
        r#"{"restore_run_id": 99999999999999999999}"#,
        r#"{"restore_run_id": true}"#,
        r#"{"restore_run_id": null}"#,
        r#"{"restore_run_id": [500]}"#,
        r#"{"restore_run_id": {"id": 500}}"#,
        r#"{"restore_run_id": "five hundred"}"#,
        r#"{"restore\u005frun_id": 500}"#,
        r#"{"restore_run_id": 1, "restore_run_id": 500}"#,
        r#"{"restore_run_id": 500, "restore_run_id": "x"}"#,
        // Restore 501 exists (below) and no other run links it.
        r#"{"restore_run_id": 1, "restore_run_id": 501}"#,
        r#"{"source": "wizard"}"#,
        r"{}",
        r"[500]",
        r"null",
        r#""restore_run_id""#,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    contexts.push(format!(r#"{{{reconciled}, "source": "x"}}"#));
    contexts.push(format!(r#"{{{reconciled}, "restore_run_id": 500}}"#));
    contexts.push(format!(r#"{{"restore_run_id": 500, {reconciled}}}"#));
    for db in TestDb::all() {
        let mut mine = contexts.clone();
        if db.label == "sqlite" {
            // Text no PostgreSQL JSON column can hold.
            mine.extend(
                ["{not json", r#"{"restore_run_id": 500"#, r#"{"restore_run_id": 500} tail"#].map(str::to_owned),
            );
        }
        rt().block_on(async {
            let store = store_with_case(&db, "19-proof-complete.json").await;
            let mut tx = store.begin().await.expect("tx");
            let restore = "INSERT INTO restore_runs (id, workspace_id, environment_id, operation_run_id, backup_set_ref, \
                           status, is_dry_run, blocker, requested_by, started_at, completed_at, deleted_at) \
                           SELECT 501, workspace_id, environment_id, operation_run_id, backup_set_ref, status, is_dry_run, \
                           blocker, requested_by, started_at, completed_at, deleted_at FROM restore_runs WHERE id = 500";
            tx.execute(&Sql::new(restore)).await.expect("restore 501");
            for (i, context) in mine.iter().enumerate() {
                let cast = if db.label == "postgres" { "::jsonb" } else { "" };
                let sql = format!(
                    "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, initiator_id, \
                     context, summary_counts, created_at, started_at, completed_at, updated_at) \
                     SELECT {}, workspace_id, environment_id, type, status, outcome, initiator_id, '{context}'{cast}, \
                     summary_counts, created_at, started_at, completed_at, updated_at FROM operation_runs WHERE id = 1000",
                    2000 + i
                );
                tx.execute(&Sql::new(&sql)).await.unwrap_or_else(|e| panic!("[{}] {context}: {e}", db.label));
            }
            tx.commit().await.expect("commit");

            let wendy = service(&db, "wendy").await;
            let query = RunFilter::restore_execute().query;
            let sql = queries::page_sql(&store, wendy.operator().id, &query, None, None, 500);
            let mut conn = store.acquire().await.expect("conn");
            let (rows, quick) = conn.fetch_page(&sql).await.expect("rows");
            let decoded = rows.decode_tolerant::<RunRow>().expect("decode");
            assert_eq!(decoded.len(), mine.len() + 1, "[{}]", db.label);
            // Where the two readings may part, on SQLite only: `json_extract` takes the first
            // of a repeated key where the proof (as a parsed map would) takes the last, and
            // reads `true` as 1. PostgreSQL's jsonb keeps only the last of a repeated key.
            let mut parted: Vec<&str> = decoded
                .iter()
                .zip(&quick)
                .filter(|(row, quick)| **quick != row.restore_run_id())
                .map(|(row, _)| row.context.text.as_str())
                .collect();
            parted.sort_unstable();
            let mut expected = if db.label == "sqlite" {
                vec![
                    r#"{"restore_run_id": 1, "restore_run_id": 500}"#,
                    r#"{"restore_run_id": 500, "restore_run_id": "x"}"#,
                    r#"{"restore_run_id": 1, "restore_run_id": 501}"#,
                    r#"{"restore_run_id": true}"#,
                ]
            } else {
                Vec::new()
            };
            expected.sort_unstable();
            assert_eq!(parted, expected, "[{}] where the quick reading differs from the proof's", db.label);
            drop(conn);

            let log = StatementLog::default();
            let page = wendy.observed(&log).list(&RunFilter::restore_execute(), None, 500).await.expect("list");
            let bundles = log.take().iter().filter(|s| s.kind == StatementKind::Bundle).count();
            // On SQLite restore 501 is named only by the proof's reading: a second statement.
            let want = if db.label == "sqlite" { 2 } else { 1 };
            assert_eq!(bundles, want, "[{}] proof-bundle statements", db.label);
            assert_eq!(page.rows.len(), mine.len() + 1);
            for listed in &page.rows {
                let alone = wendy.run(listed.id).await.expect("run");
                assert_eq!(
                    format!("{:?}", listed.verdict),
                    format!("{:?}", alone.verdict),
                    "[{}] run {} reads the same in a list and alone",
                    db.label,
                    listed.id
                );
            }
            store.close().await;
        });
    }
}

/// PostgreSQL types columns, not values: a list page's run rows and proof-bundle rows have
/// their column types checked once per result (the row types must fit the statements, or the
/// check would quietly fall back to every value), and a result whose columns do not fit is
/// still decoded value by value, a strange column named as before.
#[test]
fn postgres_results_are_type_checked_once_and_strange_ones_value_by_value() {
    use proofdesk::store::rows::{BundleRow, RunRow, Tolerant};
    use proofdesk::store::{Rows, StatementKind, StatementLog};
    let Some(db) = TestDb::postgres() else { return };
    rt().block_on(async {
        let store = store_with_case(&db, "19-proof-complete.json").await;
        let wendy = service(&db, "wendy").await;
        let log = StatementLog::default();
        wendy.observed(&log).list(&RunFilter::restore_execute(), None, 50).await.expect("list");
        let mut conn = store.acquire().await.expect("conn");
        for (r, sql) in log.take().iter().map(|s| (s.kind, &s.sql)) {
            let Rows::Postgres(rows) = conn.fetch_rows(sql).await.expect("rows") else { panic!("postgres") };
            let columns = sqlx::Row::columns(&rows[0]);
            let fits = if r == StatementKind::List {
                RunRow::pg_columns_fit(columns, 0)
            } else {
                BundleRow::pg_columns_fit(columns, 0)
            };
            assert!(fits, "{r:?} columns fit their row type: {}", sql.text);
        }
        // `status` as a number: the columns do not fit, and that one value is named.
        let text = format!(
            "SELECT {} FROM operation_runs o {}",
            proofdesk::store::rows::RUN_COLUMNS.replace("o.status", "7 AS status"),
            proofdesk::store::rows::RUN_JOINS
        );
        let rows = conn.fetch_rows(&Sql::new(&text)).await.expect("rows");
        let Rows::Postgres(pg) = &rows else { panic!("postgres") };
        assert!(!RunRow::pg_columns_fit(sqlx::Row::columns(&pg[0]), 0));
        let decoded = rows.decode_tolerant::<RunRow>().expect("decode");
        assert_eq!(decoded[0].problem.as_ref().map(|p| p.0), Some("status"), "{:?}", decoded[0].problem);
        drop(conn);
        store.close().await;
    });
}

/// The console's change probe: the same version while nothing is written, another once a write
/// from elsewhere has committed (SQLite: `data_version` on the probe's own connection;
/// PostgreSQL: the change counter of migration 0004). It is asked until it moves, at most 15 s:
/// a bound against a hang, not a speed goal.
#[test]
fn the_data_version_moves_exactly_when_something_was_written() {
    for db in TestDb::all() {
        rt().block_on(async {
            let store = store_with_case(&db, "19-proof-complete.json").await;
            let reader = Store::open(&db.url, Create::Never).await.expect("open a second store");
            // The version settles once the load's writes are all committed and seen.
            let mut before = reader.data_version().await.expect("probe");
            for _ in 0..150 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                let again = reader.data_version().await.expect("probe");
                if again == before {
                    break;
                }
                before = again;
            }
            for _ in 0..3 {
                let n: Option<(i64,)> =
                    reader.fetch_optional(&Sql::new("SELECT COUNT(*) FROM operation_runs")).await.expect("read");
                assert!(n.is_some());
                assert_eq!(
                    reader.data_version().await.expect("probe"),
                    before,
                    "[{}] reading changes nothing",
                    db.label
                );
            }
            let newer = serde_json::json!({"operation_runs": [{"id": 20_000, "workspace_id": 1, "environment_id": 10,
                "type": "restore.execute", "status": "queued", "outcome": "pending", "context": {},
                "created_at": "2026-11-20T11:59:00Z", "updated_at": "2026-11-20T11:59:00Z"}]});
            fixtures::load_value(&store, &newer).await.expect("write elsewhere");
            let mut moved = false;
            for _ in 0..150 {
                if reader.data_version().await.expect("probe") != before {
                    moved = true;
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(moved, "[{}] a committed write moves the version", db.label);
            store.close().await;
            reader.close().await;
            // Closing closes the probe's own connection too: nothing is left in the log.
            if let Some(path) = db.url.strip_prefix("sqlite:") {
                let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
                assert_eq!(wal, 0, "[sqlite] the write-ahead log was folded in on close");
            }
        });
    }
}
