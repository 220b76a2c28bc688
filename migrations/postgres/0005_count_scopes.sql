-- Indexes for the count of matches (issue 15; numbers in docs/performance.md).
-- The count visits the few scopes (workspace, environment) an operator may see and counts each
-- scope's matching runs on one index range, reading no table row: these hold every column
-- the SQL filters test after the scope (type, status, outcome, created_at), in the order
-- the filters are most often exact.
CREATE INDEX operation_runs_scope_count ON operation_runs (workspace_id, environment_id, type, status, outcome, created_at);

-- `--stale`: the few runs not completed, by scope, with the instant the filter compares. The
-- predicate is spelled exactly as the list query says it, so the planner can use it.
CREATE INDEX operation_runs_open_scope ON operation_runs (workspace_id, environment_id, type, updated_at)
    WHERE status <> 'completed';
