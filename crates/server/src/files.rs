//! Uploaded files as the other groups use them: a complete upload owned by the caller can be
//! attached to a message or become a picture; an attachment is shown with a fresh signed URL.

use chatenium_api::schemas::dm::{Attachment, AttachmentKind};
use chatenium_api::ErrorCode;
use rusqlite::{Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::storage::{Access, Storage};

/// The kind a MIME type shows as.
pub fn kind_of(mime: &str) -> AttachmentKind {
    match mime.split('/').next().unwrap_or("") {
        "image" => AttachmentKind::Image,
        "video" => AttachmentKind::Video,
        "audio" => AttachmentKind::Audio,
        _ => AttachmentKind::File,
    }
}

/// The lower-case extension of a file name, without the dot ("" when it has none).
pub fn format_of(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() && extension.len() <= 10 => {
            extension.to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

/// A complete file as an attachment with a download URL valid for `url_ttl` seconds.
pub fn attachment(
    connection: &Connection,
    storage: &Storage,
    url_ttl: i64,
    file_id: &str,
) -> ApiResult<Attachment> {
    connection
        .query_row(
            "SELECT id, name, mime, size, width, height FROM files WHERE id = ?1 AND state = 'complete'",
            [file_id],
            |row| {
                let id: String = row.get(0)?;
                let name: String = row.get(1)?;
                let mime: String = row.get(2)?;
                Ok(Attachment {
                    path: storage.url(&id, Access::Download, unix_now() + url_ttl),
                    format: format_of(&name),
                    kind: kind_of(&mime),
                    size: row.get::<_, i64>(3)? as u64,
                    width: row.get(4)?,
                    height: row.get(5)?,
                    has_thumbnail: false,
                    file_id: id,
                    file_name: name,
                })
            },
        )
        .optional()?
        .ok_or_else(|| ErrorCode::UploadNotFound.into())
}

/// Succeeds when `file_id` is a complete upload of `owner`'s: what a send or a picture may use.
pub fn require_complete_upload(
    connection: &Connection,
    owner: &str,
    file_id: &str,
) -> ApiResult<()> {
    let state: Option<String> = connection
        .query_row(
            "SELECT state FROM files WHERE id = ?1 AND owner = ?2",
            [file_id, owner],
            |row| row.get(0),
        )
        .optional()?;
    let state = state.ok_or(ErrorCode::UploadNotFound)?;
    ensure(state == "complete", ErrorCode::UploadIncomplete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_formats_come_from_mime_and_name() {
        assert_eq!(kind_of("image/png"), AttachmentKind::Image);
        assert_eq!(kind_of("application/pdf"), AttachmentKind::File);
        assert_eq!(kind_of("garbage"), AttachmentKind::File);
        assert_eq!(format_of("Photo.JPG"), "jpg");
        assert_eq!(format_of(".bashrc"), "");
        assert_eq!(format_of("noext"), "");
    }
}
