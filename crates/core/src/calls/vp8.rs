//! VP8 through Debian's libvpx 1.12 (`env-libvpx-sys`, pregenerated bindings): the only
//! `unsafe` of call media, kept to this file.
//!
//! Invariants the safe types keep:
//! - A [`Vp8Encoder`] or [`Vp8Decoder`] exists only after libvpx initialised its context
//!   (`vpx_codec_*_init_ver` returned `VPX_CODEC_OK`), and `Drop` destroys it exactly once.
//!   The context is boxed, so its address never changes while libvpx holds it.
//! - libvpx only reads memory we own for the length we pass: the encoder's input is a
//!   [`VideoFrame`] whose size was checked against the encoder's (its planes wrap the frame's
//!   buffer for the duration of one `vpx_codec_encode` call); the decoder's input is a slice
//!   whose length fits `c_uint`.
//! - What libvpx hands back (packets, images) is copied out before the next call into the same
//!   context, which is when libvpx may reuse that memory; images are checked for format and
//!   size before a byte is read.
//! - `&mut self` on every call: a context is never used from two threads at once. Moving one
//!   between threads is allowed by libvpx, hence `Send`.
//!
//! A corrupt or truncated frame from the peer makes `decode` return [`MediaError::Corrupt`];
//! the call asks the sender for a keyframe and goes on.

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::raw::{c_int, c_uint, c_ulong};

use vpx_sys as vpx;

use super::error::MediaError;
use super::frame::VideoFrame;

/// Encoder settings for one video stream.
#[derive(Debug, Clone, Copy)]
pub struct Vp8Settings {
    pub width: u32,
    pub height: u32,
    pub frames_per_second: u32,
    /// Target bitrate in kbit/s.
    pub bitrate_kbps: u32,
}

impl Vp8Settings {
    /// What a call sends at this size: about 0.1 bit per pixel per frame, libvpx's realtime
    /// defaults otherwise.
    pub fn for_call(width: u32, height: u32, frames_per_second: u32) -> Vp8Settings {
        let bitrate_kbps =
            (u64::from(width) * u64::from(height) * u64::from(frames_per_second) / 10_000) as u32;
        Vp8Settings {
            width,
            height,
            frames_per_second,
            bitrate_kbps: bitrate_kbps.clamp(150, 2_500),
        }
    }
}

/// One encoded VP8 frame.
#[derive(Debug, Clone)]
pub struct Vp8Frame {
    pub data: Vec<u8>,
    pub keyframe: bool,
}

/// Whether a VP8 frame is a keyframe, from its first byte (RFC 6386, 9.1: bit 0 of the frame
/// tag is 0 for a key frame). Empty data is not one.
pub fn is_keyframe(frame: &[u8]) -> bool {
    frame.first().is_some_and(|tag| tag & 1 == 0)
}

fn check(context: *mut vpx::vpx_codec_ctx_t, result: vpx::vpx_codec_err_t) -> Result<(), String> {
    if result == vpx::vpx_codec_err_t::VPX_CODEC_OK {
        return Ok(());
    }
    // SAFETY: vpx_codec_err_to_string returns a static NUL-terminated string for any value;
    // vpx_codec_error_detail returns null or a string owned by the live context.
    unsafe {
        let name = CStr::from_ptr(vpx::vpx_codec_err_to_string(result)).to_string_lossy();
        let detail = if context.is_null() {
            std::ptr::null()
        } else {
            vpx::vpx_codec_error_detail(context)
        };
        if detail.is_null() {
            Err(name.into_owned())
        } else {
            Err(format!(
                "{name}: {}",
                CStr::from_ptr(detail).to_string_lossy()
            ))
        }
    }
}

/// A realtime VP8 encoder for frames of one size.
pub struct Vp8Encoder {
    context: Box<MaybeUninit<vpx::vpx_codec_ctx_t>>,
    settings: Vp8Settings,
    next_pts: i64,
}

// SAFETY: a libvpx context has no thread affinity; `&mut self` keeps use exclusive.
unsafe impl Send for Vp8Encoder {}

