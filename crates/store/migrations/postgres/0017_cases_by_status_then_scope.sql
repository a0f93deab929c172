-- Lists of cases (the inbox above all) ask for a scope's cases of some statuses, newest
-- first. `cases_path` (path, status, created_ms) bounded the scope first, so a district's
-- lists read every case the district ever had and kept those of the statuses asked for:
-- on a city of 1 M cases of which 12 k open (`jiceng bench city --cases 1000000`),
-- 56–120 ms a list, four lists an inbox, growing with the history. Status first, each
-- status asked for is one range over that status's cases in the scope (1.1–22 ms there,
-- growing with the open cases only; with the overdue and escalation marks in the index
-- too, the inbox's lists of overdue and escalated cases are read from the index alone:
-- 1.0–2.6 ms). Lists without a status name them all, so they read the scope in eight
-- ranges (88 ms for that city's district, as before). The index replaces `cases_path`
-- rather than joining it: intake writes one entry per case into either, in the leaf of
-- its grid, and a second such index cost 10–15 % of intake on SQLite.
DROP INDEX IF EXISTS cases_path;
CREATE INDEX IF NOT EXISTS cases_status_path ON cases (status, path, created_ms, overdue, escalations);
