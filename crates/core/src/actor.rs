//! Who is acting: the person, their role (the verbs it allows) and their reach — a
//! subtree of the organisation, written as a materialised path such as `/1/4/17/`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DistrictAdmin,
    SubdistrictStaff,
    CommunityStaff,
    GridWorker,
    DepartmentHandler,
    Resident,
    Auditor,
    /// 12345 hotline desk (热线坐席): enters cases for callers, calls them back.
    HotlineOperator,
    /// A property company's staff (物业): reach limited to the estates it serves.
    PropertyCompany,
}

/// What a role may do; the reach is checked separately against the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// See the organisation tree and grids (structure, staff, boundaries).
    ViewOrg,
    /// Create, rename, move, retire units; draw grids; appoint role holders.
    EditOrg,
    /// See residents and households, masked.
    ViewPeople,
    /// Record and change residents and households.
    EditPeople,
    /// See an ID number or phone whole (each view is audited).
    RevealPersonalData,
    /// Run imports.
    Import,
    /// Browse the audit trail.
    ViewAudit,
    /// Manage accounts and tokens.
    ManageUsers,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::DistrictAdmin,
        Role::SubdistrictStaff,
        Role::CommunityStaff,
        Role::GridWorker,
        Role::DepartmentHandler,
        Role::Resident,
        Role::Auditor,
        Role::HotlineOperator,
        Role::PropertyCompany,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::SubdistrictStaff => "subdistrict_staff",
            Role::CommunityStaff => "community_staff",
            Role::GridWorker => "grid_worker",
            Role::DepartmentHandler => "department_handler",
            Role::Resident => "resident",
            Role::Auditor => "auditor",
            Role::HotlineOperator => "hotline_operator",
            Role::PropertyCompany => "property_company",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "区级管理员",
            Role::SubdistrictStaff => "街道工作人员",
            Role::CommunityStaff => "社区工作人员",
            Role::GridWorker => "网格员",
            Role::DepartmentHandler => "部门承办人",
            Role::Resident => "居民",
            Role::Auditor => "审计员",
            Role::HotlineOperator => "热线坐席",
            Role::PropertyCompany => "物业公司",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "District administrator",
            Role::SubdistrictStaff => "Sub-district staff",
            Role::CommunityStaff => "Community staff",
            Role::GridWorker => "Grid worker",
            Role::DepartmentHandler => "Department handler",
            Role::Resident => "Resident",
            Role::Auditor => "Auditor",
            Role::HotlineOperator => "Hotline operator",
            Role::PropertyCompany => "Property company",
        }
    }

    pub fn allows(self, verb: Verb) -> bool {
        use Role::*;
        use Verb::*;
        match verb {
            ViewOrg => !matches!(self, Resident | PropertyCompany),
            EditOrg => matches!(self, DistrictAdmin | SubdistrictStaff | CommunityStaff),
            ViewPeople => matches!(
                self,
                DistrictAdmin | SubdistrictStaff | CommunityStaff | GridWorker
            ),
            EditPeople => matches!(self, DistrictAdmin | CommunityStaff | GridWorker),
            RevealPersonalData => matches!(self, DistrictAdmin | CommunityStaff | GridWorker),
            Import => matches!(self, DistrictAdmin | CommunityStaff),
            ViewAudit => matches!(self, DistrictAdmin | Auditor),
            ManageUsers => matches!(self, DistrictAdmin),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// The org unit the reach starts at.
    pub scope_unit_id: i64,
    /// Materialised path of that unit, e.g. `/1/4/17/`.
    pub scope_path: String,
    /// For residents: their own household.
    pub household_id: Option<i64>,
    /// For department handlers and property companies: the department they work for.
    pub department_id: Option<i64>,
}

impl Actor {
    /// The system itself (demo loader, migrations, command line).
    pub fn system() -> Actor {
        Actor {
            user_id: 0,
            login: "system".into(),
            display_name: "系统".into(),
            role: Role::DistrictAdmin,
            scope_unit_id: 0,
            scope_path: "/".into(),
            household_id: None,
            department_id: None,
        }
    }

    pub fn can(&self, verb: Verb) -> bool {
        self.role.allows(verb)
    }

    /// Whether a unit with this path lies in the actor's subtree.
    pub fn reaches(&self, path: &str) -> bool {
        path.starts_with(&self.scope_path)
    }

    /// Whether the unit lies strictly below the actor's own unit (editing one's own
    /// unit — renaming one's own community, say — is for the level above).
    pub fn reaches_below(&self, path: &str) -> bool {
        self.reaches(path) && (path.len() > self.scope_path.len() || self.scope_path == "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn actor(role: Role, path: &str) -> Actor {
        Actor {
            user_id: 1,
            login: "t".into(),
            display_name: "t".into(),
            role,
            scope_unit_id: 1,
            scope_path: path.into(),
            household_id: None,
            department_id: None,
        }
    }

    #[test]
    fn sibling_with_common_prefix_is_outside() {
        let a = actor(Role::GridWorker, "/1/4/17/");
        assert!(a.reaches("/1/4/17/"));
        assert!(a.reaches("/1/4/17/99/"));
        assert!(!a.reaches("/1/4/171/"));
        assert!(!a.reaches("/1/4/"));
    }

    #[test]
    fn residents_and_auditors_cannot_see_people() {
        assert!(!Role::Resident.allows(Verb::ViewPeople));
        assert!(!Role::Auditor.allows(Verb::ViewPeople));
        assert!(!Role::DepartmentHandler.allows(Verb::RevealPersonalData));
        assert!(Role::Auditor.allows(Verb::ViewAudit));
        assert!(!Role::GridWorker.allows(Verb::ViewAudit));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    proptest! {
        #[test]
        fn reach_is_prefix_of_path_segments(a in proptest::collection::vec(1u32..50, 1..5), b in proptest::collection::vec(1u32..50, 1..5)) {
            let pa = format!("/{}/", a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("/"));
            let pb = format!("/{}/", b.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("/"));
            let inside = b.len() >= a.len() && b[..a.len()] == a[..];
            prop_assert_eq!(actor(Role::CommunityStaff, &pa).reaches(&pb), inside);
        }
    }
}
