//! The synthetic city of `jiceng bench city`: an organisation tree laid on a lattice,
//! households and residents, and years of appeals — all deterministic from a seed, at
//! any size from a test's few thousand residents to a megacity's twenty million.
//!
//! This module decides what the city looks like (pure functions, no I/O); the store
//! writes it in bulk (`SqlStore::city_build`), encrypting ID numbers and phones on the
//! way exactly as the people import does.
//!
//! Shape: a community holds up to [`GRIDS_PER_COMMUNITY`] grids, a sub-district up to
//! [`COMMUNITIES_PER_SUBDISTRICT`] communities, a district up to
//! [`SUBDISTRICTS_PER_DISTRICT`] sub-districts (so ~30,000 grids make four districts).
//! Each grid has one estate and one building per ~[`HOUSEHOLDS_PER_BUILDING`]
//! households (at most [`MAX_BUILDINGS`]); households hang on the buildings, without the
//! 单元 level below them: at megacity size that level would add ~300,000 units that
//! nothing measured here reads, and the grid is the finest level the rates use.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeZone};
use jiceng_core::clock::china;
use jiceng_core::idcard::{self, Sex};
use jiceng_core::{DomainError, Result};
use jiceng_formats::geo::{Point, Polygon};
use serde::Serialize;

use crate::appeals::calendar::Calendar;
use crate::appeals::{Channel, Level, LimitUnit, Responsible, Satisfaction, Status};
use crate::demo::Rng;
use crate::org::{GridType, UnitKind};

pub const GRIDS_PER_COMMUNITY: usize = 12;
pub const COMMUNITIES_PER_SUBDISTRICT: usize = 16;
pub const SUBDISTRICTS_PER_DISTRICT: usize = 40;
pub const HOUSEHOLDS_PER_BUILDING: u64 = 60;
pub const MAX_BUILDINGS: u64 = 8;
/// Consecutive grids whose estates one property company serves.
pub const GRIDS_PER_COMPANY: usize = 8;
pub const RESIDENTS_PER_HOUSEHOLD: f64 = 2.6;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
/// Beijing is UTC+8 all year.
const BEIJING: i64 = 8 * HOUR;

/// What to build.
#[derive(Debug, Clone, Serialize)]
pub struct CityOptions {
    pub residents: u64,
    pub grids: u64,
    pub cases: u64,
    /// Years of appeals history, ending at `now_ms`.
    pub years: u32,
    pub seed: u64,
    pub now_ms: i64,
}

impl CityOptions {
    /// The defaults for a city of `residents`: a grid per 700 residents, a case per 10
    /// residents, three years of history.
    pub fn new(residents: u64, now_ms: i64) -> CityOptions {
        CityOptions {
            residents,
            grids: (residents / 700).max(1),
            cases: residents / 10,
            years: 3,
            seed: 20200428,
            now_ms,
        }
    }

    pub fn check(&self) -> Result<()> {
        if self.grids == 0 || self.grids > 10_000_000 {
            return Err(DomainError::field(
                "grids",
                "网格数应为1至1000万",
                "grids must be 1 to 10 million",
            ));
        }
        if !(1..=30).contains(&self.years) {
            return Err(DomainError::field(
                "years",
                "年数应为1至30",
                "years must be 1 to 30",
            ));
        }
        if self.residents > 200_000_000 || self.cases > 2_000_000_000 {
            return Err(DomainError::field(
                "residents",
                "规模过大",
                "too large a city",
            ));
        }
        Ok(())
    }

    /// One household per ~2.6 residents (at least one when there are residents).
    pub fn households(&self) -> u64 {
        if self.residents == 0 {
            return 0;
        }
        ((self.residents as f64 / RESIDENTS_PER_HOUSEHOLD).round() as u64).clamp(1, self.residents)
    }

    /// The start of the history: the same moment `years` years before now (Beijing).
    pub fn start_ms(&self) -> i64 {
        let now = bj(self.now_ms);
        let y = now.year() - self.years as i32;
        let date = NaiveDate::from_ymd_opt(y, now.month(), now.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, now.month(), 28))
            .unwrap_or_default();
        china()
            .from_local_datetime(&date.and_time(now.time()))
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(self.now_ms - self.years as i64 * 365 * DAY)
    }
}

/// Rows, seconds and rate of one table's writes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableStat {
    pub table: &'static str,
    pub rows: u64,
    pub seconds: f64,
}

