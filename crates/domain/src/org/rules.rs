//! Rules of the organisation tree, as plain functions.

use jiceng_core::error::Checker;
use jiceng_core::{DomainError, Result};

use super::model::{OrgUnit, UnitKind, UnitStatus};

pub const MAX_NAME_CHARS: usize = 60;

/// Validates a display name: not empty, not too long, no markup.
pub fn check_name(c: &mut Checker, field: &str, name: &str) {
    let n = name.trim();
    if n.is_empty() {
        c.add(field, "名称不能为空", "name must not be empty");
    } else if n.chars().count() > MAX_NAME_CHARS {
        c.add(
            field,
            "名称不能超过60个字",
            "name must be at most 60 characters",
        );
    } else if n.contains(['<', '>']) {
        c.add(field, "名称不能包含 < 或 >", "name must not contain < or >");
    }
}

/// The code a child of `parent` must have: the parent's code plus the right number of
/// digits (grid: 3 digits per GB/T 30428.1; below the grid: 2, 3, 2).
pub fn check_child_code(parent: &OrgUnit, kind: UnitKind, code: &str) -> Result<()> {
    if parent.kind.child() != Some(kind) {
        return Err(DomainError::field(
            "kind",
            "上级单位类型不符",
            "this kind of unit cannot be placed under that parent",
        ));
    }
    if code.len() != kind.code_len() || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(DomainError::Validation(vec![jiceng_core::FieldError::new(
            "code",
            format!("{}编码应为{}位数字", kind.label_zh(), kind.code_len()),
            format!(
                "{} code must have {} digits",
                kind.label_en(),
                kind.code_len()
            ),
        )]));
    }
    if !code.starts_with(&parent.code) {
        return Err(DomainError::field(
            "code",
            "编码须以上级单位编码开头",
            "code must start with the parent's code",
        ));
    }
    if code[parent.code.len()..].chars().all(|c| c == '0') {
        return Err(DomainError::field(
            "code",
            "编码序号不能全为0",
            "the number part of the code must not be all zeros",
        ));
    }
    Ok(())
}

