//! Contacts (rows 32 to 35): a request the partner accepts by replying, muting, deleting.

use chatenium_api::schemas::contacts::{AddContactReq, DeleteContactReq, SetMuteReq};
use chatenium_api::schemas::dm::{GetMessagesQuery, Message};
use chatenium_api::{
    CreateContact, DeleteContact, DmGetMessages, DmSendMessage, ErrorCode, GetContacts, MuteContact,
};
use chatenium_core::store::Store;

use crate::common::coverage::{text, User, World};
use crate::common::wait_until;

/// What `user`'s client has cached of a chat.
fn cached_messages(world: &World, user: &User, chatid: &str) -> Vec<Message> {
    world.cache(user).latest_messages(chatid, 1000).unwrap()
}

pub async fn flow(world: &World) {
    let rec = &world.rec;
    let anna = world.user("contacts.anna").await;
    let bela = world.user("contacts.bela").await;

    // Row 33: a request; row 32: both see the chat, not accepted until Bela replies.
    let add = AddContactReq {
        userid: bela.id().to_owned(),
    };
    let contact = rec.ok::<CreateContact>(&anna.session, &(), &add).await;
    assert_eq!(contact.user.userid, bela.id());
    assert!(!contact.accepted && !contact.muted);
    let chatid = contact.chatid.clone();
    rec.refused::<CreateContact>(&anna.session, &(), &add, ErrorCode::ChatAlreadyExists)
        .await;
    let bela_sees = rec.ok::<GetContacts>(&bela.session, &(), &()).await;
    let [request] = bela_sees.as_slice() else {
        panic!("Bela has the request: {bela_sees:?}");
    };
    assert_eq!(
        (request.chatid.as_str(), request.user.userid.as_str()),
        (chatid.as_str(), anna.id())
    );
    rec.ok::<DmSendMessage>(&bela.session, &(), &text(&chatid, "szia!"))
        .await;
    let anna_sees = rec.ok::<GetContacts>(&anna.session, &(), &()).await;
    let [accepted] = anna_sees.as_slice() else {
        panic!("Anna has one contact: {anna_sees:?}");
    };
    assert!(accepted.accepted);
    assert_eq!(accepted.notifications, 1);
    let latest = accepted.latest_message.as_ref().expect("the reply");
    assert_eq!(
        (latest.message.as_str(), latest.is_author),
        ("szia!", false)
    );

    // Row 34: muting shows on the muter's side only.
    rec.ok::<MuteContact>(
        &anna.session,
        &(),
        &SetMuteReq {
            chatid: chatid.clone(),
            muted: true,
        },
    )
    .await;
    let anna_sees = rec.ok::<GetContacts>(&anna.session, &(), &()).await;
    assert!(anna_sees[0].muted);
    let bela_sees = rec.ok::<GetContacts>(&bela.session, &(), &()).await;
    assert!(!bela_sees[0].muted);

    // Row 35: deleting the contact takes the chat and its messages, on the server and from
    // the cache of Bela's running client, which hears of it live; and from Cili's, whose app
    // was closed when Anna deleted their chat.
    let cili = world.user("contacts.cili").await;
    let cili_chat = world.befriend(&anna, &cili).await;
    let cili_client = world.client(&cili).await;
    rec.online(&cili_client).await;
    assert!(!cached_messages(world, &cili, &cili_chat).is_empty());
    cili_client.shut_down().await;
    rec.ok::<DeleteContact>(
        &anna.session,
        &(),
        &DeleteContactReq {
            chatid: cili_chat.clone(),
        },
    )
    .await;
    let cili_client = world.client(&cili).await;
    rec.online(&cili_client).await;
    assert_eq!(cili_client.chat_list().await.unwrap(), []);
    assert_eq!(cached_messages(world, &cili, &cili_chat), []);
    cili_client.shut_down().await;

    let bela_client = world.client(&bela).await;
    rec.online(&bela_client).await;
    assert_eq!(cached_messages(world, &bela, &chatid).len(), 1);
    let mut events = bela_client.events();
    rec.ok::<DeleteContact>(
        &anna.session,
        &(),
        &DeleteContactReq {
            chatid: chatid.clone(),
        },
    )
    .await;
    assert_eq!(rec.ok::<GetContacts>(&anna.session, &(), &()).await, []);
    wait_until(&mut events, || async {
        bela_client.chat_list().await.unwrap().is_empty()
            && cached_messages(world, &bela, &chatid).is_empty()
    })
    .await;
    bela_client.shut_down().await;
    let page = GetMessagesQuery {
        chatid,
        from: None,
        limit: None,
        after: None,
    };
    rec.refused::<DmGetMessages>(&bela.session, &page, &(), ErrorCode::NotFound)
        .await;
}
