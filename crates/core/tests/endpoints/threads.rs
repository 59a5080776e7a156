//! Threads (rows 69 to 71, with the cascade's thread list, row 68) and thread messages (rows 72
//! to 79): nested threads listed by parent, updated and closed with their subthreads; messages
//! sent idempotently, paged by position, edited, pinned and deleted as in a direct chat.

use chatenium_api::schemas::cascade::{CreateCascadeReq, JoinFromInviteReq, ThreadsQuery};
use chatenium_api::schemas::dm::DEFAULT_PAGE_SIZE;
use chatenium_api::schemas::thread::*;
use chatenium_api::{
    CloseThread, CreateCascade, ErrorCode, GetThreads, JoinFromInvite, StartThread,
    TmDeleteMessages, TmEditMessage, TmGetMessages, TmGetPosition, TmPinMessage, TmPinnedMessages,
    TmSendMessage, TmUnpinMessage, UpdateThread,
};

use crate::common::coverage::{client_key, User, World};

async fn threads(
    world: &World,
    user: &User,
    cascade_id: &str,
    parent: Option<&str>,
) -> Vec<Thread> {
    let query = ThreadsQuery {
        cascade_id: cascade_id.to_owned(),
        parent_id: parent.map(str::to_owned),
    };
    world.rec.ok::<GetThreads>(&user.session, &query, &()).await
}

fn names(threads: &[Thread]) -> Vec<&str> {
    threads.iter().map(|t| t.name.as_str()).collect()
}

fn ids(messages: &[ThreadMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.msgid.as_str()).collect()
}

