//! Timings of the kernels that decide capacity: placing points in grids, parsing a
//! national division list, computing the three rates.

use std::time::Instant;

use jiceng_domain::appeals::routing::{GridEntry, GridIndex};
use jiceng_domain::demo::{Rng, tile};
use jiceng_formats::geo::Point;

/// A synthetic city of `side × side` jittered grids, and lookups per second on one core.
pub fn point_lookups(side: usize, seconds: f64) -> (usize, f64) {
    let mut rng = Rng::new(7);
    let cells = tile(
        &mut rng,
        (106.0, 39.0),
        (side as f64 * 0.004, side as f64 * 0.004),
        side,
        side,
    );
    let entries: Vec<GridEntry> = cells
        .into_iter()
        .enumerate()
        .map(|(i, p)| GridEntry {
            id: i as i64,
            path: String::new(),
            bbox: p.bbox(),
            polygon: p,
            unit: None,
            community_id: None,
        })
        .collect();
    let n = entries.len();
    let index = GridIndex::new(entries);
    let (w, h) = (side as f64 * 0.004, side as f64 * 0.004);
    let start = Instant::now();
    let mut lookups = 0u64;
    let mut found = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..10_000 {
            let p = Point {
                x: 106.0 + rng.f64() * w,
                y: 39.0 + rng.f64() * h,
            };
            if index.locate(p).is_some() {
                found += 1;
            }
            lookups += 1;
        }
    }
    let rate = lookups as f64 / start.elapsed().as_secs_f64();
    // Every point of the tiled block lies in a grid.
    debug_assert!(found as f64 > lookups as f64 * 0.99);
    (n, rate)
}

/// A national-sized division list in the import format: `districts` districts with
/// 14 streets of 16 communities each.
pub fn national_csv(districts: usize) -> String {
    let mut s = String::from("level,code,name,parent_code\n");
    for d in 0..districts {
        let dc = format!("{:06}", 110101 + d * 3);
        s.push_str(&format!("district,{dc},区{d},{}\n", &dc[..4]));
        for st in 1..=14 {
            let sc = format!("{dc}{st:03}");
            s.push_str(&format!("street,{sc},街道{d}-{st},{dc}\n"));
            for c in 1..=16 {
                s.push_str(&format!(
                    "community,{sc}{c:03},社区{d}-{st}-{c}居委会,{sc}\n"
                ));
            }
        }
    }
    s
}

/// Parsing (and validating) a division list: rows per second.
pub fn parse_divisions(csv: &str) -> (usize, f64) {
    let start = Instant::now();
    let rows = jiceng_formats::divisions::parse_divisions("national.csv", csv.as_bytes())
        .map(|r| r.len())
        .unwrap_or(0);
    (rows, start.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_list_parses_cleanly() {
        let csv = national_csv(3);
        let (rows, _) = parse_divisions(&csv);
        assert_eq!(rows, 3 * (1 + 14 * (1 + 16)));
    }

    #[test]
    fn every_point_of_the_block_is_found() {
        let (n, rate) = point_lookups(10, 0.01);
        assert_eq!(n, 100);
        assert!(rate > 0.0);
    }
}
