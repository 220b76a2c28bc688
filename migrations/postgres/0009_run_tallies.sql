-- Counts kept ahead of time (issue 15, numbers in docs/performance.md). A count that reads every
-- matching index entry cannot answer in 300 ms among millions of runs (`runs --count --type
-- any` read 5.8M entries at 10M runs: 0.55-0.98 s). This table holds how many runs there are
-- per scope, type, status, outcome and UTC day of creation; a count sums the rows of the
-- visible scopes that its filters select, and counts only the partial days at the edges of a
-- since/until range from the runs themselves (store::queries::count).
--
-- Kept by triggers on operation_runs: an insert or delete statement's rows grouped by key (its
-- transition table, so a COPY of many rows costs one call), an update row by row and only
-- when a tallied column changed (the trigger's WHEN, tested without calling a function, so a
-- worker's heartbeat costs nothing here). Each write adds its change per key and folds the
-- rows of those keys into one, skipping rows another transaction holds (FOR UPDATE SKIP
-- LOCKED): two writers never wait on each other or deadlock here, and a row left apart is
-- folded by a later write (several rows of one key sum the same). Outside READ COMMITTED the
-- rows are only appended: deleting a row that a transaction committed after the writer's
-- snapshot would fail the writer's transaction there. Every statement is static, so each
-- session plans it once. SECURITY DEFINER: another role writing operation_runs (the
-- platform) needs no right on the tallies; the functions' search_path is pinned below.
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
           date_trunc('day', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', COUNT(*)
    FROM operation_runs GROUP BY 1, 2, 3, 4, 5, 6;
$$;

-- Adds one write's change in runs per key (parallel arrays) to the tallies, as said above.
CREATE FUNCTION proofdesk_tally_apply(d_ws bigint[], d_env bigint[], d_type text[], d_status text[],
                                      d_outcome text[], d_day timestamptz[], d_n bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        INSERT INTO operation_run_tallies (workspace_id, environment_id, type, status, outcome, day, n)
        SELECT u.ws, u.env, u.ty, u.st, u.oc, u.dy, SUM(u.k)
        FROM unnest(d_ws, d_env, d_type, d_status, d_outcome, d_day, d_n) AS u(ws, env, ty, st, oc, dy, k)
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(u.k) <> 0;
        RETURN;
    END IF;
    WITH d AS (
        SELECT u.ws AS workspace_id, u.env AS environment_id, u.ty AS type, u.st AS status,
               u.oc AS outcome, u.dy AS day, SUM(u.k) AS n
        FROM unnest(d_ws, d_env, d_type, d_status, d_outcome, d_day, d_n) AS u(ws, env, ty, st, oc, dy, k)
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(u.k) <> 0
    ), old AS (
        DELETE FROM operation_run_tallies WHERE ctid = ANY (ARRAY(
            SELECT t.ctid FROM operation_run_tallies t
            JOIN d USING (workspace_id, environment_id, type, status, outcome, day)
            FOR UPDATE OF t SKIP LOCKED))
        RETURNING workspace_id, environment_id, type, status, outcome, day, n
    )
    INSERT INTO operation_run_tallies (workspace_id, environment_id, type, status, outcome, day, n)
    SELECT y.workspace_id, y.environment_id, y.type, y.status, y.outcome, y.day, SUM(y.n)
    FROM (SELECT * FROM d UNION ALL SELECT * FROM old) y
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(y.n) <> 0;
END
$$;

-- An insert's or a delete's rows (the statement's transition table, named alike for both),
-- +1 or -1 each, grouped by key.
CREATE FUNCTION proofdesk_tally_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    per_row bigint := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    PERFORM proofdesk_tally_apply(array_agg(g.workspace_id), array_agg(g.environment_id), array_agg(g.type),
                                  array_agg(g.status), array_agg(g.outcome), array_agg(g.day), array_agg(g.n))
    FROM (SELECT r.workspace_id, r.environment_id, r.type, r.status, r.outcome,
                 date_trunc('day', r.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, per_row * COUNT(*) AS n
          FROM proofdesk_changed_runs r GROUP BY 1, 2, 3, 4, 5, 6) g;
    RETURN NULL;
END
$$;

CREATE FUNCTION proofdesk_tally_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM proofdesk_tally_apply(
        ARRAY[OLD.workspace_id, NEW.workspace_id], ARRAY[OLD.environment_id, NEW.environment_id],
        ARRAY[OLD.type, NEW.type], ARRAY[OLD.status, NEW.status], ARRAY[OLD.outcome, NEW.outcome],
        ARRAY[date_trunc('day', OLD.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
              date_trunc('day', NEW.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'],
        ARRAY[-1, 1]::bigint[]);
    RETURN NULL;
END
$$;

CREATE FUNCTION proofdesk_tally_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    DELETE FROM operation_run_tallies;
    RETURN NULL;
END
$$;

-- Names in the functions resolve in this schema only (after the catalog), whoever calls them.
DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['proofdesk_tally_apply(bigint[], bigint[], text[], text[], text[], timestamptz[], bigint[])',
                             'proofdesk_tally_rows()', 'proofdesk_tally_updated()', 'proofdesk_tally_truncated()']
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
    END LOOP;
END
$$;

CREATE TRIGGER proofdesk_tallies_insert AFTER INSERT ON operation_runs
    REFERENCING NEW TABLE AS proofdesk_changed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_rows();
CREATE TRIGGER proofdesk_tallies_delete AFTER DELETE ON operation_runs
    REFERENCING OLD TABLE AS proofdesk_changed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_rows();
CREATE TRIGGER proofdesk_tallies_update
    AFTER UPDATE OF workspace_id, environment_id, type, status, outcome, created_at ON operation_runs
    FOR EACH ROW
    WHEN (OLD.workspace_id IS DISTINCT FROM NEW.workspace_id OR OLD.environment_id IS DISTINCT FROM NEW.environment_id
          OR OLD.type IS DISTINCT FROM NEW.type OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.outcome IS DISTINCT FROM NEW.outcome OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION proofdesk_tally_updated();
CREATE TRIGGER proofdesk_tallies_truncate AFTER TRUNCATE ON operation_runs
    FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_tally_truncated();

-- The runs already there. The triggers above hold operation_runs' lock until this migration
-- commits, so no write falls between them and this.
SELECT proofdesk_tally_rebuild();
