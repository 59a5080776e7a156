//! Threads (nested under a cascade) and their messages, which page, pin and send exactly as
//! direct messages do. Thread attachments are uploads registered through the direct-message
//! upload endpoints: an upload belongs to its uploader, not to a chat.

use super::common::Timestamp;
use super::dm::Attachment;
use crate::macros::contract_types;

contract_types! {
    pub struct Thread {
        pub thread_id: String,
        pub cascade_id: String,
        /// `null` for a root thread.
        #[serde(default)]
        pub parent_id: Option<String>,
        pub name: String,
        #[serde(default)]
        pub description: Option<String>,
        pub created_by: String,
        pub created_at: Timestamp,
    }

    pub struct StartNewThreadReq {
        #[schemars(length(min = 1))]
        pub cascade_id: String,
        #[serde(default)]
        pub parent_id: Option<String>,
        #[schemars(length(min = 1, max = 64))]
        pub name: String,
        #[serde(default)]
        pub description: Option<String>,
    }

    pub struct UpdateThreadReq {
        pub cascade_id: String,
        pub thread_id: String,
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
    }

    /// Names a thread (close).
    pub struct ThreadIdReq {
        pub cascade_id: String,
        pub thread_id: String,
    }

    /// An attachment of a thread message: the same fields as a direct message's.
    #[serde(transparent)]
    pub struct ThreadMessageAttachment {
        pub attachment: Attachment,
    }

    pub struct ThreadMessage {
        pub msgid: String,
        pub cascade_id: String,
        pub thread_id: String,
        pub author: String,
        pub message: String,
        #[serde(rename = "sent_at")]
        pub sent_at: Timestamp,
        pub is_edited: bool,
        pub pinned: bool,
        #[serde(default)]
        pub reply_to_id: Option<String>,
        #[serde(default)]
        pub reply_to: Option<String>,
        #[serde(default)]
        pub files: Vec<ThreadMessageAttachment>,
        #[serde(default)]
        pub client_key: Option<String>,
        /// A forwarded message: the userid of the original's author, and their display name
        /// when it was forwarded, as on a direct message.
        #[serde(default)]
        pub forwarded_from: Option<String>,
        #[serde(default)]
        pub forwarded_from_name: Option<String>,
    }

    /// Forwards a message into thread `threadId` of cascade `cascadeId`. The message forwarded
    /// is in chat `chatid`, or, when `fromThread` names a thread, in that thread, as in
    /// [`super::dm::ForwardMessageReq`].
    pub struct TMForwardMessageReq {
        pub cascade_id: String,
        pub thread_id: String,
        #[serde(default)]
        pub chatid: String,
        #[serde(default)]
        pub from_thread: Option<ThreadQuery>,
        /// The real service's clients also send it as `messageId`.
        #[serde(alias = "messageId")]
        pub msgid: String,
    }

    pub struct TMSendMessageReq {
        pub cascade_id: String,
        pub thread_id: String,
        pub message: String,
        #[serde(default)]
        pub reply_to_id: Option<String>,
        #[serde(default, rename = "fileIDs")]
        pub file_ids: Vec<String>,
        pub client_key: String,
    }

    pub struct TMPinMessageReq {
        pub cascade_id: String,
        pub thread_id: String,
        /// The real service's clients also send it as `messageId`.
        #[serde(alias = "messageId")]
        pub msgid: String,
    }

    pub struct TMGetPositionResp {
        pub from: u32,
    }

    pub struct TMEditMessageReq {
        pub cascade_id: String,
        pub thread_id: String,
        /// The real service's clients also send it as `messageId`.
        #[serde(alias = "messageId")]
        pub msgid: String,
        pub message: String,
    }

    pub struct TMDeleteMessagesReq {
        pub cascade_id: String,
        pub thread_id: String,
        pub msgids: Vec<String>,
    }

    /// Query: a page of a thread, as [`super::dm::GetMessagesQuery`] for a chat.
    pub struct TMGetMessagesQuery {
        pub cascade_id: String,
        pub thread_id: String,
        #[serde(default)]
        pub from: Option<u32>,
        #[serde(default)]
        #[schemars(range(min = 1, max = 200))]
        pub limit: Option<u32>,
        #[serde(default)]
        pub after: Option<String>,
    }

    /// Query: a thread.
    pub struct ThreadQuery {
        pub cascade_id: String,
        pub thread_id: String,
    }

    /// Query: a message of a thread.
    pub struct TMPositionQuery {
        pub cascade_id: String,
        pub thread_id: String,
        pub msgid: String,
    }
}
