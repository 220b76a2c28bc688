//! From a typed filter's `Enter` to the frame of its first page, and from `Service::open` to
//! the first frame with rows, each beside the same page read through `Service::list`.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Instant;

use color_eyre::eyre::{bail, eyre, Report, Result};
use proofdesk::service::{RunFilter, Service, ServiceError};
use proofdesk::tui::worker::{self, Command};
use proofdesk::tui::{filter, App, Theme};

use super::screen::{console, without_count, Driven};
use super::{FILTERS, SIZE, VERDICT_FILTERS};
use crate::pages::Ctx;
use crate::report::{Figure, Reference, Stat};
use crate::sampling::{err, ms, Sampling, WARMUP};
use crate::BenchOptions;

/// Filters typed in turn, with their times.
#[derive(Default)]
struct FilterRounds {
    /// Enter to the frame of the first page, and the reference, per filter.
    per: Vec<(Vec<f64>, Vec<f64>)>,
    /// Each typing key's frame (update + draw).
    typing: Vec<f64>,
}

impl FilterRounds {
    fn all(&self) -> (Vec<f64>, Vec<f64>) {
        let mut out = (Vec::new(), Vec::new());
        for (t, r) in &self.per {
            out.0.extend(t);
            out.1.extend(r);
        }
        out
    }

