//! Auth (rows 2 to 16): availability, registration, sign-in, the token pair, challenges,
//! password reset and OAuth. Handlers check input and limits; the work is in `users`,
//! `sessions`, `challenges` and `oauth`.

use crate::error::{ensure, ApiError, ApiResult};
use crate::http::{add, Ctx};
use crate::oauth::{self, Provider};
use crate::ratelimit::Limit;
use crate::state::AppState;
use crate::users::{self, Identity};
use crate::validate;
use crate::{challenges, passwords, sessions};
use axum::Router;
use chatenium_api::schemas::auth::*;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::{
    AppleOAuth, EmailAvailability, ErrorCode, FetchUserId, GoogleOAuth, PasswordReset,
    PasswordlessRegister, RefreshTokenPair, Register, RegisterChallenge, RequestFactorCredential,
    RotateTokenPair, SignIn, SignInMethods, UsernameAvailability, VerifyFactor,
};

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<UsernameAvailability, _, _>(router, username_availability);
    let router = add::<EmailAvailability, _, _>(router, email_availability);
    let router = add::<SignInMethods, _, _>(router, sign_in_methods);
    let router = add::<FetchUserId, _, _>(router, fetch_user_id);
    let router = add::<Register, _, _>(router, register);
    let router = add::<PasswordlessRegister, _, _>(router, passwordless_register);
    let router = add::<SignIn, _, _>(router, sign_in);
    let router = add::<RotateTokenPair, _, _>(router, rotate_token_pair);
    let router = add::<RefreshTokenPair, _, _>(router, refresh_token_pair);
    let router = add::<RegisterChallenge, _, _>(router, register_challenge);
    let router = add::<RequestFactorCredential, _, _>(router, request_factor_credential);
    let router = add::<VerifyFactor, _, _>(router, verify_factor);
    let router = add::<PasswordReset, _, _>(router, password_reset);
    let router = add::<GoogleOAuth, _, _>(router, google_oauth);
    add::<AppleOAuth, _, _>(router, apple_oauth)
}

/// Counts a lookup of users (which tells whether an account exists) against the address.
fn limit_lookups(ctx: &Ctx) -> ApiResult<()> {
    ctx.state
        .limits
        .hit(Limit::Lookups, &ctx.client_ip.to_string())
}

async fn username_availability(
    ctx: Ctx,
    query: UsernameQuery,
    _: (),
) -> ApiResult<DataAvailabilityResp> {
    validate::username(&query.username)?;
    limit_lookups(&ctx)?;
    let taken = ctx
        .state
        .db
        .call(move |c| users::is_taken(c, Identity::Username, &query.username))
        .await?;
    Ok(DataAvailabilityResp { available: !taken })
}

async fn email_availability(ctx: Ctx, query: EmailQuery, _: ()) -> ApiResult<DataAvailabilityResp> {
    validate::email(&query.email)?;
    limit_lookups(&ctx)?;
    let taken = ctx
        .state
        .db
        .call(move |c| users::is_taken(c, Identity::Email, &query.email))
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
    limit_registrations(&ctx)?;
    let password = body.password.clone();
    let password_hash = passwords::hash_on_pool(password).await?;
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let user = users::NewUser {
                username: &body.username,
                display_name: &body.display_name,
                email: Some(&body.email),
                phone: body.phone.as_deref(),
                password_hash: Some(&password_hash),
            };
            let userid = users::insert_user(c, &user)?;
            sessions::start(&state, c, &userid, &body.os, &body.language)
        })
        .await
}

fn limit_registrations(ctx: &Ctx) -> ApiResult<()> {
    ctx.state
        .limits
        .hit(Limit::Registrations, &ctx.client_ip.to_string())
}

