//! The seed's figures ("海勃湾实践 · 数据对照"): each one computed from the platform's
//! data now, beside the value the district's own account gives, and whether they agree.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Stable key, e.g. `leaders_under_45`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    /// The value computed from data, formatted as the seed writes it (`61.54%`, `124`, `1+7+41`).
    pub computed: String,
    /// The value in the seed.
    pub seed: String,
    pub agrees: bool,
    /// The capability the figure comes from (org, workforce, network …).
    pub source: String,
}

impl Figure {
    pub fn new(
        key: &str,
        label_zh: &str,
        label_en: &str,
        computed: String,
        seed: &str,
        source: &str,
    ) -> Figure {
        let agrees = computed == seed;
        Figure {
            key: key.into(),
            label_zh: label_zh.into(),
            label_en: label_en.into(),
            computed,
            seed: seed.into(),
            agrees,
            source: source.into(),
        }
    }

    /// A count against a seed that says "N+" (at least N).
    pub fn at_least(
        key: &str,
        label_zh: &str,
        label_en: &str,
        computed: i64,
        seed_min: i64,
        source: &str,
    ) -> Figure {
        Figure {
            key: key.into(),
            label_zh: label_zh.into(),
            label_en: label_en.into(),
            computed: computed.to_string(),
            seed: format!("{seed_min}+"),
            agrees: computed >= seed_min,
            source: source.into(),
        }
    }
}

/// A share formatted as the seed writes it: `61.54%`.
pub fn percent(num: i64, den: i64, decimals: usize) -> String {
    if den == 0 {
        return "—".into();
    }
    format!("{:.*}%", decimals, num as f64 * 100.0 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_as_the_seed_writes_them() {
        assert_eq!(percent(32, 52, 2), "61.54%");
        assert_eq!(percent(45, 52, 2), "86.54%");
        assert_eq!(percent(4, 52, 2), "7.69%");
        assert_eq!(percent(1, 0, 2), "—");
        assert!(Figure::new("k", "", "", "124".into(), "124", "w").agrees);
        assert!(Figure::at_least("k", "", "", 10_012, 10_000, "m").agrees);
        assert!(!Figure::at_least("k", "", "", 9_999, 10_000, "m").agrees);
    }
}
