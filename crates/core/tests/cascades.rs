//! Cascades in live sync against the real server: a member's client learns of the cascade,
//! subscribes to it, receives its thread messages live into the cache, and stops receiving
//! them the moment it is kicked.

mod common;

use std::sync::Arc;

use chatenium_api::schemas::cascade::{CreateCascadeReq, JoinFromInviteReq, KickMemberReq};
use chatenium_api::schemas::dm::SendMessageReq;
use chatenium_api::schemas::thread::{StartNewThreadReq, TMSendMessageReq};
use chatenium_api::{
    CreateCascade, DmSendMessage, JoinFromInvite, KickMember, StartThread, TmSendMessage,
};
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::CoreEvent;
use common::{befriend, client, register, wait_for, wait_until, LocalServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_messages_reach_members_live_and_stop_at_a_kick() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna = client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela_path = dir.path().join("bela.sqlite");
    let bela = client(&url, &bela_auth, &bela_path).await;
    common::wait_online(&bela).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;
    let bela_store = Arc::new(SqliteStore::open(&bela_path).unwrap());
    let mut bela_events = bela.events();

    let cascade = anna
        .session()
        .call::<CreateCascade>(
            &(),
            &CreateCascadeReq {
                name: "Klub".into(),
                public: false,
                picture_file_id: None,
                invite_max_uses: None,
                invite_expires_in_secs: None,
            },
        )
        .await
        .unwrap();
    let cascade_id = cascade.cascade_id.clone();
    let thread = anna
        .session()
        .call::<StartThread>(
            &(),
            &StartNewThreadReq {
                cascade_id: cascade_id.clone(),
                parent_id: None,
                name: "general".into(),
                description: None,
            },
        )
        .await
        .unwrap();
    // Bela joins from another device (a plain API call): his running client hears of it.
    let code = cascade.invite.expect("the owner sees the invite").code;
    // (The server leaves out the connection that made a change; another device has none.)
    let joined = api
        .send::<JoinFromInvite>(
            Some(&bela_auth.access_token),
            &(),
            &JoinFromInviteReq { code },
        )
        .await
        .unwrap();
    assert_eq!(joined.cascade_id, cascade_id);
    wait_until(&mut bela_events, || {
        let (store, id) = (Arc::clone(&bela_store), cascade_id.clone());
        async move {
            store
                .cascades()
                .map(|cs| cs.iter().any(|c| c.cascade_id == id))
                .unwrap_or(false)
        }
    })
    .await;

    let say = |text: &str| TMSendMessageReq {
        cascade_id: cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        message: text.into(),
        reply_to_id: None,
        file_ids: vec![],
        client_key: format!("key-{text}"),
    };
    let first = anna
        .session()
        .call::<TmSendMessage>(&(), &say("hello"))
        .await
        .unwrap();
    let event = wait_for(
        &mut bela_events,
        |e| matches!(e, CoreEvent::ThreadMessage { message } if message.msgid == first.msgid),
    )
    .await;
    let CoreEvent::ThreadMessage { message } = event else {
        unreachable!()
    };
    assert_eq!(message.message, "hello");
    let cached = bela_store
        .latest_thread_messages(&cascade_id, &thread.thread_id, 10)
        .unwrap();
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].msgid, first.msgid);

    // Kicked: the cascade leaves Bela's list, and what is said afterwards does not reach him.
    anna.session()
        .call::<KickMember>(
            &(),
            &KickMemberReq {
                cascade_id: cascade_id.clone(),
                userid: bela_auth.userid.clone(),
                ban: false,
                reason: None,
            },
        )
        .await
        .unwrap();
    wait_until(&mut bela_events, || {
        let (store, id) = (Arc::clone(&bela_store), cascade_id.clone());
        async move {
            store
                .cascades()
                .map(|cs| cs.iter().all(|c| c.cascade_id != id))
                .unwrap_or(false)
        }
    })
    .await;
    anna.session()
        .call::<TmSendMessage>(&(), &say("after the kick"))
        .await
        .unwrap();
    // A direct message sent afterwards travels the same socket in order: once it is here,
    // the thread message would have been too.
    let marker = anna
        .session()
        .call::<DmSendMessage>(
            &(),
            &SendMessageReq {
                chatid: chatid.clone(),
                message: "marker".into(),
                reply_to_id: None,
                file_ids: vec![],
                client_key: "marker".into(),
            },
        )
        .await
        .unwrap();
    wait_until(&mut bela_events, || {
        let (store, chatid, msgid) = (
            Arc::clone(&bela_store),
            chatid.clone(),
            marker.msgid.clone(),
        );
        async move {
            store
                .latest_messages(&chatid, 10)
                .map(|ms| ms.iter().any(|m| m.msgid == msgid))
                .unwrap_or(false)
        }
    })
    .await;
    let cached = bela_store
        .latest_thread_messages(&cascade_id, &thread.thread_id, 10)
        .unwrap();
    assert_eq!(cached.len(), 1, "nothing said after the kick reached Bela");
    for c in [anna, bela] {
        c.session().forget().await.unwrap();
        c.shut_down().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_catch_up_on_what_was_said_while_the_app_was_closed() {
    use chatenium_api::schemas::dm::DEFAULT_PAGE_SIZE;

    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let bela_path = dir.path().join("bela.sqlite");
    let bela = client(&url, &bela_auth, &bela_path).await;
    common::wait_online(&bela).await;
    let token = anna_auth.access_token.as_str();
    let cascade = api
        .send::<CreateCascade>(
            Some(token),
            &(),
            &CreateCascadeReq {
                name: "Klub".into(),
                public: false,
                picture_file_id: None,
                invite_max_uses: None,
                invite_expires_in_secs: None,
            },
        )
        .await
        .unwrap();
    let start = |parent: Option<&str>, name: &str| StartNewThreadReq {
        cascade_id: cascade.cascade_id.clone(),
        parent_id: parent.map(str::to_owned),
        name: name.into(),
        description: None,
    };
    let general = api
        .send::<StartThread>(Some(token), &(), &start(None, "general"))
        .await
        .unwrap();
    let code = cascade
        .invite
        .clone()
        .expect("the owner sees the invite")
        .code;
    api.send::<JoinFromInvite>(
        Some(&bela_auth.access_token),
        &(),
        &JoinFromInviteReq { code },
    )
    .await
    .unwrap();
    // Bela's client syncs the cascade while its thread is still empty, then closes.
    let bela_store = Arc::new(SqliteStore::open(&bela_path).unwrap());
    let mut events = bela.events();
    let key = format!("thread:{}/{}", cascade.cascade_id, general.thread_id);
    wait_until(&mut events, || {
        let (store, key) = (Arc::clone(&bela_store), key.clone());
        async move { store.sync_cursor(&key).ok().flatten().is_some() }
    })
    .await;
    let account = bela.session().account().clone();
    bela.shut_down().await;

    // Meanwhile: more than a page in the thread, and a new thread under it with two messages.
    let nested = api
        .send::<StartThread>(Some(token), &(), &start(Some(&general.thread_id), "nested"))
        .await
        .unwrap();
    let count = DEFAULT_PAGE_SIZE as usize + 7;
    let say = |thread_id: &str, text: String| TMSendMessageReq {
        cascade_id: cascade.cascade_id.clone(),
        thread_id: thread_id.to_owned(),
        client_key: format!("key-{text}"),
        message: text,
        reply_to_id: None,
        file_ids: vec![],
    };
    for n in 0..count {
        api.send::<TmSendMessage>(Some(token), &(), &say(&general.thread_id, format!("g{n}")))
            .await
            .unwrap();
    }
    for n in 0..2 {
        api.send::<TmSendMessage>(Some(token), &(), &say(&nested.thread_id, format!("n{n}")))
            .await
            .unwrap();
    }

    let api = Arc::new(chatenium_core::api::ApiClient::new(&url).unwrap());
    let restored = chatenium_core::session::Session::restore(api, common::test_keyring(), account)
        .await
        .unwrap()
        .unwrap();
    let bela = chatenium_core::Client::start(restored, Arc::clone(&bela_store) as Arc<dyn Store>);
    let mut events = bela.events();
    let texts = |thread_id: &str| -> Vec<String> {
        bela_store
            .latest_thread_messages(&cascade.cascade_id, thread_id, 1000)
            .unwrap()
            .into_iter()
            .map(|m| m.message)
            .collect()
    };
    wait_until(&mut events, || {
        let done = texts(&general.thread_id).len() == count && texts(&nested.thread_id).len() == 2;
        async move { done }
    })
    .await;
    assert_eq!(
        texts(&general.thread_id),
        (0..count).map(|n| format!("g{n}")).collect::<Vec<_>>()
    );
    assert_eq!(texts(&nested.thread_id), ["n0", "n1"]);
    let cached_threads = bela_store
        .threads(&cascade.cascade_id, Some(&general.thread_id))
        .unwrap();
    assert_eq!(
        cached_threads.len(),
        1,
        "the new thread is in the cached tree"
    );
    bela.session().forget().await.unwrap();
    bela.shut_down().await;
}
