//! The dependency rule and the one-writer rule, read from the source.
//!
//! - The core crate (`crates/proofdesk-core`, re-exported as `domain`) names no I/O crate in
//!   its manifest and no std I/O in its source.
//! - The TUI and the command line never import the store or sqlx, and never call `assess`.
//! - Only `src/service/reconcile.rs` writes `operation_runs` status, outcome, timestamps,
//!   context or summary counts. The compiler holds it first: the write is reachable only
//!   through `Tx::complete_run`, which asks for a `service::Transition` that only the transition
//!   module can make, and takes its statement from that key (each engine's `complete_run` only
//!   adds its instant comparison and the audit and notification rows). These tests hold it a
//!   second time: no other file holds an `UPDATE operation_runs` or names those columns in an
//!   UPDATE's SET list, and only the transition module makes a `Transition`.
//! - No engine branch outside the store's engine modules.
//! - The product holds no bench: `crates/proofdesk-bench` measures it from outside.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Source text without `//` comments, upper-cased and with whitespace collapsed, so that
/// `UPDATE\n   operation_runs` or lower-case SQL cannot slip past.
fn normalized(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("read source");
    let code: Vec<&str> = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect();
    code.join(" ").split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

#[test]
fn only_the_transition_module_updates_operation_runs() {
    let allowed = src().join("service").join("reconcile.rs");
    let mut writers = Vec::new();
    for file in rust_files(&src()) {
        let code = normalized(&file);
        let updates = code.contains("UPDATE OPERATION_RUNS") || code.contains("UPDATE \"OPERATION_RUNS\"");
        if updates && file != allowed {
            writers.push(file.display().to_string());
        }
    }
    assert!(writers.is_empty(), "files other than service/reconcile.rs update operation_runs: {writers:?}");
    assert!(
        normalized(&allowed).contains("UPDATE OPERATION_RUNS SET STATUS"),
        "the transition module must own the write"
    );
    let tx = normalized(&src().join("store").join("tx.rs"));
    assert!(
        tx.contains("PUB ASYNC FN COMPLETE_RUN(&MUT SELF, KEY: &TRANSITION,") && tx.contains("KEY.UPDATE_STATEMENT()"),
        "Tx::complete_run asks for the transition's key and takes the statement from it"
    );
}

#[test]
fn only_the_transition_module_makes_the_key() {
    let transition = src().join("service").join("reconcile.rs");
    assert!(normalized(&transition).contains("PUB STRUCT TRANSITION(());"), "the key's field is private");
    for file in rust_files(&src()) {
        if file == transition {
            continue;
        }
        let code = normalized(&file);
        assert!(!code.contains("TRANSITION(("), "{} makes a Transition", file.display());
    }
}

#[test]
fn no_other_file_sets_the_transition_columns() {
    let allowed = src().join("service").join("reconcile.rs");
    for file in rust_files(&src()) {
        if file == allowed {
            continue;
        }
        let code = normalized(&file);
        for col in
            ["SET STATUS", "SET OUTCOME", "SET SUMMARY_COUNTS", "SET CONTEXT", "SET COMPLETED_AT", "SET STARTED_AT"]
        {
            assert!(!code.contains(col), "{} contains `{col}`: only service/reconcile.rs may write it", file.display());
        }
    }
}

/// What differs between the engines lives in their modules (`src/store/sqlite.rs`,
/// `src/store/postgres.rs`) behind `store::Engine`'s dialect; the store's own files dispatch to
/// them. Nothing above the store asks which engine it talks to.
#[test]
fn no_engine_branch_outside_the_store() {
    let store = src().join("store");
    let mut files = rust_files(&src());
    files.extend(rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("crates")));
    for file in files {
        if file.starts_with(&store) || file == src().join("store.rs") {
            continue;
        }
        let code = normalized(&file);
        for branch in ["ENGINE::POSTGRES", "ENGINE() ==", "== ENGINE::", "MATCH ENGINE", ".ENGINE() {"] {
            assert!(!code.contains(branch), "{} branches on the engine (`{branch}`)", file.display());
        }
    }
}

fn core() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates").join("proofdesk-core")
}

/// The compiler holds this line (the core crate cannot name a crate its manifest lacks); this
/// test holds the manifest, and the std I/O the manifest cannot forbid.
#[test]
fn the_core_crate_is_pure() {
    let manifest: toml::Table = fs::read_to_string(core().join("Cargo.toml"))
        .expect("read core manifest")
        .parse()
        .expect("core manifest is TOML");
    let deps: Vec<&String> = ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|t| manifest.get(*t).and_then(toml::Value::as_table))
        .flat_map(toml::Table::keys)
        .collect();
    assert!(!deps.is_empty(), "the core manifest lists its dependencies");
    for banned in ["sqlx", "tokio", "futures", "ratatui", "crossterm", "proofdesk"] {
        assert!(
            !deps.iter().any(|d| d.as_str() == banned),
            "proofdesk-core depends on {banned}: the core must stay pure"
        );
    }
    let files = rust_files(&core().join("src"));
    assert!(files.len() >= 6, "the core's sources are where this test looks");
    for file in files {
        let text = fs::read_to_string(&file).expect("read source");
        for banned in ["std::fs", "std::net", "std::io", "std::process", "std::env", "Utc::now", "SystemTime"] {
            assert!(!text.contains(banned), "{} mentions {banned}: the core must stay pure", file.display());
        }
    }
}

