//! What the sender's and the receiver's tasks share while one connection lives: relaying
//! local ICE candidates, applying the peer's (held back until its description is set), saying
//! control messages, and how a connection or a transfer ends.

use std::sync::Arc;
use std::time::Duration;

use chatenium_api::schemas::transfer::RTCSendCandidateReq;
use chatenium_api::{ErrorCode, SendTransferCandidate};
use tokio::sync::mpsc;
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::{RTCIceCandidateInit, RTCPeerConnectionState};

use super::peer::{Link, LinkEvent};
use super::protocol::Control;
use super::TransferHub;
use super::{Signal, TransferState};
use crate::error::ClientError;

/// How one connection ended.
pub enum Outcome {
    /// The connection dropped (or could not be made); the transfer may go on over a new one.
    Lost,
    /// The transfer is over, in this state.
    Over(TransferState),
}

/// What a link event means for the task.
pub enum Step {
    Continue,
    Lost,
    /// The receiver's side: the sender's data channel arrived.
    Channel(Arc<dyn DataChannel>),
}

/// Relays a local candidate to the peer, or reports the connection's end.
pub async fn on_link_event(hub: &TransferHub, id: &str, event: Option<LinkEvent>) -> Step {
    match event {
        Some(LinkEvent::Candidate(candidate)) => {
            let body = RTCSendCandidateReq {
                transfer_id: id.to_owned(),
                candidate: candidate.candidate,
                sdp_mid: candidate.sdp_mid,
                sdp_m_line_index: candidate.sdp_mline_index,
            };
            // A candidate that does not arrive only narrows the paths ICE can try.
            if let Err(error) = hub
                .context
                .session
                .call::<SendTransferCandidate>(&(), &body)
                .await
            {
                tracing::debug!(%error, "relaying an ICE candidate");
            }
            Step::Continue
        }
        Some(LinkEvent::State(RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed))
        | None => Step::Lost,
        Some(LinkEvent::State(_)) => Step::Continue,
        Some(LinkEvent::Channel(channel)) => Step::Channel(channel),
    }
}

/// The peer's candidates: applied once its description is set, held back until then (relayed
/// signaling may overtake the SDP it belongs to).
#[derive(Default)]
pub struct Remote {
    described: bool,
    early: Vec<RTCIceCandidateInit>,
}

impl Remote {
    pub async fn described(&mut self, link: &Link) {
        self.described = true;
        for candidate in std::mem::take(&mut self.early) {
            apply(link, candidate).await;
        }
    }

    pub async fn candidate(&mut self, link: &Link, candidate: RTCIceCandidateInit) {
        if self.described {
            apply(link, candidate).await;
        } else {
            self.early.push(candidate);
        }
    }
}

async fn apply(link: &Link, candidate: RTCIceCandidateInit) {
    // The empty candidate ("no more candidates") and a stale one of an earlier connection
    // are both harmless to skip.
    if candidate.candidate.is_empty() {
        return;
    }
    if let Err(error) = link.connection.add_ice_candidate(candidate).await {
        tracing::debug!(%error, "skipped a remote ICE candidate");
    }
}

/// Sends a control message; a channel that is gone shows up as a lost connection elsewhere.
pub async fn say(channel: &Arc<dyn DataChannel>, message: &Control) {
    if let Err(error) = channel.send_text(&message.encode()).await {
        tracing::debug!(%error, "sending a control message");
    }
}

pub fn protocol_error(reason: &str) -> Control {
    Control::Error {
        code: "protocol".into(),
        message: reason.to_owned(),
    }
}

/// The server refused a signaling step: the transfer ended meanwhile (the peer called it off),
/// or the server could not be reached (try again on a new connection).
pub fn refused(error: ClientError) -> Outcome {
    match error.code() {
        Some(ErrorCode::TransferExpired | ErrorCode::NotFound) => {
            Outcome::Over(TransferState::Cancelled { by_peer: true })
        }
        _ if error.is_transient() => Outcome::Lost,
        _ => Outcome::Over(TransferState::Failed {
            reason: error.to_string(),
        }),
    }
}

/// Waits `delay` before connecting again, unless the transfer ends meanwhile.
pub async fn pause(
    signals: &mut mpsc::UnboundedReceiver<Signal>,
    delay: Duration,
) -> Option<TransferState> {
    let sleep = tokio::time::sleep(delay);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return None,
            signal = signals.recv() => match signal {
                Some(Signal::Cancel) | None => {
                    return Some(TransferState::Cancelled { by_peer: false })
                }
                Some(Signal::Declined) => return Some(TransferState::Cancelled { by_peer: true }),
                Some(_) => {}
            },
        }
    }
}
