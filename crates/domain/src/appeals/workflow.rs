//! The case workflow as a pure function: who may do what in which state, and what it
//! changes. 受理 → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价, with requests (assistance,
//! transfer, extension), escalation, 吹哨报到 and one reopening after an unsatisfied
//! rating. The service builds the [`Relation`] of the actor to the case from the store;
//! everything else is decided here, without I/O.

use jiceng_core::{DomainError, Result, Role};

use super::model::*;

/// How the acting person stands to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub role: Role,
    /// The case's place lies in the actor's reach.
    pub in_scope: bool,
    /// Staff whose reach covers the coordinating unit (首接 or where it was escalated).
    pub coordinates: bool,
    /// The handler the case is dispatched to (their unit or department).
    pub is_assignee: bool,
    /// Submitted the case.
    pub is_reporter: bool,
    /// A department called by the whistle and not yet reported.
    pub called: bool,
    /// The sweeper (overdue escalation), not a person.
    pub system: bool,
}

impl Relation {
    pub fn system() -> Relation {
        Relation {
            role: Role::DistrictAdmin,
            in_scope: true,
            coordinates: true,
            is_assignee: false,
            is_reporter: false,
            called: false,
            system: true,
        }
    }

    fn staff(&self) -> bool {
        matches!(
            self.role,
            Role::DistrictAdmin
                | Role::SubdistrictStaff
                | Role::CommunityStaff
                | Role::GridWorker
                | Role::HotlineOperator
        )
    }
}

/// Where a case is dispatched to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Unit(i64),
    Dept(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Accept {
        due_ms: i64,
        coord_unit_id: i64,
        level: Level,
    },
    Reject {
        reason: String,
    },
    Dispatch {
        to: Assignee,
        response_due_ms: i64,
    },
    Sign,
    Request {
        kind: RequestKind,
        note: String,
        days: Option<i64>,
        dept_id: Option<i64>,
    },
    Approve {
        new_due_ms: Option<i64>,
    },
    Deny {
        note: String,
    },
    Feedback {
        result: String,
    },
    Verify {
        pass: bool,
        note: String,
    },
    Close,
    Rate {
        satisfaction: Satisfaction,
        note: String,
    },
    Escalate {
        reason: String,
        to_unit_id: i64,
        overdue: bool,
    },
    Whistle,
    Report,
    ReferJointMeeting {
        note: String,
    },
    /// The sweeper marks a case at district level overdue (it cannot climb further).
    MarkOverdue,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "accept",
            Action::Reject { .. } => "reject",
            Action::Dispatch { .. } => "dispatch",
            Action::Sign => "sign",
            Action::Request { .. } => "request",
            Action::Approve { .. } => "approve",
            Action::Deny { .. } => "deny",
            Action::Feedback { .. } => "feedback",
            Action::Verify { .. } => "verify",
            Action::Close => "close",
            Action::Rate { .. } => "rate",
            Action::Escalate { .. } => "escalate",
            Action::Whistle => "whistle",
            Action::Report => "report",
            Action::ReferJointMeeting { .. } => "joint_meeting",
            Action::MarkOverdue => "overdue",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "受理",
            Action::Reject { .. } => "不予受理",
            Action::Dispatch { .. } => "派遣",
            Action::Sign => "签收",
            Action::Request { kind, .. } => kind.label_zh(),
            Action::Approve { .. } => "批准申请",
            Action::Deny { .. } => "驳回申请",
            Action::Feedback { .. } => "反馈结果",
            Action::Verify { pass: true, .. } => "核查通过",
            Action::Verify { pass: false, .. } => "核查未通过，退回",
            Action::Close => "结案",
            Action::Rate { .. } => "评价",
            Action::Escalate { .. } => "上报上级",
            Action::Whistle => "吹哨",
            Action::Report => "报到",
            Action::ReferJointMeeting { .. } => "提交联席会议",
            Action::MarkOverdue => "超期",
        }
    }
}

/// What a successful action changed, beyond the case fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub event: NewEvent,
    /// The approved request (so the service can add parties or re-dispatch).
    pub approved: Option<PendingRequest>,
}

fn denied() -> DomainError {
    DomainError::Forbidden
}

fn wrong_state(s: Status) -> DomainError {
    DomainError::Rule(jiceng_core::Text::new(
        format!("案件当前状态（{}）不能进行此操作", s.label_zh()),
        format!(
            "this cannot be done while the case is {}",
            s.label_en().to_lowercase()
        ),
    ))
}

