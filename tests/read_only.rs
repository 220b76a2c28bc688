//! Read paths never change a database: only `db` commands (and the demo database as it is
//! created) issue DDL; every other session checks the schema version and says what to run;
//! `--read-only` writes nothing by any path, on both engines; and the demo database lives
//! beside the checkout or under the XDG data directory, never in the build checkout.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

use common::{case, code, stderr, stdout, TestDb, NOW};
use proofdesk::store::{Create, Sql, Store};

fn proofdesk(args: &[&str]) -> Command {
    let mut c = common::proofdesk();
    c.args(args).env_remove("DATABASE_URL").env_remove("PROOFDESK_OPERATOR").env_remove("RUST_BACKTRACE");
    c
}

fn one_line(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line, got: {err}");
    assert!(err.starts_with("proofdesk: ") && !err.contains("panicked"), "{err}");
    err
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// The tables of the database's current schema (PostgreSQL) or file (SQLite).
fn tables(db: &TestDb) -> i64 {
    if db.label == "sqlite" {
        db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
    } else {
        db.scalar("SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
    }
}

/// An empty database: SQLite a file another tool made (one table of its own), PostgreSQL a
/// database with nothing in it.
fn foreign(db: &TestDb) {
    rt().block_on(async {
        let store = Store::connect(&db.url, Create::IfMissing).await.expect("connect");
        if db.label == "sqlite" {
            let mut tx = store.begin().await.expect("begin");
            tx.execute(&Sql::new("CREATE TABLE notes (body TEXT)")).await.expect("create");
            tx.commit().await.expect("commit");
        }
        store.close().await;
    });
}

fn file_of(db: &TestDb) -> Option<std::path::PathBuf> {
    db.url.strip_prefix("sqlite:").map(std::path::PathBuf::from)
}

#[test]
fn sessions_on_a_database_without_our_schema_say_what_to_run_and_create_nothing() {
    for db in TestDb::all() {
        foreign(&db);
        let before_tables = tables(&db);
        let before_bytes = file_of(&db).map(|f| std::fs::read(f).expect("read"));
        for read_only in [true, false] {
            for args in [&["runs"][..], &["show", "1000"], &["assess", "1000"], &["reconcile", "1000", "--yes"]] {
                let mut all = vec!["--as", "alice", "--now", NOW];
                if read_only {
                    all.push("--read-only");
                }
                all.extend_from_slice(args);
                let out = db.run(&all);
                assert_eq!(code(&out), 2, "[{}] {all:?}: {}", db.label, stderr(&out));
                let err = one_line(&out);
                assert!(err.contains("no proofdesk schema") && err.contains("db migrate"), "[{}] {err}", db.label);
            }
        }
        assert_eq!(tables(&db), before_tables, "[{}] a read path created tables", db.label);
        if let Some(f) = file_of(&db) {
            assert_eq!(Some(std::fs::read(f).expect("read")), before_bytes, "the foreign file is unchanged");
        }
        // `db migrate` is the one way in; then the same session works.
        let out = db.run(&["db", "migrate"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        db.load(&case("19-proof-complete.json"));
        let out = db.run(&["--as", "alice", "--now", NOW, "--read-only", "runs"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
    }
}

#[test]
fn a_schema_behind_the_binary_is_refused_never_migrated() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let newest = db.scalar("SELECT MAX(version) FROM _sqlx_migrations");
        // As if the last migration had not run yet (its objects stay: a migrating session
        // would fail on them or apply them twice; a checking one only reads the history).
        rt().block_on(async {
            let store = Store::connect(&db.url, Create::Never).await.expect("connect");
            let mut tx = store.begin().await.expect("begin");
            tx.execute(&Sql::new(&format!("DELETE FROM _sqlx_migrations WHERE version = {newest}")))
                .await
                .expect("delete");
            tx.commit().await.expect("commit");
            store.close().await;
        });
        for read_only in [true, false] {
            let mut args = vec!["--as", "alice", "--now", NOW, "runs"];
            if read_only {
                args.push("--read-only");
            }
            let out = db.run(&args);
            assert_eq!(code(&out), 2, "[{}] {}", db.label, stderr(&out));
            let err = one_line(&out);
            assert!(err.contains("this proofdesk needs") && err.contains("db migrate"), "[{}] {err}", db.label);
        }
        assert_eq!(
            db.scalar(&format!("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = {newest}")),
            0,
            "[{}] a session migrated",
            db.label
        );
    }
}

/// The server (or SQLite) refuses a write in a read-only session even if code tried one.
#[test]
fn a_read_only_session_cannot_write_even_if_code_tried() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let refused = rt().block_on(async {
            let store = Store::open_session(&db.url, true).await.expect("open read-only");
            let attempt = async {
                let mut tx = store.begin().await?;
                tx.execute(&Sql::new("INSERT INTO workspaces (id, name) VALUES (99, 'sneaky')")).await?;
                tx.commit().await
            }
            .await;
            store.close().await;
            attempt.is_err()
        });
        assert!(refused, "[{}] a read-only session wrote", db.label);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM workspaces WHERE id = 99"), 0, "[{}]", db.label);
        // And every writing command says so with the forbidden code, writing nothing.
        for args in [&["reconcile", "1000", "--yes"][..], &["reconcile", "--stale", "--yes"], &["db", "migrate"]] {
            let out = db.run(&[&["--as", "alice", "--now", NOW, "--read-only"], args].concat());
            assert_eq!(code(&out), 4, "[{}] {args:?}: {}", db.label, stderr(&out));
        }
        let out = db.run(&["--read-only", "db", "load", case("16-evidence-missing.json").to_str().expect("utf-8")]);
        assert_eq!(code(&out), 4, "[{}] {}", db.label, stderr(&out));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM operation_runs"), 1, "[{}]", db.label);
    }
}

/// A SQLite file of mode 444 with no write-ahead log beside it, in a directory that takes no
/// new files, is read in a read-only session (no `-shm` file is needed), and left unchanged.
#[test]
fn a_read_only_sqlite_file_without_side_files_can_still_be_read() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let file = dir.path().join("frozen.sqlite");
    let url = format!("sqlite:{}", file.display());
    let out = proofdesk(&["--db", &url, "db", "load", case("15-mixed.json").to_str().expect("utf-8")])
        .output()
        .expect("load");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let side = |s: &str| dir.path().join(format!("frozen.sqlite{s}")).exists();
    assert!(!side("-wal") && !side("-shm"), "closed cleanly, no side files");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let before = std::fs::read(&file).expect("read");
    let logs = tempfile::tempdir().expect("logs");
    std::fs::set_permissions(logs.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let log = logs.path().join("log");
    // Root ignores permissions: run as nobody, and make the directory take no new files.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let root = std::fs::metadata("/proc/self").map_or(1, |m| m.uid()) == 0;
    let mut outs = Vec::new();
    for args in [&["runs", "--format", "json"][..], &["show", "1000"], &["assess", "1000", "--format", "json"]] {
        let mut c = proofdesk(
            &[
                &[
                    "--db",
                    &url,
                    "--as",
                    "alice",
                    "--now",
                    NOW,
                    "--read-only",
                    "--log-file",
                    log.to_str().expect("utf-8"),
                ],
                args,
            ]
            .concat(),
        );
        if root {
            c.uid(65534).gid(65534);
        }
        outs.push((args.to_vec(), c.output().expect("run")));
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    for (args, out) in outs {
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("1000"), "{args:?}: {}", stdout(&out));
    }
    assert_eq!(std::fs::read(&file).expect("read"), before, "unchanged");
    assert!(!side("-wal") && !side("-shm"), "no side files were made");
    assert_eq!(std::fs::metadata(&file).expect("meta").mode() & 0o777, 0o444);
}

/// Every writing command leaves the file whole on its own: no `-wal` or `-shm` beside it once
/// it exits. sqlx's `Pool::close` could leave a connection handed back during the close open
/// until the process ended, and then no close was the last: about one load in thirty did when
/// the machine was busy. Forty-eight loads, four at a time (busy on purpose), catch it.
#[test]
fn a_closed_database_is_one_file_every_time() {
    let dir = tempfile::tempdir().expect("dir");
    for batch in 0..12 {
        let loads: Vec<_> = (0..4)
            .map(|k| {
                let file = dir.path().join(format!("f{batch}-{k}.sqlite"));
                let child = proofdesk(&[
                    "--db",
                    &format!("sqlite:{}", file.display()),
                    "db",
                    "load",
                    case("15-mixed.json").to_str().expect("utf-8"),
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("load");
                (file, child)
            })
            .collect();
        for (file, child) in loads {
            let out = child.wait_with_output().expect("load");
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            for suffix in ["-wal", "-shm"] {
                let mut side = file.clone().into_os_string();
                side.push(suffix);
                assert!(!std::path::Path::new(&side).exists(), "{} left {suffix} behind", file.display());
            }
        }
    }
}

/// Outside a checkout, the demo database goes under `$XDG_DATA_HOME/proofdesk/`; the binary
/// never reads or writes the folder it was built in; `--read-only` never creates it.
#[test]
fn the_demo_database_outside_a_checkout_lives_under_the_xdg_data_directory() {
    let cwd = tempfile::tempdir().expect("cwd");
    let data = tempfile::tempdir().expect("data");
    let state = tempfile::tempdir().expect("state");
    let run = |args: &[&str]| {
        proofdesk(args)
            .current_dir(cwd.path())
            .env("XDG_DATA_HOME", data.path())
            .env("XDG_STATE_HOME", state.path())
            .output()
            .expect("run")
    };
    let demo = data.path().join("proofdesk").join("demo.sqlite");
    let out = run(&["--read-only", "runs"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(one_line(&out).contains("does not exist yet"));
    assert!(!demo.exists(), "--read-only created the demo");

    let out = run(&["runs", "--limit", "3", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(common::json(&out).as_array().map(Vec::len), Some(3));
    assert!(demo.exists(), "the demo is created under XDG_DATA_HOME");
    assert!(!cwd.path().join("demo-db").exists(), "nothing made in the working directory");

    let first = common::json(&out)[0]["id"].as_i64().expect("an id").to_string();
    let out = run(&["--read-only", "show", &first]);
    assert_eq!(code(&out), 0, "the demo, once made, reads read-only: {}", stderr(&out));

    // From a directory holding `demo-db/` (a checkout), the demo lives there instead.
    std::fs::create_dir(cwd.path().join("demo-db")).expect("mkdir");
    let out = run(&["runs", "--limit", "1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(cwd.path().join("demo-db").join("demo.sqlite").exists());
}
