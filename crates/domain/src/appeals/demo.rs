//! The demo district's year of appeals: the district departments, stations and property
//! companies, a year of cases with their whole workflow history (each story is played
//! through the real workflow rules, with the overdue sweeper running between steps),
//! and the rotating secretaries (轮值书记) of the last six months.
//!
//! Everything is drawn from the demo's deterministic [`Rng`]: the same seed and the same
//! clock make the same history.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use jiceng_core::clock::china;
use jiceng_core::{Actor, DomainError, Result, Role, mask};
use serde::Serialize;

use super::calendar::{Calendar, remind_at};
use super::model::*;
use super::store::{HistoricCase, NewCase, NewDepartment};
use super::workflow::{self, Action, Assignee, Relation};
use crate::Ctx;
use crate::demo::{Rng, person_name, phone};
use crate::org::{OrgUnit, PostTitle, UnitKind};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
/// Cases per 10,000 residents per month.
const CASES_PER_10K_MONTH: f64 = 40.0;
/// Cases written per transaction.
const BATCH: usize = 1000;

/// District departments (code, name, phone). The first seven are named by the seeded
/// categories; 民政 and 人社 take whistles and assistance.
const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("szzx", "区市政公用事业服务中心", "0473-3996120"),
    ("swj", "区水务局", "0473-3992345"),
    ("rqgs", "乌海市燃气公司海勃湾分公司", "0473-2026119"),
    ("zjj", "区住房和城乡建设局", "0473-3996028"),
    ("ylj", "区园林绿化管理局", "0473-3993156"),
    ("cgj", "区城市管理综合执法局", "0473-3990110"),
    ("xfdd", "区消防救援大队", "0473-3996119"),
    ("mzj", "区民政局", "0473-3992761"),
    ("rsj", "区人力资源和社会保障局", "0473-3995612"),
];

/// Sub-districts with their own stations (站所): code, short code, short name.
const STATION_SUBDISTRICTS: &[(&str, &str, &str)] =
    &[("150302001", "fhl", "凤凰岭"), ("150302002", "hb", "海北")];

const COMPANY_HEAD: &[&str] = &[
    "金", "鸿", "恒", "嘉", "瑞", "华", "宏", "安", "锦", "德", "鑫", "顺", "广", "天", "正", "明",
    "龙", "富", "盛", "泰", "中", "永", "兴", "万",
];
const COMPANY_TAIL: &[&str] = &[
    "达", "泰", "安", "和", "源", "诚", "通", "康", "福", "城", "居", "信", "悦", "邦",
];

/// Category mix: (code, weight, multipliers for winter, spring, summer, autumn).
const MIX: &[(&str, f64, [f64; 4])] = &[
    ("0101", 10.0, [1.0, 1.0, 1.2, 1.0]),
    ("0102", 25.0, [1.3, 0.9, 0.8, 1.1]),
    ("0103", 14.0, [2.2, 0.9, 0.8, 0.8]),
    ("0104", 2.0, [1.8, 0.8, 0.5, 0.8]),
    ("0201", 20.0, [0.8, 1.3, 1.1, 1.0]),
    ("0202", 8.0, [1.0, 1.0, 1.0, 1.0]),
    ("0301", 80.0, [0.8, 1.0, 1.4, 1.0]),
    ("0302", 60.0, [0.9, 1.1, 1.1, 1.0]),
    ("0303", 30.0, [1.0, 1.0, 1.0, 1.0]),
    ("0401", 15.0, [0.5, 1.3, 1.4, 1.0]),
    ("0402", 5.0, [0.6, 3.0, 1.2, 0.8]),
    ("0501", 30.0, [0.6, 1.1, 1.5, 1.1]),
    ("0502", 15.0, [0.6, 1.3, 1.2, 1.0]),
    ("1101", 60.0, [1.3, 0.9, 0.8, 1.0]),
    ("1102", 30.0, [1.0, 1.0, 1.0, 1.0]),
    ("1103", 60.0, [0.9, 1.0, 1.3, 1.0]),
    ("1104", 70.0, [1.6, 0.8, 1.2, 0.8]),
    ("1105", 60.0, [1.0, 1.0, 1.0, 1.0]),
    ("1201", 20.0, [1.3, 1.0, 0.9, 1.0]),
    ("1202", 10.0, [1.2, 1.0, 1.0, 1.0]),
    ("1203", 8.0, [1.0, 1.4, 1.0, 1.0]),
    ("1204", 15.0, [0.9, 1.0, 1.3, 1.0]),
    ("1301", 90.0, [0.7, 1.0, 1.6, 1.0]),
    ("1302", 30.0, [1.0, 1.0, 1.0, 1.0]),
    ("1401", 10.0, [1.5, 1.0, 0.8, 1.0]),
    ("1402", 4.0, [1.0, 1.0, 1.3, 1.0]),
    ("1501", 20.0, [1.0, 1.0, 1.0, 1.0]),
];

/// Volume by month (January first): more in the heating season and in summer.
const MONTH_VOLUME: [f64; 12] = [
    1.1, 0.85, 1.0, 1.0, 1.05, 1.1, 1.15, 1.1, 0.95, 0.9, 1.05, 1.15,
];

const PHRASES: &[(&str, &[&str])] = &[
    (
        "0101",
        &[
            "人行道上的井盖破损，有行人差点踩空",
            "雨水井盖缺失，晚上路过很危险",
            "污水井盖松动，车辆经过时响声很大",
            "检查井盖下沉，路面坑洼不平",
        ],
    ),
    (
        "0102",
        &[
            "路灯不亮，晚上一片漆黑",
            "连续几盏路灯不亮，夜间出行不安全",
            "路灯白天常亮，浪费电",
            "路灯杆倾斜，灯罩脱落",
        ],
    ),
    (
        "0103",
        &[
            "供水管道漏水，路面大片积水",
            "自来水管爆裂漏水，水流到马路上",
            "消防栓附近漏水，已经好几天了",
            "小区门口地下管道漏水，路面出现塌陷",
        ],
    ),
    (
        "0104",
        &[
            "闻到明显的燃气味，怀疑燃气泄漏",
            "楼道里有燃气泄漏的味道",
            "燃气表附近有嘶嘶声，疑似漏气",
        ],
    ),
    (
        "0201",
        &[
            "路面坑洼破损，车辆通行困难",
            "人行道地砖松动破损，老人容易绊倒",
            "道路出现裂缝和塌陷",
            "路沿石破损，车辆剐蹭",
        ],
    ),
    (
        "0202",
        &[
            "交通信号灯故障，路口车辆拥堵",
            "护栏被撞坏倒在路边",
            "交通标志牌被大风刮歪",
            "减速带损坏，螺丝外露",
        ],
    ),
    (
        "0301",
        &[
            "垃圾箱满溢，垃圾散落一地",
            "路边有暴露垃圾，气味很大",
            "垃圾清运不及时，苍蝇蚊子多",
            "有人乱倒生活垃圾",
        ],
    ),
    (
        "0302",
        &[
            "有人在路边乱堆建筑材料",
            "楼道口堆放装修垃圾",
            "空地上堆放大量杂物，存在安全隐患",
            "商户占用人行道堆放货物",
        ],
    ),
    (
        "0303",
        &[
            "单元门和电线杆上贴满小广告",
            "墙面被喷涂办证小广告",
            "楼道里小广告很多，清理后又被贴上",
        ],
    ),
    (
        "0401",
        &[
            "绿地里垃圾较多，无人清理",
            "绿化带被踩踏，黄土裸露",
            "草坪里有狗粪，影响环境",
        ],
    ),
    (
        "0402",
        &[
            "大风把树刮倒了，压在路边车辆上",
            "行道树倾斜，随时可能倒伏",
            "树枝断裂悬挂在半空，很危险",
        ],
    ),
    (
        "0501",
        &[
            "商贩占道经营，堵塞通行",
            "早市摊位占用机动车道",
            "夜市烧烤占道经营，油烟扰民",
        ],
    ),
    (
        "0502",
        &[
            "有人在楼下私搭乱建彩钢房",
            "一楼住户违规扩建院墙",
            "楼顶违章搭建阳光房",
        ],
    ),
    (
        "1101",
        &[
            "楼道照明灯坏了好久，晚上上下楼看不见",
            "单元楼道声控灯不亮",
            "地下室照明损坏，进出很不方便",
        ],
    ),
    (
        "1102",
        &[
            "电梯故障停运，老人上下楼困难",
            "电梯运行时异响抖动",
            "电梯门关不上，经常停在半层",
            "电梯按键失灵，经常停运",
        ],
    ),
    (
        "1103",
        &[
            "小区垃圾没人清理，味道很大",
            "楼道卫生长期无人打扫",
            "小区化粪池堵塞外溢",
            "小区下水道堵塞，污水横流",
        ],
    ),
    (
        "1104",
        &[
            "楼上卫生间漏水严重，天花板渗水",
            "外墙渗水，卧室墙皮脱落",
            "楼顶防水层老化，下雨天屋内漏水",
            "厨房下水管漏水，影响楼下住户",
            "楼上水管漏水，我家吊顶被泡坏",
        ],
    ),
    (
        "1105",
        &[
            "小区车辆乱停乱放，消防通道被堵",
            "外来车辆占用小区车位",
            "地下车库收费不合理",
            "电动车在楼道里充电，有安全隐患",
        ],
    ),
    (
        "1201",
        &[
            "家里老人独居，希望社区提供助餐服务",
            "想给卧床老人申请居家养老服务",
            "老人行动不便，希望帮忙申请助老服务",
            "希望社区日间照料中心延长开放时间",
        ],
    ),
    (
        "1202",
        &[
            "家庭困难，想咨询低保申请条件",
            "低保金没有按时发放",
            "家人重病，希望申请临时救助",
        ],
    ),
    (
        "1203",
        &[
            "失业在家，希望社区帮忙推荐工作",
            "想参加职业技能培训",
            "咨询灵活就业社保补贴怎么申请",
        ],
    ),
    (
        "1204",
        &[
            "需要开具居住证明",
            "孩子办理入学需要社区开具证明",
            "咨询开具无犯罪记录证明需要什么材料",
        ],
    ),
    (
        "1301",
        &[
            "楼上住户深夜噪音扰民",
            "广场舞音响声音太大，影响休息",
            "邻居装修噪音，周末一早就开始施工",
            "楼下商铺音响声音太大",
            "夜间施工噪音扰民",
        ],
    ),
    (
        "1302",
        &[
            "与邻居因漏水赔偿发生纠纷，希望社区调解",
            "邻居在公共楼道堆放杂物，协商不成",
            "邻居养狗扰民，多次沟通无果",
            "因停车位问题与邻居发生争执",
        ],
    ),
    (
        "1401",
        &[
            "楼道堆放杂物堵塞消防通道",
            "小区消防栓没有水",
            "有人私拉电线给电动车充电",
            "地下室堆放易燃物品",
        ],
    ),
    (
        "1402",
        &[
            "老楼外墙开裂，墙皮脱落",
            "阳台出现裂缝，担心有安全隐患",
            "房屋地基下沉，墙体开裂",
        ],
    ),
    (
        "1501",
        &[
            "建议小区增设健身器材",
            "建议在路口增设公交站点",
            "建议社区多组织老年人活动",
            "建议增加垃圾分类投放点",
        ],
    ),
];

