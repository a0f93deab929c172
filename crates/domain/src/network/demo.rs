//! Haibowan's service network for the demo: the "1+7+41" alliance of centres, the
//! stations and demonstration sites, a year of activities; joint meetings at every
//! level with a year of meetings and resolutions; the reformed sub-districts.

use chrono::{Duration, NaiveDate};
use jiceng_core::{Actor, DomainError, Result};

use super::model::*;
use super::rules::to_e6;
use super::service::today;
use crate::Ctx;
use crate::demo::{DemoOptions, Rng, person_name};
use crate::org::{OrgUnit, UnitKind};

/// The development zone has no sub-district centre; its virtual community and one
/// village have no community centre: 1 + 7 + 41.
const NO_SUB_CENTRE: &str = "150302400";
const NO_COMMUNITY_CENTRE: [&str; 2] = ["150302400498", "150302101214"];
/// The 14 model communities (精品社区).
const MODEL_COMMUNITIES: [&str; 14] = [
    "150302008005", // 海馨
    "150302001002", // 和平
    "150302001003", // 公园
    "150302001005", // 墨香梨园
    "150302002001", // 青山
    "150302002004", // 黄河
    "150302003014", // 新海
    "150302003017", // 幸福
    "150302004001", // 新华
    "150302004008", // 滨水
    "150302007005", // 滨河
    "150302007009", // 湖东
    "150302008003", // 温馨
    "150302101003", // 千钢
];

/// (kind, name, community code, address)
const SITES: [(&str, &str, &str, &str); 19] = [
    (
        kinds::STATION,
        "万达广场楼宇党群服务驿站",
        "150302004001",
        "海勃湾区新华西街道海北大街万达广场3层",
    ),
    (
        kinds::STATION,
        "金融大厦楼宇党群服务驿站",
        "150302003014",
        "海勃湾区新华街道人民南路金融大厦1层",
    ),
    (
        kinds::STATION,
        "人民路商业带党群服务驿站",
        "150302003012",
        "海勃湾区新华街道人民北路商业步行街",
    ),
    (
        kinds::STATION,
        "新华街商圈党群服务驿站",
        "150302003013",
        "海勃湾区新华街道新华大街中段",
    ),
    (
        kinds::STATION,
        "滨河商务楼宇党群服务驿站",
        "150302007005",
        "海勃湾区滨河街道滨河商务区A座",
    ),
    (
        kinds::STATION,
        "海北商贸城党群服务驿站",
        "150302002004",
        "海勃湾区海北街道黄河东街商贸城",
    ),
    (
        kinds::STATION,
        "凤凰岭家居建材城党群服务驿站",
        "150302001007",
        "海勃湾区凤凰岭街道学府路建材城",
    ),
    (
        kinds::ORGAN_POST,
        "区委组织部“红色管家”机关党建示范岗",
        "150302003015",
        "海勃湾区新华街道区委大院",
    ),
    (
        kinds::ORGAN_POST,
        "区政务服务局“一窗通办”党员示范岗",
        "150302004006",
        "海勃湾区新华西街道政务服务中心",
    ),
    (
        kinds::ORGAN_POST,
        "区税务局“春风行动”党员先锋示范岗",
        "150302003016",
        "海勃湾区新华街道税务大厦",
    ),
    (
        kinds::PARK_SITE,
        "海勃湾产业园非公企业党建示范点",
        "150302400498",
        "乌海高新技术产业开发区海勃湾产业园",
    ),
    (
        kinds::PARK_SITE,
        "千里山工业园区党群服务站",
        "150302101400",
        "海勃湾区千里山镇工业园区管委会",
    ),
    (
        kinds::PARK_SITE,
        "海勃湾产业园人才公寓党建示范点",
        "150302400498",
        "乌海高新技术产业开发区海勃湾产业园人才公寓",
    ),
    (
        kinds::BUSINESS_SITE,
        "益家商圈党建联盟",
        "150302003013",
        "海勃湾区新华街道益家购物中心",
    ),
    (
        kinds::BUSINESS_SITE,
        "万达广场党建联盟",
        "150302004001",
        "海勃湾区新华西街道万达广场",
    ),
    (
        kinds::BUSINESS_SITE,
        "“时间的朋友”青春党建驿站",
        "150302004009",
        "海勃湾区新华西街道盛世商业街",
    ),
    (
        kinds::BUSINESS_SITE,
        "沿人民路商业带党建示范点",
        "150302003012",
        "海勃湾区新华街道人民路",
    ),
    (
        kinds::BUSINESS_SITE,
        "新华街商业聚集区党建示范点",
        "150302003017",
        "海勃湾区新华街道新华大街",
    ),
    (
        kinds::BUSINESS_SITE,
        "凤凰岭红色商圈党建示范点",
        "150302001008",
        "海勃湾区凤凰岭街道凤凰岭商业街",
    ),
];

