//! The Haibowan demo district: the real division list (2023 edition) plus generated,
//! deterministic grids tiling each community, estates, buildings, units, households,
//! residents, post holders, and one account per role.

use std::time::Instant;

use chrono::NaiveDate;
use jiceng_core::{Actor, DomainError, Result, Role, idcard};
use jiceng_formats::geo::{Point, Polygon};
use serde::Serialize;

use crate::Ctx;
use crate::auth::NewUser;
use crate::import::{self, ImportOptions};
use crate::org::{GridType, NewUnit, PostTitle, UnitKind};
use crate::people::{PersonImport, ResidentInput};

pub const DIVISIONS_CSV: &str = include_str!("../demo/haibowan-divisions.csv");
pub const DEMO_PASSWORD: &str = "Jiceng@2026";
/// One demo account per role.
pub const DEMO_LOGINS: [&str; 9] = [
    "admin", "jiedao", "shequ", "wangge", "bumen", "jumin", "shenji", "rexian", "wuye",
];

/// Urban share the seed gives (94.7%), in tenths of a percent.
pub const URBANISATION_PERMILLE: i64 = 947;

/// Trims or adds village households so that urban / all rounds to 94.7%.
fn fit_urbanisation(
    ctx: &Ctx,
    labels: &[crate::people::Label],
    rng: &mut Rng,
    seq: &mut u32,
    issued: &mut std::collections::HashSet<String>,
    village_units: &[(String, String)],
    people: &mut Vec<PersonImport>,
) -> Result<()> {
    if village_units.is_empty() {
        return Ok(());
    }
    let rural_codes: std::collections::HashSet<&str> =
        village_units.iter().map(|(c, _)| c.as_str()).collect();
    let urban = people
        .iter()
        .filter(|p| !rural_codes.contains(p.unit_code.as_str()))
        .count() as i64;
    let target = (urban * (1000 - URBANISATION_PERMILLE) + URBANISATION_PERMILLE / 2)
        / URBANISATION_PERMILLE;
    let mut rural = people.len() as i64 - urban;
    if rural > target {
        // Drop the last village residents (a household loses its last members first,
        // so heads of household stay).
        let mut excess = rural - target;
        let mut drop = vec![false; people.len()];
        for (i, p) in people.iter().enumerate().rev() {
            if excess == 0 {
                break;
            }
            if rural_codes.contains(p.unit_code.as_str()) {
                drop[i] = true;
                excess -= 1;
            }
        }
        let mut i = 0;
        people.retain(|_| {
            let keep = !drop[i];
            i += 1;
            keep
        });
        rural = target;
    }
    let mut k = 0usize;
    while rural < target {
        let (ucode, place) = &village_units[k % village_units.len()];
        let room = format!("9{:02}", k / village_units.len() + 1);
        k += 1;
        let size = (rng.range(2, 5) as i64).min(target - rural) as u64;
        let surname = rng.pick(SURNAMES).to_string();
        for m in 0..size {
            let resident = demo_person(ctx, labels, rng, seq, issued, m, size, &surname)?;
            people.push(PersonImport {
                unit_code: ucode.clone(),
                room: room.clone(),
                address: format!("{place}{room}室"),
                dwelling: "own".into(),
                resident,
            });
        }
        rural += size as i64;
    }
    Ok(())
}