/// Heating-season (November–March) phrases.
const WINTER_PHRASES: &[(&str, &[&str])] = &[
    (
        "0103",
        &[
            "天冷后地下水管冻裂漏水，路面结冰",
            "供水管道漏水结冰，行人容易滑倒",
        ],
    ),
    (
        "1104",
        &[
            "暖气管道漏水，地面积水",
            "暖气片接口漏水，木地板被泡",
            "楼上暖气漏水，我家天花板渗水",
        ],
    ),
    ("1101", &["天黑得早，楼道灯不亮，老人摔了一跤"]),
];

const LEADS: &[&str] = &[
    "",
    "",
    "",
    "",
    "昨天晚上开始，",
    "最近一周，",
    "今天早上发现，",
    "这几天",
];
const TAILS: &[&str] = &[
    "，请尽快处理。",
    "，希望尽快解决。",
    "，多次反映未解决，请相关部门重视。",
    "。",
    "，麻烦派人来看看。",
    "，影响居民正常生活。",
];

const RESULTS: &[(&str, &str)] = &[
    ("0101", "已更换新井盖并设置警示标识"),
    ("0102", "已更换灯具，路灯恢复正常照明"),
    ("0103", "已组织抢修，更换破损管段，漏水已止住"),
    (
        "0104",
        "燃气公司已到场检测，关闭阀门并更换老化软管，复测无泄漏",
    ),
    ("0201", "已安排养护单位修补路面"),
    ("0202", "已安排养护单位修复交通设施"),
    ("0301", "已组织保洁人员清运垃圾，并加密清运频次"),
    ("0302", "已联系当事人清理堆放物料"),
    ("0303", "已清除小广告，并加强巡查"),
    ("0401", "已清理绿地垃圾，补种草皮"),
    ("0402", "已清理倒伏树木，修剪隐患枝条"),
    ("0501", "已劝离占道商贩，引导入市经营"),
    ("0502", "已下达整改通知书，当事人已自行拆除"),
    ("1101", "物业已更换楼道灯，照明恢复正常"),
    ("1102", "物业已联系维保单位维修，电梯恢复运行"),
    ("1103", "物业已组织清理，并增加保洁频次"),
    (
        "1104",
        "物业已安排维修人员查找漏点并完成防水修补，楼下不再渗水",
    ),
    ("1105", "物业已清理乱停车辆，并在消防通道施划禁停标识"),
    ("1201", "社区已对接居家养老服务中心，每周上门服务两次"),
    ("1202", "社区已指导居民提交申请材料，已受理"),
    ("1203", "社区已推荐三个就业岗位，并登记参加技能培训"),
    ("1204", "社区已按规定开具证明"),
    ("1301", "网格员已上门沟通，对方承诺夜间不再扰民"),
    ("1302", "社区组织双方调解，达成一致意见"),
    ("1401", "已清理杂物，消防通道畅通"),
    ("1402", "已组织安全鉴定，设置警示并安排维修"),
    ("1501", "感谢建议，已纳入社区年度工作计划"),
];

const REJECT_REASONS: &[&str] = &[
    "重复诉求，已合并办理",
    "不属于受理范围，已告知向相关单位反映",
    "诉求内容不清，电话联系不上反映人",
    "经核实，反映的问题不存在",
];
const EXTENSION_NOTES: &[&str] = &[
    "需采购配件，申请延期",
    "需与业主协商维修方案，申请延期",
    "受天气影响无法施工，申请延期",
];
const VERIFY_NOTES: &[&str] = &["", "现场核查，问题已解决", "电话回访，居民确认已解决"];
const RATING_NOTES: &[(Satisfaction, &[&str])] = &[
    (
        Satisfaction::Satisfied,
        &["", "", "处理及时，非常满意", "网格员很负责", "感谢社区"],
    ),
    (
        Satisfaction::Basic,
        &["", "处理得还行，就是有点慢", "基本解决了"],
    ),
    (
        Satisfaction::Unsatisfied,
        &["问题没有彻底解决", "处理太慢", "没人联系我"],
    ),
];
const ROADS: &[&str] = &[
    "滨河大道",
    "黄河西街",
    "海拉路",
    "人民路",
    "新华大街",
    "甘德尔街",
    "学府街",
    "北环路",
    "狮城路",
    "林荫大道",
    "海北路",
    "千钢路",
];
const ROAD_SPOTS: &[&str] = &["交叉口", "公交站旁", "附近", "人行道", "东侧", "路口"];

/// The departments, stations and property companies the demo made.
#[derive(Debug, Clone, Default)]
pub struct DemoDepartments {
    /// District departments and stations.
    pub departments: Vec<Department>,
    pub companies: Vec<Department>,
    /// Estate id → index in `companies`.
    pub estate_company: HashMap<i64, usize>,
    /// The company serving the demo's first estate (the `wuye` account's).
    pub first_company: Option<i64>,
}

impl DemoDepartments {
    pub fn id(&self, code: &str) -> Option<i64> {
        self.departments
            .iter()
            .chain(self.companies.iter())
            .find(|d| d.code == code)
            .map(|d| d.id)
    }
    fn by_code(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }
    fn by_id(&self, id: i64) -> Option<&Department> {
        self.departments
            .iter()
            .chain(self.companies.iter())
            .find(|d| d.id == id)
    }
    fn stations(&self) -> usize {
        self.departments
            .iter()
            .filter(|d| d.kind == DeptKind::Station)
            .count()
    }
}

#[derive(Debug, Clone)]
pub struct HistoryOptions<'a> {
    /// Residents in the district (the volume follows them).
    pub residents: u64,
    pub departments: &'a DemoDepartments,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HistoryReport {
    pub cases: u64,
    pub open: u64,
    pub overdue: u64,
    pub closed: u64,
    pub rejected: u64,
    pub departments: u64,
    pub stations: u64,
    pub property_companies: u64,
    pub rotations: u64,
    pub seconds: f64,
}

fn audit_system() -> Actor {
    Actor::system()
}

/// Creates the district departments, the stations of two sub-districts and the property
/// companies serving the estates (village groups have none).
pub async fn load_departments(ctx: &Ctx, rng: &mut Rng) -> Result<DemoDepartments> {
    let system = audit_system();
    let district = ctx
        .org
        .roots()
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound("unit"))?;
    let mut out = DemoDepartments::default();
    for (code, name, tel) in DEPARTMENTS {
        let d = insert_dept(
            ctx,
            &system,
            NewDepartment {
                code: (*code).into(),
                name: (*name).into(),
                kind: DeptKind::Department,
                unit_id: district.id,
                phone: (*tel).into(),
            },
            vec![],
            &district.path,
        )
        .await?;
        out.departments.push(d);
    }
    for (sub_code, short, name) in STATION_SUBDISTRICTS {
        let Some(sub) = ctx.org.unit_by_code(sub_code).await? else {
            continue;
        };
        for (kind, label) in [("pcs", "派出所"), ("scjgs", "市场监管所")] {
            let d = insert_dept(
                ctx,
                &system,
                NewDepartment {
                    code: format!("{kind}-{short}"),
                    name: format!("{name}{label}"),
                    kind: DeptKind::Station,
                    unit_id: sub.id,
                    phone: format!("0473-{}", rng.range(2_000_000, 3_999_999)),
                },
                vec![],
                &sub.path,
            )
            .await?;
            out.departments.push(d);
        }
    }
    // Property companies: consecutive (so neighbouring) estates, about six each.
    let communities: HashMap<String, OrgUnit> = ctx
        .org
        .units_in(&district.path, UnitKind::Community, 1_000_000)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();
    let estates: Vec<OrgUnit> = ctx
        .org
        .units_in(&district.path, UnitKind::Estate, 10_000_000)
        .await?
        .into_iter()
        .filter(|e| {
            let codes = crate::org::rules::path_codes(&e.path);
            let village = codes
                .get(2)
                .and_then(|c| communities.get(c))
                .is_some_and(|c| c.official_name.ends_with("村委会"));
            !(village && e.name.ends_with('组'))
        })
        .collect();
    let names = company_names(rng);
    let mut i = 0;
    let mut n = 0usize;
    while i < estates.len() {
        let size = rng.range(4, 8) as usize;
        let group = &estates[i..(i + size).min(estates.len())];
        i += group.len();
        let name = company_name(&names, n);
        n += 1;
        let d = insert_dept(
            ctx,
            &system,
            NewDepartment {
                code: format!("wy{n:03}"),
                name,
                kind: DeptKind::Property,
                unit_id: district.id,
                phone: format!("0473-{}", rng.range(2_000_000, 3_999_999)),
            },
            group.iter().map(|e| e.id).collect(),
            &district.path,
        )
        .await?;
        for e in group {
            out.estate_company.insert(e.id, out.companies.len());
        }
        out.companies.push(d);
    }
    let first_estate = estates
        .iter()
        .find(|e| e.code.starts_with("150302001002001"))
        .or(estates.first());
    out.first_company = first_estate
        .and_then(|e| out.estate_company.get(&e.id))
        .and_then(|i| out.companies.get(*i))
        .map(|d| d.id);
    Ok(out)
}

async fn insert_dept(
    ctx: &Ctx,
    system: &Actor,
    d: NewDepartment,
    estates: Vec<i64>,
    path: &str,
) -> Result<Department> {
    let audit = ctx
        .event(system, "appeals.create_department", "department", &d.code, path)
        .after(serde_json::json!({"code": d.code, "name": d.name, "kind": d.kind.as_str(), "estates": estates.len()}));
    ctx.appeals.insert_department(d, estates, audit).await
}

/// Two-character company words, shuffled.
fn company_names(rng: &mut Rng) -> Vec<String> {
    let mut v: Vec<String> = COMPANY_HEAD
        .iter()
        .flat_map(|h| {
            COMPANY_TAIL
                .iter()
                .filter(move |t| *t != h)
                .map(move |t| format!("{h}{t}"))
        })
        .collect();
    for i in (1..v.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        v.swap(i, j);
    }
    v
}

fn company_name(words: &[String], n: usize) -> String {
    let w = words
        .get(n % words.len().max(1))
        .map_or("海湾", |s| s.as_str());
    let round = n / words.len().max(1);
    if round == 0 {
        format!("乌海市{w}物业服务有限公司")
    } else {
        format!("乌海市{w}物业服务有限公司第{}分公司", round + 1)
    }
}

/// A weighted choice: the index of one weight, proportional to it. Weights that are
/// not positive are never chosen (unless none is, then 0).
pub(crate) fn pick_weighted(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    if total <= 0.0 {
        return 0;
    }
    let mut x = rng.f64() * total;
    let mut last = 0;
    for (i, w) in weights.iter().enumerate() {
        if *w <= 0.0 {
            continue;
        }
        last = i;
        if x < *w {
            return i;
        }
        x -= w;
    }
    last
}

