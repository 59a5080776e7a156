//! [`Store`] on SQLite. Each object is kept as its contract JSON plus the few columns it is
//! looked up and ordered by, so a field added to the contract needs no migration here.

use std::path::Path;
use std::sync::Mutex;

use chatenium_api::schemas::cascade::Cascade;
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::Message;
use chatenium_api::schemas::pictures::Picture;
use chatenium_api::schemas::thread::{Thread, ThreadMessage};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::search::{
    author_token, conversation_token, match_expression, read_snippet, MATCH_END, MATCH_START,
};
use super::{OutgoingMessage, SearchHit, SearchQuery, Store, StoreResult, SyncCursor};
use crate::conversation::ConversationId;
use crate::error::ClientError;

const MIGRATIONS: &[(&str, &str)] = &[
    (
    "001_cache_and_outbox",
    "CREATE TABLE contacts (chatid TEXT PRIMARY KEY, sort_t INTEGER NOT NULL, sort_i INTEGER NOT NULL, json TEXT NOT NULL);
     CREATE TABLE messages (msgid TEXT PRIMARY KEY, chatid TEXT NOT NULL, sent_t INTEGER NOT NULL, sent_i INTEGER NOT NULL, json TEXT NOT NULL);
     CREATE INDEX messages_by_chat ON messages (chatid, sent_t, sent_i);
     CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_key TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
     CREATE TABLE cascades (cascade_id TEXT PRIMARY KEY, position INTEGER NOT NULL, json TEXT NOT NULL);
     CREATE TABLE threads (thread_id TEXT PRIMARY KEY, cascade_id TEXT NOT NULL, parent_id TEXT, position INTEGER NOT NULL, json TEXT NOT NULL);
     CREATE TABLE thread_messages (msgid TEXT PRIMARY KEY, cascade_id TEXT NOT NULL, thread_id TEXT NOT NULL, sent_t INTEGER NOT NULL, sent_i INTEGER NOT NULL, json TEXT NOT NULL);
     CREATE INDEX thread_messages_by_thread ON thread_messages (cascade_id, thread_id, sent_t, sent_i);
     CREATE TABLE pictures (picture_id TEXT PRIMARY KEY, owner TEXT NOT NULL, album_id TEXT, up_t INTEGER NOT NULL, up_i INTEGER NOT NULL, json TEXT NOT NULL);",
    ),
    ("002_pending_uploads", "CREATE TABLE pending_uploads (id TEXT PRIMARY KEY, json TEXT NOT NULL);"),
    ("003_sync_cursors", "CREATE TABLE sync_cursors (chatid TEXT PRIMARY KEY, msgid TEXT);"),
    ("004_message_search", MESSAGE_SEARCH),
    ("005_muted_cascades", "CREATE TABLE muted_cascades (cascade_id TEXT PRIMARY KEY);"),
    ("006_change_feed", "CREATE TABLE change_feed (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);"),
    ("007_search_prefixes_and_scopes", SEARCH_PREFIXES_AND_SCOPES),
];

/// The full-text index of every cached message: `search_docs` holds what a result names and
/// what the filters test (one row per message, direct or thread), `search_text` the FTS5 index
/// of the text under the same rowid. `unicode61 remove_diacritics 2` folds case and accents on
/// both sides ("kave" finds "kávé"). The match markers of snippets (U+0001, U+0002) are
/// replaced by spaces in the indexed copy, so a message cannot forge a highlight. The migration
/// indexes what is already cached; `SEARCH_PREFIXES_AND_SCOPES` (007) rebuilds `search_text`.
///
/// Triggers keep `search_docs` for every write, and `search_text` for edits and removals. New
/// text enters `search_text` in one statement per batch instead (`index_new_docs`, called by
/// the two upserts): FTS5 flushes its pending terms at every nested statement, so an insert
/// from a trigger cost several times the rest of storing the message.
const MESSAGE_SEARCH: &str = "
CREATE TABLE search_docs (
  doc INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  msgid TEXT NOT NULL,
  chatid TEXT,
  cascade_id TEXT,
  thread_id TEXT,
  author TEXT NOT NULL,
  sent_t INTEGER NOT NULL,
  sent_i INTEGER NOT NULL,
  has_files INTEGER NOT NULL,
  UNIQUE (kind, msgid)
);
CREATE VIRTUAL TABLE search_text USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO search_docs (kind, msgid, chatid, author, sent_t, sent_i, has_files)
  SELECT 'dm', msgid, chatid, COALESCE(json_extract(json, '$.author'), ''), sent_t, sent_i,
    COALESCE(json_array_length(json, '$.files'), 0) > 0 FROM messages;
