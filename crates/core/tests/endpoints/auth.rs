//! Auth (rows 2 to 16): availability, registration with and without a password, sign-in by
//! password and by a mailed code, the token pair's rotation and refresh, a password reset, and
//! Google and Apple sign-in against an identity provider whose keys the test serves.

use chatenium_api::schemas::auth::*;
use chatenium_api::EmailAvailability;
use chatenium_api::{
    AppleOAuth, ErrorCode, FetchUserId, GetSessions, GoogleOAuth, PasswordReset,
    PasswordlessRegister, RefreshTokenPair, RegisterChallenge, RequestFactorCredential,
    RotateTokenPair, SignIn, SignInMethods, UsernameAvailability, VerifyFactor,
};
use chatenium_core::session::SessionState;
use chatenium_core::ClientError;
use chatenium_server::config::OAuthProvider;
use serde_json::json;

use crate::common::coverage::World;

/// The server tests' test-only RSA key, standing in for the provider's signing key.
const PROVIDER_KEY: &[u8] = include_bytes!("../../../server/tests/keys/provider.der");
const KEY_ID: &str = "endpoints-test-key";
const AUDIENCE: &str = "chatenium-desktop-test";
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const APPLE_ISSUER: &str = "https://appleid.apple.com";

/// An identity provider's key set on a loopback port: Google's and Apple's for this test.
pub struct Provider {
    jwks_url: String,
}

impl Provider {
    pub async fn serve() -> Provider {
        let key = jsonwebtoken::EncodingKey::from_rsa_der(PROVIDER_KEY);
        let mut jwk =
            jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256)
                .unwrap();
        jwk.common.key_id = Some(KEY_ID.into());
        let keys = json!({ "keys": [jwk] });
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let keys = keys.clone();
                async move { axum::Json(keys) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let jwks_url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Provider { jwks_url }
    }

    pub fn configure(&self, config: &mut chatenium_server::Config) {
        let provider = |issuer: &str| OAuthProvider {
            jwks_url: self.jwks_url.clone(),
            issuers: vec![issuer.to_owned()],
            audience: AUDIENCE.to_owned(),
        };
        config.oauth.google = Some(provider(GOOGLE_ISSUER));
        config.oauth.apple = Some(provider(APPLE_ISSUER));
    }

    /// An ID token as the provider would sign it after the user signed in in the browser.
    fn id_token(&self, issuer: &str, subject: &str, email: &str, name: Option<&str>) -> String {
        let now = chatenium_server::clock::unix_now();
        let claims = json!({
            "iss": issuer, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + 600,
            "email": email, "email_verified": true, "name": name,
        });
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(KEY_ID.into());
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_rsa_der(PROVIDER_KEY),
        )
        .unwrap()
    }
}

fn identity(identity: &str) -> IdentityQuery {
    IdentityQuery {
        identity: identity.to_owned(),
    }
}

