//! Account (rows 17 to 29 but 22, 26 and 28): push tokens, username and display name, sessions,
//! GIF saving, the profile picture and deleting the account. A profile change is announced to
//! the user's chat partners, the members of their cascades and the user's other connections.

use axum::Router;
use chatenium_api::schemas::account::*;
use chatenium_api::schemas::auth::ChallengePurpose;
use chatenium_api::schemas::common::{GenericSuccessBody, PublicUserData};
use chatenium_api::schemas::upload::{S3PresignedFileReq, S3PresignedFileResponse};
use chatenium_api::ws::{ChatRef, ServerEvent};
use chatenium_api::{
    ChangeDisplayName, ChangeUsername, CompletePfpUpload, DeleteAccount, ErrorCode, GetSessions,
    LogoutSession, RegisterApnsToken, RegisterFcmToken, RegisterPfpUpload, ToggleGifSave,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::cascade_members::{self, Farewell};
use crate::error::{ensure, ApiError, ApiResult};
use crate::http::{add, Ctx};
use crate::hub::{Audience, Origin};
use crate::ratelimit::Limit;
use crate::state::AppState;
use crate::uploads::{self, Rules, StoredBytes};
use crate::users::Identity;
use crate::{challenges, passwords, sessions, users, validate};

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<RegisterFcmToken, _, _>(router, |ctx, _, body: RegisterFcmTokenReq| {
        push_token(ctx, PushService::Fcm, body.token)
    });
    let router = add::<RegisterApnsToken, _, _>(router, |ctx, _, body: RegisterApnsTokenReq| {
        push_token(ctx, PushService::Apns, body.token)
    });
    let router = add::<ChangeUsername, _, _>(router, change_username);
    let router = add::<ChangeDisplayName, _, _>(router, change_display_name);
    let router = add::<DeleteAccount, _, _>(router, delete_account);
    let router = add::<GetSessions, _, _>(router, get_sessions);
    let router = add::<LogoutSession, _, _>(router, logout_session);
    let router = add::<ToggleGifSave, _, _>(router, toggle_gif_save);
    let router = add::<RegisterPfpUpload, _, _>(router, register_pfp_upload);
    add::<CompletePfpUpload, _, _>(router, complete_pfp_upload)
}

fn ok(response: &str) -> GenericSuccessBody {
    GenericSuccessBody::new(response)
}

#[derive(Clone, Copy)]
enum PushService {
    Fcm,
    Apns,
}

/// Stores a push token on the caller's session. A token names a device, so it is taken off any
/// other session that had it: the device now belongs to this sign-in only.
async fn push_token(
    ctx: Ctx,
    service: PushService,
    token: String,
) -> ApiResult<GenericSuccessBody> {
    let session_id = ctx.caller()?.session_id.clone();
    let token = token.trim().to_owned();
    ensure(
        !token.is_empty() && token.len() <= 4096 && token.chars().all(|c| c.is_ascii_graphic()),
        ErrorCode::BadRequest,
    )?;
    let column = match service {
        PushService::Fcm => "fcm_token",
        PushService::Apns => "apns_token",
    };
    ctx.state
        .db
        .call(move |c| {
            let transaction = c.transaction()?;
            transaction.execute(
                &format!("UPDATE sessions SET {column} = NULL WHERE {column} = ?1 AND id <> ?2"),
                params![token, session_id],
            )?;
            transaction.execute(
                &format!("UPDATE sessions SET {column} = ?1 WHERE id = ?2"),
                params![token, session_id],
            )?;
            transaction.commit()?;
            Ok(())
        })
        .await?;
    Ok(ok("Push token registered"))
}

async fn change_username(ctx: Ctx, _: (), body: ChangeUsernameReq) -> ApiResult<PublicUserData> {
    validate::username(&body.username)?;
    let userid = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let changed = ctx
        .state
        .db
        .call(move |c| {
            users::set_identity(c, &userid, Identity::Username, &body.username)?;
            profile_and_partners(&state, c, &userid)
        })
        .await?;
    Ok(announce_profile(&ctx, changed).await)
}

