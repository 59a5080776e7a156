//! Rate limits on what needs no token or costs the server (codes sent, accounts made, sign-in
//! guesses, lookups): per client address, per target (an account, an e-mail address or phone
//! number) and, for codes sent, for the whole server. Each is governor's GCRA limiter: `n`
//! attempts per window as a burst, given back gradually over the window.
//!
//! Keys are strings a caller builds (`"anna-userid"`, `"127.0.0.1"`); a limit's keys live in its
//! own table. Memory stays bounded: a table past [`MAX_KEYS`] forgets the keys whose attempts
//! have all been given back.

use std::num::NonZeroU32;
use std::time::Duration;

use chatenium_api::ErrorCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;
use crate::error::ApiResult;

/// Keys a table may hold before it forgets the idle ones.
pub const MAX_KEYS: usize = 100_000;

/// What is being limited, and per what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Password, code and OAuth sign-ins, password resets and account deletions with a
    /// password, per address and account (any spelling of the account's identity) or per
    /// address and OAuth provider.
    SignIn,
    /// Sign-in attempts from one address, whatever the identity (password spraying).
    SignInPerAddress,
    /// Codes sent to, or tried for, one e-mail address or phone number.
    CodesPerTarget,
    /// Codes sent or tried from one address, whatever the target.
    CodesPerAddress,
    /// Codes the server sends at all: with SMTP configured, a bound on what it can be made to
    /// mail.
    CodesSent,
    /// Accounts made from one address.
    Registrations,
    /// Lookups of users from one address: availability, sign-in methods, user ids.
    Lookups,
    /// Challenges created from one address.
    Challenges,
}

const LIMITS: [Limit; 8] = [
    Limit::SignIn,
    Limit::SignInPerAddress,
    Limit::CodesPerTarget,
    Limit::CodesPerAddress,
    Limit::CodesSent,
    Limit::Registrations,
    Limit::Lookups,
    Limit::Challenges,
];

impl Limit {
    /// The attempts per window the settings allow; 0 turns the limit off.
    fn allowed(self, settings: &RateLimits) -> u32 {
        match self {
            Limit::SignIn => settings.sign_in,
            Limit::SignInPerAddress => settings.sign_in_per_address,
            Limit::CodesPerTarget => settings.codes,
            Limit::CodesPerAddress => settings.codes_per_address,
            Limit::CodesSent => settings.codes_sent,
            Limit::Registrations => settings.registrations,
            Limit::Lookups => settings.lookups,
            Limit::Challenges => settings.challenges,
        }
    }
}

/// Every limit's table.
pub struct RateLimiters {
    tables: Vec<Option<DefaultKeyedRateLimiter<String>>>,
}

impl RateLimiters {
    pub fn new(settings: &RateLimits) -> Self {
        let window = Duration::from_secs(settings.window_secs);
        let tables = LIMITS
            .iter()
            .map(|limit| quota(limit.allowed(settings), window).map(RateLimiter::keyed))
            .collect();
        Self { tables }
    }

    /// Counts one attempt under `key`; `rateLimited` when the key has none left.
    pub fn hit(&self, limit: Limit, key: &str) -> ApiResult<()> {
        let Some(table) = self.table(limit) else {
            return Ok(());
        };
        if table.len() >= MAX_KEYS {
            table.retain_recent();
        }
        table
            .check_key(&key.to_owned())
            .map_err(|_| ErrorCode::RateLimited.into())
    }

    fn table(&self, limit: Limit) -> Option<&DefaultKeyedRateLimiter<String>> {
        let index = LIMITS.iter().position(|&l| l == limit)?;
        self.tables.get(index)?.as_ref()
    }
}

/// `allowed` attempts at once, one given back every `window / allowed`; `None` for no limit.
fn quota(allowed: u32, window: Duration) -> Option<Quota> {
    let burst = NonZeroU32::new(allowed)?;
    let period = window.checked_div(allowed)?;
    Some(Quota::with_period(period)?.allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(sign_in: u32, window_secs: u64) -> RateLimiters {
        RateLimiters::new(&RateLimits {
            window_secs,
            sign_in,
            ..RateLimits::default()
        })
    }

    #[test]
    fn the_attempt_past_the_limit_is_refused_and_other_keys_are_not() {
        let limiter = limits(3, 60);
        for _ in 0..3 {
            limiter.hit(Limit::SignIn, "a").unwrap();
        }
        assert_eq!(
            limiter.hit(Limit::SignIn, "a").unwrap_err().code,
            ErrorCode::RateLimited
        );
        limiter.hit(Limit::SignIn, "b").unwrap();
        limiter.hit(Limit::Lookups, "a").unwrap();
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limiter = limits(0, 60);
        for _ in 0..1_000 {
            limiter.hit(Limit::SignIn, "a").unwrap();
        }
    }
}
