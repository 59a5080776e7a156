//! One call's media, running: captured audio and video are processed, encoded and handed to
//! the [`MediaTransport`]; what the transport receives is decoded and handed out.
//!
//! Audio is encoded and decoded on the Tokio runtime (an Opus frame takes well under a
//! millisecond); video has a thread each way, since a VP8 frame takes milliseconds and a
//! [`VideoSource`] blocks until its next frame.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::audio::{AudioProcessor, AudioSwitches, EchoCanceller};
use super::error::MediaError;
use super::frame::{AudioFrame, VideoFrame};
use super::opus_codec::{OpusDecoder, OpusEncoder};
use super::transport::{EncodedAudio, EncodedVideo, MediaTransport, TransportEvent};
use super::video::VideoSource;
use super::vp8::{Vp8Decoder, Vp8Encoder, Vp8Settings};

/// Opus bitrate of the sent audio.
const AUDIO_BITRATE_BPS: i32 = 32_000;
/// Decoded frames waiting for the window or the speaker; beyond this, the oldest is late
/// anyway and new ones are dropped.
const OUTPUT_QUEUE: usize = 64;

/// Audio from the peer, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedAudio {
    /// Mono 48 kHz samples: 20 ms from a Chatenium peer, whatever the peer packed otherwise.
    pub samples: Vec<f32>,
    /// The RTP timestamp it came with (48 kHz clock).
    pub rtp_timestamp: u32,
    /// When it was decoded.
    pub decoded_at: Instant,
}

/// A picture from the peer, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedVideo {
    pub frame: VideoFrame,
    /// Whether it was sent as a keyframe (after a keyframe request, the next one is).
    pub keyframe: bool,
    pub rtp_timestamp: u32,
    pub decoded_at: Instant,
}

/// Where the call stands, as far as media is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaState {
    Connected,
    Closed { reason: String },
}

/// What a running call hands out.
pub struct MediaOutputs {
    pub audio: mpsc::Receiver<ReceivedAudio>,
    pub video: mpsc::Receiver<ReceivedVideo>,
    pub state: mpsc::Receiver<MediaState>,
}

/// Copies of the encoded video, for a window that decodes it itself (WebCodecs): the peer's
/// frames as they arrive (from a keyframe on) and our own as they are sent (the preview). A
/// full tap drops the frame: the window is behind and catches up at the next keyframe.
#[derive(Clone, Default)]
pub struct VideoTaps {
    pub partner: Option<mpsc::Sender<EncodedVideo>>,
    pub preview: Option<mpsc::Sender<EncodedVideo>>,
}

type SharedTaps = Arc<Mutex<VideoTaps>>;

fn tap(
    taps: &SharedTaps,
    pick: impl Fn(&VideoTaps) -> Option<&mpsc::Sender<EncodedVideo>>,
    frame: &EncodedVideo,
) {
    let taps = taps.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(sender) = pick(&taps) {
        let _ = sender.try_send(frame.clone());
    }
}

enum VideoCommand {
    Replace(Option<Box<dyn VideoSource>>),
    Stop,
}

/// A running call's media. Dropping it stops capture and decoding (the transport is closed
/// by whoever owns it).
pub struct CallMedia {
    switches: AudioSwitches,
    audio_inputs: mpsc::UnboundedSender<mpsc::Receiver<AudioFrame>>,
    video_commands: std_mpsc::Sender<VideoCommand>,
    taps: SharedTaps,
    keyframe_wanted: Arc<AtomicBool>,
    echo_cancellation: bool,
    tasks: Vec<JoinHandle<()>>,
}

