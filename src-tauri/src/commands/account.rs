//! The account screen: names, addresses, picture, sessions, deletion.

use chatenium_api::schemas::account::SessionV3;
use chatenium_api::schemas::common::PublicUserData;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn change_username(
    state: State<'_, AppState>,
    username: String,
) -> CommandResult<PublicUserData> {
    let user = state.client().await?.change_username(&username).await?;
    remember(&state, user).await
}

#[tauri::command]
#[specta::specta]
pub async fn change_display_name(
    state: State<'_, AppState>,
    display_name: String,
) -> CommandResult<PublicUserData> {
    let user = state
        .client()
        .await?
        .change_display_name(&display_name)
        .await?;
    remember(&state, user).await
}

#[tauri::command]
#[specta::specta]
pub async fn change_email(
    state: State<'_, AppState>,
    email: String,
    challenge_id: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client.change_email(&email, &challenge_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn change_phone(
    state: State<'_, AppState>,
    phone: String,
    challenge_id: String,
) -> CommandResult<()> {
    let client = state.client().await?;
    Ok(client.change_phone(&phone, &challenge_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn change_profile_picture(
    state: State<'_, AppState>,
    name: String,
    bytes: Vec<u8>,
) -> CommandResult<PublicUserData> {
    let client = state.client().await?;
    let user = client.change_profile_picture(&name, bytes).await?;
    drop(client);
    remember(&state, user).await
}

#[tauri::command]
#[specta::specta]
pub async fn sessions(state: State<'_, AppState>) -> CommandResult<Vec<SessionV3>> {
    Ok(state.client().await?.sessions().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn log_out_session(state: State<'_, AppState>, session_id: String) -> CommandResult<()> {
    Ok(state.client().await?.log_out_session(&session_id).await?)
}

/// Deletes the account (proved by the password or a completed `deleteAccount` challenge),
/// then signs out here and removes its cache.
#[tauri::command]
#[specta::specta]
pub async fn delete_account(
    state: State<'_, AppState>,
    password: Option<String>,
    challenge_id: Option<String>,
) -> CommandResult<()> {
    state
        .client()
        .await?
        .delete_account(password, challenge_id)
        .await?;
    let Some(signed_in) = state.signed_in.write().await.take() else {
        return Ok(());
    };
    Ok(state.device.sign_out(signed_in.client, true).await?)
}

/// Opens the system's file manager at the app's log folder, for a user who wants to send it.
#[tauri::command]
#[specta::specta]
pub fn open_log_folder(state: State<'_, AppState>) -> CommandResult<()> {
    crate::logs::open_folder(&state.log_dir).map_err(|e| CommandError::Local {
        detail: e.to_string(),
    })
}

/// Keeps the shell's and the device's copy of the profile current.
async fn remember(state: &AppState, user: PublicUserData) -> CommandResult<PublicUserData> {
    let mut signed_in = state.signed_in.write().await;
    let current = signed_in.as_mut().ok_or(CommandError::SignedOut)?;
    current.user = user.clone();
    state.device.update_profile(&current.client, user.clone())?;
    Ok(user)
}
