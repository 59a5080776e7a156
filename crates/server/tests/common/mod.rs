//! The harness of the server's integration tests: a real server on a loopback port with a real
//! SQLite file in a temporary folder, a typed HTTP client built on the contract's endpoint
//! table, and a WebSocket client.
#![allow(dead_code)] // Each test binary uses part of the harness.

pub mod cascade;
pub mod chat;
pub mod coturn;
pub mod fixture;
pub mod gallery;

use std::time::Duration;

use chatenium_api::schemas::auth::{SignInReq, SuccessfulAuthResp};
use chatenium_api::ws::{ClientCommand, Frame, ServerEvent};
use chatenium_api::{Endpoint, ErrorBody, ErrorCode, Method, Payload, SignIn, WS_ID_HEADER};
use chatenium_server::{Config, RunningServer};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Longest wait for something that must happen; only a guard against hanging.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

/// A refused request: the status and the decoded error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: u16,
    pub code: ErrorCode,
}

/// A registered, signed-in user.
#[derive(Debug, Clone)]
pub struct User {
    pub userid: String,
    pub username: String,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh: String,
}

/// Who a request is from and which live connection made it.
#[derive(Debug, Clone, Copy, Default)]
pub struct As<'a> {
    pub token: Option<&'a str>,
    pub ws_id: Option<&'a str>,
}

impl User {
    pub fn auth(&self) -> As<'_> {
        As {
            token: Some(&self.token),
            ws_id: None,
        }
    }

    /// As this user, from the live connection `socket`.
    pub fn via<'a>(&'a self, socket: &'a Socket) -> As<'a> {
        As {
            token: Some(&self.token),
            ws_id: Some(&socket.conn_id),
        }
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut config = Config::in_dir(dir.path().join("data"));
        edit(&mut config);
        let server = chatenium_server::start(config)
            .await
            .expect("server starts");
        TestServer {
            server,
            dir,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url)
    }

    /// Calls endpoint `E` over HTTP exactly as the contract describes it.
    pub async fn call<E: Endpoint>(
        &self,
        who: As<'_>,
        query: &E::Query,
        body: &E::Body,
    ) -> Result<E::Response, Failure> {
        let meta = E::META;
        let method = match meta.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
        };
        let mut request = self.http.request(method, self.url(meta.path));
        if meta.query == Payload::Json {
            request = request.query(query);
        }
        if meta.body == Payload::Json {
            request = request.json(body);
        }
        if let Some(token) = who.token {
            request = request.header("Authorization", token);
        }
        if let Some(ws_id) = who.ws_id {
            request = request.header(WS_ID_HEADER, ws_id);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("a body");
        if (200..300).contains(&status) {
            Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{} answered {status} with a body that is not its response type: {e}: {}",
                    meta.name,
                    String::from_utf8_lossy(&bytes)
                )
            }))
        } else {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{} answered {status} without an error body: {e}: {}",
                    meta.name,
                    String::from_utf8_lossy(&bytes)
                )
            });
            Err(Failure {
                status,
                code: body.error,
            })
        }
    }

    /// Calls `E` and expects it to be refused with `code`.
    pub async fn refused<E: Endpoint>(
        &self,
        who: As<'_>,
        query: &E::Query,
        body: &E::Body,
        code: ErrorCode,
    ) {
        match self.call::<E>(who, query, body).await {
            Ok(_) => panic!("{} succeeded; expected {code}", E::META.name),
            Err(failure) => {
                assert_eq!(failure.code, code, "{}", E::META.name);
                assert_eq!(failure.status, code.status(), "{}", E::META.name);
            }
        }
    }

    /// Sends raw bytes to a path: for bodies no typed client would send.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.bytes().await.expect("a body").to_vec())
    }

    /// Signs `identity` in with `password`.
    pub async fn sign_in(
        &self,
        identity: &str,
        password: &str,
    ) -> Result<SuccessfulAuthResp, Failure> {
        let request = SignInReq {
            identity: identity.to_owned(),
            password: Some(password.to_owned()),
            challenge_id: None,
            os: "test".into(),
            language: "en".into(),
        };
        self.call::<SignIn>(As::default(), &(), &request).await
    }

    /// The code or token most recently sent to `to` (an e-mail address or phone number).
    pub fn secret_sent_to(&self, to: &str) -> String {
        self.server
            .outbox()
            .expect("the local outbox delivers")
            .latest_secret(to)
            .unwrap_or_else(|| panic!("nothing was sent to {to}"))
    }
}

pub struct Socket {
    pub stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    pub conn_id: String,
}

impl Socket {
    /// The next event; panics if none comes within [`PATIENCE`].
    pub async fn next_event(&mut self) -> ServerEvent {
        tokio::time::timeout(PATIENCE, self.read())
            .await
            .expect("an event arrives")
            .expect("the socket is open")
    }

    /// Every event sent to this connection before now: sends a `ping` and collects what
    /// arrives before the `pong` (the server sends queued frames first).
    pub async fn drain(&mut self) -> Vec<ServerEvent> {
        self.send(&ClientCommand::Ping).await;
        let mut events = Vec::new();
        loop {
            match self.next_event().await {
                ServerEvent::Pong => return events,
                event => events.push(event),
            }
        }
    }

    pub async fn send(&mut self, command: &ClientCommand) {
        self.stream
            .send(WsMessage::Text(command.to_frame().to_text().into()))
            .await
            .expect("send a frame");
    }

    /// `None` once the server closed the connection.
    pub async fn read(&mut self) -> Option<ServerEvent> {
        while let Some(message) = self.stream.next().await {
            match message {
                Ok(WsMessage::Text(text)) => {
                    let frame = Frame::parse(text.as_str()).expect("a frame");
                    return Some(ServerEvent::from_frame(&frame).expect("a known event"));
                }
                Ok(WsMessage::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
        None
    }
}

/// Signed storage URLs (row 28), which take and give raw bytes rather than JSON.
impl TestServer {
    /// PUTs `bytes` to a signed URL: the `ETag` it answers, or the refusal.
    pub async fn put_bytes(&self, url: &str, bytes: Vec<u8>) -> Result<String, Failure> {
        let response = self
            .http
            .put(url)
            .body(bytes)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.expect("a body");
        if (200..300).contains(&status) {
            Ok(etag.expect("a PUT answers an ETag"))
        } else {
            Err(failure(status, &body))
        }
    }

    /// GETs a signed URL: the bytes, or the refusal.
    pub async fn get_bytes(&self, url: &str) -> Result<Vec<u8>, Failure> {
        let response = self.http.get(url).send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("a body");
        if (200..300).contains(&status) {
            Ok(body.to_vec())
        } else {
            Err(failure(status, &body))
        }
    }
}

fn failure(status: u16, body: &[u8]) -> Failure {
    let error: ErrorBody = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "{status} without an error body: {e}: {}",
            String::from_utf8_lossy(body)
        )
    });
    Failure {
        status,
        code: error.error,
    }
}

/// Asserts a refusal with `code` and its status.
pub fn assert_refused<T: std::fmt::Debug>(outcome: Result<T, Failure>, code: ErrorCode) {
    match outcome {
        Ok(value) => panic!("succeeded with {value:?}; expected {code}"),
        Err(failure) => assert_eq!(
            failure,
            Failure {
                status: code.status(),
                code
            }
        ),
    }
}
