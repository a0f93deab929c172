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
    op("get", "/users", "Accounts", "auth", None, 200),
    op(
        "post",
        "/users",
        "Create an account",
        "auth",
        Some("CreateUser"),
        201,
    ),
];

fn schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    json!({
        "Error": s(json!({
            "code": {"type": "string", "examples": ["validation_failed", "not_found", "forbidden", "unauthenticated", "conflict", "rate_limited", "rule_violated", "internal"]},
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
