//! A bare Tauri window: the baseline the app's start-up is measured against (bench/startup.mjs).

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-window: {error}");
        std::process::exit(1);
    }
}