/// Uniform in `[lo, hi)`.
fn uni(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.f64()
}

/// Milliseconds, uniform between two durations in minutes.
fn minutes(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    rng.range(lo as u64, hi.max(lo) as u64) as i64 * MINUTE + rng.range(0, 59) as i64 * 1000
}

/// A 32-hex-character tracking token.
pub(crate) fn token(rng: &mut Rng) -> String {
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

fn bj(ms: i64) -> DateTime<FixedOffset> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&china())
}

/// The Beijing date `YYMMDD` of a moment (the case number's prefix).
pub(crate) fn day_code(ms: i64) -> String {
    bj(ms).format("%y%m%d").to_string()
}

/// `YYYY-MM` in Beijing time.
fn period_of(ms: i64) -> String {
    bj(ms).format("%Y-%m").to_string()
}

/// Midnight (Beijing) of a date, in ms.
fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| china().from_local_datetime(&t).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// Work happens in the day: a moment at night moves to the next morning.
fn office_hours(rng: &mut Rng, at: i64) -> i64 {
    let t = bj(at);
    let h = t.hour();
    if (7..22).contains(&h) {
        return at;
    }
    let day = if h >= 22 {
        t.date_naive() + Duration::days(1)
    } else {
        t.date_naive()
    };
    midnight(day) + 8 * HOUR + minutes(rng, 0, 90)
}

/// Season index for the mix: winter (Nov–Mar), spring (Apr–May), summer (Jun–Aug),
/// autumn (Sep–Oct).
fn season(month: u32) -> usize {
    match month {
        11 | 12 | 1..=3 => 0,
        4 | 5 => 1,
        6..=8 => 2,
        _ => 3,
    }
}

fn heating(month: u32) -> bool {
    matches!(month, 11 | 12 | 1..=3)
}

/// A resident's description of a problem, in the words of the category.
pub(crate) fn describe(rng: &mut Rng, code: &str, month: u32) -> String {
    let base = PHRASES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, p)| *p)
        .unwrap_or(&["反映问题，请处理"]);
    let winter = WINTER_PHRASES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, p)| *p)
        .filter(|_| heating(month));
    let core = match winter {
        Some(w) if rng.range(0, 9) < 4 => *rng.pick(w),
        _ => *rng.pick(base),
    };
    let lead = *rng.pick(LEADS);
    let tail = *rng.pick(TAILS);
    format!("{lead}{core}{tail}")
}

fn result_text(rng: &mut Rng, code: &str) -> String {
    let r = RESULTS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("已现场处置完毕", |(_, r)| *r);
    match rng.range(0, 3) {
        0 => format!("{r}，已电话回访反映人"),
        _ => r.to_string(),
    }
}

fn rating_note(rng: &mut Rng, s: Satisfaction) -> String {
    RATING_NOTES
        .iter()
        .find(|(k, _)| *k == s)
        .map(|(_, n)| rng.pick(n).to_string())
        .unwrap_or_default()
}

const LEVELS: [Level; 4] = [
    Level::Grid,
    Level::Community,
    Level::Subdistrict,
    Level::District,
];

fn li(l: Level) -> usize {
    match l {
        Level::Grid => 0,
        Level::Community => 1,
        Level::Subdistrict => 2,
        Level::District => 3,
    }
}

/// How the acting person stands to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stance {
    Coordinator,
    Assignee,
    Reporter,
}

/// Someone acting in a case's story.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Who {
    pub login: String,
    pub role: Role,
    pub stance: Stance,
}

impl Who {
    pub fn new(login: &str, role: Role, stance: Stance) -> Who {
        Who {
            login: login.to_string(),
            role,
            stance,
        }
    }
    fn relation(&self) -> Relation {
        Relation {
            role: self.role,
            in_scope: self.stance != Stance::Reporter,
            coordinates: self.stance == Stance::Coordinator,
            is_assignee: self.stance == Stance::Assignee,
            is_reporter: self.stance == Stance::Reporter,
            called: false,
            system: false,
        }
    }
}

/// The staff coordinating at a level.
fn coordinator(level: Level) -> Who {
    match level {
        Level::Grid => Who::new("wangge", Role::GridWorker, Stance::Coordinator),
        Level::Community => Who::new("shequ", Role::CommunityStaff, Stance::Coordinator),
        Level::Subdistrict => Who::new("jiedao", Role::SubdistrictStaff, Stance::Coordinator),
        Level::District => Who::new("admin", Role::DistrictAdmin, Stance::Coordinator),
    }
}

/// Who handles a case dispatched from a level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Handler {
    pub to: Assignee,
    pub who: Who,
}

/// What a case's story is played in.
#[derive(Debug, Clone)]
pub(crate) struct Setting<'a> {
    pub cal: &'a Calendar,
    pub now: i64,
    pub cat: &'a Category,
    /// The coordinating unit at each level: grid, community, sub-district, district.
    pub chain: [i64; 4],
    /// The handler when dispatched from each level.
    pub handlers: [Handler; 4],
    /// A department asked to assist at sub-district or district level.
    pub assist: Option<i64>,
    pub submitter: Who,
    pub rater: Who,
}

/// How a case's story goes (drawn by [`plan`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub reject: Option<&'static str>,
    /// The level that accepts it (patrol reports: the grid).
    pub initial: Level,
    /// Escalations by people (the sweeper adds its own when a deadline passes).
    pub escalate: u8,
    /// The work runs past the deadline (the sweeper escalates it).
    pub late: bool,
    /// The work is done in time, the verification comes late.
    pub slow_verify: bool,
    pub sign_late: bool,
    pub verify_fail: bool,
    pub extension: bool,
    pub assist: bool,
    /// Progress stops in this status (the sweeper still runs).
    pub stall: Option<Status>,
    /// Stalled waiting for an extension to be approved.
    pub pending: bool,
    pub rating: Option<Satisfaction>,
    /// The rating after a reopening (None: not rated again).
    pub second_rating: Option<Satisfaction>,
}

impl Plan {
    /// Straight through: accepted at the grid, done in time, no rating.
    pub fn plain() -> Plan {
        Plan {
            reject: None,
            initial: Level::Grid,
            escalate: 0,
            late: false,
            slow_verify: false,
            sign_late: false,
            verify_fail: false,
            extension: false,
            assist: false,
            stall: None,
            pending: false,
            rating: None,
            second_rating: None,
        }
    }
}

fn satisfaction(rng: &mut Rng, weights: [f64; 3]) -> Satisfaction {
    [
        Satisfaction::Satisfied,
        Satisfaction::Basic,
        Satisfaction::Unsatisfied,
    ][pick_weighted(rng, &weights)]
}

/// Draws how a case goes. `recent`: created in the last six weeks (may stall).
pub(crate) fn plan(rng: &mut Rng, channel: Channel, recent: bool) -> Plan {
    let mut p = Plan::plain();
    if channel != Channel::Patrol && rng.f64() < 0.043 {
        p.reject = Some(*rng.pick(REJECT_REASONS));
        return p;
    }
    // Where it ends up. The sweeper and reopenings add a little on top, so the draw
    // leans slightly lower than the shares aimed at (grid 45, community 35,
    // sub-district 15, district 5).
    let fin = pick_weighted(rng, &[48.0, 36.0, 12.5, 4.0]);
    let initial = match (channel, fin) {
        (Channel::Patrol, _) | (_, 0) => 0,
        (_, 1) => usize::from(rng.f64() < 0.45),
        (_, 2) => usize::from(rng.f64() < 0.6),
        _ => usize::from(rng.f64() < 0.7),
    };
    p.initial = LEVELS[initial];
    let mut up = fin.saturating_sub(initial) as u8;
    if up > 0 && rng.f64() < 0.12 {
        p.late = true;
        up -= 1;
    }
    p.escalate = up;
    p.slow_verify = !p.late && rng.f64() < 0.02;
    p.sign_late = rng.f64() < 0.05;
    p.verify_fail = rng.f64() < 0.04;
    p.extension = rng.f64() < 0.05;
    p.assist = rng.f64() < 0.3;
    if recent && rng.f64() < 0.10 {
        let s = [
            Status::Accepted,
            Status::Dispatched,
            Status::Processing,
            Status::Processing,
            Status::Feedback,
        ];
        p.stall = Some(*rng.pick(&s));
        if p.stall == Some(Status::Processing) && rng.f64() < 0.3 {
            p.pending = true;
            p.extension = true;
        }
    }
    let rate_p = if channel == Channel::Patrol {
        0.6
    } else {
        0.88
    };
    if rng.f64() < rate_p {
        let first = satisfaction(rng, [72.0, 17.0, 11.0]);
        p.rating = Some(first);
        if first == Satisfaction::Unsatisfied {
            p.second_rating = match pick_weighted(rng, &[35.0, 35.0, 20.0, 10.0]) {
                0 => None,
                1 => Some(Satisfaction::Unsatisfied),
                2 => Some(Satisfaction::Basic),
                _ => Some(Satisfaction::Satisfied),
            };
        }
    }
    p
}

/// A case's story: its final state and the events that led there.
#[derive(Debug, Clone)]
pub(crate) struct Story {
    pub case: Case,
    pub events: Vec<(i64, NewEvent, String, String)>,
    pub dispatched: Vec<Assignee>,
    pub assisted: Vec<i64>,
    /// When it was first escalated.
    pub escalated_at: Option<i64>,
}

struct Sim<'a, 'b> {
    s: &'a Setting<'b>,
    p: &'a Plan,
    c: Case,
    events: Vec<(i64, NewEvent, String, String)>,
    t: i64,
    /// Feedback, verification and closing times aimed at.
    targets: Option<(i64, i64, i64)>,
    escalate_left: u8,
    extension_done: bool,
    assist_done: bool,
    failed_once: bool,
    ratings: u8,
    dispatched: Vec<Assignee>,
    assisted: Vec<i64>,
    escalated_at: Option<i64>,
}

/// The case as intake stored it.
pub(crate) fn case_of(n: &NewCase) -> Case {
    Case {
        id: 0,
        number: String::new(),
        channel: n.channel,
        category_code: n.category_code.clone(),
        description: n.description.clone(),
        lon: n.lon,
        lat: n.lat,
        address: n.address.clone(),
        grid_id: n.grid_id,
        estate_id: n.estate_id,
        building_id: n.building_id,
        path: n.path.clone(),
        status: n.status,
        level: n.level,
        coord_unit_id: n.coord_unit_id,
        assignee_unit_id: None,
        assignee_dept_id: None,
        reporter_user_id: n.reporter_user_id,
        reporter_name: n.reporter_name.clone(),
        reporter_phone_enc: n.reporter_phone_enc.clone(),
        reporter_phone_mask: n.reporter_phone_mask.clone(),
        anonymous: n.anonymous,
        attributes: n.attributes.clone(),
        media_url: n.media_url.clone(),
        created_ms: n.created_ms,
        accepted_ms: n.accepted_ms,
        dispatched_ms: None,
        response_due_ms: None,
        responded_ms: None,
        due_ms: n.due_ms,
        feedback_ms: None,
        verified_ms: None,
        closed_ms: None,
        closed_level: None,
        result: None,
        reject_reason: None,
        overdue: false,
        reminded: false,
        escalations: 0,
        returned: 0,
        reopen_count: 0,
        satisfaction: None,
        rating_note: None,
        rated_ms: None,
        pending: None,
        joint_meeting: None,
        track_token: n.track_token.clone(),
        version: 1,
        updated_ms: n.created_ms,
    }
}

