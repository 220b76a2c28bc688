//! Writing generated rows: one statement shape per table (multi-row `INSERT`s of bound values
//! on SQLite, `COPY … FROM STDIN` in COPY's text format on PostgreSQL), and the set-aside of
//! secondary indexes (and PostgreSQL's foreign keys) while a large seed loads.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::store::{Arg, Engine, Sql, StoreError, Tx};

/// From this many generated runs on, the secondary indexes of the loaded tables (and on
/// PostgreSQL their foreign keys) are set aside during the insert and rebuilt (and validated)
/// in the same transaction before commit: one index build, and one validation pass per
/// constraint, cost a fraction of maintaining and checking them row by row (and the indexes
/// come out denser). Smaller seeds insert plainly.
pub const BULK_RUNS: u64 = 20_000;

/// Sort memory for PostgreSQL's index rebuild, in MiB.
const PG_REBUILD_MEM_MIB: u32 = 256;

/// Page cache for SQLite's index rebuild (its sort), in KiB.
const SQLITE_REBUILD_CACHE_KIB: i64 = 256 * 1024;

/// The tables the generated runs go into.
const LOADED_TABLES: [&str; 6] =
    ["operation_runs", "restore_runs", "restore_items", "evidence", "audit_log", "notifications"];

fn loaded_tables() -> impl Iterator<Item = Arg> {
    LOADED_TABLES.iter().map(|t| Arg::Text((*t).to_owned()))
}

/// Drops the foreign keys and secondary indexes (those backing no constraint) of the loaded
/// tables inside `tx`, and returns the statements that put them back, in order. Both come from
/// the catalog (`pg_get_indexdef`, `pg_get_constraintdef`, identifiers quoted by `format`), so
/// they are exactly what the migrations created. Returns nothing, and drops nothing, unless
/// the session owns every loaded table.
pub(super) async fn pg_set_aside_indexes_and_keys(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::new(
        "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND NOT pg_has_role(current_user, c.relowner, 'USAGE') \
         AND c.relname IN ",
    );
    sql.bind_list(loaded_tables());
    let not_owned: Option<(i64,)> = tx.fetch_optional(&sql).await?;
    if not_owned.is_none_or(|(n,)| n > 0) {
        return Ok(Vec::new());
    }

    let mut sql = Sql::new(
        "SELECT format('ALTER TABLE %I.%I DROP CONSTRAINT %I', n.nspname, t.relname, c.conname), \
         format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', n.nspname, t.relname, c.conname, \
         pg_get_constraintdef(c.oid)) \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname IN ",
    );
    sql.bind_list(loaded_tables()).push(" ORDER BY t.relname, c.conname");
    let keys: Vec<(String, String)> = tx.fetch_all(&sql).await?;

    let mut sql = Sql::new(
        "SELECT format('DROP INDEX %I.%I', n.nspname, x.relname), pg_get_indexdef(i.indexrelid) \
         FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT i.indisprimary AND NOT i.indisunique \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AND t.relname IN ",
    );
    sql.bind_list(loaded_tables()).push(" ORDER BY x.relname");
    let indexes: Vec<(String, String)> = tx.fetch_all(&sql).await?;

    for (drop, _) in keys.iter().chain(&indexes) {
        tx.execute(&Sql::new(drop)).await?;
    }
    // Indexes first: the constraints' validation then runs against complete tables. Each
    // index build sorts its table in `maintenance_work_mem` (64 MB by default, which spills a
    // million-row sort to disk); `SET LOCAL` gives it more until the commit.
    let mut out = vec![format!("SET LOCAL maintenance_work_mem = '{PG_REBUILD_MEM_MIB}MB'")];
    out.extend(indexes.into_iter().chain(keys).map(|(_, create)| create));
    Ok(out)
}

