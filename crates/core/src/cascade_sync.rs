//! Cascades in live sync: the list of cascades the user belongs to, the socket subscription
//! that brings their threads' events to this connection, the thread trees, and thread
//! messages (through the same [`Feed`] path as a direct chat's).
//!
//! The server sends thread events only to connections subscribed to the cascade, so after
//! every (re)connect, and whenever the user joins one, the socket subscribes to every cascade
//! in the list. A kick, a ban or a deletion arrives as its own event; the list is reloaded and
//! the cascade's cached threads stop changing.

use chatenium_api::schemas::cascade::{Cascade, ThreadsQuery};
use chatenium_api::ws::{ClientCommand, ServerEvent, Subscription};
use chatenium_api::{GetCascades, GetThreads};

use crate::context::Context;
use crate::conversations;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::feed::{Feed, ThreadFeed};
use crate::store::SyncCursor;

/// Tells which cascades are muted on this device ([`CoreEvent::MutedCascades`]): with every
/// reload of the list, so the attention machine knows before the first catch-up ends.
pub(crate) async fn announce_muted(ctx: &Context) -> Result<(), ClientError> {
    let cascade_ids = ctx.store.run(|s| s.muted_cascades()).await?;
    ctx.emit(CoreEvent::MutedCascades { cascade_ids });
    Ok(())
}

/// Fetches and caches the cascade list, emits what changed, and answers the subscription
/// that covers every cascade in it and the cascades new in the list.
pub(crate) async fn reload(ctx: &Context) -> Result<(ClientCommand, Vec<String>), ClientError> {
    let cascades = ctx.session.call::<GetCascades>(&(), &()).await?;
    let cached = cascades.clone();
    let previous = ctx
        .store
        .run(move |s| {
            let previous = s.cascades()?;
            s.replace_cascades(&cached)?;
            Ok(previous)
        })
        .await?;
    for diff in crate::listdiff::between(&previous, &cascades, |c: &Cascade| c.cascade_id.clone()) {
        ctx.emit(CoreEvent::CascadeList { diff });
    }
    announce_muted(ctx).await?;
    let added = cascades
        .iter()
        .filter(|c| !previous.iter().any(|p| p.cascade_id == c.cascade_id))
        .map(|c| c.cascade_id.clone())
        .collect();
    Ok((subscription(&cascades), added))
}

/// Reloads the list after this client's own change (which the server does not echo to it).
/// For a cascade new in it, the socket subscribes first (and the server confirms it), then its
/// threads catch up: a thread message is either caught up or arrives live, never neither.
pub(crate) async fn after_own_change(ctx: &Context) -> Result<(), ClientError> {
    let (_, added) = reload(ctx).await?;
    if added.is_empty() {
        return Ok(());
    }
    ctx.subscribe_cached().await;
    for cascade_id in added {
        catch_up_threads_of(ctx, &cascade_id).await?;
    }
    Ok(())
}

/// The socket's part in a change of the cascade list: the subscription to send, then the
/// cascades new in the list, whose threads catch up once it is sent.
pub(crate) struct Follow {
    pub subscribe: ClientCommand,
    pub added: Vec<String>,
}

/// The subscription for every cached cascade.
pub(crate) async fn cached_subscription(ctx: &Context) -> Result<ClientCommand, ClientError> {
    let cascades = ctx.store.run(|s| s.cascades()).await?;
    Ok(subscription(&cascades))
}

fn subscription(cascades: &[Cascade]) -> ClientCommand {
    ClientCommand::Subscribe(Subscription {
        cascade_ids: cascades.iter().map(|c| c.cascade_id.clone()).collect(),
    })
}