impl Sim<'_, '_> {
    fn hour_limit(&self) -> bool {
        self.s.cat.limit_unit == LimitUnit::Hours
    }

    fn apply(&mut self, at: i64, who: &Who, action: Action) -> Result<()> {
        let rel = who.relation();
        self.apply_as(at, &rel, &who.login, who.role.as_str(), action)
    }

    fn apply_as(
        &mut self,
        at: i64,
        rel: &Relation,
        login: &str,
        role: &str,
        action: Action,
    ) -> Result<()> {
        let name = action.name();
        let out = workflow::apply(&mut self.c, rel, &action, at).map_err(|e| {
            DomainError::internal(format!(
                "demo case story: {name} by {login} in {:?} refused: {e:?}",
                self.c.status
            ))
        })?;
        if let Action::Dispatch { to, .. } = action {
            self.dispatched.push(to);
        }
        if name == "escalate" && self.escalated_at.is_none() {
            self.escalated_at = Some(at);
        }
        if let Some(PendingRequest {
            kind: RequestKind::Assist,
            dept_id: Some(d),
            ..
        }) = out.approved
        {
            self.assisted.push(d);
        }
        self.events
            .push((at, out.event, login.to_string(), role.to_string()));
        self.t = at;
        Ok(())
    }

    /// The sweeper between now and `until`: the reminder flag, and the overdue mark with
    /// one escalation. True when it changed the case's state.
    fn sweep(&mut self, until: i64, rng: &mut Rng) -> Result<bool> {
        let c = &mut self.c;
        if !matches!(
            c.status,
            Status::Accepted | Status::Dispatched | Status::Processing
        ) || c.overdue
        {
            return Ok(false);
        }
        let Some(due) = c.due_ms else {
            return Ok(false);
        };
        let start = c.accepted_ms.unwrap_or(c.created_ms);
        let r = remind_at(start, due);
        if !c.reminded && r.max(self.t) <= due.min(until) {
            c.reminded = true;
        }
        if due >= until {
            return Ok(false);
        }
        let at = due.max(self.t) + minutes(rng, 1, 5);
        if at > until {
            return Ok(false);
        }
        let action = match c.level.up() {
            Some(up) => Action::Escalate {
                reason: "超期未办结，自动上报".into(),
                to_unit_id: self.s.chain[li(up)],
                overdue: true,
            },
            None => Action::MarkOverdue,
        };
        self.apply_as(at, &Relation::system(), "system", "system", action)?;
        Ok(true)
    }

    fn targets(&mut self, rng: &mut Rng) -> (i64, i64, i64) {
        if let Some(t) = self.targets {
            return t;
        }
        let start = self.t;
        let due = self.c.due_ms.unwrap_or(start + 3 * DAY);
        let accepted = self.c.accepted_ms.unwrap_or(self.c.created_ms);
        let span = (due - accepted).clamp(HOUR, 5 * DAY);
        let small = span.min(DAY);
        let t = if self.p.late {
            let fb = due.max(start) + (span as f64 * uni(rng, 0.3, 1.5)) as i64;
            let vf = fb + (small as f64 * uni(rng, 0.1, 0.5)) as i64;
            (fb, vf, vf + minutes(rng, 10, 180))
        } else if due > start + 20 * MINUTE {
            let close = start + ((due - start) as f64 * uni(rng, 0.3, 0.92)) as i64;
            let fb = start + ((close - start) as f64 * uni(rng, 0.4, 0.75)) as i64;
            let vf = fb + ((close - fb) as f64 * uni(rng, 0.3, 0.8)) as i64;
            if self.p.slow_verify {
                let vf = due + minutes(rng, 120, 2 * 24 * 60);
                (fb, vf, vf + minutes(rng, 10, 180))
            } else {
                (fb, vf, close)
            }
        } else {
            let fb = start + minutes(rng, 60, 8 * 60);
            let vf = fb + minutes(rng, 30, 240);
            (fb, vf, vf + minutes(rng, 10, 120))
        };
        self.targets = Some(t);
        t
    }

    /// The next step the people take, or None when the story stops here.
    fn next(&mut self, rng: &mut Rng) -> Option<(i64, Who, Action)> {
        let s = self.s;
        let p = self.p;
        let c = &self.c;
        let t = self.t;
        let level = c.level;
        let coord = coordinator(level);
        // Accepted and processing cases still climb before they stall.
        if p.stall == Some(c.status) && !matches!(c.status, Status::Accepted | Status::Processing) {
            return None;
        }
        let stalled = p.stall == Some(c.status);
        Some(match c.status {
            Status::Submitted => {
                let delay = if self.hour_limit() {
                    minutes(rng, 3, 30)
                } else if s.submitter.role == Role::HotlineOperator {
                    minutes(rng, 3, 40)
                } else {
                    minutes(rng, 5, 180)
                };
                let at = t + delay;
                let who = coordinator(p.initial);
                match p.reject {
                    Some(r) => (
                        at,
                        who,
                        Action::Reject {
                            reason: r.to_string(),
                        },
                    ),
                    None => (
                        at,
                        who,
                        Action::Accept {
                            due_ms: s.cal.due(at, s.cat.limit_amount, s.cat.limit_unit),
                            coord_unit_id: s.chain[li(p.initial)],
                            level: p.initial,
                        },
                    ),
                }
            }
            Status::Accepted => {
                if self.escalate_left > 0
                    && level != Level::District
                    && (stalled || rng.f64() < 0.5)
                {
                    self.escalate_left -= 1;
                    return self.escalation(rng, coord);
                }
                if stalled {
                    return None;
                }
                let h = &s.handlers[li(level)];
                let at = t + if self.hour_limit() {
                    minutes(rng, 2, 20)
                } else {
                    minutes(rng, 5, 120)
                };
                (
                    at,
                    coord,
                    Action::Dispatch {
                        to: h.to,
                        response_due_ms: at + s.cat.response_hours * HOUR,
                    },
                )
            }
            Status::Dispatched => {
                let h = &s.handlers[li(level)];
                let at = if c.responded_ms.is_some() {
                    t + if self.hour_limit() {
                        minutes(rng, 5, 45)
                    } else {
                        minutes(rng, 20, 180)
                    }
                } else {
                    let window = (s.cat.response_hours * HOUR) as f64;
                    let f = if p.sign_late {
                        uni(rng, 1.05, 2.0)
                    } else {
                        uni(rng, 0.05, 0.85)
                    };
                    t + (window * f) as i64
                };
                (at, h.who.clone(), Action::Sign)
            }
            Status::Processing => {
                let h = s.handlers[li(level)].clone();
                if c.pending.is_some() {
                    if stalled && p.pending {
                        return None;
                    }
                    let new_due = match &c.pending {
                        Some(PendingRequest {
                            kind: RequestKind::Extension,
                            days: Some(d),
                            ..
                        }) => Some(s.cal.add_working_days(c.due_ms.unwrap_or(t), *d)),
                        _ => None,
                    };
                    return Some((
                        t + minutes(rng, 60, 20 * 60),
                        coord,
                        Action::Approve {
                            new_due_ms: new_due,
                        },
                    ));
                }
                if self.escalate_left > 0 && level != Level::District {
                    self.escalate_left -= 1;
                    return self.escalation(rng, h.who);
                }
                if p.extension && !self.extension_done {
                    self.extension_done = true;
                    if !self.hour_limit() {
                        return Some((
                            t + minutes(rng, 120, 24 * 60),
                            h.who,
                            Action::Request {
                                kind: RequestKind::Extension,
                                note: rng.pick(EXTENSION_NOTES).to_string(),
                                days: Some(rng.range(2, 5) as i64),
                                dept_id: None,
                            },
                        ));
                    }
                }
                if p.assist && !self.assist_done && li(level) >= 2 {
                    self.assist_done = true;
                    if let Some(d) = s.assist.filter(|d| h.to != Assignee::Dept(*d)) {
                        return Some((
                            t + minutes(rng, 30, 8 * 60),
                            h.who,
                            Action::Request {
                                kind: RequestKind::Assist,
                                note: "需相关部门协助处置".into(),
                                days: None,
                                dept_id: Some(d),
                            },
                        ));
                    }
                }
                if stalled {
                    return None;
                }
                let (fb, _, _) = self.targets(rng);
                (
                    fb.max(t + 30 * MINUTE),
                    h.who,
                    Action::Feedback {
                        result: result_text(rng, &s.cat.code),
                    },
                )
            }
            Status::Feedback => {
                let (_, vf, _) = self.targets(rng);
                let who = if li(level) <= 1 {
                    Who::new("wangge", Role::GridWorker, Stance::Coordinator)
                } else {
                    coord
                };
                let fail = p.verify_fail && !self.failed_once;
                let at = if fail {
                    t + minutes(rng, 60, 24 * 60)
                } else {
                    vf.max(t + 10 * MINUTE)
                };
                (
                    at,
                    who,
                    Action::Verify {
                        pass: !fail,
                        note: if fail {
                            "现场核查问题未解决，退回重办".into()
                        } else {
                            rng.pick(VERIFY_NOTES).to_string()
                        },
                    },
                )
            }
            Status::Verified => {
                let (_, _, cl) = self.targets(rng);
                (cl.max(t + 5 * MINUTE), coord, Action::Close)
            }
            Status::Closed => {
                let sat = match (self.ratings, c.reopen_count) {
                    (0, _) => p.rating?,
                    (1, 1) => p.second_rating?,
                    _ => return None,
                };
                let at = t + minutes(rng, 60, 3 * 24 * 60);
                (
                    at,
                    s.rater.clone(),
                    Action::Rate {
                        satisfaction: sat,
                        note: rating_note(rng, sat),
                    },
                )
            }
            Status::Rejected => return None,
        })
    }

    fn escalation(&mut self, rng: &mut Rng, who: Who) -> Option<(i64, Who, Action)> {
        let up = self.c.level.up()?;
        let reason = match up {
            Level::Community => "超出网格处置能力，提请社区协调",
            Level::Subdistrict => "涉及多个部门，提请街道协调",
            _ => "需区级部门联合处置，提请区级协调",
        };
        let delay = if self.hour_limit() {
            minutes(rng, 10, 60)
        } else {
            minutes(rng, 20, 6 * 60)
        };
        Some((
            self.t + delay,
            who,
            Action::Escalate {
                reason: reason.into(),
                to_unit_id: self.s.chain[li(up)],
                overdue: false,
            },
        ))
    }
}

