//! Where a call's media comes from and goes to: the [`CallDevices`] a client is given. The
//! desktop uses [`SystemDevices`] (the chosen microphone, speaker and camera); tests give a
//! tone, a test pattern and a channel to check what arrived.

use std::sync::{Arc, Mutex, Weak};

use tokio::sync::mpsc;

use super::audio::EchoCanceller;
use super::camera::{cameras, CameraSource};
use super::devices::{microphones, speakers, AudioDevice, Microphone, Speaker};
use super::engine::{ReceivedAudio, ReceivedVideo, VideoTaps};
use super::error::MediaError;
use super::frame::AudioFrame;
use super::video::{TestPattern, VideoFormat, VideoSource};

/// Something that must live as long as the call's media does (an open device).
pub type KeepAlive = Box<dyn Send>;

/// Captured audio, at capture pace, and what keeps its device open.
pub struct AudioInput {
    pub frames: mpsc::Receiver<AudioFrame>,
    pub keep: Option<KeepAlive>,
}

/// A call's inputs and outputs. Called when a call's media starts, and again when the user
/// turns the camera on mid-call.
pub trait CallDevices: Send + Sync {
    fn audio_input(&self) -> Result<AudioInput, MediaError>;
    /// The camera (or a test pattern).
    fn video_input(&self) -> Result<Box<dyn VideoSource>, MediaError>;
    /// Takes the peer's decoded audio and video for the call's length: plays the audio, shows
    /// the video, or checks them. What it returns is dropped when the call ends.
    fn output(
        &self,
        audio: mpsc::Receiver<ReceivedAudio>,
        video: mpsc::Receiver<ReceivedVideo>,
    ) -> Result<Option<KeepAlive>, MediaError>;
    /// Where copies of the encoded video go (a window that decodes it itself); none by default.
    fn video_taps(&self) -> VideoTaps {
        VideoTaps::default()
    }
    /// The user picked other devices: the next `audio_input` and `video_input` open them, and
    /// a running output switches its speaker. Nothing to choose by default.
    fn choose(&self, _choice: DeviceChoice) -> Result<(), MediaError> {
        Ok(())
    }
}

/// What the machine offers a call, for the device pickers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableDevices {
    pub microphones: Vec<AudioDevice>,
    pub speakers: Vec<AudioDevice>,
    /// Camera names; empty: video calls send [`FALLBACK_PATTERN`].
    pub cameras: Vec<String>,
    /// Whether echo cancellation can run here; if not, headphones are advised.
    pub echo_cancellation: bool,
}

/// The machine's devices now. A kind that cannot be listed is listed empty.
pub fn available_devices() -> AvailableDevices {
    fn or_empty<T>(listed: Result<Vec<T>, MediaError>, what: &str) -> Vec<T> {
        listed.unwrap_or_else(|error| {
            tracing::debug!(%error, "no {what} listed");
            Vec::new()
        })
    }
    AvailableDevices {
        microphones: or_empty(microphones(), "microphones"),
        speakers: or_empty(speakers(), "speakers"),
        cameras: or_empty(cameras(), "cameras"),
        echo_cancellation: EchoCanceller::new().is_ok(),
    }
}

/// The devices the user chose (by name; `None`: the system's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceChoice {
    pub microphone: Option<String>,
    pub speaker: Option<String>,
    pub camera: Option<String>,
}

/// The machine's devices: cpal's microphone and speaker, nokhwa's camera (or, on a machine
/// without one, the test pattern). The peer's decoded video goes to whoever subscribed with
/// [`SystemDevices::set_video_sink`], or nowhere; the encoded video to the
/// [`SystemDevices::set_video_taps`] (the window, which decodes it with WebCodecs).
#[derive(Default)]
pub struct SystemDevices {
    choice: Mutex<DeviceChoice>,
    video_sink: Mutex<Option<mpsc::Sender<ReceivedVideo>>>,
    video_taps: Mutex<VideoTaps>,
    /// The running call's speaker, to switch mid-call.
    speaker: Mutex<Weak<SpeakerSlot>>,
}

/// What a video call sends on a machine without a camera: the test pattern, small (it is only
/// there so that the call has a picture), mean luma 96.
pub const FALLBACK_PATTERN: (VideoFormat, u8) = (
    VideoFormat {
        width: 320,
        height: 240,
        frames_per_second: 15,
    },
    96,
);

/// The open speaker of a running call and the way to it; replaced when the user picks another.
struct SpeakerSlot {
    current: Mutex<(Speaker, mpsc::Sender<Vec<f32>>)>,
}

impl SpeakerSlot {
    fn sender(&self) -> mpsc::Sender<Vec<f32>> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }
}

fn open_speaker(name: Option<&str>) -> Result<(Speaker, mpsc::Sender<Vec<f32>>), MediaError> {
    let (samples_tx, samples_rx) = mpsc::channel(64);
    Ok((Speaker::open(name, samples_rx)?, samples_tx))
}

