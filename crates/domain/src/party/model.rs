//! Party organisations, positions, members, 双报到 and service commitments, alliances.

use serde::{Deserialize, Serialize};

/// An enum stored as a short code with Chinese and English labels.
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$var => $en),+ } }
            pub fn label(self, lang: jiceng_core::Lang) -> &'static str {
                if lang == jiceng_core::Lang::En { self.label_en() } else { self.label_zh() }
            }
            /// By code or Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|k| k.as_str() == s || k.label_zh() == s)
            }
        }
    };
}

coded!(
    /// The kind of a party organisation (党组织类型).
    OrgKind {
        DistrictCommittee = ("district_committee", "区委", "District party committee"),
        /// 街道党工委, 镇党委, 园区党工委.
        StreetCommittee = ("street_committee", "街道（镇、园区）党（工）委", "Sub-district / town party (working) committee"),
        CommunityCommittee = ("community_committee", "社区（村）党委", "Community / village party committee"),
        GeneralBranch = ("general_branch", "党总支", "General party branch"),
        Branch = ("branch", "党支部", "Party branch"),
        Group = ("group", "党小组", "Party group"),
        UnitOrg = ("unit", "单位党组织", "Work-unit party organisation"),
        SectorOrg = ("sector", "行业党组织", "Sector party organisation"),
        NonPublicOrg = ("non_public", "非公企业党组织", "Non-public enterprise party organisation"),
        SocialOrg = ("social", "社会组织党组织", "Social-organisation party organisation"),
    }
);

coded!(
    /// Posts in a party organisation and in the residents' committee (两委).
    PositionTitle {
        Secretary = ("secretary", "书记", "Secretary"),
        DeputySecretary = ("deputy_secretary", "副书记", "Deputy secretary"),
        CommitteeMember = ("committee_member", "委员", "Committee member"),
        GroupLeader = ("group_leader", "党小组组长", "Group leader"),
        Director = ("director", "居委会主任", "Residents' committee director"),
        DeputyDirector = ("deputy_director", "居委会副主任", "Residents' committee deputy director"),
        RcMember = ("rc_member", "居委会委员", "Residents' committee member"),
    }
);

impl PositionTitle {
    /// Posts of the residents' (villagers') committee, held at a community org unit.
    pub fn is_residents_committee(self) -> bool {
        matches!(
            self,
            PositionTitle::Director | PositionTitle::DeputyDirector | PositionTitle::RcMember
        )
    }
}

coded!(
    /// 正式党员 / 预备党员.
    Standing {
        Full = ("full", "正式党员", "Full member"),
        Probationary = ("probationary", "预备党员", "Probationary member"),
    }
);

coded!(
    MemberStatus {
        Active = ("active", "在册", "Active"),
        TransferredOut = ("transferred_out", "已转出", "Transferred out"),
        Deceased = ("deceased", "已故", "Deceased"),
    }
);

coded!(
    /// The five links (五联机制) a joint activity serves.
    LinkType {
        OrgJoint = ("org_joint", "组织联建", "Joint organisation building"),
        AreaLinkage = ("area_linkage", "区域联动", "Area linkage"),
        TeamCoManage = ("team_co_manage", "队伍联管", "Joint team management"),
        Sharing = ("sharing", "共享联合", "Sharing"),
        MultiGovernance = ("multi_governance", "多元联治", "Multi-party governance"),
    }
);

coded!(
    AllianceKind {
        Subdistrict = ("subdistrict", "街道特色党建联盟", "Sub-district party alliance"),
        District = ("district", "城市党建共同体", "City party community"),
        Business = ("business", "商圈党建联盟", "Business-district alliance"),
        Youth = ("youth", "青春党建驿站", "Youth party station"),
    }
);

coded!(
    /// What an alliance member is.
    MemberKind {
        PartyOrg = ("party_org", "党组织", "Party organisation"),
        ResidentUnit = ("resident_unit", "驻区单位", "Unit based in the area"),
        NonPublic = ("non_public", "非公企业", "Non-public enterprise"),
        SocialOrg = ("social_org", "社会组织", "Social organisation"),
        Merchant = ("merchant", "商户", "Merchant"),
    }
);

