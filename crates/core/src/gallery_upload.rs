//! Uploading a picture into the gallery: the upload flow with the gallery's endpoints (row 85
//! registers and answers a signed PUT URL, row 84 makes the uploaded file a picture), reusing
//! `uploads`' streamed PUT, its progress events and its cancel.

use std::path::Path;

use chatenium_api::schemas::pictures::{NewPicture, UploadPicturesReq};
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{RegisterPictureUploads, UploadPictures};

use crate::client::Client;
use crate::error::ClientError;
use crate::gallery::GalleryItem;
use crate::gallery_sync::picture_changed;
use crate::uploads::{mime_of, put_range, CancelUpload, Progress};

impl Client {
    /// Uploads the image at `path` as a picture of the user's, into `album_id` or none.
    /// Progress goes out as [`crate::CoreEvent::Upload`] under `upload_id` (the caller's name
    /// for it, so that a window showing several uploads knows which bar moves); `cancel` stops
    /// it. The new picture enters the open feeds it belongs to.
    pub async fn upload_picture(
        &self,
        path: &Path,
        album_id: Option<String>,
        upload_id: &str,
        cancel: &CancelUpload,
    ) -> Result<GalleryItem, ClientError> {
        let ctx = &self.ctx;
        let io = |e: std::io::Error| ClientError::Storage(format!("{}: {e}", path.display()));
        let size = tokio::fs::metadata(path).await.map_err(io)?.len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "picture".into());
        let mut progress = Progress::new(ctx, upload_id, &name, 0, size);
        let outcome = async {
            let metadata = FileMetadata {
                name: name.clone(),
                size,
                mime: mime_of(&name).to_owned(),
                width: None,
                height: None,
            };
            let registered = ctx
                .session
                .call::<RegisterPictureUploads>(
                    &(),
                    &S3PresignedFileReq {
                        files: vec![metadata],
                    },
                )
                .await?;
            let target = registered
                .into_iter()
                .next()
                .ok_or_else(|| ClientError::Decode("no upload URL".into()))?;
            put_range(
                ctx,
                &target.upload_url,
                path,
                0,
                size,
                &mut progress,
                cancel,
            )
            .await?;
            let body = UploadPicturesReq {
                album_id,
                pictures: vec![NewPicture {
                    file_id: target.file_id,
                    title: None,
                    description: None,
                }],
            };
            let pictures = ctx.session.call::<UploadPictures>(&(), &body).await?;
            pictures
                .first()
                .map(|picture| picture_changed(ctx, picture))
                .ok_or_else(|| ClientError::Decode("no picture made".into()))
        }
        .await;
        let outcome = progress.finish(outcome);
        if outcome.is_ok() {
            self.refresh_own_albums().await;
        }
        outcome
    }
}
