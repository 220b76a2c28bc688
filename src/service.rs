//! The service: the one handle the command line and the terminal UI hold.
//!
//! It opens the database (the embedded demo database when none is named), resolves who is
//! acting, and answers every question through the domain rules: lists and details
//! (`runs.rs`), and the one transition that writes an operation's outcome (`reconcile.rs`).
//! Only `clock.rs` reads the system clock.

mod admin;
pub mod clock;
mod filter;
pub mod filter_hint;
pub mod filter_text;
mod history;
mod profile;
pub mod reconcile;
pub mod runs;

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

pub use crate::domain::Cursor;
pub use crate::store::{describe_url, redact_passwords, DataVersion};
pub use admin::Admin;
pub use clock::Clock;
pub use history::Reconciliation;
pub use profile::ProfileTag;
pub use reconcile::{BatchItem, BatchReport, BatchResult, ReconcileOutcome, Transition};
pub use runs::{
    first_sql_page, next_sql_page, AuditView, EvidenceView, FilterTooBig, ItemView, Page, RunDetail, RunFilter,
    RunView, ScopeRef, SortKey, MAX_PAGE,
};

use crate::demo;
use crate::domain::{DataError, Denied, Role, Verdict};
use crate::store::{queries, Create, StatementLog, Store, StoreError};

/// A service failure, sorted by the exit code the contract gives it.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad usage or bad input (exit 2).
    #[error("{0}")]
    Usage(String),
    /// No such run, or one the operator may not see (exit 3). Both read the same.
    #[error("operation run {0} not found")]
    NotFound(i64),
    /// Visible but not entitled, or a read-only session (exit 4).
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    /// Another writer moved the run first (exit 5).
    #[error("conflict: operation run {0} changed while reconciling; nothing was written")]
    Conflict(i64),
    /// The verdict inside the transaction differs from the one confirmed (exit 5).
    #[error("proof changed: expected {expected}, the proof now says {}; nothing was written", .now.decision)]
    ProofChanged { expected: crate::domain::Decision, now: Box<Verdict> },
    /// A stored row breaks the contract; reported for that run only (exit 1).
    #[error("operation run {run} is unreadable: {error}")]
    Unreadable { run: i64, error: DataError },
    /// The database (exit 1, or 2 for a database that cannot be opened as named).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// The contract's exit code for this error.
    #[must_use]
    pub const fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Store(StoreError::Open(_) | StoreError::Schema(_)) => 2,
            Self::NotFound(_) => 3,
            Self::Forbidden(_) => 4,
            Self::Conflict(_) | Self::ProofChanged { .. } => 5,
            Self::Unreadable { .. } | Self::Store(_) => 1,
        }
    }

    /// Whether the database could not be reached (or the connection was lost): worth retrying
    /// later, unlike an answer about the data.
    #[must_use]
    pub const fn is_unavailable(&self) -> bool {
        self.connection_lost().is_some()
    }

    /// When the connection was lost (or none could be had): where that left the request, and
    /// the driver's words.
    #[must_use]
    pub const fn connection_lost(&self) -> Option<(Lost, &String)> {
        match self {
            Self::Store(StoreError::Unavailable(m)) => Some((Lost::BeforeCommit, m)),
            Self::Store(StoreError::CommitUnknown(m)) => Some((Lost::DuringCommit, m)),
            _ => None,
        }
    }
}

/// Where a lost connection left a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// Before any commit was sent: nothing of it was written (a transaction rolled back).
    BeforeCommit,
    /// While the commit was under way: it may or may not have been applied.
    DuringCommit,
}

/// The acting operator, with their memberships.
#[derive(Debug, Clone)]
pub struct Operator {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    /// (workspace id, workspace name, role); a role outside the vocabulary is left out.
    pub memberships: Vec<(i64, String, Role)>,
}

impl Operator {
    /// The operator's role in one workspace.
    #[must_use]
    pub fn role_in(&self, workspace_id: i64) -> Option<Role> {
        self.memberships.iter().find(|m| m.0 == workspace_id).map(|m| m.2)
    }

