//! "Continue with Google/Apple": which providers this app can offer, opening the provider's
//! page in the system browser, and cancelling a sign-in that waits for it. The flow itself
//! (loopback redirect, PKCE, the code exchange) is the core's (`chatenium_core::oauth`).
//!
//! A provider is offered when the app has a client id there: Google's is compiled in from
//! `CHATENIUM_GOOGLE_CLIENT_ID` at build time. Apple redirects only to `https` pages, which a
//! desktop app cannot serve, so it is offered only where a deployment provides such a relay
//! (not yet) and in the tests.
//!
//! Two environment variables exist for the end-to-end tests only (ui/e2e/oauth.test.mjs):
//! `CHATENIUM_TEST_OAUTH_PROVIDER` (the base URL of a test identity provider: both Google and
//! Apple then use its `/authorize`, `/token` and `/jwks`, and the embedded server trusts its
//! keys) and `CHATENIUM_TEST_OPENER` (a program run with the URL instead of the system browser).

use std::sync::Mutex;
use std::time::Duration;

use chatenium_core::oauth::{Provider, ProviderConfig};
use serde::{Deserialize, Serialize};

pub const TEST_PROVIDER_ENV: &str = "CHATENIUM_TEST_OAUTH_PROVIDER";
pub const TEST_OPENER_ENV: &str = "CHATENIUM_TEST_OPENER";
/// The client id the test identity provider issues tokens for.
pub const TEST_CLIENT_ID: &str = "chatenium-desktop-test";

/// How long a sign-in waits for the browser to come back before saying so.
pub const PATIENCE: Duration = Duration::from_secs(300);

/// A provider as the UI names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum OAuthProvider {
    Google,
    Apple,
}

impl From<OAuthProvider> for Provider {
    fn from(provider: OAuthProvider) -> Self {
        match provider {
            OAuthProvider::Google => Provider::Google,
            OAuthProvider::Apple => Provider::Apple,
        }
    }
}

fn test_provider() -> Option<String> {
    std::env::var(TEST_PROVIDER_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

/// The providers this app can sign in with, and how.
pub fn configs() -> Vec<(OAuthProvider, ProviderConfig)> {
    if let Some(base) = test_provider() {
        return [OAuthProvider::Google, OAuthProvider::Apple]
            .into_iter()
            .map(|provider| {
                let config = ProviderConfig {
                    provider: provider.into(),
                    authorization_endpoint: format!("{base}/authorize"),
                    token_endpoint: format!("{base}/token"),
                    client_id: TEST_CLIENT_ID.into(),
                };
                (provider, config)
            })
            .collect();
    }
    option_env!("CHATENIUM_GOOGLE_CLIENT_ID")
        .filter(|id| !id.is_empty())
        .map(|id| (OAuthProvider::Google, ProviderConfig::google(id)))
        .into_iter()
        .collect()
}

/// What the embedded server trusts: the test identity provider's keys in the tests, else
/// nothing (the public server verifies Google's and Apple's tokens itself).
pub fn embedded_server_oauth() -> chatenium_server::config::OAuthConfig {
    let Some(base) = test_provider() else {
        return Default::default();
    };
    let trusted = chatenium_server::config::OAuthProvider {
        jwks_url: format!("{base}/jwks"),
        issuers: vec![base],
        audience: TEST_CLIENT_ID.into(),
    };
    chatenium_server::config::OAuthConfig {
        google: Some(trusted.clone()),
        apple: Some(trusted),
    }
}

/// Opens `url` in the system browser (or the tests' opener); does not wait for it.
pub fn open_in_browser(url: &str) -> std::io::Result<()> {
    let mut command = match std::env::var_os(TEST_OPENER_ENV) {
        Some(opener) => {
            let mut command = std::process::Command::new(opener);
            command.arg(url);
            command
        }
        // The desktop's opener (xdg-open, open, explorer) takes a URL as it takes a folder.
        None => crate::logs::open_folder_command(std::path::Path::new(url)),
    };
    let mut child = command.spawn()?;
    // Reaped in the background so no zombie is left behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The sign-in waiting for the browser, which "Cancel" ends.
#[derive(Default)]
pub struct Waiting(Mutex<Option<tokio::sync::oneshot::Sender<()>>>);

impl Waiting {
    /// A new sign-in waits; an older one still waiting is cancelled.
    pub fn start(&self) -> tokio::sync::oneshot::Receiver<()> {
        let (cancel, cancelled) = tokio::sync::oneshot::channel();
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel);
        cancelled
    }

    pub fn cancel(&self) {
        if let Some(cancel) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = cancel.send(());
        }
    }
}
