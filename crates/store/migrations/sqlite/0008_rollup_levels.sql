-- The rollup per level: the grid rows of case_rollup summed up to every community,
-- sub-district and district (paths of 31, 18 and 8 characters), kept in the same
-- transaction. A unit's rates read months × departments rows, whatever the number of
-- grids below it or the length of the history (measured: a district over 30,000 grids
-- and 10 M cases read ~1.3 M grid rows). Rows with dept_id = -1 hold all departments
-- together, so rates not split by department read one row per month.
CREATE TABLE case_rollup_up (
    path TEXT NOT NULL,
    month TEXT NOT NULL,
    dept_id BIGINT NOT NULL,
    total BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    dispatched BIGINT NOT NULL DEFAULT 0,
    responded BIGINT NOT NULL DEFAULT 0,
    responded_in_time BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    closed_in_time BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    overdue_open BIGINT NOT NULL DEFAULT 0,
    closed_grid BIGINT NOT NULL DEFAULT 0,
    closed_community BIGINT NOT NULL DEFAULT 0,
    closed_subdistrict BIGINT NOT NULL DEFAULT 0,
    closed_district BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, month, dept_id)
);
INSERT INTO case_rollup_up (path, month, dept_id, total, rejected, dispatched, responded, responded_in_time, closed, closed_in_time, rated, satisfied, overdue_open, closed_grid, closed_community, closed_subdistrict, closed_district)
SELECT substr(path, 1, 8), month, dept_id, SUM(total), SUM(rejected), SUM(dispatched), SUM(responded), SUM(responded_in_time), SUM(closed), SUM(closed_in_time), SUM(rated), SUM(satisfied), SUM(overdue_open), SUM(closed_grid), SUM(closed_community), SUM(closed_subdistrict), SUM(closed_district)
FROM case_rollup WHERE length(path) > 8 GROUP BY substr(path, 1, 8), month, dept_id;
INSERT INTO case_rollup_up (path, month, dept_id, total, rejected, dispatched, responded, responded_in_time, closed, closed_in_time, rated, satisfied, overdue_open, closed_grid, closed_community, closed_subdistrict, closed_district)
SELECT substr(path, 1, 18), month, dept_id, SUM(total), SUM(rejected), SUM(dispatched), SUM(responded), SUM(responded_in_time), SUM(closed), SUM(closed_in_time), SUM(rated), SUM(satisfied), SUM(overdue_open), SUM(closed_grid), SUM(closed_community), SUM(closed_subdistrict), SUM(closed_district)
FROM case_rollup WHERE length(path) > 18 GROUP BY substr(path, 1, 18), month, dept_id;
INSERT INTO case_rollup_up (path, month, dept_id, total, rejected, dispatched, responded, responded_in_time, closed, closed_in_time, rated, satisfied, overdue_open, closed_grid, closed_community, closed_subdistrict, closed_district)
SELECT substr(path, 1, 31), month, dept_id, SUM(total), SUM(rejected), SUM(dispatched), SUM(responded), SUM(responded_in_time), SUM(closed), SUM(closed_in_time), SUM(rated), SUM(satisfied), SUM(overdue_open), SUM(closed_grid), SUM(closed_community), SUM(closed_subdistrict), SUM(closed_district)
FROM case_rollup WHERE length(path) > 31 GROUP BY substr(path, 1, 31), month, dept_id;
INSERT INTO case_rollup_up (path, month, dept_id, total, rejected, dispatched, responded, responded_in_time, closed, closed_in_time, rated, satisfied, overdue_open, closed_grid, closed_community, closed_subdistrict, closed_district)
SELECT substr(path, 1, 8), month, -1, SUM(total), SUM(rejected), SUM(dispatched), SUM(responded), SUM(responded_in_time), SUM(closed), SUM(closed_in_time), SUM(rated), SUM(satisfied), SUM(overdue_open), SUM(closed_grid), SUM(closed_community), SUM(closed_subdistrict), SUM(closed_district)
FROM case_rollup WHERE length(path) > 8 GROUP BY substr(path, 1, 8), month;
INSERT INTO case_rollup_up (path, month, dept_id, total, rejected, dispatched, responded, responded_in_time, closed, closed_in_time, rated, satisfied, overdue_open, closed_grid, closed_community, closed_subdistrict, closed_district)
SELECT substr(path, 1, 18), month, -1, SUM(total), SUM(rejected), SUM(dispatched), SUM(responded), SUM(responded_in_time), SUM(closed), SUM(closed_in_time), SUM(rated), SUM(satisfied), SUM(overdue_open), SUM(closed_grid), SUM(closed_community), SUM(closed_subdistrict), SUM(closed_district)
FROM case_rollup WHERE length(path) > 18 GROUP BY substr(path, 1, 18), month;
INSERT INTO case_rollup_up (path, month, dept_id, total, rejected, dispatched, responded, responded_in_time, closed, closed_in_time, rated, satisfied, overdue_open, closed_grid, closed_community, closed_subdistrict, closed_district)
SELECT substr(path, 1, 31), month, -1, SUM(total), SUM(rejected), SUM(dispatched), SUM(responded), SUM(responded_in_time), SUM(closed), SUM(closed_in_time), SUM(rated), SUM(satisfied), SUM(overdue_open), SUM(closed_grid), SUM(closed_community), SUM(closed_subdistrict), SUM(closed_district)
FROM case_rollup WHERE length(path) > 31 GROUP BY substr(path, 1, 31), month;
-- Responses still owed (counted live by the rates): only the cases whose first response
-- is outstanding, so the count never walks a unit's whole history.
CREATE INDEX cases_owed ON cases(response_due_ms, path) WHERE responded_ms IS NULL AND response_due_ms IS NOT NULL;
