//! Use cases of the workforce. Access is decided here:
//! - the leadership structure statistics: any role that may view the organisation, for
//!   units in its reach;
//! - cadre, added-staff and promotion records: district administrators and sub-district
//!   staff within their reach (community staff may read those of units they reach);
//! - community workers, pay and reserve talents: district administrators, sub-district
//!   staff and community staff within their reach — never grid workers, department
//!   handlers or residents;
//! - pay-table versions: read by those roles, created by the district administrator.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, FieldError, Result, Role, Verb};
use serde::Serialize;

use super::model::*;
use super::rules::{self, Progression, name_ok, parse_date};
use crate::figures::{Figure, percent};
use crate::org::{OrgUnit, UnitKind};
use crate::{Ctx, require};

/// Roles that handle the workforce's personal and pay data.
pub fn is_workforce_role(role: Role) -> bool {
    matches!(
        role,
        Role::DistrictAdmin | Role::SubdistrictStaff | Role::CommunityStaff
    )
}

/// Roles that edit the sub-district leadership records.
pub fn edits_cadres(role: Role) -> bool {
    matches!(role, Role::DistrictAdmin | Role::SubdistrictStaff)
}

fn require_staff(actor: &Actor, path: &str) -> Result<()> {
    if !is_workforce_role(actor.role) {
        return Err(DomainError::Forbidden);
    }
    if !actor.reaches(path) {
        return Err(DomainError::NotFound("unit"));
    }
    Ok(())
}

fn require_cadre_editor(actor: &Actor, path: &str) -> Result<()> {
    if !edits_cadres(actor.role) {
        return Err(DomainError::Forbidden);
    }
    if !actor.reaches(path) {
        return Err(DomainError::NotFound("unit"));
    }
    Ok(())
}

/// Today in Beijing.
pub fn today(ctx: &Ctx) -> NaiveDate {
    Utc.timestamp_millis_opt(ctx.now_ms())
        .single()
        .map(|t| t.with_timezone(&jiceng_core::clock::china()).date_naive())
        .unwrap_or_default()
}

/// The current month, `YYYY-MM`.
pub fn this_month(ctx: &Ctx) -> String {
    let t = today(ctx);
    format!("{:04}-{:02}", t.year(), t.month())
}

/// A unit the actor may view; none means the top of their reach.
pub async fn unit_or_home(ctx: &Ctx, actor: &Actor, unit_id: Option<i64>) -> Result<OrgUnit> {
    match unit_id {
        Some(id) => crate::org::service::get(ctx, actor, id).await,
        None => crate::org::service::home(ctx, actor).await,
    }
}

async fn unit_of_kind(ctx: &Ctx, id: i64, kinds: &[UnitKind], field: &str) -> Result<OrgUnit> {
    let u = ctx.org.unit(id).await?;
    match u {
        Some(u) if kinds.contains(&u.kind) => Ok(u),
        _ => Err(DomainError::field(
            field,
            "单位不存在或类型不符",
            "no such unit of the right kind",
        )),
    }
}

fn check_name(c: &mut Checker, field: &str, s: &str) {
    if !name_ok(s) {
        c.add(
            field,
            "姓名应为2至20个字",
            "a name of 2 to 20 characters is required",
        );
    }
}

fn check_sex(c: &mut Checker, s: &str) {
    if !matches!(s.trim(), "男" | "女") {
        c.add("sex", "性别应为“男”或“女”", "sex must be 男 or 女");
    }
}

fn check_short(c: &mut Checker, field: &str, s: &str, max: usize) {
    let n = s.trim().chars().count();
    if n == 0 {
        c.add(field, "不能为空", "must not be empty");
    } else if n > max {
        c.push(FieldError::new(
            field,
            format!("不能超过{max}字"),
            format!("must be at most {max} characters"),
        ));
    } else if crate::appeals::service::has_html(s) {
        c.add(field, "不能包含HTML标签", "must not contain HTML");
    }
}

fn check_date(c: &mut Checker, field: &str, s: &str, not_after: NaiveDate) -> Option<NaiveDate> {
    match parse_date(s) {
        None => {
            c.add(
                field,
                "日期格式应为 YYYY-MM-DD",
                "a date YYYY-MM-DD is required",
            );
            None
        }
        Some(d) if d > not_after => {
            c.add(
                field,
                "日期不能晚于今天",
                "the date must not be in the future",
            );
            None
        }
        Some(d) if d.year() < 1930 => {
            c.add(field, "日期不合理", "the date is implausible");
            None
        }
        Some(d) => Some(d),
    }
}

fn check_education(c: &mut Checker, s: &str) -> Option<Education> {
    let e = Education::parse(s);
    if e.is_none() {
        c.add(
            "education",
            "学历应为：研究生、大学本科、大专、中专、高中及以下",
            "education must be postgraduate, bachelor, college, secondary or high_school",
        );
    }
    e
}

fn check_ethnicity(c: &mut Checker, s: &str) {
    let s = s.trim();
    let n = s.chars().count();
    if !(2..=10).contains(&n) || !s.ends_with('族') {
        c.add(
            "ethnicity",
            "民族应写全称，如“汉族”“蒙古族”",
            "write the full ethnicity, e.g. 汉族, 蒙古族",
        );
    }
}

fn check_birth(
    c: &mut Checker,
    birth: Option<NaiveDate>,
    at: Option<NaiveDate>,
    min: i64,
    max: i64,
) {
    if let (Some(b), Some(at)) = (birth, at) {
        let age = rules::age_on(b, at);
        if !(min..=max).contains(&age) {
            c.push(FieldError::new(
                "birth_date",
                format!("年龄应在{min}至{max}岁之间"),
                format!("age must be between {min} and {max}"),
            ));
        }
    }
}

// ---------------------------------------------------------------- cadres

