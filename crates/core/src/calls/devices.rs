//! Microphones and speakers through cpal: listed by name, opened by name (or the system's
//! default), always at 48 kHz; the microphone is mixed down to mono and cut into 20 ms frames.
//!
//! A cpal stream must stay on the thread that built it, so each open device has a thread of
//! its own that holds the stream until the handle ([`Microphone`], [`Speaker`]) is dropped.
//! Devices that cannot run at 48 kHz are refused with [`MediaError::Device`] (no resampler
//! yet); ALSA's `default` and `pulse` devices take any rate.

use std::collections::VecDeque;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{Device, SampleFormat, SampleRate, SizedSample, StreamConfig};
use tokio::sync::mpsc;

use super::error::MediaError;
use super::frame::{AudioFrame, FRAME_SAMPLES, SAMPLE_RATE};

/// Captured frames queued for the call; beyond this the call is behind and frames drop.
const CAPTURE_QUEUE: usize = 16;
/// Received audio buffered for the speaker; more is latency, so the oldest is dropped.
const PLAYBACK_BUFFER_SAMPLES: usize = SAMPLE_RATE as usize / 5;

/// One microphone or speaker as the user picks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevice {
    pub name: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Input,
    Output,
}

fn device_error(error: impl std::fmt::Display) -> MediaError {
    MediaError::Device(error.to_string())
}

pub fn microphones() -> Result<Vec<AudioDevice>, MediaError> {
    list(Direction::Input)
}

pub fn speakers() -> Result<Vec<AudioDevice>, MediaError> {
    list(Direction::Output)
}

fn list(direction: Direction) -> Result<Vec<AudioDevice>, MediaError> {
    let host = cpal::default_host();
    let default = match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }
    .and_then(|device| device.name().ok());
    let devices = match direction {
        Direction::Input => host
            .input_devices()
            .map_err(device_error)?
            .collect::<Vec<_>>(),
        Direction::Output => host.output_devices().map_err(device_error)?.collect(),
    };
    Ok(devices
        .into_iter()
        .filter_map(|device| device.name().ok())
        .map(|name| AudioDevice {
            is_default: default.as_deref() == Some(name.as_str()),
            name,
        })
        .collect())
}

fn find(direction: Direction, name: Option<&str>) -> Result<Device, MediaError> {
    let host = cpal::default_host();
    let Some(name) = name else {
        return match direction {
            Direction::Input => host.default_input_device(),
            Direction::Output => host.default_output_device(),
        }
        .ok_or_else(|| MediaError::Device(format!("no default {direction:?} device")));
    };
    let mut devices = match direction {
        Direction::Input => host
            .input_devices()
            .map_err(device_error)?
            .collect::<Vec<_>>(),
        Direction::Output => host.output_devices().map_err(device_error)?.collect(),
    };
    let index = devices
        .iter()
        .position(|device| device.name().ok().as_deref() == Some(name))
        .ok_or_else(|| MediaError::Device(format!("no {direction:?} device named {name:?}")))?;
    Ok(devices.swap_remove(index))
}

/// A 48 kHz configuration of the device: 32-bit float if it has one, else 16-bit; the
/// fewest channels.
fn choose_config(
    device: &Device,
    direction: Direction,
) -> Result<(StreamConfig, SampleFormat), MediaError> {
    let ranges: Vec<_> = match direction {
        Direction::Input => device
            .supported_input_configs()
            .map_err(device_error)?
            .collect(),
        Direction::Output => device
            .supported_output_configs()
            .map_err(device_error)?
            .collect(),
    };
    let rate = SampleRate(SAMPLE_RATE);
    let best = ranges
        .into_iter()
        .filter(|range| range.min_sample_rate() <= rate && rate <= range.max_sample_rate())
        .filter(|range| matches!(range.sample_format(), SampleFormat::F32 | SampleFormat::I16))
        .min_by_key(|range| (range.sample_format() != SampleFormat::F32, range.channels()))
        .ok_or_else(|| MediaError::Device("no 48 kHz float or 16-bit configuration".into()))?;
    let format = best.sample_format();
    let config = best.with_sample_rate(rate).config();
    Ok((config, format))
}

