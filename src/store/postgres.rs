//! PostgreSQL, production: connecting (bounded waits, read-only sessions, TLS hints), sorting
//! a pool timeout into "down" or "busy", its write transaction, its migrations
//! (`migrations/postgres`), `COPY`, and its SQL where it differs from SQLite's ([`DIALECT`]).

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use super::bulk::{table_args, Batch};
use super::engine::Dialect;
use super::error::{pg_connect_reason, redact_passwords};
use super::queries::{SearchMatch, SortKey};
use super::{Arg, Create, RunCompletion, Sql, StoreError, Tx, LOCK_WAIT, PG_ACQUIRE, PG_STATEMENT_LIMIT};

/// How many runs of a batch reconcile at once: their commits share WAL flushes, which a lone
/// run waits for every time.
pub const BATCH_PARALLEL: usize = 8;

/// Tables whose `id` is an identity column, resynced after rows with explicit ids.
const IDENTITY_TABLES: [&str; 2] = ["audit_log", "notifications"];

pub(super) fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/postgres")
}

/// `postgres host:port/db` for a URL that parses.
pub(super) fn describe(url: &str) -> Option<String> {
    let o = PgConnectOptions::from_str(url).ok()?;
    Some(format!("postgres {}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or("postgres")))
}

/// Connects to `url`. Sessions (`create == Never`) have a statement bound besides the lock
/// bound and plan no parallel workers; `read_only` makes every transaction read-only by
/// default, so no write can happen.
pub(super) async fn connect(url: &str, label: &str, create: Create, read_only: bool) -> Result<PgPool, StoreError> {
    let mut settings = vec![("lock_timeout", format!("{}ms", LOCK_WAIT.as_millis()))];
    if create == Create::Never {
        settings.push(("statement_timeout", format!("{}ms", PG_STATEMENT_LIMIT.as_millis())));
        // A session reads pages and counts kept ahead of time: parallel workers only add their
        // start-up and take cores from the platform's own work (a common search's first page
        // at 10M runs: 13-17 ms with two workers, 6.5-7.5 ms without).
        settings.push(("max_parallel_workers_per_gather", "0".to_owned()));
    }
    if read_only {
        settings.push(("default_transaction_read_only", "on".to_owned()));
    }
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Open(format!("bad PostgreSQL URL: {}", redact_passwords(&e.to_string()))))?
        .application_name("proofdesk")
        .options(settings);
    // Each connection is checked before use (a server restart leaves dead ones behind).
    PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(PG_ACQUIRE)
        .test_before_acquire(true)
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Open(pg_connect_reason(label, &e)))
}

/// Sorts a failure to get a connection: none within [`PG_ACQUIRE`] while the pool is not
/// simply full of connections in use means the server is down or unreachable (connections are
/// checked before use, and a refused connect is retried until the timeout); else it is busy.
pub(super) fn pool_error(pool: &PgPool, label: &str, e: sqlx::Error) -> StoreError {
    if matches!(e, sqlx::Error::PoolTimedOut) {
        let all_in_use = pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0;
        if !all_in_use {
            return StoreError::Unavailable(format!("no connection to {label} within {}s", PG_ACQUIRE.as_secs()));
        }
    }
    e.into()
}

/// A transaction with a bounded `lock_timeout`.
pub(super) async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL lock_timeout = '5s'").execute(&mut *tx).await?;
    Ok(tx)
}

/// `COPY … FROM STDIN` with `data` (COPY's text format); the number of rows copied.
pub(super) async fn copy_in(
    tx: &mut Transaction<'static, Postgres>,
    statement: &str,
    data: &[u8],
) -> Result<u64, StoreError> {
    let mut copy = tx.copy_in_raw(statement).await?;
    if let Err(e) = copy.send(data).await {
        copy.abort("proofdesk: sending rows failed").await.ok();
        return Err(e.into());
    }
    Ok(copy.finish().await?)
}

/// After a load of rows with explicit ids: the next generated id of each identity column
/// follows the largest one, and the search names of the runs the load marked pending
/// (migration 0010) are folded, so a search's count reads them at once.
pub(super) async fn after_load(tx: &mut Tx) -> Result<(), StoreError> {
    for table in IDENTITY_TABLES {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(COALESCE(MAX(id), 0) + 1, 1), false) \
             FROM {table}"
        );
        tx.execute(&Sql::new(&sql)).await?;
    }
    tx.execute(&Sql::new("SELECT proofdesk_names_fold_mine()")).await?;
    Ok(())
}

