//! The server under abuse (issue 16): one section per finding of the audit. Timeouts are
//! configured short and the tests wait for the connection's close as an event, bounded by
//! [`common::PATIENCE`].

mod common;

use chatenium_api::schemas::auth::*;
use chatenium_api::schemas::upload::{
    CompleteUploadReq, FileMetadata, S3MultipartUploadReq, S3PresignedFileReq,
    S3PresignedFileResponse,
};
use chatenium_api::ws::{
    AccessRefresh, ClientCommand, ServerEvent, Subscription, CLOSE_TOKEN_EXPIRED,
};
use chatenium_api::{
    CompleteAttachmentUpload, ErrorBody, ErrorCode, FetchUserId, GetSessions, Register,
    RegisterAttachmentUploads, RegisterChallenge, RegisterMultipartUpload, RequestFactorCredential,
    RotateTokenPair, SignIn, SignInMethods, UsernameAvailability,
};
use chatenium_server::config::RateLimits;
use common::{assert_refused, As, Failure, Socket, TestServer, PATIENCE};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

// ---- 1. WebSocket subscriptions: members' cascades only, capped, gone with the connection ----

#[tokio::test]
async fn a_subscription_keeps_only_the_callers_cascades_up_to_the_cap() {
    let server = TestServer::start_with(|c| c.connections.max_subscriptions = 2).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let first = server.cascade_with(&anna, &[]).await;
    let second = server.cascade_with(&anna, &[]).await;
    let third = server.cascade_with(&anna, &[]).await;
    let strangers = server.cascade_with(&bela, &[]).await;
    let [mut socket] = server.sockets([&anna]).await;
    let mut sent = vec![strangers.cascade_id.clone(), "no-such-cascade".to_owned()];
    sent.extend((0..1_000).map(|n| format!("made-up-{n}")));
    sent.push(first.cascade_id.clone());
    socket
        .send(&ClientCommand::Subscribe(Subscription {
            cascade_ids: sent,
        }))
        .await;
    socket.drain().await;
    let mut kept = server
        .server
        .state()
        .hub
        .subscriptions(&anna.userid, &socket.conn_id);
    assert_eq!(
        kept,
        vec![first.cascade_id.clone()],
        "only a cascade anna belongs to"
    );

    let more = vec![second.cascade_id.clone(), third.cascade_id.clone()];
    socket
        .send(&ClientCommand::Subscribe(Subscription {
            cascade_ids: more,
        }))
        .await;
    socket.drain().await;
    kept = server
        .server
        .state()
        .hub
        .subscriptions(&anna.userid, &socket.conn_id);
    assert_eq!(kept.len(), 2, "the cap holds: {kept:?}");
    assert!(
        kept.contains(&first.cascade_id),
        "what was followed stays followed"
    );
}

// ---- 2. Slow clients: header, body and idle timeouts, connections per address ----

/// Reads until the server closes the connection; panics if it is still open after
/// [`PATIENCE`]. What arrived (perhaps an error answer) comes back.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    });
    read.await.expect("the server closes the connection");
    received
}

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.server.addr)
        .await
        .expect("connects")
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = TestServer::start_with(|c| c.connections.header_timeout_ms = 200).await;
    let mut silent = connect(&server).await;
    until_closed(&mut silent).await;
}

#[tokio::test]
async fn half_sent_headers_are_closed_after_the_header_timeout() {
    let server = TestServer::start_with(|c| c.connections.header_timeout_ms = 200).await;
    let mut slow = connect(&server).await;
    slow.write_all(b"POST /v2/user/signIn HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
        .await
        .expect("writes");
    until_closed(&mut slow).await;
}

#[tokio::test]
async fn a_body_that_stalls_fails_the_request_and_closes_the_connection() {
    let server = TestServer::start_with(|c| c.connections.body_timeout_ms = 200).await;
    let path = <chatenium_api::SignIn as chatenium_api::Endpoint>::META.path;
    let mut slow = connect(&server).await;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"identity\":"
    );
    slow.write_all(head.as_bytes()).await.expect("writes");
    let answer = String::from_utf8_lossy(&until_closed(&mut slow).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("badRequest"), "{answer}");
}

