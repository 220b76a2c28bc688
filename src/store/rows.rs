//! Row types as the database holds them (plain strings for vocabularies) and their checked
//! conversion into domain records. A value outside a vocabulary becomes a [`DataError`] that
//! names the table, row and column, so one strange row is reported for itself and never
//! breaks the rest of a list.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{Column, FromRow, Row};

use crate::domain::{
    AuditFact, Blocker, Evidence, EvidenceStatus, ItemCounts, ItemOutcome, JsonObject, JsonText, OpStatus,
    OperationRun, Outcome, RestoreItem, RestoreRun, RestoreStatus, RunContext,
};

mod json;

pub use json::{ContextColumn, JsonColumn};

pub use crate::domain::DataError;

/// Declares a row type whose decoding never fails on a strange value: a column that does not
/// decode (invalid UTF-8, a time or JSON text that does not parse, a number stored as text in
/// SQLite) takes its default and is recorded in `problem`, so that one row is reported as
/// unreadable while the rest of the page still reads. A missing column is still an error.
macro_rules! tolerant_row {
    ($(#[$m:meta])* pub struct $name:ident { $(pub $field:ident : $ty:ty = $col:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $(pub $field: $ty,)*
            /// The first column that did not decode, and why.
            pub problem: Option<(&'static str, String)>,
        }
        impl $name {
            /// The columns this row reads, in field order: statements select them in this
            /// order, so each is read by position (see `from_row`).
            pub const COLUMNS: &'static [&'static str] = &[$($col),*];
        }
        impl Tolerant for $name {
            fn from_sqlite_at(row: &sqlx::sqlite::SqliteRow, start: usize) -> Result<Self, sqlx::Error> {
                // SQLite types each value, not each column: every value is checked.
                tolerant_row!(@body row, start, true, $($field: $ty = $col),*)
            }
            fn pg_columns_fit(columns: &[sqlx::postgres::PgColumn], start: usize) -> bool {
                let mut at = start;
                $(
                    let fits = columns.get(at).is_some_and(|c| {
                        c.name() == $col && <$ty as sqlx::Type<sqlx::Postgres>>::compatible(c.type_info())
                    });
                    if !fits {
                        return false;
                    }
                    at += 1;
                )*
                let _ = at;
                true
            }
            fn from_pg_at(row: &sqlx::postgres::PgRow, start: usize, checked: bool) -> Result<Self, sqlx::Error> {
                tolerant_row!(@body row, start, checked, $($field: $ty = $col),*)
            }
        }
        impl<'r> FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                Self::from_sqlite_at(row, 0)
            }
        }
        impl<'r> FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                Self::from_pg_at(row, 0, true)
            }
        }
    };
    (@body $row:ident, $start:ident, $checked:expr, $($field:ident : $ty:ty = $col:literal),*) => {{
        let mut problem: Option<(&'static str, String)> = None;
        // Statements select the columns in field order: each is read by position once its
        // name is confirmed (a string compare), by name otherwise; a hash lookup per column
        // is costly (docs/performance.md, "Why the code looks this way").
        let columns = $row.columns();
        let mut at = $start;
        $(
            let here = columns.get(at).is_some_and(|c| c.name() == $col);
            at += 1;
            let got = match (here, $checked) {
                (true, true) => $row.try_get::<$ty, _>(at - 1),
                (true, false) => $row.try_get_unchecked::<$ty, _>(at - 1),
                (false, _) => $row.try_get::<$ty, _>($col),
            };
            let $field: $ty = match got {
                Ok(v) => v,
                Err(e @ sqlx::Error::ColumnNotFound(_)) => return Err(e),
                Err(e) => {
                    problem.get_or_insert(($col, undecodable(&e)));
                    <$ty>::default()
                }
            };
        )*
        let _ = at;
        Ok(Self { $($field,)* problem })
    }};
}