    /// The strongest role held anywhere, for the status bar.
    #[must_use]
    pub fn headline_role(&self) -> Option<Role> {
        self.memberships.iter().map(|m| m.2).min()
    }
}

/// How to open a session.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// `sqlite:PATH` or `postgres://…`; `None` means the embedded demo database.
    pub url: Option<String>,
    /// `--as`; `None` means the demo operator on a demo database, else an error.
    pub operator: Option<String>,
    pub read_only: bool,
    pub stale_after: Duration,
    pub clock: Clock,
}

/// Where the embedded demo database lives: `./demo-db/demo.sqlite` when run from the project's
/// checkout (the current directory holds `demo-db/`), otherwise `demo.sqlite` under the XDG
/// data directory (`$XDG_DATA_HOME/proofdesk/`, default `~/.local/share/proofdesk/`). The
/// scenarios are built into the binary, so an installed proofdesk never touches its checkout.
#[must_use]
pub fn demo_db_path() -> PathBuf {
    let checkout = PathBuf::from("demo-db");
    if checkout.is_dir() {
        return checkout.join("demo.sqlite");
    }
    crate::paths::data_dir().unwrap_or_else(|| std::env::temp_dir().join("proofdesk")).join("demo.sqlite")
}

/// The synthetic runs the embedded demo database gets on first use.
pub const DEMO_SYNTHETIC_RUNS: u64 = 5_000;

/// Opens the database named by `url` for `db` commands (creating a missing SQLite file, whose
/// directory must exist), or the embedded demo database (created and seeded on first use).
///
/// # Errors
/// [`ServiceError::Store`] when it cannot be opened or migrated.
async fn open_store(url: Option<&str>, create: Create, clock: Clock) -> Result<Store, ServiceError> {
    if let Some(url) = url {
        return Ok(Store::open(url, create).await?);
    }
    open_demo(clock).await
}

/// The demo database, created, migrated and seeded on first use (the one session that may do
/// so without a `db` command: it is proofdesk's own file).
async fn open_demo(clock: Clock) -> Result<Store, ServiceError> {
    let path = demo_db_path();
    let fresh = !path.exists();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServiceError::Usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let url = format!("sqlite:{}", path.display());
    let store = Store::open(&url, Create::IfMissing).await?;
    if fresh || queries::meta(&store, "demo").await?.is_none() {
        demo::seed_demo(&store, clock.now(), DEMO_SYNTHETIC_RUNS).await.map_err(|e| match ServiceError::from(e) {
            ServiceError::Usage(m) => ServiceError::Usage(format!("demo seed: {m}")),
            other => other,
        })?;
    }
    Ok(store)
}

/// The handle every command and screen holds.
#[derive(Debug, Clone)]
pub struct Service {
    store: Store,
    me: Operator,
    clock: Clock,
    stale_after: Duration,
    read_only: bool,
    redact: bool,
    /// The config profile the session was opened with.
    profile: Option<ProfileTag>,
    /// A replica that lists, details and assessments read (`read_db`); writes never go there.
    reader: Option<Store>,
    /// Per verdict filter, the share of runs that matched last time (see
    /// [`runs::first_sql_page`]); shared by the clones of one session.
    densities: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<RunFilter, f64>>>,
    /// For measurement only: where lists record their statements (see [`Self::observed`]).
    statements: Option<StatementLog>,
}

/// A stable pseudonym for `text` (same input, same output), for `--redact`.
#[must_use]
pub fn pseudonym(kind: &str, text: &str) -> String {
    // FNV-1a: stable across runs and platforms, and enough to tell values apart on screen.
    let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("{kind}-{:04x}", hash & 0xffff)
}

