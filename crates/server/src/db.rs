//! The database: one SQLite file in WAL mode, migrated at open, served by a fixed set of
//! threads that each own a connection:
//!
//! - one writer: [`Db::call`] queues the closure to it, so writes are serialised by the queue
//!   rather than by a lock that blocking threads wait on;
//! - a few readers ([`READERS`]): [`Db::read`] queues a closure that only reads to whichever is
//!   free. In WAL mode they read the last committed state while the writer writes, so a long
//!   write holds up no read. Their connections refuse writes (`query_only`);
//! - a checkpointer, which copies the pages the writer appended to the WAL into the database
//!   file every [`CHECKPOINT_EVERY`], off the writer's thread. The writer's own checkpoints,
//!   SQLite's default every 1,000 pages, made it wait on the disk and wrote a hot page once for
//!   every few messages; a checkpoint per interval writes it once.
//!
//! Handlers never block the async runtime, and the number of database threads stays the same
//! under any load. (Before, every call started a blocking thread that queued on one
//! connection's mutex: hundreds of threads at a few thousand requests a second, and a third of
//! the time spent switching between them.) Each connection keeps its prepared statements
//! (`prepare_cached`) and a page cache of [`PAGE_CACHE_KIB`].
//!
//! The storage seam: SQL lives in the route modules' small query functions, written in the
//! subset SQLite and PostgreSQL share (no SQLite-only functions except in `ON CONFLICT`
//! clauses, which PostgreSQL accepts too); a PostgreSQL backend replaces this module, with a
//! connection pool in place of the threads.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;

use chatenium_api::schemas::common::Timestamp;
use crossbeam_channel::{Receiver, Sender};
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

/// Reading threads, each with its own connection.
pub const READERS: usize = 2;
/// Each connection's page cache, in KiB (SQLite's default is 2 MB, which a large database
/// outgrows: pages were read again and again through `pread`).
pub const PAGE_CACHE_KIB: i64 = 32 * 1024;
/// How often the checkpointer runs (a passive checkpoint: it never holds the writer up).
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// The writer checkpoints by itself only when the WAL reaches this many pages (about 80 MB),
/// should the checkpointer fall behind; the WAL file is cut back to `WAL_KEPT_BYTES` after.
const WRITER_CHECKPOINT_PAGES: i64 = 20_000;
const WAL_KEPT_BYTES: i64 = 64 * 1024 * 1024;
/// Prepared statements each connection keeps.
const STATEMENT_CACHE: usize = 256;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A handle on the database threads; cheap to clone. The threads end when the last handle is
/// dropped.
#[derive(Clone)]
pub struct Db {
    queues: Arc<Queues>,
}

struct Queues {
    writer: Sender<Job>,
    readers: Sender<Job>,
    /// Never sent on: the checkpointer stops when it is dropped.
    _checkpointer: Sender<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot start a database thread: {0}")]
    Thread(#[from] std::io::Error),
}

impl Db {
    pub fn open(path: &Path) -> Result<Db, OpenError> {
        let mut writer = connect(path)?;
        writer.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        writer.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
        migrate(&mut writer)?;
        let (writer_queue, writer_jobs) = crossbeam_channel::unbounded();
        let (reader_queue, reader_jobs) = crossbeam_channel::unbounded();
        // The readers open after the migrations, so they see the whole schema.
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = connect(path)?;
            reader.pragma_update(None, "query_only", "ON")?;
            readers.push(reader);
        }
        serve("db-writer".to_owned(), writer, writer_jobs)?;
        for (n, reader) in readers.into_iter().enumerate() {
            serve(format!("db-reader-{n}"), reader, reader_jobs.clone())?;
        }
        let (checkpointer, stop) = crossbeam_channel::bounded(0);
        let connection = connect(path)?;
        std::thread::Builder::new()
            .name("db-checkpointer".to_owned())
            .spawn(move || checkpoint_until(connection, stop))?;
        Ok(Db {
            queues: Arc::new(Queues {
                writer: writer_queue,
                readers: reader_queue,
                _checkpointer: checkpointer,
            }),
        })
    }

    /// Runs `work` on the writer and waits for it here, blocking this thread (start-up only).
    pub fn call_now<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
    {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        queue(&self.queues.writer, move |connection| {
            let _ = reply.send(work(connection));
        })?;
        answer.recv().map_err(|_| lost())?
    }

