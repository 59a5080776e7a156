//! A thread's timeline through `Client`, against the real local server: everything a direct
//! chat's timeline does (`desktop_actions.rs`, `sync.rs`) — local echo, refusal and retry,
//! exactly once across an app restart, paging back and forward, jumping, and another
//! member's edits, deletions and pins arriving live.

mod common;

use std::sync::Arc;

use chatenium_api::schemas::cascade::CreateCascadeReq;
use chatenium_api::schemas::thread::{TMGetMessagesQuery, ThreadMessage};
use chatenium_api::TmGetMessages;
use chatenium_core::diff::ListDiff;
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::thread_actions::ThreadTimelineItem;
use chatenium_core::timeline::TimelineItem;
use chatenium_core::{Client, CoreEvent};
use common::{client, register, wait_for, wait_online, wait_until, LocalServer};

fn cascade_named(name: &str) -> CreateCascadeReq {
    CreateCascadeReq {
        name: name.into(),
        public: false,
        picture_file_id: None,
        invite_max_uses: None,
        invite_expires_in_secs: None,
    }
}

/// The stored messages' texts, in timeline order.
fn texts(items: &[ThreadTimelineItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            TimelineItem::Message { message } => Some(message.message.clone()),
            TimelineItem::Pending { .. } => None,
        })
        .collect()
}

/// The pending echoes: (text, failure), in order.
fn pending_of(items: &[ThreadTimelineItem]) -> Vec<(String, Option<String>)> {
    items
        .iter()
        .filter_map(|item| match item {
            TimelineItem::Pending { outgoing } => {
                Some((outgoing.text.clone(), outgoing.failure.clone()))
            }
            TimelineItem::Message { .. } => None,
        })
        .collect()
}

fn message_in<'a>(items: &'a [ThreadTimelineItem], text: &str) -> Option<&'a ThreadMessage> {
    items.iter().find_map(|i| match i {
        TimelineItem::Message { message } if message.message == text => Some(message),
        _ => None,
    })
}

