//! Placing a point in its grid: an in-memory index of grid polygons (bounding boxes
//! checked first), rebuilt when grid boundaries change.

use std::sync::{Arc, RwLock};

use jiceng_formats::geo::{Point, Polygon};

#[derive(Debug, Clone)]
pub struct GridEntry {
    pub id: i64,
    pub path: String,
    pub bbox: (f64, f64, f64, f64),
    pub polygon: Polygon,
    /// The grid itself (without its boundary) and its community's id, so intake
    /// places a point without reading the database.
    pub unit: Option<crate::org::OrgUnit>,
    pub community_id: Option<i64>,
}

/// Grid polygons sorted by the west edge of their boxes, so a lookup scans only the
/// boxes that can hold the point.
#[derive(Debug, Clone, Default)]
pub struct GridIndex {
    entries: Vec<GridEntry>,
    /// The widest box, bounding how far left of a point a candidate may start.
    max_width: f64,
}

impl GridIndex {
    pub fn new(mut entries: Vec<GridEntry>) -> GridIndex {
        entries.sort_by(|a, b| a.bbox.0.total_cmp(&b.bbox.0));
        let max_width = entries
            .iter()
            .map(|e| e.bbox.2 - e.bbox.0)
            .fold(0.0, f64::max);
        GridIndex { entries, max_width }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The grid containing the point, if any.
    pub fn locate(&self, p: Point) -> Option<&GridEntry> {
        let lo = p.x - self.max_width;
        let start = self.entries.partition_point(|e| e.bbox.0 < lo);
        self.entries[start..]
            .iter()
            .take_while(|e| e.bbox.0 <= p.x)
            .find(|e| {
                p.x <= e.bbox.2 && p.y >= e.bbox.1 && p.y <= e.bbox.3 && e.polygon.contains(p)
            })
    }
}

/// How long an index serves before it is rebuilt: changes made through another
/// instance reach this one within this time (changes made here renew it at once).
pub const GRID_INDEX_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The shared, lazily built index.
#[derive(Debug, Default)]
pub struct GridCache {
    index: RwLock<Option<(std::time::Instant, Arc<GridIndex>)>>,
}

impl GridCache {
    pub fn get(&self) -> Option<Arc<GridIndex>> {
        self.index
            .read()
            .ok()
            .and_then(|g| g.clone())
            .filter(|(at, _)| at.elapsed() < GRID_INDEX_TTL)
            .map(|(_, i)| i)
    }
    pub fn set(&self, index: GridIndex) -> Arc<GridIndex> {
        let a = Arc::new(index);
        if let Ok(mut g) = self.index.write() {
            *g = Some((std::time::Instant::now(), a.clone()));
        }
        a
    }
    /// Forget the index (a boundary changed); the next lookup rebuilds it.
    pub fn invalidate(&self) {
        if let Ok(mut g) = self.index.write() {
            *g = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn square(id: i64, x: f64, y: f64, s: f64) -> GridEntry {
        let p = |x, y| Point { x, y };
        let polygon = Polygon {
            exterior: vec![p(x, y), p(x + s, y), p(x + s, y + s), p(x, y + s), p(x, y)],
        };
        GridEntry {
            id,
            path: format!("/{id}/"),
            bbox: polygon.bbox(),
            polygon,
            unit: None,
            community_id: None,
        }
    }

    #[test]
    fn finds_the_grid_or_none() {
        let idx = GridIndex::new(vec![
            square(1, 0.0, 0.0, 1.0),
            square(2, 1.0, 0.0, 1.0),
            square(3, 0.0, 1.0, 2.0),
        ]);
        assert_eq!(idx.locate(Point { x: 0.5, y: 0.5 }).map(|e| e.id), Some(1));
        assert_eq!(idx.locate(Point { x: 1.5, y: 0.5 }).map(|e| e.id), Some(2));
        assert_eq!(idx.locate(Point { x: 1.5, y: 2.5 }).map(|e| e.id), Some(3));
        assert_eq!(idx.locate(Point { x: 5.0, y: 0.5 }).map(|e| e.id), None);
    }

    proptest! {
        #[test]
        fn agrees_with_a_linear_scan(cells in proptest::collection::vec((0u32..20, 0u32..20, 1u32..4), 1..40),
                                     px in 0.0f64..25.0, py in 0.0f64..25.0) {
            let entries: Vec<GridEntry> = cells.iter().enumerate()
                .map(|(i, (x, y, s))| square(i as i64, *x as f64, *y as f64, *s as f64)).collect();
            let idx = GridIndex::new(entries.clone());
            let p = Point { x: px, y: py };
            let found = idx.locate(p).map(|e| e.id);
            let any = entries.iter().filter(|e| e.polygon.contains(p)).map(|e| e.id).collect::<Vec<_>>();
            match found {
                Some(id) => prop_assert!(any.contains(&id)),
                None => prop_assert!(any.is_empty()),
            }
        }
    }
}
