//! The message log of every conversation. A direct chat's messages and a thread's are the same
//! record kept in two pairs of tables; a [`Log`] names a pair, and a [`Conversation`] (a
//! direct chat or a thread) says which log it uses and how the contract shows its
//! messages. Here are the rules a text and its attachments follow, and the SQL that stores,
//! reads, edits, deletes and pins messages. Messages are ordered by `seq` (1, 2, ... per
//! conversation; deletions leave gaps), and a page counts from the newest, as the contract's
//! paging says. [`view`] turns a stored row into the contract's message.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::{Attachment, DEFAULT_PAGE_SIZE, MAX_MESSAGE_CHARS, MAX_PAGE_SIZE};
use chatenium_api::ErrorCode;
use rusqlite::{params, params_from_iter, Connection, Params, ToSql};

use crate::error::{ensure, ApiError, ApiResult};
use crate::files;
use crate::state::AppState;

/// The most attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;
/// How much of the replied-to message a reply shows.
pub const REPLY_SNIPPET_CHARS: usize = 100;
/// The longest idempotency key a client may send.
pub const MAX_CLIENT_KEY_CHARS: usize = 128;

/// The tables one kind of conversation keeps its messages in.
pub struct Log {
    /// One row per message.
    pub messages: &'static str,
    /// Each message's attachments, by `message_id` and `position`.
    pub files: &'static str,
    /// The column of `messages` naming the conversation.
    pub conversation: &'static str,
    /// A column of `messages` that repeats the conversation's parent (a thread's cascade).
    pub parent: Option<&'static str>,
    /// SQL over the message `m`: someone besides its author has read it.
    pub seen: &'static str,
}

/// A conversation with a message log: a direct chat or a thread.
pub trait Conversation {
    /// Where its messages are.
    const LOG: Log;
    /// A message as the contract shows it.
    type View;

    fn id(&self) -> &str;

    /// The value of [`Log::parent`] for this conversation's messages.
    fn parent_id(&self) -> Option<&str> {
        None
    }

    /// The stored message, one of this conversation's, as the contract shows it.
    fn view(&self, message: Stored, files: Vec<Attachment>) -> Self::View;
}

/// A message as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    /// The chat or thread it belongs to.
    pub conversation_id: String,
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
    /// Someone besides the author has read it (direct chats keep read marks; threads do not).
    pub seen: bool,
    /// A forwarded message: the original's author and their display name when forwarded.
    pub forwarded_from: Option<String>,
    pub forwarded_from_name: Option<String>,
}

impl Stored {
    /// What a reply shows of the message it answers.
    pub fn reply_snippet(&self) -> Option<String> {
        self.reply_body
            .as_ref()
            .map(|body| body.chars().take(REPLY_SNIPPET_CHARS).collect())
    }
}

/// Every query reads these columns, so that [`stored_from_row`] reads every row alike; a reply
/// shows its original only from the same conversation.
fn select_sql(log: &Log) -> String {
    let Log {
        messages,
        conversation,
        seen,
        ..
    } = log;
    format!(
        "SELECT m.id, m.{conversation}, m.seq, m.author, m.body, m.sent_t, m.sent_i, m.edited, \
         m.reply_to_id, r.body, m.client_key, m.pinned_by, m.pinned_t, m.pinned_i, {seen}, \
         m.forwarded_from, m.forwarded_from_name \
         FROM {messages} m \
         LEFT JOIN {messages} r ON r.id = m.reply_to_id AND r.{conversation} = m.{conversation}"
    )
}

fn stored_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let pinned_t: Option<i64> = row.get(12)?;
    let pinned_i: Option<u32> = row.get(13)?;
    Ok(Stored {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        seq: row.get(2)?,
        author: row.get(3)?,
        body: row.get(4)?,
        sent: Timestamp::new(row.get(5)?, row.get(6)?),
        edited: row.get(7)?,
        reply_to_id: row.get(8)?,
        reply_body: row.get(9)?,
        client_key: row.get(10)?,
        pinned_by: row.get(11)?,
        pinned_at: pinned_t.zip(pinned_i).map(|(t, i)| Timestamp::new(t, i)),
        seen: row.get(14)?,
        forwarded_from: row.get(15)?,
        forwarded_from_name: row.get(16)?,
    })
}

