//! Fixture files: one JSON object whose arrays are rows of the tables of the same name (the
//! "Fixtures" section of the interfaces contract).
//!
//! Loading is all or nothing. The whole document is checked first (shape, fields, JSON types,
//! vocabularies, times, counts, duplicates and references, against the file and the database)
//! and the first bad value is reported by its path, e.g.
//! `operation_runs[3].status: unknown status "runing"`. Only a clean document is inserted, in
//! one transaction, table by table in foreign-key order.
//!
//! The tables are described once, as data ([`TABLES`]): each column with its kind and whether
//! it is required, nullable or defaulted. One checker reads every table through it.
//!
//! References are the contract's hard references (domain.md, "References"): each must name a
//! row in the file or the database, and an operation's or a restore's `environment_id` must be
//! an environment of its own `workspace_id`. Migration 0003 enforces the same in the schema;
//! the loader checks first so the message names the bad value. One column is a link, not a
//! reference: `restore_runs.operation_run_id` may name a row that does not exist or another
//! operation, since that is what the proof rules judge (`restore_run_link_mismatch`); like
//! `operation_runs.context.restore_run_id`, it is only type-checked.
//!
//! A document is read strictly: a key repeated in one object (serde_json would keep the last
//! silently) is bad input, and so is a NUL character in any string or key (PostgreSQL cannot
//! store one in text or jsonb, SQLite would cut C strings at it).

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use serde_json::{Map, Value};

use super::{Arg, Engine, Sql, Store, StoreError, Tx};
use crate::domain::{Blocker, EvidenceStatus, ItemOutcome, OpStatus, Outcome, RestoreStatus, Role, UnknownValue};

/// Why a fixture did not load. `Invalid` carries "PATH: problem", e.g.
/// `operation_runs[3].status: unknown status "runing"`.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a load inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Rows inserted, all tables together.
    pub rows: usize,
    /// Rows inserted per table, in insert order (every table, zero included).
    pub tables: Vec<(&'static str, usize)>,
}

/// The one top-level key that is not a table and is ignored.
const IGNORED_KEY: &str = "expect";

/// Bound values per statement (multi-row `INSERT`s and `IN (...)` lookups). PostgreSQL takes up
/// to 65535 and its cost per value stays flat. SQLite takes 32766, but binding through sqlx costs
/// more per value the more values a statement has (measured in release: 100k rows insert in
/// about 3 s with 256 values a statement, 90 s with 30000), so its statements stay short.
const fn max_binds(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 256,
        Engine::Postgres => 30_000,
    }
}

/// Tables whose `id` is an identity column on PostgreSQL, resynced after explicit ids.
const IDENTITY_TABLES: [&str; 2] = ["audit_log", "notifications"];

// ---------------------------------------------------------------------------------------------
// The schema, as data
// ---------------------------------------------------------------------------------------------

/// Checks a string against a closed vocabulary.
type Vocab = fn(&str) -> Result<(), UnknownValue>;

/// A rule over a whole row (after every field passed): `Err("PATH: problem")`.
type RowRule = fn(&str, &Map<String, Value>) -> Result<(), String>;

/// What a column holds and how its JSON value is checked.
#[derive(Clone, Copy)]
enum Kind {
    /// Any integer.
    Int,
    /// The id of a row of the named table, in the file or in the database.
    Ref(&'static str),
    /// An integer naming a row that may be gone or another operation: a link the proof rules
    /// judge (`restore_runs.operation_run_id`), never a reference the load requires.
    Link,
    /// A non-negative integer.
    Count,
    /// Any string.
    Text,
    /// A non-empty string.
    NonEmpty,
    /// A string of a closed vocabulary.
    Vocab(Vocab),
    Bool,
    /// An RFC 3339 time.
    Time,
    /// A JSON object.
    Object,
    /// A JSON object whose number values are non-negative (`summary_counts`).
    Counts,
}

/// What an omitted (or null) value means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// Must be given, and not null.
    Required,
    /// Omitted or null is SQL NULL.
    Nullable,
    /// Omitted is the column default (`{}`, `false`); null is refused.
    Defaulted,
}

