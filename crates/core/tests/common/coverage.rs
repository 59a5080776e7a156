//! Proving that a test drives every endpoint of the contract: [`Recorder`] sends each request
//! through the core's own request path and notes the endpoints that answered with success, so
//! a test can end by comparing them with the contract's table. Also what the endpoint tests
//! observe besides the core: a plain WebSocket of a user ([`Observer`]), the server's local mail
//! and push outboxes, and its database for the few effects no endpoint reads back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chatenium_api::schemas::auth::{RegisterReq, SignInReq, SuccessfulAuthResp};
use chatenium_api::schemas::contacts::AddContactReq;
use chatenium_api::schemas::dm::SendMessageReq;
use chatenium_api::ws::{ClientCommand, Frame, ServerEvent};
use chatenium_api::{
    Auth, CreateContact, DmSendMessage, Endpoint, EndpointMeta, Register, SignIn,
    UploadToSignedUrl, WsUpgrade, ENDPOINTS,
};
use chatenium_core::api::ApiClient;
use chatenium_core::session::Session;
use chatenium_core::store::SqliteStore;
use chatenium_core::tokens::AccountKey;
use chatenium_core::{Client, ClientError};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{test_keyring, PATIENCE};

/// The endpoints that answered a request with success, by row number.
#[derive(Default)]
pub struct Recorder {
    succeeded: Mutex<BTreeMap<u8, &'static str>>,
}

impl Recorder {
    fn note(&self, meta: EndpointMeta) {
        self.succeeded
            .lock()
            .unwrap()
            .insert(meta.number, meta.name);
    }

    /// Calls token endpoint `E` as `session`'s user ([`Session::call`]: refresh and retries
    /// included).
    pub async fn call<E: Endpoint>(
        &self,
        session: &Session,
        query: &E::Query,
        body: &E::Body,
    ) -> Result<E::Response, ClientError> {
        assert_eq!(
            E::META.auth,
            Auth::AccessToken,
            "{} takes a token",
            E::META.name
        );
        let outcome = session.call::<E>(query, body).await;
        if outcome.is_ok() {
            self.note(E::META);
        }
        outcome
    }

    /// [`Recorder::call`] that must succeed.
    pub async fn ok<E: Endpoint>(
        &self,
        session: &Session,
        query: &E::Query,
        body: &E::Body,
    ) -> E::Response {
        self.call::<E>(session, query, body)
            .await
            .unwrap_or_else(|e| panic!("{} failed: {e}", E::META.name))
    }

    /// Calls token endpoint `E` and expects the server to refuse it with `code`.
    pub async fn refused<E: Endpoint>(
        &self,
        session: &Session,
        query: &E::Query,
        body: &E::Body,
        code: chatenium_api::ErrorCode,
    ) {
        match self.call::<E>(session, query, body).await {
            Err(ClientError::Api { code: got, .. }) => {
                assert_eq!(got, code, "{} was refused for another reason", E::META.name)
            }
            Err(other) => panic!("{} failed otherwise: {other}", E::META.name),
            Ok(_) => panic!("{} succeeded; expected {code}", E::META.name),
        }
    }

    /// Sends open endpoint `E` (sign-in, registration and the like) with [`ApiClient::send`].
    pub async fn send<E: Endpoint>(
        &self,
        api: &ApiClient,
        query: &E::Query,
        body: &E::Body,
    ) -> Result<E::Response, ClientError> {
        assert_eq!(E::META.auth, Auth::None, "{} is open", E::META.name);
        let outcome = api.send::<E>(None, query, body).await;
        if outcome.is_ok() {
            self.note(E::META);
        }
        outcome
    }

    /// [`Recorder::send`] that must succeed.
    pub async fn sent<E: Endpoint>(
        &self,
        api: &ApiClient,
        query: &E::Query,
        body: &E::Body,
    ) -> E::Response {
        self.send::<E>(api, query, body)
            .await
            .unwrap_or_else(|e| panic!("{} failed: {e}", E::META.name))
    }