#[tokio::test]
async fn an_address_holds_at_most_its_cap_of_connections() {
    let server = TestServer::start_with(|c| c.connections.max_per_address = 2).await;
    let mut kept = Vec::new();
    for _ in 0..2 {
        let mut connection = connect(&server).await;
        // An answer proves the server took the connection and counts it.
        connection
            .write_all(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .expect("writes");
        let mut first_bytes = [0u8; 12];
        connection
            .read_exact(&mut first_bytes)
            .await
            .expect("an answer");
        assert_eq!(&first_bytes, b"HTTP/1.1 200");
        kept.push(connection);
    }
    let mut third = connect(&server).await;
    let answer = until_closed(&mut third).await;
    assert!(answer.is_empty(), "closed without a word");
}

// ---- 3. Rate limits per address, per target and for the whole server (default settings) ----

fn new_address_challenge(n: usize) -> RegisterAuthAttemptReq {
    RegisterAuthAttemptReq {
        purpose: ChallengePurpose::Register,
        identity: None,
        data_override: Some(ChallengeDataOverride {
            email: Some(format!("new-{n}@example.test")),
            phone: None,
        }),
    }
}

async fn request_code(server: &TestServer, challenge: &Challenge) -> Result<(), Failure> {
    let request = RequestFactorCredentialReq {
        challenge_id: challenge.challenge_id.clone(),
        kind: FactorKind::Email,
    };
    server
        .call::<RequestFactorCredential>(As::default(), &(), &request)
        .await
        .map(drop)
}

fn new_account(n: usize) -> RegisterReq {
    RegisterReq {
        username: format!("user{n}"),
        display_name: format!("User {n}"),
        email: format!("user{n}@example.test"),
        password: "a-long-password".into(),
        phone: None,
        os: "test".into(),
        language: "en".into(),
    }
}

#[tokio::test]
async fn accounts_made_from_one_address_are_limited() {
    let server = TestServer::start().await;
    let allowed = RateLimits::default().registrations as usize;
    for n in 0..allowed {
        server
            .call::<Register>(As::default(), &(), &new_account(n))
            .await
            .expect("within the limit");
    }
    assert_refused(
        server
            .call::<Register>(As::default(), &(), &new_account(allowed))
            .await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn user_lookups_from_one_address_are_limited() {
    let server = TestServer::start().await;
    let allowed = RateLimits::default().lookups as usize;
    for n in 0..allowed {
        let query = IdentityQuery {
            identity: format!("someone{n}"),
        };
        let outcome = if n % 2 == 0 {
            server
                .call::<SignInMethods>(As::default(), &query, &())
                .await
                .map(drop)
        } else {
            server
                .call::<FetchUserId>(As::default(), &query, &())
                .await
                .map(drop)
        };
        assert_ne!(outcome.map_err(|f| f.code), Err(ErrorCode::RateLimited));
    }
    let query = UsernameQuery {
        username: "someone".into(),
    };
    assert_refused(
        server
            .call::<UsernameAvailability>(As::default(), &query, &())
            .await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn challenges_from_one_address_are_limited() {
    let server = TestServer::start().await;
    let allowed = RateLimits::default().challenges as usize;
    for n in 0..allowed {
        server
            .call::<RegisterChallenge>(As::default(), &(), &new_address_challenge(n))
            .await
            .expect("within the limit");
    }
    assert_refused(
        server
            .call::<RegisterChallenge>(As::default(), &(), &new_address_challenge(allowed))
            .await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn codes_mailed_to_new_addresses_from_one_address_are_limited() {
    let server = TestServer::start().await;
    let allowed = RateLimits::default().codes_per_address as usize;
    let mut challenges = Vec::new();
    for n in 0..=allowed {
        let challenge = server
            .call::<RegisterChallenge>(As::default(), &(), &new_address_challenge(n))
            .await
            .expect("a challenge");
        challenges.push(challenge);
    }
    for challenge in &challenges[..allowed] {
        request_code(&server, challenge)
            .await
            .expect("within the limit");
    }
    assert_refused(
        request_code(&server, &challenges[allowed]).await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn the_server_as_a_whole_mails_at_most_its_codes_per_window() {
    let server = TestServer::start_with(|c| {
        c.rate_limits.codes_per_address = 0;
        c.rate_limits.codes_sent = 3;
    })
    .await;
    let mut challenges = Vec::new();
    for n in 0..4 {
        let challenge = server
            .call::<RegisterChallenge>(As::default(), &(), &new_address_challenge(n))
            .await
            .expect("a challenge");
        challenges.push(challenge);
    }
    for challenge in &challenges[..3] {
        request_code(&server, challenge)
            .await
            .expect("within the limit");
    }
    assert_refused(
        request_code(&server, &challenges[3]).await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn password_spraying_across_identities_from_one_address_is_limited() {
    let server = TestServer::start().await;
    let allowed = RateLimits::default().sign_in_per_address as usize;
    for n in 0..allowed {
        let outcome = server.sign_in(&format!("someone{n}"), "Password1").await;
        assert_refused(outcome, ErrorCode::UserNotFound);
    }
    assert_refused(
        server.sign_in("someone-else", "Password1").await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn the_email_spelling_of_an_identity_shares_the_accounts_guesses() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let allowed = RateLimits::default().sign_in as usize;
    for n in 0..allowed {
        let identity = if n % 2 == 0 {
            &anna.username
        } else {
            &anna.email
        };
        let outcome = server.sign_in(identity, "wrong-password").await;
        assert_refused(outcome, ErrorCode::InvalidCredentials);
    }
    assert_refused(
        server.sign_in(&anna.username, &anna.password).await,
        ErrorCode::RateLimited,
    );
    assert_refused(
        server
            .sign_in(&anna.email.to_uppercase(), &anna.password)
            .await,
        ErrorCode::RateLimited,
    );
}

// ---- 4. A JSON body must say it is JSON ----

#[tokio::test]
async fn a_json_body_under_another_content_type_is_refused() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let url = server.url(<SignIn as chatenium_api::Endpoint>::META.path);
    let body = serde_json::json!({
        "identity": anna.username, "password": anna.password, "os": "test", "language": "en"
    })
    .to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = server.http.post(&url).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        let error: ErrorBody = response.json().await.expect("an error body");
        assert_eq!(
            (status, error.error),
            (415, ErrorCode::UnsupportedMediaType),
            "{content_type:?}"
        );
    }
    let response = server
        .http
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        response.status().as_u16(),
        200,
        "JSON with a charset is JSON"
    );
}

// ---- 7. Refresh token reuse ends the session; a WebSocket lives as long as its token ----

async fn rotate(server: &TestServer, refresh_token: &str) -> Result<SuccessfulAuthResp, Failure> {
    let request = RefreshTokenPairReq {
        refresh_token: refresh_token.to_owned(),
    };
    server
        .call::<RotateTokenPair>(As::default(), &(), &request)
        .await
}

/// Waits for the server to close the connection: the close frame's code, if it sent one.
async fn close_code(socket: &mut Socket) -> Option<u16> {
    let closed = tokio::time::timeout(PATIENCE, async {
        while let Some(message) = socket.stream.next().await {
            match message {
                Ok(WsMessage::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Err(_) => return None,
                Ok(_) => {}
            }
        }
        None
    });
    closed.await.expect("the server closes the connection")
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_ends_the_session() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let [mut socket] = server.sockets([&anna]).await;
    let rotated = rotate(&server, &anna.refresh).await.expect("a new pair");
    let mut rotated_socket = server.socket(&rotated.access_token).await;

    assert_refused(
        rotate(&server, &anna.refresh).await,
        ErrorCode::InvalidRefreshToken,
    );
    let thief_or_owner = As {
        token: Some(&rotated.access_token),
        ws_id: None,
    };
    server
        .refused::<GetSessions>(thief_or_owner, &(), &(), ErrorCode::Unauthorized)
        .await;
    assert_refused(
        rotate(&server, &rotated.refresh_token).await,
        ErrorCode::InvalidRefreshToken,
    );
    for live in [&mut socket, &mut rotated_socket] {
        assert_eq!(live.read().await, Some(ServerEvent::SessionRevoked));
        assert_eq!(live.read().await, None);
    }
}

#[tokio::test]
async fn a_websocket_closes_when_its_access_token_expires() {
    let server = TestServer::start_with(|c| c.access_token_ttl_secs = 3).await;
    let [anna] = server.users(["anna"]).await;
    let [mut socket] = server.sockets([&anna]).await;
    assert_eq!(close_code(&mut socket).await, Some(CLOSE_TOKEN_EXPIRED));
}

#[tokio::test]
async fn a_websocket_sent_the_sessions_new_token_outlives_the_old_one() {
    let server = TestServer::start_with(|c| c.access_token_ttl_secs = 3).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let [mut unrefreshed, mut refreshed] = server.sockets([&anna, &anna]).await;
    let rotated = rotate(&server, &anna.refresh).await.expect("a new pair");
    // The new token outlives the test; the old one ends in seconds.
    server
        .execute(
            "UPDATE tokens SET expires_at = expires_at + 3600 WHERE kind = 'access' AND session_id =
             (SELECT session_id FROM tokens WHERE kind = 'access' AND expires_at > 0
              AND session_id IN (SELECT id FROM sessions WHERE user_id = ?1))",
            &[&anna.userid],
        )
        .await;
    // Another session's token does not count.
    refreshed
        .send(&ClientCommand::Refresh(AccessRefresh {
            access_token: bela.token.clone(),
        }))
        .await;
    refreshed
        .send(&ClientCommand::Refresh(AccessRefresh {
            access_token: rotated.access_token.clone(),
        }))
        .await;
    assert_eq!(refreshed.drain().await, vec![]);

    assert_eq!(
        close_code(&mut unrefreshed).await,
        Some(CLOSE_TOKEN_EXPIRED),
        "the old token's deadline passed"
    );
    assert_eq!(refreshed.drain().await, vec![], "still open");
}

// ---- 9. Every refusal is `{"error": code}`; the document states the rules ----

#[tokio::test]
async fn a_wrong_method_and_a_plain_get_on_the_websocket_path_answer_error_bodies() {
    let server = TestServer::start().await;
    let sign_in = server.url(<SignIn as chatenium_api::Endpoint>::META.path);
    let websocket = server.url(<chatenium_api::WsUpgrade as chatenium_api::Endpoint>::META.path);
    let [anna] = server.users(["anna"]).await;
    for (request, expected) in [
        (server.http.get(&sign_in), ErrorCode::MethodNotAllowed),
        (server.http.delete(&sign_in), ErrorCode::MethodNotAllowed),
        (
            server
                .http
                .get(format!("{websocket}?accessToken={}", anna.token)),
            ErrorCode::BadRequest,
        ),
        (server.http.post(&websocket), ErrorCode::MethodNotAllowed),
    ] {
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.expect("a body");
        let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "{status} {content_type:?}: {e}: {}",
                String::from_utf8_lossy(&body)
            )
        });
        assert_eq!((status, error.error), (expected.status(), expected));
        assert_eq!(content_type.as_deref(), Some("application/json"));
    }
}

#[tokio::test]
async fn the_served_document_states_the_rules_the_server_enforces() {
    let server = TestServer::start().await;
    let document: serde_json::Value = server
        .http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let schemas = &document["components"]["schemas"];
    let register = &schemas["RegisterReq"]["properties"];
    assert_eq!(register["username"]["minLength"], 3);
    assert_eq!(register["username"]["maxLength"], 32);
    assert_eq!(register["username"]["pattern"], "^[A-Za-z0-9._-]+$");
    assert_eq!(register["email"]["format"], "email");
    assert_eq!(register["displayName"]["maxLength"], 64);
    assert_eq!(register["password"]["minLength"], 8);
    assert_eq!(
        schemas["AddContactReq"]["properties"]["userid"]["minLength"],
        1
    );
    assert_eq!(
        schemas["CreateCascadeReq"]["properties"]["name"]["maxLength"],
        64
    );
    let get_messages = <chatenium_api::DmGetMessages as chatenium_api::Endpoint>::META.path;
    let limit = document["paths"][get_messages]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("a limit parameter");
    assert_eq!(limit["schema"]["minimum"], 1);
}

// ---- 5. Upload names are base names ----

fn named(name: &str, size: usize) -> FileMetadata {
    FileMetadata {
        name: name.into(),
        size: size as u64,
        mime: "text/plain".into(),
        width: None,
        height: None,
    }
}

async fn register_uploads(
    server: &TestServer,
    who: As<'_>,
    files: Vec<FileMetadata>,
) -> Result<Vec<S3PresignedFileResponse>, Failure> {
    server
        .call::<RegisterAttachmentUploads>(who, &(), &S3PresignedFileReq { files })
        .await
}

#[tokio::test]
async fn an_uploaded_name_is_stored_and_served_as_its_base_name() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let bytes = b"root:x:0:0".to_vec();
    for (sent, kept) in [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/tmp/../", "file"),
    ] {
        let upload = register_uploads(&server, anna.auth(), vec![named(sent, bytes.len())])
            .await
            .expect("registered")
            .remove(0);
        server
            .put_bytes(&upload.upload_url, bytes.clone())
            .await
            .expect("the bytes arrive");
        let request = CompleteUploadReq {
            file_id: upload.file_id.clone(),
        };
        let attachment = server
            .call::<CompleteAttachmentUpload>(anna.auth(), &(), &request)
            .await
            .expect("complete");
        assert_eq!(attachment.file_name, kept);
        let response = server
            .http
            .get(&attachment.path)
            .send()
            .await
            .expect("an answer");
        let disposition = response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(disposition, format!("attachment; filename=\"{kept}\""));
    }
}

// ---- 6. A storage quota, and unfinished uploads expire ----

#[tokio::test]
async fn uploads_past_the_storage_quota_are_refused() {
    let server = TestServer::start_with(|c| c.storage_quota_bytes = 1_000).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    register_uploads(&server, anna.auth(), vec![named("a.txt", 600)])
        .await
        .expect("within the quota");
    assert_refused(
        register_uploads(&server, anna.auth(), vec![named("b.txt", 600)]).await,
        ErrorCode::StorageQuotaExceeded,
    );
    let multipart = S3MultipartUploadReq {
        file: named("c.txt", 600),
    };
    assert_refused(
        server
            .call::<RegisterMultipartUpload>(anna.auth(), &(), &multipart)
            .await,
        ErrorCode::StorageQuotaExceeded,
    );
    register_uploads(&server, bela.auth(), vec![named("b.txt", 600)])
        .await
        .expect("a quota is per user");
}

#[tokio::test]
async fn an_unfinished_upload_is_forgotten_with_its_bytes_once_it_expires() {
    let server = TestServer::start_with(|c| c.unfinished_upload_ttl_secs = 0).await;
    let [anna] = server.users(["anna"]).await;
    let abandoned = register_uploads(&server, anna.auth(), vec![named("a.txt", 4)])
        .await
        .expect("registered")
        .remove(0);
    server
        .put_bytes(&abandoned.upload_url, b"half".to_vec())
        .await
        .expect("the bytes arrive");
    let stored = server.server.state().storage.file_path(&abandoned.file_id);
    assert!(stored.exists());

    register_uploads(&server, anna.auth(), vec![named("b.txt", 4)])
        .await
        .expect("registered");
    let rows = server
        .count(
            "SELECT COUNT(*) FROM files WHERE id = ?1",
            &[&abandoned.file_id],
        )
        .await;
    assert_eq!(rows, 0, "the abandoned upload is forgotten");
    assert!(!stored.exists(), "and its bytes are gone");
}
