//! Opus through Debian's libopus (`opus` crate): mono, 48 kHz, 20 ms packets, VoIP mode with
//! in-band FEC, as WebRTC peers expect.

use super::error::MediaError;
use super::frame::{AudioFrame, FRAME_SAMPLES, SAMPLE_RATE};

/// Largest packet we produce (RFC 6716 recommends 1275 bytes as the most a frame needs).
const MAX_PACKET_BYTES: usize = 1275;
/// The most one packet may decode to: 120 ms at 48 kHz.
const MAX_DECODED_SAMPLES: usize = 5_760;

pub struct OpusEncoder {
    inner: opus::Encoder,
}

impl OpusEncoder {
    /// `bitrate_bps`: 32 kbit/s is plenty for speech.
    pub fn new(bitrate_bps: i32) -> Result<OpusEncoder, MediaError> {
        let codec = |error: opus::Error| MediaError::Codec(error.to_string());
        let mut inner =
            opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)
                .map_err(codec)?;
        inner
            .set_bitrate(opus::Bitrate::Bits(bitrate_bps))
            .map_err(codec)?;
        inner.set_inband_fec(true).map_err(codec)?;
        Ok(OpusEncoder { inner })
    }

    /// One 20 ms frame to one packet.
    pub fn encode(&mut self, frame: &AudioFrame) -> Result<Vec<u8>, MediaError> {
        if frame.0.len() != FRAME_SAMPLES {
            return Err(MediaError::BadFrame(format!(
                "{} samples, an audio frame has {FRAME_SAMPLES}",
                frame.0.len()
            )));
        }
        self.inner
            .encode_vec_float(&frame.0, MAX_PACKET_BYTES)
            .map_err(|error| MediaError::Codec(error.to_string()))
    }
}

pub struct OpusDecoder {
    inner: opus::Decoder,
    buffer: Vec<f32>,
}

impl OpusDecoder {
    pub fn new() -> Result<OpusDecoder, MediaError> {
        Ok(OpusDecoder {
            inner: opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono)
                .map_err(|error| MediaError::Codec(error.to_string()))?,
            buffer: vec![0.0; MAX_DECODED_SAMPLES],
        })
    }

    /// Decodes one packet from the peer. A corrupt packet is an error; the decoder stays usable.
    pub fn decode(&mut self, packet: &[u8]) -> Result<Vec<f32>, MediaError> {
        if packet.is_empty() {
            return Err(MediaError::Corrupt("empty Opus packet".into()));
        }
        let samples = self
            .inner
            .decode_float(packet, &mut self.buffer, false)
            .map_err(|error| MediaError::Corrupt(error.to_string()))?;
        Ok(self.buffer[..samples].to_vec())
    }

    /// Audio for a lost 20 ms packet (libopus's concealment), so playback keeps its pace.
    pub fn conceal_loss(&mut self) -> Result<AudioFrame, MediaError> {
        let samples = self
            .inner
            .decode_float(&[], &mut self.buffer[..FRAME_SAMPLES], false)
            .map_err(|error| MediaError::Codec(error.to_string()))?;
        Ok(AudioFrame(self.buffer[..samples].to_vec()))
    }
}
