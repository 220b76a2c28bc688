-- The runs this console exists for (`restore.execute`, the default filter) sorted by id, type,
-- status or outcome, when other operation types fill the table: 0007's indexes hold every
-- type, and PostgreSQL, which assumes the restores are spread evenly over the ids, prefers to
-- walk the primary key (or the sort key's index) and filter, expecting a page in ten times its
-- length. Where the restores sit apart from the others (older than a burst of millions of
-- backups), that walk passed nine million runs: 1.2 to 1.6 s a page at ten million runs, 0.5 ms
-- with these (docs/performance.md). Each predicate spells the type filter as the list's query
-- does for that sort (`Dialect::type_column`: bytewise for id and type), or it cannot be used.
CREATE INDEX operation_runs_restore_id ON operation_runs (id) WHERE type COLLATE "C" = 'restore.execute';
CREATE INDEX operation_runs_restore_status_id ON operation_runs (status COLLATE "C", id) WHERE type = 'restore.execute';
CREATE INDEX operation_runs_restore_outcome_id ON operation_runs (outcome COLLATE "C", id) WHERE type = 'restore.execute';
