//! Direct messaging (rows 36 to 43): a chat's messages, paged from the newest, sent
//! idempotently, edited and deleted by their author, pinned by either member.
//!
//! Every endpoint first finds the chat among the caller's own ([`chats::member_chat`]), so a
//! caller outside the chat gets `notFound` and never data; messages are then looked up within
//! that chat only. Each change is told to both members' connections except the one that made
//! it.

use axum::Router;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::*;
use chatenium_api::ws::{DeletedMessages, EditedMessage, PinChange, ReadMark, ServerEvent};
use chatenium_api::{
    DmDeleteMessages, DmEditMessage, DmGetMessages, DmGetPosition, DmPinMessage, DmPinnedMessages,
    DmSendMessage, DmUnpinMessage, ErrorCode,
};
use rusqlite::Connection;

use crate::chats::{self, Chat};
use crate::error::{ensure, ApiError, ApiResult};
use crate::http::{add, Ctx};
use crate::hub::{Audience, Origin};
use crate::messages::{self, NewMessage};
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<DmDeleteMessages, _, _>(router, delete_messages);
    let router = add::<DmGetMessages, _, _>(router, get_messages);
    let router = add::<DmSendMessage, _, _>(router, send_message);
    let router = add::<DmPinnedMessages, _, _>(router, pinned_messages);
    let router = add::<DmPinMessage, _, _>(router, |ctx, _, body| set_pin(ctx, body, true));
    let router = add::<DmUnpinMessage, _, _>(router, |ctx, _, body| set_pin(ctx, body, false));
    let router = add::<DmEditMessage, _, _>(router, edit_message);
    add::<DmGetPosition, _, _>(router, get_position)
}

pub(crate) async fn get_messages(
    ctx: Ctx,
    query: GetMessagesQuery,
    _: (),
) -> ApiResult<Vec<Message>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let (page, read) = ctx
        .state
        .db
        .call(move |c| read_page(c, &state, &caller, &query))
        .await?;
    if let Some((members, mark)) = read {
        // Both members see it: the partner's messages are seen, the reader's count is 0.
        let event = ServerEvent::ChatRead(mark);
        crate::changes::publish(
            &ctx.state,
            Audience::users(&members),
            &event,
            Some(ctx.origin()?),
        )
        .await;
    }
    Ok(page)
}

/// A read mark that moved, with who is told of it (the chat's members).
type MovedMark = ([String; 2], ReadMark);

/// One page, or what came after a message. Loading the newest page or an `after` page is
/// reading the chat: the caller's read mark moves to the newest message returned. Answers the
/// page, and the chat's members with the new mark when it moved.
fn read_page(
    connection: &mut Connection,
    state: &AppState,
    caller: &str,
    query: &GetMessagesQuery,
) -> ApiResult<(Vec<Message>, Option<MovedMark>)> {
    let chat = chats::member_chat(connection, &query.chatid, caller)?;
    let limit = messages::page_limit(query.limit)?;
    let (rows, reads) = match &query.after {
        Some(after) => {
            let anchor = messages::find(connection, &chat, after)?;
            (messages::after(connection, &chat, anchor.seq, limit)?, true)
        }
        None => {
            let from = query.from.unwrap_or(0);
            (messages::page(connection, &chat, from, limit)?, from == 0)
        }
    };
    let newest = rows.last().map(|message| (message.seq, message.id.clone()));
    let mut page = messages::views(connection, state, &chat, rows)?;
    let mut read = None;
    if let (true, Some((newest, msgid))) = (reads, newest) {
        if chats::mark_read(connection, &chat, caller, newest)? {
            let mark = ReadMark {
                chatid: chat.id.clone(),
                userid: caller.to_owned(),
                msgid,
            };
            read = Some((chat.members(), mark));
        }
        // The page was read before the mark moved: the partner's messages in it are now seen.
        for message in page.iter_mut().filter(|m| m.author != caller) {
            message.seen = true;
        }
    }
    Ok((page, read))
}

