//! Reading a gallery upload as an image: the checks before decoding, thumbnails, the blurhash
//! placeholder, and the original's metadata removed. Pure work on bytes and files, no database:
//! [`Imaging::process`] runs it on a blocking thread, at most `workers` at a time, so that a
//! burst of uploads neither stalls the async runtime nor holds more decoded pixels than the
//! limits allow.
//!
//! Hostile files are refused before they cost memory: the format is read from the bytes (never
//! from the name or the claimed MIME type) and must be JPEG, PNG, WebP or GIF; the header's
//! dimensions are checked against the pixel and side limits before any pixel is decoded; and
//! the decoder itself runs under the same limits, so a header that lies cannot make it allocate
//! more.

use std::io::Cursor;
use std::path::Path;

use chatenium_api::ErrorCode;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use tokio::sync::Semaphore;

use crate::config::ImageSettings;
use crate::error::{ApiError, ApiResult};

/// JPEG quality of thumbnails: small files, no visible blocks at grid and viewer sizes.
const THUMBNAIL_QUALITY: u8 = 82;
/// The placeholder is computed from a copy at most this wide and high.
const PLACEHOLDER_SIDE: u32 = 32;
/// Blurhash components across and down: the usual 4 by 3.
const PLACEHOLDER_COMPONENTS: (u32, u32) = (4, 3);

/// One thumbnail, encoded.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// What reading an upload found and made.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The size as shown: the EXIF orientation applied.
    pub width: u32,
    pub height: u32,
    /// The MIME type the bytes have, whatever the client claimed.
    pub mime: &'static str,
    pub placeholder: Option<String>,
    /// The narrowest first; no two of the same width.
    pub thumbnails: Vec<Thumbnail>,
    /// The original without its metadata, when it had any to remove.
    pub stripped: Option<Vec<u8>>,
}

/// The image work of the server: its limits and the permits that bound how many run at once.
pub struct Imaging {
    settings: ImageSettings,
    permits: Semaphore,
}

impl Imaging {
    pub fn new(settings: ImageSettings) -> Imaging {
        let permits = Semaphore::new(settings.workers.max(1));
        Imaging { settings, permits }
    }

    /// Reads the upload at `path` on a blocking thread once a permit is free.
    pub async fn process(&self, path: &Path) -> ApiResult<Processed> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let settings = self.settings.clone();
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || process(&path, &settings))
            .await
            .map_err(ApiError::internal)?
    }
}

fn invalid(detail: impl std::fmt::Display) -> ApiError {
    ApiError {
        code: ErrorCode::InvalidImage,
        detail: Some(detail.to_string()),
    }
}

fn too_large(detail: impl std::fmt::Display) -> ApiError {
    ApiError {
        code: ErrorCode::ImageTooLarge,
        detail: Some(detail.to_string()),
    }
}

/// A decoding failure: over a limit is `imageTooLarge`, anything else `invalidImage`.
fn refused(error: image::ImageError) -> ApiError {
    match error {
        image::ImageError::Limits(limit) => too_large(limit),
        other => invalid(other),
    }
}

fn mime_of(format: ImageFormat) -> Option<&'static str> {
    match format {
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::Png => Some("image/png"),
        ImageFormat::WebP => Some("image/webp"),
        ImageFormat::Gif => Some("image/gif"),
        _ => None,
    }
}

/// Whether an image of `width` by `height` is within the limits.
pub fn check_dimensions(width: u32, height: u32, settings: &ImageSettings) -> ApiResult<()> {
    if width == 0 || height == 0 {
        return Err(invalid("an image without pixels"));
    }
    if width.max(height) > settings.max_side {
        return Err(too_large(format!(
            "{width}x{height}: a side over the limit"
        )));
    }
    if u64::from(width) * u64::from(height) > settings.max_pixels {
        return Err(too_large(format!("{width}x{height}: over the pixel limit")));
    }
    Ok(())
}