/// Everything the server holds in a thread, oldest first.
async fn server_history(client: &Client, cascade_id: &str, thread_id: &str) -> Vec<String> {
    let query = TMGetMessagesQuery {
        cascade_id: cascade_id.into(),
        thread_id: thread_id.into(),
        from: Some(0),
        limit: Some(200),
        after: None,
    };
    client
        .session()
        .call::<TmGetMessages>(&query, &())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_timeline_echoes_pages_jumps_and_follows_another_members_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let cecil_auth = register(&api, "cecil").await;
    let anna = client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela = client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    wait_online(&anna).await;
    wait_online(&bela).await;

    let cascade = anna.create_cascade(&cascade_named("Klub")).await.unwrap();
    let cascade_id = cascade.cascade_id.clone();
    let thread = anna
        .create_thread(&cascade_id, None, "general", None)
        .await
        .unwrap();
    let thread_id = thread.thread_id.clone();
    let code = anna
        .cascade_invite(&cascade_id)
        .await
        .unwrap()
        .unwrap()
        .code;
    bela.join_cascade_from_invite(&code).await.unwrap();
    assert_eq!(
        bela.threads(&cascade_id, None).await.unwrap(),
        vec![thread.clone()],
        "joining caught up on the thread tree"
    );

    // Anna's sends show at once as echoes, then as the stored messages, each once.
    assert!(anna
        .open_thread(&cascade_id, &thread_id)
        .await
        .unwrap()
        .is_empty());
    bela.open_thread(&cascade_id, &thread_id).await.unwrap();
    let mut anna_events = anna.events();
    let mut bela_events = bela.events();
    anna.send_thread_message(&cascade_id, &thread_id, "message 0", None, vec![])
        .await
        .unwrap();
    let echo = wait_for(&mut anna_events, |e| {
        matches!(
            e,
            CoreEvent::ThreadTimeline {
                diff: ListDiff::Append { .. },
                ..
            }
        )
    })
    .await;
    let CoreEvent::ThreadTimeline {
        diff: ListDiff::Append { items },
        ..
    } = echo
    else {
        unreachable!()
    };
    assert_eq!(pending_of(&items), [("message 0".to_owned(), None)]);
    for n in 1..60 {
        anna.send_thread_message(
            &cascade_id,
            &thread_id,
            &format!("message {n}"),
            None,
            vec![],
        )
        .await
        .unwrap();
    }
    let all: Vec<String> = (0..60).map(|n| format!("message {n}")).collect();
    wait_until(&mut anna_events, || async {
        anna.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| texts(&items) == all && pending_of(&items).is_empty())
    })
    .await;
    // Bela's open timeline follows live.
    wait_until(&mut bela_events, || async {
        bela.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| texts(&items) == all)
    })
    .await;
    assert_eq!(server_history(&anna, &cascade_id, &thread_id).await, all);

    // Cecil joins later: his first catch-up brings the newest page; older ones come by
    // back-paging from the server.
    let cecil = client(&url, &cecil_auth, &dir.path().join("cecil.sqlite")).await;
    wait_online(&cecil).await;
    cecil.join_cascade_from_invite(&code).await.unwrap();
    let first = cecil.open_thread(&cascade_id, &thread_id).await.unwrap();
    assert_eq!(texts(&first), all[10..].to_vec());
    assert_eq!(
        cecil
            .load_older_in_thread(&cascade_id, &thread_id)
            .await
            .unwrap(),
        10
    );
    assert_eq!(
        texts(&cecil.thread_snapshot(&cascade_id, &thread_id).unwrap()),
        all
    );
    assert_eq!(
        cecil
            .load_older_in_thread(&cascade_id, &thread_id)
            .await
            .unwrap(),
        0,
        "nothing before the first message"
    );

    // Bela jumps to the oldest message: a reset to its page, cut off from the live end.
    let oldest = {
        let items = bela.thread_snapshot(&cascade_id, &thread_id).unwrap();
        message_in(&items, "message 0").unwrap().msgid.clone()
    };
    let mut bela_events = bela.events();
    bela.jump_to_thread_message(&cascade_id, &thread_id, &oldest)
        .await
        .unwrap();
    let reset = wait_for(&mut bela_events, |e| {
        matches!(
            e,
            CoreEvent::ThreadTimeline {
                diff: ListDiff::Reset { .. },
                ..
            }
        )
    })
    .await;
    let CoreEvent::ThreadTimeline {
        diff: ListDiff::Reset { items },
        ..
    } = reset
    else {
        unreachable!()
    };
    assert_eq!(texts(&items), all[..10].to_vec());
    anna.send_thread_message(&cascade_id, &thread_id, "while bela reads", None, vec![])
        .await
        .unwrap();
    let bela_store = Arc::new(SqliteStore::open(&dir.path().join("bela.sqlite")).unwrap());
    wait_until(&mut bela_events, || {
        let (store, cascade, thread) = (
            Arc::clone(&bela_store),
            cascade_id.clone(),
            thread_id.clone(),
        );
        async move {
            store
                .latest_thread_messages(&cascade, &thread, 1)
                .is_ok_and(|m| m.first().is_some_and(|m| m.message == "while bela reads"))
        }
    })
    .await;
    assert_eq!(
        texts(&bela.thread_snapshot(&cascade_id, &thread_id).unwrap()),
        all[..10].to_vec(),
        "a live message waits for forward paging"
    );
    let mut pages = 0;
    while bela
        .load_newer_in_thread(&cascade_id, &thread_id)
        .await
        .unwrap()
        > 0
    {
        pages += 1;
        assert!(pages < 10, "forward paging ends");
    }
    let mut expected = all.clone();
    expected.push("while bela reads".into());
    assert_eq!(
        texts(&bela.thread_snapshot(&cascade_id, &thread_id).unwrap()),
        expected
    );

    // Anna edits, pins and deletes: Bela's timeline follows each as a diff, and so does her own.
    let (edited, deleted) = {
        let items = anna.thread_snapshot(&cascade_id, &thread_id).unwrap();
        (
            message_in(&items, "message 58").unwrap().msgid.clone(),
            message_in(&items, "message 59").unwrap().msgid.clone(),
        )
    };
    anna.edit_thread_message(&cascade_id, &thread_id, &edited, "message 58, edited")
        .await
        .unwrap();
    anna.set_thread_message_pinned(&cascade_id, &thread_id, &edited, true)
        .await
        .unwrap();
    anna.delete_thread_messages(&cascade_id, &thread_id, vec![deleted.clone()])
        .await
        .unwrap();
    let changed = |items: &[ThreadTimelineItem]| {
        message_in(items, "message 58, edited").is_some_and(|m| m.is_edited && m.pinned)
            && !items
                .iter()
                .any(|i| matches!(i, TimelineItem::Message { message } if message.msgid == deleted))
    };
    assert!(changed(
        &anna.thread_snapshot(&cascade_id, &thread_id).unwrap()
    ));
    wait_until(&mut bela_events, || async {
        bela.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| changed(&items))
    })
    .await;
    let pinned = bela
        .pinned_thread_messages(&cascade_id, &thread_id)
        .await
        .unwrap();
    assert_eq!(pinned.len(), 1);
    assert_eq!(pinned[0].msgid, edited);
    bela.set_thread_message_pinned(&cascade_id, &thread_id, &edited, false)
        .await
        .unwrap();
    wait_until(&mut anna_events, || async {
        anna.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| {
                message_in(&items, "message 58, edited").is_some_and(|m| !m.pinned)
            })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_thread_message_is_retried_once_the_cause_is_gone_or_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let stand_in = register(&api, "ivett").await.userid;
    let anna = client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela = client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    wait_online(&anna).await;
    wait_online(&bela).await;
    let cascade_id = anna
        .create_cascade(&cascade_named("Klub"))
        .await
        .unwrap()
        .cascade_id;
    let thread_id = anna
        .create_thread(&cascade_id, None, "general", None)
        .await
        .unwrap()
        .thread_id;
    let code = anna
        .cascade_invite(&cascade_id)
        .await
        .unwrap()
        .unwrap()
        .code;
    bela.join_cascade_from_invite(&code).await.unwrap();
    bela.open_thread(&cascade_id, &thread_id).await.unwrap();

    // The server stops counting Bela as a member (another user stands in for him): both sends
    // are refused and marked failed.
    let membership = |from: &str, to: &str| {
        format!(
            "UPDATE cascade_members SET user_id = '{to}' \
             WHERE cascade_id = '{cascade_id}' AND user_id = '{from}'"
        )
    };
    server.sql(&membership(&bela_auth.userid, &stand_in));
    let mut events = bela.events();
    let keep = bela
        .send_thread_message(&cascade_id, &thread_id, "worth keeping", None, vec![])
        .await
        .unwrap();
    let drop = bela
        .send_thread_message(&cascade_id, &thread_id, "not worth it", None, vec![])
        .await
        .unwrap();
    wait_until(&mut events, || async {
        bela.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| pending_of(&items).iter().all(|(_, f)| f.is_some()))
    })
    .await;
    assert_eq!(
        pending_of(&bela.thread_snapshot(&cascade_id, &thread_id).unwrap()),
        [
            ("worth keeping".to_owned(), Some("notFound".to_owned())),
            ("not worth it".to_owned(), Some("notFound".to_owned())),
        ]
    );

    // Discarding leaves the outbox and the timeline; retrying once he is back sends it.
    bela.discard_thread_send(&cascade_id, &thread_id, &drop)
        .await
        .unwrap();
    server.sql(&membership(&stand_in, &bela_auth.userid));
    bela.retry_thread_send(&cascade_id, &thread_id, &keep)
        .await
        .unwrap();
    wait_until(&mut events, || async {
        bela.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| {
                pending_of(&items).is_empty() && texts(&items) == ["worth keeping"]
            })
    })
    .await;
    assert_eq!(
        server_history(&anna, &cascade_id, &thread_id).await,
        ["worth keeping"],
        "exactly once on the server, and the discarded one never"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_messages_queued_offline_survive_an_app_restart_and_arrive_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let store_path = dir.path().join("anna.sqlite");
    let anna = client(&url, &anna_auth, &store_path).await;
    let bela = client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    wait_online(&anna).await;
    wait_online(&bela).await;
    let cascade_id = anna
        .create_cascade(&cascade_named("Klub"))
        .await
        .unwrap()
        .cascade_id;
    let thread_id = anna
        .create_thread(&cascade_id, None, "general", None)
        .await
        .unwrap()
        .thread_id;
    let code = anna
        .cascade_invite(&cascade_id)
        .await
        .unwrap()
        .unwrap()
        .code;
    bela.join_cascade_from_invite(&code).await.unwrap();

    server.stop();
    common::wait_disconnected(&anna).await;
    for n in 0..5 {
        anna.send_thread_message(
            &cascade_id,
            &thread_id,
            &format!("offline {n}"),
            None,
            vec![],
        )
        .await
        .unwrap();
    }
    let session = anna.session().account().clone();
    anna.shut_down().await;

    // The server comes back, Bela writes, then Anna's app starts again: it catches up on
    // Bela's message and sends its queue, each once.
    server.restart();
    bela.open_thread(&cascade_id, &thread_id).await.unwrap();
    let mut bela_events = bela.events();
    bela.send_thread_message(&cascade_id, &thread_id, "while anna was away", None, vec![])
        .await
        .unwrap();
    wait_until(&mut bela_events, || async {
        bela.thread_snapshot(&cascade_id, &thread_id)
            .is_some_and(|items| pending_of(&items).is_empty() && !texts(&items).is_empty())
    })
    .await;
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
    let expected: Vec<String> = std::iter::once("while anna was away".to_owned())
        .chain((0..5).map(|n| format!("offline {n}")))
        .collect();
    assert_eq!(
        server_history(&anna, &cascade_id, &thread_id).await,
        expected
    );
    let cached = anna.open_thread(&cascade_id, &thread_id).await.unwrap();
    assert_eq!(texts(&cached), expected);
    anna.session().forget().await.unwrap();
    anna.shut_down().await;
}
