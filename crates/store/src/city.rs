//! Writes the synthetic city of `jiceng bench city` ([`jiceng_domain::city`]) in bulk.
//!
//! How it is fast:
//! - every statement is one of [`bulk`]'s one-JSON-parameter inserts, 10,000–50,000
//!   rows each, and one transaction carries ~150,000 residents or ~100,000 cases with
//!   their events;
//! - ids are given, not read back: the city only goes into an empty database (it
//!   refuses otherwise), so households, residents, cases and events take consecutive
//!   ids from the table's current maximum and the rows that point at them are built
//!   before anything is written (PostgreSQL's identity sequences are moved past them at
//!   the end);
//! - a generator thread (spawned blocking) makes, encrypts (two threads) and serialises
//!   the next transaction's rows while the current one is written;
//! - the case rollup is summed in memory month by month — exactly what incremental
//!   intake would have stored (both count through the domain's `RateFacts::counters`) — and
//!   written once per month, with the day counters case numbers continue from.

use std::collections::HashMap;
use std::time::Instant;

use jiceng_core::crypto::Cipher;
use jiceng_core::{DomainError, Result, mask};
use jiceng_domain::appeals::calendar::Calendar;
use jiceng_domain::appeals::{AppealStore, Channel, DeptKind, RateFacts, Status};
use jiceng_domain::city::{
    CasePlace, CaseRule, CityOptions, CityReport, GRIDS_PER_COMPANY, Layout, Life, PeopleGen,
    Person, TableStat, channel_for, created_at, day_index, day_key, household_sizes, person_name,
    phone, role_at, slots, split, submitter,
};
use jiceng_domain::demo::Rng;
use jiceng_domain::org::UnitKind;
use serde::Serialize;

use crate::bulk::{self, Col, Column, col};
use crate::{Backend, SqlStore, db_err};

/// A generated row in `COPY`'s text format (PostgreSQL): its fields, then the table's
/// constant columns.
trait CopyLine {
    fn copy_line(&self, out: &mut Vec<u8>, fixed: &[&str]);
}

/// A row struct whose fields are the bulk columns, in order: it serialises as the JSON
/// array [`bulk::insert_sql`] unpacks, and `columns()` names them (one list, so the two
/// cannot drift apart).
macro_rules! bulk_row {
    ($name:ident { $($f:ident : $t:ty = $c:ident),* $(,)? }) => {
        struct $name {
            $($f: $t),*
        }
        impl $name {
            fn columns() -> Vec<Column> {
                vec![$(col(stringify!($f), Col::$c)),*]
            }
        }
        impl CopyLine for $name {
            fn copy_line(&self, out: &mut Vec<u8>, fixed: &[&str]) {
                bulk::copy_line(out, &[$(&self.$f),*], fixed);
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                use serde::ser::SerializeTuple;
                let mut t = s.serialize_tuple([$(stringify!($f)),*].len())?;
                $(t.serialize_element(&self.$f)?;)*
                t.end()
            }
        }
    };
}

bulk_row!(UnitRow {
    id: i64 = Int,
    code: String = Text,
    kind: &'static str = Text,
    name: String = Text,
    official_name: String = Text,
    parent_id: Option<i64> = Int,
    path: String = Text,
    grid_type: Option<&'static str> = Text,
    boundary: Option<String> = Text,
    address: Option<String> = Text,
    created_ms: i64 = Int,
});

bulk_row!(HistoryRow {
    unit_id: i64 = Int,
    at_ms: i64 = Int,
    after_json: String = Text,
});

bulk_row!(DeptRow {
    id: i64 = Int,
    code: String = Text,
    name: String = Text,
    kind: &'static str = Text,
    unit_id: i64 = Int,
    phone: String = Text,
});

bulk_row!(DeptEstateRow {
    department_id: i64 = Int,
    estate_id: i64 = Int,
});

bulk_row!(HouseholdRow {
    id: i64 = Int,
    unit_id: i64 = Int,
    path: String = Text,
    room: String = Text,
    address: String = Text,
    dwelling: &'static str = Text,
    members: i64 = Int,
    created_ms: i64 = Int,
});

bulk_row!(ResidentRow {
    id: i64 = Int,
    household_id: i64 = Int,
    path: String = Text,
    name: String = Text,
    id_enc: String = Text,
    id_index: String = Text,
    id_mask: String = Text,
    phone_enc: Option<String> = Text,
    phone_index: Option<String> = Text,
    phone_mask: Option<String> = Text,
    birth_date: String = Text,
    sex: &'static str = Text,
    ethnicity: &'static str = Text,
    relation: &'static str = Text,
    labels: String = Text,
    created_ms: i64 = Int,
    updated_ms: i64 = Int,
});