/// Plays a case's story from intake to `setting.now` through the workflow rules.
pub(crate) fn simulate(s: &Setting, p: &Plan, intake: &NewCase, rng: &mut Rng) -> Result<Story> {
    let c = case_of(intake);
    let submit = NewEvent {
        action: "submit".into(),
        from_status: None,
        to_status: Some(c.status),
        note: String::new(),
        public: true,
    };
    let mut sim = Sim {
        s,
        p,
        t: c.created_ms,
        events: vec![(
            c.created_ms,
            submit,
            s.submitter.login.clone(),
            s.submitter.role.as_str().to_string(),
        )],
        c,
        targets: None,
        escalate_left: p.escalate,
        extension_done: false,
        assist_done: false,
        failed_once: false,
        ratings: 0,
        dispatched: vec![],
        assisted: vec![],
        escalated_at: None,
    };
    for _ in 0..200 {
        // A step the sweeper pre-empts is drawn again: undo what drawing it changed.
        let saved = (
            sim.escalate_left,
            sim.extension_done,
            sim.assist_done,
            sim.targets,
        );
        // People work in the day unless the category is urgent (limits in hours).
        let next = sim.next(rng).map(|(at, who, action)| {
            let at = if sim.hour_limit() {
                at
            } else {
                office_hours(rng, at)
            };
            (at, who, action)
        });
        let horizon = next.as_ref().map_or(s.now, |(at, _, _)| (*at).min(s.now));
        if sim.sweep(horizon, rng)? {
            (
                sim.escalate_left,
                sim.extension_done,
                sim.assist_done,
                sim.targets,
            ) = saved;
            continue;
        }
        let Some((at, who, action)) = next else {
            break;
        };
        let at = at.max(sim.t + MINUTE);
        if at > s.now {
            break;
        }
        let verify_fail = matches!(action, Action::Verify { pass: false, .. });
        let reopen = matches!(
            action,
            Action::Rate {
                satisfaction: Satisfaction::Unsatisfied,
                ..
            }
        ) && sim.c.reopen_count == 0;
        let rate = matches!(action, Action::Rate { .. });
        sim.apply(at, &who, action)?;
        if verify_fail {
            sim.failed_once = true;
            sim.targets = None;
        }
        if rate {
            sim.ratings += 1;
        }
        if reopen {
            sim.targets = None;
        }
    }
    Ok(Story {
        case: sim.c,
        events: sim.events,
        dispatched: sim.dispatched,
        assisted: sim.assisted,
        escalated_at: sim.escalated_at,
    })
}

/// The red-property parties (红色物业) of a case handed to a property company.
pub(crate) fn red_property_parties(community: &str, estate: &str, company: &str) -> Vec<Party> {
    vec![
        Party {
            role: "property".into(),
            name: company.to_string(),
        },
        Party {
            role: "party_org".into(),
            name: format!("{community}党组织"),
        },
        Party {
            role: "residents_committee".into(),
            name: format!("{community}居民委员会"),
        },
        Party {
            role: "owners_committee".into(),
            name: format!("{estate}业主委员会"),
        },
        Party {
            role: "representatives".into(),
            name: "居民代表、党员代表".into(),
        },
    ]
}

/// Where a case is.
#[derive(Debug, Clone)]
struct Place {
    grid_id: i64,
    path: String,
    chain: [i64; 4],
    sub_code: String,
    community_name: String,
    estate: Option<(i64, String)>,
    building_id: Option<i64>,
    /// The 单元 (households live in it).
    unit_id: Option<i64>,
    address: String,
    point: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
struct Reporter {
    user_id: Option<i64>,
    name: String,
    phone_enc: Option<String>,
    phone_mask: Option<String>,
    anonymous: bool,
    submitter: Who,
    rater: Who,
}

#[derive(Debug, Clone)]
struct Draft {
    created: i64,
    channel: Channel,
    cat: usize,
    place: Place,
    plan: Plan,
    reporter: Reporter,
    description: String,
    attributes: serde_json::Value,
}

/// The district's units, indexed.
struct Tree {
    by_id: HashMap<i64, OrgUnit>,
    by_code: HashMap<String, i64>,
    grids: Vec<i64>,
    units: Vec<i64>,
    grid_workers: HashMap<i64, String>,
    district_id: i64,
}

impl Tree {
    fn get(&self, code: &str) -> Option<&OrgUnit> {
        self.by_code.get(code).and_then(|id| self.by_id.get(id))
    }

    /// The place of a grid (street level) or a 单元 (building level).
    fn place(&self, rng: &mut Rng, unit_id: i64, street: bool) -> Option<Place> {
        let u = self.by_id.get(&unit_id)?;
        let codes = crate::org::rules::path_codes(&u.path);
        let sub = self.get(codes.get(1)?)?;
        let com = self.get(codes.get(2)?)?;
        let grid = self.get(codes.get(3)?)?;
        let chain = [grid.id, com.id, sub.id, self.district_id];
        if street || u.kind == UnitKind::Grid {
            let road = rng.pick(ROADS);
            let spot = rng.pick(ROAD_SPOTS);
            return Some(Place {
                grid_id: grid.id,
                path: grid.path.clone(),
                chain,
                sub_code: sub.code.clone(),
                community_name: com.name.clone(),
                estate: None,
                building_id: None,
                unit_id: None,
                address: format!("{}{road}{spot}", com.name),
                point: grid.boundary.as_ref().map(|b| point_in(rng, &b.exterior)),
            });
        }
        let estate = self.get(codes.get(4)?)?;
        let building = self.get(codes.get(5)?)?;
        Some(Place {
            grid_id: grid.id,
            path: grid.path.clone(),
            chain,
            sub_code: sub.code.clone(),
            community_name: com.name.clone(),
            estate: Some((estate.id, estate.name.clone())),
            building_id: Some(building.id),
            unit_id: (u.kind == UnitKind::Unit).then_some(u.id),
            address: format!("{}{}{}", estate.name, building.name, u.name),
            point: None,
        })
    }
}

/// A point inside a convex ring: between the centre and two neighbouring corners.
fn point_in(rng: &mut Rng, ring: &[jiceng_formats::geo::Point]) -> (f64, f64) {
    let pts = if ring.len() > 1 && ring.first() == ring.last() {
        &ring[..ring.len() - 1]
    } else {
        ring
    };
    if pts.is_empty() {
        return (0.0, 0.0);
    }
    let n = pts.len() as f64;
    let cx = pts.iter().map(|p| p.x).sum::<f64>() / n;
    let cy = pts.iter().map(|p| p.y).sum::<f64>() / n;
    let i = rng.range(0, pts.len() as u64 - 1) as usize;
    let a = pts[i];
    let b = pts[(i + 1) % pts.len()];
    let (mut u, mut v) = (rng.f64() * 0.9, rng.f64() * 0.9);
    if u + v > 0.9 {
        u = 0.9 - u;
        v = 0.9 - v;
    }
    let x = cx + u * (a.x - cx) + v * (b.x - cx);
    let y = cy + u * (a.y - cy) + v * (b.y - cy);
    ((x * 1e6).round() / 1e6, (y * 1e6).round() / 1e6)
}

fn dept_who(d: &Department, depts: &DemoDepartments) -> Who {
    let (login, role) = match d.kind {
        DeptKind::Property if Some(d.id) == depts.first_company => {
            ("wuye".to_string(), Role::PropertyCompany)
        }
        DeptKind::Property => (d.code.clone(), Role::PropertyCompany),
        _ if d.code == "swj" => ("bumen".to_string(), Role::DepartmentHandler),
        _ => (d.code.clone(), Role::DepartmentHandler),
    };
    Who {
        login,
        role,
        stance: Stance::Assignee,
    }
}

fn unit_handler(id: i64, level: Level) -> Handler {
    let (login, role) = match level {
        Level::Grid => ("wangge", Role::GridWorker),
        Level::Community => ("shequ", Role::CommunityStaff),
        Level::Subdistrict => ("jiedao", Role::SubdistrictStaff),
        Level::District => ("admin", Role::DistrictAdmin),
    };
    Handler {
        to: Assignee::Unit(id),
        who: Who::new(login, role, Stance::Assignee),
    }
}

fn dept_handler(d: &Department, depts: &DemoDepartments) -> Handler {
    Handler {
        to: Assignee::Dept(d.id),
        who: dept_who(d, depts),
    }
}

/// The handler at each level, as the category names it (then the stations and district
/// departments when the case climbs).
fn handlers(cat: &Category, place: &Place, depts: &DemoDepartments) -> ([Handler; 4], Option<i64>) {
    let [grid, com, sub, _] = place.chain;
    let dept = |code: &str| depts.by_code(code).map(|d| dept_handler(d, depts));
    let short = STATION_SUBDISTRICTS
        .iter()
        .find(|(c, _, _)| *c == place.sub_code)
        .map(|(_, s, _)| *s);
    let station = |kind: &str| short.and_then(|s| dept(&format!("{kind}-{s}")));
    let base = match cat.responsible {
        Responsible::Grid => unit_handler(grid, Level::Grid),
        Responsible::Community => unit_handler(com, Level::Community),
        Responsible::Department => cat
            .department_code
            .as_deref()
            .and_then(dept)
            .unwrap_or_else(|| unit_handler(com, Level::Community)),
        Responsible::Property => place
            .estate
            .as_ref()
            .and_then(|(e, _)| depts.estate_company.get(e))
            .and_then(|i| depts.companies.get(*i))
            .map(|d| dept_handler(d, depts))
            .unwrap_or_else(|| unit_handler(com, Level::Community)),
    };
    let code = cat.code.as_str();
    let subdistrict = match code {
        "1301" | "1302" => station("pcs").unwrap_or_else(|| unit_handler(sub, Level::Subdistrict)),
        "0501" => station("scjgs")
            .or_else(|| dept("cgj"))
            .unwrap_or_else(|| base.clone()),
        _ => match cat.responsible {
            Responsible::Department | Responsible::Property => base.clone(),
            _ => unit_handler(sub, Level::Subdistrict),
        },
    };
    let district = match code {
        "1201" | "1202" | "1204" | "1501" => dept("mzj"),
        "1203" => dept("rsj"),
        "1301" | "1302" => station("pcs").or_else(|| dept("cgj")),
        c if c.starts_with("03") => dept("cgj"),
        _ if cat.responsible == Responsible::Property => dept("zjj"),
        _ if cat.responsible == Responsible::Department => Some(base.clone()),
        _ => dept("cgj"),
    }
    .unwrap_or_else(|| subdistrict.clone());
    let assist_code = match code {
        c if c.starts_with("11") => "zjj",
        c if c.starts_with("03") => "cgj",
        "1301" | "1302" => "cgj",
        "1201" | "1202" | "1204" => "mzj",
        "1203" => "rsj",
        c if c.starts_with("01") => "szzx",
        "1401" => "xfdd",
        _ => "zjj",
    };
    let assist = depts.by_code(assist_code).map(|d| d.id);
    ([base.clone(), base, subdistrict, district], assist)
}

/// Tries a few times to find a 单元 with households; gives a reporter from one of them.
async fn resident_reporter(
    ctx: &Ctx,
    rng: &mut Rng,
    unit_id: i64,
    households: &mut HashMap<i64, Vec<crate::people::Household>>,
) -> Result<Option<(String, Option<String>, Option<String>, String)>> {
    if let std::collections::hash_map::Entry::Vacant(v) = households.entry(unit_id) {
        v.insert(ctx.people.households_of_unit(unit_id).await?);
    }
    let Some(hs) = households.get(&unit_id).filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    let h = rng.pick(hs).clone();
    let people = ctx.people.residents_of_household(h.id).await?;
    let adults: Vec<_> = people.iter().filter(|r| r.phone_enc.is_some()).collect();
    let Some(r) = (if adults.is_empty() {
        people.first()
    } else {
        Some(*rng.pick(&adults))
    }) else {
        return Ok(None);
    };
    Ok(Some((
        r.name.clone(),
        r.phone_enc.clone(),
        r.phone_mask.clone(),
        h.room.clone(),
    )))
}

fn hotline_name(rng: &mut Rng) -> String {
    let full = person_name(rng);
    if rng.range(0, 9) < 6 {
        let surname: String = full.chars().take(1).collect();
        let title = if rng.range(0, 1) == 0 {
            "先生"
        } else {
            "女士"
        };
        format!("{surname}{title}")
    } else {
        full
    }
}

fn attributes(rng: &mut Rng, code: &str, room: Option<&str>) -> serde_json::Value {
    match code {
        "1104" if rng.range(0, 9) < 4 => {
            let floor = room
                .and_then(|r| r.get(..r.len().saturating_sub(2)))
                .filter(|f| !f.is_empty())
                .map_or_else(|| rng.range(1, 7).to_string(), str::to_string);
            serde_json::json!({ "floor": floor })
        }
        "1102" if rng.range(0, 9) < 3 => serde_json::json!({ "trapped": "否" }),
        "0103" => {
            let v = if rng.range(0, 3) == 0 {
                "major"
            } else {
                "minor"
            };
            serde_json::json!({ "severity": v })
        }
        _ => serde_json::json!({}),
    }
}

/// A moment in the year before `now`, weighted by month, mostly in the day.
fn created_at(rng: &mut Rng, now: i64) -> i64 {
    let max = MONTH_VOLUME.iter().cloned().fold(0.0, f64::max);
    let today = bj(now).date_naive();
    for _ in 0..100 {
        let back = rng.range(0, 364) as i64;
        let day = today - Duration::days(back);
        let f = MONTH_VOLUME[day.month0() as usize];
        if rng.f64() * max > f {
            continue;
        }
        const HOURS: [f64; 24] = [
            0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 4.0, 5.0, 5.0, 4.5, 3.0, 2.5, 4.0, 4.5, 4.5,
            4.0, 3.5, 3.5, 3.0, 2.5, 1.5, 0.7,
        ];
        let h = pick_weighted(rng, &HOURS) as i64;
        let at = midnight(day) + h * HOUR + minutes(rng, 0, 59);
        if at < now - 10 * MINUTE {
            return at;
        }
    }
    now - DAY
}

/// Loads a year of appeals ending now, and the rotations of the last six months.
pub async fn load_history(
    ctx: &Ctx,
    rng: &mut Rng,
    opts: &HistoryOptions<'_>,
) -> Result<HistoryReport> {
    let started = Instant::now();
    let now = ctx.now_ms();
    let system = audit_system();
    let depts = opts.departments;
    let district = ctx
        .org
        .roots()
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound("unit"))?;
    let cal = super::service::calendar(ctx).await?;
    let cats: Vec<Category> = ctx
        .appeals
        .categories()
        .await?
        .into_iter()
        .filter(|c| c.is_leaf() && c.active)
        .collect();
    let mix: Vec<(usize, f64, [f64; 4])> = MIX
        .iter()
        .filter_map(|(code, w, s)| {
            cats.iter()
                .position(|c| c.code == *code)
                .map(|i| (i, *w, *s))
        })
        .collect();
    if mix.is_empty() {
        return Err(DomainError::internal("demo appeals: no categories seeded"));
    }

