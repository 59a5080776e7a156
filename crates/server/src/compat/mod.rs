//! The older surface of the service that Chatenium's own Linux client library (UniEnd,
//! `chatenium-uniend` on PyPI) speaks: unprefixed and `v2/` paths, flat sign-in and chat
//! records, `""` where that client expects strings, bodies sent as JSON text whatever their
//! `Content-Type`, the WebSocket ticket and `/v2/ws` with the older event payloads, and the
//! chunked base64 upload. `docs/compat-surface.md` lists every route and what it maps to.
//!
//! Nothing here is a second implementation: each route decodes the older request, calls the
//! same handler as our own surface (`crate::routes`), and re-shapes the answer. The older
//! types live here, not in the contract (`chatenium-api`).

mod auth;
mod chats;
mod messages;
mod uploads;
pub(crate) mod ws;

use std::future::Future;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use chatenium_api::{ErrorCode, WS_ID_HEADER};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ensure, ApiError, ApiResult};
use crate::http::{authenticate, Ctx};
use crate::state::AppState;

/// Adds every route of the older surface.
pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = auth::mount(router);
    let router = ws::mount(router);
    let router = chats::mount(router);
    let router = messages::mount(router);
    uploads::mount(router)
}

/// How a route reads its input: GETs from the query, the rest from the body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    Post,
    Patch,
}

/// Whether a route needs the raw access token in `Authorization`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Open,
    SignedIn,
}

/// One request of the older surface: the same context our handlers take, and the raw token.
pub(crate) struct Call {
    pub ctx: Ctx,
    pub token: Option<String>,
}

impl Call {
    /// The older bodies repeat the caller's `userid`; one naming somebody else is refused.
    fn check_userid(&self, userid: &str) -> ApiResult<()> {
        ensure(self.ctx.caller()?.userid == userid, ErrorCode::Forbidden)
    }
}

/// A route of the older surface: decodes `I` (ignoring `Content-Type`: that client sends JSON
/// as `text/plain`), authenticates when asked, and answers `O` as JSON or the `{error}` body.
fn route<I, O, H, Fut>(verb: Verb, access: Access, handler: H) -> MethodRouter<AppState>
where
    I: DeserializeOwned + Send + 'static,
    O: Serialize + 'static,
    H: Fn(Call, I) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ApiResult<O>> + Send + 'static,
{
    let serve = move |State(state): State<AppState>,
                      ConnectInfo(peer): ConnectInfo<SocketAddr>,
                      headers: HeaderMap,
                      RawQuery(query): RawQuery,
                      body: Result<Bytes, BytesRejection>| {
        let handler = handler.clone();
        async move {
            let outcome: ApiResult<O> = async {
                let caller = match access {
                    Access::SignedIn => Some(authenticate(&state, &headers).await?),
                    Access::Open => None,
                };
                let input: I = match verb {
                    Verb::Get => serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
                        .map_err(ApiError::bad_request)?,
                    Verb::Post | Verb::Patch => {
                        let body = body.map_err(|rejection| match rejection.status() {
                            StatusCode::PAYLOAD_TOO_LARGE => {
                                ApiError::from(ErrorCode::PayloadTooLarge)
                            }
                            _ => ApiError::bad_request(rejection.body_text()),
                        })?;
                        serde_json::from_slice(&body).map_err(ApiError::bad_request)?
                    }
                };
                let header_text = |name| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                };
                let token = header_text(header::AUTHORIZATION.as_str());
                let ws_id = header_text(WS_ID_HEADER);
                let ctx = Ctx::new(state, caller, ws_id, peer.ip());
                handler(Call { ctx, token }, input).await
            }
            .await;
            match outcome {
                Ok(answer) => Json(answer).into_response(),
                Err(error) => error.into_response(),
            }
        }
    };
    let filter = match verb {
        Verb::Get => MethodFilter::GET,
        Verb::Post => MethodFilter::POST,
        Verb::Patch => MethodFilter::PATCH,
    };
    on(filter, serve)
}

/// `{"response": "..."}`, what that client reads from a plain success.
fn done(text: &str) -> chatenium_api::schemas::common::GenericSuccessBody {
    chatenium_api::schemas::common::GenericSuccessBody::new(text)
}
