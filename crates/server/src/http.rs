//! Binds the contract's endpoints to handlers. [`add`] takes an endpoint type and a handler
//! `async fn(Ctx, E::Query, E::Body) -> ApiResult<E::Response>` and does everything the
//! contract says about the request: the method and path from the table, the access token,
//! `X-WS-ID`, decoding the query and body (a bad one is `badRequest`, never a panic) and
//! encoding the answer or the `{error}` body.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::{Json, Router};
use chatenium_api::{Auth, Endpoint, ErrorCode, Method, Payload, WS_ID_HEADER};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::hub::Origin;
use crate::sessions::{self, Caller};
use crate::state::AppState;

/// What a handler knows about its request besides the query and body.
pub struct Ctx {
    pub state: AppState,
    caller: Option<Caller>,
    /// The live connection that made the request (`X-WS-ID`), not to be told of its change.
    pub ws_id: Option<String>,
    pub client_ip: IpAddr,
}

impl Ctx {
    /// The signed-in caller. Always there for endpoints whose auth is an access token.
    pub fn caller(&self) -> ApiResult<&Caller> {
        self.caller
            .as_ref()
            .ok_or_else(|| ErrorCode::Unauthorized.into())
    }

    pub fn ws_id(&self) -> Option<&str> {
        self.ws_id.as_deref()
    }

    /// The caller as the author of a change, for [`crate::hub::Hub::fan_out`]: the connection
    /// that made it is not told.
    pub fn origin(&self) -> ApiResult<Origin<'_>> {
        Ok(Origin {
            userid: &self.caller()?.userid,
            connection: self.ws_id(),
        })
    }
}

pub fn method_filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
    }
}

/// Routes endpoint `E` to `handler`.
pub fn add<E, H, Fut>(router: Router<AppState>, handler: H) -> Router<AppState>
where
    E: Endpoint,
    H: Fn(Ctx, E::Query, E::Body) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ApiResult<E::Response>> + Send + 'static,
{
    let meta = E::META;
    let route = move |State(state): State<AppState>,
                      ConnectInfo(peer): ConnectInfo<SocketAddr>,
                      headers: HeaderMap,
                      RawQuery(query): RawQuery,
                      body: Result<Bytes, BytesRejection>| {
        let handler = handler.clone();
        async move {
            let outcome: ApiResult<E::Response> = async {
                let caller = match meta.auth {
                    Auth::AccessToken => Some(authenticate(&state, &headers).await?),
                    _ => None,
                };
                let query = decode_query::<E::Query>(meta.query, query.as_deref())?;
                let body = body.map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => ApiError::from(ErrorCode::PayloadTooLarge),
                    _ => ApiError::bad_request(rejection.body_text()),
                })?;
                let body = decode_body::<E::Body>(meta.body, &body)?;
                let ws_id = headers
                    .get(WS_ID_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let ctx = Ctx {
                    state,
                    caller,
                    ws_id,
                    client_ip: peer.ip(),
                };
                handler(ctx, query, body).await
            }
            .await;
            match outcome {
                Ok(response) => Json(response).into_response(),
                Err(error) => error.into_response(),
            }
        }
    };
    router.route(meta.path, on(method_filter(meta.method), route))
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ErrorCode::Unauthorized)?;
    state
        .db
        .call(move |connection| sessions::authenticate(connection, &token))
        .await
}

fn decode_query<T: DeserializeOwned>(kind: Payload, query: Option<&str>) -> ApiResult<T> {
    match kind {
        Payload::Json => {
            serde_urlencoded::from_str(query.unwrap_or("")).map_err(ApiError::bad_request)
        }
        _ => serde_json::from_str("null").map_err(ApiError::bad_request),
    }
}

fn decode_body<T: DeserializeOwned>(kind: Payload, body: &[u8]) -> ApiResult<T> {
    match kind {
        Payload::Json => serde_json::from_slice(body).map_err(ApiError::bad_request),
        _ => serde_json::from_str("null").map_err(ApiError::bad_request),
    }
}

/// The answer to a path no endpoint has.
pub async fn not_found() -> Response {
    ApiError::from(ErrorCode::NotFound).into_response()
}