/// One generated resident of a demo household (member `m` of `size`).
#[allow(clippy::too_many_arguments)]
fn demo_person(
    ctx: &Ctx,
    labels: &[crate::people::Label],
    rng: &mut Rng,
    seq: &mut u32,
    issued: &mut std::collections::HashSet<String>,
    m: u64,
    size: u64,
    surname: &str,
) -> Result<crate::people::NewResident> {
    *seq += 1;
    let (relation, b) = match m {
        0 if size == 1 => ("户主", birth(rng, 22, 92)),
        0 => ("户主", birth(rng, 28, 80)),
        1 => ("配偶", birth(rng, 28, 80)),
        2 | 3 => ("子女", birth(rng, 1, 30)),
        _ => ("父母", birth(rng, 60, 95)),
    };
    let name = if m == 1 {
        person_name(rng)
    } else {
        format!("{surname}{}", rng.pick(GIVEN))
    };
    let region: &str = rng.pick::<&str>(REGIONS);
    let id = idcard::make(region, b, *seq % 1000);
    let mut id = id;
    // Same place, day and sequence: take the next sequence.
    while !issued.insert(id.clone()) {
        *seq += 1;
        id = idcard::make(region, b, *seq % 1000);
    }
    let age = 2026 - b.format("%Y").to_string().parse::<i64>().unwrap_or(2000);
    let mut lab: Vec<String> = Vec::new();
    if size == 1 && age >= 70 {
        lab.push("elderly_alone".into());
    }
    if m <= 1 && age >= 65 && size == 2 {
        lab.push("empty_nest".into());
    }
    if rng.range(0, 99) < 2 {
        lab.push("disabled".into());
    }
    if m == 0 && rng.range(0, 99) < 3 {
        lab.push("low_income".into());
    }
    if m <= 1 && age >= 35 && rng.range(0, 99) < 3 {
        lab.push("veteran".into());
    }
    let input = ResidentInput {
        name,
        id_number: id,
        phone: if age >= 14 { Some(phone(rng)) } else { None },
        ethnicity: Some(ethnicity(rng).to_string()),
        relation: Some(relation.to_string()),
        labels: lab,
    };
    crate::people::service::prepare(ctx, (0, ""), &input, labels)
}

/// SplitMix64: tiny, fast and the same on every platform and version, so a seed always
/// makes the same district.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// 1.0 ≈ 45k households and 110k residents; above 1 grids hold more estates,
    /// below 1 buildings are lower (0.05 makes a small district for tests).
    pub scale: f64,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            scale: 1.0,
            seed: 20200428,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub role: Role,
    pub scope: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub units: u64,
    pub grids: u64,
    pub households: u64,
    pub residents: u64,
    pub posts: u64,
    pub accounts: Vec<DemoAccount>,
    /// The year of appeals: cases, departments, property companies, rotations.
    pub appeals: crate::appeals::demo::HistoryReport,
    /// Service centres and stations, joint meetings, the reformed sub-districts (counts).
    pub network: serde_json::Value,
    /// The party organisation system: organisations, members, alliances (counts).
    pub party: serde_json::Value,
    /// Cadres, added staff, promotions, community workers, pay runs, reserve talents.
    pub workforce: serde_json::Value,
    /// The three lists: needs, resources, the engine run, projects (counts).
    pub lists: serde_json::Value,
    pub seconds: f64,
}

