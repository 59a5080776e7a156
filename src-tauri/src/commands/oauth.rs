//! "Continue with Google/Apple" (see `oauth_sign_in.rs`): the providers offered, the sign-in
//! through the system browser, and cancelling it.

use chatenium_api::schemas::common::PublicUserData;
use chatenium_core::ClientError;
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::{CommandError, CommandResult};
use crate::oauth_sign_in::{self, OAuthProvider, Waiting};
use crate::state::AppState;

/// How a sign-in through the browser ended, when it did not fail outright.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum OAuthOutcome {
    SignedIn {
        user: PublicUserData,
    },
    /// The user pressed Cancel in the app.
    Cancelled,
    /// The browser never came back (closed, or left open).
    BrowserDidNotReturn,
    /// The user declined at the provider (or the provider refused the app).
    Refused,
}

/// The providers the sign-in screen offers.
#[tauri::command]
#[specta::specta]
pub fn oauth_providers() -> Vec<OAuthProvider> {
    oauth_sign_in::configs()
        .into_iter()
        .map(|(provider, _)| provider)
        .collect()
}

/// Opens the provider's page in the system browser and waits for it to come back; then signs in
/// with the ID token it brought. A refusal by the Chatenium server (an account it does not
/// accept) is an `api` error with the server's code.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_with_oauth(
    app: AppHandle,
    state: State<'_, AppState>,
    waiting: State<'_, Waiting>,
    provider: OAuthProvider,
) -> CommandResult<OAuthOutcome> {
    let local = |detail: String| CommandError::Local { detail };
    let (_, config) = oauth_sign_in::configs()
        .into_iter()
        .find(|(offered, _)| *offered == provider)
        .ok_or_else(|| local(format!("{provider:?} is not offered")))?;
    let pending = chatenium_core::oauth::begin(&config).await?;
    let cancelled = waiting.start();
    tracing::info!(?provider, "signing in through the browser");
    oauth_sign_in::open_in_browser(&pending.url)
        .map_err(|e| local(format!("the browser did not open: {e}")))?;
    let id_token = tokio::select! {
        finished = pending.finish(oauth_sign_in::PATIENCE) => finished,
        _ = cancelled => return Ok(OAuthOutcome::Cancelled),
    };
    let id_token = match id_token {
        Ok(token) => token,
        // The core's words for these two (chatenium_core::oauth::PendingAuthorization::finish).
        Err(ClientError::Network(reason)) if reason.contains("did not come back") => {
            return Ok(OAuthOutcome::BrowserDidNotReturn)
        }
        Err(ClientError::Decode(reason)) if reason.starts_with("the provider refused") => {
            return Ok(OAuthOutcome::Refused)
        }
        Err(error) => {
            tracing::warn!(%error, "the browser sign-in failed");
            return Err(error.into());
        }
    };
    let auth = state.device.auth(&state.language());
    let done = auth
        .sign_in_with_id_token(provider.into(), id_token)
        .await?;
    let user = super::auth::begin(&app, &state, done).await?;
    Ok(OAuthOutcome::SignedIn { user })
}

/// Ends the sign-in waiting for the browser (it answers `cancelled`).
#[tauri::command]
#[specta::specta]
pub fn cancel_oauth(waiting: State<'_, Waiting>) {
    waiting.cancel();
}
