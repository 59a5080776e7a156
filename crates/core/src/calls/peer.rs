//! The peer-to-peer [`MediaTransport`]: one WebRTC connection (webrtc-rs 0.21) carrying an
//! Opus track and a VP8 track each way, negotiated through a [`Signaling`].
//!
//! - Sending: `TrackLocalStaticSample` packetizes each encoded frame (Opus and VP8 payloaders).
//! - Receiving: audio RTP payloads are Opus packets as they are; video goes through a
//!   `SampleBuilder` with the VP8 depacketizer, so whole frames come out.
//! - Keyframes: the receiver drops video until a keyframe arrives and sends a picture loss
//!   indication (PLI) meanwhile, at most every [`PLI_INTERVAL`]. webrtc-rs's default
//!   interceptors consume inbound RTCP, the peer's PLI included, so [`KeyframeRequestForwarder`]
//!   marks PLI and FIR for the application (webrtc-rs's `rtcp-processing` example); they then
//!   arrive on the local video track and become [`TransportEvent::KeyframeRequested`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chatenium_api::schemas::call::RTCConfiguration;
use rtc::interceptor::{Attribute, Interceptor, Packet, Slot, StreamInfo, TaggedPacket};
use rtc::media::io::sample_builder::SampleBuilder;
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp::codec::vp8::Vp8Packet;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters,
    RTCRtpEncodingParameters, RtpCodecKind,
};
use rtc::sansio::Protocol;
use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    register_default_interceptors, MediaEngine, PeerConnection, PeerConnectionBuilder,
    PeerConnectionEventHandler, RTCConfigurationBuilder, RTCIceCandidateInit, RTCIceServer,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState, RTCSessionDescription, Registry,
    SettingEngineBuilder,
};
use webrtc::rtp_transceiver::RtpSender;

use super::error::MediaError;
use super::frame::FRAME_DURATION;
use super::transport::{
    EncodedAudio, EncodedVideo, MediaTransport, SignalMessage, Signaling, StatCounters,
    TransportEvent, TransportStats,
};

/// Payload types we offer; the answer keeps the offerer's, and both sides offer these.
const OPUS_PAYLOAD_TYPE: u8 = 111;
const VP8_PAYLOAD_TYPE: u8 = 96;
/// The least time between two keyframe requests while waiting for a keyframe: one is enough
/// when it arrives, and a lost one is repeated soon.
pub const PLI_INTERVAL: Duration = Duration::from_millis(250);
/// Events queued for the call; when full, the track readers wait (the call reads constantly).
const EVENT_QUEUE: usize = 512;
/// Reordering the video sample builder waits for, in packets and in time.
const VIDEO_MAX_LATE_PACKETS: u16 = 256;
const VIDEO_MAX_LATE: Duration = Duration::from_millis(500);
/// A peer silent this long is disconnected, and this much longer the connection has failed
/// and the call ends (webrtc-rs's defaults, 5 s + 25 s, keep a dead call open half a minute;
/// a hang-up normally arrives through signaling well before either).
const ICE_DISCONNECTED_AFTER: Duration = Duration::from_secs(4);
const ICE_FAILED_AFTER: Duration = Duration::from_secs(8);
const ICE_KEEPALIVE: Duration = Duration::from_secs(1);

/// Which side makes the offer: the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRole {
    Offerer,
    Answerer,
}

/// Where the connection may go.
#[derive(Debug, Clone)]
pub struct PeerSettings {
    /// STUN and TURN servers, as the server's call access hands them out.
    pub rtc: RTCConfiguration,
    /// Local UDP addresses to bind (`0.0.0.0:0`: every interface; `127.0.0.1:0`: loopback).
    pub udp_addrs: Vec<String>,
}

impl Default for PeerSettings {
    fn default() -> Self {
        PeerSettings {
            rtc: RTCConfiguration {
                ice_servers: Vec::new(),
            },
            udp_addrs: vec!["0.0.0.0:0".into()],
        }
    }
}

fn transport_error(error: impl std::fmt::Display) -> MediaError {
    MediaError::Transport(error.to_string())
}

/// State shared by the transport, its connection's callbacks and its track readers.
struct Shared {
    events: mpsc::Sender<TransportEvent>,
    stats: StatCounters,
    /// Whether media can flow; the keyframe-request forwarder waits on it.
    connected: tokio::sync::watch::Sender<bool>,
    /// Set until a video keyframe arrives, and again when our decoder asks for one.
    awaiting_keyframe: AtomicBool,
    remote_video: Mutex<Option<RemoteVideo>>,
    last_keyframe_request: Mutex<Option<Instant>>,
}

