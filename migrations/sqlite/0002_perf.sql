-- Indexes for the run list at a million runs (issue 4; numbers in docs/performance.md).
-- Every list is ordered newest first (created_at DESC, id DESC); these let a filtered first
-- page walk an index in that order instead of testing every run or sorting all matches.

-- `--status X` (with the default type filter): the runs of one status, newest first.
CREATE INDEX operation_runs_type_status_newest ON operation_runs (type, status, created_at DESC, id DESC);

-- `--stale` and the batch reconciliation: the few runs not completed, newest first. The
-- predicate is spelled exactly as the list query says it, so the planner can use them.
CREATE INDEX operation_runs_open_newest ON operation_runs (created_at DESC, id DESC) WHERE status <> 'completed';
CREATE INDEX operation_runs_open_type_newest ON operation_runs (type, created_at DESC, id DESC)
    WHERE status <> 'completed';
