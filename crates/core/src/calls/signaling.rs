//! [`ServerSignaling`]: a call's [`Signaling`] through the server's relay (row 101 out, the
//! `callSignal` events in; `docs/call-signaling.md`).

use chatenium_api::schemas::call::{CallSignal, CallSignalReq};
use chatenium_api::SendCallSignal;
use tokio::sync::mpsc;

use super::error::MediaError;
use super::transport::{SignalMessage, Signaling};
use std::sync::Arc;

use crate::context::Context;

/// Sends through *WebRTC call signal*; receives what the live sync hands it from `callSignal`
/// events of this call's chat.
pub struct ServerSignaling {
    context: Arc<Context>,
    chatid: String,
    incoming: mpsc::UnboundedReceiver<SignalMessage>,
}

impl ServerSignaling {
    pub(crate) fn new(
        context: Arc<Context>,
        chatid: String,
        incoming: mpsc::UnboundedReceiver<SignalMessage>,
    ) -> ServerSignaling {
        ServerSignaling {
            context,
            chatid,
            incoming,
        }
    }
}

#[async_trait::async_trait]
impl Signaling for ServerSignaling {
    async fn send(&self, message: SignalMessage) -> Result<(), MediaError> {
        let body = CallSignalReq {
            chatid: self.chatid.clone(),
            signal: to_wire(message),
        };
        self.context
            .session
            .call::<SendCallSignal>(&(), &body)
            .await
            .map(|_| ())
            .map_err(|error| {
                MediaError::Transport(format!("signaling through the server: {error}"))
            })
    }

    async fn recv(&mut self) -> Option<SignalMessage> {
        self.incoming.recv().await
    }
}

pub(crate) fn to_wire(message: SignalMessage) -> CallSignal {
    match message {
        SignalMessage::Offer { sdp } => CallSignal::Offer { sdp },
        SignalMessage::Answer { sdp } => CallSignal::Answer { sdp },
        SignalMessage::Candidate {
            candidate,
            sdp_mid,
            sdp_mline_index,
            username_fragment,
        } => CallSignal::Candidate {
            candidate,
            sdp_mid,
            sdp_m_line_index: sdp_mline_index,
            username_fragment,
        },
    }
}

pub(crate) fn from_wire(signal: CallSignal) -> SignalMessage {
    match signal {
        CallSignal::Offer { sdp } => SignalMessage::Offer { sdp },
        CallSignal::Answer { sdp } => SignalMessage::Answer { sdp },
        CallSignal::Candidate {
            candidate,
            sdp_mid,
            sdp_m_line_index,
            username_fragment,
        } => SignalMessage::Candidate {
            candidate,
            sdp_mid,
            sdp_mline_index: sdp_m_line_index,
            username_fragment,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relays_wire_form_is_the_transports_message() {
        let candidate = SignalMessage::Candidate {
            candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host".into(),
            sdp_mid: Some("0".into()),
            sdp_mline_index: Some(1),
            username_fragment: Some("u".into()),
        };
        for message in [
            SignalMessage::Offer { sdp: "o".into() },
            SignalMessage::Answer { sdp: "a".into() },
            candidate,
        ] {
            // Both serialise to the same JSON, and convert back unchanged.
            assert_eq!(
                serde_json::to_value(&message).unwrap(),
                serde_json::to_value(to_wire(message.clone())).unwrap()
            );
            assert_eq!(from_wire(to_wire(message.clone())), message);
        }
    }
}
