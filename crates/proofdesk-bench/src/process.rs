//! Figures taken on the shipped binary from outside, as an operator meets them:
//!
//! - `runs_count.<case>`: `proofdesk runs --count --filter TEXT` end to end (spawn to exit, process
//!   start, opening the database and the operator included) for each filter SQL answers,
//!   beside the raw count of the same rows: its search look-ups and the `SELECT COUNT(*)` that
//!   reads the matching runs themselves (`store::queries::count_rows_sql`, never the tallies
//!   PostgreSQL keeps, which the command sums) on one connection of the bench's pool. The two
//!   numbers must agree; a count that differs fails its figure.
//! - `idle.cpu`: a console nobody touches (in tmux, on the measured database, as the measured
//!   operator), its CPU over a window read from `/proc/PID/stat` (utime + stime), beside an
//!   idle `sqlite3`/`psql` session on the same database over a window of the same length just
//!   before; on PostgreSQL also `idle.server_rows`: the rows the server returned for the
//!   database per idle minute (`pg_stat_database.tup_returned + tup_fetched`), console window
//!   beside reference window.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use color_eyre::eyre::{bail, eyre, Result};
use proofdesk::service::{filter_text, RunFilter};
use proofdesk::store::queries;
use proofdesk::store::{Sql, Store};

use crate::databases::{product_binary, sqlite_file};
use crate::pages::{sql_query, Ctx};
use crate::report::{Figure, Reference, Stat};
use crate::sampling::{err, ms, Sampling};

/// What a count may take end to end, process start included (issue 15).
const COUNT_GOAL_MS: f64 = 300.0;
/// What an idle console may use, in % of one core (issue 15).
const IDLE_GOAL_PCT: f64 = 1.0;
/// How long a console (or the reference) runs before its idle window: start, first pages,
/// first count, and on PostgreSQL the statistics of what ran before (an idle backend reports
/// them up to 10 s late, so the bench's own statements would land in the first window).
const IDLE_WARMUP: Duration = Duration::from_secs(15);

/// The count cases: key, filter text (the type always spelled, so the command's default type
/// does not apply), and whether SQL answers it (else: a verdict filter, counted exactly by
/// assessing its candidates; information only).
pub const COUNT_CASES: &[(&str, &str, bool)] = &[
    ("default", "type:restore.execute", true),
    ("any_type", "type:any", true),
    ("status", "type:restore.execute status:running", true),
    ("outcome", "type:restore.execute outcome:failed", true),
    ("workspace", "type:restore.execute ws:Contoso", true),
    ("environment", "type:restore.execute env:\"Contoso Lab\"", true),
    ("stale", "type:restore.execute stale", true),
    ("since_until", "type:restore.execute since:-90d until:-30d", true),
    ("mixed", "type:restore.execute status:completed outcome:succeeded env:\"Contoso Prod\" since:-365d", true),
    ("search_rare", "type:restore.execute Bürogeräte", true),
    ("search_common", "type:restore.execute BitLocker", true),
    ("search_scope", "type:restore.execute Lab", true),
    ("search_absent", "type:restore.execute no-such-policy-zq", true),
    ("decision", "type:restore.execute decision:partially_succeeded", false),
];

/// `proofdesk --db URL --as OP --read-only ARGS…`, ready to spawn.
fn product(url: &str, operator: &str, args: &[&str]) -> Result<tokio::process::Command> {
    let mut c = tokio::process::Command::new(product_binary()?);
    c.env_remove("DATABASE_URL").env_remove("PROOFDESK_OPERATOR");
    c.args(["--db", url, "--as", operator, "--read-only"]).args(args);
    Ok(c)
}

/// The raw statements of one count, on one connection: the search look-ups, then the count
/// read from the runs.
async fn raw_count(ctx: &Ctx<'_>, filter: &RunFilter) -> Result<i64> {
    let operator = ctx.service.operator().id;
    let q = sql_query(ctx.service, filter);
    let search = queries::search_of(ctx.store, operator, &q, None).await?;
    let Some(sql) = queries::count_rows_sql(ctx.store, operator, &q, search.as_ref()) else { return Ok(0) };
    let mut conn = ctx.store.acquire().await.map_err(|e| eyre!("raw acquire: {e}"))?;
    let row: Option<(i64,)> = conn.fetch_optional(&sql).await.map_err(|e| eyre!("raw count: {e}"))?;
    Ok(row.map_or(0, |r| r.0))
}