/// The rows of `log` that `tail` (a `WHERE` over `m`, perhaps ordered and limited) selects.
fn select(
    connection: &Connection,
    log: &Log,
    tail: &str,
    params: impl Params,
) -> ApiResult<Vec<Stored>> {
    let mut statement = connection.prepare_cached(&format!("{} {tail}", select_sql(log)))?;
    let rows = statement
        .query_map(params, stored_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A message of the conversation; one of another is `notFound` like one that does not exist.
pub fn find<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    msgid: &str,
) -> ApiResult<Stored> {
    let tail = format!("WHERE m.{} = ?1 AND m.id = ?2", C::LOG.conversation);
    select(
        connection,
        &C::LOG,
        &tail,
        params![conversation.id(), msgid],
    )?
    .pop()
    .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The message `author` sent with this idempotency key, in whichever conversation of the kind.
pub fn by_client_key<C: Conversation>(
    connection: &Connection,
    author: &str,
    client_key: &str,
) -> ApiResult<Option<Stored>> {
    let tail = "WHERE m.author = ?1 AND m.client_key = ?2";
    Ok(select(connection, &C::LOG, tail, params![author, client_key])?.pop())
}

/// The newest message of the conversation.
pub fn latest<C: Conversation>(
    connection: &Connection,
    conversation: &C,
) -> ApiResult<Option<Stored>> {
    let tail = format!(
        "WHERE m.{} = ?1 ORDER BY m.seq DESC LIMIT 1",
        C::LOG.conversation
    );
    Ok(select(connection, &C::LOG, &tail, [conversation.id()])?.pop())
}

/// `limit` messages starting `from` the newest (0 is the newest), returned oldest first.
pub fn page<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    from: u32,
    limit: u32,
) -> ApiResult<Vec<Stored>> {
    let tail = format!(
        "WHERE m.{} = ?1 ORDER BY m.seq DESC LIMIT ?2 OFFSET ?3",
        C::LOG.conversation
    );
    let mut rows = select(
        connection,
        &C::LOG,
        &tail,
        params![conversation.id(), limit, from],
    )?;
    rows.reverse();
    Ok(rows)
}

/// At most `limit` messages sent after message `seq`, oldest first.
pub fn after<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    seq: i64,
    limit: u32,
) -> ApiResult<Vec<Stored>> {
    let tail = format!(
        "WHERE m.{} = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3",
        C::LOG.conversation
    );
    select(
        connection,
        &C::LOG,
        &tail,
        params![conversation.id(), seq, limit],
    )
}

/// How many messages of the conversation are newer than message `seq`: its number from the
/// newest.
pub fn newer_count<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    seq: i64,
) -> ApiResult<u32> {
    let Log {
        messages,
        conversation: column,
        ..
    } = C::LOG;
    Ok(connection.query_row(
        &format!("SELECT COUNT(*) FROM {messages} WHERE {column} = ?1 AND seq > ?2"),
        params![conversation.id(), seq],
        |row| row.get(0),
    )?)
}

/// The conversation's pinned messages, the most recently pinned first.
pub fn pinned<C: Conversation>(
    connection: &Connection,
    conversation: &C,
) -> ApiResult<Vec<Stored>> {
    let tail = format!(
        "WHERE m.{} = ?1 AND m.pinned_by IS NOT NULL ORDER BY m.pinned_t DESC, m.pinned_i DESC",
        C::LOG.conversation
    );
    select(connection, &C::LOG, &tail, [conversation.id()])
}

/// The page size a query asks for: the default when it names none, [`MAX_PAGE_SIZE`] at most
/// (the largest a server honours); a page of nothing is a bad request.
pub fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(0) => Err(ApiError::bad_request("limit must be at least 1")),
        Some(limit) => Ok(limit.min(MAX_PAGE_SIZE)),
    }
}

/// The `from` of the page holding a message that has `newer` messages after it: `newer`
/// rounded down to a multiple of [`DEFAULT_PAGE_SIZE`] (see `GetPositionResp`).
pub fn page_start(newer: u32) -> u32 {
    newer - newer % DEFAULT_PAGE_SIZE
}

/// The ids in their first order, each once: naming a message twice deletes it once.
pub fn distinct(ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// A message's text: at most [`MAX_MESSAGE_CHARS`] characters, and not blank unless the
/// message carries a file.
pub fn check_text(text: &str, has_files: bool) -> ApiResult<()> {
    ensure(
        text.chars().count() <= MAX_MESSAGE_CHARS,
        ErrorCode::MessageTooLong,
    )?;
    ensure(
        !text.trim().is_empty() || has_files,
        ErrorCode::EmptyMessage,
    )
}

pub fn check_client_key(client_key: &str) -> ApiResult<()> {
    let length = client_key.chars().count();
    if (1..=MAX_CLIENT_KEY_CHARS).contains(&length) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "clientKey must be 1 to 128 characters",
        ))
    }
}

