//! Hostile images offered as gallery pictures: decompression bombs, absurd dimensions,
//! truncated files and non-images with an image's name. Each is refused with a 4xx and its
//! stable code, no picture is made, the server answers afterwards, and its memory stays
//! bounded. The corpus is made here, from a few valid images.
//!
//! This file holds one test on purpose: the server runs in the test's own process, whose peak
//! resident memory is measured, so no other test may run beside it.

mod common;

use std::io::Cursor;

use chatenium_api::schemas::pictures::PicturesQuery;
use chatenium_api::{ErrorCode, GetPictures};
use common::gallery::image_bytes;
use common::TestServer;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, ImageFormat, RgbImage};
use img_parts::png::{Png, PngChunk};
use img_parts::Bytes;

const MIB: u64 = 1024 * 1024;

/// A line of this process's `/proc/self/status` in bytes: `VmRSS` (resident now) or `VmHWM`
/// (the most resident since the last reset), from the kernel's own account.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("the field is there");
    kib * 1024
}

/// Starts measuring the peak afresh: the high-water mark drops to what is resident now.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("/proc/self/clear_refs");
}

fn encoded(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// A noise image, so that its encoding is as long as its pixels.
fn noise(width: u32, height: u32) -> RgbImage {
    let mut state = 0x9E37_79B9u32;
    RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    })
}

/// A valid 1x1 PNG whose header then claims `width` by `height` (the CRC made to match): a
/// few dozen bytes that would decode to any size.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let small = encoded(&RgbImage::new(1, 1), ImageFormat::Png);
    let mut png = Png::from_bytes(Bytes::from(small)).unwrap();
    let header = png.chunk_by_type(*b"IHDR").unwrap().contents().to_vec();
    let mut claimed = width.to_be_bytes().to_vec();
    claimed.extend_from_slice(&height.to_be_bytes());
    claimed.extend_from_slice(&header[8..]);
    let chunks = png.chunks_mut();
    let at = chunks.iter().position(|c| c.kind() == *b"IHDR").unwrap();
    chunks[at] = PngChunk::new(*b"IHDR", Bytes::from(claimed));
    let mut bytes = Vec::new();
    png.encoder().write_to(&mut bytes).unwrap();
    bytes
}

/// A real decompression bomb: a 15000x15000 grey PNG of zeros, a few hundred KiB that decode
/// to 225 MB. Within the side limit, over the pixel limit.
fn png_bomb() -> Vec<u8> {
    let side = 15_000u32;
    let zeros = vec![0u8; (side * side) as usize];
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::NoFilter)
        .write_image(&zeros, side, side, ExtendedColorType::L8)
        .unwrap();
    bytes
}

/// A valid small JPEG whose frame header then claims 65000x65000.
fn jpeg_claiming_65000() -> Vec<u8> {
    let mut bytes = encoded(&noise(16, 16), ImageFormat::Jpeg);
    let frame = bytes
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0])
        .expect("a baseline frame header");
    // FF C0, length (2), precision (1), height (2), width (2).
    bytes[frame + 5..frame + 7].copy_from_slice(&65_000u16.to_be_bytes());
    bytes[frame + 7..frame + 9].copy_from_slice(&65_000u16.to_be_bytes());
    bytes
}

