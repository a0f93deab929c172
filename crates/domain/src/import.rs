//! Imports in the formats offices use: the statistical division list, grid boundaries
//! (GeoJSON) and buildings/households/residents (CSV or .xlsx, UTF-8 or GBK).
//!
//! Every import validates the whole file first. With any bad row nothing is written and
//! the report names each row and reason — unless the user asked to skip bad rows, in
//! which case the good rows are written and the bad ones reported.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use jiceng_core::{Actor, DomainError, Result, Text, Verb};
use jiceng_formats::divisions::{self, DivisionLevel};
use jiceng_formats::grids;
use jiceng_formats::people as people_fmt;
use jiceng_formats::report::{ImportReport, RowError};
use jiceng_formats::text::display_name;
use serde::Serialize;

use crate::org::{GridType, NewUnit, OrgUnit, UnitKind, UnitPatch, UnitStatus, rules};
use crate::people::{PersonImport, ResidentInput};
use crate::{Ctx, require};

#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct ImportOptions {
    /// Write the good rows and report the bad ones instead of refusing the file.
    #[serde(default)]
    pub skip_bad: bool,
    /// Validate only.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize)]
pub struct ImportOutcome {
    pub kind: &'static str,
    pub total_rows: usize,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows left out because they were bad (only with `skip_bad`).
    pub skipped: usize,
    pub applied: bool,
    pub dry_run: bool,
    pub report: ImportReport,
}

fn row_error(
    line: usize,
    column: Option<&str>,
    value: Option<&str>,
    zh: String,
    en: String,
) -> RowError {
    RowError {
        line,
        column: column.map(String::from),
        value: value.map(String::from),
        message: Text::new(zh, en),
    }
}

fn outcome(kind: &'static str, report: ImportReport, opts: ImportOptions) -> ImportOutcome {
    ImportOutcome {
        kind,
        total_rows: report.total_rows,
        created: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        applied: false,
        dry_run: opts.dry_run,
        report,
    }
}

/// Looks many codes up at once.
async fn existing_units(ctx: &Ctx, codes: &[String]) -> Result<HashMap<String, OrgUnit>> {
    Ok(ctx
        .org
        .units_by_codes(codes)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect())
}

fn level_kind(l: DivisionLevel) -> UnitKind {
    match l {
        DivisionLevel::District => UnitKind::District,
        DivisionLevel::Street => UnitKind::Subdistrict,
        DivisionLevel::Community => UnitKind::Community,
    }
}

