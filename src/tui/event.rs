//! What `App::update` consumes: terminal input, the clock tick, and the worker's replies.
//! Every reply carries the sequence id of the request it answers (and the list's filter
//! generation), so the app drops answers to questions it no longer asks.

use std::time::Instant;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::service::{DataVersion, Page, ReconcileOutcome, RunDetail, ServiceError};
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
    /// One run's detail.
    Detail { seq: u64, id: i64, raw: bool, result: Result<Box<RunDetail>, ServiceError> },
    /// What a reconciliation did.
    Reconciled { seq: u64, id: i64, result: Box<Result<ReconcileOutcome, ServiceError>> },
    /// The database's data version, asked when a refresh was due.
    Probed { seq: u64, result: Result<DataVersion, ServiceError> },
    /// A worker task died (a bug): the console stops with this message.
    Crashed(Panicked),
}
