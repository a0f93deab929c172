//! The workforce's records and the closed vocabularies they use.

use chrono::NaiveDate;
use jiceng_core::Lang;
use serde::{Deserialize, Serialize};

/// A closed vocabulary stored as snake_case text, labelled in both languages; `parse`
/// takes the stored text or the Chinese label.
macro_rules! vocab {
    ($(#[$m:meta])* $name:ident { $($v:ident => $s:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh),* } }
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en),* } }
            pub fn label(self, lang: Lang) -> &'static str {
                match lang { Lang::Zh => self.label_zh(), Lang::En => self.label_en() }
            }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
        }
    };
}

vocab!(
    /// 学历, highest first.
    Education {
        Postgraduate => "postgraduate", "研究生", "Postgraduate";
        Bachelor => "bachelor", "大学本科", "Bachelor's degree";
        College => "college", "大专", "College (dazhuan)";
        Secondary => "secondary", "中专", "Secondary vocational";
        HighSchool => "high_school", "高中及以下", "High school or below";
    }
);

impl Education {
    /// 大专及以上.
    pub fn college_or_above(self) -> bool {
        matches!(
            self,
            Education::Postgraduate | Education::Bachelor | Education::College
        )
    }
}

vocab!(
    /// How a cadre came into the sub-district leadership.
    CadreSource {
        PromotedSecretary => "promoted_secretary", "优秀社区书记选拔", "Promoted community secretary";
        Selected => "selected", "组织选任", "Selected by the organisation department";
        Transferred => "transferred", "交流调任", "Transferred";
        Recruited => "recruited", "公开遴选", "Open selection";
    }
);

vocab!(
    /// How a person was added to a sub-district's staff.
    StaffKind {
        Sink => "sink", "下沉编制", "Establishment moved down";
        Recruit => "recruit", "公开招聘", "Open recruitment";
        Selected => "selected", "选调", "Selected graduate";
        Transfer => "transfer", "调任", "Transfer";
    }
);

vocab!(
    /// 社工职业资格.
    Qualification {
        None => "none", "无", "None";
        Assistant => "assistant", "助理社工师", "Assistant social worker";
        SocialWorker => "social_worker", "社工师", "Social worker";
        Senior => "senior", "高级社工师", "Senior social worker";
    }
);

vocab!(
    /// The three post categories of 三岗十八级.
    Post {
        Head => "head", "社区正职", "Community head";
        Deputy => "deputy", "社区副职", "Community deputy";
        Member => "member", "社区委员及专职工作者", "Committee member or full-time worker";
    }
);

impl Post {
    /// 1, 2, 3 (岗位一、二、三).
    pub fn number(self) -> i64 {
        match self {
            Post::Head => 1,
            Post::Deputy => 2,
            Post::Member => 3,
        }
    }
    pub fn from_number(n: i64) -> Option<Post> {
        match n {
            1 => Some(Post::Head),
            2 => Some(Post::Deputy),
            3 => Some(Post::Member),
            _ => None,
        }
    }
}

vocab!(
    WorkerStatus {
        Active => "active", "在岗", "In post";
        Departed => "departed", "离任", "Left";
        Retired => "retired", "退休", "Retired";
    }
);

vocab!(
    /// Annual assessment (年度考核).
    Assessment {
        Excellent => "excellent", "优秀", "Excellent";
        Competent => "competent", "称职", "Competent";
        Basic => "basic", "基本称职", "Basically competent";
        Incompetent => "incompetent", "不称职", "Incompetent";
    }
);

impl Assessment {
    /// Counts toward a regular raise.
    pub fn satisfactory(self) -> bool {
        matches!(self, Assessment::Excellent | Assessment::Competent)
    }
}

vocab!(
    /// The reserve-talent pipeline.
    Stage {
        Identified => "identified", "已确定人选", "Identified";
        Training => "training", "培养中", "In training";
        Ready => "ready", "可使用", "Ready";
        Appointed => "appointed", "已任用", "Appointed";
        Dropped => "dropped", "已退出", "Dropped";
    }
);

impl Stage {
    /// The stages counted as the reserve pool (后备人才储备): not yet appointed, not dropped.
    pub fn in_pool(self) -> bool {
        matches!(self, Stage::Identified | Stage::Training | Stage::Ready)
    }
}

vocab!(
    TrainingResult {
        Excellent => "excellent", "优秀", "Excellent";
        Pass => "pass", "合格", "Pass";
        Fail => "fail", "不合格", "Fail";
    }
);

