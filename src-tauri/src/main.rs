//! The Chatenium Desktop shell: windows, commands and events over `chatenium-core`.
//! Business logic lives in the core; a command here only translates between the UI and it.
// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod commands;

fn main() {
    let specta = bindings::builder();
    let result = tauri::Builder::default()
        .manage(chatenium_core::config::ServerTarget::from_env())
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("chatenium-desktop: {error}");
        std::process::exit(1);
    }
}
