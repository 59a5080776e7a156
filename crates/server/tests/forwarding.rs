//! Forwarding a message (the contract's extension `DmForwardMessage`): into another of the
//! caller's chats, with its attachments, naming the original's author; both members of the
//! target chat hear it, and nobody outside either chat can forward or be forwarded to.

mod common;

use chatenium_api::schemas::dm::{ForwardMessageReq, SendMessageReq};
use chatenium_api::ws::ServerEvent;
use chatenium_api::{DmForwardMessage, DmSendMessage, ErrorCode};
use common::chat::{fresh_key, page};
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