pub(crate) const SURNAMES: &[&str] = &[
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "胡",
    "朱",
    "高",
    "林",
    "何",
    "郭",
    "马",
    "罗",
    "梁",
    "宋",
    "郑",
    "谢",
    "韩",
    "唐",
    "冯",
    "于",
    "董",
    "萧",
    "程",
    "曹",
    "袁",
    "邓",
    "许",
    "傅",
    "沈",
    "曾",
    "彭",
    "吕",
    "苏",
    "卢",
    "蒋",
    "蔡",
    "贾",
    "丁",
    "魏",
    "薛",
    "叶",
    "阎",
    "余",
    "潘",
    "杜",
    "戴",
    "夏",
    "钟",
    "汪",
    "田",
    "任",
    "姜",
    "范",
    "方",
    "石",
    "姚",
    "谭",
    "廖",
    "邹",
    "熊",
    "金",
    "陆",
    "郝",
    "孔",
    "白",
    "崔",
    "康",
    "毛",
    "邱",
    "秦",
    "江",
    "史",
    "顾",
    "侯",
    "邵",
    "孟",
    "龙",
    "万",
    "段",
    "雷",
    "钱",
    "汤",
    "尹",
    "黎",
    "易",
    "常",
    "武",
    "乔",
    "贺",
    "赖",
    "龚",
    "文",
    "巴特尔",
    "乌日",
];
pub(crate) const GIVEN: &[&str] = &[
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "建国",
    "玉兰",
    "志强",
    "海燕",
    "晓明",
    "丽娟",
    "宇",
    "浩",
    "欣怡",
    "子涵",
    "梓萱",
    "一诺",
    "思远",
    "雨桐",
    "俊杰",
    "婷",
    "红梅",
    "春梅",
    "文博",
    "其其格",
    "斯琴",
    "苏日娜",
    "桂兰",
    "凤英",
    "玉梅",
    "德胜",
    "永红",
    "卫东",
    "振华",
];
pub(crate) const ESTATE_WORDS: &[&str] = &[
    "阳光",
    "和平",
    "幸福",
    "康乐",
    "滨河",
    "金裕",
    "锦绣",
    "祥和",
    "海湾",
    "蓝天",
    "颐和",
    "铁路",
    "矿务局",
    "电厂",
    "新华",
    "东山",
    "狮城",
    "黄河",
    "林荫",
    "温馨",
    "怡景",
    "书香",
    "名门",
    "盛世",
];
pub(crate) const ESTATE_SUFFIX: &[&str] = &["小区", "家园", "花园", "苑", "新村", "雅居"];
const ETHNIC: &[(&str, u64)] = &[
    ("汉族", 880),
    ("蒙古族", 70),
    ("回族", 25),
    ("满族", 18),
    ("达斡尔族", 3),
    ("朝鲜族", 2),
    ("鄂温克族", 2),
];
/// Regions of birth for ID numbers: mostly Wuhai's districts, some from elsewhere.
const REGIONS: &[&str] = &[
    "150302", "150302", "150302", "150302", "150303", "150304", "150300", "152801", "150102",
    "640202", "620102", "130102", "410102",
];

pub fn person_name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

pub fn phone(rng: &mut Rng) -> String {
    let prefix = rng.pick(&[
        "139", "138", "137", "158", "186", "150", "151", "182", "135",
    ]);
    format!("{prefix}{:08}", rng.range(0, 99_999_999))
}

fn ethnicity(rng: &mut Rng) -> &'static str {
    let total: u64 = ETHNIC.iter().map(|(_, w)| w).sum();
    let mut x = rng.range(0, total - 1);
    for (name, w) in ETHNIC {
        if x < *w {
            return name;
        }
        x -= w;
    }
    "汉族"
}

fn birth(rng: &mut Rng, min_age: i64, max_age: i64) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let days = rng.range((min_age * 365) as u64, (max_age * 365) as u64) as i64;
    base - chrono::Duration::days(days)
}

/// The place of each sub-district on a coarse map of Haibowan (lon, lat of the
/// south-west corner); communities and grids tile these blocks.
fn block_origin(index: usize) -> (f64, f64) {
    let col = (index % 4) as f64;
    let row = (index / 4) as f64;
    (106.78 + col * 0.028, 39.64 + row * 0.03)
}

