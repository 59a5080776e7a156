//! The server's settings: defaults suit the embedded server and tests; the binary reads a JSON
//! file (`--config`) and a few environment variables on top.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub bind: SocketAddr,
    /// The database, uploaded files, the local outbox and the URL-signing key live here.
    pub data_dir: PathBuf,
    /// The base URL clients reach this server at (signed URLs point there); defaults to
    /// `http://<bound address>`.
    pub public_url: Option<String>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// How long a signed upload or download URL works.
    pub signed_url_ttl_secs: u64,
    /// Part size of multipart uploads (the last part may be smaller).
    pub multipart_part_size: u64,
    /// The largest file an upload may register.
    pub max_upload_bytes: u64,
    /// The largest JSON request body.
    pub max_body_bytes: usize,
    pub rate_limits: RateLimits,
    pub oauth: OAuthConfig,
    /// How codes and reset tokens leave the server.
    pub delivery: Delivery,
}

/// Attempts allowed per key (client address and identity) in a window.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimits {
    pub window_secs: u64,
    /// Sign-in, OAuth and password reset attempts.
    pub sign_in: u32,
    /// Codes requested and codes tried.
    pub codes: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct OAuthConfig {
    pub google: Option<OAuthProvider>,
    pub apple: Option<OAuthProvider>,
}

/// Where an OAuth provider publishes its keys and what its ID tokens must say.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OAuthProvider {
    pub jwks_url: String,
    /// Accepted `iss` values.
    pub issuers: Vec<String>,
    /// The required `aud`: this app's client id at the provider.
    pub audience: String,
}

/// How codes and reset tokens leave the server, chosen by `kind`:
///
/// ```json
/// { "kind": "localOutbox" }
/// { "kind": "smtp", "host": "mail.example.com", "port": 587, "security": "startTls",
///   "username": "chatenium", "password": "secret", "from": "Chatenium <no-reply@example.com>" }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Delivery {
    /// Appended to `<dataDir>/outbox.jsonl` and kept in memory: for tests, the demo and a
    /// server with no mail or SMS gateway.
    #[default]
    LocalOutbox,
    /// E-mail through an SMTP server. There is no SMS gateway, so SMS messages still go to the
    /// local outbox.
    Smtp(SmtpConfig),
}

/// An SMTP server to send e-mail through.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// Sign in with these when both are given; neither means no authentication.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, `no-reply@example.com` or `Chatenium <no-reply@example.com>`.
    pub from: String,
    #[serde(default)]
    pub security: SmtpSecurity,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SmtpSecurity {
    /// Plain text: only for a server on the same machine or a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS, which the server must offer (usually port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// Leaves the password out, so that printing a config never shows it.
impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("from", &self.from)
            .field("security", &self.security)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: PathBuf::from("chatenium-server-data"),
            public_url: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            signed_url_ttl_secs: 3600,
            multipart_part_size: 8 * 1024 * 1024,
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            max_body_bytes: 1024 * 1024,
            rate_limits: RateLimits::default(),
            oauth: OAuthConfig::default(),
            delivery: Delivery::default(),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            window_secs: 60,
            sign_in: 10,
            codes: 5,
        }
    }
}

impl Config {
    /// Defaults for a server whose data lives in `data_dir`.
    pub fn in_dir(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            ..Config::default()
        }
    }
}
