//! Benchmark of the matching engine on generated data (not a test).
//!
//! ```sh
//! cargo run --release -p jiceng-domain --example bench_matching -- --needs 100000 --resources 20000
//! cargo run --release -p jiceng-domain --example bench_matching -- --needs 2000 --resources 500 --export /tmp/inst.json
//! ```
//!
//! Needs and resources are scattered over a square whose area grows with the number
//! of needs (400 km² per 100,000 needs, the density of a district like Haibowan's
//! built-up area), clustered around community centres; 17 categories in 9 groups,
//! radii 500–3,000 m, weekday and time windows as the demo uses. Prints the time to
//! generate, to build the candidate edges (spatial bucket) and to solve, the number of
//! edges, the peak memory (VmHWM) and the optimum. `--export` writes the instance as
//! JSON (quantities, capacities, arcs with values, and the optimum) for the
//! independent check in bench/matching/check_ortools.py.

use std::io::Write;
use std::time::Instant;

use jiceng_domain::lists::matching::{self, Problem};
use jiceng_domain::lists::rules::{self, NeedPoint, ResourcePoint};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Category → group, as in the category list (17 categories, 9 groups).
const GROUPS: [u16; 17] = [0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8];

const WINDOWS: [(u16, u16); 5] = [
    (8 * 60, 12 * 60),
    (14 * 60, 18 * 60),
    (9 * 60, 17 * 60),
    (19 * 60, 21 * 60),
    (0, 1440),
];

fn days(r: &mut Rng) -> u8 {
    match r.range(0, 3) {
        0 => 0x7f,
        1 => 0x1f,
        2 => 0x60,
        _ => (1u8 << r.range(0, 6)) | (1u8 << r.range(0, 6)),
    }
}

fn generate(n: usize, m: usize, seed: u64) -> (Vec<NeedPoint>, Vec<ResourcePoint>) {
    let mut r = Rng(seed);
    let side = (400e6 * n as f64 / 100_000.0).sqrt().max(2_000.0);
    let centres: Vec<(f64, f64)> = (0..(n / 2_000).max(4))
        .map(|_| (r.unit() * side, r.unit() * side))
        .collect();
    let near = |r: &mut Rng| {
        let c = centres[r.range(0, centres.len() as u64 - 1) as usize];
        let spread = side / (centres.len() as f64).sqrt() / 2.0;
        (
            (c.0 + r.normal() * spread).clamp(0.0, side),
            (c.1 + r.normal() * spread).clamp(0.0, side),
        )
    };
    let needs = (0..n)
        .map(|_| {
            let (x, y) = near(&mut r);
            let cat = r.range(0, 16) as usize;
            let (tf, tt) = WINDOWS[r.range(0, 4) as usize];
            let start = r.range(0, 60) as i32;
            NeedPoint {
                category: cat as u16,
                group: GROUPS[cat],
                x,
                y,
                urgency: r.range(1, 5) as u8,
                quantity: r.range(1, 8) as i32,
                day_from: start,
                day_to: start + r.range(14, 120) as i32,
                weekdays: days(&mut r),
                time_from: tf,
                time_to: tt,
            }
        })
        .collect();
    let resources = (0..m)
        .map(|_| {
            let (x, y) = near(&mut r);
            let cat = r.range(0, 16) as usize;
            let (tf, tt) = WINDOWS[r.range(0, 4) as usize];
            ResourcePoint {
                category: cat as u16,
                group: GROUPS[cat],
                x,
                y,
                radius_m: r.range(500, 3_000) as f64,
                capacity: r.range(2, 40) as i32,
                day_from: 0,
                day_to: 365,
                weekdays: days(&mut r),
                time_from: tf,
                time_to: tt,
            }
        })
        .collect();
    (needs, resources)
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = arg(&args, "--needs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let m: usize = arg(&args, "--resources")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = arg(&args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let export = arg(&args, "--export");

    let t0 = Instant::now();
    let (needs, resources) = generate(n, m, seed);
    let t_gen = t0.elapsed();

    let t1 = Instant::now();
    let edges = rules::build_edges(&needs, &resources, 2_000.0, |_, _| true);
    let t_edges = t1.elapsed();
    let n_edges = edges.len();
    let problem = Problem {
        quantity: needs.iter().map(|p| p.quantity).collect(),
        capacity: resources.iter().map(|r| r.capacity).collect(),
        edges,
    };
    let t2 = Instant::now();
    let sol = matching::solve(&problem);
    let t_solve = t2.elapsed();
    assert!(matching::feasible(&problem, &sol.flow));
    let asked: i64 = problem.quantity.iter().map(|&q| q as i64).sum();
    let met: i64 = sol.flow.iter().map(|&f| f as i64).sum();
    let with_edge = {
        let mut seen = vec![false; n];
        for e in &problem.edges {
            seen[e.need as usize] = true;
        }
        seen.iter().filter(|&&s| s).count()
    };
    println!("needs              {n}");
    println!("resources          {m}");
    println!("seed               {seed}");
    println!("generate           {:.3} s", t_gen.as_secs_f64());
    println!("build edges        {:.3} s", t_edges.as_secs_f64());
    println!(
        "edges              {n_edges} ({:.1} per need)",
        n_edges as f64 / n.max(1) as f64
    );
    println!("needs with a candidate {with_edge}");
    println!(
        "solve              {:.3} s ({} phases)",
        t_solve.as_secs_f64(),
        sol.phases
    );
    println!("units asked / met  {asked} / {met}");
    println!("total value        {}", sol.total_value);
    match vm_hwm_kib() {
        Some(k) => println!("peak memory VmHWM  {:.1} MiB", k as f64 / 1024.0),
        None => println!("peak memory VmHWM  unavailable"),
    }

    if let Some(path) = export {
        let mut f = match std::fs::File::create(&path) {
            Ok(f) => std::io::BufWriter::new(f),
            Err(e) => {
                eprintln!("cannot write {path}: {e}");
                std::process::exit(1);
            }
        };
        let q: Vec<String> = problem.quantity.iter().map(|x| x.to_string()).collect();
        let c: Vec<String> = problem.capacity.iter().map(|x| x.to_string()).collect();
        let a: Vec<String> = problem
            .edges
            .iter()
            .map(|e| format!("[{},{},{}]", e.need, e.resource, e.value))
            .collect();
        let ok = write!(
            f,
            "{{\"needs\":{n},\"resources\":{m},\"quantity\":[{}],\"capacity\":[{}],\"arcs\":[{}],\"total_value\":{}}}",
            q.join(","),
            c.join(","),
            a.join(","),
            sol.total_value
        )
        .and_then(|_| f.flush());
        if let Err(e) = ok {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(1);
        }
        println!("exported           {path}");
    }
}
