//! The command line from outside: every shared case's verdict on both engines, filters and
//! formats, raw payload masking, bad input, and batch reconciliation.

mod common;

use common::{case, code, json, stderr, stdout, TestDb, NOW};
use serde_json::json;

#[test]
fn every_shared_case_gets_its_expected_verdict() {
    let dir = case("");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("cases").flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 19, "the shared cases are there");
    for db_kind in ["sqlite", "postgres"] {
        for file in &files {
            let db = if db_kind == "sqlite" {
                TestDb::sqlite()
            } else {
                match TestDb::postgres() {
                    Some(db) => db,
                    None => break,
                }
            };
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("json");
            let e = &doc["expect"];
            db.load(file);
            let run = e["run"].to_string();
            let out = db.run(&[
                "--as",
                e["as"].as_str().expect("as"),
                "--now",
                e["now"].as_str().expect("now"),
                "--stale-after",
                e["stale_after"].as_str().expect("stale_after"),
                "assess",
                &run,
                "--format",
                "json",
            ]);
            assert_eq!(code(&out), 0, "[{db_kind}] {}: {}", file.display(), stderr(&out));
            let got = json(&out);
            for k in ["decision", "reason_code", "findings", "final", "proof_decision", "drift"] {
                if let Some(want) = e.get(k) {
                    assert_eq!(&got[k], want, "[{db_kind}] {} {k}", file.display());
                }
            }
        }
    }
}

#[test]
fn runs_lists_filters_and_formats() {
    for db in TestDb::all() {
        db.load(&case("15-mixed.json"));
        let base = ["--as", "alice", "--now", NOW, "runs"];
        let args = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| (*s).to_owned()).collect() };
        let run = |a: Vec<String>| db.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
        let all = json(&run(args(&["--format", "json"])));
        let rows = all.as_array().expect("array");
        assert_eq!(rows.len(), 1, "[{}]", db.label);
        for k in [
            "id",
            "type",
            "workspace",
            "environment",
            "status",
            "outcome",
            "decision",
            "reason_code",
            "drift",
            "stale",
            "created_at",
            "updated_at",
        ] {
            assert!(rows[0].get(k).is_some(), "[{}] missing key {k}", db.label);
        }
        assert_eq!(rows[0]["decision"], json!("partially_succeeded"));
        assert_eq!(rows[0]["stale"], json!(true));

        let count =
            |extra: &[&str]| json(&run(args(&[extra, &["--format", "json"]].concat()))).as_array().map_or(0, Vec::len);
        assert_eq!(count(&["--decision", "partially_succeeded"]), 1);
        assert_eq!(count(&["--decision", "succeeded"]), 0);
        assert_eq!(count(&["--decision", "succeeded", "--decision", "partially_succeeded"]), 1, "repeats mean any of");
        assert_eq!(count(&["--status", "running"]), 1);
        assert_eq!(count(&["--status", "completed"]), 0);
        assert_eq!(count(&["--environment", "Contoso Prod"]), 1);
        assert_eq!(count(&["--environment", "11"]), 0);
        assert_eq!(count(&["--workspace", "contoso"]), 1);
        assert_eq!(count(&["--stale"]), 1);
        assert_eq!(count(&["--search", "iOS Compl"]), 1, "policy names are searched");
        assert_eq!(count(&["--search", "contoso.onmicrosoft"]), 1, "tenant refs are searched");
        assert_eq!(count(&["--search", "1000"]), 1, "run ids are searched");
        assert_eq!(count(&["--search", "%"]), 0, "LIKE metacharacters are data");
        assert_eq!(count(&["--search", "'; DROP TABLE operation_runs; --"]), 0);
        assert_eq!(count(&["--type", "backup.capture"]), 0);
        assert_eq!(count(&["--type", "any"]), 1);
        assert_eq!(count(&["--since", "2026-11-21"]), 0);
        assert_eq!(count(&["--until", "2026-11-21"]), 1);

        // The console's filter language, and the count of what it matches.
        assert_eq!(count(&["--filter", "status:running stale"]), 1);
        assert_eq!(count(&["--filter", "status:completed"]), 0);
        assert_eq!(count(&["--filter", r#"env:"Contoso Prod" "iOS Compl""#]), 1);
        assert_eq!(count(&["--filter", "type:backup.capture"]), 0, "the text names its own types");
        assert_eq!(count(&["--filter", "type:any status:running"]), 1);
        assert_eq!(count(&["--filter", "status:running", "--status", "completed"]), 1, "flags add values: any of");
        assert_eq!(count(&["--filter", "decision:succeeded", "--decision", "partially_succeeded"]), 1);
        let n = |extra: &[&str]| stdout(&run(args(&[extra, &["--count"]].concat()))).trim().to_owned();
        assert_eq!(n(&[]), "1", "[{}]", db.label);
        assert_eq!(
            n(&["--filter", "status:running stale decision:partially_succeeded"]),
            "1",
            "[{}] a verdict filter counts exactly",
            db.label
        );
        assert_eq!(n(&["--filter", "status:running stale gap"]), "0", "[{}] mixed outcomes are no gap", db.label);
        assert_eq!(n(&["--filter", "decision:succeeded"]), "0", "[{}]", db.label);
        assert_eq!(n(&["--status", "completed"]), "0", "[{}]", db.label);
        let bad = run(args(&["--filter", "status:runing"]));
        assert_eq!(code(&bad), 2, "[{}] a bad filter is bad input", db.label);
        assert_eq!(stderr(&bad).trim().lines().count(), 1, "[{}] one line: {}", db.label, stderr(&bad));
        assert!(stderr(&bad).contains("--filter: status: unknown status"), "[{}] {}", db.label, stderr(&bad));
        let both = run(args(&["--count", "--format", "json"]));
        assert_eq!(code(&both), 2, "[{}] --count prints a number, not a format", db.label);

        let nd = run(args(&["--format", "ndjson"]));
        assert_eq!(stdout(&nd).lines().count(), 1);
        let table = stdout(&run(args(&["--wide"])));
        assert!(table.contains("partially_succeeded") && table.contains("mixed_item_outcomes"), "{table}");
        assert!(table.ends_with("\n1 run\n"), "one run, said in the singular: {table}");
        // Not a terminal: 80 columns (or $COLUMNS), the verdict kept and cut last.
        for columns in ["80", "60"] {
            let a = args(&[]);
            let out = db.command(&a.iter().map(String::as_str).collect::<Vec<_>>()).env("COLUMNS", columns).output();
            let fitted = stdout(&out.expect("run proofdesk"));
            let widest = fitted.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest <= columns.parse().expect("number"), "[{}] fits {columns} columns:\n{fitted}", db.label);
            assert!(fitted.contains("VERDICT") && fitted.contains("◐ partially"), "{fitted}");
        }
    }
}