#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    kind: Kind,
    presence: Presence,
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, presence: Presence::Required }
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, presence: Presence::Nullable }
}

const fn def(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, presence: Presence::Defaulted }
}

/// What identifies a row, for duplicate checks.
#[derive(Clone, Copy)]
enum Key {
    /// The `id` column.
    Id,
    /// A pair of columns, with a word for the message (`membership`).
    Pair(&'static str, &'static str, &'static str),
}

struct Table {
    name: &'static str,
    /// Every column, in the order they are inserted.
    fields: &'static [Field],
    key: Key,
    /// A text column unique across the table (`operators.handle`).
    unique: Option<&'static str>,
    rule: Option<RowRule>,
}

const ID: Field = req("id", Kind::Int);
const WORKSPACE: Kind = Kind::Ref("workspaces");
const ENVIRONMENT: Kind = Kind::Ref("environments");
const OPERATOR: Kind = Kind::Ref("operators");
const OPERATION_RUN: Kind = Kind::Ref("operation_runs");
const RESTORE_RUN: Kind = Kind::Ref("restore_runs");

const OP_STATUS: Kind = Kind::Vocab(|s| OpStatus::parse(s).map(drop));
const OUTCOME: Kind = Kind::Vocab(|s| Outcome::parse(s).map(drop));
const RESTORE_STATUS: Kind = Kind::Vocab(|s| RestoreStatus::parse(s).map(drop));
const BLOCKER: Kind = Kind::Vocab(|s| Blocker::parse(s).map(drop));
const ITEM_OUTCOME: Kind = Kind::Vocab(|s| ItemOutcome::parse(s).map(drop));
const EVIDENCE_STATUS: Kind = Kind::Vocab(|s| EvidenceStatus::parse(s).map(drop));
const ROLE: Kind = Kind::Vocab(|s| Role::parse(s).map(drop));
const EVIDENCE_KIND: Kind = Kind::Vocab(|s| only("evidence kind", "post_restore_snapshot", s));
const NOTIFICATION_KIND: Kind = Kind::Vocab(|s| only("notification kind", "operation_run.terminal", s));

/// A one-word vocabulary.
fn only(what: &'static str, allowed: &str, s: &str) -> Result<(), UnknownValue> {
    if s == allowed {
        Ok(())
    } else {
        Err(UnknownValue { what, value: s.to_owned() })
    }
}

/// Every table a fixture may fill, in insert (foreign-key) order.
const TABLES: &[Table] = &[
    Table { name: "workspaces", fields: &[ID, req("name", Kind::Text)], key: Key::Id, unique: None, rule: None },
    Table {
        name: "environments",
        fields: &[ID, req("workspace_id", WORKSPACE), req("name", Kind::Text), req("tenant_ref", Kind::Text)],
        key: Key::Id,
        unique: None,
        rule: None,
    },
    Table {
        name: "operators",
        fields: &[ID, req("handle", Kind::NonEmpty), req("display_name", Kind::Text)],
        key: Key::Id,
        unique: Some("handle"),
        rule: None,
    },
    Table {
        name: "memberships",
        fields: &[req("operator_id", OPERATOR), req("workspace_id", WORKSPACE), req("role", ROLE)],
        key: Key::Pair("operator_id", "workspace_id", "membership"),
        unique: None,
        rule: None,
    },
    Table {
        name: "entitlements",
        fields: &[req("operator_id", OPERATOR), req("environment_id", ENVIRONMENT)],
        key: Key::Pair("operator_id", "environment_id", "entitlement"),
        unique: None,
        rule: None,
    },
    Table {
        name: "operation_runs",
        fields: &[
            ID,
            req("workspace_id", WORKSPACE),
            req("environment_id", ENVIRONMENT),
            req("type", Kind::NonEmpty),
            req("status", OP_STATUS),
            req("outcome", OUTCOME),
            opt("initiator_id", OPERATOR),
            def("context", Kind::Object),
            def("summary_counts", Kind::Counts),
            req("created_at", Kind::Time),
            opt("started_at", Kind::Time),
            opt("completed_at", Kind::Time),
            req("updated_at", Kind::Time),
        ],
        key: Key::Id,
        unique: None,
        rule: Some(pending_exactly_while_not_completed),
    },
    Table {
        name: "restore_runs",
        fields: &[
            ID,
            req("workspace_id", WORKSPACE),
            req("environment_id", ENVIRONMENT),
            opt("operation_run_id", Kind::Link),
            req("backup_set_ref", Kind::Text),
            req("status", RESTORE_STATUS),
            def("is_dry_run", Kind::Bool),
            opt("blocker", BLOCKER),
            opt("requested_by", OPERATOR),
            opt("started_at", Kind::Time),
            opt("completed_at", Kind::Time),
            opt("deleted_at", Kind::Time),
        ],
        key: Key::Id,
        unique: None,
        rule: None,
    },
    Table {
        name: "restore_items",
        fields: &[
            ID,
            req("restore_run_id", RESTORE_RUN),
            req("policy_type", Kind::Text),
            req("policy_name", Kind::Text),
            req("outcome", ITEM_OUTCOME),
            opt("error_code", Kind::Text),
            opt("error_message", Kind::Text),
            opt("provider_payload", Kind::Object),
        ],
        key: Key::Id,
        unique: None,
        rule: None,
    },
    Table {
        name: "evidence",
        fields: &[
            ID,
            req("restore_run_id", RESTORE_RUN),
            req("kind", EVIDENCE_KIND),
            req("status", EVIDENCE_STATUS),
            req("verified_items", Kind::Count),
            req("expected_items", Kind::Count),
            req("captured_at", Kind::Time),
        ],
        key: Key::Id,
        unique: None,
        rule: None,
    },
    Table {
        name: "audit_log",
        fields: &[
            ID,
            req("workspace_id", WORKSPACE),
            opt("environment_id", ENVIRONMENT),
            opt("actor_id", OPERATOR),
            req("action", Kind::Text),
            req("subject_type", Kind::Text),
            req("subject_id", Kind::Int),
            def("metadata", Kind::Object),
            req("created_at", Kind::Time),
        ],
        key: Key::Id,
        unique: None,
        rule: None,
    },
    Table {
        name: "notifications",
        fields: &[
            ID,
            req("operator_id", OPERATOR),
            req("operation_run_id", OPERATION_RUN),
            req("kind", NOTIFICATION_KIND),
            req("created_at", Kind::Time),
        ],
        key: Key::Id,
        unique: None,
        rule: None,
    },
];

/// Tables whose `environment_id` must be an environment of the row's own `workspace_id`.
const SCOPED: [&str; 2] = ["operation_runs", "restore_runs"];

/// `outcome` is `pending` exactly while `status` is not `completed`.
fn pending_exactly_while_not_completed(at: &str, row: &Map<String, Value>) -> Result<(), String> {
    let status = row.get("status").and_then(Value::as_str).unwrap_or_default();
    let outcome = row.get("outcome").and_then(Value::as_str).unwrap_or_default();
    let completed = status == OpStatus::Completed.as_str();
    let pending = outcome == Outcome::Pending.as_str();
    match (completed, pending) {
        (false, false) => Err(format!(
            "{at}.outcome: outcome {outcome:?} while status is {status:?}; a run that is not completed has outcome \"pending\""
        )),
        (true, true) => Err(format!("{at}.outcome: outcome \"pending\" on a completed run; a completed run has a final outcome")),
        _ => Ok(()),
    }
}

impl Table {
    fn find(name: &str) -> Option<(usize, &'static Self)> {
        TABLES.iter().enumerate().find(|(_, t)| t.name == name)
    }

    fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    fn columns(&self) -> String {
        self.fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Validates the whole document, then inserts every row in one transaction; all or nothing.
///
/// # Errors
/// [`LoadError::Invalid`] with the path of the first bad value (nothing is written), or a
/// store failure (the transaction is rolled back).
pub async fn load(store: &Store, json_text: &str) -> Result<LoadReport, LoadError> {
    let doc = parse_strict(json_text).map_err(LoadError::Invalid)?;
    load_value(store, &doc).await
}

/// Same as [`load`], from an already parsed value (the demo seed uses it).
///
/// # Errors
/// As [`load`].
pub async fn load_value(store: &Store, doc: &Value) -> Result<LoadReport, LoadError> {
    let mut tx = store.begin().await?;
    match load_value_in(&mut tx, doc).await {
        Ok(report) => {
            tx.commit().await?;
            Ok(report)
        }
        Err(e) => {
            // Nothing was kept; a failed rollback changes nothing the caller can act on.
            tx.rollback().await.ok();
            Err(e)
        }
    }
}

/// Same as [`load_value`], inside a transaction the caller commits or rolls back (the demo
/// seed loads its scenarios and its generated runs in one).
///
/// # Errors
/// As [`load`]; the caller must roll `tx` back.
pub async fn load_value_in(tx: &mut Tx, doc: &Value) -> Result<LoadReport, LoadError> {
    let Value::Object(doc) = doc else {
        return Err(LoadError::Invalid(format!(
            "top level: expected a JSON object of table arrays, found {}",
            json_kind(doc)
        )));
    };
    let (declared, wanted) = survey(doc);
    let binds = max_binds(tx.engine());
    let known = Known::lookup(tx, binds, declared, &wanted).await?;
    let rows = check_document(doc, &known).map_err(LoadError::Invalid)?;
    let report = insert(tx, binds, rows).await?;
    if tx.engine() == Engine::Postgres {
        resync_identities(tx).await?;
    }
    Ok(report)
}

/// Parses a fixture's text, refusing a key repeated within one object (`PATH: duplicate key
/// "k"`, where serde_json alone would keep the last value silently), else as JSON does.
///
/// # Errors
/// The message: the duplicate's path, or where the JSON is malformed.
pub fn parse_strict(json_text: &str) -> Result<Value, String> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(json_text);
    let parsed = Strict { at: &Path::Root }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            // Only [`Strict`] raises data errors: its message is "PATH: duplicate key …".
            let text = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let what = text.strip_suffix(&suffix).unwrap_or(&text);
            format!("{what} (line {} column {})", e.line(), e.column())
        } else {
            malformed(&e)
        }
    })
}

