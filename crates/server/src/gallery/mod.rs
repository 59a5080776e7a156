//! Picture galleries (rows 80 to 97): creators and their followers, pictures and their likes,
//! comments, albums and discovery. The SQL lives here, one module per kind of object, and the
//! image work (checks, thumbnails, metadata) in [`crate::images`]; the handlers in
//! `routes/pictures.rs` only bind it to the contract.
//!
//! Who may do what: a gallery is public to every signed-in user, who may read any creator's
//! pictures, albums and comments, like pictures and comment on them. Only a picture's or an
//! album's owner changes or deletes it; a comment is edited by its author and deleted by its
//! author or the picture's owner. Everything a user made goes with the account (the
//! migration's `ON DELETE CASCADE`s).

pub mod albums;
pub mod comments;
pub mod creators;
pub mod pictures;

use chatenium_api::schemas::common::PublicUserData;
use chatenium_api::ErrorCode;
use rusqlite::Connection;

use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::state::AppState;
use crate::storage::Access;
use crate::users;

/// What turning stored rows into the contract's types needs: who is asking (for `liked` and
/// `following`), the server (to sign download URLs) and its clock (to date new objects).
pub struct Viewer<'a> {
    pub state: &'a AppState,
    pub userid: &'a str,
}

impl<'a> Viewer<'a> {
    pub fn new(state: &'a AppState, userid: &'a str) -> Self {
        Viewer { state, userid }
    }

    fn url_ttl(&self) -> i64 {
        self.state.config.signed_url_ttl_secs as i64
    }

    /// A download URL of a stored file, valid for the server's signed-URL lifetime.
    fn url(&self, file_id: &str) -> String {
        self.state
            .storage
            .url(file_id, Access::Download, unix_now() + self.url_ttl())
    }

    /// A download URL of one of a stored file's thumbnails.
    fn thumbnail_url(&self, file_id: &str, width: u32) -> String {
        self.state.storage.url(
            file_id,
            Access::Thumbnail { width },
            unix_now() + self.url_ttl(),
        )
    }

    /// A user read with [`USER_COLUMNS`] starting at column `at`.
    fn user(&self, row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<PublicUserData> {
        users::public_from_row(row, at, &self.state.storage, self.url_ttl())
    }

    /// A user by id, or `notFound`.
    pub fn public_user(&self, connection: &Connection, userid: &str) -> ApiResult<PublicUserData> {
        users::public_user(connection, &self.state.storage, self.url_ttl(), userid)
    }
}

/// [`users::PUBLIC_COLUMNS`] of a `users` table joined as `u`, in the same order.
const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.pfp_file_id";

/// The longest picture title.
pub const MAX_TITLE_CHARS: usize = 100;
/// The longest picture or album description.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The longest album name (the `invalidName` rule).
pub const MAX_ALBUM_NAME_CHARS: usize = 64;
/// The longest comment.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// An optional text field as stored: surrounding spaces trimmed and a blank text stored as no
/// text, so that an edit sending `""` clears the field (an absent field leaves it as it is).
/// Longer than `max` characters or holding control characters (but newlines where
/// `multiline`) is a bad request.
pub fn optional_text(text: &str, max: usize, multiline: bool) -> ApiResult<Option<String>> {
    let text = text.trim();
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\t'));
    ensure(
        text.chars().count() <= max && text.chars().all(allowed),
        ErrorCode::BadRequest,
    )?;
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Whether `userid` is an existing user: a gallery of nobody is `notFound`.
pub fn require_user(connection: &Connection, userid: &str) -> ApiResult<()> {
    let known: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
        [userid],
        |row| row.get(0),
    )?;
    ensure(known, ErrorCode::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_texts_are_trimmed_and_checked() {
        assert_eq!(
            optional_text("  Sunset ", 10, false).unwrap(),
            Some("Sunset".into())
        );
        assert_eq!(optional_text("   ", 10, false).unwrap(), None);
        assert_eq!(
            optional_text("a\nb", 10, true).unwrap(),
            Some("a\nb".into())
        );
        assert!(optional_text("a\nb", 10, false).is_err());
        assert!(optional_text("a\u{7}b", 10, true).is_err());
        assert!(optional_text(&"é".repeat(11), 10, false).is_err());
        assert!(optional_text(&"é".repeat(10), 10, false).is_ok());
    }
}
