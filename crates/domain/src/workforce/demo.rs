//! Haibowan's workforce: the leadership of the eight sub-district-level units (52 in
//! post today: 32 under 45, 45 with 大专 or above, 4 of ethnic minorities), 105 staff
//! added to sub-districts, 5 community secretaries promoted into sub-district
//! leadership, 6–12 community workers per community on the 三岗十八级 scale, the 2024
//! and 2026 pay tables (the 2026 amounts about double), confirmed pay runs for the last
//! three months and the same month two years before, and 124 reserve talents.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use jiceng_core::{Actor, Result};
use serde_json::json;

use super::model::*;
use super::rules;
use super::service;
use crate::Ctx;
use crate::demo::{DemoOptions, Rng};
use crate::org::UnitKind;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "程", "曹", "袁",
    "邓", "许", "傅", "沈", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎",
    "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹",
];
const GIVEN_M: &[&str] = &[
    "建军", "志强", "海军", "永明", "国庆", "晓东", "立新", "文斌", "振华", "建国", "亚军", "鹏",
    "磊", "伟", "涛", "军", "斌", "超", "刚", "勇", "宏伟", "俊杰", "浩然", "子轩", "宇航", "嘉豪",
    "明辉", "国华", "志刚", "学军", "金龙", "海涛",
];
const GIVEN_F: &[&str] = &[
    "丽娟", "秀英", "海燕", "春梅", "晓燕", "玉兰", "红霞", "丽华", "慧敏", "静", "婷", "敏", "娜",
    "燕", "芳", "霞", "雪梅", "建华", "晓丽", "美玲", "佳琪", "欣怡", "雨涵", "梦瑶", "宏艳",
    "凤英",
];
/// Mongolian names for cadres and workers of the Mongol nationality.
const MONGOL: &[&str] = &[
    "巴特尔",
    "乌力吉",
    "其木格",
    "萨仁",
    "额尔敦",
    "乌日娜",
    "苏和",
    "斯琴",
];

fn name(rng: &mut Rng, male: bool) -> String {
    let s = *rng.pick(SURNAMES);
    let g = if male {
        *rng.pick(GIVEN_M)
    } else {
        *rng.pick(GIVEN_F)
    };
    format!("{s}{g}")
}

fn sex(male: bool) -> String {
    if male { "男" } else { "女" }.into()
}

/// A birth date giving exactly `age` full years on `on`.
fn born(rng: &mut Rng, on: NaiveDate, age: i64) -> NaiveDate {
    rules::add_years(on, -age) - Duration::days(rng.range(10, 340) as i64)
}

fn day_between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Duration::days(rng.range(0, span) as i64)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn ds(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        v.swap(i, j);
    }
}

/// The pay table of a year: `scale` ≈ 1 in 2024, ≈ 2.1 in 2026 (三年增资方案).
pub fn table(year: i32, doubled: bool) -> PayTable {
    let (heads, steps): ([i64; 3], [i64; 3]) = if doubled {
        ([4800, 4200, 3600], [110, 95, 85])
    } else {
        ([2300, 2000, 1750], [50, 45, 40])
    };
    let mut cells = vec![];
    for p in 0..3 {
        for g in 0..GRADES {
            cells.push(heads[p] + steps[p] * g);
        }
    }
    PayTable {
        id: 0,
        effective_year: year,
        name: format!("海勃湾区社区工作者“三岗十八级”薪酬标准（{year}年版）"),
        cells,
        qual_assistant: if doubled { 200 } else { 100 },
        qual_social_worker: if doubled { 400 } else { 200 },
        qual_senior: if doubled { 600 } else { 300 },
        housing_rate_bp: if doubled { 1000 } else { 0 },
        committee_allowance: if doubled { 400 } else { 200 },
        departure_per_year: if doubled { 2000 } else { 1000 },
        retirement_per_year: if doubled { 3000 } else { 1500 },
        step_years: 3,
        bonus_assistant: 1,
        bonus_social_worker: 2,
        bonus_senior: 3,
        created_ms: 0,
    }
}

