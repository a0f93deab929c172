//! Demo data of the three lists for Haibowan: needs across every community (助老送餐,
//! 理发义剪, 法律咨询, 家电维修, 课业辅导, 心理疏导, 环境整治 …) recorded over the last
//! half year, resources of units, merchants, social organisations and volunteers
//! beside the party members' commitments and alliance resources (mirrored in), one
//! engine run with most proposals accepted into projects and a few rejected, and the
//! projects' milestones, progress, results with photos and residents' ratings.
//!
//! 和平社区 keeps a party member's service with spare capacity, and 王格's grid (the
//! `wangge` demo account) an open need it can meet, for the walk-through.

use std::collections::HashMap;

use jiceng_core::{Actor, Result};

use super::model::*;
use super::service::{self, community_path};
use crate::Ctx;
use crate::appeals::NewPhoto;
use crate::demo::{DemoOptions, Rng, person_name};
use crate::org::{OrgUnit, UnitKind};

const DAY_MS: i64 = 86_400_000;

/// (category, titles, beneficiary, quantity range, week, time window)
type NeedKind = (
    &'static str,
    &'static [&'static str],
    &'static str,
    (u64, u64),
    &'static [u8],
    (&'static str, &'static str),
);

const NEED_KINDS: &[NeedKind] = &[
    (
        "meals",
        &["独居老人午餐送餐", "高龄老人每日送餐上门", "失能老人助餐"],
        "独居老人",
        (8, 22),
        &[1, 2, 3, 4, 5],
        ("11:00", "13:00"),
    ),
    (
        "haircut",
        &["行动不便老人上门理发", "高龄老人义剪", "残疾人上门理发"],
        "高龄老人",
        (2, 8),
        &[],
        ("09:00", "17:00"),
    ),
    (
        "legal",
        &["物业纠纷法律咨询", "赡养纠纷法律援助", "劳动争议法律咨询"],
        "有法律需求的居民",
        (1, 4),
        &[1, 2, 3, 4, 5],
        ("14:00", "18:00"),
    ),
    (
        "repair",
        &[
            "老旧家电义务维修",
            "困难家庭电器检修",
            "独居老人家中水电维修",
        ],
        "困难家庭",
        (2, 8),
        &[6, 7],
        ("09:00", "12:00"),
    ),
    (
        "tutoring",
        &[
            "双职工家庭孩子课后作业辅导",
            "留守儿童周末课业辅导",
            "初中生数学辅导",
        ],
        "双职工家庭的孩子",
        (4, 16),
        &[6, 7],
        ("09:00", "11:30"),
    ),
    (
        "counselling",
        &["空巢老人心理疏导", "失独家庭心理关怀", "青少年心理辅导"],
        "空巢老人",
        (2, 6),
        &[2, 4],
        ("14:30", "17:30"),
    ),
    (
        "environment",
        &["楼道堆物清理", "小区绿地垃圾清理", "背街小巷环境整治"],
        "全楼居民",
        (1, 4),
        &[6],
        ("08:30", "12:00"),
    ),
    (
        "medical",
        &[
            "慢病老人上门测血压血糖",
            "老年人健康义诊",
            "行动不便老人送药上门",
        ],
        "慢病老人",
        (2, 10),
        &[1, 3, 5],
        ("08:30", "12:00"),
    ),
    (
        "elderly",
        &["独居老人定期探访", "高龄老人陪同就医", "独居老人代购代办"],
        "独居老人",
        (4, 12),
        &[],
        ("09:00", "17:00"),
    ),
    (
        "employment",
        &[
            "失业人员就业技能培训",
            "零就业家庭岗位对接",
            "退役军人就业帮扶",
        ],
        "失业人员",
        (2, 8),
        &[1, 2, 3, 4, 5],
        ("09:00", "17:00"),
    ),
    (
        "culture",
        &[
            "老年合唱队活动场地",
            "社区广场舞队伍指导",
            "青少年暑期阅读活动",
        ],
        "社区文体队伍",
        (2, 8),
        &[6, 7],
        ("19:00", "21:00"),
    ),
    (
        "policy",
        &["医保养老政策宣讲", "惠民补贴政策解读", "反诈宣传进楼栋"],
        "老年居民",
        (1, 3),
        &[],
        ("09:00", "11:30"),
    ),
    (
        "mediation",
        &["邻里噪音纠纷调解", "停车位纠纷调解", "漏水纠纷调解"],
        "当事居民",
        (1, 3),
        &[],
        ("09:00", "17:00"),
    ),
];