fn structure_of(unit: &OrgUnit, cadres: &[Cadre], on: NaiveDate) -> Structure {
    let (total, under, college, minority) = rules::structure_counts(cadres, on);
    Structure {
        unit_id: unit.id,
        unit_name: unit.name.clone(),
        date: on,
        total,
        under_45: under,
        college_or_above: college,
        minority,
        under_45_share: percent(under, total, 2),
        college_share: percent(college, total, 2),
        minority_share: percent(minority, total, 2),
    }
}

/// The leadership structure of a unit (a sub-district, or the district = all its
/// sub-districts) on a date, with one row per sub-district below.
pub async fn structure(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
    on: Option<NaiveDate>,
) -> Result<(Structure, Vec<Structure>)> {
    require(actor, Verb::ViewOrg)?;
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    let on = on.unwrap_or_else(|| today(ctx));
    let cadres = ctx.workforce.cadres_in(&unit.path, Some(on)).await?;
    let total = structure_of(&unit, &cadres, on);
    let subs: Vec<OrgUnit> = if unit.kind == UnitKind::Subdistrict {
        vec![]
    } else {
        ctx.org
            .units_in(&unit.path, UnitKind::Subdistrict, 1000)
            .await?
    };
    let rows = subs
        .iter()
        .map(|s| {
            let mine: Vec<Cadre> = cadres
                .iter()
                .filter(|c| c.path.starts_with(&s.path))
                .cloned()
                .collect();
            structure_of(s, &mine, on)
        })
        .collect();
    Ok((total, rows))
}

/// Cadre records of a unit's subtree: those in post on a date, or all with history.
pub async fn cadres(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
    on: Option<NaiveDate>,
) -> Result<Vec<Cadre>> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    ctx.workforce.cadres_in(&unit.path, on).await
}

#[allow(clippy::too_many_arguments)]
async fn check_cadre(
    ctx: &Ctx,
    actor: &Actor,
    c: &mut Checker,
    unit: Option<&OrgUnit>,
    name: &str,
    sex: &str,
    post_title: &str,
    birth: &str,
    education: &str,
    ethnicity: &str,
    start: &str,
) -> Option<(NaiveDate, Education, NaiveDate)> {
    let _ = (ctx, actor, unit);
    let today = today(ctx);
    check_name(c, "name", name);
    check_sex(c, sex);
    check_short(c, "post_title", post_title, 30);
    let b = check_date(c, "birth_date", birth, today);
    let e = check_education(c, education);
    check_ethnicity(c, ethnicity);
    let s = check_date(c, "start_date", start, today);
    check_birth(c, b, s, 21, 65);
    Some((b?, e?, s?))
}

pub async fn create_cadre(ctx: &Ctx, actor: &Actor, input: CadreInput) -> Result<Cadre> {
    let unit = unit_of_kind(ctx, input.unit_id, &[UnitKind::Subdistrict], "unit_id").await?;
    require_cadre_editor(actor, &unit.path)?;
    let mut c = Checker::new();
    let parsed = check_cadre(
        ctx,
        actor,
        &mut c,
        Some(&unit),
        &input.name,
        &input.sex,
        &input.post_title,
        &input.birth_date,
        &input.education,
        &input.ethnicity,
        &input.start_date,
    )
    .await;
    let source = if input.source.trim().is_empty() {
        Some(CadreSource::Selected)
    } else {
        CadreSource::parse(&input.source)
    };
    if source.is_none() {
        c.add("source", "来源不在可选范围内", "unknown source");
    }
    if source == Some(CadreSource::PromotedSecretary) {
        c.add(
            "source",
            "社区书记进入街道班子请通过“社区书记选拔”登记",
            "record promoted community secretaries as a promotion",
        );
    }
    if input.note.chars().count() > 200 || crate::appeals::service::has_html(&input.note) {
        c.add(
            "note",
            "备注不超过200字且不含HTML",
            "note: at most 200 characters, no HTML",
        );
    }
    c.finish()?;
    let (Some((birth, education, start)), Some(source)) = (parsed, source) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let new = NewCadre {
        name: input.name.trim().into(),
        sex: input.sex.trim().into(),
        post_title: input.post_title.trim().into(),
        unit_id: unit.id,
        path: unit.path.clone(),
        birth_date: birth,
        education,
        ethnicity: input.ethnicity.trim().into(),
        party_member: input.party_member,
        start_date: start,
        source,
        note: input.note.trim().into(),
        created_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(actor, "workforce.cadre_create", "cadre", "new", &unit.path)
        .after(&new);
    ctx.workforce.insert_cadre(new, audit).await
}

pub async fn end_cadre(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    version: i64,
    end_date: &str,
) -> Result<Cadre> {
    let cadre = ctx
        .workforce
        .cadre(id)
        .await?
        .ok_or(DomainError::NotFound("cadre"))?;
    require_cadre_editor(actor, &cadre.path)?;
    let mut c = Checker::new();
    let end = check_date(&mut c, "end_date", end_date, today(ctx));
    if let Some(e) = end
        && e <= cadre.start_date
    {
        c.add(
            "end_date",
            "离任日期须晚于任职日期",
            "the end must be after the start",
        );
    }
    if cadre.end_date.is_some() {
        return Err(DomainError::rule(
            "该任职已结束",
            "this appointment has already ended",
        ));
    }
    c.finish()?;
    let end = end.ok_or_else(|| DomainError::internal("date"))?;
    let audit = ctx
        .event(actor, "workforce.cadre_end", "cadre", id, &cadre.path)
        .before(&cadre)
        .after(serde_json::json!({"end_date": end}));
    ctx.workforce.end_cadre(id, version, end, audit).await
}

// ---------------------------------------------------------------- added staff

pub async fn added_staff(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
) -> Result<Vec<AddedStaff>> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    ctx.workforce.added_staff_in(&unit.path).await
}