/// Reads, checks and decodes the image at `path`, then makes what a picture serves.
pub fn process(path: &Path, settings: &ImageSettings) -> ApiResult<Processed> {
    // Registration checked the size already; the limit may have been lowered since.
    if std::fs::metadata(path)?.len() > settings.max_bytes {
        return Err(ErrorCode::UploadTooLarge.into());
    }
    let original = std::fs::read(path)?;
    let mut reader = ImageReader::new(Cursor::new(&original))
        .with_guessed_format()
        .map_err(invalid)?;
    let format = reader.format().ok_or_else(|| invalid("not an image"))?;
    let mime = mime_of(format).ok_or_else(|| invalid(format!("{format:?} is not accepted")))?;
    // The JPEG decoder shows a cut-short file with its missing part grey; it is refused instead.
    if format == ImageFormat::Jpeg && first_image_end(&original).is_none() {
        return Err(invalid("a JPEG without its end"));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(settings.max_side);
    limits.max_image_height = Some(settings.max_side);
    limits.max_alloc = Some(settings.max_decode_bytes);
    reader.limits(limits);
    // Creating the decoder reads only the header.
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (raw_width, raw_height) = decoder.dimensions();
    check_dimensions(raw_width, raw_height, settings)?;
    // Unreadable EXIF is no reason to refuse the picture: it is then shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    let (width, height) = oriented(raw_width, raw_height, orientation);
    let thumbnails = thumbnails(
        &image,
        orientation,
        width,
        height,
        &settings.thumbnail_widths,
    )?;
    let placeholder = thumbnails
        .first()
        .and_then(|smallest| placeholder(&smallest.image));
    let stripped = strip_metadata(format, &original, orientation);
    Ok(Processed {
        width,
        height,
        mime,
        placeholder,
        thumbnails: thumbnails.into_iter().map(|made| made.encoded).collect(),
        stripped,
    })
}

/// The size an image of `width` by `height` shows at once `orientation` is applied.
fn oriented(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    match orientation {
        Orientation::Rotate90
        | Orientation::Rotate270
        | Orientation::Rotate90FlipH
        | Orientation::Rotate270FlipH => (height, width),
        _ => (width, height),
    }
}

/// The distinct widths thumbnails of a picture `width` wide get: each configured width, but
/// never wider than the picture; the narrowest first.
pub fn thumbnail_widths(width: u32, configured: &[u32]) -> Vec<u32> {
    let mut widths: Vec<u32> = configured
        .iter()
        .filter(|&&w| w > 0)
        .map(|&w| w.min(width))
        .collect();
    widths.sort_unstable();
    widths.dedup();
    widths
}

struct Made {
    image: DynamicImage,
    encoded: Thumbnail,
}

/// Scales the widest thumbnail from the decoded image (in its stored orientation, then turned:
/// turning the small copy is cheaper), and each narrower one from the one before.
fn thumbnails(
    image: &DynamicImage,
    orientation: Orientation,
    width: u32,
    height: u32,
    configured: &[u32],
) -> ApiResult<Vec<Made>> {
    let mut made: Vec<Made> = Vec::new();
    for target_width in thumbnail_widths(width, configured).into_iter().rev() {
        let target_height = scaled_height(width, height, target_width);
        let scaled = match made.last() {
            Some(wider) => {
                wider
                    .image
                    .resize_exact(target_width, target_height, FilterType::Triangle)
            }
            None => {
                let (stored_width, stored_height) =
                    oriented(target_width, target_height, orientation);
                let mut scaled = image.thumbnail_exact(stored_width, stored_height);
                scaled.apply_orientation(orientation);
                scaled
            }
        };
        let encoded = encode(&scaled)?;
        made.push(Made {
            image: scaled,
            encoded,
        });
    }
    made.reverse();
    Ok(made)
}

/// The height of a `target_width` wide copy of a `width` by `height` picture: at least 1.
fn scaled_height(width: u32, height: u32, target_width: u32) -> u32 {
    let scaled = u64::from(height) * u64::from(target_width) / u64::from(width.max(1));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// A thumbnail as JPEG, or as PNG when it has transparency to keep.
fn encode(image: &DynamicImage) -> ApiResult<Thumbnail> {
    let mut bytes = Vec::new();
    let mime = if image.color().has_alpha() {
        image
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(ApiError::internal)?;
        "image/png"
    } else {
        image
            .to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, THUMBNAIL_QUALITY))
            .map_err(ApiError::internal)?;
        "image/jpeg"
    };
    Ok(Thumbnail {
        width: image.width(),
        height: image.height(),
        mime,
        bytes,
    })
}

