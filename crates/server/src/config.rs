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
    /// Calls and peer-to-peer file transfers: ICE servers, LiveKit, ring and transfer timeouts.
    pub calls: CallSettings,
    /// Gallery pictures: what the server decodes, and the thumbnails it makes.
    pub images: ImageSettings,
}

/// Limits on gallery pictures, checked before any pixel is decoded (the size when the upload
/// is registered and again before reading it, the dimensions from the image's header), and the
/// thumbnails made.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageSettings {
    /// The largest picture file (also capped by `maxUploadBytes`).
    pub max_bytes: u64,
    /// The most pixels (width times height) an image may have: 100 megapixels by default,
    /// above the largest phone photos' 50.
    pub max_pixels: u64,
    /// The longest side, in pixels.
    pub max_side: u32,
    /// The most memory the decoder of one image may allocate.
    pub max_decode_bytes: u64,
    /// How many images are decoded at once; more uploads wait their turn.
    pub workers: usize,
    /// The widths thumbnails are made in (none wider than the picture).
    pub thumbnail_widths: Vec<u32>,
}

impl Default for ImageSettings {
    fn default() -> Self {
        ImageSettings {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 100_000_000,
            max_side: 20_000,
            // Four bytes for each of the most pixels: 8-bit RGBA.
            max_decode_bytes: 400 * 1024 * 1024,
            workers: 2,
            thumbnail_widths: vec![320, 1280],
        }
    }
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
            calls: CallSettings::default(),
            images: ImageSettings::default(),
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

// ---- Calls and peer-to-peer file transfers ----

/// ICE servers, LiveKit and the timeouts of rings and transfers. The defaults suit a local
/// server: no TURN and no STUN (a loopback or LAN peer needs neither; nothing outside is
/// assumed reachable), and LiveKit's development key and secret at its default local address
/// (what `livekit-server --dev` accepts).
#[derive(Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct CallSettings {
    /// STUN servers handed to clients as they are, e.g. `stun:stun.example.org:3478`.
    pub stun_urls: Vec<String>,
    /// TURN servers, e.g. `turn:turn.example.org:3478?transport=udp`. Handed out only together
    /// with `turnSecret`.
    pub turn_urls: Vec<String>,
    /// coturn's `static-auth-secret` (`use-auth-secret`): the server mints time-limited TURN
    /// credentials with it, so no TURN password is ever stored.
    pub turn_secret: Option<String>,
    /// How long minted TURN credentials work.
    pub turn_ttl_secs: u64,
    /// The LiveKit server's WebSocket URL, handed to clients.
    pub livekit_url: String,
    pub livekit_api_key: String,
    pub livekit_api_secret: String,
    /// How long a LiveKit token lets its holder join the room.
    pub livekit_token_ttl_secs: u64,
    /// A call invitation rings this long unless the partner joins.
    pub ring_timeout_secs: u64,
    /// A file transfer nobody accepts expires after this long.
    pub transfer_ttl_secs: u64,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret: None,
            turn_ttl_secs: 24 * 3600,
            livekit_url: "ws://127.0.0.1:7880".to_owned(),
            livekit_api_key: "devkey".to_owned(),
            livekit_api_secret: "secret".to_owned(),
            livekit_token_ttl_secs: 6 * 3600,
            ring_timeout_secs: 45,
            transfer_ttl_secs: 5 * 60,
        }
    }
}

/// Secrets stay out of logs.
impl std::fmt::Debug for CallSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |set: bool| if set { "<set>" } else { "<none>" };
        f.debug_struct("CallSettings")
            .field("stun_urls", &self.stun_urls)
            .field("turn_urls", &self.turn_urls)
            .field("turn_secret", &hidden(self.turn_secret.is_some()))
            .field("turn_ttl_secs", &self.turn_ttl_secs)
            .field("livekit_url", &self.livekit_url)
            .field("livekit_api_key", &self.livekit_api_key)
            .field(
                "livekit_api_secret",
                &hidden(!self.livekit_api_secret.is_empty()),
            )
            .field("livekit_token_ttl_secs", &self.livekit_token_ttl_secs)
            .field("ring_timeout_secs", &self.ring_timeout_secs)
            .field("transfer_ttl_secs", &self.transfer_ttl_secs)
            .finish()
    }
}