pub async fn add_staff(ctx: &Ctx, actor: &Actor, input: AddedStaffInput) -> Result<AddedStaff> {
    let unit = unit_of_kind(ctx, input.unit_id, &[UnitKind::Subdistrict], "unit_id").await?;
    require_cadre_editor(actor, &unit.path)?;
    let mut c = Checker::new();
    check_name(&mut c, "name", &input.name);
    check_sex(&mut c, &input.sex);
    check_short(&mut c, "post", &input.post, 30);
    let kind = StaffKind::parse(&input.kind);
    if kind.is_none() {
        c.add(
            "kind",
            "增加方式应为：下沉编制、公开招聘、选调、调任",
            "kind must be sink, recruit, selected or transfer",
        );
    }
    let day = check_date(&mut c, "added_date", &input.added_date, today(ctx));
    c.finish()?;
    let (Some(kind), Some(day)) = (kind, day) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let new = NewAddedStaff {
        name: input.name.trim().into(),
        sex: input.sex.trim().into(),
        unit_id: unit.id,
        path: unit.path.clone(),
        post: input.post.trim().into(),
        kind,
        added_date: day,
        created_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(
            actor,
            "workforce.staff_add",
            "added_staff",
            "new",
            &unit.path,
        )
        .after(&new);
    ctx.workforce.insert_added_staff(new, audit).await
}

// ---------------------------------------------------------------- promotions

pub async fn promotions(ctx: &Ctx, actor: &Actor, unit_id: Option<i64>) -> Result<Vec<Promotion>> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    ctx.workforce.promotions_in(&unit.path).await
}

/// Records a community secretary's promotion into a sub-district's leadership and
/// creates their cadre record (source: promoted community secretary).
pub async fn promote(ctx: &Ctx, actor: &Actor, input: PromotionInput) -> Result<Promotion> {
    let community = unit_of_kind(
        ctx,
        input.community_id,
        &[UnitKind::Community],
        "community_id",
    )
    .await?;
    let sub_id = match input.unit_id {
        Some(id) => id,
        None => community.parent_id.unwrap_or_default(),
    };
    let sub = unit_of_kind(ctx, sub_id, &[UnitKind::Subdistrict], "unit_id").await?;
    require_cadre_editor(actor, &sub.path)?;
    if !actor.reaches(&community.path) {
        return Err(DomainError::NotFound("unit"));
    }
    let mut c = Checker::new();
    let parsed = check_cadre(
        ctx,
        actor,
        &mut c,
        Some(&sub),
        &input.secretary_name,
        &input.sex,
        &input.post_title,
        &input.birth_date,
        &input.education,
        &input.ethnicity,
        &input.promoted_date,
    )
    .await;
    c.finish()?;
    let Some((birth, education, day)) = parsed else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let now = ctx.now_ms();
    let cadre = NewCadre {
        name: input.secretary_name.trim().into(),
        sex: input.sex.trim().into(),
        post_title: input.post_title.trim().into(),
        unit_id: sub.id,
        path: sub.path.clone(),
        birth_date: birth,
        education,
        ethnicity: input.ethnicity.trim().into(),
        party_member: input.party_member,
        start_date: day,
        source: CadreSource::PromotedSecretary,
        note: format!("原{}党组织书记", community.name),
        created_ms: now,
    };
    let p = NewPromotion {
        secretary_name: cadre.name.clone(),
        community_id: community.id,
        unit_id: sub.id,
        path: sub.path.clone(),
        post_title: cadre.post_title.clone(),
        promoted_date: day,
        created_ms: now,
    };
    let audits = vec![
        ctx.event(actor, "workforce.cadre_create", "cadre", "new", &sub.path)
            .after(&cadre),
        ctx.event(actor, "workforce.promote", "promotion", "new", &sub.path)
            .after(&p),
    ];
    ctx.workforce.insert_promotion(p, cadre, audits).await
}

// ---------------------------------------------------------------- pay tables

pub async fn pay_tables(ctx: &Ctx, actor: &Actor) -> Result<Vec<PayTable>> {
    if !is_workforce_role(actor.role) {
        return Err(DomainError::Forbidden);
    }
    ctx.workforce.pay_tables().await
}

pub fn check_pay_table(t: &PayTable) -> Result<()> {
    let mut c = Checker::new();
    if !(2000..=2100).contains(&t.effective_year) {
        c.add(
            "effective_year",
            "执行年度应在2000至2100之间",
            "the effective year must be 2000–2100",
        );
    }
    check_short(&mut c, "name", &t.name, 60);
    if t.cells.len() != (POSTS * GRADES) as usize {
        c.add(
            "cells",
            "须填写3个岗位×18个级别共54个金额",
            "54 amounts (3 posts × 18 grades) are required",
        );
    } else {
        for post in 0..POSTS as usize {
            for g in 0..GRADES as usize {
                let v = t.cells[post * 18 + g];
                let field = format!("cells[{}][{}]", post + 1, g + 1);
                if !(1..=100_000).contains(&v) {
                    c.add(
                        &field,
                        "金额应在1至100000元之间",
                        "amounts are 1 to 100000 yuan",
                    );
                } else if g > 0 && v < t.cells[post * 18 + g - 1] {
                    c.add(
                        &field,
                        "高级别金额不能低于低级别",
                        "a higher grade must not pay less",
                    );
                }
            }
        }
    }
    for (f, v, max) in [
        ("qual_assistant", t.qual_assistant, 10_000),
        ("qual_social_worker", t.qual_social_worker, 10_000),
        ("qual_senior", t.qual_senior, 10_000),
        ("housing_rate_bp", t.housing_rate_bp, 2_400),
        ("committee_allowance", t.committee_allowance, 20_000),
        ("departure_per_year", t.departure_per_year, 100_000),
        ("retirement_per_year", t.retirement_per_year, 100_000),
        ("bonus_assistant", t.bonus_assistant, 5),
        ("bonus_social_worker", t.bonus_social_worker, 5),
        ("bonus_senior", t.bonus_senior, 5),
    ] {
        if !(0..=max).contains(&v) {
            c.push(FieldError::new(
                f,
                format!("应在0至{max}之间"),
                format!("must be 0 to {max}"),
            ));
        }
    }
    if !(1..=10).contains(&t.step_years) {
        c.add(
            "step_years",
            "晋级年限应为1至10年",
            "years per step must be 1 to 10",
        );
    }
    c.finish()
}

