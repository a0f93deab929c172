-- Three of the inbox's lists asked for marked cases by reading every open case in the
-- scope: after the megacity replay (320 k open cases, all far from their deadline) a
-- district administrator's inbox took 0.66–0.74 s on SQLite — 0.49 s for the cases
-- nearing their deadline, 0.13 s for those escalated to the unit, 0.03–0.06 s for the
-- overdue ones. The marks are all set after intake (by the deadline sweep and by
-- escalation), so these indexes hold only marked cases and cost intake nothing.
-- Reminded by the sweep and not overdue, by status and scope, newest first within.
CREATE INDEX IF NOT EXISTS cases_reminded ON cases (status, path, created_ms) WHERE reminded = 1 AND overdue = 0;
-- Overdue, the same way (closed ones stay marked; status first leaves them unread).
CREATE INDEX IF NOT EXISTS cases_overdue ON cases (status, path, created_ms) WHERE overdue = 1;
-- Escalated, by the unit now coordinating them.
CREATE INDEX IF NOT EXISTS cases_escalated ON cases (coord_unit_id, created_ms) WHERE escalations > 0;
