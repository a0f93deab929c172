//! Masking of personal data on screen and in the API.

/// `150302199001011234` → `150302********1234`.
pub fn id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `13912345678` → `139****5678`.
pub fn phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// `张晓明` → `张**`: used where a name must not be shown whole (public pages).
pub fn name(n: &str) -> String {
    let mut it = n.chars();
    match it.next() {
        Some(first) => format!("{first}{}", "*".repeat(it.count())),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_id_as_the_issue_shows() {
        assert_eq!(id_number("15030219900101123X"), "150302********123X");
        assert_eq!(phone("13912345678"), "139****5678");
        assert_eq!(name("张晓明"), "张**");
    }

    proptest::proptest! {
        #[test]
        fn masked_id_never_contains_the_birth_date(y in 1930u32..2020, m in 1u32..13, d in 1u32..29) {
            let id = format!("150302{y:04}{m:02}{d:02}123X");
            let masked = id_number(&id);
            let birth = format!("{y:04}{m:02}{d:02}");
            proptest::prop_assert!(!masked.contains(&birth));
            proptest::prop_assert_eq!(masked.chars().count(), 18);
        }
    }
}