/// Runs `build` on a thread of its own and keeps the stream it returns playing there until
/// the returned sender is dropped.
fn run_stream(
    thread_name: &str,
    build: impl FnOnce() -> Result<cpal::Stream, MediaError> + Send + 'static,
) -> Result<std_mpsc::Sender<()>, MediaError> {
    let (ready_tx, ready_rx) = std_mpsc::sync_channel(1);
    let (stop_tx, stop_rx) = std_mpsc::channel::<()>();
    std::thread::Builder::new()
        .name(thread_name.into())
        .spawn(move || {
            let stream = match build().and_then(|stream| {
                stream.play().map_err(device_error)?;
                Ok(stream)
            }) {
                Ok(stream) => stream,
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            // Blocks until the handle drops its sender.
            let _ = stop_rx.recv();
            drop(stream);
        })
        .map_err(device_error)?;
    ready_rx
        .recv()
        .map_err(|_| MediaError::Device("the audio thread ended".into()))??;
    Ok(stop_tx)
}

/// An open microphone. Dropping it closes the device.
pub struct Microphone {
    name: String,
    _stop: std_mpsc::Sender<()>,
}

impl Microphone {
    /// Opens the microphone called `name` (or the default one); its 20 ms mono frames arrive
    /// on the returned receiver, ready for [`super::CallMedia`].
    pub fn open(
        name: Option<&str>,
    ) -> Result<(Microphone, mpsc::Receiver<AudioFrame>), MediaError> {
        let device = find(Direction::Input, name)?;
        let device_name = device.name().map_err(device_error)?;
        let (config, format) = choose_config(&device, Direction::Input)?;
        let (frames_tx, frames_rx) = mpsc::channel(CAPTURE_QUEUE);
        let stop = run_stream("call-microphone", move || {
            let channels = usize::from(config.channels.max(1));
            let mut framer = Framer {
                pending: Vec::with_capacity(FRAME_SAMPLES),
                channels,
                out: frames_tx,
            };
            let on_error = |error| tracing::warn!(%error, "microphone stream error");
            match format {
                SampleFormat::F32 => device.build_input_stream(
                    &config,
                    move |data: &[f32], _: &_| framer.push(data.iter().copied()),
                    on_error,
                    None,
                ),
                _ => device.build_input_stream(
                    &config,
                    move |data: &[i16], _: &_| {
                        framer.push(data.iter().map(|&sample| f32::from(sample) / 32_768.0))
                    },
                    on_error,
                    None,
                ),
            }
            .map_err(device_error)
        })?;
        Ok((
            Microphone {
                name: device_name,
                _stop: stop,
            },
            frames_rx,
        ))
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Mixes interleaved samples down to mono and cuts them into 20 ms frames.
struct Framer {
    pending: Vec<f32>,
    channels: usize,
    out: mpsc::Sender<AudioFrame>,
}

impl Framer {
    fn push(&mut self, interleaved: impl Iterator<Item = f32>) {
        let mut sum = 0.0;
        for (index, sample) in interleaved.enumerate() {
            sum += sample;
            if (index + 1) % self.channels == 0 {
                self.pending.push(sum / self.channels as f32);
                sum = 0.0;
                if self.pending.len() == FRAME_SAMPLES {
                    let frame =
                        std::mem::replace(&mut self.pending, Vec::with_capacity(FRAME_SAMPLES));
                    // The audio thread must not wait: a full queue drops the frame.
                    let _ = self.out.try_send(AudioFrame(frame));
                }
            }
        }
    }
}

/// An open speaker. Dropping it closes the device.
pub struct Speaker {
    name: String,
    _stop: std_mpsc::Sender<()>,
}

impl Speaker {
    /// Opens the speaker called `name` (or the default one) and plays the mono 48 kHz samples
    /// that arrive on `audio` (e.g. [`super::ReceivedAudio::samples`]); silence while none do.
    pub fn open(
        name: Option<&str>,
        mut audio: mpsc::Receiver<Vec<f32>>,
    ) -> Result<Speaker, MediaError> {
        let device = find(Direction::Output, name)?;
        let device_name = device.name().map_err(device_error)?;
        let (config, format) = choose_config(&device, Direction::Output)?;
        let buffer = Arc::new(Mutex::new(VecDeque::<f32>::new()));
        {
            let buffer = Arc::clone(&buffer);
            std::thread::Builder::new()
                .name("call-speaker-feed".into())
                .spawn(move || {
                    while let Some(samples) = audio.blocking_recv() {
                        let Ok(mut buffer) = buffer.lock() else {
                            return;
                        };
                        buffer.extend(samples);
                        let excess = buffer.len().saturating_sub(PLAYBACK_BUFFER_SAMPLES);
                        buffer.drain(..excess);
                    }
                })
                .map_err(device_error)?;
        }
        let stop = run_stream("call-speaker", move || {
            let channels = usize::from(config.channels.max(1));
            let on_error = |error| tracing::warn!(%error, "speaker stream error");
            match format {
                SampleFormat::F32 => device.build_output_stream(
                    &config,
                    move |data: &mut [f32], _: &_| fill(data, channels, &buffer, |s| s),
                    on_error,
                    None,
                ),
                _ => device.build_output_stream(
                    &config,
                    move |data: &mut [i16], _: &_| {
                        fill(data, channels, &buffer, |s| (s * 32_767.0) as i16)
                    },
                    on_error,
                    None,
                ),
            }
            .map_err(device_error)
        })?;
        Ok(Speaker {
            name: device_name,
            _stop: stop,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Fills an interleaved output buffer from the mono queue, the same sample on every channel;
/// silence when the queue runs dry.
fn fill<T: SizedSample>(
    data: &mut [T],
    channels: usize,
    buffer: &Mutex<VecDeque<f32>>,
    convert: impl Fn(f32) -> T,
) {
    let mut buffer = buffer.lock().ok();
    for frame in data.chunks_mut(channels) {
        let sample = buffer
            .as_mut()
            .and_then(|buffer| buffer.pop_front())
            .unwrap_or(0.0)
            .clamp(-1.0, 1.0);
        frame.fill(convert(sample));
    }
}
