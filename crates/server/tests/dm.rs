//! Direct messaging (rows 36 to 43) over real HTTP and WebSocket: the live fan-out of every
//! change, idempotent sends, paging and positions, unread counts and `seen`, replies,
//! attachments, edits, deletions, pins, and the refusals.

mod common;

use chatenium_api::schemas::contacts::{AddContactReq, DeleteContactReq};
use chatenium_api::schemas::dm::*;
use chatenium_api::ws::{
    ChatRef, DeletedMessages, EditedMessage, PinChange, ReadMark, ServerEvent,
};
use chatenium_api::{
    CreateContact, DeleteContact, DmDeleteMessages, DmEditMessage, DmGetMessages, DmGetPosition,
    DmPinMessage, DmPinnedMessages, DmSendMessage, DmUnpinMessage, Endpoint, ErrorCode,
    STORAGE_OBJECT_PATH,
};
use common::chat::{drain_all, page, text};
use common::{As, Socket, TestServer, User};

/// Two users with a chat between them (`anna` asked `bela`).
async fn pair(server: &TestServer) -> (User, User, String) {
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.add_contact(&anna, &bela).await.chatid;
    (anna, bela, chatid)
}

fn ids(messages: &[Message]) -> Vec<String> {
    messages.iter().map(|m| m.msgid.clone()).collect()
}

fn pin(chatid: &str, msgid: &str) -> PinMessageReq {
    PinMessageReq {
        chatid: chatid.to_owned(),
        msgid: msgid.to_owned(),
    }
}

fn edit(chatid: &str, msgid: &str, message: &str) -> EditMessageReq {
    EditMessageReq {
        chatid: chatid.to_owned(),
        msgid: msgid.to_owned(),
        message: message.to_owned(),
    }
}

fn delete(chatid: &str, msgids: &[&str]) -> DeleteMessagesReq {
    DeleteMessagesReq {
        chatid: chatid.to_owned(),
        msgids: msgids.iter().map(|&id| id.to_owned()).collect(),
    }
}

fn position(chatid: &str, msgid: &str) -> MessagePositionQuery {
    MessagePositionQuery {
        chatid: chatid.to_owned(),
        msgid: msgid.to_owned(),
    }
}

fn after(chatid: &str, msgid: &str, limit: Option<u32>) -> GetMessagesQuery {
    GetMessagesQuery {
        after: Some(msgid.to_owned()),
        ..page(chatid, None, limit)
    }
}

/// Drains the four sockets: the one at `maker` made the change and must have heard nothing;
/// each of the others must have heard exactly `expected`.
async fn only_others_hear(sockets: &mut [Socket; 4], maker: usize, expected: ServerEvent) {
    let received = drain_all(sockets.iter_mut()).await;
    for (index, events) in received.into_iter().enumerate() {
        if index == maker {
            assert_eq!(events, vec![], "the connection that made the change");
        } else {
            assert_eq!(events, vec![expected.clone()], "connection {index}");
        }
    }
}

