-- Paths, codes, statuses, tokens and the other key-like text columns compare byte by
-- byte (COLLATE "C"), whatever the database's locale (PostgreSQL).
--
-- A subtree is read as a range of materialised paths: `path >= '/150302/' AND path <
-- '/1503020'` (`subtree_range`: '/' sorts just before '0'). That holds in byte order,
-- and in the C.UTF-8 locale CI runs on, but not in the locales a district's database is
-- likely to be created with: under zh_CN.UTF-8 or en_US.UTF-8 glibc's collation skips
-- the '/' at first, so '/150302/150302001/' sorted after '/1503020' and every query
-- scoped to a district, sub-district or community missed the units and cases below it
-- (measured: `SELECT '/150302/150302001/' < '/1503020'` is false in a zh_CN.UTF-8
-- database; the party suite failed there).
--
-- Byte order is also cheaper: a locale's comparison goes through strcoll and gets no
-- abbreviated keys. Building an index on 621,400 paths took 477–511 ms in C.UTF-8
-- against 349–368 ms in byte order, on (kind, path) 882 against 647 ms (psql, a vacuumed
-- table, alternated), and every index descent on a path paid the difference.
--
-- Every text column that is a path, a code, a kind, a status or a number, or sits in an
-- index, changes, but names and rooms (`residents.name`, `households.room`), which
-- people read sorted in their language.
-- The order of ASCII keys is the same as before in a C.UTF-8 database. Only the indexes
-- on these columns are rebuilt (the rows are not rewritten).
DO $$
DECLARE
    col RECORD;
BEGIN
    FOR col IN
        SELECT c.table_name AS t, c.column_name AS k
        FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         AND t.table_type = 'BASE TABLE'
        WHERE c.table_schema = current_schema()
          AND c.data_type = 'text'
          AND (c.table_name, c.column_name) NOT IN (('residents', 'name'), ('households', 'room'))
          AND (c.column_name ~ '(^|_)(path|code|kind|status|number)$' OR EXISTS (
                SELECT 1 FROM pg_index x
                JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
                WHERE x.indrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
                  AND a.attname = c.column_name))
        ORDER BY 1, 2
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE TEXT COLLATE "C"', col.t, col.k);
    END LOOP;
END $$;
