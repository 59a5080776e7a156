//! Call media: the engine that carries a 1:1 voice or video call's sound and pictures.
//!
//! ```text
//!  microphone (cpal) ─┐                                            ┌─> speaker (cpal)
//!  tone (tests)      ─┴> AudioProcessor (noise suppression, mute) │   OpusDecoder
//!                         OpusEncoder ──┐                  ┌──────┘
//!                                       ├─> MediaTransport ┤
//!  VideoSource (test pattern) ─> Vp8Encoder ┘  (PeerTransport) └─> Vp8Decoder ─> tests
//! ```
//!
//! The window decodes video itself (WebCodecs): [`VideoTaps`] hand it copies of the encoded
//! frames, the peer's as received and our own as sent (the preview).
//!
//! - [`frame`]: raw media: 20 ms mono 48 kHz [`AudioFrame`]s and I420 [`VideoFrame`]s.
//! - [`opus_codec`] and [`vp8`]: the codecs, from Debian's libopus and libvpx. `vp8` holds the
//!   only `unsafe` code (the libvpx FFI), with its invariants written at the top.
//! - [`audio`]: the tone generator, [`AudioProcessor`] (echo cancellation through Debian's
//!   libwebrtc-audio-processing, noise suppression through `nnnoiseless`, an RNNoise port,
//!   each switchable; mute) and the [`AudioSwitches`] the UI flips.
//! - [`devices`]: microphones and speakers through cpal, listed and chosen by name.
//! - [`video`]: the [`VideoSource`] trait and the [`TestPattern`]; [`camera`]: cameras
//!   through nokhwa (YUYV only; capture untested here, our machines have no camera).
//! - [`engine`]: [`CallMedia`], one call's media running: capture, process, encode, send;
//!   receive, decode, hand out; mute, camera off and device switching mid-call.
//! - [`transport`]: the seam, [`MediaTransport`] and [`Signaling`]; [`peer`]: the
//!   peer-to-peer implementation over webrtc-rs 0.21.
//!
//! # The transport seam
//!
//! A call talks to the network only through [`MediaTransport`]: send one Opus packet or one
//! VP8 frame, ask the peer for a keyframe, read counters, close; and one event stream
//! ([`TransportEvent`]): connected, the peer's audio packets, the peer's whole video frames
//! (from a keyframe on), the peer's keyframe requests, closed with a reason. Media handed over
//! before `Connected` is dropped ([`MediaError::NotConnected`]); the transport does no
//! buffering or pacing of its own.
//!
//! [`PeerTransport`] implements it peer to peer: one WebRTC connection with an Opus and a VP8
//! track each way, negotiated through a [`Signaling`] (offer, answer, trickled ICE
//! candidates as [`SignalMessage`]s, serialised with the browser's field names). The caller
//! is the offerer. In tests two peers in one process exchange these through
//! [`ChannelSignaling`]; in a call the server relays them over the live-sync socket.
//!
//! A LiveKit transport would implement the same trait when the server's call access names a
//! LiveKit server: join the room with the token, publish the encoded Opus and VP8 frames as
//! the local participant's tracks, deliver the one remote participant's track frames as
//! events, and map keyframe requests to the SFU's PLI. It would need no [`Signaling`]: the SFU
//! connection is its own signaling.
//!
//! # Not built here
//!
//! - The LiveKit transport: the `livekit` crate does not build on our machines (its
//!   `webrtc-sys` downloads a prebuilt libwebrtc) and no LiveKit server is installable to
//!   test against.
//! - Camera capture is untested (our machines have no camera); with none, [`SystemDevices`]
//!   sends the test pattern, so a video call still shows a picture.
//!
//! # The call around the media
//!
//! - [`crate::call_state`] (beside the events, below both): where a call stands ([`CallPhase`], [`CallEndReason`]), as
//!   `CoreEvent::Call` reports it.
//! - `manager`: the state machine, one call at a time per client: ringing through the
//!   server, answer, decline, busy, hang-up; it starts [`CallMedia`] over a [`PeerTransport`].
//! - [`signaling`]: [`ServerSignaling`], the [`Signaling`] relayed by the server
//!   (`docs/call-signaling.md`).
//! - [`call_devices`]: where a call's media comes from and goes ([`CallDevices`]).
//! - [`quality`]: the connection's quality shown during a call, from the transport's counters.

pub mod audio;
pub mod call_devices;
pub mod camera;
pub mod devices;
pub mod engine;
pub mod error;
pub mod frame;
pub(crate) mod manager;
pub mod opus_codec;
pub mod peer;
pub mod quality;
pub mod signaling;
pub mod transport;
pub mod video;
pub mod vp8;

pub use crate::call_state::{CallEndReason, CallPhase, CallUpdate};
pub use audio::{AudioProcessor, AudioSwitches, EchoCanceller, ToneSource};
pub use call_devices::{
    available_devices, AudioInput, AvailableDevices, CallDevices, DeviceChoice, KeepAlive,
    SystemDevices, FALLBACK_PATTERN,
};
pub use camera::CameraSource;
pub use devices::{AudioDevice, Microphone, Speaker};
pub use engine::{CallMedia, MediaOutputs, MediaState, ReceivedAudio, ReceivedVideo, VideoTaps};
pub use error::MediaError;
pub use frame::{AudioFrame, VideoFrame, FRAME_SAMPLES, SAMPLE_RATE};
pub use manager::{CallError, CallSettings};
pub use opus_codec::{OpusDecoder, OpusEncoder};
pub use peer::{PeerRole, PeerSettings, PeerTransport};
pub use quality::ConnectionQuality;
pub use signaling::ServerSignaling;
pub use transport::{
    ChannelSignaling, EncodedAudio, EncodedVideo, MediaTransport, SignalMessage, Signaling,
    TransportEvent, TransportStats,
};
pub use video::{TestPattern, VideoFormat, VideoSource};
pub use vp8::{Vp8Decoder, Vp8Encoder, Vp8Settings};