const FUNCTIONS: [(&str, &str); 8] = [
    ("加强党的建设", "街道党工委全面领导辖区各类组织和各项工作"),
    ("领导群众自治", "指导居（村）民委员会依法自治，推进民事民议"),
    ("统筹社区发展", "统筹辖区发展规划和社区建设"),
    (
        "组织公共服务",
        "承接下放的行政审批和公共服务事项，一站式办理",
    ),
    ("实施综合管理", "组织辖区环境、市容、交通等综合管理"),
    ("监督专业管理", "对区直部门派驻机构的专业管理进行监督"),
    ("动员社会参与", "动员驻区单位、社会组织和居民参与治理"),
    ("维护安全稳定", "做好平安建设、矛盾调解和应急处置"),
];

const RIGHTS: [&str; 7] = [
    "重大项目建议权",
    "重大规划话语权",
    "辖区重大事项决策参与权",
    "派驻机构负责人任免调整意见权",
    "派驻机构工作考核评价权",
    "多部门联合执法统筹协调和指挥调度权",
    "下沉资金和人员统筹管理权",
];

const ORGANS: [(&str, &str, &str); 6] = [
    (
        "党政综合办公室",
        "office",
        "文秘、督查、财务、人事和后勤保障",
    ),
    (
        "党建工作办公室",
        "office",
        "基层党组织建设、党员教育管理、党建联席会议日常工作",
    ),
    (
        "社会事务办公室",
        "office",
        "民政、社保、卫生健康、教育文化和退役军人服务",
    ),
    (
        "城市管理办公室",
        "office",
        "市容环境、物业监管、老旧小区改造和网格化管理",
    ),
    (
        "平安建设办公室",
        "office",
        "综治维稳、矛盾调解、安全生产和应急管理",
    ),
    (
        "综合便民服务中心",
        "centre",
        "党群服务和政务服务“一站式”受理办结",
    ),
];

const STATIONS: [(&str, &str); 8] = [
    ("司法所", "人民调解、社区矫正和法律服务"),
    ("市场监督管理所", "食品药品和市场主体日常监管"),
    ("自然资源所", "土地、规划和违法建设巡查"),
    ("财政所", "街道财政预算执行和惠民资金发放"),
    ("社会保障事务所", "就业、养老和医疗保险经办"),
    ("退役军人服务站", "退役军人和其他优抚对象服务"),
    ("综合文化站", "群众文化活动和公共文化服务"),
    ("社区卫生服务中心", "基本医疗和公共卫生服务"),
];

const HOURS: [&str; 3] = [
    "周一至周五 8:30–12:00，14:30–18:00\n周六、周日 9:00–12:00（值班）",
    "周一至周五 8:30–18:00\n周六 9:00–17:00",
    "周一至周日 9:00–21:00",
];

