-- The service network (党群服务中心/驿站 1+7+41), joint meetings (党建联席会议) and the sub-district
-- after its reform. sqlite dialect; keep in step with postgres/0004_network.sql.
CREATE TABLE network_place_kinds (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    -- the org level a place of this kind belongs to: district | subdistrict | community | any
    level TEXT NOT NULL,
    -- counted in the "1+7+41" alliance of centres
    centre BIGINT NOT NULL DEFAULT 0,
    sort BIGINT NOT NULL DEFAULT 0
);
INSERT INTO network_place_kinds (code, name_zh, name_en, level, centre, sort) VALUES
 ('district_centre', '区党群服务中心', 'District party-mass service centre', 'district', 1, 1),
 ('subdistrict_centre', '街道（镇）党群服务中心', 'Sub-district party-mass service centre', 'subdistrict', 1, 2),
 ('community_centre', '社区党群服务中心', 'Community party-mass service centre', 'community', 1, 3),
 ('station', '楼宇和商圈党群服务驿站', 'Building / business-district service station', 'any', 0, 4),
 ('organ_post', '机关党建示范岗', 'Model organ party post', 'any', 0, 5),
 ('park_site', '园区党建示范点', 'Park party-building demonstration site', 'any', 0, 6),
 ('business_site', '商圈党建示范点', 'Business-district demonstration site', 'any', 0, 7);

CREATE TABLE network_services (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort BIGINT NOT NULL DEFAULT 0
);
INSERT INTO network_services (code, name_zh, name_en, sort) VALUES
 ('party_edu', '党员教育', 'Party member education', 1),
 ('gov_agency', '政务代办', 'Government services by proxy', 2),
 ('legal', '法律咨询', 'Legal advice', 3),
 ('counselling', '心理疏导', 'Counselling', 4),
 ('care', '托老托幼', 'Elderly day care and childcare', 5),
 ('volunteer', '志愿服务', 'Volunteering', 6),
 ('reading', '图书阅览', 'Reading room', 7),
 ('culture', '文体活动', 'Culture and sports', 8),
 ('employment', '就业指导', 'Employment guidance', 9),
 ('medical', '健康义诊', 'Health check-ups', 10),
 ('mediation', '矛盾调解', 'Dispute mediation', 11),
 ('social_security', '社保医保咨询', 'Social and medical insurance advice', 12);

CREATE TABLE network_places (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind_code TEXT NOT NULL REFERENCES network_place_kinds(code),
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    -- micro-degrees (WGS-84 × 1e6)
    lon_e6 BIGINT,
    lat_e6 BIGINT,
    -- one line per group of weekdays: 周一至周五 8:30–18:00
    hours TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    -- 精品社区 (model community)
    model BIGINT NOT NULL DEFAULT 0,
    intro TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX network_places_path ON network_places(path);
CREATE INDEX network_places_kind ON network_places(kind_code);

CREATE TABLE network_place_services (
    place_id BIGINT NOT NULL REFERENCES network_places(id),
    service_code TEXT NOT NULL REFERENCES network_services(code),
    PRIMARY KEY (place_id, service_code)
);
CREATE INDEX network_place_services_code ON network_place_services(service_code);

CREATE TABLE network_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    place_id BIGINT NOT NULL REFERENCES network_places(id),
    day TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    participants BIGINT NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL
);
CREATE INDEX network_activities_place ON network_activities(place_id, day);

CREATE TABLE jm_bodies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- district | subdistrict | community | business
    level TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    convener TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX jm_bodies_path ON jm_bodies(path);

CREATE TABLE jm_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id BIGINT NOT NULL REFERENCES jm_bodies(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- a party organisation of the party capability (no FK: built separately)
    party_org_id BIGINT,
    representative TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX jm_members_body ON jm_members(body_id);

CREATE TABLE jm_meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id BIGINT NOT NULL REFERENCES jm_bodies(id),
    day TEXT NOT NULL,
    place TEXT NOT NULL,
    -- one agenda item per line
    agenda TEXT NOT NULL,
    minutes TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL
);
CREATE INDEX jm_meetings_body ON jm_meetings(body_id, day);

CREATE TABLE jm_attendance (
    meeting_id BIGINT NOT NULL REFERENCES jm_meetings(id),
    member_id BIGINT NOT NULL REFERENCES jm_members(id),
    -- present | absent | deputy
    status TEXT NOT NULL,
    deputy TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE jm_resolutions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id BIGINT NOT NULL REFERENCES jm_bodies(id),
    meeting_id BIGINT REFERENCES jm_meetings(id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    owner_member_id BIGINT REFERENCES jm_members(id),
    deadline TEXT NOT NULL,
    -- open | in_progress | done
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    done_day TEXT,
    -- an appeal referred to the joint meeting (case number as text)
    case_number TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX jm_resolutions_body ON jm_resolutions(body_id);
CREATE INDEX jm_resolutions_open ON jm_resolutions(status, path);
CREATE INDEX jm_resolutions_case ON jm_resolutions(case_number);

-- The sub-district after its reform: functions, rights, internal organs, integrated stations.
CREATE TABLE reform_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    -- function | right | organ | station
    list TEXT NOT NULL,
    name TEXT NOT NULL,
    -- organ: office | centre; station: its kind (司法所 …)
    category TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    sort BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX reform_items_unit ON reform_items(unit_id, list);

CREATE TABLE reform_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    command TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reform_teams_unit ON reform_teams(unit_id);

-- Service items delegated to a sub-district: filled when the service-items capability lands.
CREATE TABLE reform_delegated (
    unit_id BIGINT PRIMARY KEY REFERENCES org_units(id),
    items BIGINT,
    note TEXT NOT NULL DEFAULT '',
    updated_ms BIGINT NOT NULL
);
