//! Fixture loading on both engines: every example case loads; every kind of bad file is refused
//! with the path of its first bad value and leaves every table empty; loads are all or nothing.
//!
//! SQLite always runs (a temporary file). PostgreSQL runs too when `PROOFDESK_TEST_PG_URL` is
//! set (e.g. `postgres://postgres@127.0.0.1:5432`): each check gets a fresh database that is
//! dropped afterwards.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use proofdesk::store::fixtures::{self, LoadError, LoadReport};
use proofdesk::store::{Arg, Create, Sql, Store};
use serde_json::{json, Value};
use sqlx::types::Json;

const TABLES: [&str; 11] = [
    "workspaces",
    "environments",
    "operators",
    "memberships",
    "entitlements",
    "operation_runs",
    "restore_runs",
    "restore_items",
    "evidence",
    "audit_log",
    "notifications",
];

// ---------------------------------------------------------------------------------------------
// Engines
// ---------------------------------------------------------------------------------------------

/// Runs `check` on a fresh SQLite database, then (when configured) on a fresh PostgreSQL one.
async fn on_each_engine<F, Fut>(check: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("fixtures.sqlite").display());
    let store = Store::open(&url, Create::IfMissing).await.expect("open sqlite");
    check(store.clone()).await;
    store.close().await;

    if let Ok(base) = std::env::var("PROOFDESK_TEST_PG_URL") {
        on_fresh_postgres(base.trim_end_matches('/'), check).await;
    }
}

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

async fn on_fresh_postgres<F, Fut>(base: &str, check: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let name = format!("pd_test_{}_{nanos}_{}", std::process::id(), NEXT_DB.fetch_add(1, Ordering::Relaxed));
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres")).await.expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create test database");

    let store = Store::open(&format!("{base}/{name}"), Create::Never).await.expect("open postgres");
    let outcome = AssertUnwindSafe(check(store.clone())).catch_unwind().await;
    store.close().await;

    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .expect("drop test database");
    admin.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn cases() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read tests/cases")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().expect("file name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read case"))
        })
        .collect()
}

fn case(prefix: &str) -> Value {
    let (_, text) = cases().into_iter().find(|(name, _)| name.starts_with(prefix)).expect("case file");
    serde_json::from_str(&text).expect("case JSON")
}

async fn count(store: &Store, table: &str) -> i64 {
    let rows: Vec<(i64,)> =
        store.fetch_all(&Sql::new(&format!("SELECT COUNT(*) FROM {table}"))).await.expect("count rows");
    rows[0].0
}

async fn counts(store: &Store) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, count(store, table).await));
    }
    out
}

async fn assert_empty(store: &Store, what: &str) {
    for (table, n) in counts(store).await {
        assert_eq!(n, 0, "{what}: {table} holds {n} rows after a refused load ({})", store.label());
    }
}

/// The number of rows each table array of a document holds.
fn expected_counts(doc: &Value) -> Vec<(&'static str, i64)> {
    TABLES
        .iter()
        .map(|t| (*t, doc.get(*t).and_then(Value::as_array).map_or(0, |a| i64::try_from(a.len()).expect("len"))))
        .collect()
}

fn invalid(result: Result<LoadReport, LoadError>, what: &str) -> String {
    match result {
        Err(LoadError::Invalid(message)) => message,
        Err(LoadError::Store(e)) => panic!("{what}: a store error instead of a bad-input report: {e}"),
        Ok(report) => panic!("{what}: loaded {} rows", report.rows),
    }
}

/// Case 15 (items, evidence, audit) plus a notification: every table has rows.
fn full_document() -> Value {
    let mut doc = case("15-");
    doc["notifications"] = json!([{
        "id": 1, "operator_id": 100, "operation_run_id": 1000,
        "kind": "operation_run.terminal", "created_at": "2026-11-20T12:00:00Z"
    }]);
    doc
}

fn remove(doc: &mut Value, table: &str, i: usize, field: &str) {
    doc[table][i].as_object_mut().expect("row object").remove(field);
}

fn push_copy(doc: &mut Value, table: &str, i: usize) {
    let row = doc[table][i].clone();
    doc[table].as_array_mut().expect("table array").push(row);
}

