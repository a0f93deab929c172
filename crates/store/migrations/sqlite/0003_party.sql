-- Party organisations, positions (两委), members, transfers, 双报到, service commitments,
-- alliances. SQLite dialect; keep in step with postgres/0003_party.sql.
CREATE TABLE party_orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES party_orgs(id),
    tree_path TEXT NOT NULL,
    unit_id BIGINT REFERENCES org_units(id),
    reach_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    is_temporary BIGINT NOT NULL DEFAULT 0,
    temp_reason TEXT,
    temp_end TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    founded_on TEXT NOT NULL,
    dissolved_on TEXT,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX party_orgs_parent ON party_orgs(parent_id);
CREATE INDEX party_orgs_tree ON party_orgs(tree_path);
CREATE INDEX party_orgs_unit ON party_orgs(unit_id);
CREATE INDEX party_orgs_reach ON party_orgs(reach_unit_id);

CREATE TABLE party_org_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    at_ms BIGINT NOT NULL,
    change TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    actor_login TEXT NOT NULL
);
CREATE TABLE party_positions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT REFERENCES party_orgs(id),
    unit_id BIGINT REFERENCES org_units(id),
    title TEXT NOT NULL,
    person_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    since_on TEXT NOT NULL,
    until_on TEXT
);
CREATE TABLE party_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    education TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    standing TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    resident_id BIGINT REFERENCES residents(id),
    id_enc TEXT,
    id_index TEXT,
    id_mask TEXT,
    phone_enc TEXT,
    phone_mask TEXT,
    created_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE party_transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL REFERENCES party_members(id),
    from_org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    to_org_id BIGINT REFERENCES party_orgs(id),
    to_name TEXT NOT NULL,
    on_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE TABLE party_registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL REFERENCES party_members(id),
    work_org_id BIGINT REFERENCES party_orgs(id),
    work_unit TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES org_units(id),
    reported_on TEXT NOT NULL,
    ended_on TEXT
);
CREATE TABLE party_service_categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort BIGINT NOT NULL
);
CREATE TABLE party_resource_categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort BIGINT NOT NULL
);
CREATE TABLE party_commitments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL REFERENCES party_members(id),
    community_id BIGINT NOT NULL REFERENCES org_units(id),
    category TEXT NOT NULL REFERENCES party_service_categories(code),
    description TEXT NOT NULL,
    capacity_kind TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    weekdays TEXT NOT NULL,
    time_from TEXT NOT NULL,
    time_to TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_ms BIGINT NOT NULL
);
CREATE TABLE alliances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    lead_org_id BIGINT REFERENCES party_orgs(id),
    founded_on TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL
);
CREATE TABLE alliance_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    org_id BIGINT REFERENCES party_orgs(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    joined_on TEXT NOT NULL
);
CREATE TABLE alliance_agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    title TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    term_months BIGINT NOT NULL,
    content TEXT NOT NULL
);
CREATE TABLE alliance_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    held_on TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    participants BIGINT NOT NULL,
    link TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE alliance_resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    member_id BIGINT NOT NULL REFERENCES alliance_members(id),
    name TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES party_resource_categories(code),
    capacity BIGINT NOT NULL,
    capacity_unit TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    time_from TEXT NOT NULL,
    time_to TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX party_org_events_org ON party_org_events(org_id, at_ms);
CREATE INDEX party_positions_org ON party_positions(org_id);
CREATE INDEX party_positions_unit ON party_positions(unit_id);
CREATE INDEX party_members_org ON party_members(org_id, status);
CREATE INDEX party_members_idx ON party_members(id_index);
CREATE INDEX party_transfers_member ON party_transfers(member_id);
CREATE INDEX party_registrations_member ON party_registrations(member_id);
CREATE INDEX party_registrations_community ON party_registrations(community_id);
CREATE INDEX party_commitments_member ON party_commitments(member_id);
CREATE INDEX party_commitments_community ON party_commitments(community_id, active);
CREATE INDEX alliance_members_alliance ON alliance_members(alliance_id);
CREATE INDEX alliance_members_org ON alliance_members(org_id);
CREATE INDEX alliance_agreements_alliance ON alliance_agreements(alliance_id);
CREATE INDEX alliance_activities_alliance ON alliance_activities(alliance_id, held_on);
CREATE INDEX alliance_resources_alliance ON alliance_resources(alliance_id);

INSERT INTO party_service_categories (code, name_zh, name_en, sort) VALUES
('policy', '政策宣讲', 'Policy outreach', 1),
('legal', '法律咨询', 'Legal advice', 2),
('medical', '医疗义诊', 'Free clinics', 3),
('elderly', '助老服务', 'Help for the elderly', 4),
('tutoring', '教育辅导', 'Tutoring', 5),
('culture', '文体活动', 'Culture and sports', 6),
('environment', '环境整治', 'Environment clean-up', 7),
('mediation', '矛盾调解', 'Dispute mediation', 8),
('skills', '技能服务', 'Practical skills', 9),
('employment', '就业帮扶', 'Employment help', 10);

INSERT INTO party_resource_categories (code, name_zh, name_en, sort) VALUES
('venue', '活动场地', 'Venues', 1),
('equipment', '设施设备', 'Equipment', 2),
('volunteers', '志愿力量', 'Volunteers', 3),
('professional', '专业服务', 'Professional services', 4),
('training', '教育培训', 'Training', 5),
('employment', '就业岗位', 'Jobs', 6),
('culture', '文化资源', 'Cultural resources', 7),
('funds', '资金物资', 'Funds and goods', 8);
