-- Hard references the contract lists (domain.md, "References") that 0001 left out, and an
-- audit log that stays append-only against every SQL form.
--
-- Correction to the header of 0001 (which cannot be edited: sqlx checksums applied
-- migrations, and every existing database would refuse to open): `restore_items.restore_run_id`
-- and `evidence.restore_run_id` ARE foreign keys from this migration on (an item or an
-- evidence row belongs to a restore that exists), and an operation's or a restore's
-- environment must be an environment of its own workspace (a composite foreign key onto
-- `environments (id, workspace_id)`). Only three links stay soft, because they are what the
-- proof rules exist to detect: `operation_runs.context.restore_run_id`,
-- `restore_runs.operation_run_id` and `audit_log.subject_id`.
--
-- Each constraint is added NOT VALID (it holds for every write from now on) and then
-- validated against the rows already stored; a database shared with other systems that
-- already holds a breaking row (orphan items of a hard-deleted restore, loaded before this
-- migration) keeps the constraint unvalidated instead of refusing to start. The readers treat
-- such rows as they always did (a run whose environment is of another workspace is visible
-- to no one); `SELECT conname FROM pg_constraint WHERE NOT convalidated` lists them.
-- The fixture loader checks every one of these first and names the bad value.

ALTER TABLE environments ADD CONSTRAINT environments_id_workspace_key UNIQUE (id, workspace_id);

ALTER TABLE operation_runs ADD CONSTRAINT operation_runs_environment_in_workspace_fkey
    FOREIGN KEY (environment_id, workspace_id) REFERENCES environments (id, workspace_id) NOT VALID;
ALTER TABLE restore_runs ADD CONSTRAINT restore_runs_environment_in_workspace_fkey
    FOREIGN KEY (environment_id, workspace_id) REFERENCES environments (id, workspace_id) NOT VALID;
ALTER TABLE restore_items ADD CONSTRAINT restore_items_restore_run_id_fkey
    FOREIGN KEY (restore_run_id) REFERENCES restore_runs (id) NOT VALID;
ALTER TABLE evidence ADD CONSTRAINT evidence_restore_run_id_fkey
    FOREIGN KEY (restore_run_id) REFERENCES restore_runs (id) NOT VALID;

DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
        ('operation_runs', 'operation_runs_environment_in_workspace_fkey'),
        ('restore_runs', 'restore_runs_environment_in_workspace_fkey'),
        ('restore_items', 'restore_items_restore_run_id_fkey'),
        ('evidence', 'evidence_restore_run_id_fkey')) AS t(tbl, con)
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %I VALIDATE CONSTRAINT %I', c.tbl, c.con);
        EXCEPTION WHEN foreign_key_violation THEN
            RAISE WARNING '%.%: rows stored before this migration break it; left NOT VALID', c.tbl, c.con;
        END;
    END LOOP;
END;
$$;

-- The audit log: 0001's row triggers refuse UPDATE and DELETE, which also covers
-- `INSERT … ON CONFLICT DO UPDATE` and MERGE (both fire the row's UPDATE / DELETE triggers),
-- and its statement trigger refuses TRUNCATE (a `TRUNCATE … CASCADE` from a referenced table
-- fires it too). Nothing to add; tests/append_only.rs holds each form to it.
