-- Two plans PostgreSQL got wrong at 20 M residents / 10 M cases (`jiceng bench city`):
--
-- The rates of a unit grouped by the level below it read the rollup rows of that level
-- inside the unit's subtree, for all departments together (dept_id = -1) or one:
-- `length(path) = L AND dept_id = D AND path >= lo AND path < hi`. The primary key
-- (path, month, dept_id) only bounds the subtree, which holds every level below and every
-- department: the planner read the whole table instead (1.3 M rows, 156 ms for a
-- district). With this index a district reads its 1,480 rows (9 ms). Counters are not in
-- it, so the intake's upserts stay HOT updates.
CREATE INDEX IF NOT EXISTS case_rollup_up_level ON case_rollup_up (length(path), dept_id, path);
--
-- The responses owed are counted from the cases not yet answered that have a deadline.
-- Keyed by deadline first, the index lost to `cases_path` whenever a unit's path range was
-- estimated small (a sub-district of 65 k cases planned as one row: 272 ms walking its
-- whole history). Keyed by path first, it bounds the same range as `cases_path` over a
-- few thousand entries instead of millions, and wins whatever the estimate (0.1 ms).
-- SQLite names the index in the query (INDEXED BY) and keeps the old order.
DROP INDEX IF EXISTS cases_owed;
CREATE INDEX cases_owed ON cases (path, response_due_ms) WHERE responded_ms IS NULL AND response_due_ms IS NOT NULL;
