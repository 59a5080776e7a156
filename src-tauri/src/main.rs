//! The Chatenium Desktop shell: windows, commands and events over `chatenium-core`.
//! Business logic lives in the core; a command here only translates between the UI and it.
//! One module per desktop concern: `server` (the embedded default), `tray`, `notifications`,
//! `windows` (single instance, window state), `events` (core events to the window), `calls`
//! (a call's devices, video to the window, ring notification, quality), `startup` (the window
//! loads while the engine starts).
// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod calls;
mod commands;
mod desktop_settings;
mod downloads;
mod dto;
mod error;
mod events;
mod invites;
mod logs;
mod media_protocol;
mod notifications;
mod oauth_sign_in;
mod server;
mod staging;
mod startup;
mod state;
mod tray;
mod windows;

use std::path::PathBuf;
use std::sync::Arc;

use chatenium_core::device::Device;
use chatenium_core::tokens::KeyringTokenStore;
use tauri::{AppHandle, Manager};

fn main() {
    let specta = bindings::builder();
    let result = tauri::Builder::default()
        // First, so that a second start hands over to the running app before doing anything.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            windows::show_main(app);
            // Started again by an invite link (`chatenium://invite/...`): this app shows it.
            if let Some(code) = invites::code_in(&args) {
                invites::opened(app, code);
            }
        }))
        // Registers `chatenium://` for the desktop entry (see tauri.conf.json).
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        // "Start with the system" (desktop_settings.rs); such a start carries AUTOSTART_ARG.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![desktop_settings::AUTOSTART_ARG]),
        ))
        .plugin(tauri_plugin_dialog::init())
        .register_asynchronous_uri_scheme_protocol(media_protocol::SCHEME, media_protocol::handle)
        .manage(startup::Startup::default())
        .invoke_handler({
            // The typed commands, and the one raw-bytes command, which has no TypeScript
            // signature for specta to generate (see commands/staging.rs); while the engine
            // starts, those that need it wait (startup.rs).
            let typed = specta.invoke_handler();
            let raw = bindings::raw_handler();
            startup::route(bindings::COMMANDS, move |invoke| {
                if bindings::RAW_COMMANDS.contains(&invoke.message.command()) {
                    raw(invoke)
                } else {
                    typed(invoke)
                }
            })
        })
        .setup(move |app| {
            specta.mount_events(app);
            let paths = app.path();
            let dirs = Dirs {
                data: paths.app_data_dir()?,
                config: paths.app_config_dir()?,
                cache: paths.app_cache_dir()?,
                log: paths.app_log_dir()?,
            };
            if let Err(error) = logs::install(&dirs.log) {
                // The app works without its log; say so where a developer sees it.
                eprintln!(
                    "chatenium-desktop: no log file in {}: {error}",
                    dirs.log.display()
                );
            }
            app.manage(desktop_settings::Desktop::load(&dirs.config));
            app.manage(oauth_sign_in::Waiting::default());
            if desktop_settings::starts_hidden(app.handle(), &std::env::args().collect::<Vec<_>>())
            {
                if let Some(window) = app.get_webview_window("main") {
                    window.hide()?;
                }
            }
            windows::save_geometry_when_settled(app.handle());
            tray::hide_to_tray_on_close(app.handle());
            // The window loads meanwhile (startup.rs).
            startup::begin(app.handle(), start_engine(app.handle().clone(), dirs));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("chatenium-desktop: {error}");
        std::process::exit(1);
    }
}

/// The app's folders, from Tauri's path resolver.
struct Dirs {
    data: PathBuf,
    config: PathBuf,
    cache: PathBuf,
    log: PathBuf,
}

/// The engine: the server in use (the embedded one started here), the device (accounts and
/// the keyring), the picture cache, the call devices and the tray. Runs beside the window's
/// first load; commands wait for it (startup.rs).
async fn start_engine(app: AppHandle, dirs: Dirs) -> Result<(), String> {
    let target = server::choose(&dirs.config);
    let active = server::start(&target, &dirs.data).await?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        server = %active.url,
        embedded = active.embedded.is_some(),
        "Chatenium started"
    );
    let device = Device::new(
        &active.url,
        &dirs.data,
        Arc::new(KeyringTokenStore::default()),
    )
    .map_err(|e| e.to_string())?;
    app.manage(state::AppState {
        device,
        embedded: active.embedded.is_some(),
        signed_in: Default::default(),
        language: std::sync::Mutex::new("en".into()),
        config_dir: dirs.config,
        staged: staging::StagedFiles::new(dirs.cache.join("staged")),
        received: Default::default(),
        shown: Default::default(),
        view_changed: Default::default(),
        unread: Default::default(),
        opened_invite: std::sync::Mutex::new(invites::code_in(
            &std::env::args().collect::<Vec<_>>(),
        )),
        log_dir: dirs.log,
    });
    app.manage(media_protocol::open_cache(&dirs.cache).map_err(|e| e.to_string())?);
    calls::manage(&app);
    app.manage(commands::gallery::PictureUploads::default());
    // Kept for the app's lifetime: dropping it stops the embedded server.
    app.manage(active);
    // The tray is GTK's, so made on the main thread; it reads the language from `AppState`.
    let tray_app = app.clone();
    let made = app.run_on_main_thread(move || {
        if let Err(error) = tray::create(&tray_app) {
            // A desktop without a tray still gets a working app.
            tracing::warn!(%error, "no tray icon");
        }
    });
    if let Err(error) = made {
        tracing::warn!(%error, "no tray icon");
    }
    Ok(())
}