/// A valid small GIF whose logical screen then claims 65535x65535.
fn gif_claiming_65535() -> Vec<u8> {
    let mut bytes = encoded(&noise(4, 4), ImageFormat::Gif);
    bytes[6..10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    bytes
}

/// A zip archive holding one stored file `a.txt`: local header, data, central directory, end.
fn zip_archive() -> Vec<u8> {
    let data = b"hello";
    let mut zip = b"PK\x03\x04\x0a\0\0\0\0\0\0\0\0\0".to_vec();
    zip.extend_from_slice(&0x3610_a686u32.to_le_bytes()); // CRC-32 of "hello"
    zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    zip.extend_from_slice(&5u16.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip.extend_from_slice(b"a.txt");
    zip.extend_from_slice(data);
    let central = zip.len() as u32;
    zip.extend_from_slice(b"PK\x01\x02\x14\0\x0a\0\0\0\0\0\0\0\0\0");
    zip.extend_from_slice(&0x3610_a686u32.to_le_bytes());
    zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    zip.extend_from_slice(&5u16.to_le_bytes());
    zip.extend_from_slice(&[0; 12]);
    zip.extend_from_slice(&0u32.to_le_bytes());
    zip.extend_from_slice(b"a.txt");
    let central_size = zip.len() as u32 - central;
    zip.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
    zip.extend_from_slice(&central_size.to_le_bytes());
    zip.extend_from_slice(&central.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

fn truncated(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() / 2);
    bytes
}

/// A file offered as a picture: its name, claimed type, bytes and the code it must get.
struct Hostile {
    name: &'static str,
    mime: &'static str,
    bytes: Vec<u8>,
    code: ErrorCode,
}

fn corpus() -> Vec<Hostile> {
    use ErrorCode::{ImageTooLarge, InvalidImage};
    let hostile = |name, mime, bytes, code| Hostile {
        name,
        mime,
        bytes,
        code,
    };
    let jpeg = encoded(&noise(300, 200), ImageFormat::Jpeg);
    let png = encoded(&noise(300, 200), ImageFormat::Png);
    vec![
        hostile(
            "bomb.png",
            "image/png",
            png_claiming(100_000, 100_000),
            ImageTooLarge,
        ),
        hostile("zeros.png", "image/png", png_bomb(), ImageTooLarge),
        hostile(
            "banner.png",
            "image/png",
            png_claiming(30_000, 1),
            ImageTooLarge,
        ),
        hostile(
            "poster.png",
            "image/png",
            png_claiming(12_000, 12_000),
            ImageTooLarge,
        ),
        hostile(
            "huge.jpg",
            "image/jpeg",
            jpeg_claiming_65000(),
            ImageTooLarge,
        ),
        hostile("huge.gif", "image/gif", gif_claiming_65535(), ImageTooLarge),
        hostile("empty.png", "image/png", png_claiming(0, 0), InvalidImage),
        hostile(
            "half.jpg",
            "image/jpeg",
            truncated(jpeg.clone()),
            InvalidImage,
        ),
        hostile("half.png", "image/png", truncated(png), InvalidImage),
        hostile(
            "header.jpg",
            "image/jpeg",
            jpeg[..100].to_vec(),
            InvalidImage,
        ),
        hostile(
            "notes.png",
            "image/png",
            b"just some text".to_vec(),
            InvalidImage,
        ),
        hostile("archive.jpg", "image/jpeg", zip_archive(), InvalidImage),
        hostile(
            "drawing.svg",
            "image/svg+xml",
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>"#.to_vec(),
            InvalidImage,
        ),
        hostile(
            "fake.webp",
            "image/webp",
            b"RIFF\x10\0\0\0WEBPVP8 \x04\0\0\0abcd".to_vec(),
            InvalidImage,
        ),
        hostile(
            "bitmap.bmp",
            "image/bmp",
            b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0".to_vec(),
            InvalidImage,
        ),
    ]
}

#[tokio::test]
async fn hostile_images_are_refused_with_their_code_and_bounded_memory() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let corpus = corpus();
    // A valid picture first, so that what any picture costs is paid before measuring.
    server
        .try_picture(&anna, "first.png", "image/png", image_bytes(1, 30_000))
        .await
        .expect("a valid picture is made");
    reset_peak();
    let before = status_bytes("VmRSS");

    for hostile in corpus {
        let refused = server
            .try_picture(&anna, hostile.name, hostile.mime, hostile.bytes)
            .await
            .expect_err(hostile.name);
        assert!(
            (400..500).contains(&refused.status),
            "{}: {refused:?}",
            hostile.name
        );
        assert_eq!(refused.code, hostile.code, "{}", hostile.name);
    }

    // The peak, not what is left afterwards: a decoded image's memory is returned as soon as
    // it is dropped. Decoding the grey bomb alone raises the peak by about 228 MiB (measured
    // with the pixel limit lifted); refusing the whole corpus by about 2 MiB.
    let grown = status_bytes("VmHWM").saturating_sub(before);
    assert!(
        grown < 64 * MIB,
        "the peak resident memory grew by {} MiB",
        grown / MIB
    );

    // The server still answers, makes valid pictures, and made none of the hostile ones.
    let last = server
        .try_picture(&anna, "last.png", "image/png", image_bytes(2, 30_000))
        .await
        .expect("a valid picture is made afterwards");
    assert!(last.has_thumbnail);
    let gallery = server
        .call::<GetPictures>(
            anna.auth(),
            &PicturesQuery {
                userid: anna.userid.clone(),
                album_id: None,
            },
            &(),
        )
        .await
        .unwrap();
    assert_eq!(gallery.len(), 2);
    assert_eq!(server.count("SELECT COUNT(*) FROM pictures", &[]).await, 2);
}
