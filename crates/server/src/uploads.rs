//! Uploads through signed URLs: registering single-PUT and multipart uploads, what a PUT to a
//! signed URL may write, completing uploads, and removing a user's bytes. Every group that takes
//! files registers through [`register_single`] with its own [`Rules`] (attachments, profile
//! pictures, cascade and gallery pictures).
//!
//! An upload's `state` is `pending` while bytes may arrive, `assembling` while a multipart
//! upload's parts are joined, and `complete` once usable. Bytes arrive in a temporary file and
//! are moved into place under the database lock after re-checking the state, and completion
//! checks the bytes under the same lock, so a PUT can never change a complete file.

use std::path::{Path, PathBuf};

use chatenium_api::schemas::upload::{
    CompletedPart, FileMetadata, PresignedPart, S3PresignedFileResponse, S3PresignedMultiResp,
};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiError, ApiResult};
use crate::ids::new_id;
use crate::state::AppState;
use crate::storage::{Access, Storage};

const PENDING: &str = "pending";
const ASSEMBLING: &str = "assembling";
const COMPLETE: &str = "complete";

const MIB: u64 = 1024 * 1024;
/// S3's limit on parts, which keeps a multipart registration's answer bounded.
const MAX_PARTS: u64 = 10_000;
const MAX_NAME_CHARS: usize = 255;
const MAX_MIME_CHARS: usize = 255;

/// What one kind of upload accepts. Every size is also capped by `config.max_upload_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Files one registration may name (at least one).
    pub max_files: usize,
    pub max_size: u64,
    /// Only `image/*` MIME types.
    pub images_only: bool,
}

impl Rules {
    /// Message attachments: up to ten files of any kind.
    pub const ATTACHMENTS: Rules = Rules {
        max_files: 10,
        max_size: u64::MAX,
        images_only: false,
    };

    /// A profile picture: exactly one image of at most 10 MiB.
    pub const PROFILE_PICTURE: Rules = Rules {
        max_files: 1,
        max_size: 10 * MIB,
        images_only: true,
    };

    /// Checks what a file claims to be; `max_upload` is the server's limit.
    fn check(&self, file: &FileMetadata, max_upload: u64) -> ApiResult<()> {
        let name = file.name.trim();
        ensure(
            !name.is_empty()
                && name.chars().count() <= MAX_NAME_CHARS
                && !name.chars().any(char::is_control),
            ErrorCode::BadRequest,
        )?;
        ensure(valid_mime(&file.mime), ErrorCode::BadRequest)?;
        self.check_kind(&file.mime, file.size, max_upload)
    }

    /// The checks that also hold when an existing upload is put to this use.
    fn check_kind(&self, mime: &str, size: u64, max_upload: u64) -> ApiResult<()> {
        ensure(!self.images_only || is_image(mime), ErrorCode::BadRequest)?;
        ensure(size > 0, ErrorCode::BadRequest)?;
        ensure(
            size <= self.max_size.min(max_upload),
            ErrorCode::UploadTooLarge,
        )
    }
}

/// `type/subtype`, printable ASCII without spaces: it is served back as `Content-Type`.
fn valid_mime(mime: &str) -> bool {
    mime.len() <= MAX_MIME_CHARS
        && mime.chars().all(|c| c.is_ascii_graphic())
        && matches!(mime.split_once('/'), Some((kind, sub)) if !kind.is_empty() && !sub.is_empty())
}

fn is_image(mime: &str) -> bool {
    mime.to_ascii_lowercase().starts_with("image/")
}

/// An upload's row.
struct Upload {
    size: u64,
    mime: String,
    state: String,
    upload_id: Option<String>,
    part_size: Option<u64>,
}