coded!(
    /// How a service commitment's capacity is counted.
    CapacityKind {
        HoursPerMonth = ("hours_per_month", "小时/月", "hours per month"),
        People = ("people", "人次/月", "people per month"),
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Category {
    pub fn name(&self, lang: jiceng_core::Lang) -> &str {
        if lang == jiceng_core::Lang::En {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// When a commitment or a shared resource can be used: days of the week (1 = Monday …
/// 7 = Sunday) and a time window `HH:MM`–`HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub weekdays: Vec<u8>,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyOrg {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    /// Materialised path of ids in the party tree, `/1/4/17/`.
    pub tree_path: String,
    /// The administrative unit it leads, if any.
    pub unit_id: Option<i64>,
    /// The unit that decides who may see and change it (its own or the nearest ancestor's).
    pub reach_unit_id: i64,
    /// The reach unit's path (joined on read).
    pub reach_path: String,
    pub reach_kind: String,
    pub unit_name: Option<String>,
    pub temporary: bool,
    pub temp_reason: Option<String>,
    pub temp_end: Option<String>,
    pub status: String,
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub created_ms: i64,
    pub version: i64,
}

impl PartyOrg {
    pub fn active(&self) -> bool {
        self.status == "active"
    }
    /// 临时党支部 etc. for temporary organisations.
    pub fn kind_label(&self, lang: jiceng_core::Lang) -> String {
        let k = self.kind.label(lang);
        match (self.temporary, lang) {
            (true, jiceng_core::Lang::Zh) => format!("临时{k}"),
            (true, jiceng_core::Lang::En) => format!("Temporary {}", k.to_lowercase()),
            _ => k.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub reach_unit_id: i64,
    pub temporary: bool,
    pub temp_reason: Option<String>,
    pub temp_end: Option<String>,
    pub founded_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgEvent {
    pub id: i64,
    pub org_id: i64,
    pub at_ms: i64,
    /// create | rename | move | dissolve | end_temporary
    pub change: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub actor_login: String,
}

/// A post in a party organisation (org_id) or a residents' committee (unit_id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    pub id: i64,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub title: PositionTitle,
    pub person_name: String,
    /// A work contact; shown whole.
    pub phone: String,
    pub since: String,
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPosition {
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub title: PositionTitle,
    pub person_name: String,
    pub phone: String,
    pub since: String,
}

/// A party member as stored: personal data encrypted, masks for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRecord {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub education: String,
    pub joined_on: String,
    pub standing: Standing,
    pub status: MemberStatus,
    pub resident_id: Option<i64>,
    #[serde(skip)]
    pub id_enc: Option<String>,
    pub id_mask: Option<String>,
    #[serde(skip)]
    pub phone_enc: Option<String>,
    pub phone_mask: Option<String>,
    pub in_service: bool,
    pub created_ms: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    pub org_id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub education: String,
    pub joined_on: String,
    pub standing: Standing,
    pub resident_id: Option<i64>,
    pub id_enc: Option<String>,
    pub id_index: Option<String>,
    pub id_mask: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_mask: Option<String>,
}

/// A member as shown: masked unless revealed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub age: i64,
    pub ethnicity: String,
    pub education: String,
    pub joined_on: String,
    pub standing: Standing,
    pub status: MemberStatus,
    pub resident_id: Option<i64>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub in_service: bool,
    pub version: i64,
    pub revealed: bool,
}

/// 组织关系转接.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transfer {
    pub id: i64,
    pub member_id: i64,
    pub from_org_id: i64,
    pub from_name: String,
    /// None when transferred out of the district.
    pub to_org_id: Option<i64>,
    pub to_name: String,
    pub on_date: String,
    pub reason: String,
    pub at_ms: i64,
}

/// 双报到: an in-service member reporting to the community where they live.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registration {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    /// The party organisation of the member's work unit, if it is one of ours.
    pub work_org_id: Option<i64>,
    pub work_unit: String,
    pub community_id: i64,
    pub community_name: String,
    pub reported_on: String,
    pub ended_on: Option<String>,
}

/// 党员服务清单: one service a member commits to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub community_id: i64,
    pub community_name: String,
    pub category: String,
    pub description: String,
    pub capacity_kind: CapacityKind,
    pub capacity: i64,
    pub availability: Availability,
    pub active: bool,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCommitment {
    pub member_id: i64,
    pub community_id: i64,
    pub category: String,
    pub description: String,
    pub capacity_kind: CapacityKind,
    pub capacity: i64,
    pub availability: Availability,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alliance {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: AllianceKind,
    /// The unit whose reach the alliance belongs to (a sub-district or the district).
    pub unit_id: i64,
    pub unit_path: String,
    pub unit_kind: String,
    pub unit_name: String,
    pub lead_org_id: Option<i64>,
    pub founded_on: String,
    pub description: String,
    pub created_ms: i64,
    pub members: i64,
    pub activities: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAlliance {
    pub code: String,
    pub name: String,
    pub kind: AllianceKind,
    pub unit_id: i64,
    pub lead_org_id: Option<i64>,
    pub founded_on: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllianceMember {
    pub id: i64,
    pub alliance_id: i64,
    pub org_id: Option<i64>,
    pub name: String,
    pub kind: MemberKind,
    pub joined_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub id: i64,
    pub alliance_id: i64,
    pub title: String,
    pub signed_on: String,
    pub term_months: i64,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub id: i64,
    pub alliance_id: i64,
    pub held_on: String,
    pub title: String,
    pub place: String,
    pub participants: i64,
    pub link: LinkType,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub id: i64,
    pub alliance_id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub name: String,
    pub category: String,
    pub capacity: i64,
    pub capacity_unit: String,
    pub availability: Availability,
    pub active: bool,
}

/// One row of alliance content to insert.
#[derive(Debug, Clone, PartialEq)]
pub enum AllianceItem {
    Member {
        org_id: Option<i64>,
        name: String,
        kind: MemberKind,
        joined_on: String,
    },
    Agreement {
        title: String,
        signed_on: String,
        term_months: i64,
        content: String,
    },
    Activity {
        held_on: String,
        title: String,
        place: String,
        participants: i64,
        link: LinkType,
        summary: String,
    },
    Resource {
        member_id: i64,
        name: String,
        category: String,
        capacity: i64,
        capacity_unit: String,
        availability: Availability,
    },
}
