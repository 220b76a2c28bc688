//! `proofdesk bench`: the hot paths measured on a large database, each figure beside its
//! reference measured in the same run, so that pass/fail is a ratio on the same machine at the
//! same moment rather than an absolute number from somewhere else.
//!
//! What it measures (see `docs/performance.md` for the results and how to read them):
//!
//! - the first page (50 rows) of each canonical filter through [`Service::list`], against the
//!   same SQL executed raw through the driver: every list statement the service ran for the
//!   page and the proof-bundle statement of each, on one connection of the service's own pool
//!   (rows fetched, not decoded), so the difference is what the service adds (decoding,
//!   assessing, building the views);
//! - a page deep in the list through a keyset cursor, against page 1;
//! - batch reconciliation (`reconcile --stale`) throughput over freshly made stale runs, on a
//!   separate database (it writes);
//! - peak memory (`VmHWM`) while scrolling the whole default list page by page;
//! - the seeding time when the database had to be built;
//! - the terminal UI (`bench::tui`): frame time, bytes and writes per frame, key-to-frame and
//!   start-to-first-frame, on the console itself.
//!
//! Timed assertions never go in tests: this module reports, and the report says which goal
//! each figure meets. Every statement it sends is built with [`Sql`] and bound values.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::demo as seed;
use crate::domain::{Decision, RESTORE_EXECUTE};
use crate::service::{Clock, OpenOptions, RunFilter, Service, ServiceError};
use crate::store::queries::{self, Cursor};
use crate::store::rows::RunRow;
use crate::store::{fixtures, Arg, Create, Engine, Sql, Store};

mod tui;

/// Rows of a first page (what a screen shows).
pub const FIRST_PAGE: u32 = 50;
/// Rows per page while scrolling the whole list (the console's page size).
pub const SCROLL_PAGE: u32 = 100;
/// Stale runs made for the batch reconciliation figure.
pub const DEFAULT_STALE_RUNS: u64 = 10_000;
/// Where a deep page is taken, as a fraction of the visible list (900k of 1M runs when one
/// operator sees them all; the demo operator sees about two thirds of the synthetic runs).
pub const DEEP_FRACTION: f64 = 0.9;
/// The terms of the text-search figures: one policy name only one demo run carries, one that
/// several catalog policies share (tens of thousands of runs), and one nothing contains.
pub const SEARCH_RARE: &str = "Bürogeräte";
pub const SEARCH_COMMON: &str = "BitLocker";
pub const SEARCH_ABSENT: &str = "no-such-policy-zq";

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
    /// Timed samples per figure (after a short warm-up); fewer when a figure is slow.
    pub samples: usize,
    /// Stale runs for the batch figure; 0 skips the figure.
    pub stale_runs: u64,
    /// Where the batch figure writes: a database rebuilt on every run. `None`: beside the
    /// main one (`target/bench/stale-M.sqlite`, or the PostgreSQL database `<db>_stale`).
    pub stale_db: Option<String>,
    /// Skip scrolling the whole list (the peak-memory figure).
    pub skip_scroll: bool,
    /// Only the figures whose key starts with one of these (`first_page`, `first_page.search`,
    /// `deep_page`, `count`, `scroll`, `batch`, `tui`); empty: every figure.
    pub only: Vec<String>,
}

impl BenchOptions {
    fn wants(&self, key: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| key.starts_with(o.as_str()))
    }
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            runs: 1_000_000,
            db: None,
            operator: None,
            samples: 100,
            stale_runs: DEFAULT_STALE_RUNS,
            stale_db: None,
            skip_scroll: false,
            only: Vec::new(),
        }
    }
}

/// Median and 95th percentile of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub median: f64,
    pub p95: f64,
    /// Samples behind the figure (1 for a single measurement).
    pub n: usize,
}

impl Stat {
    /// One measurement.
    #[must_use]
    pub const fn single(value: f64) -> Self {
        Self { median: value, p95: value, n: 1 }
    }

    /// Nearest-rank median and p95 of `values` (empty: zeros).
    #[must_use]
    pub fn of(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Self { median: 0.0, p95: 0.0, n: 0 };
        }
        v.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            // Nearest rank: the smallest value with at least p of the samples at or below it.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let r = (p * v.len() as f64).ceil() as usize;
            v[r.clamp(1, v.len()) - 1]
        };
        Self { median: rank(0.5), p95: rank(0.95), n: v.len() }
    }
}

/// One figure of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Short and stable, e.g. `first_page.search_absent`.
    pub key: String,
    pub name: String,
    /// `ms`, `runs/s`, `MB` or `s`.
    pub unit: &'static str,
    pub value: Stat,
    /// What the value is compared with, measured in the same run.
    pub reference: Option<Reference>,
    /// The goal, in words.
    pub goal: String,
    /// `None` for a figure without a goal (information only).
    pub pass: Option<bool>,
    /// Rows returned, pages read, what was skipped and why.
    pub note: String,
}

/// The reference a figure is compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub name: String,
    pub value: Stat,
    /// For a figure whose two sides are timed in the same rounds, taking turns going first:
    /// what the value adds, per pair of consecutive rounds (the mean of their two differences,
    /// value minus reference; see `rounds`). A drift in the machine's load moves both sides of
    /// a round together, and the pair has each side first once, so this is the steadier
    /// reading of how much the value adds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired: Option<Stat>,
}

impl Reference {
    /// A reference measured apart from the value (no paired rounds).
    #[must_use]
    pub fn new(name: impl Into<String>, value: Stat) -> Self {
        Self { name: name.into(), value, paired: None }
    }
}

