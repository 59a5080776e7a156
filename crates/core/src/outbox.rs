//! The outbox task: sends queued messages in order, each until the server confirms it.
//!
//! A send carries its client key, and the server stores one message per author and key, so
//! repeating a send whose reply was lost (or that was cut by a crash) stores it once. A
//! transient failure (network, server error) waits for the next wake-up or a backoff and tries
//! again; a refusal (4xx) marks the message failed and moves on. Direct chats and threads
//! share the one queue, each message sent through its conversation's [`Feed`].

use std::sync::Arc;

use crate::context::Context;
use crate::conversation::ConversationId;
use crate::conversations::EchoChange;
use crate::error::ClientError;
use crate::feed::{DmFeed, Feed, ThreadFeed};
use crate::store::OutgoingMessage;

pub(crate) async fn run(ctx: Arc<Context>) {
    let mut stop = ctx.stop.subscribe();
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            return;
        }
        match send_pending(&ctx).await {
            Ok(()) => failures = 0,
            Err(ClientError::SignedOut) => return,
            Err(error) => {
                tracing::debug!(%error, "outbox will retry");
                failures += 1;
            }
        }
        let retry = async {
            if failures == 0 {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(crate::backoff::delay(failures)).await;
        };
        tokio::select! {
            _ = ctx.outbox_wake.notified() => {}
            _ = retry => {}
            _ = stop.changed() => return,
        }
    }
}

/// Sends every queued message that has not failed, oldest first; stops at the first transient
/// failure so that a conversation's messages keep their order.
async fn send_pending(ctx: &Context) -> Result<(), ClientError> {
    if !ctx.is_online() {
        // Not connected: the sync task wakes us when it is. Sending now would only fail.
        return Ok(());
    }
    let queued = ctx.store.run(|s| s.outbox()).await?;
    for outgoing in queued.into_iter().filter(|m| m.failure.is_none()) {
        match &outgoing.conversation {
            ConversationId::Dm { chatid } => send_one(ctx, &DmFeed::new(chatid), &outgoing).await?,
            ConversationId::Thread {
                cascade_id,
                thread_id,
            } => send_one(ctx, &ThreadFeed::new(cascade_id, thread_id), &outgoing).await?,
        }
    }
    Ok(())
}

/// One send: confirmed (the stored message replaces the echo), refused for good (the echo
/// shows why), or a transient failure for the caller to retry later.
async fn send_one<F: Feed>(
    ctx: &Context,
    feed: &F,
    outgoing: &OutgoingMessage,
) -> Result<(), ClientError> {
    match feed.send(ctx, outgoing).await {
        Ok(stored) => {
            crate::conversations::ingest(ctx, feed, vec![stored]).await?;
            let key = outgoing.client_key.clone();
            ctx.store.run(move |s| s.dequeue(&key)).await
        }
        Err(error) if error.is_transient() || matches!(error, ClientError::SignedOut) => Err(error),
        Err(error) => {
            let reason = error
                .code()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_else(|| error.to_string());
            let (key, why) = (outgoing.client_key.clone(), reason.clone());
            ctx.store.run(move |s| s.mark_failed(&key, &why)).await?;
            crate::conversations::echo_change(
                ctx,
                &outgoing.conversation,
                EchoChange::Failed(&outgoing.client_key, Some(&reason)),
            );
            Ok(())
        }
    }
}
