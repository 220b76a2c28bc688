-- PostgreSQL's migration 0008 adds partial indexes of the `restore.execute` runs for lists
-- sorted by id, type, status or outcome among many other operation types. SQLite's planner
-- takes the sort key's own index of 0007 with the type left out of the index choice
-- (`Dialect::type_column`), and needs none. This file keeps both engines' migrations numbered
-- alike and contiguously, as tests/bad_databases.rs expects.
SELECT 1;
