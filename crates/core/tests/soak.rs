//! The client under chaos (issue 16), each against the real server on loopback: two clients
//! exchanging messages while the server is killed and restarted, sends queued offline across
//! app restarts, many requests at the moment the access token expires. Each prints its figures
//! and asserts them. The fuzzing of frames and replies into the engine is `tests/fuzz.rs`.
//!
//! Sizes: the short form by default (the normal tests); `CHATENIUM_SOAK=full` (`./dev soak`)
//! the issue's.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chatenium_api::schemas::dm::{GetMessagesQuery, Message, MAX_PAGE_SIZE};
use chatenium_api::{DmGetMessages, GetContacts};
use chatenium_core::api::ApiClient;
use chatenium_core::session::Session;
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::tokens::AccountKey;
use chatenium_core::{Client, ClientError, ConnectionState};
use common::{befriend, client, register, wait_online, LocalServer};

/// How big each run is.
struct Sizes {
    /// Messages the two clients exchange...
    exchanged: usize,
    /// ...while the server is killed and restarted this many times.
    server_restarts: usize,
    /// Messages queued while the server is down, across three app restarts.
    queued_offline: usize,
    /// Requests in flight when the access token expires.
    at_expiry: usize,
}

impl Sizes {
    fn from_env() -> Sizes {
        if std::env::var("CHATENIUM_SOAK").as_deref() == Ok("full") {
            Sizes {
                exchanged: 10_000,
                server_restarts: 20,
                queued_offline: 1_000,
                at_expiry: 200,
            }
        } else {
            Sizes {
                exchanged: 240,
                server_restarts: 4,
                queued_offline: 60,
                at_expiry: 200,
            }
        }
    }
}

/// App restarts while sends are queued offline.
const APP_RESTARTS: usize = 3;
/// Each client edits or deletes one of its own messages after every this many sends.
const CHANGE_EVERY: usize = 20;
/// The longest a soak waits for the clients to settle; past it, the figures tell what is missing.
const SETTLE: Duration = Duration::from_secs(300);

/// The server as a soak needs it: one address makes every account and every connection.
fn soak_settings(config: &mut chatenium_server::Config) {
    config.rate_limits = chatenium_server::config::RateLimits::off();
    config.connections.max_per_address = 0;
}

fn start_server(dir: &Path) -> LocalServer {
    LocalServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        &dir.join("server"),
        soak_settings,
    )
}

/// Every message of a chat on the server, in the server's order.
async fn server_history(client: &Client, chatid: &str) -> Vec<Message> {
    let mut all = Vec::new();
    loop {
        let query = GetMessagesQuery {
            chatid: chatid.into(),
            from: Some(u32::try_from(all.len()).unwrap()),
            limit: Some(MAX_PAGE_SIZE),
            after: None,
        };
        let page = client
            .session()
            .call::<DmGetMessages>(&query, &())
            .await
            .unwrap();
        let full = page.len() == MAX_PAGE_SIZE as usize;
        all.extend(page);
        if !full {
            break;
        }
    }
    all.sort_by_key(|m| (m.sent_at.t, m.sent_at.i));
    all
}

/// A client's cached history of the chat, in the server's order.
fn cached(store: &SqliteStore, chatid: &str) -> Vec<Message> {
    let mut messages = store.latest_messages(chatid, u32::MAX).unwrap();
    messages.sort_by_key(|m| (m.sent_at.t, m.sent_at.i));
    messages
}

/// What was said, by whom, as which message (`seen` changes as the other user reads).
fn said(messages: &[Message]) -> Vec<(String, String, String)> {
    messages
        .iter()
        .map(|m| (m.msgid.clone(), m.author.clone(), m.message.clone()))
        .collect()
}

/// Waits until the client is online on a connection other than `old` (the server restarted).
async fn reconnected(client: &Client, old: Option<String>) {
    let mut events = client.events();
    common::wait_until(&mut events, || async {
        let id = client.session().api().ws_id();
        id.is_some() && id != old && *client.connection().borrow() == ConnectionState::Online
    })
    .await;
}

