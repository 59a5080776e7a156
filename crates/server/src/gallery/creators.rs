//! Creators (rows 80 to 82): any user is a creator; others follow them, and each decides
//! whether their pictures appear in discovery (they do unless the creator opts out).

use chatenium_api::schemas::pictures::Creator;
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection};

use super::{require_user, Viewer};
use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};

/// An SQL condition on a `pictures` table joined as `p`: its owner takes part in discovery.
/// Without a settings row a creator takes part, the default.
pub const IN_DISCOVERY: &str =
    "NOT EXISTS (SELECT 1 FROM creator_settings s WHERE s.user_id = p.owner AND s.discovery = 0)";

/// The users who follow `creator`: they hear of the creator's new pictures live.
pub fn followers(connection: &Connection, creator: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement =
        connection.prepare_cached("SELECT follower FROM creator_follows WHERE creator = ?1")?;
    let rows = statement.query_map([creator], |row| row.get(0))?;
    rows.collect()
}

/// Follows or unfollows `creator`; repeating either changes nothing. Following oneself is a
/// bad request, an unknown creator `notFound`.
pub fn set_following(
    connection: &Connection,
    follower: &str,
    creator: &str,
    follow: bool,
) -> ApiResult<()> {
    ensure(follower != creator, ErrorCode::BadRequest)?;
    require_user(connection, creator)?;
    if follow {
        connection.execute(
            "INSERT INTO creator_follows (follower, creator, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (follower, creator) DO NOTHING",
            params![follower, creator, unix_now()],
        )?;
    } else {
        connection.execute(
            "DELETE FROM creator_follows WHERE follower = ?1 AND creator = ?2",
            params![follower, creator],
        )?;
    }
    Ok(())
}

/// A creator as `viewer` sees them, or `notFound`.
pub fn details(connection: &Connection, viewer: &Viewer<'_>, creator: &str) -> ApiResult<Creator> {
    let user = viewer.public_user(connection, creator)?;
    let creator = connection.query_row(
        "SELECT (SELECT COUNT(*) FROM creator_follows WHERE creator = ?1),
                EXISTS (SELECT 1 FROM creator_follows WHERE creator = ?1 AND follower = ?2),
                (SELECT COUNT(*) FROM albums WHERE owner = ?1),
                (SELECT COUNT(*) FROM pictures WHERE owner = ?1),
                NOT EXISTS (SELECT 1 FROM creator_settings WHERE user_id = ?1 AND discovery = 0)",
        params![creator, viewer.userid],
        |row| {
            Ok(Creator {
                user,
                followers: row.get(0)?,
                following: row.get(1)?,
                album_count: row.get(2)?,
                picture_count: row.get(3)?,
                discovery_participation: row.get(4)?,
            })
        },
    )?;
    Ok(creator)
}

/// Sets whether `userid`'s pictures appear in discovery.
pub fn set_discovery(connection: &Connection, userid: &str, participate: bool) -> ApiResult<()> {
    connection.execute(
        "INSERT INTO creator_settings (user_id, discovery) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET discovery = excluded.discovery",
        params![userid, participate],
    )?;
    Ok(())
}
