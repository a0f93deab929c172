//! A small Prometheus registry: request counts by route and status class, and a
//! latency histogram. Rendered at `/metrics`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency buckets, in milliseconds: fine around the 25 ms a
/// megacity's intake must keep its p99 under, so percentiles read from the histogram
/// (e.g. by `jiceng bench load`) are close.
const BUCKETS_MS: [f64; 19] = [
    1.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 75.0, 100.0, 150.0, 250.0, 500.0,
    1000.0, 2500.0, 10000.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(String, String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS_MS.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
    /// Other parts' counters (e.g. the store's intake writer), appended to the text.
    sources: Mutex<Vec<fn() -> String>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, micros: u64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_insert(0) += 1;
        }
        let ms = micros as f64 / 1000.0;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(micros, Ordering::Relaxed);
    }

    /// Adds a part's own counters, rendered after the HTTP ones.
    pub fn add_source(&self, f: fn() -> String) {
        if let Ok(mut s) = self.sources.lock() {
            s.push(f);
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP jiceng_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE jiceng_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            let mut rows: Vec<_> = m.iter().collect();
            rows.sort();
            for ((method, route, status), n) in rows {
                out.push_str(&format!(
                    "jiceng_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}\n",
                    route.replace('"', "")
                ));
            }
        }
        out.push_str("# HELP jiceng_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE jiceng_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            out.push_str(&format!(
                "jiceng_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                b / 1000.0,
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "jiceng_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "jiceng_http_request_duration_seconds_sum {}\n",
            self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "jiceng_http_request_duration_seconds_count {count}\n"
        ));
        if let Ok(s) = self.sources.lock() {
            for f in s.iter() {
                out.push_str(&f());
            }
        }
        out
    }
}