pub(crate) async fn sign_in(ctx: Ctx, _: (), body: SignInReq) -> ApiResult<SuccessfulAuthResp> {
    let identity = body.identity.trim().to_owned();
    ctx.state
        .limits
        .hit(Limit::SignInPerAddress, &ctx.client_ip.to_string())?;
    let found = ctx.state.db.call({
        let identity = identity.clone();
        move |c| users::find_by_identity(c, &identity)
    });
    let (userid, password_hash) = found.await?.ok_or(ErrorCode::UserNotFound)?;
    // Keyed by the account, not the identity as typed: its username, e-mail and phone share
    // one count of guesses.
    ctx.state
        .limits
        .hit(Limit::SignIn, &format!("signIn:{}:{userid}", ctx.client_ip))?;
    match (&body.password, &body.challenge_id) {
        (Some(password), _) => {
            let stored = password_hash.ok_or(ErrorCode::PasswordlessAccount)?;
            let password = password.clone();
            let valid = passwords::verify_on_pool(password, stored).await?;
            ensure(valid, ErrorCode::InvalidCredentials)?;
        }
        (None, Some(challenge_id)) => {
            let challenge_id = challenge_id.clone();
            let userid = userid.clone();
            ctx.state
                .db
                .call(move |c| {
                    challenges::spend(c, &challenge_id, ChallengePurpose::SignIn, Some(&userid))
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

pub(crate) async fn sign_in_methods(
    ctx: Ctx,
    query: IdentityQuery,
    _: (),
) -> ApiResult<AuthMethods> {
    limit_lookups(&ctx)?;
    let identity = query.identity.trim().to_owned();
    ctx.state
        .db
        .call(move |c| users::sign_in_methods(c, &identity))
        .await
}

async fn fetch_user_id(ctx: Ctx, query: IdentityQuery, _: ()) -> ApiResult<GetIdFromIdentityResp> {
    limit_lookups(&ctx)?;
    let identity = query.identity.trim().to_owned();
    let (userid, _) = ctx
        .state
        .db
        .call(move |c| users::find_by_identity(c, &identity))
        .await?
        .ok_or(ErrorCode::UserNotFound)?;
    Ok(GetIdFromIdentityResp { userid })
}

/// A new account without a password, whose addresses a `register` challenge proved.
async fn passwordless_register(
    ctx: Ctx,
    _: (),
    body: PasswordlessRegisterReq,
) -> ApiResult<SuccessfulAuthResp> {
    validate::username(&body.username)?;
    validate::display_name(&body.display_name)?;
    limit_registrations(&ctx)?;
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            // The challenge is spent only if the account is made: a taken username leaves it
            // usable with another one.
            let transaction = c.transaction()?;
            let proven = challenges::check(
                &transaction,
                &body.challenge_id,
                ChallengePurpose::Register,
                None,
            )?;
            let user = users::NewUser {
                username: &body.username,
                display_name: &body.display_name,
                email: proven.override_email.as_deref(),
                phone: proven.override_phone.as_deref(),
                password_hash: None,
            };
            let userid = users::insert_user(&transaction, &user)?;
            challenges::mark_spent(&transaction, &body.challenge_id)?;
            transaction.commit()?;
            sessions::start(&state, c, &userid, &body.os, &body.language)
        })
        .await
}

/// Row 2: for an expired access token; the refresh token alone is enough.
async fn rotate_token_pair(
    ctx: Ctx,
    _: (),
    body: RefreshTokenPairReq,
) -> ApiResult<SuccessfulAuthResp> {
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let owner = sessions::spend_refresh_token(&state, c, &body.refresh_token)?;
            sessions::issue_pair(&state, c, &owner.userid, &owner.session_id)
        })
        .await
}

/// Row 12: the refresh token must be the caller's session's; the new pair replaces both
/// tokens, so the access token that made this request stops working.
async fn refresh_token_pair(
    ctx: Ctx,
    _: (),
    body: RefreshTokenPairReq,
) -> ApiResult<SuccessfulAuthResp> {
    let caller = ctx.caller()?.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let owner = sessions::spend_session_refresh_token(
                &state,
                c,
                &body.refresh_token,
                &caller.session_id,
            )?;
            sessions::issue_pair(&state, c, &owner.userid, &owner.session_id)
        })
        .await
}

pub(crate) async fn register_challenge(
    ctx: Ctx,
    _: (),
    body: RegisterAuthAttemptReq,
) -> ApiResult<Challenge> {
    ctx.state
        .limits
        .hit(Limit::Challenges, &ctx.client_ip.to_string())?;
    ctx.state
        .db
        .call(move |c| challenges::register(c, &body))
        .await
}

/// Counts a code request or try against the target's and the client address's limits.
fn limit_codes(ctx: &Ctx, action: &str, target: &str) -> ApiResult<()> {
    let limits = &ctx.state.limits;
    limits.hit(
        Limit::CodesPerAddress,
        &format!("{action}:{}", ctx.client_ip),
    )?;
    limits.hit(
        Limit::CodesPerTarget,
        &format!("{action}:{}", target.to_lowercase()),
    )
}

async fn factor_target(ctx: &Ctx, challenge_id: &str, kind: FactorKind) -> ApiResult<String> {
    let challenge_id = challenge_id.to_owned();
    ctx.state
        .db
        .call(move |c| challenges::target(c, &challenge_id, kind))
        .await
}