#[tokio::test]
async fn every_change_reaches_every_connection_but_the_one_that_made_it() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    // 0 and 1 are anna's connections, 2 and 3 bela's.
    let mut sockets = server.sockets([&anna, &anna, &bela, &bela]).await;

    // Contact request: the partner sees the caller, the caller's other connection the partner.
    let mine = server
        .call::<CreateContact>(
            anna.via(&sockets[0]),
            &(),
            &AddContactReq {
                userid: bela.userid.clone(),
            },
        )
        .await
        .unwrap();
    let chatid = mine.chatid.clone();
    let received = drain_all(sockets.iter_mut()).await;
    assert_eq!(received[0], vec![]);
    assert_eq!(received[1], vec![ServerEvent::ContactRequest(mine)]);
    for events in &received[2..] {
        let [ServerEvent::ContactRequest(theirs)] = events.as_slice() else {
            panic!("{events:?}");
        };
        assert_eq!(
            (&theirs.chatid, &theirs.user.userid),
            (&chatid, &anna.userid)
        );
    }

    let sent = server
        .send_text(anna.via(&sockets[0]), &chatid, "first")
        .await;
    only_others_hear(&mut sockets, 0, ServerEvent::NewMessage(sent.clone())).await;

    let edited = server
        .call::<DmEditMessage>(
            anna.via(&sockets[1]),
            &(),
            &edit(&chatid, &sent.msgid, "first, edited"),
        )
        .await
        .unwrap();
    assert!(edited.is_edited);
    let change = EditedMessage {
        chatid: chatid.clone(),
        msgid: sent.msgid.clone(),
        message: "first, edited".into(),
    };
    only_others_hear(&mut sockets, 1, ServerEvent::EditedMessage(change)).await;

    let pinned = |pinned| {
        ServerEvent::PinnedMessage(PinChange {
            chatid: chatid.clone(),
            msgid: sent.msgid.clone(),
            pinned,
        })
    };
    server
        .call::<DmPinMessage>(bela.via(&sockets[2]), &(), &pin(&chatid, &sent.msgid))
        .await
        .unwrap();
    only_others_hear(&mut sockets, 2, pinned(true)).await;
    server
        .call::<DmUnpinMessage>(bela.via(&sockets[3]), &(), &pin(&chatid, &sent.msgid))
        .await
        .unwrap();
    only_others_hear(&mut sockets, 3, pinned(false)).await;

    server
        .call::<DmDeleteMessages>(anna.via(&sockets[0]), &(), &delete(&chatid, &[&sent.msgid]))
        .await
        .unwrap();
    let deleted = DeletedMessages {
        chatid: chatid.clone(),
        msgids: vec![sent.msgid.clone()],
    };
    only_others_hear(&mut sockets, 0, ServerEvent::DeletedMessage(deleted)).await;

    server
        .call::<DeleteContact>(
            bela.via(&sockets[2]),
            &(),
            &DeleteContactReq {
                chatid: chatid.clone(),
            },
        )
        .await
        .unwrap();
    only_others_hear(
        &mut sockets,
        2,
        ServerEvent::ContactDeleted(ChatRef { chatid }),
    )
    .await;
}