/// Drops the secondary indexes of the loaded tables inside `tx` and returns the statements
/// that rebuild them (their own `CREATE INDEX` text from `sqlite_master`), with a larger page
/// cache for the sort while they run and the connection's own cache size put back after.
pub(super) async fn sqlite_set_aside_indexes(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    let mut sql =
        Sql::new("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ");
    sql.bind_list(loaded_tables()).push(" ORDER BY name");
    let indexes: Vec<(String, String)> = tx.fetch_all(&sql).await?;
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let cache: Option<(i64,)> = tx.fetch_optional(&Sql::new("PRAGMA cache_size")).await?;
    for (name, _) in &indexes {
        tx.execute(&Sql::new(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))).await?;
    }
    let mut out = vec![format!("PRAGMA cache_size = -{SQLITE_REBUILD_CACHE_KIB}")];
    out.extend(indexes.into_iter().map(|(_, create)| create));
    out.push(format!("PRAGMA cache_size = {}", cache.map_or(-2000, |(c,)| c)));
    Ok(out)
}

/// Column lists of the tables written, in insert order.
pub(super) const OP_COLS: &[&str] = &[
    "id",
    "workspace_id",
    "environment_id",
    "type",
    "status",
    "outcome",
    "initiator_id",
    "context",
    "summary_counts",
    "created_at",
    "started_at",
    "completed_at",
    "updated_at",
];
pub(super) const RESTORE_COLS: &[&str] = &[
    "id",
    "workspace_id",
    "environment_id",
    "operation_run_id",
    "backup_set_ref",
    "status",
    "is_dry_run",
    "blocker",
    "requested_by",
    "started_at",
    "completed_at",
    "deleted_at",
];
pub(super) const ITEM_COLS: &[&str] = &[
    "id",
    "restore_run_id",
    "policy_type",
    "policy_name",
    "outcome",
    "error_code",
    "error_message",
    "provider_payload",
];
pub(super) const EVIDENCE_COLS: &[&str] =
    &["id", "restore_run_id", "kind", "status", "verified_items", "expected_items", "captured_at"];
pub(super) const AUDIT_COLS: &[&str] = &[
    "id",
    "workspace_id",
    "environment_id",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "metadata",
    "created_at",
];
pub(super) const NOTIFICATION_COLS: &[&str] = &["id", "operator_id", "operation_run_id", "kind", "created_at"];

/// One write of generated rows.
#[derive(Debug)]
pub(super) enum Batch {
    /// A multi-row `INSERT` of bound values (SQLite).
    Insert(Sql),
    /// `COPY … FROM STDIN` and its rows in COPY's text format (PostgreSQL): the server parses
    /// plain text instead of a statement of 65,535 bound parameters, several times faster.
    Copy { statement: String, rows: usize, data: String },
}

#[cfg(test)]
impl Batch {
    pub(super) fn rows(&self, cols: usize) -> usize {
        match self {
            Self::Insert(sql) => sql.args.len() / cols.max(1),
            Self::Copy { rows, .. } => *rows,
        }
    }

    pub(super) fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Insert(a), Self::Insert(b)) => a.text == b.text && a.args == b.args,
            (Self::Copy { statement: a, data: x, .. }, Self::Copy { statement: b, data: y, .. }) => a == b && x == y,
            _ => false,
        }
    }
}

/// Rows of one table waiting to be written, flushed as statements of one fixed shape: bound
/// values for SQLite, COPY text for PostgreSQL.
pub(super) struct TableBuf {
    table: &'static str,
    cols: &'static [&'static str],
    engine: Engine,
    pub(super) rows_per_statement: usize,
    args: Vec<Arg>,
    full_text: Option<String>,
    /// PostgreSQL: rows waiting, already in COPY text format.
    copy: String,
    copy_rows: usize,
}

/// `value` as one field of COPY's text format: `\N` for NULL, backslash, tab, newline and
/// carriage return escaped, times in RFC 3339 with microseconds (what a bound value sends).
fn push_copy_field(out: &mut String, value: &Arg) {
    use std::fmt::Write as _;
    let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
    match value {
        Arg::OptI64(None) | Arg::OptText(None) | Arg::OptTime(None) | Arg::OptJson(None) => out.push_str("\\N"),
        Arg::I64(v) | Arg::OptI64(Some(v)) => {
            let _ = write!(out, "{v}");
        }
        Arg::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Arg::Time(t) | Arg::OptTime(Some(t)) => out.push_str(&time(t)),
        Arg::Text(s) | Arg::OptText(Some(s)) => push_copy_text(out, s),
        Arg::Json(v) | Arg::OptJson(Some(v)) => push_copy_text(out, &v.to_string()),
    }
}

