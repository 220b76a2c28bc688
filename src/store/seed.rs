//! The demo data set: a hand-written scenario document (`demo-db/scenarios.json`, one run per
//! row of the assessment table and then some) plus any number of generated runs.
//!
//! The scenarios are written as if "now" were [`SCENARIO_ANCHOR`]; [`seed_demo`] moves every
//! time in them (any string under a key ending in `_at`, at any depth, so
//! `context.reconciliation.reconciled_at` too) by `now - anchor`, whole seconds, so the demo
//! always looks current: fresh runs are minutes old, stale ones hours old.
//!
//! The generated runs are deterministic (a xorshift generator with a constant seed), all of
//! type `restore.execute`, spread over the scenario environments and the two years before
//! `now`, with `created_at` rising with the id. Most are completed and reconciled, their
//! outcome, `summary_counts` and `context.reconciliation` taken from the real proof rules
//! ([`crate::domain::assess`]) over the records generated for them; some are recorded
//! `succeeded` with a proof gap behind them (drift), a few are stale and still running.
//! They are written in batches built on a blocking thread while the previous batch executes,
//! all in one transaction: on SQLite multi-row `INSERT` statements of bound values, one
//! statement shape per table; on PostgreSQL `COPY … FROM STDIN` in COPY's text format.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde_json::{Map, Value};

use super::fixtures::{self, LoadError};
use super::{Arg, Engine, Sql, Store, StoreError};
use crate::domain::{
    assess, AuditFact, Blocker, Evidence, EvidenceStatus, ItemCounts, ItemOutcome, JsonObject, OpStatus, OperationRun,
    Outcome, ProofBundle, RestoreRun, RestoreStatus, Verdict, RESTORE_EXECUTE,
};

/// The handle of the demo on-call operator (the default `--as` on the demo database).
pub const DEMO_OPERATOR: &str = "oncall";

/// The instant the scenario document is written against ("now" as its author saw it).
pub const SCENARIO_ANCHOR: &str = "2026-11-20T12:00:00Z";

/// The scenario document, as shipped.
pub const SCENARIOS_JSON: &str = include_str!("../../demo-db/scenarios.json");

/// The `proofdesk_meta` key that marks a database as the demo data set.
pub const DEMO_META_KEY: &str = "demo";

/// What [`seed_demo`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Rows of the scenario document (every table together).
    pub scenario_rows: usize,
    /// Generated operation runs.
    pub synthetic_runs: u64,
}

/// Loads the scenario document with every time moved by `now - anchor`, then adds `runs`
/// generated runs, then records `proofdesk_meta.demo = 1`.
///
/// The scenarios, the generated runs and the marker load in one transaction: all or nothing.
///
/// # Errors
/// [`LoadError::Invalid`] when the database already holds operation runs (nothing is
/// written) or the scenario document is broken; [`LoadError::Store`] for database failures.
pub async fn seed_demo(store: &Store, now: DateTime<Utc>, runs: u64) -> Result<SeedReport, LoadError> {
    let existing: Option<(i64,)> = store
        .fetch_optional(&Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM operation_runs LIMIT 1) AS t"))
        .await
        .map_err(LoadError::Store)?;
    if existing.is_some_and(|(n,)| n > 0) {
        return Err(LoadError::Invalid(format!(
            "{} already holds operation runs; the demo data set is only seeded into an empty database \
             (a new SQLite file or an empty PostgreSQL database)",
            store.label()
        )));
    }

    let doc = scenarios_at(now)?;
    let scenario_rows = count_rows(&doc);
    let plan = Plan::from_scenarios(&doc, now, runs)?;
    // One transaction for the scenarios, the generated runs and the marker: a seed killed or
    // failing half way leaves the database empty, so that it can simply be run again.
    let mut tx = store.begin().await?;
    let seeded = async {
        fixtures::load_value_in(&mut tx, &doc).await?;
        insert_synthetic(&mut tx, plan).await.map_err(LoadError::Store)
    }
    .await;
    if let Err(e) = seeded {
        tx.rollback().await.ok();
        return Err(e);
    }
    tx.commit().await?;
    Ok(SeedReport { scenario_rows, synthetic_runs: runs })
}

/// The scenario document with every time moved so that [`SCENARIO_ANCHOR`] becomes `now`
/// (rounded down to whole seconds).
///
/// # Errors
/// [`LoadError::Invalid`] when the shipped document does not parse.
pub fn scenarios_at(now: DateTime<Utc>) -> Result<Value, LoadError> {
    let mut doc: Value =
        serde_json::from_str(SCENARIOS_JSON).map_err(|e| LoadError::Invalid(format!("demo-db/scenarios.json: {e}")))?;
    shift_times(&mut doc, scenario_shift(now));
    Ok(doc)
}

/// `now - anchor`, whole seconds.
#[must_use]
pub fn scenario_shift(now: DateTime<Utc>) -> Duration {
    let anchor = DateTime::parse_from_rfc3339(SCENARIO_ANCHOR).map_or(now, |a| a.with_timezone(&Utc));
    Duration::seconds((now - anchor).num_seconds())
}

/// Moves every RFC 3339 string under a key ending in `_at`, at any depth, by `by`.
pub fn shift_times(value: &mut Value, by: Duration) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if let (true, Value::String(s)) = (key.ends_with("_at"), &*v) {
                    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                        *v = Value::String(rfc3339(t.with_timezone(&Utc) + by));
                    }
                } else {
                    shift_times(v, by);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_times(v, by)),
        _ => {}
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn count_rows(doc: &Value) -> usize {
    doc.as_object().map_or(0, |m| m.values().filter_map(Value::as_array).map(Vec::len).sum())
}

// ------------------------------------------------------------------------------------------
// Generated runs: the plan (what the scenarios provide), the generator, the insert loop.

/// One environment runs are generated in, with who may start and reconcile runs there.
#[derive(Debug, Clone)]
struct EnvInfo {
    id: i64,
    workspace_id: i64,
    /// Owners of the workspace, and its managers/operators entitled to the environment.
    actors: Vec<i64>,
    /// Relative share of the generated runs.
    weight: u64,
}