#[tokio::test]
async fn a_repeated_client_key_answers_the_stored_message() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let mut b1 = server.socket(&bela.token).await;

    let request = text(&chatid, "only once");
    let first = server
        .call::<DmSendMessage>(anna.auth(), &(), &request)
        .await
        .unwrap();
    assert_eq!(
        first.client_key.as_deref(),
        Some(request.client_key.as_str())
    );
    let retry = server
        .call::<DmSendMessage>(anna.auth(), &(), &request)
        .await
        .unwrap();
    assert_eq!(retry, first);
    // The key names the send: even a changed body answers what was stored.
    let changed = SendMessageReq {
        message: "something else".into(),
        ..request.clone()
    };
    let again = server
        .call::<DmSendMessage>(anna.auth(), &(), &changed)
        .await
        .unwrap();
    assert_eq!(again.msgid, first.msgid);
    assert_eq!(again.message, "only once");
    assert_eq!(
        server.messages(&anna, &page(&chatid, None, None)).await,
        vec![first.clone()]
    );
    // The one message, and Anna's reading of the page above (the change feed's read mark).
    assert_eq!(
        b1.drain().await,
        vec![
            ServerEvent::NewMessage(first.clone()),
            ServerEvent::ChatRead(ReadMark {
                chatid: chatid.clone(),
                userid: anna.userid.clone(),
                msgid: first.msgid.clone(),
            })
        ]
    );

    // Keys are per author: bela's send with the same key is a message of its own.
    let belas = server
        .call::<DmSendMessage>(bela.auth(), &(), &request)
        .await
        .unwrap();
    assert_ne!(belas.msgid, first.msgid);
    assert_eq!(belas.author, bela.userid);

    // Reusing a key in another chat is a client's mistake, not a retry.
    let cili = server.register("cili").await;
    let other = server.add_contact(&anna, &cili).await.chatid;
    server
        .refused::<DmSendMessage>(
            anna.auth(),
            &(),
            &SendMessageReq {
                chatid: other.clone(),
                ..request
            },
            ErrorCode::BadRequest,
        )
        .await;
    assert_eq!(
        server.messages(&anna, &page(&other, None, None)).await,
        vec![]
    );
    assert_eq!(
        server
            .messages(&anna, &page(&chatid, None, None))
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn pages_count_from_the_newest_and_positions_land_on_their_page() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let mut sent = Vec::new();
    for n in 0..120 {
        let author = if n % 3 == 0 { &bela } else { &anna };
        sent.push(
            server
                .send_text(author.auth(), &chatid, &format!("message {n}"))
                .await,
        );
    }
    let all = ids(&sent);
    let get = async |from, limit| server.messages(&anna, &page(&chatid, from, limit)).await;

    assert_eq!(ids(&get(None, None).await), all[70..120]);
    assert_eq!(ids(&get(Some(0), Some(50)).await), all[70..120]);
    assert_eq!(ids(&get(Some(50), None).await), all[20..70]);
    assert_eq!(ids(&get(Some(100), None).await), all[0..20]);
    assert_eq!(ids(&get(Some(120), None).await), Vec::<String>::new());
    assert_eq!(ids(&get(Some(5), Some(10)).await), all[105..115]);
    // More than the server honours is capped, not refused.
    assert_eq!(ids(&get(None, Some(100_000)).await), all);
    let newest_page = get(None, None).await;
    assert!(newest_page.windows(2).all(|w| w[0].sent_at < w[1].sent_at));
    assert_eq!(newest_page[49], sent[119]);

    // `after`: what came after a message, oldest first, at most `limit`.
    let later =
        async |msgid: &str, limit| server.messages(&anna, &after(&chatid, msgid, limit)).await;
    assert_eq!(ids(&later(&all[100], None).await), all[101..120]);
    assert_eq!(ids(&later(&all[10], Some(5)).await), all[11..16]);
    assert_eq!(ids(&later(&all[10], None).await), all[11..61]);
    assert_eq!(ids(&later(&all[119], None).await), Vec::<String>::new());

    // A position is a `from` on a page boundary, and that page holds the message.
    for (index, msgid) in all.iter().enumerate() {
        let newer = (119 - index) as u32;
        let at = server
            .call::<DmGetPosition>(anna.auth(), &position(&chatid, msgid), &())
            .await
            .unwrap();
        assert_eq!(
            at.from,
            newer - newer % DEFAULT_PAGE_SIZE,
            "message {index}"
        );
        if index % 7 == 0 || index == 119 {
            assert!(ids(&get(Some(at.from), None).await).contains(msgid));
        }
    }

    let bad_queries = [
        format!("chatid={chatid}&from=-1"),
        format!("chatid={chatid}&from=many"),
        format!("chatid={chatid}&limit=0"),
        format!("chatid={chatid}&limit=-5"),
        "from=0".to_owned(),
    ];
    for query in bad_queries {
        let path = format!("{}?{query}", DmGetMessages::META.path);
        let (status, bytes) = server
            .raw(reqwest::Method::GET, &path, Some(&anna.token), vec![])
            .await;
        assert_eq!(status, 400, "{query}");
        let error: chatenium_api::ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error.error, ErrorCode::BadRequest);
    }
    server
        .refused::<DmGetMessages>(
            anna.auth(),
            &after(&chatid, "no-such-message", None),
            &(),
            ErrorCode::NotFound,
        )
        .await;
    server
        .refused::<DmGetPosition>(
            anna.auth(),
            &position(&chatid, "no-such-message"),
            &(),
            ErrorCode::NotFound,
        )
        .await;
    let (status, _) = server
        .raw(
            reqwest::Method::GET,
            &format!("{}?chatid={chatid}", DmGetPosition::META.path),
            Some(&anna.token),
            vec![],
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn reading_the_newest_page_clears_unread_and_marks_seen() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let first = server.send_text(anna.auth(), &chatid, "one").await;
    let second = server.send_text(anna.auth(), &chatid, "two").await;
    assert!(!first.seen && !second.seen);
    assert_eq!(server.contacts(&bela).await[0].notifications, 2);
    assert_eq!(server.contacts(&anna).await[0].notifications, 0);

    // An older page is not reading the chat.
    server.messages(&bela, &page(&chatid, Some(1), None)).await;
    assert_eq!(server.contacts(&bela).await[0].notifications, 2);
    assert!(server
        .messages(&anna, &page(&chatid, None, None))
        .await
        .iter()
        .all(|m| !m.seen));

    // The newest page is: even one message of it reads up to the newest.
    let read = server
        .messages(&bela, &page(&chatid, Some(0), Some(1)))
        .await;
    assert_eq!(ids(&read), [second.msgid.as_str()]);
    assert!(read[0].seen, "the answer already counts the reading");
    assert_eq!(server.contacts(&bela).await[0].notifications, 0);
    let annas_view = server.messages(&anna, &page(&chatid, None, None)).await;
    assert!(annas_view.iter().all(|m| m.seen), "{annas_view:?}");

    // Bela's own message: unseen until anna reads it, and her unread count until then.
    let reply = server.send_text(bela.auth(), &chatid, "three").await;
    assert!(!reply.seen);
    assert_eq!(server.contacts(&anna).await[0].notifications, 1);
    assert_eq!(server.contacts(&bela).await[0].notifications, 0);
    let caught_up = server
        .messages(&anna, &after(&chatid, &second.msgid, None))
        .await;
    assert_eq!(ids(&caught_up), [reply.msgid.as_str()]);
    assert!(caught_up[0].seen);
    assert_eq!(server.contacts(&anna).await[0].notifications, 0);
    let belas_view = server.messages(&bela, &page(&chatid, Some(0), None)).await;
    assert!(belas_view.iter().all(|m| m.seen));

    // Reading never moves the mark backwards.
    let fourth = server.send_text(bela.auth(), &chatid, "four").await;
    server.messages(&anna, &page(&chatid, None, None)).await;
    server
        .messages(&anna, &after(&chatid, &first.msgid, Some(1)))
        .await;
    assert_eq!(server.contacts(&anna).await[0].notifications, 0);
    let newest = server.messages(&bela, &page(&chatid, None, None)).await;
    assert_eq!(newest.last().unwrap().msgid, fourth.msgid);
    assert!(newest.last().unwrap().seen);
}

