//! Audio before the encoder: the tone generator (a source for tests and the sound check),
//! echo cancellation, noise suppression, and mute.

use std::f32::consts::TAU;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nnnoiseless::DenoiseState;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use webrtc_audio_processing as apm;

use super::error::MediaError;
use super::frame::{AudioFrame, FRAME_DURATION, FRAME_SAMPLES, SAMPLE_RATE};

/// A sine of one frequency, frame after frame without a phase jump.
#[derive(Debug, Clone)]
pub struct ToneSource {
    frequency: f32,
    amplitude: f32,
    phase: f32,
}

impl ToneSource {
    /// `amplitude` in 0.0..=1.0 of full scale.
    pub fn new(frequency: f32, amplitude: f32) -> ToneSource {
        ToneSource {
            frequency,
            amplitude: amplitude.clamp(0.0, 1.0),
            phase: 0.0,
        }
    }

    pub fn next_frame(&mut self) -> AudioFrame {
        let step = TAU * self.frequency / SAMPLE_RATE as f32;
        let samples = (0..FRAME_SAMPLES)
            .map(|_| {
                let sample = self.amplitude * self.phase.sin();
                self.phase = (self.phase + step) % TAU;
                sample
            })
            .collect();
        AudioFrame(samples)
    }

    /// Frames at the pace a microphone delivers them (one every 20 ms), on a Tokio task that
    /// stops when the receiver is dropped.
    pub fn spawn_paced(mut self) -> mpsc::Receiver<AudioFrame> {
        let (tx, rx) = mpsc::channel(8);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(FRAME_DURATION);
            // A late tick is made up at once, so the average rate stays real time.
            ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
            loop {
                ticks.tick().await;
                if tx.send(self.next_frame()).await.is_err() {
                    return;
                }
            }
        });
        rx
    }
}

/// The user's switches for the sent audio, shared between the UI's commands and the audio task.
#[derive(Debug, Clone)]
pub struct AudioSwitches {
    muted: Arc<AtomicBool>,
    noise_suppression: Arc<AtomicBool>,
    echo_cancellation: Arc<AtomicBool>,
}

impl AudioSwitches {
    /// Unmuted; noise suppression and echo cancellation as given (both on in the app; off
    /// where a test measures the signal itself).
    pub fn new(noise_suppression: bool, echo_cancellation: bool) -> AudioSwitches {
        AudioSwitches {
            muted: Arc::new(AtomicBool::new(false)),
            noise_suppression: Arc::new(AtomicBool::new(noise_suppression)),
            echo_cancellation: Arc::new(AtomicBool::new(echo_cancellation)),
        }
    }

    pub fn set_echo_cancellation(&self, on: bool) {
        self.echo_cancellation.store(on, Ordering::Relaxed);
    }

    pub fn echo_cancellation(&self) -> bool {
        self.echo_cancellation.load(Ordering::Relaxed)
    }

    pub fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    pub fn muted(&self) -> bool {
        self.muted.load(Ordering::Relaxed)
    }

    pub fn set_noise_suppression(&self, on: bool) {
        self.noise_suppression.store(on, Ordering::Relaxed);
    }

    pub fn noise_suppression(&self) -> bool {
        self.noise_suppression.load(Ordering::Relaxed)
    }
}

/// Echo cancellation: WebRTC's AEC (Debian's libwebrtc-audio-processing), delay-agnostic, so
/// it finds the speaker-to-microphone delay itself. What the speaker plays goes in through
/// [`EchoCanceller::far_end`]; the microphone's frames come out of [`AudioProcessor`] without
/// its echo. Clones share one canceller: one clone on the playback side, one on capture.
#[derive(Clone)]
pub struct EchoCanceller {
    processor: apm::Processor,
    far_pending: Vec<f32>,
}

/// The canceller works on 10 ms.
const APM_FRAME: usize = apm::NUM_SAMPLES_PER_FRAME as usize;

impl EchoCanceller {
    pub fn new() -> Result<EchoCanceller, MediaError> {
        let mut processor = apm::Processor::new(&apm::InitializationConfig {
            num_capture_channels: 1,
            num_render_channels: 1,
            ..Default::default()
        })
        .map_err(|error| MediaError::Codec(format!("echo canceller: {error}")))?;
        processor.set_config(apm::Config {
            echo_cancellation: Some(apm::EchoCancellation {
                suppression_level: apm::EchoCancellationSuppressionLevel::High,
                enable_extended_filter: true,
                enable_delay_agnostic: true,
                stream_delay_ms: None,
            }),
            ..Default::default()
        });
        Ok(EchoCanceller {
            processor,
            far_pending: Vec::with_capacity(APM_FRAME),
        })
    }

    /// Audio on its way to the speaker (mono, 48 kHz, any length).
    pub fn far_end(&mut self, samples: &[f32]) {
        for &sample in samples {
            self.far_pending.push(sample);
            if self.far_pending.len() == APM_FRAME {
                if let Err(error) = self.processor.process_render_frame(&mut self.far_pending) {
                    tracing::debug!(%error, "echo canceller refused a far-end frame");
                }
                self.far_pending.clear();
            }
        }
    }

    fn capture(&mut self, frame: &mut AudioFrame) {
        for chunk in frame.0.chunks_exact_mut(APM_FRAME) {
            if let Err(error) = self.processor.process_capture_frame(chunk) {
                tracing::debug!(%error, "echo canceller refused a captured frame");
            }
        }
    }
}

/// What happens to each captured frame before it is encoded: echo cancellation (when a
/// canceller is given and it is switched on), noise suppression (RNNoise, the `nnnoiseless`
/// port) when switched on, then mute, which sends silence rather than nothing so the peer's
/// playback keeps its pace.
pub struct AudioProcessor {
    switches: AudioSwitches,
    echo_canceller: Option<EchoCanceller>,
    denoiser: Box<DenoiseState<'static>>,
    scratch: Vec<f32>,
}

impl AudioProcessor {
    pub fn new(switches: AudioSwitches, echo_canceller: Option<EchoCanceller>) -> AudioProcessor {
        AudioProcessor {
            switches,
            echo_canceller,
            denoiser: DenoiseState::new(),
            scratch: vec![0.0; DenoiseState::FRAME_SIZE],
        }
    }

    pub fn process(&mut self, frame: &mut AudioFrame) {
        if self.switches.muted() {
            frame.0.fill(0.0);
            return;
        }
        if self.switches.echo_cancellation() {
            if let Some(canceller) = self.echo_canceller.as_mut() {
                canceller.capture(frame);
            }
        }
        if self.switches.noise_suppression() {
            // RNNoise works on 10 ms at 48 kHz with samples in i16's range.
            for chunk in frame.0.chunks_mut(DenoiseState::FRAME_SIZE) {
                if chunk.len() != DenoiseState::FRAME_SIZE {
                    break;
                }
                let input: Vec<f32> = chunk.iter().map(|sample| sample * 32_768.0).collect();
                self.denoiser.process_frame(&mut self.scratch, &input);
                for (sample, denoised) in chunk.iter_mut().zip(&self.scratch) {
                    *sample = (denoised / 32_768.0).clamp(-1.0, 1.0);
                }
            }
        }
    }
}