/// The ids of an environment and its workspace.
#[derive(Debug, Clone, Copy)]
struct EnvRef {
    id: i64,
    workspace_id: i64,
}

impl EnvRef {
    const fn of(env: &EnvInfo) -> Self {
        Self { id: env.id, workspace_id: env.workspace_id }
    }
}

/// Everything the generator needs, read from the (shifted) scenario document.
#[derive(Debug, Clone)]
struct Plan {
    envs: Vec<EnvInfo>,
    runs: u64,
    now: DateTime<Utc>,
    first_op: i64,
    first_restore: i64,
    first_item: i64,
    first_evidence: i64,
    first_audit: i64,
    first_notification: i64,
    engine: Engine,
}

/// A row's field as an integer, or a message naming it.
fn int(row: &Value, table: &str, field: &str) -> Result<i64, LoadError> {
    row.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| LoadError::Invalid(format!("demo-db/scenarios.json: {table}.{field} is not an integer")))
}

fn rows<'a>(doc: &'a Value, table: &str) -> &'a [Value] {
    doc.get(table).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The share of generated runs an environment of the scenarios gets (busy production
/// tenants first).
fn env_weight(id: i64) -> u64 {
    match id {
        10 => 30,
        20 => 18,
        12 | 30 => 14,
        11 | 13 | 21 => 8,
        _ => 10,
    }
}

impl Plan {
    fn from_scenarios(doc: &Value, now: DateTime<Utc>, runs: u64) -> Result<Self, LoadError> {
        let mut roles: BTreeMap<(i64, i64), String> = BTreeMap::new();
        for m in rows(doc, "memberships") {
            let role = m.get("role").and_then(Value::as_str).unwrap_or_default().to_owned();
            roles.insert((int(m, "memberships", "workspace_id")?, int(m, "memberships", "operator_id")?), role);
        }
        let mut entitled: Vec<(i64, i64)> = Vec::new();
        for e in rows(doc, "entitlements") {
            entitled.push((int(e, "entitlements", "operator_id")?, int(e, "entitlements", "environment_id")?));
        }
        let mut envs = Vec::new();
        for e in rows(doc, "environments") {
            let id = int(e, "environments", "id")?;
            let workspace_id = int(e, "environments", "workspace_id")?;
            let actors: Vec<i64> = roles
                .iter()
                .filter(|((ws, _), _)| *ws == workspace_id)
                .filter(|((_, op), role)| {
                    role.as_str() == "owner"
                        || (matches!(role.as_str(), "manager" | "operator") && entitled.contains(&(*op, id)))
                })
                .map(|((_, op), _)| *op)
                .collect();
            if !actors.is_empty() {
                envs.push(EnvInfo { id, workspace_id, actors, weight: env_weight(id) });
            }
        }
        if envs.is_empty() && runs > 0 {
            return Err(LoadError::Invalid(
                "demo-db/scenarios.json: no environment has an operator who may run restores".to_owned(),
            ));
        }
        let after = |table: &str, floor: i64| -> i64 {
            rows(doc, table).iter().filter_map(|r| r.get("id").and_then(Value::as_i64)).max().map_or(floor, |m| {
                if m < floor {
                    floor
                } else {
                    m + 1
                }
            })
        };
        Ok(Self {
            envs,
            runs,
            // Generated times are whole seconds.
            now: now.trunc_subsecs(0),
            first_op: after("operation_runs", 100_000),
            first_restore: after("restore_runs", 100_000),
            first_item: after("restore_items", 1_000_000),
            first_evidence: after("evidence", 100_000),
            first_audit: after("audit_log", 1_000_000),
            first_notification: after("notifications", 100_000),
            engine: Engine::Sqlite,
        })
    }
}

/// Inserts the generated runs and the demo marker inside `tx` (see [`BULK_RUNS`] for
/// what large seeds do to indexes and keys meanwhile), then, on PostgreSQL, resyncs the
/// identity sequences past the explicit ids and refreshes the planner statistics.
async fn insert_synthetic(tx: &mut super::Tx, mut plan: Plan) -> Result<(), StoreError> {
    let engine = tx.engine();
    plan.engine = engine;
    let restore_ddl = match plan.engine {
        _ if plan.runs < BULK_RUNS => Vec::new(),
        Engine::Postgres => pg_set_aside_indexes_and_keys(tx).await?,
        Engine::Sqlite => sqlite_set_aside_indexes(tx).await?,
    };
    if plan.runs > 0 {
        let (send, mut recv) = tokio::sync::mpsc::channel::<Batch>(4);
        let generator = tokio::task::spawn_blocking(move || {
            Generator::new(plan).run(&mut |batch| send.blocking_send(batch).is_ok());
        });
        let mut failure = None;
        while let Some(batch) = recv.recv().await {
            let written = match &batch {
                Batch::Insert(sql) => tx.execute(sql).await,
                Batch::Copy { statement, rows, data } => match tx.copy_in(statement, data.as_bytes()).await {
                    Ok(n) if n == *rows as u64 => Ok(n),
                    Ok(n) => Err(StoreError::Driver(format!("{statement}: {n} rows copied, {rows} sent"))),
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = written {
                failure = Some(e);
                break;
            }
        }
        drop(recv);
        let joined = generator.await;
        if let Some(e) = failure {
            return Err(e);
        }
        if let Err(e) = joined {
            return Err(StoreError::Driver(format!("demo data generator stopped: {e}")));
        }
    }
    for ddl in &restore_ddl {
        tx.execute(&Sql::new(ddl)).await?;
    }
    let delete = Sql::new("DELETE FROM proofdesk_meta WHERE key = $1").arg(Arg::Text(DEMO_META_KEY.to_owned()));
    tx.execute(&delete).await?;
    let insert = Sql::new("INSERT INTO proofdesk_meta (key, value) VALUES ($1, $2)")
        .arg(Arg::Text(DEMO_META_KEY.to_owned()))
        .arg(Arg::Text("1".to_owned()));
    tx.execute(&insert).await?;
    if engine == Engine::Postgres {
        for sql in [
            "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), GREATEST((SELECT MAX(id) FROM audit_log), 1))",
            "SELECT setval(pg_get_serial_sequence('notifications', 'id'), \
             GREATEST((SELECT MAX(id) FROM notifications), 1))",
            "ANALYZE",
        ] {
            tx.execute(&Sql::new(sql)).await?;
        }
    }
    Ok(())
}

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
async fn pg_set_aside_indexes_and_keys(tx: &mut super::Tx) -> Result<Vec<String>, StoreError> {
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
async fn sqlite_set_aside_indexes(tx: &mut super::Tx) -> Result<Vec<String>, StoreError> {
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

/// A tiny deterministic generator (xorshift64*), so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// An index into `weights`, chosen in proportion to them.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // Callers pass non-empty constant tables.
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    /// Seconds in `lo..hi`.
    fn secs(&mut self, lo: i64, hi: i64) -> Duration {
        let span = u64::try_from(hi - lo).unwrap_or(1).max(1);
        Duration::seconds(lo + i64::try_from(self.below(span)).unwrap_or(0))
    }
}

/// Realistic Intune policies (type, display name). The length is prime, so any stride walks
/// distinct entries.
const POLICIES: [(&str, &str); 59] = [
    ("deviceConfiguration", "Win11 Security Baseline"),
    ("deviceConfiguration", "Windows 11 - BitLocker Encryption"),
    ("deviceConfiguration", "Windows - Wi-Fi Corp-Secure"),
    ("deviceConfiguration", "Windows - VPN AlwaysOn"),
    ("deviceConfiguration", "Windows - Defender Firewall"),
    ("deviceConfiguration", "Windows - Delivery Optimization"),
    ("deviceConfiguration", "Windows - Kiosk Lockdown"),
    ("deviceConfiguration", "macOS - FileVault"),
    ("deviceConfiguration", "macOS - Gatekeeper & System Extensions"),
    ("deviceConfiguration", "iOS - Device Restrictions"),
    ("deviceConfiguration", "iOS - Wi-Fi Guest"),
    ("deviceConfiguration", "Android Enterprise - Work Profile Restrictions"),
    ("deviceConfiguration", "Android Enterprise - Dedicated Devices"),
    ("deviceConfiguration", "Windows - SCEP Certificate (User)"),
    ("deviceConfiguration", "Windows - Trusted Root CA"),
    ("compliancePolicy", "iOS Compliance"),
    ("compliancePolicy", "Windows 10/11 Compliance - Corporate"),
    ("compliancePolicy", "Windows Compliance - BitLocker + Secure Boot"),
    ("compliancePolicy", "Android Enterprise Compliance"),
    ("compliancePolicy", "macOS Compliance - FileVault required"),
    ("compliancePolicy", "iPadOS Compliance - Shared Devices"),
    ("settingsCatalog", "Edge Hardening"),
    ("settingsCatalog", "Microsoft Edge - Security Baseline"),
    ("settingsCatalog", "OneDrive Known Folder Move"),
    ("settingsCatalog", "Windows LAPS"),
    ("settingsCatalog", "Office Apps - Macro Hardening"),
    ("settingsCatalog", "Defender for Endpoint - ASR Rules"),
    ("settingsCatalog", "Windows - Start Menu Layout"),
    ("settingsCatalog", "Teams - Meeting Policies (Device)"),
    ("settingsCatalog", "Windows - Credential Guard"),
    ("settingsCatalog", "macOS - Platform SSO"),
    ("configurationPolicy", "Windows Hello for Business"),
    ("configurationPolicy", "Endpoint Security - Attack Surface Reduction"),
    ("configurationPolicy", "Account Protection - LSA"),
    ("configurationPolicy", "Firewall Rules - Corp"),
    ("configurationPolicy", "Endpoint Detection and Response - Onboarding"),
    ("configurationPolicy", "Antivirus - Microsoft Defender"),
    ("windowsUpdateRing", "Update Ring - Pilot"),
    ("windowsUpdateRing", "Update Ring - Broad"),
    ("windowsUpdateRing", "Update Ring - Critical Servers"),
    ("windowsUpdateRing", "Update Ring - Insiders (IT)"),
    ("windowsUpdateRing", "Update Ring - Store Tills"),
    ("windowsFeatureUpdateProfile", "Feature Update - Windows 11 24H2"),
    ("windowsQualityUpdateProfile", "Expedited Quality Update - November"),
    ("appProtectionPolicy", "iOS MAM - Outlook & Teams"),
    ("appProtectionPolicy", "Android MAM - Corporate Data"),
    ("appProtectionPolicy", "Windows MAM - Edge"),
    ("appProtectionPolicy", "iOS MAM - BYOD Baseline"),
    ("mobileAppConfiguration", "Outlook iOS App Config"),
    ("mobileAppConfiguration", "Managed Google Play - Chrome Config"),
    ("deviceManagementScript", "Set Time Zone (PowerShell)"),
    ("deviceManagementScript", "Remove Bloatware (PowerShell)"),
    ("deviceHealthScript", "Remediation - Clear Teams Cache"),
    ("groupPolicyConfiguration", "ADMX - Office Trusted Locations"),
    ("windowsAutopilotDeploymentProfile", "Autopilot - User Driven (Entra joined)"),
    ("deviceEnrollmentConfiguration", "Enrollment Status Page - Default"),
    ("deviceEnrollmentConfiguration", "Windows Hello - Enrollment Defaults"),
    ("assignmentFilter", "Filter - Corporate Windows Devices"),
    ("roleScopeTag", "Scope Tag - EU Retail"),
];

const FAILURES: [(&str, &str); 9] = [
    ("graph_400", "Property 'omaSettings[3].value' is read-only"),
    ("graph_400", "Invalid value for setting 'DeviceLock_MinDevicePasswordLength': 3 (minimum 4)"),
    ("graph_403_forbidden", "Insufficient privileges: DeviceManagementConfiguration.ReadWrite.All not granted"),
    ("graph_404_not_found", "Assignment target group 7c1e2f3a-0b4d-4e5f-8a9b-1c2d3e4f5a6b not found"),
    ("graph_409_conflict", "A policy with the same displayName already exists"),
    ("graph_429_throttled", "Too many requests. Retry after 30 seconds."),
    ("graph_429_throttled", "Request was throttled (tenant write quota exceeded)"),
    ("graph_500", "An internal server error occurred. Please retry the request."),
    ("graph_503_unavailable", "Service Unavailable. The service is temporarily overloaded."),
];

const MANUAL: [&str; 4] = [
    "Assignment filter 'Corp devices' must be recreated by hand",
    "Certificate profile references a trusted root that is not in the backup",
    "Scope tag 'EU-Retail' does not exist in the target tenant",
    "App configuration targets an app that is not assigned in the target tenant",
];

const SKIPS: [(Option<&str>, &str); 3] = [
    (Some("dependency_failed"), "Skipped: a policy it depends on failed"),
    (Some("excluded_by_scope"), "Excluded by restore scope"),
    (None, "Not selected for this restore"),
];

const SOURCES: [&str; 4] = ["restore wizard", "api", "scheduled drill", "change request"];

/// Reconciled runs notify their initiator; the inbox keeps this many days.
const NOTIFICATION_DAYS: i64 = 30;

/// Item counts 1..=8: most restores carry a few policies (about three on average).
const ITEM_COUNT_WEIGHTS: [u64; 8] = [24, 22, 18, 12, 9, 7, 5, 3];

/// What the restore records of a generated run look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Clean,
    EvidenceMissing,
    EvidenceIncomplete,
    AuditGap,
    Mixed,
    NoneSucceeded,
    RestoreFailed,
    Blocked,
    NotStarted,
    NoItems,
    Interrupted,
}

const SHAPES: [(Shape, u64); 11] = [
    (Shape::Clean, 560),
    (Shape::EvidenceMissing, 70),
    (Shape::EvidenceIncomplete, 60),
    (Shape::AuditGap, 30),
    (Shape::Mixed, 110),
    (Shape::NoneSucceeded, 30),
    (Shape::RestoreFailed, 40),
    (Shape::Blocked, 40),
    (Shape::NotStarted, 20),
    (Shape::NoItems, 10),
    (Shape::Interrupted, 30),
];

/// Gaps a legacy worker recorded as `succeeded` anyway (drift).
const DRIFT_SHAPES: [Shape; 4] = [Shape::EvidenceMissing, Shape::EvidenceIncomplete, Shape::AuditGap, Shape::Mixed];

/// How the operation run ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    /// Completed by the reconciliation service: outcome from the proof.
    Reconciled,
    /// Completed by the worker with the outcome the proof supports (no reconciliation context).
    Worker,
    /// Completed `succeeded` by the old rule, proof says otherwise.
    Drift,
    /// Abandoned before execution.
    Cancelled,
    /// Never finished, long stale.
    Stale,
}

/// Column lists of the tables written, in insert order.
const OP_COLS: &[&str] = &[
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
const RESTORE_COLS: &[&str] = &[
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
const EVIDENCE_COLS: &[&str] =
    &["id", "restore_run_id", "kind", "status", "verified_items", "expected_items", "captured_at"];
const AUDIT_COLS: &[&str] = &[
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
const NOTIFICATION_COLS: &[&str] = &["id", "operator_id", "operation_run_id", "kind", "created_at"];

/// One write of generated rows.
#[derive(Debug)]
enum Batch {
    /// A multi-row `INSERT` of bound values (SQLite).
    Insert(Sql),
    /// `COPY … FROM STDIN` and its rows in COPY's text format (PostgreSQL): the server parses
    /// plain text instead of a statement of 65,535 bound parameters, several times faster.
    Copy { statement: String, rows: usize, data: String },
}

#[cfg(test)]
impl Batch {
    fn rows(&self, cols: usize) -> usize {
        match self {
            Self::Insert(sql) => sql.args.len() / cols.max(1),
            Self::Copy { rows, .. } => *rows,
        }
    }

    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Insert(a), Self::Insert(b)) => a.text == b.text && a.args == b.args,
            (Self::Copy { statement: a, data: x, .. }, Self::Copy { statement: b, data: y, .. }) => a == b && x == y,
            _ => false,
        }
    }
}

/// Rows of one table waiting to be written, flushed as statements of one fixed shape: bound
/// values for SQLite, COPY text for PostgreSQL.
struct TableBuf {
    table: &'static str,
    cols: &'static [&'static str],
    engine: Engine,
    rows_per_statement: usize,
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
    fn new(table: &'static str, cols: &'static [&'static str], engine: Engine) -> Self {
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

    fn push(&mut self, row: impl IntoIterator<Item = Arg>) {
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
    fn take_full(&mut self) -> Option<Batch> {
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
    fn take_rest(&mut self) -> Option<Batch> {
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

/// One generated item: catalog entry, outcome, error.
struct ItemPlan {
    policy: usize,
    outcome: ItemOutcome,
    error: Option<(Option<&'static str>, &'static str)>,
    payload: bool,
}

struct Generator {
    plan: Plan,
    rng: Rng,
    ops: TableBuf,
    restores: TableBuf,
    items: TableBuf,
    evidence: TableBuf,
    audit: TableBuf,
    notifications: TableBuf,
    next_item: i64,
    next_evidence: i64,
    next_audit: i64,
    next_notification: i64,
    env_weights: Vec<u64>,
    shape_weights: Vec<u64>,
    payload: String,
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_owned())
}

fn opt_text(s: Option<&str>) -> Arg {
    Arg::OptText(s.map(str::to_owned))
}

/// A JSON object written straight to compact text, in key order: what the JSON columns
/// hold, without building (and, when bound, deep-cloning) a `serde_json::Value` per row.
struct Json(String);

impl Json {
    fn new() -> Self {
        let mut s = String::with_capacity(128);
        s.push('{');
        Self(s)
    }

    fn key(&mut self, key: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_str(&mut self.0, key);
        self.0.push(':');
        &mut self.0
    }

    fn str(mut self, key: &str, value: &str) -> Self {
        push_json_str(self.key(key), value);
        self
    }

    fn int(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        use std::fmt::Write as _;
        let out = self.key(key);
        let _ = write!(out, "{value}");
        self
    }

    /// `value` is already JSON.
    fn raw(mut self, key: &str, value: &str) -> Self {
        self.key(key).push_str(value);
        self
    }

    fn done(mut self) -> String {
        self.0.push('}');
        self.0
    }

    fn arg(self) -> Arg {
        Arg::Text(self.done())
    }
}

/// A JSON string literal (quotes, backslashes and control characters escaped).
fn push_json_str(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Generator {
    fn new(plan: Plan) -> Self {
        let engine = plan.engine;
        let env_weights = plan.envs.iter().map(|e| e.weight).collect();
        Self {
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            ops: TableBuf::new("operation_runs", OP_COLS, engine),
            restores: TableBuf::new("restore_runs", RESTORE_COLS, engine),
            items: TableBuf::new("restore_items", ITEM_COLS, engine),
            evidence: TableBuf::new("evidence", EVIDENCE_COLS, engine),
            audit: TableBuf::new("audit_log", AUDIT_COLS, engine),
            notifications: TableBuf::new("notifications", NOTIFICATION_COLS, engine),
            next_item: plan.first_item,
            next_evidence: plan.first_evidence,
            next_audit: plan.first_audit,
            next_notification: plan.first_notification,
            env_weights,
            shape_weights: SHAPES.iter().map(|(_, w)| *w).collect(),
            payload: throttled_payload().to_string(),
            plan,
        }
    }

    /// Generates every run; `send` gets each statement in an order the foreign keys accept
    /// and returns false to stop.
    fn run(mut self, send: &mut dyn FnMut(Batch) -> bool) {
        let batch = self.ops.rows_per_statement as u64;
        let mut i = 0;
        while i < self.plan.runs {
            let end = (i + batch).min(self.plan.runs);
            for n in i..end {
                self.one(n);
            }
            i = end;
            // Parents first, whole; children whenever a full statement waits.
            let mut out: Vec<Batch> = Vec::new();
            out.extend(self.ops.take_rest());
            while let Some(s) = self.restores.take_full() {
                out.push(s);
            }
            out.extend(self.restores.take_rest());
            for buf in [&mut self.items, &mut self.evidence, &mut self.audit, &mut self.notifications] {
                while let Some(s) = buf.take_full() {
                    out.push(s);
                }
            }
            if i == self.plan.runs {
                for buf in [&mut self.items, &mut self.evidence, &mut self.audit, &mut self.notifications] {
                    out.extend(buf.take_rest());
                }
            }
            for sql in out {
                if !send(sql) {
                    return;
                }
            }
        }
    }

    fn audit_row(
        &mut self,
        env: EnvRef,
        actor: Option<i64>,
        action: &str,
        subject: (&str, i64),
        meta: Json,
        at: DateTime<Utc>,
    ) {
        let id = self.next_audit;
        self.next_audit += 1;
        self.audit.push([
            Arg::I64(id),
            Arg::I64(env.workspace_id),
            Arg::OptI64(Some(env.id)),
            Arg::OptI64(actor),
            text(action),
            text(subject.0),
            Arg::I64(subject.1),
            meta.arg(),
            Arg::Time(at),
        ]);
    }

    fn evidence_row(
        &mut self,
        restore_id: i64,
        status: EvidenceStatus,
        verified: u64,
        expected: u64,
        at: DateTime<Utc>,
    ) -> Evidence {
        let id = self.next_evidence;
        self.next_evidence += 1;
        let verified = i64::try_from(verified).unwrap_or(0);
        let expected = i64::try_from(expected).unwrap_or(0);
        self.evidence.push([
            Arg::I64(id),
            Arg::I64(restore_id),
            text("post_restore_snapshot"),
            text(status.as_str()),
            Arg::I64(verified),
            Arg::I64(expected),
            Arg::Time(at),
        ]);
        Evidence {
            id,
            restore_run_id: restore_id,
            kind: "post_restore_snapshot".to_owned(),
            status,
            verified_items: verified,
            expected_items: expected,
            captured_at: at,
        }
    }

    /// Items for a shape: `n` planned, outcomes as the shape needs.
    fn plan_items(&mut self, shape: Shape, n: usize) -> Vec<ItemPlan> {
        let len = POLICIES.len() as u64;
        let start = self.rng.below(len);
        let stride = 1 + self.rng.below(len - 1);
        let mut out = Vec::with_capacity(n);
        for k in 0..n as u64 {
            let policy = usize::try_from((start + k * stride) % len).unwrap_or(0);
            let success = if self.rng.chance(700) { ItemOutcome::Applied } else { ItemOutcome::Unchanged };
            out.push(ItemPlan { policy, outcome: success, error: None, payload: false });
        }
        let non_success = |g: &mut Self, it: &mut ItemPlan| {
            let roll = g.rng.below(10);
            if roll < 6 {
                let (code, msg) = *g.rng.pick(&FAILURES);
                it.outcome = ItemOutcome::Failed;
                it.error = Some((Some(code), msg));
                it.payload = g.rng.chance(150);
            } else if roll < 8 {
                it.outcome = ItemOutcome::ManualRequired;
                it.error = Some((Some("manual_step"), *g.rng.pick(&MANUAL)));
            } else {
                let (code, msg) = *g.rng.pick(&SKIPS);
                it.outcome = ItemOutcome::Skipped;
                it.error = Some((code, msg));
            }
        };
        match shape {
            Shape::Mixed => {
                // At least one success and one gap.
                let bad = 1 + usize::try_from(self.rng.below(n.max(2) as u64 - 1)).unwrap_or(0);
                for it in out.iter_mut().skip(n.saturating_sub(bad).max(1)) {
                    non_success(self, it);
                }
            }
            Shape::NoneSucceeded => out.iter_mut().for_each(|it| non_success(self, it)),
            Shape::RestoreFailed => {
                let keep = usize::try_from(self.rng.below(n as u64)).unwrap_or(0);
                for it in out.iter_mut().skip(keep) {
                    non_success(self, it);
                    if it.outcome != ItemOutcome::Failed {
                        it.outcome = ItemOutcome::Failed;
                        let (code, msg) = *self.rng.pick(&FAILURES);
                        it.error = Some((Some(code), msg));
                    }
                }
            }
            _ => {}
        }
        out
    }

    #[allow(clippy::too_many_lines)]
    fn one(&mut self, n: u64) {
        let plan_now = self.plan.now;
        let offset = i64::try_from(n).unwrap_or(i64::MAX);
        let op_id = self.plan.first_op + offset;
        let restore_id = self.plan.first_restore + offset;
        let env_index = self.rng.weighted(&self.env_weights);
        let env = EnvRef::of(&self.plan.envs[env_index]);
        let actors = &self.plan.envs[env_index].actors;
        let initiator = actors[usize::try_from(self.rng.below(actors.len() as u64)).unwrap_or(0)];
        let reconciler = actors[usize::try_from(self.rng.below(actors.len() as u64)).unwrap_or(0)];

        // created_at rises with the id over the two years before now (minus three hours).
        let span = (Duration::days(730) - Duration::hours(3)).num_seconds();
        let runs = i64::try_from(self.plan.runs.max(1)).unwrap_or(i64::MAX);
        let step = span / runs;
        let base = plan_now - Duration::days(730);
        let slot = i128::from(span) * i128::from(offset) / i128::from(runs);
        let jitter = if step > 1 { self.rng.secs(0, step) } else { Duration::zero() };
        let created = base + Duration::seconds(i64::try_from(slot).unwrap_or(0)) + jitter;

        let life = match self.rng.below(1000) {
            0..=879 => Life::Reconciled,
            880..=934 => Life::Worker,
            935..=979 => Life::Drift,
            980..=997 => Life::Cancelled,
            _ => Life::Stale,
        };
        let mut shape = match life {
            Life::Drift => *self.rng.pick(&DRIFT_SHAPES),
            Life::Cancelled => Shape::NotStarted,
            _ => SHAPES[self.rng.weighted(&self.shape_weights)].0,
        };
        if life == Life::Worker {
            shape = Shape::Clean;
        }

        let n_items = 1 + self.rng.weighted(&ITEM_COUNT_WEIGHTS);
        let n_items = if shape == Shape::Mixed { n_items.max(2) } else { n_items };

        // The restore record.
        let mut dry_run = false;
        let mut blocker: Option<Blocker> = None;
        let status = match shape {
            Shape::RestoreFailed => RestoreStatus::Failed,
            Shape::Blocked => {
                blocker = if self.rng.chance(120) { None } else { Some(*self.rng.pick(Blocker::ALL)) };
                RestoreStatus::Blocked
            }
            Shape::NotStarted if life == Life::Cancelled => {
                if self.rng.chance(500) {
                    RestoreStatus::Draft
                } else {
                    RestoreStatus::Previewed
                }
            }
            Shape::NotStarted => match self.rng.below(3) {
                0 => RestoreStatus::Draft,
                1 => RestoreStatus::Previewed,
                _ => {
                    dry_run = true;
                    RestoreStatus::Completed
                }
            },
            Shape::Interrupted => {
                if self.rng.chance(250) {
                    RestoreStatus::Queued
                } else {
                    RestoreStatus::Running
                }
            }
            _ if life == Life::Stale && self.rng.chance(400) => RestoreStatus::Running,
            _ => RestoreStatus::Completed,
        };
        let mut item_plans = match (shape, status) {
            (Shape::NoItems, _) | (_, RestoreStatus::Draft | RestoreStatus::Previewed | RestoreStatus::Queued) => {
                Vec::new()
            }
            (Shape::Blocked, _) => {
                if self.rng.chance(100) {
                    // Blocked part-way: something was written first.
                    let mut v = self.plan_items(Shape::Mixed, n_items.max(2));
                    v[0].outcome = ItemOutcome::Applied;
                    v
                } else {
                    Vec::new()
                }
            }
            _ => self.plan_items(shape, n_items),
        };
        if status == RestoreStatus::Running {
            // Interrupted part-way: only the items processed so far have outcomes.
            let done = usize::try_from(self.rng.below(item_plans.len() as u64 + 1)).unwrap_or(0);
            item_plans.truncate(done);
        }
        if dry_run {
            for it in &mut item_plans {
                it.outcome = ItemOutcome::Skipped;
                it.error = Some((Some("dry_run"), "Dry run: no change written"));
            }
        }

        let executed = !matches!(status, RestoreStatus::Draft | RestoreStatus::Previewed | RestoreStatus::Queued);
        let r_started = executed.then(|| created + self.rng.secs(10, 120));
        let duration =
            self.rng.secs(30, 60) + Duration::seconds(20 * i64::try_from(n_items).unwrap_or(1)) + self.rng.secs(0, 600);
        let r_completed = match status {
            RestoreStatus::Completed | RestoreStatus::Failed => r_started.map(|s| s + duration),
            _ => None,
        };

        let backup = format!("bs-{}-{:05}", env.id, (op_id * 7919).rem_euclid(100_000));
        self.restores.push([
            Arg::I64(restore_id),
            Arg::I64(env.workspace_id),
            Arg::I64(env.id),
            Arg::OptI64(Some(op_id)),
            Arg::Text(backup.clone()),
            text(status.as_str()),
            Arg::Bool(dry_run),
            opt_text(blocker.map(Blocker::as_str)),
            Arg::OptI64(Some(initiator)),
            Arg::OptTime(r_started),
            Arg::OptTime(r_completed),
            Arg::OptTime(None),
        ]);

        let mut counts = ItemCounts::default();
        for it in &item_plans {
            counts.add(it.outcome, 1);
            let (ptype, pname) = POLICIES[it.policy];
            let id = self.next_item;
            self.next_item += 1;
            let (code, msg) = it.error.map_or((None, None), |(c, m)| (c, Some(m)));
            let payload = it.payload.then(|| self.payload.clone());
            self.items.push([
                Arg::I64(id),
                Arg::I64(restore_id),
                text(ptype),
                text(pname),
                text(it.outcome.as_str()),
                opt_text(code),
                opt_text(msg),
                Arg::OptText(payload),
            ]);
        }

        // Post-run evidence.
        let succeeded = counts.succeeded();
        let mut latest: Option<Evidence> = None;
        if let Some(done) = r_completed.filter(|_| !dry_run) {
            let after = done + self.rng.secs(60, 900);
            latest = match shape {
                Shape::EvidenceMissing | Shape::NoneSucceeded | Shape::NoItems => None,
                Shape::EvidenceIncomplete => Some(match self.rng.below(4) {
                    0 => self.evidence_row(
                        restore_id,
                        EvidenceStatus::Incomplete,
                        succeeded.saturating_sub(1),
                        succeeded,
                        after,
                    ),
                    1 => self.evidence_row(restore_id, EvidenceStatus::Failed, 0, succeeded, after),
                    2 => self.evidence_row(
                        restore_id,
                        EvidenceStatus::Complete,
                        succeeded.saturating_sub(1),
                        succeeded.saturating_sub(1),
                        after,
                    ),
                    _ => {
                        let early = done - self.rng.secs(30, 300);
                        self.evidence_row(restore_id, EvidenceStatus::Complete, succeeded, succeeded, early)
                    }
                }),
                Shape::RestoreFailed if succeeded == 0 || self.rng.chance(500) => None,
                _ => Some(self.evidence_row(restore_id, EvidenceStatus::Complete, succeeded, succeeded, after)),
            };
        }

        // Audit continuity.
        let mut audit = Vec::with_capacity(2);
        let (mut write_start, mut write_end) =
            (r_started.is_some(), r_completed.is_some() || status == RestoreStatus::Blocked);
        if shape == Shape::AuditGap {
            if self.rng.chance(700) {
                write_end = false;
            } else {
                write_start = false;
            }
        }
        let items_total = i64::try_from(item_plans.len()).unwrap_or(0);
        if let (true, Some(at)) = (write_start, r_started) {
            let meta = Json::new().str("backup_set_ref", &backup).int("item_count", items_total);
            self.audit_row(env, Some(initiator), "restore.execute.started", ("restore_run", restore_id), meta, at);
            audit.push(AuditFact {
                action: "restore.execute.started".to_owned(),
                workspace_id: env.workspace_id,
                environment_id: env.id,
            });
        }
        if write_end {
            let at = r_completed.or(r_started.map(|s| s + Duration::seconds(5))).unwrap_or(created);
            let meta = Json::new().str("status", status.as_str()).int("item_count", items_total);
            self.audit_row(env, None, "restore.execute.completed", ("restore_run", restore_id), meta, at);
            audit.push(AuditFact {
                action: "restore.execute.completed".to_owned(),
                workspace_id: env.workspace_id,
                environment_id: env.id,
            });
        }

        // What the proof says, by the real rules, as if reconciled long after the fact.
        let source = *self.rng.pick(&SOURCES);
        let mut context = Map::new();
        context.insert("restore_run_id".to_owned(), Value::from(restore_id));
        let restore = RestoreRun {
            id: restore_id,
            workspace_id: env.workspace_id,
            environment_id: env.id,
            operation_run_id: Some(op_id),
            backup_set_ref: String::new(),
            status,
            is_dry_run: dry_run,
            blocker,
            requested_by: Some(initiator),
            started_at: r_started,
            completed_at: r_completed,
            deleted_at: None,
        };
        let bundle = ProofBundle {
            operation: OperationRun {
                id: op_id,
                workspace_id: env.workspace_id,
                environment_id: env.id,
                op_type: RESTORE_EXECUTE.to_owned(),
                status: OpStatus::Running,
                outcome: Outcome::Pending,
                initiator_id: Some(initiator),
                context: context.into(),
                summary_counts: JsonObject::default(),
                created_at: created,
                started_at: None,
                completed_at: None,
                updated_at: created,
            },
            restore: Some(restore),
            items: counts,
            latest_evidence: latest,
            audit,
        };
        let verdict = assess(&bundle, plan_now, Duration::minutes(30));
        let context = Json::new().int("restore_run_id", restore_id).str("source", source);

        let op_started = r_started.or_else(|| (status != RestoreStatus::Draft).then(|| created + Duration::seconds(5)));
        let finished = r_completed.or(r_started.map(|s| s + duration)).unwrap_or(created + duration);
        let (op_status, outcome, context, summary, completed_at, updated_at) =
            match (life, Outcome::from_decision(verdict.decision)) {
                (Life::Stale, _) | (_, None) => {
                    let op_status = if op_started.is_some() { OpStatus::Running } else { OpStatus::Queued };
                    let updated = r_started.unwrap_or(created) + self.rng.secs(30, 900);
                    (op_status, Outcome::Pending, context, Json::new(), None, updated)
                }
                (Life::Reconciled, Some(outcome)) => {
                    let reconciled_at =
                        (finished + self.rng.secs(35 * 60, 48 * 3600)).min(plan_now - Duration::seconds(60));
                    let completed_at = r_completed
                        .filter(|c| op_started.is_none_or(|s| *c >= s) && *c <= plan_now)
                        .unwrap_or(reconciled_at);
                    let context = context.raw("reconciliation", &reconciliation(&verdict, reconciled_at, reconciler));
                    let summary = summary_counts(&verdict);
                    let meta = Json::new()
                        .str("decision", verdict.decision.as_str())
                        .str("reason_code", verdict.reason_code.as_str())
                        .raw("findings", &findings(&verdict))
                        .int("restore_run_id", restore_id);
                    self.audit_row(
                        env,
                        Some(reconciler),
                        "operation_run.reconciled",
                        ("operation_run", op_id),
                        meta,
                        reconciled_at,
                    );
                    if reconciled_at > plan_now - Duration::days(NOTIFICATION_DAYS) {
                        // Notifications are an inbox: only the recent ones are kept.
                        let nid = self.next_notification;
                        self.next_notification += 1;
                        self.notifications.push([
                            Arg::I64(nid),
                            Arg::I64(initiator),
                            Arg::I64(op_id),
                            text("operation_run.terminal"),
                            Arg::Time(reconciled_at),
                        ]);
                    }
                    (OpStatus::Completed, outcome, context, summary, Some(completed_at), reconciled_at)
                }
                (Life::Worker, Some(outcome)) => (
                    OpStatus::Completed,
                    outcome,
                    context,
                    summary_counts(&verdict),
                    Some(finished),
                    finished + Duration::seconds(2),
                ),
                (Life::Drift, Some(_)) => (
                    OpStatus::Completed,
                    Outcome::Succeeded,
                    context,
                    Json::new().int("total", items_total).int("succeeded", items_total),
                    Some(finished),
                    finished + Duration::seconds(2),
                ),
                (Life::Cancelled, Some(_)) => {
                    let at = created + self.rng.secs(120, 3 * 3600);
                    (OpStatus::Completed, Outcome::Cancelled, context, Json::new(), Some(at), at)
                }
            };

        self.ops.push([
            Arg::I64(op_id),
            Arg::I64(env.workspace_id),
            Arg::I64(env.id),
            text(RESTORE_EXECUTE),
            text(op_status.as_str()),
            text(outcome.as_str()),
            Arg::OptI64(Some(initiator)),
            context.arg(),
            summary.arg(),
            Arg::Time(created),
            Arg::OptTime(op_started),
            Arg::OptTime(completed_at),
            Arg::Time(updated_at),
        ]);
    }
}

fn findings(v: &Verdict) -> String {
    let mut out = String::from("[");
    for (i, f) in v.findings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, f.as_str());
    }
    out.push(']');
    out
}

fn summary_counts(v: &Verdict) -> Json {
    let c = v.counts;
    Json::new()
        .int("total", c.total)
        .int("applied", c.applied)
        .int("unchanged", c.unchanged)
        .int("failed", c.failed)
        .int("skipped", c.skipped)
        .int("manual_required", c.manual_required)
        .int("succeeded", c.succeeded)
        .int("evidence_verified", c.evidence_verified)
        .int("evidence_expected", c.evidence_expected)
}

fn reconciliation(v: &Verdict, at: DateTime<Utc>, actor: i64) -> String {
    let proof = v.proof.as_ref().map_or_else(
        || "null".to_owned(),
        |p| {
            Json::new()
                .int("restore_run_id", p.restore_run_id)
                .str("restore_status", p.restore_status.as_str())
                .str("evidence_status", p.evidence_status.as_str())
                .str("audit", p.audit.as_str())
                .done()
        },
    );
    Json::new()
        .str("adapter", RESTORE_EXECUTE)
        .str("decision", v.decision.as_str())
        .str("reason_code", v.reason_code.as_str())
        .raw("findings", &findings(v))
        .str("reconciled_at", &rfc3339(at))
        .raw("actor", &Json::new().str("kind", "operator").int("id", actor).done())
        .raw("proof", &proof)
        .done()
}

/// A provider response kept on some failed items; its credentials are for masking demos.
fn throttled_payload() -> Value {
    serde_json::json!({
        "status": 429,
        "retryAfterSeconds": 30,
        "request": {
            "method": "PATCH",
            "url": "https://graph.microsoft.com/beta/deviceManagement/configurationPolicies",
            "headers": {"authorization": "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJkZW1vIjp0cnVlfQ.c2ln"}
        },
        "auth": {"client_id": "0f6c2d8e-7a41-4b3e-9c55-1d2e3f4a5b6c", "client_secret": "demo~NotARealSecret"}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn fixed_now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .map_or_else(|_| DateTime::default(), |t| t.with_timezone(&Utc))
    }

    #[test]
    fn every_time_under_an_at_key_moves_and_nothing_else_does() {
        let mut v = serde_json::json!({
            "created_at": "2026-11-20T11:00:00Z",
            "name": "2026-11-20T11:00:00Z",
            "context": {"reconciliation": {"reconciled_at": "2026-11-20T10:00:00+00:00"}},
            "rows": [{"deleted_at": null, "captured_at": "2026-11-19T12:00:00Z"}],
        });
        shift_times(&mut v, Duration::hours(2));
        assert_eq!(v["created_at"], "2026-11-20T13:00:00Z");
        assert_eq!(v["name"], "2026-11-20T11:00:00Z");
        assert_eq!(v["context"]["reconciliation"]["reconciled_at"], "2026-11-20T12:00:00Z");
        assert_eq!(v["rows"][0]["captured_at"], "2026-11-19T14:00:00Z");
        assert!(v["rows"][0]["deleted_at"].is_null());
    }

    #[test]
    fn the_shift_is_whole_seconds_from_the_anchor() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00.75Z").map(|t| t.with_timezone(&Utc));
        assert_eq!(now.map(scenario_shift), Ok(Duration::days(1)));
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

    #[test]
    fn the_generator_is_deterministic() {
        let doc = scenarios_at(fixed_now()).expect("scenarios parse");
        let now = DateTime::parse_from_rfc3339(SCENARIO_ANCHOR).map(|t| t.with_timezone(&Utc)).expect("anchor");
        let collect = || {
            let plan = Plan::from_scenarios(&doc, now, 300).expect("plan");
            let mut out = Vec::new();
            Generator::new(plan).run(&mut |sql| {
                out.push(sql);
                true
            });
            out
        };
        let (a, b) = (collect(), collect());
        assert_eq!(a.len(), b.len());
        assert!(a.iter().zip(&b).all(|(x, y)| x.same(y)));
        assert!(matches!(&a[0], Batch::Insert(sql) if sql.text.starts_with("INSERT INTO operation_runs")));
    }
}
