//! Catching up after a (re)connect: the chat list, then each chat from its sync cursor.
//!
//! The socket is open (and the server queues events for it) before this runs, so everything
//! stored from then on also arrives live; what was stored before is fetched here. Messages are
//! stored by `msgid`, so one that comes both ways is applied once.

use std::sync::Arc;

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{GetMessagesQuery, Message, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use chatenium_api::{DmGetMessages, GetContacts};

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

/// Fetches what one chat received since its cursor.
pub(crate) async fn catch_up_chat(shared: &Arc<Shared>, chatid: &str) -> Result<(), ClientError> {
    let store = Arc::clone(&shared.store);
    let id = chatid.to_owned();
    match blocking(move || store.sync_cursor(&id)).await? {
        Some(SyncCursor::After(msgid)) => match pages_after(shared, chatid, msgid).await {
            // The cursor's message was deleted meanwhile: start over from the newest page.
            Err(ClientError::Api { status: 404, .. }) => newest_page(shared, chatid).await,
            other => other,
        },
        Some(SyncCursor::Start) => everything(shared, chatid).await,
        None => newest_page(shared, chatid).await,
    }
}

pub(crate) async fn set_cursor(
    shared: &Arc<Shared>,
    chatid: &str,
    cursor: SyncCursor,
) -> Result<(), ClientError> {
    let store = Arc::clone(&shared.store);
    let chatid = chatid.to_owned();
    blocking(move || store.set_sync_cursor(&chatid, &cursor)).await
}

/// Everything newer than `msgid`, a page at a time, oldest first.
async fn pages_after(
    shared: &Arc<Shared>,
    chatid: &str,
    mut msgid: String,
) -> Result<(), ClientError> {
    loop {
        let page = fetch(shared, chatid, None, MAX_PAGE_SIZE, Some(msgid.clone())).await?;
        let full = page.len() as u32 >= MAX_PAGE_SIZE;
        let Some(newest) = page.last().map(|m| m.msgid.clone()) else {
            return Ok(());
        };
        shared.ingest_messages(page).await?;
        set_cursor(shared, chatid, SyncCursor::After(newest.clone())).await?;
        if !full {
            return Ok(());
        }
        msgid = newest;
    }
}

/// A chat never synced: its newest page is enough to show it; older pages come by
/// back-paging. A page that is not full is the whole history, so an empty one means the chat
/// was empty, and from then on all of it is new ([`SyncCursor::Start`]).
async fn newest_page(shared: &Arc<Shared>, chatid: &str) -> Result<(), ClientError> {
    let page = fetch(shared, chatid, Some(0), DEFAULT_PAGE_SIZE, None).await?;
    let cursor = match page.last() {
        Some(newest) => SyncCursor::After(newest.msgid.clone()),
        None => SyncCursor::Start,
    };
    shared.ingest_messages(page).await?;
    set_cursor(shared, chatid, cursor).await
}

/// A chat that was empty when last synced: all its messages are new. Pages go from the
/// newest backwards; a message arriving meanwhile shifts the offsets, which only repeats a
/// message (applied once by `msgid`), never skips one.
async fn everything(shared: &Arc<Shared>, chatid: &str) -> Result<(), ClientError> {
    let mut from = 0;
    let mut newest = None;
    loop {
        let page = fetch(shared, chatid, Some(from), MAX_PAGE_SIZE, None).await?;
        let full = page.len() as u32 >= MAX_PAGE_SIZE;
        if newest.is_none() {
            newest = page.last().map(|m| m.msgid.clone());
        }
        shared.ingest_messages(page).await?;
        if !full {
            break;
        }
        from += MAX_PAGE_SIZE;
    }
    match newest {
        Some(msgid) => set_cursor(shared, chatid, SyncCursor::After(msgid)).await,
        None => Ok(()),
    }
}

async fn fetch(
    shared: &Arc<Shared>,
    chatid: &str,
    from: Option<u32>,
    limit: u32,
    after: Option<String>,
) -> Result<Vec<Message>, ClientError> {
    let query = GetMessagesQuery {
        chatid: chatid.to_owned(),
        from,
        limit: Some(limit),
        after,
    };
    let page = shared.session.call::<DmGetMessages>(&query, &()).await?;
    tracing::debug!(chatid, from = ?query.from, after = ?query.after, fetched = page.len(), "caught up a page");
    Ok(page)
}
