//! Shared helpers for the integration tests: a fresh database per test on SQLite (always) and
//! on PostgreSQL (when `PROOFDESK_TEST_PG_URL` is set), and a way to run the real binary.
#![allow(dead_code)]

pub mod screen;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use proofdesk::store::{Create, Sql, Store};

pub const NOW: &str = "2026-11-20T12:00:00Z";

/// The shared fixture cases.
pub fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(name)
}

/// The real binary, kept from the developer's own setup: no config file (`PROOFDESK_CONFIG`
/// names an empty one) and no profile, database or operator from the environment.
pub fn proofdesk() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_proofdesk"));
    c.env("PROOFDESK_CONFIG", "/dev/null")
        .env_remove("PROOFDESK_PROFILE")
        .env_remove("DATABASE_URL")
        .env_remove("PROOFDESK_OPERATOR");
    c
}

/// One fresh, empty database.
pub struct TestDb {
    pub url: String,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite:{}", dir.path().join("test.sqlite").display());
        Self { url, label: "sqlite", _dir: Some(dir), pg_drop: None }
    }

    /// A fresh PostgreSQL database, or `None` when `PROOFDESK_TEST_PG_URL` is not set.
    pub fn postgres() -> Option<Self> {
        let base = std::env::var("PROOFDESK_TEST_PG_URL").ok()?.trim_end_matches('/').to_owned();
        let name = format!(
            "pdtest_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        );
        let admin = format!("{base}/postgres");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("PROOFDESK_TEST_PG_URL must be reachable");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.expect("create test database");
        });
        Some(Self { url: format!("{base}/{name}"), label: "postgres", _dir: None, pg_drop: Some((admin, name)) })
    }

    /// Every backend this run tests: SQLite, plus PostgreSQL when configured.
    pub fn all() -> Vec<Self> {
        let mut v = vec![Self::sqlite()];
        v.extend(Self::postgres());
        v
    }

    /// `proofdesk --db URL ARGS…`
    pub fn run(&self, args: &[&str]) -> Output {
        proofdesk().arg("--db").arg(&self.url).args(args).output().expect("run proofdesk")
    }

    /// A command ready to spawn.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = proofdesk();
        c.arg("--db").arg(&self.url).args(args);
        c
    }

    pub fn load(&self, file: &Path) {
        let out = self.run(&["db", "load", file.to_str().expect("utf-8 path")]);
        assert!(out.status.success(), "[{}] db load failed: {}", self.label, String::from_utf8_lossy(&out.stderr));
    }

    /// One integer from a query (e.g. `SELECT COUNT(*) FROM audit_log`).
    pub fn scalar(&self, sql: &str) -> i64 {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let store = Store::connect(&self.url, Create::Never).await.expect("connect");
            let row: Option<(i64,)> = store.fetch_optional(&Sql::new(sql)).await.expect("query");
            store.close().await;
            row.map_or(0, |r| r.0)
        })
    }

    /// One text value from a query (JSON columns come back as text with `CAST(… AS TEXT)`).
    pub fn text(&self, sql: &str) -> Option<String> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let store = Store::connect(&self.url, Create::Never).await.expect("connect");
            let row: Option<(Option<String>,)> = store.fetch_optional(&Sql::new(sql)).await.expect("query");
            store.close().await;
            row.and_then(|r| r.0)
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_drop.take() {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                }
            });
        }
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// First id of the generated stale runs of [`stale_runs_doc`].
pub const STALE_FIRST: i64 = 2000;

/// The decision run `STALE_FIRST + k` of [`stale_runs_doc`] reads as at [`NOW`].
pub fn stale_decision(k: i64) -> &'static str {
    if k % 4 == 3 || k % 10 == 9 {
        "partially_succeeded"
    } else {
        "succeeded"
    }
}

