//! Thumbnails of a gallery picture over real HTTP: a 24-megapixel photo taken with the camera
//! turned (EXIF orientation 6) and a GPS position gets thumbnails of the shown size, turned
//! upright, and nothing the server serves of it (thumbnails or original) carries the position.

mod common;

use std::io::Cursor;

use chatenium_api::schemas::pictures::Picture;
use chatenium_api::PictureDiscovery;
use common::TestServer;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use img_parts::jpeg::Jpeg;
use img_parts::{Bytes, ImageEXIF};

/// The photo as the sensor stored it: 6000 wide, 4000 high.
const STORED: (u32, u32) = (6000, 4000);
/// The corner the camera's top-left pixel is in: red, the rest blue.
const MARK: (u32, u32) = (600, 400);
const RED: Rgb<u8> = Rgb([220, 20, 20]);
const BLUE: Rgb<u8> = Rgb([20, 20, 220]);

/// A little-endian TIFF block as cameras write it into a JPEG's APP1: IFD0 holds the
/// orientation (6: turn 90° clockwise to show) and a pointer to the GPS IFD, which holds a
/// latitude (47° 29' N, Budapest).
fn camera_exif() -> Vec<u8> {
    fn entry(tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value);
    }
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    // Header 8 bytes, then two IFDs of two entries (2 + 2 * 12 + 4 = 30 bytes each).
    let gps_ifd: u32 = 8 + 30;
    let latitude: u32 = gps_ifd + 30;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0112, SHORT, 1, [6, 0, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, gps_ifd.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, latitude.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (numerator, denominator) in [(47u32, 1u32), (29, 1), (0, 1)] {
        tiff.extend_from_slice(&numerator.to_le_bytes());
        tiff.extend_from_slice(&denominator.to_le_bytes());
    }
    tiff
}

/// The photo: a 6000x4000 JPEG, red in the stored top-left corner, with [`camera_exif`].
fn camera_photo() -> Vec<u8> {
    let (width, height) = STORED;
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        if x < MARK.0 && y < MARK.1 {
            RED
        } else {
            BLUE
        }
    });
    let mut encoded = Vec::new();
    pixels
        .write_with_encoder(JpegEncoder::new_with_quality(&mut encoded, 90))
        .unwrap();
    let mut jpeg = Jpeg::from_bytes(Bytes::from(encoded)).unwrap();
    jpeg.set_exif(Some(Bytes::from(camera_exif())));
    let mut photo = Vec::new();
    jpeg.encoder().write_to(&mut photo).unwrap();
    photo
}

/// The EXIF of served bytes: `None` when there is none at all.
fn exif_of(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

fn gps_fields(exif: &exif::Exif) -> Vec<String> {
    exif.fields()
        .filter(|field| {
            field.tag.context() == exif::Context::Gps || field.tag == exif::Tag::GPSInfoIFDPointer
        })
        .map(|field| field.tag.to_string())
        .collect()
}

fn orientation(exif: &exif::Exif) -> Option<u32> {
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
}

fn is_red(pixel: Rgb<u8>) -> bool {
    pixel[0] > 150 && pixel[2] < 100
}

fn is_blue(pixel: Rgb<u8>) -> bool {
    pixel[2] > 150 && pixel[0] < 100
}

#[tokio::test]
async fn a_turned_photo_with_a_position_gets_upright_thumbnails_without_it() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let photo = camera_photo();
    // The photo really holds what a camera writes, so the checks below mean something.
    let uploaded_exif = exif_of(&photo).expect("the photo has EXIF");
    assert_eq!(orientation(&uploaded_exif), Some(6));
    assert!(!gps_fields(&uploaded_exif).is_empty());

    let picture: Picture = server
        .try_picture(&anna, "budapest.jpg", "image/jpeg", photo.clone())
        .await
        .expect("the photo becomes a picture");

    // Shown turned: 4000 wide and 6000 high; thumbnails 320 and 1280 wide in that shape.
    assert_eq!((picture.width, picture.height), (Some(4000), Some(6000)));
    assert!(picture.has_thumbnail);
    let sizes: Vec<(u32, u32)> = picture
        .thumbnails
        .iter()
        .map(|thumbnail| (thumbnail.width, thumbnail.height))
        .collect();
    assert_eq!(sizes, [(320, 480), (1280, 1920)]);
    let placeholder = picture.placeholder.as_deref().expect("a placeholder");
    assert!(
        !placeholder.is_empty() && placeholder.is_ascii(),
        "{placeholder}"
    );

    for thumbnail in &picture.thumbnails {
        let bytes = server.get_bytes(&thumbnail.path).await.unwrap();
        let shown = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert_eq!(shown.dimensions(), (thumbnail.width, thumbnail.height));
        // The camera's top-left corner, turned 90° clockwise, is now the top-right one.
        let (width, height) = shown.dimensions();
        let inset = width / 50;
        assert!(
            is_red(*shown.get_pixel(width - 1 - inset, inset)),
            "top right of {width}"
        );
        assert!(
            is_blue(*shown.get_pixel(inset, inset)),
            "top left of {width}"
        );
        assert!(is_blue(*shown.get_pixel(inset, height - 1 - inset)));
        assert!(is_blue(
            *shown.get_pixel(width - 1 - inset, height - 1 - inset)
        ));
        // Re-encoded: no metadata at all, the position least of all.
        assert!(exif_of(&bytes).is_none(), "a thumbnail of {width} has EXIF");
    }

    // The original is the uploaded photo without its metadata: the same pixels, still
    // turned by its orientation tag (so it shows upright), and no position.
    let original = server.get_bytes(&picture.path).await.unwrap();
    assert!(original.len() < photo.len());
    let served_exif = exif_of(&original).expect("the orientation is kept");
    assert_eq!(orientation(&served_exif), Some(6));
    assert_eq!(gps_fields(&served_exif), Vec::<String>::new());
    assert_eq!(
        image::load_from_memory(&original).unwrap().to_rgb8(),
        image::load_from_memory(&photo).unwrap().to_rgb8()
    );

    // Another user sees the same in discovery.
    let discovery = server
        .call::<PictureDiscovery>(bela.auth(), &(), &())
        .await
        .unwrap();
    let preview = &discovery.recent[0];
    assert_eq!(preview.picture_id, picture.picture_id);
    assert_eq!((preview.width, preview.height), (Some(4000), Some(6000)));
    assert_eq!(preview.placeholder, picture.placeholder);
    assert!(preview.has_thumbnail);
    let grid = &preview.thumbnails[0];
    assert_eq!((grid.width, grid.height), (320, 480));
    let bytes = server.get_bytes(&grid.path).await.unwrap();
    assert!(exif_of(&bytes).is_none());
}
