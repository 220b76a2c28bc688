//! `kill -9` at random points of the two bulk writers, `db load` of a large fixture and
//! `db seed-demo --runs 30000` (the bulk path that sets indexes aside inside its transaction),
//! on SQLite and (when `PROOFDESK_TEST_PG_URL` is set) PostgreSQL. After every kill the
//! database holds everything or nothing, table by table; SQLite passes `integrity_check` and
//! `foreign_key_check`; the schema (indexes, constraints) is exactly the migrated one; on
//! PostgreSQL no session or lock is left behind. A complete run afterwards succeeds.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{code, stale_runs_doc, stderr, write_doc, TestDb, NOW};
use proofdesk::demo::BULK_RUNS;
use proofdesk::store::{Create, Sql, Store};

const TABLES: [&str; 12] = [
    "workspaces",
    "environments",
    "operators",
    "memberships",
    "entitlements",
    "operation_runs",
    "restore_runs",
    "restore_items",
    "evidence",
    "audit_log",
    "notifications",
    "proofdesk_meta",
];

/// Kills per backend and command: as many as fit in the time budget, within these bounds.
const ROUNDS: (usize, usize) = (5, 15);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn fresh(label: &str) -> TestDb {
    if label == "sqlite" {
        TestDb::sqlite()
    } else {
        TestDb::postgres().expect("postgres")
    }
}

/// What a database holds: rows per table, and its schema (indexes and constraints).
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    counts: Vec<i64>,
    schema: Vec<String>,
}

impl State {
    fn is_empty(&self) -> bool {
        self.counts.iter().all(|n| *n == 0)
    }
}

/// On PostgreSQL, waits until no session is left on the database, then checks that no lock
/// is held on it either. Sessions of a killed client end once the server notices.
async fn pg_nothing_left(db: &TestDb) {
    use sqlx::Connection;
    let base = std::env::var("PROOFDESK_TEST_PG_URL").expect("pg url");
    let (_, name) = db.url.rsplit_once('/').expect("database name");
    let mut admin =
        sqlx::PgConnection::connect(&format!("{}/postgres", base.trim_end_matches('/'))).await.expect("admin");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sessions: Vec<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT state, query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
                .bind(name)
                .fetch_all(&mut admin)
                .await
                .expect("pg_stat_activity");
        if sessions.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "[postgres] sessions left on {name}: {sessions:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let locks: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = $1")
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .expect("pg_locks");
    assert_eq!(locks.0, 0, "[postgres] locks left on {name}");
    admin.close().await.expect("close");
}

/// SQLite: the file is sound, and no row points at a missing one.
async fn sqlite_sound(db: &TestDb) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
    let check: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&mut c).await.expect("integrity");
    assert_eq!(check, vec![("ok".to_owned(),)], "[sqlite] integrity_check");
    let dangling = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut c).await.expect("foreign_key_check");
    assert!(dangling.is_empty(), "[sqlite] foreign_key_check: {} rows", dangling.len());
    c.close().await.expect("close");
}

/// Checks the database after a kill and reads what it holds. A kill before the migrations ran
/// leaves an empty schema: opening migrates it, as every command does.
fn inspect(db: &TestDb) -> State {
    rt().block_on(async {
        if db.label == "sqlite" {
            if !std::path::Path::new(db.url.trim_start_matches("sqlite:")).exists() {
                return None;
            }
            sqlite_sound(db).await;
        } else {
            pg_nothing_left(db).await;
        }
        Some(())
    });
    rt().block_on(async {
        let store = Store::open(&db.url, Create::IfMissing).await.expect("open after the kill");
        let mut counts = Vec::new();
        for table in TABLES {
            let n: Option<(i64,)> =
                store.fetch_optional(&Sql::new(&format!("SELECT COUNT(*) FROM {table}"))).await.expect("count");
            counts.push(n.map_or(0, |r| r.0));
        }
        let schema_sql = if db.label == "sqlite" {
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY 1"
        } else {
            "SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || \
             pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
             ORDER BY 1"
        };
        let schema: Vec<(String,)> = store.fetch_all(&Sql::new(schema_sql)).await.expect("schema");
        store.close().await;
        State { counts, schema: schema.into_iter().map(|r| r.0).collect() }
    })
}

