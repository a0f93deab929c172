//! The workforce's rules as plain functions: age on a date, the three structure shares,
//! grade progression, a worker's monthly pay, exit subsidies, the doubling check and
//! the reserve pipeline's transitions.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::model::*;

/// Full years of age on a date (the birthday itself counts).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut years = (on.year() - birth.year()) as i64;
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Full years between two dates (service years).
pub fn full_years(from: NaiveDate, to: NaiveDate) -> i64 {
    age_on(from, to).max(0)
}

/// Whether an appointment running from `start` to `end` (exclusive) covers `on`.
pub fn in_post(start: NaiveDate, end: Option<NaiveDate>, on: NaiveDate) -> bool {
    start <= on && end.is_none_or(|e| e > on)
}

/// 汉族 is the majority; any other ethnicity counts as a minority.
pub fn is_minority(ethnicity: &str) -> bool {
    let e = ethnicity.trim();
    !e.is_empty() && e != "汉族" && e != "汉"
}

/// Counts (total, under 45, 大专 or above, minority) of the cadres in post on `on`,
/// with ages taken on that date.
pub fn structure_counts(cadres: &[Cadre], on: NaiveDate) -> (i64, i64, i64, i64) {
    let mut c = (0, 0, 0, 0);
    for k in cadres
        .iter()
        .filter(|k| in_post(k.start_date, k.end_date, on))
    {
        c.0 += 1;
        if age_on(k.birth_date, on) < 45 {
            c.1 += 1;
        }
        if k.education.college_or_above() {
            c.2 += 1;
        }
        if is_minority(&k.ethnicity) {
            c.3 += 1;
        }
    }
    c
}

/// The date `years` after `d` (29 February falls to 28 February).
pub fn add_years(d: NaiveDate, years: i64) -> NaiveDate {
    let y = d.year() + years as i32;
    NaiveDate::from_ymd_opt(y, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
        .unwrap_or(d)
}

/// What the progression rules give a worker on a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Progression {
    pub grade: i64,
    /// Regular steps earned (one per completed period with satisfactory assessments).
    pub steps: i64,
    /// Periods that did not count because an assessment in them was not satisfactory.
    pub held_back: i64,
    pub qualification_bonus: i64,
    /// When the next regular step falls due, unless the cap is reached.
    pub next_step: Option<NaiveDate>,
}

/// The grade the rules give on `on`:
/// entry grade + one grade per completed period of `step_years` of service in which
/// every assessed year was 优秀 or 称职 (a year without an assessment does not hold a
/// step back) + the qualification's bonus, capped at 18 and never below 1.
pub fn rule_grade(
    entry_grade: i64,
    start: NaiveDate,
    on: NaiveDate,
    qualification: Qualification,
    assessments: &BTreeMap<i32, Assessment>,
    table: &PayTable,
) -> Progression {
    let step = table.step_years.max(1);
    let years = full_years(start, on);
    let periods = years / step;
    let mut steps = 0;
    let mut held_back = 0;
    for p in 0..periods {
        let from = add_years(start, p * step);
        let to = add_years(start, (p + 1) * step);
        // Assessment years whose year-end lies inside the period.
        let bad = (from.year()..to.year())
            .any(|y| assessments.get(&y).is_some_and(|a| !a.satisfactory()));
        if bad {
            held_back += 1;
        } else {
            steps += 1;
        }
    }
    let bonus = table.qualification_bonus(qualification);
    let grade = (entry_grade + steps + bonus).clamp(1, GRADES);
    let next_step = (grade < GRADES).then(|| add_years(start, (periods + 1) * step));
    Progression {
        grade,
        steps,
        held_back,
        qualification_bonus: bonus,
        next_step,
    }
}

/// Rounds `amount × bp / 10000` to whole yuan, half up.
pub fn rate_of(amount: i64, bp: i64) -> i64 {
    (amount * bp + 5_000).div_euclid(10_000)
}

/// One worker's monthly pay under a table: base by post × grade, the qualification
/// allowance, the housing fund (a rate of the base) and the two-committees allowance.
pub fn pay(
    post: Post,
    grade: i64,
    qualification: Qualification,
    two_committees: bool,
    table: &PayTable,
) -> (i64, i64, i64, i64, i64) {
    let base = table.base(post, grade);
    let q = table.qualification_allowance(qualification);
    let housing = rate_of(base, table.housing_rate_bp);
    let other = if two_committees {
        table.committee_allowance
    } else {
        0
    };
    (base, q, housing, other, base + q + housing + other)
}

