//! The console's state and its one entry point, `App::update(msg) -> Vec<Command>`.
//!
//! `update` is synchronous and does no I/O: keys become actions through the keymap, actions
//! change state and may return [`Command`]s for the worker, and the worker's replies come back
//! as messages. Each request carries a sequence id (and the list's generation), so an answer to
//! a question no longer asked is dropped. Each screen (`screen/`: the runs list, the detail,
//! the reconcile dialog, help, notices) owns its state, handles its keys and draws itself; the
//! app routes keys to the screen on top, turns what a screen cannot do itself (open another
//! screen, send a request with a fresh id, flash a line) into state and commands, and keeps
//! what the screens share: the session, the terminal size, the outage, live refresh. Where
//! things go on screen comes from `layout`, as the next render will lay it out.

mod command;
mod filter_bar;
mod mouse;
pub mod outage;
mod reconcile;
mod refresh;

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use self::outage::Outage;
use super::action::Action;
use super::event::{Msg, Reply};
use super::filter;
use super::keymap::{self, Scope};
use super::layout::{DetailAreas, FrameAreas, ListAreas};
use super::screen::detail::DetailState;
use super::screen::dialog::Dialog;
use super::screen::help::Help;
use super::screen::notice::{handle_popup_key, Notice};
use super::screen::runs::{FilterEdit, ListState};
use super::screen::Handled;
use super::worker::{Command, Panicked};
use crate::service::filter_hint::ScopeNames;
use crate::service::{DataVersion, RunView, Service, ServiceError};

/// How often what is on screen is reloaded while nothing is typed.
pub const REFRESH_EVERY: Duration = Duration::from_secs(3);

/// How the operator left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quit {
    /// `q`: exit 0.
    Asked,
    /// Ctrl-C: exit 130, the shell convention for an interrupt.
    Interrupted,
}

/// The main views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    List,
    Detail,
}

/// The whole state of the console.
#[derive(Debug)]
pub struct App {
    service: Service,
    pub size: (u16, u16),
    pub view: View,
    pub list: ListState,
    pub detail: Option<DetailState>,
    pub dialog: Option<Dialog>,
    /// A dialog closed while its reconciliation ran: its result becomes a notice.
    background: Option<Dialog>,
    pub filter_edit: Option<FilterEdit>,
    /// A popup that explains something (why `r` cannot reconcile, a background result…).
    pub notice: Option<Notice>,
    pub help: Option<Help>,
    pub paused: bool,
    /// A one-line message until the next key.
    pub flash: Option<String>,
    seq: u64,
    mono: Instant,
    last_refresh: Instant,
    dirty: bool,
    /// Set when the console is to stop, and how it was asked to.
    quit: Option<Quit>,
    /// Set when a worker task died: the console stops with this error.
    pub crashed: Option<Panicked>,
    /// Set while the database cannot be reached: the banner, and the retry schedule that
    /// replaces the live refresh meanwhile.
    pub outage: Option<Outage>,
    /// When the service last answered (session clock).
    last_answer: Option<chrono::DateTime<chrono::Utc>>,
    /// The data version the list's pages and count were last (re)loaded under; live refresh
    /// reloads the list only when it moved (or the clock alone can change what matches).
    version: Option<DataVersion>,
    /// The probe in flight, if any.
    probe_seq: Option<u64>,
    /// The workspaces and environments the operator may see, by name (completion and "did
    /// you mean" in the filter bar), once they are known.
    names: Option<ScopeNames>,
    /// Filters applied this session, oldest first (↑ in the filter bar).
    filter_history: Vec<String>,
    /// A run just reconciled from the list: kept in view when the reload would drop it.
    pin_after_reload: Option<Box<RunView>>,
    /// What happened to that run, said once the dialog closes.
    pin_note: Option<String>,
    /// The `:` command line, while open.
    pub command: Option<command::CommandLine>,
    /// Commands run this session, oldest first (↑ on the command line).
    command_history: Vec<String>,
    /// What `y` copied, until the event loop writes it to the terminal.
    clipboard: Option<String>,
    /// Where saved views and the session are kept, and the saved views (`:view`).
    state: super::state::StateDir,
    views: std::collections::BTreeMap<String, super::state::SavedView>,
    /// A theme chosen with `:theme NAME`, drawn instead of the one the console started with.
    pub theme: Option<super::theme::Theme>,
}

