//! Native notifications (notify-rust: the desktop's notification daemon over D-Bus on Linux)
//! for a new message or an offered file. Which message deserves one is the core's decision
//! (`chatenium_core::attention`); this module only shows it and hands a click back to the
//! caller, who knows where it leads.

use chatenium_core::attention::Incoming;
use tauri::{AppHandle, Manager};

/// What a click on a notification does (bring the window forward, open the conversation).
pub type OnClick = Box<dyn FnOnce() + Send + 'static>;

/// A message the core decided to notify about: the sender and a preview of the text.
pub fn show_message(app: &AppHandle, incoming: &Incoming, on_click: OnClick) {
    notify(app, &incoming.sender, &incoming.preview, on_click);
}

/// A contact offers a file: the window lists it for an answer.
pub fn show_offer(app: &AppHandle, offer: &crate::dto::transfer::TransferEntry) {
    let from = offer.peer_name.as_deref().unwrap_or(&offer.peer);
    let hungarian = language(app) == "hu";
    let summary = if hungarian {
        format!("{from} fájlt küld")
    } else {
        format!("{from} sends you a file")
    };
    // The engine decides about messages (`attention`); an offer is the shell's own news.
    if !window_focused(app) && !crate::desktop_settings::do_not_disturb(app) {
        let shown = app.clone();
        notify(
            app,
            &summary,
            &offer.name,
            Box::new(move || crate::windows::show_main(&shown)),
        );
    }
}

/// The window was closed to the tray for the first time: say where the app went.
pub fn show_hidden_to_tray(app: &AppHandle) {
    let (summary, body) = if language(app) == "hu" {
        (
            "A Chatenium tovább fut",
            "A tálcán találod: onnan nyitható meg újra, vagy onnan léphetsz ki.",
        )
    } else {
        (
            "Chatenium is still running",
            "It is in the tray: open it again or quit from there.",
        )
    };
    let shown = app.clone();
    notify(
        app,
        summary,
        body,
        Box::new(move || crate::windows::show_main(&shown)),
    );
}

/// Whether the user is in the app already (the window has the input focus).
pub fn window_focused(app: &AppHandle) -> bool {
    app.get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false)
}

fn language(app: &AppHandle) -> String {
    app.try_state::<crate::state::AppState>()
        .map(|state| state.language())
        .unwrap_or_default()
}

/// Shows a notification; `on_click` runs when the user invokes it.
fn notify(app: &AppHandle, summary: &str, body: &str, on_click: OnClick) {
    let open = if language(app) == "hu" {
        "Megnyitás"
    } else {
        "Open"
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Chatenium")
        .summary(summary)
        .body(body)
        .action("default", open);
    // Showing and waiting for the click both block on D-Bus: off the async runtime.
    std::thread::spawn(move || match notification.show() {
        Ok(handle) => wait_for_click(handle, on_click),
        Err(error) => tracing::warn!(%error, "notification not shown"),
    });
}

#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(handle: notify_rust::NotificationHandle, on_click: OnClick) {
    let mut on_click = Some(on_click);
    handle.wait_for_action(|action| {
        if action == "default" {
            if let Some(on_click) = on_click.take() {
                on_click();
            }
        }
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_click(_handle: notify_rust::NotificationHandle, _on_click: OnClick) {
    // Other platforms bring the app forward themselves on a click.
}
