//! The auth endpoints over real HTTP: the token pair (rows 2 and 12), sign-in methods and user
//! ids (3, 16), challenges and their flows (13 to 15, 8 by code, 9, 11, 22, 26) and OAuth (4, 5).
//! Codes are read from the server's local outbox; expiry is reached by a TTL of 0 or by
//! editing the database, never by waiting.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chatenium_api::schemas::account::{ChangeEmailReq, ChangePhoneReq};
use chatenium_api::schemas::auth::*;
use chatenium_api::{
    AppleOAuth, ChangeEmail, ChangePhone, Endpoint, ErrorCode, FetchUserId, GoogleOAuth,
    PasswordReset, PasswordlessRegister, RefreshTokenPair, RegisterChallenge,
    RequestFactorCredential, RotateTokenPair, SignIn, SignInMethods, VerifyFactor,
};
use chatenium_server::config::OAuthProvider;
use common::{As, Failure, TestServer};
use serde_json::{json, Value};

fn bearer(token: &str) -> As<'_> {
    As {
        token: Some(token),
        ws_id: None,
    }
}

fn refresh(token: &str) -> RefreshTokenPairReq {
    RefreshTokenPairReq {
        refresh_token: token.to_owned(),
    }
}

/// Whether the server takes `token` as an access token. Asks row 12 with a refresh token
/// nobody has: a known access token gets as far as `invalidRefreshToken` and changes nothing.
async fn access(server: &TestServer, token: &str) -> Result<(), ErrorCode> {
    match server
        .call::<RefreshTokenPair>(bearer(token), &(), &refresh("no-such-refresh-token"))
        .await
    {
        Err(Failure {
            code: ErrorCode::InvalidRefreshToken,
            ..
        }) => Ok(()),
        Err(failure) => Err(failure.code),
        Ok(_) => panic!("an unknown refresh token was accepted"),
    }
}

async fn rotate(server: &TestServer, refresh_token: &str) -> Result<SuccessfulAuthResp, ErrorCode> {
    server
        .call::<RotateTokenPair>(As::default(), &(), &refresh(refresh_token))
        .await
        .map_err(|failure| failure.code)
}

// ---- The token pair ------------------------------------------------------------------------

#[tokio::test]
async fn refresh_replaces_the_pair_and_blacklists_the_old_access_token() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let pair = server
        .call::<RefreshTokenPair>(anna.auth(), &(), &refresh(&anna.refresh))
        .await
        .unwrap();
    assert_eq!(pair.userid, anna.userid);
    assert_eq!(pair.user.username, "anna");
    assert_eq!(
        access(&server, &anna.token).await,
        Err(ErrorCode::Unauthorized)
    );
    assert_eq!(access(&server, &pair.access_token).await, Ok(()));
    // The old refresh token is spent, for either exchange.
    assert_eq!(
        rotate(&server, &anna.refresh).await.unwrap_err(),
        ErrorCode::InvalidRefreshToken
    );
    server
        .refused::<RefreshTokenPair>(
            bearer(&pair.access_token),
            &(),
            &refresh(&anna.refresh),
            ErrorCode::InvalidRefreshToken,
        )
        .await;

    // Another session's refresh token is not the caller's to spend, and stays its own.
    let phone = server.sign_in("anna", &anna.password).await.unwrap();
    server
        .refused::<RefreshTokenPair>(
            bearer(&pair.access_token),
            &(),
            &refresh(&phone.refresh_token),
            ErrorCode::InvalidRefreshToken,
        )
        .await;
    assert_eq!(access(&server, &pair.access_token).await, Ok(()));
    server
        .call::<RefreshTokenPair>(
            bearer(&phone.access_token),
            &(),
            &refresh(&phone.refresh_token),
        )
        .await
        .unwrap();

    // The new pair refreshes in turn; without an access token row 12 is closed.
    let next = server
        .call::<RefreshTokenPair>(
            bearer(&pair.access_token),
            &(),
            &refresh(&pair.refresh_token),
        )
        .await
        .unwrap();
    assert_eq!(access(&server, &next.access_token).await, Ok(()));
    assert_eq!(
        access(&server, &pair.access_token).await,
        Err(ErrorCode::Unauthorized)
    );
    server
        .refused::<RefreshTokenPair>(
            As::default(),
            &(),
            &refresh(&next.refresh_token),
            ErrorCode::Unauthorized,
        )
        .await;
}

#[tokio::test]
async fn rotate_spends_the_refresh_token_and_replaces_the_pair() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let pair = rotate(&server, &anna.refresh).await.unwrap();
    assert_eq!(pair.userid, anna.userid);
    assert_ne!(pair.access_token, anna.token);
    assert_eq!(
        access(&server, &anna.token).await,
        Err(ErrorCode::Unauthorized)
    );
    assert_eq!(access(&server, &pair.access_token).await, Ok(()));
    assert_eq!(
        rotate(&server, &anna.refresh).await.unwrap_err(),
        ErrorCode::InvalidRefreshToken
    );
    let next = rotate(&server, &pair.refresh_token).await.unwrap();
    assert_eq!(access(&server, &next.access_token).await, Ok(()));
    assert_eq!(
        rotate(&server, "made-up").await.unwrap_err(),
        ErrorCode::InvalidRefreshToken
    );
}

