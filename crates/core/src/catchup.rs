//! Catching up after a (re)connect: the chat list, then each chat from its sync cursor.
//!
//! The socket is open (and the server queues events for it) before this runs, so everything
//! stored from then on also arrives live; what was stored before is fetched here. Messages are
//! stored by `msgid`, so one that comes both ways is applied once.

use std::sync::Arc;

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{GetMessagesQuery, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use chatenium_api::schemas::thread::TMGetMessagesQuery;
use chatenium_api::{DmGetMessages, GetContacts, TmGetMessages};

use crate::client::{blocking, Shared};
use crate::diff::ListDiff;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::store::SyncCursor;

/// Brings the chat list and every chat in it up to date.
pub(crate) async fn catch_up(shared: &Arc<Shared>) -> Result<(), ClientError> {
    let contacts = shared.session.call::<GetContacts>(&(), &()).await?;
    replace_chat_list(shared, &contacts).await?;
    shared.emit(CoreEvent::ChatList {
        diff: ListDiff::Reset {
            items: contacts.clone(),
        },
    });
    for contact in contacts {
        catch_up_chat(shared, &contact.chatid).await?;
    }
    Ok(())
}

/// Caches `contacts` as the chat list. A cached chat missing from it was deleted (by either
/// partner, maybe while this client was away): its messages and sync cursor go with it, as they
/// went on the server. Answers the list cached before.
pub(crate) async fn replace_chat_list(
    shared: &Arc<Shared>,
    contacts: &[Contact],
) -> Result<Vec<Contact>, ClientError> {
    let store = Arc::clone(&shared.store);
    let contacts = contacts.to_vec();
    blocking(move || {
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

/// A stream of messages that catches up the same way: a direct chat or a cascade's thread.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Feed<'a> {
    Chat(&'a str),
    Thread {
        cascade_id: &'a str,
        thread_id: &'a str,
    },
}

impl Feed<'_> {
    /// The feed's key in the store's cursors (a chat's is its id, as before threads).
    fn cursor_key(&self) -> String {
        match self {
            Feed::Chat(chatid) => (*chatid).to_owned(),
            Feed::Thread {
                cascade_id,
                thread_id,
            } => format!("thread:{cascade_id}/{thread_id}"),
        }
    }

    /// Fetches one page and caches it. Answers how many came and the newest one's id.
    async fn page(
        &self,
        shared: &Arc<Shared>,
        from: Option<u32>,
        limit: u32,
        after: Option<String>,
    ) -> Result<(usize, Option<String>), ClientError> {
        tracing::debug!(feed = ?self, ?from, ?after, "catching up a page");
        match *self {
            Feed::Chat(chatid) => {
                let query = GetMessagesQuery {
                    chatid: chatid.to_owned(),
                    from,
                    limit: Some(limit),
                    after,
                };
                let page = shared.session.call::<DmGetMessages>(&query, &()).await?;
                let newest = page.last().map(|m| m.msgid.clone());
                let count = page.len();
                shared.ingest_messages(page).await?;
                Ok((count, newest))
            }
            Feed::Thread {
                cascade_id,
                thread_id,
            } => {
                let query = TMGetMessagesQuery {
                    cascade_id: cascade_id.to_owned(),
                    thread_id: thread_id.to_owned(),
                    from,
                    limit: Some(limit),
                    after,
                };
                let page = shared.session.call::<TmGetMessages>(&query, &()).await?;
                let newest = page.last().map(|m| m.msgid.clone());
                let count = page.len();
                crate::cascade_sync::ingest_thread_messages(shared, page).await?;
                Ok((count, newest))
            }
        }
    }
}

/// Fetches what one chat received since its cursor.
pub(crate) async fn catch_up_chat(shared: &Arc<Shared>, chatid: &str) -> Result<(), ClientError> {
    catch_up_feed(shared, Feed::Chat(chatid)).await
}

/// Fetches what a chat or thread received since its cursor.
pub(crate) async fn catch_up_feed(shared: &Arc<Shared>, feed: Feed<'_>) -> Result<(), ClientError> {
    let store = Arc::clone(&shared.store);
    let key = feed.cursor_key();
    match blocking(move || store.sync_cursor(&key)).await? {
        Some(SyncCursor::After(msgid)) => match pages_after(shared, feed, msgid).await {
            // The cursor's message was deleted meanwhile: start over from the newest page.
            Err(ClientError::Api { status: 404, .. }) => newest_page(shared, feed).await,
            other => other,
        },
        Some(SyncCursor::Start) => everything(shared, feed).await,
        None => newest_page(shared, feed).await,
    }
}

/// Records that everything in the feed up to the cursor has arrived.
pub(crate) async fn set_cursor(
    shared: &Arc<Shared>,
    feed: Feed<'_>,
    cursor: SyncCursor,
) -> Result<(), ClientError> {
    let store = Arc::clone(&shared.store);
    let key = feed.cursor_key();
    blocking(move || store.set_sync_cursor(&key, &cursor)).await
}

/// Everything newer than `msgid`, a page at a time, oldest first.
async fn pages_after(
    shared: &Arc<Shared>,
    feed: Feed<'_>,
    mut msgid: String,
) -> Result<(), ClientError> {
    loop {
        let (count, newest) = feed
            .page(shared, None, MAX_PAGE_SIZE, Some(msgid.clone()))
            .await?;
        let Some(newest) = newest else {
            return Ok(());
        };
        set_cursor(shared, feed, SyncCursor::After(newest.clone())).await?;
        if (count as u32) < MAX_PAGE_SIZE {
            return Ok(());
        }
        msgid = newest;
    }
}

/// A feed never synced: its newest page is enough to show it; older pages come by
/// back-paging. A page that is not full is the whole history, so an empty one means the feed
/// was empty, and from then on all of it is new ([`SyncCursor::Start`]).
async fn newest_page(shared: &Arc<Shared>, feed: Feed<'_>) -> Result<(), ClientError> {
    let (_, newest) = feed.page(shared, Some(0), DEFAULT_PAGE_SIZE, None).await?;
    let cursor = newest.map_or(SyncCursor::Start, SyncCursor::After);
    set_cursor(shared, feed, cursor).await
}

/// A feed that was empty when last synced: all its messages are new. Pages go from the
/// newest backwards; a message arriving meanwhile shifts the offsets, which only repeats a
/// message (applied once by `msgid`), never skips one.
async fn everything(shared: &Arc<Shared>, feed: Feed<'_>) -> Result<(), ClientError> {
    let mut from = 0;
    let mut newest = None;
    loop {
        let (count, page_newest) = feed.page(shared, Some(from), MAX_PAGE_SIZE, None).await?;
        if newest.is_none() {
            newest = page_newest;
        }
        if (count as u32) < MAX_PAGE_SIZE {
            break;
        }
        from += MAX_PAGE_SIZE;
    }
    match newest {
        Some(msgid) => set_cursor(shared, feed, SyncCursor::After(msgid)).await,
        None => Ok(()),
    }
}
