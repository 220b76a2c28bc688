//! The config file through the real binary: profiles choose the database, operator and
//! read-only; every bad config is one stderr line with exit 2; `info` tells where things are
//! and never shows a password. Each test writes its own config into a temp dir and points
//! `PROOFDESK_CONFIG` (or `XDG_CONFIG_HOME`) at it: the developer's own config is never read.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{case, code, json, stderr, stdout, TestDb, NOW};

/// A config file in a temp dir.
struct Cfg {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Cfg {
    fn new(text: &str) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).expect("write config");
        Self { dir, path }
    }

    /// `proofdesk ARGS…` with this config, extra environment variables set.
    fn run(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut c = common::proofdesk();
        c.env("PROOFDESK_CONFIG", &self.path).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run proofdesk")
    }
}

fn profiles(staging_db: &str, prod_db: &str) -> String {
    with_replica(staging_db, prod_db, "postgres://oncall@replica.example:5432/ops")
}

fn with_replica(staging_db: &str, prod_db: &str, read_db: &str) -> String {
    format!(
        r#"default_profile = "staging"
theme = "mono"

[profiles.staging]
db = "{staging_db}"
as = "alice"

[profiles.prod]
db = "{prod_db}"
as = "alice"
read_only = true
production = true
password_env = "PROOFDESK_TEST_PROD_PASSWORD"
read_db = "{read_db}"
"#
    )
}

