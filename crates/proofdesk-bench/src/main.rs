//! `proofdesk-bench`: proofdesk's hot paths on a large database, each figure beside its
//! reference measured in the same run, so that pass/fail is a ratio on the same machine at the
//! same moment rather than an absolute number from somewhere else. It lives outside the
//! product and measures through the library's public interface; the one hook it needs is the
//! statement log of a list (`store::StatementLog`). Results and how to read them:
//! docs/performance.md.
//!
//! - `pages`: the first page of each canonical filter against the same SQL run raw, a deep
//!   page against page 1, the match count, peak memory while scrolling the whole list;
//! - `batch`: batch reconciliation throughput, on a database of its own (it writes);
//! - `process`: the shipped binary from outside: `runs --count` end to end beside its raw
//!   statements, and an idle console's CPU (and server rows) beside an idle `sqlite3`/`psql`;
//! - `tui`: the console's frames, bytes, writes and latencies, on the console itself;
//! - `databases`: building or finding the databases; `report`: figures and their rendering.
//!
//! Timed assertions never go in tests: this reports, and the report says which goal each
//! figure meets.

mod batch;
mod databases;
mod pages;
mod process;
mod report;
mod sampling;
mod sorts;
mod tui;

use std::io::Write;
use std::process::ExitCode;

use chrono::SecondsFormat;
use clap::{Parser, ValueEnum};
use color_eyre::eyre::Result;
use proofdesk::domain::Decision;
use proofdesk::service::{Clock, OpenOptions, RunFilter, Service};
use proofdesk::store::queries::ScopeRef;

use crate::report::{BenchReport, Figure, Stat, TuiFigures};
use crate::sampling::err;

/// The product's allocator (`src/main.rs`), so the service is measured as it ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rows of a first page (what a screen shows).
const FIRST_PAGE: u32 = 50;
/// Stale runs made for the batch reconciliation figure.
const DEFAULT_STALE_RUNS: u64 = 10_000;
/// The terms of the text-search figures: one policy name only one demo run carries, one that
/// several catalog policies share (tens of thousands of runs), and one nothing contains.
const SEARCH_RARE: &str = "Bürogeräte";
const SEARCH_COMMON: &str = "BitLocker";
const SEARCH_ABSENT: &str = "no-such-policy-zq";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Measure proofdesk's hot paths on a large database, each beside its reference (see
/// docs/performance.md). Exit 0 when it measured, whatever the figures say; 1 when it could not.
#[derive(Debug, Parser)]
#[command(name = "proofdesk-bench", version)]
struct Args {
    /// Database URL: sqlite:PATH or postgres://USER@HOST:PORT/DB (seeded when it holds no run;
    /// default: target/bench/runs-N.sqlite, built once)
    #[arg(long, env = "DATABASE_URL")]
    db: Option<String>,
    /// Operator whose lists are measured (default on the demo data: the on-call operator)
    #[arg(long = "as", env = "PROOFDESK_OPERATOR", value_name = "HANDLE")]
    operator: Option<String>,
    /// Synthetic runs of the database to build or reuse
    #[arg(long, default_value_t = 1_000_000)]
    runs: u64,
    /// Runs of other operation types added after the demo runs (PostgreSQL only; the database is
    /// reused when it holds both)
    #[arg(long, default_value_t = 0)]
    other_runs: u64,
    /// Timed samples per figure
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    samples: u64,
    /// Stale runs for the batch reconciliation figure (0 skips it)
    #[arg(long, default_value_t = DEFAULT_STALE_RUNS)]
    stale_runs: u64,
    /// Where the batch figure writes (rebuilt on every run); default beside the main database
    #[arg(long, value_name = "URL")]
    stale_db: Option<String>,
    /// Skip scrolling the whole list (the peak-memory figure)
    #[arg(long)]
    skip_scroll: bool,
    /// Seconds of each idle window (the idle console, then its reference); 0 skips the idle figures
    #[arg(long, default_value_t = 30)]
    idle_seconds: u64,
    /// Only figures whose key starts with this (repeatable): first_page, sorted_page, deep_page, count,
    /// runs_count, idle, scroll, batch, tui
    #[arg(long, value_name = "KEY")]
    only: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// What to measure, and where.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Synthetic runs of the database to build (or to find when reusing one).
    pub runs: u64,
    /// `--db`: measure this database (seeded with `runs` when it holds no run). `None`: a
    /// SQLite file `target/bench/runs-N.sqlite`, reused when it already holds the runs.
    pub db: Option<String>,
    /// `--as`: the operator whose lists are measured (default: the demo on-call operator).
    pub operator: Option<String>,
    /// Runs of other operation types added after the demo runs (PostgreSQL only).
    pub other_runs: u64,
    /// Timed samples per figure (after a short warm-up); fewer when a figure is slow.
    pub samples: usize,
    /// Stale runs for the batch figure; 0 skips the figure.
    pub stale_runs: u64,
    /// Where the batch figure writes: a database rebuilt on every run. `None`: beside the
    /// main one (`target/bench/stale-M.sqlite`, or the PostgreSQL database `<db>_stale`).
    pub stale_db: Option<String>,
    /// Skip scrolling the whole list (the peak-memory figure).
    pub skip_scroll: bool,
    /// Only the figures whose key starts with one of these; empty: every figure.
    pub only: Vec<String>,
    /// Seconds of each idle window; 0 skips the idle figures.
    pub idle_seconds: u64,
}