const POSTS_SUB: &[&str] = &[
    "党工委书记",
    "办事处主任",
    "党工委副书记",
    "人大工委主任",
    "党工委委员、纪工委书记",
    "党工委委员、武装部部长",
    "副主任",
];
const POSTS_TOWN: &[&str] = &[
    "党委书记",
    "镇长",
    "党委副书记",
    "人大主席",
    "党委委员、纪委书记",
    "党委委员、武装部部长",
    "副镇长",
];

pub async fn load(ctx: &Ctx, rng: &mut Rng, _opts: DemoOptions) -> Result<serde_json::Value> {
    let sys = Actor::system();
    let today = service::today(ctx);
    let Some(root) = ctx.org.roots().await?.into_iter().next() else {
        return Ok(json!({}));
    };
    let subs = ctx
        .org
        .units_in(&root.path, UnitKind::Subdistrict, 100)
        .await?;
    let communities = ctx
        .org
        .units_in(&root.path, UnitKind::Community, 1000)
        .await?;

    // Pay tables.
    let t2024 = service::create_pay_table(ctx, &sys, table(2024, false)).await?;
    let t2026 = service::create_pay_table(ctx, &sys, table(2026, true)).await?;

    // ---- Leadership: 52 in post; sizes 7,7,7,7,6,6,6,6.
    let sizes: Vec<usize> = (0..subs.len()).map(|i| if i < 4 { 7 } else { 6 }).collect();
    let total: usize = sizes.iter().sum();
    let mut under: Vec<bool> = (0..total).map(|i| i < 32).collect();
    let mut college: Vec<bool> = (0..total).map(|i| i < 45).collect();
    let mut minority: Vec<bool> = (0..total).map(|i| i < 4).collect();
    shuffle(rng, &mut under);
    shuffle(rng, &mut college);
    shuffle(rng, &mut minority);
    let minorities = ["蒙古族", "蒙古族", "回族", "满族"];
    let mut minority_i = 0;
    // The five promoted secretaries: the last post of the first five sub-districts whose
    // communities are real (not the industrial park's virtual one).
    let mut promoted_left = 5;
    let mut k = 0;
    let mut cadres = 0;
    let mut promotions = 0;
    for (si, sub) in subs.iter().enumerate() {
        let town = sub.name.ends_with('镇');
        let posts = if town { POSTS_TOWN } else { POSTS_SUB };
        let coms: Vec<_> = communities
            .iter()
            .filter(|c| c.parent_id == Some(sub.id))
            .collect();
        for p in 0..sizes.get(si).copied().unwrap_or(6) {
            let male = rng.f64() < 0.72;
            let age = if under[k] {
                rng.range(33, 43)
            } else {
                rng.range(47, 56)
            } as i64;
            let birth = born(rng, today, age);
            let edu = if college[k] {
                let x = rng.f64();
                if x < 0.15 {
                    Education::Postgraduate
                } else if x < 0.8 {
                    Education::Bachelor
                } else {
                    Education::College
                }
            } else if rng.f64() < 0.7 {
                Education::Secondary
            } else {
                Education::HighSchool
            };
            let eth = if minority[k] {
                let e = minorities[minority_i % 4];
                minority_i += 1;
                e
            } else {
                "汉族"
            };
            let nm = if eth == "蒙古族" {
                rng.pick(MONGOL).to_string()
            } else {
                name(rng, male)
            };
            let start = day_between(rng, ymd(2019, 3, 1), ymd(2025, 12, 31));
            let last = p + 1 == sizes.get(si).copied().unwrap_or(6);
            if last && promoted_left > 0 && !coms.is_empty() && !sub.name.contains("产业园") {
                promoted_left -= 1;
                let com = coms[rng.range(0, coms.len() as u64 - 1) as usize];
                service::promote(
                    ctx,
                    &sys,
                    PromotionInput {
                        secretary_name: nm,
                        community_id: com.id,
                        unit_id: Some(sub.id),
                        post_title: if town {
                            "党委委员、副镇长（事业岗位）"
                        } else {
                            "党工委委员、副主任（事业岗位）"
                        }
                        .into(),
                        promoted_date: ds(day_between(rng, ymd(2019, 6, 1), ymd(2020, 4, 1))),
                        sex: sex(male),
                        birth_date: ds(birth),
                        education: edu.as_str().into(),
                        ethnicity: eth.into(),
                        party_member: true,
                    },
                )
                .await?;
                promotions += 1;
            } else {
                let source = *rng.pick(&[
                    CadreSource::Selected,
                    CadreSource::Selected,
                    CadreSource::Transferred,
                    CadreSource::Recruited,
                ]);
                service::create_cadre(
                    ctx,
                    &sys,
                    CadreInput {
                        name: nm,
                        sex: sex(male),
                        post_title: posts.get(p).copied().unwrap_or("副主任").into(),
                        unit_id: sub.id,
                        birth_date: ds(birth),
                        education: edu.as_str().into(),
                        ethnicity: eth.into(),
                        party_member: true,
                        start_date: ds(start),
                        source: source.as_str().into(),
                        note: String::new(),
                    },
                )
                .await?;
            }
            cadres += 1;
            k += 1;
        }
        // One or two predecessors whose appointments have ended (the history).
        for _ in 0..rng.range(1, 2) {
            let male = rng.f64() < 0.8;
            let c = service::create_cadre(
                ctx,
                &sys,
                CadreInput {
                    name: name(rng, male),
                    sex: sex(male),
                    post_title: posts[rng.range(0, 6) as usize].into(),
                    unit_id: sub.id,
                    birth_date: {
                        let age = rng.range(40, 54) as i64;
                        ds(born(rng, ymd(2016, 1, 1), age))
                    },
                    education: Education::Bachelor.as_str().into(),
                    ethnicity: "汉族".into(),
                    party_member: true,
                    start_date: ds(day_between(rng, ymd(2013, 1, 1), ymd(2016, 12, 31))),
                    source: CadreSource::Selected.as_str().into(),
                    note: String::new(),
                },
            )
            .await?;
            service::end_cadre(
                ctx,
                &sys,
                c.id,
                c.version,
                &ds(day_between(rng, ymd(2019, 1, 1), ymd(2022, 12, 31))),
            )
            .await?;
        }
    }

    // ---- 105 staff added to the sub-districts.
    let offices = [
        "党政综合办公室",
        "党建工作办公室",
        "社区建设和管理办公室",
        "平安建设办公室",
        "公共服务办公室",
        "综合行政执法队",
        "便民服务中心",
    ];
    for i in 0..105 {
        let sub = &subs[i % subs.len()];
        let male = rng.f64() < 0.5;
        let kind = *rng.pick(&[
            StaffKind::Sink,
            StaffKind::Sink,
            StaffKind::Recruit,
            StaffKind::Selected,
            StaffKind::Transfer,
        ]);
        service::add_staff(
            ctx,
            &sys,
            AddedStaffInput {
                name: name(rng, male),
                sex: sex(male),
                unit_id: sub.id,
                post: (*rng.pick(&offices)).into(),
                kind: kind.as_str().into(),
                added_date: ds(day_between(rng, ymd(2019, 9, 1), ymd(2021, 6, 30))),
            },
        )
        .await?;
    }

    // ---- Community workers.
    let mut batch = vec![];
    let now_ms = ctx.now_ms();
    for com in &communities {
        let n = rng.range(6, 12) as usize;
        for i in 0..n {
            let (post, tc, duty) = match i {
                0 => (Post::Head, true, "党组织书记、居委会主任"),
                1 => (Post::Deputy, true, "党组织副书记"),
                2 if n >= 8 => (Post::Deputy, true, "居委会副主任"),
                2..=4 => (Post::Member, true, "两委委员"),
                _ => (
                    Post::Member,
                    false,
                    *rng.pick(&[
                        "专职网格员",
                        "社区专职工作者",
                        "社区专职工作者",
                        "便民服务专员",
                    ]),
                ),
            };
            let male = rng.f64() < 0.35;
            let start = match post {
                Post::Head => day_between(rng, ymd(2006, 1, 1), ymd(2016, 12, 31)),
                Post::Deputy => day_between(rng, ymd(2010, 1, 1), ymd(2019, 12, 31)),
                Post::Member => day_between(rng, ymd(2012, 1, 1), ymd(2024, 3, 31)),
            };
            let age_at_start = rng.range(23, 38) as i64;
            let birth = born(rng, start, age_at_start);
            let entry = rng.range(1, 3) as i64;
            let x = rng.f64();
            let q = if x < 0.35 {
                Qualification::None
            } else if x < 0.75 {
                Qualification::Assistant
            } else if x < 0.95 {
                Qualification::SocialWorker
            } else {
                Qualification::Senior
            };
            let q_from = rules::add_years(start, rng.range(1, 5) as i64);
            let mut assessments = BTreeMap::new();
            for y in (start.year() + 1)..today.year() {
                let r = rng.f64();
                let a = if r < 0.25 {
                    Assessment::Excellent
                } else if r < 0.96 {
                    Assessment::Competent
                } else {
                    Assessment::Basic
                };
                assessments.insert(y, a);
            }
            // The grade history by the rules: a step on each period's end, and the
            // qualification bonus from the day the qualification was obtained.
            let mut dates = vec![q_from];
            let mut d = rules::add_years(start, t2026.step_years);
            while d <= today {
                dates.push(d);
                d = rules::add_years(d, t2026.step_years);
            }
            dates.sort();
            let mut steps = vec![GradeStep {
                worker_id: 0,
                post,
                grade: entry,
                from_date: start,
                reason: "入职定级".into(),
            }];
            let mut grade = entry;
            for d in dates.into_iter().filter(|d| *d <= today) {
                let qual = if d >= q_from { q } else { Qualification::None };
                let p = rules::rule_grade(entry, start, d, qual, &assessments, &t2026);
                if p.grade != grade {
                    let reason = if d == q_from && qual != Qualification::None {
                        format!("取得{}资格", qual.label_zh())
                    } else {
                        "常态化晋级（考核称职以上满3年）".to_string()
                    };
                    grade = p.grade;
                    steps.push(GradeStep {
                        worker_id: 0,
                        post,
                        grade,
                        from_date: d,
                        reason,
                    });
                }
            }
            let edu = *rng.pick(&[
                Education::Bachelor,
                Education::Bachelor,
                Education::College,
                Education::College,
                Education::Secondary,
            ]);
            let nm = if rng.f64() < 0.05 {
                rng.pick(MONGOL).to_string()
            } else {
                name(rng, male)
            };
            batch.push((
                NewWorker {
                    name: nm,
                    sex: sex(male),
                    birth_date: birth,
                    education: edu,
                    community_id: com.id,
                    path: com.path.clone(),
                    post,
                    grade,
                    qualification: if q_from <= today {
                        q
                    } else {
                        Qualification::None
                    },
                    two_committees: tc,
                    duty: duty.into(),
                    start_date: start,
                    created_ms: now_ms,
                },
                steps,
                assessments.into_iter().collect::<Vec<_>>(),
            ));
        }
    }
    let workers = ctx
        .workforce
        .import_workers(
            batch,
            ctx.event(
                &sys,
                "workforce.import_workers",
                "worker",
                "demo",
                &root.path,
            ),
        )
        .await?;

    // ---- Pay runs: the last three months and the same month two years before.
    let mut months = vec![];
    let mut m = ymd(today.year(), today.month(), 1);
    for _ in 0..3 {
        m = m
            .pred_opt()
            .map(|d| ymd(d.year(), d.month(), 1))
            .unwrap_or(m);
        months.push(format!("{:04}-{:02}", m.year(), m.month()));
    }
    if let Some(latest) = months.first().and_then(|l| rules::two_years_before(l)) {
        months.push(latest);
    }
    let mut runs = 0;
    for month in &months {
        let r = service::create_pay_run(ctx, &sys, root.id, month).await?;
        service::confirm_pay_run(ctx, &sys, r.id).await?;
        runs += 1;
    }
    let _ = t2024;

    // ---- Reserve talents: 124 in the pool, 18 appointed, 9 dropped.
    let plan: Vec<Stage> = std::iter::repeat_n(Stage::Identified, 38)
        .chain(std::iter::repeat_n(Stage::Training, 52))
        .chain(std::iter::repeat_n(Stage::Ready, 34))
        .chain(std::iter::repeat_n(Stage::Appointed, 18))
        .chain(std::iter::repeat_n(Stage::Dropped, 9))
        .collect();
    let real: Vec<_> = communities
        .iter()
        .filter(|c| !c.name.contains("虚拟"))
        .collect();
    let courses = [
        ("社区工作者岗前培训", 16),
        ("基层党建业务培训", 24),
        ("网格化服务管理实务", 12),
        ("社会工作实务与伦理", 32),
        ("群众工作方法与矛盾纠纷调解", 16),
        ("“党建引领基层治理”专题轮训", 40),
    ];
    let roles = [
        "专职网格员",
        "社区专职工作者",
        "居民小组长",
        "社区党支部委员",
        "大学生志愿者",
    ];
    let mut talents = 0;
    for (i, stage) in plan.iter().enumerate() {
        let com = real[i % real.len()];
        let male = rng.f64() < 0.45;
        let identified = match stage {
            Stage::Identified => day_between(rng, ymd(2026, 1, 1), today - Duration::days(30)),
            _ => day_between(rng, ymd(2023, 3, 1), ymd(2024, 12, 31)),
        };
        let t = service::create_talent(
            ctx,
            &sys,
            TalentInput {
                name: name(rng, male),
                sex: sex(male),
                birth_date: {
                    let age = rng.range(24, 36) as i64;
                    ds(born(rng, identified, age))
                },
                education: rng
                    .pick(&[
                        Education::Bachelor,
                        Education::Bachelor,
                        Education::College,
                        Education::Postgraduate,
                    ])
                    .as_str()
                    .into(),
                community_id: com.id,
                present_role: (*rng.pick(&roles)).into(),
                identified_date: ds(identified),
            },
        )
        .await?;
        talents += 1;
        let mut version = t.version;
        let mut at = identified;
        let path: &[Stage] = match stage {
            Stage::Identified => &[],
            Stage::Training => &[Stage::Training],
            Stage::Ready => &[Stage::Training, Stage::Ready],
            Stage::Appointed => &[Stage::Training, Stage::Ready, Stage::Appointed],
            Stage::Dropped => &[Stage::Training, Stage::Dropped],
        };
        let mut n_courses = 0;
        for s in path {
            at = (at + Duration::days(rng.range(40, 200) as i64)).min(today);
            if *s == Stage::Ready || *s == Stage::Dropped {
                // Training before being judged ready (or leaving).
                for _ in 0..rng.range(1, 3) {
                    let (course, hours) = courses[n_courses % courses.len()];
                    n_courses += 1;
                    service::add_training(
                        ctx,
                        &sys,
                        t.id,
                        TrainingInput {
                            course: course.into(),
                            hours,
                            day: ds(at - Duration::days(rng.range(5, 30) as i64)),
                            result: if rng.f64() < 0.3 { "excellent" } else { "pass" }.into(),
                        },
                    )
                    .await?;
                }
            }
            let note = match s {
                Stage::Appointed => format!("{}居委会委员", com.name),
                Stage::Dropped => {
                    (*rng.pick(&["考取公务员", "外出务工", "个人原因申请退出"])).into()
                }
                _ => String::new(),
            };
            let moved = service::move_talent(
                ctx,
                &sys,
                t.id,
                service::StageMove {
                    version,
                    to: s.as_str().into(),
                    date: ds(at),
                    note,
                },
            )
            .await?;
            version = moved.version;
        }
        if *stage == Stage::Training {
            let (course, hours) = courses[i % courses.len()];
            service::add_training(
                ctx,
                &sys,
                t.id,
                TrainingInput {
                    course: course.into(),
                    hours,
                    day: ds(at.max(identified)),
                    result: "pass".into(),
                },
            )
            .await?;
        }
    }

    Ok(json!({
        "cadres_in_post": cadres,
        "promotions": promotions,
        "added_staff": 105,
        "workers": workers,
        "pay_tables": [t2024.effective_year, t2026.effective_year],
        "pay_runs": runs,
        "pay_months": months,
        "talents": talents,
    }))
}