/// (kind, titles)
const ACTIVITIES: [(ActivityKind, &[&str]); 7] = [
    (
        ActivityKind::PartyDay,
        &[
            "主题党日：重温入党誓词",
            "主题党日：学习党章党规",
            "“七一”主题党日暨党员政治生日",
            "在职党员报到主题党日",
        ],
    ),
    (
        ActivityKind::Volunteer,
        &[
            "“我为群众办实事”志愿服务",
            "小区环境卫生清洁志愿行动",
            "关爱独居老人上门服务",
            "文明交通志愿劝导",
        ],
    ),
    (
        ActivityKind::Culture,
        &[
            "邻里文化节文艺汇演",
            "广场舞联谊赛",
            "少儿书法绘画展",
            "全民健身趣味运动会",
        ],
    ),
    (
        ActivityKind::Lecture,
        &[
            "民法典进社区宣讲",
            "防范电信诈骗宣传讲座",
            "垃圾分类政策宣讲",
            "医保政策解读会",
        ],
    ),
    (
        ActivityKind::Service,
        &[
            "义诊和免费理发便民服务",
            "家电义务维修便民服务",
            "社保卡办理便民服务",
            "法律咨询便民集市",
        ],
    ),
    (
        ActivityKind::Consultation,
        &[
            "小区停车难问题居民议事会",
            "老旧小区改造方案协商会",
            "物业服务质量评议会",
            "加装电梯居民协商会",
        ],
    ),
    (
        ActivityKind::Training,
        &[
            "家政服务技能培训班",
            "电商直播技能培训",
            "老年人智能手机使用培训",
            "创业就业政策培训",
        ],
    ),
];

const AGENDA: [&str; 12] = [
    "通报上季度党建引领基层治理重点任务进展",
    "研究老旧小区改造中的居民诉求",
    "协调解决辖区停车难问题",
    "部署“在职党员进社区”报到服务",
    "研究红色物业联动治理中的物业纠纷",
    "协调共建单位资源进入“资源清单”",
    "研究冬季供暖保障和困难群众帮扶",
    "部署创建全国文明城市相关工作",
    "研究“需求清单”中的群众集中诉求",
    "协调商圈党建和商户服务",
    "研究疫情防控常态化工作",
    "通报民有所呼、我有所应办理情况",
];

const RESOLUTIONS: [&str; 14] = [
    "协调共建单位开放内部停车场夜间错时停车",
    "组织在职党员认领小区微心愿",
    "推动物业公司完成楼道照明维修",
    "联合开展占道经营专项整治",
    "为独居老人安装烟感报警器",
    "落实老旧小区改造外墙保温施工",
    "组织共建单位开展就业招聘会",
    "协调供热公司排查低温住户",
    "建立商户诉求快速响应台账",
    "完善小区监控探头覆盖",
    "开展社区矫正对象走访",
    "清理楼道堆放杂物消除消防隐患",
    "协调学校周边交通秩序整治",
    "将群众集中诉求纳入下季度项目清单",
];

const DONE_NOTES: [&str; 5] = [
    "已按期完成，居民评价满意",
    "已落实并在联席会议上通报",
    "经回访群众认可，予以销号",
    "已完成整改，纳入常态化管理",
    "相关单位已办结并反馈",
];

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn centroid(u: &OrgUnit) -> Option<(i64, i64)> {
    u.boundary
        .as_ref()
        .map(|b| b.centroid())
        .map(|p| (to_e6(p.x), to_e6(p.y)))
}

fn wuhai_phone(rng: &mut Rng) -> String {
    format!("0473-{}", rng.range(2_000_000, 3_999_999))
}

