//! The databases the bench measures: the large one (built once by the product's own
//! `proofdesk db seed-demo`, then reused) and the one the batch figure writes to.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use color_eyre::eyre::{bail, eyre, Result};
use proofdesk::demo as seed;
use proofdesk::service::Clock;
use proofdesk::store::{redact_passwords, Create, Sql, Store};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::BenchOptions;

/// `./target/bench` when run from the checkout (as docs/performance.md does), otherwise under
/// the XDG cache directory: an installed binary never writes into the folder it was built in.
pub fn bench_dir() -> PathBuf {
    if Path::new("Cargo.toml").is_file() && Path::new("target").is_dir() {
        return PathBuf::from("target").join("bench");
    }
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").and_then(absolute).map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("proofdesk")
        .join("bench")
}

/// The default database for `runs` synthetic runs.
pub fn default_url(runs: u64) -> String {
    format!("sqlite:{}", bench_dir().join(format!("runs-{runs}.sqlite")).display())
}

pub fn remove_sqlite(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| eyre!("cannot remove {}: {e}", p.display()))?;
        }
    }
    Ok(())
}

pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

pub async fn count(store: &Store, text: &str) -> Result<i64> {
    let row: Option<(i64,)> = store.fetch_optional(&Sql::new(text)).await?;
    Ok(row.map_or(0, |r| r.0))
}

fn scenario_runs() -> Result<i64> {
    let doc = seed::scenarios_at(Clock::system().now())?;
    Ok(doc.get("operation_runs").and_then(Value::as_array).map_or(0, |a| i64::try_from(a.len()).unwrap_or(0)))
}

/// The shipped `proofdesk` binary, next to this one (`target/release/proofdesk` beside
/// `target/release/proofdesk-bench`): the bench seeds through it, as an operator would.
pub fn product_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| eyre!("cannot find this executable: {e}"))?;
    let product = exe.with_file_name(format!("proofdesk{}", std::env::consts::EXE_SUFFIX));
    if !product.is_file() {
        bail!(
            "{} is missing (the bench seeds through it): build it with `cargo build --release --workspace`",
            product.display()
        );
    }
    Ok(product)
}

/// Opens (building when needed) the database to measure; returns the store and the seeding
/// time when it was built now. On PostgreSQL, tables never vacuumed are vacuumed first (see
/// [`vacuum_if_never`]). The store returned is a session's, opened as the console and the
/// command line open a `--db` ([`Store::open_session`]): its settings are part of what is
/// measured (on PostgreSQL, no parallel workers; measured through the seeding store, the
/// common search's first page at 10M planned two and took 20-40 ms instead of 6-9).
pub async fn main_store(opts: &BenchOptions, url: &str) -> Result<(Store, Option<Duration>)> {
    let (store, seeded) = open_or_seed(opts, url).await?;
    if sqlite_file(url).is_none() {
        vacuum_if_never(&store).await?;
    }
    store.close().await;
    let session = Store::open_session(url, false).await?;
    Ok((session, seeded))
}

/// `VACUUM (ANALYZE)` of the loaded tables when `operation_runs` has no page marked all-visible
/// yet: a count reads its index alone only on such pages. A server's autovacuum does this
/// soon after a load; the bench's server may run without it (this machine's does), and a
/// database measured before it ran would read every run's row for an index's entry.
async fn vacuum_if_never(store: &Store) -> Result<()> {
    let visible =
        count(store, "SELECT CAST(relallvisible AS BIGINT) FROM pg_class WHERE relname = 'operation_runs'").await?;
    if visible == 0 {
        let mut conn = store.acquire().await?;
        conn.fetch_rows(&Sql::new("VACUUM (ANALYZE) operation_runs, restore_runs, restore_items")).await?;
    }
    Ok(())
}

async fn open_or_seed(opts: &BenchOptions, url: &str) -> Result<(Store, Option<Duration>)> {
    let default = opts.db.is_none();
    if let Some(path) = sqlite_file(url) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| eyre!("cannot create {}: {e}", dir.display()))?;
        }
    }
    let mut store = Store::open(url, Create::IfMissing).await?;
    let demo = i64::try_from(opts.runs).unwrap_or(i64::MAX).saturating_add(scenario_runs()?);
    let other = i64::try_from(opts.other_runs).unwrap_or(i64::MAX);
    let held = count(&store, "SELECT COUNT(*) FROM operation_runs").await?;
    if other > 0 && held == demo {
        // Seeded before without the other types: add them now.
        let started = Instant::now();
        add_other_runs(&store, url, other).await?;
        return Ok((store, Some(started.elapsed())));
    }
    if held > 0 && (held == demo.saturating_add(other) || !default) {
        return Ok((store, None));
    }
    if held > 0 {
        // The default file holds something else (another generator's runs): rebuild it.
        store.close().await;
        if let Some(path) = sqlite_file(url) {
            remove_sqlite(&path)?;
        }
        store = Store::open(url, Create::IfMissing).await?;
    }
    // Seeded by `proofdesk db seed-demo` in a child process, as an operator would run it: its
    // time is the command's, and its memory stays out of this process's peak-memory figure.
    let product = product_binary()?;
    let started = Instant::now();
    let out = tokio::process::Command::new(&product)
        .env("DATABASE_URL", url)
        .args(["db", "seed-demo", "--runs", &opts.runs.to_string()])
        .output()
        .await
        .map_err(|e| eyre!("seeding: cannot run {} db seed-demo: {e}", product.display()))?;
    if !out.status.success() {
        bail!("seeding: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    if other > 0 {
        add_other_runs(&store, url, other).await?;
    }
    Ok((store, Some(started.elapsed())))
}

