//! Grid boundaries as GeoJSON: a FeatureCollection of Polygon features with
//! `properties.code` (15 digits; the first 12 are the community), optional
//! `properties.name` and `properties.grid_type`.

use std::collections::HashMap;

use jiceng_core::Text;
use serde::Serialize;
use serde_json::{Value, json};

use crate::geo::{Polygon, validate_ring};
use crate::report::{ImportReport, RowError};
use crate::text::decode_bytes;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridFeature {
    /// 1-based feature number, used as the "line" in reports.
    pub index: usize,
    pub code: String,
    pub name: Option<String>,
    /// Canonical: `geographic | building_unit | organisation | park_business`.
    pub grid_type: Option<String>,
    pub polygon: Polygon,
}

/// The canonical grid type for a label: 地缘型/单元型/单位型/园区商圈型 or English.
pub fn canonical_grid_type(label: &str) -> Option<&'static str> {
    match label.trim().to_ascii_lowercase().as_str() {
        "地缘型" | "地缘" | "geographic" => Some("geographic"),
        "单元型" | "单元" | "unit" | "building_unit" => Some("building_unit"),
        "单位型" | "单位" | "organisation" | "organization" => Some("organisation"),
        "园区商圈型" | "园区商圈" | "park_business" => Some("park_business"),
        _ => None,
    }
}

/// The community code (first 12 digits) of a grid code.
pub fn community_of(grid_code: &str) -> Option<&str> {
    grid_code.get(..12)
}

/// Parses and validates grid boundaries; any error fails the whole import.
pub fn parse_grid_geojson(bytes: &[u8]) -> Result<Vec<GridFeature>, ImportReport> {
    let (features, report) = parse_grid_geojson_lenient(bytes);
    if report.is_ok() {
        Ok(features)
    } else {
        Err(report)
    }
}

fn text_prop(props: &Value, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(match n.as_u64() {
            Some(u) => u.to_string(),
            None => n.to_string(),
        }),
        _ => None,
    }
}

/// Parses grid boundaries, keeping the valid features and reporting the others.
pub fn parse_grid_geojson_lenient(bytes: &[u8]) -> (Vec<GridFeature>, ImportReport) {
    let text = match decode_bytes(bytes) {
        Ok(t) => t,
        Err(message) => return (Vec::new(), ImportReport::file_error(message)),
    };
    let root: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Vec::new(),
                ImportReport::file_error(Text::new(
                    format!(
                        "GeoJSON 格式错误（第 {} 行第 {} 列）：{e}",
                        e.line(),
                        e.column()
                    ),
                    format!(
                        "Malformed GeoJSON (line {}, column {}): {e}",
                        e.line(),
                        e.column()
                    ),
                )),
            );
        }
    };
    let features = match (
        root.get("type").and_then(Value::as_str),
        root.get("features").and_then(Value::as_array),
    ) {
        (Some("FeatureCollection"), Some(features)) => features,
        _ => {
            return (
                Vec::new(),
                ImportReport::file_error(Text::new(
                    "文件应为 GeoJSON FeatureCollection",
                    "The file must be a GeoJSON FeatureCollection",
                )),
            );
        }
    };
    let mut report = ImportReport::new(features.len());
    let mut out = Vec::with_capacity(features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let empty = json!({});
    for (i, feature) in features.iter().enumerate() {
        let index = i + 1;
        let before = report.errors.len();
        let props = feature.get("properties").unwrap_or(&empty);
        let code = text_prop(props, "code");
        match &code {
            None => report.push(RowError::column(
                index,
                "code",
                Text::new("网格编码不能为空", "Grid code is empty"),
            )),
            Some(c) if c.len() != 15 || !c.bytes().all(|b| b.is_ascii_digit()) => {
                report.push(RowError::cell(
                    index,
                    "code",
                    c,
                    Text::new("网格编码应为15位数字", "Grid code must have 15 digits"),
                ))
            }
            Some(c) => {
                if let Some(&first) = seen.get(c) {
                    report.push(RowError::cell(
                        index,
                        "code",
                        c,
                        Text::new(
                            format!("网格编码 {c} 与第 {first} 个要素重复"),
                            format!("Grid code {c} duplicates feature {first}"),
                        ),
                    ));
                } else {
                    seen.insert(c.clone(), index);
                }
            }
        }
        let grid_type = match text_prop(props, "grid_type") {
            None => None,
            Some(t) => {
                let canonical = canonical_grid_type(&t);
                if canonical.is_none() {
                    report.push(RowError::cell(
                        index,
                        "grid_type",
                        &t,
                        Text::new(
                            format!("未知网格类型“{t}”，应为 地缘型/单元型/单位型/园区商圈型"),
                            format!(
                                "Unknown grid type \"{t}\": use geographic, unit, organisation or park_business"
                            ),
                        ),
                    ));
                }
                canonical.map(str::to_string)
            }
        };
        let polygon = match feature.get("geometry") {
            None | Some(Value::Null) => {
                report.push(RowError::column(
                    index,
                    "geometry",
                    Text::new("缺少几何边界", "Geometry is missing"),
                ));
                None
            }
            Some(g) => match Polygon::from_geojson_geometry(g)
                .and_then(|p| validate_ring(&p.exterior).map(|()| p))
            {
                Ok(p) => Some(p),
                Err(message) => {
                    report.push(RowError {
                        line: index,
                        column: Some("geometry".to_string()),
                        value: None,
                        message,
                    });
                    None
                }
            },
        };
        if let (Some(code), Some(polygon), true) = (code, polygon, report.errors.len() == before) {
            out.push(GridFeature {
                index,
                code,
                name: text_prop(props, "name"),
                grid_type,
                polygon,
            });
        }
    }
    (out, report)
}

