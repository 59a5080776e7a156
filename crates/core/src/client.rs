//! [`Client`]: one signed-in account's engine. It owns the session, the local store, the live
//! sync task and the outbox task, and publishes [`CoreEvent`]s. The desktop shell (or a test)
//! holds a `Client` and never polls: it reads a snapshot once and then applies events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tracing::Instrument;

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{Message, DEFAULT_PAGE_SIZE};
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;

use crate::diff::ListDiff;
use crate::error::ClientError;
use crate::events::{ConnectionState, CoreEvent};
use crate::session::Session;
use crate::store::{OutgoingMessage, Store};
use crate::timeline::{Timeline, TimelineItem};

/// Events a slow consumer may fall behind by before it must re-read a snapshot.
const EVENT_BUFFER: usize = 4096;

pub(crate) struct Shared {
    pub session: Session,
    pub store: Arc<dyn Store>,
    pub events: broadcast::Sender<CoreEvent>,
    pub connection: watch::Sender<ConnectionState>,
    /// Timelines of the chats the UI opened.
    pub timelines: Mutex<HashMap<String, Timeline>>,
    /// Wakes the outbox: something was queued, or the connection came back.
    pub outbox_wake: Notify,
    pub stop: watch::Sender<bool>,
    /// Peer-to-peer transfers: offers seen and the tasks that run transfers.
    pub transfers: crate::transfer::Transfers,
}

