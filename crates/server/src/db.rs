//! The database: one SQLite file in WAL mode, migrated at open. All access goes through
//! [`Db::call`], which runs the closure on a blocking thread with the connection, so handlers
//! never block the async runtime.
//!
//! The storage seam: SQL lives in the route modules' small query functions, written in the
//! subset SQLite and PostgreSQL share (no SQLite-only functions except in `ON CONFLICT`
//! clauses, which PostgreSQL accepts too); a PostgreSQL backend replaces this module.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chatenium_api::schemas::common::Timestamp;
use rusqlite::Connection;

use crate::error::{ApiError, ApiResult};

/// The migrations, in order. A migration is never edited once released: add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "001_identity_chats_files",
        include_str!("../migrations/001_identity_chats_files.sql"),
    ),
    ("002_auth", include_str!("../migrations/002_auth.sql")),
    ("003_account", include_str!("../migrations/003_account.sql")),
    (
        "004_messaging",
        include_str!("../migrations/004_messaging.sql"),
    ),
    (
        "005_cascades",
        include_str!("../migrations/005_cascades.sql"),
    ),
    (
        "006_pictures",
        include_str!("../migrations/006_pictures.sql"),
    ),
    (
        "007_transfers_calls",
        include_str!("../migrations/007_transfers_calls.sql"),
    ),
    (
        "008_picture_images",
        include_str!("../migrations/008_picture_images.sql"),
    ),
    (
        "009_forwarding",
        include_str!("../migrations/009_forwarding.sql"),
    ),
    (
        "010_album_cover",
        include_str!("../migrations/010_album_cover.sql"),
    ),
    (
        "011_change_feed",
        include_str!("../migrations/011_change_feed.sql"),
    ),
];

#[derive(Clone)]
pub struct Db {
    connection: Arc<Mutex<Connection>>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot open the database: {0}")]
pub struct OpenError(#[from] rusqlite::Error);

impl Db {
    pub fn open(path: &Path) -> Result<Db, OpenError> {
        let mut connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut connection)?;
        Ok(Db {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` with the connection on this thread (start-up only).
    pub fn call_now<T>(&self, work: impl FnOnce(&mut Connection) -> ApiResult<T>) -> ApiResult<T> {
        let mut guard = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut guard)
    }

    /// Runs `work` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> ApiResult<T> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut guard = connection
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut guard)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task: {e}")))?
    }
}

/// The newest time any stored object was given: where a restarted server's clock resumes.
/// Every table whose rows the clock dates is listed here, so that ordering by time (messages,
/// "recent" pictures, ...) stays right across a restart.
pub fn newest_stored_time(connection: &Connection) -> rusqlite::Result<Timestamp> {
    use rusqlite::OptionalExtension;
    const STAMPED: &[(&str, &str, &str)] = &[
        ("messages", "sent_t", "sent_i"),
        ("chats", "created_at", "created_i"),
        ("cascades", "created_t", "created_i"),
        ("threads", "created_t", "created_i"),
        ("thread_messages", "sent_t", "sent_i"),
        ("albums", "created_t", "created_i"),
        ("pictures", "uploaded_t", "uploaded_i"),
        ("picture_comments", "posted_t", "posted_i"),
    ];
    let mut newest = Timestamp::default();
    for (table, t, i) in STAMPED {
        let sql = format!("SELECT {t}, {i} FROM {table} ORDER BY {t} DESC, {i} DESC LIMIT 1");
        let found = connection
            .query_row(&sql, [], |row| Ok(Timestamp::new(row.get(0)?, row.get(1)?)))
            .optional()?;
        newest = newest.max(found.unwrap_or_default());
    }
    Ok(newest)
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (name, sql) in MIGRATIONS {
        let transaction = connection.transaction()?;
        let applied: bool = transaction.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?1)",
            [name],
            |row| row.get(0),
        )?;
        if !applied {
            transaction.execute_batch(sql)?;
            transaction.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                rusqlite::params![name, crate::clock::unix_now()],
            )?;
        }
        transaction.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_twice_applies_each_migration_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite");
        drop(Db::open(&path).unwrap());
        let db = Db::open(&path).unwrap();
        let count: i64 = db
            .call(|c| Ok(c.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(count, MIGRATIONS.len() as i64);
    }

    #[tokio::test]
    async fn the_clock_resumes_after_the_newest_gallery_object() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("server.sqlite")).unwrap();
        let newest = db
            .call(|c| {
                c.execute_batch(
                    // Only the stamp matters here, not the rows a picture refers to.
                    "PRAGMA foreign_keys = OFF;
                     INSERT INTO pictures (id, owner, file_id, uploaded_t, uploaded_i)
                       VALUES ('p', 'u', 'f', 4000000000, 7);",
                )?;
                Ok(newest_stored_time(c)?)
            })
            .await
            .unwrap();
        assert_eq!(newest, Timestamp::new(4_000_000_000, 7));
    }
}
