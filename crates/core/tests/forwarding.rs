//! Forwarding a message into another chat (`Client::forward_message`) or into a thread
//! (`Client::forward`), against the real local server and the real Secret Service: the forward
//! names the original's author and reaches the target's audience live, and the forwarder's own
//! open timeline shows it at once.

mod common;

use chatenium_api::schemas::cascade::CreateCascadeReq;
use chatenium_core::device::Device;
use chatenium_core::forwarding::Forwarded;
use chatenium_core::signin::NewAccount;
use chatenium_core::timeline::TimelineItem;
use chatenium_core::ConversationId;
use common::{test_keyring, wait_online, wait_until, LocalServer};

fn new_account(name: &str) -> NewAccount {
    NewAccount {
        username: name.into(),
        display_name: format!("{name} display"),
        email: format!("{name}@example.test"),
        phone: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_names_the_author_and_reaches_the_other_chat() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let mut clients = Vec::new();
    for name in ["erik", "fanni", "gizi"] {
        let device =
            Device::new(&server.base_url(), dir.path().join(name), test_keyring()).unwrap();
        let account = device
            .auth("en")
            .register(&new_account(name), &format!("{name}-password-1"))
            .await
            .unwrap();
        let client = device.start(&account).await.unwrap();
        wait_online(&client).await;
        clients.push(client);
    }
    let [erik, fanni, gizi] = <[_; 3]>::try_from(clients).unwrap_or_else(|_| unreachable!());

    let with_fanni = erik.add_contact("fanni").await.unwrap();
    let with_gizi = erik.add_contact("gizi").await.unwrap();
    let mut erik_events = erik.events();
    fanni
        .send_message(&with_fanni.chatid, "forward me", None, vec![])
        .await
        .unwrap();
    let latest_of = |contacts: Vec<chatenium_api::schemas::contacts::Contact>, chatid: &str| {
        contacts
            .into_iter()
            .find(|c| c.chatid == chatid)
            .and_then(|c| c.latest_message)
    };
    wait_until(&mut erik_events, || async {
        latest_of(erik.chat_list().await.unwrap(), &with_fanni.chatid)
            .is_some_and(|latest| latest.message == "forward me")
    })
    .await;
    let original = latest_of(erik.chat_list().await.unwrap(), &with_fanni.chatid).unwrap();

    let mut gizi_events = gizi.events();
    let forwarded = erik
        .forward_message(&with_fanni.chatid, &original.msgid, &with_gizi.chatid)
        .await
        .unwrap();
    assert_eq!(forwarded.chatid, with_gizi.chatid);
    assert_eq!(forwarded.message, "forward me");
    assert_eq!(
        forwarded.forwarded_from.as_deref(),
        Some(with_fanni.user.userid.as_str())
    );
    assert_eq!(
        forwarded.forwarded_from_name.as_deref(),
        Some("fanni display")
    );
    wait_until(&mut gizi_events, || async {
        latest_of(gizi.chat_list().await.unwrap(), &with_gizi.chatid)
            .is_some_and(|latest| latest.msgid == forwarded.msgid)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_message_forwarded_into_a_thread_shows_in_both_members_timelines() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let mut clients = Vec::new();
    for name in ["hedi", "ivo", "jani"] {
        let device =
            Device::new(&server.base_url(), dir.path().join(name), test_keyring()).unwrap();
        let account = device
            .auth("en")
            .register(&new_account(name), &format!("{name}-password-1"))
            .await
            .unwrap();
        let client = device.start(&account).await.unwrap();
        wait_online(&client).await;
        clients.push(client);
    }
    let [hedi, ivo, jani] = <[_; 3]>::try_from(clients).unwrap_or_else(|_| unreachable!());

    let with_ivo = hedi.add_contact("ivo").await.unwrap();
    // Sent straight through the contract, so the test has the stored message at once.
    let original = ivo
        .session()
        .call::<chatenium_api::DmSendMessage>(
            &(),
            &chatenium_api::schemas::dm::SendMessageReq {
                chatid: with_ivo.chatid.clone(),
                message: "to the thread".into(),
                reply_to_id: None,
                file_ids: vec![],
                client_key: "forward-test-1".into(),
            },
        )
        .await
        .unwrap();
    let cascade = hedi
        .create_cascade(&CreateCascadeReq {
            name: "Klub".into(),
            public: false,
            picture_file_id: None,
            invite_max_uses: None,
            invite_expires_in_secs: None,
        })
        .await
        .unwrap();
    let thread = hedi
        .create_thread(&cascade.cascade_id, None, "general", None)
        .await
        .unwrap();
    let code = hedi
        .cascade_invite(&cascade.cascade_id)
        .await
        .unwrap()
        .unwrap()
        .code;
    jani.join_cascade_from_invite(&code).await.unwrap();
    hedi.open_thread(&cascade.cascade_id, &thread.thread_id)
        .await
        .unwrap();
    jani.open_thread(&cascade.cascade_id, &thread.thread_id)
        .await
        .unwrap();

    let mut jani_events = jani.events();
    let target = ConversationId::thread(&cascade.cascade_id, &thread.thread_id);
    let Forwarded::Thread(forwarded) = hedi
        .forward(
            &ConversationId::dm(&with_ivo.chatid),
            &original.msgid,
            &target,
        )
        .await
        .unwrap()
    else {
        panic!("a forward into a thread answers a thread message")
    };
    assert_eq!(forwarded.message, "to the thread");
    assert_eq!(
        forwarded.forwarded_from_name.as_deref(),
        Some("ivo display")
    );
    let shows_forward = |items: Vec<chatenium_core::thread_actions::ThreadTimelineItem>| {
        items.iter().any(|item| {
            matches!(item, TimelineItem::Message { message }
                if message.msgid == forwarded.msgid
                    && message.forwarded_from.as_deref() == Some(with_ivo.user.userid.as_str()))
        })
    };
    assert!(
        hedi.thread_snapshot(&cascade.cascade_id, &thread.thread_id)
            .is_some_and(shows_forward),
        "the forwarder's own timeline shows it at once"
    );
    wait_until(&mut jani_events, || async {
        jani.thread_snapshot(&cascade.cascade_id, &thread.thread_id)
            .is_some_and(shows_forward)
    })
    .await;
}
