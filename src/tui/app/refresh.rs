//! Live refresh: the tick (data age, outage retries, the filter bar's live count, and a due
//! refresh that first probes whether the data changed), the probe's answer, and reloading what
//! is on screen.

use std::time::Instant;

use super::{outage, App, View, REFRESH_EVERY};
use crate::service::{DataVersion, ServiceError};
use crate::tui::worker::Command;

impl App {
    pub(super) fn on_tick(&mut self, at: Instant) -> Vec<Command> {
        let before = (self.data_age().map(|d| d.as_secs()), self.banner());
        self.mono = at;
        if (self.data_age().map(|d| d.as_secs()), self.banner()) != before {
            self.dirty = true;
        }
        if self.filter_edit.is_some() {
            return self.filter_tick();
        }
        if self.paused || self.typing() {
            return Vec::new();
        }
        if let Some(o) = self.outage.as_mut() {
            // Retries on the backoff schedule replace the live refresh until an answer comes.
            if !o.due(at) {
                return Vec::new();
            }
            o.next_retry = None;
            self.dirty = true;
            let cmds = self.refresh(true);
            if cmds.is_empty() {
                if let Some(o) = self.outage.as_mut() {
                    o.next_retry = Some(at + outage::backoff(o.attempt));
                }
            }
            return cmds;
        }
        let due = at.saturating_duration_since(self.last_refresh) >= REFRESH_EVERY;
        if !due {
            return Vec::new();
        }
        if self.view == View::Detail {
            // One run's detail costs the same whatever the tables hold: reloaded as it is.
            return self.refresh(false);
        }
        // The list asks first whether anything changed: a probe whose cost does not grow with
        // the table, where the pages and (at a million runs) the count would.
        self.last_refresh = self.mono;
        if self.probe_seq.is_some() {
            return Vec::new();
        }
        self.seq += 1;
        self.probe_seq = Some(self.seq);
        vec![Command::Probe { seq: self.seq }]
    }

    /// A probe's answer: reload the list if the data version moved; otherwise only what the
    /// clock alone can have changed (see [`RunFilter::changes_with_time`]), and the data
    /// age counts from now, since the pages shown are what the database holds.
    pub(super) fn on_probed(&mut self, seq: u64, result: Result<DataVersion, ServiceError>) -> Vec<Command> {
        if self.probe_seq != Some(seq) {
            return Vec::new();
        }
        self.probe_seq = None;
        self.heard(result.as_ref().err());
        if self.view != View::List {
            return Vec::new();
        }
        match result {
            Ok(v) if self.version == Some(v) => {
                // What matches can move with the clock: pages and count.
                if self.list.filter.changes_with_time() {
                    return self.refresh(false);
                }
                // A run on screen turned stale: it reads differently, but what matches (and so
                // the count, a full count at a million runs) cannot have changed.
                if self.list.turned_stale(self.service.now(), self.service.stale_after()) {
                    self.last_refresh = self.mono;
                    let height = self.list_height();
                    let mut seq = self.seq;
                    let cmds = self.list.refresh(height, &mut seq, false);
                    self.seq = seq;
                    return cmds;
                }
                self.list.confirm_current(self.mono);
                self.dirty = true;
                Vec::new()
            }
            Ok(v) => {
                self.version = Some(v);
                self.refresh(false)
            }
            // Unreachable: the outage banner and its retries take over (`heard`).
            Err(e) if e.is_unavailable() => Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "data version probe failed; reloading instead");
                self.version = None;
                self.refresh(false)
            }
        }
    }

    /// Reloads what is on screen: the visible pages and the count, or the detail.
    pub(super) fn refresh(&mut self, force: bool) -> Vec<Command> {
        self.last_refresh = self.mono;
        let mut seq = self.seq;
        let mut cmds = Vec::new();
        match self.view {
            View::List => {
                let height = self.list_height();
                cmds.extend(self.list.refresh(height, &mut seq, force));
                if force || !self.list.counting {
                    cmds.extend(self.list.count_command(&mut seq));
                }
            }
            View::Detail => {
                if let Some(d) = self.detail.as_mut() {
                    if force || !d.inflight {
                        seq += 1;
                        cmds.push(d.request(seq, d.raw));
                    }
                }
            }
        }
        self.seq = seq;
        cmds
    }

    /// A new list generation: first pages and the count.
    pub(super) fn reload_list(&mut self) -> Vec<Command> {
        let height = self.list_height();
        let mut seq = self.seq;
        let mut cmds = self.list.ensure(height, &mut seq);
        cmds.extend(self.list.count_command(&mut seq));
        self.seq = seq;
        cmds
    }
}