impl BenchOptions {
    fn wants(&self, key: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| key.starts_with(o.as_str()))
    }

    /// How every session of the bench is opened: read-only, as the measured operator.
    fn session(&self, url: Option<String>) -> OpenOptions {
        OpenOptions {
            url,
            operator: self.operator.clone(),
            read_only: true,
            stale_after: chrono::Duration::minutes(30),
            clock: Clock::system(),
        }
    }
}

/// The canonical filters of the first-page figures: key, name, filter, whether a search.
fn first_page_cases() -> Vec<(&'static str, String, RunFilter, bool)> {
    let default = RunFilter::restore_execute;
    let with = |f: &dyn Fn(&mut RunFilter)| {
        let mut filter = default();
        f(&mut filter);
        filter
    };
    let search = |term: &str| with(&|f| f.query.search = vec![term.to_owned()]);
    let decision = || with(&|f| f.decisions = vec![Decision::PartiallySucceeded]);
    vec![
        ("default", "default view (restore.execute)".to_owned(), default(), false),
        ("any_type", "no filter (--type any)".to_owned(), RunFilter::default(), false),
        (
            "status",
            "--status running".to_owned(),
            with(&|f| f.query.statuses = vec![proofdesk::domain::OpStatus::Running]),
            false,
        ),
        ("decision", "--decision partially_succeeded".to_owned(), decision(), false),
        (
            "decision_open_only",
            "--decision partially_succeeded, open runs only".to_owned(),
            with(&|f| {
                f.decisions = vec![Decision::PartiallySucceeded];
                // What Service::list can add for a verdict filter on final decisions only
                // (a completed run's verdict is always not_reconciled): see RunQuery::open_only.
                f.query.open_only = true;
            }),
            false,
        ),
        ("gap", "--gap".to_owned(), with(&|f| f.gap = true), false),
        ("first_ask.gap", "--gap, a session's first ask".to_owned(), with(&|f| f.gap = true), false),
        ("first_ask.decision", "--decision partially_succeeded, a session's first ask".to_owned(), decision(), false),
        (
            "environment",
            "--environment 'Contoso Lab'".to_owned(),
            with(&|f| f.query.environments = vec![ScopeRef::parse("Contoso Lab")]),
            false,
        ),
        ("stale", "--stale".to_owned(), with(&|f| f.stale = true), false),
        ("search_rare", format!("--search {SEARCH_RARE} (rare)"), search(SEARCH_RARE), true),
        ("search_common", format!("--search {SEARCH_COMMON} (common)"), search(SEARCH_COMMON), true),
        ("search_absent", format!("--search {SEARCH_ABSENT} (absent)"), search(SEARCH_ABSENT), true),
    ]
}