#[test]
fn only_the_clock_reads_the_system_time() {
    let clock = src().join("service").join("clock.rs");
    for file in rust_files(&src()) {
        if file == clock {
            continue;
        }
        let text = fs::read_to_string(&file).expect("read source");
        assert!(!text.contains("Utc::now()"), "{} reads the system clock; take it from service::Clock", file.display());
    }
}

#[test]
fn the_tui_and_the_command_line_talk_to_the_service_only() {
    let mut files = rust_files(&src().join("tui"));
    files.extend(rust_files(&src().join("cli")));
    files.extend([src().join("tui.rs"), src().join("cli.rs"), src().join("main.rs")]);
    for file in files.into_iter().filter(|f| f.exists()) {
        // The proof rules' `assess(`, not the service's `service.assess(`.
        let text = fs::read_to_string(&file).expect("read source").replace(".assess(", ".<service>(");
        for banned in ["crate::store", "proofdesk::store", "sqlx", "assess("] {
            assert!(
                !text.contains(banned),
                "{} uses {banned}: the console and the command line go through the service",
                file.display()
            );
        }
    }
}

#[test]
fn sql_is_never_built_from_values_with_format() {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates").join("proofdesk-bench").join("src");
    for file in rust_files(&src()).into_iter().chain(rust_files(&bench)) {
        let text = fs::read_to_string(&file).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            // Table and column names (never values) may be formatted in, when said so.
            let marked = |l: &str| l.contains("identifiers only");
            if marked(line) || (n > 0 && marked(lines[n - 1])) {
                continue;
            }
            let l = line.to_uppercase();
            let sqlish = l.contains("SELECT ")
                || l.contains("INSERT INTO")
                || l.contains("UPDATE ")
                || l.contains("DELETE FROM");
            assert!(
                !(sqlish && line.contains("format!(")),
                "{}:{} builds SQL with format!: bind values instead",
                file.display(),
                n + 1
            );
        }
    }
}

/// An installed binary never reads or writes the folder it was built in: no path in the
/// product is compiled in from the build checkout.
#[test]
fn the_product_never_names_its_build_checkout() {
    for file in rust_files(&src()) {
        let code = normalized(&file);
        assert!(
            !code.contains("CARGO_MANIFEST_DIR"),
            "{} compiles in the build checkout's path: installed binaries would write there",
            file.display()
        );
    }
}

/// Lints are design: a lint is turned off for the workspace in Cargo.toml with its reason, or
/// at one place with `#[expect(…, reason = "…")]` (which warns once the reason is gone), never
/// with a bare `#[allow(clippy::…)]`.
#[test]
fn no_bare_clippy_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = rust_files(&root.join("src"));
    files.extend(rust_files(&root.join("crates")));
    files.extend(rust_files(&root.join("tests")));
    files.extend(rust_files(&root.join("benches")));
    let mut bare = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("#[allow(clippy::") || l.starts_with("#![allow(clippy::") {
                bare.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    assert!(bare.is_empty(), "bare clippy allows (use #[expect(…, reason = \"…\")]): {bare:?}");
}

/// The demo generator decides what the demo holds (it runs the proof rules) and writes through
/// the store's public API: it lives in `src/demo`, and nothing under `src/store` assesses.
#[test]
fn the_store_holds_no_demo_generator() {
    let mut files = rust_files(&src().join("store"));
    files.push(src().join("store.rs"));
    for file in files {
        let text = fs::read_to_string(&file).expect("read source");
        for banned in ["assess(", "crate::demo"] {
            assert!(!text.contains(banned), "{} uses {banned}: the demo generator lives in src/demo", file.display());
        }
    }
    assert!(src().join("demo.rs").is_file(), "the demo generator's module is src/demo.rs");
}

/// The bench is its own crate and binary (`crates/proofdesk-bench`): the product's library
/// and binary carry no bench module, no `bench` subcommand, and no `*_recorded` twin of a
/// real function; the one observation hook is `store::StatementLog`.
#[test]
fn the_product_holds_no_bench() {
    assert!(!src().join("bench.rs").exists() && !src().join("bench").exists(), "src/bench* is back");
    for file in rust_files(&src()) {
        let code = normalized(&file);
        for banned in ["MOD BENCH", "CRATE::BENCH", "PROOFDESK_BENCH", "_RECORDED(", "FETCH_UNDECODED"] {
            assert!(!code.contains(banned), "{} holds bench code ({banned})", file.display());
        }
    }
    let cli = normalized(&src().join("cli.rs"));
    assert!(!cli.contains("BENCH("), "src/cli.rs has a bench subcommand");
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates").join("proofdesk-bench");
    let manifest = fs::read_to_string(bench.join("Cargo.toml")).expect("read the bench manifest");
    assert!(manifest.contains("proofdesk = { path = \"../..\" }"), "the bench depends on the product's library");
}