/// Frame and input-latency figures of the terminal UI, measured on the console itself by
/// `bench::tui` (the `tui.*` figures carry their references, goals and notes; `None`: not
/// measured in this run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TuiFigures {
    /// `terminal.draw` (build, render, diff, encoding) of the runs list while moving down, ms.
    pub frame_time_ms: Option<Stat>,
    /// Bytes written to the terminal by a redraw with nothing changed.
    pub bytes_per_frame: Option<Stat>,
    /// Write calls reaching the terminal per frame.
    pub writes_per_frame: Option<Stat>,
    /// From a navigation key (`j`) to the frame that shows its effect, ms.
    pub key_to_frame_ms: Option<Stat>,
    /// From the `Enter` of a typed filter to the frame of its first page, ms: filters SQL
    /// answers, and a filter on the verdict.
    pub filter_to_frame_ms: Option<Stat>,
    pub verdict_filter_to_frame_ms: Option<Stat>,
    /// From `Service::open` to the first frame with rows, ms.
    pub start_to_first_frame_ms: Option<Stat>,
}

/// The machine the figures were taken on (shared machines make absolute numbers noisy; the
/// load average says how noisy).
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    /// `/proc/loadavg` (1, 5, 15 minutes) before and after the figures.
    pub load_before: String,
    pub load_after: String,
}

/// Everything one `proofdesk bench` run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// `sqlite FILE` or `postgres host:port/db`, never a password.
    pub database: String,
    pub engine: &'static str,
    /// Operation runs in the database (synthetic and scenario runs together).
    pub runs: i64,
    /// Runs the measured operator sees in the default view (-1: not counted in this run).
    pub visible_runs: i64,
    pub operator: String,
    /// Whether the database was built in this run (else reused).
    pub seeded: bool,
    pub started_at: String,
    pub machine: Machine,
    pub figures: Vec<Figure>,
    pub tui: TuiFigures,
}

impl BenchReport {
    /// Figures with a goal that they miss.
    #[must_use]
    pub fn failures(&self) -> Vec<&Figure> {
        self.figures.iter().filter(|f| f.pass == Some(false)).collect()
    }
}

fn err(context: &str) -> impl Fn(ServiceError) -> String + '_ {
    move |e| format!("{context}: {e}")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ------------------------------------------------------------------------------------------
// The raw reference: the same statements on the service's own pool, rows fetched undecoded.

/// Runs `statements` in order on one connection of `store`, as [`Service::list`] runs a page
/// and its bundles, fetching every row without decoding it; returns how many runs the list
/// statements fetched. The service's own pool, so both sides use the same connections (on
/// SQLite: the same page caches and the same worker threads, whose placement on the two cores
/// moved a separate pool's timings by a few tenths of a millisecond from run to run).
async fn raw_rows_pool(store: &Store, sql: &Sql) -> Result<usize, String> {
    let mut conn = store.acquire().await.map_err(|e| format!("raw acquire: {e}"))?;
    conn.fetch_undecoded(sql).await.map_err(|e| format!("raw query: {e}"))
}

async fn raw_statements(store: &Store, statements: &[(crate::service::Ran, Sql)]) -> Result<usize, String> {
    let mut conn = store.acquire().await.map_err(|e| format!("raw acquire: {e}"))?;
    let mut runs = 0;
    for (ran, sql) in statements {
        let n = conn.fetch_undecoded(sql).await.map_err(|e| format!("raw query: {e}"))?;
        if *ran == crate::service::Ran::List {
            runs += n;
        }
    }
    Ok(runs)
}

// ------------------------------------------------------------------------------------------
// Sampling.

/// The statistics of a figure timed in rounds, `value[i]` and `reference[i]` back to back in
/// round `i`, the two sides taking turns going first: each side's, and what the value adds,
/// read per pair of consecutive rounds (one with each side first) as the mean of the pair's
/// two differences (value - reference).
///
/// Pairing by round cancels a drift in the machine's load, which moves both sides of a round
/// together. Pairing the two orders cancels what going first costs or saves: on SQLite the
/// side that goes first can pay for pages that the other then finds cached, so the differences
/// of single rounds fall into two clusters, one per order, and their median lands on either.
fn rounds(value: &[f64], reference: &[f64]) -> (Stat, Stat, Stat) {
    let differences: Vec<f64> = value.iter().zip(reference).map(|(v, r)| v - r).collect();
    let pairs: Vec<f64> = differences.chunks_exact(2).map(|d| (d[0] + d[1]) / 2.0).collect();
    (Stat::of(value), Stat::of(reference), Stat::of(&pairs))
}

/// What a first page may add to its raw SQL, in ms (the median of [`rounds`]' reading).
const PAGE_MARGIN_MS: f64 = 0.5;

/// How long one figure may keep sampling before it settles for fewer samples.
const FIGURE_BUDGET: Duration = Duration::from_secs(20);
/// The fewest samples a figure settles for.
const MIN_SAMPLES: usize = 5;
/// Untimed runs before the samples (statement caches, page caches).
const WARMUP: usize = 2;
/// Untimed rounds before a first page's samples: enough that each of the pool's connections
/// (4 on SQLite, 8 on PostgreSQL), which both sides draw from, has run the page's statements
/// and holds its pages in its own cache, so neither side meets a cold connection in the timed
/// rounds. (With 2, a full SQLite run, whose scroll leaves little in the OS page cache, had a
/// first page read -0.7 and the next +0.9 ms.) Even, so the timed rounds still start with the
/// same side first and pair up (see [`rounds`]).
const FIRST_PAGE_WARMUP: usize = 8;

struct Sampling {
    samples: usize,
    warmup: usize,
    started: Instant,
    done: usize,
}

impl Sampling {
    fn new(samples: usize) -> Self {
        Self::with_warmup(samples, WARMUP)
    }

    fn with_warmup(samples: usize, warmup: usize) -> Self {
        Self { samples: samples.max(1), warmup, started: Instant::now(), done: 0 }
    }

