//! The rules of the three lists as plain functions: the value of meeting one unit of a
//! need with a resource (and the terms that explain it), weekday and time-of-day
//! windows, distances, the spatial bucket that finds resources near a need, and the
//! candidate edges the engine solves over.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::matching::Edge;

/// Points per urgency level (1–5).
pub const URGENCY_POINTS: i32 = 20;
/// Points for a resource of exactly the category asked.
pub const EXACT_POINTS: i32 = 40;
/// Points for a resource of a related category (same group).
pub const RELATED_POINTS: i32 = 15;
/// Points at distance zero, falling linearly to 0 at the edge of the resource's radius.
pub const DISTANCE_POINTS: i32 = 30;
/// Points when the resource covers all the time the need asks for.
pub const TIME_POINTS: i32 = 20;

/// How well a resource's category fits a need's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    Exact,
    Related,
    None,
}

impl Fit {
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Exact => "exact",
            Fit::Related => "related",
            Fit::None => "none",
        }
    }
    pub fn parse(s: &str) -> Fit {
        match s {
            "exact" => Fit::Exact,
            "related" => Fit::Related,
            _ => Fit::None,
        }
    }
    pub fn label(self, lang: jiceng_core::Lang) -> &'static str {
        match (self, lang) {
            (Fit::Exact, jiceng_core::Lang::En) => "exact",
            (Fit::Related, jiceng_core::Lang::En) => "related",
            (Fit::None, jiceng_core::Lang::En) => "none",
            (Fit::Exact, _) => "完全对口",
            (Fit::Related, _) => "相近类别",
            (Fit::None, _) => "不对口",
        }
    }
    pub fn points(self) -> i32 {
        match self {
            Fit::Exact => EXACT_POINTS,
            Fit::Related => RELATED_POINTS,
            Fit::None => 0,
        }
    }
}

/// Why a pairing is worth what it is: each term and the sum (value per unit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    pub urgency: i32,
    pub fit: Fit,
    pub distance_m: i64,
    /// Share of the asked time the resource covers, in thousandths.
    pub overlap_permille: i64,
    pub urgency_points: i32,
    pub fit_points: i32,
    pub distance_points: i32,
    pub time_points: i32,
    pub value: i32,
}

/// Weekdays as a bit set: bit 0 = Monday … bit 6 = Sunday. Empty means every day.
pub fn weekday_mask(days: &[u8]) -> u8 {
    let m = days
        .iter()
        .filter(|d| (1..=7).contains(*d))
        .fold(0u8, |m, d| m | (1 << (d - 1)));
    if m == 0 { 0x7f } else { m }
}

/// `HH:MM` to minutes after midnight (`24:00` allowed as the end of the day).
pub fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return Some(1440);
    }
    (h < 24 && m < 60 && h.to_string().len() <= 2 && m.to_string().len() <= 2).then_some(h * 60 + m)
}

/// Share (0–1000) of the need's weekly time that the resource's weekly time covers.
pub fn overlap_permille(
    need_days: u8,
    need_from: u16,
    need_to: u16,
    res_days: u8,
    res_from: u16,
    res_to: u16,
) -> i64 {
    let nd = need_days.count_ones() as i64;
    let both = (need_days & res_days).count_ones() as i64;
    let span = need_to.saturating_sub(need_from) as i64;
    if nd == 0 || span == 0 {
        return 0;
    }
    let lo = need_from.max(res_from) as i64;
    let hi = need_to.min(res_to) as i64;
    let mins = (hi - lo).max(0);
    both * mins * 1000 / (nd * span)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn day_number(s: &str) -> Option<i32> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((d - epoch).num_days() as i32)
}

/// A need as the engine sees it: plane coordinates in metres, the window of time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeedPoint {
    pub category: u16,
    pub group: u16,
    pub x: f64,
    pub y: f64,
    pub urgency: u8,
    pub quantity: i32,
    pub day_from: i32,
    pub day_to: i32,
    pub weekdays: u8,
    pub time_from: u16,
    pub time_to: u16,
}

/// A resource as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResourcePoint {
    pub category: u16,
    pub group: u16,
    pub x: f64,
    pub y: f64,
    pub radius_m: f64,
    pub capacity: i32,
    pub day_from: i32,
    pub day_to: i32,
    pub weekdays: u8,
    pub time_from: u16,
    pub time_to: u16,
}

/// Metres per degree of latitude, and of longitude at latitude `lat0`.
pub fn metres_per_degree(lat0: f64) -> (f64, f64) {
    (111_320.0 * lat0.to_radians().cos(), 110_574.0)
}

/// A plane projection around `lat0` (good to well under 1% across a city).
pub fn project(lon: f64, lat: f64, lat0: f64) -> (f64, f64) {
    let (kx, ky) = metres_per_degree(lat0);
    (lon * kx, lat * ky)
}

