//! The load generator: drives a running server over HTTP with a realistic mix (intake
//! through the page form, the JSON API and Open311; status look-ups; the staff inbox;
//! the rates dashboard) at a set rate or flat out, for a bounded time, and reports
//! throughput, p50/p99/p999 latency and errors per operation.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use tokio::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    IntakeApi,
    IntakeOpen311,
    IntakePage,
    Status,
    Inbox,
    Rates,
    Limit,
    Peer,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::IntakeApi => "intake: JSON API",
            Op::IntakeOpen311 => "intake: Open311",
            Op::IntakePage => "intake: page form",
            Op::Status => "status look-up",
            Op::Inbox => "staff inbox",
            Op::Rates => "rates dashboard",
            Op::Limit => "limit: one-row insert",
            Op::Peer => "peer: create ticket",
        }
    }
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Op::IntakeApi | Op::IntakeOpen311 | Op::IntakePage | Op::Limit | Op::Peer
        )
    }
}

/// Which operations, with weights.
#[derive(Debug, Clone)]
pub struct Mix(pub Vec<(Op, u32)>);

impl Mix {
    pub fn parse(s: &str) -> Option<Mix> {
        Some(Mix(match s {
            "full" => vec![
                (Op::IntakeApi, 25),
                (Op::IntakeOpen311, 10),
                (Op::IntakePage, 10),
                (Op::Status, 30),
                (Op::Inbox, 15),
                (Op::Rates, 10),
            ],
            "intake" => vec![
                (Op::IntakeApi, 60),
                (Op::IntakeOpen311, 20),
                (Op::IntakePage, 20),
            ],
            "intake-api" => vec![(Op::IntakeApi, 1)],
            "read" => vec![(Op::Status, 60), (Op::Inbox, 25), (Op::Rates, 15)],
            // One reading operation alone: what each costs.
            "status" => vec![(Op::Status, 1)],
            "inbox" => vec![(Op::Inbox, 1)],
            "rates" => vec![(Op::Rates, 1)],
            "limit" => vec![(Op::Limit, 1)],
            "peer" => vec![(Op::Peer, 1)],
            _ => return None,
        }))
    }
    fn pick(&self, r: u64) -> Op {
        let total: u64 = self.0.iter().map(|(_, w)| *w as u64).sum::<u64>().max(1);
        let mut x = r % total;
        for (op, w) in &self.0 {
            if x < *w as u64 {
                return *op;
            }
            x -= *w as u64;
        }
        self.0.first().map(|(o, _)| *o).unwrap_or(Op::Status)
    }
}

/// What a run needs to know about the target.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub base: String,
    pub admin_token: String,
    pub grid_token: String,
    pub hotline_token: String,
    pub open311_key: String,
    /// Points inside the district's grids.
    pub points: Vec<(f64, f64)>,
    /// Categories residents may use.
    pub categories: Vec<String>,
    /// Case ids to look up (grows with what the run creates).
    pub case_ids: Vec<i64>,
    /// The peer's ticket endpoint and basic-auth header.
    pub peer_url: Option<String>,
    pub peer_auth: Option<String>,
    pub peer_queue: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct LoadOpts {
    pub duration: Duration,
    pub concurrency: usize,
    /// Requests per second in all; 0 = flat out.
    pub rate: u64,
    pub mix: Mix,
}