/// The transition's write as one statement (one round trip, not three): `update`, the
/// transition's own statement completed by the instant comparison, and the audit row and the
/// notification, which read the updated row, so a lost compare-and-swap inserts nothing.
/// `false` when the compare-and-swap found the run changed (nothing written).
pub(super) async fn complete_run(tx: &mut Tx, update: &str, w: &RunCompletion) -> Result<bool, StoreError> {
    let mut sql = Sql::new("WITH u AS (");
    sql.push(update).push(
        "updated_at = $9 RETURNING id), \
         a AS (INSERT INTO audit_log (workspace_id, environment_id, actor_id, action, subject_type, \
         subject_id, metadata, created_at) SELECT $10, $11, $12, 'operation_run.reconciled', \
         'operation_run', u.id, $13, $15 FROM u RETURNING 1), \
         n AS (INSERT INTO notifications (operator_id, operation_run_id, kind, created_at) \
         SELECT $14::bigint, u.id, 'operation_run.terminal', $15 FROM u WHERE $14::bigint IS NOT NULL \
         RETURNING 1) \
         SELECT (SELECT COUNT(*) FROM u), (SELECT COUNT(*) FROM a), (SELECT COUNT(*) FROM n)",
    );
    let sql = w
        .bind_update(sql)
        .arg(Arg::I64(w.workspace_id))
        .arg(Arg::I64(w.environment_id))
        .arg(Arg::I64(w.actor_id))
        .arg(Arg::Json(w.audit_metadata.clone()))
        .arg(Arg::OptI64(w.notify))
        .arg(Arg::Time(w.written_at));
    let written: Option<(i64, i64, i64)> = tx.fetch_optional(&sql).await?;
    let notes = i64::from(w.notify.is_some());
    match written {
        Some((1, 1, n)) if n == notes => Ok(true),
        Some((0, _, _)) => Ok(false),
        other => Err(StoreError::Driver(format!(
            "reconcile of run {} wrote {other:?} (update, audit, notification) rows; rolled back",
            w.run_id
        ))),
    }
}

/// The change counter (migration 0004): advanced by every statement that writes a table a
/// console shows, read as one row of one sequence.
pub(super) async fn data_version(pool: &PgPool) -> Result<i64, sqlx::Error> {
    let (v, called): (i64, bool) =
        sqlx::query_as("SELECT last_value, is_called FROM proofdesk_changes").fetch_one(pool).await?;
    Ok(if called { v } else { 0 })
}

/// PostgreSQL's SQL where it differs.
pub(super) struct PostgresDialect;

pub(super) static DIALECT: PostgresDialect = PostgresDialect;