INSERT INTO search_docs (kind, msgid, cascade_id, thread_id, author, sent_t, sent_i, has_files)
  SELECT 'thread', msgid, cascade_id, thread_id, COALESCE(json_extract(json, '$.author'), ''), sent_t, sent_i,
    COALESCE(json_array_length(json, '$.files'), 0) > 0 FROM thread_messages;
INSERT INTO search_text (rowid, body)
  SELECT d.doc, replace(replace(COALESCE(json_extract(m.json, '$.message'), ''), char(1), ' '), char(2), ' ')
  FROM search_docs d JOIN messages m ON d.kind = 'dm' AND m.msgid = d.msgid;
INSERT INTO search_text (rowid, body)
  SELECT d.doc, replace(replace(COALESCE(json_extract(m.json, '$.message'), ''), char(1), ' '), char(2), ' ')
  FROM search_docs d JOIN thread_messages m ON d.kind = 'thread' AND m.msgid = d.msgid;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO search_docs (kind, msgid, chatid, author, sent_t, sent_i, has_files)
    VALUES ('dm', new.msgid, new.chatid, COALESCE(json_extract(new.json, '$.author'), ''), new.sent_t, new.sent_i,
      COALESCE(json_array_length(new.json, '$.files'), 0) > 0);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF json ON messages
  WHEN json_extract(old.json, '$.message') IS NOT json_extract(new.json, '$.message')
    OR json_array_length(old.json, '$.files') IS NOT json_array_length(new.json, '$.files') BEGIN
  UPDATE search_docs SET has_files = COALESCE(json_array_length(new.json, '$.files'), 0) > 0
    WHERE kind = 'dm' AND msgid = new.msgid;
  UPDATE search_text SET body = replace(replace(COALESCE(json_extract(new.json, '$.message'), ''), char(1), ' '), char(2), ' ')
    WHERE rowid = (SELECT doc FROM search_docs WHERE kind = 'dm' AND msgid = new.msgid);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
  DELETE FROM search_text WHERE rowid = (SELECT doc FROM search_docs WHERE kind = 'dm' AND msgid = old.msgid);
  DELETE FROM search_docs WHERE kind = 'dm' AND msgid = old.msgid;
END;

CREATE TRIGGER thread_messages_search_insert AFTER INSERT ON thread_messages BEGIN
  INSERT INTO search_docs (kind, msgid, cascade_id, thread_id, author, sent_t, sent_i, has_files)
    VALUES ('thread', new.msgid, new.cascade_id, new.thread_id, COALESCE(json_extract(new.json, '$.author'), ''),
      new.sent_t, new.sent_i, COALESCE(json_array_length(new.json, '$.files'), 0) > 0);
END;
CREATE TRIGGER thread_messages_search_update AFTER UPDATE OF json ON thread_messages
  WHEN json_extract(old.json, '$.message') IS NOT json_extract(new.json, '$.message')
    OR json_array_length(old.json, '$.files') IS NOT json_array_length(new.json, '$.files') BEGIN
  UPDATE search_docs SET has_files = COALESCE(json_array_length(new.json, '$.files'), 0) > 0
    WHERE kind = 'thread' AND msgid = new.msgid;
  UPDATE search_text SET body = replace(replace(COALESCE(json_extract(new.json, '$.message'), ''), char(1), ' '), char(2), ' ')
    WHERE rowid = (SELECT doc FROM search_docs WHERE kind = 'thread' AND msgid = new.msgid);
END;
CREATE TRIGGER thread_messages_search_delete AFTER DELETE ON thread_messages BEGIN
  DELETE FROM search_text WHERE rowid = (SELECT doc FROM search_docs WHERE kind = 'thread' AND msgid = old.msgid);
  DELETE FROM search_docs WHERE kind = 'thread' AND msgid = old.msgid;
END;
";

/// The FTS5 text of a document's scope (see `SEARCH_PREFIXES_AND_SCOPES`), from its
/// `search_docs` row `d`. Hex keeps any id one token; the kind letters keep a chat, a thread and
/// an author apart. `search::scope_token` writes the same tokens for a query.
macro_rules! scope_of_doc {
    () => {
        "CASE d.kind WHEN 'thread' THEN 't' || hex(d.cascade_id) || 'x' || hex(d.thread_id)
           ELSE 'c' || hex(d.chatid) END || ' a' || hex(d.author)"
    };
}

/// The indexed copy of a message's text from its JSON `m.json` (see `MESSAGE_SEARCH`).
macro_rules! body_of_message {
    () => {
        "replace(replace(COALESCE(json_extract(m.json, '$.message'), ''), char(1), ' '), char(2), ' ')"
    };
}

