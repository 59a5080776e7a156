//! Cascades: the stored cascade and its invite, who is a member with which role, the cascade as
//! each member sees it, discovery cards, and announcing a change to every member in their own view.
//!
//! Every member has a row in `cascade_members`, the owner too (role `owner`), so "is a member"
//! is one lookup. A caller who is not a member gets `notFound` for everything inside a cascade,
//! the same answer as for a cascade that does not exist. Joining, leaving, kicking and bans
//! live in `cascade_members.rs`; threads in `threads.rs`.

use chatenium_api::schemas::cascade::{
    Cascade, CascadeMember, CascadeRole, DiscoveryCascade, Invite,
};
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::ws::ServerEvent;
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiError, ApiResult};
use crate::hub::{Audience, Origin};
use crate::state::AppState;
use crate::storage::{Access, Storage};
use crate::uploads::Rules;
use crate::{files, uploads, users};

/// A cascade picture: one image of at most 10 MiB, as a profile picture.
pub const CASCADE_PICTURE: Rules = Rules {
    max_files: 1,
    max_size: 10 * 1024 * 1024,
    images_only: true,
};

/// How far back discovery counts a cascade's messages.
pub const RECENT_SECS: i64 = 7 * 24 * 3600;

/// A cascade's or a thread's name: 1 to 64 characters, not only spaces, no control characters.
pub fn check_name(name: &str) -> ApiResult<()> {
    let length = name.chars().count();
    let valid = (1..=64).contains(&length)
        && !name.trim().is_empty()
        && !name.chars().any(char::is_control);
    ensure(valid, ErrorCode::InvalidName)
}

/// A cascade as stored.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub owner_id: String,
    pub public: bool,
    pub picture_file_id: Option<String>,
    pub invite: Invite,
    pub created: Timestamp,
}

impl Row {
    /// The invite still admits someone at `now`: not expired (an expiry *at* `now` has
    /// passed, so a 0-second invite never works) and not used up.
    pub fn invite_usable(&self, now: i64) -> bool {
        let invite = &self.invite;
        invite.expires_at.is_none_or(|expires| expires > now)
            && invite.max_uses.is_none_or(|max| invite.uses < max)
    }
}

const COLUMNS: &str = "c.id, c.name, c.owner_id, c.public, c.picture_file_id, c.invite_code, \
     c.invite_expires_at, c.invite_max_uses, c.invite_uses, c.created_t, c.created_i";

fn row_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: row.get(0)?,
        name: row.get(1)?,
        owner_id: row.get(2)?,
        public: row.get(3)?,
        picture_file_id: row.get(4)?,
        invite: Invite {
            code: row.get(5)?,
            expires_at: row.get(6)?,
            max_uses: row.get(7)?,
            uses: row.get(8)?,
        },
        created: Timestamp::new(row.get(9)?, row.get(10)?),
    })
}

pub fn role_name(role: CascadeRole) -> &'static str {
    match role {
        CascadeRole::Owner => "owner",
        CascadeRole::Admin => "admin",
        CascadeRole::Member => "member",
    }
}

fn parse_role(name: &str) -> CascadeRole {
    match name {
        "owner" => CascadeRole::Owner,
        "admin" => CascadeRole::Admin,
        _ => CascadeRole::Member,
    }
}

/// Owners and admins moderate: kick, ban, rename, change visibility, see the invite.
pub fn moderates(role: CascadeRole) -> bool {
    matches!(role, CascadeRole::Owner | CascadeRole::Admin)
}

pub fn find(connection: &Connection, cascade_id: &str) -> ApiResult<Option<Row>> {
    Ok(connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM cascades c WHERE c.id = ?1"),
            [cascade_id],
            row_from,
        )
        .optional()?)
}

pub fn by_invite(connection: &Connection, code: &str) -> ApiResult<Option<Row>> {
    Ok(connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM cascades c WHERE c.invite_code = ?1"),
            [code],
            row_from,
        )
        .optional()?)
}

/// `userid`'s role in the cascade, `None` when not a member.
pub fn role_of(
    connection: &Connection,
    cascade_id: &str,
    userid: &str,
) -> ApiResult<Option<CascadeRole>> {
    let role: Option<String> = connection
        .query_row(
            "SELECT role FROM cascade_members WHERE cascade_id = ?1 AND user_id = ?2",
            [cascade_id, userid],
            |row| row.get(0),
        )
        .optional()?;
    Ok(role.as_deref().map(parse_role))
}

