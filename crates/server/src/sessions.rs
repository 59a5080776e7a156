//! Sessions and their token pairs. A session is one sign-in on one device; it holds at most one
//! live access token and one live refresh token. Tokens are stored as hashes only.
//!
//! A spent refresh token is kept (as `spentRefresh`) until it would have expired: presented
//! again, it means two parties hold the session's tokens, so the session ends (refresh token
//! rotation with reuse detection, as OAuth's security best practice asks).

use chatenium_api::schemas::auth::SuccessfulAuthResp;
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::ApiResult;
use crate::ids::{new_id, new_token, secret_hash};
use crate::state::AppState;
use crate::users::public_user;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub userid: String,
    pub session_id: String,
}

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";
const SPENT_REFRESH: &str = "spentRefresh";

/// Starts a session for `userid` and answers the sign-in.
pub fn start(
    state: &AppState,
    connection: &mut Connection,
    userid: &str,
    os: &str,
    language: &str,
) -> ApiResult<SuccessfulAuthResp> {
    let session_id = new_id();
    let now = unix_now();
    connection.execute(
        "INSERT INTO sessions (id, user_id, os, language, created_at, last_active) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![session_id, userid, truncate(os, 64), truncate(language, 16), now],
    )?;
    issue_pair(state, connection, userid, &session_id)
}

/// Replaces the session's tokens with a new pair.
pub fn issue_pair(
    state: &AppState,
    connection: &mut Connection,
    userid: &str,
    session_id: &str,
) -> ApiResult<SuccessfulAuthResp> {
    let config = &state.config;
    let now = unix_now();
    let access_token = new_token();
    let refresh_token = new_token();
    let transaction = connection.transaction()?;
    transaction.execute(
        "DELETE FROM tokens WHERE session_id = ?1 AND (kind <> ?2 OR expires_at <= ?3)",
        params![session_id, SPENT_REFRESH, now],
    )?;
    let insert = "INSERT INTO tokens (hash, session_id, kind, expires_at) VALUES (?1, ?2, ?3, ?4)";
    transaction.execute(
        insert,
        params![
            secret_hash(&access_token),
            session_id,
            ACCESS,
            now + config.access_token_ttl_secs as i64
        ],
    )?;
    transaction.execute(
        insert,
        params![
            secret_hash(&refresh_token),
            session_id,
            REFRESH,
            now + config.refresh_token_ttl_secs as i64
        ],
    )?;
    let user = public_user(
        &transaction,
        &state.storage,
        config.signed_url_ttl_secs as i64,
        userid,
    )?;
    transaction.commit()?;
    Ok(SuccessfulAuthResp {
        userid: userid.to_owned(),
        user,
        access_token,
        refresh_token,
        expires_in: u32::try_from(config.access_token_ttl_secs).unwrap_or(u32::MAX),
    })
}

/// The caller an access token belongs to: `unauthorized` for an unknown (or blacklisted)
/// token, `tokenExpired` for an expired one.
pub fn authenticate(connection: &Connection, access_token: &str) -> ApiResult<Caller> {
    authenticate_until(connection, access_token).map(|(caller, _)| caller)
}

/// Like [`authenticate`], with the unix second the token expires at.
pub fn authenticate_until(connection: &Connection, access_token: &str) -> ApiResult<(Caller, i64)> {
    let now = unix_now();
    let access = look_up_access(connection, access_token, now)?;
    if access.stale {
        touch(connection, &access.caller.session_id, now)?;
    }
    Ok((access.caller, access.expires_at))
}

/// What an access token stands for at `now`.
pub struct Access {
    pub caller: Caller,
    /// The unix second the token expires at.
    pub expires_at: i64,
    /// The session's `last_active` is behind `now`: [`touch`] moves it.
    pub stale: bool,
}

