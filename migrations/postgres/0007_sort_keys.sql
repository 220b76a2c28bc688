-- Indexes for lists sorted by a word column (the console's `s`, `runs --sort`): the first page
-- of a list sorted by status, outcome or type is the first rows of one of these that match,
-- and each next page starts at its keyset cursor in the same index, instead of a sort of
-- every visible run per page (numbers in docs/performance.md). Words compare bytewise
-- (COLLATE "C", as the list's ORDER BY says it), the same order as SQLite's.
CREATE INDEX operation_runs_status_id ON operation_runs (status COLLATE "C", id);
CREATE INDEX operation_runs_outcome_id ON operation_runs (outcome COLLATE "C", id);
CREATE INDEX operation_runs_type_id ON operation_runs (type COLLATE "C", id);

-- Sorted by update, ties by id: the index of 0001 had the time alone.
DROP INDEX operation_runs_updated;
CREATE INDEX operation_runs_updated ON operation_runs (updated_at, id);
