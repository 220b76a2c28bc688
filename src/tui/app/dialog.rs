//! The reconcile dialog's state: the run and the verdict it is bound to, the typed run id and
//! the optional note, and where the request stands (editing, reconciling, result). A
//! `proof_changed` answer rebinds the dialog to the new verdict and asks for the id again.
//! The `App` methods that open the dialog (or explain why not), route its keys and take the
//! service's answer live here too.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use super::{App, Notice};
use crate::domain::{Decision, Verdict};
use crate::sanitize::clean;
use crate::service::{Lost, ReconcileOutcome, RunView, ServiceError};
use crate::tui::action::Action;
use crate::tui::keymap::{self, Scope};
use crate::tui::worker::Command;

/// What the dialog says when the connection was lost before the commit.
pub const ROLLED_BACK: &str =
    "rolled back: the connection to the database was lost before the commit; nothing was written";
/// What the dialog says when the connection dropped during the commit (it cannot know more).
pub const UNKNOWN: &str = "outcome unknown: the connection dropped during commit; reopen the run to see its status";

/// Which field takes typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    RunId,
    Note,
}

/// How a reconciliation ended, as the dialog shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written {
        status: String,
        outcome: String,
    },
    /// The verdict is (now) `not_reconciled`: nothing was written.
    NothingToDo {
        verdict: Box<Verdict>,
    },
    Conflict(String),
    Forbidden(String),
    NotFound(String),
    /// The connection was lost before the commit: the transaction rolled back, nothing was
    /// written.
    RolledBack(String),
    /// The connection dropped during the commit: whether it was applied cannot be known here.
    Unknown(String),
    Error(String),
}

/// Where the request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Editing,
    Running,
    Done(Outcome),
}

/// The open dialog.
#[derive(Debug, Clone)]
pub struct Dialog {
    pub run: RunView,
    /// The verdict the confirmation is bound to.
    pub verdict: Verdict,
    pub id_input: Input,
    pub note_input: Input,
    pub field: Field,
    pub phase: Phase,
    pub seq: u64,
    /// Set when the proof moved since the dialog opened.
    pub changed_from: Option<Decision>,
}

impl Dialog {
    #[must_use]
    pub fn new(run: RunView, verdict: Verdict) -> Self {
        Self {
            run,
            verdict,
            id_input: Input::default(),
            note_input: Input::default(),
            field: Field::RunId,
            phase: Phase::Editing,
            seq: 0,
            changed_from: None,
        }
    }

    /// Whether the typed id is the run's id.
    #[must_use]
    pub fn id_matches(&self) -> bool {
        self.id_input.value().trim() == self.run.id.to_string()
    }

    /// The note, when one was typed.
    #[must_use]
    pub fn note(&self) -> Option<String> {
        let n = self.note_input.value().trim();
        (!n.is_empty()).then(|| n.to_owned())
    }

    /// Takes the service's answer; returns whether the run's data changed (refresh wanted).
    pub fn apply(&mut self, result: Result<ReconcileOutcome, ServiceError>) -> bool {
        let (phase, changed) = match result {
            Ok(out) if out.written => {
                (Phase::Done(Outcome::Written { status: out.status, outcome: out.outcome }), true)
            }
            Ok(out) => (Phase::Done(Outcome::NothingToDo { verdict: Box::new(out.verdict) }), false),
            Err(ServiceError::ProofChanged { expected, now }) => {
                self.changed_from = Some(expected);
                if now.is_final() {
                    // Bound to the new verdict: the operator reviews it and types the id again.
                    self.verdict = *now;
                    self.id_input.reset();
                    self.field = Field::RunId;
                    (Phase::Editing, true)
                } else {
                    (Phase::Done(Outcome::NothingToDo { verdict: now }), true)
                }
            }
            Err(e @ ServiceError::Conflict(_)) => (Phase::Done(Outcome::Conflict(e.to_string())), true),
            Err(ServiceError::Forbidden(d)) => (Phase::Done(Outcome::Forbidden(d.to_string())), false),
            Err(e @ ServiceError::NotFound(_)) => (Phase::Done(Outcome::NotFound(e.to_string())), true),
            Err(e) => match e.connection_lost() {
                // The run may have changed: what is on screen reloads (and shows which way).
                Some((Lost::DuringCommit, m)) => (Phase::Done(Outcome::Unknown(m.clone())), true),
                Some((Lost::BeforeCommit, m)) => (Phase::Done(Outcome::RolledBack(m.clone())), false),
                None => (Phase::Done(Outcome::Error(e.to_string())), false),
            },
        };
        self.phase = phase;
        changed
    }

