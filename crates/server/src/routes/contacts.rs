//! Contacts (rows 32 to 35): the chat list. A contact is a direct chat; adding one is a request
//! the partner accepts by replying (see [`super::dm`]).
//!
//! Events: the partner is told of a request (`contactRequest`, the contact as they see it) and
//! of a deletion (`contactDeleted`). The caller's other connections are told too, each in the
//! caller's own view, so that every device of theirs shows the same list.

use std::slice::from_ref;

use axum::Router;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::contacts::{AddContactReq, Contact, DeleteContactReq, SetMuteReq};
use chatenium_api::ws::{ChatRef, ServerEvent};
use chatenium_api::{CreateContact, DeleteContact, GetContacts, MuteContact};

use crate::chats;
use crate::error::ApiResult;
use crate::http::{add, Ctx};
use crate::hub::Audience;
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<GetContacts, _, _>(router, get_contacts);
    let router = add::<CreateContact, _, _>(router, create_contact);
    let router = add::<MuteContact, _, _>(router, mute_contact);
    add::<DeleteContact, _, _>(router, delete_contact)
}

pub(crate) async fn get_contacts(ctx: Ctx, _: (), _: ()) -> ApiResult<Vec<Contact>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| chats::contacts_of(c, &state, &caller))
        .await
}

pub(crate) async fn create_contact(ctx: Ctx, _: (), body: AddContactReq) -> ApiResult<Contact> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let (mine, theirs) = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::create(c, &state, &caller, &body.userid)?;
                let mine = chats::contact(c, &state, &chat, &caller)?;
                let theirs = chats::contact(c, &state, &chat, &body.userid)?;
                Ok((mine, theirs))
            }
        })
        .await?;
    // Each side hears of the contact as that side sees it; the partner is who `mine` shows.
    let partner = from_ref(&mine.user.userid);
    crate::changes::publish(
        &ctx.state,
        Audience::users(partner),
        &ServerEvent::ContactRequest(theirs),
        Some(ctx.origin()?),
    )
    .await;
    let event = ServerEvent::ContactRequest(mine.clone());
    crate::changes::publish(
        &ctx.state,
        Audience::users(from_ref(&caller)),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(mine)
}

/// Muting is the caller's own setting: only the caller's other connections hear of it.
async fn mute_contact(ctx: Ctx, _: (), body: SetMuteReq) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let contact = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::member_chat(c, &body.chatid, &caller)?;
                chats::set_muted(c, &chat, &caller, body.muted)?;
                chats::contact(c, &state, &chat, &caller)
            }
        })
        .await?;
    let event = ServerEvent::ContactRequest(contact);
    crate::changes::publish(
        &ctx.state,
        Audience::users(from_ref(&caller)),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(GenericSuccessBody::new("Contact updated"))
}

async fn delete_contact(ctx: Ctx, _: (), body: DeleteContactReq) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let chat = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::member_chat(c, &body.chatid, &caller)?;
                chats::delete(c, &chat)?;
                Ok(chat)
            }
        })
        .await?;
    let event = ServerEvent::ContactDeleted(ChatRef {
        chatid: chat.id.clone(),
    });
    crate::changes::publish(
        &ctx.state,
        Audience::users(&chat.members()),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(GenericSuccessBody::new("Contact deleted"))
}