/// Decoding of the row types `tolerant_row!` declares: from a given column on, and on
/// PostgreSQL with each column's type checked once per result instead of once per value.
///
/// PostgreSQL types columns, not values: every row of a result has the types its row
/// description gave, so once those fit the row type (names in order, each of a type its field
/// decodes), checking each value again is wasted (docs/performance.md). SQLite types
/// each value (a number can sit in a text column), so there every value is checked, always.
pub trait Tolerant: crate::store::AnyRow {
    /// A SQLite row, read from column `start` on.
    ///
    /// # Errors
    /// A missing column.
    fn from_sqlite_at(row: &sqlx::sqlite::SqliteRow, start: usize) -> Result<Self, sqlx::Error>;

    /// Whether a PostgreSQL result's columns from `start` on are this type's, in order, each of
    /// a type its field decodes.
    fn pg_columns_fit(columns: &[sqlx::postgres::PgColumn], start: usize) -> bool;

    /// A PostgreSQL row, read from column `start` on. `checked: false` skips checking each
    /// value's type against its field, for rows of a result [`Self::pg_columns_fit`].
    ///
    /// # Errors
    /// A missing column.
    fn from_pg_at(row: &sqlx::postgres::PgRow, start: usize, checked: bool) -> Result<Self, sqlx::Error>;
}

/// Decodes the rows of one PostgreSQL result from column `start` on, checking the column
/// types once (see [`Tolerant`]).
///
/// # Errors
/// A missing column.
pub fn decode_pg<T: Tolerant>(rows: &[sqlx::postgres::PgRow], start: usize) -> Result<Vec<T>, sqlx::Error> {
    let fit = rows.first().is_some_and(|r| T::pg_columns_fit(r.columns(), start));
    rows.iter().map(|r| T::from_pg_at(r, start, !fit)).collect()
}

fn undecodable(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::ColumnDecode { source, .. } => format!("unreadable value ({source})"),
        other => format!("unreadable value ({other})"),
    }
}

/// The problem a row recorded while decoding, as the error of its table and id.
fn decoded(table: &'static str, id: i64, problem: Option<&(&'static str, String)>) -> Result<(), DataError> {
    match problem {
        Some((column, why)) => Err(DataError { table, id, column, problem: why.clone() }),
        None => Ok(()),
    }
}

fn vocab<T>(
    table: &'static str,
    id: i64,
    column: &'static str,
    parsed: Result<T, crate::domain::UnknownValue>,
) -> Result<T, DataError> {
    parsed.map_err(|e| DataError { table, id, column, problem: e.to_string() })
}

tolerant_row! {
    /// An `operation_runs` row with its workspace and environment names.
    pub struct RunRow {
        pub id: i64 = "id",
        pub workspace_id: i64 = "workspace_id",
        pub environment_id: i64 = "environment_id",
        pub op_type: String = "type",
        pub status: String = "status",
        pub outcome: String = "outcome",
        pub initiator_id: Option<i64> = "initiator_id",
        pub context: ContextColumn = "context",
        pub summary_counts: JsonColumn = "summary_counts",
        pub created_at: DateTime<Utc> = "created_at",
        pub started_at: Option<DateTime<Utc>> = "started_at",
        pub completed_at: Option<DateTime<Utc>> = "completed_at",
        pub updated_at: DateTime<Utc> = "updated_at",
        pub workspace_name: Option<String> = "workspace_name",
        pub environment_name: Option<String> = "environment_name",
        pub tenant_ref: Option<String> = "tenant_ref",
    }
}

/// The columns [`RunRow`] selects, for `FROM operation_runs o LEFT JOIN workspaces w … LEFT JOIN environments e …`.
pub const RUN_COLUMNS: &str = "o.id, o.workspace_id, o.environment_id, o.type, o.status, o.outcome, \
    o.initiator_id, o.context, o.summary_counts, o.created_at, o.started_at, o.completed_at, o.updated_at, \
    w.name AS workspace_name, e.name AS environment_name, e.tenant_ref AS tenant_ref";

/// The joins [`RUN_COLUMNS`] needs.
pub const RUN_JOINS: &str =
    "LEFT JOIN workspaces w ON w.id = o.workspace_id LEFT JOIN environments e ON e.id = o.environment_id";

