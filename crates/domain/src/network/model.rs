//! The records of the service network, the joint meetings and the sub-district reform.

use serde::{Deserialize, Serialize};

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $zh:literal / $en:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            pub fn parse(s: &str) -> Option<$name> { match s { $($s => Some($name::$v),)* _ => None } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh),* } }
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en),* } }
            pub fn label(self, lang: jiceng_core::Lang) -> &'static str {
                match lang { jiceng_core::Lang::Zh => self.label_zh(), jiceng_core::Lang::En => self.label_en() }
            }
        }
    };
}

/// The kinds of place the alliance counts (also stored as data with their labels).
pub mod kinds {
    pub const DISTRICT_CENTRE: &str = "district_centre";
    pub const SUBDISTRICT_CENTRE: &str = "subdistrict_centre";
    pub const COMMUNITY_CENTRE: &str = "community_centre";
    pub const STATION: &str = "station";
    pub const ORGAN_POST: &str = "organ_post";
    pub const PARK_SITE: &str = "park_site";
    pub const BUSINESS_SITE: &str = "business_site";
}

/// A kind of place: 区党群服务中心, 社区党群服务中心, 楼宇驿站 …
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceKind {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The org level a place of this kind belongs to: district | subdistrict | community | any.
    pub level: String,
    /// Counted in the "1+7+41" alliance.
    pub centre: bool,
    pub sort: i64,
}

/// One service of the catalogue (党员教育, 政务代办 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub sort: i64,
}

/// A party-mass service centre, station or demonstration site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub id: i64,
    pub kind_code: String,
    pub name: String,
    pub unit_id: i64,
    /// Path of the unit it belongs to.
    pub path: String,
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// One line per group of weekdays: `周一至周五 8:30–18:00`.
    pub hours: String,
    pub phone: String,
    /// 精品社区 (a model community's centre).
    pub model: bool,
    pub intro: String,
    pub active: bool,
    /// Codes of the services offered.
    pub services: Vec<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
}

/// A place to create or the new state of one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlace {
    pub kind_code: String,
    pub name: String,
    pub unit_id: i64,
    pub path: String,
    pub address: String,
    pub lon_e6: Option<i64>,
    pub lat_e6: Option<i64>,
    pub hours: String,
    pub phone: String,
    pub model: bool,
    pub intro: String,
    pub active: bool,
    pub services: Vec<String>,
    pub at_ms: i64,
}

str_enum!(
    ActivityKind {
        PartyDay = "party_day" / "主题党日" / "Party theme day",
        Volunteer = "volunteer" / "志愿服务" / "Volunteering",
        Culture = "culture" / "文体活动" / "Culture and sports",
        Lecture = "lecture" / "政策宣讲" / "Policy talk",
        Service = "service" / "便民服务" / "Convenience service",
        Consultation = "consultation" / "议事协商" / "Consultation",
        Training = "training" / "技能培训" / "Skills training",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub id: i64,
    pub place_id: i64,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub title: String,
    pub kind: ActivityKind,
    pub participants: i64,
    pub summary: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub place_id: i64,
    pub day: String,
    pub title: String,
    pub kind: ActivityKind,
    pub participants: i64,
    pub summary: String,
    pub at_ms: i64,
}

str_enum!(
    /// The level of a joint meeting (三级党建联席会议, plus 商圈党建协调会).
    BodyLevel {
        District = "district" / "区级党建联席会议" / "District joint meeting",
        Subdistrict = "subdistrict" / "街道党建联席会议" / "Sub-district joint meeting",
        Community = "community" / "社区党建联席会议" / "Community joint meeting",
        Business = "business" / "商圈党建协调会" / "Business-district coordination meeting",
    }
);

str_enum!(
    MemberKind {
        PartyOrg = "party_org" / "党组织" / "Party organisation",
        Department = "department" / "区直部门" / "District department",
        Station = "station" / "派驻站所" / "Stationed office",
        Unit = "unit" / "驻区单位" / "Resident unit",
        Enterprise = "enterprise" / "非公企业" / "Private enterprise",
        SocialOrg = "social_org" / "社会组织" / "Social organisation",
        Property = "property" / "物业服务企业" / "Property company",
        Community = "community" / "社区（村）" / "Community",
        Merchant = "merchant" / "商户" / "Merchant",
    }
);

/// A joint-meeting body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    pub id: i64,
    pub level: BodyLevel,
    pub unit_id: i64,
    pub path: String,
    pub name: String,
    /// 召集人: the secretary who convenes it.
    pub convener: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBody {
    pub level: BodyLevel,
    pub unit_id: i64,
    pub path: String,
    pub name: String,
    pub convener: String,
    pub at_ms: i64,
}

/// A member organisation of a body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub id: i64,
    pub body_id: i64,
    pub name: String,
    pub kind: MemberKind,
    /// A party organisation of the party capability, when linked.
    pub party_org_id: Option<i64>,
    pub representative: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    pub name: String,
    pub kind: MemberKind,
    pub party_org_id: Option<i64>,
    pub representative: String,
}

