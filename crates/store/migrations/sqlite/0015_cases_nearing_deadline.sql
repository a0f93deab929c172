-- The sweep that reminds handlers of cases three quarters of the way to their deadline
-- asks for open cases not yet reminded whose reminder moment has come. `cases_status_due`
-- bounds only the status and `due_ms >= now`, which every open case meets: after the
-- megacity replay (2.1 M open cases, all far from their deadline) the sweep read them
-- all, 1.6 s every minute, to find none. Keyed by the reminder moment and holding only
-- cases that can still be reminded, this index hands the sweep just the cases due now;
-- a case leaves it once it is reminded, overdue or no longer open. The sweep reads
-- it in its order (earliest reminder moment first).
CREATE INDEX IF NOT EXISTS cases_remind ON cases ((accepted_ms + (due_ms - accepted_ms) * 3 / 4))
  WHERE status IN ('accepted', 'dispatched', 'processing') AND reminded = 0 AND overdue = 0 AND due_ms IS NOT NULL;
