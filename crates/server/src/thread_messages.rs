//! A thread's messages: the SQL that stores, reads, edits, deletes and pins them. They follow
//! the direct messages' rules, which [`crate::messages`] holds and this module reuses (text,
//! files, client keys, page sizes and positions, attachments shown): `seq` numbers a thread's
//! messages 1, 2, ... (deletions leave gaps) and a page counts from the newest.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::thread::{Thread, ThreadMessage, ThreadMessageAttachment};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, Params};

use crate::error::ApiResult;
use crate::messages::{self, NewMessage, REPLY_SNIPPET_CHARS};
use crate::state::AppState;

/// A thread message as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub cascade_id: String,
    pub thread_id: String,
    pub seq: i64,
    pub author: String,
    pub body: String,
    pub sent: Timestamp,
    pub edited: bool,
    pub reply_to_id: Option<String>,
    /// The replied-to message's text, while that message exists.
    pub reply_body: Option<String>,
    pub client_key: Option<String>,
    pub pinned_by: Option<String>,
    pub pinned_at: Option<Timestamp>,
}

const SELECT: &str =
    "SELECT m.id, m.cascade_id, m.thread_id, m.seq, m.author, m.body, m.sent_t, m.sent_i, \
     m.edited, m.reply_to_id, r.body, m.client_key, m.pinned_by, m.pinned_t, m.pinned_i \
     FROM thread_messages m \
     LEFT JOIN thread_messages r ON r.id = m.reply_to_id AND r.thread_id = m.thread_id";

fn stored_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let pinned_t: Option<i64> = row.get(13)?;
    let pinned_i: Option<u32> = row.get(14)?;
    Ok(Stored {
        id: row.get(0)?,
        cascade_id: row.get(1)?,
        thread_id: row.get(2)?,
        seq: row.get(3)?,
        author: row.get(4)?,
        body: row.get(5)?,
        sent: Timestamp::new(row.get(6)?, row.get(7)?),
        edited: row.get(8)?,
        reply_to_id: row.get(9)?,
        reply_body: row.get(10)?,
        client_key: row.get(11)?,
        pinned_by: row.get(12)?,
        pinned_at: pinned_t.zip(pinned_i).map(|(t, i)| Timestamp::new(t, i)),
    })
}

