//! Use cases on households and residents.

use chrono::NaiveDate;
use jiceng_core::error::Checker;
use jiceng_core::{Actor, DomainError, Page, PageRequest, Result, Verb, idcard, mask};
use serde::{Deserialize, Serialize};

use super::model::*;
use super::rules;
use crate::org::{OrgUnit, UnitKind};
use crate::{Ctx, require, require_in_scope};

fn today(ctx: &Ctx) -> NaiveDate {
    ctx.clock
        .now()
        .with_timezone(&jiceng_core::clock::china())
        .date_naive()
}

pub fn view_masked(ctx: &Ctx, r: ResidentRecord) -> ResidentView {
    ResidentView {
        age: rules::age_on(&r.birth_date, today(ctx)),
        id: r.id,
        household_id: r.household_id,
        name: r.name,
        id_number: r.id_mask,
        phone: r.phone_mask,
        birth_date: r.birth_date,
        sex: r.sex,
        ethnicity: r.ethnicity,
        relation: r.relation,
        labels: r.labels,
        status: r.status,
        version: r.version,
        revealed: false,
    }
}

/// Turns a search box into a store query: a whole ID number or phone is looked up by
/// its blind index, anything else is a name fragment.
pub fn query_of(ctx: &Ctx, q: Option<&str>) -> ResidentQuery {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return ResidentQuery::All;
    };
    if idcard::parse(q).is_ok() {
        return ResidentQuery::IdIndex(ctx.cipher.blind_index(&idcard::normalise(q)));
    }
    if q.len() >= 7 && rules::phone_ok(q) {
        return ResidentQuery::PhoneIndex(ctx.cipher.blind_index(q));
    }
    ResidentQuery::NameLike(q.chars().take(50).collect())
}

/// Residents inside a unit's subtree (masked), for lists and search.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    unit: &OrgUnit,
    filter: &ResidentFilter,
    page: PageRequest,
) -> Result<Page<ResidentView>> {
    require_in_scope(actor, Verb::ViewPeople, &unit.path)?;
    let query = query_of(ctx, filter.q.as_deref());
    let label = filter.label.as_deref().filter(|l| !l.is_empty());
    let page = ctx
        .people
        .residents_in(&unit.path, &query, label, page.clamped())
        .await?;
    Ok(page.map(|r| view_masked(ctx, r)))
}

/// Search across the whole reach of the actor.
pub async fn search(
    ctx: &Ctx,
    actor: &Actor,
    filter: &ResidentFilter,
    page: PageRequest,
) -> Result<Page<ResidentView>> {
    require(actor, Verb::ViewPeople)?;
    let query = query_of(ctx, filter.q.as_deref());
    let label = filter.label.as_deref().filter(|l| !l.is_empty());
    let page = ctx
        .people
        .residents_in(&actor.scope_path, &query, label, page.clamped())
        .await?;
    Ok(page.map(|r| view_masked(ctx, r)))
}

async fn load_resident(ctx: &Ctx, actor: &Actor, id: i64) -> Result<ResidentRecord> {
    let r = ctx
        .people
        .resident(id)
        .await?
        .ok_or(DomainError::NotFound("resident"))?;
    // A resident may see the members of their own household.
    if actor.role == jiceng_core::Role::Resident {
        if actor.household_id == Some(r.household_id) {
            return Ok(r);
        }
        return Err(DomainError::NotFound("resident"));
    }
    require_in_scope(actor, Verb::ViewPeople, &r.path)
        .map_err(|_| DomainError::NotFound("resident"))?;
    Ok(r)
}