/// Builds or reuses the database, measures every figure, and returns the report.
///
/// # Errors
/// A report whose message says what could not be done (open, seed, a query that failed).
async fn run(opts: BenchOptions) -> Result<BenchReport> {
    let load_before = report::loadavg();
    let started_at = Clock::system().now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let url = opts.db.clone().unwrap_or_else(|| databases::default_url(opts.runs));
    let (store, seeded) = databases::main_store(&opts, &url).await?;
    let mut figures = Vec::new();
    if let Some(d) = seeded {
        figures.push(Figure {
            key: "seed".to_owned(),
            name: if opts.other_runs > 0 {
                format!("seed-demo --runs {} + {} other runs", opts.runs, opts.other_runs)
            } else {
                format!("db seed-demo --runs {}", opts.runs)
            },
            unit: "s",
            value: Stat::single(d.as_secs_f64()),
            reference: None,
            goal: if opts.other_runs > 0 { "<= 300 s at 10M runs" } else { "<= 120 s at 1M runs" }.to_owned(),
            pass: if opts.other_runs > 0 {
                (opts.runs + opts.other_runs >= 10_000_000).then_some(d.as_secs_f64() <= 300.0)
            } else {
                (opts.runs >= 1_000_000).then_some(d.as_secs_f64() <= 120.0)
            },
            note: "built in this run by `proofdesk db seed-demo` in a child process (and the other runs added \
                   server-side with the indexes set aside), before the other figures; when the demo runs were \
                   there already, only the other runs' time"
                .to_owned(),
        });
    }
    let runs = databases::count(&store, "SELECT COUNT(*) FROM operation_runs").await?;
    let service = Service::with_store(store.clone(), opts.session(None)).await.map_err(err("open"))?;
    let ctx = pages::Ctx { service: &service, store: &store, options: opts.session(None), samples: opts.samples };

    // Memory first, before the other figures have grown the heap.
    if !opts.skip_scroll && opts.wants("scroll") {
        figures.push(pages::scroll_figure(&ctx).await?);
    }
    for (key, name, filter, is_search) in first_page_cases() {
        if opts.wants(&format!("first_page.{key}")) {
            let ask = if key.starts_with("first_ask.") { pages::Ask::First } else { pages::Ask::Again };
            figures.push(pages::first_page(&ctx, key, &name, filter, is_search, ask).await?);
        }
    }
    figures.extend(sorts::sorted_pages(&ctx, |key| opts.wants(key)).await?);
    let mut visible = -1;
    if opts.wants("count") || opts.wants("deep_page") {
        let (count_fig, n) = pages::count_figure(&ctx).await?;
        visible = n;
        if opts.wants("count") {
            figures.push(count_fig);
        }
    }
    if opts.wants("deep_page") && visible > i64::from(FIRST_PAGE) {
        figures.push(pages::deep_page(&ctx, visible).await?);
    }
    // Idle first: on PostgreSQL its server-rows window would otherwise see the counts' rows.
    if opts.idle_seconds > 0 && opts.wants("idle") {
        figures.extend(process::idle_figures(&ctx, &url, opts.idle_seconds).await?);
    }
    for case in process::COUNT_CASES {
        if opts.wants(&format!("runs_count.{}", case.0)) {
            figures.push(process::count_figure(&ctx, &url, *case).await?);
        }
    }
    let mut tui_figures = TuiFigures::default();
    if tui::KEYS.iter().any(|k| opts.wants(k)) {
        let (f, t) = Box::pin(tui::figures(&ctx, &opts, &url, runs)).await?;
        figures.extend(f);
        tui_figures = t;
    }
    service.close().await;

    if opts.stale_runs > 0 && opts.wants("batch") {
        figures.extend(batch::figures(&opts, &url).await?);
    }

    Ok(BenchReport {
        database: store.label().to_owned(),
        engine: store.engine().as_str(),
        runs,
        visible_runs: visible,
        operator: service.operator().handle.clone(),
        seeded: seeded.is_some(),
        started_at,
        machine: report::machine(load_before),
        figures,
        tui: tui_figures,
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let opts = BenchOptions {
        runs: args.runs,
        other_runs: args.other_runs,
        db: args.db,
        operator: args.operator,
        samples: usize::try_from(args.samples).unwrap_or(usize::MAX),
        stale_runs: args.stale_runs,
        stale_db: args.stale_db,
        skip_scroll: args.skip_scroll,
        only: args.only,
        idle_seconds: args.idle_seconds,
    };
    // As the product runs: two worker threads (src/cli.rs).
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "proofdesk-bench: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(opts)) {
        Ok(report) => {
            report::print(&report, args.format == Format::Json);
            ExitCode::SUCCESS
        }
        // One sentence, made where it failed (the cause is in it): `{}` prints just that.
        Err(report) => {
            let _ = writeln!(std::io::stderr(), "proofdesk-bench: {report}");
            ExitCode::from(1)
        }
    }
}