    fn describe(&self, filters: &[&str]) -> String {
        filters
            .iter()
            .zip(&self.per)
            .map(|(f, (t, r))| {
                let f = if f.is_empty() { filter::DEFAULT_TEXT } else { f };
                format!("{f} {:.1} ({:.1})", Stat::of(t).median, Stat::of(r).median)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Types each of `filters` (after the default text) in turn into the console's filter bar,
/// and reads the same first page (`page` rows, the console's) through `Service::list` beside it.
async fn filter_rounds(
    d: &mut Driven,
    service: &Service,
    theme: &Theme,
    filters: &[&str],
    (samples, page): (usize, u32),
) -> Result<FilterRounds> {
    let mut out = FilterRounds { per: vec![(Vec::new(), Vec::new()); filters.len()], typing: Vec::new() };
    let mut sampling = Sampling::new(samples.max(filters.len()));
    let mut i = 0;
    while let Some(timed) = sampling.next() {
        let which = i % filters.len();
        let text = format!("{} {}", filter::DEFAULT_TEXT, filters[which]).trim().to_owned();
        let f = filter::parse(&text, &d.app.list.filter, service.now()).map_err(|e| eyre!("{text:?}: {e}"))?;
        let reference = async {
            let t = Instant::now();
            service.list(&f, None, page).await.map_err(err("filter reference"))?;
            Ok::<_, Report>(ms(t.elapsed()))
        };
        // Each first every other round, so that caches warmed by one favour neither.
        let ((elapsed, keys), r) = if i % 2 == 0 {
            let r = reference.await?;
            (d.change_filter(service, theme, &text).await?, r)
        } else {
            (d.change_filter(service, theme, &text).await?, reference.await?)
        };
        if timed {
            out.per[which].0.push(elapsed);
            out.per[which].1.push(r);
            out.typing.extend(keys);
        }
        i += 1;
    }
    Ok(out)
}

/// From the `Enter` of a typed filter to the frame of its first page: filters the SQL
/// answers, and a filter on the verdict (which the service applies after assessing each run).
pub async fn filter_figures(ctx: &Ctx<'_>, theme: &Theme, runs: i64, page: u32) -> Result<Vec<Figure>> {
    let service = ctx.service;
    let mut d = Driven::open(service, theme, None, false).await?;
    let sql = filter_rounds(&mut d, service, theme, &FILTERS, (ctx.samples, page)).await?;
    let verdict = filter_rounds(&mut d, service, theme, &VERDICT_FILTERS, (ctx.samples, page)).await?;
    let typing = Stat::of(&[sql.typing.as_slice(), verdict.typing.as_slice()].concat());
    let figure = |key: &str, what: &str, rounds: &FilterRounds, filters: &[&str], more: &str| {
        let (times, refs) = rounds.all();
        let value = Stat::of(&times);
        Figure {
            key: key.to_owned(),
            name: format!("key to frame: filter ({what}), {runs} runs"),
            unit: "ms",
            value,
            reference: Some(Reference::new("Service::list first page", Stat::of(&refs))),
            goal: "p95 <= 50 ms".to_owned(),
            pass: Some(value.p95 <= 50.0),
            note: format!(
                "`/`, ^u, the text, Enter: from Enter to the frame showing the new first page (the loading frame \
                 drawn between, the match count left to the background); typed after `{}`, in turn, median ms each \
                 (reference): {}; a typing key's frame: median {:.2} ms, p95 {:.2} ms{more}",
                filter::DEFAULT_TEXT,
                rounds.describe(filters),
                typing.median,
                typing.p95
            ),
        }
    };
    Ok(vec![
        figure("tui.key_filter", "SQL side", &sql, &FILTERS, ""),
        figure(
            "tui.key_filter_verdict",
            "verdict",
            &verdict,
            &VERDICT_FILTERS,
            "; the service reads pages of open runs and assesses each until a page of matches is found: the time \
             is the service's, the console adds its two frames",
        ),
    ])
}

/// One start of the console: from `Service::open` to the first frame with rows (every frame on
/// the way counted in `frames`).
async fn start_console<F: Future<Output = Result<Service, ServiceError>>>(
    open: &impl Fn() -> F,
    theme: &Theme,
    frames: &mut usize,
) -> Result<f64> {
    let t = Instant::now();
    let service = open().await.map_err(err("open"))?;
    let (mut app, cmds) = App::new(service.clone(), SIZE, Instant::now());
    let mut screen = console()?;
    let mut queue: VecDeque<Command> = without_count(cmds).into();
    *frames = 0;
    loop {
        if app.take_dirty() {
            screen.draw(&app, theme)?;
            *frames += 1;
            if app.list.known_rows().0 > 0 {
                break;
            }
        }
        let Some(cmd) = queue.pop_front() else {
            let why = app.list.error.as_ref().map_or_else(|| "no rows".to_owned(), ToString::to_string);
            bail!("start: no first page ({why})");
        };
        let reply = worker::execute(&service, cmd).await;
        queue.extend(without_count(app.update(reply)));
    }
    let elapsed = ms(t.elapsed());
    service.close().await;
    Ok(elapsed)
}

/// The start's reference: `Service::open` and the default view's first page, no UI.
async fn start_reference<F: Future<Output = Result<Service, ServiceError>>>(
    open: &impl Fn() -> F,
    page: u32,
) -> Result<f64> {
    let t = Instant::now();
    let service = open().await.map_err(err("open"))?;
    let f = filter::parse(filter::DEFAULT_TEXT, &RunFilter::default(), service.now()).unwrap_or_default();
    service.list(&f, None, page).await.map_err(err("start reference"))?;
    let r = ms(t.elapsed());
    service.close().await;
    Ok(r)
}

/// From `Service::open` to the first frame with rows.
pub async fn start_figure(
    ctx: &Ctx<'_>,
    opts: &BenchOptions,
    (url, runs): (&str, i64),
    theme: &Theme,
    page: u32,
) -> Result<Figure> {
    let open = || Service::open(opts.session(Some(url.to_owned())));
    let (mut times, mut refs) = (Vec::new(), Vec::new());
    let mut frames = 0;
    let rounds = ctx.samples.clamp(1, 10);
    for i in 0..WARMUP + rounds {
        // Each first every other round, so that caches warmed by one favour neither.
        let (elapsed, r) = if i % 2 == 0 {
            let r = start_reference(&open, page).await?;
            (start_console(&open, theme, &mut frames).await?, r)
        } else {
            (start_console(&open, theme, &mut frames).await?, start_reference(&open, page).await?)
        };
        if i >= WARMUP {
            times.push(elapsed);
            refs.push(r);
        }
    }
    let value = Stat::of(&times);
    Ok(Figure {
        key: "tui.start_first_frame".to_owned(),
        name: format!("start to first frame with rows, {runs} runs"),
        unit: "ms",
        value,
        reference: Some(Reference::new("Service::open + first page", Stat::of(&refs))),
        goal: "<= 50 ms".to_owned(),
        pass: Some(value.p95 <= 50.0),
        note: format!(
            "Service::open (pool, migrations check, operator), App::new, its page loads, {frames} frames (the \
             loading frame, then the rows); the process start, theme and terminal setup are not included; the OS \
             page cache is warm (the database was read before)"
        ),
    })
}