    // The district's places.
    let mut tree = Tree {
        by_id: HashMap::new(),
        by_code: HashMap::new(),
        grids: vec![],
        units: vec![],
        grid_workers: HashMap::new(),
        district_id: district.id,
    };
    let mut subs = vec![];
    for kind in [
        UnitKind::Subdistrict,
        UnitKind::Community,
        UnitKind::Grid,
        UnitKind::Estate,
        UnitKind::Building,
        UnitKind::Unit,
    ] {
        for u in ctx.org.units_in(&district.path, kind, 100_000_000).await? {
            match kind {
                UnitKind::Grid => tree.grids.push(u.id),
                UnitKind::Unit => tree.units.push(u.id),
                UnitKind::Subdistrict => subs.push(u.clone()),
                _ => {}
            }
            tree.by_code.insert(u.code.clone(), u.id);
            tree.by_id.insert(u.id, u);
        }
    }
    if tree.grids.is_empty() || tree.units.is_empty() {
        return Err(DomainError::internal(
            "demo appeals: the district has no grids",
        ));
    }
    for p in ctx.org.posts_in(&district.path, 100_000_000).await? {
        if p.title == PostTitle::GridWorker {
            tree.grid_workers.insert(p.unit_id, p.person_name);
        }
    }

    // Drafts: when, how, what and where.
    let months = 12.0;
    let n = ((opts.residents as f64 / 10_000.0) * CASES_PER_10K_MONTH * months)
        .round()
        .max(300.0) as usize;
    let mut households: HashMap<i64, Vec<crate::people::Household>> = HashMap::new();
    let mut drafts: Vec<Draft> = Vec::with_capacity(n + 8);
    let channels = [
        (Channel::Resident, 45.0),
        (Channel::Patrol, 30.0),
        (Channel::Hotline, 20.0),
        (Channel::Open311, 5.0),
    ];
    let channel_w: Vec<f64> = channels.iter().map(|c| c.1).collect();
    while drafts.len() < n {
        let created = created_at(rng, now);
        let month = bj(created).month();
        let channel = channels[pick_weighted(rng, &channel_w)].0;
        let weights: Vec<f64> = mix
            .iter()
            .map(|(i, w, s)| {
                let ok = !matches!(
                    (channel, cats[*i].source.as_str()),
                    (Channel::Patrol, "service") | (Channel::Resident | Channel::Open311, "patrol")
                );
                if ok { w * s[season(month)] } else { 0.0 }
            })
            .collect();
        let cat = mix[pick_weighted(rng, &weights)].0;
        let code = cats[cat].code.clone();
        let street = matches!(&code[..2], "01" | "02" | "04" | "05")
            || (code.starts_with("03") && rng.range(0, 1) == 0);
        let unit_id = if street {
            *rng.pick(&tree.grids)
        } else {
            *rng.pick(&tree.units)
        };
        let Some(mut place) = tree.place(rng, unit_id, street) else {
            continue;
        };
        let anonymous = channel != Channel::Patrol && rng.range(0, 99) < 20;
        let mut room = None;
        let reporter = match channel {
            Channel::Resident => {
                let found = match place.unit_id {
                    Some(u) => resident_reporter(ctx, rng, u, &mut households).await?,
                    None => None,
                };
                let (name, enc, mask_, r) = match found {
                    Some((name, enc, m, r)) => (name, enc, m, Some(r)),
                    None => {
                        let p = phone(rng);
                        (
                            person_name(rng),
                            Some(ctx.cipher.encrypt(&p)?),
                            Some(mask::phone(&p)),
                            None,
                        )
                    }
                };
                if let Some(r) = &r {
                    place.address = format!("{} {r}室", place.address);
                }
                room = r;
                Reporter {
                    user_id: None,
                    name,
                    phone_enc: enc,
                    phone_mask: mask_,
                    anonymous,
                    submitter: Who::new("public", Role::Resident, Stance::Reporter),
                    rater: Who::new("public", Role::Resident, Stance::Reporter),
                }
            }
            Channel::Patrol => Reporter {
                user_id: None,
                name: tree
                    .grid_workers
                    .get(&place.grid_id)
                    .cloned()
                    .unwrap_or_default(),
                phone_enc: None,
                phone_mask: None,
                anonymous: false,
                submitter: Who::new("wangge", Role::GridWorker, Stance::Coordinator),
                rater: Who::new("rexian", Role::HotlineOperator, Stance::Reporter),
            },
            Channel::Hotline => {
                let p = phone(rng);
                Reporter {
                    user_id: None,
                    name: hotline_name(rng),
                    phone_enc: Some(ctx.cipher.encrypt(&p)?),
                    phone_mask: Some(mask::phone(&p)),
                    anonymous,
                    submitter: Who::new("rexian", Role::HotlineOperator, Stance::Coordinator),
                    rater: Who::new("rexian", Role::HotlineOperator, Stance::Reporter),
                }
            }
            Channel::Open311 => {
                let with_phone = rng.range(0, 1) == 0;
                let p = phone(rng);
                Reporter {
                    user_id: None,
                    name: if anonymous {
                        String::new()
                    } else {
                        person_name(rng)
                    },
                    phone_enc: if with_phone {
                        Some(ctx.cipher.encrypt(&p)?)
                    } else {
                        None
                    },
                    phone_mask: with_phone.then(|| mask::phone(&p)),
                    anonymous,
                    submitter: Who::new("public", Role::Resident, Stance::Reporter),
                    rater: Who::new("public", Role::Resident, Stance::Reporter),
                }
            }
        };
        let recent = created > now - 42 * DAY;
        let description = describe(rng, &code, month);
        let attributes = attributes(rng, &code, room.as_deref());
        drafts.push(Draft {
            created,
            channel,
            cat,
            place,
            plan: plan(rng, channel, recent),
            reporter,
            description,
            attributes,
        });
    }

    // The demo resident's own cases.
    drafts.extend(jumin_drafts(ctx, rng, &tree, &cats, now).await?);

