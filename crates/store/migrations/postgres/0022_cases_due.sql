-- The sweep's other look-up, the open cases past their deadline not yet marked overdue,
-- gets an index of its own like `cases_remind` (0015): keyed by the deadline and holding
-- only the cases the sweep can still mark, read in its order and stopped at the first
-- case not yet due. `cases_status_due` (status, deadline) also held every closed case
-- and every case already marked, which the sweep stepped over each minute, and it
-- served nothing else: it goes, so an intake still updates as many indexes.
DROP INDEX IF EXISTS cases_status_due;
CREATE INDEX IF NOT EXISTS cases_due ON cases (due_ms)
  WHERE status IN ('accepted', 'dispatched', 'processing') AND overdue = 0 AND due_ms IS NOT NULL;
