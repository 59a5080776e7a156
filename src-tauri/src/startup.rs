//! The app's start: the window loads at once and the engine (the server in use, the device with
//! its accounts and keyring, the caches: `main.rs`'s `start_engine`) comes up beside it on the
//! async runtime, instead of `setup()` holding the main thread (and so the page) until it is up.
//!
//! Meanwhile the window shows a starting screen; it reads the state once (`engine_state`) after
//! listening to `EngineStateChanged`, so it moves on whichever comes first, without polling.
//! Every command but the few in [`WITHOUT_ENGINE`] is held by [`route`] until the engine is up,
//! then run as usual; after a failed start each is refused with the reason.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use tauri::ipc::Invoke;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::watch;

use crate::error::CommandError;

/// Where the engine's start is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub enum EngineState {
    Starting,
    Ready,
    /// The engine could not start (the embedded server's data folder, say); `reason` is for
    /// the user to report.
    Failed {
        reason: String,
    },
}

/// The engine's start settled: ready, or failed.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct EngineStateChanged {
    pub state: EngineState,
}

/// Commands that need nothing of the engine, answered while it starts: the state itself and
/// the desktop settings (kept by `desktop_settings::Desktop`, loaded in `setup()`).
pub const WITHOUT_ENGINE: &[&str] = &[
    "engine_state",
    "desktop_settings",
    "set_desktop_settings",
    "use_tray_menu_item",
];

/// The engine's state, managed from the first moment (before `setup()`), so that every command
/// and the window can ask it.
pub struct Startup {
    state: watch::Sender<EngineState>,
}

impl Default for Startup {
    fn default() -> Self {
        Startup {
            state: watch::Sender::new(EngineState::Starting),
        }
    }
}

impl Startup {
    pub fn state(&self) -> EngineState {
        self.state.borrow().clone()
    }

    /// Waits until the start settled; answers how.
    pub async fn settled(&self) -> EngineState {
        let mut states = self.state.subscribe();
        let settled = states
            .wait_for(|state| *state != EngineState::Starting)
            .await
            .map(|state| state.clone());
        // The sender lives in `self`, so it cannot be gone while `self` is borrowed.
        settled.unwrap_or_else(|_| EngineState::Failed {
            reason: "the app is shutting down".into(),
        })
    }

    fn settle(&self, state: EngineState) {
        self.state.send_replace(state);
    }
}

/// Runs `start` (which manages the engine's state on `app`) on the async runtime; when it
/// ends, the held commands run (or are refused) and the window hears of it.
pub fn begin<F>(app: &AppHandle, start: F)
where
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = match start.await {
            Ok(()) => EngineState::Ready,
            Err(reason) => {
                tracing::error!(%reason, "the engine did not start");
                EngineState::Failed { reason }
            }
        };
        app.state::<Startup>().settle(state.clone());
        if let Err(error) = (EngineStateChanged { state }).emit(&app) {
            tracing::warn!(%error, "the window did not hear that the engine started");
        }
    });
}

/// Wraps the app's invoke handler: a command that needs the engine waits for it while it
/// starts (on the async runtime, so the main thread stays free) and is refused if it failed.
/// `commands` names every command (`bindings::COMMANDS`; passed in, so that this module stays
/// below the bindings, which name its event).
pub fn route<H>(
    commands: &'static [&'static str],
    handler: H,
) -> impl Fn(Invoke) -> bool + Send + Sync + 'static
where
    H: Fn(Invoke) -> bool + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    move |invoke: Invoke| {
        let command = invoke.message.command();
        // An unknown command goes straight through, to be refused by Tauri as not found.
        if WITHOUT_ENGINE.contains(&command) || !commands.contains(&command) {
            return handler(invoke);
        }
        let app = invoke.message.webview_ref().app_handle().clone();
        let state = app.state::<Startup>().state();
        match state {
            EngineState::Ready => handler(invoke),
            EngineState::Failed { reason } => refuse(invoke, reason),
            EngineState::Starting => {
                let handler = Arc::clone(&handler);
                tauri::async_runtime::spawn(async move {
                    match app.state::<Startup>().settled().await {
                        EngineState::Failed { reason } => {
                            refuse(invoke, reason);
                        }
                        _ => {
                            // A listed command: the handler knows it and answers it.
                            handler(invoke);
                        }
                    }
                });
                // Answered later, by the handler or the refusal.
                true
            }
        }
    }
}

fn refuse(invoke: Invoke, reason: String) -> bool {
    invoke.resolver.reject(CommandError::Local {
        detail: format!("the app did not start: {reason}"),
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiting_command_hears_the_start_settle() {
        let startup = Arc::new(Startup::default());
        assert_eq!(startup.state(), EngineState::Starting);
        let waiting = tokio::spawn({
            let startup = Arc::clone(&startup);
            async move { startup.settled().await }
        });
        startup.settle(EngineState::Ready);
        assert_eq!(waiting.await.unwrap(), EngineState::Ready);
        // Asked after the start settled, it answers at once.
        assert_eq!(startup.settled().await, EngineState::Ready);
    }

    #[tokio::test]
    async fn a_failed_start_is_what_waiting_commands_hear() {
        let startup = Startup::default();
        let failed = EngineState::Failed {
            reason: "no data folder".into(),
        };
        startup.settle(failed.clone());
        assert_eq!(startup.settled().await, failed);
        assert_eq!(startup.state(), failed);
    }
}