pub fn category_fit(n: &NeedPoint, r: &ResourcePoint) -> Fit {
    if n.category == r.category {
        Fit::Exact
    } else if n.group == r.group {
        Fit::Related
    } else {
        Fit::None
    }
}

/// The value of meeting one unit of the need with the resource, with its terms; `None`
/// when the pairing is worth nothing: another kind of category, out of reach, no
/// common dates, or no common time in the week.
pub fn terms(n: &NeedPoint, r: &ResourcePoint) -> Option<Terms> {
    let fit = category_fit(n, r);
    if fit == Fit::None {
        return None;
    }
    let d = ((n.x - r.x).powi(2) + (n.y - r.y).powi(2)).sqrt();
    if d > r.radius_m {
        return None;
    }
    if n.day_from.max(r.day_from) > n.day_to.min(r.day_to) {
        return None;
    }
    let overlap = overlap_permille(
        n.weekdays,
        n.time_from,
        n.time_to,
        r.weekdays,
        r.time_from,
        r.time_to,
    );
    if overlap == 0 {
        return None;
    }
    Some(explain(n.urgency, fit, d, r.radius_m, overlap))
}

/// The terms of a pairing given its facts (also for a manual assignment, which may lie
/// outside the radius or category: those terms score zero).
pub fn explain(urgency: u8, fit: Fit, distance_m: f64, radius_m: f64, overlap: i64) -> Terms {
    let urgency_points = URGENCY_POINTS * urgency.clamp(1, 5) as i32;
    let fit_points = fit.points();
    let distance_points = if radius_m > 0.0 && distance_m <= radius_m {
        (DISTANCE_POINTS as f64 * (1.0 - distance_m / radius_m)).round() as i32
    } else {
        0
    };
    let time_points = ((TIME_POINTS as i64 * overlap.clamp(0, 1000) + 500) / 1000) as i32;
    Terms {
        urgency: urgency.clamp(1, 5) as i32,
        fit,
        distance_m: distance_m.round() as i64,
        overlap_permille: overlap.clamp(0, 1000),
        urgency_points,
        fit_points,
        distance_points,
        time_points,
        value: urgency_points + fit_points + distance_points + time_points,
    }
}

/// Resources bucketed by category group and square cell, to find those near a point
/// without looking at all of them.
pub struct SpatialIndex {
    cell: f64,
    /// (group, cell x, cell y) → resource indices.
    cells: HashMap<(u16, i32, i32), Vec<u32>>,
    /// Largest radius in each group (how many rings of cells a query must look at).
    max_radius: HashMap<u16, f64>,
}

impl SpatialIndex {
    pub fn new(resources: &[ResourcePoint], cell_m: f64) -> SpatialIndex {
        let cell = cell_m.max(50.0);
        let mut cells: HashMap<(u16, i32, i32), Vec<u32>> = HashMap::new();
        let mut max_radius: HashMap<u16, f64> = HashMap::new();
        for (j, r) in resources.iter().enumerate() {
            if r.capacity <= 0 {
                continue;
            }
            let key = (
                r.group,
                (r.x / cell).floor() as i32,
                (r.y / cell).floor() as i32,
            );
            cells.entry(key).or_default().push(j as u32);
            let m = max_radius.entry(r.group).or_insert(0.0);
            *m = m.max(r.radius_m);
        }
        SpatialIndex {
            cell,
            cells,
            max_radius,
        }
    }

    /// Calls `f` with each resource of the need's group whose cell lies within the
    /// group's largest radius of the need (a superset of those in reach).
    pub fn near(&self, n: &NeedPoint, mut f: impl FnMut(u32)) {
        let Some(&reach) = self.max_radius.get(&n.group) else {
            return;
        };
        let cx = (n.x / self.cell).floor() as i32;
        let cy = (n.y / self.cell).floor() as i32;
        let rings = (reach / self.cell).ceil() as i32;
        for dx in -rings..=rings {
            for dy in -rings..=rings {
                if let Some(list) = self.cells.get(&(n.group, cx + dx, cy + dy)) {
                    for &j in list {
                        f(j);
                    }
                }
            }
        }
    }
}

/// Candidate edges: every pairing with a positive value, except those `keep` refuses
/// (rejected pairs). Needs without quantity get none. Edges come ordered by need.
pub fn build_edges(
    needs: &[NeedPoint],
    resources: &[ResourcePoint],
    cell_m: f64,
    mut keep: impl FnMut(u32, u32) -> bool,
) -> Vec<Edge> {
    let index = SpatialIndex::new(resources, cell_m);
    let mut edges = Vec::new();
    for (i, n) in needs.iter().enumerate() {
        if n.quantity <= 0 {
            continue;
        }
        index.near(n, |j| {
            if let Some(t) = terms(n, &resources[j as usize])
                && keep(i as u32, j)
            {
                edges.push(Edge {
                    need: i as u32,
                    resource: j,
                    value: t.value,
                });
            }
        });
    }
    edges
}