pub async fn flow(world: &World) {
    let rec = &world.rec;
    let anna = world.user("threads.anna").await;
    let bela = world.user("threads.bela").await;
    let cascade = rec
        .ok::<CreateCascade>(
            &anna.session,
            &(),
            &CreateCascadeReq {
                name: "Műhely".into(),
                public: false,
                picture_file_id: None,
                invite_max_uses: None,
                invite_expires_in_secs: None,
            },
        )
        .await;
    let cascade_id = cascade.cascade_id.clone();
    let code = cascade.invite.expect("the owner sees the invite").code;
    rec.ok::<JoinFromInvite>(&bela.session, &(), &JoinFromInviteReq { code })
        .await;

    // Rows 69 and 68: a root thread and one under it, each listed under its parent.
    let start = |parent: Option<&str>, name: &str| StartNewThreadReq {
        cascade_id: cascade_id.clone(),
        parent_id: parent.map(str::to_owned),
        name: name.to_owned(),
        description: None,
    };
    let general = rec
        .ok::<StartThread>(&anna.session, &(), &start(None, "general"))
        .await;
    assert_eq!(
        (general.parent_id.as_deref(), general.created_by.as_str()),
        (None, anna.id())
    );
    let nested = rec
        .ok::<StartThread>(
            &bela.session,
            &(),
            &start(Some(&general.thread_id), "nested"),
        )
        .await;
    assert_eq!(
        nested.parent_id.as_deref(),
        Some(general.thread_id.as_str())
    );
    assert_eq!(
        names(&threads(world, &bela, &cascade_id, None).await),
        ["general"]
    );
    assert_eq!(
        names(&threads(world, &bela, &cascade_id, Some(&general.thread_id)).await),
        ["nested"]
    );

    // Row 71: a new name and description, seen by the other member.
    let updated = rec
        .ok::<UpdateThread>(
            &anna.session,
            &(),
            &UpdateThreadReq {
                cascade_id: cascade_id.clone(),
                thread_id: general.thread_id.clone(),
                name: Some("általános".into()),
                description: Some("anything goes".into()),
            },
        )
        .await;
    assert_eq!(updated.name, "általános");
    let listed = threads(world, &bela, &cascade_id, None).await;
    assert_eq!(
        (listed[0].name.as_str(), listed[0].description.as_deref()),
        ("általános", Some("anything goes"))
    );

    // Row 74: sends are idempotent by client key.
    let thread_id = general.thread_id.clone();
    let send = |text: &str| TMSendMessageReq {
        cascade_id: cascade_id.clone(),
        thread_id: thread_id.clone(),
        message: text.to_owned(),
        reply_to_id: None,
        file_ids: Vec::new(),
        client_key: client_key(),
    };
    let request = send("first");
    let first = rec.ok::<TmSendMessage>(&anna.session, &(), &request).await;
    assert_eq!(
        (first.author.as_str(), first.message.as_str()),
        (anna.id(), "first")
    );
    let again = rec.ok::<TmSendMessage>(&anna.session, &(), &request).await;
    assert_eq!(again.msgid, first.msgid);

    // Rows 73 and 79: a page later, the first message's position names the page holding it.
    for n in 0..DEFAULT_PAGE_SIZE {
        let sender = if n % 2 == 0 { &bela } else { &anna };
        rec.ok::<TmSendMessage>(&sender.session, &(), &send(&format!("t{n}")))
            .await;
    }
    let page = |from: Option<u32>| TMGetMessagesQuery {
        cascade_id: cascade_id.clone(),
        thread_id: thread_id.clone(),
        from,
        limit: None,
        after: None,
    };
    let newest = rec
        .ok::<TmGetMessages>(&bela.session, &page(None), &())
        .await;
    assert_eq!(newest.len(), DEFAULT_PAGE_SIZE as usize);
    assert!(!ids(&newest).contains(&first.msgid.as_str()));
    let position = rec
        .ok::<TmGetPosition>(
            &bela.session,
            &TMPositionQuery {
                cascade_id: cascade_id.clone(),
                thread_id: thread_id.clone(),
                msgid: first.msgid.clone(),
            },
            &(),
        )
        .await;
    assert_eq!(position.from, DEFAULT_PAGE_SIZE);
    let oldest = rec
        .ok::<TmGetMessages>(&bela.session, &page(Some(position.from)), &())
        .await;
    assert_eq!(ids(&oldest), [first.msgid.as_str()]);

    // Row 78: only the author edits.
    let edit = TMEditMessageReq {
        cascade_id: cascade_id.clone(),
        thread_id: thread_id.clone(),
        msgid: first.msgid.clone(),
        message: "first, edited".into(),
    };
    rec.refused::<TmEditMessage>(&bela.session, &(), &edit, ErrorCode::NotAuthor)
        .await;
    let edited = rec.ok::<TmEditMessage>(&anna.session, &(), &edit).await;
    assert!(edited.is_edited);
    let oldest = rec
        .ok::<TmGetMessages>(&bela.session, &page(Some(position.from)), &())
        .await;
    assert_eq!(oldest[0].message, "first, edited");

    // Rows 76, 75 and 77: pinned, listed, unpinned.
    let pin = TMPinMessageReq {
        cascade_id: cascade_id.clone(),
        thread_id: thread_id.clone(),
        msgid: first.msgid.clone(),
    };
    let of_thread = ThreadQuery {
        cascade_id: cascade_id.clone(),
        thread_id: thread_id.clone(),
    };
    rec.ok::<TmPinMessage>(&bela.session, &(), &pin).await;
    let pinned = rec
        .ok::<TmPinnedMessages>(&anna.session, &of_thread, &())
        .await;
    assert_eq!(ids(&pinned), [first.msgid.as_str()]);
    assert!(pinned[0].pinned);
    rec.ok::<TmUnpinMessage>(&anna.session, &(), &pin).await;
    let pinned = rec
        .ok::<TmPinnedMessages>(&bela.session, &of_thread, &())
        .await;
    assert!(pinned.is_empty(), "{pinned:?}");

    // Row 72: deleted messages are gone.
    let newest_id = newest.last().unwrap().msgid.clone();
    let author = if newest.last().unwrap().author == anna.id() {
        &anna
    } else {
        &bela
    };
    rec.ok::<TmDeleteMessages>(
        &author.session,
        &(),
        &TMDeleteMessagesReq {
            cascade_id: cascade_id.clone(),
            thread_id: thread_id.clone(),
            msgids: vec![newest_id.clone()],
        },
    )
    .await;
    let now = rec
        .ok::<TmGetMessages>(&anna.session, &page(None), &())
        .await;
    assert!(!ids(&now).contains(&newest_id.as_str()));
    assert_eq!(
        now.len(),
        DEFAULT_PAGE_SIZE as usize,
        "one older message moved up"
    );

    // Row 70: closing a thread takes its subthreads and messages.
    rec.ok::<CloseThread>(
        &anna.session,
        &(),
        &ThreadIdReq {
            cascade_id: cascade_id.clone(),
            thread_id: thread_id.clone(),
        },
    )
    .await;
    assert_eq!(threads(world, &bela, &cascade_id, None).await, []);
    let under_closed = ThreadsQuery {
        cascade_id: cascade_id.clone(),
        parent_id: Some(thread_id.clone()),
    };
    rec.refused::<GetThreads>(&bela.session, &under_closed, &(), ErrorCode::NotFound)
        .await;
    rec.refused::<TmGetMessages>(&anna.session, &page(None), &(), ErrorCode::NotFound)
        .await;
    let nested_page = TMGetMessagesQuery {
        thread_id: nested.thread_id.clone(),
        ..page(None)
    };
    rec.refused::<TmGetMessages>(&anna.session, &nested_page, &(), ErrorCode::NotFound)
        .await;
}
