//! Property-based fuzzing (proptest) of what the network hands the engine (issue 16): WebSocket
//! frames into the frame and event decoders, API replies into the request path's decoders,
//! and frames into a live client's sync (the step that applies events to the cache, the chat
//! list and the timelines). A frame or reply the engine cannot use is an error or skipped,
//! never a panic: every panic in the process is counted, and the count must stay 0.
//!
//! The live client talks to the real server through a proxy on loopback that passes HTTP and
//! the socket through and slips the generated frames in between the server's. Templates are
//! the real server's own frames and replies, mutated field by field; raw text and arbitrary
//! JSON come too. Cases: a short run by default, `CHATENIUM_SOAK=full` (`./dev soak`) more.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Instant;

use axum::extract::ws::{Message as ProxiedMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use chatenium_api::schemas::auth::RefreshTokenPairReq;
use chatenium_api::schemas::dm::{GetMessagesQuery, SendMessageReq};
use chatenium_api::ws::{self, Frame, ServerEvent};
use chatenium_api::{
    DmGetMessages, DmSendMessage, Endpoint, GetCascades, GetContacts, GetSessions, RotateTokenPair,
    WsUpgrade,
};
use chatenium_core::api::ApiClient;
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::Client;
use common::{befriend, client, register, wait_online, LocalServer};
use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message as WsMessage;

struct Cases {
    /// Frames into the decoders.
    frames: usize,
    /// Replies into the request path.
    replies: usize,
    /// Bursts of frames into a live client, each followed by a real message it must receive.
    live: usize,
}

impl Cases {
    fn from_env() -> Cases {
        if std::env::var("CHATENIUM_SOAK").as_deref() == Ok("full") {
            Cases {
                frames: 100_000,
                replies: 10_000,
                live: 2_000,
            }
        } else {
            Cases {
                frames: 2_000,
                replies: 300,
                live: 40,
            }
        }
    }
}

// ---- Panics ----

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts every panic in the process (a spawned task's too), then reports it as before.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

// ---- What is generated ----

/// Any JSON document, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z0-9]{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{0,12}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Values that break assumptions: ids that exist, empty and huge text, extreme numbers.
fn awkward_values(known_ids: Vec<String>) -> impl Strategy<Value = Value> {
    let mut awkward = vec![
        Value::from(""),
        Value::from("x".repeat(100_000)),
        Value::from("\u{0}\u{202e}\u{1F600}<script>"),
        Value::from(i64::MAX),
        Value::from(i64::MIN),
        Value::from(-1),
        Value::from(u64::MAX),
        Value::from(1e308),
        Value::Array(vec![]),
        Value::Object(Default::default()),
        serde_json::json!([[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]),
    ];
    awkward.extend(known_ids.into_iter().map(Value::from));
    prop::sample::select(awkward)
}

/// One change to a JSON document: at the `pick`th place in it, a new value, or nothing.
#[derive(Debug, Clone)]
struct Edit {
    pick: usize,
    replacement: Option<Value>,
    /// Keep the kind of value that was there (text stays text, a number a number), so that
    /// the document still decodes and its content reaches the engine's state.
    same_kind: bool,
}

fn edits(known_ids: Vec<String>) -> impl Strategy<Value = Vec<Edit>> {
    let replacement = prop_oneof![
        1 => Just(None),
        3 => any_json().prop_map(Some),
        3 => awkward_values(known_ids).prop_map(Some),
    ];
    let edit = (any::<usize>(), replacement, prop::bool::weighted(0.7)).prop_map(
        |(pick, replacement, same_kind)| Edit {
            pick,
            replacement,
            same_kind,
        },
    );
    prop::collection::vec(edit, 1..4)
}

/// `new` as the kind of `old`: `None` when it cannot be (the place is left as it was).
fn as_kind_of(old: &Value, new: &Value) -> Option<Value> {
    match (old, new) {
        (Value::String(_), Value::String(_)) | (Value::Number(_), Value::Number(_)) => {
            Some(new.clone())
        }
        (Value::String(_), other) => Some(Value::String(other.to_string())),
        (Value::Bool(flag), _) => Some(Value::Bool(!flag)),
        (Value::Number(_), _) => Some(Value::from(new.to_string().len())),
        _ => None,
    }
}

/// Every JSON pointer in `value`, the root's ("") first.
fn pointers(value: &Value, at: String, into: &mut Vec<String>) {
    into.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{escaped}"), into);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{index}"), into);
            }
        }
        _ => {}
    }
}

