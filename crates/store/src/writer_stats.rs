//! Where the intake writer's time goes: cumulative time per phase of its batches, the
//! number of batches and of cases, rendered for `/metrics`. Counters are process-wide
//! (one writer per store; a server runs one store).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The phases of one batch, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Acquire = 0,
    Begin,
    Retries,
    Numbers,
    Ids,
    Cases,
    Events,
    Photos,
    Notices,
    Audit,
    Rollup,
    Write,
    Commit,
}

const PHASES: [&str; 13] = [
    "acquire", "begin", "retries", "numbers", "ids", "cases", "events", "photos", "notices",
    "audit", "rollup", "write", "commit",
];

struct Stats {
    nanos: [AtomicU64; PHASES.len()],
    batches: AtomicU64,
    cases: AtomicU64,
    redone: AtomicU64,
    slow: AtomicU64,
    claims_carried: AtomicU64,
    claims_alone: AtomicU64,
    followed_on: AtomicU64,
    keys_again: AtomicU64,
}

static STATS: Stats = Stats {
    nanos: [const { AtomicU64::new(0) }; PHASES.len()],
    batches: AtomicU64::new(0),
    cases: AtomicU64::new(0),
    redone: AtomicU64::new(0),
    slow: AtomicU64::new(0),
    claims_carried: AtomicU64::new(0),
    claims_alone: AtomicU64::new(0),
    followed_on: AtomicU64::new(0),
    keys_again: AtomicU64::new(0),
};

/// A batch that takes longer than this is counted as slow (and logged at debug level
/// with its phases): the intake's latency target is 25 ms at the 99th percentile, and
/// a case waits for the batch before its own.
pub(crate) const SLOW_BATCH: std::time::Duration = std::time::Duration::from_millis(10);

/// Times consecutive phases of one batch: each `mark` charges the time since the
/// previous one, to the process-wide counters and to the batch's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    at: Instant,
    began: Instant,
    own: [u64; PHASES.len()],
}

impl Clock {
    pub(crate) fn start() -> Self {
        let now = Instant::now();
        Clock {
            at: now,
            began: now,
            own: [0; PHASES.len()],
        }
    }

    pub(crate) fn mark(&mut self, p: Phase) {
        let now = Instant::now();
        let ns = now.duration_since(self.at).as_nanos() as u64;
        STATS.nanos[p as usize].fetch_add(ns, Ordering::Relaxed);
        self.own[p as usize] += ns;
        self.at = now;
    }
}

/// Counts one written batch of `cases` cases, timed by `clock` from its start.
pub(crate) fn batch_done(cases: usize, clock: &Clock) {
    STATS.batches.fetch_add(1, Ordering::Relaxed);
    STATS.cases.fetch_add(cases as u64, Ordering::Relaxed);
    let took = clock.began.elapsed();
    if took > SLOW_BATCH {
        STATS.slow.fetch_add(1, Ordering::Relaxed);
        let phases: Vec<String> = PHASES
            .iter()
            .zip(clock.own)
            .filter(|(_, ns)| *ns >= 100_000)
            .map(|(name, ns)| format!("{name} {:.1}", ns as f64 / 1e6))
            .collect();
        tracing::debug!(
            ms = took.as_secs_f64() * 1e3,
            cases,
            phases = phases.join(", "),
            "slow intake batch"
        );
    }
}

/// Counts one batch that failed as a whole and was written case by case (a case the
/// database refused; retries of stored keys must not get here).
pub(crate) fn batch_redone() {
    STATS.redone.fetch_add(1, Ordering::Relaxed);
}

/// Counts one outbox claim the writer ran (SQLite): `carried` by an intake batch, in
/// its transaction, or alone in one of its own.
pub(crate) fn claim_done(carried: bool) {
    let c = if carried {
        &STATS.claims_carried
    } else {
        &STATS.claims_alone
    };
    c.fetch_add(1, Ordering::Relaxed);
}

