//! Threads (rows 69 to 71) and thread messages (rows 72 to 79) over real HTTP and WebSocket:
//! events reaching every subscribed connection of every member but the one that made the
//! change, starting, updating and closing nested threads, paging and positions, idempotent
//! sends, pins, replies and attachments, who may edit and delete, and outsiders.

mod common;

use chatenium_api::schemas::cascade::{CascadeRole, KickMemberReq};
use chatenium_api::schemas::dm::{AttachmentKind, DEFAULT_PAGE_SIZE, MAX_MESSAGE_CHARS};
use chatenium_api::schemas::thread::*;
use chatenium_api::ws::{
    DeletedThreadMessages, EditedThreadMessage, ServerEvent, ThreadPinChange, ThreadRef,
};
use chatenium_api::*;
use common::cascade::{thread_request, tm_page, tm_text};
use common::chat::drain_all;
use common::fixture::subscribe;
use common::{As, Socket, TestServer, User};

fn ids(messages: &[ThreadMessage]) -> Vec<String> {
    messages.iter().map(|m| m.msgid.clone()).collect()
}

fn pin(thread: &Thread, msgid: &str) -> TMPinMessageReq {
    TMPinMessageReq {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        msgid: msgid.to_owned(),
    }
}

fn edit(thread: &Thread, msgid: &str, message: &str) -> TMEditMessageReq {
    TMEditMessageReq {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        msgid: msgid.to_owned(),
        message: message.to_owned(),
    }
}

fn delete(thread: &Thread, msgids: &[&str]) -> TMDeleteMessagesReq {
    TMDeleteMessagesReq {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        msgids: msgids.iter().map(|&id| id.to_owned()).collect(),
    }
}

fn position(thread: &Thread, msgid: &str) -> TMPositionQuery {
    TMPositionQuery {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        msgid: msgid.to_owned(),
    }
}

fn thread_query(thread: &Thread) -> ThreadQuery {
    ThreadQuery {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
    }
}

fn thread_id(thread: &Thread) -> ThreadIdReq {
    ThreadIdReq {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
    }
}

fn page(thread: &Thread, from: Option<u32>, limit: Option<u32>) -> TMGetMessagesQuery {
    tm_page(&thread.cascade_id, &thread.thread_id, from, limit)
}

fn after(thread: &Thread, msgid: &str, limit: Option<u32>) -> TMGetMessagesQuery {
    TMGetMessagesQuery {
        after: Some(msgid.to_owned()),
        ..page(thread, None, limit)
    }
}

fn text(thread: &Thread, message: &str) -> TMSendMessageReq {
    tm_text(&thread.cascade_id, &thread.thread_id, message)
}

fn update(thread: &Thread, name: Option<&str>, description: Option<&str>) -> UpdateThreadReq {
    UpdateThreadReq {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        name: name.map(str::to_owned),
        description: description.map(str::to_owned),
    }
}

/// anna owns a cascade with a thread; bela is its admin, cili and dora members.
async fn community(server: &TestServer) -> ([User; 4], Thread) {
    let [anna, bela, cili, dora] = server.users(["anna", "bela", "cili", "dora"]).await;
    let cascade = server.cascade_with(&anna, &[&bela, &cili, &dora]).await;
    server
        .set_role(&cascade.cascade_id, &bela, CascadeRole::Admin)
        .await;
    let thread = server
        .start_thread(anna.auth(), &cascade.cascade_id, None, "General")
        .await;
    ([anna, bela, cili, dora], thread)
}

/// Drains the sockets: the one at `maker` made the change and those in `deaf` do not follow
/// the cascade, so they heard nothing; every other one heard exactly `expected`.
async fn only_followers_hear(
    sockets: &mut [Socket],
    maker: usize,
    deaf: &[usize],
    expected: &[ServerEvent],
) {
    let received = drain_all(sockets.iter_mut()).await;
    for (index, events) in received.into_iter().enumerate() {
        if index == maker || deaf.contains(&index) {
            assert_eq!(events, vec![], "connection {index}");
        } else {
            assert_eq!(events, expected, "connection {index}");
        }
    }
}