    /// Runs `work` on the writer, after the work queued before it.
    pub async fn call<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        queue(&self.queues.writer, move |connection| {
            let _ = reply.send(work(connection));
        })?;
        answer.await.map_err(|_| lost())?
    }

    /// Runs `work`, which only reads, on a reader: it sees every write whose [`Db::call`]
    /// returned before this was called. A write fails there (`query_only`).
    pub async fn read<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        queue(&self.queues.readers, move |connection| {
            let _ = reply.send(work(connection));
        })?;
        answer.await.map_err(|_| lost())?
    }
}

fn queue(queue: &Sender<Job>, job: impl FnOnce(&mut Connection) + Send + 'static) -> ApiResult<()> {
    queue
        .send(Box::new(job))
        .map_err(|_| ApiError::internal("the database threads are gone"))
}

/// A job that panicked dropped its reply: an internal error, as a failed blocking task was.
fn lost() -> ApiError {
    ApiError::internal("a database task failed")
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}

/// Runs the jobs of `jobs` with `connection` on a new thread until every sender is gone.
fn serve(name: String, mut connection: Connection, jobs: Receiver<Job>) -> std::io::Result<()> {
    std::thread::Builder::new().name(name).spawn(move || {
        for job in jobs {
            // A panicking job must not take the connection with it: the jobs after it still run.
            // (A transaction it left open rolled back as it unwound.)
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut connection)));
        }
    })?;
    Ok(())
}

/// Checkpoints every [`CHECKPOINT_EVERY`] until `stop` is disconnected.
fn checkpoint_until(connection: Connection, stop: Receiver<()>) {
    while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
        stop.recv_timeout(CHECKPOINT_EVERY)
    {
        if let Err(error) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!("database checkpoint: {error}");
        }
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
    use std::sync::atomic::{AtomicUsize, Ordering};

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

    fn scratch_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("server.sqlite")).unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn a_read_goes_on_while_a_write_is_held_open() {
        let (_dir, db) = scratch_db();
        db.call(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);")?))
            .await
            .unwrap();
        // The write takes its transaction, says so, and then waits to be let go.
        let (started, has_started) = tokio::sync::oneshot::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let write = tokio::spawn({
            let db = db.clone();
            async move {
                db.call(move |c| {
                    let transaction = c.transaction()?;
                    transaction.execute("UPDATE t SET n = 2", [])?;
                    let _ = started.send(());
                    let _ = released.recv();
                    transaction.commit()?;
                    Ok(())
                })
                .await
            }
        });
        has_started.await.unwrap();
        // Answered while the writer is still inside its transaction: the committed state.
        let seen: i64 = db
            .read(|c| Ok(c.query_row("SELECT n FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(seen, 1);
        release.send(()).unwrap();
        write.await.unwrap().unwrap();
        let seen: i64 = db
            .read(|c| Ok(c.query_row("SELECT n FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(seen, 2, "a read after the write returned sees it");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_writer_runs_one_call_at_a_time_in_order() {
        let (_dir, db) = scratch_db();
        db.call(|c| Ok(c.execute_batch("CREATE TABLE log (n INTEGER)")?))
            .await
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..50).map(|n| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            db.call(move |c| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                c.execute("INSERT INTO log (n) VALUES (?1)", [n])?;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        });
        // Queued in this order by one task: run in this order.
        for outcome in futures_util::future::join_all(calls).await {
            outcome.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        let order: Vec<i64> = db
            .read(|c| {
                let mut statement = c.prepare("SELECT n FROM log ORDER BY rowid")?;
                let rows = statement.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await
            .unwrap();
        assert_eq!(order, (0..50).collect::<Vec<i64>>());
    }

    #[tokio::test]
    async fn a_reader_refuses_to_write() {
        let (_dir, db) = scratch_db();
        let outcome = db
            .read(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER)")?))
            .await;
        assert!(outcome.is_err());
    }

    #[tokio::test]
    async fn a_panicking_call_leaves_the_writer_working() {
        let (_dir, db) = scratch_db();
        let failed = db
            .call(|_| -> ApiResult<()> { panic!("a bug in a handler") })
            .await;
        assert!(failed.is_err());
        let answer: i64 = db
            .call(|c| Ok(c.query_row("SELECT 40 + 2", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(answer, 42);
    }
}