fn push_copy_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

impl TableBuf {
    pub(super) fn new(table: &'static str, cols: &'static [&'static str], engine: Engine) -> Self {
        // SQLite binds at most 32766 values per statement; PostgreSQL's COPY batches are sized
        // as its 65535-value statements were.
        let max_args = match engine {
            Engine::Sqlite => 32_766,
            Engine::Postgres => 65_535,
        };
        let rows_per_statement = (max_args / cols.len()).max(1);
        let args = Vec::with_capacity(if engine == Engine::Sqlite { max_args } else { 0 });
        Self { table, cols, engine, rows_per_statement, args, full_text: None, copy: String::new(), copy_rows: 0 }
    }

    fn rows(&self) -> usize {
        match self.engine {
            Engine::Sqlite => self.args.len() / self.cols.len(),
            Engine::Postgres => self.copy_rows,
        }
    }

    pub(super) fn push(&mut self, row: impl IntoIterator<Item = Arg>) {
        match self.engine {
            Engine::Sqlite => {
                let before = self.args.len();
                self.args.extend(row);
                debug_assert_eq!(self.args.len() - before, self.cols.len(), "{}: wrong number of values", self.table);
            }
            Engine::Postgres => {
                let mut n = 0;
                for (i, value) in row.into_iter().enumerate() {
                    if i > 0 {
                        self.copy.push('\t');
                    }
                    push_copy_field(&mut self.copy, &value);
                    n += 1;
                }
                debug_assert_eq!(n, self.cols.len(), "{}: wrong number of values", self.table);
                self.copy.push('\n');
                self.copy_rows += 1;
            }
        }
    }

    /// `COPY t (…) FROM STDIN`.
    fn copy_statement(&self) -> String {
        format!("COPY {} ({}) FROM STDIN", self.table, self.cols.join(", "))
    }

    /// The waiting COPY rows, as one batch.
    fn take_copy(&mut self) -> Batch {
        let data = std::mem::take(&mut self.copy);
        let rows = std::mem::take(&mut self.copy_rows);
        self.copy.reserve(data.len());
        Batch::Copy { statement: self.copy_statement(), rows, data }
    }

    /// `INSERT INTO t (…) VALUES (…), (…)` for `rows` rows, placeholders only (SQLite; the
    /// PostgreSQL rows go as COPY text).
    ///
    /// Anonymous `?`: SQLite treats `$n` as a *named* parameter, and the driver looks every
    /// name up in a list it scans from the start, which makes binding a large statement
    /// quadratic; anonymous parameters bind by position.
    fn text(&self, rows: usize) -> String {
        let mut sql = Sql::new("INSERT INTO ");
        sql.push(self.table).push(" (").push(&self.cols.join(", ")).push(") VALUES ");
        let tuple = format!("({})", vec!["?"; self.cols.len()].join(", "));
        sql.push(&vec![tuple; rows].join(", "));
        sql.text
    }

    /// One full statement, when enough rows wait.
    pub(super) fn take_full(&mut self) -> Option<Batch> {
        if self.rows() < self.rows_per_statement {
            return None;
        }
        if self.engine == Engine::Postgres {
            return Some(self.take_copy());
        }
        let n = self.rows_per_statement * self.cols.len();
        let mut tail = Vec::with_capacity(self.args.capacity());
        tail.extend(self.args.drain(n..));
        let args = std::mem::replace(&mut self.args, tail);
        if self.full_text.is_none() {
            self.full_text = Some(self.text(self.rows_per_statement));
        }
        Some(Batch::Insert(Sql { text: self.full_text.clone().unwrap_or_default(), args }))
    }

    /// Whatever waits, as one statement.
    pub(super) fn take_rest(&mut self) -> Option<Batch> {
        let rows = self.rows();
        if rows == 0 {
            return None;
        }
        if rows == self.rows_per_statement || self.engine == Engine::Postgres {
            return self.take_full().or_else(|| Some(self.take_copy()));
        }
        let args = std::mem::take(&mut self.args);
        Some(Batch::Insert(Sql { text: self.text(rows), args }))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn text(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }

    fn fixed_now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .map_or_else(|_| DateTime::default(), |t| t.with_timezone(&Utc))
    }

    #[test]
    fn sqlite_statements_use_placeholders_and_one_shape() {
        let mut buf = TableBuf::new("notifications", NOTIFICATION_COLS, Engine::Sqlite);
        let per = 6553;
        assert_eq!(buf.rows_per_statement, per);
        for i in 0..per + 2 {
            let i = i64::try_from(i).expect("small");
            buf.push([Arg::I64(i), Arg::I64(1), Arg::I64(2), text("k'); DROP TABLE x; --"), Arg::I64(3)]);
        }
        let Some(Batch::Insert(full)) = buf.take_full() else { panic!("a full INSERT") };
        assert_eq!(full.args.len(), per * 5);
        assert!(full
            .text
            .starts_with("INSERT INTO notifications (id, operator_id, operation_run_id, kind, created_at) VALUES"));
        assert!(full.text.contains("VALUES (?, ?, ?, ?, ?), (?,"));
        assert!(!full.text.contains("DROP"));
        assert!(buf.take_full().is_none());
        let Some(Batch::Insert(again)) = buf.take_rest() else { panic!("the rest") };
        assert_eq!(again.args.len(), 10);
        assert!(again.text.ends_with("(?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"));
    }

    #[test]
    fn postgres_rows_go_as_copy_text_with_every_special_character_escaped() {
        let mut buf = TableBuf::new("restore_items", ITEM_COLS, Engine::Postgres);
        let at = fixed_now();
        buf.push([
            Arg::I64(7),
            Arg::I64(8),
            text("tab\there"),
            text("back\\slash\nnew\rline"),
            text("applied"),
            Arg::OptText(None),
            Arg::OptText(Some("é ✓".into())),
            Arg::Json(serde_json::json!({"k": "a\tb"})),
        ]);
        buf.push([
            Arg::OptI64(Some(9)),
            Arg::Bool(true),
            Arg::Time(at),
            Arg::OptTime(None),
            Arg::OptTime(Some(at + Duration::microseconds(5))),
            Arg::OptJson(None),
            Arg::Bool(false),
            Arg::I64(-1),
        ]);
        assert!(buf.take_full().is_none(), "two rows are not a full statement");
        let Some(Batch::Copy { statement, rows, data }) = buf.take_rest() else { panic!("a COPY") };
        assert_eq!(
            statement,
            "COPY restore_items (id, restore_run_id, policy_type, policy_name, outcome, error_code, error_message, \
             provider_payload) FROM STDIN"
        );
        assert_eq!(rows, 2);
        assert_eq!(
            data,
            "7\t8\ttab\\there\tback\\\\slash\\nnew\\rline\tapplied\t\\N\té ✓\t{\"k\":\"a\\\\tb\"}\n\
             9\tt\t2026-11-26T12:00:00.000000Z\t\\N\t2026-11-26T12:00:00.000005Z\t\\N\tf\t-1\n"
        );
        assert!(buf.take_rest().is_none());
    }

    #[test]
    fn postgres_copies_flush_at_the_statement_size() {
        let mut buf = TableBuf::new("notifications", NOTIFICATION_COLS, Engine::Postgres);
        let per = buf.rows_per_statement;
        for i in 0..per + 3 {
            let i = i64::try_from(i).expect("small");
            buf.push([Arg::I64(i), Arg::I64(1), Arg::I64(2), text("k"), Arg::I64(3)]);
        }
        let full = buf.take_full().expect("a full COPY");
        assert_eq!(full.rows(NOTIFICATION_COLS.len()), per + 3, "a COPY takes every row waiting");
        assert!(buf.take_rest().is_none());
    }
}
