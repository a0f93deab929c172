-- A unit's history no longer holds a foreign key to the unit. Units are never deleted
-- (they are retired), so the key guarded nothing in practice, while PostgreSQL checked it
-- row by row: a national division list writes 621,400 history rows in one statement and
-- the key's trigger took 2.4 s of its 5.8 s. A history that outlives its unit is also
-- what a trail is for. The index on unit_id stays.
ALTER TABLE unit_history DROP CONSTRAINT IF EXISTS unit_history_unit_id_fkey;