fn find(connection: &Connection, file_id: &str) -> ApiResult<Option<(String, Upload)>> {
    Ok(connection
        .query_row(
            "SELECT owner, size, mime, state, upload_id, part_size FROM files WHERE id = ?1",
            [file_id],
            |row| {
                Ok((
                    row.get(0)?,
                    Upload {
                        size: row.get::<_, i64>(1)? as u64,
                        mime: row.get(2)?,
                        state: row.get(3)?,
                        upload_id: row.get(4)?,
                        part_size: row.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                    },
                ))
            },
        )
        .optional()?)
}

/// The caller's upload, or `uploadNotFound` (also for another user's: no hint that it exists).
fn find_owned(connection: &Connection, owner: &str, file_id: &str) -> ApiResult<Upload> {
    match find(connection, file_id)? {
        Some((stored_owner, upload)) if stored_owner == owner => Ok(upload),
        _ => Err(ErrorCode::UploadNotFound.into()),
    }
}

fn insert(
    connection: &Connection,
    owner: &str,
    file: &FileMetadata,
    multipart: Option<(&str, u64)>,
) -> ApiResult<String> {
    let file_id = new_id();
    connection.execute(
        "INSERT INTO files (id, owner, name, size, mime, width, height, state, upload_id, part_size, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            file_id,
            owner,
            file.name.trim(),
            file.size as i64,
            file.mime,
            file.width,
            file.height,
            PENDING,
            multipart.map(|(upload_id, _)| upload_id),
            multipart.map(|(_, part_size)| part_size as i64),
            unix_now()
        ],
    )?;
    Ok(file_id)
}

/// Registers single-PUT uploads for `owner`: one pending file and one signed PUT URL each.
pub fn register_single(
    state: &AppState,
    connection: &mut Connection,
    owner: &str,
    files: &[FileMetadata],
    rules: Rules,
) -> ApiResult<Vec<S3PresignedFileResponse>> {
    ensure(
        (1..=rules.max_files).contains(&files.len()),
        ErrorCode::BadRequest,
    )?;
    for file in files {
        rules.check(file, state.config.max_upload_bytes)?;
    }
    let expires_at = unix_now() + state.config.signed_url_ttl_secs as i64;
    let transaction = connection.transaction()?;
    let mut answers = Vec::with_capacity(files.len());
    for file in files {
        let file_id = insert(&transaction, owner, file, None)?;
        answers.push(S3PresignedFileResponse {
            upload_url: state.storage.url(&file_id, Access::Upload, expires_at),
            file_id,
            expires_at,
        });
    }
    transaction.commit()?;
    Ok(answers)
}

/// How many parts a file of `size` has: at least one.
fn part_count(size: u64, part_size: u64) -> u64 {
    size.div_ceil(part_size).max(1)
}

/// The size part `part` (1-based) must have: `part_size`, less for the last.
fn expected_part_size(size: u64, part_size: u64, part: u32) -> u64 {
    let before = u64::from(part).saturating_sub(1).saturating_mul(part_size);
    size.saturating_sub(before).min(part_size)
}

/// Registers a multipart upload of one file: one signed PUT URL a part.
pub fn register_multipart(
    state: &AppState,
    connection: &Connection,
    owner: &str,
    file: &FileMetadata,
) -> ApiResult<S3PresignedMultiResp> {
    Rules::ATTACHMENTS.check(file, state.config.max_upload_bytes)?;
    // A zero part size in the settings would divide by zero; treat it as one byte.
    let part_size = state.config.multipart_part_size.max(1);
    let parts = part_count(file.size, part_size);
    ensure(parts <= MAX_PARTS, ErrorCode::UploadTooLarge)?;
    let upload_id = new_id();
    let file_id = insert(connection, owner, file, Some((&upload_id, part_size)))?;
    let expires_at = unix_now() + state.config.signed_url_ttl_secs as i64;
    let parts = (1..=parts as u32)
        .map(|part_number| PresignedPart {
            part_number,
            upload_url: state.storage.url(
                &file_id,
                Access::UploadPart {
                    upload_id: &upload_id,
                    part: part_number,
                },
                expires_at,
            ),
        })
        .collect();
    Ok(S3PresignedMultiResp {
        file_id,
        upload_id,
        part_size,
        parts,
        expires_at,
    })
}

