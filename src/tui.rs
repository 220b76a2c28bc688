//! The terminal UI: terminal setup and restore, and the event loop.
//!
//! `run` resolves the theme, takes the terminal with [`init_terminal`] (raw mode, alternate
//! screen, and a panic hook that restores the terminal before the report prints), then loops:
//! draw when something changed (one write per frame: the backend writes into a
//! [`FRAME_BUFFER`]-byte buffer that reaches the terminal at the frame's flush; an idle screen
//! writes nothing),
//! wait for a key, a resize, a worker reply, the one-second tick, SIGTERM or SIGHUP. On every
//! way out (quit, error, signal) the terminal is restored first; then an in-flight
//! reconciliation is given a few seconds to commit or roll back, whole either way.
//!
//! The pieces:
//! - `app` — `App::update`: routes keys to the screen on top, turns replies into state, keeps
//!   what the screens share (session, size, outage, live refresh); `app/reconcile.rs` opens
//!   the dialog and takes the service's answer, `app/outage.rs` the retry schedule.
//! - `screen` — one module per screen, each owning its state, its keys and its drawing:
//!   `runs` (list; `window.rs` the page cache, `table.rs` the table), `detail` (the three panes;
//!   `proof.rs`, `panes.rs`), `payload` (an item's error and masked payload), `dialog`
//!   (reconcile modal; `lines.rs`), `help`, `notice`.
//! - `layout` — the frame's areas from the size and a few flags; a leaf that update code and
//!   drawing both read.
//! - `view` — `render` composes a frame from the screens; `status_bar` (status, banner,
//!   hints) and `common` (shared drawing pieces).
//! - `action` + `keymap` (keys as data), `event` (messages), `worker` (commands against the
//!   service), `filter` (the filter bar's language), `theme` (TOML themes).
//!
//! Nothing here touches the store: the TUI talks to the service only.

pub mod action;
pub mod app;
pub mod connecting;
pub mod event;
pub mod export;
pub mod state;
/// The filter bar's language lives in the service, which the command line's `--filter` shares.
pub use crate::service::filter_text as filter;
pub mod keymap;
pub mod layout;
pub mod screen;
pub mod theme;
pub mod view;
pub mod worker;

use std::io::{BufWriter, IsTerminal, Stdout, Write};
use std::time::{Duration, Instant};

use color_eyre::eyre::eyre;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::clipboard::CopyToClipboard;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{enable_raw_mode, EnterAlternateScreen};
use ratatui::Terminal;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

pub use self::app::App;
pub use self::connecting::Connecting;
use self::event::Msg;
pub use self::theme::{Theme, ThemeError};
pub use self::view::render;
use self::worker::Worker;
use crate::service::Service;

/// How long quitting waits for an in-flight reconciliation to finish.
const WRITE_GRACE: Duration = Duration::from_secs(5);

/// Bytes the terminal writer holds before it writes. A frame is written at its flush, in one
/// write, as long as it fits: a full redraw of a 200×50 console takes about 14 KiB. (`Stdout`
/// alone is line-buffered with 1 KiB: a frame would reach the terminal in a write per KiB,
/// 14 for a full redraw, and a terminal may show the partial ones.)
pub const FRAME_BUFFER: usize = 64 * 1024;

/// The console's terminal: crossterm over a [`frame_writer`] on standard output.
pub type ConsoleTerminal = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// The writer the console's backend draws into, over standard output.
fn frame_writer<W: Write>(inner: W) -> BufWriter<W> {
    BufWriter::with_capacity(FRAME_BUFFER, inner)
}

/// Takes the terminal as `ratatui::try_init` does (a panic hook that restores the terminal
/// first, raw mode, the alternate screen), with the console's [`frame_writer`]. Restore it with
/// `ratatui::restore` (which writes to standard output directly; every frame has been flushed).
///
/// # Errors
/// Raw mode or the alternate screen refused.
pub fn init_terminal() -> std::io::Result<ConsoleTerminal> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    Terminal::new(CrosstermBackend::new(frame_writer(std::io::stdout())))
}