/// The index rebuilt for speed over a million messages (measured by `benches/search.rs`):
/// - `prefix = '2 3'`: FTS5 keeps the two- and three-letter prefixes of every word as terms of
///   their own. Without them a short prefix ("kav") merges the lists of every word it starts
///   in full before the first match is read, which cost tens of milliseconds when one of those
///   words is common.
/// - `scope`: the conversation and the author of the message as tokens, so a search in one
///   conversation or by one author is an intersection of two term lists inside FTS5 instead
///   of reading every match of the words and dropping the other conversations' ones.
///
/// The text column keeps its position (0) for `snippet`; edits and removals still go through
/// the triggers of `MESSAGE_SEARCH`, which name only `body`.
const SEARCH_PREFIXES_AND_SCOPES: &str = concat!(
    "DROP TABLE search_text;
     CREATE VIRTUAL TABLE search_text USING fts5(body, scope,
       tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
     INSERT INTO search_text (rowid, body, scope) SELECT d.doc, ",
    body_of_message!(),
    ", ",
    scope_of_doc!(),
    " FROM search_docs d JOIN messages m ON d.kind = 'dm' AND m.msgid = d.msgid;
     INSERT INTO search_text (rowid, body, scope) SELECT d.doc, ",
    body_of_message!(),
    ", ",
    scope_of_doc!(),
    " FROM search_docs d JOIN thread_messages m ON d.kind = 'thread' AND m.msgid = d.msgid;"
);

/// The newest entry of the index's documents: what an upsert adds comes after it.
fn newest_doc(connection: &Connection) -> StoreResult<i64> {
    Ok(
        connection.query_row("SELECT COALESCE(MAX(doc), 0) FROM search_docs", [], |r| {
            r.get(0)
        })?,
    )
}

/// Indexes the text of the documents of `kind` ("dm" or "thread") the insert triggers added
/// after `after`, in one statement (see `MESSAGE_SEARCH`).
fn index_new_docs(connection: &Connection, kind: &str, after: i64) -> StoreResult<()> {
    let table = if kind == "thread" {
        "thread_messages"
    } else {
        "messages"
    };
    connection
        .prepare_cached(&format!(
            concat!(
                "INSERT INTO search_text (rowid, body, scope) SELECT d.doc, ",
                body_of_message!(),
                ", ",
                scope_of_doc!(),
                " FROM search_docs d JOIN {table} m ON m.msgid = d.msgid
                 WHERE d.doc > ?1 AND d.kind = ?2"
            ),
            table = table
        ))?
        .execute(params![after, kind])?;
    Ok(())
}

/// How many of the newest matches a search scores (see `search`).
const SEARCH_CANDIDATES: u32 = 2_000;

/// How many words of context a snippet keeps around its matches.
const SNIPPET_WORDS: u32 = 16;

pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (and migrates) the store file at `path`.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        Self::prepare(connection)
    }

    /// A store that lives only as long as the value (tests, a session without a data folder).
    pub fn in_memory() -> StoreResult<SqliteStore> {
        Self::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut connection: Connection) -> StoreResult<SqliteStore> {
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)",
        )?;
        for (name, sql) in MIGRATIONS {
            let transaction = connection.transaction()?;
            let applied = transaction
                .query_row(
                    "SELECT 1 FROM schema_migrations WHERE name = ?1",
                    [name],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !applied {
                transaction.execute_batch(sql)?;
                transaction.execute("INSERT INTO schema_migrations (name) VALUES (?1)", [name])?;
            }
            transaction.commit()?;
        }
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }

    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        work(&mut connection)
    }
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| ClientError::Storage(e.to_string()))
}

fn from_json<T: DeserializeOwned>(json: &str) -> StoreResult<T> {
    serde_json::from_str(json)
        .map_err(|e| ClientError::Storage(format!("cached object unreadable: {e}")))
}

/// Runs `sql` (whose first column is JSON) and decodes every row.
fn query_json<T: DeserializeOwned>(
    connection: &Connection,
    sql: &str,
    values: impl rusqlite::Params,
) -> StoreResult<Vec<T>> {
    let mut statement = connection.prepare(sql)?;
    let rows = statement.query_map(values, |row| row.get::<_, String>(0))?;
    rows.map(|row| from_json(&row?)).collect()
}

/// The sort key of a contact: its newest message, else nothing (sorts last).
fn contact_sort_key(contact: &Contact) -> Timestamp {
    contact
        .latest_message
        .as_ref()
        .map(|m| m.sent_at)
        .unwrap_or_default()
}

fn upsert_contact_row(connection: &Connection, contact: &Contact) -> StoreResult<()> {
    let key = contact_sort_key(contact);
    connection.execute(
        "INSERT INTO contacts (chatid, sort_t, sort_i, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (chatid) DO UPDATE SET sort_t = excluded.sort_t, sort_i = excluded.sort_i, json = excluded.json",
        params![contact.chatid, key.t, key.i, to_json(contact)?],
    )?;
    Ok(())
}