vocab!(
    RunStatus {
        Draft => "draft", "草稿", "Draft";
        Confirmed => "confirmed", "已确认", "Confirmed";
    }
);

/// A member of a sub-district's leadership (街道领导班子成员).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cadre {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub post_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    pub birth_date: NaiveDate,
    pub education: Education,
    pub ethnicity: String,
    pub party_member: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub source: CadreSource,
    pub note: String,
    pub version: i64,
}

/// A cadre as entered.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CadreInput {
    pub name: String,
    pub sex: String,
    pub post_title: String,
    pub unit_id: i64,
    pub birth_date: String,
    pub education: String,
    pub ethnicity: String,
    #[serde(default = "yes")]
    pub party_member: bool,
    pub start_date: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// A validated cadre to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCadre {
    pub name: String,
    pub sex: String,
    pub post_title: String,
    pub unit_id: i64,
    pub path: String,
    pub birth_date: NaiveDate,
    pub education: Education,
    pub ethnicity: String,
    pub party_member: bool,
    pub start_date: NaiveDate,
    pub source: CadreSource,
    pub note: String,
    pub created_ms: i64,
}

/// The leadership structure of a unit on a date: who was in post, and three shares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Structure {
    pub unit_id: i64,
    pub unit_name: String,
    pub date: NaiveDate,
    pub total: i64,
    pub under_45: i64,
    pub college_or_above: i64,
    pub minority: i64,
    pub under_45_share: String,
    pub college_share: String,
    pub minority_share: String,
}

/// A person added to a sub-district's staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddedStaff {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    pub post: String,
    pub kind: StaffKind,
    pub added_date: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddedStaffInput {
    pub name: String,
    pub sex: String,
    pub unit_id: i64,
    pub post: String,
    pub kind: String,
    pub added_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAddedStaff {
    pub name: String,
    pub sex: String,
    pub unit_id: i64,
    pub path: String,
    pub post: String,
    pub kind: StaffKind,
    pub added_date: NaiveDate,
    pub created_ms: i64,
}

/// A community secretary promoted into a sub-district's leadership.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Promotion {
    pub id: i64,
    pub secretary_name: String,
    pub community_id: i64,
    pub community_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    pub post_title: String,
    pub promoted_date: NaiveDate,
    pub cadre_id: i64,
}

/// A promotion as entered: the secretary, their community, the post and the person's
/// particulars for the cadre record it creates.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PromotionInput {
    pub secretary_name: String,
    pub community_id: i64,
    /// The sub-district whose leadership the secretary joins; by default the one the
    /// community belongs to.
    #[serde(default)]
    pub unit_id: Option<i64>,
    pub post_title: String,
    pub promoted_date: String,
    pub sex: String,
    pub birth_date: String,
    pub education: String,
    pub ethnicity: String,
    #[serde(default = "yes")]
    pub party_member: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPromotion {
    pub secretary_name: String,
    pub community_id: i64,
    pub unit_id: i64,
    pub path: String,
    pub post_title: String,
    pub promoted_date: NaiveDate,
    pub created_ms: i64,
}

/// One version of the 三岗十八级 pay table with its allowances and progression rules.
/// Amounts are whole yuan per month unless named otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayTable {
    #[serde(default)]
    pub id: i64,
    /// Applies from January of this year until the next version.
    pub effective_year: i32,
    pub name: String,
    /// 54 monthly base amounts: index (post − 1) × 18 + (grade − 1).
    pub cells: Vec<i64>,
    pub qual_assistant: i64,
    pub qual_social_worker: i64,
    pub qual_senior: i64,
    /// Housing provident fund, basis points of the base (1000 = 10%).
    pub housing_rate_bp: i64,
    /// 两委职务补贴: monthly, for two-committees members.
    pub committee_allowance: i64,
    /// 离任补贴: one-off, per full year of service.
    pub departure_per_year: i64,
    /// 退休补贴: one-off, per full year of service.
    pub retirement_per_year: i64,
    /// A regular raise of one grade after this many years.
    pub step_years: i64,
    pub bonus_assistant: i64,
    pub bonus_social_worker: i64,
    pub bonus_senior: i64,
    #[serde(default)]
    pub created_ms: i64,
}

pub const GRADES: i64 = 18;
pub const POSTS: i64 = 3;