/// Creates a new pay-table version (versions are never edited: a change is a new
/// version from a later year).
pub async fn create_pay_table(ctx: &Ctx, actor: &Actor, mut t: PayTable) -> Result<PayTable> {
    require(actor, Verb::ManageUsers)?;
    t.name = t.name.trim().to_string();
    check_pay_table(&t)?;
    if ctx
        .workforce
        .pay_tables()
        .await?
        .iter()
        .any(|x| x.effective_year == t.effective_year)
    {
        return Err(DomainError::field(
            "effective_year",
            "该年度已有薪酬标准版本",
            "a version for this year already exists",
        ));
    }
    t.created_ms = ctx.now_ms();
    let audit = ctx
        .event(
            actor,
            "workforce.pay_table_create",
            "pay_table",
            t.effective_year,
            &actor.scope_path,
        )
        .after(&t);
    ctx.workforce.insert_pay_table(t, audit).await
}

// ---------------------------------------------------------------- workers

pub async fn workers(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
    active_only: bool,
) -> Result<(OrgUnit, Vec<Worker>)> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    let w = ctx.workforce.workers_in(&unit.path, active_only).await?;
    Ok((unit, w))
}

pub async fn worker(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Worker> {
    let w = ctx
        .workforce
        .worker(id)
        .await?
        .ok_or(DomainError::NotFound("worker"))?;
    require_staff(actor, &w.path).map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("worker"),
        e => e,
    })?;
    Ok(w)
}

/// A worker with grade history, assessments, what the rules give today and this
/// month's pay under the table in force.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerView {
    pub worker: Worker,
    pub service_years: i64,
    pub age: i64,
    pub history: Vec<GradeStep>,
    pub assessments: Vec<(i32, Assessment)>,
    pub table_year: Option<i32>,
    pub progression: Option<Progression>,
    /// (base, qualification, housing fund, other, total)
    pub pay: Option<(i64, i64, i64, i64, i64)>,
}

pub async fn worker_view(ctx: &Ctx, actor: &Actor, id: i64) -> Result<WorkerView> {
    let w = worker(ctx, actor, id).await?;
    let today = today(ctx);
    let history = ctx.workforce.grade_history(id).await?;
    let assessments = ctx.workforce.assessments(id).await?;
    let tables = ctx.workforce.pay_tables().await?;
    let table = rules::table_for_year(&tables, today.year());
    let amap: BTreeMap<i32, Assessment> = assessments.iter().copied().collect();
    let progression = table.map(|t| {
        rules::rule_grade(
            w.entry_grade,
            w.start_date,
            today,
            w.qualification,
            &amap,
            t,
        )
    });
    let pay = table.map(|t| rules::pay(w.post, w.grade, w.qualification, w.two_committees, t));
    Ok(WorkerView {
        service_years: rules::full_years(w.start_date, w.end_date.unwrap_or(today)),
        age: rules::age_on(w.birth_date, today),
        worker: w,
        history,
        assessments,
        table_year: table.map(|t| t.effective_year),
        progression,
        pay,
    })
}

fn check_grade(c: &mut Checker, grade: i64) {
    if !(1..=GRADES).contains(&grade) {
        c.add("grade", "级别应为1至18", "the grade must be 1 to 18");
    }
}

fn parse_post(c: &mut Checker, s: &str) -> Option<Post> {
    let p = Post::parse(s).or_else(|| s.trim().parse::<i64>().ok().and_then(Post::from_number));
    if p.is_none() {
        c.add(
            "post",
            "岗位应为：社区正职、社区副职、社区委员及专职工作者",
            "post must be head, deputy or member",
        );
    }
    p
}

fn parse_qualification(c: &mut Checker, s: &str) -> Option<Qualification> {
    if s.trim().is_empty() {
        return Some(Qualification::None);
    }
    let q = Qualification::parse(s);
    if q.is_none() {
        c.add(
            "qualification",
            "资格应为：无、助理社工师、社工师、高级社工师",
            "qualification must be none, assistant, social_worker or senior",
        );
    }
    q
}

pub async fn create_worker(ctx: &Ctx, actor: &Actor, input: WorkerInput) -> Result<Worker> {
    let community = unit_of_kind(
        ctx,
        input.community_id,
        &[UnitKind::Community],
        "community_id",
    )
    .await?;
    require_staff(actor, &community.path)?;
    let today = today(ctx);
    let mut c = Checker::new();
    check_name(&mut c, "name", &input.name);
    check_sex(&mut c, &input.sex);
    let birth = check_date(&mut c, "birth_date", &input.birth_date, today);
    let edu = check_education(&mut c, &input.education);
    let post = parse_post(&mut c, &input.post);
    check_grade(&mut c, input.grade);
    let q = parse_qualification(&mut c, &input.qualification);
    if input.duty.chars().count() > 30 || crate::appeals::service::has_html(&input.duty) {
        c.add("duty", "职务不超过30字", "duty: at most 30 characters");
    }
    let start = check_date(&mut c, "start_date", &input.start_date, today);
    check_birth(&mut c, birth, start, 18, 60);
    c.finish()?;
    let (Some(birth), Some(edu), Some(post), Some(q), Some(start)) = (birth, edu, post, q, start)
    else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let new = NewWorker {
        name: input.name.trim().into(),
        sex: input.sex.trim().into(),
        birth_date: birth,
        education: edu,
        community_id: community.id,
        path: community.path.clone(),
        post,
        grade: input.grade,
        qualification: q,
        two_committees: input.two_committees,
        duty: input.duty.trim().into(),
        start_date: start,
        created_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(
            actor,
            "workforce.worker_create",
            "worker",
            "new",
            &community.path,
        )
        .after(&new);
    ctx.workforce.insert_worker(new, audit).await
}

/// A change of post, grade, qualification or committee membership.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WorkerChange {
    pub version: i64,
    pub post: String,
    pub grade: i64,
    #[serde(default)]
    pub qualification: String,
    #[serde(default)]
    pub two_committees: bool,
    /// Why (晋级、岗位调整、取得资格 …); required when post or grade change.
    #[serde(default)]
    pub reason: String,
    /// From when the new post/grade applies; today if empty.
    #[serde(default)]
    pub from_date: String,
}

