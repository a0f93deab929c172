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

/// Every figure the seed gives, computed now. Figures of capabilities not built yet are
/// listed with no computed value, so the gap is visible rather than hidden.
pub async fn all(ctx: &crate::Ctx) -> jiceng_core::Result<Vec<Figure>> {
    let mut out = vec![];
    out.extend(org_figures(ctx).await?);
    out.extend(crate::network::service::figures(ctx).await?);
    out.extend(crate::workforce::service::figures(ctx).await?);
    out.extend(crate::party::service::figures(ctx).await?);
    // The emergency capability will set up temporary branches; count what exists.
    let temporary_branches = ctx
        .party
        .temporary_in("/")
        .await?
        .into_iter()
        .filter(|o| o.kind == crate::party::model::OrgKind::Branch)
        .count() as i64;
    let mut t = Figure::new(
        "temporary_branches",
        "临时党支部",
        "Temporary party branches",
        temporary_branches.to_string(),
        "384",
        "mobilisation",
    );
    t.agrees = temporary_branches == 384;
    out.push(t);
    for (key, zh, en, seed, source) in [
        (
            "service_items",
            "下放街道的审批服务事项",
            "Service items delegated to sub-districts",
            "1084",
            "services",
        ),
        (
            "volunteers",
            "战时动员志愿者",
            "Volunteers mobilised",
            "10000+",
            "mobilisation",
        ),
        (
            "cadres_mobilised",
            "下沉干部",
            "Cadres sent down",
            "3000+",
            "mobilisation",
        ),
        (
            "assault_teams",
            "党员突击队",
            "Party-member assault teams",
            "49",
            "mobilisation",
        ),
        (
            "pioneer_posts",
            "党员先锋岗",
            "Party-member pioneer posts",
            "518",
            "mobilisation",
        ),
    ] {
        out.push(Figure {
            key: key.into(),
            label_zh: zh.into(),
            label_en: en.into(),
            computed: "—".into(),
            seed: seed.into(),
            agrees: false,
            source: format!("{source} (pending)"),
        });
    }
    Ok(out)
}

/// Figures from the organisation and the people: the urbanisation rate (residents of
/// urban communities — 社区 — among all residents; villages — 村 — are rural).
async fn org_figures(ctx: &crate::Ctx) -> jiceng_core::Result<Vec<Figure>> {
    use crate::org::UnitKind;
    let mut urban = 0;
    let mut all = 0;
    for root in ctx.org.roots().await? {
        let counts: std::collections::HashMap<String, i64> = ctx
            .org
            .resident_counts(&root.path, UnitKind::Community)
            .await?
            .into_iter()
            .collect();
        for c in ctx
            .org
            .units_in(&root.path, UnitKind::Community, 1_000_000)
            .await?
        {
            let n = counts.get(&c.path).copied().unwrap_or(0);
            all += n;
            if !c.official_name.ends_with("村委会") {
                urban += n;
            }
        }
    }
    Ok(vec![Figure::new(
        "urbanisation",
        "城市化率（城镇社区居民占比）",
        "Urbanisation rate (residents of urban communities)",
        percent(urban, all, 1),
        "94.7%",
        "org",
    )])
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