/// `jiceng import divisions`: the statistical division list of a district (or more).
pub async fn divisions(
    ctx: &Ctx,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportOutcome> {
    require(actor, Verb::Import)?;
    require(actor, Verb::EditOrg)?;
    // Parsed leniently even when refusing bad files, so one report names every
    // bad row (format errors and errors against what is stored) at once.
    let (mut rows, mut report) = divisions::parse_divisions_lenient(file_name, bytes);
    // Parents first, whatever the file's order (lines are unique: the unstable sort,
    // which moves the rows in place, gives the one order).
    rows.sort_unstable_by_key(|r| (r.level as u8, r.line));
    // An empty tree (a database being set up) has nothing to compare the file with.
    let existing = if ctx.org.roots().await?.is_empty() {
        HashMap::new()
    } else {
        let codes: Vec<String> = {
            let mut set: HashSet<&str> = HashSet::with_capacity(rows.len() + rows.len() / 8);
            for r in &rows {
                set.insert(&r.code);
                set.insert(&r.parent_code);
            }
            set.into_iter().map(String::from).collect()
        };
        existing_units(ctx, &codes).await?
    };
    // code → (kind, index into `paths`) of units known so far (existing or planned).
    let mut paths: Vec<String> = Vec::with_capacity(rows.len() + existing.len());
    let mut known: HashMap<&str, (UnitKind, usize)> =
        HashMap::with_capacity(rows.len() + existing.len());
    for u in existing.values() {
        known.insert(&u.code, (u.kind, paths.len()));
        paths.push(u.path.clone());
    }
    // Per row: Some(has a parent) when it is to be created.
    let mut accepted: Vec<Option<bool>> = vec![None; rows.len()];
    let mut unchanged = 0u64;
    for (i, r) in rows.iter().enumerate() {
        let kind = level_kind(r.level);
        if let Some(u) = existing.get(&r.code) {
            let same_parent = u.parent_id.is_none() && kind == UnitKind::District
                || rules::path_codes(&u.path).iter().rev().nth(1) == Some(&r.parent_code);
            if u.kind == kind && u.official_name == r.name && same_parent {
                unchanged += 1;
            } else {
                report.errors.push(row_error(
                    r.line,
                    Some("code"),
                    Some(&r.code),
                    "编码已存在且名称或上级不同（编码不可重复使用）".into(),
                    "code exists with another name or parent (codes are never reused)".into(),
                ));
            }
            continue;
        }
        let path = if kind == UnitKind::District {
            rules::child_path(None, &r.code)
        } else {
            match known.get(r.parent_code.as_str()) {
                Some(&(pk, p)) if pk.child() == Some(kind) => {
                    rules::child_path(Some(&paths[p]), &r.code)
                }
                Some(_) => {
                    report.errors.push(row_error(
                        r.line,
                        Some("parent_code"),
                        Some(&r.parent_code),
                        "上级单位的级别不符".into(),
                        "the parent is not of the level above".into(),
                    ));
                    continue;
                }
                None => {
                    report.errors.push(row_error(
                        r.line,
                        Some("parent_code"),
                        Some(&r.parent_code),
                        "上级单位编码不存在".into(),
                        "unknown parent code".into(),
                    ));
                    continue;
                }
            }
        };
        if !actor.reaches(&path) {
            report.errors.push(row_error(
                r.line,
                Some("code"),
                Some(&r.code),
                "该单位不在您的管辖范围内".into(),
                "this unit is outside your reach".into(),
            ));
            continue;
        }
        known.insert(&r.code, (kind, paths.len()));
        paths.push(path);
        accepted[i] = Some(kind != UnitKind::District);
    }
    drop(known);
    drop(paths);
    drop(existing);
    let mut new_units = Vec::with_capacity(accepted.iter().flatten().count());
    for (r, keep) in rows.into_iter().zip(accepted) {
        let Some(has_parent) = keep else { continue };
        new_units.push(NewUnit {
            name: display_name(&r.name),
            kind: level_kind(r.level),
            official_name: r.name,
            parent_code: has_parent.then_some(r.parent_code),
            code: r.code,
            grid_type: None,
            boundary: None,
            address: None,
        });
    }
    report.errors.sort_by_key(|e| e.line);
    let mut out = outcome("divisions", report, opts);
    out.unchanged = unchanged;
    out.skipped = out.report.errors.len();
    if (!out.report.errors.is_empty() && !opts.skip_bad) || opts.dry_run {
        out.created = if out.report.errors.is_empty() || opts.skip_bad {
            new_units.len() as u64
        } else {
            0
        };
        return Ok(out);
    }
    let created = new_units.len() as u64;
    if created > 0 {
        let sample: Vec<&str> = new_units.iter().take(20).map(|u| u.code.as_str()).collect();
        let audit = ctx
            .event(actor, "import.divisions", "org_unit", file_name, &actor.scope_path)
            .after(serde_json::json!({"created": created, "first_codes": sample, "skipped": out.skipped}));
        ctx.org.insert_many(new_units, audit).await?;
    }
    out.created = created;
    out.applied = true;
    Ok(out)
}

/// Grid boundaries from GeoJSON: new grids are created under their community, known
/// grids get the new boundary (and name and type when given).
pub async fn grids(
    ctx: &Ctx,
    actor: &Actor,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportOutcome> {
    require(actor, Verb::Import)?;
    require(actor, Verb::EditOrg)?;
    // Parsed leniently even when refusing bad files, so one report names every
    // bad row (format errors and errors against what is stored) at once.
    let (features, mut report) = grids::parse_grid_geojson_lenient(bytes);
    let mut codes: Vec<String> = features.iter().map(|f| f.code.clone()).collect();
    codes.extend(features.iter().map(|f| f.code[..12].to_string()));
    codes.sort();
    codes.dedup();
    let existing = existing_units(ctx, &codes).await?;
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for f in features {
        let community = &f.code[..12];
        let grid_type = f.grid_type.as_deref().and_then(GridType::parse);
        match existing.get(&f.code) {
            Some(g) if g.kind == UnitKind::Grid && g.status == UnitStatus::Active => {
                if !actor.reaches_below(&g.path) {
                    report.errors.push(row_error(
                        f.index,
                        Some("code"),
                        Some(&f.code),
                        "该网格不在您的管辖范围内".into(),
                        "this grid is outside your reach".into(),
                    ));
                    continue;
                }
                updates.push((
                    g.id,
                    UnitPatch {
                        name: f.name.clone(),
                        grid_type,
                        address: None,
                        boundary: Some(f.polygon),
                    },
                ));
            }
            Some(_) => {
                report.errors.push(row_error(
                    f.index,
                    Some("code"),
                    Some(&f.code),
                    "该编码已被其他单位或已撤销的网格使用".into(),
                    "the code belongs to another unit or a retired grid".into(),
                ));
            }
            None => match existing.get(community) {
                Some(c) if c.kind == UnitKind::Community && c.status == UnitStatus::Active => {
                    if !actor.reaches(&c.path) {
                        report.errors.push(row_error(
                            f.index,
                            Some("code"),
                            Some(&f.code),
                            "所属社区不在您的管辖范围内".into(),
                            "the community is outside your reach".into(),
                        ));
                        continue;
                    }
                    let n: u32 = f.code[12..].parse().unwrap_or(0);
                    creates.push(NewUnit {
                        code: f.code.clone(),
                        kind: UnitKind::Grid,
                        name: f
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("{}第{}网格", c.name, n)),
                        official_name: f
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("{}第{}网格", c.name, n)),
                        parent_code: Some(c.code.clone()),
                        grid_type: Some(grid_type.unwrap_or(GridType::Geographic)),
                        boundary: Some(f.polygon),
                        address: None,
                    });
                }
                _ => {
                    report.errors.push(row_error(
                        f.index,
                        Some("code"),
                        Some(&f.code),
                        "网格编码的前12位不是已登记的社区".into(),
                        "the first 12 digits of the grid code are not a known community".into(),
                    ));
                }
            },
        }
    }
    report.errors.sort_by_key(|e| e.line);
    let mut out = outcome("grids", report, opts);
    out.skipped = out.report.errors.len();
    let ok = out.report.errors.is_empty() || opts.skip_bad;
    if ok {
        out.created = creates.len() as u64;
        out.updated = updates.len() as u64;
    }
    if !ok || opts.dry_run {
        return Ok(out);
    }
    if !creates.is_empty() {
        let audit = ctx
            .event(
                actor,
                "import.grids",
                "org_unit",
                "geojson",
                &actor.scope_path,
            )
            .after(
                serde_json::json!({"created": creates.iter().map(|u| &u.code).collect::<Vec<_>>()}),
            );
        ctx.org.insert_many(creates, audit).await?;
    }
    if !updates.is_empty() {
        let audit = ctx
            .event(
                actor,
                "import.grid_boundaries",
                "org_unit",
                "geojson",
                &actor.scope_path,
            )
            .after(serde_json::json!({"updated": updates.len()}));
        ctx.org.update_grids(updates, audit).await?;
    }
    out.applied = true;
    ctx.grids.invalidate();
    Ok(out)
}

