//! Catching up from the server's change feed (an extension: `chatenium_api::GetChanges`), so
//! that what changed while this client was away (edits, deletions, pins, contacts, profiles,
//! cascades, members, threads) reaches the cache exactly, not only new messages.
//!
//! The sync model, in short (the whole of it: `docs/sync-model.md`):
//! - Every change the user may see has a position in the user's feed on the server, 1, 2, 3,
//!   ... with no gap; live frames carry it. The store keeps the last position applied.
//! - After each connect (and so after each start), before the per-conversation catch-up, the
//!   changes after that position are fetched a page at a time and applied through the same
//!   paths as live events ([`crate::sync`]), each page as one batch; the position is stored
//!   after each page is applied, so a crash repeats a page (every change is idempotent) and
//!   never skips one.
//! - While live, a frame whose position is not the last + 1 means frames were missed (a
//!   thread event of a cascade the socket did not follow yet, or the client's own change,
//!   which the server does not echo to the connection that made it): the missing range is
//!   fetched and applied first. A frame at or before the last position was applied already.
//! - Too far behind (the position is before the server's kept window), or no position yet
//!   (the first start, or a cache from before the feed): a full resync of what the cache
//!   holds. [`CoreEvent::FullResync`] tells the window, every cached message and sync cursor
//!   is dropped, and the per-conversation catch-up reads each conversation anew; the feed then
//!   continues from the head read before it.
//! - A server without the feed (the real service answers 404) keeps the per-conversation
//!   catch-up alone, as before.

use std::sync::Mutex;

use chatenium_api::ws::{ChangesPage, ChangesQuery, ServerEvent, MAX_CHANGES_PAGE};
use chatenium_api::GetChanges;

use crate::context::Context;
use crate::error::ClientError;
use crate::events::CoreEvent;

/// What this client knows of the server's feed, between frames.
#[derive(Default)]
pub(crate) struct FeedState(Mutex<Known>);

#[derive(Default, Clone, Copy)]
struct Known {
    /// `Some(false)`: the server has no feed; `None`: not asked yet on this connection.
    supported: Option<bool>,
    /// The last position applied (or, once a batch is planned, about to be).
    last: Option<u64>,
}

impl FeedState {
    fn get(&self) -> Known {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, known: Known) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = known;
    }
}

/// How the catch-up after a connect goes.
pub(crate) enum Plan {
    /// The server has no feed: the per-conversation catch-up alone.
    NoFeed,
    /// Replay the feed after this position, then the per-conversation catch-up (which then
    /// finds little).
    Replay { since: u64 },
    /// The cache cannot be brought up from the feed: drop its messages, catch up every
    /// conversation anew, and continue the feed from `head`.
    Resync { head: u64 },
}

/// Asks the server where the feed stands for this cache, before anything is caught up.
pub(crate) async fn plan(ctx: &Context) -> Result<Plan, ClientError> {
    let stored = ctx.store.run(|s| s.change_position()).await?;
    let page = match fetch(ctx, stored, 1).await {
        Err(ClientError::Api { status: 404, .. }) => {
            ctx.change_feed.set(Known {
                supported: Some(false),
                last: None,
            });
            tracing::debug!("the server has no change feed");
            return Ok(Plan::NoFeed);
        }
        other => other?,
    };
    let plan = match stored {
        Some(since) if !page.too_far_behind => Plan::Replay { since },
        _ => Plan::Resync { head: page.head },
    };
    // Live frames wait in the socket until the catch-up is done; until then none is applied.
    ctx.change_feed.set(Known {
        supported: Some(true),
        last: match plan {
            Plan::Replay { since } => Some(since),
            _ => None,
        },
    });
    Ok(plan)
}

/// The first half of a resync: the window is told, and the cached messages go, so that the
/// per-conversation catch-up reads each conversation anew.
pub(crate) async fn begin_resync(ctx: &Context, head: u64) -> Result<(), ClientError> {
    tracing::info!(
        head,
        "the change feed cannot bring the cache up: a full resync"
    );
    ctx.emit(CoreEvent::FullResync);
    ctx.store.run(|s| s.forget_messages()).await?;
    crate::conversations::forget_open(ctx).await
}

/// The second half: the per-conversation catch-up is done; the feed goes on from `head`
/// (what changed during the catch-up follows as frames, or as a gap they show).
pub(crate) async fn end_resync(ctx: &Context, head: u64) -> Result<(), ClientError> {
    store_position(ctx, head).await
}

/// The next page of changes after `since`, decoded, with the position it reaches; empty at
/// the head. A change this build cannot read (a newer server's) is skipped, as a live frame
/// would be.
pub(crate) async fn next_page(
    ctx: &Context,
    since: u64,
    until: Option<u64>,
) -> Result<(Vec<ServerEvent>, u64), ClientError> {
    let page = fetch(ctx, Some(since), MAX_CHANGES_PAGE).await?;
    if page.too_far_behind {
        return Err(ClientError::Decode(format!(
            "the change feed no longer holds position {since}"
        )));
    }
    let mut reached = since;
    let mut events = Vec::with_capacity(page.changes.len());
    for change in page.changes {
        if until.is_some_and(|until| change.position > until) || change.position <= reached {
            break;
        }
        reached = change.position;
        match ServerEvent::from_frame(&change.frame()) {
            Ok(event) => events.push(event),
            Err(error) => tracing::debug!(%error, "skipped a change"),
        }
    }
    Ok((events, reached))
}

/// Records that everything up to `position` is applied.
pub(crate) async fn store_position(ctx: &Context, position: u64) -> Result<(), ClientError> {
    let mut known = ctx.change_feed.get();
    known.supported = Some(true);
    known.last = Some(known.last.map_or(position, |last| last.max(position)));
    ctx.change_feed.set(known);
    ctx.store
        .run(move |s| s.set_change_position(position))
        .await
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

/// Where a live frame with `position` stands, given what was applied; moves the last
/// position on when the frame is to be applied (its batch stores it once applied).
pub(crate) fn place(ctx: &Context, position: Option<u64>) -> Live {
    let mut known = ctx.change_feed.get();
    let outcome = place_in(&mut known, position);
    ctx.change_feed.set(known);
    outcome
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

/// The feed's position applied so far in memory, to store once a batch is applied.
pub(crate) fn applied(ctx: &Context) -> Option<u64> {
    let known = ctx.change_feed.get();
    known.supported.filter(|s| *s).and(known.last)
}

async fn fetch(ctx: &Context, since: Option<u64>, limit: u32) -> Result<ChangesPage, ClientError> {
    let query = ChangesQuery {
        since,
        limit: Some(limit),
    };
    ctx.session.call::<GetChanges>(&query, &()).await
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
