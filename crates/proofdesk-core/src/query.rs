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

/// The column a list is ordered by, then by id in the same direction. Words (status, outcome,
/// type, workspace and environment names) compare byte by byte on both engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Id,
    Status,
    Outcome,
    Type,
    Workspace,
    Environment,
}

impl SortKey {
    /// Every key, in the order the console cycles through them.
    pub const ALL: [Self; 8] = [
        Self::Created,
        Self::Updated,
        Self::Id,
        Self::Status,
        Self::Outcome,
        Self::Type,
        Self::Workspace,
        Self::Environment,
    ];

    /// The key's name (saved views, the console's title).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Id => "id",
            Self::Status => "status",
            Self::Outcome => "outcome",
            Self::Type => "type",
            Self::Workspace => "workspace",
            Self::Environment => "environment",
        }
    }

    /// The key named `name`, if any.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The key after this one (`back`: before), round the cycle.
    #[must_use]
    pub fn step(self, back: bool) -> Self {
        let n = Self::ALL.len();
        let at = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[if back { (at + n - 1) % n } else { (at + 1) % n }]
    }

    /// Whether the key orders by words rather than by time or id (the console lists words A to
    /// Z and times newest first when a key is chosen).
    #[must_use]
    pub const fn is_text(self) -> bool {
        !matches!(self, Self::Created | Self::Updated | Self::Id)
    }
}

/// The sort key's value in the row a keyset page continues after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorKey {
    Time(DateTime<Utc>),
    Text(String),
    /// Ordered by id alone.
    Id,
}

/// Where the next keyset page starts: strictly after this row in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: CursorKey,
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
    /// Lowest first: oldest first for times, A to Z for words.
    pub ascending: bool,
}
