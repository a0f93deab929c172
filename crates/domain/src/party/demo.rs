//! The demo district's party organisation system: the 区委, one 党工委 per sub-district
//! (千里山镇党委, 海勃湾产业园党工委), each community's 党委 or 党总支 with its 党支部 and
//! 党小组, unit / sector / non-public / social-organisation party organisations, the
//! two committees of every community, party members (in-service members reporting to
//! the community where they live, with their service commitments), and the alliances
//! with their members, agreements, activities and shared resources.
//!
//! Deterministic: everything is drawn from the demo's [`Rng`].

use chrono::{Duration, NaiveDate};
use jiceng_core::{Actor, Result, idcard, mask};

use super::model::*;
use crate::Ctx;
use crate::demo::{DemoOptions, Rng, person_name, phone};
use crate::org::{OrgUnit, UnitKind};

const CN_NUM: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Brand of each sub-district's alliance (by sub-district code).
const BRANDS: &[(&str, &str)] = &[
    ("150302001", "红色凤岭"),
    ("150302002", "海北同心"),
    ("150302003", "新华先锋"),
    ("150302004", "西岸红心"),
    ("150302007", "滨河红帆"),
    ("150302008", "林荫红枫"),
    ("150302101", "千里红山"),
    ("150302400", "园区红链"),
];

/// Units based in the area (驻区单位).
const RESIDENT_UNITS: &[&str] = &[
    "乌海市人民医院",
    "海勃湾区人民医院",
    "乌海市第一中学",
    "海勃湾区第六小学",
    "国网乌海供电公司",
    "中国银行乌海分行",
    "乌海市公安局海勃湾区分局",
    "海勃湾区消防救援大队",
    "乌海市图书馆",
    "乌海职业技术学院",
    "中国移动乌海分公司",
    "乌海市自来水公司",
    "海勃湾区税务局",
    "乌海市妇幼保健院",
];
const NON_PUBLIC: &[&str] = &[
    "乌海市鑫达商贸有限公司",
    "乌海市恒泰物业服务有限公司",
    "乌海市万家福超市有限公司",
    "内蒙古黄河能源科技有限公司",
    "乌海市金沙湾建筑工程有限公司",
    "乌海市利民物流有限公司",
    "乌海市福源餐饮有限公司",
    "乌海市康源医药连锁有限公司",
];
const SOCIAL: &[&str] = &[
    "海勃湾区社会工作协会",
    "海勃湾区志愿者协会",
    "乌海市爱心公益服务中心",
    "海勃湾区老年人协会",
    "乌海市阳光社会工作服务中心",
    "海勃湾区书法家协会",
];
const MERCHANTS: &[&str] = &[
    "益家超市人民路店",
    "万达广场物业服务中心",
    "新华街老字号羊杂馆",
    "人民路药房",
    "滨河书屋",
    "黄河鲤鱼馆",
    "时光咖啡",
    "乌海蒙元酒店",
    "小城理发店",
    "乌海书城",
];

/// Service commitments: (category, description, capacity kind, capacity range).
const COMMITMENTS: &[(&str, &str, CapacityKind, (u64, u64))] = &[
    (
        "policy",
        "宣讲医保、养老等惠民政策",
        CapacityKind::HoursPerMonth,
        (2, 6),
    ),
    (
        "legal",
        "提供婚姻家庭、劳动纠纷法律咨询",
        CapacityKind::People,
        (4, 12),
    ),
    (
        "medical",
        "测量血压血糖、健康咨询",
        CapacityKind::People,
        (10, 40),
    ),
    (
        "elderly",
        "陪伴独居老人、代购代办",
        CapacityKind::HoursPerMonth,
        (4, 10),
    ),
    (
        "tutoring",
        "为社区学生辅导作业",
        CapacityKind::HoursPerMonth,
        (4, 12),
    ),
    (
        "culture",
        "组织书法、合唱等文体活动",
        CapacityKind::HoursPerMonth,
        (2, 8),
    ),
    (
        "environment",
        "参与楼院环境整治、垃圾分类引导",
        CapacityKind::HoursPerMonth,
        (2, 8),
    ),
    (
        "mediation",
        "协助调解邻里矛盾纠纷",
        CapacityKind::People,
        (2, 6),
    ),
    (
        "skills",
        "家电维修、水电小修",
        CapacityKind::People,
        (3, 10),
    ),
    (
        "employment",
        "就业信息推介与创业指导",
        CapacityKind::People,
        (3, 10),
    ),
];

