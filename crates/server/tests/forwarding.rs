//! Forwarding a message (the contract's extensions `DmForwardMessage` and `TmForwardMessage`):
//! from a chat or a thread into another of the caller's chats or into a thread, with its
//! attachments, naming the original's author; the target's audience hears it, and nobody who
//! cannot read the source or write the target can forward.

mod common;

use chatenium_api::schemas::dm::{ForwardMessageReq, SendMessageReq};
use chatenium_api::schemas::thread::{TMForwardMessageReq, TMSendMessageReq, ThreadQuery};
use chatenium_api::ws::ServerEvent;
use chatenium_api::{DmForwardMessage, DmSendMessage, ErrorCode, TmForwardMessage, TmSendMessage};
use common::cascade::tm_page;
use common::chat::{fresh_key, page};
use common::fixture::subscribe;
use common::{assert_refused, TestServer};

#[tokio::test]
async fn a_forward_carries_the_text_and_files_and_names_the_author() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let with_bela = server.befriend(&anna, &bela).await;
    let with_cili = server.befriend(&anna, &cili).await;
    let file = server
        .stored_file(&bela, "photo.png", "image/png", b"png bytes", "complete")
        .await;
    let original = server
        .call::<DmSendMessage>(
            bela.auth(),
            &(),
            &SendMessageReq {
                chatid: with_bela.clone(),
                message: "look".into(),
                reply_to_id: None,
                file_ids: vec![file.clone()],
                client_key: fresh_key(),
            },
        )
        .await
        .unwrap();
    let [mut annas, mut cilis] = server.sockets([&anna, &cili]).await;

    let forwarded = server
        .call::<DmForwardMessage>(
            anna.via(&annas),
            &(),
            &ForwardMessageReq {
                chatid: with_bela.clone(),
                from_thread: None,
                msgid: original.msgid.clone(),
                forward_to: with_cili.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(forwarded.chatid, with_cili);
    assert_eq!(forwarded.author, anna.userid);
    assert_eq!(forwarded.message, "look");
    assert_eq!(
        forwarded.forwarded_from.as_deref(),
        Some(bela.userid.as_str())
    );
    assert_eq!(
        forwarded.forwarded_from_name.as_deref(),
        Some("bela display")
    );
    assert_eq!(forwarded.files.len(), 1);
    assert_eq!(forwarded.files[0].file_id, file);
    let bytes = server.get_bytes(&forwarded.files[0].path).await.unwrap();
    assert_eq!(bytes, b"png bytes");

    // Cili hears it; Anna's forwarding connection does not.
    assert_eq!(
        cilis.drain().await,
        vec![ServerEvent::NewMessage(forwarded.clone())]
    );
    assert!(annas.drain().await.is_empty());
    let shown = server.messages(&cili, &page(&with_cili, None, None)).await;
    assert_eq!(shown.last().map(|m| &m.msgid), Some(&forwarded.msgid));
    assert_eq!(
        shown.last().and_then(|m| m.forwarded_from.clone()),
        Some(bela.userid.clone())
    );
}

#[tokio::test]
async fn only_a_member_of_both_chats_forwards() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let with_bela = server.befriend(&anna, &bela).await;
    let bela_cili = server.befriend(&bela, &cili).await;
    let original = server.send_text(anna.auth(), &with_bela, "private").await;
    let forward = |to: &str| ForwardMessageReq {
        chatid: with_bela.clone(),
        from_thread: None,
        msgid: original.msgid.clone(),
        forward_to: to.to_owned(),
    };
    // Cili is in neither the source chat nor may Anna write into Bela and Cili's chat.
    assert_refused(
        server
            .call::<DmForwardMessage>(cili.auth(), &(), &forward(&bela_cili))
            .await,
        ErrorCode::NotFound,
    );
    assert_refused(
        server
            .call::<DmForwardMessage>(anna.auth(), &(), &forward(&bela_cili))
            .await,
        ErrorCode::NotFound,
    );
    let unknown = ForwardMessageReq {
        msgid: "nope".into(),
        ..forward(&with_bela)
    };
    assert_refused(
        server
            .call::<DmForwardMessage>(anna.auth(), &(), &unknown)
            .await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn a_dm_message_forwarded_into_a_thread_reaches_its_followers_with_its_files() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let with_bela = server.befriend(&anna, &bela).await;
    let cascade = server.cascade_with(&anna, &[&cili]).await;
    let thread = server
        .start_thread(anna.auth(), &cascade.cascade_id, None, "general")
        .await;
    let file = server
        .stored_file(&bela, "notes.txt", "text/plain", b"some notes", "complete")
        .await;
    let original = server
        .call::<DmSendMessage>(
            bela.auth(),
            &(),
            &SendMessageReq {
                chatid: with_bela.clone(),
                message: "read this".into(),
                reply_to_id: None,
                file_ids: vec![file.clone()],
                client_key: fresh_key(),
            },
        )
        .await
        .unwrap();
    let [mut annas, mut cilis] = server.sockets([&anna, &cili]).await;
    subscribe(&mut annas, &[&cascade.cascade_id]).await;
    subscribe(&mut cilis, &[&cascade.cascade_id]).await;

    let forwarded = server
        .call::<TmForwardMessage>(
            anna.via(&annas),
            &(),
            &TMForwardMessageReq {
                cascade_id: cascade.cascade_id.clone(),
                thread_id: thread.thread_id.clone(),
                chatid: with_bela.clone(),
                from_thread: None,
                msgid: original.msgid.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(forwarded.thread_id, thread.thread_id);
    assert_eq!(forwarded.author, anna.userid);
    assert_eq!(forwarded.message, "read this");
    assert_eq!(
        forwarded.forwarded_from.as_deref(),
        Some(bela.userid.as_str())
    );
    assert_eq!(
        forwarded.forwarded_from_name.as_deref(),
        Some("bela display")
    );
    assert_eq!(forwarded.files.len(), 1);
    assert_eq!(forwarded.files[0].attachment.file_id, file);
    let bytes = server
        .get_bytes(&forwarded.files[0].attachment.path)
        .await
        .unwrap();
    assert_eq!(bytes, b"some notes");

    // Cili follows the cascade and hears it; Anna's forwarding connection does not.
    assert_eq!(
        cilis.drain().await,
        vec![ServerEvent::NewThreadMessage(forwarded.clone())]
    );
    assert!(annas.drain().await.is_empty());
    let shown = server
        .tm_messages(
            &cili,
            &tm_page(&cascade.cascade_id, &thread.thread_id, None, None),
        )
        .await;
    assert_eq!(shown.last(), Some(&forwarded));
}

#[tokio::test]
async fn a_thread_message_forwards_into_a_chat_and_another_thread() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let with_bela = server.befriend(&anna, &bela).await;
    let cascade = server.cascade_with(&anna, &[&bela]).await;
    let general = server
        .start_thread(anna.auth(), &cascade.cascade_id, None, "general")
        .await;
    let news = server
        .start_thread(anna.auth(), &cascade.cascade_id, None, "news")
        .await;
    let original = server
        .send_tm(
            bela.auth(),
            &cascade.cascade_id,
            &general.thread_id,
            "big news",
        )
        .await;
    let from_general = Some(ThreadQuery {
        cascade_id: cascade.cascade_id.clone(),
        thread_id: general.thread_id.clone(),
    });

    let into_chat = server
        .call::<DmForwardMessage>(
            anna.auth(),
            &(),
            &ForwardMessageReq {
                chatid: String::new(),
                from_thread: from_general.clone(),
                msgid: original.msgid.clone(),
                forward_to: with_bela.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(into_chat.chatid, with_bela);
    assert_eq!(into_chat.message, "big news");
    assert_eq!(
        into_chat.forwarded_from.as_deref(),
        Some(bela.userid.as_str())
    );

    let into_thread = server
        .call::<TmForwardMessage>(
            anna.auth(),
            &(),
            &TMForwardMessageReq {
                cascade_id: cascade.cascade_id.clone(),
                thread_id: news.thread_id.clone(),
                chatid: String::new(),
                from_thread: from_general,
                msgid: original.msgid.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(into_thread.thread_id, news.thread_id);
    assert_eq!(into_thread.message, "big news");
    assert_eq!(
        into_thread.forwarded_from_name.as_deref(),
        Some("bela display")
    );
}

#[tokio::test]
async fn only_who_reads_the_source_and_writes_the_thread_forwards_into_it() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let with_bela = server.befriend(&anna, &bela).await;
    // Cili's cascade, which Anna is not in, and Anna's, which Cili is not in.
    let cilis_cascade = server.cascade_with(&cili, &[]).await;
    let cilis_thread = server
        .start_thread(cili.auth(), &cilis_cascade.cascade_id, None, "private")
        .await;
    let annas_cascade = server.cascade_with(&anna, &[]).await;
    let annas_thread = server
        .start_thread(anna.auth(), &annas_cascade.cascade_id, None, "mine")
        .await;
    let original = server.send_text(anna.auth(), &with_bela, "secret").await;
    let cilis_secret = server
        .call::<TmSendMessage>(
            cili.auth(),
            &(),
            &TMSendMessageReq {
                cascade_id: cilis_cascade.cascade_id.clone(),
                thread_id: cilis_thread.thread_id.clone(),
                message: "cili's".into(),
                reply_to_id: None,
                file_ids: vec![],
                client_key: fresh_key(),
            },
        )
        .await
        .unwrap();
    let into = |thread: &chatenium_api::schemas::thread::Thread, chatid: &str, msgid: &str| {
        TMForwardMessageReq {
            cascade_id: thread.cascade_id.clone(),
            thread_id: thread.thread_id.clone(),
            chatid: chatid.to_owned(),
            from_thread: None,
            msgid: msgid.to_owned(),
        }
    };
    // Anna may not write into Cili's thread.
    assert_refused(
        server
            .call::<TmForwardMessage>(
                anna.auth(),
                &(),
                &into(&cilis_thread, &with_bela, &original.msgid),
            )
            .await,
        ErrorCode::NotFound,
    );
    // Cili may not read Anna and Bela's chat.
    assert_refused(
        server
            .call::<TmForwardMessage>(
                cili.auth(),
                &(),
                &into(&cilis_thread, &with_bela, &original.msgid),
            )
            .await,
        ErrorCode::NotFound,
    );
    // Anna may not read Cili's thread.
    let from_cilis = TMForwardMessageReq {
        from_thread: Some(ThreadQuery {
            cascade_id: cilis_cascade.cascade_id.clone(),
            thread_id: cilis_thread.thread_id.clone(),
        }),
        ..into(&annas_thread, "", &cilis_secret.msgid)
    };
    assert_refused(
        server
            .call::<TmForwardMessage>(anna.auth(), &(), &from_cilis)
            .await,
        ErrorCode::NotFound,
    );
    assert_eq!(
        server
            .count(
                "SELECT COUNT(*) FROM thread_messages WHERE forwarded_from IS NOT NULL",
                &[]
            )
            .await,
        0
    );
}
