-- The references an intake writes are checked once per statement instead of row by row
-- (PostgreSQL).
--
-- A foreign key is checked by a trigger per row: an SPI query with its own executor
-- start, an index probe and a FOR KEY SHARE lock on the parent row, which writes a
-- Heap/LOCK record and dirties the parent's page. An intake batch writes each case with
-- up to six references (grid, coordinating unit, estate, building, category, reporter),
-- its first event and its notices (each naming the case): about eight such checks a case,
-- 27.6 % of the intake writer's CPU (perf over its backend at 3,000 intakes/s), and a
-- Heap/LOCK record in the WAL for each parent row a batch locks.
--
-- The same references are now checked by statement-level triggers over the statement's
-- new rows (transition tables): one query per statement, which still refuses the whole
-- statement when any row names a unit, category, user or case that does not exist.
-- What the keys also did — keep a referenced parent from being deleted — needs no lock
-- here: units are retired, never deleted (a trigger below refuses the delete); users
-- are deactivated; a category is deleted only when no case names it, and saved again in
-- the same transaction; cases are never deleted (refused below).
--
-- The keys set only after intake (the assignee unit and department) stay. An UPDATE of
-- cases is checked the same way, over the rows it changed.
-- A bulk load (`jiceng bench city`) disables these triggers and checks the whole table
-- once afterwards with `jiceng_refs_hold` (see `bulk::pg_defer_indexes`).
-- SQLite keeps its foreign keys: there a key is an index probe in the same process.

ALTER TABLE cases
    DROP CONSTRAINT IF EXISTS cases_category_code_fkey,
    DROP CONSTRAINT IF EXISTS cases_grid_id_fkey,
    DROP CONSTRAINT IF EXISTS cases_estate_id_fkey,
    DROP CONSTRAINT IF EXISTS cases_building_id_fkey,
    DROP CONSTRAINT IF EXISTS cases_coord_unit_id_fkey,
    DROP CONSTRAINT IF EXISTS cases_reporter_user_id_fkey;
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_case_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_case_id_fkey;

-- Each check takes the distinct values the statement's rows name and probes the parent's
-- key for each (LATERAL … LIMIT 1: always a probe). Written as NOT EXISTS over the rows,
-- PostgreSQL hashed the whole parent table instead, once per statement (1.1 ms for a
-- batch of 30 cases on the demo; a nation's units would take seconds); as probes, 0.16 ms.

-- Cases: a statement's new or changed rows (an UPDATE is checked whatever it changed;
-- a transition table cannot be limited to some columns).
CREATE OR REPLACE FUNCTION jiceng_cases_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unit BIGINT;
    category TEXT;
    reporter BIGINT;
    named TEXT;
BEGIN
    SELECT v.x INTO unit
    FROM (SELECT DISTINCT r.x FROM added n
          CROSS JOIN LATERAL (VALUES (n.grid_id), (n.coord_unit_id), (n.estate_id), (n.building_id)) AS r(x)
          WHERE r.x IS NOT NULL) v
    LEFT JOIN LATERAL (SELECT 1 AS found FROM org_units u WHERE u.id = v.x LIMIT 1) f ON true
    WHERE f.found IS NULL LIMIT 1;
    IF unit IS NULL THEN
        SELECT v.x INTO category
        FROM (SELECT DISTINCT n.category_code AS x FROM added n) v
        LEFT JOIN LATERAL (SELECT 1 AS found FROM appeal_categories c WHERE c.code = v.x LIMIT 1) f ON true
        WHERE f.found IS NULL LIMIT 1;
    END IF;
    IF unit IS NULL AND category IS NULL THEN
        SELECT v.x INTO reporter
        FROM (SELECT DISTINCT n.reporter_user_id AS x FROM added n WHERE n.reporter_user_id IS NOT NULL) v
        LEFT JOIN LATERAL (SELECT 1 AS found FROM users s WHERE s.id = v.x LIMIT 1) f ON true
        WHERE f.found IS NULL LIMIT 1;
    END IF;
    IF unit IS NULL AND category IS NULL AND reporter IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT n.number INTO named FROM added n
    WHERE unit IN (n.grid_id, n.coord_unit_id, n.estate_id, n.building_id)
       OR n.category_code = category OR n.reporter_user_id = reporter
    LIMIT 1;
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = format('case %s names %s, which does not exist', named,
                         COALESCE('unit ' || unit, 'category ' || category, 'user ' || reporter));
