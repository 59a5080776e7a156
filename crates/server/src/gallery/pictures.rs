//! Pictures (rows 83 to 89): a picture is a complete image upload of its owner's with a title,
//! a description and maybe an album; others like it (once each) and comment on it. Discovery
//! shows the recent and the most liked pictures of the creators who take part.
//!
//! Making pictures reads each new upload as an image ([`crate::images`]): off the database lock and
//! off the async runtime, before any picture is stored, so that one unreadable or oversized
//! image refuses the whole request. What the reading finds (size, type, placeholder,
//! thumbnails) is recorded with the file; the original is rewritten without its metadata.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::pictures::{
    DiscoveryResp, EditPictureReq, NewPicture, Picture, Preview, Thumbnail, UploadPicturesReq,
};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension, Params};

use super::creators::IN_DISCOVERY;
use super::{
    albums, optional_text, require_user, Viewer, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS,
    USER_COLUMNS,
};
use crate::config::ImageSettings;
use crate::error::{ensure, ApiResult};
use crate::ids::new_id;
use crate::images::Processed;
use crate::state::AppState;
use crate::uploads::{self, Rules, TempPath};

/// The most pictures one request registers or makes.
pub const MAX_FILES: usize = 20;

/// What a gallery upload accepts: up to [`MAX_FILES`] images of at most the configured
/// `images.maxBytes` each (20 MiB by default).
pub fn rules(settings: &ImageSettings) -> Rules {
    Rules {
        max_files: MAX_FILES,
        max_size: settings.max_bytes,
        images_only: true,
    }
}

/// How many pictures each list of discovery shows.
pub const DISCOVERY_SIZE: u32 = 50;

/// Every query reads these columns, so that [`Viewer::picture`] reads every row alike. `?1` is
/// always the viewer (for `liked`).
const SELECT: &str =
    "SELECT p.id, p.owner, p.album_id, p.title, p.description, p.file_id, f.width, f.height, \
     (SELECT COUNT(*) FROM picture_likes l WHERE l.picture_id = p.id), \
     EXISTS (SELECT 1 FROM picture_likes l WHERE l.picture_id = p.id AND l.user_id = ?1), \
     (SELECT COUNT(*) FROM picture_comments c WHERE c.picture_id = p.id), \
     p.uploaded_t, p.uploaded_i, f.placeholder \
     FROM pictures p JOIN files f ON f.id = p.file_id";

const NEWEST_FIRST: &str = "ORDER BY p.uploaded_t DESC, p.uploaded_i DESC, p.id DESC";

