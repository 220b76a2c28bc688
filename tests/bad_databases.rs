//! Databases that cannot be used as named: a read-only SQLite file or directory, a missing
//! directory, a corrupt or truncated file, a schema written by a newer proofdesk, and an
//! unreachable PostgreSQL server. Each answers with one clear stderr line (no panic, no
//! backtrace, never a password) and the contract's exit code, and writes nothing.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use common::{case, code, stale_runs_doc, stderr, write_doc, TestDb, NOW};

/// `proofdesk ARGS…` with no database or operator from the environment.
fn proofdesk(args: &[&str]) -> Command {
    let mut c = common::proofdesk();
    c.args(args).env_remove("DATABASE_URL").env_remove("PROOFDESK_OPERATOR").env_remove("RUST_BACKTRACE");
    c
}

fn run(args: &[&str]) -> Output {
    proofdesk(args).output().expect("run proofdesk")
}

/// One line on stderr, prefixed `proofdesk:`, no panic or backtrace; returns it.
fn one_clear_line(out: &Output, what: &str) -> String {
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line, got: {err}");
    assert!(err.starts_with("proofdesk: "), "{what}: {err}");
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", "Error {", "Database("] {
        assert!(!err.contains(bad), "{what}: {err}");
    }
    err
}

/// The effective user id of this process (root ignores file permissions).
fn euid() -> u32 {
    std::fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid())
}