/// Where a PUT to a signed URL writes, and the most bytes it may send.
#[derive(Debug, Clone)]
pub struct PutTarget {
    pub file_id: String,
    /// The part, for a multipart upload.
    pub part: Option<u32>,
    pub path: PathBuf,
    pub limit: u64,
}

/// What a PUT with a verified signature may write: only to a pending upload, only the kind
/// of upload the URL was made for, and never more than the upload (or part) registered.
pub fn put_target(
    connection: &Connection,
    storage: &Storage,
    file_id: &str,
    access: Access<'_>,
) -> ApiResult<PutTarget> {
    let (_, upload) = find(connection, file_id)?.ok_or(ErrorCode::UploadNotFound)?;
    ensure(upload.state == PENDING, ErrorCode::UploadNotFound)?;
    match (access, upload.upload_id.as_deref(), upload.part_size) {
        (Access::Upload, None, _) => Ok(PutTarget {
            file_id: file_id.to_owned(),
            part: None,
            path: storage.file_path(file_id),
            limit: upload.size,
        }),
        (Access::UploadPart { upload_id, part }, Some(registered), Some(part_size))
            if upload_id == registered
                && part >= 1
                && u64::from(part) <= part_count(upload.size, part_size) =>
        {
            Ok(PutTarget {
                file_id: file_id.to_owned(),
                part: Some(part),
                path: storage.part_path(file_id, part),
                limit: expected_part_size(upload.size, part_size, part),
            })
        }
        _ => Err(ErrorCode::UploadNotFound.into()),
    }
}

/// Moves a fully received body (`received`, beside the target) into place and records a
/// part's size and ETag, unless the upload stopped being pending while the bytes arrived.
pub fn accept_put(
    connection: &Connection,
    target: &PutTarget,
    received: TempPath,
    written: u64,
    etag: &str,
) -> ApiResult<()> {
    let state: Option<String> = connection
        .query_row(
            "SELECT state FROM files WHERE id = ?1",
            [&target.file_id],
            |row| row.get(0),
        )
        .optional()?;
    ensure(state.as_deref() == Some(PENDING), ErrorCode::UploadNotFound)?;
    received.persist(&target.path)?;
    if let Some(part) = target.part {
        connection.execute(
            "INSERT INTO file_parts (file_id, part_number, size, etag) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (file_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag",
            params![target.file_id, part, written as i64, etag],
        )?;
    }
    Ok(())
}

/// Marks a single-PUT upload of `owner`'s complete once all its bytes are on disk. Completing
/// a complete upload succeeds again, so a client may retry. `rules` are those of the use the
/// upload is being put to (a profile picture must be a small image, whatever it was uploaded as).
pub fn complete_single(
    state: &AppState,
    connection: &Connection,
    owner: &str,
    file_id: &str,
    rules: Rules,
) -> ApiResult<()> {
    let upload = find_owned(connection, owner, file_id)?;
    rules.check_kind(&upload.mime, upload.size, u64::MAX)?;
    match upload.state.as_str() {
        COMPLETE => Ok(()),
        PENDING if upload.upload_id.is_none() => {
            let on_disk = std::fs::metadata(state.storage.file_path(file_id))
                .map(|m| m.len())
                .ok();
            ensure(on_disk == Some(upload.size), ErrorCode::UploadIncomplete)?;
            connection.execute(
                "UPDATE files SET state = ?1 WHERE id = ?2",
                params![COMPLETE, file_id],
            )?;
            Ok(())
        }
        // A multipart upload completes through its own endpoint.
        PENDING => Err(ErrorCode::UploadNotFound.into()),
        _ => Err(ErrorCode::UploadIncomplete.into()),
    }
}

/// The outcome of checking a multipart completion.
enum Assembly {
    /// Completed before: nothing to do.
    Done,
    /// Join these part sizes, in order, into a file of `size` bytes.
    Join { part_sizes: Vec<u64>, size: u64 },
}