/// Counts one SQLite batch whose ids and numbers followed on from the batch before it,
/// without a reservation of their own (see `appeals::NextNumbers`).
pub(crate) fn followed_on() {
    STATS.followed_on.fetch_add(1, Ordering::Relaxed);
}

/// Counts one SQLite batch written again with its idempotency keys looked up, after
/// the unique index refused it without (a key stored already: a retry).
pub(crate) fn keys_looked_up_again() {
    STATS.keys_again.fetch_add(1, Ordering::Relaxed);
}

/// The counters as they stand: (phase, nanoseconds) in phase order, batches, cases.
#[derive(Debug, Clone, Default)]
pub struct WriterSnapshot {
    pub phases: Vec<(&'static str, u64)>,
    pub batches: u64,
    pub cases: u64,
    /// Batches redone case by case.
    pub redone: u64,
    /// Batches over `SLOW_BATCH` (10 ms).
    pub slow: u64,
    /// SQLite's outbox claims that shared an intake batch's transaction …
    pub claims_carried: u64,
    /// … and those that ran in one of their own.
    pub claims_alone: u64,
    /// SQLite batches numbered on from the one before, without a reservation.
    pub followed_on: u64,
    /// SQLite batches written again with their keys looked up (a retry among them).
    pub keys_again: u64,
}

impl WriterSnapshot {
    /// What happened between `earlier` and this snapshot, as one line: cases, batches,
    /// the mean batch and the writer's microseconds per case in each phase.
    pub fn since(&self, earlier: &WriterSnapshot) -> String {
        let cases = self.cases.saturating_sub(earlier.cases);
        let batches = self.batches.saturating_sub(earlier.batches);
        if cases == 0 {
            return "intake writer: nothing written".into();
        }
        let mut total = 0.0;
        let parts: Vec<String> = self
            .phases
            .iter()
            .zip(&earlier.phases)
            .map(|((name, now), (_, then))| {
                let us = now.saturating_sub(*then) as f64 / 1e3 / cases as f64;
                total += us;
                format!("{name} {us:.1}")
            })
            .collect();
        let redone = self.redone.saturating_sub(earlier.redone);
        let again = self.keys_again.saturating_sub(earlier.keys_again);
        let slow = self.slow.saturating_sub(earlier.slow);
        format!(
            "intake writer: {cases} cases in {batches} batches (mean {:.1} a batch, {slow} over {} ms{}); µs per case: {} = {total:.1}",
            cases as f64 / batches.max(1) as f64,
            SLOW_BATCH.as_millis(),
            match (redone, again) {
                (0, 0) => String::new(),
                (r, 0) => format!(", {r} redone case by case"),
                (0, a) => format!(", {a} again with keys looked up"),
                (r, a) => format!(", {r} redone case by case, {a} again with keys looked up"),
            },
            parts.join(", ")
        )
    }
}

pub fn intake_writer_snapshot() -> WriterSnapshot {
    WriterSnapshot {
        phases: PHASES
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, STATS.nanos[i].load(Ordering::Relaxed)))
            .collect(),
        batches: STATS.batches.load(Ordering::Relaxed),
        cases: STATS.cases.load(Ordering::Relaxed),
        redone: STATS.redone.load(Ordering::Relaxed),
        slow: STATS.slow.load(Ordering::Relaxed),
        claims_carried: STATS.claims_carried.load(Ordering::Relaxed),
        claims_alone: STATS.claims_alone.load(Ordering::Relaxed),
        followed_on: STATS.followed_on.load(Ordering::Relaxed),
        keys_again: STATS.keys_again.load(Ordering::Relaxed),
    }
}

