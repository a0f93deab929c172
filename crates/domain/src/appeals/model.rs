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

str_enum!(
    /// Where a case came in.
    Channel {
        Resident = "resident" / "居民自报" / "Resident",
        Patrol = "patrol" / "网格巡查" / "Grid patrol",
        Hotline = "hotline" / "12345热线" / "Hotline",
        Open311 = "open311" / "开放接口" / "Open311",
    }
);

str_enum!(
    /// The case workflow of GB/T 30428 and 接诉即办.
    Status {
        Submitted = "submitted" / "待受理" / "Submitted",
        Accepted = "accepted" / "已受理" / "Accepted",
        Dispatched = "dispatched" / "已派遣" / "Dispatched",
        Processing = "processing" / "处置中" / "In progress",
        Feedback = "feedback" / "已反馈待核查" / "Awaiting verification",
        Verified = "verified" / "已核查" / "Verified",
        Closed = "closed" / "已结案" / "Closed",
        Rejected = "rejected" / "不予受理" / "Rejected",
    }
);

impl Status {
    /// The statuses whose deadline the sweep watches: reminders near it, the overdue
    /// mark and escalation past it.
    pub const SWEPT: [Status; 3] = [Status::Accepted, Status::Dispatched, Status::Processing];

    /// Still needs work (counts towards overdue and inboxes).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Rejected)
    }
}

str_enum!(
    /// The level coordinating a case; escalation moves it one up.
    Level {
        Grid = "grid" / "网格" / "Grid",
        Community = "community" / "社区" / "Community",
        Subdistrict = "subdistrict" / "街道" / "Sub-district",
        District = "district" / "区" / "District",
    }
);

impl Level {
    pub fn of_kind(kind: crate::org::UnitKind) -> Level {
        use crate::org::UnitKind::*;
        match kind {
            District => Level::District,
            Subdistrict => Level::Subdistrict,
            Community => Level::Community,
            _ => Level::Grid,
        }
    }
    pub fn up(self) -> Option<Level> {
        match self {
            Level::Grid => Some(Level::Community),
            Level::Community => Some(Level::Subdistrict),
            Level::Subdistrict => Some(Level::District),
            Level::District => None,
        }
    }
}

str_enum!(
    /// Who a category is handled by.
    Responsible {
        Grid = "grid" / "网格" / "Grid",
        Community = "community" / "社区" / "Community",
        Department = "department" / "职能部门" / "Department",
        Property = "property" / "物业公司" / "Property company",
    }
);

str_enum!(
    LimitUnit {
        Hours = "hours" / "小时" / "hours",
        WorkingDays = "working_days" / "个工作日" / "working days",
    }
);

str_enum!(
    DeptKind {
        Department = "department" / "区直部门" / "District department",
        Station = "station" / "站所" / "Station",
        Property = "property" / "物业公司" / "Property company",
    }
);

str_enum!(
    Satisfaction {
        Satisfied = "satisfied" / "满意" / "Satisfied",
        Basic = "basic" / "基本满意" / "Fairly satisfied",
        Unsatisfied = "unsatisfied" / "不满意" / "Unsatisfied",
    }
);