impl Vp8Encoder {
    pub fn new(settings: Vp8Settings) -> Result<Vp8Encoder, MediaError> {
        VideoFrame::byte_len(settings.width, settings.height)?;
        if settings.frames_per_second == 0 || settings.frames_per_second > 240 {
            return Err(MediaError::Codec(format!(
                "{} frames per second",
                settings.frames_per_second
            )));
        }
        let mut context = Box::new(MaybeUninit::<vpx::vpx_codec_ctx_t>::zeroed());
        // SAFETY: the interface is a static table; the config is written by libvpx before it
        // is read; init either succeeds (and we destroy in Drop) or cleans up after itself.
        unsafe {
            let interface = vpx::vpx_codec_vp8_cx();
            let mut config = MaybeUninit::<vpx::vpx_codec_enc_cfg_t>::zeroed();
            check(
                std::ptr::null_mut(),
                vpx::vpx_codec_enc_config_default(interface, config.as_mut_ptr(), 0),
            )
            .map_err(MediaError::Codec)?;
            let mut config = config.assume_init();
            config.g_w = settings.width;
            config.g_h = settings.height;
            config.g_timebase = vpx::vpx_rational {
                num: 1,
                den: settings.frames_per_second as c_int,
            };
            config.rc_target_bitrate = settings.bitrate_kbps;
            config.rc_end_usage = vpx::vpx_rc_mode::VPX_CBR;
            // Realtime: no look-ahead, frames are never held back; every frame is encoded
            // (the receiver's frame count is the sender's); keyframes at least every 10 s so a
            // lost keyframe request still heals; errors do not propagate past a keyframe.
            config.g_lag_in_frames = 0;
            config.rc_dropframe_thresh = 0;
            config.g_error_resilient = 1;
            config.kf_mode = vpx::vpx_kf_mode::VPX_KF_AUTO;
            config.kf_max_dist = settings.frames_per_second * 10;
            config.g_threads = 1;
            check(
                std::ptr::null_mut(),
                vpx::vpx_codec_enc_init_ver(
                    context.as_mut_ptr(),
                    interface,
                    &config,
                    0,
                    vpx::VPX_ENCODER_ABI_VERSION as c_int,
                ),
            )
            .map_err(MediaError::Codec)?;
        }
        let mut encoder = Vp8Encoder {
            context,
            settings,
            next_pts: 0,
        };
        // Speed over quality, as WebRTC's own VP8 does on desktops (cpu-used within -16..16).
        // SAFETY: the context is initialised; VP8E_SET_CPUUSED takes one int.
        let result = unsafe {
            vpx::vpx_codec_control_(
                encoder.context.as_mut_ptr(),
                vpx::vp8e_enc_control_id::VP8E_SET_CPUUSED as c_int,
                10 as c_int,
            )
        };
        check(encoder.context.as_mut_ptr(), result).map_err(MediaError::Codec)?;
        Ok(encoder)
    }

    pub fn settings(&self) -> Vp8Settings {
        self.settings
    }

    /// Encodes one frame; `force_keyframe` answers a keyframe request. Returns the encoded
    /// frame (libvpx in realtime mode returns exactly one per input).
    pub fn encode(
        &mut self,
        frame: &VideoFrame,
        force_keyframe: bool,
    ) -> Result<Vec<Vp8Frame>, MediaError> {
        if frame.width() != self.settings.width || frame.height() != self.settings.height {
            return Err(MediaError::BadFrame(format!(
                "{}x{} frame for a {}x{} encoder",
                frame.width(),
                frame.height(),
                self.settings.width,
                self.settings.height
            )));
        }
        let flags = if force_keyframe {
            vpx::VPX_EFLAG_FORCE_KF as vpx::vpx_enc_frame_flags_t
        } else {
            0
        };
        let pts = self.next_pts;
        self.next_pts += 1;
        let context = self.context.as_mut_ptr();
        let mut out = Vec::new();
        // SAFETY: the image wraps the frame's buffer, whose length VideoFrame guarantees is
        // exactly I420 at this size (stride alignment 1: strides are width and width / 2);
        // libvpx reads it during vpx_codec_encode only. Packets are copied out before the
        // next call into the context.
        unsafe {
            let mut image = MaybeUninit::<vpx::vpx_image_t>::zeroed();
            let wrapped = vpx::vpx_img_wrap(
                image.as_mut_ptr(),
                vpx::vpx_img_fmt::VPX_IMG_FMT_I420,
                frame.width() as c_uint,
                frame.height() as c_uint,
                1,
                frame.data().as_ptr() as *mut u8,
            );
            if wrapped.is_null() {
                return Err(MediaError::BadFrame("libvpx refused the image".into()));
            }
            check(
                context,
                vpx::vpx_codec_encode(
                    context,
                    wrapped,
                    pts,
                    1,
                    flags,
                    vpx::VPX_DL_REALTIME as c_ulong,
                ),
            )
            .map_err(MediaError::Codec)?;
            let mut iterator: vpx::vpx_codec_iter_t = std::ptr::null();
            loop {
                let packet = vpx::vpx_codec_get_cx_data(context, &mut iterator);
                if packet.is_null() {
                    break;
                }
                if (*packet).kind != vpx::vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                    continue;
                }
                let data = (*packet).data.frame;
                if data.buf.is_null() || data.sz == 0 {
                    continue;
                }
                let bytes = std::slice::from_raw_parts(data.buf as *const u8, data.sz as usize);
                out.push(Vp8Frame {
                    data: bytes.to_vec(),
                    keyframe: data.flags & vpx::VPX_FRAME_IS_KEY != 0,
                });
            }
        }
        Ok(out)
    }
}