/// [`authenticate_until`] without its write, so that the check every request makes can run
/// on a reading connection; the caller then runs [`touch`] on the writer when `stale`.
pub fn look_up_access(connection: &Connection, access_token: &str, now: i64) -> ApiResult<Access> {
    let found: Option<(String, String, i64, i64)> = connection
        .prepare_cached(
            "SELECT s.user_id, s.id, t.expires_at, s.last_active FROM tokens t JOIN sessions s ON s.id = t.session_id
             WHERE t.hash = ?1 AND t.kind = ?2",
        )?
        .query_row(params![secret_hash(access_token), ACCESS], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let (userid, session_id, expires_at, last_active) = found.ok_or(ErrorCode::Unauthorized)?;
    // Expired from the second it reaches `expires_at`, so a TTL of 0 gives tokens that are
    // expired at once (how tests reach `tokenExpired` without waiting).
    if now >= expires_at {
        return Err(ErrorCode::TokenExpired.into());
    }
    Ok(Access {
        caller: Caller { userid, session_id },
        expires_at,
        stale: last_active < now,
    })
}

/// Marks the session active at `now` (at most one write a second for a session).
pub fn touch(connection: &Connection, session_id: &str, now: i64) -> ApiResult<()> {
    connection
        .prepare_cached("UPDATE sessions SET last_active = ?1 WHERE id = ?2 AND last_active < ?1")?
        .execute(params![now, session_id])?;
    Ok(())
}

/// Spends a refresh token: the session it belongs to, or `invalidRefreshToken`. A second use
/// of the same token ends the session (see the module's comment).
pub fn spend_refresh_token(
    state: &AppState,
    connection: &mut Connection,
    refresh_token: &str,
) -> ApiResult<Caller> {
    spend_refresh(state, connection, refresh_token, None)
}

/// Like [`spend_refresh_token`], for a token that must belong to `session_id` (row 12). A
/// token of another session is refused and left alone: presenting it proves nothing about
/// its own session.
pub fn spend_session_refresh_token(
    state: &AppState,
    connection: &mut Connection,
    refresh_token: &str,
    session_id: &str,
) -> ApiResult<Caller> {
    spend_refresh(state, connection, refresh_token, Some(session_id))
}

fn spend_refresh(
    state: &AppState,
    connection: &mut Connection,
    refresh_token: &str,
    session_id: Option<&str>,
) -> ApiResult<Caller> {
    let hash = secret_hash(refresh_token);
    let transaction = connection.transaction()?;
    let found: Option<(String, String, String, i64)> = transaction
        .query_row(
            "SELECT s.user_id, s.id, t.kind, t.expires_at FROM tokens t JOIN sessions s ON s.id = t.session_id
             WHERE t.hash = ?1 AND t.kind IN (?2, ?3)",
            params![hash, REFRESH, SPENT_REFRESH],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let (userid, found_session, kind, expires_at) = found.ok_or(ErrorCode::InvalidRefreshToken)?;
    if session_id.is_some_and(|wanted| wanted != found_session) {
        return Err(ErrorCode::InvalidRefreshToken.into());
    }
    if kind == SPENT_REFRESH {
        drop(transaction);
        tracing::warn!(session = %found_session, "a spent refresh token came back; the session ends");
        end(state, connection, &found_session)?;
        return Err(ErrorCode::InvalidRefreshToken.into());
    }
    let expired = unix_now() >= expires_at;
    if expired {
        transaction.execute("DELETE FROM tokens WHERE hash = ?1", [&hash])?;
    } else {
        transaction.execute(
            "UPDATE tokens SET kind = ?2 WHERE hash = ?1",
            params![hash, SPENT_REFRESH],
        )?;
    }
    transaction.commit()?;
    if expired {
        return Err(ErrorCode::InvalidRefreshToken.into());
    }
    Ok(Caller {
        userid,
        session_id: found_session,
    })
}

/// Ends a session: its tokens stop working at once and its live connections are closed.
pub fn end(state: &AppState, connection: &Connection, session_id: &str) -> ApiResult<()> {
    connection.execute("DELETE FROM sessions WHERE id = ?1", [session_id])?;
    state.hub.revoke_session(session_id);
    Ok(())
}

/// Ends every session of `userid` (after a password reset: whoever held a session may have
/// known the old password).
pub fn end_all(state: &AppState, connection: &Connection, userid: &str) -> ApiResult<()> {
    let mut statement = connection.prepare("SELECT id FROM sessions WHERE user_id = ?1")?;
    let session_ids: Vec<String> = statement
        .query_map([userid], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for session_id in session_ids {
        end(state, connection, &session_id)?;
    }
    Ok(())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