fn select(connection: &Connection, tail: &str, params: impl Params) -> ApiResult<Vec<Stored>> {
    let mut statement = connection.prepare_cached(&format!("{SELECT} {tail}"))?;
    let rows = statement
        .query_map(params, stored_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A message of `thread`; one of another thread is `notFound` like one that does not exist.
pub fn find(connection: &Connection, thread: &Thread, msgid: &str) -> ApiResult<Stored> {
    select(
        connection,
        "WHERE m.thread_id = ?1 AND m.id = ?2",
        params![thread.thread_id, msgid],
    )?
    .pop()
    .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The thread message `author` sent with this idempotency key, in whichever thread.
pub fn by_client_key(
    connection: &Connection,
    author: &str,
    client_key: &str,
) -> ApiResult<Option<Stored>> {
    Ok(select(
        connection,
        "WHERE m.author = ?1 AND m.client_key = ?2",
        params![author, client_key],
    )?
    .pop())
}

/// `limit` messages starting `from` the newest (0 is the newest), returned oldest first.
pub fn page(
    connection: &Connection,
    thread: &Thread,
    from: u32,
    limit: u32,
) -> ApiResult<Vec<Stored>> {
    let mut rows = select(
        connection,
        "WHERE m.thread_id = ?1 ORDER BY m.seq DESC LIMIT ?2 OFFSET ?3",
        params![thread.thread_id, limit, from],
    )?;
    rows.reverse();
    Ok(rows)
}

/// At most `limit` messages sent after message `seq`, oldest first.
pub fn after(
    connection: &Connection,
    thread: &Thread,
    seq: i64,
    limit: u32,
) -> ApiResult<Vec<Stored>> {
    select(
        connection,
        "WHERE m.thread_id = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3",
        params![thread.thread_id, seq, limit],
    )
}

/// How many messages of the thread are newer than message `seq`.
pub fn newer_count(connection: &Connection, thread: &Thread, seq: i64) -> ApiResult<u32> {
    Ok(connection.query_row(
        "SELECT COUNT(*) FROM thread_messages WHERE thread_id = ?1 AND seq > ?2",
        params![thread.thread_id, seq],
        |row| row.get(0),
    )?)
}

/// The thread's pinned messages, the most recently pinned first.
pub fn pinned(connection: &Connection, thread: &Thread) -> ApiResult<Vec<Stored>> {
    select(
        connection,
        "WHERE m.thread_id = ?1 AND m.pinned_by IS NOT NULL \
         ORDER BY m.pinned_t DESC, m.pinned_i DESC",
        [&thread.thread_id],
    )
}

/// Stores a message as the thread's newest with its attachments in order; answers its id.
pub fn insert(connection: &Connection, thread: &Thread, new: &NewMessage<'_>) -> ApiResult<String> {
    let id = crate::ids::new_id();
    let seq: i64 = connection.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM thread_messages WHERE thread_id = ?1",
        [&thread.thread_id],
        |row| row.get(0),
    )?;
    connection.execute(
        "INSERT INTO thread_messages (id, cascade_id, thread_id, seq, author, body, sent_t, \
         sent_i, reply_to_id, client_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            thread.cascade_id,
            thread.thread_id,
            seq,
            new.author,
            new.body,
            new.sent.t,
            new.sent.i,
            new.reply_to_id,
            new.client_key
        ],
    )?;
    for (position, file_id) in new.file_ids.iter().enumerate() {
        connection.execute(
            "INSERT INTO thread_message_files (message_id, file_id, position) VALUES (?1, ?2, ?3)",
            params![id, file_id, position as i64],
        )?;
    }
    Ok(id)
}

pub fn edit(connection: &Connection, message: &Stored, body: &str) -> ApiResult<()> {
    connection.execute(
        "UPDATE thread_messages SET body = ?2, edited = 1 WHERE id = ?1",
        params![message.id, body],
    )?;
    Ok(())
}

pub fn delete(connection: &Connection, message: &Stored) -> ApiResult<()> {
    connection.execute("DELETE FROM thread_messages WHERE id = ?1", [&message.id])?;
    Ok(())
}

/// Pins the message as `by` did at `at`, or unpins it (`None`).
pub fn set_pin(
    connection: &Connection,
    message: &Stored,
    pin: Option<(&str, Timestamp)>,
) -> ApiResult<()> {
    let (by, t, i) = match pin {
        Some((by, at)) => (Some(by), Some(at.t), Some(at.i)),
        None => (None, None, None),
    };
    connection.execute(
        "UPDATE thread_messages SET pinned_by = ?2, pinned_t = ?3, pinned_i = ?4 WHERE id = ?1",
        params![message.id, by, t, i],
    )?;
    Ok(())
}

fn file_ids(connection: &Connection, message: &Stored) -> ApiResult<Vec<String>> {
    let ids = connection
        .prepare_cached(
            "SELECT file_id FROM thread_message_files WHERE message_id = ?1 ORDER BY position",
        )?
        .query_map([&message.id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Whether the message has attachments (an edit may then blank its text).
pub fn has_files(connection: &Connection, message: &Stored) -> ApiResult<bool> {
    Ok(!file_ids(connection, message)?.is_empty())
}

/// The stored message as the contract shows it, with fresh download URLs for its files.
pub fn view(
    connection: &Connection,
    state: &AppState,
    message: Stored,
) -> ApiResult<ThreadMessage> {
    let files = messages::shown_files(connection, state, file_ids(connection, &message)?)?
        .into_iter()
        .map(|attachment| ThreadMessageAttachment { attachment })
        .collect();
    Ok(ThreadMessage {
        msgid: message.id,
        cascade_id: message.cascade_id,
        thread_id: message.thread_id,
        author: message.author,
        message: message.body,
        sent_at: message.sent,
        is_edited: message.edited,
        pinned: message.pinned_by.is_some(),
        reply_to_id: message.reply_to_id,
        reply_to: message
            .reply_body
            .map(|body| body.chars().take(REPLY_SNIPPET_CHARS).collect()),
        files,
        client_key: message.client_key,
    })
}

pub fn views(
    connection: &Connection,
    state: &AppState,
    messages: Vec<Stored>,
) -> ApiResult<Vec<ThreadMessage>> {
    messages
        .into_iter()
        .map(|message| view(connection, state, message))
        .collect()
}
