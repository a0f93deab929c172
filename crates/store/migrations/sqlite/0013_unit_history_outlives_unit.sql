-- A unit's history no longer holds a foreign key to the unit (as on PostgreSQL, where
-- the key's per-row check was 2.4 s of a national import's 5.8 s history statement).
-- Units are never deleted (they are retired), so the key guarded nothing in practice;
-- a history that outlives its unit is what a trail is for. SQLite cannot drop a
-- constraint: the table is rebuilt with the same columns, rows and ids.
CREATE TABLE unit_history_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    change TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    actor_login TEXT NOT NULL
);
INSERT INTO unit_history_new (id, unit_id, at_ms, change, before_json, after_json, actor_login)
    SELECT id, unit_id, at_ms, change, before_json, after_json, actor_login FROM unit_history;
DROP TABLE unit_history;
ALTER TABLE unit_history_new RENAME TO unit_history;
CREATE INDEX unit_history_unit ON unit_history(unit_id, at_ms);
