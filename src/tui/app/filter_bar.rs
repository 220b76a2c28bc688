//! The app's side of the filter bar: opening it (the cursor after a space, so what is typed
//! next is a new token), its keys (Enter applies, Esc cancels, Tab completes the last token,
//! ↑/↓ walk the filters applied earlier this session), "did you mean" for a workspace or
//! environment name that names nothing the operator can see, and a live count of what the
//! text would match, asked once typing pauses.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use super::App;
use crate::service::filter_hint::{complete, unknown_names};
use crate::service::ServiceError;
use crate::tui::action::Action;
use crate::tui::filter;
use crate::tui::keymap::{self, Scope};
use crate::tui::screen::runs::{FilterEdit, Preview};
use crate::tui::worker::Command;

/// How long typing must pause before the bar counts what the text matches.
const PREVIEW_AFTER: Duration = Duration::from_millis(400);
/// Filters remembered for ↑.
const HISTORY: usize = 50;

impl App {
    pub(super) fn open_filter_bar(&mut self) {
        let mut text = self.list.filter_text.clone();
        if !text.is_empty() && !text.ends_with(' ') {
            text.push(' ');
        }
        self.filter_edit = Some(FilterEdit::new(Input::new(text)));
    }

    pub(super) fn filter_key(&mut self, ev: KeyEvent) -> Vec<Command> {
        let Some(edit) = self.filter_edit.as_mut() else { return Vec::new() };
        match keymap::lookup(Scope::FilterBar, &ev) {
            Some(Action::Submit) => {
                let text = edit.input.value().trim().to_owned();
                let parsed = filter::parse(&text, &self.list.filter, self.service.now());
                let checked = parsed.and_then(|f| match self.names.as_ref().and_then(|n| unknown_names(&f, n)) {
                    Some(message) => Err(filter::FilterError::UnknownName(message)),
                    None => Ok(f),
                });
                match checked {
                    Ok(f) => {
                        self.filter_edit = None;
                        self.filter_history.retain(|t| *t != text);
                        self.filter_history.push(text.clone());
                        if self.filter_history.len() > HISTORY {
                            self.filter_history.remove(0);
                        }
                        self.list.reset(f, text);
                        return self.reload_list();
                    }
                    Err(e) => edit.error = Some(e),
                }
            }
            Some(Action::Cancel) => self.filter_edit = None,
            Some(Action::Complete) => {
                let names = self.names.clone().unwrap_or_default();
                let value = edit.input.value().to_owned();
                let c = complete(&value, &names);
                let mut hint = None;
                let text = match c.candidates.as_slice() {
                    [] => {
                        edit.hint = Some("no completion here".to_owned());
                        return Vec::new();
                    }
                    // One: the token whole, and a space unless a value is to follow.
                    [only] if only.ends_with(':') => format!("{}{only}", &value[..c.start]),
                    [only] => format!("{}{only} ", &value[..c.start]),
                    several => {
                        let shown: Vec<&str> = several.iter().take(8).map(String::as_str).collect();
                        let more = several.len().saturating_sub(shown.len());
                        let more = if more > 0 { format!(" … {more} more") } else { String::new() };
                        hint = Some(format!("Tab: {}{more}", shown.join("  ")));
                        // What they share, unless that is less than what was typed.
                        let shared = c.common_prefix();
                        if shared.len() >= value.len() - c.start {
                            format!("{}{shared}", &value[..c.start])
                        } else {
                            value.clone()
                        }
                    }
                };
                edit.input = Input::new(text);
                edit.edited(self.mono);
                edit.hint = hint;
            }
            Some(a @ (Action::HistoryBack | Action::HistoryForward)) => {
                let at = super::history_step(edit.history, self.filter_history.len(), a == Action::HistoryBack);
                if at != edit.history {
                    edit.history = at;
                    let text = at.map_or_else(|| self.list.filter_text.clone(), |i| self.filter_history[i].clone());
                    edit.input = Input::new(format!("{text} "));
                    edit.edited(self.mono);
                }
            }
            _ => {
                if edit.input.handle_event(&Event::Key(ev)).is_some_and(|c| c.value) {
                    edit.edited(self.mono);
                }
            }
        }
        Vec::new()
    }

    /// While the bar is open: once typing has paused, count what the text would match (a
    /// text that does not parse, or names nothing, says why instead).
    pub(super) fn filter_tick(&mut self) -> Vec<Command> {
        let Some(edit) = self.filter_edit.as_mut() else { return Vec::new() };
        let Some(at) = edit.edited_at else { return Vec::new() };
        if self.mono.saturating_duration_since(at) < PREVIEW_AFTER {
            return Vec::new();
        }
        edit.edited_at = None;
        self.dirty = true;
        let text = edit.input.value().trim().to_owned();
        let f = match filter::parse(&text, &self.list.filter, self.service.now()) {
            Ok(f) => f,
            Err(e) => {
                edit.preview = Preview::Invalid(e.to_string());
                return Vec::new();
            }
        };
        if let Some(message) = self.names.as_ref().and_then(|n| unknown_names(&f, n)) {
            edit.preview = Preview::Invalid(message);
            return Vec::new();
        }
        self.seq += 1;
        let approx = f.gap || f.drift || !f.decisions.is_empty();
        edit.preview = Preview::Counting { seq: self.seq, approx };
        vec![Command::PreviewCount { seq: self.seq, filter: f }]
    }

    pub(super) fn on_preview_count(&mut self, seq: u64, result: &Result<i64, ServiceError>) -> Vec<Command> {
        self.heard(result.as_ref().err());
        if let Some(edit) = self.filter_edit.as_mut() {
            if let Preview::Counting { seq: asked, approx } = edit.preview {
                if asked == seq {
                    edit.preview = match result {
                        Ok(n) => Preview::Count { n: *n, approx },
                        Err(_) => Preview::Failed,
                    };
                    self.dirty = true;
                }
            }
        }
        Vec::new()
    }
}

impl FilterEdit {
    /// Notes an edit at `now`: the live count is asked again once typing pauses.
    fn edited(&mut self, now: Instant) {
        self.error = None;
        self.hint = None;
        self.edited_at = Some(now);
        self.preview = Preview::Waiting;
    }
}