pub async fn change_worker(ctx: &Ctx, actor: &Actor, id: i64, ch: WorkerChange) -> Result<Worker> {
    let w = worker(ctx, actor, id).await?;
    if w.status != WorkerStatus::Active {
        return Err(DomainError::rule(
            "该社区工作者已离岗",
            "this worker has left",
        ));
    }
    let today = today(ctx);
    let mut c = Checker::new();
    let post = parse_post(&mut c, &ch.post);
    check_grade(&mut c, ch.grade);
    let q = parse_qualification(&mut c, &ch.qualification);
    let from = if ch.from_date.trim().is_empty() {
        Some(today)
    } else {
        check_date(&mut c, "from_date", &ch.from_date, today)
    };
    if let Some(f) = from
        && f < w.start_date
    {
        c.add(
            "from_date",
            "不能早于入职日期",
            "must not be before the start date",
        );
    }
    let moved = post != Some(w.post) || ch.grade != w.grade;
    if moved {
        check_short(&mut c, "reason", &ch.reason, 60);
    }
    c.finish()?;
    let (Some(post), Some(q), Some(from)) = (post, q, from) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let step = moved.then(|| GradeStep {
        worker_id: id,
        post,
        grade: ch.grade,
        from_date: from,
        reason: ch.reason.trim().to_string(),
    });
    let audit = ctx
        .event(actor, "workforce.worker_change", "worker", id, &w.path)
        .before(&w)
        .after(serde_json::json!({"post": post, "grade": ch.grade, "qualification": q, "two_committees": ch.two_committees, "step": step}));
    ctx.workforce
        .update_worker(
            id,
            ch.version,
            post,
            ch.grade,
            q,
            ch.two_committees,
            step,
            audit,
        )
        .await
}

/// Applies the progression rules: the grade becomes what the rules give today.
pub async fn apply_progression(ctx: &Ctx, actor: &Actor, id: i64, version: i64) -> Result<Worker> {
    let v = worker_view(ctx, actor, id).await?;
    let Some(p) = v.progression else {
        return Err(DomainError::rule(
            "尚无执行中的薪酬标准版本",
            "no pay table is in force",
        ));
    };
    if p.grade == v.worker.grade {
        return Err(DomainError::rule(
            "按规则级别无变化",
            "the rules give the same grade",
        ));
    }
    change_worker(
        ctx,
        actor,
        id,
        WorkerChange {
            version,
            post: v.worker.post.as_str().into(),
            grade: p.grade,
            qualification: v.worker.qualification.as_str().into(),
            two_committees: v.worker.two_committees,
            reason: format!(
                "按规则晋级：常态化晋级{}级，资格加{}级",
                p.steps, p.qualification_bonus
            ),
            from_date: String::new(),
        },
    )
    .await
}

pub async fn set_assessment(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    year: i32,
    result: &str,
) -> Result<()> {
    let w = worker(ctx, actor, id).await?;
    let mut c = Checker::new();
    let r = Assessment::parse(result);
    if r.is_none() {
        c.add(
            "result",
            "考核结果应为：优秀、称职、基本称职、不称职",
            "result must be excellent, competent, basic or incompetent",
        );
    }
    if year < w.start_date.year() || year > today(ctx).year() {
        c.add(
            "year",
            "年度应在入职年度至今年之间",
            "the year must be between the start year and this year",
        );
    }
    c.finish()?;
    let r = r.ok_or_else(|| DomainError::internal("result"))?;
    let audit = ctx
        .event(actor, "workforce.assessment", "worker", id, &w.path)
        .after(serde_json::json!({"year": year, "result": r}));
    ctx.workforce.set_assessment(id, year, r, audit).await
}

/// A worker leaves (离任) or retires (退休); the one-off subsidy is computed by the table
/// in force on the end date and stored.
pub async fn exit_worker(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    version: i64,
    status: &str,
    end_date: &str,
) -> Result<Worker> {
    let w = worker(ctx, actor, id).await?;
    if w.status != WorkerStatus::Active {
        return Err(DomainError::rule(
            "该社区工作者已离岗",
            "this worker has left",
        ));
    }
    let mut c = Checker::new();
    let st = WorkerStatus::parse(status).filter(|s| *s != WorkerStatus::Active);
    if st.is_none() {
        c.add(
            "status",
            "应为：离任 或 退休",
            "must be departed or retired",
        );
    }
    let end = check_date(&mut c, "end_date", end_date, today(ctx));
    if let Some(e) = end
        && e < w.start_date
    {
        c.add(
            "end_date",
            "不能早于入职日期",
            "must not be before the start date",
        );
    }
    c.finish()?;
    let (Some(st), Some(end)) = (st, end) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let tables = ctx.workforce.pay_tables().await?;
    let t = rules::table_for_year(&tables, end.year()).ok_or_else(|| {
        DomainError::rule(
            "该年度无执行中的薪酬标准",
            "no pay table is in force for that year",
        )
    })?;
    let subsidy = rules::exit_subsidy(st, w.start_date, end, t);
    let audit = ctx
        .event(actor, "workforce.worker_exit", "worker", id, &w.path)
        .before(&w)
        .after(serde_json::json!({"status": st, "end_date": end, "subsidy": subsidy}));
    ctx.workforce
        .exit_worker(id, version, st, end, subsidy, audit)
        .await
}

// ---------------------------------------------------------------- pay runs

pub async fn pay_runs(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
) -> Result<(OrgUnit, Vec<PayRun>)> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    let runs = ctx.workforce.pay_runs_in(&unit.path).await?;
    Ok((unit, runs))
}