impl TableStat {
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// What was built and how fast.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CityReport {
    pub tables: Vec<TableStat>,
    pub districts: u64,
    pub subdistricts: u64,
    pub communities: u64,
    pub grids: u64,
    pub estates: u64,
    pub buildings: u64,
    pub departments: u64,
    pub households: u64,
    pub residents: u64,
    pub cases: u64,
    pub open_cases: u64,
    pub events: u64,
    pub rollup_rows: u64,
    /// Wall time of the whole build.
    pub seconds: f64,
    /// Time the generator thread spent generating, encrypting and serialising (it runs
    /// alongside the writes).
    pub generator_seconds: f64,
    /// Time the writer waited for the generator (≈ 0 when the database is the limit).
    pub waited_seconds: f64,
}

/// One org unit to create; `parent` indexes [`Layout::units`].
#[derive(Debug, Clone)]
pub struct PlannedUnit {
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    pub official_name: String,
    pub parent: Option<usize>,
    pub grid_type: Option<GridType>,
    pub boundary: Option<Polygon>,
    pub address: Option<String>,
}

/// A grid with everything below and above it (indexes into [`Layout::units`]).
#[derive(Debug, Clone)]
pub struct GridPlan {
    pub unit: usize,
    pub community: usize,
    pub subdistrict: usize,
    pub district: usize,
    pub estate: usize,
    pub buildings: Vec<usize>,
    pub estate_name: String,
    /// Households in the grid and the global index of its first.
    pub households: u64,
    pub first_household: u64,
    /// The grid's square: west, south, east, north.
    pub cell: (f64, f64, f64, f64),
    /// Index of the grid's district in [`Layout::regions`].
    pub region: usize,
    /// Relative volume of appeals (some grids are busier).
    pub weight: f64,
}

/// The organisation tree, parents before children (districts, sub-districts,
/// communities, grids, estates, buildings).
#[derive(Debug, Clone)]
pub struct Layout {
    pub units: Vec<PlannedUnit>,
    pub grids: Vec<GridPlan>,
    pub districts: usize,
    pub subdistricts: usize,
    pub communities: usize,
    /// Birth regions of ID numbers: the districts' codes first, then other places.
    pub regions: Vec<String>,
}

/// `total` split into `parts` near-equal sizes.
pub fn split(total: u64, parts: u64) -> Vec<u64> {
    if parts == 0 {
        return vec![];
    }
    (0..parts)
        .map(|i| total / parts + u64::from(i < total % parts))
        .collect()
}

const CELL_W: f64 = 0.004;
const CELL_H: f64 = 0.003;
const ORIGIN: (f64, f64) = (106.6, 39.4);

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

