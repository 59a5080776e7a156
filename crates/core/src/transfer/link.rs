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
use super::protocol::{self, Control};
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

/// Relays a local candidate to the peer, tagged with this connection's ICE username fragment
/// `ufrag` (from the local description) so that the peer can tell it from a candidate of a
/// connection it has replaced; or reports the connection's end.
pub async fn on_link_event(
    hub: &TransferHub,
    id: &str,
    ufrag: Option<&str>,
    event: Option<LinkEvent>,
) -> Step {
    match event {
        Some(LinkEvent::Candidate(candidate)) => {
            let line = match ufrag {
                Some(ufrag) => protocol::with_ufrag(&candidate.candidate, ufrag),
                None => candidate.candidate,
            };
            let body = RTCSendCandidateReq {
                transfer_id: id.to_owned(),
                candidate: line,
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
/// signaling may overtake the SDP it belongs to). A candidate whose `ufrag` is not the
/// description's belongs to a connection that was replaced, and is dropped.
#[derive(Default)]
pub struct Remote {
    /// The remote description's ICE username fragment, once it is set (`Some(None)`: the
    /// description names none, so no candidate can be told apart).
    ufrag: Option<Option<String>>,
    early: Vec<RTCIceCandidateInit>,
}

impl Remote {
    /// The peer's description `sdp` is set on `link`: the held candidates that belong to it
    /// are applied.
    pub async fn described(&mut self, link: &Link, sdp: &str) {
        self.ufrag = Some(protocol::description_ufrag(sdp).map(str::to_owned));
        for candidate in std::mem::take(&mut self.early) {
            self.apply(link, candidate).await;
        }
    }

    pub async fn candidate(&mut self, link: &Link, candidate: RTCIceCandidateInit) {
        if self.ufrag.is_some() {
            self.apply(link, candidate).await;
        } else {
            self.early.push(candidate);
        }
    }

    async fn apply(&self, link: &Link, candidate: RTCIceCandidateInit) {
        // The empty candidate ("no more candidates") is harmless to skip.
        if candidate.candidate.is_empty() {
            return;
        }
        if let (Some(Some(current)), Some(named)) =
            (&self.ufrag, protocol::candidate_ufrag(&candidate.candidate))
        {
            if named != current {
                tracing::debug!("dropped an ICE candidate of a replaced connection");
                return;
            }
        }
        apply(link, candidate).await;
    }
}

async fn apply(link: &Link, candidate: RTCIceCandidateInit) {
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

/// Tells the peer it broke the protocol, and ends the transfer with that sentence.
pub async fn broken(channel: &Arc<dyn DataChannel>, violation: protocol::Violation) -> Outcome {
    say(channel, &violation.message()).await;
    Outcome::Over(TransferState::Failed {
        reason: format!("the peer broke the protocol: {violation}"),
    })
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
