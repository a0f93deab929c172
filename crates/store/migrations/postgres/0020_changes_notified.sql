-- Every instance keeps a few small tables in memory — the categories and the calendar
-- (read by each intake), the departments, unit labels and the grid index (every point
-- placed). A change made through one instance used to reach the others only when their
-- copies expired (30 s; the grid index 60 s): until then another instance accepted cases
-- into a category just closed, counted deadlines on the old calendar and placed points
-- by old boundaries.
--
-- Now each statement that changes one of these tables notifies the channel
-- `jiceng_changed` with the schema and the table's name; every instance listens
-- (`SqlStore`'s change listener) and drops its copy when the change commits. A NOTIFY
-- is delivered at commit, and not at all when the transaction rolls back.
CREATE OR REPLACE FUNCTION jiceng_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jiceng_changed', current_schema() || ' ' || TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER org_units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION jiceng_notify_changed();
CREATE TRIGGER appeal_categories_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON appeal_categories
    FOR EACH STATEMENT EXECUTE FUNCTION jiceng_notify_changed();
CREATE TRIGGER calendar_days_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION jiceng_notify_changed();
CREATE TRIGGER departments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION jiceng_notify_changed();