/// The cascade and the caller's role in it; `notFound` for anyone who is not a member.
pub fn membership(
    connection: &Connection,
    cascade_id: &str,
    userid: &str,
) -> ApiResult<(Row, CascadeRole)> {
    let role = role_of(connection, cascade_id, userid)?.ok_or(ErrorCode::NotFound)?;
    let row = find(connection, cascade_id)?.ok_or(ErrorCode::NotFound)?;
    Ok((row, role))
}

/// As [`membership`], for what only the owner and admins may do: a plain member is `forbidden`.
pub fn moderated(
    connection: &Connection,
    cascade_id: &str,
    userid: &str,
) -> ApiResult<(Row, CascadeRole)> {
    let (row, role) = membership(connection, cascade_id, userid)?;
    ensure(moderates(role), ErrorCode::Forbidden)?;
    Ok((row, role))
}

/// Every member's userid: the audience of the cascade's events.
pub fn member_ids(connection: &Connection, cascade_id: &str) -> ApiResult<Vec<String>> {
    let mut statement =
        connection.prepare_cached("SELECT user_id FROM cascade_members WHERE cascade_id = ?1")?;
    let ids = statement
        .query_map([cascade_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// The cascades `userid` belongs to (owned or joined), in the order they were joined.
pub fn of_member(connection: &Connection, userid: &str) -> ApiResult<Vec<Row>> {
    let mut statement = connection.prepare(&format!(
        "SELECT {COLUMNS} FROM cascades c JOIN cascade_members m ON m.cascade_id = c.id \
         WHERE m.user_id = ?1 ORDER BY m.joined_t, m.joined_i"
    ))?;
    let rows = statement
        .query_map([userid], row_from)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn picture_url(storage: &Storage, url_ttl: i64, file_id: Option<&str>) -> Option<String> {
    file_id.map(|id| storage.url(id, Access::Download, unix_now() + url_ttl))
}

/// A cascade with its members, read once and shown to each member in their own view (role and
/// invite differ per member).
pub struct Shown {
    row: Row,
    picture: Option<String>,
    members: Vec<CascadeMember>,
}

pub fn shown(connection: &Connection, state: &AppState, row: Row) -> ApiResult<Shown> {
    let url_ttl = state.config.signed_url_ttl_secs as i64;
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {}, m.role FROM cascade_members m JOIN users u ON u.id = m.user_id \
         WHERE m.cascade_id = ?1 \
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.joined_t, m.joined_i",
        prefixed_user_columns()
    ))?;
    let members = statement
        .query_map([&row.id], |r| {
            Ok(CascadeMember {
                user: users::public_from_row(r, 0, &state.storage, url_ttl)?,
                role: parse_role(&r.get::<_, String>(4)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Shown {
        picture: picture_url(&state.storage, url_ttl, row.picture_file_id.as_deref()),
        row,
        members,
    })
}

/// [`users::PUBLIC_COLUMNS`] of the table aliased `u`.
fn prefixed_user_columns() -> String {
    users::PUBLIC_COLUMNS
        .split(", ")
        .map(|column| format!("u.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Shown {
    pub fn member_ids(&self) -> Vec<String> {
        self.members.iter().map(|m| m.user.userid.clone()).collect()
    }

    /// The cascade as `userid` sees it; `None` if they are not a member.
    pub fn for_member(&self, userid: &str) -> Option<Cascade> {
        let role = self.members.iter().find(|m| m.user.userid == userid)?.role;
        Some(Cascade {
            cascade_id: self.row.id.clone(),
            name: self.row.name.clone(),
            owner_id: self.row.owner_id.clone(),
            public: self.row.public,
            picture: self.picture.clone(),
            role,
            members: self.members.clone(),
            invite: moderates(role).then(|| self.row.invite.clone()),
            created_at: self.row.created,
        })
    }
}

/// The cascade as `userid`, a member, sees it.
pub fn view(
    connection: &Connection,
    state: &AppState,
    row: Row,
    userid: &str,
) -> ApiResult<Cascade> {
    shown(connection, state, row)?
        .for_member(userid)
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// What a new cascade is made of.
pub struct NewCascade<'a> {
    pub owner: &'a str,
    pub name: &'a str,
    pub public: bool,
    pub picture_file_id: Option<&'a str>,
    pub invite_max_uses: Option<u32>,
    pub invite_expires_in_secs: Option<u32>,
}

/// Creates the cascade with its owner's membership and its invite.
pub fn create(
    connection: &mut Connection,
    state: &AppState,
    new: &NewCascade<'_>,
) -> ApiResult<Row> {
    check_name(new.name)?;
    if let Some(file_id) = new.picture_file_id {
        files::require_complete_upload(connection, new.owner, file_id)?;
        // The picture rules: an attachment that is not a small image is refused.
        uploads::complete_single(state, connection, new.owner, file_id, CASCADE_PICTURE)?;
    }
    let created = state.clock.tick();
    let row = Row {
        id: crate::ids::new_id(),
        name: new.name.trim().to_owned(),
        owner_id: new.owner.to_owned(),
        public: new.public,
        picture_file_id: new.picture_file_id.map(str::to_owned),
        invite: Invite {
            code: crate::ids::new_id(),
            expires_at: new
                .invite_expires_in_secs
                .map(|secs| unix_now() + i64::from(secs)),
            max_uses: new.invite_max_uses,
            uses: 0,
        },
        created,
    };
    let transaction = connection.transaction()?;
    transaction.execute(
        "INSERT INTO cascades (id, name, owner_id, public, picture_file_id, invite_code, \
         invite_expires_at, invite_max_uses, created_t, created_i, active_t, active_i) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9, ?10)",
        params![
            row.id,
            row.name,
            row.owner_id,
            row.public,
            row.picture_file_id,
            row.invite.code,
            row.invite.expires_at,
            row.invite.max_uses,
            created.t,
            created.i
        ],
    )?;
    add_member(
        &transaction,
        &row.id,
        new.owner,
        CascadeRole::Owner,
        created,
    )?;
    transaction.commit()?;
    Ok(row)
}

pub fn add_member(
    connection: &Connection,
    cascade_id: &str,
    userid: &str,
    role: CascadeRole,
    joined: Timestamp,
) -> ApiResult<()> {
    connection.execute(
        "INSERT INTO cascade_members (cascade_id, user_id, role, joined_t, joined_i) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![cascade_id, userid, role_name(role), joined.t, joined.i],
    )?;
    Ok(())
}

/// Counts one use of the cascade's invite.
pub fn use_invite(connection: &Connection, cascade_id: &str) -> ApiResult<()> {
    connection.execute(
        "UPDATE cascades SET invite_uses = invite_uses + 1 WHERE id = ?1",
        [cascade_id],
    )?;
    Ok(())
}

pub fn rename(connection: &Connection, cascade_id: &str, name: &str) -> ApiResult<()> {
    check_name(name)?;
    connection.execute(
        "UPDATE cascades SET name = ?2 WHERE id = ?1",
        params![cascade_id, name.trim()],
    )?;
    Ok(())
}

pub fn set_public(connection: &Connection, cascade_id: &str, public: bool) -> ApiResult<()> {
    connection.execute(
        "UPDATE cascades SET public = ?2 WHERE id = ?1",
        params![cascade_id, public],
    )?;
    Ok(())
}

/// Deletes the cascade; members, bans, threads and their messages go with it (`ON DELETE
/// CASCADE`). The picture stays its uploader's file.
pub fn delete(connection: &Connection, cascade_id: &str) -> ApiResult<()> {
    connection.execute("DELETE FROM cascades WHERE id = ?1", [cascade_id])?;
    Ok(())
}

/// Records activity (a message) at `at`: discovery shows the most active first.
pub fn touch(connection: &Connection, cascade_id: &str, at: Timestamp) -> ApiResult<()> {
    connection.execute(
        "UPDATE cascades SET active_t = ?2, active_i = ?3 WHERE id = ?1",
        params![cascade_id, at.t, at.i],
    )?;
    Ok(())
}

/// Member, thread and recent message counts, after [`COLUMNS`]; `?1` is the "recent" cut-off.
const INSIGHTS: &str = "(SELECT COUNT(*) FROM cascade_members m WHERE m.cascade_id = c.id), \
     (SELECT COUNT(*) FROM threads t WHERE t.cascade_id = c.id), \
     (SELECT COUNT(*) FROM thread_messages tm WHERE tm.cascade_id = c.id AND tm.sent_t >= ?1)";

fn card_from(
    row: &rusqlite::Row<'_>,
    storage: &Storage,
    url_ttl: i64,
) -> rusqlite::Result<DiscoveryCascade> {
    let cascade = row_from(row)?;
    Ok(DiscoveryCascade {
        picture: picture_url(storage, url_ttl, cascade.picture_file_id.as_deref()),
        cascade_id: cascade.id,
        name: cascade.name,
        public: cascade.public,
        member_count: row.get(11)?,
        thread_count: row.get(12)?,
        recent_messages: row.get(13)?,
    })
}

/// One cascade with its insights: what an invite shows before joining.
pub fn card(
    connection: &Connection,
    state: &AppState,
    cascade_id: &str,
) -> ApiResult<DiscoveryCascade> {
    let url_ttl = state.config.signed_url_ttl_secs as i64;
    connection
        .query_row(
            &format!("SELECT {COLUMNS}, {INSIGHTS} FROM cascades c WHERE c.id = ?2"),
            params![unix_now() - RECENT_SECS, cascade_id],
            |row| card_from(row, &state.storage, url_ttl),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// A page of the public cascades, the most recently active first.
pub fn discovery(
    connection: &Connection,
    state: &AppState,
    from: u32,
    limit: u32,
) -> ApiResult<Vec<DiscoveryCascade>> {
    let url_ttl = state.config.signed_url_ttl_secs as i64;
    let mut statement = connection.prepare(&format!(
        "SELECT {COLUMNS}, {INSIGHTS} FROM cascades c WHERE c.public = 1 \
         ORDER BY c.active_t DESC, c.active_i DESC, c.id LIMIT ?2 OFFSET ?3"
    ))?;
    let cards = statement
        .query_map(params![unix_now() - RECENT_SECS, limit, from], |row| {
            card_from(row, &state.storage, url_ttl)
        })?
        .collect::<Result<_, _>>()?;
    Ok(cards)
}

/// A free-text field of at most `max` characters; blank is none.
pub fn optional_text(text: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(ApiError::bad_request(format!("at most {max} characters")));
    }
    Ok(Some(text.to_owned()))
}

/// Sends `cascadeChanged` to every member, each with their own view.
pub async fn announce_change(state: &AppState, shown: &Shown, origin: Origin<'_>) {
    for member in shown.member_ids() {
        if let Some(view) = shown.for_member(&member) {
            let event = ServerEvent::CascadeChanged(view);
            let audience = Audience::users(std::slice::from_ref(&member));
            crate::changes::publish(state, audience, &event, Some(origin)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_display_name_rules() {
        assert!(check_name("Kovács klub").is_ok());
        assert!(check_name(&"é".repeat(64)).is_ok());
        for bad in ["", "   ", "a\nb", &"x".repeat(65)] {
            assert_eq!(check_name(bad).unwrap_err().code, ErrorCode::InvalidName);
        }
    }

    #[test]
    fn an_invite_works_until_it_expires_or_runs_out() {
        let row = |expires_at, max_uses, uses| Row {
            id: "c".into(),
            name: "n".into(),
            owner_id: "o".into(),
            public: false,
            picture_file_id: None,
            invite: Invite {
                code: "x".into(),
                expires_at,
                max_uses,
                uses,
            },
            created: Timestamp::default(),
        };
        assert!(row(None, None, 1000).invite_usable(100));
        assert!(row(Some(101), Some(2), 1).invite_usable(100));
        assert!(!row(Some(100), None, 0).invite_usable(100));
        assert!(!row(None, Some(2), 2).invite_usable(100));
        assert!(!row(None, Some(0), 0).invite_usable(100));
    }

    #[test]
    fn optional_text_trims_and_limits() {
        assert_eq!(optional_text(None, 3).unwrap(), None);
        assert_eq!(optional_text(Some("  "), 3).unwrap(), None);
        assert_eq!(
            optional_text(Some(" ab "), 3).unwrap().as_deref(),
            Some("ab")
        );
        assert_eq!(
            optional_text(Some("abcd"), 3).unwrap_err().code,
            ErrorCode::BadRequest
        );
    }
}