#[tokio::test]
async fn thread_events_reach_every_subscribed_connection_but_the_one_that_made_them() {
    let server = TestServer::start().await;
    let ([anna, bela, cili, _dora], general) = community(&server).await;
    let cascade_id = general.cascade_id.clone();
    let outsider = server.register("outsider").await;
    // 0, 1: anna's; 2, 3: bela's (3 does not follow the cascade); 4: cili's; 5: an outsider's,
    // subscribed to an id it has no business with.
    let mut sockets = server
        .sockets([&anna, &anna, &bela, &bela, &cili, &outsider])
        .await;
    for index in [0, 1, 2, 4, 5] {
        subscribe(&mut sockets[index], &[&cascade_id]).await;
    }
    let deaf = [3, 5];

    let sub = server
        .start_thread(bela.via(&sockets[2]), &cascade_id, None, "Sub")
        .await;
    only_followers_hear(
        &mut sockets,
        2,
        &deaf,
        &[ServerEvent::ThreadCreated(sub.clone())],
    )
    .await;

    let sent = server
        .send_tm(
            anna.via(&sockets[0]),
            &cascade_id,
            &general.thread_id,
            "hello",
        )
        .await;
    only_followers_hear(
        &mut sockets,
        0,
        &deaf,
        &[ServerEvent::NewThreadMessage(sent.clone())],
    )
    .await;

    server
        .call::<TmEditMessage>(
            anna.via(&sockets[1]),
            &(),
            &edit(&general, &sent.msgid, "hello!"),
        )
        .await
        .unwrap();
    let edited = ServerEvent::EditedThreadMessage(EditedThreadMessage {
        cascade_id: cascade_id.clone(),
        thread_id: general.thread_id.clone(),
        msgid: sent.msgid.clone(),
        message: "hello!".into(),
    });
    only_followers_hear(&mut sockets, 1, &deaf, &[edited]).await;

    let pinned = |pinned| {
        ServerEvent::PinnedThreadMessage(ThreadPinChange {
            cascade_id: cascade_id.clone(),
            thread_id: general.thread_id.clone(),
            msgid: sent.msgid.clone(),
            pinned,
        })
    };
    server
        .call::<TmPinMessage>(cili.via(&sockets[4]), &(), &pin(&general, &sent.msgid))
        .await
        .unwrap();
    only_followers_hear(&mut sockets, 4, &deaf, &[pinned(true)]).await;
    server
        .call::<TmUnpinMessage>(bela.via(&sockets[2]), &(), &pin(&general, &sent.msgid))
        .await
        .unwrap();
    only_followers_hear(&mut sockets, 2, &deaf, &[pinned(false)]).await;

    server
        .call::<TmDeleteMessages>(
            bela.via(&sockets[2]),
            &(),
            &delete(&general, &[&sent.msgid]),
        )
        .await
        .unwrap();
    let deleted = ServerEvent::DeletedThreadMessage(DeletedThreadMessages {
        cascade_id: cascade_id.clone(),
        thread_id: general.thread_id.clone(),
        msgids: vec![sent.msgid.clone()],
    });
    only_followers_hear(&mut sockets, 2, &deaf, &[deleted]).await;

    let renamed = server
        .call::<UpdateThread>(
            bela.via(&sockets[2]),
            &(),
            &update(&sub, Some("Renamed"), None),
        )
        .await
        .unwrap();
    only_followers_hear(
        &mut sockets,
        2,
        &deaf,
        &[ServerEvent::ThreadUpdated(renamed)],
    )
    .await;

    server
        .call::<CloseThread>(anna.via(&sockets[0]), &(), &thread_id(&sub))
        .await
        .unwrap();
    let closed = ServerEvent::ThreadClosed(ThreadRef {
        cascade_id: cascade_id.clone(),
        thread_id: sub.thread_id.clone(),
    });
    only_followers_hear(&mut sockets, 0, &deaf, &[closed]).await;

    // Without X-WS-ID every follower hears, the caller's own connections too.
    let plain = server
        .send_tm(cili.auth(), &cascade_id, &general.thread_id, "no id")
        .await;
    only_followers_hear(
        &mut sockets,
        usize::MAX,
        &deaf,
        &[ServerEvent::NewThreadMessage(plain)],
    )
    .await;

    // Another user's connection id does not keep the news from that connection.
    let spoofed = server
        .send_tm(
            As {
                token: Some(&cili.token),
                ws_id: Some(&sockets[0].conn_id),
            },
            &cascade_id,
            &general.thread_id,
            "spoofed",
        )
        .await;
    only_followers_hear(
        &mut sockets,
        usize::MAX,
        &deaf,
        &[ServerEvent::NewThreadMessage(spoofed)],
    )
    .await;
}

