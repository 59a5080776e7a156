//! Where sent video comes from: the [`VideoSource`] trait, and the test pattern behind it
//! (the camera is the other implementation, in `camera`).

use std::time::{Duration, Instant};

use super::error::MediaError;
use super::frame::VideoFrame;

/// Size and pace of a source's frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub frames_per_second: u32,
}

/// A source of frames at its own pace, as a camera is: `next_frame` blocks until the next one
/// is there, so it runs on a thread of its own, never on the async runtime.
pub trait VideoSource: Send {
    fn format(&self) -> VideoFormat;
    fn next_frame(&mut self) -> Result<VideoFrame, MediaError>;
}

/// Vertical bars of two grey levels scrolling sideways, whose mean luma is `brightness`: the
/// receiver of a call checks that brightness in what it decoded. The bars give the encoder
/// motion to code, so the frames are not trivially small.
#[derive(Debug, Clone)]
pub struct TestPattern {
    format: VideoFormat,
    brightness: u8,
    frame_index: u64,
    started: Option<Instant>,
}

/// Half the luma difference between dark and light bars.
const BAR_CONTRAST: u8 = 40;

impl TestPattern {
    pub fn new(format: VideoFormat, brightness: u8) -> Result<TestPattern, MediaError> {
        VideoFrame::byte_len(format.width, format.height)?;
        if format.frames_per_second == 0 {
            return Err(MediaError::BadFrame("0 frames per second".into()));
        }
        Ok(TestPattern {
            format,
            brightness,
            frame_index: 0,
            started: None,
        })
    }

    pub fn brightness(&self) -> u8 {
        self.brightness
    }

    /// Frame number `index`, rendered at once (no pacing): for codec benchmarks.
    pub fn render(&self, index: u64) -> Result<VideoFrame, MediaError> {
        let VideoFormat { width, height, .. } = self.format;
        let mut frame = VideoFrame::filled(width, height, self.brightness)?;
        // Bars a sixteenth of the width (at least 2 px), moving 4 px a frame; the two levels
        // are brightness ± contrast, so the mean is the brightness whenever the bar period
        // divides the width (it does for 640, 320 and 160).
        let bar = (width as usize / 16).max(2);
        let low = self.brightness.saturating_sub(BAR_CONTRAST);
        let high = self.brightness.saturating_add(BAR_CONTRAST);
        let shift = (index as usize * 4) % (2 * bar);
        let row: Vec<u8> = (0..width as usize)
            .map(|x| {
                if ((x + shift) / bar) % 2 == 0 {
                    low
                } else {
                    high
                }
            })
            .collect();
        let luma_len = (width * height) as usize;
        for line in frame.data_mut()[..luma_len].chunks_exact_mut(width as usize) {
            line.copy_from_slice(&row);
        }
        Ok(frame)
    }
}

impl VideoSource for TestPattern {
    fn format(&self) -> VideoFormat {
        self.format
    }

    /// The next frame at the format's rate, as a camera would deliver it.
    fn next_frame(&mut self) -> Result<VideoFrame, MediaError> {
        let started = *self.started.get_or_insert_with(Instant::now);
        let due = started
            + Duration::from_secs_f64(
                self.frame_index as f64 / self.format.frames_per_second as f64,
            );
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let frame = self.render(self.frame_index)?;
        self.frame_index += 1;
        Ok(frame)
    }
}