/// Where a value sits in the document, rendered only for a message.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Root => Ok(()),
            Self::Key(Self::Root, k) => f.write_str(k),
            Self::Key(parent, k) => write!(f, "{parent}.{k}"),
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A JSON value, read like `serde_json::Value` but refusing repeated keys.
struct Strict<'a> {
    at: &'a Path<'a>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict { at: &Path::Index(self.at, out.len()) })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = Path::Key(self.at, &key);
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("{at}: duplicate key {key:?} in one object")));
            }
            let v = map.next_value_seed(Strict { at: &at })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// `malformed JSON at line L column C: what`.
fn malformed(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text);
    format!("malformed JSON at line {} column {}: {what}", e.line(), e.column())
}

const fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The elements of every known table array, with the table, in document order (shape errors
/// are left to [`check_document`]).
fn table_rows(doc: &Map<String, Value>) -> impl Iterator<Item = (&'static Table, &Map<String, Value>)> {
    doc.iter()
        .filter_map(|(key, value)| Some((Table::find(key)?.1, value.as_array()?)))
        .flat_map(|(table, elems)| elems.iter().filter_map(Value::as_object).map(move |row| (table, row)))
}

/// What the database must be asked about before the document can be judged.
#[derive(Default)]
struct Wanted {
    /// Per table: ids the file declares or references.
    ids: HashMap<&'static str, HashSet<i64>>,
    /// Per table: values of its unique text column.
    unique: HashMap<&'static str, HashSet<String>>,
    /// Per pair-keyed table: the first column's values.
    pair_firsts: HashMap<&'static str, HashSet<i64>>,
    /// The workspace of each environment the file declares (its first row of that id).
    file_env_workspace: HashMap<i64, i64>,
}

/// First pass, tolerant of every error: the ids each table declares, and what to look up.
fn survey(doc: &Map<String, Value>) -> (HashMap<&'static str, HashSet<i64>>, Wanted) {
    let mut declared: HashMap<&'static str, HashSet<i64>> = HashMap::new();
    let mut wanted = Wanted::default();
    for (table, row) in table_rows(doc) {
        let int = |name: &str| row.get(name).and_then(Value::as_i64);
        match table.key {
            Key::Id => {
                if let Some(id) = int("id") {
                    declared.entry(table.name).or_default().insert(id);
                    wanted.ids.entry(table.name).or_default().insert(id);
                    if let (true, Some(ws)) = (table.name == "environments", int("workspace_id")) {
                        wanted.file_env_workspace.entry(id).or_insert(ws);
                    }
                }
            }
            Key::Pair(first, _, _) => {
                if let Some(v) = int(first) {
                    wanted.pair_firsts.entry(table.name).or_default().insert(v);
                }
            }
        }
        for field in table.fields {
            if let (Kind::Ref(target), Some(id)) = (field.kind, int(field.name)) {
                wanted.ids.entry(target).or_default().insert(id);
            }
        }
        if let Some(s) = table.unique.and_then(|col| row.get(col)).and_then(Value::as_str) {
            wanted.unique.entry(table.name).or_default().insert(s.to_owned());
        }
    }
    (declared, wanted)
}

/// What exists already: in the file (declared ids) and in the database (only what was asked).
#[derive(Default)]
struct Known {
    file: HashMap<&'static str, HashSet<i64>>,
    db: HashMap<&'static str, HashSet<i64>>,
    db_unique: HashMap<&'static str, HashSet<String>>,
    db_pairs: HashMap<&'static str, HashSet<(i64, i64)>>,
    /// The workspace of each environment asked about, in the file or the database.
    env_workspace: HashMap<i64, i64>,
}

impl Known {
    /// Asks the database, inside the load's transaction, about every id, unique value and key
    /// pair the file mentions. Table and column names come from [`TABLES`], never from input.
    async fn lookup(
        tx: &mut Tx,
        binds: usize,
        file: HashMap<&'static str, HashSet<i64>>,
        wanted: &Wanted,
    ) -> Result<Self, StoreError> {
        let mut known = Self { file, env_workspace: wanted.file_env_workspace.clone(), ..Self::default() };
        for table in TABLES {
            if let Some(ids) = wanted.ids.get(table.name) {
                // An environment comes with its workspace (the composite reference of SCOPED).
                let column = if table.name == "environments" { "workspace_id" } else { "id" };
                // identifiers only: table and column names come from TABLES, values are bound
                let sql = format!("SELECT id, {column} FROM {} WHERE id IN ", table.name);
                let found = fetch_in::<(i64, i64), _>(tx, binds, &sql, ids.iter().map(|&i| Arg::I64(i))).await?;
                if table.name == "environments" {
                    for &(id, ws) in &found {
                        known.env_workspace.entry(id).or_insert(ws);
                    }
                }
                known.db.insert(table.name, found.into_iter().map(|(id, _)| id).collect());
            }
            if let (Some(col), Some(values)) = (table.unique, wanted.unique.get(table.name)) {
                // identifiers only: table and column names come from TABLES, values are bound
                let sql = format!("SELECT {col} FROM {} WHERE {col} IN ", table.name);
                let found = fetch_in::<(String,), _>(tx, binds, &sql, values.iter().cloned().map(Arg::Text)).await?;
                known.db_unique.insert(table.name, found.into_iter().map(|(v,)| v).collect());
            }
            if let (Key::Pair(a, b, _), Some(firsts)) = (table.key, wanted.pair_firsts.get(table.name)) {
                // identifiers only: table and column names come from TABLES, values are bound
                let sql = format!("SELECT {a}, {b} FROM {} WHERE {a} IN ", table.name);
                let found = fetch_in::<(i64, i64), _>(tx, binds, &sql, firsts.iter().map(|&i| Arg::I64(i))).await?;
                known.db_pairs.insert(table.name, found.into_iter().collect());
            }
        }
        Ok(known)
    }

    fn has(&self, table: &str, id: i64) -> bool {
        [&self.file, &self.db].iter().any(|m| m.get(table).is_some_and(|s| s.contains(&id)))
    }

    fn in_db(&self, table: &str, id: i64) -> bool {
        self.db.get(table).is_some_and(|s| s.contains(&id))
    }
}

/// Runs `prefix (v1, v2, ...)` over the values, `binds` at a time, and gathers every row.
async fn fetch_in<T: super::AnyRow, I: IntoIterator<Item = Arg>>(
    tx: &mut Tx,
    binds: usize,
    prefix: &str,
    values: I,
) -> Result<Vec<T>, StoreError> {
    let values: Vec<Arg> = values.into_iter().collect();
    let mut rows = Vec::new();
    for chunk in values.chunks(binds.max(1)) {
        let mut sql = Sql::new(prefix);
        sql.bind_list(chunk.iter().cloned());
        rows.extend(tx.fetch_all::<T>(&sql).await?);
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

/// Rows ready to insert, per table, indexed like [`TABLES`].
type Rows = Vec<Vec<Vec<Arg>>>;

/// Second pass, in document order: the first bad value is the error.
fn check_document(doc: &Map<String, Value>, known: &Known) -> Result<Rows, String> {
    let mut checker = Checker { known, ids: HashMap::new(), unique: HashMap::new(), pairs: HashMap::new() };
    let mut rows: Rows = TABLES.iter().map(|_| Vec::new()).collect();
    for (key, value) in doc {
        if key == IGNORED_KEY {
            continue;
        }
        let Some((ti, table)) = Table::find(key) else {
            let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
            return Err(format!("{key}: unknown table (expected {}, or \"{IGNORED_KEY}\")", names.join(", ")));
        };
        let Value::Array(elems) = value else {
            return Err(format!("{key}: expected an array of rows, found {}", json_kind(value)));
        };
        for (i, elem) in elems.iter().enumerate() {
            rows[ti].push(checker.row(table, i, elem)?);
        }
    }
    Ok(rows)
}

/// Where each key was first seen in the file, for duplicate checks.
struct Checker<'k> {
    known: &'k Known,
    ids: HashMap<(&'static str, i64), usize>,
    unique: HashMap<(&'static str, String), usize>,
    pairs: HashMap<(&'static str, i64, i64), usize>,
}

impl Checker<'_> {
    /// One element: every field, then the row rule, then its keys.
    fn row(&mut self, table: &'static Table, i: usize, elem: &Value) -> Result<Vec<Arg>, String> {
        let at = format!("{}[{i}]", table.name);
        let Value::Object(obj) = elem else {
            return Err(format!("{at}: expected an object, found {}", json_kind(elem)));
        };
        let mut args: Vec<Option<Arg>> = vec![None; table.fields.len()];
        for (name, value) in obj {
            let (fi, field) = table.field(name).ok_or_else(|| format!("{at}.{name}: unknown field"))?;
            if let Some(inner) = nul_in(value) {
                return Err(format!("{at}.{name}{inner}: {NUL_PROBLEM}"));
            }
            args[fi] = Some(self.value(field, value, &at)?);
        }
        let args = table
            .fields
            .iter()
            .zip(args)
            .map(|(field, arg)| arg.map_or_else(|| absent(field, &at), Ok))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(rule) = table.rule {
            rule(&at, obj)?;
        }
        if SCOPED.contains(&table.name) {
            self.environment_in_workspace(&at, obj)?;
        }
        self.keys(table, i, &at, obj)?;
        Ok(args)
    }

    /// The composite reference: the row's environment is an environment of its own workspace
    /// (both references already resolved).
    fn environment_in_workspace(&self, at: &str, row: &Map<String, Value>) -> Result<(), String> {
        let int = |name: &str| row.get(name).and_then(Value::as_i64);
        let (Some(ws), Some(env)) = (int("workspace_id"), int("environment_id")) else { return Ok(()) };
        match self.known.env_workspace.get(&env) {
            Some(&own) if own != ws => {
                Err(format!("{at}.environment_id: environment {env} belongs to workspace {own}, not {ws}"))
            }
            _ => Ok(()),
        }
    }

    /// One present value of the row at `at`, as the bound value to insert.
    fn value(&self, field: &Field, v: &Value, at: &str) -> Result<Arg, String> {
        let path = || format!("{at}.{}", field.name);
        let bad = |problem: String| format!("{}: {problem}", path());
        if v.is_null() {
            return match field.presence {
                Presence::Nullable => Ok(null_arg(field.kind)),
                _ => Err(bad(format!("expected {}, found null", expected(field.kind)))),
            };
        }
        let wrong = || bad(format!("expected {}{}, found {}", expected(field.kind), or_null(field), json_kind(v)));
        match field.kind {
            Kind::Int | Kind::Link => v.as_i64().map(Arg::I64).ok_or_else(wrong),
            Kind::Ref(target) => {
                let id = v.as_i64().ok_or_else(wrong)?;
                if self.known.has(target, id) {
                    Ok(Arg::I64(id))
                } else {
                    Err(bad(format!("no {target} row with id {id} in the file or the database (dangling reference)")))
                }
            }
            Kind::Count => match v.as_i64().ok_or_else(wrong)? {
                n if n < 0 => Err(bad(format!("negative count {n}"))),
                n => Ok(Arg::I64(n)),
            },
            Kind::Text => v.as_str().map(|s| Arg::Text(s.to_owned())).ok_or_else(wrong),
            Kind::NonEmpty => match v.as_str().ok_or_else(wrong)? {
                "" => Err(bad("empty string".to_owned())),
                s => Ok(Arg::Text(s.to_owned())),
            },
            Kind::Vocab(parse) => {
                let s = v.as_str().ok_or_else(wrong)?;
                parse(s).map_err(|e| bad(e.to_string()))?;
                Ok(Arg::Text(s.to_owned()))
            }
            Kind::Bool => v.as_bool().map(Arg::Bool).ok_or_else(wrong),
            Kind::Time => {
                let s = v.as_str().ok_or_else(wrong)?;
                let t = DateTime::parse_from_rfc3339(s)
                    .map_err(|e| bad(format!("bad time {s:?} ({e}); expected RFC 3339, e.g. 2026-11-20T09:00:00Z")))?;
                Ok(Arg::Time(t.to_utc()))
            }
            Kind::Object => v.is_object().then(|| Arg::Json(v.clone())).ok_or_else(wrong),
            Kind::Counts => {
                let obj = v.as_object().ok_or_else(wrong)?;
                if let Some((k, n)) = obj.iter().find(|(_, n)| n.as_f64().is_some_and(|x| x < 0.0)) {
                    return Err(format!("{}.{k}: negative count {n}", path()));
                }
                Ok(Arg::Json(v.clone()))
            }
        }
    }

    /// Duplicate ids, unique values and key pairs, in the file and against the database.
    fn keys(&mut self, table: &'static Table, i: usize, at: &str, row: &Map<String, Value>) -> Result<(), String> {
        let int = |name: &str| row.get(name).and_then(Value::as_i64).unwrap_or_default();
        let t = table.name;
        match table.key {
            Key::Id => {
                let id = int("id");
                if let Some(j) = self.ids.insert((t, id), i) {
                    return Err(format!("{at}.id: duplicate id {id} (also {t}[{j}])"));
                }
                if self.known.in_db(t, id) {
                    return Err(format!("{at}.id: duplicate id {id}: it already exists in the database"));
                }
            }
            Key::Pair(a, b, what) => {
                let (x, y) = (int(a), int(b));
                if let Some(j) = self.pairs.insert((t, x, y), i) {
                    return Err(format!("{at}: duplicate {what} ({a} {x}, {b} {y}) (also {t}[{j}])"));
                }
                if self.known.db_pairs.get(t).is_some_and(|s| s.contains(&(x, y))) {
                    return Err(format!(
                        "{at}: duplicate {what} ({a} {x}, {b} {y}): it already exists in the database"
                    ));
                }
            }
        }
        if let Some(col) = table.unique {
            let value = row.get(col).and_then(Value::as_str).unwrap_or_default().to_owned();
            if self.known.db_unique.get(t).is_some_and(|s| s.contains(&value)) {
                return Err(format!("{at}.{col}: duplicate {col} {value:?}: it already exists in the database"));
            }
            if let Some(j) = self.unique.insert((t, value.clone()), i) {
                return Err(format!("{at}.{col}: duplicate {col} {value:?} (also {t}[{j}])"));
            }
        }
        Ok(())
    }
}

/// What a NUL character in a fixture is.
const NUL_PROBLEM: &str = "NUL character (\\u0000) in a string; the database cannot store it";

/// Where in `v` a string or key holds a NUL character: the path below `v` (`""` for `v`
/// itself, `.key`, `[i]`), or `None`.
fn nul_in(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, e)| nul_in(e).map(|p| format!("[{i}]{p}"))),
        Value::Object(o) => o.iter().find_map(|(k, e)| {
            if k.contains('\0') {
                Some(format!(".{}", k.escape_debug()))
            } else {
                nul_in(e).map(|p| format!(".{k}{p}"))
            }
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// The value of an omitted field, or the error for a required one.
fn absent(field: &Field, at: &str) -> Result<Arg, String> {
    match field.presence {
        Presence::Required => Err(format!("{at}.{}: missing required field", field.name)),
        Presence::Nullable => Ok(null_arg(field.kind)),
        Presence::Defaulted => Ok(match field.kind {
            Kind::Bool => Arg::Bool(false),
            _ => Arg::Json(Value::Object(Map::new())),
        }),
    }
}

/// A typed SQL NULL for the column (PostgreSQL wants the type).
const fn null_arg(kind: Kind) -> Arg {
    match kind {
        Kind::Int | Kind::Link | Kind::Ref(_) | Kind::Count => Arg::OptI64(None),
        Kind::Text | Kind::NonEmpty | Kind::Vocab(_) => Arg::OptText(None),
        Kind::Time => Arg::OptTime(None),
        Kind::Object | Kind::Counts => Arg::OptJson(None),
        // No boolean column is nullable; `false` keeps the statement well-typed regardless.
        Kind::Bool => Arg::Bool(false),
    }
}

const fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Int | Kind::Link | Kind::Ref(_) => "an integer",
        Kind::Count => "a non-negative integer",
        Kind::Text | Kind::NonEmpty | Kind::Vocab(_) => "a string",
        Kind::Bool => "a boolean",
        Kind::Time => "an RFC 3339 time string",
        Kind::Object | Kind::Counts => "a JSON object",
    }
}

fn or_null(field: &Field) -> &'static str {
    if field.presence == Presence::Nullable {
        " or null"
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Inserts every table in [`TABLES`] order, in multi-row statements of about `binds` values.
async fn insert(tx: &mut Tx, binds: usize, rows: Rows) -> Result<LoadReport, StoreError> {
    let mut report = LoadReport::default();
    for (table, rows) in TABLES.iter().zip(rows) {
        let count = rows.len();
        // identifiers only: table and column names come from TABLES, values are bound
        let head = format!("INSERT INTO {} ({}) VALUES ", table.name, table.columns());
        let per_statement = (binds / table.fields.len()).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut sql = Sql::new(&head);
            for (n, row) in rows.by_ref().take(per_statement).enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                sql.bind_list(row);
            }
            tx.execute(&sql).await?;
        }
        report.rows += count;
        report.tables.push((table.name, count));
    }
    Ok(report)
}

/// After explicit ids, the next generated id of each identity column follows the largest one.
async fn resync_identities(tx: &mut Tx) -> Result<(), StoreError> {
    for table in IDENTITY_TABLES {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(COALESCE(MAX(id), 0) + 1, 1), false) \
             FROM {table}"
        );
        tx.execute(&Sql::new(&sql)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_names_a_table_inserted_before_its_own() {
        for (i, table) in TABLES.iter().enumerate() {
            for field in table.fields {
                if let Kind::Ref(target) = field.kind {
                    let (ti, _) = Table::find(target).expect("reference to a known table");
                    assert!(ti < i, "{}.{} refers to {target}, inserted later", table.name, field.name);
                }
            }
        }
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let e = serde_json::from_str::<Value>("{\n  \"workspaces\": [\n").expect_err("malformed");
        assert!(malformed(&e).starts_with("malformed JSON at line 3 column 0: EOF"), "{}", malformed(&e));
    }
}