str_enum!(
    AttendanceStatus {
        Present = "present" / "出席" / "Present",
        Absent = "absent" / "缺席" / "Absent",
        Deputy = "deputy" / "委托代表出席" / "Sent a deputy",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendance {
    pub member_id: i64,
    pub member_name: String,
    pub status: AttendanceStatus,
    pub deputy: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub body_id: i64,
    pub day: String,
    pub place: String,
    pub agenda: Vec<String>,
    pub minutes: String,
    pub attendance: Vec<Attendance>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMeeting {
    pub body_id: i64,
    pub day: String,
    pub place: String,
    pub agenda: Vec<String>,
    pub minutes: String,
    /// (member id, status, deputy name)
    pub attendance: Vec<(i64, AttendanceStatus, String)>,
    pub at_ms: i64,
}

str_enum!(
    ResolutionStatus {
        Open = "open" / "待落实" / "Open",
        InProgress = "in_progress" / "落实中" / "In progress",
        Done = "done" / "已办结" / "Done",
    }
);

/// A resolution (决议事项) tracked until done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution {
    pub id: i64,
    pub body_id: i64,
    pub body_name: String,
    pub level: BodyLevel,
    pub meeting_id: Option<i64>,
    pub path: String,
    pub title: String,
    /// The member organisation or person responsible.
    pub owner: String,
    pub owner_member_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    pub status: ResolutionStatus,
    pub note: String,
    pub done_day: Option<String>,
    /// An appeal referred to the joint meeting.
    pub case_number: Option<String>,
    /// Past its deadline and not done (computed on read).
    pub overdue: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewResolution {
    pub body_id: i64,
    pub meeting_id: Option<i64>,
    pub path: String,
    pub title: String,
    pub owner: String,
    pub owner_member_id: Option<i64>,
    pub deadline: String,
    pub status: ResolutionStatus,
    pub note: String,
    pub done_day: Option<String>,
    pub case_number: Option<String>,
    pub at_ms: i64,
}

/// Which resolutions to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolutionFilter {
    /// Inside this subtree.
    pub path: String,
    pub body_id: Option<i64>,
    pub level: Option<BodyLevel>,
    /// Only those not done.
    pub open_only: bool,
    /// Only those not done whose deadline is before this day (`YYYY-MM-DD`).
    pub overdue_before: Option<String>,
    pub limit: i64,
}

str_enum!(
    /// The lists that describe a sub-district after its reform.
    ReformList {
        Function = "function" / "法定职能" / "Statutory functions",
        Right = "right" / "赋予权利" / "Rights",
        Organ = "organ" / "内设机构" / "Internal organs",
        Station = "station" / "整合站所" / "Integrated stations",
    }
);

str_enum!(
    /// The "5+1" model: five offices plus one centre.
    OrganCategory {
        Office = "office" / "办公室" / "Office",
        Centre = "centre" / "中心" / "Centre",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReformItem {
    pub id: i64,
    pub unit_id: i64,
    pub list: ReformList,
    pub name: String,
    /// Organs: `office` or `centre`; stations: the station kind (司法所 …).
    pub category: String,
    pub note: String,
    pub sort: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewReformItem {
    pub unit_id: i64,
    pub path: String,
    pub list: ReformList,
    pub name: String,
    pub category: String,
    pub note: String,
    pub sort: i64,
}

/// A law-enforcement team under the sub-district's command (双重管理).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LawTeam {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    /// The department it belongs to.
    pub department: String,
    /// How the sub-district commands it.
    pub command: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLawTeam {
    pub unit_id: i64,
    pub path: String,
    pub name: String,
    pub department: String,
    pub command: String,
    pub note: String,
}

/// The count of service items delegated to a sub-district. A seam: the service-items
/// capability fills it; until then it may be empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delegated {
    pub unit_id: i64,
    pub items: Option<i64>,
    pub note: String,
    pub updated_ms: i64,
}

/// Counts of one list of one sub-district, by category (for the figures).
#[derive(Debug, Clone, PartialEq)]
pub struct ReformCount {
    pub unit_id: i64,
    pub list: ReformList,
    pub category: String,
    pub n: i64,
}

/// Everything of a body written at once (the demo's year of meetings).
#[derive(Debug, Clone)]
pub struct BodyBundle {
    pub body: NewBody,
    pub members: Vec<NewMember>,
    /// Each meeting's attendance names members by their index in `members`.
    pub meetings: Vec<(NewMeeting, Vec<NewResolution>)>,
}