/// Operation types a platform runs besides restores, with their shares (of 20) of the runs
/// [`add_other_runs`] adds: a backup every hour per tenant dominates.
const OTHER_TYPES: [(&str, u32); 4] =
    [("backup.capture", 12), ("inventory.sync", 6), ("restore.verify", 1), ("promotion.execute", 1)];

/// Adds `n` runs of other operation types (PostgreSQL only: generated by the server with
/// `generate_series`, nothing crosses the wire), spread evenly over the scopes and the two
/// years before now, one in 10,000 still running (they go stale), one in 50 failed. The
/// product's bulk path sets aside the table's indexes and keys meanwhile and builds them
/// after the load, in the same transaction (`Tx::set_aside_indexes`, `Tx::finish_bulk_load`).
async fn add_other_runs(store: &Store, url: &str, n: i64) -> Result<()> {
    if sqlite_file(url).is_some() {
        bail!("--other-runs: PostgreSQL only (the runs are generated by the server)");
    }
    let scopes: Vec<(i64, i64)> =
        store.fetch_all(&Sql::new("SELECT workspace_id, id FROM environments ORDER BY id")).await?;
    if scopes.is_empty() {
        bail!("--other-runs: the database holds no environment");
    }
    let list = |f: fn(&(i64, i64)) -> i64| scopes.iter().map(|s| f(s).to_string()).collect::<Vec<_>>().join(", ");
    let mut kind = String::from("CASE");
    let mut upto = 0;
    for (name, share) in OTHER_TYPES {
        upto += share;
        let _ = write!(kind, " WHEN g % 20 < {upto} THEN '{name}'");
    }
    kind.push_str(" END");
    // Numbers and constants only: the scope ids come from the database as integers.
    let insert = format!(
        "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, initiator_id, \
         context, summary_counts, created_at, started_at, completed_at, updated_at) \
         SELECT b.base + g, (ARRAY[{ws}])[1 + g % {k}], (ARRAY[{env}])[1 + g % {k}], {kind}, \
         CASE WHEN g % 10000 = 0 THEN 'running' ELSE 'completed' END, \
         CASE WHEN g % 10000 = 0 THEN 'pending' WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END, \
         NULL, '{{}}', '{{}}', t.at, t.at + interval '1 minute', \
         CASE WHEN g % 10000 = 0 THEN NULL ELSE t.at + interval '5 minutes' END, t.at + interval '5 minutes' \
         FROM (SELECT COALESCE(MAX(id), 0) AS base FROM operation_runs) b \
         CROSS JOIN generate_series(1, {n}) g \
         CROSS JOIN LATERAL (SELECT now() - interval '1 second' * (g * (63072000.0 / {n})) AS at) t",
        ws = list(|s| s.0),
        env = list(|s| s.1),
        k = scopes.len(),
    );
    let mut tx = store.begin().await?;
    let restore = tx.set_aside_indexes(&["operation_runs"]).await?;
    tx.execute(&Sql::new(&insert)).await?;
    tx.finish_bulk_load(&restore).await?;
    tx.commit().await?;
    Ok(())
}

/// The database the batch figure writes to, rebuilt empty, and its URL.
pub async fn fresh_stale_store(main_url: &str, stale_url: Option<&str>, stale_runs: u64) -> Result<(Store, String)> {
    let url = match stale_url {
        Some(u) => u.to_owned(),
        None => derive_stale_url(main_url, stale_runs),
    };
    if let Some(path) = sqlite_file(&url) {
        remove_sqlite(&path)?;
    } else {
        recreate_pg_database(main_url, &url).await?;
    }
    let store = Store::open(&url, Create::IfMissing).await?;
    Ok((store, url))
}

fn derive_stale_url(main_url: &str, stale_runs: u64) -> String {
    if let Some(path) = sqlite_file(main_url) {
        let dir = path.parent().map_or_else(bench_dir, Path::to_path_buf);
        return format!("sqlite:{}", dir.join(format!("stale-{stale_runs}.sqlite")).display());
    }
    let (base, db, query) = split_pg_url(main_url);
    let db = if db.is_empty() { "proofdesk" } else { db };
    format!("{base}/{db}_stale{query}")
}

/// `postgres://auth@host:port`, the database name, and `?query` (possibly empty).
fn split_pg_url(url: &str) -> (&str, &str, &str) {
    let (head, query) = url.find('?').map_or((url, ""), |i| url.split_at(i));
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    match head[authority_start..].find('/') {
        Some(i) => (&head[..authority_start + i], &head[authority_start + i + 1..], query),
        None => (head, "", query),
    }
}

/// Drops and creates the PostgreSQL database named by `url`, connected through `main_url`.
async fn recreate_pg_database(main_url: &str, url: &str) -> Result<()> {
    let (_, name, _) = split_pg_url(url);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("stale database name {name:?}: use letters, digits and _ only (or --stale-db)");
    }
    let opts = PgConnectOptions::from_str(main_url)?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .map_err(|e| eyre!(redact_passwords(&e.to_string())))?;
    // identifiers only: a database name cannot be bound; it was checked to be [A-Za-z0-9_]+.
    for text in [format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"), format!("CREATE DATABASE \"{name}\"")] {
        sqlx::query(&text).execute(&pool).await.map_err(|e| eyre!("{text}: {e}"))?;
    }
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_split_into_base_database_and_query() {
        assert_eq!(
            split_pg_url("postgres://u@h:5432/db?sslmode=disable"),
            ("postgres://u@h:5432", "db", "?sslmode=disable")
        );
        assert_eq!(split_pg_url("postgres://u@h:5432"), ("postgres://u@h:5432", "", ""));
        assert_eq!(derive_stale_url("postgres://u@h:5432/bench", 10), "postgres://u@h:5432/bench_stale");
    }
}
