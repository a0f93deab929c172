-- The outbox reads only the notices not yet sent, oldest first. The old index held
-- every notice, sent or not, keyed by (sent_ms, id): each claim moved its entries from
-- the NULL end to the time it was sent, and the index grew with the whole history.
-- This one holds only the unsent: an intake adds its notices at the end, a claim takes
-- them out, and the index stays as small as the backlog.
DROP INDEX notifications_unsent;
CREATE INDEX notifications_unsent ON notifications(id) WHERE sent_ms IS NULL;
