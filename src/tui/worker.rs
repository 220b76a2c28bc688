//! The worker: runs [`Command`]s against the service off the UI task and answers with
//! [`Msg`]s. In the console each command is a tokio task whose reply goes back over an mpsc
//! channel; in tests [`settle`] runs them one by one to completion, with no sleeps.
//!
//! Writes (reconcile) are tracked, so that on quit or on a signal the console can let an
//! in-flight reconciliation finish (its transaction commits whole or rolls back whole; a task
//! dropped before its commit leaves the run as it was).

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::{JoinError, JoinHandle};

use super::app::App;
use super::event::{Msg, Reply};
use crate::domain::{Decision, ReasonCode};
use crate::service::{Page, RunFilter, Service, ServiceError};

/// Where a list page starts: the `next` of the page before it. The service hands cursors out
/// only inside pages, so a start is a [`Page`] with its rows dropped; the first page starts at
/// [`Start::top`].
#[derive(Debug, Clone, Default)]
pub struct Start(Page);

impl Start {
    /// The start of the first page.
    #[must_use]
    pub fn top() -> Self {
        Self::default()
    }

    /// The start of the page after `page`, if there is one.
    #[must_use]
    pub fn after(page: &Page) -> Option<Self> {
        page.next.as_ref().map(|next| Self(Page { rows: Vec::new(), next: Some(next.clone()) }))
    }

    /// Whether two starts are the same position.
    #[must_use]
    pub fn same(&self, other: &Self) -> bool {
        self.0.next == other.0.next
    }
}

/// A worker task that panicked (a bug): the console stops and reports it. It keeps tokio's
/// [`JoinError`] (which task, and the panic's message) rather than a sentence made from it;
/// the sentence is its Display, which names the cause, so the cause is not also a `source`.
#[derive(Debug, thiserror::Error)]
#[error("a background task panicked: {0}")]
pub struct Panicked(JoinError);

/// A request to the service.
#[derive(Debug, Clone)]
pub enum Command {
    /// `count` consecutive pages of `limit` rows, the first starting at `start`.
    LoadPages { generation: u64, seq: u64, filter: RunFilter, first: usize, start: Start, count: usize, limit: u32 },
    /// The match count of `filter`.
    Count { generation: u64, seq: u64, filter: RunFilter },
    /// One step of a verdict filter's exact count: the matches of one page from `start`, with
    /// `so_far` counted before it (see `screen::runs::tally`).
    Tally { generation: u64, seq: u64, filter: RunFilter, start: Start, so_far: u64 },
    /// One run's detail; `raw` adds the masked provider payloads.
    Detail { seq: u64, id: i64, raw: bool },
    /// Reconcile `id`, bound to the decision the operator confirmed.
    Reconcile { seq: u64, id: i64, expected: Decision, note: Option<String> },
    /// Whether anything changed: the database's data version (live refresh asks this first).
    Probe { seq: u64 },
    /// The names of the operator's workspaces and environments (filter bar completion).
    Names { seq: u64 },
    /// The match count of a filter being typed (the bar's live count).
    PreviewCount { seq: u64, filter: RunFilter },
    /// The `:` command history, written whole.
    SaveHistory { state: crate::tui::state::StateDir, commands: Vec<String> },
    /// `:view save|delete`: the saved views, written whole.
    SaveViews {
        state: crate::tui::state::StateDir,
        views: std::collections::BTreeMap<String, crate::tui::state::SavedView>,
    },
    /// `:export`: what the view shows, written to `path`.
    Export {
        seq: u64,
        target: crate::tui::export::Target,
        format: crate::tui::export::Format,
        path: std::path::PathBuf,
    },
}

impl Command {
    /// Whether the command writes.
    #[must_use]
    pub const fn writes(&self) -> bool {
        matches!(self, Self::Reconcile { .. })
    }
}

