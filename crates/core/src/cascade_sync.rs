//! Cascades in live sync: the list of cascades the user belongs to, the socket subscription
//! that brings their threads' events to this connection, and thread messages into the cache.
//!
//! The server sends thread events only to connections subscribed to the cascade, so after
//! every (re)connect, and whenever the user joins one, the socket subscribes to every cascade
//! in the list. A kick, a ban or a deletion arrives as its own event; the list is reloaded and
//! the cascade's cached threads stop changing.

use std::sync::Arc;

use chatenium_api::schemas::cascade::{Cascade, ThreadsQuery};
use chatenium_api::schemas::thread::ThreadMessage;
use chatenium_api::ws::{ClientCommand, ServerEvent, Subscription};
use chatenium_api::{GetCascades, GetThreads};

use crate::catchup::Feed;
use crate::client::{blocking, Shared};
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::store::SyncCursor;

/// Fetches and caches the cascade list, emits what changed, and answers the subscription
/// that covers every cascade in it and the cascades new in the list.
pub(crate) async fn reload(
    shared: &Arc<Shared>,
) -> Result<(ClientCommand, Vec<String>), ClientError> {
    let cascades = shared.session.call::<GetCascades>(&(), &()).await?;
    let store = Arc::clone(&shared.store);
    let cached = cascades.clone();
    let previous = blocking(move || {
        let previous = store.cascades()?;
        store.replace_cascades(&cached)?;
        Ok(previous)
    })
    .await?;
    for diff in crate::listdiff::between(&previous, &cascades, |c: &Cascade| c.cascade_id.clone()) {
        shared.emit(CoreEvent::CascadeList { diff });
    }
    let added = cascades
        .iter()
        .filter(|c| !previous.iter().any(|p| p.cascade_id == c.cascade_id))
        .map(|c| c.cascade_id.clone())
        .collect();
    Ok((subscription(&cascades), added))
}

fn subscription(cascades: &[Cascade]) -> ClientCommand {
    ClientCommand::Subscribe(Subscription {
        cascade_ids: cascades.iter().map(|c| c.cascade_id.clone()).collect(),
    })
}

/// Caches thread messages and tells the UI.
pub(crate) async fn ingest_thread_messages(
    shared: &Arc<Shared>,
    messages: Vec<ThreadMessage>,
) -> Result<(), ClientError> {
    let store = Arc::clone(&shared.store);
    let cached = messages.clone();
    blocking(move || store.upsert_thread_messages(&cached)).await?;
    for message in messages {
        shared.emit(CoreEvent::ThreadMessage { message });
    }
    Ok(())
}

/// Every thread of every cached cascade: the thread tree cached, and each thread's messages
/// since its cursor (see [`crate::catchup`]).
pub(crate) async fn catch_up_threads(shared: &Arc<Shared>) -> Result<(), ClientError> {
    let store = Arc::clone(&shared.store);
    let cascades = blocking(move || store.cascades()).await?;
    for cascade in cascades {
        catch_up_threads_of(shared, &cascade.cascade_id).await?;
    }
    Ok(())
}

/// One cascade's thread tree (root threads first, then each one's children) and messages.
async fn catch_up_threads_of(shared: &Arc<Shared>, cascade_id: &str) -> Result<(), ClientError> {
    let mut parents: Vec<Option<String>> = vec![None];
    while let Some(parent) = parents.pop() {
        let query = ThreadsQuery {
            cascade_id: cascade_id.to_owned(),
            parent_id: parent.clone(),
        };
        let threads = shared.session.call::<GetThreads>(&query, &()).await?;
        let store = Arc::clone(&shared.store);
        let (id, cached) = (cascade_id.to_owned(), threads.clone());
        blocking(move || store.replace_threads(&id, parent.as_deref(), &cached)).await?;
        for thread in threads {
            let feed = Feed::Thread {
                cascade_id,
                thread_id: &thread.thread_id,
            };
            crate::catchup::catch_up_feed(shared, feed).await?;
            parents.push(Some(thread.thread_id));
        }
    }
    Ok(())
}

/// Applies a cascade or thread event. Answers a command for the socket when the
/// subscription must change (a cascade was joined or left).
pub(crate) async fn apply(
    shared: &Arc<Shared>,
    event: ServerEvent,
) -> Result<Option<ClientCommand>, ClientError> {
    match event {
        ServerEvent::CascadeChanged(_)
        | ServerEvent::CascadeDeleted(_)
        | ServerEvent::KickedFromCascade(_)
        | ServerEvent::MemberJoined(_)
        | ServerEvent::MemberLeft(_) => {
            let (subscribe, added) = reload(shared).await?;
            // A cascade just joined may already have threads and messages.
            for cascade_id in added {
                catch_up_threads_of(shared, &cascade_id).await?;
            }
            Ok(Some(subscribe))
        }
        ServerEvent::ThreadCreated(thread) => {
            catch_up_threads_of(shared, &thread.cascade_id).await?;
            Ok(None)
        }
        ServerEvent::NewThreadMessage(message) => {
            let feed = Feed::Thread {
                cascade_id: &message.cascade_id,
                thread_id: &message.thread_id,
            };
            let cursor = SyncCursor::After(message.msgid.clone());
            ingest_thread_messages(shared, vec![message.clone()]).await?;
            crate::catchup::set_cursor(shared, feed, cursor).await?;
            Ok(None)
        }
        _ => Ok(None),
    }
}
