-- The three lists: needs, resources, matches and engine runs, projects with milestones,
-- results, photos and ratings. SQLite dialect; keep in step with postgres/0007_lists.sql.
CREATE TABLE list_categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    grp TEXT NOT NULL,
    party_service_code TEXT,
    party_resource_code TEXT,
    sort BIGINT NOT NULL
);
CREATE TABLE list_needs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL REFERENCES list_categories(code),
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    beneficiary TEXT NOT NULL,
    beneficiaries BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    met BIGINT NOT NULL DEFAULT 0,
    date_from TEXT NOT NULL,
    date_to TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    time_from TEXT NOT NULL,
    time_to TEXT NOT NULL,
    urgency BIGINT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    case_number TEXT,
    merged_into BIGINT REFERENCES list_needs(id),
    created_by BIGINT,
    created_name TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    matched_ms BIGINT,
    result_ms BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX list_needs_path ON list_needs(path, status);
CREATE INDEX list_needs_case ON list_needs(case_number);
CREATE INDEX list_needs_creator ON list_needs(created_by);
CREATE TABLE list_requesters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id BIGINT NOT NULL REFERENCES list_needs(id),
    name TEXT NOT NULL,
    user_id BIGINT,
    source TEXT NOT NULL,
    case_number TEXT,
    quantity BIGINT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX list_requesters_need ON list_requesters(need_id);
CREATE TABLE list_resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    source_id BIGINT,
    provider_kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    party_org_id BIGINT,
    name TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES list_categories(code),
    detail TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    period TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    radius_m BIGINT NOT NULL,
    weekdays TEXT NOT NULL,
    time_from TEXT NOT NULL,
    time_to TEXT NOT NULL,
    date_from TEXT NOT NULL,
    date_to TEXT NOT NULL,
    cost_cents BIGINT NOT NULL,
    contact TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    used BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX list_resources_source ON list_resources(source, source_id);
CREATE INDEX list_resources_path ON list_resources(path);
CREATE TABLE list_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_path TEXT NOT NULL,
    needs BIGINT NOT NULL,
    resources BIGINT NOT NULL,
    edges BIGINT NOT NULL,
    proposals BIGINT NOT NULL,
    total_value BIGINT NOT NULL,
    elapsed_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    actor_login TEXT NOT NULL
);
CREATE TABLE list_projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES list_categories(code),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    owner_party_org_id BIGINT,
    participants TEXT NOT NULL,
    description TEXT NOT NULL,
    budget_planned_cents BIGINT NOT NULL,
    budget_spent_cents BIGINT NOT NULL DEFAULT 0,
    progress BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    started_on TEXT NOT NULL,
    finished_on TEXT,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX list_projects_path ON list_projects(path);
CREATE TABLE list_matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id BIGINT NOT NULL REFERENCES list_needs(id),
    resource_id BIGINT NOT NULL REFERENCES list_resources(id),
    quantity BIGINT NOT NULL,
    status TEXT NOT NULL,
    manual BIGINT NOT NULL DEFAULT 0,
    run_id BIGINT REFERENCES list_runs(id),
    urgency BIGINT NOT NULL,
    fit TEXT NOT NULL,
    distance_m BIGINT NOT NULL,
    overlap_permille BIGINT NOT NULL,
    urgency_points BIGINT NOT NULL,
    fit_points BIGINT NOT NULL,
    distance_points BIGINT NOT NULL,
    time_points BIGINT NOT NULL,
    value BIGINT NOT NULL,
    project_id BIGINT REFERENCES list_projects(id),
    created_ms BIGINT NOT NULL,
    decided_ms BIGINT,
    decided_by TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX list_matches_need ON list_matches(need_id, status);
CREATE INDEX list_matches_resource ON list_matches(resource_id, status);
CREATE INDEX list_matches_project ON list_matches(project_id);
CREATE INDEX list_matches_status ON list_matches(status);
CREATE TABLE list_milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES list_projects(id),
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_on TEXT
);
CREATE INDEX list_milestones_project ON list_milestones(project_id);
CREATE TABLE list_outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES list_projects(id),
    text TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX list_outcomes_project ON list_outcomes(project_id);
CREATE TABLE list_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES list_projects(id),
    outcome_id BIGINT NOT NULL REFERENCES list_outcomes(id),
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    size BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX list_photos_project ON list_photos(project_id);
CREATE TABLE list_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES list_projects(id),
    user_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    stars BIGINT NOT NULL,
    comment TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX list_ratings_one ON list_ratings(project_id, user_id);

-- One category list for needs and resources. Codes of the party capability's service
-- categories (党员服务清单) and shared-resource categories map onto it; a group makes
-- categories related (a partial fit in matching).
INSERT INTO list_categories (code, name_zh, name_en, grp, party_service_code, party_resource_code, sort) VALUES
('elderly', '助老服务', 'Help for the elderly', 'care', 'elderly', NULL, 1),
('meals', '助老送餐', 'Meals for the elderly', 'care', NULL, NULL, 2),
('haircut', '理发义剪', 'Free haircuts', 'care', NULL, NULL, 3),
('volunteers', '志愿帮扶', 'Volunteer help', 'care', NULL, 'volunteers', 4),
('medical', '医疗义诊', 'Free clinics', 'health', 'medical', NULL, 5),
('counselling', '心理疏导', 'Counselling', 'health', NULL, NULL, 6),
('legal', '法律咨询', 'Legal advice', 'rights', 'legal', 'professional', 7),
('mediation', '矛盾调解', 'Dispute mediation', 'rights', 'mediation', NULL, 8),
('policy', '政策宣讲', 'Policy outreach', 'rights', 'policy', NULL, 9),
('tutoring', '课业辅导', 'Homework tutoring', 'learning', 'tutoring', 'training', 10),
('culture', '文体活动', 'Culture and sports', 'learning', 'culture', 'culture', 11),
('repair', '家电维修', 'Appliance repair', 'repair', NULL, NULL, 12),
('skills', '技能服务', 'Practical skills', 'repair', 'skills', 'equipment', 13),
('environment', '环境整治', 'Environment clean-up', 'environment', 'environment', NULL, 14),
('employment', '就业帮扶', 'Employment help', 'work', 'employment', 'employment', 15),
('venue', '活动场地', 'Venues', 'space', NULL, 'venue', 16),
('goods', '资金物资', 'Funds and goods', 'goods', NULL, 'funds', 17);
