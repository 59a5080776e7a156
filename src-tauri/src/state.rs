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
    /// Told when `shown` changes, so the attention machine hears it at once (`events.rs`).
    pub view_changed: tokio::sync::Notify,
    /// The unread counts as the attention machine last answered them, for a window that
    /// starts listening late.
    pub unread: std::sync::Mutex<crate::dto::UnreadCounts>,
    /// The invite link the app was started with, until the window takes it.
    pub opened_invite: std::sync::Mutex<Option<String>>,
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
        self.view_changed.notify_one();
    }

    pub fn unread(&self) -> crate::dto::UnreadCounts {
        self.unread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_unread(&self, unread: crate::dto::UnreadCounts) {
        *self.unread.lock().unwrap_or_else(|p| p.into_inner()) = unread;
    }

    /// The window stopped showing `conversation` (another may have been opened meanwhile).
    pub fn hide(&self, conversation: &Conversation) {
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if shown.as_ref() == Some(conversation) {
            *shown = None;
            self.view_changed.notify_one();
        }
    }

    /// The signed-in engine, or `SignedOut`.
    pub async fn client(&self) -> CommandResult<RwLockReadGuard<'_, Client>> {
        let guard = self.signed_in.read().await;
        RwLockReadGuard::try_map(guard, |s| s.as_ref().map(|s| &s.client))
            .map_err(|_| CommandError::SignedOut)
    }
}