pub async fn pay_run(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(PayRun, Vec<PayLine>)> {
    let run = ctx
        .workforce
        .pay_run(id)
        .await?
        .ok_or(DomainError::NotFound("pay_run"))?;
    require_staff(actor, &run.path).map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("pay_run"),
        e => e,
    })?;
    let lines = ctx.workforce.pay_lines(id).await?;
    Ok((run, lines))
}

/// The lines of a month for workers employed in it, each at the post and grade in
/// force at the month's end (by the grade history) under the table in force that year.
pub fn compute_lines(
    month: &str,
    table: &PayTable,
    workers: &[Worker],
    history: &[GradeStep],
) -> Result<Vec<PayLine>> {
    let (first, last) = rules::month_bounds(month).ok_or_else(|| {
        DomainError::field("month", "月份格式应为 YYYY-MM", "month must be YYYY-MM")
    })?;
    let mut by_worker: HashMap<i64, Vec<&GradeStep>> = HashMap::new();
    for h in history {
        by_worker.entry(h.worker_id).or_default().push(h);
    }
    let mut lines = vec![];
    for w in workers {
        if w.start_date > last || w.end_date.is_some_and(|e| e < first) {
            continue;
        }
        let (post, grade) = by_worker
            .get(&w.id)
            .and_then(|hs| {
                hs.iter()
                    .filter(|h| h.from_date <= last)
                    .max_by_key(|h| h.from_date)
                    .map(|h| (h.post, h.grade))
            })
            .unwrap_or((w.post, w.grade));
        let (base, q, housing, other, total) =
            rules::pay(post, grade, w.qualification, w.two_committees, table);
        lines.push(PayLine {
            worker_id: w.id,
            name: w.name.clone(),
            community_id: w.community_id,
            community_name: w.community_name.clone(),
            path: w.path.clone(),
            post,
            grade,
            two_committees: w.two_committees,
            base,
            qualification: q,
            housing_fund: housing,
            other,
            total,
        });
    }
    Ok(lines)
}

pub async fn create_pay_run(ctx: &Ctx, actor: &Actor, unit_id: i64, month: &str) -> Result<PayRun> {
    let unit = unit_of_kind(
        ctx,
        unit_id,
        &[
            UnitKind::District,
            UnitKind::Subdistrict,
            UnitKind::Community,
        ],
        "unit_id",
    )
    .await?;
    require_staff(actor, &unit.path)?;
    let month = month.trim();
    let Some((first, _)) = rules::month_bounds(month) else {
        return Err(DomainError::field(
            "month",
            "月份格式应为 YYYY-MM",
            "month must be YYYY-MM",
        ));
    };
    if month > this_month(ctx).as_str() {
        return Err(DomainError::field(
            "month",
            "不能为未来月份造册",
            "a future month cannot be paid",
        ));
    }
    let overlap = ctx
        .workforce
        .pay_runs_for_month(month)
        .await?
        .into_iter()
        .find(|r| r.path.starts_with(&unit.path) || unit.path.starts_with(&r.path));
    if let Some(r) = overlap {
        return Err(DomainError::Conflict(jiceng_core::Text::new(
            format!("{}已有{}月的薪酬表，不能重复造册", r.unit_name, month),
            format!("{} already has a pay run for {month}", r.unit_name),
        )));
    }
    let tables = ctx.workforce.pay_tables().await?;
    let table = rules::table_for_year(&tables, first.year()).ok_or_else(|| {
        DomainError::rule(
            "该年度没有执行中的薪酬标准版本",
            "no pay table is in force for that year",
        )
    })?;
    let workers = ctx.workforce.workers_in(&unit.path, false).await?;
    let history = ctx.workforce.grade_history_in(&unit.path).await?;
    let lines = compute_lines(month, table, &workers, &history)?;
    if lines.is_empty() {
        return Err(DomainError::rule(
            "该月没有在岗社区工作者",
            "no workers were employed that month",
        ));
    }
    let run = NewPayRun {
        month: month.to_string(),
        unit_id: unit.id,
        path: unit.path.clone(),
        table_id: table.id,
        workers: lines.len() as i64,
        total: lines.iter().map(|l| l.total).sum(),
        created_ms: ctx.now_ms(),
        created_by: actor.login.clone(),
    };
    let audit = ctx
        .event(
            actor,
            "workforce.pay_run_create",
            "pay_run",
            "new",
            &unit.path,
        )
        .after(&run);
    ctx.workforce.insert_pay_run(run, lines, audit).await
}

pub async fn confirm_pay_run(ctx: &Ctx, actor: &Actor, id: i64) -> Result<PayRun> {
    let (run, _) = pay_run(ctx, actor, id).await?;
    if run.status == RunStatus::Confirmed {
        return Err(DomainError::conflict(
            "薪酬表已确认，不能再改",
            "the pay run is confirmed and cannot change",
        ));
    }
    let audit = ctx
        .event(actor, "workforce.pay_run_confirm", "pay_run", id, &run.path)
        .before(serde_json::json!({"status": "draft", "total": run.total}))
        .after(serde_json::json!({"status": "confirmed", "total": run.total}));
    ctx.workforce
        .confirm_pay_run(id, ctx.now_ms(), &actor.login, audit)
        .await
}

pub async fn delete_pay_run(ctx: &Ctx, actor: &Actor, id: i64) -> Result<()> {
    let (run, _) = pay_run(ctx, actor, id).await?;
    if run.status == RunStatus::Confirmed {
        return Err(DomainError::conflict(
            "薪酬表已确认，不能再改",
            "the pay run is confirmed and cannot change",
        ));
    }
    let audit = ctx
        .event(actor, "workforce.pay_run_delete", "pay_run", id, &run.path)
        .before(&run);
    ctx.workforce.delete_draft_run(id, audit).await
}

