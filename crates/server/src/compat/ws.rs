//! The WebSocket of the older surface: the ticket (`v2/ws/makeToken`), the upgrade at
//! `/v2/ws?access_token=...&userid=...`, joining a chat's room, and the older payloads of the
//! message events. The connection itself is ours ([`crate::routes::ws::serve`]); only what it
//! writes is re-shaped, by [`older_frames`].

use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chatenium_api::ws::{Frame, ServerEvent};
use chatenium_api::ErrorCode;
use serde::{Deserialize, Serialize};

use super::messages::OlderMessage;
use super::{done, route, Access, Call, Verb};
use crate::chats;
use crate::error::{ensure, ApiError, ApiResult};
use crate::sessions;
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
        .route(
            "/v2/ws/makeToken",
            route(Verb::Post, Access::SignedIn, make_token),
        )
        .route("/v2/ws", get(upgrade))
        .route(
            "/v2/chat/dm/joinWebSocketRoom",
            route(Verb::Post, Access::SignedIn, join_room),
        )
}

#[derive(Deserialize)]
struct MakeTokenReq {
    userid: String,
}

#[derive(Serialize)]
struct MakeTokenResp {
    token: String,
}

/// The ticket for the upgrade. Our socket authenticates with the access token itself, so the
/// ticket is the caller's own access token: it grants nothing the caller did not have, and it
/// stops working when the session ends or the token expires.
async fn make_token(call: Call, body: MakeTokenReq) -> ApiResult<MakeTokenResp> {
    call.check_userid(&body.userid)?;
    let token = call.token.ok_or(ErrorCode::Unauthorized)?;
    Ok(MakeTokenResp { token })
}

#[derive(Deserialize)]
struct UpgradeQuery {
    access_token: String,
    #[serde(default)]
    userid: Option<String>,
}

async fn upgrade(
    State(state): State<AppState>,
    query: Result<Query<UpgradeQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Ok(Query(query)) = query else {
        return ApiError::from(ErrorCode::Unauthorized).into_response();
    };
    let token = query.access_token;
    let (caller, expires_at) = match state
        .db
        .call(move |c| sessions::authenticate_until(c, &token))
        .await
    {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    if query.userid.is_some_and(|userid| userid != caller.userid) {
        return ApiError::from(ErrorCode::Forbidden).into_response();
    }
    // Frames as large as the largest JSON body, as on our own surface.
    let max_frame = state.config.max_body_bytes;
    upgrade
        .max_message_size(max_frame)
        .max_frame_size(max_frame)
        .on_upgrade(move |socket| {
            crate::routes::ws::serve(state, caller, expires_at, socket, older_frames)
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JoinRoomReq {
    userid: String,
    conn_id: String,
    chatid: String,
}

/// Joining a chat's room. Our hub already tells every connection of a member about each of
/// their chats, so joining only checks that the caller is a member and the connection theirs.
async fn join_room(
    call: Call,
    body: JoinRoomReq,
) -> ApiResult<chatenium_api::schemas::common::GenericSuccessBody> {
    call.check_userid(&body.userid)?;
    let caller = call.ctx.caller()?.userid.clone();
    ensure(!body.conn_id.is_empty(), ErrorCode::BadRequest)?;
    call.ctx
        .state
        .db
        .call(move |c| chats::member_chat(c, &body.chatid, &caller).map(drop))
        .await?;
    Ok(done("Joined"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OlderEdit {
    message_id: String,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OlderRemoval {
    message_id: String,
}

/// Our frame as the older surface writes it: a new message in the older record, an edit as
/// `{messageId, message}`, a deletion as one `{messageId}` frame per message. Every other
/// frame has the same shape on both surfaces and goes out unchanged.
pub(crate) fn older_frames(text: String) -> Vec<String> {
    let Ok(frame) = Frame::parse(&text) else {
        return vec![text];
    };
    let sender = frame.sender.clone();
    let older = |action: &str, data: &dyn erased::Data| -> Option<String> {
        Some(
            Frame {
                action: action.to_owned(),
                data: data.json()?,
                sender: sender.clone(),
                position: None,
            }
            .to_text(),
        )
    };
    let frames = match ServerEvent::from_frame(&frame) {
        Ok(ServerEvent::NewMessage(message)) => {
            vec![older("newMessage", &OlderMessage::from(message))]
        }
        Ok(ServerEvent::EditedMessage(edit)) => vec![older(
            "editedMessage",
            &OlderEdit {
                message_id: edit.msgid,
                message: edit.message,
            },
        )],
        Ok(ServerEvent::DeletedMessage(deleted)) => deleted
            .msgids
            .into_iter()
            .map(|message_id| older("deletedMessage", &OlderRemoval { message_id }))
            .collect(),
        _ => return vec![text],
    };
    frames.into_iter().flatten().collect()
}

/// Serializing the different payload types through one closure.
mod erased {
    pub trait Data {
        fn json(&self) -> Option<String>;
    }

    impl<T: serde::Serialize> Data for T {
        fn json(&self) -> Option<String> {
            serde_json::to_string(self).ok()
        }
    }
}
