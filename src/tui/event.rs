//! What `App::update` consumes: terminal input, the clock tick, and the worker's replies.
//! Every reply carries the sequence id of the request it answers (and the list's filter
//! generation), so the app drops answers to questions it no longer asks.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent};

use crate::service::filter_hint::ScopeNames;
use crate::service::{DataVersion, Page, ReconcileOutcome, Reconciliation, RunDetail, RunView, ServiceError};
use crate::tui::worker::Panicked;

/// One input to the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A click or the wheel (only with `--mouse`).
    Mouse(MouseEvent),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// About once a second: drives live refresh and the data age.
    Tick(Instant),
    Reply(Reply),
}

/// A worker's answer.
#[derive(Debug)]
pub enum Reply {
    /// Up to `count` consecutive pages of the list, starting at page `first` (fewer at the end).
    Pages { generation: u64, seq: u64, first: usize, count: usize, result: Result<Vec<Page>, ServiceError> },
    /// How many runs match the SQL-side filters.
    Count { generation: u64, seq: u64, result: Result<i64, ServiceError> },
    /// One step of a verdict filter's exact count: how many matched, and where the next step
    /// starts (`None`: the walk reached the end).
    Tally {
        generation: u64,
        seq: u64,
        so_far: u64,
        result: Result<(u64, Option<crate::tui::worker::Start>), ServiceError>,
    },
    /// One run's detail.
    Detail { seq: u64, id: i64, raw: bool, result: Result<Box<RunDetail>, ServiceError> },
    /// What a reconciliation did.
    /// `meanwhile`: who completed the run, when it turned out to be completed already.
    Reconciled {
        seq: u64,
        id: i64,
        result: Box<Result<ReconcileOutcome, ServiceError>>,
        meanwhile: Option<Reconciliation>,
        /// The run as it reads after a write.
        after: Option<Box<RunView>>,
    },
    /// Whether the saved views (or the command history) were written.
    StateWritten { result: Result<(), String> },
    /// What `:export` wrote (or why nothing).
    Exported { path: std::path::PathBuf, result: Result<usize, crate::tui::export::ExportError> },
    /// The operator's workspace and environment names.
    Names { result: Result<ScopeNames, ServiceError> },
    /// The match count of the filter being typed.
    PreviewCount { seq: u64, result: Result<i64, ServiceError> },
    /// The database's data version, asked when a refresh was due.
    Probed { seq: u64, result: Result<DataVersion, ServiceError> },
    /// A worker task died (a bug): the console stops with this message.
    Crashed(Panicked),
}

/// A key's name for the "does nothing here" line; `None` for keys that are not pressed on
/// purpose (a lone modifier, media keys).
#[must_use]
pub fn key_name(ev: &KeyEvent) -> Option<String> {
    let base = match ev.code {
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) if !c.is_control() => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Left => "←".to_owned(),
        KeyCode::Right => "→".to_owned(),
        KeyCode::Backspace => "Backspace".to_owned(),
        KeyCode::Delete => "Delete".to_owned(),
        KeyCode::Insert => "Insert".to_owned(),
        KeyCode::Enter => "Enter".to_owned(),
        KeyCode::Tab => "Tab".to_owned(),
        KeyCode::BackTab => "Shift-Tab".to_owned(),
        KeyCode::Esc => "Esc".to_owned(),
        _ => return None,
    };
    let mut name = String::new();
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        name.push_str("Ctrl-");
    }
    if ev.modifiers.contains(KeyModifiers::ALT) {
        name.push_str("Alt-");
    }
    name.push_str(&base);
    Some(name)
}
