-- The count of a search's matches (issue 15; numbers in docs/performance.md) reads, for each
-- item whose policy name matches, the restore it belongs to: with the restore in the name
-- index no item row is read (they are the largest rows of the database). It serves every
-- look-up the name index of 0001 served, which it replaces.
CREATE INDEX restore_items_name_restore ON restore_items (lower(policy_name), restore_run_id);
DROP INDEX restore_items_policy_name;
