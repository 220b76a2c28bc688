-- Hard references the contract lists (domain.md, "References") that 0001 left out, and an
-- audit log that stays append-only against every SQL form.
--
-- Correction to the header of 0001 (which cannot be edited: sqlx checksums applied
-- migrations, and every existing database would refuse to open): `restore_items.restore_run_id`
-- and `evidence.restore_run_id` ARE hard references from this migration on (an item or an
-- evidence row belongs to a restore that exists), and an operation's or a restore's
-- environment must be an environment of its own workspace. Only three links stay soft,
-- because they are what the proof rules exist to detect: `operation_runs.context.restore_run_id`,
-- `restore_runs.operation_run_id` and `audit_log.subject_id`.
--
-- Why triggers, not a rebuild of the tables with REFERENCES clauses (SQLite's 12-step
-- procedure): SQLite cannot add a constraint with ALTER TABLE, and the rebuild needs
-- `PRAGMA foreign_keys = OFF`, which is a no-op inside the transaction every migration runs in
-- (so the copy of a table other tables refer to would fail or cascade); it also copies every
-- row (a million runs in the bench database) and recreates every index. Triggers are added in
-- place, inside the migration's transaction, and, unlike REFERENCES clauses, they hold for
-- every connection: SQLite enforces foreign keys only on connections that turn
-- `PRAGMA foreign_keys` on, and other systems share this database. Each reference is guarded
-- from both ends, as a foreign key is: the child may not name a missing parent (INSERT, and
-- UPDATE of the column) and the parent may not go away (DELETE, UPDATE of its key) while a
-- child names it. Rows already stored are not judged (a foreign key added to PostgreSQL with
-- NOT VALID does the same when old rows break it); the readers treat such rows as they
-- always did (a run whose environment is of another workspace is visible to no one).
--
-- The fixture loader checks every one of these first and names the bad value; the messages
-- below are the backstop for every other writer.

-- Items and evidence belong to a restore that exists.
CREATE TRIGGER restore_items_restore_run_exists_insert BEFORE INSERT ON restore_items
WHEN NOT EXISTS (SELECT 1 FROM restore_runs WHERE id = NEW.restore_run_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: restore_items.restore_run_id names no restore_runs row');
END;
CREATE TRIGGER restore_items_restore_run_exists_update BEFORE UPDATE OF restore_run_id ON restore_items
WHEN NOT EXISTS (SELECT 1 FROM restore_runs WHERE id = NEW.restore_run_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: restore_items.restore_run_id names no restore_runs row');
END;
CREATE TRIGGER evidence_restore_run_exists_insert BEFORE INSERT ON evidence
WHEN NOT EXISTS (SELECT 1 FROM restore_runs WHERE id = NEW.restore_run_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: evidence.restore_run_id names no restore_runs row');
END;
CREATE TRIGGER evidence_restore_run_exists_update BEFORE UPDATE OF restore_run_id ON evidence
WHEN NOT EXISTS (SELECT 1 FROM restore_runs WHERE id = NEW.restore_run_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: evidence.restore_run_id names no restore_runs row');
END;
-- A restore with items or evidence is not hard-deleted, nor renumbered (soft delete is
-- `deleted_at`).
CREATE TRIGGER restore_runs_keep_children_delete BEFORE DELETE ON restore_runs
WHEN EXISTS (SELECT 1 FROM restore_items WHERE restore_run_id = OLD.id)
  OR EXISTS (SELECT 1 FROM evidence WHERE restore_run_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: restore_items or evidence still name this restore_runs row');
END;
CREATE TRIGGER restore_runs_keep_children_update BEFORE UPDATE OF id ON restore_runs
WHEN NEW.id IS NOT OLD.id
 AND (EXISTS (SELECT 1 FROM restore_items WHERE restore_run_id = OLD.id)
   OR EXISTS (SELECT 1 FROM evidence WHERE restore_run_id = OLD.id))
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: restore_items or evidence still name this restore_runs row');
END;

-- An operation's and a restore's environment is an environment of its own workspace.
CREATE TRIGGER operation_runs_environment_in_workspace_insert BEFORE INSERT ON operation_runs
WHEN NOT EXISTS (SELECT 1 FROM environments WHERE id = NEW.environment_id AND workspace_id = NEW.workspace_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: operation_runs.environment_id is not an environment of its workspace_id');
END;
CREATE TRIGGER operation_runs_environment_in_workspace_update BEFORE UPDATE OF workspace_id, environment_id ON operation_runs
WHEN NOT EXISTS (SELECT 1 FROM environments WHERE id = NEW.environment_id AND workspace_id = NEW.workspace_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: operation_runs.environment_id is not an environment of its workspace_id');
END;
CREATE TRIGGER restore_runs_environment_in_workspace_insert BEFORE INSERT ON restore_runs
WHEN NOT EXISTS (SELECT 1 FROM environments WHERE id = NEW.environment_id AND workspace_id = NEW.workspace_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: restore_runs.environment_id is not an environment of its workspace_id');
END;
CREATE TRIGGER restore_runs_environment_in_workspace_update BEFORE UPDATE OF workspace_id, environment_id ON restore_runs
WHEN NOT EXISTS (SELECT 1 FROM environments WHERE id = NEW.environment_id AND workspace_id = NEW.workspace_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: restore_runs.environment_id is not an environment of its workspace_id');
END;
-- An environment with runs or restores keeps its workspace (and its id).
CREATE TRIGGER environments_keep_scope_update BEFORE UPDATE OF id, workspace_id ON environments
WHEN (NEW.id IS NOT OLD.id OR NEW.workspace_id IS NOT OLD.workspace_id)
 AND (EXISTS (SELECT 1 FROM operation_runs WHERE environment_id = OLD.id AND workspace_id = OLD.workspace_id)
   OR EXISTS (SELECT 1 FROM restore_runs WHERE environment_id = OLD.id AND workspace_id = OLD.workspace_id))
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: operation_runs or restore_runs name this environment in its workspace');
END;

-- The audit log is append-only against every SQL form. 0001's UPDATE and DELETE triggers do
-- not see conflict resolution: `INSERT OR REPLACE` / `REPLACE INTO` delete the old row without
-- firing DELETE triggers (unless `PRAGMA recursive_triggers`), then insert the new one. An
-- insert whose id is taken is refused before any conflict resolution runs, so a row is never
-- replaced, whatever the conflict clause (`UPDATE OR REPLACE` and `ON CONFLICT DO UPDATE` are
-- updates, refused by `audit_log_no_update`).
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