/// Plans the estates, buildings and units a people import needs, reusing those that
/// exist (matched by name under their parent) and numbering new ones after every code
/// ever used.
struct Planner {
    /// (parent code, child name) → (code, path)
    by_name: HashMap<(String, String), (String, String)>,
    used: HashMap<String, Vec<String>>,
    loaded: HashSet<String>,
    /// Codes of the units this import creates.
    planned: HashSet<String>,
    new_units: Vec<NewUnit>,
}

impl Planner {
    fn new() -> Self {
        Planner {
            by_name: HashMap::new(),
            used: HashMap::new(),
            loaded: HashSet::new(),
            planned: HashSet::new(),
            new_units: Vec::new(),
        }
    }

    async fn child(
        &mut self,
        ctx: &Ctx,
        parent: (&str, &str),
        kind: UnitKind,
        name: &str,
    ) -> Result<(String, String)> {
        let (pcode, ppath) = parent;
        if !self.loaded.contains(pcode) {
            self.loaded.insert(pcode.to_string());
            // A parent planned in this import has a code never used before, so nothing
            // in the store is under it: no look-ups (three queries per new building).
            let planned = self.planned.contains(pcode);
            if planned {
                self.used.insert(pcode.to_string(), Vec::new());
            } else if let Some(p) = ctx.org.unit_by_code(pcode).await? {
                for c in ctx.org.children(p.id, true).await? {
                    if c.status == UnitStatus::Active {
                        self.by_name.insert(
                            (pcode.to_string(), c.name.clone()),
                            (c.code.clone(), c.path.clone()),
                        );
                    }
                }
            }
            if !planned {
                let used = ctx.org.codes_with_prefix(pcode).await?;
                self.used.insert(pcode.to_string(), used);
            }
        }
        let key = (pcode.to_string(), name.to_string());
        if let Some(found) = self.by_name.get(&key) {
            return Ok(found.clone());
        }
        let used = self.used.entry(pcode.to_string()).or_default();
        let code = rules::next_child_code(pcode, kind, used)
            .ok_or_else(|| DomainError::rule("编码序号已用完", "no free code numbers are left"))?;
        used.push(code.clone());
        self.planned.insert(code.clone());
        let path = rules::child_path(Some(ppath), &code);
        self.new_units.push(NewUnit {
            code: code.clone(),
            kind,
            name: name.to_string(),
            official_name: name.to_string(),
            parent_code: Some(pcode.to_string()),
            grid_type: None,
            boundary: None,
            address: None,
        });
        self.by_name.insert(key, (code.clone(), path.clone()));
        Ok((code, path))
    }
}

