//! The party tree's rules as plain functions.

use chrono::NaiveDate;
use jiceng_core::error::Checker;

use super::model::*;

/// Which kinds of organisation may sit directly under which (None = a root).
/// 区委 → 街道党工委 → 社区党委 / 党总支 → 党支部 → 党小组; unit, sector, non-public and
/// social-organisation party organisations sit under the 区委, a 街道党工委, a 社区党委 or
/// a 行业党委; a 党小组 only under a 党支部 (of any field).
pub fn child_allowed(parent: Option<OrgKind>, child: OrgKind) -> bool {
    use OrgKind::*;
    match child {
        DistrictCommittee => parent.is_none(),
        StreetCommittee => parent == Some(DistrictCommittee),
        CommunityCommittee => parent == Some(StreetCommittee),
        GeneralBranch => matches!(
            parent,
            Some(
                DistrictCommittee
                    | StreetCommittee
                    | CommunityCommittee
                    | UnitOrg
                    | SectorOrg
                    | NonPublicOrg
                    | SocialOrg
            )
        ),
        Branch => matches!(
            parent,
            Some(
                DistrictCommittee
                    | StreetCommittee
                    | CommunityCommittee
                    | GeneralBranch
                    | UnitOrg
                    | SectorOrg
                    | NonPublicOrg
                    | SocialOrg
            )
        ),
        Group => matches!(parent, Some(Branch | UnitOrg | NonPublicOrg | SocialOrg)),
        UnitOrg | SectorOrg | NonPublicOrg | SocialOrg => matches!(
            parent,
            Some(DistrictCommittee | StreetCommittee | CommunityCommittee | SectorOrg)
        ),
    }
}

/// The kinds that may be set up as temporary (临时党总支 / 临时党支部 / 临时党小组).
pub fn may_be_temporary(kind: OrgKind) -> bool {
    matches!(
        kind,
        OrgKind::GeneralBranch | OrgKind::Branch | OrgKind::Group
    )
}

