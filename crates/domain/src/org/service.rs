//! Use cases of the organisation tree. Each checks the actor's verb and reach first.

use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, Result, Verb};
use jiceng_formats::geo::{Polygon, validate_ring};
use serde::Serialize;

use super::model::*;
use super::rules;
use crate::{Ctx, require, require_in_scope};

/// One unit as its page shows it: where it sits, what is below, who holds its posts.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    pub unit: OrgUnit,
    pub ancestors: Vec<OrgUnit>,
    pub children: Vec<OrgUnit>,
    /// Residents below each child, in the order of `children`.
    pub child_residents: Vec<i64>,
    pub posts: Vec<PostHolder>,
    pub stats: SubtreeStats,
}

async fn load(ctx: &Ctx, id: i64) -> Result<OrgUnit> {
    ctx.org.unit(id).await?.ok_or(DomainError::NotFound("unit"))
}

/// A unit the actor may see.
pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> Result<OrgUnit> {
    let unit = load(ctx, id).await?;
    require_in_scope(actor, Verb::ViewOrg, &unit.path)?;
    Ok(unit)
}

pub async fn get_by_code(ctx: &Ctx, actor: &Actor, code: &str) -> Result<OrgUnit> {
    let unit = ctx
        .org
        .unit_by_code(code)
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    require_in_scope(actor, Verb::ViewOrg, &unit.path)?;
    Ok(unit)
}

/// The unit where the actor's reach starts (the top of their tree).
pub async fn home(ctx: &Ctx, actor: &Actor) -> Result<OrgUnit> {
    require(actor, Verb::ViewOrg)?;
    if actor.scope_path == "/" {
        return ctx
            .org
            .roots()
            .await?
            .into_iter()
            .next()
            .ok_or(DomainError::NotFound("unit"));
    }
    load(ctx, actor.scope_unit_id).await
}

pub async fn view(ctx: &Ctx, actor: &Actor, id: i64, include_retired: bool) -> Result<UnitView> {
    let unit = get(ctx, actor, id).await?;
    let codes: Vec<String> = rules::path_codes(&unit.path)
        .into_iter()
        .filter(|c| *c != unit.code)
        .collect();
    let mut ancestors = ctx.org.units_by_codes(&codes).await?;
    ancestors.sort_by_key(|u| u.path.len());
    let children = ctx.org.children(unit.id, include_retired).await?;
    let child_residents = match unit.kind.child() {
        Some(level) => {
            let counts: std::collections::HashMap<String, i64> = ctx
                .org
                .resident_counts(&unit.path, level)
                .await?
                .into_iter()
                .collect();
            children
                .iter()
                .map(|c| counts.get(&c.path).copied().unwrap_or(0))
                .collect()
        }
        None => vec![],
    };
    let posts = ctx.org.posts(unit.id, false).await?;
    let stats = ctx.org.stats(&unit.path).await?;
    Ok(UnitView {
        unit,
        ancestors,
        children,
        child_residents,
        posts,
        stats,
    })
}

pub async fn search(ctx: &Ctx, actor: &Actor, q: &str) -> Result<Vec<OrgUnit>> {
    require(actor, Verb::ViewOrg)?;
    let q = q.trim();
    if q.is_empty() {
        return Ok(vec![]);
    }
    ctx.org.search(&actor.scope_path, q, 50).await
}

pub async fn stats(ctx: &Ctx, actor: &Actor, id: i64) -> Result<SubtreeStats> {
    let unit = get(ctx, actor, id).await?;
    ctx.org.stats(&unit.path).await
}

