//! The tray icon: the unread count (as its title and tooltip) and a menu to open the window,
//! turn Do Not Disturb on or off, or quit. While the window is hidden to the tray (see
//! [`hide_to_tray_on_close`]), this is how the user gets back to the app.

use tauri::menu::{CheckMenuItem, Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, WindowEvent};

const TRAY_ID: &str = "main";

/// The menu's items, by id: what [`activate`] accepts.
pub const OPEN: &str = "open";
pub const DO_NOT_DISTURB: &str = "do-not-disturb";
pub const QUIT: &str = "quit";

/// The menu's labels in the UI's language (the UI's own strings live in ui/src/i18n; these and
/// the notifications' are the only ones the shell shows).
struct Labels {
    open: &'static str,
    do_not_disturb: &'static str,
    quit: &'static str,
}

fn labels(language: &str) -> Labels {
    match language {
        "hu" => Labels {
            open: "Chatenium megnyitása",
            do_not_disturb: "Ne zavarjanak",
            quit: "Kilépés",
        },
        _ => Labels {
            open: "Open Chatenium",
            do_not_disturb: "Do not disturb",
            quit: "Quit",
        },
    }
}

fn menu(app: &AppHandle) -> tauri::Result<Menu<tauri::Wry>> {
    let language = app
        .try_state::<crate::state::AppState>()
        .map(|state| state.language())
        .unwrap_or_default();
    let labels = labels(&language);
    let dnd = crate::desktop_settings::do_not_disturb(app);
    let open = MenuItem::with_id(app, OPEN, labels.open, true, None::<&str>)?;
    let dnd = CheckMenuItem::with_id(
        app,
        DO_NOT_DISTURB,
        labels.do_not_disturb,
        true,
        dnd,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, QUIT, labels.quit, true, None::<&str>)?;
    Menu::with_items(app, &[&open, &dnd, &quit])
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let menu = menu(app)?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Chatenium")
        .on_menu_event(|app, event| activate(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// What choosing a menu item does. Also reached by the end-to-end tests' hook
/// (`commands::desktop::use_tray_menu_item`), as no tray can be clicked under Xvfb.
pub fn activate(app: &AppHandle, id: &str) {
    match id {
        OPEN => crate::windows::show_main(app),
        DO_NOT_DISTURB => {
            let mut settings = crate::desktop_settings::current(app);
            settings.do_not_disturb = !settings.do_not_disturb;
            if let Err(error) = crate::desktop_settings::apply(app, settings) {
                tracing::warn!(%error, "Do Not Disturb not changed");
            }
            refresh(app);
        }
        QUIT => app.exit(0),
        _ => {}
    }
}

/// Closing the window hides it to the tray (the app keeps receiving and notifying) unless the
/// user turned that off; the first time, a notification says where the app went.
pub fn hide_to_tray_on_close(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let app = app.clone();
    window.on_window_event(move |event| {
        let WindowEvent::CloseRequested { api, .. } = event else {
            return;
        };
        let Some(desktop) = app.try_state::<crate::desktop_settings::Desktop>() else {
            return;
        };
        if !desktop.settings().close_to_tray {
            return;
        }
        api.prevent_close();
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.hide();
        }
        // Under Do Not Disturb nothing pops up; the explanation waits for a later close.
        if !desktop.do_not_disturb() && desktop.first_hide_to_tray() {
            crate::notifications::show_hidden_to_tray(&app);
        }
    });
}

/// Shows how many messages are unread (0 clears it): on the tray, and on the window's taskbar
/// entry where the desktop supports a badge.
pub fn show_unread(app: &AppHandle, count: u32) {
    if let Some(window) = app.get_webview_window("main") {
        // Unsupported desktops answer an error; the tray still shows the count.
        let _ = window.set_badge_count((count > 0).then_some(i64::from(count)));
    }
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let (title, tooltip) = if count == 0 {
        (None, "Chatenium".to_owned())
    } else {
        (Some(count.to_string()), format!("Chatenium ({count})"))
    };
    let _ = tray.set_title(title.as_deref());
    let _ = tray.set_tooltip(Some(tooltip));
}

/// Rebuilds the menu: the UI's language or Do Not Disturb changed.
pub fn refresh(app: &AppHandle) {
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), menu(app)) {
        let _ = tray.set_menu(Some(menu));
    }
}
