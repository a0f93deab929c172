//! The measures of how appeals are answered, defined once:
//!
//! - **响应率 (response rate)** = cases whose handler signed for them within the
//!   category's response time ÷ dispatched cases whose response was due by now.
//! - **解决率 (resolution rate)** = closed cases ÷ accepted cases (everything received
//!   but the cases rejected as invalid or duplicate).
//! - **满意率 (satisfaction rate)** = ratings "satisfied" or "fairly satisfied" ÷ all
//!   ratings.
//! - **按期办结率 (on-time closure)** = cases closed by their deadline ÷ closed cases.
//! - **问题解决在基层 (solved at the grassroots)** = the share of closed cases closed
//!   at grid, community, sub-district and district level.
//!
//! Ranking score = 0.3 × response + 0.4 × resolution + 0.3 × satisfaction.

use serde::Serialize;

use super::model::RateCounts;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    pub key: String,
    pub name: String,
    pub counts: RateCounts,
    pub response: Option<f64>,
    pub resolution: Option<f64>,
    pub satisfaction: Option<f64>,
    pub on_time: Option<f64>,
    /// Shares of closed cases by level: grid, community, sub-district, district.
    pub grassroots: [Option<f64>; 4],
    pub score: Option<f64>,
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

pub fn rates(key: String, name: String, c: RateCounts) -> Rates {
    let response = ratio(c.responded_in_time, c.response_due);
    let resolution = ratio(c.closed, c.total - c.rejected);
    let satisfaction = ratio(c.satisfied, c.rated);
    let on_time = ratio(c.closed_in_time, c.closed);
    let grassroots = [
        ratio(c.closed_grid, c.closed),
        ratio(c.closed_community, c.closed),
        ratio(c.closed_subdistrict, c.closed),
        ratio(c.closed_district, c.closed),
    ];
    let score = match (response, resolution, satisfaction) {
        (Some(a), Some(b), Some(s)) => Some(0.3 * a + 0.4 * b + 0.3 * s),
        (None, Some(b), None) => Some(0.4 * b),
        _ => None,
    };
    Rates {
        key,
        name,
        counts: c,
        response,
        resolution,
        satisfaction,
        on_time,
        grassroots,
        score,
    }
}

/// Best first; units without a score last.
pub fn rank(mut rows: Vec<Rates>) -> Vec<Rates> {
    rows.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions() {
        let c = RateCounts {
            key: "x".into(),
            total: 10,
            rejected: 2,
            dispatched: 8,
            response_due: 8,
            responded_in_time: 6,
            closed: 4,
            closed_in_time: 3,
            rated: 4,
            satisfied: 3,
            closed_grid: 2,
            closed_community: 1,
            closed_subdistrict: 1,
            ..Default::default()
        };
        let r = rates("x".into(), "x".into(), c);
        assert_eq!(r.response, Some(0.75));
        assert_eq!(r.resolution, Some(0.5));
        assert_eq!(r.satisfaction, Some(0.75));
        assert_eq!(r.on_time, Some(0.75));
        assert_eq!(r.grassroots, [Some(0.5), Some(0.25), Some(0.25), Some(0.0)]);
        let s = r.score.unwrap_or_default();
        assert!((s - (0.3 * 0.75 + 0.4 * 0.5 + 0.3 * 0.75)).abs() < 1e-12);
    }

    #[test]
    fn empty_units_have_no_rates_and_rank_last() {
        let empty = rates("b".into(), "b".into(), RateCounts::default());
        assert_eq!((empty.response, empty.score), (None, None));
        let full = rates(
            "a".into(),
            "a".into(),
            RateCounts {
                total: 1,
                response_due: 1,
                responded_in_time: 1,
                closed: 1,
                rated: 1,
                satisfied: 1,
                ..Default::default()
            },
        );
        let ranked = rank(vec![empty, full]);
        assert_eq!(ranked[0].key, "a");
    }
}