#[tokio::test]
async fn replies_quote_a_message_of_the_same_chat() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let cili = server.register("cili").await;
    let other = server.add_contact(&anna, &cili).await.chatid;
    let elsewhere = server.send_text(anna.auth(), &other, "elsewhere").await;
    let original = server
        .send_text(anna.auth(), &chatid, &"á".repeat(150))
        .await;
    let reply_to = |msgid: &str| SendMessageReq {
        reply_to_id: Some(msgid.to_owned()),
        ..text(&chatid, "a reply")
    };

    let reply = server
        .call::<DmSendMessage>(bela.auth(), &(), &reply_to(&original.msgid))
        .await
        .unwrap();
    assert_eq!(reply.reply_to_id.as_deref(), Some(original.msgid.as_str()));
    assert_eq!(reply.reply_to, Some("á".repeat(100)));

    for unknown in [elsewhere.msgid.as_str(), "no-such-message"] {
        server
            .refused::<DmSendMessage>(bela.auth(), &(), &reply_to(unknown), ErrorCode::NotFound)
            .await;
    }

    // The snippet follows the original: edited, then gone.
    server
        .call::<DmEditMessage>(anna.auth(), &(), &edit(&chatid, &original.msgid, "short"))
        .await
        .unwrap();
    let shown = server.messages(&bela, &page(&chatid, None, None)).await;
    assert_eq!(shown[1].reply_to.as_deref(), Some("short"));
    server
        .call::<DmDeleteMessages>(anna.auth(), &(), &delete(&chatid, &[&original.msgid]))
        .await
        .unwrap();
    let shown = server.messages(&bela, &page(&chatid, None, None)).await;
    assert_eq!(ids(&shown), [reply.msgid.as_str()]);
    assert_eq!(shown[0].reply_to, None);
    assert_eq!(shown[0].reply_to_id, Some(original.msgid));
}