#[tokio::test]
async fn an_expired_access_token_is_told_apart_and_rotation_still_works() {
    let server = TestServer::start_with(|config| config.access_token_ttl_secs = 0).await;
    let anna = server.register("anna").await;
    assert_eq!(
        access(&server, &anna.token).await,
        Err(ErrorCode::TokenExpired)
    );
    // Row 12 needs a live access token; row 2 is the way out.
    server
        .refused::<RefreshTokenPair>(
            anna.auth(),
            &(),
            &refresh(&anna.refresh),
            ErrorCode::TokenExpired,
        )
        .await;
    let pair = rotate(&server, &anna.refresh).await.unwrap();
    assert_eq!(pair.userid, anna.userid);
    assert_eq!(pair.expires_in, 0);
    assert_eq!(
        access(&server, &pair.access_token).await,
        Err(ErrorCode::TokenExpired)
    );
    assert_eq!(
        access(&server, &anna.token).await,
        Err(ErrorCode::Unauthorized)
    );
    assert_eq!(
        rotate(&server, &anna.refresh).await.unwrap_err(),
        ErrorCode::InvalidRefreshToken
    );
    rotate(&server, &pair.refresh_token).await.unwrap();
}

// ---- Sign-in methods and user ids ----------------------------------------------------------

fn identity(identity: &str) -> IdentityQuery {
    IdentityQuery {
        identity: identity.to_owned(),
    }
}

#[tokio::test]
async fn sign_in_methods_and_user_ids_by_any_identity() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    for name in ["anna", "ANNA", anna.email.as_str()] {
        let methods = server
            .call::<SignInMethods>(As::default(), &identity(name), &())
            .await
            .unwrap();
        assert_eq!(
            methods,
            AuthMethods {
                email: true,
                password: true,
                sms: false
            }
        );
        let found = server
            .call::<FetchUserId>(As::default(), &identity(name), &())
            .await
            .unwrap();
        assert_eq!(found.userid, anna.userid);
    }
    for unknown in ["nobody", "nobody@example.test", "+36301234567", ""] {
        server
            .refused::<SignInMethods>(
                As::default(),
                &identity(unknown),
                &(),
                ErrorCode::UserNotFound,
            )
            .await;
        server
            .refused::<FetchUserId>(
                As::default(),
                &identity(unknown),
                &(),
                ErrorCode::UserNotFound,
            )
            .await;
    }
}

// ---- Challenges -----------------------------------------------------------------------------

async fn register_challenge(
    server: &TestServer,
    purpose: ChallengePurpose,
    identity: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Challenge, Failure> {
    let data_override = (email.is_some() || phone.is_some()).then(|| ChallengeDataOverride {
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
    });
    let request = RegisterAuthAttemptReq {
        purpose,
        identity: identity.map(str::to_owned),
        data_override,
    };
    server
        .call::<RegisterChallenge>(As::default(), &(), &request)
        .await
}

async fn request_code(
    server: &TestServer,
    challenge: &Challenge,
    kind: FactorKind,
) -> Result<(), ErrorCode> {
    let request = RequestFactorCredentialReq {
        challenge_id: challenge.challenge_id.clone(),
        kind,
    };
    server
        .call::<RequestFactorCredential>(As::default(), &(), &request)
        .await
        .map(drop)
        .map_err(|failure| failure.code)
}

async fn verify(
    server: &TestServer,
    challenge: &Challenge,
    kind: FactorKind,
    credential: &str,
) -> Result<Challenge, ErrorCode> {
    let request = VerifyFactorReq {
        challenge_id: challenge.challenge_id.clone(),
        kind,
        credential: credential.to_owned(),
    };
    server
        .call::<VerifyFactor>(As::default(), &(), &request)
        .await
        .map_err(|failure| failure.code)
}

/// Requests a code for one factor, reads it from the outbox and verifies it.
async fn prove(
    server: &TestServer,
    challenge: &Challenge,
    kind: FactorKind,
    to: &str,
) -> Challenge {
    request_code(server, challenge, kind).await.unwrap();
    let code = server.secret_sent_to(to);
    verify(server, challenge, kind, &code).await.unwrap()
}

/// A six-digit code that is not `code`.
fn wrong(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.to_owned()
}

fn code_sign_in(identity: &str, challenge: &Challenge) -> SignInReq {
    SignInReq {
        identity: identity.to_owned(),
        password: None,
        challenge_id: Some(challenge.challenge_id.clone()),
        os: "test".into(),
        language: "en".into(),
    }
}

async fn expire(server: &TestServer, challenge: &Challenge) {
    server
        .sql(&format!(
            "UPDATE challenges SET expires_at = 0 WHERE id = '{}'",
            challenge.challenge_id
        ))
        .await;
}

#[tokio::test]
async fn a_code_signs_in_once() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let challenge = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    assert_eq!(challenge.purpose, ChallengePurpose::SignIn);
    assert_eq!(
        challenge.factors,
        vec![Factor {
            kind: FactorKind::Email,
            target: "a***@example.test".into(),
            verified: false
        }]
    );
    assert_eq!((challenge.required, challenge.complete), (1, false));
    assert!(challenge.expires_at > 0);
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &code_sign_in("anna", &challenge),
            ErrorCode::ChallengeIncomplete,
        )
        .await;

    request_code(&server, &challenge, FactorKind::Email)
        .await
        .unwrap();
    let code = server.secret_sent_to(&anna.email);
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "{code}"
    );
    let sent = server.server.outbox().unwrap().messages_to(&anna.email);
    let message = sent.last().unwrap();
    assert_eq!(message.subject, "Your Chatenium code");
    assert!(message.body.contains(&code) && message.body.contains("sign in"));

    assert_eq!(
        verify(&server, &challenge, FactorKind::Email, &wrong(&code))
            .await
            .unwrap_err(),
        ErrorCode::InvalidCode
    );
    let verified = verify(&server, &challenge, FactorKind::Email, &code)
        .await
        .unwrap();
    assert!(verified.complete && verified.factors[0].verified);

    let auth = server
        .call::<SignIn>(As::default(), &(), &code_sign_in("anna", &challenge))
        .await
        .unwrap();
    assert_eq!(auth.userid, anna.userid);
    assert_eq!(access(&server, &auth.access_token).await, Ok(()));
    // Spent: neither a second sign-in nor another verification.
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &code_sign_in("anna", &challenge),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    assert_eq!(
        verify(&server, &challenge, FactorKind::Email, &code)
            .await
            .unwrap_err(),
        ErrorCode::ChallengeNotFound
    );
}

