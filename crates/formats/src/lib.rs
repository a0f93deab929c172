//! Pure parsing and validation of office files (CSV/xlsx in UTF-8 or GBK, GeoJSON) and
//! plane geometry for grid boundaries. No database: the domain crate checks references.

pub mod divisions;
pub mod geo;
pub mod grids;
pub mod people;
pub mod report;
pub mod table;
pub mod text;

pub use divisions::{
    DivisionLevel, DivisionRow, missing_parents, parse_divisions, parse_divisions_lenient,
};
pub use geo::{Point, Polygon, validate_ring};
pub use grids::{GridFeature, grids_to_geojson, parse_grid_geojson, parse_grid_geojson_lenient};
pub use people::{PersonRow, parse_people, parse_people_lenient};
pub use report::{ImportReport, RowError};
pub use table::{Row, Table, read_table};
pub use text::{decode_bytes, display_name};
