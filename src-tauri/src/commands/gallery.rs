//! The gallery screens: feeds (discovery, a creator's, an album's), likes, comments, edits,
//! creators and following, albums, and picture uploads. Each command hands its arguments to the
//! signed-in `chatenium_core::Client`; changes arrive as the `Gallery…Changed` events.

use std::collections::HashMap;
use std::sync::Mutex;

use chatenium_api::schemas::pictures::{Album, Comment, Creator, EditPictureReq};
use chatenium_core::uploads::CancelUpload;
use tauri::State;

use crate::dto::gallery::{GalleryFeed, GalleryPage, GalleryPicture};
use crate::error::CommandResult;
use crate::state::AppState;

/// Opens a feed: its first `page_size` pictures; the rest come by `load_more_gallery`, every
/// change as `GalleryFeedChanged`.
#[tauri::command]
#[specta::specta]
pub async fn open_gallery_feed(
    state: State<'_, AppState>,
    feed: GalleryFeed,
    page_size: u32,
) -> CommandResult<GalleryPage> {
    let client = state.client().await?;
    let key = chatenium_core::gallery::GalleryFeedKey::from(feed);
    let pictures = client
        .open_gallery_feed(key.clone(), page_size as usize)
        .await?;
    Ok(GalleryPage {
        pictures: pictures.into_iter().map(GalleryPicture::from).collect(),
        has_more: client.gallery_has_more(&key),
    })
}

/// Shows the next page of an open feed (as an `append` diff); false when there was none.
#[tauri::command]
#[specta::specta]
pub async fn load_more_gallery(
    state: State<'_, AppState>,
    feed: GalleryFeed,
) -> CommandResult<bool> {
    Ok(state.client().await?.load_more_gallery(&feed.into()))
}

#[tauri::command]
#[specta::specta]
pub async fn close_gallery_feed(
    state: State<'_, AppState>,
    feed: GalleryFeed,
) -> CommandResult<()> {
    state.client().await?.close_gallery_feed(&feed.into());
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn like_picture(
    state: State<'_, AppState>,
    picture_id: String,
    like: bool,
) -> CommandResult<GalleryPicture> {
    let client = state.client().await?;
    Ok(client.like_picture(&picture_id, like).await?.into())
}

/// Edits one's own picture: title, description, or (`moveToAlbum`) its album.
#[tauri::command]
#[specta::specta]
pub async fn edit_picture(
    state: State<'_, AppState>,
    edit: EditPictureReq,
) -> CommandResult<GalleryPicture> {
    Ok(state.client().await?.edit_picture(edit).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn delete_picture(state: State<'_, AppState>, picture_id: String) -> CommandResult<()> {
    Ok(state.client().await?.delete_picture(&picture_id).await?)
}

/// A picture's comments, oldest first; changes arrive as `GalleryCommentsChanged`.
#[tauri::command]
#[specta::specta]
pub async fn open_comments(
    state: State<'_, AppState>,
    picture_id: String,
) -> CommandResult<Vec<Comment>> {
    Ok(state.client().await?.open_comments(&picture_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn close_comments(state: State<'_, AppState>, picture_id: String) -> CommandResult<()> {
    state.client().await?.close_comments(&picture_id);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn post_comment(
    state: State<'_, AppState>,
    picture_id: String,
    content: String,
) -> CommandResult<Comment> {
    let client = state.client().await?;
    Ok(client.post_comment(&picture_id, &content).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_comment(
    state: State<'_, AppState>,
    comment_id: String,
    content: String,
) -> CommandResult<Comment> {
    let client = state.client().await?;
    Ok(client.edit_comment(&comment_id, &content).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_comment(
    state: State<'_, AppState>,
    picture_id: String,
    comment_id: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client.delete_comment(&picture_id, &comment_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn creator(state: State<'_, AppState>, userid: String) -> CommandResult<Creator> {
    Ok(state.client().await?.creator(&userid).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn follow_creator(
    state: State<'_, AppState>,
    userid: String,
    follow: bool,
) -> CommandResult<Creator> {
    Ok(state
        .client()
        .await?
        .follow_creator(&userid, follow)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_discovery_participation(
    state: State<'_, AppState>,
    participate: bool,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client.set_discovery_participation(participate).await?)
}

/// A creator's albums, newest first; changes arrive as `GalleryAlbumsChanged`.
#[tauri::command]
#[specta::specta]
pub async fn open_albums(state: State<'_, AppState>, userid: String) -> CommandResult<Vec<Album>> {
    Ok(state.client().await?.open_albums(&userid).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn close_albums(state: State<'_, AppState>, userid: String) -> CommandResult<()> {
    state.client().await?.close_albums(&userid);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn create_album(
    state: State<'_, AppState>,
    name: String,
    description: Option<String>,
) -> CommandResult<Album> {
    Ok(state
        .client()
        .await?
        .create_album(&name, description)
        .await?)
}

/// Renames an album, changes its description and/or chooses its cover, one of its pictures
/// (`null` keeps a field).
#[tauri::command]
#[specta::specta]
pub async fn edit_album(
    state: State<'_, AppState>,
    album_id: String,
    name: Option<String>,
    description: Option<String>,
    cover_picture_id: Option<String>,
) -> CommandResult<Album> {
    let client = state.client().await?;
    Ok(client
        .edit_album(&album_id, name, description, cover_picture_id)
        .await?)
}

/// Deletes an album; its pictures stay, in no album.
#[tauri::command]
#[specta::specta]
pub async fn delete_album(state: State<'_, AppState>, album_id: String) -> CommandResult<()> {
    Ok(state.client().await?.delete_album(&album_id).await?)
}

/// The picture uploads running now, by staged id, so that one can be cancelled.
#[derive(Default)]
pub struct PictureUploads(Mutex<HashMap<String, CancelUpload>>);

impl PictureUploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancelUpload>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Uploads a staged image (picked, dropped or pasted; see `staging.rs`) as a picture, into
/// `album_id` or none. Progress arrives as `UploadProgressed` with the staged id as its id.
#[tauri::command]
#[specta::specta]
pub async fn upload_picture(
    state: State<'_, AppState>,
    uploads: State<'_, PictureUploads>,
    stage_id: String,
    album_id: Option<String>,
) -> CommandResult<GalleryPicture> {
    // Signed in first: a staged file taken over by `finish` is this command's to remove.
    let client = state.client().await?;
    let path = state.staged.finish(&stage_id)?;
    let cancel = CancelUpload::new();
    uploads.lock().insert(stage_id.clone(), cancel.clone());
    let uploaded = client
        .upload_picture(&path, album_id, &stage_id, &cancel)
        .await;
    uploads.lock().remove(&stage_id);
    state.staged.remove(&path);
    Ok(uploaded?.into())
}

/// Stops a running picture upload (its last `UploadProgressed` says `cancelled`).
#[tauri::command]
#[specta::specta]
pub fn cancel_picture_upload(uploads: State<'_, PictureUploads>, stage_id: String) {
    if let Some(cancel) = uploads.lock().get(&stage_id) {
        cancel.cancel();
    }
}
