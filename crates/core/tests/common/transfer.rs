//! The transfer tests' harness: the real local server configured with ICE servers (and, for
//! the relay test, a real coturn), two befriended clients connecting on loopback, files of
//! random bytes, and waiting for a transfer's events.
#![allow(dead_code)] // Each test binary uses part of the harness.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chatenium_api::schemas::dm::SendMessageReq;
use chatenium_api::DmSendMessage;
use chatenium_core::api::ApiClient;
use chatenium_core::transfer::{TransferSettings, TransferState, TransferUpdate};
use chatenium_core::{Client, CoreEvent};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

use crate::common;
pub use crate::common::PATIENCE;

/// coturn as the server's tests start it (Debian's `coturn`), shared rather than copied.
#[path = "../../../server/tests/common/coturn.rs"]
pub mod coturn;

/// The guard for a whole transfer, which may move a gibibyte in a debug build; only a guard
/// against hanging, never a measurement.
pub const TRANSFER_PATIENCE: Duration = Duration::from_secs(1800);

/// The local server with its calls settings edited, in a thread of its own with its own
/// runtime, so the transfer's CPU work and the server's do not share one scheduler.
pub struct IceServer {
    pub addr: SocketAddr,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl IceServer {
    pub fn start(
        data_dir: &Path,
        edit: impl FnOnce(&mut chatenium_server::Config) + Send + 'static,
    ) -> IceServer {
        let mut config = chatenium_server::Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..chatenium_server::Config::in_dir(data_dir)
        };
        edit(&mut config);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let server = runtime
                .block_on(chatenium_server::start(config))
                .expect("the server starts");
            ready_tx.send(server.addr).unwrap();
            let _ = stop_rx.recv();
            drop(server);
            runtime.shutdown_background();
        });
        let addr = ready_rx.recv_timeout(PATIENCE).expect("server started");
        IceServer {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for IceServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Two contacts, each with a running client: `anna` sends, `bela` receives into `downloads`.
pub struct Pair {
    pub anna: Client,
    pub bela: Client,
    pub downloads: PathBuf,
    pub dir: tempfile::TempDir,
    pub server: IceServer,
}

/// Loopback only: the tests' peers are both on this machine.
pub fn loopback() -> TransferSettings {
    TransferSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        ..TransferSettings::default()
    }
}

impl Pair {
    pub async fn start() -> Pair {
        Pair::start_with(|_| {}, loopback()).await
    }

    pub async fn start_with(
        edit: impl FnOnce(&mut chatenium_server::Config) + Send + 'static,
        settings: TransferSettings,
    ) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let server = IceServer::start(&dir.path().join("server"), edit);
        let api = ApiClient::new(server.base_url()).unwrap();
        let anna_auth = common::register(&api, "anna").await;
        let bela_auth = common::register(&api, "bela").await;
        let url = server.base_url();
        let anna = common::client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
        let bela = common::client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
        anna.set_transfer_settings(settings.clone());
        bela.set_transfer_settings(settings);
        // Contacts both ways: anna asks, bela accepts by replying.
        let chatid = common::befriend(&anna, bela.userid()).await;
        let reply = SendMessageReq {
            chatid,
            message: "hi".into(),
            reply_to_id: None,
            file_ids: vec![],
            client_key: "befriend".into(),
        };
        bela.session()
            .call::<DmSendMessage>(&(), &reply)
            .await
            .expect("bela replies");
        common::wait_online(&anna).await;
        common::wait_online(&bela).await;
        let downloads = dir.path().join("downloads");
        std::fs::create_dir(&downloads).unwrap();
        Pair {
            anna,
            bela,
            downloads,
            dir,
            server,
        }
    }

    /// Offers `path` from anna to bela; answers the id once bela has seen the offer.
    pub async fn offer(&self, path: &Path, bela_events: &mut Receiver) -> (String, TransferUpdate) {
        let id = self
            .anna
            .send_file(self.bela.userid(), path)
            .await
            .expect("the transfer starts");
        let offered = next_state(bela_events, &id, |s| {
            matches!(s, TransferState::Offered { .. })
        })
        .await;
        (id, offered)
    }

    /// The files in the download folder (the temporary one included while it exists).
    pub fn downloads(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.downloads)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    pub async fn forget(&self) {
        let _ = self.anna.session().forget().await;
        let _ = self.bela.session().forget().await;
    }
}

pub type Receiver = broadcast::Receiver<CoreEvent>;

/// The next update of transfer `id` whose state matches `wanted`, skipping others; a final
/// state that does not match fails the test at once with what happened instead.
pub async fn next_state(
    events: &mut Receiver,
    id: &str,
    wanted: impl Fn(&TransferState) -> bool,
) -> TransferUpdate {
    tokio::time::timeout(TRANSFER_PATIENCE, async {
        loop {
            match events.recv().await {
                Ok(CoreEvent::Transfer { transfer }) if transfer.transfer_id == id => {
                    if wanted(&transfer.state) {
                        return transfer;
                    }
                    assert!(
                        !transfer.state.is_final(),
                        "transfer {id} ended as {:?}",
                        transfer.state
                    );
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event stream closed"),
            }
        }
    })
    .await
    .expect("the awaited transfer state arrives")
}

/// Every update of transfer `id` up to and including its final one.
pub async fn until_final(events: &mut Receiver, id: &str) -> Vec<TransferState> {
    tokio::time::timeout(TRANSFER_PATIENCE, async {
        let mut seen = Vec::new();
        loop {
            match events.recv().await {
                Ok(CoreEvent::Transfer { transfer }) if transfer.transfer_id == id => {
                    let last = transfer.state.is_final();
                    seen.push(transfer.state);
                    if last {
                        return seen;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event stream closed"),
            }
        }
    })
    .await
    .expect("the transfer ends")
}

/// A file of `size` random-looking bytes; answers its SHA-256 (hex). One random mebibyte,
/// stamped with its index in each copy, so that every mebibyte differs (a chunk sent twice or
/// out of order changes the hash) and a gibibyte is quick to make in a debug build.
pub fn random_file(path: &Path, size: u64) -> String {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    rand::rng().fill_bytes(&mut buffer);
    let mut left = size;
    let mut index = 0u64;
    while left > 0 {
        let n = left.min(buffer.len() as u64) as usize;
        buffer[..8].copy_from_slice(&index.to_le_bytes());
        index += 1;
        hasher.update(&buffer[..n]);
        file.write_all(&buffer[..n]).unwrap();
        left -= n as u64;
    }
    file.flush().unwrap();
    hex::encode(hasher.finalize())
}

pub fn sha256_of(path: &Path) -> String {
    let mut file = std::fs::File::open(path).unwrap();
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).unwrap();
    hex::encode(hasher.finalize())
}