impl Layout {
    pub fn new(opts: &CityOptions, rng: &mut Rng) -> Layout {
        let g = opts.grids.max(1) as usize;
        let c = g.div_ceil(GRIDS_PER_COMMUNITY);
        let s = c.div_ceil(COMMUNITIES_PER_SUBDISTRICT);
        let d = s.div_ceil(SUBDISTRICTS_PER_DISTRICT);
        let mut units: Vec<PlannedUnit> = Vec::new();
        let plain = |code: String, kind, name: String, official: String, parent| PlannedUnit {
            code,
            kind,
            name,
            official_name: official,
            parent,
            grid_type: None,
            boundary: None,
            address: None,
        };
        // Districts, then sub-districts, then communities: near-equal shares each.
        let mut district_of_sub = Vec::with_capacity(s);
        for (di, n) in split(s as u64, d as u64).into_iter().enumerate() {
            let code = format!("{:06}", 159_901 + di);
            let name = format!("新城{}区", di + 1);
            units.push(plain(code, UnitKind::District, name.clone(), name, None));
            district_of_sub.extend(std::iter::repeat_n(di, n as usize));
        }
        let mut sub_of_community = Vec::with_capacity(c);
        let mut per_district = vec![0usize; d];
        for (si, n) in split(c as u64, s as u64).into_iter().enumerate() {
            let di = district_of_sub[si];
            per_district[di] += 1;
            let k = per_district[di];
            let code = format!("{}{:03}", units[di].code, k);
            let name = format!("{}街道", street_name(k));
            units.push(plain(
                code,
                UnitKind::Subdistrict,
                name.clone(),
                format!("{name}办事处"),
                Some(di),
            ));
            sub_of_community.extend(std::iter::repeat_n(si, n as usize));
        }
        let mut community_of_grid = Vec::with_capacity(g);
        let mut per_sub = vec![0usize; s];
        for (ci, n) in split(g as u64, c as u64).into_iter().enumerate() {
            let si = sub_of_community[ci];
            per_sub[si] += 1;
            let k = per_sub[si];
            let parent = d + si;
            let code = format!("{}{:03}", units[parent].code, k);
            let name = format!(
                "{}{}社区",
                rng.pick(ESTATE_WORDS),
                ["东", "西", "南", "北", "中", "新"][k % 6]
            );
            units.push(plain(
                code,
                UnitKind::Community,
                name.clone(),
                format!("{name}居民委员会"),
                Some(parent),
            ));
            community_of_grid.extend(std::iter::repeat_n(ci, n as usize));
        }
        // Grids: each community a block of 4 × 3 cells; blocks on a square lattice.
        let block_cols = (c as f64).sqrt().ceil().max(1.0) as usize;
        let households = split(opts.households(), g as u64);
        let grid_base = units.len();
        let mut per_community = vec![0usize; c];
        let mut grids = Vec::with_capacity(g);
        let mut first_household = 0u64;
        for (gi, &ci) in community_of_grid.iter().enumerate() {
            let k = per_community[ci];
            per_community[ci] += 1;
            let community = d + s + ci;
            let (bx, by) = (ci % block_cols, ci / block_cols);
            let x0 = ORIGIN.0 + (bx * 4 + k % 4) as f64 * CELL_W;
            let y0 = ORIGIN.1 + (by * 3 + k / 4) as f64 * CELL_H;
            let (x1, y1) = (x0 + CELL_W, y0 + CELL_H);
            let p = |x: f64, y: f64| Point {
                x: round6(x),
                y: round6(y),
            };
            let ring = vec![p(x0, y0), p(x1, y0), p(x1, y1), p(x0, y1), p(x0, y0)];
            let name = format!("{}第{}网格", units[community].name, k + 1);
            units.push(PlannedUnit {
                code: format!("{}{:03}", units[community].code, k + 1),
                kind: UnitKind::Grid,
                name: name.clone(),
                official_name: name,
                parent: Some(community),
                grid_type: Some(if rng.range(0, 3) == 0 {
                    GridType::BuildingUnit
                } else {
                    GridType::Geographic
                }),
                boundary: Some(Polygon { exterior: ring }),
                address: None,
            });
            let subdistrict = d + sub_of_community[ci];
            grids.push(GridPlan {
                unit: grid_base + gi,
                community,
                subdistrict,
                district: district_of_sub[sub_of_community[ci]],
                estate: 0,
                buildings: vec![],
                estate_name: format!("{}{}", rng.pick(ESTATE_WORDS), rng.pick(ESTATE_SUFFIX)),
                households: households[gi],
                first_household,
                cell: (x0, y0, x1, y1),
                region: district_of_sub[sub_of_community[ci]],
                weight: 0.5 + rng.f64(),
            });
            first_household += households[gi];
        }
        // One estate per grid, then the buildings.
        for gp in grids.iter_mut() {
            gp.estate = units.len();
            let code = format!("{}01", units[gp.unit].code);
            let address = format!("{}{}", units[gp.community].name, gp.estate_name);
            units.push(PlannedUnit {
                address: Some(address),
                ..plain(
                    code,
                    UnitKind::Estate,
                    gp.estate_name.clone(),
                    gp.estate_name.clone(),
                    Some(gp.unit),
                )
            });
        }
        for gp in grids.iter_mut() {
            let n = gp
                .households
                .div_ceil(HOUSEHOLDS_PER_BUILDING)
                .clamp(1, MAX_BUILDINGS);
            for b in 0..n {
                gp.buildings.push(units.len());
                let code = format!("{}{:03}", units[gp.estate].code, b + 1);
                let name = format!("{}号楼", b + 1);
                units.push(plain(
                    code,
                    UnitKind::Building,
                    name.clone(),
                    name,
                    Some(gp.estate),
                ));
            }
        }
        let mut regions: Vec<String> = units[..d].iter().map(|u| u.code.clone()).collect();
        for r in OTHER_REGIONS {
            if !regions.iter().any(|x| x == r) {
                regions.push((*r).to_string());
            }
        }
        Layout {
            units,
            grids,
            districts: d,
            subdistricts: s,
            communities: c,
            regions,
        }
    }

    /// How many units of a kind.
    pub fn count(&self, kind: UnitKind) -> u64 {
        self.units.iter().filter(|u| u.kind == kind).count() as u64
    }
}

fn street_name(k: usize) -> String {
    const STREETS: &[&str] = &[
        "凤凰岭",
        "海北",
        "新华",
        "千里山",
        "滨河",
        "林荫",
        "长青",
        "狮城",
        "沙区",
        "黄河",
    ];
    let base = STREETS[(k - 1) % STREETS.len()];
    if k <= STREETS.len() {
        base.to_string()
    } else {
        format!("{base}{}", (k - 1) / STREETS.len() + 1)
    }
}

