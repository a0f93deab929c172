-- Most cases carry no idempotency key (only clients that retry send one), yet the UNIQUE
-- constraint's index took an entry for every case, NULL or not: one index insertion of
-- the intake's dozen per case for nothing. The index now holds the keys given; the
-- look-ups (`idem_key = $1`, `idem_key IN (…)`) imply a key, so they use it, and a key is
-- still stored once.
CREATE UNIQUE INDEX IF NOT EXISTS cases_idem_key ON cases (idem_key) WHERE idem_key IS NOT NULL;
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_idem_key_key;
