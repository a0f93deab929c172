-- The audit trail's scope index keys on the sub-district (the first 18 characters of a
-- scope path, e.g. /150302/150302001/) instead of the full path. Keyed by the full
-- path, every intake's audit entry went to its own grid's place in the index: each
-- intake commit wrote one index page per grid in the batch (31 of its ~130 pages).
-- Keyed by sub-district, a batch adds to at most as many places as there are
-- sub-districts. A scope at or below a sub-district reads its sub-district's entries
-- newest first and keeps those under the scope; above it, the entries newest first.
DROP INDEX audit_scope;
CREATE INDEX audit_scope ON audit_events((substr(scope_path, 1, 18)), id);
