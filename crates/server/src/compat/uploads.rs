//! The chunked upload of the older surface: register the files of a chat's message
//! (`chat/cdnRegisterUpload`), send each file's bytes as base64 chunks in JSON
//! (`chat/uploadChunk`), finish (`chat/finishUpload`), then name the upload in
//! `chat/dm/finishMessage`. Each file is one of our single-PUT attachment uploads (registered
//! and completed by our upload handlers); the chunks are appended to a staging file beside
//! where our PUT would write, which goes into place through the same `uploads::accept_put`.
//!
//! Its own limit: base64 inflates bytes by a third and a chunk travels in one JSON body, so a
//! file is at most [`MAX_FILE_BYTES`] here (our own surface takes far larger files).
//! Which upload holds which files is a small manifest in the data folder.

use std::path::PathBuf;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use base64::Engine;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::upload::{CompleteUploadReq, FileMetadata, S3PresignedFileReq};
use chatenium_api::ErrorCode;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{done, route, Access, Call, Verb};
use crate::chats;
use crate::error::{ensure, ApiError, ApiResult};
use crate::files;
use crate::http::Ctx;
use crate::routes::uploads as our_uploads;
use crate::state::AppState;
use crate::storage;
use crate::uploads::{self, TempPath};

/// The largest file the chunked upload takes.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// The largest chunk request: a whole file in base64, and room for the JSON around it.
const MAX_CHUNK_BODY_BYTES: usize = (MAX_FILE_BYTES as usize).div_ceil(3) * 4 + 64 * 1024;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
        .route(
            "/chat/cdnRegisterUpload",
            route(Verb::Post, Access::SignedIn, register),
        )
        .route(
            "/chat/uploadChunk",
            route(Verb::Post, Access::SignedIn, chunk)
                .layer(DefaultBodyLimit::max(MAX_CHUNK_BODY_BYTES)),
        )
        .route(
            "/chat/finishUpload",
            route(Verb::Post, Access::SignedIn, finish),
        )
}

/// Which of our uploads an older upload is made of.
#[derive(Serialize, Deserialize)]
struct Manifest {
    owner: String,
    /// The chat the files are for.
    room_id: String,
    files: Vec<ManifestFile>,
    finished: bool,
}

#[derive(Serialize, Deserialize)]
struct ManifestFile {
    /// The client's own id for the file.
    older_id: String,
    /// Our upload's `fileID`.
    file_id: String,
    size: u64,
}

fn manifest_path(state: &AppState, upload_id: &str) -> ApiResult<PathBuf> {
    // Ids are ours (hex); anything else names no manifest and never a path elsewhere.
    ensure(
        !upload_id.is_empty() && upload_id.bytes().all(|b| b.is_ascii_hexdigit()),
        ErrorCode::UploadNotFound,
    )?;
    Ok(state
        .config
        .data_dir
        .join("older-uploads")
        .join(format!("{upload_id}.json")))
}

async fn load(ctx: &Ctx, upload_id: &str, room_id: &str) -> ApiResult<Manifest> {
    let path = manifest_path(&ctx.state, upload_id)?;
    let text = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::from(ErrorCode::UploadNotFound))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(ApiError::internal)?;
    ensure(
        manifest.owner == ctx.caller()?.userid && manifest.room_id == room_id,
        ErrorCode::UploadNotFound,
    )?;
    Ok(manifest)
}

async fn save(state: &AppState, upload_id: &str, manifest: &Manifest) -> ApiResult<()> {
    let path = manifest_path(state, upload_id)?;
    if let Some(folder) = path.parent() {
        tokio::fs::create_dir_all(folder).await?;
    }
    let text = serde_json::to_vec(manifest).map_err(ApiError::internal)?;
    tokio::fs::write(&path, text).await?;
    Ok(())
}

/// Where a file's chunks gather: beside the file, so that moving it into place is a rename
/// (and a restart's clean-up of `.incoming` files removes an abandoned one).
fn staging_path(state: &AppState, file_id: &str) -> PathBuf {
    let target = state.storage.file_path(file_id);
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".older.incoming");
    target.with_file_name(name)
}

#[derive(Deserialize)]
struct OlderFile {
    size: u64,
    /// `image`, `video`, `audio` or `file`.
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "fileId")]
    older_id: String,
    name: String,
}