#[derive(Clone)]
struct RemoteVideo {
    track: Arc<dyn TrackRemote>,
    ssrc: u32,
}

struct LocalTrack {
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    /// The negotiated payload type, read once the connection is up.
    payload_type: tokio::sync::OnceCell<u8>,
}

pub struct PeerTransport {
    connection: Arc<dyn PeerConnection>,
    audio: LocalTrack,
    video: LocalTrack,
    shared: Arc<Shared>,
}

impl PeerTransport {
    /// Builds the connection and starts negotiating through `signaling`: the offerer sends its
    /// offer at once, the answerer waits for it. Media may be sent once
    /// [`TransportEvent::Connected`] has arrived on the returned receiver.
    pub async fn connect(
        settings: &PeerSettings,
        role: PeerRole,
        signaling: Box<dyn Signaling>,
    ) -> Result<(Arc<PeerTransport>, mpsc::Receiver<TransportEvent>), MediaError> {
        let (events, events_rx) = mpsc::channel(EVENT_QUEUE);
        let shared = Arc::new(Shared {
            events,
            stats: StatCounters::default(),
            connected: tokio::sync::watch::Sender::new(false),
            awaiting_keyframe: AtomicBool::new(true),
            remote_video: Mutex::new(None),
            last_keyframe_request: Mutex::new(None),
        });

        let mut media_engine = MediaEngine::default();
        media_engine
            .register_codec(opus_codec(), RtpCodecKind::Audio)
            .map_err(transport_error)?;
        media_engine
            .register_codec(vp8_codec(), RtpCodecKind::Video)
            .map_err(transport_error)?;
        let registry = register_default_interceptors(Registry::new(), &mut media_engine)
            .map_err(transport_error)?
            // Last in the chain, after every interceptor that reads RTCP has seen it.
            .with(Slot::from(14_000), KeyframeRequestForwarder::default());

        let ice_servers = settings
            .rtc
            .ice_servers
            .iter()
            .map(|server| RTCIceServer {
                urls: server.urls.clone(),
                username: server.username.clone().unwrap_or_default(),
                credential: server.credential.clone().unwrap_or_default(),
            })
            .collect();
        let (candidates_tx, candidates_rx) = mpsc::unbounded_channel();
        let handler = Handler {
            shared: Arc::clone(&shared),
            candidates: candidates_tx,
        };
        let connection = PeerConnectionBuilder::new()
            .with_configuration(
                RTCConfigurationBuilder::new()
                    .with_ice_servers(ice_servers)
                    .build(),
            )
            .with_setting_engine(
                SettingEngineBuilder::new()
                    .with_ice_timeouts(
                        Some(ICE_DISCONNECTED_AFTER),
                        Some(ICE_FAILED_AFTER),
                        Some(ICE_KEEPALIVE),
                    )
                    .build(),
            )
            .with_media_engine(media_engine)
            .with_interceptor_registry(registry)
            .with_handler(Arc::new(handler))
            .with_udp_addrs(settings.udp_addrs.clone())
            .build()
            .await
            .map_err(transport_error)?;
        let connection: Arc<dyn PeerConnection> = Arc::new(connection);

        let audio = add_track(&connection, RtpCodecKind::Audio, opus_codec().rtp_codec).await?;
        let video = add_track(&connection, RtpCodecKind::Video, vp8_codec().rtp_codec).await?;
        let transport = Arc::new(PeerTransport {
            connection: Arc::clone(&connection),
            audio,
            video,
            shared,
        });

        tokio::spawn(negotiate(
            Arc::clone(&connection),
            Arc::clone(&transport.shared),
            role,
            signaling,
            candidates_rx,
        ));
        tokio::spawn(forward_keyframe_requests(
            Arc::clone(&transport.video.track),
            Arc::clone(&transport.shared),
        ));
        Ok((transport, events_rx))
    }

    async fn write(
        &self,
        local: &LocalTrack,
        data: bytes::Bytes,
        duration: Duration,
    ) -> Result<(), MediaError> {
        if !*self.shared.connected.borrow() {
            StatCounters::add(&self.shared.stats.dropped_before_connected, 1);
            return Err(MediaError::NotConnected);
        }
        let payload_type = *local
            .payload_type
            .get_or_try_init(|| async {
                let parameters = local
                    .sender
                    .get_parameters()
                    .await
                    .map_err(transport_error)?;
                parameters
                    .rtp_parameters
                    .codecs
                    .first()
                    .map(|codec| codec.payload_type)
                    .ok_or(MediaError::NotConnected)
            })
            .await?;
        let length = data.len() as u64;
        local
            .track
            .sample_writer(local.ssrc, payload_type)
            .write_sample(&Sample {
                data,
                duration,
                ..Sample::new(Instant::now())
            })
            .await
            .map_err(transport_error)?;
        StatCounters::add(&self.shared.stats.bytes_sent, length);
        Ok(())
    }
}

