//! One module per group of the index; each `mount` adds its endpoints with [`crate::http::add`].

pub mod account;
pub mod auth;
pub mod calls;
pub mod cascades;
pub mod changes;
pub mod contacts;
pub mod dm;
pub mod forwarding;
pub mod identity_changes;
pub mod pictures;
pub mod storage;
pub mod threads;
pub mod transfers;
pub mod uploads;
pub mod ws;

use axum::Router;

use crate::state::AppState;

pub fn mount_all(router: Router<AppState>) -> Router<AppState> {
    let router = ws::mount(router);
    let router = auth::mount(router);
    let router = account::mount(router);
    let router = identity_changes::mount(router);
    let router = contacts::mount(router);
    let router = dm::mount(router);
    let router = forwarding::mount(router);
    let router = uploads::mount(router);
    let router = cascades::mount(router);
    let router = threads::mount(router);
    let router = pictures::mount(router);
    let router = transfers::mount(router);
    let router = calls::mount(router);
    let router = changes::mount(router);
    storage::mount(router)
}
