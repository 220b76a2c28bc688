-- A search's count kept close at hand (issue 15, numbers in docs/performance.md). Counting the
-- runs whose items carry a common policy name read, for each of ~99k matching items at 1M runs,
-- its restore and then its run: 0.7-1.2 s, over the 300 ms goal. Counts per name cannot serve
-- it (a run whose items match two of the names a search matched would count twice), so this
-- table holds one row per distinct (lower(policy_name), run) that a search by name finds, as
-- store::queries says a search finds them (an item of a restore that is not deleted, whose
-- workspace and environment are its run's own), with the run's filter columns beside it. A
-- count reads the matched names' rows alone (an index range, no item, restore or run read) and
-- counts the distinct runs.
--
-- Keeping it right without making the platform's writers wait on each other: a write to
-- restore_items, restore_runs or operation_runs that may change a run's rows only marks the
-- run as pending (an append). A pending run's rows are not trusted: the count reads it the old
-- way, from its items, restore and run (a few runs, not 63k). Folding a pending run recomputes
-- its rows and deletes its marks in one statement, so one snapshot sees both: a mark is only
-- deleted together with rows that reflect the write that made it, and a write still in flight
-- has a mark no one else sees yet. Each write folds a few of the oldest marks of other
-- transactions (a load folds its own at its end), claiming each run with a try-lock (never a
-- wait) that keeps two folders off one run's rows; outside READ COMMITTED a write only marks
-- (its snapshot may be older than rows another fold committed). SECURITY DEFINER and a pinned search_path, as in 0009.
CREATE TABLE operation_run_names (
    name           TEXT NOT NULL,
    run_id         BIGINT NOT NULL,
    workspace_id   BIGINT NOT NULL,
    environment_id BIGINT NOT NULL,
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX operation_run_names_name ON operation_run_names (name)
    INCLUDE (run_id, workspace_id, environment_id, type, status, outcome, created_at);
CREATE INDEX operation_run_names_run ON operation_run_names (run_id);

CREATE TABLE operation_run_names_pending (
    seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id BIGINT NOT NULL,
    tx     BIGINT NOT NULL
);
CREATE INDEX operation_run_names_pending_run ON operation_run_names_pending (run_id, tx);
CREATE INDEX operation_run_names_pending_tx ON operation_run_names_pending (tx, seq);

-- Every row again (the migration's first fill, a bulk load that set the triggers aside, a
-- TRUNCATE). It locks the table against folds first, so no fold's rows mix with its own.
CREATE FUNCTION proofdesk_names_rebuild() RETURNS void LANGUAGE sql AS $$
    LOCK TABLE operation_run_names, operation_run_names_pending IN EXCLUSIVE MODE;
    DELETE FROM operation_run_names_pending;
    DELETE FROM operation_run_names;
    INSERT INTO operation_run_names
    SELECT DISTINCT lower(i.policy_name), o.id, o.workspace_id, o.environment_id, o.type, o.status,
           o.outcome, o.created_at
    FROM restore_items i
    JOIN restore_runs r ON r.id = i.restore_run_id AND r.deleted_at IS NULL
    JOIN operation_runs o ON o.id = r.operation_run_id AND o.workspace_id = r.workspace_id
                          AND o.environment_id = r.environment_id;
$$;

-- One run's rows again, and its marks gone, in one statement (one snapshot). PL/pgSQL, so
-- each session plans the statement once (a SQL function's is planned at every call).
CREATE FUNCTION proofdesk_names_refresh(run bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH done AS (DELETE FROM operation_run_names_pending p WHERE p.run_id = run),
    old AS (DELETE FROM operation_run_names n WHERE n.run_id = run)
    INSERT INTO operation_run_names
    SELECT DISTINCT lower(i.policy_name), o.id, o.workspace_id, o.environment_id, o.type, o.status,
           o.outcome, o.created_at
    FROM operation_runs o
    JOIN restore_runs r ON r.operation_run_id = o.id AND r.workspace_id = o.workspace_id
                        AND r.environment_id = o.environment_id AND r.deleted_at IS NULL
    JOIN restore_items i ON i.restore_run_id = r.id
    WHERE o.id = run;
END
$$;

-- Folds each of `runs` that no other transaction is folding (a try-lock, never a wait), in
-- READ COMMITTED only.
CREATE FUNCTION proofdesk_names_fold(runs bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    run bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RETURN;
    END IF;
    FOREACH run IN ARRAY runs LOOP
        -- 1886547814 is "prof": this table's own space of advisory keys.
        IF pg_try_advisory_xact_lock(1886547814, hashint8(run)) THEN
            PERFORM proofdesk_names_refresh(run);
        END IF;
    END LOOP;
END
$$;

-- Marks the runs a write may have changed (once per run and transaction), then folds up to
-- two of the oldest marks other transactions left, and one more for each run it marked: the
-- folds keep pace with the marks.
CREATE FUNCTION proofdesk_names_mark(runs bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    me     bigint := txid_current();
    marked bigint := 0;
    run    bigint;
    mine   bigint;
BEGIN
    -- One look-up per run on the pending index: a set-wise anti join is planned from the
    -- table's statistics, and a small or never analyzed table drew a scan of the whole index.
    FOREACH run IN ARRAY runs LOOP
        CONTINUE WHEN run IS NULL;
        PERFORM 1 FROM operation_run_names_pending p WHERE p.run_id = run AND p.tx = me;
        IF NOT FOUND THEN
            INSERT INTO operation_run_names_pending (run_id, tx) VALUES (run, me);
            marked := marked + 1;
        END IF;
    END LOOP;
    -- A write that marked nothing new (its runs marked already, or none) folds nothing. The
    -- oldest marks are looked for before this transaction's first one, so a statement that
    -- marks many runs row by row never walks its own marks again and again.
    IF marked > 0 THEN
        SELECT MIN(p.seq) INTO mine FROM operation_run_names_pending p WHERE p.tx = me;
        PERFORM proofdesk_names_fold(ARRAY(SELECT DISTINCT o.run_id FROM (
            SELECT p.run_id FROM operation_run_names_pending p WHERE p.seq < mine AND p.tx <> me
            ORDER BY p.seq LIMIT 2 + marked) o));
    END IF;
END
$$;

-- Folds the runs this transaction marked: a load's last step (its rows are then read from
-- this table at once, instead of pending until later writes fold them).
CREATE FUNCTION proofdesk_names_fold_mine() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_fold(ARRAY(
        SELECT DISTINCT p.run_id FROM operation_run_names_pending p WHERE p.tx = txid_current()));
END
$$;

-- An insert's or a delete's items (the statement's transition table): their restores' runs.
CREATE FUNCTION proofdesk_names_items() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_mark(ARRAY(
        SELECT DISTINCT r.operation_run_id FROM proofdesk_changed_items i
        JOIN restore_runs r ON r.id = i.restore_run_id WHERE r.operation_run_id IS NOT NULL));
    RETURN NULL;
END
$$;

CREATE FUNCTION proofdesk_names_item_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_mark(ARRAY(
        SELECT r.operation_run_id FROM restore_runs r WHERE r.id IN (OLD.restore_run_id, NEW.restore_run_id)));
    RETURN NULL;
END
$$;

-- An insert's or a delete's restores: their runs, where items name them (a restore inserted
-- has none unless items were left by one deleted before, which a name search would now find).
CREATE FUNCTION proofdesk_names_restores() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_mark(ARRAY(
        SELECT c.operation_run_id FROM proofdesk_changed_restores c
        WHERE c.operation_run_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM restore_items i WHERE i.restore_run_id = c.id)));
    RETURN NULL;
END
$$;

CREATE FUNCTION proofdesk_names_restore_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_mark(ARRAY[OLD.operation_run_id, NEW.operation_run_id]);
    RETURN NULL;
END
$$;

-- An insert's or a delete's runs, where a restore names them.
CREATE FUNCTION proofdesk_names_runs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_mark(ARRAY(
        SELECT c.id FROM proofdesk_changed_runs c
        WHERE EXISTS (SELECT 1 FROM restore_runs r WHERE r.operation_run_id = c.id)));
    RETURN NULL;
END
$$;

CREATE FUNCTION proofdesk_names_run_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM restore_runs r WHERE r.operation_run_id IN (OLD.id, NEW.id)) THEN
        PERFORM proofdesk_names_mark(ARRAY[OLD.id, NEW.id]);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION proofdesk_names_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_names_rebuild();
    RETURN NULL;
END
$$;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['proofdesk_names_fold(bigint[])', 'proofdesk_names_mark(bigint[])',
                             'proofdesk_names_fold_mine()', 'proofdesk_names_items()',
                             'proofdesk_names_item_updated()', 'proofdesk_names_restores()',
                             'proofdesk_names_restore_updated()', 'proofdesk_names_runs()',
                             'proofdesk_names_run_updated()', 'proofdesk_names_truncated()']
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
    END LOOP;
END
$$;

-- The SECURITY DEFINER functions a trigger calls run as their owner, whoever writes; no one
-- else calls them (one would mark every run pending, or fold counts of their own making into
-- the tallies of 0009, whose apply function this closes too).
REVOKE EXECUTE ON FUNCTION proofdesk_names_fold(bigint[]), proofdesk_names_mark(bigint[]),
    proofdesk_names_fold_mine(),
    proofdesk_tally_apply(bigint[], bigint[], text[], text[], text[], timestamptz[], bigint[]) FROM PUBLIC;

CREATE TRIGGER proofdesk_names_items_insert AFTER INSERT ON restore_items
    REFERENCING NEW TABLE AS proofdesk_changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_items();
CREATE TRIGGER proofdesk_names_items_delete AFTER DELETE ON restore_items
    REFERENCING OLD TABLE AS proofdesk_changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_items();
CREATE TRIGGER proofdesk_names_items_update AFTER UPDATE OF policy_name, restore_run_id ON restore_items
    FOR EACH ROW
    WHEN (OLD.policy_name IS DISTINCT FROM NEW.policy_name OR OLD.restore_run_id IS DISTINCT FROM NEW.restore_run_id)
    EXECUTE FUNCTION proofdesk_names_item_updated();
CREATE TRIGGER proofdesk_names_items_truncate AFTER TRUNCATE ON restore_items
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_truncated();

CREATE TRIGGER proofdesk_names_restores_insert AFTER INSERT ON restore_runs
    REFERENCING NEW TABLE AS proofdesk_changed_restores
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_restores();
CREATE TRIGGER proofdesk_names_restores_delete AFTER DELETE ON restore_runs
    REFERENCING OLD TABLE AS proofdesk_changed_restores
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_restores();
CREATE TRIGGER proofdesk_names_restores_update
    AFTER UPDATE OF operation_run_id, workspace_id, environment_id, deleted_at ON restore_runs
    FOR EACH ROW
    WHEN (OLD.operation_run_id IS DISTINCT FROM NEW.operation_run_id
          OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id
          OR OLD.environment_id IS DISTINCT FROM NEW.environment_id
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION proofdesk_names_restore_updated();
CREATE TRIGGER proofdesk_names_restores_truncate AFTER TRUNCATE ON restore_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_truncated();

CREATE TRIGGER proofdesk_names_runs_insert AFTER INSERT ON operation_runs
    REFERENCING NEW TABLE AS proofdesk_changed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_runs();
CREATE TRIGGER proofdesk_names_runs_delete AFTER DELETE ON operation_runs
    REFERENCING OLD TABLE AS proofdesk_changed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_runs();
CREATE TRIGGER proofdesk_names_runs_update
    AFTER UPDATE OF id, workspace_id, environment_id, type, status, outcome, created_at ON operation_runs
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id
          OR OLD.environment_id IS DISTINCT FROM NEW.environment_id
          OR OLD.type IS DISTINCT FROM NEW.type OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.outcome IS DISTINCT FROM NEW.outcome OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION proofdesk_names_run_updated();
CREATE TRIGGER proofdesk_names_runs_truncate AFTER TRUNCATE ON operation_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_names_truncated();

SELECT proofdesk_names_rebuild();
