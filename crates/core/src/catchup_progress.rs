//! The progress of catching up after a connect, as the window sees it: a stage, how much of it
//! is done, of how much. Told at a bounded rate, so that a catch-up of 100,000 changes costs the
//! window a hundred or so events, not one per change: a new percent, a new stage, or the end.

use crate::context::Context;
use crate::events::{CatchUpProgress, CatchUpStage};

pub(crate) struct Meter<'a> {
    ctx: &'a Context,
    stage: CatchUpStage,
    done: u64,
    total: u64,
    /// The percent last told; `None` before the first report.
    told: Option<u64>,
}

impl<'a> Meter<'a> {
    /// Starts a stage of `total` steps and tells it (at 0).
    pub fn start(ctx: &'a Context, stage: CatchUpStage, total: u64) -> Meter<'a> {
        let mut meter = Meter {
            ctx,
            stage,
            done: 0,
            total,
            told: None,
        };
        meter.tell();
        meter
    }

    /// One more step done.
    pub fn step(&mut self) {
        self.reached(self.done + 1, self.total);
    }

    /// `done` of `total` (the total may grow while catching up, as the feed's head does); never
    /// goes back, never beyond the total.
    pub fn reached(&mut self, done: u64, total: u64) {
        self.total = self.total.max(total);
        self.done = self.done.max(done).min(self.total);
        self.tell();
    }

    /// The stage is over: what was done is all there was (the feed's head as read at the
    /// start may count a change the pages then did not hold).
    pub fn finish(&mut self) {
        self.total = self.done;
        self.tell();
    }

    fn tell(&mut self) {
        let percent = percent(self.done, self.total);
        let at_end = self.done == self.total;
        if self.told == Some(percent) && !at_end {
            return;
        }
        if at_end && self.told == Some(100) {
            return;
        }
        self.told = Some(percent);
        self.ctx.report_catch_up(CatchUpProgress {
            stage: self.stage,
            done: self.done,
            total: self.total,
        });
    }
}

/// Whole percent, 100 only when all is done (and for an empty stage).
fn percent(done: u64, total: u64) -> u64 {
    match total {
        0 => 100,
        _ if done >= total => 100,
        _ => (done.saturating_mul(100) / total).min(99),
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn a_percent_is_whole_and_reaches_100_only_at_the_end() {
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(0, 7), 0);
        assert_eq!(percent(999, 1000), 99);
        assert_eq!(percent(1000, 1000), 100);
        assert_eq!(percent(1, 3), 33);
    }
}