#[tokio::test]
async fn a_challenge_works_for_its_own_user_and_factors_only() {
    let server = TestServer::start().await;
    server.register("anna").await;
    let bela = server.register("bela").await;
    let of_bela = register_challenge(&server, ChallengePurpose::SignIn, Some("bela"), None, None)
        .await
        .unwrap();
    prove(&server, &of_bela, FactorKind::Email, &bela.email).await;
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &code_sign_in("anna", &of_bela),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    // Anna has no phone: no SMS factor to send to or verify.
    let of_anna = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    assert_eq!(
        request_code(&server, &of_anna, FactorKind::Sms)
            .await
            .unwrap_err(),
        ErrorCode::FactorUnavailable
    );
    assert_eq!(
        verify(&server, &of_anna, FactorKind::Sms, "123456")
            .await
            .unwrap_err(),
        ErrorCode::FactorUnavailable
    );
    // A factor whose code was never requested has nothing to match.
    assert_eq!(
        verify(&server, &of_anna, FactorKind::Email, "123456")
            .await
            .unwrap_err(),
        ErrorCode::InvalidCode
    );
    // Unknown identities and challenges; codes of an account go to its own addresses only.
    assert_eq!(
        register_challenge(
            &server,
            ChallengePurpose::SignIn,
            Some("nobody"),
            None,
            None
        )
        .await
        .unwrap_err()
        .code,
        ErrorCode::UserNotFound
    );
    assert_eq!(
        register_challenge(&server, ChallengePurpose::SignIn, None, None, None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::BadRequest
    );
    assert_eq!(
        register_challenge(
            &server,
            ChallengePurpose::SignIn,
            Some("anna"),
            Some("mallory@example.test"),
            None
        )
        .await
        .unwrap_err()
        .code,
        ErrorCode::BadRequest
    );
    let unknown = Challenge {
        challenge_id: "no-such-challenge".into(),
        ..of_anna.clone()
    };
    assert_eq!(
        request_code(&server, &unknown, FactorKind::Email)
            .await
            .unwrap_err(),
        ErrorCode::ChallengeNotFound
    );
}

#[tokio::test]
async fn expired_challenges_and_codes_stop_working() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let challenge = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    prove(&server, &challenge, FactorKind::Email, &anna.email).await;
    expire(&server, &challenge).await;
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &code_sign_in("anna", &challenge),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    assert_eq!(
        request_code(&server, &challenge, FactorKind::Email)
            .await
            .unwrap_err(),
        ErrorCode::ChallengeNotFound
    );

    // A code past its ten minutes is wrong even when it matches; a new one works.
    let challenge = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    request_code(&server, &challenge, FactorKind::Email)
        .await
        .unwrap();
    let stale = server.secret_sent_to(&anna.email);
    server
        .sql(&format!(
            "UPDATE challenge_factors SET code_expires = 0 WHERE challenge_id = '{}'",
            challenge.challenge_id
        ))
        .await;
    assert_eq!(
        verify(&server, &challenge, FactorKind::Email, &stale)
            .await
            .unwrap_err(),
        ErrorCode::InvalidCode
    );
    let verified = prove(&server, &challenge, FactorKind::Email, &anna.email).await;
    assert!(verified.complete);
}

