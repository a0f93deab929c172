//! Plane geometry on longitude/latitude for grid boundaries: one exterior ring per polygon.

use jiceng_core::Text;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A position: `x` is longitude, `y` latitude (degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
}

/// A polygon given by its exterior ring, closed (first point == last point).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    pub exterior: Vec<Point>,
}

/// Twice the signed area of the triangle (a, b, c): > 0 when counter-clockwise.
fn cross(a: Point, b: Point, c: Point) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

fn sign(v: f64) -> i8 {
    if v > 0.0 {
        1
    } else if v < 0.0 {
        -1
    } else {
        0
    }
}

/// Whether `q`, known collinear with segment (a, b), lies within its bounding box.
fn on_segment(a: Point, b: Point, q: Point) -> bool {
    q.x >= a.x.min(b.x) && q.x <= a.x.max(b.x) && q.y >= a.y.min(b.y) && q.y <= a.y.max(b.y)
}

/// Whether closed segments (p1, p2) and (q1, q2) share at least one point.
fn segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point) -> bool {
    let d1 = sign(cross(q1, q2, p1));
    let d2 = sign(cross(q1, q2, p2));
    let d3 = sign(cross(p1, p2, q1));
    let d4 = sign(cross(p1, p2, q2));
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return true;
    }
    (d1 == 0 && on_segment(q1, q2, p1))
        || (d2 == 0 && on_segment(q1, q2, p2))
        || (d3 == 0 && on_segment(p1, p2, q1))
        || (d4 == 0 && on_segment(p1, p2, q2))
}

fn signed_area2(ring: &[Point]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

fn ring_error(zh: &str, en: &str) -> Text {
    Text::new(zh, en)
}

/// Validates an exterior ring: at least 4 points, closed, finite coordinates within
/// longitude/latitude range, non-zero area, and no self-intersection. Repeated
/// consecutive points are tolerated.
pub fn validate_ring(points: &[Point]) -> Result<(), Text> {
    if points.len() < 4 {
        return Err(ring_error(
            "边界至少需要4个点（首尾相同）",
            "A boundary needs at least 4 points (first equal to last)",
        ));
    }
    if points.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return Err(ring_error(
            "边界坐标不是有效数字",
            "Boundary coordinates must be finite numbers",
        ));
    }
    if points
        .iter()
        .any(|p| !(-180.0..=180.0).contains(&p.x) || !(-90.0..=90.0).contains(&p.y))
    {
        return Err(ring_error(
            "边界坐标超出经纬度范围（经度 -180~180，纬度 -90~90）",
            "Boundary coordinates out of range (longitude -180..180, latitude -90..90)",
        ));
    }
    if points.first() != points.last() {
        return Err(ring_error(
            "边界未闭合（首尾点不同）",
            "The boundary is not closed (first point differs from last)",
        ));
    }
    // Drop repeated consecutive points; the ring stays closed.
    let mut ring: Vec<Point> = Vec::with_capacity(points.len());
    for &p in points {
        if ring.last() != Some(&p) {
            ring.push(p);
        }
    }
    let zero_area = || ring_error("边界面积为零", "The boundary has zero area");
    let (a, b) = (ring[0], ring[1]);
    if ring.len() < 4 || ring.iter().all(|&q| cross(a, b, q).abs() <= 1e-14) {
        return Err(zero_area());
    }
    // Before the area: a symmetric bow-tie has zero signed area.
    if self_intersects(&ring) {
        return Err(ring_error("边界自相交", "boundary intersects itself"));
    }
    if signed_area2(&ring).abs() / 2.0 <= 1e-14 {
        return Err(zero_area());
    }
    Ok(())
}

