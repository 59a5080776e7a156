//! How the app lives on the desktop: close to the tray, start with the system (hidden or not),
//! Do Not Disturb. Kept in `desktop.json` in the config folder, beside the server setting
//! (`server.rs`); starting with the system is the autostart plugin's own entry (on Linux a
//! `.desktop` file in `~/.config/autostart`), so the system, not this file, says whether it is on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt;

/// The argument the autostart entry starts the app with: such a start may stay in the tray.
pub const AUTOSTART_ARG: &str = "--autostarted";

/// What the Account screen and the tray menu change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default, rename_all = "camelCase")]
pub struct DesktopSettings {
    /// Closing the window hides it to the tray instead of quitting.
    pub close_to_tray: bool,
    /// The system starts the app when the user logs in.
    pub start_with_system: bool,
    /// Started by the system, the app stays in the tray (no window).
    pub start_hidden: bool,
    /// No notifications at all; the unread counts still count.
    pub do_not_disturb: bool,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self {
            close_to_tray: true,
            start_with_system: false,
            start_hidden: false,
            do_not_disturb: false,
        }
    }
}

/// The file's content: the settings and what the app told the user once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    settings: DesktopSettings,
    /// The first close to the tray was explained in a notification.
    #[serde(default)]
    told_about_tray: bool,
}

/// The settings while the app runs (managed by Tauri).
pub struct Desktop {
    path: PathBuf,
    stored: Mutex<Stored>,
}

impl Desktop {
    /// The saved settings; a missing or unreadable file means the defaults.
    pub fn load(config_dir: &Path) -> Self {
        let path = config_dir.join("desktop.json");
        let stored = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            stored: Mutex::new(stored),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stored> {
        self.stored.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn settings(&self) -> DesktopSettings {
        self.lock().settings.clone()
    }

    pub fn do_not_disturb(&self) -> bool {
        self.lock().settings.do_not_disturb
    }

    /// Replaces the settings and writes them.
    pub fn set(&self, settings: DesktopSettings) -> std::io::Result<()> {
        let mut stored = self.lock();
        stored.settings = settings;
        self.save(&stored)
    }

    /// True the first time only: the caller then explains where the window went.
    pub fn first_hide_to_tray(&self) -> bool {
        let mut stored = self.lock();
        if stored.told_about_tray {
            return false;
        }
        stored.told_about_tray = true;
        if let Err(error) = self.save(&stored) {
            tracing::warn!(%error, "desktop settings not saved");
        }
        true
    }

    /// Written atomically (temporary file, then rename), like every file the app keeps.
    fn save(&self, stored: &Stored) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(stored)?)?;
        std::fs::rename(temporary, &self.path)
    }
}

/// The settings as they are now, with the system's word on starting with it.
pub fn current(app: &AppHandle) -> DesktopSettings {
    let mut settings = app
        .try_state::<Desktop>()
        .map(|d| d.settings())
        .unwrap_or_default();
    settings.start_with_system = app.autolaunch().is_enabled().unwrap_or(false);
    settings
}

/// Whether notifications are off (Do Not Disturb).
pub fn do_not_disturb(app: &AppHandle) -> bool {
    app.try_state::<Desktop>()
        .is_some_and(|d| d.do_not_disturb())
}

/// The desktop settings changed (from the tray's menu or the Account screen).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct DesktopSettingsChanged {
    pub settings: DesktopSettings,
}

/// Saves `settings`, turns the system's autostart entry on or off to match and tells the window;
/// answers the settings as they now are. The caller relabels the tray (`tray::refresh`).
pub fn apply(app: &AppHandle, settings: DesktopSettings) -> Result<DesktopSettings, String> {
    let desktop = app
        .try_state::<Desktop>()
        .ok_or_else(|| "the desktop settings are not loaded".to_owned())?;
    desktop.set(settings.clone()).map_err(|e| e.to_string())?;
    let autolaunch = app.autolaunch();
    let autostart = if settings.start_with_system {
        autolaunch.enable()
    } else if autolaunch.is_enabled().unwrap_or(false) {
        autolaunch.disable()
    } else {
        Ok(())
    };
    autostart.map_err(|e| format!("start with the system: {e}"))?;
    let now = current(app);
    let changed = DesktopSettingsChanged {
        settings: now.clone(),
    };
    if let Err(error) = tauri_specta::Event::emit(&changed, app) {
        tracing::warn!(%error, "the window did not hear the desktop settings");
    }
    Ok(now)
}

/// Whether this start should stay in the tray: started by the system with "start hidden" on.
pub fn starts_hidden(app: &AppHandle, args: &[String]) -> bool {
    args.iter().any(|a| a == AUTOSTART_ARG)
        && app
            .try_state::<Desktop>()
            .is_some_and(|d| d.settings().start_hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_to_the_tray_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let desktop = Desktop::load(dir.path());
        assert_eq!(desktop.settings(), DesktopSettings::default());
        assert!(desktop.settings().close_to_tray);

        let changed = DesktopSettings {
            close_to_tray: false,
            start_with_system: true,
            start_hidden: true,
            do_not_disturb: true,
        };
        desktop.set(changed.clone()).unwrap();
        assert!(desktop.do_not_disturb());
        assert_eq!(Desktop::load(dir.path()).settings(), changed);
    }

    #[test]
    fn the_tray_is_explained_once_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Desktop::load(dir.path()).first_hide_to_tray());
        let again = Desktop::load(dir.path());
        assert!(!again.first_hide_to_tray());
        assert_eq!(again.settings(), DesktopSettings::default());
    }

    #[test]
    fn an_unreadable_file_means_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("desktop.json"), b"{ not json").unwrap();
        assert_eq!(
            Desktop::load(dir.path()).settings(),
            DesktopSettings::default()
        );
    }
}
