-- Incremental aggregates of cases for the three rates: one row per grid, month of
-- intake (Beijing) and handling department (0 = none). Kept in step with every case
-- change in the same transaction, so rates read a few thousand rows, not every case.
CREATE TABLE case_rollup (
    path TEXT COLLATE "C" NOT NULL,
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
CREATE INDEX cases_unsigned ON cases(status, response_due_ms);
INSERT INTO case_rollup
SELECT path, to_char(to_timestamp(created_ms / 1000 + 28800) AT TIME ZONE 'UTC', 'YYYY-MM') AS month, COALESCE(assignee_dept_id, 0) AS dept_id,
    COUNT(*),
    SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END),
    SUM(CASE WHEN dispatched_ms IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN responded_ms IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN responded_ms IS NOT NULL AND responded_ms <= response_due_ms THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_ms <= due_ms THEN 1 ELSE 0 END),
    SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END),
    SUM(CASE WHEN overdue = 1 AND status NOT IN ('closed', 'rejected') THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_level = 'grid' THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_level = 'community' THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_level = 'subdistrict' THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_level = 'district' THEN 1 ELSE 0 END)
FROM cases GROUP BY 1, 2, 3;