    /// Whether to take another round (warm-up rounds included); `timed` says if it counts.
    fn next(&mut self) -> Option<bool> {
        let round = self.done;
        self.done += 1;
        if round < self.warmup {
            return Some(false);
        }
        let taken = round - self.warmup;
        let over_budget = self.started.elapsed() > FIGURE_BUDGET && taken >= MIN_SAMPLES.min(self.samples);
        (taken < self.samples && !over_budget).then_some(true)
    }
}

// ------------------------------------------------------------------------------------------
// The databases.

/// `./target/bench` when run from the checkout (as docs/performance.md does), otherwise under
/// the XDG cache directory: an installed binary never writes into the folder it was built in.
fn bench_dir() -> PathBuf {
    if Path::new("Cargo.toml").is_file() && Path::new("target").is_dir() {
        return PathBuf::from("target").join("bench");
    }
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").and_then(absolute).map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("proofdesk")
        .join("bench")
}

/// The default database for `runs` synthetic runs.
#[must_use]
pub fn default_url(runs: u64) -> String {
    format!("sqlite:{}", bench_dir().join(format!("runs-{runs}.sqlite")).display())
}

fn remove_sqlite(path: &Path) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
        }
    }
    Ok(())
}

fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

async fn count(store: &Store, text: &str) -> Result<i64, String> {
    let row: Option<(i64,)> = store.fetch_optional(&Sql::new(text)).await.map_err(|e| e.to_string())?;
    Ok(row.map_or(0, |r| r.0))
}

fn scenario_runs() -> Result<i64, String> {
    let doc = seed::scenarios_at(Clock::system().now()).map_err(|e| e.to_string())?;
    Ok(doc.get("operation_runs").and_then(Value::as_array).map_or(0, |a| i64::try_from(a.len()).unwrap_or(0)))
}

/// Opens (building when needed) the database to measure; returns the store and the seeding
/// time when it was built now.
async fn main_store(opts: &BenchOptions, url: &str) -> Result<(Store, Option<Duration>), String> {
    let default = opts.db.is_none();
    if let Some(path) = sqlite_file(url) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
    }
    let mut store = Store::open(url, Create::IfMissing).await.map_err(|e| e.to_string())?;
    let expected = i64::try_from(opts.runs).unwrap_or(i64::MAX).saturating_add(scenario_runs()?);
    let held = count(&store, "SELECT COUNT(*) FROM operation_runs").await?;
    if held > 0 && (held == expected || !default) {
        return Ok((store, None));
    }
    if held > 0 {
        // The default file holds something else (an interrupted build): rebuild it.
        store.close().await;
        if let Some(path) = sqlite_file(url) {
            remove_sqlite(&path)?;
        }
        store = Store::open(url, Create::IfMissing).await.map_err(|e| e.to_string())?;
    }
    // Seeded by `proofdesk db seed-demo` in a child process, as an operator would run it: its
    // time is the command's, and its memory stays out of this process's peak-memory figure.
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the proofdesk binary: {e}"))?;
    let started = Instant::now();
    let out = tokio::process::Command::new(exe)
        .env("DATABASE_URL", url)
        .args(["db", "seed-demo", "--runs", &opts.runs.to_string()])
        .output()
        .await
        .map_err(|e| format!("seeding: cannot run db seed-demo: {e}"))?;
    let took = started.elapsed();
    if !out.status.success() {
        return Err(format!("seeding: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok((store, Some(took)))
}

/// The database the batch figure writes to, rebuilt empty, and its URL.
async fn fresh_stale_store(
    main_url: &str,
    stale_url: Option<&str>,
    stale_runs: u64,
) -> Result<(Store, String), String> {
    let url = match stale_url {
        Some(u) => u.to_owned(),
        None => derive_stale_url(main_url, stale_runs)?,
    };
    if let Some(path) = sqlite_file(&url) {
        remove_sqlite(&path)?;
    } else {
        recreate_pg_database(main_url, &url).await?;
    }
    let store = Store::open(&url, Create::IfMissing).await.map_err(|e| e.to_string())?;
    Ok((store, url))
}

fn derive_stale_url(main_url: &str, stale_runs: u64) -> Result<String, String> {
    if let Some(path) = sqlite_file(main_url) {
        let dir = path.parent().map_or_else(bench_dir, Path::to_path_buf);
        return Ok(format!("sqlite:{}", dir.join(format!("stale-{stale_runs}.sqlite")).display()));
    }
    let (base, db, query) = split_pg_url(main_url);
    let db = if db.is_empty() { "proofdesk" } else { db };
    Ok(format!("{base}/{db}_stale{query}"))
}

/// `postgres://auth@host:port`, the database name, and `?query` (possibly empty).
fn split_pg_url(url: &str) -> (&str, &str, &str) {
    let (head, query) = url.find('?').map_or((url, ""), |i| url.split_at(i));
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    match head[authority_start..].find('/') {
        Some(i) => (&head[..authority_start + i], &head[authority_start + i + 1..], query),
        None => (head, "", query),
    }
}

/// Drops and creates the PostgreSQL database named by `url`, connected through `main_url`.
async fn recreate_pg_database(main_url: &str, url: &str) -> Result<(), String> {
    let (_, name, _) = split_pg_url(url);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("stale database name {name:?}: use letters, digits and _ only (or --stale-db)"));
    }
    let opts = PgConnectOptions::from_str(main_url).map_err(|e| e.to_string())?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .map_err(|e| crate::store::redact_passwords(&e.to_string()))?;
    // identifiers only: a database name cannot be bound; it was checked to be [A-Za-z0-9_]+.
    for text in [format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"), format!("CREATE DATABASE \"{name}\"")] {
        sqlx::query(&text).execute(&pool).await.map_err(|e| format!("{text}: {e}"))?;
    }
    pool.close().await;
    Ok(())
}