/// Household sizes (1–8) summing to exactly `residents`: drawn from a realistic mix
/// (18% singles … 6% of five), then nudged to the total.
pub fn household_sizes(rng: &mut Rng, households: u64, residents: u64) -> Vec<u8> {
    if households == 0 {
        return vec![];
    }
    let mut sizes: Vec<u8> = (0..households)
        .map(|_| match rng.range(0, 99) {
            0..=17 => 1,
            18..=49 => 2,
            50..=79 => 3,
            80..=93 => 4,
            _ => 5,
        })
        .collect();
    let mut sum: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
    let target = residents.clamp(households, households * 8);
    while sum > target {
        let i = rng.range(0, households - 1) as usize;
        if sizes[i] > 1 {
            sizes[i] -= 1;
            sum -= 1;
        }
    }
    while sum < target {
        let i = rng.range(0, households - 1) as usize;
        if sizes[i] < 8 {
            sizes[i] += 1;
            sum += 1;
        }
    }
    sizes
}

/// A generated resident, in the clear (the store encrypts the ID number and phone).
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub birth: NaiveDate,
    pub sex: Sex,
    pub ethnicity: &'static str,
    pub relation: &'static str,
    /// `|code|code|` or empty, as the store keeps labels.
    pub labels: String,
}

/// Makes residents with valid, unique ID numbers: the sequence digits count people born
/// on the same day in the same region (odd for men, even for women, as GB 11643 says).
#[derive(Debug)]
pub struct PeopleGen {
    rng: Rng,
    today: NaiveDate,
    regions: Vec<String>,
    issued: HashMap<(u16, i32, bool), u16>,
}

impl PeopleGen {
    pub fn new(seed: u64, now_ms: i64, regions: Vec<String>) -> PeopleGen {
        PeopleGen {
            rng: Rng::new(seed),
            today: bj(now_ms).date_naive(),
            regions,
            issued: HashMap::new(),
        }
    }

    fn birth(&mut self, min_age: u64, max_age: u64) -> NaiveDate {
        let days = self.rng.range(min_age * 365, max_age * 365) as i64;
        self.today - chrono::Duration::days(days)
    }

    /// The members of one household of `size`, most born in region `home`.
    pub fn household(&mut self, size: u8, home: usize) -> Vec<Person> {
        let surname = *self.rng.pick(SURNAMES);
        let mut out = Vec::with_capacity(size as usize);
        for m in 0..size {
            let (relation, mut birth) = match m {
                0 if size == 1 => ("户主", self.birth(22, 92)),
                0 => ("户主", self.birth(28, 80)),
                1 => ("配偶", self.birth(28, 80)),
                2 | 3 => ("子女", self.birth(1, 30)),
                _ => ("父母", self.birth(60, 95)),
            };
            let male = self.rng.range(0, 1) == 1;
            let region = if self.rng.range(0, 9) < 7 {
                home.min(self.regions.len().saturating_sub(1))
            } else {
                self.rng.range(0, self.regions.len().max(1) as u64 - 1) as usize
            };
            // The next free sequence for (region, day, sex); a full day moves the birth
            // a day earlier.
            let seq = loop {
                let key = (region as u16, birth.num_days_from_ce(), male);
                let n = self.issued.entry(key).or_insert(0);
                if *n < 500 {
                    let seq = u32::from(*n) * 2 + u32::from(male);
                    *n += 1;
                    break seq;
                }
                birth -= chrono::Duration::days(1);
            };
            let region_code = self
                .regions
                .get(region)
                .map(String::as_str)
                .unwrap_or("159901");
            let id_number = idcard::make(region_code, birth, seq);
            let name = if m == 1 {
                format!("{}{}", self.rng.pick(SURNAMES), self.rng.pick(GIVEN))
            } else {
                format!("{surname}{}", self.rng.pick(GIVEN))
            };
            let age = (self.today - birth).num_days() / 365;
            let phone = (age >= 14 && self.rng.range(0, 9) < 9).then(|| {
                format!(
                    "{}{:08}",
                    self.rng.pick(PHONE_PREFIXES),
                    self.rng.range(0, 99_999_999)
                )
            });
            let mut labels = String::new();
            if size == 1 && age >= 70 {
                labels.push_str("|elderly_alone|");
            }
            if size == 2 && age >= 65 {
                labels.push_str("|empty_nest|");
            }
            if self.rng.range(0, 99) < 2 {
                if labels.is_empty() {
                    labels.push('|');
                }
                labels.push_str("disabled|");
            }
            let ethnicity = match self.rng.range(0, 999) {
                0..=879 => "汉族",
                880..=949 => "蒙古族",
                950..=974 => "回族",
                975..=992 => "满族",
                _ => "达斡尔族",
            };
            out.push(Person {
                name,
                id_number,
                phone,
                birth,
                sex: if male { Sex::Male } else { Sex::Female },
                ethnicity,
                relation,
                labels,
            });
        }
        out
    }
}

