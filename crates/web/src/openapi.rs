//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/openapi.json`.

use axum::Json;
use serde_json::{Value, json};

struct Op {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    tag: &'static str,
    body: Option<&'static str>,
    ok: u16,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    tag: &'static str,
    body: Option<&'static str>,
    ok: u16,
) -> Op {
    Op {
        method,
        path,
        summary,
        tag,
        body,
        ok,
    }
}

const OPS: &[Op] = &[
    op(
        "get",
        "/me",
        "The caller: login, role and reach",
        "auth",
        None,
        200,
    ),
    op(
        "get",
        "/units/root",
        "The top unit of the caller's reach, with children, posts and counts",
        "org",
        None,
        200,
    ),
    op(
        "post",
        "/units",
        "Create a unit under a parent (code optional: the next free number is taken)",
        "org",
        Some("CreateUnit"),
        201,
    ),
    op(
        "get",
        "/units/by-code/{code}",
        "A unit by its division / grid code",
        "org",
        None,
        200,
    ),
    op(
        "get",
        "/units/{id}",
        "A unit with ancestors, children, posts and subtree counts",
        "org",
        None,
        200,
    ),
    op(
        "patch",
        "/units/{id}",
        "Rename, change grid type, address or boundary (needs the current version)",
        "org",
        Some("PatchUnit"),
        200,
    ),
    op(
        "post",
        "/units/{id}/move",
        "Move a unit under another parent of the level above",
        "org",
        Some("MoveUnit"),
        200,
    ),
    op(
        "post",
        "/units/{id}/retire",
        "Retire an empty unit (its code is never reused)",
        "org",
        Some("Version"),
        200,
    ),
    op(
        "get",
        "/units/{id}/history",
        "Every change of a unit",
        "org",
        None,
        200,
    ),
    op(
        "get",
        "/units/{id}/posts",
        "Current 网格长/小区片长/楼栋长/单元长 of a unit",
        "org",
        None,
        200,
    ),
    op(
        "post",
        "/units/{id}/posts",
        "Appoint a post holder",
        "org",
        Some("Appoint"),
        201,
    ),
    op(
        "post",
        "/posts/{id}/end",
        "End a post holder's term",
        "org",
        None,
        204,
    ),
    op(
        "get",
        "/units/{id}/residents",
        "Residents in a unit's subtree, masked (q: name, whole ID or phone; label; offset; limit)",
        "people",
        None,
        200,
    ),
    op(
        "get",
        "/units/{id}/households",
        "Households of a building or unit",
        "people",
        None,
        200,
    ),
    op(
        "post",
        "/units/{id}/households",
        "Record a household in a building or unit",
        "people",
        Some("HouseholdInput"),
        201,
    ),
    op(
        "get",
        "/units/{id}/grids.geojson",
        "Grid boundaries of a subtree as GeoJSON",
        "export",
        None,
        200,
    ),
    op(
        "get",
        "/units/{id}/residents.xlsx",
        "Residents of a subtree as .xlsx (masked)",
        "export",
        None,
        200,
    ),
    op(
        "get",
        "/households/{id}",
        "A household with its members (masked)",
        "people",
        None,
        200,
    ),
    op(
        "post",
        "/households/{id}/residents",
        "Record a resident in a household",
        "people",
        Some("ResidentInput"),
        201,
    ),
    op(
        "get",
        "/residents",
        "Search residents within the caller's reach (masked)",
        "people",
        None,
        200,
    ),
    op(
        "get",
        "/residents/{id}",
        "A resident (masked) with household and place",
        "people",
        None,
        200,
    ),
    op(
        "patch",
        "/residents/{id}",
        "Change a resident (needs the current version)",
        "people",
        Some("UpdateResident"),
        200,
    ),
    op(
        "post",
        "/residents/{id}/reveal",
        "Show the whole ID number and phone (allowed roles only; audited)",
        "people",
        Some("Reveal"),
        200,
    ),
    op(
        "get",
        "/labels",
        "Care labels (独居老人, 残疾人 …)",
        "people",
        None,
        200,
    ),
    op(
        "get",
        "/audit",
        "The audit trail within the caller's reach (actor_login, action, entity_type, entity_id, from_ms, to_ms)",
        "audit",
        None,
        200,
    ),
    op(
        "post",
        "/import/{kind}",
        "Import a file (kind: divisions | grids | people; body: the file; ?file_name=&skip_bad=&dry_run=)",
        "import",
        Some("File"),
        200,
    ),
    op(
        "get",
        "/appeals/categories",
        "Appeal categories (two levels) with responsible unit type and time limits",
        "appeals",
        None,
        200,
    ),
    op(
        "put",
        "/appeals/categories/{code}",
        "Add or change a category (district administrator)",
        "appeals",
        Some("Category"),
        204,
    ),
    op(
        "get",
        "/appeals/calendar",
        "Working-day calendar exceptions (holidays, make-up working days)",
        "appeals",
        None,
        200,
    ),
    op(
        "put",
        "/appeals/calendar/{day}",
        "Set a day as holiday or workday, or clear it (kind empty)",
        "appeals",
        Some("CalendarDay"),
        204,
    ),
    op(
        "get",
        "/appeals/departments",
        "Departments, stations and property companies that handle cases",
        "appeals",
        None,
        200,
    ),
    op(
        "get",
        "/appeals/rates",
        "响应率/解决率/满意率 for a unit (unit_id, from, to: YYYY-MM-DD; by: children | departments | months), ranked",
        "appeals",
        None,
        200,
    ),
    op(
        "post",
        "/cases",
        "Submit a case (channel follows the caller's role; Idempotency-Key header makes retries safe; photos as base64)",
        "appeals",
        Some("Intake"),
        201,
    ),
    op(
        "get",
        "/cases",
        "Search cases in reach (q: Chinese words; status, category, unit_id, dept_id, channel, from, to, overdue, offset, limit)",
        "appeals",
        None,
        200,
    ),
    op(
        "get",
        "/cases.xlsx",
        "Export the filtered list to .xlsx",
        "appeals",
        None,
        200,
    ),
    op(
        "get",
        "/cases/{id}",
        "A case with its timeline, photos, parties, whistles and the actions the caller may take",
        "appeals",
        None,
        200,
    ),
    op(
        "post",
        "/cases/{id}/actions",
        "Act on a case: accept, reject, dispatch, sign, request, approve, deny, feedback, verify, close, rate, escalate, whistle, report, joint_meeting (needs the current version)",
        "appeals",
        Some("Act"),
        200,
    ),
    op(
        "post",
        "/cases/{id}/contact",
        "The reporter's whole phone number for a call back (staff; audited)",
        "appeals",
        None,
        200,
    ),
    op(
        "get",
        "/inbox",
        "The caller's inbox: new, in hand, nearing the limit, overdue, escalated, returned, to review",
        "appeals",
        None,
        200,
    ),
    op(
        "get",
        "/rotations",
        "The rotating-secretary board",
        "appeals",
        None,
        200,
    ),
    op(
        "post",
        "/rotations",
        "Open a rotation for a sub-district and month",
        "appeals",
        Some("Rotation"),
        201,
    ),
    op(
        "post",
        "/rotations/{id}/case",
        "The rotating secretary takes on one open case (by number)",
        "appeals",
        Some("RotationCase"),
        204,
    ),
    op(
        "get",
        "/centres",
        "Service centres, stations and demonstration sites (public; filter by unit_id, kind)",
        "network",
        None,
        200,
    ),
    op(
        "post",
        "/centres",
        "Create a place (EditOrg within reach)",
        "network",
        Some("PlaceInput"),
        201,
    ),
    op(
        "get",
        "/centres/kinds",
        "Kinds of place with zh/en labels (public)",
        "network",
        None,
        200,
    ),
    op(
        "get",
        "/centres/services",
        "The service catalogue (public)",
        "network",
        None,
        200,
    ),
    op(
        "get",
        "/centres/nearest",
        "Places offering a service, nearest first, with distance in metres (public; service + lon/lat, building_id, community_id or mine=true)",
        "network",
        None,
        200,
    ),
    op(
        "get",
        "/centres/{id}",
        "A place with its services, hours and activities (public)",
        "network",
        None,
        200,
    ),
    op(
        "patch",
        "/centres/{id}",
        "Change a place (needs the current version)",
        "network",
        Some("PlaceUpdate"),
        200,
    ),
    op(
        "post",
        "/centres/{id}/activities",
        "Record an activity of a place",
        "network",
        Some("ActivityInput"),
        201,
    ),
    op(
        "get",
        "/joint-meetings",
        "Joint-meeting bodies within reach (filter by level)",
        "network",
        None,
        200,
    ),
    op(
        "post",
        "/joint-meetings",
        "Create a joint-meeting body with its members",
        "network",
        Some("BodyInput"),
        201,
    ),
    op(
        "get",
        "/joint-meetings/resolutions",
        "Open resolutions within reach (level, overdue=true)",
        "network",
        None,
        200,
    ),
    op(
        "post",
        "/joint-meetings/resolutions/{id}/status",
        "Move a resolution on: open → in_progress → done (needs the version; done needs a note)",
        "network",
        Some("StatusInput"),
        200,
    ),
    op(
        "get",
        "/joint-meetings/{id}",
        "A body with members, meetings (attendance, minutes) and resolutions",
        "network",
        None,
        200,
    ),
    op(
        "post",
        "/joint-meetings/{id}/members",
        "Add a member organisation",
        "network",
        Some("MemberInput"),
        201,
    ),
    op(
        "post",
        "/joint-meetings/{id}/meetings",
        "Record a meeting: agenda, attendance of every member, minutes, resolutions",
        "network",
        Some("MeetingInput"),
        201,
    ),
    op(
        "post",
        "/joint-meetings/{id}/resolutions",
        "Add a resolution, e.g. an appeal referred to the joint meeting (case_number)",
        "network",
        Some("ResolutionInput"),
        201,
    ),
    op(
        "get",
        "/subdistricts/{id}/reform",
        "A sub-district after its reform: functions, rights, organs, stations, law-enforcement teams, delegated items",
        "network",
        None,
        200,
    ),
    op(
        "post",
        "/subdistricts/{id}/reform/items",
        "Add a function, right, organ or station (district administrator)",
        "network",
        Some("ReformItemInput"),
        201,
    ),
    op(
        "delete",
        "/subdistricts/{id}/reform/items/{item}",
        "Remove a reform list entry (district administrator)",
        "network",
        None,
        204,
    ),
    op(
        "post",
        "/subdistricts/{id}/reform/teams",
        "Add a law-enforcement team under the sub-district's command",
        "network",
        Some("LawTeamInput"),
        201,
    ),
    op(
        "delete",
        "/subdistricts/{id}/reform/teams/{team}",
        "Remove a law-enforcement team",
        "network",
        None,
        204,
    ),
    op(
        "put",
        "/subdistricts/{id}/reform/delegated",
        "Set the count of delegated service items (null until the service-items capability fills it)",
        "network",
        Some("Delegated"),
        204,
    ),
    op(
        "get",
        "/party/orgs",
        "The party organisation tree from the district committee, and the caller's own organisations",
        "party",
        None,
        200,
    ),
    op(
        "post",
        "/party/orgs",
        "Create a party organisation under a parent (kind must fit; parent_id 0 creates the district committee); temporary ones need a reason",
        "party",
        Some("CreatePartyOrg"),
        201,
    ),
    op(
        "get",
        "/party/orgs/{id}",
        "A party organisation: positions, members (masked), sub-organisations with member counts, alliances, history",
        "party",
        None,
        200,
    ),
    op(
        "get",
        "/party/orgs/{id}/history",
        "Create / rename / move / dissolve events of an organisation",
        "party",
        None,
        200,
    ),
    op(
        "post",
        "/party/orgs/{id}/rename",
        "Rename an organisation",
        "party",
        Some("RenamePartyOrg"),
        200,
    ),
    op(
        "post",
        "/party/orgs/{id}/move",
        "Move an organisation (with its subtree) under another parent",
        "party",
        Some("MovePartyOrg"),
        200,
    ),
    op(
        "post",
        "/party/orgs/{id}/dissolve",
        "Dissolve an organisation without active sub-organisations or members",
        "party",
        Some("OnDate"),
        200,
    ),
    op(
        "post",
        "/party/orgs/{id}/end",
        "End a temporary organisation and the temporary ones below it",
        "party",
        Some("OnDate"),
        200,
    ),
    op(
        "post",
        "/party/orgs/{id}/positions",
        "Appoint a secretary, deputy secretary, committee member or group leader",
        "party",
        Some("PartyAppoint"),
        201,
    ),
    op(
        "post",
        "/party/orgs/{id}/members",
        "Record a party member (ID number and phone encrypted, shown masked)",
        "party",
        Some("PartyMember"),
        201,
    ),
    op(
        "post",
        "/party/positions/{id}/end",
        "End a position",
        "party",
        Some("OnDate"),
        204,
    ),
    op(
        "get",
        "/party/temporary",
        "Temporary organisations in reach (active and ended)",
        "party",
        None,
        200,
    ),
    op(
        "get",
        "/party/roster/{id}",
        "A community's two committees (两委) with cross-appointments",
        "party",
        None,
        200,
    ),
    op(
        "post",
        "/party/roster/{id}",
        "Appoint a residents' committee director, deputy director or member",
        "party",
        Some("PartyAppoint"),
        201,
    ),
    op(
        "get",
        "/party/members/{id}",
        "A party member (masked) with transfers, 双报到 and service commitments",
        "party",
        None,
        200,
    ),
    op(
        "post",
        "/party/members/{id}/reveal",
        "A member's whole ID number and phone (audited)",
        "party",
        Some("Reveal"),
        200,
    ),
    op(
        "post",
        "/party/members/{id}/transfer",
        "Transfer a member's organisation relation (to an organisation, or out of the district by name)",
        "party",
        Some("PartyTransfer"),
        200,
    ),
    op(
        "post",
        "/party/members/{id}/registrations",
        "An in-service member reports to their home community (双报到)",
        "party",
        Some("PartyRegister"),
        201,
    ),
    op(
        "post",
        "/party/members/{id}/commitments",
        "Add a service commitment (党员服务清单) to the reported community",
        "party",
        Some("PartyCommitment"),
        201,
    ),
    op(
        "post",
        "/party/registrations/{id}/end",
        "End a 双报到 registration (its commitments pause)",
        "party",
        Some("OnDate"),
        204,
    ),
    op(
        "post",
        "/party/commitments/{id}/active",
        "Pause or resume a commitment",
        "party",
        Some("Active"),
        204,
    ),
    op(
        "get",
        "/party/categories",
        "Service and shared-resource categories",
        "party",
        None,
        200,
    ),
    op(
        "get",
        "/party/units/{id}/commitments",
        "Active service commitments to communities inside a unit (for matching needs)",
        "party",
        None,
        200,
    ),
    op(
        "get",
        "/party/units/{id}/registrations",
        "In-service members reporting to a community",
        "party",
        None,
        200,
    ),
    op(
        "get",
        "/alliances",
        "Party alliances in reach with member and activity counts",
        "party",
        None,
        200,
    ),
    op(
        "post",
        "/alliances",
        "Create an alliance (sub-district, district, business-district or youth station)",
        "party",
        Some("Alliance"),
        201,
    ),
    op(
        "get",
        "/alliances/{id}",
        "An alliance: members, agreements, activities with counts per link type, shared resources",
        "party",
        None,
        200,
    ),
    op(
        "post",
        "/alliances/{id}/members",
        "Add a member: one of our party organisations (org_id) or an outside one (name, kind)",
        "party",
        Some("AllianceItem"),
        201,
    ),
    op(
        "post",
        "/alliances/{id}/agreements",
        "Add a co-building agreement (title, date, term_months, content)",
        "party",
        Some("AllianceItem"),
        201,
    ),
    op(
        "post",
        "/alliances/{id}/activities",
        "Record a joint activity (title, date, place, participants, link)",
        "party",
        Some("AllianceItem"),
        201,
    ),
    op(
        "post",
        "/alliances/{id}/resources",
        "Register a shared resource (name, category, member_id, capacity, capacity_unit, weekdays, time_from, time_to)",
        "party",
        Some("AllianceItem"),
        201,
    ),
    op(
        "get",
        "/seed-figures",
        "海勃湾实践 · 数据对照: each seed figure computed from data now (label, computed, seed, agrees)",
        "figures",
        None,
        200,
    ),
    op("get", "/users", "Accounts", "auth", None, 200),
    op(
        "post",
        "/users",
        "Create an account",
        "auth",
        Some("CreateUser"),
        201,
    ),
    op(
        "get",
        "/workforce/structure",
        "Leadership structure of a unit on a date (unit_id, date): in post, under 45, 大专 or above, minority, with one row per sub-district",
        "workforce",
        None,
        200,
    ),
    op(
        "get",
        "/workforce/figures",
        "The seed's workforce figures computed from the records",
        "workforce",
        None,
        200,
    ),
    op(
        "get",
        "/workforce/cadres",
        "Sub-district leadership records in reach (unit_id; date; show=all for history)",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/cadres",
        "Record a leadership member",
        "workforce",
        Some("CadreInput"),
        201,
    ),
    op(
        "post",
        "/workforce/cadres/{id}/end",
        "End an appointment",
        "workforce",
        Some("EndCadre"),
        200,
    ),
    op(
        "get",
        "/workforce/added-staff",
        "Staff added to sub-districts",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/added-staff",
        "Record an added staff member",
        "workforce",
        Some("AddedStaffInput"),
        201,
    ),
    op(
        "get",
        "/workforce/promotions",
        "Community secretaries promoted into sub-district leadership",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/promotions",
        "Record a promotion (creates the cadre record)",
        "workforce",
        Some("PromotionInput"),
        201,
    ),
    op(
        "get",
        "/workforce/pay-tables",
        "三岗十八级 pay-table versions",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/pay-tables",
        "Create a pay-table version (district administrator)",
        "workforce",
        Some("PayTable"),
        201,
    ),
    op(
        "get",
        "/workforce/workers",
        "Community workers in reach (unit_id; show=all includes those who left)",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/workers",
        "Add a community worker",
        "workforce",
        Some("WorkerInput"),
        201,
    ),
    op(
        "get",
        "/workforce/workers/{id}",
        "A worker with grade history, assessments, progression preview and this month's pay",
        "workforce",
        None,
        200,
    ),
    op(
        "put",
        "/workforce/workers/{id}",
        "Change post, grade (with reason and date), qualification, two-committees membership",
        "workforce",
        Some("WorkerChange"),
        200,
    ),
    op(
        "post",
        "/workforce/workers/{id}/progression",
        "Apply the progression rules (grade becomes what the rules give today)",
        "workforce",
        Some("Version"),
        200,
    ),
    op(
        "post",
        "/workforce/workers/{id}/assessments",
        "Record an annual assessment",
        "workforce",
        Some("AssessmentInput"),
        204,
    ),
    op(
        "post",
        "/workforce/workers/{id}/exit",
        "A worker leaves or retires; the one-off subsidy is computed",
        "workforce",
        Some("ExitInput"),
        200,
    ),
    op(
        "get",
        "/workforce/pay-runs",
        "Pay runs in reach",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/pay-runs",
        "Make a draft pay run for a unit and month",
        "workforce",
        Some("PayRunInput"),
        201,
    ),
    op(
        "get",
        "/workforce/pay-runs/{id}",
        "A pay run with its lines",
        "workforce",
        None,
        200,
    ),
    op(
        "delete",
        "/workforce/pay-runs/{id}",
        "Delete a draft pay run (confirmed runs cannot change)",
        "workforce",
        None,
        204,
    ),
    op(
        "post",
        "/workforce/pay-runs/{id}/confirm",
        "Confirm a pay run (once)",
        "workforce",
        None,
        200,
    ),
    op(
        "get",
        "/workforce/pay-runs/{id}/xlsx",
        "Export a pay run to .xlsx",
        "workforce",
        None,
        200,
    ),
    op(
        "get",
        "/workforce/committee-pay",
        "Two-committees members' average pay in a month against the same month two years before (unit_id, month)",
        "workforce",
        None,
        200,
    ),
    op(
        "get",
        "/workforce/talents",
        "The reserve-talent pipeline (unit_id): talents, counts per stage, pool size",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/talents",
        "Identify a reserve talent",
        "workforce",
        Some("TalentInput"),
        201,
    ),
    op(
        "get",
        "/workforce/talents/{id}",
        "A reserve talent with training records",
        "workforce",
        None,
        200,
    ),
    op(
        "post",
        "/workforce/talents/{id}/stage",
        "Move a talent one stage forward (or out), with a date",
        "workforce",
        Some("StageMove"),
        200,
    ),
    op(
        "post",
        "/workforce/talents/{id}/trainings",
        "Record a training",
        "workforce",
        Some("TrainingInput"),
        201,
    ),
    op(
        "get",
        "/lists/categories",
        "The category list shared by needs and resources (groups make categories related; party service and resource codes map onto it)",
        "lists",
        None,
        200,
    ),
    op(
        "get",
        "/needs",
        "Needs in the caller's reach (residents: their own); filter by status and category",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/needs",
        "Record a need (resident, grid worker, staff), or turn an appeal case into one (case_number)",
        "lists",
        Some("NeedInput"),
        201,
    ),
    op(
        "get",
        "/needs/{id}",
        "A need: requesters, matches, candidate resources with the terms of their value, similar needs to merge",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/needs/merge",
        "Merge similar needs of one community into one: quantities summed, requesters kept",
        "lists",
        Some("MergeNeeds"),
        200,
    ),
    op(
        "post",
        "/needs/{id}/close",
        "Close an open need",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/needs/{id}/assign",
        "Override: assign a chosen resource to a need by hand (accepted at once, into a new or existing project)",
        "lists",
        Some("AssignInput"),
        201,
    ),
    op(
        "get",
        "/resources",
        "Resources in or above the caller's reach (own, party members' commitments, alliance resources)",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/resources",
        "Record a resource of a unit, co-building organisation, merchant, social organisation or volunteer",
        "lists",
        Some("ResourceInput"),
        201,
    ),
    op(
        "post",
        "/resources/sync",
        "Mirror party members' commitments (党员服务清单) and alliance shared resources into the resource list",
        "lists",
        None,
        200,
    ),
    op("get", "/resources/{id}", "A resource", "lists", None, 200),
    op(
        "post",
        "/resources/{id}/active",
        "Activate or deactivate a resource recorded here",
        "lists",
        Some("Active"),
        204,
    ),
    op(
        "get",
        "/matches",
        "Matches in the caller's reach with the terms of each value (urgency, category fit, distance, time overlap); filter by status",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/matches/run",
        "Run the matching engine (optimal min-cost flow) over a unit's open needs: accepted matches stay, rejected pairs stay out",
        "lists",
        Some("RunInput"),
        200,
    ),
    op(
        "get",
        "/matches/runs",
        "Recent engine runs",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/matches/{id}/accept",
        "Accept a proposal into a new project (owner organisation, budget) or an existing one",
        "lists",
        Some("ProjectInput"),
        200,
    ),
    op(
        "post",
        "/matches/{id}/reject",
        "Reject a proposal (the community's proposals are recomputed without the pair)",
        "lists",
        Some("NoteInput"),
        200,
    ),
    op(
        "get",
        "/projects",
        "Projects in reach (residents: those of their community)",
        "lists",
        None,
        200,
    ),
    op(
        "get",
        "/projects/accountability",
        "Projects by category, community and owner: counts, budget planned vs spent, progress, mean rating",
        "lists",
        None,
        200,
    ),
    op(
        "get",
        "/projects/{id}",
        "A project: milestones, results with photo ids, ratings, the matches it carries",
        "lists",
        None,
        200,
    ),
    op(
        "post",
        "/projects/{id}/progress",
        "Update progress and budget; done completes the project and frees its resources' capacity",
        "lists",
        Some("ProgressInput"),
        200,
    ),
    op(
        "post",
        "/projects/{id}/milestones",
        "Add a milestone",
        "lists",
        Some("MilestoneInput"),
        201,
    ),
    op(
        "post",
        "/milestones/{id}/done",
        "Mark a milestone done (done: false reopens it)",
        "lists",
        Some("DoneInput"),
        204,
    ),
    op(
        "post",
        "/projects/{id}/results",
        "Report a result with photos (base64 JPEG/PNG/WebP/GIF, ≤ 5 MB, ≤ 6)",
        "lists",
        Some("OutcomeInput"),
        201,
    ),
    op(
        "post",
        "/projects/{id}/ratings",
        "A resident rates a project of their community (1–5 stars, once)",
        "lists",
        Some("RatingInput"),
        201,
    ),
    op(
        "get",
        "/coverage",
        "Coverage of a unit's subtree (unit_id): share of needs met, median days need→match→result by sub-district and community, and the gaps",
        "lists",
        None,
        200,
    ),
];

