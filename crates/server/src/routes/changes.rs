//! The change feed (an extension, `chatenium_api::extensions::GetChanges`): what the caller
//! may see that changed after a position (see [`crate::changes`]).

use axum::Router;
use chatenium_api::ws::{ChangesPage, ChangesQuery};
use chatenium_api::GetChanges;

use crate::changes;
use chatenium_api::ErrorCode;

use crate::error::{ensure, ApiResult};
use crate::http::{add, Ctx};
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    add::<GetChanges, _, _>(router, get_changes)
}

async fn get_changes(ctx: Ctx, query: ChangesQuery, _: ()) -> ApiResult<ChangesPage> {
    ensure(ctx.state.config.change_feed.offered, ErrorCode::NotFound)?;
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| changes::since(c, &state, &caller, &query))
        .await
}
