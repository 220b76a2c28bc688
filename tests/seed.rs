//! The demo data set: `seed_demo` on a fresh SQLite database (and a fresh PostgreSQL database
//! when `PROOFDESK_TEST_PG_URL` is set). Checks that every scenario run reads exactly as
//! `demo-db/README.md` says, that the generated runs are consistent with their proof, and that
//! seeding a database twice fails cleanly.
//!
//! The timing run (`--runs 1000000`) is ignored by default:
//! `cargo test --release --test seed -- --ignored --nocapture`.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use proofdesk::demo::{seed_demo, BULK_RUNS, DEMO_OPERATOR, SCENARIOS_JSON};
use proofdesk::domain::{assess, Decision, JsonText, ReasonCode, RestoreStatus};
use proofdesk::store::fixtures::LoadError;
use proofdesk::store::queries::{load_bundles, operator_by_handle};
use proofdesk::store::rows::{RunRow, RUN_COLUMNS, RUN_JOINS};
use proofdesk::store::{Arg, Create, Engine, Sql, Store};
use serde_json::Value;

/// "Now" for the tests: far from the anchor, so the time shift is exercised.
const NOW: &str = "2027-03-01T08:30:00Z";
const SYNTHETIC: u64 = 2000;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).expect("NOW parses").with_timezone(&Utc)
}

/// What each scenario run reads as at the seeding instant: decision, primary reason, findings
/// after the primary, drift. This table is the "run id -> rule" list of `demo-db/README.md`.
const EXPECTED: &[(i64, &str, &str, &[&str], bool)] = &[
    (1001, "not_reconciled", "operation_type_unsupported", &[], false),
    (1002, "not_reconciled", "operation_type_unsupported", &[], false),
    (1003, "not_reconciled", "operation_type_unsupported", &[], false),
    (1004, "not_reconciled", "operation_type_unsupported", &[], false),
    (1005, "not_reconciled", "operation_type_unsupported", &[], false),
    (1006, "not_reconciled", "operation_type_unsupported", &[], false),
    (1007, "not_reconciled", "operation_type_unsupported", &[], false),
    (1008, "not_reconciled", "operation_type_unsupported", &[], false),
    (1009, "not_reconciled", "operation_type_unsupported", &[], false),
    (1010, "not_reconciled", "operation_type_unsupported", &[], false),
    (1011, "not_reconciled", "operation_type_unsupported", &[], false),
    (1020, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1021, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1022, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1023, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1024, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1025, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1026, "not_reconciled", "operation_run_already_terminal", &[], false),
    (1027, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1028, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1029, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1030, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1031, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1032, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1033, "not_reconciled", "operation_run_already_terminal", &[], true),
    (1040, "not_reconciled", "restore_run_missing", &[], false),
    (1041, "not_reconciled", "restore_run_missing", &[], false),
    (1042, "not_reconciled", "restore_run_wrong_workspace", &[], false),
    (1043, "not_reconciled", "restore_run_wrong_environment", &[], false),
    (1044, "not_reconciled", "restore_run_link_mismatch", &[], false),
    (1045, "not_reconciled", "restore_run_soft_deleted", &[], false),
    (1050, "not_reconciled", "operation_run_not_stale", &[], false),
    (1051, "not_reconciled", "operation_run_not_stale", &[], false),
    (1052, "not_reconciled", "operation_run_not_stale", &[], false),
    (1053, "not_reconciled", "operation_run_not_stale", &[], false),
    (1054, "not_reconciled", "operation_run_not_stale", &[], false),
    (1060, "blocked", "write_gate_closed", &[], false),
    (1061, "blocked", "provider_unavailable", &[], false),
    (1062, "blocked", "provider_consent_missing", &[], false),
    (1063, "blocked", "backup_set_unusable", &[], false),
    (1064, "blocked", "scope_blocked", &[], false),
    (1065, "blocked", "blocked_unspecified", &[], false),
    (
        1066,
        "partially_succeeded",
        "mixed_item_outcomes",
        &["post_run_evidence_missing", "audit_continuity_missing"],
        false,
    ),
    (1070, "failed", "execution_not_started", &[], false),
    (1071, "failed", "execution_not_started", &[], false),
    (1072, "failed", "execution_not_started", &[], false),
    // Previewed, though its items say applied: a preview wrote nothing (rule 10 is absolute).
    (1073, "failed", "execution_not_started", &[], false),
    (
        1080,
        "partially_succeeded",
        "execution_interrupted",
        &["post_run_evidence_missing", "audit_continuity_missing"],
        false,
    ),
    (1081, "failed", "execution_interrupted", &["audit_continuity_missing"], false),
    (1082, "failed", "execution_interrupted", &["audit_continuity_missing"], false),
    (1085, "failed", "restore_failed", &[], false),
    (
        1086,
        "partially_succeeded",
        "mixed_item_outcomes",
        &["post_run_evidence_incomplete", "audit_continuity_missing"],
        false,
    ),
    (1090, "partially_succeeded", "item_outcomes_missing", &[], false),
    (1091, "failed", "no_item_succeeded", &[], false),
    (1092, "partially_succeeded", "mixed_item_outcomes", &[], false),
    (
        1093,
        "partially_succeeded",
        "mixed_item_outcomes",
        &["post_run_evidence_missing", "audit_continuity_missing"],
        false,
    ),
    (1095, "partially_succeeded", "post_run_evidence_missing", &[], false),
    (1100, "partially_succeeded", "post_run_evidence_incomplete", &[], false),
    (1101, "partially_succeeded", "post_run_evidence_incomplete", &[], false),
    (1102, "partially_succeeded", "post_run_evidence_incomplete", &[], false),
    (1103, "partially_succeeded", "post_run_evidence_incomplete", &[], false),
    (1104, "partially_succeeded", "post_run_evidence_incomplete", &[], false),
    (1105, "partially_succeeded", "post_run_evidence_incomplete", &[], false),
    (1106, "partially_succeeded", "audit_continuity_missing", &[], false),
    (1107, "partially_succeeded", "audit_continuity_missing", &[], false),
    (1108, "partially_succeeded", "audit_continuity_missing", &[], false),
    (1109, "partially_succeeded", "audit_continuity_missing", &[], false),
    (1110, "partially_succeeded", "post_run_evidence_incomplete", &["audit_continuity_missing"], false),
    (1111, "succeeded", "proof_complete", &[], false),
    (1112, "succeeded", "proof_complete", &[], false),
    (1113, "succeeded", "proof_complete", &[], false),
    (1114, "succeeded", "proof_complete", &[], false),
    (1115, "succeeded", "proof_complete", &[], false),
    (1116, "succeeded", "proof_complete", &[], false),
    (1117, "partially_succeeded", "post_run_evidence_missing", &[], false),
];

