//! Reading users as others see them, shared by every group.

use chatenium_api::schemas::common::PublicUserData;
use chatenium_api::ErrorCode;
use rusqlite::{Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::ApiResult;
use crate::storage::{Access, Storage};

/// The columns [`public_from_row`] reads, in its order.
pub const PUBLIC_COLUMNS: &str = "id, username, display_name, pfp_file_id";

/// Builds a [`PublicUserData`] from a row selected with [`PUBLIC_COLUMNS`] starting at `at`.
pub fn public_from_row(
    row: &rusqlite::Row<'_>,
    at: usize,
    storage: &Storage,
    url_ttl: i64,
) -> rusqlite::Result<PublicUserData> {
    let pfp: Option<String> = row.get(at + 3)?;
    Ok(PublicUserData {
        userid: row.get(at)?,
        username: row.get(at + 1)?,
        display_name: row.get(at + 2)?,
        pfp: pfp.map(|file_id| storage.url(&file_id, Access::Download, unix_now() + url_ttl)),
    })
}

/// A user by id, or `notFound`.
pub fn public_user(
    connection: &Connection,
    storage: &Storage,
    url_ttl: i64,
    userid: &str,
) -> ApiResult<PublicUserData> {
    connection
        .query_row(
            &format!("SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?1"),
            [userid],
            |row| public_from_row(row, 0, storage, url_ttl),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The ids of everyone who shares a direct chat with `userid`: those who see their profile.
pub fn chat_partners(connection: &Connection, userid: &str) -> ApiResult<Vec<String>> {
    let mut statement = connection.prepare(
        "SELECT CASE WHEN user_a = ?1 THEN user_b ELSE user_a END FROM chats WHERE user_a = ?1 OR user_b = ?1",
    )?;
    let partners = statement
        .query_map([userid], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(partners)
}

/// Everyone who sees `userid`'s profile: their chat partners and the members of the cascades
/// they belong to, each once.
pub fn audience_of(connection: &Connection, userid: &str) -> ApiResult<Vec<String>> {
    let mut statement = connection.prepare(
        "SELECT CASE WHEN user_a = ?1 THEN user_b ELSE user_a END FROM chats WHERE user_a = ?1 OR user_b = ?1 \
         UNION \
         SELECT other.user_id FROM cascade_members mine \
         JOIN cascade_members other ON other.cascade_id = mine.cascade_id \
         WHERE mine.user_id = ?1 AND other.user_id <> ?1",
    )?;
    let audience = statement
        .query_map([userid], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(audience)
}
