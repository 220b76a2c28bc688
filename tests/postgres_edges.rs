//! PostgreSQL at its edges (run when `PROOFDESK_TEST_PG_URL` is set): TLS as managed services
//! require it, and a lock that never releases (`ACCESS EXCLUSIVE`, as ALTER TABLE, VACUUM
//! FULL and REINDEX take it) meets a bounded wait on reads and writes alike, and a session's
//! settings (no parallel workers, a statement bound).

mod common;

use std::time::{Duration, Instant};

use common::{case, code, stderr, TestDb, NOW};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// `url` with one more query parameter.
fn with_param(url: &str, param: &str) -> String {
    format!("{url}{}{param}", if url.contains('?') { '&' } else { '?' })
}

/// The server's certificate file, when this process can read it (it is self-signed here, so it
/// is its own CA).
fn server_certificate(db: &TestDb) -> Option<String> {
    let path = db.text("SELECT current_setting('ssl_cert_file')")?;
    std::fs::metadata(&path).ok().map(|_| path)
}

#[test]
fn tls_require_works_and_verify_full_without_the_ca_is_one_clear_line() {
    let Some(db) = TestDb::postgres() else { return };
    db.load(&case("19-proof-complete.json"));
    if db.text("SELECT current_setting('ssl')").as_deref() != Some("on") {
        eprintln!("the test server has TLS off; nothing to check");
        return;
    }
    let run = |url: &str| {
        common::proofdesk()
            .args(["--db", url, "--as", "alice", "--now", NOW, "assess", "1000", "--format", "json"])
            .env_remove("DATABASE_URL")
            .output()
            .expect("run")
    };
    let out = run(&with_param(&db.url, "sslmode=require"));
    assert_eq!(code(&out), 0, "sslmode=require: {}", stderr(&out));
    // Prove the session really was encrypted: the server says so for its own connection.
    let encrypted = rt().block_on(async {
        let store =
            proofdesk::store::Store::connect(&with_param(&db.url, "sslmode=require"), proofdesk::store::Create::Never)
                .await
                .expect("connect with TLS");
        let row: Option<(bool,)> = store
            .fetch_optional(&proofdesk::store::Sql::new("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            .await
            .expect("pg_stat_ssl");
        store.close().await;
        row.is_some_and(|r| r.0)
    });
    assert!(encrypted, "sslmode=require connected without TLS");

    // The local server's certificate is self-signed for `localhost`: without its CA,
    // verify-full fails by either name, with one line that says what to give.
    let by_name = db.url.replacen("127.0.0.1", "localhost", 1);
    for url in [&db.url, &by_name] {
        let out = run(&with_param(url, "sslmode=verify-full"));
        assert_eq!(code(&out), 2, "verify-full against a self-signed server must fail: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("certificate") && err.contains("sslrootcert"), "says why and what to give: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }

    // With its CA given, and the name the certificate carries, it verifies.
    if let Some(ca) = server_certificate(&db) {
        let out = run(&with_param(&by_name, &format!("sslmode=verify-full&sslrootcert={ca}")));
        assert_eq!(code(&out), 0, "verify-full with the CA: {}", stderr(&out));
    }
}

#[test]
fn an_access_exclusive_lock_meets_a_bounded_wait_on_reads_and_writes() {
    let Some(db) = TestDb::postgres() else { return };
    db.load(&case("16-evidence-missing.json"));
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let url = db.url.clone();
    let holder = std::thread::spawn(move || {
        rt().block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query("BEGIN").execute(&mut c).await.expect("begin");
            sqlx::query("LOCK TABLE operation_runs IN ACCESS EXCLUSIVE MODE").execute(&mut c).await.expect("lock");
            locked_tx.send(()).expect("signal");
            let _ = release_rx.recv_timeout(Duration::from_secs(120));
            sqlx::query("ROLLBACK").execute(&mut c).await.expect("rollback");
        });
    });
    locked_rx.recv_timeout(Duration::from_secs(30)).expect("the lock is held");
    for args in [&["runs"][..], &["show", "1000"], &["reconcile", "1000", "--yes"]] {
        let started = Instant::now();
        let out = db.run(&[&["--as", "alice", "--now", NOW], args].concat());
        let took = started.elapsed();
        assert!(took < Duration::from_secs(30), "{args:?} waited {took:?}");
        assert_ne!(code(&out), 0, "{args:?} cannot have read through the lock");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("busy") && err.contains("try again"), "{args:?}: {err}");
    }
    release_tx.send(()).expect("release");
    holder.join().expect("holder");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);
    let out = db.run(&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"]);
    assert_eq!(code(&out), 0, "once released, it works: {}", stderr(&out));
}

/// A console's or command's session plans no parallel workers and bounds each statement; a
/// `db` command (which may build indexes for minutes) does neither. The bench measures through
/// a session for this reason: with two workers the common search's first page at 10M runs took
/// 20-40 ms instead of 6-9.
#[test]
fn a_session_plans_no_parallel_workers_and_bounds_its_statements() {
    let Some(db) = TestDb::postgres() else { return };
    db.load(&case("19-proof-complete.json"));
    let settings = |session: bool| {
        rt().block_on(async {
            let store = if session {
                proofdesk::store::Store::open_session(&db.url, false).await.expect("open a session")
            } else {
                proofdesk::store::Store::open(&db.url, proofdesk::store::Create::IfMissing).await.expect("open")
            };
            let row: Option<(String, String)> = store
                .fetch_optional(&proofdesk::store::Sql::new(
                    "SELECT current_setting('max_parallel_workers_per_gather'), current_setting('statement_timeout')",
                ))
                .await
                .expect("settings");
            store.close().await;
            row.expect("one row")
        })
    };
    assert_eq!(settings(true), ("0".to_owned(), "1min".to_owned()), "a session's settings");
    // The server's own parallel setting is whatever its administrator chose; only the
    // statement bound is known to be absent.
    assert_eq!(settings(false).1, "0", "a db command's statements are not bounded");
}