/// One line on stderr, exit 2, nothing on stdout.
fn one_line_exit_2(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(code(out), 2, "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(stdout(out).is_empty(), "{}", stdout(out));
    err
}

#[test]
fn every_bad_config_is_one_line_naming_the_place_with_exit_2() {
    let base = profiles("sqlite:/nowhere/s.sqlite", "postgres://oncall@db.example:5432/ops");
    let cases: Vec<(String, &[&str], &str)> = vec![
        (
            base.replace("production = true", "production = true\ncolour = \"red\""),
            &["runs"],
            "line 13: unknown key \"colour\" in [profiles.prod]",
        ),
        (
            base.replace("read_only = true", "read_only = \"yes\""),
            &["runs"],
            "line 11: profiles.prod.read_only: invalid type: string \"yes\", expected a boolean",
        ),
        (base.replace("[profiles.prod]", "[profiles.prod"), &["runs"], "line 8: "),
        (
            format!("{base}\n[keys]\ndown = \"q\"\n"),
            &["runs"],
            "line 17: [keys] down = \"q\" clashes: q is already quit",
        ),
        (format!("{base}\n[keys]\njump = \"n\"\n"), &["runs"], "line 17: unknown action \"jump\" in [keys]"),
        (
            base.replace("default_profile = \"staging\"", "default_profile = \"stage\""),
            &["runs"],
            "line 1: default_profile \"stage\" is not a profile (known: prod, staging)",
        ),
    ];
    for (text, args, expected) in cases {
        let cfg = Cfg::new(&text);
        let err = one_line_exit_2(&cfg.run(&[], args));
        let want = format!("proofdesk: config {} {expected}", cfg.path.display());
        assert!(err.starts_with(&want), "expected {want:?}\n     got {err:?}");
    }
    // An unknown profile, by flag or environment: the known ones listed.
    let cfg = Cfg::new(&base);
    for out in [cfg.run(&[], &["-P", "qa", "runs"]), cfg.run(&[("PROOFDESK_PROFILE", "qa")], &["runs"])] {
        let err = one_line_exit_2(&out);
        assert_eq!(
            err.trim_end(),
            format!("proofdesk: unknown profile \"qa\" (profiles in {}: prod, staging)", cfg.path.display())
        );
    }
    // An explicit config path that is not there is an error, not an empty config.
    let mut c = common::proofdesk();
    let missing = cfg.dir.path().join("nope.toml");
    let err = one_line_exit_2(&c.args(["--config", missing.to_str().expect("utf-8"), "runs"]).output().expect("run"));
    assert!(err.contains("nope.toml: cannot read"), "{err}");
}

#[test]
fn a_missing_default_config_is_fine_and_the_file_is_never_written() {
    let home = tempfile::tempdir().expect("dir");
    let db = TestDb::sqlite();
    db.load(&case("15-mixed.json"));
    let out = common::proofdesk()
        .env_remove("PROOFDESK_CONFIG")
        .env("XDG_CONFIG_HOME", home.path())
        .args(["--db", &db.url, "--as", "alice", "--now", NOW, "runs", "--count"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_dir(home.path()).expect("read").next().is_none(), "nothing created under the config dir");
    // The default path under XDG_CONFIG_HOME is the one read.
    let dir = home.path().join("proofdesk");
    std::fs::create_dir_all(&dir).expect("dir");
    let text = format!("[profiles.staging]\ndb = \"{}\"\nas = \"alice\"\n", db.url);
    std::fs::write(dir.join("config.toml"), &text).expect("write");
    let before = std::fs::metadata(dir.join("config.toml")).and_then(|m| m.modified()).expect("mtime");
    let out = common::proofdesk()
        .env_remove("PROOFDESK_CONFIG")
        .env("XDG_CONFIG_HOME", home.path())
        .args(["-P", "staging", "--now", NOW, "runs", "--count"])
        .output()
        .expect("run");
    assert_eq!((code(&out), stdout(&out).trim()), (0, "1"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.join("config.toml")).expect("read"), text);
    assert_eq!(std::fs::metadata(dir.join("config.toml")).and_then(|m| m.modified()).expect("mtime"), before);
}

#[test]
fn a_profile_reconciles_as_its_operator_and_a_read_only_one_refuses() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        let cfg = Cfg::new(&with_replica(&db.url, &db.url, &db.url));
        // prod is read-only: refused, nothing written.
        let out = cfg
            .run(&[("PROOFDESK_TEST_PROD_PASSWORD", "x")], &["-P", "prod", "--now", NOW, "reconcile", "1000", "--yes"]);
        if db.label == "sqlite" {
            // A SQLite URL takes no password: the profile is refused before anything opens.
            assert_eq!(code(&out), 2, "[{}] {}", db.label, stderr(&out));
            assert!(stderr(&out).contains("password_env needs postgres:// URLs"), "{}", stderr(&out));
        } else {
            assert_eq!(code(&out), 4, "[{}] {}", db.label, stderr(&out));
        }
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);
        // staging acts as its own operator (alice), with no --as.
        let out = cfg.run(&[], &["-P", "staging", "--now", NOW, "reconcile", "1000", "--yes", "--format", "json"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        assert_eq!(json(&out)["written"], true, "[{}] {}", db.label, stdout(&out));
        let who = db.text(
            "SELECT o.handle FROM audit_log a JOIN operators o ON o.id = a.actor_id \
             WHERE a.action = 'operation_run.reconciled'",
        );
        assert_eq!(who.as_deref(), Some("alice"), "[{}]", db.label);
        // A flag beats the profile: --as rita (read-only role in the workspace) is refused.
        let out = cfg.run(&[], &["-P", "staging", "--as", "rita", "--now", NOW, "reconcile", "1000", "--yes"]);
        assert_eq!(code(&out), 4, "[{}] rita is refused: {}", db.label, stderr(&out));
    }
}

fn info(cfg: &Cfg, env: &[(&str, &str)], args: &[&str]) -> (String, serde_json::Value) {
    let mut a = args.to_vec();
    a.push("info");
    let text = cfg.run(env, &a);
    assert_eq!(code(&text), 0, "{}", stderr(&text));
    a.extend(["--format", "json"]);
    let j = cfg.run(env, &a);
    assert_eq!(code(&j), 0, "{}", stderr(&j));
    (stdout(&text), json(&j))
}

#[test]
fn info_tells_where_things_are_and_never_a_password() {
    let db = TestDb::sqlite();
    db.load(&case("15-mixed.json"));
    let secret = "hunter2-Secret";
    let pg = "postgres://oncall@127.0.0.1:1/ops";
    let cfg = Cfg::new(&profiles(&db.url, pg));
    let (text, j) = info(&cfg, &[], &[]);
    for part in [
        format!("config:    {} (exists)", cfg.path.display()),
        "profile:   staging".to_owned(),
        format!("database:  sqlite {}", db.url.trim_start_matches("sqlite:")),
        "operator:  alice".to_owned(),
        "schema:    version ".to_owned(),
        "log file:  ".to_owned(),
        "demo data: ".to_owned(),
    ] {
        assert!(text.contains(&part), "{part:?} in:\n{text}");
    }
    assert!(text.starts_with(&format!("proofdesk: {} (commit ", env!("CARGO_PKG_VERSION"))), "{text}");
    assert_eq!(j["profile"], "staging");
    assert!(j["schema_version"].as_i64().is_some_and(|v| v >= 1), "{j}");
    assert!(Path::new(j["demo_data"].as_str().expect("path")).is_absolute());
    // prod: the password is set and goes nowhere on screen; the database is unreachable here
    // and says so on its line.
    let env = [("PROOFDESK_TEST_PROD_PASSWORD", secret)];
    let (text, j) = info(&cfg, &env, &["-P", "prod", "--verbose"]);
    assert!(text.contains("profile:   prod (production, read-only)"), "{text}");
    assert!(text.contains("database:  postgres 127.0.0.1:1/ops"), "{text}");
    assert!(text.contains("read db:   postgres replica.example:5432/ops"), "{text}");
    assert!(text.contains("password:  from $PROOFDESK_TEST_PROD_PASSWORD (set)"), "{text}");
    assert!(text.contains("schema:    unknown: "), "{text}");
    assert_eq!(j["password_env"]["set"], true);
    for out in [text, j.to_string()] {
        assert!(!out.contains(secret) && !out.contains("hunter2"), "the password leaked: {out}");
    }
    // Unset: said so, and no connection is tried with an empty password.
    let (text, _) = info(&cfg, &[], &["-P", "prod"]);
    assert!(text.contains("(not set)") && text.contains("PROOFDESK_TEST_PROD_PASSWORD, which is not set"), "{text}");
}

/// `read_db`: lists, show and assess read the replica; the transition writes to `db` (and
/// checks the proof there). Two SQLite files stand in for a primary and a replica that has not
/// caught up yet.
#[test]
fn a_replica_serves_the_reads_and_never_the_write() {
    let primary = TestDb::sqlite();
    let replica = TestDb::sqlite();
    primary.load(&case("15-mixed.json"));
    replica.load(&case("15-mixed.json"));
    let text = format!("[profiles.ops]\ndb = \"{}\"\nread_db = \"{}\"\nas = \"alice\"\n", primary.url, replica.url);
    let cfg = Cfg::new(&text);
    let out = cfg.run(&[], &["-P", "ops", "--now", NOW, "reconcile", "1000", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = "SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'";
    assert_eq!((primary.scalar(written), replica.scalar(written)), (1, 0), "the write went to db only");
    // The replica has not caught up: what the profile reads is still running.
    let status = |args: &[&str]| {
        let out = cfg.run(&[], args);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        json(&out)["status"].as_str().map(str::to_owned)
    };
    let read = status(&["-P", "ops", "--now", NOW, "assess", "1000", "--format", "json"]);
    let direct = status(&["--db", &primary.url, "--as", "alice", "--now", NOW, "assess", "1000", "--format", "json"]);
    assert_eq!((read.as_deref(), direct.as_deref()), (Some("running"), Some("completed")));
    // info says where reads go.
    let out = cfg.run(&[], &["-P", "ops", "info"]);
    assert!(stdout(&out).contains("read db:   sqlite "), "{}", stdout(&out));
}

/// The password reaches the connection and nothing else: not the error line, not `-v`'s
/// detail, in either spelling (as given, or percent-encoded in the URL).
#[test]
fn a_failed_connect_never_shows_the_password() {
    let secret = "hunter2/Secret@x";
    let cfg = Cfg::new(
        "[profiles.pw]\ndb = \"postgres://oncall@127.0.0.1:1/ops\"\nas = \"alice\"\npassword_env = \"PROOFDESK_TEST_PROD_PASSWORD\"\n",
    );
    for args in [&["-P", "pw", "-v", "runs"][..], &["-P", "pw", "-v", "db", "migrate"][..]] {
        let out = cfg.run(&[("PROOFDESK_TEST_PROD_PASSWORD", secret)], args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_ne!(code(&out), 0, "{all}");
        assert!(all.contains("127.0.0.1:1"), "the error names the database: {all}");
        for leak in ["hunter2", "Secret", "%2F"] {
            assert!(!all.contains(leak), "{leak} leaked: {all}");
        }
    }
}
