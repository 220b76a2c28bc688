-- PostgreSQL's migration 0004 adds the change counter a console probes. SQLite needs none: its
-- `PRAGMA data_version` moves whenever another connection commits (store::Store::data_version).
-- This file keeps both engines' migrations numbered alike (0005 and 0006 are the same change
-- on both), and the numbering contiguous as tests/bad_databases.rs expects.
SELECT 1;
