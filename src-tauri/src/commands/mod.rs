//! Tauri commands. Each one is a translation between the UI and the Rust side and nothing more;
//! every command is listed once, in `bindings::builder`, which feeds both Tauri and the
//! generated TypeScript.

use serde::Serialize;

use chatenium_core::config::ServerTarget;

/// What the UI shows about the running app.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// How many operations the compiled-in API contract describes.
    pub endpoint_count: u32,
    /// The REST base of the server in use; `null` for the embedded local server.
    pub server_url: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(server: tauri::State<'_, ServerTarget>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        endpoint_count: u32::try_from(chatenium_api::ENDPOINTS.len()).unwrap_or(u32::MAX),
        server_url: server.remote_url().map(str::to_owned),
    }
}