fn mutate(mut value: Value, edits: &[Edit]) -> Value {
    for edit in edits {
        let mut places = Vec::new();
        pointers(&value, String::new(), &mut places);
        let place = &places[edit.pick % places.len()];
        let slot = value.pointer_mut(place).unwrap();
        if edit.same_kind {
            if let Some(new) = edit
                .replacement
                .as_ref()
                .and_then(|new| as_kind_of(slot, new))
            {
                *slot = new;
            }
            continue;
        }
        match (&edit.replacement, place.rsplit_once('/')) {
            (Some(new), _) => *slot = new.clone(),
            (None, Some((parent, key))) => match value.pointer_mut(parent).unwrap() {
                Value::Object(map) => {
                    map.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                Value::Array(items) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                _ => {}
            },
            (None, None) => value = Value::Null,
        }
    }
    value
}

/// The text of one WebSocket frame: a real frame mutated, another action's name on real data,
/// arbitrary data under a real action, arbitrary JSON, or arbitrary text.
fn frame_text(templates: Vec<Frame>, known_ids: Vec<String>) -> impl Strategy<Value = String> {
    let actions: Vec<String> = templates.iter().map(|f| f.action.clone()).collect();
    let mutated =
        (prop::sample::select(templates.clone()), edits(known_ids)).prop_map(|(frame, edits)| {
            let data = serde_json::from_str(&frame.data).unwrap_or(Value::Null);
            Frame {
                data: mutate(data, &edits).to_string(),
                ..frame
            }
            .to_text()
        });
    let renamed = (
        prop::sample::select(templates),
        prop::sample::select(actions.clone()),
    )
        .prop_map(|(frame, action)| Frame { action, ..frame }.to_text());
    let arbitrary_data = (prop::sample::select(actions), any_json()).prop_map(|(action, data)| {
        Frame {
            action,
            data: data.to_string(),
            sender: None,
            position: None,
        }
        .to_text()
    });
    prop_oneof![
        6 => mutated,
        1 => renamed,
        2 => arbitrary_data,
        1 => any_json().prop_map(|v| v.to_string()),
        1 => any::<String>(),
    ]
}

/// One generated value (no shrinking: a failure prints the case instead).
fn generate<S: Strategy>(strategy: &S, runner: &mut TestRunner) -> S::Value {
    strategy.new_tree(runner).unwrap().current()
}

// ---- The proxy between the live client and the server ----

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    /// Frames to slip into every proxied socket.
    inject: broadcast::Sender<String>,
    /// Every text frame the server sent through the proxy.
    seen: Arc<Mutex<Vec<String>>>,
}

async fn start_proxy(upstream: &str) -> (String, Proxy) {
    let proxy = Proxy {
        upstream: upstream.to_owned(),
        http: reqwest::Client::new(),
        inject: broadcast::channel(1024).0,
        seen: Arc::default(),
    };
    let app = Router::new()
        .route(WsUpgrade::META.path, axum::routing::get(proxy_socket))
        .fallback(proxy_http)
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, proxy)
}

