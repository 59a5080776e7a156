//! Direct messages on the older surface: a page, send (`finishMessage`, with the files of a
//! finished chunked upload), edit, delete and forward, answered as the older message record.
//! Each calls our DM handlers (forwarding: [`crate::forwarding`]).

use axum::Router;
use chatenium_api::schemas::common::{GenericSuccessBody, Timestamp};
use chatenium_api::schemas::dm::{
    Attachment, AttachmentKind, DeleteMessagesReq, EditMessageReq, ForwardMessageReq,
    GetMessagesQuery, Message, SendMessageReq,
};
use chatenium_api::ErrorCode;
use serde::{Deserialize, Serialize};

use super::{route, uploads, Access, Call, Verb};
use crate::error::{ensure, ApiError, ApiResult};
use crate::routes::{dm, forwarding};
use crate::state::AppState;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
        .route(
            "/chat/dm/messages",
            route(Verb::Get, Access::SignedIn, page),
        )
        .route(
            "/chat/dm/finishMessage",
            route(Verb::Post, Access::SignedIn, send),
        )
        .route(
            "/chat/dm/editMessage",
            route(Verb::Patch, Access::SignedIn, edit),
        )
        .route(
            "/chat/dm/deleteMessage",
            route(Verb::Patch, Access::SignedIn, delete),
        )
        .route(
            "/chat/dm/forwardMessage",
            route(Verb::Post, Access::SignedIn, forward),
        )
}

/// The older message record: exactly these fields (that client builds its record from the
/// socket's payload field by field), `""` for an absent reply or forward.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OlderMessage {
    msgid: String,
    author: String,
    message: String,
    #[serde(rename = "sent_at")]
    sent_at: Timestamp,
    is_edited: bool,
    chatid: String,
    seen: bool,
    reply_to: String,
    reply_to_id: String,
    forwarded_from: String,
    forwarded_from_name: String,
    meta_data: Option<String>,
    files: Vec<OlderAttachment>,
}

/// The older attachment: no size, 0 for an unknown pixel size.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OlderAttachment {
    #[serde(rename = "fileID")]
    file_id: String,
    file_name: String,
    format: String,
    #[serde(rename = "type")]
    kind: AttachmentKind,
    path: String,
    height: u32,
    width: u32,
    has_thumbnail: bool,
}

impl From<Attachment> for OlderAttachment {
    fn from(file: Attachment) -> Self {
        OlderAttachment {
            file_id: file.file_id,
            file_name: file.file_name,
            format: file.format,
            kind: file.kind,
            path: file.path,
            height: file.height.unwrap_or(0),
            width: file.width.unwrap_or(0),
            has_thumbnail: file.has_thumbnail,
        }
    }
}

impl From<Message> for OlderMessage {
    fn from(message: Message) -> Self {
        OlderMessage {
            msgid: message.msgid,
            author: message.author,
            message: message.message,
            sent_at: message.sent_at,
            is_edited: message.is_edited,
            chatid: message.chatid,
            seen: message.seen,
            reply_to: message.reply_to.unwrap_or_default(),
            reply_to_id: message.reply_to_id.unwrap_or_default(),
            forwarded_from: message.forwarded_from.unwrap_or_default(),
            forwarded_from_name: message.forwarded_from_name.unwrap_or_default(),
            meta_data: message.meta_data,
            files: message
                .files
                .into_iter()
                .map(OlderAttachment::from)
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct PageQuery {
    userid: String,
    chatid: String,
    #[serde(default)]
    from: Option<u32>,
}

async fn page(call: Call, query: PageQuery) -> ApiResult<Vec<OlderMessage>> {
    call.check_userid(&query.userid)?;
    let query = GetMessagesQuery {
        chatid: query.chatid,
        from: query.from,
        limit: None,
        after: None,
    };
    let page = dm::get_messages(call.ctx, query, ()).await?;
    Ok(page.into_iter().map(OlderMessage::from).collect())
}

/// `username`, `pfp` and `replyToMessage` are the client's copies of what the server knows;
/// they are read and not trusted.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendReq {
    userid: String,
    chatid: String,
    message: String,
    /// The id of the message replied to, or `""`.
    #[serde(default)]
    reply_to: String,
    /// A finished chunked upload (`chat/finishUpload`) whose files the message carries, or `""`.
    #[serde(default)]
    upload_id: String,
}

async fn send(call: Call, body: SendReq) -> ApiResult<OlderMessage> {
    call.check_userid(&body.userid)?;
    let files = match body.upload_id.as_str() {
        "" => None,
        upload_id => Some(uploads::finished(&call.ctx, upload_id, &body.chatid).await?),
    };
    let request = SendMessageReq {
        chatid: body.chatid,
        message: body.message,
        reply_to_id: Some(body.reply_to).filter(|id| !id.is_empty()),
        file_ids: files.as_ref().map(|f| f.file_ids()).unwrap_or_default(),
        // The older send has no idempotency key: every call is a new message.
        client_key: format!("older-{}", crate::ids::new_id()),
    };
    let sent = dm::send_message(call.ctx, (), request).await?;
    if let Some(files) = files {
        files.spent().await;
    }
    Ok(sent.into())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EditReq {
    userid: String,
    chatid: String,
    message_id: String,
    message: String,
}

async fn edit(call: Call, body: EditReq) -> ApiResult<GenericSuccessBody> {
    call.check_userid(&body.userid)?;
    let request = EditMessageReq {
        chatid: body.chatid,
        msgid: body.message_id,
        message: body.message,
    };
    dm::edit_message(call.ctx, (), request).await?;
    Ok(super::done("Message edited"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteReq {
    userid: String,
    chatid: String,
    message_id: String,
}

async fn delete(call: Call, body: DeleteReq) -> ApiResult<GenericSuccessBody> {
    call.check_userid(&body.userid)?;
    let request = DeleteMessagesReq {
        chatid: body.chatid,
        msgids: vec![body.message_id],
    };
    dm::delete_messages(call.ctx, (), request).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForwardReq {
    userid: String,
    /// The chat the message is in.
    chatid: String,
    message_id: String,
    /// The chat (or, for a network, the thread) it goes to.
    forward_to: String,
    #[serde(default)]
    forward_type: String,
}

/// Forwards into another direct chat; forwarding into a network's channel is not offered
/// on the older surface (see `docs/compat-surface.md`).
async fn forward(call: Call, body: ForwardReq) -> ApiResult<OlderMessage> {
    call.check_userid(&body.userid)?;
    ensure(
        matches!(body.forward_type.as_str(), "" | "dm"),
        ErrorCode::BadRequest,
    )
    .map_err(|_| ApiError::bad_request("only forwardType \"dm\" is offered"))?;
    let request = ForwardMessageReq {
        chatid: body.chatid,
        from_thread: None,
        msgid: body.message_id,
        forward_to: body.forward_to,
    };
    Ok(forwarding::forward_message(call.ctx, (), request)
        .await?
        .into())
}