bulk_row!(CaseRow {
    id: i64 = Int,
    number: String = Text,
    channel: &'static str = Text,
    category_code: String = Text,
    description: String = Text,
    lon: Option<f64> = Real,
    lat: Option<f64> = Real,
    address: String = Text,
    grid_id: i64 = Int,
    estate_id: Option<i64> = Int,
    building_id: Option<i64> = Int,
    path: String = Text,
    status: &'static str = Text,
    level: &'static str = Text,
    coord_unit_id: i64 = Int,
    assignee_unit_id: Option<i64> = Int,
    assignee_dept_id: Option<i64> = Int,
    reporter_name: String = Text,
    reporter_phone_enc: Option<String> = Text,
    reporter_phone_mask: Option<String> = Text,
    created_ms: i64 = Int,
    accepted_ms: Option<i64> = Int,
    dispatched_ms: Option<i64> = Int,
    response_due_ms: Option<i64> = Int,
    responded_ms: Option<i64> = Int,
    due_ms: Option<i64> = Int,
    feedback_ms: Option<i64> = Int,
    verified_ms: Option<i64> = Int,
    closed_ms: Option<i64> = Int,
    closed_level: Option<&'static str> = Text,
    result: Option<&'static str> = Text,
    reject_reason: Option<&'static str> = Text,
    overdue: i64 = Int,
    reminded: i64 = Int,
    escalations: i64 = Int,
    satisfaction: Option<&'static str> = Text,
    rated_ms: Option<i64> = Int,
    track_token: String = Text,
    version: i64 = Int,
    updated_ms: i64 = Int,
});

bulk_row!(EventRow {
    id: i64 = Int,
    case_id: i64 = Int,
    at_ms: i64 = Int,
    action: &'static str = Text,
    from_status: Option<&'static str> = Text,
    to_status: &'static str = Text,
    actor_login: &'static str = Text,
    actor_role: &'static str = Text,
});

bulk_row!(CounterRow {
    day: String = Text,
    n: i64 = Int,
});

bulk_row!(RollupRow {
    path: String = Text,
    month: String = Text,
    dept_id: i64 = Int,
    total: i64 = Int,
    rejected: i64 = Int,
    dispatched: i64 = Int,
    responded: i64 = Int,
    responded_in_time: i64 = Int,
    closed: i64 = Int,
    closed_in_time: i64 = Int,
    rated: i64 = Int,
    satisfied: i64 = Int,
    overdue_open: i64 = Int,
    closed_grid: i64 = Int,
    closed_community: i64 = Int,
    closed_subdistrict: i64 = Int,
    closed_district: i64 = Int,
});

/// The tables the generator thread fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Households,
    Residents,
    Cases,
    Events,
    Counters,
    Rollup,
}

const TABS: [Tab; 6] = [
    Tab::Households,
    Tab::Residents,
    Tab::Cases,
    Tab::Events,
    Tab::Counters,
    Tab::Rollup,
];

impl Tab {
    fn name(self) -> &'static str {
        match self {
            Tab::Households => "households",
            Tab::Residents => "residents",
            Tab::Cases => "cases",
            Tab::Events => "case_events",
            Tab::Counters => "case_counters",
            Tab::Rollup => "case_rollup",
        }
    }

    /// Rows per statement.
    fn per_statement(self) -> usize {
        match self {
            Tab::Residents | Tab::Cases => 10_000,
            Tab::Households | Tab::Rollup => 20_000,
            Tab::Events | Tab::Counters => 50_000,
        }
    }

    /// The table's columns from the generated rows, and those every row has the same:
    /// (column, SQL literal, the value as `COPY` text).
    fn columns(
        self,
    ) -> (
        Vec<Column>,
        &'static [(&'static str, &'static str, &'static str)],
    ) {
        match self {
            Tab::Households => (HouseholdRow::columns(), &[("version", "1", "1")]),
            Tab::Residents => (
                ResidentRow::columns(),
                &[("status", "'active'", "active"), ("version", "1", "1")],
            ),
            Tab::Cases => (
                CaseRow::columns(),
                &[("anonymous", "0", "0"), ("attributes", "'{}'", "{}")],
            ),
            Tab::Events => (
                EventRow::columns(),
                &[("note", "''", ""), ("public", "1", "1")],
            ),
            Tab::Counters => (CounterRow::columns(), &[]),
            Tab::Rollup => (RollupRow::columns(), &[]),
        }
    }

    fn sql(self, sqlite: bool) -> String {
        let (cols, fixed) = self.columns();
        let fixed: Vec<(&str, &str)> = fixed.iter().map(|f| (f.0, f.1)).collect();
        bulk::insert_sql(sqlite, self.name(), &cols, &fixed, "")
    }

    /// PostgreSQL: the `COPY` that takes the rows of [`Part::add`] in text format.
    fn copy_sql(self) -> String {
        let (cols, fixed) = self.columns();
        let names: Vec<&str> = cols
            .iter()
            .map(|c| c.name)
            .chain(fixed.iter().map(|f| f.0))
            .collect();
        format!("COPY {} ({}) FROM STDIN", self.name(), names.join(", "))
    }
}

/// One transaction's worth of statements, serialised: JSON for the bulk statements,
/// or (`copy`, PostgreSQL) `COPY`'s text format.
#[derive(Default)]
struct Part {
    copy: bool,
    chunks: Vec<(Tab, u64, Vec<u8>)>,
    residents: u64,
    cases: u64,
    open: u64,
}

impl Part {
    fn new(copy: bool) -> Self {
        Part {
            copy,
            ..Part::default()
        }
    }

    fn add<T: Serialize + CopyLine>(&mut self, tab: Tab, rows: &[T]) -> Result<()> {
        for c in rows.chunks(tab.per_statement()) {
            let data = if self.copy {
                let fixed: Vec<&str> = tab.columns().1.iter().map(|f| f.2).collect();
                let mut out = Vec::with_capacity(c.len() * 128);
                for row in c {
                    row.copy_line(&mut out, &fixed);
                }
                out
            } else {
                bulk::rows_json(c)?.into_bytes()
            };
            self.chunks.push((tab, c.len() as u64, data));
        }
        Ok(())
    }
}

