//! Shared helpers for the integration tests: a fresh database per test on SQLite (always) and
//! on PostgreSQL (when `PROOFDESK_TEST_PG_URL` is set), and a way to run the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use proofdesk::store::{Create, Sql, Store};

pub const NOW: &str = "2026-11-20T12:00:00Z";

/// The shared fixture cases.
pub fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cases").join(name)
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
        Command::new(env!("CARGO_BIN_EXE_proofdesk"))
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("PROOFDESK_OPERATOR")
            .output()
            .expect("run proofdesk")
    }

    /// A command ready to spawn.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_proofdesk"));
        c.arg("--db").arg(&self.url).args(args).env_remove("DATABASE_URL").env_remove("PROOFDESK_OPERATOR");
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
