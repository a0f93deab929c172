use jiceng_formats::geo::Polygon;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    District,
    Subdistrict,
    Community,
    Grid,
    Estate,
    Building,
    Unit,
}

impl UnitKind {
    pub const ALL: [UnitKind; 7] = [
        UnitKind::District,
        UnitKind::Subdistrict,
        UnitKind::Community,
        UnitKind::Grid,
        UnitKind::Estate,
        UnitKind::Building,
        UnitKind::Unit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::District => "district",
            UnitKind::Subdistrict => "subdistrict",
            UnitKind::Community => "community",
            UnitKind::Grid => "grid",
            UnitKind::Estate => "estate",
            UnitKind::Building => "building",
            UnitKind::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            UnitKind::District => "区",
            UnitKind::Subdistrict => "街道（镇）",
            UnitKind::Community => "社区（村）",
            UnitKind::Grid => "网格",
            UnitKind::Estate => "小区",
            UnitKind::Building => "楼栋",
            UnitKind::Unit => "单元",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            UnitKind::District => "District",
            UnitKind::Subdistrict => "Sub-district / town",
            UnitKind::Community => "Community / village",
            UnitKind::Grid => "Grid",
            UnitKind::Estate => "Estate",
            UnitKind::Building => "Building",
            UnitKind::Unit => "Unit",
        }
    }

    /// The kind whose codes have this code's length.
    pub fn of_code(code: &str) -> Option<UnitKind> {
        UnitKind::ALL
            .into_iter()
            .find(|k| k.code_len() == code.len())
    }

    /// The kind a child of this kind must have.
    pub fn child(self) -> Option<UnitKind> {
        match self {
            UnitKind::District => Some(UnitKind::Subdistrict),
            UnitKind::Subdistrict => Some(UnitKind::Community),
            UnitKind::Community => Some(UnitKind::Grid),
            UnitKind::Grid => Some(UnitKind::Estate),
            UnitKind::Estate => Some(UnitKind::Building),
            UnitKind::Building => Some(UnitKind::Unit),
            UnitKind::Unit => None,
        }
    }

    /// Length of the code of this kind (statistical division codes, GB/T 30428.1 grid
    /// codes; below the grid, codes extend the grid code).
    pub fn code_len(self) -> usize {
        match self {
            UnitKind::District => 6,
            UnitKind::Subdistrict => 9,
            UnitKind::Community => 12,
            UnitKind::Grid => 15,
            UnitKind::Estate => 17,
            UnitKind::Building => 20,
            UnitKind::Unit => 22,
        }
    }
}

/// 网格类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridType {
    /// 地缘型: a territory of streets and estates.
    Geographic,
    /// 单元型: built around buildings and units.
    BuildingUnit,
    /// 单位型: an organisation's premises.
    Organisation,
    /// 园区商圈型: an industrial park or business district.
    ParkBusiness,
}

impl GridType {
    pub const ALL: [GridType; 4] = [
        GridType::Geographic,
        GridType::BuildingUnit,
        GridType::Organisation,
        GridType::ParkBusiness,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            GridType::Geographic => "geographic",
            GridType::BuildingUnit => "building_unit",
            GridType::Organisation => "organisation",
            GridType::ParkBusiness => "park_business",
        }
    }
    pub fn parse(s: &str) -> Option<GridType> {
        GridType::ALL
            .into_iter()
            .find(|g| g.as_str() == s || g.label_zh() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            GridType::Geographic => "地缘型",
            GridType::BuildingUnit => "单元型",
            GridType::Organisation => "单位型",
            GridType::ParkBusiness => "园区商圈型",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            GridType::Geographic => "Geographic",
            GridType::BuildingUnit => "Building/unit",
            GridType::Organisation => "Organisation",
            GridType::ParkBusiness => "Park/business district",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Active,
    Retired,
}

impl UnitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitStatus::Active => "active",
            UnitStatus::Retired => "retired",
        }
    }
    pub fn parse(s: &str) -> UnitStatus {
        if s == "retired" {
            UnitStatus::Retired
        } else {
            UnitStatus::Active
        }
    }
}