// ---------------------------------------------------------------------------------------------
// Good files
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_example_case_loads_every_row() {
    let cases = cases();
    assert!(cases.len() >= 19, "expected the 19 example cases, found {}", cases.len());
    for (name, text) in cases {
        let doc: Value = serde_json::from_str(&text).expect("case JSON");
        let want = expected_counts(&doc);
        on_each_engine(|store| {
            let (name, text, want) = (name.clone(), text.clone(), want.clone());
            async move {
                let report =
                    fixtures::load(&store, &text).await.unwrap_or_else(|e| panic!("{name} on {}: {e}", store.label()));
                let total: i64 = want.iter().map(|(_, n)| n).sum();
                assert_eq!(i64::try_from(report.rows).expect("rows"), total, "{name}: report.rows");
                assert_eq!(counts(&store).await, want, "{name} on {}", store.label());
            }
        })
        .await;
    }
}

/// `id, context, summary_counts, initiator_id, created_at, updated_at` of an operation run.
type RunRead = (i64, Json<Value>, Json<Value>, Option<i64>, DateTime<Utc>, DateTime<Utc>);

#[tokio::test]
async fn omitted_fields_take_defaults_and_times_are_normalized_to_utc() {
    let doc = json!({
        "workspaces": [{"id": 1, "name": "W"}],
        "environments": [{"id": 10, "workspace_id": 1, "name": "E", "tenant_ref": "t"}],
        "operators": [{"id": 100, "handle": "h", "display_name": "H"}],
        "operation_runs": [{
            "id": 1000, "workspace_id": 1, "environment_id": 10, "type": "inventory.sync",
            "status": "queued", "outcome": "pending",
            "created_at": "2026-11-20T11:00:00+02:00", "updated_at": "2026-11-20T09:30:00.250Z"
        }, {
            "id": 1001, "workspace_id": 1, "environment_id": 10, "type": "restore.execute",
            "status": "completed", "outcome": "failed", "initiator_id": null,
            "context": {"restore_run_id": 424_242}, "summary_counts": {"total": 0, "note": "x"},
            "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-20T09:00:00Z"
        }],
        "restore_runs": [{
            "id": 500, "workspace_id": 1, "environment_id": 10,
            "backup_set_ref": "bs", "status": "draft"
        }],
        "restore_items": [
            {"id": 1, "restore_run_id": 500, "policy_type": "p", "policy_name": "n", "outcome": "applied"},
            {"id": 2, "restore_run_id": 500, "policy_type": "p", "policy_name": "n", "outcome": "failed",
             "provider_payload": {"client_secret": "s3cr3t"}}
        ],
        "audit_log": [{"id": 1, "workspace_id": 1, "action": "a", "subject_type": "restore_run",
                       "subject_id": 500, "created_at": "2026-11-20T09:00:00Z"}],
        "expect": "ignored, whatever it holds"
    });
    on_each_engine(|store| {
        let doc = doc.clone();
        async move {
            let report = fixtures::load_value(&store, &doc).await.expect("minimal document loads");
            assert_eq!(report.rows, 9);

            let runs: Vec<RunRead> = store
                .fetch_all(&Sql::new(
                    "SELECT id, context, summary_counts, initiator_id, created_at, updated_at \
                     FROM operation_runs ORDER BY id",
                ))
                .await
                .expect("read runs");
            let (_, context, summary, initiator, created, updated) = &runs[0];
            assert_eq!(context.0, json!({}));
            assert_eq!(summary.0, json!({}));
            assert_eq!(*initiator, None);
            assert_eq!(created.to_rfc3339(), "2026-11-20T09:00:00+00:00");
            assert_eq!(updated.timestamp_millis() % 1000, 250);
            assert_eq!(runs[1].1 .0, json!({"restore_run_id": 424_242}), "context.restore_run_id may dangle");

            let restores: Vec<(Option<i64>, bool, Option<String>)> = store
                .fetch_all(&Sql::new("SELECT operation_run_id, is_dry_run, blocker FROM restore_runs"))
                .await
                .expect("read restores");
            assert_eq!(restores, vec![(None, false, None)]);

            let payloads: Vec<(Option<Json<Value>>,)> = store
                .fetch_all(&Sql::new("SELECT provider_payload FROM restore_items ORDER BY id"))
                .await
                .expect("read items");
            assert!(payloads[0].0.is_none());
            assert_eq!(payloads[1].0.as_ref().map(|j| j.0.clone()), Some(json!({"client_secret": "s3cr3t"})));

            let metadata: Vec<(Json<Value>, Option<i64>)> =
                store.fetch_all(&Sql::new("SELECT metadata, actor_id FROM audit_log")).await.expect("read audit");
            assert_eq!(metadata[0].0 .0, json!({}));
            assert_eq!(metadata[0].1, None);
        }
    })
    .await;
}