/// The counters in Prometheus text format.
pub fn intake_writer_metrics() -> String {
    let mut out = String::from(
        "# HELP jiceng_intake_writer_seconds_total Time the intake writer spent per phase of its batches.\n\
         # TYPE jiceng_intake_writer_seconds_total counter\n",
    );
    for (i, name) in PHASES.iter().enumerate() {
        out.push_str(&format!(
            "jiceng_intake_writer_seconds_total{{phase=\"{name}\"}} {}\n",
            STATS.nanos[i].load(Ordering::Relaxed) as f64 / 1e9
        ));
    }
    out.push_str(&format!(
        "# HELP jiceng_intake_writer_batches_total Group commits of the intake writer.\n\
         # TYPE jiceng_intake_writer_batches_total counter\n\
         jiceng_intake_writer_batches_total {}\n\
         # HELP jiceng_intake_writer_cases_total Intakes written by the intake writer.\n\
         # TYPE jiceng_intake_writer_cases_total counter\n\
         jiceng_intake_writer_cases_total {}\n\
         # HELP jiceng_intake_writer_redone_batches_total Batches that failed as a whole and were written case by case.\n\
         # TYPE jiceng_intake_writer_redone_batches_total counter\n\
         jiceng_intake_writer_redone_batches_total {}\n\
         # HELP jiceng_intake_writer_slow_batches_total Batches that took longer than 10 ms from taking the first intake to answering.\n\
         # TYPE jiceng_intake_writer_slow_batches_total counter\n\
         jiceng_intake_writer_slow_batches_total {}\n\
         # HELP jiceng_intake_writer_claims_total Outbox claims the intake writer ran (SQLite), carried by an intake batch or alone.\n\
         # TYPE jiceng_intake_writer_claims_total counter\n\
         jiceng_intake_writer_claims_total{{carried=\"yes\"}} {}\n\
         jiceng_intake_writer_claims_total{{carried=\"no\"}} {}\n\
         # HELP jiceng_intake_writer_followed_on_batches_total SQLite batches numbered on from the batch before, without a reservation of their own.\n\
         # TYPE jiceng_intake_writer_followed_on_batches_total counter\n\
         jiceng_intake_writer_followed_on_batches_total {}\n\
         # HELP jiceng_intake_writer_keys_looked_up_again_total SQLite batches written again with their idempotency keys looked up, after a key stored already was refused.\n\
         # TYPE jiceng_intake_writer_keys_looked_up_again_total counter\n\
         jiceng_intake_writer_keys_looked_up_again_total {}\n",
        STATS.batches.load(Ordering::Relaxed),
        STATS.cases.load(Ordering::Relaxed),
        STATS.redone.load(Ordering::Relaxed),
        STATS.slow.load(Ordering::Relaxed),
        STATS.claims_carried.load(Ordering::Relaxed),
        STATS.claims_alone.load(Ordering::Relaxed),
        STATS.followed_on.load(Ordering::Relaxed),
        STATS.keys_again.load(Ordering::Relaxed)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_charged_and_rendered() {
        let mut c = Clock::start();
        std::thread::sleep(std::time::Duration::from_millis(2));
        c.mark(Phase::Rollup);
        batch_done(3, &c);
        assert!(c.own[Phase::Rollup as usize] >= 2_000_000);
        assert_eq!(c.own[Phase::Commit as usize], 0);
        let text = intake_writer_metrics();
        let line = text
            .lines()
            .find(|l| l.starts_with("jiceng_intake_writer_seconds_total{phase=\"rollup\"}"))
            .expect("rollup line");
        let secs: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(secs >= 0.002, "{line}");
        assert!(text.contains("jiceng_intake_writer_batches_total "));
        let cases: u64 = text
            .lines()
            .find(|l| l.starts_with("jiceng_intake_writer_cases_total "))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!(cases >= 3);
        let slow_line = text
            .lines()
            .find(|l| l.starts_with("jiceng_intake_writer_slow_batches_total "))
            .expect("slow batches line");
        let _count: u64 = slow_line.rsplit(' ').next().unwrap().parse().unwrap();
    }

    #[test]
    fn a_batch_over_the_line_counts_as_slow() {
        let before = intake_writer_snapshot();
        let mut c = Clock::start();
        std::thread::sleep(SLOW_BATCH + std::time::Duration::from_millis(1));
        c.mark(Phase::Write);
        batch_done(1, &c);
        let after = intake_writer_snapshot();
        assert!(after.slow > before.slow);
        assert!(after.since(&before).contains("over 10 ms"));
    }
}
