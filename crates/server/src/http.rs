//! Binds the contract's endpoints to handlers. [`add`] takes an endpoint type and a handler
//! `async fn(Ctx, E::Query, E::Body) -> ApiResult<E::Response>` and does everything the
//! contract says about the request: the method and path from the table, the access token,
//! `X-WS-ID`, the body's `Content-Type` ([`require_json`]), decoding the query and body (a bad
//! one is `badRequest`, never a panic) and encoding the answer or the `{error}` body.

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
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    caller: Option<Caller>,
    /// The live connection that made the request (`X-WS-ID`), not to be told of its change.
    pub ws_id: Option<String>,
    pub client_ip: IpAddr,
}

impl Ctx {
    /// A context for the compatibility surface (`docs/compat-surface.md`), which decodes
    /// requests its own way and then calls the same handlers.
    pub(crate) fn new(
        state: AppState,
        caller: Option<Caller>,
        ws_id: Option<String>,
        client_ip: IpAddr,
    ) -> Self {
        Self {
            state,
            caller,
            ws_id,
            client_ip,
        }
    }

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
                if meta.body == Payload::Json {
                    require_json(&headers)?;
                }
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
                let client_ip = client_address(peer.ip(), &headers, &state.config.trusted_proxies);
                let ctx = Ctx {
                    state,
                    caller,
                    ws_id,
                    client_ip,
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

/// The contract's JSON bodies must say `Content-Type: application/json` (parameters such as
/// `charset` allowed). A cross-site page can send `text/plain`, a form or no type without the
/// browser asking first; it cannot send this, so no such page can make these requests. The
/// rule is this surface's: a layer for the real service's older surface, whose own clients send
/// `text/plain`, binds its routes without it (see `docs/service-conventions.md`).
fn require_json(headers: &HeaderMap) -> ApiResult<()> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"));
    crate::error::ensure(is_json, ErrorCode::UnsupportedMediaType)
}

/// The client's address: the connection's, or, when a trusted reverse proxy made the
/// connection, the last `X-Forwarded-For` entry no trusted proxy added (entries further left
/// are whatever the client claimed).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|address| !trusted_proxies.contains(address))
        .unwrap_or(peer)
}

pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ErrorCode::Unauthorized)?;
    // The check reads on a reader; only a session not yet marked active this second takes a
    // turn on the writer.
    let now = crate::clock::unix_now();
    let access = state
        .db
        .read(move |connection| sessions::look_up_access(connection, &token, now))
        .await?;
    if access.stale {
        let session_id = access.caller.session_id.clone();
        state
            .db
            .call(move |connection| sessions::touch(connection, &session_id, now))
            .await?;
    }
    Ok(access.caller)
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

/// The answer to a path that has endpoints, but none for this method.
pub async fn method_not_allowed() -> Response {
    ApiError::from(ErrorCode::MethodNotAllowed).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxy: IpAddr = [127, 0, 0, 1].into();
        let client: IpAddr = [203, 0, 113, 7].into();
        let claimed = forwarded("198.51.100.1, 203.0.113.7");
        assert_eq!(client_address(proxy, &claimed, &[proxy]), client);
        assert_eq!(client_address(proxy, &claimed, &[]), proxy);
        assert_eq!(
            client_address(client, &forwarded("10.0.0.1"), &[proxy]),
            client
        );
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