/// The camera format asked for; the camera gives what it has closest to it.
const CAMERA_FORMAT: VideoFormat = VideoFormat {
    width: 640,
    height: 480,
    frames_per_second: 30,
};

impl SystemDevices {
    pub fn set_choice(&self, choice: DeviceChoice) {
        *self.choice.lock().unwrap_or_else(|p| p.into_inner()) = choice;
    }

    fn choice(&self) -> DeviceChoice {
        self.choice
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Where the encoded video goes from the next call on.
    pub fn set_video_taps(&self, taps: VideoTaps) {
        *self.video_taps.lock().unwrap_or_else(|p| p.into_inner()) = taps;
    }

    /// Where the peer's decoded video goes from the next call on.
    pub fn set_video_sink(&self, sink: Option<mpsc::Sender<ReceivedVideo>>) {
        *self.video_sink.lock().unwrap_or_else(|p| p.into_inner()) = sink;
    }
}

impl CallDevices for SystemDevices {
    fn audio_input(&self) -> Result<AudioInput, MediaError> {
        let (microphone, frames) = Microphone::open(self.choice().microphone.as_deref())?;
        Ok(AudioInput {
            frames,
            keep: Some(Box::new(microphone)),
        })
    }

    fn video_input(&self) -> Result<Box<dyn VideoSource>, MediaError> {
        let chosen = self.choice().camera;
        if chosen.is_none() && cameras().map_or(true, |found| found.is_empty()) {
            let (format, brightness) = FALLBACK_PATTERN;
            return Ok(Box::new(TestPattern::new(format, brightness)?));
        }
        let camera = CameraSource::open(chosen.as_deref(), CAMERA_FORMAT)?;
        Ok(Box::new(camera))
    }

    fn video_taps(&self) -> VideoTaps {
        self.video_taps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn choose(&self, choice: DeviceChoice) -> Result<(), MediaError> {
        let speaker_changed = self.choice().speaker != choice.speaker;
        let speaker = choice.speaker.clone();
        self.set_choice(choice);
        let live = self
            .speaker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .upgrade();
        if let (true, Some(slot)) = (speaker_changed, live) {
            let opened = open_speaker(speaker.as_deref())?;
            // The old speaker closes when dropped here.
            *slot.current.lock().unwrap_or_else(|p| p.into_inner()) = opened;
        }
        Ok(())
    }

    fn output(
        &self,
        mut audio: mpsc::Receiver<ReceivedAudio>,
        mut video: mpsc::Receiver<ReceivedVideo>,
    ) -> Result<Option<KeepAlive>, MediaError> {
        let slot = Arc::new(SpeakerSlot {
            current: Mutex::new(open_speaker(self.choice().speaker.as_deref())?),
        });
        *self.speaker.lock().unwrap_or_else(|p| p.into_inner()) = Arc::downgrade(&slot);
        let sink = self
            .video_sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let playing = Arc::clone(&slot);
        let forward_audio = tokio::spawn(async move {
            while let Some(received) = audio.recv().await {
                // A speaker switched meanwhile drops what was on its way to the old one.
                let _ = playing.sender().send(received.samples).await;
            }
        });
        let forward_video = tokio::spawn(async move {
            while let Some(frame) = video.recv().await {
                if let Some(sink) = &sink {
                    // The window is behind: it gets the next frame instead.
                    let _ = sink.try_send(frame);
                }
            }
        });
        Ok(Some(Box::new(Forwarding {
            _speaker: slot,
            tasks: [forward_audio, forward_video],
        })))
    }
}

/// The speaker and the tasks feeding it and the window; dropping it stops them.
struct Forwarding {
    _speaker: Arc<SpeakerSlot>,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our machines have no camera: a video call there sends the fallback pattern.
    #[test]
    fn without_a_camera_video_comes_from_the_fallback_pattern() {
        if !cameras().map_or(true, |found| found.is_empty()) {
            return; // A machine with a camera opens it instead; nothing to check here.
        }
        let mut source = SystemDevices::default().video_input().expect("a source");
        assert_eq!(source.format(), FALLBACK_PATTERN.0);
        let frame = source.next_frame().expect("a frame");
        assert!((frame.mean_luma() - f64::from(FALLBACK_PATTERN.1)).abs() < 1.0);
    }

    /// A named camera is opened, not replaced by the pattern: a missing one is an error.
    #[test]
    fn a_chosen_camera_that_is_missing_is_an_error() {
        let devices = SystemDevices::default();
        devices
            .choose(DeviceChoice {
                camera: Some("no such camera".into()),
                ..Default::default()
            })
            .expect("choosing opens nothing without a call");
        assert!(devices.video_input().is_err());
    }
}
