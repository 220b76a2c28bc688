-- proofdesk schema, SQLite. Times are RFC 3339 text in UTC; JSON columns are text.
-- Vocabulary columns carry no CHECK: other systems share this database, and a value outside
-- the contract must still be listed (as unreadable) rather than make the table unusable.
-- Links between restore records (item -> restore, evidence -> restore, restore -> operation)
-- are not foreign keys: a restore that was hard-deleted or points at the wrong operation is
-- exactly what the proof rules must see and report, so such rows must be storable.

CREATE TABLE workspaces (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE environments (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL,
    tenant_ref   TEXT NOT NULL
);

CREATE TABLE operators (
    id           INTEGER PRIMARY KEY,
    handle       TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL
);

CREATE TABLE memberships (
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    role         TEXT NOT NULL,
    PRIMARY KEY (operator_id, workspace_id)
);

CREATE TABLE entitlements (
    operator_id    INTEGER NOT NULL REFERENCES operators(id),
    environment_id INTEGER NOT NULL REFERENCES environments(id),
    PRIMARY KEY (operator_id, environment_id)
);

CREATE TABLE operation_runs (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id),
    environment_id INTEGER NOT NULL REFERENCES environments(id),
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    initiator_id   INTEGER REFERENCES operators(id),
    context        TEXT NOT NULL DEFAULT '{}',
    summary_counts TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    completed_at   TEXT,
    updated_at     TEXT NOT NULL
);
CREATE INDEX operation_runs_newest ON operation_runs (created_at DESC, id DESC);
CREATE INDEX operation_runs_type_newest ON operation_runs (type, created_at DESC, id DESC);
CREATE INDEX operation_runs_scope ON operation_runs (workspace_id, environment_id, created_at DESC);
CREATE INDEX operation_runs_status ON operation_runs (status, updated_at);
CREATE INDEX operation_runs_outcome ON operation_runs (outcome, created_at DESC);
CREATE INDEX operation_runs_updated ON operation_runs (updated_at);

CREATE TABLE restore_runs (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id),
    environment_id   INTEGER NOT NULL REFERENCES environments(id),
    operation_run_id INTEGER,
    backup_set_ref   TEXT NOT NULL,
    status           TEXT NOT NULL,
    is_dry_run       BOOLEAN NOT NULL DEFAULT 0,
    blocker          TEXT,
    requested_by     INTEGER REFERENCES operators(id),
    started_at       TEXT,
    completed_at     TEXT,
    deleted_at       TEXT
);
CREATE INDEX restore_runs_operation ON restore_runs (operation_run_id);

CREATE TABLE restore_items (
    id               INTEGER PRIMARY KEY,
    restore_run_id   INTEGER NOT NULL,
    policy_type      TEXT NOT NULL,
    policy_name      TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    error_code       TEXT,
    error_message    TEXT,
    provider_payload TEXT
);
CREATE INDEX restore_items_restore ON restore_items (restore_run_id, outcome);
CREATE INDEX restore_items_policy_name ON restore_items (policy_name COLLATE NOCASE);

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    restore_run_id INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    verified_items INTEGER NOT NULL,
    expected_items INTEGER NOT NULL,
    captured_at    TEXT NOT NULL
);
CREATE INDEX evidence_restore ON evidence (restore_run_id, captured_at DESC, id DESC);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id),
    environment_id INTEGER REFERENCES environments(id),
    actor_id       INTEGER REFERENCES operators(id),
    action         TEXT NOT NULL,
    subject_type   TEXT NOT NULL,
    subject_id     INTEGER NOT NULL,
    metadata       TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, action);

-- The audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    operator_id      INTEGER NOT NULL REFERENCES operators(id),
    operation_run_id INTEGER NOT NULL REFERENCES operation_runs(id),
    kind             TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX notifications_operator ON notifications (operator_id, created_at);

-- Facts about the database itself (e.g. that it holds the demo data set).
CREATE TABLE proofdesk_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
