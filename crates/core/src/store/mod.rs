//! The local cache and outbox, behind the [`Store`] trait: what the app shows when it opens
//! offline, and the sends that have not reached the server yet.
//!
//! One store per account. [`SqliteStore`] is the implementation; [`conformance`] is the one
//! suite every implementation must pass (`store_conformance_tests!`). Calls are blocking:
//! async callers run them on a blocking thread.

#[cfg(any(test, feature = "store-conformance"))]
pub mod conformance;
mod search;
mod sqlite;

use chatenium_api::schemas::cascade::Cascade;
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::Message;
use chatenium_api::schemas::pictures::Picture;
use chatenium_api::schemas::thread::{Thread, ThreadMessage};
use chatenium_api::schemas::upload::{CompletedPart, PresignedPart};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use search::{MatchRange, SearchHit, SearchQuery, DEFAULT_SEARCH_LIMIT};
pub use sqlite::SqliteStore;

use crate::conversation::ConversationId;
use crate::error::ClientError;

pub type StoreResult<T> = Result<T, ClientError>;

/// A message waiting in the outbox. `client_key` makes its send idempotent on the server, so
/// sending it again after a crash or a lost reply stores it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMessage {
    pub client_key: String,
    /// Where it goes; flat in the JSON (`chatid`, or `cascadeId` and `threadId`).
    #[serde(flatten)]
    pub conversation: ConversationId,
    pub text: String,
    pub reply_to_id: Option<String>,
    pub file_ids: Vec<String>,
    /// When the user pressed send (local clock), for ordering the local echo.
    pub queued_at: Timestamp,
    /// Why the server refused it for good; `None` while it is still to be sent.
    pub failure: Option<String>,
}

/// A multipart upload in flight, as the store keeps it for resuming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUpload {
    pub id: String,
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub file_id: String,
    pub upload_id: String,
    pub part_size: u64,
    pub parts: Vec<PresignedPart>,
    pub done: Vec<CompletedPart>,
}

/// How far a chat is synced (see [`Store::sync_cursor`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncCursor {
    /// The chat was empty when last synced: everything in it now is new.
    Start,
    /// Everything up to this message has arrived.
    After(String),
}

pub trait Store: Send + Sync {
    // The chat list.
    /// Replaces the whole list with the server's.
    fn replace_contacts(&self, contacts: &[Contact]) -> StoreResult<()>;
    fn upsert_contact(&self, contact: &Contact) -> StoreResult<()>;
    /// Removes the contact and its messages.
    fn remove_contact(&self, chatid: &str) -> StoreResult<()>;
    /// Newest activity first.
    fn contacts(&self) -> StoreResult<Vec<Contact>>;