/// A fixture of `n` stale `restore.execute` runs the demo operator may reconcile, each with
/// its restore, items, evidence and audit trail; most prove `succeeded`, every fourth
/// `partially_succeeded` (one failed item), every tenth has no evidence yet.
fn stale_fixture(n: u64, now: DateTime<Utc>) -> Value {
    let t = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut ops = Vec::new();
    let mut restores = Vec::new();
    let mut items = Vec::new();
    let mut evidence = Vec::new();
    let mut audit = Vec::new();
    for k in 0..i64::try_from(n).unwrap_or(0) {
        let op = 5_000_000 + k;
        let rid = 6_000_000 + k;
        let env = [10, 11, 12][usize::try_from(k % 3).unwrap_or(0)];
        let created = now - chrono::Duration::hours(3) - chrono::Duration::seconds(k);
        let started = created + chrono::Duration::seconds(30);
        let done = started + chrono::Duration::minutes(10);
        ops.push(json!({
            "id": op, "workspace_id": 1, "environment_id": env, "type": RESTORE_EXECUTE,
            "status": "running", "outcome": "pending", "initiator_id": 100,
            "context": {"restore_run_id": rid, "source": "bench"},
            "created_at": t(created), "started_at": t(started), "updated_at": t(started + chrono::Duration::minutes(1)),
        }));
        restores.push(json!({
            "id": rid, "workspace_id": 1, "environment_id": env, "operation_run_id": op,
            "backup_set_ref": format!("bs-bench-{k}"), "status": "completed", "is_dry_run": false,
            "requested_by": 100, "started_at": t(started), "completed_at": t(done),
        }));
        let failed = k % 4 == 3;
        for j in 0..3 {
            let outcome = if failed && j == 2 { "failed" } else { "applied" };
            items.push(json!({
                "id": 70_000_000 + k * 3 + j, "restore_run_id": rid, "policy_type": "settingsCatalog",
                "policy_name": format!("Bench Policy {j}"), "outcome": outcome,
                "error_code": if outcome == "failed" { Value::from("graph_500") } else { Value::Null },
            }));
        }
        if k % 10 != 9 {
            let ok = if failed { 2 } else { 3 };
            evidence.push(json!({
                "id": 8_000_000 + k, "restore_run_id": rid, "kind": "post_restore_snapshot", "status": "complete",
                "verified_items": ok, "expected_items": ok, "captured_at": t(done + chrono::Duration::minutes(5)),
            }));
        }
        for (j, (action, at)) in
            [("restore.execute.started", started), ("restore.execute.completed", done)].iter().enumerate()
        {
            audit.push(json!({
                "id": 90_000_000 + k * 2 + i64::try_from(j).unwrap_or(0), "workspace_id": 1, "environment_id": env,
                "actor_id": 100, "action": action, "subject_type": "restore_run", "subject_id": rid,
                "metadata": {"item_count": 3}, "created_at": t(*at),
            }));
        }
    }
    json!({
        "operation_runs": ops, "restore_runs": restores, "restore_items": items,
        "evidence": evidence, "audit_log": audit,
    })
}

// ------------------------------------------------------------------------------------------
// The figures.

struct Ctx<'a> {
    service: &'a Service,
    store: &'a Store,
    samples: usize,
}

/// The SQL-side query `Service::list` runs for `filter` (with `--stale` resolved as it does).
fn sql_query(service: &Service, filter: &RunFilter) -> queries::RunQuery {
    let mut q = filter.query.clone();
    if filter.stale {
        q.stale_before = Some(service.now() - service.stale_after());
    }
    q
}

/// How a session has asked for a filter before a figure's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// As a console asks again (live refresh, paging): the session has listed the filter
    /// before, and remembers how dense a verdict filter's matches were.
    Again,
    /// A new session's first ask: nothing remembered.
    First,
}