/// `proofdesk` as a user file permissions apply to: this user, or `nobody` when running as root.
fn as_user(args: &[&str], log_dir: &Path) -> Output {
    let log = log_dir.join("proofdesk.log");
    let mut c = proofdesk(&[&["--log-file", log.to_str().expect("utf-8")], args].concat());
    if euid() == 0 {
        c.uid(65534).gid(65534);
    }
    c.output().expect("run proofdesk")
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn count_reconciled(url: &str) -> Option<String> {
    let out = run(&["--db", url, "--as", "alice", "--now", NOW, "runs", "--status", "completed", "--format", "json"]);
    (code(&out) == 0).then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A loaded SQLite database in a directory anyone may enter, closed (no WAL left behind).
fn loaded_sqlite(dir: &Path) -> (std::path::PathBuf, String) {
    chmod(dir, 0o777);
    let file = dir.join("db.sqlite");
    let url = format!("sqlite:{}", file.display());
    let out = run(&["--db", &url, "db", "load", case("19-proof-complete.json").to_str().expect("utf-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    chmod(&file, 0o666);
    (file, url)
}

#[test]
fn a_read_only_sqlite_file_reads_but_refuses_to_write_with_one_clear_line() {
    let dir = tempfile::tempdir().expect("dir");
    let logs = tempfile::tempdir().expect("logs");
    chmod(logs.path(), 0o777);
    let (file, url) = loaded_sqlite(dir.path());
    let before = std::fs::read(&file).expect("read");
    chmod(&file, 0o444);

    for args in [&["runs"][..], &["show", "1000"], &["assess", "1000", "--format", "json"]] {
        let out = as_user(&[&["--db", &url, "--as", "alice", "--now", NOW], args].concat(), logs.path());
        assert_eq!(code(&out), 0, "reading a read-only file works: {args:?}: {}", stderr(&out));
    }

    let out = as_user(&["--db", &url, "--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"], logs.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = one_clear_line(&out, "reconcile on a read-only file");
    assert!(err.contains("read-only") && err.contains("permission"), "says why and what to check: {err}");

    let new_rows = write_doc(logs.path(), "new.json", &serde_json::json!({"workspaces": [{"id": 77, "name": "New"}]}));
    chmod(&new_rows, 0o644);
    let out = as_user(&["--db", &url, "db", "load", new_rows.to_str().expect("utf-8")], logs.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = one_clear_line(&out, "db load on a read-only file");
    assert!(err.contains("read-only"), "{err}");

    // Nothing was written, not even half.
    assert_eq!(std::fs::read(&file).expect("read"), before, "the read-only file is unchanged");
    chmod(&file, 0o666);
    assert_eq!(count_reconciled(&url).as_deref(), Some("[]"));

    // A read-only file that still needs its schema: `db migrate` says so in one line.
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").expect("write");
    chmod(&empty, 0o444);
    let out = as_user(&["--db", &format!("sqlite:{}", empty.display()), "db", "migrate"], logs.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = one_clear_line(&out, "db migrate on a read-only file");
    assert!(err.contains("permissions"), "{err}");
    assert_eq!(std::fs::metadata(&empty).expect("meta").len(), 0, "nothing written");
}

#[test]
fn a_read_only_directory_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("dir");
    let logs = tempfile::tempdir().expect("logs");
    chmod(logs.path(), 0o777);
    let (file, url) = loaded_sqlite(dir.path());
    let before = std::fs::read(&file).expect("read");
    chmod(dir.path(), 0o555);
    let reconcile = as_user(&["--db", &url, "--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"], logs.path());
    let runs = as_user(&["--db", &url, "--as", "alice", "--now", NOW, "runs"], logs.path());
    chmod(dir.path(), 0o777);
    // SQLite in WAL mode keeps `-wal` and `-shm` files beside the database. With them there,
    // SQLite reads as usual; without them (they cannot be made in this directory) the file is
    // read as immutable. Either way reading works and the write
    // is refused as read-only (exit 1), saying what to check.
    assert_eq!(code(&runs), 0, "runs: {}", stderr(&runs));
    assert_eq!(code(&reconcile), 1, "reconcile: {}", stderr(&reconcile));
    let err = one_clear_line(&reconcile, "reconcile");
    assert!(err.contains("read-only") && err.contains("directory"), "{err}");
    assert_eq!(std::fs::read(&file).expect("read"), before, "nothing written");
    assert_eq!(count_reconciled(&url).as_deref(), Some("[]"));
}

#[test]
fn a_missing_directory_is_never_created() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite:{}", dir.path().join("no/such/dir/x.sqlite").display());
    let fixture = case("19-proof-complete.json");
    for args in [
        &["--db", &url, "--as", "alice", "runs"][..],
        &["--db", &url, "--as", "alice", "reconcile", "1000", "--yes"],
        &["--db", &url, "db", "migrate"],
        &["--db", &url, "db", "load", fixture.to_str().expect("utf-8")],
        &["--db", &url, "db", "seed-demo"],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        let err = one_clear_line(&out, "missing directory");
        assert!(err.contains("does not exist"), "{args:?}: {err}");
    }
    assert!(!dir.path().join("no").exists(), "no directory was created");
}

#[test]
fn a_corrupt_or_truncated_file_is_one_clear_line_and_is_left_alone() {
    let dir = tempfile::tempdir().expect("dir");
    let garbage = dir.path().join("garbage.sqlite");
    let bytes: Vec<u8> = (0..16_384_u32).map(|i| u8::try_from((i * 7919 + 13) % 251).expect("byte")).collect();
    std::fs::write(&garbage, &bytes).expect("write");
    let url = format!("sqlite:{}", garbage.display());
    for args in [&["--db", &url, "--as", "alice", "runs"][..], &["--db", &url, "db", "migrate"]] {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        let err = one_clear_line(&out, "garbage file");
        assert!(err.contains("not a SQLite database") || err.contains("corrupt"), "{err}");
    }
    assert_eq!(std::fs::read(&garbage).expect("read"), bytes, "the file is left as it was");

    // A real database cut short: the header is fine, the pages behind it are gone.
    let truncated = dir.path().join("truncated.sqlite");
    let url = format!("sqlite:{}", truncated.display());
    let fixture = write_doc(dir.path(), "stale.json", &stale_runs_doc(400));
    let out = run(&["--db", &url, "db", "load", fixture.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let full = std::fs::read(&truncated).expect("read");
    assert!(full.len() > 64 * 1024, "big enough to cut: {}", full.len());
    let cut = &full[..full.len() / 3];
    std::fs::write(&truncated, cut).expect("truncate");
    for args in [
        &["--db", &url, "--as", "alice", "--now", NOW, "runs", "--limit", "1000"][..],
        &["--db", &url, "--as", "alice", "--now", NOW, "reconcile", "--stale", "--yes"],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?} on a truncated file: {}", stderr(&out));
        let err = one_clear_line(&out, "truncated file");
        assert!(err.contains("corrupt") || err.contains("malformed"), "{err}");
    }
    assert_eq!(std::fs::read(&truncated).expect("read"), cut, "the truncated file is left as it was");
}

/// Records a migration this binary does not know, as a newer proofdesk would have.
fn from_the_future(db: &TestDb) {
    let checksum = if db.label == "sqlite" { "X'00'" } else { "'\\x00'::bytea" };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let store = proofdesk::store::Store::connect(&db.url, proofdesk::store::Create::Never).await.expect("connect");
        let mut tx = store.begin().await.expect("begin");
        for sql in [
            format!(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (9999, 'from the future', TRUE, {checksum}, 0)"
            ),
            // As if this database had skipped our migration 2: a binary that migrated would
            // put it back (or fail on its existing indexes) instead of refusing.
            "DELETE FROM _sqlx_migrations WHERE version = 2".to_owned(),
        ] {
            tx.execute(&proofdesk::store::Sql::new(&sql)).await.expect("write");
        }
        tx.commit().await.expect("commit");
        store.close().await;
    });
}

#[test]
fn a_schema_newer_than_the_binary_is_refused_without_migrating() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        from_the_future(&db);
        let history = || {
            db.text(
                "SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(MAX(version) AS TEXT) || ':' || \
                 CAST(SUM(version) AS TEXT) FROM _sqlx_migrations",
            )
        };
        // This binary's migrations of the engine are numbered 1..=known; migration 2's record is gone and
        // 9999's is there.
        let known = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(db.label))
            .expect("migrations")
            .count();
        let sum = known * (known + 1) / 2 - 2 + 9999;
        let before = history();
        assert_eq!(before, Some(format!("{known}:9999:{sum}")), "[{}]", db.label);
        for args in [
            &["--as", "alice", "--now", NOW, "runs"][..],
            &["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"],
            &["db", "migrate"],
            &["db", "load", case("16-evidence-missing.json").to_str().expect("utf-8")],
        ] {
            let out = db.run(args);
            assert_eq!(code(&out), 2, "[{}] {args:?}: {}", db.label, stderr(&out));
            let err = one_clear_line(&out, "newer schema");
            assert!(
                err.contains(&format!("schema version 9999 is newer than this proofdesk ({known})"))
                    && err.contains("upgrade proofdesk"),
                "[{}] {err}",
                db.label
            );
        }
        assert_eq!(history(), before, "[{}] no migration was applied or undone", db.label);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM operation_runs"), 1);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);
    }
}

#[test]
fn an_unreachable_postgres_is_one_line_without_the_password() {
    for verbose in [false, true] {
        let url = "postgres://bob:hunter2secret@127.0.0.1:1/proofdesk";
        for args in [&["--db", url, "--as", "alice", "runs"][..], &["--db", url, "db", "migrate"]] {
            let mut args = args.to_vec();
            if verbose {
                args.push("-v");
            }
            let out = run(&args);
            assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
            let err = stderr(&out);
            if !verbose {
                one_clear_line(&out, "unreachable server");
            }
            assert!(err.contains("127.0.0.1:1"), "names the server: {err}");
            assert!(!err.contains("hunter2secret") && !err.contains("bob:"), "password leaked: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }

    // Reachable server, no such database: the same, and the password stays out.
    if let Ok(base) = std::env::var("PROOFDESK_TEST_PG_URL") {
        let base = base.trim_end_matches('/');
        let Some((scheme, rest)) = base.split_once("://") else { panic!("PROOFDESK_TEST_PG_URL: {base}") };
        let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let url = format!("{scheme}://postgres:hunter2secret@{rest}/pdtest_no_such_database");
        let out = run(&["--db", &url, "--as", "alice", "-v", "runs"]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("pdtest_no_such_database"), "{err}");
        assert!(!err.contains("hunter2secret"), "password leaked: {err}");
    }
}

/// A filesystem mounted for this test (tmpfs of `size`), unmounted on drop; `None` where this
/// process may not mount (not root, or in a container that forbids it).
struct Mounted(tempfile::TempDir);

impl Mounted {
    fn tmpfs(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then_some(Self(dir))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).output();
    }
}

/// A full disk: reading still works (the WAL's shared-memory file cannot be made, so the file
/// is read as immutable), a write fails with one line and leaves the run as it was, and a
/// `db migrate` that cannot make a new database leaves nothing behind.
#[test]
fn a_full_disk_still_reads_writes_nothing_and_leaves_no_half_made_file() {
    let Some(fs) = Mounted::tmpfs("1m") else {
        eprintln!("SKIPPED a_full_disk_still_reads…: cannot mount a tmpfs here (needs root)");
        return;
    };
    let file = fs.0.path().join("db.sqlite");
    let url = format!("sqlite:{}", file.display());
    let out = run(&["--db", &url, "db", "load", case("15-mixed.json").to_str().expect("utf-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Fill every block that is left.
    let mut filler = std::fs::File::create(fs.0.path().join("filler")).expect("filler");
    let block = vec![0_u8; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);
    let before = std::fs::read(&file).expect("read");

    for _ in 0..2 {
        let out = run(&["--db", &url, "--as", "alice", "--now", NOW, "runs", "--format", "json"]);
        assert_eq!(code(&out), 0, "reading a database on a full disk: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("\"id\": 1000"));
        let out = run(&["--db", &url, "--as", "alice", "--now", NOW, "reconcile", "1000", "--yes"]);
        assert_ne!(code(&out), 0, "a write on a full disk cannot succeed");
        let err = one_clear_line(&out, "reconcile on a full disk");
        assert!(err.contains("full") || err.contains("read-only"), "{err}");
    }
    assert_eq!(std::fs::read(&file).expect("read"), before, "nothing written");

    let fresh = fs.0.path().join("new.sqlite");
    let out = run(&["--db", &format!("sqlite:{}", fresh.display()), "db", "migrate"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    one_clear_line(&out, "db migrate on a full disk");
    for side in ["", "-wal", "-shm", "-journal"] {
        let p = fs.0.path().join(format!("new.sqlite{side}"));
        assert!(!p.exists(), "a failed create left {} behind", p.display());
    }
}
