//! Time as the contract writes it: unix seconds plus an ordinal within the second, so that
//! events created in the same second keep their order. One clock per server.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use chatenium_api::schemas::common::Timestamp;

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Default)]
pub struct Clock {
    last: Mutex<Timestamp>,
}

impl Clock {
    /// A clock whose ticks all come after `last`: a restarted server resumes after the newest
    /// stored time, so times stay unique and ordered across restarts within one second.
    pub fn resuming_after(last: Timestamp) -> Self {
        Self {
            last: Mutex::new(last),
        }
    }

    /// A timestamp strictly after every one this clock gave before.
    pub fn tick(&self) -> Timestamp {
        let now = unix_now();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = if now > last.t {
            Timestamp::new(now, 0)
        } else {
            Timestamp::new(last.t, last.i + 1)
        };
        *last = next;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_clock_continues_after_the_last_stored_time() {
        let now = unix_now();
        let clock = Clock::resuming_after(Timestamp::new(now + 5, 7));
        assert_eq!(clock.tick(), Timestamp::new(now + 5, 8));
    }

    #[test]
    fn ticks_increase_within_one_second() {
        let clock = Clock::default();
        let ticks: Vec<Timestamp> = (0..1000).map(|_| clock.tick()).collect();
        assert!(ticks.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
