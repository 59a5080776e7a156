//! Call (rows 30 and 31): access to a chat's call and ringing the partner. The rules and
//! events are in [`crate::calls`].

use axum::Router;
use chatenium_api::{GetCallAccess, InvitePartner};

use crate::calls;
use crate::http::add;
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<GetCallAccess, _, _>(router, |ctx, query, _| async move {
        calls::access(&ctx.state, ctx.origin()?, query).await
    });
    add::<InvitePartner, _, _>(router, |ctx, _, body| async move {
        calls::invite(&ctx.state, ctx.origin()?, body).await
    })
}
