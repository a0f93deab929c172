//! The resident identity number of GB 11643-1999: 6-digit region, 8-digit birth date,
//! 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdInfo {
    pub region: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    Length,
    Characters,
    BirthDate,
    CheckDigit,
}

impl IdError {
    pub fn zh(self) -> &'static str {
        match self {
            IdError::Length => "身份证号应为18位",
            IdError::Characters => "身份证号只能包含数字，末位可为X",
            IdError::BirthDate => "身份证号中的出生日期无效",
            IdError::CheckDigit => "身份证号校验位错误",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            IdError::Length => "ID number must have 18 characters",
            IdError::Characters => "ID number must be digits, the last may be X",
            IdError::BirthDate => "ID number holds an invalid birth date",
            IdError::CheckDigit => "ID number check digit is wrong",
        }
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

/// Normalises (trims, upper-cases x) and validates an ID number.
pub fn normalise(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}

pub fn parse(id: &str) -> Result<IdInfo, IdError> {
    let id = normalise(id);
    if id.chars().count() != 18 {
        return Err(IdError::Length);
    }
    let (body, last) = id.split_at(17);
    if !body.chars().all(|c| c.is_ascii_digit())
        || !last.chars().all(|c| c.is_ascii_digit() || c == 'X')
    {
        return Err(IdError::Characters);
    }
    let birth =
        NaiveDate::parse_from_str(&body[6..14], "%Y%m%d").map_err(|_| IdError::BirthDate)?;
    if birth.year() < 1880 {
        return Err(IdError::BirthDate);
    }
    let expected = check_char(body).ok_or(IdError::Characters)?;
    if !last.starts_with(expected) {
        return Err(IdError::CheckDigit);
    }
    let seq: u32 = body[14..17].parse().map_err(|_| IdError::Characters)?;
    Ok(IdInfo {
        region: body[..6].to_string(),
        birth_date: birth,
        sex: if seq % 2 == 1 { Sex::Male } else { Sex::Female },
    })
}

/// Builds a valid ID from its parts (demo data and tests).
pub fn make(region: &str, birth: NaiveDate, seq: u32) -> String {
    let body = format!("{region}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let c = check_char(&body).unwrap_or('0');
    format!("{body}{c}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_number() {
        // A standard published example of a valid number.
        let info = parse("11010519491231002X").ok();
        assert_eq!(
            info,
            Some(IdInfo {
                region: "110105".into(),
                birth_date: NaiveDate::from_ymd_opt(1949, 12, 31).unwrap_or_default(),
                sex: Sex::Female,
            })
        );
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(parse("110105194912310021"), Err(IdError::CheckDigit));
        assert_eq!(parse("11010519491331002X"), Err(IdError::BirthDate));
        assert_eq!(parse("1101051949"), Err(IdError::Length));
        assert_eq!(parse("1101051949123100AX"), Err(IdError::Characters));
    }

    proptest! {
        #[test]
        fn made_numbers_parse_back(days in 0i64..40000, seq in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap_or_default() + chrono::Duration::days(days);
            let id = make("150302", birth, seq);
            let info = parse(&id);
            prop_assert!(info.is_ok());
            let info = info.unwrap_or_else(|_| unreachable!());
            prop_assert_eq!(info.birth_date, birth);
            prop_assert_eq!(info.sex == Sex::Male, seq % 2 == 1);
        }

        #[test]
        fn changing_one_digit_breaks_the_check(days in 0i64..40000, seq in 0u32..1000, pos in 0usize..17, delta in 1u32..10) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap_or_default() + chrono::Duration::days(days);
            let id = make("150302", birth, seq);
            let mut chars: Vec<char> = id.chars().collect();
            let d = chars[pos].to_digit(10).unwrap_or(0);
            chars[pos] = char::from_digit((d + delta) % 10, 10).unwrap_or('0');
            let changed: String = chars.into_iter().collect();
            // A single-digit change is always caught by MOD 11-2 (or breaks the date).
            prop_assert!(parse(&changed).is_err());
        }
    }
}
