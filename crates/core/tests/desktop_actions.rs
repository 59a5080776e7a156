//! The operations the desktop app adds on top of sync (sign-in flows, contacts, edit, delete,
//! pin, jump, account changes), against the real local server and the real Secret Service.

mod common;

use chatenium_api::schemas::auth::{ChallengePurpose, FactorKind};
use chatenium_api::ErrorCode;
use chatenium_core::device::Device;
use chatenium_core::signin::NewAccount;
use chatenium_core::timeline::TimelineItem;
use chatenium_core::{ClientError, CoreEvent};
use common::{test_keyring, wait_for, wait_online, wait_until, LocalServer};

fn new_account(name: &str) -> NewAccount {
    NewAccount {
        username: name.into(),
        display_name: format!("{name} display"),
        email: format!("{name}@example.test"),
        phone: None,
    }
}

/// The newest one-time code the server's local outbox (`outbox.jsonl`) holds for `target`.
fn code_sent_to(server: &LocalServer, target: &str) -> String {
    let outbox = std::fs::read_to_string(server.data_dir.join("outbox.jsonl")).unwrap();
    outbox
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|sent| sent["to"] == target)
        .and_then(|sent| sent["secret"].as_str().map(str::to_owned))
        .expect("a code was sent")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_flows_and_passwordless_registration() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let device = Device::new(&server.base_url(), dir.path().join("app"), test_keyring()).unwrap();
    let auth = device.auth("en");

    assert!(auth.username_available("cecil").await.unwrap());
    let registered = auth
        .register(&new_account("cecil"), "cecil-password-1")
        .await;
    let registered = registered.unwrap();
    assert!(!auth.username_available("cecil").await.unwrap());
    assert!(!auth.email_available("cecil@example.test").await.unwrap());

    let methods = auth.methods("cecil").await.unwrap();
    assert!(methods.password && methods.email && !methods.sms);
    let wrong = auth.sign_in_with_password("cecil", "nope-nope-nope").await;
    assert_eq!(
        wrong.unwrap_err().code(),
        Some(ErrorCode::InvalidCredentials)
    );

    // Sign-in by e-mail code.
    let challenge = auth
        .start_challenge(ChallengePurpose::SignIn, Some("cecil"), None, None)
        .await
        .unwrap();
    auth.request_code(&challenge.challenge_id, FactorKind::Email)
        .await
        .unwrap();
    let bad = auth
        .verify_code(&challenge.challenge_id, FactorKind::Email, "000000x")
        .await;
    assert!(bad.is_err());
    let code = code_sent_to(&server, "cecil@example.test");
    let verified = auth
        .verify_code(&challenge.challenge_id, FactorKind::Email, &code)
        .await
        .unwrap();
    assert!(verified.complete);
    let signed_in = auth
        .sign_in_with_challenge("cecil", &challenge.challenge_id)
        .await
        .unwrap();
    assert_eq!(signed_in.userid, registered.userid);

    // Passwordless registration: the challenge proves the new address first.
    let challenge = auth
        .start_challenge(
            ChallengePurpose::Register,
            None,
            Some("dora@example.test"),
            None,
        )
        .await
        .unwrap();
    auth.request_code(&challenge.challenge_id, FactorKind::Email)
        .await
        .unwrap();
    let code = code_sent_to(&server, "dora@example.test");
    auth.verify_code(&challenge.challenge_id, FactorKind::Email, &code)
        .await
        .unwrap();
    let dora = auth
        .register_passwordless("dora", "Dora", &challenge.challenge_id)
        .await
        .unwrap();
    let methods = auth.methods("dora").await.unwrap();
    assert!(!methods.password && methods.email);

    // The engine starts from the sign-in, and again from the keyring after a restart.
    let client = device.start(&dora).await.unwrap();
    client.shut_down().await;
    let (resumed, user) = device.resume().await.unwrap().expect("resumed");
    assert_eq!(user.username, "dora");
    let renamed = resumed.change_display_name("Dóra").await.unwrap();
    assert_eq!(renamed.display_name, "Dóra");
    assert!(resumed.sessions().await.unwrap().iter().any(|s| s.current));
    device.sign_out(resumed, false).await.unwrap();
    assert!(device.resume().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_edit_delete_pin_and_jump() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let device = Device::new(&server.base_url(), dir.path().join("a"), test_keyring()).unwrap();
    let other = Device::new(&server.base_url(), dir.path().join("b"), test_keyring()).unwrap();
    let auth = device.auth("hu");
    let erik = auth
        .register(&new_account("erik"), "erik-password-1")
        .await
        .unwrap();
    let fanni = auth
        .register(&new_account("fanni"), "fanni-password-1")
        .await
        .unwrap();
    let erik = device.start(&erik).await.unwrap();
    let fanni = other.start(&fanni).await.unwrap();
    wait_online(&erik).await;
    wait_online(&fanni).await;

    let unknown = erik.add_contact("nobody-here").await.unwrap_err();
    assert_eq!(unknown.code(), Some(ErrorCode::AddUserUnk));
    let contact = erik.add_contact("fanni").await.unwrap();
    let chatid = contact.chatid.clone();
    assert_eq!(erik.chat_list().await.unwrap()[0].chatid, chatid);

    // Fanni writes 60 messages (more than a page); Erik reads the chat, and its count resets.
    let mut erik_events = erik.events();
    for n in 0..60 {
        fanni
            .send_message(&chatid, &format!("message {n}"), None, vec![])
            .await
            .unwrap();
    }
    wait_until(&mut erik_events, || async {
        erik.chat_list().await.unwrap()[0].notifications == 60
    })
    .await;
    erik.set_muted(&chatid, true).await.unwrap();
    assert!(erik.chat_list().await.unwrap()[0].muted);

    let snapshot = erik.open_timeline(&chatid).await.unwrap();
    assert!(!snapshot.is_empty());
    erik.mark_read(&chatid).await.unwrap();
    assert_eq!(erik.chat_list().await.unwrap()[0].notifications, 0);

    // Erik's own reply, edit, pin and delete change his timeline as diffs.
    let mut events = erik.events();
    erik.send_message(&chatid, "first answer", None, vec![])
        .await
        .unwrap();
    let mine = wait_for(&mut events, |e| {
        matches!(e, CoreEvent::Timeline { diff: chatenium_core::diff::ListDiff::Insert { item: TimelineItem::Message { message }, .. }, .. } if message.message == "first answer")
    })
    .await;
    let CoreEvent::Timeline {
        diff:
            chatenium_core::diff::ListDiff::Insert {
                item: TimelineItem::Message { message: mine },
                ..
            },
        ..
    } = mine
    else {
        unreachable!()
    };
    erik.edit_message(&chatid, &mine.msgid, "edited answer")
        .await
        .unwrap();
    erik.set_pinned(&chatid, &mine.msgid, true).await.unwrap();
    let pinned = erik.pinned_messages(&chatid).await.unwrap();
    assert_eq!(pinned.len(), 1);
    assert_eq!(pinned[0].message.message, "edited answer");

    // Editing someone else's message is refused with a code the UI translates.
    let theirs = erik
        .open_timeline(&chatid)
        .await
        .unwrap()
        .into_iter()
        .find_map(|item| match item {
            TimelineItem::Message { message } if message.author != erik.userid() => Some(message),
            _ => None,
        })
        .unwrap();
    let refused = erik.edit_message(&chatid, &theirs.msgid, "x").await;
    assert!(matches!(
        refused,
        Err(ClientError::Api {
            code: ErrorCode::NotAuthor,
            ..
        })
    ));

    // Jump to the oldest message: the timeline resets to the page that holds it.
    let oldest_id = {
        let query = chatenium_api::schemas::dm::GetMessagesQuery {
            chatid: chatid.clone(),
            from: Some(50),
            limit: Some(50),
            after: None,
        };
        let page = fanni
            .session()
            .call::<chatenium_api::DmGetMessages>(&query, &())
            .await
            .unwrap();
        page[0].msgid.clone()
    };
    let mut events = erik.events();
    erik.jump_to_message(&chatid, &oldest_id).await.unwrap();
    let reset = wait_for(&mut events, |e| {
        matches!(
            e,
            CoreEvent::Timeline {
                diff: chatenium_core::diff::ListDiff::Reset { .. },
                ..
            }
        )
    })
    .await;
    let CoreEvent::Timeline {
        diff: chatenium_core::diff::ListDiff::Reset { items },
        ..
    } = reset
    else {
        unreachable!()
    };
    assert!(items
        .iter()
        .any(|i| matches!(i, TimelineItem::Message { message } if message.msgid == oldest_id)));

    // Far back, the timeline is cut off from the newest messages: a live one waits, and
    // paging forward brings everything after the page, in order and without a gap.
    fanni
        .send_message(&chatid, "while erik reads old ones", None, vec![])
        .await
        .unwrap();
    wait_until(&mut events, || async {
        erik.chat_list().await.unwrap()[0]
            .latest_message
            .as_ref()
            .is_some_and(|m| m.message == "while erik reads old ones")
    })
    .await;
    let texts = |items: &[TimelineItem]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                TimelineItem::Message { message } => Some(message.message.clone()),
                _ => None,
            })
            .collect()
    };
    let shown = texts(&erik.timeline_snapshot(&chatid).unwrap());
    assert!(!shown.contains(&"while erik reads old ones".to_owned()));
    let mut pages = 0;
    while erik.load_newer(&chatid).await.unwrap() > 0 {
        pages += 1;
        assert!(pages < 10, "forward paging ends");
    }
    let all = texts(&erik.timeline_snapshot(&chatid).unwrap());
    assert_eq!(all.first().map(String::as_str), Some("message 0"));
    assert_eq!(
        all.last().map(String::as_str),
        Some("while erik reads old ones")
    );
    // Fanni's 60, Erik's edited answer, the live one: each once.
    assert_eq!(all.len(), 62, "{all:?}");
    // Following live messages again.
    fanni
        .send_message(&chatid, "and now", None, vec![])
        .await
        .unwrap();
    wait_until(&mut events, || async {
        erik.timeline_snapshot(&chatid)
            .is_some_and(|items| texts(&items).last().map(String::as_str) == Some("and now"))
    })
    .await;

    // Delete several at once: both messages leave the server.
    erik.open_timeline(&chatid).await.unwrap();
    erik.delete_messages(&chatid, vec![mine.msgid.clone()])
        .await
        .unwrap();
    let after = erik.pinned_messages(&chatid).await.unwrap();
    assert!(after.is_empty());

    erik.delete_contact(&chatid).await.unwrap();
    assert!(erik.chat_list().await.unwrap().is_empty());
}

