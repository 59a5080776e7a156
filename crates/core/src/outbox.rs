//! The outbox task: sends queued messages in order, each until the server confirms it.
//!
//! A send carries its client key, and the server stores one message per author and key, so
//! repeating a send whose reply was lost (or that was cut by a crash) stores it once. A
//! transient failure (network, server error) waits for the next wake-up or a backoff and tries
//! again; a refusal (4xx) marks the message failed and moves on.

use std::sync::Arc;

use chatenium_api::schemas::dm::SendMessageReq;
use chatenium_api::DmSendMessage;

use crate::client::{blocking, Shared};
use crate::error::ClientError;
use crate::events::ConnectionState;

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            return;
        }
        match send_pending(&shared).await {
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
            _ = shared.outbox_wake.notified() => {}
            _ = retry => {}
            _ = stop.changed() => return,
        }
    }
}

/// Sends every queued message that has not failed, oldest first; stops at the first transient
/// failure so that a chat's messages keep their order.
async fn send_pending(shared: &Arc<Shared>) -> Result<(), ClientError> {
    if *shared.connection.borrow() != ConnectionState::Online {
        // Not connected: the sync task wakes us when it is. Sending now would only fail.
        return Ok(());
    }
    let store = Arc::clone(&shared.store);
    let queued = blocking(move || store.outbox()).await?;
    for outgoing in queued.into_iter().filter(|m| m.failure.is_none()) {
        let request = SendMessageReq {
            chatid: outgoing.chatid.clone(),
            message: outgoing.text.clone(),
            reply_to_id: outgoing.reply_to_id.clone(),
            file_ids: outgoing.file_ids.clone(),
            client_key: outgoing.client_key.clone(),
        };
        match shared.session.call::<DmSendMessage>(&(), &request).await {
            Ok(stored) => {
                shared.ingest_messages(vec![stored]).await?;
                let store = Arc::clone(&shared.store);
                let key = outgoing.client_key.clone();
                blocking(move || store.dequeue(&key)).await?;
            }
            Err(error) if error.is_transient() || matches!(error, ClientError::SignedOut) => {
                return Err(error)
            }
            Err(error) => {
                let reason = error
                    .code()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_else(|| error.to_string());
                let store = Arc::clone(&shared.store);
                let (key, why) = (outgoing.client_key.clone(), reason.clone());
                blocking(move || store.mark_failed(&key, &why)).await?;
                shared.timeline_change(&outgoing.chatid, |t| {
                    t.fail_pending(&outgoing.client_key, Some(&reason))
                });
            }
        }
    }
    Ok(())
}

/// What a user does with a message the server refused.
impl crate::Client {
    /// Queues a failed message again, in its old place; the outbox sends it (once: its client
    /// key stays the same).
    pub async fn retry_send(&self, chatid: &str, client_key: &str) -> Result<(), ClientError> {
        let store = Arc::clone(&self.shared.store);
        let key = client_key.to_owned();
        blocking(move || store.clear_failure(&key)).await?;
        self.shared
            .timeline_change(chatid, |t| t.fail_pending(client_key, None));
        self.shared.outbox_wake.notify_one();
        Ok(())
    }

    /// Gives up on a failed message: it leaves the outbox and the timeline. A message still
    /// being sent is not discarded (it may already be on the server).
    pub async fn discard_send(&self, chatid: &str, client_key: &str) -> Result<(), ClientError> {
        let store = Arc::clone(&self.shared.store);
        let key = client_key.to_owned();
        let discarded = blocking(move || {
            let failed = store
                .outbox()?
                .into_iter()
                .any(|m| m.client_key == key && m.failure.is_some());
            if failed {
                store.dequeue(&key)?;
            }
            Ok(failed)
        })
        .await?;
        if discarded {
            self.shared
                .timeline_change(chatid, |t| t.remove_pending(client_key));
        }
        Ok(())
    }
}
