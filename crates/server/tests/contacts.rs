//! Contacts (rows 32 to 35) over real HTTP and WebSocket: adding, the list's order and counts,
//! accepting by replying, muting, deleting, and the refusals.

mod common;

use chatenium_api::schemas::contacts::*;
use chatenium_api::ws::{ChatRef, ServerEvent};
use chatenium_api::{
    CreateContact, DeleteContact, DmGetMessages, Endpoint, ErrorCode, GetContacts, MuteContact,
};
use common::chat::{drain_all, page};
use common::{As, TestServer};

#[tokio::test]
async fn adding_a_contact_sends_the_partner_a_request() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let [mut a1, mut a2] = server.sockets([&anna, &anna]).await;
    let [mut b1, mut b2] = server.sockets([&bela, &bela]).await;

    let request = AddContactReq {
        userid: bela.userid.clone(),
    };
    let mine = server
        .call::<CreateContact>(anna.via(&a1), &(), &request)
        .await
        .unwrap();
    assert_eq!(mine.user.userid, bela.userid);
    assert_eq!(mine.user.username, "bela");
    assert!(!mine.accepted && !mine.muted);
    assert_eq!(mine.notifications, 0);
    assert_eq!(mine.latest_message, None);

    // The partner sees the same pending chat, with the caller as the user.
    let theirs = server.contacts(&bela).await.remove(0);
    assert_eq!(theirs.user.userid, anna.userid);
    assert_eq!(
        theirs,
        Contact {
            user: theirs.user.clone(),
            ..mine.clone()
        }
    );
    assert_eq!(server.contacts(&anna).await, vec![mine.clone()]);

    let received = drain_all([&mut a1, &mut a2, &mut b1, &mut b2]).await;
    assert_eq!(received[0], vec![], "the connection that added it");
    assert_eq!(received[1], vec![ServerEvent::ContactRequest(mine)]);
    for bela_socket in &received[2..] {
        assert_eq!(
            bela_socket,
            &vec![ServerEvent::ContactRequest(theirs.clone())]
        );
    }
}

#[tokio::test]
async fn adding_is_refused_with_the_real_services_codes() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let add = |userid: &str| AddContactReq {
        userid: userid.to_owned(),
    };
    server
        .refused::<CreateContact>(
            As::default(),
            &(),
            &add(&bela.userid),
            ErrorCode::Unauthorized,
        )
        .await;
    server
        .refused::<CreateContact>(
            anna.auth(),
            &(),
            &add("no-such-user"),
            ErrorCode::AddUserUnk,
        )
        .await;
    server
        .refused::<CreateContact>(
            anna.auth(),
            &(),
            &add(&anna.userid),
            ErrorCode::NoStartChatWithSelf,
        )
        .await;
    server.add_contact(&anna, &bela).await;
    for (from, to) in [(&anna, &bela), (&bela, &anna)] {
        server
            .refused::<CreateContact>(
                from.auth(),
                &(),
                &add(&to.userid),
                ErrorCode::ChatAlreadyExists,
            )
            .await;
    }
    for body in [&b"{}"[..], b"{\"userid\": 5}", b"[]", b"not json"] {
        let (status, bytes) = server
            .raw(
                reqwest::Method::POST,
                CreateContact::META.path,
                Some(&anna.token),
                body.to_vec(),
            )
            .await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
        let error: chatenium_api::ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error.error, ErrorCode::BadRequest);
    }
    assert_eq!(server.contacts(&anna).await.len(), 1);
    server
        .refused::<GetContacts>(As::default(), &(), &(), ErrorCode::Unauthorized)
        .await;
}

#[tokio::test]
async fn the_list_is_ordered_by_the_last_message() {
    let server = TestServer::start().await;
    let [anna, bela, cili, dora] = server.users(["anna", "bela", "cili", "dora"]).await;
    let with_bela = server.add_contact(&anna, &bela).await.chatid;
    let with_cili = server.add_contact(&anna, &cili).await.chatid;
    let with_dora = server.add_contact(&dora, &anna).await.chatid;
    let order = |contacts: Vec<Contact>| -> Vec<String> {
        contacts.into_iter().map(|c| c.chatid).collect()
    };

    // Without messages: the newest contact first.
    assert_eq!(
        order(server.contacts(&anna).await),
        [with_dora.as_str(), with_cili.as_str(), with_bela.as_str()]
    );

    server.send_text(anna.auth(), &with_cili, "to cili").await;
    server.send_text(anna.auth(), &with_bela, "to bela").await;
    assert_eq!(
        order(server.contacts(&anna).await),
        [with_bela.as_str(), with_cili.as_str(), with_dora.as_str()]
    );

    let from_dora = server.send_text(dora.auth(), &with_dora, "from dora").await;
    let contacts = server.contacts(&anna).await;
    assert_eq!(
        order(contacts.clone()),
        [with_dora.as_str(), with_bela.as_str(), with_cili.as_str()]
    );
    let latest = contacts[0].latest_message.clone().unwrap();
    assert_eq!(latest.msgid, from_dora.msgid);
    assert_eq!(latest.message, "from dora");
    assert_eq!(latest.sent_at, from_dora.sent_at);
    assert!(!latest.is_author);
    assert_eq!(contacts[0].user.userid, dora.userid);
    assert!(contacts[1].latest_message.as_ref().unwrap().is_author);
    assert!(
        server.contacts(&dora).await[0]
            .latest_message
            .as_ref()
            .unwrap()
            .is_author
    );
}

