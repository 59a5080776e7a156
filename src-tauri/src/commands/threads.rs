//! A thread's timeline, as `chats.rs` is a direct chat's: open and page, jump, send (queued and
//! echoed), retry or discard, edit, delete several, pin and the pinned list. Rows arrive in the
//! same `TimelineEntry` shape as a chat's (see `dto::TimelineEntry::from_thread`).

use chatenium_core::attention::Conversation;
use tauri::State;

use crate::dto::TimelineEntry;
use crate::error::CommandResult;
use crate::state::AppState;

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Opens a thread: the snapshot to render now; changes arrive as `ThreadTimelineChanged`.
/// Shown in the focused window, its unread count goes.
#[tauri::command]
#[specta::specta]
pub async fn open_thread(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
) -> CommandResult<Vec<TimelineEntry>> {
    let items = state
        .client()
        .await?
        .open_thread(&cascade_id, &thread_id)
        .await?;
    state.show(Conversation::thread(cascade_id, thread_id));
    Ok(items.into_iter().map(TimelineEntry::from_thread).collect())
}

#[tauri::command]
#[specta::specta]
pub async fn close_thread_timeline(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
) -> CommandResult<()> {
    state
        .client()
        .await?
        .close_thread_timeline(&cascade_id, &thread_id);
    state.hide(&Conversation::thread(cascade_id, thread_id));
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn load_older_in_thread(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
) -> CommandResult<u32> {
    let client = state.client().await?;
    Ok(count(
        client.load_older_in_thread(&cascade_id, &thread_id).await?,
    ))
}

#[tauri::command]
#[specta::specta]
pub async fn load_newer_in_thread(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
) -> CommandResult<u32> {
    let client = state.client().await?;
    Ok(count(
        client.load_newer_in_thread(&cascade_id, &thread_id).await?,
    ))
}

#[tauri::command]
#[specta::specta]
pub async fn jump_to_thread_message(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    msgid: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client
        .jump_to_thread_message(&cascade_id, &thread_id, &msgid)
        .await?)
}

/// Queues a message (shown at once as a pending echo); answers its client key.
#[tauri::command]
#[specta::specta]
pub async fn send_thread_message(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    text: String,
    reply_to_id: Option<String>,
    file_ids: Vec<String>,
) -> CommandResult<String> {
    let client = state.client().await?;
    Ok(client
        .send_thread_message(&cascade_id, &thread_id, &text, reply_to_id, file_ids)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn retry_thread_send(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    client_key: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client
        .retry_thread_send(&cascade_id, &thread_id, &client_key)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn discard_thread_send(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    client_key: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client
        .discard_thread_send(&cascade_id, &thread_id, &client_key)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_thread_message(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    msgid: String,
    text: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client
        .edit_thread_message(&cascade_id, &thread_id, &msgid, &text)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_thread_messages(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    msgids: Vec<String>,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client
        .delete_thread_messages(&cascade_id, &thread_id, msgids)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_thread_message_pinned(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
    msgid: String,
    pinned: bool,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client
        .set_thread_message_pinned(&cascade_id, &thread_id, &msgid, pinned)
        .await?)
}

/// The pinned messages of a thread, as timeline rows.
#[tauri::command]
#[specta::specta]
pub async fn pinned_thread_messages(
    state: State<'_, AppState>,
    cascade_id: String,
    thread_id: String,
) -> CommandResult<Vec<TimelineEntry>> {
    let client = state.client().await?;
    let pinned = client
        .pinned_thread_messages(&cascade_id, &thread_id)
        .await?;
    Ok(pinned
        .into_iter()
        .map(|message| {
            TimelineEntry::from_thread(chatenium_core::timeline::TimelineItem::Message { message })
        })
        .collect())
}

/// The unread counts now (threads' counts are the core's attention machine's); changes arrive
/// as `UnreadChanged`.
#[tauri::command]
#[specta::specta]
pub fn unread_counts(state: State<'_, AppState>) -> crate::dto::UnreadCounts {
    state.unread()
}
