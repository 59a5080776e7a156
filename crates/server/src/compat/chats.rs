//! The chat list of the older surface: `chat/get` and `chat/startNew` (by the partner's
//! username), answered as the older flat chat record. Both call our contacts handlers.

use axum::Router;
use chatenium_api::schemas::contacts::{AddContactReq, Contact};
use chatenium_api::ErrorCode;
use serde::{Deserialize, Serialize};

use super::{route, Access, Call, Verb};
use crate::error::ApiResult;
use crate::routes::contacts;
use crate::state::AppState;
use crate::users;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/chat/get", route(Verb::Get, Access::SignedIn, chat_list))
        .route(
            "/chat/startNew",
            route(Verb::Post, Access::SignedIn, start_chat),
        )
}

/// The older chat record: the partner's fields flat beside the chat's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OlderChat {
    /// The partner's.
    userid: String,
    chatid: String,
    username: String,
    display_name: String,
    pfp: String,
    /// Presence; this server keeps none (0).
    status: u8,
    /// Pins are read through our own surface; always `""` here.
    pinned_messages: String,
    #[serde(rename = "type")]
    kind: &'static str,
    muted: bool,
    latest_message: Option<OlderLatest>,
    notifications: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OlderLatest {
    msgid: String,
    message: String,
    is_author: bool,
}

impl From<Contact> for OlderChat {
    fn from(contact: Contact) -> Self {
        OlderChat {
            userid: contact.user.userid,
            chatid: contact.chatid,
            username: contact.user.username,
            display_name: contact.user.display_name,
            pfp: contact.user.pfp.unwrap_or_default(),
            status: 0,
            pinned_messages: String::new(),
            kind: "dm",
            muted: contact.muted,
            latest_message: contact.latest_message.map(|latest| OlderLatest {
                msgid: latest.msgid,
                message: latest.message,
                is_author: latest.is_author,
            }),
            notifications: contact.notifications,
        }
    }
}

#[derive(Deserialize)]
struct ChatListQuery {
    userid: String,
}

async fn chat_list(call: Call, query: ChatListQuery) -> ApiResult<Vec<OlderChat>> {
    call.check_userid(&query.userid)?;
    let contacts = contacts::get_contacts(call.ctx, (), ()).await?;
    Ok(contacts.into_iter().map(OlderChat::from).collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartChatReq {
    userid: String,
    peer_username: String,
}

async fn start_chat(call: Call, body: StartChatReq) -> ApiResult<OlderChat> {
    call.check_userid(&body.userid)?;
    let username = body.peer_username.trim().to_owned();
    let (partner, _) = call
        .ctx
        .state
        .db
        .call(move |c| users::find_by_identity(c, &username))
        .await?
        .ok_or(ErrorCode::UserNotFound)?;
    let request = AddContactReq { userid: partner };
    Ok(contacts::create_contact(call.ctx, (), request)
        .await?
        .into())
}