/// Shared resources: (category, name template, capacity unit, capacity range).
const RESOURCES: &[(&str, &str, &str, (u64, u64))] = &[
    ("venue", "多功能活动室", "人", (30, 120)),
    ("venue", "会议室", "人", (15, 60)),
    ("equipment", "投影及音响设备", "套", (1, 3)),
    ("volunteers", "党员志愿服务队", "人", (10, 40)),
    ("professional", "义诊专家团队", "人次/月", (20, 80)),
    ("professional", "法律顾问", "小时/月", (4, 16)),
    ("training", "党员教育培训课堂", "人", (30, 100)),
    ("employment", "就业见习岗位", "个", (3, 20)),
    ("culture", "图书阅览角", "册", (500, 3000)),
    ("funds", "共建帮扶资金", "千元/年", (5, 50)),
];

const ACTIVITIES: &[(LinkType, &[&str])] = &[
    (
        LinkType::OrgJoint,
        &[
            "联合主题党日",
            "共建单位党支部书记联席会",
            "“两新”组织党建指导员进驻",
            "结对共建签约仪式",
        ],
    ),
    (
        LinkType::AreaLinkage,
        &[
            "联合开展安全生产大检查",
            "商圈消防应急演练",
            "背街小巷联合整治",
            "防汛应急联合演练",
        ],
    ),
    (
        LinkType::TeamCoManage,
        &[
            "在职党员进社区报到座谈",
            "网格员与党员志愿者联合培训",
            "党员先锋岗评议",
            "双报到党员考评反馈",
        ],
    ),
    (
        LinkType::Sharing,
        &[
            "共享活动阵地开放日",
            "爱心义诊进社区",
            "共享书屋读书会",
            "就业岗位对接会",
        ],
    ),
    (
        LinkType::MultiGovernance,
        &[
            "物业、业委会、居民三方议事会",
            "老旧小区改造居民协商会",
            "“民有所呼”协商议事",
            "邻里矛盾联合调解",
        ],
    ),
];

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn days_ago(today: NaiveDate, rng: &mut Rng, lo: u64, hi: u64) -> String {
    date_text(today - Duration::days(rng.range(lo, hi) as i64))
}

fn org(code: &str, name: &str, kind: OrgKind, unit: Option<i64>, founded: String) -> NewOrg {
    NewOrg {
        code: code.into(),
        name: name.into(),
        kind,
        parent_id: None,
        unit_id: unit,
        reach_unit_id: unit.unwrap_or(0),
        temporary: false,
        temp_reason: None,
        temp_end: None,
        founded_on: founded,
    }
}

fn street_name(u: &OrgUnit) -> String {
    match u.code.as_str() {
        "150302101" => "千里山镇党委".into(),
        "150302400" => "海勃湾产业园党工委".into(),
        _ => format!("{}党工委", u.name),
    }
}

fn short_sub(u: &OrgUnit) -> String {
    match u.code.as_str() {
        "150302400" => "海勃湾产业园".into(),
        _ => u.name.clone(),
    }
}

struct Plan {
    today: NaiveDate,
    orgs: Vec<(NewOrg, Option<String>)>,
    /// (org code, title, name, phone) for positions.
    posts: Vec<(String, PositionTitle, String, String, String)>,
}

impl Plan {
    fn add(&mut self, o: NewOrg, parent: Option<&str>) {
        self.orgs.push((o, parent.map(String::from)));
    }
    fn post_ago(
        &mut self,
        rng: &mut Rng,
        code: &str,
        title: PositionTitle,
        lo: u64,
        hi: u64,
    ) -> (String, String) {
        let since = days_ago(self.today, rng, lo, hi);
        self.post(rng, code, title, since)
    }
    fn post(
        &mut self,
        rng: &mut Rng,
        code: &str,
        title: PositionTitle,
        since: String,
    ) -> (String, String) {
        let (n, p) = (person_name(rng), phone(rng));
        self.posts
            .push((code.into(), title, n.clone(), p.clone(), since));
        (n, p)
    }
}