#[tokio::test]
async fn references_may_point_at_rows_already_in_the_database() {
    let full = full_document();
    on_each_engine(|store| {
        let full = full.clone();
        async move {
            let mut people = json!({});
            let mut work = json!({});
            for table in TABLES {
                let target = if TABLES[..5].contains(&table) { &mut people } else { &mut work };
                target[table] = full[table].clone();
            }
            fixtures::load_value(&store, &people).await.expect("people load");
            let report = fixtures::load_value(&store, &work).await.expect("work referring to loaded people loads");
            assert_eq!(report.rows, 9);
            assert_eq!(counts(&store).await, expected_counts(&full));

            let refused = [
                (
                    json!({"operators": [{"id": 999, "handle": "alice", "display_name": "A2"}]}),
                    "operators[0].handle: duplicate handle \"alice\"",
                ),
                (
                    json!({"memberships": [{"operator_id": 100, "workspace_id": 1, "role": "owner"}]}),
                    "memberships[0]: duplicate membership",
                ),
                (json!({"entitlements": [{"operator_id": 100, "environment_id": 10}]}), "entitlements[0]: duplicate"),
                (
                    json!({"notifications": [{"id": 2, "operator_id": 100, "operation_run_id": 4242,
                                               "kind": "operation_run.terminal", "created_at": "2026-11-20T12:00:00Z"}]}),
                    "notifications[0].operation_run_id: no operation_runs row with id 4242",
                ),
            ];
            for (doc, prefix) in refused {
                let message = invalid(fixtures::load_value(&store, &doc).await, prefix);
                assert!(message.starts_with(prefix), "{message:?} should start with {prefix:?}");
            }
            assert_eq!(counts(&store).await, expected_counts(&full), "refused loads wrote nothing");
        }
    })
    .await;
}

