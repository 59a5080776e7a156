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
    if !window_focused(app) {
        let shown = app.clone();
        notify(
            app,
            &summary,
            &offer.name,
            Box::new(move || crate::windows::show_main(&shown)),
        );
    }
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

/// A call rings: Accept and Decline on the notification (`on_answer(true)` for Accept),
/// a click brings the window forward, where the call rings too. Answers what takes the
/// notification away once the ring stops (answered, declined or ended anywhere); it also goes
/// by itself after a minute (the server's ring timeout is shorter).
pub fn show_incoming_call(
    app: &AppHandle,
    caller: &str,
    on_answer: Box<dyn FnOnce(bool) + Send>,
) -> Box<dyn FnOnce() + Send> {
    let hungarian = language(app) == "hu";
    let (summary, accept, decline) = if hungarian {
        (format!("{caller} hív"), "Fogadás", "Elutasítás")
    } else {
        (format!("{caller} is calling"), "Accept", "Decline")
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Chatenium")
        .summary(&summary)
        .action("accept", accept)
        .action("decline", decline)
        .action("default", caller)
        .timeout(notify_rust::Timeout::Milliseconds(60_000));
    // The shown notification's id, and whether it should go already (dismissed before shown).
    let shown: std::sync::Arc<std::sync::Mutex<(Option<u32>, bool)>> = Default::default();
    // notify-rust closes a notification only through its handle, which waiting for the answer
    // holds: a second one with the same id replaces it, and closing that closes it.
    let closer = notification.clone();
    let close = move |id: u32| {
        if let Ok(handle) = closer.clone().id(id).show() {
            handle.close();
        }
    };
    let dismiss = {
        let shown = std::sync::Arc::clone(&shown);
        let close = close.clone();
        Box::new(move || {
            let id = {
                let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
                shown.1 = true;
                shown.0
            };
            if let Some(id) = id {
                // D-Bus blocks: off the caller's thread.
                std::thread::spawn(move || close(id));
            }
        })
    };
    let app = app.clone();
    // Showing and waiting for the answer both block on D-Bus: off the async runtime.
    std::thread::spawn(move || {
        let handle = match notification.show() {
            Ok(handle) => handle,
            Err(error) => {
                tracing::warn!(%error, "call notification not shown");
                return;
            }
        };
        let dismissed = {
            let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
            shown.0 = Some(handle.id());
            shown.1
        };
        if dismissed {
            close(handle.id());
            return;
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let mut on_answer = Some(on_answer);
            handle.wait_for_action(|action| match action {
                "accept" | "decline" => {
                    if let Some(on_answer) = on_answer.take() {
                        on_answer(action == "accept");
                    }
                }
                "default" => crate::windows::show_main(&app),
                _ => {}
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            // Elsewhere notifications carry no actions here: the window answers.
            let _ = (handle, on_answer, app);
        }
    });
    dismiss
}
