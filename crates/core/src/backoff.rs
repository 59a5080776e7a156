//! Jittered exponential backoff, shared by retries and reconnects: spreads clients out after an
//! outage instead of having them all return in the same second.

use std::time::Duration;

use rand::Rng;

const BASE: Duration = Duration::from_millis(200);
const CAP: Duration = Duration::from_secs(30);

/// The wait before try number `attempt` (1-based): a random duration up to `BASE * 2^attempt`,
/// at most [`CAP`] ("full jitter").
pub fn delay(attempt: u32) -> Duration {
    let ceiling = BASE.saturating_mul(1u32 << attempt.min(16)).min(CAP);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_capped() {
        for attempt in 1..40 {
            let d = delay(attempt);
            assert!(d <= CAP, "{attempt}: {d:?}");
            assert!(d >= BASE.saturating_mul(1 << attempt.min(16)).min(CAP) / 2);
        }
    }
}