async fn change_display_name(
    ctx: Ctx,
    _: (),
    body: ChangeDisplayNameReq,
) -> ApiResult<PublicUserData> {
    validate::display_name(&body.display_name)?;
    let userid = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let changed = ctx
        .state
        .db
        .call(move |c| {
            users::set_display_name(c, &userid, &body.display_name)?;
            profile_and_partners(&state, c, &userid)
        })
        .await?;
    Ok(announce_profile(&ctx, changed).await)
}

/// A user's profile as others see it, and who sees it.
struct Changed {
    user: PublicUserData,
    audience: Vec<String>,
}

fn profile_and_partners(state: &AppState, c: &Connection, userid: &str) -> ApiResult<Changed> {
    Ok(Changed {
        user: users::public_user(
            c,
            &state.storage,
            state.config.signed_url_ttl_secs as i64,
            userid,
        )?,
        audience: users::audience_of(c, userid)?,
    })
}

/// Sends `profileChanged` to those who see the profile and to the user's own connections but
/// the one that made the change; answers the profile.
async fn announce_profile(ctx: &Ctx, changed: Changed) -> PublicUserData {
    let Changed { user, audience } = changed;
    let event = ServerEvent::ProfileChanged(user.clone());
    let origin = Origin {
        userid: &user.userid,
        connection: ctx.ws_id(),
    };
    let state = &ctx.state;
    crate::changes::publish(state, Audience::users(&audience), &event, Some(origin)).await;
    let own = std::slice::from_ref(&user.userid);
    crate::changes::publish(state, Audience::users(own), &event, Some(origin)).await;
    user
}