#[async_trait::async_trait]
impl MediaTransport for PeerTransport {
    async fn send_audio(&self, packet: EncodedAudio) -> Result<(), MediaError> {
        self.write(&self.audio, packet.data, FRAME_DURATION).await?;
        StatCounters::add(&self.shared.stats.audio_packets_sent, 1);
        Ok(())
    }

    async fn send_video(&self, frame: EncodedVideo) -> Result<(), MediaError> {
        self.write(&self.video, frame.data, frame.duration).await?;
        StatCounters::add(&self.shared.stats.video_frames_sent, 1);
        Ok(())
    }

    async fn request_keyframe(&self) -> Result<(), MediaError> {
        self.shared.awaiting_keyframe.store(true, Ordering::Relaxed);
        send_keyframe_request(&self.shared, true).await
    }

    fn stats(&self) -> TransportStats {
        self.shared.stats.snapshot()
    }

    async fn close(&self) {
        let _ = self.connection.close().await;
    }
}

impl Drop for PeerTransport {
    fn drop(&mut self) {
        let connection = Arc::clone(&self.connection);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = connection.close().await;
            });
        }
    }
}

fn opus_codec() -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: MIME_TYPE_OPUS.to_owned(),
            clock_rate: 48_000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
            rtcp_feedback: vec![],
        },
        payload_type: OPUS_PAYLOAD_TYPE,
    }
}

fn vp8_codec() -> RTCRtpCodecParameters {
    let feedback = |typ: &str, parameter: &str| RTCPFeedback {
        typ: typ.to_owned(),
        parameter: parameter.to_owned(),
    };
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: MIME_TYPE_VP8.to_owned(),
            clock_rate: 90_000,
            channels: 0,
            sdp_fmtp_line: String::new(),
            rtcp_feedback: vec![
                feedback("nack", ""),
                feedback("nack", "pli"),
                feedback("ccm", "fir"),
            ],
        },
        payload_type: VP8_PAYLOAD_TYPE,
    }
}

async fn add_track(
    connection: &Arc<dyn PeerConnection>,
    kind: RtpCodecKind,
    codec: RTCRtpCodec,
) -> Result<LocalTrack, MediaError> {
    let ssrc = rand::random::<u32>();
    // Track ids must differ from the peer's: webrtc-rs routes RTCP by track id, to a remote
    // track first, so a keyframe request about our video would reach the peer's video track
    // of the same name instead of ours.
    let track_id = format!("chatenium-{kind}-{ssrc:08x}");
    let track = MediaStreamTrack::new(
        format!("chatenium-call-{ssrc:08x}"),
        track_id.clone(),
        track_id,
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec,
            ..Default::default()
        }],
    );
    let track =
        Arc::new(TrackLocalStaticSample::new(Instant::now(), track).map_err(transport_error)?);
    let sender = connection
        .add_track(Arc::clone(&track) as Arc<dyn TrackLocal>)
        .await
        .map_err(transport_error)?;
    Ok(LocalTrack {
        track,
        sender,
        ssrc,
        payload_type: tokio::sync::OnceCell::new(),
    })
}

/// Offer or answer, then trickle candidates both ways until signaling ends.
async fn negotiate(
    connection: Arc<dyn PeerConnection>,
    shared: Arc<Shared>,
    role: PeerRole,
    mut signaling: Box<dyn Signaling>,
    mut local_candidates: mpsc::UnboundedReceiver<RTCIceCandidateInit>,
) {
    if let Err(error) =
        negotiate_inner(&connection, role, &mut signaling, &mut local_candidates).await
    {
        tracing::warn!(%error, "call signaling failed");
        let _ = shared
            .events
            .send(TransportEvent::Closed {
                reason: error.to_string(),
            })
            .await;
        let _ = connection.close().await;
    }
}

