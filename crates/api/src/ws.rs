//! The WebSocket: its frame, the typed events a server sends and the commands a client sends.
//!
//! Every frame is `{"action": "<name>", "data": "<JSON text>", "sender": "<optional>"}`, as the
//! real service writes it: `data` is a JSON document encoded as a string. [`ServerEvent`] and
//! [`ClientCommand`] are the typed view; [`Frame`] is what travels. Decoding never panics: a
//! frame that is not JSON, names an unknown action or carries bad data is an [`EventDecodeError`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::macros::contract_types;
use crate::schemas::{
    call::{CallEndReason, CallSignal},
    cascade::Cascade,
    common::{PublicUserData, Timestamp},
    contacts::Contact,
    dm::Message,
    thread::{Thread, ThreadMessage},
    upload::FileMetadata,
};

contract_types! {
    /// Query of the WebSocket upgrade.
    pub struct WsQuery {
        /// `accessToken`; the real service's clients spell it `access_token`, also accepted.
        #[serde(alias = "access_token")]
        pub access_token: String,
    }

    /// The frame on the wire.
    pub struct Frame {
        pub action: String,
        /// A JSON document, encoded as a string.
        pub data: String,
        /// The userid of who caused the event, where there is one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sender: Option<String>,
        /// Extension (the change feed, [`crate::extensions`]): the event's position in the
        /// receiving user's change feed. Absent on frames that are not changes (`connectionId`,
        /// `pong`, signaling), and on every frame of a server without the feed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
        pub position: Option<u64>,
    }

    pub struct ConnectionId {
        pub conn_id: String,
    }

    pub struct EditedMessage {
        pub chatid: String,
        pub msgid: String,
        pub message: String,
    }

    pub struct DeletedMessages {
        pub chatid: String,
        pub msgids: Vec<String>,
    }

    pub struct PinChange {
        pub chatid: String,
        pub msgid: String,
        pub pinned: bool,
    }

    pub struct ChatRef {
        pub chatid: String,
    }

    /// Extension (the change feed, `docs/sync-model.md`): `userid` read the chat up to
    /// `msgid`, so the messages of the other member up to it are `seen`, and the reader's
    /// unread count changed.
    pub struct ReadMark {
        pub chatid: String,
        pub userid: String,
        pub msgid: String,
    }

    pub struct EditedThreadMessage {
        pub cascade_id: String,
        pub thread_id: String,
        pub msgid: String,
        pub message: String,
    }

    pub struct DeletedThreadMessages {
        pub cascade_id: String,
        pub thread_id: String,
        pub msgids: Vec<String>,
    }

    pub struct ThreadPinChange {
        pub cascade_id: String,
        pub thread_id: String,
        pub msgid: String,
        pub pinned: bool,
    }

    pub struct ThreadRef {
        pub cascade_id: String,
        pub thread_id: String,
    }

    pub struct CascadeRef {
        pub cascade_id: String,
    }

    /// The receiving user was removed from a cascade: kicked, or banned (with the reason the
    /// moderator gave, if any).
    pub struct CascadeRemoval {
        pub cascade_id: String,
        #[serde(default)]
        pub banned: bool,
        #[serde(default)]
        pub reason: Option<String>,
    }

    pub struct MemberChange {
        pub cascade_id: String,
        pub userid: String,
    }

    /// A file offered to the receiver.
    pub struct TransferRequest {
        pub transfer_id: String,
        pub from: PublicUserData,
        pub file: FileMetadata,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub expires_at: i64,
    }

    pub struct TransferRef {
        pub transfer_id: String,
    }

    pub struct TransferSdp {
        pub transfer_id: String,
        pub sdp: String,
    }

    pub struct TransferCandidate {
        pub transfer_id: String,
        pub candidate: String,
        #[serde(default)]
        pub sdp_mid: Option<String>,
        #[serde(default)]
        pub sdp_m_line_index: Option<u16>,
    }

    pub struct IncomingCall {
        pub chatid: String,
        pub from: PublicUserData,
        pub rang_at: Timestamp,
    }

    /// A call ended. `reason` is an extension of the index (docs/call-signaling.md): a server
    /// of the index alone sends only `chatid`.
    pub struct CallEnd {
        pub chatid: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<CallEndReason>,
    }

    /// A signaling message of an answered call, from the other party.
    pub struct CallSignalEvent {
        pub chatid: String,
        pub signal: CallSignal,
    }

    /// Query of the change feed (an extension, [`crate::extensions::GetChanges`]).
    pub struct ChangesQuery {
        /// The last position the client applied; the answer starts after it. Absent: only the
        /// head is answered (where a client that never read the feed starts from).
        #[serde(default)]
        #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
        pub since: Option<u64>,
        /// At most this many changes (1 to [`MAX_CHANGES_PAGE`], [`DEFAULT_CHANGES_PAGE`]
        /// when absent).
        #[serde(default)]
        pub limit: Option<u32>,
    }

    /// One change of the feed: the frame the socket carried (or would have), with its position.
    pub struct Change {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub position: u64,
        pub action: String,
        /// A JSON document, encoded as a string, as in [`Frame`].
        pub data: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sender: Option<String>,
    }

    /// A page of the caller's change feed.
    pub struct ChangesPage {
        /// The newest position of the caller's feed when the page was read.
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub head: u64,
        /// The changes after `since`, oldest first; fewer than asked means the page reaches
        /// the head.
        pub changes: Vec<Change>,
        /// `since` is before the kept window: changes after it were dropped, so the client
        /// cannot catch up from the feed and must read what it caches anew (then continue
        /// from `head`). `changes` is empty.
        #[serde(default)]
        pub too_far_behind: bool,
    }

    /// Client command: also deliver the events of these cascades' threads to this connection.
    pub struct Subscription {
        pub cascade_ids: Vec<String>,
    }

    /// Client command: the session's new access token, after a refresh. A connection lives as
    /// long as the access token it was opened (or last refreshed) with: at that token's expiry
    /// the server closes it with close code [`CLOSE_TOKEN_EXPIRED`], unless the client sent a
    /// newer token of the same session first. A token the server does not accept changes
    /// nothing.
    pub struct AccessRefresh {
        pub access_token: String,
    }
}