    /// A one-line summary of a finished reconciliation (for a dialog closed while it ran).
    #[must_use]
    pub fn summary(&self) -> Option<String> {
        let id = self.run.id;
        Some(match &self.phase {
            Phase::Done(Outcome::Written { status, outcome }) => format!("run {id}: written, now {status} / {outcome}"),
            Phase::Done(Outcome::NothingToDo { verdict }) => {
                format!("run {id}: nothing to do ({} · {})", verdict.decision, verdict.reason_code)
            }
            Phase::Done(Outcome::Conflict(m) | Outcome::Forbidden(m) | Outcome::NotFound(m) | Outcome::Error(m)) => {
                format!("run {id}: {m}")
            }
            Phase::Done(Outcome::RolledBack(_)) => format!("run {id}: {ROLLED_BACK}"),
            Phase::Done(Outcome::Unknown(_)) => format!("run {id}: {UNKNOWN}"),
            Phase::Editing if self.changed_from.is_some() => {
                format!("run {id}: proof changed to {}; nothing was written", self.verdict.decision)
            }
            _ => return None,
        })
    }
}

impl App {
    pub(super) fn on_reconciled(
        &mut self,
        seq: u64,
        result: Result<crate::service::ReconcileOutcome, ServiceError>,
    ) -> Vec<Command> {
        self.heard(result.as_ref().err());
        let changed = if let Some(d) = self.dialog.as_mut().filter(|d| d.seq == seq && d.phase == Phase::Running) {
            d.apply(result)
        } else if let Some(mut d) = self.background.take_if(|d| d.seq == seq) {
            let changed = d.apply(result);
            let line = d.summary().unwrap_or_else(|| format!("run {}: done", d.run.id));
            self.notice = Some(Notice { title: "Reconciliation finished".to_owned(), lines: vec![line] });
            changed
        } else {
            return Vec::new();
        };
        self.dirty = true;
        // What is on screen changed; the list under a detail reloads when the operator goes back.
        if changed {
            self.refresh(true)
        } else {
            Vec::new()
        }
    }

    pub(super) fn dialog_key(&mut self, ev: KeyEvent) -> Vec<Command> {
        let action = keymap::lookup(Scope::Dialog, &ev);
        let Some(d) = self.dialog.as_mut() else { return Vec::new() };
        match (&d.phase, action) {
            (Phase::Running, Some(Action::Cancel)) => {
                self.background = self.dialog.take();
                self.flash = Some("the reconciliation continues in the background; its result will be shown".into());
            }
            (Phase::Done(_), Some(Action::Cancel | Action::Submit)) | (Phase::Editing, Some(Action::Cancel)) => {
                self.dialog = None;
            }
            (Phase::Editing, Some(Action::SwitchField)) => {
                d.field = if d.field == Field::RunId { Field::Note } else { Field::RunId };
            }
            // Enter does nothing until the typed id matches.
            (Phase::Editing, Some(Action::Submit)) if d.id_matches() => {
                self.seq += 1;
                d.seq = self.seq;
                d.phase = Phase::Running;
                return vec![Command::Reconcile {
                    seq: d.seq,
                    id: d.run.id,
                    expected: d.verdict.decision,
                    note: d.note(),
                }];
            }
            (Phase::Editing, Some(Action::Submit)) => {}
            (Phase::Editing, _) => {
                let input = if d.field == Field::RunId { &mut d.id_input } else { &mut d.note_input };
                input.handle_event(&Event::Key(ev));
            }
            _ => {}
        }
        Vec::new()
    }

    /// `r`: the dialog, or a notice saying why the operator may not act on this run.
    pub(super) fn open_dialog(&mut self) {
        let Some(run) = self.current_run().cloned() else {
            self.flash = Some("no run selected".into());
            return;
        };
        let title = format!("Cannot reconcile run {}", run.id);
        if let Err(denied) = self.service.may_reconcile(&run) {
            let mut lines = vec![denied.to_string()];
            if self.service.read_only() {
                lines.push("Every write is hidden and refused in this session.".to_owned());
            } else {
                let role = self.service.operator().role_in(run.workspace_id).map_or("none", |r| r.as_str());
                lines.push(format!(
                    "{} has role {role} in workspace {}.",
                    clean(&self.service.operator().handle),
                    clean(&run.workspace)
                ));
            }
            lines.push("Nothing was written.".to_owned());
            self.notice = Some(Notice { title, lines });
            return;
        }
        match &run.verdict {
            Err(e) => {
                let lines =
                    vec![format!("The run is unreadable: {}", clean(&e.to_string())), "Nothing was written.".into()];
                self.notice = Some(Notice { title, lines });
            }
            Ok(v) if !v.is_final() => {
                let lines = vec![
                    format!(
                        "Verdict {} {}: nothing to reconcile.",
                        crate::present::symbol(v.decision.as_str()),
                        v.decision
                    ),
                    format!("{} — {}", v.reason_code, v.reason_code.describe()),
                    "Nothing would be written.".to_owned(),
                ];
                self.notice = Some(Notice { title, lines });
            }
            Ok(v) => {
                let v = v.clone();
                self.dialog = Some(Dialog::new(run, v));
            }
        }
    }
}
