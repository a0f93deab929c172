-- Residents' appeals (民有所呼、我有所应). SQLite dialect; keep in step with postgres/0002.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    phone TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE department_estates (
    department_id BIGINT NOT NULL REFERENCES departments(id),
    estate_id BIGINT NOT NULL REFERENCES org_units(id),
    PRIMARY KEY (department_id, estate_id)
);
CREATE INDEX department_estates_estate ON department_estates(estate_id);

ALTER TABLE users ADD COLUMN department_id BIGINT REFERENCES departments(id);

CREATE TABLE appeal_categories (
    code TEXT PRIMARY KEY,
    parent_code TEXT,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    source TEXT NOT NULL,
    responsible TEXT NOT NULL,
    department_code TEXT,
    response_hours BIGINT NOT NULL,
    limit_amount BIGINT NOT NULL,
    limit_unit TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '[]',
    active BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE case_counters (
    day TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES appeal_categories(code),
    description TEXT NOT NULL,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    address TEXT NOT NULL DEFAULT '',
    grid_id BIGINT NOT NULL REFERENCES org_units(id),
    estate_id BIGINT REFERENCES org_units(id),
    building_id BIGINT REFERENCES org_units(id),
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT NOT NULL,
    coord_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    assignee_unit_id BIGINT REFERENCES org_units(id),
    assignee_dept_id BIGINT REFERENCES departments(id),
    reporter_user_id BIGINT REFERENCES users(id),
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_phone_enc TEXT,
    reporter_phone_mask TEXT,
    anonymous BIGINT NOT NULL DEFAULT 0,
    attributes TEXT NOT NULL DEFAULT '{}',
    media_url TEXT,
    created_ms BIGINT NOT NULL,
    accepted_ms BIGINT,
    dispatched_ms BIGINT,
    response_due_ms BIGINT,
    responded_ms BIGINT,
    due_ms BIGINT,
    feedback_ms BIGINT,
    verified_ms BIGINT,
    closed_ms BIGINT,
    closed_level TEXT,
    result TEXT,
    reject_reason TEXT,
    overdue BIGINT NOT NULL DEFAULT 0,
    reminded BIGINT NOT NULL DEFAULT 0,
    escalations BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    reopen_count BIGINT NOT NULL DEFAULT 0,
    satisfaction TEXT,
    rating_note TEXT,
    rated_ms BIGINT,
    pending_kind TEXT,
    pending_note TEXT,
    pending_days BIGINT,
    pending_dept_id BIGINT,
    pending_by TEXT,
    joint_meeting TEXT,
    idem_key TEXT UNIQUE,
    track_token TEXT NOT NULL UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX cases_path ON cases(path, created_ms);
CREATE INDEX cases_created ON cases(created_ms);
CREATE INDEX cases_dept ON cases(assignee_dept_id, status);
CREATE INDEX cases_status_due ON cases(status, due_ms);
CREATE INDEX cases_reporter ON cases(reporter_user_id, created_ms);
CREATE INDEX cases_estate ON cases(estate_id);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    at_ms BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    actor_login TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    public BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE case_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    event_id BIGINT REFERENCES case_events(id),
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    size BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id);

CREATE TABLE case_parties (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (case_id, role)
);

CREATE TABLE case_whistles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    called_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    reported_ms BIGINT,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (case_id, department_id)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    text TEXT NOT NULL,
    sent_ms BIGINT
);
CREATE INDEX notifications_unsent ON notifications(sent_ms, id);

CREATE TABLE rotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subdistrict_id BIGINT NOT NULL REFERENCES org_units(id),
    period TEXT NOT NULL,
    secretary TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    taken_ms BIGINT,
    UNIQUE (subdistrict_id, period)
);

CREATE TABLE open311_keys (
    key_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
