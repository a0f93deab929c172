-- PostgreSQL only (the references an intake writes are checked once per statement there
-- instead of by foreign-key triggers row by row). SQLite keeps its foreign keys: each is
-- an index probe in the same process.
SELECT 1;
