-- Every inbox query lists a scope's cases of some statuses, newest first. With the
-- status inside the scope index the database reads it from the index and fetches only
-- the cases that match, not every case of the scope (a grid's inbox: 9 queries over
-- ~430 cases each in the benchmark). Lists without a status filter sort by creation
-- time after the path range either way.
DROP INDEX cases_path;
CREATE INDEX cases_path ON cases(path, status, created_ms);