/// A FeatureCollection of grids: `(code, name, grid_type, polygon)`.
pub fn grids_to_geojson(features: &[(String, String, String, Polygon)]) -> Value {
    let features: Vec<Value> = features
        .iter()
        .map(|(code, name, grid_type, polygon)| {
            json!({
                "type": "Feature",
                "properties": { "code": code, "name": name, "grid_type": grid_type },
                "geometry": polygon.to_geojson_geometry(),
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn square(x: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x, 39.0], [x + 0.01, 39.0], [x + 0.01, 39.01], [x, 39.01], [x, 39.0]]]})
    }

    fn feature(code: Value, grid_type: &str, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": {"code": code, "name": "一网格", "grid_type": grid_type}, "geometry": geometry})
    }

    fn collection(features: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap()
    }

    #[test]
    fn parses_and_round_trips() {
        let bytes = collection(vec![
            feature(json!("150302001002001"), "地缘型", square(106.8)),
            feature(json!(150302001002002u64), "unit", square(106.9)),
        ]);
        let grids = parse_grid_geojson(&bytes).unwrap();
        assert_eq!(grids.len(), 2);
        assert_eq!(grids[0].grid_type.as_deref(), Some("geographic"));
        assert_eq!(grids[1].code, "150302001002002");
        assert_eq!(grids[1].grid_type.as_deref(), Some("building_unit"));
        assert_eq!(grids[0].name.as_deref(), Some("一网格"));
        assert_eq!(community_of(&grids[0].code), Some("150302001002"));

        let export: Vec<_> = grids
            .iter()
            .map(|g| {
                (
                    g.code.clone(),
                    g.name.clone().unwrap_or_default(),
                    g.grid_type.clone().unwrap_or_default(),
                    g.polygon.clone(),
                )
            })
            .collect();
        let again =
            parse_grid_geojson(&serde_json::to_vec(&grids_to_geojson(&export)).unwrap()).unwrap();
        assert_eq!(again, grids);
    }

    #[test]
    fn each_rule_is_reported_by_feature_number() {
        let bow = json!({"type": "Polygon", "coordinates": [[[0,0],[2,2],[2,0],[0,2],[0,0]]]});
        let bytes = collection(vec![
            feature(json!("150302001002001"), "地缘型", square(106.8)),
            feature(json!("15030200100200"), "地缘型", square(106.9)),
            feature(json!("150302001002001"), "地缘型", square(107.0)),
            feature(json!("150302001002004"), "地缘型", bow),
            feature(json!("150302001002005"), "网状型", square(107.1)),
            json!({"type": "Feature", "properties": {"code": "150302001002006"}, "geometry": null}),
        ]);
        let r = parse_grid_geojson(&bytes).unwrap_err();
        let got: Vec<(usize, Option<&str>)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("code")),
                (3, Some("code")),
                (4, Some("geometry")),
                (5, Some("grid_type")),
                (6, Some("geometry")),
            ]
        );
        assert_eq!(r.errors[2].message.zh, "边界自相交");
        let (good, report) = parse_grid_geojson_lenient(&bytes);
        assert_eq!(good.len(), 1);
        assert_eq!(report.total_rows, 6);
    }

    #[test]
    fn syntax_and_shape_errors_are_whole_file() {
        let r = parse_grid_geojson(b"{\"type\": \"FeatureCollection\", ").unwrap_err();
        assert_eq!(r.errors[0].line, 0);
        assert!(r.errors[0].message.en.contains("Malformed GeoJSON"));
        let r = parse_grid_geojson(br#"{"type": "Feature"}"#).unwrap_err();
        assert!(r.errors[0].message.en.contains("FeatureCollection"));
        let r = parse_grid_geojson(&[0x81, 0x20, 0xFF]).unwrap_err();
        assert!(r.errors[0].message.en.contains("encoding"));
    }
}