#[tokio::test]
async fn threads_are_started_updated_and_closed_with_everything_under_them() {
    let server = TestServer::start().await;
    let ([anna, bela, cili, dora], general) = community(&server).await;
    let cascade_id = general.cascade_id.clone();
    let other = server.create_cascade(&cili, "Other", true).await;
    let foreign = server
        .start_thread(cili.auth(), &other.cascade_id, None, "Foreign")
        .await;

    // Row 69: a parent of the same cascade; names and descriptions follow the rules.
    let described = server
        .call::<StartThread>(
            cili.auth(),
            &(),
            &StartNewThreadReq {
                description: Some("  What we talk about  ".into()),
                ..thread_request(&cascade_id, Some(&general.thread_id), "  Topic  ")
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (described.name.as_str(), described.description.as_deref()),
        ("Topic", Some("What we talk about"))
    );
    assert_eq!(described.created_by, cili.userid);
    assert_eq!(
        described.parent_id.as_deref(),
        Some(general.thread_id.as_str())
    );
    let blank = server
        .call::<StartThread>(
            cili.auth(),
            &(),
            &StartNewThreadReq {
                description: Some("   ".into()),
                ..thread_request(&cascade_id, None, "Blank")
            },
        )
        .await
        .unwrap();
    assert_eq!(blank.description, None);
    let outsider = server.register("outsider").await;
    let refusals = [
        (
            &cili,
            thread_request(&cascade_id, Some(&foreign.thread_id), "x"),
            ErrorCode::NotFound,
        ),
        (
            &cili,
            thread_request(&cascade_id, Some("no-such-thread"), "x"),
            ErrorCode::NotFound,
        ),
        (
            &outsider,
            thread_request(&cascade_id, None, "x"),
            ErrorCode::NotFound,
        ),
        (
            &cili,
            thread_request(&cascade_id, None, ""),
            ErrorCode::InvalidName,
        ),
        (
            &cili,
            thread_request(&cascade_id, None, &"n".repeat(65)),
            ErrorCode::InvalidName,
        ),
        (
            &cili,
            StartNewThreadReq {
                description: Some("d".repeat(1025)),
                ..thread_request(&cascade_id, None, "x")
            },
            ErrorCode::BadRequest,
        ),
    ];
    for (who, request, code) in refusals {
        server
            .refused::<StartThread>(who.auth(), &(), &request, code)
            .await;
    }

    // Row 71: the starter, an admin or the owner; a name by the rules, a blank description clears.
    let updated = server
        .call::<UpdateThread>(cili.auth(), &(), &update(&described, Some("Topic 2"), None))
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.description.as_deref()),
        ("Topic 2", Some("What we talk about"))
    );
    let updated = server
        .call::<UpdateThread>(bela.auth(), &(), &update(&described, None, Some(" ")))
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.description),
        ("Topic 2", None)
    );
    let updated = server
        .call::<UpdateThread>(anna.auth(), &(), &update(&described, None, Some("New")))
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("New"));
    assert_eq!(
        server
            .threads(&dora, &cascade_id, Some(&general.thread_id))
            .await,
        vec![updated.clone()]
    );
    for (who, request, code) in [
        (
            &dora,
            update(&described, Some("Dora's"), None),
            ErrorCode::Forbidden,
        ),
        (
            &outsider,
            update(&described, Some("x"), None),
            ErrorCode::NotFound,
        ),
        (
            &cili,
            update(&described, Some(" "), None),
            ErrorCode::InvalidName,
        ),
        (
            &dora,
            update(&foreign, Some("x"), None),
            ErrorCode::NotFound,
        ),
        (
            &cili,
            UpdateThreadReq {
                cascade_id: cascade_id.clone(),
                ..update(&foreign, Some("x"), None)
            },
            ErrorCode::NotFound,
        ),
    ] {
        server
            .refused::<UpdateThread>(who.auth(), &(), &request, code)
            .await;
    }

    // Row 70: general > topic > deep > deeper, with messages at each level; the starter of
    // a sub-thread cannot close its parent.
    let deep = server
        .start_thread(dora.auth(), &cascade_id, Some(&described.thread_id), "Deep")
        .await;
    let deeper = server
        .start_thread(cili.auth(), &cascade_id, Some(&deep.thread_id), "Deeper")
        .await;
    let sibling = server
        .start_thread(
            dora.auth(),
            &cascade_id,
            Some(&described.thread_id),
            "Sibling",
        )
        .await;
    let photo = server
        .stored_file(&cili, "p.png", "image/png", b"png", "complete")
        .await;
    for thread in [&general, &described, &deep, &deeper, &sibling] {
        server
            .send_tm(dora.auth(), &cascade_id, &thread.thread_id, "hi")
            .await;
    }
    server
        .call::<TmSendMessage>(
            cili.auth(),
            &(),
            &TMSendMessageReq {
                file_ids: vec![photo.clone()],
                ..text(&deeper, "")
            },
        )
        .await
        .unwrap();
    let mut follower = server.socket(&bela.token).await;
    subscribe(&mut follower, &[&cascade_id]).await;

    for (who, thread, code) in [
        (&dora, &described, ErrorCode::Forbidden),
        (&outsider, &described, ErrorCode::NotFound),
        (&cili, &foreign, ErrorCode::NotFound),
    ] {
        server
            .refused::<CloseThread>(
                who.auth(),
                &(),
                &ThreadIdReq {
                    cascade_id: cascade_id.clone(),
                    ..thread_id(thread)
                },
                code,
            )
            .await;
    }
    let closed = server
        .call::<CloseThread>(cili.auth(), &(), &thread_id(&described))
        .await
        .unwrap();
    assert_eq!(closed.response, "Thread closed");
    let heard = follower.drain().await;
    let closed_ids: Vec<String> = heard
        .iter()
        .map(|event| match event {
            ServerEvent::ThreadClosed(closed) => closed.thread_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(closed_ids[0], described.thread_id, "the named thread first");
    let mut second_level = closed_ids[1..3].to_vec();
    second_level.sort();
    let mut expected = vec![deep.thread_id.clone(), sibling.thread_id.clone()];
    expected.sort();
    assert_eq!(second_level, expected);
    assert_eq!(closed_ids[3..], vec![deeper.thread_id.clone()]);

    assert_eq!(
        server
            .threads(&anna, &cascade_id, Some(&general.thread_id))
            .await,
        []
    );
    for gone in [&described, &deep, &deeper, &sibling] {
        server
            .refused::<TmGetMessages>(
                anna.auth(),
                &page(gone, None, None),
                &(),
                ErrorCode::NotFound,
            )
            .await;
        let sql = format!(
            "SELECT COUNT(*) FROM thread_messages WHERE thread_id = '{}'",
            gone.thread_id
        );
        assert_eq!(server.count(&sql, &[]).await, 0);
    }
    let sql = format!("SELECT COUNT(*) FROM thread_message_files WHERE file_id = '{photo}'");
    assert_eq!(server.count(&sql, &[]).await, 0);
    assert_eq!(
        server
            .tm_messages(&anna, &page(&general, None, None))
            .await
            .len(),
        1
    );
    server
        .refused::<CloseThread>(
            cili.auth(),
            &(),
            &thread_id(&described),
            ErrorCode::NotFound,
        )
        .await;

    // An admin closes anyone's thread; the owner too.
    server
        .call::<CloseThread>(bela.auth(), &(), &thread_id(&blank))
        .await
        .unwrap();
    server
        .call::<CloseThread>(anna.auth(), &(), &thread_id(&general))
        .await
        .unwrap();
    assert_eq!(server.threads(&anna, &cascade_id, None).await, []);
}

#[tokio::test]
async fn pages_count_from_the_newest_and_positions_land_on_their_page() {
    let server = TestServer::start().await;
    let ([anna, bela, ..], thread) = community(&server).await;
    let elsewhere = server
        .start_thread(anna.auth(), &thread.cascade_id, None, "Elsewhere")
        .await;
    let foreign = server
        .send_tm(
            anna.auth(),
            &elsewhere.cascade_id,
            &elsewhere.thread_id,
            "elsewhere",
        )
        .await;
    let mut sent = Vec::new();
    for n in 0..120 {
        let author = if n % 3 == 0 { &bela } else { &anna };
        sent.push(
            server
                .send_tm(
                    author.auth(),
                    &thread.cascade_id,
                    &thread.thread_id,
                    &format!("m{n}"),
                )
                .await,
        );
    }
    let all = ids(&sent);
    let get = async |from, limit| server.tm_messages(&anna, &page(&thread, from, limit)).await;

    assert_eq!(ids(&get(None, None).await), all[70..120]);
    assert_eq!(ids(&get(Some(50), None).await), all[20..70]);
    assert_eq!(ids(&get(Some(100), None).await), all[0..20]);
    assert_eq!(ids(&get(Some(120), None).await), Vec::<String>::new());
    assert_eq!(ids(&get(Some(5), Some(10)).await), all[105..115]);
    assert_eq!(ids(&get(None, Some(100_000)).await), all);
    let newest = get(None, None).await;
    assert!(newest.windows(2).all(|w| w[0].sent_at < w[1].sent_at));
    assert_eq!(newest[49], sent[119]);

    let later = async |msgid: &str, limit| {
        server
            .tm_messages(&bela, &after(&thread, msgid, limit))
            .await
    };
    assert_eq!(ids(&later(&all[100], None).await), all[101..120]);
    assert_eq!(ids(&later(&all[10], Some(5)).await), all[11..16]);
    assert_eq!(ids(&later(&all[10], None).await), all[11..61]);
    assert_eq!(ids(&later(&all[119], None).await), Vec::<String>::new());

    for (index, msgid) in all.iter().enumerate() {
        let newer = (119 - index) as u32;
        let at = server
            .call::<TmGetPosition>(bela.auth(), &position(&thread, msgid), &())
            .await
            .unwrap();
        assert_eq!(
            at.from,
            newer - newer % DEFAULT_PAGE_SIZE,
            "message {index}"
        );
        if index % 9 == 0 || index == 119 {
            assert!(ids(&get(Some(at.from), None).await).contains(msgid));
        }
    }

    // A message of another thread is not found in this one.
    server
        .refused::<TmGetPosition>(
            anna.auth(),
            &position(&thread, &foreign.msgid),
            &(),
            ErrorCode::NotFound,
        )
        .await;
    server
        .refused::<TmGetMessages>(
            anna.auth(),
            &after(&thread, &foreign.msgid, None),
            &(),
            ErrorCode::NotFound,
        )
        .await;
    let base = format!(
        "cascadeId={}&threadId={}",
        thread.cascade_id, thread.thread_id
    );
    for query in [
        format!("{base}&from=-1"),
        format!("{base}&limit=0"),
        format!("{base}&limit=many"),
        format!("cascadeId={}", thread.cascade_id),
    ] {
        let path = format!("{}?{query}", TmGetMessages::META.path);
        let (status, _) = server
            .raw(reqwest::Method::GET, &path, Some(&anna.token), vec![])
            .await;
        assert_eq!(status, 400, "{query}");
    }
    let path = format!("{}?{base}", TmGetPosition::META.path);
    let (status, _) = server
        .raw(reqwest::Method::GET, &path, Some(&anna.token), vec![])
        .await;
    assert_eq!(status, 400, "a position without msgid");
}

#[tokio::test]
async fn a_repeated_client_key_answers_the_stored_message() {
    let server = TestServer::start().await;
    let ([anna, bela, ..], thread) = community(&server).await;
    let mut b0 = server.socket(&bela.token).await;
    subscribe(&mut b0, &[&thread.cascade_id]).await;

    let request = text(&thread, "only once");
    let first = server
        .call::<TmSendMessage>(anna.auth(), &(), &request)
        .await
        .unwrap();
    assert_eq!(
        first.client_key.as_deref(),
        Some(request.client_key.as_str())
    );
    assert_eq!(
        (
            first.cascade_id.as_str(),
            first.thread_id.as_str(),
            first.author.as_str()
        ),
        (
            thread.cascade_id.as_str(),
            thread.thread_id.as_str(),
            anna.userid.as_str()
        )
    );
    let retry = server
        .call::<TmSendMessage>(anna.auth(), &(), &request)
        .await
        .unwrap();
    assert_eq!(retry, first);
    let changed = TMSendMessageReq {
        message: "something else".into(),
        ..request.clone()
    };
    let again = server
        .call::<TmSendMessage>(anna.auth(), &(), &changed)
        .await
        .unwrap();
    assert_eq!(
        (again.msgid.as_str(), again.message.as_str()),
        (first.msgid.as_str(), "only once")
    );
    assert_eq!(
        server.tm_messages(&anna, &page(&thread, None, None)).await,
        vec![first.clone()]
    );
    assert_eq!(
        b0.drain().await,
        vec![ServerEvent::NewThreadMessage(first.clone())]
    );

    // Keys are per author.
    let belas = server
        .call::<TmSendMessage>(bela.auth(), &(), &request)
        .await
        .unwrap();
    assert_ne!(belas.msgid, first.msgid);

    // Reusing a key in another thread is a client's mistake, not a retry.
    let other = server
        .start_thread(anna.auth(), &thread.cascade_id, None, "Other")
        .await;
    server
        .refused::<TmSendMessage>(
            anna.auth(),
            &(),
            &TMSendMessageReq {
                thread_id: other.thread_id.clone(),
                ..request
            },
            ErrorCode::BadRequest,
        )
        .await;
    assert_eq!(
        server.tm_messages(&anna, &page(&other, None, None)).await,
        vec![]
    );
    for client_key in [String::new(), "k".repeat(129)] {
        server
            .refused::<TmSendMessage>(
                anna.auth(),
                &(),
                &TMSendMessageReq {
                    client_key,
                    ..text(&thread, "hi")
                },
                ErrorCode::BadRequest,
            )
            .await;
    }
}

#[tokio::test]
async fn any_member_pins_and_the_pinned_list_is_newest_first() {
    let server = TestServer::start().await;
    let ([anna, bela, cili, _], thread) = community(&server).await;
    let first = server
        .send_tm(anna.auth(), &thread.cascade_id, &thread.thread_id, "first")
        .await;
    let second = server
        .send_tm(bela.auth(), &thread.cascade_id, &thread.thread_id, "second")
        .await;
    let mut a0 = server.socket(&anna.token).await;
    subscribe(&mut a0, &[&thread.cascade_id]).await;
    let pinned = async || {
        server
            .call::<TmPinnedMessages>(cili.auth(), &thread_query(&thread), &())
            .await
            .unwrap()
    };
    assert_eq!(pinned().await, vec![]);

    server
        .call::<TmPinMessage>(cili.auth(), &(), &pin(&thread, &first.msgid))
        .await
        .unwrap();
    server
        .call::<TmPinMessage>(anna.via(&a0), &(), &pin(&thread, &second.msgid))
        .await
        .unwrap();
    let pins = pinned().await;
    assert_eq!(ids(&pins), [second.msgid.clone(), first.msgid.clone()]);
    assert!(pins.iter().all(|m| m.pinned));
    assert!(server
        .tm_messages(&bela, &page(&thread, None, None))
        .await
        .iter()
        .all(|m| m.pinned));
    assert_eq!(
        a0.drain().await,
        vec![ServerEvent::PinnedThreadMessage(ThreadPinChange {
            cascade_id: thread.cascade_id.clone(),
            thread_id: thread.thread_id.clone(),
            msgid: first.msgid.clone(),
            pinned: true,
        })]
    );

    // Pinning again changes nothing and tells nobody; anyone unpins.
    server
        .call::<TmPinMessage>(bela.auth(), &(), &pin(&thread, &first.msgid))
        .await
        .unwrap();
    assert_eq!(
        ids(&pinned().await),
        [second.msgid.clone(), first.msgid.clone()]
    );
    assert_eq!(a0.drain().await, vec![]);
    server
        .call::<TmUnpinMessage>(bela.auth(), &(), &pin(&thread, &first.msgid))
        .await
        .unwrap();
    server
        .call::<TmUnpinMessage>(bela.auth(), &(), &pin(&thread, &first.msgid))
        .await
        .unwrap();
    assert_eq!(ids(&pinned().await), vec![second.msgid.clone()]);
    assert_eq!(a0.drain().await.len(), 1, "one unpin, one event");

    server
        .refused::<TmPinMessage>(
            anna.auth(),
            &(),
            &pin(&thread, "no-such-message"),
            ErrorCode::NotFound,
        )
        .await;
    server
        .refused::<TmUnpinMessage>(
            anna.auth(),
            &(),
            &pin(&thread, "no-such-message"),
            ErrorCode::NotFound,
        )
        .await;
    server
        .call::<TmDeleteMessages>(bela.auth(), &(), &delete(&thread, &[&second.msgid]))
        .await
        .unwrap();
    assert_eq!(
        pinned().await,
        vec![],
        "a deleted message is no longer pinned"
    );
}

#[tokio::test]
async fn authors_edit_and_delete_and_moderators_delete_too() {
    let server = TestServer::start().await;
    let ([anna, bela, cili, dora], thread) = community(&server).await;
    let send = async |who: &User, message: &str| {
        server
            .send_tm(who.auth(), &thread.cascade_id, &thread.thread_id, message)
            .await
    };
    let cilis = send(&cili, "cili's").await;
    let doras = send(&dora, "dora's").await;
    let annas = send(&anna, "anna's").await;

    // Edits are the author's only, even against the owner.
    for who in [&anna, &bela, &dora] {
        server
            .refused::<TmEditMessage>(
                who.auth(),
                &(),
                &edit(&thread, &cilis.msgid, "x"),
                ErrorCode::NotAuthor,
            )
            .await;
    }
    let edited = server
        .call::<TmEditMessage>(
            cili.auth(),
            &(),
            &edit(&thread, &cilis.msgid, "cili's, fixed"),
        )
        .await
        .unwrap();
    assert!(edited.is_edited && !cilis.is_edited);
    assert_eq!(
        (edited.sent_at, edited.message.as_str()),
        (cilis.sent_at, "cili's, fixed")
    );
    server
        .refused::<TmEditMessage>(
            cili.auth(),
            &(),
            &edit(&thread, "no-such-message", "x"),
            ErrorCode::NotFound,
        )
        .await;

    // A member deletes only their own, all or nothing.
    let everything = ids(&[cilis.clone(), doras.clone(), annas.clone()]);
    for (msgids, code) in [
        (
            vec![cilis.msgid.as_str(), doras.msgid.as_str()],
            ErrorCode::NotAuthor,
        ),
        (
            vec![cilis.msgid.as_str(), "no-such-message"],
            ErrorCode::NotFound,
        ),
        (vec![], ErrorCode::BadRequest),
    ] {
        server
            .refused::<TmDeleteMessages>(cili.auth(), &(), &delete(&thread, &msgids), code)
            .await;
        let kept = server.tm_messages(&anna, &page(&thread, None, None)).await;
        assert_eq!(ids(&kept), everything, "nothing was deleted");
    }
    server
        .call::<TmDeleteMessages>(
            cili.auth(),
            &(),
            &delete(&thread, &[&cilis.msgid, &cilis.msgid]),
        )
        .await
        .unwrap();
    // An admin deletes a member's and the owner's; the owner an admin's.
    let belas = send(&bela, "bela's").await;
    server
        .call::<TmDeleteMessages>(
            bela.auth(),
            &(),
            &delete(&thread, &[&doras.msgid, &annas.msgid]),
        )
        .await
        .unwrap();
    server
        .call::<TmDeleteMessages>(anna.auth(), &(), &delete(&thread, &[&belas.msgid]))
        .await
        .unwrap();
    assert_eq!(
        server.tm_messages(&anna, &page(&thread, None, None)).await,
        vec![]
    );
    let later = send(&dora, "later").await;
    assert!(later.sent_at > belas.sent_at);
}

#[tokio::test]
async fn replies_attachments_and_text_rules_are_those_of_direct_messages() {
    let server = TestServer::start().await;
    let ([anna, bela, ..], thread) = community(&server).await;
    let other = server
        .start_thread(anna.auth(), &thread.cascade_id, None, "Other")
        .await;
    let elsewhere = server
        .send_tm(
            anna.auth(),
            &other.cascade_id,
            &other.thread_id,
            "elsewhere",
        )
        .await;
    let original = server
        .send_tm(
            anna.auth(),
            &thread.cascade_id,
            &thread.thread_id,
            &"á".repeat(150),
        )
        .await;
    let reply_to = |msgid: &str| TMSendMessageReq {
        reply_to_id: Some(msgid.to_owned()),
        ..text(&thread, "a reply")
    };
    let reply = server
        .call::<TmSendMessage>(bela.auth(), &(), &reply_to(&original.msgid))
        .await
        .unwrap();
    assert_eq!(reply.reply_to, Some("á".repeat(100)));
    for unknown in [elsewhere.msgid.as_str(), "no-such-message"] {
        server
            .refused::<TmSendMessage>(bela.auth(), &(), &reply_to(unknown), ErrorCode::NotFound)
            .await;
    }
    server
        .call::<TmDeleteMessages>(anna.auth(), &(), &delete(&thread, &[&original.msgid]))
        .await
        .unwrap();
    let shown = server.tm_messages(&bela, &page(&thread, None, None)).await;
    assert_eq!(
        (shown[0].reply_to.clone(), shown[0].reply_to_id.clone()),
        (None, Some(original.msgid))
    );

    // Attachments: the author's complete uploads.
    let bytes = b"not really a png".to_vec();
    let photo = server
        .stored_file(&anna, "Photo.PNG", "image/png", &bytes, "complete")
        .await;
    let belas = server
        .stored_file(&bela, "b.png", "image/png", b"png", "complete")
        .await;
    let pending = server
        .stored_file(
            &anna,
            "half.bin",
            "application/octet-stream",
            b"",
            "pending",
        )
        .await;
    let with_files = |file_ids: &[&str], message: &str| TMSendMessageReq {
        file_ids: file_ids.iter().map(|&id| id.to_owned()).collect(),
        ..text(&thread, message)
    };
    let sent = server
        .call::<TmSendMessage>(anna.auth(), &(), &with_files(&[&photo], ""))
        .await
        .unwrap();
    let [file] = sent.files.as_slice() else {
        panic!("{:?}", sent.files);
    };
    assert_eq!(
        (
            file.attachment.file_id.as_str(),
            file.attachment.format.as_str(),
            file.attachment.kind
        ),
        (photo.as_str(), "png", AttachmentKind::Image)
    );
    assert_eq!(
        server.get_bytes(&file.attachment.path).await.unwrap(),
        bytes
    );
    for (file_ids, code) in [
        (vec![belas.as_str()], ErrorCode::UploadNotFound),
        (vec![pending.as_str()], ErrorCode::UploadIncomplete),
        (vec![photo.as_str(), photo.as_str()], ErrorCode::BadRequest),
        (vec![photo.as_str(); 11], ErrorCode::BadRequest),
    ] {
        server
            .refused::<TmSendMessage>(anna.auth(), &(), &with_files(&file_ids, "look"), code)
            .await;
    }
    // With a file, an edit may blank the text; without, it may not.
    let blanked = server
        .call::<TmEditMessage>(anna.auth(), &(), &edit(&thread, &sent.msgid, ""))
        .await
        .unwrap();
    assert_eq!((blanked.message.as_str(), blanked.files.len()), ("", 1));

    let longest = "é".repeat(MAX_MESSAGE_CHARS);
    let long = server
        .send_tm(anna.auth(), &thread.cascade_id, &thread.thread_id, &longest)
        .await;
    for (message, code) in [
        (format!("{longest}!"), ErrorCode::MessageTooLong),
        (String::new(), ErrorCode::EmptyMessage),
        (" \n ".to_owned(), ErrorCode::EmptyMessage),
    ] {
        server
            .refused::<TmSendMessage>(anna.auth(), &(), &text(&thread, &message), code)
            .await;
        server
            .refused::<TmEditMessage>(
                anna.auth(),
                &(),
                &edit(&thread, &long.msgid, &message),
                code,
            )
            .await;
    }
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            TmSendMessage::META.path,
            "{}".to_owned(),
        ),
        (
            reqwest::Method::PATCH,
            TmDeleteMessages::META.path,
            format!(
                r#"{{"cascadeId": "{}", "threadId": "x", "msgids": "x"}}"#,
                thread.cascade_id
            ),
        ),
        (
            reqwest::Method::PATCH,
            TmPinMessage::META.path,
            "not json".to_owned(),
        ),
        (
            reqwest::Method::PATCH,
            CloseThread::META.path,
            "[]".to_owned(),
        ),
        (
            reqwest::Method::PATCH,
            UpdateThread::META.path,
            r#"{"cascadeId": 1}"#.to_owned(),
        ),
    ] {
        let (status, _) = server
            .raw(method, path, Some(&anna.token), body.clone().into_bytes())
            .await;
        assert_eq!(status, 400, "{path} {body}");
    }
}