#[tokio::test]
async fn five_wrong_codes_use_the_code_up() {
    let server = TestServer::start_with(|config| config.rate_limits.codes = 100).await;
    let anna = server.register("anna").await;
    let challenge = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    request_code(&server, &challenge, FactorKind::Email)
        .await
        .unwrap();
    let code = server.secret_sent_to(&anna.email);
    for _ in 0..5 {
        assert_eq!(
            verify(&server, &challenge, FactorKind::Email, &wrong(&code))
                .await
                .unwrap_err(),
            ErrorCode::InvalidCode
        );
    }
    assert_eq!(
        verify(&server, &challenge, FactorKind::Email, &code)
            .await
            .unwrap_err(),
        ErrorCode::InvalidCode
    );
    let verified = prove(&server, &challenge, FactorKind::Email, &anna.email).await;
    assert!(verified.complete);
}

#[tokio::test]
async fn requesting_and_trying_codes_is_rate_limited_per_target() {
    let server = TestServer::start_with(|config| config.rate_limits.codes = 2).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let challenge = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    for _ in 0..2 {
        request_code(&server, &challenge, FactorKind::Email)
            .await
            .unwrap();
    }
    assert_eq!(
        request_code(&server, &challenge, FactorKind::Email)
            .await
            .unwrap_err(),
        ErrorCode::RateLimited
    );
    let code = server.secret_sent_to(&anna.email);
    for _ in 0..2 {
        assert_eq!(
            verify(&server, &challenge, FactorKind::Email, &wrong(&code))
                .await
                .unwrap_err(),
            ErrorCode::InvalidCode
        );
    }
    assert_eq!(
        verify(&server, &challenge, FactorKind::Email, &code)
            .await
            .unwrap_err(),
        ErrorCode::RateLimited
    );
    // Another address has its own count.
    let other = register_challenge(&server, ChallengePurpose::SignIn, Some("bela"), None, None)
        .await
        .unwrap();
    prove(&server, &other, FactorKind::Email, &bela.email).await;
}

#[tokio::test]
async fn passwordless_registration_then_code_sign_in() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let phone = "+36301234567";
    let cases = [
        (Some(anna.email.as_str()), None, ErrorCode::EmailTaken),
        (Some("not-an-email"), None, ErrorCode::InvalidEmail),
        (None, Some("06301234567"), ErrorCode::InvalidPhone),
        (None, None, ErrorCode::BadRequest),
    ];
    for (email, phone, code) in cases {
        let refused = register_challenge(&server, ChallengePurpose::Register, None, email, phone)
            .await
            .unwrap_err();
        assert_eq!(refused.code, code, "{email:?} {phone:?}");
    }

    let challenge = register_challenge(
        &server,
        ChallengePurpose::Register,
        None,
        Some("zoe@example.test"),
        Some(phone),
    )
    .await
    .unwrap();
    let targets: Vec<_> = challenge
        .factors
        .iter()
        .map(|f| (f.kind, f.target.as_str()))
        .collect();
    assert_eq!(
        targets,
        [
            (FactorKind::Email, "z***@example.test"),
            (FactorKind::Sms, "+36*******67")
        ]
    );
    // Every address the account will have must be proven.
    assert_eq!(challenge.required, 2);
    let half = prove(&server, &challenge, FactorKind::Email, "zoe@example.test").await;
    assert!(!half.complete);
    let register = |username: &str| PasswordlessRegisterReq {
        username: username.to_owned(),
        display_name: "Zoé".into(),
        challenge_id: challenge.challenge_id.clone(),
        os: "test".into(),
        language: "en".into(),
    };
    server
        .refused::<PasswordlessRegister>(
            As::default(),
            &(),
            &register("zoe"),
            ErrorCode::ChallengeIncomplete,
        )
        .await;
    let complete = prove(&server, &challenge, FactorKind::Sms, phone).await;
    assert!(complete.complete);
    // A taken username leaves the challenge usable with another.
    server
        .refused::<PasswordlessRegister>(
            As::default(),
            &(),
            &register("anna"),
            ErrorCode::UsernameTaken,
        )
        .await;
    server
        .refused::<PasswordlessRegister>(
            As::default(),
            &(),
            &register("no spaces"),
            ErrorCode::InvalidUsername,
        )
        .await;
    let zoe = server
        .call::<PasswordlessRegister>(As::default(), &(), &register("zoe"))
        .await
        .unwrap();
    assert_eq!(zoe.user.username, "zoe");
    assert_eq!(zoe.user.display_name, "Zoé");
    assert_eq!(access(&server, &zoe.access_token).await, Ok(()));
    server
        .refused::<PasswordlessRegister>(
            As::default(),
            &(),
            &register("zoe2"),
            ErrorCode::ChallengeNotFound,
        )
        .await;

    let methods = server
        .call::<SignInMethods>(As::default(), &identity("zoe"), &())
        .await
        .unwrap();
    assert_eq!(
        methods,
        AuthMethods {
            email: true,
            password: false,
            sms: true
        }
    );
    assert_eq!(
        server
            .sign_in("zoe", "any-password-1")
            .await
            .unwrap_err()
            .code,
        ErrorCode::PasswordlessAccount
    );
    // Signing in by phone: either factor is enough, here the SMS one.
    let sign_in = register_challenge(&server, ChallengePurpose::SignIn, Some(phone), None, None)
        .await
        .unwrap();
    assert_eq!(sign_in.factors.len(), 2);
    prove(&server, &sign_in, FactorKind::Sms, phone).await;
    let again = server
        .call::<SignIn>(As::default(), &(), &code_sign_in(phone, &sign_in))
        .await
        .unwrap();
    assert_eq!(again.userid, zoe.userid);
}

