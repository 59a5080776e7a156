//! Catching up after a (re)connect: the chat list, then each chat from its sync cursor (and
//! each thread, when `cascade_sync` walks the thread trees) — every conversation the same way, through its
//! [`Feed`].
//!
//! The socket is open (and the server queues events for it) before this runs, so everything
//! stored from then on also arrives live; what was stored before is fetched here. Messages are
//! stored by `msgid`, so one that comes both ways is applied once.

use std::collections::HashSet;

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use chatenium_api::GetContacts;

use crate::context::Context;
use crate::conversation::ConversationId;
use crate::diff::ListDiff;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::feed::Feed;
use crate::store::SyncCursor;
use crate::timeline::TimelineMessage;

/// Fetches the chat list, caches it and shows it; the chats in it are then caught up one by
/// one ([`catch_up_feed`]) by the sync task, which counts them.
pub(crate) async fn chat_list(ctx: &Context) -> Result<Vec<Contact>, ClientError> {
    let contacts = ctx.session.call::<GetContacts>(&(), &()).await?;
    replace_chat_list(ctx, &contacts).await?;
    ctx.emit(CoreEvent::ChatList {
        diff: ListDiff::Reset {
            items: contacts.clone(),
        },
    });
    Ok(contacts)
}

/// Caches `contacts` as the chat list. A cached chat missing from it was deleted (by either
/// partner, maybe while this client was away): its messages and sync cursor go with it, as they
/// went on the server. Answers the list cached before.
pub(crate) async fn replace_chat_list(
    ctx: &Context,
    contacts: &[Contact],
) -> Result<Vec<Contact>, ClientError> {
    let contacts = contacts.to_vec();
    ctx.store
        .run(move |store| {
            let previous = store.contacts()?;
            store.replace_contacts(&contacts)?;
            for gone in previous
                .iter()
                .filter(|p| !contacts.iter().any(|c| c.chatid == p.chatid))
            {
                store.remove_contact(&gone.chatid)?;
            }
            Ok(previous)
        })
        .await
}

/// Fetches one page and stores it. Answers how many came and the newest one's id.
async fn page<F: Feed>(
    ctx: &Context,
    feed: &F,
    from: Option<u32>,
    limit: u32,
    after: Option<String>,
) -> Result<(usize, Option<String>), ClientError> {
    tracing::debug!(conversation = ?feed.id(), ?from, ?after, "catching up a page");
    let page = feed.fetch(ctx, from, limit, after).await?;
    let newest = page.last().map(|m| m.msgid().to_owned());
    let count = page.len();
    crate::conversations::ingest(ctx, feed, page).await?;
    Ok((count, newest))
}

/// Fetches what a conversation (a chat or a thread) received since its cursor.
pub(crate) async fn catch_up_feed<F: Feed>(ctx: &Context, feed: &F) -> Result<(), ClientError> {
    let key = feed.id().cursor_key();
    match ctx.store.run(move |s| s.sync_cursor(&key)).await? {
        Some(SyncCursor::After(msgid)) => match pages_after(ctx, feed, msgid).await {
            // The cursor's message was deleted meanwhile: walk back from the newest page to
            // what the cache already holds, so nothing between is left out.
            Err(ClientError::Api { status: 404, .. }) => back_to_cached(ctx, feed).await,
            other => other,
        },
        Some(SyncCursor::Start) => everything(ctx, feed).await,
        None => newest_page(ctx, feed).await,
    }
}

/// Records that everything in the feed up to the cursor has arrived.
pub(crate) async fn set_cursor(
    ctx: &Context,
    id: &ConversationId,
    cursor: SyncCursor,
) -> Result<(), ClientError> {
    let key = id.cursor_key();
    ctx.store
        .run(move |s| s.set_sync_cursor(&key, &cursor))
        .await
}

/// Everything newer than `msgid`, a page at a time, oldest first.
async fn pages_after<F: Feed>(
    ctx: &Context,
    feed: &F,
    mut msgid: String,
) -> Result<(), ClientError> {
    loop {
        let (count, newest) = page(ctx, feed, None, MAX_PAGE_SIZE, Some(msgid.clone())).await?;
        let Some(newest) = newest else {
            return Ok(());
        };
        set_cursor(ctx, &feed.id(), SyncCursor::After(newest.clone())).await?;
        if (count as u32) < MAX_PAGE_SIZE {
            return Ok(());
        }
        msgid = newest;
    }
}

/// A feed never synced: its newest page is enough to show it; older pages come by
/// back-paging. A page that is not full is the whole history, so an empty one means the feed
/// was empty, and from then on all of it is new ([`SyncCursor::Start`]).
async fn newest_page<F: Feed>(ctx: &Context, feed: &F) -> Result<(), ClientError> {
    let (_, newest) = page(ctx, feed, Some(0), DEFAULT_PAGE_SIZE, None).await?;
    let cursor = newest.map_or(SyncCursor::Start, SyncCursor::After);
    set_cursor(ctx, &feed.id(), cursor).await
}

/// How many of the newest cached messages [`back_to_cached`] recognises; the walk back ends at
/// the first page holding one of them.
const KNOWN_TAIL: u32 = 1_000;

/// A feed whose cursor message is gone: pages from the newest backwards until one holds a
/// message the cache already has (or the history ends), so the gap between the old cursor and
/// now is filled however long it is. Starting over from the newest page alone would leave
/// everything older than that page and newer than the cache missing for good.
async fn back_to_cached<F: Feed>(ctx: &Context, feed: &F) -> Result<(), ClientError> {
    let cache = feed.clone();
    let known: HashSet<String> = ctx
        .store
        .run(move |store| cache.cached_latest(store, KNOWN_TAIL))
        .await?
        .iter()
        .map(|m| m.msgid().to_owned())
        .collect();
    let mut from = 0;
    let mut newest = None;
    loop {
        let page = feed.fetch(ctx, Some(from), MAX_PAGE_SIZE, None).await?;
        let count = page.len();
        let reached_cache = page.iter().any(|m| known.contains(m.msgid()));
        if newest.is_none() {
            newest = page.last().map(|m| m.msgid().to_owned());
        }
        crate::conversations::ingest(ctx, feed, page).await?;
        if reached_cache || (count as u32) < MAX_PAGE_SIZE {
            break;
        }
        from += MAX_PAGE_SIZE;
    }
    let cursor = newest.map_or(SyncCursor::Start, SyncCursor::After);
    set_cursor(ctx, &feed.id(), cursor).await
}

/// A feed that was empty when last synced: all its messages are new. Pages go from the
/// newest backwards; a message arriving meanwhile shifts the offsets, which only repeats a
/// message (applied once by `msgid`), never skips one.
async fn everything<F: Feed>(ctx: &Context, feed: &F) -> Result<(), ClientError> {
    let mut from = 0;
    let mut newest = None;
    loop {
        let (count, page_newest) = page(ctx, feed, Some(from), MAX_PAGE_SIZE, None).await?;
        if newest.is_none() {
            newest = page_newest;
        }
        if (count as u32) < MAX_PAGE_SIZE {
            break;
        }
        from += MAX_PAGE_SIZE;
    }
    match newest {
        Some(msgid) => set_cursor(ctx, &feed.id(), SyncCursor::After(msgid)).await,
        None => Ok(()),
    }
}