pub(crate) async fn send_message(ctx: Ctx, _: (), body: SendMessageReq) -> ApiResult<Message> {
    let caller = ctx.caller()?.userid.clone();
    let connection = ctx.ws_id().map(str::to_owned);
    let state = ctx.state.clone();
    let sent = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| send(c, &state, &caller, connection.as_deref(), &body)
        })
        .await?;
    // The request turned into a conversation: both members' lists show it accepted.
    for (member, contact) in sent.accepted {
        crate::changes::publish(
            &ctx.state,
            Audience::users(&[member]),
            &ServerEvent::ContactRequest(contact),
            Some(ctx.origin()?),
        )
        .await;
    }
    Ok(sent.message)
}

struct Sent {
    message: Message,
    /// Each member and their contact, when this message accepted the contact request.
    accepted: Vec<(String, Contact)>,
}

/// Stores a new message and records it in both members' change feeds in one transaction,
/// then delivers it (on the database's thread, see `changes::Recorded::deliver`). A repeated
/// `clientKey` stores nothing and tells nobody: the first try's transaction told them.
fn send(
    connection: &mut Connection,
    state: &AppState,
    author: &str,
    ws_id: Option<&str>,
    body: &SendMessageReq,
) -> ApiResult<Sent> {
    let chat = chats::member_chat(connection, &body.chatid, author)?;
    messages::check_client_key(&body.client_key)?;
    if let Some(stored) = messages::by_client_key::<Chat>(connection, author, &body.client_key)? {
        // A key names one send; reusing it in another chat is a client's bug, not a retry.
        if stored.conversation_id != chat.id {
            return Err(ApiError::bad_request(
                "clientKey already used in another chat",
            ));
        }
        return Ok(Sent {
            message: messages::view(connection, state, &chat, stored)?,
            accepted: Vec::new(),
        });
    }
    messages::check_text(&body.message, !body.file_ids.is_empty())?;
    messages::check_files(connection, author, &body.file_ids)?;
    if let Some(reply_to_id) = &body.reply_to_id {
        messages::find(connection, &chat, reply_to_id)?;
    }
    let accepts = !chat.accepted && author != chat.requested_by;
    let transaction = connection.transaction()?;
    let new = NewMessage {
        author,
        body: &body.message,
        reply_to_id: body.reply_to_id.as_deref(),
        file_ids: &body.file_ids,
        client_key: &body.client_key,
        // Ticked under the database lock, so that sent_at orders messages as seq does.
        sent: state.clock.tick(),
    };
    let msgid = messages::insert(&transaction, &chat, &new)?;
    chats::refresh_last_message(&transaction, &chat)?;
    if accepts {
        chats::accept(&transaction, &chat)?;
    }
    let stored = messages::find(&transaction, &chat, &msgid)?;
    let message = messages::view(&transaction, state, &chat, stored)?;
    let chat = Chat {
        accepted: chat.accepted || accepts,
        ..chat
    };
    let mut accepted = Vec::new();
    if accepts {
        for member in chat.members() {
            let contact = chats::contact(&transaction, state, &chat, &member)?;
            accepted.push((member, contact));
        }
    }
    let members = chat.members();
    let origin = Origin {
        userid: author,
        connection: ws_id,
    };
    let recorded = crate::changes::Told::new(
        Audience::users(&members),
        &ServerEvent::NewMessage(message.clone()),
        Some(origin),
    )
    .record(&transaction, state)?;
    transaction.commit()?;
    recorded.deliver(state);
    Ok(Sent { message, accepted })
}

pub(crate) async fn edit_message(ctx: Ctx, _: (), body: EditMessageReq) -> ApiResult<Message> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let (chat, message) = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::member_chat(c, &body.chatid, &caller)?;
                let stored = messages::find(c, &chat, &body.msgid)?;
                ensure(stored.author == caller, ErrorCode::NotAuthor)?;
                messages::check_text(&body.message, messages::has_files(c, &chat, &stored)?)?;
                messages::edit(c, &chat, &stored, &body.message)?;
                let edited = messages::find(c, &chat, &stored.id)?;
                let edited = messages::view(c, &state, &chat, edited)?;
                Ok((chat, edited))
            }
        })
        .await?;
    let event = ServerEvent::EditedMessage(EditedMessage {
        chatid: chat.id.clone(),
        msgid: message.msgid.clone(),
        message: message.message.clone(),
    });
    crate::changes::publish(
        &ctx.state,
        Audience::users(&chat.members()),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(message)
}