/// A grid's ids, for the rows that point at it.
#[derive(Debug, Clone)]
struct GridIds {
    id: i64,
    path: String,
    place: CasePlace,
    estate_id: i64,
    buildings: Vec<(i64, String)>,
}

/// Everything the generator thread needs (owned: it runs on its own thread).
struct Gen {
    /// PostgreSQL: rows in `COPY`'s text format.
    copy: bool,
    opts: CityOptions,
    layout: Layout,
    grids: Vec<GridIds>,
    rules: Vec<CaseRule>,
    cal: Calendar,
    cipher: Cipher,
    base_household: i64,
    base_resident: i64,
    base_case: i64,
    base_event: i64,
}

/// Hands finished parts to the writer; counts the generator's own time.
struct Emitter {
    tx: tokio::sync::mpsc::Sender<Result<Part>>,
    busy: f64,
    since: Instant,
}

impl Emitter {
    fn emit(&mut self, part: Part) -> Result<()> {
        self.busy += self.since.elapsed().as_secs_f64();
        let sent = self.tx.blocking_send(Ok(part));
        self.since = Instant::now();
        sent.map_err(|_| DomainError::internal("the city writer stopped"))
    }
}

/// What one case adds to its rollup row (the domain's rule, as for intake).
fn contribution(l: &Life) -> [i64; 14] {
    RateFacts {
        status: l.status,
        dispatched_ms: l.dispatched_ms,
        responded_ms: l.responded_ms,
        response_due_ms: l.response_due_ms,
        closed_ms: l.closed_ms,
        due_ms: l.due_ms,
        satisfaction: l.satisfaction,
        overdue: l.overdue,
        closed_level: l.closed_level,
    }
    .counters()
}

/// The sealed (encrypted, indexed) ID number and phone of a person.
struct Sealed {
    id_enc: String,
    id_index: String,
    phone_enc: Option<String>,
    phone_index: Option<String>,
}

fn seal_all(cipher: &Cipher, people: &[(i64, String, Person)]) -> Result<Vec<Sealed>> {
    people
        .iter()
        .map(|(_, _, p)| {
            Ok(Sealed {
                id_enc: cipher.encrypt(&p.id_number)?,
                id_index: cipher.blind_index(&p.id_number),
                phone_enc: p.phone.as_deref().map(|x| cipher.encrypt(x)).transpose()?,
                phone_index: p.phone.as_deref().map(|x| cipher.blind_index(x)),
            })
        })
        .collect()
}

/// Encrypts on two threads (the machine this was sized for has two cores).
fn seal(cipher: &Cipher, people: &[(i64, String, Person)]) -> Result<Vec<Sealed>> {
    let (a, b) = people.split_at(people.len() / 2);
    std::thread::scope(|s| {
        let first = s.spawn(|| seal_all(cipher, a));
        let second = seal_all(cipher, b)?;
        let mut out = first
            .join()
            .map_err(|_| DomainError::internal("an encryption thread failed"))??;
        out.extend(second);
        Ok(out)
    })
}

fn resident_part(
    g: &Gen,
    households: &mut Vec<HouseholdRow>,
    people: &mut Vec<(i64, String, Person)>,
    next_id: &mut i64,
) -> Result<Part> {
    let at = g.opts.start_ms();
    let sealed = seal(&g.cipher, people)?;
    let rows: Vec<ResidentRow> = people
        .drain(..)
        .zip(sealed)
        .map(|((hid, path, p), s)| {
            *next_id += 1;
            ResidentRow {
                id: *next_id - 1,
                household_id: hid,
                path,
                id_mask: mask::id_number(&p.id_number),
                phone_mask: p.phone.as_deref().map(mask::phone),
                name: p.name,
                id_enc: s.id_enc,
                id_index: s.id_index,
                phone_enc: s.phone_enc,
                phone_index: s.phone_index,
                birth_date: p.birth.format("%Y-%m-%d").to_string(),
                sex: p.sex.as_str(),
                ethnicity: p.ethnicity,
                relation: p.relation,
                labels: p.labels,
                created_ms: at,
                updated_ms: at,
            }
        })
        .collect();
    let mut part = Part {
        residents: rows.len() as u64,
        ..Part::new(g.copy)
    };
    part.add(Tab::Households, households)?;
    households.clear();
    part.add(Tab::Residents, &rows)?;
    Ok(part)
}

