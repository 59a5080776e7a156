//! Uploads through the server's presigned URLs: one PUT for a small file, a multipart upload
//! for a large one. Progress goes out as [`CoreEvent::Upload`] events; an upload can be
//! cancelled; a multipart upload's state (its URLs and the parts already sent, with their
//! ETags) is kept in the store after every part, so an interrupted upload resumes with the
//! parts it still lacks instead of starting over.
//!
//! The signed URLs expire (an hour on the local server): a resume after that fails with the
//! server's `invalidSignature`, and the file has to be uploaded anew.

use std::path::Path;
use std::sync::Arc;

use chatenium_api::schemas::dm::Attachment;
use chatenium_api::schemas::upload::{
    CompleteUploadReq, CompletedPart, FileMetadata, S3FinishMultiReq, S3MultipartUploadReq,
    S3PresignedFileReq,
};
use chatenium_api::{
    CompleteAttachmentUpload, CompleteMultipartUpload, RegisterAttachmentUploads,
    RegisterMultipartUpload,
};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::watch;

use crate::context::{new_client_key, Context};
use crate::error::ClientError;
use crate::events::CoreEvent;
pub use crate::payloads::{UploadProgress, UploadState};

/// Files up to this size go in one PUT; larger ones as a multipart upload.
pub const SINGLE_PUT_LIMIT: u64 = 8 * 1024 * 1024;
/// Bytes read and sent at a time; also how often progress is reported at most.
const CHUNK: usize = 256 * 1024;

pub use crate::store::PendingUpload;

/// Cancels an upload from outside.
#[derive(Clone)]
pub struct CancelUpload(Arc<watch::Sender<bool>>);

impl CancelUpload {
    pub fn new() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }

    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }
}

impl Default for CancelUpload {
    fn default() -> Self {
        Self::new()
    }
}

