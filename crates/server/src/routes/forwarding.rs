//! Forwarding a direct message (an extension of the index: `chatenium_api::extensions`). The
//! work is in [`crate::forwarding`]; both members of the target chat hear `newMessage`, except
//! the connection that forwarded.

use axum::Router;
use chatenium_api::schemas::dm::{ForwardMessageReq, Message};
use chatenium_api::ws::ServerEvent;
use chatenium_api::DmForwardMessage;

use crate::error::ApiResult;
use crate::forwarding;
use crate::http::{add, Ctx};
use crate::hub::Audience;
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    add::<DmForwardMessage, _, _>(router, forward_message)
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
            forwarding::to_chat(
                c,
                &state,
                &caller,
                &body.chatid,
                &body.msgid,
                &body.forward_to,
            )
        })
        .await?;
    ctx.state.hub.fan_out(
        Audience::users(&forwarded.chat.members()),
        &ServerEvent::NewMessage(forwarded.message.clone()),
        Some(ctx.origin()?),
    );
    Ok(forwarded.message)
}
