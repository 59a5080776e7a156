//! Cameras behind [`VideoSource`], through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media
//! Foundation on Windows).
//!
//! The camera is asked for YUYV (packed 4:2:2, which nearly every webcam offers at 640x480)
//! and each frame is converted to I420 here; a camera that offers only MJPEG is refused with
//! [`MediaError::Device`] (decoding MJPEG would bring in a JPEG decoder; not built yet).
//!
//! Our test machines have no camera (no `/dev/video*`, no v4l2loopback module), so capture
//! itself is not exercised by a test; listing, the refusal of a missing camera and the pixel
//! conversion are.

use nokhwa::pixel_format::YuyvFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use nokhwa::Camera;
use std::sync::mpsc as std_mpsc;

use super::error::MediaError;
use super::frame::VideoFrame;
use super::video::{VideoFormat, VideoSource};

fn device_error(error: impl std::fmt::Display) -> MediaError {
    MediaError::Device(error.to_string())
}

/// The cameras on this machine, by the name the user picks from.
pub fn cameras() -> Result<Vec<String>, MediaError> {
    Ok(nokhwa::query(ApiBackend::Auto)
        .map_err(device_error)?
        .into_iter()
        .map(|info| info.human_name())
        .collect())
}

/// An open camera; dropping it closes the device. nokhwa's camera must stay on the thread that
/// opened it, so a capture thread holds it and hands converted frames over, one at a time
/// (the camera paces itself; a frame is taken only when the call wants one).
pub struct CameraSource {
    frames: std_mpsc::Receiver<Result<VideoFrame, MediaError>>,
    format: VideoFormat,
}

impl CameraSource {
    /// Opens the camera called `name` (or the first one) as close to `wanted` as it offers.
    pub fn open(name: Option<&str>, wanted: VideoFormat) -> Result<CameraSource, MediaError> {
        let name = name.map(str::to_owned);
        let (opened_tx, opened_rx) = std_mpsc::sync_channel(1);
        let (frames_tx, frames) = std_mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("call-camera".into())
            .spawn(move || {
                let mut camera = match open_camera(name.as_deref(), wanted) {
                    Ok((camera, format)) => {
                        let _ = opened_tx.send(Ok(format));
                        camera
                    }
                    Err(error) => {
                        let _ = opened_tx.send(Err(error));
                        return;
                    }
                };
                loop {
                    let frame = camera.frame().map_err(device_error).and_then(|buffer| {
                        let resolution = buffer.resolution();
                        yuyv_to_i420(resolution.width(), resolution.height(), buffer.buffer())
                    });
                    // The source was dropped: close the camera.
                    if frames_tx.send(frame).is_err() {
                        let _ = camera.stop_stream();
                        return;
                    }
                }
            })
            .map_err(device_error)?;
        let format = opened_rx
            .recv()
            .map_err(|_| MediaError::Device("the camera thread ended".into()))??;
        Ok(CameraSource { frames, format })
    }
}

fn open_camera(
    name: Option<&str>,
    wanted: VideoFormat,
) -> Result<(Camera, VideoFormat), MediaError> {
    let found = nokhwa::query(ApiBackend::Auto).map_err(device_error)?;
    let info = match name {
        Some(name) => found.into_iter().find(|info| info.human_name() == name),
        None => found.into_iter().next(),
    }
    .ok_or_else(|| MediaError::Device(format!("no camera {}", name.unwrap_or("at all"))))?;
    let requested =
        RequestedFormat::new::<YuyvFormat>(RequestedFormatType::Closest(CameraFormat::new(
            Resolution::new(wanted.width, wanted.height),
            FrameFormat::YUYV,
            wanted.frames_per_second,
        )));
    let index: CameraIndex = info.index().clone();
    let mut camera = Camera::new(index, requested).map_err(device_error)?;
    let actual = camera.camera_format();
    if actual.format() != FrameFormat::YUYV {
        return Err(MediaError::Device(format!(
            "the camera offers {:?}, not YUYV",
            actual.format()
        )));
    }
    camera.open_stream().map_err(device_error)?;
    let format = VideoFormat {
        width: actual.width(),
        height: actual.height(),
        frames_per_second: actual.frame_rate().max(1),
    };
    Ok((camera, format))
}

impl VideoSource for CameraSource {
    fn format(&self) -> VideoFormat {
        self.format
    }

    fn next_frame(&mut self) -> Result<VideoFrame, MediaError> {
        self.frames
            .recv()
            .map_err(|_| MediaError::Device("the camera stopped".into()))?
    }
}

/// Packed YUYV 4:2:2 (Y0 U Y1 V for each pair of pixels) to planar I420 4:2:0: luma as is,
/// chroma averaged over each pair of rows.
pub fn yuyv_to_i420(width: u32, height: u32, yuyv: &[u8]) -> Result<VideoFrame, MediaError> {
    let (w, h) = (width as usize, height as usize);
    if yuyv.len() != w * h * 2 {
        return Err(MediaError::BadFrame(format!(
            "{width}x{height} YUYV needs {} bytes, got {}",
            w * h * 2,
            yuyv.len()
        )));
    }
    let mut frame = VideoFrame::filled(width, height, 0)?;
    let (luma, chroma) = frame.data_mut().split_at_mut(w * h);
    let (u_plane, v_plane) = chroma.split_at_mut(w * h / 4);
    for (y, row) in yuyv.chunks_exact(w * 2).enumerate() {
        for (x, pixel) in row.chunks_exact(2).enumerate() {
            luma[y * w + x] = pixel[0];
        }
    }
    for cy in 0..h / 2 {
        let top = &yuyv[(2 * cy) * w * 2..(2 * cy + 1) * w * 2];
        let bottom = &yuyv[(2 * cy + 1) * w * 2..(2 * cy + 2) * w * 2];
        for cx in 0..w / 2 {
            let at = cx * 4;
            let average = |offset: usize| {
                (u16::from(top[at + offset]) + u16::from(bottom[at + offset])).div_ceil(2) as u8
            };
            u_plane[cy * (w / 2) + cx] = average(1);
            v_plane[cy * (w / 2) + cx] = average(3);
        }
    }
    Ok(frame)
}
