//! Transport types at the UI boundary: the core's event payloads as the generated TypeScript
//! sees them. The core stays free of `specta`; each type here mirrors one of the core's and is
//! made only by `From`, so the two cannot say different things.

pub mod call;
pub mod gallery;
pub mod transfer;

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::Message;
use chatenium_api::schemas::thread::ThreadMessage;
use chatenium_core::conversation::ConversationId;
use chatenium_core::timeline::TimelineItem;
use serde::{Deserialize, Serialize};

/// A change to a list: a snapshot once, then only what changed (the core's `ListDiff`).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum ListDiff<T> {
    Reset {
        items: Vec<T>,
    },
    Append {
        items: Vec<T>,
    },
    /// Older items arrived (back-paging).
    PushFront {
        items: Vec<T>,
    },
    Insert {
        index: u32,
        item: T,
    },
    Set {
        index: u32,
        item: T,
    },
    Remove {
        index: u32,
    },
    /// The items `start..end` left the list at once (a timeline keeps a window of messages
    /// around what is read and drops its far end as it pages).
    RemoveRange {
        start: u32,
        end: u32,
    },
}

impl<T> ListDiff<T> {
    pub fn from_core<U>(diff: chatenium_core::diff::ListDiff<U>, map: impl Fn(U) -> T) -> Self {
        use chatenium_core::diff::ListDiff as Core;
        let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        match diff {
            Core::Reset { items } => ListDiff::Reset {
                items: items.into_iter().map(map).collect(),
            },
            Core::Append { items } => ListDiff::Append {
                items: items.into_iter().map(map).collect(),
            },
            Core::PushFront { items } => ListDiff::PushFront {
                items: items.into_iter().map(map).collect(),
            },
            Core::Insert { index: i, item } => ListDiff::Insert {
                index: index(i),
                item: map(item),
            },
            Core::Set { index: i, item } => ListDiff::Set {
                index: index(i),
                item: map(item),
            },
            Core::Remove { index: i } => ListDiff::Remove { index: index(i) },
            Core::RemoveRange { start, end } => ListDiff::RemoveRange {
                start: index(start),
                end: index(end),
            },
        }
    }
}

/// A send not yet confirmed by the server: shown as a local echo.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingMessage {
    pub client_key: String,
    pub chatid: String,
    pub text: String,
    pub reply_to_id: Option<String>,
    pub file_ids: Vec<String>,
    pub queued_at: Timestamp,
    /// Why the server refused it for good (an error code); `null` while still to be sent.
    pub failure: Option<String>,
}

/// One row of a timeline.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TimelineEntry {
    Message { message: Message },
    Pending { pending: PendingMessage },
}

impl From<TimelineItem> for TimelineEntry {
    fn from(item: TimelineItem) -> Self {
        match item {
            TimelineItem::Message { message } => TimelineEntry::Message { message },
            TimelineItem::Pending { outgoing } => TimelineEntry::Pending {
                pending: PendingMessage {
                    client_key: outgoing.client_key,
                    // A direct chat's timeline holds only its own chat's sends.
                    chatid: outgoing
                        .conversation
                        .chatid()
                        .unwrap_or_default()
                        .to_owned(),
                    text: outgoing.text,
                    reply_to_id: outgoing.reply_to_id,
                    file_ids: outgoing.file_ids,
                    queued_at: outgoing.queued_at,
                    failure: outgoing.failure,
                },
            },
        }
    }
}