#[tokio::test]
async fn attachments_are_the_authors_complete_uploads() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let mut b1 = server.socket(&bela.token).await;
    let bytes = b"not really a jpeg".to_vec();
    // Setup only (see `stored_file`): the upload endpoints are tested elsewhere.
    let photo = server
        .stored_file(&anna, "Holiday.JPG", "image/jpeg", &bytes, "complete")
        .await;
    let manual = server
        .stored_file(&anna, "manual.pdf", "application/pdf", b"%PDF", "complete")
        .await;
    let belas = server
        .stored_file(&bela, "belas.png", "image/png", b"png", "complete")
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
    let with_files = |file_ids: &[&str], message: &str| SendMessageReq {
        file_ids: file_ids.iter().map(|&id| id.to_owned()).collect(),
        ..text(&chatid, message)
    };

    let sent = server
        .call::<DmSendMessage>(anna.auth(), &(), &with_files(&[&photo, &manual], ""))
        .await
        .unwrap();
    assert_eq!(sent.message, "", "files alone make a message");
    let [image, pdf] = sent.files.as_slice() else {
        panic!("{:?}", sent.files);
    };
    assert_eq!(image.file_id, photo);
    assert_eq!(image.file_name, "Holiday.JPG");
    assert_eq!(image.format, "jpg");
    assert_eq!(image.kind, AttachmentKind::Image);
    assert_eq!(image.size, bytes.len() as u64);
    assert_eq!((image.width, image.height), (Some(640), Some(480)));
    assert!(!image.has_thumbnail);
    assert_eq!(
        (pdf.kind, pdf.format.as_str()),
        (AttachmentKind::File, "pdf")
    );
    assert!(image.path.starts_with(&server.url(STORAGE_OBJECT_PATH)));
    let downloaded = server.http.get(&image.path).send().await.unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), bytes);

    let heard = b1.drain().await;
    let [ServerEvent::NewMessage(heard)] = heard.as_slice() else {
        panic!("{heard:?}");
    };
    assert_eq!(heard.msgid, sent.msgid);
    assert_eq!(heard.files.len(), 2);
    let shown = server.messages(&bela, &page(&chatid, None, None)).await;
    assert_eq!(shown[0].files[0].file_id, photo);

    let refusals = [
        (vec![belas.as_str()], ErrorCode::UploadNotFound),
        (vec!["no-such-file"], ErrorCode::UploadNotFound),
        (vec![pending.as_str()], ErrorCode::UploadIncomplete),
        (vec![photo.as_str(), photo.as_str()], ErrorCode::BadRequest),
        (vec![photo.as_str(); 11], ErrorCode::BadRequest),
    ];
    for (file_ids, code) in refusals {
        server
            .refused::<DmSendMessage>(anna.auth(), &(), &with_files(&file_ids, "look"), code)
            .await;
    }
    assert_eq!(
        server
            .messages(&anna, &page(&chatid, None, None))
            .await
            .len(),
        1
    );

    // With its files, a message may lose its text in an edit too.
    let captioned = server
        .call::<DmSendMessage>(anna.auth(), &(), &with_files(&[&photo], "caption"))
        .await
        .unwrap();
    let uncaptioned = server
        .call::<DmEditMessage>(anna.auth(), &(), &edit(&chatid, &captioned.msgid, ""))
        .await
        .unwrap();
    assert_eq!(
        (uncaptioned.message.as_str(), uncaptioned.files.len()),
        ("", 1)
    );
}

