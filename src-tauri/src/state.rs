//! What the shell holds while it runs: the device (server, accounts, keyring) and the engine of
//! the signed-in account, if any. Commands borrow it; signing in and out replace the engine.

use chatenium_api::schemas::common::PublicUserData;
use chatenium_core::attention::Conversation;
use chatenium_core::device::Device;
use chatenium_core::Client;
use tokio::sync::{RwLock, RwLockReadGuard};

use crate::error::{CommandError, CommandResult};

pub struct AppState {
    pub device: Device,
    /// Whether `device` talks to the server running inside this app.
    pub embedded: bool,
    /// The signed-in account's engine and profile.
    pub signed_in: RwLock<Option<SignedIn>>,
    /// The UI's language, sent with sign-ins (the server writes e-mails in it).
    pub language: std::sync::Mutex<String>,
    pub config_dir: std::path::PathBuf,
    /// Files the window handed over for an upload or a transfer.
    pub staged: crate::staging::StagedFiles,
    /// Where each received file was saved, by transfer id (for "show in folder").
    pub received: std::sync::Mutex<std::collections::HashMap<String, std::path::PathBuf>>,
    /// The conversation the window shows (opened and not yet closed), for the core's attention
    /// machine: a message there, in the focused window, is seen as it arrives.
    pub shown: std::sync::Mutex<Option<Conversation>>,
    /// Where the log file is written (`logs.rs`).
    pub log_dir: std::path::PathBuf,
}

pub struct SignedIn {
    pub client: Client,
    pub user: PublicUserData,
}

impl AppState {
    pub fn language(&self) -> String {
        self.language
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn received(&self, transfer_id: &str) -> Option<std::path::PathBuf> {
        self.received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(transfer_id)
            .cloned()
    }

    pub fn shown(&self) -> Option<Conversation> {
        self.shown.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn show(&self, conversation: Conversation) {
        *self.shown.lock().unwrap_or_else(|p| p.into_inner()) = Some(conversation);
    }

    /// The window stopped showing `conversation` (another may have been opened meanwhile).
    pub fn hide(&self, conversation: &Conversation) {
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if shown.as_ref() == Some(conversation) {
            *shown = None;
        }
    }

    /// The signed-in engine, or `SignedOut`.
    pub async fn client(&self) -> CommandResult<RwLockReadGuard<'_, Client>> {
        let guard = self.signed_in.read().await;
        RwLockReadGuard::try_map(guard, |s| s.as_ref().map(|s| &s.client))
            .map_err(|_| CommandError::SignedOut)
    }
}