/// Loads a cached message, lets `change` edit it, and stores it back.
fn update_message(
    connection: &Connection,
    chatid: &str,
    msgid: &str,
    change: impl FnOnce(&mut Message),
) -> StoreResult<bool> {
    let json: Option<String> = connection
        .query_row(
            "SELECT json FROM messages WHERE msgid = ?1 AND chatid = ?2",
            [msgid, chatid],
            |r| r.get(0),
        )
        .optional()?;
    let Some(json) = json else { return Ok(false) };
    let mut message: Message = from_json(&json)?;
    change(&mut message);
    connection.execute(
        "UPDATE messages SET json = ?1 WHERE msgid = ?2",
        params![to_json(&message)?, msgid],
    )?;
    Ok(true)
}

/// Loads a cached thread message, lets `change` edit it, and stores it back.
fn update_thread_message(
    connection: &Connection,
    cascade_id: &str,
    thread_id: &str,
    msgid: &str,
    change: impl FnOnce(&mut ThreadMessage),
) -> StoreResult<bool> {
    let json: Option<String> = connection
        .query_row(
            "SELECT json FROM thread_messages WHERE msgid = ?1 AND cascade_id = ?2 AND thread_id = ?3",
            [msgid, cascade_id, thread_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(json) = json else { return Ok(false) };
    let mut message: ThreadMessage = from_json(&json)?;
    change(&mut message);
    connection.execute(
        "UPDATE thread_messages SET json = ?1 WHERE msgid = ?2",
        params![to_json(&message)?, msgid],
    )?;
    Ok(true)
}

impl SqliteStore {
    /// A queued message's failure, set or cleared; its place in the queue stays.
    fn set_failure(&self, client_key: &str, reason: Option<&str>) -> StoreResult<()> {
        self.with(|c| {
            let json: Option<String> = c
                .query_row(
                    "SELECT json FROM outbox WHERE client_key = ?1",
                    [client_key],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(json) = json {
                let mut message: OutgoingMessage = from_json(&json)?;
                message.failure = reason.map(str::to_owned);
                c.execute(
                    "UPDATE outbox SET json = ?1 WHERE client_key = ?2",
                    params![to_json(&message)?, client_key],
                )?;
            }
            Ok(())
        })
    }
}

impl Store for SqliteStore {
    fn replace_contacts(&self, contacts: &[Contact]) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            transaction.execute("DELETE FROM contacts", [])?;
            for contact in contacts {
                upsert_contact_row(&transaction, contact)?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn upsert_contact(&self, contact: &Contact) -> StoreResult<()> {
        self.with(|c| upsert_contact_row(c, contact))
    }

    fn remove_contact(&self, chatid: &str) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            transaction.execute("DELETE FROM contacts WHERE chatid = ?1", [chatid])?;
            transaction.execute("DELETE FROM messages WHERE chatid = ?1", [chatid])?;
            transaction.execute("DELETE FROM sync_cursors WHERE chatid = ?1", [chatid])?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn contacts(&self) -> StoreResult<Vec<Contact>> {
        self.with(|c| {
            query_json(
                c,
                "SELECT json FROM contacts ORDER BY sort_t DESC, sort_i DESC, chatid",
                [],
            )
        })
    }

    fn upsert_messages(&self, messages: &[Message]) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            let indexed = newest_doc(&transaction)?;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT INTO messages (msgid, chatid, sent_t, sent_i, json) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (msgid) DO UPDATE SET json = excluded.json",
                )?;
                for message in messages {
                    insert.execute(params![
                        message.msgid,
                        message.chatid,
                        message.sent_at.t,
                        message.sent_at.i,
                        to_json(message)?
                    ])?;
                }
            }
            index_new_docs(&transaction, "dm", indexed)?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn edit_message(&self, chatid: &str, msgid: &str, text: &str) -> StoreResult<bool> {
        self.with(|c| {
            update_message(c, chatid, msgid, |m| {
                m.message = text.to_owned();
                m.is_edited = true;
            })
        })
    }

    fn mark_seen(&self, chatid: &str, reader: &str, msgid: &str) -> StoreResult<Vec<Message>> {
        self.with(|c| {
            let transaction = c.transaction()?;
            let until: Option<(i64, i64)> = transaction
                .query_row(
                    "SELECT sent_t, sent_i FROM messages WHERE chatid = ?1 AND msgid = ?2",
                    [chatid, msgid],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((t, i)) = until else {
                return Ok(Vec::new());
            };
            let read: Vec<Message> = query_json(
                &transaction,
                "SELECT json FROM messages WHERE chatid = ?1 AND (sent_t < ?2 OR (sent_t = ?2 AND sent_i <= ?3))
                 ORDER BY sent_t, sent_i",
                params![chatid, t, i],
            )?;
            let mut changed = Vec::new();
            for mut message in read {
                if message.author == reader || message.seen {
                    continue;
                }
                message.seen = true;
                transaction.execute(
                    "UPDATE messages SET json = ?1 WHERE msgid = ?2",
                    params![to_json(&message)?, message.msgid],
                )?;
                changed.push(message);
            }
            transaction.commit()?;
            Ok(changed)
        })
    }

    fn remove_messages(&self, chatid: &str, msgids: &[String]) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            for msgid in msgids {
                transaction.execute(
                    "DELETE FROM messages WHERE chatid = ?1 AND msgid = ?2",
                    [chatid, msgid],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn set_pinned(&self, chatid: &str, msgid: &str, pinned: bool) -> StoreResult<bool> {
        self.with(|c| update_message(c, chatid, msgid, |m| m.pinned = pinned))
    }

    fn latest_messages(&self, chatid: &str, limit: u32) -> StoreResult<Vec<Message>> {
        let mut newest_first: Vec<Message> = self.with(|c| {
            query_json(
                c,
                "SELECT json FROM messages WHERE chatid = ?1 ORDER BY sent_t DESC, sent_i DESC LIMIT ?2",
                params![chatid, limit],
            )
        })?;
        newest_first.reverse();
        Ok(newest_first)
    }

    fn messages_before(
        &self,
        chatid: &str,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let mut newest_first: Vec<Message> = self.with(|c| {
            query_json(
                c,
                "SELECT json FROM messages WHERE chatid = ?1 AND (sent_t < ?2 OR (sent_t = ?2 AND sent_i < ?3))
                 ORDER BY sent_t DESC, sent_i DESC LIMIT ?4",
                params![chatid, before.t, before.i, limit],
            )
        })?;
        newest_first.reverse();
        Ok(newest_first)
    }

    fn last_message(&self, chatid: &str) -> StoreResult<Option<Message>> {
        Ok(self.latest_messages(chatid, 1)?.pop())
    }

    fn sync_cursor(&self, chatid: &str) -> StoreResult<Option<SyncCursor>> {
        self.with(|c| {
            let msgid: Option<Option<String>> = c
                .query_row(
                    "SELECT msgid FROM sync_cursors WHERE chatid = ?1",
                    [chatid],
                    |row| row.get(0),
                )
                .optional()?;
            // A row with no message: synced while the chat was empty.
            Ok(msgid.map(|m| m.map_or(SyncCursor::Start, SyncCursor::After)))
        })
    }

    fn set_sync_cursor(&self, chatid: &str, cursor: &SyncCursor) -> StoreResult<()> {
        let msgid = match cursor {
            SyncCursor::Start => None,
            SyncCursor::After(msgid) => Some(msgid.as_str()),
        };
        self.with(|c| {
            c.execute(
                "INSERT INTO sync_cursors (chatid, msgid) VALUES (?1, ?2) ON CONFLICT (chatid) DO UPDATE SET msgid = excluded.msgid",
                params![chatid, msgid],
            )?;
            Ok(())
        })
    }

    fn change_position(&self) -> StoreResult<Option<u64>> {
        self.with(|c| {
            let position: Option<i64> = c
                .query_row("SELECT position FROM change_feed WHERE id = 1", [], |row| {
                    row.get(0)
                })
                .optional()?;
            Ok(position.and_then(|p| u64::try_from(p).ok()))
        })
    }

    fn set_change_position(&self, position: u64) -> StoreResult<()> {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        self.with(|c| {
            c.execute(
                "INSERT INTO change_feed (id, position) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET position = excluded.position",
                [position],
            )?;
            Ok(())
        })
    }

    fn forget_messages(&self) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            transaction.execute("DELETE FROM messages", [])?;
            transaction.execute("DELETE FROM thread_messages", [])?;
            transaction.execute("DELETE FROM sync_cursors", [])?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn enqueue(&self, message: &OutgoingMessage) -> StoreResult<()> {
        self.with(|c| {
            // Enqueueing the same key twice keeps the first: a double click sends once.
            c.execute(
                "INSERT INTO outbox (client_key, json) VALUES (?1, ?2) ON CONFLICT (client_key) DO NOTHING",
                params![message.client_key, to_json(message)?],
            )?;
            Ok(())
        })
    }

    fn outbox(&self) -> StoreResult<Vec<OutgoingMessage>> {
        self.with(|c| query_json(c, "SELECT json FROM outbox ORDER BY seq", []))
    }

    fn mark_failed(&self, client_key: &str, reason: &str) -> StoreResult<()> {
        self.set_failure(client_key, Some(reason))
    }

    fn clear_failure(&self, client_key: &str) -> StoreResult<()> {
        self.set_failure(client_key, None)
    }

    fn dequeue(&self, client_key: &str) -> StoreResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM outbox WHERE client_key = ?1", [client_key])?;
            Ok(())
        })
    }

    fn save_pending_upload(&self, upload: &super::PendingUpload) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO pending_uploads (id, json) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                params![upload.id, to_json(upload)?],
            )?;
            Ok(())
        })
    }

    fn pending_uploads(&self) -> StoreResult<Vec<super::PendingUpload>> {
        self.with(|c| query_json(c, "SELECT json FROM pending_uploads ORDER BY id", []))
    }

    fn remove_pending_upload(&self, id: &str) -> StoreResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM pending_uploads WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn replace_cascades(&self, cascades: &[Cascade]) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            transaction.execute("DELETE FROM cascades", [])?;
            for (position, cascade) in cascades.iter().enumerate() {
                transaction.execute(
                    "INSERT INTO cascades (cascade_id, position, json) VALUES (?1, ?2, ?3)",
                    params![cascade.cascade_id, position as i64, to_json(cascade)?],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn cascades(&self) -> StoreResult<Vec<Cascade>> {
        self.with(|c| query_json(c, "SELECT json FROM cascades ORDER BY position", []))
    }

    fn muted_cascades(&self) -> StoreResult<Vec<String>> {
        self.with(|c| {
            let ids = c
                .prepare("SELECT cascade_id FROM muted_cascades ORDER BY cascade_id")?
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(ids)
        })
    }

    fn set_cascade_muted(&self, cascade_id: &str, muted: bool) -> StoreResult<()> {
        self.with(|c| {
            if muted {
                c.execute(
                    "INSERT OR IGNORE INTO muted_cascades (cascade_id) VALUES (?1)",
                    [cascade_id],
                )?;
            } else {
                c.execute(
                    "DELETE FROM muted_cascades WHERE cascade_id = ?1",
                    [cascade_id],
                )?;
            }
            Ok(())
        })
    }

    fn replace_threads(
        &self,
        cascade_id: &str,
        parent_id: Option<&str>,
        threads: &[Thread],
    ) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            transaction.execute("DELETE FROM threads WHERE cascade_id = ?1 AND parent_id IS ?2", params![cascade_id, parent_id])?;
            for (position, thread) in threads.iter().enumerate() {
                transaction.execute(
                    "INSERT INTO threads (thread_id, cascade_id, parent_id, position, json) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (thread_id) DO UPDATE SET cascade_id = excluded.cascade_id, parent_id = excluded.parent_id,
                       position = excluded.position, json = excluded.json",
                    params![thread.thread_id, cascade_id, parent_id, position as i64, to_json(thread)?],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn threads(&self, cascade_id: &str, parent_id: Option<&str>) -> StoreResult<Vec<Thread>> {
        self.with(|c| {
            query_json(
                c,
                "SELECT json FROM threads WHERE cascade_id = ?1 AND parent_id IS ?2 ORDER BY position",
                params![cascade_id, parent_id],
            )
        })
    }

    fn upsert_thread_messages(&self, messages: &[ThreadMessage]) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            let indexed = newest_doc(&transaction)?;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT INTO thread_messages (msgid, cascade_id, thread_id, sent_t, sent_i, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (msgid) DO UPDATE SET json = excluded.json",
                )?;
                for m in messages {
                    insert.execute(params![
                        m.msgid,
                        m.cascade_id,
                        m.thread_id,
                        m.sent_at.t,
                        m.sent_at.i,
                        to_json(m)?
                    ])?;
                }
            }
            index_new_docs(&transaction, "thread", indexed)?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn latest_thread_messages(
        &self,
        cascade_id: &str,
        thread_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<ThreadMessage>> {
        let mut newest_first: Vec<ThreadMessage> = self.with(|c| {
            query_json(
                c,
                "SELECT json FROM thread_messages WHERE cascade_id = ?1 AND thread_id = ?2
                 ORDER BY sent_t DESC, sent_i DESC LIMIT ?3",
                params![cascade_id, thread_id, limit],
            )
        })?;
        newest_first.reverse();
        Ok(newest_first)
    }

    fn thread_messages_before(
        &self,
        cascade_id: &str,
        thread_id: &str,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ThreadMessage>> {
        let mut newest_first: Vec<ThreadMessage> = self.with(|c| {
            query_json(
                c,
                "SELECT json FROM thread_messages WHERE cascade_id = ?1 AND thread_id = ?2
                 AND (sent_t < ?3 OR (sent_t = ?3 AND sent_i < ?4))
                 ORDER BY sent_t DESC, sent_i DESC LIMIT ?5",
                params![cascade_id, thread_id, before.t, before.i, limit],
            )
        })?;
        newest_first.reverse();
        Ok(newest_first)
    }

    fn edit_thread_message(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
        text: &str,
    ) -> StoreResult<bool> {
        self.with(|c| {
            update_thread_message(c, cascade_id, thread_id, msgid, |m| {
                m.message = text.to_owned();
                m.is_edited = true;
            })
        })
    }

    fn remove_thread_messages(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgids: &[String],
    ) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            for msgid in msgids {
                transaction.execute(
                    "DELETE FROM thread_messages WHERE cascade_id = ?1 AND thread_id = ?2 AND msgid = ?3",
                    [cascade_id, thread_id, msgid],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn set_thread_pinned(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
        pinned: bool,
    ) -> StoreResult<bool> {
        self.with(|c| update_thread_message(c, cascade_id, thread_id, msgid, |m| m.pinned = pinned))
    }

    fn upsert_pictures(&self, pictures: &[Picture]) -> StoreResult<()> {
        self.with(|c| {
            let transaction = c.transaction()?;
            for p in pictures {
                transaction.execute(
                    "INSERT INTO pictures (picture_id, owner, album_id, up_t, up_i, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (picture_id) DO UPDATE SET album_id = excluded.album_id, json = excluded.json",
                    params![p.picture_id, p.owner, p.album_id, p.uploaded_at.t, p.uploaded_at.i, to_json(p)?],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn pictures(&self, owner: &str, album_id: Option<&str>) -> StoreResult<Vec<Picture>> {
        self.with(|c| {
            query_json(
                c,
                "SELECT json FROM pictures WHERE owner = ?1 AND album_id IS ?2 ORDER BY up_t DESC, up_i DESC",
                params![owner, album_id],
            )
        })
    }

    fn search_messages(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHit>> {
        self.with(|c| search(c, query))
    }
}

/// Runs a search on the index the triggers of `MESSAGE_SEARCH` keep.
fn search(connection: &Connection, query: &SearchQuery) -> StoreResult<Vec<SearchHit>> {
    let Some(words) = match_expression(&query.text) else {
        return Ok(Vec::new());
    };
    // The words in the text only; the conversation and the author as scope tokens, which FTS5
    // intersects with the words' matches (the filters below still check them exactly).
    let mut expression = format!("body : ({words})");
    if let Some(conversation) = &query.conversation {
        expression.push_str(&format!(
            " AND scope : \"{}\"",
            conversation_token(conversation)
        ));
    }
    if let Some(author) = &query.author {
        expression.push_str(&format!(" AND scope : \"{}\"", author_token(author)));
    }
    let (kind, chatid, cascade_id, thread_id) = match &query.conversation {
        None => (None, None, None, None),
        Some(ConversationId::Dm { chatid }) => (Some("dm"), Some(chatid.as_str()), None, None),
        Some(ConversationId::Thread {
            cascade_id,
            thread_id,
        }) => (
            Some("thread"),
            None,
            Some(cascade_id.as_str()),
            Some(thread_id.as_str()),
        ),
    };
    let (since_t, since_i) = query.since.map(|s| (s.t, s.i)).unzip();
    let (until_t, until_i) = query.until.map(|u| (u.t, u.i)).unzip();
    let limit = query.limit.unwrap_or(super::DEFAULT_SEARCH_LIMIT);
    // A common word or a short prefix matches a large share of the cache, and scoring every
    // match costs hundreds of milliseconds over a million messages: the newest
    // `SEARCH_CANDIDATES` matches (by when they were cached, the index's rowid order, which
    // FTS5 walks without sorting) are scored, the best `limit` of them chosen, and only those
    // get a snippet, which costs far more than a score.
    let mut statement = connection.prepare_cached(
        "WITH recent AS (
           SELECT d.doc, d.kind, d.msgid, d.chatid, d.cascade_id, d.thread_id, d.author, d.sent_t, d.sent_i,
             search_text.rank AS score
           FROM search_text JOIN search_docs d ON d.doc = search_text.rowid
           WHERE search_text MATCH ?1
             AND (?5 IS NULL OR d.kind = ?5)
             AND (?6 IS NULL OR d.chatid = ?6)
             AND (?7 IS NULL OR (d.cascade_id = ?7 AND d.thread_id = ?8))
             AND (?9 IS NULL OR d.author = ?9)
             AND (?10 IS NULL OR d.has_files = ?10)
             AND (?11 IS NULL OR d.sent_t > ?11 OR (d.sent_t = ?11 AND d.sent_i >= ?12))
             AND (?13 IS NULL OR d.sent_t < ?13 OR (d.sent_t = ?13 AND d.sent_i < ?14))
           ORDER BY search_text.rowid DESC
           LIMIT ?16
         ), best AS (
           SELECT * FROM recent ORDER BY score, sent_t DESC, sent_i DESC LIMIT ?15
         )
         SELECT best.kind, best.msgid, best.chatid, best.cascade_id, best.thread_id, best.author,
           best.sent_t, best.sent_i, snippet(search_text, 0, ?2, ?3, '…', ?4)
         FROM best JOIN search_text ON search_text.rowid = best.doc
         WHERE search_text MATCH ?1
         ORDER BY best.score, best.sent_t DESC, best.sent_i DESC",
    )?;
    let rows = statement.query_map(
        params![
            expression,
            MATCH_START.to_string(),
            MATCH_END.to_string(),
            SNIPPET_WORDS,
            kind,
            chatid,
            cascade_id,
            thread_id,
            query.author,
            query.has_attachment,
            since_t,
            since_i,
            until_t,
            until_i,
            limit,
            SEARCH_CANDIDATES,
        ],
        |row| {
            let kind: String = row.get(0)?;
            let conversation = if kind == "thread" {
                ConversationId::Thread {
                    cascade_id: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    thread_id: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                }
            } else {
                ConversationId::Dm {
                    chatid: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                }
            };
            let (snippet, matches) = read_snippet(&row.get::<_, String>(8)?);
            Ok(SearchHit {
                conversation,
                msgid: row.get(1)?,
                author: row.get(5)?,
                sent_at: Timestamp::new(row.get(6)?, row.get(7)?),
                snippet,
                matches,
            })
        },
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::SqliteStore;

    crate::store_conformance_tests!(in_memory, SqliteStore::in_memory().unwrap());

    crate::store_conformance_tests!(on_disk, {
        let dir = tempfile::tempdir().unwrap();
        // The directory lives as long as the test process: leak it on purpose.
        let path = dir.keep().join("cache.sqlite");
        SqliteStore::open(&path).unwrap()
    });

    #[test]
    fn messages_cached_before_search_existed_are_indexed_by_the_migration() {
        use super::{Store, MIGRATIONS};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        {
            let connection = rusqlite::Connection::open(&path).unwrap();
            connection
                .execute_batch("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)")
                .unwrap();
            for (name, sql) in MIGRATIONS.iter().take(3) {
                connection.execute_batch(sql).unwrap();
                connection
                    .execute("INSERT INTO schema_migrations (name) VALUES (?1)", [name])
                    .unwrap();
            }
            let mut message = crate::store::conformance::message("c1", "m1", 10, 0);
            message.message = "régi üzenet".into();
            connection
                .execute(
                    "INSERT INTO messages (msgid, chatid, sent_t, sent_i, json) VALUES ('m1', 'c1', 10, 0, ?1)",
                    [serde_json::to_string(&message).unwrap()],
                )
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let hits = store
            .search_messages(&crate::store::SearchQuery::text("regi"))
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].msgid, "m1");
    }

    #[test]
    fn an_index_made_before_prefixes_and_scopes_is_rebuilt_with_them() {
        use super::{Store, MIGRATIONS};
        use crate::store::SearchQuery;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let mut message = crate::store::conformance::message("c1", "m1", 10, 0);
        message.message = "régi üzenet".into();
        {
            let connection = rusqlite::Connection::open(&path).unwrap();
            connection
                .execute_batch("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)")
                .unwrap();
            let before = MIGRATIONS
                .iter()
                .take_while(|(name, _)| *name != "007_search_prefixes_and_scopes");
            for (n, (name, sql)) in before.enumerate() {
                if n == 3 {
                    // Cached before search existed; 004 indexes it the old way.
                    connection
                        .execute(
                            "INSERT INTO messages (msgid, chatid, sent_t, sent_i, json) VALUES ('m1', 'c1', 10, 0, ?1)",
                            [serde_json::to_string(&message).unwrap()],
                        )
                        .unwrap();
                }
                connection.execute_batch(sql).unwrap();
                connection
                    .execute("INSERT INTO schema_migrations (name) VALUES (?1)", [name])
                    .unwrap();
            }
        }
        let store = SqliteStore::open(&path).unwrap();
        let in_chat = SearchQuery {
            conversation: Some(crate::ConversationId::dm("c1")),
            author: Some(message.author.clone()),
            ..SearchQuery::text("re")
        };
        let hits = store.search_messages(&in_chat).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].msgid, "m1");
        let elsewhere = SearchQuery {
            conversation: Some(crate::ConversationId::dm("c2")),
            ..SearchQuery::text("re")
        };
        assert!(store.search_messages(&elsewhere).unwrap().is_empty());
    }

    #[test]
    fn a_reopened_store_keeps_its_data() {
        use super::Store;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let message = crate::store::conformance::message("c1", "m1", 10, 0);
        SqliteStore::open(&path)
            .unwrap()
            .upsert_messages(std::slice::from_ref(&message))
            .unwrap();
        let reopened = SqliteStore::open(&path).unwrap();
        assert_eq!(reopened.latest_messages("c1", 10).unwrap(), vec![message]);
    }
}