/// All or nothing: when any named message is not the caller's (`notAuthor`) or not in the
/// chat (`notFound`), none is deleted.
pub(crate) async fn delete_messages(
    ctx: Ctx,
    _: (),
    body: DeleteMessagesReq,
) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let (chat, msgids) = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::member_chat(c, &body.chatid, &caller)?;
                let msgids = messages::distinct(body.msgids);
                if msgids.is_empty() {
                    return Err(ApiError::bad_request("no message named"));
                }
                let doomed = msgids
                    .iter()
                    .map(|msgid| messages::find(c, &chat, msgid))
                    .collect::<ApiResult<Vec<_>>>()?;
                ensure(
                    doomed.iter().all(|m| m.author == caller),
                    ErrorCode::NotAuthor,
                )?;
                let transaction = c.transaction()?;
                for message in &doomed {
                    messages::delete(&transaction, &chat, message)?;
                }
                chats::refresh_last_message(&transaction, &chat)?;
                transaction.commit()?;
                Ok((chat, msgids))
            }
        })
        .await?;
    let event = ServerEvent::DeletedMessage(DeletedMessages {
        chatid: chat.id.clone(),
        msgids,
    });
    crate::changes::publish(
        &ctx.state,
        Audience::users(&chat.members()),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(GenericSuccessBody::new("Messages deleted"))
}

async fn pinned_messages(ctx: Ctx, query: ChatQuery, _: ()) -> ApiResult<Vec<PinnedMessage>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let chat = chats::member_chat(c, &query.chatid, &caller)?;
            messages::pinned(c, &chat)?
                .into_iter()
                .filter_map(|stored| {
                    let pinned_by = stored.pinned_by.clone()?;
                    let pinned_at = stored.pinned_at?;
                    Some((stored, pinned_by, pinned_at))
                })
                .map(|(stored, pinned_by, pinned_at)| {
                    Ok(PinnedMessage {
                        message: messages::view(c, &state, &chat, stored)?,
                        pinned_by,
                        pinned_at,
                    })
                })
                .collect()
        })
        .await
}

/// Pins or unpins; either member may. Pinning a pinned message (or unpinning an unpinned
/// one) changes nothing and tells nobody.
async fn set_pin(ctx: Ctx, body: PinMessageReq, pinned: bool) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let msgid = body.msgid.clone();
    let (chat, changed) = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::member_chat(c, &body.chatid, &caller)?;
                let stored = messages::find(c, &chat, &body.msgid)?;
                let changed = stored.pinned_by.is_some() != pinned;
                if changed {
                    let pin = pinned.then(|| (caller.as_str(), state.clock.tick()));
                    messages::set_pin(c, &chat, &stored, pin)?;
                }
                Ok((chat, changed))
            }
        })
        .await?;
    if changed {
        let event = ServerEvent::PinnedMessage(PinChange {
            chatid: chat.id.clone(),
            msgid,
            pinned,
        });
        crate::changes::publish(
            &ctx.state,
            Audience::users(&chat.members()),
            &event,
            Some(ctx.origin()?),
        )
        .await;
    }
    Ok(GenericSuccessBody::new(if pinned {
        "Message pinned"
    } else {
        "Message unpinned"
    }))
}

/// The `from` of the page holding a message: see [`GetPositionResp`].
async fn get_position(ctx: Ctx, query: MessagePositionQuery, _: ()) -> ApiResult<GetPositionResp> {
    let caller = ctx.caller()?.userid.clone();
    let newer = ctx
        .state
        .db
        .call(move |c| {
            let chat = chats::member_chat(c, &query.chatid, &caller)?;
            let message = messages::find(c, &chat, &query.msgid)?;
            messages::newer_count(c, &chat, message.seq)
        })
        .await?;
    Ok(GetPositionResp {
        from: messages::page_start(newer),
    })
}