/// Completes a multipart upload of `owner`'s: every part must be there with the ETag the client
/// names, every part but the last exactly the part size, the sizes summing to the registered
/// size. The parts are joined on a blocking thread, then deleted.
pub async fn complete_multipart(
    state: &AppState,
    owner: &str,
    file_id: &str,
    upload_id: &str,
    parts: Vec<CompletedPart>,
) -> ApiResult<()> {
    let plan = {
        let (owner, file_id, upload_id) =
            (owner.to_owned(), file_id.to_owned(), upload_id.to_owned());
        state
            .db
            .call(move |c| start_assembly(c, &owner, &file_id, &upload_id, &parts))
            .await?
    };
    let Assembly::Join { part_sizes, size } = plan else {
        return Ok(());
    };
    let part_count = part_sizes.len() as u32;
    let joined = {
        let state = state.clone();
        let file_id = file_id.to_owned();
        tokio::task::spawn_blocking(move || join_parts(&state.storage, &file_id, &part_sizes, size))
            .await
            .map_err(ApiError::internal)
            .and_then(|outcome| outcome)
    };
    let finished = {
        let file_id = file_id.to_owned();
        let succeeded = joined.is_ok();
        state
            .db
            .call(move |c| finish_assembly(c, &file_id, succeeded))
            .await
    };
    joined?;
    if let Err(error) = finished {
        // Deleted while assembling (its owner's account went): drop the joined bytes too.
        let _ = tokio::fs::remove_file(state.storage.file_path(file_id)).await;
        return Err(error);
    }
    remove_parts(&state.storage, file_id, part_count).await;
    Ok(())
}

async fn remove_parts(storage: &Storage, file_id: &str, parts: u32) {
    for part in 1..=parts {
        let _ = tokio::fs::remove_file(storage.part_path(file_id, part)).await;
    }
}