/// What a page shows of a unit: its name, code, kind and place in the tree, without
/// its boundary (see [`super::store::OrgStore::label`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitLabel {
    pub id: i64,
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    pub path: String,
    pub status: UnitStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgUnit {
    pub id: i64,
    pub code: String,
    pub kind: UnitKind,
    /// Display name (和平社区).
    pub name: String,
    /// Official name as in the division list (和平社区居委会).
    pub official_name: String,
    pub parent_id: Option<i64>,
    /// Materialised path of codes, `/150302/150302001/150302001002/`.
    pub path: String,
    pub grid_type: Option<GridType>,
    pub boundary: Option<Polygon>,
    pub address: Option<String>,
    pub status: UnitStatus,
    pub created_ms: i64,
    pub retired_ms: Option<i64>,
    pub version: i64,
}

/// A unit to be created; the store resolves the parent and computes the path.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUnit {
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    pub official_name: String,
    /// The parent's code (it may be created earlier in the same batch).
    pub parent_code: Option<String>,
    pub grid_type: Option<GridType>,
    pub boundary: Option<Polygon>,
    pub address: Option<String>,
}

/// What changes on an edit; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub grid_type: Option<GridType>,
    pub address: Option<String>,
    #[serde(skip)]
    pub boundary: Option<Polygon>,
}

/// 网格长 / 小区片长 / 楼栋长 / 单元长.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostTitle {
    GridChief,
    EstateChief,
    BuildingChief,
    UnitChief,
    GridWorker,
}

impl PostTitle {
    pub const ALL: [PostTitle; 5] = [
        PostTitle::GridChief,
        PostTitle::GridWorker,
        PostTitle::EstateChief,
        PostTitle::BuildingChief,
        PostTitle::UnitChief,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PostTitle::GridChief => "grid_chief",
            PostTitle::GridWorker => "grid_worker",
            PostTitle::EstateChief => "estate_chief",
            PostTitle::BuildingChief => "building_chief",
            PostTitle::UnitChief => "unit_chief",
        }
    }
    pub fn parse(s: &str) -> Option<PostTitle> {
        PostTitle::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            PostTitle::GridChief => "网格长",
            PostTitle::GridWorker => "专职网格员",
            PostTitle::EstateChief => "小区片长",
            PostTitle::BuildingChief => "楼栋长",
            PostTitle::UnitChief => "单元长",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            PostTitle::GridChief => "Grid chief",
            PostTitle::GridWorker => "Grid worker",
            PostTitle::EstateChief => "Estate chief",
            PostTitle::BuildingChief => "Building chief",
            PostTitle::UnitChief => "Unit chief",
        }
    }
    /// The unit kind this post is held at.
    pub fn held_at(self) -> UnitKind {
        match self {
            PostTitle::GridChief | PostTitle::GridWorker => UnitKind::Grid,
            PostTitle::EstateChief => UnitKind::Estate,
            PostTitle::BuildingChief => UnitKind::Building,
            PostTitle::UnitChief => UnitKind::Unit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostHolder {
    pub id: i64,
    pub unit_id: i64,
    pub title: PostTitle,
    pub person_name: String,
    /// A work contact residents may call; shown whole.
    pub phone: String,
    pub since_ms: i64,
    pub until_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitHistory {
    pub id: i64,
    pub unit_id: i64,
    pub at_ms: i64,
    /// create | rename | move | retire | boundary | edit
    pub change: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub actor_login: String,
}

/// Counts within a subtree, for home pages and the drill-down.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubtreeStats {
    pub subdistricts: i64,
    pub communities: i64,
    pub grids: i64,
    pub estates: i64,
    pub buildings: i64,
    pub units: i64,
    pub households: i64,
    pub residents: i64,
}