fn reset(challenge: &Challenge, token: &str, password: &str) -> PasswordResetReq {
    PasswordResetReq {
        challenge_id: challenge.challenge_id.clone(),
        token: token.to_owned(),
        password: password.to_owned(),
    }
}

#[tokio::test]
async fn a_password_reset_changes_the_password_and_ends_every_session() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let laptop = server.sign_in("anna", &anna.password).await.unwrap();
    let challenge = register_challenge(
        &server,
        ChallengePurpose::PasswordReset,
        Some(&anna.email),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(challenge.factors.len(), 1);
    assert_eq!(challenge.factors[0].kind, FactorKind::Email);
    request_code(&server, &challenge, FactorKind::Email)
        .await
        .unwrap();
    let token = server.secret_sent_to(&anna.email);
    assert_eq!(token.len(), 64, "a reset token is long, not a code");
    let sent = server.server.outbox().unwrap().messages_to(&anna.email);
    assert_eq!(
        sent.last().unwrap().subject,
        "Reset your Chatenium password"
    );
    assert!(sent.last().unwrap().body.contains(&token));

    let new_password = "a-brand-new-password";
    server
        .refused::<PasswordReset>(
            As::default(),
            &(),
            &reset(&challenge, &"0".repeat(64), new_password),
            ErrorCode::InvalidResetToken,
        )
        .await;
    server
        .refused::<PasswordReset>(
            As::default(),
            &(),
            &reset(&challenge, &token, "short"),
            ErrorCode::WeakPassword,
        )
        .await;
    let done = server
        .call::<PasswordReset>(As::default(), &(), &reset(&challenge, &token, new_password))
        .await
        .unwrap();
    assert!(!done.response.is_empty());

    assert_eq!(
        server
            .sign_in("anna", &anna.password)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidCredentials
    );
    let fresh = server.sign_in("anna", new_password).await.unwrap();
    assert_eq!(fresh.userid, anna.userid);
    for old in [&anna.token, &laptop.access_token] {
        assert_eq!(access(&server, old).await, Err(ErrorCode::Unauthorized));
    }
    assert_eq!(
        rotate(&server, &laptop.refresh_token).await.unwrap_err(),
        ErrorCode::InvalidRefreshToken
    );
    server
        .refused::<PasswordReset>(
            As::default(),
            &(),
            &reset(&challenge, &token, "yet-another-password"),
            ErrorCode::ChallengeNotFound,
        )
        .await;

    // A sign-in code is no reset token.
    let sign_in = register_challenge(&server, ChallengePurpose::SignIn, Some("anna"), None, None)
        .await
        .unwrap();
    request_code(&server, &sign_in, FactorKind::Email)
        .await
        .unwrap();
    let code = server.secret_sent_to(&anna.email);
    server
        .refused::<PasswordReset>(
            As::default(),
            &(),
            &reset(&sign_in, &code, "yet-another-password"),
            ErrorCode::ChallengeNotFound,
        )
        .await;
}

