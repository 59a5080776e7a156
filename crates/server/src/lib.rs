//! The local Chatenium server: the app's embedded default, the target of every end-to-end test,
//! and a backend people can self-host. It implements exactly the contract in `chatenium-api`:
//! every route comes from the contract's endpoint table (see [`http::add`]).
//!
//! Start one with [`start`]; it listens until [`RunningServer::stop`].

pub mod call_signaling;
pub mod calls;
pub mod cascade_members;
pub mod cascades;
pub mod challenges;
pub mod changes;
pub mod chats;
pub mod clock;
pub mod compat;
pub mod config;
pub mod connections;
pub mod db;
pub mod demo;
pub mod error;
pub mod files;
pub mod forwarding;
pub mod gallery;
pub mod http;
pub mod hub;
pub mod ice;
pub mod ids;
pub mod images;
pub mod live_calls;
pub mod mailer;
pub mod messages;
pub mod oauth;
pub mod passwords;
pub mod push;
pub mod ratelimit;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod storage;
pub mod threads;
pub mod timers;
pub mod transfers;
pub mod uploads;
pub mod users;
pub mod validate;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpSocket;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::Config;
use config::Delivery;
use mailer::{LocalOutbox, MessageSender, SmtpSender};
use state::{AppState, Shared};

/// A server that is listening.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where clients reach it, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the data folder: {0}")]
    DataDir(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] db::OpenError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Delivery(#[from] mailer::SmtpConfigError),
    #[error("cannot recover interrupted uploads: {0}")]
    Recovery(String),
}

/// A server with its data open and its address taken, not yet accepting connections: what
/// must be done before the first client arrives (seeding the demo) is done between
/// [`prepare`] and [`PreparedServer::listen`].
pub struct PreparedServer {
    socket: TcpSocket,
    addr: SocketAddr,
    base_url: String,
    state: AppState,
}

/// Opens the data folder and starts listening on `config.bind`. Uploads a crash left half
/// assembled go back to pending first (see [`uploads::recover_interrupted`]).
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    prepare(config).await?.listen()
}

/// Opens the data folder and binds `config.bind` without listening: until
/// [`PreparedServer::listen`], a client's connection is refused. Uploads a crash left half
/// assembled go back to pending (see [`uploads::recover_interrupted`]).
pub async fn prepare(config: Config) -> Result<PreparedServer, StartError> {
    std::fs::create_dir_all(&config.data_dir)?;
    let socket = match config.bind {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As TcpListener::bind does: a restarted server can take its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(config.bind)?;
    let addr = socket.local_addr()?;
    let base_url = config
        .public_url
        .as_deref()
        .map(|url| url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("http://{addr}"));
    let db = db::Db::open(&config.data_dir.join("server.sqlite"))?;
    let resume_clock_after = db
        .call_now(|c| Ok(db::newest_stored_time(c)?))
        .map_err(|e| std::io::Error::other(format!("{:?}", e.detail)))?;
    let key = signing_key(&config.data_dir)?;
    let storage = storage::Storage::open(config.data_dir.join("storage"), key, base_url.clone())?;
    // The local outbox is there in every mode: with SMTP it still takes SMS, as there is no
    // SMS gateway.
    let outbox = Arc::new(LocalOutbox::new(config.data_dir.join("outbox.jsonl")));
    let sender: Arc<dyn MessageSender> = match &config.delivery {
        Delivery::LocalOutbox => outbox.clone(),
        Delivery::Smtp(smtp) => Arc::new(SmtpSender::new(smtp, outbox.clone())?),
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let state = AppState::new(Shared {
        limits: ratelimit::RateLimiters::new(&config.rate_limits),
        sender,
        outbox: Some(outbox),
        push: push::PushSeam::local(config.data_dir.join("pushes.jsonl")),
        db,
        hub: hub::Hub::default(),
        calls: Default::default(),
        storage,
        clock: clock::Clock::resuming_after(resume_clock_after),
        base_url: base_url.clone(),
        http,
        imaging: images::Imaging::new(config.images.clone()),
        config,
    });
    let recovered = state
        .db
        .call({
            let state = state.clone();
            move |c| uploads::recover_interrupted(c, &state.storage)
        })
        .await
        .map_err(|e| StartError::Recovery(e.detail.unwrap_or_else(|| e.code.to_string())))?;
    if recovered > 0 {
        tracing::info!(recovered, "interrupted multipart uploads are pending again");
    }
    let expired = state
        .db
        .call({
            let state = state.clone();
            move |c| {
                uploads::expire_unfinished(
                    c,
                    &state.storage,
                    state.config.unfinished_upload_ttl_secs,
                )
            }
        })
        .await
        .map_err(|e| StartError::Recovery(e.detail.unwrap_or_else(|| e.code.to_string())))?;
    if expired > 0 {
        tracing::info!(expired, "unfinished uploads past their time are gone");
    }
    Ok(PreparedServer {
        socket,
        addr,
        base_url,
        state,
    })
}

impl PreparedServer {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Starts accepting connections.
    pub fn listen(self) -> Result<RunningServer, StartError> {
        let PreparedServer {
            socket,
            addr,
            base_url,
            state,
        } = self;
        let listener = socket.listen(1024)?;
        let app = router(state.clone());
        let (shutdown, shutdown_rx) = oneshot::channel();
        let limits = state.config.connections.clone();
        let task = tokio::spawn(connections::serve(listener, app, limits, async {
            let _ = shutdown_rx.await;
        }));
        Ok(RunningServer {
            addr,
            base_url,
            state,
            shutdown: Some(shutdown),
            task,
        })
    }
}

/// Every route of the contract plus the server's own OpenAPI document.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let body_timeout = Duration::from_millis(state.config.connections.body_timeout_ms);
    compat::mount(routes::mount_all(Router::new()))
        .route(
            "/openapi.json",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    chatenium_api::openapi::document_text(),
                )
            }),
        )
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        // A body that stalls fails the request (badRequest) and the connection closes after.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            error::ApiError::internal("a handler panicked").into_response()
        }))
}

/// The key that signs storage URLs: made once, kept in the data folder so URLs survive a restart.
fn signing_key(data_dir: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let path = data_dir.join("url-signing.key");
    match std::fs::read(&path) {
        Ok(key) if key.len() >= 32 => Ok(key),
        _ => {
            let key = hex::decode(ids::new_token()).unwrap_or_default();
            std::fs::write(&path, &key)?;
            Ok(key)
        }
    }
}

impl RunningServer {
    /// The local outbox: every message with the default delivery, SMS only with SMTP.
    pub fn outbox(&self) -> Option<&LocalOutbox> {
        self.state.outbox.as_deref()
    }

    /// The local push outbox, when pushes are delivered there (the default).
    pub fn pushes(&self) -> Option<&push::LocalPushOutbox> {
        self.state.push.outbox.as_deref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting requests and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