impl Service {
    /// Opens the database and resolves the operator.
    ///
    /// # Errors
    /// [`ServiceError::Usage`] for a missing or unknown operator (naming `--as`), or a database
    /// that cannot be opened.
    pub async fn open(opts: OpenOptions) -> Result<Self, ServiceError> {
        let store = match (opts.url.as_deref(), opts.read_only) {
            // A session never changes a schema: it checks the version and says what to run.
            (Some(url), read_only) => Store::open_session(url, read_only).await?,
            // Read-only writes nothing, so it cannot create the demo either; it reads one
            // that is there and current.
            (None, true) => {
                let path = demo_db_path();
                if !path.exists() {
                    return Err(ServiceError::Usage(format!(
                        "the demo database {} does not exist yet; create it with: proofdesk db migrate",
                        path.display()
                    )));
                }
                Store::open_session(&format!("sqlite:{}", path.display()), true).await?
            }
            (None, false) => open_demo(opts.clock).await?,
        };
        Self::with_store(store, opts).await
    }

    /// Resolves the operator on an open store.
    ///
    /// # Errors
    /// [`ServiceError::Usage`] for a missing or unknown operator.
    pub async fn with_store(store: Store, opts: OpenOptions) -> Result<Self, ServiceError> {
        let handle = match opts.operator {
            Some(h) if !h.trim().is_empty() => h,
            _ if queries::meta(&store, "demo").await?.is_some() => demo::DEMO_OPERATOR.to_owned(),
            _ => {
                return Err(ServiceError::Usage(
                    "no operator given: pass --as HANDLE (or set PROOFDESK_OPERATOR)".to_owned(),
                ))
            }
        };
        let row = queries::operator_by_handle(&store, &handle)
            .await?
            .ok_or_else(|| ServiceError::Usage(format!("unknown operator {handle:?} (--as)")))?;
        let memberships = queries::memberships_of(&store, row.id)
            .await?
            .into_iter()
            .filter_map(|m| Role::parse(&m.role).ok().map(|r| (m.workspace_id, m.workspace_name, r)))
            .collect();
        let me = Operator { id: row.id, handle: row.handle, display_name: row.display_name, memberships };
        Ok(Self {
            store,
            me,
            clock: opts.clock,
            stale_after: opts.stale_after,
            read_only: opts.read_only,
            redact: false,
            profile: None,
            reader: None,
            densities: std::sync::Arc::default(),
            statements: None,
        })
    }

    /// For measurement: this session (the same memory of earlier lists), with `log` recording
    /// every statement its lists run, with bound arguments (docs/performance.md).
    #[must_use]
    pub fn observed(&self, log: &StatementLog) -> Self {
        Self { statements: Some(log.clone()), ..self.clone() }
    }

    /// `--redact`: tenant refs and operator names are shown as stable pseudonyms, for demos
    /// on real data and screen sharing.
    #[must_use]
    pub fn with_redaction(mut self, redact: bool) -> Self {
        self.redact = redact;
        if redact {
            self.me.handle = pseudonym("operator", &self.me.handle);
            self.me.display_name.clone_from(&self.me.handle);
        }
        self
    }

    #[must_use]
    pub const fn redacts(&self) -> bool {
        self.redact
    }

    #[must_use]
    pub const fn operator(&self) -> &Operator {
        &self.me
    }

    #[must_use]
    pub const fn read_only(&self) -> bool {
        self.read_only
    }

    #[must_use]
    pub const fn stale_after(&self) -> Duration {
        self.stale_after
    }

    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    #[must_use]
    pub const fn clock(&self) -> Clock {
        self.clock
    }

    /// `sqlite FILE` or `postgres host:port/db`; never a password.
    #[must_use]
    pub fn database_label(&self) -> &str {
        self.store.label()
    }

    /// A cheap look at whether anything changed since an earlier look (see
    /// [`crate::store::Store::data_version`]): a console probes this when its refresh is due
    /// and reloads its pages and count only when the version moved.
    ///
    /// # Errors
    /// Database errors.
    pub async fn data_version(&self) -> Result<DataVersion, ServiceError> {
        Ok(self.reads().data_version().await?)
    }

    pub(crate) const fn store(&self) -> &Store {
        &self.store
    }

    /// Where reads go: the replica when there is one, else the database.
    pub(crate) fn reads(&self) -> &Store {
        self.reader.as_ref().unwrap_or(&self.store)
    }

    /// Closes the pool so every connection is returned before the process exits.
    pub async fn close(&self) {
        if let Some(r) = &self.reader {
            r.close().await;
        }
        self.store.close().await;
    }
}
