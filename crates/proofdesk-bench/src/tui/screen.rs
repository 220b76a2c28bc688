//! A console driven key by key and drawn into a counting terminal.

use std::collections::VecDeque;
use std::io::{self, BufWriter, LineWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use color_eyre::eyre::{bail, eyre, Result};
use proofdesk::service::Service;
use proofdesk::tui::event::Msg;
use proofdesk::tui::worker::{self, Command};
use proofdesk::tui::{filter, render, App, Theme, FRAME_BUFFER};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::SIZE;
use crate::report::Stat;
use crate::sampling::ms;

/// Standard output's own buffer: std line-buffers it with 1 KiB (`LineWriter::new`).
const STDOUT_BUFFER: usize = 1024;

/// Bytes and write calls that reached the "terminal".
#[derive(Debug, Default)]
struct Counts {
    bytes: AtomicUsize,
    writes: AtomicUsize,
}

/// The terminal's end of the writer: counts, keeps nothing.
#[derive(Debug, Clone, Default)]
pub struct Tty(Arc<Counts>);

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
pub struct Drawn {
    pub ms: f64,
    pub bytes: usize,
    pub writes: usize,
}

/// A 200×50 terminal whose backend writes into `W`, over a counting [`Tty`].
pub struct Screen<W: Write> {
    term: Terminal<CrosstermBackend<W>>,
    tty: Tty,
}

/// The console's writer (`tui::ConsoleTerminal`: a `FRAME_BUFFER`-byte buffer) over standard
/// output.
pub type Console = Screen<BufWriter<LineWriter<Tty>>>;
/// ratatui's default terminal: standard output alone.
type Plain = Screen<LineWriter<Tty>>;

impl<W: Write> Screen<W> {
    fn new(wrap: impl FnOnce(Tty) -> W) -> Result<Self> {
        let tty = Tty::default();
        let viewport = Viewport::Fixed(Rect::new(0, 0, SIZE.0, SIZE.1));
        let term = Terminal::with_options(CrosstermBackend::new(wrap(tty.clone())), TerminalOptions { viewport })
            .map_err(|e| eyre!("terminal: {e}"))?;
        Ok(Self { term, tty })
    }

    /// One `terminal.draw` of the console, timed.
    pub fn draw(&mut self, app: &App, theme: &Theme) -> Result<Drawn> {
        let (b0, w0) = self.tty.now();
        let t = Instant::now();
        self.term.draw(|frame| render(frame, app, theme)).map_err(|e| eyre!("draw: {e}"))?;
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

fn console_writer<W: Write>(inner: W) -> BufWriter<W> {
    BufWriter::with_capacity(FRAME_BUFFER, inner)
}

pub fn console() -> Result<Console> {
    Screen::new(|t| console_writer(LineWriter::with_capacity(STDOUT_BUFFER, t)))
}

fn plain() -> Result<Plain> {
    Screen::new(|t| LineWriter::with_capacity(STDOUT_BUFFER, t))
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The commands without the match count (see the module notes).
pub fn without_count(cmds: Vec<Command>) -> Vec<Command> {
    cmds.into_iter().filter(|c| !matches!(c, Command::Count { .. })).collect()
}

#[expect(clippy::cast_precision_loss, reason = "counts of bytes and frames: far below 2^52")]
pub fn stat_of(values: impl Iterator<Item = usize>) -> Stat {
    Stat::of(&values.map(|v| v as f64).collect::<Vec<_>>())
}

/// A console on one list, drawn into the console's writer (and, for the write-call reference,
/// into standard output alone as well).
pub struct Driven {
    pub app: App,
    screen: Console,
    plain: Option<Plain>,
}

pub struct Pressed {
    pub frame: Drawn,
    pub key_ms: f64,
    pub loaded: bool,
    pub plain: Option<Drawn>,
}

impl Driven {
    /// The console as it starts (default view), with `filter` typed after the default text and
    /// applied; every frame on the way drawn, the first page loaded.
    pub async fn open(service: &Service, theme: &Theme, filter: Option<&str>, with_plain: bool) -> Result<Self> {
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
    pub fn draw(&mut self, theme: &Theme) -> Result<(Drawn, Option<Drawn>)> {
        let _ = self.app.take_dirty();
        let frame = self.screen.draw(&self.app, theme)?;
        let plain = match self.plain.as_mut() {
            Some(p) => Some(p.draw(&self.app, theme)?),
            None => None,
        };
        Ok((frame, plain))
    }

    pub fn invalidate(&mut self) {
        self.screen.invalidate();
        if let Some(p) = self.plain.as_mut() {
            p.invalidate();
        }
    }

    /// One key as the console takes it: update, the commands it asks for settled, the frame.
    pub async fn press(&mut self, service: &Service, theme: &Theme, msg: Msg) -> Result<Pressed> {
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
    pub async fn change_filter(&mut self, service: &Service, theme: &Theme, text: &str) -> Result<(f64, Vec<f64>)> {
        let mut typing = Vec::new();
        let keys = [key(KeyCode::Char('/')), ctrl('u')].into_iter().chain(text.chars().map(|c| key(KeyCode::Char(c))));
        for k in keys {
            let t = Instant::now();
            let cmds = self.app.update(k);
            if !cmds.is_empty() {
                bail!("typing the filter {text:?} asked the worker for something");
            }
            if self.app.take_dirty() {
                self.screen.draw(&self.app, theme)?;
            }
            typing.push(ms(t.elapsed()));
        }
        let t = Instant::now();
        let mut queue: VecDeque<Command> = without_count(self.app.update(key(KeyCode::Enter))).into();
        if let Some(e) = self.app.filter_edit.as_ref().and_then(|f| f.error.as_ref()) {
            bail!("filter {text:?} refused: {e}");
        }
        loop {
            if self.app.take_dirty() {
                self.screen.draw(&self.app, theme)?;
                if self.app.list.first_loaded() {
                    break;
                }
            }
            let Some(cmd) = queue.pop_front() else {
                let why = self
                    .app
                    .list
                    .error
                    .as_ref()
                    .map_or_else(|| "no page was asked for".to_owned(), ToString::to_string);
                bail!("filter {text:?}: no first page ({why})");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_writer_under_the_console_writer_sees_one_write_per_flush() {
        let tty = Tty::default();
        let mut w = console_writer(LineWriter::with_capacity(STDOUT_BUFFER, tty.clone()));
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
}