/// The latest month with a confirmed run in the unit's subtree.
pub async fn latest_paid_month(ctx: &Ctx, path: &str) -> Result<Option<String>> {
    Ok(ctx
        .workforce
        .pay_runs_in(path)
        .await?
        .into_iter()
        .filter(|r| r.status == RunStatus::Confirmed)
        .map(|r| r.month)
        .max())
}

fn committee_row(id: i64, name: &str, then: &[&PayLine], now: &[&PayLine]) -> CommitteePayRow {
    let (tn, tt) = (then.len() as i64, then.iter().map(|l| l.total).sum::<i64>());
    let (nn, nt) = (now.len() as i64, now.iter().map(|l| l.total).sum::<i64>());
    CommitteePayRow {
        community_id: id,
        community_name: name.to_string(),
        then_members: tn,
        then_average: rules::average(tt, tn),
        now_members: nn,
        now_average: rules::average(nt, nn),
        ratio: rules::ratio(tt, tn, nt, nn),
        doubled: rules::doubled(tt, tn, nt, nn),
    }
}

/// Two-committees members' average monthly pay in a month against the same month two
/// years before, from confirmed pay runs, per community and in total.
pub async fn committee_pay(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: Option<i64>,
    month: Option<&str>,
) -> Result<CommitteePay> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => m.to_string(),
        None => latest_paid_month(ctx, &unit.path)
            .await?
            .unwrap_or_else(|| this_month(ctx)),
    };
    let then_month = rules::two_years_before(&month).ok_or_else(|| {
        DomainError::field("month", "月份格式应为 YYYY-MM", "month must be YYYY-MM")
    })?;
    let now_lines = ctx.workforce.confirmed_lines(&unit.path, &month).await?;
    let then_lines = ctx
        .workforce
        .confirmed_lines(&unit.path, &then_month)
        .await?;
    let now: Vec<&PayLine> = now_lines.iter().filter(|l| l.two_committees).collect();
    let then: Vec<&PayLine> = then_lines.iter().filter(|l| l.two_committees).collect();
    let mut communities: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for l in now.iter().chain(then.iter()) {
        communities
            .entry(l.path.clone())
            .or_insert((l.community_id, l.community_name.clone()));
    }
    let rows = communities
        .values()
        .map(|(id, name)| {
            let t: Vec<&PayLine> = then
                .iter()
                .copied()
                .filter(|l| l.community_id == *id)
                .collect();
            let n: Vec<&PayLine> = now
                .iter()
                .copied()
                .filter(|l| l.community_id == *id)
                .collect();
            committee_row(*id, name, &t, &n)
        })
        .collect();
    let total = committee_row(unit.id, &unit.name, &then, &now);
    Ok(CommitteePay {
        unit_id: unit.id,
        unit_name: unit.name,
        month,
        then_month,
        rows,
        total,
    })
}

// ---------------------------------------------------------------- reserve talents

/// The pipeline of a unit: talents, per-stage counts, training totals (talent id →
/// (courses, hours)).
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    pub unit: OrgUnit,
    pub talents: Vec<Talent>,
    pub counts: BTreeMap<String, i64>,
    /// The reserve pool: identified + in training + ready.
    pub pool: i64,
    pub trainings: HashMap<i64, (i64, i64)>,
}

pub async fn pipeline(ctx: &Ctx, actor: &Actor, unit_id: Option<i64>) -> Result<Pipeline> {
    let unit = unit_or_home(ctx, actor, unit_id).await?;
    require_staff(actor, &unit.path)?;
    let talents = ctx.workforce.talents_in(&unit.path).await?;
    let mut counts = BTreeMap::new();
    for s in Stage::ALL {
        counts.insert(s.as_str().to_string(), 0);
    }
    for t in &talents {
        *counts.entry(t.stage.as_str().to_string()).or_insert(0) += 1;
    }
    let pool = talents.iter().filter(|t| t.stage.in_pool()).count() as i64;
    let trainings = ctx
        .workforce
        .training_totals_in(&unit.path)
        .await?
        .into_iter()
        .map(|(id, n, h)| (id, (n, h)))
        .collect();
    Ok(Pipeline {
        unit,
        talents,
        counts,
        pool,
        trainings,
    })
}

pub async fn talent(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(Talent, Vec<Training>)> {
    let t = ctx
        .workforce
        .talent(id)
        .await?
        .ok_or(DomainError::NotFound("talent"))?;
    require_staff(actor, &t.path).map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("talent"),
        e => e,
    })?;
    let tr = ctx.workforce.trainings(id).await?;
    Ok((t, tr))
}

pub async fn create_talent(ctx: &Ctx, actor: &Actor, input: TalentInput) -> Result<Talent> {
    let community = unit_of_kind(
        ctx,
        input.community_id,
        &[UnitKind::Community],
        "community_id",
    )
    .await?;
    require_staff(actor, &community.path)?;
    let today = today(ctx);
    let mut c = Checker::new();
    check_name(&mut c, "name", &input.name);
    check_sex(&mut c, &input.sex);
    let birth = check_date(&mut c, "birth_date", &input.birth_date, today);
    let edu = check_education(&mut c, &input.education);
    if input.present_role.chars().count() > 30
        || crate::appeals::service::has_html(&input.present_role)
    {
        c.add(
            "present_role",
            "现任职务不超过30字",
            "present role: at most 30 characters",
        );
    }
    let day = check_date(&mut c, "identified_date", &input.identified_date, today);
    check_birth(&mut c, birth, day, 18, 55);
    c.finish()?;
    let (Some(birth), Some(edu), Some(day)) = (birth, edu, day) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let new = NewTalent {
        name: input.name.trim().into(),
        sex: input.sex.trim().into(),
        birth_date: birth,
        education: edu,
        community_id: community.id,
        path: community.path.clone(),
        present_role: input.present_role.trim().into(),
        identified_date: day,
        created_ms: ctx.now_ms(),
    };
    let audit = ctx
        .event(
            actor,
            "workforce.talent_create",
            "talent",
            "new",
            &community.path,
        )
        .after(&new);
    ctx.workforce.insert_talent(new, audit).await
}

