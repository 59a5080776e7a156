//! Raw media between sources, codecs and sinks: 20 ms of mono 48 kHz audio, and I420 video.

use super::error::MediaError;

/// Every audio path of a call runs at this rate (Opus's native one; cpal devices are opened at it).
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one audio frame: 20 ms, one Opus packet.
pub const FRAME_SAMPLES: usize = 960;
/// The length of one audio frame.
pub const FRAME_DURATION: std::time::Duration = std::time::Duration::from_millis(20);

/// 20 ms of mono audio at [`SAMPLE_RATE`], samples in -1.0..=1.0.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFrame(pub Vec<f32>);

impl AudioFrame {
    pub fn silence() -> AudioFrame {
        AudioFrame(vec![0.0; FRAME_SAMPLES])
    }

    /// Root mean square level, 0.0 for silence, about 0.707 for a full-scale sine.
    pub fn rms(&self) -> f32 {
        if self.0.is_empty() {
            return 0.0;
        }
        let sum: f32 = self.0.iter().map(|sample| sample * sample).sum();
        (sum / self.0.len() as f32).sqrt()
    }
}

/// One picture in I420 (planar Y, then U and V at half resolution), the layout libvpx takes
/// and gives. Width and height are even, so the chroma planes are exactly a quarter each.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFrame {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl VideoFrame {
    /// A frame over `data`, which must hold exactly `width * height * 3 / 2` bytes.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<VideoFrame, MediaError> {
        let expected = Self::byte_len(width, height)?;
        if data.len() != expected {
            return Err(MediaError::BadFrame(format!(
                "{width}x{height} I420 needs {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(VideoFrame {
            width,
            height,
            data,
        })
    }

    /// A frame of one luma value with neutral chroma (a grey picture).
    pub fn filled(width: u32, height: u32, luma: u8) -> Result<VideoFrame, MediaError> {
        let len = Self::byte_len(width, height)?;
        let luma_len = (width * height) as usize;
        let mut data = vec![128; len];
        data[..luma_len].fill(luma);
        Ok(VideoFrame {
            width,
            height,
            data,
        })
    }

    /// Bytes of an I420 frame of this size; odd, zero or absurd sizes are refused.
    pub fn byte_len(width: u32, height: u32) -> Result<usize, MediaError> {
        if width == 0 || height == 0 || width % 2 != 0 || height % 2 != 0 {
            return Err(MediaError::BadFrame(format!(
                "{width}x{height}: width and height must be even and non-zero"
            )));
        }
        if width > 8192 || height > 8192 {
            return Err(MediaError::BadFrame(format!("{width}x{height}: too large")));
        }
        Ok((width * height + width * height / 2) as usize)
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// All three planes, back to back.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The luma plane.
    pub fn luma(&self) -> &[u8] {
        &self.data[..(self.width * self.height) as usize]
    }

    /// Mean luma, 0.0 to 255.0: the brightness the test pattern is built to.
    pub fn mean_luma(&self) -> f64 {
        let luma = self.luma();
        luma.iter().map(|&value| u64::from(value)).sum::<u64>() as f64 / luma.len() as f64
    }
}
