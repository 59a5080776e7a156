//! The main window: brought forward by the tray, a notification click, or a second start of
//! the app (single instance). Its size and place are remembered by the window-state plugin.

use tauri::{AppHandle, Manager};

pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
