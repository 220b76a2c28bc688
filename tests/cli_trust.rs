//! Trust at first contact: a closed pipe ends quietly, one time syntax with range checks,
//! bounded filter values, sanitized success lines, a bounded theme read, and a `runs` table
//! aligned by display width.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use common::{case, code, json, stale_runs_doc, stderr, stdout, write_doc, TestDb, NOW, STALE_FIRST};
use unicode_width::UnicodeWidthStr;

/// What a clean end looks like on stderr: no broken-pipe report, no panic, no backtrace.
fn assert_quiet(what: &str, err: &str) {
    for bad in ["Broken pipe", "os error 32", "panicked", "backtrace", "SIGABRT"] {
        assert!(!err.contains(bad), "{what}: stderr says {bad:?}: {err}");
    }
}

/// A demo-like database (the demo scenarios plus 1,000 synthetic runs: a `runs` table of
/// about 125 KB, more than a pipe holds) and, beside it, a run (`STALE_FIRST`) with 3,000 items
/// so that its `show` is about 300 KB.
fn big_outputs() -> (TestDb, TestDb) {
    let demo = TestDb::sqlite();
    let out = demo.run(&["db", "seed-demo", "--runs", "1000"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let many = TestDb::sqlite();
    let mut doc = stale_runs_doc(1);
    let items = doc["restore_items"].as_array_mut().expect("items");
    for k in 0..3000 {
        items.push(serde_json::json!({
            "id": 20_000_000 + k, "restore_run_id": 1_000_000, "policy_type": "settingsCatalog",
            "policy_name": format!("Bulk Policy {k}"), "outcome": "applied",
        }));
    }
    let dir = tempfile::tempdir().expect("dir");
    many.load(&write_doc(dir.path(), "many.json", &doc));
    (demo, many)
}

/// The commands whose output is larger than a pipe holds, each with the database it reads.
fn big_commands<'a>(demo: &'a TestDb, many: &'a TestDb) -> Vec<(&'a TestDb, Vec<String>)> {
    let first = STALE_FIRST.to_string();
    let v = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (demo, v(&["runs", "--type", "any", "--limit", "2000"])),
        (demo, v(&["runs", "--type", "any", "--limit", "2000", "--format", "json"])),
        (demo, v(&["runs", "--type", "any", "--limit", "2000", "--format", "ndjson"])),
        (many, v(&["--as", "alice", "--now", NOW, "show", &first])),
        (many, v(&["--as", "alice", "--now", NOW, "show", &first, "--format", "json"])),
    ]
}

#[test]
fn a_reader_that_stops_after_one_line_ends_the_command_quietly_with_exit_0() {
    let (demo, many) = big_outputs();
    for (db, args) in big_commands(&demo, &many) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child =
            db.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn proofdesk");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("first line");
        assert!(!first.is_empty(), "{args:?}: a first line");
        // The reader is dropped here: the rest of the output meets a closed pipe.
        let mut err = String::new();
        child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{args:?}: ended by {status:?}; stderr: {err}");
        assert_quiet(&format!("{args:?}"), &err);
    }
}

#[test]
fn stdout_and_stderr_on_one_closed_pipe_never_abort() {
    // `proofdesk … 2>&1 | head -1`: both streams on one pipe whose reader leaves.
    let (demo, many) = big_outputs();
    for (db, args) in big_commands(&demo, &many) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (reader, writer) = std::io::pipe().expect("pipe");
        let mut cmd = db.command(&args);
        cmd.stdout(writer.try_clone().expect("clone")).stderr(writer);
        let mut child = cmd.spawn().expect("spawn proofdesk");
        drop(cmd);
        let mut first = String::new();
        BufReader::new(reader).read_line(&mut first).expect("first line");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{args:?}: ended by {status:?} (134 is an abort)");
    }
}

