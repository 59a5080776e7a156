//! Direct chats: who may see a chat, creating and deleting one, and a chat as a contact in the
//! list of one of its two members. A contact *is* a chat (`chatid` names it), so the contacts
//! group and the direct messaging group both work through here.
//!
//! Every function takes the connection of one [`crate::db::Db::call`], so a route's reads and
//! writes happen under one lock.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::contacts::{Contact, LatestMessage};
use chatenium_api::schemas::dm::{Attachment, Message};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{ensure, ApiResult};
use crate::messages::{self, Conversation, Log, Stored};
use crate::state::AppState;
use crate::users::public_user;

/// A direct chat between two users, `user_a < user_b`.
#[derive(Debug, Clone)]
pub struct Chat {
    pub id: String,
    pub user_a: String,
    pub user_b: String,
    /// Who added the contact; the other member accepts by sending a message.
    pub requested_by: String,
    pub accepted: bool,
    pub created: Timestamp,
}

impl Chat {
    /// Both members: the audience of every change to the chat.
    pub fn members(&self) -> [String; 2] {
        [self.user_a.clone(), self.user_b.clone()]
    }

    pub fn partner_of(&self, userid: &str) -> &str {
        if self.user_a == userid {
            &self.user_b
        } else {
            &self.user_a
        }
    }
}

/// A chat's messages are in `messages`, and each one is seen once the member who did not write it
/// has read up to it.
impl Conversation for Chat {
    const LOG: Log = Log {
        messages: "messages",
        files: "message_files",
        conversation: "chat_id",
        parent: None,
        seen: "EXISTS (SELECT 1 FROM chat_members s \
               WHERE s.chat_id = m.chat_id AND s.user_id <> m.author AND s.last_read_seq >= m.seq)",
    };
    type View = Message;

    fn id(&self) -> &str {
        &self.id
    }

    fn view(&self, message: Stored, files: Vec<Attachment>) -> Message {
        Message {
            reply_to: message.reply_snippet(),
            msgid: message.id,
            chatid: message.conversation_id,
            author: message.author,
            message: message.body,
            sent_at: message.sent,
            is_edited: message.edited,
            seen: message.seen,
            pinned: message.pinned_by.is_some(),
            reply_to_id: message.reply_to_id,
            files,
            client_key: message.client_key,
            forwarded_from: message.forwarded_from,
            forwarded_from_name: message.forwarded_from_name,
            meta_data: None,
        }
    }
}

const CHAT_COLUMNS: &str = "id, user_a, user_b, requested_by, accepted, created_at, created_i";

fn chat_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Chat> {
    Ok(Chat {
        id: row.get(0)?,
        user_a: row.get(1)?,
        user_b: row.get(2)?,
        requested_by: row.get(3)?,
        accepted: row.get(4)?,
        created: Timestamp::new(row.get(5)?, row.get(6)?),
    })
}

/// The chat if `userid` is one of its members. Anyone else gets `notFound`, the same answer as
/// for a chat that does not exist, so a stranger learns nothing about it.
pub fn member_chat(connection: &Connection, chatid: &str, userid: &str) -> ApiResult<Chat> {
    connection
        .prepare_cached(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats WHERE id = ?1 AND (user_a = ?2 OR user_b = ?2)"
        ))?
        .query_row(params![chatid, userid], chat_from_row)
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// Every chat `userid` is a member of.
fn chats_of(connection: &Connection, userid: &str) -> ApiResult<Vec<Chat>> {
    let mut statement = connection.prepare(&format!(
        "SELECT {CHAT_COLUMNS} FROM chats WHERE user_a = ?1 OR user_b = ?1"
    ))?;
    let chats = statement
        .query_map([userid], chat_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(chats)
}

/// Starts a chat that `caller` requested with `partner`, with the real service's codes for
/// oneself, an unknown user and an existing chat.
pub fn create(
    connection: &mut Connection,
    state: &AppState,
    caller: &str,
    partner: &str,
) -> ApiResult<Chat> {
    ensure(caller != partner, ErrorCode::NoStartChatWithSelf)?;
    let known: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
        [partner],
        |row| row.get(0),
    )?;
    ensure(known, ErrorCode::AddUserUnk)?;
    let (user_a, user_b) = if caller < partner {
        (caller, partner)
    } else {
        (partner, caller)
    };
    let exists: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM chats WHERE user_a = ?1 AND user_b = ?2)",
        [user_a, user_b],
        |row| row.get(0),
    )?;
    ensure(!exists, ErrorCode::ChatAlreadyExists)?;
    let chat = Chat {
        id: crate::ids::new_id(),
        user_a: user_a.to_owned(),
        user_b: user_b.to_owned(),
        requested_by: caller.to_owned(),
        accepted: false,
        // The message clock, so that the contact list can order this chat against messages.
        created: state.clock.tick(),
    };
    let transaction = connection.transaction()?;
    transaction.execute(
        "INSERT INTO chats (id, user_a, user_b, requested_by, accepted, created_at, created_i) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
        params![chat.id, chat.user_a, chat.user_b, chat.requested_by, chat.created.t, chat.created.i],
    )?;
    for member in chat.members() {
        transaction.execute(
            "INSERT INTO chat_members (chat_id, user_id) VALUES (?1, ?2)",
            params![chat.id, member],
        )?;
    }
    transaction.commit()?;
    Ok(chat)
}

