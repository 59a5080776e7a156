//! The core's integration-test harness: the real local server, run in a thread with its own
//! Tokio runtime so that stopping it drops every socket at once (as a crash or an outage
//! would), and restartable on the same port with the same data; the real keyring (Secret
//! Service; `./dev test` provides one on a private D-Bus session).
#![allow(dead_code)] // Each test binary uses part of the harness.

pub mod coverage;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chatenium_api::schemas::auth::{RegisterReq, SuccessfulAuthResp};
use chatenium_api::schemas::contacts::AddContactReq;
use chatenium_api::{CreateContact, Register};
use chatenium_core::api::ApiClient;
use chatenium_core::session::Session;
use chatenium_core::store::SqliteStore;
use chatenium_core::tokens::{KeyringTokenStore, TokenStore};
use chatenium_core::{Client, CoreEvent};
use tokio::sync::broadcast;

/// Longest wait for something that must happen; only a guard against hanging.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct LocalServer {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// The settings it started with, for a restart.
    config: chatenium_server::Config,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalServer {
    /// Starts a server on `addr` (port 0 for any) with its data in `data_dir`.
    pub fn start(addr: SocketAddr, data_dir: &Path) -> LocalServer {
        Self::start_with(addr, data_dir, |_| {})
    }

    /// Like [`LocalServer::start`], with settings changed by `edit`.
    pub fn start_with(
        addr: SocketAddr,
        data_dir: &Path,
        edit: impl FnOnce(&mut chatenium_server::Config),
    ) -> LocalServer {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let mut config = chatenium_server::Config {
            bind: addr,
            ..chatenium_server::Config::in_dir(data_dir)
        };
        edit(&mut config);
        let settings = config.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let server = runtime.block_on(async {
                // The port of a stopped server may take a moment to be free again.
                let mut tries = 0;
                loop {
                    match chatenium_server::start(config.clone()).await {
                        Ok(server) => break server,
                        Err(error) if tries < 50 => {
                            tries += 1;
                            eprintln!("server start retry: {error}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(error) => panic!("server does not start: {error}"),
                    }
                }
            });
            ready_tx.send(server.addr).unwrap();
            let _ = stop_rx.recv();
            drop(server);
            // Shutting the runtime down drops every task, so every socket (the listener too)
            // closes now, as in a crash; waiting for that lets a restart take the same port.
            runtime.shutdown_timeout(Duration::from_secs(5));
        });
        let addr = ready_rx.recv_timeout(PATIENCE).expect("server started");
        LocalServer {
            addr,
            data_dir: data_dir.to_owned(),
            config: settings,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops abruptly: open connections are cut.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Starts again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        let config = chatenium_server::Config {
            bind: self.addr,
            ..self.config.clone()
        };
        *self = LocalServer::start_with(self.addr, &self.data_dir, move |c| *c = config);
    }

    /// Runs SQL on the server's database (test setup only, e.g. expiring tokens).
    pub fn sql(&self, statement: &str) {
        let connection = rusqlite::Connection::open(self.data_dir.join("server.sqlite")).unwrap();
        connection.busy_timeout(Duration::from_secs(5)).unwrap();
        connection.execute_batch(statement).unwrap();
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A keyring store under a service name of this test run's own.
pub fn test_keyring() -> Arc<dyn TokenStore> {
    Arc::new(KeyringTokenStore::with_service(format!(
        "chatenium-test-{}",
        std::process::id()
    )))
}

pub async fn register(api: &ApiClient, name: &str) -> SuccessfulAuthResp {
    let request = RegisterReq {
        username: name.into(),
        display_name: format!("{name} display"),
        email: format!("{name}@example.test"),
        password: format!("{name}-password-1"),
        phone: None,
        os: "test".into(),
        language: "en".into(),
    };
    api.send::<Register>(None, &(), &request)
        .await
        .expect("registration")
}

/// A registered user's running client, caching into `store_path`.
pub async fn client(server_url: &str, auth: &SuccessfulAuthResp, store_path: &Path) -> Client {
    let api = Arc::new(ApiClient::new(server_url).unwrap());
    let session = Session::from_auth(api, test_keyring(), auth)
        .await
        .expect("session");
    let store = Arc::new(SqliteStore::open(store_path).unwrap());
    Client::start(session, store)
}

/// Makes two users contacts: `a` asks, `b` is asked. Answers the chat id.
pub async fn befriend(a: &Client, b_userid: &str) -> String {
    let contact = a
        .session()
        .call::<CreateContact>(
            &(),
            &AddContactReq {
                userid: b_userid.into(),
            },
        )
        .await
        .expect("contact");
    contact.chatid
}

/// Waits until the client is connected and caught up.
pub async fn wait_online(client: &Client) {
    wait_connection(client, chatenium_core::ConnectionState::Online).await;
}

/// Waits until the client has noticed that it lost the server (it may already be retrying).
pub async fn wait_disconnected(client: &Client) {
    let mut connection = client.connection();
    tokio::time::timeout(
        PATIENCE,
        connection.wait_for(|now| *now != chatenium_core::ConnectionState::Online),
    )
    .await
    .expect("the client notices the lost connection")
    .expect("the client is running");
}

/// Waits until the client's connection is in `state`. Watches the state rather than waiting
/// for its event, which may have gone by before the caller subscribed.
pub async fn wait_connection(client: &Client, state: chatenium_core::ConnectionState) {
    let mut connection = client.connection();
    tokio::time::timeout(PATIENCE, connection.wait_for(|now| *now == state))
        .await
        .unwrap_or_else(|_| panic!("the connection becomes {state:?}"))
        .expect("the client is running");
}

/// Waits for an event matching `wanted`, skipping others.
pub async fn wait_for(
    events: &mut broadcast::Receiver<CoreEvent>,
    wanted: impl Fn(&CoreEvent) -> bool,
) -> CoreEvent {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match events.recv().await {
                Ok(event) if wanted(&event) => return event,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event stream closed"),
            }
        }
    })
    .await
    .expect("the awaited event arrives")
}

/// Waits until `condition` holds, re-checking whenever an event arrives.
pub async fn wait_until<F, Fut>(events: &mut broadcast::Receiver<CoreEvent>, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    tokio::time::timeout(PATIENCE, async {
        loop {
            if condition().await {
                return;
            }
            // Wake on the next event, or re-check after a while in case it came already.
            let _ = tokio::time::timeout(Duration::from_millis(200), events.recv()).await;
        }
    })
    .await
    .expect("the condition comes true");
}