#[tokio::test]
async fn a_request_is_accepted_by_the_partners_reply() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.add_contact(&anna, &bela).await.chatid;
    let mut a1 = server.socket(&anna.token).await;
    let [mut b1, mut b2] = server.sockets([&bela, &bela]).await;

    // The requester writing again does not accept for the partner.
    server.send_text(anna.auth(), &chatid, "hello?").await;
    assert!(!server.contacts(&anna).await[0].accepted);
    assert!(!server.contacts(&bela).await[0].accepted);
    drain_all([&mut a1, &mut b1, &mut b2]).await;

    let reply = server.send_text(bela.via(&b1), &chatid, "hi anna").await;
    let annas = server.contacts(&anna).await.remove(0);
    let belas = server.contacts(&bela).await.remove(0);
    assert!(annas.accepted && belas.accepted);

    let received = drain_all([&mut a1, &mut b1, &mut b2]).await;
    let new = ServerEvent::NewMessage(reply.clone());
    assert_eq!(
        received[0],
        vec![new.clone(), ServerEvent::ContactRequest(annas)]
    );
    assert_eq!(received[1], vec![]);
    let ServerEvent::ContactRequest(on_b2) = &received[2][1] else {
        panic!("{:?}", received[2]);
    };
    assert_eq!(received[2][0], new);
    assert!(on_b2.accepted);
    assert_eq!(on_b2.user.userid, anna.userid);

    // Once accepted, more replies change nothing and tell only of the message.
    server.send_text(bela.auth(), &chatid, "again").await;
    let received = drain_all([&mut a1]).await;
    assert!(matches!(
        received[0].as_slice(),
        [ServerEvent::NewMessage(_)]
    ));
}

#[tokio::test]
async fn unread_counts_and_muting_are_each_members_own() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let chatid = server.add_contact(&anna, &bela).await.chatid;
    for text in ["one", "two", "three"] {
        server.send_text(bela.auth(), &chatid, text).await;
    }
    server.send_text(anna.auth(), &chatid, "mine").await;
    assert_eq!(server.contacts(&anna).await[0].notifications, 3);
    assert_eq!(server.contacts(&bela).await[0].notifications, 1);

    // Reading the newest page clears the reader's count only.
    server.messages(&anna, &page(&chatid, None, None)).await;
    assert_eq!(server.contacts(&anna).await[0].notifications, 0);
    assert_eq!(server.contacts(&bela).await[0].notifications, 1);

    let [mut a1, mut a2] = server.sockets([&anna, &anna]).await;
    let mut b1 = server.socket(&bela.token).await;
    let mute = |muted: bool| SetMuteReq {
        chatid: chatid.clone(),
        muted,
    };
    server
        .call::<MuteContact>(anna.via(&a1), &(), &mute(true))
        .await
        .unwrap();
    let annas = server.contacts(&anna).await.remove(0);
    assert!(annas.muted);
    assert!(!server.contacts(&bela).await[0].muted);
    let received = drain_all([&mut a1, &mut a2, &mut b1]).await;
    assert_eq!(
        received,
        vec![vec![], vec![ServerEvent::ContactRequest(annas)], vec![]],
        "muting is private: only the muter's other connections hear of it"
    );
    server
        .call::<MuteContact>(anna.auth(), &(), &mute(false))
        .await
        .unwrap();
    assert!(!server.contacts(&anna).await[0].muted);

    server
        .refused::<MuteContact>(cili.auth(), &(), &mute(true), ErrorCode::NotFound)
        .await;
    server
        .refused::<MuteContact>(As::default(), &(), &mute(true), ErrorCode::Unauthorized)
        .await;
    let (status, _) = server
        .raw(
            reqwest::Method::PATCH,
            MuteContact::META.path,
            Some(&anna.token),
            format!("{{\"chatid\": \"{chatid}\", \"muted\": \"yes\"}}").into_bytes(),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn deleting_a_contact_removes_the_chat_for_both() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let chatid = server.add_contact(&anna, &bela).await.chatid;
    server.send_text(anna.auth(), &chatid, "hello").await;
    server.send_text(bela.auth(), &chatid, "hi").await;
    let [mut a1, mut a2] = server.sockets([&anna, &anna]).await;
    let [mut b1, mut b2] = server.sockets([&bela, &bela]).await;
    let delete = DeleteContactReq {
        chatid: chatid.clone(),
    };

    server
        .refused::<DeleteContact>(cili.auth(), &(), &delete, ErrorCode::NotFound)
        .await;
    server
        .refused::<DeleteContact>(As::default(), &(), &delete, ErrorCode::Unauthorized)
        .await;
    assert_eq!(server.contacts(&bela).await.len(), 1);

    server
        .call::<DeleteContact>(bela.via(&b2), &(), &delete)
        .await
        .unwrap();
    let received = drain_all([&mut a1, &mut a2, &mut b1, &mut b2]).await;
    let deleted = ServerEvent::ContactDeleted(ChatRef {
        chatid: chatid.clone(),
    });
    assert_eq!(
        received,
        vec![
            vec![deleted.clone()],
            vec![deleted.clone()],
            vec![deleted],
            vec![]
        ]
    );
    for user in [&anna, &bela] {
        assert_eq!(server.contacts(user).await, vec![]);
        server
            .refused::<DmGetMessages>(
                user.auth(),
                &page(&chatid, None, None),
                &(),
                ErrorCode::NotFound,
            )
            .await;
    }
    server
        .refused::<DeleteContact>(anna.auth(), &(), &delete, ErrorCode::NotFound)
        .await;

    // The pair may start again: a new, empty chat.
    let again = server.add_contact(&anna, &bela).await;
    assert_ne!(again.chatid, chatid);
    assert_eq!(
        server
            .messages(&anna, &page(&again.chatid, None, None))
            .await,
        vec![]
    );
}
