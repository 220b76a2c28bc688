//! Command mode: `:` opens a command line in the hint row. `:ID` opens run ID, `:q` quits,
//! `:filter TEXT` sets the filter (as the filter bar would), `:export md|csv|json [PATH]` writes
//! what the view shows (every matching run of the list, or the open run), `:view save NAME`,
//! `:view NAME`, `:view list`, `:view delete NAME` keep and recall filters with their sort
//! (`tui::state`), `:theme NAME` switches to a built-in theme, `:help` opens help.
//! Tab completes command names, ↑/↓ recall earlier commands of the session. And `y`: the
//! selected run's id (list) or the open run's Markdown summary (detail) to the clipboard,
//! through the terminal (OSC 52, which tmux and screen pass on), capped in size.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use std::collections::BTreeMap;

use super::{App, Quit, View};
use crate::service::filter_hint::unknown_names;
use crate::tui::export::{default_path, ExportError, Format, Target};
use crate::tui::filter;
use crate::tui::keymap::Scope;
use crate::tui::screen::detail::DetailState;
use crate::tui::screen::help::Help;
use crate::tui::state::{SavedView, StateDir};
use crate::tui::worker::Command;

/// The command names, for Tab.
const COMMANDS: [&str; 7] = ["export", "filter", "help", "quit", "q", "theme", "view"];
/// The most `y` puts on the clipboard (terminals cap OSC 52 themselves, some silently).
pub const CLIPBOARD_CAP: usize = 64 * 1024;

/// The open command line.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub input: Input,
    /// Where ↑/↓ stand in the session's earlier commands.
    history: Option<usize>,
}

impl App {
    pub(super) fn open_command(&mut self) {
        self.command = Some(CommandLine::default());
    }

    pub(super) fn command_key(&mut self, ev: KeyEvent) -> Vec<Command> {
        let Some(line) = self.command.as_mut() else { return Vec::new() };
        match ev.code {
            KeyCode::Esc => self.command = None,
            KeyCode::Enter => {
                let text = line.input.value().trim().to_owned();
                self.command = None;
                if text.is_empty() {
                    return Vec::new();
                }
                self.command_history.retain(|t| *t != text);
                self.command_history.push(text.clone());
                // Kept for the next session too (written off the UI loop).
                let mut cmds =
                    vec![Command::SaveHistory { state: self.state.clone(), commands: self.command_history.clone() }];
                cmds.extend(self.run_command(&text));
                return cmds;
            }
            KeyCode::Tab => {
                let value = line.input.value().to_owned();
                if !value.contains(' ') {
                    let found: Vec<&str> = COMMANDS.iter().copied().filter(|c| c.starts_with(&value)).collect();
                    match found.as_slice() {
                        [one] => line.input = Input::new(format!("{one} ")),
                        [] => self.flash = Some("no command starts so".into()),
                        many => self.flash = Some(format!("commands: {}", many.join(" "))),
                    }
                } else if let Some(text) = value.strip_prefix("filter ") {
                    // The filter bar's completion, on the filter's text.
                    let names = self.names.clone().unwrap_or_default();
                    let c = crate::service::filter_hint::complete(text, &names);
                    match c.candidates.as_slice() {
                        [] => self.flash = Some("no completion here".into()),
                        [one] => {
                            let space = if one.ends_with(':') { "" } else { " " };
                            line.input = Input::new(format!("filter {}{one}{space}", &text[..c.start]));
                        }
                        many => {
                            let shared = c.common_prefix();
                            if shared.len() > text.len() - c.start {
                                line.input = Input::new(format!("filter {}{shared}", &text[..c.start]));
                            }
                            let shown: Vec<&str> = many.iter().take(8).map(String::as_str).collect();
                            self.flash = Some(format!("Tab: {}", shown.join("  ")));
                        }
                    }
                } else if let Some(rest) = value.strip_prefix("export ") {
                    let found: Vec<&str> = ["md", "csv", "json"].into_iter().filter(|f| f.starts_with(rest)).collect();
                    if let [one] = found.as_slice() {
                        line.input = Input::new(format!("export {one} "));
                    }
                }
            }
            KeyCode::Up | KeyCode::Down => {
                let at = super::history_step(line.history, self.command_history.len(), ev.code == KeyCode::Up);
                line.history = at;
                line.input = Input::new(at.map_or_else(String::new, |i| self.command_history[i].clone()));
            }
            _ => {
                line.input.handle_event(&Event::Key(ev));
            }
        }
        Vec::new()
    }