#[tokio::test]
async fn changing_the_email_and_phone_needs_a_challenge_for_the_new_address() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let new_email = "anna.new@example.test";
    for (email, phone, code) in [
        (Some(bela.email.as_str()), None, ErrorCode::EmailTaken),
        (Some("nope"), None, ErrorCode::InvalidEmail),
        (None, None, ErrorCode::BadRequest),
    ] {
        let refused = register_challenge(
            &server,
            ChallengePurpose::ChangeEmail,
            Some("anna"),
            email,
            phone,
        )
        .await
        .unwrap_err();
        assert_eq!(refused.code, code);
    }
    let challenge = register_challenge(
        &server,
        ChallengePurpose::ChangeEmail,
        Some("anna"),
        Some(new_email),
        None,
    )
    .await
    .unwrap();
    assert_eq!(challenge.factors[0].target, "a***@example.test");
    let change = |email: &str| ChangeEmailReq {
        email: email.to_owned(),
        challenge_id: challenge.challenge_id.clone(),
    };
    server
        .refused::<ChangeEmail>(
            anna.auth(),
            &(),
            &change(new_email),
            ErrorCode::ChallengeIncomplete,
        )
        .await;
    prove(&server, &challenge, FactorKind::Email, new_email).await;
    server
        .refused::<ChangeEmail>(
            bela.auth(),
            &(),
            &change(new_email),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    server
        .refused::<ChangeEmail>(
            anna.auth(),
            &(),
            &change("anna.other@example.test"),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    server
        .refused::<ChangeEmail>(anna.auth(), &(), &change("nope"), ErrorCode::InvalidEmail)
        .await;
    server
        .refused::<ChangeEmail>(
            As::default(),
            &(),
            &change(new_email),
            ErrorCode::Unauthorized,
        )
        .await;
    server
        .call::<ChangeEmail>(anna.auth(), &(), &change(new_email))
        .await
        .unwrap();
    server
        .refused::<ChangeEmail>(
            anna.auth(),
            &(),
            &change(new_email),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    assert_eq!(
        server
            .sign_in(new_email, &anna.password)
            .await
            .unwrap()
            .userid,
        anna.userid
    );
    assert_eq!(
        server
            .sign_in(&anna.email, &anna.password)
            .await
            .unwrap_err()
            .code,
        ErrorCode::UserNotFound
    );

    let phone = "+36201234567";
    let challenge = register_challenge(
        &server,
        ChallengePurpose::ChangePhone,
        Some(new_email),
        None,
        Some(phone),
    )
    .await
    .unwrap();
    assert_eq!(challenge.factors[0].target, "+36*******67");
    let change = |phone: &str| ChangePhoneReq {
        phone: phone.to_owned(),
        challenge_id: challenge.challenge_id.clone(),
    };
    server
        .refused::<ChangePhone>(
            anna.auth(),
            &(),
            &change(phone),
            ErrorCode::ChallengeIncomplete,
        )
        .await;
    prove(&server, &challenge, FactorKind::Sms, phone).await;
    server
        .refused::<ChangePhone>(anna.auth(), &(), &change("12345"), ErrorCode::InvalidPhone)
        .await;
    server
        .refused::<ChangePhone>(
            anna.auth(),
            &(),
            &change("+36209999999"),
            ErrorCode::ChallengeNotFound,
        )
        .await;
    server
        .call::<ChangePhone>(anna.auth(), &(), &change(phone))
        .await
        .unwrap();
    let found = server
        .call::<FetchUserId>(As::default(), &identity(phone), &())
        .await
        .unwrap();
    assert_eq!(found.userid, anna.userid);
    assert!(
        server
            .call::<SignInMethods>(As::default(), &identity("anna"), &())
            .await
            .unwrap()
            .sms
    );
    // Bela cannot claim the number now that it is Anna's.
    let refused = register_challenge(
        &server,
        ChallengePurpose::ChangePhone,
        Some("bela"),
        None,
        Some(phone),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, ErrorCode::PhoneTaken);
}

#[tokio::test]
async fn malformed_auth_requests_are_client_errors() {
    let server = TestServer::start().await;
    let posts = [
        RotateTokenPair::META.path,
        RegisterChallenge::META.path,
        VerifyFactor::META.path,
        RequestFactorCredential::META.path,
        PasswordReset::META.path,
        PasswordlessRegister::META.path,
        GoogleOAuth::META.path,
        AppleOAuth::META.path,
    ];
    let bodies: [&[u8]; 4] = [
        b"not json",
        b"{}",
        br#"{"purpose": "takeOver", "challengeId": 5}"#,
        br#"{"challengeId": "x", "kind": "fax", "credential": "1"}"#,
    ];
    for path in posts {
        for body in bodies {
            let (status, bytes) = server
                .raw(reqwest::Method::POST, path, None, body.to_vec())
                .await;
            assert_eq!(status, 400, "{path} {}", String::from_utf8_lossy(body));
            let error: chatenium_api::ErrorBody = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(error.error, ErrorCode::BadRequest);
        }
    }
    for path in [SignInMethods::META.path, FetchUserId::META.path] {
        let (status, _) = server.raw(reqwest::Method::GET, path, None, vec![]).await;
        assert_eq!(status, 400, "{path} without an identity");
    }
}

// ---- OAuth ----------------------------------------------------------------------------------

/// Test-only RSA keys (see `tests/keys/README.md`): the provider's, and one it never published.
const PROVIDER_KEY: &[u8] = include_bytes!("keys/provider.der");
const OTHER_KEY: &[u8] = include_bytes!("keys/other.der");
const AUDIENCE: &str = "chatenium-desktop-test";
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const APPLE_ISSUER: &str = "https://appleid.apple.com";

/// A provider's key server on a loopback port, counting how often its keys are fetched.
struct Jwks {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

impl Jwks {
    async fn serve(keys: Vec<Value>) -> Jwks {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        // A path of its own, so no test sees keys another cached under the same URL.
        let path = format!("/{}/jwks.json", chatenium_server::ids::new_id());
        let handler = {
            let (keys, fetches) = (keys.clone(), fetches.clone());
            move || {
                fetches.fetch_add(1, Ordering::SeqCst);
                let keys = keys.lock().unwrap().clone();
                async move { axum::Json(json!({ "keys": keys })) }
            }
        };
        let app = axum::Router::new().route(&path, axum::routing::get(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Jwks { url, keys, fetches }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn provider(&self, issuer: &str) -> OAuthProvider {
        OAuthProvider {
            jwks_url: self.url.clone(),
            issuers: vec![issuer.to_owned()],
            audience: AUDIENCE.to_owned(),
        }
    }
}

/// The public half of `der` as a JWK named `kid`.
fn jwk(der: &[u8], kid: &str) -> Value {
    let key = jsonwebtoken::EncodingKey::from_rsa_der(der);
    let mut jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

fn sign(der: &[u8], kid: &str, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(der),
    )
    .unwrap()
}

fn now() -> i64 {
    chatenium_server::clock::unix_now()
}

fn claims(issuer: &str, subject: &str, email: Option<&str>) -> Value {
    json!({
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": now(),
        "exp": now() + 600,
        "email": email,
        "email_verified": true,
    })
}

fn google(id_token: String) -> GoogleOAuthReq {
    GoogleOAuthReq {
        id_token,
        os: "test".into(),
        language: "en".into(),
    }
}

async fn oauth_server(jwks: &Jwks) -> TestServer {
    let (google, apple) = (jwks.provider(GOOGLE_ISSUER), jwks.provider(APPLE_ISSUER));
    TestServer::start_with(move |config| {
        config.oauth.google = Some(google);
        config.oauth.apple = Some(apple);
    })
    .await
}

#[tokio::test]
async fn google_sign_in_creates_an_account_once_and_caches_the_keys() {
    let jwks = Jwks::serve(vec![jwk(PROVIDER_KEY, "k1")]).await;
    let server = oauth_server(&jwks).await;
    server.register("anna").await;
    let mut token = claims(GOOGLE_ISSUER, "google-1", Some("anna@elsewhere.test"));
    token["name"] = json!("Anna Kovács");
    let first = server
        .call::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(PROVIDER_KEY, "k1", &token)),
        )
        .await
        .unwrap();
    // "anna" is taken, so the name gets a number.
    assert_eq!(first.user.username, "anna2");
    assert_eq!(first.user.display_name, "Anna Kovács");
    assert_eq!(access(&server, &first.access_token).await, Ok(()));
    let second = server
        .call::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(PROVIDER_KEY, "k1", &token)),
        )
        .await
        .unwrap();
    assert_eq!(second.userid, first.userid);
    assert_eq!(jwks.fetches(), 1, "the keys are cached");
    // The new account has no password: its other way in is a code to the verified address.
    let methods = server
        .call::<SignInMethods>(As::default(), &identity("anna@elsewhere.test"), &())
        .await
        .unwrap();
    assert_eq!(
        methods,
        AuthMethods {
            email: true,
            password: false,
            sms: false
        }
    );
}

#[tokio::test]
async fn a_verified_email_links_the_existing_account() {
    let jwks = Jwks::serve(vec![jwk(PROVIDER_KEY, "k1")]).await;
    let server = oauth_server(&jwks).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let linked = server
        .call::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(
                PROVIDER_KEY,
                "k1",
                &claims(GOOGLE_ISSUER, "g-anna", Some(&anna.email)),
            )),
        )
        .await
        .unwrap();
    assert_eq!(linked.userid, anna.userid);
    // Linked: the subject alone finds the account from now on.
    let again = server
        .call::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(
                PROVIDER_KEY,
                "k1",
                &claims(GOOGLE_ISSUER, "g-anna", None),
            )),
        )
        .await
        .unwrap();
    assert_eq!(again.userid, anna.userid);
    // An address the provider did not verify links nothing.
    let mut unverified = claims(GOOGLE_ISSUER, "g-mallory", Some(&bela.email));
    unverified["email_verified"] = json!(false);
    server
        .refused::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(PROVIDER_KEY, "k1", &unverified)),
            ErrorCode::InvalidIdToken,
        )
        .await;

    // Apple: `email_verified` as a string, the name from the client on the first sign-in.
    let mut apple = claims(
        APPLE_ISSUER,
        "apple-1",
        Some("cili.apple@privaterelay.test"),
    );
    apple["email_verified"] = json!("true");
    let request = AppleOAuthReq {
        id_token: sign(PROVIDER_KEY, "k1", &apple),
        display_name: Some("Cili Apple".into()),
        os: "test".into(),
        language: "en".into(),
    };
    let cili = server
        .call::<AppleOAuth>(As::default(), &(), &request)
        .await
        .unwrap();
    assert_eq!(cili.user.username, "cili.apple");
    assert_eq!(cili.user.display_name, "Cili Apple");
    // The same subject at Google is someone else's, and a Google token is no Apple token.
    server
        .refused::<AppleOAuth>(
            As::default(),
            &(),
            &AppleOAuthReq {
                id_token: sign(PROVIDER_KEY, "k1", &claims(GOOGLE_ISSUER, "apple-1", None)),
                ..request
            },
            ErrorCode::InvalidIdToken,
        )
        .await;
}

