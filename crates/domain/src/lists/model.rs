//! Needs (需求清单), resources (资源清单), matches and projects (项目清单).

use serde::{Deserialize, Serialize};

use super::rules::Terms;

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
    /// Who recorded a need.
    NeedSource {
        Resident = ("resident", "居民自报", "Resident"),
        Grid = ("grid", "网格员收集", "Grid worker"),
        Staff = ("staff", "社区登记", "Community staff"),
        Appeal = ("appeal", "诉求转入", "From an appeal"),
    }
);

coded!(
    NeedStatus {
        Open = ("open", "待对接", "Open"),
        Met = ("met", "已对接", "Met"),
        Merged = ("merged", "已合并", "Merged"),
        Closed = ("closed", "已关闭", "Closed"),
    }
);

coded!(
    /// Where a resource comes from: recorded here, or read from the party capability.
    ResourceSource {
        Own = ("own", "资源清单登记", "Recorded here"),
        Commitment = ("commitment", "党员服务清单", "Party member's commitment"),
        Alliance = ("alliance", "党建联盟共享资源", "Alliance shared resource"),
    }
);

coded!(
    /// Who offers a resource.
    ProviderKind {
        ResidentUnit = ("resident_unit", "驻区单位", "Unit based in the area"),
        CoBuilding = ("co_building", "共建单位", "Co-building organisation"),
        AllianceMember = ("alliance_member", "联盟成员", "Alliance member"),
        Merchant = ("merchant", "商户", "Merchant"),
        SocialOrg = ("social_org", "社会组织", "Social organisation"),
        Volunteer = ("volunteer", "志愿者", "Volunteer"),
        PartyMember = ("party_member", "党员", "Party member"),
    }
);

coded!(
    MatchStatus {
        Proposed = ("proposed", "建议对接", "Proposed"),
        Accepted = ("accepted", "已确认", "Accepted"),
        Rejected = ("rejected", "已否决", "Rejected"),
        Superseded = ("superseded", "已更新", "Superseded"),
    }
);

coded!(
    ProjectStatus {
        Active = ("active", "实施中", "Under way"),
        Done = ("done", "已完成", "Completed"),
    }
);

/// A category shared by needs and resources. Categories of the same group are related
/// (a partial fit); the party capability's service and resource categories map here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub grp: String,
    pub party_service_code: Option<String>,
    pub party_resource_code: Option<String>,
    pub sort: i64,
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

/// When something is wanted or available in a week: days (1 = Monday … 7 = Sunday;
/// empty = any day) and a time of day `HH:MM`–`HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week {
    pub weekdays: Vec<u8>,
    pub from: String,
    pub to: String,
}

impl Week {
    pub fn any() -> Week {
        Week {
            weekdays: vec![],
            from: "00:00".into(),
            to: "24:00".into(),
        }
    }
    pub fn days_text(&self) -> String {
        self.weekdays
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn parse_days(s: &str) -> Vec<u8> {
        s.split(',')
            .filter_map(|x| x.trim().parse::<u8>().ok())
            .filter(|d| (1..=7).contains(d))
            .collect()
    }
    pub fn label(&self, lang: jiceng_core::Lang) -> String {
        const ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let days = if self.weekdays.is_empty() || self.weekdays.len() == 7 {
            if lang == jiceng_core::Lang::En {
                "Every day".to_string()
            } else {
                "每天".to_string()
            }
        } else if lang == jiceng_core::Lang::En {
            self.weekdays
                .iter()
                .map(|d| EN[(*d as usize).clamp(1, 7) - 1])
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            format!(
                "周{}",
                self.weekdays
                    .iter()
                    .map(|d| ZH[(*d as usize).clamp(1, 7) - 1])
                    .collect::<String>()
            )
        };
        format!("{days} {}–{}", self.from, self.to)
    }
}

/// 需求清单: one need of a place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub id: i64,
    pub category: String,
    pub title: String,
    pub detail: String,
    /// The place: a grid, estate or building.
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    /// The centroid of the place's grid.
    pub lon: f64,
    pub lat: f64,
    /// Who benefits: 独居老人, 双职工家庭的孩子 …
    pub beneficiary: String,
    pub beneficiaries: i64,
    /// Units of service asked (visits, hours, sessions).
    pub quantity: i64,
    /// Units met by accepted matches.
    pub met: i64,
    pub date_from: String,
    pub date_to: String,
    pub week: Week,
    pub urgency: i64,
    pub status: NeedStatus,
    pub source: NeedSource,
    pub case_number: Option<String>,
    pub merged_into: Option<i64>,
    pub created_by: Option<i64>,
    pub created_name: String,
    pub created_ms: i64,
    /// First accepted match, first project result.
    pub matched_ms: Option<i64>,
    pub result_ms: Option<i64>,
    pub version: i64,
}

