//! The reconcile dialog, a modal (never a status-bar prompt): its state, keys and drawing.
//!
//! The state: the run and the verdict it is bound to, the typed run id and the optional note,
//! and where the request stands (editing, reconciling, result). A `proof_changed` answer
//! rebinds the dialog to the new verdict and asks for the id again. Keys: typing goes to the
//! focused field, Tab switches fields, Enter is inert until the typed id matches and then asks
//! the app to send the reconciliation ([`Handled::Request`]); Esc closes (while the request
//! runs, the app keeps it going in the background). Drawing: the run, its workspace and
//! environment, the decision by symbol and word, what will be written and every finding, the
//! two fields, and once sent "reconciling…" and the result (`lines.rs`). The app opens the
//! dialog (or explains why not) and takes the service's answer (`app/reconcile.rs`).

mod lines;

use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use super::Handled;
use crate::domain::{Decision, Verdict};
use crate::service::{Lost, ProfileTag, ReconcileOutcome, RunView, ServiceError};
use crate::tui::action::Action;
use crate::tui::keymap::{self, Scope};
use crate::tui::layout::popup;
use crate::tui::theme::Theme;
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
    /// Enter was pressed with an id that is not the run's: said until the next edit.
    pub mismatch: bool,
    /// When another reconciliation completed the run first: who, when, to what (sanitized).
    pub meanwhile: Option<String>,
    /// The session's config profile, named in the title (marked when production).
    pub profile: Option<ProfileTag>,
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
            mismatch: false,
            meanwhile: None,
            profile: None,
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
            Phase::Done(Outcome::NothingToDo { .. } | Outcome::Conflict(_)) if self.meanwhile.is_some() => {
                format!("run {id}: nothing written; it was {}", self.meanwhile.as_deref().unwrap_or_default())
            }
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

impl Dialog {
    /// Acts on a key while the dialog is open.
    pub fn handle_key(&mut self, ev: KeyEvent) -> Handled {
        let action = keymap::lookup(Scope::Dialog, &ev);
        match (&self.phase, action) {
            // The write goes on: the app keeps it, and shows its result when it comes.
            (Phase::Running, Some(Action::Cancel)) => return Handled::Pass(Action::Cancel),
            (Phase::Done(_), Some(Action::Cancel | Action::Submit)) | (Phase::Editing, Some(Action::Cancel)) => {
                return Handled::Close;
            }
            (Phase::Editing, Some(Action::SwitchField)) => {
                self.field = if self.field == Field::RunId { Field::Note } else { Field::RunId };
            }
            // Enter does nothing until the typed id matches.
            (Phase::Editing, Some(Action::Submit)) if self.id_matches() => return Handled::Request,
            (Phase::Editing, Some(Action::Submit)) => self.mismatch = true,
            (Phase::Editing, _) => {
                let input = if self.field == Field::RunId { &mut self.id_input } else { &mut self.note_input };
                if input.handle_event(&Event::Key(ev)).is_some_and(|c| c.value) {
                    self.mismatch = false;
                }
            }
            _ => {}
        }
        Handled::Done
    }

    /// The reconciliation, bound to the verdict shown, sent as `seq`.
    pub fn send(&mut self, seq: u64) -> Command {
        self.seq = seq;
        self.phase = Phase::Running;
        Command::Reconcile { seq, id: self.run.id, expected: self.verdict.decision, note: self.note() }
    }

    /// Draws the dialog over `area` (the whole frame), its lines made compact when they do not
    /// fit.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(80);
        let inner_width = usize::from(width.saturating_sub(2));
        let (mut body, mut cursor) = lines::body(self, inner_width, false, theme);
        if body.len() + 4 > usize::from(area.height) {
            (body, cursor) = lines::body(self, inner_width, true, theme);
        }
        let height = u16::try_from(body.len() + 2).unwrap_or(u16::MAX);
        let rect = popup(area, width, height);
        let title = match &self.profile {
            Some(p) if p.production => Span::styled(
                format!(" Reconcile run {} on PRODUCTION · profile {} ", self.run.id, p.name),
                theme.production,
            ),
            Some(p) => Span::styled(format!(" Reconcile run {} · profile {} ", self.run.id, p.name), theme.title),
            None => Span::styled(format!(" Reconcile run {} ", self.run.id), theme.title),
        };
        let block = Block::bordered().title(title).border_style(theme.border_focus).style(theme.modal);
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(body).block(block), rect);
        if let Some((x, y)) = cursor {
            if y < inner.height {
                frame.set_cursor_position(Position::new(
                    (inner.x + x).min(inner.right().saturating_sub(1)),
                    inner.y + y,
                ));
            }
        }
    }
}
