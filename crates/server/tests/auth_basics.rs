//! Registration, availability and password sign-in over real HTTP.

mod common;

use chatenium_api::schemas::auth::*;
use chatenium_api::{EmailAvailability, ErrorCode, Register, SignIn, UsernameAvailability};
use common::{As, TestServer};

fn sign_in_request(identity: &str, password: &str) -> SignInReq {
    SignInReq {
        identity: identity.into(),
        password: Some(password.into()),
        challenge_id: None,
        os: "linux".into(),
        language: "hu".into(),
    }
}

#[tokio::test]
async fn a_registered_user_signs_in_with_username_or_email() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    for identity in [anna.username.as_str(), anna.email.as_str(), "ANNA"] {
        let auth = server
            .call::<SignIn>(
                As::default(),
                &(),
                &sign_in_request(identity, &anna.password),
            )
            .await
            .unwrap();
        assert_eq!(auth.userid, anna.userid);
        assert_eq!(auth.user.username, "anna");
        assert_ne!(auth.access_token, anna.token);
    }
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &sign_in_request("anna", "wrong-password"),
            ErrorCode::InvalidCredentials,
        )
        .await;
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &sign_in_request("nobody", "whatever-1"),
            ErrorCode::UserNotFound,
        )
        .await;
}

#[tokio::test]
async fn availability_reflects_registrations() {
    let server = TestServer::start().await;
    let taken = |name: &str| UsernameQuery {
        username: name.into(),
    };
    assert!(
        server
            .call::<UsernameAvailability>(As::default(), &taken("bela"), &())
            .await
            .unwrap()
            .available
    );
    let bela = server.register("bela").await;
    assert!(
        !server
            .call::<UsernameAvailability>(As::default(), &taken("Bela"), &())
            .await
            .unwrap()
            .available
    );
    let email = EmailQuery {
        email: bela.email.clone(),
    };
    assert!(
        !server
            .call::<EmailAvailability>(As::default(), &email, &())
            .await
            .unwrap()
            .available
    );
    server
        .refused::<UsernameAvailability>(
            As::default(),
            &taken("no spaces allowed"),
            &(),
            ErrorCode::InvalidUsername,
        )
        .await;
}

#[tokio::test]
async fn registration_validates_and_refuses_duplicates() {
    let server = TestServer::start().await;
    server.register("cili").await;
    let request = |username: &str, email: &str, password: &str| RegisterReq {
        username: username.into(),
        display_name: "Cili".into(),
        email: email.into(),
        password: password.into(),
        phone: None,
        os: "linux".into(),
        language: "en".into(),
    };
    let cases = [
        (
            request("cili", "other@example.test", "long-enough-1"),
            ErrorCode::UsernameTaken,
        ),
        (
            request("cili2", "cili@example.test", "long-enough-1"),
            ErrorCode::EmailTaken,
        ),
        (
            request("x", "x@example.test", "long-enough-1"),
            ErrorCode::InvalidUsername,
        ),
        (
            request("dora", "not-an-email", "long-enough-1"),
            ErrorCode::InvalidEmail,
        ),
        (
            request("dora", "dora@example.test", "short"),
            ErrorCode::WeakPassword,
        ),
    ];
    for (body, code) in cases {
        server
            .refused::<Register>(As::default(), &(), &body, code)
            .await;
    }
}

#[tokio::test]
async fn bad_bodies_are_client_errors_with_a_code() {
    let server = TestServer::start().await;
    for body in [
        &b"not json"[..],
        b"{}",
        b"[]",
        b"{\"identity\": 5}",
        b"\xff\xfe",
    ] {
        let (status, bytes) = server
            .raw(
                reqwest::Method::POST,
                <chatenium_api::SignIn as chatenium_api::Endpoint>::META.path,
                None,
                body.to_vec(),
            )
            .await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
        let error: chatenium_api::ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error.error, ErrorCode::BadRequest);
    }
    let huge = vec![b'a'; 2 * 1024 * 1024];
    let (status, _) = server
        .raw(
            reqwest::Method::POST,
            <chatenium_api::SignIn as chatenium_api::Endpoint>::META.path,
            None,
            huge,
        )
        .await;
    assert_eq!(status, 413);
    let (status, bytes) = server
        .raw(reqwest::Method::GET, "/v3/no/such/path", None, vec![])
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_slice::<chatenium_api::ErrorBody>(&bytes)
            .unwrap()
            .error,
        ErrorCode::NotFound
    );
}