/// Waits until `settled` holds, re-checking as events arrive; answers whether it did in time.
async fn settle<F, Fut>(clients: &[&Client], settled: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut events: Vec<_> = clients.iter().map(|c| c.events()).collect();
    tokio::time::timeout(SETTLE, async {
        loop {
            if settled().await {
                return;
            }
            // Wake on the next event of any client, or re-check after a while.
            let next =
                futures_util::future::select_all(events.iter_mut().map(|e| Box::pin(e.recv())));
            let _ = tokio::time::timeout(Duration::from_millis(200), next).await;
        }
    })
    .await
    .is_ok()
}

/// A client of the account in the keyring, as the app starts it again.
async fn restart_app(url: &str, account: AccountKey, store_path: &Path) -> Client {
    let api = Arc::new(ApiClient::new(url).unwrap());
    let session = Session::restore(api, common::test_keyring(), account)
        .await
        .unwrap()
        .expect("the session is in the keyring");
    let store = Arc::new(SqliteStore::open(store_path).unwrap());
    Client::start(session, store)
}

/// Where message text `text` ("anna 12", maybe with " edited") stands in its sender's sends.
fn send_number(text: &str) -> usize {
    text.split(' ')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// How the server's history compares with what was sent.
struct Outcome {
    lost: usize,
    duplicated: usize,
    /// Messages on the server that should not be (a deleted one back, one never sent).
    unexpected: usize,
    order_kept: bool,
}

/// `wanted`: each surviving message's final text, in send order.
fn compare(on_server: &[Message], wanted: &[String]) -> Outcome {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for message in on_server {
        *counts.entry(message.message.as_str()).or_default() += 1;
    }
    let wanted_set: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let lost = wanted
        .iter()
        .filter(|t| !counts.contains_key(t.as_str()))
        .count();
    let duplicated = counts.values().map(|n| n.saturating_sub(1)).sum();
    let unexpected = counts.keys().filter(|t| !wanted_set.contains(*t)).count();
    // Each sender's messages keep their send order on the server.
    let mut last_by_sender: HashMap<&str, usize> = HashMap::new();
    let mut order_kept = true;
    for message in on_server {
        let number = send_number(&message.message);
        let last = last_by_sender.entry(message.author.as_str()).or_insert(0);
        order_kept &= number >= *last;
        *last = number;
    }
    Outcome {
        lost,
        duplicated,
        unexpected,
        order_kept,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_two_clients_exchange_messages_while_the_server_restarts() {
    let sizes = Sizes::from_env();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_server(dir.path());
    let url = server.base_url();
    let api = ApiClient::new(&url).unwrap();
    let auths = [register(&api, "anna").await, register(&api, "bela").await];
    let names = ["anna", "bela"];
    let paths = [
        dir.path().join("anna.sqlite"),
        dir.path().join("bela.sqlite"),
    ];
    let clients = [
        client(&url, &auths[0], &paths[0]).await,
        client(&url, &auths[1], &paths[1]).await,
    ];
    let stores = [
        SqliteStore::open(&paths[0]).unwrap(),
        SqliteStore::open(&paths[1]).unwrap(),
    ];
    let chatid = befriend(&clients[0], &auths[1].userid).await;
    for client in &clients {
        wait_online(client).await;
    }

    let per_restart = sizes.exchanged / sizes.server_restarts;
    let mut sent: Vec<String> = Vec::new();
    let mut edited: HashMap<String, String> = HashMap::new();
    let mut deleted: HashSet<String> = HashSet::new();
    let mut changed_ids: HashSet<String> = HashSet::new();
    for n in 0..sizes.exchanged {
        let who = n % 2;
        let text = format!("{} {n}", names[who]);
        clients[who]
            .send_message(&chatid, &text, None, vec![])
            .await
            .unwrap();
        sent.push(text);
        // Killed in the middle of each stretch, with sends queued and in flight.
        if n % per_restart == per_restart / 2 {
            let before: Vec<_> = clients.iter().map(|c| c.session().api().ws_id()).collect();
            server.restart();
            for (client, old) in clients.iter().zip(before) {
                reconnected(client, old).await;
            }
        }
        // Each client edits or deletes one of its own stored messages. The other client is
        // online: an edit made while it is away reaches it only through a change feed.
        if n % CHANGE_EVERY == CHANGE_EVERY - 1 {
            let turn = n / CHANGE_EVERY;
            for who in 0..2 {
                let own: Vec<Message> = stores[who]
                    .latest_messages(&chatid, 50)
                    .unwrap()
                    .into_iter()
                    .filter(|m| m.author == auths[who].userid && !changed_ids.contains(&m.msgid))
                    .collect();
                let Some(target) = own.get(turn % own.len().max(1)) else {
                    continue;
                };
                changed_ids.insert(target.msgid.clone());
                if turn % 2 == 0 {
                    let text = format!("{} edited", target.message);
                    clients[who]
                        .edit_message(&chatid, &target.msgid, &text)
                        .await
                        .unwrap();
                    edited.insert(target.message.clone(), text);
                } else {
                    clients[who]
                        .delete_messages(&chatid, vec![target.msgid.clone()])
                        .await
                        .unwrap();
                    deleted.insert(target.message.clone());
                }
            }
        }
    }
    let wanted: Vec<String> = sent
        .iter()
        .filter(|t| !deleted.contains(*t))
        .map(|t| edited.get(t).cloned().unwrap_or_else(|| t.clone()))
        .collect();

    let settled = settle(&[&clients[0], &clients[1]], || async {
        stores.iter().all(|store| {
            store.outbox().map(|o| o.is_empty()).unwrap_or(false)
                && store
                    .latest_messages(&chatid, u32::MAX)
                    .map(|m| m.len() == wanted.len())
                    .unwrap_or(false)
        })
    })
    .await;
    let on_server = server_history(&clients[0], &chatid).await;
    let outcome = compare(&on_server, &wanted);
    let caches_equal = stores
        .iter()
        .filter(|store| said(&cached(store, &chatid)) == said(&on_server))
        .count();
    println!(
        "soak: server killed and restarted {} times during a {}-message exchange between two \
         clients ({} edits, {} deletions mixed in): lost {}, duplicated {}, unexpected {}, order \
         {}, {} of 2 caches equal to the server's {} messages ({:.1} s)",
        sizes.server_restarts,
        sent.len(),
        edited.len(),
        deleted.len(),
        outcome.lost,
        outcome.duplicated,
        outcome.unexpected,
        if outcome.order_kept { "kept" } else { "broken" },
        caches_equal,
        on_server.len(),
        started.elapsed().as_secs_f64()
    );
    if caches_equal < 2 {
        // Says how a cache differs, so a failure names what to look at.
        let server = said(&on_server);
        for (who, store) in stores.iter().enumerate() {
            let cache = said(&cached(store, &chatid));
            let missing: Vec<_> = server.iter().filter(|m| !cache.contains(m)).collect();
            let extra: Vec<_> = cache.iter().filter(|m| !server.contains(m)).collect();
            println!(
                "soak: cache {who} holds {} messages; missing {missing:?}; not on the server {extra:?}",
                cache.len()
            );
        }
    }
    assert!(settled, "the clients settled");
    assert_eq!(outcome.lost, 0, "lost");
    assert_eq!(outcome.duplicated, 0, "duplicated");
    assert_eq!(outcome.unexpected, 0, "unexpected");
    assert!(outcome.order_kept, "each sender's order is kept");
    assert_eq!(caches_equal, 2, "both caches equal the server's history");
    for client in clients {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_messages_queued_offline_across_app_restarts_arrive_once() {
    let sizes = Sizes::from_env();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_server(dir.path());
    let url = server.base_url();
    let api = ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna_path = dir.path().join("anna.sqlite");
    let bela_path = dir.path().join("bela.sqlite");
    let anna = client(&url, &anna_auth, &anna_path).await;
    let bela = client(&url, &bela_auth, &bela_path).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;
    wait_online(&anna).await;
    wait_online(&bela).await;
    let account = anna.session().account().clone();

    server.stop();
    common::wait_disconnected(&anna).await;
    let mut sent = Vec::new();
    let mut anna = Some(anna);
    for restart in 0..APP_RESTARTS {
        let running = anna.take().unwrap();
        let share = sizes.queued_offline / APP_RESTARTS
            + usize::from(restart < sizes.queued_offline % APP_RESTARTS);
        for _ in 0..share {
            let text = format!("anna {}", sent.len());
            running
                .send_message(&chatid, &text, None, vec![])
                .await
                .unwrap();
            sent.push(text);
        }
        // The app quits and starts again, still without a server.
        running.shut_down().await;
        anna = Some(restart_app(&url, account.clone(), &anna_path).await);
    }
    let anna = anna.unwrap();
    server.restart();

    let anna_store = SqliteStore::open(&anna_path).unwrap();
    let bela_store = SqliteStore::open(&bela_path).unwrap();
    let settled = settle(&[&anna, &bela], || async {
        anna_store.outbox().map(|o| o.is_empty()).unwrap_or(false)
            && bela_store
                .latest_messages(&chatid, u32::MAX)
                .map(|m| m.len() >= sent.len())
                .unwrap_or(false)
    })
    .await;
    let on_server = server_history(&anna, &chatid).await;
    let outcome = compare(&on_server, &sent);
    let delivered = cached(&bela_store, &chatid);
    let delivered_once = compare(&delivered, &sent);
    println!(
        "soak: {} messages sent offline across {} app restarts: on the server lost {}, \
         duplicated {}, order {}; delivered to the other client lost {}, duplicated {} ({:.1} s)",
        sent.len(),
        APP_RESTARTS,
        outcome.lost,
        outcome.duplicated,
        if outcome.order_kept { "kept" } else { "broken" },
        delivered_once.lost,
        delivered_once.duplicated,
        started.elapsed().as_secs_f64()
    );
    assert!(settled, "the outbox emptied and the other client received");
    for outcome in [&outcome, &delivered_once] {
        assert_eq!(
            (outcome.lost, outcome.duplicated, outcome.unexpected),
            (0, 0, 0)
        );
        assert!(outcome.order_kept);
    }
    for client in [anna, bela] {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

/// Refreshes the server has seen: each one leaves its spent refresh token behind.
fn refreshes_on_server(server: &LocalServer) -> i64 {
    let connection = rusqlite::Connection::open(server.data_dir.join("server.sqlite")).unwrap();
    connection.busy_timeout(Duration::from_secs(5)).unwrap();
    connection
        .query_row(
            "SELECT COUNT(*) FROM tokens WHERE kind = 'spentRefresh'",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_many_requests_at_the_moment_the_access_token_expires() {
    let sizes = Sizes::from_env();
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let url = server.base_url();
    let api = ApiClient::new(&url).unwrap();
    let auth = register(&api, "anna").await;
    let anna = client(&url, &auth, &dir.path().join("anna.sqlite")).await;
    wait_online(&anna).await;
    let (client_before, server_before) =
        (anna.session().refresh_count(), refreshes_on_server(&server));

    // The server now holds the access token expired; the client does not know yet.
    server.sql("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'");
    let calls = (0..sizes.at_expiry).map(|_| anna.session().call::<GetContacts>(&(), &()));
    let results: Vec<Result<_, ClientError>> = futures_util::future::join_all(calls).await;
    let failures = results.iter().filter(|r| r.is_err()).count();
    let client_refreshes = anna.session().refresh_count() - client_before;
    let server_refreshes = refreshes_on_server(&server) - server_before;
    println!(
        "soak: {} concurrent requests as the access token expired: {} refresh on the server ({} \
         by the client), {} failures",
        results.len(),
        server_refreshes,
        client_refreshes,
        failures
    );
    assert_eq!(failures, 0);
    assert_eq!((server_refreshes, client_refreshes), (1, 1));
    anna.session().forget().await.unwrap();
    anna.shut_down().await;
}