    // Rotations: each past month of each sub-district gets one difficult case.
    let periods: Vec<String> = (0..6)
        .map(|k| {
            let t = bj(now);
            let (mut y, mut m) = (t.year(), t.month() as i32 - k);
            while m < 1 {
                m += 12;
                y -= 1;
            }
            format!("{y:04}-{m:02}")
        })
        .collect();
    let mut rotation_cases: HashMap<(String, String), usize> = HashMap::new();
    for (si, sub) in subs.iter().enumerate() {
        for (k, period) in periods.iter().enumerate().skip(1) {
            let idx: Vec<usize> = drafts
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    d.place.sub_code == sub.code
                        && d.reporter.user_id.is_none()
                        && d.plan.reject.is_none()
                        && period_of(d.created) == *period
                })
                .map(|(i, _)| i)
                .collect();
            if idx.is_empty() {
                continue;
            }
            let i = *rng.pick(&idx);
            let d = &mut drafts[i];
            d.plan.late = false;
            d.plan.escalate = (2 - li(d.plan.initial)) as u8;
            d.plan.assist = true;
            d.plan.stall = (k == 1 && si < 2).then_some(Status::Processing);
            d.plan.pending = false;
            rotation_cases.insert((sub.code.clone(), period.clone()), i);
        }
    }

    // Numbers follow intake order.
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|i| (drafts[*i].created, *i));
    let mut report = HistoryReport {
        departments: depts.departments.len() as u64,
        stations: depts.stations() as u64,
        property_companies: depts.companies.len() as u64,
        ..Default::default()
    };
    let mut tokens: HashMap<usize, (String, i64)> = HashMap::new();
    let mut batch: Vec<HistoricCase> = Vec::with_capacity(BATCH);
    let mut batch_no = 0;
    for i in order {
        let d = &drafts[i];
        let cat = &cats[d.cat];
        let (hs, assist) = handlers(cat, &d.place, depts);
        let setting = Setting {
            cal: &cal,
            now,
            cat,
            chain: d.place.chain,
            handlers: hs,
            assist,
            submitter: d.reporter.submitter.clone(),
            rater: d.reporter.rater.clone(),
        };
        let patrol = d.channel == Channel::Patrol;
        let track = token(rng);
        let intake = NewCase {
            channel: d.channel,
            category_code: cat.code.clone(),
            description: d.description.clone(),
            lon: d.place.point.map(|p| p.0),
            lat: d.place.point.map(|p| p.1),
            address: d.place.address.clone(),
            grid_id: d.place.grid_id,
            estate_id: d.place.estate.as_ref().map(|e| e.0),
            building_id: d.place.building_id,
            path: d.place.path.clone(),
            status: if patrol {
                Status::Accepted
            } else {
                Status::Submitted
            },
            level: Level::Grid,
            coord_unit_id: d.place.grid_id,
            reporter_user_id: d.reporter.user_id,
            reporter_name: d.reporter.name.clone(),
            reporter_phone_enc: d.reporter.phone_enc.clone(),
            reporter_phone_mask: d.reporter.phone_mask.clone(),
            anonymous: d.reporter.anonymous,
            attributes: d.attributes.clone(),
            media_url: None,
            created_ms: d.created,
            accepted_ms: patrol.then_some(d.created),
            due_ms: patrol.then(|| cal.due(d.created, cat.limit_amount, cat.limit_unit)),
            idem_key: None,
            track_token: track.clone(),
            day: day_code(d.created),
        };
        let story = simulate(&setting, &d.plan, &intake, rng)?;
        let mut parties = vec![];
        for a in &story.dispatched {
            if let Assignee::Dept(id) = a
                && let Some(dept) = depts.by_id(*id)
                && dept.kind == DeptKind::Property
                && let Some((_, estate)) = &d.place.estate
                && parties.is_empty()
            {
                parties = red_property_parties(&d.place.community_name, estate, &dept.name);
            }
        }
        for a in &story.assisted {
            if let Some(dept) = depts.by_id(*a) {
                parties.push(Party {
                    role: format!("assist_{a}"),
                    name: dept.name.clone(),
                });
            }
        }
        let c = &story.case;
        report.cases += 1;
        match c.status {
            Status::Closed => report.closed += 1,
            Status::Rejected => report.rejected += 1,
            _ => report.open += 1,
        }
        if c.overdue && c.status.is_open() {
            report.overdue += 1;
        }
        let taken = story
            .escalated_at
            .unwrap_or(c.accepted_ms.unwrap_or(c.created_ms))
            + minutes(rng, 60, 24 * 60);
        tokens.insert(i, (track, office_hours(rng, taken).min(now)));
        batch.push(HistoricCase {
            case: intake,
            fields: story.case,
            events: story.events,
            parties,
        });
        if batch.len() >= BATCH {
            batch_no += 1;
            import_batch(
                ctx,
                &system,
                &district,
                batch_no,
                std::mem::take(&mut batch),
            )
            .await?;
        }
    }
    if !batch.is_empty() {
        batch_no += 1;
        import_batch(ctx, &system, &district, batch_no, batch).await?;
    }

    // The rotating secretaries.
    for sub in &subs {
        for period in &periods {
            let secretary = person_name(rng);
            let audit = ctx
                .event(
                    &system,
                    "appeals.create_rotation",
                    "rotation",
                    format!("{}:{period}", sub.code),
                    &sub.path,
                )
                .after(serde_json::json!({"period": period, "secretary": secretary}));
            let r = ctx
                .appeals
                .insert_rotation(sub.id, period, &secretary, audit)
                .await?;
            report.rotations += 1;
            let Some(i) = rotation_cases.get(&(sub.code.clone(), period.clone())) else {
                continue;
            };
            let Some((track, taken)) = tokens.get(i) else {
                continue;
            };
            let Some(case) = ctx.appeals.case_by_token(track).await? else {
                continue;
            };
            let audit = ctx
                .event(
                    &system,
                    "appeals.rotation_take_case",
                    "rotation",
                    r.id,
                    &sub.path,
                )
                .after(serde_json::json!({"case": case.number, "secretary": secretary}));
            ctx.appeals
                .set_rotation_case(r.id, case.id, *taken, audit)
                .await?;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

async fn import_batch(
    ctx: &Ctx,
    system: &Actor,
    district: &OrgUnit,
    no: usize,
    batch: Vec<HistoricCase>,
) -> Result<()> {
    let audit = ctx
        .event(
            system,
            "demo.appeals",
            "case",
            format!("batch-{no}"),
            &district.path,
        )
        .after(serde_json::json!({"cases": batch.len(), "batch": no}));
    ctx.appeals.import_cases(batch, audit).await?;
    Ok(())
}

/// The `jumin` account's own cases in its building: two closed and rated, one closed
/// and waiting for the rating, one in progress.
async fn jumin_drafts(
    ctx: &Ctx,
    rng: &mut Rng,
    tree: &Tree,
    cats: &[Category],
    now: i64,
) -> Result<Vec<Draft>> {
    let Some(user) = ctx.auth.user_by_login("jumin").await? else {
        return Ok(vec![]);
    };
    let household = match user.household_id {
        Some(h) => ctx.people.household(h).await?,
        None => None,
    };
    let Some(h) = household else {
        return Ok(vec![]);
    };
    let Some(mut place) = tree.place(rng, h.unit_id, false) else {
        return Ok(vec![]);
    };
    place.address = format!("{} {}室", place.address, h.room);
    let people = ctx.people.residents_of_household(h.id).await?;
    let me = people
        .iter()
        .find(|r| r.phone_enc.is_some())
        .or(people.first());
    let (name, enc, mask_) = match me {
        Some(r) => (r.name.clone(), r.phone_enc.clone(), r.phone_mask.clone()),
        None => (user.display_name.clone(), None, None),
    };
    let who = Who::new("jumin", Role::Resident, Stance::Reporter);
    type Told<'a> = (&'a str, &'a str, i64, Option<Satisfaction>, Option<Status>);
    let stories: [Told; 4] = [
        (
            "1104",
            "楼上卫生间漏水严重，天花板渗水，墙皮大片脱落，请物业尽快维修。",
            75,
            Some(Satisfaction::Satisfied),
            None,
        ),
        (
            "1301",
            "楼上住户经常深夜搬动家具，噪音扰民，影响老人和孩子休息。",
            33,
            Some(Satisfaction::Basic),
            None,
        ),
        (
            "1101",
            "我们单元楼道声控灯不亮好几天了，晚上上下楼看不见，请尽快修理。",
            9,
            None,
            None,
        ),
        (
            "1105",
            "小区车辆乱停乱放，消防通道被堵，希望物业加强管理。",
            2,
            None,
            Some(Status::Processing),
        ),
    ];
    let mut out = vec![];
    for (code, text, days, rating, stall) in stories {
        let Some(cat) = cats.iter().position(|c| c.code == code) else {
            continue;
        };
        let day = bj(now - days * DAY).date_naive();
        let created = (midnight(day) + 9 * HOUR + minutes(rng, 0, 9 * 60)).min(now - HOUR);
        let mut plan = Plan::plain();
        plan.rating = rating;
        plan.stall = stall;
        out.push(Draft {
            created,
            channel: Channel::Resident,
            cat,
            place: place.clone(),
            plan,
            reporter: Reporter {
                user_id: Some(user.id),
                name: name.clone(),
                phone_enc: enc.clone(),
                phone_mask: mask_.clone(),
                anonymous: false,
                submitter: who.clone(),
                rater: who.clone(),
            },
            description: text.to_string(),
            attributes: serde_json::json!({}),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(
        code: &str,
        responsible: Responsible,
        hours: i64,
        amount: i64,
        unit: LimitUnit,
    ) -> Category {
        Category {
            code: code.into(),
            parent_code: Some(code[..2].into()),
            name_zh: code.into(),
            name_en: code.into(),
            source: "both".into(),
            responsible,
            department_code: None,
            response_hours: hours,
            limit_amount: amount,
            limit_unit: unit,
            attributes: serde_json::json!([]),
            active: true,
        }
    }

    fn intake(created: i64, channel: Channel, cal: &Calendar, cat: &Category) -> NewCase {
        let patrol = channel == Channel::Patrol;
        NewCase {
            channel,
            category_code: cat.code.clone(),
            description: "楼上卫生间漏水严重".into(),
            lon: None,
            lat: None,
            address: String::new(),
            grid_id: 10,
            estate_id: Some(11),
            building_id: Some(12),
            path: "/1/2/3/10/".into(),
            status: if patrol {
                Status::Accepted
            } else {
                Status::Submitted
            },
            level: Level::Grid,
            coord_unit_id: 10,
            reporter_user_id: None,
            reporter_name: "王伟".into(),
            reporter_phone_enc: None,
            reporter_phone_mask: None,
            anonymous: false,
            attributes: serde_json::json!({}),
            media_url: None,
            created_ms: created,
            accepted_ms: patrol.then_some(created),
            due_ms: patrol.then(|| cal.due(created, cat.limit_amount, cat.limit_unit)),
            idem_key: None,
            track_token: "t".into(),
            day: day_code(created),
        }
    }

    fn setting<'a>(cal: &'a Calendar, cat: &'a Category, now: i64) -> Setting<'a> {
        let dept = Handler {
            to: Assignee::Dept(5),
            who: Who::new("wy001", Role::PropertyCompany, Stance::Assignee),
        };
        Setting {
            cal,
            now,
            cat,
            chain: [10, 3, 2, 1],
            handlers: [
                dept.clone(),
                dept,
                unit_handler(2, Level::Subdistrict),
                Handler {
                    to: Assignee::Dept(7),
                    who: Who::new("zjj", Role::DepartmentHandler, Stance::Assignee),
                },
            ],
            assist: Some(8),
            submitter: Who::new("public", Role::Resident, Stance::Reporter),
            rater: Who::new("public", Role::Resident, Stance::Reporter),
        }
    }

    /// The invariants of the workflow's property tests, plus the sweeper's promise and
    /// the shape of the history.
    fn check(s: &Story, now: i64) -> std::result::Result<(), String> {
        let c = &s.case;
        let fail = |what: &str| Err(format!("{what}: {c:?}\n{:?}", s.events));
        if c.status == Status::Closed
            && !(c.closed_ms.is_some() && c.verified_ms.is_some() && c.closed_level.is_some())
        {
            return fail("closed cases are verified and have a level");
        }
        if matches!(c.status, Status::Processing | Status::Feedback)
            && !(c.responded_ms.is_some()
                && (c.assignee_dept_id.is_some() || c.assignee_unit_id.is_some()))
        {
            return fail("work has a signed handler");
        }
        if c.status == Status::Rejected && c.reject_reason.is_none() {
            return fail("rejections have a reason");
        }
        if !matches!(c.status, Status::Submitted | Status::Rejected) && c.accepted_ms.is_none() {
            return fail("past intake means accepted");
        }
        if c.assignee_dept_id.is_some() && c.assignee_unit_id.is_some() {
            return fail("one assignee");
        }
        if c.reopen_count > 1 {
            return fail("reopened at most once");
        }
        if c.version != s.events.len() as i64 {
            return fail("version is 1 + the changes after intake");
        }
        if matches!(
            c.status,
            Status::Accepted | Status::Dispatched | Status::Processing
        ) && c.due_ms.is_some_and(|d| d < now - 10 * MINUTE)
            && !c.overdue
        {
            return fail("open past the deadline is marked overdue");
        }
        if c.overdue && c.escalations == 0 && c.level != Level::District {
            return fail("overdue cases were escalated");
        }
        let mut prev = s.events.first().and_then(|e| e.1.to_status);
        let mut t = c.created_ms;
        for (at, e, _, _) in s.events.iter().skip(1) {
            if *at < t || *at > now {
                return fail("events in order, none in the future");
            }
            t = *at;
            if e.from_status != prev {
                return fail("each event starts where the last ended");
            }
            prev = e.to_status;
        }
        if prev != Some(c.status) {
            return fail("the last event ends in the case's status");
        }
        Ok(())
    }

    #[test]
    fn weighted_pick_follows_the_weights() {
        let mut rng = Rng::new(1);
        let w = [1.0, 0.0, 3.0, -2.0];
        let mut counts = [0usize; 4];
        for _ in 0..40_000 {
            counts[pick_weighted(&mut rng, &w)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert_eq!(counts[3], 0);
        let share = counts[2] as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.02, "{share}");
        assert_eq!(pick_weighted(&mut rng, &[0.0, 0.0]), 0);
        assert_eq!(pick_weighted(&mut rng, &[]), 0);
        // Deterministic for a seed.
        let a: Vec<usize> = {
            let mut r = Rng::new(9);
            (0..20).map(|_| pick_weighted(&mut r, &w)).collect()
        };
        let b: Vec<usize> = {
            let mut r = Rng::new(9);
            (0..20).map(|_| pick_weighted(&mut r, &w)).collect()
        };
        assert_eq!(a, b);
    }

    #[test]
    fn tokens_and_day_codes() {
        let mut rng = Rng::new(2);
        let a = token(&mut rng);
        let b = token(&mut rng);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        // 2026-12-03 01:30 Beijing is 2026-12-02 17:30 UTC.
        let ms = Utc
            .with_ymd_and_hms(2026, 12, 2, 17, 30, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        assert_eq!(day_code(ms), "261203");
        assert_eq!(period_of(ms), "2026-12");
    }

    #[test]
    fn descriptions_speak_of_the_category() {
        let mut rng = Rng::new(3);
        let leaks = (0..200)
            .filter(|_| describe(&mut rng, "1104", 1).contains("漏水"))
            .count();
        assert!(leaks > 50, "{leaks}");
        let d = describe(&mut rng, "1301", 7);
        assert!(!d.is_empty());
        assert!(!crate::appeals::service::has_html(&d));
        assert!(!describe(&mut rng, "9999", 1).is_empty());
    }

    #[test]
    fn company_names_are_unique() {
        let mut rng = Rng::new(4);
        let words = company_names(&mut rng);
        let names: std::collections::HashSet<String> =
            (0..700).map(|i| company_name(&words, i)).collect();
        assert_eq!(names.len(), 700);
        assert!(company_name(&words, 0).starts_with("乌海市"));
    }

    #[test]
    fn points_fall_inside_the_grid() {
        use jiceng_formats::geo::{Point, Polygon};
        let ring = vec![
            Point { x: 0.0, y: 0.0 },
            Point { x: 1.0, y: 0.1 },
            Point { x: 1.1, y: 1.0 },
            Point { x: -0.1, y: 0.9 },
            Point { x: 0.0, y: 0.0 },
        ];
        let poly = Polygon {
            exterior: ring.clone(),
        };
        let mut rng = Rng::new(5);
        for _ in 0..500 {
            let (x, y) = point_in(&mut rng, &ring);
            assert!(poly.contains(Point { x, y }), "({x}, {y})");
        }
    }

    #[test]
    fn every_story_keeps_the_workflow_invariants() {
        let cal = Calendar::default();
        let cats = [
            category("1104", Responsible::Property, 24, 7, LimitUnit::WorkingDays),
            category("0104", Responsible::Department, 1, 2, LimitUnit::Hours),
            category("1301", Responsible::Grid, 12, 3, LimitUnit::WorkingDays),
            category(
                "1202",
                Responsible::Community,
                24,
                15,
                LimitUnit::WorkingDays,
            ),
        ];
        let now = Utc
            .with_ymd_and_hms(2026, 11, 26, 3, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        for seed in [1, 2, 3, 20200428] {
            stories_keep_the_invariants(seed, &cal, &cats, now);
        }
    }

    fn stories_keep_the_invariants(seed: u64, cal: &Calendar, cats: &[Category], now: i64) {
        let mut rng = Rng::new(seed);
        let mut statuses: HashMap<Status, usize> = HashMap::new();
        let mut levels: HashMap<Level, usize> = HashMap::new();
        let (mut closed, mut in_time, mut rated, mut overdue_open) = (0, 0, 0, 0);
        for i in 0..4000 {
            let cat = &cats[i % cats.len()];
            let channel = [
                Channel::Resident,
                Channel::Patrol,
                Channel::Hotline,
                Channel::Open311,
            ][i % 4];
            let created = now - rng.range(0, 365 * 24) as i64 * HOUR;
            let recent = created > now - 42 * DAY;
            let p = plan(&mut rng, channel, recent);
            let s = setting(cal, cat, now);
            let story = simulate(&s, &p, &intake(created, channel, cal, cat), &mut rng)
                .unwrap_or_else(|e| panic!("{e:?}"));
            if let Err(e) = check(&story, now) {
                panic!("{e}\nplan: {p:?}");
            }
            let c = &story.case;
            *statuses.entry(c.status).or_default() += 1;
            if c.status == Status::Closed {
                closed += 1;
                *levels
                    .entry(c.closed_level.unwrap_or(Level::Grid))
                    .or_default() += 1;
                if c.closed_ms <= c.due_ms {
                    in_time += 1;
                }
                if c.satisfaction.is_some() {
                    rated += 1;
                }
            }
            if c.status.is_open() && c.overdue {
                overdue_open += 1;
            }
        }
        let share = |n: usize| n as f64 / closed as f64;
        let rejected = statuses.get(&Status::Rejected).copied().unwrap_or(0);
        assert!((60..=240).contains(&rejected), "rejected {rejected}");
        assert!(share(in_time) > 0.7, "closed in time {}", share(in_time));
        assert!(share(rated) > 0.7, "rated {}", share(rated));
        let grassroots = share(levels.get(&Level::Grid).copied().unwrap_or(0))
            + share(levels.get(&Level::Community).copied().unwrap_or(0));
        assert!(
            grassroots > 0.7,
            "grid + community {grassroots}: {levels:?}"
        );
        assert!(overdue_open > 0, "some open cases are overdue");
    }

    #[test]
    fn the_same_seed_tells_the_same_story() {
        let cal = Calendar::default();
        let cat = category("1104", Responsible::Property, 24, 7, LimitUnit::WorkingDays);
        let now = Utc
            .with_ymd_and_hms(2026, 11, 26, 3, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        let tell = |seed: u64| {
            let mut rng = Rng::new(seed);
            let s = setting(&cal, &cat, now);
            (0..50)
                .map(|_| {
                    let created = created_at(&mut rng, now);
                    let p = plan(&mut rng, Channel::Resident, created > now - 42 * DAY);
                    let story = simulate(
                        &s,
                        &p,
                        &intake(created, Channel::Resident, &cal, &cat),
                        &mut rng,
                    )
                    .unwrap_or_else(|e| panic!("{e:?}"));
                    (story.case, story.events)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(tell(11), tell(11));
        assert_ne!(tell(11), tell(12));
    }

    #[test]
    fn a_closed_unrated_story_can_still_be_rated() {
        let cal = Calendar::default();
        let cat = category("1101", Responsible::Property, 24, 3, LimitUnit::WorkingDays);
        let now = Utc
            .with_ymd_and_hms(2026, 11, 26, 3, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        let mut rng = Rng::new(7);
        let s = setting(&cal, &cat, now);
        let story = simulate(
            &s,
            &Plan::plain(),
            &intake(now - 9 * DAY, Channel::Resident, &cal, &cat),
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let c = story.case;
        assert_eq!(c.status, Status::Closed);
        assert!(c.rated_ms.is_none());
        assert!(c.closed_ms <= c.due_ms, "closed in time");
        let mut copy = c.clone();
        let rated = workflow::apply(
            &mut copy,
            &Who::new("jumin", Role::Resident, Stance::Reporter).relation(),
            &Action::Rate {
                satisfaction: Satisfaction::Satisfied,
                note: String::new(),
            },
            now,
        );
        assert!(rated.is_ok());
    }

    #[test]
    fn stalled_stories_stay_open_and_get_marked() {
        let cal = Calendar::default();
        let cat = category("1104", Responsible::Property, 24, 7, LimitUnit::WorkingDays);
        let now = Utc
            .with_ymd_and_hms(2026, 11, 26, 3, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        let mut rng = Rng::new(8);
        let s = setting(&cal, &cat, now);
        let mut p = Plan::plain();
        p.stall = Some(Status::Processing);
        let story = simulate(
            &s,
            &p,
            &intake(now - 30 * DAY, Channel::Resident, &cal, &cat),
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let c = &story.case;
        assert_eq!(c.status, Status::Processing);
        assert!(c.overdue);
        assert_eq!((c.escalations, c.level), (1, Level::Community));
        assert!(story.events.iter().any(|e| e.2 == "system"));
        // Waiting for an extension.
        p.pending = true;
        p.extension = true;
        let story = simulate(
            &s,
            &p,
            &intake(now - 3 * DAY, Channel::Resident, &cal, &cat),
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(story.case.pending.is_some(), "{:?}", story.case);
    }
}