/// Households and residents, grid by grid, ~150,000 residents a transaction.
fn gen_residents(g: &Gen, out: &mut Emitter) -> Result<()> {
    const PER_PART: usize = 150_000;
    let at = g.opts.start_ms();
    let mut rng = Rng::new(g.opts.seed ^ 0x5EED_0001);
    let sizes = household_sizes(&mut rng, g.opts.households(), g.opts.residents);
    let mut people_gen = PeopleGen::new(
        g.opts.seed ^ 0x5EED_0002,
        g.opts.now_ms,
        g.layout.regions.clone(),
    );
    let mut households: Vec<HouseholdRow> = Vec::new();
    let mut people: Vec<(i64, String, Person)> = Vec::with_capacity(PER_PART + 8);
    let mut next_id = g.base_resident;
    for (gp, ids) in g.layout.grids.iter().zip(&g.grids) {
        let mut h = gp.first_household;
        let per_building = split(gp.households, ids.buildings.len() as u64);
        for (bi, (n, (bid, bpath))) in per_building.iter().zip(&ids.buildings).enumerate() {
            for j in 0..*n {
                let room = format!("{}{:02}", j / 4 + 1, j % 4 + 1);
                let size = sizes.get(h as usize).copied().unwrap_or(1);
                let hid = g.base_household + h as i64;
                households.push(HouseholdRow {
                    id: hid,
                    unit_id: *bid,
                    path: bpath.clone(),
                    address: format!("{}{}号楼{}室", gp.estate_name, bi + 1, room),
                    room,
                    dwelling: if rng.range(0, 9) < 2 { "rent" } else { "own" },
                    members: i64::from(size),
                    created_ms: at,
                });
                for p in people_gen.household(size, gp.region) {
                    people.push((hid, bpath.clone(), p));
                }
                h += 1;
                if people.len() >= PER_PART {
                    out.emit(resident_part(
                        g,
                        &mut households,
                        &mut people,
                        &mut next_id,
                    )?)?;
                }
            }
        }
    }
    if !people.is_empty() || !households.is_empty() {
        out.emit(resident_part(
            g,
            &mut households,
            &mut people,
            &mut next_id,
        )?)?;
    }
    Ok(())
}

