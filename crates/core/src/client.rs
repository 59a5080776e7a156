//! [`Client`]: one signed-in account's engine, as the desktop shell (or a test) holds it. A
//! facade: it starts the live sync and outbox tasks over one [`Context`] and hands each call
//! to the subsystem that does it. The shell never polls: it reads a snapshot once and then
//! applies [`CoreEvent`]s.
//!
//! The actions beyond these live beside it, each extending `Client`: `dm_actions` (direct
//! chats and contacts), `thread_actions`, `cascade_actions`, `account_actions`, `call_actions`.

use std::sync::Arc;
use tracing::Instrument;

use chatenium_api::schemas::contacts::Contact;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::calls::manager::CallHub;
use crate::context::Context;
use crate::conversation::ConversationId;
use crate::conversations;
use crate::error::ClientError;
use crate::events::{ConnectionState, CoreEvent};
use crate::feed::DmFeed;
use crate::session::Session;
use crate::store::Store;
use crate::timeline::TimelineItem;
use crate::transfer::TransferHub;

pub struct Client {
    // Crate-visible so that the action modules extend `Client` without growing this file.
    pub(crate) ctx: Arc<Context>,
    transfers: Arc<TransferHub>,
    pub(crate) calls: Arc<CallHub>,
    tasks: Vec<JoinHandle<()>>,
}

impl Client {
    /// Starts live sync and the outbox for `session`, caching into `store`.
    pub fn start(session: Session, store: Arc<dyn Store>) -> Client {
        let ctx = Arc::new(Context::new(session, store));
        let transfers = Arc::new(TransferHub::new(Arc::clone(&ctx)));
        let calls = Arc::new(CallHub::new(Arc::clone(&ctx)));
        // Logs of either task name the account, as several run side by side.
        let userid = ctx.session.userid().to_owned();
        let tasks = vec![
            tokio::spawn(
                crate::sync::run(Arc::clone(&ctx), Arc::clone(&transfers), Arc::clone(&calls))
                    .instrument(tracing::debug_span!("sync", user = %userid)),
            ),
            tokio::spawn(
                crate::outbox::run(Arc::clone(&ctx))
                    .instrument(tracing::debug_span!("outbox", user = %userid)),
            ),
        ];
        Client {
            ctx,
            transfers,
            calls,
            tasks,
        }
    }

    pub fn session(&self) -> &Session {
        &self.ctx.session
    }

    pub fn userid(&self) -> &str {
        self.ctx.session.userid()
    }

    /// Every event from now on.
    pub fn events(&self) -> broadcast::Receiver<CoreEvent> {
        self.ctx.subscribe()
    }

    pub fn connection(&self) -> watch::Receiver<ConnectionState> {
        self.ctx.connection.subscribe()
    }

    /// How far the catching up after a connect has come; `None` when not catching up. The
    /// snapshot to [`CoreEvent::CatchingUp`]'s diffs.
    pub fn catch_up_progress(&self) -> Option<crate::events::CatchUpProgress> {
        *self.ctx.catching_up.borrow()
    }

    /// The cached chat list, newest activity first.
    pub async fn chat_list(&self) -> Result<Vec<Contact>, ClientError> {
        self.ctx.store.run(|s| s.contacts()).await
    }

    /// Opens a chat's timeline: the snapshot to render now. Its changes arrive as
    /// [`CoreEvent::Timeline`] events.
    pub async fn open_timeline(&self, chatid: &str) -> Result<Vec<TimelineItem>, ClientError> {
        conversations::open(&self.ctx, &DmFeed::new(chatid)).await
    }

    /// What an open timeline shows now, without reopening it (`None` when it is not open).
    pub fn timeline_snapshot(&self, chatid: &str) -> Option<Vec<TimelineItem>> {
        conversations::snapshot(&self.ctx, &DmFeed::new(chatid))
    }

    pub fn close_timeline(&self, chatid: &str) {
        conversations::close(&self.ctx, &ConversationId::dm(chatid));
    }

    /// Queues a message: it shows at once as a pending echo and is sent (exactly once) as soon
    /// as the server can be reached, also after an app restart. Answers its client key.
    pub async fn send_message(
        &self,
        chatid: &str,
        text: &str,
        reply_to_id: Option<String>,
        file_ids: Vec<String>,
    ) -> Result<String, ClientError> {
        let feed = DmFeed::new(chatid);
        conversations::queue(&self.ctx, &feed, text, reply_to_id, file_ids).await
    }

