//! Forwarding a message into a direct chat or a thread: a new message of the caller's, with the
//! original's text and attachments, that names the original's author (`forwardedFrom`,
//! `forwardedFromName`). The caller must be able to read the original (a member of its chat,
//! or of its thread's cascade) and to write the target (a member of the chat, or of the
//! thread's cascade); anything else is `notFound`, as for reading or sending. The attachments
//! travel as the same files (no copy), as they were already shown to the caller.
//!
//! A forward does not accept a pending contact request (only a reply written to the partner
//! does, see the DM send) and is not idempotent: each call forwards once more.

use chatenium_api::schemas::dm::Message;
use chatenium_api::schemas::thread::{Thread, ThreadMessage, ThreadQuery};
use rusqlite::Connection;

use crate::cascades;
use crate::chats::{self, Chat};
use crate::error::ApiResult;
use crate::messages::{self, Conversation, NewMessage};
use crate::state::AppState;
use crate::threads;
use crate::users;

/// Where the message forwarded is, as a request names it: a thread when `from_thread` is set,
/// else the chat `chatid`.
pub struct Source<'a> {
    pub chatid: &'a str,
    pub from_thread: Option<&'a ThreadQuery>,
    pub msgid: &'a str,
}

/// A stored forward: where it went (whose audience hears of it) and the new message.
pub struct Forwarded<C, V> {
    pub target: C,
    pub message: V,
}

/// What a forward copies of the original.
struct Original {
    body: String,
    file_ids: Vec<String>,
    author: String,
    author_name: String,
}

/// Forwards the message `source` names into chat `to_chatid`, as `caller`.
pub fn to_chat(
    connection: &mut Connection,
    state: &AppState,
    caller: &str,
    source: &Source<'_>,
    to_chatid: &str,
) -> ApiResult<Forwarded<Chat, Message>> {
    let original = original(connection, state, caller, source)?;
    let target = chats::member_chat(connection, to_chatid, caller)?;
    let transaction = connection.transaction()?;
    let new_id = store(&transaction, state, &target, caller, &original)?;
    chats::refresh_last_message(&transaction, &target)?;
    let stored = messages::find(&transaction, &target, &new_id)?;
    let message = messages::view(&transaction, state, &target, stored)?;
    transaction.commit()?;
    Ok(Forwarded { target, message })
}

/// Forwards the message `source` names into thread `thread_id` of cascade `cascade_id`, as
/// `caller`.
pub fn to_thread(
    connection: &mut Connection,
    state: &AppState,
    caller: &str,
    source: &Source<'_>,
    cascade_id: &str,
    thread_id: &str,
) -> ApiResult<Forwarded<Thread, ThreadMessage>> {
    let original = original(connection, state, caller, source)?;
    let target = member_thread(connection, cascade_id, thread_id, caller)?;
    let transaction = connection.transaction()?;
    let new_id = store(&transaction, state, &target, caller, &original)?;
    let stored = messages::find(&transaction, &target, &new_id)?;
    cascades::touch(&transaction, &target.cascade_id, stored.sent)?;
    let message = messages::view(&transaction, state, &target, stored)?;
    transaction.commit()?;
    Ok(Forwarded { target, message })
}

/// A thread of a cascade `userid` belongs to, or `notFound`.
fn member_thread(
    connection: &Connection,
    cascade_id: &str,
    thread_id: &str,
    userid: &str,
) -> ApiResult<Thread> {
    let (row, _) = cascades::membership(connection, cascade_id, userid)?;
    threads::find(connection, &row.id, thread_id)
}

/// The original, if `caller` may read it.
fn original(
    connection: &Connection,
    state: &AppState,
    caller: &str,
    source: &Source<'_>,
) -> ApiResult<Original> {
    let (body, file_ids, author) = match source.from_thread {
        Some(place) => {
            let thread = member_thread(connection, &place.cascade_id, &place.thread_id, caller)?;
            read(connection, &thread, source.msgid)?
        }
        None => {
            let chat = chats::member_chat(connection, source.chatid, caller)?;
            read(connection, &chat, source.msgid)?
        }
    };
    let author = users::public_user(
        connection,
        &state.storage,
        state.config.signed_url_ttl_secs as i64,
        &author,
    )?;
    Ok(Original {
        body,
        file_ids,
        author: author.userid,
        author_name: author.display_name,
    })
}

/// A message's text, files and author.
fn read<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    msgid: &str,
) -> ApiResult<(String, Vec<String>, String)> {
    let message = messages::find(connection, conversation, msgid)?;
    let file_ids = messages::file_ids(connection, conversation, &message)?;
    Ok((message.body, file_ids, message.author))
}

/// Stores the forward as the caller's newest message of `target`, and answers its id.
fn store<C: Conversation>(
    connection: &Connection,
    state: &AppState,
    target: &C,
    caller: &str,
    original: &Original,
) -> ApiResult<String> {
    let client_key = format!("forward-{}", crate::ids::new_id());
    let new = NewMessage {
        author: caller,
        body: &original.body,
        reply_to_id: None,
        file_ids: &original.file_ids,
        client_key: &client_key,
        sent: state.clock.tick(),
    };
    let new_id = messages::insert(connection, target, &new)?;
    messages::mark_forwarded(
        connection,
        target,
        &new_id,
        &original.author,
        &original.author_name,
    )?;
    Ok(new_id)
}
