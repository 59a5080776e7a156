//! `cargo bench -p chatenium-core --bench sync`: the cost of live sync, each number next to a
//! baseline measured in the same run.
//!
//! 1. Ingest: frames per second through decode + store + timeline diff, batched as live sync
//!    batches a burst, each stage timed apart, against bare JSON decoding of the same frames
//!    (the least any client must do); the share of it the search index costs; and the old way,
//!    a transaction and a diff per frame.
//! 2. Latency, p50 and p99: a message from one client to another through the local server
//!    (send, store, fan-out, decode, store, diff), against a raw WebSocket echo round trip on
//!    loopback in the same run.
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
const ROUND_TRIPS: usize = 1_000;

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

/// How many frames arrive together in the batched runs. A firehose (frames arriving faster
/// than they are applied) fills the socket, and live sync then takes its most at once,
/// `MAX_BATCH` in `sync.rs`; the same figure with smaller bursts is printed beside it.
const BATCH: usize = 1024;
const SMALL_BATCH: usize = 64;

/// Time spent per stage of ingest, summed over a run.
#[derive(Default)]
struct Stages {
    decode: Duration,
    store: Duration,
    diff: Duration,
}

impl Stages {
    fn total(&self) -> Duration {
        self.decode + self.store + self.diff
    }
}

/// Ingest as live sync does it: each batch decoded, stored in one transaction and turned into
/// the timeline's diffs at once. `index`: keep the search index's triggers (the real store);
/// without them, the same run shows what indexing costs.
fn batched_ingest(frames: &[String], index: bool, batch_size: usize) -> Stages {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("bench.sqlite");
    let store = SqliteStore::open(&path).expect("store");
    if !index {
        let raw = rusqlite::Connection::open(&path).expect("raw connection");
        raw.execute_batch(
            "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_update;
             DROP TRIGGER messages_search_delete;",
        )
        .expect("drop the index's triggers");
    }
    let mut timeline = Timeline::new(Vec::new(), Vec::new());
    let mut stages = Stages::default();
    let mut shown = 0;
    for batch in frames.chunks(batch_size) {
        let started = Instant::now();
        let messages: Vec<Message> = batch.iter().filter_map(|text| decode(text)).collect();
        let decoded = Instant::now();
        store.upsert_messages(&messages).expect("store");
        let stored = Instant::now();
        for diff in timeline.upsert_all(messages) {
            shown += match diff {
                chatenium_core::diff::ListDiff::Append { items } => items.len(),
                _ => 1,
            };
        }
        let diffed = Instant::now();
        stages.decode += decoded - started;
        stages.store += stored - decoded;
        stages.diff += diffed - stored;
    }
    assert_eq!(shown, FRAMES);
    assert_eq!(timeline.items().len(), FRAMES);
    stages
}

/// How many times each batched configuration runs.
const RUNS: usize = 5;

fn median_run(mut runs: Vec<Stages>) -> Stages {
    runs.sort_by_key(Stages::total);
    runs.swap_remove(runs.len() / 2)
}

/// The way live sync used to ingest: every frame its own transaction and diff.
fn frame_by_frame_ingest(frames: &[String]) -> Duration {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("bench.sqlite")).expect("store");
    let mut timeline = Timeline::new(Vec::new(), Vec::new());
    let started = Instant::now();
    for text in frames {
        let Some(message) = decode(text) else {
            continue;
        };
        store
            .upsert_messages(std::slice::from_ref(&message))
            .expect("store");
        timeline.upsert(message);
    }
    started.elapsed()
}

fn ingest_benchmark() {
    let frames = frames();
    let mut bare_runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let decoded = frames.iter().filter_map(|text| decode(text)).count();
            assert_eq!(decoded, FRAMES);
            started.elapsed()
        })
        .collect();
    bare_runs.sort();
    let bare = bare_runs[RUNS / 2];

    // Interleaved and repeated, each figure the median run: on a shared machine one run alone
    // swings by a factor of two.
    let mut indexed = Vec::new();
    let mut unindexed = Vec::new();
    for _ in 0..RUNS {
        indexed.push(batched_ingest(&frames, true, BATCH));
        unindexed.push(batched_ingest(&frames, false, BATCH));
    }
    let (indexed, unindexed) = (median_run(indexed), median_run(unindexed));
    let small = batched_ingest(&frames, true, SMALL_BATCH);
    let single = frame_by_frame_ingest(&frames);

    let rate = |time: Duration| FRAMES as f64 / time.as_secs_f64();
    let per_frame = |time: Duration| time.as_secs_f64() * 1e6 / FRAMES as f64;
    let full = rate(indexed.total());
    println!("ingest: {full:>10.0} frames/s (decode + store + diff, {BATCH} frames a batch, search index kept; median of {RUNS})");
    println!(
        "        decode {:.2} us, store {:.2} us, diff {:.2} us per frame",
        per_frame(indexed.decode),
        per_frame(indexed.store),
        per_frame(indexed.diff)
    );
    println!(
        "        {:>10.0} frames/s (bare JSON decode, baseline)",
        rate(bare)
    );
    println!("        ratio {:.3} of baseline", full / rate(bare));
    let index_share = indexed
        .total()
        .saturating_sub(unindexed.total())
        .as_secs_f64()
        / indexed.total().as_secs_f64();
    println!(
        "        search indexing: {:.0}% of ingest time ({:>.0} frames/s without the index)",
        index_share * 100.0,
        rate(unindexed.total())
    );
    println!(
        "        {:>10.0} frames/s in bursts of {SMALL_BATCH} frames",
        rate(small.total())
    );
    println!(
        "        {:>10.0} frames/s one frame per transaction and diff (as before batching)",
        rate(single)
    );
}

async fn echo_round_trips() -> Vec<Duration> {
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
    samples
}

async fn client_to_client() -> Vec<Duration> {
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
    samples
}

/// The sample below which a share `p` of them lie (nearest rank).
fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    ingest_benchmark();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut echo, mut through) =
        runtime.block_on(async { (echo_round_trips().await, client_to_client().await) });
    let ms = |duration: Duration| duration.as_secs_f64() * 1e3;
    let (through_p50, through_p99) = (
        percentile(&mut through, 0.5),
        percentile(&mut through, 0.99),
    );
    let (echo_p50, echo_p99) = (percentile(&mut echo, 0.5), percentile(&mut echo, 0.99));
    println!(
        "latency: p50 {:>7.3} ms, p99 {:>7.3} ms send-to-receive between two clients ({ROUND_TRIPS} messages)",
        ms(through_p50),
        ms(through_p99)
    );
    println!(
        "         p50 {:>7.3} ms, p99 {:>7.3} ms raw WebSocket echo round trip (baseline, same run)",
        ms(echo_p50),
        ms(echo_p99)
    );
    println!(
        "         ratio p50 {:.1}x, p99 {:.1}x of baseline (target p99 <= 10x)",
        through_p50.as_secs_f64() / echo_p50.as_secs_f64(),
        through_p99.as_secs_f64() / echo_p99.as_secs_f64()
    );
}