#[tokio::test]
async fn id_tokens_that_do_not_verify_are_refused() {
    let jwks = Jwks::serve(vec![jwk(PROVIDER_KEY, "k1")]).await;
    let server = oauth_server(&jwks).await;
    let valid = claims(GOOGLE_ISSUER, "google-2", Some("dora@example.test"));
    let with = |field: &str, value: Value| {
        let mut claims = valid.clone();
        claims[field] = value;
        claims
    };
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &valid,
        &jsonwebtoken::EncodingKey::from_secret(b"shared"),
    )
    .unwrap();
    let cases = [
        (
            "wrong audience",
            sign(PROVIDER_KEY, "k1", &with("aud", json!("someone-else"))),
        ),
        (
            "wrong issuer",
            sign(PROVIDER_KEY, "k1", &with("iss", json!("https://evil.test"))),
        ),
        (
            "expired",
            sign(PROVIDER_KEY, "k1", &with("exp", json!(now() - 3600))),
        ),
        ("no subject", {
            let mut claims = valid.clone();
            claims.as_object_mut().unwrap().remove("sub");
            sign(PROVIDER_KEY, "k1", &claims)
        }),
        ("another key", sign(OTHER_KEY, "k1", &valid)),
        ("HS256", hs256),
        ("garbage", "not.a.jwt".to_owned()),
        ("empty", String::new()),
    ];
    for (case, id_token) in cases {
        let refused = server
            .call::<GoogleOAuth>(As::default(), &(), &google(id_token))
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidIdToken, "{case}");
    }
    // An unknown kid makes the server look at the keys once more, then give up.
    let before = jwks.fetches();
    server
        .refused::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(OTHER_KEY, "k9", &valid)),
            ErrorCode::InvalidIdToken,
        )
        .await;
    assert_eq!(jwks.fetches(), before + 1);
    // None of that made an account.
    server
        .refused::<FetchUserId>(
            As::default(),
            &identity("dora@example.test"),
            &(),
            ErrorCode::UserNotFound,
        )
        .await;
}

