-- Indexes on columns that a new case leaves empty now cover only the rows that have a
-- value, so intake writes fewer index entries per case (the department, the response
-- deadline; the estate and the reporter when the case has none). Every query on these
-- columns compares them with a value, which implies IS NOT NULL, so both planners
-- still use the indexes.
DROP INDEX cases_dept;
CREATE INDEX cases_dept ON cases(assignee_dept_id, status) WHERE assignee_dept_id IS NOT NULL;
DROP INDEX cases_reporter;
CREATE INDEX cases_reporter ON cases(reporter_user_id, created_ms) WHERE reporter_user_id IS NOT NULL;
DROP INDEX cases_estate;
CREATE INDEX cases_estate ON cases(estate_id) WHERE estate_id IS NOT NULL;
DROP INDEX cases_unsigned;
CREATE INDEX cases_unsigned ON cases(status, response_due_ms) WHERE response_due_ms IS NOT NULL;