impl App {
    /// A console on `service` showing the default view (`type:restore.execute`); returns the
    /// first requests (page and count).
    #[must_use]
    pub fn new(service: Service, size: (u16, u16), now: Instant) -> (Self, Vec<Command>) {
        let text = filter::DEFAULT_TEXT.to_owned();
        let f = filter::parse(&text, &crate::service::RunFilter::default(), service.now()).unwrap_or_default();
        let mut app = Self {
            service,
            size,
            view: View::List,
            list: ListState::new(f, text),
            detail: None,
            dialog: None,
            background: None,
            filter_edit: None,
            notice: None,
            help: None,
            paused: false,
            flash: None,
            seq: 0,
            mono: now,
            last_refresh: now,
            dirty: true,
            quit: None,
            crashed: None,
            outage: None,
            last_answer: None,
            version: None,
            probe_seq: None,
            names: None,
            filter_history: Vec::new(),
            pin_after_reload: None,
            pin_note: None,
            command: None,
            command_history: Vec::new(),
            clipboard: None,
            state: super::state::StateDir(None),
            views: std::collections::BTreeMap::new(),
            theme: None,
        };
        let mut cmds = app.reload_list();
        app.seq += 1;
        cmds.push(Command::Names { seq: app.seq });
        (app, cmds)
    }

    /// The session (operator, clock, database label); views read it, never await it.
    #[must_use]
    pub const fn session(&self) -> &Service {
        &self.service
    }

    #[must_use]
    pub const fn should_quit(&self) -> bool {
        self.quit.is_some()
    }

    /// Whether the operator left with Ctrl-C (exit 130) rather than `q` (exit 0).
    #[must_use]
    pub const fn interrupted(&self) -> bool {
        matches!(self.quit, Some(Quit::Interrupted))
    }

    /// Whether something changed since the last frame; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Whether the operator is typing (live refresh waits meanwhile).
    #[must_use]
    pub const fn typing(&self) -> bool {
        self.filter_edit.is_some() || self.dialog.is_some() || self.command.is_some()
    }

    /// How old the data on screen is, as the status bar shows it.
    #[must_use]
    pub fn data_age(&self) -> Option<Duration> {
        let at = match self.view {
            View::List => self.list.loaded_at,
            View::Detail => self.detail.as_ref().and_then(|d| d.loaded_at),
        }?;
        Some(self.mono.saturating_duration_since(at))
    }

    /// The frame as the next render lays it out.
    fn frame_areas(&self) -> FrameAreas {
        FrameAreas::of_size(self.size, self.outage.is_some())
    }

    fn list_height(&self) -> usize {
        let filter_error = self.filter_edit.as_ref().is_some_and(FilterEdit::has_line);
        ListAreas::new(self.frame_areas().body, filter_error).rows()
    }

    fn detail_areas(&self) -> DetailAreas {
        let body = self.frame_areas().body;
        self.detail.as_ref().map_or_else(|| DetailAreas::new(body, false, false, None), |d| d.areas(body))
    }

    /// The outage banner's text, while the database is unreachable.
    #[must_use]
    pub fn banner(&self) -> Option<String> {
        let held = if self.paused {
            Some("paused")
        } else if self.typing() {
            Some("typing")
        } else {
            None
        };
        self.outage.as_ref().map(|o| o.banner(self.mono, held, usize::from(self.size.0)))
    }

    /// Notes an answer: the database was reachable (an outage ends), or not (one starts, or
    /// the attempt under way failed). Other errors say nothing about reachability.
    fn heard(&mut self, error: Option<&ServiceError>) {
        match error {
            None => {
                self.last_answer = Some(self.service.now());
                if self.outage.take().is_some() {
                    self.dirty = true;
                    tracing::info!("database reachable again");
                }
            }
            Some(e) if e.is_unavailable() => {
                self.dirty = true;
                let text = e.to_string();
                if let Some(o) = self.outage.as_mut() {
                    o.failed(self.mono, text);
                    return;
                }
                tracing::warn!(error = %text, "database unreachable");
                self.outage = Some(Outage::new(self.service.now(), self.mono, text, self.last_answer));
                // The banner took a line: keep the selection on screen.
                let height = self.list_height();
                self.list.select(self.list.sel, height);
            }
            Some(_) => self.last_answer = Some(self.service.now()),
        }
    }

