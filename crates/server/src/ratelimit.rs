//! Fixed-window attempt counters for sign-in and code endpoints. Memory stays bounded: a full
//! table drops the windows that have ended.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chatenium_api::ErrorCode;

use crate::error::ApiResult;

const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    window: Duration,
    counters: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt under `key`; `rateLimited` once more than `limit` fall in a window.
    pub fn hit(&self, key: &str, limit: u32) -> ApiResult<()> {
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if counters.len() >= MAX_KEYS {
            let window = self.window;
            counters.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = counters.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            Err(ErrorCode::RateLimited.into())
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_past_the_limit_is_refused_and_other_keys_are_not() {
        let limiter = RateLimiter::new(Duration::from_secs(60));
        for _ in 0..3 {
            limiter.hit("a", 3).unwrap();
        }
        assert_eq!(
            limiter.hit("a", 3).unwrap_err().code,
            ErrorCode::RateLimited
        );
        limiter.hit("b", 3).unwrap();
    }

    #[test]
    fn a_new_window_starts_over() {
        let limiter = RateLimiter::new(Duration::ZERO);
        for _ in 0..5 {
            limiter.hit("a", 1).unwrap();
        }
    }
}