impl TimelineEntry {
    /// A thread's row in the same shape as a direct chat's, so the window has one timeline for
    /// both: `chatid` holds the thread's id (the cascade is the one the window has open), and
    /// `seen` is false (threads have no read receipts).
    pub fn from_thread(item: TimelineItem<ThreadMessage>) -> Self {
        match item {
            TimelineItem::Message { message } => TimelineEntry::Message {
                message: Message {
                    msgid: message.msgid,
                    chatid: message.thread_id,
                    author: message.author,
                    message: message.message,
                    sent_at: message.sent_at,
                    is_edited: message.is_edited,
                    seen: false,
                    pinned: message.pinned,
                    reply_to_id: message.reply_to_id,
                    reply_to: message.reply_to,
                    files: message.files.into_iter().map(|f| f.attachment).collect(),
                    client_key: message.client_key,
                    forwarded_from: message.forwarded_from,
                    forwarded_from_name: message.forwarded_from_name,
                    meta_data: None,
                },
            },
            TimelineItem::Pending { outgoing } => {
                let chatid = match &outgoing.conversation {
                    ConversationId::Dm { chatid } => chatid.clone(),
                    ConversationId::Thread { thread_id, .. } => thread_id.clone(),
                };
                TimelineEntry::Pending {
                    pending: PendingMessage {
                        client_key: outgoing.client_key,
                        chatid,
                        text: outgoing.text,
                        reply_to_id: outgoing.reply_to_id,
                        file_ids: outgoing.file_ids,
                        queued_at: outgoing.queued_at,
                        failure: outgoing.failure,
                    },
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum UploadState {
    Running,
    Done,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadProgress {
    pub id: String,
    pub name: String,
    #[specta(type = f64)]
    pub sent: u64,
    #[specta(type = f64)]
    pub total: u64,
    pub state: UploadState,
}

impl From<chatenium_core::uploads::UploadProgress> for UploadProgress {
    fn from(progress: chatenium_core::uploads::UploadProgress) -> Self {
        use chatenium_core::uploads::UploadState as Core;
        UploadProgress {
            id: progress.id,
            name: progress.name,
            sent: progress.sent,
            total: progress.total,
            state: match progress.state {
                Core::Running => UploadState::Running,
                Core::Done => UploadState::Done,
                Core::Failed => UploadState::Failed,
                Core::Cancelled => UploadState::Cancelled,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Connection {
    Offline,
    Connecting,
    Online,
}

impl From<chatenium_core::ConnectionState> for Connection {
    fn from(state: chatenium_core::ConnectionState) -> Self {
        use chatenium_core::ConnectionState as Core;
        match state {
            Core::Offline => Connection::Offline,
            Core::Connecting => Connection::Connecting,
            Core::Online => Connection::Online,
        }
    }
}

/// How far catching up after a connect has come (while the connection shows `connecting`):
/// `done` of `total` changes of the feed, or conversations.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatchUp {
    pub stage: CatchUpStage,
    /// Counts that fit a TypeScript `number` (a feed of more than 4 billion changes saturates).
    pub done: u32,
    pub total: u32,
}

#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CatchUpStage {
    /// What changed while away, from the server's change feed.
    Changes,
    /// Each conversation from where it was left.
    Conversations,
    /// Every conversation read anew (the cache was too far behind).
    Resync,
}

impl From<chatenium_core::CatchUpProgress> for CatchUp {
    fn from(progress: chatenium_core::CatchUpProgress) -> Self {
        use chatenium_core::CatchUpStage as Core;
        CatchUp {
            stage: match progress.stage {
                Core::Changes => CatchUpStage::Changes,
                Core::Conversations => CatchUpStage::Conversations,
                Core::Resync => CatchUpStage::Resync,
            },
            done: u32::try_from(progress.done).unwrap_or(u32::MAX),
            total: u32::try_from(progress.total).unwrap_or(u32::MAX),
        }
    }
}

/// The connection as the window shows it: its state, and while connecting, the catching up.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatus {
    pub state: Connection,
    pub catching_up: Option<CatchUp>,
}

/// A conversation as the window names it: a direct chat, or a thread of a cascade.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ConversationRef {
    Chat {
        chatid: String,
    },
    #[serde(rename_all = "camelCase")]
    Thread {
        cascade_id: String,
        thread_id: String,
    },
}

impl From<chatenium_core::attention::Conversation> for ConversationRef {
    fn from(conversation: chatenium_core::attention::Conversation) -> Self {
        use chatenium_core::attention::Conversation as Core;
        match conversation {
            Core::Chat { chatid } => ConversationRef::Chat { chatid },
            Core::Thread {
                cascade_id,
                thread_id,
            } => ConversationRef::Thread {
                cascade_id,
                thread_id,
            },
        }
    }
}

impl From<ConversationRef> for ConversationId {
    fn from(conversation: ConversationRef) -> Self {
        match conversation {
            ConversationRef::Chat { chatid } => ConversationId::Dm { chatid },
            ConversationRef::Thread {
                cascade_id,
                thread_id,
            } => ConversationId::Thread {
                cascade_id,
                thread_id,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UnreadCount {
    pub conversation: ConversationRef,
    pub count: u32,
}

/// Unread messages per conversation (muted ones too) and the total the tray shows.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct UnreadCounts {
    pub conversations: Vec<UnreadCount>,
    pub total: u32,
}

impl From<chatenium_core::attention::Unread> for UnreadCounts {
    fn from(unread: chatenium_core::attention::Unread) -> Self {
        UnreadCounts {
            conversations: unread
                .conversations
                .into_iter()
                .map(|(conversation, count)| UnreadCount {
                    conversation: conversation.into(),
                    count,
                })
                .collect(),
            total: unread.total,
        }
    }
}
