//! The change feed (an extension, `GET /v3/changes`): positions per user, with no gap, for
//! users offline too, only what the user may see, live frames carrying them, and a position
//! before the kept window answered `tooFarBehind`.

mod common;

use chatenium_api::schemas::cascade::KickMemberReq;
use chatenium_api::schemas::dm::EditMessageReq;
use chatenium_api::ws::{ChangesPage, ChangesQuery, Frame, ReadMark, ServerEvent};
use chatenium_api::{DmEditMessage, GetChanges, KickMember};
use common::{Socket, TestServer, User};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

async fn changes(server: &TestServer, who: &User, since: Option<u64>) -> ChangesPage {
    let query = ChangesQuery { since, limit: None };
    server
        .call::<GetChanges>(who.auth(), &query, &())
        .await
        .expect("the change feed")
}

/// The actions of a user's feed after `since`, each checked to follow the one before.
async fn actions_since(server: &TestServer, who: &User, since: u64) -> Vec<String> {
    let page = changes(server, who, Some(since)).await;
    assert!(!page.too_far_behind);
    let positions: Vec<u64> = page.changes.iter().map(|c| c.position).collect();
    let expected: Vec<u64> = (since + 1..=page.head).collect();
    assert_eq!(
        positions, expected,
        "positions go on one by one to the head"
    );
    page.changes.into_iter().map(|c| c.action).collect()
}

/// The next frame as it travels, position included.
async fn next_frame(socket: &mut Socket) -> Frame {
    loop {
        let message = tokio::time::timeout(common::PATIENCE, socket.stream.next())
            .await
            .expect("a frame arrives")
            .expect("the socket is open")
            .expect("a frame");
        if let WsMessage::Text(text) = message {
            return Frame::parse(text.as_str()).expect("a frame");
        }
    }
}

#[tokio::test]
async fn every_user_has_their_own_gap_free_feed_offline_too() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    let (anna_head, bela_head) = (
        changes(&server, &anna, None).await.head,
        changes(&server, &bela, None).await.head,
    );
    assert!(changes(&server, &bela, None).await.changes.is_empty());

    // Bela has no connection at all.
    let first = server.send_text(anna.auth(), &chatid, "egy").await;
    server.send_text(anna.auth(), &chatid, "kettő").await;
    let edit = EditMessageReq {
        chatid: chatid.clone(),
        msgid: first.msgid.clone(),
        message: "egy!".into(),
    };
    server
        .call::<DmEditMessage>(anna.auth(), &(), &edit)
        .await
        .unwrap();

    let expected = ["newMessage", "newMessage", "editedMessage"];
    assert_eq!(actions_since(&server, &bela, bela_head).await, expected);
    // Anna's own feed has her changes too (her other devices catch up from it).
    assert_eq!(actions_since(&server, &anna, anna_head).await, expected);

    // Online now: the live frame carries the next position of Bela's feed.
    let mut socket = server.socket(&bela.token).await;
    let head = changes(&server, &bela, None).await.head;
    server.send_text(anna.auth(), &chatid, "három").await;
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame.action, "newMessage");
    assert_eq!(frame.position, Some(head + 1));
    let page = changes(&server, &bela, Some(head)).await;
    assert_eq!(page.head, head + 1);
    assert_eq!(page.changes[0].frame(), frame);

    // Reading is a change too: Anna's messages are seen, Bela's count is 0 on his devices.
    let anna_head = changes(&server, &anna, None).await.head;
    let read = server
        .messages(&bela, &common::chat::page(&chatid, None, None))
        .await;
    let newest = read.last().expect("the newest page").msgid.clone();
    let expected = ServerEvent::ChatRead(ReadMark {
        chatid: chatid.clone(),
        userid: bela.userid.clone(),
        msgid: newest,
    });
    for (user, since) in [(&anna, anna_head), (&bela, head + 1)] {
        let page = changes(&server, user, Some(since)).await;
        assert_eq!(page.changes.len(), 1);
        let event = ServerEvent::from_frame(&page.changes[0].frame()).unwrap();
        assert_eq!(event, expected);
    }
    // Reading again moves no mark and tells nobody.
    server
        .messages(&bela, &common::chat::page(&chatid, None, None))
        .await;
    assert_eq!(changes(&server, &anna, None).await.head, anna_head + 1);
}