/// Deletes the chat for both members; its members' rows, messages and their attachment links
/// go with it (`ON DELETE CASCADE`). The uploaded files themselves stay their owners'.
pub fn delete(connection: &Connection, chat: &Chat) -> ApiResult<()> {
    connection.execute("DELETE FROM chats WHERE id = ?1", [&chat.id])?;
    Ok(())
}

pub fn set_muted(connection: &Connection, chat: &Chat, userid: &str, muted: bool) -> ApiResult<()> {
    connection.execute(
        "UPDATE chat_members SET muted = ?3 WHERE chat_id = ?1 AND user_id = ?2",
        params![chat.id, userid, muted],
    )?;
    Ok(())
}

/// Records that `userid` has read the chat up to message `seq`; never moves backwards.
/// Moves the member's read mark to `seq`; answers whether it moved.
pub fn mark_read(connection: &Connection, chat: &Chat, userid: &str, seq: i64) -> ApiResult<bool> {
    let moved = connection.execute(
        "UPDATE chat_members SET last_read_seq = ?3 WHERE chat_id = ?1 AND user_id = ?2 AND last_read_seq < ?3",
        params![chat.id, userid, seq],
    )?;
    Ok(moved > 0)
}

/// Accepts the contact request: called when the member who did not request it sends.
pub fn accept(connection: &Connection, chat: &Chat) -> ApiResult<()> {
    connection.execute("UPDATE chats SET accepted = 1 WHERE id = ?1", [&chat.id])?;
    Ok(())
}

/// Keeps `last_message_at` (unix seconds of the newest message, `NULL` when there is none)
/// true after a send or a deletion. The newest message is found through the `(chat_id, seq)`
/// index (sent times are ticked under the lock, so they order as `seq` does): `MAX(sent_t)`
/// scanned the whole chat, making every send slower the longer the chat's history.
pub fn refresh_last_message(connection: &Connection, chat: &Chat) -> ApiResult<()> {
    connection
        .prepare_cached(
            "UPDATE chats SET last_message_at = \
             (SELECT sent_t FROM messages WHERE chat_id = ?1 ORDER BY seq DESC LIMIT 1) WHERE id = ?1",
        )?
        .execute([&chat.id])?;
    Ok(())
}

/// The chat as a contact in `viewer`'s list.
pub fn contact(
    connection: &Connection,
    state: &AppState,
    chat: &Chat,
    viewer: &str,
) -> ApiResult<Contact> {
    contact_and_activity(connection, state, chat, viewer).map(|(contact, _)| contact)
}

/// The contact, and when the chat last saw activity: its newest message, or its creation.
fn contact_and_activity(
    connection: &Connection,
    state: &AppState,
    chat: &Chat,
    viewer: &str,
) -> ApiResult<(Contact, Timestamp)> {
    let url_ttl = state.config.signed_url_ttl_secs as i64;
    let partner = chat.partner_of(viewer);
    let user = public_user(connection, &state.storage, url_ttl, partner)?;
    let (muted, last_read): (bool, i64) = connection.query_row(
        "SELECT muted, last_read_seq FROM chat_members WHERE chat_id = ?1 AND user_id = ?2",
        params![chat.id, viewer],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let notifications: u32 = connection.query_row(
        "SELECT COUNT(*) FROM messages WHERE chat_id = ?1 AND author = ?2 AND seq > ?3",
        params![chat.id, partner, last_read],
        |row| row.get(0),
    )?;
    let latest = messages::latest(connection, chat)?;
    let activity = latest.as_ref().map_or(chat.created, |m| m.sent);
    let contact = Contact {
        chatid: chat.id.clone(),
        user,
        muted,
        notifications,
        accepted: chat.accepted,
        latest_message: latest.map(|m| LatestMessage {
            is_author: m.author == viewer,
            msgid: m.id,
            message: m.body,
            sent_at: m.sent,
        }),
    };
    Ok((contact, activity))
}

/// `userid`'s contacts, the most recently active first: by the newest message, and a chat
/// without messages by when it was made. Both times come from the server's one clock, so
/// the order is total even within a second.
pub fn contacts_of(
    connection: &Connection,
    state: &AppState,
    userid: &str,
) -> ApiResult<Vec<Contact>> {
    let mut contacts = chats_of(connection, userid)?
        .iter()
        .map(|chat| contact_and_activity(connection, state, chat, userid))
        .collect::<ApiResult<Vec<_>>>()?;
    contacts.sort_by(|(_, a), (_, b)| b.cmp(a));
    Ok(contacts.into_iter().map(|(contact, _)| contact).collect())
}