impl RunRow {
    /// The first column that breaks the contract, in the order [`Self::to_domain`] reports it;
    /// the parsed status and outcome when none does.
    ///
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain_checked(&self) -> Result<(OpStatus, Outcome), DataError> {
        const T: &str = "operation_runs";
        let id = self.id;
        decoded(T, id, self.problem.as_ref())?;
        let status = vocab(T, id, "status", OpStatus::parse(&self.status))?;
        let outcome = vocab(T, id, "outcome", Outcome::parse(&self.outcome))?;
        for (column, v) in [("context", &self.context.text), ("summary_counts", &self.summary_counts.0)] {
            if !v.is_object() {
                return Err(DataError { table: T, id, column, problem: format!("not a JSON object: {}", v.kind()) });
            }
        }
        Ok((status, outcome))
    }

    fn build(
        &self,
        (status, outcome): (OpStatus, Outcome),
        context: ContextColumn,
        summary_counts: JsonText,
    ) -> OperationRun {
        // Both were checked to be objects by `to_domain_checked`.
        let object = |t: JsonText| JsonObject::new(t).unwrap_or_default();
        let context = RunContext::with_link(object(context.text), context.restore_run_id);
        OperationRun {
            id: self.id,
            workspace_id: self.workspace_id,
            environment_id: self.environment_id,
            op_type: self.op_type.clone(),
            status,
            outcome,
            initiator_id: self.initiator_id,
            context,
            summary_counts: object(summary_counts),
            created_at: self.created_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            updated_at: self.updated_at,
        }
    }

    /// The domain record, or the first column that breaks the contract.
    ///
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<OperationRun, DataError> {
        let parsed = self.to_domain_checked()?;
        Ok(self.build(parsed, self.context.clone(), self.summary_counts.0.clone()))
    }

    /// [`Self::to_domain`] that moves `context` and `summary_counts` into the record instead
    /// of copying them (the row keeps JSON `null` there); on error the row is left whole.
    ///
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn take_domain(&mut self) -> Result<OperationRun, DataError> {
        let parsed = self.to_domain_checked()?;
        let context = std::mem::take(&mut self.context);
        let summary_counts = std::mem::take(&mut self.summary_counts);
        Ok(self.build(parsed, context, summary_counts.0))
    }

    /// `context.restore_run_id` as an integer, read without requiring the rest of the row to
    /// parse (and without parsing the rest of `context`).
    #[must_use]
    pub const fn restore_run_id(&self) -> Option<i64> {
        self.context.restore_run_id
    }
}

tolerant_row! {
    /// The restore link a list page selects for each run (`Dialect::restore_link_column`).
    pub struct RunLink {
        pub link: Option<String> = "restore_link",
    }
}

impl RunLink {
    /// The link as an id, as [`crate::domain::link_of`] reads a JSON member: an integer
    /// (which both engines give as its digits) or a string of digits.
    #[must_use]
    pub fn restore_run_id(&self) -> Option<i64> {
        self.link.as_deref().and_then(|t| t.trim().parse().ok())
    }
}

/// The `restore_runs` columns, as [`BundleRow`] reads them.
pub const RESTORE_COLUMNS: &str = "id, workspace_id, environment_id, operation_run_id, backup_set_ref, status, \
    is_dry_run, blocker, requested_by, started_at, completed_at, deleted_at";

tolerant_row! {
    /// A `restore_items` row.
    pub struct ItemRow {
        pub id: i64 = "id",
        pub restore_run_id: i64 = "restore_run_id",
        pub policy_type: String = "policy_type",
        pub policy_name: String = "policy_name",
        pub outcome: String = "outcome",
        pub error_code: Option<String> = "error_code",
        pub error_message: Option<String> = "error_message",
        pub provider_payload: Option<Json<Value>> = "provider_payload",
    }
}

pub const ITEM_COLUMNS: &str =
    "id, restore_run_id, policy_type, policy_name, outcome, error_code, error_message, provider_payload";

