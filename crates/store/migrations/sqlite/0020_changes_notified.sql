-- PostgreSQL only (several instances share one database there, and each hears of the
-- others' changes to the tables it caches). SQLite is served by one instance, which
-- drops its own copies as it changes them.
SELECT 1;
