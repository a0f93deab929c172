use chrono::{Datelike, NaiveDate};
use jiceng_core::error::Checker;

pub const ETHNIC_DEFAULT: &str = "汉族";

/// Mainland mobile (11 digits starting with 1), a landline with its area code
/// (starting with 0, 10–12 digits, one optional dash after the area code), or a local
/// 7–8 digit number.
pub fn phone_ok(p: &str) -> bool {
    let p = p.trim();
    if p.is_empty() || p.len() > 16 || !p.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return false;
    }
    let dashes = p.matches('-').count();
    let digits: String = p.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.chars().next() {
        Some('1') => dashes == 0 && digits.len() == 11,
        Some('0') => {
            dashes <= 1
                && !p.starts_with('-')
                && !p.ends_with('-')
                && (10..=12).contains(&digits.len())
        }
        Some(_) => dashes == 0 && (7..=8).contains(&digits.len()),
        None => false,
    }
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
        assert!(phone_ok("04733456789"));
        assert!(phone_ok("3456789"));
        assert!(!phone_ok("0473--3456789"));
        assert!(!phone_ok("139-1234-5678"));
    }

    #[test]
    fn age_counts_birthdays() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        assert_eq!(age_on("1990-11-26", d), 36);
        assert_eq!(age_on("1990-11-27", d), 35);
        assert_eq!(age_on("bad", d), 0);
    }
}