fn text_ok(field: &str, s: &str, required: bool) -> Result<()> {
    let n = s.trim().chars().count();
    if required && n == 0 {
        return Err(DomainError::field(
            field,
            "请填写说明",
            "please write a note",
        ));
    }
    if n > 4000 {
        return Err(DomainError::field(
            field,
            "说明不能超过4000字",
            "at most 4000 characters",
        ));
    }
    Ok(())
}

/// Applies an action to a case at `now`. On error the case is unchanged.
pub fn apply(case: &mut Case, rel: &Relation, action: &Action, now: i64) -> Result<Outcome> {
    let mut next = case.clone();
    let outcome = decide(&mut next, rel, action, now)?;
    next.updated_ms = now;
    *case = next;
    Ok(outcome)
}

fn decide(c: &mut Case, rel: &Relation, action: &Action, now: i64) -> Result<Outcome> {
    let from = c.status;
    let mut public = true;
    let mut note = String::new();
    let mut approved = None;
    match action {
        Action::Accept {
            due_ms,
            coord_unit_id,
            level,
        } => {
            if c.status != Status::Submitted {
                return Err(wrong_state(c.status));
            }
            if !(rel.staff() && rel.in_scope) {
                return Err(denied());
            }
            c.status = Status::Accepted;
            c.accepted_ms = Some(now);
            c.due_ms = Some(*due_ms);
            c.coord_unit_id = *coord_unit_id;
            c.level = *level;
        }
        Action::Reject { reason } => {
            if c.status != Status::Submitted {
                return Err(wrong_state(c.status));
            }
            if !(rel.staff() && rel.in_scope) {
                return Err(denied());
            }
            text_ok("reason", reason, true)?;
            c.status = Status::Rejected;
            c.reject_reason = Some(reason.trim().to_string());
            c.closed_ms = Some(now);
            note = reason.trim().to_string();
        }
        Action::Dispatch {
            to,
            response_due_ms,
        } => {
            if !matches!(c.status, Status::Accepted | Status::Dispatched) {
                return Err(wrong_state(c.status));
            }
            if !(rel.staff() && rel.coordinates) {
                return Err(denied());
            }
            match to {
                Assignee::Unit(u) => {
                    c.assignee_unit_id = Some(*u);
                    c.assignee_dept_id = None;
                }
                Assignee::Dept(d) => {
                    c.assignee_dept_id = Some(*d);
                    c.assignee_unit_id = None;
                }
            }
            c.status = Status::Dispatched;
            if c.dispatched_ms.is_none() {
                c.dispatched_ms = Some(now);
                c.response_due_ms = Some(*response_due_ms);
            }
        }
        Action::Sign => {
            if c.status != Status::Dispatched {
                return Err(wrong_state(c.status));
            }
            if !rel.is_assignee {
                return Err(denied());
            }
            c.status = Status::Processing;
            if c.responded_ms.is_none() {
                c.responded_ms = Some(now);
            }
        }
        Action::Request {
            kind,
            note: n,
            days,
            dept_id,
        } => {
            if c.status != Status::Processing {
                return Err(wrong_state(c.status));
            }
            if !rel.is_assignee {
                return Err(denied());
            }
            if c.pending.is_some() {
                return Err(DomainError::rule(
                    "已有待审批的申请",
                    "a request is already waiting for approval",
                ));
            }
            text_ok("note", n, true)?;
            match kind {
                RequestKind::Extension => {
                    if !days.is_some_and(|d| (1..=30).contains(&d)) {
                        return Err(DomainError::field(
                            "days",
                            "延期天数应为1–30个工作日",
                            "extension: 1–30 working days",
                        ));
                    }
                }
                RequestKind::Assist | RequestKind::Transfer => {
                    if dept_id.is_none() {
                        return Err(DomainError::field(
                            "dept_id",
                            "请选择部门",
                            "choose a department",
                        ));
                    }
                }
            }
            c.pending = Some(PendingRequest {
                kind: *kind,
                note: n.trim().to_string(),
                days: *days,
                dept_id: *dept_id,
                by: String::new(),
            });
            note = n.trim().to_string();
            public = false;
        }
        Action::Approve { new_due_ms } => {
            let Some(p) = c.pending.clone() else {
                return Err(DomainError::rule(
                    "没有待审批的申请",
                    "no request is waiting",
                ));
            };
            if !(rel.staff() && rel.coordinates) {
                return Err(denied());
            }
            match p.kind {
                RequestKind::Extension => {
                    if let Some(d) = new_due_ms {
                        c.due_ms = Some(*d);
                        // A later deadline may lift the overdue mark.
                        if *d > now {
                            c.overdue = false;
                            c.reminded = false;
                        }
                    }
                }
                RequestKind::Transfer => {
                    c.assignee_dept_id = p.dept_id;
                    c.assignee_unit_id = None;
                    c.status = Status::Dispatched;
                }
                RequestKind::Assist => {}
            }
            note = p.kind.label_zh().to_string();
            c.pending = None;
            approved = Some(p);
            public = false;
        }
        Action::Deny { note: n } => {
            if c.pending.is_none() {
                return Err(DomainError::rule(
                    "没有待审批的申请",
                    "no request is waiting",
                ));
            }
            if !(rel.staff() && rel.coordinates) {
                return Err(denied());
            }
            text_ok("note", n, false)?;
            c.pending = None;
            note = n.trim().to_string();
            public = false;
        }
        Action::Feedback { result } => {
            if c.status != Status::Processing {
                return Err(wrong_state(c.status));
            }
            if !rel.is_assignee {
                return Err(denied());
            }
            text_ok("result", result, true)?;
            c.status = Status::Feedback;
            c.feedback_ms = Some(now);
            c.result = Some(result.trim().to_string());
            c.pending = None;
            note = result.trim().to_string();
        }
        Action::Verify { pass, note: n } => {
            if c.status != Status::Feedback {
                return Err(wrong_state(c.status));
            }
            let allowed = (rel.role == Role::GridWorker && rel.in_scope)
                || (rel.coordinates
                    && matches!(
                        rel.role,
                        Role::CommunityStaff | Role::SubdistrictStaff | Role::DistrictAdmin
                    ));
            if !allowed {
                return Err(denied());
            }
            text_ok("note", n, !pass)?;
            if *pass {
                c.status = Status::Verified;
                c.verified_ms = Some(now);
            } else {
                c.status = Status::Processing;
                c.returned += 1;
            }
            note = n.trim().to_string();
        }
        Action::Close => {
            if c.status != Status::Verified {
                return Err(wrong_state(c.status));
            }
            if !(rel.staff() && rel.coordinates) {
                return Err(denied());
            }
            c.status = Status::Closed;
            c.closed_ms = Some(now);
            c.closed_level = Some(c.level);
        }
        Action::Rate {
            satisfaction,
            note: n,
        } => {
            if c.status != Status::Closed {
                return Err(wrong_state(c.status));
            }
            if !(rel.is_reporter || rel.role == Role::HotlineOperator) {
                return Err(denied());
            }
            if c.rated_ms
                .is_some_and(|r| c.closed_ms.is_some_and(|cl| r >= cl))
            {
                return Err(DomainError::rule(
                    "该案件已评价",
                    "this case has been rated",
                ));
            }
            text_ok("note", n, false)?;
            c.satisfaction = Some(*satisfaction);
            c.rating_note = Some(n.trim().to_string()).filter(|s| !s.is_empty());
            c.rated_ms = Some(now);
            note = format!("{} {}", satisfaction.label_zh(), n.trim())
                .trim()
                .to_string();
            if *satisfaction == Satisfaction::Unsatisfied && c.reopen_count == 0 {
                // Reopened once: back to the same handler, who must sign again.
                c.reopen_count = 1;
                c.status = Status::Dispatched;
                // The next closure is rated afresh; this rating stays in the timeline.
                c.rated_ms = None;
                c.closed_ms = None;
                c.closed_level = None;
                c.verified_ms = None;
                c.feedback_ms = None;
                c.returned += 1;
            }
        }
        Action::Escalate {
            reason,
            to_unit_id,
            overdue,
        } => {
            if !matches!(
                c.status,
                Status::Accepted | Status::Dispatched | Status::Processing
            ) {
                return Err(wrong_state(c.status));
            }
            if !(rel.system || rel.is_assignee || (rel.staff() && rel.coordinates)) {
                return Err(denied());
            }
            let Some(up) = c.level.up() else {
                return Err(DomainError::rule(
                    "已在区级，无法再上报",
                    "the case is already at district level",
                ));
            };
            text_ok("reason", reason, !rel.system)?;
            c.level = up;
            c.coord_unit_id = *to_unit_id;
            c.escalations += 1;
            c.status = Status::Accepted;
            c.assignee_unit_id = None;
            c.assignee_dept_id = None;
            c.pending = None;
            if *overdue {
                c.overdue = true;
            }
            note = reason.trim().to_string();
        }
        Action::Whistle => {
            if !matches!(
                c.status,
                Status::Accepted | Status::Dispatched | Status::Processing
            ) {
                return Err(wrong_state(c.status));
            }
            if !(rel.coordinates
                && matches!(rel.role, Role::SubdistrictStaff | Role::DistrictAdmin))
            {
                return Err(denied());
            }
            if !matches!(c.level, Level::Subdistrict | Level::District) {
                return Err(DomainError::rule(
                    "吹哨须由街道发起：请先上报至街道",
                    "the sub-district blows the whistle: escalate the case to it first",
                ));
            }
        }
        Action::Report => {
            if !rel.called {
                return Err(denied());
            }
        }
        Action::MarkOverdue => {
            if !rel.system {
                return Err(denied());
            }
            if !c.status.is_open() || c.overdue {
                return Err(wrong_state(c.status));
            }
            c.overdue = true;
            public = false;
        }
        Action::ReferJointMeeting { note: n } => {
            if !c.status.is_open() {
                return Err(wrong_state(c.status));
            }
            if !(rel.staff() && rel.coordinates) {
                return Err(denied());
            }
            text_ok("note", n, true)?;
            c.joint_meeting = Some(n.trim().to_string());
            note = n.trim().to_string();
            public = false;
        }
    }
    c.version += 1;
    Ok(Outcome {
        event: NewEvent {
            action: action.name().to_string(),
            from_status: Some(from),
            to_status: Some(c.status),
            note,
            public,
        },
        approved,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub fn new_case() -> Case {
        Case {
            id: 1,
            number: "261126-0001".into(),
            channel: Channel::Resident,
            category_code: "1301".into(),
            description: "楼上噪音".into(),
            lon: None,
            lat: None,
            address: String::new(),
            grid_id: 10,
            estate_id: None,
            building_id: None,
            path: "/1/2/3/10/".into(),
            status: Status::Submitted,
            level: Level::Grid,
            coord_unit_id: 10,
            assignee_unit_id: None,
            assignee_dept_id: None,
            reporter_user_id: Some(7),
            reporter_name: String::new(),
            reporter_phone_enc: None,
            reporter_phone_mask: None,
            anonymous: false,
            attributes: serde_json::json!({}),
            media_url: None,
            created_ms: 0,
            accepted_ms: None,
            dispatched_ms: None,
            response_due_ms: None,
            responded_ms: None,
            due_ms: None,
            feedback_ms: None,
            verified_ms: None,
            closed_ms: None,
            closed_level: None,
            result: None,
            reject_reason: None,
            overdue: false,
            reminded: false,
            escalations: 0,
            returned: 0,
            reopen_count: 0,
            satisfaction: None,
            rating_note: None,
            rated_ms: None,
            pending: None,
            joint_meeting: None,
            track_token: "t".into(),
            version: 1,
            updated_ms: 0,
        }
    }

    fn rel(role: Role) -> Relation {
        Relation {
            role,
            in_scope: true,
            coordinates: true,
            is_assignee: false,
            is_reporter: false,
            called: false,
            system: false,
        }
    }

    fn handler() -> Relation {
        Relation {
            is_assignee: true,
            coordinates: false,
            ..rel(Role::DepartmentHandler)
        }
    }

    fn resident() -> Relation {
        Relation {
            is_reporter: true,
            coordinates: false,
            in_scope: false,
            ..rel(Role::Resident)
        }
    }

    fn happy_path(c: &mut Case) {
        let g = rel(Role::GridWorker);
        apply(
            c,
            &g,
            &Action::Accept {
                due_ms: 1000,
                coord_unit_id: 10,
                level: Level::Grid,
            },
            1,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        apply(
            c,
            &g,
            &Action::Dispatch {
                to: Assignee::Dept(5),
                response_due_ms: 100,
            },
            2,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        apply(c, &handler(), &Action::Sign, 3).unwrap_or_else(|e| panic!("{e:?}"));
        apply(
            c,
            &handler(),
            &Action::Feedback {
                result: "已修好".into(),
            },
            4,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        apply(
            c,
            &g,
            &Action::Verify {
                pass: true,
                note: String::new(),
            },
            5,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        apply(c, &g, &Action::Close, 6).unwrap_or_else(|e| panic!("{e:?}"));
    }

    #[test]
    fn the_whole_path() {
        let mut c = new_case();
        happy_path(&mut c);
        assert_eq!(c.status, Status::Closed);
        assert_eq!(c.closed_level, Some(Level::Grid));
        assert_eq!((c.responded_ms, c.closed_ms), (Some(3), Some(6)));
        apply(
            &mut c,
            &resident(),
            &Action::Rate {
                satisfaction: Satisfaction::Satisfied,
                note: String::new(),
            },
            7,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(c.satisfaction, Some(Satisfaction::Satisfied));
        // Rated once only.
        assert!(
            apply(
                &mut c,
                &resident(),
                &Action::Rate {
                    satisfaction: Satisfaction::Basic,
                    note: String::new()
                },
                8
            )
            .is_err()
        );
    }

    #[test]
    fn unsatisfied_reopens_once() {
        let mut c = new_case();
        happy_path(&mut c);
        let r = resident();
        apply(
            &mut c,
            &r,
            &Action::Rate {
                satisfaction: Satisfaction::Unsatisfied,
                note: "没修好".into(),
            },
            7,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((c.status, c.reopen_count), (Status::Dispatched, 1));
        assert_eq!(c.assignee_dept_id, Some(5), "back to the same handler");
        let g = rel(Role::GridWorker);
        apply(&mut c, &handler(), &Action::Sign, 8).unwrap_or_else(|e| panic!("{e:?}"));
        apply(
            &mut c,
            &handler(),
            &Action::Feedback {
                result: "再次维修".into(),
            },
            9,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        apply(
            &mut c,
            &g,
            &Action::Verify {
                pass: true,
                note: String::new(),
            },
            10,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        apply(&mut c, &g, &Action::Close, 11).unwrap_or_else(|e| panic!("{e:?}"));
        apply(
            &mut c,
            &r,
            &Action::Rate {
                satisfaction: Satisfaction::Unsatisfied,
                note: String::new(),
            },
            12,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            c.status,
            Status::Closed,
            "the second unsatisfied rating does not reopen"
        );
    }

    #[test]
    fn illegal_actions_change_nothing() {
        let mut c = new_case();
        let before = c.clone();
        assert!(apply(&mut c, &handler(), &Action::Sign, 1).is_err());
        assert!(
            apply(
                &mut c,
                &resident(),
                &Action::Accept {
                    due_ms: 1,
                    coord_unit_id: 1,
                    level: Level::Grid
                },
                1
            )
            .is_err()
        );
        assert!(apply(&mut c, &rel(Role::GridWorker), &Action::Close, 1).is_err());
        assert_eq!(c, before);
    }

    #[test]
    fn escalation_climbs_to_the_district_and_stops() {
        let mut c = new_case();
        let g = rel(Role::GridWorker);
        apply(
            &mut c,
            &g,
            &Action::Accept {
                due_ms: 1000,
                coord_unit_id: 10,
                level: Level::Grid,
            },
            1,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        for (i, lvl) in [Level::Community, Level::Subdistrict, Level::District]
            .into_iter()
            .enumerate()
        {
            apply(
                &mut c,
                &Relation::system(),
                &Action::Escalate {
                    reason: String::new(),
                    to_unit_id: 100 + i as i64,
                    overdue: true,
                },
                2,
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(c.level, lvl);
        }
        assert!(
            apply(
                &mut c,
                &Relation::system(),
                &Action::Escalate {
                    reason: String::new(),
                    to_unit_id: 1,
                    overdue: true
                },
                3
            )
            .is_err()
        );
        assert_eq!(c.escalations, 3);
        assert!(c.overdue);
    }

    #[test]
    fn whistle_only_at_subdistrict_level() {
        let mut c = new_case();
        let s = rel(Role::SubdistrictStaff);
        apply(
            &mut c,
            &s,
            &Action::Accept {
                due_ms: 1000,
                coord_unit_id: 10,
                level: Level::Community,
            },
            1,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(apply(&mut c, &s, &Action::Whistle, 2).is_err());
        apply(
            &mut c,
            &s,
            &Action::Escalate {
                reason: "需多部门".into(),
                to_unit_id: 3,
                overdue: false,
            },
            2,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(apply(&mut c, &s, &Action::Whistle, 3).is_ok());
        assert!(apply(&mut c, &rel(Role::CommunityStaff), &Action::Whistle, 3).is_err());
    }

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }

    fn any_relation() -> impl Strategy<Value = Relation> {
        (any_role(), any::<[bool; 6]>()).prop_map(|(role, b)| Relation {
            role,
            in_scope: b[0],
            coordinates: b[1],
            is_assignee: b[2],
            is_reporter: b[3],
            called: b[4],
            system: b[5] && b[0] && b[1],
        })
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Accept {
                due_ms: 5000,
                coord_unit_id: 10,
                level: Level::Grid
            }),
            Just(Action::Reject {
                reason: "重复".into()
            }),
            Just(Action::Dispatch {
                to: Assignee::Dept(5),
                response_due_ms: 300
            }),
            Just(Action::Dispatch {
                to: Assignee::Unit(3),
                response_due_ms: 300
            }),
            Just(Action::Sign),
            Just(Action::Request {
                kind: RequestKind::Extension,
                note: "材料未到".into(),
                days: Some(3),
                dept_id: None
            }),
            Just(Action::Request {
                kind: RequestKind::Transfer,
                note: "非本部门".into(),
                days: None,
                dept_id: Some(6)
            }),
            Just(Action::Approve {
                new_due_ms: Some(9000)
            }),
            Just(Action::Deny {
                note: String::new()
            }),
            Just(Action::Feedback {
                result: "已处理".into()
            }),
            Just(Action::Verify {
                pass: true,
                note: String::new()
            }),
            Just(Action::Verify {
                pass: false,
                note: "未修好".into()
            }),
            Just(Action::Close),
            Just(Action::Rate {
                satisfaction: Satisfaction::Unsatisfied,
                note: String::new()
            }),
            Just(Action::Rate {
                satisfaction: Satisfaction::Satisfied,
                note: String::new()
            }),
            Just(Action::Escalate {
                reason: "超出权限".into(),
                to_unit_id: 3,
                overdue: false
            }),
            Just(Action::Whistle),
            Just(Action::ReferJointMeeting {
                note: "多方协调".into()
            }),
        ]
    }

    fn invariants(c: &Case) -> std::result::Result<(), String> {
        let check = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(format!("{what}: {c:?}"))
            }
        };
        check(c.reopen_count <= 1, "reopened at most once")?;
        check(
            c.pending.is_none() || c.status == Status::Processing || c.status == Status::Dispatched,
            "requests only while handled",
        )?;
        check(
            c.status != Status::Closed
                || (c.closed_ms.is_some() && c.verified_ms.is_some() && c.closed_level.is_some()),
            "closed cases are verified",
        )?;
        check(
            !matches!(c.status, Status::Processing | Status::Feedback)
                || (c.responded_ms.is_some()
                    && (c.assignee_dept_id.is_some() || c.assignee_unit_id.is_some())),
            "work has a signed handler",
        )?;
        check(
            c.status == Status::Submitted
                || c.status == Status::Rejected
                || c.accepted_ms.is_some(),
            "past intake means accepted",
        )?;
        check(
            c.status != Status::Rejected || c.reject_reason.is_some(),
            "rejections have a reason",
        )?;
        check(
            !(c.assignee_dept_id.is_some() && c.assignee_unit_id.is_some()),
            "one assignee",
        )?;
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn no_sequence_reaches_an_illegal_state(steps in proptest::collection::vec((any_relation(), any_action()), 1..40)) {
            let mut c = new_case();
            let mut rejected = false;
            for (i, (r, a)) in steps.iter().enumerate() {
                let before = c.clone();
                let res = apply(&mut c, r, a, 10 + i as i64);
                match res {
                    Ok(_) => {
                        prop_assert!(!rejected || matches!(a, Action::Report), "nothing moves a rejected case");
                        prop_assert_eq!(c.version, before.version + 1);
                    }
                    Err(_) => prop_assert_eq!(&c, &before, "a refused action changes nothing"),
                }
                if c.status == Status::Rejected { rejected = true; }
                if let Err(e) = invariants(&c) { prop_assert!(false, "{}", e); }
            }
        }

        #[test]
        fn only_the_named_roles_may_act(r in any_relation()) {
            // From Feedback, only grid workers in scope or coordinating community/
            // sub-district/district staff may verify.
            let mut c = new_case();
            c.status = Status::Feedback;
            c.accepted_ms = Some(1);
            c.responded_ms = Some(2);
            c.assignee_dept_id = Some(5);
            let ok = apply(&mut c, &r, &Action::Verify { pass: true, note: String::new() }, 3).is_ok();
            let expected = (r.role == Role::GridWorker && r.in_scope)
                || (r.coordinates && matches!(r.role, Role::CommunityStaff | Role::SubdistrictStaff | Role::DistrictAdmin));
            prop_assert_eq!(ok, expected);
        }
    }
}