    /// PUTs bytes to a signed storage URL (row 28) the way the core's uploads do; answers the
    /// `ETag`.
    pub async fn put_signed(&self, api: &ApiClient, url: &str, bytes: Vec<u8>) -> String {
        let path = UploadToSignedUrl::META.path;
        assert!(
            url.starts_with(&format!("{}{path}?", api.base_url())),
            "a signed URL of this server's storage: {url}"
        );
        let etag = api
            .put_signed(url, bytes)
            .await
            .unwrap_or_else(|e| panic!("the signed PUT failed: {e}"));
        assert!(!etag.is_empty(), "a PUT answers an ETag");
        self.note(UploadToSignedUrl::META);
        etag
    }

    /// Waits until the running `client` is online: its WebSocket upgrade (row 1) went through,
    /// the server's first frame named the connection, and the client caught up.
    pub async fn online(&self, client: &Client) {
        super::wait_online(client).await;
        assert!(
            client.session().api().ws_id().is_some(),
            "the socket's connectionId is sent as X-WS-ID"
        );
        self.note(WsUpgrade::META);
    }

    /// The contract's endpoints that have not answered with success yet.
    pub fn missing(&self) -> Vec<&'static str> {
        let succeeded = self.succeeded.lock().unwrap();
        ENDPOINTS
            .iter()
            .filter(|e| !succeeded.contains_key(&e.number))
            .map(|e| e.name)
            .collect()
    }

    /// How many endpoints answered with success.
    pub fn count(&self) -> usize {
        self.succeeded.lock().unwrap().len()
    }
}

/// A server the endpoint tests drive and the recorder every request goes through.
pub struct World {
    pub server: super::LocalServer,
    pub api: Arc<ApiClient>,
    pub rec: Arc<Recorder>,
    pub dir: PathBuf,
    /// Users whose tokens went to the keyring, to take out again at the end.
    signed_in: Mutex<BTreeSet<String>>,
}

/// A registered user and their signed-in session.
pub struct User {
    pub name: String,
    pub email: String,
    pub password: String,
    pub auth: SuccessfulAuthResp,
    pub session: Session,
}

impl User {
    pub fn id(&self) -> &str {
        &self.auth.userid
    }
}

impl World {
    pub fn start(dir: &Path, edit: impl FnOnce(&mut chatenium_server::Config)) -> World {
        let server = super::LocalServer::start_with(
            "127.0.0.1:0".parse().unwrap(),
            &dir.join("server"),
            edit,
        );
        let api = Arc::new(ApiClient::new(server.base_url()).unwrap());
        World {
            server,
            api,
            rec: Arc::default(),
            dir: dir.to_owned(),
            signed_in: Mutex::default(),
        }
    }

    /// Registers `name` (row 10) and starts a session for them (its tokens go to the keyring).
    pub async fn user(&self, name: &str) -> User {
        let email = format!("{name}@example.test");
        let password = format!("{name}-password-1");
        let request = RegisterReq {
            username: name.into(),
            display_name: format!("{name} display"),
            email: email.clone(),
            password: password.clone(),
            phone: None,
            os: "test".into(),
            language: "en".into(),
        };
        let auth = self.rec.sent::<Register>(&self.api, &(), &request).await;
        assert_eq!(auth.user.username, name);
        let session = self.session(&auth).await;
        User {
            name: name.into(),
            email,
            password,
            auth,
            session,
        }
    }

    /// A session of its own (a second device) for `auth`.
    pub async fn session(&self, auth: &SuccessfulAuthResp) -> Session {
        self.signed_in.lock().unwrap().insert(auth.userid.clone());
        let api = Arc::new(ApiClient::new(self.server.base_url()).unwrap());
        Session::from_auth(api, test_keyring(), auth)
            .await
            .expect("a session")
    }

    /// Signs `identity` in with `password` (row 8), as a device with `os`.
    pub async fn sign_in(
        &self,
        identity: &str,
        password: &str,
        os: &str,
    ) -> Result<SuccessfulAuthResp, ClientError> {
        let request = SignInReq {
            identity: identity.into(),
            password: Some(password.into()),
            challenge_id: None,
            os: os.into(),
            language: "en".into(),
        };
        self.rec.send::<SignIn>(&self.api, &(), &request).await
    }

    /// A running client of `user` (live sync and outbox) on a session of its own.
    pub async fn client(&self, user: &User) -> Client {
        self.signed_in.lock().unwrap().insert(user.id().to_owned());
        super::client(&self.server.base_url(), &user.auth, &self.store_path(user)).await
    }

