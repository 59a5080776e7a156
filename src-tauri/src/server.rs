//! Which server the app talks to, and the embedded default.
//!
//! In order: the `CHATENIUM_SERVER_URL` environment variable, then the `serverUrl` setting
//! (`settings.json` in the app's config folder, changed from the account screen and used from
//! the next start), then the local Chatenium server started in-process on 127.0.0.1 with its
//! data in `<app data>/server`. The embedded server keeps the port it got the first time
//! (`<app data>/server/port`), because an account on this device is keyed by its server's URL:
//! a new port each start would look like a new server and sign the user out.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use chatenium_core::config::ServerTarget;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The REST base URL of a remote server; absent means the embedded one.
    #[serde(default)]
    pub server_url: Option<String>,
    /// Where accepted files are saved; absent means the system's download folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_folder: Option<std::path::PathBuf>,
}

impl Settings {
    fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// The saved settings; a missing or unreadable file means the defaults.
    pub fn load(config_dir: &Path) -> Settings {
        std::fs::read(Self::path(config_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Written atomically (temporary file, then rename), like every file the app keeps.
    pub fn save(&self, config_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(config_dir)?;
        let temporary = config_dir.join("settings.json.tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(temporary, Self::path(config_dir))
    }
}

/// The environment first, then the setting.
pub fn choose(config_dir: &Path) -> ServerTarget {
    match ServerTarget::from_env() {
        ServerTarget::Embedded => {
            ServerTarget::from_setting(Settings::load(config_dir).server_url.as_deref())
        }
        remote => remote,
    }
}

/// The server in use: the embedded one is kept running as long as this value lives.
pub struct ActiveServer {
    pub url: String,
    pub embedded: Option<chatenium_server::RunningServer>,
}

/// Starts the embedded server if `target` asks for it. Must run inside the Tokio runtime that
/// will keep serving it.
pub async fn start(target: &ServerTarget, data_dir: &Path) -> Result<ActiveServer, String> {
    if let Some(url) = target.remote_url() {
        return Ok(ActiveServer {
            url: url.to_owned(),
            embedded: None,
        });
    }
    let server_dir = data_dir.join("server");
    let port_file = server_dir.join("port");
    let saved_port = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|text| text.trim().parse::<u16>().ok());
    let config = |port: u16| chatenium_server::Config {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        // The tests' identity provider, when one is set (oauth_sign_in.rs).
        oauth: crate::oauth_sign_in::embedded_server_oauth(),
        ..chatenium_server::Config::in_dir(&server_dir)
    };
    let mut running = None;
    if let Some(port) = saved_port {
        // The previous run's socket may take a moment to be released.
        for _ in 0..20 {
            match chatenium_server::start(config(port)).await {
                Ok(server) => {
                    running = Some(server);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
    }
    let running = match running {
        Some(running) => running,
        // First start, or the port is taken by something else now: any free port (an account
        // kept under the old URL then signs in again).
        None => chatenium_server::start(config(0))
            .await
            .map_err(|e| e.to_string())?,
    };
    let _ = std::fs::write(&port_file, running.addr.port().to_string());
    Ok(ActiveServer {
        url: running.base_url.clone(),
        embedded: Some(running),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_round_trips_and_a_broken_file_means_the_default() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Settings::load(dir.path()).server_url.is_none());
        let settings = Settings {
            server_url: Some("https://api.chatenium.hu".into()),
            ..Default::default()
        };
        settings.save(dir.path()).unwrap();
        assert_eq!(
            Settings::load(dir.path()).server_url.as_deref(),
            Some("https://api.chatenium.hu")
        );
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        assert!(Settings::load(dir.path()).server_url.is_none());
    }

    #[tokio::test]
    async fn the_embedded_server_listens_on_loopback_and_keeps_its_port() {
        let dir = tempfile::tempdir().unwrap();
        let first = start(&ServerTarget::Embedded, dir.path()).await.unwrap();
        let running = first.embedded.as_ref().unwrap();
        assert!(running.addr.ip().is_loopback());
        let port = running.addr.port();
        // The contract's OpenAPI document answers: it is a real Chatenium server.
        let reply = http_get(&format!("{}/openapi.json", first.url)).await;
        assert!(reply.contains("/v3/auth/signin"));
        drop(first);
        let second = start(&ServerTarget::Embedded, dir.path()).await.unwrap();
        assert_eq!(second.embedded.as_ref().unwrap().addr.port(), port);
    }

    #[tokio::test]
    async fn a_remote_target_starts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = ServerTarget::from_setting(Some("https://api.chatenium.hu/"));
        let active = start(&target, dir.path()).await.unwrap();
        assert!(active.embedded.is_none());
        assert_eq!(active.url, "https://api.chatenium.hu");
        assert!(!dir.path().join("server").exists());
    }

    /// A plain HTTP/1.1 GET over a socket, so the test needs no HTTP client crate.
    async fn http_get(url: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
        let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        socket.read_to_string(&mut reply).await.unwrap();
        reply
    }
}