impl Dialect for PostgresDialect {
    fn restore_link_column(&self) -> &'static str {
        // `jsonb` finds one member without parsing anything.
        "o.context->>'restore_run_id' AS restore_link"
    }

    fn type_column(&self, open_only: bool, sort: SortKey) -> &'static str {
        // Sorted by type, the list walks 0007's `(type, id)`, which compares the type bytewise
        // as the list's ORDER BY does: the filter must compare the same way, or that index
        // cannot take it and the walk passes every run of the types that sort before it (1.7 s
        // a page among ten million runs of mixed types, 1.7 ms with it). Sorted by id the same
        // index is one of the planner's choices. Otherwise the default: the other indexes
        // (and the partial ones of open runs, 0002_perf) name the type so.
        if !open_only && matches!(sort, SortKey::Id | SortKey::Type) {
            "o.type COLLATE \"C\""
        } else {
            "o.type"
        }
    }

    fn count_index(&self, _open_only: bool) -> &'static str {
        // The planner's statistics choose well on their own.
        ""
    }

    fn keeps_tallies(&self) -> bool {
        // Reading every match cannot answer in 300 ms among millions of runs here, nor every
        // item of a common policy name.
        true
    }

    fn name_in(&self, sql: &mut Sql, m: &SearchMatch, _indexed: bool) {
        // The names as values: the planner's statistics see how common each one is.
        sql.push("lower(i.policy_name) IN ").bind_list(m.names.iter().map(|n| Arg::Text(n.clone())));
    }

    fn name_walk(&self) -> (&'static str, &'static str) {
        (
            "WITH RECURSIVE n(name) AS (SELECT MIN(lower(policy_name)) FROM restore_items \
             UNION ALL SELECT (SELECT MIN(lower(policy_name)) FROM restore_items \
             WHERE lower(policy_name) > n.name) FROM n WHERE n.name IS NOT NULL) ",
            "NULL::bigint, convert_to(n.name, 'UTF8')",
        )
    }

    fn keep_names(&self, m: &mut SearchMatch, names: Vec<(Option<i64>, String)>) {
        // Text is UTF-8, so the value is exactly the indexed `lower(policy_name)`.
        m.names = names.into_iter().map(|r| r.1).collect();
    }

    fn items_in_name_order(&self) -> &'static str {
        // In index order, so the name index is read rather than lower() computed over the
        // table until enough rows match.
        " ORDER BY lower(i.policy_name)"
    }

    fn bytewise(&self) -> &'static str {
        " COLLATE \"C\""
    }

    fn lock_run(&self) -> &'static str {
        " FOR UPDATE OF o"
    }

    fn max_binds(&self) -> usize {
        // The cost per value stays flat.
        30_000
    }

    fn write_parallelism(&self) -> usize {
        BATCH_PARALLEL
    }

    fn migrations_table_count(&self) -> &'static str {
        "SELECT COUNT(*) FROM pg_catalog.pg_tables \
         WHERE tablename = '_sqlx_migrations' AND schemaname = current_schema()"
    }
}

/// Rows of one table waiting as COPY text, flushed as one `COPY` each.
pub struct CopyRows {
    table: &'static str,
    cols: &'static [&'static str],
    pub(super) rows_per_statement: usize,
    text: String,
    waiting: usize,
}

/// Sort memory for an index rebuild, in MiB.
const REBUILD_MEM_MIB: u32 = 256;

