//! The seam between a call and the network: what a call needs from a transport
//! ([`MediaTransport`]), and how a peer-to-peer transport exchanges its offer, answer and ICE
//! candidates ([`Signaling`]). See the `calls` module docs for the contract in prose.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::error::MediaError;

/// One encoded audio packet (20 ms of Opus).
#[derive(Debug, Clone)]
pub struct EncodedAudio {
    pub data: Bytes,
    /// The RTP timestamp it travelled with (48 kHz clock); 0 on the sending side, where the
    /// transport assigns it.
    pub rtp_timestamp: u32,
}

/// One encoded video frame (VP8).
#[derive(Debug, Clone)]
pub struct EncodedVideo {
    pub data: Bytes,
    pub keyframe: bool,
    /// How long the frame shows: 1 / frame rate. Sets the RTP clock's step on the sending side.
    pub duration: std::time::Duration,
    /// The RTP timestamp it travelled with (90 kHz clock); 0 on the sending side.
    pub rtp_timestamp: u32,
}

/// What a transport reports to the call.
#[derive(Debug, Clone)]
pub enum TransportEvent {
    /// Media can flow: sends before this are dropped with [`MediaError::NotConnected`].
    Connected,
    /// The peer's audio.
    Audio(EncodedAudio),
    /// The peer's video, whole frames only, starting at a keyframe.
    Video(EncodedVideo),
    /// The peer cannot decode our video until it gets a keyframe: encode the next one as such.
    KeyframeRequested,
    /// The connection is gone (failed or closed); no event follows.
    Closed { reason: String },
}

/// Counters of one transport, for the call's connection-quality display and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransportStats {
    pub audio_packets_sent: u64,
    pub audio_packets_received: u64,
    pub video_frames_sent: u64,
    pub video_frames_received: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub keyframe_requests_sent: u64,
    pub keyframe_requests_received: u64,
    /// Frames the sender offered before the connection was up.
    pub dropped_before_connected: u64,
}

/// What a 1:1 call needs from the network, whatever carries it: peer to peer over WebRTC
/// ([`super::peer::PeerTransport`]) or, later, a LiveKit room.
///
/// Events (received media, keyframe requests, the connection's end) arrive on the receiver
/// the transport's constructor returns.
#[async_trait::async_trait]
pub trait MediaTransport: Send + Sync {
    /// Sends one audio packet. Before [`TransportEvent::Connected`] this returns
    /// [`MediaError::NotConnected`] and the packet is dropped.
    async fn send_audio(&self, packet: EncodedAudio) -> Result<(), MediaError>;
    /// Sends one video frame, as [`MediaTransport::send_audio`].
    async fn send_video(&self, frame: EncodedVideo) -> Result<(), MediaError>;
    /// Asks the peer for a keyframe (our decoder lost its reference).
    async fn request_keyframe(&self) -> Result<(), MediaError>;
    fn stats(&self) -> TransportStats;
    /// Ends the connection; the peer sees it close.
    async fn close(&self);
}

/// One signaling message of a peer-to-peer call, as the server relays it. The field names are
/// those of the browser's `RTCSessionDescriptionInit` and `RTCIceCandidateInit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SignalMessage {
    Offer {
        sdp: String,
    },
    Answer {
        sdp: String,
    },
    #[serde(rename_all = "camelCase")]
    Candidate {
        candidate: String,
        sdp_mid: Option<String>,
        #[serde(rename = "sdpMLineIndex")]
        sdp_mline_index: Option<u16>,
        username_fragment: Option<String>,
    },
}

/// How a peer-to-peer transport reaches the other peer before it has a connection: the
/// server's relay in a call, a channel in tests.
#[async_trait::async_trait]
pub trait Signaling: Send {
    async fn send(&self, message: SignalMessage) -> Result<(), MediaError>;
    /// The next message from the peer; `None` once signaling has ended.
    async fn recv(&mut self) -> Option<SignalMessage>;
}

/// Signaling over in-process channels: two ends that deliver to each other.
pub struct ChannelSignaling {
    outgoing: mpsc::UnboundedSender<SignalMessage>,
    incoming: mpsc::UnboundedReceiver<SignalMessage>,
}

impl ChannelSignaling {
    pub fn pair() -> (ChannelSignaling, ChannelSignaling) {
        let (a_tx, a_rx) = mpsc::unbounded_channel();
        let (b_tx, b_rx) = mpsc::unbounded_channel();
        (
            ChannelSignaling {
                outgoing: a_tx,
                incoming: b_rx,
            },
            ChannelSignaling {
                outgoing: b_tx,
                incoming: a_rx,
            },
        )
    }
}

#[async_trait::async_trait]
impl Signaling for ChannelSignaling {
    async fn send(&self, message: SignalMessage) -> Result<(), MediaError> {
        self.outgoing
            .send(message)
            .map_err(|_| MediaError::Transport("the peer's signaling is gone".into()))
    }

    async fn recv(&mut self) -> Option<SignalMessage> {
        self.incoming.recv().await
    }
}

/// [`TransportStats`] as atomics, updated from the transport's tasks.
#[derive(Debug, Default)]
pub(crate) struct StatCounters {
    pub audio_packets_sent: AtomicU64,
    pub audio_packets_received: AtomicU64,
    pub video_frames_sent: AtomicU64,
    pub video_frames_received: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub bytes_received: AtomicU64,
    pub keyframe_requests_sent: AtomicU64,
    pub keyframe_requests_received: AtomicU64,
    pub dropped_before_connected: AtomicU64,
}

impl StatCounters {
    pub fn add(counter: &AtomicU64, amount: u64) {
        counter.fetch_add(amount, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> TransportStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        TransportStats {
            audio_packets_sent: read(&self.audio_packets_sent),
            audio_packets_received: read(&self.audio_packets_received),
            video_frames_sent: read(&self.video_frames_sent),
            video_frames_received: read(&self.video_frames_received),
            bytes_sent: read(&self.bytes_sent),
            bytes_received: read(&self.bytes_received),
            keyframe_requests_sent: read(&self.keyframe_requests_sent),
            keyframe_requests_received: read(&self.keyframe_requests_received),
            dropped_before_connected: read(&self.dropped_before_connected),
        }
    }
}
