//! Live sync and the outbox against the real server: messages reach the other user live,
//! survive the server going away many times, and queued sends survive an app restart, each
//! stored and shown exactly once, in order.

mod common;

use std::sync::Arc;

use chatenium_api::schemas::dm::{GetMessagesQuery, Message};
use chatenium_api::DmGetMessages;
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::timeline::TimelineItem;
use chatenium_core::{Client, CoreEvent};
use common::{befriend, client, register, wait_for, wait_until, LocalServer};

/// Every message of a chat on the server, oldest first.
async fn server_history(client: &Client, chatid: &str) -> Vec<Message> {
    let query = GetMessagesQuery {
        chatid: chatid.into(),
        from: Some(0),
        limit: Some(200),
        after: None,
    };
    client
        .session()
        .call::<DmGetMessages>(&query, &())
        .await
        .unwrap()
}

fn texts(messages: &[Message]) -> Vec<String> {
    messages.iter().map(|m| m.message.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_the_other_user_live_and_replaces_the_senders_echo() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let api = chatenium_core::api::ApiClient::new(server.base_url()).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna = client(
        &server.base_url(),
        &anna_auth,
        &dir.path().join("anna.sqlite"),
    )
    .await;
    let bela = client(
        &server.base_url(),
        &bela_auth,
        &dir.path().join("bela.sqlite"),
    )
    .await;
    common::wait_online(&anna).await;
    common::wait_online(&bela).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;
    let (mut anna_events, mut bela_events) = (anna.events(), bela.events());
    // Bela learns of the new chat (a contact request) live.
    wait_until(&mut bela_events, || async {
        bela.chat_list()
            .await
            .unwrap()
            .iter()
            .any(|c| c.chatid == chatid)
    })
    .await;
    let anna_timeline = anna.open_timeline(&chatid).await.unwrap();
    let bela_timeline = bela.open_timeline(&chatid).await.unwrap();
    assert!(anna_timeline.is_empty() && bela_timeline.is_empty());

    let key = anna
        .send_message(&chatid, "<script>alert(1)</script> szia", None, vec![])
        .await
        .unwrap();
    // Anna sees her echo at once, then the stored message in its place.
    let mut anna_items = anna_timeline;
    let mut bela_items = bela_timeline;
    let stored = loop {
        match wait_for(&mut anna_events, |e| {
            matches!(e, CoreEvent::Timeline { .. })
        })
        .await
        {
            CoreEvent::Timeline { diff, .. } => diff.apply(&mut anna_items),
            _ => unreachable!(),
        }
        if let [TimelineItem::Message { message }] = anna_items.as_slice() {
            break message.clone();
        }
    };
    assert_eq!(stored.client_key.as_deref(), Some(key.as_str()));
    loop {
        if let CoreEvent::Timeline { diff, .. } = wait_for(&mut bela_events, |e| {
            matches!(e, CoreEvent::Timeline { .. })
        })
        .await
        {
            diff.apply(&mut bela_items);
        }
        if !bela_items.is_empty() {
            break;
        }
    }
    // The same message; only its read state may differ (fetching it marks it read for Bela).
    let [TimelineItem::Message { message: received }] = bela_items.as_slice() else {
        panic!("Bela's timeline holds one message: {bela_items:?}");
    };
    assert_eq!(
        (
            &received.msgid,
            &received.author,
            &received.message,
            &received.client_key
        ),
        (
            &stored.msgid,
            &stored.author,
            &stored.message,
            &stored.client_key
        )
    );
    assert_eq!(
        texts(&server_history(&bela, &chatid).await),
        ["<script>alert(1)</script> szia"]
    );
    for client in [anna, bela] {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_exchange_survives_many_server_restarts_exactly_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna = client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela = client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;

    const ROUNDS: usize = 6;
    const PER_ROUND: usize = 10;
    let mut expected = Vec::new();
    for round in 0..ROUNDS {
        for n in 0..PER_ROUND {
            let (sender, name) = if n % 2 == 0 {
                (&anna, "anna")
            } else {
                (&bela, "bela")
            };
            let text = format!("{name} {round}.{n}");
            sender
                .send_message(&chatid, &text, None, vec![])
                .await
                .unwrap();
            expected.push(text);
            // Cut the server in the middle of the round, with sends in flight.
            if n == PER_ROUND / 2 {
                server.restart();
            }
        }
    }

    // Both users' caches converge on the same history: every message once, in send order
    // per sender, nothing left in either outbox.
    let anna_store = Arc::new(SqliteStore::open(&dir.path().join("anna.sqlite")).unwrap());
    let bela_store = Arc::new(SqliteStore::open(&dir.path().join("bela.sqlite")).unwrap());
    let mut events = anna.events();
    let total = expected.len();
    for store in [&anna_store, &bela_store] {
        wait_until(&mut events, || {
            let store = Arc::clone(store);
            let chatid = chatid.clone();
            async move {
                store
                    .latest_messages(&chatid, 1000)
                    .map(|m| m.len() == total)
                    .unwrap_or(false)
                    && store.outbox().map(|o| o.is_empty()).unwrap_or(false)
            }
        })
        .await;
    }
    let on_server = server_history(&anna, &chatid).await;
    assert_eq!(
        on_server.len(),
        total,
        "the server stored each message once"
    );
    // `seen` changes on the server as the other user reads; compare what was said, by whom, when.
    let said = |messages: &[Message]| -> Vec<(String, String, String)> {
        messages
            .iter()
            .map(|m| (m.msgid.clone(), m.author.clone(), m.message.clone()))
            .collect()
    };
    for store in [&anna_store, &bela_store] {
        let cached = store.latest_messages(&chatid, 1000).unwrap();
        assert!(
            said(&cached) == said(&on_server),
            "a cache differs from the server's history"
        );
    }
    for name in ["anna", "bela"] {
        let sent: Vec<&String> = texts(&on_server)
            .iter()
            .filter(|t| t.starts_with(name))
            .map(|t| expected.iter().find(|e| *e == t).unwrap())
            .collect();
        let wanted: Vec<&String> = expected.iter().filter(|t| t.starts_with(name)).collect();
        assert_eq!(sent, wanted, "{name}'s messages keep their order");
    }
    for client in [anna, bela] {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_queued_offline_survive_an_app_restart_and_arrive_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let store_path = dir.path().join("anna.sqlite");
    let anna = client(&url, &anna_auth, &store_path).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;
    common::wait_online(&anna).await;

    server.stop();
    common::wait_disconnected(&anna).await;
    for n in 0..5 {
        anna.send_message(&chatid, &format!("offline {n}"), None, vec![])
            .await
            .unwrap();
    }
    let session = anna.session().account().clone();
    anna.shut_down().await;

    // The app starts again, the server comes back.
    server.restart();
    let api = Arc::new(chatenium_core::api::ApiClient::new(&url).unwrap());
    let restored = chatenium_core::session::Session::restore(api, common::test_keyring(), session)
        .await
        .unwrap()
        .unwrap();
    let store = Arc::new(SqliteStore::open(&store_path).unwrap());
    assert_eq!(
        store.outbox().unwrap().len(),
        5,
        "the outbox survived the restart"
    );
    let anna = Client::start(restored, Arc::clone(&store) as Arc<dyn Store>);
    let mut events = anna.events();
    wait_until(&mut events, || {
        let store = Arc::clone(&store);
        async move { store.outbox().map(|o| o.is_empty()).unwrap_or(false) }
    })
    .await;
    let on_server = server_history(&anna, &chatid).await;
    assert_eq!(
        texts(&on_server),
        (0..5).map(|n| format!("offline {n}")).collect::<Vec<_>>()
    );
    anna.session().forget().await.unwrap();
    anna.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_empty_when_first_synced_later_catches_up_on_its_whole_history() {
    use chatenium_api::schemas::dm::{SendMessageReq, DEFAULT_PAGE_SIZE};
    use chatenium_core::store::SyncCursor;

    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let store_path = dir.path().join("anna.sqlite");
    let anna = client(&url, &anna_auth, &store_path).await;
    common::wait_online(&anna).await;
    // Bela asks; Anna hears of the new chat live and syncs it while it is still empty.
    let chatid = api
        .send::<chatenium_api::CreateContact>(
            Some(&bela_auth.access_token),
            &(),
            &chatenium_api::schemas::contacts::AddContactReq {
                userid: anna_auth.userid.clone(),
            },
        )
        .await
        .unwrap()
        .chatid;
    let store = Arc::new(SqliteStore::open(&store_path).unwrap());
    let mut events = anna.events();
    wait_until(&mut events, || {
        let (store, chatid) = (Arc::clone(&store), chatid.clone());
        async move { store.sync_cursor(&chatid).ok().flatten() == Some(SyncCursor::Start) }
    })
    .await;
    let session = anna.session().account().clone();
    anna.shut_down().await;

    // While the app is closed, more than a page of messages arrives.
    let count = DEFAULT_PAGE_SIZE as usize * 2 + 7;
    for n in 0..count {
        let request = SendMessageReq {
            chatid: chatid.clone(),
            message: format!("bela {n}"),
            reply_to_id: None,
            file_ids: vec![],
            client_key: format!("key-{n}"),
        };
        api.send::<chatenium_api::DmSendMessage>(Some(&bela_auth.access_token), &(), &request)
            .await
            .unwrap();
    }

    let api = Arc::new(chatenium_core::api::ApiClient::new(&url).unwrap());
    let restored = chatenium_core::session::Session::restore(api, common::test_keyring(), session)
        .await
        .unwrap()
        .unwrap();
    let anna = Client::start(restored, Arc::clone(&store) as Arc<dyn Store>);
    let mut events = anna.events();
    wait_until(&mut events, || {
        let (store, chatid) = (Arc::clone(&store), chatid.clone());
        async move {
            store
                .latest_messages(&chatid, 1000)
                .map(|m| m.len() == count)
                .unwrap_or(false)
        }
    })
    .await;
    let cached = texts(&store.latest_messages(&chatid, 1000).unwrap());
    assert_eq!(
        cached,
        (0..count).map(|n| format!("bela {n}")).collect::<Vec<_>>(),
        "every message, once, in order"
    );
    anna.session().forget().await.unwrap();
    anna.shut_down().await;
}

/// Against a server without the change feed (as Chatenium's own service is), a chat whose
/// sync cursor names a message deleted while the client was away: the per-conversation
/// catch-up must still fetch everything sent since, not only the newest page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_cursor_message_leaves_no_gap_without_the_change_feed() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        &dir.path().join("server"),
        |config| config.change_feed.offered = false,
    );
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna_path = dir.path().join("anna.sqlite");
    let anna = client(&url, &anna_auth, &anna_path).await;
    let bela_path = dir.path().join("bela.sqlite");
    let bela = client(&url, &bela_auth, &bela_path).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;
    common::wait_online(&anna).await;
    common::wait_online(&bela).await;

    let bela_store = Arc::new(SqliteStore::open(&bela_path).unwrap());
    anna.send_message(&chatid, "the cursor", None, vec![])
        .await
        .unwrap();
    let mut events = bela.events();
    wait_until(&mut events, || {
        let (store, chatid) = (Arc::clone(&bela_store), chatid.clone());
        async move {
            store
                .latest_messages(&chatid, 10)
                .map(|m| m.len() == 1)
                .unwrap_or(false)
        }
    })
    .await;
    let cursor = bela_store.latest_messages(&chatid, 10).unwrap()[0]
        .msgid
        .clone();
    let bela_account = bela.session().account().clone();
    bela.shut_down().await;

    // While Bela is away: the message Bela's cursor names goes, and more than a page comes.
    anna.delete_messages(&chatid, vec![cursor]).await.unwrap();
    let sent: Vec<String> = (0..60).map(|n| format!("while away {n}")).collect();
    for text in &sent {
        anna.send_message(&chatid, text, None, vec![])
            .await
            .unwrap();
    }
    let anna_store = SqliteStore::open(&anna_path).unwrap();
    let mut events = anna.events();
    wait_until(&mut events, || async {
        anna_store.outbox().map(|o| o.is_empty()).unwrap_or(false)
    })
    .await;

    let api = Arc::new(chatenium_core::api::ApiClient::new(&url).unwrap());
    let restored =
        chatenium_core::session::Session::restore(api, common::test_keyring(), bela_account)
            .await
            .unwrap()
            .unwrap();
    let bela = Client::start(restored, Arc::clone(&bela_store) as Arc<dyn Store>);
    common::wait_online(&bela).await;
    let cached: Vec<String> = texts(&bela_store.latest_messages(&chatid, 1000).unwrap())
        .into_iter()
        .filter(|text| text.starts_with("while away"))
        .collect();
    assert_eq!(
        cached, sent,
        "every message sent while away is cached, in order"
    );
    anna.shut_down().await;
    bela.shut_down().await;
}