/// Whether a closed ring without repeated consecutive points crosses or touches itself.
/// Edges are swept in order of their smallest x, so only edges whose x-ranges overlap
/// are compared.
fn self_intersects(ring: &[Point]) -> bool {
    let n = ring.len() - 1; // number of edges
    // Adjacent edges share a vertex; they must not fold back over each other.
    for i in 0..n {
        let a = ring[i];
        let b = ring[i + 1];
        let c = ring[(i + 2) % n]; // wraps to ring[1] for the last edge
        if cross(a, b, c) == 0.0 && (a.x - b.x) * (c.x - b.x) + (a.y - b.y) * (c.y - b.y) > 0.0 {
            return true;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    let min_x = |i: usize| ring[i].x.min(ring[i + 1].x);
    order.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    for (k, &i) in order.iter().enumerate() {
        let (p1, p2) = (ring[i], ring[i + 1]);
        let max_x = p1.x.max(p2.x);
        let (lo_y, hi_y) = (p1.y.min(p2.y), p1.y.max(p2.y));
        for &j in &order[k + 1..] {
            let (q1, q2) = (ring[j], ring[j + 1]);
            if q1.x.min(q2.x) > max_x {
                break;
            }
            let adjacent = i.abs_diff(j) == 1 || i.abs_diff(j) == n - 1;
            if adjacent || q1.y.min(q2.y) > hi_y || q1.y.max(q2.y) < lo_y {
                continue;
            }
            if segments_intersect(p1, p2, q1, q2) {
                return true;
            }
        }
    }
    false
}

fn geometry_error(en: &str, zh: &str) -> Text {
    Text::new(
        format!("几何图形无效：{zh}"),
        format!("Invalid geometry: {en}"),
    )
}

fn parse_ring(value: &Value) -> Result<Vec<Point>, Text> {
    let positions = value
        .as_array()
        .ok_or_else(|| geometry_error("a ring must be an array of positions", "环应为坐标数组"))?;
    positions
        .iter()
        .map(|pos| {
            let pos = pos.as_array().filter(|a| a.len() >= 2);
            let xy = pos.and_then(|a| Some(Point::new(a[0].as_f64()?, a[1].as_f64()?)));
            xy.ok_or_else(|| {
                geometry_error(
                    "a position must be [longitude, latitude]",
                    "坐标应为 [经度, 纬度]",
                )
            })
        })
        .collect()
}

impl Polygon {
    pub fn new(exterior: Vec<Point>) -> Self {
        Polygon { exterior }
    }

    /// Even-odd ray casting. Points exactly on the boundary may fall either way.
    pub fn contains(&self, p: Point) -> bool {
        let ring = &self.exterior;
        let mut inside = false;
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside = !inside;
            }
        }
        inside
    }

    /// `(min_x, min_y, max_x, max_y)`; all zero for an empty ring.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let mut it = self.exterior.iter();
        let Some(first) = it.next() else {
            return (0.0, 0.0, 0.0, 0.0);
        };
        it.fold((first.x, first.y, first.x, first.y), |(a, b, c, d), p| {
            (a.min(p.x), b.min(p.y), c.max(p.x), d.max(p.y))
        })
    }

    /// Shoelace area in square degrees (absolute).
    pub fn area(&self) -> f64 {
        signed_area2(&self.exterior).abs() / 2.0
    }

    /// The area centroid; the mean of the vertices when the area is zero.
    pub fn centroid(&self) -> Point {
        let ring = &self.exterior;
        let a2 = signed_area2(ring);
        if a2.abs() > f64::EPSILON * 1e-6 {
            let (mut cx, mut cy) = (0.0, 0.0);
            for w in ring.windows(2) {
                let f = w[0].x * w[1].y - w[1].x * w[0].y;
                cx += (w[0].x + w[1].x) * f;
                cy += (w[0].y + w[1].y) * f;
            }
            return Point::new(cx / (3.0 * a2), cy / (3.0 * a2));
        }
        let n = ring.len().max(1) as f64;
        let (sx, sy) = ring
            .iter()
            .fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
        Point::new(sx / n, sy / n)
    }

    /// A GeoJSON `Polygon` geometry.
    pub fn to_geojson_geometry(&self) -> Value {
        let ring: Vec<Value> = self.exterior.iter().map(|p| json!([p.x, p.y])).collect();
        json!({ "type": "Polygon", "coordinates": [ring] })
    }

    /// Reads a GeoJSON `Polygon` (or a `MultiPolygon` of one polygon). Only the exterior
    /// ring is kept; holes are ignored. The ring is not validated here: see [`validate_ring`].
    pub fn from_geojson_geometry(value: &Value) -> Result<Polygon, Text> {
        let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
        let coordinates = value
            .get("coordinates")
            .ok_or_else(|| geometry_error("no coordinates", "缺少 coordinates"))?;
        let rings = match kind {
            "Polygon" => coordinates,
            "MultiPolygon" => {
                let polygons = coordinates.as_array().ok_or_else(|| {
                    geometry_error("coordinates must be an array", "coordinates 应为数组")
                })?;
                match polygons.as_slice() {
                    [only] => only,
                    _ => {
                        return Err(geometry_error(
                            "a MultiPolygon must hold exactly one polygon",
                            "MultiPolygon 只能包含一个多边形",
                        ));
                    }
                }
            }
            other => {
                return Err(Text::new(
                    format!("几何类型应为 Polygon，而不是“{other}”"),
                    format!("Geometry type must be Polygon, not \"{other}\""),
                ));
            }
        };
        let exterior = rings
            .as_array()
            .and_then(|r| r.first())
            .ok_or_else(|| geometry_error("a polygon needs an exterior ring", "多边形缺少外环"))?;
        Ok(Polygon::new(parse_ring(exterior)?))
    }

    /// An SVG path `d` attribute drawing the ring inside a `width` × `height` box showing
    /// `bbox` (min_x, min_y, max_x, max_y): uniform scale, centred, north up, 1 decimal.
    pub fn to_svg_path(&self, bbox: (f64, f64, f64, f64), width: f64, height: f64) -> String {
        let (min_x, min_y, max_x, max_y) = bbox;
        let (bw, bh) = (max_x - min_x, max_y - min_y);
        let scale = match (bw > 0.0, bh > 0.0) {
            (true, true) => (width / bw).min(height / bh),
            (true, false) => width / bw,
            (false, true) => height / bh,
            (false, false) => 1.0,
        };
        let ox = (width - bw.max(0.0) * scale) / 2.0;
        let oy = (height - bh.max(0.0) * scale) / 2.0;
        let fmt = |v: f64| {
            let r = (v * 10.0).round() / 10.0;
            let r = if r == 0.0 { 0.0 } else { r };
            format!("{r:.1}")
        };
        let mut points = self.exterior.as_slice();
        if points.len() > 1 && points.first() == points.last() {
            points = &points[..points.len() - 1];
        }
        let mut d = String::with_capacity(points.len() * 16);
        for (i, p) in points.iter().enumerate() {
            let x = ox + (p.x - min_x) * scale;
            let y = oy + (max_y - p.y) * scale;
            d.push_str(if i == 0 { "M " } else { " L " });
            d.push_str(&fmt(x));
            d.push(' ');
            d.push_str(&fmt(y));
        }
        if !points.is_empty() {
            d.push_str(" Z");
        }
        d
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn poly(coords: &[(f64, f64)]) -> Polygon {
        Polygon::new(coords.iter().map(|&(x, y)| Point::new(x, y)).collect())
    }

    fn square() -> Polygon {
        poly(&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)])
    }

    #[test]
    fn square_basics() {
        let s = square();
        assert!(validate_ring(&s.exterior).is_ok());
        assert_eq!(s.area(), 4.0);
        assert_eq!(s.bbox(), (0.0, 0.0, 2.0, 2.0));
        assert_eq!(s.centroid(), Point::new(1.0, 1.0));
        assert!(s.contains(Point::new(1.0, 1.5)));
        assert!(!s.contains(Point::new(3.0, 1.0)));
        assert!(!s.contains(Point::new(-0.1, 1.0)));
    }

    #[test]
    fn bow_tie_is_self_intersecting() {
        let bow = poly(&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0), (0.0, 0.0)]);
        let err = validate_ring(&bow.exterior).unwrap_err();
        assert_eq!(err.zh, "边界自相交");
        assert_eq!(err.en, "boundary intersects itself");
    }

    #[test]
    fn touching_and_folding_rings_are_self_intersecting() {
        // A vertex touching a non-adjacent edge.
        let touch = poly(&[
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (2.0, 0.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]);
        assert!(validate_ring(&touch.exterior).is_err());
        // A spike folding back along its previous edge.
        let spike = poly(&[
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (4.0, 2.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]);
        assert!(validate_ring(&spike.exterior).is_err());
    }

    #[test]
    fn other_ring_rules() {
        let open = poly(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        assert!(
            validate_ring(&open.exterior)
                .unwrap_err()
                .en
                .contains("not closed")
        );
        let short = poly(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)]);
        assert!(
            validate_ring(&short.exterior)
                .unwrap_err()
                .en
                .contains("at least 4")
        );
        let flat = poly(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 0.0)]);
        assert!(
            validate_ring(&flat.exterior)
                .unwrap_err()
                .en
                .contains("zero area")
        );
        let far = poly(&[(0.0, 0.0), (190.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert!(
            validate_ring(&far.exterior)
                .unwrap_err()
                .en
                .contains("range")
        );
        let nan = poly(&[(0.0, 0.0), (f64::NAN, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert!(
            validate_ring(&nan.exterior)
                .unwrap_err()
                .en
                .contains("finite")
        );
        let repeated = poly(&[(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert!(validate_ring(&repeated.exterior).is_ok());
    }

    #[test]
    fn geojson_round_trip_and_variants() {
        let s = square();
        let g = s.to_geojson_geometry();
        assert_eq!(g["type"], "Polygon");
        assert_eq!(Polygon::from_geojson_geometry(&g).unwrap(), s);
        let with_hole = json!({"type": "Polygon", "coordinates": [
            [[0,0],[2,0],[2,2],[0,2],[0,0]], [[0.5,0.5],[1,0.5],[1,1],[0.5,0.5]]]});
        assert_eq!(Polygon::from_geojson_geometry(&with_hole).unwrap(), s);
        let multi =
            json!({"type": "MultiPolygon", "coordinates": [[[[0,0,5],[2,0],[2,2],[0,2],[0,0]]]]});
        assert_eq!(Polygon::from_geojson_geometry(&multi).unwrap(), s);
        let two = json!({"type": "MultiPolygon", "coordinates": [[[[0,0],[1,0],[1,1],[0,0]]], [[[0,0],[1,0],[1,1],[0,0]]]]});
        assert!(Polygon::from_geojson_geometry(&two).is_err());
        assert!(
            Polygon::from_geojson_geometry(&json!({"type": "Point", "coordinates": [1, 2]}))
                .is_err()
        );
        assert!(
            Polygon::from_geojson_geometry(
                &json!({"type": "Polygon", "coordinates": [[["a", 1]]]})
            )
            .is_err()
        );
    }

    #[test]
    fn svg_path_is_north_up_and_uniform() {
        let r = poly(&[(0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (0.0, 1.0), (0.0, 0.0)]);
        let d = r.to_svg_path(r.bbox(), 100.0, 100.0);
        // Scale 50: 100 × 50, centred vertically (offset 25), y flipped.
        assert_eq!(d, "M 0.0 75.0 L 100.0 75.0 L 100.0 25.0 L 0.0 25.0 Z");
    }

    proptest! {
        #[test]
        fn rectangle_contains_inside_not_outside(
            x0 in -170.0f64..170.0, y0 in -80.0f64..80.0,
            w in 0.001f64..5.0, h in 0.001f64..5.0,
            fx in 0.01f64..0.99, fy in 0.01f64..0.99,
            ox in 0.01f64..3.0, side in 0u8..4,
        ) {
            let r = poly(&[(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)]);
            prop_assert!(validate_ring(&r.exterior).is_ok());
            prop_assert!(r.contains(Point::new(x0 + fx * w, y0 + fy * h)));
            let outside = match side {
                0 => Point::new(x0 - ox, y0 + fy * h),
                1 => Point::new(x0 + w + ox, y0 + fy * h),
                2 => Point::new(x0 + fx * w, y0 - ox),
                _ => Point::new(x0 + fx * w, y0 + h + ox),
            };
            prop_assert!(!r.contains(outside));
        }

        #[test]
        fn convex_polygon_is_valid_and_contains_its_centroid(
            cx in -170.0f64..170.0, cy in -80.0f64..80.0, radius in 0.001f64..5.0,
            mut angles in proptest::collection::vec(0.0f64..std::f64::consts::TAU, 3..40),
        ) {
            angles.sort_by(f64::total_cmp);
            angles.dedup_by(|a, b| (*a - *b).abs() < 1e-3);
            prop_assume!(angles.len() >= 3);
            let mut ring: Vec<Point> = angles
                .iter()
                .map(|a| Point::new(cx + radius * a.cos(), cy + radius * a.sin()))
                .collect();
            ring.push(ring[0]);
            let p = Polygon::new(ring);
            prop_assume!(p.area() > 1e-12);
            prop_assert!(validate_ring(&p.exterior).is_ok(), "{:?}", validate_ring(&p.exterior));
            prop_assert!(p.contains(p.centroid()));
        }
    }
}