impl Drop for Vp8Encoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` (no Vp8Encoder exists otherwise).
        unsafe {
            vpx::vpx_codec_destroy(self.context.as_mut_ptr());
        }
    }
}

/// A VP8 decoder. The size comes from the stream, so it follows the sender's resolution.
pub struct Vp8Decoder {
    context: Box<MaybeUninit<vpx::vpx_codec_ctx_t>>,
}

// SAFETY: as for the encoder.
unsafe impl Send for Vp8Decoder {}

impl Vp8Decoder {
    pub fn new() -> Result<Vp8Decoder, MediaError> {
        let mut context = Box::new(MaybeUninit::<vpx::vpx_codec_ctx_t>::zeroed());
        // SAFETY: a null config lets libvpx take the size from the stream; init cleans up
        // after itself when it fails.
        unsafe {
            check(
                std::ptr::null_mut(),
                vpx::vpx_codec_dec_init_ver(
                    context.as_mut_ptr(),
                    vpx::vpx_codec_vp8_dx(),
                    std::ptr::null(),
                    0,
                    vpx::VPX_DECODER_ABI_VERSION as c_int,
                ),
            )
            .map_err(MediaError::Codec)?;
        }
        Ok(Vp8Decoder { context })
    }

    /// Decodes one frame. Corrupt, truncated or empty input is an error; the decoder stays
    /// usable (the next keyframe resets it).
    pub fn decode(&mut self, frame: &[u8]) -> Result<Option<VideoFrame>, MediaError> {
        if frame.is_empty() {
            // libvpx reads null data as "flush", not as a frame.
            return Err(MediaError::Corrupt("empty frame".into()));
        }
        let length = c_uint::try_from(frame.len())
            .map_err(|_| MediaError::Corrupt(format!("{} bytes", frame.len())))?;
        let context = self.context.as_mut_ptr();
        // SAFETY: libvpx reads `length` bytes of `frame`, which we borrow for the call. The
        // image it returns lives until the next call into the context; it is checked for
        // format and size, then copied row by row within its strides.
        unsafe {
            check(
                context,
                vpx::vpx_codec_decode(context, frame.as_ptr(), length, std::ptr::null_mut(), 0),
            )
            .map_err(MediaError::Corrupt)?;
            let mut iterator: vpx::vpx_codec_iter_t = std::ptr::null();
            let mut last = None;
            loop {
                let image = vpx::vpx_codec_get_frame(context, &mut iterator);
                if image.is_null() {
                    break;
                }
                last = Some(copy_image(&*image)?);
            }
            Ok(last)
        }
    }
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`.
        unsafe {
            vpx::vpx_codec_destroy(self.context.as_mut_ptr());
        }
    }
}

/// Copies a decoded I420 image into a contiguous frame.
///
/// # Safety
/// `image` must be an image libvpx returned and has not yet reused.
unsafe fn copy_image(image: &vpx::vpx_image_t) -> Result<VideoFrame, MediaError> {
    if image.fmt != vpx::vpx_img_fmt::VPX_IMG_FMT_I420 {
        return Err(MediaError::Corrupt(format!(
            "decoded image format {:?}",
            image.fmt
        )));
    }
    let (width, height) = (image.d_w, image.d_h);
    let mut frame = VideoFrame::filled(width, height, 0)?;
    let planes = [
        (0usize, width as usize, height as usize),
        (1, width as usize / 2, height as usize / 2),
        (2, width as usize / 2, height as usize / 2),
    ];
    let mut offset = 0;
    for (plane, plane_width, plane_height) in planes {
        let source = image.planes[plane];
        let stride = image.stride[plane];
        if source.is_null() || stride < plane_width as c_int {
            return Err(MediaError::Corrupt("decoded image without a plane".into()));
        }
        for row in 0..plane_height {
            let from = std::slice::from_raw_parts(source.add(row * stride as usize), plane_width);
            frame.data_mut()[offset..offset + plane_width].copy_from_slice(from);
            offset += plane_width;
        }
    }
    Ok(frame)
}