    /// Loads older messages of an open timeline (from the cache, else the server).
    pub async fn load_older(&self, chatid: &str) -> Result<usize, ClientError> {
        conversations::load_older(&self.ctx, &DmFeed::new(chatid)).await
    }

    /// Queues a message the server refused again, in its old place; the outbox sends it (once:
    /// its client key stays the same).
    pub async fn retry_send(&self, chatid: &str, client_key: &str) -> Result<(), ClientError> {
        conversations::retry(&self.ctx, &ConversationId::dm(chatid), client_key).await
    }

    /// Gives up on a failed message: it leaves the outbox and the timeline. A message still
    /// being sent is not discarded (it may already be on the server).
    pub async fn discard_send(&self, chatid: &str, client_key: &str) -> Result<(), ClientError> {
        conversations::discard(&self.ctx, &ConversationId::dm(chatid), client_key).await
    }

    /// Uploads a file as an attachment (one PUT, or multipart for a large file), reporting
    /// [`CoreEvent::Upload`] progress. Answers the attachment to send with a message.
    pub async fn upload_file(
        &self,
        path: &std::path::Path,
        cancel: &crate::uploads::CancelUpload,
    ) -> Result<chatenium_api::schemas::dm::Attachment, ClientError> {
        crate::uploads::upload(&self.ctx, path, cancel).await
    }

    /// Multipart uploads that were interrupted and can be resumed.
    pub async fn interrupted_uploads(
        &self,
    ) -> Result<Vec<crate::uploads::PendingUpload>, ClientError> {
        self.ctx.store.run(|s| s.pending_uploads()).await
    }

    /// Continues an interrupted upload with the parts it still lacks.
    pub async fn resume_upload(
        &self,
        id: &str,
        cancel: &crate::uploads::CancelUpload,
    ) -> Result<chatenium_api::schemas::dm::Attachment, ClientError> {
        crate::uploads::resume(&self.ctx, id, cancel).await
    }

    /// How transfers connect (which addresses, relay only, ...), for the transfers started or
    /// accepted from now on.
    pub fn set_transfer_settings(&self, settings: crate::transfer::TransferSettings) {
        self.transfers.transfers.set_settings(settings);
    }

    /// Offers the file at `path` to the contact `userid`, straight over WebRTC. Answers the
    /// transfer's id; everything after that arrives as [`CoreEvent::Transfer`] events.
    pub async fn send_file(
        &self,
        userid: &str,
        path: &std::path::Path,
    ) -> Result<String, ClientError> {
        crate::transfer::send_file(&self.transfers, userid, path).await
    }

    /// Accepts an offered file; it is saved into `folder` once received and verified. Fails
    /// (and leaves the offer open) when `folder` lacks the space for it.
    pub async fn accept_transfer(
        &self,
        transfer_id: &str,
        folder: &std::path::Path,
    ) -> Result<(), ClientError> {
        crate::transfer::accept(&self.transfers, transfer_id, folder).await
    }

    /// Declines an offered file.
    pub async fn decline_transfer(&self, transfer_id: &str) -> Result<(), ClientError> {
        crate::transfer::decline(&self.transfers, transfer_id).await
    }

    /// Cancels a transfer from either side; false when none runs by that id.
    pub fn cancel_transfer(&self, transfer_id: &str) -> bool {
        crate::transfer::cancel(&self.transfers, transfer_id)
    }

    /// Drops a transfer's current connection as a network failure would, without ending the
    /// transfer: it connects again and resumes from the last verified byte (a "retry" for a
    /// connection that hangs; the tests cut transfers with it). False when none runs.
    pub fn interrupt_transfer(&self, transfer_id: &str) -> bool {
        crate::transfer::interrupt(&self.transfers, transfer_id)
    }

    /// Stops sync and the outbox; the cache and the outbox stay for the next start.
    pub async fn shut_down(mut self) {
        self.ctx.stop.send_replace(true);
        self.ctx.outbox_wake.notify_one();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.ctx.stop.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
