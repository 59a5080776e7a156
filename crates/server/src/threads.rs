//! A cascade's threads: a tree whose roots have no parent. A thread is looked up within its
//! cascade only, so a thread id named with another cascade is `notFound`. A thread is a
//! [`Conversation`]: its messages are kept by [`crate::messages`], as a direct chat's are.

use chatenium_api::schemas::cascade::CascadeRole;
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::Attachment;
use chatenium_api::schemas::thread::{Thread, ThreadMessage, ThreadMessageAttachment};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::cascades::{self, moderates};
use crate::error::ApiResult;
use crate::messages::{Conversation, Log, Stored};

/// A thread's messages are in `thread_messages`, each with its cascade for discovery's counts;
/// threads keep no read marks, so no message is `seen`.
impl Conversation for Thread {
    const LOG: Log = Log {
        messages: "thread_messages",
        files: "thread_message_files",
        conversation: "thread_id",
        parent: Some("cascade_id"),
        seen: "0",
    };
    type View = ThreadMessage;

    fn id(&self) -> &str {
        &self.thread_id
    }

    fn parent_id(&self) -> Option<&str> {
        Some(&self.cascade_id)
    }

    fn view(&self, message: Stored, files: Vec<Attachment>) -> ThreadMessage {
        ThreadMessage {
            reply_to: message.reply_snippet(),
            msgid: message.id,
            cascade_id: self.cascade_id.clone(),
            thread_id: message.conversation_id,
            author: message.author,
            message: message.body,
            sent_at: message.sent,
            is_edited: message.edited,
            pinned: message.pinned_by.is_some(),
            reply_to_id: message.reply_to_id,
            files: files
                .into_iter()
                .map(|attachment| ThreadMessageAttachment { attachment })
                .collect(),
            client_key: message.client_key,
            forwarded_from: message.forwarded_from,
            forwarded_from_name: message.forwarded_from_name,
        }
    }
}

/// The longest description a thread may have.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

const COLUMNS: &str =
    "id, cascade_id, parent_id, name, description, created_by, created_t, created_i";

fn thread_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Thread> {
    Ok(Thread {
        thread_id: row.get(0)?,
        cascade_id: row.get(1)?,
        parent_id: row.get(2)?,
        name: row.get(3)?,
        description: row.get(4)?,
        created_by: row.get(5)?,
        created_at: Timestamp::new(row.get(6)?, row.get(7)?),
    })
}

/// A thread of the cascade, or `notFound`.
pub fn find(connection: &Connection, cascade_id: &str, thread_id: &str) -> ApiResult<Thread> {
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM threads WHERE cascade_id = ?1 AND id = ?2"),
            [cascade_id, thread_id],
            thread_from,
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The threads directly under `parent` (the root threads for `None`), oldest first.
pub fn children(
    connection: &Connection,
    cascade_id: &str,
    parent: Option<&str>,
) -> ApiResult<Vec<Thread>> {
    const ORDER: &str = "ORDER BY created_t, created_i";
    let threads = match parent {
        Some(parent) => connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM threads WHERE cascade_id = ?1 AND parent_id = ?2 {ORDER}"
            ))?
            .query_map([cascade_id, parent], thread_from)?
            .collect::<Result<_, _>>()?,
        None => connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM threads WHERE cascade_id = ?1 AND parent_id IS NULL {ORDER}"
            ))?
            .query_map([cascade_id], thread_from)?
            .collect::<Result<_, _>>()?,
    };
    Ok(threads)
}

/// The thread's owner and admins, and whoever started it, may change or close it.
pub fn may_manage(role: CascadeRole, thread: &Thread, userid: &str) -> bool {
    moderates(role) || thread.created_by == userid
}

/// Stores a thread, checked already but for its name and description.
pub fn create(connection: &Connection, new: Thread) -> ApiResult<Thread> {
    cascades::check_name(&new.name)?;
    let thread = Thread {
        name: new.name.trim().to_owned(),
        description: cascades::optional_text(new.description.as_deref(), MAX_DESCRIPTION_CHARS)?,
        ..new
    };
    connection.execute(
        &format!("INSERT INTO threads ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            thread.thread_id,
            thread.cascade_id,
            thread.parent_id,
            thread.name,
            thread.description,
            thread.created_by,
            thread.created_at.t,
            thread.created_at.i
        ],
    )?;
    Ok(thread)
}

/// Changes what is given: a name (by the name rules) and a description (blank clears it).
pub fn update(
    connection: &Connection,
    thread: Thread,
    name: Option<&str>,
    description: Option<&str>,
) -> ApiResult<Thread> {
    let name = match name {
        Some(name) => {
            cascades::check_name(name)?;
            name.trim().to_owned()
        }
        None => thread.name,
    };
    let description = match description {
        Some(text) => cascades::optional_text(Some(text), MAX_DESCRIPTION_CHARS)?,
        None => thread.description,
    };
    connection.execute(
        "UPDATE threads SET name = ?2, description = ?3 WHERE id = ?1",
        params![thread.thread_id, name, description],
    )?;
    Ok(Thread {
        name,
        description,
        ..thread
    })
}

/// The thread and all its descendants, found level by level.
const SUBTREE: &str = "WITH RECURSIVE subtree (id, depth) AS ( \
         SELECT id, 0 FROM threads WHERE id = ?1 \
         UNION ALL \
         SELECT t.id, s.depth + 1 FROM threads t JOIN subtree s ON t.parent_id = s.id)";

/// Deletes the thread, its sub-threads at every depth and all their messages, in one statement
/// (see the migration on `parent_id`). Answers the closed ids, the thread's first, then each
/// level below it.
pub fn close(connection: &Connection, thread: &Thread) -> ApiResult<Vec<String>> {
    let mut statement =
        connection.prepare(&format!("{SUBTREE} SELECT id FROM subtree ORDER BY depth"))?;
    let closed = statement
        .query_map([&thread.thread_id], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    connection.execute(
        &format!("{SUBTREE} DELETE FROM threads WHERE id IN (SELECT id FROM subtree)"),
        [&thread.thread_id],
    )?;
    Ok(closed)
}
