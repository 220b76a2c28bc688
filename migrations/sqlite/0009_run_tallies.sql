-- PostgreSQL keeps counts ahead of time here (operation_run_tallies); SQLite counts its runs at
-- the goal without them, so this keeps the numbering alike only.
SELECT 1;