/// `value` as one field of COPY's text format: `\N` for NULL, backslash, tab, newline and
/// carriage return escaped, times in RFC 3339 with microseconds (what a bound value sends).
fn push_copy_field(out: &mut String, value: &Arg) {
    use std::fmt::Write as _;
    let time = |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
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

impl CopyRows {
    pub(super) fn new(table: &'static str, cols: &'static [&'static str]) -> Self {
        // Batches are sized as 65535-value statements were.
        let rows_per_statement = (65_535 / cols.len()).max(1);
        Self { table, cols, rows_per_statement, text: String::new(), waiting: 0 }
    }

    pub(super) fn push(&mut self, row: impl IntoIterator<Item = Arg>) {
        let mut n = 0;
        for (i, value) in row.into_iter().enumerate() {
            if i > 0 {
                self.text.push('\t');
            }
            push_copy_field(&mut self.text, &value);
            n += 1;
        }
        debug_assert_eq!(n, self.cols.len(), "{}: wrong number of values", self.table);
        self.text.push('\n');
        self.waiting += 1;
    }

    /// The waiting rows, as one batch.
    fn take_copy(&mut self) -> Batch {
        let data = std::mem::take(&mut self.text);
        let rows = std::mem::take(&mut self.waiting);
        self.text.reserve(data.len());
        Batch::Copy { statement: format!("COPY {} ({}) FROM STDIN", self.table, self.cols.join(", ")), rows, data }
    }

    pub(super) fn take_full(&mut self) -> Option<Batch> {
        (self.waiting >= self.rows_per_statement).then(|| self.take_copy())
    }

    pub(super) fn take_rest(&mut self) -> Option<Batch> {
        (self.waiting > 0).then(|| self.take_copy())
    }
}

/// Drops the foreign keys and secondary indexes (those backing no constraint) of `tables`
/// inside `tx`, disables their tally and name triggers (migrations 0009 and 0010), and returns
/// the statements that put them back (the tallies and names rebuilt from the loaded rows), in
/// order. Both come from the
/// catalog (`pg_get_indexdef`, `pg_get_constraintdef`, identifiers quoted by `format`), so they
/// are exactly what the migrations created. Returns nothing, and drops nothing, unless the
/// session owns every table.
pub(super) async fn set_aside_indexes_and_keys(tx: &mut Tx, tables: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::new(
        "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND NOT pg_has_role(current_user, c.relowner, 'USAGE') \
         AND c.relname IN ",
    );
    sql.bind_list(table_args(tables));
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
    sql.bind_list(table_args(tables)).push(" ORDER BY t.relname, c.conname");
    let keys: Vec<(String, String)> = tx.fetch_all(&sql).await?;

    let mut sql = Sql::new(
        "SELECT format('DROP INDEX %I.%I', n.nspname, x.relname), pg_get_indexdef(i.indexrelid) \
         FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT i.indisprimary AND NOT i.indisunique \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AND t.relname IN ",
    );
    sql.bind_list(table_args(tables)).push(" ORDER BY x.relname");
    let indexes: Vec<(String, String)> = tx.fetch_all(&sql).await?;

    // The tallies of migration 0009 and the names of 0010: one rebuild from the loaded rows
    // instead of a trigger grouping each COPY's rows (the 9M-run load of the bench is one
    // statement) and 0010's marking every loaded run pending.
    let mut sql = Sql::new(
        "SELECT format('ALTER TABLE %I.%I DISABLE TRIGGER %I', n.nspname, t.relname, g.tgname), \
         format('ALTER TABLE %I.%I ENABLE TRIGGER %I', n.nspname, t.relname, g.tgname) \
         FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE NOT g.tgisinternal AND (g.tgname LIKE 'proofdesk\\_tallies\\_%' \
         OR g.tgname LIKE 'proofdesk\\_names\\_%') \
         AND n.nspname = current_schema() AND t.relname IN ",
    );
    sql.bind_list(table_args(tables)).push(" ORDER BY g.tgname");
    let triggers: Vec<(String, String)> = tx.fetch_all(&sql).await?;

    for (drop, _) in keys.iter().chain(&indexes).chain(&triggers) {
        tx.execute(&Sql::new(drop)).await?;
    }
    // Indexes first: the constraints' validation then runs against complete tables. Each
    // index build sorts its table in `maintenance_work_mem` (64 MB by default, which spills a
    // million-row sort to disk); `SET LOCAL` gives it more until the commit.
    let mut out = vec![format!("SET LOCAL maintenance_work_mem = '{REBUILD_MEM_MIB}MB'")];
    out.extend(indexes.into_iter().chain(keys).map(|(_, create)| create));
    for (kind, rebuild) in [
        ("proofdesk_tallies_", "SELECT proofdesk_tally_rebuild()"),
        ("proofdesk_names_", "SELECT proofdesk_names_rebuild()"),
    ] {
        if triggers.iter().any(|(drop, _)| drop.contains(kind)) {
            out.push(rebuild.to_owned());
        }
    }
    out.extend(triggers.into_iter().map(|(_, enable)| enable));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;

    const ITEM_COLS: &[&str] = &[
        "id",
        "restore_run_id",
        "policy_type",
        "policy_name",
        "outcome",
        "error_code",
        "error_message",
        "provider_payload",
    ];

    fn text(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }

    #[test]
    fn bulk_rows_go_as_copy_text_with_every_special_character_escaped() {
        let mut buf = CopyRows::new("restore_items", ITEM_COLS);
        let at = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .map_or_else(|_| DateTime::default(), |t| t.with_timezone(&Utc));
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
    fn bulk_copies_flush_at_the_statement_size() {
        const COLS: &[&str] = &["id", "operator_id", "operation_run_id", "kind", "created_at"];
        let mut buf = CopyRows::new("notifications", COLS);
        let per = buf.rows_per_statement;
        for i in 0..per + 3 {
            let i = i64::try_from(i).expect("small");
            buf.push([Arg::I64(i), Arg::I64(1), Arg::I64(2), text("k"), Arg::I64(3)]);
        }
        let full = buf.take_full().expect("a full COPY");
        assert_eq!(full.rows(COLS.len()), per + 3, "a COPY takes every row waiting");
        assert!(buf.take_rest().is_none());
    }
}