/// One count case: the command end to end beside the raw statements.
pub async fn count_figure(ctx: &Ctx<'_>, url: &str, case: (&str, &str, bool)) -> Result<Figure> {
    let (key, text, sql_side) = case;
    let filter =
        filter_text::parse(text, &RunFilter::default(), ctx.service.now()).map_err(|e| eyre!("{text}: {e}"))?;
    let operator = ctx.service.operator().handle.clone();
    let (mut times, mut refs) = (Vec::new(), Vec::new());
    let (mut printed, mut raw) = (String::new(), None);
    let mut s = Sampling::new(ctx.samples.min(9));
    while let Some(timed) = s.next() {
        let t = Instant::now();
        let out = product(url, &operator, &["runs", "--count", "--filter", text])?
            .output()
            .await
            .map_err(|e| eyre!("count {key}: {e}"))?;
        let took = ms(t.elapsed());
        if !out.status.success() {
            bail!("count {key}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let t = Instant::now();
        if sql_side {
            raw = Some(raw_count(ctx, &filter).await?);
        }
        let raw_took = ms(t.elapsed());
        if timed {
            times.push(took);
            refs.push(raw_took);
        }
    }
    let value = Stat::of(&times);
    let agree = raw.is_none_or(|r| printed == r.to_string());
    let (reference, goal, pass, note) = if sql_side {
        (
            Some(Reference::new("raw COUNT(*) of the rows", Stat::of(&refs))),
            format!("<= {COUNT_GOAL_MS:.0} ms end to end"),
            Some(agree && value.median <= COUNT_GOAL_MS),
            if agree {
                format!("{printed} runs; `runs --count --filter '{text}'`, process start included")
            } else {
                format!("the command printed {printed}, the raw statements counted {raw:?}: they must agree")
            },
        )
    } else {
        let check = ctx.service.count_matching(&filter).await.map_err(err("count_matching"))?;
        (
            None,
            "none (a verdict filter: exact, by assessing its candidates)".to_owned(),
            None,
            format!("{printed} runs (the service counts {check}); `runs --count --filter '{text}'`"),
        )
    };
    Ok(Figure {
        key: format!("runs_count.{key}"),
        name: format!("runs --count: {key}"),
        unit: "ms",
        value,
        reference,
        goal,
        pass,
        note,
    })
}

/// Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`; 100 on Linux when absent).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in ticks.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| eyre!("/proc/{pid}/stat: {e}"))?;
    // The command name is in parentheses and may hold spaces: fields count after the last `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After `)`: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12.
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).ok_or_else(|| eyre!("/proc/{pid}/stat"));
    Ok(field(11)? + field(12)?)
}