/// Own resources: (kind, provider, name, category, capacity range, radius m, week, time, cost yuan).
type ResKind = (
    ProviderKind,
    &'static str,
    &'static str,
    &'static str,
    (u64, u64),
    i64,
    &'static [u8],
    (&'static str, &'static str),
    i64,
);

const RESOURCES: &[ResKind] = &[
    (
        ProviderKind::Merchant,
        "{c}爱心助老食堂",
        "老年助餐送餐",
        "meals",
        (60, 200),
        2000,
        &[1, 2, 3, 4, 5, 6, 7],
        ("10:30", "13:30"),
        0,
    ),
    (
        ProviderKind::Merchant,
        "小城理发店",
        "上门义剪",
        "haircut",
        (10, 30),
        2500,
        &[1, 3],
        ("09:00", "17:00"),
        0,
    ),
    (
        ProviderKind::Merchant,
        "{c}家电维修部",
        "家电义务维修",
        "repair",
        (10, 30),
        3000,
        &[6, 7],
        ("08:30", "17:30"),
        0,
    ),
    (
        ProviderKind::ResidentUnit,
        "海勃湾区法律援助中心",
        "法律援助与咨询",
        "legal",
        (20, 40),
        6000,
        &[1, 2, 3, 4, 5],
        ("09:00", "17:30"),
        0,
    ),
    (
        ProviderKind::ResidentUnit,
        "乌海市第六中学",
        "教师志愿辅导",
        "tutoring",
        (20, 50),
        3500,
        &[6, 7],
        ("08:30", "11:30"),
        0,
    ),
    (
        ProviderKind::ResidentUnit,
        "海勃湾区人民医院",
        "家庭医生上门服务",
        "medical",
        (20, 60),
        5000,
        &[1, 3, 5],
        ("08:00", "12:00"),
        0,
    ),
    (
        ProviderKind::SocialOrg,
        "乌海市心语社会工作服务中心",
        "心理疏导与关怀",
        "counselling",
        (10, 30),
        8000,
        &[2, 4],
        ("14:00", "18:00"),
        0,
    ),
    (
        ProviderKind::SocialOrg,
        "海勃湾区夕阳红养老服务中心",
        "居家养老上门服务",
        "elderly",
        (30, 80),
        4000,
        &[1, 2, 3, 4, 5, 6, 7],
        ("08:00", "18:00"),
        15,
    ),
    (
        ProviderKind::Volunteer,
        "{c}志愿服务队",
        "环境整治志愿服务",
        "environment",
        (8, 20),
        2000,
        &[6, 7],
        ("08:00", "12:00"),
        0,
    ),
    (
        ProviderKind::Volunteer,
        "{c}巾帼志愿服务队",
        "独居老人探访",
        "elderly",
        (10, 30),
        2000,
        &[],
        ("09:00", "17:00"),
        0,
    ),
    (
        ProviderKind::CoBuilding,
        "乌海市人力资源和社会保障局",
        "就业技能培训",
        "employment",
        (20, 60),
        15000,
        &[1, 2, 3, 4, 5],
        ("09:00", "17:00"),
        0,
    ),
    (
        ProviderKind::CoBuilding,
        "海勃湾区司法局",
        "人民调解",
        "mediation",
        (10, 30),
        6000,
        &[1, 2, 3, 4, 5],
        ("09:00", "17:30"),
        0,
    ),
    (
        ProviderKind::SocialOrg,
        "乌海市青少年宫",
        "青少年文体活动",
        "culture",
        (10, 40),
        8000,
        &[6, 7],
        ("09:00", "17:00"),
        0,
    ),
    (
        ProviderKind::Merchant,
        "万达广场物业",
        "活动场地",
        "venue",
        (4, 10),
        4000,
        &[1, 2, 3, 4, 5, 6, 7],
        ("09:00", "21:00"),
        0,
    ),
];

