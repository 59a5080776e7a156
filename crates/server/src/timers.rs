//! Work that waits for a moment named in unix seconds: a transfer's expiry, a ring's end.
//! Each is one tokio task that sleeps and then checks, in the database, that the moment still
//! matters (the transfer is still pending, the ring still the same), so nothing has to cancel
//! it.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The unix second at least `secs` from now, for a duration from the settings: the current
/// second is rounded up, so a one-second timeout never fires after a few milliseconds.
/// Saturates rather than wrapping on absurd settings.
pub fn from_now(secs: u64) -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let next_whole_second = now.as_secs() as i64 + i64::from(now.subsec_nanos() > 0);
    next_whole_second.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// How long from now until unix second `at`: zero once it has passed, `None` when it lies
/// beyond what the system clock can name (a moment that never comes in practice).
pub fn until_unix(at: i64) -> Option<Duration> {
    let at = UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(at).unwrap_or(0)))?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Runs `work` at unix second `at` (at once if it has passed; never if it lies beyond the
/// clock).
pub fn run_at<F>(at: i64, work: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let Some(wait) = until_unix(at) else {
        return;
    };
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        work.await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::unix_now;

    #[test]
    fn moments_beyond_the_clock_do_not_panic() {
        assert_eq!(until_unix(0), Some(Duration::ZERO));
        assert_eq!(until_unix(-5), Some(Duration::ZERO));
        let _ = until_unix(i64::MAX);
        assert_eq!(from_now(u64::MAX), i64::MAX);
        assert!(until_unix(from_now(60)).is_some_and(|d| d > Duration::from_secs(58)));
        assert!(from_now(0) >= unix_now());
    }
}
