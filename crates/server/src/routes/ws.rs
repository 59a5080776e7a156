//! Row 1: the WebSocket upgrade and the life of one connection. The first frame is
//! `connectionId`; then the connection's queue (filled by the hub) is written out, client
//! commands are read, and a ping goes out on every beat. A connection silent for three beats
//! is closed, and so is one whose access token expired (close code
//! [`CLOSE_TOKEN_EXPIRED`]) unless the client sent the session's newer token in a `refresh`
//! command first.

use std::time::Duration;

use tokio::time::Instant;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::CloseFrame;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chatenium_api::ws::{
    ClientCommand, ConnectionId, Frame, ServerEvent, WsQuery, CLOSE_TOKEN_EXPIRED,
};
use chatenium_api::{Endpoint, WsUpgrade};
use futures_util::{SinkExt, StreamExt};

use crate::cascade_members;
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::hub::Outbound;
use crate::sessions::{self, Caller};
use crate::state::AppState;

/// How often the server pings; three silent beats end the connection.
pub const HEARTBEAT: Duration = Duration::from_secs(20);

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router.route(WsUpgrade::META.path, get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    query: Result<Query<WsQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // A plain GET (no upgrade headers) gets the same `{error}` body as every other refusal.
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return ApiError::bad_request(rejection.body_text()).into_response(),
    };
    let token = match query {
        Ok(Query(query)) => query.access_token,
        Err(_) => return ApiError::from(chatenium_api::ErrorCode::Unauthorized).into_response(),
    };
    let (caller, expires_at) = match state
        .db
        .call(move |c| sessions::authenticate_until(c, &token))
        .await
    {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    // A client frame is a command of a few hundred bytes; the largest JSON body is plenty.
    let max_frame = state.config.max_body_bytes;
    upgrade
        .max_message_size(max_frame)
        .max_frame_size(max_frame)
        .on_upgrade(move |socket| serve(state, caller, expires_at, socket, |frame| vec![frame]))
}

/// When a token that expires at unix second `expires_at` stops working, on tokio's clock.
fn deadline(expires_at: i64) -> Instant {
    let left = u64::try_from(expires_at - unix_now()).unwrap_or(0);
    Instant::now() + Duration::from_secs(left)
}

/// What a connection writes for each frame the hub queues: the frame itself on our surface,
/// the older payloads on the compatibility surface (`docs/compat-surface.md`).
pub(crate) type Dialect = fn(String) -> Vec<String>;

/// Serves one connection until it closes, or until its access token (valid until unix second
/// `expires_at`) expires unless the client sends a newer one of the same session.
pub(crate) async fn serve(
    state: AppState,
    caller: Caller,
    expires_at: i64,
    socket: WebSocket,
    dialect: Dialect,
) {
    let (connection_id, mut queue) = state.hub.register(&caller.userid, &caller.session_id);
    let (mut outgoing, mut incoming) = socket.split();
    let hello = ServerEvent::ConnectionId(ConnectionId {
        conn_id: connection_id.clone(),
    });
    let mut open = true;
    for frame in dialect(hello.to_frame(None).to_text()) {
        open = open && outgoing.send(WsMessage::Text(frame.into())).await.is_ok();
    }
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    let mut silent_beats = 0u32;
    let expiry = tokio::time::sleep_until(deadline(expires_at));
    tokio::pin!(expiry);
    while open {
        // Biased: frames queued before a client's `ping` go out before its `pong`, so a
        // client can use a ping as a barrier ("everything sent so far has arrived").
        tokio::select! {
            biased;
            queued = queue.recv() => match queued {
                Some(Outbound::Frame(text)) => {
                    for frame in dialect(text) {
                        open = open && outgoing.send(WsMessage::Text(frame.into())).await.is_ok();
                    }
                }
                // Closed by the hub (logout) or dropped as stalled.
                Some(Outbound::Close) | None => {
                    let _ = outgoing.send(WsMessage::Close(None)).await;
                    open = false;
                }
            },
            received = incoming.next() => match received {
                Some(Ok(message)) => {
                    silent_beats = 0;
                    match message {
                        WsMessage::Text(text) => {
                            match command(&state, &caller, &connection_id, text.as_str()).await {
                                Handled::Reply(reply) => {
                                    open = outgoing.send(WsMessage::Text(reply.into())).await.is_ok();
                                }
                                Handled::Refreshed(expires_at) => expiry.as_mut().reset(deadline(expires_at)),
                                Handled::Done => {}
                            }
                        }
                        WsMessage::Close(_) => open = false,
                        _ => {}
                    }
                }
                Some(Err(_)) | None => open = false,
            },
            () = &mut expiry => {
                let close = CloseFrame {
                    code: CLOSE_TOKEN_EXPIRED,
                    reason: "tokenExpired".into(),
                };
                let _ = outgoing.send(WsMessage::Close(Some(close))).await;
                open = false;
            }
            _ = beat.tick() => {
                silent_beats += 1;
                open = silent_beats < 3 && outgoing.send(WsMessage::Ping(Vec::new().into())).await.is_ok();
            }
        }
    }
    state.hub.unregister(&caller.userid, &connection_id);
}

/// What a client frame asks of the connection.
enum Handled {
    Done,
    Reply(String),
    /// The connection now lives until this unix second.
    Refreshed(i64),
}

/// Handles one client frame; a frame it cannot read is ignored (and logged), never fatal.
async fn command(state: &AppState, caller: &Caller, connection_id: &str, text: &str) -> Handled {
    match Frame::parse(text).and_then(|frame| ClientCommand::from_frame(&frame)) {
        Ok(ClientCommand::Ping) => Handled::Reply(ServerEvent::Pong.to_frame(None).to_text()),
        Ok(ClientCommand::Subscribe(subscription)) => {
            subscribe(state, caller, connection_id, subscription.cascade_ids).await;
            Handled::Done
        }
        Ok(ClientCommand::Refresh(refresh)) => {
            let token = refresh.access_token;
            let found = state
                .db
                .call(move |c| sessions::authenticate_until(c, &token))
                .await;
            match found {
                // Only a token of the same session: another session's token is not this
                // connection's to borrow.
                Ok((owner, expires_at)) if owner == *caller => Handled::Refreshed(expires_at),
                _ => {
                    tracing::debug!("a refresh with a token that is not the session's; ignored");
                    Handled::Done
                }
            }
        }
        Err(error) => {
            tracing::debug!(%error, "ignored a client frame");
            Handled::Done
        }
    }
}

/// Follows the cascades of `requested` the caller belongs to, up to the cap: what a connection
/// keeps is bounded by the user's memberships, not by what a client sends.
async fn subscribe(state: &AppState, caller: &Caller, connection_id: &str, requested: Vec<String>) {
    let added = state
        .hub
        .subscribe(&caller.userid, connection_id, &requested);
    if added.is_empty() {
        return;
    }
    let userid = caller.userid.clone();
    let member_of = state
        .db
        .call(move |c| cascade_members::cascades_of(c, &userid))
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(detail = ?error.detail, "a subscription could not be checked");
            Default::default()
        });
    let cap = state.config.connections.max_subscriptions;
    state
        .hub
        .confirm_subscriptions(&caller.userid, connection_id, &added, &member_of, cap);
}
