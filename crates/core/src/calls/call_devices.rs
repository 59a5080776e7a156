//! Where a call's media comes from and goes to: the [`CallDevices`] a client is given. The
//! desktop uses [`SystemDevices`] (the chosen microphone, speaker and camera); tests give a
//! tone, a test pattern and a channel to check what arrived.

use std::sync::Mutex;

use tokio::sync::mpsc;

use super::camera::CameraSource;
use super::devices::{Microphone, Speaker};
use super::engine::{ReceivedAudio, ReceivedVideo};
use super::error::MediaError;
use super::frame::AudioFrame;
use super::video::{VideoFormat, VideoSource};

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
}

/// The devices the user chose (by name; `None`: the system's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceChoice {
    pub microphone: Option<String>,
    pub speaker: Option<String>,
    pub camera: Option<String>,
}

/// The machine's devices: cpal's microphone and speaker, nokhwa's camera. The peer's video
/// goes to whoever subscribed with [`SystemDevices::set_video_sink`] (the window), or nowhere.
#[derive(Default)]
pub struct SystemDevices {
    choice: Mutex<DeviceChoice>,
    video_sink: Mutex<Option<mpsc::Sender<ReceivedVideo>>>,
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
        let camera = CameraSource::open(self.choice().camera.as_deref(), CAMERA_FORMAT)?;
        Ok(Box::new(camera))
    }

    fn output(
        &self,
        mut audio: mpsc::Receiver<ReceivedAudio>,
        mut video: mpsc::Receiver<ReceivedVideo>,
    ) -> Result<Option<KeepAlive>, MediaError> {
        let (samples_tx, samples_rx) = mpsc::channel(64);
        let speaker = Speaker::open(self.choice().speaker.as_deref(), samples_rx)?;
        let sink = self
            .video_sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let forward_audio = tokio::spawn(async move {
            while let Some(received) = audio.recv().await {
                if samples_tx.send(received.samples).await.is_err() {
                    return;
                }
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
            _speaker: speaker,
            tasks: [forward_audio, forward_video],
        })))
    }
}

/// The speaker and the tasks feeding it and the window; dropping it stops them.
struct Forwarding {
    _speaker: Speaker,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