str_enum!(
    /// Requests a handler makes during 处置, each approved by the coordinator.
    RequestKind {
        Assist = "assist" / "申请协办" / "Assistance",
        Transfer = "transfer" / "申请转派" / "Transfer",
        Extension = "extension" / "申请延期" / "Extension",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub parent_code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    /// patrol | service | both
    pub source: String,
    pub responsible: Responsible,
    pub department_code: Option<String>,
    pub response_hours: i64,
    pub limit_amount: i64,
    pub limit_unit: LimitUnit,
    /// Open311 attribute definitions.
    pub attributes: serde_json::Value,
    pub active: bool,
}

impl Category {
    pub fn name(&self, lang: jiceng_core::Lang) -> &str {
        match lang {
            jiceng_core::Lang::Zh => &self.name_zh,
            jiceng_core::Lang::En => &self.name_en,
        }
    }
    pub fn is_leaf(&self) -> bool {
        self.parent_code.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: DeptKind,
    /// The org unit it belongs to (the district for 区直部门, a sub-district for 站所).
    pub unit_id: i64,
    pub phone: String,
    pub active: bool,
}

/// Everything the workflow reads and writes of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: i64,
    /// Readable on the phone: `261126-0042`.
    pub number: String,
    pub channel: Channel,
    pub category_code: String,
    pub description: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub grid_id: i64,
    pub estate_id: Option<i64>,
    pub building_id: Option<i64>,
    /// Path of the grid.
    pub path: String,
    pub status: Status,
    pub level: Level,
    /// 首接: the unit coordinating the case.
    pub coord_unit_id: i64,
    pub assignee_unit_id: Option<i64>,
    pub assignee_dept_id: Option<i64>,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: String,
    #[serde(skip)]
    pub reporter_phone_enc: Option<String>,
    pub reporter_phone_mask: Option<String>,
    pub anonymous: bool,
    pub attributes: serde_json::Value,
    pub media_url: Option<String>,
    pub created_ms: i64,
    pub accepted_ms: Option<i64>,
    pub dispatched_ms: Option<i64>,
    pub response_due_ms: Option<i64>,
    pub responded_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub feedback_ms: Option<i64>,
    pub verified_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub closed_level: Option<Level>,
    pub result: Option<String>,
    pub reject_reason: Option<String>,
    pub overdue: bool,
    pub reminded: bool,
    pub escalations: i64,
    pub returned: i64,
    pub reopen_count: i64,
    pub satisfaction: Option<Satisfaction>,
    pub rating_note: Option<String>,
    pub rated_ms: Option<i64>,
    pub pending: Option<PendingRequest>,
    pub joint_meeting: Option<String>,
    /// The secret in the reporter's tracking link (never shown to others).
    #[serde(skip)]
    pub track_token: String,
    pub version: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingRequest {
    pub kind: RequestKind,
    pub note: String,
    /// Extension: working days asked for.
    pub days: Option<i64>,
    /// Assistance or transfer: the department asked for.
    pub dept_id: Option<i64>,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEvent {
    pub id: i64,
    pub case_id: i64,
    pub at_ms: i64,
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub actor_login: String,
    pub actor_role: String,
    pub note: String,
    /// Shown to the reporter (internal notes are not).
    pub public: bool,
}

/// A new event, written with the change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub note: String,
    pub public: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub event_id: Option<i64>,
    /// intake | result
    pub kind: String,
    pub content_type: String,
    pub size: i64,
}

/// A photo to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Party {
    /// property | party_org | residents_committee | owners_committee | representatives | assist
    pub role: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Whistle {
    pub id: i64,
    pub case_id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub called_ms: i64,
    pub due_ms: i64,
    pub reported_ms: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rotation {
    pub id: i64,
    pub subdistrict_id: i64,
    pub subdistrict_name: String,
    /// `2026-11`
    pub period: String,
    pub secretary: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub case_status: Option<Status>,
    pub case_description: Option<String>,
    pub taken_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub id: i64,
    pub at_ms: i64,
    pub channel: String,
    pub recipient: String,
    pub case_id: Option<i64>,
    pub text: String,
    pub sent_ms: Option<i64>,
}

/// A filter for lists, search and exports.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CaseFilter {
    /// Words in the description, address or number (Chinese substring match).
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// A category code; a top-level code matches its children too.
    #[serde(default)]
    pub category: Option<String>,
    /// An org unit whose subtree the case lies in.
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub dept_id: Option<i64>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub from_ms: Option<i64>,
    #[serde(default)]
    pub to_ms: Option<i64>,
    #[serde(default)]
    pub overdue: Option<bool>,
    /// Open only.
    #[serde(default)]
    pub open: Option<bool>,
}

/// The store-level query a filter becomes once the actor's reach is applied.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub path: Option<String>,
    pub dept_id: Option<i64>,
    /// Property companies: the estates they serve (or cases assigned to them).
    pub estates_or_dept: Option<(Vec<i64>, i64)>,
    pub reporter_user_id: Option<i64>,
    pub q: Option<String>,
    pub statuses: Vec<Status>,
    pub category_prefix: Option<String>,
    pub channel: Option<Channel>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub overdue: Option<bool>,
    /// Inbox: cases assigned to this unit or department.
    pub assignee_unit_id: Option<i64>,
    pub assignee_dept_id: Option<i64>,
    pub coord_unit_id: Option<i64>,
    /// Open cases whose reminder moment (three quarters of their time) is at or
    /// before this.
    pub nearing_before_ms: Option<i64>,
    /// Whether the deadline sweep has reminded the case's handlers.
    pub reminded: Option<bool>,
    /// Earliest reminder moment first (the order of the sweep's index, `cases_remind`)
    /// instead of newest first.
    pub by_remind_moment: bool,
    pub escalated: bool,
    pub returned: bool,
    /// Skip counting the total (inboxes only need the first page).
    pub no_count: bool,
}

/// Aggregate counts for the three rates, per group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RateCounts {
    pub key: String,
    pub total: i64,
    pub rejected: i64,
    pub dispatched: i64,
    /// Dispatched cases whose response is due by now.
    pub response_due: i64,
    pub responded_in_time: i64,
    pub closed: i64,
    pub closed_in_time: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub overdue_open: i64,
    pub closed_grid: i64,
    pub closed_community: i64,
    pub closed_subdistrict: i64,
    pub closed_district: i64,
}