/// Runs one command to completion.
pub async fn execute(service: &Service, cmd: Command) -> Msg {
    let reply = match cmd {
        Command::LoadPages { generation, seq, filter, first, start, count, limit } => {
            let mut pages = Vec::with_capacity(count);
            let mut after = start.0.next;
            let mut result = Ok(());
            for _ in 0..count.max(1) {
                match service.list(&filter, after, limit).await {
                    Ok(page) => {
                        let next = page.next.clone();
                        pages.push(page);
                        match next {
                            Some(_) => after = next,
                            None => break,
                        }
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            Reply::Pages { generation, seq, first, count, result: result.map(|()| pages) }
        }
        Command::Count { generation, seq, filter } => {
            Reply::Count { generation, seq, result: service.count(&filter).await }
        }
        Command::Tally { generation, seq, filter, start, so_far } => {
            let result = service.list(&filter, start.0.next, crate::tui::screen::runs::TALLY_STEP).await;
            let result = result.map(|page| (page.rows.len() as u64, Start::after(&page)));
            Reply::Tally { generation, seq, so_far, result }
        }
        Command::Detail { seq, id, raw } => {
            Reply::Detail { seq, id, raw, result: service.detail(id, raw).await.map(Box::new) }
        }
        Command::Probe { seq } => Reply::Probed { seq, result: service.data_version().await },
        Command::SaveHistory { state, commands } => {
            if let Err(e) = state.save_history(&commands) {
                tracing::warn!(error = %e, "the command history was not kept");
            }
            Reply::StateWritten { result: Ok(()) }
        }
        Command::SaveViews { state, views } => {
            let result = state.save_views(&views).map_err(|e| e.to_string());
            Reply::StateWritten { result }
        }
        Command::Export { seq: _, target, format, path } => {
            let result = crate::tui::export::export(service, target, format, &path).await;
            Reply::Exported { path, result }
        }
        Command::Names { seq: _ } => Reply::Names { result: service.scope_names().await },
        Command::PreviewCount { seq, filter } => Reply::PreviewCount { seq, result: service.count(&filter).await },
        Command::Reconcile { seq, id, expected, note } => {
            let result = service.reconcile(id, Some(expected), note.as_deref()).await;
            // Someone else got there first: find out who, so the dialog can say so.
            let terminal = |v: &crate::domain::Verdict| v.reason_code == ReasonCode::OperationRunAlreadyTerminal;
            let lost_race = match &result {
                Err(ServiceError::Conflict(_)) => true,
                Err(ServiceError::ProofChanged { now, .. }) => terminal(now),
                Ok(out) => !out.written && terminal(&out.verdict),
                Err(_) => false,
            };
            let meanwhile = if lost_race { service.reconciled_meanwhile(id).await } else { None };
            // Written: the run as it reads now, for the list to keep in view.
            let after = match &result {
                Ok(out) if out.written => service.assess(id).await.ok().map(Box::new),
                _ => None,
            };
            Reply::Reconciled { seq, id, result: Box::new(result), meanwhile, after }
        }
    };
    Msg::Reply(reply)
}

/// Runs commands as tokio tasks and sends their replies to the UI loop.
#[derive(Debug)]
pub struct Worker {
    service: Service,
    tx: UnboundedSender<Msg>,
    writes: Vec<JoinHandle<()>>,
}

impl Worker {
    #[must_use]
    pub const fn new(service: Service, tx: UnboundedSender<Msg>) -> Self {
        Self { service, tx, writes: Vec::new() }
    }

    /// Starts `cmd` in the background.
    pub fn spawn(&mut self, cmd: Command) {
        let writes = cmd.writes();
        let service = self.service.clone();
        let job = tokio::spawn(async move { execute(&service, cmd).await });
        let tx = self.tx.clone();
        let watch = tokio::spawn(async move {
            let msg = match job.await {
                Ok(msg) => msg,
                Err(e) if e.is_panic() => Msg::Reply(Reply::Crashed(Panicked(e))),
                Err(_) => return,
            };
            // The UI may be gone already (quitting): nothing to tell then.
            let _ = tx.send(msg);
        });
        if writes {
            self.writes.retain(|h| !h.is_finished());
            self.writes.push(watch);
        }
    }

    /// Whether a write is still running.
    #[must_use]
    pub fn writing(&self) -> bool {
        self.writes.iter().any(|h| !h.is_finished())
    }

    /// Waits (at most `limit` in all) for in-flight writes to commit or roll back.
    pub async fn finish_writes(&mut self, limit: Duration) {
        let all = futures::future::join_all(self.writes.drain(..));
        let _ = tokio::time::timeout(limit, all).await;
    }
}

/// Runs `cmds` and every command their replies cause, one at a time, until none is left
/// (bounded, in case of a bug that keeps asking). For tests and scripted use: no timing.
pub async fn settle(app: &mut App, service: &Service, cmds: Vec<Command>) {
    let mut queue = std::collections::VecDeque::from(cmds);
    let mut budget = 10_000_u32;
    while let Some(cmd) = queue.pop_front() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let msg = execute(service, cmd).await;
        queue.extend(app.update(msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicked_task_reads_as_the_sentence_it_always_did() {
        let job = tokio::spawn(async { std::panic::panic_any("boom") });
        let e = job.await.expect_err("the task panicked");
        let sentence = format!("a background task panicked: {e}");
        assert!(sentence.contains("boom"), "{sentence}");
        assert_eq!(Panicked(e).to_string(), sentence);
    }
}
