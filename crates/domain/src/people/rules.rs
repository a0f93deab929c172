use chrono::{Datelike, NaiveDate};
use jiceng_core::error::Checker;

pub const ETHNIC_DEFAULT: &str = "汉族";

/// Mainland mobile (11 digits starting with 1) or a landline of digits and dashes.
pub fn phone_ok(p: &str) -> bool {
    let p = p.trim();
    let digits = p.chars().filter(|c| c.is_ascii_digit()).count();
    if p.len() == 11 && p.starts_with('1') && digits == 11 {
        return true;
    }
    p.chars().all(|c| c.is_ascii_digit() || c == '-') && (7..=13).contains(&digits) && p.len() <= 16
}

pub fn check_person_name(c: &mut Checker, name: &str) {
    let n = name.trim();
    if n.is_empty() {
        c.add("name", "姓名不能为空", "name must not be empty");
    } else if n.chars().count() > 50 {
        c.add(
            "name",
            "姓名不能超过50个字",
            "name must be at most 50 characters",
        );
    } else if n.contains(['<', '>', '&']) {
        c.add(
            "name",
            "姓名含有非法字符",
            "name contains invalid characters",
        );
    }
}

/// Full years between birth and a day.
pub fn age_on(birth: &str, today: NaiveDate) -> i64 {
    let Ok(b) = NaiveDate::parse_from_str(birth, "%Y-%m-%d") else {
        return 0;
    };
    let mut age = today.year() as i64 - b.year() as i64;
    if (today.month(), today.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    age.max(0)
}

pub const DWELLINGS: [(&str, &str, &str); 3] = [
    ("own", "自有住房", "Owner-occupied"),
    ("rent", "租住", "Rented"),
    ("other", "其他", "Other"),
];

pub fn dwelling_ok(d: &str) -> bool {
    DWELLINGS.iter().any(|(code, _, _)| *code == d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(phone_ok("13912345678"));
        assert!(phone_ok("0473-1234567"));
        assert!(!phone_ok("1391234567"));
        assert!(!phone_ok("abc"));
        assert!(!phone_ok("23912345678x"));
    }

    #[test]
    fn age_counts_birthdays() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        assert_eq!(age_on("1990-11-26", d), 36);
        assert_eq!(age_on("1990-11-27", d), 35);
        assert_eq!(age_on("bad", d), 0);
    }
}