fn network_schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    json!({
        "PlaceInput": s(json!({"kind": {"type": "string", "enum": ["district_centre", "subdistrict_centre", "community_centre", "station", "organ_post", "park_site", "business_site"]},
            "name": {"type": "string"}, "unit_id": {"type": "integer"}, "address": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"},
            "hours": {"type": "string", "description": "one line per group of weekdays"}, "phone": {"type": "string"}, "model": {"type": "boolean", "description": "精品社区 (community centres)"},
            "intro": {"type": "string"}, "services": {"type": "array", "items": {"type": "string"}}, "active": {"type": "boolean"}}), &["kind", "name", "unit_id"]),
        "PlaceUpdate": {"allOf": [{"$ref": "#/components/schemas/PlaceInput"}, s(json!({"version": {"type": "integer"}}), &["version"])]},
        "ActivityInput": s(json!({"day": {"type": "string", "format": "date"}, "title": {"type": "string"},
            "kind": {"type": "string", "enum": ["party_day", "volunteer", "culture", "lecture", "service", "consultation", "training"]},
            "participants": {"type": "integer"}, "summary": {"type": "string"}}), &["day", "title", "kind"]),
        "MemberInput": s(json!({"name": {"type": "string"}, "kind": {"type": "string", "enum": ["party_org", "department", "station", "unit", "enterprise", "social_org", "property", "community", "merchant"]},
            "party_org_id": {"type": "integer"}, "representative": {"type": "string"}}), &["name", "kind"]),
        "BodyInput": s(json!({"level": {"type": "string", "enum": ["district", "subdistrict", "community", "business"]}, "unit_id": {"type": "integer"},
            "name": {"type": "string"}, "convener": {"type": "string"}, "members": {"type": "array", "items": {"$ref": "#/components/schemas/MemberInput"}}}), &["level", "unit_id", "name", "convener"]),
        "ResolutionInput": s(json!({"title": {"type": "string"}, "owner": {"type": "string"}, "owner_member_id": {"type": "integer"},
            "deadline": {"type": "string", "format": "date"}, "case_number": {"type": "string"}, "meeting_id": {"type": "integer"}}), &["title", "deadline"]),
        "MeetingInput": s(json!({"day": {"type": "string", "format": "date"}, "place": {"type": "string"}, "agenda": {"type": "array", "items": {"type": "string"}},
            "minutes": {"type": "string"}, "attendance": {"type": "array", "items": s(json!({"member_id": {"type": "integer"}, "status": {"type": "string", "enum": ["present", "absent", "deputy"]}, "deputy": {"type": "string"}}), &["member_id", "status"])},
            "resolutions": {"type": "array", "items": {"$ref": "#/components/schemas/ResolutionInput"}}}), &["day", "place", "agenda", "attendance"]),
        "StatusInput": s(json!({"status": {"type": "string", "enum": ["in_progress", "done"]}, "note": {"type": "string"}, "done_day": {"type": "string", "format": "date"}, "version": {"type": "integer"}}), &["status", "version"]),
        "ReformItemInput": s(json!({"list": {"type": "string", "enum": ["function", "right", "organ", "station"]}, "name": {"type": "string"},
            "category": {"type": "string", "description": "organ: office | centre; station: its kind"}, "note": {"type": "string"}}), &["list", "name"]),
        "LawTeamInput": s(json!({"name": {"type": "string"}, "department": {"type": "string"}, "command": {"type": "string"}, "note": {"type": "string"}}), &["name", "department", "command"]),
        "Delegated": s(json!({"items": {"type": ["integer", "null"]}, "note": {"type": "string"}}), &[])
    })
}

