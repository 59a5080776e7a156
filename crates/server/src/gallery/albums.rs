//! Albums (rows 94 to 97): named groups of one creator's pictures. A picture is in one album
//! or in none; an album shows how many pictures it holds and, as its cover, the picture its
//! owner chose or else its newest.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::pictures::{Album, CreateAlbumReq, EditAlbumReq};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension, Params};

use super::{optional_text, require_user, Viewer, MAX_ALBUM_NAME_CHARS, MAX_DESCRIPTION_CHARS};
use crate::error::{ensure, ApiResult};
use crate::ids::new_id;

/// Every query reads these columns, so that [`Viewer::album`] reads every row alike. The
/// cover is the chosen picture while it is still in the album, else the newest one.
const SELECT: &str = "SELECT a.id, a.owner, a.name, a.description, a.created_t, a.created_i, \
     (SELECT COUNT(*) FROM pictures p WHERE p.album_id = a.id), \
     c.id, c.file_id \
     FROM albums a LEFT JOIN pictures c ON c.id = COALESCE( \
       (SELECT p.id FROM pictures p WHERE p.id = a.cover_picture_id AND p.album_id = a.id), \
       (SELECT p.id FROM pictures p WHERE p.album_id = a.id \
        ORDER BY p.uploaded_t DESC, p.uploaded_i DESC, p.id DESC LIMIT 1))";

impl Viewer<'_> {
    fn album(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<Album> {
        let cover_file_id: Option<String> = row.get(8)?;
        Ok(Album {
            album_id: row.get(0)?,
            owner: row.get(1)?,
            name: row.get(2)?,
            description: row.get(3)?,
            created_at: Timestamp::new(row.get(4)?, row.get(5)?),
            picture_count: row.get(6)?,
            cover: cover_file_id.map(|file_id| self.url(&file_id)),
            cover_picture_id: row.get(7)?,
        })
    }
}

fn select(
    connection: &Connection,
    viewer: &Viewer<'_>,
    tail: &str,
    params: impl Params,
) -> ApiResult<Vec<Album>> {
    let mut statement = connection.prepare_cached(&format!("{SELECT} {tail}"))?;
    let albums = statement
        .query_map(params, |row| viewer.album(row))?
        .collect::<Result<_, _>>()?;
    Ok(albums)
}

/// An album's name: 1 to 64 characters once trimmed, no control characters (`invalidName`).
fn name(text: &str) -> ApiResult<String> {
    let text = text.trim();
    let length = text.chars().count();
    ensure(
        (1..=MAX_ALBUM_NAME_CHARS).contains(&length) && !text.chars().any(char::is_control),
        ErrorCode::InvalidName,
    )?;
    Ok(text.to_owned())
}

fn description(text: &str) -> ApiResult<Option<String>> {
    optional_text(text, MAX_DESCRIPTION_CHARS, true)
}

