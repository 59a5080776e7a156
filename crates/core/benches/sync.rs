//! `cargo bench -p chatenium-core --bench sync`: the cost of live sync, each number next to a
//! baseline measured in the same run.
//!
//! 1. Ingest: frames per second through decode + store + timeline diff, against bare JSON
//!    decoding of the same frames (the least any client must do).
//! 2. Latency: a message from one client to another through the local server (send, store,
//!    fan-out, decode, store, diff), against a raw WebSocket echo round trip on loopback.
//!
//! Needs a Secret Service for the clients' tokens (run it as `./dev bench`, which provides one).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::Message;
use chatenium_api::ws::{Frame, ServerEvent};
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::timeline::Timeline;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const FRAMES: usize = 20_000;
const ROUND_TRIPS: usize = 200;

fn frames() -> Vec<String> {
    (0..FRAMES)
        .map(|n| {
            let message = Message {
                msgid: format!("m{n:08}"),
                chatid: "bench-chat".into(),
                author: "author".into(),
                message: format!("message number {n}, with a little text to decode"),
                sent_at: Timestamp::new(1_700_000_000 + (n / 100) as i64, (n % 100) as u32),
                is_edited: false,
                seen: false,
                pinned: false,
                reply_to_id: None,
                reply_to: None,
                files: vec![],
                client_key: None,
                forwarded_from: None,
                forwarded_from_name: None,
                meta_data: None,
            };
            ServerEvent::NewMessage(message)
                .to_frame(Some("author"))
                .to_text()
        })
        .collect()
}

fn decode(text: &str) -> Option<Message> {
    match Frame::parse(text).and_then(|frame| ServerEvent::from_frame(&frame)) {
        Ok(ServerEvent::NewMessage(message)) => Some(message),
        _ => None,
    }
}

fn ingest_benchmark() -> (f64, f64) {
    let frames = frames();
    let started = Instant::now();
    let decoded = frames.iter().filter_map(|text| decode(text)).count();
    let bare = started.elapsed();
    assert_eq!(decoded, FRAMES);

    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("bench.sqlite")).expect("store");
    let mut timeline = Timeline::new(Vec::new(), Vec::new());
    let started = Instant::now();
    let mut diffs = 0;
    // As live sync does: each frame decoded, stored and turned into a timeline diff.
    for text in &frames {
        let Some(message) = decode(text) else {
            continue;
        };
        store
            .upsert_messages(std::slice::from_ref(&message))
            .expect("store");
        diffs += timeline.upsert(message).len();
    }
    let full = started.elapsed();
    assert_eq!(diffs, FRAMES);
    (
        FRAMES as f64 / bare.as_secs_f64(),
        FRAMES as f64 / full.as_secs_f64(),
    )
}

async fn echo_round_trip() -> Duration {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut socket = tokio_tungstenite::accept_async(stream)
            .await
            .expect("upgrade");
        while let Some(Ok(message)) = socket.next().await {
            if socket.send(message).await.is_err() {
                break;
            }
        }
    });
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}"))
        .await
        .expect("connect");
    let frame = frames().swap_remove(0);
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        socket
            .send(WsMessage::Text(frame.clone().into()))
            .await
            .expect("send");
        socket.next().await.expect("echo").expect("echo");
        samples.push(started.elapsed());
    }
    median(samples)
}

async fn client_to_client() -> Duration {
    use chatenium_api::schemas::auth::RegisterReq;
    use chatenium_api::schemas::contacts::AddContactReq;
    use chatenium_core::api::ApiClient;
    use chatenium_core::session::Session;
    use chatenium_core::{Client, ConnectionState, CoreEvent};

    let dir = tempfile::tempdir().expect("temporary folder");
    let server =
        chatenium_server::start(chatenium_server::Config::in_dir(dir.path().join("server")))
            .await
            .expect("server");
    let keyring: Arc<dyn chatenium_core::tokens::TokenStore> =
        Arc::new(chatenium_core::tokens::KeyringTokenStore::with_service(
            format!("chatenium-bench-{}", std::process::id()),
        ));
    let mut clients = Vec::new();
    for name in ["benchsender", "benchreader"] {
        let api = Arc::new(ApiClient::new(&server.base_url).expect("client"));
        let request = RegisterReq {
            username: name.into(),
            display_name: name.into(),
            email: format!("{name}@example.test"),
            password: "bench-password".into(),
            phone: None,
            os: "bench".into(),
            language: "en".into(),
        };
        let auth = api
            .send::<chatenium_api::Register>(None, &(), &request)
            .await
            .expect("register");
        let session = Session::from_auth(api, Arc::clone(&keyring), &auth)
            .await
            .expect("session");
        let store =
            Arc::new(SqliteStore::open(&dir.path().join(format!("{name}.sqlite"))).expect("store"));
        clients.push(Client::start(session, store));
    }
    let (sender, reader) = (&clients[0], &clients[1]);
    let chatid = sender
        .session()
        .call::<chatenium_api::CreateContact>(
            &(),
            &AddContactReq {
                userid: reader.userid().to_owned(),
            },
        )
        .await
        .expect("contact")
        .chatid;
    for client in [sender, reader] {
        let mut connection = client.connection();
        connection
            .wait_for(|s| *s == ConnectionState::Online)
            .await
            .expect("online");
    }
    reader.open_timeline(&chatid).await.expect("timeline");
    let mut events = reader.events();
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for n in 0..ROUND_TRIPS {
        let started = Instant::now();
        sender
            .send_message(&chatid, &format!("latency {n}"), None, vec![])
            .await
            .expect("send");
        loop {
            match events.recv().await.expect("events") {
                CoreEvent::Timeline {
                    diff: chatenium_core::diff::ListDiff::Insert { .. },
                    ..
                } => break,
                _ => continue,
            }
        }
        samples.push(started.elapsed());
    }
    for client in clients {
        let _ = client.session().forget().await;
        client.shut_down().await;
    }
    median(samples)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let (bare, full) = ingest_benchmark();
    println!("ingest: {full:>10.0} frames/s (decode + store + diff)");
    println!("        {bare:>10.0} frames/s (bare JSON decode, baseline)");
    println!("        ratio {:.3} of baseline", full / bare);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (echo, through) =
        runtime.block_on(async { (echo_round_trip().await, client_to_client().await) });
    println!(
        "latency: {:>8.3} ms send-to-receive between two clients (median of {ROUND_TRIPS})",
        through.as_secs_f64() * 1e3
    );
    println!(
        "         {:>8.3} ms raw WebSocket echo round trip (baseline)",
        echo.as_secs_f64() * 1e3
    );
    println!(
        "         ratio {:.2}x of baseline",
        through.as_secs_f64() / echo.as_secs_f64()
    );
}