/// What a server tells a client. The variant's name, in camelCase, is the frame's `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "action", content = "data", rename_all = "camelCase")]
pub enum ServerEvent {
    /// The first frame: the id to send as `X-WS-ID`.
    ConnectionId(ConnectionId),
    NewMessage(Message),
    EditedMessage(EditedMessage),
    DeletedMessage(DeletedMessages),
    PinnedMessage(PinChange),
    /// Extension (`docs/sync-model.md`): a member of the chat read it (to both members).
    ChatRead(ReadMark),
    /// A contact request (to the partner), or a changed contact.
    ContactRequest(Contact),
    ContactDeleted(ChatRef),
    /// A user one shares a chat or a cascade with changed their profile.
    ProfileChanged(PublicUserData),
    /// This connection's session was logged out; its tokens no longer work.
    SessionRevoked,
    /// The answer to a client's `ping` command.
    Pong,
    NewThreadMessage(ThreadMessage),
    EditedThreadMessage(EditedThreadMessage),
    DeletedThreadMessage(DeletedThreadMessages),
    PinnedThreadMessage(ThreadPinChange),
    ThreadCreated(Thread),
    ThreadUpdated(Thread),
    ThreadClosed(ThreadRef),
    /// A cascade one belongs to changed (name, visibility, members), or one was joined.
    CascadeChanged(Cascade),
    CascadeDeleted(CascadeRef),
    /// The receiving user was kicked or banned.
    KickedFromCascade(CascadeRemoval),
    MemberJoined(MemberChange),
    MemberLeft(MemberChange),
    TransferRequest(TransferRequest),
    TransferAccepted(TransferRef),
    TransferDeclined(TransferRef),
    TransferExpired(TransferRef),
    TransferOffer(TransferSdp),
    TransferAnswer(TransferSdp),
    TransferCandidate(TransferCandidate),
    IncomingCall(IncomingCall),
    CallEnded(CallEnd),
    /// Extension (docs/call-signaling.md): the callee answered on one of their devices. The
    /// caller starts connecting; the callee's other devices stop ringing.
    CallAnswered(ChatRef),
    /// Extension (docs/call-signaling.md): the other party's offer, answer or ICE candidate.
    CallSignal(CallSignalEvent),
    /// A picture of the receiver's gallery changed (liked, commented on, edited), as its owner
    /// sees it.
    PictureChanged(crate::schemas::pictures::Picture),
    /// The receiver deleted one of their pictures on another device.
    PictureDeleted(crate::schemas::pictures::PictureIdReq),
    /// A comment under one of the receiver's pictures, or of the receiver's own, was posted
    /// or edited.
    CommentChanged(crate::schemas::pictures::Comment),
    /// Such a comment was deleted (its picture's new count follows as `pictureChanged`).
    CommentDeleted(crate::schemas::pictures::CommentIdReq),
}