#[tokio::test]
async fn a_key_published_later_is_fetched_when_a_token_names_it() {
    let jwks = Jwks::serve(vec![jwk(PROVIDER_KEY, "k1")]).await;
    let server = oauth_server(&jwks).await;
    let valid = claims(GOOGLE_ISSUER, "google-3", Some("eva@example.test"));
    let first = server
        .call::<GoogleOAuth>(
            As::default(),
            &(),
            &google(sign(PROVIDER_KEY, "k1", &valid)),
        )
        .await
        .unwrap();
    jwks.keys.lock().unwrap().push(jwk(OTHER_KEY, "k2"));
    let rotated = server
        .call::<GoogleOAuth>(As::default(), &(), &google(sign(OTHER_KEY, "k2", &valid)))
        .await
        .unwrap();
    assert_eq!(rotated.userid, first.userid);
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test]
async fn an_unconfigured_provider_refuses_every_token() {
    let jwks = Jwks::serve(vec![jwk(PROVIDER_KEY, "k1")]).await;
    let server = TestServer::start().await;
    let token = sign(PROVIDER_KEY, "k1", &claims(GOOGLE_ISSUER, "google-4", None));
    server
        .refused::<GoogleOAuth>(
            As::default(),
            &(),
            &google(token.clone()),
            ErrorCode::InvalidIdToken,
        )
        .await;
    let apple = AppleOAuthReq {
        id_token: token,
        display_name: None,
        os: "test".into(),
        language: "en".into(),
    };
    server
        .refused::<AppleOAuth>(As::default(), &(), &apple, ErrorCode::InvalidIdToken)
        .await;
    assert_eq!(jwks.fetches(), 0);
}

#[tokio::test]
async fn oauth_attempts_are_rate_limited() {
    let jwks = Jwks::serve(vec![jwk(PROVIDER_KEY, "k1")]).await;
    let google_provider = jwks.provider(GOOGLE_ISSUER);
    let server = TestServer::start_with(move |config| {
        config.oauth.google = Some(google_provider);
        config.rate_limits.sign_in = 2;
    })
    .await;
    for _ in 0..2 {
        server
            .refused::<GoogleOAuth>(
                As::default(),
                &(),
                &google("bad".into()),
                ErrorCode::InvalidIdToken,
            )
            .await;
    }
    let valid = sign(
        PROVIDER_KEY,
        "k1",
        &claims(GOOGLE_ISSUER, "google-5", Some("fanni@example.test")),
    );
    server
        .refused::<GoogleOAuth>(As::default(), &(), &google(valid), ErrorCode::RateLimited)
        .await;
}