/// xorshift64: reproducible "random" kill points.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Runs `args` to completion on fresh databases and kills it at random points on others;
/// every killed database holds all of it or none of it, and a complete run on a killed one
/// works.
fn kill_at_random_points(args: &[&str], seed: u64, budget: Duration) {
    let labels: Vec<&str> = TestDb::all().iter().map(|d| d.label).collect();
    for label in labels {
        // The reference: a complete run, and how long it takes.
        let reference_db = fresh(label);
        let started = Instant::now();
        let out = reference_db.command(args).output().expect("run");
        let full_time = started.elapsed();
        assert_eq!(code(&out), 0, "[{label}] {args:?}: {}", stderr(&out));
        let full = inspect(&reference_db);
        assert!(full.counts[5] > 0, "[{label}] the reference run wrote runs: {full:?}");
        drop(reference_db);
        let migrated = {
            let db = fresh(label);
            let out = db.run(&["db", "migrate"]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            inspect(&db)
        };
        assert_eq!(full.schema, migrated.schema, "[{label}] a complete run leaves the migrated schema");

        let mut window = u64::try_from(full_time.as_millis()).expect("ms") * 6 / 5;
        // A round costs the kill delay (0.6 of the run on average) plus the checks.
        let per_round = full_time.as_secs_f64() * 0.6 + 0.7;
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a small positive count of rounds, clamped next"
        )]
        let rounds = ((budget.as_secs_f64() / per_round) as usize).clamp(ROUNDS.0, ROUNDS.1);
        let mut rng = Rng(seed);
        let (mut nothing, mut everything) = (0, 0);
        let mut killed_empty: Option<TestDb> = None;
        for round in 0..rounds {
            let db = fresh(label);
            let delay = Duration::from_millis(rng.below(window));
            let mut child = db.command(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
            std::thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
            let state = inspect(&db);
            assert_eq!(state.schema, migrated.schema, "[{label}] round {round} ({delay:?}): schema intact");
            if state.is_empty() {
                nothing += 1;
                killed_empty = Some(db);
            } else {
                assert_eq!(
                    state.counts, full.counts,
                    "[{label}] round {round}, killed after {delay:?}: all or nothing (tables: {TABLES:?})"
                );
                everything += 1;
                // The run beat its kill: runs are faster now than the reference was (a busy
                // machine), so later kill points come from a narrower window.
                window = (window / 2).max(50);
            }
        }
        eprintln!(
            "[{label}] {args:?}: {nothing} kills left nothing, {everything} left everything \
             (window {window} ms, full run {full_time:?})"
        );
        let db = killed_empty.unwrap_or_else(|| panic!("[{label}] no kill landed before the commit"));
        let out = db.command(args).output().expect("run");
        assert_eq!(code(&out), 0, "[{label}] a complete run after the kills: {}", stderr(&out));
        assert_eq!(inspect(&db), full, "[{label}] the complete run after the kills wrote everything");
    }
}

#[test]
fn killing_db_load_of_a_large_fixture_is_all_or_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write_doc(dir.path(), "large.json", &stale_runs_doc(2500));
    let file = file.to_str().expect("utf-8").to_owned();
    kill_at_random_points(&["db", "load", &file], 0x2545_F491_4F6C_DD1D, Duration::from_secs(20));
}

/// The smallest seed that takes the bulk path (indexes, and on PostgreSQL foreign keys, dropped
/// and rebuilt inside the transaction).
#[test]
fn killing_a_bulk_demo_seed_is_all_or_nothing() {
    let runs = BULK_RUNS.to_string();
    kill_at_random_points(
        &["--now", NOW, "db", "seed-demo", "--runs", &runs],
        0x9E37_79B9_7F4A_7C15,
        Duration::from_secs(20),
    );
}