impl Need {
    pub fn remaining(&self) -> i64 {
        (self.quantity - self.met).max(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewNeed {
    pub category: String,
    pub title: String,
    pub detail: String,
    pub unit_id: i64,
    pub path: String,
    pub lon: f64,
    pub lat: f64,
    pub beneficiary: String,
    pub beneficiaries: i64,
    pub quantity: i64,
    pub date_from: String,
    pub date_to: String,
    pub week: Week,
    pub urgency: i64,
    pub source: NeedSource,
    pub case_number: Option<String>,
    pub created_by: Option<i64>,
    pub created_name: String,
    pub created_ms: i64,
}

/// Who asked: kept when needs are merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requester {
    pub id: i64,
    pub need_id: i64,
    pub name: String,
    pub user_id: Option<i64>,
    pub source: NeedSource,
    pub case_number: Option<String>,
    pub quantity: i64,
    pub at_ms: i64,
}

/// 资源清单: one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub id: i64,
    pub source: ResourceSource,
    /// The party commitment or alliance resource it mirrors.
    pub source_id: Option<i64>,
    pub provider_kind: ProviderKind,
    pub provider: String,
    /// The provider's party organisation, if any (for project owners).
    pub party_org_id: Option<i64>,
    pub name: String,
    pub category: String,
    pub detail: String,
    /// Units it can give per period.
    pub capacity: i64,
    /// month | week | once
    pub period: String,
    /// Where it is based (any unit), and how far it serves.
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    pub lon: f64,
    pub lat: f64,
    pub radius_m: i64,
    pub week: Week,
    pub date_from: String,
    pub date_to: String,
    /// 0 = free.
    pub cost_cents: i64,
    pub contact: String,
    pub active: bool,
    /// Units taken by accepted matches of open needs.
    pub used: i64,
    pub created_ms: i64,
    pub version: i64,
}

impl Resource {
    pub fn remaining(&self) -> i64 {
        (self.capacity - self.used).max(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewResource {
    pub source: ResourceSource,
    pub source_id: Option<i64>,
    pub provider_kind: ProviderKind,
    pub provider: String,
    pub party_org_id: Option<i64>,
    pub name: String,
    pub category: String,
    pub detail: String,
    pub capacity: i64,
    pub period: String,
    pub unit_id: i64,
    pub path: String,
    pub lon: f64,
    pub lat: f64,
    pub radius_m: i64,
    pub week: Week,
    pub date_from: String,
    pub date_to: String,
    pub cost_cents: i64,
    pub contact: String,
    pub active: bool,
}

/// A pairing of a need and a resource, with the terms of its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: i64,
    pub need_id: i64,
    pub resource_id: i64,
    pub quantity: i64,
    pub status: MatchStatus,
    pub manual: bool,
    pub run_id: Option<i64>,
    pub terms: Terms,
    pub project_id: Option<i64>,
    pub created_ms: i64,
    pub decided_ms: Option<i64>,
    pub decided_by: Option<String>,
    pub note: String,
    pub need_title: String,
    pub need_category: String,
    pub need_path: String,
    pub need_unit: String,
    pub resource_name: String,
    pub resource_category: String,
    pub provider: String,
    pub resource_source: ResourceSource,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMatch {
    pub need_id: i64,
    pub resource_id: i64,
    pub quantity: i64,
    pub status: MatchStatus,
    pub manual: bool,
    pub terms: Terms,
    pub note: String,
}

/// One run of the engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: i64,
    pub scope_path: String,
    pub needs: i64,
    pub resources: i64,
    pub edges: i64,
    pub proposals: i64,
    pub total_value: i64,
    pub elapsed_ms: i64,
    pub created_ms: i64,
    pub actor_login: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub scope_path: String,
    pub needs: i64,
    pub resources: i64,
    pub edges: i64,
    pub total_value: i64,
    pub elapsed_ms: i64,
    pub created_ms: i64,
    pub actor_login: String,
}

/// 项目清单: one project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub id: i64,
    pub title: String,
    pub category: String,
    /// The place it serves (usually a community or grid).
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    pub owner_name: String,
    pub owner_party_org_id: Option<i64>,
    pub participants: String,
    pub description: String,
    pub budget_planned_cents: i64,
    pub budget_spent_cents: i64,
    pub progress: i64,
    pub status: ProjectStatus,
    pub started_on: String,
    pub finished_on: Option<String>,
    pub created_ms: i64,
    pub version: i64,
    pub ratings: i64,
    pub rating_sum: i64,
}

impl Project {
    pub fn rating_avg(&self) -> Option<f64> {
        (self.ratings > 0).then(|| self.rating_sum as f64 / self.ratings as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    pub title: String,
    pub category: String,
    pub unit_id: i64,
    pub path: String,
    pub owner_name: String,
    pub owner_party_org_id: Option<i64>,
    pub participants: String,
    pub description: String,
    pub budget_planned_cents: i64,
    pub started_on: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    pub id: i64,
    pub project_id: i64,
    pub title: String,
    pub due_on: String,
    pub done_on: Option<String>,
}

/// A result reported on a project, with photos.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub id: i64,
    pub project_id: i64,
    pub text: String,
    pub by_name: String,
    pub at_ms: i64,
    pub photos: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Photo {
    pub id: i64,
    pub project_id: i64,
    pub outcome_id: i64,
    pub content_type: String,
    pub size: i64,
}

/// 民评: one resident's rating of a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    pub id: i64,
    pub project_id: i64,
    pub user_id: i64,
    pub name: String,
    pub stars: i64,
    pub comment: String,
    pub at_ms: i64,
}

/// A change to a project's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectPatch {
    pub progress: i64,
    pub budget_spent_cents: i64,
    pub budget_planned_cents: i64,
    pub participants: String,
    pub status: ProjectStatus,
    pub finished_on: Option<String>,
}

/// What the store needs to place a match into a project.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectChoice {
    Existing(i64),
    New(Box<NewProject>, Vec<(String, String)>),
}

/// A filter for needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeedQuery {
    pub path: String,
    pub status: Option<NeedStatus>,
    pub category: Option<String>,
    pub created_by: Option<i64>,
    pub limit: i64,
}

/// Counts for the lists' front page, inside one subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ListCounts {
    pub needs: i64,
    pub open_needs: i64,
    pub proposed_matches: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchQuery {
    pub path: String,
    pub status: Option<MatchStatus>,
    pub need_id: Option<i64>,
    pub resource_id: Option<i64>,
    pub project_id: Option<i64>,
    pub limit: i64,
}