/// A month (Beijing) of the history and the cases taken in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub start_ms: i64,
    pub end_ms: i64,
    /// `2026-11`, the rollup's month key.
    pub month: String,
    pub cases: u64,
}

fn bj(ms: i64) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&china())
}

fn month_start(year: i32, month: u32) -> Option<i64> {
    china()
        .with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp_millis())
}

/// The history's months, first and last partial, with `opts.cases` shared out by
/// length, season (more in winter's heating months and summer) and a slow growth.
pub fn slots(opts: &CityOptions) -> Vec<Slot> {
    const SEASON: [f64; 12] = [
        1.15, 1.0, 0.95, 0.95, 1.0, 1.1, 1.2, 1.2, 1.05, 1.0, 1.1, 1.2,
    ];
    let (start, now) = (opts.start_ms(), opts.now_ms);
    let mut out: Vec<Slot> = Vec::new();
    let mut from = start;
    while from < now {
        let t = bj(from);
        let (y, m) = if t.month() == 12 {
            (t.year() + 1, 1)
        } else {
            (t.year(), t.month() + 1)
        };
        let to = month_start(y, m).unwrap_or(now).min(now);
        if to <= from {
            break;
        }
        out.push(Slot {
            start_ms: from,
            end_ms: to,
            month: t.format("%Y-%m").to_string(),
            cases: 0,
        });
        from = to;
    }
    let span = (now - start).max(1) as f64;
    let weights: Vec<f64> = out
        .iter()
        .map(|s| {
            let month = bj(s.start_ms).month0() as usize;
            let mid = ((s.start_ms + s.end_ms) / 2 - start) as f64 / span;
            (s.end_ms - s.start_ms) as f64 * SEASON[month] * (1.0 + 0.2 * mid)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    // Largest remainder: the counts add up to exactly `opts.cases`.
    let mut given = 0u64;
    let mut rest: Vec<(f64, usize)> = Vec::with_capacity(out.len());
    for (i, (s, w)) in out.iter_mut().zip(&weights).enumerate() {
        let exact = opts.cases as f64 * w / total.max(f64::MIN_POSITIVE);
        s.cases = exact.floor() as u64;
        given += s.cases;
        rest.push((exact - exact.floor(), i));
    }
    rest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rest
        .into_iter()
        .take(opts.cases.saturating_sub(given) as usize)
    {
        out[i].cases += 1;
    }
    out
}

/// When a case is taken within its month: office hours mostly.
pub fn created_at(rng: &mut Rng, slot: &Slot) -> i64 {
    let len = (slot.end_ms - slot.start_ms).max(1) as u64;
    let mut t = slot.start_ms + rng.range(0, len - 1) as i64;
    for _ in 0..3 {
        let hour = (t + BEIJING).rem_euclid(DAY) / HOUR;
        if hour >= 7 || rng.range(0, 3) == 0 {
            break;
        }
        t = slot.start_ms + rng.range(0, len - 1) as i64;
    }
    t
}

/// The case number's day: `261126` (Beijing).
pub fn day_key(ms: i64) -> String {
    bj(ms).format("%y%m%d").to_string()
}

/// Days since the epoch, Beijing: cases of one number day share it.
pub fn day_index(ms: i64) -> i64 {
    (ms + BEIJING).div_euclid(DAY)
}

/// A leaf category as the generator uses it.
#[derive(Debug, Clone)]
pub struct CaseRule {
    pub code: String,
    pub name_zh: String,
    /// patrol | service | both
    pub source: String,
    pub responsible: Responsible,
    /// The handling department (resolved from the category's department code).
    pub dept_id: Option<i64>,
    pub response_hours: i64,
    pub limit_amount: i64,
    pub limit_unit: LimitUnit,
}

/// The ids around a case's grid.
#[derive(Debug, Clone, Copy)]
pub struct CasePlace {
    pub grid_id: i64,
    pub community_id: i64,
    pub subdistrict_id: i64,
    pub district_id: i64,
    /// The property company serving the grid's estate.
    pub company_id: Option<i64>,
}

impl CasePlace {
    fn unit_at(&self, level: Level) -> i64 {
        match level {
            Level::Grid => self.grid_id,
            Level::Community => self.community_id,
            Level::Subdistrict => self.subdistrict_id,
            Level::District => self.district_id,
        }
    }
}

/// The channel of a case of a category whose source is `source`.
pub fn channel_for(rng: &mut Rng, source: &str) -> Channel {
    let x = rng.range(0, 99);
    match source {
        "patrol" => Channel::Patrol,
        "service" => match x {
            0..=44 => Channel::Resident,
            45..=89 => Channel::Hotline,
            _ => Channel::Open311,
        },
        _ => match x {
            0..=34 => Channel::Patrol,
            35..=64 => Channel::Resident,
            65..=92 => Channel::Hotline,
            _ => Channel::Open311,
        },
    }
}

/// A case's life up to now: what the workflow (accept → dispatch → sign → feedback →
/// verify → close, escalation and overdue marks by the sweep, a rating) would have left
/// in the case row.
#[derive(Debug, Clone, PartialEq)]
pub struct Life {
    pub status: Status,
    /// The status intake gave it (accepted at once from patrol and hotline).
    pub first_status: Status,
    pub level: Level,
    pub coord_unit_id: i64,
    pub assignee_unit_id: Option<i64>,
    pub assignee_dept_id: Option<i64>,
    pub accepted_ms: Option<i64>,
    pub dispatched_ms: Option<i64>,
    pub response_due_ms: Option<i64>,
    pub responded_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub feedback_ms: Option<i64>,
    pub verified_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub closed_level: Option<Level>,
    pub overdue: bool,
    pub escalations: i64,
    pub satisfaction: Option<Satisfaction>,
    pub rated_ms: Option<i64>,
}

fn uni(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + rng.f64() * (hi - lo)
}

impl Life {
    /// Plays a case taken at `created` through to `now`.
    pub fn play(
        rng: &mut Rng,
        now: i64,
        created: i64,
        channel: Channel,
        rule: &CaseRule,
        place: &CasePlace,
        cal: &Calendar,
    ) -> Life {
        let auto = matches!(channel, Channel::Patrol | Channel::Hotline);
        let level = if channel == Channel::Hotline {
            Level::Community
        } else {
            Level::Grid
        };
        let first_status = if auto {
            Status::Accepted
        } else {
            Status::Submitted
        };
        let mut life = Life {
            status: first_status,
            first_status,
            level,
            coord_unit_id: place.unit_at(level),
            assignee_unit_id: None,
            assignee_dept_id: None,
            accepted_ms: None,
            dispatched_ms: None,
            response_due_ms: None,
            responded_ms: None,
            due_ms: None,
            feedback_ms: None,
            verified_ms: None,
            closed_ms: None,
            closed_level: None,
            overdue: false,
            escalations: 0,
            satisfaction: None,
            rated_ms: None,
        };
        // Some residents' requests are not for the platform at all.
        if !auto && rng.range(0, 99) < 4 {
            let at = created + rng.range(10, 300) as i64 * MINUTE;
            if at <= now {
                life.status = Status::Rejected;
                life.closed_ms = Some(at);
            }
            return life;
        }
        let accepted = if auto {
            created
        } else {
            created + rng.range(5, 240) as i64 * MINUTE
        };
        if accepted > now {
            return life;
        }
        life.status = Status::Accepted;
        life.accepted_ms = Some(accepted);
        let due = cal.due(accepted, rule.limit_amount, rule.limit_unit);
        life.due_ms = Some(due);
        // The plan: when each step would happen.
        let dispatched = accepted + rng.range(5, 120) as i64 * MINUTE;
        let response_due = dispatched + rule.response_hours * HOUR;
        let window = (response_due - dispatched) as f64;
        let responded = dispatched
            + (window
                * if rng.range(0, 99) < 92 {
                    uni(rng, 0.05, 0.95)
                } else {
                    uni(rng, 1.05, 3.0)
                }) as i64;
        let span = (due - accepted).max(HOUR) as f64;
        let late = rng.range(0, 99) >= 90;
        let mut closed = accepted
            + (span
                * if late {
                    uni(rng, 1.03, 2.5)
                } else {
                    uni(rng, 0.15, 0.97)
                }) as i64;
        closed = closed.max(responded + rng.range(20, 180) as i64 * MINUTE);
        let feedback = responded + ((closed - responded) as f64 * uni(rng, 0.5, 0.9)) as i64;
        let verified = feedback + ((closed - feedback) as f64 * uni(rng, 0.3, 0.95)) as i64;
        // A few cases stall in handling for good.
        let stuck = rng.range(0, 999) < 7;
        let (assignee_unit, assignee_dept) = match rule.responsible {
            Responsible::Department => match rule.dept_id {
                Some(d) => (None, Some(d)),
                None => (Some(place.community_id), None),
            },
            Responsible::Property => match place.company_id {
                Some(d) => (None, Some(d)),
                None => (Some(place.community_id), None),
            },
            Responsible::Grid => (Some(place.grid_id), None),
            Responsible::Community => (Some(place.community_id), None),
        };
        if dispatched <= now {
            life.status = Status::Dispatched;
            life.dispatched_ms = Some(dispatched);
            life.response_due_ms = Some(response_due);
            life.assignee_unit_id = assignee_unit;
            life.assignee_dept_id = assignee_dept;
        }
        if life.dispatched_ms.is_some() && responded <= now {
            life.status = Status::Processing;
            life.responded_ms = Some(responded);
        }
        let finished = !stuck && closed <= now;
        if life.responded_ms.is_some() && !stuck {
            if feedback <= now {
                life.status = Status::Feedback;
                life.feedback_ms = Some(feedback);
            }
            if verified <= now {
                life.status = Status::Verified;
                life.verified_ms = Some(verified);
            }
            if finished {
                life.status = Status::Closed;
                life.closed_ms = Some(closed);
            }
        }
        // Past the deadline while open: the sweep marked it overdue and, often,
        // escalated it a level (a second time now and then).
        let ran_late = due < now && (life.status.is_open() || closed > due);
        if ran_late {
            life.overdue = true;
            let times = match rng.range(0, 99) {
                0..=39 => 1,
                40..=44 => 2,
                _ => 0,
            };
            for _ in 0..times {
                if let Some(up) = life.level.up() {
                    life.level = up;
                    life.coord_unit_id = place.unit_at(up);
                    life.escalations += 1;
                }
            }
        }
        if life.status == Status::Closed {
            life.closed_level = Some(life.level);
            if rng.range(0, 99) < 70 {
                let at = closed + rng.range(60, 72 * 60) as i64 * MINUTE;
                if at <= now {
                    life.rated_ms = Some(at);
                    let x = rng.range(0, 99);
                    let (sat, basic) = if late { (60, 85) } else { (84, 96) };
                    life.satisfaction = Some(if x < sat {
                        Satisfaction::Satisfied
                    } else if x < basic {
                        Satisfaction::Basic
                    } else {
                        Satisfaction::Unsatisfied
                    });
                }
            }
        }
        life
    }

    /// The step that brought the case to its present status (none while it still has
    /// the status intake gave it): (at, action, from).
    pub fn last_step(&self) -> Option<(i64, &'static str, Status)> {
        if self.status == self.first_status {
            return None;
        }
        let at = |x: Option<i64>| x.unwrap_or_default();
        Some(match self.status {
            Status::Rejected => (at(self.closed_ms), "reject", Status::Submitted),
            Status::Accepted => (at(self.accepted_ms), "accept", Status::Submitted),
            Status::Dispatched => (at(self.dispatched_ms), "dispatch", Status::Accepted),
            Status::Processing => (at(self.responded_ms), "sign", Status::Dispatched),
            Status::Feedback => (at(self.feedback_ms), "feedback", Status::Processing),
            Status::Verified => (at(self.verified_ms), "verify", Status::Feedback),
            Status::Closed => (at(self.closed_ms), "close", Status::Verified),
            Status::Submitted => return None,
        })
    }

    /// The last moment anything changed.
    pub fn updated_ms(&self, created: i64) -> i64 {
        [
            self.accepted_ms,
            self.dispatched_ms,
            self.responded_ms,
            self.feedback_ms,
            self.verified_ms,
            self.closed_ms,
            self.rated_ms,
        ]
        .into_iter()
        .flatten()
        .fold(created, i64::max)
    }
}

/// The role acting at a level (for the case timeline).
pub fn role_at(level: Level) -> &'static str {
    match level {
        Level::Grid => "grid_worker",
        Level::Community => "community_staff",
        Level::Subdistrict => "subdistrict_staff",
        Level::District => "district_admin",
    }
}

/// Who submits on a channel: (login, role).
pub fn submitter(channel: Channel) -> (&'static str, &'static str) {
    match channel {
        Channel::Patrol => ("grid", "grid_worker"),
        Channel::Hotline => ("hotline", "hotline_operator"),
        Channel::Resident | Channel::Open311 => ("public", "resident"),
    }
}

// Names, phones and estate names: the demo's own generators and word lists.
use crate::demo::{ESTATE_SUFFIX, ESTATE_WORDS, GIVEN, SURNAMES};
pub use crate::demo::{person_name, phone};

pub const SPOTS: &[&str] = &[
    "楼下",
    "单元门口",
    "小区大门",
    "路口",
    "公交站旁",
    "停车场",
    "广场",
    "东侧",
    "西侧",
    "院内",
];

/// Names of the district departments the seed's categories name (others get a generic
/// name).
pub fn department_name(code: &str) -> String {
    match code {
        "szzx" => "市政公用事业服务中心".into(),
        "swj" => "水务局".into(),
        "rqgs" => "燃气公司".into(),
        "zjj" => "住房和城乡建设局".into(),
        "ylj" => "园林绿化管理局".into(),
        "cgj" => "城市管理综合执法局".into(),
        "xfdd" => "消防救援大队".into(),
        "mzj" => "民政局".into(),
        "rsj" => "人力资源和社会保障局".into(),
        other => format!("职能部门（{other}）"),
    }
}

pub fn company_name(rng: &mut Rng, n: usize) -> String {
    format!(
        "{}{}物业服务有限公司{}",
        rng.pick(COMPANY_HEAD),
        rng.pick(COMPANY_TAIL),
        if n >= COMPANY_HEAD.len() * COMPANY_TAIL.len() {
            format!("第{}分公司", n + 1)
        } else {
            String::new()
        }
    )
}

const COMPANY_HEAD: &[&str] = &[
    "金", "鸿", "恒", "嘉", "瑞", "华", "宏", "安", "锦", "德", "鑫", "顺",
];
const COMPANY_TAIL: &[&str] = &["达", "泰", "安", "和", "源", "诚", "通", "康", "福", "居"];
const PHONE_PREFIXES: &[&str] = &[
    "139", "138", "137", "158", "186", "150", "151", "182", "135",
];
const OTHER_REGIONS: &[&str] = &[
    "150302", "150303", "150304", "152801", "150102", "640202", "620102", "130102", "410102",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(residents: u64, grids: u64, cases: u64) -> CityOptions {
        CityOptions {
            grids,
            cases,
            ..CityOptions::new(residents, 1_795_000_000_000)
        }
    }

    #[test]
    fn layout_fans_out_within_limits_and_codes_have_their_lengths() {
        let o = opts(20_000, 30_000, 0);
        let l = Layout::new(&o, &mut Rng::new(1));
        assert_eq!(l.grids.len(), 30_000);
        assert_eq!(l.communities, 2_500);
        assert_eq!(l.subdistricts, 157);
        assert_eq!(l.districts, 4);
        for u in &l.units {
            assert_eq!(u.code.len(), u.kind.code_len(), "{}", u.code);
            if let Some(p) = u.parent {
                assert!(u.code.starts_with(&l.units[p].code));
            }
        }
        let mut codes: Vec<&str> = l.units.iter().map(|u| u.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), l.units.len(), "codes are unique");
    }

    #[test]
    fn household_sizes_add_up() {
        let s = household_sizes(&mut Rng::new(3), 769, 2_000);
        assert_eq!(s.iter().map(|&x| u64::from(x)).sum::<u64>(), 2_000);
        assert!(s.iter().all(|&x| (1..=8).contains(&x)));
    }

    #[test]
    fn slots_share_the_cases_exactly() {
        let o = opts(1, 1, 12_345);
        let s = slots(&o);
        assert!(s.len() >= 36 && s.len() <= 38, "{}", s.len());
        assert_eq!(s.iter().map(|x| x.cases).sum::<u64>(), 12_345);
        assert_eq!(s.first().map(|x| x.start_ms), Some(o.start_ms()));
        assert_eq!(s.last().map(|x| x.end_ms), Some(o.now_ms));
        for w in s.windows(2) {
            assert_eq!(w[0].end_ms, w[1].start_ms);
        }
    }

    #[test]
    fn people_get_valid_unique_ids() {
        let mut g = PeopleGen::new(5, 1_795_000_000_000, vec!["159901".into()]);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..3_000 {
            for p in g.household(4, 0) {
                let info = idcard::parse(&p.id_number);
                assert!(info.is_ok(), "{}", p.id_number);
                assert_eq!(info.map(|i| i.sex).ok(), Some(p.sex));
                assert!(seen.insert(p.id_number));
            }
        }
    }
}