#[tokio::test]
async fn text_rules_and_bad_bodies() {
    let server = TestServer::start().await;
    let (anna, _bela, chatid) = pair(&server).await;
    let longest = "é".repeat(MAX_MESSAGE_CHARS);
    let sent = server.send_text(anna.auth(), &chatid, &longest).await;
    assert_eq!(sent.message, longest);
    let refusals = [
        (format!("{longest}!"), ErrorCode::MessageTooLong),
        (String::new(), ErrorCode::EmptyMessage),
        (" \n\t ".to_owned(), ErrorCode::EmptyMessage),
    ];
    for (message, code) in refusals {
        server
            .refused::<DmSendMessage>(anna.auth(), &(), &text(&chatid, &message), code)
            .await;
        server
            .refused::<DmEditMessage>(
                anna.auth(),
                &(),
                &edit(&chatid, &sent.msgid, &message),
                code,
            )
            .await;
    }
    for client_key in [String::new(), "k".repeat(129)] {
        server
            .refused::<DmSendMessage>(
                anna.auth(),
                &(),
                &SendMessageReq {
                    client_key,
                    ..text(&chatid, "hi")
                },
                ErrorCode::BadRequest,
            )
            .await;
    }

    let bodies: [(&str, Vec<String>); 6] = [
        (
            DmSendMessage::META.path,
            vec![
                "{}".into(),
                format!("{{\"chatid\": \"{chatid}\", \"message\": \"no key\"}}"),
                format!(
                    "{{\"chatid\": \"{chatid}\", \"message\": \"x\", \"clientKey\": \"k\", \"fileIDs\": \"one\"}}"
                ),
            ],
        ),
        (DmEditMessage::META.path, vec!["{}".into(), "[1, 2]".into()]),
        (
            DmDeleteMessages::META.path,
            vec![format!("{{\"chatid\": \"{chatid}\", \"msgids\": \"x\"}}")],
        ),
        (DmPinMessage::META.path, vec!["not json".into()]),
        (DmUnpinMessage::META.path, vec!["{\"chatid\": 1}".into()]),
        (
            <chatenium_api::MuteContact as Endpoint>::META.path,
            vec!["{}".into()],
        ),
    ];
    for (path, cases) in bodies {
        let method = if path == DmSendMessage::META.path {
            reqwest::Method::POST
        } else {
            reqwest::Method::PATCH
        };
        for body in cases {
            let (status, bytes) = server
                .raw(
                    method.clone(),
                    path,
                    Some(&anna.token),
                    body.clone().into_bytes(),
                )
                .await;
            assert_eq!(status, 400, "{path} {body}");
            let error: chatenium_api::ErrorBody = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(error.error, ErrorCode::BadRequest);
        }
    }
    assert_eq!(
        server.messages(&anna, &page(&chatid, None, None)).await,
        vec![sent]
    );
}

