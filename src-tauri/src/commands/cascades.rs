//! The cascades screens: the list, creating, discovering and joining (public or by invite),
//! leaving or deleting, renaming, visibility, members (kick, ban, unban) and the thread tree.
//! Each command hands its arguments to the signed-in `chatenium_core::Client`.

use chatenium_api::schemas::cascade::{Ban, Cascade, CreateCascadeReq, DiscoveryCascade};
use chatenium_api::schemas::thread::Thread;
use chatenium_core::cascade_actions::Removal;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The cached cascades the user belongs to; changes arrive as `CascadeListChanged`.
#[tauri::command]
#[specta::specta]
pub async fn cascade_list(state: State<'_, AppState>) -> CommandResult<Vec<Cascade>> {
    Ok(state.client().await?.cascades().await?)
}

/// A picture for a new cascade: its file name and bytes.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
pub struct CascadePicture {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[tauri::command]
#[specta::specta]
pub async fn create_cascade(
    state: State<'_, AppState>,
    name: String,
    is_public: bool,
    picture: Option<CascadePicture>,
) -> CommandResult<Cascade> {
    let client = state.client().await?;
    let picture_file_id = match picture {
        Some(picture) => Some(
            client
                .upload_cascade_picture(&picture.name, picture.bytes)
                .await?,
        ),
        None => None,
    };
    let request = CreateCascadeReq {
        name,
        public: is_public,
        picture_file_id,
        invite_max_uses: None,
        invite_expires_in_secs: None,
    };
    Ok(client.create_cascade(&request).await?)
}

/// Public cascades with their insights, a page at a time.
#[tauri::command]
#[specta::specta]
pub async fn discover_cascades(
    state: State<'_, AppState>,
    from: Option<u32>,
    limit: Option<u32>,
) -> CommandResult<Vec<DiscoveryCascade>> {
    Ok(state.client().await?.discover_cascades(from, limit).await?)
}

/// What an invite leads to, before joining.
#[tauri::command]
#[specta::specta]
pub async fn cascade_from_invite(
    state: State<'_, AppState>,
    code: String,
) -> CommandResult<DiscoveryCascade> {
    Ok(state.client().await?.cascade_from_invite(&code).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn join_cascade_from_invite(
    state: State<'_, AppState>,
    code: String,
) -> CommandResult<Cascade> {
    Ok(state
        .client()
        .await?
        .join_cascade_from_invite(&code)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn join_public_cascade(
    state: State<'_, AppState>,
    cascade_id: String,
) -> CommandResult<Cascade> {
    Ok(state
        .client()
        .await?
        .join_public_cascade(&cascade_id)
        .await?)
}

/// The cascades muted on this device.
#[tauri::command]
#[specta::specta]
pub async fn muted_cascades(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    Ok(state.client().await?.muted_cascades().await?)
}

/// Mutes a cascade on this device: no notifications for its threads, unread still counted.
#[tauri::command]
#[specta::specta]
pub async fn set_cascade_muted(
    state: State<'_, AppState>,
    cascade_id: String,
    muted: bool,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .set_cascade_muted(&cascade_id, muted)
        .await?)
}

/// Leaves a cascade; its owner deletes it for everyone.
#[tauri::command]
#[specta::specta]
pub async fn leave_cascade(state: State<'_, AppState>, cascade_id: String) -> CommandResult<()> {
    Ok(state.client().await?.leave_cascade(&cascade_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_cascade(
    state: State<'_, AppState>,
    cascade_id: String,
    name: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .rename_cascade(&cascade_id, &name)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_cascade_public(
    state: State<'_, AppState>,
    cascade_id: String,
    is_public: bool,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .set_cascade_public(&cascade_id, is_public)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn kick_member(
    state: State<'_, AppState>,
    cascade_id: String,
    userid: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .remove_member(&cascade_id, &userid, Removal::Kick, None)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn ban_member(
    state: State<'_, AppState>,
    cascade_id: String,
    userid: String,
    reason: Option<String>,
) -> CommandResult<()> {
    let reason = reason.filter(|r| !r.trim().is_empty());
    Ok(state
        .client()
        .await?
        .remove_member(&cascade_id, &userid, Removal::Ban, reason)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cascade_bans(
    state: State<'_, AppState>,
    cascade_id: String,
) -> CommandResult<Vec<Ban>> {
    Ok(state.client().await?.cascade_bans(&cascade_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn unban_member(
    state: State<'_, AppState>,
    cascade_id: String,
    userid: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .unban_member(&cascade_id, &userid)
        .await?)
}

/// The threads of a cascade under `parent_id` (`null`: the root threads); changes arrive as
/// `ThreadsChanged`.
#[tauri::command]
#[specta::specta]
pub async fn threads(
    state: State<'_, AppState>,
    cascade_id: String,
    parent_id: Option<String>,
) -> CommandResult<Vec<Thread>> {
    Ok(state
        .client()
        .await?
        .threads(&cascade_id, parent_id.as_deref())
        .await?)
}

/// Starts a thread, or a subthread under `parent_id`.
#[tauri::command]
#[specta::specta]
pub async fn create_thread(
    state: State<'_, AppState>,
    cascade_id: String,
    parent_id: Option<String>,
    name: String,
    description: Option<String>,
) -> CommandResult<Thread> {
    Ok(state
        .client()
        .await?
        .create_thread(&cascade_id, parent_id.as_deref(), &name, description)
        .await?)
}

/// Renames a thread or changes its description (`null` leaves a field as it is).
#[tauri::command]
#[specta::specta]
pub async fn update_thread(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    name: Option<String>,
    description: Option<String>,
) -> CommandResult<Thread> {
    Ok(state
        .client()
        .await?
        .update_thread(&cascade_id, &thread_id, name, description)
        .await?)
}

/// Closes a thread and its subthreads.
#[tauri::command]
#[specta::specta]
pub async fn close_thread(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .close_thread(&cascade_id, &thread_id)
        .await?)
}

/// The invite code of the link the app was started with (once; later ones arrive as
/// `InviteOpened`).
#[tauri::command]
#[specta::specta]
pub fn take_opened_invite(state: State<'_, AppState>) -> Option<String> {
    state
        .opened_invite
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
}