async fn count(store: &Store, sql: Sql) -> i64 {
    let row: Option<(i64,)> = store.fetch_optional(&sql).await.expect("count query");
    row.map_or(0, |r| r.0)
}

async fn table_count(store: &Store, table: &str) -> i64 {
    count(store, Sql::new(&format!("SELECT COUNT(*) FROM {table}"))).await
}

fn scenario_doc() -> Value {
    serde_json::from_str(SCENARIOS_JSON).expect("scenarios parse")
}

async fn runs_where(store: &Store, condition: &str) -> Vec<RunRow> {
    let mut sql = Sql::new("SELECT ");
    sql.push(RUN_COLUMNS).push(" FROM operation_runs o ").push(RUN_JOINS).push(" WHERE ").push(condition);
    sql.push(" ORDER BY o.id");
    store.fetch_all(&sql).await.expect("runs")
}

/// Seeds `store` (fresh) and checks everything the demo promises.
async fn seed_and_check(store: &Store) {
    let now = now();
    let doc = scenario_doc();
    let table_rows = |t: &str| doc[t].as_array().map_or(0, Vec::len);
    let tables = [
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
    let expected_rows: usize = tables.iter().map(|t| table_rows(t)).sum();

    let report = seed_demo(store, now, SYNTHETIC).await.expect("seed");
    assert_eq!(report.scenario_rows, expected_rows);
    assert_eq!(report.synthetic_runs, SYNTHETIC);

    // Counts.
    let scenario_runs = i64::try_from(table_rows("operation_runs")).expect("fits");
    let scenario_restores = i64::try_from(table_rows("restore_runs")).expect("fits");
    let synthetic = i64::try_from(SYNTHETIC).expect("fits");
    assert_eq!(table_count(store, "operation_runs").await, scenario_runs + synthetic);
    assert_eq!(table_count(store, "restore_runs").await, scenario_restores + synthetic);
    for t in ["workspaces", "environments", "operators", "memberships", "entitlements"] {
        assert_eq!(table_count(store, t).await, i64::try_from(table_rows(t)).expect("fits"), "{t}");
    }
    let items = table_count(store, "restore_items").await;
    assert!(items > synthetic * 2 && items < synthetic * 8, "items: {items}");
    let audit = table_count(store, "audit_log").await;
    assert!(audit > synthetic * 2, "audit: {audit}");
    assert!(table_count(store, "evidence").await > synthetic / 2);
    // Generated runs reconciled in the last 30 days notify their initiator.
    let notifications = table_count(store, "notifications").await;
    assert!(notifications > i64::try_from(table_rows("notifications")).expect("fits"), "{notifications}");
    let meta: Option<(String,)> =
        store.fetch_optional(&Sql::new("SELECT value FROM proofdesk_meta WHERE key = 'demo'")).await.expect("meta");
    assert_eq!(meta.map(|m| m.0).as_deref(), Some("1"));

    // The on-call operator: an operator of Contoso, entitled to most but not all of it.
    let oncall = operator_by_handle(store, DEMO_OPERATOR).await.expect("query").expect("oncall exists");
    assert_eq!(oncall.display_name, "Olivia Oncall");
    let role: Option<(String,)> = store
        .fetch_optional(
            &Sql::new(
                "SELECT m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
                 WHERE m.operator_id = $1 AND w.name = 'Contoso'",
            )
            .arg(Arg::I64(oncall.id)),
        )
        .await
        .expect("role");
    assert_eq!(role.map(|r| r.0).as_deref(), Some("operator"));
    let contoso_envs = count(
        store,
        Sql::new(
            "SELECT COUNT(*) FROM environments e JOIN workspaces w ON w.id = e.workspace_id WHERE w.name = 'Contoso'",
        ),
    )
    .await;
    let entitled = count(
        store,
        Sql::new(
            "SELECT COUNT(*) FROM entitlements en JOIN environments e ON e.id = en.environment_id \
             JOIN workspaces w ON w.id = e.workspace_id WHERE w.name = 'Contoso' AND en.operator_id = $1",
        )
        .arg(Arg::I64(oncall.id)),
    )
    .await;
    assert!(entitled > contoso_envs / 2 && entitled < contoso_envs, "{entitled} of {contoso_envs}");
    for role in ["owner", "manager", "operator", "readonly"] {
        let n = count(store, Sql::new("SELECT COUNT(*) FROM memberships WHERE role = $1").arg(Arg::Text(role.into())))
            .await;
        assert!(n > 0, "no {role}");
    }

    // At least one scenario restore.execute run per restore status.
    for status in RestoreStatus::ALL {
        let n = count(
            store,
            Sql::new(
                "SELECT COUNT(*) FROM restore_runs r JOIN operation_runs o ON o.id = r.operation_run_id \
                 WHERE o.type = 'restore.execute' AND o.id < 100000 AND r.status = $1",
            )
            .arg(Arg::Text(status.as_str().to_owned())),
        )
        .await;
        assert!(n > 0, "no scenario restore.execute run with restore status {status}");
    }

    // Nothing lies in the future of the seeding instant.
    let future = count(
        store,
        Sql::new(
            "SELECT COUNT(*) FROM operation_runs WHERE created_at > $1 OR updated_at > $1 \
             OR started_at > $1 OR completed_at > $1",
        )
        .arg(Arg::Time(now)),
    )
    .await;
    assert_eq!(future, 0, "operation runs in the future");
    for (table, column) in [
        ("restore_runs", "completed_at"),
        ("evidence", "captured_at"),
        ("audit_log", "created_at"),
        ("notifications", "created_at"),
    ] {
        let n =
            count(store, Sql::new(&format!("SELECT COUNT(*) FROM {table} WHERE {column} > $1")).arg(Arg::Time(now)))
                .await;
        assert_eq!(n, 0, "{table}.{column} in the future");
    }

    // Every scenario run reads as documented, and together they reach every reason code.
    let mut scenario = runs_where(store, "o.id < 100000").await;
    assert_eq!(scenario.len(), EXPECTED.len(), "every scenario run has an expectation");
    let bundles = load_bundles(&mut &*store, &mut scenario).await.expect("bundles");
    let expected: HashMap<i64, _> = EXPECTED.iter().map(|e| (e.0, e)).collect();
    let mut reached = BTreeSet::new();
    for run in &scenario {
        let bundle = bundles[&run.id].as_ref().expect("scenario rows follow the contract");
        let v = assess(bundle, now, Duration::minutes(30));
        let (_, decision, reason, more, drift) = expected.get(&run.id).unwrap_or_else(|| panic!("run {}", run.id));
        let mut findings = vec![*reason];
        findings.extend(more.iter());
        let got: Vec<&str> = v.findings.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            (v.decision.as_str(), v.reason_code.as_str(), got, v.drift),
            (*decision, *reason, findings, *drift),
            "scenario run {}",
            run.id
        );
        reached.extend(v.findings.iter().copied());
    }
    let missing: Vec<_> = ReasonCode::ALL.iter().filter(|c| !reached.contains(*c)).collect();
    assert!(missing.is_empty(), "reason codes no scenario reaches: {missing:?}");

    // Generated runs: created_at rises with the id; reconciled ones agree with their proof;
    // some drift; a few are stale.
    let mut synthetic_runs = runs_where(store, "o.id >= 100000").await;
    assert_eq!(synthetic_runs.len(), usize::try_from(SYNTHETIC).expect("fits"));
    assert!(synthetic_runs.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    assert!(synthetic_runs[0].created_at < now - Duration::days(700));
    let bundles = load_bundles(&mut &*store, &mut synthetic_runs).await.expect("bundles");
    let (mut reconciled, mut drifted, mut stale) = (0, 0, 0);
    let mut outcomes = BTreeSet::new();
    for run in &synthetic_runs {
        assert_eq!(run.op_type, "restore.execute");
        let bundle = bundles[&run.id].as_ref().expect("generated rows follow the contract");
        let v = assess(bundle, now, Duration::minutes(30));
        outcomes.insert(run.outcome.clone());
        drifted += usize::from(v.drift);
        stale += usize::from(v.stale);
        // The JSON columns have moved into the bundle (see load_bundles).
        assert!(run.context.text.is_null());
        if let Some(rec) = bundle.operation.context.get("reconciliation") {
            reconciled += 1;
            let proof = v.proof_decision.map(Decision::as_str);
            assert_eq!(Some(run.outcome.as_str()), proof, "run {}: outcome matches its proof", run.id);
            assert_eq!(rec["decision"].as_str(), proof, "run {}", run.id);
            assert_eq!(run.status, "completed");
            let counts = bundle.operation.summary_counts.to_map();
            assert_eq!(counts.len(), 9, "run {}: flat summary counts", run.id);
            assert!(counts.values().all(Value::is_u64), "run {}", run.id);
        }
    }
    let total = synthetic_runs.len();
    assert!(reconciled * 10 > total * 8, "mostly reconciled: {reconciled} of {total}");
    assert!(drifted > 0 && drifted * 10 < total, "some drift: {drifted}");
    assert!(stale > 0 && stale * 50 < total, "a few stale: {stale}");
    for o in ["succeeded", "partially_succeeded", "failed", "blocked", "cancelled", "pending"] {
        assert!(outcomes.contains(o), "no generated run with outcome {o}");
    }

    // Seeding again fails cleanly and writes nothing.
    let runs_before = table_count(store, "operation_runs").await;
    let audit_before = table_count(store, "audit_log").await;
    match seed_demo(store, now, 10).await {
        Err(LoadError::Invalid(msg)) => assert!(msg.contains("already holds operation runs"), "{msg}"),
        Err(LoadError::Store(e)) => panic!("expected a clear refusal, got a store error: {e}"),
        Ok(_) => panic!("seeding twice must fail"),
    }
    assert_eq!(table_count(store, "operation_runs").await, runs_before);
    assert_eq!(table_count(store, "audit_log").await, audit_before);

    // Ids handed out by the database after seeding do not collide (PostgreSQL identities).
    if store.engine() == Engine::Postgres {
        let next: Option<(i64,)> = store
            .fetch_optional(&Sql::new("SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))"))
            .await
            .expect("nextval");
        let max = count(store, Sql::new("SELECT MAX(id) FROM audit_log")).await;
        assert!(next.map_or(0, |n| n.0) > max);
    }
}

/// A fresh PostgreSQL database under `PROOFDESK_TEST_PG_URL`, dropped on `drop_db`.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    async fn create() -> Option<Self> {
        use sqlx::Connection;
        let base = std::env::var("PROOFDESK_TEST_PG_URL").ok()?.trim_end_matches('/').to_owned();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!("pd_seed_{}_{}", std::process::id(), nanos % 1_000_000_000);
        let admin = format!("{base}/postgres");
        let mut c = sqlx::PgConnection::connect(&admin).await.expect("PROOFDESK_TEST_PG_URL must be reachable");
        // An identifier cannot be bound; the name is made here from digits only.
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.expect("create database");
        Some(Self { url: format!("{base}/{name}"), admin, name })
    }

    async fn drop_db(self) {
        use sqlx::Connection;
        if let Ok(mut c) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut c).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seed_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("demo.sqlite");
    let store = Store::open(&format!("sqlite:{}", path.display()), Create::IfMissing).await.expect("open");
    seed_and_check(&store).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seed_on_postgres() {
    let Some(db) = PgDb::create().await else {
        eprintln!("PROOFDESK_TEST_PG_URL not set: PostgreSQL part skipped");
        return;
    };
    let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
    seed_and_check(&store).await;
    store.close().await;
    db.drop_db().await;
}