/// A tmux server of this bench's own (its own socket), killed on drop with what runs in it.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self { socket: format!("proofdesk-bench-{}", std::process::id()) }
    }

    fn tmux(&self) -> std::process::Command {
        let mut c = std::process::Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Starts `program args…` in a new 120×40 session; returns its pid.
    fn spawn(&self, name: &str, program: &PathBuf, args: &[&str]) -> Result<u32> {
        let out = self
            .tmux()
            .args(["new-session", "-d", "-P", "-F", "#{pane_pid}", "-s", name, "-x", "120", "-y", "40", "--"])
            .arg(program)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("PROOFDESK_OPERATOR")
            .output()
            .map_err(|e| eyre!("tmux: {e} (the idle figures need tmux)"))?;
        if !out.status.success() {
            bail!("tmux new-session: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|e| eyre!("tmux pane pid: {e}"))
    }

    fn kill(&self, name: &str) {
        let _ = self.tmux().args(["kill-session", "-t", name]).output();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

/// `tup_returned + tup_fetched` of the database `store` is on, as the statistics report it now.
async fn server_rows(store: &Store) -> Result<i64> {
    let mut conn = store.acquire().await?;
    // A fresh snapshot each time: the statistics views keep one per transaction otherwise.
    conn.fetch_rows(&Sql::new("SELECT pg_stat_clear_snapshot()")).await?;
    let row: Option<(i64,)> = conn
        .fetch_optional(&Sql::new(
            "SELECT CAST(tup_returned + tup_fetched AS BIGINT) FROM pg_stat_database WHERE datname = current_database()",
        ))
        .await?;
    Ok(row.map_or(0, |r| r.0))
}

/// What one idle window measured: % of a core, and server rows per minute (PostgreSQL).
struct Window {
    cpu_pct: f64,
    rows_per_min: Option<f64>,
}

async fn window(store: &Store, pid: u32, seconds: u64, postgres: bool) -> Result<Window> {
    let ticks = clock_ticks();
    let rows0 = if postgres { Some(server_rows(store).await?) } else { None };
    let (cpu0, t0) = (cpu_ticks(pid)?, Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu1, took) = (cpu_ticks(pid)?, t0.elapsed().as_secs_f64());
    let rows1 = if postgres { Some(server_rows(store).await?) } else { None };
    #[expect(clippy::cast_precision_loss, reason = "tick and row counts far below 2^52")]
    Ok(Window {
        cpu_pct: (cpu1.saturating_sub(cpu0)) as f64 / ticks / took * 100.0,
        rows_per_min: rows0.zip(rows1).map(|(a, b)| (b - a) as f64 / took * 60.0),
    })
}

/// The idle figures: a reference session alone for `seconds`, then the console alone.
pub async fn idle_figures(ctx: &Ctx<'_>, url: &str, seconds: u64) -> Result<Vec<Figure>> {
    let postgres = sqlite_file(url).is_none();
    let (ref_program, ref_args, ref_name) = match sqlite_file(url) {
        Some(path) => ("sqlite3", vec![path.display().to_string()], "idle sqlite3 shell"),
        None => ("psql", vec![url.to_owned()], "idle psql session"),
    };
    let found = std::process::Command::new("sh").args(["-c", &format!("command -v {ref_program}")]).output();
    let ref_path = found
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .ok_or_else(|| eyre!("{ref_program} is missing: the idle figures compare with an idle {ref_program}"))?;
    let tmux = Tmux::new();
    // A session that outlives both windows: killing the last session ends the tmux server, and
    // a new session asked for while it exits fails ("server exited unexpectedly").
    tmux.spawn("keep", &PathBuf::from("sleep"), &["86400"])?;
    let ref_args: Vec<&str> = ref_args.iter().map(String::as_str).collect();
    let ref_pid = tmux.spawn("reference", &ref_path, &ref_args)?;
    tokio::time::sleep(IDLE_WARMUP).await;
    let reference = window(ctx.store, ref_pid, seconds, postgres).await?;
    tmux.kill("reference");

    let operator = ctx.service.operator().handle.clone();
    let args = ["--db", url, "--as", &operator, "--read-only"];
    let console_pid = tmux.spawn("console", &product_binary()?, &args)?;
    tokio::time::sleep(IDLE_WARMUP).await;
    let console = window(ctx.store, console_pid, seconds, postgres).await?;
    tmux.kill("console");

    let what = format!(
        "the console ({operator}, default view, 120x40 in tmux) from {}s after start, over {seconds}s; \
         the reference alone before it, the same way",
        IDLE_WARMUP.as_secs()
    );
    let mut out = vec![Figure {
        key: "idle.cpu".to_owned(),
        name: "idle console: CPU".to_owned(),
        unit: "%core",
        value: Stat::single(console.cpu_pct),
        reference: Some(Reference::new(ref_name, Stat::single(reference.cpu_pct))),
        goal: format!("<= {IDLE_GOAL_PCT:.0}% of a core"),
        pass: Some(console.cpu_pct <= IDLE_GOAL_PCT),
        note: format!("{what}; /proc/PID/stat utime + stime"),
    }];
    if let (Some(c), Some(r)) = (console.rows_per_min, reference.rows_per_min) {
        out.push(Figure {
            key: "idle.server_rows".to_owned(),
            name: "idle console: server rows per minute".to_owned(),
            unit: "rows",
            value: Stat::single(c),
            reference: Some(Reference::new(ref_name, Stat::single(r))),
            goal: "does not grow with the runs (compare with the same figure at another size)".to_owned(),
            pass: None,
            note: format!(
                "{what}; pg_stat_database tup_returned + tup_fetched of the database (every session on it, \
                 autovacuum included; the statistics lag by up to a few seconds)"
            ),
        });
    }
    Ok(out)
}
