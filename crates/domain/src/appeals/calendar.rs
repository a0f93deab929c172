//! The working-day calendar: weekends are off, except the days the data says are
//! make-up working days (调休上班); holidays are off. Deadlines in working days skip
//! the days off; deadlines in hours run on the clock.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use jiceng_core::clock::china;

use super::model::LimitUnit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Holiday,
    Workday,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    overrides: HashMap<NaiveDate, DayKind>,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Calendar {
        Calendar {
            overrides: days.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.overrides.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The moment `n` working days after `start` (Beijing time): the same clock time on
    /// the n-th working day after the start day. A start on a day off counts from the
    /// next working day.
    pub fn add_working_days(&self, start_ms: i64, n: i64) -> i64 {
        let Some(start) = Utc.timestamp_millis_opt(start_ms).single() else {
            return start_ms;
        };
        let local = start.with_timezone(&china());
        let mut day = local.date_naive();
        let mut left = n.max(0);
        // Guard against a calendar with no working days at all.
        let mut steps = 0;
        while left > 0 && steps < 3660 {
            day = day.succ_opt().unwrap_or(day);
            steps += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        let time = local.time();
        match china().from_local_datetime(&day.and_time(time)).single() {
            Some(t) => t.with_timezone(&Utc).timestamp_millis(),
            None => start_ms,
        }
    }

    /// The deadline of a time limit started at `start_ms`.
    pub fn due(&self, start_ms: i64, amount: i64, unit: LimitUnit) -> i64 {
        match unit {
            LimitUnit::Hours => start_ms + amount * 3_600_000,
            LimitUnit::WorkingDays => self.add_working_days(start_ms, amount),
        }
    }
}

/// When to remind: three quarters of the time has passed.
pub fn remind_at(start_ms: i64, due_ms: i64) -> i64 {
    start_ms + (due_ms - start_ms) * 3 / 4
}

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn hours(h: i64) -> i64 {
    Duration::hours(h).num_milliseconds()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
        china()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    }

    fn cal2026() -> Calendar {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let mut days = vec![];
        for day in 1..=7 {
            days.push((d(10, day), DayKind::Holiday));
        }
        days.push((d(9, 25), DayKind::Holiday));
        days.push((d(9, 26), DayKind::Holiday));
        days.push((d(9, 27), DayKind::Holiday));
        days.push((d(9, 20), DayKind::Workday));
        days.push((d(10, 10), DayKind::Workday));
        Calendar::new(days)
    }

    #[test]
    fn weekend_is_skipped() {
        let c = Calendar::default();
        // Friday 2026-11-27 10:00 + 1 working day = Monday 11-30 10:00.
        assert_eq!(
            c.add_working_days(at(2026, 11, 27, 10), 1),
            at(2026, 11, 30, 10)
        );
        // + 7 working days from Thursday 11-26 = Monday 12-07.
        assert_eq!(
            c.add_working_days(at(2026, 11, 26, 10), 7),
            at(2026, 12, 7, 10)
        );
    }

    #[test]
    fn national_day_and_make_up_days() {
        let c = cal2026();
        // Wed 2026-09-30 + 1 working day: Oct 1–7 are off, Oct 8 (Thu) is next.
        assert_eq!(
            c.add_working_days(at(2026, 9, 30, 9), 1),
            at(2026, 10, 8, 9)
        );
        // Fri 10-09 + 1: Saturday 10-10 is a make-up working day.
        assert_eq!(
            c.add_working_days(at(2026, 10, 9, 9), 1),
            at(2026, 10, 10, 9)
        );
        // Sunday 09-20 is a working day.
        assert!(c.is_working_day(NaiveDate::from_ymd_opt(2026, 9, 20).unwrap_or_default()));
        // Thu 09-24 + 2: 25–27 off → Mon 28, Tue 29.
        assert_eq!(
            c.add_working_days(at(2026, 9, 24, 15), 2),
            at(2026, 9, 29, 15)
        );
    }

    #[test]
    fn hour_limits_run_on_the_clock() {
        let c = cal2026();
        assert_eq!(
            c.due(at(2026, 10, 1, 10), 24, LimitUnit::Hours),
            at(2026, 10, 2, 10)
        );
        assert_eq!(remind_at(0, 100), 75);
    }

    proptest! {
        #[test]
        fn n_working_days_land_on_a_working_day_after_n(start_day in 0i64..700, n in 1i64..30, hour in 0u32..24) {
            let c = cal2026();
            let start = at(2025, 6, 1, hour) + start_day * 86_400_000;
            let due = c.add_working_days(start, n);
            prop_assert!(due > start);
            let due_day = Utc.timestamp_millis_opt(due).single().map(|t| t.with_timezone(&china()).date_naive()).unwrap_or_default();
            prop_assert!(c.is_working_day(due_day));
            // Exactly n working days lie in (start day, due day].
            let start_day_d = Utc.timestamp_millis_opt(start).single().map(|t| t.with_timezone(&china()).date_naive()).unwrap_or_default();
            let mut d = start_day_d;
            let mut count = 0;
            while d < due_day {
                d = d.succ_opt().unwrap_or(d);
                if c.is_working_day(d) { count += 1; }
            }
            prop_assert_eq!(count, n);
            // Monotone in n.
            prop_assert!(c.add_working_days(start, n + 1) > due);
        }
    }
}