/// The schema as the database describes it: indexes and constraints with their definitions.
async fn schema(store: &Store) -> Vec<(String, String)> {
    let sql = match store.engine() {
        Engine::Sqlite => "SELECT name, COALESCE(sql, '') FROM sqlite_master ORDER BY name",
        Engine::Postgres => {
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT conname::text, pg_get_constraintdef(oid) || ' validated=' || convalidated::text \
             FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
        }
    };
    store.fetch_all(&Sql::new(sql)).await.expect("schema")
}

/// Large seeds set indexes (and PostgreSQL foreign keys) aside and rebuild them: the schema
/// must come back exactly, and every reference must hold.
async fn bulk_seed_keeps_the_schema(store: &Store) {
    let before = schema(store).await;
    assert!(before.iter().any(|(name, _)| name == "restore_items_name_restore"), "{before:?}");
    seed_demo(store, now(), BULK_RUNS).await.expect("seed");
    assert_eq!(schema(store).await, before);
    assert_eq!(
        table_count(store, "operation_runs").await,
        i64::try_from(BULK_RUNS).expect("fits") + i64::try_from(EXPECTED.len()).expect("fits")
    );
    if store.engine() == Engine::Sqlite {
        let broken: Vec<(String, i64, String, i64)> =
            store.fetch_all(&Sql::new("PRAGMA foreign_key_check")).await.expect("foreign_key_check");
        assert!(broken.is_empty(), "{broken:?}");
    }
    let orphans = count(
        store,
        Sql::new(
            "SELECT COUNT(*) FROM restore_items i LEFT JOIN restore_runs r ON r.id = i.restore_run_id WHERE r.id IS NULL",
        ),
    )
    .await;
    assert_eq!(orphans, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_seed_keeps_the_schema_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bulk.sqlite");
    let store = Store::open(&format!("sqlite:{}", path.display()), Create::IfMissing).await.expect("open");
    bulk_seed_keeps_the_schema(&store).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_seed_keeps_the_schema_on_postgres() {
    let Some(db) = PgDb::create().await else {
        eprintln!("PROOFDESK_TEST_PG_URL not set: PostgreSQL part skipped");
        return;
    };
    let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
    bulk_seed_keeps_the_schema(&store).await;
    store.close().await;
    db.drop_db().await;
}

/// `PROOFDESK_SEED_RUNS` (default 1,000,000) generated runs on SQLite and, when configured,
/// PostgreSQL; prints the time each took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing run: cargo test --release --test seed -- --ignored --nocapture"]
async fn demo_seed_timing() {
    let runs: u64 = std::env::var("PROOFDESK_SEED_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.sqlite");
    let store = Store::open(&format!("sqlite:{}", path.display()), Create::IfMissing).await.expect("open");
    let started = Instant::now();
    let report = seed_demo(&store, Utc::now(), runs).await.expect("seed");
    let took = started.elapsed();
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!("sqlite: {runs} runs ({} scenario rows) in {took:.1?}, file {} MB", report.scenario_rows, size >> 20);
    print_thread_cpu();
    let scenario_runs = scenario_doc()["operation_runs"].as_array().map_or(0, Vec::len);
    let scenario_runs = i64::try_from(scenario_runs).expect("fits");
    assert_eq!(table_count(&store, "operation_runs").await, i64::try_from(runs).expect("fits") + scenario_runs);
    store.close().await;

    if let Some(db) = PgDb::create().await {
        let store = Store::open(&db.url, Create::IfMissing).await.expect("open");
        let started = Instant::now();
        seed_demo(&store, Utc::now(), runs).await.expect("seed");
        println!("postgres: {runs} runs in {:.1?}", started.elapsed());
        store.close().await;
        db.drop_db().await;
    }
}

/// CPU seconds of each thread of this process, by name (Linux only; for the timing run).
fn print_thread_cpu() {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return };
    let mut by_name: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for t in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
            + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
        *by_name.entry(name).or_default() += ticks / 100.0;
    }
    println!("thread CPU seconds: {by_name:?}");
}