    // Direct messages.
    /// Inserts or replaces by `msgid`.
    fn upsert_messages(&self, messages: &[Message]) -> StoreResult<()>;
    /// `false` when the message is not cached.
    fn edit_message(&self, chatid: &str, msgid: &str, text: &str) -> StoreResult<bool>;
    fn remove_messages(&self, chatid: &str, msgids: &[String]) -> StoreResult<()>;
    fn set_pinned(&self, chatid: &str, msgid: &str, pinned: bool) -> StoreResult<bool>;
    /// `reader` read the chat up to `msgid`: the cached messages of the chat's other member up
    /// to it are `seen`. Answers the messages that changed; nothing when `msgid` is not cached.
    fn mark_seen(&self, chatid: &str, reader: &str, msgid: &str) -> StoreResult<Vec<Message>>;
    /// The newest `limit` messages of a chat, oldest first.
    fn latest_messages(&self, chatid: &str, limit: u32) -> StoreResult<Vec<Message>>;
    /// Up to `limit` messages sent before `before`, oldest first.
    fn messages_before(
        &self,
        chatid: &str,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;
    /// The newest cached message.
    fn last_message(&self, chatid: &str) -> StoreResult<Option<Message>>;
    /// Where catching up on a chat starts: the newest message that arrived through sync (the
    /// socket or a catch-up page). Not simply the newest cached message: the reply to our own
    /// send can land while the socket is down, and starting after it would skip what the other
    /// side said meanwhile.
    /// `None` when the chat was never synced.
    fn sync_cursor(&self, chatid: &str) -> StoreResult<Option<SyncCursor>>;
    fn set_sync_cursor(&self, chatid: &str, cursor: &SyncCursor) -> StoreResult<()>;
    /// The last position of the server's change feed applied to this cache
    /// (the `change_feed` module); `None` before the first catch-up from it.
    fn change_position(&self) -> StoreResult<Option<u64>>;
    fn set_change_position(&self, position: u64) -> StoreResult<()>;
    /// Drops every cached message (direct and thread) and every sync cursor, so that the next
    /// catch-up reads each conversation anew: a full resync, when the change feed cannot say
    /// what changed. The chat, cascade and thread lists stay (catch-up replaces them).
    fn forget_messages(&self) -> StoreResult<()>;

    // The outbox.
    fn enqueue(&self, message: &OutgoingMessage) -> StoreResult<()>;
    /// Everything not yet confirmed, in the order it was queued (failed ones included).
    fn outbox(&self) -> StoreResult<Vec<OutgoingMessage>>;
    fn mark_failed(&self, client_key: &str, reason: &str) -> StoreResult<()>;
    /// The user asked to try a failed message again: it is queued as it was.
    fn clear_failure(&self, client_key: &str) -> StoreResult<()>;
    /// The server confirmed it: it leaves the outbox.
    fn dequeue(&self, client_key: &str) -> StoreResult<()>;

    // Interrupted multipart uploads, for resuming.
    fn save_pending_upload(&self, upload: &PendingUpload) -> StoreResult<()>;
    fn pending_uploads(&self) -> StoreResult<Vec<PendingUpload>>;
    fn remove_pending_upload(&self, id: &str) -> StoreResult<()>;

    // Cascades, threads and pictures (metadata only).
    fn replace_cascades(&self, cascades: &[Cascade]) -> StoreResult<()>;
    fn cascades(&self) -> StoreResult<Vec<Cascade>>;
    fn replace_threads(
        &self,
        cascade_id: &str,
        parent_id: Option<&str>,
        threads: &[Thread],
    ) -> StoreResult<()>;
    fn threads(&self, cascade_id: &str, parent_id: Option<&str>) -> StoreResult<Vec<Thread>>;
    /// The cascades muted on this device (no notifications; unread still counted). The
    /// contract has no cascade mute, so it is kept here, per account.
    fn muted_cascades(&self) -> StoreResult<Vec<String>>;
    fn set_cascade_muted(&self, cascade_id: &str, muted: bool) -> StoreResult<()>;
    fn upsert_thread_messages(&self, messages: &[ThreadMessage]) -> StoreResult<()>;
    /// The newest `limit` messages of a thread, oldest first.
    fn latest_thread_messages(
        &self,
        cascade_id: &str,
        thread_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<ThreadMessage>>;
    /// Up to `limit` messages of a thread sent before `before`, oldest first.
    fn thread_messages_before(
        &self,
        cascade_id: &str,
        thread_id: &str,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ThreadMessage>>;
    /// `false` when the message is not cached.
    fn edit_thread_message(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
        text: &str,
    ) -> StoreResult<bool>;
    fn remove_thread_messages(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgids: &[String],
    ) -> StoreResult<()>;
    fn set_thread_pinned(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
        pinned: bool,
    ) -> StoreResult<bool>;
    fn upsert_pictures(&self, pictures: &[Picture]) -> StoreResult<()>;
    /// A creator's pictures in an album (or in none), newest first.
    fn pictures(&self, owner: &str, album_id: Option<&str>) -> StoreResult<Vec<Picture>>;

    // Search.
    /// Full-text search over every cached message, direct and thread alike, best match first.
    /// The index follows every write above: an edited message is found by its new text only,
    /// a removed one not at all.
    fn search_messages(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHit>>;
}
