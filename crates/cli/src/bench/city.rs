//! `jiceng bench city`: builds a deterministic synthetic city of any size into an empty
//! database (`SqlStore::city_build`, bulk statements), reports rows per second per
//! table, then times the three rates for every district, sub-district and community.

use std::time::Instant;

use chrono::{Datelike, TimeZone};

use jiceng_core::{Actor, Result};
use jiceng_domain::Ctx;
use jiceng_domain::appeals::CaseQuery;
use jiceng_domain::appeals::service::{Breakdown, rates};
use jiceng_domain::appeals::store::RateGroup;
use jiceng_domain::city::{CityOptions, CityReport};
use jiceng_domain::org::OrgUnit;
use jiceng_store::SqlStore;

#[derive(Debug, Clone)]
pub struct CityArgs {
    pub residents: u64,
    pub grids: Option<u64>,
    pub cases: Option<u64>,
    pub years: u32,
    pub seed: u64,
    /// Also count one district's rates live from the cases (a scan), for contrast.
    pub live: bool,
    /// Measure the city already in the database instead of building one.
    pub measure_only: bool,
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_report(r: &CityReport, bytes: i64) {
    println!("\n| table | rows | seconds | rows/s |");
    println!("|---|---:|---:|---:|");
    let mut rows = 0;
    for t in &r.tables {
        rows += t.rows;
        if t.rows == 0 {
            // A step without rows of its own (PostgreSQL's index builds after the load).
            println!("| {} | | {:.2} | |", t.table, t.seconds);
            continue;
        }
        println!(
            "| {} | {} | {:.2} | {} |",
            t.table,
            thousands(t.rows),
            t.seconds,
            thousands(t.per_second() as u64)
        );
    }
    println!(
        "| **total** (wall) | {} | {:.2} | {} |",
        thousands(rows),
        r.seconds,
        thousands((rows as f64 / r.seconds.max(1e-9)) as u64)
    );
    println!(
        "\ncity: {} districts, {} sub-districts, {} communities, {} grids, {} estates, {} buildings, {} departments; {} households, {} residents; {} cases ({} open), {} events, {} rollup rows",
        r.districts,
        r.subdistricts,
        r.communities,
        thousands(r.grids),
        thousands(r.estates),
        thousands(r.buildings),
        thousands(r.departments),
        thousands(r.households),
        thousands(r.residents),
        thousands(r.cases),
        thousands(r.open_cases),
        thousands(r.events),
        thousands(r.rollup_rows),
    );
    println!(
        "generator thread (make, encrypt, serialise; alongside the writes): {:.1} s busy; the writer waited {:.1} s for it",
        r.generator_seconds, r.waited_seconds
    );
    println!(
        "database size: {:.1} MB ({:.0} bytes per case+resident)",
        bytes as f64 / 1e6,
        bytes as f64 / (r.cases + r.residents).max(1) as f64
    );
}

/// Count, p50, p90 and max of a set of timings in milliseconds.
fn summary(ms: &mut [f64]) -> (usize, f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| -> f64 {
        if ms.is_empty() {
            return 0.0;
        }
        ms[((ms.len() - 1) as f64 * q).round() as usize]
    };
    (ms.len(), at(0.5), at(0.9), at(1.0))
}

/// Times `rates` (the unit and its children, since `from_ms` or over the whole history)
/// for each unit: (ms each, cases of each).
async fn time_rates(
    ctx: &Ctx,
    units: &[OrgUnit],
    from_ms: Option<i64>,
) -> Result<(Vec<f64>, Vec<i64>)> {
    let sys = Actor::system();
    let mut ms = Vec::with_capacity(units.len());
    let mut cases = Vec::with_capacity(units.len());
    for u in units {
        let t = Instant::now();
        let r = rates(ctx, &sys, Some(u.id), from_ms, None, Breakdown::Children).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        cases.push(r.total.counts.total);
    }
    Ok((ms, cases))
}

pub async fn run(store: &SqlStore, ctx: &Ctx, args: CityArgs) -> Result<()> {
    let mut opts = CityOptions::new(args.residents, ctx.now_ms());
    if let Some(g) = args.grids {
        opts.grids = g;
    }
    if let Some(c) = args.cases {
        opts.cases = c;
    }
    opts.years = args.years;
    opts.seed = args.seed;
    if args.measure_only {
        println!(
            "(measuring the city in the database: {:.1} MB)",
            store.city_db_bytes().await? as f64 / 1e6
        );
    } else {
        println!(
            "## bench city: {} residents, {} grids, {} cases over {} years (seed {}), {:?}",
            thousands(opts.residents),
            thousands(opts.grids),
            thousands(opts.cases),
            opts.years,
            opts.seed,
            store.backend
        );
        let report = store
            .city_build(&ctx.cipher, &opts, &|line: &str| println!("  {line}"))
            .await?;
        let bytes = store.city_db_bytes().await?;
        print_report(&report, bytes);
    }

    let t = Instant::now();
    store.optimize().await?;
    println!("\nANALYZE: {:.1} s", t.elapsed().as_secs_f64());

    // Every district, sub-district and community.
    let districts = ctx.org.roots().await?;
    let mut subdistricts = vec![];
    for d in &districts {
        subdistricts.extend(ctx.org.children(d.id, false).await?);
    }
    let mut communities = vec![];
    for s in &subdistricts {
        communities.extend(ctx.org.children(s.id, false).await?);
    }
    println!("\n## the three rates: `rates()` for the unit and its children, from the rollup");
    println!("| level | units | p50 ms | p90 ms | max ms | cases per unit (median) |");
    println!("|---|---:|---:|---:|---:|---:|");
    // The last twelve whole months and the current one: a window that does not grow
    // with the history.
    let year_ago = {
        let now = chrono::DateTime::from_timestamp_millis(ctx.now_ms())
            .unwrap_or_default()
            .with_timezone(&jiceng_core::clock::china());
        let months = now.year() * 12 + now.month0() as i32 - 12;
        jiceng_core::clock::china()
            .with_ymd_and_hms(months / 12, months as u32 % 12 + 1, 1, 0, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
    };
    let mut worst = 0.0f64;
    for (name, units, from) in [
        ("district", &districts, None),
        ("sub-district", &subdistricts, None),
        ("community", &communities, None),
        ("district (again, warm)", &districts, None),
        ("district, last 12 months", &districts, year_ago),
        ("sub-district, last 12 months", &subdistricts, year_ago),
    ] {
        let (mut ms, mut cases) = time_rates(ctx, units, from).await?;
        let (n, p50, p90, max) = summary(&mut ms);
        if from.is_none() && !name.contains("again") {
            worst = worst.max(max);
        }
        cases.sort_unstable();
        println!(
            "| {name} | {n} | {p50:.1} | {p90:.1} | {max:.1} | {} |",
            thousands(cases.get(cases.len() / 2).copied().unwrap_or(0).max(0) as u64)
        );
    }
    println!(
        "\nslowest unit: {worst:.1} ms ({} the 50 ms target)",
        if worst < 50.0 { "within" } else { "over" }
    );
    if args.live
        && let Some(d) = districts.first()
    {
        // A window that does not start on a month makes the store count the cases
        // themselves: what every rate query would cost without the rollup.
        let q = CaseQuery {
            path: Some(d.path.clone()),
            from_ms: Some(1),
            ..Default::default()
        };
        let t = Instant::now();
        let live = ctx
            .appeals
            .rate_counts(&q, RateGroup::Total, ctx.now_ms())
            .await?;
        println!(
            "for contrast, {} counted live from its {} cases: {:.0} ms",
            d.name,
            thousands(live.first().map(|c| c.total).unwrap_or(0).max(0) as u64),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