fn workforce_schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let date = json!({"type": "string", "format": "date"});
    let text = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let edu = json!({"type": "string", "enum": ["postgraduate", "bachelor", "college", "secondary", "high_school"]});
    let sex = json!({"type": "string", "enum": ["男", "女"]});
    let mut m = serde_json::Map::new();
    m.insert("CadreInput".into(), s(json!({"name": text, "sex": sex, "post_title": text, "unit_id": int, "birth_date": date, "education": edu,
        "ethnicity": text, "party_member": {"type": "boolean"}, "start_date": date, "source": {"type": "string", "enum": ["selected", "transferred", "recruited"]}, "note": text}),
        &["name", "sex", "post_title", "unit_id", "birth_date", "education", "ethnicity", "start_date"]));
    m.insert(
        "EndCadre".into(),
        s(
            json!({"version": int, "end_date": date}),
            &["version", "end_date"],
        ),
    );
    m.insert("AddedStaffInput".into(), s(json!({"name": text, "sex": sex, "unit_id": int, "post": text, "kind": {"type": "string", "enum": ["sink", "recruit", "selected", "transfer"]}, "added_date": date}),
        &["name", "sex", "unit_id", "post", "kind", "added_date"]));
    m.insert("PromotionInput".into(), s(json!({"secretary_name": text, "community_id": int, "unit_id": int, "post_title": text, "promoted_date": date,
        "sex": sex, "birth_date": date, "education": edu, "ethnicity": text, "party_member": {"type": "boolean"}}),
        &["secretary_name", "community_id", "post_title", "promoted_date", "sex", "birth_date", "education", "ethnicity"]));
    m.insert("PayTable".into(), s(json!({"effective_year": int, "name": text,
        "cells": {"type": "array", "items": int, "minItems": 54, "maxItems": 54, "description": "monthly yuan; index (post − 1) × 18 + (grade − 1); posts 社区正职, 社区副职, 社区委员及专职工作者"},
        "qual_assistant": int, "qual_social_worker": int, "qual_senior": int, "housing_rate_bp": {"type": "integer", "description": "basis points of the base"},
        "committee_allowance": int, "departure_per_year": int, "retirement_per_year": int, "step_years": int,
        "bonus_assistant": int, "bonus_social_worker": int, "bonus_senior": int}),
        &["effective_year", "name", "cells", "qual_assistant", "qual_social_worker", "qual_senior", "housing_rate_bp", "committee_allowance", "departure_per_year", "retirement_per_year", "step_years", "bonus_assistant", "bonus_social_worker", "bonus_senior"]));
    let post = json!({"type": "string", "enum": ["head", "deputy", "member"]});
    let qual = json!({"type": "string", "enum": ["none", "assistant", "social_worker", "senior"]});
    m.insert("WorkerInput".into(), s(json!({"name": text, "sex": sex, "birth_date": date, "education": edu, "community_id": int, "post": post,
        "grade": {"type": "integer", "minimum": 1, "maximum": 18}, "qualification": qual, "two_committees": {"type": "boolean"}, "duty": text, "start_date": date}),
        &["name", "sex", "birth_date", "education", "community_id", "post", "grade", "start_date"]));
    m.insert("WorkerChange".into(), s(json!({"version": int, "post": post, "grade": int, "qualification": qual, "two_committees": {"type": "boolean"}, "reason": text, "from_date": date}),
        &["version", "post", "grade"]));
    m.insert("AssessmentInput".into(), s(json!({"year": int, "result": {"type": "string", "enum": ["excellent", "competent", "basic", "incompetent"]}}), &["year", "result"]));
    m.insert("ExitInput".into(), s(json!({"version": int, "status": {"type": "string", "enum": ["departed", "retired"]}, "end_date": date}), &["version", "status", "end_date"]));
    m.insert(
        "PayRunInput".into(),
        s(
            json!({"unit_id": int, "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}),
            &["unit_id", "month"],
        ),
    );
    m.insert("TalentInput".into(), s(json!({"name": text, "sex": sex, "birth_date": date, "education": edu, "community_id": int, "present_role": text, "identified_date": date}),
        &["name", "sex", "birth_date", "education", "community_id", "identified_date"]));
    m.insert("StageMove".into(), s(json!({"version": int, "to": {"type": "string", "enum": ["training", "ready", "appointed", "dropped"]}, "date": date, "note": text}), &["version", "to", "date"]));
    m.insert("TrainingInput".into(), s(json!({"course": text, "hours": int, "day": date, "result": {"type": "string", "enum": ["excellent", "pass", "fail"]}}), &["course", "hours", "day", "result"]));
    Value::Object(m)
}

/// Every schema: the base ones and those of each capability.
fn schemas() -> Value {
    let mut all = core_schemas();
    if let (Some(a), Value::Object(p)) = (all.as_object_mut(), party_schemas()) {
        a.extend(p);
    }
    if let (Some(a), Value::Object(p)) = (all.as_object_mut(), lists_schemas()) {
        a.extend(p);
    }
    all
}

/// Schemas of the three lists.
fn lists_schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let text = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let date = json!({"type": "string", "format": "date"});
    let days = json!({"oneOf": [{"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}}, {"type": "string", "description": "1,3,5 (1 = Monday)"}]});
    json!({
        "NeedInput": s(json!({"category": text, "title": text, "detail": text, "unit_id": {"type": "integer", "description": "grid, estate or building"},
            "beneficiary": text, "beneficiaries": int, "quantity": int, "date_from": date, "date_to": date, "weekdays": days,
            "time_from": {"type": "string", "description": "HH:MM"}, "time_to": {"type": "string", "description": "HH:MM"},
            "urgency": {"type": "integer", "minimum": 1, "maximum": 5}, "requester": text, "case_number": text}), &["category", "title", "beneficiary"]),
        "MergeNeeds": s(json!({"target": int, "others": {"type": "array", "items": int}}), &["target", "others"]),
        "ProjectInput": s(json!({"project_id": int, "title": text, "owner_name": text, "owner_party_org_id": int, "budget": {"type": "string", "description": "yuan"}}), &[]),
        "AssignInput": {"allOf": [{"$ref": "#/components/schemas/ProjectInput"}, s(json!({"resource_id": int, "quantity": int, "note": text}), &["resource_id"])]},
        "ResourceInput": s(json!({"provider_kind": {"type": "string", "enum": ["resident_unit", "co_building", "alliance_member", "merchant", "social_org", "volunteer"]},
            "provider": text, "party_org_id": int, "name": text, "category": text, "detail": text, "capacity": int,
            "period": {"type": "string", "enum": ["month", "week", "once"]}, "unit_id": int, "radius_m": {"type": "integer", "minimum": 100, "maximum": 50000},
            "weekdays": days, "time_from": text, "time_to": text, "date_from": date, "date_to": date, "cost": {"type": "string", "description": "yuan per unit, 0 = free"}, "contact": text}),
            &["provider_kind", "provider", "name", "category", "capacity", "unit_id", "radius_m"]),
        "RunInput": s(json!({"unit_id": int}), &[]),
        "NoteInput": s(json!({"note": text}), &[]),
        "ProgressInput": s(json!({"version": int, "progress": {"type": "integer", "minimum": 0, "maximum": 100}, "budget_spent": text, "budget_planned": text, "participants": text, "done": {"type": "boolean"}}), &[]),
        "MilestoneInput": s(json!({"title": text, "due_on": date}), &["title", "due_on"]),
        "DoneInput": s(json!({"done": {"type": "boolean"}}), &[]),
        "OutcomeInput": s(json!({"text": text, "photos": {"type": "array", "items": {"type": "string", "description": "base64 image"}}}), &["text"]),
        "RatingInput": s(json!({"stars": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": text}), &["stars"])
    })
}

/// Schemas of the party organisation system (kept apart: one `json!` per group).
fn party_schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    json!({
        "CreatePartyOrg": s(json!({"parent_id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["district_committee", "street_committee", "community_committee", "general_branch", "branch", "group", "unit", "sector", "non_public", "social"]},
            "unit_id": {"type": "integer"}, "temporary": {"type": "boolean"}, "temp_reason": {"type": "string"}, "temp_end": {"type": "string", "format": "date"}, "founded_on": {"type": "string", "format": "date"}}), &["parent_id", "name", "kind"]),
        "RenamePartyOrg": s(json!({"version": {"type": "integer"}, "name": {"type": "string"}}), &["version", "name"]),
        "MovePartyOrg": s(json!({"parent_id": {"type": "integer"}, "version": {"type": "integer"}}), &["parent_id", "version"]),
        "OnDate": s(json!({"on": {"type": "string", "format": "date"}}), &[]),
        "PartyAppoint": s(json!({"title": {"type": "string", "enum": ["secretary", "deputy_secretary", "committee_member", "group_leader", "director", "deputy_director", "rc_member"]},
            "person_name": {"type": "string"}, "phone": {"type": "string"}, "since": {"type": "string", "format": "date"}}), &["title", "person_name", "phone"]),
        "PartyMember": s(json!({"name": {"type": "string"}, "sex": {"type": "string", "enum": ["male", "female"]}, "birth_date": {"type": "string", "format": "date"},
            "id_number": {"type": "string"}, "phone": {"type": "string"}, "ethnicity": {"type": "string"}, "education": {"type": "string"},
            "joined_on": {"type": "string", "format": "date"}, "standing": {"type": "string", "enum": ["full", "probationary"]}, "resident_id": {"type": "integer"}}), &["name", "joined_on"]),
        "PartyTransfer": s(json!({"version": {"type": "integer"}, "to_org_id": {"type": "integer"}, "to_name": {"type": "string"}, "on": {"type": "string", "format": "date"}, "reason": {"type": "string"}}), &["version", "reason"]),
        "PartyRegister": s(json!({"community_id": {"type": "integer"}, "work_unit": {"type": "string"}, "work_org_id": {"type": "integer"}, "reported_on": {"type": "string", "format": "date"}}), &["community_id"]),
        "PartyCommitment": s(json!({"category": {"type": "string"}, "description": {"type": "string"}, "capacity_kind": {"type": "string", "enum": ["hours_per_month", "people"]},
            "capacity": {"type": "integer"}, "weekdays": {"type": "string", "description": "1 = Monday: 135, 1,3,5 or 1-5"}, "time_from": {"type": "string"}, "time_to": {"type": "string"}}),
            &["category", "description", "capacity_kind", "capacity", "weekdays", "time_from", "time_to"]),
        "Active": s(json!({"active": {"type": "boolean"}}), &["active"]),
        "Alliance": s(json!({"name": {"type": "string"}, "kind": {"type": "string", "enum": ["subdistrict", "district", "business", "youth"]}, "unit_id": {"type": "integer"},
            "code": {"type": "string"}, "lead_org_id": {"type": "integer"}, "founded_on": {"type": "string", "format": "date"}, "description": {"type": "string"}}), &["name", "kind", "unit_id"]),
        "AllianceItem": s(json!({"org_id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string", "enum": ["resident_unit", "non_public", "social_org", "merchant"]},
            "title": {"type": "string"}, "date": {"type": "string", "format": "date"}, "term_months": {"type": "integer"}, "content": {"type": "string"}, "place": {"type": "string"},
            "participants": {"type": "integer"}, "link": {"type": "string", "enum": ["org_joint", "area_linkage", "team_co_manage", "sharing", "multi_governance"]},
            "member_id": {"type": "integer"}, "category": {"type": "string"}, "capacity": {"type": "integer"}, "capacity_unit": {"type": "string"},
            "weekdays": {"type": "string"}, "time_from": {"type": "string"}, "time_to": {"type": "string"}}), &[])
    })
}

fn core_schemas() -> Value {
    let mut all = base_schemas();
    if let (Some(o), Value::Object(more)) = (all.as_object_mut(), network_schemas()) {
        o.extend(more);
    }
    if let (Some(o), Value::Object(more)) = (all.as_object_mut(), workforce_schemas()) {
        o.extend(more);
    }
    all
}

fn base_schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    json!({
        "Error": s(json!({
            "code": {"type": "string", "examples": ["validation_failed", "not_found", "forbidden", "unauthenticated", "conflict", "rate_limited", "busy", "rule_violated", "internal"]},
            "message": {"type": "string"},
            "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
        }), &["code", "message"]),
        "CreateUnit": s(json!({
            "parent_id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "grid_type": {"type": "string", "enum": ["geographic", "building_unit", "organisation", "park_business"]},
            "address": {"type": "string"}, "boundary": {"type": "object", "description": "GeoJSON Polygon geometry"}
        }), &["parent_id", "name"]),
        "PatchUnit": s(json!({
            "version": {"type": "integer"}, "name": {"type": "string"}, "grid_type": {"type": "string"},
            "address": {"type": "string"}, "boundary": {"type": "object"}
        }), &["version"]),
        "MoveUnit": s(json!({"parent_id": {"type": "integer"}, "version": {"type": "integer"}}), &["parent_id", "version"]),
        "Version": s(json!({"version": {"type": "integer"}}), &["version"]),
        "Appoint": s(json!({
            "title": {"type": "string", "enum": ["grid_chief", "grid_worker", "estate_chief", "building_chief", "unit_chief"]},
            "person_name": {"type": "string"}, "phone": {"type": "string"}
        }), &["title", "person_name", "phone"]),
        "HouseholdInput": s(json!({"room": {"type": "string"}, "address": {"type": "string"}, "dwelling": {"type": "string", "enum": ["own", "rent", "other"]}}), &["room"]),
        "ResidentInput": s(json!({
            "name": {"type": "string"}, "id_number": {"type": "string", "description": "GB 11643, 18 characters"},
            "phone": {"type": "string"}, "ethnicity": {"type": "string"}, "relation": {"type": "string"},
            "labels": {"type": "array", "items": {"type": "string"}}
        }), &["name", "id_number"]),
        "UpdateResident": {"allOf": [{"$ref": "#/components/schemas/ResidentInput"}, s(json!({"version": {"type": "integer"}}), &["version"])]},
        "Label": s(json!({"code": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"}}), &["code", "name_zh", "name_en"]),
        "Reveal": s(json!({"reason": {"type": "string"}}), &[]),
        "CreateUser": s(json!({
            "login": {"type": "string"}, "display_name": {"type": "string"}, "password": {"type": "string"},
            "role": {"type": "string", "enum": ["district_admin", "subdistrict_staff", "community_staff", "grid_worker", "department_handler", "resident", "auditor"]},
            "scope_unit_id": {"type": "integer"}, "household_id": {"type": "integer"}
        }), &["login", "display_name", "password", "role", "scope_unit_id"]),
        "File": {"type": "string", "format": "binary"},
        "Category": s(json!({"parent_code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "source": {"type": "string", "enum": ["patrol", "service", "both"]}, "responsible": {"type": "string", "enum": ["grid", "community", "department", "property"]},
            "department_code": {"type": "string"}, "response_hours": {"type": "integer"}, "limit_amount": {"type": "integer"},
            "limit_unit": {"type": "string", "enum": ["hours", "working_days"]}, "attributes": {"type": "array"}, "active": {"type": "boolean"}}),
            &["name_zh", "name_en", "source", "responsible", "response_hours", "limit_amount", "limit_unit", "attributes", "active"]),
        "CalendarDay": s(json!({"kind": {"type": "string", "enum": ["holiday", "workday", ""]}, "note": {"type": "string"}}), &[]),
        "Intake": s(json!({"category": {"type": "string"}, "description": {"type": "string", "maxLength": 4000},
            "lon": {"type": "number"}, "lat": {"type": "number"}, "address": {"type": "string"}, "building_id": {"type": "integer"},
            "reporter_name": {"type": "string"}, "reporter_phone": {"type": "string"}, "anonymous": {"type": "boolean"},
            "attributes": {"type": "object"}, "media_url": {"type": "string"}, "idem_key": {"type": "string"},
            "photos": {"type": "array", "items": {"type": "string", "description": "base64 JPEG/PNG/WebP/GIF, ≤ 5 MB, ≤ 6"}}}), &["category", "description"]),
        "Act": s(json!({"action": {"type": "string"}, "version": {"type": "integer"}, "note": {"type": "string"},
            "to_unit_id": {"type": "integer"}, "to_dept_id": {"type": "integer"}, "kind": {"type": "string", "enum": ["assist", "transfer", "extension"]},
            "days": {"type": "integer"}, "dept_id": {"type": "integer"}, "pass": {"type": "boolean"},
            "satisfaction": {"type": "string", "enum": ["satisfied", "basic", "unsatisfied"]}, "dept_ids": {"type": "array", "items": {"type": "integer"}},
            "photos": {"type": "array", "items": {"type": "string"}}}), &["action", "version"]),
        "Rotation": s(json!({"subdistrict_id": {"type": "integer"}, "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "secretary": {"type": "string"}}), &["subdistrict_id", "period", "secretary"]),
        "RotationCase": s(json!({"case_number": {"type": "string"}}), &["case_number"])
    })
}

pub fn build() -> Value {
    let mut paths = serde_json::Map::new();
    for o in OPS {
        let params: Vec<Value> = o
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name == "code" || name == "kind" || name == "day" {
                    json!({"type": "string"})
                } else {
                    json!({"type": "integer"})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        let mut op = json!({
            "summary": o.summary,
            "tags": [o.tag],
            "parameters": params,
            "responses": {
                o.ok.to_string(): {"description": "OK"},
                "401": err("not signed in"),
                "403": err("not allowed"),
                "404": err("not found or outside the caller's reach"),
                "409": err("changed by someone else"),
                "422": err("invalid input; nothing was changed"),
            }
        });
        if let Some(b) = o.body {
            let ct = if b == "File" {
                "application/octet-stream"
            } else {
                "application/json"
            };
            op["requestBody"] = json!({"required": true, "content": {ct: {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
        }
        let entry = paths
            .entry(format!("/api/v1{}", o.path))
            .or_insert_with(|| json!({}));
        entry[o.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Jiceng 基层 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Party-building-led grassroots governance. Authenticate with `Authorization: Bearer <token>` (issue one with `jiceng user token LOGIN`). Errors are `{\"code\", \"message\"}`; send `Accept-Language: en` for English messages. Personal data is masked unless revealed through /residents/{id}/reveal, which is audited. Residents' appeals are also open to third-party clients through Open311 GeoReport v2 under /open311/v2/ (discovery.json)."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas()
        },
        "security": [{"bearer": []}],
        "paths": paths
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_has_a_path_and_response() {
        let doc = super::build();
        let paths = doc["paths"].as_object().map(|p| p.len()).unwrap_or(0);
        assert!(paths >= 20, "{paths} paths");
        assert!(
            doc["paths"]["/api/v1/residents/{id}/reveal"]["post"]["responses"]["200"].is_object()
        );
        assert_eq!(
            doc["paths"]["/api/v1/units/{id}"]["get"]["parameters"][0]["name"],
            "id"
        );
    }
}