/// What a client tells a server over the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "action", content = "data", rename_all = "camelCase")]
pub enum ClientCommand {
    /// Application-level heartbeat for clients that cannot send WebSocket pings.
    Ping,
    Subscribe(Subscription),
    Refresh(AccessRefresh),
}

/// The most changes one page of the feed holds.
pub const MAX_CHANGES_PAGE: u32 = 1000;
/// The page size of the feed when the client names none.
pub const DEFAULT_CHANGES_PAGE: u32 = 500;

impl Change {
    /// The change as the frame the socket would carry.
    pub fn frame(&self) -> Frame {
        Frame {
            action: self.action.clone(),
            data: self.data.clone(),
            sender: self.sender.clone(),
            position: Some(self.position),
        }
    }
}

impl ServerEvent {
    /// Whether the event is a change the receiver may see later (it goes in the change feed),
    /// rather than a signal only worth anything live: the connection's id, a pong, a revoked
    /// session, transfer and call signaling.
    pub fn is_change(&self) -> bool {
        !matches!(
            self,
            ServerEvent::ConnectionId(_)
                | ServerEvent::Pong
                | ServerEvent::SessionRevoked
                | ServerEvent::TransferRequest(_)
                | ServerEvent::TransferAccepted(_)
                | ServerEvent::TransferDeclined(_)
                | ServerEvent::TransferExpired(_)
                | ServerEvent::TransferOffer(_)
                | ServerEvent::TransferAnswer(_)
                | ServerEvent::TransferCandidate(_)
                | ServerEvent::IncomingCall(_)
                | ServerEvent::CallEnded(_)
                | ServerEvent::CallAnswered(_)
                | ServerEvent::CallSignal(_)
        )
    }
}

/// The WebSocket close code a server ends a connection with when its access token expired
/// (reason `tokenExpired`): refresh the token pair and connect again.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4001;

/// Why a frame could not be read as an event or command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventDecodeError {
    #[error("the frame is not a JSON object with action and data: {0}")]
    NotAFrame(String),
    #[error("the frame's data is not JSON: {0}")]
    DataNotJson(String),
    #[error("unknown action or bad data for it: {0}")]
    Unrecognized(String),
}

/// Turns a typed value (adjacently tagged as action + data) into the string-encoded frame.
fn encode<T: Serialize>(value: &T, sender: Option<&str>) -> Frame {
    let tagged = serde_json::to_value(value).unwrap_or(Value::Null);
    let action = tagged
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let data = match tagged.get("data") {
        Some(data) => data.to_string(),
        None => "{}".to_owned(),
    };
    Frame {
        action,
        data,
        sender: sender.map(str::to_owned),
        position: None,
    }
}

