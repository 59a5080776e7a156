//! File transfer (rows 48 to 53): signaling for peer-to-peer transfers. The rules and events
//! are in [`crate::transfers`].

use axum::Router;
use chatenium_api::{
    AcceptTransfer, DeclineTransfer, SendTransferAnswer, SendTransferCandidate, SendTransferOffer,
    StartTransfer,
};

use crate::http::add;
use crate::state::AppState;
use crate::transfers;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<StartTransfer, _, _>(router, |ctx, _, body| async move {
        transfers::start(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<AcceptTransfer, _, _>(router, |ctx, _, body| async move {
        transfers::accept(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<DeclineTransfer, _, _>(router, |ctx, _, body| async move {
        transfers::decline(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<SendTransferOffer, _, _>(router, |ctx, _, body| async move {
        transfers::offer(&ctx.state, ctx.origin()?, body).await
    });
    let router = add::<SendTransferAnswer, _, _>(router, |ctx, _, body| async move {
        transfers::answer(&ctx.state, ctx.origin()?, body).await
    });
    add::<SendTransferCandidate, _, _>(router, |ctx, _, body| async move {
        transfers::candidate(&ctx.state, ctx.origin()?, body).await
    })
}
