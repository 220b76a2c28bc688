//! The terminal UI's figures of `proofdesk bench`, taken on the console itself: the real
//! [`App`] driven by `Msg::Key` messages, its commands run through the worker
//! ([`worker::settle`] / [`worker::execute`]), and [`render`] drawn by a ratatui `Terminal` over
//! `CrosstermBackend<W>` at 200×50. `W` is the console's own writer ([`frame_writer`]) over what
//! standard output is (a 1 KiB line buffer) over a writer that counts bytes and write calls, so
//! the buffer diff and crossterm's encoding are inside every figure.
//!
//! - `tui.frame_1m`: `terminal.draw` alone while the selection moves down the default list of
//!   the large database, beside the same on a list of about 1k runs of the same database (the
//!   default view over [`SMALL_WINDOW`]); the two are driven key by key in turn, so a busy
//!   machine slows both alike;
//! - `tui.key_nav`: from a `j` to its frame (update, the page loads it asks for, draw);
//! - `tui.bytes_*`, `tui.writes_per_frame`: what reaches the terminal per frame (an idle
//!   redraw, a selection move, a screen down) beside a full redraw, and the write calls beside
//!   those of ratatui's default terminal (`Stdout` alone, i.e. its 1 KiB line buffer);
//! - `tui.key_filter`: from the `Enter` that applies a typed filter to the frame that shows its
//!   first page, beside that page read through `Service::list`;
//! - `tui.start_first_frame`: from `Service::open` to the first frame with rows.
//!
//! The match count (`Command::Count`) is set aside everywhere: the console runs it in the
//! background and no frame waits for it (its time is the `count.default` figure).

