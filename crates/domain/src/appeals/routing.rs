//! Placing a point in its grid: an in-memory index of grid polygons (a raster of
//! buckets, then bounding boxes, then the polygon), rebuilt when grid boundaries change.

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

/// Grid polygons behind a raster of buckets laid over all their boxes (about one
/// bucket per grid): a point's bucket lists the few grids whose boxes reach into it,
/// so a lookup tests a handful of boxes and usually one polygon, whatever the city's
/// size. (It scanned a strip of the city sorted by west edge before: ~170 boxes per
/// lookup at 30,000 grids.)
#[derive(Debug, Clone, Default)]
pub struct GridIndex {
    entries: Vec<GridEntry>,
    /// West, south, east, north of all boxes.
    bounds: (f64, f64, f64, f64),
    /// Width and height of one bucket.
    cell: (f64, f64),
    /// Buckets across and down.
    dims: (usize, usize),
    /// Bucket `b` holds `items[starts[b]..starts[b + 1]]` (indexes into `entries`).
    starts: Vec<u32>,
    items: Vec<u32>,
}

/// The buckets a box covers, inclusive, on a raster.
fn bucket_span(
    bbox: (f64, f64, f64, f64),
    bounds: (f64, f64, f64, f64),
    cell: (f64, f64),
    dims: (usize, usize),
) -> (usize, usize, usize, usize) {
    let at = |v: f64, lo: f64, size: f64, n: usize| (((v - lo) / size) as usize).min(n - 1);
    (
        at(bbox.0, bounds.0, cell.0, dims.0),
        at(bbox.1, bounds.1, cell.1, dims.1),
        at(bbox.2, bounds.0, cell.0, dims.0),
        at(bbox.3, bounds.1, cell.1, dims.1),
    )
}

impl GridIndex {
    pub fn new(entries: Vec<GridEntry>) -> GridIndex {
        if entries.is_empty() {
            return GridIndex::default();
        }
        let bounds = entries.iter().fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |b, e| {
                (
                    b.0.min(e.bbox.0),
                    b.1.min(e.bbox.1),
                    b.2.max(e.bbox.2),
                    b.3.max(e.bbox.3),
                )
            },
        );
        let (w, h) = (bounds.2 - bounds.0, bounds.3 - bounds.1);
        let n = entries.len() as f64;
        // About one bucket per grid, shaped like the city.
        let (mut nx, mut ny) = if w > 0.0 && h > 0.0 {
            let nx = (n * w / h).sqrt().round().clamp(1.0, 4096.0);
            (nx as usize, (n / nx).ceil().clamp(1.0, 4096.0) as usize)
        } else if w > 0.0 {
            (n.min(4096.0) as usize, 1)
        } else if h > 0.0 {
            (1, n.min(4096.0) as usize)
        } else {
            (1, 1)
        };
        let size = |len: f64, k: usize| if len > 0.0 { len / k as f64 } else { 1.0 };
        // Very unequal grids (a few huge rural ones over many small urban ones) make
        // the big boxes cover many buckets: coarser raster until the lists stay small.
        loop {
            let cell = (size(w, nx), size(h, ny));
            let refs: usize = entries
                .iter()
                .map(|e| {
                    let s = bucket_span(e.bbox, bounds, cell, (nx, ny));
                    (s.2 - s.0 + 1) * (s.3 - s.1 + 1)
                })
                .sum();
            if refs <= 8 * entries.len() + 4096 || (nx == 1 && ny == 1) {
                break;
            }
            nx = (nx / 2).max(1);
            ny = (ny / 2).max(1);
        }
        let cell = (size(w, nx), size(h, ny));
        let dims = (nx, ny);
        let mut counts = vec![0u32; nx * ny + 1];
        let spans: Vec<_> = entries
            .iter()
            .map(|e| bucket_span(e.bbox, bounds, cell, dims))
            .collect();
        for s in &spans {
            for y in s.1..=s.3 {
                for x in s.0..=s.2 {
                    counts[y * nx + x + 1] += 1;
                }
            }
        }
        for b in 1..counts.len() {
            counts[b] += counts[b - 1];
        }
        let starts = counts.clone();
        let mut items = vec![0u32; *counts.last().unwrap_or(&0) as usize];
        for (i, s) in spans.iter().enumerate() {
            for y in s.1..=s.3 {
                for x in s.0..=s.2 {
                    let slot = &mut counts[y * nx + x];
                    items[*slot as usize] = i as u32;
                    *slot += 1;
                }
            }
        }
        GridIndex {
            entries,
            bounds,
            cell,
            dims,
            starts,
            items,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The grid containing the point, if any.
    pub fn locate(&self, p: Point) -> Option<&GridEntry> {
        let b = self.bounds;
        // Outside every box (NaN fails these comparisons too).
        if self.entries.is_empty() || !(p.x >= b.0 && p.x <= b.2 && p.y >= b.1 && p.y <= b.3) {
            return None;
        }
        let s = bucket_span((p.x, p.y, p.x, p.y), b, self.cell, self.dims);
        let bucket = s.1 * self.dims.0 + s.0;
        let (from, to) = (
            self.starts[bucket] as usize,
            self.starts[bucket + 1] as usize,
        );
        self.items[from..to]
            .iter()
            .map(|&i| &self.entries[i as usize])
            .find(|e| {
                p.x >= e.bbox.0
                    && p.x <= e.bbox.2
                    && p.y >= e.bbox.1
                    && p.y <= e.bbox.3
                    && e.polygon.contains(p)
            })
    }
}

/// How long an index serves before it is rebuilt: changes made through another
/// instance reach this one within this time (changes made here renew it at once).
pub const GRID_INDEX_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The shared, lazily built index.
#[derive(Debug, Default)]
pub struct GridCache {
    /// The index, when it was built, and the tree's generation it was built from
    /// (`OrgStore::tree_generation`).
    index: RwLock<Option<(std::time::Instant, u64, Arc<GridIndex>)>>,
    /// One caller rebuilds an expired index; the others keep using the old one meanwhile.
    refreshing: std::sync::atomic::AtomicBool,
}

/// Held by the one caller rebuilding an expired index; lets the next one try when dropped.
pub struct Refresh<'a>(&'a GridCache);

