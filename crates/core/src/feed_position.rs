//! Where this client stands in the server's change feed between frames (the context holds it;
//! the `change_feed` module catches up with it): whether the server has a feed, and the last
//! position applied. No I/O.

use std::sync::Mutex;

#[derive(Default)]
pub(crate) struct FeedState(Mutex<Known>);

#[derive(Default)]
struct Known {
    /// `Some(false)`: the server has no feed; `None`: not asked yet on this connection.
    supported: Option<bool>,
    /// The last position applied (or, once a batch is planned, about to be).
    last: Option<u64>,
}

/// What to do with a live frame's position.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Live {
    /// Apply it (no feed, no position, or the next one).
    Apply,
    /// Applied already (by a page, or a repeat): skip it.
    Seen,
    /// Frames were missed: fetch the changes after `last` up to `position - 1` first.
    Gap { last: u64 },
}

fn place_in(known: &mut Known, position: Option<u64>) -> Live {
    let (Some(true), Some(position)) = (known.supported, position) else {
        return Live::Apply;
    };
    let Some(last) = known.last else {
        // The catch-up has not set a position yet (it is a resync's): apply it, it is newer
        // than what the resync read or repeats it.
        return Live::Apply;
    };
    let outcome = if position <= last {
        Live::Seen
    } else if position == last + 1 {
        Live::Apply
    } else {
        Live::Gap { last }
    };
    if outcome != Live::Seen {
        known.last = Some(position);
    }
    outcome
}

impl FeedState {
    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new connection: whether the server has a feed, and the position to go on from
    /// (`None` until a resync's catch-up sets it).
    pub(crate) fn reset(&self, supported: bool, last: Option<u64>) {
        *self.known() = Known {
            supported: Some(supported),
            last,
        };
    }

    /// Everything up to `position` is applied.
    pub(crate) fn applied_up_to(&self, position: u64) {
        let mut known = self.known();
        known.supported = Some(true);
        known.last = Some(known.last.map_or(position, |last| last.max(position)));
    }

    /// The position applied so far, with a feed.
    pub(crate) fn applied(&self) -> Option<u64> {
        let known = self.known();
        known.supported.filter(|s| *s).and(known.last)
    }

    /// Where a live frame with `position` stands; moves the last position on when the frame
    /// is to be applied (its batch stores it once applied).
    pub(crate) fn place(&self, position: Option<u64>) -> Live {
        place_in(&mut self.known(), position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn following(last: u64) -> Known {
        Known {
            supported: Some(true),
            last: Some(last),
        }
    }

    #[test]
    fn the_next_position_applies_a_repeat_is_skipped_and_a_jump_is_a_gap() {
        let mut known = following(5);
        assert_eq!(place_in(&mut known, Some(6)), Live::Apply);
        assert_eq!(place_in(&mut known, Some(6)), Live::Seen);
        assert_eq!(place_in(&mut known, Some(3)), Live::Seen);
        assert_eq!(place_in(&mut known, Some(9)), Live::Gap { last: 6 });
        assert_eq!(known.last, Some(9));
    }

    #[test]
    fn without_a_feed_or_a_position_every_frame_applies() {
        let mut real_service = Known {
            supported: Some(false),
            last: None,
        };
        assert_eq!(place_in(&mut real_service, Some(4)), Live::Apply);
        let mut known = following(5);
        assert_eq!(place_in(&mut known, None), Live::Apply);
        assert_eq!(known.last, Some(5));
    }
}
