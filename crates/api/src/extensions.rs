//! Endpoints beyond the index's 97 rows: what the real service offers and the index does not
//! list. They follow the house style of the table (`/v3` paths, a JSON body, the access token)
//! and implement [`Endpoint`] like its rows, but are not in [`crate::ENDPOINTS`] (the index's
//! rows, in its order); [`EXTENSIONS`] lists them, and the OpenAPI document describes them
//! without an index row (`x-extension: true`).
//!
//! - **Forward a message** ([`DmForwardMessage`], `POST /v3/dm/messages/forward`, into a
//!   direct chat; [`TmForwardMessage`], `POST /v3/thread/messages/forward`, into a thread):
//!   the real service's `Message` carries `forwardedFrom` and `forwardedFromName`, and its
//!   clients forward with `chat/dm/forwardMessage`. Ours forwards a message the caller may read
//!   (of one of their direct chats, or of a thread of one of their cascades: `fromThread`) into
//!   a chat or thread they may write, as a new message of the caller's with the same text and
//!   attachments that names the original's author. The target's audience hears `newMessage`
//!   or `newThreadMessage` as for a send, and the answer is the new message.
//! - **The change feed** ([`GetChanges`], `GET /v3/changes?since=P&limit=N`): every change a
//!   user may see (the socket's events but signaling: [`crate::ws::ServerEvent::is_change`])
//!   gets a position in that user's feed, 1, 2, 3, ... with no gap, whether or not the user
//!   was connected; a live frame carries it as `position`
//!   ([`crate::ws::Frame::position`]). The answer ([`crate::ws::ChangesPage`]) is the changes
//!   after `since`, oldest first, and the feed's `head`; without `since`, only the head. The
//!   server keeps a bounded window of each feed; a `since` before it is answered
//!   `tooFarBehind: true` (the client reads what it caches anew). The real service has no
//!   feed: a client that gets 404 here keeps its per-conversation catch-up.

use crate::endpoint::{Auth, Endpoint, EndpointMeta, Group, Method, Payload};
use crate::openapi::OperationSchemas;
use crate::schemas::dm::{ForwardMessageReq, Message};
use crate::schemas::thread::{TMForwardMessageReq, ThreadMessage};
use crate::ws::{ChangesPage, ChangesQuery};

/// Forwards a message into a direct chat (an extension; see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DmForwardMessage;

impl Endpoint for DmForwardMessage {
    const META: EndpointMeta = EndpointMeta {
        // Not a row of the index.
        number: 0,
        name: "DmForwardMessage",
        group: Group::DirectMessaging,
        title: "Forward message",
        description: "Forwards a message of a chat or thread the caller reads, with its \
            attachments, into one of the caller's chats.",
        method: Method::Post,
        path: "/v3/dm/messages/forward",
        auth: Auth::AccessToken,
        query: Payload::None,
        body: Payload::Json,
        response: Payload::Json,
    };
    type Query = ();
    type Body = ForwardMessageReq;
    type Response = Message;
}

/// Forwards a message into a thread (an extension; see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TmForwardMessage;

impl Endpoint for TmForwardMessage {
    const META: EndpointMeta = EndpointMeta {
        // Not a row of the index.
        number: 0,
        name: "TmForwardMessage",
        group: Group::ThreadMessages,
        title: "Forward message to thread",
        description: "Forwards a message of a chat or thread the caller reads, with its \
            attachments, into a thread of one of the caller's cascades.",
        method: Method::Post,
        path: "/v3/thread/messages/forward",
        auth: Auth::AccessToken,
        query: Payload::None,
        body: Payload::Json,
        response: Payload::Json,
    };
    type Query = ();
    type Body = TMForwardMessageReq;
    type Response = ThreadMessage;
}

/// The caller's changes since a position (an extension; see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetChanges;

impl Endpoint for GetChanges {
    const META: EndpointMeta = EndpointMeta {
        // Not a row of the index.
        number: 0,
        name: "GetChanges",
        group: Group::WebSocket,
        title: "Changes since a position",
        description: "The caller's change feed after a position, oldest first, with the \
            feed's head; `tooFarBehind` when the position is before the kept window.",
        method: Method::Get,
        path: "/v3/changes",
        auth: Auth::AccessToken,
        query: Payload::Json,
        body: Payload::None,
        response: Payload::Json,
    };
    type Query = ChangesQuery;
    type Body = ();
    type Response = ChangesPage;
}

/// Every extension endpoint.
pub const EXTENSIONS: &[EndpointMeta] = &[
    DmForwardMessage::META,
    TmForwardMessage::META,
    GetChanges::META,
];

/// The schemas of each extension operation, for the OpenAPI document.
pub(crate) fn operation_schemas(
    generator: &mut schemars::SchemaGenerator,
) -> Vec<OperationSchemas> {
    vec![
        OperationSchemas {
            meta: DmForwardMessage::META,
            query: None,
            body: Some(generator.subschema_for::<ForwardMessageReq>()),
            response: Some(generator.subschema_for::<Message>()),
        },
        OperationSchemas {
            meta: TmForwardMessage::META,
            query: None,
            body: Some(generator.subschema_for::<TMForwardMessageReq>()),
            response: Some(generator.subschema_for::<ThreadMessage>()),
        },
        OperationSchemas {
            meta: GetChanges::META,
            query: Some(<ChangesQuery as schemars::JsonSchema>::json_schema(
                generator,
            )),
            body: None,
            response: Some(generator.subschema_for::<ChangesPage>()),
        },
    ]
}