impl LoadOpts {
    /// The warm-up before a measured run: the same mix for `seconds` at a tenth of the
    /// rate (flat out stays flat out), on at most 16 connections.
    pub fn warm_up(&self, seconds: u64) -> LoadOpts {
        LoadOpts {
            duration: Duration::from_secs(seconds),
            concurrency: self.concurrency.min(16),
            rate: if self.rate == 0 {
                0
            } else {
                (self.rate / 10).max(1)
            },
            mix: self.mix.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OpStats {
    pub op: Op,
    pub name: String,
    pub ok: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub seconds: f64,
    pub total_ok: u64,
    pub total_errors: u64,
    pub per_second: f64,
    pub writes_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub ops: Vec<OpStats>,
    pub first_errors: Vec<String>,
    /// The same run as the server saw it: from its latency histogram at `/metrics`,
    /// read before and after (none when the target has no such histogram).
    pub server: Option<ServerLatency>,
}

/// Percentiles of the requests the server answered during a run, from the difference of
/// its latency histogram before and after, interpolated inside each bucket. The server
/// times a request from when it has been read until its answer is ready: the load
/// generator's own waits (for a core, on the two this machine shares) are not in it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ServerLatency {
    pub requests: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
}

/// The cumulative latency buckets of a Prometheus text: (upper bound in ms, count),
/// `+Inf` last as infinity.
fn histogram_of(text: &str) -> Vec<(f64, u64)> {
    const NAME: &str = "jiceng_http_request_duration_seconds_bucket{le=\"";
    let mut out: Vec<(f64, u64)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(NAME)?;
            let (le, count) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse::<f64>().ok()? * 1000.0
            };
            Some((le, count.trim().parse().ok()?))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The `q` quantile (0..1) of the requests counted between two cumulative histograms
/// with the same buckets, linear inside the bucket it falls in; a quantile in the last,
/// unbounded bucket is reported at the last finite bound.
fn histogram_quantile(before: &[(f64, u64)], after: &[(f64, u64)], q: f64) -> Option<f64> {
    if before.len() != after.len() || after.is_empty() {
        return None;
    }
    let delta: Vec<(f64, u64)> = after
        .iter()
        .zip(before)
        .map(|(a, b)| (a.0, a.1.saturating_sub(b.1)))
        .collect();
    let total = delta.last()?.1;
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut lower = (0.0, 0u64);
    for &(le, cum) in &delta {
        if cum as f64 >= rank {
            if le.is_infinite() {
                return Some(lower.0);
            }
            let inside = (cum - lower.1) as f64;
            let frac = if inside > 0.0 {
                (rank - lower.1 as f64) / inside
            } else {
                1.0
            };
            return Some(lower.0 + (le - lower.0) * frac);
        }
        lower = (le, cum);
    }
    None
}

/// The target's latency histogram now (empty when it has none).
async fn server_histogram(client: &HttpClient, base: &str) -> Vec<(f64, u64)> {
    match send(client, "GET", &format!("{base}/metrics"), &[], Bytes::new()).await {
        Ok((200, body)) => histogram_of(&String::from_utf8_lossy(&body)),
        _ => vec![],
    }
}

fn pct(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const WORDS: &[&str] = &[
    "楼道照明损坏，晚上看不清",
    "小区门口垃圾满溢无人清运",
    "楼上卫生间漏水严重，天花板渗水",
    "夜间广场舞噪音扰民",
    "路边井盖松动，车辆经过有响声",
    "电梯经常停在半层",
    "单元门禁损坏",
    "绿地里堆放建筑垃圾",
];

fn urlenc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn send(
    client: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Bytes,
) -> Result<(u16, Bytes), String> {
    let mut b = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    let req = b.body(Full::new(body)).map_err(|e| e.to_string())?;
    let res = client.request(req).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

/// One request of the given kind; returns an error text when it failed.
async fn one(
    client: &HttpClient,
    t: &Target,
    ids: &Mutex<Vec<i64>>,
    op: Op,
    rng: &mut Rng,
    seq: u64,
) -> Result<(), String> {
    let point = t
        .points
        .get((rng.next() % t.points.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or((0.0, 0.0));
    let category = t
        .categories
        .get((rng.next() % t.categories.len().max(1) as u64) as usize)
        .cloned()
        .unwrap_or_else(|| "1301".into());
    let text = WORDS[(rng.next() % WORDS.len() as u64) as usize];
    let phone = format!("139{:08}", rng.next() % 100_000_000);
    let (status, body) = match op {
        Op::IntakeApi => {
            let body = serde_json::json!({"category": category, "description": text, "lon": point.0, "lat": point.1, "reporter_phone": phone});
            send(
                client,
                "POST",
                &format!("{}/api/v1/cases", t.base),
                &[
                    ("authorization", format!("Bearer {}", t.hotline_token)),
                    ("content-type", "application/json".into()),
                ],
                Bytes::from(body.to_string()),
            )
            .await?
        }
        Op::IntakeOpen311 => {
            let form = format!(
                "api_key={}&service_code={}&lat={}&long={}&description={}&phone={}",
                t.open311_key,
                category,
                point.1,
                point.0,
                urlenc(text),
                phone
            );
            send(
                client,
                "POST",
                &format!("{}/open311/v2/requests.json", t.base),
                &[("content-type", "application/x-www-form-urlencoded".into())],
                Bytes::from(form),
            )
            .await?
        }
        Op::IntakePage => {
            let boundary = "----jicengbench";
            let mut body = String::new();
            for (k, v) in [
                ("category", category.clone()),
                ("description", text.to_string()),
                ("lon", point.0.to_string()),
                ("lat", point.1.to_string()),
                ("reporter_phone", phone.clone()),
                ("form_token", format!("bench-{seq}-{}", rng.next())),
            ] {
                body.push_str(&format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                ));
            }
            body.push_str(&format!("--{boundary}--\r\n"));
            send(
                client,
                "POST",
                &format!("{}/report", t.base),
                &[(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )],
                Bytes::from(body),
            )
            .await?
        }
        Op::Status => {
            let id = {
                let g = ids.lock().await;
                g.get((rng.next() % g.len().max(1) as u64) as usize)
                    .copied()
                    .unwrap_or(1)
            };
            send(
                client,
                "GET",
                &format!("{}/api/v1/cases/{id}", t.base),
                &[("authorization", format!("Bearer {}", t.admin_token))],
                Bytes::new(),
            )
            .await?
        }
        Op::Inbox => {
            send(
                client,
                "GET",
                &format!("{}/api/v1/inbox", t.base),
                &[("authorization", format!("Bearer {}", t.grid_token))],
                Bytes::new(),
            )
            .await?
        }
        Op::Rates => {
            send(
                client,
                "GET",
                &format!("{}/api/v1/appeals/rates", t.base),
                &[("authorization", format!("Bearer {}", t.admin_token))],
                Bytes::new(),
            )
            .await?
        }
        Op::Limit => {
            let row = format!("{:0>256}", seq);
            send(
                client,
                "POST",
                &format!("{}/row", t.base),
                &[("content-type", "text/plain".into())],
                Bytes::from(row),
            )
            .await?
        }
        Op::Peer => {
            let url = t.peer_url.clone().ok_or("no peer url")?;
            let body = serde_json::json!({"queue": t.peer_queue.unwrap_or(1), "title": text, "description": text, "submitter_email": "resident@example.com", "priority": 3});
            let mut h = vec![("content-type", "application/json".to_string())];
            if let Some(a) = &t.peer_auth {
                h.push(("authorization", a.clone()));
            }
            send(client, "POST", &url, &h, Bytes::from(body.to_string())).await?
        }
    };
    if !(200..300).contains(&status) {
        return Err(format!(
            "{} → {status}: {}",
            op.name(),
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ));
    }
    // The new case's id, kept for status look-ups. Only the id is read (a whole
    // `serde_json::Value` of the answer was ~10 % of the generator's CPU), and only
    // while the list has room.
    if op == Op::IntakeApi && ids.lock().await.len() < MAX_IDS {
        #[derive(serde::Deserialize)]
        struct Made {
            case: MadeCase,
        }
        #[derive(serde::Deserialize)]
        struct MadeCase {
            id: i64,
        }
        if let Ok(m) = serde_json::from_slice::<Made>(&body) {
            let mut g = ids.lock().await;
            if g.len() < MAX_IDS {
                g.push(m.case.id);
            }
        }
    }
    Ok(())
}

/// Most case ids kept for status look-ups.
const MAX_IDS: usize = 100_000;

/// Runs the load and reports.
pub async fn run(target: Target, opts: LoadOpts) -> Report {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(opts.concurrency)
        .build(connector);
    let ids = Arc::new(Mutex::new(target.case_ids.clone()));
    let target = Arc::new(target);
    let stop = Arc::new(AtomicBool::new(false));
    // Request numbers start where no earlier run's did (the clock at the start, in
    // nanoseconds): page-form tokens are made from them and must not repeat from one
    // run — or one round of `bench compare` — to the next, or the server rightly
    // answers the repeats as retries of cases it has.
    let first = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let seq = Arc::new(AtomicU64::new(first));
    // At a set rate, a ticker hands out start times; latency counts from the planned
    // start, so a slow server cannot hide its queue (no coordinated omission).
    let (tick_tx, tick_rx) = async_channel(opts.rate);
    if let Some(tx) = tick_tx {
        let stop = stop.clone();
        let rate = opts.rate;
        tokio::spawn(async move {
            let start = Instant::now();
            let mut n: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                let due = start + Duration::from_nanos(n * 1_000_000_000 / rate);
                tokio::time::sleep_until(due.into()).await;
                if tx.send(due).await.is_err() {
                    break;
                }
                n += 1;
            }
        });
    }
    let histogram_before = server_histogram(&client, &target.base).await;
    let started = Instant::now();
    let mut handles = vec![];
    for w in 0..opts.concurrency {
        let client = client.clone();
        let target = target.clone();
        let ids = ids.clone();
        let stop = stop.clone();
        let seq = seq.clone();
        let mix = opts.mix.clone();
        let tick_rx = tick_rx.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = Rng(0x5eed + w as u64 * 7919);
            let mut lat: HashMap<Op, Vec<u32>> = HashMap::new();
            let mut errs: HashMap<Op, u64> = HashMap::new();
            let mut first_errors = vec![];
            while !stop.load(Ordering::Relaxed) {
                let planned = match &tick_rx {
                    Some(rx) => match rx.lock().await.recv().await {
                        Some(t) => t,
                        None => break,
                    },
                    None => Instant::now(),
                };
                let op = mix.pick(rng.next());
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let r = one(&client, &target, &ids, op, &mut rng, n).await;
                let us = planned.elapsed().as_micros().min(u32::MAX as u128) as u32;
                match r {
                    Ok(()) => lat.entry(op).or_default().push(us),
                    Err(e) => {
                        *errs.entry(op).or_default() += 1;
                        if first_errors.len() < 3 {
                            first_errors.push(e);
                        }
                    }
                }
            }
            (lat, errs, first_errors)
        }));
    }
    tokio::time::sleep(opts.duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat: HashMap<Op, Vec<u32>> = HashMap::new();
    let mut errs: HashMap<Op, u64> = HashMap::new();
    let mut first_errors = vec![];
    for h in handles {
        if let Ok((l, e, f)) = h.await {
            for (op, v) in l {
                lat.entry(op).or_default().extend(v);
            }
            for (op, n) in e {
                *errs.entry(op).or_default() += n;
            }
            for x in f {
                if first_errors.len() < 5 {
                    first_errors.push(x);
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let histogram_after = server_histogram(&client, &target.base).await;
    let server = (|| {
        let (b, a) = (&histogram_before, &histogram_after);
        Some(ServerLatency {
            requests: a.last()?.1.saturating_sub(b.last()?.1),
            p50_ms: histogram_quantile(b, a, 0.50)?,
            p99_ms: histogram_quantile(b, a, 0.99)?,
            p999_ms: histogram_quantile(b, a, 0.999)?,
        })
    })();
    let mut all: Vec<u32> = vec![];
    let mut ops = vec![];
    let mut op_keys: Vec<Op> = lat.keys().chain(errs.keys()).copied().collect();
    op_keys.sort();
    op_keys.dedup();
    let mut writes = 0u64;
    for op in op_keys {
        let mut v = lat.remove(&op).unwrap_or_default();
        v.sort_unstable();
        all.extend_from_slice(&v);
        if op.is_write() {
            writes += v.len() as u64;
        }
        ops.push(OpStats {
            op,
            name: op.name().into(),
            ok: v.len() as u64,
            errors: errs.get(&op).copied().unwrap_or(0),
            per_second: v.len() as f64 / seconds,
            p50_ms: pct(&v, 0.50),
            p99_ms: pct(&v, 0.99),
            p999_ms: pct(&v, 0.999),
            max_ms: v.last().map(|x| *x as f64 / 1000.0).unwrap_or(0.0),
        });
    }
    all.sort_unstable();
    let total_ok = all.len() as u64;
    Report {
        seconds,
        total_ok,
        total_errors: errs.values().sum(),
        per_second: total_ok as f64 / seconds,
        writes_per_second: writes as f64 / seconds,
        p50_ms: pct(&all, 0.50),
        p99_ms: pct(&all, 0.99),
        p999_ms: pct(&all, 0.999),
        ops,
        first_errors,
        server,
    }
}

type Ticks = Option<Arc<Mutex<tokio::sync::mpsc::Receiver<Instant>>>>;

fn async_channel(rate: u64) -> (Option<tokio::sync::mpsc::Sender<Instant>>, Ticks) {
    if rate == 0 {
        return (None, None);
    }
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    (Some(tx), Some(Arc::new(Mutex::new(rx))))
}

pub fn print(title: &str, r: &Report) {
    println!("\n## {title}");
    println!(
        "{:.1} s, {} ok, {} errors, {:.0} req/s ({:.0} writes/s), p50 {:.2} ms, p99 {:.2} ms, p999 {:.2} ms",
        r.seconds,
        r.total_ok,
        r.total_errors,
        r.per_second,
        r.writes_per_second,
        r.p50_ms,
        r.p99_ms,
        r.p999_ms
    );
    println!("| operation | ok | errors | req/s | p50 ms | p99 ms | p999 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for o in &r.ops {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} |",
            o.name, o.ok, o.errors, o.per_second, o.p50_ms, o.p99_ms, o.p999_ms, o.max_ms
        );
    }
    if let Some(s) = &r.server {
        println!(
            "server side ({} requests, from its latency histogram): p50 {:.2} ms, p99 {:.2} ms, p999 {:.2} ms",
            s.requests, s.p50_ms, s.p99_ms, s.p999_ms
        );
    }
    for e in &r.first_errors {
        println!("  error: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_mix() {
        let v: Vec<u32> = (1..=1000).map(|x| x * 1000).collect();
        assert_eq!(pct(&v, 0.5), 501.0);
        assert_eq!(pct(&v, 0.99), 990.0);
        let m = Mix(vec![(Op::Status, 1), (Op::Inbox, 3)]);
        let picks: Vec<Op> = (0..4).map(|i| m.pick(i)).collect();
        assert_eq!(picks, [Op::Status, Op::Inbox, Op::Inbox, Op::Inbox]);
        assert!(Mix::parse("full").is_some() && Mix::parse("nope").is_none());
        for one in ["status", "inbox", "rates"] {
            let m = Mix::parse(one).unwrap();
            assert_eq!(m.0.len(), 1, "{one} alone");
            assert!(!m.0[0].0.is_write());
        }
    }

    #[test]
    fn a_warm_up_runs_the_mix_at_a_tenth_on_few_connections() {
        let opts = LoadOpts {
            duration: Duration::from_secs(60),
            concurrency: 256,
            rate: 6_100,
            mix: Mix::parse("intake-api").unwrap(),
        };
        let w = opts.warm_up(5);
        assert_eq!(
            (w.duration, w.concurrency, w.rate),
            (Duration::from_secs(5), 16, 610)
        );
        assert_eq!(w.mix.0, opts.mix.0);
        let flat = LoadOpts {
            rate: 0,
            concurrency: 4,
            ..opts
        };
        assert_eq!((flat.warm_up(1).rate, flat.warm_up(1).concurrency), (0, 4));
    }

    #[test]
    fn server_percentiles_from_two_histograms() {
        let text = |counts: [u64; 4]| {
            format!(
                "# TYPE jiceng_http_request_duration_seconds histogram\n\
                 jiceng_http_request_duration_seconds_bucket{{le=\"0.01\"}} {}\n\
                 jiceng_http_request_duration_seconds_bucket{{le=\"0.025\"}} {}\n\
                 jiceng_http_request_duration_seconds_bucket{{le=\"0.05\"}} {}\n\
                 jiceng_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n\
                 jiceng_http_request_duration_seconds_count {}\n",
                counts[0], counts[1], counts[2], counts[3], counts[3]
            )
        };
        let before = histogram_of(&text([100, 100, 100, 100]));
        assert_eq!(before.len(), 4);
        assert_eq!(before[1], (25.0, 100));
        // 1,000 requests during the run: 500 under 10 ms, 400 in 10–25 ms, 90 in
        // 25–50 ms, 10 slower than 50 ms.
        let after = histogram_of(&text([600, 1000, 1090, 1100]));
        let q = |x| histogram_quantile(&before, &after, x).unwrap();
        assert!((q(0.5) - 10.0).abs() < 1e-9, "{}", q(0.5));
        // Rank 990: 900 are within 25 ms, so the 90th of the 90 in 25–50 ms, its top;
        // rank 950: the 50th of those 90.
        assert!((q(0.99) - 50.0).abs() < 1e-9, "{}", q(0.99));
        assert!((q(0.95) - (25.0 + 25.0 * 50.0 / 90.0)).abs() < 1e-9);
        // In the unbounded bucket: the last finite bound.
        assert_eq!(q(0.999), 50.0);
        // Nothing counted in between, or buckets that do not match: no answer.
        assert_eq!(histogram_quantile(&before, &before, 0.5), None);
        assert_eq!(histogram_quantile(&before, &after[..3], 0.5), None);
    }
}