/// A blurhash of the image, from a copy at most [`PLACEHOLDER_SIDE`] on a side.
fn placeholder(image: &DynamicImage) -> Option<String> {
    let small = image
        .thumbnail(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE)
        .to_rgba8();
    let (x, y) = PLACEHOLDER_COMPONENTS;
    blurhash::encode(x, y, small.width(), small.height(), small.as_raw()).ok()
}

// ---- The original's metadata ----

/// The original with its metadata removed, without re-encoding a pixel: JPEG APP1 (EXIF and
/// XMP), APP13 (IPTC) and comments, and any image appended after the first (MPF); PNG `eXIf`
/// and text chunks; WebP `EXIF` and `XMP ` chunks. Only the orientation goes back in, as a
/// one-tag EXIF, so that the original still shows upright. GIF has no EXIF: it stays as it is.
/// `None` when there was nothing to remove.
pub fn strip_metadata(
    format: ImageFormat,
    original: &[u8],
    orientation: Orientation,
) -> Option<Vec<u8>> {
    let bytes = Bytes::copy_from_slice(original);
    let kept_exif = orientation_exif(orientation);
    let stripped = match format {
        ImageFormat::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).ok()?;
            for marker in [markers::APP1, markers::APP13, markers::COM] {
                jpeg.remove_segments_by_marker(marker);
            }
            // The Multi-Picture Format index names images appended after this one, which
            // carry their own EXIF: they go, and the index with them.
            jpeg.segments_mut().retain(|segment| {
                !(segment.marker() == markers::APP2 && segment.contents().starts_with(b"MPF\0"))
            });
            jpeg.set_exif(kept_exif);
            let mut encoded = Vec::with_capacity(original.len());
            jpeg.encoder().write_to(&mut encoded).ok()?;
            truncate_after_first_image(&mut encoded);
            encoded
        }
        ImageFormat::Png => {
            let mut png = Png::from_bytes(bytes).ok()?;
            for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            png.set_exif(kept_exif);
            let mut encoded = Vec::with_capacity(original.len());
            png.encoder().write_to(&mut encoded).ok()?;
            encoded
        }
        ImageFormat::WebP => {
            let mut webp = WebP::from_bytes(bytes).ok()?;
            webp.remove_chunks_by_id(*b"XMP ");
            webp.set_exif(kept_exif);
            let mut encoded = Vec::with_capacity(original.len());
            webp.encoder().write_to(&mut encoded).ok()?;
            encoded
        }
        _ => return None,
    };
    (stripped != original).then_some(stripped)
}

/// A little-endian TIFF block with one IFD holding one tag: the orientation. `None` for an
/// image shown as stored, which needs no EXIF at all.
fn orientation_exif(orientation: Orientation) -> Option<Bytes> {
    let value = orientation.to_exif();
    if value == 1 {
        return None;
    }
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes()); // the first IFD right after the header
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // one value
    tiff.extend_from_slice(&u16::from(value).to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value's padding to four bytes
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    Some(Bytes::from(tiff))
}

