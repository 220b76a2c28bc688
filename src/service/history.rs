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
