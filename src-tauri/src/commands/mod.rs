//! Tauri commands. Each one is a translation between the UI and the core and nothing more;
//! every command is listed once, in `bindings::builder`, which feeds both Tauri and the
//! generated TypeScript. Grouped as the UI's screens are: sign-in, chats, account.

pub mod account;
pub mod auth;
pub mod calls;
pub mod cascades;
pub mod chats;
pub mod desktop;
pub mod forwarding;
pub mod gallery;
pub mod oauth;
pub mod search;
pub mod staging;
pub mod threads;
pub mod transfers;

use serde::Serialize;
use tauri::State;

use crate::dto::{Connection, ConnectionStatus};
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// What the UI shows about the running app.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// How many operations the compiled-in API contract describes.
    pub endpoint_count: u32,
    /// The REST base of the server in use; `null` for the embedded local server.
    pub server_url: Option<String>,
    /// Where the server in use listens, the embedded one included.
    pub active_server_url: String,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let url = state.device.server_url().to_owned();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        endpoint_count: u32::try_from(chatenium_api::ENDPOINTS.len()).unwrap_or(u32::MAX),
        server_url: (!state.embedded).then(|| url.clone()),
        active_server_url: url,
    }
}

/// Where the engine's start is; the window reads it once after listening to
/// `EngineStateChanged` (startup.rs).
#[tauri::command]
#[specta::specta]
pub fn engine_state(startup: State<'_, crate::startup::Startup>) -> crate::startup::EngineState {
    startup.state()
}

/// The connection now, with the catching up under way; changes arrive as `ConnectionChanged`
/// and `CatchingUp`. Offline when no one is signed in.
#[tauri::command]
#[specta::specta]
pub async fn connection_status(state: State<'_, AppState>) -> CommandResult<ConnectionStatus> {
    let signed_in = state.signed_in.read().await;
    Ok(match signed_in.as_ref() {
        Some(signed_in) => ConnectionStatus {
            state: (*signed_in.client.connection().borrow()).into(),
            catching_up: signed_in.client.catch_up_progress().map(Into::into),
        },
        None => ConnectionStatus {
            state: Connection::Offline,
            catching_up: None,
        },
    })
}

/// The UI's language: sent with sign-ins and registrations, and used by the tray's menu and the
/// notifications.
#[tauri::command]
#[specta::specta]
pub fn set_language(app: tauri::AppHandle, state: State<'_, AppState>, language: String) {
    *state.language.lock().unwrap_or_else(|p| p.into_inner()) = language;
    crate::tray::refresh(&app);
}

/// Saves which server to use from the next start: a URL, or `null` for the built-in one.
#[tauri::command]
#[specta::specta]
pub fn set_server_url(state: State<'_, AppState>, url: Option<String>) -> CommandResult<()> {
    // The other settings stay as they are.
    let mut settings = crate::server::Settings::load(&state.config_dir);
    settings.server_url = url.filter(|u| !u.trim().is_empty());
    settings
        .save(&state.config_dir)
        .map_err(|e| CommandError::Local {
            detail: e.to_string(),
        })
}