/// What a timeline's pending echoes say: (text, failure) in order.
fn pending_of(items: &[TimelineItem]) -> Vec<(String, Option<String>)> {
    items
        .iter()
        .filter_map(|item| match item {
            TimelineItem::Pending { outgoing } => {
                Some((outgoing.text.clone(), outgoing.failure.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_retried_once_the_cause_is_gone_or_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let device = Device::new(&server.base_url(), dir.path().join("a"), test_keyring()).unwrap();
    let auth = device.auth("en");
    let gabor = auth
        .register(&new_account("gabor"), "gabor-password-1")
        .await
        .unwrap();
    auth.register(&new_account("hanna"), "hanna-password-1")
        .await
        .unwrap();
    let stand_in = auth
        .register(&new_account("ivett"), "ivett-password-1")
        .await
        .unwrap()
        .userid;
    let gabor_id = gabor.userid.clone();
    let gabor = device.start(&gabor).await.unwrap();
    wait_online(&gabor).await;
    let chatid = gabor.add_contact("hanna").await.unwrap().chatid;
    gabor.open_timeline(&chatid).await.unwrap();

    // The server stops counting Gabor as a member (another user stands in his place, as if the
    // chat were out of his reach for a while): both sends are refused and marked failed.
    let membership = |from: &str, to: &str| {
        format!(
            "UPDATE chats SET user_a = CASE WHEN user_a = '{from}' THEN '{to}' ELSE user_a END, \
             user_b = CASE WHEN user_b = '{from}' THEN '{to}' ELSE user_b END WHERE id = '{chatid}'"
        )
    };
    server.sql(&membership(&gabor_id, &stand_in));
    let mut events = gabor.events();
    let keep = gabor
        .send_message(&chatid, "worth keeping", None, vec![])
        .await
        .unwrap();
    let drop = gabor
        .send_message(&chatid, "not worth it", None, vec![])
        .await
        .unwrap();
    wait_until(&mut events, || async {
        let items = gabor.open_timeline(&chatid).await.unwrap();
        pending_of(&items)
            .iter()
            .all(|(_, failure)| failure.is_some())
    })
    .await;
    let items = gabor.open_timeline(&chatid).await.unwrap();
    assert_eq!(
        pending_of(&items),
        [
            ("worth keeping".to_owned(), Some("notFound".to_owned())),
            ("not worth it".to_owned(), Some("notFound".to_owned())),
        ]
    );

    // Discarding leaves the outbox and the timeline; retrying once the chat is back sends it.
    gabor.discard_send(&chatid, &drop).await.unwrap();
    server.sql(&membership(&stand_in, &gabor_id));
    gabor.retry_send(&chatid, &keep).await.unwrap();
    wait_until(&mut events, || async {
        let items = gabor.open_timeline(&chatid).await.unwrap();
        pending_of(&items).is_empty()
            && items.iter().any(|item| {
                matches!(item, TimelineItem::Message { message } if message.message == "worth keeping")
            })
    })
    .await;
    // Exactly once on the server, and the discarded one never.
    let hanna = Device::new(&server.base_url(), dir.path().join("b"), test_keyring()).unwrap();
    let hanna = hanna
        .auth("en")
        .sign_in_with_password("hanna", "hanna-password-1")
        .await
        .unwrap();
    let api = chatenium_core::api::ApiClient::new(server.base_url()).unwrap();
    let texts: Vec<String> = api
        .send::<chatenium_api::DmGetMessages>(
            Some(&hanna.access_token),
            &chatenium_api::schemas::dm::GetMessagesQuery {
                chatid: chatid.clone(),
                from: None,
                limit: None,
                after: None,
            },
            &(),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message)
        .collect();
    assert_eq!(texts, ["worth keeping"]);

    // A message still on its way is not discarded (it may already be stored).
    gabor.discard_send(&chatid, &keep).await.unwrap();
    let items = gabor.open_timeline(&chatid).await.unwrap();
    assert!(items.iter().any(|item| {
        matches!(item, TimelineItem::Message { message } if message.message == "worth keeping")
    }));
}