/// Tiles a rectangle into `cols × rows` quadrilaterals whose inner corners are jittered
/// but shared, so neighbouring grids meet exactly and no cell can self-intersect.
pub fn tile(
    rng: &mut Rng,
    origin: (f64, f64),
    size: (f64, f64),
    cols: usize,
    rows: usize,
) -> Vec<Polygon> {
    let dx = size.0 / cols as f64;
    let dy = size.1 / rows as f64;
    let mut lattice = vec![vec![Point { x: 0.0, y: 0.0 }; cols + 1]; rows + 1];
    for (j, line) in lattice.iter_mut().enumerate() {
        for (i, p) in line.iter_mut().enumerate() {
            let inner = i > 0 && i < cols && j > 0 && j < rows;
            let jx = if inner {
                (rng.f64() - 0.5) * dx * 0.5
            } else {
                0.0
            };
            let jy = if inner {
                (rng.f64() - 0.5) * dy * 0.5
            } else {
                0.0
            };
            *p = Point {
                x: round6(origin.0 + i as f64 * dx + jx),
                y: round6(origin.1 + j as f64 * dy + jy),
            };
        }
    }
    let mut cells = Vec::with_capacity(cols * rows);
    for j in 0..rows {
        for i in 0..cols {
            let ring = vec![
                lattice[j][i],
                lattice[j][i + 1],
                lattice[j + 1][i + 1],
                lattice[j + 1][i],
                lattice[j][i],
            ];
            cells.push(Polygon { exterior: ring });
        }
    }
    cells
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Builds the demo district into an empty database.
pub async fn load(ctx: &Ctx, opts: DemoOptions) -> Result<DemoReport> {
    let started = Instant::now();
    let system = Actor::system();
    if !ctx.org.roots().await?.is_empty() {
        return Err(DomainError::rule(
            "数据库中已有数据，演示区只能装入空库",
            "the database is not empty: the demo loads into an empty database only",
        ));
    }
    let outcome = import::divisions(
        ctx,
        &system,
        "haibowan-divisions.csv",
        DIVISIONS_CSV.as_bytes(),
        ImportOptions::default(),
    )
    .await?;
    if !outcome.applied {
        return Err(DomainError::internal(format!(
            "demo division list did not import: {:?}",
            outcome.report.errors.first()
        )));
    }
    let mut units_created = outcome.created;
    let mut rng = Rng::new(opts.seed);
    let district = ctx
        .org
        .roots()
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound("unit"))?;
    let subdistricts = ctx.org.children(district.id, false).await?;
    let labels = ctx.people.labels().await?;
    let estates_per_grid = (2.0 * opts.scale).round().max(1.0) as u64;

    let mut new_units: Vec<NewUnit> = Vec::new();
    let mut posts: Vec<(String, PostTitle, String, String)> = Vec::new();
    let mut people: Vec<PersonImport> = Vec::new();
    let mut grid_count = 0u64;
    let mut seq = 0u32;
    let mut issued: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Units in villages (村): the rural population.
    let mut village_units: Vec<(String, String)> = Vec::new();
    let mut first_grid: Option<String> = None;
    let mut first_household_room: Option<(String, String)> = None;

    for (si, sub) in subdistricts.iter().enumerate() {
        let communities = ctx.org.children(sub.id, false).await?;
        let (ox, oy) = block_origin(si);
        let n = communities.len().max(1);
        let ccols = (n as f64).sqrt().ceil() as usize;
        let crows = n.div_ceil(ccols);
        let cw = 0.026 / ccols as f64;
        let ch = 0.028 / crows as f64;
        for (ci, com) in communities.iter().enumerate() {
            let corigin = (ox + (ci % ccols) as f64 * cw, oy + (ci / ccols) as f64 * ch);
            let is_village = com.official_name.ends_with("村委会");
            let is_park = com.official_name.contains("产业园");
            let (gcols, grows) = match rng.range(0, 3) {
                0 => (2, 2),
                1 => (3, 2),
                2 => (2, 3),
                _ => (3, 3),
            };
            let cells = tile(&mut rng, corigin, (cw * 0.96, ch * 0.96), gcols, grows);
            for (gi, poly) in cells.into_iter().enumerate() {
                grid_count += 1;
                let gcode = format!("{}{:03}", com.code, gi + 1);
                let gtype = if is_park {
                    GridType::ParkBusiness
                } else if gi == 0 && rng.range(0, 9) == 0 {
                    GridType::Organisation
                } else if rng.range(0, 3) == 0 {
                    GridType::BuildingUnit
                } else {
                    GridType::Geographic
                };
                let gname = format!("{}第{}网格", com.name, gi + 1);
                new_units.push(NewUnit {
                    code: gcode.clone(),
                    kind: UnitKind::Grid,
                    name: gname.clone(),
                    official_name: gname,
                    parent_code: Some(com.code.clone()),
                    grid_type: Some(gtype),
                    boundary: Some(poly),
                    address: None,
                });
                if first_grid.is_none() {
                    first_grid = Some(gcode.clone());
                }
                posts.push((
                    gcode.clone(),
                    PostTitle::GridChief,
                    person_name(&mut rng),
                    phone(&mut rng),
                ));
                posts.push((
                    gcode.clone(),
                    PostTitle::GridWorker,
                    person_name(&mut rng),
                    phone(&mut rng),
                ));
                let estates = if is_village || is_park {
                    1
                } else {
                    estates_per_grid
                };
                for ei in 0..estates {
                    let ecode = format!("{gcode}{:02}", ei + 1);
                    let ename = if is_village {
                        format!("{}组", rng.range(1, 9))
                    } else {
                        format!("{}{}", rng.pick(ESTATE_WORDS), rng.pick(ESTATE_SUFFIX))
                    };
                    new_units.push(NewUnit {
                        code: ecode.clone(),
                        kind: UnitKind::Estate,
                        name: ename.clone(),
                        official_name: ename.clone(),
                        parent_code: Some(gcode.clone()),
                        grid_type: None,
                        boundary: None,
                        address: Some(format!("乌海市海勃湾区{}{}", com.name, ename)),
                    });
                    posts.push((
                        ecode.clone(),
                        PostTitle::EstateChief,
                        person_name(&mut rng),
                        phone(&mut rng),
                    ));
                    let buildings = if is_village {
                        rng.range(3, 6)
                    } else {
                        rng.range(2, 6)
                    };
                    for bi in 0..buildings {
                        let bcode = format!("{ecode}{:03}", bi + 1);
                        let bname = format!("{}号楼", bi + 1);
                        new_units.push(NewUnit {
                            code: bcode.clone(),
                            kind: UnitKind::Building,
                            name: bname.clone(),
                            official_name: bname.clone(),
                            parent_code: Some(ecode.clone()),
                            grid_type: None,
                            boundary: None,
                            address: None,
                        });
                        posts.push((
                            bcode.clone(),
                            PostTitle::BuildingChief,
                            person_name(&mut rng),
                            phone(&mut rng),
                        ));
                        let units = if is_village { 1 } else { rng.range(1, 3) };
                        for ui in 0..units {
                            let ucode = format!("{bcode}{:02}", ui + 1);
                            let uname = format!("{}单元", ui + 1);
                            new_units.push(NewUnit {
                                code: ucode.clone(),
                                kind: UnitKind::Unit,
                                name: uname.clone(),
                                official_name: uname.clone(),
                                parent_code: Some(bcode.clone()),
                                grid_type: None,
                                boundary: None,
                                address: None,
                            });
                            posts.push((
                                ucode.clone(),
                                PostTitle::UnitChief,
                                person_name(&mut rng),
                                phone(&mut rng),
                            ));
                            if is_village {
                                village_units
                                    .push((ucode.clone(), format!("{ename}{bname}{uname}")));
                            }
                            let floors = if is_village {
                                1
                            } else {
                                // Below scale 1 the buildings get lower, so small demos stay small.
                                ((rng.range(5, 7) as f64 * opts.scale.min(1.0)).round() as u64)
                                    .max(1)
                            };
                            let per_floor = if is_village { rng.range(4, 8) } else { 2 };
                            for f in 1..=floors {
                                for d in 1..=per_floor {
                                    let room = format!("{f}{d:02}");
                                    if first_household_room.is_none() {
                                        first_household_room = Some((ucode.clone(), room.clone()));
                                    }
                                    // 8% vacant dwellings.
                                    if rng.range(0, 99) < 8 {
                                        continue;
                                    }
                                    let address = format!("{ename}{bname}{uname}{room}室");
                                    let dwelling = if rng.range(0, 9) < 2 { "rent" } else { "own" };
                                    let size = match rng.range(0, 99) {
                                        0..=17 => 1,
                                        18..=49 => 2,
                                        50..=79 => 3,
                                        80..=93 => 4,
                                        _ => 5,
                                    };
                                    let surname = rng.pick(SURNAMES).to_string();
                                    for m in 0..size {
                                        let resident = demo_person(
                                            ctx,
                                            &labels,
                                            &mut rng,
                                            &mut seq,
                                            &mut issued,
                                            m,
                                            size,
                                            &surname,
                                        )?;
                                        people.push(PersonImport {
                                            unit_code: ucode.clone(),
                                            room: room.clone(),
                                            address: address.clone(),
                                            dwelling: dwelling.to_string(),
                                            resident,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // The seed's 94.7% urbanisation rate: the rural population (in villages) is sized
    // so the share living in urban communities comes out at 94.7%.
    fit_urbanisation(
        ctx,
        &labels,
        &mut rng,
        &mut seq,
        &mut issued,
        &village_units,
        &mut people,
    )?;
    units_created += new_units.len() as u64;
    let audit = ctx
        .event(
            &system,
            "demo.load",
            "org_unit",
            &district.code,
            &district.path,
        )
        .after(
            serde_json::json!({"units": new_units.len(), "seed": opts.seed, "scale": opts.scale}),
        );
    let residents_n = people.len() as u64;
    let (households, residents) = ctx.people.import_people(new_units, people, audit).await?;
    debug_assert_eq!(residents, residents_n);
    let posts_n = posts.len() as u64;
    let audit = ctx
        .event(
            &system,
            "demo.posts",
            "org_unit",
            &district.code,
            &district.path,
        )
        .after(serde_json::json!({"posts": posts_n}));
    ctx.org.insert_posts(posts, ctx.now_ms(), audit).await?;

    // Departments first: the department accounts belong to them.
    let departments = crate::appeals::demo::load_departments(ctx, &mut rng).await?;
    let accounts = accounts(
        ctx,
        first_grid.as_deref(),
        first_household_room,
        &departments,
    )
    .await?;
    let appeals = crate::appeals::demo::load_history(
        ctx,
        &mut rng,
        &crate::appeals::demo::HistoryOptions {
            residents,
            departments: &departments,
        },
    )
    .await?;
    let party = crate::party::demo::load(ctx, &mut rng, opts).await?;
    let workforce = crate::workforce::demo::load(ctx, &mut rng, opts).await?;
    let network = crate::network::demo::load(ctx, &mut rng, opts).await?;
    let lists = crate::lists::demo::load(ctx, &mut rng, opts).await?;
    Ok(DemoReport {
        lists,
        network,
        party,
        workforce,
        units: units_created,
        grids: grid_count,
        households,
        residents,
        posts: posts_n,
        accounts,
        appeals,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn accounts(
    ctx: &Ctx,
    first_grid: Option<&str>,
    first_room: Option<(String, String)>,
    departments: &crate::appeals::demo::DemoDepartments,
) -> Result<Vec<DemoAccount>> {
    let system = Actor::system();
    let find = |code: &'static str| async move {
        ctx.org
            .unit_by_code(code)
            .await?
            .ok_or(DomainError::NotFound("unit"))
    };
    let district = find("150302").await?;
    let sub = find("150302001").await?;
    let com = find("150302001002").await?;
    let grid = ctx
        .org
        .unit_by_code(first_grid.unwrap_or("150302001002001"))
        .await?
        .ok_or(DomainError::NotFound("unit"))?;
    let household = match first_room {
        Some((ucode, room)) => {
            let unit = ctx
                .org
                .unit_by_code(&ucode)
                .await?
                .ok_or(DomainError::NotFound("unit"))?;
            ctx.people
                .households_of_unit(unit.id)
                .await?
                .into_iter()
                .find(|h| h.room == room)
                .or(ctx
                    .people
                    .households_of_unit(unit.id)
                    .await?
                    .into_iter()
                    .next())
        }
        None => None,
    };
    let hash = crate::auth::service::hash_password(DEMO_PASSWORD)?;
    let swj = departments.id("swj");
    let company = departments
        .first_company
        .and_then(|id| departments.companies.iter().find(|d| d.id == id));
    let wuye_name = company.map_or("物业公司客服（演示）".to_string(), |c| {
        format!("{}客服", c.name)
    });
    type Plan<'a> = (
        &'a str,
        &'a str,
        Role,
        &'a crate::org::OrgUnit,
        Option<i64>,
        Option<i64>,
    );
    let plan: Vec<Plan> = vec![
        (
            "admin",
            "区级管理员（演示）",
            Role::DistrictAdmin,
            &district,
            None,
            None,
        ),
        (
            "jiedao",
            "凤凰岭街道工作人员",
            Role::SubdistrictStaff,
            &sub,
            None,
            None,
        ),
        (
            "shequ",
            "和平社区工作人员",
            Role::CommunityStaff,
            &com,
            None,
            None,
        ),
        (
            "wangge",
            "和平社区第1网格网格员",
            Role::GridWorker,
            &grid,
            None,
            None,
        ),
        (
            "bumen",
            "区水务局承办人",
            Role::DepartmentHandler,
            &district,
            None,
            swj,
        ),
        (
            "jumin",
            "居民（演示）",
            Role::Resident,
            &grid,
            household.as_ref().map(|h| h.id),
            None,
        ),
        (
            "shenji",
            "审计员（演示）",
            Role::Auditor,
            &district,
            None,
            None,
        ),
        (
            "rexian",
            "12345热线坐席（演示）",
            Role::HotlineOperator,
            &district,
            None,
            None,
        ),
        (
            "wuye",
            &wuye_name,
            Role::PropertyCompany,
            &district,
            None,
            company.map(|c| c.id),
        ),
    ];
    let mut out = Vec::new();
    for (login, name, role, unit, household_id, department_id) in plan {
        let audit = ctx
            .event(&system, "auth.create_user", "user", login, &unit.path)
            .after(serde_json::json!({"login": login, "role": role.as_str(), "scope": unit.code}));
        ctx.auth
            .insert_user(
                NewUser {
                    login: login.into(),
                    display_name: name.into(),
                    password_hash: hash.clone(),
                    role,
                    scope_unit_id: unit.id,
                    household_id,
                    department_id,
                },
                audit,
            )
            .await?;
        out.push(DemoAccount {
            login: login.into(),
            password: DEMO_PASSWORD.into(),
            role,
            scope: unit.name.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiceng_formats::geo::validate_ring;

    #[test]
    fn rng_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(8);
            (0..5).map(|_| r.next_u64()).collect::<Vec<_>>()
        });
    }

    #[test]
    fn tiles_are_valid_and_cover_the_block() {
        let mut rng = Rng::new(1);
        let cells = tile(&mut rng, (106.8, 39.6), (0.01, 0.01), 3, 3);
        assert_eq!(cells.len(), 9);
        let total: f64 = cells.iter().map(|c| c.area()).sum();
        assert!(
            (total - 0.0001).abs() < 1e-9,
            "tiles cover the block: {total}"
        );
        for c in &cells {
            assert!(validate_ring(&c.exterior).is_ok());
        }
        // Every point of the block lies in exactly one tile.
        for i in 0..50 {
            for j in 0..50 {
                let p = Point {
                    x: 106.8 + 0.0001 + i as f64 * 0.000196,
                    y: 39.6 + 0.0001 + j as f64 * 0.000196,
                };
                let n = cells.iter().filter(|c| c.contains(p)).count();
                assert!(n <= 1, "point in {n} tiles");
            }
        }
    }

    #[test]
    fn demo_ids_are_valid() {
        let mut rng = Rng::new(3);
        for seq in 1..3000u32 {
            let b = birth(&mut rng, 1, 95);
            let region: &str = rng.pick::<&str>(REGIONS);
            let id = idcard::make(region, b, seq % 1000);
            assert!(idcard::parse(&id).is_ok(), "{id}");
        }
    }
}
