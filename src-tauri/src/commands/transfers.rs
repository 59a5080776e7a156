//! Peer-to-peer file transfers: send a staged file to a contact, answer an offer, call one
//! off, show a received file in its folder. Changes arrive as `TransferChanged`.

use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Offers a staged file to the contact `userid`, straight over WebRTC; answers the transfer's
/// id. The staged copy stays until the transfer ends.
#[tauri::command]
#[specta::specta]
pub async fn send_file_directly(
    state: State<'_, AppState>,
    userid: String,
    stage_id: String,
) -> CommandResult<String> {
    // Signed in first: a staged file taken over by `finish` is this command's to remove.
    let client = state.client().await?;
    let path = state.staged.finish(&stage_id)?;
    let sent = client.send_file(&userid, &path).await;
    match sent {
        Ok(transfer_id) => {
            state.staged.hold_for_transfer(&transfer_id, path);
            Ok(transfer_id)
        }
        Err(error) => {
            state.staged.remove(&path);
            Err(error.into())
        }
    }
}

/// Accepts an offered file into the download folder (the `downloadFolder` setting, else the
/// system's). Refused, and still offered, when the folder lacks the space.
#[tauri::command]
#[specta::specta]
pub async fn accept_transfer(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    transfer_id: String,
) -> CommandResult<()> {
    use tauri::Manager;
    let folder = crate::downloads::folder(&state.config_dir, app.path().download_dir().ok());
    std::fs::create_dir_all(&folder).map_err(|e| CommandError::Local {
        detail: format!("{}: {e}", folder.display()),
    })?;
    Ok(state
        .client()
        .await?
        .accept_transfer(&transfer_id, &folder)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn decline_transfer(
    state: State<'_, AppState>,
    transfer_id: String,
) -> CommandResult<()> {
    Ok(state.client().await?.decline_transfer(&transfer_id).await?)
}

/// Calls a transfer off, on either side.
#[tauri::command]
#[specta::specta]
pub async fn cancel_transfer(state: State<'_, AppState>, transfer_id: String) -> CommandResult<()> {
    state.client().await?.cancel_transfer(&transfer_id);
    Ok(())
}

/// Opens the system's file manager at a received file. Only files this app received can be
/// shown, by their transfer's id: the window never names a path.
#[tauri::command]
#[specta::specta]
pub fn show_received_file(state: State<'_, AppState>, transfer_id: String) -> CommandResult<()> {
    let path = state
        .received(&transfer_id)
        .ok_or_else(|| CommandError::Local {
            detail: format!("no received file for transfer {transfer_id}"),
        })?;
    crate::downloads::reveal(&path).map_err(|e| CommandError::Local {
        detail: e.to_string(),
    })
}