#[test]
fn the_gap_filter_finds_proof_gaps_and_drift() {
    for db in TestDb::all() {
        db.load(&case("16-evidence-missing.json"));
        let n = |extra: &[&str]| {
            let mut v = vec!["--as", "alice", "--now", NOW, "runs", "--format", "json"];
            v.extend_from_slice(extra);
            json(&db.run(&v)).as_array().map_or(0, Vec::len)
        };
        assert_eq!(n(&["--gap"]), 1, "[{}] missing evidence is a gap", db.label);
    }
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let out = db.run(&["--as", "alice", "--now", NOW, "runs", "--gap", "--format", "json"]);
        assert_eq!(json(&out), json!([]), "[{}] complete proof has no gap", db.label);
    }
}

#[test]
fn the_drift_filter_finds_recorded_successes_the_proof_no_longer_supports() {
    for db in TestDb::all() {
        db.load(&case("02-already-terminal-drift.json"));
        let n = |extra: &[&str]| {
            let mut v = vec!["--as", "alice", "--now", NOW, "runs", "--format", "json"];
            v.extend_from_slice(extra);
            let out = db.run(&v);
            assert_eq!(code(&out), 0, "[{}] {extra:?}: {}", db.label, stderr(&out));
            json(&out).as_array().cloned().unwrap_or_default()
        };
        let drifting = n(&["--drift"]);
        assert_eq!(drifting.len(), 1, "[{}] the overclaimed success drifts", db.label);
        assert_eq!(drifting[0]["drift"], json!(true));
        assert_eq!(n(&["--drift", "--status", "running"]).len(), 0, "[{}] only completed runs drift", db.label);
        assert_eq!(n(&["--drift", "--outcome", "failed"]).len(), 0, "[{}] only recorded successes drift", db.label);
        assert_eq!(n(&["--drift", "--stale"]).len(), 0, "[{}] a stale run is open, never drifting", db.label);
        assert_eq!(n(&["--drift", "--type", "backup.capture"]).len(), 0, "[{}] only restores drift", db.label);
        assert_eq!(n(&["--drift", "--status", "completed", "--type", "any"]).len(), 1, "[{}]", db.label);
    }
    // The complete proof of case 19, recorded as a success: nothing drifts.
    let dir = tempfile::tempdir().expect("dir");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("19-proof-complete.json")).expect("read")).expect("json");
    doc["operation_runs"][0]["status"] = json!("completed");
    doc["operation_runs"][0]["outcome"] = json!("succeeded");
    doc["operation_runs"][0]["completed_at"] = json!("2026-11-20T10:00:00Z");
    let file = dir.path().join("supported.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    for db in TestDb::all() {
        db.load(&file);
        let all = db.run(&["--as", "alice", "--now", NOW, "runs", "--status", "completed", "--format", "json"]);
        assert_eq!(json(&all).as_array().map_or(0, Vec::len), 1, "[{}] the completed run is listed", db.label);
        let out = db.run(&["--as", "alice", "--now", NOW, "runs", "--drift", "--format", "json"]);
        assert_eq!(json(&out), json!([]), "[{}] a success the proof supports does not drift", db.label);
    }
}

