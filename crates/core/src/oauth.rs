//! Signing in with Google or Apple the way a desktop app does it (RFC 8252): the system
//! browser opens the provider's authorization page, the provider redirects to a one-shot HTTP
//! listener on the loopback interface, and the core exchanges the code (with PKCE, so an
//! intercepted code is useless) for an ID token, which it hands to the Chatenium API.
//!
//! The core never opens the browser itself: [`PendingAuthorization::url`] goes to the shell,
//! which opens it. Apple accepts only `https` redirect URIs, so for Apple this flow needs a
//! provider configuration whose redirect is served by the app's backend; Google accepts the
//! loopback redirect as is.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chatenium_api::schemas::auth::{AppleOAuthReq, GoogleOAuthReq, SuccessfulAuthResp};
use chatenium_api::{AppleOAuth, GoogleOAuth};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::api::ApiClient;
use crate::error::ClientError;
use crate::session::Session;
use crate::tokens::TokenStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Apple,
}

/// A provider's OAuth endpoints and this app's client id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub provider: Provider,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub client_id: String,
}

impl ProviderConfig {
    /// Google's endpoints; `client_id` is the app's "Desktop app" OAuth client.
    pub fn google(client_id: impl Into<String>) -> Self {
        ProviderConfig {
            provider: Provider::Google,
            authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_endpoint: "https://oauth2.googleapis.com/token".into(),
            client_id: client_id.into(),
        }
    }
}

/// An authorization waiting for the browser to come back.
pub struct PendingAuthorization {
    /// Open this in the system browser.
    pub url: String,
    listener: TcpListener,
    redirect_uri: String,
    state: String,
    verifier: String,
    config: ProviderConfig,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts an authorization: binds the loopback listener and builds the browser URL.
pub async fn begin(config: &ProviderConfig) -> Result<PendingAuthorization, ClientError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| ClientError::Network(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| ClientError::Network(e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let (state, verifier) = (random_token(), random_token());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", "openid email profile"),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ])
    .map_err(|e| ClientError::Decode(e.to_string()))?;
    let separator = if config.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(PendingAuthorization {
        url: format!("{}{separator}{query}", config.authorization_endpoint),
        listener,
        redirect_uri,
        state,
        verifier,
        config: config.clone(),
    })
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

/// What the browser shows once it has come back.
const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Chatenium</title>\
<p>You can close this window and return to Chatenium. / Bezárhatod ezt az ablakot.";

impl PendingAuthorization {
    /// Waits (at most `patience`) for the browser's redirect, checks it, and exchanges the code
    /// for the provider's ID token.
    pub async fn finish(self, patience: Duration) -> Result<String, ClientError> {
        let callback = tokio::time::timeout(patience, self.receive_callback())
            .await
            .map_err(|_| ClientError::Network("the browser did not come back in time".into()))??;
        if let Some(error) = callback.error {
            return Err(ClientError::Decode(format!(
                "the provider refused: {error}"
            )));
        }
        if callback.state.as_deref() != Some(self.state.as_str()) {
            return Err(ClientError::Decode(
                "the redirect's state does not match this sign-in".into(),
            ));
        }
        let code = callback
            .code
            .ok_or_else(|| ClientError::Decode("the redirect carries no code".into()))?;
        let form = serde_urlencoded::to_string([
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", self.config.client_id.as_str()),
            ("code_verifier", self.verifier.as_str()),
        ])
        .map_err(|e| ClientError::Decode(e.to_string()))?;
        let response = reqwest::Client::new()
            .post(&self.config.token_endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        if !response.status().is_success() {
            return Err(ClientError::Decode(format!(
                "the token endpoint answered {}",
                response.status()
            )));
        }
        let tokens: TokenResponse = response
            .json()
            .await
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok(tokens.id_token)
    }

    /// Serves one request on the loopback listener: the redirect. Other paths (a browser's
    /// favicon request) get a 404 and the wait goes on.
    async fn receive_callback(&self) -> Result<Callback, ClientError> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| ClientError::Network(e.to_string()))?;
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            let target = line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let Some(query) = target.strip_prefix("/callback?") else {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            };
            let page = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{DONE_PAGE}",
                DONE_PAGE.len()
            );
            let _ = stream.write_all(page.as_bytes()).await;
            return serde_urlencoded::from_str(query)
                .map_err(|e| ClientError::Decode(e.to_string()));
        }
    }
}

/// Hands a provider's ID token to the Chatenium API and starts the session it answers.
pub async fn sign_in_with_id_token(
    api: Arc<ApiClient>,
    store: Arc<dyn TokenStore>,
    provider: Provider,
    id_token: String,
    os: &str,
    language: &str,
) -> Result<Session, ClientError> {
    let auth = exchange_id_token(&api, provider, id_token, os, language).await?;
    Session::from_auth(api, store, &auth).await
}

/// The Chatenium API's answer to a provider's ID token: the account's sign-in (the device
/// starts its session from it, as from any other sign-in).
pub async fn exchange_id_token(
    api: &ApiClient,
    provider: Provider,
    id_token: String,
    os: &str,
    language: &str,
) -> Result<SuccessfulAuthResp, ClientError> {
    match provider {
        Provider::Google => {
            let request = GoogleOAuthReq {
                id_token,
                os: os.into(),
                language: language.into(),
            };
            api.send::<GoogleOAuth>(None, &(), &request).await
        }
        Provider::Apple => {
            let request = AppleOAuthReq {
                id_token,
                display_name: None,
                os: os.into(),
                language: language.into(),
            };
            api.send::<AppleOAuth>(None, &(), &request).await
        }
    }
}