/// Grids inside a unit, with their boundaries (for maps and exports).
pub async fn grids_in(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Vec<OrgUnit>> {
    let unit = get(ctx, actor, id).await?;
    ctx.org.units_in(&unit.path, UnitKind::Grid, 100_000).await
}

/// Grids inside a unit with how many residents each holds (for the load map).
pub async fn grid_loads(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Vec<(OrgUnit, i64)>> {
    let unit = get(ctx, actor, id).await?;
    let grids = ctx
        .org
        .units_in(&unit.path, UnitKind::Grid, 100_000)
        .await?;
    let loads: std::collections::HashMap<String, i64> = ctx
        .org
        .resident_counts(&unit.path, UnitKind::Grid)
        .await?
        .into_iter()
        .collect();
    Ok(grids
        .into_iter()
        .map(|g| {
            let n = loads.get(&g.path).copied().unwrap_or(0);
            (g, n)
        })
        .collect())
}

/// The grids around a grid (its community's), for the grid page's map.
pub async fn grid_neighbourhood(
    ctx: &Ctx,
    actor: &Actor,
    grid: &OrgUnit,
) -> Result<Vec<(OrgUnit, i64)>> {
    match grid.parent_id {
        Some(pid) if actor.reaches(&grid.path) => {
            let parent = load(ctx, pid).await?;
            if actor.reaches(&parent.path) {
                grid_loads(ctx, actor, pid).await
            } else {
                grid_loads(ctx, actor, grid.id).await
            }
        }
        _ => grid_loads(ctx, actor, grid.id).await,
    }
}

pub async fn history(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Vec<UnitHistory>> {
    let unit = get(ctx, actor, id).await?;
    ctx.org.history(unit.id).await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CreateUnit {
    pub parent_id: i64,
    /// Full code; when empty the next free number under the parent is taken.
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    #[serde(default)]
    pub grid_type: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// GeoJSON geometry of the boundary (grids).
    #[serde(default)]
    pub boundary: Option<serde_json::Value>,
}

fn parse_boundary(c: &mut Checker, v: &Option<serde_json::Value>) -> Option<Polygon> {
    let v = v.as_ref()?;
    if v.is_null() {
        return None;
    }
    match Polygon::from_geojson_geometry(v) {
        Ok(p) => match validate_ring(&p.exterior) {
            Ok(()) => Some(p),
            Err(t) => {
                c.push(jiceng_core::FieldError {
                    field: "boundary".into(),
                    message: t,
                });
                None
            }
        },
        Err(t) => {
            c.push(jiceng_core::FieldError {
                field: "boundary".into(),
                message: t,
            });
            None
        }
    }
}

fn parse_grid_type(c: &mut Checker, kind: UnitKind, s: &Option<String>) -> Option<GridType> {
    let s = s.as_deref().map(str::trim).filter(|s| !s.is_empty());
    match (kind, s) {
        (UnitKind::Grid, None) => Some(GridType::Geographic),
        (UnitKind::Grid, Some(s)) => {
            let g = GridType::parse(s);
            if g.is_none() {
                c.add(
                    "grid_type",
                    "网格类型应为 地缘型/单元型/单位型/园区商圈型",
                    "grid type must be geographic, building_unit, organisation or park_business",
                );
            }
            g
        }
        (_, Some(_)) => {
            c.add(
                "grid_type",
                "只有网格才有网格类型",
                "only grids have a grid type",
            );
            None
        }
        (_, None) => None,
    }
}

pub async fn create(ctx: &Ctx, actor: &Actor, input: CreateUnit) -> Result<OrgUnit> {
    require(actor, Verb::EditOrg)?;
    let parent = load(ctx, input.parent_id).await?;
    require_in_scope(actor, Verb::EditOrg, &parent.path)?;
    if parent.status == UnitStatus::Retired {
        return Err(DomainError::rule(
            "不能在已撤销的单位下新建",
            "cannot add a unit under a retired unit",
        ));
    }
    let kind = parent.kind.child().ok_or_else(|| {
        DomainError::rule("单元下不能再建下级单位", "a unit cannot have sub-units")
    })?;
    let mut c = Checker::new();
    rules::check_name(&mut c, "name", &input.name);
    let grid_type = parse_grid_type(&mut c, kind, &input.grid_type);
    let boundary = parse_boundary(&mut c, &input.boundary);
    if boundary.is_some() && kind != UnitKind::Grid {
        c.add(
            "boundary",
            "只有网格可以设置边界",
            "only grids have a boundary",
        );
    }
    let address = input
        .address
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from);
    if address.as_ref().is_some_and(|a| a.chars().count() > 200) {
        c.add(
            "address",
            "地址不能超过200个字",
            "address must be at most 200 characters",
        );
    }
    c.finish()?;
    let code = match input
        .code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => {
            rules::check_child_code(&parent, kind, code)?;
            if ctx.org.unit_by_code(code).await?.is_some() {
                return Err(DomainError::field(
                    "code",
                    "该编码已被使用（编码不可重复使用）",
                    "this code is taken (codes are never reused)",
                ));
            }
            code.to_string()
        }
        None => {
            let used = ctx.org.codes_with_prefix(&parent.code).await?;
            rules::next_child_code(&parent.code, kind, &used).ok_or_else(|| {
                DomainError::rule("编码序号已用完", "no free code numbers are left")
            })?
        }
    };
    let name = input.name.trim().to_string();
    let new = NewUnit {
        code: code.clone(),
        kind,
        name: name.clone(),
        official_name: name,
        parent_code: Some(parent.code.clone()),
        grid_type,
        boundary,
        address,
    };
    let audit = ctx
        .event(actor, "org.create", "org_unit", &code, &parent.path)
        .after(serde_json::json!({"code": code, "kind": kind.as_str(), "name": new.name, "parent": parent.code}));
    let out = ctx.org.insert(new, audit).await?;
    if out.kind == UnitKind::Grid {
        ctx.grids.invalidate();
    }
    Ok(out)
}

pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    patch: UnitPatch,
) -> Result<OrgUnit> {
    let unit = load(ctx, id).await?;
    require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    if !actor.reaches_below(&unit.path) {
        return Err(DomainError::Forbidden);
    }
    if unit.status == UnitStatus::Retired {
        return Err(DomainError::rule(
            "已撤销的单位不能修改",
            "a retired unit cannot be changed",
        ));
    }
    let mut c = Checker::new();
    if let Some(n) = &patch.name {
        rules::check_name(&mut c, "name", n);
    }
    if patch.grid_type.is_some() && unit.kind != UnitKind::Grid {
        c.add(
            "grid_type",
            "只有网格才有网格类型",
            "only grids have a grid type",
        );
    }
    if let Some(b) = &patch.boundary {
        if unit.kind != UnitKind::Grid {
            c.add(
                "boundary",
                "只有网格可以设置边界",
                "only grids have a boundary",
            );
        } else if let Err(t) = validate_ring(&b.exterior) {
            c.push(jiceng_core::FieldError {
                field: "boundary".into(),
                message: t,
            });
        }
    }
    c.finish()?;
    let patch = UnitPatch {
        name: patch.name.map(|n| n.trim().to_string()),
        ..patch
    };
    let change = if patch.boundary.is_some() {
        "boundary"
    } else if patch.name.is_some() && patch.grid_type.is_none() && patch.address.is_none() {
        "rename"
    } else {
        "edit"
    };
    let before = serde_json::json!({
        "name": unit.name, "grid_type": unit.grid_type, "address": unit.address,
        "boundary": patch.boundary.as_ref().and(unit.boundary.as_ref().map(|b| b.to_geojson_geometry())),
    });
    let after = serde_json::json!({
        "name": patch.name.clone().unwrap_or_else(|| unit.name.clone()),
        "grid_type": patch.grid_type.or(unit.grid_type),
        "address": patch.address.clone().or_else(|| unit.address.clone()),
        "boundary": patch.boundary.as_ref().map(|b| b.to_geojson_geometry()),
    });
    let audit = ctx
        .event(
            actor,
            &format!("org.{change}"),
            "org_unit",
            &unit.code,
            &unit.path,
        )
        .before(before)
        .after(after);
    let boundary_changed = patch.boundary.is_some();
    let out = ctx
        .org
        .update(id, expected_version, patch, (change.to_string(), audit))
        .await?;
    // The grid index holds each grid's unit too: any change to a grid renews it.
    if boundary_changed || out.kind == UnitKind::Grid {
        ctx.grids.invalidate();
    }
    Ok(out)
}

pub async fn move_to(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    new_parent_id: i64,
    expected_version: i64,
) -> Result<OrgUnit> {
    let unit = load(ctx, id).await?;
    require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    let parent = load(ctx, new_parent_id).await?;
    require_in_scope(actor, Verb::EditOrg, &parent.path)?;
    if !actor.reaches_below(&unit.path) {
        return Err(DomainError::Forbidden);
    }
    rules::check_move(&unit, &parent)?;
    let audit = ctx
        .event(actor, "org.move", "org_unit", &unit.code, &unit.path)
        .before(serde_json::json!({"parent_id": unit.parent_id, "path": unit.path}))
        .after(serde_json::json!({"parent_id": parent.id, "parent_code": parent.code}));
    let out = ctx
        .org
        .move_to(id, expected_version, &parent, audit)
        .await?;
    ctx.grids.invalidate();
    Ok(out)
}

pub async fn retire(ctx: &Ctx, actor: &Actor, id: i64, expected_version: i64) -> Result<OrgUnit> {
    let unit = load(ctx, id).await?;
    require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    if !actor.reaches_below(&unit.path) {
        return Err(DomainError::Forbidden);
    }
    let (children, households) = ctx.org.active_below(&unit).await?;
    rules::check_retire(&unit, children, households)?;
    let audit = ctx
        .event(actor, "org.retire", "org_unit", &unit.code, &unit.path)
        .before(serde_json::json!({"status": "active"}))
        .after(serde_json::json!({"status": "retired"}));
    let out = ctx.org.retire(id, expected_version, audit).await?;
    ctx.grids.invalidate();
    Ok(out)
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Appoint {
    pub title: String,
    pub person_name: String,
    pub phone: String,
}

/// Appoints a 网格长/小区片长/楼栋长/单元长; the previous holder of the same post ends.
pub async fn appoint(ctx: &Ctx, actor: &Actor, unit_id: i64, input: Appoint) -> Result<PostHolder> {
    let unit = load(ctx, unit_id).await?;
    require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    let mut c = Checker::new();
    let title = PostTitle::parse(input.title.trim());
    match title {
        None => c.add("title", "职务无效", "unknown post"),
        Some(t) if t.held_at() != unit.kind => c.add(
            "title",
            "该职务不能设在此类单位",
            "this post is not held at this kind of unit",
        ),
        _ => {}
    }
    let name = input.person_name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        c.add(
            "person_name",
            "姓名不能为空且不超过30字",
            "name must be 1–30 characters",
        );
    }
    let phone = input.phone.trim();
    if !crate::people::rules::phone_ok(phone) {
        c.add("phone", "联系电话格式不正确", "invalid phone number");
    }
    c.finish()?;
    let title = title.ok_or(DomainError::Internal("post title".into()))?;
    let audit = ctx
        .event(actor, "org.appoint", "org_unit", &unit.code, &unit.path)
        .after(serde_json::json!({"title": title.as_str(), "person_name": name}));
    ctx.org
        .appoint(unit.id, title, name, phone, ctx.now_ms(), audit)
        .await
}

pub async fn end_post(ctx: &Ctx, actor: &Actor, post_id: i64) -> Result<()> {
    let post = ctx
        .org
        .post(post_id)
        .await?
        .ok_or(DomainError::NotFound("post"))?;
    let unit = load(ctx, post.unit_id).await?;
    require_in_scope(actor, Verb::EditOrg, &unit.path)?;
    if post.until_ms.is_some() {
        return Err(DomainError::rule(
            "该任职已结束",
            "this post has already ended",
        ));
    }
    let audit = ctx
        .event(actor, "org.end_post", "org_unit", &unit.code, &unit.path)
        .before(serde_json::json!({"title": post.title.as_str(), "person_name": post.person_name}));
    ctx.org.end_post(post_id, ctx.now_ms(), audit).await
}