impl CallMedia {
    /// Starts sending `audio` (frames at capture pace) and, if given, `video`; and decoding
    /// what `events` (the transport's) deliver.
    pub fn start(
        transport: Arc<dyn MediaTransport>,
        events: mpsc::Receiver<TransportEvent>,
        audio: mpsc::Receiver<AudioFrame>,
        video: Option<Box<dyn VideoSource>>,
        switches: AudioSwitches,
    ) -> Result<(CallMedia, MediaOutputs), MediaError> {
        let runtime = tokio::runtime::Handle::current();
        let encoder = OpusEncoder::new(AUDIO_BITRATE_BPS)?;
        let decoder = OpusDecoder::new()?;
        let (audio_inputs, audio_inputs_rx) = mpsc::unbounded_channel();
        let (audio_out, audio_out_rx) = mpsc::channel(OUTPUT_QUEUE);
        let (video_out, video_out_rx) = mpsc::channel(OUTPUT_QUEUE);
        let (state_out, state_out_rx) = mpsc::channel(8);
        let keyframe_wanted = Arc::new(AtomicBool::new(false));
        let taps = SharedTaps::default();
        let echo_canceller = match EchoCanceller::new() {
            Ok(canceller) => Some(canceller),
            Err(error) => {
                tracing::warn!(%error, "no echo cancellation in this call");
                None
            }
        };

        let send_audio = tokio::spawn(send_audio(
            Arc::clone(&transport),
            audio,
            audio_inputs_rx,
            AudioProcessor::new(switches.clone(), echo_canceller.clone()),
            encoder,
        ));

        let (video_commands, video_commands_rx) = std_mpsc::channel();
        if video.is_some() {
            let _ = video_commands.send(VideoCommand::Replace(video));
        }
        let echo_cancellation = echo_canceller.is_some();
        {
            let transport = Arc::clone(&transport);
            let keyframe_wanted = Arc::clone(&keyframe_wanted);
            let runtime = runtime.clone();
            let taps = Arc::clone(&taps);
            std::thread::Builder::new()
                .name("call-video-send".into())
                .spawn(move || {
                    send_video(transport, video_commands_rx, keyframe_wanted, taps, runtime)
                })
                .map_err(|error| MediaError::Device(error.to_string()))?;
        }

        let (encoded_video, encoded_video_rx) = std_mpsc::sync_channel::<EncodedVideo>(8);
        {
            let transport = Arc::clone(&transport);
            std::thread::Builder::new()
                .name("call-video-receive".into())
                .spawn(move || decode_video(transport, encoded_video_rx, video_out, runtime))
                .map_err(|error| MediaError::Device(error.to_string()))?;
        }

        let receive = tokio::spawn(receive(
            events,
            decoder,
            echo_canceller.map(|canceller| (canceller, switches.clone())),
            audio_out,
            ReceivedVideoPaths {
                decoder: encoded_video,
                taps: Arc::clone(&taps),
            },
            state_out,
            Arc::clone(&keyframe_wanted),
        ));

        Ok((
            CallMedia {
                switches,
                audio_inputs,
                video_commands,
                taps,
                keyframe_wanted,
                echo_cancellation,
                tasks: vec![send_audio, receive],
            },
            MediaOutputs {
                audio: audio_out_rx,
                video: video_out_rx,
                state: state_out_rx,
            },
        ))
    }

    /// Mute and noise suppression.
    pub fn switches(&self) -> &AudioSwitches {
        &self.switches
    }

    /// Whether echo cancellation could be set up for this call (if not, headphones are advised).
    pub fn echo_cancellation_available(&self) -> bool {
        self.echo_cancellation
    }

    /// Where copies of the encoded video go from now on (see [`VideoTaps`]).
    pub fn set_video_taps(&self, taps: VideoTaps) {
        *self.taps.lock().unwrap_or_else(|p| p.into_inner()) = taps;
    }

    /// Our next frame is encoded as a keyframe (a window starts showing the preview).
    pub fn request_keyframes_here(&self) {
        self.keyframe_wanted.store(true, Ordering::Relaxed);
    }