fn start_assembly(
    connection: &Connection,
    owner: &str,
    file_id: &str,
    upload_id: &str,
    named: &[CompletedPart],
) -> ApiResult<Assembly> {
    let upload = find_owned(connection, owner, file_id)?;
    ensure(
        upload.upload_id.as_deref() == Some(upload_id),
        ErrorCode::UploadNotFound,
    )?;
    match upload.state.as_str() {
        COMPLETE => return Ok(Assembly::Done),
        PENDING => {}
        // Another completion is joining the parts right now.
        _ => return Err(ErrorCode::UploadIncomplete.into()),
    }
    let part_size = upload.part_size.ok_or(ErrorCode::UploadNotFound)?;
    let expected = part_count(upload.size, part_size);
    let mut statement = connection.prepare(
        "SELECT part_number, size, etag FROM file_parts WHERE file_id = ?1 ORDER BY part_number",
    )?;
    let stored: Vec<(u32, u64, String)> = statement
        .query_map([file_id], |row| {
            Ok((row.get(0)?, row.get::<_, i64>(1)? as u64, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    // Every part must have arrived before the client's list is worth reading.
    let arrived = stored.len() as u64 == expected
        && stored
            .iter()
            .enumerate()
            .all(|(index, (number, _, _))| u64::from(*number) == index as u64 + 1);
    ensure(arrived, ErrorCode::UploadIncomplete)?;
    // The client names each part once, with the ETag its PUT answered (quoted or not).
    let mut named: Vec<&CompletedPart> = named.iter().collect();
    named.sort_by_key(|part| part.part_number);
    let matches = named.len() == stored.len()
        && named.iter().zip(&stored).all(|(given, (number, _, etag))| {
            given.part_number == *number && given.etag.trim().trim_matches('"') == etag
        });
    ensure(matches, ErrorCode::BadRequest)?;
    let sizes_fit = stored
        .iter()
        .all(|(number, size, _)| *size == expected_part_size(upload.size, part_size, *number));
    ensure(sizes_fit, ErrorCode::UploadIncomplete)?;
    connection.execute(
        "UPDATE files SET state = ?1 WHERE id = ?2",
        params![ASSEMBLING, file_id],
    )?;
    Ok(Assembly::Join {
        part_sizes: stored.into_iter().map(|(_, size, _)| size).collect(),
        size: upload.size,
    })
}

/// Streams the parts into a temporary file beside the final one, then moves it into place.
fn join_parts(storage: &Storage, file_id: &str, part_sizes: &[u64], size: u64) -> ApiResult<()> {
    use std::io::Write;
    let target = storage.file_path(file_id);
    let temporary = TempPath::beside(&target);
    let mut output = std::io::BufWriter::new(std::fs::File::create(&temporary.0)?);
    let mut total = 0u64;
    for (index, expected) in part_sizes.iter().enumerate() {
        let part = storage.part_path(file_id, index as u32 + 1);
        let mut input =
            std::fs::File::open(&part).map_err(|_| ApiError::from(ErrorCode::UploadIncomplete))?;
        let copied = std::io::copy(&mut input, &mut output)?;
        ensure(copied == *expected, ErrorCode::UploadIncomplete)?;
        total += copied;
    }
    ensure(total == size, ErrorCode::UploadIncomplete)?;
    output.flush()?;
    drop(output);
    temporary.persist(&target)
}

/// Marks an assembled upload complete and forgets its parts, or puts a failed one back to
/// pending so the client can send parts again.
fn finish_assembly(connection: &mut Connection, file_id: &str, succeeded: bool) -> ApiResult<()> {
    let transaction = connection.transaction()?;
    let next = if succeeded { COMPLETE } else { PENDING };
    let changed = transaction.execute(
        "UPDATE files SET state = ?1 WHERE id = ?2 AND state = ?3",
        params![next, file_id, ASSEMBLING],
    )?;
    ensure(changed == 1, ErrorCode::UploadNotFound)?;
    if succeeded {
        transaction.execute("DELETE FROM file_parts WHERE file_id = ?1", [file_id])?;
    }
    transaction.commit()?;
    Ok(())
}

/// Recovers from a stop in the middle of joining parts (a crash, a kill): at start, no
/// completion is running, so an upload still `assembling` was interrupted. It goes back to
/// `pending` with its parts, so the client can complete it again, and the half-written joins
/// and PUT bodies ([`TempPath`]s that never got dropped) are removed. Answers how many
/// uploads went back.
pub fn recover_interrupted(connection: &Connection, storage: &Storage) -> ApiResult<usize> {
    let reset = connection.execute(
        "UPDATE files SET state = ?1 WHERE state = ?2",
        params![PENDING, ASSEMBLING],
    )?;
    for folder in ["files", "parts"] {
        for entry in std::fs::read_dir(storage.root().join(folder))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "incoming") {
                std::fs::remove_file(&path)?;
            }
        }
    }
    Ok(reset)
}

/// A temporary file that is removed unless persisted: a failed or abandoned write (a client
/// that hangs up mid-body) leaves nothing behind.
pub struct TempPath(pub PathBuf);

impl TempPath {
    /// A fresh name in the same folder as `target`, so that moving it there is a rename.
    pub fn beside(target: &Path) -> TempPath {
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{}.incoming", new_id()));
        TempPath(target.with_file_name(name))
    }

    /// Moves the file to `target`.
    pub fn persist(self, target: &Path) -> ApiResult<()> {
        std::fs::rename(&self.0, target)?;
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The bytes a user's uploads occupy on disk: complete files, multipart parts and thumbnails.
pub struct StoredBytes {
    paths: Vec<PathBuf>,
}

/// Lists the paths of everything `owner` uploaded, to remove after their rows are deleted.
pub fn owned_bytes(
    connection: &Connection,
    storage: &Storage,
    owner: &str,
) -> ApiResult<StoredBytes> {
    let mut statement =
        connection.prepare("SELECT id, size, part_size FROM files WHERE owner = ?1")?;
    let rows: Vec<(String, u64, Option<u64>)> = statement
        .query_map([owner], |row| {
            Ok((
                row.get(0)?,
                row.get::<_, i64>(1)? as u64,
                row.get::<_, Option<i64>>(2)?.map(|v| v as u64),
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut paths = Vec::new();
    let mut thumbnails = connection.prepare(
        "SELECT t.file_id, t.width FROM file_thumbnails t JOIN files f ON f.id = t.file_id \
         WHERE f.owner = ?1",
    )?;
    for thumbnail in thumbnails.query_map([owner], |row| Ok((row.get(0)?, row.get(1)?)))? {
        let (file_id, width): (String, u32) = thumbnail?;
        paths.push(storage.thumbnail_path(&file_id, width));
    }
    for (file_id, size, part_size) in rows {
        paths.push(storage.file_path(&file_id));
        if let Some(part_size) = part_size {
            let parts = part_count(size, part_size).min(MAX_PARTS) as u32;
            paths.extend((1..=parts).map(|part| storage.part_path(&file_id, part)));
        }
    }
    Ok(StoredBytes { paths })
}

impl StoredBytes {
    /// Removes the files; those never uploaded are simply not there.
    pub async fn remove(self) {
        for path in self.paths {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, mime: &str) -> FileMetadata {
        FileMetadata {
            name: name.into(),
            size,
            mime: mime.into(),
            width: None,
            height: None,
        }
    }

    #[test]
    fn parts_cover_the_file_and_only_the_last_is_short() {
        assert_eq!(part_count(1, 64), 1);
        assert_eq!(part_count(64, 64), 1);
        assert_eq!(part_count(65, 64), 2);
        assert_eq!(part_count(160, 64), 3);
        assert_eq!(expected_part_size(160, 64, 1), 64);
        assert_eq!(expected_part_size(160, 64, 3), 32);
        assert_eq!(expected_part_size(128, 64, 2), 64);
        assert_eq!(expected_part_size(128, 64, 9), 0);
    }

    #[test]
    fn rules_check_name_mime_and_size() {
        let rules = Rules::ATTACHMENTS;
        assert!(rules.check(&file("a.txt", 1, "text/plain"), 10).is_ok());
        let refused = [
            (file("", 1, "text/plain"), ErrorCode::BadRequest),
            (file("  ", 1, "text/plain"), ErrorCode::BadRequest),
            (file("a\nb", 1, "text/plain"), ErrorCode::BadRequest),
            (file("a", 0, "text/plain"), ErrorCode::BadRequest),
            (file("a", 1, "text"), ErrorCode::BadRequest),
            (file("a", 1, "text/ plain"), ErrorCode::BadRequest),
            (file("a", 11, "text/plain"), ErrorCode::UploadTooLarge),
        ];
        for (file, code) in refused {
            assert_eq!(rules.check(&file, 10).unwrap_err().code, code, "{file:?}");
        }
        let pfp = Rules::PROFILE_PICTURE;
        assert!(pfp.check(&file("me.png", 1, "image/png"), u64::MAX).is_ok());
        assert_eq!(
            pfp.check(&file("me.pdf", 1, "application/pdf"), u64::MAX)
                .unwrap_err()
                .code,
            ErrorCode::BadRequest
        );
        assert_eq!(
            pfp.check(&file("me.png", 10 * MIB + 1, "image/png"), u64::MAX)
                .unwrap_err()
                .code,
            ErrorCode::UploadTooLarge
        );
    }

    #[test]
    fn a_temporary_file_is_removed_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("abc");
        let dropped = TempPath::beside(&target);
        std::fs::write(&dropped.0, b"x").unwrap();
        let dropped_path = dropped.0.clone();
        drop(dropped);
        assert!(!dropped_path.exists());
        let kept = TempPath::beside(&target);
        assert_ne!(kept.0, dropped_path);
        std::fs::write(&kept.0, b"y").unwrap();
        kept.persist(&target).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"y");
    }
}