/// The median of some durations (days); `None` when there are none.
pub fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn need(x: f64, y: f64, cat: u16, group: u16) -> NeedPoint {
        NeedPoint {
            category: cat,
            group,
            x,
            y,
            urgency: 3,
            quantity: 1,
            day_from: 0,
            day_to: 100,
            weekdays: 0x7f,
            time_from: 8 * 60,
            time_to: 12 * 60,
        }
    }

    fn res(x: f64, y: f64, cat: u16, group: u16, radius: f64) -> ResourcePoint {
        ResourcePoint {
            category: cat,
            group,
            x,
            y,
            radius_m: radius,
            capacity: 2,
            day_from: 0,
            day_to: 100,
            weekdays: 0x7f,
            time_from: 0,
            time_to: 1440,
        }
    }

    #[test]
    fn terms_add_up_and_explain() {
        let t = terms(&need(0.0, 0.0, 1, 1), &res(300.0, 400.0, 1, 1, 1000.0)).unwrap();
        assert_eq!(t.fit, Fit::Exact);
        assert_eq!(t.distance_m, 500);
        assert_eq!(t.distance_points, 15);
        assert_eq!(t.time_points, 20);
        assert_eq!(t.value, 60 + 40 + 15 + 20);
        let r = terms(&need(0.0, 0.0, 1, 1), &res(0.0, 0.0, 2, 1, 1000.0)).unwrap();
        assert_eq!(r.fit, Fit::Related);
        assert!(terms(&need(0.0, 0.0, 1, 1), &res(0.0, 0.0, 3, 2, 1000.0)).is_none());
        assert!(terms(&need(0.0, 0.0, 1, 1), &res(2000.0, 0.0, 1, 1, 1000.0)).is_none());
    }

    #[test]
    fn time_windows() {
        // Mon–Fri mornings asked, the resource gives Mon/Wed 10:00–17:00: 2/5 × 1/2.
        let n = weekday_mask(&[1, 2, 3, 4, 5]);
        let r = weekday_mask(&[1, 3]);
        assert_eq!(overlap_permille(n, 480, 720, r, 600, 1020), 200);
        assert_eq!(
            overlap_permille(n, 480, 720, weekday_mask(&[6, 7]), 0, 1440),
            0
        );
        assert_eq!(weekday_mask(&[]), 0x7f);
        assert_eq!(minutes("08:30"), Some(510));
        assert_eq!(minutes("24:00"), Some(1440));
        assert_eq!(minutes("25:00"), None);
        assert_eq!(minutes("8"), None);
        let mut a = need(0.0, 0.0, 1, 1);
        a.day_from = 200;
        a.day_to = 210;
        assert!(terms(&a, &res(0.0, 0.0, 1, 1, 100.0)).is_none());
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    proptest! {
        /// The bucketed search finds exactly the pairs a scan of all pairs finds.
        #[test]
        fn spatial_bucket_equals_full_scan(
            ns in proptest::collection::vec((0.0f64..5000.0, 0.0f64..5000.0, 0u16..4), 1..30),
            rs in proptest::collection::vec((0.0f64..5000.0, 0.0f64..5000.0, 0u16..4, 100.0f64..2500.0), 1..30),
            cell in 200.0f64..3000.0,
        ) {
            let needs: Vec<_> = ns.iter().map(|&(x, y, c)| need(x, y, c, c / 2)).collect();
            let res: Vec<_> = rs.iter().map(|&(x, y, c, r)| res(x, y, c, c / 2, r)).collect();
            let mut fast: Vec<(u32, u32, i32)> = build_edges(&needs, &res, cell, |_, _| true)
                .into_iter().map(|e| (e.need, e.resource, e.value)).collect();
            let mut slow = vec![];
            for (i, n) in needs.iter().enumerate() {
                for (j, r) in res.iter().enumerate() {
                    if let Some(t) = terms(n, r) {
                        slow.push((i as u32, j as u32, t.value));
                    }
                }
            }
            fast.sort_unstable();
            slow.sort_unstable();
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn value_is_positive_and_closer_is_not_worse(d1 in 0.0f64..1000.0, d2 in 0.0f64..1000.0, u in 1u8..6) {
            let a = explain(u, Fit::Related, d1.min(d2), 1000.0, 1);
            let b = explain(u, Fit::Related, d1.max(d2), 1000.0, 1);
            prop_assert!(a.value >= b.value);
            prop_assert!(b.value > 0);
        }
    }
}