async fn get_sessions(ctx: Ctx, _: (), _: ()) -> ApiResult<Vec<SessionV3>> {
    let caller = ctx.caller()?.clone();
    ctx.state
        .db
        .call(move |c| {
            let mut statement = c.prepare(
                "SELECT id, os, language, created_at, last_active FROM sessions
                 WHERE user_id = ?1 ORDER BY created_at, id",
            )?;
            let sessions = statement
                .query_map([&caller.userid], |row| {
                    let session_id: String = row.get(0)?;
                    Ok(SessionV3 {
                        current: session_id == caller.session_id,
                        session_id,
                        os: row.get(1)?,
                        language: row.get(2)?,
                        created_at: row.get(3)?,
                        last_active: row.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(sessions)
        })
        .await
}

/// Ends one of the caller's sessions (the current one too); another user's is `notFound`.
pub(crate) async fn logout_session(
    ctx: Ctx,
    _: (),
    body: LogoutSessionReq,
) -> ApiResult<GenericSuccessBody> {
    let userid = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let owned = c
                .query_row(
                    "SELECT 1 FROM sessions WHERE id = ?1 AND user_id = ?2",
                    params![body.session_id, userid],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            ensure(owned, ErrorCode::NotFound)?;
            sessions::end(&state, c, &body.session_id)
        })
        .await?;
    Ok(ok("Session logged out"))
}

async fn toggle_gif_save(ctx: Ctx, _: (), body: ToggleGifReq) -> ApiResult<GenericSuccessBody> {
    let userid = ctx.caller()?.userid.clone();
    ctx.state
        .db
        .call(move |c| users::set_gif_save(c, &userid, body.enabled))
        .await?;
    Ok(ok("GIF saving updated"))
}

async fn register_pfp_upload(
    ctx: Ctx,
    _: (),
    body: S3PresignedFileReq,
) -> ApiResult<Vec<S3PresignedFileResponse>> {
    let owner = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            uploads::register_single(&state, c, &owner, &body.files, Rules::PROFILE_PICTURE)
        })
        .await
}

/// Completes the upload (any complete image of the caller's within the profile picture's
/// limits will do too) and makes it the profile picture.
async fn complete_pfp_upload(
    ctx: Ctx,
    _: (),
    body: CompletePfpUploadReq,
) -> ApiResult<PublicUserData> {
    let userid = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let changed = ctx
        .state
        .db
        .call(move |c| {
            uploads::complete_single(&state, c, &userid, &body.file_id, Rules::PROFILE_PICTURE)?;
            users::set_picture(c, &userid, &body.file_id)?;
            profile_and_partners(&state, c, &userid)
        })
        .await?;
    Ok(announce_profile(&ctx, changed).await)
}

async fn delete_account(ctx: Ctx, _: (), body: DeleteAccountReq) -> ApiResult<GenericSuccessBody> {
    let userid = ctx.caller()?.userid.clone();
    prove_identity(&ctx, &userid, body).await?;
    let state = ctx.state.clone();
    let gone = {
        let userid = userid.clone();
        ctx.state
            .db
            .call(move |c| delete_user(&state, c, &userid))
            .await?
    };
    gone.bytes.remove().await;
    gone.cascades.announce(&ctx.state, &userid).await;
    for (partner, chatid) in gone.chats {
        let event = ServerEvent::ContactDeleted(ChatRef { chatid });
        let origin = Origin {
            userid: &userid,
            connection: None,
        };
        let audience = Audience::users(std::slice::from_ref(&partner));
        crate::changes::publish(&ctx.state, audience, &event, Some(origin)).await;
    }
    for session_id in gone.sessions {
        ctx.state.hub.revoke_session(&session_id);
    }
    Ok(ok("Account deleted"))
}

/// The password, when given (the account must have one), or a completed `deleteAccount`
/// challenge registered for this user.
async fn prove_identity(ctx: &Ctx, userid: &str, body: DeleteAccountReq) -> ApiResult<()> {
    let stored: Option<String> = {
        let userid = userid.to_owned();
        ctx.state
            .db
            .call(move |c| users::password_hash(c, &userid))
            .await
            // Gone since the token was checked: deleted by another of its sessions.
            .map_err(|error| match error.code {
                ErrorCode::NotFound => ErrorCode::Unauthorized.into(),
                _ => error,
            })?
    };
    match (body.password, body.challenge_id) {
        (Some(password), _) => {
            ctx.state
                .limits
                .hit(Limit::SignIn, &format!("delete:{userid}"))?;
            let stored = stored.ok_or(ErrorCode::PasswordlessAccount)?;
            let valid = passwords::verify_on_pool(password, stored).await?;
            ensure(valid, ErrorCode::InvalidCredentials)
        }
        (None, Some(challenge_id)) => {
            let userid = userid.to_owned();
            ctx.state
                .db
                .call(move |c| {
                    challenges::spend(
                        c,
                        &challenge_id,
                        ChallengePurpose::DeleteAccount,
                        Some(&userid),
                    )
                    .map(drop)
                })
                .await
        }
        (None, None) if stored.is_some() => Err(ErrorCode::PasswordRequired.into()),
        (None, None) => Err(ApiError::bad_request(
            "no challenge for a passwordless account",
        )),
    }
}

/// What went with a deleted user.
struct Gone {
    /// Each chat partner and the chat they lost.
    chats: Vec<(String, String)>,
    sessions: Vec<String>,
    bytes: StoredBytes,
    /// What the user's cascades, memberships and thread messages leave to tell.
    cascades: Farewell,
}

/// Deletes the user; foreign keys take everything it owns (sessions, tokens, chats and their
/// messages, uploads, owned cascades, cascade memberships and bans, thread messages). Answers
/// what the caller must still tell or clean up.
fn delete_user(state: &AppState, c: &mut Connection, userid: &str) -> ApiResult<Gone> {
    let transaction = c.transaction()?;
    let chats = {
        let mut statement = transaction.prepare(
            "SELECT CASE WHEN user_a = ?1 THEN user_b ELSE user_a END, id FROM chats
             WHERE user_a = ?1 OR user_b = ?1",
        )?;
        let rows = statement.query_map([userid], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let sessions = {
        let mut statement = transaction.prepare("SELECT id FROM sessions WHERE user_id = ?1")?;
        let rows = statement.query_map([userid], |row| row.get(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let bytes = uploads::owned_bytes(&transaction, &state.storage, userid)?;
    let cascades = cascade_members::farewell(&transaction, userid)?;
    // An attachment row does not cascade from its file; its messages go with the chats anyway.
    transaction.execute(
        "DELETE FROM message_files WHERE file_id IN (SELECT id FROM files WHERE owner = ?1)",
        [userid],
    )?;
    crate::changes::forget_user(&transaction, userid)?;
    let deleted = transaction.execute("DELETE FROM users WHERE id = ?1", [userid])?;
    ensure(deleted == 1, ErrorCode::NotFound)?;
    transaction.commit()?;
    Ok(Gone {
        chats,
        sessions,
        bytes,
        cascades,
    })
}