/// Moves a talent to the next stage (or out of the pipeline) on a date: one stage
/// forward only, never before the date the current stage began, never in the future.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct StageMove {
    pub version: i64,
    pub to: String,
    pub date: String,
    /// The post taken on when appointed; the reason when dropped.
    #[serde(default)]
    pub note: String,
}

pub async fn move_talent(ctx: &Ctx, actor: &Actor, id: i64, m: StageMove) -> Result<Talent> {
    let (t, _) = talent(ctx, actor, id).await?;
    let mut c = Checker::new();
    let to = Stage::parse(&m.to);
    if to.is_none() {
        c.add("to", "阶段不在可选范围内", "unknown stage");
    }
    let day = check_date(&mut c, "date", &m.date, today(ctx));
    if let Some(d) = day
        && d < rules::stage_date(&t)
    {
        c.add(
            "date",
            "不能早于进入当前阶段的日期",
            "must not be before the current stage began",
        );
    }
    if matches!(to, Some(Stage::Appointed) | Some(Stage::Dropped)) {
        check_short(&mut c, "note", &m.note, 60);
    }
    c.finish()?;
    let (Some(to), Some(day)) = (to, day) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    if !rules::may_move(t.stage, to) {
        return Err(DomainError::Rule(jiceng_core::Text::new(
            format!(
                "不能从“{}”直接转为“{}”：须依次经过确定人选、培养、可使用、任用",
                t.stage.label_zh(),
                to.label_zh()
            ),
            format!(
                "cannot move from {} to {}: stages go identified → training → ready → appointed",
                t.stage.label_en(),
                to.label_en()
            ),
        )));
    }
    let mut n = t.clone();
    n.stage = to;
    match to {
        Stage::Training => n.training_date = Some(day),
        Stage::Ready => n.ready_date = Some(day),
        Stage::Appointed => {
            n.appointed_date = Some(day);
            n.appointed_post = Some(m.note.trim().to_string());
        }
        Stage::Dropped => {
            n.dropped_date = Some(day);
            n.drop_reason = Some(m.note.trim().to_string());
        }
        Stage::Identified => {}
    }
    n.version = m.version;
    let audit = ctx
        .event(actor, "workforce.talent_stage", "talent", id, &t.path)
        .before(serde_json::json!({"stage": t.stage}))
        .after(serde_json::json!({"stage": to, "date": day, "note": m.note.trim()}));
    ctx.workforce.update_talent_stage(&n, audit).await
}

pub async fn add_training(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    input: TrainingInput,
) -> Result<Training> {
    let (t, _) = talent(ctx, actor, id).await?;
    if t.stage == Stage::Dropped {
        return Err(DomainError::rule(
            "已退出的后备人才不能登记培训",
            "a dropped talent takes no training",
        ));
    }
    let mut c = Checker::new();
    check_short(&mut c, "course", &input.course, 60);
    if !(1..=500).contains(&input.hours) {
        c.add("hours", "学时应为1至500", "hours must be 1 to 500");
    }
    let day = check_date(&mut c, "day", &input.day, today(ctx));
    if let Some(d) = day
        && d < t.identified_date
    {
        c.add(
            "day",
            "不能早于确定为后备人才的日期",
            "must not be before the talent was identified",
        );
    }
    let r = TrainingResult::parse(&input.result);
    if r.is_none() {
        c.add(
            "result",
            "结果应为：优秀、合格、不合格",
            "result must be excellent, pass or fail",
        );
    }
    c.finish()?;
    let (Some(day), Some(r)) = (day, r) else {
        return Err(DomainError::internal("validated input incomplete"));
    };
    let audit = ctx
        .event(actor, "workforce.training_add", "talent", id, &t.path)
        .after(serde_json::json!({"course": input.course.trim(), "hours": input.hours, "day": day, "result": r}));
    ctx.workforce
        .insert_training(id, input.course.trim(), input.hours, day, r, audit)
        .await
}

// ---------------------------------------------------------------- figures

/// The seed's workforce figures, computed from the records for the whole district on
/// today's date.
pub async fn figures(ctx: &Ctx) -> Result<Vec<Figure>> {
    let Some(root) = ctx.org.roots().await?.into_iter().next() else {
        return Ok(vec![]);
    };
    let on = today(ctx);
    let cadres = ctx.workforce.cadres_in(&root.path, Some(on)).await?;
    let s = structure_of(&root, &cadres, on);
    let added = ctx.workforce.added_staff_in(&root.path).await?.len() as i64;
    let promoted = ctx.workforce.promotions_in(&root.path).await?.len() as i64;
    let pool = ctx
        .workforce
        .talents_in(&root.path)
        .await?
        .iter()
        .filter(|t| t.stage.in_pool())
        .count() as i64;
    Ok(vec![
        Figure::new(
            "leaders_under_45",
            "街道领导班子45岁以下占比",
            "Sub-district leaders under 45",
            s.under_45_share,
            "61.54%",
            "workforce",
        ),
        Figure::new(
            "leaders_college",
            "街道领导班子大专以上学历占比",
            "Sub-district leaders with college education or above",
            s.college_share,
            "86.54%",
            "workforce",
        ),
        Figure::new(
            "leaders_minority",
            "街道领导班子少数民族干部占比",
            "Sub-district leaders of ethnic minorities",
            s.minority_share,
            "7.69%",
            "workforce",
        ),
        Figure::new(
            "staff_added",
            "为街道增加各类人员",
            "Staff added to sub-districts",
            added.to_string(),
            "105",
            "workforce",
        ),
        Figure::new(
            "secretaries_promoted",
            "优秀社区书记进入街道领导班子",
            "Community secretaries promoted into sub-district leadership",
            promoted.to_string(),
            "5",
            "workforce",
        ),
        Figure::new(
            "reserve_talents",
            "储备后备人才",
            "Reserve talents",
            pool.to_string(),
            "124",
            "workforce",
        ),
    ])
}