#[tokio::test]
async fn only_the_author_edits_or_deletes_and_deletion_is_all_or_nothing() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let annas = server.send_text(anna.auth(), &chatid, "anna's").await;
    let belas = server.send_text(bela.auth(), &chatid, "bela's").await;
    let newest = server
        .send_text(anna.auth(), &chatid, "anna's newest")
        .await;

    server
        .refused::<DmEditMessage>(
            bela.auth(),
            &(),
            &edit(&chatid, &annas.msgid, "mine now"),
            ErrorCode::NotAuthor,
        )
        .await;
    server
        .refused::<DmEditMessage>(
            anna.auth(),
            &(),
            &edit(&chatid, "no-such-message", "x"),
            ErrorCode::NotFound,
        )
        .await;
    let edited = server
        .call::<DmEditMessage>(
            anna.auth(),
            &(),
            &edit(&chatid, &annas.msgid, "anna's, fixed"),
        )
        .await
        .unwrap();
    assert!(edited.is_edited && !annas.is_edited);
    assert_eq!(
        (
            edited.msgid.as_str(),
            edited.message.as_str(),
            edited.sent_at
        ),
        (annas.msgid.as_str(), "anna's, fixed", annas.sent_at)
    );
    assert_eq!(
        server.messages(&bela, &page(&chatid, None, None)).await[0],
        Message {
            seen: true,
            ..edited.clone()
        }
    );

    let all = vec![
        annas.msgid.clone(),
        belas.msgid.clone(),
        newest.msgid.clone(),
    ];
    for (msgids, code) in [
        (
            vec![annas.msgid.as_str(), belas.msgid.as_str()],
            ErrorCode::NotAuthor,
        ),
        (
            vec![annas.msgid.as_str(), "no-such-message"],
            ErrorCode::NotFound,
        ),
    ] {
        server
            .refused::<DmDeleteMessages>(anna.auth(), &(), &delete(&chatid, &msgids), code)
            .await;
        let kept = server.messages(&anna, &page(&chatid, None, None)).await;
        assert_eq!(ids(&kept), all, "nothing was deleted");
    }
    server
        .refused::<DmDeleteMessages>(
            anna.auth(),
            &(),
            &delete(&chatid, &[]),
            ErrorCode::BadRequest,
        )
        .await;

    // Naming a message twice deletes it once; the list's latest message falls back.
    server
        .call::<DmDeleteMessages>(
            anna.auth(),
            &(),
            &delete(&chatid, &[&newest.msgid, &annas.msgid, &newest.msgid]),
        )
        .await
        .unwrap();
    let kept = server.messages(&anna, &page(&chatid, None, None)).await;
    assert_eq!(ids(&kept), [belas.msgid.as_str()]);
    let latest = server.contacts(&anna).await[0]
        .latest_message
        .clone()
        .unwrap();
    assert_eq!(latest.msgid, belas.msgid);
    server
        .refused::<DmEditMessage>(
            anna.auth(),
            &(),
            &edit(&chatid, &annas.msgid, "x"),
            ErrorCode::NotFound,
        )
        .await;
    // A later message still numbers after every earlier one.
    let later = server.send_text(anna.auth(), &chatid, "later").await;
    assert!(later.sent_at > belas.sent_at);
    assert_eq!(
        ids(&server.messages(&bela, &page(&chatid, None, None)).await),
        [belas.msgid, later.msgid]
    );
}

#[tokio::test]
async fn either_member_pins_and_unpins() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let first = server.send_text(anna.auth(), &chatid, "first").await;
    let second = server.send_text(anna.auth(), &chatid, "second").await;
    let mut a1 = server.socket(&anna.token).await;
    let chat = ChatQuery {
        chatid: chatid.clone(),
    };
    let pinned = async || {
        server
            .call::<DmPinnedMessages>(anna.auth(), &chat, &())
            .await
    };

    assert_eq!(pinned().await.unwrap(), vec![]);
    server
        .call::<DmPinMessage>(bela.auth(), &(), &pin(&chatid, &first.msgid))
        .await
        .unwrap();
    server
        .call::<DmPinMessage>(anna.via(&a1), &(), &pin(&chatid, &second.msgid))
        .await
        .unwrap();
    let pins = pinned().await.unwrap();
    assert_eq!(
        pins.iter()
            .map(|p| (p.message.msgid.clone(), p.pinned_by.clone()))
            .collect::<Vec<_>>(),
        [
            (second.msgid.clone(), anna.userid.clone()),
            (first.msgid.clone(), bela.userid.clone())
        ],
        "the most recently pinned first"
    );
    assert!(pins[0].pinned_at > pins[1].pinned_at);
    assert!(pins.iter().all(|p| p.message.pinned));
    assert!(server
        .messages(&bela, &page(&chatid, None, None))
        .await
        .iter()
        .all(|m| m.pinned));
    assert_eq!(
        a1.drain().await,
        vec![
            ServerEvent::PinnedMessage(PinChange {
                chatid: chatid.clone(),
                msgid: first.msgid.clone(),
                pinned: true
            }),
            // Bela read the chat above (the change feed's read mark).
            ServerEvent::ChatRead(ReadMark {
                chatid: chatid.clone(),
                userid: bela.userid.clone(),
                msgid: second.msgid.clone(),
            })
        ],
        "bela's pin, not the one this connection made"
    );

    // Pinning again changes nothing and tells nobody.
    let before = pinned().await.unwrap();
    server
        .call::<DmPinMessage>(bela.auth(), &(), &pin(&chatid, &first.msgid))
        .await
        .unwrap();
    assert_eq!(pinned().await.unwrap(), before);
    assert_eq!(a1.drain().await, vec![]);

    // Anna unpins what bela pinned.
    server
        .call::<DmUnpinMessage>(anna.auth(), &(), &pin(&chatid, &first.msgid))
        .await
        .unwrap();
    let left = pinned().await.unwrap();
    assert_eq!(left[0].message.msgid, second.msgid);
    assert_eq!(left.len(), 1);
    server
        .call::<DmUnpinMessage>(anna.auth(), &(), &pin(&chatid, &first.msgid))
        .await
        .unwrap();
    assert_eq!(pinned().await.unwrap().len(), 1);

    server
        .refused::<DmPinMessage>(
            anna.auth(),
            &(),
            &pin(&chatid, "no-such-message"),
            ErrorCode::NotFound,
        )
        .await;
    server
        .refused::<DmUnpinMessage>(
            bela.auth(),
            &(),
            &pin(&chatid, "no-such-message"),
            ErrorCode::NotFound,
        )
        .await;
    server
        .call::<DmDeleteMessages>(anna.auth(), &(), &delete(&chatid, &[&second.msgid]))
        .await
        .unwrap();
    assert_eq!(
        pinned().await.unwrap(),
        vec![],
        "a deleted message is no longer pinned"
    );
}

