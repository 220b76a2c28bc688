//! What a run's detail says about its reconciliation: who wrote it, when, to what, and the
//! note they gave, from the transition's audit row (or, when that row is out of sight, the
//! run's own `context.reconciliation`). The `show` text and Markdown both print it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::RunDetail;

/// The audit action the transition writes.
pub const RECONCILED: &str = "operation_run.reconciled";

/// One reconciliation of a run, as its records tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// The operator, when the audit row is in view.
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// The decision written (`succeeded`, `partially_succeeded`…), as recorded.
    pub decision: Option<String>,
    pub reason_code: Option<String>,
    /// The ticket or reason given, if any.
    pub note: Option<String>,
}

fn text(v: Option<&Value>, key: &str) -> Option<String> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str).map(str::to_owned)
}

fn instant(s: Option<String>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&s?).ok().map(|t| t.with_timezone(&Utc))
}

impl RunDetail {
    /// The run's latest reconciliation by the transition, if it has one.
    #[must_use]
    pub fn reconciliation(&self) -> Option<Reconciliation> {
        let audit = self.audit.iter().rev().find(|a| a.action == RECONCILED && a.subject_id == self.run.id);
        let context = self.run.context.get("reconciliation");
        match (audit, context.as_ref()) {
            (Some(a), _) => Some(Reconciliation {
                by: Some(a.actor.clone()),
                at: Some(a.created_at),
                decision: text(Some(&a.metadata), "decision"),
                reason_code: text(Some(&a.metadata), "reason_code"),
                note: text(Some(&a.metadata), "note").filter(|n| !n.trim().is_empty()),
            }),
            (None, Some(c)) => Some(Reconciliation {
                by: None,
                at: instant(text(Some(c), "reconciled_at")),
                decision: text(Some(c), "decision"),
                reason_code: text(Some(c), "reason_code"),
                note: None,
            }),
            (None, None) => None,
        }
    }
}

impl Reconciliation {
    /// One phrase for headlines and messages: `reconciled by owen 2m ago → partially_succeeded
    /// · INC-42`; what the records do not say is left out (an age only when the reconciliation
    /// is not after `now`, which a past `--now` can make it). Database text is the caller's
    /// to sanitize.
    #[must_use]
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let mut parts = vec!["reconciled".to_owned()];
        parts.extend(self.by.as_ref().map(|by| format!("by {by}")));
        parts.extend(self.at.filter(|at| *at <= now).map(|at| format!("{} ago", crate::present::age(now, at))));
        let mut text = parts.join(" ");
        if let Some(d) = &self.decision {
            text = format!("{text} → {d}");
        }
        if let Some(note) = &self.note {
            text = format!("{text} · {note}");
        }
        text
    }
}

impl super::Service {
    /// Who completed run `id`, when a reconciliation found it already completed (a conflict,
    /// or a proof that now says `operation_run_already_terminal`): its latest reconciliation,
    /// if the operator may see it. Errors read as "not known".
    pub async fn reconciled_meanwhile(&self, id: i64) -> Option<Reconciliation> {
        self.detail(id, false).await.ok()?.reconciliation()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconciliation_describes_what_its_records_say() {
        let at: DateTime<Utc> = "2026-11-20T11:58:00Z".parse().expect("instant");
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().expect("instant");
        let full = Reconciliation {
            by: Some("owen".into()),
            at: Some(at),
            decision: Some("partially_succeeded".into()),
            reason_code: None,
            note: Some("INC-42".into()),
        };
        assert_eq!(full.describe(now), "reconciled by owen 2m ago → partially_succeeded · INC-42");
        let bare = Reconciliation {
            by: None,
            at: Some(now + chrono::Duration::hours(1)),
            decision: None,
            reason_code: None,
            note: None,
        };
        assert_eq!(bare.describe(now), "reconciled");
    }
}
