//! Catching up from the server's change feed (an extension: `chatenium_api::GetChanges`), so
//! that what changed while this client was away (edits, deletions, pins, contacts, profiles,
//! cascades, members, threads) reaches the cache exactly, not only new messages.
//!
//! The sync model, in short (the whole of it: `docs/sync-model.md`):
//! - Every change the user may see has a position in the user's feed on the server, 1, 2, 3,
//!   ... with no gap; live frames carry it. The store keeps the last position applied.
//! - After each connect (and so after each start), before the per-conversation catch-up, the
//!   changes after that position are fetched a page at a time and applied through the same
//!   paths as live events (the `sync` module), each page as one batch; the position is stored
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

use chatenium_api::ws::{ChangesPage, ChangesQuery, ServerEvent, MAX_CHANGES_PAGE};
use chatenium_api::GetChanges;

use crate::context::Context;
use crate::error::ClientError;
use crate::events::CoreEvent;
pub(crate) use crate::feed_position::Live;

/// How the catch-up after a connect goes.
pub(crate) enum Plan {
    /// The server has no feed: the per-conversation catch-up alone.
    NoFeed,
    /// Replay the feed after this position up to the head (as it stood when asked), then the
    /// per-conversation catch-up (which then finds little).
    Replay { since: u64, head: u64 },
    /// The cache cannot be brought up from the feed: drop its messages, catch up every
    /// conversation anew, and continue the feed from `head`.
    Resync { head: u64 },
}

/// Asks the server where the feed stands for this cache, before anything is caught up.
pub(crate) async fn plan(ctx: &Context) -> Result<Plan, ClientError> {
    let stored = ctx.store.run(|s| s.change_position()).await?;
    let page = match fetch(ctx, stored, 1).await {
        Err(ClientError::Api { status: 404, .. }) => {
            ctx.change_feed.reset(false, None);
            tracing::debug!("the server has no change feed");
            return Ok(Plan::NoFeed);
        }
        other => other?,
    };
    let plan = match stored {
        Some(since) if !page.too_far_behind => Plan::Replay {
            since,
            head: page.head,
        },
        _ => Plan::Resync { head: page.head },
    };
    // Live frames wait in the socket until the catch-up is done; until then none is applied.
    let last = match plan {
        Plan::Replay { since, .. } => Some(since),
        _ => None,
    };
    ctx.change_feed.reset(true, last);
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

/// One page of the feed, decoded.
pub(crate) struct Page {
    pub events: Vec<ServerEvent>,
    /// The position the page reaches (`since` when there was nothing after it).
    pub reached: u64,
    /// The feed's newest position when the page was read (for the catch-up's progress).
    pub head: u64,
}

/// The next page of changes after `since`, decoded, with the position it reaches; empty at
/// the head. A change this build cannot read (a newer server's) is skipped, as a live frame
/// would be.
pub(crate) async fn next_page(
    ctx: &Context,
    since: u64,
    until: Option<u64>,
) -> Result<Page, ClientError> {
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
    Ok(Page {
        events,
        reached,
        head: page.head,
    })
}

/// Records that everything up to `position` is applied.
pub(crate) async fn store_position(ctx: &Context, position: u64) -> Result<(), ClientError> {
    ctx.change_feed.applied_up_to(position);
    ctx.store
        .run(move |s| s.set_change_position(position))
        .await
}

/// The feed's position applied so far in memory, to store once a batch is applied.
pub(crate) fn applied(ctx: &Context) -> Option<u64> {
    ctx.change_feed.applied()
}

/// Where a live frame with `position` stands, given what was applied (see `FeedState::place`).
pub(crate) fn place(ctx: &Context, position: Option<u64>) -> Live {
    ctx.change_feed.place(position)
}

async fn fetch(ctx: &Context, since: Option<u64>, limit: u32) -> Result<ChangesPage, ClientError> {
    let query = ChangesQuery {
        since,
        limit: Some(limit),
    };
    ctx.session.call::<GetChanges>(&query, &()).await
}
