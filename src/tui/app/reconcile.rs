//! The app's side of the reconcile dialog: `r` opens it (or a notice saying why the operator
//! may not act on this run), its keys are routed to it, the reconciliation is sent with a fresh
//! id, a dialog closed while its write runs is kept in the background, and the service's answer
//! reaches the dialog (or, for one in the background, becomes a notice).

use ratatui::crossterm::event::KeyEvent;

use super::{App, View};
use crate::sanitize::clean;
use crate::service::{Reconciliation, RunView, ServiceError};
use crate::tui::action::Action;
use crate::tui::screen::dialog::{Dialog, Phase};
use crate::tui::screen::notice::Notice;
use crate::tui::screen::Handled;
use crate::tui::worker::Command;

impl App {
    pub(super) fn on_reconciled(
        &mut self,
        seq: u64,
        result: Result<crate::service::ReconcileOutcome, ServiceError>,
        meanwhile: Option<Reconciliation>,
        after: Option<Box<RunView>>,
    ) -> Vec<Command> {
        if self.view == View::List {
            self.pin_after_reload = after;
        }
        self.heard(result.as_ref().err());
        // Who got there first, in words (database text sanitized).
        let now = self.service.now();
        let meanwhile = meanwhile.map(|r| clean(&r.describe(now)).into_owned());
        let changed = if let Some(d) = self.dialog.as_mut().filter(|d| d.seq == seq && d.phase == Phase::Running) {
            d.meanwhile = meanwhile;
            d.apply(result)
        } else if let Some(mut d) = self.background.take_if(|d| d.seq == seq) {
            d.meanwhile = meanwhile;
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
        let Some(d) = self.dialog.as_mut() else { return Vec::new() };
        match d.handle_key(ev) {
            Handled::Pass(Action::Cancel) => {
                self.background = self.dialog.take();
                self.flash = Some("the reconciliation continues in the background; its result will be shown".into());
            }
            Handled::Close => {
                self.dialog = None;
                self.flash = self.pin_note.take();
            }
            Handled::Request => {
                self.seq += 1;
                return vec![d.send(self.seq)];
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
                let mut dialog = Dialog::new(run, v);
                dialog.profile = self.service.profile().cloned();
                self.dialog = Some(dialog);
            }
        }
    }
}

impl App {
    /// After the reload that follows a reconciliation from the list: a run the filter no
    /// longer matches stays in view, where it was, until the next key, and a line says what
    /// happened to it (a run still matched just gets the line).
    pub(super) fn pin(&mut self, run: RunView) {
        let what =
            format!("run {} reconciled → {} {}", run.id, crate::present::symbol(&run.outcome), clean(&run.outcome));
        let note = if self.list.contains(run.id) {
            what
        } else {
            self.list.pin(run);
            format!("{what} · no longer matches the filter: leaves at the next key")
        };
        // Said now, or when the dialog closes (its closing key would clear it).
        if self.dialog.is_some() {
            self.pin_note = Some(note);
        } else {
            self.flash = Some(note);
        }
    }
}
