//! Being written (server part II).

use axum::Router;

use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
}