    /// The local cache of `user`'s client, for reading what it holds.
    pub fn cache(&self, user: &User) -> SqliteStore {
        SqliteStore::open(&self.store_path(user)).unwrap()
    }

    fn store_path(&self, user: &User) -> PathBuf {
        self.dir.join(format!("{}-{}.sqlite", user.name, user.id()))
    }

    /// Makes `a` and `b` partners: `a` adds `b` (row 33) and `b` accepts by replying (row 38).
    /// Answers the chat id.
    pub async fn befriend(&self, a: &User, b: &User) -> String {
        let request = AddContactReq {
            userid: b.id().to_owned(),
        };
        let contact = self
            .rec
            .ok::<CreateContact>(&a.session, &(), &request)
            .await;
        let reply = text(&contact.chatid, "hello");
        self.rec.ok::<DmSendMessage>(&b.session, &(), &reply).await;
        contact.chatid
    }

    /// Takes every user's tokens out of the keyring.
    pub async fn forget_all(&self) {
        let userids: Vec<String> = self.signed_in.lock().unwrap().iter().cloned().collect();
        let server = self.api.base_url().to_owned();
        tokio::task::spawn_blocking(move || {
            let keyring = test_keyring();
            for userid in userids {
                let account = AccountKey {
                    server: server.clone(),
                    userid,
                };
                keyring.delete(&account).expect("the keyring entry goes");
            }
        })
        .await
        .unwrap();
    }

    /// The code or token the server most recently mailed or texted to `to`.
    pub fn secret_sent_to(&self, to: &str) -> String {
        let outbox = std::fs::read_to_string(self.server.data_dir.join("outbox.jsonl"))
            .expect("the local outbox");
        outbox
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .rev()
            .find(|m| m["to"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(to)))
            .and_then(|m| m["secret"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("nothing was sent to {to}"))
    }

    /// Every push notification the server sent, as JSON (`service`, `token`, `message`).
    pub fn pushes(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.server.data_dir.join("pushes.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// One number from the server's database: for the effects no endpoint reads back.
    pub fn number(&self, query: &str, value: &str) -> i64 {
        let connection =
            rusqlite::Connection::open(self.server.data_dir.join("server.sqlite")).unwrap();
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        connection
            .query_row(query, [value], |row| row.get(0))
            .unwrap()
    }
}

/// A text message with a client key of its own.
pub fn text(chatid: &str, message: &str) -> SendMessageReq {
    SendMessageReq {
        chatid: chatid.to_owned(),
        message: message.to_owned(),
        reply_to_id: None,
        file_ids: Vec::new(),
        client_key: client_key(),
    }
}

/// A fresh idempotency key, as the core's outbox makes one for each send.
pub fn client_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A user's plain WebSocket, for watching events the core does not follow itself (transfers,
/// calls). It connects where the core's client does ([`ApiClient::websocket_url`]).
pub struct Observer {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Observer {
    pub async fn connect(session: &Session) -> Observer {
        let token = session.access_token().await.unwrap();
        let url = session.api().websocket_url(&token);
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut observer = Observer { socket };
        match observer.next().await {
            ServerEvent::ConnectionId(_) => observer,
            other => panic!("the first frame was {other:?}"),
        }
    }

    async fn next(&mut self) -> ServerEvent {
        let read = async {
            while let Some(message) = self.socket.next().await {
                if let WsMessage::Text(text) = message.expect("the socket stays open") {
                    let frame = Frame::parse(text.as_str()).expect("a frame");
                    return ServerEvent::from_frame(&frame).expect("a known event");
                }
            }
            panic!("the server closed the socket");
        };
        tokio::time::timeout(PATIENCE, read)
            .await
            .expect("an event arrives")
    }

    /// Everything sent to this connection so far: a `ping` goes out and the events before its
    /// `pong` come back (the server sends queued frames in order).
    pub async fn drain(&mut self) -> Vec<ServerEvent> {
        let ping = ClientCommand::Ping.to_frame().to_text();
        self.socket
            .send(WsMessage::Text(ping.into()))
            .await
            .unwrap();
        let mut events = Vec::new();
        loop {
            match self.next().await {
                ServerEvent::Pong => return events,
                event => events.push(event),
            }
        }
    }
}