/// Gives the terminal back: `ratatui::restore`, and mouse capture off (a no-op when it was
/// never on).
pub fn restore() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// Runs the console until the operator quits. The terminal is taken first and the
/// connecting frame drawn while `connect` opens the session (see `connecting.rs`); when it
/// fails, the terminal is given back and its error returned as `Ok(Err(e))`, for the caller to
/// report as it would have without the console. Otherwise the exit code: 0 after `q`, 130
/// after Ctrl-C, 143 on SIGTERM and 129 on SIGHUP (128 + the signal, as shells report them).
///
/// # Errors
/// A bad theme, no terminal, terminal I/O failures, or a crashed background task; the
/// terminal is restored before any of them is returned.
pub async fn run<E>(
    connect: impl std::future::Future<Output = Result<Service, E>>,
    connecting: Connecting,
    theme: Option<&str>,
    (mouse, fresh): (bool, bool),
) -> color_eyre::Result<Result<u8, E>> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::resolve(theme, no_color)?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(eyre!(
            "the console needs a terminal; use `proofdesk runs`, `show`, `assess` or `reconcile` instead"
        ));
    }
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut terminal = match init_terminal() {
        Ok(t) => t,
        Err(e) => {
            restore();
            return Err(e.into());
        }
    };
    // Mouse capture only when asked: it takes the terminal's own selection away.
    if mouse {
        if let Err(e) = execute!(std::io::stdout(), EnableMouseCapture) {
            restore();
            return Err(e.into());
        }
    }
    // One event stream for the connecting frame and the console: a second stream would race
    // the first one's reader thread for the keys typed as the console opens.
    let mut events = EventStream::new();
    let service = match connecting.wait(&mut terminal, connect, &mut events, &theme, (&mut sigterm, &mut sighup)).await
    {
        Ok(Ok(Ok(service))) => service,
        Ok(Ok(Err(e))) => {
            restore();
            return Ok(Err(e));
        }
        Ok(Err(code)) => {
            restore();
            return Ok(Ok(code));
        }
        Err(e) => {
            restore();
            return Err(e.into());
        }
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let mut worker = Worker::new(service.clone(), tx);
    let session = Session { theme: &theme, state: state::StateDir::standard(), fresh };
    let result =
        event_loop(&mut terminal, &service, &session, &mut worker, rx, &mut events, (&mut sigterm, &mut sighup)).await;
    restore();
    if worker.writing() {
        // A closed stderr is no reason to stop waiting for the write.
        let _ = writeln!(
            std::io::stderr().lock(),
            "proofdesk: waiting for the reconciliation in flight to commit or roll back…"
        );
    }
    worker.finish_writes(WRITE_GRACE).await;
    service.close().await;
    result.map(Ok)
}

/// How the console draws and what it keeps between sessions.
struct Session<'a> {
    theme: &'a Theme,
    state: state::StateDir,
    /// `--fresh`: the last session's view is not restored.
    fresh: bool,
}

async fn event_loop(
    terminal: &mut ConsoleTerminal,
    service: &Service,
    session: &Session<'_>,
    worker: &mut Worker,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    events: &mut EventStream,
    (sigterm, sighup): (&mut tokio::signal::unix::Signal, &mut tokio::signal::unix::Signal),
) -> color_eyre::Result<u8> {
    let size = terminal.size()?;
    let theme = session.theme;
    let (mut app, cmds) = App::new(service.clone(), (size.width, size.height), Instant::now());
    for c in cmds {
        worker.spawn(c);
    }
    // The saved views, and the last session's filter, sort and selection unless `--fresh`.
    let last = if session.fresh { None } else { session.state.session() };
    for c in app.restore(session.state.clone(), session.state.views(), last.as_ref()) {
        worker.spawn(c);
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut code = 0;
    loop {
        if app.take_dirty() {
            terminal.draw(|frame| render(frame, &app, app.theme.as_ref().unwrap_or(theme)))?;
        }
        if app.should_quit() {
            if app.interrupted() {
                code = 130;
            }
            break;
        }
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            at = tick.tick() => Msg::Tick(at.into_std()),
            _ = sigterm.recv() => { code = 143; break }
            _ = sighup.recv() => { code = 129; break }
        };
        for c in app.update(msg) {
            worker.spawn(c);
        }
        // `y`: the clipboard through the terminal (OSC 52), base64 so nothing in it can act.
        if let Some(text) = app.take_clipboard() {
            execute!(terminal.backend_mut(), CopyToClipboard::to_clipboard_from(text))?;
        }
    }
    if app.crashed.is_none() {
        if let Err(e) = session.state.save_session(&app.snapshot()) {
            tracing::warn!(error = %e, "the session's view was not kept");
        }
    }
    app.crashed.take().map_or(Ok(code), |panicked| Err(panicked.into()))
}