/// One resident, masked, with the household and where it sits.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentPage {
    pub resident: ResidentView,
    pub household: Household,
    pub members: Vec<ResidentView>,
    pub place: Vec<OrgUnit>,
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> Result<ResidentPage> {
    let r = load_resident(ctx, actor, id).await?;
    let household = ctx
        .people
        .household(r.household_id)
        .await?
        .ok_or(DomainError::NotFound("household"))?;
    let members = ctx
        .people
        .residents_of_household(household.id)
        .await?
        .into_iter()
        .map(|m| view_masked(ctx, m))
        .collect();
    let place = place_of(ctx, &household.path).await?;
    Ok(ResidentPage {
        resident: view_masked(ctx, r),
        household,
        members,
        place,
    })
}

async fn place_of(ctx: &Ctx, path: &str) -> Result<Vec<OrgUnit>> {
    let codes = crate::org::rules::path_codes(path);
    let mut units = ctx.org.units_by_codes(&codes).await?;
    units.sort_by_key(|u| u.path.len());
    Ok(units)
}

/// The whole ID number and phone, for a role allowed to see them. Every call is
/// written to the audit trail before the values are returned.
pub async fn reveal(ctx: &Ctx, actor: &Actor, id: i64, reason: &str) -> Result<ResidentView> {
    let r = load_resident(ctx, actor, id).await?;
    require(actor, Verb::RevealPersonalData)?;
    let reason = reason.trim();
    let id_number = ctx.cipher.decrypt(&r.id_enc)?;
    let phone = match &r.phone_enc {
        Some(p) => Some(ctx.cipher.decrypt(p)?),
        None => None,
    };
    let audit = ctx
        .event(actor, "people.reveal", "resident", r.id, &r.path)
        .after(serde_json::json!({"fields": ["id_number", "phone"], "reason": reason}));
    ctx.audit.append(audit).await?;
    let mut v = view_masked(ctx, r);
    v.id_number = id_number;
    v.phone = phone;
    v.revealed = true;
    Ok(v)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResidentInput {
    pub name: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub relation: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Validates a resident's fields and encrypts the personal data.
pub fn prepare(
    ctx: &Ctx,
    household: (i64, &str),
    input: &ResidentInput,
    known_labels: &[Label],
) -> Result<NewResident> {
    let mut c = Checker::new();
    rules::check_person_name(&mut c, &input.name);
    let id_number = idcard::normalise(&input.id_number);
    let info = match idcard::parse(&id_number) {
        Ok(i) => Some(i),
        Err(e) => {
            c.add("id_number", e.zh(), e.en());
            None
        }
    };
    let phone = input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = phone
        && !rules::phone_ok(p)
    {
        c.add("phone", "电话号码格式不正确", "invalid phone number");
    }
    let ethnicity = input
        .ethnicity
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .unwrap_or(rules::ETHNIC_DEFAULT)
        .to_string();
    if ethnicity.chars().count() > 20 || ethnicity.contains(['<', '>']) {
        c.add("ethnicity", "民族填写有误", "invalid ethnicity");
    }
    let relation = input
        .relation
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .unwrap_or("户主")
        .to_string();
    if relation.chars().count() > 20 || relation.contains(['<', '>']) {
        c.add("relation", "与户主关系填写有误", "invalid relation");
    }
    let mut labels: Vec<String> = Vec::new();
    for l in input
        .labels
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
    {
        match known_labels.iter().find(|k| k.code == l || k.name_zh == l) {
            Some(k) if !labels.contains(&k.code) => labels.push(k.code.clone()),
            Some(_) => {}
            None => c.push(jiceng_core::FieldError::new(
                "labels",
                format!("未知的标签：{l}"),
                format!("unknown label: {l}"),
            )),
        }
    }
    c.finish()?;
    let info = info.ok_or(DomainError::Internal("id info".into()))?;
    Ok(NewResident {
        household_id: household.0,
        path: household.1.to_string(),
        name: input.name.trim().to_string(),
        id_enc: ctx.cipher.encrypt(&id_number)?,
        id_index: ctx.cipher.blind_index(&id_number),
        id_mask: mask::id_number(&id_number),
        phone_enc: phone.map(|p| ctx.cipher.encrypt(p)).transpose()?,
        phone_index: phone.map(|p| ctx.cipher.blind_index(p)),
        phone_mask: phone.map(mask::phone),
        birth_date: {
            use chrono::Datelike;
            let d = info.birth_date;
            format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
        },
        sex: info.sex.as_str().to_string(),
        ethnicity,
        relation,
        labels,
    })
}

async fn load_household(ctx: &Ctx, actor: &Actor, verb: Verb, id: i64) -> Result<Household> {
    let h = ctx
        .people
        .household(id)
        .await?
        .ok_or(DomainError::NotFound("household"))?;
    if actor.role == jiceng_core::Role::Resident && actor.household_id == Some(h.id) {
        return Ok(h);
    }
    require_in_scope(actor, verb, &h.path).map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("household"),
        e => e,
    })?;
    Ok(h)
}

pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    household_id: i64,
    input: ResidentInput,
) -> Result<ResidentView> {
    let household = load_household(ctx, actor, Verb::EditPeople, household_id).await?;
    require_in_scope(actor, Verb::EditPeople, &household.path)?;
    let labels = ctx.people.labels().await?;
    let new = prepare(ctx, (household.id, &household.path), &input, &labels)?;
    if ctx.people.id_index_exists(&new.id_index).await? {
        return Err(DomainError::field(
            "id_number",
            "该身份证号已登记",
            "a resident with this ID number is already recorded",
        ));
    }
    let audit = ctx
        .event(
            actor,
            "people.create",
            "resident",
            &new.id_mask,
            &household.path,
        )
        .after(audit_view(&new));
    let rec = ctx.people.insert_resident(new, audit).await?;
    Ok(view_masked(ctx, rec))
}

pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: ResidentInput,
) -> Result<ResidentView> {
    let old = load_resident(ctx, actor, id).await?;
    require_in_scope(actor, Verb::EditPeople, &old.path)?;
    let household = ctx
        .people
        .household(old.household_id)
        .await?
        .ok_or(DomainError::NotFound("household"))?;
    let labels = ctx.people.labels().await?;
    let new = prepare(ctx, (household.id, &household.path), &input, &labels)?;
    let old_index = ctx.cipher.blind_index(&ctx.cipher.decrypt(&old.id_enc)?);
    if new.id_index != old_index && ctx.people.id_index_exists(&new.id_index).await? {
        return Err(DomainError::field(
            "id_number",
            "该身份证号已登记",
            "a resident with this ID number is already recorded",
        ));
    }
    let before = serde_json::json!({
        "name": old.name, "id_number": old.id_mask, "phone": old.phone_mask,
        "ethnicity": old.ethnicity, "relation": old.relation, "labels": old.labels,
    });
    let audit = ctx
        .event(actor, "people.update", "resident", id, &old.path)
        .before(before)
        .after(audit_view(&new));
    let rec = ctx
        .people
        .update_resident(id, expected_version, new, audit)
        .await?;
    Ok(view_masked(ctx, rec))
}

/// What the audit trail keeps of a resident: masked personal data only.
fn audit_view(r: &NewResident) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "id_number": r.id_mask, "phone": r.phone_mask,
        "ethnicity": r.ethnicity, "relation": r.relation, "labels": r.labels,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdInput {
    pub room: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub dwelling: Option<String>,
}

