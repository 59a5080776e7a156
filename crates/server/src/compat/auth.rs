//! Sign-in on the older surface: the sign-in methods, password sign-in, one-time codes sent
//! and verified by identity (no challenge id travels), and logout. Each calls our auth
//! handlers; the answer is the older flat login record.

use axum::Router;
use chatenium_api::schemas::account::LogoutSessionReq;
use chatenium_api::schemas::auth::{
    AuthMethods, ChallengePurpose, FactorKind, IdentityQuery, RegisterAuthAttemptReq,
    RequestFactorCredentialReq, SignInReq, SuccessfulAuthResp, VerifyFactorReq,
};
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{route, Access, Call, Verb};
use crate::challenges;
use crate::error::{ApiError, ApiResult};
use crate::routes::{account, auth};
use crate::state::AppState;
use crate::users;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router
        .route(
            "/user/authOptions",
            route(Verb::Get, Access::Open, sign_in_methods),
        )
        .route(
            "/v2/user/loginPasswordAuth",
            route(Verb::Post, Access::Open, password_sign_in),
        )
        .route(
            "/v2/user/otpSendCode",
            route(Verb::Post, Access::Open, send_code),
        )
        .route(
            "/v2/user/otpVerifyCode",
            route(Verb::Post, Access::Open, verify_code),
        )
        .route("/user/logout", route(Verb::Post, Access::SignedIn, logout))
}

/// The older sign-in answer: flat, with `""` for a missing picture. `token` is the access
/// token; the refresh token rides along for clients that know it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResp {
    token: String,
    refresh_token: String,
    userid: String,
    username: String,
    display_name: String,
    pfp: String,
}

impl From<SuccessfulAuthResp> for LoginResp {
    fn from(auth: SuccessfulAuthResp) -> Self {
        LoginResp {
            token: auth.access_token,
            refresh_token: auth.refresh_token,
            userid: auth.userid,
            username: auth.user.username,
            display_name: auth.user.display_name,
            pfp: auth.user.pfp.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MethodsQuery {
    uname_mail_phone: String,
}

async fn sign_in_methods(call: Call, query: MethodsQuery) -> ApiResult<AuthMethods> {
    let query = IdentityQuery {
        identity: query.uname_mail_phone,
    };
    auth::sign_in_methods(call.ctx, query, ()).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordAuthReq {
    uname_mail_phone: String,
    password: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    language: String,
}

async fn password_sign_in(call: Call, body: PasswordAuthReq) -> ApiResult<LoginResp> {
    let request = SignInReq {
        identity: body.uname_mail_phone,
        password: Some(body.password),
        challenge_id: None,
        os: body.os,
        language: body.language,
    };
    Ok(auth::sign_in(call.ctx, (), request).await?.into())
}

/// The older code channel: 0 is SMS, 1 is e-mail (as `FactorKind` documents).
fn factor_kind(kind: u8) -> ApiResult<FactorKind> {
    match kind {
        0 => Ok(FactorKind::Sms),
        1 => Ok(FactorKind::Email),
        _ => Err(ApiError::bad_request("code type is 0 (SMS) or 1 (e-mail)")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendCodeReq {
    username_phone_mail: String,
    #[serde(rename = "type")]
    kind: u8,
}

/// Registers a sign-in challenge for the identity and sends its code.
async fn send_code(call: Call, body: SendCodeReq) -> ApiResult<GenericSuccessBody> {
    let kind = factor_kind(body.kind)?;
    let register = RegisterAuthAttemptReq {
        purpose: ChallengePurpose::SignIn,
        identity: Some(body.username_phone_mail),
        data_override: None,
    };
    let challenge = auth::register_challenge(call.ctx.clone(), (), register).await?;
    let request = RequestFactorCredentialReq {
        challenge_id: challenge.challenge_id,
        kind,
    };
    auth::request_factor_credential(call.ctx, (), request).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyCodeReq {
    username_phone_mail: String,
    #[serde(rename = "type")]
    kind: u8,
    /// An integer from that client (leading zeros lost; see the zero padding in
    /// `challenges::verify`), or a string.
    code: Value,
    #[serde(default)]
    os: String,
    #[serde(default)]
    language: String,
}

/// Verifies the code against the identity's newest sign-in challenge and signs in with it.
async fn verify_code(call: Call, body: VerifyCodeReq) -> ApiResult<LoginResp> {
    let kind = factor_kind(body.kind)?;
    let credential = match body.code {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text,
        _ => return Err(ApiError::bad_request("code is a number or a string")),
    };
    let identity = body.username_phone_mail.trim().to_owned();
    let challenge_id = call
        .ctx
        .state
        .db
        .call({
            let identity = identity.clone();
            move |c| {
                let (userid, _) =
                    users::find_by_identity(c, &identity)?.ok_or(ErrorCode::UserNotFound)?;
                challenges::newest_live(c, ChallengePurpose::SignIn, &userid)?
                    .ok_or_else(|| ErrorCode::ChallengeNotFound.into())
            }
        })
        .await?;
    let verify = VerifyFactorReq {
        challenge_id: challenge_id.clone(),
        kind,
        credential,
    };
    auth::verify_factor(call.ctx.clone(), (), verify).await?;
    let request = SignInReq {
        identity,
        password: None,
        challenge_id: Some(challenge_id),
        os: body.os,
        language: body.language,
    };
    Ok(auth::sign_in(call.ctx, (), request).await?.into())
}

#[derive(Deserialize)]
struct LogoutReq {
    userid: String,
}

/// Ends the session whose access token made the request.
async fn logout(call: Call, body: LogoutReq) -> ApiResult<GenericSuccessBody> {
    call.check_userid(&body.userid)?;
    let session_id = call.ctx.caller()?.session_id.clone();
    account::logout_session(call.ctx, (), LogoutSessionReq { session_id }).await
}
