//! Comments under pictures (rows 90 to 93). Any signed-in user comments; the author edits a
//! comment, and the author or the picture's owner (who keeps their gallery tidy) deletes it.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::pictures::{Comment, EditCommentReq, PostCommentReq};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension, Params};

use super::{pictures, Viewer, MAX_COMMENT_CHARS, USER_COLUMNS};
use crate::error::{ensure, ApiResult};
use crate::ids::new_id;

/// Every query reads these columns, so that [`Viewer::comment`] reads every row alike.
fn select_sql(tail: &str) -> String {
    format!(
        "SELECT c.id, c.picture_id, c.content, c.edited, c.posted_t, c.posted_i, {USER_COLUMNS} \
         FROM picture_comments c JOIN users u ON u.id = c.author {tail}"
    )
}

impl Viewer<'_> {
    fn comment(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<Comment> {
        Ok(Comment {
            comment_id: row.get(0)?,
            picture_id: row.get(1)?,
            content: row.get(2)?,
            is_edited: row.get(3)?,
            posted_at: Timestamp::new(row.get(4)?, row.get(5)?),
            author: self.user(row, 6)?,
        })
    }
}

fn select(
    connection: &Connection,
    viewer: &Viewer<'_>,
    tail: &str,
    params: impl Params,
) -> ApiResult<Vec<Comment>> {
    let mut statement = connection.prepare_cached(&select_sql(tail))?;
    let comments = statement
        .query_map(params, |row| viewer.comment(row))?
        .collect::<Result<_, _>>()?;
    Ok(comments)
}

fn get(connection: &Connection, viewer: &Viewer<'_>, comment_id: &str) -> ApiResult<Comment> {
    select(connection, viewer, "WHERE c.id = ?1", [comment_id])?
        .pop()
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// A comment's text: 1 to 2000 characters once trimmed; line breaks and tabs are the only
/// control characters allowed.
fn content(text: &str) -> ApiResult<String> {
    let text = text.trim();
    let length = text.chars().count();
    let allowed = |c: char| !c.is_control() || matches!(c, '\n' | '\t');
    ensure(
        (1..=MAX_COMMENT_CHARS).contains(&length) && text.chars().all(allowed),
        ErrorCode::BadRequest,
    )?;
    Ok(text.to_owned())
}

/// Posts a comment under an existing picture as the viewer.
pub fn post(
    connection: &Connection,
    viewer: &Viewer<'_>,
    req: &PostCommentReq,
) -> ApiResult<Comment> {
    let content = content(&req.content)?;
    pictures::owner_of(connection, &req.picture_id)?;
    let comment_id = new_id();
    let posted = viewer.state.clock.tick();
    connection.execute(
        "INSERT INTO picture_comments (id, picture_id, author, content, posted_t, posted_i)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            comment_id,
            req.picture_id,
            viewer.userid,
            content,
            posted.t,
            posted.i
        ],
    )?;
    get(connection, viewer, &comment_id)
}

/// The comments under a picture, the oldest first; an unknown picture is `notFound`.
pub fn of_picture(
    connection: &Connection,
    viewer: &Viewer<'_>,
    picture_id: &str,
) -> ApiResult<Vec<Comment>> {
    pictures::owner_of(connection, picture_id)?;
    select(
        connection,
        viewer,
        "WHERE c.picture_id = ?1 ORDER BY c.posted_t, c.posted_i, c.id",
        [picture_id],
    )
}

/// The comment's author and its picture's owner, or `notFound`.
fn author_and_owner(connection: &Connection, comment_id: &str) -> ApiResult<(String, String)> {
    connection
        .query_row(
            "SELECT c.author, p.owner FROM picture_comments c JOIN pictures p ON p.id = c.picture_id
             WHERE c.id = ?1",
            [comment_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// Replaces the text and marks the comment edited; the author only (`notAuthor`).
pub fn edit(
    connection: &Connection,
    viewer: &Viewer<'_>,
    req: &EditCommentReq,
) -> ApiResult<Comment> {
    let content = content(&req.content)?;
    let (author, _) = author_and_owner(connection, &req.comment_id)?;
    ensure(author == viewer.userid, ErrorCode::NotAuthor)?;
    connection.execute(
        "UPDATE picture_comments SET content = ?1, edited = 1 WHERE id = ?2",
        params![content, req.comment_id],
    )?;
    get(connection, viewer, &req.comment_id)
}

/// Deletes the comment: its author or the picture's owner may; anyone else is `forbidden`.
pub fn delete(connection: &Connection, userid: &str, comment_id: &str) -> ApiResult<()> {
    let (author, owner) = author_and_owner(connection, comment_id)?;
    ensure(author == userid || owner == userid, ErrorCode::Forbidden)?;
    connection.execute("DELETE FROM picture_comments WHERE id = ?1", [comment_id])?;
    Ok(())
}