#[tokio::test]
async fn outsiders_get_not_found_and_no_token_is_unauthorized() {
    let server = TestServer::start().await;
    let (anna, bela, chatid) = pair(&server).await;
    let cili = server.register("cili").await;
    let msgid = server
        .send_text(bela.auth(), &chatid, "private")
        .await
        .msgid;
    // A message of anna's other chat, named in this one, is not found either.
    let other = server.add_contact(&anna, &cili).await.chatid;
    let foreign = server
        .send_text(cili.auth(), &other, "elsewhere")
        .await
        .msgid;

    let nobody = As::default();
    for (who, target, code) in [
        (cili.auth(), msgid.as_str(), ErrorCode::NotFound),
        (anna.auth(), foreign.as_str(), ErrorCode::NotFound),
        (nobody, msgid.as_str(), ErrorCode::Unauthorized),
    ] {
        let cross_chat = target == foreign;
        if !cross_chat {
            server
                .refused::<DmGetMessages>(who, &page(&chatid, None, None), &(), code)
                .await;
            server
                .refused::<DmSendMessage>(who, &(), &text(&chatid, "let me in"), code)
                .await;
            server
                .refused::<DmPinnedMessages>(
                    who,
                    &ChatQuery {
                        chatid: chatid.clone(),
                    },
                    &(),
                    code,
                )
                .await;
        }
        server
            .refused::<DmGetMessages>(who, &after(&chatid, target, None), &(), code)
            .await;
        server
            .refused::<DmSendMessage>(
                who,
                &(),
                &SendMessageReq {
                    reply_to_id: Some(target.to_owned()),
                    ..text(&chatid, "a reply")
                },
                code,
            )
            .await;
        server
            .refused::<DmPinMessage>(who, &(), &pin(&chatid, target), code)
            .await;
        server
            .refused::<DmUnpinMessage>(who, &(), &pin(&chatid, target), code)
            .await;
        server
            .refused::<DmEditMessage>(who, &(), &edit(&chatid, target, "changed"), code)
            .await;
        server
            .refused::<DmDeleteMessages>(who, &(), &delete(&chatid, &[target]), code)
            .await;
        server
            .refused::<DmGetPosition>(who, &position(&chatid, target), &(), code)
            .await;
    }

    // Nothing changed in either chat.
    let kept = server.messages(&bela, &page(&chatid, None, None)).await;
    assert_eq!(
        (ids(&kept), kept[0].pinned, kept[0].message.as_str()),
        (vec![msgid], false, "private")
    );
    let elsewhere = server.messages(&cili, &page(&other, None, None)).await;
    assert_eq!(ids(&elsewhere), [foreign]);
    assert!(!elsewhere[0].is_edited);
}