/// The facts of one case the rate counters follow: one rule for incremental intake and
/// for bulk loads (`jiceng bench city`), so the two cannot drift apart.
#[derive(Debug, Clone, Copy)]
pub struct RateFacts {
    pub status: Status,
    pub dispatched_ms: Option<i64>,
    pub responded_ms: Option<i64>,
    pub response_due_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub satisfaction: Option<Satisfaction>,
    pub overdue: bool,
    pub closed_level: Option<Level>,
}

impl RateFacts {
    /// What the case adds to each rollup counter, in the rollup's column order: total,
    /// rejected, dispatched, responded, responded in time, closed, closed in time, rated,
    /// satisfied, overdue and open, closed at grid / community / sub-district / district.
    pub fn counters(&self) -> [i64; 14] {
        let b = |x: bool| x as i64;
        let closed = self.status == Status::Closed;
        let lvl = |l: Level| b(closed && self.closed_level == Some(l));
        [
            1,
            b(self.status == Status::Rejected),
            b(self.dispatched_ms.is_some()),
            b(self.responded_ms.is_some()),
            b(matches!((self.responded_ms, self.response_due_ms), (Some(r), Some(d)) if r <= d)),
            b(closed),
            b(closed && matches!((self.closed_ms, self.due_ms), (Some(x), Some(d)) if x <= d)),
            b(self.satisfaction.is_some()),
            b(matches!(
                self.satisfaction,
                Some(Satisfaction::Satisfied | Satisfaction::Basic)
            )),
            b(self.overdue && self.status.is_open()),
            lvl(Level::Grid),
            lvl(Level::Community),
            lvl(Level::Subdistrict),
            lvl(Level::District),
        ]
    }
}

impl Case {
    pub fn rate_facts(&self) -> RateFacts {
        RateFacts {
            status: self.status,
            dispatched_ms: self.dispatched_ms,
            responded_ms: self.responded_ms,
            response_due_ms: self.response_due_ms,
            closed_ms: self.closed_ms,
            due_ms: self.due_ms,
            satisfaction: self.satisfaction,
            overdue: self.overdue,
            closed_level: self.closed_level,
        }
    }
}
