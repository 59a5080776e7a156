//! Being written in this change.

use axum::Router;

use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
}
