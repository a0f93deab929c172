-- PostgreSQL only (its unique index on idempotency keys now holds only the keys given).
-- SQLite's UNIQUE column constraint cannot be narrowed without rebuilding the table.
SELECT 1;
