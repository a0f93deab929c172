//! Login throttling: after too many failures for one login or from one address within
//! a window, further attempts are refused until the window passes. Kept in memory
//! (per instance); a cluster behind a balancer multiplies the limit by its size.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Throttle {
    max_failures: u32,
    window_ms: i64,
    entries: Mutex<HashMap<String, (u32, i64)>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(5, 15 * 60 * 1000)
    }
}

impl Throttle {
    pub fn new(max_failures: u32, window_ms: i64) -> Self {
        Throttle {
            max_failures,
            window_ms,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a key is locked now.
    pub fn locked(&self, key: &str, now_ms: i64) -> bool {
        let Ok(map) = self.entries.lock() else {
            return true;
        };
        match map.get(key) {
            Some((n, start)) => *n >= self.max_failures && now_ms - start < self.window_ms,
            None => false,
        }
    }

    pub fn fail(&self, key: &str, now_ms: i64) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() > 100_000 {
                let window = self.window_ms;
                map.retain(|_, (_, start)| now_ms - *start < window);
            }
            let e = map.entry(key.to_string()).or_insert((0, now_ms));
            if now_ms - e.1 >= self.window_ms {
                *e = (0, now_ms);
            }
            e.0 += 1;
        }
    }

    pub fn clear(&self, key: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_unlocks_after_window() {
        let t = Throttle::new(3, 1000);
        for i in 0..3 {
            assert!(!t.locked("a", i));
            t.fail("a", i);
        }
        assert!(t.locked("a", 10));
        assert!(!t.locked("b", 10));
        assert!(!t.locked("a", 1001));
        t.fail("a", 1001);
        assert!(!t.locked("a", 1002));
    }

    #[test]
    fn success_clears() {
        let t = Throttle::new(1, 1000);
        t.fail("a", 0);
        assert!(t.locked("a", 1));
        t.clear("a");
        assert!(!t.locked("a", 1));
    }
}
