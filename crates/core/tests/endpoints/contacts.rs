//! Contacts (rows 32 to 35): a request the partner accepts by replying, muting, deleting.

use chatenium_api::schemas::contacts::{AddContactReq, DeleteContactReq, SetMuteReq};
use chatenium_api::schemas::dm::GetMessagesQuery;
use chatenium_api::{
    CreateContact, DeleteContact, DmGetMessages, DmSendMessage, ErrorCode, GetContacts, MuteContact,
};

use crate::common::coverage::{text, World};

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

    // Row 35: deleting the contact takes the chat and its messages.
    rec.ok::<DeleteContact>(
        &anna.session,
        &(),
        &DeleteContactReq {
            chatid: chatid.clone(),
        },
    )
    .await;
    assert_eq!(rec.ok::<GetContacts>(&anna.session, &(), &()).await, []);
    let page = GetMessagesQuery {
        chatid,
        from: None,
        limit: None,
        after: None,
    };
    rec.refused::<DmGetMessages>(&bela.session, &page, &(), ErrorCode::NotFound)
        .await;
}
