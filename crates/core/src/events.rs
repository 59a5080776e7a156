//! What leaves the core: typed events. Lists travel as a snapshot and then [`ListDiff`]s.

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::thread::ThreadMessage;
use serde::Serialize;

use crate::diff::ListDiff;
use crate::timeline::TimelineItem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionState {
    /// Not connected; retrying with backoff.
    Offline,
    Connecting,
    /// Connected and caught up.
    Online,
}

/// What a connection is catching up on before it shows `Online`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CatchUpStage {
    /// Replaying the server's change feed: `done` and `total` count its positions.
    Changes,
    /// Reading each conversation (chats, then each cascade's threads) from its cursor: `done`
    /// and `total` count conversations (a cascade's threads count as one).
    Conversations,
    /// The cache was too far behind: every conversation is read anew (counted as above).
    Resync,
}

/// How far the catching up after a connect has come. Sent a bounded number of times per
/// stage (a feed page, or a percent more), always once at `done == total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatchUpProgress {
    pub stage: CatchUpStage,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CoreEvent {
    Connection {
        state: ConnectionState,
    },
    /// Catching up after a connect, while the connection is `Connecting`; a change of the
    /// connection state ends it (`Online` once caught up).
    CatchingUp {
        progress: CatchUpProgress,
    },
    /// The chat list (newest activity first).
    ChatList {
        diff: ListDiff<Contact>,
    },
    /// One chat's timeline; only sent for chats whose timeline was opened.
    Timeline {
        chatid: String,
        diff: ListDiff<TimelineItem>,
    },
    /// The server ended the session; cached data stays for the next sign-in.
    SessionRevoked,
    /// The cascades the user belongs to.
    CascadeList {
        diff: ListDiff<chatenium_api::schemas::cascade::Cascade>,
    },
    /// The cache was too far behind the server's change feed (or had no position in it): its
    /// messages are read anew, conversation by conversation, before the connection shows
    /// `Online`. Open timelines are emptied first and refill as their newest page arrives.
    FullResync,
    /// The user was removed from a cascade by a moderator: kicked, or banned (with the reason
    /// given, if any). The cascade then leaves the list (`CascadeList`).
    RemovedFromCascade {
        cascade_id: String,
        banned: bool,
        reason: Option<String>,
    },
    /// The cascades muted on this device, all of them (after each connect and each change).
    MutedCascades {
        cascade_ids: Vec<String>,
    },
    /// One thread's timeline; only sent for threads whose timeline was opened.
    ThreadTimeline {
        cascade_id: String,
        thread_id: String,
        diff: ListDiff<TimelineItem<ThreadMessage>>,
    },
    /// A thread tree of a cascade changed (created, updated, closed): `threads` is the
    /// cascade's threads under `parent_id` (`None`: the root threads) as they are now.
    Threads {
        cascade_id: String,
        parent_id: Option<String>,
        threads: Vec<chatenium_api::schemas::thread::Thread>,
    },
    /// A new message in a thread of a cascade the user belongs to.
    ThreadMessage {
        message: chatenium_api::schemas::thread::ThreadMessage,
    },
    /// An upload's progress (bytes sent of the total) and state.
    Upload {
        progress: crate::payloads::UploadProgress,
    },
    /// A peer-to-peer transfer changed: offered, connecting, progress, done, failed, ...
    Transfer {
        transfer: crate::payloads::TransferUpdate,
    },
    /// The call changed: ringing, connecting, active, muted, camera, ended (then forgotten).
    Call {
        call: crate::call_state::CallUpdate,
    },
    /// An open gallery feed changed (see [`crate::gallery`]).
    GalleryFeed {
        feed: crate::gallery::GalleryFeedKey,
        diff: ListDiff<crate::gallery::GalleryItem>,
    },
    /// An open comment thread of a picture changed.
    GalleryComments {
        picture_id: String,
        diff: ListDiff<chatenium_api::schemas::pictures::Comment>,
    },
    /// An open album list of a creator changed.
    GalleryAlbums {
        userid: String,
        diff: ListDiff<chatenium_api::schemas::pictures::Album>,
    },
    /// A creator's details changed (followed or unfollowed by the user).
    GalleryCreator {
        creator: chatenium_api::schemas::pictures::Creator,
    },
}
