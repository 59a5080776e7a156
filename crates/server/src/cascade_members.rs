//! Who belongs to a cascade: joining (by invite or because it is public), leaving, kicks and
//! bans, and what a deleted account leaves behind in cascades ([`Farewell`]).

use std::collections::{BTreeMap, HashSet};

use chatenium_api::schemas::cascade::{Ban, CascadeRole};
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::ws::{CascadeRef, DeletedThreadMessages, MemberChange, ServerEvent};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection};

use crate::cascades::{self, Row};
use crate::error::{ensure, ApiResult};
use crate::hub::{Audience, Origin};
use crate::state::AppState;
use crate::users;

/// The longest reason a ban may give.
pub const MAX_REASON_CHARS: usize = 512;

pub fn is_banned(connection: &Connection, cascade_id: &str, userid: &str) -> ApiResult<bool> {
    Ok(connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM cascade_bans WHERE cascade_id = ?1 AND user_id = ?2)",
        [cascade_id, userid],
        |row| row.get(0),
    )?)
}

/// The cascades `userid` belongs to.
pub fn cascades_of(connection: &Connection, userid: &str) -> ApiResult<HashSet<String>> {
    let mut statement =
        connection.prepare_cached("SELECT cascade_id FROM cascade_members WHERE user_id = ?1")?;
    let ids = statement
        .query_map([userid], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Adds `userid` as a plain member: `banned` if they are banned, `alreadyMember` if they are in.
pub fn join(
    connection: &Connection,
    state: &AppState,
    cascade: &Row,
    userid: &str,
) -> ApiResult<()> {
    ensure(
        !is_banned(connection, &cascade.id, userid)?,
        ErrorCode::Banned,
    )?;
    ensure(
        cascades::role_of(connection, &cascade.id, userid)?.is_none(),
        ErrorCode::AlreadyMember,
    )?;
    cascades::add_member(
        connection,
        &cascade.id,
        userid,
        CascadeRole::Member,
        state.clock.tick(),
    )
}

/// Removes a member (who leaves, or is kicked).
pub fn remove(connection: &Connection, cascade_id: &str, userid: &str) -> ApiResult<()> {
    connection.execute(
        "DELETE FROM cascade_members WHERE cascade_id = ?1 AND user_id = ?2",
        [cascade_id, userid],
    )?;
    Ok(())
}

/// A kick the caller (with `caller_role`) may make: the target must be a member; the owner is
/// never kicked (`cannotKickOwner`), and an admin kicks plain members only (`forbidden`).
pub fn check_kick(
    connection: &Connection,
    cascade_id: &str,
    caller_role: CascadeRole,
    target: &str,
) -> ApiResult<()> {
    let target_role =
        cascades::role_of(connection, cascade_id, target)?.ok_or(ErrorCode::NotFound)?;
    ensure(
        target_role != CascadeRole::Owner,
        ErrorCode::CannotKickOwner,
    )?;
    ensure(
        caller_role == CascadeRole::Owner || target_role == CascadeRole::Member,
        ErrorCode::Forbidden,
    )
}

/// What a ban records.
pub struct NewBan<'a> {
    pub by: &'a str,
    pub reason: Option<&'a str>,
    pub at: Timestamp,
}

pub fn ban(
    connection: &Connection,
    cascade_id: &str,
    userid: &str,
    ban: &NewBan<'_>,
) -> ApiResult<()> {
    connection.execute(
        "INSERT INTO cascade_bans (cascade_id, user_id, banned_by, reason, banned_t, banned_i) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (cascade_id, user_id) DO NOTHING",
        params![cascade_id, userid, ban.by, ban.reason, ban.at.t, ban.at.i],
    )?;
    Ok(())
}

/// Lifts a ban; `notFound` when there is none.
pub fn unban(connection: &Connection, cascade_id: &str, userid: &str) -> ApiResult<()> {
    let lifted = connection.execute(
        "DELETE FROM cascade_bans WHERE cascade_id = ?1 AND user_id = ?2",
        [cascade_id, userid],
    )?;
    ensure(lifted == 1, ErrorCode::NotFound)
}

/// The cascade's bans, the most recent first.
pub fn bans(connection: &Connection, state: &AppState, cascade_id: &str) -> ApiResult<Vec<Ban>> {
    let url_ttl = state.config.signed_url_ttl_secs as i64;
    let mut statement = connection.prepare(
        "SELECT u.id, u.username, u.display_name, u.pfp_file_id, \
                b.banned_by, b.reason, b.banned_t, b.banned_i \
         FROM cascade_bans b JOIN users u ON u.id = b.user_id \
         WHERE b.cascade_id = ?1 ORDER BY b.banned_t DESC, b.banned_i DESC",
    )?;
    let bans = statement
        .query_map([cascade_id], |row| {
            Ok(Ban {
                user: users::public_from_row(row, 0, &state.storage, url_ttl)?,
                banned_by: row.get(4)?,
                reason: row.get(5)?,
                banned_at: Timestamp::new(row.get(6)?, row.get(7)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(bans)
}

/// What a deleted account leaves behind in cascades, to tell the others once it is gone.
#[derive(Default)]
pub struct Farewell {
    /// Cascades the user owned, deleted with them, and their other members.
    owned: Vec<(String, Vec<String>)>,
    /// Cascades the user was a member of, and their other members.
    left: Vec<(String, Vec<String>)>,
    /// Per (cascade, thread): the user's messages, deleted with them.
    messages: BTreeMap<(String, String), Vec<String>>,
    /// The members of every cascade in `messages`.
    audiences: BTreeMap<String, Vec<String>>,
}

/// Reads what deleting `userid` will take from cascades; call before deleting the user.
pub fn farewell(connection: &Connection, userid: &str) -> ApiResult<Farewell> {
    let mut farewell = Farewell::default();
    let others = |cascade_id: &str| -> ApiResult<Vec<String>> {
        let mut members = cascades::member_ids(connection, cascade_id)?;
        members.retain(|member| member != userid);
        Ok(members)
    };
    for row in cascades::of_member(connection, userid)? {
        let members = others(&row.id)?;
        if row.owner_id == userid {
            farewell.owned.push((row.id, members));
        } else {
            farewell.left.push((row.id, members));
        }
    }
    // Messages in cascades that survive the user (the owned ones go whole).
    let mut statement = connection.prepare(
        "SELECT tm.cascade_id, tm.thread_id, tm.id FROM thread_messages tm \
         JOIN cascades c ON c.id = tm.cascade_id \
         WHERE tm.author = ?1 AND c.owner_id <> ?1 ORDER BY tm.seq",
    )?;
    let written = statement
        .query_map([userid], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<Vec<(String, String, String)>, _>>()?;
    for (cascade_id, thread_id, msgid) in written {
        if !farewell.audiences.contains_key(&cascade_id) {
            let members = others(&cascade_id)?;
            farewell.audiences.insert(cascade_id.clone(), members);
        }
        farewell
            .messages
            .entry((cascade_id, thread_id))
            .or_default()
            .push(msgid);
    }
    Ok(farewell)
}

impl Farewell {
    /// Tells the remaining members: owned cascades are deleted, the user left the others, and
    /// their messages are gone (to the connections following the cascade's threads).
    pub async fn announce(self, state: &AppState, userid: &str) {
        let origin = Some(Origin {
            userid,
            connection: None,
        });
        for (cascade_id, members) in self.owned {
            let event = ServerEvent::CascadeDeleted(CascadeRef { cascade_id });
            crate::changes::publish(state, Audience::users(&members), &event, origin).await;
        }
        for (cascade_id, members) in self.left {
            let event = ServerEvent::MemberLeft(MemberChange {
                cascade_id,
                userid: userid.to_owned(),
            });
            crate::changes::publish(state, Audience::users(&members), &event, origin).await;
        }
        for ((cascade_id, thread_id), msgids) in self.messages {
            let Some(members) = self.audiences.get(&cascade_id) else {
                continue;
            };
            let audience = Audience::following(members, &cascade_id);
            let event = ServerEvent::DeletedThreadMessage(DeletedThreadMessages {
                cascade_id: cascade_id.clone(),
                thread_id,
                msgids,
            });
            crate::changes::publish(state, audience, &event, origin).await;
        }
    }
}
