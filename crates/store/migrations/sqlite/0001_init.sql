-- Jiceng schema, SQLite dialect. Keep in step with migrations/postgres/0001_init.sql.
CREATE TABLE org_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    official_name TEXT NOT NULL,
    parent_id BIGINT REFERENCES org_units(id),
    path TEXT NOT NULL UNIQUE,
    grid_type TEXT,
    boundary TEXT,
    address TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    created_ms BIGINT NOT NULL,
    retired_ms BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX org_units_parent ON org_units(parent_id);
CREATE INDEX org_units_kind_path ON org_units(kind, path);

CREATE TABLE unit_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    at_ms BIGINT NOT NULL,
    change TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    actor_login TEXT NOT NULL
);
CREATE INDEX unit_history_unit ON unit_history(unit_id, at_ms);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    title TEXT NOT NULL,
    person_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    until_ms BIGINT
);
CREATE INDEX posts_unit ON posts(unit_id);

CREATE TABLE labels (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    room TEXT NOT NULL,
    address TEXT NOT NULL,
    dwelling TEXT NOT NULL,
    members BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (unit_id, room)
);
CREATE INDEX households_path ON households(path);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households(id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    id_enc TEXT NOT NULL,
    id_index TEXT NOT NULL UNIQUE,
    id_mask TEXT NOT NULL,
    phone_enc TEXT,
    phone_index TEXT,
    phone_mask TEXT,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    relation TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX residents_path ON residents(path, id);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_phone ON residents(phone_index);
CREATE INDEX residents_name ON residents(name);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    household_id BIGINT REFERENCES households(id),
    active BIGINT NOT NULL DEFAULT 1,
    created_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_ms);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_login TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_at ON audit_events(at_ms);
CREATE INDEX audit_scope ON audit_events(scope_path, id);
CREATE INDEX audit_actor ON audit_events(actor_login, id);

-- The audit trail is append-only: the database itself refuses changes.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

INSERT INTO labels (code, name_zh, name_en) VALUES
    ('elderly_alone', '独居老人', 'Elderly living alone'),
    ('empty_nest', '空巢老人', 'Empty-nest elderly'),
    ('disabled', '残疾人', 'Person with a disability'),
    ('low_income', '低保户', 'Minimum-living-allowance household'),
    ('veteran', '退役军人', 'Veteran'),
    ('special_hardship', '特困人员', 'Person in extreme hardship'),
    ('left_behind_child', '留守儿童', 'Left-behind child'),
    ('key_care', '重点关注人员', 'Person needing close care');