async fn first_page(
    ctx: &Ctx<'_>,
    key: &str,
    name: &str,
    filter: RunFilter,
    search: bool,
    ask: Ask,
) -> Result<Figure, String> {
    let verdict_filter = !filter.decisions.is_empty() || filter.gap;
    let session = || if ask == Ask::First { ctx.service.new_session() } else { ctx.service.clone() };
    if ask == Ask::Again {
        ctx.service.list(&filter, None, FIRST_PAGE).await.map_err(err(name))?;
    }
    let query = sql_query(ctx.service, &filter);
    let op = ctx.service.operator().id;
    // A search first looks its terms up (environments, workspaces, policy names): the
    // reference runs those statements too.
    let mut lookups = Vec::new();
    if !query.search.is_empty() {
        queries::resolve_search_recorded(ctx.store, op, &query.search, Some(&mut lookups))
            .await
            .map_err(|e| e.to_string())?;
    }
    // Then every statement the service runs for the page, as it ran them: the list page(s)
    // (a verdict filter may read several) and the proof-bundle statement of each.
    let mut statements = Vec::new();
    session().list_recorded(&filter, None, FIRST_PAGE, Some(&mut statements)).await.map_err(err(name))?;
    let pages = statements.iter().filter(|(ran, _)| *ran == crate::service::Ran::List).count();
    let (mut svc, mut raw) = (Vec::new(), Vec::new());
    let (mut rows, mut raw_rows, mut more) = (0, 0, false);
    let mut s = Sampling::with_warmup(ctx.samples, FIRST_PAGE_WARMUP);
    let mut round = 0_usize;
    while let Some(timed) = s.next() {
        // The two sides take turns going first: the pool hands out its idle connections in
        // turn, so a fixed order would give each side the same connection every round, with
        // whatever that connection's SQLite page cache happens to hold from earlier figures.
        round += 1;
        let mut page = None;
        let (mut d, mut r) = (Duration::ZERO, Duration::ZERO);
        let listing = session();
        for side in [round % 2, 1 - round % 2] {
            let t = Instant::now();
            if side == 0 {
                page = Some(listing.list(&filter, None, FIRST_PAGE).await.map_err(err(name))?);
                d = t.elapsed();
            } else {
                // Search look-ups run on the pool, as the service runs them.
                for sql in &lookups {
                    raw_rows_pool(ctx.store, sql).await?;
                }
                raw_rows = raw_statements(ctx.store, &statements).await?;
                r = t.elapsed();
            }
        }
        let page = page.unwrap_or_default();
        rows = page.rows.len();
        more = page.next.is_some();
        if timed {
            svc.push(ms(d));
            raw.push(ms(r));
        }
    }
    // The reference is only the service's SQL while the service keeps running those statements.
    let mut after = Vec::new();
    session().list_recorded(&filter, None, FIRST_PAGE, Some(&mut after)).await.map_err(err(name))?;
    // (`--stale` binds the time it is asked at: that value moves with the clock.)
    let same_arg = |a: &crate::store::Arg, b: &crate::store::Arg| {
        matches!((a, b), (crate::store::Arg::Time(_), crate::store::Arg::Time(_))) || a == b
    };
    let same = after.len() == statements.len()
        && after.iter().zip(&statements).all(|(a, b)| {
            a.0 == b.0
                && a.1.text == b.1.text
                && a.1.args.len() == b.1.args.len()
                && a.1.args.iter().zip(&b.1.args).all(|(x, y)| same_arg(x, y))
        });
    let (value, reference, paired) = rounds(&svc, &raw);
    let mut note = format!(
        "{rows} rows{}; raw statements: {raw_rows} runs; service - raw per pair of rounds (one with each side first): median {:+.2} ms, p95 {:+.2} ms",
        if more { ", more follow" } else { "" },
        paired.median,
        paired.p95
    );
    if verdict_filter {
        note.push_str(&format!(
            "; verdict filter: the service read {pages} SQL page(s), {raw_rows} runs, assessing each until \
             {FIRST_PAGE} matched; the reference runs the same pages; {}",
            match ask {
                Ask::Again => "asked again in one session, as a console does (the session remembers the density)",
                Ask::First => "a session's first ask (no density remembered)",
            }
        ));
    }
    if !same {
        note.push_str("; WARNING: the service's statements changed while sampling, the reference is stale");
    }
    if search {
        note.push_str("; the reference runs the search look-ups too (environments, workspaces, policy names)");
    }
    // What the service adds, read from the rounds: both sides run back to back in each round,
    // so a drift in the machine's load moves them together and the per-round difference
    // cancels it, where the two medians taken apart can each land anywhere in the drift.
    let page_goal = paired.median <= PAGE_MARGIN_MS && same;
    let (goal, pass) = if search {
        let fast = value.p95 <= 50.0;
        ("p95 <= 50 ms (and service - raw <= 0.5 ms, median of round pairs)".to_owned(), Some(fast && page_goal))
    } else {
        ("service - raw <= 0.5 ms, median of round pairs".to_owned(), Some(page_goal))
    };
    Ok(Figure {
        key: format!("first_page.{key}"),
        name: format!("first page: {name}"),
        unit: "ms",
        value,
        reference: Some(Reference {
            name: if lookups.is_empty() {
                format!("same SQL raw ({raw_rows} rows + {} bundle stmts)", statements.len() - pages)
            } else {
                format!(
                    "same SQL raw ({} look-ups, {raw_rows} rows, {} bundle)",
                    lookups.len(),
                    statements.len() - pages
                )
            },
            value: reference,
            paired: Some(paired),
        }),
        goal,
        pass,
        note,
    })
}

async fn deep_page(ctx: &Ctx<'_>, visible: i64) -> Result<Figure, String> {
    let filter = RunFilter::restore_execute();
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let depth = ((visible as f64) * DEEP_FRACTION) as i64;
    let op = ctx.service.operator().id;
    let query = sql_query(ctx.service, &filter);
    // The row at that depth, by a direct query (setup only, not timed).
    let mut sql = queries::list_sql(ctx.store, op, &query, None, 1).await.map_err(|e| e.to_string())?;
    sql.push(" OFFSET ").bind(Arg::I64(depth.saturating_sub(1).max(0)));
    let row: Option<RunRow> = ctx.store.fetch_optional(&sql).await.map_err(|e| e.to_string())?;
    let Some(row) = row else {
        return Err(format!("no row at depth {depth} of {visible}"));
    };
    let cursor: Cursor = queries::cursor_after(&row, query.sort);
    let (mut deep, mut first) = (Vec::new(), Vec::new());
    let mut rows = 0;
    let mut s = Sampling::new(ctx.samples);
    while let Some(timed) = s.next() {
        let t = Instant::now();
        let page = ctx.service.list(&filter, Some(cursor), FIRST_PAGE).await.map_err(err("deep page"))?;
        let d = t.elapsed();
        let t = Instant::now();
        ctx.service.list(&filter, None, FIRST_PAGE).await.map_err(err("page 1"))?;
        let f = t.elapsed();
        rows = page.rows.len();
        if timed {
            deep.push(ms(d));
            first.push(ms(f));
        }
    }
    let value = Stat::of(&deep);
    let reference = Stat::of(&first);
    Ok(Figure {
        key: "deep_page".to_owned(),
        name: format!("page at depth {depth} (keyset)"),
        unit: "ms",
        value,
        reference: Some(Reference::new("page 1", reference)),
        goal: "median <= 2 x page 1".to_owned(),
        pass: Some(value.median <= 2.0 * reference.median),
        note: format!("{rows} rows; cursor of the run at position {depth} of {visible} visible (default view)"),
    })
}

async fn count_figure(ctx: &Ctx<'_>) -> Result<(Figure, i64), String> {
    let filter = RunFilter::restore_execute();
    let mut times = Vec::new();
    let mut n = 0;
    let mut s = Sampling::new(ctx.samples.min(5));
    while let Some(timed) = s.next() {
        let t = Instant::now();
        n = ctx.service.count(&filter).await.map_err(err("count"))?;
        if timed {
            times.push(ms(t.elapsed()));
        }
    }
    Ok((
        Figure {
            key: "count.default".to_owned(),
            name: "count of matches: default view".to_owned(),
            unit: "ms",
            value: Stat::of(&times),
            reference: None,
            goal: "none (information: the console shows this count)".to_owned(),
            pass: None,
            note: format!("{n} visible runs"),
        },
        n,
    ))
}