    /// The run whose workspace and environment the status bar shows.
    #[must_use]
    pub fn current_run(&self) -> Option<&RunView> {
        match self.view {
            View::Detail => self.detail.as_ref().and_then(|d| d.data.as_ref()).map(|d| &d.run),
            View::List => self.list.selected(),
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Handles one message.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(ev) if ev.kind == KeyEventKind::Release => Vec::new(),
            Msg::Key(ev) => {
                self.dirty = true;
                self.flash = None;
                self.on_key(ev)
            }
            Msg::Resize(w, h) => {
                self.dirty = true;
                self.size = (w, h);
                let areas = self.detail_areas();
                if let Some(d) = self.detail.as_mut() {
                    d.measure(&self.service, &areas);
                }
                let height = self.list_height();
                self.list.select(self.list.sel, height);
                let mut seq = self.seq;
                let cmds = self.list.ensure(height, &mut seq);
                self.seq = seq;
                cmds
            }
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Tick(at) => self.on_tick(at),
            Msg::Reply(reply) => self.on_reply(reply),
        }
    }

    fn on_reply(&mut self, reply: Reply) -> Vec<Command> {
        match reply {
            Reply::Pages { generation, seq: _, first, count, result } => {
                self.heard(result.as_ref().err());
                let height = self.list_height();
                let failed = result.is_err();
                if !self.list.apply_pages(generation, (first, count), result, height, self.mono) {
                    return Vec::new();
                }
                self.dirty = true;
                if let Some(run) = self.pin_after_reload.take() {
                    self.pin(*run);
                }
                if failed {
                    // Asking again at once would hammer a failing database: the next refresh
                    // (or retry, during an outage) asks again.
                    return Vec::new();
                }
                let mut seq = self.seq;
                let cmds = self.list.ensure(height, &mut seq);
                self.seq = seq;
                cmds
            }
            Reply::Count { generation, seq, result } => {
                self.heard(result.as_ref().err());
                self.dirty |= self.list.apply_count(generation, seq, result);
                Vec::new()
            }
            Reply::Tally { generation, seq, so_far, result } => {
                self.heard(result.as_ref().err());
                self.dirty = true;
                self.list.apply_tally((generation, seq), so_far, result).into_iter().collect()
            }
            Reply::Detail { seq, id, raw, result } => {
                self.heard(result.as_ref().err());
                let body = self.frame_areas().body;
                let Some(d) = self.detail.as_mut().filter(|d| d.seq == seq && d.id == id) else { return Vec::new() };
                d.inflight = false;
                match result {
                    Ok(detail) => d.apply(detail, raw, self.mono, &self.service, body),
                    Err(e @ ServiceError::NotFound(_)) => {
                        d.data = None;
                        d.error = Some(format!("{e} (or not visible to you)"));
                    }
                    Err(e) => d.error = Some(e.to_string()),
                }
                self.dirty = true;
                Vec::new()
            }
            Reply::Reconciled { seq, id: _, result, meanwhile, after } => {
                self.on_reconciled(seq, *result, meanwhile, after)
            }
            Reply::Probed { seq, result } => self.on_probed(seq, result),
            Reply::Names { result } => {
                self.names = result.map_err(|e| tracing::warn!(error = %e, "scope names unavailable")).ok();
                Vec::new()
            }
            Reply::PreviewCount { seq, result } => self.on_preview_count(seq, &result),
            Reply::StateWritten { result: Err(e) } => {
                self.flash = Some(format!("✘ views not saved: {}", crate::sanitize::clean(&e)));
                self.dirty = true;
                Vec::new()
            }
            Reply::StateWritten { result: Ok(()) } => Vec::new(),
            Reply::Exported { path, result } => {
                self.on_exported(&path, result);
                Vec::new()
            }
            Reply::Crashed(panicked) => {
                self.crashed = Some(panicked);
                self.quit = Some(Quit::Asked);
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, ev: KeyEvent) -> Vec<Command> {
        if ev.code == KeyCode::Char('c') && ev.modifiers == KeyModifiers::CONTROL {
            self.quit = Some(Quit::Interrupted);
            return Vec::new();
        }
        if self.dialog.is_some() {
            return self.dialog_key(ev);
        }
        // A run kept in view after its reconciliation leaves at the next key. It stood where
        // the next run stands now: ↓ from it lands there without moving.
        if self.view == View::List && self.list.unpin() {
            let height = self.list_height();
            self.list.select(self.list.sel, height);
            if self.notice.is_none() && keymap::lookup(Scope::List, &ev) == Some(Action::Down) {
                return Vec::new();
            }
        }
        if self.notice.is_some() || self.help.is_some() {
            let action = keymap::lookup(Scope::List, &ev);
            if let (Some(h), Some(a)) = (self.help.as_mut(), action) {
                if h.scroll_by(a, self.size) {
                    return Vec::new();
                }
            }
            match handle_popup_key(action) {
                Handled::Pass(Action::Quit) => self.quit = Some(Quit::Asked),
                Handled::Close => {
                    self.notice = None;
                    self.help = None;
                }
                _ => {}
            }
            return Vec::new();
        }
        if self.filter_edit.is_some() {
            return self.filter_key(ev);
        }
        if self.command.is_some() {
            return self.command_key(ev);
        }
        let scope = if self.view == View::List { Scope::List } else { Scope::Detail };
        if let Some(a) = keymap::lookup(scope, &ev) {
            return self.act(a);
        }
        // A key that does nothing says so, briefly: a typo is never silent.
        if let Some(name) = super::event::key_name(&ev) {
            self.flash = Some(format!("{name} does nothing here · ? lists the keys"));
        }
        Vec::new()
    }

    fn act(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => self.quit = Some(Quit::Asked),
            Action::Help => {
                let view = if self.view == View::List { Scope::List } else { Scope::Detail };
                self.help = Some(Help::new(view, self.service.read_only()));
            }
            Action::Pause => {
                self.paused = !self.paused;
                self.flash = Some(if self.paused { "live refresh paused" } else { "live refresh resumed" }.into());
            }
            Action::Refresh => return self.refresh(true),
            Action::Reconcile => self.open_dialog(),
            Action::CommandMode => self.open_command(),
            Action::Copy => self.copy(),
            _ if self.view == View::List => return self.list_action(action),
            _ => return self.detail_action(action),
        }
        Vec::new()
    }

    fn list_action(&mut self, action: Action) -> Vec<Command> {
        let height = self.list_height();
        match self.list.handle_key(action, height) {
            Handled::Done => {}
            Handled::Flash(text) => self.flash = Some(text.to_owned()),
            // A new filter or sort: a new list generation.
            Handled::Request => return self.reload_list(),
            Handled::Pass(Action::Open) => return self.open_detail(),
            Handled::Pass(Action::Filter) => {
                self.open_filter_bar();
                return Vec::new();
            }
            Handled::Pass(_) | Handled::Close => return Vec::new(),
        }
        let mut seq = self.seq;
        let cmds = self.list.ensure(height, &mut seq);
        self.seq = seq;
        cmds
    }

    fn open_detail(&mut self) -> Vec<Command> {
        let Some(id) = self.list.selected().map(|r| r.id) else { return Vec::new() };
        let seq = self.next_seq();
        self.detail = Some(DetailState::new(id, seq));
        self.view = View::Detail;
        vec![Command::Detail { seq, id, raw: false }]
    }

    fn detail_action(&mut self, action: Action) -> Vec<Command> {
        let areas = self.detail_areas();
        let Some(d) = self.detail.as_mut() else { return Vec::new() };
        match d.handle_key(action, &areas) {
            Handled::Pass(Action::Back) => {
                self.detail = None;
                self.view = View::List;
                self.refresh(true)
            }
            Handled::Flash(text) => {
                self.flash = Some(text.to_owned());
                Vec::new()
            }
            // Zoomed or back: the panes have new sizes, and scroll as far as those allow.
            Handled::Pass(Action::Zoom) => {
                d.zoom = !d.zoom;
                let areas = self.detail_areas();
                if let Some(d) = self.detail.as_mut() {
                    d.measure(&self.service, &areas);
                    let max = d.max_scroll(d.focus, &areas);
                    d.scroll(0, max);
                }
                Vec::new()
            }
            // The payloads, the first time one is shown.
            Handled::Request => {
                self.seq += 1;
                vec![d.request(self.seq, true)]
            }
            _ => Vec::new(),
        }
    }
}

/// Where ↑ (`back`) or ↓ moves in a history of `len` entries from `at` (`None`: the line being
/// typed, past the newest entry): back to the oldest and no further, forward past the newest
/// to the typed line.
fn history_step(at: Option<usize>, len: usize, back: bool) -> Option<usize> {
    match at {
        None if back => len.checked_sub(1),
        Some(i) if back => Some(i.saturating_sub(1)),
        Some(i) if i + 1 < len => Some(i + 1),
        _ => None,
    }
}