impl PayTable {
    pub fn base(&self, post: Post, grade: i64) -> i64 {
        let i = (post.number() - 1) * GRADES + (grade.clamp(1, GRADES) - 1);
        self.cells.get(i as usize).copied().unwrap_or(0)
    }
    pub fn qualification_allowance(&self, q: Qualification) -> i64 {
        match q {
            Qualification::None => 0,
            Qualification::Assistant => self.qual_assistant,
            Qualification::SocialWorker => self.qual_social_worker,
            Qualification::Senior => self.qual_senior,
        }
    }
    pub fn qualification_bonus(&self, q: Qualification) -> i64 {
        match q {
            Qualification::None => 0,
            Qualification::Assistant => self.bonus_assistant,
            Qualification::SocialWorker => self.bonus_social_worker,
            Qualification::Senior => self.bonus_senior,
        }
    }
}

/// A community worker (社区工作者).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Worker {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub education: Education,
    pub community_id: i64,
    pub community_name: String,
    pub path: String,
    pub post: Post,
    pub grade: i64,
    pub entry_grade: i64,
    pub qualification: Qualification,
    pub two_committees: bool,
    /// 职务, e.g. 社区党委书记、居委会主任、网格员.
    pub duty: String,
    pub start_date: NaiveDate,
    pub status: WorkerStatus,
    pub end_date: Option<NaiveDate>,
    pub exit_subsidy: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkerInput {
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub education: String,
    pub community_id: i64,
    pub post: String,
    pub grade: i64,
    #[serde(default)]
    pub qualification: String,
    #[serde(default)]
    pub two_committees: bool,
    #[serde(default)]
    pub duty: String,
    pub start_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewWorker {
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub education: Education,
    pub community_id: i64,
    pub path: String,
    pub post: Post,
    pub grade: i64,
    pub qualification: Qualification,
    pub two_committees: bool,
    pub duty: String,
    pub start_date: NaiveDate,
    pub created_ms: i64,
}

/// One entry of a worker's grade history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeStep {
    pub worker_id: i64,
    pub post: Post,
    pub grade: i64,
    pub from_date: NaiveDate,
    pub reason: String,
}

/// A monthly pay run for a community, sub-district or the district.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayRun {
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub path: String,
    pub table_id: i64,
    pub table_year: i32,
    pub status: RunStatus,
    pub workers: i64,
    pub total: i64,
    pub created_ms: i64,
    pub created_by: String,
    pub confirmed_ms: Option<i64>,
    pub confirmed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPayRun {
    pub month: String,
    pub unit_id: i64,
    pub path: String,
    pub table_id: i64,
    pub workers: i64,
    pub total: i64,
    pub created_ms: i64,
    pub created_by: String,
}

/// One worker's pay in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayLine {
    pub worker_id: i64,
    pub name: String,
    pub community_id: i64,
    pub community_name: String,
    pub path: String,
    pub post: Post,
    pub grade: i64,
    pub two_committees: bool,
    pub base: i64,
    pub qualification: i64,
    pub housing_fund: i64,
    pub other: i64,
    pub total: i64,
}

/// Two-committees pay in month M of year Y against the same month two years before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitteePayRow {
    pub community_id: i64,
    pub community_name: String,
    pub then_members: i64,
    pub then_average: Option<i64>,
    pub now_members: i64,
    pub now_average: Option<i64>,
    /// now ÷ then, two decimals.
    pub ratio: Option<String>,
    pub doubled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitteePay {
    pub unit_id: i64,
    pub unit_name: String,
    pub month: String,
    pub then_month: String,
    pub rows: Vec<CommitteePayRow>,
    pub total: CommitteePayRow,
}

/// A reserve talent (后备人才).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Talent {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub education: Education,
    pub community_id: i64,
    pub community_name: String,
    pub path: String,
    /// What the person does now (e.g. 网格员、社区专职工作者、居民骨干).
    pub present_role: String,
    pub stage: Stage,
    pub identified_date: NaiveDate,
    pub training_date: Option<NaiveDate>,
    pub ready_date: Option<NaiveDate>,
    pub appointed_date: Option<NaiveDate>,
    pub appointed_post: Option<String>,
    pub dropped_date: Option<NaiveDate>,
    pub drop_reason: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TalentInput {
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub education: String,
    pub community_id: i64,
    #[serde(default)]
    pub present_role: String,
    pub identified_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTalent {
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub education: Education,
    pub community_id: i64,
    pub path: String,
    pub present_role: String,
    pub identified_date: NaiveDate,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Training {
    pub id: i64,
    pub talent_id: i64,
    pub course: String,
    pub hours: i64,
    pub day: NaiveDate,
    pub result: TrainingResult,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrainingInput {
    pub course: String,
    pub hours: i64,
    pub day: String,
    pub result: String,
}