impl ItemRow {
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<RestoreItem, DataError> {
        decoded("restore_items", self.id, self.problem.as_ref())?;
        Ok(RestoreItem {
            id: self.id,
            restore_run_id: self.restore_run_id,
            policy_type: self.policy_type.clone(),
            policy_name: self.policy_name.clone(),
            outcome: vocab("restore_items", self.id, "outcome", ItemOutcome::parse(&self.outcome))?,
            error_code: self.error_code.clone(),
            error_message: self.error_message.clone(),
            provider_payload: self.provider_payload.as_ref().map(|j| j.0.clone()),
        })
    }
}

tolerant_row! {
    /// One restore's whole proof bundle in one row (see `queries::bundle_statement`): the
    /// restore, its item outcomes counted by the database (and the first outcome outside the
    /// vocabulary), its latest evidence, and whether its execution audit entries exist in the
    /// restore's own workspace and environment.
    pub struct BundleRow {
        pub id: i64 = "id",
        pub workspace_id: i64 = "workspace_id",
        pub environment_id: i64 = "environment_id",
        pub operation_run_id: Option<i64> = "operation_run_id",
        pub backup_set_ref: String = "backup_set_ref",
        pub status: String = "status",
        pub is_dry_run: bool = "is_dry_run",
        pub blocker: Option<String> = "blocker",
        pub requested_by: Option<i64> = "requested_by",
        pub started_at: Option<DateTime<Utc>> = "started_at",
        pub completed_at: Option<DateTime<Utc>> = "completed_at",
        pub deleted_at: Option<DateTime<Utc>> = "deleted_at",
        pub n_applied: i64 = "n_applied",
        pub n_unchanged: i64 = "n_unchanged",
        pub n_failed: i64 = "n_failed",
        pub n_skipped: i64 = "n_skipped",
        pub n_manual_required: i64 = "n_manual_required",
        pub bad_outcome: Option<String> = "bad_outcome",
        pub ev_id: Option<i64> = "ev_id",
        pub ev_kind: Option<String> = "ev_kind",
        pub ev_status: Option<String> = "ev_status",
        pub ev_verified_items: Option<i64> = "ev_verified_items",
        pub ev_expected_items: Option<i64> = "ev_expected_items",
        pub ev_captured_at: Option<DateTime<Utc>> = "ev_captured_at",
        pub audit_started: bool = "audit_started",
        pub audit_completed: bool = "audit_completed",
    }
}

/// The columns of [`BundleRow`] that come from the restore's items.
const BUNDLE_ITEM_COLUMNS: [&str; 6] =
    ["n_applied", "n_unchanged", "n_failed", "n_skipped", "n_manual_required", "bad_outcome"];

impl BundleRow {
    /// The restore, with the first column of the row that breaks the contract (restore
    /// columns first, then item outcomes, then evidence: the order a run reports them in).
    ///
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn restore(&self) -> Result<RestoreRun, DataError> {
        const T: &str = "restore_runs";
        let id = self.id;
        if let Some((column, why)) = &self.problem {
            if RESTORE_COLUMNS.split(", ").any(|c| c == *column) {
                return Err(DataError { table: T, id, column, problem: why.clone() });
            }
        }
        Ok(RestoreRun {
            id,
            workspace_id: self.workspace_id,
            environment_id: self.environment_id,
            operation_run_id: self.operation_run_id,
            backup_set_ref: self.backup_set_ref.clone(),
            status: vocab(T, id, "status", RestoreStatus::parse(&self.status))?,
            is_dry_run: self.is_dry_run,
            blocker: self.blocker.as_deref().map(|b| vocab(T, id, "blocker", Blocker::parse(b))).transpose()?,
            requested_by: self.requested_by,
            started_at: self.started_at,
            completed_at: self.completed_at,
            deleted_at: self.deleted_at,
        })
    }