/// `v` with every object's keys in order (PostgreSQL's `jsonb` keeps its own key order).
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Every generated row, read back through the contract's row types, as comparable text.
async fn every_row(store: &Store) -> Vec<String> {
    type Audit = (i64, i64, Option<i64>, Option<i64>, String, String, i64, sqlx::types::Json<Value>, DateTime<Utc>);
    use proofdesk::store::queries::{bundle_statement, BUNDLE_CHUNK};
    use proofdesk::store::rows::{BundleRow, EvidenceRow, ItemRow, EVIDENCE_COLUMNS, ITEM_COLUMNS};
    let mut out = Vec::new();
    let strip = |debug: String| debug.replace(", problem: None", "");
    for mut r in runs_where(store, "1 = 1").await {
        assert!(r.problem.is_none(), "{:?}", r.problem);
        // Compared as values: PostgreSQL's jsonb keeps its own key order and spacing.
        r.context = JsonText::from(sorted(r.context.text.value())).into();
        r.summary_counts.0 = sorted(r.summary_counts.0.value()).into();
        out.push(strip(format!("{r:?}")));
    }
    // Each restore with its counted items, latest evidence and audit continuity.
    let ids: Vec<(i64,)> = store.fetch_all(&Sql::new("SELECT id FROM restore_runs ORDER BY id")).await.expect("ids");
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    let mut restores: Vec<BundleRow> = Vec::new();
    for chunk in ids.chunks(BUNDLE_CHUNK) {
        restores.extend(store.fetch_all::<BundleRow>(&bundle_statement(chunk)).await.expect("bundles"));
    }
    restores.sort_by_key(|r| r.id);
    assert_eq!(restores.len(), ids.len());
    out.extend(restores.into_iter().map(|r| strip(format!("{r:?}"))));
    let items: Vec<ItemRow> =
        store.fetch_all(&Sql::new(&format!("SELECT {ITEM_COLUMNS} FROM restore_items ORDER BY id"))).await.expect("i");
    out.extend(items.into_iter().map(|mut r| {
        r.provider_payload = r.provider_payload.map(|p| sqlx::types::Json(sorted(p.0)));
        strip(format!("{r:?}"))
    }));
    let evidence: Vec<EvidenceRow> =
        store.fetch_all(&Sql::new(&format!("SELECT {EVIDENCE_COLUMNS} FROM evidence ORDER BY id"))).await.expect("e");
    out.extend(evidence.into_iter().map(|r| strip(format!("{r:?}"))));
    let audit: Vec<Audit> = store
        .fetch_all(&Sql::new(
            "SELECT id, workspace_id, environment_id, actor_id, action, subject_type, subject_id, metadata, \
                 created_at FROM audit_log ORDER BY id",
        ))
        .await
        .expect("audit");
    out.extend(audit.into_iter().map(|mut r| {
        r.7 .0 = sorted(r.7 .0.take());
        format!("{r:?}")
    }));
    let notifications: Vec<(i64, i64, i64, String, DateTime<Utc>)> = store
        .fetch_all(&Sql::new(
            "SELECT id, operator_id, operation_run_id, kind, created_at FROM notifications ORDER BY id",
        ))
        .await
        .expect("notifications");
    out.extend(notifications.into_iter().map(|r| format!("{r:?}")));
    out
}

/// PostgreSQL receives the generated rows through `COPY` text and SQLite through bound
/// values: both must hold exactly the same rows (NULLs, booleans, times, JSON with its payload
/// secrets and error texts). The escapes of COPY text are pinned by the unit tests in `seed.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_and_insert_seed_the_same_rows() {
    let Some(db) = PgDb::create().await else {
        eprintln!("PROOFDESK_TEST_PG_URL not set: PostgreSQL part skipped");
        return;
    };
    let now = now();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = Store::open(&format!("sqlite:{}", dir.path().join("a.sqlite").display()), Create::IfMissing)
        .await
        .expect("open");
    let pg = Store::open(&db.url, Create::IfMissing).await.expect("open");
    seed_demo(&sqlite, now, 1500).await.expect("seed sqlite");
    seed_demo(&pg, now, 1500).await.expect("seed postgres");
    let (a, b) = (every_row(&sqlite).await, every_row(&pg).await);
    assert!(a.len() > 1500 * 5, "{}", a.len());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    sqlite.close().await;
    pg.close().await;
    db.drop_db().await;
}
