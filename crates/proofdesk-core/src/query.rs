//! The words a run list is asked in, shared by every layer: which workspace or environment,
//! ordered by what, and where the next page starts.

use chrono::{DateTime, Utc};

use crate::{OpStatus, Outcome};

/// A workspace or environment named by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeRef {
    Id(i64),
    Name(String),
}

impl ScopeRef {
    #[must_use]
    pub fn parse(text: &str) -> Self {
        text.trim().parse().map_or_else(|_| Self::Name(text.trim().to_owned()), Self::Id)
    }
}

/// The column a list is ordered by (always newest or highest first, then by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Id,
}

/// Where the next keyset page starts: strictly after this row in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// The filters a database can answer for a run list (the verdict filters, `decision`, `gap`
/// and drift, need the proof and live in the service's `RunFilter`). Repeated values of one filter mean "any of".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RunQuery {
    /// Empty means every type.
    pub types: Vec<String>,
    pub statuses: Vec<OpStatus>,
    pub outcomes: Vec<Outcome>,
    pub workspaces: Vec<ScopeRef>,
    pub environments: Vec<ScopeRef>,
    /// Only runs not completed whose `updated_at` is at or before this instant.
    pub stale_before: Option<DateTime<Utc>>,
    /// Only runs not completed. Exact for a verdict filter on final decisions: a completed
    /// run's verdict is always `not_reconciled` (rules 1-2), so the list walks the few open
    /// runs instead of assessing every completed one.
    pub open_only: bool,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Policy names, run ids, tenant refs (and workspace/environment names).
    pub search: Vec<String>,
    pub ids: Vec<i64>,
    pub sort: SortKey,
    /// Oldest first instead of newest first.
    pub ascending: bool,
}
