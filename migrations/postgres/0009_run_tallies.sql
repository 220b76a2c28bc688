-- Counts kept ahead of time (issue 15, numbers in docs/performance.md). A count that reads every
-- matching index entry cannot answer in 300 ms among millions of runs (`runs --count --type
-- any` read 5.8M entries at 10M runs: 0.55-0.98 s). This table holds how many runs there are
-- per scope, type, status, outcome and UTC day of creation; a count sums the rows of the
-- visible scopes that its filters select, and counts only the partial days at the edges of a
-- since/until range from the runs themselves (store::queries::count).
--
-- Kept by statement-level triggers on operation_runs: each write statement appends one row
-- per key it changed (its transition tables grouped, +1 per new row, -1 per old row), then
-- folds the rows of those keys into one, skipping rows another transaction holds (FOR UPDATE
-- SKIP LOCKED), so two writers never wait on each other or deadlock here: a skipped row is
-- folded by a later write. Several rows of one key are correct, only a little slower to sum.
-- Outside READ COMMITTED the fold is left out (a row deleted by a transaction that committed
-- after the snapshot would fail the writer's transaction there), and the rows are appended only.
-- SECURITY DEFINER: another role writing operation_runs (the platform) needs no right here.
CREATE TABLE operation_run_tallies (
    workspace_id   BIGINT NOT NULL,
    environment_id BIGINT NOT NULL,
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    day            TIMESTAMPTZ NOT NULL,
    n              BIGINT NOT NULL
);
CREATE INDEX operation_run_tallies_key ON operation_run_tallies
    (workspace_id, environment_id, type, status, outcome, day) INCLUDE (n);

-- Every tally again from the runs (the migration's first fill, and after a bulk load that set
-- the triggers aside). Names resolve in the caller's schema, as the migrations' own do.
CREATE FUNCTION proofdesk_tally_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM operation_run_tallies;
    INSERT INTO operation_run_tallies
    SELECT workspace_id, environment_id, type, status, outcome,
           date_bin('1 day', created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), COUNT(*)
    FROM operation_runs GROUP BY 1, 2, 3, 4, 5, 6;
$$;

CREATE FUNCTION proofdesk_tally_runs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s text := quote_ident(TG_TABLE_SCHEMA);
    cols text := 'workspace_id, environment_id, type, status, outcome, created_at';
    changed text;
    delta text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('DELETE FROM %s.operation_run_tallies', s);
        RETURN NULL;
    END IF;
    changed := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %s, 1 AS n FROM proofdesk_new_runs', cols)
        WHEN 'DELETE' THEN format('SELECT %s, -1 AS n FROM proofdesk_old_runs', cols)
        ELSE format('SELECT %1$s, 1 AS n FROM proofdesk_new_runs UNION ALL SELECT %1$s, -1 FROM proofdesk_old_runs', cols)
    END;
    delta := format('SELECT workspace_id, environment_id, type, status, outcome, '
                    'date_bin(''1 day'', created_at, TIMESTAMPTZ ''2000-01-01 00:00:00+00'') AS day, SUM(n) AS n '
                    'FROM (%s) x GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0', changed);
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        EXECUTE format('INSERT INTO %s.operation_run_tallies %s', s, delta);
        RETURN NULL;
    END IF;
    EXECUTE format(
        'WITH d AS (%2$s), '
        'old AS (DELETE FROM %1$s.operation_run_tallies WHERE ctid = ANY (ARRAY('
        '    SELECT t.ctid FROM %1$s.operation_run_tallies t '
        '    JOIN d USING (workspace_id, environment_id, type, status, outcome, day) '
        '    FOR UPDATE OF t SKIP LOCKED)) '
        '  RETURNING workspace_id, environment_id, type, status, outcome, day, n) '
        'INSERT INTO %1$s.operation_run_tallies '
        'SELECT workspace_id, environment_id, type, status, outcome, day, SUM(n) '
        'FROM (SELECT * FROM d UNION ALL SELECT * FROM old) y '
        'GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0', s, delta);
    RETURN NULL;
END
$$;

CREATE TRIGGER proofdesk_tallies_insert AFTER INSERT ON operation_runs
    REFERENCING NEW TABLE AS proofdesk_new_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_runs();
CREATE TRIGGER proofdesk_tallies_update AFTER UPDATE ON operation_runs
    REFERENCING OLD TABLE AS proofdesk_old_runs NEW TABLE AS proofdesk_new_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_runs();
CREATE TRIGGER proofdesk_tallies_delete AFTER DELETE ON operation_runs
    REFERENCING OLD TABLE AS proofdesk_old_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_runs();
CREATE TRIGGER proofdesk_tallies_truncate AFTER TRUNCATE ON operation_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_runs();

-- The runs already there. The triggers above hold operation_runs' lock until this migration
-- commits, so no write falls between them and this.
SELECT proofdesk_tally_rebuild();
