//! Direct messaging (rows 36 to 43; the uploads of rows 44 to 47 are in `uploads.rs`) and the
//! WebSocket (row 1): a message reaches the partner's running client live; sends are
//! idempotent; paging by position; editing, pinning and deleting.

use chatenium_api::schemas::dm::*;
use chatenium_api::{
    DmDeleteMessages, DmEditMessage, DmGetMessages, DmGetPosition, DmPinMessage, DmPinnedMessages,
    DmSendMessage, DmUnpinMessage, ErrorCode,
};
use chatenium_core::store::Store;
use chatenium_core::timeline::TimelineItem;

use crate::common::coverage::{text, World};
use crate::common::wait_until;

fn page(chatid: &str, from: Option<u32>) -> GetMessagesQuery {
    GetMessagesQuery {
        chatid: chatid.to_owned(),
        from,
        limit: None,
        after: None,
    }
}

fn ids(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.msgid.as_str()).collect()
}

pub async fn flow(world: &World) {
    let rec = &world.rec;
    let anna = world.user("dm.anna").await;
    let bela = world.user("dm.bela").await;
    let chatid = world.befriend(&anna, &bela).await;

    // Row 1: Bela's client holds the live connection; Anna's message (row 38) reaches its
    // timeline through it, and every later change reaches its cache.
    let bela_client = world.client(&bela).await;
    rec.online(&bela_client).await;
    let mut events = bela_client.events();
    bela_client.open_timeline(&chatid).await.unwrap();
    let request = text(&chatid, "<b>first</b> szia");
    let first = rec.ok::<DmSendMessage>(&anna.session, &(), &request).await;
    assert_eq!(
        (first.author.as_str(), first.message.as_str()),
        (anna.id(), "<b>first</b> szia")
    );
    assert_eq!(first.client_key.as_ref(), Some(&request.client_key));
    wait_until(&mut events, || async {
        bela_client
            .open_timeline(&chatid)
            .await
            .unwrap()
            .iter()
            .any(|item| matches!(item, TimelineItem::Message { message } if message.msgid == first.msgid))
    })
    .await;
    let cache = world.cache(&bela);
    let cached = |msgid: &str| {
        let messages = cache.latest_messages(&chatid, 1000).unwrap();
        messages.into_iter().find(|m| m.msgid == msgid)
    };

    // The same client key again is the same message, stored once.
    let repeated = rec.ok::<DmSendMessage>(&anna.session, &(), &request).await;
    assert_eq!(repeated.msgid, first.msgid);

    // Rows 37 and 43: a full page after it, the first message's page starts further back.
    // Bela's app is closed meanwhile; started again, it is caught up once online.
    bela_client.shut_down().await;
    for n in 0..DEFAULT_PAGE_SIZE {
        let sender = if n % 2 == 0 { &bela } else { &anna };
        rec.ok::<DmSendMessage>(&sender.session, &(), &text(&chatid, &format!("m{n}")))
            .await;
    }
    let bela_client = world.client(&bela).await;
    let mut events = bela_client.events();
    rec.online(&bela_client).await;
    let held = cache.latest_messages(&chatid, 1000).unwrap();
    assert_eq!(
        held.len(),
        DEFAULT_PAGE_SIZE as usize + 2,
        "hello, first and the page"
    );
    let newest = rec
        .ok::<DmGetMessages>(&bela.session, &page(&chatid, None), &())
        .await;
    assert_eq!(newest.len(), DEFAULT_PAGE_SIZE as usize);
    assert_eq!(
        newest.last().unwrap().message,
        format!("m{}", DEFAULT_PAGE_SIZE - 1)
    );
    assert!(!ids(&newest).contains(&first.msgid.as_str()));
    let position = rec
        .ok::<DmGetPosition>(
            &bela.session,
            &MessagePositionQuery {
                chatid: chatid.clone(),
                msgid: first.msgid.clone(),
            },
            &(),
        )
        .await;
    assert_eq!(position.from, DEFAULT_PAGE_SIZE);
    let older = rec
        .ok::<DmGetMessages>(&bela.session, &page(&chatid, Some(position.from)), &())
        .await;
    // The oldest page: Bela's "hello" that accepted the chat, then the first message.
    assert_eq!(ids(&older)[1..], [first.msgid.as_str()]);
    assert_eq!(older[0].message, "hello");

    // Row 42: only the author edits; the partner reads the new text.
    let edit = EditMessageReq {
        chatid: chatid.clone(),
        msgid: first.msgid.clone(),
        message: "first, edited".into(),
    };
    rec.refused::<DmEditMessage>(&bela.session, &(), &edit, ErrorCode::NotAuthor)
        .await;
    let edited = rec.ok::<DmEditMessage>(&anna.session, &(), &edit).await;
    assert!(edited.is_edited);
    let older = rec
        .ok::<DmGetMessages>(&bela.session, &page(&chatid, Some(position.from)), &())
        .await;
    assert_eq!(older[1].message, "first, edited");
    assert!(older[1].is_edited);
    wait_until(&mut events, || async {
        cached(&first.msgid).is_some_and(|m| m.message == "first, edited" && m.is_edited)
    })
    .await;

    // Rows 40, 39 and 41: a pin shows in the pinned list with who pinned it, until unpinned.
    let pin = PinMessageReq {
        chatid: chatid.clone(),
        msgid: first.msgid.clone(),
    };
    let pinned_list = ChatQuery {
        chatid: chatid.clone(),
    };
    rec.ok::<DmPinMessage>(&bela.session, &(), &pin).await;
    let pinned = rec
        .ok::<DmPinnedMessages>(&anna.session, &pinned_list, &())
        .await;
    let [only] = pinned.as_slice() else {
        panic!("one pinned message: {pinned:?}");
    };
    assert_eq!(
        (only.message.msgid.as_str(), only.pinned_by.as_str()),
        (first.msgid.as_str(), bela.id())
    );
    assert!(only.message.pinned);
    wait_until(&mut events, || async {
        cached(&first.msgid).is_some_and(|m| m.pinned)
    })
    .await;
    rec.ok::<DmUnpinMessage>(&anna.session, &(), &pin).await;
    let pinned = rec
        .ok::<DmPinnedMessages>(&bela.session, &pinned_list, &())
        .await;
    assert!(pinned.is_empty(), "{pinned:?}");
    wait_until(&mut events, || async {
        cached(&first.msgid).is_some_and(|m| !m.pinned)
    })
    .await;

    // Row 36: deleted messages are gone for both.
    let newest_two: Vec<String> = newest[newest.len() - 2..]
        .iter()
        .map(|m| m.msgid.clone())
        .collect();
    let by_anna: Vec<String> = newest[newest.len() - 2..]
        .iter()
        .filter(|m| m.author == anna.id())
        .map(|m| m.msgid.clone())
        .collect();
    assert_eq!(by_anna.len(), 1);
    rec.ok::<DmDeleteMessages>(
        &anna.session,
        &(),
        &DeleteMessagesReq {
            chatid: chatid.clone(),
            msgids: by_anna.clone(),
        },
    )
    .await;
    let now = rec
        .ok::<DmGetMessages>(&bela.session, &page(&chatid, None), &())
        .await;
    assert!(!ids(&now).contains(&by_anna[0].as_str()));
    assert!(newest_two
        .iter()
        .filter(|id| **id != by_anna[0])
        .all(|id| ids(&now).contains(&id.as_str())));
    wait_until(&mut events, || async { cached(&by_anna[0]).is_none() }).await;
    // The cache holds exactly what the server has.
    let all = GetMessagesQuery {
        limit: Some(MAX_PAGE_SIZE),
        ..page(&chatid, None)
    };
    let on_server = rec.ok::<DmGetMessages>(&bela.session, &all, &()).await;
    let held = cache.latest_messages(&chatid, 1000).unwrap();
    let said = |messages: &[Message]| -> Vec<(String, String, bool, bool)> {
        messages
            .iter()
            .map(|m| (m.msgid.clone(), m.message.clone(), m.is_edited, m.pinned))
            .collect()
    };
    assert!(
        said(&held) == said(&on_server),
        "Bela's cache differs from the server"
    );
    bela_client.shut_down().await;
}