/// A fixture: the people of case 19 plus `mona` (104, manager), every one of `alice`, `wendy`
/// (owner) and `mona` able to reconcile in all three Contoso environments, and `n` stale,
/// running `restore.execute` runs (ids `STALE_FIRST..`) with completed restores, three items,
/// evidence and audit continuity each; every fourth has a failed item and every tenth lacks
/// evidence (both read `partially_succeeded`), the rest `succeeded` (built like the bench's
/// stale runs).
pub fn stale_runs_doc(n: i64) -> serde_json::Value {
    use serde_json::{json, Value};
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(case("19-proof-complete.json")).expect("read")).expect("json");
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("NOW").with_timezone(&chrono::Utc);
    let t = |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut operators = base["operators"].as_array().expect("operators").clone();
    operators.push(json!({"id": 104, "handle": "mona", "display_name": "Mona Manager"}));
    let mut memberships = base["memberships"].as_array().expect("memberships").clone();
    memberships.push(json!({"operator_id": 104, "workspace_id": 1, "role": "manager"}));
    let mut entitlements = base["entitlements"].as_array().expect("entitlements").clone();
    entitlements.push(json!({"operator_id": 100, "environment_id": 12}));
    for env in [10, 11, 12] {
        entitlements.push(json!({"operator_id": 104, "environment_id": env}));
    }
    let (mut ops, mut restores, mut items, mut evidence, mut audit) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for k in 0..n {
        let op = STALE_FIRST + k;
        let rid = 1_000_000 + k;
        let env = [10, 11, 12][usize::try_from(k % 3).expect("index")];
        let created = now - chrono::Duration::hours(3) - chrono::Duration::seconds(k);
        let started = created + chrono::Duration::seconds(30);
        let done = started + chrono::Duration::minutes(10);
        ops.push(json!({
            "id": op, "workspace_id": 1, "environment_id": env, "type": "restore.execute",
            "status": "running", "outcome": "pending", "initiator_id": 100,
            "context": {"restore_run_id": rid, "source": "hardening"},
            "created_at": t(created), "started_at": t(started), "updated_at": t(started + chrono::Duration::minutes(1)),
        }));
        restores.push(json!({
            "id": rid, "workspace_id": 1, "environment_id": env, "operation_run_id": op,
            "backup_set_ref": format!("bs-hardening-{k}"), "status": "completed", "is_dry_run": false,
            "requested_by": 100, "started_at": t(started), "completed_at": t(done),
        }));
        let failed = k % 4 == 3;
        for j in 0..3 {
            let outcome = if failed && j == 2 { "failed" } else { "applied" };
            items.push(json!({
                "id": 10_000_000 + k * 3 + j, "restore_run_id": rid, "policy_type": "settingsCatalog",
                "policy_name": format!("Hardening Policy {j}"), "outcome": outcome,
                "error_code": if failed && j == 2 { Value::from("graph_500") } else { Value::Null },
            }));
        }
        if k % 10 != 9 {
            let ok = if failed { 2 } else { 3 };
            evidence.push(json!({
                "id": 20_000_000 + k, "restore_run_id": rid, "kind": "post_restore_snapshot", "status": "complete",
                "verified_items": ok, "expected_items": ok, "captured_at": t(done + chrono::Duration::minutes(5)),
            }));
        }
        for (j, (action, at)) in
            [("restore.execute.started", started), ("restore.execute.completed", done)].into_iter().enumerate()
        {
            audit.push(json!({
                "id": 30_000_000 + k * 2 + i64::try_from(j).expect("j"), "workspace_id": 1, "environment_id": env,
                "actor_id": 100, "action": action, "subject_type": "restore_run", "subject_id": rid,
                "metadata": {"item_count": 3}, "created_at": t(at),
            }));
        }
    }
    json!({
        "workspaces": base["workspaces"], "environments": base["environments"], "operators": operators,
        "memberships": memberships, "entitlements": entitlements, "operation_runs": ops, "restore_runs": restores,
        "restore_items": items, "evidence": evidence, "audit_log": audit,
    })
}

/// Writes `doc` to `dir/name` and returns the path.
pub fn write_doc(dir: &Path, name: &str, doc: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).expect("write fixture");
    path
}
