-- PostgreSQL keeps a search's names beside their runs here (operation_run_names); SQLite
-- counts a common name's runs at the goal without them, so this keeps the numbering alike only.
SELECT 1;