impl Viewer<'_> {
    /// A picture's row, and its file (whose thumbnails are read next).
    fn picture(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Picture)> {
        let file_id: String = row.get(5)?;
        let picture = Picture {
            picture_id: row.get(0)?,
            owner: row.get(1)?,
            album_id: row.get(2)?,
            title: row.get(3)?,
            description: row.get(4)?,
            path: self.url(&file_id),
            width: row.get(6)?,
            height: row.get(7)?,
            placeholder: row.get(13)?,
            has_thumbnail: false,
            thumbnails: Vec::new(),
            likes: row.get(8)?,
            liked: row.get(9)?,
            comment_count: row.get(10)?,
            uploaded_at: Timestamp::new(row.get(11)?, row.get(12)?),
        };
        Ok((file_id, picture))
    }

    /// A file's thumbnails with download URLs, the narrowest first.
    fn thumbnails(&self, connection: &Connection, file_id: &str) -> ApiResult<Vec<Thumbnail>> {
        let mut statement = connection.prepare_cached(
            "SELECT width, height FROM file_thumbnails WHERE file_id = ?1 ORDER BY width",
        )?;
        let thumbnails = statement
            .query_map([file_id], |row| {
                let width = row.get(0)?;
                Ok(Thumbnail {
                    width,
                    height: row.get(1)?,
                    path: self.thumbnail_url(file_id, width),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(thumbnails)
    }
}

fn select(
    connection: &Connection,
    viewer: &Viewer<'_>,
    tail: &str,
    params: impl Params,
) -> ApiResult<Vec<Picture>> {
    let mut statement = connection.prepare_cached(&format!("{SELECT} {tail}"))?;
    let rows: Vec<(String, Picture)> = statement
        .query_map(params, |row| viewer.picture(row))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(file_id, mut picture)| {
            picture.thumbnails = viewer.thumbnails(connection, &file_id)?;
            picture.has_thumbnail = !picture.thumbnails.is_empty();
            Ok(picture)
        })
        .collect()
}

fn title(text: &str) -> ApiResult<Option<String>> {
    optional_text(text, MAX_TITLE_CHARS, false)
}

fn description(text: &str) -> ApiResult<Option<String>> {
    optional_text(text, MAX_DESCRIPTION_CHARS, true)
}

/// A picture as `viewer` sees it, or `notFound`.
pub fn get(connection: &Connection, viewer: &Viewer<'_>, picture_id: &str) -> ApiResult<Picture> {
    select(
        connection,
        viewer,
        "WHERE p.id = ?2",
        params![viewer.userid, picture_id],
    )?
    .pop()
    .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The picture's owner, or `notFound`.
pub fn owner_of(connection: &Connection, picture_id: &str) -> ApiResult<String> {
    connection
        .query_row(
            "SELECT owner FROM pictures WHERE id = ?1",
            [picture_id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// Succeeds when the picture is `userid`'s; another's (which the caller can see) is `forbidden`.
fn require_owned(connection: &Connection, userid: &str, picture_id: &str) -> ApiResult<()> {
    ensure(
        owner_of(connection, picture_id)? == userid,
        ErrorCode::Forbidden,
    )
}

/// A creator's pictures in `album_id` (one of theirs), or in no album; the newest first.
pub fn of_creator(
    connection: &Connection,
    viewer: &Viewer<'_>,
    creator: &str,
    album_id: Option<&str>,
) -> ApiResult<Vec<Picture>> {
    require_user(connection, creator)?;
    match album_id {
        Some(album_id) => {
            albums::require_of(connection, creator, album_id)?;
            select(
                connection,
                viewer,
                &format!("WHERE p.owner = ?2 AND p.album_id = ?3 {NEWEST_FIRST}"),
                params![viewer.userid, creator, album_id],
            )
        }
        None => select(
            connection,
            viewer,
            &format!("WHERE p.owner = ?2 AND p.album_id IS NULL {NEWEST_FIRST}"),
            params![viewer.userid, creator],
        ),
    }
}

/// A new picture's text, checked before anything is stored.
struct Checked<'a> {
    file_id: &'a str,
    title: Option<String>,
    description: Option<String>,
}

fn check_new(pictures: &[NewPicture]) -> ApiResult<Vec<Checked<'_>>> {
    ensure(
        (1..=MAX_FILES).contains(&pictures.len()),
        ErrorCode::BadRequest,
    )?;
    let mut checked: Vec<Checked<'_>> = Vec::with_capacity(pictures.len());
    for picture in pictures {
        ensure(
            checked.iter().all(|c| c.file_id != picture.file_id),
            ErrorCode::BadRequest,
        )?;
        checked.push(Checked {
            file_id: &picture.file_id,
            title: picture.title.as_deref().map(title).transpose()?.flatten(),
            description: picture
                .description
                .as_deref()
                .map(description)
                .transpose()?
                .flatten(),
        });
    }
    Ok(checked)
}

/// Makes pictures of the caller's uploads, all or none, in the order given. Each upload must
/// be the caller's, an image within [`rules`] and have all its bytes; a single-PUT upload not
/// completed yet is completed here. Each new one is then read as an image: one that is not a
/// readable JPEG, PNG, WebP or GIF is `invalidImage`, one over the limits `imageTooLarge`, and
/// then no picture is made. The album, when named, must be the caller's. An upload that is a
/// picture already answers that picture unchanged, so a client may retry.
pub async fn upload(
    state: &AppState,
    userid: &str,
    req: UploadPicturesReq,
) -> ApiResult<Vec<Picture>> {
    let req = std::sync::Arc::new(req);
    let to_read = {
        let (state, userid, req) = (state.clone(), userid.to_owned(), req.clone());
        state
            .db
            .clone()
            .call(move |c| new_uploads(c, &Viewer::new(&state, &userid), &req))
            .await?
    };
    let mut read = Vec::with_capacity(to_read.len());
    for file_id in to_read {
        let processed = state
            .imaging
            .process(&state.storage.file_path(&file_id))
            .await?;
        read.push((file_id, processed));
    }
    for (file_id, processed) in &mut read {
        store_outputs(state, file_id, processed).await?;
    }
    let (state, userid) = (state.clone(), userid.to_owned());
    state
        .db
        .clone()
        .call(move |c| {
            for (file_id, processed) in &read {
                record(c, file_id, processed)?;
            }
            make_pictures(c, &Viewer::new(&state, &userid), &req)
        })
        .await
}

/// Checks the request and completes its uploads; answers those not pictures yet, to be read.
/// Nothing is kept when a check fails.
fn new_uploads(
    connection: &mut Connection,
    viewer: &Viewer<'_>,
    req: &UploadPicturesReq,
) -> ApiResult<Vec<String>> {
    let checked = check_new(&req.pictures)?;
    let transaction = connection.transaction()?;
    if let Some(album_id) = &req.album_id {
        albums::require_owned(&transaction, viewer.userid, album_id)?;
    }
    let mut to_read = Vec::new();
    for picture in checked {
        uploads::complete_single(
            viewer.state,
            &transaction,
            viewer.userid,
            picture.file_id,
            rules(&viewer.state.config.images),
        )?;
        if picture_of_file(&transaction, picture.file_id)?.is_none() {
            to_read.push(picture.file_id.to_owned());
        }
    }
    transaction.commit()?;
    Ok(to_read)
}

fn picture_of_file(connection: &Connection, file_id: &str) -> ApiResult<Option<String>> {
    Ok(connection
        .query_row(
            "SELECT id FROM pictures WHERE file_id = ?1",
            [file_id],
            |row| row.get(0),
        )
        .optional()?)
}

/// Writes the thumbnails, and the original without its metadata in place of the upload; each
/// file appears whole or not at all (written beside, then renamed).
async fn store_outputs(
    state: &AppState,
    file_id: &str,
    processed: &mut Processed,
) -> ApiResult<()> {
    let mut writes = Vec::new();
    for thumbnail in &mut processed.thumbnails {
        let bytes = std::mem::take(&mut thumbnail.bytes);
        writes.push((
            state.storage.thumbnail_path(file_id, thumbnail.width),
            bytes,
        ));
    }
    if let Some(stripped) = processed.stripped.as_ref() {
        writes.push((state.storage.file_path(file_id), stripped.clone()));
    }
    for (target, bytes) in writes {
        let temporary = TempPath::beside(&target);
        tokio::fs::write(&temporary.0, bytes).await?;
        temporary.persist(&target)?;
    }
    Ok(())
}

/// Records what reading the file found: its measured size and type, the placeholder, the
/// thumbnails, and the new size of an original rewritten without its metadata.
fn record(connection: &Connection, file_id: &str, processed: &Processed) -> ApiResult<()> {
    connection.execute(
        "UPDATE files SET width = ?1, height = ?2, mime = ?3, placeholder = ?4, \
         size = COALESCE(?5, size) WHERE id = ?6",
        params![
            processed.width,
            processed.height,
            processed.mime,
            processed.placeholder,
            processed.stripped.as_ref().map(|bytes| bytes.len() as i64),
            file_id
        ],
    )?;
    connection.execute("DELETE FROM file_thumbnails WHERE file_id = ?1", [file_id])?;
    for thumbnail in &processed.thumbnails {
        connection.execute(
            "INSERT INTO file_thumbnails (file_id, width, height, mime) VALUES (?1, ?2, ?3, ?4)",
            params![file_id, thumbnail.width, thumbnail.height, thumbnail.mime],
        )?;
    }
    Ok(())
}

/// Stores the pictures, all or none, after the checks again (the album may have gone).
fn make_pictures(
    connection: &mut Connection,
    viewer: &Viewer<'_>,
    req: &UploadPicturesReq,
) -> ApiResult<Vec<Picture>> {
    let checked = check_new(&req.pictures)?;
    let owner = viewer.userid;
    let transaction = connection.transaction()?;
    if let Some(album_id) = &req.album_id {
        albums::require_owned(&transaction, owner, album_id)?;
    }
    let mut picture_ids = Vec::with_capacity(checked.len());
    for picture in checked {
        uploads::complete_single(
            viewer.state,
            &transaction,
            owner,
            picture.file_id,
            rules(&viewer.state.config.images),
        )?;
        if let Some(picture_id) = picture_of_file(&transaction, picture.file_id)? {
            picture_ids.push(picture_id);
            continue;
        }
        let picture_id = new_id();
        let uploaded = viewer.state.clock.tick();
        transaction.execute(
            "INSERT INTO pictures (id, owner, file_id, album_id, title, description, uploaded_t, uploaded_i)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                picture_id,
                owner,
                picture.file_id,
                req.album_id,
                picture.title,
                picture.description,
                uploaded.t,
                uploaded.i
            ],
        )?;
        picture_ids.push(picture_id);
    }
    transaction.commit()?;
    picture_ids
        .iter()
        .map(|picture_id| get(connection, viewer, picture_id))
        .collect()
}

/// Changes the fields the request carries (`""` clears a title or description) and, with
/// `moveToAlbum`, the album (`albumId: null` for none). Owner only; the album must be theirs.
/// An `albumId` without `moveToAlbum` is a bad request rather than silently ignored.
pub fn edit(
    connection: &mut Connection,
    viewer: &Viewer<'_>,
    req: &EditPictureReq,
) -> ApiResult<Picture> {
    ensure(
        req.move_to_album || req.album_id.is_none(),
        ErrorCode::BadRequest,
    )?;
    let title = req.title.as_deref().map(title).transpose()?;
    let description = req.description.as_deref().map(description).transpose()?;
    let transaction = connection.transaction()?;
    require_owned(&transaction, viewer.userid, &req.picture_id)?;
    if let Some(title) = title {
        transaction.execute(
            "UPDATE pictures SET title = ?1 WHERE id = ?2",
            params![title, req.picture_id],
        )?;
    }
    if let Some(description) = description {
        transaction.execute(
            "UPDATE pictures SET description = ?1 WHERE id = ?2",
            params![description, req.picture_id],
        )?;
    }
    if req.move_to_album {
        if let Some(album_id) = &req.album_id {
            albums::require_owned(&transaction, viewer.userid, album_id)?;
        }
        transaction.execute(
            "UPDATE pictures SET album_id = ?1 WHERE id = ?2",
            params![req.album_id, req.picture_id],
        )?;
        albums::forget_cover(&transaction, &req.picture_id, req.album_id.as_deref())?;
    }
    transaction.commit()?;
    get(connection, viewer, &req.picture_id)
}

/// Deletes the picture with its likes and comments (the foreign keys take them); owner only.
/// The upload stays the owner's, like any other upload, until their account goes.
pub fn delete(connection: &Connection, userid: &str, picture_id: &str) -> ApiResult<()> {
    require_owned(connection, userid, picture_id)?;
    connection.execute("DELETE FROM pictures WHERE id = ?1", [picture_id])?;
    Ok(())
}

/// Likes or unlikes the picture as the viewer; repeating either changes nothing.
pub fn set_like(
    connection: &Connection,
    viewer: &Viewer<'_>,
    picture_id: &str,
    like: bool,
) -> ApiResult<Picture> {
    owner_of(connection, picture_id)?;
    if like {
        connection.execute(
            "INSERT INTO picture_likes (picture_id, user_id) VALUES (?1, ?2)
             ON CONFLICT (picture_id, user_id) DO NOTHING",
            params![picture_id, viewer.userid],
        )?;
    } else {
        connection.execute(
            "DELETE FROM picture_likes WHERE picture_id = ?1 AND user_id = ?2",
            params![picture_id, viewer.userid],
        )?;
    }
    get(connection, viewer, picture_id)
}

/// Discovery's rows: every picture of a creator who takes part, with its like count and author.
const PREVIEW: &str = "SELECT p.id, p.file_id, COALESCE(l.likes, 0), p.uploaded_t, p.uploaded_i, \
     f.width, f.height, f.placeholder, ";
const PREVIEW_FROM: &str = "FROM pictures p JOIN users u ON u.id = p.owner \
     JOIN files f ON f.id = p.file_id \
     LEFT JOIN (SELECT picture_id, COUNT(*) AS likes FROM picture_likes GROUP BY picture_id) l \
     ON l.picture_id = p.id";

fn previews(connection: &Connection, viewer: &Viewer<'_>, tail: &str) -> ApiResult<Vec<Preview>> {
    let sql = format!("{PREVIEW}{USER_COLUMNS} {PREVIEW_FROM} WHERE {IN_DISCOVERY} {tail}");
    let mut statement = connection.prepare_cached(&sql)?;
    let rows: Vec<(String, Preview)> = statement
        .query_map([DISCOVERY_SIZE], |row| {
            let file_id: String = row.get(1)?;
            let preview = Preview {
                picture_id: row.get(0)?,
                path: viewer.url(&file_id),
                width: row.get(5)?,
                height: row.get(6)?,
                placeholder: row.get(7)?,
                has_thumbnail: false,
                thumbnails: Vec::new(),
                likes: row.get(2)?,
                uploaded_at: Timestamp::new(row.get(3)?, row.get(4)?),
                author: viewer.user(row, 8)?,
            };
            Ok((file_id, preview))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(file_id, mut preview)| {
            preview.thumbnails = viewer.thumbnails(connection, &file_id)?;
            preview.has_thumbnail = !preview.thumbnails.is_empty();
            Ok(preview)
        })
        .collect()
}

/// The newest pictures, and the most liked (at least one like; the newer first among equals),
/// of the creators who take part in discovery: [`DISCOVERY_SIZE`] of each at most.
pub fn discovery(connection: &Connection, viewer: &Viewer<'_>) -> ApiResult<DiscoveryResp> {
    Ok(DiscoveryResp {
        recent: previews(connection, viewer, &format!("{NEWEST_FIRST} LIMIT ?1"))?,
        most_liked: previews(
            connection,
            viewer,
            "AND l.likes > 0 ORDER BY l.likes DESC, p.uploaded_t DESC, p.uploaded_i DESC, p.id DESC \
             LIMIT ?1",
        )?,
    })
}
