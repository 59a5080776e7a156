//! The change feed (an extension, `chatenium_api::extensions::GetChanges`): every change a
//! user may see gets the next position of that user's feed, 1, 2, 3, ... with no gap, whether
//! or not the user is connected, and the live frame carries it, so a client that missed a frame
//! (or was away) asks for what came after the last position it applied.
//!
//! [`publish`] is the one way a change is told: it records the event for each user of the
//! audience (users, not connections: an offline user's feed grows too, and so does the feed of
//! a cascade member whose sockets do not follow the cascade's threads), then delivers it to
//! their connections with their position, in one step under the database's lock, so frames
//! leave in the order their positions were given. A change is recorded after the route stored
//! it, in its own statement: what is in the feed was stored first.
//!
//! The window: entries older than `changeFeed.keepSecs`, or more than `keepEntries` behind
//! the head, are dropped (when the user's feed grows or is read). A client asking from before
//! the window is told `tooFarBehind`.

use std::collections::HashSet;

use chatenium_api::ws::{
    Change, ChangesPage, ChangesQuery, ServerEvent, DEFAULT_CHANGES_PAGE, MAX_CHANGES_PAGE,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{ApiError, ApiResult};
use crate::hub::{Audience, Origin};
use crate::state::AppState;

/// Tells `event` to the audience: recorded in each user's feed (when it is a change, see
/// [`ServerEvent::is_change`]), then delivered to their connections with its position. A
/// failure to record is logged and the event still goes out live, unnumbered: the change
/// itself is already stored, and a client that sees no position keeps its per-conversation
/// catch-up.
pub async fn publish(
    state: &AppState,
    audience: Audience<'_>,
    event: &ServerEvent,
    origin: Option<Origin<'_>>,
) {
    if !event.is_change() {
        state.hub.fan_out(audience, event, origin);
        return;
    }
    let told = Told::new(audience, event, origin);
    let server = state.clone();
    let outcome = state
        .db
        .call(move |c| {
            let transaction = c.transaction()?;
            let recorded = told.record(&transaction, &server)?;
            transaction.commit()?;
            recorded.deliver(&server);
            Ok(())
        })
        .await;
    if let Err(error) = outcome {
        tracing::warn!(?error, "a change could not be recorded in the feed");
        state.hub.fan_out(audience, event, origin);
    }
}

/// A change to record and deliver, owned, so that a route can record it inside the
/// transaction that stores the change itself (on the database's thread): then a change is
/// never stored without its feed entries, whatever stops the request between the two (a
/// crash, a dropped connection). [`publish`] is this for a change already committed.
pub struct Told {
    recipients: Vec<String>,
    cascade: Option<String>,
    frame: chatenium_api::ws::Frame,
    author: Option<String>,
    connection: Option<String>,
}

/// A change recorded in its transaction: deliver it once that commits.
pub struct Recorded {
    told: Told,
    positions: Vec<i64>,
}

impl Told {
    pub fn new(audience: Audience<'_>, event: &ServerEvent, origin: Option<Origin<'_>>) -> Told {
        let (author, connection) = match origin {
            Some(o) => (Some(o.userid.to_owned()), o.connection.map(str::to_owned)),
            None => (None, None),
        };
        Told {
            recipients: distinct(audience.users),
            cascade: audience.cascade.map(str::to_owned),
            frame: event.to_frame(origin.map(|o| o.userid)),
            author,
            connection,
        }
    }

    /// Gives the change the next position of each recipient's feed, in `transaction`.
    pub fn record(self, transaction: &Connection, state: &AppState) -> rusqlite::Result<Recorded> {
        let now = crate::clock::unix_now();
        let keep = &state.config.change_feed;
        let mut positions = Vec::with_capacity(self.recipients.len());
        for userid in &self.recipients {
            let position = record(transaction, userid, &self.frame, now)?;
            prune(transaction, userid, position, now, keep)?;
            positions.push(position);
        }
        Ok(Recorded {
            told: self,
            positions,
        })
    }
}

impl Recorded {
    /// Queues the frames, each with its recipient's position. Called on the database's
    /// thread right after the commit: the next change's positions are given only after these
    /// frames are queued, so no connection sees 6 before 5.
    pub fn deliver(self, state: &AppState) {
        let Recorded { told, positions } = self;
        let origin = told.author.as_deref().map(|userid| Origin {
            userid,
            connection: told.connection.as_deref(),
        });
        let audience = Audience {
            users: &told.recipients,
            cascade: told.cascade.as_deref(),
        };
        let mut frame = told.frame;
        state.hub.deliver(audience, origin, |userid| {
            let at = told.recipients.iter().position(|r| r == userid)?;
            frame.position = Some(position(positions[at]));
            Some(frame.to_text())
        });
    }
}

/// The caller's changes after `query.since`, or only the head when it names none.
pub fn since(
    connection: &mut Connection,
    state: &AppState,
    userid: &str,
    query: &ChangesQuery,
) -> ApiResult<ChangesPage> {
    let limit = match query.limit {
        None => DEFAULT_CHANGES_PAGE,
        Some(limit) if (1..=MAX_CHANGES_PAGE).contains(&limit) => limit,
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "limit is 1 to {MAX_CHANGES_PAGE}"
            )))
        }
    };
    let transaction = connection.transaction()?;
    let head = head(&transaction, userid)?;
    let head_i = sql(head);
    prune(
        &transaction,
        userid,
        head_i,
        crate::clock::unix_now(),
        &state.config.change_feed,
    )?;
    let mut page = ChangesPage {
        head,
        changes: Vec::new(),
        too_far_behind: false,
    };
    let Some(since) = query.since else {
        transaction.commit()?;
        return Ok(page);
    };
    let oldest: Option<i64> = transaction.query_row(
        "SELECT MIN(position) FROM changes WHERE userid = ?1",
        [userid],
        |row| row.get(0),
    )?;
    let first_kept = oldest.map_or(head + 1, position);
    // Before the window, or past the head (a client of another history of this server, e.g.
    // one restored from a backup): what it caches cannot be brought up from here.
    if since.saturating_add(1) < first_kept || since > head {
        page.too_far_behind = true;
        transaction.commit()?;
        return Ok(page);
    }
    let mut statement = transaction.prepare(
        "SELECT position, action, data, sender FROM changes \
         WHERE userid = ?1 AND position > ?2 ORDER BY position LIMIT ?3",
    )?;
    page.changes = statement
        .query_map(params![userid, sql(since), limit], |row| {
            Ok(Change {
                position: position(row.get(0)?),
                action: row.get(1)?,
                data: row.get(2)?,
                sender: row.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    drop(statement);
    transaction.commit()?;
    Ok(page)
}

/// Drops a deleted account's feed.
pub fn forget_user(connection: &Connection, userid: &str) -> rusqlite::Result<()> {
    connection.execute("DELETE FROM changes WHERE userid = ?1", [userid])?;
    connection.execute("DELETE FROM change_heads WHERE userid = ?1", [userid])?;
    Ok(())
}

/// The newest position of a user's feed; 0 for a feed that never had a change.
fn head(connection: &Connection, userid: &str) -> rusqlite::Result<u64> {
    let head: Option<i64> = connection
        .query_row(
            "SELECT head FROM change_heads WHERE userid = ?1",
            [userid],
            |row| row.get(0),
        )
        .optional()?;
    Ok(head.map_or(0, position))
}

/// A position as SQLite stores it (a signed 64-bit integer; positions never come near its end).
fn sql(position: u64) -> i64 {
    i64::try_from(position).unwrap_or(i64::MAX)
}

/// A stored position (never negative).
fn position(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}

/// Gives the frame the user's next position and keeps it.
fn record(
    connection: &Connection,
    userid: &str,
    frame: &chatenium_api::ws::Frame,
    now: i64,
) -> rusqlite::Result<i64> {
    let position: i64 = connection.query_row(
        "INSERT INTO change_heads (userid, head) VALUES (?1, 1) \
         ON CONFLICT (userid) DO UPDATE SET head = head + 1 RETURNING head",
        [userid],
        |row| row.get(0),
    )?;
    connection.execute(
        "INSERT INTO changes (userid, position, action, data, sender, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            userid,
            position,
            frame.action,
            frame.data,
            frame.sender,
            now
        ],
    )?;
    Ok(position)
}

/// Drops what left the user's window: too far behind `head`, or too old. Both are a prefix of
/// the user's feed in position order (positions and times only grow), so each is a range of
/// the primary key from the feed's start, and the work is what is dropped plus one row. This
/// runs with every change recorded: a condition the key cannot serve (`created_at < ? OR
/// position <= ?`) read the user's whole feed each time, and cost the server about a sixth
/// of its send rate under load.
fn prune(
    connection: &Connection,
    userid: &str,
    head: i64,
    now: i64,
    keep: &crate::config::ChangeFeedSettings,
) -> rusqlite::Result<()> {
    let too_old = now.saturating_sub(sql(keep.keep_secs));
    let too_far = head.saturating_sub(sql(keep.keep_entries));
    connection
        .prepare_cached("DELETE FROM changes WHERE userid = ?1 AND position <= ?2")?
        .execute(params![userid, too_far])?;
    // Everything before the oldest entry still young enough (all of it when none is).
    connection
        .prepare_cached(
            "DELETE FROM changes WHERE userid = ?1 AND position < COALESCE( \
               (SELECT position FROM changes WHERE userid = ?1 AND created_at >= ?2 \
                ORDER BY position LIMIT 1), ?3 + 1)",
        )?
        .execute(params![userid, too_old, head])?;
    Ok(())
}

/// The audience's users, each once, in their order.
fn distinct(users: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    users
        .iter()
        .filter(|userid| seen.insert(userid.as_str()))
        .cloned()
        .collect()
}
