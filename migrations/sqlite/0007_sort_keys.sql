-- Indexes for lists sorted by a word column (the console's `s`, `runs --sort`): the first page
-- of a list sorted by status, outcome or type is the first rows of one of these that match,
-- and each next page starts at its keyset cursor in the same index, instead of a sort of
-- every visible run per page (numbers in docs/performance.md). Sorted by update, the
-- `operation_runs_updated` index of 0001 serves (SQLite keeps the rowid, the id, in it).
-- Words compare bytewise, SQLite's default collation.
CREATE INDEX operation_runs_status_id ON operation_runs (status, id);
CREATE INDEX operation_runs_outcome_id ON operation_runs (outcome, id);
CREATE INDEX operation_runs_type_id ON operation_runs (type, id);