/// Cases month by month: each month's cases in time order (so ids, numbers and
/// tokens follow time), ~100,000 cases a transaction, the month's rollup rows and day
/// counters with its last.
fn gen_cases(g: &Gen, out: &mut Emitter) -> Result<()> {
    const PER_PART: usize = 100_000;
    let now = g.opts.now_ms;
    let mut rng = Rng::new(g.opts.seed ^ 0xCA5E_0001);
    // Busier grids: more people, and some places simply draw more complaints.
    let mut grid_cum = Vec::with_capacity(g.layout.grids.len());
    let mut acc = 0.0;
    for gp in &g.layout.grids {
        acc += gp.weight * (gp.households as f64 + 10.0);
        grid_cum.push(acc);
    }
    let mut rule_rng = Rng::new(g.opts.seed ^ 0xCA5E_0002);
    let mut rule_cum = Vec::with_capacity(g.rules.len());
    let mut racc = 0.0;
    for _ in &g.rules {
        racc += 0.3 + rule_rng.f64() * 1.7;
        rule_cum.push(racc);
    }
    let pick = |cum: &[f64], x: f64| -> usize {
        let total = cum.last().copied().unwrap_or(0.0);
        cum.partition_point(|c| *c <= x * total)
            .min(cum.len().saturating_sub(1))
    };
    let mut next_case = g.base_case;
    let mut next_event = g.base_event;
    for slot in slots(&g.opts) {
        let mut drafts: Vec<(i64, u32, u32, u64)> = (0..slot.cases)
            .map(|_| {
                let created = created_at(&mut rng, &slot);
                let grid = pick(&grid_cum, rng.f64()) as u32;
                let rule = pick(&rule_cum, rng.f64()) as u32;
                (created, grid, rule, rng.next_u64())
            })
            .collect();
        drafts.sort_unstable();
        let mut roll: HashMap<(u32, i64), [i64; 14]> = HashMap::new();
        let mut counters: Vec<CounterRow> = Vec::new();
        let mut day = i64::MIN;
        let mut cases: Vec<CaseRow> = Vec::with_capacity(PER_PART.min(drafts.len()));
        let mut events: Vec<EventRow> = Vec::with_capacity(2 * cases.capacity());
        let mut open = 0u64;
        for (i, &(created, gi, ri, seed)) in drafts.iter().enumerate() {
            let (gp, ids, rule) = (
                &g.layout.grids[gi as usize],
                &g.grids[gi as usize],
                &g.rules[ri as usize],
            );
            if day_index(created) != day {
                day = day_index(created);
                counters.push(CounterRow {
                    day: day_key(created),
                    n: 0,
                });
            }
            let number = match counters.last_mut() {
                Some(c) => {
                    c.n += 1;
                    format!("{}-{:04}", c.day, c.n)
                }
                None => return Err(DomainError::internal("no day counter")),
            };
            let mut r = Rng::new(seed);
            let channel = channel_for(&mut r, &rule.source);
            let life = Life::play(&mut r, now, created, channel, rule, &ids.place, &g.cal);
            let (x0, y0, x1, y1) = gp.cell;
            let point = (channel != Channel::Hotline || r.range(0, 1) == 0).then(|| {
                let round6 = |v: f64| (v * 1e6).round() / 1e6;
                (
                    round6(x0 + (x1 - x0) * (0.05 + 0.9 * r.f64())),
                    round6(y0 + (y1 - y0) * (0.05 + 0.9 * r.f64())),
                )
            });
            let at_home = rule.responsible == jiceng_domain::appeals::Responsible::Property
                || (channel == Channel::Resident && r.range(0, 9) < 6);
            let building = (at_home && r.range(0, 1) == 0 && !ids.buildings.is_empty())
                .then(|| r.range(0, ids.buildings.len() as u64 - 1) as usize);
            let address = match building {
                Some(b) => format!("{}{}号楼", gp.estate_name, b + 1),
                None if at_home => gp.estate_name.clone(),
                None => String::new(),
            };
            let (reporter, tel) = match channel {
                Channel::Resident => (person_name(&mut r), None),
                Channel::Hotline => (person_name(&mut r), Some(phone(&mut r))),
                Channel::Patrol | Channel::Open311 => (String::new(), None),
            };
            let description = format!("{}（{}）", rule.name_zh, r.pick(jiceng_domain::city::SPOTS));
            let token = format!(
                "{:011x}{:016x}{:016x}{:016x}",
                created.max(0),
                r.next_u64(),
                r.next_u64(),
                r.next_u64()
            );
            let id = next_case;
            next_case += 1;
            // The timeline: the submission and the step that led to the present status.
            let (login, role) = submitter(channel);
            events.push(EventRow {
                id: next_event,
                case_id: id,
                at_ms: created,
                action: "submit",
                from_status: None,
                to_status: life.first_status.as_str(),
                actor_login: login,
                actor_role: role,
            });
            next_event += 1;
            if let Some((at, action, from)) = life.last_step() {
                let role = match action {
                    "sign" | "feedback" => match (life.assignee_dept_id, life.assignee_unit_id) {
                        (Some(d), _) if Some(d) == ids.place.company_id => "property_company",
                        (Some(_), _) => "department_handler",
                        (None, Some(u)) if u == ids.id => "grid_worker",
                        _ => "community_staff",
                    },
                    _ => role_at(life.closed_level.unwrap_or(life.level)),
                };
                events.push(EventRow {
                    id: next_event,
                    case_id: id,
                    at_ms: at,
                    action,
                    from_status: Some(from.as_str()),
                    to_status: life.status.as_str(),
                    actor_login: "system",
                    actor_role: role,
                });
                next_event += 1;
            }
            let steps = [
                life.accepted_ms,
                life.dispatched_ms,
                life.responded_ms,
                life.feedback_ms,
                life.verified_ms,
                life.closed_ms,
                life.rated_ms,
            ]
            .iter()
            .flatten()
            .count() as i64;
            let v = contribution(&life);
            let e = roll
                .entry((gi, life.assignee_dept_id.unwrap_or(0)))
                .or_insert([0; 14]);
            for (a, b) in e.iter_mut().zip(v) {
                *a += b;
            }
            if life.status.is_open() {
                open += 1;
            }
            cases.push(CaseRow {
                id,
                number,
                channel: channel.as_str(),
                category_code: rule.code.clone(),
                description,
                lon: point.map(|p| p.0),
                lat: point.map(|p| p.1),
                address,
                grid_id: ids.id,
                estate_id: at_home.then_some(ids.estate_id),
                building_id: building.and_then(|b| ids.buildings.get(b)).map(|b| b.0),
                path: ids.path.clone(),
                status: life.status.as_str(),
                level: life.level.as_str(),
                coord_unit_id: life.coord_unit_id,
                assignee_unit_id: life.assignee_unit_id,
                assignee_dept_id: life.assignee_dept_id,
                reporter_name: reporter,
                reporter_phone_enc: tel.as_deref().map(|t| g.cipher.encrypt(t)).transpose()?,
                reporter_phone_mask: tel.as_deref().map(mask::phone),
                created_ms: created,
                accepted_ms: life.accepted_ms,
                dispatched_ms: life.dispatched_ms,
                response_due_ms: life.response_due_ms,
                responded_ms: life.responded_ms,
                due_ms: life.due_ms,
                feedback_ms: life.feedback_ms,
                verified_ms: life.verified_ms,
                closed_ms: life.closed_ms,
                closed_level: life.closed_level.map(|l| l.as_str()),
                result: (life.status == Status::Closed).then_some("已办结"),
                reject_reason: (life.status == Status::Rejected).then_some("不属于受理范围"),
                overdue: life.overdue as i64,
                reminded: life.overdue as i64,
                escalations: life.escalations,
                satisfaction: life.satisfaction.map(|s| s.as_str()),
                rated_ms: life.rated_ms,
                track_token: token,
                version: 1 + steps + life.escalations,
                updated_ms: life.updated_ms(created),
            });
            let last = i + 1 == drafts.len();
            if cases.len() >= PER_PART || last {
                let mut part = Part {
                    cases: cases.len() as u64,
                    open,
                    ..Part::new(g.copy)
                };
                part.add(Tab::Cases, &cases)?;
                part.add(Tab::Events, &events)?;
                cases.clear();
                events.clear();
                open = 0;
                if last {
                    let mut keys: Vec<(u32, i64)> = roll.keys().copied().collect();
                    keys.sort_unstable();
                    let rows: Vec<RollupRow> = keys
                        .into_iter()
                        .filter_map(|k| {
                            let v = roll.get(&k)?;
                            Some(RollupRow {
                                path: g.grids.get(k.0 as usize)?.path.clone(),
                                month: slot.month.clone(),
                                dept_id: k.1,
                                total: v[0],
                                rejected: v[1],
                                dispatched: v[2],
                                responded: v[3],
                                responded_in_time: v[4],
                                closed: v[5],
                                closed_in_time: v[6],
                                rated: v[7],
                                satisfied: v[8],
                                overdue_open: v[9],
                                closed_grid: v[10],
                                closed_community: v[11],
                                closed_subdistrict: v[12],
                                closed_district: v[13],
                            })
                        })
                        .collect();
                    part.add(Tab::Counters, &counters)?;
                    part.add(Tab::Rollup, &rows)?;
                }
                out.emit(part)?;
            }
        }
    }
    Ok(())
}