/// An album by id, or `notFound`.
pub fn get(connection: &Connection, viewer: &Viewer<'_>, album_id: &str) -> ApiResult<Album> {
    select(connection, viewer, "WHERE a.id = ?1", [album_id])?
        .pop()
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The album's owner, or `notFound`.
fn owner_of(connection: &Connection, album_id: &str) -> ApiResult<String> {
    connection
        .query_row(
            "SELECT owner FROM albums WHERE id = ?1",
            [album_id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// Succeeds when `album_id` is `userid`'s. Another's album is visible, so changing it is
/// `forbidden`; one that does not exist is `notFound`.
pub fn require_owned(connection: &Connection, userid: &str, album_id: &str) -> ApiResult<()> {
    ensure(
        owner_of(connection, album_id)? == userid,
        ErrorCode::Forbidden,
    )
}

/// Succeeds when `album_id` is one of `creator`'s albums: reading another creator's album
/// through this creator's gallery is `notFound`.
pub fn require_of(connection: &Connection, creator: &str, album_id: &str) -> ApiResult<()> {
    ensure(
        owner_of(connection, album_id)? == creator,
        ErrorCode::NotFound,
    )
}

pub fn create(
    connection: &Connection,
    viewer: &Viewer<'_>,
    req: &CreateAlbumReq,
) -> ApiResult<Album> {
    let name = name(&req.name)?;
    let description = match &req.description {
        Some(text) => description(text)?,
        None => None,
    };
    let album_id = new_id();
    let created = viewer.state.clock.tick();
    connection.execute(
        "INSERT INTO albums (id, owner, name, description, created_t, created_i)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            album_id,
            viewer.userid,
            name,
            description,
            created.t,
            created.i
        ],
    )?;
    get(connection, viewer, &album_id)
}

/// A creator's albums, the newest first; an unknown creator is `notFound`.
pub fn of_creator(
    connection: &Connection,
    viewer: &Viewer<'_>,
    creator: &str,
) -> ApiResult<Vec<Album>> {
    require_user(connection, creator)?;
    select(
        connection,
        viewer,
        "WHERE a.owner = ?1 ORDER BY a.created_t DESC, a.created_i DESC, a.id DESC",
        [creator],
    )
}

/// Renames the album, changes its description (`""` clears it) or chooses its cover; owner
/// only. The cover must be one of the caller's pictures (`notFound`, `forbidden`) in this
/// album (`notInAlbum`).
pub fn edit(connection: &Connection, viewer: &Viewer<'_>, req: &EditAlbumReq) -> ApiResult<Album> {
    let name = req.name.as_deref().map(name).transpose()?;
    let description = req.description.as_deref().map(description).transpose()?;
    require_owned(connection, viewer.userid, &req.album_id)?;
    if let Some(picture_id) = &req.cover_picture_id {
        require_cover(connection, viewer.userid, &req.album_id, picture_id)?;
        connection.execute(
            "UPDATE albums SET cover_picture_id = ?1 WHERE id = ?2",
            params![picture_id, req.album_id],
        )?;
    }
    if let Some(name) = name {
        connection.execute(
            "UPDATE albums SET name = ?1 WHERE id = ?2",
            params![name, req.album_id],
        )?;
    }
    if let Some(description) = description {
        connection.execute(
            "UPDATE albums SET description = ?1 WHERE id = ?2",
            params![description, req.album_id],
        )?;
    }
    get(connection, viewer, &req.album_id)
}

/// Succeeds when `picture_id` is `userid`'s and in `album_id`.
fn require_cover(
    connection: &Connection,
    userid: &str,
    album_id: &str,
    picture_id: &str,
) -> ApiResult<()> {
    let (owner, picture_album): (String, Option<String>) = connection
        .query_row(
            "SELECT owner, album_id FROM pictures WHERE id = ?1",
            [picture_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or(ErrorCode::NotFound)?;
    ensure(owner == userid, ErrorCode::Forbidden)?;
    ensure(
        picture_album.as_deref() == Some(album_id),
        ErrorCode::NotInAlbum,
    )
}

/// Forgets `picture_id` as the cover of any album but `kept_album` (a picture moving there):
/// were it moved back later, the album would otherwise show it again unasked.
pub fn forget_cover(
    connection: &Connection,
    picture_id: &str,
    kept_album: Option<&str>,
) -> ApiResult<()> {
    connection.execute(
        "UPDATE albums SET cover_picture_id = NULL
         WHERE cover_picture_id = ?1 AND id IS NOT ?2",
        params![picture_id, kept_album],
    )?;
    Ok(())
}

/// Deletes the album; owner only. Its pictures are not deleted: they move to "no album",
/// where [`super::pictures::of_creator`] without an album finds them.
pub fn delete(connection: &mut Connection, userid: &str, album_id: &str) -> ApiResult<()> {
    let transaction = connection.transaction()?;
    require_owned(&transaction, userid, album_id)?;
    transaction.execute(
        "UPDATE pictures SET album_id = NULL WHERE album_id = ?1",
        [album_id],
    )?;
    transaction.execute("DELETE FROM albums WHERE id = ?1", [album_id])?;
    transaction.commit()?;
    Ok(())
}