#[test]
fn show_hides_payloads_unless_raw_and_masks_secrets_then() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().expect("dir");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("15-mixed.json")).expect("read")).expect("json");
    doc["restore_items"][1]["provider_payload"] =
        json!({"status": 400, "client_secret": "hunter2", "headers": {"Authorization": "Bearer abc.def"}});
    let file = dir.path().join("payload.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    db.load(&file);
    for format in ["text", "json"] {
        let plain = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", format]);
        assert_eq!(code(&plain), 0, "{}", stderr(&plain));
        assert!(!stdout(&plain).contains("hunter2") && !stdout(&plain).contains("client_secret"), "{format}");
        let raw = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", format, "--raw"]);
        let text = stdout(&raw);
        assert!(text.contains("client_secret") && text.contains("••••"), "{format}: {text}");
        assert!(!text.contains("hunter2") && !text.contains("abc.def"), "{format}: secrets leaked");
    }
    // The items table: a header, and every column starting where its header does.
    let text = stdout(&db.run(&["--as", "alice", "--now", NOW, "show", "1000"]));
    let lines: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("Items (")).skip(1).collect();
    let header = lines.first().copied().unwrap_or_default();
    assert!(header.trim_start().starts_with("ID  OUTCOME"), "{text}");
    let name_at = header.find("NAME").expect("NAME column");
    let items: Vec<&str> = lines[1..]
        .iter()
        .copied()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .collect();
    assert!(items.len() >= 2, "{text}");
    for l in items {
        // The byte where the line is as wide as the header up to NAME.
        let at = l.char_indices().map(|(i, _)| i).find(|i| unicode_width::UnicodeWidthStr::width(&l[..*i]) == name_at);
        let at = at.unwrap_or_else(|| panic!("NAME column in {l:?}:\n{text}"));
        assert!(l[..at].ends_with("  ") && !l[at..].starts_with(' '), "NAME aligned in {l:?}:\n{text}");
    }
    for cmd in [&["assess", "1000", "--format", "json"][..], &["runs", "--format", "json"][..]] {
        let mut args = vec!["--as", "alice", "--now", NOW];
        args.extend_from_slice(cmd);
        assert!(!stdout(&db.run(&args)).contains("hunter2"));
    }
}

#[test]
fn bad_input_gets_one_line_and_the_contract_code() {
    let db = TestDb::sqlite();
    db.load(&case("19-proof-complete.json"));
    let cases: &[(&[&str], i32, &str)] = &[
        (&["--as", "alice", "assess", "abc"], 2, ""),
        (&["--as", "alice", "--stale-after", "soon", "assess", "1000"], 2, "duration"),
        (&["--as", "alice", "--now", "yesterday", "assess", "1000"], 2, "RFC 3339"),
        (
            &["--as", "alice", "runs", "--status", "runing"],
            2,
            "'runing' for '--status <STATUSES>' (one of queued, running, completed)",
        ),
        (
            &["--as", "alice", "runs", "--outcome", "ok"],
            2,
            "(one of pending, succeeded, partially_succeeded, blocked, failed, cancelled)",
        ),
        (
            &["--as", "alice", "runs", "--decision", "done"],
            2,
            "'done' for '--decision <DECISIONS>' (one of not_reconciled, succeeded",
        ),
        (&["--as", "alice", "runs", "--since", "whenever"], 2, "whenever"),
        (&["--as", "alice", "reconcile", "1000", "--expect", "maybe", "--yes"], 2, "maybe"),
        (&["--as", "ghost", "assess", "1000"], 2, "--as"),
        (&["assess", "1000"], 2, "--as"),
    ];
    for (args, want, needle) in cases {
        let out = db.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
        assert_eq!(stderr(&out).lines().count(), 1, "{args:?}: one line: {}", stderr(&out));
    }
}