async fn negotiate_inner(
    connection: &Arc<dyn PeerConnection>,
    role: PeerRole,
    signaling: &mut Box<dyn Signaling>,
    local_candidates: &mut mpsc::UnboundedReceiver<RTCIceCandidateInit>,
) -> Result<(), MediaError> {
    if role == PeerRole::Offerer {
        let offer = connection
            .create_offer(None)
            .await
            .map_err(transport_error)?;
        let sdp = offer.sdp.clone();
        connection
            .set_local_description(offer)
            .await
            .map_err(transport_error)?;
        signaling.send(SignalMessage::Offer { sdp }).await?;
    }
    // Candidates that arrive before the remote description cannot be added yet.
    let mut early_candidates = Vec::new();
    let mut have_remote = false;
    let mut candidates_open = true;
    loop {
        tokio::select! {
            candidate = local_candidates.recv(), if candidates_open => match candidate {
                Some(candidate) => {
                    signaling
                        .send(SignalMessage::Candidate {
                            candidate: candidate.candidate,
                            sdp_mid: candidate.sdp_mid,
                            sdp_mline_index: candidate.sdp_mline_index,
                            username_fragment: candidate.username_fragment,
                        })
                        .await?;
                }
                None => candidates_open = false,
            },
            message = signaling.recv() => {
                let Some(message) = message else {
                    // Signaling is over (the relay closed); the connection lives on.
                    return Ok(());
                };
                match (message, role) {
                    (SignalMessage::Offer { sdp }, PeerRole::Answerer) if !have_remote => {
                        let offer = RTCSessionDescription::offer(sdp).map_err(transport_error)?;
                        connection.set_remote_description(offer).await.map_err(transport_error)?;
                        let answer = connection.create_answer(None).await.map_err(transport_error)?;
                        let sdp = answer.sdp.clone();
                        connection.set_local_description(answer).await.map_err(transport_error)?;
                        signaling.send(SignalMessage::Answer { sdp }).await?;
                        have_remote = true;
                    }
                    (SignalMessage::Answer { sdp }, PeerRole::Offerer) if !have_remote => {
                        let answer = RTCSessionDescription::answer(sdp).map_err(transport_error)?;
                        connection.set_remote_description(answer).await.map_err(transport_error)?;
                        have_remote = true;
                    }
                    (SignalMessage::Candidate { candidate, sdp_mid, sdp_mline_index, username_fragment }, _) => {
                        early_candidates.push(RTCIceCandidateInit {
                            candidate,
                            sdp_mid,
                            sdp_mline_index,
                            username_fragment,
                            ..Default::default()
                        });
                    }
                    (message, _) => {
                        tracing::warn!(?message, "unexpected call signaling message, ignored");
                    }
                }
                if have_remote {
                    for candidate in early_candidates.drain(..) {
                        // A candidate we cannot use is the peer's problem, not a reason to stop.
                        if let Err(error) = connection.add_ice_candidate(candidate).await {
                            tracing::debug!(%error, "remote ICE candidate refused");
                        }
                    }
                }
            }
        }
    }
}

struct Handler {
    shared: Arc<Shared>,
    candidates: mpsc::UnboundedSender<RTCIceCandidateInit>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let _ = self.candidates.send(init);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        match state {
            RTCPeerConnectionState::Connected if !self.shared.connected.send_replace(true) => {
                let _ = self.shared.events.send(TransportEvent::Connected).await;
            }
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed => {
                self.shared.connected.send_replace(false);
                let _ = self
                    .shared
                    .events
                    .send(TransportEvent::Closed {
                        reason: format!("connection {state}"),
                    })
                    .await;
            }
            _ => {}
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let Some(ssrc) = track.ssrcs().await.first().copied() else {
                return;
            };
            match track.kind().await {
                RtpCodecKind::Audio => read_audio(track, shared).await,
                RtpCodecKind::Video => {
                    if let Ok(mut remote) = shared.remote_video.lock() {
                        *remote = Some(RemoteVideo {
                            track: Arc::clone(&track),
                            ssrc,
                        });
                    }
                    read_video(track, shared).await
                }
                _ => {}
            }
        });
    }
}

