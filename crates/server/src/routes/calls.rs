//! Call (rows 30 and 31): access to a chat's call and ringing the partner, rules and events in
//! [`crate::calls`]; answering, declining, hanging up and signaling (rows 98 to 101, an
//! extension of the index) in [`crate::call_signaling`].

use axum::Router;
use chatenium_api::{
    AnswerCall, DeclineCall, GetCallAccess, HangUpCall, InvitePartner, SendCallSignal,
};

use crate::call_signaling;
use crate::calls;
use crate::http::add;
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<GetCallAccess, _, _>(router, |ctx, query, _| async move {
        calls::access(&ctx.state, ctx.origin()?, query).await
    });
    let router = add::<InvitePartner, _, _>(router, |ctx, _, body| async move {
        calls::invite(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<AnswerCall, _, _>(router, |ctx, _, body| async move {
        call_signaling::answer(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<DeclineCall, _, _>(router, |ctx, _, body| async move {
        call_signaling::decline(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<HangUpCall, _, _>(router, |ctx, _, body| async move {
        call_signaling::hang_up(&ctx.state, ctx.origin()?, body).await
    });
    add::<SendCallSignal, _, _>(router, |ctx, _, body| async move {
        call_signaling::signal(&ctx.state, ctx.origin()?, body).await
    })
}