/// The next free child code given the codes already used (retired ones included: a
/// code is never reused).
pub fn next_child_code(parent_code: &str, kind: UnitKind, used: &[String]) -> Option<String> {
    let width = kind.code_len().checked_sub(parent_code.len())?;
    let max = used
        .iter()
        .filter(|c| c.len() == kind.code_len() && c.starts_with(parent_code))
        .filter_map(|c| c[parent_code.len()..].parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let next = max + 1;
    if next >= 10u64.pow(width as u32) {
        return None;
    }
    Some(format!("{parent_code}{next:0width$}"))
}

/// A unit may move only under an active parent of the kind its own parent had, and
/// never into its own subtree.
pub fn check_move(unit: &OrgUnit, new_parent: &OrgUnit) -> Result<()> {
    if unit.status == UnitStatus::Retired || new_parent.status == UnitStatus::Retired {
        return Err(DomainError::rule(
            "已撤销的单位不能调整",
            "retired units cannot be moved or receive units",
        ));
    }
    if new_parent.kind.child() != Some(unit.kind) {
        return Err(DomainError::rule(
            "只能调整到同级别的上级单位下",
            "a unit can only move under a parent of the same level",
        ));
    }
    if new_parent.path.starts_with(&unit.path) {
        return Err(DomainError::rule(
            "不能调整到自身下级",
            "a unit cannot move into its own subtree",
        ));
    }
    if Some(new_parent.id) == unit.parent_id {
        return Err(DomainError::rule(
            "已在该上级单位下",
            "the unit is already under that parent",
        ));
    }
    Ok(())
}

/// A unit may be retired only when nothing active remains below it.
pub fn check_retire(unit: &OrgUnit, active_children: i64, households: i64) -> Result<()> {
    if unit.status == UnitStatus::Retired {
        return Err(DomainError::rule(
            "该单位已撤销",
            "the unit is already retired",
        ));
    }
    if unit.kind == UnitKind::District {
        return Err(DomainError::rule(
            "区不能撤销",
            "a district cannot be retired",
        ));
    }
    if active_children > 0 || households > 0 {
        return Err(DomainError::rule(
            "该单位下仍有在用的下级单位或住户，请先调整或撤销",
            "the unit still has active units or households below it: move or retire them first",
        ));
    }
    Ok(())
}

/// The codes of a materialised path, root first.
pub fn path_codes(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The path of a child below a parent path.
pub fn child_path(parent_path: Option<&str>, code: &str) -> String {
    // Sized once: `format!` grew the string twice (imports make hundreds of thousands).
    let parent = parent_path.unwrap_or("/");
    let mut path = String::with_capacity(parent.len() + code.len() + 1);
    path.push_str(parent);
    path.push_str(code);
    path.push('/');
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_child_path_is_its_parents_path_and_its_code() {
        assert_eq!(child_path(None, "150302"), "/150302/");
        let street = child_path(Some("/150302/"), "150302001");
        assert_eq!(street, "/150302/150302001/");
        assert_eq!(path_codes(&street), ["150302", "150302001"]);
    }

    #[test]
    fn a_code_names_its_kind_by_length() {
        assert_eq!(UnitKind::of_code("150302"), Some(UnitKind::District));
        assert_eq!(UnitKind::of_code("150302001"), Some(UnitKind::Subdistrict));
        assert_eq!(UnitKind::of_code("150302001002"), Some(UnitKind::Community));
        assert_eq!(UnitKind::of_code("150302001002001"), Some(UnitKind::Grid));
        assert_eq!(UnitKind::of_code("1503020010020010101"), None);
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::of_code(&"1".repeat(k.code_len())), Some(k));
        }
    }

    fn unit(id: i64, kind: UnitKind, code: &str, path: &str) -> OrgUnit {
        OrgUnit {
            id,
            code: code.into(),
            kind,
            name: "x".into(),
            official_name: "x".into(),
            parent_id: None,
            path: path.into(),
            grid_type: None,
            boundary: None,
            address: None,
            status: UnitStatus::Active,
            created_ms: 0,
            retired_ms: None,
            version: 1,
        }
    }

    #[test]
    fn grid_code_is_community_plus_three_digits() {
        let c = unit(3, UnitKind::Community, "150302001002", "/1/2/3/");
        assert!(check_child_code(&c, UnitKind::Grid, "150302001002007").is_ok());
        assert!(check_child_code(&c, UnitKind::Grid, "15030200100207").is_err());
        assert!(check_child_code(&c, UnitKind::Grid, "150302001003007").is_err());
        assert!(check_child_code(&c, UnitKind::Grid, "150302001002000").is_err());
        assert!(check_child_code(&c, UnitKind::Estate, "15030200100200701").is_err());
    }

    #[test]
    fn next_code_skips_retired_codes() {
        let used = vec!["150302001002001".to_string(), "150302001002004".to_string()];
        assert_eq!(
            next_child_code("150302001002", UnitKind::Grid, &used).as_deref(),
            Some("150302001002005")
        );
        assert_eq!(
            next_child_code("150302001002", UnitKind::Grid, &[]).as_deref(),
            Some("150302001002001")
        );
        let full = vec!["150302001002999".to_string()];
        assert_eq!(next_child_code("150302001002", UnitKind::Grid, &full), None);
    }

    #[test]
    fn cannot_move_into_own_subtree_or_across_levels() {
        let mut g = unit(10, UnitKind::Grid, "150302001002001", "/1/2/3/10/");
        g.parent_id = Some(3);
        let other = unit(4, UnitKind::Community, "150302001003", "/1/2/4/");
        assert!(check_move(&g, &other).is_ok());
        let same = unit(3, UnitKind::Community, "150302001002", "/1/2/3/");
        assert!(check_move(&g, &same).is_err());
        let sub = unit(2, UnitKind::Subdistrict, "150302001", "/1/2/");
        assert!(check_move(&g, &sub).is_err());
        let c = unit(3, UnitKind::Community, "150302001002", "/1/2/3/");
        let below = unit(10, UnitKind::Subdistrict, "x", "/1/2/3/10/");
        assert!(check_move(&c, &below).is_err());
    }

    #[test]
    fn retire_needs_an_empty_unit() {
        let g = unit(10, UnitKind::Grid, "150302001002001", "/1/2/3/10/");
        assert!(check_retire(&g, 0, 0).is_ok());
        assert!(check_retire(&g, 1, 0).is_err());
        assert!(check_retire(&g, 0, 3).is_err());
    }

    proptest! {
        #[test]
        fn next_code_is_fresh_and_valid(nums in proptest::collection::vec(1u64..999, 0..20)) {
            let used: Vec<String> = nums.iter().map(|n| format!("150302001002{n:03}")).collect();
            if let Some(code) = next_child_code("150302001002", UnitKind::Grid, &used) {
                prop_assert!(!used.contains(&code));
                let c = unit(3, UnitKind::Community, "150302001002", "/1/2/3/");
                prop_assert!(check_child_code(&c, UnitKind::Grid, &code).is_ok());
            }
        }
    }
}