fn decode<T: for<'de> Deserialize<'de>>(frame: &Frame) -> Result<T, EventDecodeError> {
    let data: Value = if frame.data.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&frame.data)
            .map_err(|e| EventDecodeError::DataNotJson(e.to_string()))?
    };
    let mut tagged = serde_json::Map::new();
    tagged.insert("action".to_owned(), Value::String(frame.action.clone()));
    // A unit variant (e.g. `sessionRevoked`) must not carry data for serde to accept it.
    if !(data.is_null() || data == Value::Object(Default::default())) {
        tagged.insert("data".to_owned(), data);
    }
    let tagged = Value::Object(tagged);
    serde_json::from_value(tagged.clone())
        .or_else(|first| {
            // Struct variants whose fields are all optional may arrive as `{}`.
            let mut with_empty = tagged;
            with_empty["data"] = Value::Object(Default::default());
            serde_json::from_value(with_empty).map_err(|_| first)
        })
        .map_err(|e| EventDecodeError::Unrecognized(format!("{}: {e}", frame.action)))
}

impl Frame {
    /// Reads a frame from socket text.
    pub fn parse(text: &str) -> Result<Frame, EventDecodeError> {
        serde_json::from_str(text).map_err(|e| EventDecodeError::NotAFrame(e.to_string()))
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ServerEvent {
    pub fn to_frame(&self, sender: Option<&str>) -> Frame {
        encode(self, sender)
    }

    pub fn from_frame(frame: &Frame) -> Result<ServerEvent, EventDecodeError> {
        decode(frame)
    }

    /// The frame's `action` for this event.
    pub fn action(&self) -> String {
        encode(self, None).action
    }
}

impl ClientCommand {
    pub fn to_frame(&self) -> Frame {
        encode(self, None)
    }

    pub fn from_frame(frame: &Frame) -> Result<ClientCommand, EventDecodeError> {
        decode(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            msgid: "m1".into(),
            chatid: "c1".into(),
            author: "u1".into(),
            message: "<b>hi</b>".into(),
            sent_at: Timestamp::new(1_700_000_000, 2),
            is_edited: false,
            seen: false,
            pinned: false,
            reply_to_id: None,
            reply_to: None,
            files: vec![],
            client_key: Some("k1".into()),
            forwarded_from: None,
            forwarded_from_name: None,
            meta_data: None,
        }
    }

    #[test]
    fn data_travels_as_a_json_string_and_decodes_back() {
        let event = ServerEvent::NewMessage(message());
        let text = event.to_frame(Some("u1")).to_text();
        let raw: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(raw["action"], "newMessage");
        assert_eq!(raw["sender"], "u1");
        let data = raw["data"].as_str().expect("data is a string");
        assert_eq!(
            serde_json::from_str::<Value>(data).unwrap()["sent_at"]["T"],
            1_700_000_000
        );
        let back = ServerEvent::from_frame(&Frame::parse(&text).unwrap()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn the_first_frame_has_the_real_services_shape() {
        let frame = ServerEvent::ConnectionId(ConnectionId {
            conn_id: "abc".into(),
        })
        .to_frame(None);
        assert_eq!(frame.action, "connectionId");
        assert_eq!(frame.data, r#"{"connId":"abc"}"#);
    }

    #[test]
    fn unit_events_round_trip() {
        let frame = ServerEvent::SessionRevoked.to_frame(None);
        assert_eq!(
            ServerEvent::from_frame(&frame).unwrap(),
            ServerEvent::SessionRevoked
        );
        let ping = ClientCommand::Ping.to_frame();
        assert_eq!(ping.action, "ping");
        assert_eq!(
            ClientCommand::from_frame(&ping).unwrap(),
            ClientCommand::Ping
        );
    }

    #[test]
    fn hostile_frames_are_errors_not_panics() {
        let cases = [
            "",
            "null",
            "[]",
            r#"{"action":1,"data":"{}"}"#,
            r#"{"action":"newMessage"}"#,
            r#"{"action":"newMessage","data":"not json"}"#,
            r#"{"action":"newMessage","data":"{\"msgid\":5}"}"#,
            r#"{"action":"noSuchAction","data":"{}"}"#,
            r#"{"action":"connectionId","data":"\"just a string\""}"#,
        ];
        for text in cases {
            let outcome = Frame::parse(text).and_then(|frame| ServerEvent::from_frame(&frame));
            assert!(outcome.is_err(), "{text:?} decoded as {outcome:?}");
        }
    }
}
