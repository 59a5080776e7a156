//! The tray icon: the unread count (as its title and tooltip) and a menu to open or quit.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::AppHandle;

const TRAY_ID: &str = "main";

/// The menu's labels in the UI's language (the UI's own strings live in ui/src/i18n; these are
/// the only ones the shell shows).
fn labels(language: &str) -> (&'static str, &'static str) {
    match language {
        "hu" => ("Chatenium megnyitása", "Kilépés"),
        _ => ("Open Chatenium", "Quit"),
    }
}

fn menu(app: &AppHandle, language: &str) -> tauri::Result<Menu<tauri::Wry>> {
    let (open, quit) = labels(language);
    let open = MenuItem::with_id(app, "open", open, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", quit, true, None::<&str>)?;
    Menu::with_items(app, &[&open, &quit])
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let menu = menu(app, "en")?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Chatenium")
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => crate::windows::show_main(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Shows how many messages are unread (0 clears it).
pub fn show_unread(app: &AppHandle, count: u32) {
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

/// Relabels the menu when the UI's language changes.
pub fn set_language(app: &AppHandle, language: &str) {
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), menu(app, language)) {
        let _ = tray.set_menu(Some(menu));
    }
}