#[test]
fn a_closed_stderr_keeps_the_exit_code_and_never_panics() {
    let db = TestDb::sqlite();
    db.load(&case("19-proof-complete.json"));
    let cases: &[(&[&str], i32)] = &[
        (&["--as", "alice", "show", "999999"], 3),
        (&["--as", "alice", "runs", "--since", "999999999999d"], 2),
        (&["--as", "alice", "runs", "--status", "runing"], 2),
        (&["--as", "alice", "--stale-after", "9223372036854775807s", "runs"], 2),
        (&["--as", "alice", "runs", "--search", &"x".repeat(50_000)], 2),
        (&["--as", "ghost", "assess", "1000"], 2),
    ];
    for (args, want) in cases {
        let mut child = db.command(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
        // Closed before the process has had a chance to write its error.
        drop(child.stderr.take());
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(*want), "{:?}: ended by {status:?}", &args[..args.len().min(4)]);
    }
}

#[test]
fn since_and_until_take_one_syntax_in_every_spelling() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        let n = |extra: &[&str]| {
            let mut v = vec!["--as", "alice", "--now", NOW, "runs", "--format", "json"];
            v.extend_from_slice(extra);
            let out = db.run(&v);
            assert_eq!(code(&out), 0, "[{}] {extra:?}: {}", db.label, stderr(&out));
            json(&out).as_array().map_or(0, Vec::len)
        };
        let all = n(&[]);
        assert_eq!(all, 1, "[{}] case 15 holds one run", db.label);
        // The run was created within the last 24 hours of NOW and long after 2026-01-01.
        for spelling in [&["--since", "-24h"][..], &["--since=-24h"], &["--since", "24h"], &["--since=1d"]] {
            assert_eq!(n(spelling), 1, "[{}] {spelling:?}", db.label);
        }
        for spelling in [&["--until", "-24h"][..], &["--until=-24h"], &["--until", "1d"], &["--until", "2026-01-01"]] {
            assert_eq!(n(spelling), 0, "[{}] {spelling:?}", db.label);
        }
        assert_eq!(n(&["--since", "2026-01-01T00:00:00Z", "--until", "2026-11-20T12:00:00+00:00"]), 1);
    }
    let help = common::proofdesk().args(["runs", "--help"]).output().expect("help");
    let text = stdout(&help);
    assert!(text.contains("-24h") && text.contains("RFC 3339") && text.contains("2026-11-20"), "{text}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(readme.contains("--since -24h") && readme.contains("since:-24h"), "the README shows the syntax");
}

/// Inputs that once panicked (exit 101) or overflowed chrono: each is one line, exit 2.
const OUT_OF_RANGE: &[&[&str]] = &[
    &["runs", "--since", "999999999999d"],
    &["runs", "--since=-999999999999d"],
    &["runs", "--since", "106751991167d"],
    &["runs", "--since", "9999999999w"],
    &["runs", "--since", "36501d"],
    &["runs", "--until", "-99999999999w"],
    &["runs", "--until", "-9223372036854775808s"],
    &["runs", "--until", "1d99999999999999999999s"],
    &["runs", "--since", "0000-12-31"],
    &["runs", "--since", "0000-01-01T00:00:00Z"],
    &["--stale-after", "9223372036854775807s", "runs", "--stale"],
    &["--stale-after", "99999999999d", "runs", "--stale"],
    &["--stale-after", "5200000w", "assess", "1000"],
    &["--now", "0000-01-01T00:00:00Z", "assess", "1000"],
    &["--now", "0001-01-01T00:00:00Z", "runs", "--since", "1d"],
    &["--now", "9999-12-31T23:59:59Z", "runs", "--until=-1s", "--since", "-36500d"],
];