#[tokio::test]
async fn strangers_the_banned_and_the_kicked_get_not_found() {
    let server = TestServer::start().await;
    let ([anna, bela, cili, dora], thread) = community(&server).await;
    let stranger = server.register("stranger").await;
    let msgid = server
        .send_tm(
            cili.auth(),
            &thread.cascade_id,
            &thread.thread_id,
            "members only",
        )
        .await
        .msgid;
    for (target, ban) in [(&cili, false), (&dora, true)] {
        server
            .call::<KickMember>(
                anna.auth(),
                &(),
                &KickMemberReq {
                    cascade_id: thread.cascade_id.clone(),
                    userid: target.userid.clone(),
                    ban,
                    reason: None,
                },
            )
            .await
            .unwrap();
    }

    let nobody = As::default();
    for (who, code) in [
        (stranger.auth(), ErrorCode::NotFound),
        (cili.auth(), ErrorCode::NotFound),
        (dora.auth(), ErrorCode::NotFound),
        (nobody, ErrorCode::Unauthorized),
    ] {
        server
            .refused::<StartThread>(
                who,
                &(),
                &thread_request(&thread.cascade_id, None, "x"),
                code,
            )
            .await;
        server
            .refused::<UpdateThread>(who, &(), &update(&thread, Some("x"), None), code)
            .await;
        server
            .refused::<CloseThread>(who, &(), &thread_id(&thread), code)
            .await;
        server
            .refused::<TmGetMessages>(who, &page(&thread, None, None), &(), code)
            .await;
        server
            .refused::<TmGetMessages>(who, &after(&thread, &msgid, None), &(), code)
            .await;
        server
            .refused::<TmSendMessage>(who, &(), &text(&thread, "let me in"), code)
            .await;
        server
            .refused::<TmPinnedMessages>(who, &thread_query(&thread), &(), code)
            .await;
        server
            .refused::<TmPinMessage>(who, &(), &pin(&thread, &msgid), code)
            .await;
        server
            .refused::<TmUnpinMessage>(who, &(), &pin(&thread, &msgid), code)
            .await;
        server
            .refused::<TmEditMessage>(who, &(), &edit(&thread, &msgid, "changed"), code)
            .await;
        server
            .refused::<TmDeleteMessages>(who, &(), &delete(&thread, &[&msgid]), code)
            .await;
        server
            .refused::<TmGetPosition>(who, &position(&thread, &msgid), &(), code)
            .await;
    }
    let kept = server.tm_messages(&bela, &page(&thread, None, None)).await;
    assert_eq!(
        (ids(&kept), kept[0].pinned, kept[0].message.as_str()),
        (vec![msgid], false, "members only")
    );
    assert_eq!(
        server.threads(&bela, &thread.cascade_id, None).await,
        [thread]
    );
}