/// Closed sets come from the core's vocabularies, so `--help` lists exactly the contract's values.
#[test]
fn help_lists_the_closed_values() {
    let out = common::proofdesk().args(["runs", "--help"]).output().expect("run");
    let help = stdout(&out);
    assert!(help.contains("[possible values: queued, running, completed]"), "{help}");
    assert!(
        help.contains("[possible values: not_reconciled, succeeded, partially_succeeded, blocked, failed]"),
        "{help}"
    );
}

#[test]
fn databases_that_cannot_be_used_say_how_to_fix_it() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = format!("sqlite:{}", dir.path().join("nope.sqlite").display());
    let run = |args: &[&str]| common::proofdesk().args(args).output().expect("run");
    let out = run(&["--db", &missing, "--as", "alice", "runs"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("db migrate"), "says how to create it: {}", stderr(&out));
    assert!(!dir.path().join("nope.sqlite").exists(), "no silently new empty database");

    let out = run(&["--db", &missing, "db", "migrate"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(dir.path().join("nope.sqlite").exists(), "db commands create the file");

    let no_dir = format!("sqlite:{}", dir.path().join("no/such/dir/x.sqlite").display());
    let out = run(&["--db", &no_dir, "db", "migrate"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);

    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(&corrupt, b"this is not a database, just text that is long enough to look like a header")
        .expect("write");
    let out = run(&["--db", &format!("sqlite:{}", corrupt.display()), "--as", "alice", "runs"]);
    assert_ne!(code(&out), 0);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    let out = run(&["--db", "mysql://root@localhost/x", "--as", "alice", "runs"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    let out = run(&["--db", "postgres://bob:hunter2@127.0.0.1:1/x", "--as", "alice", "runs"]);
    assert_ne!(code(&out), 0);
    assert!(!stderr(&out).contains("hunter2"), "password leaked: {}", stderr(&out));
}

#[test]
fn batch_reconciliation_reports_every_run() {
    for db in TestDb::all() {
        db.load(&case("19-proof-complete.json"));
        let dry = db.run(&["--as", "alice", "--now", NOW, "reconcile", "--stale", "--dry-run", "--format", "json"]);
        assert_eq!(code(&dry), 0, "[{}] {}", db.label, stderr(&dry));
        let report = json(&dry);
        assert_eq!(report["would_write"], json!(1));
        assert_eq!(report["written"], json!(0));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation_run.reconciled'"), 0);

        let refused = db.run(&["--as", "alice", "--now", NOW, "--read-only", "reconcile", "--stale", "--yes"]);
        assert_eq!(code(&refused), 4);

        let done = db.run(&["--as", "alice", "--now", NOW, "reconcile", "--stale", "--yes", "--format", "json"]);
        assert_eq!(code(&done), 0, "[{}] {}", db.label, stderr(&done));
        let report = json(&done);
        assert_eq!(report["written"], json!(1), "[{}] {report}", db.label);
        assert_eq!(report["runs"][0]["operation_run_id"], json!(1000));
        assert_eq!(report["runs"][0]["result"], json!("written"));

        let again = db.run(&["--as", "alice", "--now", NOW, "reconcile", "--stale", "--yes", "--format", "json"]);
        assert_eq!(json(&again)["written"], json!(0), "nothing stale is left");
    }
}

#[test]
fn redact_masks_tenant_refs_and_operator_names() {
    let db = TestDb::sqlite();
    db.load(&case("19-proof-complete.json"));
    let plain = stdout(&db.run(&["--as", "alice", "--now", NOW, "show", "1000"]));
    assert!(plain.contains("contoso.onmicrosoft.com") && plain.contains("alice"), "{plain}");
    for format in ["text", "json"] {
        let out = db.run(&["--as", "alice", "--now", NOW, "--redact", "show", "1000", "--format", format]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.contains("onmicrosoft.com") && !text.contains("alice"), "{format}: {text}");
        assert!(text.contains("tenant-") && text.contains("operator-"), "{format}: stable pseudonyms shown");
    }
}

#[test]
fn the_console_refuses_clearly_without_a_usable_terminal() {
    let db = TestDb::sqlite();
    db.load(&case("19-proof-complete.json"));
    let out = db.command(&["--as", "alice"]).stdin(std::process::Stdio::null()).output().expect("run");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("needs a terminal"), "{}", stderr(&out));
    let out = db.command(&["--as", "alice", "--theme", "no-such-theme"]).output().expect("run");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = common::proofdesk().args(["completions", shell]).output().expect("run");
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for flag in ["drift", "filter", "count", "stale-after"] {
            // fish spells a long flag `-l drift`, the others `--drift`.
            let spelled = if shell == "fish" { format!("-l {flag}") } else { format!("--{flag}") };
            assert!(script.contains(&spelled), "{shell} completes {spelled}");
        }
        assert!(script.contains("seed-demo"), "{shell} completes subcommands");
    }
    let man = common::proofdesk().arg("man").output().expect("run");
    assert_eq!(code(&man), 0, "{}", stderr(&man));
    let page = stdout(&man);
    assert!(page.starts_with(".ie") || page.contains(".TH proofdesk"), "a roff page: {}", &page[..page.len().min(200)]);
    for word in ["reconcile", "completions", "\\-\\-read\\-only"] {
        assert!(page.contains(word), "the page names {word}");
    }
    let bad = common::proofdesk().args(["completions", "tcsh"]).output().expect("run");
    assert_eq!(code(&bad), 2, "an unknown shell is bad usage");
    assert_eq!(stderr(&bad).trim().lines().count(), 1, "one line: {}", stderr(&bad));
}

#[test]
fn show_as_markdown_is_a_ticket_note_with_the_reconciliation() {
    let dir = tempfile::tempdir().expect("dir");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("15-mixed.json")).expect("read")).expect("json");
    doc["restore_items"][0]["policy_name"] = json!("[click](http://evil) | *bold* <b>\u{1b}[31m");
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    for db in TestDb::all() {
        db.load(&file);
        let show = |db: &TestDb| {
            let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", "markdown"]);
            assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
            stdout(&out)
        };
        let before = show(&db);
        assert!(before.starts_with("## Operation run 1000 · restore.execute\n"), "[{}] {before}", db.label);
        for part in [
            "**Verdict:**",
            "### Proof checklist",
            "| id | outcome | type | policy | error |",
            "### Post-run evidence",
            "### Audit trail",
        ] {
            assert!(before.contains(part), "[{}] has {part}: {before}", db.label);
        }
        assert!(!before.contains("### Reconciliation"), "[{}] nothing reconciled yet", db.label);
        assert!(
            before.contains(r"\[click\](http://evil) \| \*bold\* \<b\>"),
            "[{}] markdown is data: {before}",
            db.label
        );
        assert!(!before.contains('\u{1b}'), "[{}] no escape reaches the terminal", db.label);

        let done = db.run(&["--as", "alice", "reconcile", "1000", "--yes", "--note", "INC-4711 `rm`"]);
        assert_eq!(code(&done), 0, "[{}] {}", db.label, stderr(&done));
        let after = show(&db);
        assert!(after.contains("### Reconciliation"), "[{}] {after}", db.label);
        assert!(after.contains("- note: INC-4711 \\`rm\\`"), "[{}] the note, escaped: {after}", db.label);
        assert!(after.contains("- wrote **partially_succeeded** (`mixed_item_outcomes`)"), "[{}] {after}", db.label);
        assert!(after.contains("- by "), "[{}] who: {after}", db.label);
        // The text form says the same as lines, not as raw JSON.
        let text = stdout(&db.run(&["--as", "alice", "--now", NOW, "show", "1000"]));
        assert!(text.contains("  reconciled   by "), "[{}] {text}", db.label);
        assert!(text.contains("wrote partially_succeeded (mixed_item_outcomes)"), "[{}] {text}", db.label);
        assert!(text.contains("note  INC-4711 `rm`"), "[{}] {text}", db.label);
        assert!(!text.contains("\"reconciled_at\""), "[{}] no raw JSON: {text}", db.label);
    }
}
