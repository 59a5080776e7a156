//! The chat list and the DM view: contacts, timelines, sending and changing messages,
//! attachments. Each command hands its arguments to the signed-in `chatenium_core::Client`.

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{Attachment, PinnedMessage};
use chatenium_core::attention::Conversation;
use tauri::State;

use crate::dto::TimelineEntry;
use crate::error::CommandResult;
use crate::state::AppState;

/// The cached chat list, newest activity first; changes arrive as `ChatListChanged`.
#[tauri::command]
#[specta::specta]
pub async fn chat_list(state: State<'_, AppState>) -> CommandResult<Vec<Contact>> {
    Ok(state.client().await?.chat_list().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_contact(state: State<'_, AppState>, identity: String) -> CommandResult<Contact> {
    Ok(state.client().await?.add_contact(&identity).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_contact(state: State<'_, AppState>, chatid: String) -> CommandResult<()> {
    Ok(state.client().await?.delete_contact(&chatid).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_muted(
    state: State<'_, AppState>,
    chatid: String,
    muted: bool,
) -> CommandResult<()> {
    Ok(state.client().await?.set_muted(&chatid, muted).await?)
}

/// Opens a chat: the snapshot to render now; changes arrive as `TimelineChanged`.
#[tauri::command]
#[specta::specta]
pub async fn open_chat(
    state: State<'_, AppState>,
    chatid: String,
) -> CommandResult<Vec<TimelineEntry>> {
    let items = state.client().await?.open_timeline(&chatid).await?;
    state.show(Conversation::chat(chatid));
    Ok(items.into_iter().map(TimelineEntry::from).collect())
}

#[tauri::command]
#[specta::specta]
pub async fn close_chat(state: State<'_, AppState>, chatid: String) -> CommandResult<()> {
    state.client().await?.close_timeline(&chatid);
    state.hide(&Conversation::chat(chatid));
    Ok(())
}

/// Marks the chat read; its unread count follows as a chat list diff.
#[tauri::command]
#[specta::specta]
pub async fn mark_read(state: State<'_, AppState>, chatid: String) -> CommandResult<()> {
    Ok(state.client().await?.mark_read(&chatid).await?)
}

/// Loads the page before the oldest shown message; answers how many arrived (0: the start).
#[tauri::command]
#[specta::specta]
pub async fn load_older(state: State<'_, AppState>, chatid: String) -> CommandResult<u32> {
    let count = state.client().await?.load_older(&chatid).await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

#[tauri::command]
#[specta::specta]
pub async fn jump_to_message(
    state: State<'_, AppState>,
    chatid: String,
    msgid: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .jump_to_message(&chatid, &msgid)
        .await?)
}

/// After a jump far back, loads the next newer page; answers how many arrived (0: the
/// timeline is at the newest messages again and follows live ones).
#[tauri::command]
#[specta::specta]
pub async fn load_newer(state: State<'_, AppState>, chatid: String) -> CommandResult<u32> {
    let count = state.client().await?.load_newer(&chatid).await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Queues a message (shown at once as a pending echo); answers its client key.
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    chatid: String,
    text: String,
    reply_to_id: Option<String>,
    file_ids: Vec<String>,
) -> CommandResult<String> {
    let client = state.client().await?;
    Ok(client
        .send_message(&chatid, &text, reply_to_id, file_ids)
        .await?)
}

/// Queues a message the server refused again (a pending echo's "retry").
#[tauri::command]
#[specta::specta]
pub async fn retry_send(
    state: State<'_, AppState>,
    chatid: String,
    client_key: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .retry_send(&chatid, &client_key)
        .await?)
}

/// Gives up on a message the server refused.
#[tauri::command]
#[specta::specta]
pub async fn discard_send(
    state: State<'_, AppState>,
    chatid: String,
    client_key: String,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .discard_send(&chatid, &client_key)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_message(
    state: State<'_, AppState>,
    chatid: String,
    msgid: String,
    text: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client.edit_message(&chatid, &msgid, &text).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_messages(
    state: State<'_, AppState>,
    chatid: String,
    msgids: Vec<String>,
) -> CommandResult<()> {
    Ok(state
        .client()
        .await?
        .delete_messages(&chatid, msgids)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_pinned(
    state: State<'_, AppState>,
    chatid: String,
    msgid: String,
    pinned: bool,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client.set_pinned(&chatid, &msgid, pinned).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn pinned_messages(
    state: State<'_, AppState>,
    chatid: String,
) -> CommandResult<Vec<PinnedMessage>> {
    Ok(state.client().await?.pinned_messages(&chatid).await?)
}

/// Uploads a staged file (picked, dropped or pasted; see `staging.rs`) as an attachment;
/// progress arrives as `UploadProgressed`.
#[tauri::command]
#[specta::specta]
pub async fn upload_attachment(
    state: State<'_, AppState>,
    stage_id: String,
) -> CommandResult<Attachment> {
    // Signed in first: a staged file taken over by `finish` is this command's to remove.
    let client = state.client().await?;
    let path = state.staged.finish(&stage_id)?;
    let cancel = chatenium_core::uploads::CancelUpload::new();
    let uploaded = client.upload_file(&path, &cancel).await;
    // A finished or refused upload no longer needs its copy; one cut off by the network keeps
    // it while the app runs (the core resumes multipart uploads from their file).
    if !matches!(uploaded, Err(chatenium_core::ClientError::Network(_))) {
        state.staged.remove(&path);
    }
    Ok(uploaded?)
}