/// One cascade's thread tree (root threads first, then each one's children) and messages.
/// A level of the tree that changed is published as [`CoreEvent::Threads`].
pub(crate) async fn catch_up_threads_of(
    ctx: &Context,
    cascade_id: &str,
) -> Result<(), ClientError> {
    let mut parents: Vec<Option<String>> = vec![None];
    while let Some(parent) = parents.pop() {
        let query = ThreadsQuery {
            cascade_id: cascade_id.to_owned(),
            parent_id: parent.clone(),
        };
        let threads = ctx.session.call::<GetThreads>(&query, &()).await?;
        let (id, level, cached) = (cascade_id.to_owned(), parent.clone(), threads.clone());
        let previous = ctx
            .store
            .run(move |s| {
                let previous = s.threads(&id, level.as_deref())?;
                s.replace_threads(&id, level.as_deref(), &cached)?;
                Ok(previous)
            })
            .await?;
        if previous != threads {
            ctx.emit(CoreEvent::Threads {
                cascade_id: cascade_id.to_owned(),
                parent_id: parent.clone(),
                threads: threads.clone(),
            });
        }
        for thread in threads {
            let feed = ThreadFeed::new(cascade_id, &thread.thread_id);
            crate::catchup::catch_up_feed(ctx, &feed).await?;
            parents.push(Some(thread.thread_id));
        }
    }
    Ok(())
}

/// Catches up a cascade's threads after a live thread event. `notFound` means the user was
/// removed from the cascade meanwhile (the removal is among the next frames): nothing to
/// follow, and no reason to drop the connection, which would lose that removal's event.
async fn after_thread_event(ctx: &Context, cascade_id: &str) -> Result<(), ClientError> {
    match catch_up_threads_of(ctx, cascade_id).await {
        Err(error) if error.code() == Some(chatenium_api::ErrorCode::NotFound) => Ok(()),
        other => other,
    }
}

/// Applies a cascade or thread event. Answers what the socket must do when the subscription
/// changes (a cascade was joined or left).
pub(crate) async fn apply(
    ctx: &Context,
    event: ServerEvent,
) -> Result<Option<Follow>, ClientError> {
    if let ServerEvent::KickedFromCascade(removal) = &event {
        // Told before the list changes, so the cascade's going is shown with its cause.
        ctx.emit(CoreEvent::RemovedFromCascade {
            cascade_id: removal.cascade_id.clone(),
            banned: removal.banned,
            reason: removal.reason.clone(),
        });
    }
    match event {
        ServerEvent::CascadeChanged(_)
        | ServerEvent::CascadeDeleted(_)
        | ServerEvent::KickedFromCascade(_)
        | ServerEvent::MemberJoined(_)
        | ServerEvent::MemberLeft(_) => {
            // A cascade just joined may already have threads and messages: the sync task
            // catches them up once the subscription is sent.
            let (subscribe, added) = reload(ctx).await?;
            Ok(Some(Follow { subscribe, added }))
        }
        ServerEvent::ThreadCreated(thread) | ServerEvent::ThreadUpdated(thread) => {
            after_thread_event(ctx, &thread.cascade_id).await?;
            Ok(None)
        }
        ServerEvent::ThreadClosed(closed) => {
            after_thread_event(ctx, &closed.cascade_id).await?;
            Ok(None)
        }
        ServerEvent::NewThreadMessage(message) => {
            let feed = ThreadFeed::new(&message.cascade_id, &message.thread_id);
            let cursor = SyncCursor::After(message.msgid.clone());
            conversations::ingest(ctx, &feed, vec![message]).await?;
            crate::catchup::set_cursor(ctx, &feed.id(), cursor).await?;
            Ok(None)
        }
        ServerEvent::EditedThreadMessage(edit) => {
            let feed = ThreadFeed::new(&edit.cascade_id, &edit.thread_id);
            conversations::edited(ctx, &feed, &edit.msgid, &edit.message).await?;
            Ok(None)
        }
        ServerEvent::DeletedThreadMessage(deleted) => {
            let feed = ThreadFeed::new(&deleted.cascade_id, &deleted.thread_id);
            conversations::removed(ctx, &feed, &deleted.msgids).await?;
            Ok(None)
        }
        ServerEvent::PinnedThreadMessage(pin) => {
            let feed = ThreadFeed::new(&pin.cascade_id, &pin.thread_id);
            conversations::pinned(ctx, &feed, &pin.msgid, pin.pinned).await?;
            Ok(None)
        }
        _ => Ok(None),
    }
}