/// The kinds allowed under a parent, for forms.
pub fn children_of(parent: OrgKind) -> Vec<OrgKind> {
    OrgKind::ALL
        .iter()
        .copied()
        .filter(|k| child_allowed(Some(parent), *k))
        .collect()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// A required `YYYY-MM-DD` date, not after `latest` when given.
pub fn check_date(
    c: &mut Checker,
    field: &str,
    s: &str,
    latest: Option<NaiveDate>,
) -> Option<String> {
    match parse_date(s) {
        None => {
            c.add(
                field,
                "日期格式应为 年-月-日（如 2024-05-01）",
                "date must be YYYY-MM-DD",
            );
            None
        }
        Some(d) if d.year_ce().1 < 1921 => {
            c.add(field, "日期过早", "date is too early");
            None
        }
        Some(d) if latest.is_some_and(|l| d > l) => {
            c.add(field, "日期不能晚于今天", "date cannot be in the future");
            None
        }
        Some(d) => Some(d.format("%Y-%m-%d").to_string()),
    }
}

use chrono::Datelike;

/// Organisation codes: 2–40 characters of A–Z, 0–9, `.` and `-`.
pub fn code_ok(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

/// The next free child code: the parent's code, a dot and a two-digit number.
pub fn next_code(parent_code: &str, used: &[String]) -> Option<String> {
    (1..=999)
        .map(|n| format!("{parent_code}.{n:02}"))
        .find(|c| !used.contains(c))
}

pub fn check_text(c: &mut Checker, field: &str, s: &str, max: usize, required: bool) {
    let t = s.trim();
    if required && t.is_empty() {
        c.add(field, "不能为空", "must not be empty");
    } else if t.chars().count() > max {
        c.push(jiceng_core::FieldError::new(
            field,
            format!("不能超过{max}个字"),
            format!("must be at most {max} characters"),
        ));
    } else if t.contains(['<', '>']) {
        c.add(field, "含有非法字符", "contains invalid characters");
    }
}

/// `HH:MM`.
pub fn time_ok(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok() && s.len() == 5
}

/// Parses `1,2,3` / `12345` / `1-5` into weekdays 1..=7.
pub fn parse_weekdays(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    let mut out: Vec<u8> = Vec::new();
    if let Some((a, b)) = s.split_once('-') {
        let (a, b): (u8, u8) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        if !(1..=7).contains(&a) || !(1..=7).contains(&b) || a > b {
            return None;
        }
        out.extend(a..=b);
    } else {
        for ch in s.chars().filter(|c| *c != ',' && *c != ' ' && *c != '，') {
            let d = ch.to_digit(10)? as u8;
            if !(1..=7).contains(&d) {
                return None;
            }
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out.sort_unstable();
    (!out.is_empty()).then_some(out)
}

pub fn weekdays_text(days: &[u8]) -> String {
    days.iter().map(|d| d.to_string()).collect()
}

/// Checks an availability window given as weekday text and two times.
pub fn check_availability(
    c: &mut Checker,
    weekdays: &str,
    from: &str,
    to: &str,
) -> Option<Availability> {
    let days = parse_weekdays(weekdays);
    if days.is_none() {
        c.add(
            "weekdays",
            "服务日应为1–7的数字（1=周一），如 135 或 1-5",
            "weekdays: digits 1–7 (1 = Monday), e.g. 135 or 1-5",
        );
    }
    let (from, to) = (from.trim(), to.trim());
    if !time_ok(from) || !time_ok(to) || from >= to {
        c.add(
            "time",
            "时段应为 时:分，且开始早于结束（如 09:00–11:30）",
            "time window: HH:MM with the start before the end",
        );
        return None;
    }
    days.map(|weekdays| Availability {
        weekdays,
        from: from.to_string(),
        to: to.to_string(),
    })
}

impl Availability {
    /// Whether the window covers a weekday (1 = Monday) and a time `HH:MM`.
    pub fn covers(&self, weekday: u8, time: &str) -> bool {
        self.weekdays.contains(&weekday) && self.from.as_str() <= time && time < self.to.as_str()
    }
    pub fn describe(&self, lang: jiceng_core::Lang) -> String {
        const ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let names: Vec<&str> = self
            .weekdays
            .iter()
            .filter_map(|d| {
                let i = (*d as usize).checked_sub(1)?;
                if lang == jiceng_core::Lang::En {
                    EN.get(i).copied()
                } else {
                    ZH.get(i).copied()
                }
            })
            .collect();
        if lang == jiceng_core::Lang::En {
            format!("{} {}–{}", names.join(" "), self.from, self.to)
        } else {
            format!("周{} {}–{}", names.join("、"), self.from, self.to)
        }
    }
}

/// Counts per link type, in the order of [`LinkType::ALL`].
pub fn count_by_link(acts: &[Activity]) -> Vec<(LinkType, i64)> {
    LinkType::ALL
        .iter()
        .map(|l| (*l, acts.iter().filter(|a| a.link == *l).count() as i64))
        .collect()
}

/// People holding a post in both committees (交叉任职): same name and phone.
pub fn cross_appointed(party: &[Position], residents: &[Position]) -> Vec<String> {
    let mut out: Vec<String> = party
        .iter()
        .filter(|p| {
            residents
                .iter()
                .any(|r| r.person_name == p.person_name && r.phone == p.phone)
        })
        .map(|p| p.person_name.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrgKind::*;

    #[test]
    fn the_tree_goes_district_street_community_branch_group() {
        assert!(child_allowed(None, DistrictCommittee));
        assert!(child_allowed(Some(DistrictCommittee), StreetCommittee));
        assert!(child_allowed(Some(StreetCommittee), CommunityCommittee));
        assert!(child_allowed(Some(CommunityCommittee), Branch));
        assert!(child_allowed(Some(StreetCommittee), GeneralBranch));
        assert!(child_allowed(Some(GeneralBranch), Branch));
        assert!(child_allowed(Some(Branch), Group));
        assert!(child_allowed(Some(NonPublicOrg), Group));
    }

    #[test]
    fn a_group_only_under_a_branch() {
        for p in OrgKind::ALL {
            let ok = child_allowed(Some(*p), Group);
            assert_eq!(
                ok,
                matches!(p, Branch | UnitOrg | NonPublicOrg | SocialOrg),
                "{p:?}"
            );
        }
        assert!(!child_allowed(None, Group));
        assert!(!child_allowed(Some(Group), Branch));
        assert!(!child_allowed(Some(Group), Group));
        assert!(!child_allowed(Some(CommunityCommittee), StreetCommittee));
        assert!(!child_allowed(Some(Branch), CommunityCommittee));
        assert!(!child_allowed(Some(DistrictCommittee), DistrictCommittee));
    }

    #[test]
    fn only_branches_and_groups_are_temporary() {
        assert!(may_be_temporary(Branch));
        assert!(may_be_temporary(Group));
        assert!(may_be_temporary(GeneralBranch));
        assert!(!may_be_temporary(CommunityCommittee));
    }

    #[test]
    fn codes_and_weekdays() {
        assert!(code_ok("D150302.01"));
        assert!(!code_ok("d 1"));
        assert_eq!(
            next_code("D1", &["D1.01".into(), "D1.03".into()]).as_deref(),
            Some("D1.02")
        );
        assert_eq!(parse_weekdays("1-5"), Some(vec![1, 2, 3, 4, 5]));
        assert_eq!(parse_weekdays("6,7"), Some(vec![6, 7]));
        assert_eq!(parse_weekdays("531"), Some(vec![1, 3, 5]));
        assert_eq!(parse_weekdays("8"), None);
        assert_eq!(parse_weekdays(""), None);
        let a = Availability {
            weekdays: vec![6, 7],
            from: "09:00".into(),
            to: "11:30".into(),
        };
        assert!(a.covers(6, "10:00"));
        assert!(!a.covers(1, "10:00"));
        assert!(!a.covers(7, "11:30"));
    }

    proptest::proptest! {
        #[test]
        fn every_kind_but_the_district_needs_a_parent(i in 0usize..10) {
            let k = OrgKind::ALL[i % OrgKind::ALL.len()];
            proptest::prop_assert_eq!(child_allowed(None, k), k == DistrictCommittee);
            // No kind may sit under a party group.
            proptest::prop_assert!(!child_allowed(Some(Group), k));
        }
    }
}