/// Normalises the names people write for buildings and units: `3` → `3号楼`, `2` → `2单元`.
pub fn building_name(s: &str) -> String {
    let s = s.trim();
    if s.chars().all(|c| c.is_ascii_digit()) {
        format!("{s}号楼")
    } else {
        s.to_string()
    }
}

pub fn unit_name(s: &str) -> String {
    let s = s.trim();
    if s.chars().all(|c| c.is_ascii_digit()) {
        format!("{s}单元")
    } else {
        s.to_string()
    }
}

/// Buildings, households and residents from a CSV or .xlsx file.
pub async fn people(
    ctx: &Ctx,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportOutcome> {
    require(actor, Verb::Import)?;
    require(actor, Verb::EditPeople)?;
    // Parsed leniently even when refusing bad files, so one report names every
    // bad row (format errors and errors against what is stored) at once.
    let (rows, mut report) = people_fmt::parse_people_lenient(file_name, bytes);
    let labels = ctx.people.labels().await?;
    let mut grid_codes: Vec<String> = rows.iter().map(|r| r.grid_code.clone()).collect();
    grid_codes.sort();
    grid_codes.dedup();
    let grids = existing_units(ctx, &grid_codes).await?;
    // First every row's own checks and its encrypted fields (on two threads: this is
    // most of an import's own work), then one look-up of the ID numbers already
    // recorded, then the places.
    let check = |part: Vec<people_fmt::PersonRow>| {
        let mut prepared = Vec::with_capacity(part.len());
        let mut errors = Vec::new();
        for mut r in part {
            let grid = match grids.get(&r.grid_code) {
                Some(g) if g.kind == UnitKind::Grid && g.status == UnitStatus::Active => g,
                _ => {
                    errors.push(row_error(
                        r.line,
                        Some("grid_code"),
                        Some(&r.grid_code),
                        "网格编码不存在".into(),
                        "unknown grid code".into(),
                    ));
                    continue;
                }
            };
            if !actor.reaches(&grid.path) {
                errors.push(row_error(
                    r.line,
                    Some("grid_code"),
                    Some(&r.grid_code),
                    "该网格不在您的管辖范围内".into(),
                    "this grid is outside your reach".into(),
                ));
                continue;
            }
            let input = ResidentInput {
                name: std::mem::take(&mut r.name),
                id_number: std::mem::take(&mut r.id_number),
                phone: r.phone.take(),
                ethnicity: Some(std::mem::take(&mut r.ethnicity)),
                relation: Some(std::mem::take(&mut r.relation)),
                labels: std::mem::take(&mut r.labels),
            };
            match crate::people::service::prepare(ctx, (0, ""), &input, &labels) {
                Ok(res) => prepared.push((r, grid, res)),
                Err(e) => {
                    for f in e.fields() {
                        errors.push(RowError {
                            line: r.line,
                            column: Some(f.field.clone()),
                            value: None,
                            message: f.message.clone(),
                        });
                    }
                }
            }
        }
        (prepared, errors)
    };
    let mut rows = rows;
    let second = rows.split_off(rows.len() / 2);
    let ((mut prepared, errors), (more, more_errors)) = std::thread::scope(|s| {
        let other = s.spawn(|| check(second));
        let first = check(rows);
        let second = other
            .join()
            .map_err(|_| DomainError::internal("import worker panicked"))?;
        Ok::<_, DomainError>((first, second))
    })?;
    prepared.extend(more);
    report.errors.extend(errors);
    report.errors.extend(more_errors);
    let indexes: Vec<String> = prepared
        .iter()
        .map(|(_, _, res)| res.id_index.clone())
        .collect();
    let recorded = ctx.people.existing_id_indexes(&indexes).await?;
    let mut planner = Planner::new();
    let mut out_rows = Vec::new();
    for (r, grid, resident) in prepared {
        if recorded.contains(&resident.id_index) {
            report.errors.push(row_error(
                r.line,
                Some("id_number"),
                Some(&resident.id_mask),
                "该身份证号已登记".into(),
                "a resident with this ID number is already recorded".into(),
            ));
            continue;
        }
        let (ecode, epath) = planner
            .child(
                ctx,
                (&grid.code, &grid.path),
                UnitKind::Estate,
                r.estate.trim(),
            )
            .await?;
        let (bcode, bpath) = planner
            .child(
                ctx,
                (&ecode, &epath),
                UnitKind::Building,
                &building_name(&r.building),
            )
            .await?;
        let (ucode, _upath) = planner
            .child(ctx, (&bcode, &bpath), UnitKind::Unit, &unit_name(&r.unit))
            .await?;
        let address = format!(
            "{}{}{}{}室",
            r.estate.trim(),
            building_name(&r.building),
            unit_name(&r.unit),
            r.room.trim()
        );
        out_rows.push(PersonImport {
            unit_code: ucode,
            room: r.room.trim().to_string(),
            address,
            dwelling: "own".into(),
            resident,
        });
    }
    report.errors.sort_by_key(|e| e.line);
    let mut out = outcome("people", report, opts);
    out.skipped = out.report.errors.len();
    let ok = out.report.errors.is_empty() || opts.skip_bad;
    if !ok || opts.dry_run {
        if ok {
            out.created = out_rows.len() as u64;
        }
        return Ok(out);
    }
    let audit = ctx
        .event(actor, "import.people", "resident", file_name, &actor.scope_path)
        .after(serde_json::json!({"rows": out_rows.len(), "new_units": planner.new_units.len(), "skipped": out.skipped}));
    let (_households, residents) = ctx
        .people
        .import_people(planner.new_units, out_rows, audit)
        .await?;
    out.created = residents;
    out.applied = true;
    Ok(out)
}