pub struct Client {
    // Crate-visible so that the action modules (`dm_actions`, `account_actions`) extend
    // `Client` without growing this file.
    pub(crate) shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Client {
    /// Starts live sync and the outbox for `session`, caching into `store`.
    pub fn start(session: Session, store: Arc<dyn Store>) -> Client {
        let shared = Arc::new(Shared {
            session,
            store,
            events: broadcast::channel(EVENT_BUFFER).0,
            connection: watch::channel(ConnectionState::Offline).0,
            timelines: Mutex::new(HashMap::new()),
            outbox_wake: Notify::new(),
            stop: watch::channel(false).0,
            transfers: Default::default(),
        });
        // Logs of either task name the account, as several run side by side.
        let userid = shared.session.userid().to_owned();
        let tasks = vec![
            tokio::spawn(
                crate::sync::run(Arc::clone(&shared))
                    .instrument(tracing::debug_span!("sync", user = %userid)),
            ),
            tokio::spawn(
                crate::outbox::run(Arc::clone(&shared))
                    .instrument(tracing::debug_span!("outbox", user = %userid)),
            ),
        ];
        Client { shared, tasks }
    }

    pub fn session(&self) -> &Session {
        &self.shared.session
    }

    pub fn userid(&self) -> &str {
        self.shared.session.userid()
    }

    /// Every event from now on.
    pub fn events(&self) -> broadcast::Receiver<CoreEvent> {
        self.shared.events.subscribe()
    }

    pub fn connection(&self) -> watch::Receiver<ConnectionState> {
        self.shared.connection.subscribe()
    }

    /// The cached chat list, newest activity first.
    pub async fn chat_list(&self) -> Result<Vec<Contact>, ClientError> {
        let store = Arc::clone(&self.shared.store);
        blocking(move || store.contacts()).await
    }

    /// Opens a chat's timeline: the snapshot to render now. Its changes arrive as
    /// [`CoreEvent::Timeline`] events.
    pub async fn open_timeline(&self, chatid: &str) -> Result<Vec<TimelineItem>, ClientError> {
        let store = Arc::clone(&self.shared.store);
        let id = chatid.to_owned();
        let (messages, outbox) = blocking(move || {
            let messages = store.latest_messages(&id, DEFAULT_PAGE_SIZE)?;
            let outbox = store
                .outbox()?
                .into_iter()
                .filter(|m| m.chatid == id)
                .collect::<Vec<_>>();
            Ok((messages, outbox))
        })
        .await?;
        let timeline = Timeline::new(messages, outbox);
        let snapshot = timeline.items().to_vec();
        self.shared
            .lock_timelines()
            .insert(chatid.to_owned(), timeline);
        Ok(snapshot)
    }

    /// What an open timeline shows now, without reopening it (`None` when it is not open).
    pub fn timeline_snapshot(&self, chatid: &str) -> Option<Vec<TimelineItem>> {
        self.shared
            .lock_timelines()
            .get(chatid)
            .map(|t| t.items().to_vec())
    }

    pub fn close_timeline(&self, chatid: &str) {
        self.shared.lock_timelines().remove(chatid);
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
        let outgoing = OutgoingMessage {
            client_key: new_client_key(),
            chatid: chatid.to_owned(),
            text: text.to_owned(),
            reply_to_id,
            file_ids,
            queued_at: Timestamp::new(crate::clock::unix_now(), 0),
            failure: None,
        };
        let store = Arc::clone(&self.shared.store);
        let queued = outgoing.clone();
        blocking(move || store.enqueue(&queued)).await?;
        self.shared
            .timeline_change(chatid, |t| t.push_pending(outgoing.clone()));
        self.shared.outbox_wake.notify_one();
        Ok(outgoing.client_key)
    }

    /// Loads older messages of an open timeline from the server (and caches them).
    pub async fn load_older(&self, chatid: &str) -> Result<usize, ClientError> {
        crate::sync::load_older(&self.shared, chatid).await
    }

    /// Uploads a file as an attachment (one PUT, or multipart for a large file), reporting
    /// [`CoreEvent::Upload`] progress. Answers the attachment to send with a message.
    pub async fn upload_file(
        &self,
        path: &std::path::Path,
        cancel: &crate::uploads::CancelUpload,
    ) -> Result<chatenium_api::schemas::dm::Attachment, ClientError> {
        crate::uploads::upload(&self.shared, path, cancel).await
    }

    /// Multipart uploads that were interrupted and can be resumed.
    pub async fn interrupted_uploads(
        &self,
    ) -> Result<Vec<crate::uploads::PendingUpload>, ClientError> {
        let store = Arc::clone(&self.shared.store);
        blocking(move || store.pending_uploads()).await
    }

    /// Continues an interrupted upload with the parts it still lacks.
    pub async fn resume_upload(
        &self,
        id: &str,
        cancel: &crate::uploads::CancelUpload,
    ) -> Result<chatenium_api::schemas::dm::Attachment, ClientError> {
        crate::uploads::resume(&self.shared, id, cancel).await
    }

    /// How transfers connect (which addresses, relay only, ...), for the transfers started or
    /// accepted from now on.
    pub fn set_transfer_settings(&self, settings: crate::transfer::TransferSettings) {
        self.shared.transfers.set_settings(settings);
    }

    /// Offers the file at `path` to the contact `userid`, straight over WebRTC. Answers the
    /// transfer's id; everything after that arrives as [`CoreEvent::Transfer`] events.
    pub async fn send_file(
        &self,
        userid: &str,
        path: &std::path::Path,
    ) -> Result<String, ClientError> {
        crate::transfer::send_file(&self.shared, userid, path).await
    }

    /// Accepts an offered file; it is saved into `folder` once received and verified. Fails
    /// (and leaves the offer open) when `folder` lacks the space for it.
    pub async fn accept_transfer(
        &self,
        transfer_id: &str,
        folder: &std::path::Path,
    ) -> Result<(), ClientError> {
        crate::transfer::accept(&self.shared, transfer_id, folder).await
    }

    /// Declines an offered file.
    pub async fn decline_transfer(&self, transfer_id: &str) -> Result<(), ClientError> {
        crate::transfer::decline(&self.shared, transfer_id).await
    }

    /// Cancels a transfer from either side; false when none runs by that id.
    pub fn cancel_transfer(&self, transfer_id: &str) -> bool {
        crate::transfer::cancel(&self.shared, transfer_id)
    }

    /// Drops a transfer's current connection as a network failure would, without ending the
    /// transfer: it connects again and resumes from the last verified byte (a "retry" for a
    /// connection that hangs; the tests cut transfers with it). False when none runs.
    pub fn interrupt_transfer(&self, transfer_id: &str) -> bool {
        crate::transfer::interrupt(&self.shared, transfer_id)
    }

    /// Stops sync and the outbox; the cache and the outbox stay for the next start.
    pub async fn shut_down(mut self) {
        self.shared.stop.send_replace(true);
        self.shared.outbox_wake.notify_one();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Shared {
    pub fn lock_timelines(&self) -> std::sync::MutexGuard<'_, HashMap<String, Timeline>> {
        self.timelines.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn emit(&self, event: CoreEvent) {
        // No receiver is fine: nobody is looking.
        let _ = self.events.send(event);
    }

    /// Applies a change to a chat's timeline, if it is open, and publishes its diffs.
    pub fn timeline_change(
        &self,
        chatid: &str,
        change: impl FnOnce(&mut Timeline) -> Vec<ListDiff<TimelineItem>>,
    ) {
        let diffs = match self.lock_timelines().get_mut(chatid) {
            Some(timeline) => change(timeline),
            None => return,
        };
        for diff in diffs {
            self.emit(CoreEvent::Timeline {
                chatid: chatid.to_owned(),
                diff,
            });
        }
    }

    /// Stores messages and shows them in their open timelines.
    pub async fn ingest_messages(&self, messages: Vec<Message>) -> Result<(), ClientError> {
        if messages.is_empty() {
            return Ok(());
        }
        let store = Arc::clone(&self.store);
        let cached = messages.clone();
        blocking(move || store.upsert_messages(&cached)).await?;
        for message in messages {
            let chatid = message.chatid.clone();
            self.timeline_change(&chatid, |t| t.upsert(message));
        }
        Ok(())
    }

    pub async fn set_connection(&self, state: ConnectionState) {
        if *self.connection.borrow() != state {
            self.connection.send_replace(state);
            self.emit(CoreEvent::Connection { state });
        }
    }
}

/// Runs blocking store work off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ClientError::Storage(e.to_string()))?
}

/// 128 random bits, hex: a send's idempotency key, or a local id.
pub(crate) fn new_client_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
