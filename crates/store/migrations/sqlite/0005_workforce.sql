-- workforce (sqlite dialect); keep in step with the other dialect.
CREATE TABLE wf_cadres (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    post_title TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    education TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    party_member BIGINT NOT NULL DEFAULT 1,
    start_date TEXT NOT NULL,
    end_date TEXT,
    source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX wf_cadres_path ON wf_cadres (path, start_date);

CREATE TABLE wf_added_staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    post TEXT NOT NULL,
    kind TEXT NOT NULL,
    added_date TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX wf_added_staff_path ON wf_added_staff (path, added_date);

CREATE TABLE wf_promotions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    secretary_name TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES org_units(id),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    post_title TEXT NOT NULL,
    promoted_date TEXT NOT NULL,
    cadre_id BIGINT NOT NULL REFERENCES wf_cadres(id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX wf_promotions_path ON wf_promotions (path);

CREATE TABLE wf_pay_tables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    effective_year BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    qual_assistant BIGINT NOT NULL,
    qual_social_worker BIGINT NOT NULL,
    qual_senior BIGINT NOT NULL,
    housing_rate_bp BIGINT NOT NULL,
    committee_allowance BIGINT NOT NULL,
    departure_per_year BIGINT NOT NULL,
    retirement_per_year BIGINT NOT NULL,
    step_years BIGINT NOT NULL,
    bonus_assistant BIGINT NOT NULL,
    bonus_social_worker BIGINT NOT NULL,
    bonus_senior BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE wf_pay_cells (
    table_id BIGINT NOT NULL REFERENCES wf_pay_tables(id),
    post BIGINT NOT NULL,
    grade BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (table_id, post, grade)
);

CREATE TABLE wf_workers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    education TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    post BIGINT NOT NULL,
    grade BIGINT NOT NULL,
    entry_grade BIGINT NOT NULL,
    qualification TEXT NOT NULL,
    two_committees BIGINT NOT NULL,
    duty TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    end_date TEXT,
    exit_subsidy BIGINT,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX wf_workers_path ON wf_workers (path);

CREATE TABLE wf_worker_grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id BIGINT NOT NULL REFERENCES wf_workers(id),
    post BIGINT NOT NULL,
    grade BIGINT NOT NULL,
    from_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX wf_worker_grades_worker ON wf_worker_grades (worker_id, from_date);

CREATE TABLE wf_assessments (
    worker_id BIGINT NOT NULL REFERENCES wf_workers(id),
    year BIGINT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (worker_id, year)
);

CREATE TABLE wf_pay_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    table_id BIGINT NOT NULL REFERENCES wf_pay_tables(id),
    status TEXT NOT NULL,
    workers BIGINT NOT NULL,
    total BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    confirmed_ms BIGINT,
    confirmed_by TEXT,
    UNIQUE (unit_id, month)
);
CREATE INDEX wf_pay_runs_month ON wf_pay_runs (month, path);

CREATE TABLE wf_pay_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES wf_pay_runs(id),
    worker_id BIGINT NOT NULL REFERENCES wf_workers(id),
    name TEXT NOT NULL,
    community_id BIGINT NOT NULL,
    path TEXT NOT NULL,
    post BIGINT NOT NULL,
    grade BIGINT NOT NULL,
    two_committees BIGINT NOT NULL,
    base BIGINT NOT NULL,
    qualification BIGINT NOT NULL,
    housing_fund BIGINT NOT NULL,
    other BIGINT NOT NULL,
    total BIGINT NOT NULL
);
CREATE INDEX wf_pay_lines_run ON wf_pay_lines (run_id);

CREATE TABLE wf_talents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    education TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    present_role TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    identified_date TEXT NOT NULL,
    training_date TEXT,
    ready_date TEXT,
    appointed_date TEXT,
    appointed_post TEXT,
    dropped_date TEXT,
    drop_reason TEXT,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX wf_talents_path ON wf_talents (path, stage);

CREATE TABLE wf_trainings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    talent_id BIGINT NOT NULL REFERENCES wf_talents(id),
    course TEXT NOT NULL,
    hours BIGINT NOT NULL,
    day TEXT NOT NULL,
    result TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX wf_trainings_talent ON wf_trainings (talent_id);