    fn run_command(&mut self, text: &str) -> Vec<Command> {
        let (name, rest) = text.split_once(' ').map_or((text, ""), |(n, r)| (n, r.trim()));
        if let Ok(id) = name.trim_start_matches('#').parse::<i64>() {
            self.seq += 1;
            self.detail = Some(DetailState::new(id, self.seq));
            self.view = View::Detail;
            return vec![Command::Detail { seq: self.seq, id, raw: false }];
        }
        match name {
            "q" | "quit" => self.quit = Some(Quit::Asked),
            "help" => {
                let view = if self.view == View::List { Scope::List } else { Scope::Detail };
                self.help = Some(Help::new(view, self.service.read_only()));
            }
            "filter" => {
                let parsed = filter::parse(rest, &self.list.filter, self.service.now());
                let checked = parsed.map_err(|e| e.to_string()).and_then(|f| {
                    match self.names.as_ref().and_then(|n| unknown_names(&f, n)) {
                        Some(m) => Err(m),
                        None => Ok(f),
                    }
                });
                match checked {
                    Ok(f) => {
                        self.detail = None;
                        self.view = View::List;
                        self.list.reset(f, rest.to_owned());
                        return self.reload_list();
                    }
                    Err(e) => self.flash = Some(format!("✘ :filter: {e}")),
                }
            }
            "view" => return self.view_command(rest),
            // Built-in themes only: a file is read before the console starts, never on a key.
            "theme" => match crate::tui::theme::Theme::built_in(rest) {
                Ok(t) => {
                    self.flash = Some(format!("theme {}", t.name));
                    self.theme = Some(t);
                }
                Err(e) => self.flash = Some(format!("✘ :theme: {e}")),
            },
            "export" => {
                let (format, path) = rest.split_once(' ').map_or((rest, ""), |(f, p)| (f, p.trim()));
                let Some(format) = Format::parse(format) else {
                    self.flash = Some("✘ :export md|csv|json [PATH]".into());
                    return Vec::new();
                };
                let target = match (self.view, self.detail.as_ref()) {
                    (View::Detail, Some(d)) => Target::Run(d.id),
                    _ => Target::List(Box::new(self.list.filter.clone())),
                };
                let path = if path.is_empty() {
                    default_path(&target, format, self.service.clock().real_now())
                } else {
                    std::path::PathBuf::from(path)
                };
                self.flash = Some(format!("exporting to {}…", crate::sanitize::clean(&path.display().to_string())));
                self.seq += 1;
                return vec![Command::Export { seq: self.seq, target, format, path }];
            }
            _ => self.flash = Some(format!("✘ unknown command {name:?}: use ID, q, filter, export, view, theme, help")),
        }
        Vec::new()
    }

    pub(super) fn on_exported(&mut self, path: &std::path::Path, result: Result<usize, ExportError>) {
        self.heard(match &result {
            Err(ExportError::Service(e)) => Some(e),
            _ => None,
        });
        let shown = crate::sanitize::clean(&path.display().to_string()).into_owned();
        self.flash = Some(match result {
            Ok(n) => format!("exported {n} {} to {shown}", if n == 1 { "row" } else { "rows" }),
            Err(e) => format!("✘ export failed, nothing written: {}", crate::sanitize::clean(&e.to_string())),
        });
        self.dirty = true;
    }

