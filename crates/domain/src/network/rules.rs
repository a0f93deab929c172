//! Rules of the service network as plain functions: distances, deadlines, the
//! resolution life cycle and the counts the seed figures are computed from.

use chrono::{Datelike, NaiveDate};

use super::model::ResolutionStatus;

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS-84 points (haversine).
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().clamp(0.0, 1.0).asin()
}

/// Degrees to micro-degrees, the stored form of a coordinate.
pub fn to_e6(deg: f64) -> i64 {
    (deg * 1_000_000.0).round() as i64
}

pub fn from_e6(e6: i64) -> f64 {
    e6 as f64 / 1_000_000.0
}

/// A usable longitude/latitude pair.
pub fn lon_lat_ok(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

/// A day written `YYYY-MM-DD` (and only so).
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() >= 2000)
}

/// Past its deadline and not done. The deadline day itself is still in time.
pub fn is_overdue(deadline: &str, status: ResolutionStatus, today: NaiveDate) -> bool {
    status != ResolutionStatus::Done && parse_day(deadline).is_some_and(|d| d < today)
}

/// Whether a resolution may move from one status to another: open → in progress →
/// done (open → done directly too); done is final.
pub fn transition_ok(from: ResolutionStatus, to: ResolutionStatus) -> bool {
    use ResolutionStatus::*;
    matches!(
        (from, to),
        (Open, InProgress) | (Open, Done) | (InProgress, Done)
    )
}

/// The most common value (ties: the larger one), or 0 for none. Every reformed
/// sub-district holds the same lists; the mode ignores one that is half-entered.
pub fn mode(values: &[i64]) -> i64 {
    let mut counts: Vec<(i64, usize)> = vec![];
    for v in values {
        match counts.iter_mut().find(|(x, _)| x == v) {
            Some((_, n)) => *n += 1,
            None => counts.push((*v, 1)),
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
        .map(|(v, _)| v)
        .unwrap_or(0)
}

/// The alliance as the seed writes it: `1+7+41`.
pub fn alliance(district: i64, subdistrict: i64, community: i64) -> String {
    format!("{district}+{subdistrict}+{community}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of latitude is about 111.2 km.
        let d = haversine_m(106.8, 39.0, 106.8, 40.0);
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        // Along the parallel at 39.67° a degree of longitude is shorter.
        let e = haversine_m(106.0, 39.67, 107.0, 39.67);
        assert!((e - 85_620.0).abs() < 200.0, "{e}");
        assert_eq!(haversine_m(106.8, 39.6, 106.8, 39.6), 0.0);
    }

    #[test]
    fn overdue_only_after_the_deadline_and_while_open() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        assert!(is_overdue("2026-11-25", ResolutionStatus::Open, today));
        assert!(is_overdue(
            "2026-11-25",
            ResolutionStatus::InProgress,
            today
        ));
        assert!(!is_overdue("2026-11-26", ResolutionStatus::Open, today));
        assert!(!is_overdue("2026-11-25", ResolutionStatus::Done, today));
    }

    #[test]
    fn done_is_final() {
        use ResolutionStatus::*;
        assert!(transition_ok(Open, InProgress) && transition_ok(InProgress, Done));
        assert!(transition_ok(Open, Done));
        assert!(!transition_ok(Done, Open) && !transition_ok(Done, InProgress));
        assert!(!transition_ok(InProgress, Open) && !transition_ok(Open, Open));
    }

    #[test]
    fn mode_and_alliance() {
        assert_eq!(mode(&[8, 8, 8, 7, 8]), 8);
        assert_eq!(mode(&[]), 0);
        assert_eq!(alliance(1, 7, 41), "1+7+41");
        assert!(parse_day("2026-02-30").is_none() && parse_day("2026-2-3").is_none());
        assert!(parse_day("2026-02-28").is_some());
    }

    proptest! {
        #[test]
        fn haversine_is_symmetric_and_non_negative(
            a in 100.0f64..110.0, b in 35.0f64..45.0, c in 100.0f64..110.0, d in 35.0f64..45.0
        ) {
            let x = haversine_m(a, b, c, d);
            let y = haversine_m(c, d, a, b);
            prop_assert!(x >= 0.0);
            prop_assert!((x - y).abs() < 1e-6);
        }

        #[test]
        fn micro_degrees_round_trip(v in -180.0f64..180.0) {
            prop_assert!((from_e6(to_e6(v)) - v).abs() <= 0.000_000_5 + 1e-12);
        }
    }
}