#[tokio::test]
async fn a_cascade_feed_reaches_every_member_subscribed_or_not_and_nobody_else() {
    let server = TestServer::start().await;
    let [anna, bela, cili, dora] = server.users(["anna", "bela", "cili", "dora"]).await;
    let cascade = server.cascade_with(&anna, &[&bela, &cili]).await;
    let before = |user: &User| {
        let user = user.clone();
        let server = &server;
        async move { changes(server, &user, None).await.head }
    };
    let (bela_head, cili_head, dora_head) = (
        before(&bela).await,
        before(&cili).await,
        before(&dora).await,
    );

    // Bela's socket follows no cascade; Cili has none.
    let mut bela_socket = server.socket(&bela.token).await;
    let thread = server
        .start_thread(anna.auth(), &cascade.cascade_id, None, "Hírek")
        .await;
    server
        .send_tm(anna.auth(), &cascade.cascade_id, &thread.thread_id, "szia")
        .await;
    let kick = KickMemberReq {
        cascade_id: cascade.cascade_id.clone(),
        userid: cili.userid.clone(),
        ban: false,
        reason: None,
    };
    server
        .call::<KickMember>(anna.auth(), &(), &kick)
        .await
        .unwrap();
    server
        .send_tm(
            anna.auth(),
            &cascade.cascade_id,
            &thread.thread_id,
            "cili nélkül",
        )
        .await;

    assert_eq!(
        actions_since(&server, &bela, bela_head).await,
        [
            "threadCreated",
            "newThreadMessage",
            "memberLeft",
            "newThreadMessage"
        ]
    );
    // What Cili may see: up to the kick, and the kick; nothing of the thread after it.
    assert_eq!(
        actions_since(&server, &cili, cili_head).await,
        ["threadCreated", "newThreadMessage", "kickedFromCascade"]
    );
    assert_eq!(changes(&server, &dora, None).await.head, dora_head);
    // Bela's unsubscribed socket heard the cascade's member change, not its thread events; its
    // position shows what it missed.
    let frame = next_frame(&mut bela_socket).await;
    assert_eq!(frame.action, "memberLeft");
    assert_eq!(frame.position, Some(bela_head + 3));
    assert!(bela_socket.drain().await.is_empty());
}

#[tokio::test]
async fn a_position_before_the_kept_window_is_too_far_behind() {
    let server = TestServer::start_with(|config| config.change_feed.keep_entries = 3).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    for text in ["1", "2", "3", "4", "5"] {
        server.send_text(anna.auth(), &chatid, text).await;
    }
    let head = changes(&server, &bela, None).await.head;
    assert!(head >= 5);

    let kept = changes(&server, &bela, Some(head - 3)).await;
    assert!(!kept.too_far_behind);
    assert_eq!(kept.changes.len(), 3);
    for since in [0, head - 4] {
        let page = changes(&server, &bela, Some(since)).await;
        assert!(page.too_far_behind, "since {since}");
        assert!(page.changes.is_empty());
        assert_eq!(page.head, head);
    }
    // A position the feed never reached is another history's: resync too.
    assert!(changes(&server, &bela, Some(head + 5)).await.too_far_behind);
    assert!(!changes(&server, &bela, Some(head)).await.too_far_behind);

    let refused = server
        .call::<GetChanges>(
            bela.auth(),
            &ChangesQuery {
                since: Some(head),
                limit: Some(0),
            },
            &(),
        )
        .await;
    assert!(refused.is_err());
}