    /// `y`: what the view is about, to the clipboard (the event loop writes it to the terminal).
    pub(super) fn copy(&mut self) {
        let (text, what) = match (self.view, self.detail.as_ref().and_then(|d| d.data.as_deref())) {
            (View::Detail, Some(data)) => {
                let mut out = Vec::new();
                let _ = crate::present::markdown::detail_markdown(&mut out, data, self.service.now());
                (String::from_utf8_lossy(&out).into_owned(), format!("run {}'s summary (Markdown)", data.run.id))
            }
            (View::Detail, None) => {
                self.flash = Some("nothing to copy yet: the run is loading".into());
                return;
            }
            (View::List, _) => {
                let Some(r) = self.list.selected() else {
                    self.flash = Some("no run selected".into());
                    return;
                };
                (r.id.to_string(), format!("run id {}", r.id))
            }
        };
        if text.len() > CLIPBOARD_CAP {
            self.flash = Some(format!(
                "✘ {what} is {} bytes, over the {CLIPBOARD_CAP}-byte cap: use :export md instead",
                text.len()
            ));
            return;
        }
        self.flash = Some(format!("copied {what} · {} bytes (OSC 52)", text.len()));
        self.clipboard = Some(text);
    }

    /// What `y` asked to copy, once: the event loop sends it to the terminal.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }
}

impl App {
    /// At start: the saved views, where they live, and the last session's view (its filter,
    /// sort and selection) when there is one that still parses.
    pub fn restore(
        &mut self,
        state: StateDir,
        views: BTreeMap<String, SavedView>,
        last: Option<&SavedView>,
    ) -> Vec<Command> {
        self.command_history = state.history();
        self.state = state;
        self.views = views;
        last.and_then(|v| self.apply_view(v).ok()).unwrap_or_default()
    }

    /// The view on screen now (what the session keeps).
    #[must_use]
    pub fn snapshot(&self) -> SavedView {
        SavedView::of(&self.list.filter_text, &self.list.filter, self.list.selected().map(|r| r.id))
    }

    fn apply_view(&mut self, v: &SavedView) -> Result<Vec<Command>, String> {
        let mut base = self.list.filter.clone();
        base.query.sort = v.sort_key();
        base.query.ascending = v.ascending;
        let f = filter::parse(&v.filter, &base, self.service.now()).map_err(|e| e.to_string())?;
        self.detail = None;
        self.view = View::List;
        self.list.reset(f, v.filter.clone());
        self.list.selected_id = v.selected;
        Ok(self.reload_list())
    }

    /// `:view save NAME`, `:view NAME`, `:view list`, `:view delete NAME`.
    fn view_command(&mut self, rest: &str) -> Vec<Command> {
        let (verb, name) = rest.split_once(' ').map_or((rest, ""), |(v, n)| (v, n.trim()));
        let save = |app: &mut Self, said: String| {
            app.flash = Some(said);
            vec![Command::SaveViews { state: app.state.clone(), views: app.views.clone() }]
        };
        match (verb, name) {
            ("list" | "", "") if self.views.is_empty() => self.flash = Some("no saved views: :view save NAME".into()),
            ("list" | "", "") => {
                let names: Vec<&str> = self.views.keys().map(String::as_str).collect();
                self.flash = Some(format!("views: {}", names.join("  ")));
            }
            ("save", n) if valid_name(n) => {
                let mut v = self.snapshot();
                v.selected = None;
                self.views.insert(n.to_owned(), v);
                return save(self, format!("view {n} saved: {}", self.list.filter_text));
            }
            ("delete", n) if self.views.remove(n).is_some() => return save(self, format!("view {n} deleted")),
            ("save" | "delete", n) => {
                self.flash = Some(format!("✘ :view {verb} NAME (letters, digits, - or _; {n:?} is not one of yours)"));
            }
            (n, "") => match self.views.get(n).cloned() {
                Some(v) => match self.apply_view(&v) {
                    Ok(cmds) => {
                        self.flash = Some(format!("view {n}: {}", v.filter));
                        return cmds;
                    }
                    Err(e) => self.flash = Some(format!("✘ view {n} no longer parses: {e}")),
                },
                None => self.flash = Some(format!("✘ no view named {n:?}: :view list shows them")),
            },
            _ => self.flash = Some("✘ :view save NAME | :view NAME | :view list | :view delete NAME".into()),
        }
        Vec::new()
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 32 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