pub(crate) async fn request_factor_credential(
    ctx: Ctx,
    _: (),
    body: RequestFactorCredentialReq,
) -> ApiResult<GenericSuccessBody> {
    let target = factor_target(&ctx, &body.challenge_id, body.kind).await?;
    limit_codes(&ctx, "request", &target)?;
    ctx.state.limits.hit(Limit::CodesSent, "")?;
    let delivery = ctx
        .state
        .db
        .call(move |c| challenges::issue_credential(c, &body.challenge_id, body.kind))
        .await?;
    let sender = ctx.state.sender.clone();
    let message = challenges::message(&delivery);
    // A sender may write a file or talk to a gateway: keep it off the async workers.
    tokio::task::spawn_blocking(move || sender.send(message))
        .await
        .map_err(ApiError::internal)??;
    Ok(GenericSuccessBody::new("credentialSent"))
}

pub(crate) async fn verify_factor(ctx: Ctx, _: (), body: VerifyFactorReq) -> ApiResult<Challenge> {
    let target = factor_target(&ctx, &body.challenge_id, body.kind).await?;
    limit_codes(&ctx, "verify", &target)?;
    ctx.state
        .db
        .call(move |c| challenges::verify(c, &body.challenge_id, body.kind, &body.credential, None))
        .await
}

/// Row 11: the reset e-mail's token verifies the challenge's e-mail factor, then the new
/// password replaces the old and every session ends. Nobody is signed in.
async fn password_reset(ctx: Ctx, _: (), body: PasswordResetReq) -> ApiResult<GenericSuccessBody> {
    validate::password(&body.password)?;
    ctx.state
        .limits
        .hit(Limit::SignIn, &format!("passwordReset:{}", ctx.client_ip))?;
    let challenge_id = body.challenge_id.clone();
    ctx.state
        .db
        .call(move |c| {
            challenges::verify(
                c,
                &challenge_id,
                FactorKind::Email,
                &body.token,
                Some(ChallengePurpose::PasswordReset),
            )
        })
        .await
        .map_err(|error| match error.code {
            ErrorCode::InvalidCode => ErrorCode::InvalidResetToken.into(),
            _ => error,
        })?;
    let password = body.password;
    let password_hash = passwords::hash_on_pool(password).await?;
    let state = ctx.state.clone();
    let challenge_id = body.challenge_id;
    ctx.state
        .db
        .call(move |c| {
            let transaction = c.transaction()?;
            let proven = challenges::check(
                &transaction,
                &challenge_id,
                ChallengePurpose::PasswordReset,
                None,
            )?;
            let userid = proven
                .user_id
                .ok_or_else(|| ApiError::internal("a reset challenge without its user"))?;
            users::set_password_hash(&transaction, &userid, &password_hash)?;
            challenges::mark_spent(&transaction, &challenge_id)?;
            transaction.commit()?;
            sessions::end_all(&state, c, &userid)
        })
        .await?;
    Ok(GenericSuccessBody::new("passwordChanged"))
}

async fn google_oauth(ctx: Ctx, _: (), body: GoogleOAuthReq) -> ApiResult<SuccessfulAuthResp> {
    let request = OAuthSignIn {
        provider: Provider::Google,
        id_token: body.id_token,
        display_name: None,
        os: body.os,
        language: body.language,
    };
    oauth_sign_in(ctx, request).await
}

async fn apple_oauth(ctx: Ctx, _: (), body: AppleOAuthReq) -> ApiResult<SuccessfulAuthResp> {
    let request = OAuthSignIn {
        provider: Provider::Apple,
        id_token: body.id_token,
        display_name: body.display_name,
        os: body.os,
        language: body.language,
    };
    oauth_sign_in(ctx, request).await
}

struct OAuthSignIn {
    provider: Provider,
    id_token: String,
    display_name: Option<String>,
    os: String,
    language: String,
}

async fn oauth_sign_in(ctx: Ctx, request: OAuthSignIn) -> ApiResult<SuccessfulAuthResp> {
    ctx.state.limits.hit(
        Limit::SignIn,
        &format!("oauth:{}:{}", request.provider.name(), ctx.client_ip),
    )?;
    let identity = oauth::verify(&ctx.state, request.provider, &request.id_token).await?;
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let userid = oauth::account(c, &identity, request.display_name.as_deref())?;
            sessions::start(&state, c, &userid, &request.os, &request.language)
        })
        .await
}