use std::collections::VecDeque;
use std::io::{self, BufWriter, LineWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::{err, ms, BenchOptions, Ctx, Figure, Reference, Sampling, Stat, TuiFigures, WARMUP};
use crate::service::{Clock, OpenOptions, RunFilter, Service, ServiceError};
use crate::tui::event::Msg;
use crate::tui::screen::runs::PAGE_ROWS;
use crate::tui::worker::{self, Command};
use crate::tui::{filter, frame_writer, render, App, Theme};

/// The terminal size of every figure (columns, rows).
pub const SIZE: (u16, u16) = (200, 50);
/// Standard output's own buffer: std line-buffers it with 1 KiB (`LineWriter::new`).
const STDOUT_BUFFER: usize = 1024;
/// The reference list of the frame figure: the default view over the last day (about 1k runs
/// in the 1M-run database, whose runs are spread evenly over two years).
pub const SMALL_WINDOW: &str = "since:-24h";
/// What the filter figures type after the default text, in turn: filters SQL answers...
pub const FILTERS: [&str; 4] = ["status:running", "env:\"Contoso Lab\"", "since:-7d", ""];
/// ...and one on the verdict, which the service applies after assessing each run.
pub const VERDICT_FILTERS: [&str; 1] = ["decision:partially_succeeded"];
/// The keys of the figures here (`--only` selects among them).
pub(super) const KEYS: [&str; 9] = [
    "tui.frame_1m",
    "tui.key_nav",
    "tui.bytes_idle",
    "tui.bytes_select",
    "tui.bytes_page",
    "tui.writes_per_frame",
    "tui.key_filter",
    "tui.key_filter_verdict",
    "tui.start_first_frame",
];
/// Keys pressed per list for the frame and navigation figures, per requested sample.
const KEYS_PER_SAMPLE: usize = 25;

/// Bytes and write calls that reached the "terminal".
#[derive(Debug, Default)]
struct Counts {
    bytes: AtomicUsize,
    writes: AtomicUsize,
}

/// The terminal's end of the writer: counts, keeps nothing.
#[derive(Debug, Clone, Default)]
struct Tty(Arc<Counts>);

impl Tty {
    fn now(&self) -> (usize, usize) {
        (self.0.bytes.load(Ordering::Relaxed), self.0.writes.load(Ordering::Relaxed))
    }
}

impl Write for Tty {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.writes.fetch_add(1, Ordering::Relaxed);
        self.0.bytes.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One frame as the terminal got it.
#[derive(Debug, Clone, Copy)]
struct Drawn {
    ms: f64,
    bytes: usize,
    writes: usize,
}

/// A 200×50 terminal whose backend writes into `W`, over a counting [`Tty`].
struct Screen<W: Write> {
    term: Terminal<CrosstermBackend<W>>,
    tty: Tty,
}

/// The console's writer: [`frame_writer`] over standard output.
type Console = Screen<BufWriter<LineWriter<Tty>>>;
/// ratatui's default terminal: standard output alone.
type Plain = Screen<LineWriter<Tty>>;

impl<W: Write> Screen<W> {
    fn new(wrap: impl FnOnce(Tty) -> W) -> Result<Self, String> {
        let tty = Tty::default();
        let viewport = Viewport::Fixed(Rect::new(0, 0, SIZE.0, SIZE.1));
        let term = Terminal::with_options(CrosstermBackend::new(wrap(tty.clone())), TerminalOptions { viewport })
            .map_err(|e| format!("terminal: {e}"))?;
        Ok(Self { term, tty })
    }

    /// One `terminal.draw` of the console, timed.
    fn draw(&mut self, app: &App, theme: &Theme) -> Result<Drawn, String> {
        let (b0, w0) = self.tty.now();
        let t = Instant::now();
        self.term.draw(|frame| render(frame, app, theme)).map_err(|e| format!("draw: {e}"))?;
        let d = ms(t.elapsed());
        let (b1, w1) = self.tty.now();
        Ok(Drawn { ms: d, bytes: b1 - b0, writes: w1 - w0 })
    }

    /// Forgets what the terminal shows, so the next frame is a full redraw (as after a resize
    /// or a clear). `Terminal::clear` would ask the terminal for its cursor; here both buffers
    /// are emptied instead: after a draw the back one is empty, and swapping empties the other.
    fn invalidate(&mut self) {
        self.term.swap_buffers();
    }
}

fn console() -> Result<Console, String> {
    Screen::new(|t| frame_writer(LineWriter::with_capacity(STDOUT_BUFFER, t)))
}

fn plain() -> Result<Plain, String> {
    Screen::new(|t| LineWriter::with_capacity(STDOUT_BUFFER, t))
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The commands without the match count (see the module notes).
fn without_count(cmds: Vec<Command>) -> Vec<Command> {
    cmds.into_iter().filter(|c| !matches!(c, Command::Count { .. })).collect()
}

/// Nearest-rank percentile `p` (0..=1) of `values`.
fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let r = (p * v.len() as f64).ceil() as usize;
    v[r.clamp(1, v.len()) - 1]
}

#[allow(clippy::cast_precision_loss)]
fn stat_of(values: impl Iterator<Item = usize>) -> Stat {
    Stat::of(&values.map(|v| v as f64).collect::<Vec<_>>())
}

/// A console on one list, drawn into the console's writer (and, for the write-call reference,
/// into standard output alone as well).
struct Driven {
    app: App,
    screen: Console,
    plain: Option<Plain>,
}

impl Driven {
    /// The console as it starts (default view), with `filter` typed after the default text and
    /// applied; every frame on the way drawn, the first page loaded.
    async fn open(service: &Service, theme: &Theme, filter: Option<&str>, with_plain: bool) -> Result<Self, String> {
        let (mut app, cmds) = App::new(service.clone(), SIZE, Instant::now());
        worker::settle(&mut app, service, without_count(cmds)).await;
        let mut d = Self { app, screen: console()?, plain: if with_plain { Some(plain()?) } else { None } };
        d.draw(theme)?;
        if let Some(f) = filter {
            let text = format!("{} {f}", filter::DEFAULT_TEXT);
            d.change_filter(service, theme, &text).await?;
        }
        Ok(d)
    }

    /// Draws the console (and the plain reference, untimed beside it).
    fn draw(&mut self, theme: &Theme) -> Result<(Drawn, Option<Drawn>), String> {
        let _ = self.app.take_dirty();
        let frame = self.screen.draw(&self.app, theme)?;
        let plain = match self.plain.as_mut() {
            Some(p) => Some(p.draw(&self.app, theme)?),
            None => None,
        };
        Ok((frame, plain))
    }

    fn invalidate(&mut self) {
        self.screen.invalidate();
        if let Some(p) = self.plain.as_mut() {
            p.invalidate();
        }
    }

    /// One key as the console takes it: update, the commands it asks for settled, the frame.
    /// Returns the frame, the key-to-frame time, whether a page was loaded, and the plain frame.
    async fn press(&mut self, service: &Service, theme: &Theme, msg: Msg) -> Result<Pressed, String> {
        let t = Instant::now();
        let cmds = without_count(self.app.update(msg));
        let loaded = !cmds.is_empty();
        worker::settle(&mut self.app, service, cmds).await;
        let _ = self.app.take_dirty();
        let frame = self.screen.draw(&self.app, theme)?;
        let key_ms = ms(t.elapsed());
        let plain = match self.plain.as_mut() {
            Some(p) => Some(p.draw(&self.app, theme)?),
            None => None,
        };
        Ok(Pressed { frame, key_ms, loaded, plain })
    }

    /// Types `/`, clears the bar (`^u`), types `text` (a frame per key), then `Enter`: returns the
    /// time from `Enter` to the frame that shows the new first page, and the typing frames' times.
    /// Between the two the console draws the "loading" frame, as its loop does.
    async fn change_filter(&mut self, service: &Service, theme: &Theme, text: &str) -> Result<(f64, Vec<f64>), String> {
        let mut typing = Vec::new();
        let keys = [key(KeyCode::Char('/')), ctrl('u')].into_iter().chain(text.chars().map(|c| key(KeyCode::Char(c))));
        for k in keys {
            let t = Instant::now();
            let cmds = self.app.update(k);
            if !cmds.is_empty() {
                return Err(format!("typing the filter {text:?} asked the worker for something"));
            }
            if self.app.take_dirty() {
                self.screen.draw(&self.app, theme)?;
            }
            typing.push(ms(t.elapsed()));
        }
        let t = Instant::now();
        let mut queue: VecDeque<Command> = without_count(self.app.update(key(KeyCode::Enter))).into();
        if let Some(e) = self.app.filter_edit.as_ref().and_then(|f| f.error.as_deref()) {
            return Err(format!("filter {text:?} refused: {e}"));
        }
        loop {
            if self.app.take_dirty() {
                self.screen.draw(&self.app, theme)?;
                if self.app.list.first_loaded() {
                    break;
                }
            }
            let Some(cmd) = queue.pop_front() else {
                let why = self.app.list.error.clone().unwrap_or_else(|| "no page was asked for".to_owned());
                return Err(format!("filter {text:?}: no first page ({why})"));
            };
            let reply = worker::execute(service, cmd).await;
            queue.extend(without_count(self.app.update(reply)));
        }
        let elapsed = ms(t.elapsed());
        // The page ahead, untimed (the console loads it while the operator reads).
        worker::settle(&mut self.app, service, queue.into()).await;
        if self.app.take_dirty() {
            self.screen.draw(&self.app, theme)?;
        }
        Ok((elapsed, typing))
    }
}

struct Pressed {
    frame: Drawn,
    key_ms: f64,
    loaded: bool,
    plain: Option<Drawn>,
}

#[derive(Default)]
struct Keys {
    frames: Vec<f64>,
    latency: Vec<f64>,
    loads: usize,
}

impl Keys {
    fn push(&mut self, p: &Pressed) {
        self.frames.push(p.frame.ms);
        self.latency.push(p.key_ms);
        self.loads += usize::from(p.loaded);
    }
}

/// Frame time, navigation latency, bytes and write calls per frame.
async fn scrolling(ctx: &Ctx<'_>, theme: &Theme, runs: i64) -> Result<Vec<Figure>, String> {
    let service = ctx.service;
    let keys = (ctx.samples * KEYS_PER_SAMPLE).clamp(100, 800);
    let mut big = Driven::open(service, theme, None, true).await?;
    let mut small = Driven::open(service, theme, Some(SMALL_WINDOW), false).await?;
    let small_runs = service.count(&small.app.list.filter).await.map_err(err("count of the 1k list"))?;
    let (mut b, mut s) = (Keys::default(), Keys::default());
    let mut frames: Vec<Drawn> = Vec::new();
    let mut plain_frames: Vec<Drawn> = Vec::new();
    for i in 0..WARMUP + keys {
        // In turn, each list first every other key.
        let (pb, ps) = if i % 2 == 0 {
            let pb = big.press(service, theme, key(KeyCode::Char('j'))).await?;
            (pb, small.press(service, theme, key(KeyCode::Char('j'))).await?)
        } else {
            let ps = small.press(service, theme, key(KeyCode::Char('j'))).await?;
            (big.press(service, theme, key(KeyCode::Char('j'))).await?, ps)
        };
        if i >= WARMUP {
            b.push(&pb);
            s.push(&ps);
            frames.push(pb.frame);
            plain_frames.extend(pb.plain);
        }
    }
    let big_sel = big.app.list.sel + 1;
    let small_sel = small.app.list.sel + 1;

    // Bytes per kind of frame, at the end of the scroll on the large list.
    let (mut idle, mut select, mut page, mut full) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut keep = |d: &(Drawn, Option<Drawn>), into: &mut Vec<usize>| {
        into.push(d.0.bytes);
        frames.push(d.0);
        plain_frames.extend(d.1);
    };
    for _ in 0..ctx.samples.max(1) {
        let p = big.press(service, theme, key(KeyCode::PageDown)).await?;
        keep(&(p.frame, p.plain), &mut page);
        let d = big.draw(theme)?;
        keep(&d, &mut idle);
        for k in [KeyCode::Char('k'), KeyCode::Char('j')] {
            let p = big.press(service, theme, key(k)).await?;
            keep(&(p.frame, p.plain), &mut select);
        }
        big.invalidate();
        let d = big.draw(theme)?;
        keep(&d, &mut full);
    }

    let frame = Stat::of(&b.frames);
    let frame_ref = Stat::of(&s.frames);
    let nav = Stat::of(&b.latency);
    let nav_ref = Stat::of(&s.latency);
    let (nav_p99, nav_ref_p99) = (percentile(&b.latency, 0.99), percentile(&s.latency, 0.99));
    let small_name = format!("same on {small_runs} runs ({SMALL_WINDOW})");
    let lists = format!(
        "default view of the {runs}-run database (row {big_sel} reached) and, as the reference, the same view with \
         `{SMALL_WINDOW}` typed into the filter bar on the same database ({small_runs} runs, row {small_sel} reached); \
         {keys} `j` each, in turn, after {WARMUP} untimed; {}x{}",
        SIZE.0, SIZE.1
    );
    let full_stat = stat_of(full.iter().copied());
    let full_ref = || Some(Reference::new("full redraw (after a resize)", full_stat));
    let bytes_note = |what: &str| {
        format!(
            "{what}; through the console's writer (64 KiB frame buffer over stdout's line buffer), counted where \
             the terminal would read; rounds on the {runs}-run list after the scroll"
        )
    };
    let writes = stat_of(frames.iter().map(|d| d.writes));
    let writes_ref = stat_of(plain_frames.iter().map(|d| d.writes));
    let max_writes = frames.iter().map(|d| d.writes).max().unwrap_or(0);
    let min_writes = frames.iter().map(|d| d.writes).min().unwrap_or(0);
    let max_plain = plain_frames.iter().map(|d| d.writes).max().unwrap_or(0);
    let max_bytes = frames.iter().map(|d| d.bytes).max().unwrap_or(0);
    let idle_stat = stat_of(idle.iter().copied());
    Ok(vec![
        Figure {
            key: "tui.frame_1m".to_owned(),
            name: format!("frame: j down {runs} runs"),
            unit: "ms",
            value: frame,
            reference: Some(Reference::new(small_name.clone(), frame_ref)),
            goal: "median <= 1.2 x the 1k list and <= 2 ms".to_owned(),
            pass: Some(frame.median <= 1.2 * frame_ref.median && frame.median <= 2.0),
            note: format!("terminal.draw alone (build, render, diff, crossterm encoding); {lists}"),
        },
        Figure {
            key: "tui.key_nav".to_owned(),
            name: format!("key to frame: j, {runs} runs"),
            unit: "ms",
            value: nav,
            reference: Some(Reference::new(small_name, nav_ref)),
            goal: "p99 <= 16 ms".to_owned(),
            pass: Some(nav_p99 <= 16.0),
            note: format!(
                "update + the page loads it asks for, settled + draw; p99 {nav_p99:.2} ms (reference {nav_ref_p99:.2} \
                 ms), max {:.2} ms; {} of {keys} keys loaded a page (reference {}); {lists}",
                percentile(&b.latency, 1.0),
                b.loads,
                s.loads
            ),
        },
        Figure {
            key: "tui.bytes_idle".to_owned(),
            name: "bytes per frame: redraw, nothing changed".to_owned(),
            unit: "B",
            value: idle_stat,
            reference: full_ref(),
            goal: "<= 64 B".to_owned(),
            pass: Some(idle_stat.p95 <= 64.0),
            note: bytes_note(
                "terminal.draw with nothing changed: the diff is empty, the colour/attribute reset and the cursor \
                 hide remain (the console does not draw then: it draws only when something changed)",
            ),
        },
        Figure {
            key: "tui.bytes_select".to_owned(),
            name: "bytes per frame: selection moves one row".to_owned(),
            unit: "B",
            value: stat_of(select.iter().copied()),
            reference: full_ref(),
            goal: "none (information)".to_owned(),
            pass: None,
            note: bytes_note("k then j inside the screen: two rows, the title's row number and the status bar"),
        },
        Figure {
            key: "tui.bytes_page".to_owned(),
            name: "bytes per frame: one screen down (PgDn)".to_owned(),
            unit: "B",
            value: stat_of(page.iter().copied()),
            reference: full_ref(),
            goal: "none (information)".to_owned(),
            pass: None,
            note: bytes_note("PgDn: every row of the table changes"),
        },
        Figure {
            key: "tui.writes_per_frame".to_owned(),
            name: "write calls per frame".to_owned(),
            unit: "writes",
            value: writes,
            reference: Some(Reference::new("same frames via plain Stdout", writes_ref)),
            goal: "exactly 1 per frame".to_owned(),
            pass: Some(min_writes == 1 && max_writes == 1),
            note: format!(
                "every frame above ({} frames: j, PgDn, k, idle, full redraws; largest {max_bytes} B): min {min_writes}, \
                 max {max_writes} writes; the reference is ratatui's default terminal (Stdout, line-buffered with \
                 1 KiB): max {max_plain} writes per frame",
                frames.len()
            ),
        },
    ])
}

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
/// and reads the same first page through `Service::list` beside it.
async fn filter_rounds(
    d: &mut Driven,
    service: &Service,
    theme: &Theme,
    filters: &[&str],
    samples: usize,
) -> Result<FilterRounds, String> {
    let mut out = FilterRounds { per: vec![(Vec::new(), Vec::new()); filters.len()], typing: Vec::new() };
    let mut sampling = Sampling::new(samples.max(filters.len()));
    let mut i = 0;
    while let Some(timed) = sampling.next() {
        let which = i % filters.len();
        let text = format!("{} {}", filter::DEFAULT_TEXT, filters[which]).trim().to_owned();
        let f = filter::parse(&text, &d.app.list.filter, service.now()).map_err(|e| format!("{text:?}: {e}"))?;
        let reference = async {
            let t = Instant::now();
            service.list(&f, None, PAGE_ROWS).await.map_err(err("filter reference"))?;
            Ok::<_, String>(ms(t.elapsed()))
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
async fn filter_figures(ctx: &Ctx<'_>, theme: &Theme, runs: i64) -> Result<Vec<Figure>, String> {
    let service = ctx.service;
    let mut d = Driven::open(service, theme, None, false).await?;
    let sql = filter_rounds(&mut d, service, theme, &FILTERS, ctx.samples).await?;
    let verdict = filter_rounds(&mut d, service, theme, &VERDICT_FILTERS, ctx.samples).await?;
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
async fn start_console<F: std::future::Future<Output = Result<Service, ServiceError>>>(
    open: &impl Fn() -> F,
    theme: &Theme,
    frames: &mut usize,
) -> Result<f64, String> {
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
            let why = app.list.error.clone().unwrap_or_else(|| "no rows".to_owned());
            return Err(format!("start: no first page ({why})"));
        };
        let reply = worker::execute(&service, cmd).await;
        queue.extend(without_count(app.update(reply)));
    }
    let elapsed = ms(t.elapsed());
    service.close().await;
    Ok(elapsed)
}

/// The start's reference: `Service::open` and the default view's first page, no UI.
async fn start_reference<F: std::future::Future<Output = Result<Service, ServiceError>>>(
    open: &impl Fn() -> F,
) -> Result<f64, String> {
    let t = Instant::now();
    let service = open().await.map_err(err("open"))?;
    let f = filter::parse(filter::DEFAULT_TEXT, &RunFilter::default(), service.now()).unwrap_or_default();
    service.list(&f, None, PAGE_ROWS).await.map_err(err("start reference"))?;
    let r = ms(t.elapsed());
    service.close().await;
    Ok(r)
}

/// From `Service::open` to the first frame with rows.
async fn start_figure(
    ctx: &Ctx<'_>,
    opts: &BenchOptions,
    (url, runs): (&str, i64),
    theme: &Theme,
) -> Result<Figure, String> {
    let open = || {
        Service::open(OpenOptions {
            url: Some(url.to_owned()),
            operator: opts.operator.clone(),
            read_only: true,
            stale_after: chrono::Duration::minutes(30),
            clock: Clock::system(),
        })
    };
    let (mut times, mut refs) = (Vec::new(), Vec::new());
    let mut frames = 0;
    let rounds = ctx.samples.clamp(1, 10);
    for i in 0..WARMUP + rounds {
        // Each first every other round, so that caches warmed by one favour neither.
        let (elapsed, r) = if i % 2 == 0 {
            let r = start_reference(&open).await?;
            (start_console(&open, theme, &mut frames).await?, r)
        } else {
            (start_console(&open, theme, &mut frames).await?, start_reference(&open).await?)
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

/// Every terminal-UI figure `opts` asks for, and their summary.
pub(super) async fn figures(
    ctx: &Ctx<'_>,
    opts: &BenchOptions,
    url: &str,
    runs: i64,
) -> Result<(Vec<Figure>, TuiFigures), String> {
    let theme = Theme::resolve(None, false)?;
    let mut figures = Vec::new();
    if KEYS[..6].iter().any(|k| opts.wants(k)) {
        figures.extend(scrolling(ctx, &theme, runs).await?);
    }
    if KEYS[6..8].iter().any(|k| opts.wants(k)) {
        figures.extend(filter_figures(ctx, &theme, runs).await?);
    }
    if opts.wants("tui.start_first_frame") {
        figures.push(start_figure(ctx, opts, (url, runs), &theme).await?);
    }
    figures.retain(|f| opts.wants(&f.key));
    let stat = |key: &str| figures.iter().find(|f| f.key == key).map(|f| f.value);
    let summary = TuiFigures {
        frame_time_ms: stat("tui.frame_1m"),
        bytes_per_frame: stat("tui.bytes_idle"),
        writes_per_frame: stat("tui.writes_per_frame"),
        key_to_frame_ms: stat("tui.key_nav"),
        filter_to_frame_ms: stat("tui.key_filter"),
        verdict_filter_to_frame_ms: stat("tui.key_filter_verdict"),
        start_to_first_frame_ms: stat("tui.start_first_frame"),
    };
    Ok((figures, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_writer_under_the_console_writer_sees_one_write_per_flush() {
        let tty = Tty::default();
        let mut w = frame_writer(LineWriter::with_capacity(STDOUT_BUFFER, tty.clone()));
        for _ in 0..100 {
            w.write_all(&[b'x'; 300]).ok();
        }
        assert_eq!(tty.now(), (0, 0));
        w.flush().ok();
        assert_eq!(tty.now(), (30_000, 1));
        // Standard output alone: crossterm's small writes leave it a write per KiB.
        let mut p = LineWriter::with_capacity(STDOUT_BUFFER, tty.clone());
        for _ in 0..100 {
            p.write_all(&[b'x'; 30]).ok();
        }
        p.flush().ok();
        assert_eq!(tty.now(), (33_000, 1 + 3));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.99), 198.0);
        assert_eq!(percentile(&v, 1.0), 200.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