impl Drop for Refresh<'_> {
    fn drop(&mut self) {
        self.0
            .refreshing
            .store(false, std::sync::atomic::Ordering::Release);
    }
}

impl GridCache {
    /// The index while it is fresh: young enough, and built from the tree at `generation`
    /// (the tree's generation now; another instance's change advances it).
    pub fn get(&self, generation: u64) -> Option<Arc<GridIndex>> {
        self.index
            .read()
            .ok()
            .and_then(|g| g.clone())
            .filter(|(at, built, _)| *built == generation && at.elapsed() < GRID_INDEX_TTL)
            .map(|(_, _, i)| i)
    }
    /// The index however old (none after [`Self::invalidate`]).
    pub fn stale(&self) -> Option<Arc<GridIndex>> {
        self.index
            .read()
            .ok()
            .and_then(|g| g.clone())
            .map(|(_, _, i)| i)
    }
    /// The right to rebuild an expired index, for one caller at a time: every request
    /// rebuilding it at once (each reading every grid's boundary) stalled intake for
    /// 250–500 ms once a minute.
    pub fn try_refresh(&self) -> Option<Refresh<'_>> {
        self.refreshing
            .compare_exchange(
                false,
                true,
                std::sync::atomic::Ordering::AcqRel,
                std::sync::atomic::Ordering::Acquire,
            )
            .ok()
            .map(|_| Refresh(self))
    }
    /// Keeps an index built from units read at the tree's `generation` (taken before
    /// reading them).
    pub fn set(&self, index: GridIndex, generation: u64) -> Arc<GridIndex> {
        let a = Arc::new(index);
        if let Ok(mut g) = self.index.write() {
            *g = Some((std::time::Instant::now(), generation, a.clone()));
        }
        a
    }
    /// Forget the index (a boundary changed here); the next lookup rebuilds it, and
    /// none is served stale meanwhile. (After another instance's change the old index
    /// is served while one caller rebuilds, as when it expires with age.)
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

    /// Points on box edges and corners (the bucket borders fall on them too) find a
    /// grid exactly when a linear scan does; so do very unequal grids.
    #[test]
    fn edges_corners_and_unequal_grids_agree_with_a_linear_scan() {
        let mut entries = vec![square(0, 0.0, 0.0, 64.0)];
        for i in 0..16 {
            for j in 0..16 {
                entries.push(square(1 + i * 16 + j, 64.0 + i as f64, j as f64, 1.0));
            }
        }
        let idx = GridIndex::new(entries.clone());
        for x in 0..=170 {
            for y in 0..=70 {
                let p = Point {
                    x: x as f64 * 0.5,
                    y: y as f64 * 0.5,
                };
                let found = idx.locate(p).map(|e| e.id);
                let any: Vec<i64> = entries
                    .iter()
                    .filter(|e| e.polygon.contains(p))
                    .map(|e| e.id)
                    .collect();
                match found {
                    Some(id) => assert!(any.contains(&id), "{p:?}"),
                    None => assert!(any.is_empty(), "{p:?} {any:?}"),
                }
            }
        }
        assert!(
            GridIndex::new(vec![])
                .locate(Point { x: 0.0, y: 0.0 })
                .is_none()
        );
        let one = GridIndex::new(vec![square(7, 3.0, 3.0, 1.0)]);
        assert_eq!(one.locate(Point { x: 3.5, y: 3.5 }).map(|e| e.id), Some(7));
        assert!(
            one.locate(Point {
                x: f64::NAN,
                y: 3.5
            })
            .is_none()
        );
    }

    #[test]
    fn one_caller_at_a_time_refreshes_and_others_see_the_old_index() {
        let c = GridCache::default();
        assert!(c.stale().is_none() && c.get(0).is_none());
        c.set(GridIndex::new(vec![square(1, 0.0, 0.0, 1.0)]), 0);
        assert_eq!(c.stale().map(|i| i.len()), Some(1));
        let first = c.try_refresh();
        assert!(first.is_some());
        assert!(
            c.try_refresh().is_none(),
            "a second caller does not rebuild"
        );
        drop(first);
        assert!(
            c.try_refresh().is_some(),
            "free again once the first is done"
        );
        c.invalidate();
        assert!(c.stale().is_none(), "a local change is never served stale");
    }

    #[test]
    fn an_index_serves_only_the_tree_it_was_built_from() {
        let c = GridCache::default();
        c.set(GridIndex::new(vec![square(1, 0.0, 0.0, 1.0)]), 4);
        assert!(c.get(4).is_some());
        // The tree changed (here or on another instance): the next lookup rebuilds,
        // the others go on with the old index meanwhile.
        assert!(c.get(5).is_none());
        assert!(c.stale().is_some());
        // A rebuild that read the tree before a further change is not fresh after it.
        c.set(GridIndex::new(vec![square(2, 0.0, 0.0, 1.0)]), 5);
        assert!(c.get(6).is_none());
        assert_eq!(c.get(5).map(|i| i.len()), Some(1));
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