pub async fn create_household(
    ctx: &Ctx,
    actor: &Actor,
    unit_id: i64,
    input: HouseholdInput,
) -> Result<Household> {
    let unit = crate::org::service::get(ctx, actor, unit_id).await?;
    require_in_scope(actor, Verb::EditPeople, &unit.path)?;
    if !matches!(unit.kind, UnitKind::Unit | UnitKind::Building) {
        return Err(DomainError::rule(
            "住户只能登记在楼栋或单元下",
            "households are recorded under a building or a unit",
        ));
    }
    let mut c = Checker::new();
    let room = input.room.trim();
    if room.is_empty() || room.chars().count() > 20 || room.contains(['<', '>']) {
        c.add(
            "room",
            "户号不能为空且不超过20个字",
            "room must be 1–20 characters",
        );
    }
    let dwelling = input
        .dwelling
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("own");
    if !rules::dwelling_ok(dwelling) {
        c.add("dwelling", "居住类型无效", "invalid dwelling type");
    }
    c.finish()?;
    if ctx
        .people
        .households_of_unit(unit.id)
        .await?
        .iter()
        .any(|h| h.room == room)
    {
        return Err(DomainError::field(
            "room",
            "该户号已存在",
            "this room is already recorded",
        ));
    }
    let address = match input
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(a) => a.to_string(),
        None => {
            let place = place_of(ctx, &unit.path).await?;
            let names: Vec<&str> = place
                .iter()
                .filter(|u| {
                    matches!(
                        u.kind,
                        UnitKind::Estate | UnitKind::Building | UnitKind::Unit
                    )
                })
                .map(|u| u.name.as_str())
                .collect();
            format!("{}{}室", names.join(""), room)
        }
    };
    let audit = ctx
        .event(
            actor,
            "people.create_household",
            "household",
            room,
            &unit.path,
        )
        .after(serde_json::json!({"unit": unit.code, "room": room, "address": address}));
    ctx.people
        .insert_household(
            NewHousehold {
                unit_id: unit.id,
                room: room.to_string(),
                address,
                dwelling: dwelling.to_string(),
            },
            audit,
        )
        .await
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdPage {
    pub household: Household,
    pub members: Vec<ResidentView>,
    pub place: Vec<OrgUnit>,
}

pub async fn household(ctx: &Ctx, actor: &Actor, id: i64) -> Result<HouseholdPage> {
    let household = load_household(ctx, actor, Verb::ViewPeople, id).await?;
    let members = ctx
        .people
        .residents_of_household(household.id)
        .await?
        .into_iter()
        .map(|m| view_masked(ctx, m))
        .collect();
    let place = place_of(ctx, &household.path).await?;
    Ok(HouseholdPage {
        household,
        members,
        place,
    })
}

pub async fn households_of_unit(ctx: &Ctx, actor: &Actor, unit_id: i64) -> Result<Vec<Household>> {
    let unit = crate::org::service::get(ctx, actor, unit_id).await?;
    require_in_scope(actor, Verb::ViewPeople, &unit.path)?;
    ctx.people.households_of_unit(unit.id).await
}

pub async fn labels(ctx: &Ctx) -> Result<Vec<Label>> {
    ctx.people.labels().await
}

pub async fn add_label(ctx: &Ctx, actor: &Actor, label: Label) -> Result<()> {
    require(actor, Verb::ManageUsers)?;
    let mut c = Checker::new();
    let code = label.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
    {
        c.add(
            "code",
            "标签代码只能用小写字母、数字和下划线",
            "label code: lower-case letters, digits and _",
        );
    }
    if label.name_zh.trim().is_empty() || label.name_zh.chars().count() > 20 {
        c.add(
            "name_zh",
            "中文名称不能为空且不超过20字",
            "Chinese name: 1–20 characters",
        );
    }
    if label.name_en.trim().is_empty() || label.name_en.chars().count() > 40 {
        c.add(
            "name_en",
            "英文名称不能为空且不超过40字",
            "English name: 1–40 characters",
        );
    }
    c.finish()?;
    if ctx.people.labels().await?.iter().any(|l| l.code == code) {
        return Err(DomainError::field(
            "code",
            "该标签已存在",
            "this label exists",
        ));
    }
    let l = Label {
        code: code.to_string(),
        name_zh: label.name_zh.trim().to_string(),
        name_en: label.name_en.trim().to_string(),
    };
    let audit = ctx
        .event(actor, "people.add_label", "label", &l.code, "/")
        .after(&l);
    ctx.people.insert_label(l, audit).await
}