/// Files a message may carry: at most [`MAX_ATTACHMENTS`], each once, each a complete upload
/// of the author's.
pub fn check_files(connection: &Connection, author: &str, file_ids: &[String]) -> ApiResult<()> {
    if file_ids.len() > MAX_ATTACHMENTS {
        return Err(ApiError::bad_request("too many files"));
    }
    for (index, file_id) in file_ids.iter().enumerate() {
        if file_ids[..index].contains(file_id) {
            return Err(ApiError::bad_request("a file is named twice"));
        }
        files::require_complete_upload(connection, author, file_id)?;
    }
    Ok(())
}

/// What a new message is made of, checked already.
pub struct NewMessage<'a> {
    pub author: &'a str,
    pub body: &'a str,
    pub reply_to_id: Option<&'a str>,
    pub file_ids: &'a [String],
    pub client_key: &'a str,
    pub sent: Timestamp,
}

/// Stores a message as the conversation's newest (`seq` one past the largest) with its
/// attachments in order, and answers its id.
pub fn insert<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    new: &NewMessage<'_>,
) -> ApiResult<String> {
    let Log {
        messages,
        files,
        conversation: column,
        parent,
        ..
    } = C::LOG;
    let id = crate::ids::new_id();
    let seq: i64 = connection
        .prepare_cached(&format!(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM {messages} WHERE {column} = ?1"
        ))?
        .query_row([conversation.id()], |row| row.get(0))?;
    let mut columns = vec![
        "id",
        column,
        "seq",
        "author",
        "body",
        "sent_t",
        "sent_i",
        "reply_to_id",
        "client_key",
    ];
    let conversation_id = conversation.id();
    let mut values: Vec<&dyn ToSql> = vec![
        &id,
        &conversation_id,
        &seq,
        &new.author,
        &new.body,
        &new.sent.t,
        &new.sent.i,
        &new.reply_to_id,
        &new.client_key,
    ];
    let parent_id = conversation.parent_id();
    if let Some(parent) = parent {
        columns.push(parent);
        values.push(&parent_id);
    }
    let placeholders: Vec<String> = (1..=values.len()).map(|n| format!("?{n}")).collect();
    connection
        .prepare_cached(&format!(
            "INSERT INTO {messages} ({}) VALUES ({})",
            columns.join(", "),
            placeholders.join(", ")
        ))?
        .execute(params_from_iter(values))?;
    for (position, file_id) in new.file_ids.iter().enumerate() {
        connection.execute(
            &format!("INSERT INTO {files} (message_id, file_id, position) VALUES (?1, ?2, ?3)"),
            params![id, file_id, position as i64],
        )?;
    }
    Ok(id)
}

pub fn edit<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    message: &Stored,
    body: &str,
) -> ApiResult<()> {
    let Log {
        messages,
        conversation: column,
        ..
    } = C::LOG;
    connection.execute(
        &format!("UPDATE {messages} SET body = ?3, edited = 1 WHERE id = ?1 AND {column} = ?2"),
        params![message.id, conversation.id(), body],
    )?;
    Ok(())
}

pub fn delete<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    message: &Stored,
) -> ApiResult<()> {
    let Log {
        messages,
        conversation: column,
        ..
    } = C::LOG;
    connection.execute(
        &format!("DELETE FROM {messages} WHERE id = ?1 AND {column} = ?2"),
        params![message.id, conversation.id()],
    )?;
    Ok(())
}

/// Pins the message as `by` did at `at`, or unpins it (`None`).
pub fn set_pin<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    message: &Stored,
    pin: Option<(&str, Timestamp)>,
) -> ApiResult<()> {
    let (by, t, i) = match pin {
        Some((by, at)) => (Some(by), Some(at.t), Some(at.i)),
        None => (None, None, None),
    };
    let Log {
        messages,
        conversation: column,
        ..
    } = C::LOG;
    connection.execute(
        &format!(
            "UPDATE {messages} SET pinned_by = ?3, pinned_t = ?4, pinned_i = ?5 \
             WHERE id = ?1 AND {column} = ?2"
        ),
        params![message.id, conversation.id(), by, t, i],
    )?;
    Ok(())
}

