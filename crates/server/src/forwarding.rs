//! Forwarding a direct message into another of the caller's chats: a new message of the
//! caller's, with the original's text and attachments, that names the original's author
//! (`forwardedFrom`, `forwardedFromName`). The caller must be a member of both chats; the
//! attachments travel as the same files (no copy), as they were already shown to the caller.
//!
//! A forward does not accept a pending contact request (only a reply written to the partner
//! does, see the DM send) and is not idempotent: each call forwards once more.

use chatenium_api::schemas::dm::Message;
use rusqlite::Connection;

use crate::chats::{self, Chat};
use crate::error::ApiResult;
use crate::messages::{self, NewMessage};
use crate::state::AppState;
use crate::users;

/// A stored forward: the chat it went to (whose members hear of it) and the new message.
pub struct Forwarded {
    pub chat: Chat,
    pub message: Message,
}

/// Forwards message `msgid` of chat `from_chatid` into chat `to_chatid`, as `caller`.
pub fn to_chat(
    connection: &mut Connection,
    state: &AppState,
    caller: &str,
    from_chatid: &str,
    msgid: &str,
    to_chatid: &str,
) -> ApiResult<Forwarded> {
    let source = chats::member_chat(connection, from_chatid, caller)?;
    let original = messages::find(connection, &source, msgid)?;
    let target = chats::member_chat(connection, to_chatid, caller)?;
    let file_ids = messages::file_ids(connection, &source, &original)?;
    let author = users::public_user(
        connection,
        &state.storage,
        state.config.signed_url_ttl_secs as i64,
        &original.author,
    )?;
    let client_key = format!("forward-{}", crate::ids::new_id());
    let transaction = connection.transaction()?;
    let new = NewMessage {
        author: caller,
        body: &original.body,
        reply_to_id: None,
        file_ids: &file_ids,
        client_key: &client_key,
        sent: state.clock.tick(),
    };
    let new_id = messages::insert(&transaction, &target, &new)?;
    messages::mark_forwarded(
        &transaction,
        &target,
        &new_id,
        &author.userid,
        &author.display_name,
    )?;
    chats::refresh_last_message(&transaction, &target)?;
    let stored = messages::find(&transaction, &target, &new_id)?;
    let message = messages::view(&transaction, state, &target, stored)?;
    transaction.commit()?;
    Ok(Forwarded {
        chat: target,
        message,
    })
}
