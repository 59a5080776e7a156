//! Endpoints beyond the index's 97 rows: what the real service offers and the index does not
//! list. They follow the house style of the table (`/v3` paths, a JSON body, the access token)
//! and implement [`Endpoint`] like its rows, but are not in [`crate::ENDPOINTS`] (the index's
//! rows, in its order) nor in the generated OpenAPI document; [`EXTENSIONS`] lists them.
//!
//! - **Forward a message** (`POST /v3/dm/messages/forward`, [`DmForwardMessage`]): the real
//!   service's `Message` carries `forwardedFrom` and `forwardedFromName`, and its clients
//!   forward with `chat/dm/forwardMessage`. Ours forwards a message of one of the caller's
//!   direct chats into another, as a new message of the caller's with the same text and
//!   attachments that names the original's author; both members of the target chat receive
//!   `newMessage`, and the answer is the new message.

use crate::endpoint::{Auth, Endpoint, EndpointMeta, Group, Method, Payload};
use crate::schemas::dm::{ForwardMessageReq, Message};

/// Forwards a message into another direct chat (an extension; see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DmForwardMessage;

impl Endpoint for DmForwardMessage {
    const META: EndpointMeta = EndpointMeta {
        // Not a row of the index.
        number: 0,
        name: "DmForwardMessage",
        group: Group::DirectMessaging,
        title: "Forward message",
        description:
            "Forwards a message, with its attachments, into another of the caller's chats.",
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

/// Every extension endpoint.
pub const EXTENSIONS: &[EndpointMeta] = &[DmForwardMessage::META];