/// The one-off subsidy when a worker leaves: per full year of service, at the departure
/// rate when leaving and at the retirement rate when retiring.
pub fn exit_subsidy(status: WorkerStatus, start: NaiveDate, end: NaiveDate, t: &PayTable) -> i64 {
    let years = full_years(start, end);
    match status {
        WorkerStatus::Active => 0,
        WorkerStatus::Departed => years * t.departure_per_year,
        WorkerStatus::Retired => years * t.retirement_per_year,
    }
}

/// The version in force in a year: the latest whose effective year is not after it.
pub fn table_for_year(tables: &[PayTable], year: i32) -> Option<&PayTable> {
    tables
        .iter()
        .filter(|t| t.effective_year <= year)
        .max_by_key(|t| t.effective_year)
}

/// `YYYY-MM` → its first and last day.
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()?;
    if month.trim().len() != 7 {
        return None;
    }
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The same month two years before: `2026-10` → `2024-10`.
pub fn two_years_before(month: &str) -> Option<String> {
    let (first, _) = month_bounds(month)?;
    Some(format!("{:04}-{:02}", first.year() - 2, first.month()))
}

/// Average in whole yuan (half up), none for nobody.
pub fn average(total: i64, n: i64) -> Option<i64> {
    (n > 0).then(|| (2 * total + n).div_euclid(2 * n))
}

/// Doubled: the later average is at least twice the earlier one.
pub fn doubled(then_total: i64, then_n: i64, now_total: i64, now_n: i64) -> Option<bool> {
    if then_n == 0 || now_n == 0 || then_total <= 0 {
        return None;
    }
    // now_total / now_n >= 2 × then_total / then_n, in integers.
    Some(now_total as i128 * then_n as i128 >= 2 * then_total as i128 * now_n as i128)
}

/// now ÷ then of the averages, two decimals.
pub fn ratio(then_total: i64, then_n: i64, now_total: i64, now_n: i64) -> Option<String> {
    if then_n == 0 || now_n == 0 || then_total <= 0 {
        return None;
    }
    let r = (now_total as f64 / now_n as f64) / (then_total as f64 / then_n as f64);
    Some(format!("{r:.2}"))
}

/// The one stage a talent may move to next: identified → training → ready → appointed.
/// No stage is skipped (an identified person is trained and judged ready before being
/// appointed); any stage before appointment may be left (dropped).
pub fn next_stage(from: Stage) -> Option<Stage> {
    match from {
        Stage::Identified => Some(Stage::Training),
        Stage::Training => Some(Stage::Ready),
        Stage::Ready => Some(Stage::Appointed),
        Stage::Appointed | Stage::Dropped => None,
    }
}

pub fn may_move(from: Stage, to: Stage) -> bool {
    next_stage(from) == Some(to) || (to == Stage::Dropped && from.in_pool())
}

/// The date the talent entered its current stage.
pub fn stage_date(t: &Talent) -> NaiveDate {
    match t.stage {
        Stage::Identified => t.identified_date,
        Stage::Training => t.training_date.unwrap_or(t.identified_date),
        Stage::Ready => t.ready_date.unwrap_or(t.identified_date),
        Stage::Appointed => t.appointed_date.unwrap_or(t.identified_date),
        Stage::Dropped => t.dropped_date.unwrap_or(t.identified_date),
    }
}

