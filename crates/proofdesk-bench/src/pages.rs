//! The list figures: each first page beside the same SQL run raw, a deep page beside page 1,
//! the match count, and peak memory while scrolling the whole list.
//!
//! A first page's reference is exactly the statements the service ran for it, as the one
//! observation hook records them (`Service::observed` with a `StatementLog`): the search
//! look-ups on the pool, then every list statement and proof-bundle statement in order on one
//! connection of the service's own pool, rows fetched but not decoded. The difference is what
//! the service adds (decoding, assessing, building the views).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use color_eyre::eyre::{bail, eyre, Result};
use proofdesk::service::{OpenOptions, RunFilter, Service};
use proofdesk::store::queries::{self, Cursor, RunQuery};
use proofdesk::store::rows::RunRow;
use proofdesk::store::{Arg, Statement, StatementKind, StatementLog, Store};

use crate::report::{Figure, Reference, Stat};
use crate::sampling::{err, ms, rounds, Sampling, FIRST_PAGE_WARMUP};
use crate::FIRST_PAGE;

/// Rows per page while scrolling the whole list (the console's page size).
const SCROLL_PAGE: u32 = 100;
/// Where a deep page is taken, as a fraction of the visible list (900k of 1M runs when one
/// operator sees them all; the demo operator sees about two thirds of the synthetic runs).
const DEEP_FRACTION: f64 = 0.9;
/// What a first page may add to its raw SQL, in ms (the median of [`rounds`]' reading).
const PAGE_MARGIN_MS: f64 = 0.5;

pub struct Ctx<'a> {
    pub service: &'a Service,
    pub store: &'a Store,
    /// How `service` was opened, for new sessions on the same pool.
    pub options: OpenOptions,
    pub samples: usize,
}

/// How a session has asked for a filter before a figure's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// As a console asks again (live refresh, paging): the session has listed the filter
    /// before, and remembers how dense a verdict filter's matches were.
    Again,
    /// A new session's first ask: nothing remembered.
    First,
}

impl Ctx<'_> {
    /// The session a page is listed in: the bench's own, or a new one on the same pool.
    async fn session(&self, ask: Ask) -> Result<Service> {
        match ask {
            Ask::Again => Ok(self.service.clone()),
            Ask::First => Service::with_store(self.store.clone(), self.options.clone()).await.map_err(err("session")),
        }
    }
}

/// The SQL-side query `Service::list` runs for `filter` (with `--stale` resolved as it does).
pub fn sql_query(service: &Service, filter: &RunFilter) -> RunQuery {
    let mut q = filter.query.clone();
    if filter.stale {
        q.stale_before = Some(service.now() - service.stale_after());
    }
    q
}

/// Runs `statements` in order on one connection of `store`, as `Service::list` runs a page
/// and its bundles, fetching every row without decoding it; returns how many runs the list
/// statements fetched. The service's own pool, so both sides use the same connections (on
/// SQLite: the same page caches and the same worker threads).
async fn raw_statements(store: &Store, statements: &[Statement]) -> Result<usize> {
    let mut conn = store.acquire().await.map_err(|e| eyre!("raw acquire: {e}"))?;
    let mut runs = 0;
    for s in statements {
        let n = conn.fetch_rows(&s.sql).await.map_err(|e| eyre!("raw query: {e}"))?.len();
        if s.kind == StatementKind::List {
            runs += n;
        }
    }
    Ok(runs)
}

/// Search look-ups run on the pool, one connection each, as the service runs them.
async fn raw_lookups(store: &Store, lookups: &[Statement]) -> Result<()> {
    for s in lookups {
        let mut conn = store.acquire().await.map_err(|e| eyre!("raw acquire: {e}"))?;
        conn.fetch_rows(&s.sql).await.map_err(|e| eyre!("raw query: {e}"))?;
    }
    Ok(())
}

/// The statements one list of `filter` runs in `session`, as the hook records them: the
/// search look-ups, and the list and proof-bundle statements.
async fn recorded(session: &Service, filter: &RunFilter, name: &str) -> Result<(Vec<Statement>, Vec<Statement>)> {
    let log = StatementLog::default();
    session.observed(&log).list(filter, None, FIRST_PAGE).await.map_err(err(name))?;
    Ok(log.take().into_iter().partition(|s| s.kind == StatementKind::Lookup))
}

/// Whether two recordings ran the same statements (`--stale` binds the time it is asked at:
/// that value moves with the clock).
fn same_statements(a: &[Statement], b: &[Statement]) -> bool {
    let same_arg = |x: &Arg, y: &Arg| matches!((x, y), (Arg::Time(_), Arg::Time(_))) || x == y;
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.kind == b.kind
                && a.sql.text == b.sql.text
                && a.sql.args.len() == b.sql.args.len()
                && a.sql.args.iter().zip(&b.sql.args).all(|(x, y)| same_arg(x, y))
        })
}