#[test]
fn durations_and_times_out_of_range_are_one_line_and_exit_2() {
    let db = TestDb::sqlite();
    db.load(&case("19-proof-complete.json"));
    for args in OUT_OF_RANGE {
        let mut v = vec!["--as", "alice"];
        v.extend_from_slice(args);
        let out = db.run(&v);
        let err = stderr(&out);
        // The last one is in range (9999-12-31T23:59:59Z minus 100 years): it must work.
        if args.contains(&"--until=-1s") {
            assert_eq!(code(&out), 0, "{args:?}: {err}");
            continue;
        }
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains("too long") || err.contains("out of range"), "{args:?}: {err}");
        assert_quiet(&format!("{args:?}"), &err);
    }
    // The extremes in range: the oldest `--now` with the longest `--stale-after`.
    for args in [
        &["--now", "0001-01-01T00:00:00Z", "--stale-after", "36500d", "runs", "--stale"][..],
        &["--now", "0001-01-01T00:00:00Z", "--stale-after", "36500d", "assess", "1000"],
        &["--now", "9999-12-31T23:59:59Z", "--stale-after", "36500d", "runs", "--stale", "--gap"],
    ] {
        let mut v = vec!["--as", "alice"];
        v.extend_from_slice(args);
        let out = db.run(&v);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn long_or_many_filter_values_are_one_line_and_exit_2_on_both_engines() {
    let long = "x".repeat(50_000);
    let at_limit = "y".repeat(256);
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let base = |extra: Vec<String>| {
            let mut v: Vec<String> = ["--as", "alice", "--now", NOW, "runs"].iter().map(|s| (*s).to_owned()).collect();
            v.extend(extra);
            db.run(&v.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let repeat = |flag: &str, n: usize, value: &dyn Fn(usize) -> String| {
            (0..n).flat_map(|i| [flag.to_owned(), value(i)]).collect::<Vec<_>>()
        };
        let refused: Vec<(&str, Vec<String>, &str)> = vec![
            ("50 KB search", vec!["--search".into(), long.clone()], "search: a value of 50000 characters"),
            ("257-char search", vec!["--search".into(), "z".repeat(257)], "at most 256"),
            ("500 search terms", repeat("--search", 500, &|i| format!("t{i}")), "search: 500 values"),
            ("33,000 types", repeat("--type", 33_000, &|i| format!("t{i}")), "type: 33000 values"),
            ("33 workspaces", repeat("--workspace", 33, &|i| format!("w{i}")), "workspace: 33 values"),
            ("a long environment", vec!["--environment".into(), long.clone()], "environment:"),
            ("33 statuses", repeat("--status", 33, &|_| "running".into()), "status: 33 values"),
        ];
        for (what, extra, needle) in refused {
            let out = base(extra);
            let err = stderr(&out);
            assert_eq!(code(&out), 2, "[{}] {what}: {err}", db.label);
            assert_eq!(err.lines().count(), 1, "[{}] {what}: {err}", db.label);
            assert!(err.contains(needle), "[{}] {what}: {err}", db.label);
            assert!(!err.contains("database error"), "[{}] {what}: no driver error: {err}", db.label);
        }
        // At the limits the database answers: 32 terms of 256 characters, 32 types.
        for (what, extra) in [
            ("32 long terms", repeat("--search", 32, &|_| at_limit.clone())),
            ("32 types", repeat("--type", 32, &|i| format!("{i}{at_limit}")[..256].to_owned())),
            ("32 environments", repeat("--environment", 32, &|i| format!("{i}{at_limit}")[..256].to_owned())),
        ] {
            let out = base(extra);
            assert_eq!(code(&out), 0, "[{}] {what}: {}", db.label, stderr(&out));
            assert!(stdout(&out).contains("no runs match"), "[{}] {what}", db.label);
        }
    }
}

/// A name no terminal may act on: OSC 0 (set the window title) ended by BEL.
const HOSTILE: &str = "x\u{1b}]0;pwned\u{7}y";

#[test]
fn every_line_that_echoes_a_path_is_sanitized() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join(format!("case{HOSTILE}.json"));
    std::fs::copy(case("19-proof-complete.json"), &file).expect("copy");
    let db_path = dir.path().join(format!("db{HOSTILE}.sqlite"));
    let url = format!("sqlite:{}", db_path.display());
    let demo_url = format!("sqlite:{}", dir.path().join(format!("demo{HOSTILE}.sqlite")).display());
    let run_on = |url: &str, args: &[&str]| common::proofdesk().arg("--db").arg(url).args(args).output().expect("run");
    let run = |args: &[&str]| run_on(&url, args);
    let file_arg = file.to_str().expect("utf-8");
    let missing = dir.path().join(format!("missing{HOSTILE}.json"));
    let theme = dir.path().join(format!("theme{HOSTILE}.toml"));
    std::fs::write(&theme, "gapp = {}").expect("theme");
    let outputs = [
        ("db migrate", run(&["db", "migrate"]), 0),
        ("db load", run(&["db", "load", file_arg]), 0),
        ("db load missing", run(&["db", "load", missing.to_str().expect("utf-8")]), 2),
        ("db seed-demo", run_on(&demo_url, &["db", "seed-demo"]), 0),
        ("bad theme", run(&["--theme", theme.to_str().expect("utf-8")]), 2),
        ("clap value", run(&["runs", "--status", HOSTILE]), 2),
        ("bad since", run(&["--as", "alice", "runs", "--since", HOSTILE]), 2),
        ("bad duration", run(&["--stale-after", HOSTILE, "runs"]), 2),
        ("bad id", run(&["--as", "alice", "show", HOSTILE]), 2),
    ];
    for (what, out, want) in outputs {
        assert_eq!(code(&out), want, "{what}: {}", stderr(&out));
        let both = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        assert!(
            !both.contains(&0x1b) && !both.contains(&0x07),
            "{what}: a control byte reached the terminal: {both:?}"
        );
        assert!(!both.is_empty(), "{what}: says something");
    }
    assert!(stdout(&run(&["db", "migrate"])).contains("migrations applied"), "success lines still read");
}

#[test]
fn a_theme_path_is_read_with_a_bound() {
    let dir = tempfile::tempdir().expect("dir");
    let big = dir.path().join("big.toml");
    std::fs::write(&big, "# a comment line that pads the file\n".repeat(30_000)).expect("write");
    for path in ["/dev/zero", big.to_str().expect("utf-8")] {
        let out = common::proofdesk().args(["--theme", path]).stdin(Stdio::null()).output().expect("run");
        assert_eq!(code(&out), 2, "{path}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{path}: {}", stderr(&out));
        assert!(stderr(&out).contains("too large: at most 64 KiB"), "{path}: {}", stderr(&out));
    }
}

#[test]
fn the_runs_table_aligns_wide_and_combining_characters() {
    let names =
        ["東京本番環境のテナント管理グループ名前がとても長い", "🚀🔥 Prod 🧪", "Cafe\u{301}\u{301} Zu\u{308}rich"];
    for db in TestDb::all() {
        let mut doc = stale_runs_doc(3);
        for env in doc["environments"].as_array_mut().expect("environments") {
            let id = env["id"].as_i64().expect("id");
            if let Some(k) = [10, 11, 12].iter().position(|e| *e == id) {
                env["name"] = names[k].into();
            }
        }
        doc["workspaces"][0]["name"] = "契約🏢".into();
        let dir = tempfile::tempdir().expect("dir");
        db.load(&write_doc(dir.path(), "wide.json", &doc));
        // Every column (`--wide`), so each one's alignment shows.
        let out = db.run(&["--as", "alice", "--now", NOW, "runs", "--wide"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "[{}] header, 3 runs, count:\n{text}", db.label);
        // Where each column starts, in terminal cells: the same on every line.
        let header = lines[0];
        let col = |word: &str| header[..header.find(word).expect("header word")].width();
        let (status_at, outcome_at) = (col("STATUS"), col("OUTCOME"));
        for line in &lines[1..4] {
            let at = |word: &str| line[..line.find(word).expect("cell")].width();
            assert_eq!(at("running"), status_at, "[{}] STATUS column:\n{text}", db.label);
            assert_eq!(at("pending") - 2, outcome_at, "[{}] OUTCOME column:\n{text}", db.label);
            assert_eq!(line.width(), header.width(), "[{}] same width:\n{text}", db.label);
        }
        assert!(text.contains('…'), "[{}] the long CJK name is cut:\n{text}", db.label);
        assert!(text.contains("Cafe\u{301}\u{301}"), "[{}] combining marks stay with their letter", db.label);
    }
}