/// Chinese and ASCII names: 2–20 characters, no markup.
pub fn name_ok(s: &str) -> bool {
    let n = s.trim().chars().count();
    (2..=20).contains(&n) && !s.contains(['<', '>', '&'])
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    pub(crate) fn table(year: i32, scale: i64) -> PayTable {
        let mut cells = vec![];
        for post in 1..=3i64 {
            for g in 1..=18i64 {
                cells.push(scale * (2000 - 300 * (post - 1) + 50 * (g - 1)));
            }
        }
        PayTable {
            id: 1,
            effective_year: year,
            name: format!("{year}"),
            cells,
            qual_assistant: 100,
            qual_social_worker: 200,
            qual_senior: 300,
            housing_rate_bp: 1000,
            committee_allowance: 300,
            departure_per_year: 1000,
            retirement_per_year: 1500,
            step_years: 3,
            bonus_assistant: 1,
            bonus_social_worker: 2,
            bonus_senior: 3,
            created_ms: 0,
        }
    }

    fn cadre(
        birth: NaiveDate,
        edu: Education,
        eth: &str,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Cadre {
        Cadre {
            id: 1,
            name: "张伟".into(),
            sex: "男".into(),
            post_title: "副主任".into(),
            unit_id: 1,
            unit_name: String::new(),
            path: "/1/".into(),
            birth_date: birth,
            education: edu,
            ethnicity: eth.into(),
            party_member: true,
            start_date: start,
            end_date: end,
            source: CadreSource::Selected,
            note: String::new(),
            version: 1,
        }
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on(d(1981, 11, 26), d(2026, 11, 25)), 44);
        assert_eq!(age_on(d(1981, 11, 26), d(2026, 11, 26)), 45);
        assert_eq!(age_on(d(2000, 2, 29), d(2001, 2, 28)), 0);
        assert_eq!(age_on(d(2000, 2, 29), d(2001, 3, 1)), 1);
    }

    #[test]
    fn structure_takes_the_date_into_account() {
        let c = vec![
            cadre(
                d(1985, 1, 1),
                Education::Bachelor,
                "汉族",
                d(2020, 1, 1),
                None,
            ),
            cadre(
                d(1970, 1, 1),
                Education::Secondary,
                "蒙古族",
                d(2018, 1, 1),
                None,
            ),
            cadre(
                d(1982, 6, 1),
                Education::College,
                "回族",
                d(2015, 1, 1),
                Some(d(2025, 1, 1)),
            ),
        ];
        assert_eq!(structure_counts(&c, d(2026, 11, 26)), (2, 1, 1, 1));
        // In 2021 the third was still in post and under 45.
        assert_eq!(structure_counts(&c, d(2021, 1, 1)), (3, 2, 2, 2));
        // The day the appointment ends it no longer counts; before the start neither.
        assert_eq!(structure_counts(&c, d(2025, 1, 1)).0, 2);
        assert_eq!(structure_counts(&c, d(2017, 1, 1)).0, 1);
    }

    #[test]
    fn progression_by_periods_assessments_and_qualification() {
        let t = table(2026, 1);
        let none = BTreeMap::new();
        let p = rule_grade(
            1,
            d(2017, 3, 1),
            d(2026, 3, 1),
            Qualification::None,
            &none,
            &t,
        );
        assert_eq!((p.grade, p.steps, p.next_step), (4, 3, Some(d(2029, 3, 1))));
        let p = rule_grade(
            1,
            d(2017, 3, 1),
            d(2026, 2, 28),
            Qualification::SocialWorker,
            &none,
            &t,
        );
        assert_eq!((p.grade, p.steps, p.qualification_bonus), (5, 2, 2));
        let mut bad = BTreeMap::new();
        bad.insert(2021, Assessment::Basic);
        let p = rule_grade(
            1,
            d(2017, 3, 1),
            d(2026, 3, 1),
            Qualification::None,
            &bad,
            &t,
        );
        assert_eq!((p.grade, p.held_back), (3, 1));
        let p = rule_grade(
            16,
            d(1990, 1, 1),
            d(2026, 1, 1),
            Qualification::Senior,
            &none,
            &t,
        );
        assert_eq!((p.grade, p.next_step), (18, None));
    }

    #[test]
    fn pay_adds_up_and_tables_go_by_year() {
        let t = table(2026, 2);
        let (base, q, h, o, total) = pay(Post::Head, 3, Qualification::Assistant, true, &t);
        assert_eq!(base, 2 * (2000 + 100));
        assert_eq!(h, 420);
        assert_eq!((q, o), (100, 300));
        assert_eq!(total, base + q + h + o);
        let tables = vec![table(2024, 1), table(2026, 2)];
        assert_eq!(
            table_for_year(&tables, 2025).map(|t| t.effective_year),
            Some(2024)
        );
        assert_eq!(
            table_for_year(&tables, 2027).map(|t| t.effective_year),
            Some(2026)
        );
        assert!(table_for_year(&tables, 2023).is_none());
        assert_eq!(
            exit_subsidy(WorkerStatus::Departed, d(2016, 5, 1), d(2026, 4, 30), &t),
            9000
        );
        assert_eq!(
            exit_subsidy(WorkerStatus::Retired, d(2016, 5, 1), d(2026, 5, 1), &t),
            15000
        );
    }

    #[test]
    fn months_and_doubling() {
        assert_eq!(
            month_bounds("2024-02"),
            Some((d(2024, 2, 1), d(2024, 2, 29)))
        );
        assert_eq!(month_bounds("2026-12").map(|b| b.1), Some(d(2026, 12, 31)));
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("2026-1").is_none());
        assert_eq!(two_years_before("2026-10").as_deref(), Some("2024-10"));
        assert_eq!(doubled(3000, 1, 6000, 1), Some(true));
        assert_eq!(doubled(3000, 1, 5999, 1), Some(false));
        assert_eq!(doubled(0, 0, 6000, 1), None);
        assert_eq!(ratio(3000, 2, 6000, 1).as_deref(), Some("4.00"));
        assert_eq!(average(7, 2), Some(4));
    }

    #[test]
    fn pipeline_moves_one_stage_forward_or_out() {
        assert!(may_move(Stage::Identified, Stage::Training));
        assert!(!may_move(Stage::Identified, Stage::Ready));
        assert!(!may_move(Stage::Identified, Stage::Appointed));
        assert!(!may_move(Stage::Ready, Stage::Training));
        assert!(may_move(Stage::Ready, Stage::Appointed));
        assert!(may_move(Stage::Training, Stage::Dropped));
        assert!(!may_move(Stage::Appointed, Stage::Dropped));
        assert!(!may_move(Stage::Dropped, Stage::Identified));
    }

    proptest! {
        #[test]
        fn age_grows_by_one_a_year(y in 1940i32..2010, m in 1u32..=12, day in 1u32..=28, later in 0i64..80) {
            let b = d(y, m, day);
            let on = add_years(b, later);
            prop_assert_eq!(age_on(b, on), later);
            prop_assert_eq!(age_on(b, on.pred_opt().unwrap_or(on)), (later - 1).max(-1));
        }

        #[test]
        fn shares_count_each_cadre_at_most_once(n in 0usize..40, seed in 0u64..1000) {
            let mut v = vec![];
            for i in 0..n {
                let k = (seed as usize + i * 7) % 5;
                let edu = Education::ALL[k];
                v.push(cadre(d(1960 + (i as i32 % 30), 1 + (i as u32 % 12), 1), edu, if i % 9 == 0 { "蒙古族" } else { "汉族" }, d(2010, 1, 1), None));
            }
            let (t, u, c, m) = structure_counts(&v, d(2026, 11, 26));
            prop_assert_eq!(t, n as i64);
            prop_assert!(u <= t && c <= t && m <= t);
        }

        #[test]
        fn grade_stays_in_range_and_never_falls_with_time(entry in 1i64..=18, years in 0i64..40, q in 0usize..4) {
            let t = table(2026, 1);
            let start = d(1990, 6, 15);
            let a = rule_grade(entry, start, add_years(start, years), Qualification::ALL[q], &BTreeMap::new(), &t);
            let b = rule_grade(entry, start, add_years(start, years + 1), Qualification::ALL[q], &BTreeMap::new(), &t);
            prop_assert!((1..=18).contains(&a.grade));
            prop_assert!(b.grade >= a.grade);
        }

        #[test]
        fn pay_total_is_the_sum_of_its_parts(post in 1i64..=3, grade in 1i64..=18, q in 0usize..4, tc in any::<bool>(), scale in 1i64..4) {
            let t = table(2026, scale);
            let p = Post::from_number(post).unwrap_or(Post::Member);
            let (b, qa, h, o, total) = pay(p, grade, Qualification::ALL[q], tc, &t);
            prop_assert_eq!(total, b + qa + h + o);
            prop_assert!(b > 0 && h >= 0);
        }

        #[test]
        fn doubling_agrees_with_averages(then in 1i64..100_000, now in 0i64..300_000, n1 in 1i64..50, n2 in 1i64..50) {
            let by_float = (now as f64 / n2 as f64) >= 2.0 * (then as f64 / n1 as f64) - 1e-9;
            let exact = doubled(then, n1, now, n2) == Some(true);
            // Equal except within float error of the boundary.
            if ((now as f64 / n2 as f64) - 2.0 * (then as f64 / n1 as f64)).abs() > 1e-6 {
                prop_assert_eq!(by_float, exact);
            }
        }
    }
}
