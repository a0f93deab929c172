-- PostgreSQL only: SQLite compares text byte by byte (its BINARY collation) already.
SELECT 1;
