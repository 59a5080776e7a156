//! Auth (rows 2 to 16): availability, registration, sign-in, and the token pair.

use axum::Router;
use chatenium_api::schemas::auth::*;
use chatenium_api::{EmailAvailability, ErrorCode, Register, SignIn, UsernameAvailability};
use rusqlite::{params, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::http::{add, Ctx};
use crate::state::AppState;
use crate::validate::{self, IdentityKind};
use crate::{ids, passwords, sessions};

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<UsernameAvailability, _, _>(router, username_availability);
    let router = add::<EmailAvailability, _, _>(router, email_availability);
    let router = add::<Register, _, _>(router, register);
    add::<SignIn, _, _>(router, sign_in)
}

async fn username_availability(
    ctx: Ctx,
    query: UsernameQuery,
    _: (),
) -> ApiResult<DataAvailabilityResp> {
    validate::username(&query.username)?;
    let taken = ctx
        .state
        .db
        .call(move |c| {
            exists(
                c,
                "SELECT 1 FROM users WHERE username = ?1",
                &query.username,
            )
        })
        .await?;
    Ok(DataAvailabilityResp { available: !taken })
}

async fn email_availability(ctx: Ctx, query: EmailQuery, _: ()) -> ApiResult<DataAvailabilityResp> {
    validate::email(&query.email)?;
    let taken = ctx
        .state
        .db
        .call(move |c| exists(c, "SELECT 1 FROM users WHERE email = ?1", &query.email))
        .await?;
    Ok(DataAvailabilityResp { available: !taken })
}

async fn register(ctx: Ctx, _: (), body: RegisterReq) -> ApiResult<SuccessfulAuthResp> {
    validate::username(&body.username)?;
    validate::display_name(&body.display_name)?;
    validate::email(&body.email)?;
    validate::password(&body.password)?;
    if let Some(phone) = &body.phone {
        validate::phone(phone)?;
    }
    let password = body.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || passwords::hash(&password))
        .await
        .map_err(crate::error::ApiError::internal)??;
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let user = NewUser {
                username: &body.username,
                display_name: &body.display_name,
                email: Some(&body.email),
                phone: body.phone.as_deref(),
                password_hash: Some(&password_hash),
            };
            let userid = insert_user(c, &user)?;
            sessions::start(&state, c, &userid, &body.os, &body.language)
        })
        .await
}

async fn sign_in(ctx: Ctx, _: (), body: SignInReq) -> ApiResult<SuccessfulAuthResp> {
    let identity = body.identity.trim().to_owned();
    ctx.state.limiter.hit(
        &format!("signin:{}:{}", ctx.client_ip, identity.to_lowercase()),
        ctx.state.config.rate_limits.sign_in,
    )?;
    let found = ctx.state.db.call({
        let identity = identity.clone();
        move |c| find_by_identity(c, &identity)
    });
    let (userid, password_hash) = found.await?.ok_or(ErrorCode::UserNotFound)?;
    match (&body.password, &body.challenge_id) {
        (Some(password), _) => {
            let stored = password_hash.ok_or(ErrorCode::PasswordlessAccount)?;
            let password = password.clone();
            let valid = tokio::task::spawn_blocking(move || passwords::verify(&password, &stored))
                .await
                .map_err(crate::error::ApiError::internal)?;
            ensure(valid, ErrorCode::InvalidCredentials)?;
        }
        (None, Some(challenge_id)) => {
            let challenge_id = challenge_id.clone();
            let userid = userid.clone();
            ctx.state
                .db
                .call(move |c| {
                    crate::challenges::spend(
                        c,
                        &challenge_id,
                        ChallengePurpose::SignIn,
                        Some(&userid),
                    )
                    .map(drop)
                })
                .await?;
        }
        (None, None) => return Err(ErrorCode::PasswordRequired.into()),
    }
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| sessions::start(&state, c, &userid, &body.os, &body.language))
        .await
}

/// A user's id and password hash by username, e-mail or phone.
pub fn find_by_identity(
    connection: &rusqlite::Connection,
    identity: &str,
) -> ApiResult<Option<(String, Option<String>)>> {
    let column = match validate::identity_kind(identity) {
        IdentityKind::Email => "email",
        IdentityKind::Phone => "phone",
        IdentityKind::Username => "username",
    };
    let sql = format!("SELECT id, password_hash FROM users WHERE {column} = ?1");
    Ok(connection
        .query_row(&sql, [identity], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub password_hash: Option<&'a str>,
}

/// Inserts a validated user; a taken username, e-mail or phone is its own error code.
pub fn insert_user(connection: &rusqlite::Connection, user: &NewUser<'_>) -> ApiResult<String> {
    if exists(
        connection,
        "SELECT 1 FROM users WHERE username = ?1",
        user.username,
    )? {
        return Err(ErrorCode::UsernameTaken.into());
    }
    if let Some(email) = user.email {
        ensure(
            !exists(connection, "SELECT 1 FROM users WHERE email = ?1", email)?,
            ErrorCode::EmailTaken,
        )?;
    }
    if let Some(phone) = user.phone {
        ensure(
            !exists(connection, "SELECT 1 FROM users WHERE phone = ?1", phone)?,
            ErrorCode::PhoneTaken,
        )?;
    }
    let userid = ids::new_id();
    connection.execute(
        "INSERT INTO users (id, username, display_name, email, phone, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            userid,
            user.username,
            user.display_name.trim(),
            user.email,
            user.phone,
            user.password_hash,
            unix_now()
        ],
    )?;
    Ok(userid)
}

pub fn exists(connection: &rusqlite::Connection, sql: &str, value: &str) -> ApiResult<bool> {
    Ok(connection
        .query_row(sql, [value], |_| Ok(()))
        .optional()?
        .is_some())
}
