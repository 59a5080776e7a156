//! Progress as the UI shows it: bytes, the recent rate and the time left. Reports are
//! throttled so that a fast transfer does not flood the event stream.

use std::time::{Duration, Instant};

use crate::payloads::TransferProgress;

/// At most this many progress events per second and transfer.
const REPORT_EVERY: Duration = Duration::from_millis(250);
/// The rate is measured over about this long, so it follows changes but does not jitter.
const RATE_WINDOW: Duration = Duration::from_secs(2);

pub struct Meter {
    total: u64,
    /// The start of the current rate window: when, and how many bytes then.
    window: (Instant, u64),
    rate: u64,
    last_report: Option<Instant>,
}

impl Meter {
    pub fn new(total: u64, bytes: u64) -> Meter {
        Meter {
            total,
            window: (Instant::now(), bytes),
            rate: 0,
            last_report: None,
        }
    }

    /// Records that `bytes` are done; answers a report when one is due (always at the end).
    pub fn record(&mut self, bytes: u64) -> Option<TransferProgress> {
        let now = Instant::now();
        let (since, from) = self.window;
        let elapsed = now.saturating_duration_since(since);
        if elapsed >= REPORT_EVERY && bytes >= from {
            let measured = (bytes - from) as f64 / elapsed.as_secs_f64();
            self.rate = measured as u64;
            if elapsed >= RATE_WINDOW {
                self.window = (now, bytes);
            }
        }
        let due = self
            .last_report
            .is_none_or(|last| now.saturating_duration_since(last) >= REPORT_EVERY);
        if !due && bytes < self.total {
            return None;
        }
        self.last_report = Some(now);
        Some(self.progress(bytes))
    }

    pub fn progress(&self, bytes: u64) -> TransferProgress {
        let left = self.total.saturating_sub(bytes);
        TransferProgress {
            bytes,
            total: self.total,
            bytes_per_sec: self.rate,
            secs_left: (self.rate > 0).then(|| left.div_ceil(self.rate)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_and_the_last_report_always_go_out() {
        let mut meter = Meter::new(100, 0);
        assert_eq!(meter.record(10).map(|p| p.bytes), Some(10));
        // Right after a report, a middle one waits its turn.
        assert_eq!(meter.record(20), None);
        let last = meter.record(100).expect("the end is reported");
        assert_eq!((last.bytes, last.total), (100, 100));
    }

    #[test]
    fn time_left_follows_the_rate() {
        let meter = Meter {
            total: 1000,
            window: (Instant::now(), 0),
            rate: 100,
            last_report: None,
        };
        assert_eq!(meter.progress(250).secs_left, Some(8));
        assert_eq!(meter.progress(1000).secs_left, Some(0));
        let still = Meter::new(1000, 0);
        assert_eq!(still.progress(0).secs_left, None);
    }
}