#[tokio::test]
async fn generated_ids_continue_after_the_loaded_ones() {
    on_each_engine(|store| async move {
        fixtures::load_value(&store, &full_document()).await.expect("load");
        let mut tx = store.begin().await.expect("begin");
        let mut sql = Sql::new(
            "INSERT INTO audit_log (workspace_id, action, subject_type, subject_id, created_at) VALUES (1, 'x', 'y', 1, ",
        );
        sql.bind(Arg::Time(Utc::now())).push(")");
        tx.execute(&sql).await.expect("insert audit row without id");
        let mut sql = Sql::new(
            "INSERT INTO notifications (operator_id, operation_run_id, kind, created_at) \
             VALUES (100, 1000, 'operation_run.terminal', ",
        );
        sql.bind(Arg::Time(Utc::now())).push(")");
        tx.execute(&sql).await.expect("insert notification without id");
        tx.commit().await.expect("commit");

        let audit: Vec<(i64,)> = store.fetch_all(&Sql::new("SELECT MAX(id) FROM audit_log")).await.expect("max");
        assert_eq!(audit[0].0, 902, "after ids 900 and 901 ({})", store.label());
        let notes: Vec<(i64,)> = store.fetch_all(&Sql::new("SELECT MAX(id) FROM notifications")).await.expect("max");
        assert_eq!(notes[0].0, 2, "after id 1 ({})", store.label());
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Bad files
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn loading_the_same_file_twice_fails_on_a_duplicate_id_and_keeps_the_first_load() {
    let (_, text) = cases().into_iter().find(|(name, _)| name.starts_with("19-")).expect("case 19");
    on_each_engine(|store| {
        let text = text.clone();
        async move {
            fixtures::load(&store, &text).await.expect("first load");
            let before = counts(&store).await;
            let message = invalid(fixtures::load(&store, &text).await, "second load");
            assert!(
                message.starts_with("workspaces[0].id: duplicate id 1"),
                "{message:?} should name the first duplicate id"
            );
            assert!(message.contains("database"), "{message:?} should say the id is in the database");
            assert_eq!(counts(&store).await, before, "the first load is intact");
        }
    })
    .await;
}

#[tokio::test]
async fn malformed_text_is_refused_with_line_and_column() {
    let texts = [
        ("{\n  \"workspaces\": [\n    {\"id\": 1,}\n  ]\n}", "malformed JSON at line 3 column"),
        ("{\"workspaces\": [", "malformed JSON at line 1 column 16: EOF"),
        ("", "malformed JSON at line 1 column 0"),
        ("[]", "top level: expected a JSON object"),
        ("\"workspaces\"", "top level: expected a JSON object"),
    ];
    on_each_engine(|store| async move {
        for (text, prefix) in texts {
            let message = invalid(fixtures::load(&store, text).await, prefix);
            assert!(message.starts_with(prefix), "{message:?} should start with {prefix:?}");
        }
        assert_empty(&store, "malformed text").await;
    })
    .await;
}

type Mutation = fn(&mut Value);

/// Each bad document: what is wrong, and the start of the message (its path first).
const BAD: &[(Mutation, &str)] = &[
    // Shape.
    (|d| d["workspace"] = json!([]), "workspace: unknown table"),
    (|d| d["expectations"] = json!({}), "expectations: unknown table"),
    (|d| d["workspaces"] = json!({"id": 1}), "workspaces: expected an array"),
    (|d| d["workspaces"][1] = json!(5), "workspaces[1]: expected an object, found a number"),
    (|d| d["operation_runs"][0]["colour"] = json!("red"), "operation_runs[0].colour: unknown field"),
    (|d| d["workspaces"][0]["expect"] = json!({}), "workspaces[0].expect: unknown field"),
    (|d| remove(d, "environments", 1, "tenant_ref"), "environments[1].tenant_ref: missing required field"),
    (|d| remove(d, "restore_items", 2, "id"), "restore_items[2].id: missing required field"),
    (|d| remove(d, "operation_runs", 0, "updated_at"), "operation_runs[0].updated_at: missing required field"),
    // JSON types.
    (|d| d["workspaces"][1]["id"] = json!("2"), "workspaces[1].id: expected an integer, found a string"),
    (|d| d["evidence"][0]["id"] = json!(1.5), "evidence[0].id: expected an integer, found a number"),
    (|d| d["restore_runs"][0]["is_dry_run"] = json!("no"), "restore_runs[0].is_dry_run: expected a boolean"),
    (|d| d["operators"][0]["handle"] = json!(null), "operators[0].handle: expected a string, found null"),
    (|d| d["operation_runs"][0]["type"] = json!(""), "operation_runs[0].type: empty string"),
    (|d| d["operation_runs"][0]["type"] = json!(7), "operation_runs[0].type: expected a string"),
    // Vocabularies.
    (|d| d["operation_runs"][0]["status"] = json!("runing"), "operation_runs[0].status: unknown status \"runing\""),
    (|d| d["operation_runs"][0]["outcome"] = json!("ok"), "operation_runs[0].outcome: unknown outcome \"ok\""),
    (|d| d["restore_runs"][0]["status"] = json!("done"), "restore_runs[0].status: unknown restore status \"done\""),
    (|d| d["restore_runs"][0]["blocker"] = json!("gate"), "restore_runs[0].blocker: unknown blocker \"gate\""),
    (|d| d["restore_items"][1]["outcome"] = json!("ok"), "restore_items[1].outcome: unknown item outcome \"ok\""),
    (|d| d["evidence"][0]["status"] = json!("partial"), "evidence[0].status: unknown evidence status \"partial\""),
    (|d| d["memberships"][2]["role"] = json!("admin"), "memberships[2].role: unknown role \"admin\""),
    (|d| d["memberships"][0]["role"] = json!("Owner"), "memberships[0].role: unknown role \"Owner\""),
    (|d| d["evidence"][0]["kind"] = json!("snapshot"), "evidence[0].kind: unknown evidence kind \"snapshot\""),
    (|d| d["notifications"][0]["kind"] = json!("terminal"), "notifications[0].kind: unknown notification kind"),
    // Status and outcome agree.
    (|d| d["operation_runs"][0]["outcome"] = json!("succeeded"), "operation_runs[0].outcome: outcome \"succeeded\""),
    (|d| d["operation_runs"][0]["status"] = json!("completed"), "operation_runs[0].outcome: outcome \"pending\""),
    // Times.
    (|d| d["operation_runs"][0]["created_at"] = json!("yesterday"), "operation_runs[0].created_at: bad time"),
    (|d| d["restore_runs"][0]["completed_at"] = json!("2026-11-20T09:30:00"), "restore_runs[0].completed_at: bad time"),
    (|d| d["evidence"][0]["captured_at"] = json!("2026-11-31T09:30:00Z"), "evidence[0].captured_at: bad time"),
    (|d| d["audit_log"][1]["created_at"] = json!(5), "audit_log[1].created_at: expected an RFC 3339"),
    // JSON objects and counts.
    (|d| d["operation_runs"][0]["context"] = json!([]), "operation_runs[0].context: expected a JSON object"),
    (|d| d["operation_runs"][0]["context"] = json!(null), "operation_runs[0].context: expected a JSON object"),
    (|d| d["operation_runs"][0]["summary_counts"] = json!("3"), "operation_runs[0].summary_counts: expected a JSON"),
    (|d| d["audit_log"][0]["metadata"] = json!(["x"]), "audit_log[0].metadata: expected a JSON object"),
    (
        |d| d["restore_items"][0]["provider_payload"] = json!("raw"),
        "restore_items[0].provider_payload: expected a JSON",
    ),
    (|d| d["evidence"][0]["verified_items"] = json!(-1), "evidence[0].verified_items: negative count -1"),
    (|d| d["evidence"][0]["expected_items"] = json!(-3), "evidence[0].expected_items: negative count -3"),
    (
        |d| d["operation_runs"][0]["summary_counts"] = json!({"total": 3, "failed": -2}),
        "operation_runs[0].summary_counts.failed: negative count -2",
    ),
    // Duplicates.
    (|d| push_copy(d, "workspaces", 0), "workspaces[2].id: duplicate id 1 (also workspaces[0])"),
    (|d| d["restore_items"][2]["id"] = json!(5000), "restore_items[2].id: duplicate id 5000"),
    (|d| d["operators"][1]["handle"] = json!("alice"), "operators[1].handle: duplicate handle \"alice\""),
    (|d| push_copy(d, "memberships", 0), "memberships[4]: duplicate membership"),
    (|d| push_copy(d, "entitlements", 2), "entitlements[3]: duplicate entitlement"),
    // Dangling references.
    (|d| d["environments"][3]["workspace_id"] = json!(3), "environments[3].workspace_id: no workspaces row with id 3"),
    (|d| d["memberships"][1]["operator_id"] = json!(7), "memberships[1].operator_id: no operators row with id 7"),
    (
        |d| d["entitlements"][0]["environment_id"] = json!(99),
        "entitlements[0].environment_id: no environments row with id 99",
    ),
    (
        |d| d["operation_runs"][0]["environment_id"] = json!(99),
        "operation_runs[0].environment_id: no environments row with id 99",
    ),
    (
        |d| d["operation_runs"][0]["initiator_id"] = json!(99),
        "operation_runs[0].initiator_id: no operators row with id 99",
    ),
    (|d| d["restore_runs"][0]["requested_by"] = json!(99), "restore_runs[0].requested_by: no operators row with id 99"),
    (|d| d["audit_log"][0]["actor_id"] = json!(999), "audit_log[0].actor_id: no operators row with id 999"),
    (
        |d| d["audit_log"][1]["environment_id"] = json!(999),
        "audit_log[1].environment_id: no environments row with id 999",
    ),
    (
        |d| d["notifications"][0]["operation_run_id"] = json!(1),
        "notifications[0].operation_run_id: no operation_runs row with id 1",
    ),
    (|d| d["notifications"][0]["operator_id"] = json!(1), "notifications[0].operator_id: no operators row with id 1"),
    // Items and evidence belong to a restore that exists (hard references since 0003).
    (
        |d| d["restore_items"][0]["restore_run_id"] = json!(999),
        "restore_items[0].restore_run_id: no restore_runs row with id 999",
    ),
    (
        |d| d["evidence"][0]["restore_run_id"] = json!(501),
        "evidence[0].restore_run_id: no restore_runs row with id 501",
    ),
    // An operation's and a restore's environment is one of its own workspace.
    (
        |d| d["operation_runs"][0]["environment_id"] = json!(20),
        "operation_runs[0].environment_id: environment 20 belongs to workspace 2, not 1",
    ),
    (
        |d| d["restore_runs"][0]["workspace_id"] = json!(2),
        "restore_runs[0].environment_id: environment 10 belongs to workspace 1, not 2",
    ),
    // NUL characters, anywhere a string or a key can be.
    (|d| d["workspaces"][1]["name"] = json!("Fabri\u{0}kam"), "workspaces[1].name: NUL character"),
    (|d| d["operation_runs"][0]["type"] = json!("restore.execute\u{0}"), "operation_runs[0].type: NUL character"),
    (
        |d| d["operation_runs"][0]["context"]["note"] = json!(["ok", "a\u{0}b"]),
        "operation_runs[0].context.note[1]: NUL character",
    ),
    (
        |d| d["restore_items"][1]["provider_payload"] = json!({"inner": {"a\u{0}": 1}}),
        "restore_items[1].provider_payload.inner.a\\0: NUL character",
    ),
    (|d| d["audit_log"][0]["metadata"] = json!({"why": "\u{0}"}), "audit_log[0].metadata.why: NUL character"),
    (|d| d["restore_items"][1]["error_message"] = json!("x\u{0}"), "restore_items[1].error_message: NUL character"),
    // The first bad value wins: document order across tables, key order within a row.
    (
        |d| {
            d["restore_runs"][0]["blocker"] = json!("gate");
            d["operation_runs"][0]["status"] = json!("runing");
        },
        "operation_runs[0].status:",
    ),
    (
        |d| {
            d["operation_runs"][0]["status"] = json!("runing");
            d["operation_runs"][0]["workspace_id"] = json!(99);
        },
        "operation_runs[0].workspace_id: no workspaces row with id 99",
    ),
];

#[tokio::test]
async fn every_kind_of_bad_document_names_its_first_bad_value_and_loads_nothing() {
    on_each_engine(|store| async move {
        for (mutate, prefix) in BAD {
            let mut doc = full_document();
            mutate(&mut doc);
            let message = invalid(fixtures::load_value(&store, &doc).await, prefix);
            assert!(message.starts_with(prefix), "{message:?} should start with {prefix:?} ({})", store.label());
            // The same through the text entry point.
            let text = serde_json::to_string_pretty(&doc).expect("serialize");
            assert_eq!(invalid(fixtures::load(&store, &text).await, prefix), message);
            assert_empty(&store, prefix).await;
        }
        // The unmodified document is good: the refusals above were about the one bad value.
        let report = fixtures::load_value(&store, &full_document()).await.expect("the base document loads");
        assert_eq!(report.rows, 26);
    })
    .await;
}

#[tokio::test]
async fn soft_links_may_point_at_nothing_and_still_load() {
    on_each_engine(|store| async move {
        let mut doc = full_document();
        doc["operation_runs"][0]["context"]["restore_run_id"] = json!(424_242);
        doc["restore_runs"][0]["operation_run_id"] = json!(777_777);
        doc["audit_log"][0]["subject_id"] = json!(888_888);
        let report = fixtures::load_value(&store, &doc).await.expect("soft links are not references");
        assert_eq!(report.rows, 26);
    })
    .await;
}

#[tokio::test]
async fn the_brief_example_messages_are_exact() {
    on_each_engine(|store| async move {
        let mut doc = full_document();
        doc["restore_items"][0]["restore_run_id"] = json!(999);
        let message = invalid(fixtures::load_value(&store, &doc).await, "orphan item");
        assert_eq!(
            message,
            "restore_items[0].restore_run_id: no restore_runs row with id 999 in the file or the database (dangling reference)"
        );
        let mut doc = full_document();
        doc["operation_runs"][0]["environment_id"] = json!(20);
        let message = invalid(fixtures::load_value(&store, &doc).await, "foreign environment");
        assert_eq!(message, "operation_runs[0].environment_id: environment 20 belongs to workspace 2, not 1");
        assert_empty(&store, "brief examples").await;
    })
    .await;
}

#[tokio::test]
async fn the_composite_reference_reads_environments_already_in_the_database() {
    on_each_engine(|store| async move {
        let full = full_document();
        let people = json!({"workspaces": full["workspaces"], "environments": full["environments"],
                            "operators": full["operators"]});
        fixtures::load_value(&store, &people).await.expect("people load");
        let mut work = json!({"operation_runs": full["operation_runs"], "restore_runs": full["restore_runs"]});
        work["restore_runs"][0]["environment_id"] = json!(20);
        let message = invalid(fixtures::load_value(&store, &work).await, "db environment");
        assert_eq!(message, "restore_runs[0].environment_id: environment 20 belongs to workspace 2, not 1");
        work["restore_runs"][0]["environment_id"] = json!(11);
        fixtures::load_value(&store, &work).await.expect("an environment of the same workspace loads");
    })
    .await;
}

/// Texts with a key twice in one object: serde_json alone keeps the last value silently.
const DUPLICATE_KEYS: &[(&str, &str)] = &[
    (r#"{"workspaces": [], "workspaces": [{"id": 1, "name": "W"}]}"#, "workspaces: duplicate key \"workspaces\""),
    (r#"{"workspaces": [{"id": 1, "name": "W", "id": 2}]}"#, "workspaces[0].id: duplicate key \"id\""),
    (
        r#"{"workspaces": [{"id": 1, "name": "W"}, {"id": 2, "name": "X", "name": "Y"}]}"#,
        "workspaces[1].name: duplicate key \"name\"",
    ),
    (
        r#"{"workspaces": [{"id": 1, "name": "W"}], "environments": [{"id": 10, "workspace_id": 1, "name": "E",
            "tenant_ref": "t"}], "operation_runs": [{"id": 1, "workspace_id": 1, "environment_id": 10,
            "type": "restore.execute", "status": "queued", "outcome": "pending",
            "context": {"restore_run_id": 5, "restore_run_id": 6},
            "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-20T09:00:00Z"}]}"#,
        "operation_runs[0].context.restore_run_id: duplicate key \"restore_run_id\"",
    ),
];

#[tokio::test]
async fn a_key_repeated_in_one_object_is_bad_input_with_its_path() {
    on_each_engine(|store| async move {
        for (text, prefix) in DUPLICATE_KEYS {
            let message = invalid(fixtures::load(&store, text).await, prefix);
            assert!(message.starts_with(prefix), "{message:?} should start with {prefix:?} ({})", store.label());
            assert!(message.contains("line 1 column") || message.contains("line "), "{message:?} says where");
            assert_empty(&store, prefix).await;
        }
        // The same texts with the repeat removed load (the refusal was about the repeat).
        let ok = r#"{"workspaces": [{"id": 1, "name": "W"}], "expect": {"a": 1}}"#;
        fixtures::load(&store, ok).await.expect("no repeated key");
    })
    .await;
}

#[tokio::test]
async fn the_contract_example_message_is_exact() {
    on_each_engine(|store| async move {
        let mut doc = full_document();
        let runs = doc["operation_runs"].as_array_mut().expect("runs");
        for id in 1001..=1003 {
            let mut run = runs[0].clone();
            run["id"] = json!(id);
            runs.push(run);
        }
        doc["operation_runs"][3]["status"] = json!("runing");
        let message = invalid(fixtures::load_value(&store, &doc).await, "example");
        assert_eq!(message, "operation_runs[3].status: unknown status \"runing\"");
        assert_empty(&store, "example").await;
    })
    .await;
}
