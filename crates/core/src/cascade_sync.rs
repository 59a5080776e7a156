//! Cascades in live sync: the list of cascades the user belongs to, the socket subscription
//! that brings their threads' events to this connection, and thread messages into the cache.
//!
//! The server sends thread events only to connections subscribed to the cascade, so after
//! every (re)connect, and whenever the user joins one, the socket subscribes to every cascade
//! in the list. A kick, a ban or a deletion arrives as its own event; the list is reloaded and
//! the cascade's cached threads stop changing.

use std::sync::Arc;

use chatenium_api::schemas::cascade::Cascade;
use chatenium_api::ws::{ClientCommand, ServerEvent, Subscription};
use chatenium_api::GetCascades;

use crate::client::{blocking, Shared};
use crate::error::ClientError;
use crate::events::CoreEvent;

/// Fetches and caches the cascade list, emits what changed, and answers the subscription
/// that covers every cascade in it.
pub(crate) async fn reload(shared: &Arc<Shared>) -> Result<ClientCommand, ClientError> {
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
    Ok(subscription(&cascades))
}

fn subscription(cascades: &[Cascade]) -> ClientCommand {
    ClientCommand::Subscribe(Subscription {
        cascade_ids: cascades.iter().map(|c| c.cascade_id.clone()).collect(),
    })
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
        | ServerEvent::MemberLeft(_) => Ok(Some(reload(shared).await?)),
        ServerEvent::NewThreadMessage(message) => {
            let store = Arc::clone(&shared.store);
            let cached = vec![message.clone()];
            blocking(move || store.upsert_thread_messages(&cached)).await?;
            shared.emit(CoreEvent::ThreadMessage { message });
            Ok(None)
        }
        _ => Ok(None),
    }
}