async fn read_audio(track: Arc<dyn TrackRemote>, shared: Arc<Shared>) {
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            continue;
        };
        if packet.payload.is_empty() {
            continue;
        }
        StatCounters::add(&shared.stats.audio_packets_received, 1);
        StatCounters::add(&shared.stats.bytes_received, packet.payload.len() as u64);
        let audio = EncodedAudio {
            data: packet.payload,
            rtp_timestamp: packet.header.timestamp,
        };
        if shared
            .events
            .send(TransportEvent::Audio(audio))
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn read_video(track: Arc<dyn TrackRemote>, shared: Arc<Shared>) {
    let mut builder = SampleBuilder::new(VIDEO_MAX_LATE_PACKETS, Vp8Packet::default(), 90_000)
        .with_max_time_delay(VIDEO_MAX_LATE);
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            continue;
        };
        StatCounters::add(&shared.stats.bytes_received, packet.payload.len() as u64);
        let now = Instant::now();
        builder.push(now, packet);
        while let Some(sample) = builder.pop(now) {
            let keyframe = super::vp8::is_keyframe(&sample.data);
            if keyframe {
                shared.awaiting_keyframe.store(false, Ordering::Relaxed);
            } else if shared.awaiting_keyframe.load(Ordering::Relaxed) {
                // A delta frame cannot be decoded without the keyframe before it.
                let _ = send_keyframe_request(&shared, false).await;
                continue;
            }
            StatCounters::add(&shared.stats.video_frames_received, 1);
            let frame = EncodedVideo {
                data: sample.data,
                keyframe,
                duration: sample.duration,
                rtp_timestamp: sample.packet_timestamp,
            };
            if shared
                .events
                .send(TransportEvent::Video(frame))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Sends a PLI for the peer's video; unless `now`, not within [`PLI_INTERVAL`] of the last one.
async fn send_keyframe_request(shared: &Shared, now: bool) -> Result<(), MediaError> {
    let remote = shared
        .remote_video
        .lock()
        .ok()
        .and_then(|remote| remote.clone());
    let Some(remote) = remote else {
        // No video from the peer yet: the first frames will trigger the request.
        return Ok(());
    };
    {
        let Ok(mut last) = shared.last_keyframe_request.lock() else {
            return Ok(());
        };
        let instant = Instant::now();
        if !now && last.is_some_and(|last| instant.duration_since(last) < PLI_INTERVAL) {
            return Ok(());
        }
        *last = Some(instant);
    }
    remote
        .track
        .write_rtcp(vec![Box::new(PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc: remote.ssrc,
        })])
        .await
        .map_err(transport_error)?;
    StatCounters::add(&shared.stats.keyframe_requests_sent, 1);
    Ok(())
}

/// Turns the peer's PLI and FIR on our video track into [`TransportEvent::KeyframeRequested`].
/// The track is bound (and its events flow) once negotiation is done, so this waits for the
/// connection first.
async fn forward_keyframe_requests(track: Arc<TrackLocalStaticSample>, shared: Arc<Shared>) {
    let mut connected = shared.connected.subscribe();
    tokio::select! {
        result = connected.wait_for(|connected| *connected) => {
            if result.is_err() {
                return;
            }
        }
        // The call dropped its events before the connection came up.
        _ = shared.events.closed() => return,
    }
    while let Some(event) = track.poll().await {
        let TrackLocalEvent::OnRtcpPacket(packets) = event else {
            continue;
        };
        let requests = packets
            .iter()
            .filter(|packet| is_keyframe_request(packet.as_ref()))
            .count();
        if requests == 0 {
            continue;
        }
        StatCounters::add(&shared.stats.keyframe_requests_received, requests as u64);
        if shared
            .events
            .send(TransportEvent::KeyframeRequested)
            .await
            .is_err()
        {
            return;
        }
    }
}

fn is_keyframe_request(packet: &dyn rtc::rtcp::Packet) -> bool {
    let any = packet.as_any();
    any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
}

/// Marks inbound PLI and FIR for the application; the rest of inbound RTCP stops at the end of
/// the chain as before (it is the interceptors' business: reports, NACKs, bandwidth feedback).
/// A marked packet finishes the walk through the chain and is then delivered to the track it
/// is about (webrtc-rs's `rtcp-processing` example explains why marking, not copying).
#[derive(Default)]
struct KeyframeRequestForwarder {
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for KeyframeRequestForwarder {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, mut message: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &message.message.packet {
            let requests: Vec<Box<dyn rtc::rtcp::Packet>> = packets
                .iter()
                .filter(|packet| is_keyframe_request(packet.as_ref()))
                .cloned()
                .collect();
            if requests.is_empty() {
                return Ok(());
            }
            message.message.packet = Packet::Rtcp(requests);
            message.message.add(Attribute::DeliverToApplication);
        }
        self.read_queue.push_back(message);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, message: TaggedPacket) -> Result<(), Self::Error> {
        self.write_queue.push_back(message);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write_queue.pop_front()
    }
}

impl Interceptor for KeyframeRequestForwarder {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}
