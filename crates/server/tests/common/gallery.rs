//! Helpers of the picture gallery tests: images made of known bytes and the register → PUT →
//! upload flow.

use chatenium_api::schemas::pictures::{NewPicture, Picture, UploadPicturesReq};
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{RegisterPictureUploads, UploadPictures};

use super::{Failure, TestServer, User};

/// A PNG of noise that differs with `seed`, so that each picture's download can be told
/// apart, of about `length` bytes (noise does not compress).
pub fn image_bytes(seed: u8, length: usize) -> Vec<u8> {
    const WIDTH: u32 = 64;
    let height = (length as u32 / 3).div_ceil(WIDTH).max(1);
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761).max(1);
    let pixels = image::RgbImage::from_fn(WIDTH, height, |_, _| {
        // xorshift: cheap noise, the same for the same seed.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut bytes = Vec::new();
    pixels
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("a PNG is encoded");
    bytes
}

/// What a client says about a PNG of `size` bytes.
pub fn png(name: &str, size: u64) -> FileMetadata {
    FileMetadata {
        name: name.to_owned(),
        size,
        mime: "image/png".into(),
        width: Some(800),
        height: Some(600),
    }
}

/// A new picture naming `file_id`, without title or description.
pub fn new_picture(file_id: &str) -> NewPicture {
    NewPicture {
        file_id: file_id.to_owned(),
        title: None,
        description: None,
    }
}

impl TestServer {
    /// Registers one picture upload per image (row 85) and PUTs each image's bytes to its
    /// signed URL; answers the file ids, in order.
    pub async fn put_images(&self, owner: &User, images: &[Vec<u8>]) -> Vec<String> {
        let files = images
            .iter()
            .enumerate()
            .map(|(i, bytes)| png(&format!("picture-{i}.png"), bytes.len() as u64))
            .collect();
        let uploads = self
            .call::<RegisterPictureUploads>(owner.auth(), &(), &S3PresignedFileReq { files })
            .await
            .expect("picture uploads are registered");
        let mut file_ids = Vec::new();
        for (upload, bytes) in uploads.into_iter().zip(images) {
            self.put_bytes(&upload.upload_url, bytes.clone())
                .await
                .expect("the bytes are accepted");
            file_ids.push(upload.file_id);
        }
        file_ids
    }

    /// The whole flow for one file named `name` of claimed type `mime`, whatever its bytes:
    /// register, PUT, and ask for a picture of it (row 84), which may be refused.
    pub async fn try_picture(
        &self,
        owner: &User,
        name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Result<Picture, Failure> {
        let file = FileMetadata {
            mime: mime.to_owned(),
            ..png(name, bytes.len() as u64)
        };
        let upload = self
            .call::<RegisterPictureUploads>(
                owner.auth(),
                &(),
                &S3PresignedFileReq { files: vec![file] },
            )
            .await?
            .remove(0);
        self.put_bytes(&upload.upload_url, bytes).await?;
        let request = UploadPicturesReq {
            album_id: None,
            pictures: vec![new_picture(&upload.file_id)],
        };
        Ok(self
            .call::<UploadPictures>(owner.auth(), &(), &request)
            .await?
            .remove(0))
    }

    /// The whole flow for one picture: register, PUT `bytes`, upload (row 84) into `album_id`.
    pub async fn picture(
        &self,
        owner: &User,
        album_id: Option<&str>,
        title: &str,
        bytes: Vec<u8>,
    ) -> Picture {
        let file_id = self.put_images(owner, &[bytes]).await.remove(0);
        let request = UploadPicturesReq {
            album_id: album_id.map(str::to_owned),
            pictures: vec![NewPicture {
                title: Some(title.to_owned()),
                ..new_picture(&file_id)
            }],
        };
        self.call::<UploadPictures>(owner.auth(), &(), &request)
            .await
            .expect("the picture is uploaded")
            .remove(0)
    }
}