fn subset(rng: &mut Rng, must: &[&str], pool: &[&str], extra: u64) -> Vec<String> {
    let mut out: Vec<String> = must.iter().map(|s| s.to_string()).collect();
    for _ in 0..extra {
        let s = rng.pick(pool).to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn activities(rng: &mut Rng, today: NaiveDate, at_ms: i64) -> Vec<NewActivity> {
    let n = rng.range(3, 10);
    let mut out: Vec<NewActivity> = (0..n)
        .map(|_| {
            let (kind, titles) = rng.pick(&ACTIVITIES);
            let title = rng.pick(titles).to_string();
            let participants = rng.range(15, 180) as i64;
            NewActivity {
                place_id: 0,
                day: day(today - Duration::days(rng.range(1, 364) as i64)),
                summary: format!(
                    "{title}，共{participants}人参加，党员志愿者{}人参与服务。",
                    rng.range(3, 20)
                ),
                title,
                kind: *kind,
                participants,
                at_ms,
            }
        })
        .collect();
    out.sort_by(|a, b| a.day.cmp(&b.day));
    out
}

async fn grids_of(ctx: &Ctx, u: &OrgUnit) -> Result<Vec<OrgUnit>> {
    ctx.org.units_in(&u.path, UnitKind::Grid, 10_000).await
}

pub async fn load(ctx: &Ctx, rng: &mut Rng, _opts: DemoOptions) -> Result<serde_json::Value> {
    let system = Actor::system();
    let now = ctx.now_ms();
    let today = today(ctx);
    let district = ctx
        .org
        .roots()
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound("unit"))?;
    let subs = ctx.org.children(district.id, false).await?;
    let mut communities: Vec<(OrgUnit, Vec<OrgUnit>)> = vec![];
    for s in &subs {
        for c in ctx.org.children(s.id, false).await? {
            let grids = grids_of(ctx, &c).await?;
            communities.push((c, grids));
        }
    }
    let grid_point = |rng: &mut Rng, code: &str| -> Option<(i64, i64)> {
        let (_, grids) = communities.iter().find(|(c, _)| c.code == code)?;
        if grids.is_empty() {
            return None;
        }
        centroid(rng.pick(grids))
    };
    let all_services: Vec<&str> = vec![
        "party_edu",
        "gov_agency",
        "legal",
        "counselling",
        "care",
        "volunteer",
        "reading",
        "culture",
        "employment",
        "medical",
        "mediation",
        "social_security",
    ];
    let mut places: Vec<(NewPlace, Vec<NewActivity>)> = vec![];
    let mut place = |rng: &mut Rng,
                     kind: &str,
                     name: String,
                     unit: &OrgUnit,
                     address: String,
                     at: Option<(i64, i64)>,
                     hours: &str,
                     services: Vec<String>,
                     model: bool,
                     intro: String| {
        places.push((
            NewPlace {
                kind_code: kind.into(),
                name,
                unit_id: unit.id,
                path: unit.path.clone(),
                address,
                lon_e6: at.map(|p| p.0),
                lat_e6: at.map(|p| p.1),
                hours: hours.into(),
                phone: wuhai_phone(rng),
                model,
                intro,
                active: true,
                services,
                at_ms: now,
            },
            activities(rng, today, now),
        ));
    };

    // 1: the district centre, in the heart of 新华街道.
    let at = grid_point(rng, "150302003014");
    place(
        rng,
        kinds::DISTRICT_CENTRE,
        "海勃湾区党群服务中心".into(),
        &district,
        "乌海市海勃湾区新华街道人民南路".into(),
        at,
        HOURS[0],
        all_services.iter().map(|s| s.to_string()).collect(),
        false,
        "全区党群服务总阵地，统筹“1+7+41”党群服务中心联盟，承担党员教育培训、政务代办和各类服务资源调度。".into(),
    );
    // 7: one per sub-district and town, not the development zone.
    for s in subs.iter().filter(|s| s.code != NO_SUB_CENTRE) {
        let first = communities
            .iter()
            .find(|(c, g)| c.parent_id == Some(s.id) && !g.is_empty())
            .map(|(c, _)| c.code.clone())
            .unwrap_or_default();
        let at = grid_point(rng, &first);
        let svc = subset(
            rng,
            &[
                "party_edu",
                "gov_agency",
                "volunteer",
                "legal",
                "employment",
            ],
            &all_services,
            6,
        );
        place(
            rng,
            kinds::SUBDISTRICT_CENTRE,
            format!("{}党群服务中心", s.name),
            s,
            format!("乌海市海勃湾区{}", s.name),
            at,
            HOURS[0],
            svc,
            false,
            format!(
                "{}党工委主阵地，与综合便民服务中心合署，提供“一站式”党群和政务服务。",
                s.name
            ),
        );
    }
    // 41: every community except the virtual one and 巴音乌素村.
    let mut model_n = 0;
    for (c, grids) in &communities {
        if NO_COMMUNITY_CENTRE.contains(&c.code.as_str()) || grids.is_empty() {
            continue;
        }
        let model = MODEL_COMMUNITIES.contains(&c.code.as_str());
        model_n += i64::from(model);
        let at = centroid(&grids[0]);
        let svc = subset(
            rng,
            &["party_edu", "volunteer"],
            &all_services,
            if model { 8 } else { 5 },
        );
        place(
            rng,
            kinds::COMMUNITY_CENTRE,
            format!("{}党群服务中心", c.name),
            c,
            format!("乌海市海勃湾区{}", c.name),
            at,
            HOURS[1],
            svc,
            model,
            if model {
                format!(
                    "{}精品社区，党群服务中心面积逾千平方米，设党员活动室、日间照料室、图书室和议事厅。",
                    c.name
                )
            } else {
                format!(
                    "{}党群服务中心，设党员活动室、便民服务窗口和多功能活动室。",
                    c.name
                )
            },
        );
    }
    // Stations, organ posts, park and business-district sites.
    for (kind, name, code, address) in SITES {
        let Some((c, _)) = communities.iter().find(|(c, _)| c.code == code) else {
            continue;
        };
        let unit = if kind == kinds::ORGAN_POST {
            &district
        } else if kind == kinds::PARK_SITE {
            match subs.iter().find(|s| Some(s.id) == c.parent_id) {
                Some(s) => s,
                None => c,
            }
        } else {
            c
        };
        let at = grid_point(rng, code);
        let svc = match kind {
            kinds::STATION => subset(
                rng,
                &["party_edu", "employment", "reading", "volunteer"],
                &all_services,
                2,
            ),
            kinds::ORGAN_POST => {
                subset(rng, &["party_edu", "gov_agency", "legal"], &all_services, 1)
            }
            kinds::PARK_SITE => subset(
                rng,
                &["party_edu", "employment", "legal", "gov_agency"],
                &all_services,
                1,
            ),
            _ => subset(
                rng,
                &["party_edu", "employment", "volunteer", "culture"],
                &all_services,
                2,
            ),
        };
        place(
            rng,
            kind,
            name.into(),
            unit,
            format!("乌海市{address}"),
            at,
            if kind == kinds::ORGAN_POST {
                HOURS[1]
            } else {
                HOURS[2]
            },
            svc,
            false,
            String::new(),
        );
    }
    let n_places = places.len() as u64;
    let n_activities: usize = places.iter().map(|(_, a)| a.len()).sum();
    let audit = ctx
        .event(
            &system,
            "network.demo_places",
            "place",
            "demo",
            &district.path,
        )
        .after(serde_json::json!({"places": n_places, "activities": n_activities}));
    ctx.network.import_places(places, audit).await?;

    // Joint meetings: district, every sub-district, every community, two business districts.
    let mut bundles: Vec<BodyBundle> = vec![];
    let district_members: Vec<NewMember> = [
        ("区委组织部", MemberKind::Department),
        ("区委政法委", MemberKind::Department),
        ("区民政局", MemberKind::Department),
        ("区住房和城乡建设局", MemberKind::Department),
        ("区城市管理综合执法局", MemberKind::Department),
        ("区市场监督管理局", MemberKind::Department),
        ("区人力资源和社会保障局", MemberKind::Department),
        ("区卫生健康委员会", MemberKind::Department),
        ("乌海市公安局海勃湾区分局", MemberKind::Department),
        ("国网乌海供电公司", MemberKind::Unit),
    ]
    .into_iter()
    .map(|(n, k)| NewMember {
        name: n.into(),
        kind: k,
        party_org_id: None,
        representative: person_name(rng),
    })
    .collect();
    let mut district_members = district_members;
    for s in &subs {
        district_members.push(NewMember {
            name: format!("{}党工委", s.name),
            kind: MemberKind::PartyOrg,
            party_org_id: None,
            representative: person_name(rng),
        });
    }
    let convener = format!("区委书记 {}", person_name(rng));
    bundles.push(body_bundle(
        rng,
        today,
        now,
        BodyLevel::District,
        &district,
        "海勃湾区城市基层党建联席会议".into(),
        convener,
        district_members,
    ));
    for s in &subs {
        let mut members: Vec<NewMember> = [
            (
                format!(
                    "{}派出所",
                    s.name.trim_end_matches("街道").trim_end_matches('镇')
                ),
                MemberKind::Station,
            ),
            (format!("{}司法所", s.name), MemberKind::Station),
            (format!("{}市场监督管理所", s.name), MemberKind::Station),
            (
                format!("区城市管理综合执法局{}中队", s.name),
                MemberKind::Station,
            ),
            ("乌海市第六中学党支部".to_string(), MemberKind::Unit),
            ("中国农业银行海勃湾支行党支部".to_string(), MemberKind::Unit),
            (
                "内蒙古益家商贸有限公司党支部".to_string(),
                MemberKind::Enterprise,
            ),
            (
                "乌海市阳光社会工作服务中心".to_string(),
                MemberKind::SocialOrg,
            ),
        ]
        .into_iter()
        .map(|(n, k)| NewMember {
            name: n,
            kind: k,
            party_org_id: None,
            representative: person_name(rng),
        })
        .collect();
        for (c, _) in communities
            .iter()
            .filter(|(c, _)| c.parent_id == Some(s.id))
        {
            members.push(NewMember {
                name: format!("{}党组织", c.name),
                kind: MemberKind::Community,
                party_org_id: None,
                representative: person_name(rng),
            });
        }
        let convener = format!("党工委书记 {}", person_name(rng));
        bundles.push(body_bundle(
            rng,
            today,
            now,
            BodyLevel::Subdistrict,
            s,
            format!("{}党建联席会议", s.name),
            convener,
            members,
        ));
    }
    for (c, _) in &communities {
        let members: Vec<NewMember> = [
            (format!("{}党委", c.name), MemberKind::PartyOrg),
            (format!("{}居民委员会", c.name), MemberKind::Community),
            (
                format!(
                    "{}物业服务有限公司",
                    rng.pick(&["恒信", "安居", "锦华", "嘉泰", "和顺", "银河"])
                ),
                MemberKind::Property,
            ),
            (format!("{}业主委员会", c.name), MemberKind::SocialOrg),
            (format!("{}警务室", c.name), MemberKind::Station),
            (
                rng.pick(&[
                    "海勃湾区第一小学党支部",
                    "乌海市人民医院党委第三支部",
                    "中国移动乌海分公司党支部",
                    "海勃湾区供热公司党支部",
                    "乌海市第三中学党支部",
                ])
                .to_string(),
                MemberKind::Unit,
            ),
            (
                rng.pick(&[
                    "区民政局机关党支部",
                    "区住建局机关党支部",
                    "区财政局机关党支部",
                    "区教育局机关党支部",
                ])
                .to_string(),
                MemberKind::Department,
            ),
        ]
        .into_iter()
        .map(|(n, k)| NewMember {
            name: n,
            kind: k,
            party_org_id: None,
            representative: person_name(rng),
        })
        .collect();
        let convener = format!("社区党组织书记 {}", person_name(rng));
        bundles.push(body_bundle(
            rng,
            today,
            now,
            BodyLevel::Community,
            c,
            format!("{}党建联席会议", c.name),
            convener,
            members,
        ));
    }
    for (code, name) in [
        ("150302003", "沿人民路商业带商圈党建协调会"),
        ("150302004", "新华街商业聚集区商圈党建协调会"),
    ] {
        let Some(s) = subs.iter().find(|s| s.code == code) else {
            continue;
        };
        let members: Vec<NewMember> = [
            ("万达广场党支部", MemberKind::Enterprise),
            ("益家购物中心党支部", MemberKind::Enterprise),
            ("海勃湾区个体劳动者私营企业协会", MemberKind::SocialOrg),
            ("人民路商户联合会", MemberKind::Merchant),
            ("新华街商户代表", MemberKind::Merchant),
            ("区市场监督管理局", MemberKind::Department),
            ("“时间的朋友”党支部", MemberKind::PartyOrg),
        ]
        .into_iter()
        .map(|(n, k)| NewMember {
            name: n.into(),
            kind: k,
            party_org_id: None,
            representative: person_name(rng),
        })
        .collect();
        let convener = format!("党工委副书记 {}", person_name(rng));
        bundles.push(body_bundle(
            rng,
            today,
            now,
            BodyLevel::Business,
            s,
            name.into(),
            convener,
            members,
        ));
    }
    let n_bodies = bundles.len() as u64;
    let n_meetings: usize = bundles.iter().map(|b| b.meetings.len()).sum();
    let n_resolutions: usize = bundles
        .iter()
        .flat_map(|b| b.meetings.iter().map(|m| m.1.len()))
        .sum();
    let audit = ctx
        .event(&system, "network.demo_joint_meetings", "joint_meeting", "demo", &district.path)
        .after(serde_json::json!({"bodies": n_bodies, "meetings": n_meetings, "resolutions": n_resolutions}));
    ctx.network.import_bodies(bundles, audit).await?;

    // The reformed sub-districts (the development zone keeps its management committee).
    let mut items = vec![];
    let mut teams = vec![];
    let mut delegated = vec![];
    for s in subs.iter().filter(|s| s.code != NO_SUB_CENTRE) {
        let town = s.name.ends_with('镇');
        let mut push = |list: ReformList, name: String, category: &str, note: &str, sort: i64| {
            items.push(NewReformItem {
                unit_id: s.id,
                path: s.path.clone(),
                list,
                name,
                category: category.into(),
                note: note.into(),
                sort,
            })
        };
        for (i, (f, note)) in FUNCTIONS.iter().enumerate() {
            push(ReformList::Function, (*f).into(), "", note, i as i64 + 1);
        }
        for (i, r) in RIGHTS.iter().enumerate() {
            push(ReformList::Right, (*r).into(), "", "", i as i64 + 1);
        }
        for (i, (o, cat, note)) in ORGANS.iter().enumerate() {
            let name = if town && *o == "城市管理办公室" {
                "乡村振兴办公室"
            } else {
                o
            };
            push(ReformList::Organ, name.into(), cat, note, i as i64 + 1);
        }
        for (i, (k, note)) in STATIONS.iter().enumerate() {
            push(
                ReformList::Station,
                format!("{}{}", s.name, k),
                k,
                note,
                i as i64 + 1,
            );
        }
        for (name, dept) in [
            (
                format!("区城市管理综合执法局{}中队", s.name),
                "区城市管理综合执法局",
            ),
            (
                format!("区市场监督管理局{}执法组", s.name),
                "区市场监督管理局",
            ),
            (
                format!("区应急管理局{}安全生产执法小组", s.name),
                "区应急管理局",
            ),
        ] {
            teams.push(NewLawTeam {
                unit_id: s.id,
                path: s.path.clone(),
                name,
                department: dept.into(),
                command: "由街道党工委统一指挥调度，日常管理和考勤考核以街道为主".into(),
                note: "双重管理：业务指导和执法资格由主管部门负责，人员调整须征得街道党工委同意"
                    .into(),
            });
        }
        delegated.push((
            s.id,
            None,
            "待“一网通办”服务事项能力上线后填入下放事项数".to_string(),
        ));
    }
    let n_items = items.len();
    let n_teams = teams.len();
    let audit = ctx
        .event(
            &system,
            "network.demo_reform",
            "reform_item",
            "demo",
            &district.path,
        )
        .after(serde_json::json!({"items": n_items, "teams": n_teams}));
    ctx.network
        .import_reform(items, teams, delegated, now, audit)
        .await?;

    Ok(serde_json::json!({
        "places": n_places,
        "model_communities": model_n,
        "activities": n_activities,
        "joint_meeting_bodies": n_bodies,
        "meetings": n_meetings,
        "resolutions": n_resolutions,
        "reform_items": n_items,
        "law_teams": n_teams,
    }))
}

#[allow(clippy::too_many_arguments)]
fn body_bundle(
    rng: &mut Rng,
    today: NaiveDate,
    now: i64,
    level: BodyLevel,
    unit: &OrgUnit,
    name: String,
    convener: String,
    members: Vec<NewMember>,
) -> BodyBundle {
    let n = rng.range(4, 12) as i64;
    let mut meetings = vec![];
    for k in 0..n {
        // Spread over the past year, the oldest first.
        let back = 360 * (n - k) / (n + 1) + rng.range(0, 10) as i64;
        let d = today - Duration::days(back.max(1));
        let mut attendance = vec![];
        let mut present = 0;
        for (i, _) in members.iter().enumerate() {
            let x = rng.range(0, 99);
            let (st, deputy) = if x < 82 {
                present += 1;
                (AttendanceStatus::Present, String::new())
            } else if x < 92 {
                present += 1;
                (AttendanceStatus::Deputy, person_name(rng))
            } else {
                (AttendanceStatus::Absent, String::new())
            };
            attendance.push((i as i64, st, deputy));
        }
        let mut agenda: Vec<String> = vec![];
        for _ in 0..rng.range(2, 4) {
            let a = rng.pick(&AGENDA).to_string();
            if !agenda.contains(&a) {
                agenda.push(a);
            }
        }
        let mut resolutions = vec![];
        for _ in 0..rng.range(1, 4) {
            let owner_idx = rng.range(0, members.len().max(1) as u64 - 1) as usize;
            let owner = members
                .get(owner_idx)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            let deadline = d + Duration::days(rng.range(15, 60) as i64);
            let x = rng.range(0, 99);
            let (status, done) = if deadline < today {
                if x < 95 {
                    let done = (d + Duration::days(
                        rng.range(5, (deadline - d).num_days().max(6) as u64) as i64,
                    ))
                    .min(today);
                    (ResolutionStatus::Done, Some(done))
                } else if x < 97 {
                    (ResolutionStatus::InProgress, None)
                } else {
                    (ResolutionStatus::Open, None)
                }
            } else if x < 40 {
                (
                    ResolutionStatus::Done,
                    Some(today.min(d + Duration::days(7))),
                )
            } else if x < 70 {
                (ResolutionStatus::InProgress, None)
            } else {
                (ResolutionStatus::Open, None)
            };
            resolutions.push(NewResolution {
                body_id: 0,
                meeting_id: None,
                path: unit.path.clone(),
                title: rng.pick(&RESOLUTIONS).to_string(),
                owner,
                owner_member_id: Some(owner_idx as i64),
                deadline: day(deadline),
                status,
                note: match status {
                    ResolutionStatus::Done => rng.pick(&DONE_NOTES).to_string(),
                    ResolutionStatus::InProgress => "正在推进，已制定实施方案".into(),
                    ResolutionStatus::Open => String::new(),
                },
                done_day: done.map(day),
                case_number: None,
                at_ms: now,
            });
        }
        let minutes = format!(
            "会议由{convener}主持，应到成员单位{}个，实到{present}个。会议{}。经充分协商，议定：{}。",
            members.len(),
            agenda.join("；"),
            resolutions
                .iter()
                .map(|r| format!("{}（{}负责）", r.title, r.owner))
                .collect::<Vec<_>>()
                .join("；"),
        );
        meetings.push((
            NewMeeting {
                body_id: 0,
                day: day(d),
                place: match level {
                    BodyLevel::District => "区委第一会议室".into(),
                    BodyLevel::Business => "商圈党群服务驿站".into(),
                    _ => format!("{}党群服务中心议事厅", unit.name),
                },
                agenda,
                minutes,
                attendance,
                at_ms: now,
            },
            resolutions,
        ));
    }
    BodyBundle {
        body: NewBody {
            level,
            unit_id: unit.id,
            path: unit.path.clone(),
            name,
            convener,
            at_ms: now,
        },
        members,
        meetings,
    }
}