/// A MIME type from the older kind and the name's extension (our attachments take their kind
/// from the MIME type).
fn mime_of(file: &OlderFile) -> String {
    let major = match file.kind.as_str() {
        "image" | "video" | "audio" => file.kind.as_str(),
        _ => return "application/octet-stream".to_owned(),
    };
    let format = files::format_of(&file.name);
    if !format.is_empty() && format.bytes().all(|b| b.is_ascii_alphanumeric()) {
        format!("{major}/{format}")
    } else {
        format!("{major}/octet-stream")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterReq {
    userid: String,
    room_id: String,
    files: Vec<OlderFile>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegisterResp {
    upload_id: String,
}

async fn register(call: Call, body: RegisterReq) -> ApiResult<RegisterResp> {
    call.check_userid(&body.userid)?;
    let owner = call.ctx.caller()?.userid.clone();
    let room_id = body.room_id.clone();
    call.ctx
        .state
        .db
        .call({
            let owner = owner.clone();
            move |c| chats::member_chat(c, &room_id, &owner).map(drop)
        })
        .await?;
    for file in &body.files {
        ensure(file.size <= MAX_FILE_BYTES, ErrorCode::UploadTooLarge)?;
        ensure(
            body.files
                .iter()
                .filter(|f| f.older_id == file.older_id)
                .count()
                == 1,
            ErrorCode::BadRequest,
        )?;
    }
    let request = S3PresignedFileReq {
        files: body
            .files
            .iter()
            .map(|file| FileMetadata {
                name: file.name.clone(),
                size: file.size,
                mime: mime_of(file),
                width: None,
                height: None,
            })
            .collect(),
    };
    let state = call.ctx.state.clone();
    let registered = our_uploads::register_attachments(call.ctx, (), request).await?;
    let manifest = Manifest {
        owner,
        room_id: body.room_id,
        files: body
            .files
            .iter()
            .zip(registered)
            .map(|(file, ours)| ManifestFile {
                older_id: file.older_id.clone(),
                file_id: ours.file_id,
                size: file.size,
            })
            .collect(),
        finished: false,
    };
    let upload_id = crate::ids::new_id();
    save(&state, &upload_id, &manifest).await?;
    Ok(RegisterResp { upload_id })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChunkReq {
    userid: String,
    upload_id: String,
    room_id: String,
    file_id: String,
    /// Base64 of the next bytes of the file.
    chunk: String,
}

async fn chunk(call: Call, body: ChunkReq) -> ApiResult<GenericSuccessBody> {
    call.check_userid(&body.userid)?;
    let manifest = load(&call.ctx, &body.upload_id, &body.room_id).await?;
    ensure(!manifest.finished, ErrorCode::UploadNotFound)?;
    let file = manifest
        .files
        .iter()
        .find(|file| file.older_id == body.file_id)
        .ok_or(ErrorCode::UploadNotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.chunk.trim())
        .map_err(ApiError::bad_request)?;
    let staging = staging_path(&call.ctx.state, &file.file_id);
    let had = tokio::fs::metadata(&staging)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    if had + bytes.len() as u64 > file.size {
        let _ = tokio::fs::remove_file(&staging).await;
        return Err(ErrorCode::UploadTooLarge.into());
    }
    let mut output = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&staging)
        .await?;
    output.write_all(&bytes).await?;
    output.flush().await?;
    Ok(done("Chunk received"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FinishReq {
    userid: String,
    upload_id: String,
    room_id: String,
}

/// Every file must have all its bytes; each goes into place and is completed as our upload.
async fn finish(call: Call, body: FinishReq) -> ApiResult<GenericSuccessBody> {
    call.check_userid(&body.userid)?;
    let mut manifest = load(&call.ctx, &body.upload_id, &body.room_id).await?;
    if manifest.finished {
        return Ok(done("Upload finished"));
    }
    for file in &manifest.files {
        let staging = staging_path(&call.ctx.state, &file.file_id);
        let had = tokio::fs::metadata(&staging).await.map(|m| m.len()).ok();
        if had.is_some() {
            let (state, file_id, size) = (call.ctx.state.clone(), file.file_id.clone(), file.size);
            ensure(had == Some(size), ErrorCode::UploadIncomplete)?;
            call.ctx
                .state
                .db
                .call(move |c| {
                    let target =
                        uploads::put_target(c, &state.storage, &file_id, storage::Access::Upload)?;
                    uploads::accept_put(c, &target, TempPath(staging), size, "")
                })
                .await?;
        }
        let request = CompleteUploadReq {
            file_id: file.file_id.clone(),
        };
        our_uploads::complete_attachment(call.ctx.clone(), (), request).await?;
    }
    manifest.finished = true;
    save(&call.ctx.state, &body.upload_id, &manifest).await?;
    Ok(done("Upload finished"))
}

/// A finished upload named by a message.
pub struct Finished {
    manifest_path: PathBuf,
    file_ids: Vec<String>,
}

impl Finished {
    pub fn file_ids(&self) -> Vec<String> {
        self.file_ids.clone()
    }

    /// The message was sent: the upload is used up.
    pub async fn spent(self) {
        let _ = tokio::fs::remove_file(&self.manifest_path).await;
    }
}

/// The caller's finished upload for chat `chatid`.
pub async fn finished(ctx: &Ctx, upload_id: &str, chatid: &str) -> ApiResult<Finished> {
    let manifest = load(ctx, upload_id, chatid).await?;
    ensure(manifest.finished, ErrorCode::UploadIncomplete)?;
    Ok(Finished {
        manifest_path: manifest_path(&ctx.state, upload_id)?,
        file_ids: manifest
            .files
            .into_iter()
            .map(|file| file.file_id)
            .collect(),
    })
}
