//! The main window: brought forward by the tray, a notification click, or a second start of
//! the app (single instance). Its size and place are remembered by the window-state plugin.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Manager, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// How long a resize or move must have settled before the geometry is written.
const SETTLE: Duration = Duration::from_millis(500);

pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// The plugin writes the geometry only when the app exits normally; an app ended by a logout, a
/// kill or a crash would forget it. So it is also written once a resize or move has settled.
pub fn save_geometry_when_settled(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let latest = Arc::new(AtomicU64::new(0));
    let app = app.clone();
    window.on_window_event(move |event| {
        if !matches!(event, WindowEvent::Resized(_) | WindowEvent::Moved(_)) {
            return;
        }
        let this = latest.fetch_add(1, Ordering::SeqCst) + 1;
        let (app, latest) = (app.clone(), Arc::clone(&latest));
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(SETTLE).await;
            // Only the last change of a drag writes.
            if latest.load(Ordering::SeqCst) == this {
                if let Err(error) = app.save_window_state(StateFlags::all()) {
                    tracing::warn!(%error, "window geometry not saved");
                }
            }
        });
    });
}
