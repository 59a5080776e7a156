//! Direct messaging. Paging: a chat's messages are numbered from the newest, so `from = 0`
//! loads the newest page; "get position" answers the `from` that loads a given message's page.
//! A page is always returned oldest first.

use super::common::Timestamp;
use crate::macros::contract_types;

/// Messages in a page when the query names no `limit`.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// The largest `limit` a server honours.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The longest message text, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

contract_types! {
    #[derive(Copy, Hash)]
    pub enum AttachmentKind {
        Image,
        Video,
        Audio,
        File,
    }

    pub struct Attachment {
        #[serde(rename = "fileID")]
        pub file_id: String,
        pub file_name: String,
        /// The file name's extension, lower case, without the dot.
        pub format: String,
        #[serde(rename = "type")]
        pub kind: AttachmentKind,
        /// A signed, expiring download URL.
        pub path: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub size: u64,
        #[serde(default)]
        pub height: Option<u32>,
        #[serde(default)]
        pub width: Option<u32>,
        pub has_thumbnail: bool,
    }

    pub struct Message {
        pub msgid: String,
        pub chatid: String,
        /// The author's userid.
        pub author: String,
        pub message: String,
        /// Spelled as the real service spells it.
        #[serde(rename = "sent_at")]
        pub sent_at: Timestamp,
        pub is_edited: bool,
        /// The partner has read the message.
        pub seen: bool,
        pub pinned: bool,
        /// The message this one replies to, and a snippet of its text.
        #[serde(default)]
        pub reply_to_id: Option<String>,
        #[serde(default)]
        pub reply_to: Option<String>,
        #[serde(default)]
        pub files: Vec<Attachment>,
        /// The sender's idempotency key, echoed so that the sender can match its local echo.
        #[serde(default)]
        pub client_key: Option<String>,
        /// A forwarded message: the userid of the original's author, and their display name
        /// when it was forwarded (as the real service's `Message` names them).
        #[serde(default)]
        pub forwarded_from: Option<String>,
        #[serde(default)]
        pub forwarded_from_name: Option<String>,
        /// The real service's opaque per-message metadata; this server sets none (`null`).
        #[serde(default)]
        pub meta_data: Option<String>,
    }

    /// `clientKey` makes a send idempotent: the server stores a message once per author and key,
    /// and answers a repeated send with the message it stored the first time.
    pub struct SendMessageReq {
        pub chatid: String,
        pub message: String,
        #[serde(default)]
        pub reply_to_id: Option<String>,
        /// Completed uploads of the author's.
        #[serde(default, rename = "fileIDs")]
        pub file_ids: Vec<String>,
        pub client_key: String,
    }

    pub struct PinnedMessage {
        pub message: Message,
        /// The userid of who pinned it.
        pub pinned_by: String,
        pub pinned_at: Timestamp,
    }

    /// `from` is the number of the chat's messages newer than the message, rounded down to a
    /// multiple of the default `limit` (50, `DEFAULT_PAGE_SIZE`): a get with this `from` and the
    /// default `limit` returns the page holding the message.
    pub struct GetPositionResp {
        /// Pass as `from` to load the page holding the message.
        pub from: u32,
    }

    pub struct EditMessageReq {
        pub chatid: String,
        /// The real service's clients also send it as `messageId`.
        #[serde(alias = "messageId")]
        pub msgid: String,
        pub message: String,
    }

    pub struct DeleteMessagesReq {
        pub chatid: String,
        pub msgids: Vec<String>,
    }

    pub struct PinMessageReq {
        pub chatid: String,
        /// The real service's clients also send it as `messageId`.
        #[serde(alias = "messageId")]
        pub msgid: String,
    }

    /// Query: one page of a chat. With `after`, the messages newer than that one instead
    /// (oldest first, at most `limit`): how a client catches up after a reconnect.
    pub struct GetMessagesQuery {
        #[schemars(length(min = 1))]
        pub chatid: String,
        #[serde(default)]
        pub from: Option<u32>,
        #[serde(default)]
        #[schemars(range(min = 1, max = 200))]
        pub limit: Option<u32>,
        #[serde(default)]
        pub after: Option<String>,
    }

    /// Forwards a message of one of the caller's chats into another of their chats, with its
    /// attachments (an extension of the index: [`crate::extensions`]).
    /// The message forwarded is in chat `chatid`, or, when `fromThread` names a thread, in that
    /// thread (then `chatid` is not read and may be left out).
    pub struct ForwardMessageReq {
        /// The chat the message is in.
        #[serde(default)]
        pub chatid: String,
        /// The thread the message is in, when it is a thread's.
        #[serde(default)]
        pub from_thread: Option<super::thread::ThreadQuery>,
        /// The real service's clients also send it as `messageId`.
        #[serde(alias = "messageId")]
        pub msgid: String,
        /// The direct chat it goes to.
        pub forward_to: String,
    }

    /// Query: a chat.
    pub struct ChatQuery {
        pub chatid: String,
    }

    /// Query: a message of a chat.
    pub struct MessagePositionQuery {
        pub chatid: String,
        pub msgid: String,
    }
}
