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
    /// What one user's uploads, finished or not, may add up to; 0 means no quota.
    pub storage_quota_bytes: u64,
    /// An upload still unfinished this long after it was registered is forgotten, with its
    /// bytes (checked at start and before each new upload).
    pub unfinished_upload_ttl_secs: u64,
    /// The largest JSON request body.
    pub max_body_bytes: usize,
    pub rate_limits: RateLimits,
    /// Reverse proxies in front of this server (their addresses): for a request one of them
    /// forwards, the client's address, which the rate limits count by, is the last
    /// `X-Forwarded-For` entry that is not a trusted proxy. Empty: the connection's address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Timeouts and caps on connections (see "Running the server on the internet" in the README).
    pub connections: ConnectionLimits,
    pub oauth: OAuthConfig,
    /// How codes and reset tokens leave the server.
    pub delivery: Delivery,
    /// Calls and peer-to-peer file transfers: ICE servers, LiveKit, ring and transfer timeouts.
    pub calls: CallSettings,
    /// Gallery pictures: what the server decodes, and the thumbnails it makes.
    pub images: ImageSettings,
    /// How much of each user's change feed is kept.
    pub change_feed: ChangeFeedSettings,
}

/// The window of each user's change feed (the server's `changes` module): an entry goes once it is older
/// than `keepSecs` or more than `keepEntries` newer ones follow it. A client further behind
/// reads what it caches anew.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeFeedSettings {
    /// Whether the feed is offered at all. Off, `GET /v3/changes` answers 404 as Chatenium's
    /// own service does, so clients fall back to catching up conversation by conversation
    /// (the tests use it to drive that path).
    pub offered: bool,
    pub keep_secs: u64,
    pub keep_entries: u64,
}

impl Default for ChangeFeedSettings {
    fn default() -> Self {
        ChangeFeedSettings {
            offered: true,
            keep_secs: 30 * 24 * 3600,
            keep_entries: 100_000,
        }
    }
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

/// What one client address or connection may hold open, and how long the server waits for a
/// slow one. Milliseconds, so that tests can use short ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionLimits {
    /// A connection must send a request's headers within this long, its first request's too: a
    /// connection that sends nothing is closed after it (slowloris).
    pub header_timeout_ms: u64,
    /// A request body may pause this long between two pieces before the request fails.
    pub body_timeout_ms: u64,
    /// Open connections (WebSockets included) per client address; 0 means no cap. Behind a
    /// reverse proxy every connection comes from the proxy: raise this or cap at the proxy.
    pub max_per_address: usize,
    /// Cascades one WebSocket may follow the thread events of.
    pub max_subscriptions: usize,
}

/// Attempts allowed in a window, each as a burst given back gradually over the window (the
/// `ratelimit` module). 0 turns a limit off.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimits {
    pub window_secs: u64,
    /// Sign-in, OAuth, password reset and account deletion attempts per address and account
    /// (an account's username, e-mail and phone share one count) or OAuth provider.
    pub sign_in: u32,
    /// Sign-in attempts per address, whatever the identity.
    pub sign_in_per_address: u32,
    /// Codes requested, and codes tried, per e-mail address or phone number.
    pub codes: u32,
    /// Codes requested, and codes tried, per client address.
    pub codes_per_address: u32,
    /// Codes the whole server sends.
    pub codes_sent: u32,
    /// Accounts made per client address.
    pub registrations: u32,
    /// User lookups (availability, sign-in methods, user ids) per client address.
    pub lookups: u32,
    /// Challenges created per client address.
    pub challenges: u32,
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
            storage_quota_bytes: 20 * 1024 * 1024 * 1024,
            unfinished_upload_ttl_secs: 24 * 3600,
            max_body_bytes: 1024 * 1024,
            rate_limits: RateLimits::default(),
            trusted_proxies: Vec::new(),
            connections: ConnectionLimits::default(),
            oauth: OAuthConfig::default(),
            delivery: Delivery::default(),
            calls: CallSettings::default(),
            images: ImageSettings::default(),
            change_feed: ChangeFeedSettings::default(),
        }
    }
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            max_per_address: 256,
            max_subscriptions: 1_000,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            window_secs: 60,
            sign_in: 10,
            sign_in_per_address: 30,
            codes: 5,
            codes_per_address: 10,
            codes_sent: 60,
            registrations: 10,
            lookups: 60,
            challenges: 20,
        }
    }
}

impl RateLimits {
    /// No limit at all: for a load test or a test that makes many accounts from one address.
    pub fn off() -> Self {
        RateLimits {
            window_secs: 60,
            sign_in: 0,
            sign_in_per_address: 0,
            codes: 0,
            codes_per_address: 0,
            codes_sent: 0,
            registrations: 0,
            lookups: 0,
            challenges: 0,
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
