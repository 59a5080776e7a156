//! Helpers of the picture gallery tests: images made of known bytes and the register → PUT →
//! upload flow.

use chatenium_api::schemas::pictures::{NewPicture, Picture, UploadPicturesReq};
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{RegisterPictureUploads, UploadPictures};

use super::{TestServer, User};

/// Image bytes that differ with `seed`, so that each picture's download can be told apart.
pub fn image_bytes(seed: u8, length: usize) -> Vec<u8> {
    (0..length)
        .map(|i| (i as u32).wrapping_mul(u32::from(seed) + 7) as u8 ^ seed)
        .collect()
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