/// Marks a message just inserted as forwarded from `author` (their userid and display name).
pub fn mark_forwarded<C: Conversation>(
    connection: &Connection,
    conversation: &C,
    msgid: &str,
    author: &str,
    author_name: &str,
) -> ApiResult<()> {
    let Log {
        messages,
        conversation: column,
        ..
    } = C::LOG;
    connection.execute(
        &format!(
            "UPDATE {messages} SET forwarded_from = ?3, forwarded_from_name = ?4 \
             WHERE id = ?1 AND {column} = ?2"
        ),
        params![msgid, conversation.id(), author, author_name],
    )?;
    Ok(())
}

/// The ids of a message's files, in order (those a forward attaches again).
pub fn file_ids<C: Conversation>(
    connection: &Connection,
    _conversation: &C,
    message: &Stored,
) -> ApiResult<Vec<String>> {
    let ids = connection
        .prepare_cached(&format!(
            "SELECT file_id FROM {} WHERE message_id = ?1 ORDER BY position",
            C::LOG.files
        ))?
        .query_map([&message.id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Whether the message has attachments (an edit may then blank its text). The conversation
/// only names the log the message is in.
pub fn has_files<C: Conversation>(
    connection: &Connection,
    _conversation: &C,
    message: &Stored,
) -> ApiResult<bool> {
    Ok(connection.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE message_id = ?1)",
            C::LOG.files
        ),
        [&message.id],
        |row| row.get(0),
    )?)
}

/// The stored message as the contract shows it, with fresh download URLs for its files.
pub fn view<C: Conversation>(
    connection: &Connection,
    state: &AppState,
    conversation: &C,
    message: Stored,
) -> ApiResult<C::View> {
    let files = attachments(connection, state, &C::LOG, &message.id)?;
    Ok(conversation.view(message, files))
}

pub fn views<C: Conversation>(
    connection: &Connection,
    state: &AppState,
    conversation: &C,
    messages: Vec<Stored>,
) -> ApiResult<Vec<C::View>> {
    messages
        .into_iter()
        .map(|message| view(connection, state, conversation, message))
        .collect()
}

/// A message's files as attachments with fresh download URLs, in their order.
fn attachments(
    connection: &Connection,
    state: &AppState,
    log: &Log,
    message_id: &str,
) -> ApiResult<Vec<Attachment>> {
    let file_ids: Vec<String> = connection
        .prepare_cached(&format!(
            "SELECT file_id FROM {} WHERE message_id = ?1 ORDER BY position",
            log.files
        ))?
        .query_map([message_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let url_ttl = state.config.signed_url_ttl_secs as i64;
    let mut shown = Vec::with_capacity(file_ids.len());
    for file_id in file_ids {
        match files::attachment(connection, &state.storage, url_ttl, &file_id) {
            Ok(attachment) => shown.push(attachment),
            // A file that is no longer a complete upload is left out; the rest of the message
            // (and of its page) still shows.
            Err(error) if error.code == ErrorCode::UploadNotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(check_text("hi", false).is_ok());
        assert!(check_text("", true).is_ok());
        assert_eq!(
            check_text("  \n", false).unwrap_err().code,
            ErrorCode::EmptyMessage
        );
        let longest = "é".repeat(MAX_MESSAGE_CHARS);
        assert!(check_text(&longest, false).is_ok());
        assert_eq!(
            check_text(&format!("{longest}x"), false).unwrap_err().code,
            ErrorCode::MessageTooLong
        );
    }

    #[test]
    fn positions_round_down_to_a_page_and_ids_repeat_once() {
        assert_eq!(page_start(0), 0);
        assert_eq!(page_start(DEFAULT_PAGE_SIZE - 1), 0);
        assert_eq!(page_start(DEFAULT_PAGE_SIZE), DEFAULT_PAGE_SIZE);
        assert_eq!(page_start(2 * DEFAULT_PAGE_SIZE + 7), 2 * DEFAULT_PAGE_SIZE);
        let ids = ["b", "a", "b", "c", "a"].map(String::from).to_vec();
        assert_eq!(distinct(ids), ["b", "a", "c"]);
    }

    #[test]
    fn page_limits() {
        assert_eq!(page_limit(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_limit(Some(7)).unwrap(), 7);
        assert_eq!(page_limit(Some(u32::MAX)).unwrap(), MAX_PAGE_SIZE);
        assert_eq!(page_limit(Some(0)).unwrap_err().code, ErrorCode::BadRequest);
    }
}