/// `VmHWM` and `VmRSS` of this process, in MB.
fn memory_mb() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Resets `VmHWM` to the current RSS (Linux: `5` to `/proc/self/clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

async fn scroll_figure(ctx: &Ctx<'_>) -> Result<Figure, String> {
    let filter = RunFilter::restore_execute();
    let reset = reset_peak();
    let before = memory_mb();
    let started = Instant::now();
    let (mut pages, mut rows) = (0usize, 0usize);
    let mut times = Vec::new();
    let mut after = None;
    loop {
        let t = Instant::now();
        let page = ctx.service.list(&filter, after, SCROLL_PAGE).await.map_err(err("scroll"))?;
        times.push(ms(t.elapsed()));
        pages += 1;
        rows += page.rows.len();
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let total = started.elapsed();
    let after_mem = memory_mb();
    let pages_stat = Stat::of(&times);
    let (peak, note_mem) = match (before, after_mem) {
        (Some((_, rss0)), Some((hwm, _))) => (
            hwm,
            format!(
                "RSS {rss0:.1} MB before; peak {}",
                if reset { "since the reset before scrolling" } else { "of the whole process (reset refused)" }
            ),
        ),
        _ => (f64::NAN, "no /proc/self/status".to_owned()),
    };
    Ok(Figure {
        key: "scroll.peak_rss".to_owned(),
        name: format!("peak RSS scrolling the whole list ({SCROLL_PAGE}-row pages)"),
        unit: "MB",
        value: Stat::single(peak),
        reference: None,
        goal: "peak RSS <= 64 MB".to_owned(),
        pass: Some(peak.is_finite() && peak <= 64.0),
        note: format!(
            "{rows} rows in {pages} pages, {:.1} s; page median {:.2} ms, p95 {:.2} ms; {note_mem}",
            total.as_secs_f64(),
            pages_stat.median,
            pages_stat.p95
        ),
    })
}

/// Pause between two page loads of the console while the batch writes (a person paging or
/// typing a filter, not a loop hammering the database).
const CONSOLE_PAUSE: Duration = Duration::from_millis(20);

/// Batch reconciliation throughput, and what a console on the same database sees meanwhile:
/// a second service with its own pool (as a console in another process has) loads the
/// default first page over and over while the batch writes; the reference is the same load
/// with nothing writing, just before.
async fn batch_figures(opts: &BenchOptions, main_url: &str) -> Result<Vec<Figure>, String> {
    let (store, url) = fresh_stale_store(main_url, opts.stale_db.as_deref(), opts.stale_runs).await?;
    let label = store.label().to_owned();
    let now = Clock::system().now();
    seed::seed_demo(&store, now, 0).await.map_err(|e| format!("stale database: {e}"))?;
    fixtures::load_value(&store, &stale_fixture(opts.stale_runs, now)).await.map_err(|e| format!("stale runs: {e}"))?;
    let open = |store: Store, read_only: bool| {
        Service::with_store(
            store,
            OpenOptions {
                url: None,
                operator: opts.operator.clone(),
                read_only,
                stale_after: chrono::Duration::minutes(30),
                clock: Clock::system(),
            },
        )
    };
    let service = open(store.clone(), false).await.map_err(err("stale database"))?;
    let console_store = Store::open(&url, Create::Never).await.map_err(|e| e.to_string())?;
    let console = open(console_store, true).await.map_err(err("console on the stale database"))?;
    let filter = RunFilter::restore_execute();

    let mut quiet = Vec::new();
    let mut s = Sampling::new(opts.samples);
    while let Some(timed) = s.next() {
        let t = Instant::now();
        console.list(&filter, None, FIRST_PAGE).await.map_err(err("console page"))?;
        if timed {
            quiet.push(ms(t.elapsed()));
        }
        tokio::time::sleep(CONSOLE_PAUSE).await;
    }

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (console, filter, done) = (console.clone(), filter.clone(), done.clone());
        tokio::spawn(async move {
            let mut busy = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                console.list(&filter, None, FIRST_PAGE).await.map_err(err("console page during the batch"))?;
                busy.push(ms(t.elapsed()));
                tokio::time::sleep(CONSOLE_PAUSE).await;
            }
            Ok::<_, String>(busy)
        })
    };
    let started = Instant::now();
    let report = service.reconcile_stale(false).await.map_err(err("reconcile --stale"));
    let secs = started.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let busy = watcher.await.map_err(|e| format!("console during the batch: {e}"))??;
    let report = report?;
    service.close().await;
    console.close().await;

    let processed = report.runs.len();
    #[allow(clippy::cast_precision_loss)]
    let rate = if secs > 0.0 { processed as f64 / secs } else { 0.0 };
    let busy_stat = Stat::of(&busy);
    let quiet_stat = Stat::of(&quiet);
    Ok(vec![
        Figure {
            key: "batch.reconcile_stale".to_owned(),
            name: format!("reconcile --stale over {} stale runs", opts.stale_runs),
            unit: "runs/s",
            value: Stat::single(rate),
            reference: None,
            goal: ">= 500 runs/s".to_owned(),
            pass: Some(rate >= 500.0),
            note: format!(
                "{processed} runs in {secs:.1} s: {} written, {} not reconciled, {} conflicts, {} errors; on {label} \
                 (the demo scenarios plus the stale runs, rebuilt every run), with a console loading pages beside it",
                report.written, report.not_reconciled, report.conflicts, report.errors
            ),
        },
        Figure {
            key: "batch.console".to_owned(),
            name: "console first page while the batch writes".to_owned(),
            unit: "ms",
            value: busy_stat,
            reference: Some(Reference::new("same, nothing writing", quiet_stat)),
            goal: "p95 <= 50 ms (the filter-change goal)".to_owned(),
            pass: Some(busy_stat.n > 0 && busy_stat.p95 <= 50.0),
            note: format!(
                "{} page loads of the default view during the batch, {} ms apart, by a read-only service with its \
                 own pool on the same database",
                busy_stat.n,
                CONSOLE_PAUSE.as_millis()
            ),
        },
    ])
}

fn machine(load_before: String) -> Machine {
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
        cpu_model,
        load_before,
        load_after: loadavg(),
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Builds or reuses the database, measures every figure, and returns the report.
///
/// # Errors
/// A sentence saying what could not be done (open, seed, a query that failed).
pub async fn run(opts: BenchOptions) -> Result<BenchReport, String> {
    let load_before = loadavg();
    let started_at = Clock::system().now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let url = opts.db.clone().unwrap_or_else(|| default_url(opts.runs));
    let (store, seeded) = main_store(&opts, &url).await?;
    let mut figures = Vec::new();
    if let Some(d) = seeded {
        figures.push(Figure {
            key: "seed".to_owned(),
            name: format!("db seed-demo --runs {}", opts.runs),
            unit: "s",
            value: Stat::single(d.as_secs_f64()),
            reference: None,
            goal: "<= 120 s at 1M runs".to_owned(),
            pass: (opts.runs >= 1_000_000).then_some(d.as_secs_f64() <= 120.0),
            note: "built in this run by `proofdesk db seed-demo` in a child process, before the other figures"
                .to_owned(),
        });
    }
    let runs = count(&store, "SELECT COUNT(*) FROM operation_runs").await?;
    let service = Service::with_store(
        store.clone(),
        OpenOptions {
            url: None,
            operator: opts.operator.clone(),
            read_only: true,
            stale_after: chrono::Duration::minutes(30),
            clock: Clock::system(),
        },
    )
    .await
    .map_err(err("open"))?;
    let ctx = Ctx { service: &service, store: &store, samples: opts.samples };

    // Memory first, before the other figures have grown the heap.
    if !opts.skip_scroll && opts.wants("scroll") {
        figures.push(scroll_figure(&ctx).await?);
    }

    let default = RunFilter::restore_execute;
    let with = |f: &dyn Fn(&mut RunFilter)| {
        let mut filter = default();
        f(&mut filter);
        filter
    };
    let search = |term: &str| with(&|f| f.query.search = vec![term.to_owned()]);
    let cases: Vec<(&str, String, RunFilter, bool)> = vec![
        ("default", "default view (restore.execute)".to_owned(), default(), false),
        ("any_type", "no filter (--type any)".to_owned(), RunFilter::default(), false),
        (
            "status",
            "--status running".to_owned(),
            with(&|f| f.query.statuses = vec![crate::domain::OpStatus::Running]),
            false,
        ),
        (
            "decision",
            "--decision partially_succeeded".to_owned(),
            with(&|f| f.decisions = vec![Decision::PartiallySucceeded]),
            false,
        ),
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
        (
            "first_ask.decision",
            "--decision partially_succeeded, a session's first ask".to_owned(),
            with(&|f| f.decisions = vec![Decision::PartiallySucceeded]),
            false,
        ),
        (
            "environment",
            "--environment 'Contoso Lab'".to_owned(),
            with(&|f| f.query.environments = vec![queries::ScopeRef::parse("Contoso Lab")]),
            false,
        ),
        ("stale", "--stale".to_owned(), with(&|f| f.stale = true), false),
        ("search_rare", format!("--search {SEARCH_RARE} (rare)"), search(SEARCH_RARE), true),
        ("search_common", format!("--search {SEARCH_COMMON} (common)"), search(SEARCH_COMMON), true),
        ("search_absent", format!("--search {SEARCH_ABSENT} (absent)"), search(SEARCH_ABSENT), true),
    ];
    for (key, name, filter, is_search) in cases {
        if opts.wants(&format!("first_page.{key}")) {
            let ask = if key.starts_with("first_ask.") { Ask::First } else { Ask::Again };
            figures.push(first_page(&ctx, key, &name, filter, is_search, ask).await?);
        }
    }
    let mut visible = -1;
    if opts.wants("count") || opts.wants("deep_page") {
        let (count_fig, n) = count_figure(&ctx).await?;
        visible = n;
        if opts.wants("count") {
            figures.push(count_fig);
        }
    }
    if opts.wants("deep_page") && visible > i64::from(FIRST_PAGE) {
        figures.push(deep_page(&ctx, visible).await?);
    }
    let mut tui_figures = TuiFigures::default();
    if tui::KEYS.iter().any(|k| opts.wants(k)) {
        let (f, t) = tui::figures(&ctx, &opts, &url, runs).await?;
        figures.extend(f);
        tui_figures = t;
    }
    service.close().await;

    if opts.stale_runs > 0 && opts.wants("batch") {
        figures.extend(batch_figures(&opts, &url).await?);
    }

    Ok(BenchReport {
        database: store.label().to_owned(),
        engine: match store.engine() {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        },
        runs,
        visible_runs: visible,
        operator: service.operator().handle.clone(),
        seeded: seeded.is_some(),
        started_at,
        machine: machine(load_before),
        figures,
        tui: tui_figures,
    })
}

fn fmt_num(v: f64, unit: &str) -> String {
    match unit {
        "ms" if v < 10.0 => format!("{v:.2}"),
        "ms" | "MB" => format!("{v:.1}"),
        "s" => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

/// The report as text (a table and notes) or as one JSON object.
#[must_use]
pub fn render(report: &BenchReport, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    }
    let mut out = String::new();
    out.push_str(&format!(
        "proofdesk bench: {} ({} runs, {}){}\nmachine: {} cpus, {}; load {} -> {}\n\n",
        report.database,
        report.runs,
        if report.visible_runs < 0 {
            format!("visible to {} not counted in this run", report.operator)
        } else {
            format!("{} visible to {}", report.visible_runs, report.operator)
        },
        if report.seeded { ", built in this run" } else { ", reused" },
        report.machine.cpus,
        report.machine.cpu_model,
        report.machine.load_before,
        report.machine.load_after,
    ));
    out.push_str(&format!(
        "{:<48} {:>9} {:>9} {:>7}   {:<30} {:>9} {:>9} {:>9}   {:<6} {}\n",
        "figure", "median", "p95", "unit", "reference", "median", "p95", "-ref/rnd", "result", "goal"
    ));
    for f in &report.figures {
        let (rname, rmed, rp95) = f.reference.as_ref().map_or((String::new(), String::new(), String::new()), |r| {
            (r.name.clone(), fmt_num(r.value.median, f.unit), fmt_num(r.value.p95, f.unit))
        });
        let paired =
            f.reference.as_ref().and_then(|r| r.paired.as_ref()).map_or(String::new(), |p| format!("{:+.2}", p.median));
        let result = match f.pass {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "info",
        };
        out.push_str(&format!(
            "{:<48} {:>9} {:>9} {:>7}   {:<30} {:>9} {:>9} {:>9}   {:<6} {}\n",
            f.name,
            fmt_num(f.value.median, f.unit),
            fmt_num(f.value.p95, f.unit),
            f.unit,
            rname,
            rmed,
            rp95,
            paired,
            result,
            f.goal
        ));
    }
    out.push_str("\nnotes:\n");
    for f in &report.figures {
        out.push_str(&format!("  {}: {} (n={})\n", f.key, f.note, f.value.n));
    }
    let failures = report.failures();
    if failures.is_empty() {
        out.push_str("\nevery figure with a goal meets it\n");
    } else {
        out.push_str(&format!("\n{} figure(s) miss their goal: ", failures.len()));
        out.push_str(&failures.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", "));
        out.push('\n');
    }
    out
}

/// Prints [`render`] to standard output.
pub fn print(report: &BenchReport, json: bool) {
    use std::io::Write;
    let text = render(report, json);
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s = Stat::of(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((s.median, s.n), (3.0, 5));
        assert_eq!(s.p95, 5.0);
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Stat::of(&v);
        assert_eq!((s.median, s.p95), (50.0, 95.0));
        assert_eq!(Stat::of(&[]).n, 0);
    }

    #[test]
    fn sampling_warms_up_untimed_then_takes_the_samples() {
        let mut s = Sampling::with_warmup(3, FIRST_PAGE_WARMUP);
        let rounds: Vec<bool> = std::iter::from_fn(|| s.next()).collect();
        assert_eq!(rounds.len(), FIRST_PAGE_WARMUP + 3);
        assert!(rounds[..FIRST_PAGE_WARMUP].iter().all(|t| !t) && rounds[FIRST_PAGE_WARMUP..].iter().all(|t| *t));
        assert_eq!(FIRST_PAGE_WARMUP % 2, 0, "the timed rounds must start on the same side as round 0");
    }

    #[test]
    fn rounds_read_what_the_value_adds_whichever_side_goes_first() {
        // Whoever goes first pays 3.5 ms (the side second finds the pages cached); the sides
        // take turns, and the value adds 0.1 ms. Single rounds read -3.4 or +3.6.
        let first = |round: usize, side: usize| if round % 2 == side { 3.5 } else { 0.0 };
        let value: Vec<f64> = (0..40).map(|i| 2.1 + first(i, 0)).collect();
        let reference: Vec<f64> = (0..40).map(|i| 2.0 + first(i, 1)).collect();
        let (_, _, d) = rounds(&value, &reference);
        assert!((d.median - 0.1).abs() < 1e-9, "{d:?}");
        assert_eq!(d.n, 20, "one reading per pair of rounds");
        // An odd round out is left out rather than read alone.
        let (_, _, d) = rounds(&value[..39], &reference[..39]);
        assert_eq!(d.n, 19);
    }

    #[test]
    fn rounds_read_what_the_value_adds_through_a_drift_in_load() {
        // The machine slows down halfway; the value adds 0.2 ms in every round. Which side
        // happens to land in the slow half moves each median, not the per-round difference.
        let reference: Vec<f64> = (0..20).map(|i| if i < 10 { 2.0 } else { 3.0 }).collect();
        let value: Vec<f64> =
            reference.iter().enumerate().map(|(i, r)| r + 0.2 + if i == 9 { 1.0 } else { 0.0 }).collect();
        let (v, r, d) = rounds(&value, &reference);
        assert!((v.median - r.median - 1.2).abs() < 1e-9, "the medians apart read 1.2 ms: {v:?} {r:?}");
        assert!((d.median - 0.2).abs() < 1e-9, "{d:?}");
        assert_eq!(d.n, 10);
    }

    #[test]
    fn postgres_urls_split_into_base_database_and_query() {
        assert_eq!(
            split_pg_url("postgres://u@h:5432/db?sslmode=disable"),
            ("postgres://u@h:5432", "db", "?sslmode=disable")
        );
        assert_eq!(split_pg_url("postgres://u@h:5432"), ("postgres://u@h:5432", "", ""));
        assert_eq!(
            derive_stale_url("postgres://u@h:5432/bench", 10).ok().as_deref(),
            Some("postgres://u@h:5432/bench_stale")
        );
    }

    #[test]
    fn the_stale_fixture_has_every_record_of_a_run() {
        let doc = stale_fixture(20, Clock::system().now());
        let len = |k: &str| doc[k].as_array().map_or(0, Vec::len);
        assert_eq!((len("operation_runs"), len("restore_runs"), len("restore_items")), (20, 20, 60));
        assert_eq!((len("evidence"), len("audit_log")), (18, 40));
    }
}