/// The generator thread: residents, then cases. Returns its busy seconds.
fn produce(g: Gen, tx: tokio::sync::mpsc::Sender<Result<Part>>) -> f64 {
    let mut out = Emitter {
        tx,
        busy: 0.0,
        since: Instant::now(),
    };
    let r = gen_residents(&g, &mut out).and_then(|_| gen_cases(&g, &mut out));
    out.busy += out.since.elapsed().as_secs_f64();
    if let Err(e) = r {
        // The writer may have stopped first (that error is already on its way).
        let _ = out.tx.blocking_send(Err(e));
    }
    out.busy
}

impl SqlStore {
    /// Builds the synthetic city of `opts` into an empty database (refuses, writing
    /// nothing, when it already holds org units). `progress` gets a line now and then.
    pub async fn city_build(
        &self,
        cipher: &Cipher,
        opts: &CityOptions,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<CityReport> {
        opts.check()?;
        let (units,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM org_units")
            .fetch_one(&self.w)
            .await
            .map_err(db_err)?;
        if units > 0 {
            return Err(DomainError::rule(
                "数据库中已有组织单位：合成城市只能写入空库",
                "the database already holds org units: the synthetic city goes into an empty database only",
            ));
        }
        // SQLite: a bigger page cache on the writer while loading (the indexes of ten
        // million cases have ~30,000 places being appended to at once), then the usual
        // one and an empty WAL.
        self.on_sqlite_writer(crate::BULK_CACHE).await?;
        let result = self.city_write(cipher, opts, progress).await;
        let restored = match self.on_sqlite_writer(crate::WRITER_CACHE).await {
            Ok(()) => self.checkpoint_all().await,
            Err(e) => Err(e),
        };
        if result.is_ok() {
            restored?;
        }
        result
    }

    /// The database's size on disk: SQLite's pages, PostgreSQL's database.
    pub async fn city_db_bytes(&self) -> Result<i64> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT p.page_count * s.page_size FROM pragma_page_count() AS p, pragma_page_size() AS s"
            }
            Backend::Postgres => "SELECT pg_database_size(current_database())",
        };
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&self.r)
            .await
            .map_err(db_err)?;
        Ok(n)
    }

    async fn max_id(&self, table: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(safe!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
            .fetch_one(&self.w)
            .await
            .map_err(db_err)?;
        Ok(n)
    }

    async fn city_write(
        &self,
        cipher: &Cipher,
        opts: &CityOptions,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<CityReport> {
        let started = Instant::now();
        let sqlite = self.backend == Backend::Sqlite;
        let categories: Vec<_> = self
            .categories()
            .await?
            .into_iter()
            .filter(|c| c.is_leaf() && c.active)
            .collect();
        if categories.is_empty() {
            return Err(DomainError::internal(
                "no appeal categories to file cases under",
            ));
        }
        let cal = Calendar::new(self.calendar().await?.into_iter().map(|(d, k, _)| (d, k)));
        let mut rng = Rng::new(opts.seed);
        let layout = Layout::new(opts, &mut rng);
        let at = opts.start_ms();
        let mut report = CityReport {
            districts: layout.districts as u64,
            subdistricts: layout.subdistricts as u64,
            communities: layout.communities as u64,
            grids: layout.grids.len() as u64,
            estates: layout.count(UnitKind::Estate),
            buildings: layout.count(UnitKind::Building),
            ..CityReport::default()
        };

        // The org tree, its history and the departments: one transaction.
        let t = Instant::now();
        let base_unit = self.max_id("org_units").await? + 1;
        let mut paths: Vec<String> = Vec::with_capacity(layout.units.len());
        let mut unit_rows = Vec::with_capacity(layout.units.len());
        let mut history = Vec::with_capacity(layout.units.len());
        for (i, u) in layout.units.iter().enumerate() {
            let parent_path = u.parent.and_then(|p| paths.get(p)).map(String::as_str);
            let path = jiceng_domain::org::rules::child_path(parent_path, &u.code);
            unit_rows.push(UnitRow {
                id: base_unit + i as i64,
                code: u.code.clone(),
                kind: u.kind.as_str(),
                name: u.name.clone(),
                official_name: u.official_name.clone(),
                parent_id: u.parent.map(|p| base_unit + p as i64),
                path: path.clone(),
                grid_type: u.grid_type.map(|g| g.as_str()),
                boundary: u
                    .boundary
                    .as_ref()
                    .map(|b| b.to_geojson_geometry().to_string()),
                address: u.address.clone(),
                created_ms: at,
            });
            history.push(HistoryRow {
                unit_id: base_unit + i as i64,
                at_ms: at,
                after_json: serde_json::json!({
                    "name": u.name,
                    "parent": u.parent.and_then(|p| layout.units.get(p)).map(|p| &p.code),
                })
                .to_string(),
            });
            paths.push(path);
        }
        let unit_id = |i: usize| base_unit + i as i64;
        // District departments (the categories' department codes) belong to the first
        // district; a property company serves every run of GRIDS_PER_COMPANY estates.
        let base_dept = self.max_id("departments").await? + 1;
        let mut dept_codes: Vec<&str> = categories
            .iter()
            .filter_map(|c| c.department_code.as_deref())
            .collect();
        dept_codes.sort_unstable();
        dept_codes.dedup();
        let mut depts: Vec<DeptRow> = dept_codes
            .iter()
            .enumerate()
            .map(|(i, code)| DeptRow {
                id: base_dept + i as i64,
                code: (*code).to_string(),
                name: format!(
                    "{}{}",
                    layout.units[0].name,
                    jiceng_domain::city::department_name(code)
                ),
                kind: DeptKind::Department.as_str(),
                unit_id: unit_id(0),
                phone: format!("0473-{}", rng.range(2_000_000, 3_999_999)),
            })
            .collect();
        let dept_of: HashMap<String, i64> = depts.iter().map(|d| (d.code.clone(), d.id)).collect();
        let first_company = base_dept + depts.len() as i64;
        let mut dept_estates = Vec::with_capacity(layout.grids.len());
        for (n, grids) in layout.grids.chunks(GRIDS_PER_COMPANY).enumerate() {
            let id = first_company + n as i64;
            depts.push(DeptRow {
                id,
                code: format!("wy{:05}", n + 1),
                name: jiceng_domain::city::company_name(&mut rng, n),
                kind: DeptKind::Property.as_str(),
                unit_id: unit_id(grids.first().map(|g| g.district).unwrap_or(0)),
                phone: format!("0473-{}", rng.range(2_000_000, 3_999_999)),
            });
            for gp in grids {
                dept_estates.push(DeptEstateRow {
                    department_id: id,
                    estate_id: unit_id(gp.estate),
                });
            }
        }
        report.departments = depts.len() as u64;
        let mut stats: Vec<TableStat> = Vec::new();
        let mut tx = self.write_tx().await?;
        timed_insert(
            &mut tx,
            "org_units",
            &bulk::insert_sql(
                sqlite,
                "org_units",
                &UnitRow::columns(),
                &[("status", "'active'"), ("version", "1")],
                "",
            ),
            &unit_rows,
            20_000,
            &mut stats,
        )
        .await?;
        timed_insert(
            &mut tx,
            "unit_history",
            &bulk::insert_sql(
                sqlite,
                "unit_history",
                &HistoryRow::columns(),
                &[("change", "'create'"), ("actor_login", "'system'")],
                "",
            ),
            &history,
            20_000,
            &mut stats,
        )
        .await?;
        timed_insert(
            &mut tx,
            "departments",
            &bulk::insert_sql(
                sqlite,
                "departments",
                &DeptRow::columns(),
                &[("active", "1")],
                "",
            ),
            &depts,
            20_000,
            &mut stats,
        )
        .await?;
        timed_insert(
            &mut tx,
            "department_estates",
            &bulk::insert_sql(
                sqlite,
                "department_estates",
                &DeptEstateRow::columns(),
                &[],
                "",
            ),
            &dept_estates,
            50_000,
            &mut stats,
        )
        .await?;
        let c = Instant::now();
        tx.commit().await.map_err(db_err)?;
        if let Some(s) = stats.first_mut() {
            s.seconds += c.elapsed().as_secs_f64();
        }
        progress(&format!(
            "org tree: {} units ({} grids), {} departments in {:.1} s",
            unit_rows.len(),
            layout.grids.len(),
            depts.len(),
            t.elapsed().as_secs_f64()
        ));

        // What the generator needs, owned.
        let grids: Vec<GridIds> = layout
            .grids
            .iter()
            .enumerate()
            .map(|(gi, gp)| GridIds {
                id: unit_id(gp.unit),
                path: paths[gp.unit].clone(),
                place: CasePlace {
                    grid_id: unit_id(gp.unit),
                    community_id: unit_id(gp.community),
                    subdistrict_id: unit_id(gp.subdistrict),
                    district_id: unit_id(gp.district),
                    company_id: Some(first_company + (gi / GRIDS_PER_COMPANY) as i64),
                },
                estate_id: unit_id(gp.estate),
                buildings: gp
                    .buildings
                    .iter()
                    .map(|&b| (unit_id(b), paths[b].clone()))
                    .collect(),
            })
            .collect();
        let rules: Vec<CaseRule> = categories
            .iter()
            .map(|c| CaseRule {
                code: c.code.clone(),
                name_zh: c.name_zh.clone(),
                source: c.source.clone(),
                responsible: c.responsible,
                dept_id: c
                    .department_code
                    .as_deref()
                    .and_then(|d| dept_of.get(d).copied()),
                response_hours: c.response_hours,
                limit_amount: c.limit_amount,
                limit_unit: c.limit_unit,
            })
            .collect();
        let input = Gen {
            copy: self.pg_loads.is_some(),
            opts: opts.clone(),
            base_household: self.max_id("households").await? + 1,
            base_resident: self.max_id("residents").await? + 1,
            base_case: self.max_id("cases").await? + 1,
            base_event: self.max_id("case_events").await? + 1,
            layout,
            grids,
            rules,
            cal,
            cipher: cipher.clone(),
        };
        let (send, mut parts) = tokio::sync::mpsc::channel::<Result<Part>>(1);
        let generator = tokio::task::spawn_blocking(move || produce(input, send));

        // PostgreSQL: the generated tables take their secondary indexes and keys back
        // once, built from the rows after the load, instead of one insert per index and
        // row (see `bulk::pg_defer_indexes`). They come back whatever the load's outcome;
        // the city goes into an empty database that nothing else uses meanwhile.
        let deferred = if sqlite {
            Vec::new()
        } else {
            let mut tx = self.write_tx().await?;
            let mut restore = Vec::new();
            for tab in TABS {
                restore.extend(bulk::pg_defer_indexes(&mut *tx, tab.name()).await?);
            }
            tx.commit().await.map_err(db_err)?;
            restore
        };

        // The writer: one transaction per part, as they come. PostgreSQL copies the rows
        // on a native connection of its own (see `SqlStore::pg_load`).
        let sqls: Vec<String> = TABS
            .iter()
            .map(|t| {
                if self.pg_loads.is_some() {
                    t.copy_sql()
                } else {
                    t.sql(sqlite)
                }
            })
            .collect();
        let mut copier = match &self.pg_loads {
            Some(pool) => Some(pool.acquire().await.map_err(db_err)?),
            None => None,
        };
        let mut rows = [0u64; TABS.len()];
        let mut secs = [0f64; TABS.len()];
        let mut waited = 0.0;
        let mut last_note = Instant::now();
        let loaded: Result<()> = async {
            loop {
                let w = Instant::now();
                let Some(part) = parts.recv().await else {
                    break;
                };
                waited += w.elapsed().as_secs_f64();
                let part = part?;
                let mut spent = [0f64; TABS.len()];
                let c = if let Some(conn) = copier.as_mut() {
                    use sqlx::Connection;
                    let mut tx = conn.begin().await.map_err(db_err)?;
                    for (tab, n, data) in part.chunks {
                        let k = tab as usize;
                        let t = Instant::now();
                        bulk::copy_bytes(&mut tx, &sqls[k], &data).await?;
                        spent[k] += t.elapsed().as_secs_f64();
                        rows[k] += n;
                    }
                    let c = Instant::now();
                    tx.commit().await.map_err(db_err)?;
                    c
                } else {
                    let mut tx = self.write_tx().await?;
                    for (tab, n, json) in part.chunks {
                        let k = tab as usize;
                        let t = Instant::now();
                        let json = String::from_utf8(json).map_err(DomainError::internal)?;
                        sqlx::query(sqlx::AssertSqlSafe(sqls[k].clone()))
                            .bind(json)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                        spent[k] += t.elapsed().as_secs_f64();
                        rows[k] += n;
                    }
                    let c = Instant::now();
                    tx.commit().await.map_err(db_err)?;
                    c
                };
                // The commit (on SQLite the bulk of the page writes) is shared out by time.
                let commit = c.elapsed().as_secs_f64();
                let total: f64 = spent.iter().sum();
                for (s, x) in secs.iter_mut().zip(spent) {
                    *s += x + if total > 0.0 { commit * x / total } else { 0.0 };
                }
                report.residents += part.residents;
                report.cases += part.cases;
                report.open_cases += part.open;
                if last_note.elapsed().as_secs_f64() >= 5.0 {
                    last_note = Instant::now();
                    progress(&format!(
                        "residents {} / {} · cases {} / {} · {:.0} s",
                        report.residents,
                        opts.residents,
                        report.cases,
                        opts.cases,
                        started.elapsed().as_secs_f64()
                    ));
                }
            }
            Ok(())
        }
        .await;
        let indexes = Instant::now();
        if !deferred.is_empty() {
            progress("building the indexes and keys of the generated tables");
            let mut tx = self.write_tx().await?;
            bulk::pg_restore_indexes(&mut *tx, deferred).await?;
            tx.commit().await.map_err(db_err)?;
        }
        let indexes = indexes.elapsed().as_secs_f64();
        loaded?;
        report.generator_seconds = generator.await.map_err(DomainError::internal)?;
        report.waited_seconds = waited;
        // The rollup of every level above the grid, from the grid rows just written.
        {
            let mut tx = self.write_tx().await?;
            crate::appeals::rebuild_rollup_levels(&mut tx).await?;
            tx.commit().await.map_err(db_err)?;
        }
        if !sqlite {
            for table in [
                "org_units",
                "departments",
                "households",
                "residents",
                "cases",
                "case_events",
            ] {
                sqlx::query(safe!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), m) FROM (SELECT MAX(id) AS m FROM {table}) AS x WHERE m IS NOT NULL"
                ))
                .execute(&self.w)
                .await
                .map_err(db_err)?;
            }
        }
        for (k, tab) in TABS.iter().enumerate() {
            stats.push(TableStat {
                table: tab.name(),
                rows: rows[k],
                seconds: secs[k],
            });
        }
        if !sqlite {
            stats.push(TableStat {
                table: "indexes and keys, built after the load",
                rows: 0,
                seconds: indexes,
            });
        }
        report.households = rows[Tab::Households as usize];
        report.events = rows[Tab::Events as usize];
        report.rollup_rows = rows[Tab::Rollup as usize];
        report.tables = stats;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

async fn timed_insert<T: Serialize>(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    sql: &str,
    rows: &[T],
    per: usize,
    stats: &mut Vec<TableStat>,
) -> Result<()> {
    let t = Instant::now();
    bulk::insert(conn, sql, rows, per).await?;
    stats.push(TableStat {
        table,
        rows: rows.len() as u64,
        seconds: t.elapsed().as_secs_f64(),
    });
    Ok(())
}