END $$;

-- Events and notices: the case each row names (a notice may name none).
CREATE OR REPLACE FUNCTION jiceng_case_rows_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken BIGINT;
BEGIN
    SELECT v.x INTO broken
    FROM (SELECT DISTINCT n.case_id AS x FROM added n WHERE n.case_id IS NOT NULL) v
    LEFT JOIN LATERAL (SELECT 1 AS found FROM cases c WHERE c.id = v.x LIMIT 1) f ON true
    WHERE f.found IS NULL LIMIT 1;
    IF broken IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('a row of %s names case %s, which does not exist', TG_TABLE_NAME, broken);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_refs AFTER INSERT ON cases
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jiceng_cases_refs();
CREATE TRIGGER cases_refs_changed AFTER UPDATE ON cases
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jiceng_cases_refs();
CREATE TRIGGER case_events_refs AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jiceng_case_rows_refs();
CREATE TRIGGER notifications_refs AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jiceng_case_rows_refs();

-- Guards that only refuse, with the reason as the trigger's argument: an event or a notice
-- never moves to another case (the outbox's updates, which mark notices sent, do not
-- name the column and cost nothing here); units and cases are never deleted (units are
-- retired; a case is a record).
CREATE OR REPLACE FUNCTION jiceng_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = format('%s: %s', TG_TABLE_NAME, TG_ARGV[0]);
END $$;
CREATE TRIGGER case_events_case_fixed BEFORE UPDATE OF case_id ON case_events
    FOR EACH ROW WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id)
    EXECUTE FUNCTION jiceng_refuse('a row keeps the case it was written for');
CREATE TRIGGER notifications_case_fixed BEFORE UPDATE OF case_id ON notifications
    FOR EACH ROW WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id)
    EXECUTE FUNCTION jiceng_refuse('a row keeps the case it was written for');
CREATE TRIGGER org_units_never_deleted BEFORE DELETE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION jiceng_refuse('units are retired, never deleted');
CREATE TRIGGER cases_never_deleted BEFORE DELETE ON cases
    FOR EACH STATEMENT EXECUTE FUNCTION jiceng_refuse('cases are never deleted');

-- The whole table's references, checked once after a bulk load that disabled the
-- triggers above: one pass over the table, joined to each parent by hash (the triggers'
-- probes would cost a load of millions of rows minutes; an EXISTS per reference was
-- planned as probes too, 1.8 s for 500,000 cases against 0.28 s this way).
CREATE OR REPLACE FUNCTION jiceng_refs_hold(tab TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    broken BIGINT := 0;
BEGIN
    IF tab = 'cases' THEN
        SELECT count(*) INTO broken FROM cases n
        LEFT JOIN org_units g ON g.id = n.grid_id
        LEFT JOIN org_units c ON c.id = n.coord_unit_id
        LEFT JOIN org_units e ON e.id = n.estate_id
        LEFT JOIN org_units b ON b.id = n.building_id
        LEFT JOIN appeal_categories k ON k.code = n.category_code
        LEFT JOIN users s ON s.id = n.reporter_user_id
        WHERE g.id IS NULL OR c.id IS NULL
           OR (n.estate_id IS NOT NULL AND e.id IS NULL)
           OR (n.building_id IS NOT NULL AND b.id IS NULL)
           OR k.code IS NULL
           OR (n.reporter_user_id IS NOT NULL AND s.id IS NULL);
    ELSIF tab = 'case_events' THEN
        SELECT count(*) INTO broken FROM case_events n
        LEFT JOIN cases c ON c.id = n.case_id WHERE c.id IS NULL;
    ELSIF tab = 'notifications' THEN
        SELECT count(*) INTO broken FROM notifications n
        LEFT JOIN cases c ON c.id = n.case_id WHERE n.case_id IS NOT NULL AND c.id IS NULL;
    END IF;
    IF broken > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s rows of %s name a unit, category, user or case that does not exist', broken, tab);
    END IF;
END $$;