/// The MIME type a file name suggests.
pub fn mime_of(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Uploads the file at `path` as an attachment.
pub(crate) async fn upload(
    ctx: &Context,
    path: &Path,
    cancel: &CancelUpload,
) -> Result<Attachment, ClientError> {
    let io = |e: std::io::Error| ClientError::Storage(format!("{}: {e}", path.display()));
    let size = tokio::fs::metadata(path).await.map_err(io)?.len();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let metadata = FileMetadata {
        name: name.clone(),
        size,
        mime: mime_of(&name).to_owned(),
        width: None,
        height: None,
    };
    let id = new_client_key();
    if size <= SINGLE_PUT_LIMIT {
        let mut progress = Progress::new(ctx, &id, &name, 0, size);
        let registered = ctx
            .session
            .call::<RegisterAttachmentUploads>(
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
        let outcome = async {
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
            ctx.session
                .call::<CompleteAttachmentUpload>(
                    &(),
                    &CompleteUploadReq {
                        file_id: target.file_id,
                    },
                )
                .await
        }
        .await;
        return progress.finish(outcome);
    }
    let registered = ctx
        .session
        .call::<RegisterMultipartUpload>(&(), &S3MultipartUploadReq { file: metadata })
        .await?;
    let pending = PendingUpload {
        id,
        path: path.to_owned(),
        name,
        size,
        file_id: registered.file_id,
        upload_id: registered.upload_id,
        part_size: registered.part_size,
        parts: registered.parts,
        done: Vec::new(),
    };
    save(ctx, &pending).await?;
    continue_multipart(ctx, pending, cancel).await
}

/// Continues an interrupted multipart upload with the parts it lacks.
pub(crate) async fn resume(
    ctx: &Context,
    id: &str,
    cancel: &CancelUpload,
) -> Result<Attachment, ClientError> {
    let pending = ctx
        .store
        .run(|s| s.pending_uploads())
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ClientError::Storage(format!("no interrupted upload {id}")))?;
    continue_multipart(ctx, pending, cancel).await
}

async fn continue_multipart(
    ctx: &Context,
    mut pending: PendingUpload,
    cancel: &CancelUpload,
) -> Result<Attachment, ClientError> {
    let already: u64 = pending
        .done
        .iter()
        .map(|d| part_len(&pending, d.part_number))
        .sum();
    let mut progress = Progress::new(ctx, &pending.id, &pending.name, already, pending.size);
    let outcome = async {
        for part in pending.parts.clone() {
            if pending
                .done
                .iter()
                .any(|d| d.part_number == part.part_number)
            {
                continue;
            }
            let start = u64::from(part.part_number.saturating_sub(1)) * pending.part_size;
            let len = part_len(&pending, part.part_number);
            let etag = put_range(
                ctx,
                &part.upload_url,
                &pending.path,
                start,
                len,
                &mut progress,
                cancel,
            )
            .await?;
            pending.done.push(CompletedPart {
                part_number: part.part_number,
                etag,
            });
            save(ctx, &pending).await?;
        }
        let finish = S3FinishMultiReq {
            file_id: pending.file_id.clone(),
            upload_id: pending.upload_id.clone(),
            parts: pending.done.clone(),
        };
        ctx.session
            .call::<CompleteMultipartUpload>(&(), &finish)
            .await
    }
    .await;
    if outcome.is_ok()
        || matches!(
            outcome,
            Err(ClientError::Api {
                status: 400..=499,
                ..
            })
        )
    {
        // Done, or refused for good: nothing left to resume.
        let id = pending.id.clone();
        ctx.store.run(move |s| s.remove_pending_upload(&id)).await?;
    }
    progress.finish(outcome)
}

fn part_len(pending: &PendingUpload, part_number: u32) -> u64 {
    let start = u64::from(part_number.saturating_sub(1)) * pending.part_size;
    pending.size.saturating_sub(start).min(pending.part_size)
}

async fn save(ctx: &Context, pending: &PendingUpload) -> Result<(), ClientError> {
    let pending = pending.clone();
    ctx.store
        .run(move |s| s.save_pending_upload(&pending))
        .await
}

/// PUTs `len` bytes of the file from `start` to a signed URL, streaming and reporting
/// progress; answers the ETag. (Also the gallery's picture uploads' PUT.)
pub(crate) async fn put_range(
    ctx: &Context,
    url: &str,
    path: &Path,
    start: u64,
    len: u64,
    progress: &mut Progress<'_>,
    cancel: &CancelUpload,
) -> Result<String, ClientError> {
    if cancel.is_cancelled() {
        return Err(ClientError::Cancelled);
    }
    let io = |e: std::io::Error| ClientError::Storage(e.to_string());
    let mut file = tokio::fs::File::open(path).await.map_err(io)?;
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(io)?;
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let cancelled = cancel.clone();
    let chunks =
        futures_util::stream::unfold((file.take(len), sent_tx), move |(mut reader, sent)| {
            let cancelled = cancelled.clone();
            async move {
                if cancelled.is_cancelled() {
                    return Some((Err(std::io::Error::other("cancelled")), (reader, sent)));
                }
                let mut buffer = vec![0u8; CHUNK];
                match reader.read(&mut buffer).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buffer.truncate(n);
                        let _ = sent.send(n as u64);
                        Some((Ok(buffer), (reader, sent)))
                    }
                    Err(error) => Some((Err(error), (reader, sent))),
                }
            }
        });
    let request =
        ctx.session
            .api()
            .put_signed_stream(url, reqwest::Body::wrap_stream(chunks.boxed()), len);
    tokio::pin!(request);
    loop {
        tokio::select! {
            outcome = &mut request => {
                while let Ok(n) = sent_rx.try_recv() {
                    progress.advance(n);
                }
                return if cancel.is_cancelled() { Err(ClientError::Cancelled) } else { outcome };
            }
            Some(n) = sent_rx.recv() => progress.advance(n),
        }
    }
}

/// Counts bytes and publishes progress events.
pub(crate) struct Progress<'a> {
    ctx: &'a Context,
    id: String,
    name: String,
    sent: u64,
    total: u64,
}

impl<'a> Progress<'a> {
    /// Starts reporting an upload of `total` bytes of which `sent` are already through.
    pub(crate) fn new(ctx: &'a Context, id: &str, name: &str, sent: u64, total: u64) -> Self {
        let progress = Progress {
            ctx,
            id: id.to_owned(),
            name: name.to_owned(),
            sent,
            total,
        };
        progress.emit(UploadState::Running);
        progress
    }

    fn advance(&mut self, bytes: u64) {
        self.sent = (self.sent + bytes).min(self.total);
        self.emit(UploadState::Running);
    }

    fn emit(&self, state: UploadState) {
        self.ctx.emit(CoreEvent::Upload {
            progress: UploadProgress {
                id: self.id.clone(),
                name: self.name.clone(),
                sent: self.sent,
                total: self.total,
                state,
            },
        });
    }

    pub(crate) fn finish<T>(self, outcome: Result<T, ClientError>) -> Result<T, ClientError> {
        let state = match &outcome {
            Ok(_) => UploadState::Done,
            Err(ClientError::Cancelled) => UploadState::Cancelled,
            Err(_) => UploadState::Failed,
        };
        self.emit(state);
        outcome
    }
}