async fn proxy_http(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut forwarded = proxy
        .http
        .request(parts.method, format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != axum::http::header::HOST {
            forwarded = forwarded.header(name, value);
        }
    }
    let Ok(answer) = forwarded.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    let mut response = (status, bytes).into_response();
    for (name, value) in &headers {
        if name != axum::http::header::TRANSFER_ENCODING {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

async fn proxy_socket(
    State(proxy): State<Proxy>,
    RawQuery(query): RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    let url = format!(
        "{}{}?{}",
        proxy.upstream.replacen("http://", "ws://", 1),
        WsUpgrade::META.path,
        query.unwrap_or_default()
    );
    match tokio_tungstenite::connect_async(url).await {
        Ok((server, _)) => {
            let injected = proxy.inject.subscribe();
            upgrade.on_upgrade(move |client| relay(client, server, injected, proxy.seen))
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(refused)) => {
            StatusCode::from_u16(refused.status().as_u16())
                .unwrap_or(StatusCode::BAD_GATEWAY)
                .into_response()
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

type ServerSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn relay(
    client: WebSocket,
    server: ServerSocket,
    mut injected: broadcast::Receiver<String>,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let (mut to_client, mut from_client) = client.split();
    let (mut to_server, mut from_server) = server.split();
    loop {
        let open = tokio::select! {
            frame = from_server.next() => match frame {
                Some(Ok(WsMessage::Text(text))) => {
                    seen.lock().unwrap().push(text.to_string());
                    to_client.send(ProxiedMessage::Text(text.as_str().into())).await.is_ok()
                }
                Some(Ok(WsMessage::Close(_)) | Err(_)) | None => false,
                Some(Ok(_)) => true,
            },
            frame = from_client.next() => match frame {
                Some(Ok(ProxiedMessage::Text(text))) => {
                    to_server.send(WsMessage::Text(text.as_str().into())).await.is_ok()
                }
                Some(Ok(ProxiedMessage::Close(_)) | Err(_)) | None => false,
                Some(Ok(_)) => true,
            },
            frame = injected.recv() => match frame {
                Ok(text) => to_client.send(ProxiedMessage::Text(text.into())).await.is_ok(),
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => false,
            },
        };
        if !open {
            break;
        }
    }
}

// ---- A server that answers whatever the case says ----

#[derive(Clone, Default)]
struct Replies(Arc<Mutex<(u16, Vec<u8>)>>);

async fn start_replier() -> (String, Replies) {
    let replies = Replies::default();
    let app = Router::new()
        .fallback(|State(replies): State<Replies>| async move {
            let (status, body) = replies.0.lock().unwrap().clone();
            (StatusCode::from_u16(status).unwrap(), body)
        })
        .with_state(replies.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, replies)
}

/// The endpoints whose replies are fuzzed: those live sync and catch-up read.
#[derive(Debug, Clone, Copy)]
enum Fuzzed {
    Contacts,
    Sessions,
    Cascades,
    Messages,
    Send,
    Rotate,
}

/// Answers whether the reply decoded (errors are the expected outcome of most cases; only a
/// panic would fail).
async fn call_and_decode(api: &ApiClient, endpoint: Fuzzed) -> bool {
    let token = Some("token");
    match endpoint {
        Fuzzed::Contacts => api.send::<GetContacts>(token, &(), &()).await.is_ok(),
        Fuzzed::Sessions => api.send::<GetSessions>(token, &(), &()).await.is_ok(),
        Fuzzed::Cascades => api.send::<GetCascades>(token, &(), &()).await.is_ok(),
        Fuzzed::Messages => {
            let query = GetMessagesQuery {
                chatid: "c".into(),
                from: None,
                limit: None,
                after: None,
            };
            api.send::<DmGetMessages>(token, &query, &()).await.is_ok()
        }
        Fuzzed::Send => {
            let body = SendMessageReq {
                chatid: "c".into(),
                message: "m".into(),
                reply_to_id: None,
                file_ids: vec![],
                client_key: "k".into(),
            };
            api.send::<DmSendMessage>(token, &(), &body).await.is_ok()
        }
        Fuzzed::Rotate => {
            let body = RefreshTokenPairReq {
                refresh_token: "r".into(),
            };
            api.send::<RotateTokenPair>(None, &(), &body).await.is_ok()
        }
    }
}

// ---- The run ----

/// Events of the kinds the DM actions below do not produce, written from the contract's types.
fn contract_templates() -> Vec<Frame> {
    let (cascade_id, thread_id) = ("cascade".to_owned(), "thread".to_owned());
    [
        ServerEvent::Pong,
        ServerEvent::ThreadClosed(ws::ThreadRef {
            cascade_id: cascade_id.clone(),
            thread_id: thread_id.clone(),
        }),
        ServerEvent::EditedThreadMessage(ws::EditedThreadMessage {
            cascade_id: cascade_id.clone(),
            thread_id: thread_id.clone(),
            msgid: "m".into(),
            message: "text".into(),
        }),
        ServerEvent::DeletedThreadMessage(ws::DeletedThreadMessages {
            cascade_id: cascade_id.clone(),
            thread_id: thread_id.clone(),
            msgids: vec!["m".into()],
        }),
        ServerEvent::CascadeDeleted(ws::CascadeRef {
            cascade_id: cascade_id.clone(),
        }),
        ServerEvent::KickedFromCascade(ws::CascadeRemoval {
            cascade_id: cascade_id.clone(),
            banned: true,
            reason: Some("reason".into()),
        }),
        ServerEvent::MemberJoined(ws::MemberChange {
            cascade_id,
            userid: "u".into(),
        }),
        ServerEvent::TransferDeclined(ws::TransferRef {
            transfer_id: "t".into(),
        }),
        ServerEvent::TransferOffer(ws::TransferSdp {
            transfer_id: "t".into(),
            sdp: "v=0".into(),
        }),
        ServerEvent::CallEnded(ws::CallEnd {
            chatid: "c".into(),
            reason: None,
        }),
    ]
    .iter()
    .map(|event| event.to_frame(None))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_fuzz_frames_and_replies_into_the_engine_without_a_panic() {
    count_panics();
    let cases = Cases::from_env();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        &dir.path().join("server"),
        |config| config.rate_limits = chatenium_server::config::RateLimits::off(),
    );
    let (proxied_url, proxy) = start_proxy(&server.base_url()).await;
    let api = ApiClient::new(server.base_url()).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    // Anna goes through the proxy; Bela straight to the server.
    let anna_path = dir.path().join("anna.sqlite");
    let anna = client(&proxied_url, &anna_auth, &anna_path).await;
    let bela = client(
        &server.base_url(),
        &bela_auth,
        &dir.path().join("bela.sqlite"),
    )
    .await;
    wait_online(&anna).await;
    let chatid = befriend(&bela, &anna_auth.userid).await;
    let anna_store = SqliteStore::open(&anna_path).unwrap();

    // Real frames and replies to start from: what Bela's actions send Anna.
    let sent = real_exchange(&bela, &anna, &anna_store, &chatid).await;
    let mut templates: Vec<Frame> = proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|text| Frame::parse(text).ok())
        // Ending the session is the server's right; it would only end the run.
        .filter(|frame| frame.action != "sessionRevoked")
        .collect();
    templates.extend(contract_templates());
    let mut known_ids = vec![
        chatid.clone(),
        anna_auth.userid.clone(),
        bela_auth.userid.clone(),
    ];
    known_ids.extend(sent.iter().map(|m| m.msgid.clone()));
    // The real replies of each endpoint fuzzed.
    let reply_templates = [
        (Fuzzed::Contacts, json_of(&anna.chat_list().await.unwrap())),
        (
            Fuzzed::Sessions,
            json_of(&anna.session().call::<GetSessions>(&(), &()).await.unwrap()),
        ),
        (Fuzzed::Cascades, Value::Array(vec![])),
        (Fuzzed::Messages, json_of(&sent)),
        (Fuzzed::Send, json_of(&sent[0])),
        (Fuzzed::Rotate, json_of(&anna_auth)),
    ];

    let mut runner = TestRunner::deterministic();
    let frames = frame_text(templates.clone(), known_ids.clone());

    // 1. Frames into the decoders.
    let mut decoded = 0;
    for _ in 0..cases.frames {
        let text = generate(&frames, &mut runner);
        decoded += usize::from(
            Frame::parse(&text)
                .and_then(|frame| ServerEvent::from_frame(&frame))
                .is_ok(),
        );
    }

    // 2. Replies into the request path: a status and a body, decoded as each endpoint's.
    let (replier_url, replies) = start_replier().await;
    let replier = ApiClient::new(replier_url).unwrap();
    let reply = (
        0..reply_templates.len(),
        prop::sample::select(vec![
            200u16, 201, 204, 400, 401, 404, 409, 413, 429, 500, 503,
        ]),
        edits(known_ids.clone()),
        prop_oneof![
            6 => Just(None),
            1 => any_json().prop_map(|v| Some(v.to_string().into_bytes())),
            1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Some),
        ],
    );
    let mut replies_decoded = 0;
    for _ in 0..cases.replies {
        let (endpoint, status, edits, raw) = generate(&reply, &mut runner);
        let (endpoint, template) = &reply_templates[endpoint];
        let body = raw.unwrap_or_else(|| mutate(template.clone(), &edits).to_string().into_bytes());
        *replies.0.lock().unwrap() = (status, body);
        replies_decoded += usize::from(call_and_decode(&replier, *endpoint).await);
    }

    // 3. Bursts of frames into the live client; after each, a real message must still arrive.
    let burst = prop::collection::vec(frames, 1..6);
    let mut events = anna.events();
    let mut injected = 0;
    for case in 0..cases.live {
        let texts = generate(&burst, &mut runner);
        injected += texts.len();
        for text in texts {
            let _ = proxy.inject.send(text);
        }
        let barrier = format!("barrier {case}");
        bela.send_message(&chatid, &barrier, None, vec![])
            .await
            .unwrap();
        common::wait_until(&mut events, || async {
            anna_store
                .latest_messages(&chatid, 10)
                .map(|m| m.iter().any(|m| m.message == barrier))
                .unwrap_or(false)
        })
        .await;
    }

    let panics = PANICS.load(Ordering::SeqCst);
    println!(
        "fuzz: {} frames into the decoders ({decoded} decoded as events), {} API replies into \
         the request path ({replies_decoded} decoded), {} bursts ({injected} frames) into a live client that still received \
         every real message after them: {panics} panics ({:.1} s)",
        cases.frames,
        cases.replies,
        cases.live,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(panics, 0, "no frame or reply makes the engine panic");
    for client in [anna, bela] {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// Bela writes to Anna, edits, pins and deletes; answers the messages as Anna stored them.
async fn real_exchange(
    bela: &Client,
    anna: &Client,
    anna_store: &SqliteStore,
    chatid: &str,
) -> Vec<chatenium_api::schemas::dm::Message> {
    let mut events = anna.events();
    for n in 0..3 {
        bela.send_message(chatid, &format!("real {n}"), None, vec![])
            .await
            .unwrap();
    }
    common::wait_until(&mut events, || async {
        anna_store
            .latest_messages(chatid, 10)
            .map(|m| m.len() == 3)
            .unwrap_or(false)
    })
    .await;
    let stored = anna_store.latest_messages(chatid, 10).unwrap();
    bela.edit_message(chatid, &stored[0].msgid, "real 0 edited")
        .await
        .unwrap();
    bela.set_pinned(chatid, &stored[1].msgid, true)
        .await
        .unwrap();
    bela.delete_messages(chatid, vec![stored[2].msgid.clone()])
        .await
        .unwrap();
    common::wait_until(&mut events, || async {
        anna_store
            .latest_messages(chatid, 10)
            .map(|m| m.len() == 2)
            .unwrap_or(false)
    })
    .await;
    stored
}