const REJECT_NOTES: &[&str] = &[
    "服务时间与老人作息不符",
    "距离较远，老人不便",
    "该商户本月已满负荷",
    "居民希望由社区医生提供",
];

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A small PNG standing for a result photo: a warm gradient with a red band (stored
/// deflate blocks, no compression library needed).
fn photo(seed: u64) -> Vec<u8> {
    let (w, h) = (96u32, 64u32);
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            let band = (y as u64 + seed * 7) % 64 < 10;
            let (r, g, b) = if band {
                (183, 28, 28)
            } else {
                (
                    (230 - x / 3) as u8,
                    (200 - y) as u8,
                    (140 + ((x + y + seed as u32) % 60)) as u8,
                )
            };
            raw.extend_from_slice(&[r, g, b]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, c) in chunks.iter().enumerate() {
        z.push(u8::from(i + 1 == chunks.len()));
        let len = c.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = vec![];
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    out
}

fn date_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| {
            d.with_timezone(&jiceng_core::clock::china())
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

pub async fn load(ctx: &Ctx, rng: &mut Rng, opts: DemoOptions) -> Result<serde_json::Value> {
    let sys = Actor::system();
    let now = ctx.now_ms();
    // Party members' commitments and alliance resources come in as resources.
    let (mirrored, _, _) = service::sync_party_resources(ctx, &sys).await?;

    let Some(district) = ctx.org.roots().await?.into_iter().next() else {
        return Ok(serde_json::json!({}));
    };
    let communities: Vec<OrgUnit> = ctx
        .org
        .units_in(&district.path, UnitKind::Community, 1_000)
        .await?
        .into_iter()
        .filter(|c| !c.official_name.contains("虚拟"))
        .collect();
    let grids = ctx
        .org
        .units_in(&district.path, UnitKind::Grid, 100_000)
        .await?;
    let mut grids_of: HashMap<String, Vec<&OrgUnit>> = HashMap::new();
    for g in &grids {
        if g.boundary.is_some()
            && let Some(cp) = community_path(&g.path)
        {
            grids_of.entry(cp).or_default().push(g);
        }
    }
    let communities: Vec<&OrgUnit> = communities
        .iter()
        .filter(|c| grids_of.contains_key(&c.path))
        .collect();
    if communities.is_empty() {
        return Ok(serde_json::json!({}));
    }

    // The walk-through community and grid, and the party member's service kept free there.
    let heping = ctx.org.unit_by_code("150302001002").await?;
    let wangge_grid = match ctx.auth.user_by_login("wangge").await? {
        Some(u) => ctx.org.unit(u.scope_unit_id).await?,
        None => ctx.org.unit_by_code("150302001002001").await?,
    };
    let resources = ctx.lists.resources(true, 1_000_000).await?;
    let showcase = heping.as_ref().and_then(|h| {
        resources
            .iter()
            .filter(|r| r.source == ResourceSource::Commitment && r.path.starts_with(&h.path))
            .filter(|r| NEED_KINDS.iter().any(|k| k.0 == r.category))
            .max_by_key(|r| (r.capacity, -r.id))
            .cloned()
    });

    // Own resources: 50–150 of units, merchants, social organisations, volunteers.
    let n_res = ((90.0 * opts.scale.sqrt()).round() as usize).clamp(50, 150);
    let mut own = 0;
    for k in 0..n_res {
        let (kind, provider, name, cat, (lo, hi), radius, days, (tf, tt), cost) =
            RESOURCES[k % RESOURCES.len()];
        let com = *rng.pick(&communities);
        let base: &OrgUnit = if provider.contains("{c}") {
            com
        } else {
            grids_of.get(&com.path).map(|g| *rng.pick(g)).unwrap_or(com)
        };
        let Some((lon, lat)) = service::location(ctx, base).await? else {
            continue;
        };
        let provider = provider.replace("{c}", &com.name);
        let new = NewResource {
            source: ResourceSource::Own,
            source_id: None,
            provider_kind: kind,
            provider: provider.clone(),
            party_org_id: None,
            name: name.to_string(),
            category: cat.to_string(),
            detail: format!("{provider}提供的{name}"),
            capacity: rng.range(lo, hi) as i64,
            period: "month".into(),
            unit_id: base.id,
            path: base.path.clone(),
            lon,
            lat,
            radius_m: radius,
            week: Week {
                weekdays: days.to_vec(),
                from: tf.into(),
                to: tt.into(),
            },
            date_from: String::new(),
            date_to: String::new(),
            cost_cents: cost * 100,
            contact: format!("0473-{}", rng.range(2_000_000, 3_999_999)),
            active: true,
        };
        let audit = ctx.event(&sys, "lists.add_resource", "resource", 0, &base.path);
        ctx.lists.insert_resource(new, audit).await?;
        own += 1;
    }

    // Needs: 100 at the smallest scale, about 450 at scale 1, at most 600.
    let n_needs = ((450.0 * opts.scale.sqrt().min(1.34)).round() as usize).clamp(100, 600);
    let mut needs = 0;
    let cats = ctx.lists.categories().await?;
    for k in 0..n_needs {
        let com = *rng.pick(&communities);
        let mut kind = &NEED_KINDS[(k + rng.range(0, 3) as usize) % NEED_KINDS.len()];
        // 和平社区 leaves the showcase service to the walk-through need.
        if let (Some(s), Some(h)) = (&showcase, &heping)
            && com.id == h.id
            && kind.0 == s.category
        {
            kind = &NEED_KINDS[(k + 5) % NEED_KINDS.len()];
            if kind.0 == s.category {
                continue;
            }
        }
        let Some(gs) = grids_of.get(&com.path) else {
            continue;
        };
        let grid = *rng.pick(gs);
        let place = match ctx.org.children(grid.id, false).await?.first().cloned() {
            Some(estate) if rng.range(0, 2) > 0 => estate,
            _ => grid.clone(),
        };
        let (cat, titles, beneficiary, (lo, hi), days, (tf, tt)) = *kind;
        let created =
            now - rng.range(3, 200) as i64 * DAY_MS - rng.range(0, DAY_MS as u64 / 2) as i64;
        let source = *rng.pick(&[
            NeedSource::Grid,
            NeedSource::Grid,
            NeedSource::Staff,
            NeedSource::Resident,
        ]);
        let asker = person_name(rng);
        let who = match source {
            NeedSource::Grid => format!("{}网格员", grid.name),
            NeedSource::Staff => format!("{}工作人员", com.name),
            _ => asker.clone(),
        };
        let Some((lon, lat)) = service::location(ctx, &place).await? else {
            continue;
        };
        let title = format!("{}{}", place.name, rng.pick(titles));
        let new = NewNeed {
            category: cat.to_string(),
            title: title.chars().take(60).collect(),
            detail: String::new(),
            unit_id: place.id,
            path: place.path.clone(),
            lon,
            lat,
            beneficiary: beneficiary.to_string(),
            beneficiaries: rng.range(1, 12) as i64,
            quantity: rng.range(lo, hi) as i64,
            date_from: date_of(created),
            date_to: date_of(created + rng.range(90, 240) as i64 * DAY_MS),
            week: Week {
                weekdays: days.to_vec(),
                from: tf.into(),
                to: tt.into(),
            },
            urgency: rng.range(1, 5) as i64,
            source,
            case_number: None,
            created_by: None,
            created_name: who,
            created_ms: created,
        };
        let mut audit = ctx.event(&sys, "lists.record_need", "need", 0, &place.path);
        audit.at_ms = created;
        ctx.lists.insert_need(new, &asker, audit).await?;
        needs += 1;
    }

    // The walk-through need in the grid worker's grid, met by the showcase service.
    let mut walk_need = None;
    if let (Some(s), Some(g)) = (&showcase, &wangge_grid)
        && let Some((lon, lat)) = service::location(ctx, g).await?
    {
        let title = cats
            .iter()
            .find(|c| c.code == s.category)
            .map(|c| format!("{}居民{}需求", g.name, c.name_zh))
            .unwrap_or_else(|| format!("{}居民服务需求", g.name));
        let mut audit = ctx.event(&sys, "lists.record_need", "need", 0, &g.path);
        audit.at_ms = now - 2 * DAY_MS;
        let n = ctx
            .lists
            .insert_need(
                NewNeed {
                    category: s.category.clone(),
                    title,
                    detail: "网格员入户走访收集".into(),
                    unit_id: g.id,
                    path: g.path.clone(),
                    lon,
                    lat,
                    beneficiary: "独居老人".into(),
                    beneficiaries: 2,
                    quantity: 2.min(s.capacity).max(1),
                    date_from: date_of(now - 2 * DAY_MS),
                    date_to: date_of(now + 120 * DAY_MS),
                    week: s.week.clone(),
                    urgency: 4,
                    source: NeedSource::Grid,
                    case_number: None,
                    created_by: None,
                    created_name: format!("{}网格员", g.name),
                    created_ms: now - 2 * DAY_MS,
                },
                "网格员入户走访",
                audit,
            )
            .await?;
        walk_need = Some(n.id);
        needs += 1;
    }

    // One engine run over the district.
    let run = service::run_engine(ctx, &sys, None).await?;
    let proposals = ctx
        .lists
        .matches(&MatchQuery {
            path: "/".into(),
            status: Some(MatchStatus::Proposed),
            limit: 1_000_000,
            ..Default::default()
        })
        .await?;
    let cap = (n_needs / 10).clamp(20, 60);
    let mut projects: HashMap<(String, String), i64> = HashMap::new();
    let mut accepted = 0;
    let mut rejected = 0;
    let mut proposal_list = proposals;
    proposal_list.sort_by_key(|m| m.id);
    for m in proposal_list {
        if Some(m.need_id) == walk_need {
            continue;
        }
        let roll = rng.range(0, 99);
        let Some(need) = ctx.lists.need(m.need_id).await? else {
            continue;
        };
        let at = (need.created_ms + rng.range(1, 20) as i64 * DAY_MS).min(now - DAY_MS);
        if roll < 6 {
            let note = *rng.pick(REJECT_NOTES);
            let mut audit = ctx.event(&sys, "lists.reject", "match", m.id, &m.need_path);
            audit.at_ms = at;
            ctx.lists.reject(m.id, "shequ", note, at, audit).await?;
            rejected += 1;
            continue;
        }
        if roll >= 92 {
            continue;
        }
        let Some(cp) = community_path(&need.path) else {
            continue;
        };
        let key = (cp.clone(), need.category.clone());
        let sub = service::subdistrict_path(&cp).unwrap_or_default();
        let nearby = projects
            .iter()
            .filter(|((c, k), _)| c.starts_with(&sub) && *k == need.category)
            .map(|(_, &p)| p)
            .min();
        let choice = match (projects.get(&key), nearby) {
            (Some(&pid), _) => ProjectChoice::Existing(pid),
            (None, Some(pid)) if projects.len() >= cap => ProjectChoice::Existing(pid),
            (None, _) if projects.len() < 60 => {
                let Some(res) = ctx.lists.resource(m.resource_id).await? else {
                    continue;
                };
                let code = crate::org::rules::path_codes(&cp).pop().unwrap_or_default();
                let Some(com) = ctx.org.unit_by_code(&code).await? else {
                    continue;
                };
                let cat_name = cats
                    .iter()
                    .find(|c| c.code == need.category)
                    .map(|c| c.name_zh.clone())
                    .unwrap_or_default();
                let owner = match res.party_org_id {
                    Some(o) => ctx.party.org(o).await?.map(|o| o.name),
                    None => None,
                }
                .unwrap_or_else(|| res.provider.clone());
                let start = date_of(at);
                let due = |d: i64| date_of(at + d * DAY_MS);
                ProjectChoice::New(
                    Box::new(NewProject {
                        title: format!("{}“党支部+{}”项目", com.name, cat_name),
                        category: need.category.clone(),
                        unit_id: com.id,
                        path: com.path.clone(),
                        owner_name: owner,
                        owner_party_org_id: res.party_org_id,
                        participants: res.provider.clone(),
                        description: format!("{}：{}", need.beneficiary, res.name),
                        budget_planned_cents: rng.range(20, 300) as i64 * 10_000,
                        started_on: start,
                        created_ms: at,
                    }),
                    vec![
                        ("需求对接确认".into(), due(0)),
                        ("服务团队组建".into(), due(10)),
                        ("首轮服务实施".into(), due(30)),
                        ("居民评议与总结".into(), due(75)),
                    ],
                )
            }
            _ => continue,
        };
        let mut audit = ctx.event(&sys, "lists.accept", "match", m.id, &m.need_path);
        audit.at_ms = at;
        match ctx.lists.accept(m.id, "shequ", at, choice, audit).await {
            Ok(done) => {
                accepted += 1;
                if let Some(pid) = done.project_id
                    && !projects.values().any(|&p| p == pid)
                {
                    projects.insert(key, pid);
                }
            }
            Err(jiceng_core::DomainError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }

    // Progress, budgets, milestones, results with photos and residents' ratings.
    let mut outcomes = 0;
    let mut ratings = 0;
    let mut done_projects = 0;
    let mut ids: Vec<i64> = projects.values().copied().collect();
    ids.sort_unstable();
    for pid in ids {
        let Some(p) = ctx.lists.project(pid).await? else {
            continue;
        };
        let age_days = ((now - p.created_ms) / DAY_MS).max(0);
        let progress = (age_days * 100 / 90).clamp(10, 100);
        let finished = progress >= 100 && rng.range(0, 9) < 7;
        let milestones = ctx.lists.milestones(pid).await?;
        for ms in &milestones {
            let due = super::rules::day_number(&ms.due_on).unwrap_or(0) as i64 * DAY_MS;
            if due <= now - DAY_MS {
                let mut audit =
                    ctx.event(&sys, "lists.milestone_done", "milestone", ms.id, &p.path);
                audit.at_ms = due;
                ctx.lists
                    .set_milestone_done(ms.id, Some(&ms.due_on), audit)
                    .await?;
            }
        }
        if progress >= 30 {
            let n = if progress >= 80 { 2 } else { 1 };
            for k in 0..n {
                let at = (p.created_ms + (k + 1) * rng.range(12, 35) as i64 * DAY_MS)
                    .min(now - 3_600_000);
                let text = if k == 0 {
                    format!(
                        "首轮服务完成，{}居民受益，服务对象反映良好。",
                        rng.range(5, 40)
                    )
                } else {
                    format!("累计开展服务{}次，形成长效服务机制。", rng.range(8, 40))
                };
                let mut audit = ctx.event(&sys, "lists.add_outcome", "project", pid, &p.path);
                audit.at_ms = at;
                ctx.lists
                    .add_outcome(
                        pid,
                        &text,
                        &format!("{}工作人员", p.unit_name),
                        at,
                        vec![NewPhoto {
                            content_type: "image/png".into(),
                            bytes: photo(pid as u64 + k as u64),
                        }],
                        audit,
                    )
                    .await?;
                outcomes += 1;
            }
            // 民评: residents without accounts carry the negative of their sequence.
            for k in 0..rng.range(0, 6) {
                let stars = *rng.pick(&[5, 5, 5, 4, 4, 4, 3, 5, 4, 2]);
                let comment = *rng.pick(&[
                    "服务很贴心，谢谢社区",
                    "希望能长期坚持",
                    "志愿者很耐心",
                    "时间安排再灵活些就更好了",
                    "解决了我家的大难题",
                ]);
                let name = person_name(rng);
                let at = (p.created_ms + rng.range(20, 80) as i64 * DAY_MS).min(now - 60_000);
                let mut audit = ctx.event(&sys, "lists.rate", "project", pid, &p.path);
                audit.at_ms = at;
                ctx.lists
                    .rate(
                        pid,
                        -(pid * 100 + k as i64 + 1),
                        &name,
                        stars,
                        comment,
                        at,
                        audit,
                    )
                    .await?;
                ratings += 1;
            }
        }
        let spent = p.budget_planned_cents * progress / 100 * rng.range(80, 105) as i64 / 100;
        let patch = ProjectPatch {
            progress: if finished { 100 } else { progress.min(95) },
            budget_spent_cents: spent.min(p.budget_planned_cents),
            budget_planned_cents: p.budget_planned_cents,
            participants: p.participants.clone(),
            status: if finished {
                ProjectStatus::Done
            } else {
                ProjectStatus::Active
            },
            finished_on: finished.then(|| date_of((p.created_ms + 90 * DAY_MS).min(now))),
        };
        if finished {
            done_projects += 1;
        }
        let audit = ctx.event(&sys, "lists.project_progress", "project", pid, &p.path);
        ctx.lists
            .update_project(pid, p.version, patch, audit)
            .await?;
    }

    Ok(serde_json::json!({
        "resources_mirrored": mirrored,
        "resources_own": own,
        "needs": needs,
        "engine": {"needs": run.needs, "resources": run.resources, "edges": run.edges, "proposals": run.proposals, "total_value": run.total_value},
        "accepted": accepted,
        "rejected": rejected,
        "projects": projects.len(),
        "projects_done": done_projects,
        "results": outcomes,
        "ratings": ratings,
        "walk_through_need": walk_need,
    }))
}
