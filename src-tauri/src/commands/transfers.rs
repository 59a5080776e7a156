//! Peer-to-peer file transfers: send files chosen in the native dialog (read where they are),
//! or a staged file (data without a path), to a contact; answer an offer, call one off, show a
//! received file in its folder. Changes arrive as `TransferChanged`.

use std::path::PathBuf;

use tauri::State;
use tauri_plugin_dialog::DialogExt;

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

/// A test seam, never set in use: when this environment variable names files (a path, or
/// several joined as `PATH` joins them), [`send_chosen_files`] takes them instead of opening
/// the native dialog, which a WebDriver test cannot click. It names files on the machine the
/// app runs on, as the user's own choice in the dialog would; the window still names none.
pub const TEST_DIALOG_PICK: &str = "CHATENIUM_TEST_DIALOG_PICK";

/// Lets the user choose files in the system's file dialog and offers each to the contact
/// `userid`, read from where it is (no copy, whatever its size). Answers the transfers' ids;
/// none when the user closed the dialog. The window never sees the paths.
#[tauri::command]
#[specta::specta]
pub async fn send_chosen_files(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    userid: String,
) -> CommandResult<Vec<String>> {
    let client = state.client().await?;
    let paths = match std::env::var_os(TEST_DIALOG_PICK) {
        Some(named) => std::env::split_paths(&named).collect(),
        None => choose_files(&app).await,
    };
    let mut transfer_ids = Vec::with_capacity(paths.len());
    for path in paths {
        transfer_ids.push(client.send_file(&userid, &path).await?);
    }
    Ok(transfer_ids)
}

/// The files the user chose in the native dialog; none when it was closed.
async fn choose_files(app: &tauri::AppHandle) -> Vec<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_files(move |chosen| {
        let _ = tx.send(chosen.unwrap_or_default());
    });
    rx.await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|file| file.into_path().ok())
        .collect()
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
