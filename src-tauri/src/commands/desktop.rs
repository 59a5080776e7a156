//! The desktop settings (close to the tray, start with the system, Do Not Disturb) and the
//! end-to-end tests' hook into the tray menu.

use crate::desktop_settings::DesktopSettings;
use crate::error::{CommandError, CommandResult};

/// The environment variable that lets the window drive the tray's menu
/// ([`use_tray_menu_item`]). Only the end-to-end tests set it: under Xvfb there is no tray to
/// click.
pub const TEST_HOOKS_ENV: &str = "CHATENIUM_TEST_HOOKS";

#[tauri::command]
#[specta::specta]
pub fn desktop_settings(app: tauri::AppHandle) -> DesktopSettings {
    crate::desktop_settings::current(&app)
}

/// Saves the settings and applies them (the autostart entry, the tray's menu); answers them as
/// they now are.
#[tauri::command]
#[specta::specta]
pub fn set_desktop_settings(
    app: tauri::AppHandle,
    settings: DesktopSettings,
) -> CommandResult<DesktopSettings> {
    let applied = crate::desktop_settings::apply(&app, settings)
        .map_err(|detail| CommandError::Local { detail })?;
    crate::tray::refresh(&app);
    Ok(applied)
}

/// Where the app writes its log (for the About dialog).
#[tauri::command]
#[specta::specta]
pub fn log_folder(state: tauri::State<'_, crate::state::AppState>) -> String {
    state.log_dir.display().to_string()
}

/// Chooses a tray menu item (`open`, `do-not-disturb`, `quit`) through the same handler as a
/// click on it. Refused unless the app was started with `CHATENIUM_TEST_HOOKS=1`.
#[tauri::command]
#[specta::specta]
pub fn use_tray_menu_item(app: tauri::AppHandle, id: String) -> CommandResult<()> {
    if std::env::var(TEST_HOOKS_ENV).as_deref() != Ok("1") {
        return Err(CommandError::Local {
            detail: format!("{TEST_HOOKS_ENV} is not set"),
        });
    }
    crate::tray::activate(&app, &id);
    Ok(())
}