/// Where a JPEG's first image ends: just after its end marker, or `None` when it has none (the
/// file is cut short). Walks the marker segments by their lengths and the entropy-coded data by
/// its escaping, where `0xFF` is always followed by `0x00` or a restart marker.
fn first_image_end(jpeg: &[u8]) -> Option<usize> {
    let mut at = 2; // after SOI
    while at + 1 < jpeg.len() {
        if jpeg[at] != 0xFF {
            at += 1;
            continue;
        }
        match jpeg[at + 1] {
            0xD9 => return Some(at + 2),
            // A fill byte.
            0xFF => at += 1,
            // A stuffed byte or a restart marker inside a scan.
            0x00 | 0xD0..=0xD7 => at += 2,
            // A marker segment (a scan's header included): skipped by its length.
            _ => {
                let length = jpeg.get(at + 2..at + 4)?;
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
        }
    }
    None
}

/// Cuts a JPEG after the end marker of its first image: what follows (other images of a
/// multi-picture file, trailing data) is not the picture and may carry metadata of its own.
fn truncate_after_first_image(jpeg: &mut Vec<u8>) {
    if let Some(end) = first_image_end(jpeg) {
        jpeg.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ImageSettings {
        ImageSettings::default()
    }

    #[test]
    fn thumbnails_are_never_wider_than_the_picture() {
        assert_eq!(thumbnail_widths(4000, &[1280, 320]), [320, 1280]);
        assert_eq!(thumbnail_widths(800, &[320, 1280]), [320, 800]);
        assert_eq!(thumbnail_widths(200, &[320, 1280]), [200]);
        assert_eq!(thumbnail_widths(200, &[0]), Vec::<u32>::new());
        assert_eq!(scaled_height(4000, 6000, 1280), 1920);
        assert_eq!(scaled_height(10_000, 1, 320), 1);
    }

    #[test]
    fn dimensions_are_checked_against_the_limits() {
        let settings = settings();
        assert!(check_dimensions(6000, 4000, &settings).is_ok());
        let code = |w, h| check_dimensions(w, h, &settings).unwrap_err().code;
        assert_eq!(code(0, 10), ErrorCode::InvalidImage);
        assert_eq!(code(100_000, 100_000), ErrorCode::ImageTooLarge);
        assert_eq!(code(settings.max_side + 1, 1), ErrorCode::ImageTooLarge);
        assert_eq!(code(15_000, 15_000), ErrorCode::ImageTooLarge);
    }

    #[test]
    fn the_orientation_exif_holds_only_the_orientation() {
        assert!(orientation_exif(Orientation::NoTransforms).is_none());
        let exif = orientation_exif(Orientation::Rotate90).unwrap();
        assert_eq!(exif.len(), 26);
        assert_eq!(&exif[..4], b"II*\0");
        assert_eq!(u16::from_le_bytes([exif[10], exif[11]]), 0x0112);
        assert_eq!(u16::from_le_bytes([exif[18], exif[19]]), 6);
    }

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        image::RgbImage::from_pixel(width, height, image::Rgb([1, 2, 3]))
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn a_pngs_metadata_is_removed_and_its_pixels_kept() {
        let clean = png_of(3, 2);
        assert_eq!(
            strip_metadata(ImageFormat::Png, &clean, Orientation::NoTransforms),
            None
        );
        let mut png = Png::from_bytes(Bytes::from(clean.clone())).unwrap();
        png.set_exif(Some(Bytes::from_static(b"II*\0\x08\0\0\0\0\0\0\0\0\0")));
        let text =
            img_parts::png::PngChunk::new(*b"tEXt", Bytes::from_static(b"Location\0Budapest"));
        png.chunks_mut().insert(1, text);
        let mut tagged = Vec::new();
        png.encoder().write_to(&mut tagged).unwrap();

        let stripped =
            strip_metadata(ImageFormat::Png, &tagged, Orientation::NoTransforms).unwrap();
        assert_eq!(stripped, clean);
        let turned = strip_metadata(ImageFormat::Png, &tagged, Orientation::Rotate90).unwrap();
        let turned = Png::from_bytes(Bytes::from(turned)).unwrap();
        assert_eq!(turned.exif(), orientation_exif(Orientation::Rotate90));
        assert!(turned.chunk_by_type(*b"tEXt").is_none());
    }

    #[test]
    fn processing_measures_and_makes_thumbnails_never_wider() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("picture");
        std::fs::write(&path, png_of(500, 100)).unwrap();
        let processed = process(&path, &settings()).unwrap();
        assert_eq!(
            (processed.width, processed.height, processed.mime),
            (500, 100, "image/png")
        );
        let sizes: Vec<_> = processed
            .thumbnails
            .iter()
            .map(|t| (t.width, t.height, t.mime))
            .collect();
        assert_eq!(sizes, [(320, 64, "image/jpeg"), (500, 100, "image/jpeg")]);
        assert!(processed.placeholder.is_some());
        assert!(processed.stripped.is_none());

        let small = ImageSettings {
            max_bytes: 10,
            ..settings()
        };
        assert_eq!(
            process(&path, &small).unwrap_err().code,
            ErrorCode::UploadTooLarge
        );
    }

    #[test]
    fn a_jpeg_ends_at_its_first_end_marker() {
        // SOI, a COM segment holding FF D9, SOS, scan data with a stuffed FF and a restart
        // marker, EOI, then a second image.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xD9];
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x03, 0x01]);
        jpeg.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56]);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let first = jpeg.clone();
        jpeg.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02, 0xFF, 0xD9]);
        truncate_after_first_image(&mut jpeg);
        assert_eq!(jpeg, first);
        assert_eq!(first_image_end(&first[..first.len() - 1]), None);
    }
}
