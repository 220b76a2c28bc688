//! The filter of a run list as the service takes it: the SQL-side query the store answers,
//! plus the verdict filters only the proof rules can answer. The CLI and the console both
//! build it; `check` bounds what a person can type.

use crate::domain::ScopeRef;
use crate::domain::{Decision, OpStatus, Outcome, RunQuery, RESTORE_EXECUTE};

/// The most values one filter field may hold (`--search` repeated, `status:a,b,…`).
pub const MAX_VALUES: usize = 32;

/// The longest filter value, in characters (a search term, a type, a workspace name).
pub const MAX_VALUE_CHARS: usize = 256;

/// A filter beyond what a person types: [`RunFilter::check`] refuses it before any query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterTooBig {
    #[error("{field}: {count} values is too many (at most {MAX_VALUES})")]
    Values { field: &'static str, count: usize },
    #[error("{field}: a value of {longest} characters is too long (at most {MAX_VALUE_CHARS})")]
    Chars { field: &'static str, longest: usize },
}

/// Filters of a run list: the SQL-side ones plus those on the verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RunFilter {
    pub query: RunQuery,
    /// Only runs whose verdict decision is one of these.
    pub decisions: Vec<Decision>,
    /// Only runs with a proof gap (or drift).
    pub gap: bool,
    /// Only completed `restore.execute` runs whose recorded success the proof no longer
    /// supports (the verdict's `drift`).
    pub drift: bool,
    /// `--stale`: not completed and not updated within `stale_after`.
    pub stale: bool,
}

impl RunFilter {
    /// The default view: `restore.execute` runs.
    #[must_use]
    pub fn restore_execute() -> Self {
        let mut f = Self::default();
        f.query.types.push(RESTORE_EXECUTE.to_owned());
        f
    }

    /// Whether every value is within [`MAX_VALUE_CHARS`] and every field holds at most
    /// [`MAX_VALUES`] values: a filter is typed by a person, and an unbounded one would end in
    /// a driver error (a LIKE pattern too complex, too many bound parameters).
    ///
    /// # Errors
    /// [`FilterTooBig`], naming the field and the limit.
    pub fn check(&self) -> Result<(), FilterTooBig> {
        let q = &self.query;
        let scope = |s: &ScopeRef| match s {
            ScopeRef::Name(n) => n.chars().count(),
            ScopeRef::Id(_) => 0,
        };
        let fields: [(&str, usize, usize); 8] = [
            ("type", q.types.len(), q.types.iter().map(|v| v.chars().count()).max().unwrap_or(0)),
            ("status", q.statuses.len(), 0),
            ("outcome", q.outcomes.len(), 0),
            ("decision", self.decisions.len(), 0),
            ("workspace", q.workspaces.len(), q.workspaces.iter().map(scope).max().unwrap_or(0)),
            ("environment", q.environments.len(), q.environments.iter().map(scope).max().unwrap_or(0)),
            ("search", q.search.len(), q.search.iter().map(|v| v.chars().count()).max().unwrap_or(0)),
            ("id", q.ids.len(), 0),
        ];
        for (field, count, longest) in fields {
            if count > MAX_VALUES {
                return Err(FilterTooBig::Values { field, count });
            }
            if longest > MAX_VALUE_CHARS {
                return Err(FilterTooBig::Chars { field, longest });
            }
        }
        Ok(())
    }

    /// Whether what matches can change with the clock alone, with nothing written: `stale`,
    /// and the verdict filters (a run turning stale can start or stop matching them).
    #[must_use]
    pub fn changes_with_time(&self) -> bool {
        self.stale || self.needs_verdict()
    }

    pub(super) fn needs_verdict(&self) -> bool {
        !self.decisions.is_empty() || self.gap || self.drift
    }

    /// The SQL-side query this filter narrows to as of `stale_before` (when `stale`), or
    /// `None` when no run can match: `drift` needs a completed run that recorded success, and a
    /// decision other than `not_reconciled` an open one (rules 1-2 make every completed run's
    /// verdict `not_reconciled`).
    pub(super) fn sql_query(&self, stale_before: Option<chrono::DateTime<chrono::Utc>>) -> Option<RunQuery> {
        let mut query = self.query.clone();
        if self.stale {
            query.stale_before = stale_before;
        }
        if !self.decisions.is_empty() && !self.decisions.contains(&Decision::NotReconciled) {
            query.open_only = true;
        }
        if self.drift {
            let possible = narrow(&mut query.statuses, OpStatus::Completed)
                && narrow(&mut query.outcomes, Outcome::Succeeded)
                && !query.open_only
                && query.stale_before.is_none()
                && (query.types.is_empty() || query.types.iter().any(|t| t == RESTORE_EXECUTE));
            if !possible {
                return None;
            }
            query.types = vec![RESTORE_EXECUTE.to_owned()];
        }
        Some(query)
    }
}

/// Narrows "any of `values`" (none: any) to `only`; false when `values` excludes it.
fn narrow<T: PartialEq>(values: &mut Vec<T>, only: T) -> bool {
    if values.is_empty() || values.contains(&only) {
        *values = vec![only];
        true
    } else {
        false
    }
}
