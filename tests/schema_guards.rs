//! What the schema itself refuses, whoever writes (migration 0003): every hard reference of
//! the contract, the composite "environment of its own workspace", and an audit log that is
//! append-only against every SQL form each engine offers. The statements go straight to the
//! database, past proofdesk's loader and service; on SQLite with `PRAGMA foreign_keys = OFF`,
//! as another system sharing the file may have it.
//!
//! SQLite always; PostgreSQL too when `PROOFDESK_TEST_PG_URL` is set.

mod common;

use common::{case, TestDb};
use sqlx::Connection;

enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Raw {
    /// A plain driver connection to `db`, holding case 19 (restore 500 with items 5000-5002
    /// and evidence 700, audit rows 900 and 901, environments 10-12 of workspace 1 and 20 of 2).
    async fn open(db: &TestDb) -> Self {
        db.load(&case("19-proof-complete.json"));
        if db.label == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect sqlite");
            sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut c).await.expect("pragma");
            sqlx::query("PRAGMA recursive_triggers = OFF").execute(&mut c).await.expect("pragma");
            Self::Sqlite(c)
        } else {
            Self::Postgres(sqlx::PgConnection::connect(&db.url).await.expect("connect postgres"))
        }
    }

    async fn exec(&mut self, sql: &str) -> Result<u64, String> {
        match self {
            Self::Sqlite(c) => sqlx::query(sql).execute(c).await.map(|r| r.rows_affected()),
            Self::Postgres(c) => sqlx::query(sql).execute(c).await.map(|r| r.rows_affected()),
        }
        .map_err(|e| e.to_string())
    }

    /// Every audit row as one line of text, in id order.
    async fn audit(&mut self) -> Vec<String> {
        let sql = "SELECT CAST(id AS TEXT), action, CAST(subject_id AS TEXT), CAST(metadata AS TEXT), \
                   CAST(created_at AS TEXT) FROM audit_log ORDER BY id";
        let rows: Vec<(String, String, String, String, String)> = match self {
            Self::Sqlite(c) => sqlx::query_as(sql).fetch_all(c).await,
            Self::Postgres(c) => sqlx::query_as(sql).fetch_all(c).await,
        }
        .expect("read audit_log");
        rows.into_iter().map(|r| format!("{} {} {} {} {}", r.0, r.1, r.2, r.3, r.4)).collect()
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

const AUDIT_COLUMNS: &str =
    "(id, workspace_id, environment_id, action, subject_type, subject_id, metadata, created_at)";

/// Statements that would change or remove audit row 900 (or every row), per engine.
fn audit_attacks(engine: &str) -> Vec<(&'static str, String)> {
    let forged = "(900, 1, 10, 'forged', 'restore_run', 500, '{}', '2026-01-01T00:00:00Z')";
    let mut v = vec![
        ("UPDATE", "UPDATE audit_log SET action = 'forged' WHERE id = 900".to_owned()),
        ("DELETE", "DELETE FROM audit_log WHERE id = 900".to_owned()),
        ("DELETE all", "DELETE FROM audit_log".to_owned()),
    ];
    if engine == "sqlite" {
        v.extend([
            ("INSERT OR REPLACE", format!("INSERT OR REPLACE INTO audit_log {AUDIT_COLUMNS} VALUES {forged}")),
            ("REPLACE INTO", format!("REPLACE INTO audit_log {AUDIT_COLUMNS} VALUES {forged}")),
            (
                "INSERT ON CONFLICT DO UPDATE",
                format!(
                    "INSERT INTO audit_log {AUDIT_COLUMNS} VALUES {forged} \
                     ON CONFLICT(id) DO UPDATE SET action = excluded.action"
                ),
            ),
            ("UPDATE OR REPLACE", "UPDATE OR REPLACE audit_log SET id = 900 WHERE id = 901".to_owned()),
            ("UPDATE OR IGNORE", "UPDATE OR IGNORE audit_log SET action = 'forged' WHERE id = 900".to_owned()),
        ]);
    } else {
        v.extend([
            ("TRUNCATE", "TRUNCATE audit_log".to_owned()),
            ("TRUNCATE CASCADE", "TRUNCATE workspaces CASCADE".to_owned()),
            (
                "INSERT ON CONFLICT DO UPDATE",
                format!(
                    "INSERT INTO audit_log {AUDIT_COLUMNS} VALUES {forged} \
                     ON CONFLICT (id) DO UPDATE SET action = excluded.action"
                ),
            ),
            (
                "MERGE UPDATE",
                "MERGE INTO audit_log a USING (SELECT 900 AS id) s ON a.id = s.id \
                 WHEN MATCHED THEN UPDATE SET action = 'forged'"
                    .to_owned(),
            ),
            (
                "MERGE DELETE",
                "MERGE INTO audit_log a USING (SELECT 900 AS id) s ON a.id = s.id WHEN MATCHED THEN DELETE".to_owned(),
            ),
        ]);
    }
    v
}

#[test]
fn the_audit_log_is_append_only_against_every_sql_form() {
    for db in TestDb::all() {
        rt().block_on(async {
            let mut raw = Raw::open(&db).await;
            let before = raw.audit().await;
            assert_eq!(before.len(), 2);
            for (form, sql) in audit_attacks(db.label) {
                let result = raw.exec(&sql).await;
                assert!(result.is_err(), "[{}] {form} was accepted: {sql}", db.label);
                assert_eq!(raw.audit().await, before, "[{}] {form} changed the audit log", db.label);
            }
            // Appending still works, and only appending.
            let new = "(902, 1, 10, 'note', 'operation_run', 1000, '{}', '2026-11-20T12:00:00Z')";
            raw.exec(&format!("INSERT INTO audit_log {AUDIT_COLUMNS} VALUES {new}")).await.expect("append");
            assert_eq!(raw.audit().await.len(), 3, "[{}]", db.label);
            assert_eq!(raw.audit().await[..2], before[..], "[{}]", db.label);
        });
    }
}

#[test]
fn the_schema_refuses_every_dangling_hard_reference() {
    for db in TestDb::all() {
        rt().block_on(async {
            let mut raw = Raw::open(&db).await;
            let refused = [
                (
                    "item of a missing restore",
                    "INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
                     VALUES (9001, 999, 'p', 'n', 'applied')",
                ),
                ("item moved to a missing restore", "UPDATE restore_items SET restore_run_id = 999 WHERE id = 5000"),
                (
                    "evidence of a missing restore",
                    "INSERT INTO evidence (id, restore_run_id, kind, status, verified_items, expected_items, captured_at) \
                     VALUES (9001, 999, 'post_restore_snapshot', 'complete', 1, 1, '2026-11-20T10:00:00Z')",
                ),
                ("evidence moved to a missing restore", "UPDATE evidence SET restore_run_id = 999 WHERE id = 700"),
                ("hard delete of a restore with items", "DELETE FROM restore_runs WHERE id = 500"),
                ("renumbering a restore with items", "UPDATE restore_runs SET id = 501 WHERE id = 500"),
                (
                    "operation in an environment of another workspace",
                    "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, context, \
                     summary_counts, created_at, updated_at) VALUES (1001, 1, 20, 'restore.execute', 'queued', \
                     'pending', '{}', '{}', '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z')",
                ),
                ("operation moved to another workspace", "UPDATE operation_runs SET workspace_id = 2 WHERE id = 1000"),
                (
                    "restore in an environment of another workspace",
                    "INSERT INTO restore_runs (id, workspace_id, environment_id, backup_set_ref, status) \
                     VALUES (501, 2, 10, 'bs', 'draft')",
                ),
                ("restore moved to another environment's workspace", "UPDATE restore_runs SET environment_id = 20 WHERE id = 500"),
                ("environment with runs moved to another workspace", "UPDATE environments SET workspace_id = 2 WHERE id = 10"),
            ];
            for (what, sql) in refused {
                assert!(raw.exec(sql).await.is_err(), "[{}] {what} was accepted", db.label);
            }
            // Soft links stay soft; consistent writes pass.
            let accepted = [
                (
                    "restore linked to a missing operation",
                    "INSERT INTO restore_runs (id, workspace_id, environment_id, operation_run_id, backup_set_ref, status) \
                     VALUES (502, 1, 11, 424242, 'bs', 'draft')",
                ),
                (
                    "item of an existing restore",
                    "INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
                     VALUES (9002, 502, 'p', 'n', 'applied')",
                ),
                ("restore moved within its workspace", "UPDATE restore_runs SET environment_id = 12 WHERE id = 502"),
                ("environment without runs moved", "UPDATE environments SET workspace_id = 1 WHERE id = 20"),
            ];
            for (what, sql) in accepted {
                raw.exec(sql).await.unwrap_or_else(|e| panic!("[{}] {what} was refused: {e}", db.label));
            }
        });
    }
}

/// A database at migration 0002 holding rows 0003 forbids (an orphan item, a run in an
/// environment of another workspace) still migrates: those rows stay readable, and every new
/// write is held to the rule. On PostgreSQL the broken constraints stay `NOT VALID`, the
/// clean ones are validated.
#[test]
fn migration_0003_keeps_a_database_that_already_breaks_it_usable() {
    use proofdesk::store::{Create, Store};
    for db in TestDb::all() {
        rt().block_on(async {
            let legacy = [
                "INSERT INTO workspaces (id, name) VALUES (1, 'A'), (2, 'B')",
                "INSERT INTO environments (id, workspace_id, name, tenant_ref) VALUES (10, 1, 'a', 't'), (20, 2, 'b', 't')",
                "INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
                 VALUES (1, 999, 'p', 'n', 'applied')",
                "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, context, \
                 summary_counts, created_at, updated_at) VALUES (1000, 1, 20, 'restore.execute', 'queued', \
                 'pending', '{}', '{}', '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z')",
            ];
            let new_orphan = "INSERT INTO restore_items (id, restore_run_id, policy_type, policy_name, outcome) \
                              VALUES (2, 999, 'p', 'n', 'applied')";
            if db.label == "sqlite" {
                let opts = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(db.url.trim_start_matches("sqlite:"))
                    .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(opts).await.expect("create");
                let mut m = sqlx::migrate!("./migrations/sqlite");
                m.migrations = m.migrations.iter().filter(|x| x.version <= 2).cloned().collect::<Vec<_>>().into();
                m.run(&pool).await.expect("migrate to 0002");
                for s in legacy {
                    sqlx::query(s).execute(&pool).await.unwrap_or_else(|e| panic!("{s}: {e}"));
                }
                pool.close().await;
            } else {
                let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
                let mut m = sqlx::migrate!("./migrations/postgres");
                m.migrations = m.migrations.iter().filter(|x| x.version <= 2).cloned().collect::<Vec<_>>().into();
                m.run(&pool).await.expect("migrate to 0002");
                for s in legacy {
                    sqlx::query(s).execute(&pool).await.unwrap_or_else(|e| panic!("{s}: {e}"));
                }
                pool.close().await;
            }
            let store = Store::open(&db.url, Create::Never).await.expect("0003 applies over legacy rows");
            store.close().await;
            let mut raw = if db.label == "sqlite" {
                Raw::Sqlite(sqlx::SqliteConnection::connect(&db.url).await.expect("connect"))
            } else {
                Raw::Postgres(sqlx::PgConnection::connect(&db.url).await.expect("connect"))
            };
            assert!(raw.exec(new_orphan).await.is_err(), "[{}] a new orphan is refused", db.label);
        });
        assert_eq!(db.scalar("SELECT COUNT(*) FROM restore_items"), 1, "[{}] the legacy row stays", db.label);
        if db.label == "postgres" {
            let unvalidated = db.text(
                "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint \
                 WHERE NOT convalidated AND contype = 'f'",
            );
            assert_eq!(
                unvalidated.as_deref(),
                Some("operation_runs_environment_in_workspace_fkey,restore_items_restore_run_id_fkey"),
                "only the constraints old rows break stay NOT VALID"
            );
        }
    }
}