fn api_code<T: std::fmt::Debug>(outcome: Result<T, ClientError>) -> ErrorCode {
    match outcome {
        Err(ClientError::Api { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Registers a challenge, has its code sent to `to` by `kind` and verifies it: rows 13, 15, 14.
pub async fn prove(
    world: &World,
    request: RegisterAuthAttemptReq,
    kind: FactorKind,
    to: &str,
) -> Challenge {
    let (api, rec) = (&world.api, &world.rec);
    let purpose = request.purpose.clone();
    let challenge = rec.sent::<RegisterChallenge>(api, &(), &request).await;
    assert_eq!(challenge.purpose, purpose);
    assert!(!challenge.complete && challenge.factors.iter().all(|f| !f.verified));
    assert!(challenge.factors.iter().any(|f| f.kind == kind));
    let request = RequestFactorCredentialReq {
        challenge_id: challenge.challenge_id.clone(),
        kind,
    };
    rec.sent::<RequestFactorCredential>(api, &(), &request)
        .await;
    let code = world.secret_sent_to(to);
    let verify = |credential: String| VerifyFactorReq {
        challenge_id: challenge.challenge_id.clone(),
        kind,
        credential,
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        api_code(
            api.send::<VerifyFactor>(None, &(), &verify(wrong.into()))
                .await
        ),
        ErrorCode::InvalidCode
    );
    let verified = rec.sent::<VerifyFactor>(api, &(), &verify(code)).await;
    assert!(verified
        .factors
        .iter()
        .any(|f| f.kind == kind && f.verified));
    verified
}

pub async fn flow(world: &World, provider: &Provider) {
    let (api, rec) = (&world.api, &world.rec);
    let username = |name: &str| UsernameQuery {
        username: name.into(),
    };
    let email = |address: &str| EmailQuery {
        email: address.into(),
    };

    // Rows 6, 7 and 10: a name and an address are free until someone registers them.
    let free = rec
        .sent::<UsernameAvailability>(api, &username("auth.anna"), &())
        .await;
    assert!(free.available);
    let free = rec
        .sent::<EmailAvailability>(api, &email("auth.anna@example.test"), &())
        .await;
    assert!(free.available);
    let anna = world.user("auth.anna").await;
    let taken = rec
        .sent::<UsernameAvailability>(api, &username("AUTH.ANNA"), &())
        .await;
    assert!(!taken.available);
    let taken = rec
        .sent::<EmailAvailability>(api, &email(&anna.email), &())
        .await;
    assert!(!taken.available);

    // Rows 3 and 16: the account is found by name or address, and signs in by password or code.
    for name in [anna.name.as_str(), anna.email.as_str()] {
        let methods = rec.sent::<SignInMethods>(api, &identity(name), &()).await;
        assert_eq!(
            methods,
            AuthMethods {
                email: true,
                password: true,
                sms: false
            }
        );
        let found = rec.sent::<FetchUserId>(api, &identity(name), &()).await;
        assert_eq!(found.userid, anna.id());
    }
    assert_eq!(
        api_code(
            api.send::<FetchUserId>(None, &identity("auth.nobody"), &())
                .await
        ),
        ErrorCode::UserNotFound
    );

    // Row 8 by password; a wrong one is refused.
    let laptop = world
        .sign_in(&anna.email, &anna.password, "linux")
        .await
        .unwrap();
    assert_eq!(laptop.userid, anna.id());
    assert_ne!(laptop.access_token, anna.auth.access_token);
    let wrong = world.sign_in(&anna.name, "not-the-password", "linux").await;
    assert_eq!(api_code(wrong), ErrorCode::InvalidCredentials);

    // Row 8 by a code mailed for a sign-in challenge (rows 13, 15, 14); the challenge is spent.
    let challenge = prove(
        world,
        RegisterAuthAttemptReq {
            purpose: ChallengePurpose::SignIn,
            identity: Some(anna.name.clone()),
            data_override: None,
        },
        FactorKind::Email,
        &anna.email,
    )
    .await;
    assert!(challenge.complete);
    let by_code = SignInReq {
        identity: anna.name.clone(),
        password: None,
        challenge_id: Some(challenge.challenge_id.clone()),
        os: "macos".into(),
        language: "hu".into(),
    };
    let phone = rec.sent::<SignIn>(api, &(), &by_code).await;
    assert_eq!(phone.userid, anna.id());
    assert_eq!(
        api_code(api.send::<SignIn>(None, &(), &by_code).await),
        ErrorCode::ChallengeNotFound
    );
    let sessions = rec.ok::<GetSessions>(&anna.session, &(), &()).await;
    assert_eq!(sessions.len(), 3, "registration, password and code");

    // Row 2: rotation spends the refresh token and hands out a working pair.
    let rotate = |refresh: &str| RefreshTokenPairReq {
        refresh_token: refresh.to_owned(),
    };
    let rotated = rec
        .sent::<RotateTokenPair>(api, &(), &rotate(&phone.refresh_token))
        .await;
    assert_eq!(rotated.userid, anna.id());
    assert_ne!(rotated.refresh_token, phone.refresh_token);

    // Row 12: refreshing blacklists the access token that asked. A session still holding the
    // old pair finds its token refused and its refresh token spent: it ends, cleanly.
    let stale = world.session(&rotated).await;
    let refreshed = rec
        .ok::<RefreshTokenPair>(&stale, &(), &rotate(&rotated.refresh_token))
        .await;
    assert_eq!(refreshed.userid, anna.id());
    let fresh = world.session(&refreshed).await;
    let sessions = rec.ok::<GetSessions>(&fresh, &(), &()).await;
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    assert!(sessions.iter().any(|s| s.current && s.os == "macos"));
    // The stale copy's refresh token is spent: presenting it is refused and, as reuse means two
    // parties hold the session's tokens, ends the session for both copies.
    assert_eq!(
        stale.call::<GetSessions>(&(), &()).await.unwrap_err(),
        ClientError::SignedOut
    );
    assert_eq!(*stale.state().borrow(), SessionState::Revoked);
    assert_eq!(
        fresh.call::<GetSessions>(&(), &()).await.unwrap_err(),
        ClientError::SignedOut
    );
    assert_eq!(
        api_code(
            api.send::<RotateTokenPair>(None, &(), &rotate(&phone.refresh_token))
                .await
        ),
        ErrorCode::InvalidRefreshToken
    );

    // Row 9: an account without a password, its address proven by a code; it signs in by code.
    let zoe_email = "auth.zoe@example.test";
    let challenge = prove(
        world,
        RegisterAuthAttemptReq {
            purpose: ChallengePurpose::Register,
            identity: None,
            data_override: Some(ChallengeDataOverride {
                email: Some(zoe_email.into()),
                phone: None,
            }),
        },
        FactorKind::Email,
        zoe_email,
    )
    .await;
    assert!(challenge.complete);
    let zoe = rec
        .sent::<PasswordlessRegister>(
            api,
            &(),
            &PasswordlessRegisterReq {
                username: "auth.zoe".into(),
                display_name: "Zoé".into(),
                challenge_id: challenge.challenge_id.clone(),
                os: "test".into(),
                language: "en".into(),
            },
        )
        .await;
    assert_eq!(
        (zoe.user.username.as_str(), zoe.user.display_name.as_str()),
        ("auth.zoe", "Zoé")
    );
    let methods = rec
        .sent::<SignInMethods>(api, &identity(zoe_email), &())
        .await;
    assert!(!methods.password && methods.email);
    let zoe_session = world.session(&zoe).await;
    let zoe_sessions = rec.ok::<GetSessions>(&zoe_session, &(), &()).await;
    assert_eq!(zoe_sessions.len(), 1);
    assert_eq!(
        api_code(world.sign_in("auth.zoe", "any-password-1", "linux").await),
        ErrorCode::PasswordlessAccount
    );

    // Rows 5 and 4: an ID token of a new subject creates an account, the same subject signs in
    // to it again; neither account has a password.
    let google = |token: String| GoogleOAuthReq {
        id_token: token,
        os: "linux".into(),
        language: "en".into(),
    };
    let token = provider.id_token(
        GOOGLE_ISSUER,
        "google-subject-1",
        "auth.gabi@gmail.test",
        Some("Gabi Google"),
    );
    let gabi = rec.sent::<GoogleOAuth>(api, &(), &google(token)).await;
    assert_eq!(gabi.user.display_name, "Gabi Google");
    let token = provider.id_token(
        GOOGLE_ISSUER,
        "google-subject-1",
        "auth.gabi@gmail.test",
        None,
    );
    let again = rec.sent::<GoogleOAuth>(api, &(), &google(token)).await;
    assert_eq!(again.userid, gabi.userid);
    let apple = |token: String, name: Option<&str>| AppleOAuthReq {
        id_token: token,
        display_name: name.map(str::to_owned),
        os: "macos".into(),
        language: "en".into(),
    };
    let token = provider.id_token(
        APPLE_ISSUER,
        "apple-subject-1",
        "auth.abel@icloud.test",
        None,
    );
    let abel = rec
        .sent::<AppleOAuth>(api, &(), &apple(token, Some("Ábel Apple")))
        .await;
    assert_eq!(abel.user.display_name, "Ábel Apple");
    assert_ne!(abel.userid, gabi.userid);
    let token = provider.id_token(
        APPLE_ISSUER,
        "apple-subject-1",
        "auth.abel@icloud.test",
        None,
    );
    let again = rec.sent::<AppleOAuth>(api, &(), &apple(token, None)).await;
    assert_eq!(again.userid, abel.userid);
    // A Google token is no Apple token.
    let token = provider.id_token(GOOGLE_ISSUER, "apple-subject-1", "x@icloud.test", None);
    assert_eq!(
        api_code(api.send::<AppleOAuth>(None, &(), &apple(token, None)).await),
        ErrorCode::InvalidIdToken
    );
    for (userid, address) in [
        (&gabi.userid, "auth.gabi@gmail.test"),
        (&abel.userid, "auth.abel@icloud.test"),
    ] {
        let found = rec.sent::<FetchUserId>(api, &identity(address), &()).await;
        assert_eq!(&found.userid, userid);
        let methods = rec
            .sent::<SignInMethods>(api, &identity(address), &())
            .await;
        assert!(!methods.password);
    }

    // Row 11: a reset by the mailed token changes the password and ends every session, the
    // core's own among them.
    let challenge = rec
        .sent::<RegisterChallenge>(
            api,
            &(),
            &RegisterAuthAttemptReq {
                purpose: ChallengePurpose::PasswordReset,
                identity: Some(anna.email.clone()),
                data_override: None,
            },
        )
        .await;
    rec.sent::<RequestFactorCredential>(
        api,
        &(),
        &RequestFactorCredentialReq {
            challenge_id: challenge.challenge_id.clone(),
            kind: FactorKind::Email,
        },
    )
    .await;
    let token = world.secret_sent_to(&anna.email);
    assert_eq!(token.len(), 64, "a reset token, not a code");
    let new_password = "a-brand-new-password";
    let done = rec
        .sent::<PasswordReset>(
            api,
            &(),
            &PasswordResetReq {
                challenge_id: challenge.challenge_id.clone(),
                token,
                password: new_password.into(),
            },
        )
        .await;
    assert!(!done.response.is_empty());
    assert_eq!(
        api_code(world.sign_in(&anna.name, &anna.password, "linux").await),
        ErrorCode::InvalidCredentials
    );
    let after = world
        .sign_in(&anna.name, new_password, "linux")
        .await
        .unwrap();
    assert_eq!(after.userid, anna.id());
    for ended in [&anna.session, &fresh] {
        assert_eq!(
            ended.call::<GetSessions>(&(), &()).await.unwrap_err(),
            ClientError::SignedOut
        );
    }
}
