//! Diagnostics go to a file (the XDG state directory, or `--log-file`), never to the
//! terminal; and a password in a PostgreSQL URL reaches neither the terminal nor the log.

mod common;

use std::path::Path;

use common::{case, code, stderr, stdout, TestDb, NOW};

/// The log lines tracing writes start with a timestamp and a level; none may reach a terminal.
fn has_log_lines(text: &str) -> bool {
    text.lines().any(|l| [" INFO ", " DEBUG ", " WARN ", " ERROR ", " TRACE "].iter().any(|lvl| l.contains(lvl)))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn logs_go_to_the_state_directory_or_the_given_file_never_to_the_terminal() {
    let db = TestDb::sqlite();
    db.load(&case("19-proof-complete.json"));
    let state = tempfile::tempdir().expect("dir");
    let out = db
        .command(&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"])
        .env("XDG_STATE_HOME", state.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let log = read(&state.path().join("proofdesk").join("proofdesk.log"));
    assert!(log.contains("reconciled") && log.contains(" INFO "), "the reconciliation is logged: {log}");
    assert!(!has_log_lines(&stdout(&out)) && !has_log_lines(&stderr(&out)), "{}{}", stdout(&out), stderr(&out));

    // `--log-file` takes over; the state directory's file is not touched.
    let other = state.path().join("elsewhere.log");
    let before = read(&state.path().join("proofdesk").join("proofdesk.log"));
    let out = db
        .command(&["--as", "alice", "--now", NOW, "--log-file", other.to_str().expect("utf-8"), "-v", "show", "1000"])
        .env("XDG_STATE_HOME", state.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(other.exists(), "--log-file creates the file");
    assert_eq!(read(&state.path().join("proofdesk").join("proofdesk.log")), before);
    assert!(!has_log_lines(&stdout(&out)) && !has_log_lines(&stderr(&out)));
}

#[test]
fn a_postgres_password_never_reaches_the_terminal_or_the_log() {
    let Some(db) = TestDb::postgres() else { return };
    let Some(rest) = db.url.strip_prefix("postgres://postgres@") else {
        eprintln!("SKIPPED: PROOFDESK_TEST_PG_URL is not postgres://postgres@host (no password to insert)");
        return;
    };
    db.load(&case("19-proof-complete.json"));
    // Trust authentication accepts any password, so the URL works with one in it.
    let secret = "hunter2-do-not-show";
    let url = format!("postgres://postgres:{secret}@{rest}");
    let unreachable = format!("postgres://postgres:{secret}@127.0.0.1:1/x");
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("pd.log");
    let log_arg = log.to_str().expect("utf-8");
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["--db", &url, "--as", "alice", "--now", NOW, "runs"], 0),
        (vec!["--db", &url, "--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"], 0),
        (vec!["--db", &url, "--as", "alice", "--now", NOW, "show", "424242"], 3),
        (vec!["--db", &url, "--as", "nobody-such", "runs"], 2),
        (vec!["--db", &unreachable, "--as", "alice", "runs"], 2),
    ];
    for (args, expected) in runs {
        let out = common::proofdesk()
            .args(["-v", "--log-file", log_arg])
            .args(&args)
            .env_remove("DATABASE_URL")
            .env_remove("PROOFDESK_OPERATOR")
            .env_remove("RUST_LOG")
            .output()
            .expect("run");
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
        for text in [stdout(&out), stderr(&out)] {
            assert!(!text.contains(secret), "{args:?} showed the password: {text}");
        }
    }
    let logged = read(&log);
    assert!(logged.contains("reconciled"), "the log was written: {logged}");
    assert!(!logged.contains(secret), "the log holds the password: {logged}");
}