    /// Another microphone, mid-call: its frames are sent from now on.
    pub fn replace_audio_input(&self, audio: mpsc::Receiver<AudioFrame>) {
        let _ = self.audio_inputs.send(audio);
    }

    /// Another camera, or none (camera off: the peer gets no more frames).
    pub fn replace_video_source(&self, video: Option<Box<dyn VideoSource>>) {
        let _ = self.video_commands.send(VideoCommand::Replace(video));
    }
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        let _ = self.video_commands.send(VideoCommand::Stop);
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn send_audio(
    transport: Arc<dyn MediaTransport>,
    mut input: mpsc::Receiver<AudioFrame>,
    mut replacements: mpsc::UnboundedReceiver<mpsc::Receiver<AudioFrame>>,
    mut processor: AudioProcessor,
    mut encoder: OpusEncoder,
) {
    loop {
        let mut frame = tokio::select! {
            replacement = replacements.recv() => match replacement {
                Some(replacement) => {
                    input = replacement;
                    continue;
                }
                None => return,
            },
            frame = input.recv() => match frame {
                Some(frame) => frame,
                // The device stopped; wait for a replacement.
                None => match replacements.recv().await {
                    Some(replacement) => {
                        input = replacement;
                        continue;
                    }
                    None => return,
                },
            },
        };
        processor.process(&mut frame);
        let packet = match encoder.encode(&frame) {
            Ok(packet) => packet,
            Err(error) => {
                tracing::warn!(%error, "audio frame not encoded");
                continue;
            }
        };
        let packet = EncodedAudio {
            data: Bytes::from(packet),
            rtp_timestamp: 0,
        };
        match transport.send_audio(packet).await {
            Ok(()) | Err(MediaError::NotConnected) => {}
            Err(error) => tracing::debug!(%error, "audio packet not sent"),
        }
    }
}

fn send_video(
    transport: Arc<dyn MediaTransport>,
    commands: std_mpsc::Receiver<VideoCommand>,
    keyframe_wanted: Arc<AtomicBool>,
    taps: SharedTaps,
    runtime: tokio::runtime::Handle,
) {
    let mut source: Option<Box<dyn VideoSource>> = None;
    let mut encoder: Option<Vp8Encoder> = None;
    loop {
        // Without a source, wait for one; with one, only look for news between frames.
        // A dropped CallMedia (the sender gone) stops the thread like `Stop`.
        let command = if source.is_none() {
            commands.recv().ok().or(Some(VideoCommand::Stop))
        } else {
            match commands.try_recv() {
                Ok(command) => Some(command),
                Err(std_mpsc::TryRecvError::Empty) => None,
                Err(std_mpsc::TryRecvError::Disconnected) => Some(VideoCommand::Stop),
            }
        };
        match command {
            Some(VideoCommand::Stop) => return,
            Some(VideoCommand::Replace(replacement)) => {
                source = replacement;
                // A new source may have a new size; the new stream starts with a keyframe.
                encoder = None;
                continue;
            }
            None => {}
        }
        let Some(current) = source.as_mut() else {
            continue;
        };
        let frame = match current.next_frame() {
            Ok(frame) => frame,
            Err(error) => {
                tracing::warn!(%error, "video source failed; camera off");
                source = None;
                continue;
            }
        };
        let format = current.format();
        let encoder = match encoder.as_mut() {
            Some(encoder) => encoder,
            None => match Vp8Encoder::new(Vp8Settings::for_call(
                frame.width(),
                frame.height(),
                format.frames_per_second,
            )) {
                Ok(created) => encoder.insert(created),
                Err(error) => {
                    tracing::warn!(%error, "no VP8 encoder for this source; camera off");
                    source = None;
                    continue;
                }
            },
        };
        let force_keyframe = keyframe_wanted.swap(false, Ordering::Relaxed);
        let encoded = match encoder.encode(&frame, force_keyframe) {
            Ok(encoded) => encoded,
            Err(error) => {
                tracing::warn!(%error, "video frame not encoded");
                continue;
            }
        };
        let duration = Duration::from_secs_f64(1.0 / f64::from(format.frames_per_second.max(1)));
        for frame in encoded {
            let frame = EncodedVideo {
                data: Bytes::from(frame.data),
                keyframe: frame.keyframe,
                duration,
                rtp_timestamp: 0,
            };
            tap(&taps, |taps| taps.preview.as_ref(), &frame);
            match runtime.block_on(transport.send_video(frame)) {
                Ok(()) => {}
                // Frames before the connection are lost, so the first one after must be a
                // keyframe (the peer would also ask for it).
                Err(MediaError::NotConnected) => keyframe_wanted.store(true, Ordering::Relaxed),
                Err(error) => tracing::debug!(%error, "video frame not sent"),
            }
        }
    }
}

/// Where the peer's encoded frames go: the decoding thread, and the taps.
struct ReceivedVideoPaths {
    decoder: std_mpsc::SyncSender<EncodedVideo>,
    taps: SharedTaps,
}

async fn receive(
    mut events: mpsc::Receiver<TransportEvent>,
    mut decoder: OpusDecoder,
    mut echo_canceller: Option<(EchoCanceller, AudioSwitches)>,
    audio_out: mpsc::Sender<ReceivedAudio>,
    video_out: ReceivedVideoPaths,
    state_out: mpsc::Sender<MediaState>,
    keyframe_wanted: Arc<AtomicBool>,
) {
    while let Some(event) = events.recv().await {
        match event {
            TransportEvent::Connected => {
                let _ = state_out.send(MediaState::Connected).await;
            }
            TransportEvent::Audio(packet) => match decoder.decode(&packet.data) {
                Ok(samples) => {
                    // What the speaker will play is the echo to take out of the microphone.
                    if let Some((canceller, switches)) = echo_canceller.as_mut() {
                        if switches.echo_cancellation() {
                            canceller.far_end(&samples);
                        }
                    }
                    // A full queue means nobody is listening right now: drop, don't wait.
                    let _ = audio_out.try_send(ReceivedAudio {
                        samples,
                        rtp_timestamp: packet.rtp_timestamp,
                        decoded_at: Instant::now(),
                    });
                }
                Err(error) => tracing::debug!(%error, "audio packet from the peer not decoded"),
            },
            TransportEvent::Video(frame) => {
                tap(&video_out.taps, |taps| taps.partner.as_ref(), &frame);
                let _ = video_out.decoder.try_send(frame);
            }
            TransportEvent::KeyframeRequested => keyframe_wanted.store(true, Ordering::Relaxed),
            TransportEvent::Closed { reason } => {
                let _ = state_out.send(MediaState::Closed { reason }).await;
                return;
            }
        }
    }
}

fn decode_video(
    transport: Arc<dyn MediaTransport>,
    frames: std_mpsc::Receiver<EncodedVideo>,
    out: mpsc::Sender<ReceivedVideo>,
    runtime: tokio::runtime::Handle,
) {
    let mut decoder = match Vp8Decoder::new() {
        Ok(decoder) => decoder,
        Err(error) => {
            tracing::warn!(%error, "no VP8 decoder; the peer's video is not shown");
            return;
        }
    };
    while let Ok(frame) = frames.recv() {
        match decoder.decode(&frame.data) {
            Ok(Some(decoded)) => {
                let _ = out.try_send(ReceivedVideo {
                    frame: decoded,
                    keyframe: frame.keyframe,
                    rtp_timestamp: frame.rtp_timestamp,
                    decoded_at: Instant::now(),
                });
            }
            Ok(None) => {}
            Err(error) => {
                tracing::debug!(%error, "video frame from the peer not decoded; asking for a keyframe");
                let _ = runtime.block_on(transport.request_keyframe());
            }
        }
        if out.is_closed() {
            return;
        }
    }
}