pub async fn first_page(
    ctx: &Ctx<'_>,
    key: &str,
    name: &str,
    filter: RunFilter,
    search: bool,
    ask: Ask,
) -> Result<Figure> {
    let verdict_filter = !filter.decisions.is_empty() || filter.gap;
    if ask == Ask::Again {
        ctx.service.list(&filter, None, FIRST_PAGE).await.map_err(err(name))?;
    }
    // Every statement the service runs for the page, as it ran them: the search look-ups, the
    // list page(s) (a verdict filter may read several) and the proof-bundle statement of each.
    let (lookups, statements) = recorded(&ctx.session(ask).await?, &filter, name).await?;
    let pages = statements.iter().filter(|s| s.kind == StatementKind::List).count();
    let (mut svc, mut raw) = (Vec::new(), Vec::new());
    let (mut rows, mut raw_rows, mut more) = (0, 0, false);
    let mut s = Sampling::with_warmup(ctx.samples, FIRST_PAGE_WARMUP);
    let mut round = 0_usize;
    while let Some(timed) = s.next() {
        // The two sides take turns going first: the pool hands out its idle connections in
        // turn, so a fixed order would give each side the same connection every round.
        round += 1;
        let mut page = None;
        let (mut d, mut r) = (Duration::ZERO, Duration::ZERO);
        let listing = ctx.session(ask).await?;
        for side in [round % 2, 1 - round % 2] {
            let t = Instant::now();
            if side == 0 {
                page = Some(listing.list(&filter, None, FIRST_PAGE).await.map_err(err(name))?);
                d = t.elapsed();
            } else {
                raw_lookups(ctx.store, &lookups).await?;
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
    let (_, after) = recorded(&ctx.session(ask).await?, &filter, name).await?;
    let same = same_statements(&after, &statements);
    let (value, reference, paired) = rounds(&svc, &raw);
    let mut note = format!(
        "{rows} rows{}; raw statements: {raw_rows} runs; service - raw per pair of rounds (one with each side first): median {:+.2} ms, p95 {:+.2} ms",
        if more { ", more follow" } else { "" },
        paired.median,
        paired.p95
    );
    if verdict_filter {
        let _ = write!(
            note,
            "; verdict filter: the service read {pages} SQL page(s), {raw_rows} runs, assessing each until \
             {FIRST_PAGE} matched; the reference runs the same pages; {}",
            match ask {
                Ask::Again => "asked again in one session, as a console does (the session remembers the density)",
                Ask::First => "a session's first ask (no density remembered)",
            }
        );
    }
    if !same {
        note.push_str("; WARNING: the service's statements changed while sampling, the reference is stale");
    }
    if search {
        note.push_str("; the reference runs the search look-ups too (environments, workspaces, policy names)");
    }
    // What the service adds, read from the rounds (see `sampling::rounds`).
    let page_goal = paired.median <= PAGE_MARGIN_MS && same;
    let (goal, pass) = if search {
        let fast = value.p95 <= 50.0;
        ("p95 <= 50 ms (and service - raw <= 0.5 ms, median of round pairs)".to_owned(), Some(fast && page_goal))
    } else {
        ("service - raw <= 0.5 ms, median of round pairs".to_owned(), Some(page_goal))
    };
    let bundles = statements.len() - pages;
    Ok(Figure {
        key: format!("first_page.{key}"),
        name: format!("first page: {name}"),
        unit: "ms",
        value,
        reference: Some(Reference {
            name: if lookups.is_empty() {
                format!("same SQL raw ({raw_rows} rows + {bundles} bundle stmts)")
            } else {
                format!("same SQL raw ({} look-ups, {raw_rows} rows, {bundles} bundle)", lookups.len())
            },
            value: reference,
            paired: Some(paired),
        }),
        goal,
        pass,
        note,
    })
}

pub async fn deep_page(ctx: &Ctx<'_>, visible: i64) -> Result<Figure> {
    let filter = RunFilter::restore_execute();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_precision_loss,
        reason = "a fraction of a row count: far below 2^52"
    )]
    let depth = ((visible as f64) * DEEP_FRACTION) as i64;
    let op = ctx.service.operator().id;
    let query = sql_query(ctx.service, &filter);
    // The row at that depth, by the list's own statement with an OFFSET (setup only, not timed).
    let mut sql = queries::page_sql(ctx.store, op, &query, None, None, 1);
    sql.push(" OFFSET ").bind(Arg::I64(depth.saturating_sub(1).max(0)));
    let row: Option<RunRow> = ctx.store.fetch_optional(&sql).await?;
    let Some(row) = row else {
        bail!("no row at depth {depth} of {visible}");
    };
    let cursor: Cursor = queries::cursor_after(&row, query.sort);
    let (mut deep, mut first) = (Vec::new(), Vec::new());
    let mut rows = 0;
    let mut s = Sampling::new(ctx.samples);
    while let Some(timed) = s.next() {
        let t = Instant::now();
        let page = ctx.service.list(&filter, Some(cursor.clone()), FIRST_PAGE).await.map_err(err("deep page"))?;
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

pub async fn count_figure(ctx: &Ctx<'_>) -> Result<(Figure, i64)> {
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

pub async fn scroll_figure(ctx: &Ctx<'_>) -> Result<Figure> {
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