pub async fn load(ctx: &Ctx, rng: &mut Rng, opts: DemoOptions) -> Result<serde_json::Value> {
    let sys = Actor::system();
    let today = ctx
        .clock
        .now()
        .with_timezone(&jiceng_core::clock::china())
        .date_naive();
    let Some(district) = ctx.org.roots().await?.into_iter().next() else {
        return Ok(serde_json::json!({}));
    };
    let subs = ctx
        .org
        .units_in(&district.path, UnitKind::Subdistrict, 100)
        .await?;
    let mut plan = Plan {
        today,
        orgs: vec![],
        posts: vec![],
    };
    let root = format!("D{}", district.code);
    plan.add(
        org(
            &root,
            &format!("中共{}委员会", district.name),
            OrgKind::DistrictCommittee,
            Some(district.id),
            "1976-01-20".into(),
        ),
        None,
    );
    plan.post_ago(rng, &root, PositionTitle::Secretary, 400, 1500);
    plan.post_ago(rng, &root, PositionTitle::DeputySecretary, 300, 1500);
    // District-level unit, sector, non-public and social organisations.
    let mut work_orgs: Vec<String> = vec![];
    let unit_orgs = [
        ("U01", "乌海市第一中学党支部", OrgKind::UnitOrg),
        ("U02", "区市场监督管理局党支部", OrgKind::UnitOrg),
        ("U03", "区教育局机关党支部", OrgKind::UnitOrg),
        ("U04", "区卫生健康委员会党支部", OrgKind::UnitOrg),
        ("U05", "区人民医院党总支", OrgKind::UnitOrg),
        ("U06", "区城市管理综合执法局党支部", OrgKind::UnitOrg),
    ];
    for (suffix, name, kind) in unit_orgs {
        let code = format!("{root}.{suffix}");
        plan.add(
            org(&code, name, kind, None, days_ago(today, rng, 3000, 12000)),
            Some(&root),
        );
        plan.post_ago(rng, &code, PositionTitle::Secretary, 200, 2000);
        work_orgs.push(code);
    }
    let sector = format!("{root}.S01");
    plan.add(
        org(
            &sector,
            "海勃湾区物业行业党委",
            OrgKind::SectorOrg,
            None,
            "2019-06-28".into(),
        ),
        Some(&root),
    );
    plan.post_ago(rng, &sector, PositionTitle::Secretary, 300, 2000);
    for (i, n) in [
        "乌海市恒泰物业服务有限公司党支部",
        "乌海市嘉和物业服务有限公司党支部",
        "乌海市安居物业服务有限公司党支部",
    ]
    .iter()
    .enumerate()
    {
        let code = format!("{sector}.{:02}", i + 1);
        plan.add(
            org(
                &code,
                n,
                OrgKind::NonPublicOrg,
                None,
                days_ago(today, rng, 800, 2500),
            ),
            Some(&sector),
        );
        plan.post_ago(rng, &code, PositionTitle::Secretary, 200, 1500);
        work_orgs.push(code);
    }
    let sector2 = format!("{root}.S02");
    plan.add(
        org(
            &sector2,
            "海勃湾区商贸流通行业党委",
            OrgKind::SectorOrg,
            None,
            "2020-07-01".into(),
        ),
        Some(&root),
    );
    plan.post_ago(rng, &sector2, PositionTitle::Secretary, 300, 1500);

    let mut community_orgs: Vec<(OrgUnit, String, Vec<String>)> = vec![];
    let mut street_orgs: Vec<(OrgUnit, String)> = vec![];
    for (si, sub) in subs.iter().enumerate() {
        let scode = format!("D{}", sub.code);
        plan.add(
            org(
                &scode,
                &street_name(sub),
                OrgKind::StreetCommittee,
                Some(sub.id),
                days_ago(today, rng, 5000, 15000),
            ),
            Some(&root),
        );
        plan.post_ago(rng, &scode, PositionTitle::Secretary, 300, 1800);
        plan.post_ago(rng, &scode, PositionTitle::DeputySecretary, 300, 1800);
        for _ in 0..3 {
            plan.post_ago(rng, &scode, PositionTitle::CommitteeMember, 300, 1800);
        }
        street_orgs.push((sub.clone(), scode.clone()));
        // One non-public and one social organisation per sub-district.
        let np = format!("{scode}.N01");
        let np_name = format!("{}党支部", NON_PUBLIC[si % NON_PUBLIC.len()]);
        plan.add(
            org(
                &np,
                &np_name,
                OrgKind::NonPublicOrg,
                None,
                days_ago(today, rng, 600, 3000),
            ),
            Some(&scode),
        );
        plan.post_ago(rng, &np, PositionTitle::Secretary, 200, 1500);
        work_orgs.push(np);
        let so = format!("{scode}.G01");
        let so_name = format!("{}党支部", SOCIAL[si % SOCIAL.len()]);
        plan.add(
            org(
                &so,
                &so_name,
                OrgKind::SocialOrg,
                None,
                days_ago(today, rng, 600, 3000),
            ),
            Some(&scode),
        );
        plan.post_ago(rng, &so, PositionTitle::Secretary, 200, 1500);
        work_orgs.push(so);
        let comms = ctx
            .org
            .units_in(&sub.path, UnitKind::Community, 100)
            .await?;
        for (ci, com) in comms.iter().enumerate() {
            let ccode = format!("D{}", com.code);
            let village = com.official_name.ends_with("村委会");
            let (kind, name) = if village {
                (OrgKind::GeneralBranch, format!("{}党总支", com.name))
            } else if com.official_name.contains("虚拟") {
                (
                    OrgKind::GeneralBranch,
                    "海勃湾产业园综合服务中心党总支".to_string(),
                )
            } else if ci % 4 == 3 {
                (OrgKind::GeneralBranch, format!("{}党总支", com.name))
            } else {
                (OrgKind::CommunityCommittee, format!("{}党委", com.name))
            };
            plan.add(
                org(
                    &ccode,
                    &name,
                    kind,
                    Some(com.id),
                    days_ago(today, rng, 2000, 9000),
                ),
                Some(&scode),
            );
            let since = days_ago(today, rng, 300, 1800);
            // 两委: the secretary is also the residents' committee director (一肩挑),
            // one committee member is also deputy director (交叉任职).
            let (sec, sec_phone) = plan.post(rng, &ccode, PositionTitle::Secretary, since.clone());
            plan.post(rng, &ccode, PositionTitle::DeputySecretary, since.clone());
            let mut cross = None;
            for k in 0..rng.range(2, 3) {
                let p = plan.post(rng, &ccode, PositionTitle::CommitteeMember, since.clone());
                if k == 0 {
                    cross = Some(p);
                }
            }
            let unit_marker = format!("#{}", com.id);
            plan.posts.push((
                unit_marker.clone(),
                PositionTitle::Director,
                sec,
                sec_phone,
                since.clone(),
            ));
            if let Some((n, p)) = cross {
                plan.posts.push((
                    unit_marker.clone(),
                    PositionTitle::DeputyDirector,
                    n,
                    p,
                    since.clone(),
                ));
            }
            for _ in 0..rng.range(1, 3) {
                plan.post(rng, &unit_marker, PositionTitle::RcMember, since.clone());
            }
            let mut branches = vec![];
            let n_branches = rng.range(2, 4) as usize;
            for (b, num) in CN_NUM.iter().enumerate().take(n_branches) {
                let bcode = format!("{ccode}.{:02}", b + 1);
                let bname = format!("{}第{num}党支部", com.name);
                plan.add(
                    org(
                        &bcode,
                        &bname,
                        OrgKind::Branch,
                        None,
                        days_ago(today, rng, 400, 5000),
                    ),
                    Some(&ccode),
                );
                plan.post_ago(rng, &bcode, PositionTitle::Secretary, 100, 1500);
                let n_groups = rng.range(1, 2) as usize;
                for (g, gnum) in CN_NUM.iter().enumerate().take(n_groups) {
                    let gcode = format!("{bcode}.{:02}", g + 1);
                    plan.add(
                        org(
                            &gcode,
                            &format!("{bname}第{gnum}党小组"),
                            OrgKind::Group,
                            None,
                            days_ago(today, rng, 100, 2000),
                        ),
                        Some(&bcode),
                    );
                    plan.post_ago(rng, &gcode, PositionTitle::GroupLeader, 50, 1200);
                }
                branches.push(bcode);
            }
            community_orgs.push((com.clone(), ccode, branches));
        }
    }
    // A temporary organisation set up at an emergency post (ended) and one still open.
    let tmp_parent = street_orgs.first().map(|s| s.1.clone());
    if let Some(p) = &tmp_parent {
        let mut t = org(
            &format!("{p}.T01"),
            "凤凰岭街道疫情防控临时党总支",
            OrgKind::GeneralBranch,
            None,
            "2022-10-05".into(),
        );
        t.temporary = true;
        t.temp_reason = Some("疫情防控卡点值守".into());
        plan.add(t, Some(p));
        let mut t2 = org(
            &format!("{p}.T01.01"),
            "和平社区卡点临时党支部",
            OrgKind::Branch,
            None,
            "2022-10-05".into(),
        );
        t2.temporary = true;
        t2.temp_reason = Some("和平社区防控卡点".into());
        plan.add(t2, Some(&format!("{p}.T01")));
        let mut t3 = org(
            &format!("{p}.T02"),
            "凤凰岭街道防汛抢险临时党支部",
            OrgKind::Branch,
            None,
            date_text(today - Duration::days(20)),
        );
        t3.temporary = true;
        t3.temp_reason = Some("汛期防汛抢险值守".into());
        t3.temp_end = Some(date_text(today + Duration::days(40)));
        plan.add(t3, Some(p));
        plan.post(
            rng,
            &format!("{p}.T01"),
            PositionTitle::Secretary,
            "2022-10-05".into(),
        );
        plan.post(
            rng,
            &format!("{p}.T01.01"),
            PositionTitle::Secretary,
            "2022-10-05".into(),
        );
        plan.post(
            rng,
            &format!("{p}.T02"),
            PositionTitle::Secretary,
            date_text(today - Duration::days(20)),
        );
    }
    let n_orgs = plan.orgs.len();
    let orgs = ctx
        .party
        .insert_orgs(
            plan.orgs,
            ctx.event(&sys, "party.demo", "party_org", &root, &district.path)
                .after(serde_json::json!({"orgs": n_orgs})),
        )
        .await?;
    let by_code: std::collections::HashMap<String, &PartyOrg> =
        orgs.iter().map(|o| (o.code.clone(), o)).collect();
    if let Some(p) = &tmp_parent
        && let Some(t) = by_code.get(&format!("{p}.T01"))
    {
        let ids: Vec<i64> = [format!("{p}.T01"), format!("{p}.T01.01")]
            .iter()
            .filter_map(|c| by_code.get(c).map(|o| o.id))
            .collect();
        ctx.party
            .dissolve(
                &ids,
                "2022-12-20",
                "end_temporary",
                ctx.event(
                    &sys,
                    "party.end_temporary",
                    "party_org",
                    &t.code,
                    &t.reach_path,
                ),
            )
            .await?;
    }
    let mut positions = vec![];
    for (code, title, name, ph, since) in plan.posts {
        let (org_id, unit_id) = match code.strip_prefix('#') {
            Some(u) => (None, u.parse().ok()),
            None => (by_code.get(&code).map(|o| o.id), None),
        };
        if org_id.is_none() && unit_id.is_none() {
            continue;
        }
        positions.push(NewPosition {
            org_id,
            unit_id,
            title,
            person_name: name,
            phone: ph,
            since,
        });
    }
    let n_positions = positions.len();
    ctx.party
        .insert_positions(
            positions,
            ctx.event(
                &sys,
                "party.demo_positions",
                "party_org",
                &root,
                &district.path,
            )
            .after(serde_json::json!({"positions": n_positions})),
        )
        .await?;

    // Members: ~30 per community at scale 1 (at least 9), in the community's branches.
    let per = ((30.0 * opts.scale.clamp(0.3, 1.0)).round() as usize).max(9);
    let mut members: Vec<NewMember> = vec![];
    let mut seq = 0u32;
    let mut new_member = |rng: &mut Rng, org_id: i64, young: bool| -> Result<NewMember> {
        seq += 1;
        let age = if young {
            rng.range(25, 55)
        } else {
            rng.range(22, 85)
        };
        let birth = today - Duration::days((age * 365 + rng.range(0, 364)) as i64);
        let joined_age = rng.range(18, age.clamp(19, 60));
        let joined = birth + Duration::days((joined_age * 365 + rng.range(0, 300)) as i64);
        let joined = joined.min(today - Duration::days(30));
        let probationary = today.signed_duration_since(joined).num_days() < 365;
        let id = idcard::make("150302", birth, seq);
        let info = idcard::parse(&id).ok();
        let ph = phone(rng);
        let with_id = seq.is_multiple_of(2);
        Ok(NewMember {
            org_id,
            name: person_name(rng),
            sex: info
                .map(|i| i.sex.as_str().to_string())
                .unwrap_or_else(|| "male".into()),
            birth_date: date_text(birth),
            ethnicity: if rng.range(0, 9) == 0 {
                "蒙古族".into()
            } else if rng.range(0, 19) == 0 {
                "回族".into()
            } else {
                "汉族".into()
            },
            education: rng
                .pick(&[
                    "大学本科",
                    "大学本科",
                    "大学专科",
                    "大学专科",
                    "高中",
                    "中专",
                    "研究生",
                    "初中",
                ])
                .to_string(),
            joined_on: date_text(joined),
            standing: if probationary {
                Standing::Probationary
            } else {
                Standing::Full
            },
            resident_id: None,
            id_enc: if with_id {
                Some(ctx.cipher.encrypt(&id)?)
            } else {
                None
            },
            id_index: if with_id {
                Some(ctx.cipher.blind_index(&id))
            } else {
                None
            },
            id_mask: if with_id {
                Some(mask::id_number(&id))
            } else {
                None
            },
            phone_enc: Some(ctx.cipher.encrypt(&ph)?),
            phone_mask: Some(mask::phone(&ph)),
        })
    };
    for (_, ccode, branches) in &community_orgs {
        for i in 0..per {
            let code = if i % 5 == 0 {
                ccode
            } else {
                &branches[i % branches.len()]
            };
            if let Some(o) = by_code.get(code) {
                members.push(new_member(rng, o.id, false)?);
            }
        }
    }
    let community_members = members.len();
    // In-service members (在职党员) in the work-unit organisations: about a fifth of all.
    let in_service = community_members / 4;
    let work_ids: Vec<i64> = work_orgs
        .iter()
        .filter_map(|c| by_code.get(c).map(|o| o.id))
        .collect();
    for i in 0..in_service {
        members.push(new_member(rng, work_ids[i % work_ids.len()], true)?);
    }
    let n_members = members.len();
    let ids = ctx
        .party
        .insert_members(
            members,
            ctx.event(
                &sys,
                "party.demo_members",
                "party_member",
                &root,
                &district.path,
            )
            .after(serde_json::json!({"members": n_members})),
        )
        .await?;
    // ~5% with a transfer history: moved from a neighbouring branch.
    let mut transfers = 0;
    let branch_ids: Vec<i64> = community_orgs
        .iter()
        .flat_map(|c| c.2.iter())
        .filter_map(|c| by_code.get(c).map(|o| o.id))
        .collect();
    for (k, id) in ids.iter().take(community_members).enumerate() {
        if k % 20 != 7 {
            continue;
        }
        let to = branch_ids[(k * 7 + 3) % branch_ids.len()];
        let Some(m) = ctx.party.member(*id).await? else {
            continue;
        };
        if m.org_id == to {
            continue;
        }
        let to_name = orgs
            .iter()
            .find(|o| o.id == to)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let on = days_ago(today, rng, 30, 700).max(m.joined_on.clone());
        let reason = rng
            .pick(&["居住地变更", "工作调动", "退休后转回居住地社区", "搬迁新居"])
            .to_string();
        ctx.party
            .transfer(
                *id,
                m.version,
                Some(to),
                &to_name,
                &on,
                &reason,
                ctx.event(&sys, "party.transfer", "party_member", id, &district.path),
            )
            .await?;
        transfers += 1;
    }
    // 双报到 and service commitments for the in-service members.
    let comm_units: Vec<&OrgUnit> = community_orgs
        .iter()
        .map(|c| &c.0)
        .filter(|u| !u.official_name.contains("虚拟"))
        .collect();
    let mut registrations = 0;
    let mut commitments = 0;
    for (k, id) in ids.iter().skip(community_members).enumerate() {
        let com = comm_units[(k * 13 + rng.range(0, 2) as usize) % comm_units.len()];
        let Some(m) = ctx.party.member(*id).await? else {
            continue;
        };
        let work = orgs
            .iter()
            .find(|o| o.id == m.org_id)
            .map(|o| {
                o.name
                    .trim_end_matches("党支部")
                    .trim_end_matches("党总支")
                    .to_string()
            })
            .unwrap_or_default();
        let on = days_ago(today, rng, 20, 900);
        ctx.party
            .register(
                *id,
                Some(m.org_id),
                &work,
                com.id,
                &on,
                ctx.event(&sys, "party.register", "party_member", id, &com.path),
            )
            .await?;
        registrations += 1;
        for _ in 0..rng.range(1, 3) {
            let (cat, desc, kind, (lo, hi)) = *rng.pick(COMMITMENTS);
            let weekend = rng.range(0, 2) != 0;
            let (from, to) = *rng.pick(&[
                ("09:00", "11:30"),
                ("14:30", "17:30"),
                ("19:00", "21:00"),
                ("08:30", "12:00"),
            ]);
            let avail = Availability {
                weekdays: if weekend {
                    vec![6, 7]
                } else {
                    vec![rng.range(1, 3) as u8, rng.range(4, 5) as u8]
                },
                from: from.into(),
                to: to.into(),
            };
            ctx.party
                .insert_commitment(
                    NewCommitment {
                        member_id: *id,
                        community_id: com.id,
                        category: cat.into(),
                        description: desc.into(),
                        capacity_kind: kind,
                        capacity: rng.range(lo, hi) as i64,
                        availability: avail,
                    },
                    ctx.event(&sys, "party.add_commitment", "party_member", id, &com.path),
                )
                .await?;
            commitments += 1;
        }
    }

    // Alliances.
    let mut alliances = 0;
    let mut activities = 0;
    let mut specs: Vec<AllianceSpec> = vec![];
    let root_org = by_code.get(&root).copied();
    for (sub, scode) in &street_orgs {
        let brand = BRANDS
            .iter()
            .find(|b| b.0 == sub.code)
            .map(|b| b.1)
            .unwrap_or("红色");
        let mut ms: Vec<(Option<i64>, String, MemberKind)> = vec![];
        if let Some(o) = by_code.get(scode) {
            ms.push((Some(o.id), o.name.clone(), MemberKind::PartyOrg));
        }
        for (com, ccode, _) in &community_orgs {
            if com.path.starts_with(&sub.path)
                && ms.len() < 7
                && let Some(o) = by_code.get(ccode)
            {
                ms.push((Some(o.id), o.name.clone(), MemberKind::PartyOrg));
            }
        }
        let n_out = rng_n(rng, 2, 5);
        outside(rng, &mut ms, n_out);
        specs.push((
            format!("LM{}", sub.code),
            format!("{}“{}”党建联盟", short_sub(sub), brand),
            AllianceKind::Subdistrict,
            sub.id,
            by_code.get(scode).map(|o| o.id),
            ms,
        ));
    }
    let mut ms: Vec<(Option<i64>, String, MemberKind)> = street_orgs
        .iter()
        .filter_map(|(_, c)| {
            by_code
                .get(c)
                .map(|o| (Some(o.id), o.name.clone(), MemberKind::PartyOrg))
        })
        .collect();
    for c in work_orgs.iter().take(4) {
        if let Some(o) = by_code.get(c) {
            ms.push((Some(o.id), o.name.clone(), MemberKind::PartyOrg));
        }
    }
    specs.push((
        "LM150302".into(),
        "海勃湾区城市党建共同体".into(),
        AllianceKind::District,
        district.id,
        root_org.map(|o| o.id),
        ms,
    ));
    let business = [
        ("LMSQ01", "益家商圈党建联盟", "150302003"),
        ("LMSQ02", "万达广场党建联盟", "150302002"),
        ("LMSQ03", "人民路商业带党建联盟", "150302001"),
        ("LMSQ04", "新华街商业聚集区党建联盟", "150302003"),
        ("LMSQ05", "海馨商圈党建联盟", "150302008"),
    ];
    for (code, name, sub_code) in business {
        let Some((sub, scode)) = street_orgs.iter().find(|s| s.0.code == sub_code) else {
            continue;
        };
        let mut ms = vec![];
        if let Some(o) = by_code.get(scode) {
            ms.push((Some(o.id), o.name.clone(), MemberKind::PartyOrg));
        }
        if let Some(o) = by_code.get(&format!("{scode}.N01")) {
            ms.push((Some(o.id), o.name.clone(), MemberKind::PartyOrg));
        }
        let n = rng_n(rng, 4, 9);
        for i in 0..n {
            let m = MERCHANTS[(i + code.len() + rng.range(0, 9) as usize) % MERCHANTS.len()];
            if !ms.iter().any(|x| x.1 == m) {
                ms.push((None, m.to_string(), MemberKind::Merchant));
            }
        }
        outside(rng, &mut ms, 2);
        specs.push((
            code.into(),
            name.into(),
            AllianceKind::Business,
            sub.id,
            by_code.get(scode).map(|o| o.id),
            ms,
        ));
    }
    if let Some((sub, scode)) = street_orgs.iter().find(|s| s.0.code == "150302004") {
        let mut ms = vec![];
        if let Some(o) = by_code.get(scode) {
            ms.push((Some(o.id), o.name.clone(), MemberKind::PartyOrg));
        }
        for m in [
            "时光咖啡",
            "乌海书城",
            "乌海市青年创业协会",
            "海勃湾区志愿者协会",
        ] {
            ms.push((
                None,
                m.to_string(),
                if m.contains("协会") {
                    MemberKind::SocialOrg
                } else {
                    MemberKind::Merchant
                },
            ));
        }
        outside(rng, &mut ms, 2);
        specs.push((
            "LMQC01".into(),
            "“时间的朋友”青春党建驿站".into(),
            AllianceKind::Youth,
            sub.id,
            by_code.get(scode).map(|o| o.id),
            ms,
        ));
    }
    for (code, name, kind, unit_id, lead, ms) in specs {
        let unit = ctx.org.unit(unit_id).await?;
        let upath = unit.as_ref().map(|u| u.path.clone()).unwrap_or_default();
        let founded = days_ago(today, rng, 500, 2000);
        let a = ctx
            .party
            .insert_alliance(
                NewAlliance { code: code.clone(), name: name.clone(), kind, unit_id, lead_org_id: lead, founded_on: founded.clone(), description: format!("{name}以“组织联建、区域联动、队伍联管、共享联合、多元联治”五联机制推动辖区党组织互联互动、资源共享。") },
                ctx.event(&sys, "party.create_alliance", "alliance", &code, &upath),
            )
            .await?;
        alliances += 1;
        let mut items: Vec<AllianceItem> = ms
            .iter()
            .take(15)
            .map(|(org_id, n, k)| AllianceItem::Member {
                org_id: *org_id,
                name: n.clone(),
                kind: *k,
                joined_on: founded.clone(),
            })
            .collect();
        for i in 0..rng_n(rng, 1, 2) {
            items.push(AllianceItem::Agreement {
                title: if i == 0 { format!("{name}共建协议") } else { format!("{name}资源共享补充协议") },
                signed_on: days_ago(today, rng, 30, 400),
                term_months: *rng.pick(&[12, 24, 36]),
                content: "各成员单位党组织按照“五联机制”开展共建：定期召开联席会议，共享活动阵地和服务资源，组织党员到社区报到服务，联合开展志愿服务和矛盾调解。".into(),
            });
        }
        let n_act = rng_n(rng, 6, 20);
        for i in 0..n_act {
            let (link, titles) = ACTIVITIES[i % ACTIVITIES.len()];
            let title = *rng.pick(titles);
            let place = if ms.len() > 1 {
                ms[(i + 1) % ms.len()]
                    .1
                    .trim_end_matches("党支部")
                    .trim_end_matches("党委")
                    .to_string()
            } else {
                name.clone()
            };
            items.push(AllianceItem::Activity {
                held_on: days_ago(today, rng, 1, 360),
                title: title.into(),
                place: format!("{place}活动室"),
                participants: rng.range(12, 120) as i64,
                link,
                summary: format!("{title}，成员单位党员群众共同参与。"),
            });
            activities += 1;
        }
        let ids = ctx
            .party
            .add_items(
                a.id,
                items,
                ctx.event(&sys, "party.alliance_items", "alliance", &code, &upath),
            )
            .await?;
        let member_ids: Vec<i64> = ids.iter().take(ms.len().min(15)).copied().collect();
        let mut res = vec![];
        for i in 0..rng_n(rng, 3, 8) {
            let (cat, n, unit, (lo, hi)) = RESOURCES[(i * 3 + code.len()) % RESOURCES.len()];
            let mi = (i * 5 + 1) % member_ids.len().max(1);
            let Some(mid) = member_ids.get(mi) else {
                continue;
            };
            let owner = ms.get(mi).map(|m| m.1.clone()).unwrap_or_default();
            res.push(AllianceItem::Resource {
                member_id: *mid,
                name: format!(
                    "{}{n}",
                    owner
                        .trim_end_matches("党支部")
                        .trim_end_matches("党委")
                        .trim_end_matches("党工委")
                ),
                category: cat.into(),
                capacity: rng.range(lo, hi) as i64,
                capacity_unit: unit.into(),
                availability: Availability {
                    weekdays: if i % 2 == 0 {
                        vec![1, 2, 3, 4, 5]
                    } else {
                        vec![6, 7]
                    },
                    from: "09:00".into(),
                    to: "17:00".into(),
                },
            });
        }
        ctx.party
            .add_items(
                a.id,
                res,
                ctx.event(&sys, "party.alliance_resources", "alliance", &code, &upath),
            )
            .await?;
    }
    Ok(serde_json::json!({
        "organisations": n_orgs,
        "positions": n_positions,
        "members": n_members,
        "in_service": registrations,
        "commitments": commitments,
        "transfers": transfers,
        "alliances": alliances,
        "activities": activities,
    }))
}

/// (code, name, kind, unit id, lead organisation, members (org id, name, kind)).
type AllianceSpec = (
    String,
    String,
    AllianceKind,
    i64,
    Option<i64>,
    Vec<(Option<i64>, String, MemberKind)>,
);

fn rng_n(rng: &mut Rng, lo: u64, hi: u64) -> usize {
    rng.range(lo, hi) as usize
}

/// Adds outside members (units based in the area, enterprises, social organisations).
fn outside(rng: &mut Rng, ms: &mut Vec<(Option<i64>, String, MemberKind)>, n: usize) {
    for _ in 0..n {
        let (name, kind) = match rng.range(0, 2) {
            0 => (*rng.pick(RESIDENT_UNITS), MemberKind::ResidentUnit),
            1 => (*rng.pick(NON_PUBLIC), MemberKind::NonPublic),
            _ => (*rng.pick(SOCIAL), MemberKind::SocialOrg),
        };
        if !ms.iter().any(|m| m.1 == name) {
            ms.push((None, name.to_string(), kind));
        }
    }
}
