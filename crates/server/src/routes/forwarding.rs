//! Forwarding a message into a chat or a thread (extensions of the index:
//! `chatenium_api::extensions`). The work is in [`crate::forwarding`]; the target's audience
//! hears of the new message as of a send (both members of a chat; the members of a thread's
//! cascade that follow it), except the connection that forwarded.

use axum::Router;
use chatenium_api::schemas::dm::{ForwardMessageReq, Message};
use chatenium_api::schemas::thread::{TMForwardMessageReq, ThreadMessage};
use chatenium_api::ws::ServerEvent;
use chatenium_api::{DmForwardMessage, TmForwardMessage};

use crate::cascades;
use crate::error::ApiResult;
use crate::forwarding::{self, Source};
use crate::http::{add, Ctx};
use crate::hub::Audience;
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<DmForwardMessage, _, _>(router, forward_message);
    add::<TmForwardMessage, _, _>(router, forward_to_thread)
}

pub(crate) async fn forward_message(
    ctx: Ctx,
    _: (),
    body: ForwardMessageReq,
) -> ApiResult<Message> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let forwarded = ctx
        .state
        .db
        .call(move |c| {
            let source = Source {
                chatid: &body.chatid,
                from_thread: body.from_thread.as_ref(),
                msgid: &body.msgid,
            };
            forwarding::to_chat(c, &state, &caller, &source, &body.forward_to)
        })
        .await?;
    crate::changes::publish(
        &ctx.state,
        Audience::users(&forwarded.target.members()),
        &ServerEvent::NewMessage(forwarded.message.clone()),
        Some(ctx.origin()?),
    )
    .await;
    Ok(forwarded.message)
}

async fn forward_to_thread(ctx: Ctx, _: (), body: TMForwardMessageReq) -> ApiResult<ThreadMessage> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let (forwarded, members) = ctx
        .state
        .db
        .call(move |c| {
            let source = Source {
                chatid: &body.chatid,
                from_thread: body.from_thread.as_ref(),
                msgid: &body.msgid,
            };
            let forwarded = forwarding::to_thread(
                c,
                &state,
                &caller,
                &source,
                &body.cascade_id,
                &body.thread_id,
            )?;
            let members = cascades::member_ids(c, &forwarded.target.cascade_id)?;
            Ok((forwarded, members))
        })
        .await?;
    crate::changes::publish(
        &ctx.state,
        Audience::following(&members, &forwarded.target.cascade_id),
        &ServerEvent::NewThreadMessage(forwarded.message.clone()),
        Some(ctx.origin()?),
    )
    .await;
    Ok(forwarded.message)
}
