-- The change counter a console probes (store::Store::data_version): every statement that writes
-- a table the console shows advances one sequence, so "did anything change?" is one read of one
-- row, whatever the tables hold, and a commit is seen at once (the statistics views report
-- within seconds, not at once). Statement-level: a COPY of ten thousand rows advances it once.
-- SECURITY DEFINER: another role writing these tables (the platform) needs no right on the
-- sequence; a rolled-back write advances it too, which only costs one reload.
CREATE SEQUENCE proofdesk_changes;

CREATE FUNCTION proofdesk_count_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM nextval((quote_ident(TG_TABLE_SCHEMA) || '.proofdesk_changes')::regclass);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspaces', 'environments', 'operators', 'memberships', 'entitlements',
                             'operation_runs', 'restore_runs', 'restore_items', 'evidence', 'audit_log']
    LOOP
        EXECUTE format('CREATE TRIGGER proofdesk_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION proofdesk_count_change()', t);
    END LOOP;
END
$$;
