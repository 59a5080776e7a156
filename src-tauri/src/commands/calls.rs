//! 1:1 voice and video calls: ring a direct chat's partner, answer, decline, hang up, mute,
//! camera, devices, and the window's video channel. The core runs the call (state machine,
//! media, devices); these only translate. The shell's own part is `crate::calls`.

use chatenium_core::calls::available_devices;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::calls::{accept, call_error, use_app_devices, CallMedia, CallVideoPacket};
use crate::dto::call::{CallDeviceChoice, CallDevices, CallInfo};
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Rings the partner of the direct chat `chatid`, with the camera on if `video`.
#[tauri::command]
#[specta::specta]
pub async fn start_call(
    app: AppHandle,
    state: State<'_, AppState>,
    chatid: String,
    video: bool,
) -> CommandResult<()> {
    let client = state.client().await?;
    use_app_devices(&app, &client);
    client.start_call(&chatid, video).await.map_err(call_error)
}

/// Answers the call ringing here, with the camera on if `video`.
#[tauri::command]
#[specta::specta]
pub async fn accept_call(
    app: AppHandle,
    state: State<'_, AppState>,
    video: bool,
) -> CommandResult<()> {
    accept(&app, &state, video).await
}

#[tauri::command]
#[specta::specta]
pub async fn decline_call(state: State<'_, AppState>) -> CommandResult<()> {
    state
        .client()
        .await?
        .decline_call()
        .await
        .map_err(call_error)
}

/// Ends the call in any stage (cancels our ring, declines theirs, hangs up).
#[tauri::command]
#[specta::specta]
pub async fn hang_up(state: State<'_, AppState>) -> CommandResult<()> {
    state.client().await?.hang_up().await.map_err(call_error)
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_muted(state: State<'_, AppState>, muted: bool) -> CommandResult<()> {
    state
        .client()
        .await?
        .set_call_muted(muted)
        .map_err(call_error)
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_camera(state: State<'_, AppState>, on: bool) -> CommandResult<()> {
    let client = state.client().await?;
    // Opening a camera blocks.
    tokio::task::block_in_place(|| client.set_call_camera(on)).map_err(call_error)
}

/// The call now, if any (for a window that starts listening late).
#[tauri::command]
#[specta::specta]
pub async fn current_call(state: State<'_, AppState>) -> CommandResult<Option<CallInfo>> {
    Ok(state.client().await?.current_call().map(CallInfo::from))
}

/// The microphones, speakers and cameras to pick from, and what is picked.
#[tauri::command]
#[specta::specta]
pub async fn call_devices(media: State<'_, CallMedia>) -> CommandResult<CallDevices> {
    let available = tokio::task::spawn_blocking(available_devices)
        .await
        .map_err(|error| CommandError::Local {
            detail: error.to_string(),
        })?;
    Ok(CallDevices::new(available, media.choice()))
}

/// Picks devices: mid-call they switch at once, else from the next call on.
#[tauri::command]
#[specta::specta]
pub async fn choose_call_devices(
    app: AppHandle,
    state: State<'_, AppState>,
    media: State<'_, CallMedia>,
    choice: CallDeviceChoice,
) -> CommandResult<()> {
    media.set_choice(choice.clone());
    let client = state.client().await?;
    use_app_devices(&app, &client);
    tokio::task::block_in_place(|| client.switch_call_devices(choice.into())).map_err(call_error)
}

/// Sends the call's encoded video (the partner's and the preview) to `channel` from now on,
/// starting with keyframes both ways.
#[tauri::command]
#[specta::specta]
pub async fn watch_call_video(
    state: State<'_, AppState>,
    media: State<'_, CallMedia>,
    channel: Channel<CallVideoPacket>,
) -> CommandResult<()> {
    media.set_window(channel);
    if let Ok(client) = state.client().await {
        client.request_call_keyframes().await;
    }
    Ok(())
}