    /// The item outcomes, counted.
    ///
    /// # Errors
    /// [`DataError`] on `restore_items` naming the first outcome outside the vocabulary.
    pub fn items(&self) -> Result<ItemCounts, DataError> {
        let unknown = |value: String| DataError {
            table: "restore_items",
            id: self.id,
            column: "outcome",
            problem: format!(
                "{} (in restore {})",
                crate::domain::UnknownValue { what: "item outcome", value },
                self.id
            ),
        };
        match &self.problem {
            Some((column, why)) if BUNDLE_ITEM_COLUMNS.contains(column) => return Err(unknown(why.clone())),
            _ => {}
        }
        // The statement picks it from outside the vocabulary.
        if let Some(bad) = &self.bad_outcome {
            return Err(unknown(bad.clone()));
        }
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut c = ItemCounts::default();
        for (outcome, count) in [
            (ItemOutcome::Applied, self.n_applied),
            (ItemOutcome::Unchanged, self.n_unchanged),
            (ItemOutcome::Failed, self.n_failed),
            (ItemOutcome::Skipped, self.n_skipped),
            (ItemOutcome::ManualRequired, self.n_manual_required),
        ] {
            c.add(outcome, n(count));
        }
        Ok(c)
    }

    /// The latest evidence, if any.
    ///
    /// # Errors
    /// [`DataError`] on `evidence` naming the column.
    pub fn latest_evidence(&self) -> Result<Option<Evidence>, DataError> {
        const T: &str = "evidence";
        let id = self.ev_id.unwrap_or_default();
        if let Some((column, why)) = &self.problem {
            if let Some(c) = column.strip_prefix("ev_") {
                let column = EVIDENCE_COLUMNS.split(", ").find(|e| *e == c).unwrap_or("id");
                return Err(DataError { table: T, id, column, problem: why.clone() });
            }
        }
        let Some(id) = self.ev_id else { return Ok(None) };
        let status = self.ev_status.as_deref().unwrap_or_default();
        Ok(Some(Evidence {
            id,
            restore_run_id: self.id,
            kind: self.ev_kind.clone().unwrap_or_default(),
            status: vocab(T, id, "status", EvidenceStatus::parse(status))?,
            verified_items: self.ev_verified_items.unwrap_or_default(),
            expected_items: self.ev_expected_items.unwrap_or_default(),
            captured_at: self.ev_captured_at.unwrap_or_default(),
        }))
    }

    /// The execution audit entries that exist, as facts in the restore's own scope (the only
    /// scope the proof rules read them in: rule 18 runs only for a restore in the operation's
    /// workspace and environment).
    #[must_use]
    pub fn audit(&self) -> Vec<AuditFact> {
        let fact = |action: &str| AuditFact {
            action: action.to_owned(),
            workspace_id: self.workspace_id,
            environment_id: self.environment_id,
        };
        let mut out = Vec::with_capacity(2);
        if self.audit_started {
            out.push(fact("restore.execute.started"));
        }
        if self.audit_completed {
            out.push(fact("restore.execute.completed"));
        }
        out
    }
}

tolerant_row! {
    /// An `evidence` row.
    pub struct EvidenceRow {
        pub id: i64 = "id",
        pub restore_run_id: i64 = "restore_run_id",
        pub kind: String = "kind",
        pub status: String = "status",
        pub verified_items: i64 = "verified_items",
        pub expected_items: i64 = "expected_items",
        pub captured_at: DateTime<Utc> = "captured_at",
    }
}

pub const EVIDENCE_COLUMNS: &str = "id, restore_run_id, kind, status, verified_items, expected_items, captured_at";

impl EvidenceRow {
    /// # Errors
    /// [`DataError`] naming the column.
    pub fn to_domain(&self) -> Result<Evidence, DataError> {
        decoded("evidence", self.id, self.problem.as_ref())?;
        Ok(Evidence {
            id: self.id,
            restore_run_id: self.restore_run_id,
            kind: self.kind.clone(),
            status: vocab("evidence", self.id, "status", EvidenceStatus::parse(&self.status))?,
            verified_items: self.verified_items,
            expected_items: self.expected_items,
            captured_at: self.captured_at,
        })
    }
}

/// An `audit_log` row (metadata kept as JSON), with the actor's handle when known.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub workspace_id: i64,
    pub environment_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_handle: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub metadata: Json<Value>,
    pub created_at: DateTime<Utc>,
}

/// An operator as the access rules need them.
#[derive(Debug, Clone, FromRow)]
pub struct OperatorRow {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
}

/// One membership of an operator, with the workspace name.
#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub workspace_id: i64,
    pub workspace_name: String,
    pub role: String,
}
