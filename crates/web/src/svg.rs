//! Grid maps as server-rendered SVG: no scripts, no tiles, readable on a phone.

use jiceng_domain::org::OrgUnit;
use jiceng_formats::geo::Polygon;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn union_bbox(polys: &[&Polygon]) -> Option<(f64, f64, f64, f64)> {
    polys.iter().map(|p| p.bbox()).fold(None, |acc, b| {
        Some(match acc {
            None => b,
            Some(a) => (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)),
        })
    })
}

/// Colour on a pale-yellow → deep-red ramp for a load between 0 and 1.
fn ramp(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let r = 255.0 - 40.0 * t;
    let g = 237.0 - 190.0 * t;
    let b = 160.0 - 120.0 * t;
    format!("rgb({},{},{})", r as u8, g as u8, b as u8)
}

/// A map of grids; each is a link to its page, coloured by `load` (e.g. residents).
/// `highlight` outlines one grid.
pub fn grid_map(
    grids: &[(OrgUnit, i64)],
    highlight: Option<i64>,
    width: f64,
    height: f64,
) -> String {
    let polys: Vec<&Polygon> = grids
        .iter()
        .filter_map(|(g, _)| g.boundary.as_ref())
        .collect();
    let Some(bbox) = union_bbox(&polys) else {
        return String::new();
    };
    let max = grids.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let mut out = format!(
        r#"<svg class="map" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (g, load) in grids {
        let Some(b) = &g.boundary else { continue };
        let d = b.to_svg_path(bbox, width, height);
        let hl = highlight == Some(g.id);
        out.push_str(&format!(
            r#"<a href="/org/{}"><path d="{}" fill="{}" stroke="{}" stroke-width="{}"><title>{} · {}</title></path></a>"#,
            g.id,
            d,
            ramp(*load as f64 / max),
            if hl { "#b00" } else { "#555" },
            if hl { 3 } else { 1 },
            esc(&g.name),
            load
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiceng_domain::org::{UnitKind, UnitStatus};
    use jiceng_formats::geo::Point;

    fn grid(id: i64, name: &str, x: f64) -> OrgUnit {
        let p = |x: f64, y: f64| Point { x, y };
        OrgUnit {
            id,
            code: format!("150302001002{id:03}"),
            kind: UnitKind::Grid,
            name: name.into(),
            official_name: name.into(),
            parent_id: None,
            path: "/".into(),
            grid_type: None,
            boundary: Some(Polygon {
                exterior: vec![
                    p(x, 0.0),
                    p(x + 1.0, 0.0),
                    p(x + 1.0, 1.0),
                    p(x, 1.0),
                    p(x, 0.0),
                ],
            }),
            address: None,
            status: UnitStatus::Active,
            created_ms: 0,
            retired_ms: None,
            version: 1,
        }
    }

    #[test]
    fn map_links_every_grid_and_escapes_names() {
        let svg = grid_map(
            &[(grid(1, "<a>", 0.0), 3), (grid(2, "二", 1.0), 9)],
            Some(2),
            400.0,
            200.0,
        );
        assert!(svg.contains(r#"href="/org/1""#) && svg.contains(r#"href="/org/2""#));
        assert!(svg.contains("&lt;a&gt;") && !svg.contains("<a>·"));
        assert!(svg.contains("#b00"));
    }

    #[test]
    fn no_boundaries_no_map() {
        let mut g = grid(1, "x", 0.0);
        g.boundary = None;
        assert_eq!(grid_map(&[(g, 1)], None, 10.0, 10.0), "");
    }
}
